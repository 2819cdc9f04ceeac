"""The group's quarterly, half-year and annual plan execution reports 《集团季度/半年/年度计划执行报告》 (PL-3.3.3,
PL-3.4.3), consolidated by 企业发展中心 from the departments' and branches' 《计划执行报告》 (``docgen.plans``).

A function of the year's plan (:func:`docgen.plans.load_plan_year`), the period and the day it is made (``as_of``),
never of the clock:

- each unit's indicators against plan: the period's plan and actual and their deviation (direction-aware: below
  plan is adverse for a higher-is-better indicator, above plan for a lower-is-better one), the cumulative plan and
  actual from the year's start, the year's target and the progress towards it (quarterly amounts, ``aggregate =
  "sum"``; a rate or level has no progress, its year-end level is its target);
- the plan comes from the targets as adjusted (PL-3.4.2: an approved adjustment holds from its effective quarter on),
  the actual from the unit's latest report; the half year is Q1 + Q2 (the Q2 report's cumulative values, PL-3.3.3);
- the warnings: every line whose adverse deviation reaches the indicator's ``warn_pct`` (PL-3.3.4, PL-3.4.2), with the
  reason the unit wrote (PL-3.4.1) and the 《计划预警通知》 issued for it, if any; the adjustments proposed;
- late and missing reports (PL-3.3.1) and late or missing finance reviews of the branches' reports (PL-3.3.2);
- the non-routine problems the units reported (PL-2.2.3); 经验 and 不足 as sections for 企业发展中心 to complete, with
  the units' own text quoted;
- two charts (escaped SVG, ``reports.statements.bar_chart_svg``): the period's execution rate and the year's progress;
- the group report's own due window (PL-3.4.3: 中下旬 of the month after the quarter, 下旬 of January for the year,
  :func:`docgen.plans.group_report_window`) and when the report was first produced against it. Producing it records
  ``plan.group_report``; a window that ends with no such event is a line in the daily 逾期预警
  (:func:`group_report_warnings`).

``write_group_report`` writes ``outbox/reports/<period>/集团计划执行报告-<period>.pdf`` (PDF/A-3b,
``templates/pdf/plan_execution.typ``) and the Word draft ``….docx`` with the same content, in which 企业发展中心
writes the 经验 and 不足. The Word documents of the plan reports are built with python-docx in the house style of
``render/build_templates.py`` (its primitives), as ``reports/nc_analysis.py`` builds its form.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path, PurePosixPath

from docgen.atomic import write_bytes
from docgen.errors import DocgenError, PeriodError
from docgen.events import PLAN_GROUP_REPORT
from docgen.forms.plan import GROUP_REPORT
from docgen.ledger import EventReads, Ledger
from docgen.payloads import checked
from docgen.plan_catalogue import DIRECTION_TEXT, Indicator
from docgen.plans import (
    ANNUAL,
    FINANCE_CLAUSE,
    GROUP_CLAUSE,
    HALF_YEAR,
    REPORT_CLAUSE,
    WARNING_CLAUSE,
    ExecutionReport,
    PlanYear,
    ReportLine,
    group_report_window,
    load_plan_year,
    parse_group_period,
    period_label,
    plain,
    plan_years,
    reason_required,
    report_due,
    report_line,
)
from docgen.procedures.workdays import WorkCalendar
from docgen.render.pdf import render_pdf
from docgen.reports.statements import bar_chart_svg
from docgen.wording import PROVISIONAL_MARK, chinese_date

__all__ = [
    "GroupPeriod",
    "PlanReportError",
    "UnitRow",
    "execution_context",
    "execution_figures",
    "group_period",
    "group_report_warnings",
    "plan_year_of",
    "write_group_report",
]

ISSUER = "企业发展中心"  # PL-2.1.6, PL-3.3.3
FILE_TITLE = "集团计划执行报告"
TEMPLATE = "plan_execution.typ"
CLAUSE = "PL-3.3.3"
NONE = "—"
HUNDRED = Decimal(100)
TENTH = Decimal("0.1")
_CN_QUARTER = "一二三四"
CHART_NOTE = (
    "注：计划完成率按指标方向计算，与考核的达成度口径相同（PL-3.4.3）：越高越好的指标为实际÷计划，越低越好的指标为"
    "计划÷实际（费用超支时低于100%）；100%以上为好于计划。年度进度＝累计实际÷年度目标（比率类指标不计）。"
)


class PlanReportError(DocgenError, ValueError):
    """A group plan report that cannot be made (no targets for the year); the message says what to do."""


# ============================================================ periods


@dataclass(frozen=True)
class GroupPeriod:
    """A period of a group report: a quarter (``2026Q3``), the first half year (``2026H1``) or the year (``2026``)."""

    year: int
    kind: str  # "quarter" | "half" | "annual"
    quarter: int  # the last quarter it covers

    @property
    def label(self) -> str:
        return {"quarter": f"{self.year}Q{self.quarter}", "half": f"{self.year}H1", "annual": str(self.year)}[self.kind]

    @property
    def name(self) -> str:
        if self.kind == "quarter":
            return f"{self.year}年第{_CN_QUARTER[self.quarter - 1]}季度"
        return f"{self.year}年上半年" if self.kind == "half" else f"{self.year}年度"

    @property
    def kind_name(self) -> str:
        return {"quarter": "季度", "half": "半年", "annual": "年度"}[self.kind]

    @property
    def period(self) -> str:
        """The key of :mod:`docgen.plans`: ``Q3``, ``半年`` or ``年度``."""
        return {"quarter": f"Q{self.quarter}", "half": HALF_YEAR, "annual": ANNUAL}[self.kind]

    @property
    def report_periods(self) -> tuple[str, ...]:
        """The units' reports the group report consolidates (the year's report: all of the year's)."""
        return {"quarter": (f"Q{self.quarter}",), "half": ("Q1", "Q2"), "annual": ("Q1", "Q2", "Q3", "Q4", ANNUAL)}[
            self.kind
        ]

    @property
    def line_period(self) -> str:
        """The units' report whose lines give the period's figures (the half year: Q2's cumulative ones)."""
        return {"quarter": f"Q{self.quarter}", "half": "Q2", "annual": ANNUAL}[self.kind]

    @property
    def first(self) -> date:
        return date(self.year, 1, 1) if self.kind != "quarter" else date(self.year, 3 * self.quarter - 2, 1)

    @property
    def last(self) -> date:
        month = 3 * self.quarter
        return date(self.year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)

    @property
    def window(self) -> tuple[date, date]:
        return group_report_window(self.year, self.period)


