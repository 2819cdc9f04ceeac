"""财务计统部's review of a branch's 《计划执行报告》 (PL-2.2.2, PL-3.3.2), on no case.

A branch's accepted report emits the pre-filled 《计划执行报告财务审核表》 with its due date: five working days from the
report's 报送日期 (``[plan] finance_review_workdays``; the working-day calendar, the 报送日期 day 0, a rest day counting
from the next working day). Returned with 审核人, 审核日期 and 审核意见 (通过/需修改) it records
``plan.finance_review``; a review after the due date is accepted with a violation citing PL-3.3.2. A review for a unit
that is not a branch, or for a report not on record, is an error. 需修改 asks the branch to send its report again (a
corrected report restarts the review). An overdue review not yet returned is a line of the daily warning.
"""

from __future__ import annotations

from datetime import date

from docgen import plans
from docgen.events import PLAN_FINANCE_REVIEW
from docgen.findings import Finding, has_errors, violation, warning
from docgen.forms.base import ParsedForm
from docgen.forms.plan import FINANCE, PERIOD_CODES, REPORT, TO_REVISE, FinanceHeader
from docgen.ledger import Transaction
from docgen.payloads import checked
from docgen.plans import ExecutionReport, PlanYear, load_plan_year, period_label
from docgen.steps import facts
from docgen.steps.base import (
    Check,
    Context,
    Decision,
    Document,
    FormStep,
    Submission,
    field_error,
    header_of,
    once_valid,
    run_checks,
)
from docgen.steps.plan_report import plan_folder, previous_report, report_values
from docgen.wording import chinese_date
from docgen.workspace import Workspace

CLAUSE = plans.FINANCE_CLAUSE  # PL-3.3.2


def report_known(context: Context[FinanceHeader]) -> list[Finding]:
    """The review answers a branch's report on record."""
    header, plan = context.header, context.ws.settings.plan
    unit = header.unit.strip()
    branches = [u.name for u in plan.branches]
    if unit not in branches:
        message = (
            f"“{unit}”不是分支机构；财务计统部只审核分支机构的计划执行报告（PL-3.3.2）。分支机构：{'、'.join(branches)}"
        )
        return [field_error(context.parsed, "unit", message, CLAUSE)]
    report: ExecutionReport | None = context.facts["report"]
    if report is None:
        message = f"没有{unit}{header.year}年{header.period}的计划执行报告记录；请核对单位、年度和报告期"
        return [field_error(context.parsed, "period", message, CLAUSE)]
    if header.reviewed_on < report.submitted_on:
        message = (
            f"审核日期{chinese_date(header.reviewed_on)}早于报告报送日期{chinese_date(report.submitted_on)}；请核对"
        )
        return [field_error(context.parsed, "reviewed_on", message, CLAUSE)]
    return []


@once_valid
def reviewed_in_time(context: Context[FinanceHeader]) -> list[Finding]:
    """PL-3.3.2: 财务计统部 reviews within five working days."""
    report: ExecutionReport = context.facts["report"]
    due = report.finance_due_on
    if due is None or context.header.reviewed_on <= due:
        return []
    days = context.ws.calendar.workdays_late(due, context.header.reviewed_on)
    return [
        violation(
            f"{report.unit}{report.year}年{period_label(report.period)}计划执行报告的财务审核应于{plans.finance_due_text(report)}完成"
            f"（五个工作日内，PL-3.3.2），{chinese_date(context.header.reviewed_on)}完成，逾期{days}个工作日",
            clause=CLAUSE,
            field="reviewed_on",
        )
    ]


CHECKS: tuple[Check, ...] = (report_known, reviewed_in_time)


def handle_review(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    header = header_of(parsed, FinanceHeader)
    period = PERIOD_CODES[header.period]
    plan_year = load_plan_year(tx, ws.settings, header.year)
    report = plan_year.reports.get((header.unit.strip(), period)) if plan_year is not None else None
    findings = run_checks(CHECKS, Context(tx, ws, parsed, header, submission.today, {"report": report}))
    if has_errors(findings) or report is None:
        return Decision(findings=findings)
    if report.finance_reviewed_on is not None:
        findings.append(
            warning(
                f"该报告已于{chinese_date(report.finance_reviewed_on)}审核；本次作为更正记录，原审核保留在历史中",
                clause=CLAUSE,
                field="reviewed_on",
            )
        )
    due = report.finance_due_on or header.reviewed_on
    tx.append(
        PLAN_FINANCE_REVIEW,
        checked(
            PLAN_FINANCE_REVIEW,
            {
                "unit": report.unit,
                "year": report.year,
                "period": period,
                "reviewer": header.reviewer.strip(),
                "reviewed_on": header.reviewed_on.isoformat(),
                "opinion": header.opinion,
                "note": (header.note or "").strip(),
                "due_on": due.isoformat(),
                "late": header.reviewed_on > due,
                "file": submission.name,
            },
        ),
        claim=submission.claim,
        sha256=submission.sha256,
    )
    documents: list[Document] = []
    if header.opinion == TO_REVISE:
        what = (header.note or "").strip() or "见财务审核意见"
        by = revision_due_text(report, header.reviewed_on)
        findings.append(
            warning(
                f"财务审核意见为需修改（{what}）：已将{report.unit}的计划执行报告退回，请{report.unit}{by}修改后重新报送，"
                "修改后的报告重新送财务审核",
                clause=CLAUSE,
                field="opinion",
            )
        )
        assert plan_year is not None
        documents.append(returned_report(ws, plan_year, report, what, by))
    # 通过: a fact the receipt's 计划管理 line states (转企业发展中心汇总), not a warning (issue 14 D15)
    return Decision(findings=findings, documents=documents)


def revision_due_text(report: ExecutionReport, reviewed_on: date) -> str:
    """By when the branch sends its corrected report: by the report's own due day while it is ahead (PL-3.3.1);
    after it, at once (the procedure sets no other day; lateness stays counted from the first 报送日期)."""
    due = plans.report_due(report.year, report.period)
    if reviewed_on < due:
        return f"于{chinese_date(due)}前"
    return f"尽快（报送期限{chinese_date(due)}已过，是否迟报仍按首次报送日期计）"


def returned_report(ws: Workspace, plan_year: PlanYear, report: ExecutionReport, what: str, by: str) -> Document:
    """The branch's report returned for correction (issue 14 D10): its figures as last sent, the review's note
    and the day to send it back by in 报送期限, as ``…-退回修改.xlsx`` in the branch's folder (itself an intake form)."""
    lines = []
    for row in report_values(
        plan_year, report.unit, report.period, previous_report(plan_year, report.unit, report.period)
    ):
        line = report.line(row["code"])
        if line is not None:
            row.update(actual=plans.plain(line.actual), reason=line.reason)
        lines.append(row)
    header = {
        "unit": report.unit,
        "year": report.year,
        "period": period_label(report.period),
        "due": f"财务审核退回：{what}；请{by}修改后重新报送",
        "reporter": report.reporter or None,
        "problems": "\n".join(report.problems) or None,
        "experience": report.experience or None,
        "shortfalls": report.shortfalls or None,
    }
    name = f"计划执行报告-{report.year}-{report.period}-{report.unit}-退回修改.xlsx"
    return Document(
        plan_folder(ws, report.year, report.unit, name),
        "form",
        {"form_id": REPORT.form_id, "header": header, "lines": lines},
    )


FACTS: facts.Facts = {}

STEP = FormStep(FINANCE, CHECKS, handle_review, FACTS, "plan_review")
