"""Case state is derived from events: stage, deadlines met or overdue."""

from __future__ import annotations

from datetime import date

from docgen.cases import all_cases, case_json

REGISTERED = {
    "number": "KF-2026-00001",
    "customer": "王建国",
    "category": "维修",
    "major": True,
    "deadlines": [
        {"key": "feedback", "label": "反馈", "due": "2026-11-26", "clause": "CS-3.4.2.2", "provisional": False},
        {"key": "survey", "label": "勘察", "due": "2026-11-24", "clause": "CS-3.4.5", "provisional": False},
    ],
}


def register(ledger, claim="c1"):
    with ledger.transaction() as tx:
        tx.append("case.registered", REGISTERED, case_id="KF-2026-00001", claim=claim)


def test_a_registered_case_is_open_with_its_earliest_deadline_next(ledger):
    register(ledger)
    [case] = all_cases(ledger)
    assert case.stage == "已登记" and case.open and case.major
    assert case.next_deadline().key == "survey"
    assert [d.key for d in case.deadlines if d.overdue(date(2026, 11, 25))] == ["survey"]
    assert not any(d.overdue(date(2026, 11, 24)) for d in case.deadlines)


def test_a_survey_meets_its_deadline_on_the_day_it_was_done_late_or_not(ledger):
    register(ledger)
    with ledger.transaction() as tx:
        tx.append("case.surveyed", {"survey_date": "2026-11-25"}, case_id="KF-2026-00001", claim="c2")
    [case] = all_cases(ledger)
    survey = next(d for d in case.deadlines if d.key == "survey")
    assert case.stage == "已勘察" and survey.met_on == date(2026, 11, 25) and survey.late()
    # The survey is also the responsible department's feedback (CS-3.4.2.2): nothing is left overdue
    assert next(d for d in case.deadlines if d.key == "feedback").met_on is not None
    data = case_json(case, date(2026, 11, 30))
    assert data["overdue"] == [] and data["next_deadline"] is None


def test_a_decision_of_minutes_on_a_case_is_met_by_the_event_marking_it_done(ledger):
    # GIVEN a case and a decision of minutes on it, due 27 November (CS-3.10.1)
    register(ledger)
    action = {
        "key": "action-2",
        "label": "复查",
        "due": "2026-11-27",
        "clause": "CS-3.10.1",
        "provisional": False,
        "actor": "物业公司",
    }
    with ledger.transaction() as tx:
        tx.append("minutes.action", {"text": "复查", "deadlines": [action]}, case_id="KF-2026-00001", claim="m1")
        # a done event for another action does not meet it
        tx.append("minutes.action_done", {"action": "action-99", "done_on": "2026-11-26"}, case_id="KF-2026-00001")
    [case] = all_cases(ledger)
    assert next(d for d in case.deadlines if d.key == "action-2").overdue(date(2026, 11, 30))
    # WHEN it is marked done on 30 November (late)
    with ledger.transaction() as tx:
        tx.append("minutes.action_done", {"action": "action-2", "done_on": "2026-11-30"}, case_id="KF-2026-00001")
    # THEN its deadline is met that day, late, and no longer overdue
    [case] = all_cases(ledger)
    met = next(d for d in case.deadlines if d.key == "action-2")
    assert met.met_on == date(2026, 11, 30) and met.late() and met not in case.overdue(date(2026, 12, 1))


def test_an_older_ledger_s_week_before_the_feedback_is_read_as_an_advisory_time_not_before_it(ledger):
    # GIVEN a complaint received 09-30 registered by an earlier docgen: its "week" stored as 10-08, its
    # feedback 10-10 (CS-3.4.2.2), without the advisory mark
    old = {
        **REGISTERED,
        "category": "物业服务",
        "deadlines": [
            {"key": "feedback", "label": "反馈", "due": "2026-10-10", "clause": "CS-3.4.2.2", "provisional": False},
            {
                "key": "settle",
                "label": "投诉事件处理解决",
                "due": "2026-10-08",
                "clause": "CS-3.4.5",
                "provisional": False,
            },
        ],
    }
    with ledger.transaction() as tx:
        tx.append("case.registered", old, case_id="KF-2026-00001", claim="c1")
    [case] = all_cases(ledger)
    settle = next(d for d in case.deadlines if d.key == "settle")
    # THEN it is the 建议时限 of CS-3.4.5 ("宜在一周内"), never earlier than the feedback deadline
    assert settle.advisory and settle.due == date(2026, 10, 10)


def test_a_closing_on_the_register_meets_the_week_on_its_closing_date_and_says_if_not_agreed(ledger):
    register(ledger)
    with ledger.transaction() as tx:
        tx.append(
            "case.closed",
            {"reason": "登记表办结，客户未认可（CS-3.4.4）", "closed_date": "2026-11-25", "agreed": False},
            case_id="KF-2026-00001",
            claim="c2",
        )
    [case] = all_cases(ledger)
    assert not case.open and case.closed_on == date(2026, 11, 25) and case.stage == "已办结（客户未认可）"
    assert next(d for d in case.deadlines if d.key == "feedback").met_on == date(2026, 11, 25)
