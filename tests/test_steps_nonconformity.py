"""The 《纠正措施记录》 (NC-5.1), through intake/: each category routed to its department (NC-2.1, NC-3.2.x), a wrong
department a violation, a 重大质量事故's analysis report template (NC-3.2.3 A), closing only on an 有效
verification by 总经室 (NC-2.3), 无效 reopening it with a new due date, and an overdue corrective action on the
逾期预警."""

from __future__ import annotations

from datetime import date
from itertools import count

import pytest
from docx import Document as WordDocument

from docgen import pipeline
from docgen.actions import all_actions
from docgen.events import NC_ACTION, NC_RECORDED, NC_VERIFIED
from docgen.nonconformities import all_records
from docgen.office.xlsx import build_workbook, save_atomic
from docgen.reports.periodic import overdue_warning
from docgen.steps import FORMS
from docgen.steps import nonconformity as nc
from tests.test_repair_chain import docx_text, emitted, fill

TODAY = date(2026, 11, 27)
_names = count(1)

HEADER = {
    "category": nc.DESIGN,
    "source": "设计评审",
    "project": "融侨锦江",
    "found_on": date(2026, 11, 20),
    "defect": "图纸错误",
    "description": "3号楼卫生间降板高度与规范不符",
    "severity": "一般",
    "correction": "整改",
}


def drop(ws, header=None):
    path = ws.intake / f"纠正措施记录-{next(_names)}.xlsx"
    return save_atomic(build_workbook(FORMS["NC-RECORD"], {**HEADER, **(header or {})}, []), path)


def receipt(ws, outcome) -> str:
    return (ws.root / emitted(outcome, "回执.txt")).read_text(encoding="utf-8")


def process(ws, ledger, path, today=TODAY):
    outcome = pipeline.process_file(ws, ledger, path, today)
    assert outcome.status in ("accepted", "accepted_with_findings"), [f.message for f in outcome.findings]
    return outcome


SEVEN = [
    ({"category": nc.DESIGN, "source": "设计评审"}, "设计研发部", "NC-3.2.1"),
    (
        {"category": nc.MATERIAL, "source": "材料验收", "supplier": "闽江管业", "supply": "甲供", "defect": "壁厚不足"},
        "工程材料部",
        "NC-3.2.2 A",
    ),
    (
        {
            "category": nc.MATERIAL,
            "source": "材料验收",
            "supplier": "福建建材",
            "supply": "乙供",
            "contractor": "中建七局",
        },
        "业主代表",
        "NC-3.2.2 B",
    ),
    (
        {"category": nc.CONSTRUCTION, "source": "施工检查", "contractor": "中建七局", "defect": "渗漏"},
        "业主代表",
        "NC-3.2.3 A",
    ),
    ({"category": nc.TAKEOVER, "source": "物业接管", "contractor": "中建七局"}, "业主代表", "NC-3.2.3 B"),
    ({"category": nc.SALES, "source": "销售投诉", "correction": "解释道歉"}, "经营销售部", "NC-3.2.4"),
    ({"category": nc.AFTER_SALES, "source": "售后投诉"}, "客户服务部", "NC-3.2.5 A"),
    ({"category": nc.AUDIT, "source": "内部审核", "department": "财务计统部"}, "财务计统部", "NC-3.2.6"),
]


@pytest.mark.parametrize(("values", "department", "clause"), SEVEN)
def test_each_category_is_routed_to_its_department_with_a_corrective_action_request(
    ws, ledger, values, department, clause
):
    outcome = process(ws, ledger, drop(ws, values))
    assert outcome.form == "NC-RECORD"
    assert not [f for f in outcome.findings if f.severity == "violation"]
    # a record routed as the procedure says is plainly accepted; its receipt names the department and the clause
    assert outcome.status == "accepted", [f.message for f in outcome.findings if f.clause != "NC-3.2.2 A"]
    assert f"BHG-2026-0001（{nc.CATEGORY_CLAUSES[values['category']]}）  责任部门：{department}（{clause}）" in (
        receipt(ws, outcome)
    )
    [record] = all_records(ledger)
    assert record.number == "BHG-2026-0001" and record.department == department and record.open
    assert record.category == values["category"] and record.project == "融侨锦江"
    assert record.supply == values.get("supply") and record.supplier == values.get("supplier")
    [event] = ledger.events(kind=NC_RECORDED)
    assert event.payload["routed_clause"] == clause and event.case_id is None
    request = emitted(outcome, "01-纠正措施要求")
    assert request == f"outbox/nonconformity/BHG-2026-0001/01-纠正措施要求-{department}.xlsx"
    if values["category"] == nc.AUDIT:  # requested by 总经室 (NC-2.4, NC-3.2.6)
        assert event.payload["coordinator"] == "总经室"


def test_a_record_naming_another_department_is_a_violation_citing_the_clause(ws, ledger):
    outcome = process(ws, ledger, drop(ws, {"department": "工程材料部"}))
    [finding] = [f for f in outcome.findings if f.severity == "violation"]
    assert outcome.status == "accepted_with_findings"
    assert "责任部门与程序不符，见下方违规记录" in receipt(ws, outcome)
    assert finding.clause == "NC-3.2.1" and "设计研发部" in finding.message and finding.field == "department"
    [record] = all_records(ledger)
    assert record.department == "设计研发部"


