"""Early warnings of a possible major complaint (CS-3.7.4): flagged the day the pattern appears, with the
thresholds of ``[warnings]`` printed; shown in the daily 逾期预警 and by ``docgen status``."""

from __future__ import annotations

from datetime import date

from docgen import pipeline
from docgen.cli import main
from docgen.events import CASE_CALLED_BACK, SURVEY_RECORDED
from docgen.reports.early_warnings import early_warnings, rule_lines
from docgen.reports.weekly_docs import write_daily_warning
from docgen.workspace import EarlyWarnings
from tests.conftest import register_line, write_register
from tests.docx_helpers import all_text
from tests.pdf_text import pdftotext

RULES = EarlyWarnings()


def register(ws, ledger, lines, today):
    outcome = pipeline.process_file(ws, ledger, write_register(ws.intake, lines), today)
    assert outcome.status in ("accepted", "accepted_with_findings"), [f.message for f in outcome.findings]
    return outcome.case_ids


def three_from_building_3(ws, ledger) -> list[str]:
    days = (date(2026, 11, 2), date(2026, 11, 16), date(2026, 11, 23))
    lines = [
        register_line(received_date=day, customer=f"客户{i}", phone=f"1380013800{i}", content=f"外墙渗水{i}")
        for i, day in enumerate(days)
    ]
    return register(ws, ledger, lines, date(2026, 11, 23))


def test_repeated_complaints_from_one_building_are_flagged_the_day_the_third_arrives(ws, ledger):
    numbers = three_from_building_3(ws, ledger)
    assert early_warnings(ledger, RULES, date(2026, 11, 22)) == []  # two so far
    [flag] = early_warnings(ledger, RULES, date(2026, 11, 23))
    assert (flag.kind, flag.where, flag.count, flag.numbers) == ("building", "融侨锦江3栋", 3, tuple(numbers))
    assert "30天内达到3件即预警" in flag.text and "CS-3.7.4" in flag.text
    # the first complaint leaves the 30-day window on 2 December
    assert early_warnings(ledger, RULES, date(2026, 12, 2)) == []
    # configurable: a stricter office flags two
    assert len(early_warnings(ledger, EarlyWarnings(building_complaints=2), date(2026, 12, 2))) == 1


def test_unsatisfied_callbacks_in_one_project_and_a_survey_cluster(ws, ledger):
    lines = [
        register_line(building=str(i), customer=f"客户{i}", phone=f"1390013900{i}", content=f"门窗漏风{i}")
        for i in range(3)
    ]
    numbers = register(ws, ledger, lines, date(2026, 11, 23))
    with ledger.transaction() as tx:
        for number, opinion in zip(numbers, ("不满意", "满意", "不满意")):
            payload = {"case_number": number, "callback_date": "2026-11-25", "satisfaction": opinion}
            tx.append(CASE_CALLED_BACK, payload, case_id=number)
        answers = [
            {"household": f"5-{room}", "building": "5", "ratings": {"房屋质量": level, "物业服务": "满意"}}
            for room, level in (("101", "不满意"), ("102", "非常不满意"), ("201", "不满意"), ("202", "满意"))
        ]
        tx.append(SURVEY_RECORDED, {"community": "融侨锦江", "surveyed_on": "2026-11-20", "answers": answers})
    flags = early_warnings(ledger, RULES, date(2026, 11, 26))
    assert [(f.kind, f.where, f.count) for f in flags] == [("callback", "融侨锦江", 2), ("survey", "融侨锦江5栋", 3)]
    assert set(flags[0].numbers) == {numbers[0], numbers[2]}
    assert "不满意" in flags[0].text and "5-101" in flags[1].numbers


def test_the_daily_warning_and_status_print_the_flags_with_the_thresholds(ws, ledger, capsys):
    three_from_building_3(ws, ledger)
    docx, pdf = write_daily_warning(ws, ledger, date(2026, 11, 23))
    for text in (all_text(docx), pdftotext(pdf).replace(" ", "")):
        assert "可能引发重大投诉的预警（CS-3.7.4）" in text
        assert "融侨锦江3栋" in text
        assert rule_lines(RULES)[0] in text.replace("\n", "")
    assert main(["--workspace", str(ws.root), "status", "--today", "2026-11-23"]) == 0
    out = capsys.readouterr().out
    assert "预警（CS-3.7.4，可能引发重大投诉）" in out and "融侨锦江3栋" in out


def test_status_of_one_office_prints_only_the_flags_of_its_projects(ws, ledger, capsys):
    # A hand trial saw `status --office 东区…` print the early warnings of the other office's projects.
    three_from_building_3(ws, ledger)  # 融侨锦江, routed by default to 融侨锦江客户服务处
    register(ws, ledger, [register_line(project="翠苑", customer="翠苑客户")], date(2026, 11, 23))
    assert main(["--workspace", str(ws.root), "status", "--today", "2026-11-23", "--office", "翠苑客户服务处"]) == 0
    assert "融侨锦江3栋" not in capsys.readouterr().out
    assert main(["--workspace", str(ws.root), "status", "--today", "2026-11-23", "--office", "融侨锦江客户服务处"]) == 0
    assert "融侨锦江3栋" in capsys.readouterr().out


def test_a_survey_returned_through_intake_with_one_building_unhappy_is_a_survey_cluster(ws, ledger):
    # GIVEN a first survey of 20 households dropped into intake/, three households of one building 不满意
    # (the survey step's own payload, not an assumed shape: issue 12 item 6 reads what issue 12 item 2 writes)
    from docgen.steps import survey as survey_step
    from tests.test_steps_occupancy import PROJECT
    from tests.test_steps_survey import TODAY, answered, occupied, write_survey

    rows = occupied(ws, ledger, 20, 20)
    _, payload = survey_step.draft_survey(ws, ledger, PROJECT, "首次回访", TODAY)
    lines = [answered(h) for h in rows]
    unhappy = [i for i, h in enumerate(rows) if h["building"] == rows[0]["building"]][:3]
    for i in unhappy:
        lines[i] |= {"estate": "不满意"}
    outcome = pipeline.process_file(ws, ledger, write_survey(ws.intake, lines, number=payload["number"]), TODAY)
    assert outcome.status != "rejected", [f.message for f in outcome.findings]
    # THEN the early warnings flag that building of the community as a survey cluster (CS-3.7.4)
    flags = [f for f in early_warnings(ledger, EarlyWarnings(), TODAY) if f.kind == "survey"]
    assert [(f.project, f.building, f.count) for f in flags] == [(PROJECT, rows[0]["building"], 3)]
