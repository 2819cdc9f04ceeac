"""Turning what a clerk typed into a value, or into a reason it cannot be read.

Each parser takes the raw cell value (whatever openpyxl or python-docx gave: str, int, float,
datetime, None) and returns the parsed value, or raises ``Unparsable`` with a Chinese message that
says what was found and what is expected. Nothing here guesses: ``11/3`` could be 3 November or
11 March, so it is refused with the formats that are accepted.

Whatever a cell holds (inf, nan, a 400-digit number, 50,000 spaces, a date in the year 1026), a parser
returns a value or raises ``Unparsable``, and nothing else: validation turns that into a finding on the
cell, so no value can stop a file from getting an outcome. Every date, however written, is held to one
plausible window (``date_window``).
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, time, timedelta
from decimal import Decimal

# Excel's day zero for the 1900 date system (serial 60 is the phantom 1900-02-29; we never see it
# because serials below the plausible window are refused anyway).
EXCEL_EPOCH = datetime(1899, 12, 30)
# The plausible window of every date on a form, whichever way it was written (text, a date cell, an
# Excel serial): nothing the procedures track happened before 2000, and nothing has happened after
# today. Dates agreed or due (``Meta(future=True)``) may lie ahead, up to FUTURE_DAYS.
EARLIEST_DATE = date(2000, 1, 1)
FUTURE_DAYS = 731  # two years
# Dates, times, phone numbers and amounts are short. Longer text is refused before any pattern sees it:
# no regular expression then costs more than a glance, whatever a hostile cell holds.
MAX_VALUE_LENGTH = 100

BLANKS = {"", "-", "—", "/", "无", "空"}


class Unparsable(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def safe_str(raw) -> str:
    """``str(raw)``, also for an integer too long for ``str`` (over 4300 digits): its first digits."""
    try:
        return str(raw)
    except ValueError:
        return f"{raw:x}"[:60] if isinstance(raw, int) else repr(type(raw))


# Invisible characters a clerk pastes without seeing them: the word joiner and zero-width spaces docgen's
# own Word documents put around hyphens and inside dates (so LibreOffice never wraps a number there),
# and the byte-order mark. The non-breaking hyphen U+2011 (U+2010 after NFKC) is a hyphen.
_INVISIBLE = dict.fromkeys(map(ord, "\u2060\u200b\u200c\u200d\ufeff"), None) | {0x2010: "-", 0x2011: "-"}


def normalize_text(raw) -> str:
    """Full-width digits and letters to half-width, ideographic spaces to spaces, invisible joiners
    dropped, trimmed."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = unicodedata.normalize("NFKC", safe_str(raw)).translate(_INVISIBLE)
    return text.replace("\u3000", " ").strip()


def is_blank(raw) -> bool:
    """Empty, or one of the marks clerks put in a cell to say "nothing here" (—, /, 无)."""
    return normalize_text(raw) in BLANKS


def shown(raw) -> str:
    """How a raw value is quoted back to the clerk."""
    if isinstance(raw, datetime):
        return f"{raw.year:04d}-{raw.month:02d}-{raw.day:02d} {raw.hour:02d}:{raw.minute:02d}"
    text = safe_str(raw).strip()
    return text if len(text) <= 40 else text[:40] + "…"


def _bounded(text: str, raw, refusal: str) -> str:
    """``text``, or a refusal (``refusal`` after the quoted value) when it is too long to be a value."""
    if len(text) > MAX_VALUE_LENGTH:
        raise Unparsable(f"“{shown(raw)}”{refusal}")
    return text


# ---------------------------------------------------------------- text


def parse_text(raw, *, max_length: int = 2000) -> str:
    if isinstance(raw, datetime):
        raise Unparsable(f"“{shown(raw)}”是日期，这里应填写文字")
    text = "" if raw is None else safe_str(int(raw) if isinstance(raw, float) and raw.is_integer() else raw)
    text = text.replace("\r\n", "\n").strip()
    if len(text) > max_length:
        raise Unparsable(f"内容过长（{len(text)}字），最多{max_length}字")
    return text


# ---------------------------------------------------------------- dates and times

_DATE_FORMATS = "2026-11-03、2026/11/3、2026.11.3、2026年11月3日、11月3日"
_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
_MD = re.compile(r"^(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_TIME = re.compile(
    r"^(?P<ampm>上午|下午|晚上|早上|中午)?\s*(?P<h>\d{1,2})\s*(?::|：|时|点)\s*(?:(?P<m>\d{1,2})|(?P<half>半))?\s*(?:分)?"
    r"(?:\s*[:：]\s*(?P<s>\d{1,2})\s*秒?)?$"
)


