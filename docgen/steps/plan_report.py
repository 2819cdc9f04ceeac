"""The 《计划执行报告》 (PL-3.3.1): a department's or branch's quarterly or annual plan execution report, on no case.

Dropped into intake/ (the copy docgen emitted, its plan pre-filled, or any copy of the blank):

- each line names an indicator of the unit (its code or name; PL-3.2.3.x gives the unit its indicators) and gives
  本期实际; 累计实际 left blank is the previous report's 累计实际 plus 本期实际 ("sum" indicators) or 本期实际 (a rate);
- docgen takes 本期计划 and 累计计划 from the approved targets (after approved adjustments) and computes the deviation
  (actual − plan) / plan × 100 itself, whatever the clerk wrote (the 核算 copy written back shows it);
- a deviation either way of the indicator's ``reason_pct`` or more needs a written 偏差原因: without one, an error on
  that row's cell (PL-3.4.1);
- an adverse deviation of ``warn_pct`` or more raises one 《计划预警通知》 (Word) to the unit and 企业发展中心
  (PL-3.3.4, PL-3.4.2) and a ``plan.warning``;
- 报送日期 after the due date (``plans.report_due``: the 10th of the quarter's next month, 20 January for the year;
  the day itself on time) is accepted with a violation citing PL-3.3.1;
- a branch's report goes to 财务计统部 for its review within five working days (PL-2.2.2, PL-3.3.2): the pre-filled
  《计划执行报告财务审核表》 is emitted with its due date;
- the unit's next report is emitted pre-filled (the next quarter's plan, the cumulative figures carried); the fourth
  quarter's also the annual report.

Recorded as ``plan.report`` (the latest per unit and period holds; a report sent again is a correction, its lateness
counted from the first one's 报送日期). Lines of indicators the unit owns but left out are a warning (completeness
is scored in the assessment, PL-3.4.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from docgen import plans
from docgen.events import PLAN_REPORT, PLAN_WARNING
from docgen.findings import Finding, error, has_errors, violation, warning
from docgen.forms.base import ParsedForm, Raw
from docgen.forms.plan import FINANCE, PERIOD_CODES, REPORT, ReportHeader, ReportLineRow
from docgen.ledger import Transaction
from docgen.payloads import checked
from docgen.plan_catalogue import DIRECTION_TEXT, Indicator, PlanSettings
from docgen.plans import ANNUAL, ExecutionReport, PlanYear, ReportLine, load_plan_year, period_label, plain
from docgen.steps import facts
from docgen.steps.base import (
    Check,
    Context,
    Decision,
    Document,
    FormStep,
    Submission,
    field_error,
    header_of,
    numbered_lines,
    once_valid,
    run_checks,
    where,
)
from docgen.wording import chinese_date
from docgen.workspace import Workspace

CLAUSE = plans.REPORT_CLAUSE  # PL-3.3.1
OWNERSHIP_CLAUSE = "PL-3.2.3"
PROBLEMS_CLAUSE = "PL-2.2.3"
WARNING_TEMPLATE = "plan_warning_notice.docx"
NEXT_PERIOD = {"Q1": ("Q2",), "Q2": ("Q3",), "Q3": ("Q4",), "Q4": (ANNUAL,), ANNUAL: ()}


def plan_folder(ws: Workspace, year: int, *parts: str) -> str:
    """``outbox/plan/<year>/…``: where the plan's documents go."""
    return "/".join((ws.settings.paths.outbox, "plan", str(year), *parts))


def period_end(year: int, period: str) -> date:
    """The last day of the period (the year's: 31 December)."""
    quarter = plans.period_quarter(period)
    return date(year, 12, 31) if quarter == 4 else date(year, 3 * quarter + 1, 1) - timedelta(days=1)


def due_text(year: int, period: str) -> str:
    return f"{chinese_date(plans.report_due(year, period))}前"


# ============================================================ the pre-filled report (and 《计划指标分解表》)