def group_period(quarter: str | None = None, half: str | None = None, year: str | None = None) -> GroupPeriod:
    """``--quarter 2026Q3`` | ``--half 2026H1`` | ``--year 2026`` as a :class:`GroupPeriod` (PL-3.3.3: 季度、半年、年度)."""
    given = [(kind, text) for kind, text in (("quarter", quarter), ("half", half), ("annual", year)) if text]
    if len(given) != 1:
        raise PeriodError("请指定一个报告期间：--quarter 2026Q3、--half 2026H1 或 --year 2026")
    kind, text = given[0]
    examples = {"quarter": "2026Q3", "half": "2026H1（上半年）", "annual": "2026"}
    parsed = parse_group_period(text)
    if parsed is None or parsed[1] != kind:
        raise PeriodError(f"报告期间“{text}”格式不对；应写作 {examples[kind]}")
    return GroupPeriod(*parsed)


def plan_year_of(ledger: EventReads, settings, year: int) -> PlanYear:
    """The year's plan, or a clear refusal when no targets were recorded for it."""
    found = load_plan_year(ledger, settings, year)
    if found is None:
        raise PlanReportError(
            f"{year}年还没有已受理的年度计划指标（《计划指标分解表》的批准指标），无法汇总；"
            "请先将批准的年度计划指标表放入 intake/"
        )
    return found


# ============================================================ figures


def pct(value: Decimal | None) -> str:
    return NONE if value is None else f"{plain(value.quantize(TENTH, rounding=ROUND_HALF_UP))}%"


def _tenth(value: Decimal) -> float:
    """A percentage for a chart, rounded as ``pct`` rounds it for the table (the chart prints one decimal)."""
    return float(value.quantize(TENTH, rounding=ROUND_HALF_UP))


def signed_pct(value: Decimal | None) -> str:
    if value is None:
        return NONE
    text = pct(value)
    return text if value <= 0 else f"+{text}"


def _ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    return None if whole == 0 else part / whole * HUNDRED


def _indicator(year: PlanYear, code: str) -> Indicator | None:
    try:
        return year.plan.indicator(code)
    except KeyError:
        return None


def _label(year: PlanYear, code: str) -> str:
    indicator = _indicator(year, code)
    return indicator.label if indicator else code


def period_line(year: PlanYear, unit: str, code: str, period: str) -> ReportLine | None:
    """The line of ``unit``'s ``period`` report for ``code`` recomputed against the targets as adjusted (the plan
    the group holds), the actual values and the reason as the unit reported them; None when not reported. ``period``:
    ``Q1`` … ``Q4``, ``年度`` or ``半年`` (the Q2 report's cumulative values, PL-3.3.3)."""
    indicator = _indicator(year, code)
    source = "Q2" if period == HALF_YEAR else period
    report = year.reports.get((unit, source))
    stated = report.line(code) if report else None
    if indicator is None or stated is None or (unit, code) not in year.targets:
        return None
    cumulative_planned = year.cumulative_target(unit, code, source) if source != ANNUAL else None
    if period == ANNUAL:
        planned = year.annual_targets[(unit, code)]
        return report_line(indicator, planned, stated.actual, planned, stated.actual, stated.reason)
    assert cumulative_planned is not None
    if period == HALF_YEAR:
        return report_line(
            indicator,
            cumulative_planned,
            stated.cumulative_actual,
            cumulative_planned,
            stated.cumulative_actual,
            stated.reason,
        )
    planned = year.period_target(unit, code, period)
    return report_line(indicator, planned, stated.actual, cumulative_planned, stated.cumulative_actual, stated.reason)


