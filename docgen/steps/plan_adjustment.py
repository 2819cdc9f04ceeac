"""The 《计划调整方案》 (PL-3.4.2): 企业发展中心 proposes a change of a unit's indicator from a quarter on; the plan
committee's special meeting discusses it (计划专题会议纪要, PL-5.1); the decision-makers approve it. On no case,
numbered by docgen (``[plan] adjustment_number``, JHTZ-2026-001) when its 编号 is blank.

- Dropped without the approval block: recorded ``plan.adjustment`` 待审批; the proposal goes back numbered, with the
  current targets, for the approval (the same form, returned), and the 计划专题会议纪要 draft is written, pre-filled
  with the proposal (Word, ``plan_minutes.docx``).
- Returned with 审批人, 审批日期 and 审批结果: 批准 records 已批准, and the targets change from the 生效季度 on
  (earlier quarters never change; the history is kept: ``plans.load_plan_year`` applies approved adjustments in the
  order approved over the latest targets); the unit's next report is emitted again with the new targets. 不批准
  records 未批准 and changes nothing.

Errors: no targets for the year, an unknown unit or indicator, one the unit does not own, a quarter from the effective
one on left blank, a quarter before it changed, an approval block filled in part, an approval dated before the
proposal, a number docgen never issued.
"""

from __future__ import annotations

from decimal import Decimal

from docgen import plans
from docgen.events import PLAN_ADJUSTMENT
from docgen.findings import Finding, has_errors, violation, warning
from docgen.forms.base import ParsedForm
from docgen.forms.plan import ADJUSTMENT, APPROVE, QUARTER_CHOICES, QUARTER_NUMBERS, AdjustmentHeader
from docgen.ledger import NumberFormat, NumbersExhausted, Transaction
from docgen.payloads import checked
from docgen.plan_catalogue import Indicator
from docgen.plans import APPROVED, PENDING, REFUSED, PlanYear, load_plan_year, plain
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
    numbers_exhausted,
    run_checks,
)
from docgen.steps.plan_report import first_open_period, plan_folder, report_document
from docgen.wording import chinese_date
from docgen.workspace import Workspace

CLAUSE = plans.WARNING_CLAUSE  # PL-3.4.2
MINUTES_CLAUSE = "PL-5.1"
MINUTES_TEMPLATE = "plan_minutes.docx"
NEW_KEYS = ("new_q1", "new_q2", "new_q3", "new_q4")


def _effective(header: AdjustmentHeader) -> int:
    return QUARTER_NUMBERS[header.effective_quarter]


def _targets_text(quarters: dict[int, Decimal], measure: str) -> str:
    return "；".join(f"{QUARTER_CHOICES[q - 1]} {plain(v)}" for q, v in sorted(quarters.items())) + f"（{measure}）"


def adjustment_known(context: Context[AdjustmentHeader]) -> list[Finding]:
    """The year has targets; the unit and indicator are known, the unit owns it; a typed number was issued."""
    header, plan = context.header, context.ws.settings.plan
    plan_year: PlanYear | None = context.facts["plan_year"]
    number = (header.number or "").strip()
    if number and (plan_year is None or plan_year.adjustment(number) is None):
        message = f"编号“{number}”不是 docgen 编发的计划调整方案编号；新方案请留空，由 docgen 编号"
        return [field_error(context.parsed, "number", message, CLAUSE)]
    if plan_year is None:
        message = f"{header.year}年度的计划指标尚未下达，无从调整；请核对年度"
        return [field_error(context.parsed, "year", message, CLAUSE)]
    unit = header.unit.strip()
    if unit not in plan_year.units:
        message = f"{header.year}年度的计划指标没有分解给“{unit}”；应为：{'、'.join(plan_year.units)}"
        return [field_error(context.parsed, "unit", message, CLAUSE)]
    indicator: Indicator | None = context.facts["indicator"]
    owned = plan_year.indicators_of(unit)
    names = "、".join(plan.indicator(code).name for code in owned)
    if indicator is None:
        message = f"指标“{header.indicator}”不在计划指标目录中；{unit}的指标为：{names}"
        return [field_error(context.parsed, "indicator", message, CLAUSE)]
    if indicator.code not in owned:
        clause = context.ws.settings.plan.unit_clause(unit)
        message = f"“{indicator.name}”不是{unit}的计划指标（{clause}）；{unit}的指标为：{names}"
        return [field_error(context.parsed, "indicator", message, clause)]
    return []


