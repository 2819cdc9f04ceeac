"""The repair chain end to end (CS-3.5: CS-3.5.2 work order completed, CS-3.5.10 ratings): only the forms
docgen emitted, filled through their defined names."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
from docx import Document

from docgen import pipeline
from docgen.cases import all_cases
from docgen.demo import fill_emitted
from tests.conftest import TODAY, register_line, write_register
from tests.docx_helpers import visible

SIGNED_SURVEY = {
    "sign_service": "林晓",
    "sign_engineering": "陈工",
    "sign_team_leader": "郑队长",
    "sign_contractor": "王工",
}


def fill(ws, emitted: str, values: dict, lines: list[dict] | None = None, name: str | None = None) -> Path:
    """Fill an emitted form the way a clerk's Excel would: into its named cells and table rows."""
    return fill_emitted(ws.root / emitted, values, lines or [], ws.intake / (name or Path(emitted).name))


def step(ws, ledger, path, today=TODAY):
    outcome = pipeline.process_file(ws, ledger, path, today)
    assert outcome.status in ("accepted", "accepted_with_findings"), [f.message for f in outcome.findings]
    return outcome


def emitted(outcome, fragment: str) -> str:
    return next(o for o in outcome.outputs if fragment in o)


def docx_text(path: Path) -> str:
    document = Document(str(path))
    return visible(
        "\n".join(
            [p.text for p in document.paragraphs]  # without the invisible WORD JOINERs
            + [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        )
    )


def survey_values(**overrides) -> dict:
    """A survey as the clerk fills it on site (class B 800 yuan by the repair team, unless overridden)."""
    values = {
        "survey_date": date(2026, 11, 24),
        "estimate": "800",
        "responsible_party": "公司",
        "work_kind": "单工种",
        "in_warranty": "否",
        "repairer": "客户服务维修队",
        **SIGNED_SURVEY,
    }
    values.update(overrides)
    return values


COMPLETED = {
    "workers": "张师傅",
    "completed_date": date(2026, 11, 26),
    "check_service": "林晓",
    "check_team_leader": "郑队长",
    "customer_signature": "王建国",
    "customer_opinion": "满意",
}


# ============================================================ the chain's steps, each form as docgen emitted it


def register(ws, ledger, today=TODAY, **line):
    """A register of one complaint (``register_line(**line)``) dropped into intake."""
    return step(ws, ledger, write_register(ws.intake, [register_line(**line)]), today=today)


def survey(ws, ledger, registered, today=TODAY, name: str | None = None, **values):
    """The 《现场勘察会签表》 the register emitted, filled (``survey_values(**values)``) and dropped back."""
    return step(ws, ledger, fill(ws, emitted(registered, "现场勘察会签表"), survey_values(**values), name=name), today)


def complete(ws, ledger, surveyed, today=TODAY, **values):
    """The 《工程派工单》 the survey (or its approval) emitted, completed (``COMPLETED`` but for ``values``)."""
    return step(ws, ledger, fill(ws, emitted(surveyed, "工程派工单"), {**COMPLETED, **values}), today)


def call_back(ws, ledger, completed, on: date, **values):
    """The 《回访记录》 the completion emitted: the customer called back on ``on`` (满意, but for ``values``)
    and the form dropped back that day."""
    callback = {"callback_date": on, "satisfaction": "满意", "caller": "陈静", **values}
    return step(ws, ledger, fill(ws, emitted(completed, "回访记录"), callback), today=on)


def account(
    ws,
    ledger,
    completed,
    on: date,
    total: str,
    uppercase: str,
    cost_lines: list[dict],
    today=TODAY,
    team_leader: str = "郑队长",
):
    """The 《维修工程决算书》 the completion emitted, prepared on ``on`` and dropped back."""
    header = {"team_leader": team_leader, "prepared_date": on, "total": total, "total_uppercase": uppercase}
    return step(ws, ledger, fill(ws, emitted(completed, "维修工程决算书"), header, cost_lines), today)


def settle(ws, ledger, accounted, values: dict, today=TODAY):
    """The 《维修工程结算书》 the final account emitted, audited and signed (``values``) and dropped back."""
    return step(ws, ledger, fill(ws, emitted(accounted, "维修工程结算书"), values), today)


def account_unasked(ws, number: str, order_number: str, on: date, total: str, uppercase: str, item: str) -> Path:
    """A one-line 《维修工程决算书》 docgen did not emit, filled on a blank form; its 派工单类别 is the one
    ``order_number`` names (PG-A-… or PG-B-…)."""
    from docgen.office.xlsx_fill import fill_form
    from docgen.steps import FORMS

    return fill_form(
        FORMS["CS-FINAL"],
        ws.intake / "决算书.xlsx",
        {
            "case_number": number,
            "order_number": order_number,
            "order_class": order_number[3],
            "team_leader": "郑队长",
            "prepared_date": on,
            "total": total,
            "total_uppercase": uppercase,
        },
        [{"item": item, "unit": "项", "quantity": 1, "unit_price": int(total), "amount": int(total)}],
    )


# A class A (warranty) repair surveyed at 1,000 yuan (the work order at once, CS-3.6.1) that cost 1,200.50: the
# settlement approved by 副总工程师 and 副总经理 (CS-3.6.1), the contractor confirming; several test modules play it.
CLASS_A_1200_50 = {
    "estimate": "1000",
    "in_warranty": True,
    "total": "1200.50",
    "uppercase": "壹仟贰佰元伍角",
    "cost_lines": [
        {"项目": "地漏更换", "工种": "水电", "单位": "个", "数量": 1, "单价（元）": 200.5, "金额（元）": 200.5},
        {"项目": "防水修补", "工种": "泥工", "单位": "平方米", "数量": 4, "单价（元）": 250, "金额（元）": 1000},
    ],
    "approvals": {
        "contractor_confirm": "闽建一公司 王工",
        "review_deputy_chief_engineer": "副总工",
        "approve_deputy_gm": "副总经理",
    },
}


# A class B repair of 800 yuan (the work order at once), settled on the manager's approval (CS-3.6.1).
CLASS_B_800 = {
    "in_warranty": False,
    "total": "800",
    "uppercase": "捌佰元整",
    "cost_lines": [{"项目": "门锁更换", "单位": "把", "数量": 2, "单价（元）": 400, "金额（元）": 800}],
    "approvals": {"approve_manager": "客服部经理"},
}


DEPUTY_APPROVAL = {"review_deputy_chief_engineer": "副总工", "approve_deputy_gm": "副总经理"}


def approve(ws, ledger, surveyed, signatures: dict, on: date = date(2026, 11, 24)):
    """The 《维修费用审批单》 a survey emitted, signed and dropped back: the outcome that issues the work order."""
    assert not any("工程派工单" in o for o in surveyed.outputs)
    return step(ws, ledger, fill(ws, emitted(surveyed, "维修费用审批单"), {"approved_date": on, **signatures}))


def run_chain(
    ws,
    ledger,
    *,
    in_warranty: bool,
    cost_lines: list[dict],
    total: str,
    uppercase: str,
    approvals: dict,
    estimate: str | None = None,
) -> tuple[str, list]:
    """The chain from the register to the settlement; a survey estimate (``estimate``, else ``total``) above
    1,000 yuan is approved before its work order (CS-3.6.1)."""
    registered = register(ws, ledger)
    number = registered.case_ids[0]
    surveyed = survey(
        ws,
        ledger,
        registered,
        estimate=estimate or total,
        responsible_party="施工单位",
        contractor="闽建一公司",
        in_warranty="是" if in_warranty else "否",
    )
    # Above 1,000 yuan the company pays (class A: the repair team's work, deducted from the deposit afterwards):
    # the work order follows the approval of 副总工程师 and 副总经理 (CS-3.6.1)
    if any("维修费用审批单" in o for o in surveyed.outputs):
        gm = Decimal((estimate or total).replace(",", "")) > Decimal("10000")
        surveyed = approve(ws, ledger, surveyed, {"approve_gm": "总经理"} if gm else DEPUTY_APPROVAL)
    completed = complete(ws, ledger, surveyed, workers="张师傅、李师傅")
    call_back(ws, ledger, completed, date(2026, 11, 27))
    accounted = account(
        ws, ledger, completed, date(2026, 11, 27), total, uppercase, cost_lines, today=date(2026, 11, 27)
    )
    settled = settle(
        ws,
        ledger,
        accounted,
        {"audited_amount": total, "auditor": "客服审核员", "deputy_chief_engineer_confirm": "副总工", **approvals},
        today=date(2026, 11, 30),
    )
    return number, [registered, surveyed, completed, accounted, settled]


def test_class_a_warranty_repair_from_register_to_payment_and_deposit_deduction(ws, ledger):
    number, outcomes = run_chain(
        ws,
        ledger,
        **CLASS_A_1200_50,
    )
    surveyed, settled = outcomes[1], outcomes[-1]
    assert any("PG-A-2026-00001" in o for o in surveyed.outputs)
    payment = docx_text(ws.root / emitted(settled, "付款通知"))
    assert "1,200.50" in payment and "壹仟贰佰元伍角" in payment and "物业公司" in payment
    deduction = docx_text(ws.root / emitted(settled, "保证金扣款通知"))
    assert "闽建一公司" in deduction and "1,200.50" in deduction
    [case] = all_cases(ledger)
    assert case.stage == "已办结" and not case.open
    assert all(d.met_on is not None for d in case.deadlines if d.key in ("survey", "repair", "callback"))


def test_class_b_repair_needs_no_contractor_and_gets_no_deposit_deduction(ws, ledger):
    number, outcomes = run_chain(
        ws,
        ledger,
        in_warranty=False,
        total="800",
        uppercase="捌佰元整",
        cost_lines=[
            {"项目": "门锁更换", "工种": "木工", "单位": "把", "数量": 2, "单价（元）": 400, "金额（元）": 800}
        ],
        approvals={"approve_manager": "客服部经理"},
    )
    surveyed, settled = outcomes[1], outcomes[-1]
    assert any("PG-B-2026-00001" in o for o in surveyed.outputs)
    assert any("付款通知" in o for o in settled.outputs)
    assert not any("保证金" in o for o in settled.outputs)


def test_a_missing_approval_is_rejected_and_the_copy_points_at_the_cell(ws, ledger):
    surveyed = survey(ws, ledger, register(ws, ledger), estimate="300")
    completed = complete(ws, ledger, surveyed, completed_date=date(2026, 11, 25), customer_opinion="基本满意")
    accounted = account(
        ws,
        ledger,
        completed,
        date(2026, 11, 26),
        "5000",
        "伍仟元整",
        [{"项目": "墙面修补", "单位": "项", "数量": 1, "单价（元）": 5000, "金额（元）": 5000}],
    )
    # WHEN the settlement of 5,000 yuan comes back without the deputy GM's approval (CS-3.6.1)
    path = fill(
        ws,
        emitted(accounted, "维修工程结算书"),
        {
            "audited_amount": "5000",
            "auditor": "审核员",
            "deputy_chief_engineer_confirm": "副总工",
            "review_deputy_chief_engineer": "副总工",
        },
    )
    outcome = pipeline.process_file(ws, ledger, path, TODAY)
    assert outcome.status == "rejected"
    [missing] = [f for f in outcome.findings if f.field == "approve_deputy_gm"]
    assert "副总经理" in missing.message and missing.clause == "CS-3.6.1" and missing.location
    marked = next(ws.rejected.rglob("标注-*.xlsx"))
    sheet, cell = missing.location.split("!")
    assert "副总经理" in openpyxl.load_workbook(marked)[sheet][cell].comment.text


def test_a_step_out_of_order_is_a_clear_finding(ws, ledger):
    registered = register(ws, ledger)
    surveyed = survey(ws, ledger, registered, estimate="300")
    order = openpyxl.load_workbook(ws.root / emitted(surveyed, "工程派工单"))
    assert order is not None
    # A final account for a repair whose work order never came back
    early = account_unasked(
        ws, registered.case_ids[0], "PG-B-2026-00001", date(2026, 11, 25), "100", "壹佰元整", "修补"
    )
    outcome = pipeline.process_file(ws, ledger, early, TODAY)
    assert outcome.status == "rejected" and "尚未完工" in outcome.findings[0].message


def test_quarterly_rating_per_worker_and_team_cs_3_5_10(ws, ledger, capsys):
    from docgen.cli import main

    number, _ = run_chain(ws, ledger, **CLASS_B_800)
    assert main(["--workspace", str(ws.root), "report", "ratings", "--quarter", "2026Q4", "--json"]) == 0
    import json

    summary = json.loads(capsys.readouterr().out)
    # One repair, 满意 on the work order and at the callback: counted once, 50.00 shared by the two workers
    # (tests/test_ratings.py has the rules).
    workers = {name: (w["repairs"], w["score"], w["bonus"]) for name, w in summary["workers"].items()}
    assert workers == {"张师傅": (1, 100.0, "25.00"), "李师傅": (1, 100.0, "25.00")}
    assert summary["leaders"]["郑队长"]["repairs"] == 1 and summary["total_bonus"] == "60.00"
    workbook = openpyxl.load_workbook(ws.root / summary["output"])
    assert [row[0] for row in workbook["维修明细"].iter_rows(min_row=3, values_only=True)] == [number]
    assert main(["--workspace", str(ws.root), "report", "ratings", "--quarter", "2026Q5"]) == 2


def test_funds_and_deposits_are_derived_from_settlements_cs_3_6(ws, ledger, capsys):
    from docgen.cli import main

    (ws.root / "docgen.toml").write_text('[repair.deposits]\n"闽建一公司" = 1400\n', encoding="utf-8")
    from docgen.workspace import Workspace

    ws = Workspace.open(ws.root)
    _, outcomes = run_chain(
        ws,
        ledger,
        in_warranty=True,
        total="1200.50",
        uppercase="壹仟贰佰元伍角",
        cost_lines=[{"项目": "防水修补", "单位": "项", "数量": 1, "单价（元）": 1200.5, "金额（元）": 1200.5}],
        approvals={
            "contractor_confirm": "王工",
            "review_deputy_chief_engineer": "副总工",
            "approve_deputy_gm": "副总经理",
        },
    )
    # THEN the deduction brings the contractor past 80 % of its deposit: a warning on the settlement
    assert any(f.severity == "warning" and "闽建一公司" in f.message for f in outcomes[-1].findings)
    assert main(["--workspace", str(ws.root), "funds", "--json"]) == 0
    import json

    report = json.loads(capsys.readouterr().out)
    team = next(f for f in report["funds"] if f["name"] == "客户服务维修队")
    assert team["settled"] == "1,200.50" and team["balance"] == "98,799.50"
    [deposit] = report["deposits"]
    assert deposit["deducted"] == "1,200.50" and deposit["remaining"] == "199.50" and deposit["warning"]


def _resave_with_libreoffice(path: Path, tmp_path: Path) -> Path:
    import shutil
    import subprocess

    out = tmp_path / "resaved"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    path.unlink()
    return Path(shutil.move(str(out / path.name), str(path)))


def test_every_emitted_form_survives_a_libreoffice_resave_and_is_accepted(ws, ledger, tmp_path):
    import shutil

    import pytest

    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    # GIVEN a clerk whose office suite is LibreOffice: every form is filled, saved by LibreOffice, dropped
    resave = lambda path: _resave_with_libreoffice(path, tmp_path)  # noqa: E731
    registered = step(ws, ledger, resave(write_register(ws.intake, [register_line()])))
    surveyed = step(
        ws,
        ledger,
        resave(
            fill(
                ws,
                emitted(registered, "现场勘察会签表"),
                {
                    "survey_date": date(2026, 11, 24),
                    "estimate": "600",
                    "responsible_party": "公司",
                    "work_kind": "多工种",
                    "in_warranty": "否",
                    "repairer": "客户服务维修队",
                    **SIGNED_SURVEY,
                },
            )
        ),
    )
    completed = step(
        ws,
        ledger,
        resave(
            fill(
                ws,
                emitted(surveyed, "工程派工单"),
                {
                    "workers": "张师傅",
                    "completed_date": date(2026, 11, 27),
                    "check_service": "林晓",
                    "check_team_leader": "郑队长",
                    "customer_signature": "王建国",
                    "customer_opinion": "满意",
                },
            )
        ),
        today=date(2026, 11, 27),
    )
    step(
        ws,
        ledger,
        resave(
            fill(
                ws,
                emitted(completed, "回访记录"),
                {"callback_date": date(2026, 11, 30), "satisfaction": "满意", "caller": "陈静"},
            )
        ),
        today=date(2026, 11, 30),
    )
    accounted = step(
        ws,
        ledger,
        resave(
            fill(
                ws,
                emitted(completed, "维修工程决算书"),
                {
                    "team_leader": "郑队长",
                    "prepared_date": date(2026, 11, 30),
                    "total": "1,500.00",
                    "total_uppercase": "壹仟伍佰元整",
                },
                [{"项目": "吊顶修复", "单位": "平方米", "数量": 6, "单价（元）": 250, "金额（元）": 1500}],
            )
        ),
        today=date(2026, 11, 30),
    )
    settled = step(
        ws,
        ledger,
        resave(
            fill(
                ws,
                emitted(accounted, "维修工程结算书"),
                {
                    "audited_amount": "1500",
                    "auditor": "审核员",
                    "deputy_chief_engineer_confirm": "副总工",
                    "review_deputy_chief_engineer": "副总工",
                    "approve_deputy_gm": "副总经理",
                },
            )
        ),
        today=date(2026, 12, 1),
    )
    # THEN the chain reaches the payment notice
    assert any("付款通知" in o for o in settled.outputs)
    [case] = all_cases(ledger)
    assert case.stage == "已办结"


def test_contractor_warranty_repairs_go_to_engineering_and_close_without_account_or_settlement_cs_3_4_6(ws, ledger):
    """CS-3.4.6: work the repair team cannot do goes to the contractor through 工程材料部; a warranty repair the
    contractor makes is at its own cost: no 决算书 from the team leader, no settlement, nothing paid or deducted
    (issue 10, item 9)."""
    registered = register(ws, ledger)
    surveyed = survey(
        ws,
        ledger,
        registered,
        estimate="3000",
        responsible_party="施工单位",
        contractor="闽建一公司",
        work_kind="多工种",
        in_warranty="是",
        repairer="施工单位（经工程材料部）",
    )
    # 3,000 yuan the contractor bears itself: no approval of the company's money is needed (CS-3.6.1)
    notice = docx_text(ws.root / emitted(surveyed, "施工单位维修通知单"))
    assert "工程材料部" in notice and "PG-A-2026-00001" in notice and "2026年12月3日" in notice  # 7 working days
    assert "施工单位（闽建一公司）" in notice  # 工程材料部 reads whom to press
    completed = complete(ws, ledger, surveyed, workers="闽建维修组")
    assert any("回访记录" in o for o in completed.outputs)
    assert not any("决算书" in o for o in completed.outputs)
    # WHEN a 决算书 is sent anyway  THEN it is refused, saying why
    unasked = account_unasked(
        ws, registered.case_ids[0], "PG-A-2026-00001", date(2026, 11, 26), "3000", "叁仟元整", "外墙渗漏修复"
    )
    refused = pipeline.process_file(ws, ledger, unasked, TODAY)
    assert refused.status == "rejected" and "施工单位承担" in refused.findings[0].message
    # THEN the callback closes the case with its dossier
    called = call_back(ws, ledger, completed, date(2026, 11, 27))
    assert any("案件档案" in o for o in called.outputs)
    assert not any("付款通知" in o or "保证金" in o for o in called.outputs)
    [case] = all_cases(ledger)
    assert case.stage == "已办结"


def test_a_class_b_repair_by_the_contractor_goes_to_finance_and_pays_the_contractor_cs_3_5_8(ws, ledger):
    """CS-3.5.8 "B类《维修工程结算书》由负责质量的副总工程师予以认定，并传递财务计统部" (issue 10, item 9)."""
    surveyed = survey(ws, ledger, register(ws, ledger), contractor="闽建一公司", repairer="施工单位（经工程材料部）")
    assert any("PG-B-2026-00001" in o for o in surveyed.outputs) and any(
        "施工单位维修通知单" in o for o in surveyed.outputs
    )
    completed = complete(ws, ledger, surveyed, workers="闽建维修组")
    accounted = account(
        ws,
        ledger,
        completed,
        date(2026, 11, 26),
        "800",
        "捌佰元整",
        [{"项目": "门窗修复", "单位": "项", "数量": 1, "单价（元）": 800, "金额（元）": 800}],
        team_leader="闽建一公司 王工",
    )
    settled = settle(
        ws,
        ledger,
        accounted,
        {
            "audited_amount": "800",
            "auditor": "审核员",
            "deputy_chief_engineer_confirm": "副总工",
            "approve_manager": "客服部经理",
        },
    )
    payment = docx_text(ws.root / emitted(settled, "付款通知"))
    assert "闽建一公司" in payment and "800.00" in payment
    assert not any("保证金" in o for o in settled.outputs)


def test_each_class_can_draw_on_its_own_revolving_fund_cs_3_6(ws, ledger, capsys):
    from docgen.cli import main
    from docgen.workspace import Workspace

    (ws.root / "docgen.toml").write_text(
        '[repair.fund_by_class]\nA = "客户服务维修队"\nB = "客户服务部"\n', encoding="utf-8"
    )
    ws = Workspace.open(ws.root)
    run_chain(ws, ledger, **CLASS_B_800)
    assert main(["--workspace", str(ws.root), "funds", "--json"]) == 0
    import json

    funds = {f["name"]: f for f in json.loads(capsys.readouterr().out)["funds"]}
    assert funds["客户服务部"]["settled"] == "800.00" and funds["客户服务维修队"]["settled"] == "0.00"


def test_a_closed_case_gets_its_archive_dossier_with_the_source_forms_inside(ws, ledger):
    import pikepdf

    number, outcomes = run_chain(ws, ledger, **CLASS_B_800)
    dossier = ws.root / emitted(outcomes[-1], "案件档案")
    with pikepdf.open(dossier) as pdf:
        assert len(pdf.attachments) == 6  # register, survey, work order, callback, final account, settlement


def test_a_settlement_before_the_callback_leaves_the_case_open_and_the_callback_closes_it_cs_3_5_4(ws, ledger):
    """Issue 10, item 2: a settlement on 11-24 closed the case and the on-time callback of 11-25 was refused as
    "已结算办结". A repair closes when completion, callback and settlement are all on record, in any order."""
    registered = register(ws, ledger, today=date(2026, 11, 23))
    surveyed = survey(ws, ledger, registered, today=date(2026, 11, 23), survey_date=date(2026, 11, 23))
    completed = complete(ws, ledger, surveyed, today=date(2026, 11, 24), completed_date=date(2026, 11, 24))
    accounted = account(
        ws,
        ledger,
        completed,
        date(2026, 11, 24),
        "800",
        "捌佰元整",
        [{"项目": "门锁更换", "单位": "把", "数量": 2, "单价（元）": 400, "金额（元）": 800}],
        today=date(2026, 11, 24),
    )
    # WHEN the settlement comes on 11-24, before the callback
    settled = settle(
        ws,
        ledger,
        accounted,
        {
            "audited_amount": "800",
            "auditor": "审核员",
            "deputy_chief_engineer_confirm": "副总工",
            "approve_manager": "经理",
        },
        today=date(2026, 11, 24),
    )
    # THEN it is paid, but the case stays open for its callback
    assert any("付款通知" in o for o in settled.outputs) and not any("案件档案" in o for o in settled.outputs)
    assert any("回访" in f.message and f.severity == "warning" for f in settled.findings)
    [case] = all_cases(ledger)
    assert case.open and [d.key for d in case.pending()] == ["callback"]
    # WHEN the customer is called back on 11-25, in time, and is not satisfied
    called = call_back(ws, ledger, completed, date(2026, 11, 25), satisfaction="不满意", opinion="门锁仍有异响")
    # THEN the callback is accepted without a violation, closes the case and emits the dossier
    assert not any(f.severity == "violation" for f in called.findings)
    assert any(f.clause == "CS-3.5.10" and "不满意" in f.message for f in called.findings)
    assert any("99-案件档案" in o for o in called.outputs)
    [case] = all_cases(ledger)
    assert case.stage == "已办结" and not case.open
    # and the callback event carries the customer's 不满意 for the ratings and the weekly report
    from docgen.events import CASE_CALLED_BACK

    [callback] = ledger.events(kind=CASE_CALLED_BACK)
    assert callback.payload["satisfaction"] == "不满意" and callback.payload["opinion"] == "门锁仍有异响"
