"""The weekly report and the overdue warning as Word documents (CS-3.10.3, CS-3.4.4).

The figures come from :mod:`docgen.reports.periodic`; this module only words them and renders
``weekly_report.docx`` (one per service office) and ``overdue_warning.docx`` (one a day). For a past
period everything printed is a function of the ledger and the period: a case's stage and latest progress
are taken as they stood at the end of the week, not as they stand today.

Both also say which weekly meetings were not held (no minutes came back): the weekly report of a finished
week lists the meetings that week required of the office (its communities' coordination meetings,
CS-3.10.1, and 客户服务部's directors' meeting, CS-3.10.2), held or not; the daily warning lists, under who
holds each, those not held in the last :data:`MISSED_WEEKS_SHOWN` finished weeks.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

from docgen.atomic import safe_part
from docgen.cases import Case, DeadlineState, stage_of
from docgen.forms.register import CATEGORIES, DEPARTMENTS
from docgen.ledger import Ledger
from docgen.procedures.workdays import WorkCalendar
from docgen.render.docx import find_template, render_docx
from docgen.render.pdf import render_pdf
from docgen.reports.early_warnings import early_warnings, flag_rows, rule_lines
from docgen.reports.periodic import (
    Overdue,
    Warning,
    Weekly,
    WeeklyMeeting,
    latest_progress,
    missed_meetings,
    overdue_warning,
    week_bounds,
    weekly,
    weekly_meetings,
)
from docgen.wording import PROVISIONAL_MARK, address, chinese_date, day_of
from docgen.workspace import Workspace

__all__ = ["warning_context", "weekly_context", "write_daily_warning", "write_weekly_both"]

NO_PROGRESS = "尚无处理进展"
UNASSIGNED = "（未指定）"
WARNING_FOLDER = "逾期预警"
LESS_THAN_ONE = "不足1"
ADVISORY = "建议时限"
MISSED_WEEKS_SHOWN = 4  # the daily warning lists the meetings not held in the last 4 finished weeks
MEETING_CLAUSES_TEXT = "CS-3.10.1、CS-3.10.2"
BY_MINUTES = "以交回的会议纪要为准"


def _due(deadline: DeadlineState) -> str:
    text = chinese_date(deadline.due)
    return text + PROVISIONAL_MARK if deadline.provisional else text


def _received(case: Case) -> str:
    return case.registered.received_text


def _received_and_lag(case: Case) -> str:
    """受理时间, and for a complaint registered only after its feedback time counted from receipt had run out,
    when it was registered and how late (CS-3.4.3, CS-3.4.2.2)."""
    r = case.registered
    if not r.registration_late or r.registered_on is None:
        return _received(case)
    return f"{_received(case)}\n（{chinese_date(r.registered_on)}登记，晚{r.registration_lag_workdays}个工作日）"


def _label(deadline: DeadlineState) -> str:
    """What must happen; a recommended time (宜, CS-3.4.5) is named 建议时限, passing it being no breach."""
    return f"{deadline.label}（{ADVISORY}）" if deadline.advisory else deadline.label


def _location(case: Case) -> str:
    r = case.registered
    return address(r.get("project"), r.get("building"), r.get("room"))


def _stage_at(case: Case, until: date) -> str:
    """The case's stage as it stood at the end of ``until`` (later events do not count)."""
    events = [e for e in case.events if day_of(e.recorded_at) <= until]
    return stage_of(events)


def _next_due(case: Case, until: date) -> str:
    waiting = [d for d in case.deadlines if d.met_on is None or d.met_on > until]
    if not waiting:
        return "—"
    nxt = min(waiting, key=lambda d: (d.due, d.key))
    return f"{_label(nxt)}\n{_due(nxt)}"


def _counts(counter: Counter, order: tuple[str, ...]) -> list[dict]:
    """Most frequent first; equal counts in the form's order (its dropdown), names it does not list last."""

    def key(item: tuple[str, int]) -> tuple[int, int, str]:
        name, count = item
        return (-count, order.index(name) if name in order else len(order), name or "")

    return [{"name": name or UNASSIGNED, "count": str(count)} for name, count in sorted(counter.items(), key=key)]


