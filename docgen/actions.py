"""Tracked actions: the decisions taken in minutes (CS-3.10.1, 3.10.2, 3.10.5), open until marked done.

Like a corrective action in Odoo's quality module, but where people already work: each decision of a
completed minutes document is a ``minutes.action`` event whose deadline ``action-<seq>`` is due on the
decision's 完成期限. It is done when a ``minutes.action_done`` event names it, written either

- by the next meeting: every minutes draft lists the earlier decisions still open (上次会议决定事项落实情况)
  and the clerk marks them 已完成 with a 完成日期 (``docgen.steps.minutes_intake.handle_minutes``), or
- by the manager: ``docgen action done action-<seq> [--on DATE] [--by NAME]`` (:func:`mark_done`).

Nothing is stored twice: an action's state is derived from these two kinds of event, here and in
``docgen.cases`` (the action's deadline on its case is met on its ``done_on``), so ``status --overdue``,
the weekly report and the 逾期预警 drop an action once it is done. A later ``minutes.action_done`` for the
same action corrects the date of an earlier one; a ``minutes.action_reopened`` event (``docgen action
reopen``, with the reason) withdraws a completion recorded by mistake. The history keeps every one.

The measures of a major complaint (CS-3.4.7, CS-2.1.2) are tracked the same way: each line of the returned
《重大投诉处理措施单》 is a ``case.measure`` event with its deadline ``action-<seq>`` (``docgen.steps.escalation``);
its "meeting" is the drafting (``总经理拟订的处理措施`` on its 拟订日期), so it is listed, marked done and reopened
like a decision, and reviewed at the complaint's special meeting (CS-3.10.5).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from docgen.cases import ACTION_DONE, ACTION_PREFIX, ACTION_REOPENED, action_done
from docgen.errors import DocgenError
from docgen.events import CASE_MEASURE, MINUTES_ACTION, NC_ACTION, PRODUCT_ISSUE, SURVEY_REVISIT
from docgen.ledger import Event, EventReads, Ledger, Transaction
from docgen.wording import chinese_date, day_of

__all__ = [
    "ACTION_DONE",
    "ACTION_EVENT",
    "ACTION_KINDS",
    "ACTION_REOPENED",
    "Action",
    "ActionError",
    "action_json",
    "all_actions",
    "action_event_detail",
    "done_problem",
    "load_actions",
    "mark_done",
    "normalize_key",
    "reopen",
]

ACTION_EVENT = MINUTES_ACTION
# The kinds that open a tracked action: a decision of minutes, a measure of a major complaint, a problem of a
# 《产品使用情况表》 for 工程材料部 (CS-3.7.3, docgen.steps.product_usage), the manager's re-visit of a seriously
# dissatisfied household of a satisfaction survey (CS-3.7.5.9, docgen.steps.survey), the corrective action of a
# 《纠正措施记录》 for its responsible department (NC-5.1, docgen.steps.nonconformity).
ACTION_KINDS = (MINUTES_ACTION, CASE_MEASURE, PRODUCT_ISSUE, SURVEY_REVISIT, NC_ACTION)


class ActionError(DocgenError, ValueError):
    """A request about an action that cannot be done; the message is for staff (Chinese)."""


@dataclass(frozen=True)
class Action:
    key: str  # action-<seq>
    seq: int
    case_id: str | None
    text: str
    owner: str
    due: date
    clause: str  # of the meeting that decided it
    meeting_type: str
    meeting_date: date
    project: str | None
    done_on: date | None = None
    done_by: str | None = None
    kind: str = MINUTES_ACTION  # the event that opened it (ACTION_KINDS)

    @property
    def open(self) -> bool:
        return self.done_on is None

    def overdue(self, today: date) -> bool:
        return self.open and today > self.due

    def meeting(self) -> str:
        return f"{chinese_date(self.meeting_date)}{self.meeting_type}"


def normalize_key(text: str | None) -> str | None:
    """``action-12``, ``ACTION-12``, ``action－１２`` or plain ``12`` → ``action-12``; anything else None."""
    compact = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).lower()
    match = re.fullmatch(rf"(?:{ACTION_PREFIX})?(\d+)", compact.replace("—", "-").replace("_", "-"))
    return f"{ACTION_PREFIX}{int(match[1])}" if match else None


def _from_events(events: list[Event], until: date | None) -> list[Action]:
    if until is not None:  # what the ledger knew at the end of that day
        events = [e for e in events if day_of(e.recorded_at) <= until]
    done_events = [e for e in events if e.kind in (ACTION_DONE, ACTION_REOPENED)]
    actions: dict[str, Action] = {}
    for event in events:
        if event.kind not in ACTION_KINDS:
            continue
        payload = event.payload
        [deadline] = payload["deadlines"]
        done = action_done(deadline["key"], done_events)
        first = actions.get(deadline["key"])  # a later event with the same key corrects the decision
        actions[deadline["key"]] = Action(
            deadline["key"],
            first.seq if first else event.seq,
            event.case_id,
            payload.get("text") or "",
            payload.get("owner") or "",
            date.fromisoformat(deadline["due"]),
            deadline["clause"],
            payload.get("meeting_type") or _drafting(payload),
            date.fromisoformat(payload.get("meeting_date") or payload["drafted_date"]),
            payload.get("project") or None,
            date.fromisoformat(done.payload["done_on"]) if done else None,
            done.payload.get("by") if done else None,
            event.kind,
        )
    return sorted(actions.values(), key=lambda action: action.seq)


def _drafting(payload: dict) -> str:
    """Where a measure of a major complaint comes from, worded as a meeting is: 总经理拟订的处理措施."""
    return f"{payload.get('drafter') or '总经理、副总经理'}拟订的处理措施" if payload.get("drafted_date") else ""


def load_actions(source: EventReads, until: date | None = None) -> list[Action]:
    """Every action in decision order, as the ledger (or an open transaction) holds them."""
    return _from_events(source.events(kinds=(*ACTION_KINDS, ACTION_DONE, ACTION_REOPENED)), until)


def all_actions(ledger: Ledger, until: date | None = None) -> list[Action]:
    return load_actions(ledger, until)


def done_problem(action: Action, done_on: date, today: date) -> str | None:
    """Why ``done_on`` cannot be the day ``action`` was done (Chinese), or None."""
    if done_on < action.meeting_date:
        return (
            f"完成日期{chinese_date(done_on)}早于作出该决定的会议日期{chinese_date(action.meeting_date)}"
            f"（{action.meeting_type}）；应为{chinese_date(action.meeting_date)}或之后的日期"
        )
    if done_on > today:
        return f"完成日期{chinese_date(done_on)}晚于今天（{chinese_date(today)}）；尚未发生的完成不能登记"
    return None


def unknown_key_message(text: str) -> str:
    return f"事项编号“{text}”不存在；应为会议纪要决定事项的编号，如 action-12（docgen action list 可列出全部事项）"


def record_done(
    tx: Transaction,
    action: Action,
    done_on: date,
    *,
    by: str | None,
    source: str,
    claim: str | None = None,
    sha256: str | None = None,
    **extra,
) -> Event:
    """Append the ``minutes.action_done`` event, on the action's case when it has one."""
    return tx.append(
        ACTION_DONE,
        {
            "action": action.key,
            "done_on": done_on.isoformat(),
            "by": by or None,
            "source": source,
            "clause": action.clause,
            **extra,
        },
        case_id=action.case_id,
        claim=claim,
        sha256=sha256,
    )


