"""The 《纠正措施记录》 (NC-5.1, 《不合格品控制程序》 NC-2 … NC-5): one nonconformity, its correction (纠正: fix this
instance) and corrective action (纠正措施: remove the cause), verified by 总经室 (NC-2.3).

An intake form on no case, numbered by docgen (``[numbering] nonconformity``, BHG-2026-0001) when its 编号 is
blank. Dropped into intake/:

- the record is routed by its category (NC-3.1.1 … 3.1.7) to the department that owns it (NC-2.1, NC-3.2.x):
  design → 设计研发部; 甲供 material → 工程材料部; 乙供 material → 业主代表 (through 监理); construction and property
  takeover → 业主代表 with 监理 and the contractor; sales service → 经营销售部; after-sales → 客户服务部; audits and
  management review → the department named, requested by 总经室 (NC-2.4, NC-3.2.6). A 责任部门 other than the one
  the procedure names is a violation citing the clause; a record naming 协同部门 is coordinated by 总经室 (NC-2.3).
  Recorded as ``nc.recorded``; the pre-filled record goes to the department as its 纠正措施要求;
- its corrective action with a due date is a tracked item (``nc.action``, deadline ``action-<seq>``, read by
  ``docgen.actions``: ``docgen action list``, the 逾期预警); the record returned with 纠正措施完成日期 marks it done
  (``minutes.action_done``) and sends the pre-filled record to 总经室 as the 效果验证请求;
- returned with 总经室's verification: 有效 closes the record (``nc.verified``); 无效 reopens it with a new corrective
  action due on 重新整改期限, sent to the department again. A record cannot close otherwise (NC-2.3);
- a 重大质量事故 asks 业主代表 for the 质量事故分析报告 to 总经室 and 工程部 (NC-3.2.3 A): its template is written.

A complaint newly registered (``steps/register.py``) opens a record on its case (``open_from_complaint``): 设计 or
施工质量 after handover under NC-3.1.6 (客户服务部), 销售服务 under NC-3.1.5 (经营销售部).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated

from pydantic import BaseModel, Field

from docgen import projects, recurrence, suppliers
from docgen.actions import Action, load_actions, record_done
from docgen.events import NC_ACTION, NC_RECORDED, NC_VERIFIED
from docgen.findings import Finding, error, has_errors, violation, warning
from docgen.forms.base import FormDef, Meta, ParsedForm
from docgen.ledger import NumberFormat, NumbersExhausted, Transaction
from docgen.nonconformities import INVALID, VALID, NcRecord, load_records, record_of, records_found_between
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
    run_checks,
)
from docgen.wording import chinese_date
from docgen.workspace import Settings, Workspace

CLAUSE = "NC-5.1"
SUPPLIER_CLAUSE = "NC-3.2.2 A"  # a serious 甲供 material nonconformity: the supplier re-evaluated
VERIFY_CLAUSE = "NC-2.3"
ACCIDENT_CLAUSE = "NC-3.2.3 A"
COORDINATOR = "总经室"
ACCIDENT_RECIPIENTS = ("总经室", "工程部")

# NC-3.1.1 … 3.1.7, in the procedure's words (short enough for an Excel dropdown).
DESIGN = "不符合设计规范、合同要求的设计"
MATERIAL = "验收不合格的材料、构配件、设备"
CONSTRUCTION = "施工不合格工序、质量缺陷、隐患、事故"
TAKEOVER = "物业公司接楼提出的整改事项"
SALES = "顾客对销售服务的抱怨和投诉"
AFTER_SALES = "接楼及售后服务中对设计、施工、物业的投诉"
AUDIT = "管理评审、内审、外审及物业反馈的不合格"
CATEGORIES = (DESIGN, MATERIAL, CONSTRUCTION, TAKEOVER, SALES, AFTER_SALES, AUDIT)
CATEGORY_CLAUSES = {category: f"NC-3.1.{n}" for n, category in enumerate(CATEGORIES, 1)}
# Short names where a category's words do not fit (the quarterly report's chart labels).
CATEGORY_SHORT = dict(zip(CATEGORIES, ("设计", "材料", "施工", "接楼", "销售服务", "售后", "审核"), strict=True))

SOURCES = (
    "设计评审",
    "材料验收",
    "施工检查",
    "验收阶段",
    "物业接管",
    "销售投诉",
    "售后投诉",
    "管理评审",
    "内部审核",
    "外部审核",
    "客户信息征询",  # a 不满意 answer on the 《客户信息征询表》 (NC-3.2.4 A, NC-5.2; steps/sales_inquiry.py)
)
OWNER_SUPPLIED, CONTRACTOR_SUPPLIED = "甲供", "乙供"
GENERAL, SERIOUS, ACCIDENT = "一般", "严重", "重大质量事故"
CORRECTIONS = ("退货", "现场报废", "降级使用", "整改", "返工", "解释道歉", "其他")
# A record sent to its department is tracked at once: the department owes it back with its correction and
# corrective action (NC-2.3: 总经室 requests them) within ``[nonconformity] reply_workdays`` working days.
REPLY_STAGE = "reply"
REPLY_TEXT = "交回纠正措施记录（纠正、原因分析、纠正措施及期限）"


def _synonyms() -> dict[str, str]:
    words = {
        "设计": DESIGN,
        "材料": MATERIAL,
        "材料设备": MATERIAL,
        "施工": CONSTRUCTION,
        "施工质量": CONSTRUCTION,
        "接楼": TAKEOVER,
        "物业接楼": TAKEOVER,
        "销售服务": SALES,
        "销售": SALES,
        "售后": AFTER_SALES,
        "售后服务": AFTER_SALES,
        "审核": AUDIT,
        "内审": AUDIT,
        "外审": AUDIT,
        "管理评审": AUDIT,
    }
    for category, clause in CATEGORY_CLAUSES.items():
        words[clause] = words[clause.removeprefix("NC-")] = category
    return words


class NcHeader(BaseModel):
    number: Annotated[
        str | None,
        Meta(width=20, filled_by_tool=True, label_synonyms=("记录编号",), hint="新记录留空，由 docgen 编号"),
    ] = Field(None, title="编号")
    category: Annotated[
        str,
        Meta(kind="choice", choices=CATEGORIES, width=40, value_synonyms=_synonyms(), label_synonyms=("类别",)),
    ] = Field(title="不合格类别")
    source: Annotated[str, Meta(kind="choice", choices=SOURCES, width=16, label_synonyms=("信息来源",))] = Field(
        title="来源"
    )
    project: Annotated[str, Meta(width=24, label_synonyms=("项目", "小区"), hint="项目/小区名称")] = Field(
        title="项目/小区"
    )
    found_on: Annotated[date, Meta(kind="date", width=16, hint="如 2026-11-25")] = Field(title="发现日期")
    supplier: Annotated[str | None, Meta(width=24, hint="材料、构配件、设备不合格时必填")] = Field(None, title="供应商")
    supply: Annotated[
        str | None,
        Meta(
            kind="choice",
            choices=(OWNER_SUPPLIED, CONTRACTOR_SUPPLIED),
            width=12,
            value_synonyms={"甲方供应": OWNER_SUPPLIED, "乙方供应": CONTRACTOR_SUPPLIED},
            hint="材料不合格时必填：甲供/乙供",
        ),
    ] = Field(None, title="甲供/乙供")
    contractor: Annotated[str | None, Meta(width=24, hint="施工不合格、乙供材料时填写")] = Field(None, title="施工单位")
    defect: Annotated[str, Meta(width=16, max_length=20, hint="简短的缺陷类型，如 渗漏、裂缝、空鼓")] = Field(
        title="缺陷类型"
    )
    description: Annotated[str, Meta(width=40, lines=3, label_synonyms=("不合格描述",))] = Field(title="不合格情况描述")
    severity: Annotated[
        str,
        Meta(kind="choice", choices=(GENERAL, SERIOUS, ACCIDENT), width=14, value_synonyms={"重大事故": ACCIDENT}),
    ] = Field(title="严重程度")
    correction: Annotated[str, Meta(kind="choice", choices=CORRECTIONS, width=12, label_synonyms=("纠正",))] = Field(
        title="纠正（处置）"
    )
    correction_note: Annotated[str | None, Meta(width=40, lines=2)] = Field(None, title="纠正情况说明")
    department: Annotated[
        str | None, Meta(width=16, filled_by_tool=True, hint="留空由 docgen 按程序填写；审核发现须写明")
    ] = Field(None, title="责任部门")
    partners: Annotated[str | None, Meta(width=24, hint="跨部门时填写，由总经室协调")] = Field(None, title="协同部门")
    root_cause: Annotated[str | None, Meta(width=40, lines=2, label_synonyms=("原因",))] = Field(None, title="原因分析")
    action: Annotated[str | None, Meta(width=40, lines=2)] = Field(None, title="纠正措施")
    due: Annotated[date | None, Meta(kind="date", width=16, future=True)] = Field(None, title="纠正措施完成期限")
    done_on: Annotated[date | None, Meta(kind="date", width=16)] = Field(None, title="纠正措施完成日期")
    verified_on: Annotated[date | None, Meta(kind="date", width=16)] = Field(None, title="验证日期")
    verification: Annotated[
        str | None,
        Meta(kind="choice", choices=(VALID, INVALID), width=10, label_synonyms=("验证结论", "验证结果")),
    ] = Field(None, title="效果验证")
    verifier: Annotated[str | None, Meta(width=12)] = Field(None, title="验证人")
    verification_note: Annotated[
        str | None, Meta(width=40, lines=2, label_synonyms=("验证说明",), hint="验证无效时写明原因")
    ] = Field(None, title="验证意见")
    new_due: Annotated[date | None, Meta(kind="date", width=16, future=True, hint="验证无效时必填")] = Field(
        None, title="重新整改期限"
    )


FORM = FormDef(
    "NC-RECORD",
    1,
    "纠正措施记录",
    "纠正措施记录",
    CLAUSE,
    NcHeader,
    footer_note="说明：责任部门按《不合格品控制程序》确定（NC-2.1、NC-3.2）；责任部门实施纠正和纠正措施，完成后填写完成日期交回；"
    "总经室验证效果（NC-2.3），有效方可关闭，无效须写明重新整改期限。",
)


# ============================================================ routing (NC-2.1, NC-3.2.x)


def routing(header: NcHeader) -> tuple[str | None, str, str]:
    """The responsible department (None: the one the record names, for audits), the clause and how it acts."""
    if header.category == DESIGN:
        return "设计研发部", "NC-3.2.1", "设计研发部跟踪设计单位修改至关闭"
    if header.category == MATERIAL:
        if header.supply == CONTRACTOR_SUPPLIED:
            return "业主代表", "NC-3.2.2 B", "业主代表要求监理公司督促施工单位纠正并确认"
        return "工程材料部", "NC-3.2.2 A", "工程材料部根据业主代表和监理公司的验收意见纠正"
    if header.category == CONSTRUCTION:
        return "业主代表", "NC-3.2.3 A", "业主代表协同监理公司要求施工单位整改并再验证"
    if header.category == TAKEOVER:
        return "业主代表", "NC-3.2.3 B", "业主代表协同监理公司要求施工单位整改并再验收"
    if header.category == SALES:
        return "经营销售部", "NC-3.2.4", "经营销售部处理、改进"
    if header.category == AFTER_SALES:
        return "客户服务部", "NC-3.2.5 A", "客户服务部要求有关部门整改"
    return None, "NC-3.2.6", "总经室要求有关部门采取纠正和纠正措施"


def _same_department(named: str, expected: str) -> bool:
    compact = "".join(named.split())
    return compact == expected or compact.startswith(expected + "（") or compact.startswith(expected + "(")


def department_of(header: NcHeader) -> str:
    expected, _, _ = routing(header)
    return expected or (header.department or "").strip()


def coordinator_of(header: NcHeader) -> str | None:
    """总经室 coordinates cross-department records (NC-2.3) and requests the audits' corrections (NC-2.4)."""
    return COORDINATOR if header.category == AUDIT or (header.partners or "").strip() else None


