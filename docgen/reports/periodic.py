"""What the weekly report and the overdue warning say, drawn from the ledger (CS-3.10.3, CS-3.4.4), and
the weekly meetings whose minutes never came back (CS-3.10.1, CS-3.10.2).

The same ledger gives the same figures for a past period: everything here is a function of the
events and the period, never of the clock (``as_of`` is the period's end).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from docgen.cases import Case, DeadlineState, case_summaries, cases_of
from docgen.errors import PeriodError  # raised here for a week not written like 2026-W48 or 2026-11-23
from docgen.events import (
    CASE_MINUTES,
    CASE_PROGRESS,
    CASE_REGISTERED,
    MINUTES_ACTION,
    MINUTES_ACTION_DONE,
    NC_ACTION,
    SUBMISSION_ACCEPTED,
    SUBMISSION_DUPLICATE,
    SUBMISSION_REJECTED,
)
from docgen.forms.minutes import COORDINATION, DIRECTORS, MEETING_CLAUSES, MINUTES
from docgen.ledger import Event, Ledger
from docgen.procedures.workdays import WorkCalendar
from docgen.projects import first_year_last_day
from docgen.wording import day_of
from docgen.workspace import Settings


def week_bounds(text: str) -> tuple[date, date]:
    """Monday and the following Monday (exclusive) of an ISO week: "2026-W48", or any day in it."""
    text = text.strip().upper()
    if match := re.fullmatch(r"(\d{4})-?W(\d{1,2})", text):
        try:
            monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError:
            raise PeriodError(f"周次“{text}”不存在") from None
    else:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise PeriodError(f"周次“{text}”格式不对；应为 2026-W48 或该周内的某一天，如 2026-11-23") from None
        monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=7)


def _received(case: Case) -> date:
    return case.registered.received.date()


def _closed_on(case: Case) -> date | None:
    """The day the case closed: the 办结日期 of a closing on the register, else the day it was recorded."""
    return case.closed_on


@dataclass
class Overdue:
    case: Case
    deadline: DeadlineState
    workdays_late: int


@dataclass
class Weekly:
    office: str
    first: date
    last: date  # inclusive
    new: list[Case] = field(default_factory=list)
    closed: list[Case] = field(default_factory=list)
    still_open: list[Case] = field(default_factory=list)
    overdue: list[Overdue] = field(default_factory=list)
    by_category: Counter = field(default_factory=Counter)
    by_department: Counter = field(default_factory=Counter)


def latest_progress(case: Case, until: date) -> str:
    notes = [
        e.payload.get("progress") for e in case.events if e.kind == CASE_PROGRESS and day_of(e.recorded_at) <= until
    ]
    return (notes[-1] or "") if notes else ""


def weekly(
    ledger: Ledger, calendar: WorkCalendar, week: str, today: date | None = None, office: str | None = None
) -> list[Weekly]:
    """One weekly report per service office (客户服务处), in office order, or of ``office`` alone. A week
    still running is reported as of ``today``: nothing is counted late that is not late yet.

    Only the cases the week can name are built (issue 15): those received in it and those received before
    and still open in it, found by ``case_state``; every office with a case received by the week's end
    gets its report, as when every case was read."""
    first, end = week_bounds(week)
    last = end - timedelta(days=1)
    if today is not None and first <= today < last:
        last = today
    reports: dict[str, Weekly] = {
        name: Weekly(name, first, last)
        for name in ledger.case_offices(received_until=last)
        if office is None or name == office
    }
    for case in cases_of(ledger, ledger.case_numbers_in_period(first, last, office)):
        received = _received(case)
        if received > last:
            continue
        name = case.registered.get("office") or "客户服务部"
        closed_on = _closed_on(case)
        report = reports.setdefault(name, Weekly(name, first, last))
        if first <= received <= last:
            report.new.append(case)
            report.by_category[case.registered.get("category", "其他")] += 1
            report.by_department[case.registered.get("department", "")] += 1
        if closed_on and first <= closed_on <= last:
            report.closed.append(case)
        if closed_on is None or closed_on > last:
            report.still_open.append(case)
            for deadline in case.deadlines:
                met = deadline.met_on if deadline.met_on and deadline.met_on <= last else None
                late = calendar.workdays_late(deadline.due, last) if met is None else 0
                if late > 0:  # due on the week's last working day is not late at the weekend
                    report.overdue.append(Overdue(case, deadline, late))
    return [reports[name] for name in sorted(reports)]


@dataclass(frozen=True)
class Pending:
    """One line of the 逾期预警: a deadline of a case, or of a meeting's decision taken on no case."""

    number: str  # 登记编号, or the decision's 事项编号 (action-<seq>)
    subject: str  # the case's customer, or the meeting that took the decision
    deadline: DeadlineState
    workdays_late: int = 0


