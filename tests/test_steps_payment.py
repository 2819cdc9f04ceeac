"""The payment confirmation 《付款确认单》 (CS-3.5.9, CS-3.6): the settlement emits it pre-filled beside the
付款通知; 财务计统部 returns it with 付款日期, 实付金额 and 经办人, and the money goes back to the revolving
fund. Only forms docgen emitted, filled through their defined names, dropped into intake/."""

from __future__ import annotations

import json
from datetime import date

import openpyxl
import pytest

from docgen import pipeline
from docgen.cases import all_cases
from docgen.cli import main
from docgen.events import CASE_PAID
from docgen.funds import balances
from tests import test_repair_chain as chain
from tests.conftest import register_line
from tests.test_repair_chain import CLASS_A_1200_50, emitted, fill, step

PAID_ON = date(2026, 11, 30)


def repair_40000(ws, ledger, monkeypatch, customer: str, content: str):
    """One class B repair of 40,000 yuan played through the chain (``run_chain``, which registers
    ``register_line()``) for its own complaint: approved by the general manager (CS-3.6.1), audited by
    审计核算部 (CS-3.5.6)."""
    monkeypatch.setattr(chain, "register_line", lambda: register_line(customer=customer, content=content))
    # Above 10,000 yuan the work order follows the general manager's approval (CS-3.6.1).
    monkeypatch.setattr(chain, "DEPUTY_APPROVAL", {"approve_gm": "总经理"}, raising=False)
    number, outcomes = chain.run_chain(
        ws,
        ledger,
        in_warranty=False,
        total="40000",
        uppercase="肆万元整",
        cost_lines=[{"项目": "屋面防水翻新", "单位": "项", "数量": 1, "单价（元）": 40000, "金额（元）": 40000}],
        approvals={"approve_gm": "总经理"},
    )
    return number, outcomes[-1]


def confirm(ws, ledger, settled, values: dict, name: str | None = None, today: date = PAID_ON):
    """财务计统部 fills the emitted 《付款确认单》 and drops it back."""
    path = fill(
        ws,
        emitted(settled, "付款确认单"),
        {"paid_date": PAID_ON, "handler": "财务计统部 周会计", **values},
        name=name,
    )
    return pipeline.process_file(ws, ledger, path, today)


def fund(ws, name: str = "客户服务维修队", today: date = PAID_ON) -> dict:
    return next(f for f in balances(ws, today)["funds"] if f["name"] == name)


def test_three_40000_repairs_paid_and_repaid_leave_the_fund_whole_cs_3_6(ws, ledger, monkeypatch):
    # GIVEN the repair team's revolving fund of 100,000 yuan (CS-3.6) and three repairs of 40,000 each
    for n, (customer, content) in enumerate(
        [("王建国", "屋面渗水"), ("李娜", "外墙渗水"), ("张伟", "地下室渗水")], start=1
    ):
        number, settled = repair_40000(ws, ledger, monkeypatch, customer, content)
        # THEN no settlement warns of an overdrawn fund: the earlier ones were paid back
        assert not any("周转金" in f.message for f in settled.findings), [f.message for f in settled.findings]
        # WHEN 财务计统部 returns the 《付款确认单》 with the settled amount
        paid = confirm(ws, ledger, settled, {"paid_amount": "40000"}, name=f"付款确认单-{n}.xlsx")
        assert paid.status == "accepted", [f.message for f in paid.findings]
        assert paid.case_ids == [number]
    # THEN the fund is whole: everything settled was repaid
    team = fund(ws)
    assert team["settled"] == "120,000.00" and team["repaid"] == "120,000.00"
    assert team["outstanding"] == "0.00" and team["balance"] == "100,000.00" and not team["warning"]
    assert balances(ws, PAID_ON)["outstanding"] == []
    # AND every case stays closed, the payment in its history
    assert all(case.stage == "已办结" and not case.open for case in all_cases(ledger))
    assert len(ledger.events(kind=CASE_PAID)) == 3


def test_without_payments_the_third_repair_overdraws_the_fund_and_funds_lists_what_waits(
    ws, ledger, monkeypatch, capsys
):
    settled = [
        repair_40000(ws, ledger, monkeypatch, customer, content)[1]
        for customer, content in [("王建国", "屋面渗水"), ("李娜", "外墙渗水"), ("张伟", "地下室渗水")]
    ]
    # THEN unpaid, the third settlement overdraws the fund (CS-3.6): 100,000 − 80,000 − 40,000
    assert any("【超支】" in f.message and "-20,000.00" in f.message for f in settled[-1].findings)
    team = fund(ws)
    assert team["outstanding"] == "120,000.00" and team["balance"] == "-20,000.00" and "超支" in team["warning"]
    # AND `docgen funds` lists each repair still owed with the working days it has waited
    assert main(["--workspace", str(ws.root), "funds"]) == 0
    out = capsys.readouterr().out
    assert out.count("未回款 40,000.00") == 3 and "个工作日" in out
    assert main(["--workspace", str(ws.root), "funds", "--json"]) == 0
    owed = json.loads(capsys.readouterr().out)["outstanding"]
    assert [item["owed"] for item in owed] == ["40,000.00"] * 3
    assert all(isinstance(item["waiting_workdays"], int) for item in owed)


