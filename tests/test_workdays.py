"""Tests for docgen.procedures.workdays (official Chinese working-day calendar).

Clause ids: CS-3.4.2.2 = "within 3 working days", CS-3.4.5 = "within 1 working day".
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path

import chinese_calendar
import pytest

import docgen.procedures.workdays as wd
from docgen.cli import main
from docgen.procedures.workdays import (
    Deadline,
    WorkCalendar,
    calendar_report,
)

EXAMPLE_FILE = Path(wd.__file__).resolve().parent.parent / "data" / "calendar-example.toml"
MAKEUP_2026 = ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]

# Fictional 2027 data for tests only (the official 2027 notice is not known here).
CAL_2027 = """
[years.2027]
holidays = ["2027-01-01"]
workdays = ["2027-01-02"]
source = "测试用虚构安排"
"""


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


def write(tmp_path: Path, text: str, name: str = "calendar.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def days_of(year: int):
    d = date(year, 1, 1)
    while d.year == year:
        yield d
        d += timedelta(days=1)


# -- the 2026 calendar ---------------------------------------------------------


def test_2026_has_248_working_days(cal):
    assert sum(cal.is_workday(d) for d in days_of(2026)) == 248


@pytest.mark.parametrize("day", MAKEUP_2026)
def test_every_2026_makeup_day_is_a_working_weekend_day(cal, day):
    d = date.fromisoformat(day)
    assert d.weekday() >= 5
    assert cal.is_workday(d)


def test_2026_holidays_are_not_working_days(cal):
    for d in [date(2026, 10, 1) + timedelta(i) for i in range(7)]:
        assert not cal.is_workday(d), d
    for d in [date(2026, 2, 15) + timedelta(i) for i in range(9)]:
        assert not cal.is_workday(d), d
    assert cal.is_workday(date(2026, 2, 24))


def test_coverage_without_file_is_package_only(cal):
    assert cal.is_covered(2004) and cal.is_covered(2026)
    assert not cal.is_covered(2027)
    assert not cal.is_covered(2003)
    cov = dict(cal.coverage())
    assert cov[2026] == "chinese_calendar"
    assert 2027 not in cov


# -- "within N working days" of receipt ----------------------------------------


def test_cs_3_4_2_2_received_monday_morning_due_thursday(cal):
    """CS-3.4.2.2 (3 working days): receipt day is day 0."""
    dl = cal.due_within_workdays(datetime(2026, 11, 23, 10, 0), 3)
    assert dl == Deadline(
        date(2026, 11, 26),
        False,
        "2026年11月23日10:00收到，自2026年11月23日起3个工作日，截止2026年11月26日",
    )


def test_cs_3_4_2_2_received_after_cutoff_counts_from_next_working_day(cal):
    """CS-3.4.2.2: received Mon 18:00 → effective Tue → due Fri."""
    received = datetime(2026, 11, 23, 18, 0)
    assert cal.effective_start(received) == date(2026, 11, 24)
    dl = cal.due_within_workdays(received, 3)
    assert dl.due == date(2026, 11, 27)
    assert "17:30后收到" in dl.basis and "按下一工作日2026年11月24日起算" in dl.basis


def test_exactly_at_cutoff_counts_as_next_day(cal):
    # Contract: at or after the cut-off → next working day; one second earlier → same day.
    assert cal.effective_start(datetime(2026, 11, 23, 17, 30, 0)) == date(2026, 11, 24)
    assert cal.effective_start(datetime(2026, 11, 23, 17, 29, 59)) == date(2026, 11, 23)


def test_cutoff_is_configurable(tmp_path):
    # GIVEN an office whose cut-off is 16:00
    early = WorkCalendar(cutoff=time(16, 0))
    received = datetime(2026, 11, 23, 16, 30)
    # THEN 16:30 is already "next day" there, but still "today" with the default 17:30
    assert early.effective_start(received) == date(2026, 11, 24)
    assert WorkCalendar().effective_start(received) == date(2026, 11, 23)
    assert WorkCalendar.from_workspace(tmp_path, cutoff=time(16, 0)).effective_start(received) == date(2026, 11, 24)


def test_cs_3_4_5_received_saturday_makeup_sunday_is_day_zero(cal):
    """CS-3.4.5 (1 working day): Sat 09-19 → Sun 09-20 is a make-up working day."""
    received = datetime(2026, 9, 19, 10, 0)
    assert cal.effective_start(received) == date(2026, 9, 20)
    dl = cal.due_within_workdays(received, 1)
    assert dl.due == date(2026, 9, 21)
    assert "当日非工作日" in dl.basis


def test_cs_3_4_5_received_on_national_day_holiday(cal):
    """CS-3.4.5: received on 10-03 (holiday) → day 0 is Thu 10-08 → due Fri 10-09."""
    dl = cal.due_within_workdays(datetime(2026, 10, 3, 9, 0), 1)
    assert cal.effective_start(datetime(2026, 10, 3, 9, 0)) == date(2026, 10, 8)
    assert dl.due == date(2026, 10, 9)
    assert not dl.provisional


def test_cs_3_4_2_2_national_day_deadline_lands_on_makeup_saturday(cal):
    """CS-3.4.2.2: 09-30 10:00 → 10-08, 10-09, 10-10 (Saturday make-up day)."""
    dl = cal.due_within_workdays(datetime(2026, 9, 30, 10, 0), 3)
    assert dl.due == date(2026, 10, 10)
    assert dl.due.weekday() == 5


def test_cs_3_4_2_2_spring_festival_crossing(cal):
    """CS-3.4.2.2: Fri 02-13 → Sat 02-14 (make-up), holiday 02-15..23, then 02-24, 02-25."""
    dl = cal.due_within_workdays(datetime(2026, 2, 13, 10, 0), 3)
    assert dl.due == date(2026, 2, 25)


def test_zero_working_days_is_effective_receipt_day(cal):
    assert cal.due_within_workdays(datetime(2026, 10, 1, 9, 0), 0).due == date(2026, 10, 8)
    assert cal.add_workdays(date(2026, 11, 23), 0).due == date(2026, 11, 23)


def test_add_workdays_basis_and_negative_n(cal):
    dl = cal.add_workdays(date(2026, 11, 27), 3)
    assert dl == Deadline(date(2026, 12, 2), False, "自2026年11月27日起3个工作日")
    with pytest.raises(ValueError):
        cal.add_workdays(date(2026, 11, 27), -1)


# -- uncovered years: provisional, never silent --------------------------------


def test_cs_3_4_2_2_deadline_into_2027_is_provisional(cal):
    """CS-3.4.2.2: 2026-12-30 → 12-31, (2027-01-01 元旦, a statutory holiday; weekend), 01-04, 01-05."""
    dl = cal.due_within_workdays(datetime(2026, 12, 30, 10, 0), 3)
    assert dl.due == date(2027, 1, 5)
    assert dl.provisional is True
    assert dl.basis.endswith("（2027年节假日安排尚未公布，按法定节假日和周末推算，待核定）")


def test_receipt_day_rolling_into_uncovered_year_is_provisional(cal):
    # GIVEN receipt after cut-off on the last working day of 2026
    dl = cal.due_within_workdays(datetime(2026, 12, 31, 18, 0), 0)
    # THEN day 0 is in 2027, after 元旦 and the weekend, and the result is flagged, not raised
    assert dl.due == date(2027, 1, 4)
    assert dl.provisional


# 2027 from 《全国年节及纪念日放假办法》 (2025 revision) and the dates published for 2027:
# 正月初一 02-06 (除夕 02-05), 清明 04-05, 端午 06-09, 中秋 09-15.
STATUTORY_2027 = {
    "2027-01-01": "元旦",
    "2027-02-05": "春节",
    "2027-02-06": "春节",
    "2027-02-07": "春节",
    "2027-02-08": "春节",
    "2027-04-05": "清明节",
    "2027-05-01": "劳动节",
    "2027-05-02": "劳动节",
    "2027-06-09": "端午节",
    "2027-09-15": "中秋节",
    "2027-10-01": "国庆节",
    "2027-10-02": "国庆节",
    "2027-10-03": "国庆节",
}


def test_statutory_holidays_of_2027_follow_the_national_rules():
    # GIVEN the year after the package's last one
    holidays = wd.statutory_holidays(2027)
    # THEN its 13 statutory days are the law's list, the lunar festivals and 清明 on their known dates
    assert {d.isoformat(): name for d, name in holidays.items()} == STATUTORY_2027
    # a festival falling on another keeps both names (2028: 中秋 on 10-03)
    assert wd.statutory_holidays(2028)[date(2028, 10, 3)] == "中秋节、国庆节"
    # before the 2025 revision the rules differed: no guess
    assert wd.statutory_holidays(2003) == {}


@pytest.mark.parametrize("year", [2025, 2026])
def test_statutory_holidays_agree_with_the_published_2025_and_2026_calendars(year):
    # GIVEN the years the package has from the official notices
    english = {
        "元旦": "New Year's Day",
        "春节": "Spring Festival",
        "清明节": "Tomb-sweeping Day",
        "劳动节": "Labour Day",
        "端午节": "Dragon Boat Festival",
        "中秋节": "Mid-autumn Festival",
        "国庆节": "National Day",
    }
    # THEN every day the rules give is a day off of that festival in the published calendar
    holidays = wd.statutory_holidays(year)
    assert len(holidays) == 13
    for day, name in holidays.items():
        assert chinese_calendar.holidays.get(day) == english[name], day


def test_provisional_2027_deadlines_skip_the_statutory_holidays(cal):
    # GIVEN 2027, not yet published
    assert not cal.is_covered(2027)
    # THEN the statutory days are days off, the other weekdays work (make-up days are unknown)
    assert [d for d in days_of(2027) if d.weekday() < 5 and not cal.is_workday(d)] == sorted(
        date.fromisoformat(d) for d in STATUTORY_2027 if date.fromisoformat(d).weekday() < 5
    )
    # WHEN a complaint is received on Thu 2027-02-04, the day before 除夕
    dl = cal.due_within_workdays(datetime(2027, 2, 4, 10, 0), 3)
    # THEN 02-05 (除夕) to 02-08 (初三) are skipped: 02-09, 02-10, 02-11
    assert dl.due == date(2027, 2, 11) and dl.provisional
    # and National Day: Wed 2027-09-29 → 09-30, (10-01 to 10-03), 10-04
    assert cal.due_within_workdays(datetime(2027, 9, 29, 10, 0), 2).due == date(2027, 10, 4)


def test_a_year_loaded_from_calendar_toml_is_the_notice_alone(tmp_path):
    # GIVEN 2027 loaded from a (fictional) notice that lists only 01-01 and makes Sat 01-02 a working day
    write(tmp_path, CAL_2027)
    cal = WorkCalendar.from_workspace(tmp_path)
    # THEN the statutory rules no longer stand in: 02-05 is what the file says (a Friday, working)
    assert cal.is_workday(date(2027, 2, 5)) and cal.is_workday(date(2027, 1, 2))
    # while the same calendar without the file keeps 除夕 off, and 2028 still follows the rules
    assert not WorkCalendar().is_workday(date(2027, 2, 5))
    assert not cal.is_workday(date(2028, 1, 25))


# -- an event known by its date only (a site survey) ------------------------------


def test_cs_3_4_5_event_on_a_rest_day_counts_from_the_next_working_day(cal):
    # GIVEN a survey on Saturday 2026-11-21
    dl = cal.due_within_workdays_of_day(date(2026, 11, 21), 3, "勘察")
    # THEN day 0 is Monday 11-23 and the deadline Thursday 11-26, as for a register received that Saturday
    assert dl == Deadline(
        date(2026, 11, 26),
        False,
        "2026年11月21日勘察（当日非工作日，按下一工作日2026年11月23日起算），自2026年11月23日起3个工作日，截止2026年11月26日",
    )
    assert dl.due == cal.due_within_workdays(datetime(2026, 11, 21, 10, 0), 3).due
    # on a working day there is no cut-off: the day itself is day 0
    assert cal.due_within_workdays_of_day(date(2026, 11, 23), 3, "勘察").due == date(2026, 11, 26)
    # a make-up Saturday is a working day: day 0 itself (10-10 → 10-12, 10-13, 10-14)
    assert cal.due_within_workdays_of_day(date(2026, 10, 10), 3, "勘察").due == date(2026, 10, 14)
    # on a holiday: day 0 is the first day after it (10-01 → 10-08), due 10-09
    assert cal.due_within_workdays_of_day(date(2026, 10, 1), 1, "勘察").due == date(2026, 10, 9)
    with pytest.raises(ValueError):
        cal.due_within_workdays_of_day(date(2026, 11, 23), -1, "勘察")


def test_deadline_inside_covered_year_is_not_provisional(cal):
    assert not cal.due_within_workdays(datetime(2026, 12, 28, 10, 0), 3).provisional


def test_years_before_package_range_use_weekends_and_are_provisional(cal):
    assert cal.is_workday(date(2003, 10, 1))  # a Wednesday; no data, so Mon–Fri rule
    dl = cal.add_workdays(date(2003, 10, 1), 1)
    assert dl.due == date(2003, 10, 2) and dl.provisional
    assert "2003年节假日安排未知" in dl.basis


# -- calendar.toml -------------------------------------------------------------


def test_calendar_toml_for_2027_makes_deadline_official(tmp_path):
    """CS-3.4.2.2 with N=2: the file's holiday 01-01 is skipped, make-up Sat 01-02 counts."""
    # GIVEN a workspace whose calendar.toml covers 2027
    write(tmp_path, CAL_2027)
    cal = WorkCalendar.from_workspace(tmp_path)
    # WHEN a deadline runs from 2026-12-30 into 2027
    dl = cal.due_within_workdays(datetime(2026, 12, 30, 10, 0), 2)
    # THEN it follows the file and is no longer provisional
    assert cal.load_errors == []
    assert not cal.is_workday(date(2027, 1, 1))
    assert cal.is_workday(date(2027, 1, 2))
    assert dl.due == date(2027, 1, 2)
    assert dl.provisional is False
    assert "待核定" not in dl.basis
    assert (2027, "calendar.toml") in cal.coverage()
    # and without the file the same request is provisional with a different date (元旦 and the weekend skipped)
    assert WorkCalendar().due_within_workdays(datetime(2026, 12, 30, 10, 0), 2) == Deadline(
        date(2027, 1, 4),
        True,
        "2026年12月30日10:00收到，自2026年12月30日起2个工作日，截止2027年1月4日"
        "（2027年节假日安排尚未公布，按法定节假日和周末推算，待核定）",
    )


