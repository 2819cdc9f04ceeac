"""Official Chinese working-day calendar and deadline arithmetic.

Sources
-------
* 2004–2026: the ``chinesecalendar`` package (import ``chinese_calendar``),
  which includes statutory holidays and make-up working days (调休上班).
* Later (or any) years: a workspace file, by default ``<workspace>/calendar.toml``.
  A year present in the file is *covered*; its lists take precedence over the
  package for the dates they name, every other date of that year falls back to
  the package (if it covers the year) or to Mon–Fri.
* A year covered by neither is *uncovered*: Mon–Fri count as working days, less
  the statutory holidays of 《全国年节及纪念日放假办法》 from 2025 on (see
  ``statutory_holidays``), and every deadline touching that year is
  ``provisional`` (never an exception): the yearly notice still has to say which
  weekends are make-up working days (调休上班) and which days off move.

calendar.toml format
--------------------
::

    [years.2027]
    holidays = ["2027-01-01", ...]   # statutory days off (weekdays or weekends), required
    workdays = ["2027-02-06", ...]   # 调休上班 make-up working days (must be Sat/Sun), optional
    source = "国务院办公厅关于2027年部分节假日安排的通知"   # optional

Dates are ``"YYYY-MM-DD"`` strings (bare TOML dates are accepted too). Only the
top-level table ``years`` and the keys ``holidays``/``workdays``/``source`` are
allowed. A date must be real and inside its year, may appear only once, and not
in both lists. Any problem is reported in ``WorkCalendar.load_errors`` (Chinese,
for office staff) and the whole offending year is ignored, so a half-correct
year can never silently shift a deadline.

Deadline contract ("within N working days of receipt")
------------------------------------------------------
* A form received on a working day strictly before the cut-off (default 17:30,
  configurable) counts as received that day. Received at or after the cut-off
  (17:30:00 exactly is "after"), or on a weekend/holiday, it counts as received
  at the start of the next working day. That day is the *effective receipt day*
  and is day 0.
* The deadline is the end of the N-th working day after the effective receipt
  day (N = 0 → the effective receipt day itself).
  Example: received Mon 2026-11-23 10:00, N=3 → due Thu 2026-11-26;
  received 18:00 the same day → due Fri 2026-11-27.
* "Within N working days of" an event known by its date only (a site survey,
  ``due_within_workdays_of_day``): the same rule without a cut-off. Day 0 is the
  event's day if it is a working day, else the next working day. Example: survey
  Sat 2026-11-21, N=3 → day 0 Mon 11-23 → due Thu 2026-11-26.
* "Within N calendar days" (e.g. 一周 = 7) counts from the receipt date, which is
  not counted itself, regardless of the time of day (民法典第二百零一条); if the
  last day is not a working day it moves to the next working day (第二百零三条).
* ``provisional`` is True when any day from the receipt date to the due date lies
  in an uncovered year; ``basis`` then says so and that the date 待核定.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import chinese_calendar
from tyme4py.lunar import LunarDay
from tyme4py.solar import SolarDay, SolarTerm

from docgen.wording import chinese_date, clock

__all__ = [
    "DEFAULT_CUTOFF",
    "FILE_SOURCE",
    "PACKAGE_SOURCE",
    "WORKSPACE_FILE_NAME",
    "Deadline",
    "WorkCalendar",
    "calendar_report",
    "load_calendar_file",
    "statutory_holidays",
]

DEFAULT_CUTOFF = time(17, 30)
WORKSPACE_FILE_NAME = "calendar.toml"
PACKAGE_SOURCE = "chinese_calendar"
FILE_SOURCE = "calendar.toml"

# Derived from the package's own data so a package upgrade extends coverage
# without touching this module.
_PACKAGE_YEARS = frozenset(
    range(
        min(d.year for d in chinese_calendar.holidays),
        max(d.year for d in chinese_calendar.holidays) + 1,
    )
)

_YEAR_KEYS = ("holidays", "workdays", "source")
# A year a calendar file may describe: the window in which complaints are numbered, and no further
# ahead than an official schedule could be published.
FIRST_YEAR, LAST_YEAR = 2000, 2100
_WEEKDAY_CN = "一二三四五六日"

# 《全国年节及纪念日放假办法》 as amended by 国务院令第795号 (in force 2025-01-01). Earlier years had other
# rules (春节 3 days, 劳动节 1) and are all covered by the package, so the rules are applied from here on.
STATUTORY_RULES_SINCE = 2025


def _day(solar: SolarDay) -> date:
    return date(solar.get_year(), solar.get_month(), solar.get_day())


@functools.cache
def statutory_holidays(year: int) -> dict[date, str]:
    """The days off that the law fixes for ``year`` (date → festival name), before any yearly notice:
    元旦 1 day, 春节 4 (除夕 to 初三), 清明节 1, 劳动节 2 (05-01, 05-02), 端午节 1, 中秋节 1, 国庆节 3
    (10-01 to 10-03). Empty before ``STATUTORY_RULES_SINCE``.

    What the notice adds cannot be derived: the make-up working days (调休上班) and the day off that
    replaces a festival falling on a weekend; a deadline counted from these days alone stays provisional.
    The lunar dates and 清明 (a solar term) come from ``tyme4py``; a festival falling on another
    (中秋 on 10-03 in 2028) keeps both names.
    """
    if year < STATUTORY_RULES_SINCE:
        return {}
    new_year = LunarDay.from_ymd(year, 1, 1)  # 正月初一 always falls between 01-21 and 02-20 of ``year``
    eve = _day(new_year.next(-1).get_solar_day())
    named: list[tuple[date, str]] = [(date(year, 1, 1), "元旦")]
    named += [(eve + timedelta(days=i), "春节") for i in range(4)]
    named.append((_day(SolarTerm.from_name(year, "清明").get_julian_day().get_solar_day()), "清明节"))
    named += [(date(year, 5, 1), "劳动节"), (date(year, 5, 2), "劳动节")]
    named.append((_day(LunarDay.from_ymd(year, 5, 5).get_solar_day()), "端午节"))
    named.append((_day(LunarDay.from_ymd(year, 8, 15).get_solar_day()), "中秋节"))
    named += [(date(year, 10, day), "国庆节") for day in (1, 2, 3)]
    days: dict[date, str] = {}
    for day, name in sorted(named):
        days[day] = f"{days[day]}、{name}" if day in days else name
    return days


@dataclass(frozen=True)
class Deadline:
    due: date  # last day on which the action is on time (inclusive, end of that day)
    provisional: bool  # True if any day counted lies in a year with no official schedule
    basis: str  # Chinese explanation of the count


@dataclass(frozen=True)
class YearSchedule:
    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    source: str = ""


class _Lines:
    """Where something stands in the file, so that a message names the line to fix."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def _section(self, key: str) -> tuple[int, int] | None:
        header = re.compile(rf'^\s*\[\s*years\s*\.\s*["\']?{re.escape(key)}["\']?\s*\]')
        for start, line in enumerate(self.lines):
            if header.match(line):
                end = next(
                    (i for i in range(start + 1, len(self.lines)) if self.lines[i].lstrip().startswith("[")),
                    len(self.lines),
                )
                return start, end
        return None

    def find(self, key: str | None, needle: str | None = None, *, assigned: bool = False) -> int | None:
        """1-based line of ``needle`` in the table [years.<key>] (of its header without a needle),
        or anywhere in the file when the table is not found; ``assigned``: the line where ``needle``
        is the key of an assignment (``holiday = …``)."""
        section = self._section(key) if key is not None else None
        if section and needle is None:
            return section[0] + 1
        start, end = section or (0, len(self.lines))
        pattern = re.compile(rf'^\s*["\']?{re.escape(needle)}["\']?\s*=') if assigned and needle else None
        for index in range(start, end):
            line = self.lines[index]
            if needle is not None and (pattern.match(line) if pattern else needle in line):
                return index + 1
        return None