@dataclass(frozen=True)
class UnitRow:
    """One indicator of one unit in the group report."""

    unit: str
    code: str
    label: str
    direction: str
    aggregate: str
    line: ReportLine | None  # None: not reported
    annual: Decimal
    indicator: Indicator | None = None

    @property
    def progress(self) -> Decimal | None:
        """Cumulative actual ÷ the year's target × 100 (quarterly amounts only)."""
        if self.line is None or self.aggregate != "sum":
            return None
        return _ratio(self.line.cumulative_actual, self.annual)

    @property
    def execution(self) -> Decimal | None:
        """The period's achievement of plan × 100, direction-aware as the assessment reads it (issue 14 D16): actual ÷
        plan for a higher-is-better indicator, plan ÷ actual for a lower-is-better one (an overspend is below 100 %,
        not above); a lower-is-better actual of 0 or less against a positive plan is 100 %. Not capped."""
        if self.line is None:
            return None
        planned, actual = self.line.planned, self.line.actual
        if self.indicator is not None and self.indicator.direction == "lower":
            if actual <= 0:
                return None if planned <= 0 else HUNDRED
            return _ratio(planned, actual)
        return _ratio(actual, planned)

    @property
    def status(self) -> str:
        """未报; 预警 (adverse, at least ``warn_pct``); 不利偏差 (adverse, at least ``reason_pct``: a deviation the unit
        must explain, PL-3.4.1); 正常 (on plan, favourable, or a small adverse deviation)."""
        if self.line is None:
            return "未报"
        if self.line.warned:
            return "预警"
        significant = self.indicator is not None and reason_required(self.indicator, self.line.deviation_pct)
        return "不利偏差" if self.line.adverse and significant else "正常"


def _rows(year: PlanYear, period: str) -> list[UnitRow]:
    rows = []
    for unit in year.units:
        for code in year.indicators_of(unit):
            indicator = _indicator(year, code)
            rows.append(
                UnitRow(
                    unit,
                    code,
                    _label(year, code),
                    DIRECTION_TEXT[indicator.direction] if indicator else NONE,
                    indicator.aggregate if indicator else "sum",
                    period_line(year, unit, code, period),
                    year.annual_targets[(unit, code)],
                    indicator,
                )
            )
    return rows


def _days_late(due: date, done: date) -> int:
    return (done - due).days


def submissions(
    year: PlanYear, periods: tuple[str, ...], as_of: date, calendar: WorkCalendar | None = None
) -> list[dict]:
    """Per unit and report: due, submitted, 按时/迟报/未报/未到期 (PL-3.3.1) and, for a branch, the finance review
    (PL-3.3.2). ``late_days``: calendar days after the due day; finance lateness in working days."""
    out = []
    for period in periods:
        due = report_due(year.year, period)
        for unit in year.units:
            report = year.reports.get((unit, period))
            branch = _is_branch(year, unit)
            row = {
                "unit": unit,
                "period": period,
                "period_label": period_label(period),
                "due": due,
                "submitted": report.submitted_on if report else None,
                "state": "",
                "late_days": 0,
                "branch": branch,
                "finance_due": report.finance_due_on if report else None,
                "finance_provisional": bool(report and report.finance_due_provisional),
                "finance_on": report.finance_reviewed_on if report else None,
                "finance_state": "",
                "finance_late": 0,
            }
            if report is None:
                row["state"] = "未报" if due < as_of else "未到期"
            elif report.late or report.submitted_on > due:
                row["state"], row["late_days"] = "迟报", max(_days_late(due, report.submitted_on), 0)
            else:
                row["state"] = "按时"
            if branch and report is not None:
                row["finance_state"], row["finance_late"] = _finance_state(report, as_of, calendar)
            out.append(row)
    return out


def _finance_state(report: ExecutionReport, as_of: date, calendar: WorkCalendar | None) -> tuple[str, int]:
    due, done = report.finance_due_on, report.finance_reviewed_on
    if due is None:
        return ("已审核" if done else "待审核"), 0
    if done is None and due < as_of:
        return "逾期未审核", calendar.workdays_late(due, as_of) if calendar else _days_late(due, as_of)
    if done is not None and (report.finance_late or done > due):
        return "审核逾期", calendar.workdays_late(due, done) if calendar else _days_late(due, done)
    if report.earlier_late_reviews:  # a late review of a version since corrected stays on record (PL-3.3.2)
        late_due, late_done = report.earlier_late_reviews[-1]
        days = calendar.workdays_late(late_due, late_done) if calendar else _days_late(late_due, late_done)
        return "前次审核逾期", days
    return ("按时审核" if done is not None else "待审核"), 0


def _is_branch(year: PlanYear, unit: str) -> bool:
    try:
        return year.plan.unit(unit).is_branch
    except KeyError:
        return False


def _warning_rows(year: PlanYear, periods: tuple[str, ...]) -> list[dict]:
    """Every warned line of the covered reports (PL-3.3.4, PL-3.4.2), with its reason and notice."""
    out = []
    for period in periods:
        for unit in year.units:
            for code in year.indicators_of(unit):
                line = period_line(year, unit, code, period)
                if line is None or not line.warned:
                    continue
                notice = next(
                    (w for w in year.warnings if (w.unit, w.period, w.indicator) == (unit, period, code)), None
                )
                indicator = _indicator(year, code)
                out.append(
                    {
                        "unit": unit,
                        "period": period,
                        "period_label": period_label(period),
                        "code": code,
                        "label": _label(year, code),
                        "planned": line.planned,
                        "actual": line.actual,
                        "deviation": line.deviation_pct,
                        "threshold": indicator.warn_pct if indicator else None,
                        "reason": line.reason,
                        "notice_on": notice.issued_on if notice else None,
                    }
                )
    return out


