"""The plan-indicator catalogue (PL-2.1.3) in configuration: the embedded defaults give each department the indicators
PL-3.2.3.1 … 3.2.3.6 name, ``[plan]`` in docgen.toml overrides them, and a catalogue that contradicts itself is refused
naming the problem."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from docgen.plan_catalogue import PlanSettings
from docgen.workspace import Settings, WorkspaceError, init_workspace, load_settings


def test_the_default_catalogue_follows_the_clauses():
    plan = Settings().plan
    owned = {unit.name: {plan.indicator(code).name for code in unit.indicators} for unit in plan.units}
    # PL-3.2.3.1 design, engineering and external affairs: design and start targets, schedule
    assert owned["设计研发部"] == {"施工图设计完成面积", "设计节点按期完成率"}
    assert {"新开工面积", "工程进度节点按期完成率"} <= owned["工程材料部"]
    assert owned["外联部"] == {"报批报建证照取得数", "报建节点按期完成率"}
    # PL-3.2.3.2 sales, cash collection, advertising; 3.2.3.3 investment schedule; 3.2.3.4 service plan
    assert owned["经营销售部"] == {"销售面积", "销售金额", "销售回款额", "广告宣传费用"}
    assert owned["审计核算部"] == {"开发投资完成额", "投资进度计划完成率"}
    assert "客户服务计划完成率" in owned["客户服务部"]
    # PL-3.2.3.5 personnel and admin expenses (and property renewal); 3.2.3.6 special expenses, amortisation
    assert owned["人力资源部"] == {"人事费用", "行政管理费用", "财产更新支出"}
    assert owned["财务计统部"] == {"专项费用支出", "财产摊销额"}
    assert [unit.name for unit in plan.branches] == ["福州分公司", "厦门分公司"]
    assert {"销售金额", "销售回款额", "新开工面积"} <= owned["福州分公司"]
    # each indicator cites the clause of its owners; expenses are lower-is-better, rates are levels
    assert plan.indicator("XS04").clause == "PL-3.2.3.2" and plan.indicator("XS04").direction == "lower"
    assert plan.indicator("RL01").direction == "lower" and plan.indicator("CW02").clause == "PL-3.2.3.6"
    assert plan.indicator("KF02").aggregate == "level" and plan.indicator("KF02").unit == "%"
    # PL-3.2.3.3: 审计核算部 plans the projects' investment schedule, and its indicators cite that clause
    audit = next(unit for unit in plan.units if unit.name == "审计核算部")
    assert {plan.indicator(code).clause for code in audit.indicators} == {"PL-3.2.3.3"}
    # a warned line always needs a reason: the warning threshold is never below the reason threshold
    assert all(i.warn_pct >= i.reason_pct for i in plan.indicators)
    assert plan.assessment.timeliness + plan.assessment.completeness + plan.assessment.achievement == 100


def test_an_indicator_is_found_by_code_name_or_label():
    plan = Settings().plan
    assert plan.find_indicator("XS02").name == "销售金额"
    assert plan.find_indicator("xs02").code == "XS02"
    assert plan.find_indicator(" 销售金额 ").code == "XS02"
    assert plan.find_indicator("销售金额(万元)").code == "XS02"
    assert plan.find_indicator("营业收入") is None
    with pytest.raises(KeyError):
        plan.unit("企划部")


def test_docgen_toml_overrides_the_plan(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    (ws.root / "docgen.toml").write_text(
        "[plan]\ndefault_split = [20, 25, 25, 30]\nfinance_review_workdays = 3\n"
        "[plan.assessment]\ntimeliness = 30\ncompleteness = 10\nachievement = 60\n"
        '[[plan.indicators]]\ncode = "A1"\nname = "销售金额"\nunit = "万元"\ndirection = "higher"\n'
        'aggregate = "sum"\nwarn_pct = 20\nreason_pct = 10\nclause = "PL-3.2.3.2"\n'
        '[[plan.units]]\nname = "经营销售部"\nkind = "department"\nindicators = ["A1"]\n',
        encoding="utf-8",
    )
    plan = load_settings(ws.root).plan
    assert plan.default_split == (Decimal(20), Decimal(25), Decimal(25), Decimal(30))
    assert plan.finance_review_workdays == 3 and plan.assessment.timeliness == 30
    assert [u.name for u in plan.units] == ["经营销售部"] and plan.indicator("A1").name == "销售金额"


@pytest.mark.parametrize(
    ("override", "complaint"),
    [
        ({"default_split": [25, 25, 25, 20]}, "合计应为 100"),
        ({"units": [{"name": "经营销售部", "kind": "department", "indicators": ["ZZ9"]}]}, "不在指标目录中"),
        (
            {
                "indicators": [
                    {
                        "code": "A",
                        "name": "甲",
                        "unit": "万元",
                        "direction": "higher",
                        "aggregate": "sum",
                        "warn_pct": 1,
                        "reason_pct": 1,
                    },
                    {
                        "code": "A",
                        "name": "乙",
                        "unit": "万元",
                        "direction": "lower",
                        "aggregate": "sum",
                        "warn_pct": 1,
                        "reason_pct": 1,
                    },
                ],
                "units": [],
            },
            "指标编码重复",
        ),
        ({"units": [{"name": "外联部", "kind": "office", "indicators": []}]}, "kind"),
    ],
)
def test_a_catalogue_that_contradicts_itself_is_refused(override, complaint):
    with pytest.raises(ValidationError, match=complaint):
        PlanSettings.model_validate(override)


def test_an_unknown_plan_key_is_named(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    (ws.root / "docgen.toml").write_text("[plan]\nwarn_percent = 5\n", encoding="utf-8")
    with pytest.raises(WorkspaceError, match="plan.warn_percent"):
        load_settings(ws.root)
