"""《计划执行报告》 through intake/ (PL-3.3.1, PL-3.4.1, PL-3.4.2, PL-2.2.3, PL-3.3.2): docgen computes the deviation
from the approved plan, asks for the reason of a large one on its row, warns, dates the report against its due day,
sends a branch's to finance and pre-fills the unit's next report."""

from __future__ import annotations

from datetime import date

import pytest

from docgen.events import PLAN_REPORT, PLAN_WARNING
from docgen.plans import load_plan_year
from tests.plan_intake import (
    approve_targets,
    blank,
    docx_text,
    fill,
    messages,
    named,
    output,
    process,
    receipt,
    table_rows,
)

LINES = [
    {"unit": "经营销售部", "indicator": "XS02", "annual": 240000},
    {"unit": "经营销售部", "indicator": "XS04", "annual": 4800},
    {"unit": "客户服务部", "indicator": "KF02", "annual": 90},
    {"unit": "厦门分公司", "indicator": "XS02", "annual": 80000},
]


@pytest.fixture
def sheets(ws, ledger):
    targets = approve_targets(ws, ledger, LINES)
    return {unit: output(targets, f"计划指标分解表-2026-{unit}") for unit in ("经营销售部", "客户服务部", "厦门分公司")}


def report(ws, ledger, sheet, lines, submitted=date(2026, 4, 8), expect="accepted", **values):
    return process(ws, ledger, fill(ws, sheet, {"submitted_on": submitted, **values}, lines), submitted, expect)


def test_the_deviation_is_docgens_and_written_back(ws, ledger, sheets):
    # the clerk's 偏差率 and 本期计划 are not trusted
    lines = [{"本期实际": 57000, "偏差率（%）": "0", "本期计划": 57000}, {"本期实际": 1150}]
    outcome = report(ws, ledger, sheets["经营销售部"], lines)
    checked = table_rows(ws.root / output(outcome, "计划执行报告-2026-Q1-经营销售部-核算"))
    assert [(r["指标名称"], r["本期计划"], r["本期实际"], r["累计实际"], r["偏差率（%）"]) for r in checked] == [
        ("销售金额", 60000, 57000, 57000, -5),
        ("广告宣传费用", 1200, 1150, 1150, -4.17),
    ]
    assert [f.field for f in outcome.findings if f.severity == "warning"] == ["lines.planned"]
    stored = ledger.events(kind=PLAN_REPORT)[-1].payload
    assert [(line["indicator"], line["deviation_pct"], line["adverse"]) for line in stored["lines"]] == [
        ("XS02", "-5", True),
        ("XS04", "-4.17", False),
    ]
    assert (stored["due_on"], stored["late"], stored["finance_due_on"]) == ("2026-04-10", False, None)


@pytest.mark.parametrize(("actual", "words"), [(48000, "偏差-20%，达到±10%"), (72000, "偏差+20%，达到±10%")])
def test_a_large_deviation_either_way_needs_its_reason(ws, ledger, sheets, actual, words):
    outcome = report(ws, ledger, sheets["经营销售部"], [{"本期实际": actual}, {"本期实际": 1200}], expect="rejected")
    errors = [f for f in outcome.findings if f.severity == "error"]
    assert [(f.clause, f.field, f.location) for f in errors] == [("PL-3.4.1", "lines.reason", "计划执行报告!O10")]
    assert words in errors[0].message and "须写明偏差原因" in errors[0].message
    assert ledger.events(kind=PLAN_REPORT) == []