def period_end(year: int, period: str) -> date:
    """The last day a group report's period covers (``Q1`` … ``Q4``, ``半年``, ``年度``)."""
    quarter = {ANNUAL: 4, HALF_YEAR: 2}.get(period) or int(period.removeprefix("Q"))
    return date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - timedelta(days=1)


def produced_events(ledger: EventReads, year: int, period: str) -> list[date]:
    """The days the group report of ``year``/``period`` was produced after its period ended (``plan.group_report``;
    one made while the period ran is an interim copy, not the report of PL-3.4.3), in order."""
    last = period_end(year, period)
    days = (
        date.fromisoformat(str(e.payload["produced_on"]))
        for e in ledger.events(kind=PLAN_GROUP_REPORT)
        if e.payload.get("year") == year and e.payload.get("period") == period
    )
    return sorted(day for day in days if day > last)


def window_text(window: tuple[date, date], produced_on: date, last: date | None = None) -> str:
    """Where ``produced_on`` falls against the PL-3.4.3 window (``last``: the period's last day)."""
    start, end = window
    span = f"{chinese_date(start)}至{chinese_date(end)}"
    if last is not None and produced_on <= last:
        return f"规定报送时间为{span}（{GROUP_CLAUSE}）；本期尚未结束，本报告为期中汇总，不作为正式报送"
    if produced_on < start:
        return f"规定报送时间为{span}（{GROUP_CLAUSE}），本报告早于规定时间生成"
    if produced_on <= end:
        return f"规定报送时间为{span}（{GROUP_CLAUSE}），本报告在规定时间内生成"
    return f"规定报送时间为{span}（{GROUP_CLAUSE}），本报告晚于规定时间{(produced_on - end).days}天生成"


def execution_figures(
    year: PlanYear,
    period: GroupPeriod,
    as_of: date,
    *,
    first_produced: date | None = None,
    calendar: WorkCalendar | None = None,
) -> dict:
    """Everything the group report says for ``period`` as of ``as_of`` (the day it is made)."""
    rows = _rows(year, period.period)
    subs = submissions(year, period.report_periods, as_of, calendar)
    warnings = _warning_rows(year, period.report_periods)
    reports = [year.reports[(u, p)] for p in period.report_periods for u in year.units if (u, p) in year.reports]
    produced = first_produced or as_of
    return {
        "period": period,
        "as_of": as_of,
        "produced_on": produced,
        "window": period.window,
        "window_text": window_text(period.window, produced, period.last),
        "rows": rows,
        "units": year.units,
        "submissions": subs,
        "late": [s for s in subs if s["state"] == "迟报"],
        "missing": [s for s in subs if s["state"] == "未报"],
        "finance_late": [s for s in subs if s["finance_state"] in ("审核逾期", "逾期未审核", "前次审核逾期")],
        "warnings": warnings,
        "period_warnings": [w for w in warnings if w["period"] in period.report_periods],
        "adjustments": [a for a in year.adjustments if a.proposed_on <= as_of],
        "problems": [(r.unit, period_label(r.period), p) for r in reports for p in r.problems],
        "experience": [(r.unit, period_label(r.period), r.experience) for r in reports if r.experience.strip()],
        "shortfalls": [(r.unit, period_label(r.period), r.shortfalls) for r in reports if r.shortfalls.strip()],
        "reported_units": sorted({r.unit for r in reports}),
        "year": year,
    }


# ============================================================ wording shared by the PDF, the Word draft, the minutes


def figure(value: Decimal | None) -> str:
    return NONE if value is None else plain(value)


def unit_rows(figures: dict) -> list[dict]:
    """The table of indicators against plan, one row per unit and indicator (every value a str)."""
    out = []
    period: GroupPeriod = figures["period"]
    # a report not in before its due day is 未到期, as section 四 says (issue 14 D11), not 未报
    absent = "未到期" if report_due(period.year, period.line_period) >= figures["as_of"] else "未报"
    for row in figures["rows"]:
        line = row.line
        out.append(
            {
                "unit": row.unit,
                "indicator": row.label,
                "direction": row.direction,
                "planned": figure(line.planned) if line else NONE,
                "actual": figure(line.actual) if line else absent,
                "deviation": signed_pct(line.deviation_pct) if line else NONE,
                "cumulative_planned": figure(line.cumulative_planned) if line else NONE,
                "cumulative_actual": figure(line.cumulative_actual) if line else NONE,
                "annual": figure(row.annual),
                "progress": pct(row.progress),
                "status": absent if line is None else row.status,
            }
        )
    return out


def warning_lines(figures: dict) -> list[dict]:
    return [
        {
            "unit": w["unit"],
            "period": w["period_label"],
            "indicator": w["label"],
            "planned": figure(w["planned"]),
            "actual": figure(w["actual"]),
            "deviation": signed_pct(w["deviation"]),
            "threshold": f"{w['threshold']:g}%" if w["threshold"] is not None else NONE,
            "reason": w["reason"] or "（未说明原因）",
            "notice": chinese_date(w["notice_on"]) if w["notice_on"] else "未发出",
        }
        for w in figures["warnings"]
    ]


