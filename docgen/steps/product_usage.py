"""The 《产品使用情况表》 (CS-3.7.3): "由客户服务部经物业公司向小区物业处收集小区设备运行满一年的使用情况，并要求
物业公司填写《产品使用情况表》，负责将信息转交工程材料部".

An intake form on no case: the property company fills it for one community (项目/小区) a year after the
equipment started running (设备启用日期), one line per piece of equipment or part of the buildings (设备/部位,
使用情况 正常/异常, 问题描述, 建议). Dropped into intake/:

- the form is recorded (``product.usage``) and a summary 《产品使用情况汇总》 (PDF/A-3b, the returned workbook
  inside) is written for 工程材料部 (``[product_usage] owner``) into ``outbox/dispatch/<date>/``, beside the
  转办单 of that day;
- each 异常 line becomes a tracked item (``product.issue``, deadline ``action-<seq>`` due
  ``[product_usage] issue_workdays`` working days after the form was forwarded, the owner as who must act),
  followed up like a decision of minutes (``docgen.actions``: ``docgen action list``/``done``, the 逾期预警);
  once the nonconformity procedure (NC) is built, each such item is where its 不合格品 record starts;
- a 异常 line without 问题描述, a form without a line, and a 填表日期 before 设备启用日期 are errors on their cells;
  a form filled far from the first anniversary of 设备启用日期 (``[product_usage] window_days``) gets a warning
  citing CS-3.7.3.

The same form sent again does not track a problem twice: an item of the same community and 设备/部位 is that
item, corrected when its problem or suggestion changed (a new event with the same ``action-…`` key).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field

from docgen.actions import load_actions
from docgen.events import PRODUCT_ISSUE, PRODUCT_USAGE
from docgen.findings import Finding, error, has_errors, warning
from docgen.forms.base import FormDef, Meta, ParsedForm
from docgen.ledger import Transaction
from docgen.payloads import checked
from docgen.steps import facts
from docgen.steps.base import (
    Check,
    Context,
    Decision,
    Document,
    FormStep,
    Submission,
    at,
    field_error,
    header_of,
    item_deadline,
    lines_of,
    numbered_lines,
    run_checks,
    table_filled,
    tracked_before,
    where,
)
from docgen.wording import chinese_date
from docgen.workspace import Workspace

CLAUSE = "CS-3.7.3"
NORMAL, ABNORMAL = "正常", "异常"
SUMMARY_TITLE = "产品使用情况汇总"
SUMMARY_TEMPLATE = "product_usage.typ"


class UsageHeader(BaseModel):
    project: Annotated[str, Meta(width=24, label_synonyms=("项目", "小区"), hint="项目/小区名称，与登记表一致")] = (
        Field(title="项目/小区")
    )
    started: Annotated[date, Meta(kind="date", width=16, hint="设备投入运行的日期，如 2025-11-20")] = Field(
        title="设备启用日期"
    )
    filled_by: Annotated[
        str, Meta(width=24, label_synonyms=("物业公司", "填表单位（物业公司）"), hint="填表的物业公司")
    ] = Field(title="填表单位")
    filled_date: Annotated[date, Meta(kind="date", width=16, hint="如 2026-11-25")] = Field(title="填表日期")
    filler: Annotated[str | None, Meta(width=12, hint="填表人姓名")] = Field(None, title="填表人")


class UsageLine(BaseModel):
    item: Annotated[
        str, Meta(width=22, label_synonyms=("设备", "部位", "设备名称"), hint="如 2号楼电梯、地下车库排水泵")
    ] = Field(title="设备/部位")
    state: Annotated[
        str,
        Meta(
            kind="choice",
            choices=(NORMAL, ABNORMAL),
            width=12,
            value_synonyms={"良好": NORMAL, "完好": NORMAL, "有问题": ABNORMAL, "故障": ABNORMAL, "不正常": ABNORMAL},
            label_synonyms=("运行情况", "状况"),
        ),
    ] = Field(title="使用情况")
    problem: Annotated[str | None, Meta(width=36, lines=2, hint="异常时必填：现象、频次、影响范围")] = Field(
        None, title="问题描述"
    )
    suggestion: Annotated[str | None, Meta(width=30, lines=2, label_synonyms=("处理建议", "改进建议"))] = Field(
        None, title="建议"
    )


FORM = FormDef(
    "CS-USAGE",
    1,
    "产品使用情况表",
    "使用情况",
    CLAUSE,
    UsageHeader,
    UsageLine,
    lines_key="lines",
    lines_title="设备及部位使用情况",
    blank_lines=15,
    footer_note="说明：小区设备运行满一年后，由物业公司填写本表，交客户服务部，客户服务部转交工程材料部（CS-3.7.3）；"
    "使用情况为“异常”的，须填写问题描述，工程材料部逐项跟踪处理。",
)


# ============================================================ checks


def lines_given(context: Context[UsageHeader]) -> list[Finding]:
    """CS-3.7.3: the form reports the use of the community's equipment; one line at least."""
    message = "“设备及部位使用情况”中没有填写任何一行；请逐项填写设备/部位及其使用情况（正常/异常）"
    return table_filled(context.parsed.lines, "设备及部位使用情况", message, CLAUSE, "lines")


