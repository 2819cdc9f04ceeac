"""Case state, derived from the ledger's events: built from a case's own events when asked for, and kept
as one row per case (``case_state``, the projection at the end of this module) so that a report finds its
cases without building every case of the ledger."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Iterable, Iterator, cast

from docgen.events import (
    CASE_ASSISTING,
    CASE_CALLED_BACK,
    CASE_CLOSED,
    CASE_HANDLER,
    CASE_REGISTERED,
    EARLIEST_DAY,
    MINUTES_ACTION_DONE,
    MINUTES_ACTION_REOPENED,
    STAGES,
    met_by,
)
from docgen.ledger import CASE_STATE_COLUMNS, OPEN_UNTIL, Event, EventReads, Ledger, Transaction
from docgen.payloads import RegisteredPayload
from docgen.wording import day_of

# Which event meets which deadline, the payload field holding the day it happened and the stage each event
# marks: the event catalogue (docgen.events, docs/design.md §7).
# A decision of minutes (``minutes.action``, deadline ``action-<seq>``) is met by the
# ``minutes.action_done`` event naming it (payload ``action``), on its ``done_on``; a later one corrects it,
# and a later ``minutes.action_reopened`` (a completion recorded by mistake) makes it open again.
ACTION_PREFIX, ACTION_DONE, ACTION_REOPENED = "action-", MINUTES_ACTION_DONE, MINUTES_ACTION_REOPENED

log = logging.getLogger(__name__)


@dataclass
class DeadlineState:
    key: str
    label: str
    due: date
    clause: str
    provisional: bool
    met_on: date | None = None
    actor: str | None = None  # who must act
    # A time limit the procedure recommends (宜: CS-3.4.5's week for other complaints), shown as 建议时限;
    # passing it is no breach of the procedure.
    advisory: bool = False

    def overdue(self, today: date) -> bool:
        return self.met_on is None and today > self.due

    def late(self) -> bool:
        return self.met_on is not None and self.met_on > self.due


@dataclass
class Case:
    number: str
    registered: RegisteredPayload  # the registration, typed (real dates and times)
    events: list[Event] = field(default_factory=list)
    deadlines: list[DeadlineState] = field(default_factory=list)

    @property
    def stage(self) -> str:
        return stage_of(self.events)

    @property
    def closing(self) -> Event | None:
        """The latest ``case.closed`` (a correction replaces an earlier one), or None while open."""
        return closing_of(self.events)

    @property
    def closed_on(self) -> date | None:
        return closed_day(self.closing)

    @property
    def open(self) -> bool:
        return not any(event.kind == CASE_CLOSED for event in self.events)

    @property
    def major(self) -> bool:
        return self.registered.major

    @property
    def handler(self) -> str | None:
        """The person the responsible department designated (CS-3.4.2.1): the latest named on a returned
        register, else the one written when it was registered; None while nobody is named."""
        return latest_named(self.events, CASE_HANDLER, "handler") or self.registered.get("handler")

    @property
    def assisting(self) -> str | None:
        """The department assisting on the case (协办部门, e.g. 法律事务中心, CS-2.1.3), or None."""
        return latest_named(self.events, CASE_ASSISTING, "assisting") or self.registered.get("assisting")

    def overdue(self, today: date) -> list[DeadlineState]:
        """Deadlines missed and still waiting; a closed case has nothing left to chase."""
        return [d for d in self.deadlines if self.open and d.overdue(today)]

    def pending(self) -> list[DeadlineState]:
        return [d for d in self.deadlines if d.met_on is None] if self.open else []

    def next_deadline(self) -> DeadlineState | None:
        waiting = self.pending()
        return min(waiting, key=lambda d: d.due) if waiting else None


NOT_AGREED_STAGE = "已办结（客户未认可）"


def latest_named(events: list[Event], kind: str, key: str) -> str | None:
    """``key`` of the latest event of ``kind`` (a handler, an assisting department), or None."""
    return next((e.payload.get(key) for e in reversed(events) if e.kind == kind and e.payload.get(key)), None)


def closing_of(events: list[Event]) -> Event | None:
    return next((e for e in reversed(events) if e.kind == CASE_CLOSED), None)


def closed_day(closing: Event | None) -> date | None:
    """The day a case closed: the 办结日期 written on the register, else the day the closing was recorded."""
    if closing is None:
        return None
    return day_of(closing.payload.get("closed_date") or closing.recorded_at)


def stage_of(events: list[Event]) -> str:
    """The stage the events give; a case closed without the customer's agreement (客户意见 不满意) says so."""
    kinds = {event.kind for event in events}
    stage = next((name for kind, name in STAGES if kind in kinds), "已登记")
    closing = closing_of(events)
    if closing is not None and closing.payload.get("agreed") is False:
        return NOT_AGREED_STAGE
    return stage