def test_cross_department_records_are_coordinated_by_the_general_office(ws, ledger):
    outcome = process(ws, ledger, drop(ws, {"partners": "工程材料部"}))
    assert "责任部门：设计研发部（NC-3.2.1），总经室协调（NC-2.3）" in receipt(ws, outcome)


def test_material_without_supply_and_audit_without_department_are_rejected_on_their_cells(ws, ledger):
    outcome = pipeline.process_file(ws, ledger, drop(ws, {"category": nc.MATERIAL, "supplier": "闽江管业"}), TODAY)
    assert outcome.status == "rejected" and {f.field for f in outcome.findings} == {"supply"}
    outcome = pipeline.process_file(ws, ledger, drop(ws, {"category": nc.AUDIT, "source": "外部审核"}), TODAY)
    assert outcome.status == "rejected" and {f.field for f in outcome.findings} == {"department"}


def test_a_major_quality_accident_emits_the_analysis_report_template(ws, ledger):
    values = {"category": nc.CONSTRUCTION, "source": "施工检查", "contractor": "中建七局", "severity": "重大质量事故"}
    outcome = process(ws, ledger, drop(ws, values))
    report = emitted(outcome, "质量事故分析报告")
    assert report.endswith(".docx")
    text = docx_text(ws.root / report)
    for value in ("质量事故分析报告", "总经室、工程部：", "BHG-2026-0001", "中建七局", "事故原因分析", "重大质量事故"):
        assert value in text, value
    # the house style (GB/T 9704): 仿宋 三号 body, a page number, no "generated by" line
    document = WordDocument(str(ws.root / report))
    assert "本模板由" not in text and "PAGE" in document.sections[0].footer._element.xml
    assert any(f.clause == "NC-3.2.3 A" for f in outcome.findings)


def test_closing_needs_an_effective_verification_and_ineffective_reopens_with_a_new_due_date(ws, ledger):
    action = {"root_cause": "设计校核遗漏", "action": "增加卫生间降板专项校核", "due": date(2026, 12, 4)}
    first = process(ws, ledger, drop(ws, action))
    [tracked] = [a for a in all_actions(ledger) if a.kind == NC_ACTION]
    assert tracked.owner == "设计研发部" and tracked.due == date(2026, 12, 4)
    # the department returns the record with its completion: done, verification requested, still open
    request = emitted(first, "01-纠正措施要求")
    done = process(ws, ledger, fill(ws, request, {"done_on": date(2026, 11, 26)}), TODAY)
    [record] = all_records(ledger)
    assert record.open and record.verified is None
    assert not [a for a in all_actions(ledger) if a.kind == NC_ACTION and a.open]
    verify = emitted(done, "02-效果验证请求-总经室")
    # 总经室 finds it 无效: reopened, a new corrective action due on 重新整改期限
    invalid = {
        "verified_on": date(2026, 11, 27),
        "verification": "无效",
        "verifier": "总经室王",
        "new_due": date(2026, 12, 11),
    }
    reopened = process(ws, ledger, fill(ws, verify, invalid), TODAY)
    [record] = all_records(ledger)
    assert record.open and record.verified == "无效" and record.due == date(2026, 12, 11)
    [again] = [a for a in all_actions(ledger) if a.kind == NC_ACTION and a.open]
    assert again.due == date(2026, 12, 11) and again.key != tracked.key
    rework = emitted(reopened, "03-重新整改要求-设计研发部")
    # done again, then verified 有效: closed
    later = date(2026, 12, 7)
    second = process(ws, ledger, fill(ws, rework, {"done_on": date(2026, 12, 7)}), later)
    assert not [a for a in all_actions(ledger) if a.kind == NC_ACTION and a.open]
    valid = {"verified_on": later, "verification": "有效", "verifier": "总经室王"}
    process(ws, ledger, fill(ws, emitted(second, "02-效果验证请求"), valid), later)
    [record] = all_records(ledger)
    assert not record.open and record.closed_on == later and record.verified == "有效"
    assert [e.payload["result"] for e in ledger.events(kind=NC_VERIFIED)] == ["无效", "有效"]


def test_a_verification_before_the_action_is_done_is_rejected(ws, ledger):
    values = {"action": "增加专项校核", "due": date(2026, 12, 4), "verified_on": TODAY, "verification": "有效"}
    outcome = pipeline.process_file(ws, ledger, drop(ws, values), TODAY)
    assert outcome.status == "rejected" and "verification" in {f.field for f in outcome.findings}
    assert not all_records(ledger)


def test_an_overdue_corrective_action_is_on_the_overdue_warning(ws, ledger):
    process(ws, ledger, drop(ws, {"action": "增加专项校核", "due": date(2026, 12, 4)}))
    [tracked] = [a for a in all_actions(ledger) if a.kind == NC_ACTION]
    late = overdue_warning(ledger, ws.calendar, date(2026, 12, 8))
    # listed under the record's number, saying what it is (not as a meeting's decision)
    assert [(w.department, p.number) for w in late for p in w.late] == [("设计研发部", "BHG-2026-0001")]
    [pending] = late[0].late
    assert pending.subject == f"纠正措施记录 {tracked.key}" and "决定" not in pending.subject
    assert pending.deadline.label == "增加专项校核"


