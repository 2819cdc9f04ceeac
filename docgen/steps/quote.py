"""The 《维修报价确认单》 returned with the customer's answer (CS-3.4.5 "分析甄别维修工程任务的责任方").

A survey that finds the owner (业主/客户) responsible — an alteration of their own, misuse — gives no work
order: the repair is neither class A (保修) nor class B (公司承担, CS-3.5.1) and no contractor is charged
(CS-3.5.9). It is quoted to the customer (``site_survey.quote_customer``); the customer's signed answer,
accepting the paid repair or not, closes the complaint with its dossier.
"""

from __future__ import annotations

from datetime import date

from docgen.events import CASE_QUOTE_ANSWERED, CASE_QUOTED
from docgen.findings import Finding, error, has_errors
from docgen.forms.base import ParsedForm
from docgen.forms.repair import QUOTE, QUOTE_ANSWERS, Quote
from docgen.ledger import Event, Transaction
from docgen.steps import closure, facts
from docgen.steps.base import (
    Check,
    Context,
    Decision,
    FormStep,
    Submission,
    answering_survey,
    at,
    dated_since_survey,
    header_of,
    once_valid,
    record,
    run_checks,
)
from docgen.workspace import Workspace


def customer_signed(context: Context[Quote]) -> list[Finding]:
    """The customer's own signature makes the answer theirs."""
    if (context.header.customer_signature or "").strip():
        return []
    return [
        error(
            "缺少客户签字；自费维修的报价须由客户签字确认（同意或不同意）",
            clause="CS-3.4.5",
            field="customer_signature",
            **at(context.parsed, "customer_signature"),
        )
    ]


@once_valid
def answered_in_window(context: Context[Quote]) -> list[Finding]:
    """The answer comes after the survey that found the owner responsible and is not dated ahead of today."""
    return dated_since_survey(context, "answered_date", "确认日期", "CS-3.4.5")


CHECKS: tuple[Check, ...] = (customer_signed, answered_in_window)


def handle_quote(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    answer = header_of(parsed, Quote)
    number = answer.case_number
    found = answering_survey(
        tx,
        parsed,
        number,
        CASE_QUOTED,
        f"{number} 最近一次《现场勘察会签表》的责任方不是业主/客户，没有向客户报价；请核对登记编号",
        "CS-3.4.5",
    )
    if isinstance(found, Decision):
        return found
    survey, quoted = found
    context = {"surveyed_on": date.fromisoformat(survey.payload["survey_date"])}
    findings = run_checks(CHECKS, Context(tx, ws, parsed, answer, submission.today, context))
    if has_errors(findings):
        return Decision(findings=findings)
    accepted = answer.answer == QUOTE_ANSWERS[0]
    record(
        tx,
        CASE_QUOTE_ANSWERED,
        {**answer.model_dump(mode="json"), "accepted": accepted, "amount": quoted.payload["amount"]},
        number,
        submission,
    )
    reason = (
        "责任方为业主/客户，客户已同意自费维修（CS-3.4.5）"
        if accepted
        else "责任方为业主/客户，客户不同意自费维修；已告知客户责任认定（CS-3.4.5）"
    )
    return Decision(findings, [number], closure.close(tx, ws, number, submission, reason))


def quote_answered_facts(event: Event) -> str:
    p = event.payload
    return facts.joined(
        [
            ("确认日期", facts.cn(p.get("answered_date"))),
            ("报价金额", p.get("amount") and facts.yuan(p["amount"])),
            ("客户意见", p.get("answer")),
            ("客户签字", p.get("customer_signature")),
            ("备注", p.get("remarks")),
        ]
    )


FACTS: facts.Facts = {CASE_QUOTE_ANSWERED: quote_answered_facts}


STEP = FormStep(QUOTE, CHECKS, handle_quote, FACTS, "quote")
