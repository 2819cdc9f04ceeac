"""Chinese financial uppercase amounts (人民币大写), as written on 《维修工程决算书》/《维修工程结算书》.

Follows the People's Bank of China rules for filling amounts on bills (《正确填写票据和结算凭证的基本规定》):

Writing (``to_uppercase``):

* digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟万亿, then 元角分; ``Decimal("10")`` → 壹拾元整 (always 壹拾).
* 整: written after 元 only (壹仟贰佰元整). An amount ending in 角 is written without 整
  (壹元伍角) — the rules say 整 "may be omitted" after 角 — and 分 is never followed by 整.
* 零: one 零 for a run of zeros between non-zero digits (1005 → 壹仟零伍元整); one 零 when a 万/亿
  section starts with zero or a whole section is zero (100005 → 壹拾万零伍元整, 1000500 →
  壹佰万零伍佰元整, 100000005 → 壹亿零伍元整); no 零 when only the 万 digit is zero and the 仟
  digit is not (107000 → 壹拾万柒仟元整, which the rules allow). After 元: 零 only when 角 is zero
  and 分 is not (1.05 → 壹元零伍分; 1680.32 → 壹仟陆佰捌拾元叁角贰分). Integer part zero: no 元
  (0.50 → 伍角, 0.05 → 伍分), and 0 → 零元整.

Reading (``from_uppercase``) is tolerant of what the rules allow and of harmless variants: a
"人民币" prefix, 圆 for 元, 正 for 整, 整 after 角 (or after 分), spaces, a leading bare 拾 (拾元整),
traditional 貳陸萬億, the optional 零s (壹仟陆佰捌拾元零叁角贰分, 壹拾万零柒仟元整), and missing 零s
where the units say it all (壹仟伍拾元整). It refuses what is ambiguous or wrong: lowercase numerals
(一二三…十百千, 两, 〇, 另, 毛), a trailing bare digit after 佰/仟/万/亿 (壹仟伍 — 1005 or 1500?),
a 零 where no digit is skipped (壹仟零伍佰), units out of order, and a missing 元.

Both raise ``values.Unparsable`` (a ``ValueError``) with a Chinese message, and nothing else, whatever
they are given.
"""

from __future__ import annotations

import re
from decimal import Decimal

from docgen.forms.values import MAX_VALUE_LENGTH, Unparsable, safe_str

DIGITS = "零壹贰叁肆伍陆柒捌玖"
UNITS = {"拾": 1, "佰": 2, "仟": 3}
SECTIONS = {"亿": 8, "万": 4}
MAX_AMOUNT = Decimal("999999999999.99")
CENT = Decimal("0.01")

_VARIANTS = str.maketrans({"圓": "元", "圆": "元", "正": "整", "貳": "贰", "陸": "陆", "萬": "万", "億": "亿"})
_LOWERCASE = set("一二三四五六七八九十百千两〇○另毛廿念")
_ALLOWED = set(DIGITS) | set(UNITS) | set(SECTIONS) | set("元角分整")


# ---------------------------------------------------------------- writing


def _section(n: int) -> str:
    """A number below 10000 written with 拾佰仟, one 零 for inner zeros, none at either end."""
    out, zero = "", False
    for exp in (3, 2, 1, 0):
        d = n // 10**exp % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += DIGITS[d] + ("", "拾", "佰", "仟")[exp]
    return out


