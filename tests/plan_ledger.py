"""A year of plan management written into a real ledger, for the group reports' tests (issue 14 items 4, 6, 7, 8).

The events are those ``docgen.steps.plan_*`` record (their payload models check them, ``payloads.checked``): the
approved targets of 2026 for six departments and two branches, the four quarterly reports and the annual one of every
unit, with

- a late submission: 审计核算部's Q2 report on 14 July (due 10 July, PL-3.3.1);
- a missing report: 人力资源部's Q3 report never comes;
- a late finance review: 厦门分公司's Q2 report reviewed on 20 July (due five working days after 8 July, PL-3.3.2);
- three large deviations: 经营销售部 销售金额 in Q3 at 60 % of plan, 福州分公司 销售回款额 in Q2 at 70 %, 人力资源部
  行政管理费用 (lower is better) in Q1 at 130 % of plan, each with its reason;
- an approved adjustment of 经营销售部 销售金额 from Q4 on (75000 → 60000).

Every other actual equals its plan; ``ACTUALS`` states the exceptions so that tests recompute the figures by hand.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from docgen.events import PLAN_ADJUSTMENT, PLAN_FINANCE_REVIEW, PLAN_REPORT, PLAN_TARGETS, PLAN_WARNING
from docgen.payloads import checked
from docgen.plans import line_payload, report_due, report_line

YEAR = 2026
DEPARTMENTS = ("设计研发部", "工程材料部", "经营销售部", "审计核算部", "人力资源部", "财务计统部")
BRANCHES = ("福州分公司", "厦门分公司")
UNITS = DEPARTMENTS + BRANCHES

# (unit, indicator) → quarterly targets
TARGETS: dict[tuple[str, str], tuple[int, int, int, int]] = {
    ("设计研发部", "SJ01"): (8, 10, 12, 10),
    ("设计研发部", "SJ02"): (90, 90, 90, 90),
    ("工程材料部", "GC01"): (10, 15, 15, 10),
    ("工程材料部", "GC02"): (5, 8, 10, 17),
    ("经营销售部", "XS01"): (4, 5, 6, 5),
    ("经营销售部", "XS02"): (60000, 75000, 90000, 75000),
    ("经营销售部", "XS03"): (50000, 70000, 85000, 80000),
    ("经营销售部", "XS04"): (600, 700, 800, 700),
    ("审计核算部", "SH01"): (30000, 40000, 45000, 35000),
    ("人力资源部", "RL01"): (1500, 1500, 1500, 1500),
    ("人力资源部", "RL02"): (800, 800, 800, 800),
    ("财务计统部", "CW01"): (300, 300, 300, 300),
    ("福州分公司", "XS02"): (20000, 25000, 30000, 25000),
    ("福州分公司", "XS03"): (18000, 25000, 28000, 24000),
    ("福州分公司", "FG01"): (200, 200, 200, 200),
    ("厦门分公司", "XS02"): (15000, 20000, 25000, 20000),
    ("厦门分公司", "XS03"): (14000, 19000, 24000, 20000),
    ("厦门分公司", "FG01"): (180, 180, 180, 180),
}
# (unit, indicator, quarter) → actual, where it is not the plan
ACTUALS: dict[tuple[str, str, int], int] = {
    ("经营销售部", "XS02", 3): 54000,  # 60 % of 90000: −40 %
    ("福州分公司", "XS03", 2): 17500,  # 70 % of 25000: −30 %
    ("人力资源部", "RL02", 1): 1040,  # 130 % of 800, lower is better: +30 %
    ("设计研发部", "SJ01", 2): 11,  # +10 %, favourable
    ("工程材料部", "GC01", 3): 14,  # −6.67 %: adverse, under the thresholds
}
REASONS = {
    ("经营销售部", "XS02", 3): "受区域限价政策影响，融侨观邸二期推迟开盘",
    ("福州分公司", "XS03", 2): "按揭银行放款周期延长",
    ("人力资源部", "RL02", 1): "集团办公楼搬迁一次性费用",
    ("设计研发部", "SJ01", 2): "施工图提前完成",
}
LATE = {("审计核算部", "Q2"): date(2026, 7, 14)}
MISSING = {("人力资源部", "Q3")}
SUBMITTED = {"Q1": date(2026, 4, 8), "Q2": date(2026, 7, 8), "Q3": date(2026, 10, 9), "Q4": date(2027, 1, 8)}
ANNUAL_SUBMITTED = date(2027, 1, 18)
FINANCE_LATE = {("厦门分公司", "Q2"): date(2026, 7, 20)}
ADJUSTED_Q4 = 60000  # 经营销售部 销售金额 from Q4 on, approved 2026-10-28
PROBLEMS = {("经营销售部", "Q3"): ["区域限价政策出台，二期开盘时间待定"]}
EXPERIENCE = {("福州分公司", "Q3"): "加强按揭银行沟通，回款周期缩短"}
SHORTFALLS = {("经营销售部", "Q3"): "开盘节奏对政策变化预判不足"}


def target(unit: str, code: str, quarter: int) -> Decimal:
    if (unit, code) == ("经营销售部", "XS02") and quarter == 4:
        return Decimal(ADJUSTED_Q4)
    return Decimal(TARGETS[(unit, code)][quarter - 1])


def actual(unit: str, code: str, quarter: int) -> Decimal:
    return Decimal(ACTUALS.get((unit, code, quarter), target(unit, code, quarter)))


def _level(settings, code: str) -> bool:
    return settings.plan.indicator(code).aggregate == "level"


def cumulative(settings, unit: str, code: str, quarter: int, values) -> Decimal:
    if _level(settings, code):
        return values(unit, code, quarter)
    return sum((values(unit, code, q) for q in range(1, quarter + 1)), Decimal(0))


def write_targets(tx, settings, *, projects: list[dict] | None = None) -> None:
    lines = []
    for (unit, code), quarters in TARGETS.items():
        annual = quarters[3] if _level(settings, code) else sum(quarters)
        lines.append(
            {
                "unit": unit,
                "indicator": code,
                "annual": str(annual),
                "quarters": {str(q): str(v) for q, v in enumerate(quarters, start=1)},
            }
        )
    payload = {"year": YEAR, "approved_on": "2026-01-15", "lines": lines, "projects": projects or []}
    tx.append(PLAN_TARGETS, checked(PLAN_TARGETS, payload))


def _report(tx, ws, unit: str, period: str, submitted: date, lines: list[dict]) -> None:
    settings = ws.settings
    due = report_due(YEAR, period)
    branch = unit in BRANCHES
    finance_due = (
        ws.calendar.due_within_workdays_of_day(submitted, settings.plan.finance_review_workdays, "报送").due
        if branch
        else None
    )
    payload = {
        "unit": unit,
        "year": YEAR,
        "period": period,
        "submitted_on": submitted.isoformat(),
        "due_on": due.isoformat(),
        "late": submitted > due,
        "lines": lines,
        "problems": PROBLEMS.get((unit, period), []),
        "experience": EXPERIENCE.get((unit, period), ""),
        "shortfalls": SHORTFALLS.get((unit, period), ""),
        "reporter": "张三",
        "finance_due_on": finance_due.isoformat() if finance_due else None,
    }
    tx.append(PLAN_REPORT, checked(PLAN_REPORT, payload))
    if branch:
        assert finance_due is not None
        reviewed = FINANCE_LATE.get((unit, period), submitted)
        review = {
            "unit": unit,
            "year": YEAR,
            "period": period,
            "reviewer": "李四",
            "reviewed_on": reviewed.isoformat(),
            "opinion": "通过",
            "due_on": finance_due.isoformat(),
            "late": reviewed > finance_due,
        }
        tx.append(PLAN_FINANCE_REVIEW, checked(PLAN_FINANCE_REVIEW, review))


def write_quarter(tx, ws, quarter: int) -> None:
    settings = ws.settings
    period = f"Q{quarter}"
    for unit in UNITS:
        if (unit, period) in MISSING:
            continue
        lines = []
        for name, code in TARGETS:
            if name != unit:
                continue
            line = report_line(
                settings.plan.indicator(code),
                target(unit, code, quarter),
                actual(unit, code, quarter),
                cumulative(settings, unit, code, quarter, target),
                cumulative(settings, unit, code, quarter, actual),
                REASONS.get((unit, code, quarter), ""),
            )
            lines.append(line_payload(line))
            if line.warned:
                warning = {
                    "unit": unit,
                    "year": YEAR,
                    "period": period,
                    "indicator": code,
                    "deviation_pct": str(line.deviation_pct),
                    "issued_on": SUBMITTED[period].isoformat(),
                }
                tx.append(PLAN_WARNING, checked(PLAN_WARNING, warning))
        _report(tx, ws, unit, period, LATE.get((unit, period), SUBMITTED[period]), lines)


def annual_actual(settings, unit: str, code: str) -> Decimal:
    return cumulative(settings, unit, code, 4, actual)


def annual_target(settings, unit: str, code: str) -> Decimal:
    return cumulative(settings, unit, code, 4, target)


def write_annual(tx, ws) -> None:
    settings = ws.settings
    for unit in UNITS:
        lines = []
        for name, code in TARGETS:
            if name != unit:
                continue
            planned, done = annual_target(settings, unit, code), annual_actual(settings, unit, code)
            reason = "见季度计划执行报告" if planned and abs(done - planned) / planned >= Decimal("0.05") else ""
            lines.append(line_payload(report_line(settings.plan.indicator(code), planned, done, planned, done, reason)))
        _report(tx, ws, unit, "年度", ANNUAL_SUBMITTED, lines)


def write_adjustment(tx) -> None:
    base = {
        "number": "JHTZ-2026-001",
        "year": YEAR,
        "unit": "经营销售部",
        "indicator": "XS02",
        "effective_quarter": 4,
        "old_targets": {"4": "75000"},
        "new_targets": {"4": str(ADJUSTED_Q4)},
        "reason": "二期开盘推迟",
        "proposer": "企业发展中心",
        "proposed_on": "2026-10-20",
    }
    tx.append(PLAN_ADJUSTMENT, checked(PLAN_ADJUSTMENT, {**base, "status": "待审批"}))
    approved = {**base, "status": "已批准", "approver": "总经理", "approved_on": "2026-10-28"}
    tx.append(PLAN_ADJUSTMENT, checked(PLAN_ADJUSTMENT, approved))


def write_year(ws, ledger, *, quarters: int = 4, annual: bool = True, projects: list[dict] | None = None) -> None:
    """The scenario year up to ``quarters`` quarters (and, after Q4, the annual reports)."""
    with ledger.transaction() as tx:
        write_targets(tx, ws.settings, projects=projects)
        for quarter in range(1, quarters + 1):
            if quarter == 4:
                write_adjustment(tx)
            write_quarter(tx, ws, quarter)
        if annual and quarters == 4:
            write_annual(tx, ws)
