"""财务计统部's review of a branch's execution report (PL-2.2.2, PL-3.3.2) through intake/: on time, late (a
violation counted in working days), for a unit that is no branch or a report not on record (errors), and the daily
warning's line while it is overdue."""

from __future__ import annotations

from datetime import date

import pytest

from docgen.events import PLAN_FINANCE_REVIEW
from docgen.plans import load_plan_year, overdue
from tests.plan_intake import approve_targets, blank, fill, messages, named, output, process, table_rows

LINES = [{"unit": "福州分公司", "indicator": "XS02", "annual": 120000}]


@pytest.fixture
def finance_form(ws, ledger):
    targets = approve_targets(ws, ledger, LINES)
    sheet = output(targets, "计划指标分解表-2026-福州分公司")
    reported = process(
        ws, ledger, fill(ws, sheet, {"submitted_on": date(2026, 4, 9)}, [{"本期实际": 29500}]), date(2026, 4, 9)
    )
    return output(reported, "计划执行报告财务审核表")


def review(ws, ledger, form, reviewed_on, expect="accepted", **values):
    path = fill(ws, form, {"reviewer": "王敏", "reviewed_on": reviewed_on, "opinion": "通过", **values})
    return process(ws, ledger, path, reviewed_on, expect)


def test_a_review_within_five_working_days(ws, ledger, finance_form):
    outcome = review(ws, ledger, finance_form, date(2026, 4, 16))  # due Thu 16 April
    assert outcome.status == "accepted" and not outcome.findings  # a plain 通过 is no warning (issue 14 D15)
    report = load_plan_year(ledger, ws.settings, 2026).reports[("福州分公司", "Q1")]
    assert (report.finance_reviewed_on, report.finance_late, report.finance_opinion, report.finance_reviewer) == (
        date(2026, 4, 16),
        False,
        "通过",
        "王敏",
    )


def test_a_late_review_is_a_violation(ws, ledger, finance_form):
    outcome = review(ws, ledger, finance_form, date(2026, 4, 21))
    violations = [(f.clause, f.message) for f in outcome.findings if f.severity == "violation"]
    assert violations == [
        (
            "PL-3.3.2",
            "福州分公司2026年第一季度计划执行报告的财务审核应于2026年4月16日前完成（五个工作日内，PL-3.3.2），"
            "2026年4月21日完成，逾期3个工作日",
        )
    ]
    assert load_plan_year(ledger, ws.settings, 2026).reports[("福州分公司", "Q1")].finance_late
    assert ledger.events(kind=PLAN_FINANCE_REVIEW)[-1].payload["late"] is True


def test_an_overdue_review_is_listed_until_it_comes(ws, ledger, finance_form):
    assert overdue(ledger, ws.settings, date(2026, 4, 16)) == []
    listed = [item.text for item in overdue(ledger, ws.settings, date(2026, 4, 17))]
    assert listed == [
        "财务计统部：2026年第一季度福州分公司计划执行报告财务审核未完成，期限2026年4月16日（PL-3.3.2），已逾期"
    ]
    review(ws, ledger, finance_form, date(2026, 4, 17))
    assert overdue(ledger, ws.settings, date(2026, 4, 17)) == []


def test_to_revise_asks_for_the_report_again(ws, ledger, finance_form):
    outcome = review(ws, ledger, finance_form, date(2026, 4, 14), opinion="需修改", note="回款额与财务账不符")
    assert any("请福州分公司" in m and "修改后重新报送" in m for m in messages(outcome, "warning"))
    assert load_plan_year(ledger, ws.settings, 2026).reports[("福州分公司", "Q1")].finance_note == "回款额与财务账不符"


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ({"unit": "经营销售部"}, "unit"),
        ({"period": "第二季度"}, "period"),
        ({"reviewed_on": date(2026, 4, 8)}, "reviewed_on"),
    ],
)
def test_a_review_of_nothing_on_record_is_refused(ws, ledger, finance_form, header, field):
    base = {
        "unit": "福州分公司",
        "year": 2026,
        "period": "第一季度",
        "reviewer": "王敏",
        "reviewed_on": date(2026, 4, 14),
        "opinion": "通过",
    }
    outcome = process(ws, ledger, blank(ws, "PL-FINANCE", {**base, **header}), date(2026, 4, 14), "rejected")
    assert [(f.field, f.clause) for f in outcome.findings] == [(field, "PL-3.3.2")]


def test_a_late_review_stays_on_record_after_a_corrected_report(ws, ledger):
    # issue 14 D9: 需修改 returned late (due 16 April), the branch sends its report again, the new review is on time
    targets = approve_targets(ws, ledger, [*LINES, {"unit": "财务计统部", "indicator": "专项费用支出", "annual": 1200}])
    sheet = output(targets, "计划指标分解表-2026-福州分公司")
    first = process(
        ws, ledger, fill(ws, sheet, {"submitted_on": date(2026, 4, 9)}, [{"本期实际": 29500}]), date(2026, 4, 9)
    )
    review(ws, ledger, output(first, "计划执行报告财务审核表"), date(2026, 4, 21), opinion="需修改", note="回款额不符")
    again = process(
        ws, ledger, fill(ws, sheet, {"submitted_on": date(2026, 4, 22)}, [{"本期实际": 29600}]), date(2026, 4, 22)
    )
    review(ws, ledger, output(again, "计划执行报告财务审核表"), date(2026, 4, 23))
    year = load_plan_year(ledger, ws.settings, 2026)
    report = year.reports[("福州分公司", "Q1")]
    assert (report.finance_late, report.earlier_late_reviews) == (False, ((date(2026, 4, 16), date(2026, 4, 21)),))

    from docgen.reports.plan_assessment import assess
    from docgen.reports.plan_execution import submissions

    scores = {s.unit: s for s in assess(year, "Q1", date(2026, 5, 1))}
    assert scores["财务计统部"].finance_faults == 1
    branch = next(s for s in submissions(year, ("Q1",), date(2026, 5, 1)) if s["unit"] == "福州分公司")
    assert branch["finance_state"] == "前次审核逾期"


def test_to_revise_returns_the_report_to_the_branch_with_what_and_by_when(ws, ledger, finance_form):
    # issue 14 D10: the branch gets its report back, the note and the day in it
    outcome = review(ws, ledger, finance_form, date(2026, 4, 14), opinion="需修改", note="回款额与财务账不符")
    returned = ws.root / output(outcome, "福州分公司/计划执行报告-2026-Q1-福州分公司-退回修改.xlsx")
    assert named(returned, "due") == (
        "财务审核退回：回款额与财务账不符；请尽快（报送期限2026年4月10日已过，是否迟报仍按首次报送日期计）修改后重新报送"
    )
    assert [r["本期实际"] for r in table_rows(returned)] == [29500]
    assert any("回款额与财务账不符" in m and "修改后重新报送" in m for m in messages(outcome, "warning"))
    # the returned copy is an intake form: sent back corrected, it restarts the review
    again = process(
        ws,
        ledger,
        fill(ws, str(returned.relative_to(ws.root)), {"submitted_on": date(2026, 4, 15)}, [{"本期实际": 29800}]),
        date(2026, 4, 15),
    )
    assert load_plan_year(ledger, ws.settings, 2026).reports[("福州分公司", "Q1")].line("XS02").actual == 29800
    assert [o for o in again.outputs if "财务审核表" in o]