def test_from_workspace_without_file(tmp_path):
    cal = WorkCalendar.from_workspace(tmp_path)
    assert cal.extra_file is None and cal.load_errors == []
    assert not cal.is_covered(2027)


def test_file_overrides_package_for_listed_dates(tmp_path):
    # GIVEN a file that (hypothetically) declares 2026-11-23 a holiday
    cal = WorkCalendar(write(tmp_path, '[years.2026]\nholidays = ["2026-11-23"]\n'))
    # THEN that day is off, while unlisted package days keep the package's answer
    assert not cal.is_workday(date(2026, 11, 23))
    assert cal.is_workday(date(2026, 10, 10))
    assert not cal.is_workday(date(2026, 10, 1))
    assert dict(cal.coverage())[2026] == "calendar.toml"


def test_bare_toml_dates_are_accepted(tmp_path):
    cal = WorkCalendar(write(tmp_path, "[years.2027]\nholidays = [2027-01-01]\n"))
    assert cal.load_errors == []
    assert not cal.is_workday(date(2027, 1, 1))


def test_example_file_is_valid_and_matches_package_for_2026():
    from_file = WorkCalendar(EXAMPLE_FILE)
    package = WorkCalendar()
    assert from_file.load_errors == []
    assert from_file.file_years[2026].source
    assert all(from_file.is_workday(d) == package.is_workday(d) for d in days_of(2026))
    assert not from_file.is_covered(2027)  # the 2027 template is commented out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[years.2027]\nholidays = ["2027-02-30"]\n',
            'calendar.toml 的 [years.2027] holidays 中的 "2027-02-30" 不是有效日期',
        ),
        (
            '[years.2027]\nholidays = ["2026-12-31"]\n',
            'calendar.toml 的 [years.2027] holidays 中的 "2026-12-31" 不在2027年内',
        ),
        (
            '[years.2027]\nholidays = ["2027-01-02"]\nworkdays = ["2027-01-02"]\n',
            'calendar.toml 的 [years.2027] 中 "2027-01-02" 同时出现在 holidays 和 workdays 中',
        ),
        (
            '[years.2027]\nholidays = ["2027-01-01"]\nholiday = ["2027-01-02"]\n',
            'calendar.toml 的 [years.2027] 含未知项 "holiday"',
        ),
        (
            '[years.2027]\nholidays = ["2027-01-01", "2027-01-01"]\n',
            'calendar.toml 的 [years.2027] holidays 中的 "2027-01-01" 重复出现',
        ),
        (
            '[years.2027]\nholidays = ["2027-01-01"]\nworkdays = ["2027-01-04"]\n',
            'calendar.toml 的 [years.2027] workdays 中的 "2027-01-04" 是星期一，调休上班日应为周六或周日',
        ),
        ("[years.2027]\nworkdays = []\n", "calendar.toml 的 [years.2027] 缺少 holidays"),
        ('[yeras.2027]\nholidays = ["2027-01-01"]\n', 'calendar.toml 含未知项 "yeras"'),
        ('[years.abc]\nholidays = ["2027-01-01"]\n', "calendar.toml 中的 [years.abc] 不是有效年份"),
        ('[years.2027]\nholidays = ["2027-01-01"\n', "calendar.toml 格式有误，无法读取"),
    ],
    ids=[
        "bad-date",
        "outside-year",
        "both-lists",
        "unknown-key",
        "duplicate",
        "workday-not-weekend",
        "missing-holidays",
        "unknown-top-level",
        "bad-year",
        "toml-syntax",
    ],
)
def test_invalid_calendar_file_gives_chinese_error_and_drops_year(tmp_path, text, expected):
    cal = WorkCalendar(write(tmp_path, text))
    assert any(e.startswith(expected) for e in cal.load_errors), cal.load_errors
    # the bad year is ignored, so deadlines into it stay provisional instead of being wrong
    assert not cal.is_covered(2027)
    assert cal.due_within_workdays(datetime(2026, 12, 30, 10, 0), 3).provisional