# ============================================================ checks


def number_known(context: Context[NcHeader]) -> list[Finding]:
    number = (context.header.number or "").strip()
    if number and record_of(context.tx, number) is None:
        message = f"编号“{number}”不是 docgen 编发的纠正措施记录编号；新记录请留空，由 docgen 编号"
        return [field_error(context.parsed, "number", message, CLAUSE)]
    return []


def material_facts(context: Context[NcHeader]) -> list[Finding]:
    """NC-3.1.2: a material is 甲供 or 乙供 (NC-3.2.2 A/B route them apart) and names its supplier."""
    header, findings = context.header, []
    if header.category != MATERIAL:
        return []
    if header.supply is None:
        message = "材料、构配件、设备不合格须写明甲供或乙供（NC-3.2.2 A/B 分别处理）"
        findings.append(field_error(context.parsed, "supply", message, "NC-3.1.2"))
    if not (header.supplier or "").strip():
        findings.append(field_error(context.parsed, "supplier", "材料、构配件、设备不合格须写明供应商", "NC-3.1.2"))
    return findings


def supplier_qualified(context: Context[NcHeader]) -> list[Finding]:
    """NC-3.2.2 A: 甲供 materials come from the 《合格供应商名录》 (``[suppliers] approved``; not checked while the
    list is not configured): a 甲供 supplier not on it is a violation."""
    header = context.header
    approved = context.ws.settings.suppliers.approved
    supplier = " ".join((header.supplier or "").split())
    if header.category != MATERIAL or header.supply != OWNER_SUPPLIED or not approved or not supplier:
        return []
    if any(suppliers.same_supplier(supplier, name) for name in approved):
        return []
    return [
        violation(
            f"甲供材料的供应商“{supplier}”不在《{suppliers.LIST_TITLE}》中；甲供材料应向名录内的合格供应商采购，"
            "请工程材料部核实采购来源",
            clause=SUPPLIER_CLAUSE,
            field="supplier",
            **at(context.parsed, "supplier"),
        )
    ]


