"""Weekly report and overdue warning figures (CS-3.10.3, CS-3.4.4), reproducible for a past period."""

from __future__ import annotations

from datetime import date, time

import pytest

from docgen import pipeline
from docgen.reports.periodic import PeriodError, overdue_warning, week_bounds, weekly
from tests.conftest import record_case_with_a_decision, register_line, write_register


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