def test_the_same_record_again_tracks_nothing_twice_and_a_changed_due_date_corrects_it(ws, ledger):
    first = process(ws, ledger, drop(ws, {"action": "增加专项校核", "due": date(2026, 12, 4)}))
    request = emitted(first, "01-纠正措施要求")
    process(ws, ledger, fill(ws, request, {}, name="again.xlsx"))
    [tracked] = [a for a in all_actions(ledger) if a.kind == NC_ACTION]
    assert len(ledger.events(kind=NC_ACTION)) == 1 and len(ledger.events(kind=NC_RECORDED)) == 2
    process(ws, ledger, fill(ws, request, {"due": date(2026, 12, 11)}, name="later.xlsx"))
    [corrected] = [a for a in all_actions(ledger) if a.kind == NC_ACTION]
    assert corrected.key == tracked.key and corrected.due == date(2026, 12, 11)
    assert [r.number for r in all_records(ledger)] == ["BHG-2026-0001"]


def test_an_unknown_number_is_rejected(ws, ledger):
    outcome = pipeline.process_file(ws, ledger, drop(ws, {"number": "BHG-2026-0099"}), TODAY)
    assert outcome.status == "rejected" and {f.field for f in outcome.findings} == {"number"}


# ------------------------------------------------------------ suppliers and repeats, through intake/ (issue 13)


def test_three_similar_leaks_in_one_project_within_a_quarter_raise_a_recurrence_study(ws, ledger):
    # GIVEN three 渗漏 records of construction at 融侨锦江 within three months (NC-3.2.3 C)
    leak = {"category": nc.CONSTRUCTION, "source": "施工检查", "contractor": "中建七局", "defect": "渗漏"}
    outcomes = [
        process(ws, ledger, drop(ws, {**leak, "found_on": day}))
        for day in (date(2026, 9, 10), date(2026, 10, 15), date(2026, 11, 20))
    ]
    # THEN the third says so and writes the request for a special study listing the three records
    assert not any("专题研究" in f.message for o in outcomes[:2] for f in o.findings)
    [study] = [f for f in outcomes[2].findings if f.clause == "NC-3.2.3 C"]
    numbers = [r.number for r in all_records(ledger)]
    assert all(number in study.message for number in numbers) and "渗漏" in study.message
    [path] = [o for o in outcomes[2].outputs if "专题研究申请单" in o]
    assert (ws.root / path).is_file()


def test_a_repeat_chained_beyond_the_window_is_found_whole_from_the_records_near_the_new_one(ws, ledger):
    # GIVEN leaks at 融侨锦江, three in every three months, over ten months (one chained repeat), and one far
    # earlier that belongs to no repeat (the step reads only the records near the new one: issue 15)
    from docgen import recurrence

    leak = {"category": nc.CONSTRUCTION, "source": "施工检查", "contractor": "中建七局", "defect": "渗漏"}
    days = [date(2025, 3, 1), date(2025, 11, 1), date(2025, 12, 15), date(2026, 1, 25), date(2026, 3, 10)]
    days += [date(2026, 4, 20), date(2026, 6, 1), date(2026, 7, 15)]
    for day in days:
        process(ws, ledger, drop(ws, {**leak, "found_on": day}))
    # WHEN one more leak is recorded
    outcome = process(ws, ledger, drop(ws, {**leak, "found_on": date(2026, 8, 25)}))
    # THEN the repeat it names is the one found over every record of the ledger, all five chained records listed
    newest = max(all_records(ledger), key=lambda r: r.opened_on)
    [whole] = recurrence.recurrences_with(all_records(ledger), newest.number, 3, 3)
    assert [r.opened_on for r in whole.records] == [*days[1:], date(2026, 8, 25)]
    [study] = [f for f in outcome.findings if f.clause == "NC-3.2.3 C"]
    first = min(all_records(ledger), key=lambda r: r.opened_on)
    assert all(r.number in study.message for r in whole.records) and first.number not in study.message
    [path] = [o for o in outcome.outputs if "专题研究申请单" in o]
    assert (ws.root / path).is_file()


def test_nc_3_1_3_a_construction_defect_is_recorded_under_its_clause_and_routed_to_the_owners_representative(
    ws, ledger
):
    leak = {"category": nc.CONSTRUCTION, "source": "施工检查", "contractor": "中建七局", "defect": "渗漏"}
    outcome = process(ws, ledger, drop(ws, leak))
    text = receipt(ws, outcome)
    assert "（NC-3.1.3）" in text and "责任部门：业主代表（NC-3.2.3 A）" in text
    [record] = all_records(ledger)
    assert nc.CATEGORY_CLAUSES[record.category] == "NC-3.1.3" and record.department == "业主代表"


def test_a_serious_owner_supplied_failure_strikes_the_supplier_and_its_next_delivery_is_flagged(ws, ledger):
    # GIVEN a 严重 甲供 material nonconformity of 闽江管业 (NC-3.2.2 A)
    material = {"category": nc.MATERIAL, "source": "材料验收", "supplier": "闽江管业", "supply": "甲供"}
    first = process(ws, ledger, drop(ws, {**material, "severity": "严重", "defect": "壁厚不足"}))
    # THEN the supplier is struck off: the 《合格供应商名录》 is written again with the re-evaluation request
    assert any(f.clause == "NC-3.2.2 A" and "除名" in f.message for f in first.findings)
    folder = ws.outbox / "reports" / "供应商"
    assert (folder / "合格供应商名录.xlsx").is_file() and any("重新评审" in p.name for p in folder.iterdir())
    # AND the next record naming that supplier is flagged
    later = process(ws, ledger, drop(ws, {**material, "found_on": date(2026, 11, 25), "defect": "管件裂纹"}))
    assert any(f.clause == "NC-3.2.2 A" and "闽江管业" in f.message for f in later.findings)