def report_values(plan_year: PlanYear, unit: str, period: str, previous: ExecutionReport | None) -> list[dict]:
    """The lines of the unit's report for ``period`` as docgen pre-fills them: the plan, the split, the cumulative
    plan and the cumulative actual carried from ``previous`` (the report before it); the year's report has the
    fourth quarter's cumulative actual as its 本期实际."""
    rows = []
    for code in plan_year.indicators_of(unit):
        indicator = _indicator(plan_year.plan, code)
        quarters = plan_year.targets[(unit, code)]
        row: dict = {
            "code": code,
            "name": indicator.name if indicator else code,
            "measure": indicator.unit if indicator else "",
            "annual": plain(plan_year.annual_targets[(unit, code)]),
            **{f"split_q{q}": plain(quarters[q]) for q in plans.QUARTERS},
            "planned": plain(plan_year.period_target(unit, code, period)),
            "cumulative_planned": plain(plan_year.cumulative_target(unit, code, period)),
        }
        before = previous.line(code) if previous is not None else None
        level = indicator is not None and indicator.aggregate == "level"
        if period == ANNUAL:
            if before is not None:
                row["actual"] = plain(before.actual if level else before.cumulative_actual)
        elif period == "Q1":
            if not level:
                row["previous_cumulative"] = "0"
        elif before is not None and not level:
            row["previous_cumulative"] = plain(before.cumulative_actual)
        rows.append(row)
    return rows


def previous_report(plan_year: PlanYear, unit: str, period: str) -> ExecutionReport | None:
    """The report a period's cumulative figures carry on from: the quarter before (the year's: the fourth)."""
    if period == "Q1":
        return None
    before = "Q4" if period == ANNUAL else f"Q{plans.period_quarter(period) - 1}"
    return plan_year.reports.get((unit, before))


def report_document(ws: Workspace, plan_year: PlanYear, unit: str, period: str, name: str) -> Document:
    """The unit's report for ``period`` pre-filled (itself an intake form), as ``outbox/plan/<year>/<unit>/<name>``."""
    header = {
        "unit": unit,
        "year": plan_year.year,
        "period": period_label(period),
        "due": due_text(plan_year.year, period),
    }
    lines = report_values(plan_year, unit, period, previous_report(plan_year, unit, period))
    return Document(
        plan_folder(ws, plan_year.year, unit, f"{name}.xlsx"),
        "form",
        {"form_id": REPORT.form_id, "header": header, "lines": lines},
    )


def next_report_documents(
    ws: Workspace, plan_year: PlanYear, unit: str, period: str, suffix: str = ""
) -> list[Document]:
    """The unit's next report(s) after ``period``, pre-filled (Q4: the year's)."""
    return [
        report_document(ws, plan_year, unit, following, f"计划执行报告-{plan_year.year}-{following}-{unit}{suffix}")
        for following in NEXT_PERIOD[period]
    ]


def first_open_period(plan_year: PlanYear, unit: str) -> str:
    """The first period the unit has not reported yet (年度 when all are in)."""
    return next((p for p in plans.PERIODS if (unit, p) not in plan_year.reports), ANNUAL)


# ============================================================ facts the checks read


@dataclass(frozen=True)
class Row:
    line: ReportLineRow
    row: int
    sources: dict[str, Raw]
    indicator: Indicator | None


def _indicator(plan: PlanSettings, code: str) -> Indicator | None:
    try:
        return plan.indicator(code)
    except KeyError:
        return None


def _resolve(plan: PlanSettings, line: ReportLineRow) -> Indicator | None:
    for text in (line.code, line.name):
        if text and (found := plan.find_indicator(text)) is not None:
            return found
    return None


def _period(header: ReportHeader) -> str:
    return PERIOD_CODES[header.period]


def _unit_known(plan: PlanSettings, name: str) -> bool:
    return any(unit.name == name for unit in plan.units)


