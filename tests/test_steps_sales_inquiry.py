"""The 《客户信息征询表》 (NC-5.2, NC-3.2.4 A), through intake/: the satisfaction answers counted per item, every
不满意 customer opening a 《纠正措施记录》 for 经营销售部 (NC-3.1.5, NC-3.2.4) with its corrective action tracked and
its notice written, the receipt naming each line's record, a corrected copy opening nothing twice, and bad lines
refused on their cells."""

from __future__ import annotations

from datetime import date
from itertools import count
from pathlib import Path

from openpyxl import load_workbook

from docgen import pipeline
from docgen.actions import all_actions
from docgen.events import NC_ACTION, NC_RECORDED, SALES_INQUIRY
from docgen.nonconformities import all_records
from docgen.office.xlsx import build_workbook, save_atomic
from docgen.steps import FORMS
from docgen.steps import nonconformity as nc
from docgen.steps import sales_inquiry as si
from tests.test_repair_chain import docx_text, emitted, fill

TODAY = date(2026, 11, 27)
_names = count(1)

HEADER = {"project": "融侨锦江", "filled_on": date(2026, 11, 26), "supervisor": "陈主任"}
HAPPY = {
    "customer": "王五",
    "room": "2-801",
    "phone": "13800138000",
    "consultant": "林小姐",
    "reception": "满意",
    "explanation": "满意",
    "truthful": "满意",
    "signing": "基本满意",
    "overall": "满意",
}
UNHAPPY = {
    **HAPPY,
    "customer": "张三",
    "room": "3-1502",
    "consultant": "黄先生",
    "explanation": "不满意",
    "truthful": "不满意",
    "overall": "基本满意",
    "opinion": "置业顾问未说明车位为租赁性质 & <补充协议>",
}


def drop(ws, lines, header=None, name=None):
    path = ws.intake / (name or f"客户信息征询表-{next(_names)}.xlsx")
    return save_atomic(build_workbook(FORMS[si.FORM.form_id], {**HEADER, **(header or {})}, lines), path)


def process(ws, ledger, path, today=TODAY):
    outcome = pipeline.process_file(ws, ledger, path, today)
    assert outcome.status in ("accepted", "accepted_with_findings"), [f.message for f in outcome.findings]
    return outcome


def receipt(ws, outcome) -> str:
    return (ws.root / emitted(outcome, "回执.txt")).read_text(encoding="utf-8")


def test_a_satisfied_inquiry_is_recorded_with_its_counts_and_opens_nothing(ws, ledger):
    outcome = process(ws, ledger, drop(ws, [HAPPY, {**HAPPY, "customer": "赵六", "room": "2-802"}]))
    assert outcome.status == "accepted" and outcome.form == "NC-SALES-INQUIRY"
    [event] = ledger.events(kind=SALES_INQUIRY)
    counts = event.payload["counts"]
    assert counts["接待礼仪"] == {"满意": 2, "基本满意": 0, "不满意": 0}
    assert counts["签约办理"] == {"满意": 0, "基本满意": 2, "不满意": 0}
    assert event.payload["customers"] == 2 and event.payload["supervisor"] == "陈主任" and event.case_id is None
    assert not all_records(ledger) and not ledger.events(kind=NC_RECORDED)