def test_an_adverse_deviation_past_the_threshold_warns_once(ws, ledger, sheets):
    lines = [{"本期实际": 45000, "偏差原因": "春节后来访量低于预期"}, {"本期实际": 1200}]
    first = report(ws, ledger, sheets["经营销售部"], lines)
    text = docx_text(ws.root / output(first, "计划预警通知-2026-Q1-经营销售部-销售金额"))
    for words in (
        "经营销售部：",
        "2026年第一季度",
        "本期实际低于计划25%",
        "60000",
        "45000",
        "预警幅度",
        "20%",
        "春节后来访量低于预期",
        "PL-3.4.2",
        "PL-3.3.4",
    ):
        assert words in text, words
    assert any("已向经营销售部和企业发展中心发出《计划预警通知》" in m for m in messages(first, "warning"))
    # sent again (a correction): no second notice
    again = report(ws, ledger, sheets["经营销售部"], lines, submitted=date(2026, 4, 9))
    assert not [o for o in again.outputs if "预警" in o] and len(ledger.events(kind=PLAN_WARNING)) == 1
    assert any("本次作为更正记录" in m for m in messages(again, "warning"))


@pytest.mark.parametrize(("submitted", "late"), [(date(2026, 4, 10), False), (date(2026, 4, 11), True)])
def test_the_10th_is_on_time_the_11th_late(ws, ledger, sheets, submitted, late):
    outcome = report(ws, ledger, sheets["客户服务部"], [{"本期实际": 91}], submitted=submitted)
    violations = [(f.clause, f.message) for f in outcome.findings if f.severity == "violation"]
    assert bool(violations) is late
    if late:
        assert violations == [
            (
                "PL-3.3.1",
                "客户服务部2026年第一季度计划执行报告应于2026年4月10日前报送，2026年4月11日报送，迟报1天（PL-3.3.1）",
            )
        ]
    assert load_plan_year(ledger, ws.settings, 2026).reports[("客户服务部", "Q1")].late is late
    text = receipt(ws, outcome)  # the clause once, on the receipt as on the console (issue 14 D15)
    assert "（PL-3.3.1）（PL-3.3.1）" not in text and ("迟报1天（PL-3.3.1）" in text) is late


def test_a_correction_keeps_the_first_days_timeliness(ws, ledger, sheets):
    report(ws, ledger, sheets["客户服务部"], [{"本期实际": 91}], submitted=date(2026, 4, 9))
    again = report(ws, ledger, sheets["客户服务部"], [{"本期实际": 92}], submitted=date(2026, 4, 15))
    assert [f for f in again.findings if f.severity == "violation"] == []
    kept = load_plan_year(ledger, ws.settings, 2026).reports[("客户服务部", "Q1")]
    assert (kept.submitted_on, kept.late, kept.lines[0].actual) == (date(2026, 4, 9), False, 92)


def test_a_branch_report_goes_to_finance_within_five_working_days(ws, ledger, sheets):
    # Thu 30 April is day 0; 1–5 May are the 劳动节 holiday and Sat 9 May a make-up working day: 6, 7, 8, 9, 11 May
    outcome = report(ws, ledger, sheets["厦门分公司"], [{"本期实际": 19800}], submitted=date(2026, 4, 30))
    finance = ws.root / output(outcome, "财务计统部/计划执行报告财务审核表-2026-Q1-厦门分公司")
    assert (named(finance, "unit"), named(finance, "period"), named(finance, "submitted"), named(finance, "due")) == (
        "厦门分公司",
        "第一季度",
        "2026年4月30日",
        "2026年5月11日前",
    )
    assert load_plan_year(ledger, ws.settings, 2026).reports[("厦门分公司", "Q1")].finance_due_on == date(2026, 5, 11)
    # a fact on the receipt, not a warning: an on-time branch report is plainly accepted (issue 14 D15)
    assert [f.severity for f in outcome.findings] == ["violation"]  # reported late (due 10 April); no warning
    text = receipt(ws, outcome)
    assert "已转财务计统部审核，审核期限2026年5月11日（PL-3.3.2）" in text and "（PL-3.3.2）（PL-3.3.2）" not in text


