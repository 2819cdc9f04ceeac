"""The settlement 《维修工程结算书》 (CS-3.5.6 … CS-3.6): every sign-off its amount needs, a reason for an
audited amount above the final account; the revolving fund and the contractor's deposit warned of when
low (CS-3.6, CS-3.5.9). Emits 08 维修工程款付款通知 (CS-3.5.9), for class A 09 工程质量保证金扣款通知,
and the dossier; the case closes.
"""

from __future__ import annotations

from decimal import Decimal

from docgen.events import CASE_CLOSED, CASE_FINAL_ACCOUNT, CASE_SETTLED
from docgen.findings import Finding, has_errors, warning
from docgen.forms.amounts import to_uppercase
from docgen.forms.base import ParsedForm
from docgen.forms.repair import SETTLEMENT, SETTLEMENT_SIGNATURES, Settlement
from docgen.ledger import Event, Transaction
from docgen.procedures import repair_rules
from docgen.steps import facts
from docgen.steps.base import (
    CONTRACTOR,
    Check,
    Context,
    Decision,
    Document,
    FormStep,
    Submission,
    correction_note,
    has_event,
    header_of,
    location,
    money,
    record,
    record_violations,
    registration,
    run_checks,
    steps_before,
)
from docgen.wording import chinese_date
from docgen.workspace import Workspace


def approvals(context: Context[Settlement]) -> list[Finding]:
    """CS-3.5.6 … 3.5.8, 3.6.1: the sign-offs the amount needs; a reason when audited above the final account."""
    settled = context.header
    values = {key: getattr(settled, key) for key in SETTLEMENT_SIGNATURES}
    return repair_rules.check_settlement(
        context.facts["order_class"],
        settled.audited_amount,
        context.facts["account_total"],
        settled.over_reason,
        values,
        context.sources,
        exactly_20000_to=context.ws.settings.repair.exactly_20000_audited_by,
    )


CHECKS: tuple[Check, ...] = (approvals,)


def latest_per_case(events) -> dict[str, dict]:
    """The payload of each case's latest event: a corrected step replaces, it never adds up twice."""
    latest: dict[str, dict] = {}
    for case_id, payload in events:
        latest[case_id] = payload
    return latest


def settled_elsewhere(tx: Transaction, excluding: str) -> dict[str, dict]:
    settled = latest_per_case((e.case_id, e.payload) for e in tx.events(kind=CASE_SETTLED))
    settled.pop(excluding, None)
    return settled