def build(number: str, events: list[Event]) -> Case | None:
    registration = next((e for e in events if e.kind == CASE_REGISTERED), None)
    if registration is None:
        return None
    case = Case(number, RegisteredPayload.model_validate(registration.payload), events)
    # Deadlines start with the registration and with later steps (a work order's repair time, a
    # completion's callback); a step sent again as a correction replaces its own deadlines.
    records: dict[str, dict] = {}
    for event in events:
        for record in event.payload.get("deadlines", []):
            records[record["key"]] = record
    for record in records.values():
        state = DeadlineState(
            record["key"],
            record["label"],
            date.fromisoformat(record["due"]),
            record["clause"],
            record["provisional"],
            actor=record.get("actor") or case.registered.department,
            # Older ledgers did not mark it: the week of CS-3.4.5 (key settle) was always advisory.
            advisory=bool(record.get("advisory", record["key"] == "settle")),
        )
        if state.key.startswith(ACTION_PREFIX):
            done = action_done(state.key, events)
            state.met_on = date.fromisoformat(done.payload["done_on"]) if done else None
            case.deadlines.append(state)
            continue
        kinds, day_field = met_by(state.key)
        # Only what happens after registration meets a deadline (a note typed on the register itself
        # is not the responsible department's feedback), except a closing: a complaint settled when it was
        # registered needs no later feedback. A corrected step counts with its own date.
        meetings = [e for e in events if e.kind in kinds and (e.claim != registration.claim or e.kind == CASE_CLOSED)]
        meeting = (meetings[-1] if day_field else meetings[0]) if meetings else None
        if meeting is not None and meeting.kind == CASE_CLOSED:
            state.met_on = closed_day(meeting)  # on its 办结日期, whichever deadline it answers
        elif meeting is not None and state.key in EARLIEST_DAY:
            state.met_on = min(day_of((day_field and e.payload.get(day_field)) or e.recorded_at) for e in meetings)
        elif meeting is not None:
            state.met_on = day_of((day_field and meeting.payload.get(day_field)) or meeting.recorded_at)
        case.deadlines.append(state)
    # A recommended time is never earlier than the feedback the department owes (CS-3.4.2.2): a complaint
    # received 09-30 is not to be settled by 10-08 when its feedback is due 10-10 (older ledgers stored that).
    feedback = next((d for d in case.deadlines if d.key == "feedback"), None)
    for state in case.deadlines:
        if state.advisory and feedback is not None and state.due < feedback.due:
            state.due, state.provisional = feedback.due, feedback.provisional
    return case


def action_done(key: str, events: list[Event]) -> Event | None:
    """The ``minutes.action_done`` event that marks the action ``key`` done (the latest, a correction
    replacing an earlier one), or None while it is open (never marked, or reopened since).
    ``docgen.actions`` reads actions the same way."""
    latest = next(
        (e for e in reversed(events) if e.kind in (ACTION_DONE, ACTION_REOPENED) and e.payload.get("action") == key),
        None,
    )
    return latest if latest is not None and latest.kind == ACTION_DONE else None


def all_cases(ledger: EventReads) -> list[Case]:
    """Every case of the ledger, in number order. A report of a period reads only its cases
    (:func:`cases_of` with the numbers ``case_state`` gives)."""
    return sorted(cases_of(ledger), key=lambda c: c.number)


def case_json(case: Case, today: date) -> dict:
    nxt = case.next_deadline()
    return {
        "case_id": case.number,
        "stage": case.stage,
        "open": case.open,
        "major": case.major,
        "category": case.registered.category,
        "department": case.registered.department,
        "handler": case.handler,
        "assisting": case.assisting,
        "customer": case.registered.customer,
        "project": case.registered.project,
        "received_at": case.registered.received_at.isoformat() if case.registered.received_at else None,
        "next_deadline": None
        if nxt is None
        else {
            "key": nxt.key,
            "label": nxt.label,
            "due": nxt.due.isoformat(),
            "clause": nxt.clause,
            "provisional": nxt.provisional,
            "actor": nxt.actor,
        },
        "overdue": [
            {"key": d.key, "label": d.label, "due": d.due.isoformat(), "clause": d.clause} for d in case.overdue(today)
        ],
        "deadlines": [
            {
                "key": d.key,
                "label": d.label,
                "due": d.due.isoformat(),
                "clause": d.clause,
                "provisional": d.provisional,
                "met_on": d.met_on.isoformat() if d.met_on else None,
            }
            for d in case.deadlines
        ],
        "events": [{"seq": e.seq, "kind": e.kind, "recorded_at": e.recorded_at} for e in case.events],
    }