def date_window(today: date, *, future: bool = False) -> tuple[date, date]:
    """The first and last date a form may carry (see EARLIEST_DATE): up to today, or, for a date agreed
    or due, up to FUTURE_DAYS ahead."""
    return EARLIEST_DATE, today + timedelta(days=FUTURE_DAYS if future else 0)


def _window_text(today: date, future: bool) -> str:
    first, last = date_window(today, future=future)
    return f"{chinese_date(first)}至{chinese_date(last) if future else '今天'}"


def _in_window(day: date, raw, today: date, future: bool) -> date:
    first, last = date_window(today, future=future)
    if first <= day <= last:
        return day
    # what the clerk wrote, but a date cell quoted as the day it holds (2026年12月30日, never "2026-12-30 00:00")
    quoted = chinese_date(day) if isinstance(raw, date) else shown(raw)
    if not future and today < day <= today + timedelta(days=366):
        raise Unparsable(f"日期“{quoted}”晚于今天（{chinese_date(today)}）；请填写实际的日期")
    raise Unparsable(f"日期“{quoted}”不在合理范围（{_window_text(today, future)}）内，请检查年份")


def _make_date(y: int, m: int, d: int, raw) -> date:
    try:
        return date(y, m, d)
    except ValueError:
        raise Unparsable(f"“{shown(raw)}”不是有效日期") from None


def _from_serial(number: float, raw, today: date, future: bool) -> datetime:
    """An Excel serial (days since 1899-12-30, the fraction the time of day) inside the date window."""
    first, last = date_window(today, future=future)
    lowest, highest = (first - EXCEL_EPOCH.date()).days, (last - EXCEL_EPOCH.date()).days + 1
    if not (isinstance(number, int) or math.isfinite(number)) or not lowest <= number < highest:
        raise Unparsable(f"“{shown(raw)}”不是日期；请填写日期，如 {_DATE_FORMATS}")
    return EXCEL_EPOCH + timedelta(days=float(number))


