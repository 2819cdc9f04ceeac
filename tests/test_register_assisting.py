"""Register version 3 (issue 10): a 协办部门 such as 法律事务中心 assists on a complaint and receives the dispatch
(CS-2.1.3), and the responsible department's designated handler (承办人, CS-3.4.2.1) is read back from the
returned register and shown in ``docgen status``. Versions 1 and 2 still read.

Every scenario drops filled registers into intake/ and reads what docgen made of them."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

from pydantic import create_model

from docgen import pipeline
from docgen.cases import all_cases
from docgen.cli import main
from docgen.events import CASE_ASSISTING, CASE_HANDLER
from docgen.forms.register import REGISTER, RegisterLine
from docgen.office.xlsx import build_workbook, save_atomic
from tests.conftest import register_line, write_register
from tests.test_repair_chain import docx_text

SALES = {"category": "销售服务", "content": "购房合同约定的赠送面积未兑现，业主要求赔偿", "customer": "周强"}
MONDAY, WEDNESDAY = date(2026, 11, 23), date(2026, 11, 25)


def _drop(ws, ledger, lines, today, name=None):
    outcome = pipeline.process_file(ws, ledger, write_register(ws.intake, lines, name=name), today)
    assert outcome.status in ("accepted", "accepted_with_findings"), [f.message for f in outcome.findings]
    return outcome


def _dispatches(outcome) -> list[str]:
    return [o for o in outcome.outputs if "/dispatch/" in o]


def _case(ledger, number):
    return next(c for c in all_cases(ledger) if c.number == number)


def test_the_legal_affairs_centre_named_as_assisting_receives_its_own_dispatch(ws, ledger):
    # GIVEN a sales complaint with a legal side, 法律事务中心 named as 协办部门 on the register
    outcome = _drop(ws, ledger, [register_line(**SALES, assisting="法律事务中心")], MONDAY)
    [number] = outcome.case_ids
    # THEN a 转办单 goes to 经营销售部 (responsible) and one to 法律事务中心 (assisting), each listing the case
    dispatches = _dispatches(outcome)
    assert len(dispatches) == 2
    [legal] = [d for d in dispatches if "法律事务中心" in d]
    text = docx_text(ws.root / legal)
    assert "法律事务中心（协办）" in text and number in text
    assert _case(ledger, number).assisting == "法律事务中心"
    assert _case(ledger, number).registered.department == "经营销售部"


def test_a_legal_affairs_centre_named_on_the_returned_register_gets_the_dispatch_then(ws, ledger):
    line = register_line(**SALES)
    [number] = _drop(ws, ledger, [line], MONDAY).case_ids
    # WHEN the returned register names 法律事务中心 as 协办部门 on Wednesday
    later = _drop(ws, ledger, [dict(line, number=number, assisting="法律事务中心")], WEDNESDAY)
    # THEN it is recorded on the case and a 转办单 goes to it for that case alone
    [legal] = _dispatches(later)
    assert "法律事务中心" in legal and number in docx_text(ws.root / legal)
    assert [e.payload["assisting"] for e in ledger.events(case_id=number, kind=CASE_ASSISTING)] == ["法律事务中心"]
    # AND the same register dropped again (another copy) records and dispatches nothing more
    again = _drop(
        ws, ledger, [dict(line, number=number, assisting="法律事务中心", progress="已转法律事务中心")], WEDNESDAY
    )
    assert _dispatches(again) == [] and len(ledger.events(case_id=number, kind=CASE_ASSISTING)) == 1


def test_the_designated_handler_is_read_back_from_the_returned_register_and_shown_in_status(ws, ledger, capsys):
    line = register_line(**SALES)
    [number] = _drop(ws, ledger, [line], MONDAY).case_ids
    capsys.readouterr()
    assert main(["--workspace", str(ws.root), "status", "--case", number]) == 0
    assert "承办人：责任部门尚未指定（CS-3.4.2.1）" in capsys.readouterr().out
    # WHEN 经营销售部 returns the register with its designated handler
    _drop(ws, ledger, [dict(line, number=number, handler="张伟", progress="已约业主面谈")], WEDNESDAY)
    # THEN the case records it and status shows it
    [event] = ledger.events(case_id=number, kind=CASE_HANDLER)
    assert event.payload["handler"] == "张伟" and event.payload["department"] == "经营销售部"
    assert main(["--workspace", str(ws.root), "status", "--case", number]) == 0
    assert "承办人：张伟" in capsys.readouterr().out
    assert main(["--workspace", str(ws.root), "status", "--case", number, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["cases"][0]["handler"] == "张伟"
    # AND a handler written when the complaint is registered is the case's handler from the start
    [other] = _drop(ws, ledger, [register_line(customer="陈敏", phone="13900139000", handler="林工")], MONDAY).case_ids
    assert _case(ledger, other).handler == "林工" and ledger.events(case_id=other, kind=CASE_HANDLER) == []


def test_a_version_2_register_without_the_new_columns_is_still_read(ws, ledger):
    v2_line = create_model(
        "RegisterLineV2",
        **{
            key: (info.annotation, info)
            for key, info in RegisterLine.model_fields.items()
            if key not in ("assisting", "handler")
        },
    )
    v2 = dataclasses.replace(REGISTER, version=2, accepts=(), line_model=v2_line)
    path = ws.intake / "第二版登记表.xlsx"
    save_atomic(build_workbook(v2, {"office": "客户服务部"}, [register_line(**SALES)]), path)
    outcome = pipeline.process_file(ws, ledger, path, MONDAY)
    assert outcome.status == "accepted", outcome.findings
    assert _case(ledger, outcome.case_ids[0]).handler is None
