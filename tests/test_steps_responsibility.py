"""CS-3.4.5 "分析甄别维修工程任务的责任方", CS-3.5.1 "B类为保修期外应由公司承担的维修任务", CS-3.5.9: the
responsible party the survey finds decides the class, who pays and whether the contractor's deposit is
charged (issue 10, item 4). Played only with the forms docgen emitted."""

from __future__ import annotations

import json
from datetime import date

from docgen import pipeline
from docgen.cases import all_cases
from docgen.cli import main
from docgen.workspace import Workspace
from tests.conftest import TODAY
from tests.test_repair_chain import emitted, fill, register, step, survey, survey_values


def test_a_survey_naming_the_owner_as_responsible_charges_no_contractor(ws, ledger, capsys):
    # GIVEN a contractor with a quality deposit, and a leak in warranty caused by the owner's own alteration
    (ws.root / "docgen.toml").write_text('[repair.deposits]\n"闽建一公司" = 5000\n', encoding="utf-8")
    ws = Workspace.open(ws.root)
    surveyed = survey(
        ws,
        ledger,
        register(ws, ledger),
        responsible_party="业主/客户",
        contractor="闽建一公司",
        in_warranty="是",
        findings="业主自行改造卫生间防水层导致渗漏",
    )
    # THEN neither a class A nor a class B work order: a quote to the customer, who pays
    assert not any("工程派工单" in o or "PG-" in o for o in surveyed.outputs)
    assert any("13-维修报价确认单" in o for o in surveyed.outputs)
    [case] = all_cases(ledger)
    assert case.stage == "待客户确认"
    # WHEN the customer signs the quote
    answered = step(
        ws,
        ledger,
        fill(
            ws,
            emitted(surveyed, "维修报价确认单"),
            {"answer": "同意自费维修", "customer_signature": "王建国", "answered_date": date(2026, 11, 25)},
        ),
    )
    # THEN the case closes with its dossier, and the contractor's deposit is untouched
    assert any("99-案件档案" in o for o in answered.outputs)
    [case] = all_cases(ledger)
    assert case.stage == "已办结" and not case.open
    capsys.readouterr()
    assert main(["--workspace", str(ws.root), "funds", "--json"]) == 0
    [deposit] = json.loads(capsys.readouterr().out)["deposits"]
    assert deposit["deducted"] == "0.00"


def test_a_quote_without_the_customers_signature_is_rejected_on_its_cell(ws, ledger):
    surveyed = survey(ws, ledger, register(ws, ledger), responsible_party="业主/客户")
    path = fill(ws, emitted(surveyed, "维修报价确认单"), {"answer": "同意", "answered_date": date(2026, 11, 25)})
    outcome = pipeline.process_file(ws, ledger, path, TODAY)
    assert outcome.status == "rejected"
    [missing] = outcome.findings
    assert missing.field == "customer_signature" and missing.location and missing.clause == "CS-3.4.5"


def test_a_defect_the_company_answers_for_is_class_b_even_within_the_warranty(ws, ledger):
    surveyed = survey(ws, ledger, register(ws, ledger), responsible_party="公司", in_warranty="是")
    assert any("PG-B-2026-00001" in o for o in surveyed.outputs)


def test_another_responsible_party_gets_no_work_order_and_must_be_named(ws, ledger):
    registered = register(ws, ledger)
    path = fill(ws, emitted(registered, "现场勘察会签表"), survey_values(responsible_party="其他"), name="其他-1.xlsx")
    outcome = pipeline.process_file(ws, ledger, path, TODAY)
    assert outcome.status == "rejected" and [f.field for f in outcome.findings] == ["findings"]
    surveyed = survey(
        ws,
        ledger,
        registered,
        name="其他-2.xlsx",
        responsible_party="其他",
        findings="市政供水管爆裂，由自来水公司负责",
    )
    assert not any("工程派工单" in o for o in surveyed.outputs)
    assert any(f.clause == "CS-3.4.5" and "不派工" in f.message for f in surveyed.findings)


def test_the_choices_of_the_survey_forms_in_circulation_still_read(ws, ledger):
    # GIVEN a survey filled on a form of before issue 10, whose 责任方 offered 客户 and 设计
    surveyed = survey(ws, ledger, register(ws, ledger), responsible_party="设计", in_warranty="是")
    # THEN 设计 is the company's (class B)
    assert any("PG-B-" in o for o in surveyed.outputs)
