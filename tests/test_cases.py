"""Case state is derived from events: stage, deadlines met or overdue."""

from __future__ import annotations

from datetime import date

from docgen.cases import all_cases, case_json

REGISTERED = {"number": "KF-2026-00001", "customer": "王建国", "category": "维修", "major": True,
              "deadlines": [
                  {"key": "feedback", "label": "反馈", "due": "2026-11-26", "clause": "CS-3.4.2.2", "provisional": False},
                  {"key": "survey", "label": "勘察", "due": "2026-11-24", "clause": "CS-3.4.5", "provisional": False}]}


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