def targets_known(context: Context[ReportHeader]) -> list[Finding]:
    """The year's targets were approved (PL-3.2.3) and the unit is a department or branch that has some."""
    header, plan_year = context.header, context.facts["plan_year"]
    unit = header.unit.strip()
    if not _unit_known(context.ws.settings.plan, unit):
        names = "、".join(u.name for u in context.ws.settings.plan.units)
        return [field_error(context.parsed, "unit", f"单位“{unit}”不在计划指标目录中；应为：{names}", OWNERSHIP_CLAUSE)]
    if plan_year is None:
        message = f"{header.year}年度的计划指标尚未下达（企业发展中心尚未提交《年度计划指标》）；请核对年度"
        return [field_error(context.parsed, "year", message, OWNERSHIP_CLAUSE)]
    if unit not in plan_year.units:
        message = f"{header.year}年度的计划指标没有分解给{unit}；请核对单位或年度"
        return [field_error(context.parsed, "unit", message, OWNERSHIP_CLAUSE)]
    return []


def lines_known(context: Context[ReportHeader]) -> list[Finding]:
    """Each line an indicator the unit owns (PL-3.2.3.x), with a target, once."""
    plan_year: PlanYear | None = context.facts["plan_year"]
    if plan_year is None or context.header.unit.strip() not in plan_year.units:
        return []
    unit = context.header.unit.strip()
    findings: list[Finding] = []
    seen: dict[str, int] = {}
    owned = plan_year.indicators_of(unit)
    for item in context.facts["rows"]:
        cell = where(item.sources.get("name") or item.sources.get("code"))
        written = item.line.code or item.line.name or ""
        if item.indicator is None:
            findings.append(
                error(
                    f"第{item.row}行的指标“{written}”不在计划指标目录中；请填写{unit}的指标：{_names(plan_year, owned)}",
                    clause=OWNERSHIP_CLAUSE,
                    field="lines.name",
                    **cell,
                )
            )
        elif item.indicator.code not in owned:
            findings.append(
                error(
                    f"第{item.row}行的指标“{item.indicator.name}”不是{unit}的计划指标"
                    f"（{plan_year.plan.unit_clause(unit)}）；{unit}的指标为：{_names(plan_year, owned)}",
                    clause=plan_year.plan.unit_clause(unit),
                    field="lines.name",
                    **cell,
                )
            )
        elif item.indicator.code in seen:
            findings.append(
                error(
                    f"第{item.row}行的指标“{item.indicator.name}”与第{seen[item.indicator.code]}行重复；每个指标只填一行",
                    clause=CLAUSE,
                    field="lines.name",
                    **cell,
                )
            )
        else:
            seen[item.indicator.code] = item.row
    return findings


def _names(plan_year: PlanYear, codes: list[str]) -> str:
    return "、".join(i.name if (i := _indicator(plan_year.plan, code)) else code for code in codes)


def lines_complete(context: Context[ReportHeader]) -> list[Finding]:
    """PL-2.2.1: the unit reports every indicator it owns; one left out is a warning (completeness is assessed)."""
    plan_year: PlanYear | None = context.facts["plan_year"]
    unit = context.header.unit.strip()
    if plan_year is None or unit not in plan_year.units:
        return []
    given = {item.indicator.code for item in context.facts["rows"] if item.indicator is not None}
    left_out = [code for code in plan_year.indicators_of(unit) if code not in given]
    if not left_out:
        return []
    return [
        warning(
            f"报告缺少以下指标的执行情况：{_names(plan_year, left_out)}；未报指标计入考核的完整性（PL-3.4.3）",
            clause="PL-2.2.1",
            field="lines",
        )
    ]


def reported_after_period(context: Context[ReportHeader]) -> list[Finding]:
    """A report describes a period that has ended: 报送日期 before its last day is a typing error."""
    header = context.header
    end = period_end(header.year, _period(header))
    if header.submitted_on >= end:
        return []
    message = (
        f"报送日期{chinese_date(header.submitted_on)}早于报告期{period_label(_period(header))}的结束日"
        f"{chinese_date(end)}；请核对报送日期或报告期"
    )
    return [field_error(context.parsed, "submitted_on", message, CLAUSE)]


