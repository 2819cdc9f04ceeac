"""Weekly report and overdue warning figures (CS-3.10.3, CS-3.4.4), reproducible for a past period, and the
weekly meetings whose minutes never came back (CS-3.10.1, CS-3.10.2)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest

from docgen import pipeline
from docgen.reports.periodic import (
    PeriodError,
    missed_meetings,
    overdue_warning,
    week_bounds,
    weekly,
    weekly_meetings,
)
from tests.conftest import freeze_ledger_clock, record_case_with_a_decision, register_line, write_register

CST = timezone(timedelta(hours=8))


def test_week_bounds_from_iso_week_or_any_day():
    assert week_bounds("2026-W48") == (date(2026, 11, 23), date(2026, 11, 30))
    assert week_bounds("2026-11-26") == (date(2026, 11, 23), date(2026, 11, 30))
    with pytest.raises(PeriodError, match="2026-W48"):
        week_bounds("上周")


def test_weekly_counts_new_open_and_overdue_per_office(ws, ledger):
    # GIVEN two complaints of week 48 in two communities, one of them a repair never surveyed
    pipeline.process_file(
        ws,
        ledger,
        write_register(
            ws.intake,
            [
                register_line(project="融侨锦江"),
                register_line(project="融侨观邸", customer="李四", category="销售服务", received_time=time(9, 0)),
            ],
        ),
        date(2026, 11, 23),  # registered the day they were received: the feedback counts from then
    )
    reports = {report.office: report for report in weekly(ledger, ws.calendar, "2026-W48")}
    assert set(reports) == {"融侨锦江客户服务处", "融侨观邸客户服务处"}
    jinjiang = reports["融侨锦江客户服务处"]
    assert len(jinjiang.new) == 1 and len(jinjiang.still_open) == 1 and jinjiang.by_category == {"维修": 1}
    # THEN by the end of the week the survey (due Tue 11-24) is 3 working days late (CS-3.4.5)
    late = {o.deadline.key: o.workdays_late for o in jinjiang.overdue}
    assert late["survey"] == 3 and late["feedback"] == 1  # feedback was due Thu 11-26 (CS-3.4.2.2)
    # AND the same ledger gives the same report again
    again = {report.office: report for report in weekly(ledger, ws.calendar, "2026-W48")}
    assert [c.number for c in again["融侨锦江客户服务处"].new] == [c.number for c in jinjiang.new]


def test_overdue_warning_lists_due_next_working_day_and_late_by_who_must_act(ws, ledger):
    pipeline.process_file(ws, ledger, write_register(ws.intake, [register_line()]), date(2026, 11, 23))
    warnings = {w.department: w for w in overdue_warning(ledger, ws.calendar, date(2026, 11, 25))}
    survey_team = "客户服务部、工程材料部（或物业公司）、维修队长"
    assert [o.deadline.key for o in warnings[survey_team].late] == ["survey"]
    assert [p.deadline.key for p in warnings["客户服务部"].due_tomorrow] == ["feedback"]


def test_a_week_still_running_is_reported_as_of_today(ws, ledger):
    pipeline.process_file(ws, ledger, write_register(ws.intake, [register_line()]), date(2026, 11, 23))
    [report] = weekly(ledger, ws.calendar, "2026-W48", today=date(2026, 11, 25))
    assert report.last == date(2026, 11, 25)
    # survey due Tue 11-24 is 1 working day late on Wednesday; feedback due Thu 11-26 is not late yet
    assert {o.deadline.key: o.workdays_late for o in report.overdue} == {"survey": 1}


def test_a_decision_of_minutes_leaves_the_warning_and_the_weekly_report_once_done(ws, ledger):
    """逾期预警 and 周报 list a late decision of minutes (CS-3.10.1) until it is marked done."""
    from docgen.actions import mark_done

    # GIVEN a complaint with nothing due before the new year, and a decision on it due Monday 30 November
    record_case_with_a_decision(ledger, "2026-11-30")
    # THEN on Wednesday 2 December it is 2 working days late, on the owner's page of the warning and in the week
    [warning] = overdue_warning(ledger, ws.calendar, date(2026, 12, 2))
    assert warning.department == "物业公司" and [(o.deadline.key, o.workdays_late) for o in warning.late] == [
        ("action-2", 2)
    ]
    assert [o.deadline.key for o in weekly(ledger, ws.calendar, "2026-W49", today=date(2026, 12, 2))[0].overdue] == [
        "action-2"
    ]
    # WHEN it is marked done on 1 December
    mark_done(ledger, "action-2", date(2026, 12, 1), today=date(2026, 12, 2))
    # THEN neither lists it any more
    assert overdue_warning(ledger, ws.calendar, date(2026, 12, 2)) == []
    assert weekly(ledger, ws.calendar, "2026-W49", today=date(2026, 12, 2))[0].overdue == []


def test_a_decision_on_no_case_is_in_the_warning_under_its_owner_until_done(ws, ledger):
    """A directors' meeting decision that names no case (CS-3.10.2) is tracked all the same."""
    from docgen.actions import mark_done

    # GIVEN the directors' meeting of 27 November decided, on no case, that 各服务处 report by Monday 30 November
    with ledger.transaction() as tx:
        tx.append(
            "minutes.action",
            {
                "meeting_type": "服务处主任例会",
                "meeting_date": "2026-11-27",
                "clause": "CS-3.10.2",
                "owner": "各服务处",
                "text": "各服务处周一前报送周报",
                "due": "2026-11-30",
                "deadlines": [
                    {
                        "key": "action-1",
                        "label": "各服务处周一前报送周报",
                        "due": "2026-11-30",
                        "clause": "CS-3.10.2",
                        "provisional": False,
                        "actor": "各服务处",
                    }
                ],
            },
            case_id=None,
            claim="minutes",
        )
    # WHEN the warning of Friday 27 November is drawn THEN it is due on the next working day, under its owner,
    # numbered by its 事项编号 and described by the meeting that took it
    [friday] = overdue_warning(ledger, ws.calendar, date(2026, 11, 27))
    assert friday.department == "各服务处" and friday.late == []
    [due] = friday.due_tomorrow
    assert (due.number, due.subject, due.deadline.clause) == (
        "action-1",
        "2026年11月27日服务处主任例会决定",
        "CS-3.10.2",
    )
    # AND on Wednesday 2 December it is 2 working days late
    [late] = overdue_warning(ledger, ws.calendar, date(2026, 12, 2))[0].late
    assert (late.number, late.workdays_late) == ("action-1", 2)
    # AND once marked done it is gone
    mark_done(ledger, "action-1", date(2026, 12, 1), today=date(2026, 12, 2))
    assert overdue_warning(ledger, ws.calendar, date(2026, 12, 2)) == []


