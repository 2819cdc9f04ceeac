"""《客户满意度调查报告》 (NC-5.3, CS-3.7.5 … CS-3.7.5.9): the PDF/A written from a survey, its chart, and a
3,000-household survey kept to a few aggregated pages."""

from __future__ import annotations

import shutil
import time
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from docgen.procedures.satisfaction import DEFAULT_ITEMS, SCALE, Answer, Rate, SurveyData
from docgen.reports.survey_report import rate_chart_svg, survey_context, survey_report_path, write_survey_report
from tests.pdf_text import pdftotext, printed

POPPLER = shutil.which("pdftotext") is not None
VERY, SAT, MID, DIS, VERY_DIS = SCALE


def _survey(buildings: int, per: int, *, number: str, bad: bool, community: str = "融侨锦江") -> SurveyData:
    """Household i of each building answers every item with the i-th level of a fixed cycle; with ``bad``,
    维修服务 in 2栋–4栋 is 不满意 for all but one household of each."""
    cycle = [VERY, SAT, SAT, VERY, SAT, MID, SAT, VERY, SAT, DIS]
    answers = []
    for b in range(1, buildings + 1):
        for i in range(per):
            ratings = {item: cycle[(i + k) % len(cycle)] for k, item in enumerate(DEFAULT_ITEMS)}
            if bad and b in (2, 3, 4) and i:
                ratings["维修服务"] = DIS
            if i % 50 == 7:
                ratings["总体评价"] = VERY_DIS
            answers.append(Answer(f"{b}-{1001 + i}", f"{b}栋", ratings))
    n = len(answers)
    return SurveyData(
        community, "年度回访", number, date(2026, 11, 20), n * 3, n * 2, DEFAULT_ITEMS, tuple(answers),
        (("1-1001", "车库漏水"), ("3-1002", "维修太慢")),
    )  # fmt: skip


def test_the_chart_escapes_every_label():
    svg = rate_chart_svg([Rate('<b>&"x"', 8, 10, 0.5, 0.95), Rate("未答", 0, 0)], "标题</svg><script>")
    root = ET.fromstring(svg)  # well-formed whatever the names
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert '<b>&"x"' in texts and "80.0%" in texts and "标题</svg><script>" in texts
    assert "未答" not in texts  # an item nobody answered has no bar
    assert len(list(root.iter("{http://www.w3.org/2000/svg}path"))) == 1  # one whisker


@pytest.mark.skipif(not POPPLER, reason="poppler-utils not installed")
def test_report_written_with_comparison_concentration_and_handling(ws):
    now = _survey(5, 20, number="MY-2026-002", bad=True)
    before = _survey(5, 20, number="MY-2025-002", bad=False)
    out = write_survey_report(ws, now, before, date(2026, 11, 27), handled=1, total_opinions=2)
    assert (
        out == ws.root / ws.settings.paths.outbox / "reports" / "满意度" / "客户满意度调查报告-融侨锦江-MY-2026-002.pdf"
    )
    assert out == survey_report_path(ws, now) and out.read_bytes().startswith(b"%PDF-")
    text = pdftotext(out)
    for words in (
        "客户满意度调查报告",
        "本次回访100户，占已入住户数的50.0%",
        "置信区间已作有限总体校正",
        "“维修服务”满意率下降",  # most of three buildings turned 不满意: a real change
        "变化显著",
        "应做专题调查",
        "按《客户服务管理程序》第3.7.5.9条（CS-3.7.5.9）应做专题调查并跟踪处理",
        "回访处理率50.0%",
        "各楼栋汇总",
        "严重不满意客户名单",
        "3-1008",
    ):
        assert printed(text, words), words
    assert "非常满意" in text and "Brunner" in text


@pytest.mark.skipif(not POPPLER, reason="poppler-utils not installed")
def test_first_survey_without_previous_or_handling(ws):
    data = _survey(2, 10, number="MY-2026-001", bad=False, community="融侨观邸<b>#set")
    data = SurveyData(**{**data.__dict__, "kind": "首次回访", "occupied": 40})  # 20 of 40: below 90 %
    out = write_survey_report(ws, data, None, date(2026, 11, 27))
    assert out.name == "客户满意度调查报告-融侨观邸_b_#set-MY-2026-001.pdf"
    text = pdftotext(out)
    assert printed(text, "本小区无上次调查数据，本次不作比较")
    assert printed(text, "CS-3.7.5.1") and printed(text, "融侨观邸<b>#set")
    assert printed(text, "本次回访收集客户意见、要求、建议、投诉2条，处理情况另行统计")


def test_three_thousand_households_stay_aggregated_and_fast(ws):
    now = _survey(30, 100, number="MY-2026-009", bad=True)
    before = _survey(30, 100, number="MY-2025-009", bad=False)
    started = time.perf_counter()
    context = survey_context(now, before, date(2026, 11, 27), handled=2, total_opinions=2)
    assert time.perf_counter() - started < 10
    assert len(context["buildings"]) == 30 and len(context["building_flags"]) <= 40
    assert len(context["rates"]) == len(DEFAULT_ITEMS)
    out = write_survey_report(ws, now, before, date(2026, 11, 27), handled=2, total_opinions=2)
    if POPPLER:
        pages = pdftotext(out).count("\f")
        assert pages <= 10, pages