def problems_described(context: Context[UsageHeader]) -> list[Finding]:
    """An 异常 line says what is wrong: 工程材料部 cannot act on "异常" alone."""
    findings: list[Finding] = []
    for line, row, sources in numbered_lines(context.parsed, UsageLine):
        if line.state == ABNORMAL and not (line.problem or "").strip():
            findings.append(
                error(
                    f"第{row}行“{line.item}”使用情况为异常，但没有问题描述；请写明现象、频次和影响范围",
                    clause=CLAUSE,
                    field="lines.problem",
                    **where(sources.get("problem") or sources.get("state")),
                )
            )
    return findings


def filled_after_start(context: Context[UsageHeader]) -> list[Finding]:
    header = context.header
    if header.filled_date < header.started:
        message = (
            f"填表日期{header.filled_date.isoformat()}早于设备启用日期{header.started.isoformat()}；请核对两个日期"
        )
        return [field_error(context.parsed, "filled_date", message, CLAUSE)]
    return []


def anniversary(started: date) -> date:
    """The first anniversary of ``started`` (29 February → 28 February)."""
    try:
        return started.replace(year=started.year + 1)
    except ValueError:
        return started.replace(year=started.year + 1, day=28)


def about_a_year(context: Context[UsageHeader]) -> list[Finding]:
    """CS-3.7.3 "设备运行满一年": the form comes about a year after 设备启用日期 (within ``window_days``)."""
    header, window = context.header, context.ws.settings.product_usage.window_days
    if header.filled_date < header.started:
        return []  # filled_after_start says so
    year = anniversary(header.started)
    off = (header.filled_date - year).days
    if abs(off) <= window:
        return []
    when = f"早{-off}天，设备运行尚未满一年" if off < 0 else f"晚{off}天"
    return [
        warning(
            f"设备于{chinese_date(header.started)}启用，运行满一年为{chinese_date(year)}；本表填于"
            f"{chinese_date(header.filled_date)}，{when}（相差超过{window}天）。CS-3.7.3 要求收集设备运行满一年的使用情况，"
            "请核对设备启用日期",
            clause=CLAUSE,
            field="filled_date",
            **at(context.parsed, "filled_date"),
        )
    ]


CHECKS: tuple[Check, ...] = (lines_given, problems_described, filled_after_start, about_a_year)


# ============================================================ handler


def issue_text(line: UsageLine) -> str:
    return f"{line.item}：{(line.problem or '').strip()}"


