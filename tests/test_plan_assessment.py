"""The plan execution assessment 《计划执行考核表》 for 人力资源部 (issue 14 item 7; PL-3.4.3): every score recomputed
from the rule printed in the sheet and the figures of its detail sheet, independently of the code that wrote it."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
import pytest

from docgen.cli import main
from docgen.office.xlsx import least_print_scale
from docgen.reports.plan_assessment import DETAIL_COLUMNS, MAIN_COLUMNS
from docgen.workspace import Workspace
from tests.plan_ledger import write_year


def assess(ws, capsys, monkeypatch, today: date, *argv: str) -> tuple[dict, openpyxl.Workbook]:
    monkeypatch.setattr(Workspace, "today", lambda self: today)
    capsys.readouterr()
    assert main(["--workspace", str(ws.root), "plan", "assess", *argv, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    return data, openpyxl.load_workbook(ws.root / data["outputs"][0])


def rule_text(sheet) -> str:
    return "".join(str(c.value) for row in sheet.iter_rows() for c in row if isinstance(c.value, str))


def table(sheet, first_header: str) -> list[dict]:
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == first_header)
    header = rows[start]
    out = []
    for row in rows[start + 1 :]:
        if row[1] is None:
            break
        out.append(dict(zip(header, row)))
    return out


def recompute(book) -> dict[str, Decimal]:
    """The scores as a manager would work them out from the printed method and the 指标明细 sheet."""
    text = rule_text(book["考核汇总"])
    on_time, late = (Decimal(x) for x in re.search(r"按时提交(\d+)分，迟报(\d+)分，未报0分", text).groups())
    deduction = Decimal(re.search(r"扣(\d+)分，最低0分", text).group(1))
    w = re.search(r"（(\d+)×及时性＋(\d+)×完整性＋(\d+)×达成度）÷(\d+)", text).groups()
    wt, wc, wa, total = (Decimal(x) for x in w)
    assert wt + wc + wa == total
    details: dict[str, list[dict]] = {}
    for row in table(book["指标明细"], "单位"):
        details.setdefault(row["单位"], []).append(row)
    out = {}
    for row in table(book["考核汇总"], "序号"):
        unit, state = row["单位"], row["报送情况"]
        t = on_time if state.startswith("按时") else late if state.startswith("迟报") else Decimal(0)
        if row["财务审核扣分"] != "—":  # 财务计统部: the deduction for its late reviews
            assert Decimal(str(row["财务审核扣分"])) % deduction == 0
            t = max(t - Decimal(str(row["财务审核扣分"])), Decimal(0))
        lines = details[unit]
        c = Decimal(100) * sum(1 for r in lines if r["完整"] == "是") / len(lines)
        # 完成比率 is a number (a share, shown as 0.00 %), not text (issue 14 D15)
        a = Decimal(100) * sum(Decimal(str(r["完成比率"])) for r in lines) / len(lines)
        c, a = (v.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) for v in (c, a))
        score = ((wt * t + wc * c + wa * a) / total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert (Decimal(str(row["及时性"])), Decimal(str(row["完整性"])), Decimal(str(row["达成度"]))) == (t, c, a), (
            unit
        )
        out[unit] = score
    return out


def test_the_second_quarter_s_scores_recompute_from_the_printed_method(ws, ledger, capsys, monkeypatch):
    write_year(ws, ledger, quarters=2)
    ledger.close()
    data, book = assess(ws, capsys, monkeypatch, date(2026, 7, 25), "--quarter", "2026Q2")
    printed = {row["单位"]: Decimal(str(row["综合得分"])) for row in table(book["考核汇总"], "序号")}
    assert printed == recompute(book)
    # by hand: late report 60 → (20×60 + 20×100 + 60×100) ÷ 100
    assert printed["审计核算部"] == Decimal("92.00")
    # 销售回款额 at 70 % of plan, its reason given: achievement (100 + 70 + 100) ÷ 3 = 90
    assert printed["福州分公司"] == Decimal("94.00")
    # 厦门分公司's review late: 财务计统部's timeliness 100 − 20
    assert printed["财务计统部"] == Decimal("96.00")
    assert printed["设计研发部"] == Decimal("100.00")  # over plan is capped at 100 %
    assert data["scores"]["审计核算部"]["state"] == "迟报"
    assert "PL-3.4.3" in rule_text(book["考核汇总"])
    detail = book["指标明细"]
    ratios = [row[5] for row in detail.iter_rows(min_row=3) if row[5].value is not None]
    assert ratios and all(isinstance(c.value, (int, float)) and c.number_format == "0.00%" for c in ratios)


def test_a_missing_report_scores_zero_but_for_nothing_else(ws, ledger, capsys, monkeypatch):
    write_year(ws, ledger, quarters=3, annual=False)
    ledger.close()
    _, book = assess(ws, capsys, monkeypatch, date(2026, 10, 20), "--quarter", "2026Q3")
    printed = {row["单位"]: Decimal(str(row["综合得分"])) for row in table(book["考核汇总"], "序号")}
    assert printed == recompute(book)
    assert printed["人力资源部"] == Decimal("0.00")
    # 销售金额 at 60 %: (100 + 60 + 100 + 100) ÷ 4 = 90 → 20 + 20 + 54
    assert printed["经营销售部"] == Decimal("94.00")


def test_the_year_and_configured_weights(ws, ledger, capsys, monkeypatch):
    (ws.root / "docgen.toml").write_text(
        "[plan.assessment]\ntimeliness = 30\ncompleteness = 10\nachievement = 60\n", encoding="utf-8"
    )
    ws = Workspace.open(ws.root)
    write_year(ws, ledger)
    ledger.close()
    _, book = assess(ws, capsys, monkeypatch, date(2027, 1, 25), "--year", "2026")
    assert "（30×及时性＋10×完整性＋60×达成度）÷100" in rule_text(book["考核汇总"])
    printed = {row["单位"]: Decimal(str(row["综合得分"])) for row in table(book["考核汇总"], "序号")}
    assert printed == recompute(book)
    # 行政管理费用 (lower is better) 3440 against 3200: 3200 ÷ 3440; 人事费用 on plan
    ratio = (Decimal(3200) / Decimal(3440) * 100 + 100) / 2
    expected = (Decimal(3000) + Decimal(1000) + 60 * ratio.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)) / 100
    assert printed["人力资源部"] == expected.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_the_sheets_print_one_page_wide_at_nine_points_or_more():
    for columns in (MAIN_COLUMNS, DETAIL_COLUMNS):
        scale = least_print_scale([width for _, width in columns], "A4", True)
        assert 10.5 * scale >= 9, scale


def test_a_half_year_is_not_assessed(ws):
    # PL-3.4.3 assesses quarterly and at the year's end: the command offers no --half
    with pytest.raises(SystemExit) as exit_status:
        main(["--workspace", str(ws.root), "plan", "assess", "--half", "2026H1"])
    assert exit_status.value.code == 2
