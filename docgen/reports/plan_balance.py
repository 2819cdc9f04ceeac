"""The annual plan balance check 《年度计划综合平衡检查表》 (PL-3.2.4: 企业发展中心 balances the departments' and branches'
plans "产销之间、交付期与工程进度之间及各项主要经济指标之间" before the group's annual plan goes to the general manager).

A function of the year's plan (its project lines, ``plan.projects`` / ``plan.targets``, and its targets); each
inconsistency names the project (or the units), the figures and the clause:

- **sales against delivery (产销平衡)**: sales planned for a project not started by the year's end (no pre-sale basis:
  a project is sold in advance only once building has started) or whose delivery date is before the year (sold
  out, nothing left to sell but stock); a sales area beyond the saleable area;
- **delivery against construction (交付期与工程进度)**: a delivery before the completion date, a completion before the
  start, a delivery in the year with no completion date;
- **collection against sales (主要经济指标)**: collection above the year's sales by more than
  :data:`COLLECTION_ABOVE` (it can only come from receivables carried over, to be confirmed) or below
  :data:`COLLECTION_BELOW` of them;
- **targets against project lines**: the sum of the units' 销售面积, 销售金额 and 销售回款额 targets against the project
  lines' totals, a difference above :data:`TOLERANCE` (the project lines cover every project of the group, the
  branches' included).

``write_balance`` writes the list as Word for 企业发展中心 (``outbox/reports/<year>/年度计划综合平衡检查表-<year>.docx``);
the command prints it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from docgen.atomic import write_bytes
from docgen.plans import PlanYear, ProjectPlan, plain
from docgen.reports.plan_execution import (
    ISSUER,
    GroupPeriod,
    docx_bytes,
    docx_heading,
    docx_para,
    docx_table,
    docx_title,
    new_docx,
    plan_year_of,
)
from docgen.wording import chinese_date

__all__ = ["Finding", "balance_findings", "write_balance"]

TITLE = "年度计划综合平衡检查表"
CLAUSE = "PL-3.2.4"
COLLECTION_ABOVE = Decimal("0.2")  # collection more than 120 % of sales: receivables carried over, to be confirmed
COLLECTION_BELOW = Decimal("0.5")  # collection under 50 % of sales
TOLERANCE = Decimal("0.01")  # 1 % between the units' targets and the project lines
SALES_CODES = (
    ("XS01", "sales_area", "销售面积"),
    ("XS02", "sales_amount", "销售金额"),
    ("XS03", "collection_amount", "销售回款额"),
)


@dataclass(frozen=True)
class Finding:
    check: str  # 产销平衡 / 交付期与工程进度 / 回款与销售 / 指标与项目计划
    subject: str  # the project, or 各单位合计
    figures: str
    problem: str
    clause: str = CLAUSE


def _d(day: date | None) -> str:
    return chinese_date(day) if day else "（未填）"


def _n(value: Decimal | None) -> str:
    return "（未填）" if value is None else plain(value)


def _project_findings(year: int, p: ProjectPlan) -> list[Finding]:
    out: list[Finding] = []
    first, last = date(year, 1, 1), date(year, 12, 31)
    selling = bool((p.sales_amount or 0) > 0 or (p.sales_area or 0) > 0)
    if selling and (p.start_on is None or p.start_on > last):
        out.append(
            Finding(
                "产销平衡",
                p.project,
                f"开工日期{_d(p.start_on)}；计划销售面积{_n(p.sales_area)}，销售金额{_n(p.sales_amount)}",
                f"{year}年内未开工的项目不具备预售条件，却安排了销售计划",
            )
        )
    if selling and p.delivery_on is not None and p.delivery_on < first:
        out.append(
            Finding(
                "产销平衡",
                p.project,
                f"交付日期{_d(p.delivery_on)}；计划销售金额{_n(p.sales_amount)}",
                "项目已于上年度前交付，本年销售只能是存量房源，请核实可售存量",
            )
        )
    if p.sales_area is not None and p.saleable_area is not None and p.sales_area > p.saleable_area:
        out.append(
            Finding(
                "产销平衡",
                p.project,
                f"计划销售面积{_n(p.sales_area)}，可售面积{_n(p.saleable_area)}",
                "计划销售面积超过可售面积",
            )
        )
    if p.delivery_on and p.completion_on and p.delivery_on < p.completion_on:
        out.append(
            Finding(
                "交付期与工程进度",
                p.project,
                f"竣工日期{_d(p.completion_on)}，交付日期{_d(p.delivery_on)}",
                "交付日期早于竣工日期",
            )
        )
    if p.completion_on and p.start_on and p.completion_on < p.start_on:
        out.append(
            Finding(
                "交付期与工程进度",
                p.project,
                f"开工日期{_d(p.start_on)}，竣工日期{_d(p.completion_on)}",
                "竣工日期早于开工日期",
            )
        )
    if p.delivery_on and first <= p.delivery_on <= last and p.completion_on is None:
        out.append(
            Finding(
                "交付期与工程进度",
                p.project,
                f"交付日期{_d(p.delivery_on)}，竣工日期（未填）",
                "本年计划交付的项目没有竣工日期，无法核对工程进度",
            )
        )
    if p.collection_amount is not None and p.sales_amount:
        share = p.collection_amount / p.sales_amount
        figures = f"计划销售金额{_n(p.sales_amount)}，计划回款{_n(p.collection_amount)}（{plain((share * 100).quantize(Decimal('0.1')))}%）"
        if share > 1 + COLLECTION_ABOVE:
            out.append(
                Finding(
                    "回款与销售",
                    p.project,
                    figures,
                    f"回款超过当年销售金额的{plain((1 + COLLECTION_ABOVE) * 100)}%，须有上年结转的应收款支撑，请核实",
                )
            )
        elif share < COLLECTION_BELOW:
            out.append(
                Finding(
                    "回款与销售",
                    p.project,
                    figures,
                    f"回款不足当年销售金额的{plain(COLLECTION_BELOW * 100)}%，资金回笼计划偏低",
                )
            )
    elif p.collection_amount and not p.sales_amount:
        out.append(
            Finding(
                "回款与销售",
                p.project,
                f"计划销售金额{_n(p.sales_amount)}，计划回款{_n(p.collection_amount)}",
                "没有销售计划的项目安排了回款，须为上年结转的应收款，请核实",
            )
        )
    return out


def balance_findings(plan: PlanYear) -> list[Finding]:
    """Every inconsistency of the year's plan (PL-3.2.4)."""
    out: list[Finding] = []
    for project in plan.projects:
        out.extend(_project_findings(plan.year, project))
    if plan.projects:
        for code, field, name in SALES_CODES:
            units = {unit: value for (unit, c), value in plan.annual_targets.items() if c == code}
            values = [getattr(p, field) for p in plan.projects if getattr(p, field) is not None]
            if not units or not values:
                continue
            targets, lines = sum(units.values(), Decimal(0)), sum(values, Decimal(0))
            base = max(abs(targets), abs(lines))
            if base and abs(targets - lines) / base > TOLERANCE:
                out.append(
                    Finding(
                        "指标与项目计划",
                        "各单位合计",
                        f"各单位{name}指标合计{plain(targets)}（"
                        + "、".join(f"{u}{plain(v)}" for u, v in units.items())
                        + f"），项目计划合计{plain(lines)}",
                        f"各部门和分支机构的{name}指标合计与项目计划不一致，相差{plain(targets - lines)}",
                    )
                )
    elif plan.annual_targets:
        out.append(
            Finding("产销平衡", "年度项目计划", "项目计划行：0", "年度计划没有项目计划行，无法进行产销与交付平衡")
        )
    return out