def cumulative_known(context: Context[ReportHeader]) -> list[Finding]:
    """累计实际 left blank needs the previous report's (a "sum" indicator after the first quarter)."""
    return [
        error(
            f"第{item.row}行“{item.indicator.name}”的累计实际未填写，且没有上期报告可据以累加；请填写累计实际",
            clause=CLAUSE,
            field="lines.cumulative_actual",
            **where(item.sources.get("cumulative_actual")),
        )
        for item in context.facts["rows"]
        if item.indicator is not None and item.row in context.facts["uncomputable"]
    ]


def reasons_given(context: Context[ReportHeader]) -> list[Finding]:
    """PL-3.4.1: a deviation of ``reason_pct`` or more either way is explained on its row."""
    findings: list[Finding] = []
    for item in context.facts["rows"]:
        line: ReportLine | None = context.facts["computed"].get(item.row)
        if line is None or item.indicator is None or line.reason:
            continue
        if plans.reason_required(item.indicator, line.deviation_pct):
            findings.append(
                error(
                    f"第{item.row}行“{item.indicator.name}”本期计划{plain(line.planned)}{item.indicator.unit}、实际"
                    f"{plain(line.actual)}{item.indicator.unit}，偏差{_pct(line.deviation_pct)}，达到±{_num(item.indicator.reason_pct)}%，"
                    "须写明偏差原因（PL-3.4.1：与计划有重大偏差的须及时反馈）",
                    clause=plans.REASON_CLAUSE,
                    field="lines.reason",
                    **where(item.sources.get("reason")),
                )
            )
    return findings


@once_valid
def plan_as_approved(context: Context[ReportHeader]) -> list[Finding]:
    """本期计划 as the clerk wrote it differs from the approved (adjusted) target: docgen uses the approved one."""
    findings: list[Finding] = []
    for item in context.facts["rows"]:
        line = context.facts["computed"].get(item.row)
        if line is None or item.line.planned is None or item.line.planned == line.planned:
            continue
        findings.append(
            warning(
                f"第{item.row}行“{item.indicator.name}”的本期计划写为{plain(item.line.planned)}，批准的计划为"
                f"{plain(line.planned)}；偏差按批准的计划计算",
                clause=OWNERSHIP_CLAUSE,
                field="lines.planned",
                **where(item.sources.get("planned")),
            )
        )
    return findings


@once_valid
def cumulative_as_derived(context: Context[ReportHeader]) -> list[Finding]:
    """累计实际 as the clerk wrote it differs from docgen's (the previous reports' plus 本期实际): docgen's holds."""
    findings: list[Finding] = []
    for item in context.facts["rows"]:
        line = context.facts["computed"].get(item.row)
        stated = item.line.cumulative_actual
        if line is None or stated is None or stated == line.cumulative_actual:
            continue
        findings.append(
            warning(
                f"第{item.row}行“{item.indicator.name}”的累计实际写为{plain(stated)}，按各期报告（以最新报送的为准）"
                f"累计为{plain(line.cumulative_actual)}；按{plain(line.cumulative_actual)}计",
                clause=CLAUSE,
                field="lines.cumulative_actual",
                **where(item.sources.get("cumulative_actual")),
            )
        )
    return findings


@once_valid
def on_time(context: Context[ReportHeader]) -> list[Finding]:
    """PL-3.3.1: quarterly reports by the 10th of the quarter's next month, the year's by 20 January."""
    header = context.header
    period = _period(header)
    due = plans.report_due(header.year, period)
    submitted = context.facts["submitted_on"]
    if submitted <= due:
        return []
    days = (submitted - due).days
    return [
        violation(
            f"{header.unit.strip()}{header.year}年{period_label(period)}计划执行报告应于{chinese_date(due)}前报送，"
            f"{chinese_date(submitted)}报送，迟报{days}天（PL-3.3.1）",
            clause=CLAUSE,
            field="submitted_on",
        )
    ]


