"""Repair rules after the site survey (CS-3.4.5, CS-3.5.1 … CS-3.5.9, CS-3.6, CS-3.6.1), at their boundaries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from docgen.forms.base import Raw
from docgen.procedures import repair_rules as rr
from docgen.procedures.workdays import Deadline, WorkCalendar

D = Decimal


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return WorkCalendar()


# ---------------------------------------------------------------- CS-3.5.1 work order class


def test_cs_3_5_1_warranty_is_class_a_otherwise_class_b():
    assert rr.work_order_class(True) == "A"
    assert rr.work_order_class(False) == "B"


# ---------------------------------------------------------------- CS-3.4.5 repair deadline


@pytest.mark.parametrize(
    "survey, kind, due",
    [
        # an ordinary week: Tue 11-24 + 3 → Fri 11-27; + 7 → Thu 12-03
        (date(2026, 11, 24), "单工种", date(2026, 11, 27)),
        (date(2026, 11, 24), "多工种", date(2026, 12, 3)),
        # National Day 2026: 10-01..10-07 off, Sat 10-10 is a make-up working day
        (date(2026, 9, 30), "单工种", date(2026, 10, 10)),
        (date(2026, 9, 30), "多工种", date(2026, 10, 15)),
        # Spring Festival 2026: 02-15..02-23 off, Sat 02-14 and Sat 02-28 are make-up working days
        (date(2026, 2, 12), "单工种", date(2026, 2, 24)),
        (date(2026, 2, 12), "多工种", date(2026, 2, 28)),
    ],
)
def test_cs_3_4_5_single_trade_3_multi_trade_7_working_days_across_holidays(calendar, survey, kind, due):
    deadline = rr.repair_deadline(calendar, survey, kind, None)
    assert deadline.due == due and deadline.provisional is False
    assert f"{rr.REPAIR_WORKDAYS[kind]}个工作日" in deadline.basis


def test_cs_3_4_5_survey_on_a_rest_day_counts_from_the_next_working_day(calendar):
    # GIVEN a survey on Saturday 2026-11-21 (issue 10, item 8)
    single = rr.repair_deadline(calendar, date(2026, 11, 21), "单工种", None)
    # THEN day 0 is Monday 11-23: 单工种 is due Thursday 11-26, not Wednesday 11-25
    assert single.due == date(2026, 11, 26) and not single.provisional
    assert "当日非工作日，按下一工作日2026年11月23日起算" in single.basis
    # and 多工种 seven working days later: 11-24 … 12-02
    assert rr.repair_deadline(calendar, date(2026, 11, 21), "多工种", None).due == date(2026, 12, 2)
    # a survey on the National Day holiday counts from 10-08: 10-09, 10-10 (make-up Saturday), 10-12
    assert rr.repair_deadline(calendar, date(2026, 10, 3), "单工种", None).due == date(2026, 10, 12)


def test_cs_3_4_5_repair_due_in_2027_skips_the_statutory_holidays_and_stays_provisional(calendar):
    # GIVEN a survey on Thu 2026-12-31, its repair due in 2027, whose notice is not yet published
    deadline = rr.repair_deadline(calendar, date(2026, 12, 31), "单工种", None)
    # THEN 元旦 (2027-01-01) is not counted: 01-04, 01-05, 01-06, and the date is marked 待核定
    assert deadline.due == date(2027, 1, 6) and deadline.provisional
    assert deadline.basis.endswith("（2027年节假日安排尚未公布，按法定节假日和周末推算，待核定）")
    # 春节 2027: 除夕 02-05 to 初三 02-08 are skipped; a survey on Thu 02-04 → 02-09 … 02-17 for 多工种
    assert rr.repair_deadline(calendar, date(2027, 2, 4), "多工种", None).due == date(2027, 2, 17)


def test_cs_3_4_5_especially_complex_work_is_due_on_the_agreed_date(calendar):
    # GIVEN 特别复杂 with an agreed date far beyond 7 working days
    deadline = rr.repair_deadline(calendar, date(2026, 11, 24), "特别复杂", date(2027, 1, 15))
    # THEN the agreed date is the deadline, not a working-day count
    assert deadline == Deadline(date(2027, 1, 15), False, "与客户约定的完成日期")
    # without an agreed date there is no deadline (check_complex_work reports the missing date)
    assert rr.repair_deadline(calendar, date(2026, 11, 24), "特别复杂", None) is None


def test_cs_3_4_5_unknown_work_kind_is_a_programming_error(calendar):
    with pytest.raises(ValueError):
        rr.repair_deadline(calendar, date(2026, 11, 24), "三工种", None)


# ---------------------------------------------------------------- CS-3.4.5 completion on time

SRC = {
    "completed_date": Raw("2026-12-01", "派工单!C5", "派工单", "C5"),
    "extension_consent": Raw(None, "派工单!C6", "派工单", "C6"),
}


def test_cs_3_4_5_completion_on_the_due_day_is_on_time(calendar):
    assert rr.check_completion(date(2026, 11, 27), date(2026, 11, 27), None, calendar, SRC) == []


def test_cs_3_4_5_completion_on_the_weekend_after_a_friday_deadline_is_zero_working_days_late(calendar):
    # Same convention as survey_rules.check_survey_on_time: lateness is counted in working days.
    assert rr.check_completion(date(2026, 11, 28), date(2026, 11, 27), None, calendar, SRC) == []


def test_cs_3_4_5_late_completion_without_consent_is_two_violations(calendar):
    # GIVEN due Fri 11-27, finished Tue 12-01, no consent recorded
    findings = rr.check_completion(date(2026, 12, 1), date(2026, 11, 27), None, calendar, SRC)
    # THEN lateness (2 working days: Mon, Tue) and the missing consent are both recorded
    late, consent = findings
    assert late.severity == consent.severity == "violation"
    assert late.clause == consent.clause == "CS-3.4.5"
    assert "2个工作日" in late.message and late.cell == "C5" and late.field == "completed_date"
    assert "延长工期未取得客户认可" in consent.message and consent.cell == "C6"


@pytest.mark.parametrize("consent", [False, None])
def test_cs_3_4_5_late_completion_with_consent_refused_or_unknown_names_the_consent(calendar, consent):
    findings = rr.check_completion(date(2026, 11, 30), date(2026, 11, 27), consent, calendar, SRC)
    assert len(findings) == 2 and "1个工作日" in findings[0].message


def test_cs_3_4_5_late_completion_with_consent_is_only_the_lateness(calendar):
    [late] = rr.check_completion(date(2026, 12, 1), date(2026, 11, 27), True, calendar, SRC)
    assert late.severity == "violation" and "2个工作日" in late.message


def test_cs_3_4_5_lateness_across_national_day_counts_only_working_days(calendar):
    # due Wed 09-30, done Fri 10-09: 10-01..10-07 off, Thu 10-08 and Fri 10-09 are the 2 days late
    [late, _] = rr.check_completion(date(2026, 10, 9), date(2026, 9, 30), None, calendar, {})
    assert "2个工作日" in late.message


# ---------------------------------------------------------------- CS-3.5.3 completion sign-offs


def test_cs_3_5_3_all_signed_is_clean():
    assert rr.check_completion_signoffs("林晓", "郑队长", "张先生", {}) == []


@pytest.mark.parametrize(
    "missing, who",
    [
        ("check_service", "客户服务人员或物业人员"),
        ("check_team_leader", "维修队长"),
        ("customer_signature", "客户签认"),
    ],
)
def test_cs_3_5_3_each_missing_signatory_is_named(missing, who):
    values = {"check_service": "林晓", "check_team_leader": "郑队长", "customer_signature": "张先生", missing: "  "}
    sources = {missing: Raw(None, "竣工!B9", "竣工", "B9")}
    [finding] = rr.check_completion_signoffs(**values, sources=sources)
    assert finding.severity == "error" and finding.clause == "CS-3.5.3"
    assert who in finding.message and finding.field == missing and finding.cell == "B9"


def test_cs_3_5_3_nothing_signed_gives_three_errors():
    assert len(rr.check_completion_signoffs(None, None, None, {})) == 3


# ---------------------------------------------------------------- CS-3.5.4 callback


def test_cs_3_5_4_callback_due_one_working_day_after_completion(calendar):
    assert rr.callback_due(calendar, date(2026, 11, 24)).due == date(2026, 11, 25)
    # completed Fri → Mon; completed Wed 09-30 → Thu 10-08 (after National Day)
    assert rr.callback_due(calendar, date(2026, 11, 27)).due == date(2026, 11, 30)
    assert rr.callback_due(calendar, date(2026, 9, 30)).due == date(2026, 10, 8)


def test_cs_3_5_4_callback_on_time_and_same_day(calendar):
    due = rr.callback_due(calendar, date(2026, 11, 24)).due
    assert rr.check_callback(date(2026, 11, 25), due, calendar, {}, completed=date(2026, 11, 24)) == []
    assert rr.check_callback(date(2026, 11, 24), due, calendar, {}, completed=date(2026, 11, 24)) == []


def test_cs_3_5_4_callback_one_working_day_late_is_a_violation(calendar):
    due = rr.callback_due(calendar, date(2026, 11, 24)).due  # Wed 11-25
    src = {"callback_date": Raw("2026-11-26", "回访!D3", "回访", "D3")}
    [late] = rr.check_callback(date(2026, 11, 26), due, calendar, src)
    assert late.severity == "violation" and late.clause == "CS-3.5.4"
    assert "1个工作日" in late.message and late.cell == "D3"


def test_cs_3_5_4_callback_before_completion_is_an_error(calendar):
    due = rr.callback_due(calendar, date(2026, 11, 24)).due
    [finding] = rr.check_callback(date(2026, 11, 23), due, calendar, {}, completed=date(2026, 11, 24))
    assert finding.severity == "error" and "早于完工日期" in finding.message


def test_cs_3_5_4_no_callback_yet_is_not_checked_here(calendar):
    assert rr.check_callback(None, date(2026, 11, 25), calendar, {}) == []


# ---------------------------------------------------------------- CS-3.5.5 final account


def _line(item, quantity, price, amount):
    return {
        "item": item,
        "trade": "泥工",
        "unit": "m²",
        "quantity": D(quantity),
        "unit_price": D(price),
        "amount": None if amount is None else D(amount),
    }


def _line_sources(n):
    return [{"amount": Raw(None, f"决算书!F{7 + i}", "决算书", f"F{7 + i}")} for i in range(n)]


TOTAL_SRC = {
    "total": Raw(None, "决算书!F20", "决算书", "F20"),
    "total_uppercase": Raw(None, "决算书!C21", "决算书", "C21"),
}


def test_cs_3_5_5_a_correct_final_account_is_clean():
    lines = [_line("墙面修补", "10", "85", "850.00"), _line("防水", "2.5", "160", "400.00")]
    assert rr.check_final_account(lines, D("1250.00"), "壹仟贰佰伍拾元整", _line_sources(2), TOTAL_SRC) == []


def test_cs_3_5_5_line_amount_is_rounded_half_up_to_the_fen():
    # GIVEN 3 × 33.335 = 100.005, which rounds half up to 100.01 (banker's rounding would give 100.00)
    ok = [_line("勾缝", "3", "33.335", "100.01")]
    assert rr.check_final_account(ok, D("100.01"), "壹佰元零壹分", _line_sources(1), TOTAL_SRC) == []
    wrong = [_line("勾缝", "3", "33.335", "100.00")]
    findings = rr.check_final_account(wrong, D("100.01"), "壹佰元零壹分", _line_sources(1), TOTAL_SRC)
    [finding] = findings
    assert finding.field == "lines.amount" and finding.cell == "F7" and finding.clause == "CS-3.5.5"
    assert "100.01 元（壹佰元零壹分）" in finding.message and "勾缝" in finding.message


def test_cs_3_5_5_wrong_total_states_the_correct_figure_and_its_uppercase():
    lines = [_line("墙面修补", "10", "85", "850.00"), _line("防水", "2.5", "160", "400.00")]
    [finding] = rr.check_final_account(lines, D("1200.00"), "壹仟贰佰伍拾元整", _line_sources(2), TOTAL_SRC)
    assert finding.field == "total" and finding.cell == "F20"
    assert "合计应为 1,250.00 元（壹仟贰佰伍拾元整）" in finding.message


def test_cs_3_5_5_uppercase_mismatch_is_an_error_on_the_uppercase_cell():
    lines = [_line("墙面修补", "10", "85", "850.00"), _line("防水", "2.5", "160", "400.00")]
    [finding] = rr.check_final_account(lines, D("1250.00"), "壹仟贰佰伍拾伍元整", _line_sources(2), TOTAL_SRC)
    assert finding.field == "total_uppercase" and finding.cell == "C21"
    assert "1,255.00" in finding.message and "壹仟贰佰伍拾元整" in finding.message


def test_cs_3_5_5_unreadable_uppercase_passes_on_the_reason():
    lines = [_line("墙面修补", "10", "85", "850.00")]
    [finding] = rr.check_final_account(lines, D("850.00"), "八百五十元", _line_sources(1), TOTAL_SRC)
    assert finding.field == "total_uppercase" and "大写" in finding.message and "捌佰伍拾元整" in finding.message


def test_cs_3_5_5_wrong_line_also_makes_a_matching_total_wrong():
    # GIVEN a line written 860 instead of 850 and a total that adds up the written lines (1260)
    lines = [_line("墙面修补", "10", "85", "860.00"), _line("防水", "2.5", "160", "400.00")]
    findings = rr.check_final_account(lines, D("1260.00"), "壹仟贰佰陆拾元整", _line_sources(2), TOTAL_SRC)
    # THEN the line, the total and the uppercase all point at the corrected 1,250.00
    assert [f.field for f in findings] == ["lines.amount", "total", "total_uppercase"]
    assert all(f.severity == "error" for f in findings)
    assert "1,250.00 元（壹仟贰佰伍拾元整）" in findings[1].message


def test_cs_3_5_5_missing_amount_total_and_uppercase_are_named():
    lines = [_line("墙面修补", "10", "85", None)]
    findings = rr.check_final_account(lines, None, None, _line_sources(1), TOTAL_SRC)
    assert [f.field for f in findings] == ["lines.amount", "total", "total_uppercase"]
    assert "850.00 元（捌佰伍拾元整）" in findings[0].message


# ---------------------------------------------------------------- CS-3.5.6 audit route


@pytest.mark.parametrize(
    "amount, dept", [("19999.99", "客户服务部"), ("20000", "审计核算部"), ("20000.01", "审计核算部")]
)
def test_cs_3_5_6_audit_route_at_20000(amount, dept):
    assert rr.audit_route(D(amount)) == dept


def test_cs_3_5_6_exactly_20000_is_configurable_and_only_exactly():
    assert rr.audit_route(D("20000.00"), exactly_20000_to="客户服务部") == "客户服务部"
    assert rr.audit_route(D("20000.01"), exactly_20000_to="客户服务部") == "审计核算部"
    assert rr.audit_route(D("19999.99"), exactly_20000_to="审计核算部") == "客户服务部"
    with pytest.raises(ValueError):
        rr.audit_route(D("20000"), exactly_20000_to="财务计统部")


# ---------------------------------------------------------------- CS-3.6.1 approval tier

MANAGER = [("approve_manager", "客户服务部经理")]
DEPUTY = [("review_deputy_chief_engineer", "负责质量的副总工程师审核"), ("approve_deputy_gm", "副总经理批准")]
GM = [("approve_gm", "总经理审批")]


@pytest.mark.parametrize(
    "amount, tier",
    [("0.01", MANAGER), ("1000", MANAGER), ("1000.01", DEPUTY), ("10000", DEPUTY), ("10000.01", GM), ("250000", GM)],
)
def test_cs_3_6_1_approval_tier_boundaries(amount, tier):
    assert rr.approval_tier(D(amount)) == tier


# ---------------------------------------------------------------- CS-3.5.6–3.5.8 settlement sign-offs


def test_cs_3_5_7_class_a_needs_the_contractor_class_b_does_not():
    a = rr.required_settlement_signoffs("A", D("800"))
    b = rr.required_settlement_signoffs("B", D("800"))
    assert a == [
        ("auditor", "审核人", "CS-3.5.6"),
        ("contractor_confirm", "施工单位确认", "CS-3.5.7"),
        ("deputy_chief_engineer_confirm", "负责质量的副总工程师认定", "CS-3.5.8"),
        ("approve_manager", "客户服务部经理", "CS-3.6.1"),
    ]
    assert b == [a[0], a[2], a[3]]


def test_cs_3_6_1_settlement_signoffs_follow_the_approval_tier():
    keys = [k for k, _, _ in rr.required_settlement_signoffs("B", D("5000"))]
    assert keys[-2:] == ["review_deputy_chief_engineer", "approve_deputy_gm"]
    assert rr.required_settlement_signoffs("B", D("10000.01"))[-1] == ("approve_gm", "总经理审批", "CS-3.6.1")


FULL_A = {
    "auditor": "李审",
    "contractor_confirm": "王工",
    "deputy_chief_engineer_confirm": "周总工",
    "approve_manager": "林经理",
}


def test_cs_3_5_8_fully_signed_class_a_settlement_is_clean():
    assert rr.check_settlement("A", D("800"), D("850"), None, FULL_A, {}) == []


def test_cs_3_5_7_class_a_without_contractor_confirmation_is_an_error():
    values = {**FULL_A, "contractor_confirm": None}
    src = {"contractor_confirm": Raw(None, "结算书!C12", "结算书", "C12")}
    [finding] = rr.check_settlement("A", D("800"), D("850"), None, values, src)
    assert finding.clause == "CS-3.5.7" and "施工单位确认" in finding.message and finding.cell == "C12"


def test_cs_3_5_7_class_b_does_not_ask_for_the_contractor():
    values = {k: v for k, v in FULL_A.items() if k != "contractor_confirm"}
    assert rr.check_settlement("B", D("800"), D("850"), None, values, {}) == []


def test_cs_3_5_6_missing_auditor_names_the_department_from_the_final_account():
    findings = rr.check_settlement("B", D("19000"), D("20000"), None, {}, {})
    auditor = next(f for f in findings if f.field == "auditor")
    assert "审核人" in auditor.message and "审计核算部" in auditor.message
    # configurable exactly-20,000 route reaches the message
    findings = rr.check_settlement("B", D("19000"), D("20000"), None, {}, {}, exactly_20000_to="客户服务部")
    assert "客户服务部审核" in next(f for f in findings if f.field == "auditor").message
    # an empty class-B settlement of 19,000 misses auditor, deputy chief engineer and the GM
    assert [f.field for f in findings] == ["auditor", "deputy_chief_engineer_confirm", "approve_gm"]


def test_cs_3_6_1_missing_deputy_approval_is_named_with_its_clause():
    values = {"auditor": "李审", "deputy_chief_engineer_confirm": "周总工", "review_deputy_chief_engineer": "周总工"}
    [finding] = rr.check_settlement("B", D("1000.01"), D("1000.01"), None, values, {})
    assert finding.field == "approve_deputy_gm" and finding.clause == "CS-3.6.1" and "副总经理批准" in finding.message


def test_cs_3_5_6_audited_above_final_account_needs_a_reason():
    src = {"audited_amount": Raw(None, "结算书!F8", "结算书", "F8")}
    [finding] = rr.check_settlement("A", D("850.01"), D("850"), None, FULL_A, src)
    assert finding.field == "audited_amount" and finding.clause == "CS-3.5.6" and finding.cell == "F8"
    assert "850.01" in finding.message and "850.00" in finding.message
    assert rr.check_settlement("A", D("850.01"), D("850"), "  ", FULL_A, src) == [finding]
    assert rr.check_settlement("A", D("850.01"), D("850"), "客户追加更换窗台石", FULL_A, src) == []
    # equal to the final account needs no reason
    assert rr.check_settlement("A", D("850"), D("850"), None, FULL_A, src) == []


def test_cs_3_5_1_unknown_order_class_is_an_error_not_an_exception():
    [finding] = rr.check_settlement("C", D("850"), D("850"), None, FULL_A, {})
    assert finding.severity == "error" and finding.field == "order_class"


# ---------------------------------------------------------------- CS-3.5.9 quality deposit


def test_cs_3_5_9_below_80_percent_no_warning():
    assert rr.deposit_warning("某建设公司", D("100000"), D("70000"), D("9999.99")) == []


def test_cs_3_5_9_reaching_80_percent_warns():
    # GIVEN 70,000 deducted before and 10,000 now of a 100,000 deposit: exactly 80 %
    [w] = rr.deposit_warning("某建设公司", D("100000"), D("70000"), D("10000"))
    assert w.severity == "warning" and w.clause == "CS-3.5.9"
    assert "80.0%" in w.message and "某建设公司" in w.message and "【超额】" not in w.message


def test_cs_3_5_9_using_the_whole_deposit_is_still_the_ordinary_warning():
    [w] = rr.deposit_warning("某建设公司", D("100000"), D("90000"), D("10000"))
    assert "100.0%" in w.message and "【超额】" not in w.message


def test_cs_3_5_9_exceeding_the_deposit_is_a_stronger_warning():
    [w] = rr.deposit_warning("某建设公司", D("100000"), D("95000"), D("5000.01"))
    assert w.severity == "warning" and "【超额】" in w.message and "0.01元" in w.message


def test_cs_3_5_9_threshold_is_configurable():
    assert rr.deposit_warning("某建设公司", D("100000"), D("0"), D("85000"), threshold=D("0.9")) == []
    assert rr.deposit_warning("某建设公司", D("100000"), D("0"), D("90000"), threshold=D("0.9")) != []


# ---------------------------------------------------------------- CS-3.6 revolving funds


def test_cs_3_6_fund_at_exactly_20_percent_left_is_fine():
    assert rr.fund_warning("客户服务维修队", D("100000"), D("60000"), D("20000")) == []


def test_cs_3_6_fund_below_20_percent_warns():
    [w] = rr.fund_warning("客户服务维修队", D("100000"), D("60000"), D("20000.01"))
    assert w.severity == "warning" and w.clause == "CS-3.6"
    assert "19,999.99元" in w.message and "20.0%" in w.message and "【超支】" not in w.message


def test_cs_3_6_fund_overdrawn_by_pending_payments_is_a_stronger_warning():
    [w] = rr.fund_warning("客户服务部", D("100000"), D("90000"), D("10000.01"))
    assert w.severity == "warning" and "【超支】" in w.message and "-0.01元" in w.message


def test_cs_3_6_fund_fully_used_but_not_negative_is_the_ordinary_warning():
    [w] = rr.fund_warning("客户服务部", D("100000"), D("100000"), D("0"))
    assert "【超支】" not in w.message and "0.00元" in w.message


def test_cs_3_5_4_completion_on_a_rest_day_is_called_back_within_a_working_day_of_the_next_working_day():
    # GIVEN a repair completed on Saturday 2026-11-21  THEN day 0 is Monday the 23rd: the callback is due Tuesday
    from docgen.procedures.repair_rules import callback_due
    from docgen.procedures.workdays import WorkCalendar

    due = callback_due(WorkCalendar(), date(2026, 11, 21))
    assert due.due == date(2026, 11, 24) and "按下一工作日" in due.basis
    # AND a completion on a working day still counts from that day
    assert callback_due(WorkCalendar(), date(2026, 11, 23)).due == date(2026, 11, 24)
