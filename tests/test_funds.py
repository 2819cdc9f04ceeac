"""The revolving funds (CS-3.6) and deposits (CS-3.5.9) as ``docgen.funds`` derives them from the ledger:
settled repairs draw on a fund until 财务计统部 pays them (``case.paid``), each owed repair listed with the
working days it has waited. The events are appended directly; tests/test_steps_payment.py plays the forms."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest

from docgen.events import CASE_FINAL_ACCOUNT, CASE_PAID, CASE_SETTLED
from docgen.funds import balances, repaid, settled_repairs
from docgen.steps.base import Submission, record
from docgen.wording import day_of
from docgen.workspace import Workspace

SUBMISSION = Submission(name="x.xlsx", claim="c1", sha256="0" * 64, today=date(2026, 11, 27))


def settle(ledger, case: str, amount: str, order_class: str = "B", **extra) -> None:
    with ledger.transaction() as tx:
        record(
            tx,
            CASE_SETTLED,
            {
                "case_number": case,
                "order_number": f"PG-{order_class}-{case}",
                "audited_amount": amount,
                "order_class": order_class,
                "contractor": "闽建一公司",
                "by_contractor": False,
                **extra,
            },
            case,
            SUBMISSION,
        )


def pay(ledger, case: str, amount: str, order_class: str = "B", on: date = date(2026, 11, 27)) -> None:
    with ledger.transaction() as tx:
        record(
            tx,
            CASE_PAID,
            {
                "case_number": case,
                "order_number": f"PG-{order_class}-{case}",
                "paid_date": on.isoformat(),
                "paid_amount": amount,
                "settled_amount": amount,
                "handler": "周会计",
            },
            case,
            SUBMISSION,
        )


def team(ws, today: date | None = None) -> dict:
    return next(f for f in balances(ws, today)["funds"] if f["name"] == "客户服务维修队")


def test_a_settled_repair_draws_on_the_fund_until_it_is_paid(ws, ledger):
    settle(ledger, "KF-1", "30000")
    assert team(ws)["outstanding"] == "30,000.00" and team(ws)["balance"] == "70,000.00"
    pay(ledger, "KF-1", "30000")
    after = team(ws)
    assert after["settled"] == "30,000.00" and after["repaid"] == "30,000.00"
    assert after["outstanding"] == "0.00" and after["balance"] == "100,000.00"


def test_each_owed_repair_shows_the_working_days_it_has_waited_since_its_settlement(ws, ledger):
    settle(ledger, "KF-1", "1000")
    settle(ledger, "KF-2", "2000")
    pay(ledger, "KF-2", "500")
    settled_on = day_of(ledger.events(kind=CASE_SETTLED)[0].recorded_at)
    today = settled_on + timedelta(days=14)
    report = balances(ws, today)
    expected = ws.calendar.workdays_late(settled_on, today)
    assert 8 <= expected <= 10  # two calendar weeks, counted in working days (工作日)
    assert [(o["case"], o["owed"], o["waiting_workdays"]) for o in report["outstanding"]] == [
        ("KF-1", "1,000.00", expected),
        ("KF-2", "1,500.00", expected),
    ]
    assert report["outstanding"][0]["settled_on"] == settled_on.isoformat()


def test_a_corrected_settlement_or_payment_counts_once_the_latest(ws, ledger):
    settle(ledger, "KF-1", "5000")
    pay(ledger, "KF-1", "4000")
    settle(ledger, "KF-1", "4500")  # the settlement sent again
    pay(ledger, "KF-1", "4500")  # and the payment corrected
    [repair] = settled_repairs(ledger)
    assert (repair.settled, repair.paid, repair.owed) == (Decimal("4500"), Decimal("4500"), Decimal("0"))
    assert team(ws)["balance"] == "100,000.00"


def test_an_overpayment_is_not_owed_and_raises_the_balance(ws, ledger):
    settle(ledger, "KF-1", "1000")
    pay(ledger, "KF-1", "1200")
    assert balances(ws)["outstanding"] == [] and team(ws)["balance"] == "100,200.00"


def test_a_contractors_own_repair_never_draws_on_the_fund(ws, ledger):
    settle(ledger, "KF-1", "8000", order_class="A", by_contractor=True)
    assert team(ws)["settled"] == "0.00" and balances(ws)["outstanding"] == []


def test_each_class_is_repaid_into_its_own_fund(ws, ledger):
    (ws.root / "docgen.toml").write_text(
        '[repair.fund_by_class]\nA = "客户服务维修队"\nB = "客户服务部"\n', encoding="utf-8"
    )
    ws = Workspace.open(ws.root)
    settle(ledger, "KF-1", "800", order_class="B")
    settle(ledger, "KF-2", "600", order_class="A")
    pay(ledger, "KF-1", "800")
    funds = {f["name"]: f for f in balances(ws)["funds"]}
    assert funds["客户服务部"]["repaid"] == "800.00" and funds["客户服务部"]["outstanding"] == "0.00"
    assert funds["客户服务维修队"]["outstanding"] == "600.00"
    assert (
        repaid(ledger, ws, "客户服务部") == Decimal("800") and repaid(ledger, ws, "客户服务部", excluding="KF-1") == 0
    )


def test_pending_final_accounts_lower_the_balance_until_settled(ws, ledger):
    with ledger.transaction() as tx:
        record(
            tx,
            CASE_FINAL_ACCOUNT,
            {
                "case_number": "KF-1",
                "order_number": "PG-B-1",
                "prepared_date": "2026-11-27",
                "total": "900",
                "order_class": "B",
            },
            "KF-1",
            SUBMISSION,
        )
    assert team(ws)["pending"] == "900.00" and team(ws)["balance"] == "99,100.00"


@pytest.mark.parametrize("amount", ["85000", "100001"])
def test_the_warning_follows_what_is_owed_not_what_was_ever_settled(ws, ledger, amount):
    settle(ledger, "KF-1", amount)
    assert team(ws)["warning"]
    pay(ledger, "KF-1", amount)
    assert not team(ws)["warning"]


def test_the_final_payment_opinion_draws_on_the_contractors_warranty_record_cs_3_6_2(ws, ledger, capsys, monkeypatch):
    from docx import Document

    from docgen.cli import main
    from tests.docx_helpers import visible
    from tests.test_repair_chain import CLASS_A_1200_50, run_chain

    # GIVEN a contractor with a deposit of 5,000 yuan whose warranty ended, and one class A repair of 1,200.50
    (ws.root / "docgen.toml").write_text(
        '[repair.deposits]\n"闽建一公司" = 5000\n[repair.warranty_ends]\n"闽建一公司" = 2026-11-01\n', encoding="utf-8"
    )
    ws = Workspace.open(ws.root)
    number, _ = run_chain(ws, ledger, **CLASS_A_1200_50)
    # and a class B repair (outside the warranty, CS-3.5.1) whose survey names the same contractor
    from tests import test_repair_chain as chain
    from tests.conftest import register_line

    monkeypatch.setattr(chain, "register_line", lambda: register_line(customer="李娜", content="门锁损坏"))
    run_chain(ws, ledger, **{**CLASS_A_1200_50, "in_warranty": False})
    # WHEN 客户服务部 asks for the opinion on its final payment
    assert main(["--workspace", str(ws.root), "funds", "--opinion", "闽建一公司", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    # THEN the record lists the warranty repair, its deduction and timeliness, and the deposit left
    [repair] = record["repairs"]
    assert repair["case"] == number and repair["deducted"] == "1,200.50" and repair["workdays_late"] == 0
    assert record["deducted"] == "1,200.50" and record["remaining"] == "3,799.50" and record["warranty_over"]
    assert "建议支付保证金余额3,799.50元" in record["opinion"]
    # AND a Word document with the record and a signature block for 客户服务部
    document = Document(str(ws.root / record["output"]))
    text = visible(
        "\n".join(
            [p.text for p in document.paragraphs] + [c.text for t in document.tables for r in t.rows for c in r.cells]
        )
    )
    assert number in text and "CS-3.6.2" in text and "客户服务部经理：" in text and "3,799.50" in text


def test_an_opinion_for_an_unknown_contractor_is_refused(ws, capsys):
    from docgen.cli import main

    assert main(["--workspace", str(ws.root), "funds", "--opinion", "无名公司"]) == 2
    assert "无名公司" in capsys.readouterr().err


def test_an_opinion_before_the_warranty_ends_is_a_preliminary_one(ws):
    from docgen.funds import warranty_record

    (ws.root / "docgen.toml").write_text(
        '[repair.deposits]\n"闽建一公司" = 5000\n[repair.warranty_ends]\n"闽建一公司" = 2027-06-30\n', encoding="utf-8"
    )
    record = warranty_record(Workspace.open(ws.root), "闽建一公司", date(2026, 11, 27))
    assert not record["warranty_over"] and "尚未届满" in record["opinion"] and record["remaining"] == "5,000.00"