def _late(workdays: int) -> str:
    # Due on the week's last working day and still open at the weekend: late, by less than a working day.
    return str(workdays) if workdays > 0 else LESS_THAN_ONE


def _overdue_row(item: Overdue) -> dict:
    return {
        "number": item.case.number,
        "customer": item.case.registered.get("customer") or "",
        "label": _label(item.deadline),
        "due": _due(item.deadline),
        "clause": item.deadline.clause,
        "late": _late(item.workdays_late),
    }


def _meeting_row(meeting: WeeklyMeeting) -> dict:
    held = "、".join(f"{day.month}月{day.day}日" for day in meeting.held_on)
    return {
        "week": meeting.week,
        "meeting": meeting.meeting,
        "clause": meeting.clause,
        "held_by": meeting.held_by,
        "status": f"已于{held}召开" if held else "未召开",
        "missed": "是" if meeting.missed else "",
        "text": meeting.sentence,
    }


def _meetings_note(meetings: list[WeeklyMeeting] | None) -> str:
    """One sentence on the week's meetings for the weekly report (CS-3.10.1, CS-3.10.2)."""
    if meetings is None:
        return f"本周尚未结束，例会召开情况（{MEETING_CLAUSES_TEXT}）于周末后按交回的会议纪要核对。"
    if not meetings:
        return "本周在本系统启用之前，不核对例会召开情况。"
    missed = sum(1 for m in meetings if m.missed)
    if missed:
        return f"本周应召开例会{len(meetings)}次，未召开{missed}次（{BY_MINUTES}）："
    return f"本周应召开例会{len(meetings)}次，均已召开（{BY_MINUTES}）："


def weekly_context(
    report, calendar: WorkCalendar, issued_on: date, meetings: list[WeeklyMeeting] | None = None
) -> dict:
    """The context of ``weekly_report.docx`` for one office's :class:`~docgen.reports.periodic.Weekly`.

    ``calendar`` is accepted for symmetry with the figures (the working days late are already counted
    in ``report.overdue``). ``meetings``: the weekly meetings the finished week required of the office
    (:func:`~docgen.reports.periodic.weekly_meetings`), None while the week is still running."""
    last = report.last
    reg = lambda case, key: case.registered.get(key) or ""  # noqa: E731
    rows = [_meeting_row(m) for m in meetings or []]
    return {
        "office": report.office,
        "period": f"{chinese_date(report.first)}至{chinese_date(last)}",
        "issued_on": chinese_date(issued_on),
        "summary": {
            "new": str(len(report.new)),
            "closed": str(len(report.closed)),
            "open": str(len(report.still_open)),
            "overdue": str(len(report.overdue)),
        },
        "new_rows": [
            {
                "number": c.number,
                "received": _received_and_lag(c),
                "customer": reg(c, "customer"),
                "location": _location(c),
                "category": reg(c, "category"),
                "department": reg(c, "department"),
                "content": reg(c, "content"),
            }
            for c in report.new
        ],
        "open_rows": [
            {
                "number": c.number,
                "received": _received_and_lag(c),
                "customer": reg(c, "customer"),
                "category": reg(c, "category"),
                "department": reg(c, "department"),
                "stage": _stage_at(c, last),
                "progress": latest_progress(c, last) or NO_PROGRESS,
                "next_due": _next_due(c, last),
            }
            for c in report.still_open
        ],
        "overdue_rows": [
            _overdue_row(item)
            for item in sorted(report.overdue, key=lambda o: (o.case.number, o.deadline.due, o.deadline.key))
        ],
        "by_category": _counts(report.by_category, CATEGORIES),
        "by_department": _counts(report.by_department, DEPARTMENTS),
        "meetings_note": _meetings_note(meetings),
        "meetings": rows,
        "missed_meetings": [row for row in rows if row["missed"]],
    }


def _with(stem: Path, suffix: str) -> Path:
    # not Path.with_suffix: an office name may hold a dot ("A.B服务处") that is no suffix
    return stem.with_name(stem.name + suffix)


def _reports_folder(ws: Workspace) -> Path:
    return ws.root / ws.settings.paths.outbox / "reports"


