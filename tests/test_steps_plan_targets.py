"""《年度计划指标》 and 《年度项目计划》 through intake/ (PL-3.2.3, PL-3.2.4): each unit gets its 《计划指标分解表》 with
the quarterly split (the default split when left blank), bad lines are errors on their cells, a second targets form
for the year replaces the first with the history kept."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from docgen.events import PLAN_PROJECTS, PLAN_TARGETS
from docgen.plans import load_plan_year
from tests.plan_intake import approve_targets, blank, messages, named, output, process, table_rows

TODAY = date(2026, 1, 20)


def drop(ws, ledger, lines, expect="accepted", header=None):
    path = blank(ws, "PL-TARGETS", {"year": 2026, "approved_on": date(2026, 1, 15), **(header or {})}, lines)
    return process(ws, ledger, path, TODAY, expect)


def test_each_unit_gets_its_split_sheet(ws, ledger):
    outcome = drop(
        ws,
        ledger,
        [
            {"unit": "经营销售部", "indicator": "XS02", "annual": 240000},
            {"unit": "经营销售部", "indicator": "销售回款额", "annual": 200001},
            {
                "unit": "经营销售部",
                "indicator": "广告宣传费用（万元）",
                "annual": 4800,
                "split_q1": 600,
                "split_q2": 1800,
                "split_q3": 1200,
                "split_q4": 1200,
            },
            {"unit": "客户服务部", "indicator": "客户满意率", "annual": 90},
            {"unit": "福州分公司", "indicator": "销售金额", "annual": 100},
        ],
    )
    sheets = sorted(o for o in outcome.outputs if o.endswith(".xlsx"))
    assert sheets == [
        "outbox/plan/2026/客户服务部/计划指标分解表-2026-客户服务部.xlsx",
        "outbox/plan/2026/福州分公司/计划指标分解表-2026-福州分公司.xlsx",
        "outbox/plan/2026/经营销售部/计划指标分解表-2026-经营销售部.xlsx",
    ]
    sales = ws.root / output(outcome, "经营销售部.xlsx")
    assert (named(sales, "unit"), named(sales, "period"), named(sales, "due")) == (
        "经营销售部",
        "第一季度",
        "2026年4月10日前",
    )
    rows = table_rows(sales)
    assert [(r["指标编码"], r["指标名称"], r["计量单位"]) for r in rows] == [
        ("XS02", "销售金额", "万元"),
        ("XS03", "销售回款额", "万元"),
        ("XS04", "广告宣传费用", "万元"),
    ]
    # the default split: 25 % to the hundredth, the fourth quarter taking the remainder; a split as written
    assert [rows[1][f"{q}季度计划"] for q in "一二三四"] == [50000.25, 50000.25, 50000.25, 50000.25]
    assert [rows[2][f"{q}季度计划"] for q in "一二三四"] == [600, 1800, 1200, 1200]
    assert (rows[2]["本期计划"], rows[2]["累计计划"], rows[2]["上期累计实际"], rows[2]["本期实际"]) == (
        600,
        600,
        0,
        None,
    )
    # a rate's quarters are its level, and it carries no cumulative sum
    rate = table_rows(ws.root / output(outcome, "客户服务部.xlsx"))[0]
    assert (rate["一季度计划"], rate["四季度计划"], rate["上期累计实际"]) == (90, 90, None)
    assert any("以下单位没有分解计划指标：设计研发部" in m for m in messages(outcome, "warning"))
    plan_year = load_plan_year(ledger, ws.settings, 2026)
    assert plan_year.targets[("经营销售部", "XS03")] == {
        1: Decimal("50000.25"),
        2: Decimal("50000.25"),
        3: Decimal("50000.25"),
        4: Decimal("50000.25"),
    }
    assert sum(plan_year.targets[("经营销售部", "XS03")].values()) == plan_year.annual_targets[("经营销售部", "XS03")]


def test_the_default_split_is_a_setting(ws, ledger):
    (ws.root / "docgen.toml").write_text("[plan]\ndefault_split = [10, 20, 30, 40]\n", encoding="utf-8")
    from docgen.workspace import init_workspace

    ws = init_workspace(ws.root)
    drop(ws, ledger, [{"unit": "经营销售部", "indicator": "XS02", "annual": 1000}])
    assert load_plan_year(ledger, ws.settings, 2026).targets[("经营销售部", "XS02")] == {1: 100, 2: 200, 3: 300, 4: 400}


@pytest.mark.parametrize(
    ("line", "field", "column", "clause", "words"),
    [
        ({"unit": "企划部", "indicator": "XS02", "annual": 1}, "lines.unit", "A", "PL-3.2.3", "不在计划指标目录中"),
        (
            {"unit": "经营销售部", "indicator": "营业收入", "annual": 1},
            "lines.indicator",
            "B",
            "PL-3.2.3",
            "经营销售部的指标为",
        ),
        (
            {"unit": "人力资源部", "indicator": "销售金额", "annual": 1},
            "lines.indicator",
            "B",
            "PL-3.2.3.5",
            "不是人力资源部的计划指标",
        ),
        (
            {"unit": "经营销售部", "indicator": "XS02", "annual": 100, "split_q1": 50},
            "lines.split_q2",
            "E",
            "PL-3.2.3",
            "只填了一部分",
        ),
        (
            {
                "unit": "经营销售部",
                "indicator": "XS02",
                "annual": 100,
                "split_q1": 25,
                "split_q2": 25,
                "split_q3": 25,
                "split_q4": 24,
            },
            "lines.annual",
            "C",
            "PL-3.2.3",
            "四个季度合计99，与年度目标100不符",
        ),
    ],
)
def test_a_bad_line_is_an_error_on_its_cell(ws, ledger, line, field, column, clause, words):
    outcome = drop(ws, ledger, [{"unit": "经营销售部", "indicator": "XS03", "annual": 8}, line], "rejected")
    errors = [f for f in outcome.findings if f.severity == "error"]
    assert [(f.field, f.clause, f.location) for f in errors] == [(field, clause, f"年度计划指标!{column}8")]
    assert words in errors[0].message
    assert load_plan_year(ledger, ws.settings, 2026) is None


def test_a_rate_may_vary_by_quarter_and_a_line_given_twice_is_refused(ws, ledger):
    rate = {
        "unit": "客户服务部",
        "indicator": "KF02",
        "annual": 92,
        "split_q1": 88,
        "split_q2": 90,
        "split_q3": 91,
        "split_q4": 92,
    }
    drop(ws, ledger, [rate])
    assert load_plan_year(ledger, ws.settings, 2026).targets[("客户服务部", "KF02")] == {1: 88, 2: 90, 3: 91, 4: 92}
    twice = drop(ws, ledger, [rate, {**rate, "indicator": "客户满意率"}], "rejected")
    errors = [f for f in twice.findings if f.severity == "error"]
    assert [(f.field, f.location) for f in errors] == [("lines.indicator", "年度计划指标!B8")]
    assert "与第7行重复" in errors[0].message


def test_a_second_targets_form_replaces_the_first(ws, ledger):
    approve_targets(ws, ledger, [{"unit": "经营销售部", "indicator": "XS02", "annual": 1000}])
    again = approve_targets(ws, ledger, [{"unit": "经营销售部", "indicator": "XS02", "annual": 2000}])
    assert any("替换原指标" in m for m in messages(again, "warning"))
    assert load_plan_year(ledger, ws.settings, 2026).annual_targets[("经营销售部", "XS02")] == 2000
    assert [e.payload["lines"][0]["annual"] for e in ledger.events(kind=PLAN_TARGETS)] == ["1000", "2000"]


def test_a_year_out_of_range_is_refused(ws, ledger):
    outcome = drop(ws, ledger, [{"unit": "经营销售部", "indicator": "XS02", "annual": 1}], "rejected", {"year": 2031})
    assert [f.field for f in outcome.findings if f.severity == "error"] == ["year"]


def test_the_project_lines_of_the_annual_plan(ws, ledger):
    approve_targets(ws, ledger, [{"unit": "经营销售部", "indicator": "XS02", "annual": 1000}])
    lines = [
        {
            "project": "融侨观邸三期",
            "start_on": date(2026, 3, 1),
            "completion_on": date(2027, 6, 30),
            "delivery_on": date(2027, 9, 30),
            "saleable_area": 12.5,
            "sales_area": 8,
            "sales_amount": 160000,
            "collection_amount": 128000,
        },
        {"project": "融侨锦江五期", "delivery_on": date(2026, 12, 31)},
    ]
    header = {"year": 2026, "approved_on": date(2026, 1, 15)}
    process(ws, ledger, blank(ws, "PL-PROJECTS", header, lines), TODAY)
    projects = load_plan_year(ledger, ws.settings, 2026).projects
    assert [(p.project, p.delivery_on, p.sales_amount, p.start_on) for p in projects] == [
        ("融侨观邸三期", date(2027, 9, 30), Decimal(160000), date(2026, 3, 1)),
        ("融侨锦江五期", date(2026, 12, 31), None, None),
    ]
    assert projects[0].saleable_area == Decimal("12.5")
    twice = process(ws, ledger, blank(ws, "PL-PROJECTS", header, [lines[1], lines[1]]), TODAY, "rejected")
    assert [(f.field, f.location) for f in twice.findings] == [("lines.project", "年度项目计划!A7")]
    assert len(ledger.events(kind=PLAN_PROJECTS)) == 1


@pytest.mark.parametrize(
    ("unit", "indicator", "clause"),
    [
        ("人力资源部", "新开工面积", "PL-3.2.3.5"),
        ("财务计统部", "销售金额", "PL-3.2.3.6"),
        ("福州分公司", "人事费用", "PL-3.2.3"),
    ],
)
def test_an_indicator_not_owned_cites_the_units_own_clause(ws, ledger, unit, indicator, clause):
    # issue 14 D2: the clause that gives the unit its indicators, not the one of the indicator's owner
    outcome = drop(ws, ledger, [{"unit": unit, "indicator": indicator, "annual": 8}], "rejected")
    errors = [f for f in outcome.findings if f.severity == "error"]
    assert [f.clause for f in errors] == [clause]
    assert f"不是{unit}的计划指标（{clause}）" in errors[0].message


def test_a_bad_number_does_not_hide_the_other_lines_errors(ws, ledger):
    # issue 14 D1: the type error and the rule errors of the lines that parsed in one round
    lines = [
        {"unit": "经营销售部", "indicator": "XS02", "annual": "二十四万"},
        {"unit": "经营销售部", "indicator": "土地储备", "annual": 8},
        {"unit": "人力资源部", "indicator": "XS02", "annual": 8},
    ]
    outcome = drop(ws, ledger, lines, "rejected")
    errors = [(f.field, f.location) for f in outcome.findings if f.severity == "error"]
    assert errors == [
        ("lines.annual", "年度计划指标!C7"),
        ("lines.indicator", "年度计划指标!B8"),
        ("lines.indicator", "年度计划指标!B9"),
    ]