def test_an_open_decision_on_a_case_since_closed_stays_in_the_warning(ws, ledger):
    # GIVEN a decision due 30 November on KF-2026-00001, and the case closed on 27 November
    record_case_with_a_decision(ledger, "2026-11-30")
    with ledger.transaction() as tx:
        tx.append("case.closed", {}, case_id="KF-2026-00001")
    # WHEN the warning of 2 December is drawn THEN the decision is there, late, under its owner and its case
    [warning] = overdue_warning(ledger, ws.calendar, date(2026, 12, 2))
    [late] = warning.late
    assert (warning.department, late.number, late.deadline.key, late.workdays_late) == (
        "物业公司",
        "KF-2026-00001",
        "action-2",
        2,
    )


# ------------------------------------------------------------------ weekly meetings (CS-3.10.1, CS-3.10.2)


def _configured(ws, toml: str):
    from docgen.workspace import Workspace

    (ws.root / "docgen.toml").write_text(toml, encoding="utf-8")
    return Workspace.open(ws.root)


def _minutes_event(ledger, meeting_type: str, day: str, project: str | None = None) -> None:
    """Minutes naming KF-2026-00001, recorded on it as docgen.steps.minutes_intake records them."""
    payload = {"meeting_type": meeting_type, "meeting_date": day, "decisions": []}
    if project:
        payload["project"] = project
    with ledger.transaction() as tx:
        tx.append("case.minutes", payload, case_id="KF-2026-00001", claim="minutes")


@pytest.fixture
def from_week_48(ws, ledger, monkeypatch):
    """A ledger whose first event is a register processed on Tuesday 24 November 2026 (week 48)."""
    clock = freeze_ledger_clock(monkeypatch, datetime(2026, 11, 24, 10, 0, tzinfo=CST))
    pipeline.process_file(ws, ledger, write_register(ws.intake, [register_line()]), date(2026, 11, 24))
    return clock


def _sentences(meetings) -> list[str]:
    return [m.sentence for m in meetings]


def test_a_finished_week_without_directors_minutes_is_a_meeting_not_held(ws, ledger, from_week_48):
    # GIVEN docgen in use from Tuesday 24 November (week 48) and the directors' minutes of Friday 4 December
    _minutes_event(ledger, "服务处主任例会", "2026-12-04")
    # WHEN the weeks from November to Monday 14 December are checked
    meetings = weekly_meetings(ledger, ws.settings, date(2026, 11, 2), date(2026, 12, 21), date(2026, 12, 14))
    # THEN week 48, begun before the ledger's first event, asks nothing; week 49 held its meeting on
    # 4 December; week 50 (7–13 December) did not; week 51 is not over
    assert _sentences(meetings) == [
        "第49周（11月30日—12月6日）服务处主任例会已于12月4日召开（CS-3.10.2）",
        "第50周（12月7日—12月13日）未召开服务处主任例会（CS-3.10.2）",
    ]
    assert [
        (m.held_by, m.clause)
        for m in missed_meetings(ledger, ws.settings, date(2026, 11, 2), date(2026, 12, 21), date(2026, 12, 14))
    ] == [("客户服务部", "CS-3.10.2")]
    # AND on Sunday 13 December week 50 is not over yet
    assert missed_meetings(ledger, ws.settings, date(2026, 11, 2), date(2026, 12, 21), date(2026, 12, 13)) == []


