"""What the weekly report and the overdue warning say, drawn from the ledger (CS-3.10.3, CS-3.4.4).

The same ledger gives the same figures for a past period: everything here is a function of the
events and the period, never of the clock (``as_of`` is the period's end).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from docgen.cases import Case, DeadlineState, all_cases
from docgen.errors import PeriodError  # raised here for a week not written like 2026-W48 or 2026-11-23
from docgen.events import CASE_PROGRESS
from docgen.ledger import Ledger
from docgen.procedures.workdays import WorkCalendar
from docgen.wording import day_of


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


def weekly(ledger: Ledger, calendar: WorkCalendar, week: str, today: date | None = None) -> list[Weekly]:
    """One weekly report per service office (客户服务处), in office order. A week still running is
    reported as of ``today``: nothing is counted late that is not late yet."""
    first, end = week_bounds(week)
    last = end - timedelta(days=1)
    if today is not None and first <= today < last:
        last = today
    reports: dict[str, Weekly] = {}
    for case in all_cases(ledger):
        received = _received(case)
        if received > last:
            continue
        office = case.registered.get("office") or "客户服务部"
        closed_on = _closed_on(case)
        report = reports.setdefault(office, Weekly(office, first, last))
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
    for case in all_cases(ledger):
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
