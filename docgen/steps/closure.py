"""When a repair case closes: once every step it needs is on record, whatever the order they came in
(issue 10). A repair the company pays needs its completion (CS-3.5.3), the callback (CS-3.5.4) and the
settlement (CS-3.5.9); a warranty repair the contractor makes itself at its own cost needs no settlement
(CS-3.4.6). Whichever of these steps arrives last records ``case.closed`` and emits the dossier.

A helper of the steps, not a step: it reads the case's history and returns what to write.
"""

from __future__ import annotations

from datetime import date

from docgen.events import CASE_CALLED_BACK, CASE_CLOSED, CASE_COMPLETED, CASE_SETTLED, CASE_WORK_ORDERED
from docgen.ledger import Transaction
from docgen.procedures import repair_rules
from docgen.steps.base import CONTRACTOR, Document, Submission, has_event, latest_event, record
from docgen.workspace import Workspace


def settlement_needed(tx: Transaction, number: str) -> bool:
    """Whether the case's work order is settled (CS-3.5.5 … 3.5.9): not a class A repair the contractor makes
    itself under its warranty (CS-3.4.6)."""
    order = latest_event(tx, number, CASE_WORK_ORDERED)
    if order is None:
        return False
    return repair_rules.settlement_needed(order.payload["order_class"], order.payload.get("repairer") == CONTRACTOR)


def still_missing(tx: Transaction, number: str) -> list[str]:
    """The steps the repair still needs before it closes, as the clerk names them (empty: it may close)."""
    needed = [(CASE_COMPLETED, "完工验收（CS-3.5.3）"), (CASE_CALLED_BACK, "回访（CS-3.5.4）")]
    if settlement_needed(tx, number):
        needed.append((CASE_SETTLED, "结算（CS-3.5.9）"))
    return [step for kind, step in needed if not has_event(tx, number, kind)]


def dossier(ws: Workspace, number: str, today: date) -> Document:
    """The case dossier (案件档案, PDF/A-3b with its source forms), written when a case closes."""
    return Document(
        f"{ws.settings.paths.outbox}/{number}/99-案件档案-{number}.pdf",
        "dossier",
        {"case_number": number, "issued_on": today.isoformat()},
    )


def close(tx: Transaction, ws: Workspace, number: str, submission: Submission, reason: str) -> list[Document]:
    """Record the closure of ``number`` (once) and return its dossier."""
    if has_event(tx, number, CASE_CLOSED):
        return []
    record(tx, CASE_CLOSED, {"reason": reason}, number, submission)
    return [dossier(ws, number, submission.today)]


def close_when_done(tx: Transaction, ws: Workspace, number: str, submission: Submission) -> list[Document]:
    """Close a repair case when the step just recorded was the last one it needed; else nothing."""
    if has_event(tx, number, CASE_CLOSED) or latest_event(tx, number, CASE_WORK_ORDERED) is None:
        return []
    if still_missing(tx, number):
        return []
    if settlement_needed(tx, number):
        reason = "完工验收、回访、结算均已完成（CS-3.5.3、CS-3.5.4、CS-3.5.9）"
    else:
        reason = "施工单位保修期内自行维修，完工验收、回访均已完成（CS-3.4.6、CS-3.5.4）"
    return close(tx, ws, number, submission, reason)
