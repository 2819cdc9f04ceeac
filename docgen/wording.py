"""How the documents word dates, times and money: the one place each is written.

A lower-layer leaf: it imports ``forms.values`` (``chinese_date``, kept there because the form readers write
dates back in their messages) and ``forms.amounts`` (``to_uppercase``, the 大写 implementation), and no step,
report, pipeline or command. Times are parsed here too: the ledger stores them as ISO strings
(``received_at``, ``recorded_at``), and callers read them through ``received_at`` and ``day_of`` instead of
slicing the strings.

Money differs by document, on purpose, and ``money``'s ``unit`` keeps each one as it prints today:
the filled documents and the fund balances print the bare figure (``1,200.50``; the template adds ``元``),
the dossier and the repair-rule findings ``1,200.50元``, and the findings that state an expected line or
total ``1,200.50 元（壹仟贰佰元伍角）``, with a space. Times: ``14:30`` / ``09:05`` in the documents,
``9:05`` in the deadline bases (``clock(pad_hour=False)``).
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from docgen.forms.amounts import to_uppercase
from docgen.forms.values import chinese_date

__all__ = [
    "PROVISIONAL_MARK",
    "address",
    "building_text",
    "chinese_date",
    "chinese_datetime",
    "clock",
    "day_of",
    "money",
    "money_in_words",
    "received_at",
    "received_text",
    "to_uppercase",
]

# After a deadline that runs into a year whose holidays are not yet published (counted on weekends only).
PROVISIONAL_MARK = "（暂定）"


def clock(t: time | datetime, pad_hour: bool = True) -> str:
    """``14:30``; ``09:05``, or ``9:05`` with ``pad_hour=False`` (the deadline bases write it so)."""
    return f"{t.hour:02d}:{t.minute:02d}" if pad_hour else f"{t.hour}:{t.minute:02d}"


def chinese_datetime(moment: datetime) -> str:
    """``2026年11月27日 14:30``."""
    return f"{chinese_date(moment.date())} {clock(moment)}"


def day_of(iso: str) -> date:
    """The day of an ISO date or date-time string (``2026-11-27`` or ``2026-11-27T14:30:00.000+08:00``)."""
    return datetime.fromisoformat(str(iso)).date()


def received_at(payload: dict) -> datetime:
    """When a registered case was received (``received_at``; older payloads: ``received_date``)."""
    return datetime.fromisoformat(str(payload.get("received_at") or payload["received_date"]))


def received_text(payload: dict) -> str:
    """``2026年11月27日 14:30`` when the time was written on the register, else ``2026年11月27日``."""
    moment = received_at(payload)
    return chinese_datetime(moment) if payload.get("time_known") else chinese_date(moment.date())


def money(amount: Decimal | str | int, unit: str = "") -> str:
    """``1,200.50`` (``unit="元"``: ``1,200.50元``). A string may carry thousands separators."""
    value = Decimal(amount.replace(",", "")) if isinstance(amount, str) else Decimal(amount)
    return f"{value:,.2f}{unit}"


def money_in_words(amount: Decimal, unit: str = "") -> str:
    """``1,200.50（壹仟贰佰元伍角）``: the figure, then the amount in 大写 (``to_uppercase``)."""
    return f"{money(amount, unit)}（{to_uppercase(amount)}）"


def _with_unit(value: object, units: tuple[str, ...], unit: str) -> str:
    text = str(value or "").strip()
    return "" if not text else text if text.endswith(units) else f"{text}{unit}"


def building_text(building: object) -> str:
    """``3`` → ``3栋``; a 楼栋 the clerk wrote with its unit (``3栋``, ``A座``, ``2号楼``) is kept as written."""
    return _with_unit(building, ("栋", "幢", "座", "楼"), "栋")


def address(project: object, building: object = None, room: object = None) -> str:
    """项目 + 楼栋 + 房号, ``翠苑3栋1502室``, the units never doubled (a clerk may write ``3栋`` or ``1502室``)."""
    return str(project or "").strip() + building_text(building) + _with_unit(room, ("室",), "室")