def parse_datetime_parts(raw, *, today: date, future: bool = False) -> tuple[date, time | None]:
    """A date inside the plausible window (``date_window``), and the time of day when the cell carried one."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raw = _from_serial(raw, raw, today, future)
    if isinstance(raw, datetime):
        return (
            _in_window(raw.date(), raw, today, future),
            parse_time(raw.time()) if raw.time() != time(0, 0) else None,
        )
    if isinstance(raw, date):
        return _in_window(raw, raw, today, future), None
    text = normalize_text(raw)
    if not text:
        raise Unparsable("未填写日期")
    _bounded(text, raw, f"无法确定是哪一天；请按以下格式之一填写：{_DATE_FORMATS}")
    if _YMD.match(text) or _MD.match(text):  # "2026 年 11 月 3 日": the spaces are not a date/time break
        date_text, time_text = text, ""
    else:
        date_text, _, time_text = text.partition(" ")
    clock = parse_time(time_text) if time_text.strip() else None
    if m := _YMD.match(date_text):
        return _in_window(_make_date(int(m[1]), int(m[2]), int(m[3]), raw), raw, today, future), clock
    if m := _MD.match(date_text):
        # "11月3日" is written for the current year (the year the form is processed in).
        return _in_window(_make_date(today.year, int(m[1]), int(m[2]), raw), raw, today, future), clock
    if m := _COMPACT.match(date_text):
        return _in_window(_make_date(int(m[1]), int(m[2]), int(m[3]), raw), raw, today, future), clock
    if re.fullmatch(r"\d+(\.\d+)?", date_text):
        moment = _from_serial(float(date_text), raw, today, future)
        return moment.date(), None
    raise Unparsable(f"“{shown(raw)}”无法确定是哪一天；请按以下格式之一填写：{_DATE_FORMATS}")


def parse_date(raw, *, today: date, future: bool = False) -> date:
    return parse_datetime_parts(raw, today=today, future=future)[0]


def _time_of_day(seconds: float, raw) -> time:
    """Seconds since midnight, rounded to the second as Excel shows them; 24:00 is no time of day (a
    time of 0.9999999 is 23:59:59.991, which Excel shows as 0:00:00 and truncating would call 23:59:59)."""
    whole = round(seconds)
    if whole >= 86400:
        raise Unparsable(f"“{shown(raw)}”不是有效时间（已到24:00）；请填写如 9:30、14:05 或 下午2点")
    return time(whole // 3600, whole % 3600 // 60, whole % 60)


def parse_time(raw) -> time:
    if isinstance(raw, datetime):
        # A date and time typed in the cell: its time. A date before EARLIEST_DATE is a negative or
        # multi-day Excel number in a time-formatted cell (-1 shows as 1899-12-29 00:00): no time of day.
        if raw.date() < EARLIEST_DATE:
            raise Unparsable(f"“{shown(raw)}”不是有效时间；请填写如 9:30、14:05 或 下午2点")
        raw = raw.time()
    if isinstance(raw, time):
        return _time_of_day(raw.hour * 3600 + raw.minute * 60 + raw.second + raw.microsecond / 1e6, raw)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and 0 <= raw < 1:
        return _time_of_day(raw * 86400, raw)
    text = _bounded(normalize_text(raw), raw, "不是时间；请填写如 9:30、14:05 或 下午2点")
    m = _TIME.match(text)
    if not m:
        raise Unparsable(f"“{shown(raw)}”不是时间；请填写如 9:30、14:05 或 下午2点")
    hour, minute, second = int(m["h"]), 30 if m["half"] else int(m["m"] or 0), int(m["s"] or 0)
    if m["ampm"] == "晚上" and hour == 12:
        hour = 0  # 晚上12点 is midnight
    elif m["ampm"] in ("下午", "晚上") and hour < 12:
        hour += 12
    if m["ampm"] == "中午" and hour < 11:
        hour += 12
    if hour > 23 or minute > 59 or second > 59:
        raise Unparsable(f"“{shown(raw)}”不是有效时间")
    return time(hour, minute, second)


# ---------------------------------------------------------------- phone numbers

_PHONE_EXPECTED = "11位手机号（如 138 0013 8000）或带区号的固定电话（如 0591-87654321）"


def parse_phone(raw) -> str:
    """Normalised to digits: mobile ``13800138000``, landline ``0591-87654321``, extension ``…转123``."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = _bounded(normalize_text(raw), raw, f"不是电话号码；应为{_PHONE_EXPECTED}")
    parts = re.split(r"(?:转|分机|ext\.?|x)", text, maxsplit=1, flags=re.I)
    main = parts[0]
    extension = re.sub(r"\D", "", parts[1]) if len(parts) > 1 else ""
    if re.search(r"[^\d\s\-()（）+]", main):
        raise Unparsable(f"“{shown(raw)}”不是电话号码；应为{_PHONE_EXPECTED}")
    digits = re.sub(r"\D", "", main)
    if digits.startswith("0086"):
        digits = digits[4:]
    elif main.strip().startswith("+86") or (digits.startswith("86") and len(digits) == 13):
        digits = digits[2:]
    suffix = f"转{extension}" if extension else ""
    if re.fullmatch(r"1[3-9]\d{9}", digits):
        return digits + suffix
    if re.fullmatch(r"(400|800)\d{7}", digits):
        return digits + suffix
    if re.fullmatch(r"0\d{9,11}", digits):
        area_len = _area_code_length(digits)
        return f"{digits[:area_len]}-{digits[area_len:]}{suffix}"
    raise Unparsable(f"“{shown(raw)}”不是有效的电话号码；应为{_PHONE_EXPECTED}")


def _area_code_length(digits: str) -> int:
    # 010 and 02X are three-digit area codes (Beijing, Shanghai, Tianjin, Chongqing, large cities);
    # every other area code has four digits. Local numbers have 7 or 8 digits.
    return 3 if digits[1] in "12" else 4


# ---------------------------------------------------------------- choices

YES = {"是", "Y", "YES", "TRUE", "√", "✓", "✔", "1", "重大", "是的"}
NO = {"否", "N", "NO", "FALSE", "×", "✗", "0", "不是", "非重大", "一般"}


def parse_choice(raw, choices: tuple[str, ...], synonyms: dict[str, str] | None = None) -> str:
    # Compared in the same normal form on both sides: NFKC turns the full-width brackets of a choice
    # such as 施工单位（经工程材料部） into ASCII ones, and the choice must still match itself.
    squeezed = re.sub(r"\s+", "", normalize_text(raw))
    for choice in choices:
        if squeezed == re.sub(r"\s+", "", normalize_text(choice)):
            return choice
    if synonyms:
        for written, choice in synonyms.items():
            if squeezed == re.sub(r"\s+", "", normalize_text(written)):
                return choice
    raise Unparsable(f"“{shown(raw)}”不是可选项；应为以下之一：{_choices_text(choices, synonyms or {})}")


def _choices_text(choices: tuple[str, ...], synonyms: dict[str, str]) -> str:
    """The choices as a message lists them: joined with 、, or numbered when a choice itself holds a 、 or has a
    code (a synonym such as NC-3.1.1, shown in brackets and accepted as well)."""
    codes = {choice: written for written, choice in synonyms.items() if re.fullmatch(r"[A-Z]+-[0-9.]+", written)}
    if not codes and not any("、" in choice for choice in choices):
        return "、".join(choices)
    listed = "；".join(
        f"{n}. {choice}" + (f"（{codes[choice]}）" if choice in codes else "") for n, choice in enumerate(choices, 1)
    )
    return listed + ("。也可只填括号中的编号" if codes else "")