def submission_lines(figures: dict) -> list[dict]:
    out = []
    for s in figures["submissions"]:
        state = s["state"] + (f"{s['late_days']}天" if s["state"] == "迟报" else "")
        finance = NONE
        if s["branch"]:
            finance = s["finance_state"] or ("—（未报）" if s["submitted"] is None else NONE)
            if s["finance_late"]:
                finance += f"{s['finance_late']}个工作日"
            if s["finance_due"]:
                finance += (
                    f"（期限{chinese_date(s['finance_due'])}{PROVISIONAL_MARK if s['finance_provisional'] else ''}）"
                )
        out.append(
            {
                "unit": s["unit"],
                "period": s["period_label"],
                "due": chinese_date(s["due"]),
                "submitted": chinese_date(s["submitted"]) if s["submitted"] else NONE,
                "state": state,
                "finance": finance,
            }
        )
    return out


def adjustment_lines(figures: dict) -> list[dict]:
    year: PlanYear = figures["year"]
    out = []
    for a in figures["adjustments"]:
        changed = "；".join(
            f"第{q}季度{figure(a.old_targets.get(q))}→{figure(a.new_targets[q])}"
            for q in sorted(a.new_targets)
            if q >= a.effective_quarter
        )
        out.append(
            {
                "number": a.number,
                "unit": a.unit,
                "indicator": _label(year, a.indicator),
                "change": f"自第{a.effective_quarter}季度起：{changed}",
                "status": a.status + (f"（{chinese_date(a.approved_on)}）" if a.approved_on else ""),
                "reason": a.reason,
            }
        )
    return out


def summary_sentence(figures: dict) -> str:
    period: GroupPeriod = figures["period"]
    rows = figures["rows"]
    reported = [r for r in rows if r.line is not None]
    adverse = sum(1 for r in reported if r.status in ("不利偏差", "预警"))
    warned = len(figures["period_warnings"])
    where = "全年各季度及年度报告中" if period.kind == "annual" else "本期"
    return (
        f"{period.name}，纳入计划考核的部门和分支机构共{len(figures['units'])}个，计划指标{len(rows)}项，"
        f"已报执行情况{len(reported)}项；其中不利偏差达到须说明原因标准的{adverse}项，{where}达到预警标准的{warned}项。"
        f"迟报{len(figures['late'])}份，未报{len(figures['missing'])}份，"
        f"分支机构报告财务审核逾期{len(figures['finance_late'])}份。"
    )


def _chart_name(unit: str, label: str) -> str:
    short = unit.removesuffix("分公司").removesuffix("部")
    return f"{short}·{label.split('（')[0]}"


def charts(figures: dict) -> tuple[str, str]:
    """The period's execution rate and the year's progress, as SVG (labels escaped by ``bar_chart_svg``)."""
    period: GroupPeriod = figures["period"]
    rows = figures["rows"]
    # one rounding for the table and the chart (issue 14 D6): half up to the tenth on the Decimal, as ``pct`` prints
    execution = [(_chart_name(r.unit, r.label), _tenth(r.execution)) for r in rows if r.execution is not None]
    progress = [(_chart_name(r.unit, r.label), _tenth(r.progress)) for r in rows if r.progress is not None]
    return (
        bar_chart_svg(execution, f"{period.name}计划完成率（按指标方向，%）", unit="%"),
        bar_chart_svg(progress, f"截至{period.name}末年度计划累计完成进度（%）", unit="%"),
    )


def execution_context(figures: dict) -> dict:
    """The context of ``plan_execution.typ`` (every value a str; the charts as SVG text)."""
    period: GroupPeriod = figures["period"]
    execution_chart, progress_chart = charts(figures)
    return {
        "title": f"集团{period.kind_name}计划执行报告",
        "period": period.label,
        "period_name": period.name,
        "span": f"{chinese_date(period.first)}至{chinese_date(period.last)}",
        "issuer": ISSUER,
        "issued_on": figures["produced_on"].isoformat(),
        "as_of": chinese_date(figures["as_of"]),
        "window": figures["window_text"],
        "summary": summary_sentence(figures),
        "units": unit_rows(figures),
        "warnings": warning_lines(figures),
        "submissions": submission_lines(figures),
        "late_count": str(len(figures["late"])),
        "missing_count": str(len(figures["missing"])),
        "finance_late_count": str(len(figures["finance_late"])),
        "adjustments": adjustment_lines(figures),
        "problems": [{"unit": u, "period": p, "text": t} for u, p, t in figures["problems"]],
        "experience": [{"unit": u, "period": p, "text": t} for u, p, t in figures["experience"]],
        "shortfalls": [{"unit": u, "period": p, "text": t} for u, p, t in figures["shortfalls"]],
        "execution_chart": execution_chart,
        "progress_chart": progress_chart,
        "chart_note": CHART_NOTE,
        "clauses": f"{CLAUSE}、{REPORT_CLAUSE}、{FINANCE_CLAUSE}、{WARNING_CLAUSE}、{GROUP_CLAUSE}",
    }


# ============================================================ Word, in the house style


def new_docx(title: str, subject: str):
    """A python-docx document with the house page, fonts and page numbers (``render/build_templates.py``)."""
    from docgen.render import build_templates as house

    document = house._new_document(title, subject)
    document.core_properties.comments = "由 docgen 生成。"
    house._page(document, landscape=False)
    return document


def docx_title(document, text: str, meta: list[tuple[str, str]]) -> None:
    from docgen.render import build_templates as house

    house._title(document, [text])
    if meta:
        house._meta(document, meta)