def targets_given(context: Context[AdjustmentHeader]) -> list[Finding]:
    """From the effective quarter on every quarter has its new target; earlier quarters do not change."""
    header = context.header
    plan_year: PlanYear | None = context.facts["plan_year"]
    indicator: Indicator | None = context.facts["indicator"]
    if plan_year is None or indicator is None or (header.unit.strip(), indicator.code) not in plan_year.targets:
        return []
    current = plan_year.targets[(header.unit.strip(), indicator.code)]
    effective = _effective(header)
    findings: list[Finding] = []
    for quarter, key in zip(plans.QUARTERS, NEW_KEYS):
        value = getattr(header, key)
        words = QUARTER_CHOICES[quarter - 1]
        if quarter >= effective and value is None:
            message = f"生效季度为{header.effective_quarter}，须填写调整后{words}目标（不变的也照填）"
            findings.append(field_error(context.parsed, key, message, CLAUSE))
        elif quarter < effective and value is not None:
            # a value there would be dropped without a word (issue 14 D12): the clerk meant it or mistyped the quarter
            message = (
                f"{words}在生效季度{header.effective_quarter}之前，本方案不调整该季度（目标仍为"
                f"{plain(current[quarter])}），填写的{plain(value)}不会生效；请留空，或将生效季度改为{words}"
            )
            findings.append(field_error(context.parsed, key, message, CLAUSE))
    return findings


def approval_complete(context: Context[AdjustmentHeader]) -> list[Finding]:
    """决策层审批: 审批人, 审批日期 and 审批结果 together, not before the proposal."""
    header = context.header
    block = {
        "approver": (header.approver or "").strip() or None,
        "approved_on": header.approved_on,
        "decision": header.decision,
    }
    given = [key for key, value in block.items() if value is not None]
    if given and len(given) < 3:
        missing = next(key for key, value in block.items() if value is None)
        message = "决策层审批须同时填写审批人、审批日期和审批结果（批准/不批准）"
        return [field_error(context.parsed, missing, message, CLAUSE)]
    if header.approved_on is not None and header.approved_on < header.proposed_on:
        message = f"审批日期{chinese_date(header.approved_on)}早于提出日期{chinese_date(header.proposed_on)}；请核对"
        return [field_error(context.parsed, "approved_on", message, CLAUSE)]
    return []


def reported_quarters(context: Context[AdjustmentHeader]) -> list[Finding]:
    """A change of a quarter already reported: the report stays measured against the plan it had."""
    plan_year: PlanYear | None = context.facts["plan_year"]
    if plan_year is None:
        return []
    unit = context.header.unit.strip()
    effective = _effective(context.header)
    done = [f"Q{q}" for q in plans.QUARTERS if q >= effective and (unit, f"Q{q}") in plan_year.reports]
    if not done:
        return []
    return [
        warning(
            f"{unit}已报送{'、'.join(plans.period_label(p) for p in done)}的计划执行报告；已报送的报告仍按当时的计划计算偏差",
            clause=CLAUSE,
            field="effective_quarter",
        )
    ]


CHECKS: tuple[Check, ...] = (adjustment_known, targets_given, approval_complete, reported_quarters)


