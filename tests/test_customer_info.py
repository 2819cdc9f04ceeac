"""The quarterly customer-information analysis (CS-3.7.2): by category, project, building and cause with charts,
callbacks, survey answers, product-usage problems and early warnings, ending in 合理化建议 drafted from the data,
as PDF/A and as a Word draft for the manager (``docgen report customer-info --quarter``)."""

from __future__ import annotations

import json
from datetime import date

from docgen import pipeline
from docgen.cli import main
from docgen.events import CASE_CALLED_BACK, CASE_SURVEYED
from docgen.reports.customer_info import analysis, analysis_context, suggestions
from docgen.workspace import EarlyWarnings
from tests.conftest import register_line
from tests.docx_helpers import all_text
from tests.pdf_text import pdftotext
from tests.test_early_warnings import register
from tests.test_steps_product_usage import drop


def quarter(ws, ledger) -> list[str]:
    lines = [
        register_line(received_date=date(2026, 11, d), customer=f"客户{d}", phone=f"138001380{d:02d}",
                      content=f"屋面渗漏{d}", building="3")
        for d in (2, 9, 16)
    ] + [
        register_line(received_date=date(2026, 10, 12), customer="周敏", phone="13900139000", content="售楼承诺不符",
                      category="销售服务", building="7", project="融侨观澜"),
    ]  # fmt: skip
    numbers = register(ws, ledger, lines, date(2026, 11, 23))
    with ledger.transaction() as tx:
        survey = {"case_number": numbers[0], "survey_date": "2026-11-03", "responsible_party": "施工单位",
                  "in_warranty": True, "contractor": "闽建一公司"}  # fmt: skip
        tx.append(CASE_SURVEYED, survey, case_id=numbers[0])
        for number in numbers[:2]:
            callback = {"case_number": number, "callback_date": "2026-11-20", "satisfaction": "不满意"}
            tx.append(CASE_CALLED_BACK, callback, case_id=number)
    assert pipeline.process_file(ws, ledger, drop(ws), date(2026, 11, 27)).status == "accepted_with_findings"
    return numbers


def test_the_figures_by_category_project_building_and_cause(ws, ledger):
    quarter(ws, ledger)
    a = analysis(ledger, "2026Q4", EarlyWarnings(), today=date(2026, 12, 31))
    assert (a.total, a.by_category["维修"], a.by_project["融侨观澜"]) == (4, 3, 1)
    assert a.by_building[("融侨锦江", "3")] == 3
    assert a.by_cause == {"施工单位（保修期内）": 1, "未经勘察": 3}
    assert a.callbacks["融侨锦江"]["不满意"] == 2
    assert [text for _, text, _, _ in a.product_issues][0].startswith("地下车库排水泵")
    # the warnings standing at the end of the quarter: none (the 3 complaints are older than 30 days) …
    assert a.flags == []
    # … but a running quarter as of 23 November has the building's three complaints
    running = analysis(ledger, "2026Q4", EarlyWarnings(), today=date(2026, 11, 23))
    assert running.running and [f.where for f in running.flags] == ["融侨锦江3栋", "融侨锦江"]


def test_suggestions_are_drawn_from_the_data(ws, ledger):
    quarter(ws, ledger)
    drafts = suggestions(analysis(ledger, "2026Q4", EarlyWarnings(), today=date(2026, 12, 31)))
    texts = [d["text"] for d in drafts]
    assert texts[0].startswith("融侨锦江3栋“维修”类投诉3件，建议工程材料部")
    assert any("施工单位保修责任的维修1件（闽建一公司1件）" in t for t in texts)
    assert any(t.startswith("融侨锦江维修回访客户不满意2件") for t in texts)
    assert any("《产品使用情况表》反映异常2项（地下车库排水泵、3号楼屋面）" in t for t in texts)
    assert all(d["department"] and d["basis"] for d in drafts)
    context = analysis_context(
        analysis(ledger, "2026Q1", EarlyWarnings(), today=date(2026, 12, 31)), EarlyWarnings(), date(2026, 4, 1)
    )
    assert context["suggestions"] == [] and context["total"] == "0"


def test_report_customer_info_writes_the_pdf_and_the_word_draft(ws, ledger, capsys):
    quarter(ws, ledger)
    assert main(["--workspace", str(ws.root), "report", "customer-info", "--quarter", "2026Q4", "--json"]) == 0
    outputs = json.loads(capsys.readouterr().out)["outputs"]
    assert outputs == [
        "outbox/reports/2026Q4/客户信息分析报告-2026Q4.pdf",
        "outbox/reports/2026Q4/客户信息分析合理化建议-2026Q4.docx",
    ]
    pdf = pdftotext(ws.root / outputs[0]).replace(" ", "")
    for words in ("客户信息分析报告", "一、投诉分类", "三、按楼栋", "四、按原因（责任方）", "八、合理化建议",
                  "融侨锦江3栋", "施工单位（保修期内）", "CS-3.7.2", "预警条件"):  # fmt: skip
        assert words in pdf, words
    word = all_text(ws.root / outputs[1])
    assert "客户信息分析合理化建议" in word and "融侨锦江3栋“维修”类投诉3件" in word and "补充意见" in word