def test_each_unsatisfied_customer_opens_a_sales_record_with_a_tracked_action_and_its_notice(ws, ledger):
    # GIVEN an inquiry whose second line answers 不满意 (synonym 很不满意 on the third)
    third = {**UNHAPPY, "customer": "李四", "room": "RG-0123", "reception": "很不满意", "opinion": "等候签约两小时"}
    outcome = process(ws, ledger, drop(ws, [HAPPY, UNHAPPY, third]))
    # THEN each 不满意 line opens its own record under NC-3.1.5, routed to 经营销售部 (NC-3.2.4)
    records = all_records(ledger)
    assert [r.number for r in records] == ["BHG-2026-0001", "BHG-2026-0002"]
    for record in records:
        assert record.category == nc.SALES and record.department == "经营销售部" and record.source == si.SOURCE
        assert record.open and record.opened_on == date(2026, 11, 26)
    [inquiry] = ledger.events(kind=SALES_INQUIRY)
    rows = [line["row"] for line in inquiry.payload["lines"]]
    assert rows == [rows[0], rows[0] + 1, rows[0] + 2]
    events = ledger.events(kind=NC_RECORDED)
    assert [e.payload["routed_clause"] for e in events] == ["NC-3.2.4", "NC-3.2.4"]
    assert [e.payload["origin"]["row"] for e in events] == rows[1:]
    description = events[0].payload["description"]
    assert "专业讲解、信息真实不满意" in description and "租赁" in description
    # AND its corrective action is tracked for 经营销售部, due ACTION_WORKDAYS working days after the 填表日期
    actions = [a for a in all_actions(ledger) if a.kind == NC_ACTION]
    assert [a.owner for a in actions] == ["经营销售部", "经营销售部"]
    assert actions[0].due == ws.calendar.due_within_workdays_of_day(date(2026, 11, 26), si.ACTION_WORKDAYS, "x").due
    # AND the pre-filled record and the 纠正措施要求通知单 go to 经营销售部, the notice escaping the opinion
    assert emitted(outcome, "BHG-2026-0001/01-纠正措施要求-经营销售部.xlsx")
    notice = docx_text(ws.root / emitted(outcome, "BHG-2026-0001/01-纠正措施要求通知单-经营销售部.docx"))
    for value in ("纠正措施要求通知单", "经营销售部：", "BHG-2026-0001", "NC-3.1.5", "黄先生", "& <补充协议>"):
        assert value in notice, value
    # AND the receipt names which line opened which record
    text = receipt(ws, outcome)
    assert f"第{rows[1]}行 张三（3-1502）" in text and "纠正措施记录BHG-2026-0001" in text
    assert f"第{rows[2]}行 李四（RG-0123）" in text and "纠正措施记录BHG-2026-0002" in text
    assert [line["record"] for line in inquiry.payload["lines"]] == [None, "BHG-2026-0001", "BHG-2026-0002"]
    assert inquiry.payload["counts"]["接待礼仪"]["不满意"] == 1


def test_the_same_inquiry_sent_again_opens_no_record_twice(ws, ledger):
    process(ws, ledger, drop(ws, [HAPPY, UNHAPPY]))
    # a corrected copy (another phone number: other bytes, not a duplicate file) names the record already open
    again = process(ws, ledger, drop(ws, [HAPPY, {**UNHAPPY, "phone": "13900139000"}]))
    assert [r.number for r in all_records(ledger)] == ["BHG-2026-0001"]
    assert len(ledger.events(kind=NC_RECORDED)) == 1 and len(ledger.events(kind=NC_ACTION)) == 1
    assert any("已开立BHG-2026-0001" in f.message and "不再重复" in f.message for f in again.findings)
    assert not any("nonconformity/" in o for o in again.outputs)


def test_the_returned_record_is_tracked_to_verification(ws, ledger):
    outcome = process(ws, ledger, drop(ws, [UNHAPPY]))
    request = emitted(outcome, "01-纠正措施要求-经营销售部.xlsx")
    done = process(
        ws, ledger, fill(ws, request, {"root_cause": "培训不足", "done_on": date(2026, 12, 3)}), date(2026, 12, 3)
    )
    assert not [a for a in all_actions(ledger) if a.kind == NC_ACTION and a.open]
    notice = docx_text(ws.root / emitted(done, "02-效果验证请求通知-总经室"))
    for value in ("纠正措施效果验证请求", "总经室：", "BHG-2026-0001", "培训不足", "2026年12月3日"):
        assert value in notice, value


def test_bad_lines_are_refused_on_their_cells(ws, ledger):
    silent = {**UNHAPPY, "opinion": None}
    outcome = pipeline.process_file(ws, ledger, drop(ws, [silent]), TODAY)
    assert outcome.status == "rejected"
    [finding] = outcome.findings
    assert finding.field == "lines.opinion" and finding.clause == "NC-3.2.4 A" and finding.cell
    blank = {key: value for key, value in HAPPY.items() if key not in si.ITEM_FIELDS} | {"room": "2-803"}
    outcome = pipeline.process_file(ws, ledger, drop(ws, [HAPPY, blank]), TODAY)
    assert outcome.status == "rejected" and [f.field for f in outcome.findings] == ["lines.reception"]
    outcome = pipeline.process_file(ws, ledger, drop(ws, [HAPPY, {**HAPPY, "room": " 2-801"}]), TODAY)
    assert outcome.status == "rejected" and [f.field for f in outcome.findings] == ["lines.room"]
    wrong = {**HAPPY, "overall": "还行吧"}
    outcome = pipeline.process_file(ws, ledger, drop(ws, [wrong]), TODAY)
    assert outcome.status == "rejected" and "满意" in outcome.findings[0].message and outcome.findings[0].cell
    assert not all_records(ledger) and not ledger.events(kind=SALES_INQUIRY)


def test_the_blank_form_offers_the_scale_as_a_dropdown(ws):
    sheet = load_workbook(Path(__file__).parent.parent / "forms" / si.FORM.file_name).worksheets[0]
    formulas = [v.formula1 for v in sheet.data_validations.dataValidation]
    assert any("满意" in (f or "") and "基本满意" in (f or "") for f in formulas), formulas
