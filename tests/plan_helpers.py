"""A year of plan management played through the real pipeline (issue 14, "Done means"), for the plan tests.

NOTE (helper B1): an earlier ``tests/plan_helpers.py`` written by helper B2 was overwritten by mistake while B1 wrote
its own helpers (now ``tests/plan_intake.py``). This module re-provides ``write_year(ws, ledger, quarters=4)``, the
name B2's code imports, built on B1's intake forms: the targets form, each unit's pre-filled execution reports and
the branches' finance reviews, dropped into intake/ and processed.

The year (2026), six departments and two branches (``plan_intake.TARGETS``):

- 审计核算部's second-quarter report is late (15 July, due 10 July, PL-3.3.1);
- 客户服务部's third-quarter report is missing (its fourth-quarter one comes, written on the blank);
- 福州分公司's first-quarter finance review is late (24 April, due 20 April, PL-3.3.2);
- three large adverse deviations, each with its reason and a 《计划预警通知》: 福州分公司 销售金额 Q1 −30 %,
  经营销售部 广告宣传费用 Q2 +25 % (lower is better), 工程材料部 新开工面积 Q3 −40 %;
- every other line 2 % off plan (no reason needed), the annual reports by 20 January 2027 (``quarters=4``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from docgen.plans import ANNUAL, load_plan_year
from tests.plan_intake import TARGETS, approve_targets, blank, fill, process

YEAR = 2026
SUBMITTED = {
    "Q1": date(2026, 4, 8),
    "Q2": date(2026, 7, 8),
    "Q3": date(2026, 10, 9),
    "Q4": date(2027, 1, 8),
    ANNUAL: date(2027, 1, 18),
}
LATE = {("审计核算部", "Q2"): date(2026, 7, 15)}
MISSING = {("客户服务部", "Q3")}
FINANCE_LATE = {("福州分公司", "Q1"): date(2026, 4, 24)}
# (unit, indicator code, period) → (actual as a share of plan, reason)
DEVIATIONS = {
    ("福州分公司", "XS02", "Q1"): (Decimal("0.7"), "福州三期预售证延期取得，开盘推迟至4月"),
    ("经营销售部", "XS04", "Q2"): (Decimal("1.25"), "年中促销加投户外广告"),
    ("工程材料部", "GC01", "Q3"): (Decimal("0.6"), "台风停工，两个地块开工推迟"),
}
# The year's reports explain what the quarters' large deviations left in the year's figures.
ANNUAL_REASONS = {
    ("福州分公司", "XS02"): "一季度开盘推迟，全年未能追回",
    ("工程材料部", "GC01"): "三季度台风停工，两个地块开工推迟",
    ("经营销售部", "XS04"): "年中促销加投户外广告",
}
ROUTINE = Decimal("0.98")  # 2 % below plan: within every reason threshold


@dataclass
class Year:
    """What ``write_year`` did: the outcomes by (unit, period), and the finance reviews' by (unit, period)."""

    reports: dict[tuple[str, str], object] = field(default_factory=dict)
    reviews: dict[tuple[str, str], object] = field(default_factory=dict)
    targets: object = None


def _report_path(ws, unit: str, period: str):
    folder = ws.outbox / "plan" / str(YEAR) / unit
    name = f"计划指标分解表-{YEAR}-{unit}.xlsx" if period == "Q1" else f"计划执行报告-{YEAR}-{period}-{unit}.xlsx"
    return folder / name


def write_year(ws, ledger, quarters: int = 4, annual: bool = True) -> Year:
    """Play the year up to ``quarters`` quarters (and the annual reports when ``quarters`` is 4 and ``annual``)."""
    played = Year(targets=approve_targets(ws, ledger, TARGETS, YEAR))
    periods = [f"Q{q}" for q in range(1, quarters + 1)] + ([ANNUAL] if quarters == 4 and annual else [])
    for period in periods:
        plan_year = load_plan_year(ledger, ws.settings, YEAR)
        assert plan_year is not None
        for unit in plan_year.units:
            if (unit, period) in MISSING:
                continue
            submitted = LATE.get((unit, period), SUBMITTED[period])
            lines = []
            for code in plan_year.indicators_of(unit):
                planned = plan_year.period_target(unit, code, period)
                if period == ANNUAL:
                    previous = [plan_year.reports.get((unit, f"Q{q}")) for q in (1, 2, 3, 4)]
                    indicator = ws.settings.plan.indicator(code)
                    if indicator.aggregate == "sum":
                        actual = sum(
                            (r.line(code).actual for r in previous if r is not None and r.line(code) is not None),
                            Decimal(0),
                        )
                    else:
                        actual = planned * ROUTINE
                    line = {"指标名称": indicator.name, "本期实际": float(actual), "累计实际": float(actual)}
                    if (unit, code) in ANNUAL_REASONS:
                        line["偏差原因"] = ANNUAL_REASONS[(unit, code)]
                    lines.append(line)
                    continue
                share, reason = DEVIATIONS.get((unit, code, period), (ROUTINE, None))
                line = {"指标名称": ws.settings.plan.indicator(code).name, "本期实际": float(planned * share)}
                if reason:
                    line["偏差原因"] = reason
                lines.append(line)
            source = _report_path(ws, unit, period)
            values = {"submitted_on": submitted, "reporter": f"{unit}计划员"}
            if period == "Q1" and unit == "福州分公司":
                values["problems"] = "三期预售证延期取得\n土地出让金支付节点提前"
            if source.exists():
                path = fill(ws, str(source.relative_to(ws.root)), values, lines)
            else:  # the report before it missing: the unit writes on the blank, its cumulative actual included
                for line in lines:
                    line.setdefault("累计实际", line["本期实际"])
                header = {"unit": unit, "year": YEAR, "period": _label(period), **values}
                rows = [{_key(title): value for title, value in line.items()} for line in lines]
                path = blank(ws, "PL-REPORT", header, rows, name=f"计划执行报告-{unit}")
            outcome = process(ws, ledger, path, max(submitted, date(2026, 1, 20)))
            played.reports[(unit, period)] = outcome
            finance = [o for o in outcome.outputs if "财务审核表" in o]
            if finance:
                reviewed = FINANCE_LATE.get((unit, period), date.fromordinal(submitted.toordinal() + 2))
                review = fill(
                    ws, finance[0], {"reviewer": "财务计统部 王敏", "reviewed_on": reviewed, "opinion": "通过"}
                )
                played.reviews[(unit, period)] = process(ws, ledger, review, reviewed)
    return played


_TITLES = {"指标名称": "name", "本期实际": "actual", "累计实际": "cumulative_actual", "偏差原因": "reason"}


def _key(title: str) -> str:
    return _TITLES[title]


def _label(period: str) -> str:
    return {"Q1": "第一季度", "Q2": "第二季度", "Q3": "第三季度", "Q4": "第四季度", ANNUAL: "年度"}[period]
