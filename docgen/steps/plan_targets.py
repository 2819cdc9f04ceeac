"""The approved annual targets (《年度计划指标》, PL-3.2.3) and the annual plan's project lines (《年度项目计划》,
PL-3.2.4), both from 企业发展中心, on no case.

《年度计划指标》 dropped into intake/: one line per department or branch and indicator, with the year's target and its
quarterly split. An unknown unit or indicator, an indicator the unit does not own (PL-3.2.3.1 … 3.2.3.6, the
catalogue ``Settings.plan``), a line given twice, a split given in part, or quarters that do not add up to the year
for a "sum" indicator are errors on their cells. A split left blank is the default one (``[plan] default_split``,
25 % a quarter, to the hundredth, the fourth quarter taking the remainder; a "level" indicator's quarters are its
annual level). Accepted, it records ``plan.targets`` (a later form for the same year replaces the targets, the
history kept) and emits to each department and branch its 《计划指标分解表》: its own indicators with the quarterly
split, which is also its execution report for the first quarter (the next period it has not reported, for a
replaced plan), pre-filled.

《年度项目计划》 records ``plan.projects`` (the latest for a year holding), what the balance check reads (PL-3.2.4).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from docgen import plans
from docgen.events import PLAN_PROJECTS, PLAN_TARGETS
from docgen.findings import Finding, error, has_errors, warning
from docgen.forms.base import ParsedForm
from docgen.forms.plan import PROJECTS, TARGETS, ProjectLine, ProjectsHeader, TargetLine, TargetsHeader
from docgen.ledger import Transaction
from docgen.payloads import checked
from docgen.plan_catalogue import Indicator, PlanSettings
from docgen.plans import load_plan_year, plain
from docgen.steps import facts
from docgen.steps.base import (
    Check,
    Context,
    Decision,
    FormStep,
    Submission,
    field_error,
    header_of,
    numbered_lines,
    run_checks,
    where,
)
from docgen.steps.plan_report import first_open_period, report_document
from docgen.wording import chinese_date
from docgen.workspace import Workspace

CLAUSE = "PL-3.2.3"
PROJECTS_CLAUSE = "PL-3.2.4"
QUARTER_KEYS = ("split_q1", "split_q2", "split_q3", "split_q4")
CENT = Decimal("0.01")


def split(indicator: Indicator, annual: Decimal, given: list[Decimal | None], plan: PlanSettings) -> dict[int, Decimal]:
    """The quarterly targets: as given, else the default split (a "sum" indicator: ``default_split`` per cent to the
    hundredth, the fourth quarter the remainder; a "level" one: the annual level each quarter)."""
    if all(value is not None for value in given):
        return {q: value for q, value in zip(plans.QUARTERS, given) if value is not None}
    if indicator.aggregate == "level":
        return dict.fromkeys(plans.QUARTERS, annual)
    parts = [(annual * share / 100).quantize(CENT, rounding=ROUND_HALF_UP) for share in plan.default_split[:3]]
    return {1: parts[0], 2: parts[1], 3: parts[2], 4: annual - sum(parts)}


def year_plausible(context: Context[TargetsHeader]) -> list[Finding]:
    year, today = context.header.year, context.today
    if 2000 <= year <= today.year + 1:
        return []
    message = f"年度“{year}”不对；应为 2000 至 {today.year + 1} 之间的年份"
    return [field_error(context.parsed, "year", message, CLAUSE)]


def lines_valid(context: Context[TargetsHeader]) -> list[Finding]:
    """Each line a known unit and one of its indicators (PL-3.2.3.x), once, its split whole and adding up."""
    plan = context.ws.settings.plan
    findings: list[Finding] = []
    seen: dict[tuple[str, str], int] = {}
    names = "、".join(u.name for u in plan.units)
    for line, row, sources in numbered_lines(context.parsed, TargetLine):
        unit_name = line.unit.strip()
        unit = next((u for u in plan.units if u.name == unit_name), None)
        if unit is None:
            findings.append(
                error(
                    f"第{row}行的单位“{unit_name}”不在计划指标目录中；应为：{names}",
                    clause=CLAUSE,
                    field="lines.unit",
                    **where(sources.get("unit")),
                )
            )
            continue
        indicator = plan.find_indicator(line.indicator)
        owned = "、".join(plan.indicator(code).name for code in unit.indicators)
        if indicator is None:
            findings.append(
                error(
                    f"第{row}行的指标“{line.indicator}”不在计划指标目录中；{unit_name}的指标为：{owned}",
                    clause=CLAUSE,
                    field="lines.indicator",
                    **where(sources.get("indicator")),
                )
            )
            continue
        if indicator.code not in unit.indicators:
            findings.append(
                error(
                    f"第{row}行：“{indicator.name}”不是{unit_name}的计划指标（{plan.unit_clause(unit_name)}）；"
                    f"{unit_name}的指标为：{owned}",
                    clause=plan.unit_clause(unit_name),
                    field="lines.indicator",
                    **where(sources.get("indicator")),
                )
            )
            continue
        key = (unit_name, indicator.code)
        if key in seen:
            findings.append(
                error(
                    f"第{row}行的{unit_name}“{indicator.name}”与第{seen[key]}行重复；每个单位的每个指标只填一行",
                    clause=CLAUSE,
                    field="lines.indicator",
                    **where(sources.get("indicator")),
                )
            )
            continue
        seen[key] = row
        given = [getattr(line, key) for key in QUARTER_KEYS]
        filled = [value is not None for value in given]
        if any(filled) and not all(filled):
            blank = next(k for k, f in zip(QUARTER_KEYS, filled) if not f)
            findings.append(
                error(
                    f"第{row}行的季度分解只填了一部分；四个季度须全部填写，或全部留空按默认比例分解",
                    clause=CLAUSE,
                    field=f"lines.{blank}",
                    **where(sources.get(blank)),
                )
            )
        elif all(filled) and indicator.aggregate == "sum":
            total = sum((value for value in given if value is not None), Decimal(0))
            if total != line.annual:
                findings.append(
                    error(
                        f"第{row}行“{indicator.name}”四个季度合计{plain(total)}，与年度目标{plain(line.annual)}不符；"
                        "累加型指标的季度分解之和应等于年度目标",
                        clause=CLAUSE,
                        field="lines.annual",
                        **where(sources.get("annual")),
                    )
                )
    return findings


def units_covered(context: Context[TargetsHeader]) -> list[Finding]:
    """PL-2.1.3, PL-3.2.3: every department and branch gets its indicators; one with none is a warning."""
    plan = context.ws.settings.plan
    named = {line.unit.strip() for line, _, _ in numbered_lines(context.parsed, TargetLine)}
    missing = [unit.name for unit in plan.units if unit.name not in named]
    if not missing:
        return []
    return [
        warning(
            f"以下单位没有分解计划指标：{'、'.join(missing)}；如属遗漏请补充后重新提交", clause=CLAUSE, field="lines"
        )
    ]


CHECKS: tuple[Check, ...] = (year_plausible, lines_valid, units_covered)


def handle_targets(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    """Record the year's targets and send each unit its 《计划指标分解表》."""
    header = header_of(parsed, TargetsHeader)
    findings = run_checks(CHECKS, Context(tx, ws, parsed, header, submission.today))
    if has_errors(findings):
        return Decision(findings=findings)
    plan = ws.settings.plan
    before = load_plan_year(tx, ws.settings, header.year)
    if before is not None:
        findings.append(
            warning(
                f"{header.year}年度的计划指标已于{chinese_date(before.approved_on or submission.today)}下达；本次提交"
                "替换原指标（原指标保留在历史中），此前批准的计划调整不再适用，已体现在本表中的除外",
                clause=CLAUSE,
                field="year",
            )
        )
    lines = []
    for line, _, _ in numbered_lines(parsed, TargetLine):
        indicator = plan.find_indicator(line.indicator)
        assert indicator is not None  # lines_valid
        quarters = split(indicator, line.annual, [getattr(line, key) for key in QUARTER_KEYS], plan)
        lines.append(
            {
                "unit": line.unit.strip(),
                "indicator": indicator.code,
                "annual": plain(line.annual),
                "quarters": {str(q): plain(value) for q, value in quarters.items()},
                "note": line.note,
            }
        )
    tx.append(
        PLAN_TARGETS,
        checked(
            PLAN_TARGETS,
            {
                "year": header.year,
                "approved_on": header.approved_on.isoformat(),
                "approver": header.approver,
                "compiled_by": header.compiled_by,
                "lines": lines,
                "file": submission.name,
            },
        ),
        claim=submission.claim,
        sha256=submission.sha256,
    )
    plan_year = load_plan_year(tx, ws.settings, header.year)
    assert plan_year is not None
    documents = []
    for unit in plan_year.units:
        period = first_open_period(plan_year, unit)
        documents.append(report_document(ws, plan_year, unit, period, f"计划指标分解表-{header.year}-{unit}"))
    findings.append(
        warning(
            f"{header.year}年度计划指标已登记：{len(lines)}项指标，已向{len(documents)}个部门和分支机构发出"
            "《计划指标分解表》（即第一季度计划执行报告）",
            clause=CLAUSE,
            field="lines",
        )
    )
    return Decision(findings=findings, documents=documents)


