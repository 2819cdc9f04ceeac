"""The 《维修费用审批单》 returned signed (CS-3.6.1 "1000元到1万元内由公司分管工程质量的副总工程师审核，由副总
经理批准，即可进行维修；超过1万元的工程维修费用应报总经理审批").

A survey whose repair the company pays and whose estimate is above 1,000 yuan records the approval request
and emits this form pre-filled to the approvers (``site_survey.route_survey``); the case waits (待审批).
Dropped back with the signatures the estimate's tier needs, the approval is recorded and the work order
(and the contractor's notice) follow, as they would have followed the survey (``site_survey.after_survey``).
"""

from __future__ import annotations

from docgen.events import CASE_APPROVAL_REQUESTED, CASE_APPROVED, CASE_CLOSED, CASE_SURVEYED
from docgen.findings import Finding, error, has_errors
from docgen.forms.base import ParsedForm
from docgen.forms.repair import APPROVAL, Approval
from docgen.forms.site_survey import SiteSurvey
from docgen.ledger import Event, NumbersExhausted, Transaction
from docgen.procedures import repair_rules
from docgen.steps import facts
from docgen.steps.base import (
    Check,
    Context,
    Decision,
    FormStep,
    Submission,
    at,
    correction_note,
    has_event,
    header_of,
    latest_event,
    numbers_exhausted,
    once_valid,
    out_of_order,
    record,
    registration,
    run_checks,
)
from docgen.steps.site_survey import after_survey
from docgen.workspace import Workspace

SIGNATURES = ("review_deputy_chief_engineer", "approve_deputy_gm", "approve_gm")


def signed(context: Context[Approval]) -> list[Finding]:
    """CS-3.6.1: the signatures of the tier of the survey's estimate."""
    values = {key: getattr(context.header, key) for key in SIGNATURES}
    return repair_rules.check_approval(context.facts["estimate"], values, context.sources)


@once_valid
def approved_in_window(context: Context[Approval]) -> list[Finding]:
    """The approval comes after the survey it approves and is not dated ahead of today."""
    approval, surveyed_on = context.header, context.facts["surveyed_on"]
    if surveyed_on <= approval.approved_date <= context.today:
        return []
    return [
        error(
            f"审批日期{approval.approved_date.isoformat()}应在勘察日期{surveyed_on.isoformat()}与今天"
            f"（{context.today.isoformat()}）之间",
            clause="CS-3.6.1",
            field="approved_date",
            **at(context.parsed, "approved_date"),
        )
    ]


CHECKS: tuple[Check, ...] = (signed, approved_in_window)


def waiting_survey(tx: Transaction, parsed: ParsedForm, number: str) -> tuple[Event | None, Decision | None]:
    """The survey whose approval was requested, when it is the case's latest; or the refusal."""
    if not tx.case_exists(number):
        return None, Decision(
            findings=[
                error(
                    f"登记编号“{number}”不存在；请核对编号",
                    clause="CS-3.4.3",
                    field="case_number",
                    **at(parsed, "case_number"),
                )
            ]
        )
    if has_event(tx, number, CASE_CLOSED):
        return None, out_of_order(parsed, f"{number} 已办结；如需更正，请联系客户服务部")
    survey = latest_event(tx, number, CASE_SURVEYED)
    request = latest_event(tx, number, CASE_APPROVAL_REQUESTED)
    if survey is None or request is None or request.claim != survey.claim:
        # No request, or a later survey (a correction) that needed none: nothing waits for this approval.
        return None, Decision(
            findings=[
                error(
                    f"{number} 没有待审批的维修费用：最近一次《现场勘察会签表》的预估金额不超过1000元或不由公司承担，"
                    "无须《维修费用审批单》（CS-3.6.1）；请核对登记编号",
                    clause="CS-3.6.1",
                    field="case_number",
                    **at(parsed, "case_number"),
                )
            ]
        )
    return survey, None


def handle_approval(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    approval = header_of(parsed, Approval)
    number = approval.case_number
    survey_event, refused = waiting_survey(tx, parsed, number)
    if refused:
        return refused
    assert survey_event is not None
    survey = SiteSurvey.model_validate(survey_event.payload)
    context = {"estimate": survey.estimate, "surveyed_on": survey.survey_date}
    findings = run_checks(CHECKS, Context(tx, ws, parsed, approval, submission.today, context))
    if has_errors(findings):
        return Decision(findings=findings)
    findings += correction_note(tx, number, CASE_APPROVED, APPROVAL.title)
    try:
        with tx.savepoint():  # the work order's numbers run out: the approval is not recorded either
            record(
                tx,
                CASE_APPROVED,
                {
                    **approval.model_dump(mode="json"),
                    "estimate": str(survey.estimate),
                    "approvers": [who for _, who in repair_rules.approval_tier(survey.estimate)],
                },
                number,
                submission,
            )
            documents = after_survey(tx, ws, survey, registration(tx, number), submission)
    except NumbersExhausted as exhausted:
        return Decision(findings=[*findings, numbers_exhausted(exhausted, ws, "派工单无法编号", location="整个文件")])
    return Decision(findings, [number], documents)


def approved_facts(event: Event) -> str:
    p = event.payload
    return facts.joined(
        [
            ("审批日期", facts.cn(p.get("approved_date"))),
            ("预估金额", p.get("estimate") and facts.yuan(p["estimate"])),
            ("签字", facts.signatures(p, APPROVAL, SIGNATURES)),
            ("审批意见", p.get("opinion")),
        ]
    )


FACTS: facts.Facts = {CASE_APPROVED: approved_facts}


STEP = FormStep(APPROVAL, CHECKS, handle_approval, FACTS, "approval")
