"""The quarterly customer-information analysis 《客户信息分析报告》 (CS-3.7.2): "对客户投诉和工作中收集的客户信息进行
分类，进行统计分析，制作分析报告，提出合理化建议，提供给公司各相关部门作为下阶段工作参考依据".

``docgen report customer-info --quarter 2026Q4`` writes into ``outbox/reports/<period>/``:

- ``客户信息分析报告-<period>.pdf`` (PDF/A-3b, ``templates/pdf/customer_info.typ``): the complaints received in
  the period by category, project, building and cause, each with a bar chart; the cause is the 责任方 the site
  survey found (《现场勘察会签表》, CS-3.4.5: 施工单位 in or out of warranty, 公司, 业主/客户, 其他), 未勘察 for a
  complaint never surveyed; the callbacks (《回访记录》, CS-3.5.4) by project and 满意程度; the 不满意 answers of
  the satisfaction survey (《客户满意度调查表》, CS-3.7.5.9) by item; the problems of the 《产品使用情况表》
  (CS-3.7.3); the early warnings standing at the end of the period (CS-3.7.4, ``reports.early_warnings``);
  and the 合理化建议 drafted from these figures;
- ``客户信息分析合理化建议-<period>.docx`` (``templates/customer_info_suggestions.docx``): the same drafts in
  Word, each with the department it is for and the figures it rests on, for the manager to complete.

Everything is a function of the ledger and the period (a running period as of today), never of the clock.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from docgen.actions import load_actions
from docgen.cases import Case, all_cases
from docgen.events import CASE_CALLED_BACK, CASE_SURVEYED, PRODUCT_ISSUE, SURVEY_RECORDED
from docgen.forms.site_survey import COMPANY_PARTY, CONTRACTOR_PARTY, CUSTOMER_PARTY, OTHER_PARTY
from docgen.ledger import Ledger
from docgen.procedures.satisfaction import DISSATISFIED
from docgen.render.docx import find_template, render_docx
from docgen.render.pdf import render_pdf
from docgen.reports.early_warnings import early_warnings, flag_rows, rule_lines
from docgen.reports.statements import bar_chart_svg, period_bounds, period_name
from docgen.wording import address, chinese_date
from docgen.workspace import EarlyWarnings

__all__ = ["analysis", "analysis_context", "suggestions", "write_customer_info"]

CLAUSE = "CS-3.7.2"
TITLE = "客户信息分析报告"
SUGGESTIONS_TITLE = "客户信息分析合理化建议"
ISSUER = "客户服务部"
ADDRESSEE = "总经理室及公司各相关部门"
NOT_SURVEYED = "未经勘察"  # a complaint other than a repair, or a repair not yet surveyed
NO_BUILDING = "（未填楼栋）"
UNSATISFIED_CALLBACK = "不满意"
SATISFACTION = ("满意", "基本满意", "不满意")
BUILDINGS_SHOWN = 10
CAUSE_ORDER = (
    f"{CONTRACTOR_PARTY}（保修期内）",
    f"{CONTRACTOR_PARTY}（保修期外）",
    COMPANY_PARTY,
    CUSTOMER_PARTY,
    OTHER_PARTY,
    NOT_SURVEYED,
)
# Who acts on a concentration of complaints of a category, and what a first draft suggests (CS-3.7.2 提出合理化
# 建议; routing as docgen.forms.register's defaults). The manager completes the wording in Word.
ADVICE: dict[str, tuple[str, str]] = {
    "维修": ("工程材料部", "组织专项排查，查明共性原因，对同类部位一次性整改"),
    "设计": ("设计研发部", "复核相关设计，在后续项目设计中改进"),
    "施工质量": ("工程材料部", "会同施工单位对同类部位全面排查返修，并在后续项目中加强施工过程控制"),
    "销售服务": ("经营销售部", "规范销售承诺和交付说明，加强销售人员培训"),
    "物业服务": ("物业公司", "加强日常服务和巡查，由客户服务部跟踪回访"),
    "其他": ("客户服务部", "分析投诉原因，明确责任部门"),
}


@dataclass
class Analysis:
    period: str
    period_name: str
    first: date
    last: date  # inclusive: the period's last day, or today for a running period
    running: bool
    total: int = 0
    major: int = 0
    by_category: Counter = field(default_factory=Counter)
    by_project: Counter = field(default_factory=Counter)
    by_building: Counter = field(default_factory=Counter)  # (project, building)
    by_building_category: Counter = field(default_factory=Counter)  # (project, building, category)
    by_cause: Counter = field(default_factory=Counter)
    contractors: Counter = field(default_factory=Counter)  # the contractor of a repair it is responsible for
    callbacks: dict = field(default_factory=lambda: defaultdict(Counter))  # project → 满意程度 → n
    survey_households: int = 0
    survey_items: Counter = field(default_factory=Counter)  # item → households answering 不满意/非常不满意
    product_issues: list = field(default_factory=list)  # (project, item text, key, open)
    flags: list = field(default_factory=list)


def _name(value) -> str:
    return str(value or "").strip()


def _cause(case: Case) -> tuple[str, str | None]:
    """The cause of a complaint: the 责任方 of its latest site survey (with the warranty for a contractor), and
    the contractor named; 未勘察 when it was never surveyed."""
    surveys = [e for e in case.events if e.kind == CASE_SURVEYED]
    if not surveys:
        return NOT_SURVEYED, None
    payload = surveys[-1].payload
    party = _name(payload.get("responsible_party")) or OTHER_PARTY
    if party == CONTRACTOR_PARTY:
        warranty = "保修期内" if payload.get("in_warranty") else "保修期外"
        return f"{CONTRACTOR_PARTY}（{warranty}）", _name(payload.get("contractor")) or None
    return party, None


def analysis(
    ledger: Ledger, period: str, warnings: EarlyWarnings, today: date | None = None, cases: list[Case] | None = None
) -> Analysis:
    """The figures of the analysis for ``period`` (``2026Q4``; a year ``2026`` too)."""
    label, first, end = period_bounds(period)
    last = end - timedelta(days=1)
    running = today is not None and first <= today < last
    if running:
        assert today is not None
        last = today
    cases = all_cases(ledger) if cases is None else cases
    a = Analysis(label, period_name(label), first, last, running)
    for case in cases:
        r = case.registered
        received = r.received.date()
        if first <= received <= last:
            category, project = _name(r.get("category")) or "其他", _name(r.get("project"))
            building = _name(r.get("building")) or NO_BUILDING
            a.total += 1
            a.major += 1 if r.get("major") else 0
            a.by_category[category] += 1
            a.by_project[project] += 1
            a.by_building[(project, building)] += 1
            a.by_building_category[(project, building, category)] += 1
            cause, contractor = _cause(case)
            a.by_cause[cause] += 1
            if contractor:
                a.contractors[contractor] += 1
        callbacks = [e for e in case.events if e.kind == CASE_CALLED_BACK]
        if callbacks:
            latest = callbacks[-1].payload
            if first <= date.fromisoformat(latest["callback_date"]) <= last:
                opinion = _name(latest.get("satisfaction")) or "未填写"
                a.callbacks[_name(r.get("project"))][opinion] += 1
    _survey_answers(ledger, a)
    for action in load_actions(ledger, last):
        if action.kind == PRODUCT_ISSUE and first <= action.meeting_date <= last:
            a.product_issues.append((action.project or "", action.text, action.key, action.done_on is None))
    a.flags = early_warnings(ledger, warnings, last, cases)
    return a


def _survey_answers(ledger: Ledger, a: Analysis) -> None:
    """The satisfaction survey's answers in the period (``survey.recorded``, read as
    ``reports.early_warnings.survey_clusters`` reads them): households surveyed, and per item those answering
    不满意 or 非常不满意. A payload of another shape counts nothing."""
    for event in ledger.events(kind=SURVEY_RECORDED):
        payload = event.payload
        try:
            day = date.fromisoformat(str(payload.get("surveyed_on"))[:10])
        except ValueError:
            continue
        answers = payload.get("answers")
        if not (a.first <= day <= a.last) or not isinstance(answers, list):
            continue
        for answer in answers:
            ratings = answer.get("ratings") if isinstance(answer, dict) else None
            if not isinstance(ratings, dict):
                continue
            a.survey_households += 1
            for item, level in ratings.items():
                if level in DISSATISFIED:
                    a.survey_items[str(item)] += 1


# ------------------------------------------------------------------------------------------ suggestions


def suggestions(a: Analysis) -> list[dict]:
    """The 合理化建议 drafted from the figures (CS-3.7.2): each {department, text, basis}. A first draft for the
    manager: the figures it rests on are exact, the wording is to be completed."""
    drafts: list[dict] = []
    covered: set[tuple[str, str]] = set()
    for (project, building, category), n in sorted(a.by_building_category.items(), key=lambda kv: (-kv[1], kv[0])):
        if n < 2 or building == NO_BUILDING:
            continue
        department, advice = ADVICE.get(category, ADVICE["其他"])
        drafts.append(
            {
                "department": department,
                "text": f"{address(project, building)}“{category}”类投诉{n}件，建议{department}{advice}",
                "basis": f"本期{address(project, building)}受理“{category}”类投诉{n}件",
            }
        )
        covered.add((category, project))
    if a.total:
        category, n = sorted(a.by_category.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        if n >= 2 and not any(c == category for c, _ in covered):
            department, advice = ADVICE.get(category, ADVICE["其他"])
            share = f"{n / a.total * 100:.0f}%"
            drafts.append(
                {
                    "department": department,
                    "text": f"本期“{category}”类投诉最多（{n}件，占{share}），建议{department}{advice}",
                    "basis": f"本期受理投诉{a.total}件，其中“{category}”类{n}件",
                }
            )
    contractor = a.by_cause[f"{CONTRACTOR_PARTY}（保修期内）"]
    if contractor:
        named = "、".join(f"{name}{n}件" for name, n in a.contractors.most_common(3))
        drafts.append(
            {
                "department": "工程材料部",
                "text": f"经现场勘察属施工单位保修责任的维修{contractor}件{f'（{named}）' if named else ''}，"
                "建议工程材料部督促施工单位在保修期内返修，并在支付工程尾款前核查其保修记录（CS-3.6.2）",
                "basis": f"《现场勘察会签表》责任方为施工单位（保修期内）{contractor}件",
            }
        )
    company = a.by_cause[COMPANY_PARTY] + a.by_cause[f"{CONTRACTOR_PARTY}（保修期外）"]
    if company >= 2:
        drafts.append(
            {
                "department": "工程材料部、设计研发部",
                "text": f"由公司承担维修费用的投诉{company}件，建议工程材料部、设计研发部分析共性原因，"
                "在后续项目的设计和施工中避免重复出现",
                "basis": f"《现场勘察会签表》责任方为公司或保修期外的施工单位{company}件",
            }
        )
    for project, opinions in sorted(a.callbacks.items()):
        n = opinions[UNSATISFIED_CALLBACK]
        if n:
            drafts.append(
                {
                    "department": "客户服务部",
                    "text": f"{project}维修回访客户不满意{n}件，建议客户服务部经理复查维修质量并再次回访，"
                    "在维修人员评价中落实（CS-3.5.10）",
                    "basis": f"本期{project}《回访记录》满意程度为“不满意”{n}件",
                }
            )
    for item, n in a.survey_items.most_common(2):
        drafts.append(
            {
                "department": "客户服务部",
                "text": f"客户满意度调查中对“{item}”不满意的{n}户，建议对该项问题做专题调查并跟踪处理（CS-3.7.5.9）",
                "basis": f"本期调查{a.survey_households}户，“{item}”不满意{n}户",
            }
        )
    by_project: dict[str, list[str]] = defaultdict(list)
    for project, text, _key, _open in a.product_issues:
        by_project[project].append(text.split("：", 1)[0])
    for project, items in sorted(by_project.items()):
        drafts.append(
            {
                "department": "工程材料部",
                "text": f"{project}《产品使用情况表》反映异常{len(items)}项（{'、'.join(items[:4])}"
                f"{'等' if len(items) > 4 else ''}），建议工程材料部查明原因，在后续项目的设备选型和施工中改进（CS-3.7.3）",
                "basis": f"{project}《产品使用情况表》异常{len(items)}项",
            }
        )
    return drafts


# ------------------------------------------------------------------------------------------ documents


def _rows(counter: Counter, total: int) -> list[dict]:
    return [
        {"name": name, "count": str(n), "share": f"{n / total * 100:.1f}%" if total else "—"}
        for name, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def _chart(rows: list[dict], title: str) -> str:
    return bar_chart_svg([(row["name"], int(row["count"])) for row in rows], title)


def analysis_context(a: Analysis, warnings: EarlyWarnings, issued_on: date) -> dict:
    """The context of ``customer_info.typ`` and ``customer_info_suggestions.docx`` (every value a str, the
    charts SVG text)."""
    buildings = Counter(
        {address(project, None if b == NO_BUILDING else b): n for (project, b), n in a.by_building.items()}
    )
    by_building = _rows(buildings, a.total)[:BUILDINGS_SHOWN]
    by_category, by_project = _rows(a.by_category, a.total), _rows(a.by_project, a.total)
    causes = [name for name in CAUSE_ORDER if a.by_cause[name]]
    by_cause = [
        {"name": name, "count": str(a.by_cause[name]), "share": f"{a.by_cause[name] / a.total * 100:.1f}%"}
        for name in causes
    ]
    callbacks = [
        {
            "project": project,
            **{key: str(opinions[opinion]) for key, opinion in zip(("satisfied", "fair", "unsatisfied"), SATISFACTION)},
            "total": str(sum(opinions.values())),
        }
        for project, opinions in sorted(a.callbacks.items())
    ]
    drafts = suggestions(a)
    span = (
        f"{chinese_date(a.first)}起，截至{chinese_date(a.last)}"
        if a.running
        else f"{chinese_date(a.first)}至{chinese_date(a.last)}"
    )
    facts = [f"本期受理投诉{a.total}件，其中重大投诉{a.major}件。"]
    if by_category:
        facts.append("按类别：" + "、".join(f"{row['name']}{row['count']}件" for row in by_category) + "。")
    if by_building:
        facts.append("投诉较多的楼栋：" + "、".join(f"{row['name']}{row['count']}件" for row in by_building[:3]) + "。")
    if a.flags:
        facts.append(f"预警（CS-3.7.4）{len(a.flags)}项：" + "；".join(flag.summary for flag in a.flags) + "。")
    return {
        "title": TITLE,
        "suggestions_title": SUGGESTIONS_TITLE,
        "period": a.period,
        "period_name": a.period_name,
        "span": span,
        "issued_on": chinese_date(issued_on),
        "issued_on_iso": issued_on.isoformat(),
        "issuer": ISSUER,
        "addressee": ADDRESSEE,
        "clause": CLAUSE,
        "total": str(a.total),
        "major": str(a.major),
        "by_category": by_category,
        "by_project": by_project,
        "by_building": by_building,
        "buildings_more": str(max(len(buildings) - BUILDINGS_SHOWN, 0)),
        "by_cause": by_cause,
        "callbacks": callbacks,
        "callback_total": str(sum(sum(o.values()) for o in a.callbacks.values())),
        "callback_unsatisfied": str(sum(o[UNSATISFIED_CALLBACK] for o in a.callbacks.values())),
        "survey_households": str(a.survey_households),
        "survey_items": [{"name": item, "count": str(n)} for item, n in a.survey_items.most_common()],
        "product_issues": [
            {"project": project, "text": text, "key": key, "state": "处理中" if still_open else "已完成"}
            for project, text, key, still_open in a.product_issues
        ],
        "warnings": flag_rows(a.flags),
        "warning_rules": "；".join(rule_lines(warnings)),
        "facts": facts,
        "suggestions": [{"index": str(i), **draft} for i, draft in enumerate(drafts, start=1)],
        "category_chart": _chart(by_category, f"{a.period_name}投诉分类（件）"),
        "project_chart": _chart(by_project, f"{a.period_name}各项目投诉（件）"),
        "building_chart": _chart(by_building, f"{a.period_name}投诉较多的楼栋（件）"),
        "cause_chart": _chart(by_cause, f"{a.period_name}投诉原因（责任方，件）"),
    }


def write_customer_info(ws, ledger: Ledger, period: str) -> list[Path]:
    """``docgen report customer-info``: the analysis PDF/A and the Word draft of its 合理化建议."""
    today = ws.today()
    a = analysis(ledger, period, ws.settings.warnings, today=today)
    issued_on = a.last if a.running else ws.calendar.next_workday(a.last)
    context = analysis_context(a, ws.settings.warnings, issued_on)
    folder = ws.root / ws.settings.paths.outbox / "reports" / a.period
    pdf = render_pdf("customer_info.typ", context, folder / f"{TITLE}-{a.period}.pdf", workspace_templates=ws.templates)
    docx = render_docx(
        find_template("customer_info_suggestions.docx", ws.templates),
        context,
        folder / f"{SUGGESTIONS_TITLE}-{a.period}.docx",
    )
    return [pdf, docx]