# ------------------------------------------------------------ complaints in the register (issue 13 item 6)


def delivered(ws, project="融侨锦江", day="2026-01-10"):
    from docgen.workspace import Workspace

    (ws.root / "docgen.toml").write_text(f'[projects."{project}"]\ndelivered = {day}\n', encoding="utf-8")
    return Workspace.open(ws.root)


def register(ws, ledger, **line):
    from tests.conftest import register_line, write_register

    return process(ws, ledger, write_register(ws.intake, [register_line(**{"received_date": TODAY, **line})]))


def test_a_design_complaint_after_handover_shows_up_as_a_linked_nonconformity(ws, ledger):
    # GIVEN 融侨锦江 handed over on 10 January 2026
    ws = delivered(ws)
    # WHEN a 设计 complaint received today is entered in the register
    outcome = register(ws, ledger, category="设计", content="客厅层高与宣传不符", project="融侨锦江")
    [case] = outcome.case_ids
    # THEN a record under NC-3.1.6 (after-sales) is linked to the case, routed to 客户服务部 (NC-3.2.5 A)
    [record] = all_records(ledger)
    assert record.number == "BHG-2026-0001" and record.category == nc.AFTER_SALES and record.source == "售后投诉"
    assert record.department == "客户服务部" and record.project == "融侨锦江" and record.open
    [event] = ledger.events(kind=NC_RECORDED)
    assert event.case_id == case and event.payload["case_number"] == case
    assert event.payload["category_clause"] == "NC-3.1.6" and event.payload["routed_clause"] == "NC-3.2.5 A"
    assert [e.kind for e in ledger.events(case_id=case)].count(NC_RECORDED) == 1  # in the case's history
    # AND the pre-filled record goes to the department as its 纠正措施要求 (listed on the receipt); the register
    # itself is accepted without findings
    assert outcome.status == "accepted", outcome.findings
    request = emitted(outcome, "01-纠正措施要求")
    assert request == "outbox/nonconformity/BHG-2026-0001/01-纠正措施要求-客户服务部.xlsx"
    # AND returned by the department with its corrective action, it stays on the case and the action is tracked
    action = {"root_cause": "层高设计未复核", "action": "复核同户型层高并答复业主", "due": date(2026, 12, 4)}
    process(ws, ledger, fill(ws, request, action))
    assert [e.case_id for e in ledger.events(kind=NC_RECORDED)] == [case, case]
    [reply, tracked] = [a for a in all_actions(ledger) if a.kind == NC_ACTION]
    assert not reply.open and reply.done_on == TODAY  # owed back since it was sent, now back
    assert tracked.owner == "客户服务部" and tracked.due == date(2026, 12, 4) and tracked.open


def test_a_construction_complaint_before_handover_opens_none_and_an_unknown_delivery_opens_one(ws, ledger):
    register(ws, ledger, category="施工质量", project="融侨观澜")  # delivery not configured: the safer reading
    assert [r.category for r in all_records(ledger)] == [nc.AFTER_SALES]
    ws = delivered(ws, day="2026-12-01")
    register(ws, ledger, category="施工质量", customer="李四", phone="13900139000")
    assert len(all_records(ledger)) == 1


def test_a_sales_service_complaint_opens_a_record_for_the_sales_department(ws, ledger):
    outcome = register(delivered(ws), ledger, category="销售服务", content="合同约定的车位未交付")
    [record] = all_records(ledger)
    assert record.category == nc.SALES and record.department == "经营销售部" and record.source == "销售投诉"
    [event] = ledger.events(kind=NC_RECORDED)
    assert event.payload["category_clause"] == "NC-3.1.5" and event.case_id == outcome.case_ids[0]
    assert emitted(outcome, "01-纠正措施要求") == "outbox/nonconformity/BHG-2026-0001/01-纠正措施要求-经营销售部.xlsx"


def test_a_property_service_complaint_opens_no_record(ws, ledger):
    outcome = register(delivered(ws), ledger, category="物业服务", content="保安夜间巡逻不到位")
    assert not all_records(ledger) and not ledger.events(kind=NC_RECORDED)
    assert not any("纠正措施要求" in o for o in outcome.outputs)


def test_the_register_receipt_names_the_linked_record_by_its_number_and_stays_accepted(ws, ledger):
    outcome = register(delivered(ws), ledger, category="销售服务", content="合同约定的车位未交付")
    assert outcome.status == "accepted"
    [case] = outcome.case_ids
    receipt = (ws.root / emitted(outcome, "回执.txt")).read_text(encoding="utf-8")
    case_at = receipt.index(f"  {case}  ")
    assert "纠正措施记录：BHG-2026-0001（NC-3.1.5，责任部门：经营销售部）" in receipt[case_at:]
    # AND the department gets the Word notice beside the record it returns
    notice = docx_text(ws.root / emitted(outcome, "01-纠正措施要求通知单-经营销售部.docx"))
    assert "经营销售部：" in notice and case in notice and "01-纠正措施要求-经营销售部.xlsx" in notice


