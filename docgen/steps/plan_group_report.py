"""The completed Word draft of the group's plan execution report dropped back (PL-3.3.3, PL-3.4.3; issue 14), on no
case, as ``steps/special_report.py`` files a completed 《专题报告》.

``docgen plan report`` writes the PDF/A and its Word draft; the draft's label/value table carries 表单编号 PL-GROUP,
版本 and 报告期间, and its sections 六、执行中的经验 and 七、执行中的不足 are label → value cells for 企业发展中心 to
write. Dropped back, it is checked (the period written as ``plan report`` names it, targets recorded for its year,
both sections written: an error names the cell left empty) and filed as PDF/A-3b
(``outbox/reports/<period>/集团计划执行报告-<period>-定稿-<sha8>.pdf``): the units' figures consolidated again as of
the day it is filed, the two sections as written, the Word original attached (a ``plan_group_report`` document,
rendered by ``docgen.reports.plan_execution.file_group_report``). It records ``plan.group_report`` (the report of
the period submitted that day, against its PL-3.4.3 window).
"""

from __future__ import annotations

from pathlib import PurePosixPath

from docgen import plans
from docgen.events import PLAN_GROUP_REPORT
from docgen.findings import Finding, error
from docgen.forms.base import ParsedForm
from docgen.forms.plan import GROUP_REPORT, GroupReportHeader
from docgen.ledger import Transaction
from docgen.payloads import checked
from docgen.plans import ANNUAL, HALF_YEAR, load_plan_year
from docgen.steps import facts
from docgen.steps.base import Check, Context, Decision, Document, FormStep, Submission, header_of, run_checks, where
from docgen.workspace import Workspace

CLAUSE = "PL-3.3.3"
SECTIONS = {"experience": "六、执行中的经验", "shortfalls": "七、执行中的不足"}
SECTION_HINTS = {"experience": "本期计划执行的经验", "shortfalls": "本期计划执行的不足及改进措施"}


def period_of(text: str) -> tuple[int, str, str] | None:
    """``2026Q3`` → (2026, "Q3", "2026Q3"); ``2026H1`` → (2026, 半年, …); ``2026`` → (2026, 年度, …)."""
    parsed = plans.parse_group_period(text)
    if parsed is None:
        return None
    year, kind, quarter = parsed
    period, label = {"quarter": (f"Q{quarter}", f"{year}Q{quarter}"), "half": (HALF_YEAR, f"{year}H1")}.get(
        kind, (ANNUAL, str(year))
    )
    return year, period, label


def period_known(context: Context[GroupReportHeader]) -> list[Finding]:
    """报告期间 as ``plan report`` wrote it, of a year whose targets are recorded."""
    found = period_of(context.header.period)
    raw = context.sources.get("period")
    if found is None:
        message = f"报告期间“{context.header.period}”格式不对；应为 2026Q3、2026H1 或 2026（请勿改动 Word 稿中的该栏）"
        return [error(message, clause=CLAUSE, field="period", **where(raw))]
    if load_plan_year(context.tx, context.ws.settings, found[0]) is None:
        message = f"{found[0]}年还没有已受理的年度计划指标，无法归档该年度的集团计划执行报告；请核对报告期间"
        return [error(message, clause=CLAUSE, field="period", **where(raw))]
    return []


def sections_written(context: Context[GroupReportHeader]) -> list[Finding]:
    """执行经验 and 执行不足 written by 企业发展中心: the report is what they say (PL-3.3.3)."""
    findings = []
    for key, section in SECTIONS.items():
        if (getattr(context.header, key) or "").strip():
            continue
        title = GROUP_REPORT.header_model.model_fields[key].title  # type: ignore[union-attr]
        findings.append(
            error(
                f"“{section}”没有填写；请在“{title}”一栏中写明{SECTION_HINTS[key]}后重新提交",
                clause=CLAUSE,
                field=key,
                **(where(context.sources.get(key)) or {"location": f"“{title}”一栏"}),
            )
        )
    return findings


CHECKS: tuple[Check, ...] = (period_known, sections_written)


def handle_group_report(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    """Record the completed report against its window and file it as PDF/A with the Word original attached."""
    header = header_of(parsed, GroupReportHeader)
    findings = run_checks(CHECKS, Context(tx, ws, parsed, header, submission.today))
    found = period_of(header.period)
    if findings or found is None:
        return Decision(findings=findings)
    year, period, label = found
    start, end = plans.group_report_window(year, period)
    path = f"{ws.settings.paths.outbox}/reports/{label}/集团计划执行报告-{label}-定稿-{submission.short}.pdf"
    tx.append(
        PLAN_GROUP_REPORT,
        checked(
            PLAN_GROUP_REPORT,
            {
                "year": year,
                "period": period,
                "produced_on": submission.today.isoformat(),
                "window_start": start.isoformat(),
                "window_end": end.isoformat(),
                "files": [path],
            },
        ),
        claim=submission.claim,
        sha256=submission.sha256,
    )
    suffix = PurePosixPath(submission.archived).suffix.lower() if submission.archived else ""
    spec = {
        "year": year,
        "period": period,
        "label": label,
        "filed_on": submission.today.isoformat(),
        "experience": (header.experience or "").strip(),
        "shortfalls": (header.shortfalls or "").strip(),
        "original": {
            "archived": submission.archived or "",
            "name": f"group-report-original{suffix if suffix.isascii() else ''}",
            "file": submission.name,
        },
    }
    return Decision(findings=findings, documents=[Document(path, "plan_group_report", spec)])


FACTS: facts.Facts = {}

STEP = FormStep(GROUP_REPORT, CHECKS, handle_group_report, FACTS, "plan_group_report")
