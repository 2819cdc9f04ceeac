"""What the plan tests share (《计划管理程序》, issue 14): real workbooks written from the form definitions or filled
into the copies docgen emitted, dropped through the real pipeline."""

from __future__ import annotations

from datetime import date
from itertools import count
from pathlib import Path

from docgen import pipeline
from docgen.demo import fill_emitted
from docgen.office.xlsx import build_workbook, save_atomic
from docgen.steps import FORMS

_names = count(1)

# Six departments and two branches, a realistic year (万元, 万平方米, %).
TARGETS = [
    {"unit": "工程材料部", "indicator": "新开工面积", "annual": 40},
    {
        "unit": "工程材料部",
        "indicator": "竣工面积",
        "annual": 32,
        "split_q1": 4,
        "split_q2": 8,
        "split_q3": 8,
        "split_q4": 12,
    },
    {"unit": "经营销售部", "indicator": "销售金额", "annual": 240000},
    {"unit": "经营销售部", "indicator": "销售回款额", "annual": 200000},
    {"unit": "经营销售部", "indicator": "广告宣传费用", "annual": 4800},
    {"unit": "审计核算部", "indicator": "开发投资完成额", "annual": 180000},
    {"unit": "客户服务部", "indicator": "客户满意率", "annual": 90},
    {"unit": "人力资源部", "indicator": "人事费用", "annual": 9600},
    {"unit": "财务计统部", "indicator": "专项费用支出", "annual": 1200},
    {"unit": "福州分公司", "indicator": "销售金额", "annual": 120000},
    {"unit": "福州分公司", "indicator": "销售回款额", "annual": 100000},
    {"unit": "厦门分公司", "indicator": "销售金额", "annual": 80000},
]


def process(ws, ledger, path: Path, today: date, expect: str | None = "accepted"):
    """Drop ``path`` through the pipeline on ``today``; ``expect`` accepted (with or without findings) or rejected."""
    outcome = pipeline.process_file(ws, ledger, path, today)
    if expect == "accepted":
        assert outcome.status in ("accepted", "accepted_with_findings"), [f.message for f in outcome.findings]
    elif expect is not None:
        assert outcome.status == expect, (outcome.status, [f.message for f in outcome.findings])
    return outcome


def blank(ws, form_id: str, header: dict, lines: list[dict] | None = None, name: str = "") -> Path:
    """A form written from its definition (a clerk's copy of the blank in forms/), into intake/."""
    path = ws.intake / f"{name or form_id}-{next(_names)}.xlsx"
    return save_atomic(build_workbook(FORMS[form_id], header, lines or []), path)


def fill(ws, emitted: str, values: dict, lines: list[dict] | None = None) -> Path:
    """A form docgen emitted, filled as a clerk's Excel would (named cells; table rows by column title)."""
    target = ws.intake / f"{Path(emitted).stem}-{next(_names)}.xlsx"
    return fill_emitted(ws.root / emitted, values, lines or [], target)


def output(outcome, *fragments: str) -> str:
    """The one output whose path holds every fragment."""
    found = [o for o in outcome.outputs if all(f in o for f in fragments)]
    assert len(found) == 1, (fragments, outcome.outputs)
    return found[0]


def approve_targets(ws, ledger, lines=None, year: int = 2026, today: date = date(2026, 1, 20)):
    return process(
        ws, ledger, blank(ws, "PL-TARGETS", {"year": year, "approved_on": date(year, 1, 15)}, lines or TARGETS), today
    )


def messages(outcome, severity: str | None = None) -> list[str]:
    return [f.message for f in outcome.findings if severity is None or f.severity == severity]


def table_rows(path: Path) -> list[dict]:
    """The rows of a workbook form's table, by column title (blank rows left out)."""
    import openpyxl

    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    table = next(iter(sheet.tables.values()))
    min_col, min_row, max_col, max_row = openpyxl.utils.range_boundaries(table.ref)
    titles = [sheet.cell(min_row, c).value for c in range(min_col, max_col + 1)]
    rows = []
    for r in range(min_row + 1, max_row + 1):
        values = {t: sheet.cell(r, c).value for t, c in zip(titles, range(min_col, max_col + 1))}
        if any(v not in (None, "") for v in values.values()):
            rows.append(values)
    return rows


def named(path: Path, key: str):
    """The value of a workbook form's named cell."""
    import openpyxl

    workbook = openpyxl.load_workbook(path)
    sheet, cell = next(iter(workbook.defined_names[key].destinations))
    return workbook[sheet][cell.replace("$", "")].value


def docx_text(path: Path) -> str:
    from tests.test_repair_chain import docx_text as text

    return text(path)


def play_plan(ws, ledger, today: date = date(2026, 11, 27)) -> None:
    """Every plan event kind once (tests/test_events.py): the targets and project lines, a branch's first-quarter
    report with a warned deviation, its finance review, and an adjustment proposed then approved."""
    targets = approve_targets(ws, ledger, [{"unit": "福州分公司", "indicator": "XS02", "annual": 120000}], today=today)
    header = {"year": 2026, "approved_on": date(2026, 1, 15)}
    process(ws, ledger, blank(ws, "PL-PROJECTS", header, [{"project": "融侨观邸三期", "sales_amount": 160000}]), today)
    sheet = output(targets, "计划指标分解表-2026-福州分公司")
    lines = [{"本期实际": 21000, "偏差原因": "预售证延期"}]
    reported = process(ws, ledger, fill(ws, sheet, {"submitted_on": date(2026, 4, 9)}, lines), today)
    review = {"reviewer": "王敏", "reviewed_on": date(2026, 4, 14), "opinion": "通过"}
    process(ws, ledger, fill(ws, output(reported, "财务审核表"), review), today)
    proposal = {
        "year": 2026,
        "unit": "福州分公司",
        "indicator": "XS02",
        "effective_quarter": "四季度",
        "new_q4": 40000,
        "reason": "四季度加推",
        "proposed_on": date(2026, 9, 1),
    }
    pending = process(ws, ledger, blank(ws, "PL-ADJUST", proposal), today)
    decision = {"approver": "总经理", "approved_on": date(2026, 9, 5), "decision": "批准"}
    process(ws, ledger, fill(ws, output(pending, "待审批"), decision), today)


def receipt(ws, outcome) -> str:
    """The text of the 回执 the pipeline wrote for ``outcome``."""
    return (ws.root / output(outcome, "回执.txt")).read_text(encoding="utf-8")