def handle_usage(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    """Record the form, each 异常 line a tracked item for 工程材料部, and the summary for it."""
    header = header_of(parsed, UsageHeader)
    findings = run_checks(CHECKS, Context(tx, ws, parsed, header, submission.today))
    if has_errors(findings):
        return Decision(findings=findings)
    settings = ws.settings.product_usage
    lines = lines_of(parsed, UsageLine)
    abnormal = [(line, row) for line, row in zip(lines, parsed.line_rows) if line.state == ABNORMAL]
    tx.append(
        PRODUCT_USAGE,
        checked(
            PRODUCT_USAGE,
            {
                "project": header.project,
                "started": header.started.isoformat(),
                "filled_by": header.filled_by,
                "filled_date": header.filled_date.isoformat(),
                "filler": header.filler,
                "items": len(lines),
                "abnormal": len(abnormal),
                "lines": [line.model_dump(mode="json") for line in lines],
                "clause": CLAUSE,
                "file": submission.name,
            },
        ),
        claim=submission.claim,
        sha256=submission.sha256,
    )
    counted = ws.calendar.due_within_workdays_of_day(submission.today, settings.issue_workdays, "转交工程材料部")
    meeting_type = f"《{FORM.title}》（{header.filled_by}）"
    actions = {a.key: a for a in load_actions(tx) if a.kind == PRODUCT_ISSUE}
    earlier = {  # the same community and 设备/部位: that item
        (e.payload["project"], e.payload["item"]): actions[e.payload["deadlines"][0]["key"]]
        for e in tx.events(kind=PRODUCT_ISSUE)
    }
    tracked: list[dict] = []
    for line, row in abnormal:
        text = issue_text(line)
        same = earlier.get((header.project, line.item))
        if same is not None:
            unchanged = same.text == text
            what = f"第{row}行“{line.item}”的问题"
            findings.append(tracked_before(what, same.key, unchanged, "问题描述已按本表更正", CLAUSE, "lines.item"))
            if unchanged:
                tracked.append(_summary_line(line, same.key, chinese_date(same.due), same.owner))
                continue
        key = same.key if same is not None else f"action-{tx.last_seq + 1}"  # the seq of the event about to be appended
        due = same.due if same is not None else counted.due
        tx.append(
            PRODUCT_ISSUE,
            checked(
                PRODUCT_ISSUE,
                {
                    "project": header.project,
                    "item": line.item,
                    "problem": line.problem,
                    "suggestion": line.suggestion,
                    "text": text,
                    "owner": settings.owner,
                    "due": due.isoformat(),
                    "meeting_type": meeting_type,
                    "meeting_date": header.filled_date.isoformat(),
                    "filled_date": header.filled_date.isoformat(),
                    "filled_by": header.filled_by,
                    "row": row,
                    "file": submission.name,
                    "deadlines": [
                        item_deadline(
                            key,
                            text,
                            due.isoformat(),
                            CLAUSE,
                            counted.basis if same is None else f"《{FORM.title}》",
                            settings.owner,
                            provisional=counted.provisional and same is None,
                        )
                    ],
                },
            ),
            claim=submission.claim,
            sha256=submission.sha256,
        )
        tracked.append(_summary_line(line, key, chinese_date(due), settings.owner))
    if tracked:
        findings.append(
            warning(
                f"{header.project}的{len(tracked)}项异常已转交{settings.owner}跟踪处理："
                + "；".join(f"{t['key']}（{t['item']}，{t['due']}前）" for t in tracked)
                + "；处理完成后用 docgen action done 登记",
                clause=CLAUSE,
                field="lines",
            )
        )
    return Decision(findings, [], [summary_document(ws, header, lines, tracked, submission)])


def _summary_line(line: UsageLine, key: str, due: str, owner: str) -> dict:
    return {"key": key, "item": line.item, "problem": line.problem or "", "suggestion": line.suggestion or "",
            "due": due, "owner": owner}  # fmt: skip


def summary_context(ws: Workspace, header: UsageHeader, lines: list[UsageLine], tracked: list[dict], today: date):
    """The context of ``product_usage.typ`` (every value a str)."""
    year = anniversary(header.started)
    return {
        "title": SUMMARY_TITLE,
        "addressee": ws.settings.product_usage.owner,
        "issuer": "客户服务部",
        "issued_on": today.isoformat(),
        "project": header.project,
        "filled_by": header.filled_by,
        "filler": header.filler or "",
        "started": chinese_date(header.started),
        "anniversary": chinese_date(year),
        "filled_date": chinese_date(header.filled_date),
        "clause": CLAUSE,
        "total": str(len(lines)),
        "abnormal": str(sum(1 for line in lines if line.state == ABNORMAL)),
        "lines": [
            {
                "item": line.item,
                "state": line.state,
                "problem": line.problem or "",
                "suggestion": line.suggestion or "",
            }
            for line in lines
        ],
        "issues": tracked,
    }


def summary_document(
    ws: Workspace, header: UsageHeader, lines: list[UsageLine], tracked: list[dict], submission: Submission
) -> Document:
    """《产品使用情况汇总》 for 工程材料部 (PDF/A-3b with the returned workbook inside), beside the day's 转办单."""
    today = submission.today
    name = f"{ws.settings.product_usage.owner}-{SUMMARY_TITLE}-{header.project}-{submission.short}.pdf"
    attachments = []
    if submission.archived:
        attachments.append([submission.archived, "product-usage.xlsx", f"《{FORM.title}》原件：{submission.name}"])
    return Document(
        f"{ws.settings.paths.outbox}/dispatch/{today.isoformat()}/{name}",
        "pdf",
        {
            "template": SUMMARY_TEMPLATE,
            "context": summary_context(ws, header, lines, tracked, today),
            "attachments": attachments,
        },
    )


# Recorded on no case, so nothing for a case's dossier to word (``FACTS`` covers ``case.*`` kinds only).
FACTS: facts.Facts = {}

STEP = FormStep(FORM, CHECKS, handle_usage, FACTS, "product-usage")
