"""Wording of a step's key facts, as the case dossier prints them (docs/design.md §14).

Each step module declares ``FACTS``, its event kinds mapped to a function that words one event of that kind
with these helpers; ``reports.dossier`` asks the steps in ``STEPS`` and knows no form itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import InvalidOperation
from typing import Any

from docgen.forms.base import FormDef
from docgen.ledger import Event
from docgen.wording import chinese_date, day_of, money

# One event of a kind → its key facts as one line of text.
Describe = Callable[[Event], str]
Facts = Mapping[str, Describe]  # keyed by event kind (an EventKind is its stored name)


def day(value: Any) -> date | None:
    """A stored date or timestamp as a day, or None when it is missing or unreadable."""
    if not value:
        return None
    try:
        return day_of(value)
    except ValueError:
        return None


def cn(value: Any) -> str:
    """A stored date as ``2026年11月3日``, or "" when there is none."""
    found = day(value)
    return chinese_date(found) if found else ""


def yuan(value: Any) -> str:
    """``1,200.50元``; a value that is not an amount is shown as it is."""
    try:
        return money(str(value), "元")
    except (InvalidOperation, ValueError):
        return str(value)


def with_yuan(text: Any) -> str:
    """``1,200.50（壹仟贰佰元伍角）`` → ``1,200.50元（壹仟贰佰元伍角）``."""
    if not text:
        return ""
    amount, bracket, rest = str(text).partition("（")
    return f"{amount}元{bracket}{rest}"


def yes_no(value: Any) -> str:
    return "" if value is None else ("是" if value else "否")


def joined(parts: Iterable[tuple[str | None, Any]]) -> str:
    """``label：value`` pairs joined with "；", skipping empty values."""
    return "；".join(
        f"{label}：{value}" if label else str(value) for label, value in parts if value not in (None, "", [])
    )


def signatures(
    payload: Mapping[str, Any], form: FormDef, keys: Iterable[str], labels: Mapping[str, str] | None = None
) -> str:
    """``who name`` of each signature given, in form order (``labels`` overrides the form's field titles)."""
    titles = {**{spec.key: spec.title for spec in form.header_fields}, **(labels or {})}
    return "、".join(f"{titles.get(key, key).removesuffix('签字')} {payload[key]}" for key in keys if payload.get(key))