COLUMNS = [
    ("序号", "index", 10),
    ("检查项", "check", 20),
    ("项目", "subject", 22),
    ("数据", "figures", 48),
    ("问题", "problem", 40),
    ("条款", "clause", 16),
]


def balance_docx(plan: PlanYear, findings: list[Finding], as_of: date) -> bytes:
    document = new_docx(f"{plan.year}{TITLE}", CLAUSE)  # 2026年度…, not 2026年年度… (issue 14 D5)
    docx_title(document, f"{plan.year}{TITLE}", [("编制：", ISSUER), ("日期：", chinese_date(as_of))])
    docx_para(
        document,
        f"依据《计划管理程序》（{CLAUSE}），对各部门和分支机构{plan.year}年度工作计划进行产销之间、交付期与工程进度之间"
        f"及各项主要经济指标之间的综合平衡检查，共核对项目{len(plan.projects)}个，发现不一致{len(findings)}项。",
    )
    docx_heading(document, "一、不一致事项")
    if findings:
        rows = [
            {
                "index": str(n),
                "check": f.check,
                "subject": f.subject,
                "figures": f.figures,
                "problem": f.problem,
                "clause": f.clause,
            }
            for n, f in enumerate(findings, start=1)
        ]
        docx_table(document, COLUMNS, rows)
    else:
        docx_para(document, "未发现不一致。")
    docx_heading(document, "二、检查规则")
    for line in rule_lines():
        docx_para(document, line, size=12)
    docx_heading(document, "三、处理意见（由企业发展中心填写）")
    docx_para(document, "【请写明与相关部门、分支机构协调的结果及计划调整意见。】")
    return docx_bytes(document)


def rule_lines() -> list[str]:
    return [
        "1. 产销平衡：年内未开工的项目不安排销售（不具备预售条件）；上年度前已交付的项目只能销售存量；计划销售面积不超过可售面积。",
        "2. 交付期与工程进度：交付日期不早于竣工日期，竣工日期不早于开工日期；本年交付的项目须有竣工日期。",
        f"3. 回款与销售：项目回款超过当年销售金额的{plain((1 + COLLECTION_ABOVE) * 100)}%或低于"
        f"{plain(COLLECTION_BELOW * 100)}%的列出核实；没有销售计划而有回款的列出核实（上年结转应收款）。",
        f"4. 指标与项目计划：各部门和分支机构的销售面积、销售金额、销售回款额指标合计与项目计划合计相差超过"
        f"{plain(TOLERANCE * 100)}%的列出。",
    ]


def write_balance(ws, ledger, period: GroupPeriod) -> tuple[list[Path], dict]:
    """``docgen plan balance --year 2026``."""
    plan = plan_year_of(ledger, ws.settings, period.year)
    findings = balance_findings(plan)
    path = ws.outbox / "reports" / str(plan.year) / f"{TITLE}-{plan.year}.docx"
    write_bytes(path, balance_docx(plan, findings, ws.today()))
    data = {
        "year": plan.year,
        "projects": len(plan.projects),
        "findings": [
            {"check": f.check, "subject": f.subject, "figures": f.figures, "problem": f.problem, "clause": f.clause}
            for f in findings
        ],
    }
    return [path], data