def handle_settlement(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    settled = header_of(parsed, Settlement)
    order, account, refused = steps_before(
        tx,
        parsed,
        settled.case_number,
        settled.order_number,
        (CASE_FINAL_ACCOUNT, "尚未交回《维修工程决算书》，不能先交结算书"),
    )
    if refused:
        return refused
    assert order is not None and account is not None  # steps_before gives both, or a refusal
    order_class = order.payload["order_class"]
    values = {key: getattr(settled, key) for key in SETTLEMENT_SIGNATURES}
    facts = {"order_class": order_class, "account_total": Decimal(account.payload["total"])}
    findings = run_checks(CHECKS, Context(tx, ws, parsed, settled, submission.today, facts))
    if has_errors(findings):
        return Decision(findings=findings)
    findings += correction_note(tx, settled.case_number, CASE_SETTLED, SETTLEMENT.title)
    amount = settled.audited_amount
    # CS-3.5.6 routes the audit by the amount submitted for audit: the final account's total.
    route = repair_rules.audit_route(Decimal(account.payload["total"]), ws.settings.repair.exactly_20000_audited_by)
    contractor = order.payload.get("contractor") or "（勘察表未填写施工单位名称）"
    by_contractor = order.payload.get("repairer") == CONTRACTOR
    others = settled_elsewhere(tx, excluding=settled.case_number)
    # CS-3.6: a revolving fund carries the repair until 财务计统部 pays it back.
    fund_name = ws.settings.repair.fund_by_class.get(order_class)
    fund = ws.settings.repair.funds.get(fund_name) if fund_name else None
    if fund_name and fund is not None and not by_contractor:
        used = sum(
            (
                Decimal(p["audited_amount"])
                for p in others.values()
                if not p.get("by_contractor")
                and ws.settings.repair.fund_by_class.get(p.get("order_class", "")) == fund_name
            ),
            Decimal("0"),
        )
        findings += repair_rules.fund_warning(fund_name, fund, used, amount)
    deducted_before, deposit_findings = Decimal("0"), []
    if order_class == "A" and not by_contractor:
        deducted_before = sum(
            (
                Decimal(p["audited_amount"])
                for p in others.values()
                if p.get("order_class") == "A" and p.get("contractor") == contractor and not p.get("by_contractor")
            ),
            Decimal("0"),
        )
        deposit = ws.settings.repair.deposits.get(contractor)
        deposit_findings = (
            [] if deposit is None else repair_rules.deposit_warning(contractor, deposit, deducted_before, amount)
        )
        findings += deposit_findings
    record(
        tx,
        CASE_SETTLED,
        {
            **settled.model_dump(mode="json"),
            "order_class": order_class,
            "contractor": contractor,
            "audit_route": route,
            "by_contractor": by_contractor,
        },
        settled.case_number,
        submission,
    )
    if not has_event(tx, settled.case_number, CASE_CLOSED):
        record(tx, CASE_CLOSED, {"reason": "结算完成（CS-3.5.9）"}, settled.case_number, submission)
    record_violations(tx, findings, settled.case_number, submission)
    registered = registration(tx, settled.case_number)
    folder = f"{ws.settings.paths.outbox}/{settled.case_number}"
    approvals = [
        {"role": who, "name": values[key] or ""}
        for key, who, _ in repair_rules.required_settlement_signoffs(order_class, amount)
    ]
    case = {"number": settled.case_number, "customer": registered["customer"], "address": location(registered)}
    payment = {
        "case": case,
        "order": {"number": settled.order_number, "order_class": order_class},
        "settlement": {
            "audited_amount": money(amount),
            "audited_uppercase": to_uppercase(amount),
            "audit_route": route,
            "auditor": settled.auditor or "",
            "approvals": approvals,
        },
        "payee": "物业公司（客户服务维修队）",
        "issued_on": chinese_date(submission.today),
    }
    dossier = Document(
        f"{folder}/99-案件档案-{settled.case_number}.pdf",
        "dossier",
        {"case_number": settled.case_number, "issued_on": submission.today.isoformat()},
    )
    if by_contractor:
        # The contractor repaired under its own warranty: nothing to pay the repair team, nothing to
        # deduct from the contractor's deposit (CS-3.4.6, CS-3.5.9).
        findings.append(
            warning(
                "本案由施工单位自行维修，不向物业公司拨付维修队工程款，也不从其工程质量保证金中扣款", clause="CS-3.5.9"
            )
        )
        return Decision(findings, [settled.case_number], [dossier])
    documents = [
        Document(
            f"{folder}/08-维修工程款付款通知.docx", "docx", {"template": "payment_notice.docx", "context": payment}
        )
    ]
    if order_class == "A":
        deposit = ws.settings.repair.deposits.get(contractor)
        after = deducted_before + amount
        warnings = " ".join(f.message for f in deposit_findings)
        deduction = {
            "case": {"number": settled.case_number, "address": location(registered)},
            "order": {"number": settled.order_number},
            "contractor": contractor,
            "amount": money(amount),
            "amount_uppercase": to_uppercase(amount),
            "deposit": {
                "recorded": money(deposit) if deposit is not None else "未登记",
                "deducted_before": money(deducted_before),
                "deducted_after": money(after),
                "remaining": money(deposit - after) if deposit is not None else "—",
            },
            "warning": warnings,
            "issued_on": chinese_date(submission.today),
        }
        documents.append(
            Document(
                f"{folder}/09-工程质量保证金扣款通知.docx",
                "docx",
                {"template": "deposit_deduction_notice.docx", "context": deduction},
            )
        )
    documents.append(dossier)
    return Decision(findings, [settled.case_number], documents)


def settled_facts(event: Event) -> str:
    p = event.payload
    return facts.joined(
        [
            ("派工单号", p.get("order_number")),
            ("决算金额", facts.with_yuan(p.get("final_total"))),
            ("审定金额", p.get("audited_amount") and facts.yuan(p["audited_amount"])),
            ("审核部门", p.get("audit_route")),
            ("高于决算的原因", p.get("over_reason")),
            ("签字", facts.signatures(p, SETTLEMENT, SETTLEMENT_SIGNATURES)),
        ]
    )


FACTS: facts.Facts = {CASE_SETTLED: settled_facts}


STEP = FormStep(SETTLEMENT, CHECKS, handle_settlement, FACTS, "settlement")