def test_the_next_report_is_prefilled_and_the_fourth_quarter_brings_the_years(ws, ledger, sheets):
    q1 = report(ws, ledger, sheets["经营销售部"], [{"本期实际": 58000}, {"本期实际": 1190}])
    q2_sheet = output(q1, "计划执行报告-2026-Q2-经营销售部.xlsx")
    rows = table_rows(ws.root / q2_sheet)
    assert [(r["本期计划"], r["累计计划"], r["上期累计实际"], r["本期实际"]) for r in rows] == [
        (60000, 120000, 58000, None),
        (1200, 2400, 1190, None),
    ]
    assert named(ws.root / q2_sheet, "due") == "2026年7月10日前"
    q2 = report(ws, ledger, q2_sheet, [{"本期实际": 61000}, {"本期实际": 1200}], submitted=date(2026, 7, 6))
    assert (
        load_plan_year(ledger, ws.settings, 2026).reports[("经营销售部", "Q2")].line("XS02").cumulative_actual == 119000
    )
    q3 = report(
        ws,
        ledger,
        output(q2, "Q3-经营销售部.xlsx"),
        [{"本期实际": 60000}, {"本期实际": 1200}],
        submitted=date(2026, 10, 9),
    )
    q4 = report(
        ws,
        ledger,
        output(q3, "Q4-经营销售部.xlsx"),
        [{"本期实际": 60000}, {"本期实际": 1200}],
        submitted=date(2027, 1, 8),
    )
    year_sheet = ws.root / output(q4, "计划执行报告-2026-年度-经营销售部.xlsx")
    assert named(year_sheet, "period") == "年度" and named(year_sheet, "due") == "2027年1月20日前"
    assert [(r["本期计划"], r["本期实际"]) for r in table_rows(year_sheet)] == [(240000, 239000), (4800, 4790)]
    annual = report(ws, ledger, str(year_sheet.relative_to(ws.root)), [], submitted=date(2027, 1, 18))
    assert not [o for o in annual.outputs if o.startswith("outbox/plan/") and "核算" not in o]
    assert load_plan_year(ledger, ws.settings, 2026).reports[("经营销售部", "年度")].line("XS02").actual == 239000


def test_problems_are_lines_and_left_out_indicators_a_warning(ws, ledger, sheets):
    header = {
        "unit": "经营销售部",
        "year": 2026,
        "period": "Q1",
        "submitted_on": date(2026, 4, 8),
        "problems": "主力楼盘预售证延期；银行按揭额度收紧",
        "experience": "以老带新成交占比提高",
    }
    outcome = process(
        ws, ledger, blank(ws, "PL-REPORT", header, [{"name": "销售金额", "actual": 59000}]), date(2026, 4, 8)
    )
    stored = load_plan_year(ledger, ws.settings, 2026).reports[("经营销售部", "Q1")]
    assert stored.problems == ("主力楼盘预售证延期", "银行按揭额度收紧") and stored.experience == "以老带新成交占比提高"
    assert [line.indicator for line in stored.lines] == ["XS02"]
    assert any("报告缺少以下指标的执行情况：广告宣传费用" in m for m in messages(outcome, "warning"))
    assert "非常规问题2项列入集团计划执行报告（PL-2.2.3）" in receipt(ws, outcome)
    # PL-2.2.1: every unit reports the indicators it was given; the one left out is cited by that clause
    [left_out] = [f for f in outcome.findings if "报告缺少以下指标" in f.message]
    assert left_out.clause == "PL-2.2.1"


def test_a_line_that_is_not_the_units_is_an_error_on_its_cell(ws, ledger, sheets):
    lines = [{"本期实际": 91}, {"指标名称": "销售金额", "本期实际": 100}]
    outcome = report(ws, ledger, sheets["客户服务部"], lines, expect="rejected")
    errors = [(f.clause, f.field, f.location) for f in outcome.findings if f.severity == "error"]
    assert errors == [("PL-3.2.3.4", "lines.name", "计划执行报告!B11")]  # 客户服务部's own clause (D2)