def docx_heading(document, text: str, level: int = 1) -> None:
    from docgen.render import build_templates as house

    house._heading(document, text, level=level)


def docx_para(document, text: str, *, indent: bool = True, size: float | None = None) -> None:
    from docgen.render import build_templates as house

    for part in str(text).split("\n"):
        house._para(document, part, indent_chars=2 if indent else 0, size=size or house.BODY_PT)


def docx_signature(document, issuer: str, day: str) -> None:
    """The issuer over the date, on the right, as the 《计划预警通知》's seal (``build_templates._seal``); kept on the
    page of the paragraph before it, the date never alone on a page (issue 14 D4)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    from docgen.render import build_templates as house

    document.paragraphs[-1].paragraph_format.keep_with_next = True
    seal = house._para(document, issuer, align=WD_ALIGN_PARAGRAPH.RIGHT, before=12)
    seal.paragraph_format.keep_with_next = True
    seal.paragraph_format.keep_together = True
    date_line = house._para(document, day, align=WD_ALIGN_PARAGRAPH.RIGHT)
    date_line.paragraph_format.keep_together = True


def docx_form_table(document, rows: list[tuple]) -> None:
    """A bordered label/value table (``build_templates._label_value_table``): ``(label, value, label, value)`` or
    ``(label, value, min_height_mm)``; read back by label (``office.docx_form``)."""
    from docgen.render import build_templates as house

    house._label_value_table(document, rows, (28, 52, 28, 52))
    house._para(document, "", size=6)


def docx_table(document, columns: Sequence[tuple[str, str, float]], rows: list[dict], *, size: float = 9) -> None:
    """A report table: ``columns`` (header, key, width in mm), 黑体 header on grey, 宋体 cells."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    from docgen.render import build_templates as house

    table = document.add_table(rows=1 + len(rows), cols=len(columns))
    house._borders(table)
    for index, (header, _, _) in enumerate(columns):
        house._cell(
            table.rows[0].cells[index],
            header,
            font=house.HEI,
            size=size,
            fill=house.LABEL_FILL,
            align=WD_ALIGN_PARAGRAPH.CENTER,
        )
    house._row_flag(table.rows[0], "w:tblHeader")
    for r, row in enumerate(rows, start=1):
        house._row_flag(table.rows[r], "w:cantSplit")
        for index, (_, key, _) in enumerate(columns):
            house._cell(table.rows[r].cells[index], str(row.get(key, "")), size=size)
    house._widths(table, [width for _, _, width in columns])
    house._para(document, "", size=6)


def chart_png(svg: str) -> bytes:
    """A chart of ``bar_chart_svg`` as PNG for the Word draft, drawn by Typst as the PDF draws it (the SVG text is
    handed over as data, ``sys.inputs``, never as markup)."""
    import typst

    source = b'#set page(width: auto, height: auto, margin: 2pt)\n#image(bytes(sys.inputs.at("svg")), format: "svg", width: 150mm)\n'
    return typst.compile(source, format="png", ppi=200, sys_inputs={"svg": svg})