def test_a_community_meets_weekly_from_its_delivery_to_the_end_of_its_first_year(ws, ledger, from_week_48):
    # GIVEN 翠苑 delivered on Wednesday 2 December 2026, 融侨锦江 on Monday 30 November 2025 (its first year ends
    # on Monday 30 November 2026), 融侨观邸 without a delivery date; every directors' meeting held
    ws = _configured(
        ws,
        '[projects."翠苑"]\ndelivered = 2026-12-02\n\n[projects."融侨锦江"]\ndelivered = 2025-11-30\n\n'
        '[projects."融侨观邸"]\n',
    )
    for day in ("2026-11-27", "2026-12-04", "2026-12-11"):
        _minutes_event(ledger, "服务处主任例会", day)
    _minutes_event(ledger, "投诉协调例会", "2026-12-10", "翠苑")
    # WHEN weeks 48 to 50 are checked on Monday 14 December
    missed = missed_meetings(ledger, ws.settings, date(2026, 11, 23), date(2026, 12, 14), date(2026, 12, 14))
    # THEN 融侨锦江's week 49 (begun on the last day of its first year) had to meet, week 50 no longer;
    # 翠苑's week 49 (begun before its delivery) not yet, week 50 met on 10 December; 融侨观邸 cannot be checked;
    # week 48 began before the ledger's first event
    assert [(m.sentence, m.held_by) for m in missed] == [
        ("第49周（11月30日—12月6日）未召开融侨锦江投诉协调例会（CS-3.10.1）", "融侨锦江客户服务处")
    ]


def test_coordination_minutes_that_only_mark_decisions_done_are_a_meeting_held(ws, ledger, monkeypatch):
    """The minutes' own accepted submission names its meeting and community, even with no decision and no case."""
    import docgen.render.pdf
    from docgen.actions import all_actions
    from docgen.reports.minutes_drafts import write_draft
    from tests.test_minutes import SIGNED, fill, fill_review

    def placeholder(template, context, target, **_):  # the filed PDF/A of the minutes: tested with the renderer
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        Path(target).write_bytes(b"%PDF-1.7 placeholder")
        return Path(target)

    monkeypatch.setattr(docgen.render.pdf, "render_pdf", placeholder)
    clock = freeze_ledger_clock(monkeypatch, datetime(2026, 11, 23, 10, 0, tzinfo=CST))
    ws = _configured(ws, '[projects."融侨锦江"]\ndelivered = 2026-06-01\n')
    pipeline.process_file(ws, ledger, write_register(ws.intake, [register_line()]), date(2026, 11, 23))

    def drop(kind: str, day: date, decisions, marks=None) -> None:
        clock["at"] = datetime(day.year, day.month, day.day, 16, 0, tzinfo=CST)
        project = "融侨锦江" if kind == "coordination" else None
        completed = fill(write_draft(ws, ledger, kind, day, project=project), {**SIGNED, "涉及案件": ""}, decisions)
        if marks:
            completed = fill_review(completed, marks)
        dropped = ws.intake / f"{kind}-{day.isoformat()}.docx"
        completed.rename(dropped)
        outcome = pipeline.process_file(ws, ledger, dropped, day)
        assert outcome.status.startswith("accepted"), outcome.findings

    # GIVEN 融侨锦江's coordination meeting of 27 November took a decision on no case
    drop("coordination", date(2026, 11, 27), [("物业公司排查同楼栋地漏", "物业公司", "2026-12-09", "")])
    [action] = all_actions(ledger)
    # AND its meeting of 4 December only marked it done: no decision, no case named
    drop("coordination", date(2026, 12, 4), [], {action.key: ("已完成", "2026年12月3日")})
    assert {e.payload["meeting_date"] for e in ledger.events(kind="case.minutes")} == set()  # nothing on a case
    assert "project" not in ledger.events(kind="minutes.action_done")[0].payload  # the completion names no community
    # WHEN weeks 48 and 49 are checked THEN both coordination meetings were held; only the directors' were not
    missed = missed_meetings(ledger, ws.settings, date(2026, 11, 23), date(2026, 12, 7), date(2026, 12, 7))
    assert [m.meeting for m in missed] == ["服务处主任例会", "服务处主任例会"]
