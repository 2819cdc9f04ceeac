"""The year's plan (《计划管理程序》 PL-2 … PL-5) as its events tell it, derived every time it is asked for (never stored
twice), as docgen.cases does for complaint cases: the approved targets (``plan.targets``, the latest for the year) with
the approved adjustments applied from their effective quarter on (``plan.adjustment``), each unit's latest execution
report per period (``plan.report``) and its finance review (``plan.finance_review``).

What the steps (``steps/plan_*.py``) and the group reports (``reports/plan_*.py``) share: the periods and their due
dates (PL-3.3.1, PL-3.4.3), how a report line's deviation is computed (``report_line``), and ``load_plan_year``.

Deadlines (PL-3.3.1 "每季度首月的10日前 … 年度计划执行报告则须在下一年度的1月20日前提交"): docgen reads "10日前" as
"by the 10th", the 10th itself on time and the 11th late, as a deadline stated as a day of the month is read in an
office (the report is due *on* that day at the latest); likewise the annual report by 20 January. The day is fixed
(not moved off a weekend): the clause names a calendar day, not a span of working days. The group's own report
(PL-3.4.3 "季度结束后的第一月的中下旬 … 年度结束后的第一个月的下旬") is due between the 11th and the month's end of
the month after a quarter (中旬 11–20, 下旬 21–end), and between 21 and 31 January after the year.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from docgen.events import (
    PLAN_ADJUSTMENT,
    PLAN_FINANCE_REVIEW,
    PLAN_PROJECTS,
    PLAN_REPORT,
    PLAN_TARGETS,
    PLAN_WARNING,
)
from docgen.ledger import EventReads
from docgen.plan_catalogue import Indicator, PlanSettings
from docgen.wording import PROVISIONAL_MARK, chinese_date
from docgen.workspace import Settings

PERIODS = ("Q1", "Q2", "Q3", "Q4", "年度")
QUARTERS = (1, 2, 3, 4)
ANNUAL = "年度"
HALF_YEAR = "半年"  # the group's half-year report (PL-3.3.3) covers Q1 + Q2; its window is Q2's
PERIOD_LABELS = {
    "Q1": "第一季度",
    "Q2": "第二季度",
    "Q3": "第三季度",
    "Q4": "第四季度",
    ANNUAL: "年度",
    HALF_YEAR: "半年",
}
QUARTER_WORDS = {1: "一季度", 2: "二季度", 3: "三季度", 4: "四季度"}
# What a clerk writes for a period (the forms' dropdown offers the labels).
PERIOD_SYNONYMS = {
    **{label: period for period, label in PERIOD_LABELS.items() if period != HALF_YEAR},
    **{f"{words}": f"Q{q}" for q, words in QUARTER_WORDS.items()},
    **{f"第{q}季度": f"Q{q}" for q in QUARTERS},
    **{f"{q}季度": f"Q{q}" for q in QUARTERS},
    **{f"q{q}": f"Q{q}" for q in QUARTERS},
    "全年": ANNUAL,
    "年度报告": ANNUAL,
}
REPORT_CLAUSE = "PL-3.3.1"
FINANCE_CLAUSE = "PL-3.3.2"
REASON_CLAUSE = "PL-3.4.1"
WARNING_CLAUSE = "PL-3.4.2"
GROUP_CLAUSE = "PL-3.4.3"
PENDING, APPROVED, REFUSED = "待审批", "已批准", "未批准"
CENT = Decimal("0.01")


def period_label(period: str) -> str:
    """第一季度 … 第四季度, 年度 (半年)."""
    return PERIOD_LABELS[period]


def period_quarter(period: str) -> int:
    """The last quarter a period covers: Q1 → 1 … Q4 and 年度 → 4 (半年 → 2)."""
    if period == ANNUAL:
        return 4
    if period == HALF_YEAR:
        return 2
    return int(period.removeprefix("Q"))


def parse_group_period(text: str | None) -> tuple[int, str, int] | None:
    """A group report's period as written (``2026Q3``, ``2026H1``, ``2026``; spaces and case ignored) as
    ``(year, kind, last quarter covered)`` with kind ``quarter``, ``half`` or ``annual``; None when it is none of
    them. ``plan report`` reads its option with it and the filed Word draft its 报告期间 (PL-3.3.3)."""
    compact = re.sub(r"\s+", "", str(text or "")).upper()
    match = re.fullmatch(r"(\d{4})(?:Q([1-4])|(H1))?", compact)
    if not match or not 2000 <= int(match[1]) <= 2100:
        return None
    year = int(match[1])
    if match[2]:
        return year, "quarter", int(match[2])
    return (year, "half", 2) if match[3] else (year, "annual", 4)


def report_due(year: int, period: str) -> date:
    """PL-3.3.1: a quarter's report by the 10th of the month after it (Q4: 10 January of the next year), the year's
    by 20 January of the next year; the day itself is on time (module docstring)."""
    if period == ANNUAL:
        return date(year + 1, 1, 20)
    quarter = period_quarter(period)
    return date(year + 1, 1, 10) if quarter == 4 else date(year, 3 * quarter + 1, 10)


def group_report_window(year: int, period: str) -> tuple[date, date]:
    """PL-3.4.3: when 企业发展中心 submits the group's report: the 中下旬 (11th to the month's end) of the month after a
    quarter (半年: after Q2), the 下旬 (21st to 31st) of January after the year."""
    if period == ANNUAL:
        return date(year + 1, 1, 21), date(year + 1, 1, 31)
    quarter = period_quarter(period)
    month_year, month = (year + 1, 1) if quarter == 4 else (year, 3 * quarter + 1)
    return date(month_year, month, 11), date(month_year, month, calendar.monthrange(month_year, month)[1])


def periods_due(year: int, today: date) -> list[str]:
    """The periods of ``year`` whose reports were due before ``today``."""
    return [period for period in PERIODS if report_due(year, period) < today]


def finance_due_text(report: ExecutionReport) -> str:
    """``2027年1月15日前（暂定）``: the finance review's deadline, marked when it runs into a year whose holidays are
    not published (the working-day calendar's ``provisional``, as the complaint deadlines are marked)."""
    if report.finance_due_on is None:
        return ""
    return f"{chinese_date(report.finance_due_on)}前" + (PROVISIONAL_MARK if report.finance_due_provisional else "")


def decimal(text: object) -> Decimal:
    """A stored decimal string (or number) as a Decimal."""
    try:
        return Decimal(str(text))
    except InvalidOperation:
        raise ValueError(f"not a decimal: {text!r}") from None


def plain(value: Decimal) -> str:
    """A Decimal as stored and printed: no exponent, no trailing zeros after the point (``1200``, ``12.5``)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# ============================================================ a report line


@dataclass(frozen=True)
class ReportLine:
    """One indicator of an execution report: the period's plan and actual, the cumulative ones, the deviation docgen
    computed and the reason given."""

    indicator: str
    planned: Decimal
    actual: Decimal
    cumulative_planned: Decimal
    cumulative_actual: Decimal
    deviation_pct: Decimal | None  # signed (actual − planned) / planned × 100, None when planned is 0
    adverse: bool  # the deviation goes the bad way for the indicator's direction
    warned: bool  # adverse and ≥ warn_pct
    reason: str


def deviation(planned: Decimal, actual: Decimal) -> Decimal | None:
    """(actual − planned) / planned × 100, to the hundredth (half up); None when nothing was planned."""
    if planned == 0:
        return None
    return ((actual - planned) / abs(planned) * 100).quantize(CENT, rounding=ROUND_HALF_UP)


def is_adverse(indicator: Indicator, planned: Decimal, actual: Decimal) -> bool:
    """Below plan for a higher-is-better indicator, above it for a lower-is-better one."""
    return actual < planned if indicator.direction == "higher" else actual > planned


def reason_required(indicator: Indicator, deviation_pct: Decimal | None) -> bool:
    """PL-3.4.1: a deviation either way of at least ``reason_pct`` per cent of plan is explained on its row."""
    return deviation_pct is not None and abs(deviation_pct) >= Decimal(str(indicator.reason_pct))


def report_line(
    indicator: Indicator,
    planned: Decimal,
    actual: Decimal,
    cumulative_planned: Decimal,
    cumulative_actual: Decimal,
    reason: str = "",
) -> ReportLine:
    """A line as docgen computes it: the deviation of the period's actual from its plan, whether it is adverse, and
    whether it reaches the indicator's warning threshold (PL-3.3.4, PL-3.4.2)."""
    pct = deviation(planned, actual)
    adverse = is_adverse(indicator, planned, actual)
    warned = adverse and pct is not None and abs(pct) >= Decimal(str(indicator.warn_pct))
    return ReportLine(
        indicator.code, planned, actual, cumulative_planned, cumulative_actual, pct, adverse, warned, reason
    )


def line_payload(line: ReportLine) -> dict:
    """A line as ``plan.report`` stores it (decimal strings)."""
    return {
        "indicator": line.indicator,
        "planned": plain(line.planned),
        "actual": plain(line.actual),
        "cumulative_planned": plain(line.cumulative_planned),
        "cumulative_actual": plain(line.cumulative_actual),
        "deviation_pct": None if line.deviation_pct is None else plain(line.deviation_pct),
        "adverse": line.adverse,
        "warned": line.warned,
        "reason": line.reason,
    }


def _line_of(stored: dict) -> ReportLine:
    pct = stored.get("deviation_pct")
    return ReportLine(
        stored["indicator"],
        decimal(stored["planned"]),
        decimal(stored["actual"]),
        decimal(stored["cumulative_planned"]),
        decimal(stored["cumulative_actual"]),
        None if pct is None else decimal(pct),
        bool(stored.get("adverse")),
        bool(stored.get("warned")),
        stored.get("reason") or "",
    )


# ============================================================ the year


@dataclass(frozen=True)
class ExecutionReport:
    """A unit's 《计划执行报告》 for a period, as last submitted, with its finance review (branches, PL-3.3.2)."""

    unit: str
    year: int
    period: str
    submitted_on: date
    due_on: date
    late: bool
    lines: tuple[ReportLine, ...]
    problems: tuple[str, ...]  # 非常规问题 (PL-2.2.3)
    experience: str  # 经验
    shortfalls: str  # 不足
    finance_due_on: date | None
    finance_reviewed_on: date | None
    finance_late: bool
    finance_opinion: str
    reporter: str = ""
    finance_reviewer: str = ""
    finance_note: str = ""
    finance_due_provisional: bool = False  # the review's deadline runs into a year whose holidays are unpublished
    # Late reviews (due, reviewed on) of the versions this report corrected: their lateness stays on record.
    earlier_late_reviews: tuple[tuple[date, date], ...] = ()

    @property
    def finance_faults(self) -> int:
        """The period's late finance reviews on record: the current one's and those of the versions it corrected."""
        return len(self.earlier_late_reviews) + int(self.finance_late)

    def line(self, indicator: str) -> ReportLine | None:
        return next((line for line in self.lines if line.indicator == indicator), None)


@dataclass(frozen=True)
class ProjectPlan:
    """A project line of the annual plan, for the balance check (PL-3.2.4)."""

    project: str
    start_on: date | None
    completion_on: date | None
    delivery_on: date | None
    saleable_area: Decimal | None
    sales_area: Decimal | None
    sales_amount: Decimal | None
    collection_amount: Decimal | None


@dataclass(frozen=True)
class Adjustment:
    """A 《计划调整方案》 (PL-3.4.2) as it stands: proposed (待审批), approved (已批准) or refused (未批准)."""

    number: str
    unit: str
    indicator: str
    effective_quarter: int
    old_targets: Mapping[int, Decimal]
    new_targets: Mapping[int, Decimal]
    reason: str
    proposed_on: date
    approved_on: date | None
    status: str  # 待审批 / 已批准 / 未批准
    proposer: str = ""
    approver: str = ""


@dataclass(frozen=True)
class Warning:
    """A 《计划预警通知》 issued (``plan.warning``)."""

    unit: str
    period: str
    indicator: str
    deviation_pct: Decimal
    issued_on: date


@dataclass(frozen=True)
class PlanYear:
    """The year's plan as its events tell it."""

    year: int
    plan: PlanSettings
    targets: Mapping[tuple[str, str], Mapping[int, Decimal]]  # (unit, indicator) → quarter → target, adjusted
    original_targets: Mapping[tuple[str, str], Mapping[int, Decimal]]
    annual_targets: Mapping[tuple[str, str], Decimal]  # adjusted: the quarters' sum, or Q4's level
    reports: Mapping[tuple[str, str], ExecutionReport]  # (unit, period)
    projects: tuple[ProjectPlan, ...]
    adjustments: tuple[Adjustment, ...]
    approved_on: date | None = None  # the day the targets were approved
    warnings: tuple[Warning, ...] = ()

    @property
    def units(self) -> list[str]:
        """The units with targets this year, in the catalogue's order (then any other)."""
        named = {unit for unit, _ in self.targets}
        ordered = [unit.name for unit in self.plan.units if unit.name in named]
        return ordered + sorted(named - set(ordered))

    def indicators_of(self, unit: str) -> list[str]:
        """The unit's indicators with targets, in the catalogue's order."""
        codes = [code for (name, code) in self.targets if name == unit]
        order = {indicator.code: n for n, indicator in enumerate(self.plan.indicators)}
        return sorted(codes, key=lambda code: order.get(code, len(order)))

    def target(self, unit: str, indicator: str, quarter: int) -> Decimal:
        return self.targets[(unit, indicator)][quarter]

    def period_target(self, unit: str, indicator: str, period: str) -> Decimal:
        """The period's plan: a quarter's target, or the year's."""
        if period == ANNUAL:
            return self.annual_targets[(unit, indicator)]
        return self.target(unit, indicator, period_quarter(period))

    def cumulative_target(self, unit: str, indicator: str, period: str) -> Decimal:
        """The plan from Q1 to the period's end: the quarters' sum for a "sum" indicator, the period's level for a
        "level" one."""
        quarter = period_quarter(period)
        try:
            aggregate = self.plan.indicator(indicator).aggregate
        except KeyError:
            aggregate = "sum"
        if aggregate == "level":
            return self.period_target(unit, indicator, period)
        return sum((self.target(unit, indicator, q) for q in range(1, quarter + 1)), Decimal(0))

    def missing(self, period: str, today: date) -> list[str]:
        """The units whose report for ``period`` was due before ``today`` and has not come (PL-3.3.1)."""
        if report_due(self.year, period) >= today:
            return []
        return [unit for unit in self.units if (unit, period) not in self.reports]

    def finance_overdue(self, today: date) -> list[ExecutionReport]:
        """Branch reports whose finance review was due before ``today`` and has not come (PL-3.3.2)."""
        return [
            report
            for report in self.reports.values()
            if report.finance_due_on is not None
            and report.finance_reviewed_on is None
            and report.finance_due_on < today
        ]

    def adjustment(self, number: str) -> Adjustment | None:
        return next((a for a in self.adjustments if a.number == number), None)


def _quarters(stored: Mapping[str, object]) -> dict[int, Decimal]:
    return {int(q): decimal(v) for q, v in stored.items()}


def _optional(value: object) -> Decimal | None:
    return None if value in (None, "") else decimal(value)


def _day(value: object) -> date | None:
    return None if value in (None, "") else date.fromisoformat(str(value))


def annual_of(indicator: Indicator | None, quarters: Mapping[int, Decimal]) -> Decimal:
    """The year's target from its quarters: their sum, or the year-end (Q4) level."""
    if indicator is not None and indicator.aggregate == "level":
        return quarters[4]
    return sum(quarters.values(), Decimal(0))


def _annual(
    plan: PlanSettings,
    key: tuple[str, str],
    stated: Decimal,
    original: Mapping[int, Decimal],
    adjusted: Mapping[int, Decimal],
) -> Decimal:
    """The year's target: as the targets form states it, unless an approved adjustment changed the quarters that
    make it (a "sum" indicator: any quarter; a "level" one: Q4, the year-end level)."""
    indicator = _indicator(plan, key[1])
    if indicator is not None and indicator.aggregate == "level":
        return adjusted[4] if adjusted[4] != original[4] else stated
    return stated if dict(adjusted) == dict(original) else annual_of(indicator, adjusted)


def _indicator(plan: PlanSettings, code: str) -> Indicator | None:
    try:
        return plan.indicator(code)
    except KeyError:
        return None


def adjustment_of(payload: dict) -> Adjustment:
    return Adjustment(
        number=payload["number"],
        unit=payload["unit"],
        indicator=payload["indicator"],
        effective_quarter=int(payload["effective_quarter"]),
        old_targets=_quarters(payload.get("old_targets") or {}),
        new_targets=_quarters(payload.get("new_targets") or {}),
        reason=payload.get("reason") or "",
        proposed_on=date.fromisoformat(payload["proposed_on"]),
        approved_on=_day(payload.get("approved_on")),
        status=payload["status"],
        proposer=payload.get("proposer") or "",
        approver=payload.get("approver") or "",
    )


def _project_lines(ledger: EventReads, year: int, targets: dict) -> list[dict]:
    """The year's project lines: the latest 《年度项目计划》 (``plan.projects``), else those the targets carry."""
    recorded = [e.payload for e in ledger.events(kind=PLAN_PROJECTS) if e.payload.get("year") == year]
    return list(recorded[-1]["projects"] if recorded else targets.get("projects") or ())


def load_plan_year(ledger: EventReads, settings: Settings, year: int) -> PlanYear | None:
    """The plan of ``year`` (None: no targets recorded for it). The latest ``plan.targets`` of the year holds; the
    adjustments approved after it change the targets from their effective quarter on, in the order approved."""
    plan = settings.plan
    targets_events = [e for e in ledger.events(kind=PLAN_TARGETS) if e.payload.get("year") == year]
    if not targets_events:
        return None
    latest = targets_events[-1]
    original: dict[tuple[str, str], dict[int, Decimal]] = {
        (line["unit"], line["indicator"]): _quarters(line["quarters"]) for line in latest.payload["lines"]
    }
    adjusted = {key: dict(quarters) for key, quarters in original.items()}
    stated = {(line["unit"], line["indicator"]): decimal(line["annual"]) for line in latest.payload["lines"]}

    adjustments: dict[str, Adjustment] = {}
    applied: dict[str, int] = {}
    for event in ledger.events(kind=PLAN_ADJUSTMENT):
        if event.payload.get("year") != year:
            continue
        adjustment = adjustment_of(event.payload)
        adjustments[adjustment.number] = adjustment
        if adjustment.status == APPROVED and event.seq > latest.seq:
            applied[adjustment.number] = event.seq
    for number in sorted(applied, key=applied.__getitem__):
        adjustment = adjustments[number]
        key = (adjustment.unit, adjustment.indicator)
        if key in adjusted:
            for quarter, value in adjustment.new_targets.items():
                if quarter >= adjustment.effective_quarter:
                    adjusted[key][quarter] = value

    # A branch's review answers the report as last submitted: a review recorded before a corrected report does not,
    # but a late one stays on record for the period (PL-3.3.2: the lateness is 财务计统部's, whatever came after).
    reviews: dict[tuple[str, str], list[tuple[int, dict]]] = {}
    for event in ledger.events(kind=PLAN_FINANCE_REVIEW):
        if event.payload.get("year") == year:
            reviews.setdefault((event.payload["unit"], event.payload["period"]), []).append((event.seq, event.payload))
    reports: dict[tuple[str, str], ExecutionReport] = {}
    for event in ledger.events(kind=PLAN_REPORT):
        payload = event.payload
        if payload.get("year") != year:
            continue
        key = (payload["unit"], payload["period"])
        answered = [p for seq, p in reviews.get(key, ()) if seq > event.seq]
        review = answered[-1] if answered else None
        earlier_late = tuple(
            (date.fromisoformat(p["due_on"]), date.fromisoformat(p["reviewed_on"]))
            for seq, p in reviews.get(key, ())
            if seq < event.seq and p.get("late")
        )
        finance_due = _day(payload.get("finance_due_on"))
        reviewed_on = _day(review["reviewed_on"]) if review else None
        reports[key] = ExecutionReport(
            unit=payload["unit"],
            year=year,
            period=payload["period"],
            submitted_on=date.fromisoformat(payload["submitted_on"]),
            due_on=date.fromisoformat(payload["due_on"]),
            late=bool(payload["late"]),
            lines=tuple(_line_of(line) for line in payload["lines"]),
            problems=tuple(payload.get("problems") or ()),
            experience=payload.get("experience") or "",
            shortfalls=payload.get("shortfalls") or "",
            finance_due_on=finance_due,
            finance_reviewed_on=reviewed_on,
            finance_late=bool(finance_due is not None and reviewed_on is not None and reviewed_on > finance_due),
            finance_opinion=(review or {}).get("opinion") or "",
            reporter=payload.get("reporter") or "",
            finance_reviewer=(review or {}).get("reviewer") or "",
            finance_note=(review or {}).get("note") or "",
            finance_due_provisional=bool(payload.get("finance_due_provisional")),
            earlier_late_reviews=earlier_late,
        )
    reports = _cumulated(plan, reports)

    warnings = tuple(
        Warning(
            e.payload["unit"],
            e.payload["period"],
            e.payload["indicator"],
            decimal(e.payload["deviation_pct"]),
            date.fromisoformat(e.payload["issued_on"]),
        )
        for e in ledger.events(kind=PLAN_WARNING)
        if e.payload.get("year") == year
    )
    projects = tuple(
        ProjectPlan(
            project=line["project"],
            start_on=_day(line.get("start_on")),
            completion_on=_day(line.get("completion_on")),
            delivery_on=_day(line.get("delivery_on")),
            saleable_area=_optional(line.get("saleable_area")),
            sales_area=_optional(line.get("sales_area")),
            sales_amount=_optional(line.get("sales_amount")),
            collection_amount=_optional(line.get("collection_amount")),
        )
        for line in _project_lines(ledger, year, latest.payload)
    )
    return PlanYear(
        year=year,
        plan=plan,
        targets=adjusted,
        original_targets=original,
        annual_targets={key: _annual(plan, key, stated[key], original[key], q) for key, q in adjusted.items()},
        reports=reports,
        projects=projects,
        adjustments=tuple(adjustments.values()),
        approved_on=_day(latest.payload.get("approved_on")),
        warnings=warnings,
    )


def _cumulated(
    plan: PlanSettings, reports: dict[tuple[str, str], ExecutionReport]
) -> dict[tuple[str, str], ExecutionReport]:
    """Each quarter's 累计实际 of a "sum" indicator derived from the latest version of every quarter's report:
    the quarter before's (itself derived) plus the quarter's actual, so that a corrected quarter flows into the later
    ones. A quarter whose predecessor has no line for it keeps the figure the unit stated (written on the blank)."""
    out = dict(reports)
    units = sorted({unit for unit, _ in reports})
    for unit in units:
        for quarter in QUARTERS:
            report = out.get((unit, f"Q{quarter}"))
            if report is None:
                continue
            before = out.get((unit, f"Q{quarter - 1}")) if quarter > 1 else None
            lines = []
            for line in report.lines:
                indicator = _indicator(plan, line.indicator)
                if indicator is None or indicator.aggregate != "sum":
                    lines.append(line)
                    continue
                if quarter == 1:
                    cumulative = line.actual
                else:
                    previous = before.line(line.indicator) if before is not None else None
                    cumulative = (
                        line.cumulative_actual if previous is None else previous.cumulative_actual + line.actual
                    )
                lines.append(replace(line, cumulative_actual=cumulative))
            out[(unit, f"Q{quarter}")] = replace(report, lines=tuple(lines))
    return out


def plan_years(ledger: EventReads) -> list[int]:
    """The years that have targets recorded, in order."""
    return sorted({int(e.payload["year"]) for e in ledger.events(kind=PLAN_TARGETS)})


# ============================================================ what the daily warning and ``status`` list


@dataclass(frozen=True)
class Overdue:
    """A report not in by its due date (PL-3.3.1), or a branch report's finance review not back (PL-3.3.2)."""

    who: str  # who must act: the unit, or 财务计统部
    number: str  # 2026年第一季度
    subject: str  # 计划执行报告 / 福州分公司计划执行报告
    label: str  # what has not happened
    due: date
    clause: str

    @property
    def text(self) -> str:
        return f"{self.who}：{self.number}{self.subject}{self.label}，期限{chinese_date(self.due)}（{self.clause}），已逾期"


def overdue(ledger: EventReads, settings: Settings, today: date) -> list[Overdue]:
    """The reports missing after their due date and the finance reviews overdue, of this year's and last year's
    plans (a plan two years old is no longer chased)."""
    items: list[Overdue] = []
    finance = settings.plan.finance
    for year in plan_years(ledger):
        if year < today.year - 1:
            continue
        plan_year = load_plan_year(ledger, settings, year)
        if plan_year is None:
            continue
        for period in PERIODS:
            due = report_due(year, period)
            for unit in plan_year.missing(period, today):
                items.append(
                    Overdue(
                        unit,
                        f"{year}年{period_label(period)}",
                        "计划执行报告",
                        "未向企业发展中心报送",
                        due,
                        REPORT_CLAUSE,
                    )
                )
        for report in plan_year.finance_overdue(today):
            assert report.finance_due_on is not None
            items.append(
                Overdue(
                    finance,
                    f"{year}年{period_label(report.period)}",
                    f"{report.unit}计划执行报告",
                    "财务审核未完成",
                    report.finance_due_on,
                    FINANCE_CLAUSE,
                )
            )
    return items


# ============================================================ what a receipt says of a plan form (issue 14 D15)

PLAN_RECEIPT_KINDS = (PLAN_REPORT, PLAN_FINANCE_REVIEW)


def plan_receipt_lines(events) -> list[str]:
    """The 回执's 计划管理 lines for the ``plan.report``/``plan.finance_review`` events a file recorded: what was
    recorded, whether on time, and where a branch's report goes next with its deadline (（暂定） when it runs into a
    year whose holidays are unpublished). Facts, so they do not make the file "accepted with findings"."""
    lines = []
    for event in events:
        p = event.payload
        name = f"{p['unit']}{p['year']}年{period_label(p['period'])}计划执行报告"
        if event.kind == PLAN_REPORT:
            due = date.fromisoformat(str(p["due_on"]))
            state = f"迟报（期限{chinese_date(due)}）" if p.get("late") else f"按时（期限{chinese_date(due)}）"
            line = f"{name}已登记：报送日期{chinese_date(date.fromisoformat(str(p['submitted_on'])))}，{state}（{REPORT_CLAUSE}）"
            if p.get("finance_due_on"):
                finance_due = chinese_date(date.fromisoformat(str(p["finance_due_on"])))
                mark = PROVISIONAL_MARK if p.get("finance_due_provisional") else ""
                line += f"；已转财务计统部审核，审核期限{finance_due}{mark}（{FINANCE_CLAUSE}）"
            if p.get("problems"):
                line += f"；非常规问题{len(p['problems'])}项列入集团计划执行报告（PL-2.2.3）"
            lines.append(line)
        elif event.kind == PLAN_FINANCE_REVIEW:
            when = "逾期" if p.get("late") else "按时"
            then = "转企业发展中心汇总" if p.get("opinion") == "通过" else "退回分支机构修改"
            lines.append(f"{name}财务审核已登记：{p.get('opinion')}（{when}），{then}（{FINANCE_CLAUSE}）")
    return lines