def test_the_request_and_verification_notices_are_word_documents_escaping_what_they_print(ws, ledger):
    values = {"description": "降板高度 <30mm & 不符", "action": "增加专项校核", "due": date(2026, 12, 4)}
    first = process(ws, ledger, drop(ws, values))
    request = docx_text(ws.root / emitted(first, "01-纠正措施要求通知单-设计研发部.docx"))
    for value in (
        "纠正措施要求通知单",
        "设计研发部：",
        "BHG-2026-0001",
        "NC-3.1.1",
        "NC-3.2.1",
        "降板高度 <30mm & 不符",
    ):
        assert value in request, value
    assert "2026年12月4日" in request and "总经室" in request
    done = process(ws, ledger, fill(ws, emitted(first, "01-纠正措施要求"), {"done_on": date(2026, 11, 26)}))
    verify = docx_text(ws.root / emitted(done, "02-效果验证请求通知-总经室"))
    for value in ("纠正措施效果验证请求", "总经室：", "设计研发部", "2026年11月26日", "NC-2.3"):
        assert value in verify, value


# ------------------------------------------------------------ clauses cited by the step, each rule under test


def test_nc_2_only_the_general_office_closes_a_record_the_department_completed(ws, ledger):
    """NC-2.1/2.3: the department carries out the corrective action; 总经室 verifies its effect, and only that
    closes the record."""
    first = process(ws, ledger, drop(ws, {"action": "增加专项校核", "due": date(2026, 12, 4)}))
    done = process(ws, ledger, fill(ws, emitted(first, "01-纠正措施要求"), {"done_on": date(2026, 11, 26)}))
    [record] = all_records(ledger)
    assert record.open and record.closed_on is None
    assert "登记完成：action-" in receipt(ws, done) and emitted(done, "02-效果验证请求通知-总经室")
    assert emitted(done, "02-效果验证请求-总经室").endswith(".xlsx")


def test_nc_3_1_a_category_outside_the_seven_is_refused_on_its_cell(ws, ledger):
    """NC-3.1: nonconformities are classified into the seven categories of NC-3.1.1 … 3.1.7, nothing else."""
    assert list(nc.CATEGORY_CLAUSES.values()) == [f"NC-3.1.{n}" for n in range(1, 8)]
    outcome = pipeline.process_file(ws, ledger, drop(ws, {"category": "其他不合格"}), TODAY)
    assert outcome.status == "rejected" and [f.field for f in outcome.findings] == ["category"]
    assert outcome.findings[0].cell
    # the clause number is read as its category
    process(ws, ledger, drop(ws, {"category": "3.1.4", "source": "物业接管", "contractor": "中建七局"}))
    [record] = all_records(ledger)
    assert record.category == nc.TAKEOVER and record.department == "业主代表"


def test_nc_3_1_1_a_design_nonconformity_is_recorded_under_its_clause(ws, ledger):
    """NC-3.1.1: a design not meeting its codes or contract is a nonconformity of its own category."""
    process(ws, ledger, drop(ws, {"category": "设计"}))
    [event] = ledger.events(kind=NC_RECORDED)
    assert event.payload["category"] == nc.DESIGN and event.payload["category_clause"] == "NC-3.1.1"
    assert event.payload["department"] == "设计研发部"


@pytest.mark.parametrize("missing", ["supply", "supplier"])
def test_nc_3_1_2_a_material_names_its_supplier_and_whether_owner_or_contractor_supplied(ws, ledger, missing):
    """NC-3.1.2: materials, components and equipment 包括甲供和乙供两类 (and come from a supplier)."""
    values = {"category": nc.MATERIAL, "source": "材料验收", "supplier": "闽江管业", "supply": "乙供"}
    values[missing] = None
    outcome = pipeline.process_file(ws, ledger, drop(ws, values), TODAY)
    assert outcome.status == "rejected"
    assert [(f.field, f.clause) for f in outcome.findings] == [(missing, "NC-3.1.2")]
    assert outcome.findings[0].cell


def test_nc_5_the_procedure_records_are_intake_forms_keeping_correction_and_corrective_action(ws, ledger):
    """NC-5: the 相关表单记录 are read as forms: 《纠正措施记录》 (NC-5.1) keeps the correction beside the corrective
    action; 《客户信息征询表》 (NC-5.2) is the sales department's own form."""
    by_clause = {form.clause: form.title for form in FORMS.values() if form.clause.startswith("NC-5")}
    assert by_clause == {"NC-5.1": "纠正措施记录", "NC-5.2": "客户信息征询表"}
    values = {
        "correction": "返工",
        "correction_note": "已通知设计院出变更",
        "action": "增加专项校核",
        "due": date(2026, 12, 4),
    }
    process(ws, ledger, drop(ws, values))
    [event] = ledger.events(kind=NC_RECORDED)
    assert event.payload["correction"] == "返工" and event.payload["correction_note"] == "已通知设计院出变更"
    assert event.payload["action"] == "增加专项校核" and event.payload["clause"] == "NC-5.1"


# ------------------------------------------------------------ hand trial defects (issue 13, second round)


