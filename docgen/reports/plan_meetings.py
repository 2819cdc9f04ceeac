"""Minutes drafts of the group's plan meetings (PL-3.3.3: 企业发展中心 convenes the quarterly briefing on plan execution
季度计划执行通报会 and the annual summary meeting 年度计划总结会), pre-filled from the consolidated report
(:func:`docgen.reports.plan_execution.execution_figures`): attendees (企业发展中心 chairs; the departments and
branches), the figures, the warnings, late and missing reports, the adjustments and the items to decide. The annual
draft lists the year's problems as 改进意见 for next year's plan (PL-3.3.6).

A function of the year's plan, the period and the meeting date; Word (python-docx, the house style), for the recorder
to complete: the decisions table has blank 责任单位 and 完成期限 where the meeting has not decided yet.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from docgen.atomic import write_bytes
from docgen.plans import APPROVED, PENDING, WARNING_CLAUSE, PlanYear
from docgen.reports.plan_execution import (
    ISSUER,
    GroupPeriod,
    PlanReportError,
    docx_bytes,
    docx_heading,
    docx_para,
    docx_signature,
    docx_table,
    docx_title,
    execution_figures,
    new_docx,
    plan_year_of,
    signed_pct,
    summary_sentence,
    unit_rows,
    warning_lines,
)
from docgen.wording import chinese_date

__all__ = ["meeting_context", "meeting_docx", "write_meeting"]

QUARTERLY = "季度计划执行通报会"
ANNUAL = "年度计划总结会"

FIGURE_COLUMNS = [
    ("单位", "unit", 20),
    ("指标", "indicator", 36),
    ("计划", "planned", 18),
    ("实际", "actual", 18),
    ("偏差", "deviation", 16),
    ("年度进度", "progress", 18),
    ("状态", "status", 30),
]
WARNING_COLUMNS = [
    ("单位", "unit", 20),
    ("期间", "period", 18),
    ("指标", "indicator", 34),
    ("偏差", "deviation", 16),
    ("原因说明", "reason", 68),
]
DECISION_COLUMNS = [
    ("序号", "index", 12),
    ("待议事项", "item", 84),
    ("责任单位", "owner", 30),
    ("完成期限", "due", 30),
]


def meeting_kind(period: GroupPeriod) -> str:
    return ANNUAL if period.kind == "annual" else QUARTERLY


def _decisions(figures: dict) -> list[dict]:
    items = []
    year: PlanYear = figures["year"]
    for w in figures["warnings"]:
        if w["period"] in figures["period"].report_periods:
            head = f"{w['unit']}{w['label']}（{w['period_label']}）偏差{signed_pct(w['deviation'])}"
            done = [
                a
                for a in year.adjustments
                if (a.unit, a.indicator) == (w["unit"], w["code"]) and a.status in (APPROVED, PENDING)
            ]
            if done:  # issue 14 D14: an adjustment already made or pending is reported, not proposed again
                a = done[-1]
                when = f"已于{chinese_date(a.approved_on)}批准" if a.approved_on and a.status == APPROVED else "待审批"
                items.append(
                    (
                        f"{head}：已提出计划调整方案{a.number}（自第{a.effective_quarter}季度起），{when}；"
                        f"跟踪调整后目标的执行（{WARNING_CLAUSE}）",
                        w["unit"],
                    )
                )
                continue
            items.append(
                (
                    f"{head}：是否提出计划调整方案，提交计划委员会专题会议（{WARNING_CLAUSE}）",
                    w["unit"],
                )
            )
    for s in figures["missing"]:
        items.append((f"{s['unit']}{s['period_label']}计划执行报告未报：限期补报（PL-3.3.1）", s["unit"]))
    for s in figures["late"]:
        items.append(
            (f"{s['unit']}{s['period_label']}计划执行报告迟报{s['late_days']}天：通报并纳入考核（PL-3.4.3）", s["unit"])
        )
    for s in figures["finance_late"]:
        items.append(
            (
                f"{s['unit']}{s['period_label']}报告财务审核逾期：财务计统部说明原因（PL-3.3.2）",
                figures["year"].plan.finance,
            )
        )
    for a in figures["adjustments"]:
        if a.status == "待审批":
            items.append((f"计划调整方案{a.number}（{a.unit}）待审批：提请决策层审批（PL-3.4.2）", ISSUER))
    items.append(("其他事项", ""))
    return [
        {"index": str(n), "item": text, "owner": owner, "due": ""} for n, (text, owner) in enumerate(items, start=1)
    ]


def _improvements(figures: dict) -> list[str]:
    """PL-3.3.6: the year's problems as 改进意见 for next year's plan."""
    out = []
    for w in figures["warnings"]:
        reason = f"（原因：{w['reason']}）" if w["reason"] else ""
        out.append(
            f"{w['unit']}{w['label']}{w['period_label']}偏差{signed_pct(w['deviation'])}{reason}：编制下一年度计划时复核该指标的"
            "测算依据，并明确预警后的应对措施。"
        )
    for unit, period, text in figures["problems"]:
        out.append(f"{unit}（{period}）反映的非常规问题“{text}”：纳入下一年度计划背景分析（PL-3.2.1）。")
    for unit, period, text in figures["shortfalls"]:
        out.append(f"{unit}（{period}）自述不足“{text}”：在下一年度工作计划中提出改进措施。")
    late = sorted({s["unit"] for s in figures["late"] + figures["missing"]})
    if late:
        out.append(f"{'、'.join(late)}计划执行报告迟报或未报：下一年度明确报送责任人，按期报送（PL-3.3.1）。")
    if figures["finance_late"]:
        out.append("分支机构报告财务审核逾期：财务计统部在五个工作日内完成审核（PL-3.3.2）。")
    return out


def meeting_context(year: PlanYear, period: GroupPeriod, meeting_date: date, as_of: date) -> dict:
    figures = execution_figures(year, period, as_of)
    kind = meeting_kind(period)
    rows = unit_rows(figures)
    return {
        "kind": kind,
        "title": f"集团{period.name}计划{'总结会' if period.kind == 'annual' else '执行通报会'}会议纪要（草稿）",
        "period_name": period.name,
        "meeting_date": chinese_date(meeting_date),
        "chair": ISSUER,
        "attendees": "、".join([ISSUER, *figures["units"]]),
        "summary": summary_sentence(figures),
        "figures": rows,
        "warnings": warning_lines(figures),
        "decisions": _decisions(figures),
        "improvements": _improvements(figures) if period.kind == "annual" else [],
        "clause": "PL-3.3.3" + ("、PL-3.3.6" if period.kind == "annual" else ""),
    }


def meeting_docx(context: dict) -> bytes:
    document = new_docx(context["title"], context["clause"])
    # the meeting's name on the first line, 会议纪要（草稿） on the second: a title is not broken inside a word
    docx_title(
        document, context["title"].replace("会议纪要", "\n会议纪要", 1), [("会议日期：", context["meeting_date"])]
    )
    docx_para(document, f"会议名称：{context['kind']}（{context['clause']}）", indent=False)
    docx_para(document, f"主持：{context['chair']}", indent=False)
    docx_para(document, f"出席：{context['attendees']}", indent=False)
    docx_para(document, "地点：　　　　　　　　　　记录：", indent=False)
    docx_heading(document, f"一、{context['period_name']}计划执行情况通报")
    docx_para(document, context["summary"])
    docx_table(document, FIGURE_COLUMNS, context["figures"], size=9)
    docx_heading(document, "二、计划执行预警")
    if context["warnings"]:
        docx_table(document, WARNING_COLUMNS, context["warnings"], size=9)
    else:
        docx_para(document, "本期没有达到预警标准的偏差。")
    docx_heading(document, "三、会议议定事项")
    docx_table(document, DECISION_COLUMNS, context["decisions"], size=10.5)
    if context["improvements"]:
        docx_heading(document, "四、对下一年度计划的改进意见（PL-3.3.6）")
        for n, text in enumerate(context["improvements"], start=1):
            docx_para(document, f"{n}．{text}")
    docx_signature(document, f"{ISSUER}（代章）", context["meeting_date"])
    return docx_bytes(document)


def write_meeting(ws, ledger, period: GroupPeriod, meeting_date: date | None = None) -> tuple[list[Path], dict]:
    """``docgen plan meeting``: ``outbox/reports/<period>/会议纪要-<会议>-<period>.docx``."""
    year = plan_year_of(ledger, ws.settings, period.year)
    today = ws.today()
    if today <= period.last:  # issue 14 D11: nothing to brief on before the period has ended
        raise PlanReportError(
            f"{period.name}尚未结束（至{chinese_date(period.last)}止），{meeting_kind(period)}的纪要草稿在期末后生成；"
            f"本期执行情况的期中汇总请用 docgen plan report（PL-3.3.3）"
        )
    day = meeting_date or today
    context = meeting_context(year, period, day, today)
    path = ws.outbox / "reports" / period.label / f"会议纪要-{context['kind']}-{period.label}.docx"
    write_bytes(path, meeting_docx(context))
    return [path], {"period": period.label, "meeting": context["kind"], "decisions": len(context["decisions"])}
