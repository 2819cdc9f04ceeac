"""The payment confirmation 《付款确认单》 (CS-3.5.9, CS-3.6): 财务计统部 pays the repair team's work on the
settled 《维修工程结算书》 and says so on the form the settlement emitted pre-filled (10-付款确认单.xlsx:
登记编号, 派工单编号, 收款单位, 周转金, 应付金额), filling 付款日期, 实付金额 and 经办人. Dropped back, it
records ``case.paid``: the money returns to the revolving fund that carried the repair (``docgen funds``).

A payment other than the settled amount is a recorded violation on 实付金额 (CS-3.5.9 pays by the
结算书); the difference stays owed to the fund. A second confirmation is a correction: the latest counts.
The payment neither opens nor closes the case; a closed case's dossier is written again with the payment in it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field

from docgen.events import CASE_CLOSED, CASE_FINAL_ACCOUNT, CASE_PAID, CASE_SETTLED
from docgen.findings import Finding, error, has_errors, violation, warning
from docgen.forms.base import FormDef, Meta, ParsedForm
from docgen.forms.repair import Given, Number
from docgen.ledger import Event, Transaction
from docgen.steps import facts
from docgen.steps.base import (
    Check,
    Context,
    Decision,
    Document,
    FormStep,
    Submission,
    at,
    has_event,
    header_of,
    latest_event,
    record,
    record_violations,
    run_checks,
    unknown_case,
)
from docgen.wording import money, money_in_words
from docgen.workspace import Workspace

CLAUSE = "CS-3.5.9"
# Who is paid for the repair team's work (CS-3.5.9: 向融侨物业公司拨付客户服务维修队的维修工程款).
PAYEE = "物业公司（客户服务维修队）"


class PaymentConfirmation(BaseModel):
    case_number: Number = Field(title="登记编号")
    order_number: Number = Field(title="派工单编号")
    payee: Given = Field(None, title="收款单位")
    fund: Given = Field(None, title="归还周转金")
    amount_due: Given = Field(None, title="应付金额（元）")
    paid_date: Annotated[date, Meta(kind="date", width=20, hint="财务计统部实际拨付的日期")] = Field(title="付款日期")
    paid_amount: Annotated[Decimal, Meta(kind="amount", width=20, hint="实际拨付的金额，如 40000.00")] = Field(
        title="实付金额（元）"
    )
    handler: Annotated[str, Meta(width=20, hint="财务计统部经办人姓名")] = Field(title="经办人（财务计统部）")
    remarks: Annotated[str | None, Meta(width=20, lines=2)] = Field(None, title="备注")


PAYMENT = FormDef(
    "CS-PAY",
    1,
    "付款确认单",
    "付款确认",
    CLAUSE,
    PaymentConfirmation,
    footer_note="说明：财务计统部按《维修工程结算书》拨付维修工程款后（CS-3.5.9），填写付款日期、实付金额和经办人，"
    "交回客户服务部；拨付的款项归还垫付该维修的周转金（CS-3.6）。",
)


def confirmation_form(
    ws: Workspace, case_number: str, order_number: str, order_class: str, amount: Decimal
) -> Document:
    """The 《付款确认单》 the settlement emits beside the 付款通知, pre-filled for 财务计统部."""
    return Document(
        f"{ws.settings.paths.outbox}/{case_number}/10-{PAYMENT.title}.xlsx",
        "form",
        {
            "form_id": PAYMENT.form_id,
            "header": {
                "case_number": case_number,
                "order_number": order_number,
                "payee": PAYEE,
                "fund": ws.settings.repair.fund_by_class.get(order_class) or "",
                "amount_due": money_in_words(amount),
            },
            "lines": [],
        },
    )


# ============================================================ checks


def paid_after_final_account(context: Context[PaymentConfirmation]) -> list[Finding]:
    """CS-3.5.9: the payment follows the settlement, so it cannot be dated before the final account."""
    paid, prepared = context.header.paid_date, context.facts["prepared_date"]
    if prepared is not None and paid < prepared:
        return [
            error(
                f"付款日期{paid.isoformat()}早于《维修工程决算书》的编制日期{prepared.isoformat()}；"
                f"财务计统部根据结算书付款，付款日期应不早于{prepared.isoformat()}",
                clause=CLAUSE,
                field="paid_date",
                **at(context.parsed, "paid_date"),
            )
        ]
    return []


def paid_as_settled(context: Context[PaymentConfirmation]) -> list[Finding]:
    """CS-3.5.9: 财务计统部 pays what the 结算书 settled; another amount is recorded as a violation (the
    payment is a fact), and the difference stays owed to the fund (CS-3.6)."""
    paid, settled = context.header.paid_amount, context.facts["settled_amount"]
    where = at(context.parsed, "paid_amount")
    if paid <= 0:
        return [
            error(
                f"实付金额应大于0；《维修工程结算书》审定金额为{money(settled)}元",
                clause=CLAUSE,
                field="paid_amount",
                **where,
            )
        ]
    if paid == settled:
        return []
    difference = (
        f"少付{money(settled - paid)}元，差额仍计为周转金未回款" if paid < settled else f"多付{money(paid - settled)}元"
    )
    return [
        violation(
            f"实付金额{money(paid)}元与《维修工程结算书》审定金额{money(settled)}元不符（{difference}）；"
            f"应按结算书拨付{money(settled)}元",
            clause=CLAUSE,
            field="paid_amount",
            **where,
        )
    ]


CHECKS: tuple[Check, ...] = (paid_after_final_account, paid_as_settled)


# ============================================================ handler


def _refused(parsed: ParsedForm, message: str, key: str) -> Decision:
    return Decision(findings=[error(message, clause=CLAUSE, field=key, **at(parsed, key))])


def handle_payment(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    paid = header_of(parsed, PaymentConfirmation)
    number = paid.case_number
    if not tx.case_exists(number):
        return unknown_case(parsed, number)
    settled = latest_event(tx, number, CASE_SETTLED)
    if settled is None:
        return _refused(
            parsed, f"{number} 尚未交回《维修工程结算书》，没有应付的维修工程款；请在结算后再确认付款", "case_number"
        )
    if settled.payload.get("order_number") != paid.order_number:
        return _refused(
            parsed,
            f"派工单编号“{paid.order_number}”与案件 {number} 结算的派工单 {settled.payload.get('order_number')} 不符",
            "order_number",
        )
    if settled.payload.get("by_contractor"):
        return _refused(
            parsed,
            f"{number} 由施工单位维修，维修工程款不经维修队周转金垫付，无须交回《{PAYMENT.title}》",
            "case_number",
        )
    account = latest_event(tx, number, CASE_FINAL_ACCOUNT)
    settled_amount = Decimal(settled.payload["audited_amount"])
    found = {
        "settled_amount": settled_amount,
        "prepared_date": date.fromisoformat(account.payload["prepared_date"]) if account else None,
    }
    findings = run_checks(CHECKS, Context(tx, ws, parsed, paid, submission.today, found))
    if has_errors(findings):
        return Decision(findings=findings)
    if has_event(tx, number, CASE_PAID):
        findings.append(
            warning(
                f"该案件已提交过《{PAYMENT.title}》；本次作为更正记录，以本次为准，原记录保留在历史中",
                clause=CLAUSE,
                field="case_number",
            )
        )
    order_class = settled.payload.get("order_class") or ""
    record(
        tx,
        CASE_PAID,
        {
            **paid.model_dump(mode="json"),
            "settled_amount": str(settled_amount),
            "order_class": order_class,
            "fund": ws.settings.repair.fund_by_class.get(order_class),
        },
        number,
        submission,
    )
    record_violations(tx, findings, number, submission)
    if not has_event(tx, number, CASE_CLOSED):
        return Decision(findings, [number], [])
    # A closed case's dossier, written again with the payment in it.
    dossier = Document(
        f"{ws.settings.paths.outbox}/{number}/99-案件档案-{number}.pdf",
        "dossier",
        {"case_number": number, "issued_on": submission.today.isoformat()},
    )
    return Decision(findings, [number], [dossier])


def paid_facts(event: Event) -> str:
    p = event.payload
    return facts.joined(
        [
            ("派工单号", p.get("order_number")),
            ("付款日期", facts.cn(p.get("paid_date"))),
            ("实付金额", p.get("paid_amount") and facts.yuan(p["paid_amount"])),
            ("审定金额", p.get("settled_amount") and facts.yuan(p["settled_amount"])),
            ("归还周转金", p.get("fund")),
            ("经办人", p.get("handler")),
        ]
    )


FACTS: facts.Facts = {CASE_PAID: paid_facts}


STEP = FormStep(PAYMENT, CHECKS, handle_payment, FACTS, "payment")
