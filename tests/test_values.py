"""docgen.forms.values: what a clerk typed → a value, or a Chinese reason it cannot be read."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest

from docgen.forms import values as v
from docgen.forms.register import CATEGORIES, CHANNELS, REGISTER

TODAY = date(2026, 11, 20)  # the day the form is processed; "11月3日" belongs to this year
NOV_3 = date(2026, 11, 3)


def refused(parser, raw, *args, **kwargs) -> str:
    """The Chinese message of the refusal (fails the test if the value is accepted)."""
    with pytest.raises(v.Unparsable) as caught:
        parser(raw, *args, **kwargs)
    assert caught.value.message == str(caught.value)
    return caught.value.message


def register_spec(key: str):
    return next(spec for spec in REGISTER.line_fields if spec.key == key)


# ----------------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "raw",
    [
        "2026/11/3",
        "2026年11月3日",
        "2026-11-03",
        "2026.11.3",
        "2026-11-3",
        "2026 年 11 月 3 日",
        "2026年11月3号",
        "２０２６年１１月３日",  # full-width digits, as a Chinese input method types them
        "２０２６／１１／３",
        "　2026/11/3　",  # ideographic spaces around it
        "20261103",
    ],
)
def test_dates_written_with_a_year(raw):
    assert v.parse_date(raw, today=TODAY) == NOV_3


@pytest.mark.parametrize("raw", ["11月3日", "11月3号", "１１月３日", "11 月 3 日"])
def test_month_and_day_take_the_year_of_today(raw):
    # GIVEN a date written without a year WHEN it is read THEN it is in the year of `today`
    assert v.parse_date(raw, today=TODAY) == NOV_3
    assert v.parse_date(raw, today=date(2027, 12, 4)) == date(2027, 11, 3)


@pytest.mark.parametrize("raw", [46329, 46329.0, "46329", "46329.0", "４６３２９"])
def test_excel_serials_as_numbers_and_as_text(raw):
    # 46329 is 2026-11-03 in Excel's 1900 date system (what a cell shows when its date format is lost)
    assert v.parse_date(raw, today=TODAY) == NOV_3


def test_excel_serial_with_a_fraction_carries_the_time_of_day():
    assert v.parse_datetime_parts(46329.375, today=TODAY) == (NOV_3, time(9, 0))
    assert v.parse_datetime_parts(46329, today=TODAY) == (NOV_3, None)


def test_datetime_and_date_objects():
    assert v.parse_date(datetime(2026, 11, 3, 0, 0), today=TODAY) == NOV_3
    assert v.parse_date(NOV_3, today=TODAY) == NOV_3
    assert v.parse_datetime_parts(datetime(2026, 11, 3, 14, 5), today=TODAY) == (NOV_3, time(14, 5))
    assert v.parse_datetime_parts(datetime(2026, 11, 3), today=TODAY) == (NOV_3, None)


def test_date_followed_by_a_time():
    assert v.parse_datetime_parts("2026-11-03 9:30", today=TODAY) == (NOV_3, time(9, 30))
    assert v.parse_datetime_parts("2026年11月3日 下午2点", today=TODAY) == (NOV_3, time(14, 0))


@pytest.mark.parametrize("raw", ["11/3", "3/11/2026", "11-3", "11/03/26"])
def test_ambiguous_dates_are_refused_listing_the_accepted_formats(raw):
    # GIVEN "11/3" (3 November or 11 March?) WHEN read THEN refused, never guessed
    message = refused(v.parse_date, raw, today=TODAY)
    assert f"“{raw}”" in message
    assert "无法确定是哪一天" in message
    for accepted in ("2026-11-03", "2026/11/3", "2026.11.3", "2026年11月3日", "11月3日"):
        assert accepted in message


@pytest.mark.parametrize("raw", ["2026-02-30", "2026年13月1日", "2026/4/31", "2月30日"])
def test_impossible_dates_are_refused(raw):
    message = refused(v.parse_date, raw, today=TODAY)
    assert message == f"“{raw}”不是有效日期"


@pytest.mark.parametrize("raw", ["下周一", "abc", "2026年"])
def test_text_that_is_no_date_is_refused(raw):
    message = refused(v.parse_date, raw, today=TODAY)
    assert f"“{raw}”" in message and "2026年11月3日" in message


@pytest.mark.parametrize("raw", [12, 1.5, "3.11", "123456", 80000])
def test_numbers_outside_the_plausible_serial_range_are_no_dates(raw):
    # "3.11" reads as a number, and 3 is no plausible Excel date: refused, formats listed
    message = refused(v.parse_date, raw, today=TODAY)
    assert message.startswith(f"“{raw}”不是")
    assert "2026-11-03" in message and "11月3日" in message


def test_blank_date_is_refused():
    assert refused(v.parse_date, "  ", today=TODAY) == "未填写日期"


def test_chinese_date_writes_dates_in_full():
    assert v.chinese_date(date(2026, 11, 26)) == "2026年11月26日"
    assert v.chinese_date(date(2026, 1, 5)) == "2026年1月5日"


# ----------------------------------------------------------------------------------- times


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("9:30", time(9, 30)),
        ("09:30", time(9, 30)),
        ("9：30", time(9, 30)),  # full-width colon
        ("14:05:30", time(14, 5, 30)),
        ("下午2点", time(14, 0)),
        ("上午9点", time(9, 0)),
        ("晚上8点", time(20, 0)),
        ("中午12点", time(12, 0)),
        ("14时05分", time(14, 5)),
        ("14点05分", time(14, 5)),
        ("１４：０５", time(14, 5)),
        (time(9, 30, 15, 500), time(9, 30, 15)),
        (datetime(2026, 11, 3, 16, 45), time(16, 45)),
    ],
)
def test_times(raw, expected):
    assert v.parse_time(raw) == expected


@pytest.mark.parametrize(
    "fraction, expected",
    [
        (0.0, time(0, 0)),
        (0.5, time(12, 0)),
        (0.375, time(9, 0)),
        (9.5 / 24, time(9, 30)),
        (0.3958333333, time(9, 30)),
        (14 / 24 + 5 / 1440, time(14, 5)),
    ],
)
def test_fraction_of_a_day_as_excel_stores_times(fraction, expected):
    assert v.parse_time(fraction) == expected


@pytest.mark.parametrize("raw", ["25:00", "9:75", "abc", "明天", "1.5"])
def test_what_is_no_time_is_refused(raw):
    message = refused(v.parse_time, raw)
    assert f"“{raw}”" in message
    assert "不是时间" in message or "不是有效时间" in message


# ----------------------------------------------------------------------------------- phones


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        ("１３８　００１３　８０００", "13800138000"),
        ("+86 13800138000", "13800138000"),
        ("+86-138-0013-8000", "13800138000"),
        ("008613800138000", "13800138000"),
        (13800138000, "13800138000"),
        (13800138000.0, "13800138000"),  # what Excel keeps when the cell is a number
        ("0591-87654321", "0591-87654321"),
        ("(0591)87654321", "0591-87654321"),
        ("（0591）87654321", "0591-87654321"),
        ("0591 87654321", "0591-87654321"),
        ("059187654321", "0591-87654321"),
        ("010 12345678", "010-12345678"),
        ("01012345678", "010-12345678"),
        ("021-12345678", "021-12345678"),
        ("0591-87654321转808", "0591-87654321转808"),
        ("0591-87654321 分机 808", "0591-87654321转808"),
        ("400-123-4567", "4001234567"),
    ],
)
def test_phone_numbers_are_normalised(raw, expected):
    assert v.parse_phone(raw) == expected


@pytest.mark.parametrize("raw", ["1380013800", "138001380001", "12345", "23800138000", "abc", "王先生", "138OO138000"])
def test_what_is_no_phone_number_is_refused(raw):
    message = refused(v.parse_phone, raw)
    assert f"“{raw}”" in message
    assert "11位手机号" in message and "0591-87654321" in message


# ----------------------------------------------------------------------------------- choices


def test_choice_exact_and_with_stray_spaces():
    assert v.parse_choice("来访", CHANNELS) == "来访"
    assert v.parse_choice(" 来 访 ", CHANNELS) == "来访"
    assert v.parse_choice("物业公司转交\u3000", CHANNELS) == "物业公司转交"


@pytest.mark.parametrize(
    "key, raw, expected",
    [
        ("channel", "电话", "来电"),
        ("channel", "热线", "来电"),
        ("channel", "上门", "来访"),
        ("channel", "物业公司", "物业公司转交"),
        ("category", "报修", "维修"),
        ("category", "工程质量", "施工质量"),
        ("category", "物 业", "物业服务"),
    ],
)
def test_choice_synonyms_of_the_register(key, raw, expected):
    # GIVEN what clerks write for a choice WHEN read with the field's synonyms THEN the defined choice
    spec = register_spec(key)
    assert v.parse_choice(raw, spec.meta.choices, spec.meta.value_synonyms) == expected


def test_unknown_choice_is_refused_listing_the_choices():
    message = refused(v.parse_choice, "投诉", CATEGORIES, register_spec("category").meta.value_synonyms)
    assert message == "“投诉”不是可选项；应为以下之一：维修、设计、施工质量、销售服务、物业服务、其他"


def test_synonym_is_not_used_without_synonyms():
    refused(v.parse_choice, "电话", CHANNELS)


# ----------------------------------------------------------------------------------- yes / no


@pytest.mark.parametrize(
    "raw", ["是", " 是 ", "Y", "y", "yes", "YES", "True", True, "√", "✓", "1", 1, 1.0, "重大", "是的"]
)
def test_yes(raw):
    assert v.parse_yes_no(raw) is True


@pytest.mark.parametrize("raw", ["否", "N", "no", "FALSE", False, "×", "0", 0, "不是", "非重大", "一般"])
def test_no(raw):
    assert v.parse_yes_no(raw) is False


@pytest.mark.parametrize("raw", ["也许", "待定", "2"])
def test_neither_yes_nor_no_is_refused(raw):
    assert refused(v.parse_yes_no, raw) == f"“{raw}”无法判断；应填写“是”或“否”"


# ----------------------------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("1,200.50", Decimal("1200.50")),
        ("1，200.50", Decimal("1200.50")),
        ("1200元", Decimal("1200.00")),
        ("1200元整", Decimal("1200.00")),
        ("￥1200", Decimal("1200.00")),
        ("¥1,200.5", Decimal("1200.50")),
        ("１２００", Decimal("1200.00")),
        (1200, Decimal("1200.00")),
        (1200.5, Decimal("1200.50")),
        (0.1 + 0.2, Decimal("0.30")),
        ("0", Decimal("0.00")),
    ],
)
def test_amounts(raw, expected):
    parsed = v.parse_amount(raw)
    assert parsed == expected
    assert parsed.as_tuple().exponent == -2  # always to the fen


@pytest.mark.parametrize(
    "raw, part", [("abc", "不是金额"), ("一千二百元", "不是金额"), ("-5", "负数"), (True, "不是金额")]
)
def test_what_is_no_amount_is_refused(raw, part):
    assert part in refused(v.parse_amount, raw)


# ----------------------------------------------------------------------------------- text


def test_text_is_trimmed_and_whole_numbers_lose_their_point():
    assert v.parse_text("  卫生间漏水 \r\n地漏返水  ") == "卫生间漏水 \n地漏返水"
    assert v.parse_text(1502.0) == "1502"
    assert v.parse_text(3) == "3"


def test_text_too_long_and_dates_in_text_fields_are_refused():
    assert refused(v.parse_text, "漏" * 11, max_length=10) == "内容过长（11字），最多10字"
    assert "是日期" in refused(v.parse_text, datetime(2026, 11, 3))


def test_blank_and_normalisation():
    assert v.is_blank(None) and v.is_blank("") and v.is_blank(" \u3000 ")
    assert not v.is_blank("0") and not v.is_blank(0)
    assert v.normalize_text("ＡＢＣ１２３") == "ABC123"
    # a number copied out of docgen's own Word documents carries invisible joiners around its hyphens
    assert v.normalize_text("KF\u2060-\u20602026\u2060-\u206000005") == "KF-2026-00005"
    assert v.normalize_text("KF\u20112026\u201100005\ufeff") == "KF-2026-00005"
    assert v.shown("x" * 50) == "x" * 40 + "…"


def test_half_hours_and_midnight_in_words():
    assert v.parse_time("下午3点半") == time(15, 30)
    assert v.parse_time("晚上12点") == time(0, 0)


# ----------------------------------------------------------------------------------- the date window
# Issue 8 §3: "1026-11-03" became case KF-1026-00001 and 0001-01-01 became KF-1-00001. Every way a date
# is written (text, a date cell, an Excel serial) is held to one window: 2000-01-01 to today, or two
# years ahead for a date agreed or due.


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("1026-11-03", "1026-11-03"),
        ("１０２６年１１月３日", "１０２６年１１月３日"),
        ("0001-01-01", "0001-01-01"),
        ("1999-12-31", "1999-12-31"),
        ("19991231", "19991231"),
        (date(1999, 12, 31), "1999年12月31日"),  # a date cell is quoted as the day it holds, never with a time
        (datetime(1899, 12, 29), "1899年12月29日"),
        ("2206-11-03", "2206-11-03"),
        (datetime(2099, 1, 1), "2099年1月1日"),
    ],
)
def test_dates_outside_the_plausible_window_are_refused_asking_to_check_the_year(raw, shown):
    message = refused(v.parse_date, raw, today=TODAY)
    assert message == f"日期“{shown}”不在合理范围（2000年1月1日至今天）内，请检查年份"


def test_a_date_after_today_is_refused_as_such_when_no_future_is_allowed():
    assert (
        refused(v.parse_date, "2026-11-21", today=TODAY)
        == "日期“2026-11-21”晚于今天（2026年11月20日）；请填写实际的日期"
    )
    # "12月30日" written on 4 January means last year's; read as this year's it is ahead, and refused
    assert "晚于今天" in refused(v.parse_date, "12月30日", today=date(2027, 1, 4))
    assert v.parse_date("2026-11-20", today=TODAY) == TODAY and v.parse_date("2000-01-01", today=TODAY) == date(
        2000, 1, 1
    )


def test_dates_agreed_or_due_may_lie_up_to_two_years_ahead():
    assert v.parse_date("2028-11-20", today=TODAY, future=True) == date(2028, 11, 20)
    message = refused(v.parse_date, "2028-11-21", today=TODAY, future=True)
    assert message == "日期“2028-11-21”不在合理范围（2000年1月1日至2028年11月20日）内，请检查年份"
    assert "2000年1月1日" in refused(v.parse_date, "1026-11-03", today=TODAY, future=True)


def test_excel_serials_are_held_to_the_same_window():
    first, today = 36526, (TODAY - date(1899, 12, 30)).days  # 2000-01-01 and today as serials
    assert v.parse_date(first, today=TODAY) == date(2000, 1, 1) and v.parse_date(today, today=TODAY) == TODAY
    assert v.parse_date(today + 0.99, today=TODAY) == TODAY
    for outside in (first - 1, today + 1, str(today + 1), 2958466, -1, 1e308, 10**400):
        assert refused(v.parse_date, outside, today=TODAY).startswith(f"“{outside}”不是日期"[:12])
    assert v.parse_date(today + 700, today=TODAY, future=True) == TODAY + timedelta(days=700)


def test_which_fields_may_be_in_the_future():
    from docgen.steps import FORMS

    future = {
        (form.form_id, spec.key)
        for form in FORMS.values()
        for spec in form.header_fields + form.line_fields + [s for t in form.tables for s in t.fields]
        if spec.meta.future
    }
    assert future == {
        ("CS-SURVEY", "agreed_completion"),
        ("CS-MINUTES", "due"),
        ("CS-MAJOR", "due"),
        ("NC-RECORD", "due"),  # the corrective action's 完成期限
        ("NC-RECORD", "new_due"),  # 重新整改期限 after an 无效 verification
        ("PL-PROJECTS", "start_on"),  # the annual plan's 计划开工/竣工/交付日期 (PL-3.2.4)
        ("PL-PROJECTS", "completion_on"),
        ("PL-PROJECTS", "delivery_on"),
    }


# ----------------------------------------------------------------------------------- poison values
# Issue 8 §2: each of these raised OverflowError or ValueError past the parsers' callers.

POISON_FLOATS = [float("inf"), float("-inf"), float("nan"), 1e308, -1e308]


@pytest.mark.parametrize(
    "raw",
    [
        *POISON_FLOATS,
        "inf",
        "nan",
        "Infinity",
        "1" + "0" * 400,
        "9" * 400,
        "9" * 400 + ".5",
        10**400,
        pytest.param(10**5000, id="10**5000"),
        "\x00",
        "8" * 100_000,
    ],
)
def test_poison_in_a_date_is_refused(raw):
    message = refused(v.parse_date, raw, today=TODAY)
    assert "不是日期" in message or "无法确定是哪一天" in message
    assert len(message) < 200


@pytest.mark.parametrize("raw", [0.9999999, 0.99999999999, 1 - 1e-16])
def test_a_fraction_of_a_day_that_rounds_to_midnight_is_no_time(raw):
    assert refused(v.parse_time, raw).startswith(f"“{raw}”不是有效时间（已到24:00）")
    assert v.parse_time(0.99998) == time(23, 59, 58)


def test_a_time_cell_read_as_a_time_rounds_to_the_second_as_excel_shows_it():
    # 0.9999999 in an hh:mm cell reaches the parser as 23:59:59.991 (openpyxl and the package reader
    # convert it first): truncated it was accepted as 23:59:59, after the cut-off
    almost_midnight = time(23, 59, 59, 991_360)
    assert refused(v.parse_time, almost_midnight).endswith("不是有效时间（已到24:00）；请填写如 9:30、14:05 或 下午2点")
    assert refused(v.parse_time, datetime(2026, 11, 3, 23, 59, 59, 991_360)).endswith("请填写如 9:30、14:05 或 下午2点")
    assert v.parse_time(time(9, 29, 59, 600_000)) == time(9, 30)
    assert v.parse_time(datetime(2026, 11, 3, 14, 5, 0, 200_000)) == time(14, 5)


@pytest.mark.parametrize(
    "raw",
    [
        *POISON_FLOATS,
        -1,
        "0.9999999",
        datetime(1899, 12, 29),
        datetime(1899, 12, 31, 12),
        pytest.param(10**5000, id="10**5000"),
        "9:" + " " * 50_000 + "x",
    ],
)
def test_poison_in_a_time_is_refused(raw):
    assert "时间" in refused(v.parse_time, raw)


@pytest.mark.parametrize(
    "raw",
    [
        *POISON_FLOATS,
        "1e9999999",
        "-1e9999999",
        "1e-9999999",
        "sNaN",
        "Infinity",
        Decimal("1e999999999"),
        Decimal("NaN"),
        pytest.param(10**5000, id="10**5000"),
        "1" + " " * 50_000 + "一",
        "9" * 400,
        "1" + "0" * 400,
    ],
)
def test_poison_in_an_amount_or_a_quantity_is_refused(raw):
    for parser in (v.parse_amount, v.parse_number):
        try:
            value = parser(raw)
        except v.Unparsable:
            continue
        assert raw == "1e-9999999" and value == 0 and value.as_tuple().exponent >= -2  # far below a fen: 0


def test_negative_zero_is_zero():
    assert str(v.parse_amount("-0")) == "0.00" and str(v.parse_number("-0.0")) == "0.0"
    assert v.parse_number(5.551115123125783e-17) == 0  # =0.1+0.2-0.3 in Excel


@pytest.mark.parametrize(
    "parser", [v.parse_time, v.parse_phone, v.parse_amount, v.parse_number, lambda raw: v.parse_date(raw, today=TODAY)]
)
def test_a_long_cell_is_refused_at_once_whatever_it_holds(parser):
    # patterns with neighbouring \s* took minutes on 50,000 spaces (the watcher's time limit does not
    # cover validation); anything longer than a value can be is refused before a pattern sees it
    import time as clock

    started = clock.perf_counter()
    for raw in ("9:" + " " * 50_000 + "x", "1" + " " * 50_000 + "一", "1 " * 30_000 + "x", "下午" * 20_000):
        refused(parser, raw)
    assert clock.perf_counter() - started < 1