# ============================================================ the case projection (issue 15)
#
# ``case_state`` (docgen.ledger) keeps one row per case so that status and the reports find the cases they
# need without building every case from every event: a report of a week reads the rows of that week, then
# builds those cases alone from their own events (``case_event_groups``, by the events' case index). The
# rows are derived data: written in the transaction of the events (``PROJECTION.refresh`` just before
# COMMIT), recomputed by ``docgen rebuild``, compared with the events by ``docgen verify``.

DEFAULT_OFFICE = "客户服务部"  # a registration that names no service office is 客户服务部's


def case_office(case: Case) -> str:
    """The service office (客户服务处) of a case, as its registration recorded it; 客户服务部 when none was."""
    return str(case.registered.get("office") or "").strip() or DEFAULT_OFFICE


def latest_callback_day(case: Case) -> str | None:
    """The 回访日期 of the case's latest callback (``case.called_back``), as written."""
    callback = next((e for e in reversed(case.events) if e.kind == CASE_CALLED_BACK), None)
    day = callback.payload.get("callback_date") if callback is not None else None
    return str(day)[:10] if day else None


def state_row(case: Case) -> tuple:
    """The ``case_state`` row of a case (values in ``CASE_STATE_COLUMNS`` order)."""
    registered = case.registered
    closed = case.closed_on
    nxt = case.next_deadline()
    dues = [d.due for d in case.deadlines]
    return (
        case.number,
        case_office(case),
        registered.get("project"),
        registered.get("category"),
        registered.get("department"),
        registered.received.date().isoformat(),
        closed.isoformat() if closed else None,
        closed.isoformat() if closed else OPEN_UNTIL,
        case.stage,
        nxt.due.isoformat() if nxt else None,
        min(dues).isoformat() if dues else None,
        max(dues).isoformat() if dues else None,
        latest_callback_day(case),
        1 if registered.major else 0,
        registered.get("customer"),
        registered.get("building"),
        json.dumps(
            [
                [
                    d.key,
                    d.due.isoformat(),
                    d.met_on.isoformat() if d.met_on else None,
                    d.clause,
                    d.label,
                    d.provisional,
                    d.actor,
                    d.advisory,
                ]
                for d in case.deadlines
            ],
            ensure_ascii=False,
            separators=(",", ":"),
        ),
        case.events[-1].seq,
    )


def _row(number: str, events: list[Event]) -> tuple | None:
    """The case's row, or None (logged) for events that make no case or one without a 受理日期: a row
    missing is for verify to name; a refresh that raised would roll back, and so refuse, every later
    submission."""
    try:
        case = build(number, events)
        return None if case is None else state_row(case)
    except Exception as failure:
        log.warning("case %s left out of case_state: its events make no case (%r)", number, failure)
        return None


class CaseStateProjection:
    """The projector the workspace opens its ledger with (``Ledger.use_projection``)."""

    def refresh(self, tx: Transaction) -> int:
        """Bring the rows of every case with events after the mark up to date; the number of cases done."""
        through = tx.case_state_through()
        if through is not None and through >= tx.last_seq:
            return 0
        start = tx.appended[0].seq - 1 if tx.appended else tx.last_seq
        groups: Iterable[tuple[str, list[Event]]]
        if through == start:  # the usual case: the rows were up to date when this transaction began
            touched = sorted({e.case_id for e in tx.appended if e.case_id})
            groups = ((number, tx.events(case_id=number)) for number in touched)
        else:  # the first fill, or events appended without the projector since the mark
            groups = tx.case_event_groups(None if through is None else tx.case_ids_after(through))
        rows, gone, done = [], [], 0
        for number, events in groups:
            row = _row(number, events)
            if row is None:
                gone.append(number)
            else:
                rows.append(row)
            done += 1
            if len(rows) >= 1000:
                tx.put_case_states(rows)
                rows = []
        tx.put_case_states(rows)
        tx.drop_case_states(gone)
        tx.mark_case_state(tx.last_seq, first=through is None)
        return done

    def problems(self, ledger: Ledger) -> list[str]:
        """The rows against the events (cases missing, extra or different); each problem says what to do.

        Other watchers may record meanwhile (a shared ledger): the comparison holds for the events up to the
        newest one when it starts, and a case with a later event, or a row written for one, is left to the next
        check — events and rows are read at different moments, and a case recorded between the two reads is no
        difference (a hand trial's ``verify`` once named ten such cases 多余)."""
        head = ledger.head()
        limit = head[0] if head else 0
        differ: list[str] = []
        known: set[str] = set()
        batch: list[tuple[str, tuple]] = []

        def compare() -> None:
            stored = {
                row["case_id"]: tuple(int(row[c]) if c == "last_seq" else row[c] for c in CASE_STATE_COLUMNS)
                for row in ledger.case_state_of([number for number, _ in batch])
            }
            for number, row in batch:
                if number not in stored:
                    differ.append(f"{number}（缺少）")
                elif stored[number] != row and int(stored[number][-1]) <= limit:
                    differ.append(number)
            batch.clear()

        for number, events in ledger.case_event_groups():
            if any(event.seq > limit for event in events):
                known.add(number)  # recorded since the check began
                continue
            row = _row(number, events)
            if row is not None:
                known.add(number)
                batch.append((number, row))
                if len(batch) >= 500:
                    compare()
        compare()
        differ += [
            f"{row['case_id']}（多余）"
            for row in ledger.case_state_rows()
            if row["case_id"] not in known and int(row["last_seq"]) <= limit
        ]
        if not differ:
            return []
        differ.sort()
        shown = "、".join(differ[:5]) + ("等" if len(differ) > 5 else "")
        return [
            f"案件状态表（case_state，由事件推导的派生数据）有 {len(differ)} 件与事件不符：{shown}。"
            "事件本身未受影响；请运行 docgen rebuild 按事件重新计算"
        ]