# ============================================================ 《年度项目计划》 (PL-3.2.4)


def projects_distinct(context: Context[ProjectsHeader]) -> list[Finding]:
    findings: list[Finding] = []
    seen: dict[str, int] = {}
    for line, row, sources in numbered_lines(context.parsed, ProjectLine):
        name = "".join(line.project.split())
        if name in seen:
            findings.append(
                error(
                    f"第{row}行的项目“{line.project}”与第{seen[name]}行重复；每个项目只填一行",
                    clause=PROJECTS_CLAUSE,
                    field="lines.project",
                    **where(sources.get("project")),
                )
            )
        seen.setdefault(name, row)
    return findings


PROJECT_CHECKS: tuple[Check, ...] = (year_plausible, projects_distinct)


def handle_projects(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    header = header_of(parsed, ProjectsHeader)
    findings = run_checks(PROJECT_CHECKS, Context(tx, ws, parsed, header, submission.today))
    if has_errors(findings):
        return Decision(findings=findings)
    if any(e.payload.get("year") == header.year for e in tx.events(kind=PLAN_PROJECTS)):
        findings.append(
            warning(
                f"{header.year}年度的项目计划已提交过；本次提交替换原项目计划（原计划保留在历史中）",
                clause=PROJECTS_CLAUSE,
                field="year",
            )
        )
    projects = []
    for line, _, _ in numbered_lines(parsed, ProjectLine):
        stored = line.model_dump(mode="json")
        projects.append({key: value for key, value in stored.items() if value is not None})
    tx.append(
        PLAN_PROJECTS,
        checked(
            PLAN_PROJECTS,
            {
                "year": header.year,
                "approved_on": header.approved_on.isoformat(),
                "projects": projects,
                "file": submission.name,
            },
        ),
        claim=submission.claim,
        sha256=submission.sha256,
    )
    return Decision(findings=findings)


FACTS: facts.Facts = {}


def partial_targets(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> list[Finding]:
    """The rule errors of the lines that parsed of a targets form refused for bad cells (issue 14 D1)."""
    return run_checks(CHECKS, Context(tx, ws, parsed, header_of(parsed, TargetsHeader), submission.today))


def partial_projects(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> list[Finding]:
    """As ``partial_targets``, for the project lines."""
    return run_checks(PROJECT_CHECKS, Context(tx, ws, parsed, header_of(parsed, ProjectsHeader), submission.today))


STEP = FormStep(TARGETS, CHECKS, handle_targets, FACTS, "plan_targets", partial=partial_targets)
PROJECTS_STEP = FormStep(PROJECTS, PROJECT_CHECKS, handle_projects, FACTS, "plan_projects", partial=partial_projects)