def _invalid(ws, ledger, verified_on=TODAY):
    """A record done on 26 November and verified 无效 on ``verified_on``: returns the outcome of the verification."""
    first = process(ws, ledger, drop(ws, {"action": "增加专项校核", "due": date(2026, 12, 4)}))
    done = process(ws, ledger, fill(ws, emitted(first, "01-纠正措施要求"), {"done_on": date(2026, 11, 26)}))
    invalid = {
        "verified_on": verified_on,
        "verification": "无效",
        "verifier": "总经室王",
        "new_due": date(2026, 12, 11),
    }
    return process(ws, ledger, fill(ws, emitted(done, "02-效果验证请求-总经室"), invalid))


def test_a_re_completion_dated_the_day_of_the_ineffective_verification_counts_for_the_new_round(ws, ledger):
    # GIVEN a record verified 无效 on 27 November
    reopened = _invalid(ws, ledger)
    # WHEN the department returns the 03 form with 纠正措施完成日期 27 November (the same day)
    again = process(ws, ledger, fill(ws, emitted(reopened, "03-重新整改要求-设计研发部"), {"done_on": TODAY}))
    # THEN the new round is done and 总经室 is asked to verify it again
    assert not [a for a in all_actions(ledger) if a.kind == NC_ACTION and a.open]
    assert "登记完成：action-" in receipt(ws, again)
    verify = emitted(again, "02-效果验证请求-总经室")
    # AND the 有效 verification closes it without claiming the round's completion date is missing
    valid = {"verified_on": TODAY, "verification": "有效", "verifier": "总经室王"}
    closed = process(ws, ledger, fill(ws, verify, valid))
    assert not any("未填写本轮" in f.message for f in closed.findings)
    assert not all_records(ledger)[0].open


def test_the_ineffective_verification_dropped_again_does_not_complete_the_new_round(ws, ledger):
    first = process(ws, ledger, drop(ws, {"action": "增加专项校核", "due": date(2026, 12, 4)}))
    done = process(ws, ledger, fill(ws, emitted(first, "01-纠正措施要求"), {"done_on": TODAY}))
    invalid = {"verified_on": TODAY, "verification": "无效", "verifier": "总经室王", "new_due": date(2026, 12, 11)}
    verify = emitted(done, "02-效果验证请求-总经室")
    process(ws, ledger, fill(ws, verify, invalid))
    again = process(ws, ledger, fill(ws, verify, {**invalid, "verifier": "总经室李"}, name="again.xlsx"))
    assert any("验证无效前一轮" in f.message for f in again.findings)
    [open_action] = [a for a in all_actions(ledger) if a.kind == NC_ACTION and a.open]
    assert open_action.due == date(2026, 12, 11)


def test_a_record_sent_without_its_corrective_action_is_owed_back_within_five_working_days(ws, ledger):
    from docgen.reports.nonconformity_report import nonconformity_figures

    # GIVEN a record dropped on Friday 27 November without a corrective action
    first = process(ws, ledger, drop(ws))
    # THEN it is tracked at once: 设计研发部 owes it back by Friday 4 December (5 working days, [nonconformity])
    [owed] = [a for a in all_actions(ledger) if a.kind == NC_ACTION]
    assert owed.open and owed.owner == "设计研发部" and owed.due == date(2026, 12, 4) and "BHG-2026-0001" in owed.text
    assert f"新增跟踪：{owed.key}  BHG-2026-0001 交回纠正措施记录" in receipt(ws, first)
    assert "（设计研发部，2026-12-04前）" in receipt(ws, first)
    # AND late on Monday 7 December it is on the 逾期预警 and overdue in the quarterly statistics
    late = overdue_warning(ledger, ws.calendar, date(2026, 12, 7))
    assert [(w.department, p.number) for w in late for p in w.late] == [("设计研发部", "BHG-2026-0001")]
    figures = nonconformity_figures(all_records(ledger), "2026Q4", as_of=date(2026, 12, 7))
    assert figures["overdue"] == ["BHG-2026-0001"]
    # AND once returned with its corrective action, that is what is tracked
    action = {"action": "增加专项校核", "due": date(2026, 12, 18)}
    process(ws, ledger, fill(ws, emitted(first, "01-纠正措施要求"), action), date(2026, 12, 1))
    [done, tracked] = [a for a in all_actions(ledger) if a.kind == NC_ACTION]
    assert done.done_on == date(2026, 12, 1) and tracked.open and tracked.due == date(2026, 12, 18)
    assert not overdue_warning(ledger, ws.calendar, date(2026, 12, 7))


def test_a_record_opened_from_a_complaint_is_tracked_from_the_day_it_is_sent(ws, ledger):
    (ws.root / "docgen.toml").write_text("[nonconformity]\nreply_workdays = 3\n", encoding="utf-8")
    from docgen.workspace import Workspace

    ws = Workspace.open(ws.root)
    register(ws, ledger, category="销售服务", content="合同约定的车位未交付")
    [owed] = [a for a in all_actions(ledger) if a.kind == NC_ACTION]
    assert owed.owner == "经营销售部" and owed.due == date(2026, 12, 2) and owed.open


def _complaints(ws, ledger, contents):
    from tests.conftest import register_line, write_register

    lines = [
        register_line(
            received_date=TODAY,
            category="施工质量",
            content=content,
            customer=f"业主{i}",
            phone=f"1390013900{i}",
            room=f"{i}01",
        )
        for i, content in enumerate(contents)
    ]
    return process(ws, ledger, write_register(ws.intake, lines))