def to_uppercase(amount: Decimal) -> str:
    """``Decimal("1200.50")`` → 壹仟贰佰元伍角; ``Decimal("1200")`` → 壹仟贰佰元整 (see module doc)."""
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except (ArithmeticError, ValueError):  # decimal.InvalidOperation; str() of an int over 4300 digits
        raise Unparsable(f"“{safe_str(amount)[:40]}”不是金额") from None
    if not value.is_finite():
        raise Unparsable(f"“{value}”不是金额")
    if value < 0:
        raise Unparsable(f"“{value}”为负数；金额不能为负")
    if value and value.adjusted() > MAX_AMOUNT.adjusted():  # before quantize(), which would overflow
        raise Unparsable(f"“{value}”过大；最多 999,999,999,999.99")
    cents = value.quantize(CENT) if value.adjusted() >= -6 else Decimal(0).quantize(CENT)
    if cents != value:
        raise Unparsable(f"“{value}”超出分位；金额只能精确到分")
    if cents > MAX_AMOUNT:
        raise Unparsable(f"“{value}”过大；最多 999,999,999,999.99")
    fen_total = int(cents * 100)
    whole, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10

    out, pending_zero = "", False
    for section, mark in ((whole // 10**8, "亿"), (whole // 10**4 % 10**4, "万"), (whole % 10**4, "")):
        if section == 0:
            pending_zero = bool(out)
            continue
        if out and (pending_zero or section < 1000):
            out += "零"
        pending_zero = False
        out += _section(section) + mark
    if whole:
        out += "元"
    if jiao == fen == 0:
        return out + "整" if whole else "零元整"
    if jiao:
        out += DIGITS[jiao] + "角"
    if fen:
        out += ("零" if whole and not jiao else "") + DIGITS[fen] + "分"
    return out


# ---------------------------------------------------------------- reading


def from_uppercase(text: str) -> Decimal:
    """壹仟贰佰元整 → ``Decimal("1200.00")``; ``Unparsable`` with a Chinese message otherwise."""
    text = text if isinstance(text, str) else "" if text is None else safe_str(text)
    shown = text.strip()
    if len(shown) > 40:
        shown = shown[:40] + "…"
    s = re.sub(r"\s+", "", text.replace("\u3000", " ")).translate(_VARIANTS)
    s = re.sub(r"^人民币[:：]?", "", s)
    if not s:
        raise Unparsable("未填写金额")
    if len(s) > MAX_VALUE_LENGTH:
        raise Unparsable(f"“{shown}”不是大写金额：内容过长；应写如 壹仟贰佰元伍角")
    if any(c in _LOWERCASE for c in s):
        raise Unparsable(
            f"“{shown}”不是金额：中文金额须用大写数字（零壹贰叁肆伍陆柒捌玖拾佰仟），"
            "不能用一二三、十百千等小写数字；或填写阿拉伯数字，如 1200.50"
        )
    stray = [c for c in s if c not in _ALLOWED]
    if stray:
        raise Unparsable(f"“{shown}”不是大写金额：含有“{stray[0]}”；应写如 壹仟贰佰元伍角")

    def bad(reason: str) -> Unparsable:
        return Unparsable(f"“{shown}”不是有效的大写金额：{reason}")

    if s.endswith("整"):
        s = s[:-1]
        if not s or s[-1] not in "元角分":
            raise bad("“整”只能写在“元”或“角”之后")
    if "整" in s:
        raise bad("“整”只能写在末尾")
    if s.count("元") > 1:
        raise bad("“元”出现了不止一次")
    if "元" in s:
        int_text, dec_text = s.split("元")
        if not int_text:
            raise bad("“元”前没有数字")
    elif "角" in s or "分" in s:
        int_text, dec_text = "", s
    else:
        raise bad("缺少“元”；应写如 壹仟贰佰元整")

    # Items in order: (digit, exponent) with 10**exponent yuan, or None for a written 零.
    items: list[tuple[int, int] | None] = []
    if int_text == "零":
        int_text = ""
    elif int_text:
        _read_integer(int_text, items, bad)
    _read_decimal(dec_text, items, bad)

    # A written 零 must stand between two digits with at least one skipped position between them.
    for i, item in enumerate(items):
        if item is not None:
            continue
        before = items[i - 1] if i else None
        after = items[i + 1] if i + 1 < len(items) else None
        if after is None:
            raise bad("“零”后面缺少数字")
        if before is None:
            if i == 0 and int_text == "" and after[1] < 0:
                continue  # 零元零伍分 / 零伍分: an integer part of zero, tolerated
            raise bad("“零”的位置不对")
        if after[1] >= before[1] - 1:
            raise bad("“零”的位置不对（两个数位之间没有空位）")
    digits = [item for item in items if item is not None]
    for higher, lower in zip(digits, digits[1:]):
        if lower[1] >= higher[1]:
            raise bad("数位顺序不对")
    value = sum((Decimal(d).scaleb(e) for d, e in digits), Decimal(0))
    if value > MAX_AMOUNT:
        raise bad("金额过大；最多 999,999,999,999.99")
    return value.quantize(CENT)


def _read_integer(text: str, items: list, bad) -> None:
    segments: list[tuple[str, int]] = []
    rest = text
    for mark, base in SECTIONS.items():
        if rest.count(mark) > 1:
            raise bad(f"“{mark}”出现了不止一次")
        if mark in rest:
            head, rest = rest.split(mark)
            if head.strip("零") == "":
                raise bad(f"“{mark}”前没有数字")
            segments.append((head, base))
    segments.append((rest, 0))
    for segment, base in segments:
        if segment.endswith("零"):
            raise bad("“零”不能写在“万”“亿”“元”之前")
        i = 0
        while i < len(segment):
            c = segment[i]
            if c == "零":
                if items and items[-1] is None:
                    raise bad("“零”重复")
                items.append(None)
                i += 1
                continue
            if c == "拾" and not items and base == segments[0][1] and i == 0:
                items.append((1, base + 1))  # 拾元整, 拾万元整: a leading bare 拾 is 壹拾
                i += 1
                continue
            if c not in DIGITS:
                raise bad(f"“{c}”前缺少数字")
            digit = DIGITS.index(c)
            unit = segment[i + 1] if i + 1 < len(segment) else ""
            if unit in UNITS:
                items.append((digit, base + UNITS[unit]))
                i += 2
                continue
            if unit:
                raise bad(f"“{c}{unit}”不成数位")
            # A bare digit: the ones of its section. After 佰/仟/万/亿 without 零 it is ambiguous
            # (壹仟伍 reads as 1500 in speech), so it is refused.
            previous = items[-1] if items else None
            if base == 0 and previous is not None and previous[1] >= 2:
                raise bad(f"“{segment}”末位“{c}”不知是哪一位；个位前应写“零”，如 壹仟零伍元整")
            items.append((digit, base))
            i += 1


def _read_decimal(text: str, items: list, bad) -> None:
    text = text.replace("零角", "零", 1) if re.fullmatch(r"零角.分", text) else text
    m = re.fullmatch(r"(零)?(?:(.)角)?(零)?(?:(.)分)?", text)
    if not m:
        raise bad(f"“{text}”不是角、分；应写如 伍角、零伍分、伍角贰分")
    zero1, jiao, zero2, fen = m.groups()
    if (zero1 and zero2) or (zero2 and not jiao) or (zero1 and jiao is None and fen is None):
        raise bad("“零”的位置不对")
    for zero, digit, exp in ((zero1, jiao, -1), (zero2, fen, -2)):
        if zero:
            items.append(None)
        if digit is not None:
            if digit not in DIGITS or digit == "零":
                raise bad(f"“{digit}{'角' if exp == -1 else '分'}”不是角、分")
            items.append((DIGITS.index(digit), exp))