def test_one_bad_year_does_not_discard_good_years(tmp_path):
    text = CAL_2027 + '\n[years.2028]\nholidays = ["2028-13-01"]\n'
    cal = WorkCalendar(write(tmp_path, text))
    assert cal.is_covered(2027) and not cal.is_covered(2028)
    assert len(cal.load_errors) == 1 and "2028-13-01" in cal.load_errors[0]


def test_missing_explicit_file_is_reported_not_raised(tmp_path):
    cal = WorkCalendar(tmp_path / "nope.toml")
    assert cal.load_errors and cal.load_errors[0].startswith("找不到节假日文件")
    assert cal.is_workday(date(2026, 10, 10))


# -- calendar-day periods and lateness -----------------------------------------


def test_within_a_week_moves_off_national_day_holiday(cal):
    # GIVEN receipt Mon 2026-09-28; 一周 = 7 calendar days → 10-05 (holiday)
    dl = cal.due_within_days(datetime(2026, 9, 28, 18, 0), 7)
    # THEN the deadline moves to the first working day after the holiday
    assert dl.due == date(2026, 10, 8)
    assert "顺延至2026年10月8日" in dl.basis and not dl.provisional


def test_within_a_week_on_ordinary_weekday(cal):
    dl = cal.due_within_days(datetime(2026, 11, 23, 10, 0), 7)
    assert dl == Deadline(date(2026, 11, 30), False, "2026年11月23日收到，自次日起7个自然日至2026年11月30日")