def _at_line(message: str, line: int | None) -> str:
    return f"{message}（第{line}行）" if line else message


def _parse_year(
    label: str, key: str, table: object, lines: _Lines | None = None
) -> tuple[YearSchedule | None, list[str]]:
    lines = lines or _Lines("")
    header = lines.find(key)
    errors: list[str] = []
    try:
        year = int(key)
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValueError
    except ValueError:
        return None, [
            _at_line(
                f"{label} 中的 [years.{key}] 不是有效年份，应写成 [years.2027] 这样的四位年份"
                f"（{FIRST_YEAR}–{LAST_YEAR}）",
                header,
            )
        ]
    where = f"{label} 的 [years.{year}]"
    if not isinstance(table, dict):
        return None, [_at_line(f"{where} 应为一个表（[years.{year}]），而不是单个值", lines.find(None, f"years.{key}"))]

    for k in table:
        if k not in _YEAR_KEYS:
            errors.append(
                _at_line(
                    f'{where} 含未知项 "{k}"（只允许 holidays、workdays、source）', lines.find(key, k, assigned=True)
                )
            )

    source = table.get("source", "")
    if not isinstance(source, str):
        errors.append(_at_line(f"{where} 的 source 应为文字（用引号括起）", lines.find(key, "source", assigned=True)))
        source = ""

    lists: dict[str, list[date]] = {}
    for name in ("holidays", "workdays"):
        raw = table.get(name)
        if raw is None:
            if name == "holidays":
                errors.append(_at_line(f"{where} 缺少 holidays（法定放假日期列表）", header))
            raw = []
        if not isinstance(raw, list):
            errors.append(
                _at_line(f'{where} 的 {name} 应为日期列表，例如 ["{year}-01-01"]', lines.find(key, name, assigned=True))
            )
            raw = []
        parsed: list[date] = []
        seen: set[date] = set()
        for item in raw:
            d = _parse_date(item)
            at = lines.find(key, str(item)) or lines.find(key, name, assigned=True)
            if d is None:
                errors.append(_at_line(f'{where} {name} 中的 "{item}" 不是有效日期（格式应为 YYYY-MM-DD）', at))
                continue
            if d.year != year:
                errors.append(_at_line(f'{where} {name} 中的 "{d.isoformat()}" 不在{year}年内', at))
                continue
            if d in seen:
                errors.append(_at_line(f'{where} {name} 中的 "{d.isoformat()}" 重复出现', at))
                continue
            seen.add(d)
            parsed.append(d)
        lists[name] = parsed

    for d in sorted(set(lists["holidays"]) & set(lists["workdays"])):
        errors.append(
            _at_line(f'{where} 中 "{d.isoformat()}" 同时出现在 holidays 和 workdays 中', lines.find(key, d.isoformat()))
        )
    for d in lists["workdays"]:
        if d.weekday() < 5:
            errors.append(
                _at_line(
                    f'{where} workdays 中的 "{d.isoformat()}" 是星期{_WEEKDAY_CN[d.weekday()]}，'
                    "调休上班日应为周六或周日",
                    lines.find(key, d.isoformat()),
                )
            )

    if errors:
        return None, errors
    return (
        YearSchedule(year, frozenset(lists["holidays"]), frozenset(lists["workdays"]), source),
        [],
    )


