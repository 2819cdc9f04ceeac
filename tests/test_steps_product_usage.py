"""The 《产品使用情况表》 (CS-3.7.3), through intake/: recorded, its 异常 lines tracked items for 工程材料部, a summary
PDF for 工程材料部 with the original inside, and the timing against 设备启用日期 checked."""

from __future__ import annotations

from datetime import date
from itertools import count

from docgen import pipeline
from docgen.actions import all_actions, mark_done
from docgen.events import PRODUCT_ISSUE, PRODUCT_USAGE
from docgen.office.xlsx import build_workbook, save_atomic
from docgen.reports.periodic import overdue_warning
from docgen.steps import FORMS
from tests.pdf_text import pdftotext, printed

TODAY = date(2026, 11, 27)
_names = count(1)

HEADER = {
    "project": "融侨锦江",
    "started": date(2025, 11, 20),
    "filled_by": "融侨物业公司",
    "filled_date": date(2026, 11, 25),
    "filler": "陈经理",
}
LINES = [
    {"item": "2号楼电梯", "state": "正常"},
    {"item": "地下车库排水泵", "state": "异常", "problem": "暴雨时启动迟缓，车库积水", "suggestion": "更换浮球开关"},
    {"item": "3号楼屋面", "state": "异常", "problem": "顶层两户渗漏", "suggestion": "重做防水层"},
]


def drop(ws, header=None, lines=None):
    path = ws.intake / f"产品使用情况表-{next(_names)}.xlsx"
    workbook = build_workbook(FORMS["CS-USAGE"], {**HEADER, **(header or {})}, LINES if lines is None else lines)
    return save_atomic(workbook, path)


def test_abnormal_lines_become_tracked_items_and_a_summary_for_engineering(ws, ledger):
    outcome = pipeline.process_file(ws, ledger, drop(ws), TODAY)
    assert outcome.status == "accepted_with_findings", [f.message for f in outcome.findings]
    assert outcome.form == "CS-USAGE"
    [usage] = ledger.events(kind=PRODUCT_USAGE)
    assert (usage.payload["items"], usage.payload["abnormal"], usage.case_id) == (3, 2, None)
    issues = [a for a in all_actions(ledger) if a.kind == PRODUCT_ISSUE]
    assert [a.text for a in issues] == ["地下车库排水泵：暴雨时启动迟缓，车库积水", "3号楼屋面：顶层两户渗漏"]
    assert {a.owner for a in issues} == {"工程材料部"}
    # due [product_usage] issue_workdays (15) working days after it was forwarded on Fri 2026-11-27
    assert issues[0].due == date(2026, 12, 18)
    assert issues[0].project is None or issues[0].project == "融侨锦江"
    message = next(f.message for f in outcome.findings if "转交工程材料部" in f.message)
    assert issues[0].key in message and "docgen action done" in message
    [summary] = [o for o in outcome.outputs if o.endswith(".pdf")]
    assert summary.startswith("outbox/dispatch/2026-11-27/工程材料部-产品使用情况汇总-融侨锦江-")
    text = pdftotext(ws.root / summary)
    for value in ("产品使用情况汇总", "地下车库排水泵", "暴雨时启动迟缓，车库积水", issues[0].key, "2025年11月20日"):
        assert printed(text, value), value
    assert "CS-3.7.3" in text
    # the issues are followed up like decisions: in the 逾期预警 once late, done with docgen action done
    late = overdue_warning(ledger, ws.calendar, date(2026, 12, 21))
    assert [p.number for w in late for p in w.late] == [issues[0].key, issues[1].key]
    mark_done(ledger, issues[0].key, date(2026, 12, 1), date(2026, 12, 1))
    assert [a.key for a in all_actions(ledger) if a.kind == PRODUCT_ISSUE and a.open] == [issues[1].key]


def test_the_same_form_again_tracks_nothing_twice_and_a_changed_problem_is_a_correction(ws, ledger):
    pipeline.process_file(ws, ledger, drop(ws), TODAY)
    changed = [*LINES[:2], {**LINES[2], "problem": "顶层四户渗漏"}]
    again = pipeline.process_file(ws, ledger, drop(ws, lines=changed), TODAY)
    messages = [f.message for f in again.findings]
    assert any("未重复登记" in m for m in messages) and any("已按本表更正" in m for m in messages)
    issues = [a for a in all_actions(ledger) if a.kind == PRODUCT_ISSUE]
    assert [a.text for a in issues] == ["地下车库排水泵：暴雨时启动迟缓，车库积水", "3号楼屋面：顶层四户渗漏"]


def test_an_abnormal_line_without_a_problem_and_an_empty_form_are_rejected_on_their_cells(ws, ledger):
    outcome = pipeline.process_file(ws, ledger, drop(ws, lines=[{"item": "水泵", "state": "异常"}]), TODAY)
    assert outcome.status == "rejected"
    [finding] = outcome.findings
    assert "没有问题描述" in finding.message and finding.clause == "CS-3.7.3" and finding.location
    empty = pipeline.process_file(ws, ledger, drop(ws, lines=[]), TODAY)
    assert empty.status == "rejected" and "没有填写任何一行" in empty.findings[0].message
    before = pipeline.process_file(ws, ledger, drop(ws, header={"filled_date": date(2025, 11, 1)}), TODAY)
    assert before.status == "rejected" and "早于设备启用日期" in before.findings[0].message
    assert not ledger.events(kind=PRODUCT_USAGE)


def test_a_form_far_from_a_year_after_the_start_gets_a_warning_citing_the_clause(ws, ledger):
    early = pipeline.process_file(ws, ledger, drop(ws, header={"started": date(2026, 5, 1)}), TODAY)
    assert early.status == "accepted_with_findings"
    [timing] = [f for f in early.findings if f.field == "filled_date"]
    assert timing.severity == "warning" and timing.clause == "CS-3.7.3" and "尚未满一年" in timing.message
    late = pipeline.process_file(ws, ledger, drop(ws, header={"started": date(2024, 6, 1)}), TODAY)
    assert any(f.field == "filled_date" and "晚" in f.message for f in late.findings)
    on_time = pipeline.process_file(ws, ledger, drop(ws, lines=[LINES[0]]), TODAY)
    assert on_time.status == "accepted" and not on_time.findings
