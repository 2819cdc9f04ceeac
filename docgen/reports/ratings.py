"""Quarterly worker rating (CS-3.5.10): from the customer's opinion signed on the work order and the
answer given at the callback, per repair worker and per team.

Points per answer: 满意 100, 基本满意 80, 不满意 40; a worker's score is the mean of every answer on
the repairs they worked on (both the work-order opinion and the callback count), so a repair the
customer was unhappy with weighs on everyone who did it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from docgen.atomic import write_with
from docgen.errors import PeriodError  # raised here for a quarter not written like 2026Q4
from docgen.events import CASE_CALLED_BACK, CASE_COMPLETED
from docgen.ledger import Ledger

POINTS = {"满意": 100, "基本满意": 80, "不满意": 40}
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def quarter_bounds(text: str) -> tuple[date, date]:
    match = re.fullmatch(r"(\d{4})\s*Q([1-4])", text.strip().upper())
    if not match:
        raise PeriodError(f"季度“{text}”格式不对；应为 2026Q4 这样的写法")
    year, quarter = int(match[1]), int(match[2])
    first = date(year, 3 * quarter - 2, 1)
    last = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
    return first, last  # last is exclusive


@dataclass
class Tally:
    repairs: set[str] = field(default_factory=set)
    answers: dict[str, int] = field(default_factory=lambda: {name: 0 for name in POINTS})
    callbacks: int = 0

    @property
    def count(self) -> int:
        return sum(self.answers.values())

    @property
    def score(self) -> float | None:
        return round(sum(POINTS[k] * n for k, n in self.answers.items()) / self.count, 1) if self.count else None


def split_workers(text: str | None) -> list[str]:
    return [name for name in re.split(r"[、,，;；/\s]+", text or "") if name]


def tally(ledger: Ledger, first: date, last: date) -> tuple[dict[str, Tally], dict[str, Tally]]:
    workers: dict[str, Tally] = defaultdict(Tally)
    teams: dict[str, Tally] = defaultdict(Tally)
    callbacks = {e.case_id: e.payload for e in ledger.events(kind=CASE_CALLED_BACK)}  # the latest wins
    completions = {e.case_id: e for e in ledger.events(kind=CASE_COMPLETED)}  # a correction replaces
    for case_id, event in completions.items():
        if case_id is None:  # a completion is always recorded against its case
            continue
        done = event.payload
        if not first <= date.fromisoformat(done["completed_date"]) < last:
            continue
        answers = [done.get("customer_opinion")]
        callback = callbacks.get(case_id)
        if callback:
            answers.append(callback.get("satisfaction"))
        for tally_ in [workers[name] for name in split_workers(done.get("workers"))] + [
            teams[done.get("repairer") or "—"]
        ]:
            tally_.repairs.add(case_id)
            tally_.callbacks += bool(callback)
            for answer in answers:
                if answer in POINTS:
                    tally_.answers[answer] += 1
    return dict(workers), dict(teams)


def _sheet(wb, title: str, heading: str, rows: dict[str, Tally]) -> None:
    ws = wb.create_sheet(title)
    ws.append([heading])
    ws["A1"].font = Font(name="黑体", size=14, bold=True)
    columns = [title.replace("按", ""), "维修次数", "满意", "基本满意", "不满意", "已回访", "综合得分"]
    ws.append(columns)
    for cell in ws[2]:
        cell.font, cell.border = Font(name="宋体", bold=True), _BOX
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        cell.alignment = Alignment(horizontal="center")
    for name, t in sorted(rows.items(), key=lambda item: (-(item[1].score or 0), item[0])):
        ws.append(
            [name, len(t.repairs), t.answers["满意"], t.answers["基本满意"], t.answers["不满意"], t.callbacks, t.score]
        )
        for cell in ws[ws.max_row]:
            cell.border, cell.font = _BOX, Font(name="宋体")
    for letter, width in zip("ABCDEFG", (22, 10, 8, 10, 8, 8, 10)):
        ws.column_dimensions[letter].width = width


def write_ratings(ledger: Ledger, quarter: str, path: Path) -> tuple[Path, dict]:
    first, last = quarter_bounds(quarter)
    workers, teams = tally(ledger, first, last)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    heading = f"{quarter} 维修服务质量评价（依据《客户服务管理程序》第3.5.10条）"
    _sheet(wb, "按维修人员", heading, workers)
    _sheet(wb, "按维修队", heading, teams)
    note = wb.create_sheet("说明")
    note.append(["得分：满意100分、基本满意80分、不满意40分；派工单上的客户意见与回访意见各计一次，取平均。"])
    write_with(path, wb.save)
    summary = {
        "quarter": quarter,
        "workers": {n: {"repairs": len(t.repairs), "score": t.score} for n, t in workers.items()},
        "teams": {n: {"repairs": len(t.repairs), "score": t.score} for n, t in teams.items()},
    }
    return path, summary
