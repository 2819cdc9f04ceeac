"""CS-3.6.1 "1000元到1万元内由公司分管工程质量的副总工程师审核，由副总经理批准，即可进行维修；超过1万元的工程维修
费用应报总经理审批": a repair the company pays above 1,000 yuan gets its work order only once the approval its
tier needs is on record (issue 10, item 3). Played only with the forms docgen emitted."""

from __future__ import annotations

import json
from datetime import date

import openpyxl
import pytest

from docgen import pipeline
from docgen.cli import main
from tests.conftest import TODAY
from tests.test_repair_chain import DEPUTY_APPROVAL, approve, emitted, fill, register, step, survey, survey_values


def surveyed_at(ws, ledger, estimate: str):
    registered = register(ws, ledger)
    return registered.case_ids[0], survey(ws, ledger, registered, estimate=estimate)


def status_of(ws, capsys, number: str) -> dict:
    capsys.readouterr()
    assert main(["--workspace", str(ws.root), "status", "--json"]) == 0
    return next(c for c in json.loads(capsys.readouterr().out)["cases"] if c["case_id"] == number)


def test_a_5000_yuan_repair_gets_no_work_order_until_the_deputy_gm_has_approved(ws, ledger, capsys):
    # GIVEN a survey estimating 5,000 yuan the company pays (class B)
    number, surveyed = surveyed_at(ws, ledger, "5000")
    # THEN no work order: the 《维修费用审批单》 goes to 副总工程师 and 副总经理, and the case waits for them
    assert not any("工程派工单" in o for o in surveyed.outputs)
    assert any("12-维修费用审批单" in o for o in surveyed.outputs)
    form = openpyxl.load_workbook(ws.root / emitted(surveyed, "维修费用审批单"))
    sheet, cell = next(iter(form.defined_names["approvers"].destinations))
    assert form[sheet][cell.replace("$", "")].value.startswith("负责质量的副总工程师审核、副总经理批准（CS-3.6.1）")
    waiting = status_of(ws, capsys, number)
    assert waiting["stage"] == "待审批"
    assert waiting["next_deadline"]["actor"] == "负责质量的副总工程师审核、副总经理批准"
    assert waiting["next_deadline"]["clause"] == "CS-3.6.1"
    # AND the survey's 回执 tells the clerk so: the case waits for approval, and for whom
    receipt = (ws.root / next(o for o in surveyed.outputs if o.endswith("回执.txt"))).read_text(encoding="utf-8")
    assert f"{number}  待审批；下一步：" in receipt and "负责质量的副总工程师审核、副总经理批准" in receipt
    # WHEN the form comes back with the deputy chief engineer's review only
    path = fill(
        ws,
        emitted(surveyed, "维修费用审批单"),
        {"approved_date": date(2026, 11, 24), "review_deputy_chief_engineer": "副总工"},
        name="审批单-未批准.xlsx",
    )
    outcome = pipeline.process_file(ws, ledger, path, TODAY)
    # THEN it is rejected on the 副总经理's cell, and still no work order
    assert outcome.status == "rejected"
    [missing] = [f for f in outcome.findings if f.field == "approve_deputy_gm"]
    assert missing.clause == "CS-3.6.1" and missing.location and "副总经理" in missing.message
    assert status_of(ws, capsys, number)["stage"] == "待审批"
    # WHEN the approval is on record  THEN the work order follows, due as counted from the survey (CS-3.4.5)
    approved = approve(ws, ledger, surveyed, DEPUTY_APPROVAL)
    assert any("03-工程派工单-PG-B-2026-00001" in o for o in approved.outputs)
    repairing = status_of(ws, capsys, number)
    assert repairing["stage"] == "维修中"
    assert {d["key"]: d["met_on"] for d in repairing["deadlines"]}["approval"] == "2026-11-24"


@pytest.mark.parametrize("estimate", ["10000.01", "20000"])
def test_above_10000_yuan_the_general_manager_approves_before_any_work_order(ws, ledger, capsys, estimate):
    # GIVEN surveys estimating 10,000.01 and 20,000 yuan
    number, surveyed = surveyed_at(ws, ledger, estimate)
    assert not any("工程派工单" in o for o in surveyed.outputs)
    assert status_of(ws, capsys, number)["next_deadline"]["actor"] == "总经理审批"
    # WHEN the deputies sign it  THEN that is not the general manager's approval
    path = fill(ws, emitted(surveyed, "维修费用审批单"), {"approved_date": date(2026, 11, 24), **DEPUTY_APPROVAL})
    outcome = pipeline.process_file(ws, ledger, path, TODAY)
    assert outcome.status == "rejected" and [f.field for f in outcome.findings] == ["approve_gm"]
    # WHEN the general manager signs  THEN the work order is issued
    approved = approve(ws, ledger, surveyed, {"approve_gm": "总经理"})
    assert any("工程派工单" in o for o in approved.outputs)


def test_up_to_1000_yuan_the_work_order_is_issued_with_the_survey(ws, ledger):
    # CS-3.6.1 "1000元以内由客户服务部经理审批": 客户服务部 issues the work order itself
    _, surveyed = surveyed_at(ws, ledger, "1000")
    assert any("工程派工单" in o for o in surveyed.outputs) and not any("审批单" in o for o in surveyed.outputs)


def test_an_approval_for_a_case_that_waits_for_none_is_refused(ws, ledger):
    _, surveyed = surveyed_at(ws, ledger, "5000")
    approve(ws, ledger, surveyed, DEPUTY_APPROVAL)
    # WHEN the same approval form is sent again after a corrected survey of 800 yuan
    number = surveyed.case_ids[0]
    registered_form = next(p for p in ws.outbox.joinpath(number).iterdir() if "现场勘察会签表" in p.name)
    resurveyed = step(
        ws, ledger, fill(ws, str(registered_form.relative_to(ws.root)), survey_values(estimate="800"), name="更正.xlsx")
    )
    assert any("工程派工单" in o for o in resurveyed.outputs)
    path = fill(
        ws,
        emitted(surveyed, "维修费用审批单"),
        {"approved_date": date(2026, 11, 25), **DEPUTY_APPROVAL},
        name="再次审批.xlsx",
    )
    outcome = pipeline.process_file(ws, ledger, path, TODAY)
    assert outcome.status == "rejected" and "没有待审批" in outcome.findings[0].message