def _parse_date(item: object) -> date | None:
    # tomllib yields datetime for "2027-01-01T00:00"; a datetime is a date subclass,
    # so reject it explicitly rather than silently dropping the time.
    if isinstance(item, datetime):
        return None
    if isinstance(item, date):
        return item
    if not isinstance(item, str):
        return None
    try:
        return date.fromisoformat(item.strip()) if len(item.strip()) == 10 else None
    except ValueError:
        return None


def load_calendar_file(path: Path) -> tuple[dict[int, YearSchedule], list[str]]:
    """Parse a calendar TOML file. Returns the valid years and Chinese error messages."""
    label = path.name
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError:
        return {}, [f"找不到节假日文件 {path}"]
    except UnicodeDecodeError:
        return {}, [f"{label} 不是 UTF-8 编码的文本文件，请另存为 UTF-8"]
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"at line (\d+)", str(exc))
        line = int(where[1]) if where else (len(text.splitlines()) or None) if "end of document" in str(exc) else None
        return {}, [_at_line(f"{label} 格式有误，无法读取：{exc}", line)]
    except OSError as exc:
        return {}, [f"无法读取 {label}：{exc.strerror or exc}"]

    lines = _Lines(text)
    errors: list[str] = []
    for k in data:
        if k != "years":
            errors.append(_at_line(f'{label} 含未知项 "{k}"（只允许 [years.年份] 表）', lines.find(None, k)))
    years_table = data.get("years", {})
    if not isinstance(years_table, dict):
        return {}, errors + [_at_line(f"{label} 中的 years 应写成 [years.2027] 这样的表", lines.find(None, "years"))]

    years: dict[int, YearSchedule] = {}
    for key, table in years_table.items():
        schedule, year_errors = _parse_year(label, key, table, lines)
        errors.extend(year_errors)
        if schedule is not None:
            years[schedule.year] = schedule
    return years, errors


