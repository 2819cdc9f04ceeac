"""docgen.forms.amounts: 人民币大写 written and read, by the PBoC rules for filling amounts."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from docgen.forms import values as v
from docgen.forms.amounts import from_uppercase, to_uppercase

KNOWN = [
    ("0", "零元整"),
    ("0.50", "伍角"),
    ("0.05", "伍分"),
    ("0.55", "伍角伍分"),
    ("1", "壹元整"),
    ("1.05", "壹元零伍分"),
    ("1.50", "壹元伍角"),
    ("10", "壹拾元整"),
    ("15", "壹拾伍元整"),
    ("100", "壹佰元整"),
    ("1005", "壹仟零伍元整"),
    ("1200", "壹仟贰佰元整"),
    ("1200.50", "壹仟贰佰元伍角"),
    ("1409.50", "壹仟肆佰零玖元伍角"),
    ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
    ("6007.14", "陆仟零柒元壹角肆分"),
    ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
    ("100005", "壹拾万零伍元整"),
    ("107000.53", "壹拾万柒仟元伍角叁分"),
    ("1000500", "壹佰万零伍佰元整"),
    ("1070000", "壹佰零柒万元整"),
    ("10007000", "壹仟万柒仟元整"),
    ("100000000", "壹亿元整"),
    ("100000005", "壹亿零伍元整"),
    ("100050000", "壹亿零伍万元整"),
    ("1000000700", "壹拾亿零柒佰元整"),
    ("999999999999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
]


@pytest.mark.parametrize("amount, upper", KNOWN)
def test_known_values_are_written(amount, upper):
    assert to_uppercase(Decimal(amount)) == upper


@pytest.mark.parametrize("amount, upper", KNOWN)
def test_known_values_are_read(amount, upper):
    read = from_uppercase(upper)
    assert read == Decimal(amount)
    assert read.as_tuple().exponent == -2


def _sample() -> list[Decimal]:
    rng = random.Random(20260520)
    edges = [
        0,
        1,
        5,
        10,
        50,
        100,
        105,
        1000,
        1005,
        1010,
        1100,
        10000,
        10001,
        10010,
        10100,
        100005,
        107000,
        1000500,
        1070000,
        10007000,
        100000000,
        100000005,
        100050000,
        1000000700,
        999999999999,
    ]
    cents = [e * 100 + c for e in edges for c in (0, 5, 10, 50, 55, 99)]
    for _ in range(5000 - len(cents)):
        # Mostly sparse digits (zeros are where the 零 rules bite), over every magnitude.
        width = rng.randint(1, 14)
        digits = [rng.choice("0000123456789") for _ in range(width)]
        cents.append(int("".join(digits)))
    return [Decimal(c).scaleb(-2) for c in cents]


def test_round_trip_of_five_thousand_amounts():
    sample = _sample()
    assert len(sample) == 5000
    for amount in sample:
        assert from_uppercase(to_uppercase(amount)) == amount, amount


@pytest.mark.parametrize(
    "text, expected",
    [
        ("人民币壹仟贰佰元整", "1200"),
        ("人民币：壹仟贰佰元整", "1200"),
        ("壹仟贰佰圆整", "1200"),
        ("壹仟贰佰元正", "1200"),
        (" 壹仟 贰佰元 整 ", "1200"),
        ("壹元伍角整", "1.50"),
        ("拾元整", "10"),
        ("拾万元整", "100000"),
        ("壹仟陆佰捌拾元零叁角贰分", "1680.32"),  # the optional 零 after 元
        ("壹拾万零柒仟元伍角叁分", "107000.53"),  # the optional 零 across 万
        ("壹仟伍拾元整", "1050"),  # missing 零, but the units say it all
        ("零元伍角", "0.50"),
        ("壹元零角伍分", "1.05"),
        ("壹萬貳仟圓整", "12000"),
    ],
)
def test_reading_is_tolerant(text, expected):
    assert from_uppercase(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text, part",
    [
        ("一千二百元", "大写"),
        ("壹仟贰佰元整", None),
        ("壹仟两佰元整", "大写"),
        ("壹仟伍元整", "不知是哪一位"),
        ("壹万伍元整", "不知是哪一位"),
        ("壹仟零伍佰元整", "零"),
        ("壹元零伍角", "零"),
        ("壹仟贰佰", "元"),
        ("壹佰壹仟元整", "顺序"),
        ("壹拾零元", "零"),
        ("壹仟零零伍元整", "零"),
        ("整", "整"),
        ("壹仟元整伍角", "整"),
        ("1.2万元", "不是大写金额"),
        ("", "未填写"),
        ("壹亿万元整", "万"),
    ],
)
def test_what_is_no_uppercase_amount_is_refused(text, part):
    if part is None:
        from_uppercase(text)
        return
    with pytest.raises(ValueError) as caught:
        from_uppercase(text)
    assert part in str(caught.value)


@pytest.mark.parametrize(
    "amount, part", [("-1", "负数"), ("1.005", "分"), ("1000000000000", "过大"), ("NaN", "不是金额")]
)
def test_what_cannot_be_written_is_refused(amount, part):
    with pytest.raises(ValueError) as caught:
        to_uppercase(Decimal(amount))
    assert part in str(caught.value)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("壹仟贰佰元伍角", Decimal("1200.50")),
        ("人民币壹拾万零伍元整", Decimal("100005.00")),
        ("1200元整", Decimal("1200.00")),
    ],
)
def test_parse_amount_reads_uppercase(raw, expected):
    assert v.parse_amount(raw) == expected


def test_parse_amount_refuses_bad_uppercase_with_the_reason():
    with pytest.raises(v.Unparsable) as caught:
        v.parse_amount("壹仟伍元")
    assert "不知是哪一位" in caught.value.message
    with pytest.raises(v.Unparsable) as caught:
        v.parse_amount("一千二百元")
    assert "大写" in caught.value.message and "不是金额" in caught.value.message
