"""Quarterly nonconformity statistics 《不合格品/服务统计报告》 (issue 13 item 7; NC-2.3, NC-3.2.2 A, NC-3.2.3 C).

A function of the records (:func:`docgen.nonconformities.all_records`) and the period, never of the clock:

- counts of the records *opened* in the period by category (NC-3.1.x), responsible department, supplier and
  contractor (a record without a supplier or contractor is not counted in those tables), with the share of
  the period's total; severe ones (严重, 重大质量事故) counted apart;
- time to close: of the records *closed* in the period (closed by an 有效 verification, NC-2.3), the average,
  median and longest number of calendar days from opening to closing, and how many closed by their due date;
  records still open at the end of the period (or on ``as_of`` for a period still running) and of those the
  ones past their due date;
- effectiveness rate: of the verifications by 总经室 dated in the period (``nc.verified``; a record verified 无效
  and later 有效 counts twice), the share 有效 (有效 ÷ verified; "—" when none was made);
- recurring problems (NC-3.2.3 C, :func:`docgen.recurrence.recurrences` with ``[nonconformity]``): every repeat
  with a record opened in the period, with its records;
- suppliers struck off the 《合格供应商名录》 in the period (NC-3.2.2 A, :func:`docgen.suppliers.strike_offs`);
- the sales service's satisfaction (NC-3.2.4 A): the answers of the 《客户信息征询表》 dated in the period
  (``sales.inquiry``; a form sent again replaces the earlier copy of the same project, date and 销售主任), counted
  per item, and the records their 不满意 answers opened.

``write_nonconformity_report`` renders ``templates/pdf/nonconformity.typ`` (PDF/A-3b, the house style of
``docgen.typ``) into ``outbox/reports/<period>/`` and a special-study request (xlsx) per repeat listed.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from docgen.events import NC_VERIFIED, SALES_INQUIRY
from docgen.ledger import Ledger
from docgen.nonconformities import NcRecord, all_records
from docgen.recurrence import Recurrence, recurrences, study_request_name, write_study_request
from docgen.render.pdf import render_pdf
from docgen.reports.statements import bar_chart_svg, period_bounds, period_name
from docgen.suppliers import SERIOUS, strike_offs
from docgen.wording import chinese_date
from docgen.workspace import Nonconformity

__all__ = [
    "TITLE",
    "nonconformity_context",
    "nonconformity_figures",
    "nonconformity_json",
    "report_nonconformity",
    "write_nonconformity_report",
]

TITLE = "不合格品/服务统计报告"
FILE_TITLE = "不合格品统计报告"
ISSUER = "总经室"  # NC-2.3: 总经室 coordinates the nonconformities and verifies the corrective actions
EFFECTIVE = "有效"
NONE = "—"
MAJOR_ACCIDENT = "重大质量事故"


def _name(value: str | None) -> str:
    return " ".join(str(value or "").split())


def _rows(counter: Counter, total: int) -> list[dict]:
    return [
        {"name": name, "count": n, "share": f"{n / total * 100:.1f}%" if total else NONE}
        for name, n in sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    ]


def _short(category: str) -> str:
    """A category as the chart labels it, within its 10 characters: the clause and the short name (3.1.3 施工, the
    chart's title naming NC-3.1); an unknown one as is."""
    from docgen.steps.nonconformity import CATEGORY_CLAUSES, CATEGORY_SHORT

    if category not in CATEGORY_SHORT:
        return category
    return f"{CATEGORY_CLAUSES[category].removeprefix('NC-')} {CATEGORY_SHORT[category]}"


def _days(value: float | None) -> str:
    return NONE if value is None else f"{value:.1f}".removesuffix(".0")


def _verifications(record: NcRecord) -> list[tuple[date, str]]:
    """Each verification of ``record`` by 总经室 (NC-2.3) as ``(day, 有效/无效)``: its ``nc.verified`` events; a
    record built without events (an older ledger, a test) counts its latest result once, on its closing day, or
    on its opening day when 无效."""
    found = [
        (date.fromisoformat(e.payload["verified_on"]), str(e.payload["result"]))
        for e in record.events
        if e.kind == NC_VERIFIED and e.payload.get("verified_on") and e.payload.get("result")
    ]
    if not found and record.verified:
        found = [(record.closed_on or record.opened_on, record.verified)]
    return found


SALES_LEVELS = ("满意", "基本满意", "不满意")  # the 《客户信息征询表》's scale (docgen.steps.sales_inquiry.SCALE)


def sales_service_figures(inquiries: Sequence[dict], first: date, cut: date) -> dict:
    """The 《客户信息征询表》 (``sales.inquiry`` payloads, ledger order) dated in [first, cut): the latest copy per
    project, date and 销售主任; per item the customers answering each level; the records opened."""
    latest: dict[tuple, dict] = {}
    for p in inquiries:
        if first <= date.fromisoformat(p["filled_on"]) < cut:
            latest[(p["project"], p["filled_on"], p["supervisor"])] = p
    items: dict[str, Counter] = {}
    for p in latest.values():
        for item in p["items"]:
            items.setdefault(item, Counter()).update(p["counts"].get(item, {}))
    return {
        "forms": len(latest),
        "customers": sum(p["customers"] for p in latest.values()),
        "records": sorted({line["record"] for p in latest.values() for line in p["lines"] if line.get("record")}),
        "items": {item: {level: counter[level] for level in SALES_LEVELS} for item, counter in items.items()},
    }


def nonconformity_figures(
    records: Sequence[NcRecord],
    period: str,
    settings: Nonconformity | None = None,
    as_of: date | None = None,
    inquiries: Sequence[dict] = (),
) -> dict:
    """The statistics of ``period`` ("2026Q4", or a year "2026") from ``records``; ``as_of``: for a period
    still running, the day it is reported as of (records open then, not at the period's end)."""
    settings = settings or Nonconformity()
    label, first, end = period_bounds(period)
    running = as_of is not None and as_of < end
    cut = as_of + timedelta(days=1) if running and as_of is not None else end  # the first day not counted
    known = [r for r in records if r.opened_on < cut]
    opened = [r for r in known if first <= r.opened_on]
    total = len(opened)
    closed = [r for r in known if r.closed_on is not None and first <= r.closed_on < cut]
    durations = [(r.closed_on - r.opened_on).days for r in closed if r.closed_on is not None]
    on_time = sum(1 for r in closed if r.due is None or (r.closed_on is not None and r.closed_on <= r.due))
    still_open = [r for r in known if r.closed_on is None or r.closed_on >= cut]
    overdue = [r for r in still_open if r.due is not None and r.due < cut]
    verified = [result for r in known for day, result in _verifications(r) if first <= day < cut]
    effective = sum(1 for result in verified if result == EFFECTIVE)
    repeats = [
        rep for rep in recurrences(known, settings.recurrence_count, settings.recurrence_months) if rep.last >= first
    ]
    struck = [(name, cause) for name, cause in strike_offs(known).items() if first <= cause.opened_on]
    return {
        "period": label,
        "period_name": period_name(label),
        "first": first,
        "end": end,
        "as_of": as_of if running else None,
        "total": total,
        "serious": sum(1 for r in opened if r.severity.strip() in SERIOUS),
        "major_accidents": sum(1 for r in opened if r.severity.strip() == MAJOR_ACCIDENT),
        "by_category": _rows(Counter(_name(r.category) or "（未分类）" for r in opened), total),
        "by_department": _rows(Counter(_name(r.department) or "（未指定）" for r in opened), total),
        "by_supplier": _rows(Counter(_name(r.supplier) for r in opened if _name(r.supplier)), total),
        "by_contractor": _rows(Counter(_name(r.contractor) for r in opened if _name(r.contractor)), total),
        "closed": len(closed),
        "closed_on_time": on_time,
        "close_average": statistics.fmean(durations) if durations else None,
        "close_median": statistics.median(durations) if durations else None,
        "close_longest": max(durations) if durations else None,
        "open": len(still_open),
        "overdue": [r.number for r in sorted(overdue, key=lambda r: (r.due or r.opened_on, r.number))],
        "verified": len(verified),
        "effective": effective,
        "effectiveness": effective / len(verified) if verified else None,
        "recurrences": repeats,
        "struck_off": sorted(struck, key=lambda item: (item[1].opened_on, item[0])),
        "sales_service": sales_service_figures(inquiries, first, cut),
        "rule": f"同一类别、同一缺陷类型在同一项目或同一供应商、施工单位{settings.recurrence_months}个月内出现"
        f"{settings.recurrence_count}次及以上",
    }


def _recurrence_row(rep: Recurrence) -> dict:
    return {
        "category": rep.category,
        "defect": rep.defect,
        "where": rep.where_text,
        "count": str(len(rep.records)),
        "span": f"{chinese_date(rep.first)}至{chinese_date(rep.last)}"
        if rep.first != rep.last
        else chinese_date(rep.first),
        "numbers": "、".join(rep.numbers),
    }


def _str_rows(rows: list[dict]) -> list[dict]:
    return [{k: str(v) for k, v in row.items()} for row in rows]


def _sales_service_context(sales: dict | None) -> dict:
    """``sales_service``: one row per item (满意, 基本满意, 不满意, 满意率 = 满意 ÷ answers); ``sales_note``."""
    if not sales or not sales["forms"]:
        return {"sales_service": [], "sales_note": "本期未收到《客户信息征询表》。"}
    rows = []
    for item, levels in sales["items"].items():
        answers = sum(levels.values())
        rate = f"{levels['满意'] / answers * 100:.1f}%" if answers else NONE
        rows.append(
            {
                "name": item,
                **{key: str(levels[level]) for key, level in zip(("good", "fair", "bad"), SALES_LEVELS)},
                "rate": rate,
            }
        )
    opened = sales["records"]
    note = f"本期收到《客户信息征询表》{sales['forms']}份，征询客户{sales['customers']}人；" + (
        f"不满意的客户开立纠正措施记录{len(opened)}件（{'、'.join(opened)}）。" if opened else "无不满意的客户。"
    )
    return {"sales_service": rows, "sales_note": note}


def nonconformity_context(figures: dict, issued_on: date) -> dict:
    """The context of ``nonconformity.typ``: every value a str, the category chart as SVG text."""
    last = figures["end"] - timedelta(days=1)
    rate = figures["effectiveness"]
    return {
        "period": figures["period"],
        "period_name": figures["period_name"],
        "span": f"{chinese_date(figures['first'])}至{chinese_date(last)}"
        + (f"，截至{chinese_date(figures['as_of'])}" if figures.get("as_of") else ""),
        "issuer": ISSUER,
        "issued_on": issued_on.isoformat(),
        "total": str(figures["total"]),
        "serious": str(figures["serious"]),
        "major_accidents": str(figures["major_accidents"]),
        "by_category": _str_rows(figures["by_category"]),
        "by_department": _str_rows(figures["by_department"]),
        "by_supplier": _str_rows(figures["by_supplier"]),
        "by_contractor": _str_rows(figures["by_contractor"]),
        "closing": [
            {"name": "本期关闭（经验证有效）", "value": f"{figures['closed']}件"},
            {"name": "其中按期关闭", "value": f"{figures['closed_on_time']}件"},
            {"name": "平均关闭时间", "value": f"{_days(figures['close_average'])}天"},
            {"name": "关闭时间中位数", "value": f"{_days(figures['close_median'])}天"},
            {"name": "最长关闭时间", "value": f"{_days(figures['close_longest'])}天"},
            {"name": "期末未关闭", "value": f"{figures['open']}件"},
            {"name": "其中已超过整改期限", "value": f"{len(figures['overdue'])}件"},
            {"name": "本期效果验证", "value": f"{figures['verified']}次"},
            {"name": "其中验证有效", "value": f"{figures['effective']}次"},
            {"name": "纠正措施有效率", "value": NONE if rate is None else f"{rate * 100:.1f}%"},
        ],
        "overdue": list(figures["overdue"]),
        "effectiveness": NONE if rate is None else f"{rate * 100:.1f}%",
        "recurrences": [_recurrence_row(rep) for rep in figures["recurrences"]],
        "rule": figures["rule"],
        "struck_off": [
            {
                "name": name,
                "date": chinese_date(cause.opened_on),
                "number": cause.number,
                "defect": f"{cause.defect}（{cause.severity}）",
            }
            for name, cause in figures["struck_off"]
        ],
        **_sales_service_context(figures.get("sales_service")),
        "category_chart": bar_chart_svg(
            [(_short(row["name"]), row["count"]) for row in figures["by_category"]],
            f"{figures['period_name']}不合格品/服务分类（件，NC-3.1 条款）",
        ),
    }


def nonconformity_json(figures: dict) -> dict:
    """The quarter's figures as ``report nonconformity --json`` prints them (JSON types only)."""

    def days(value: float | None) -> float | None:
        return None if value is None else round(float(value), 1)

    return {
        "period": figures["period"],
        "as_of": figures["as_of"].isoformat() if figures["as_of"] else None,
        "total": figures["total"],
        "serious": figures["serious"],
        "major_accidents": figures["major_accidents"],
        "by_category": [{**row, "short": _short(row["name"])} for row in figures["by_category"]],
        "by_department": figures["by_department"],
        "by_supplier": figures["by_supplier"],
        "by_contractor": figures["by_contractor"],
        "closed": figures["closed"],
        "closed_on_time": figures["closed_on_time"],
        "days_to_close": {
            "average": days(figures["close_average"]),
            "median": days(figures["close_median"]),
            "longest": figures["close_longest"],
        },
        "open": figures["open"],
        "overdue": figures["overdue"],
        "verified": figures["verified"],
        "effective": figures["effective"],
        "effectiveness": None if figures["effectiveness"] is None else round(figures["effectiveness"], 4),
        "recurrences": [
            {
                "category": rep.category,
                "defect": rep.defect,
                "where": [{"label": label, "name": name} for label, name in rep.where],
                "numbers": list(rep.numbers),
                "first": rep.first.isoformat(),
                "last": rep.last.isoformat(),
            }
            for rep in figures["recurrences"]
        ],
        "struck_off": [{"supplier": name, "number": cause.number} for name, cause in figures["struck_off"]],
    }


def report_nonconformity(
    ws, ledger: Ledger, period: str, records: Sequence[NcRecord] | None = None
) -> tuple[list[Path], dict]:
    """:func:`write_nonconformity_report`, with its figures (:func:`nonconformity_json`) for ``--json``."""
    records = all_records(ledger) if records is None else list(records)
    today = ws.today()
    inquiries = [e.payload for e in ledger.events(kind=SALES_INQUIRY)]
    figures = nonconformity_figures(records, period, ws.settings.nonconformity, as_of=today, inquiries=inquiries)
    label = figures["period"]
    issued_on = figures["as_of"] or ws.calendar.next_workday(figures["end"] - timedelta(days=1))
    out = ws.outbox / "reports" / label / f"{FILE_TITLE}-{label}.pdf"
    paths = [
        render_pdf(
            "nonconformity.typ", nonconformity_context(figures, issued_on), out, workspace_templates=ws.templates
        )
    ]
    folder = ws.outbox / "reports" / "不合格品"
    for rep in figures["recurrences"]:
        paths.append(write_study_request(folder / study_request_name(rep), rep, rep.last))
    return paths, nonconformity_json(figures)


def write_nonconformity_report(
    ws, ledger: Ledger, period: str, records: Sequence[NcRecord] | None = None
) -> list[Path]:
    """``docgen report nonconformity --quarter 2026Q4``: ``outbox/reports/<period>/不合格品统计报告-<period>.pdf``
    (PDF/A-3b), then one special-study request per repeat it lists into ``outbox/reports/不合格品/``."""
    return report_nonconformity(ws, ledger, period, records)[0]
