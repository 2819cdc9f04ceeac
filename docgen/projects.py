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
from dataclasses import dataclass
from datetime import date

from docgen.ledger import Ledger
from docgen.wording import chinese_date
from docgen.workspace import Settings

__all__ = ["FIRST_YEAR_CLAUSE", "Delivery", "delivery", "first_year_last_day", "ledger_projects", "undated_projects"]

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
