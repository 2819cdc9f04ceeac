"""Tracked actions from minutes (CS-3.10.1, 3.10.2, 3.10.5): derived from events, open until marked done."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from docgen.actions import (
    ACTION_DONE,
    ACTION_REOPENED,
    ActionError,
    action_json,
    all_actions,
    done_problem,
    mark_done,
    normalize_key,
    reopen,
)
from tests.conftest import freeze_ledger_clock

CST = timezone(timedelta(hours=8))
MEETING = date(2026, 11, 27)


@pytest.fixture
def clock(monkeypatch):
    return freeze_ledger_clock(monkeypatch, datetime(2026, 11, 27, 16, 0, tzinfo=CST))


def decide(
    ledger, text: str, due: str, *, case_id: str | None = None, project: str | None = None, meeting_date: date = MEETING
) -> str:
    """A decision as docgen.minutes.handle_minutes records it; returns its key."""
    with ledger.transaction() as tx:
        key = f"action-{tx.last_seq + 1}"
        tx.append(
            "minutes.action",
            {
                "meeting_type": "投诉协调例会",
                "meeting_date": meeting_date.isoformat(),
                "clause": "CS-3.10.1",
                "owner": "物业公司",
                "text": text,
                "due": due,
                **({"project": project} if project else {}),
                "deadlines": [
                    {
                        "key": key,
                        "label": text,
                        "due": due,
                        "clause": "CS-3.10.1",
                        "provisional": False,
                        "basis": "会议纪要",
                        "actor": "物业公司",
                    }
                ],
            },
            case_id=case_id,
            claim="minutes-1",
        )
    return key


@pytest.mark.parametrize(
    "written, key",
    [
        ("action-12", "action-12"),
        ("ACTION-12", "action-12"),
        (" action－１２ ", "action-12"),
        ("12", "action-12"),
        ("action-012", "action-12"),
        ("KF-2026-00001", None),
        ("", None),
        (None, None),
        ("action-", None),
    ],
)
def test_an_action_id_is_read_as_written_by_hand(written, key):
    assert normalize_key(written) == key


def test_an_action_is_open_until_a_done_event_names_it_and_a_later_one_corrects_it(ledger, clock):
    # GIVEN a decision of the 27 November meeting, due 2 December, on no case
    key = decide(ledger, "物业公司排查同楼栋地漏", "2026-12-02", project="融侨锦江")
    [action] = all_actions(ledger)
    assert (action.key, action.open, action.due, action.project, action.case_id) == (
        key,
        True,
        date(2026, 12, 2),
        "融侨锦江",
        None,
    )
    assert action.overdue(date(2026, 12, 3)) and not action.overdue(date(2026, 12, 2))
    # WHEN it is marked done on 1 December, then corrected to 30 November
    clock["at"] = datetime(2026, 12, 1, 10, 0, tzinfo=CST)
    assert mark_done(ledger, key, date(2026, 12, 1), date(2026, 12, 1), by="陈主任")[1:] == (None, True)
    assert mark_done(ledger, key, date(2026, 11, 30), date(2026, 12, 1))[1:] == (date(2026, 12, 1), True)
    # THEN it is done on the corrected day, no longer overdue, and both events stay in the history
    [action] = all_actions(ledger)
    assert action.done_on == date(2026, 11, 30) and not action.overdue(date(2026, 12, 3))
    assert len(ledger.events(kind=ACTION_DONE)) == 2
    # AND as the ledger stood on 30 November (before anything was marked) it was still open
    [before] = all_actions(ledger, until=date(2026, 11, 30))
    assert before.open


def test_marking_done_again_on_the_same_day_records_nothing(ledger, clock):
    key = decide(ledger, "复查", "2026-12-02")
    mark_done(ledger, key, MEETING, MEETING)
    action, before, recorded = mark_done(ledger, key.removeprefix("action-"), MEETING, MEETING)
    assert (before, recorded, action.done_on) == (MEETING, False, MEETING)
    assert len(ledger.events(kind=ACTION_DONE)) == 1


@pytest.mark.parametrize(
    "key_text, done_on, expected",
    [
        ("action-999", MEETING, "action-999”不存在"),
        ("KF-2026-00001", MEETING, "KF-2026-00001”不存在"),
        (None, date(2026, 11, 26), "早于作出该决定的会议日期2026年11月27日"),
        (None, date(2026, 11, 28), "晚于今天"),
    ],
)
def test_an_unknown_action_or_an_impossible_date_is_refused_in_chinese_and_nothing_recorded(
    ledger, clock, key_text, done_on, expected
):
    key = decide(ledger, "复查", "2026-12-02")
    with pytest.raises(ActionError, match=expected):
        mark_done(ledger, key_text or key, done_on, today=MEETING)
    assert ledger.events(kind=ACTION_DONE) == []


def test_done_problem_accepts_the_decision_day_and_today(ledger, clock):
    decide(ledger, "复查", "2026-12-02")
    [action] = all_actions(ledger)
    assert done_problem(action, MEETING, MEETING) is None
    assert "应为2026年11月27日或之后" in done_problem(action, MEETING - timedelta(days=1), MEETING)


def test_an_action_on_a_case_carries_its_done_event_on_that_case(ledger, clock, ws):
    # GIVEN an action on KF-2026-00001
    key = decide(ledger, "工程材料部安排施工单位勘察", "2026-12-02", case_id="KF-2026-00001")
    # WHEN it is marked done
    mark_done(ledger, key, MEETING, MEETING)
    # THEN the done event is on the case, so the case's deadline can be derived from its own events
    [done] = ledger.events(kind=ACTION_DONE)
    assert done.case_id == "KF-2026-00001" and done.payload["action"] == key and done.payload["source"] == "command"
    data = action_json(all_actions(ledger)[0], date(2026, 12, 4), ws.calendar)
    assert data["done"] and data["done_on"] == "2026-11-27" and not data["overdue"] and data["workdays_late"] == 0


def test_working_days_late_are_counted_on_the_calendar(ledger, clock, ws):
    # due Wed 2 Dec: on Mon 7 Dec it is 3 working days late (3, 4, 7 December)
    decide(ledger, "复查", "2026-12-02")
    data = action_json(all_actions(ledger)[0], date(2026, 12, 7), ws.calendar)
    assert data["overdue"] and data["workdays_late"] == 3


def test_a_completion_recorded_by_mistake_is_withdrawn_with_its_reason(ledger, clock):
    # GIVEN a decision due 2 December, marked done on 1 December by mistake
    key = decide(ledger, "物业公司排查同楼栋地漏", "2026-12-02")
    clock["at"] = datetime(2026, 12, 1, 10, 0, tzinfo=CST)
    mark_done(ledger, key, date(2026, 12, 1), date(2026, 12, 1))
    # WHEN the manager withdraws it, saying why
    with pytest.raises(ActionError, match="--why"):
        reopen(ledger, key, "  ")
    action = reopen(ledger, key, "误将排查登记为完成，实际尚未排查", by="陈主任")
    # THEN it is open and overdue again after its due date, and the history keeps both events with the reason
    assert action.open and action.overdue(date(2026, 12, 3))
    [withdrawn] = ledger.events(kind=ACTION_REOPENED)
    assert withdrawn.payload == {
        "action": key,
        "was_done_on": "2026-12-01",
        "reason": "误将排查登记为完成，实际尚未排查",
        "by": "陈主任",
        "clause": "CS-3.10.1",
    }
    assert len(ledger.events(kind=ACTION_DONE)) == 1
    # AND it can be marked done again later; an open action cannot be withdrawn
    with pytest.raises(ActionError, match="尚未登记为完成"):
        reopen(ledger, key, "再次撤销")
    clock["at"] = datetime(2026, 12, 3, 10, 0, tzinfo=CST)
    mark_done(ledger, key, date(2026, 12, 3), date(2026, 12, 3))
    [action] = all_actions(ledger)
    assert action.done_on == date(2026, 12, 3)


def test_a_withdrawn_completion_leaves_the_case_deadline_unmet(ledger, clock):
    from docgen.cases import all_cases

    with ledger.transaction() as tx:
        tx.append(
            "case.registered",
            {"number": "KF-2026-00001", "received_at": "2026-11-23T10:00:00", "deadlines": []},
            case_id="KF-2026-00001",
        )
    key = decide(ledger, "工程材料部安排施工单位勘察", "2026-12-02", case_id="KF-2026-00001")
    clock["at"] = datetime(2026, 12, 1, 10, 0, tzinfo=CST)
    mark_done(ledger, key, date(2026, 12, 1), date(2026, 12, 1))
    reopen(ledger, key, "误登记")
    [case] = all_cases(ledger)
    deadline = next(d for d in case.deadlines if d.key == key)
    assert deadline.met_on is None and key in {d.key for d in case.overdue(date(2026, 12, 3))}
