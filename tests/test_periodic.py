"""Weekly report and overdue warning figures (CS-3.10.3, CS-3.4.4), reproducible for a past period."""

from __future__ import annotations

from datetime import date, time

import pytest

from docgen import pipeline
from docgen.reports.periodic import PeriodError, overdue_warning, week_bounds, weekly
from tests.conftest import register_line, write_register


def test_week_bounds_from_iso_week_or_any_day():
    assert week_bounds("2026-W48") == (date(2026, 11, 23), date(2026, 11, 30))
    assert week_bounds("2026-11-26") == (date(2026, 11, 23), date(2026, 11, 30))
    with pytest.raises(PeriodError, match="2026-W48"):
        week_bounds("上周")


def test_weekly_counts_new_open_and_overdue_per_office(ws, ledger):
    # GIVEN two complaints of week 48 in two communities, one of them a repair never surveyed
    pipeline.process_file(ws, ledger, write_register(ws.intake, [
        register_line(project="融侨锦江"),
        register_line(project="融侨观邸", customer="李四", category="销售服务", received_time=time(9, 0))]),
        date(2026, 11, 26))
    reports = {report.office: report for report in weekly(ledger, ws.calendar, "2026-W48")}
    assert set(reports) == {"融侨锦江客户服务处", "融侨观邸客户服务处"}
    jinjiang = reports["融侨锦江客户服务处"]
    assert len(jinjiang.new) == 1 and len(jinjiang.still_open) == 1 and jinjiang.by_category == {"维修": 1}
    # THEN by the end of the week the survey (due Tue 11-24) is 3 working days late (CS-3.4.5)
    late = {o.deadline.key: o.workdays_late for o in jinjiang.overdue}
    assert late["survey"] == 3 and late["feedback"] == 1  # feedback was due Thu 11-26 (CS-3.4.2.2)
    # AND the same ledger gives the same report again
    again = {report.office: report for report in weekly(ledger, ws.calendar, "2026-W48")}
    assert [c.number for c in again["融侨锦江客户服务处"].new] == [c.number for c in jinjiang.new]


def test_overdue_warning_lists_due_next_working_day_and_late_by_who_must_act(ws, ledger):
    pipeline.process_file(ws, ledger, write_register(ws.intake, [register_line()]), date(2026, 11, 23))
    warnings = {w.department: w for w in overdue_warning(ledger, ws.calendar, date(2026, 11, 25))}
    survey_team = "客户服务部、工程材料部（或物业公司）、维修队长"
    assert [o.deadline.key for o in warnings[survey_team].late] == ["survey"]
    assert [d.key for _, d in warnings["客户服务部"].due_tomorrow] == ["feedback"]


def test_a_week_still_running_is_reported_as_of_today(ws, ledger):
    pipeline.process_file(ws, ledger, write_register(ws.intake, [register_line()]), date(2026, 11, 23))
    [report] = weekly(ledger, ws.calendar, "2026-W48", today=date(2026, 11, 25))
    assert report.last == date(2026, 11, 25)
    # survey due Tue 11-24 is 1 working day late on Wednesday; feedback due Thu 11-26 is not late yet
    assert {o.deadline.key: o.workdays_late for o in report.overdue} == {"survey": 1}