def test_within_days_into_uncovered_year_is_provisional(cal):
    assert cal.due_within_days(datetime(2026, 12, 28, 10, 0), 7).provisional


def test_workdays_late_skips_holidays_and_counts_makeup_days(cal):
    assert cal.workdays_late(date(2026, 9, 30), date(2026, 9, 30)) == 0
    assert cal.workdays_late(date(2026, 9, 30), date(2026, 9, 1)) == 0
    # 10-01..10-07 are holidays: only 10-08 and 10-09 count
    assert cal.workdays_late(date(2026, 9, 30), date(2026, 10, 9)) == 2
    # the make-up Saturday 10-10 counts as a late working day; Sunday 10-11 does not
    assert cal.workdays_late(date(2026, 10, 9), date(2026, 10, 11)) == 1


# -- report and caching ----------------------------------------------------------


def test_calendar_report_flags_uncovered_next_year(tmp_path):
    report = calendar_report(WorkCalendar(), today=date(2026, 11, 27))
    assert report["current_year_covered"] is True
    assert report["next_year_covered"] is False
    assert report["sources"][2026] == "chinese_calendar"
    assert report["load_errors"] == []
    assert len(report["warnings"]) == 1 and "2027年节假日安排尚未录入" in report["warnings"][0]

    write(tmp_path, CAL_2027)
    report = calendar_report(WorkCalendar.from_workspace(tmp_path), today=date(2026, 11, 27))
    assert report["next_year_covered"] is True
    assert report["sources"][2027] == "calendar.toml"
    assert report["file_sources"] == {2027: "测试用虚构安排"}
    assert report["warnings"] == []


