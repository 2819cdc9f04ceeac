"""The payload models (docgen.payloads, docs/design.md §7): what the pipeline writes round-trips through its
kind's model to the same canonical JSON, a payload missing a field is refused before it is appended, and the
case view reads the registration typed."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from docgen import pipeline
from docgen.cases import all_cases
from docgen.events import CASE_ESCALATED, CASE_PROGRESS, CASE_REGISTERED, CASE_SURVEYED
from docgen.ledger import canonical
from docgen.payloads import PAYLOADS, InvalidPayload, RegisteredPayload, checked, validate
from docgen.reports.dossier import write_special_draft
from docgen.steps.base import Submission, record
from tests.conftest import register_line, write_register
from tests.test_repair_chain import CLASS_A_1200_50, emitted, fill, run_chain


def _chain(ws, ledger) -> str:
    number, outcomes = run_chain(
        ws,
        ledger,
        **CLASS_A_1200_50,
    )
    # 财务计统部 returns the 《付款确认单》: case.paid (CS-3.5.9).
    paid = fill(
        ws,
        emitted(outcomes[-1], "付款确认单"),
        {"paid_date": date(2026, 11, 30), "paid_amount": "1200.50", "handler": "周会计"},
    )
    assert pipeline.process_file(ws, ledger, paid, date(2026, 11, 30)).status == "accepted"
    # A repair the owner is responsible for: case.quoted, then the customer's answer, case.quote_answered.
    owner = register_line(customer="赵敏", content="阳台改造后渗水")
    registered = pipeline.process_file(ws, ledger, write_register(ws.intake, [owner]), date(2026, 11, 27))
    survey = {"survey_date": date(2026, 11, 24), "estimate": "600", "responsible_party": "业主/客户"}
    survey |= {"work_kind": "单工种", "in_warranty": "是", "repairer": "客户服务维修队", "sign_service": "林晓"}
    survey |= {"sign_engineering": "陈工", "sign_team_leader": "郑队长", "sign_contractor": "王工"}
    quoted = pipeline.process_file(
        ws, ledger, fill(ws, emitted(registered, "现场勘察会签表"), survey), date(2026, 11, 27)
    )
    answer = {"answer": "同意自费维修", "customer_signature": "赵敏", "answered_date": date(2026, 11, 25)}
    answered = fill(ws, emitted(quoted, "维修报价确认单"), answer)
    assert pipeline.process_file(ws, ledger, answered, date(2026, 11, 27)).status == "accepted"
    # A repair of 5,000 yuan the company pays: case.approval_requested, then case.approved (CS-3.6.1).
    company = register_line(customer="孙丽", content="外墙渗水")
    registered = pipeline.process_file(ws, ledger, write_register(ws.intake, [company]), date(2026, 11, 27))
    survey |= {"estimate": "5000", "responsible_party": "公司"}
    waiting = pipeline.process_file(
        ws, ledger, fill(ws, emitted(registered, "现场勘察会签表"), survey), date(2026, 11, 27)
    )
    approval = {
        "approved_date": date(2026, 11, 25),
        "review_deputy_chief_engineer": "副总工",
        "approve_deputy_gm": "副总经理",
    }
    approved = fill(ws, emitted(waiting, "维修费用审批单"), approval)
    assert pipeline.process_file(ws, ledger, approved, date(2026, 11, 27)).status == "accepted"
    # A major complaint registered without a time, with its progress noted: case.escalated, case.progress.
    major = register_line(customer="李娜", major=True, received_time=None, progress="已联系客户", content="外墙渗水")
    outcome = pipeline.process_file(ws, ledger, write_register(ws.intake, [major]), date(2026, 11, 27))
    assert outcome.status in ("accepted", "accepted_with_findings"), [f.message for f in outcome.findings]
    # Its measures returned (case.measure, CS-3.4.7); the register returned with the handler the department
    # designated and 法律事务中心 to assist (case.handler, CS-3.4.2.1; case.assisting, CS-2.1.3).
    [major_number] = outcome.case_ids
    measure = {"处理措施": "排查外墙渗水", "责任部门/责任人": "工程材料部", "完成期限": date(2026, 12, 4)}
    drafted = {"drafter": "总经理", "drafted_date": date(2026, 11, 27)}
    measures = fill(ws, emitted(outcome, "重大投诉处理措施单"), drafted, [measure])
    assert pipeline.process_file(ws, ledger, measures, date(2026, 11, 27)).status == "accepted_with_findings"
    returned = dict(major, number=major_number, handler="张工", assisting="法律事务中心")
    again = pipeline.process_file(ws, ledger, write_register(ws.intake, [returned]), date(2026, 11, 27))
    assert again.status in ("accepted", "accepted_with_findings"), [f.message for f in again.findings]
    # Its 专题报告 completed and returned (case.special_report, CS-3.10.6).
    from tests.test_steps_special_report import complete

    draft = write_special_draft(ws, ledger, major_number, issued_on=date(2026, 11, 27))
    report = complete(draft, {"原因分析": "外墙防水层老化", "处理意见与建议": "整栋排查外墙", "报告人": "林晓"})
    assert pipeline.process_file(ws, ledger, report, date(2026, 11, 27)).status == "accepted"
    # A community's 《入住情况表》 and its first satisfaction survey with a seriously dissatisfied household
    # (community.occupancy, survey.drafted, survey.recorded, survey.revisit; CS-3.7.5).
    from tests.test_steps_survey import play_survey

    play_survey(ws, ledger)
    # A 《产品使用情况表》 with 异常 lines, on no case (product.usage, product.issue; CS-3.7.3).
    from tests.test_steps_product_usage import drop

    assert pipeline.process_file(ws, ledger, drop(ws), date(2026, 11, 27)).status == "accepted_with_findings"
    # A 《纠正措施记录》 with its corrective action done and verified 有效 (nc.recorded, nc.action, nc.verified; NC-5.1).
    from tests.test_steps_nonconformity import drop as drop_nc

    done = {"action": "增加专项校核", "due": date(2026, 12, 4), "done_on": date(2026, 11, 26)}
    verified = {"verified_on": date(2026, 11, 27), "verification": "有效", "verifier": "总经室王"}
    nc = pipeline.process_file(ws, ledger, drop_nc(ws, {**done, **verified}), date(2026, 11, 27))
    assert nc.status == "accepted", [f.message for f in nc.findings]  # routed as the procedure says: no finding
    # A 《客户信息征询表》 with a 不满意 customer (sales.inquiry; NC-5.2, NC-3.2.4 A).
    from tests.test_steps_sales_inquiry import HAPPY, UNHAPPY
    from tests.test_steps_sales_inquiry import drop as drop_inquiry

    inquiry = pipeline.process_file(ws, ledger, drop_inquiry(ws, [HAPPY, UNHAPPY]), date(2026, 11, 27))
    assert inquiry.status == "accepted_with_findings", [f.message for f in inquiry.findings]
    # A year's plan (plan.targets, plan.projects, plan.report, plan.warning, plan.finance_review, plan.adjustment;
    # 《计划管理程序》 PL-3.2.3 … PL-3.4.2, issue 14).
    from tests.plan_intake import play_plan

    play_plan(ws, ledger)
    # The group's report on that quarter, made by 企业发展中心 (plan.group_report; PL-3.3.3, PL-3.4.3).
    from docgen.reports.plan_execution import group_period, write_group_report

    write_group_report(ws, ledger, group_period(quarter="2026Q1"))
    return number


def test_every_kind_with_a_model_round_trips_what_the_pipeline_writes_to_the_same_canonical_json(ws, ledger):
    _chain(ws, ledger)
    seen = set()
    for event in ledger.events():
        model = validate(event.kind, event.payload)
        if model is None:
            assert event.kind not in PAYLOADS
            continue
        seen.add(event.kind)
        assert canonical(model.stored()) == canonical(event.payload)
        if event.kind == CASE_REGISTERED:  # the view's model too (every field optional)
            assert canonical(RegisteredPayload.model_validate(event.payload).stored()) == canonical(event.payload)
    assert seen == set(PAYLOADS), set(PAYLOADS) - seen


def test_the_case_view_reads_the_registration_typed(ws, ledger):
    number = _chain(ws, ledger)
    cases = {case.number: case for case in all_cases(ledger)}
    registered = cases[number].registered
    assert isinstance(registered, RegisteredPayload)
    assert registered.received_at == datetime(2026, 11, 23, 10, 0) and registered.received_date == date(2026, 11, 23)
    assert registered.received_text == "2026年11月23日 10:00" and registered.customer == "王建国"
    assert registered.deadlines[0].due == date(2026, 12, 1)  # 3 working days from the dispatch on the 26th
    [major] = [case for case in cases.values() if case.major]
    assert major.major and major.registered.received_text == "2026年11月23日" and not major.registered.time_known


def test_a_registration_of_an_older_ledger_reads_with_the_fields_it_has():
    old = {"number": "KF-2026-00001", "received_date": "2026-11-23", "customer": "王建国", "note": "旧字段"}
    registered = RegisteredPayload.model_validate(old)
    assert registered.received == datetime(2026, 11, 23) and registered.get("note") == "旧字段"
    assert registered.get("office", "—") == "—" and registered["customer"] == "王建国"
    assert canonical(registered.stored()) == canonical(old)


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        (CASE_REGISTERED, {"number": "KF-2026-00001", "customer": "王建国"}),  # no received_date, content …
        (CASE_ESCALATED, {"clause": "CS-3.4.7"}),  # no recipients
        (CASE_PROGRESS, {"row": 6}),
        (CASE_SURVEYED, {"case_number": "KF-2026-00001", "survey_date": "not a date"}),
    ],
)
def test_a_payload_missing_a_field_is_refused_at_append_time(ws, ledger, kind, payload):
    submission = Submission(name="x.xlsx", claim="c1", sha256="0" * 64, today=date(2026, 11, 27))
    with pytest.raises(InvalidPayload), ledger.transaction() as tx:
        record(tx, kind, payload, "KF-2026-00001", submission)
    assert not [e for e in ledger.events() if e.kind == kind]
    with pytest.raises(InvalidPayload):
        checked(kind, payload)