def test_an_unknown_unit_a_year_without_targets_a_date_before_the_period_ends(ws, ledger, sheets):
    header = {"unit": "企划部", "year": 2026, "period": "第一季度", "submitted_on": date(2026, 4, 8)}
    rows = [{"name": "销售金额", "actual": 1}]
    unknown = process(ws, ledger, blank(ws, "PL-REPORT", header, rows), date(2026, 4, 8), "rejected")
    assert [f.field for f in unknown.findings if f.severity == "error"] == ["unit"]
    header = {**header, "unit": "经营销售部", "year": 2025}
    no_plan = process(ws, ledger, blank(ws, "PL-REPORT", header, rows), date(2026, 4, 8), "rejected")
    assert [f.field for f in no_plan.findings if f.severity == "error"] == ["year"]
    early = {**header, "year": 2026, "submitted_on": date(2026, 3, 20)}
    too_early = process(ws, ledger, blank(ws, "PL-REPORT", early, rows), date(2026, 4, 8), "rejected")
    # the row's missing reason comes in the same round (issue 14 D1)
    assert [f.field for f in too_early.findings if f.severity == "error"] == ["submitted_on", "lines.reason"]


def test_a_cumulative_figure_docgen_cannot_carry_must_be_written(ws, ledger, sheets):
    # the second quarter on the blank, with no first-quarter report on record
    header = {"unit": "经营销售部", "year": 2026, "period": "二季度", "submitted_on": date(2026, 7, 8)}
    rows = [{"name": "销售金额", "actual": 60000}, {"name": "XS04", "actual": 1200, "cumulative_actual": 2400}]
    outcome = process(ws, ledger, blank(ws, "PL-REPORT", header, rows), date(2026, 7, 8), "rejected")
    errors = [(f.field, f.location) for f in outcome.findings if f.severity == "error"]
    assert errors == [("lines.cumulative_actual", "计划执行报告!M10")]
    rows[0]["cumulative_actual"] = 118000
    process(ws, ledger, blank(ws, "PL-REPORT", header, rows), date(2026, 7, 8))
    line = load_plan_year(ledger, ws.settings, 2026).reports[("经营销售部", "Q2")].line("XS02")
    assert (line.cumulative_planned, line.cumulative_actual) == (120000, 118000)


def test_the_split_sheet_survives_a_libreoffice_resave(ws, ledger, sheets, tmp_path):
    """docs/design.md §3: an emitted next-step form is itself an intake form, after another office suite saved it."""
    from tests.test_office_docx import soffice_resave

    filled = fill(
        ws, sheets["经营销售部"], {"submitted_on": date(2026, 4, 8)}, [{"本期实际": 59000}, {"本期实际": 1180}]
    )
    resaved = soffice_resave(filled, tmp_path / "lo", "xlsx")
    filled.unlink()
    moved = ws.intake / "resaved.xlsx"
    moved.write_bytes(resaved.read_bytes())
    process(ws, ledger, moved, date(2026, 4, 8))
    line = load_plan_year(ledger, ws.settings, 2026).reports[("经营销售部", "Q1")].line("XS04")
    assert (line.planned, line.actual, line.cumulative_actual) == (1200, 1180, 1180)


def test_a_finance_deadline_in_an_unpublished_year_is_provisional(ws, ledger, sheets):
    # issue 14 D7: 2027's holidays are not published; the five working days are counted on the statutory rules
    outcome = report(ws, ledger, sheets["厦门分公司"], [{"本期实际": 19800}], submitted=date(2026, 4, 8))
    q2 = report(
        ws,
        ledger,
        output(outcome, "计划执行报告-2026-Q2-厦门分公司.xlsx"),
        [{"本期实际": 19800}],
        submitted=date(2026, 7, 8),
    )
    q3 = report(
        ws,
        ledger,
        output(q2, "计划执行报告-2026-Q3-厦门分公司.xlsx"),
        [{"本期实际": 19800}],
        submitted=date(2026, 10, 9),
    )
    q4 = report(
        ws,
        ledger,
        output(q3, "计划执行报告-2026-Q4-厦门分公司.xlsx"),
        [{"本期实际": 19800}],
        submitted=date(2027, 1, 8),
    )
    assert "审核期限2027年1月15日（暂定）（PL-3.3.2）" in receipt(ws, q4)
    finance = ws.root / output(q4, "财务审核表-2026-Q4-厦门分公司")
    assert named(finance, "due") == "2027年1月15日前（暂定）"
    assert load_plan_year(ledger, ws.settings, 2026).reports[("厦门分公司", "Q4")].finance_due_provisional
    # a 2026 deadline is firm
    assert "审核期限2026年4月15日（PL-3.3.2）" in receipt(ws, outcome)
    # on time, routine: plainly accepted, not "有违规或提示记录" (issue 14 D15)
    assert outcome.status == "accepted" and "处理结果：已受理\n" in receipt(ws, outcome)