def test_unrelated_construction_complaints_are_no_recurrence(ws, ledger):
    # GIVEN three 施工质量 complaints at 融侨锦江 (handed over) about three different things
    outcome = _complaints(delivered(ws), ledger, ["入户门关闭不严", "地砖色差明显", "阳台栏杆松动"])
    # THEN three records, none of them a repeat of the others
    from docgen.recurrence import recurrences

    assert len(all_records(ledger)) == 3 and not recurrences(all_records(ledger))
    assert not [f for f in outcome.findings if f.clause == "NC-3.2.3 C"]
    assert not [o for o in outcome.outputs if "专题研究" in o]


def test_leaks_reported_through_the_register_complete_a_recurrence_at_process(ws, ledger):
    ws = delivered(ws)
    # GIVEN two leaks recorded on the form at 融侨锦江 (施工, 缺陷类型 渗漏 and 漏水)
    leak = {"category": nc.CONSTRUCTION, "source": "施工检查", "contractor": "中建七局"}
    process(ws, ledger, drop(ws, {**leak, "defect": "渗漏", "found_on": date(2026, 10, 15)}))
    process(ws, ledger, drop(ws, {**leak, "defect": "漏水", "found_on": date(2026, 11, 2)}))
    # WHEN a complaint about a leaking bathroom is entered in the register
    outcome = _complaints(ws, ledger, ["卫生间楼板漏水，楼下天花有水渍"])
    # THEN its record has the defect type 渗漏, and the register's processing reports the repeat and writes the study
    [*_, record] = all_records(ledger)
    assert record.defect == "渗漏" and record.category == nc.AFTER_SALES
    [study] = [f for f in outcome.findings if f.clause == "NC-3.2.3 C"]
    assert all(r.number in study.message for r in all_records(ledger))
    assert [o for o in outcome.outputs if "专题研究申请单-渗漏" in o]


def test_a_wrong_category_lists_the_seven_numbered_with_their_codes(ws, ledger):
    outcome = pipeline.process_file(ws, ledger, drop(ws, {"category": "其他不合格"}), TODAY)
    [finding] = outcome.findings
    for n, category in enumerate(nc.CATEGORIES, 1):
        assert f"{n}. {category}（NC-3.1.{n}）" in finding.message
    assert "编号" in finding.message and "、".join(nc.CATEGORIES[:2]) not in finding.message


def test_no_receipt_cites_a_clause_twice(ws, ledger):
    import re

    # GIVEN the findings that cite their clause in their own words: a supplier struck off then flagged
    # (NC-3.2.2 A), a repeat (NC-3.2.3 C), a major accident (NC-3.2.3 A), a cross-department audit (NC-2.3/NC-3.2.6)
    material = {"category": nc.MATERIAL, "source": "材料验收", "supplier": "闽江管业", "supply": "甲供"}
    process(ws, ledger, drop(ws, {**material, "severity": "严重", "defect": "壁厚不足"}))
    process(ws, ledger, drop(ws, {**material, "defect": "管件裂纹"}))
    leak = {"category": nc.CONSTRUCTION, "source": "施工检查", "contractor": "中建七局", "defect": "渗漏"}
    for day in (date(2026, 10, 15), date(2026, 11, 2), date(2026, 11, 20)):
        process(ws, ledger, drop(ws, {**leak, "found_on": day, "severity": "重大质量事故"}))
    process(ws, ledger, drop(ws, {"category": nc.AUDIT, "source": "内部审核", "department": "财务计统部",
                                  "partners": "总经室"}))  # fmt: skip
    receipts = list((ws.outbox / "receipts").rglob("*回执.txt"))
    assert len(receipts) == 6
    for path in receipts:
        for line in path.read_text(encoding="utf-8").splitlines():
            assert "）（NC-" not in line, line
            for clause in set(re.findall(r"NC-[0-9.]+(?: [A-C])?", line)):
                assert line.count(clause + "）") + line.count(clause + "，") <= 1, line


def test_the_supplier_re_evaluation_request_is_on_the_receipt_dated_the_day_it_was_issued(ws, ledger):
    import openpyxl

    material = {"category": nc.MATERIAL, "source": "材料验收", "supplier": "闽江管业", "supply": "甲供"}
    values = {**material, "severity": "严重", "defect": "壁厚不足", "found_on": date(2026, 11, 20)}
    outcome = process(ws, ledger, drop(ws, values))
    request = emitted(outcome, "供应商重新评审申请单-闽江管业-BHG-2026-0001.xlsx")
    assert request in receipt(ws, outcome) and emitted(outcome, "合格供应商名录.xlsx")
    rows = {r[0]: r[1] for r in openpyxl.load_workbook(ws.root / request).active.iter_rows(values_only=True)}
    assert rows["发现日期"] == "2026年11月20日" and rows["申请日期"] == "2026年11月27日"


