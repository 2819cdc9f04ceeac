"""docgen.wording: the text each document prints for dates, times and money (golden strings)."""

from datetime import date, datetime, time
from decimal import Decimal

import pytest

from docgen.wording import (
    chinese_date,
    chinese_datetime,
    clock,
    day_of,
    money,
    money_in_words,
    received_at,
    received_text,
    to_uppercase,
)


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2026, 11, 27), "2026年11月27日"),
        (date(2027, 1, 1), "2027年1月1日"),
        (date(2026, 12, 31), "2026年12月31日"),
    ],
)
def test_chinese_date(day, text):
    assert chinese_date(day) == text


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2026, 11, 27, 14, 30), "2026年11月27日 14:30"),
        (datetime(2027, 1, 1, 0, 0), "2027年1月1日 00:00"),
        (datetime(2026, 11, 3, 9, 5), "2026年11月3日 09:05"),
    ],
)
def test_chinese_datetime(moment, text):
    assert chinese_datetime(moment) == text


def test_clock():
    assert clock(time(0, 0)) == "00:00"
    assert clock(time(9, 5)) == "09:05"
    assert clock(time(9, 5), pad_hour=False) == "9:05"
    assert clock(time(17, 30), pad_hour=False) == "17:30"


@pytest.mark.parametrize(
    ("amount", "unit", "text"),
    [
        (Decimal("0"), "", "0.00"),
        (Decimal("0.5"), "", "0.50"),
        (Decimal("10000"), "", "10,000.00"),
        (Decimal("1200.5"), "元", "1,200.50元"),
        (Decimal("1250"), " 元", "1,250.00 元"),
        ("1,200.50", "", "1,200.50"),
        ("300", "元", "300.00元"),
        (450, "", "450.00"),
    ],
)
def test_money(amount, unit, text):
    assert money(amount, unit) == text


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("0"), "0.00（零元整）"),
        (Decimal("0.5"), "0.50（伍角）"),
        (Decimal("10000.00"), "10,000.00（壹万元整）"),
        (Decimal("1200.50"), "1,200.50（壹仟贰佰元伍角）"),
    ],
)
def test_money_in_words(amount, text):
    assert money_in_words(amount) == text
    assert to_uppercase(amount) == text[text.index("（") + 1 : -1]


def test_money_in_words_with_unit():
    assert money_in_words(Decimal("1250"), " 元") == "1,250.00 元（壹仟贰佰伍拾元整）"


def test_day_of():
    assert day_of("2026-11-27") == date(2026, 11, 27)
    assert day_of("2027-01-01T00:00:00.000+08:00") == date(2027, 1, 1)  # the local day, not converted
    assert day_of("2026-11-27T23:59:59.999+08:00") == date(2026, 11, 27)
    with pytest.raises(ValueError):
        day_of("2026年11月27日")


def test_received_at_and_text():
    case = {"received_at": "2027-01-01T00:00:00", "time_known": True}
    assert received_at(case) == datetime(2027, 1, 1, 0, 0)
    assert received_text(case) == "2027年1月1日 00:00"
    assert received_text({**case, "time_known": False}) == "2027年1月1日"
    assert received_text({"received_at": "2026-11-25T14:30:00", "time_known": True}) == "2026年11月25日 14:30"
    assert received_text({"received_date": "2026-11-25"}) == "2026年11月25日"


def test_an_address_never_doubles_the_unit_a_clerk_wrote():
    # GIVEN 楼栋 written "1栋" on the 入住情况表 (issue 12 trial: "翠苑1栋栋202室" on the forms and notices)
    from docgen.wording import address, building_text

    assert address("翠苑", "1栋", "202") == address("翠苑", "1", "202室") == "翠苑1栋202室"
    assert address("翠苑", "A座", None) == "翠苑A座" and address("翠苑") == "翠苑"
    assert building_text("2号楼") == "2号楼" and building_text(" 3 ") == "3栋" and building_text(None) == ""