def handle_adjustment(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    header = header_of(parsed, AdjustmentHeader)
    plan = ws.settings.plan
    plan_year = load_plan_year(tx, ws.settings, header.year)
    indicator = plan.find_indicator(header.indicator)
    context = Context(tx, ws, parsed, header, submission.today, {"plan_year": plan_year, "indicator": indicator})
    findings = run_checks(CHECKS, context)
    if has_errors(findings) or plan_year is None or indicator is None:
        return Decision(findings=findings)
    unit = header.unit.strip()
    number = (header.number or "").strip()
    before = plan_year.adjustment(number) if number else None
    if not number:
        try:
            number = tx.next_number(NumberFormat(plan.adjustment_number), header.year)
        except NumbersExhausted as exhausted:
            return Decision(findings=[numbers_exhausted(exhausted, ws, "计划调整方案编号")])
    effective = _effective(header)
    current = dict(plan_year.targets[(unit, indicator.code)])
    if before is not None and before.status == APPROVED:
        findings.append(
            warning(
                f"{number}已于{chinese_date(before.approved_on or submission.today)}批准；本次作为更正记录，原记录保留在历史中",
                clause=CLAUSE,
                field="number",
            )
        )
        current = dict(before.old_targets)
    new = {q: getattr(header, key) for q, key in zip(plans.QUARTERS, NEW_KEYS) if q >= effective}
    status = PENDING if header.decision is None else APPROVED if header.decision == APPROVE else REFUSED
    tx.append(
        PLAN_ADJUSTMENT,
        checked(
            PLAN_ADJUSTMENT,
            {
                "number": number,
                "year": header.year,
                "unit": unit,
                "indicator": indicator.code,
                "effective_quarter": effective,
                "old_targets": {str(q): plain(v) for q, v in current.items()},
                "new_targets": {str(q): plain(v) for q, v in new.items()},
                "reason": header.reason.strip(),
                "proposer": header.proposer,
                "proposed_on": header.proposed_on.isoformat(),
                "status": status,
                "approver": header.approver,
                "approved_on": header.approved_on.isoformat() if header.approved_on else None,
                "file": submission.name,
            },
        ),
        claim=submission.claim,
        sha256=submission.sha256,
    )
    folder = plan_folder(ws, header.year, "调整", number)
    documents: list[Document] = []
    values = {
        **header.model_dump(mode="json"),
        "number": number,
        "unit": unit,
        "current": _targets_text(current, indicator.unit),
    }
    if status == PENDING:
        approval_copy = {**values, "approver": None, "approved_on": None, "decision": None}
        approval_copy.update({key: None for q, key in zip(plans.QUARTERS, NEW_KEYS) if q < effective})
        documents.append(_form(folder, f"计划调整方案-{number}-待审批", approval_copy))
        documents.append(minutes_document(ws, folder, number, header, indicator, current, new))
        findings.append(
            warning(
                f"计划调整方案已登记为{number}（待审批）：请组织计划委员会专题会议协商讨论（纪要草稿已生成，PL-5.1），"
                "经决策层审批后填写审批栏交回",
                clause=CLAUSE,
                field="number",
            )
        )
        return Decision(findings=findings, documents=documents)
    if before is None:
        findings.append(
            violation(
                f"{number}未经登记待审批即直接报审批，没有计划委员会专题会议协商讨论的记录（PL-3.4.2、PL-5.1）",
                clause=CLAUSE,
                field="number",
            )
        )
    if status == REFUSED:
        findings.append(warning(f"{number}经决策层审批不批准，计划指标不变", clause=CLAUSE, field="decision"))
        return Decision(findings=findings, documents=documents)
    after = load_plan_year(tx, ws.settings, header.year)
    assert after is not None
    period = first_open_period(after, unit)
    findings.append(
        warning(
            f"{number}已批准：{unit}“{indicator.name}”自{header.effective_quarter}起调整为"
            f"{_targets_text(new, indicator.unit)}，之前的季度不变；已向{unit}重新发出"
            f"{plans.period_label(period)}计划执行报告（按调整后的目标）",
            clause=CLAUSE,
            field="decision",
        )
    )
    documents.append(
        report_document(ws, after, unit, period, f"计划执行报告-{header.year}-{period}-{unit}-调整后-{number}")
    )
    return Decision(findings=findings, documents=documents)


def _form(folder: str, name: str, values: dict) -> Document:
    header = {key: value for key, value in values.items() if value not in (None, "")}
    return Document(f"{folder}/{name}.xlsx", "form", {"form_id": ADJUSTMENT.form_id, "header": header, "lines": []})


def minutes_document(
    ws: Workspace,
    folder: str,
    number: str,
    header: AdjustmentHeader,
    indicator: Indicator,
    current: dict[int, Decimal],
    new: dict[int, Decimal],
) -> Document:
    """The 计划专题会议纪要 draft (PL-5.1) for the plan committee's special meeting on the proposal (PL-3.4.2)."""
    plan = ws.settings.plan
    unit = header.unit.strip()
    rows = [
        {
            "quarter": QUARTER_CHOICES[q - 1],
            "old": plain(current[q]),
            "new": plain(new[q]) if q in new else "不变",
            "change": _change(current[q], new.get(q)),
        }
        for q in plans.QUARTERS
    ]
    context = {
        "title": "集团计划委员会计划专题会议纪要",
        "meeting_type": "计划委员会专题会议",
        "clause": f"{CLAUSE}、{MINUTES_CLAUSE}",
        "issued_on": chinese_date(header.proposed_on),
        "meeting_date": "",
        "chair": "",
        "recorder": "",
        "attendees": f"计划委员会成员；{plan.coordinator}；{unit}",
        "subject": f"{number} {unit}“{indicator.name}”计划调整方案",
        "scope": f"依据《计划管理程序》第3.4.2条：{plan.coordinator}提出计划调整方案，组织召开计划委员会专题会议"
        "就调整方案进行协商讨论，经公司决策层审批后由各部门和各分支机构执行。",
        "targets": rows,
        "measure": indicator.unit,
        "agenda": [
            {
                "title": f"{number}：{unit}“{indicator.name}”自{header.effective_quarter}起调整",
                "detail": f"提出人：{header.proposer or plan.coordinator}；提出日期：{chinese_date(header.proposed_on)}\n"
                f"调整原因：{header.reason.strip()}",
            },
        ],
    }
    return Document(
        f"{folder}/计划专题会议纪要-{number}.docx", "docx", {"template": MINUTES_TEMPLATE, "context": context}
    )


def _change(old: Decimal, new: Decimal | None) -> str:
    if new is None:
        return "—"
    diff = new - old
    return f"{'+' if diff > 0 else ''}{plain(diff)}"


FACTS: facts.Facts = {}

STEP = FormStep(ADJUSTMENT, CHECKS, handle_adjustment, FACTS, "plan_adjustment")
