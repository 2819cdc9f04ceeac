"""《计划调整方案》 through intake/ (PL-3.4.2, PL-5.1): a proposal is numbered, recorded 待审批 with the special
meeting's minutes draft; approved, the targets change from the effective quarter on (history kept) and the unit's next
report carries them; refused, nothing changes; malformed proposals are errors on their cells."""

from __future__ import annotations

from datetime import date

import pytest

from docgen.events import PLAN_ADJUSTMENT
from docgen.plans import load_plan_year
from tests.plan_intake import approve_targets, blank, docx_text, fill, messages, named, output, process, table_rows

PROPOSAL = {
    "year": 2026,
    "unit": "经营销售部",
    "indicator": "销售金额",
    "effective_quarter": "三季度",
    "new_q3": 70000,
    "new_q4": 80000,
    "reason": "融侨观邸三期提前开盘",
    "proposer": "企业发展中心 李明",
    "proposed_on": date(2026, 7, 20),
}


@pytest.fixture
def planned(ws, ledger):
    return approve_targets(ws, ledger, [{"unit": "经营销售部", "indicator": "XS02", "annual": 240000}])


def propose(ws, ledger, expect="accepted", **values):
    return process(ws, ledger, blank(ws, "PL-ADJUST", {**PROPOSAL, **values}), date(2026, 7, 24), expect)


def decide(ws, ledger, pending, decision="批准", approved_on=date(2026, 7, 24)):
    form = output(pending, "待审批")
    path = fill(ws, form, {"approver": "总经理 陈强", "approved_on": approved_on, "decision": decision})
    return process(ws, ledger, path, date(2026, 7, 24))


def test_a_proposal_waits_for_approval_with_its_minutes_draft(ws, ledger, planned):
    pending = propose(ws, ledger)
    assert any("JHTZ-2026-001（待审批）" in m for m in messages(pending, "warning"))
    form = ws.root / output(pending, "计划调整方案-JHTZ-2026-001-待审批.xlsx")
    assert (named(form, "number"), named(form, "current"), named(form, "approver")) == (
        "JHTZ-2026-001",
        "一季度 60000；二季度 60000；三季度 60000；四季度 60000（万元）",
        None,
    )
    minutes = docx_text(ws.root / output(pending, "计划专题会议纪要-JHTZ-2026-001.docx"))
    for words in (
        "集团计划委员会计划专题会议纪要",
        "PL-3.4.2、PL-5.1",
        "融侨观邸三期提前开盘",
        "企业发展中心 李明",
        "70000",
        "+10000",
        "+20000",
        "不变",
    ):
        assert words in minutes, words
    plan_year = load_plan_year(ledger, ws.settings, 2026)
    assert plan_year.adjustment("JHTZ-2026-001").status == "待审批"
    assert plan_year.targets[("经营销售部", "XS02")][3] == 60000


def test_approved_the_targets_change_from_the_effective_quarter(ws, ledger, planned):
    sheet = output(planned, "计划指标分解表-2026-经营销售部")
    q1 = process(
        ws, ledger, fill(ws, sheet, {"submitted_on": date(2026, 4, 8)}, [{"本期实际": 60000}]), date(2026, 4, 8)
    )
    q2_sheet = output(q1, "计划执行报告-2026-Q2-经营销售部.xlsx")
    process(ws, ledger, fill(ws, q2_sheet, {"submitted_on": date(2026, 7, 8)}, [{"本期实际": 59000}]), date(2026, 7, 8))
    approved = decide(ws, ledger, propose(ws, ledger))
    assert any(
        "自三季度起调整为三季度 70000；四季度 80000（万元），之前的季度不变" in m for m in messages(approved, "warning")
    )
    plan_year = load_plan_year(ledger, ws.settings, 2026)
    assert plan_year.targets[("经营销售部", "XS02")] == {1: 60000, 2: 60000, 3: 70000, 4: 80000}
    assert plan_year.original_targets[("经营销售部", "XS02")] == dict.fromkeys((1, 2, 3, 4), 60000)
    assert plan_year.annual_targets[("经营销售部", "XS02")] == 270000
    adjustment = plan_year.adjustment("JHTZ-2026-001")
    assert (adjustment.status, adjustment.approved_on, adjustment.approver, dict(adjustment.new_targets)) == (
        "已批准",
        date(2026, 7, 24),
        "总经理 陈强",
        {3: 70000, 4: 80000},
    )
    assert [e.payload["status"] for e in ledger.events(kind=PLAN_ADJUSTMENT)] == ["待审批", "已批准"]
    # the reports already in keep the plan they were measured against
    assert plan_year.reports[("经营销售部", "Q2")].line("XS02").planned == 60000
    q3 = table_rows(ws.root / output(approved, "计划执行报告-2026-Q3-经营销售部-调整后-JHTZ-2026-001.xlsx"))
    assert (q3[0]["本期计划"], q3[0]["累计计划"], q3[0]["上期累计实际"], q3[0]["年度目标"]) == (
        70000,
        190000,
        119000,
        270000,
    )


def test_refused_nothing_changes(ws, ledger, planned):
    refused = decide(ws, ledger, propose(ws, ledger), decision="不批准")
    assert any("不批准，计划指标不变" in m for m in messages(refused, "warning"))
    plan_year = load_plan_year(ledger, ws.settings, 2026)
    assert plan_year.adjustment("JHTZ-2026-001").status == "未批准"
    assert plan_year.targets[("经营销售部", "XS02")] == dict.fromkeys((1, 2, 3, 4), 60000)


def test_approved_without_the_committee_is_a_violation(ws, ledger, planned):
    direct = propose(ws, ledger, approver="总经理", approved_on=date(2026, 7, 22), decision="批准")
    assert [(f.clause, f.severity) for f in direct.findings if f.severity == "violation"] == [("PL-3.4.2", "violation")]
    assert load_plan_year(ledger, ws.settings, 2026).targets[("经营销售部", "XS02")][4] == 80000


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"new_q4": None}, "new_q4"),
        ({"new_q2": 50000}, "new_q2"),
        ({"new_q2": 60000}, "new_q2"),  # an earlier quarter is not adjusted: even unchanged, an error (D12)
        ({"approver": "总经理"}, "approved_on"),
        ({"approver": "总经理", "approved_on": date(2026, 7, 1), "decision": "批准"}, "approved_on"),
        ({"number": "JHTZ-2026-009"}, "number"),
        ({"indicator": "人事费用"}, "indicator"),
        ({"unit": "外联部"}, "unit"),
        ({"year": 2025}, "year"),
    ],
)
def test_a_malformed_proposal_is_an_error_on_its_cell(ws, ledger, planned, values, field):
    outcome = propose(ws, ledger, expect="rejected" if field else "accepted", **values)
    if field:
        assert [f.field for f in outcome.findings if f.severity == "error"] == [field]
        assert ledger.events(kind=PLAN_ADJUSTMENT) == []


def test_a_value_before_the_effective_quarter_is_an_error_naming_it(ws, ledger, planned):
    # issue 14 D12: not dropped without a word
    outcome = propose(ws, ledger, "rejected", new_q1=65000)
    errors = [f for f in outcome.findings if f.severity == "error"]
    assert [(f.field, f.clause) for f in errors] == [("new_q1", "PL-3.4.2")]
    assert "本方案不调整该季度（目标仍为60000），填写的65000不会生效" in errors[0].message