def docx_chart(document, svg: str, width_mm: float = 140) -> None:
    """The chart centred, on its own line, kept whole."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.keep_together = True
    paragraph.add_run().add_picture(io.BytesIO(chart_png(svg)), width=Mm(width_mm))


def docx_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


UNIT_COLUMNS = [
    ("单位", "unit", 17),
    ("指标", "indicator", 27),
    ("本期计划", "planned", 14),
    ("本期实际", "actual", 14),
    ("偏差", "deviation", 13),
    ("累计计划", "cumulative_planned", 14),
    ("累计实际", "cumulative_actual", 14),
    ("年度目标", "annual", 14),
    ("年度进度", "progress", 13),
    ("状态", "status", 16),
]
WARNING_COLUMNS = [
    ("单位", "unit", 18),
    ("期间", "period", 17),
    ("指标", "indicator", 24),
    ("计划", "planned", 13),
    ("实际", "actual", 13),
    ("偏差", "deviation", 12),
    ("原因说明（PL-3.4.1）", "reason", 33),
    ("预警通知", "notice", 26),
]
SUBMISSION_COLUMNS = [
    ("单位", "unit", 19),
    ("报告", "period", 17),
    ("报送期限", "due", 28),
    ("报送日期", "submitted", 28),
    ("报送情况", "state", 16),
    ("财务审核（PL-3.3.2）", "finance", 48),
]
ADJUSTMENT_COLUMNS = [
    ("编号", "number", 26),
    ("单位", "unit", 18),
    ("指标", "indicator", 26),
    ("调整内容", "change", 40),
    ("状态", "status", 22),
    ("理由", "reason", 24),
]


def execution_docx(context: dict) -> bytes:
    """The Word draft of the group report: the same content as the PDF, 经验 and 不足 left for 企业发展中心."""
    document = new_docx(f"{context['period_name']}{context['title']}", context["clauses"])
    docx_title(
        document, f"{context['period_name']}{context['title']}", [("统计期间：", context["span"]), ("编制：", ISSUER)]
    )
    # read back as the form PL-GROUP once 经验 and 不足 are written (docgen.steps.plan_group_report)
    docx_form_table(
        document,
        [
            ("表单编号", GROUP_REPORT.form_id, "版本", str(GROUP_REPORT.version)),
            ("报告期间", context["period"], "编制日期", chinese_date(date.fromisoformat(context["issued_on"]))),
        ],
    )
    docx_para(document, f"依据《计划管理程序》（{CLAUSE}），现将{context['period_name']}计划执行情况汇总报告如下。")
    docx_para(document, context["summary"])
    docx_para(document, f"本报告截至{context['as_of']}；{context['window']}。")
    docx_heading(document, "一、各部门和分支机构计划指标执行情况")
    docx_table(document, UNIT_COLUMNS, context["units"], size=8)
    docx_para(
        document,
        "注：偏差＝（本期实际－本期计划）÷本期计划；越高越好的指标低于计划、越低越好的指标高于计划为不利偏差，"
        "达到须说明原因的标准（PL-3.4.1）的标为“不利偏差”，达到预警标准的标为“预警”（PL-3.3.4、PL-3.4.2）；"
        "年度进度＝累计实际÷年度目标（比率类指标不计）；计划按已批准的调整方案调整后的指标计（PL-3.4.2）。",
        size=10.5,
    )
    for svg in (context["execution_chart"], context["progress_chart"]):
        docx_chart(document, svg)
    docx_para(document, context["chart_note"], size=10.5)
    docx_heading(document, "二、计划执行预警（PL-3.3.4、PL-3.4.2）")
    if context["warnings"]:
        docx_table(document, WARNING_COLUMNS, context["warnings"])
    else:
        docx_para(document, "本期没有达到预警标准的偏差。")
    docx_heading(document, "三、计划调整")
    if context["adjustments"]:
        docx_table(document, ADJUSTMENT_COLUMNS, context["adjustments"])
    else:
        docx_para(document, "本期没有计划调整方案。")
    docx_heading(document, "四、计划执行报告报送情况（PL-3.3.1、PL-3.3.2）")
    docx_para(
        document,
        f"迟报{context['late_count']}份，未报{context['missing_count']}份，"
        f"分支机构报告财务审核逾期{context['finance_late_count']}份。",
    )
    docx_table(document, SUBMISSION_COLUMNS, context["submissions"])
    docx_heading(document, "五、影响计划执行的非常规问题（PL-2.2.3）")
    if context["problems"]:
        for item in context["problems"]:
            docx_para(document, f"{item['unit']}（{item['period']}）：{item['text']}")
    else:
        docx_para(document, "各单位未报告非常规问题。")
    docx_heading(document, "六、执行中的经验（由企业发展中心撰写）")
    docx_para(
        document, "【请企业发展中心在此撰写本期计划执行的经验。】写在下表“执行经验”一栏中，各单位报告的经验附后："
    )
    docx_form_table(document, [("执行经验", context.get("experience_text", ""), 40)])
    for item in context["experience"]:
        docx_para(document, f"{item['unit']}（{item['period']}）报告：{item['text']}")
    docx_heading(document, "七、执行中的不足（由企业发展中心撰写）")
    docx_para(
        document,
        "【请企业发展中心在此撰写本期计划执行的不足及改进措施。】写在下表“执行不足”一栏中，各单位报告的不足附后：",
    )
    docx_form_table(document, [("执行不足", context.get("shortfalls_text", ""), 40)])
    for item in context["shortfalls"]:
        docx_para(document, f"{item['unit']}（{item['period']}）报告：{item['text']}")
    docx_para(
        document,
        "写好后将本 Word 稿放入 intake 文件夹：docgen 按报告期间重新汇总，连同所写内容归档为 PDF/A（PL-3.3.3）。",
        size=10.5,
    )
    docx_signature(document, ISSUER, chinese_date(date.fromisoformat(context["issued_on"])))
    return docx_bytes(document)


# ============================================================ writing and tracking


def group_report_paths(ws, period: GroupPeriod) -> tuple[Path, Path]:
    stem = ws.outbox / "reports" / period.label / f"{FILE_TITLE}-{period.label}"
    return stem.with_suffix(".pdf"), stem.with_suffix(".docx")


def write_group_report(ws, ledger: Ledger, period: GroupPeriod) -> tuple[list[Path], dict]:
    """``docgen plan report``: the PDF/A report and its Word draft; records ``plan.group_report`` (PL-3.4.3)."""
    year = plan_year_of(ledger, ws.settings, period.year)
    today = ws.today()
    earlier = produced_events(ledger, period.year, period.period)
    figures = execution_figures(
        year, period, today, first_produced=earlier[0] if earlier else today, calendar=ws.calendar
    )
    context = execution_context(figures)
    pdf_path, docx_path = group_report_paths(ws, period)
    paths = [
        render_pdf(TEMPLATE, context, pdf_path, workspace_templates=ws.templates),
        write_bytes(docx_path, execution_docx(context)),
    ]
    start, end = period.window
    payload = {
        "year": period.year,
        "period": period.period,
        "produced_on": today.isoformat(),
        "window_start": start.isoformat(),
        "window_end": end.isoformat(),
        "files": [str(p.relative_to(ws.root)) for p in paths],
    }
    with ledger.transaction() as tx:
        tx.append(PLAN_GROUP_REPORT, checked(PLAN_GROUP_REPORT, payload))
    data = {
        "period": period.label,
        "window": [start.isoformat(), end.isoformat()],
        "produced_on": today.isoformat(),
        "first_produced_on": figures["produced_on"].isoformat(),
        "warnings": len(figures["warnings"]),
        "late": [[s["unit"], s["period"]] for s in figures["late"]],
        "missing": [[s["unit"], s["period"]] for s in figures["missing"]],
        "finance_late": [[s["unit"], s["period"]] for s in figures["finance_late"]],
    }
    return paths, data


GROUP_PERIODS = (("Q1", 1), ("Q2", 2), (HALF_YEAR, 2), ("Q3", 3), ("Q4", 4), (ANNUAL, 4))


def _group_label(year: int, period: str) -> str:
    """``2026Q1``, ``2026H1``, ``2026``: as ``docgen plan report`` names the period."""
    return str(year) if period == ANNUAL else f"{year}H1" if period == HALF_YEAR else f"{year}{period}"


def _group_name(year: int, period: str) -> str:
    if period == ANNUAL:
        return f"集团{year}年度计划执行报告"
    if period == HALF_YEAR:
        return f"集团{year}年半年计划执行报告"
    return f"集团{year}年{period_label(period)}计划执行报告"


def group_report_warnings(ledger: EventReads, calendar: WorkCalendar, today: date, due_soon: date | None = None):
    """The group reports not produced by the end of their window (PL-3.4.3), as the daily 逾期预警's lines under
    企业发展中心 (``reports.periodic.Warning`` with one ``Pending`` per report); ``due_soon``: also those whose
    window ends by that day (the next working day)."""
    from docgen.cases import DeadlineState
    from docgen.reports.periodic import Pending
    from docgen.reports.periodic import Warning as OverdueWarning

    warning = OverdueWarning(ISSUER)
    produced = {
        (e.payload.get("year"), e.payload.get("period"))
        for e in ledger.events(kind=PLAN_GROUP_REPORT)
        if date.fromisoformat(str(e.payload["produced_on"])) > period_end(e.payload["year"], e.payload["period"])
    }
    for year in plan_years(ledger):
        for period, _ in GROUP_PERIODS:
            if (year, period) in produced:
                continue
            start, end = group_report_window(year, period)
            deadline = DeadlineState(
                f"plan-group-{year}-{period}",
                f"提交《{_group_name(year, period)}》（{chinese_date(start)}至{chinese_date(end)}）",
                end,
                GROUP_CLAUSE,
                False,
                actor=ISSUER,
            )
            number = _group_label(year, period)
            if end < today:
                warning.late.append(Pending(number, FILE_TITLE, deadline, calendar.workdays_late(end, today)))
            elif due_soon is not None and today <= end <= due_soon:
                warning.due_tomorrow.append(Pending(number, FILE_TITLE, deadline))
    return [warning] if warning.late or warning.due_tomorrow else []


def with_group_report_warnings(warnings: list, ledger: EventReads, calendar: WorkCalendar, today: date) -> list:
    """``warnings`` (the daily 逾期预警's, by department) with the group reports' lines added under 企业发展中心."""
    extra = group_report_warnings(ledger, calendar, today, calendar.next_workday(today))
    if not extra:
        return warnings
    merged = {w.department: w for w in warnings}
    mine = extra[0]
    if mine.department in merged:
        merged[mine.department].late.extend(mine.late)
        merged[mine.department].due_tomorrow.extend(mine.due_tomorrow)
    else:
        merged[mine.department] = mine
    return [merged[name] for name in sorted(merged)]


# ============================================================ the completed Word draft filed (steps/plan_group_report.py)


def file_group_report(ws, ledger: EventReads, spec: dict, target: Path) -> Path:
    """The completed group report filed as PDF/A-3b at ``target`` (a ``plan_group_report`` document): the units'
    figures consolidated as of the day it was filed, 经验 and 不足 as 企业发展中心 wrote them, the Word original
    attached."""
    kind = {ANNUAL: "annual", HALF_YEAR: "half"}.get(spec["period"], "quarter")
    quarter = {ANNUAL: 4, HALF_YEAR: 2}.get(spec["period"]) or int(str(spec["period"]).removeprefix("Q"))
    period = GroupPeriod(int(spec["year"]), kind, quarter)
    year = plan_year_of(ledger, ws.settings, period.year)
    filed_on = date.fromisoformat(spec["filed_on"])
    earlier = produced_events(ledger, period.year, period.period)
    figures = execution_figures(
        year, period, filed_on, first_produced=earlier[0] if earlier else filed_on, calendar=ws.calendar
    )
    context = execution_context(figures) | {
        "experience_text": str(spec.get("experience") or ""),
        "shortfalls_text": str(spec.get("shortfalls") or ""),
    }
    attachments = []
    original = spec.get("original") or {}
    if original.get("archived"):
        archived = PurePosixPath(str(original["archived"]))
        if archived.is_absolute() or ".." in archived.parts:
            raise ValueError(f"归档路径无效：{original['archived']!r}")
        name = str(original.get("file") or archived.name)
        attachments.append(
            (
                ws.root / Path(*archived.parts),
                str(original.get("name") or archived.name),
                f"集团计划执行报告 Word 原件：{name}",
            )
        )
    return render_pdf(TEMPLATE, context, Path(target), workspace_templates=ws.templates, attachments=attachments)