def contractor_named(context: Context[NcHeader]) -> list[Finding]:
    header = context.header
    if header.category in (CONSTRUCTION, TAKEOVER) and not (header.contractor or "").strip():
        _, clause, _ = routing(header)
        return [
            warning(
                "施工方面的不合格由业主代表协同监理公司要求施工单位整改；请写明施工单位",
                clause=clause,
                field="contractor",
                **at(context.parsed, "contractor"),
            )
        ]
    return []


def department_routed(context: Context[NcHeader]) -> list[Finding]:
    """NC-2.1, NC-3.2.x: the department the procedure names owns the record; another one is a violation."""
    header = context.header
    expected, clause, how = routing(header)
    named = (header.department or "").strip()
    if expected is None:
        if not named:
            message = (
                "管理评审、内审、外审发现的不合格须写明责任部门（NC-3.2.6：由总经室要求有关部门采取纠正和纠正措施）"
            )
            return [field_error(context.parsed, "department", message, clause)]
        return []
    if named and not _same_department(named, expected):
        return [
            violation(
                f"责任部门写为“{named}”，但按程序{clause}此类不合格的责任部门是{expected}（{how}）",
                clause=clause,
                field="department",
                **at(context.parsed, "department"),
            )
        ]
    return []


def action_dated(context: Context[NcHeader]) -> list[Finding]:
    header, parsed, findings = context.header, context.parsed, []
    if (header.action or "").strip() and header.due is None:
        findings.append(field_error(parsed, "due", "写了纠正措施但没有完成期限；请填写纠正措施完成期限", CLAUSE))
    if header.due is not None and header.due < header.found_on:
        message = f"纠正措施完成期限{header.due.isoformat()}早于发现日期{header.found_on.isoformat()}"
        findings.append(field_error(parsed, "due", message, CLAUSE))
    if header.done_on is not None and not (header.action or "").strip():
        message = "填写了纠正措施完成日期，但没有纠正措施；请写明采取的纠正措施"
        findings.append(field_error(parsed, "action", message, CLAUSE))
    if header.done_on is not None and header.done_on < header.found_on:
        message = f"纠正措施完成日期{header.done_on.isoformat()}早于发现日期{header.found_on.isoformat()}"
        findings.append(field_error(parsed, "done_on", message, CLAUSE))
    return findings


def verification_complete(context: Context[NcHeader]) -> list[Finding]:
    """NC-2.3: 总经室 verifies the effect of a corrective action carried out: date and result; 无效 names the new
    due date."""
    header, parsed, findings = context.header, context.parsed, []
    if (header.verification is None) != (header.verified_on is None):
        key = "verified_on" if header.verified_on is None else "verification"
        findings.append(field_error(parsed, key, "效果验证须同时填写验证日期和验证结论（有效/无效）", VERIFY_CLAUSE))
    if header.verification is not None and header.done_on is None:
        message = "纠正措施尚未填写完成日期，不能验证其效果；请先由责任部门填写纠正措施完成日期"
        findings.append(field_error(parsed, "verification", message, VERIFY_CLAUSE))
    if header.verified_on is not None and header.done_on is not None and header.verified_on < header.done_on:
        message = f"验证日期{header.verified_on.isoformat()}早于纠正措施完成日期{header.done_on.isoformat()}"
        findings.append(field_error(parsed, "verified_on", message, VERIFY_CLAUSE))
    if header.verification == INVALID:
        if header.new_due is None:
            findings.append(field_error(parsed, "new_due", "验证结论为无效，须填写重新整改期限", VERIFY_CLAUSE))
        elif header.verified_on is not None and header.new_due <= header.verified_on:
            message = f"重新整改期限{header.new_due.isoformat()}应晚于验证日期{header.verified_on.isoformat()}"
            findings.append(field_error(parsed, "new_due", message, VERIFY_CLAUSE))
    return findings