def parse_yes_no(raw) -> bool:
    text = re.sub(r"\s+", "", normalize_text(raw)).upper()
    if text in YES:
        return True
    if text in NO:
        return False
    raise Unparsable(f"“{shown(raw)}”无法判断；应填写“是”或“否”")


# ---------------------------------------------------------------- amounts

MAX_AMOUNT = Decimal("999999999999.99")


def parse_number(raw) -> Decimal:
    """A quantity or unit price: a finite, non-negative decimal, kept exactly as written."""
    if isinstance(raw, bool):
        raise Unparsable(f"“{shown(raw)}”不是数字")
    text = safe_str(raw) if isinstance(raw, (int, float)) else normalize_text(raw).replace(",", "").replace("，", "")
    _bounded(text, raw, "不是数字；请填写如 2 或 2.5")
    try:
        value = Decimal(text)
    except ArithmeticError:  # decimal.InvalidOperation
        raise Unparsable(f"“{shown(raw)}”不是数字；请填写如 2 或 2.5") from None
    # Compared by exponent first: abs() of 1e9999999 overflows the decimal context.
    if not value.is_finite() or (value and value.adjusted() > MAX_AMOUNT.adjusted()) or abs(value) > MAX_AMOUNT:
        raise Unparsable(f"“{shown(raw)}”不是有效的数字")
    if value < 0:
        raise Unparsable(f"“{shown(raw)}”为负数；不能为负")
    if value.is_zero():
        return abs(value)  # -0 is 0
    return Decimal(0) if value.adjusted() < -12 else value  # the float noise of a formula (5.55e-17) is 0


def parse_amount(raw) -> Decimal:
    """Yuan to the fen. A third decimal is an error, not a rounding: 1000.005 is not 1000.00."""
    if isinstance(raw, bool):
        raise Unparsable(f"“{shown(raw)}”不是金额")
    if isinstance(raw, (int, float)):
        return _cents(parse_number(raw), raw)
    text = normalize_text(raw).replace(",", "").replace("，", "")
    _bounded(text, raw, "不是金额；请填写如 1200.50")
    if re.search(r"[零壹贰叁肆伍陆柒捌玖拾佰仟万亿元圆角分整一二三四五六七八九十百千两]", text) and not re.fullmatch(
        r"[¥￥]?\s*[\d.\s]+\s*元?整?", text
    ):
        # 人民币大写 (壹仟贰佰元整), as on 决算书/结算书; lowercase 一二三 is refused there with a reason.
        return from_uppercase(text)  # raises Unparsable
    text = re.sub(r"^[¥￥]|元整?$|元$", "", text).strip()
    try:
        value = parse_number(text)
    except Unparsable as problem:
        if "负数" in problem.message:
            raise Unparsable(f"“{shown(raw)}”为负数；金额不能为负") from None
        raise Unparsable(f"“{shown(raw)}”不是金额；请填写如 1200.50") from None
    return _cents(value, raw)


def _cents(value: Decimal, raw) -> Decimal:
    # Excel stores 1200.5 as a binary float; anything within a hair of whole fen is that fen.
    if value.adjusted() < -6:  # 1e-9999999: no fen at all, and too small for quantize()
        value = Decimal(0)
    rounded = value.quantize(Decimal("0.01"))
    if abs(value - rounded) > Decimal("0.000001"):
        raise Unparsable(f"“{shown(raw)}”精确到了分以下；金额最多填写到分，如 1200.50")
    return rounded


# ---------------------------------------------------------------- 人民币大写, read

# 人民币大写 (see ``amounts``): read here, for ``parse_amount``; ``amounts`` writes it and re-exports the reader.
DIGITS = "零壹贰叁肆伍陆柒捌玖"
UNITS = {"拾": 1, "佰": 2, "仟": 3}
SECTIONS = {"亿": 8, "万": 4}
CENT = Decimal("0.01")

_VARIANTS = str.maketrans({"圓": "元", "圆": "元", "正": "整", "貳": "贰", "陸": "陆", "萬": "万", "億": "亿"})
_LOWERCASE = set("一二三四五六七八九十百千两〇○另毛廿念")
_ALLOWED = set(DIGITS) | set(UNITS) | set(SECTIONS) | set("元角分整")


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


# ---------------------------------------------------------------- rendering back


def chinese_date(d: date) -> str:
    """Dates written in full, as official documents write them: 2026年11月26日."""
    return f"{d.year}年{d.month}月{d.day}日"