@dataclass
class Warning:
    department: str
    due_tomorrow: list[Pending] = field(default_factory=list)
    late: list[Pending] = field(default_factory=list)


def _pending_deadlines(ledger: Ledger) -> list[tuple[str, str, str, DeadlineState]]:
    """(who must act, number, subject, deadline) of every deadline still to be met: those of open cases, and
    the open decisions of meetings (CS-3.10.1/3.10.2 minutes) taken on no case or on a case since closed."""
    from docgen.actions import all_actions  # actions import the minutes form; keep this module light

    pending, open_cases = [], set()
    for case in case_summaries(ledger, ledger.open_case_numbers()):  # the open cases' rows (case_state, issue 15)
        if case.open:
            open_cases.add(case.number)
            for deadline in case.pending():
                who = deadline.actor or case.registered.get("department") or "客户服务部"
                pending.append((who, case.number, case.registered.get("customer") or "", deadline))
    for action in all_actions(ledger):
        # An open case lists its own decisions above; a closed case lists nothing, yet its decisions
        # still stand until done.
        if action.done_on is None and action.case_id not in open_cases:
            deadline = DeadlineState(action.key, action.text, action.due, action.clause, False, actor=action.owner)
            if action.kind == NC_ACTION:  # a 《纠正措施记录》's item: its BHG number leads its text (NC-5.1)
                number, _, text = action.text.partition(" ")
                deadline = DeadlineState(action.key, text, action.due, action.clause, False, actor=action.owner)
                pending.append((action.owner, number, f"纠正措施记录 {action.key}", deadline))
                continue
            pending.append(
                (action.owner or "客户服务部", action.case_id or action.key, action.meeting() + "决定", deadline)
            )
    return pending


def overdue_warning(ledger: Ledger, calendar: WorkCalendar, today: date) -> list[Warning]:
    """逾期预警: what falls due on the next working day and what is already late, by responsible party."""
    tomorrow = calendar.next_workday(today)
    warnings: dict[str, Warning] = {}
    for who, number, subject, deadline in _pending_deadlines(ledger):
        if deadline.due < today:
            warnings.setdefault(who, Warning(who)).late.append(
                Pending(number, subject, deadline, calendar.workdays_late(deadline.due, today))
            )
        elif today <= deadline.due <= tomorrow:
            warnings.setdefault(who, Warning(who)).due_tomorrow.append(Pending(number, subject, deadline))
    return [warnings[name] for name in sorted(warnings)]


# ------------------------------------------------------------------ weekly meetings (CS-3.10.1, 3.10.2)

DEPARTMENT = "客户服务部"  # holds the directors' meeting (CS-3.10.2)
_CN_DAY = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


def _month_day(day: date) -> str:
    return f"{day.month}月{day.day}日"


@dataclass(frozen=True)
class WeeklyMeeting:
    """A weekly meeting the procedure requires in one finished ISO week: the coordination meeting of a community
    in its first year after delivery (CS-3.10.1, held by its 客户服务处) or the directors' meeting of 客户服务部
    (CS-3.10.2), with the days of its accepted minutes dated in that week (none: not held)."""

    monday: date
    meeting_type: str  # COORDINATION or DIRECTORS
    held_by: str  # who holds it: the community's 客户服务处, or 客户服务部
    project: str | None = None  # the community of a coordination meeting
    held_on: tuple[date, ...] = ()

    @property
    def missed(self) -> bool:
        return not self.held_on

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def clause(self) -> str:
        return MEETING_CLAUSES[self.meeting_type]

    @property
    def week(self) -> str:
        """第48周（11月23日—11月29日）; a week across the new year names both years."""
        number = self.monday.isocalendar()[1]
        if self.monday.year == self.sunday.year:
            return f"第{number}周（{_month_day(self.monday)}—{_month_day(self.sunday)}）"
        return f"第{number}周（{self.monday.year}年{_month_day(self.monday)}—{self.sunday.year}年{_month_day(self.sunday)}）"

    @property
    def meeting(self) -> str:
        """融侨锦江投诉协调例会 / 服务处主任例会."""
        return f"{self.project}{self.meeting_type}" if self.project else self.meeting_type

    @property
    def sentence(self) -> str:
        """第48周（11月23日—11月29日）未召开融侨锦江投诉协调例会（CS-3.10.1）, or …于11月27日召开…."""
        if self.missed:
            return f"{self.week}未召开{self.meeting}（{self.clause}）"
        days = "、".join(_month_day(day) for day in self.held_on)
        return f"{self.week}{self.meeting}已于{days}召开（{self.clause}）"