def mark_done(
    ledger: Ledger, key_text: str, done_on: date, today: date, by: str | None = None
) -> tuple[Action, date | None, bool]:
    """``docgen action done``: the action marked done on ``done_on``. Returns the action as it now stands,
    the day it was marked done before (None: it was open) and whether an event was recorded (False: it
    was already done on that very day). ActionError, with nothing recorded, when refused."""
    key = normalize_key(key_text)
    with ledger.transaction() as tx:
        action = next((a for a in load_actions(tx) if a.key == key), None) if key else None
        if action is None:
            raise ActionError(unknown_key_message(key_text))
        problem = done_problem(action, done_on, today)
        if problem:
            raise ActionError(f"{action.key}：{problem}")
        if action.done_on == done_on:
            return action, action.done_on, False
        record_done(tx, action, done_on, by=by, source="command")
    return next(a for a in all_actions(ledger) if a.key == action.key), action.done_on, True


def reopen(ledger: Ledger, key_text: str, reason: str, by: str | None = None) -> Action:
    """``docgen action reopen``: withdraw the completion of an action recorded by mistake; the reason is kept
    for whoever reads the history. ActionError, with nothing recorded, when refused."""
    key = normalize_key(key_text)
    if not (reason or "").strip():
        raise ActionError("请用 --why 写明撤销完成登记的原因（例如：误将 action-12 登记为完成）")
    with ledger.transaction() as tx:
        action = next((a for a in load_actions(tx) if a.key == key), None) if key else None
        if action is None:
            raise ActionError(unknown_key_message(key_text))
        if action.done_on is None:  # action.open
            raise ActionError(f"{action.key} 尚未登记为完成，无需撤销")
        tx.append(
            ACTION_REOPENED,
            {
                "action": action.key,
                "was_done_on": action.done_on.isoformat(),
                "reason": reason.strip(),
                "by": by or None,
                "clause": action.clause,
            },
            case_id=action.case_id,
        )
    return next(a for a in all_actions(ledger) if a.key == action.key)


def action_event_detail(event: Event) -> str | None:
    """What a case's history says of an action event (Chinese), or None for any other event."""
    payload = event.payload
    if event.kind in ACTION_KINDS:
        key = (payload.get("deadlines") or [{}])[0].get("key") or f"action-{event.seq}"
        return f"{key} {payload.get('text') or ''}（{payload.get('owner') or ''}，{payload.get('due') or ''}前）"
    if event.kind == ACTION_DONE:
        return f"{payload.get('action') or ''} {payload.get('done_on') or ''}完成"
    if event.kind == ACTION_REOPENED:
        return f"{payload.get('action') or ''} 撤销完成登记：{payload.get('reason') or ''}"
    return None


def action_json(action: Action, today: date, calendar=None) -> dict:
    late = calendar.workdays_late(action.due, today) if calendar is not None and action.overdue(today) else 0
    return {
        "key": action.key,
        "case_id": action.case_id,
        "text": action.text,
        "owner": action.owner,
        "due": action.due.isoformat(),
        "clause": action.clause,
        "meeting_type": action.meeting_type,
        "meeting_date": action.meeting_date.isoformat(),
        "project": action.project,
        "kind": action.kind,
        "done": not action.open,
        "done_on": action.done_on.isoformat() if action.done_on else None,
        "done_by": action.done_by,
        "overdue": action.overdue(today),
        "workdays_late": late,
    }
