"""The settlement 《维修工程结算书》 (CS-3.5.6 … CS-3.6): every sign-off its amount needs, a reason for an
audited amount above the final account; the revolving fund and the contractor's deposit warned of when
low (CS-3.6, CS-3.5.9). Emits 08 维修工程款付款通知 to 财务计统部 (CS-3.5.8, 3.5.9; payee the repair team,
or the contractor for a class B repair it made), for class A by the team 09 工程质量保证金扣款通知; the case
closes, with its dossier, once the callback is on record too (``closure``: whichever comes last closes it).
"""

from __future__ import annotations

from decimal import Decimal

from docgen import funds
from docgen.events import CASE_FINAL_ACCOUNT, CASE_SETTLED
from docgen.findings import Finding, has_errors, warning
from docgen.forms.amounts import to_uppercase
from docgen.forms.base import ParsedForm
from docgen.forms.repair import SETTLEMENT, SETTLEMENT_SIGNATURES, Settlement
from docgen.ledger import Event, Transaction
from docgen.procedures import repair_rules
from docgen.steps import closure, facts
from docgen.steps.base import (
    CONTRACTOR,
    Check,
    Context,
    Decision,
    Document,
    FormStep,
    Submission,
    correction_note,
    header_of,
    location,
    money,
    record,
    record_violations,
    registration,
    run_checks,
    steps_before,
)
from docgen.steps.payment import confirmation_form
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
        used -= funds.repaid(tx, ws, fund_name, excluding=settled.case_number)  # paid back by 财务计统部
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
    record_violations(tx, findings, settled.case_number, submission)
    registered = registration(tx, settled.case_number)
    folder = f"{ws.settings.paths.outbox}/{settled.case_number}"
    approvals = [
        {"role": who, "name": values[key] or ""}
        for key, who, _ in repair_rules.required_settlement_signoffs(order_class, amount)
    ]
    case = {"number": settled.case_number, "customer": registered["customer"], "address": location(registered)}
    # CS-3.5.9: 财务计统部 pays the property company for the repair team; a class B repair the contractor made
    # through 工程材料部 (CS-3.4.6) is the company's cost too, paid to the contractor (CS-3.5.8 "传递财务计统部").
    payee = f"{contractor}（施工单位，经工程材料部）" if by_contractor else "物业公司（客户服务维修队）"
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
        "payee": payee,
        "issued_on": chinese_date(submission.today),
    }
    documents: list[Document] = []
    if by_contractor and order_class == "A":
        # A warranty repair the contractor made at its own cost (settled only on ledgers from before the final
        # account was refused for it): nothing to pay, nothing to deduct (CS-3.4.6, CS-3.5.9).
        findings.append(
            warning(
                "本案由施工单位自行维修，不向物业公司拨付维修队工程款，也不从其工程质量保证金中扣款", clause="CS-3.5.9"
            )
        )
    else:
        documents.append(
            Document(
                f"{folder}/08-维修工程款付款通知.docx", "docx", {"template": "payment_notice.docx", "context": payment}
            )
        )
    if by_contractor and order_class == "B":
        findings.append(
            warning(
                f"本案为B类、由施工单位维修：维修工程款由财务计统部拨付{contractor}，不动用维修队周转金，"
                "也不从其工程质量保证金中扣款",
                clause="CS-3.5.8",
            )
        )
    if not by_contractor:
        documents.append(confirmation_form(ws, settled.case_number, settled.order_number, order_class, amount))
    if order_class == "A" and not by_contractor:
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
    # Whichever of completion, callback and settlement comes last closes the case, with its dossier.
    documents += closure.close_when_done(tx, ws, settled.case_number, submission)
    if missing := closure.still_missing(tx, settled.case_number):
        findings.append(
            warning(f"结算已记录；本案尚待{'、'.join(missing)}，完成后即办结", clause="CS-3.5.4", field="case_number")
        )
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
