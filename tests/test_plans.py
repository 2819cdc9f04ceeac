"""The year's plan derived from its events (docgen.plans): due dates (PL-3.3.1, PL-3.4.3), the deviation rule
(PL-3.3.4, PL-3.4.1, PL-3.4.2), the year as the ledger tells it after a real year through intake/, adjustments
applied from their effective quarter, what the daily warning and ``status`` list, and the scenario of issue 14
played step by step."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from docgen import plans
from docgen.cli import main
from docgen.plans import (
    ANNUAL,
    group_report_window,
    load_plan_year,
    overdue,
    period_label,
    report_due,
    report_line,
)
from docgen.reports.weekly_docs import write_daily_warning
from docgen.workspace import Settings, init_workspace
from tests.plan_helpers import write_year
from tests.plan_intake import (
    approve_targets,
    blank,
    docx_text,
    fill,
    messages,
    named,
    output,
    process,
    table_rows,
)

PLAN = Settings().plan


# ============================================================ dates


@pytest.mark.parametrize(
    ("period", "due"),
    [
        ("Q1", date(2026, 4, 10)),
        ("Q2", date(2026, 7, 10)),
        ("Q3", date(2026, 10, 10)),
        ("Q4", date(2027, 1, 10)),
        (ANNUAL, date(2027, 1, 20)),
    ],
)
def test_reports_are_due_by_the_10th_and_the_year_by_20_january(period, due):
    # PL-3.3.1 "每季度首月的10日前 … 下一年度的1月20日前": the day itself is on time
    assert report_due(2026, period) == due


def test_the_group_report_window():
    # PL-3.4.3 "季度结束后的第一月的中下旬 … 年度结束后的第一个月的下旬"
    assert group_report_window(2026, "Q1") == (date(2026, 4, 11), date(2026, 4, 30))
    assert group_report_window(2026, "Q3") == (date(2026, 10, 11), date(2026, 10, 31))
    assert group_report_window(2026, "Q4") == (date(2027, 1, 11), date(2027, 1, 31))
    assert group_report_window(2026, plans.HALF_YEAR) == group_report_window(2026, "Q2")
    assert group_report_window(2026, ANNUAL) == (date(2027, 1, 21), date(2027, 1, 31))
    assert [period_label(p) for p in plans.PERIODS] == ["第一季度", "第二季度", "第三季度", "第四季度", "年度"]


# ============================================================ the deviation


def test_a_deviation_is_signed_and_read_against_the_indicators_direction():
    sales, advertising = PLAN.indicator("XS02"), PLAN.indicator("XS04")  # warn 20 % / 15 %
    line = report_line(sales, Decimal(30000), Decimal(21000), Decimal(30000), Decimal(21000))
    assert (line.deviation_pct, line.adverse, line.warned) == (Decimal("-30.00"), True, True)
    # selling more than planned is no warning, whatever the size
    assert report_line(sales, Decimal(100), Decimal(160), Decimal(100), Decimal(160)).warned is False
    # spending more than planned is adverse for a lower-is-better indicator; exactly at the threshold warns
    over = report_line(advertising, Decimal(1200), Decimal(1380), Decimal(1200), Decimal(1380))
    assert (over.deviation_pct, over.adverse, over.warned) == (Decimal("15.00"), True, True)
    under = report_line(advertising, Decimal(1200), Decimal(1000), Decimal(1200), Decimal(1000))
    assert (under.adverse, under.warned) == (False, False)
    # one hundredth below the threshold: no warning; a third rounds half up
    assert report_line(sales, Decimal(100), Decimal("80.01"), Decimal(100), Decimal("80.01")).warned is False
    assert plans.deviation(Decimal(3), Decimal(2)) == Decimal("-33.33")
    # nothing planned: no percentage, and no warning (the report still shows the figure)
    nothing = report_line(advertising, Decimal(0), Decimal(50), Decimal(0), Decimal(50))
    assert (nothing.deviation_pct, nothing.adverse, nothing.warned) == (None, True, False)
    assert plans.reason_required(sales, Decimal("10")) and not plans.reason_required(sales, Decimal("9.99"))
    assert plans.reason_required(sales, Decimal("-10")) and not plans.reason_required(sales, None)


# ============================================================ a year through intake/


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    ws = init_workspace(tmp_path_factory.mktemp("plan") / "ws")
    ledger = ws.open_ledger()
    played = write_year(ws, ledger)
    yield ws, ledger, played
    ledger.close()


def test_the_year_as_the_ledger_tells_it(year):
    ws, ledger, _ = year
    plan_year = load_plan_year(ledger, ws.settings, 2026)
    assert plan_year is not None and load_plan_year(ledger, ws.settings, 2025) is None
    assert len(plan_year.units) == 8 and plan_year.approved_on == date(2026, 1, 15)
    # the default split: 25 % a quarter; an explicit split as written; a rate's quarters are its level
    assert plan_year.targets[("经营销售部", "XS02")] == dict.fromkeys((1, 2, 3, 4), Decimal("60000"))
    assert plan_year.targets[("工程材料部", "GC02")] == {1: 4, 2: 8, 3: 8, 4: 12}
    assert plan_year.targets[("客户服务部", "KF02")] == dict.fromkeys((1, 2, 3, 4), Decimal(90))
    assert plan_year.annual_targets[("经营销售部", "XS02")] == Decimal(240000)
    assert plan_year.cumulative_target("经营销售部", "XS02", "Q3") == Decimal(180000)
    assert plan_year.cumulative_target("客户服务部", "KF02", "Q3") == Decimal(90)
    # 39 reports: 8 units × 5 periods less 客户服务部's third quarter
    assert len(plan_year.reports) == 39 and ("客户服务部", "Q3") not in plan_year.reports
    late = [key for key, report in plan_year.reports.items() if report.late]
    assert late == [("审计核算部", "Q2")]
    fuzhou = plan_year.reports[("福州分公司", "Q1")]
    assert (fuzhou.finance_due_on, fuzhou.finance_reviewed_on, fuzhou.finance_late) == (
        date(2026, 4, 15),  # submitted Wed 8 April, five working days
        date(2026, 4, 24),
        True,
    )
    assert fuzhou.problems == ("三期预售证延期取得", "土地出让金支付节点提前")
    assert [r for r in plan_year.reports.values() if r.finance_late] == [fuzhou]
    sales = fuzhou.line("XS02")
    assert (sales.planned, sales.actual, sales.deviation_pct, sales.warned) == (
        Decimal(30000),
        Decimal(21000),
        Decimal(-30),
        True,
    )
    # cumulative figures carried quarter to quarter
    q3 = plan_year.reports[("经营销售部", "Q3")].line("XS02")
    assert (q3.cumulative_planned, q3.cumulative_actual) == (Decimal(180000), Decimal(176400))
    warned = sorted((w.unit, w.period, w.indicator, w.deviation_pct) for w in plan_year.warnings)
    assert warned == [
        ("工程材料部", "Q3", "GC01", Decimal(-40)),
        ("福州分公司", "Q1", "XS02", Decimal(-30)),
        ("经营销售部", "Q2", "XS04", Decimal(25)),
    ]
    assert plan_year.missing("Q3", date(2026, 10, 10)) == []  # due that day: not yet missing
    assert plan_year.missing("Q3", date(2026, 10, 11)) == ["客户服务部"]


def test_three_warning_notices_were_issued(year):
    ws, _, _ = year
    notices = sorted(p.name for p in (ws.outbox / "plan" / "2026" / "预警").iterdir())
    assert notices == [
        "计划预警通知-2026-Q1-福州分公司-销售金额.docx",
        "计划预警通知-2026-Q2-经营销售部-广告宣传费用.docx",
        "计划预警通知-2026-Q3-工程材料部-新开工面积.docx",
    ]
    text = docx_text(ws.outbox / "plan" / "2026" / "预警" / notices[1])
    assert "经营销售部：" in text and "“广告宣传费用”本期实际高于计划25%，偏差+25%，已达到预警幅度15%" in text
    assert "年中促销加投户外广告" in text and "PL-3.4.2" in text and "企业发展中心（盖章）" in text


def test_missing_reports_and_overdue_reviews_are_listed(year, capsys):
    ws, ledger, _ = year
    lines = [item.text for item in overdue(ledger, ws.settings, date(2027, 1, 25))]
    assert lines == [
        "客户服务部：2026年第三季度计划执行报告未向企业发展中心报送，期限2026年10月10日（PL-3.3.1），已逾期"
    ]
    written = write_daily_warning(ws, ledger, date(2027, 1, 25))
    text = docx_text(written[0])
    assert "客户服务部" in text and "2026年第三季度" in text and "PL-3.3.1" in text
    assert "未向企业发展中心报送（《计划管理程序》PL-3.3.1，由企业发展中心督办）" in text  # issue 14 D15
    assert main(["--workspace", str(ws.root), "status", "--today", "2027-01-25"]) == 0
    assert "客户服务部：2026年第三季度计划执行报告未向企业发展中心报送" in capsys.readouterr().out


# ============================================================ the scenario of issue 14, step by step


def test_targets_reports_review_warning_adjustment(ws, ledger):
    targets = approve_targets(ws, ledger)
    sheet = output(targets, "计划指标分解表-2026-福州分公司")
    assert [r["本期计划"] for r in table_rows(ws.root / sheet)] == [30000, 25000]

    # 人力资源部 reports on the 10th (on time); 审计核算部 on the 11th (late, PL-3.3.1)
    hr = fill(
        ws, output(targets, "计划指标分解表-2026-人力资源部"), {"submitted_on": date(2026, 4, 10)}, [{"本期实际": 2350}]
    )
    assert messages(process(ws, ledger, hr, date(2026, 4, 10)), "violation") == []
    audit = fill(
        ws,
        output(targets, "计划指标分解表-2026-审计核算部"),
        {"submitted_on": date(2026, 4, 11)},
        [{"本期实际": 44000}],
    )
    late = process(ws, ledger, audit, date(2026, 4, 11))
    assert [(f.clause, f.severity) for f in late.findings if f.severity == "violation"] == [("PL-3.3.1", "violation")]

    # the branch: a large deviation without a reason is refused on that row's cell …
    values = {"submitted_on": date(2026, 4, 9)}
    refused = process(
        ws, ledger, fill(ws, sheet, values, [{"本期实际": 21000}, {"本期实际": 24000}]), date(2026, 4, 9), "rejected"
    )
    assert [(f.clause, f.field, f.location) for f in refused.findings] == [
        ("PL-3.4.1", "lines.reason", "计划执行报告!O10")
    ]
    # … with one it is accepted, warned, and sent to finance
    lines = [{"本期实际": 21000, "偏差原因": "三期预售证延期"}, {"本期实际": 24000}]
    accepted = process(ws, ledger, fill(ws, sheet, values, lines), date(2026, 4, 9))
    notice = docx_text(ws.root / output(accepted, "计划预警通知"))
    assert "福州分公司：" in notice and "偏差-30%" in notice and "三期预售证延期" in notice
    finance = output(accepted, "计划执行报告财务审核表")
    assert named(ws.root / finance, "due") == "2026年4月16日前"  # Thu 9 April + 5 working days
    review = fill(ws, finance, {"reviewer": "王敏", "reviewed_on": date(2026, 4, 20), "opinion": "通过"})
    reviewed = process(ws, ledger, review, date(2026, 4, 20))
    assert [f.clause for f in reviewed.findings if f.severity == "violation"] == ["PL-3.3.2"]

    # 企业发展中心 proposes to move 5,000 from Q2 to Q3; the committee's minutes draft comes with it
    proposal = blank(
        ws,
        "PL-ADJUST",
        {
            "year": 2026,
            "unit": "福州分公司",
            "indicator": "销售金额",
            "effective_quarter": "二季度",
            "new_q2": 25000,
            "new_q3": 35000,
            "new_q4": 30000,
            "reason": "预售证延期，销售节奏后移",
            "proposer": "企业发展中心",
            "proposed_on": date(2026, 4, 21),
        },
    )
    pending = process(ws, ledger, proposal, date(2026, 4, 21))
    minutes = docx_text(ws.root / output(pending, "计划专题会议纪要-JHTZ-2026-001"))
    assert "JHTZ-2026-001 福州分公司“销售金额”计划调整方案" in minutes and "35000" in minutes
    assert load_plan_year(ledger, ws.settings, 2026).adjustment("JHTZ-2026-001").status == "待审批"
    approval = fill(
        ws,
        output(pending, "计划调整方案-JHTZ-2026-001-待审批"),
        {"approver": "总经理", "approved_on": date(2026, 4, 24), "decision": "批准"},
    )
    approved = process(ws, ledger, approval, date(2026, 4, 24))
    plan_year = load_plan_year(ledger, ws.settings, 2026)
    assert plan_year.targets[("福州分公司", "XS02")] == {1: 30000, 2: 25000, 3: 35000, 4: 30000}
    assert plan_year.original_targets[("福州分公司", "XS02")] == dict.fromkeys((1, 2, 3, 4), Decimal(30000))
    # the next pre-filled report shows the new target
    q2 = table_rows(ws.root / output(approved, "计划执行报告-2026-Q2-福州分公司-调整后"))
    assert (q2[0]["本期计划"], q2[0]["累计计划"], q2[0]["上期累计实际"]) == (25000, 55000, 21000)
    assert (q2[0]["一季度计划"], q2[0]["三季度计划"]) == (30000, 35000)


def test_a_group_report_period_is_read_one_way_for_the_command_and_the_filed_draft():
    from docgen.plans import parse_group_period

    assert parse_group_period(" 2026 q3 ") == (2026, "quarter", 3)
    assert parse_group_period("2026H1") == (2026, "half", 2)
    assert parse_group_period("2026") == (2026, "annual", 4)
    for wrong in ("2026Q5", "2026H2", "1999", "2026-Q3", "", None):
        assert parse_group_period(wrong) is None
