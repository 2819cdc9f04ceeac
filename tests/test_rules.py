"""Register rules, each at the clause it cites."""

from __future__ import annotations

from datetime import date, time

import pytest

from docgen.forms.register import RegisterLine
from docgen.ledger import NumberFormat
from docgen.procedures import rules
from docgen.procedures.workdays import WorkCalendar
from docgen.workspace import Settings
from tests.conftest import register_line

SETTINGS = Settings()
CALENDAR = WorkCalendar()


def line(**overrides) -> RegisterLine:
    return RegisterLine.model_validate(register_line(**overrides))


@pytest.mark.parametrize(
    "category, department",
    [
        ("维修", "客户服务部"),  # NC-3.2.5 C: repairs by the company repair team under 客户服务部
        ("施工质量", "工程材料部"),  # NC-3.2.5 B: warranty work through 工程材料部
        ("销售服务", "经营销售部"),  # NC-3.2.4 C
        ("设计", "设计研发部"),
        ("物业服务", "物业公司"),
        ("其他", "客户服务部"),
    ],
)
def test_cs_3_4_2_every_category_has_a_responsible_department(category, department):
    assert rules.responsible_department(line(category=category), SETTINGS) == department


def test_cs_3_4_2_a_department_written_by_the_clerk_wins_with_a_warning():
    written = line(category="销售服务", department="客户服务部")
    assert rules.responsible_department(written, SETTINGS) == "客户服务部"
    [finding] = rules.routing_findings(written, SETTINGS, None, 6)
    assert finding.severity == "warning" and finding.clause == "CS-3.4.2" and "经营销售部" in finding.message


def test_repair_gets_feedback_in_3_working_days_and_survey_in_1():
    # CS-3.4.2.2 and CS-3.4.5: Monday 10:00 → survey Tuesday, feedback Thursday
    deadlines = {d.key: d for d in rules.deadlines(line(), SETTINGS, CALENDAR)}
    assert deadlines["feedback"].due == "2026-11-26" and deadlines["feedback"].clause == "CS-3.4.2.2"
    assert deadlines["survey"].due == "2026-11-24" and deadlines["survey"].clause == "CS-3.4.5"
    assert "settle" not in deadlines


def test_other_complaints_are_settled_within_one_week_cs_3_4_5():
    deadlines = {d.key: d for d in rules.deadlines(line(category="物业服务"), SETTINGS, CALENDAR)}
    assert deadlines["settle"].due == "2026-11-30" and deadlines["settle"].clause == "CS-3.4.5"
    assert "survey" not in deadlines


def test_deadline_across_national_day_counts_the_make_up_working_day():
    # Received Wed 2026-09-30: 10-01..07 off, 10-08, 10-09, 10-10 (make-up Saturday) → due 10-10
    received = line(received_date=date(2026, 9, 30), received_time=time(10, 0))
    feedback = next(d for d in rules.deadlines(received, SETTINGS, CALENDAR) if d.key == "feedback")
    assert feedback.due == "2026-10-10" and not feedback.provisional


def test_after_cut_off_counts_from_the_next_working_day():
    late = line(received_date=date(2026, 11, 23), received_time=time(18, 0))
    survey = next(d for d in rules.deadlines(late, SETTINGS, CALENDAR) if d.key == "survey")
    assert survey.due == "2026-11-25"


def test_unknown_time_of_day_is_read_as_office_hours_the_stricter_reading():
    undated = line(received_time=None)
    assert rules.received_at(undated).time() == time(9, 0)


def test_received_after_today_is_an_error_on_its_cell():
    [finding] = rules.check_received_date(line(received_date=date(2026, 12, 1)), date(2026, 11, 26), None, 7)
    assert finding.severity == "error" and "晚于今天" in finding.message and finding.clause == "CS-3.4.3"


def test_cs_3_4_3_numbers_wrong_format_repeated_or_clashing_are_errors():
    numbering = NumberFormat("KF-{year}-{seq:05d}")
    lines = [
        line(number="KF-2026-1"),
        line(number="KF-2026-00002"),
        line(number="KF-2026-00002"),
        line(number="KF-2026-00003", customer="另一位"),
    ]
    known = {"KF-2026-00003": {"received_date": "2026-11-23", "customer": "王建国", "phone": "13800138000"}}
    findings = rules.check_numbers(lines, [6, 7, 8, 9], [{}] * 4, numbering, known.get)
    assert [f.message.split("“")[0][:3] for f in findings] == ["第6行", "第8行", "第9行"]
    assert all(f.clause == "CS-3.4.3" for f in findings)
    assert "格式不对" in findings[0].message and "重复" in findings[1].message and "另一件投诉" in findings[2].message