PROJECTION = CaseStateProjection()


def cases_of(reads: EventReads, numbers: Iterable[str] | None = None) -> Iterator[Case]:
    """The cases ``numbers`` (None: every case), built from their own events, in number order, one page of
    events at a time."""
    for number, events in reads.case_event_groups(numbers):
        case = build(number, events)
        if case is not None:
            yield case


def open_cases(ledger: EventReads, office: str | None = None) -> list[Case]:
    """The cases still open (of one service office), found by ``case_state``."""
    return list(cases_of(ledger, ledger.open_case_numbers(office)))


def find_case(reads: EventReads, number: str) -> Case | None:
    """One case, from its own events (the events' case index)."""
    return build(number, reads.events(case_id=number))


class RegisteredFacts(dict):
    """The facts of a registration a ``case_state`` row keeps, read as :class:`RegisteredPayload` is read
    (``get``, ``received``, ``major``): a plain dict, for the thousands of cases a statement or a list counts."""

    @property
    def received(self) -> datetime:
        return datetime.combine(self["received_date"], time())

    @property
    def major(self) -> bool:
        return bool(self.get("major"))


@dataclass
class CaseSummary(Case):
    """A case as its ``case_state`` row gives it, without reading its events (``events`` is empty): the
    registration's facts (受理日期, 服务处, 项目, 楼栋, 客户, 类别, 责任部门, 重大), its stage, its closing day and
    every deadline with the day it was met, which is all that ``status``, the overdue warning, the early
    warnings' building count and the statements read of a case."""

    row_stage: str = ""
    row_closed_on: date | None = None

    @property
    def stage(self) -> str:
        return self.row_stage

    @property
    def closed_on(self) -> date | None:
        return self.row_closed_on

    @property
    def open(self) -> bool:
        return self.row_closed_on is None


def summary_of(row) -> CaseSummary:
    """A ``case_state`` row (read by column name) as a :class:`CaseSummary`."""
    facts = RegisteredFacts(
        received_date=date.fromisoformat(row["received_on"]),
        office=row["office"],
        project=row["project"],
        building=row["building"],
        customer=row["customer"],
        category=row["category"],
        department=row["department"],
        major=bool(row["major"]),
    )
    closed = row["closed_on"]
    case = CaseSummary(
        row["case_id"],
        cast(RegisteredPayload, facts),
        row_stage=row["stage"],
        row_closed_on=date.fromisoformat(closed) if closed else None,
    )
    for key, due, met_on, clause, label, provisional, actor, advisory in json.loads(row["deadlines"]):
        state = DeadlineState(key, label, date.fromisoformat(due), clause, provisional, actor=actor, advisory=advisory)
        state.met_on = date.fromisoformat(met_on) if met_on else None
        case.deadlines.append(state)
    return case


def case_summaries(ledger: EventReads, numbers: Iterable[str]) -> list[Case]:
    """The cases ``numbers`` as their ``case_state`` rows give them (:class:`CaseSummary`), in number order."""
    return sorted((summary_of(row) for row in ledger.case_state_of(numbers)), key=lambda c: c.number)


def summaries_received_or_due(ledger: EventReads, first: date, end: date) -> list[Case]:
    """The cases received in ``[first, end)`` or with a deadline that may fall due in it, as their rows give
    them, in number order."""
    return sorted((summary_of(row) for row in ledger.case_states_received_or_due(first, end)), key=lambda c: c.number)