def _three_quarters(ws, ledger, sheets, q1_actual=58000):
    q1 = report(ws, ledger, sheets["经营销售部"], [{"本期实际": q1_actual}, {"本期实际": 1190}])
    q2 = report(
        ws,
        ledger,
        output(q1, "计划执行报告-2026-Q2-经营销售部.xlsx"),
        [{"本期实际": 61000}, {"本期实际": 1200}],
        submitted=date(2026, 7, 6),
    )
    q3 = report(
        ws,
        ledger,
        output(q2, "计划执行报告-2026-Q3-经营销售部.xlsx"),
        [{"本期实际": 60000}, {"本期实际": 1200}],
        submitted=date(2026, 10, 9),
    )
    return q1, q2, q3


def test_a_corrected_quarter_flows_into_the_later_cumulative_figures(ws, ledger, sheets):
    # issue 14 D8: the cumulative actual is docgen's, from the latest version of every quarter's report
    _three_quarters(ws, ledger, sheets)
    cumulative = load_plan_year(ledger, ws.settings, 2026).reports[("经营销售部", "Q3")].line("XS02").cumulative_actual
    assert cumulative == 58000 + 61000 + 60000
    corrected = report(
        ws, ledger, sheets["经营销售部"], [{"本期实际": 55000}, {"本期实际": 1190}], submitted=date(2026, 10, 20)
    )
    year = load_plan_year(ledger, ws.settings, 2026)
    assert year.reports[("经营销售部", "Q2")].line("XS02").cumulative_actual == 55000 + 61000
    assert year.reports[("经营销售部", "Q3")].line("XS02").cumulative_actual == 55000 + 61000 + 60000
    # D13: Q2 and Q3 are in: the correction does not send the second quarter's pre-filled report again
    assert not [o for o in corrected.outputs if "计划执行报告-2026-Q2" in o]


def test_a_cumulative_figure_the_clerk_wrote_is_checked_not_trusted(ws, ledger, sheets):
    q1 = report(ws, ledger, sheets["经营销售部"], [{"本期实际": 58000}, {"本期实际": 1190}])
    q2 = report(
        ws,
        ledger,
        output(q1, "计划执行报告-2026-Q2-经营销售部.xlsx"),
        [{"本期实际": 61000, "累计实际": 120000}, {"本期实际": 1200}],
        submitted=date(2026, 7, 6),
    )
    assert any("累计实际写为120000" in m and "累计为119000" in m for m in messages(q2, "warning"))
    assert (
        load_plan_year(ledger, ws.settings, 2026).reports[("经营销售部", "Q2")].line("XS02").cumulative_actual == 119000
    )


def test_type_errors_and_rule_errors_come_in_one_round(ws, ledger, sheets):
    # issue 14 D1: a bad number in one row does not hide the other rows' rule errors
    header = {"unit": "经营销售部", "year": 2026, "period": "第一季度", "submitted_on": date(2026, 4, 8)}
    rows = [
        {"name": "销售金额", "actual": "五万"},
        {"name": "客户满意率", "actual": 90},
        {"name": "广告宣传费用", "actual": 2000},
        {"name": "土地储备", "actual": 1},
    ]
    outcome = process(ws, ledger, blank(ws, "PL-REPORT", header, rows), date(2026, 4, 8), "rejected")
    errors = [(f.field, f.location) for f in outcome.findings if f.severity == "error"]
    assert errors == [
        ("lines.actual", "计划执行报告!J10"),
        ("lines.name", "计划执行报告!B11"),
        ("lines.name", "计划执行报告!B13"),
        ("lines.reason", "计划执行报告!O12"),
    ]
    assert not messages(outcome, "warning")
