"""Communities (项目/小区) and their delivery (交付) date: the "first year after delivery" of CS-3.10.1.

CS-3.10.1: 在新开发楼盘竣工交付后一年内各小区客户服务处每周应召开一次投诉协调例会. The delivery date of
each community is configuration (``[projects."翠苑"] delivered = 2026-03-01`` in ``docgen.toml``).

"Within one year after delivery" is counted as the Civil Code counts a period in years: it starts the
day after delivery (art. 201) and its last day is the same day of the same month one year later, or the
last day of that month when there is no such day (art. 202; delivered 2024-02-29 → 2025-02-28); 以内
includes its end (art. 1259). Delivered 2026-03-01: a meeting on 2027-03-01 is still in the first year,
one on 2027-03-02 is not. The last day is not moved off a weekend or holiday (art. 203 moves the last day
for doing an act; this is the span of a duty, not a time limit for an act).
"""

from __future__ import annotations

import calendar
import unicodedata
from dataclasses import dataclass
from datetime import date

from docgen.events import COMMUNITY_OCCUPANCY
from docgen.ledger import EventReads, Ledger
from docgen.wording import chinese_date
from docgen.workspace import Settings

__all__ = [
    "FIRST_YEAR_CLAUSE",
    "Community",
    "Delivery",
    "Household",
    "community",
    "delivery",
    "first_year_last_day",
    "household_key",
    "ledger_projects",
    "undated_projects",
]

FIRST_YEAR_CLAUSE = "CS-3.10.1"


def first_year_last_day(delivered: date) -> date:
    """The last day of the first year after ``delivered`` (Civil Code art. 201, 202)."""
    year = delivered.year + 1
    day = min(delivered.day, calendar.monthrange(year, delivered.month)[1])
    return date(year, delivered.month, day)


@dataclass(frozen=True)
class Delivery:
    """Where a community stands on a day against the first year after its delivery."""

    project: str
    day: date
    delivered: date | None  # None: not configured

    @property
    def last_day(self) -> date | None:
        return first_year_last_day(self.delivered) if self.delivered else None

    @property
    def state(self) -> str:
        """``unknown`` | ``before`` (not delivered yet) | ``first_year`` | ``after``."""
        if self.delivered is None:
            return "unknown"
        if self.day < self.delivered:
            return "before"
        return "first_year" if self.day <= first_year_last_day(self.delivered) else "after"

    def explain(self) -> str:
        """In Chinese, for staff: where the community stands and what CS-3.10.1 asks."""
        name, day = self.project, chinese_date(self.day)
        if self.delivered is None:
            return (
                f"docgen.toml 中没有“{name}”的交付日期，无法核对{day}是否在交付后一年内（{FIRST_YEAR_CLAUSE}）；"
                f'请系统管理员在 docgen.toml 中添加 [projects."{name}"] delivered = 交付日期（如 2026-03-01）'
            )
        delivered, last = chinese_date(self.delivered), chinese_date(first_year_last_day(self.delivered))
        if self.state == "before":
            return (
                f"“{name}”的交付日期为{delivered}，{day}尚未交付；《客户服务管理程序》第3.10.1条"
                f"（{FIRST_YEAR_CLAUSE}）规定交付后一年内每周召开投诉协调例会"
            )
        if self.state == "after":
            return (
                f"“{name}”于{delivered}交付，交付后一年内的最后一日为{last}，{day}已满一年；"
                f"《客户服务管理程序》第3.10.1条（{FIRST_YEAR_CLAUSE}）只要求交付后一年内每周召开投诉协调例会"
            )
        return f"“{name}”于{delivered}交付，交付后一年内（至{last}）每周召开投诉协调例会（{FIRST_YEAR_CLAUSE}）"


def delivery(settings: Settings, project: str, day: date) -> Delivery:
    configured = settings.projects.get(project)
    return Delivery(project, day, configured.delivered if configured else None)


def ledger_projects(ledger: Ledger) -> list[str]:
    """Every 项目/小区 a registered complaint names, in sort order."""
    return sorted(ledger.registered_projects())


def undated_projects(settings: Settings, ledger: Ledger) -> list[str]:
    """Communities with complaints in the ledger whose delivery date docgen.toml does not give."""
    return [p for p in ledger_projects(ledger) if p not in settings.projects or settings.projects[p].delivered is None]


# ------------------------------------------------------------------ households (CS-3.7, CS-3.7.5)


def _compact(text: str | None) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split())


def household_key(building: str | None, room: str | None) -> str:
    """One household as lists and surveys name it, however typed: ``3-1502`` for 楼栋 ``3栋`` (``3号楼``, ``3幢``,
    full-width ３) and 房号 ``1502室``; only the room when no building is given."""
    block = _compact(building).removesuffix("栋").removesuffix("号楼").removesuffix("幢").removesuffix("#")
    return f"{block}-{_compact(room).removesuffix('室')}" if block else _compact(room).removesuffix("室")


@dataclass(frozen=True)
class Household:
    building: str
    room: str
    delivered: bool
    occupied: bool
    customer: str | None = None
    phone: str | None = None

    @property
    def key(self) -> str:
        return household_key(self.building, self.room)


@dataclass(frozen=True)
class Community:
    """A community's households, delivered and occupied households and delivery date (CS-3.7.5): from its latest
    《入住情况表》 (with the room list), else from ``[projects."X"]`` in docgen.toml (counts only)."""

    project: str
    households: int
    delivered: int
    occupied: int
    delivered_on: date | None = None
    rooms: tuple[Household, ...] = ()
    as_of: date | None = None  # the 统计日期 of the 《入住情况表》; None: docgen.toml

    @property
    def source(self) -> str:
        return f"{chinese_date(self.as_of)}《入住情况表》" if self.as_of else "docgen.toml"

    def occupied_rooms(self) -> list[Household]:
        return [room for room in self.rooms if room.occupied]


def community(settings: Settings, reads: EventReads, project: str) -> Community | None:
    """What docgen knows of ``project``'s households, or None when neither a 《入住情况表》 nor docgen.toml gives
    its occupied households."""
    configured = settings.projects.get(project)
    latest = next(
        (e for e in reversed(reads.events(kind=COMMUNITY_OCCUPANCY)) if e.payload["project"] == project), None
    )
    if latest is not None:
        p = latest.payload
        rooms = tuple(Household(*room) for room in p["rooms"])
        delivered_on = p.get("delivered_date") or (
            configured.delivered.isoformat() if configured and configured.delivered else None
        )
        return Community(
            project,
            p["households"],
            p["delivered"],
            p["occupied"],
            date.fromisoformat(delivered_on) if delivered_on else None,
            rooms,
            date.fromisoformat(p["as_of"]),
        )
    if configured is None or configured.occupied is None:
        return None
    households = configured.households if configured.households is not None else configured.occupied
    delivered = configured.delivered_households if configured.delivered_households is not None else households
    return Community(project, households, delivered, configured.occupied, configured.delivered)