CHECKS: tuple[Check, ...] = (
    number_known,
    material_facts,
    supplier_qualified,
    contractor_named,
    department_routed,
    action_dated,
    verification_complete,
)


# ============================================================ handler


def handle_record(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    """Record the 《纠正措施记录》, track its corrective action, mark it done, record 总经室's verification."""
    header = header_of(parsed, NcHeader)
    findings = run_checks(CHECKS, Context(tx, ws, parsed, header, submission.today))
    if has_errors(findings):
        return Decision(findings=findings)
    before = record_of(tx, header.number.strip()) if header.number else None
    if before is not None and not before.open:
        findings.append(
            warning(
                f"{before.number}已于{chinese_date(before.closed_on or submission.today)}验证有效并关闭；"
                "本次作为更正记录，原记录保留在历史中",
                clause=VERIFY_CLAUSE,
                field="number",
            )
        )
    if before is None:
        try:
            number = tx.next_number(NumberFormat(ws.settings.numbering.nonconformity), header.found_on.year)
        except NumbersExhausted as exhausted:
            message = (
                f"纠正措施记录编号：{exhausted.year} 年的编号已经用完（编号格式“{exhausted.pattern}”），本文件未登记。"
                f'请系统管理员在 docgen.toml 的 [numbering] 中把 nonconformity 改为 "{exhausted.widened}"，再放入同一文件'
            )
            return Decision([*findings, error(message, clause=CLAUSE, field="settings.numbering.nonconformity")])
    else:
        number = before.number
    department = department_of(header)
    append_record(tx, header, number, submission, findings, linked_case(before))
    documents: list[Document] = []
    values = {**header.model_dump(mode="json"), "number": number, "department": department}
    if before is None:  # routed as the procedure says: the receipt names the department, nothing to warn of
        documents.append(record_form(ws, number, f"01-纠正措施要求-{department}", values))
        documents.append(request_notice(ws, number, "01-纠正措施要求", values, submission.today))
    elif before.department != department:
        documents.append(record_form(ws, number, f"01-纠正措施要求-{department}-{submission.short}", values))
        documents.append(
            request_notice(ws, number, "01-纠正措施要求", values, submission.today, f"-{submission.short}")
        )
    if header.severity == ACCIDENT and (before is None or before.severity != ACCIDENT):
        documents.append(accident_document(ws, number, header, department, submission))
        findings.append(
            warning(
                f"{number}为重大质量事故：业主代表应要求监理公司提交分析报告，并向{'、'.join(ACCIDENT_RECIPIENTS)}"
                "提交质量事故分析报告；报告模板已生成",
                clause=ACCIDENT_CLAUSE,
                field="severity",
            )
        )
    if before is None:
        documents += supplier_and_recurrence(tx, ws, number, submission, findings)
        if not ((header.action or "").strip() and header.due is not None):
            track_reply(tx, ws, number, header.project, department, submission)
    documents += track_action(tx, ws, header, number, department, before, submission, findings, values)
    return Decision(findings, [], documents)


def append_record(
    tx: Transaction,
    header: NcHeader,
    number: str,
    submission: Submission,
    findings: list[Finding],
    case_number: str | None = None,
    origin: dict | None = None,
) -> None:
    """``nc.recorded``: the record as ``header`` states it, routed (NC-2.1, NC-3.2.x); a record opened from a
    complaint (``case_number``) is recorded on that case too, so the case's history shows it."""
    expected, routed_clause, _ = routing(header)
    tx.append(
        NC_RECORDED,
        checked(
            NC_RECORDED,
            {
                **header.model_dump(mode="json"),
                "number": number,
                "department": department_of(header),
                "named_department": (header.department or "").strip() or None,
                "expected": expected,
                "routed_clause": routed_clause,
                "coordinator": coordinator_of(header),
                "category_clause": CATEGORY_CLAUSES[header.category],
                "violations": [f.message for f in findings if f.severity == "violation"],
                "clause": CLAUSE,
                "file": submission.name,
                **({"case_number": case_number} if case_number else {}),
                **({"origin": origin} if origin else {}),
            },
        ),
        case_id=case_number,
        claim=submission.claim,
        sha256=submission.sha256,
    )


def linked_case(record: NcRecord | None) -> str | None:
    """The complaint case a record was opened from (NC-3.1.5/3.1.6, ``open_from_complaint``), or None; the
    record returned by its department stays on that case."""
    if record is None:
        return None
    return next((e.payload["case_number"] for e in record.events if e.payload.get("case_number")), None)


# ============================================================ complaints (NC-3.1.5, NC-3.1.6, issue 13)

# 投诉类别 of the register (CS-3.4.3) that are nonconformities: design and construction complaints after handover
# are after-sales complaints (NC-3.1.6 → 客户服务部, NC-3.2.5 A); sales-service complaints are NC-3.1.5 (经营销售部,
# NC-3.2.4) whenever they come.
COMPLAINT_CATEGORIES = {"设计": AFTER_SALES, "施工质量": AFTER_SALES, "销售服务": SALES}
COMPLAINT_SOURCES = {AFTER_SALES: "售后投诉", SALES: "销售投诉"}


def complaint_category(case: dict, settings: Settings) -> str | None:
    """The nonconformity category a newly registered complaint opens, or None."""
    category = COMPLAINT_CATEGORIES.get(case.get("category") or "")
    if category != AFTER_SALES:
        return category
    # A community whose delivery docgen.toml does not give is taken as handed over: a record opened needlessly
    # is closed by 总经室's verification, a missed after-sales nonconformity is never seen again.
    received = date.fromisoformat(case["received_date"])
    delivered = projects.delivery(settings, case["project"], received).delivered
    return category if delivered is None or delivered <= received else None


def open_from_complaint(
    tx: Transaction, ws: Workspace, case: dict, submission: Submission, findings: list[Finding] | None = None
) -> tuple[str, list[Document]] | None:
    """A 《纠正措施记录》 opened by a newly registered complaint (``case``, a ``case.registered`` payload), linked to
    its case: ``nc.recorded`` on the case, routed as the step routes it, and the pre-filled record sent to the
    department as its 纠正措施要求 (its corrective action is tracked once the department returns it with one).
    Returns its number and documents, or None when the complaint is no nonconformity. No finding: a complaint
    rightly registered is nothing wrong with the register (which stays 已受理); its receipt lists the record sent,
    ``nonconformity/<number>/01-纠正措施要求-<department>.xlsx``. NumbersExhausted propagates: the register is then
    refused whole."""
    category = complaint_category(case, ws.settings)
    if category is None:
        return None
    received = date.fromisoformat(case["received_date"])
    number = tx.next_number(NumberFormat(ws.settings.numbering.nonconformity), received.year)
    header = NcHeader(
        category=category,
        source=COMPLAINT_SOURCES[category],
        project=case["project"],
        found_on=received,
        # the vocabulary's type the complaint mentions (卫生间漏水 → 渗漏), else a generic type that never repeats
        defect=recurrence.known_defect(case.get("content")) or f"{case['category']}投诉",
        description=f"{case['number']}：{case['content']}",
        severity=SERIOUS if case.get("major") else GENERAL,
        correction="其他",
        correction_note=f"投诉{case['number']}登记时尚未处置，由责任部门处置后填写",
    )
    department = department_of(header)
    append_record(tx, header, number, submission, [], case["number"])
    track_reply(tx, ws, number, header.project, department, submission)
    values = {**header.model_dump(mode="json"), "number": number, "department": department}
    repeats: list[Finding] = []
    documents = recurrence_documents(tx, ws, number, submission, repeats)
    if findings is not None:
        findings += repeats
    return number, [
        record_form(ws, number, f"01-纠正措施要求-{department}", values),
        request_notice(ws, number, "01-纠正措施要求", values, submission.today),
        *documents,
    ]


def open_record(
    tx: Transaction, ws: Workspace, header: NcHeader, submission: Submission, origin: dict | None = None
) -> tuple[str, list[Document]]:
    """A new 《纠正措施记录》 opened by another form (the 《客户信息征询表》's 不满意 line, NC-3.2.4 A): numbered,
    recorded (``nc.recorded``, ``origin`` kept in its payload: which form and row opened it), routed as the step
    routes it, its corrective action tracked when ``header`` gives one with a due date, the pre-filled record and
    the 《纠正措施要求通知单》 sent to the department. Returns its number and documents. NumbersExhausted propagates
    (the caller refuses the whole form)."""
    number = tx.next_number(NumberFormat(ws.settings.numbering.nonconformity), header.found_on.year)
    department = department_of(header)
    append_record(tx, header, number, submission, [], None, origin)
    text = (header.action or "").strip()
    if text and header.due is not None:
        _track_form_action(tx, number, header, text, department, submission)
    else:
        track_reply(tx, ws, number, header.project, department, submission)
    values = {**header.model_dump(mode="json"), "number": number, "department": department}
    return number, [
        record_form(ws, number, f"01-纠正措施要求-{department}", values),
        request_notice(ws, number, "01-纠正措施要求", values, submission.today),
    ]


def supplier_and_recurrence(
    tx: Transaction, ws: Workspace, number: str, submission: Submission, findings: list[Finding]
) -> list[Document]:
    """What a new record means beyond itself: a supplier already struck off (flagged), a supplier it strikes off
    (NC-3.2.2 A: the 《合格供应商名录》 and a re-evaluation request written again), a repeat it completes (NC-3.2.3 C:
    a request for a special study listing the records)."""
    records = load_records(tx)
    new = next(r for r in records if r.number == number)
    documents: list[Document] = []
    cause = suppliers.struck_off(records, new.supplier, new.opened_on, number=number)
    if cause is not None:
        findings.append(warning(suppliers.flag_text(cause), clause=SUPPLIER_CLAUSE, field="supplier"))
    if suppliers.needs_reevaluation(new) and cause is None:
        findings.append(
            warning(
                f"{number}为甲供材料{new.severity}不合格：供应商“{new.supplier}”从《{suppliers.LIST_TITLE}》中除名，"
                "由工程材料部重新评审；名录和重新评审申请单已生成",
                clause=SUPPLIER_CLAUSE,
                field="supplier",
            )
        )
        folder = "/".join((ws.settings.paths.outbox, *suppliers.FOLDER))
        documents.append(
            Document(
                f"{folder}/{suppliers.LIST_TITLE}.xlsx", "supplier_documents", {"today": submission.today.isoformat()}
            )
        )
        documents.append(
            Document(
                f"{folder}/{suppliers.reevaluation_request_name(new)}",
                "supplier_reevaluation",
                {"number": number, "issued_on": submission.today.isoformat()},
            )
        )
    return documents + recurrence_documents(tx, ws, number, submission, findings)


def recurrence_documents(
    tx: Transaction, ws: Workspace, number: str, submission: Submission, findings: list[Finding]
) -> list[Document]:
    """A repeat the new record ``number`` completes (NC-3.2.3 C): a finding and the request for a special study
    listing the records (as the record is opened, from the form or from a register's complaint)."""
    settings = ws.settings.nonconformity
    documents: list[Document] = []
    record = record_of(tx, number)
    if record is None or recurrence.is_generic(recurrence.defect_type(record.defect)):
        return documents  # a generic defect never repeats
    for repeat in _repeats_with(tx, record, settings.recurrence_count, settings.recurrence_months):
        findings.append(warning(repeat.text, clause=recurrence.CLAUSE, field="defect"))
        documents.append(
            Document(
                f"{ws.settings.paths.outbox}/reports/不合格品/{recurrence.study_request_name(repeat)}",
                "recurrence_study",
                {"numbers": list(repeat.numbers), "issued_on": submission.today.isoformat()},
            )
        )
    return documents


def _repeats_with(tx: Transaction, record: NcRecord, count: int, months: int) -> list[recurrence.Recurrence]:
    """The repeats ``record`` belongs to, reading only the records found near it in its project, with its supplier
    or its contractor, rather than every record of the ledger (issue 15): a repeat is a chain of windows of
    ``months`` months among records sharing one of those, so the records read reach ``months`` beyond the earliest
    and the latest record of what was found, widened until nothing found comes that close to the edge — the same
    repeats as :func:`recurrence.recurrences_with` over every record."""
    reach = timedelta(days=31 * months + 1)
    first, last = record.opened_on - reach, record.opened_on + reach
    # A repeat's records share its project, supplier or contractor (recurrence.DIMENSIONS) with this one, as the
    # forms recorded them (two spellings of one contractor differing inside by spaces alone are not matched here).
    sharing = {attribute: value for attribute, _ in recurrence.DIMENSIONS if (value := getattr(record, attribute))}
    while True:
        records = records_found_between(tx, first, last, sharing)
        repeats = recurrence.recurrences_with(records, record.number, count, months)
        days = [member.opened_on for repeat in repeats for member in repeat.records]
        if not days or (min(days) - reach >= first and max(days) + reach <= last):
            return repeats
        first, last = min(first, min(days) - reach), max(last, max(days) + reach)


def _current_action(tx: Transaction, number: str) -> tuple[Action | None, dict]:
    """The record's latest corrective action (a reopened record: the new one) and its latest payload."""
    payloads = {
        e.payload["deadlines"][0]["key"]: e.payload for e in tx.events(kind=NC_ACTION) if e.payload["number"] == number
    }
    mine = [a for a in load_actions(tx) if a.kind == NC_ACTION and a.key in payloads]
    return (mine[-1], payloads[mine[-1].key]) if mine else (None, {})


def _earlier_round(tx: Transaction, number: str, header: NcHeader, current: Action, verified_on: date | None) -> bool:
    """Whether a form returned after an 无效 verification is a copy of the round before it (the order of events
    decides, not the dates alone): the 无效 verification itself dropped again, or a form carrying an earlier
    round's due date and completion date (the 03 form carries the new round's due date)."""
    if header.verification == INVALID and header.verified_on == verified_on:
        return True
    if header.verification is not None or header.due is None or header.due == current.due:
        return False
    keys = {e.payload["deadlines"][0]["key"] for e in tx.events(kind=NC_ACTION) if e.payload["number"] == number}
    earlier = [a for a in load_actions(tx) if a.key in keys and a.key != current.key]
    return any(a.due == header.due and header.done_on in (None, a.done_on) for a in earlier)


def track_reply(
    tx: Transaction, ws: Workspace, number: str, project: str, department: str, submission: Submission
) -> tuple[str, date]:
    """The record just sent to ``department`` as a tracked item (``nc.action`` of stage ``reply``): due back with
    its correction and corrective action within ``[nonconformity] reply_workdays`` working days of the day sent
    (NC-2.3 asks only 及时: the number of days is the workspace's choice). Done when the record comes back with a
    corrective action and its due date. Returns its key and due date."""
    days = ws.settings.nonconformity.reply_workdays
    deadline = ws.calendar.add_workdays(submission.today, days)
    key = f"action-{tx.last_seq + 1}"
    basis = f"《{FORM.title}》{number}发出，{deadline.basis}交回"
    tx.append(
        NC_ACTION,
        checked(
            NC_ACTION,
            {
                "number": number,
                "project": project,
                "text": f"{number} {REPLY_TEXT}",
                "action": REPLY_TEXT,
                "stage": REPLY_STAGE,
                "owner": department,
                "due": deadline.due.isoformat(),
                "meeting_type": f"《{FORM.title}》{number}发出",
                "meeting_date": submission.today.isoformat(),
                "file": submission.name,
                "deadlines": [
                    item_deadline(
                        key,
                        REPLY_TEXT,
                        deadline.due.isoformat(),
                        VERIFY_CLAUSE,
                        basis,
                        department,
                        deadline.provisional,
                    )
                ],
            },
        ),
        claim=submission.claim,
        sha256=submission.sha256,
    )
    return key, deadline.due


def _track_form_action(
    tx: Transaction, number: str, header: NcHeader, text: str, department: str, submission: Submission
) -> str:
    """The corrective action the record's form gives (纠正措施 with its 完成期限), tracked from its 发现日期."""
    assert header.due is not None
    return _append_action(
        tx, number, header.project, text, department, header.due, header.found_on, None, submission, f"《{FORM.title}》"
    )


def _append_action(
    tx: Transaction,
    number: str,
    project: str,
    text: str,
    owner: str,
    due: date,
    since: date,
    key: str | None,
    submission: Submission,
    basis: str,
) -> str:
    key = key or f"action-{tx.last_seq + 1}"  # the seq of the event about to be appended
    tx.append(
        NC_ACTION,
        checked(
            NC_ACTION,
            {
                "number": number,
                "project": project,
                "text": f"{number} {text}",
                "action": text,
                "owner": owner,
                "due": due.isoformat(),
                "meeting_type": f"《{FORM.title}》{number}",
                "meeting_date": since.isoformat(),
                "file": submission.name,
                "deadlines": [item_deadline(key, text, due.isoformat(), CLAUSE, basis, owner)],
            },
        ),
        claim=submission.claim,
        sha256=submission.sha256,
    )
    return key


def track_action(
    tx: Transaction,
    ws: Workspace,
    header: NcHeader,
    number: str,
    department: str,
    before: NcRecord | None,
    submission: Submission,
    findings: list[Finding],
    values: dict,
) -> list[Document]:
    """The corrective action as a tracked item; its completion; 总经室's verification (NC-2.3)."""
    documents: list[Document] = []
    text = (header.action or "").strip()
    current, payload = _current_action(tx, number)
    last_invalid = before.verified == INVALID if before is not None else False
    verifications = [e.payload for e in tx.events(kind=NC_VERIFIED) if e.payload["number"] == number]
    last_verified_on = date.fromisoformat(verifications[-1]["verified_on"]) if verifications else None
    old_form = last_invalid and current is not None and _earlier_round(tx, number, header, current, last_verified_on)
    if old_form and current is not None:
        findings.append(
            warning(
                f"本表是{number}验证无效前一轮的记录，本轮纠正措施以{chinese_date(current.due)}前的重新整改要求为准，"
                "未据本表变更",
                clause=VERIFY_CLAUSE,
                field="done_on",
            )
        )
    if text and header.due is not None and not old_form:
        if current is None or payload.get("stage") == REPLY_STAGE:
            if current is not None and current.open:  # the record is back with its corrective action
                record_done(
                    tx,
                    current,
                    max(submission.today, current.meeting_date),
                    by=department,
                    source="nc_reply",
                    claim=submission.claim,
                    sha256=submission.sha256,
                )
            _track_form_action(tx, number, header, text, department, submission)
        elif current.open and (
            payload.get("action") != text or current.due != header.due or current.owner != department
        ):
            _append_action(
                tx,
                number,
                header.project,
                text,
                department,
                header.due,
                current.meeting_date,
                current.key,
                submission,
                f"《{FORM.title}》（更正）",
            )
    current, payload = _current_action(tx, number)
    corrective = current is not None and payload.get("stage") != REPLY_STAGE
    if header.done_on is not None and corrective and current is not None and current.open and not old_form:
        # After an 无效 verification the open action is the new round's, opened on the verification day: a
        # completion dated that day or later is the new round's (the 无效 form itself is ``old_form``).
        if header.done_on >= current.meeting_date:
            record_done(
                tx,
                current,
                header.done_on,
                by=department,
                source="nc_record",
                claim=submission.claim,
                sha256=submission.sha256,
            )
            if header.verification is None:
                verify_values = {
                    **values,
                    "verification": None,
                    "verified_on": None,
                    "verifier": None,
                    "verification_note": None,
                    "new_due": None,
                }
                documents.append(
                    record_form(ws, number, f"02-效果验证请求-{COORDINATOR}-{submission.short}", verify_values)
                )
                documents.append(verification_notice(ws, number, verify_values, submission))
    if header.verification is not None and header.verified_on is not None:
        latest = verifications[-1] if verifications else None
        same = (
            latest is not None
            and latest["result"] == header.verification
            and latest["verified_on"] == header.verified_on.isoformat()
        )
        if not same:
            tx.append(
                NC_VERIFIED,
                checked(
                    NC_VERIFIED,
                    {
                        "number": number,
                        "result": header.verification,
                        "verified_on": header.verified_on.isoformat(),
                        "verifier": header.verifier,
                        "new_due": header.new_due.isoformat() if header.new_due else None,
                        "note": (header.verification_note or "").strip() or None,
                        "clause": VERIFY_CLAUSE,
                        "file": submission.name,
                    },
                ),
                claim=submission.claim,
                sha256=submission.sha256,
            )
            if header.verification == VALID:
                current, _ = _current_action(tx, number)
                if current is not None and current.open:  # its completion not reported for this round
                    record_done(
                        tx,
                        current,
                        header.verified_on,
                        by=COORDINATOR,
                        source="nc_verified",
                        claim=submission.claim,
                        sha256=submission.sha256,
                    )
                    findings.append(
                        warning(
                            f"{current.key}未填写本轮纠正措施完成日期，按验证日期{chinese_date(header.verified_on)}"
                            "登记为完成",
                            clause=VERIFY_CLAUSE,
                            field="done_on",
                        )
                    )
            elif header.new_due is not None:
                _append_action(
                    tx,
                    number,
                    header.project,
                    text or header.description,
                    department,
                    header.new_due,
                    header.verified_on,
                    None,
                    submission,
                    "效果验证无效",
                )
                reopened = {
                    **values,
                    "due": header.new_due.isoformat(),
                    "done_on": None,
                    "verification": None,
                    "verified_on": None,
                    "verifier": None,
                    "verification_note": None,
                    "new_due": None,
                }
                documents.append(record_form(ws, number, f"03-重新整改要求-{department}-{submission.short}", reopened))
                reverify = {
                    "verified_on": chinese_date(header.verified_on),
                    "verifier": (header.verifier or "").strip() or "未填写",
                    "remarks": (header.verification_note or "").strip() or "未填写",
                    "done_on": chinese_date(header.done_on) if header.done_on else "—",
                }
                documents.append(
                    request_notice(
                        ws, number, "03-重新整改要求", reopened, submission.today, f"-{submission.short}", reverify
                    )
                )
    return documents


# ============================================================ documents


def record_form(ws: Workspace, number: str, name: str, values: dict) -> Document:
    """The record pre-filled (itself an intake form: returned, it is this record)."""
    header = {key: value for key, value in values.items() if value not in (None, "") and key in NcHeader.model_fields}
    return Document(
        f"{ws.settings.paths.outbox}/nonconformity/{number}/{name}.xlsx",
        "form",
        {"form_id": FORM.form_id, "header": header, "lines": []},
    )


def _notice_values(values: dict) -> dict:
    """The record's values as the notices print them: every field a str, dates in words, blanks as a dash."""

    def text(key: str, blank: str = "—") -> str:
        value = values.get(key)
        if value in (None, ""):
            return blank
        if key in ("found_on", "due", "done_on"):
            return chinese_date(date.fromisoformat(str(value)))
        return str(value)

    header = NcHeader.model_validate({k: v for k, v in values.items() if k in NcHeader.model_fields})
    _, routed_clause, how = routing(header)
    return {
        "number": str(values["number"]),
        "department": text("department"),
        "project": text("project"),
        "contractor": text("contractor"),
        "category": text("category"),
        "category_clause": CATEGORY_CLAUSES.get(str(values.get("category")), ""),
        "routed_clause": routed_clause,
        "how": how,
        "source": text("source"),
        "found_on": text("found_on"),
        "severity": text("severity"),
        "description": text("description"),
        "correction": text("correction") + (f"：{values['correction_note']}" if values.get("correction_note") else ""),
        "root_cause": text("root_cause", "（未填写）"),
        "action": text("action", "由责任部门分析原因后制定并填写"),
        "due": text("due", "由责任部门确定后填写"),
        "done_on": text("done_on"),
        "coordinator": coordinator_of(header) or "—",
    }


def copied_to(values: dict) -> str:
    """Who gets a copy (抄送) of the 《纠正措施要求通知单》: the 协同部门 named on the record (coordinated by 总经室,
    NC-2.3) and, for construction, takeover and 乙供 material, the 监理公司 through which 业主代表 has the
    contractor correct (NC-3.2.2 B, NC-3.2.3 A/B)."""
    names = [name for name in re.split(r"[、，,；;/\s]+", str(values.get("partners") or "")) if name]
    supervised = values.get("category") in (CONSTRUCTION, TAKEOVER) or (
        values.get("category") == MATERIAL and values.get("supply") == CONTRACTOR_SUPPLIED
    )
    if supervised:
        names.append("监理公司")
    return "、".join(dict.fromkeys(name for name in names if name != values.get("department")))


def request_notice(
    ws: Workspace,
    number: str,
    name: str,
    values: dict,
    today: date,
    suffix: str = "",
    reverify: dict | None = None,
) -> Document:
    """The 《纠正措施要求通知单》 (Word) to the responsible department, beside the pre-filled record it returns
    (``<name>-<department><suffix>.xlsx``); issued by 总经室, who coordinates and verifies (NC-2.3, NC-2.4),
    copied to the 协同部门 and 监理 (:func:`copied_to`). ``reverify``: the 无效 verification a 03 重新整改要求
    answers (verified_on, verifier, remarks, done_on, words)."""
    context = _notice_values(values)
    department = context["department"]
    return_form = f"{name}-{department}{suffix}.xlsx"
    if reverify is None:
        closing = (
            f"请在随附的《纠正措施记录》（{return_form}）中填写原因分析、纠正措施和完成期限后交回 intake 文件夹；"
            "完成后填写完成日期再交回，经总经室验证有效（NC-2.3）方可关闭。"
        )
    else:
        closing = (
            f"请在随附的《纠正措施记录》（{return_form}）中填写新的原因分析和纠正措施，完成后填写完成日期交回，"
            "由总经室再次验证（NC-2.3）。"
        )
    return Document(
        f"{ws.settings.paths.outbox}/nonconformity/{number}/{name}通知单-{department}{suffix}.docx",
        "docx",
        {
            "template": "nc_request_notice.docx",
            "context": {
                **context,
                "return_form": return_form,
                "closing": closing,
                "cc": copied_to(values),
                "reverify": reverify,
                "issuer": COORDINATOR,
                "issued_on": chinese_date(today),
            },
        },
    )


def verification_notice(ws: Workspace, number: str, values: dict, submission: Submission) -> Document:
    """The 《纠正措施效果验证请求》 (Word) to 总经室 (NC-2.3), beside the pre-filled record it returns."""
    context = _notice_values(values)
    return Document(
        f"{ws.settings.paths.outbox}/nonconformity/{number}/02-效果验证请求通知-{COORDINATOR}-{submission.short}.docx",
        "docx",
        {
            "template": "nc_verification_request.docx",
            "context": {
                **context,
                "return_form": f"02-效果验证请求-{COORDINATOR}-{submission.short}.xlsx",
                "issued_on": chinese_date(submission.today),
            },
        },
    )


def accident_document(
    ws: Workspace, number: str, header: NcHeader, department: str, submission: Submission
) -> Document:
    """The 质量事故分析报告 template (NC-3.2.3 A), written by ``reports.nc_analysis`` (Word)."""
    return Document(
        f"{ws.settings.paths.outbox}/nonconformity/{number}/01-质量事故分析报告-{number}.docx",
        "nc_analysis",
        {
            "number": number,
            "project": header.project,
            "found_on": chinese_date(header.found_on),
            "contractor": header.contractor or "",
            "description": header.description,
            "correction": header.correction,
            "severity": header.severity,
            "department": department,
            "recipients": list(ACCIDENT_RECIPIENTS),
            "clause": ACCIDENT_CLAUSE,
            "issued_on": chinese_date(submission.today),
        },
    )


# Nothing for a case's dossier to word (``FACTS`` covers ``case.*`` kinds only): a record opened from a complaint
# (``open_from_complaint``) is on its case and shows in its history under its label, 纠正措施记录.
FACTS: facts.Facts = {}

STEP = FormStep(FORM, CHECKS, handle_record, FACTS, "nonconformity")