CHECKS: tuple[Check, ...] = (
    targets_known,
    lines_known,
    lines_complete,
    reported_after_period,
    cumulative_known,
    reasons_given,
    plan_as_approved,
    cumulative_as_derived,
    on_time,
)


def _pct(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{'+' if value > 0 else ''}{plain(value)}%"


def _num(value: float) -> str:
    return plain(Decimal(str(value)))


def compute(
    plan_year: PlanYear | None, unit: str, period: str, rows: list[Row]
) -> tuple[dict[int, ReportLine], set[int]]:
    """Each known line as docgen computes it (by sheet row), and the rows whose 累计实际 cannot be computed. A
    quarter's 累计实际 of a "sum" indicator is docgen's: the previous quarter's (from the latest version of each
    report) plus 本期实际; the figure the clerk wrote is only checked (``cumulative_as_derived``). Without a previous
    report (one missing), the clerk's figure holds."""
    computed: dict[int, ReportLine] = {}
    uncomputable: set[int] = set()
    if plan_year is None or unit not in plan_year.units:
        return computed, uncomputable
    owned = set(plan_year.indicators_of(unit))
    previous = previous_report(plan_year, unit, period)
    for item in rows:
        indicator = item.indicator
        if indicator is None or indicator.code not in owned:
            continue
        planned = plan_year.period_target(unit, indicator.code, period)
        cumulative_planned = plan_year.cumulative_target(unit, indicator.code, period)
        actual = item.line.actual
        cumulative = item.line.cumulative_actual
        if indicator.aggregate == "sum" and period == "Q1":
            cumulative = actual
        elif indicator.aggregate == "sum" and period != ANNUAL:
            before = previous.line(indicator.code) if previous is not None else None
            if before is not None:
                cumulative = before.cumulative_actual + actual
            elif cumulative is None:
                uncomputable.add(item.row)
                continue
        elif cumulative is None:
            cumulative = actual
        computed[item.row] = plans.report_line(
            indicator, planned, actual, cumulative_planned, cumulative, (item.line.reason or "").strip()
        )
    return computed, uncomputable


# ============================================================ handler


def _examine(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> tuple[list[Finding], dict]:
    """The checks on the report as read, and the facts they read (the handler records from them)."""
    header = header_of(parsed, ReportHeader)
    unit, period = header.unit.strip(), _period(header)
    plan_year = load_plan_year(tx, ws.settings, header.year)
    rows = [
        Row(line, row, sources, _resolve(ws.settings.plan, line))
        for line, row, sources in numbered_lines(parsed, ReportLineRow)
    ]
    computed, uncomputable = compute(plan_year, unit, period, rows)
    earlier = plan_year.reports.get((unit, period)) if plan_year is not None else None
    submitted_on = min(header.submitted_on, earlier.submitted_on) if earlier is not None else header.submitted_on
    facts_ = {
        "plan_year": plan_year,
        "rows": rows,
        "computed": computed,
        "uncomputable": uncomputable,
        "submitted_on": submitted_on,
    }
    return run_checks(CHECKS, Context(tx, ws, parsed, header, submission.today, facts_)), facts_


def partial_checks(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> list[Finding]:
    """The rule errors of the rows that parsed of a report refused for bad cells (issue 14 D1): checked as if the
    bad rows were not there, so no "indicator left out" warning (the pipeline keeps the errors only)."""
    return _examine(tx, ws, parsed, submission)[0]


def handle_report(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    """Record the report, compute its deviations, warn, send a branch's to finance, emit the next one."""
    header = header_of(parsed, ReportHeader)
    plan = ws.settings.plan
    unit, period = header.unit.strip(), _period(header)
    findings, facts_ = _examine(tx, ws, parsed, submission)
    plan_year: PlanYear | None = facts_["plan_year"]
    rows: list[Row] = facts_["rows"]
    computed: dict[int, ReportLine] = facts_["computed"]
    submitted_on: date = facts_["submitted_on"]
    earlier = plan_year.reports.get((unit, period)) if plan_year is not None else None
    if has_errors(findings) or plan_year is None:
        return Decision(findings=findings)
    if earlier is not None:
        findings.append(
            warning(
                f"{unit}{header.year}年{period_label(period)}的计划执行报告已于{chinese_date(earlier.submitted_on)}报送；"
                "本次作为更正记录，原报告保留在历史中，是否迟报按首次报送日期计",
                clause=CLAUSE,
                field="submitted_on",
            )
        )
    lines = [computed[item.row] for item in rows if item.row in computed]
    due = plans.report_due(header.year, period)
    branch = plan.unit(unit).is_branch
    finance_due: date | None = None
    provisional = False
    documents: list[Document] = []
    if branch:
        deadline = ws.calendar.due_within_workdays_of_day(header.submitted_on, plan.finance_review_workdays, "报送")
        finance_due, provisional = deadline.due, deadline.provisional
    problems = [p.strip() for p in (header.problems or "").replace("；", "\n").splitlines() if p.strip()]
    tx.append(
        PLAN_REPORT,
        checked(
            PLAN_REPORT,
            {
                "unit": unit,
                "year": header.year,
                "period": period,
                "submitted_on": submitted_on.isoformat(),
                "due_on": due.isoformat(),
                "late": submitted_on > due,
                "lines": [plans.line_payload(line) for line in lines],
                "problems": problems,
                "experience": (header.experience or "").strip(),
                "shortfalls": (header.shortfalls or "").strip(),
                "reporter": header.reporter,
                "finance_due_on": finance_due.isoformat() if finance_due else None,
                "finance_due_provisional": provisional,
                "file": submission.name,
            },
        ),
        claim=submission.claim,
        sha256=submission.sha256,
    )
    # the non-routine problems and the finance forwarding are facts: the receipt's 计划管理 lines say them
    documents.append(_checked_copy(ws, header, period, rows, computed))
    warned_before = {
        (e.payload["unit"], e.payload["period"], e.payload["indicator"])
        for e in tx.events(kind=PLAN_WARNING)
        if e.payload.get("year") == header.year
    }
    for line in lines:
        if line.warned and (unit, period, line.indicator) not in warned_before:
            documents.append(_warn(tx, ws, header.year, unit, period, line, submission, findings))
    after = load_plan_year(tx, ws.settings, header.year)
    assert after is not None
    if finance_due is not None:
        documents.append(finance_document(ws, after.reports[(unit, period)], header.submitted_on))
    # the next report pre-filled only while it has not come (a correction of an earlier quarter sends none again)
    if not all((unit, following) in after.reports for following in NEXT_PERIOD[period]):
        documents += next_report_documents(ws, after, unit, period)
    return Decision(findings=findings, documents=documents)


def _checked_copy(
    ws: Workspace, header: ReportHeader, period: str, rows: list[Row], computed: dict[int, ReportLine]
) -> Document:
    """The report as docgen reads it: the clerk's figures, the approved plan and the deviation docgen computed."""
    values = []
    for item in rows:
        line = computed.get(item.row)
        shown = item.line.model_dump(mode="json")
        if line is not None and item.indicator is not None:
            shown.update(
                code=item.indicator.code,
                name=item.indicator.name,
                measure=item.indicator.unit,
                planned=plain(line.planned),
                cumulative_planned=plain(line.cumulative_planned),
                cumulative_actual=plain(line.cumulative_actual),
                # a number (per cent, the column's title says so), not text (issue 14 D3); a warned line has its
                # 《计划预警通知》 and the receipt's warning
                deviation=None if line.deviation_pct is None else float(line.deviation_pct),
            )
        values.append(shown)
    head = header.model_dump(mode="json")
    head["due"] = due_text(header.year, period)
    name = f"计划执行报告-{header.year}-{period}-{header.unit.strip()}-核算.xlsx"
    return Document(
        plan_folder(ws, header.year, header.unit.strip(), name),
        "form",
        {"form_id": REPORT.form_id, "header": head, "lines": values},
    )


def finance_document(ws: Workspace, report: ExecutionReport, submitted_on: date) -> Document:
    """The 《计划执行报告财务审核表》 pre-filled for 财务计统部 (PL-3.3.2)."""
    plan = ws.settings.plan
    header = {
        "unit": report.unit,
        "year": report.year,
        "period": period_label(report.period),
        "submitted": chinese_date(submitted_on),
        "due": plans.finance_due_text(report) or None,
    }
    name = f"计划执行报告财务审核表-{report.year}-{report.period}-{report.unit}.xlsx"
    return Document(
        plan_folder(ws, report.year, plan.finance, name),
        "form",
        {"form_id": FINANCE.form_id, "header": header, "lines": []},
    )


def _warn(
    tx: Transaction,
    ws: Workspace,
    year: int,
    unit: str,
    period: str,
    line: ReportLine,
    submission: Submission,
    findings: list[Finding],
) -> Document:
    """One 《计划预警通知》 for an adverse deviation at or past the warning threshold (PL-3.3.4, PL-3.4.2)."""
    plan = ws.settings.plan
    indicator = plan.indicator(line.indicator)
    tx.append(
        PLAN_WARNING,
        checked(
            PLAN_WARNING,
            {
                "unit": unit,
                "year": year,
                "period": period,
                "indicator": indicator.code,
                "deviation_pct": plain(line.deviation_pct or Decimal(0)),
                "issued_on": submission.today.isoformat(),
                "clause": plans.WARNING_CLAUSE,
            },
        ),
        claim=submission.claim,
        sha256=submission.sha256,
    )
    findings.append(
        warning(
            f"“{indicator.name}”本期偏差{_pct(line.deviation_pct)}，达到预警幅度{_num(indicator.warn_pct)}%："
            f"已向{unit}和{plan.coordinator}发出《计划预警通知》（PL-3.4.2）",
            clause=plans.WARNING_CLAUSE,
            field="lines.actual",
        )
    )
    context = warning_context(plan, year, unit, period, line, submission.today)
    name = f"计划预警通知-{year}-{period}-{unit}-{indicator.name}.docx"
    return Document(plan_folder(ws, year, "预警", name), "docx", {"template": WARNING_TEMPLATE, "context": context})


def warning_context(plan: PlanSettings, year: int, unit: str, period: str, line: ReportLine, issued_on: date) -> dict:
    """The context of ``plan_warning_notice.docx`` (all str)."""
    indicator = plan.indicator(line.indicator)
    worse = "低于" if indicator.direction == "higher" else "高于"
    return {
        "number": f"{year}-{period}-{indicator.code}",
        "unit": unit,
        "coordinator": plan.coordinator,
        "year": str(year),
        "period": period_label(period),
        "indicator": indicator.name,
        "code": indicator.code,
        "measure": indicator.unit,
        "direction": DIRECTION_TEXT[indicator.direction],
        "planned": plain(line.planned),
        "actual": plain(line.actual),
        "cumulative_planned": plain(line.cumulative_planned),
        "cumulative_actual": plain(line.cumulative_actual),
        "deviation": _pct(line.deviation_pct),
        "threshold": f"{_num(indicator.warn_pct)}%",
        "summary": f"本期实际{worse}计划{_pct(line.deviation_pct).lstrip('+-')}",
        "reason": line.reason or "（报告未说明）",
        "issued_on": chinese_date(issued_on),
    }


# Nothing for a case's dossier to word: plan reports are on no case.
FACTS: facts.Facts = {}

STEP = FormStep(REPORT, CHECKS, handle_report, FACTS, "plan_report", partial=partial_checks)
