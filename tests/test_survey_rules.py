"""《现场勘察会签表》 rules (CS-3.4.5), at their boundaries, and through the pipeline."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from docgen import pipeline
from docgen.cases import all_cases
from docgen.forms.site_survey import SiteSurvey
from docgen.procedures.workdays import WorkCalendar
from docgen.steps import site_survey as survey_rules
from tests.conftest import TODAY, register_line, write_register

SIGNED = {"sign_service": "林晓", "sign_engineering": "陈工", "sign_team_leader": "郑队长"}


def survey(**overrides) -> SiteSurvey:
    data = {
        "case_number": "KF-2026-00001",
        "survey_date": date(2026, 11, 24),
        "estimate": Decimal("800"),
        "responsible_party": "施工单位",
        "work_kind": "单工种",
        "in_warranty": True,
        "repairer": "客户服务维修队",
        **SIGNED,
        "sign_contractor": "王工",
    }
    data.update(overrides)
    return SiteSurvey.model_validate(data)


@pytest.mark.parametrize(
    "estimate, contractor_needed", [(Decimal("499.99"), False), (Decimal("500"), False), (Decimal("500.01"), True)]
)
def test_cs_3_4_5_contractor_signs_above_500_yuan(estimate, contractor_needed):
    findings = survey_rules.check_signatures(survey(estimate=estimate, sign_contractor=None), {})
    assert bool(findings) is contractor_needed
    if contractor_needed:
        assert findings[0].severity == "error" and "施工单位" in findings[0].message


@pytest.mark.parametrize(
    "key, signatory",
    [("sign_service", "客户服务部"), ("sign_engineering", "工程材料部或物业公司"), ("sign_team_leader", "维修队长")],
)
def test_cs_3_4_5_each_always_required_signature_is_named_when_missing(key, signatory):
    [finding] = survey_rules.check_signatures(survey(**{key: None}), {})
    assert signatory in finding.message and finding.field == key and finding.clause == "CS-3.4.5"


def test_cs_3_4_5_especially_complex_work_needs_consent_and_an_agreed_date():
    findings = survey_rules.check_complex_work(survey(work_kind="特别复杂"), {})
    assert {f.field for f in findings} == {"customer_consent", "agreed_completion"}
    agreed = survey(work_kind="特别复杂", customer_consent=True, agreed_completion=date(2026, 12, 20))
    assert survey_rules.check_complex_work(agreed, {}) == []


def test_cs_3_4_5_a_late_survey_is_a_recorded_violation_counted_in_working_days():
    calendar = WorkCalendar()
    on_time = survey_rules.check_survey_on_time(
        survey(survey_date=date(2026, 11, 24)), date(2026, 11, 24), calendar, {}
    )
    assert on_time == []
    # due Friday 11-27, done Tuesday 12-01: Monday and Tuesday are the 2 working days late
    [late] = survey_rules.check_survey_on_time(survey(survey_date=date(2026, 12, 1)), date(2026, 11, 27), calendar, {})
    assert late.severity == "violation" and "2个工作日" in late.message


def test_a_late_survey_dropped_back_is_accepted_and_the_breach_recorded_on_the_case(ws, ledger):
    registered = pipeline.process_file(ws, ledger, write_register(ws.intake, [register_line()]), TODAY)
    number = registered.case_ids[0]
    workbook = openpyxl.load_workbook(ws.root / f"outbox/{number}/01-现场勘察会签表.xlsx")
    values = {
        "survey_date": date(2026, 11, 26),
        "estimate": "300",
        "responsible_party": "施工单位",
        "work_kind": "单工种",
        "in_warranty": "是",
        "repairer": "客户服务维修队",
        "contractor": "闽建一公司",
        **SIGNED,
    }
    for key, value in values.items():
        sheet, cell = next(iter(workbook.defined_names[key].destinations))
        workbook[sheet][cell.replace("$", "")] = value
    filled = ws.intake / "勘察表.xlsx"
    workbook.save(filled)
    outcome = pipeline.process_file(ws, ledger, filled, TODAY)
    assert outcome.status == "accepted_with_findings"
    [breach] = [f for f in outcome.findings if f.severity == "violation"]
    assert breach.clause == "CS-3.4.5" and breach.location.endswith("!B10")
    assert "case.violation" in [e.kind for e in ledger.events(case_id=number)]
    [case] = all_cases(ledger)
    assert next(d for d in case.deadlines if d.key == "survey").late()
