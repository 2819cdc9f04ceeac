"""Nonconformity records (《不合格品控制程序》, 《纠正措施记录》 NC-5.1), derived from the ledger's events every time
they are asked for (never stored twice), as docgen.cases does for complaint cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from docgen.events import NC_ACTION, NC_RECORDED, NC_VERIFIED
from docgen.ledger import Event, EventReads, Ledger

NC_KINDS = (NC_RECORDED, NC_ACTION, NC_VERIFIED)

VALID, INVALID = "有效", "无效"


@dataclass(frozen=True)
class NcRecord:
    """One 《纠正措施记录》 as its events tell it: the latest record of a number wins field by field, a
    verification 有效 closes it, 无效 reopens it with a new due date."""

    number: str  # BHG-2026-0001
    category: str  # NC-3.1.x's words (设计不合格, 甲供材料不合格 …)
    source: str  # 设计评审/材料验收/施工检查/验收阶段/物业接管/销售投诉/售后投诉/管理评审/内部审核/外部审核
    project: str
    supplier: str | None  # the material's supplier (materials only)
    supply: str | None  # 甲供/乙供 (materials only)
    contractor: str | None  # 施工单位 (construction, 乙供 materials)
    defect: str  # short type of the defect (裂缝, 渗漏 …) — what recurrence compares
    severity: str  # 一般/严重/重大质量事故
    department: str  # 责任部门
    opened_on: date
    due: date | None  # the corrective action's due date (the current one after an 无效 verification)
    closed_on: date | None  # the day an 有效 verification closed it
    verified: str | None  # 有效/无效/None (the latest verification)
    events: tuple[Event, ...] = field(default=(), compare=False)

    @property
    def open(self) -> bool:
        return self.closed_on is None


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def build(number: str, events: list[Event]) -> NcRecord | None:
    """The record ``number`` from its events (in ledger order), or None before any ``nc.recorded``."""
    recorded = [e for e in events if e.kind == NC_RECORDED]
    if not recorded:
        return None
    latest, first = recorded[-1].payload, recorded[0].payload
    actions = [e for e in events if e.kind == NC_ACTION]
    verifications = [e for e in events if e.kind == NC_VERIFIED]
    verification = verifications[-1].payload if verifications else None
    verified = verification["result"] if verification else None
    due = _day(actions[-1].payload["due"]) if actions else _day(latest.get("due"))
    return NcRecord(
        number=number,
        category=latest["category"],
        source=latest["source"],
        project=latest["project"],
        supplier=latest.get("supplier") or None,
        supply=latest.get("supply") or None,
        contractor=latest.get("contractor") or None,
        defect=latest["defect"],
        severity=latest["severity"],
        department=latest["department"],
        opened_on=date.fromisoformat(first["found_on"]),
        due=due,
        closed_on=_day(verification["verified_on"]) if verification and verified == VALID else None,
        verified=verified,
        events=tuple(events),
    )


def load_records(source: EventReads) -> list[NcRecord]:
    """Every record as the ledger (or an open transaction) holds them, in number order."""
    grouped: dict[str, list[Event]] = {}
    for event in source.events(kinds=NC_KINDS):
        grouped.setdefault(event.payload["number"], []).append(event)
    records = (build(number, events) for number, events in grouped.items())
    return sorted((r for r in records if r is not None), key=lambda r: r.number)


def all_records(ledger: Ledger) -> list[NcRecord]:
    """Every nonconformity record in the ledger, in number order."""
    return load_records(ledger)


def record_of(source: EventReads, number: str) -> NcRecord | None:
    """The record ``number``, read from its own events only."""
    return build(number, source.events_matching(NC_KINDS, "number", equal_to=(number,)))


def records_found_between(
    source: EventReads, first: date, last: date, sharing: dict[str, str] | None = None
) -> list[NcRecord]:
    """The records found (``found_on``) in ``[first, last]``, in number order — with ``sharing``, only those
    recorded with one of its values (``{"project": …, "contractor": …}``): the only ones a repeat of a record found in
    that window can involve (NC-3.2.3 C), read without building every record of the ledger."""
    window = source.events_matching(
        (NC_RECORDED,), "found_on", between=(first.isoformat(), last.isoformat()), sharing=sharing
    )
    grouped: dict[str, list[Event]] = {}
    for event in source.events_matching(NC_KINDS, "number", equal_to=[e.payload["number"] for e in window]):
        grouped.setdefault(event.payload["number"], []).append(event)
    records = (build(number, events) for number, events in grouped.items())
    return sorted((r for r in records if r is not None), key=lambda r: r.number)