def write_weekly_both(
    ws: Workspace,
    ledger: Ledger,
    week: str,
    progress: Callable[[int, int], None] | None = None,
    office: str | None = None,
) -> list[Path]:
    """``docgen report weekly``: ``outbox/reports/<week>/周报-<office>-<week>.docx`` for every service office
    with cases that week (``<week>`` written like 2026-W48 whichever way the week was given), each followed
    by its PDF/A-3b twin ``….pdf`` (``templates/pdf/weekly_report.typ``), both from one :func:`weekly_context`;
    ``progress(done, total)`` after each office (the command line draws a bar when there are many offices).

    The issue date is the first working day after the week (when the report is due), never the clock, so
    the same ledger gives the same documents again. ``office``: that service office's report alone."""
    contexts = _weekly_contexts(ws, ledger, week, office)
    written: list[Path] = []
    for done, (stem, context) in enumerate(contexts, start=1):
        written.append(render_docx(find_template("weekly_report.docx", ws.templates), context, _with(stem, ".docx")))
        written.append(render_pdf("weekly_report.typ", context, _with(stem, ".pdf"), workspace_templates=ws.templates))
        if progress:
            progress(done, len(contexts))
    return written


def _weekly_contexts(ws: Workspace, ledger: Ledger, week: str, office: str | None = None) -> list[tuple[Path, dict]]:
    """``(path without suffix, context)`` of each office's weekly report: the one definition of what the
    .docx and the .pdf say and where they go.

    A finished week's report also says which weekly meetings were held: 客户服务部's directors' meeting
    (CS-3.10.2) in every office's report, each community's coordination meeting (CS-3.10.1) in its office's;
    an office whose community had to meet that week gets its report even without a complaint."""
    monday, end = week_bounds(week)
    year, number, _ = monday.isocalendar()
    label = f"{year}-W{number:02d}"  # "2026-11-26" and "2026-w48" name the same folder as "2026-W48"
    today = ws.today()
    reports = weekly(ledger, ws.calendar, label, today=today, office=office)
    meetings = weekly_meetings(ledger, ws.settings, monday, end, today) if end <= today else None
    offices = {report.office for report in reports}
    for name in sorted({m.held_by for m in meetings or [] if m.project} - offices):
        if office is None or name == office:
            reports.append(Weekly(name, monday, end - timedelta(days=1)))
    return [
        (
            _reports_folder(ws) / label / f"周报-{safe_part(report.office, 80)}-{label}",
            weekly_context(
                report,
                ws.calendar,
                min(ws.calendar.next_workday(report.last), today),
                None if meetings is None else [m for m in meetings if not m.project or m.held_by == report.office],
            ),
        )
        for report in sorted(reports, key=lambda r: r.office)
    ]


def warning_context(
    warnings: list[Warning],
    today: date,
    tomorrow: date,
    missed: list[WeeklyMeeting] | tuple = (),
    early: list[dict] | tuple = (),
    early_rules: list[str] | tuple = (),
) -> dict:
    """The context of ``overdue_warning.docx``: by who must act, late first (most late first), then due, then
    the weekly meetings not held (``missed``, :func:`~docgen.reports.periodic.missed_meetings`) under who
    holds them: a community's 客户服务处 (CS-3.10.1), 客户服务部 (CS-3.10.2). ``early``: the patterns that may
    become a major complaint (CS-3.7.4, :func:`~docgen.reports.early_warnings.flag_rows`), printed first with
    the thresholds in force (``early_rules``)."""
    departments = []
    by_name = {warning.department: warning for warning in warnings}
    not_held: dict[str, list[WeeklyMeeting]] = {}
    for meeting in missed:
        not_held.setdefault(meeting.held_by, []).append(meeting)
    for name in sorted(set(by_name) | set(not_held)):
        warning = by_name.get(name) or Warning(name)
        late = sorted(warning.late, key=lambda p: (-p.workdays_late, p.number, p.deadline.key))
        due = sorted(warning.due_tomorrow, key=lambda p: (p.deadline.due, p.number, p.deadline.key))
        departments.append(
            {
                "name": warning.department or UNASSIGNED,
                "late": [
                    {
                        "number": p.number,
                        "customer": p.subject,
                        "label": _label(p.deadline),
                        "due": _due(p.deadline),
                        "clause": p.deadline.clause,
                        "late": _late(p.workdays_late),
                    }
                    for p in late
                ],
                "due": [
                    {
                        "number": p.number,
                        "customer": p.subject,
                        "label": _label(p.deadline),
                        "due": _due(p.deadline),
                        "clause": p.deadline.clause,
                    }
                    for p in due
                ],
                "missed": [
                    _meeting_row(m) for m in sorted(not_held.get(name, []), key=lambda m: (m.monday, m.meeting))
                ],
            }
        )
    count = sum(len(d["missed"]) for d in departments)
    rules = "；".join(early_rules)
    return {
        "early": [dict(row) for row in early],
        "early_rules": f"预警条件（docgen.toml 的 [warnings]）：{rules}。" if rules else "",
        "issued_on": chinese_date(today),
        "today": chinese_date(today),
        "tomorrow": chinese_date(tomorrow),
        "departments": departments,
        "totals": {
            "late": str(sum(len(d["late"]) for d in departments)),
            "due": str(sum(len(d["due"]) for d in departments)),
            "missed": str(count),
        },
        "missed_note": (
            f"近{MISSED_WEEKS_SHOWN}周有{count}次例会未召开（{MEETING_CLAUSES_TEXT}，{BY_MINUTES}；"
            "已召开而纪要未交回的，请交回会议纪要）。"
            if count
            else ""
        ),
    }