def test_the_rework_notice_says_who_found_the_action_ineffective_when_why_and_the_new_due_date(ws, ledger):
    first = process(ws, ledger, drop(ws, {"action": "增加专项校核", "due": date(2026, 12, 4)}))
    done = process(ws, ledger, fill(ws, emitted(first, "01-纠正措施要求"), {"done_on": date(2026, 11, 26)}))
    invalid = {
        "verified_on": TODAY,
        "verification": "无效",
        "verifier": "总经室王",
        "verification_note": "抽查三套图纸仍未校核降板",
        "new_due": date(2026, 12, 11),
    }
    reopened = process(ws, ledger, fill(ws, emitted(done, "02-效果验证请求-总经室"), invalid))
    rework = docx_text(ws.root / emitted(reopened, "03-重新整改要求通知单-设计研发部"))
    first_notice = docx_text(ws.root / emitted(first, "01-纠正措施要求通知单-设计研发部"))
    for value in ("重新整改要求通知单", "2026年11月26日", "2026年11月27日", "验证无效", "总经室王",
                  "抽查三套图纸仍未校核降板", "2026年12月11日"):  # fmt: skip
        assert value in rework, value
    assert "验证无效" not in first_notice and rework.split("设计研发部：")[1] != first_notice.split("设计研发部：")[1]
    [verified] = ledger.events(kind=NC_VERIFIED)
    assert verified.payload["note"] == "抽查三套图纸仍未校核降板"


def test_the_construction_notice_names_the_contractor_and_copies_the_supervisor_and_the_partner(ws, ledger):
    values = {"category": nc.CONSTRUCTION, "source": "施工检查", "contractor": "中建七局", "partners": "工程材料部"}
    outcome = process(ws, ledger, drop(ws, values))
    notice = docx_text(ws.root / emitted(outcome, "01-纠正措施要求通知单-业主代表"))
    assert "中建七局" in notice and "抄送：工程材料部、监理公司" in notice
    design = process(ws, ledger, drop(ws))
    assert "抄送" not in docx_text(ws.root / emitted(design, "01-纠正措施要求通知单-设计研发部"))


def test_status_of_the_case_names_the_record_its_complaint_opened(ws, ledger, capsys):
    from docgen.cli import main

    outcome = register(delivered(ws), ledger, category="销售服务", content="合同约定的车位未交付")
    [case] = outcome.case_ids
    capsys.readouterr()
    assert main(["--workspace", str(ws.root), "status", "--case", case]) == 0
    [line] = [line for line in capsys.readouterr().out.splitlines() if "纠正措施记录" in line]
    assert "BHG-2026-0001（NC-3.1.5，责任部门：经营销售部）" in line


def test_a_date_refused_on_the_form_is_quoted_as_a_day_without_a_time(ws, ledger):
    outcome = pipeline.process_file(ws, ledger, drop(ws, {"found_on": date(2026, 12, 30)}), TODAY)
    [finding] = outcome.findings
    assert outcome.status == "rejected" and "2026年12月30日" in finding.message and "00:00" not in finding.message


def test_an_owner_supplied_material_from_a_supplier_off_the_qualified_list_is_a_violation(ws, ledger):
    from docgen.workspace import Workspace

    (ws.root / "docgen.toml").write_text('[suppliers]\napproved = ["闽江建材有限公司"]\n', encoding="utf-8")
    ws = Workspace.open(ws.root)
    material = {"category": nc.MATERIAL, "source": "材料验收", "supply": "甲供", "defect": "壁厚不足"}
    outcome = process(ws, ledger, drop(ws, {**material, "supplier": "无名管业"}))
    [finding] = [f for f in outcome.findings if f.severity == "violation"]
    assert finding.clause == "NC-3.2.2 A" and "无名管业" in finding.message and finding.field == "supplier"
    listed = process(ws, ledger, drop(ws, {**material, "supplier": "闽江建材有限公司"}))
    assert not [f for f in listed.findings if f.severity == "violation"]
    contractor = process(ws, ledger, drop(ws, {**material, "supply": "乙供", "supplier": "无名管业"}))
    assert not [f for f in contractor.findings if f.severity == "violation"]


def test_report_nonconformity_json_gives_the_figures_and_the_chart_short_names(ws, ledger, capsys, monkeypatch):
    import json

    from docgen.cli import main
    from docgen.reports.nonconformity_report import nonconformity_context, nonconformity_figures

    leak = {"category": nc.CONSTRUCTION, "source": "施工检查", "contractor": "中建七局", "defect": "渗漏"}
    for day in (date(2026, 10, 15), date(2026, 11, 2), date(2026, 11, 20)):
        process(ws, ledger, drop(ws, {**leak, "found_on": day}))
    process(ws, ledger, drop(ws, {"category": nc.SALES, "source": "销售投诉", "correction": "解释道歉"}))
    ledger.close()
    monkeypatch.setattr(type(ws), "today", lambda self: TODAY)
    capsys.readouterr()
    assert main(["--workspace", str(ws.root), "report", "nonconformity", "--quarter", "2026Q4", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == 4 and data["closed"] == 0 and data["open"] == 4 and data["effectiveness"] is None
    assert data["days_to_close"] == {"average": None, "median": None, "longest": None}
    [repeat] = data["recurrences"]
    assert repeat["defect"] == "渗漏" and len(repeat["numbers"]) == 3
    assert [row["short"] for row in data["by_category"]] == ["3.1.3 施工", "3.1.5 销售服务"]
    # the chart labels the categories by those short names, none cut off
    again = ws.open_ledger()
    try:
        figures = nonconformity_figures(all_records(again), "2026Q4", as_of=TODAY)
    finally:
        again.close()
    chart = nonconformity_context(figures, TODAY)["category_chart"]
    assert "3.1.3 施工" in chart and "3.1.5 销售服务" in chart and "…" not in chart
