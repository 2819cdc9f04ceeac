"""Case state, derived from the ledger's events every time it is asked for (never stored twice)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from docgen.events import (
    CASE_ASSISTING,
    CASE_CLOSED,
    CASE_HANDLER,
    CASE_REGISTERED,
    EARLIEST_DAY,
    MINUTES_ACTION_DONE,
    MINUTES_ACTION_REOPENED,
    STAGES,
    met_by,
)
from docgen.ledger import Event, Ledger
from docgen.payloads import RegisteredPayload
from docgen.wording import day_of

# Which event meets which deadline, the payload field holding the day it happened and the stage each event
# marks: the event catalogue (docgen.events, docs/design.md §7).
# A decision of minutes (``minutes.action``, deadline ``action-<seq>``) is met by the
# ``minutes.action_done`` event naming it (payload ``action``), on its ``done_on``; a later one corrects it,
# and a later ``minutes.action_reopened`` (a completion recorded by mistake) makes it open again.
ACTION_PREFIX, ACTION_DONE, ACTION_REOPENED = "action-", MINUTES_ACTION_DONE, MINUTES_ACTION_REOPENED


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


def all_cases(ledger: Ledger) -> list[Case]:
    grouped: dict[str, list[Event]] = {}
    for event in ledger.events():
        if event.case_id:
            grouped.setdefault(event.case_id, []).append(event)
    cases = [build(number, events) for number, events in grouped.items()]
    return sorted((c for c in cases if c is not None), key=lambda c: c.number)


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
