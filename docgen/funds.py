"""Revolving funds (CS-3.6) and contractors' quality deposits (CS-3.5.9), derived from the ledger."""

from __future__ import annotations

from decimal import Decimal

from docgen.events import CASE_FINAL_ACCOUNT, CASE_SETTLED
from docgen.procedures import repair_rules
from docgen.wording import money
from docgen.workspace import Workspace


def balances(ws: Workspace) -> dict:
    ledger = ws.open_ledger()
    try:
        # A corrected step replaces the earlier one: the latest event of each case counts, once.
        settled = {e.case_id: e.payload for e in ledger.events(kind=CASE_SETTLED)}
        accounts = {e.case_id: e.payload for e in ledger.events(kind=CASE_FINAL_ACCOUNT)}
    finally:
        ledger.close()
    team_settled = [p for p in settled.values() if not p.get("by_contractor")]
    fund_of = ws.settings.repair.fund_by_class
    funds = []
    for name, fund in ws.settings.repair.funds.items():
        used = sum(
            (Decimal(p["audited_amount"]) for p in team_settled if fund_of.get(p.get("order_class")) == name),
            Decimal("0"),
        )
        # Pending: repairs whose final account is in but not yet settled.
        waiting = sum(
            (
                Decimal(p["total"])
                for case, p in accounts.items()
                if case not in settled and fund_of.get(p.get("order_class")) == name
            ),
            Decimal("0"),
        )
        warnings = repair_rules.fund_warning(name, fund, used, waiting)
        funds.append(
            {
                "name": name,
                "fund": money(fund),
                "settled": money(used),
                "pending": money(waiting),
                "balance": money(fund - used - waiting),
                "warning": " ".join(w.message for w in warnings),
            }
        )
    deposits = []
    for contractor, deposit in ws.settings.repair.deposits.items():
        deducted = sum(
            (
                Decimal(p["audited_amount"])
                for p in team_settled
                if p.get("order_class") == "A" and p.get("contractor") == contractor
            ),
            Decimal("0"),
        )
        warnings = repair_rules.deposit_warning(contractor, deposit, deducted, Decimal("0"))
        deposits.append(
            {
                "contractor": contractor,
                "deposit": money(deposit),
                "deducted": money(deducted),
                "remaining": money(deposit - deducted),
                "warning": " ".join(w.message for w in warnings),
            }
        )
    return {"funds": funds, "deposits": deposits}
