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

Reading (``from_uppercase``; it lives in ``values``, whose ``parse_amount`` reads 大写 too, and is
re-exported here) is tolerant of what the rules allow and of harmless variants: a "人民币" prefix,
圆 for 元, 正 for 整, 整 after 角 (or after 分), spaces, a leading bare 拾 (拾元整), traditional
貳陸萬億, the optional 零s (壹仟陆佰捌拾元零叁角贰分, 壹拾万零柒仟元整), and missing 零s
where the units say it all (壹仟伍拾元整). It refuses what is ambiguous or wrong: lowercase numerals
(一二三…十百千, 两, 〇, 另, 毛), a trailing bare digit after 佰/仟/万/亿 (壹仟伍 — 1005 or 1500?),
a 零 where no digit is skipped (壹仟零伍佰), units out of order, and a missing 元.

Both raise ``values.Unparsable`` (a ``ValueError``) with a Chinese message, and nothing else, whatever
they are given.
"""

from __future__ import annotations

from decimal import Decimal

from docgen.forms.values import CENT, DIGITS, MAX_AMOUNT, Unparsable, safe_str
from docgen.forms.values import from_uppercase as from_uppercase  # the reader, re-exported (see above)

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
