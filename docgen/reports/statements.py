"""Quarterly and annual customer-service statements 《客户服务统计报表》 (CS-3.10.4, CS-3.7.2, CS-3.7.4).

CS-3.10.4: 各服务处每季、年制作报表向客户服务部提交，客户服务部进行汇总后向公司总经理室提交. So there is one
statement per service office (客户服务处), issued by the office and addressed to 客户服务部, and the company-wide
one, issued by 客户服务部 and addressed to 总经理室; each is printed with its addressee (主送) under the title.
A case belongs to the office its registration recorded (``office``; 客户服务部 when none was recorded).

Everything here is a function of the ledger and the period, never of the clock: the figures of a past
quarter (``"2026Q4"``) or year (``"2026"``) come out the same every time the same ledger is asked, and the
issue date printed is the first working day after the period.

- counts of complaints *received* in the period by category, project and responsible department;
- on-time rates per deadline key / clause: deadlines *due* within the period that were met on or before
  their due day, over all deadlines due within the period ("—" when none fell due);
- the same for the previous period (previous quarter / previous year) and the change;
- warnings (CS-3.7.4): a category or project whose count rose by at least 50 % *and* by at least 3
  complaints over the previous period, and any project with 2 or more major complaints in the period;
- horizontal bar charts as SVG text made here (no plotting library), drawn by ``statement.typ`` as images
  (Typst's SVG renderer sets the labels as real text in the 黑体 role's font); every label is escaped here,
  so a category or project name cannot break or add to the SVG.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from docgen.atomic import safe_part
from docgen.cases import Case, summaries_received_or_due
from docgen.errors import DocgenError, PeriodError
from docgen.ledger import Ledger
from docgen.procedures.workdays import WorkCalendar
from docgen.render.pdf import FONT_ROLES, render_pdf
from docgen.reports.ratings import quarter_bounds
from docgen.wording import chinese_date

__all__ = [
    "StatementOfficeError",
    "StatementPeriodError",
    "bar_chart_svg",
    "figures_from_cases",
    "office_of",
    "period_bounds",
    "previous_period",
    "statement_context",
    "statement_figures",
    "statement_offices",
    "write_statement",
    "write_statements",
]

# The deadline keys in the order the procedure meets them, with a short name for tables and charts.
DEADLINES = (
    ("feedback", "首次反馈", "CS-3.4.2.2"),
    ("survey", "现场勘察", "CS-3.4.5"),
    ("repair", "维修完成", "CS-3.4.5"),
    ("callback", "维修回访", "CS-3.5.4"),
    ("settle", "办结（建议时限）", "CS-3.4.5"),  # 宜在一周内: advisory, never before the feedback is due
)
UNASSIGNED = "（未指定）"
NONE = "—"
NO_PREVIOUS_DATA = "上期无数据"
RISE_SHARE = 0.5  # ≥ 50 % more than the previous period …
RISE_COUNT = 3  # … and ≥ 3 complaints more (CS-3.7.4)
MAJOR_LIMIT = 2  # ≥ 2 major complaints in one project in the period
# The charts' labels in the 黑体 role (SimHei where an office installed it, else Noto Sans CJK SC), as a
# CSS family list: Typst's SVG renderer takes the first installed family.
CHART_FONT = ", ".join(FONT_ROLES["hei"]) + ", sans-serif"
TITLE = "客户服务统计报表"
DEPARTMENT = "客户服务部"  # consolidates the offices' statements (CS-3.10.4); a case without an office is its own
GENERAL_OFFICE = "总经理室"  # receives the consolidated statement (CS-3.10.4)
_CN_QUARTER = "一二三四"
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


class StatementPeriodError(PeriodError):
    """A period that is not written like 2026Q4 or 2026 (a :class:`~docgen.errors.PeriodError`)."""


class StatementOfficeError(DocgenError):
    """``--office`` names no service office the ledger knows; the message lists those it does."""


# ------------------------------------------------------------------------------------------- periods


def _normal(period: str) -> str:
    text = re.sub(r"\s+", "", str(period)).upper()
    if re.fullmatch(r"\d{4}", text) or re.fullmatch(r"\d{4}Q[1-4]", text):
        return text
    raise StatementPeriodError(f"统计期间“{period}”格式不对；季度写作 2026Q4，年度写作 2026")


def period_bounds(period: str) -> tuple[str, date, date]:
    """``(label, first day, first day after)`` of a quarter ``2026Q4`` or a year ``2026``."""
    label = _normal(period)
    if "Q" in label:
        first, end = quarter_bounds(label)
    else:
        year = int(label)
        first, end = date(year, 1, 1), date(year + 1, 1, 1)
    return label, first, end


def previous_period(period: str) -> str:
    label = _normal(period)
    if "Q" not in label:
        return str(int(label) - 1)
    year, quarter = int(label[:4]), int(label[-1])
    return f"{year - 1}Q4" if quarter == 1 else f"{year}Q{quarter - 1}"


def period_name(period: str) -> str:
    label = _normal(period)
    if "Q" in label:
        return f"{label[:4]}年第{_CN_QUARTER[int(label[-1]) - 1]}季度"
    return f"{label}年度"


# ------------------------------------------------------------------------------------------- figures


@dataclass
class _Tally:
    total: int = 0
    major: int = 0
    by_category: Counter = field(default_factory=Counter)
    by_project: Counter = field(default_factory=Counter)
    by_department: Counter = field(default_factory=Counter)
    by_project_category: Counter = field(default_factory=Counter)
    major_by_project: Counter = field(default_factory=Counter)
    due: Counter = field(default_factory=Counter)  # deadline key → deadlines due in the period
    on_time: Counter = field(default_factory=Counter)  # deadline key → of those, met on or before due
    clauses: dict = field(default_factory=dict)
    clause_case: dict = field(default_factory=dict)  # deadline key → the case its clause was read from


def _name(value) -> str:
    return str(value).strip() if value not in (None, "") else UNASSIGNED


def _tally(cases: list[Case], first: date, end: date, as_of: date | None = None) -> _Tally:
    """``as_of``: for a period still running, a deadline counts once it is settled: met (on time or not),
    or past and unmet. One still open that can yet be met (due today or later) is not "late" in advance."""
    t = _Tally()
    for case in cases:
        r = case.registered
        received = r.received.date()
        if first <= received < end:
            category, project = _name(r.get("category")), _name(r.get("project"))
            t.total += 1
            t.by_category[category] += 1
            t.by_project[project] += 1
            t.by_department[_name(r.get("department"))] += 1
            t.by_project_category[(project, category)] += 1
            if r.get("major"):
                t.major += 1
                t.major_by_project[project] += 1
        for deadline in case.deadlines:
            settled = as_of is None or deadline.met_on is not None or deadline.due < as_of
            if first <= deadline.due < end and settled:
                t.due[deadline.key] += 1
                if deadline.key not in t.clauses:
                    t.clauses[deadline.key], t.clause_case[deadline.key] = deadline.clause, case.number
                if deadline.met_on is not None and deadline.met_on <= deadline.due:
                    t.on_time[deadline.key] += 1
    return t


def _merged(tallies: list[_Tally]) -> _Tally:
    """The tally of all the cases of ``tallies`` (the offices' tallies of one period summed, issue 15: the
    company's statement without counting every case again); a clause from the lowest case number, as a
    tally of the cases in number order reads it."""
    t = _Tally()
    for part in tallies:
        t.total += part.total
        t.major += part.major
        for name in ("by_category", "by_project", "by_department", "by_project_category", "major_by_project"):
            getattr(t, name).update(getattr(part, name))
        t.due.update(part.due)
        t.on_time.update(part.on_time)
        for key, clause in part.clauses.items():
            if key not in t.clauses or part.clause_case[key] < t.clause_case[key]:
                t.clauses[key], t.clause_case[key] = clause, part.clause_case[key]
    return t


def _tallies(cases: list[Case], period: str, as_of: date | None = None) -> tuple[_Tally, _Tally]:
    """The tallies of ``period`` (as of ``as_of`` while it runs) and of the period before."""
    label, first, end = period_bounds(period)
    _, before_first, before_end = period_bounds(previous_period(label))
    running = as_of is not None and as_of < end
    return _tally(cases, first, end, as_of if running else None), _tally(cases, before_first, before_end)


def _rate(on_time: int, due: int) -> float | None:
    return on_time / due if due else None


def _pct(rate: float | None) -> str:
    return NONE if rate is None else f"{rate * 100:.1f}%"


def _count_change(now: int, before: int) -> str:
    return f"+{now - before}" if now > before else (f"-{before - now}" if now < before else "0")


def _rate_change(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return NONE
    points = round((now - before) * 100, 1)
    return f"+{points:.1f}" if points > 0 else (f"{points:.1f}" if points < 0 else "持平")


def _change_words(now: int, before: int) -> str:
    """A change in prose: 增加4件 / 减少2件 / 持平."""
    return f"增加{now - before}件" if now > before else (f"减少{before - now}件" if now < before else "持平")


def _count_rows(now: Counter, before: Counter, total: int) -> list[dict]:
    names = sorted(set(now) | set(before), key=lambda n: (-now[n], -before[n], n))
    return [
        {
            "name": n,
            "count": now[n],
            "previous": before[n],
            "change": _count_change(now[n], before[n]),
            "share": f"{now[n] / total * 100:.1f}%" if total else NONE,
        }
        for n in names
    ]


def _rose(now: int, before: int) -> bool:
    return now - before >= RISE_COUNT and now >= before * (1 + RISE_SHARE)


def _no_data(tally: _Tally) -> bool:
    """A period the ledger knows nothing of: no complaint received, no deadline due (before docgen was used)."""
    return tally.total == 0 and not any(tally.due.values())


def _warnings(now: _Tally, before: _Tally) -> list[str]:
    """CS-3.7.4. A rise is measured against a previous period with data only: the first period docgen reports
    does not warn of "由0件增至3件" for every line (上期无数据)."""
    sentences: list[str] = []
    if _no_data(before):
        return [
            f"{project}本期已发生重大投诉{n}件，须防止事态扩大，请提前处理（CS-3.7.4）"
            for project, n in sorted(now.major_by_project.items())
            if n >= MAJOR_LIMIT
        ]
    covered_categories: set[tuple[str, int, int]] = set()
    covered_projects: set[tuple[str, int, int]] = set()
    for project, category in sorted(set(now.by_project_category)):
        n, b = now.by_project_category[(project, category)], before.by_project_category[(project, category)]
        if _rose(n, b):
            sentences.append(f"{project}“{category}”类投诉由{b}件增至{n}件，可能引发重大投诉，请提前处理（CS-3.7.4）")
            covered_categories.add((category, n, b))
            covered_projects.add((project, n, b))
    for category in sorted(now.by_category):  # a rise spread over several projects
        n, b = now.by_category[category], before.by_category[category]
        if _rose(n, b) and (category, n, b) not in covered_categories:
            sentences.append(f"各项目“{category}”类投诉合计由{b}件增至{n}件，可能引发重大投诉，请提前处理（CS-3.7.4）")
    for project in sorted(now.by_project):
        n, b = now.by_project[project], before.by_project[project]
        if _rose(n, b) and (project, n, b) not in covered_projects:
            sentences.append(f"{project}投诉总数由{b}件增至{n}件，可能引发重大投诉，请提前处理（CS-3.7.4）")
    for project in sorted(now.major_by_project):
        n = now.major_by_project[project]
        if n >= MAJOR_LIMIT:
            sentences.append(f"{project}本期已发生重大投诉{n}件，须防止事态扩大，请提前处理（CS-3.7.4）")
    return sentences


def figures_from_cases(
    cases: list[Case], period: str, as_of: date | None = None, tallies: tuple[_Tally, _Tally] | None = None
) -> dict:
    """The statement's figures from already built cases (see :func:`statement_figures`); ``tallies``: those
    of ``cases`` already counted (:func:`_tallies`)."""
    label, first, end = period_bounds(period)
    before_label = previous_period(label)
    _, before_first, before_end = period_bounds(before_label)
    running = as_of is not None and as_of < end
    now, before = _tallies(cases, period, as_of) if tallies is None else tallies
    on_time = []
    for key, name, clause in DEADLINES:
        r_now, r_before = _rate(now.on_time[key], now.due[key]), _rate(before.on_time[key], before.due[key])
        on_time.append(
            {
                "key": key,
                "name": name,
                "clause": now.clauses.get(key) or before.clauses.get(key) or clause,
                "due": now.due[key],
                "met": now.on_time[key],
                "rate": _pct(r_now),
                "value": r_now,
                "previous_due": before.due[key],
                "previous_rate": _pct(r_before),
                "change": _rate_change(r_now, r_before),
            }
        )
    return {
        "period": label,
        "period_name": period_name(label),
        "first": first,
        "end": end,
        "previous": {
            "period": before_label,
            "period_name": period_name(before_label),
            "first": before_first,
            "end": before_end,
            "total": before.total,
            "major": before.major,
            "no_data": _no_data(before),
        },
        "total": now.total,
        "major": now.major,
        "total_change": _count_change(now.total, before.total),
        "major_change": _count_change(now.major, before.major),
        "total_change_words": _change_words(now.total, before.total),
        "major_change_words": _change_words(now.major, before.major),
        "by_category": _count_rows(now.by_category, before.by_category, now.total),
        "by_project": _count_rows(now.by_project, before.by_project, now.total),
        "by_department": _count_rows(now.by_department, before.by_department, now.total),
        "on_time": on_time,
        "warnings": _warnings(now, before),
        "as_of": as_of if running else None,
    }


def period_cases(ledger: Ledger, period: str) -> list[Case]:
    """The cases a statement of ``period`` counts, found by ``case_state`` (issue 15: not every case of the
    ledger): received, or with a deadline that may fall due, in the period or in the previous one."""
    _, first, end = period_bounds(period)
    _, before_first, _ = period_bounds(previous_period(period))
    return summaries_received_or_due(ledger, before_first, end)


def office_of(case: Case) -> str:
    """The service office of a case, as its registration recorded it (客户服务部 when none was)."""
    return str(case.registered.get("office") or "").strip() or DEPARTMENT


def statement_offices(cases: list[Case], period: str) -> list[str]:
    """The service offices with something to report for ``period``: a complaint received, or a deadline due,
    in the period or in the previous one (a drop to nothing is reported too), in name order."""
    _, first, end = period_bounds(period)
    _, before_first, _ = period_bounds(previous_period(period))
    offices = set()
    for case in cases:
        received = case.registered.received.date()
        if before_first <= received < end or any(before_first <= d.due < end for d in case.deadlines):
            offices.add(office_of(case))
    return sorted(offices)


def statement_figures(
    ledger: Ledger,
    calendar: WorkCalendar,
    period: str,
    today: date | None = None,
    office: str | None = None,
    cases: list[Case] | None = None,
    tallies: tuple[_Tally, _Tally] | None = None,
) -> dict:
    """The figures of the statement for ``period`` ("2026Q4" or "2026"), with the previous period's and the
    change: the company's, or with ``office`` those of that service office's cases only (CS-3.10.4).
    ``calendar`` gives the issue date (the first working day after the period); a period still running on
    ``today`` is reported as of today and dated today. ``cases``: already built from ``ledger``."""
    cases = period_cases(ledger, period) if cases is None else cases
    if office is not None:
        cases = [case for case in cases if office_of(case) == office]
    figures = figures_from_cases(cases, period, today, tallies)
    figures["office"] = office
    figures["issued_on"] = calendar.next_workday(date.fromordinal(figures["end"].toordinal() - 1))
    if figures["as_of"] is not None:
        figures["issued_on"] = figures["as_of"]
    return figures


# --------------------------------------------------------------------------------------------- chart


def _label(text: str, limit: int = 10) -> str:
    text = _CONTROL.sub("", str(text)).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _figure(value: float) -> str:
    return str(value) if isinstance(value, int) else f"{value:.1f}"


def bar_chart_svg(items: list[tuple[str, float]], title: str, *, unit: str = "", maximum: float | None = None) -> str:
    """A horizontal bar chart as ``<svg>`` text (CJK labels in the 黑体 role's font, :data:`CHART_FONT`).
    Every label and the title are escaped here: the result is well-formed SVG whatever the names are."""

    def esc(text: str, limit: int = 10) -> str:
        return html.escape(_label(text, limit), quote=True)

    width, label_w, value_w, row_h, top = 560, 150, 60, 24, 34
    bar_w = width - label_w - value_w - 10
    items = [(name, max(value, 0)) for name, value in items]
    scale_max = maximum or max((v for _, v in items), default=0) or 1
    height = top + max(len(items), 1) * row_h + 12
    font = f'font-family="{CHART_FONT}"'
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title, 40)}">',
        f'<text x="{width / 2:.0f}" y="18" text-anchor="middle" {font} font-size="14" fill="#000">{esc(title, 40)}</text>',
        f'<line x1="{label_w}" y1="{top - 4}" x2="{label_w}" y2="{height - 8}" stroke="#000" stroke-width="0.8"/>',
    ]
    if not items:
        parts.append(f'<text x="{label_w + 8}" y="{top + 16}" {font} font-size="13" fill="#000">本期无数据</text>')
    for i, (name, value) in enumerate(items):
        y = top + i * row_h
        length = bar_w * value / scale_max
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" {font} font-size="13" '
            f'fill="#000">{esc(name)}</text>'
        )
        if length > 0:
            parts.append(
                f'<rect x="{label_w}" y="{y + 4}" width="{length:.1f}" height="{row_h - 8}" '
                f'fill="#4a6f9c" stroke="#1f3b5c" stroke-width="0.5"/>'
            )
        parts.append(
            f'<text x="{label_w + length + 5:.1f}" y="{y + 15}" {font} font-size="13" '
            f'fill="#000">{_figure(value)}{html.escape(unit)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


# ----------------------------------------------------------------------------------------- documents


def _str_rows(rows: list[dict]) -> list[dict]:
    return [{k: str(v) for k, v in row.items()} for row in rows]


def statement_context(figures: dict) -> dict:
    """The context of ``statement.typ``: every value a str, the two charts as SVG text."""
    last = date.fromordinal(figures["end"].toordinal() - 1)
    prev = figures["previous"]
    rates = [row for row in figures["on_time"] if row["value"] is not None]
    office = figures.get("office")
    return {
        # CS-3.10.4: an office's statement goes from the office to 客户服务部, the consolidated one from
        # 客户服务部 to 总经理室
        "office": office or "",
        "addressee": DEPARTMENT if office else GENERAL_OFFICE,
        "issuer": office or DEPARTMENT,
        "period": figures["period"],
        "period_name": figures["period_name"],
        "span": f"{chinese_date(figures['first'])}至{chinese_date(last)}"
        + (f"，截至{chinese_date(figures['as_of'])}" if figures.get("as_of") else ""),
        "previous_name": prev["period_name"],
        "issued_on": figures["issued_on"].isoformat(),
        "total": str(figures["total"]),
        "major": str(figures["major"]),
        "previous_total": str(prev["total"]),
        "previous_major": str(prev["major"]),
        "total_change": NO_PREVIOUS_DATA if prev.get("no_data") else figures["total_change_words"],
        "major_change": NO_PREVIOUS_DATA if prev.get("no_data") else figures["major_change_words"],
        "by_category": _str_rows(figures["by_category"]),
        "by_project": _str_rows(figures["by_project"]),
        "by_department": _str_rows(figures["by_department"]),
        "on_time": _str_rows([{k: v for k, v in row.items() if k != "value"} for row in figures["on_time"]]),
        "warnings": list(figures["warnings"]),
        "category_chart": bar_chart_svg(
            [(row["name"], row["count"]) for row in figures["by_category"] if row["count"]],
            f"{figures['period_name']}投诉分类（件）",
        ),
        "rate_chart": bar_chart_svg(
            [(row["name"], round(row["value"] * 100, 1)) for row in rates],
            f"{figures['period_name']}各项期限按时完成率",
            unit="%",
            maximum=100,
        ),
    }


def write_statement(
    ws,
    ledger: Ledger,
    period: str,
    office: str | None = None,
    cases: list[Case] | None = None,
    tallies: tuple[_Tally, _Tally] | None = None,
) -> Path:
    """``outbox/reports/<period>/客户服务统计报表-<period>.pdf`` (PDF/A-3b) from ``statement.typ``, the company's;
    with ``office``, that service office's ``客户服务统计报表-<office>-<period>.pdf``."""
    figures = statement_figures(
        ledger, ws.calendar, period, today=ws.today(), office=office, cases=cases, tallies=tallies
    )
    label = figures["period"]
    name = f"{TITLE}-{safe_part(office, 80)}-{label}.pdf" if office else f"{TITLE}-{label}.pdf"
    out = ws.root / ws.settings.paths.outbox / "reports" / label / name
    return render_pdf("statement.typ", statement_context(figures), out, workspace_templates=ws.templates)


def write_statements(ws, ledger: Ledger, period: str, office: str | None = None) -> list[Path]:
    """``docgen report quarterly|annual``: the company's statement, then one per service office with something
    to report (:func:`statement_offices`); with ``office``, that office's statement alone. An office the
    ledger has no complaint of is refused (:class:`StatementOfficeError`) naming those it has."""
    label = period_bounds(period)[0]
    cases = period_cases(ledger, label)
    if office is not None:
        office = office.strip()
        known = sorted(ledger.case_offices())  # every office the ledger has a complaint of (case_state)
        if office not in known:
            raise StatementOfficeError(
                f"台账中没有“{office}”的投诉，无法生成该服务处的统计报表；已有投诉的服务处："
                + ("、".join(known) or "（无）")
            )
        return [write_statement(ws, ledger, label, office, [case for case in cases if office_of(case) == office])]
    by_office: dict[str, list[Case]] = {}
    for case in cases:  # each office's statement counts its own cases; the company's sums the offices' counts
        by_office.setdefault(office_of(case), []).append(case)
    today = ws.today()
    tallies = {name: _tallies(part, label, today) for name, part in by_office.items()}
    company = (_merged([t[0] for t in tallies.values()]), _merged([t[1] for t in tallies.values()]))
    return [write_statement(ws, ledger, label, None, cases, company)] + [
        write_statement(ws, ledger, label, name, by_office[name], tallies[name])
        for name in statement_offices(cases, label)
    ]
