"""《客户满意度调查报告》 (NC-5.3; CS-3.7.5 … CS-3.7.5.9) of one survey as PDF/A, from ``survey_report.typ``.

The figures are :func:`docgen.procedures.satisfaction.analyse`'s; this module words them for the report and
draws the chart. Everything is aggregated (per item, per building), so a survey of 3,000 households prints in
a few pages and renders in well under a second; the only list of households is the appendix's list of the
seriously dissatisfied ones that the manager must re-visit (CS-3.7.5.9), written as running text per building.

The chart of the satisfaction rates with their 95 % intervals (whiskers) is SVG text made here, drawn by the
template as an image; every label is escaped here (``html.escape``), so an item or community name cannot
break or add to the SVG. Every other value is printed by the template as text.
"""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path

from docgen.atomic import safe_part
from docgen.procedures.clauses import cite
from docgen.procedures.satisfaction import (
    ALPHA,
    DISSATISFIED_LIMIT,
    FPC_SHARE,
    MIN_FLAG_COUNT,
    OVERALL_ITEM,
    SCALE,
    Z_TEST,
    Analysis,
    Rate,
    SurveyData,
    analyse,
    by_building,
    handling_rate,
    p_text,
)
from docgen.render.pdf import render_pdf
from docgen.reports.statements import CHART_FONT, _label

__all__ = ["TITLE", "rate_chart_svg", "survey_context", "survey_report_path", "write_survey_report"]

TITLE = "客户满意度调查报告"
FOLDER = "满意度"
ISSUER = "客户服务部"
NONE = "—"


def _pct(value: float | None, digits: int = 1) -> str:
    return NONE if value is None else f"{value * 100:.{digits}f}%"


def _ci(rate: Rate) -> str:
    if rate.low is None or rate.high is None:
        return NONE
    return f"{rate.low * 100:.1f}%～{rate.high * 100:.1f}%"


def _num(value: float | None, digits: int = 2) -> str:
    return NONE if value is None else f"{value:.{digits}f}"


# --------------------------------------------------------------------------------------------- chart