def test_the_emitted_confirmation_is_prefilled_for_finance(ws, ledger):
    number, outcomes = chain.run_chain(ws, ledger, **CLASS_A_1200_50)
    settled = outcomes[-1]
    path = ws.root / emitted(settled, "10-付款确认单")
    workbook = openpyxl.load_workbook(path)

    def named(key: str):
        sheet, cell = next(iter(workbook.defined_names[key].destinations))
        return workbook[sheet][cell.replace("$", "")].value

    assert named("case_number") == number and named("order_number") == "PG-A-2026-00001"
    assert named("amount_due") == "1,200.50（壹仟贰佰元伍角）" and named("payee") == "物业公司（客户服务维修队）"
    assert named("fund") == "客户服务维修队" and named("paid_date") is None and named("paid_amount") is None


def test_a_payment_other_than_the_settled_amount_is_a_violation_and_the_rest_stays_owed(ws, ledger):
    number, outcomes = chain.run_chain(ws, ledger, **CLASS_A_1200_50)
    outcome = confirm(ws, ledger, outcomes[-1], {"paid_amount": "1000"})
    assert outcome.status == "accepted_with_findings"
    [short] = [f for f in outcome.findings if f.field == "paid_amount"]
    assert short.severity == "violation" and short.clause == "CS-3.5.9" and short.location
    assert "1,000.00" in short.message and "应按结算书拨付1,200.50元" in short.message
    [case] = all_cases(ledger)
    assert any(e.kind == "case.violation" and "实付金额" in e.payload["message"] for e in case.events)
    team = fund(ws)
    assert team["repaid"] == "1,000.00" and team["outstanding"] == "200.50" and team["balance"] == "99,799.50"
    [owed] = balances(ws, PAID_ON)["outstanding"]
    assert owed["case"] == number and owed["owed"] == "200.50" and owed["paid"] == "1,000.00"


def test_a_second_confirmation_is_a_correction_and_the_latest_counts(ws, ledger):
    _, outcomes = chain.run_chain(ws, ledger, **CLASS_A_1200_50)
    confirm(ws, ledger, outcomes[-1], {"paid_amount": "1000"}, name="付款确认单-1.xlsx")
    corrected = confirm(ws, ledger, outcomes[-1], {"paid_amount": "1200.50"}, name="付款确认单-2.xlsx")
    assert corrected.status == "accepted_with_findings"
    assert [f.severity for f in corrected.findings] == ["warning"] and "更正" in corrected.findings[0].message
    assert len(ledger.events(kind=CASE_PAID)) == 2
    team = fund(ws)
    assert team["repaid"] == "1,200.50" and team["outstanding"] == "0.00" and team["balance"] == "100,000.00"


@pytest.mark.parametrize(
    ("values", "field", "expected"),
    [
        ({"order_number": "PG-A-2026-00009"}, "order_number", "PG-A-2026-00001"),
        ({"case_number": "KF-2026-09999"}, "case_number", "不存在"),
        ({"paid_date": date(2026, 11, 20)}, "paid_date", "2026-11-27"),
        ({"paid_amount": "0"}, "paid_amount", "1,200.50"),
    ],
)
def test_a_confirmation_that_cannot_be_true_is_rejected_on_its_cell(ws, ledger, values, field, expected):
    _, outcomes = chain.run_chain(ws, ledger, **CLASS_A_1200_50)
    outcome = confirm(ws, ledger, outcomes[-1], {"paid_amount": "1200.50", **values})
    assert outcome.status == "rejected"
    [problem] = [f for f in outcome.findings if f.severity == "error"]
    assert problem.field == field and problem.location and expected in problem.message
    assert not ledger.events(kind=CASE_PAID)


def test_a_confirmation_before_the_settlement_is_rejected(ws, ledger, monkeypatch):
    # GIVEN one case settled (whose blank confirmation we borrow) and another only registered
    _, outcomes = chain.run_chain(ws, ledger, **CLASS_A_1200_50)
    other = step(ws, ledger, chain.write_register(ws.intake, [register_line(customer="李娜", content="外墙渗水")]))
    [number] = other.case_ids
    outcome = confirm(ws, ledger, outcomes[-1], {"case_number": number, "paid_amount": "1200.50"})
    assert outcome.status == "rejected"
    assert "尚未交回《维修工程结算书》" in outcome.findings[0].message and outcome.findings[0].clause == "CS-3.5.9"


def test_a_closed_cases_dossier_is_written_again_with_the_payment_in_it(ws, ledger):
    import pikepdf

    number, outcomes = chain.run_chain(ws, ledger, **CLASS_A_1200_50)
    assert not all_cases(ledger)[0].open
    paid = confirm(ws, ledger, outcomes[-1], {"paid_amount": "1200.50"})
    dossier = emitted(paid, "99-案件档案")
    with pikepdf.open(ws.root / dossier) as pdf:
        assert any("payment" in name for name in pdf.attachments)
