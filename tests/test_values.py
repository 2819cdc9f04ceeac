"""docgen.forms.values: what a clerk typed → a value, or a Chinese reason it cannot be read."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest

from docgen.forms import values as v
from docgen.forms.register import CATEGORIES, CHANNELS, REGISTER

TODAY = date(2026, 5, 20)  # the day the form is processed; "11月3日" belongs to this year
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
    assert v.parse_date(raw, today=date(2027, 1, 4)) == date(2027, 11, 3)


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
    [(0.0, time(0, 0)), (0.5, time(12, 0)), (0.375, time(9, 0)), (9.5 / 24, time(9, 30)),
     (0.3958333333, time(9, 30)), (14 / 24 + 5 / 1440, time(14, 5))],
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


@pytest.mark.parametrize("raw", ["是", " 是 ", "Y", "y", "yes", "YES", "True", True, "√", "✓", "1", 1, 1.0, "重大", "是的"])
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


@pytest.mark.parametrize("raw, part", [("abc", "不是金额"), ("一千二百元", "不是金额"), ("-5", "负数"), (True, "不是金额")])
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
    assert v.shown("x" * 50) == "x" * 40 + "…"


def test_half_hours_and_midnight_in_words():
    assert v.parse_time("下午3点半") == time(15, 30)
    assert v.parse_time("晚上12点") == time(0, 0)