def with_plan_overdue(warnings: list[Warning], ledger: Ledger, ws: Workspace, today: date) -> list[Warning]:
    """``warnings`` and, under who must act, the plan's execution reports missing after their due date (PL-3.3.1)
    and the branch reports' finance reviews overdue (PL-3.3.2) (``docgen.plans.overdue``, issue 14)."""
    from docgen.plans import overdue
    from docgen.reports.periodic import Pending

    by_name = {warning.department: warning for warning in warnings}
    for item in overdue(ledger, ws.settings, today):
        # the plan's lines name their own procedure and who follows them up (issue 14 D15): not 客户服务部's
        label = f"{item.label}（《计划管理程序》{item.clause}，由企业发展中心督办）"
        deadline = DeadlineState("plan", label, item.due, item.clause, False, actor=item.who)
        late = ws.calendar.workdays_late(item.due, today)
        by_name.setdefault(item.who, Warning(item.who)).late.append(Pending(item.number, item.subject, deadline, late))
    return [by_name[name] for name in sorted(by_name)]


def write_daily_warning(ws: Workspace, ledger: Ledger, today: date) -> list[Path]:
    """The day's 逾期预警, from one reading of the ledger: ``outbox/reports/逾期预警/逾期预警-<YYYY-MM-DD>.docx``
    (written even when nothing is late), then its PDF/A-3b twin ``….pdf`` (``templates/pdf/overdue_warning.typ``),
    both from one :func:`warning_context`, with the weekly meetings not held in the last
    :data:`MISSED_WEEKS_SHOWN` finished weeks (CS-3.10.1, CS-3.10.2) and the early warnings of the day
    (CS-3.7.4, ``[warnings]``)."""
    warnings = overdue_warning(ledger, ws.calendar, today)
    warnings = with_plan_overdue(warnings, ledger, ws, today)  # issue 14: PL-3.3.1, PL-3.3.2
    from docgen.reports.plan_execution import with_group_report_warnings  # the group reports' window, PL-3.4.3

    warnings = with_group_report_warnings(warnings, ledger, ws.calendar, today)
    monday = today - timedelta(days=today.weekday())
    missed = missed_meetings(ledger, ws.settings, monday - timedelta(weeks=MISSED_WEEKS_SHOWN), monday, today)
    flags = flag_rows(early_warnings(ledger, ws.settings.warnings, today))
    rules = rule_lines(ws.settings.warnings)
    context = warning_context(warnings, today, ws.calendar.next_workday(today), missed, flags, rules)
    stem = _reports_folder(ws) / WARNING_FOLDER / f"逾期预警-{today.isoformat()}"
    return [
        render_docx(find_template("overdue_warning.docx", ws.templates), context, _with(stem, ".docx")),
        render_pdf("overdue_warning.typ", context, _with(stem, ".pdf"), workspace_templates=ws.templates),
    ]
