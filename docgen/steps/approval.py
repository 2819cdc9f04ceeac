"""The 《维修费用审批单》 returned signed (CS-3.6.1 "1000元到1万元内由公司分管工程质量的副总工程师审核，由副总
经理批准，即可进行维修；超过1万元的工程维修费用应报总经理审批").

A survey whose repair the company pays and whose estimate is above 1,000 yuan records the approval request
and emits this form pre-filled to the approvers (``site_survey.route_survey``); the case waits (待审批).
Dropped back with the signatures the estimate's tier needs, the approval is recorded and the work order
(and the contractor's notice) follow, as they would have followed the survey (``site_survey.after_survey``).
"""

from __future__ import annotations

from docgen.events import CASE_APPROVAL_REQUESTED, CASE_APPROVED
from docgen.findings import Finding, has_errors
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
    answering_survey,
    correction_note,
    dated_since_survey,
    header_of,
    numbers_exhausted,
    once_valid,
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
    return dated_since_survey(context, "approved_date", "审批日期", "CS-3.6.1")


CHECKS: tuple[Check, ...] = (signed, approved_in_window)


def handle_approval(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    approval = header_of(parsed, Approval)
    number = approval.case_number
    found = answering_survey(
        tx,
        parsed,
        number,
        CASE_APPROVAL_REQUESTED,
        f"{number} 没有待审批的维修费用：最近一次《现场勘察会签表》的预估金额不超过1000元或不由公司承担，"
        "无须《维修费用审批单》（CS-3.6.1）；请核对登记编号",
        "CS-3.6.1",
    )
    if isinstance(found, Decision):
        return found
    survey = SiteSurvey.model_validate(found[0].payload)
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