def test_calendar_report_names_the_statutory_days_assumed_for_an_unpublished_year(tmp_path):
    # GIVEN today 2026-11-27 and 2027 not yet published
    report = calendar_report(WorkCalendar(), today=date(2026, 11, 27))
    # THEN the report lists the days assumed off, and the warning names them for the office
    assert {d["date"]: d["name"] for d in report["assumed_holidays"][2027]} == STATUTORY_2027
    [warning] = report["warnings"]
    assert "按法定节假日（元旦 1月1日；春节 2月5日–2月8日；清明节 4月5日；劳动节 5月1日–5月2日；" in warning
    assert "端午节 6月9日；中秋节 9月15日；国庆节 10月1日–10月3日）和周末推算" in warning
    assert "调休（补班、补休）未计入，标记为待核定" in warning
    # once the year is loaded nothing is assumed
    write(tmp_path, CAL_2027)
    assert calendar_report(WorkCalendar.from_workspace(tmp_path), today=date(2026, 11, 27))["assumed_holidays"] == {}


def test_docgen_calendar_says_which_days_are_assumed(ws, capsys):
    # GIVEN a workspace without calendar.toml on 2026-11-27
    code = main(["--workspace", str(ws.root), "calendar", "--today", "2026-11-27"])
    out = capsys.readouterr().out
    # THEN the command names 2027's assumed statutory days
    assert code == 0 and "2027年节假日安排尚未录入" in out and "春节 2月5日–2月8日" in out
    code = main(["--workspace", str(ws.root), "calendar", "--json", "--today", "2026-11-27"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["assumed_holidays"]["2027"][0] == {"date": "2027-01-01", "name": "元旦"}


def test_calendar_report_lists_load_errors(tmp_path):
    write(tmp_path, '[years.2027]\nholidays = ["2027-02-30"]\n')
    report = calendar_report(WorkCalendar.from_workspace(tmp_path), today=date(2026, 6, 1))
    assert len(report["load_errors"]) == 1 and "2027-02-30" in report["load_errors"][0]


def test_per_day_results_are_cached(cal, monkeypatch):
    calls = []
    real = wd.chinese_calendar.is_workday
    monkeypatch.setattr(wd.chinese_calendar, "is_workday", lambda d: calls.append(d) or real(d))
    for _ in range(5):
        cal.due_within_workdays(datetime(2026, 9, 30, 10, 0), 3)
    assert len(calls) == len(set(calls)) > 0


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('source = "x"\n[years.2027]\nholidays = [\n  "2027-01-01",\n  "2027-02-30",\n]\n', 5),
        ('[years.2027]\nholidays = ["2027-01-01"]\nworkdays = ["2027-01-04"]\n', 3),
        ('[years.2027]\nholidays = ["2027-01-01"]\nholiday = ["2027-01-02"]\n', 3),
        ('[years.2027]\nholidays = ["2027-01-01"\n', 2),  # TOML syntax: where the parser stopped
    ],
    ids=["bad-date", "weekday-workday", "unknown-key", "toml-syntax"],
)
def test_calendar_file_errors_name_their_line(tmp_path, text, line):
    cal = WorkCalendar(write(tmp_path, text))
    assert cal.load_errors and any(e.endswith(f"（第{line}行）") for e in cal.load_errors), cal.load_errors


def test_a_calendar_year_outside_2000_to_2100_is_refused(tmp_path):
    cal = WorkCalendar(write(tmp_path, "[years.1]\nholidays = []\n"))
    assert cal.load_errors and "[years.1] 不是有效年份" in cal.load_errors[0] and not cal.is_covered(1)
