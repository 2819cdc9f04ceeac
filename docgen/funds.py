"""Revolving funds (CS-3.6) and contractors' quality deposits (CS-3.5.9), derived from the ledger."""

from __future__ import annotations

from decimal import Decimal

from docgen.ledger import Ledger
from docgen.procedures import repair_rules
from docgen.workspace import Workspace


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def balances(ws: Workspace) -> dict:
    ledger = Ledger(ws.ledger_path)
    try:
        settled = ledger.events(kind="case.settled")
        settled_cases = {e.case_id for e in settled}
        # Pending: repairs whose final account is in but not yet settled.
        pending = sum((Decimal(e.payload["total"]) for e in ledger.events(kind="case.final_account")
                       if e.case_id not in settled_cases), Decimal("0"))
    finally:
        ledger.close()
    settled_total = sum((Decimal(e.payload["audited_amount"]) for e in settled), Decimal("0"))
    funds = []
    for name, fund in ws.settings.repair.funds.items():
        used = settled_total if name == "客户服务维修队" else Decimal("0")
        waiting = pending if name == "客户服务维修队" else Decimal("0")
        warnings = repair_rules.fund_warning(name, fund, used, waiting)
        funds.append({"name": name, "fund": _money(fund), "settled": _money(used), "pending": _money(waiting),
                      "balance": _money(fund - used - waiting), "warning": " ".join(w.message for w in warnings)})
    deposits = []
    for contractor, deposit in ws.settings.repair.deposits.items():
        deducted = sum((Decimal(e.payload["audited_amount"]) for e in settled
                        if e.payload.get("order_class") == "A" and e.payload.get("contractor") == contractor),
                       Decimal("0"))
        warnings = repair_rules.deposit_warning(contractor, deposit, deducted, Decimal("0"))
        deposits.append({"contractor": contractor, "deposit": _money(deposit), "deducted": _money(deducted),
                         "remaining": _money(deposit - deducted), "warning": " ".join(w.message for w in warnings)})
    return {"funds": funds, "deposits": deposits}