class WorkCalendar:
    def __init__(self, extra_file: Path | None = None, cutoff: time = DEFAULT_CUTOFF) -> None:
        self.cutoff = cutoff
        self.extra_file = extra_file
        self.file_years: dict[int, YearSchedule] = {}
        self.load_errors: list[str] = []
        if extra_file is not None:
            self.file_years, self.load_errors = load_calendar_file(Path(extra_file))
        self._cache: dict[date, bool] = {}

    @classmethod
    def from_workspace(cls, root: Path, cutoff: time | None = None) -> WorkCalendar:
        path = Path(root) / WORKSPACE_FILE_NAME
        return cls(path if path.is_file() else None, DEFAULT_CUTOFF if cutoff is None else cutoff)

    # -- coverage -----------------------------------------------------------

    def is_covered(self, year: int) -> bool:
        return year in self.file_years or year in _PACKAGE_YEARS

    def coverage(self) -> list[tuple[int, str]]:
        years = set(self.file_years) | _PACKAGE_YEARS
        return [(y, FILE_SOURCE if y in self.file_years else PACKAGE_SOURCE) for y in sorted(years)]

    def _uncovered_years(self, first: date, last: date) -> list[int]:
        return [y for y in range(first.year, last.year + 1) if not self.is_covered(y)]

    # -- single days ----------------------------------------------------------

    def is_workday(self, d: date) -> bool:
        cached = self._cache.get(d)
        if cached is None:
            cached = self._cache[d] = self._compute_workday(d)
        return cached

    def _compute_workday(self, d: date) -> bool:
        schedule = self.file_years.get(d.year)
        if schedule is not None:
            if d in schedule.holidays:
                return False
            if d in schedule.workdays:
                return True
        if d.year in _PACKAGE_YEARS:
            return chinese_calendar.is_workday(d)
        # A year described by the workspace file is the published notice: its list is complete, the
        # statutory rules only stand in for a year that nobody has published yet.
        if schedule is None and d in statutory_holidays(d.year):
            return False
        return d.weekday() < 5

    def next_workday(self, d: date) -> date:
        """First working day strictly after ``d``."""
        d += timedelta(days=1)
        while not self.is_workday(d):
            d += timedelta(days=1)
        return d

    def effective_start(self, received: datetime) -> date:
        day, at = _split(received)
        if self.is_workday(day) and at < self.cutoff:
            return day
        return self.next_workday(day)

    # -- deadlines ------------------------------------------------------------

    def _provisional_note(self, first: date, last: date) -> str:
        missing = self._uncovered_years(first, last)
        if not missing:
            return ""
        years = "、".join(f"{y}年" for y in missing)
        if all(statutory_holidays(y) for y in missing):
            return f"（{years}节假日安排尚未公布，按法定节假日和周末推算，待核定）"
        return f"（{years}节假日安排未知，按周末推算，待核定）"

    def _count(self, start: date, n: int) -> date:
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        if n == 0:
            return start if self.is_workday(start) else self.next_workday(start)
        due = start
        for _ in range(n):
            due = self.next_workday(due)
        return due

    def add_workdays(self, start: date, n: int) -> Deadline:
        due = self._count(start, n)
        note = self._provisional_note(start, due)
        return Deadline(due, bool(note), f"自{chinese_date(start)}起{n}个工作日{note}")

    def due_within_workdays(self, received: datetime, n: int) -> Deadline:
        day, at = _split(received)
        start = self.effective_start(received)
        due = self._count(start, n)
        note = self._provisional_note(day, due)
        stamp = f"{chinese_date(day)}{clock(at, pad_hour=False)}收到"
        if start != day:
            why = f"{clock(self.cutoff, pad_hour=False)}后收到" if self.is_workday(day) else "当日非工作日"
            stamp += f"（{why}，按下一工作日{chinese_date(start)}起算）"
        basis = f"{stamp}，自{chinese_date(start)}起{n}个工作日，截止{chinese_date(due)}{note}"
        return Deadline(due, bool(note), basis)

    def due_within_workdays_of_day(self, day: date, n: int, event: str) -> Deadline:
        """Within N working days of an ``event`` (勘察, …) known by its date only: no cut-off applies, and an
        event on a rest day counts from the next working day, as a form received on a rest day does."""
        start = day if self.is_workday(day) else self.next_workday(day)
        due = self._count(start, n)
        note = self._provisional_note(day, due)
        stamp = f"{chinese_date(day)}{event}"
        if start != day:
            stamp += f"（当日非工作日，按下一工作日{chinese_date(start)}起算）"
        basis = f"{stamp}，自{chinese_date(start)}起{n}个工作日，截止{chinese_date(due)}{note}"
        return Deadline(due, bool(note), basis)

    def due_within_days(self, received: datetime, n: int) -> Deadline:
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        day, _ = _split(received)
        nominal = day + timedelta(days=n)
        due = nominal if self.is_workday(nominal) else self.next_workday(nominal)
        note = self._provisional_note(day, due)
        basis = f"{chinese_date(day)}收到，自次日起{n}个自然日至{chinese_date(nominal)}"
        if due != nominal:
            basis += f"（该日非工作日，顺延至{chinese_date(due)}）"
        return Deadline(due, bool(note), basis + note)

    def workdays_late(self, due: date, done: date) -> int:
        late = 0
        d = due + timedelta(days=1)
        while d <= done:
            late += self.is_workday(d)
            d += timedelta(days=1)
        return late


