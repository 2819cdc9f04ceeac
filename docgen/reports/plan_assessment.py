"""The quarterly and annual plan execution assessment 《计划执行考核表》 (PL-3.4.3: 企业发展中心 会同人力资源部 assesses
each department and branch every quarter and at the year's end), as ``.xlsx`` for 人力资源部.

Per unit, three scores out of 100, weighted by ``[plan.assessment]`` (``settings.plan.assessment``):

- **timeliness** (及时性, PL-3.3.1): the report on time 100, late 60, missing 0. 财务计统部 reviews the branches'
  reports (PL-3.3.2): each branch report of the period whose review came late, or is overdue and absent, takes
  :data:`FINANCE_DEDUCTION` points off its timeliness (not below 0);
- **completeness** (完整性, PL-2.1.3, PL-3.4.1): 100 × the owned indicators reported with a reason wherever the
  deviation required one ÷ the owned indicators (0 when the report is missing);
- **achievement** (达成度): per indicator the ratio of actual to plan, turned round for a lower-is-better indicator
  (plan ÷ actual), capped at 100 % (:data:`CAP`) and not below 0; plan 0: 100 when the actual is not worse than 0,
  else 0; each ratio as printed (a percentage to the hundredth), then their average over the owned indicators (a
  missing report or line counts 0).

Score = (w₁ × timeliness + w₂ × completeness + w₃ × achievement) ÷ (w₁ + w₂ + w₃), rounded half up to two decimals;
every intermediate figure is printed with the rule, so a manager can recompute any score by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from docgen.atomic import write_with
from docgen.errors import PeriodError
from docgen.office.xlsx import print_one_page_wide, row_height, text_lines
from docgen.plans import ANNUAL, PlanYear, period_label, plain, reason_required, report_due
from docgen.reports.plan_execution import GroupPeriod, PlanReportError, plan_year_of
from docgen.wording import chinese_date

__all__ = ["UnitScore", "assess", "rule_lines", "write_assessment"]

TITLE = "计划执行考核表"
ON_TIME, LATE, MISSING = Decimal(100), Decimal(60), Decimal(0)
FINANCE_DEDUCTION = Decimal(20)
CAP = Decimal(1)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
NONE = "—"


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class IndicatorScore:
    unit: str
    code: str
    label: str
    direction: str
    planned: Decimal | None
    actual: Decimal | None
    ratio: Decimal  # capped, 0 … 1
    reason_needed: bool
    reason_given: bool
    complete: bool


@dataclass(frozen=True)
class UnitScore:
    unit: str
    kind: str
    due: date
    submitted: date | None
    state: str  # 按时 / 迟报 / 未报
    finance_faults: int  # 财务计统部: branch reviews late or overdue
    timeliness: Decimal
    completeness: Decimal
    achievement: Decimal
    total: Decimal
    owned: int
    complete: int
    indicators: tuple[IndicatorScore, ...]


def _ratio(direction: str, planned: Decimal, actual: Decimal) -> Decimal:
    if planned == 0:
        return CAP if (actual <= 0 if direction == "lower" else actual >= 0) else Decimal(0)
    if direction == "lower":
        raw = CAP if actual <= 0 else planned / actual
    else:
        raw = actual / planned
    # as printed: a percentage to the hundredth, so that the average recomputes from the sheet
    return min(max(raw, Decimal(0)), CAP).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def assess(year: PlanYear, period: str, as_of: date) -> list[UnitScore]:
    """The scores of ``period`` (``Q1`` … ``Q4`` or ``年度``) as of ``as_of``."""
    if period not in ("Q1", "Q2", "Q3", "Q4", ANNUAL):
        raise PeriodError(f"考核期间“{period}”不对；应为季度或年度")
    weights = year.plan.assessment
    total_weight = (
        Decimal(str(weights.timeliness)) + Decimal(str(weights.completeness)) + Decimal(str(weights.achievement))
    )
    due = report_due(year.year, period)
    finance = year.plan.finance
    finance_faults = 0
    for (_unit, p), reviewed in year.reports.items():
        if p != period or reviewed.finance_due_on is None:
            continue
        finance_faults += len(reviewed.earlier_late_reviews)  # late reviews of versions since corrected stay counted
        if reviewed.finance_reviewed_on is None:
            finance_faults += reviewed.finance_due_on < as_of
        elif reviewed.finance_late or reviewed.finance_reviewed_on > reviewed.finance_due_on:
            finance_faults += 1
    scores = []
    for unit in year.units:
        report = year.reports.get((unit, period))
        try:
            kind = "分支机构" if year.plan.unit(unit).is_branch else "部门"
        except KeyError:
            kind = "部门"
        if report is None:
            state, timeliness = ("未报" if due < as_of else "未到期"), MISSING
        elif report.late or report.submitted_on > due:
            state, timeliness = "迟报", LATE
        else:
            state, timeliness = "按时", ON_TIME
        faults = finance_faults if unit == finance else 0
        timeliness = max(timeliness - FINANCE_DEDUCTION * faults, Decimal(0))
        indicators = []
        for code in year.indicators_of(unit):
            try:
                indicator = year.plan.indicator(code)
                label, direction = indicator.label, indicator.direction
            except KeyError:
                indicator, label, direction = None, code, "higher"
            line = report.line(code) if report else None
            if line is None or indicator is None:
                indicators.append(
                    IndicatorScore(unit, code, label, direction, None, None, Decimal(0), False, False, False)
                )
                continue
            planned = year.period_target(unit, code, period)
            needed = reason_required(indicator, _deviation(planned, line.actual))
            given = bool(line.reason.strip())
            indicators.append(
                IndicatorScore(
                    unit,
                    code,
                    label,
                    direction,
                    planned,
                    line.actual,
                    _ratio(direction, planned, line.actual),
                    needed,
                    given,
                    not needed or given,
                )
            )
        owned = len(indicators)
        complete = sum(1 for i in indicators if i.complete)
        completeness = _q(HUNDRED * complete / owned) if owned else Decimal(0)
        achievement = _q(HUNDRED * sum((i.ratio for i in indicators), Decimal(0)) / owned) if owned else Decimal(0)
        total = _q(
            (
                Decimal(str(weights.timeliness)) * timeliness
                + Decimal(str(weights.completeness)) * completeness
                + Decimal(str(weights.achievement)) * achievement
            )
            / total_weight
        )
        scores.append(
            UnitScore(
                unit,
                kind,
                due,
                report.submitted_on if report else None,
                state,
                faults,
                timeliness,
                completeness,
                achievement,
                total,
                owned,
                complete,
                tuple(indicators),
            )
        )
    return scores


def _deviation(planned: Decimal, actual: Decimal) -> Decimal | None:
    from docgen.plans import deviation

    return deviation(planned, actual)


def _w(value: float) -> str:
    return plain(Decimal(str(value)))


def rule_lines(year: PlanYear) -> list[str]:
    """The method, printed in the sheet with the weights in force."""
    w = year.plan.assessment
    return [
        "考核方法（PL-3.4.3，企业发展中心会同人力资源部）：",
        f"1. 及时性（PL-3.3.1）：计划执行报告按时提交100分，迟报{plain(LATE)}分，未报0分。财务计统部另按分支机构报告的"
        f"财务审核（PL-3.3.2，五个工作日内）计：每有一份审核逾期或逾期未审核，扣{plain(FINANCE_DEDUCTION)}分，最低0分。",
        "2. 完整性（PL-2.1.3、PL-3.4.1）：完整的指标数÷应报指标数×100。一项指标已报实际值，且偏差达到须说明原因的"
        "标准时已写明原因，即为完整；未报的报告各项指标均不完整。",
        "3. 达成度：每项指标的完成比率，越高越好的指标＝实际÷计划，越低越好的指标＝计划÷实际；比率不超过100%、"
        "不低于0（计划为0时，实际不劣于0记100%，否则0），以百分数四舍五入保留两位小数（即“指标明细”所列）；"
        "各项指标比率的平均数，未报的指标记0。",
        f"4. 综合得分＝（{_w(w.timeliness)}×及时性＋{_w(w.completeness)}×完整性＋{_w(w.achievement)}×达成度）÷"
        f"{_w(w.timeliness + w.completeness + w.achievement)}，四舍五入保留两位小数；完整性、达成度亦保留两位小数。"
        "权重见 docgen.toml 的 [plan.assessment]。",
        "5. 各项指标的计划值为按已批准的调整方案调整后的本期计划（PL-3.4.2）；明细见“指标明细”工作表。",
    ]


# ------------------------------------------------------------------ the workbook

_THIN = Side(style="thin", color="000000")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
MAIN_COLUMNS = [
    ("序号", 5),
    ("单位", 12),
    ("类别", 9),
    ("报送期限", 16),
    ("报送日期", 16),
    ("报送情况", 8),
    ("财务审核扣分", 8),
    ("及时性", 8),
    ("应报指标", 7),
    ("完整指标", 7),
    ("完整性", 8),
    ("达成度", 8),
    ("综合得分", 9),
    ("奖惩意见", 14),
]
DETAIL_COLUMNS = [
    ("单位", 12),
    ("指标", 31),
    ("方向", 9),
    ("本期计划", 11),
    ("本期实际", 11),
    ("完成比率", 10),
    ("须说明原因", 9),
    ("已说明原因", 9),
    ("完整", 7),
]


def _font(face: str = "宋体", size: float = 10.5, bold: bool = False) -> Font:
    return Font(name=face, size=size, bold=bold)


def _line(ws: Worksheet, text: str, width: int, *, font: Font, height: float | None = None, center=False) -> None:
    ws.append([text])
    row = ws.max_row
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    cell = ws.cell(row, 1)
    cell.font = font
    cell.alignment = Alignment(horizontal="center" if center else "left", vertical="center", wrap_text=True)
    if height:
        ws.row_dimensions[row].height = height


def _header(ws: Worksheet, columns: Sequence[tuple[str, float]]) -> None:
    ws.append([name for name, _ in columns])
    for cell in ws[ws.max_row]:
        cell.font, cell.border, cell.fill = _font("黑体"), _BOX, _HEAD_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    lines = max(text_lines(name, width, 10.5) for name, width in columns)
    ws.row_dimensions[ws.max_row].height = max(30, row_height(lines, 10.5))


class Percent(Decimal):
    """A share (0 … 1) stored as a number and shown as a percentage to the hundredth (``0.00%``)."""


class Figure(Decimal):
    """A plan or actual figure stored as a number, shown as it is (``General``)."""


def _body(ws: Worksheet, values: list, columns: Sequence[tuple[str, float]]) -> None:
    """A table row: numbers stay numbers with a number format (issue 14 D15), the row as high as its longest text
    wraps to in its column (``office.xlsx.text_lines``: LibreOffice does not grow a row it opens, issue 14 D3)."""
    ws.append(values)
    for cell in ws[ws.max_row]:
        cell.font, cell.border = _font(), _BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if isinstance(cell.value, Percent):
            cell.number_format = "0.00%"
        elif isinstance(cell.value, Figure):
            cell.number_format = "General"
        elif isinstance(cell.value, Decimal):
            cell.number_format = "0.00"
    lines = max(
        (text_lines(str(value), width, 10.5) for value, (_, width) in zip(values, columns) if isinstance(value, str)),
        default=1,
    )
    ws.row_dimensions[ws.max_row].height = max(20, row_height(lines, 10.5))


def _page(ws: Worksheet, columns: Sequence[tuple[str, float]]) -> None:
    for index, (_, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    print_one_page_wide(ws)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.6
    ws.page_margins.top, ws.page_margins.bottom = 0.8, 0.7
    ws.oddFooter.center.font = "宋体"
    ws.oddFooter.center.size = 11
    ws.print_title_rows = None


def _workbook(year: PlanYear, period: GroupPeriod, scores: list[UnitScore], as_of: date) -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    main = wb.active
    main.title = "考核汇总"
    width = len(MAIN_COLUMNS)
    _line(main, f"{period.name}{TITLE}", width, font=_font("宋体", 18, True), height=34, center=True)
    _line(
        main,
        f"考核单位：企业发展中心、人力资源部（PL-3.4.3）　　考核期间：{period.name}　　数据截至：{chinese_date(as_of)}",
        width,
        font=_font("仿宋", 11),
        height=20,
    )
    _header(main, MAIN_COLUMNS)
    first = main.max_row + 1
    for index, score in enumerate(sorted(scores, key=lambda s: (-s.total, s.unit)), start=1):
        _body(
            main,
            [
                index,
                score.unit,
                score.kind,
                chinese_date(score.due),
                chinese_date(score.submitted) if score.submitted else NONE,
                score.state,
                FINANCE_DEDUCTION * score.finance_faults if score.unit == year.plan.finance else NONE,
                score.timeliness,
                score.owned,
                score.complete,
                score.completeness,
                score.achievement,
                score.total,
                "",
            ],
            MAIN_COLUMNS,
        )
    main.freeze_panes = main.cell(first, 1)
    main.append([])
    for text in rule_lines(year):
        lines = max(1, -(-len(text) // 70))
        _line(main, text, width, font=_font("仿宋", 10.5), height=15 * lines + 3)
    main.append([])
    _line(
        main,
        "编制（企业发展中心）：　　　　　　审核（人力资源部）：　　　　　　日期：　　年　　月　　日",
        width,
        font=_font("仿宋", 11),
        height=30,
    )
    _page(main, MAIN_COLUMNS)

    detail = wb.create_sheet("指标明细")
    _line(
        detail,
        f"{period.name}{TITLE}——指标明细",
        len(DETAIL_COLUMNS),
        font=_font("宋体", 14, True),
        height=26,
        center=True,
    )
    _header(detail, DETAIL_COLUMNS)
    for score in scores:
        for item in score.indicators:
            _body(
                detail,
                [
                    item.unit,
                    item.label,
                    "越低越好" if item.direction == "lower" else "越高越好",
                    Figure(item.planned) if item.planned is not None else NONE,
                    Figure(item.actual) if item.actual is not None else "未报",
                    Percent(item.ratio),
                    "是" if item.reason_needed else "否",
                    "是" if item.reason_given else "否",
                    "是" if item.complete else "否",
                ],
                DETAIL_COLUMNS,
            )
    _page(detail, DETAIL_COLUMNS)
    return wb


def assessment_period(period: GroupPeriod) -> str:
    if period.kind == "half":
        raise PeriodError("考核按季度或年度进行（PL-3.4.3）：请用 --quarter 2026Q3 或 --year 2026")
    return period.period


def not_due(period: GroupPeriod, key: str, today: date) -> None:
    """Refuse to score a period whose reports are not all due yet (issue 14 D11): before the due day a report not
    in is not late, and scoring it 0 would rank units on nothing."""
    due = report_due(period.year, key)
    if today <= due:
        ended = "尚未结束" if today <= period.last else f"已于{chinese_date(period.last)}结束"
        raise PlanReportError(
            f"{period.name}{ended}，各单位计划执行报告的报送期限为{chinese_date(due)}（PL-3.3.1），尚未届满；"
            f"考核（PL-3.4.3）须在报送期限届满后进行，请于{chinese_date(due + timedelta(days=1))}起再生成考核表"
        )


def write_assessment(ws, ledger, period: GroupPeriod) -> tuple[list[Path], dict]:
    """``docgen plan assess``: ``outbox/reports/<period>/计划执行考核表-<period>.xlsx``."""
    key = assessment_period(period)
    year = plan_year_of(ledger, ws.settings, period.year)
    today = ws.today()
    not_due(period, key, today)
    scores = assess(year, key, today)
    path = ws.outbox / "reports" / period.label / f"{TITLE}-{period.label}.xlsx"
    write_with(path, _workbook(year, period, scores, today).save)
    data = {
        "period": period.label,
        "report": period_label(key),
        "scores": {
            s.unit: {
                "state": s.state,
                "timeliness": str(s.timeliness),
                "completeness": str(s.completeness),
                "achievement": str(s.achievement),
                "total": str(s.total),
            }
            for s in scores
        },
    }
    return [path], data
