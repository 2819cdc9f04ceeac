"""The group's plan execution reports (issue 14 item 4; PL-3.3.3, PL-3.4.3): quarterly, half-year and annual, PDF/A and
Word, from a year of reports in a real ledger (``tests/plan_helpers.py``), and the report's own window tracked."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date
from decimal import Decimal

import docx
import openpyxl
import pikepdf
import pytest

from docgen.cli import main
from docgen.errors import PeriodError
from docgen.events import PLAN_GROUP_REPORT
from docgen.plans import load_plan_year
from docgen.reports.plan_execution import (
    execution_figures,
    group_period,
    group_report_warnings,
    unit_rows,
)
from docgen.workspace import Workspace
from tests.docx_helpers import all_text
from tests.plan_ledger import write_year


def flat(pdf) -> str:
    """The PDF's text in reading order (``pdftotext -raw``) without blanks: a wrapped cell reads whole."""
    raw = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", raw)


def plan(ws, capsys, *argv: str) -> dict:
    capsys.readouterr()
    assert main(["--workspace", str(ws.root), "plan", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def on(monkeypatch, day: date) -> None:
    monkeypatch.setattr(Workspace, "today", lambda self: day)


def row_of(figures: dict, unit: str, code: str):
    return next(r for r in figures["rows"] if (r.unit, r.code) == (unit, code))


def test_the_periods_are_read_as_the_procedure_names_them():
    assert group_period(quarter="2026q3").label == "2026Q3"
    assert group_period(half="2026H1").report_periods == ("Q1", "Q2")
    assert group_period(year="2026").name == "2026年度"
    assert group_period(quarter="2026Q4").last == date(2026, 12, 31)
    for bad in ({"quarter": "2026Q5"}, {"half": "2026H2"}, {"year": "26"}, {}):
        with pytest.raises(PeriodError):
            group_period(**bad)


def test_the_quarter_s_figures_are_direction_aware_and_against_the_adjusted_plan(ws, ledger):
    write_year(ws, ledger)
    year = load_plan_year(ledger, ws.settings, 2026)
    figures = execution_figures(year, group_period(quarter="2026Q3"), date(2026, 10, 20))
    sales = row_of(figures, "经营销售部", "XS02")
    assert sales.line.planned == 90000 and sales.line.actual == 54000
    assert sales.line.deviation_pct == Decimal("-40.00") and sales.line.warned
    assert (sales.line.cumulative_planned, sales.line.cumulative_actual) == (225000, 189000)
    # the year's target after the adjustment approved for Q4 (75000 → 60000): 285000
    assert sales.annual == 285000
    assert sales.progress.quantize(Decimal("0.1")) == Decimal("66.3")
    assert sales.status == "预警"
    assert row_of(figures, "工程材料部", "GC01").status == "正常"  # −6.67 %: adverse, under both thresholds
    assert row_of(figures, "工程材料部", "GC01").line.adverse
    assert row_of(figures, "人力资源部", "RL02").line is None  # Q3 missing
    assert [(s["unit"], s["period"]) for s in figures["missing"]] == [("人力资源部", "Q3")]
    assert figures["late"] == [] and figures["finance_late"] == []
    assert [(w["unit"], w["code"]) for w in figures["warnings"]] == [("经营销售部", "XS02")]
    assert "在规定时间内" in figures["window_text"] and "2026年10月11日至2026年10月31日" in figures["window_text"]
    row = next(r for r in unit_rows(figures) if r["unit"] == "经营销售部" and r["indicator"].startswith("销售金额"))
    assert (row["deviation"], row["progress"], row["status"]) == ("-40%", "66.3%", "预警")


def test_a_lower_is_better_overrun_is_adverse_and_a_higher_is_better_overrun_is_not(ws, ledger):
    write_year(ws, ledger)
    year = load_plan_year(ledger, ws.settings, 2026)
    figures = execution_figures(year, group_period(quarter="2026Q1"), date(2026, 4, 20))
    admin = row_of(figures, "人力资源部", "RL02")
    assert admin.line.deviation_pct == Decimal("30.00") and admin.line.adverse and admin.line.warned
    q2 = execution_figures(year, group_period(quarter="2026Q2"), date(2026, 7, 20))
    design = row_of(q2, "设计研发部", "SJ01")
    assert design.line.deviation_pct == Decimal("10.00") and not design.line.adverse and design.status == "正常"


def test_the_half_year_is_q1_plus_q2(ws, ledger):
    write_year(ws, ledger, quarters=2)
    year = load_plan_year(ledger, ws.settings, 2026)
    figures = execution_figures(year, group_period(half="2026H1"), date(2026, 7, 25))
    collection = row_of(figures, "福州分公司", "XS03")
    assert (collection.line.planned, collection.line.actual) == (43000, 35500)  # 18000 + 25000; 18000 + 17500
    assert collection.line.deviation_pct == Decimal("-17.44")
    level = row_of(figures, "设计研发部", "SJ02")  # a rate: the half year's is Q2's level
    assert level.line.planned == 90 and level.progress is None
    assert [(s["unit"], s["period"], s["late_days"]) for s in figures["late"]] == [("审计核算部", "Q2", 4)]
    assert [(s["unit"], s["period"]) for s in figures["finance_late"]] == [("厦门分公司", "Q2")]
    # both quarters' warnings: 人力资源部 Q1, 福州分公司 Q2
    assert {(w["unit"], w["period"]) for w in figures["warnings"]} == {("人力资源部", "Q1"), ("福州分公司", "Q2")}


def test_the_annual_report_shows_the_whole_year_as_pdf_a_and_word(ws, ledger, capsys, monkeypatch):
    write_year(ws, ledger)
    ledger.close()
    on(monkeypatch, date(2027, 1, 25))
    data = plan(ws, capsys, "report", "--year", "2026")
    assert data["late"] == [["审计核算部", "Q2"]]
    assert data["missing"] == [["人力资源部", "Q3"]]
    assert data["finance_late"] == [["厦门分公司", "Q2"]]
    assert data["warnings"] == 3
    assert data["window"] == ["2027-01-21", "2027-01-31"]
    pdf_path, docx_path = (ws.root / out for out in data["outputs"])
    assert pdf_path.name == "集团计划执行报告-2026.pdf" and docx_path.suffix == ".docx"
    with pikepdf.open(pdf_path) as pdf:
        assert pdf.open_metadata().pdfa_status == "3B"
        assert str(pdf.docinfo.get("/Title")) == "2026年度集团年度计划执行报告"
    text = flat(pdf_path)
    for value in (
        "2026年度集团年度计划执行报告",
        "迟报1份，未报1份，分支机构报告财务审核逾期1份",
        "受区域限价政策影响，融侨观邸二期推迟开盘",
        "按揭银行放款周期延长",
        "集团办公楼搬迁一次性费用",
        "-40%",
        "-30%",
        "+30%",
        "迟报4天",
        "审核逾期",
        "JHTZ-2026-001",
        "区域限价政策出台，二期开盘时间待定",
        "本报告在规定时间内生成",
    ):
        assert value in text, value
    assert "<svg" not in text
    assert len(docx.Document(docx_path).inline_shapes) == 2  # the two charts, as the PDF draws them
    text = all_text(docx_path)
    for value in (
        "迟报1份，未报1份，分支机构报告财务审核逾期1份",
        "受区域限价政策影响，融侨观邸二期推迟开盘",
        "六、执行中的经验（由企业发展中心撰写）",
        "【请企业发展中心在此撰写本期计划执行的经验。】",
        "福州分公司（第三季度）报告：加强按揭银行沟通，回款周期缩短",
        "经营销售部（第三季度）报告：开盘节奏对政策变化预判不足",
        "本报告在规定时间内生成",
    ):
        assert value in text, value


def test_producing_the_report_is_recorded_and_a_window_passed_without_it_is_warned(ws, ledger, capsys, monkeypatch):
    write_year(ws, ledger, quarters=3, annual=False)
    warned = group_report_warnings(ledger, ws.calendar, date(2026, 11, 5))
    # each window ended before 5 November (Q3's on 31 October); Q4's and the year's are still ahead
    assert [p.number for p in warned[0].late] == ["2026Q1", "2026Q2", "2026H1", "2026Q3"]
    assert group_report_warnings(ledger, ws.calendar, date(2026, 10, 30), date(2026, 11, 2))[0].due_tomorrow[
        0
    ].number == ("2026Q3")
    ledger.close()
    on(monkeypatch, date(2026, 11, 5))
    late = plan(ws, capsys, "report", "--quarter", "2026Q2")
    assert "本报告晚于规定时间97天生成" in flat(ws.root / late["outputs"][0])  # window 11–31 July
    on(monkeypatch, date(2026, 11, 10))
    again = plan(ws, capsys, "report", "--quarter", "2026Q2")  # made again later: the first day still counts
    assert again["first_produced_on"] == "2026-11-05"
    reopened = ws.open_ledger()
    try:
        produced = [e.payload for e in reopened.events(kind=PLAN_GROUP_REPORT)]
        assert [(p["period"], p["produced_on"]) for p in produced] == [("Q2", "2026-11-05"), ("Q2", "2026-11-10")]
        left = group_report_warnings(reopened, ws.calendar, date(2026, 11, 10))
        assert [(p.number, p.deadline.clause, p.deadline.actor) for p in left[0].late] == [
            ("2026Q1", "PL-3.4.3", "企业发展中心"),
            ("2026H1", "PL-3.4.3", "企业发展中心"),
            ("2026Q3", "PL-3.4.3", "企业发展中心"),
        ]
    finally:
        reopened.close()
    capsys.readouterr()
    assert main(["--workspace", str(ws.root), "report", "warning", "--date", "2026-11-10"]) == 0
    warning = next((ws.outbox / "reports" / "逾期预警").glob("逾期预警-2026-11-10.docx"))
    text = all_text(warning)
    assert "企业发展中心" in text and "提交《集团2026年第一季度计划执行报告》" in text and "2026Q2" not in text


def test_a_report_made_while_its_period_runs_is_an_interim_copy_and_does_not_count(ws, ledger, capsys, monkeypatch):
    write_year(ws, ledger, quarters=3, annual=False)
    ledger.close()
    on(monkeypatch, date(2026, 11, 20))
    interim = plan(ws, capsys, "report", "--quarter", "2026Q4")
    assert "本期尚未结束，本报告为期中汇总，不作为正式报送" in flat(ws.root / interim["outputs"][0])
    reopened = ws.open_ledger()
    try:
        late = group_report_warnings(reopened, ws.calendar, date(2027, 2, 5))
        assert "2026Q4" in [p.number for p in late[0].late]
    finally:
        reopened.close()


def test_a_year_without_targets_is_refused_with_a_message(ws, capsys):
    assert main(["--workspace", str(ws.root), "plan", "report", "--quarter", "2026Q1"]) == 2
    assert "还没有已受理的年度计划指标" in capsys.readouterr().err


def test_a_year_played_through_intake_gives_every_group_document(ws, ledger, capsys, monkeypatch):
    """Issue 14 "Done means", with B1's forms dropped through the pipeline (``tests/plan_helpers.py``): a late report,
    a missing one, a late finance review and three large deviations reach the group reports, the minutes drafts and
    an assessment whose scores recompute from the printed method."""
    from tests.plan_helpers import write_year as play_year
    from tests.test_plan_assessment import recompute, table

    play_year(ws, ledger)
    ledger.close()
    on(monkeypatch, date(2027, 1, 25))
    year = plan(ws, capsys, "report", "--year", "2026")
    assert year["late"] == [["审计核算部", "Q2"]]
    assert year["missing"] == [["客户服务部", "Q3"]]
    assert year["finance_late"] == [["福州分公司", "Q1"]]
    assert year["warnings"] == 3
    text = flat(ws.root / year["outputs"][0])
    for reason in ("福州三期预售证延期取得，开盘推迟至4月", "年中促销加投户外广告", "台风停工，两个地块开工推迟"):
        assert reason in text and reason in all_text(ws.root / year["outputs"][1])
    assert "三期预售证延期取得" in text  # a non-routine problem (PL-2.2.3)
    quarter = plan(ws, capsys, "report", "--quarter", "2026Q3")
    assert quarter["missing"] == [["客户服务部", "Q3"]] and quarter["warnings"] == 1
    meeting = plan(ws, capsys, "meeting", "--year", "2026")
    minutes = all_text(ws.root / meeting["outputs"][0])
    assert "对下一年度计划的改进意见（PL-3.3.6）" in minutes and "台风停工，两个地块开工推迟" in minutes
    briefing = plan(ws, capsys, "meeting", "--quarter", "2026Q3")
    assert "是否提出计划调整方案" in all_text(ws.root / briefing["outputs"][0])
    states = {}
    for argv in (("--quarter", "2026Q2"), ("--year", "2026")):
        data = plan(ws, capsys, "assess", *argv)
        book = openpyxl.load_workbook(ws.root / data["outputs"][0])
        printed_scores = {row["单位"]: Decimal(str(row["综合得分"])) for row in table(book["考核汇总"], "序号")}
        assert printed_scores == recompute(book)
        states[argv[1]] = data["scores"]["审计核算部"]["state"]
    assert states == {"2026Q2": "迟报", "2026": "按时"}


def test_before_the_year_ends_meeting_and_assessment_are_refused_and_the_interim_report_agrees(
    ws, ledger, capsys, monkeypatch
):
    # issue 14 D11: no all-zero ranking, no minutes on a period still running; 一 and 四 both say 未到期
    write_year(ws, ledger, quarters=3, annual=False)
    ledger.close()
    on(monkeypatch, date(2026, 11, 27))
    for task in ("meeting", "assess"):
        capsys.readouterr()
        assert main(["--workspace", str(ws.root), "plan", task, "--year", "2026"]) == 2
        err = capsys.readouterr().err
        assert "2026年度尚未结束" in err, err
    interim = plan(ws, capsys, "report", "--year", "2026")
    text = all_text(ws.root / interim["outputs"][1])
    assert "未报" not in text.split("五、")[0].split("四、")[0].split("一、")[1]
    assert "未到期" in text.split("一、")[1].split("二、")[0]


def test_the_chart_reads_the_direction_and_rounds_as_the_table(ws):
    # issue 14 D16: an overspend of a lower-is-better indicator charts below 100 %; D6: 76.25 → 76.3 in both
    from docgen.plans import report_line
    from docgen.reports.plan_execution import UnitRow, charts, pct

    plan = ws.settings.plan
    sales, admin = plan.indicator("XS02"), plan.indicator("RL02")
    rows = [
        UnitRow(
            "经营销售部",
            "XS02",
            sales.label,
            "越高越好",
            "sum",
            report_line(sales, Decimal(400), Decimal(305), Decimal(400), Decimal(305)),
            Decimal(1600),
            sales,
        ),
        UnitRow(
            "人力资源部",
            "RL02",
            admin.label,
            "越低越好",
            "sum",
            report_line(admin, Decimal(100), Decimal(130), Decimal(100), Decimal(130)),
            Decimal(400),
            admin,
        ),
    ]
    assert pct(rows[0].execution) == "76.3%" and pct(rows[1].execution) == "76.9%"
    execution, _ = charts({"period": group_period(quarter="2026Q1"), "rows": rows})
    assert ">76.3%<" in execution and ">76.9%<" in execution and ">130.0%<" not in execution