def _split(received: datetime | date) -> tuple[date, time]:
    # A bare date carries no time of day; treat it as received at the start of that day.
    if isinstance(received, datetime):
        return received.date(), received.time()
    return received, time(0, 0)


def calendar_report(cal: WorkCalendar, today: date | None = None) -> dict:
    """Summary for the ``docgen calendar`` command; ``warnings`` are for office staff."""
    today = today or date.today()
    this_year, next_year = today.year, today.year + 1
    coverage = cal.coverage()
    warnings: list[str] = []
    assumed: dict[int, list[dict[str, str]]] = {}
    for y in (this_year, next_year):
        if not cal.is_covered(y):
            statutory = statutory_holidays(y)
            if statutory:
                assumed[y] = [{"date": d.isoformat(), "name": name} for d, name in statutory.items()]
                how = f"按法定节假日（{_festival_spans(statutory)}）和周末推算，调休（补班、补休）未计入"
            else:
                how = "按周末推算"
            warnings.append(
                f"{y}年节假日安排尚未录入：涉及{y}年的期限{how}，标记为待核定。"
                f"国务院办公厅发布通知后，请在 {WORKSPACE_FILE_NAME} 中补充 [years.{y}]。"
            )
    return {
        "years": [y for y, _ in coverage],
        "coverage": [{"year": y, "source": s} for y, s in coverage],
        "sources": {y: s for y, s in coverage},
        "file_sources": {y: sch.source for y, sch in sorted(cal.file_years.items())},
        "extra_file": str(cal.extra_file) if cal.extra_file is not None else None,
        "load_errors": list(cal.load_errors),
        "cutoff": clock(cal.cutoff, pad_hour=False),
        "current_year": this_year,
        "current_year_covered": cal.is_covered(this_year),
        "next_year": next_year,
        "next_year_covered": cal.is_covered(next_year),
        "assumed_holidays": assumed,
        "warnings": warnings,
    }


def _festival_spans(days: dict[date, str]) -> str:
    """``{2027-02-05: 春节, …, 2027-02-08: 春节}`` → 春节 2月5日–2月8日 (each festival's run of days)."""
    spans: list[tuple[str, date, date]] = []
    for d, name in sorted(days.items()):
        if spans and spans[-1][0] == name and spans[-1][2] + timedelta(days=1) == d:
            spans[-1] = (name, spans[-1][1], d)
        else:
            spans.append((name, d, d))

    def label(d: date) -> str:
        return f"{d.month}月{d.day}日"

    return "；".join(f"{name} {label(a)}" + (f"–{label(b)}" if b != a else "") for name, a, b in spans)
