"""《专题报告》 of a major or difficult complaint (CS-3.10.6): the completed Word draft dropped back.

``docgen report special KF-…`` drafts it (``docgen.reports.dossier.write_special_draft``): the case's facts,
history, deadlines and violations, then the two sections 客户服务部 writes, 六、原因分析 and 七、处理意见与建议,
each a label → value cell; the label/value table at the top carries 表单编号 CS-SPECIAL and 版本 so that
the completed draft reads back as this form.

Dropped back, it is checked (the case exists, both sections written: an error names the cell left
empty), recorded as ``case.special_report`` on the case and filed as PDF/A-3b: the case's history as it
stood before the report, the two sections as written, the case's source forms and the Word original
attached (a ``special_report`` document, rendered by ``docgen.reports.dossier.file_special_report``).
Sent again (a correction), it is recorded again with a warning; the latest is the one that holds.
"""

from __future__ import annotations

from datetime import date
from pathlib import PurePosixPath
from typing import Annotated

from pydantic import BaseModel, Field

from docgen.atomic import safe_part
from docgen.events import CASE_SPECIAL_REPORT
from docgen.findings import Finding, error, has_errors, warning
from docgen.forms.base import FormDef, Meta, ParsedForm
from docgen.ledger import Event, Transaction
from docgen.steps import facts
from docgen.steps.base import (
    Check,
    Context,
    Decision,
    Document,
    FormStep,
    Submission,
    has_event,
    header_of,
    record,
    run_checks,
)
from docgen.workspace import Workspace

CLAUSE = "CS-3.10.6"
FORM_ID = "CS-SPECIAL"
# The two sections 客户服务部 writes (key → section title as printed in the draft and the filed PDF).
SECTIONS = {"analysis": "六、原因分析", "measures": "七、处理意见与建议"}
SECTION_HINTS = {
    "analysis": "投诉产生的原因、责任方、是否具有普遍性",
    "measures": "已采取和拟采取的措施、需要公司决定的事项",
}


class SpecialReportHeader(BaseModel):
    case_number: Annotated[str, Meta(kind="number", width=18, hint="专题报告所涉投诉的登记编号")] = Field(
        title="登记编号"
    )
    report_date: Annotated[date, Meta(kind="date", width=16)] = Field(title="报告日期")
    reporter: Annotated[str | None, Meta(width=16, hint="报告人姓名")] = Field(None, title="报告人")
    # Checked by ``sections_written`` rather than required by the model, so that a section left empty is
    # named with its cell and what it should say.
    analysis: Annotated[str | None, Meta(width=60, lines=8, max_length=10000, hint=SECTION_HINTS["analysis"])] = Field(
        None, title="原因分析"
    )
    measures: Annotated[str | None, Meta(width=60, lines=8, max_length=10000, hint=SECTION_HINTS["measures"])] = Field(
        None, title="处理意见与建议"
    )


SPECIAL_REPORT = FormDef(
    FORM_ID,
    1,
    "专题报告",
    "专题报告",
    CLAUSE,
    SpecialReportHeader,
    footer_note="说明：重大投诉或处理困难的投诉事件，由客户服务部向公司提供专题报告（CS-3.10.6）；"
    "原因分析、处理意见与建议须填写。",
)


# ------------------------------------------------------------------------------------------ checks


def case_exists(context: Context[SpecialReportHeader]) -> list[Finding]:
    """The 登记编号 is a complaint in the ledger."""
    number = context.header.case_number
    if context.tx.case_exists(number):
        return []
    raw = context.sources.get("case_number")
    return [
        error(
            f"登记编号“{number}”不存在；请核对编号（专题报告由 docgen report special 登记编号 生成，请勿改动该栏）",
            clause=CLAUSE,
            field="case_number",
            location=raw.location if raw else "登记编号",
            sheet=raw.sheet if raw else None,
            cell=raw.cell if raw else None,
        )
    ]


def sections_written(context: Context[SpecialReportHeader]) -> list[Finding]:
    """原因分析 and 处理意见与建议 are written: the report is what they say (CS-3.10.6)."""
    findings = []
    for key, section in SECTIONS.items():
        if (getattr(context.header, key) or "").strip():
            continue
        raw = context.sources.get(key)
        title = section.split("、", 1)[1]
        findings.append(
            error(
                f"“{section}”没有填写；请在“{title}”一栏中写明{SECTION_HINTS[key]}后重新提交",
                clause=CLAUSE,
                field=key,
                location=raw.location if raw else f"第{section.split('、', 1)[0]}部分“{title}”",
                sheet=raw.sheet if raw else None,
                cell=raw.cell if raw else None,
            )
        )
    return findings


CHECKS: tuple[Check, ...] = (case_exists, sections_written)


# ------------------------------------------------------------------------------------------ handler


def filed_path(ws: Workspace, number: str, report_date: date, submission: Submission) -> str:
    """``outbox/<case>/98-专题报告-<case>-<date>-<sha8>.pdf``: one file per report filed (a correction sent
    later is filed beside it), never the draft's or the blank PDF's name."""
    folder = safe_part(number)
    return f"{ws.settings.paths.outbox}/{folder}/98-专题报告-{folder}-{report_date.isoformat()}-{submission.short}.pdf"


def handle_special_report(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    """Record the completed report on its case and file it as PDF/A with the Word original attached."""
    header = header_of(parsed, SpecialReportHeader)
    result = Decision(findings=run_checks(CHECKS, Context(tx, ws, parsed, header, submission.today)))
    if has_errors(result.findings):
        return result
    number = header.case_number
    if has_event(tx, number, CASE_SPECIAL_REPORT):
        result.findings.append(
            warning(
                f"案件{number}已提交过《专题报告》；本次作为更正记录并另行归档，原报告保留在历史中",
                clause=CLAUSE,
                field="case_number",
            )
        )
    payload = {
        "report_date": header.report_date.isoformat(),
        "reporter": header.reporter or "",
        "analysis": (header.analysis or "").strip(),
        "measures": (header.measures or "").strip(),
        "clause": CLAUSE,
        "file": submission.name,
    }
    event = record(tx, CASE_SPECIAL_REPORT, payload, number, submission)
    result.case_ids.append(number)
    suffix = PurePosixPath(submission.archived).suffix.lower() if submission.archived else ""
    result.documents.append(
        Document(
            filed_path(ws, number, header.report_date, submission),
            "special_report",
            {
                "case_number": number,
                # The history as it stood when the report came in: the same ledger, the same document.
                "until_seq": event.seq,
                "issued_on": header.report_date.isoformat(),
                "reporter": payload["reporter"],
                "analysis": payload["analysis"],
                "measures": payload["measures"],
                "original": {
                    "archived": submission.archived or "",
                    "name": f"special-report-original{suffix if suffix.isascii() else ''}",
                    "file": submission.name,
                    "sha256": submission.sha256,
                    "received": submission.today.isoformat(),
                },
            },
        )
    )
    return result


def _describe(event: Event) -> str:
    p = event.payload
    return facts.joined(
        [
            ("报告日期", facts.cn(p.get("report_date"))),
            ("报告人", p.get("reporter")),
            ("原因分析", p.get("analysis")),
            ("处理意见与建议", p.get("measures")),
        ]
    )


FACTS: facts.Facts = {CASE_SPECIAL_REPORT: _describe}

STEP = FormStep(SPECIAL_REPORT, CHECKS, handle_special_report, FACTS, "special-report")

__all__ = [
    "CHECKS",
    "SECTIONS",
    "SPECIAL_REPORT",
    "STEP",
    "SpecialReportHeader",
    "filed_path",
    "handle_special_report",
]
