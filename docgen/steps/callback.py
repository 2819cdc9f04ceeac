"""The callback 《回访记录》 (CS-3.5.4): the customer is called back within one working day after the
completion; a late callback is a recorded violation. The callback feeds the rating (CS-3.5.10,
``reports/ratings.py``; its ``satisfaction`` is stored, 不满意 with a warning); when it is the last step the
repair needs (``closure``) it closes the case and emits the dossier.
"""

from __future__ import annotations

from datetime import date

from docgen.events import CASE_CALLED_BACK, CASE_COMPLETED
from docgen.findings import Finding, error, has_errors, warning
from docgen.forms.base import ParsedForm
from docgen.forms.repair import CALLBACK, Callback
from docgen.ledger import Event, Transaction
from docgen.procedures import repair_rules
from docgen.steps import closure, facts
from docgen.steps.base import (
    Check,
    Context,
    Decision,
    FormStep,
    Submission,
    at,
    correction_note,
    header_of,
    record,
    record_violations,
    run_checks,
    steps_before,
)
from docgen.workspace import Workspace


def callback_on_time(context: Context[Callback]) -> list[Finding]:
    """CS-3.5.4: not before the completion; later than one working day after it is a violation."""
    call = context.header
    return repair_rules.check_callback(
        call.callback_date,
        context.facts["due"],
        context.ws.calendar,
        context.sources,
        completed=context.facts["completed"],
    )


def callback_not_ahead(context: Context[Callback]) -> list[Finding]:
    """CS-3.5.4: a callback cannot be dated after today."""
    call = context.header
    if call.callback_date > context.today:
        return [
            error(
                f"回访日期{call.callback_date.isoformat()}晚于今天",
                clause="CS-3.5.4",
                field="callback_date",
                **at(context.parsed, "callback_date"),
            )
        ]
    return []


def dissatisfied(context: Context[Callback]) -> list[Finding]:
    """CS-3.5.10: the customer's 不满意 counts in the rating of the workers and the team; the clerk is told."""
    call = context.header
    if call.satisfaction != "不满意":
        return []
    why = f"（{call.opinion}）" if call.opinion else ""
    return [
        warning(
            f"回访客户不满意{why}：计入维修人员及维修队的评价（CS-3.5.10）；请客户服务部跟进",
            clause="CS-3.5.10",
            field="satisfaction",
            **at(context.parsed, "satisfaction"),
        )
    ]


CHECKS: tuple[Check, ...] = (callback_on_time, callback_not_ahead, dissatisfied)


def handle_callback(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    call = header_of(parsed, Callback)
    _, completed, refused = steps_before(
        tx,
        parsed,
        call.case_number,
        call.order_number,
        (CASE_COMPLETED, "尚未完工（《工程派工单》未交回），不能先交回访记录"),
    )
    if refused:
        return refused
    assert completed is not None  # steps_before gives the event it was asked for, or a refusal
    facts = {
        "due": date.fromisoformat(completed.payload["deadlines"][0]["due"]),
        "completed": date.fromisoformat(completed.payload["completed_date"]),
    }
    findings = run_checks(CHECKS, Context(tx, ws, parsed, call, submission.today, facts))
    if has_errors(findings):
        return Decision(findings=findings)
    findings += correction_note(tx, call.case_number, CASE_CALLED_BACK, CALLBACK.title)
    record(tx, CASE_CALLED_BACK, call.model_dump(mode="json"), call.case_number, submission)
    record_violations(tx, findings, call.case_number, submission)
    # Whichever of completion, callback and settlement comes last closes the case (with its dossier).
    return Decision(findings, [call.case_number], closure.close_when_done(tx, ws, call.case_number, submission))


def called_back_facts(event: Event) -> str:
    p = event.payload
    return facts.joined(
        [
            ("回访日期", facts.cn(p.get("callback_date"))),
            ("回访人", p.get("caller")),
            ("满意程度", p.get("satisfaction")),
            ("客户意见", p.get("opinion")),
        ]
    )


FACTS: facts.Facts = {CASE_CALLED_BACK: called_back_facts}


STEP = FormStep(CALLBACK, CHECKS, handle_callback, FACTS, "callback")
