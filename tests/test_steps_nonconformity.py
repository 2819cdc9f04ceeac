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
from tests.test_repair_chain import emitted, fill

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
    [record] = all_records(ledger)
    assert record.number == "BHG-2026-0001" and record.department == department and record.open
    assert record.category == values["category"] and record.project == "融侨锦江"
    assert record.supply == values.get("supply") and record.supplier == values.get("supplier")
    [event] = ledger.events(kind=NC_RECORDED)
    assert event.payload["routed_clause"] == clause and event.case_id is None
    assert any(clause in f.clause and department in f.message for f in outcome.findings)
    request = emitted(outcome, "01-纠正措施要求")
    assert request == f"outbox/nonconformity/BHG-2026-0001/01-纠正措施要求-{department}.xlsx"
    if values["category"] == nc.AUDIT:  # requested by 总经室 (NC-2.4, NC-3.2.6)
        assert event.payload["coordinator"] == "总经室"


def test_a_record_naming_another_department_is_a_violation_citing_the_clause(ws, ledger):
    outcome = process(ws, ledger, drop(ws, {"department": "工程材料部"}))
    [finding] = [f for f in outcome.findings if f.severity == "violation"]
    assert finding.clause == "NC-3.2.1" and "设计研发部" in finding.message and finding.field == "department"
    [record] = all_records(ledger)
    assert record.department == "设计研发部"


def test_cross_department_records_are_coordinated_by_the_general_office(ws, ledger):
    outcome = process(ws, ledger, drop(ws, {"partners": "工程材料部"}))
    assert any("总经室协调" in f.message for f in outcome.findings)


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
    document = WordDocument(str(ws.root / report))
    text = "\n".join(
        [p.text for p in document.paragraphs] + [c.text for t in document.tables for r in t.rows for c in r.cells]
    )
    for value in ("质量事故分析报告", "总经室、工程部", "BHG-2026-0001", "中建七局", "事故原因分析"):
        assert value in text, value
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
    assert [(w.department, p.number) for w in late for p in w.late] == [("设计研发部", tracked.key)]


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
    [tracked] = [a for a in all_actions(ledger) if a.kind == NC_ACTION]
    assert tracked.owner == "客户服务部" and tracked.due == date(2026, 12, 4)


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