def rate_chart_svg(rates: list[Rate], title: str) -> str:
    """Horizontal bars of the satisfaction rates (0–100 %) with the 95 % interval as a whisker, as ``<svg>``
    text. Every label and the title are escaped here."""

    def esc(text: str, limit: int = 10) -> str:
        return html.escape(_label(text, limit), quote=True)

    width, label_w, value_w, row_h, top = 560, 110, 60, 24, 34
    bar_w = width - label_w - value_w - 10
    shown = [r for r in rates if r.rate is not None]
    height = top + max(len(shown), 1) * row_h + 26
    font = f'font-family="{CHART_FONT}"'
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title, 40)}">',
        f'<text x="{width / 2:.0f}" y="18" text-anchor="middle" {font} font-size="14" fill="#000">{esc(title, 40)}</text>',
    ]
    bottom = top + max(len(shown), 1) * row_h
    for tick in range(0, 101, 20):  # the scale: light grid lines every 20 %, labelled under the bars
        x = label_w + bar_w * tick / 100
        parts.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{bottom}" stroke="#bbb" stroke-width="0.5"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + 14}" text-anchor="middle" {font} font-size="11" fill="#000">{tick}%</text>'
        )
    parts.append(f'<line x1="{label_w}" y1="{top - 4}" x2="{label_w}" y2="{bottom}" stroke="#000" stroke-width="0.8"/>')
    if not shown:
        parts.append(f'<text x="{label_w + 8}" y="{top + 16}" {font} font-size="13" fill="#000">无有效回答</text>')
    for i, r in enumerate(shown):
        y = top + i * row_h
        value = r.rate or 0.0
        length = bar_w * value
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" {font} font-size="13" fill="#000">{esc(r.item)}</text>'
        )
        if length > 0:
            parts.append(
                f'<rect x="{label_w}" y="{y + 4}" width="{length:.1f}" height="{row_h - 8}" '
                f'fill="#4a6f9c" stroke="#1f3b5c" stroke-width="0.5"/>'
            )
        if r.low is not None and r.high is not None and r.high > r.low:  # the whisker: the 95 % interval
            x1, x2, mid = label_w + bar_w * r.low, label_w + bar_w * r.high, y + row_h / 2
            parts.append(
                f'<path d="M{x1:.1f} {mid:.1f}H{x2:.1f}M{x1:.1f} {mid - 5:.1f}V{mid + 5:.1f}'
                f'M{x2:.1f} {mid - 5:.1f}V{mid + 5:.1f}" stroke="#000" stroke-width="1.2" fill="none"/>'
            )
        end = label_w + bar_w * max(value, r.high or 0.0)
        parts.append(
            f'<text x="{end + 5:.1f}" y="{y + 15}" {font} font-size="13" fill="#000">{value * 100:.1f}%</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


# ------------------------------------------------------------------------------------------- context


def _rates_rows(a: Analysis) -> list[dict]:
    return [
        {
            "item": r.item,
            "answered": str(r.answered),
            "satisfied": str(r.satisfied),
            "rate": _pct(r.rate),
            "ci": _ci(r),
        }
        for r in a.rates
    ]


def _distribution_rows(a: Analysis) -> list[dict]:
    rows = []
    for d in a.distributions:
        row = {"item": d.item, "unanswered": str(d.unanswered), "mean": _num(d.mean), "sd": _num(d.sd)}
        for i, count in enumerate(d.counts):
            row[f"l{i}"] = f"{count}\n{_pct(count / d.answered) if d.answered else NONE}"
        rows.append(row)
    return rows


def _change_rows(a: Analysis) -> list[dict]:
    return [
        {
            "item": c.item,
            "previous": f"{_pct(c.previous.rate)}（{c.previous.answered}）",
            "current": f"{_pct(c.current.rate)}（{c.current.answered}）",
            "change": f"{c.difference * 100:+.1f}",
            "ci": f"{c.low * 100:+.1f}～{c.high * 100:+.1f}",
            "test": "z检验" if c.test == Z_TEST else "Fisher精确",
            "p": _bare_p(c.p),
            "p_adjusted": _bare_p(c.p_adjusted),
            "verdict": (("显著上升" if c.difference > 0 else "显著下降") if c.significant else "不显著"),
        }
        for c in a.changes
    ]


def _comparison(a: Analysis) -> list[str]:
    """The comparison in words: each significant change on its own, the others together; then the items whose
    whole five-level distribution moved (Brunner–Munzel)."""
    out = [f"“{c.item}”{c.verdict}" for c in a.changes if c.significant]
    noise = [c for c in a.changes if not c.significant]
    if noise:
        out.append(
            "、".join(f"“{c.item}”" for c in noise)
            + ("的满意率变化" if len(noise) == 1 else "等各项满意率的变化均")
            + "不显著（校正后p值不小于0.05，见上表），与抽样误差无法区分，不能认为有真实变化"
        )
    out += [
        f"“{c.item}”五级评分的分布有显著变化（Brunner–Munzel检验{p_text(c.distribution_p)}）"
        for c in a.changes
        if c.distribution_p is not None and c.distribution_p < ALPHA
    ]
    return out


def _bare_p(p: float | None) -> str:
    return p_text(p).removeprefix("p=").replace("p<", "<")


def _concentration_rows(a: Analysis) -> list[dict]:
    return [
        {
            "item": c.item,
            "dissatisfied": f"{c.dissatisfied}/{c.answered}",
            "share": _pct(c.share),
            "reference": _pct(c.reference),
            "p": _bare_p(c.p_adjusted),
            "buildings_p": _bare_p(c.buildings_p)
            + ("*" if c.buildings_indicative and c.buildings_p is not None else ""),
            "flag": "应做专题调查" if c.flagged else "未见集中",
        }
        for c in a.items_concentration
    ]


def _building_rows(a: Analysis) -> list[dict]:
    """The building × item tests worth a look: flagged, or below 5 % before the correction (at most a few
    dozen rows whatever the survey's size)."""
    rows = [c for c in a.buildings_concentration if c.flagged or c.p < ALPHA]
    rows.sort(key=lambda c: (c.p_adjusted, c.p))
    return [
        {
            "building": c.building,
            "item": c.item,
            "here": f"{c.dissatisfied}/{c.answered}（{_pct(c.dissatisfied / c.answered)}）",
            "rest": f"{c.rest_dissatisfied}/{c.rest_answered}（{_pct(c.rest_dissatisfied / c.rest_answered)}）",
            "p": _bare_p(c.p),
            "p_adjusted": _bare_p(c.p_adjusted),
            "flag": "应做专题调查" if c.flagged else "不显著",
        }
        for c in rows[:40]
    ]


def _conclusions(a: Analysis, handled: int | None, total: int | None) -> list[str]:
    out = [f.message + f"（{f.clause}）" for f in a.coverage.findings]
    worse = [c for c in a.changes if c.significant and c.difference < 0]
    better = [c for c in a.changes if c.significant and c.difference > 0]
    if worse:
        out.append(
            "与上次调查相比，"
            + "、".join(f"“{c.item}”满意率下降{-c.difference * 100:.1f}个百分点" for c in worse)
            + "，变化显著，须分析原因并采取改进措施"
        )
    if better:
        out.append("、".join(f"“{c.item}”" for c in better) + "满意率显著上升")
    flagged = [c for c in a.items_concentration if c.flagged]
    for c in flagged:  # a building flagged on an item flags the item too ("集中于3栋")
        out.append(
            f"“{c.item}”项不满意回答集中（" + "；".join(c.reasons) + f"），按{cite('CS-3.7.5.9')}应做专题调查并跟踪处理"
        )
    if a.serious:
        out.append(
            f"严重不满意客户{len(a.serious)}户（名单见附录二），按{cite('CS-3.7.5.9')}客户服务部经理须全数参与再回访"
        )
    rate = handling_rate(handled, total)
    if rate is not None and total is not None and handled is not None and handled < total:
        out.append(
            f"客户意见、要求、建议、投诉{total}条，已处理{handled}条，回访处理率{_pct(rate)}，"
            f"未达到{cite('CS-3.7.5.7')}要求的100%"
        )
    return out


def survey_context(
    data: SurveyData,
    previous: SurveyData | None,
    issued_on: date,
    handled: int | None = None,
    total_opinions: int | None = None,
    analysis: Analysis | None = None,
) -> dict:
    """The context of ``survey_report.typ``: every value a str (lists of str-valued rows), the chart as SVG."""
    a = analysis or analyse(data, previous)
    if total_opinions is None and handled is not None:
        total_opinions = len(data.opinions)
    cov = a.coverage
    overall = a.overall
    if a.overall_from_item:
        overall_text = f"“{OVERALL_ITEM}”满意率{_pct(overall.rate)}（{overall.satisfied}/{overall.answered}），95%置信区间{_ci(overall)}"
    else:
        overall_text = (
            f"调查未设“{OVERALL_ITEM}”项，全部项目的回答合计满意率{_pct(overall.rate)}"
            f"（{overall.satisfied}/{overall.answered}；同一户的各项回答不独立，不计置信区间）"
        )
    share = cov.share
    if share is not None and cov.surveyed >= cov.occupied > 0:
        fpc = "本次为全数调查，满意率无抽样误差，区间即为满意率本身。"
    elif share is not None and share > FPC_SHARE:
        fpc = (
            f"样本占已入住户数的{_pct(share)}，超过{FPC_SHARE * 100:.0f}%，属不放回抽样，置信区间已作有限总体校正"
            "（方差乘以(N−n)/(N−1)，即按有效样本量n(N−1)/(N−n)计算Wilson区间），比不校正时更窄。"
        )
    else:
        fpc = f"样本不超过已入住户数的{FPC_SHARE * 100:.0f}%，未作有限总体校正。"
    serious_lists = [
        {"building": building, "households": "、".join(x.household for x in members)}
        for building, members in by_building(a.serious).items()
    ]
    rate = handling_rate(handled, total_opinions)
    return {
        "title": TITLE,
        "issuer": ISSUER,
        "community": data.community,
        "kind": data.kind,
        "number": data.number,
        "surveyed_on": data.surveyed_on.isoformat(),
        "issued_on": issued_on.isoformat(),
        "households": str(cov.households),
        "occupied": str(cov.occupied),
        "occupancy": _pct(cov.occupancy),
        "surveyed": str(cov.surveyed),
        "share": _pct(share),
        "items": "、".join(data.items),
        "overall": overall_text,
        "fpc_note": fpc,
        "coverage_findings": [f.message + f"（{f.clause}）" for f in cov.findings],
        "rates": _rates_rows(a),
        "rate_chart": rate_chart_svg(list(a.rates), f"{data.community}各项满意率及95%置信区间"),
        "distribution": _distribution_rows(a),
        "levels": list(SCALE),
        "has_previous": "yes" if previous is not None else "",
        "previous_number": previous.number if previous is not None else "",
        "previous_on": previous.surveyed_on.isoformat() if previous is not None else "",
        "changes": _change_rows(a),
        "not_compared": "、".join(a.not_compared),
        "comparison": _comparison(a),
        "concentration": _concentration_rows(a),
        "building_tests": str(len(a.buildings_concentration)),
        "building_flags": _building_rows(a),
        "limit": f"{DISSATISFIED_LIMIT * 100:.0f}%",
        "min_count": str(MIN_FLAG_COUNT),
        "serious": str(len(a.serious)),
        "serious_lists": serious_lists,
        "opinions": str(len(data.opinions)),
        "has_handling": "yes" if rate is not None else "",
        "handled": "" if handled is None else str(handled),
        "total_opinions": "" if total_opinions is None else str(total_opinions),
        "handling_rate": _pct(rate),
        "handling_ok": "yes" if rate is not None and rate >= 1 else "",
        "conclusions": _conclusions(a, handled, total_opinions),
        "buildings": [
            {
                "building": b.building,
                "households": str(b.households),
                "overall": _pct(b.overall.rate),
                "answered": str(b.overall.answered),
                "dissatisfied": f"{b.dissatisfied}/{b.answers}",
                "share": _pct(b.dissatisfied / b.answers if b.answers else None),
                "serious": str(len(b.serious)),
            }
            for b in a.buildings
        ],
        "overall_label": OVERALL_ITEM if a.overall_from_item else "全部项目",
    }


def survey_report_path(ws, data: SurveyData) -> Path:
    """``outbox/reports/满意度/客户满意度调查报告-<community>-<number>.pdf``."""
    name = f"{TITLE}-{safe_part(data.community, 60)}-{safe_part(data.number, 40)}.pdf"
    return ws.root / ws.settings.paths.outbox / "reports" / FOLDER / name


def write_survey_report(
    ws,
    data: SurveyData,
    previous: SurveyData | None,
    issued_on: date,
    handled: int | None = None,
    total_opinions: int | None = None,
) -> Path:
    """Write the survey's 《客户满意度调查报告》 (PDF/A-3b) and return its path (:func:`survey_report_path`).
    ``previous``: the previous survey of the same community, compared item by item; ``handled`` and
    ``total_opinions``: how many of the survey's opinions were handled (CS-3.7.5.7), when known."""
    context = survey_context(data, previous, issued_on, handled, total_opinions)
    return render_pdf("survey_report.typ", context, survey_report_path(ws, data), workspace_templates=ws.templates)
