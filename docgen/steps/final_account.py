"""The final account 《维修工程决算书》 (CS-3.5.5): each line = 数量 × 单价, 合计 = the sum, 大写 = 合计.
Emits 07 《维修工程结算书》 naming the audit route (CS-3.5.6) and the sign-offs its amount needs
(CS-3.5.7, 3.5.8, 3.6.1).
"""

from __future__ import annotations

from docgen.events import CASE_COMPLETED, CASE_FINAL_ACCOUNT
from docgen.findings import Finding, has_errors
from docgen.forms.base import ParsedForm
from docgen.forms.repair import FINAL_ACCOUNT, SETTLEMENT, FinalAccountHeader
from docgen.ledger import Event, Transaction
from docgen.procedures import repair_rules
from docgen.steps import closure, facts
from docgen.steps.base import (
    Check,
    Context,
    Decision,
    Document,
    FormStep,
    Submission,
    correction_note,
    header_of,
    out_of_order,
    record,
    run_checks,
    steps_before,
)
from docgen.wording import money_in_words
from docgen.workspace import Workspace


def sums(context: Context[FinalAccountHeader]) -> list[Finding]:
    """CS-3.5.5: the arithmetic of the lines, the 合计 and its 大写."""
    account, parsed = context.header, context.parsed
    lines = [line.model_dump() for line in parsed.lines]
    return repair_rules.check_final_account(
        lines, account.total, account.total_uppercase, parsed.line_sources, parsed.header_sources
    )


CHECKS: tuple[Check, ...] = (sums,)


def handle_final_account(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    account = header_of(parsed, FinalAccountHeader)
    order, _, refused = steps_before(
        tx,
        parsed,
        account.case_number,
        account.order_number,
        (CASE_COMPLETED, "尚未完工（《工程派工单》未交回），不能先交决算书"),
    )
    if refused:
        return refused
    assert order is not None  # steps_before gives the work order, or a refusal
    if not closure.settlement_needed(tx, account.case_number):
        return out_of_order(
            parsed,
            f"{account.case_number} 由施工单位在保修期内自行维修，费用由施工单位承担（CS-3.4.6），"
            "无须编制《维修工程决算书》和结算；完工验收并回访后即办结",
        )
    findings = run_checks(CHECKS, Context(tx, ws, parsed, account, submission.today))
    if has_errors(findings):
        return Decision(findings=findings)
    findings += correction_note(tx, account.case_number, CASE_FINAL_ACCOUNT, FINAL_ACCOUNT.title)
    record(
        tx,
        CASE_FINAL_ACCOUNT,
        {
            **account.model_dump(mode="json"),
            "lines": [parsed_line.model_dump(mode="json") for parsed_line in parsed.lines],
        },
        account.case_number,
        submission,
    )
    order_class = order.payload["order_class"]
    route = repair_rules.audit_route(account.total, ws.settings.repair.exactly_20000_audited_by)
    signoffs = repair_rules.required_settlement_signoffs(order_class, account.total)
    header = {
        "case_number": account.case_number,
        "order_number": account.order_number,
        "order_class": order_class,
        "final_total": money_in_words(account.total),
        "audit_route": f"{route}（CS-3.5.6）",
        "required_signoffs": "；".join(f"{who}（{clause}）" for _, who, clause in signoffs)
        + "。以上按决算金额列出；审定金额跨入另一审批档次的，按审定金额的权限签字（CS-3.6.1）",
    }
    document = Document(
        f"{ws.settings.paths.outbox}/{account.case_number}/07-{SETTLEMENT.title}.xlsx",
        "form",
        {"form_id": SETTLEMENT.form_id, "header": header, "lines": []},
    )
    return Decision(findings, [account.case_number], [document])


def final_account_facts(event: Event) -> str:
    p = event.payload
    lines = "；".join(f"{line.get('item')} {facts.yuan(line.get('amount'))}" for line in p.get("lines") or [])
    total = p.get("total") and facts.yuan(p["total"])
    if total and p.get("total_uppercase"):
        total += f"（{p['total_uppercase']}）"
    return facts.joined(
        [
            ("编制日期", facts.cn(p.get("prepared_date"))),
            ("编制人", p.get("team_leader")),
            ("合计", total),
            ("明细", lines),
        ]
    )


FACTS: facts.Facts = {CASE_FINAL_ACCOUNT: final_account_facts}


STEP = FormStep(FINAL_ACCOUNT, CHECKS, handle_final_account, FACTS, "final-account")