def _day(value) -> date | None:
    text = str(value or "").strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        match = _CN_DAY.fullmatch(text)
        return date(int(match[1]), int(match[2]), int(match[3])) if match else None


MINUTES_KINDS = (CASE_MINUTES, MINUTES_ACTION, MINUTES_ACTION_DONE)


def _held(events: list[Event]) -> set[tuple[str, date, str]]:
    """(meeting type, meeting date, community or "") of every meeting whose minutes were accepted.

    The minutes' own accepted submission names its meeting in the filed PDF (type, date and community), even
    when the minutes only marked earlier decisions done; the events of the minutes (``case.minutes``, each
    decision's ``minutes.action``, each completion's ``minutes.action_done``) carry type and date too."""
    held: set[tuple[str, date, str]] = set()
    for event in events:
        payload = event.payload
        if event.kind == SUBMISSION_ACCEPTED:
            if payload.get("form") != MINUTES.form_id:
                continue
            for document in payload.get("documents") or []:
                spec = document.get("spec") or {}
                context = spec.get("context") or {}
                day = _day(context.get("meeting_date"))
                if spec.get("template") == "minutes.typ" and day and context.get("meeting_type"):
                    held.add((context["meeting_type"], day, str(context.get("project") or "").strip()))
        elif event.kind in (CASE_MINUTES, MINUTES_ACTION, MINUTES_ACTION_DONE):
            day = _day(payload.get("meeting_date"))
            if day and payload.get("meeting_type"):
                held.add((payload["meeting_type"], day, str(payload.get("project") or "").strip()))
    return held


def weekly_meetings(ledger: Ledger, settings: Settings, first: date, end: date, today: date) -> list[WeeklyMeeting]:
    """The weekly meetings required in the ISO weeks beginning in ``[first, end)`` that were over on ``today``
    (a week ends with its Sunday), each with the days of its accepted minutes dated in its week; in week order,
    the directors' meeting first, then the communities by name.

    Nothing is asked of a week that began before the ledger's first event (docgen was not in use: its minutes
    are on paper). CS-3.10.2: 客户服务部's directors' meeting every such week. CS-3.10.1: the coordination
    meeting of each community whose delivery date ``docgen.toml`` gives, every such week that begins in its
    first year after delivery (the delivery day to :func:`docgen.projects.first_year_last_day`), never a week
    that began before the delivery day. A community without a delivery date cannot be checked (``docgen
    doctor`` names it) and is left out. Minutes count whenever they were dropped back: a meeting held is held."""
    # The ledger's first submission or case, and the minutes alone (issue 15: not every event of the ledger).
    first_recorded = ledger.first_recorded(
        (SUBMISSION_ACCEPTED, SUBMISSION_REJECTED, SUBMISSION_DUPLICATE, CASE_REGISTERED, *MINUTES_KINDS)
    )
    if first_recorded is None:
        return []
    started = day_of(first_recorded)
    held = _held(ledger.events_of_form(SUBMISSION_ACCEPTED, MINUTES.form_id) + ledger.events(kinds=MINUTES_KINDS))
    communities = sorted(
        (name, project.delivered) for name, project in settings.projects.items() if project.delivered is not None
    )
    monday = max(first, started)
    monday += timedelta(days=(7 - monday.weekday()) % 7)  # the first Monday on or after both
    meetings: list[WeeklyMeeting] = []
    while monday < end and monday + timedelta(days=6) < today:
        week = [monday + timedelta(days=i) for i in range(7)]
        directors = tuple(day for day in week if any((DIRECTORS, day) == (k, d) for k, d, _ in held))
        meetings.append(WeeklyMeeting(monday, DIRECTORS, DEPARTMENT, held_on=directors))
        for name, delivered in communities:
            if delivered <= monday <= first_year_last_day(delivered):
                days = tuple(day for day in week if (COORDINATION, day, name) in held)
                meetings.append(WeeklyMeeting(monday, COORDINATION, settings.routing.office_for(name), name, days))
        monday += timedelta(days=7)
    return meetings


def missed_meetings(ledger: Ledger, settings: Settings, first: date, end: date, today: date) -> list[WeeklyMeeting]:
    """The meetings of :func:`weekly_meetings` without minutes: those not held (CS-3.10.1, CS-3.10.2)."""
    return [m for m in weekly_meetings(ledger, settings, first, end, today) if m.missed]
