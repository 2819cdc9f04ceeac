"""The customer satisfaction survey 《客户满意度调查表》 (CS-3.7.5 … CS-3.7.5.9), every rule through intake/: drafted by
``docgen survey draft`` from the community's 《入住情况表》, returned filled; the violations recorded, the clearly wrong
refused on their cells; each opinion a numbered case, each seriously dissatisfied household a tracked re-visit on the
《回访名单》 and the 逾期预警; the report written with the handling rate."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from docgen import pipeline
from docgen.actions import all_actions
from docgen.cli import main
from docgen.demo import fill_emitted
from docgen.events import CASE_REGISTERED, CASE_VIOLATION, SURVEY_DRAFTED, SURVEY_RECORDED, SURVEY_REVISIT
from docgen.office.xlsx import build_workbook, save_atomic
from docgen.projects import community
from docgen.reports.periodic import overdue_warning
from docgen.steps import FORMS
from docgen.steps import survey as survey_step
from tests.conftest import TODAY, register_line, write_register
from tests.test_steps_occupancy import PROJECT, households, write_occupancy

DAY = date(2026, 11, 20)  # a Friday
GOOD = {"quality": "满意", "design": "满意", "repair": "非常满意", "estate": "一般", "sales": "满意", "overall": "满意"}


def answered(household: dict, **overrides) -> dict:
    """A household's row as the interviewer fills it (field keys)."""
    return {
        "building": household["building"],
        "room": household["room"],
        "customer": household["customer"],
        "phone": household["phone"],
        "mode": "入户",
        "day": DAY,
        "interviewer": "陈静",
        **GOOD,
        **overrides,
    }


def write_survey(folder: Path, lines: list[dict], kind: str = "首次回访", name: str = "满意度调查.xlsx", **header):
    values = {"project": PROJECT, "kind": kind, **header}
    return save_atomic(build_workbook(FORMS["CS-SATISFACTION"], values, lines), folder / name)


def occupied(ws, ledger, count: int = 200, moved_in: int = 180) -> list[dict]:
    rows = households(count, moved_in)
    outcome = pipeline.process_file(ws, ledger, write_occupancy(ws.intake, rows), TODAY)
    assert outcome.status != "rejected", [f.message for f in outcome.findings]
    return rows[:moved_in]


def accepted(outcome):
    assert outcome.status in ("accepted", "accepted_with_findings"), [
        (f.location, f.message) for f in outcome.findings if f.severity == "error"
    ]
    return outcome


def violations(outcome, clause: str) -> list:
    return [f for f in outcome.findings if f.severity == "violation" and f.clause == clause]


# ------------------------------------------------------------ the draft


def test_the_first_survey_is_drafted_with_every_occupied_household(ws, ledger):
    rows = occupied(ws, ledger)
    document, payload = survey_step.draft_survey(ws, ledger, PROJECT, "首次回访", TODAY)
    pipeline.render(ws, document)
    assert payload["number"] == "MY-2026-001" and len(payload["listed"]) == 180 and payload["seed"] is None
    sheet = openpyxl.load_workbook(ws.root / document.path).worksheets[0]
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell]
    assert rows[0]["customer"] in values and rows[179]["customer"] in values and "业主180" not in values
    assert ledger.events(kind=SURVEY_DRAFTED)[0].case_id == "MY-2026-001"


def test_an_annual_sample_is_drawn_with_a_recorded_seed_and_can_be_drawn_again(ws, ledger):
    rows = occupied(ws, ledger, 400, 300)
    document, payload = survey_step.draft_survey(ws, ledger, PROJECT, "年度回访", TODAY, seed=20261126)
    # ceil(15 % of 300) households, the seed in the event and on the form
    assert len(payload["listed"]) == 45 and payload["seed"] == 20261126
    assert ledger.events(kind=SURVEY_DRAFTED)[0].payload["seed"] == 20261126
    keys = [community(ws.settings, ledger, PROJECT).occupied_rooms()[i].key for i in range(300)]
    again = survey_step.draw_sample(keys, 45, 20261126)
    assert again == [f"{b}-{r}" for b, r in payload["listed"]]
    pipeline.render(ws, document)
    assert "20261126" in json.dumps(
        [
            c
            for row in openpyxl.load_workbook(ws.root / document.path).worksheets[0].iter_rows(values_only=True)
            for c in row
        ],
        ensure_ascii=False,
        default=str,
    )
    assert len({tuple(h) for h in payload["listed"]}) == 45 and rows


def test_survey_draft_command_writes_the_form_into_outbox(ws, ledger, capsys):
    occupied(ws, ledger)
    code = main(["--workspace", str(ws.root), "survey", "draft", "--community", PROJECT, "--kind", "年度回访",
                 "--seed", "7", "--today", TODAY.isoformat(), "--json"])  # fmt: skip
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["seed"] == 7 and (ws.root / printed["output"]).exists()
    assert "outbox/surveys/" in printed["output"]


def test_a_community_docgen_knows_nothing_of_cannot_be_drafted(ws, ledger, capsys):
    assert main(["--workspace", str(ws.root), "survey", "draft", "--community", "无名小区", "--kind", "首次回访"]) == 2
    assert "入住情况表" in capsys.readouterr().err


# ------------------------------------------------------------ the returned survey: the whole chain


def test_a_survey_below_90_percent_is_accepted_with_the_violation_and_every_follow_up(ws, ledger):
    # GIVEN 180 occupied households and the first survey drafted for them
    rows = occupied(ws, ledger)
    document, payload = survey_step.draft_survey(ws, ledger, PROJECT, "首次回访", TODAY)
    pipeline.render(ws, document)
    # WHEN 150 of them (83 %) are surveyed: two seriously dissatisfied, one 不满意 overall, three opinions
    titles = {spec.key: spec.title for spec in FORMS["CS-SATISFACTION"].line_fields}
    lines = []
    for index, household in enumerate(rows[:150]):
        extra: dict = {}
        if index == 3:
            extra = {"quality": "非常不满意", "opinion": "卫生间漏水至楼下，多次报修未修好"}
        elif index == 10:
            extra = {"estate": "非常不满意"}
        elif index == 20:
            extra = {"overall": "不满意", "opinion": "小区停车位不足，物业管理混乱"}
        elif index == 30:
            extra = {"opinion": "希望增加儿童游乐设施"}
        filled = answered(household, **extra)
        lines.append({titles[k]: v for k, v in filled.items() if k not in ("building", "room", "customer", "phone")})
    path = fill_emitted(ws.root / document.path, {}, lines, ws.intake / "首次回访.xlsx")
    outcome = accepted(pipeline.process_file(ws, ledger, path, TODAY))

    # THEN the coverage below 90 % is a recorded violation (CS-3.7.5.1) against the survey
    [short] = violations(outcome, "CS-3.7.5.1")
    assert "150户" in short.message and "83.3%" in short.message
    recorded_violations = ledger.events(case_id="MY-2026-001", kind=CASE_VIOLATION)
    assert [v.payload["clause"] for v in recorded_violations] == ["CS-3.7.5.1"]
    [survey] = ledger.events(kind=SURVEY_RECORDED)
    assert survey.case_id == "MY-2026-001" and len(survey.payload["answers"]) == 150
    # AND every opinion is a numbered case through the register's path, naming its survey row
    cases = [e for e in ledger.events(kind=CASE_REGISTERED)]
    assert len(cases) == 3 and len(survey.payload["opinions"]) == 3
    by_text = {c.payload["content"].rsplit("：", 1)[1]: c for c in cases}
    leak = by_text["卫生间漏水至楼下，多次报修未修好"]
    assert leak.case_id.startswith("KF-2026-") and leak.payload["category"] == "维修"
    assert leak.payload["survey"]["number"] == "MY-2026-001" and leak.payload["survey"]["household"] == "1-0104"
    assert by_text["小区停车位不足，物业管理混乱"].payload["category"] == "物业服务"
    assert by_text["希望增加儿童游乐设施"].payload["category"] == "其他"
    assert leak.payload["channel"] == "其他" and leak.payload["deadlines"]
    assert any("现场勘察会签表" in o for o in outcome.outputs)  # the repair enters the repair chain
    assert any("转办单" in o for o in outcome.outputs)
    # AND every seriously dissatisfied household is a tracked re-visit for the manager, on the 回访名单
    revisits = ledger.events(kind=SURVEY_REVISIT)
    assert sorted(e.payload["household"] for e in revisits) == ["1-0104", "1-0303", "1-0601"]
    assert revisits[0].case_id == leak.case_id  # on the household's opinion case
    [listing] = [o for o in outcome.outputs if "回访名单" in o]
    sheet = openpyxl.load_workbook(ws.root / listing).worksheets[0]
    listed = json.dumps([c for row in sheet.iter_rows(values_only=True) for c in row], ensure_ascii=False, default=str)
    assert all(e.payload["deadlines"][0]["key"] in listed for e in revisits)
    # due in 5 working days: Thu 11-26 → Thu 12-03; on the 逾期预警 of the manager once late
    assert {e.payload["due"] for e in revisits} == {"2026-12-03"}
    warned = overdue_warning(ledger, ws.calendar, date(2026, 12, 4))
    manager = next(w for w in warned if w.department == "客户服务部经理")
    assert len(manager.late) == 3
    # AND the report is written
    [report] = [o for o in outcome.outputs if o.endswith(".pdf")]
    assert (ws.root / report).stat().st_size > 0


def test_the_same_survey_sent_again_registers_no_opinion_twice(ws, ledger):
    rows = occupied(ws, ledger, 20, 20)
    lines = [answered(h) for h in rows]
    lines[0]["opinion"] = "外墙渗水"
    lines[1]["overall"] = "非常不满意"
    first = accepted(pipeline.process_file(ws, ledger, write_survey(ws.intake, lines, number=None), TODAY))
    number = next(c for c in first.case_ids if c.startswith("MY-"))
    lines[5]["interviewer"] = "林晓"  # other bytes, the same survey
    again = accepted(
        pipeline.process_file(ws, ledger, write_survey(ws.intake, lines, number=number, name="2.xlsx"), TODAY)
    )
    assert len(ledger.events(kind=CASE_REGISTERED)) == 1
    assert len(ledger.events(kind=SURVEY_REVISIT)) == 1
    assert any("更正" in f.message for f in again.findings)


# ------------------------------------------------------------ rules, one by one


def test_a_first_survey_before_half_occupancy_is_a_violation(ws, ledger):
    rows = occupied(ws, ledger, 100, 40)
    outcome = accepted(pipeline.process_file(ws, ledger, write_survey(ws.intake, [answered(h) for h in rows]), TODAY))
    [early] = violations(outcome, "CS-3.7.5")
    assert "40.0%" in early.message
    assert not violations(outcome, "CS-3.7.5.1")  # all 40 occupied households surveyed


@pytest.mark.parametrize("surveyed, clause_broken", [(9, True), (10, False), (25, False), (26, True)])
def test_an_annual_survey_samples_10_to_25_percent(ws, ledger, surveyed, clause_broken):
    rows = occupied(ws, ledger, 120, 100)
    lines = [answered(h) for h in rows[:surveyed]]
    outcome = accepted(pipeline.process_file(ws, ledger, write_survey(ws.intake, lines, kind="年度回访"), TODAY))
    assert bool(violations(outcome, "CS-3.7.5.2")) is clause_broken


def test_configured_counts_are_enough_for_coverage(ws, ledger, tmp_path):
    (ws.root / "docgen.toml").write_text(f'[projects."{PROJECT}"]\nhouseholds = 100\noccupied = 80\n', encoding="utf-8")
    from docgen.workspace import Workspace

    configured = Workspace.open(ws.root)
    lines = [answered({"building": "1", "room": f"{i:04d}", "customer": None, "phone": None}) for i in range(70)]
    outcome = accepted(pipeline.process_file(configured, ledger, write_survey(ws.intake, lines), TODAY))
    assert violations(outcome, "CS-3.7.5.1")  # 70 of 80 = 87.5 %


def test_clearly_wrong_surveys_are_refused_on_their_cells(ws, ledger):
    rows = occupied(ws, ledger, 20, 20)
    lines = [answered(h) for h in rows]
    lines.append(answered(rows[3]))  # the same household twice
    lines.append(answered({"building": "9", "room": "9901", "customer": None, "phone": None}))  # unknown room
    lines[6]["mode"] = None  # answered without 回访方式
    lines[7]["opinion"] = "漏水"
    outcome = pipeline.process_file(ws, ledger, write_survey(ws.intake, lines), TODAY)
    assert outcome.status == "rejected"
    errors = [f for f in outcome.findings if f.severity == "error"]
    messages = " ".join(f.message for f in errors)
    assert "重复" in messages and "不在" in messages and "回访方式" in messages
    assert all(f.cell for f in errors)
    assert not ledger.events(kind=SURVEY_RECORDED) and not ledger.events(kind=CASE_REGISTERED)


def test_a_level_outside_the_scale_is_refused_on_its_cell(ws, ledger):
    rows = occupied(ws, ledger, 20, 20)
    lines = [answered(h) for h in rows]
    lines[4]["quality"] = "还行"
    outcome = pipeline.process_file(ws, ledger, write_survey(ws.intake, lines), TODAY)
    assert outcome.status == "rejected"
    [wrong] = [f for f in outcome.findings if f.severity == "error"]
    assert wrong.field == "lines.quality" and wrong.cell and "非常不满意" in wrong.message


def test_a_survey_number_docgen_never_issued_is_refused(ws, ledger):
    rows = occupied(ws, ledger, 20, 20)
    outcome = pipeline.process_file(
        ws, ledger, write_survey(ws.intake, [answered(h) for h in rows], number="MY-2026-999"), TODAY
    )
    assert outcome.status == "rejected" and outcome.findings[0].field == "number"


def test_a_returned_revisit_list_marks_each_revisit_done(ws, ledger):
    rows = occupied(ws, ledger, 20, 20)
    lines = [answered(h) for h in rows]
    lines[2]["overall"] = "非常不满意"
    lines[3]["design"] = "非常不满意"
    outcome = accepted(pipeline.process_file(ws, ledger, write_survey(ws.intake, lines), TODAY))
    [listing] = [o for o in outcome.outputs if "回访名单" in o]
    path = fill_emitted(
        ws.root / listing,
        {},
        [{"再回访日期": TODAY, "再回访人": "客服经理", "再回访结果": "已上门致歉，安排维修"}, {}],
        ws.intake / "回访名单-已回访.xlsx",
    )
    returned = accepted(pipeline.process_file(ws, ledger, path, TODAY))
    actions = [a for a in all_actions(ledger) if a.kind == SURVEY_REVISIT]
    assert [a.done_on for a in actions] == [TODAY, None]
    assert any(actions[1].key in f.message for f in returned.findings)  # still to re-visit


def test_the_handling_rate_counts_closed_opinion_cases(ws, ledger, capsys):
    rows = occupied(ws, ledger, 20, 20)
    lines = [answered(h) for h in rows]
    lines[0]["opinion"] = "希望物业加强保洁"
    lines[1]["opinion"] = "希望增加路灯"
    outcome = accepted(pipeline.process_file(ws, ledger, write_survey(ws.intake, lines), TODAY))
    number = next(c for c in outcome.case_ids if c.startswith("MY-"))
    assert survey_step.handling(ledger, number) == (0, 2)
    # WHEN one of them is closed on the register (CS-3.4.4)
    case = ledger.events(kind=CASE_REGISTERED)[0].payload
    line = register_line(
        number=case["number"],
        received_date=date.fromisoformat(case["received_date"]),
        received_time=None,
        channel="其他",
        customer=case["customer"],
        phone=case["phone"],
        content=case["content"],
        category=case["category"],
        result="已加强保洁",
        closed_date=TODAY,
        opinion="满意",
    )
    accepted(pipeline.process_file(ws, ledger, write_register(ws.intake, [line]), TODAY))
    assert survey_step.handling(ledger, number) == (1, 2)
    code = main(["--workspace", str(ws.root), "report", "survey", "--number", number, "--json"])
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["handled"], printed["total_opinions"]) == (1, 2) and printed["outputs"]


def test_category_of_reads_the_opinion_words():
    assert survey_step.category_of("厨房水管漏水") == "维修"
    assert survey_step.category_of("墙面开裂") == "施工质量"
    assert survey_step.category_of("电梯经常停") == "物业服务"
    assert survey_step.category_of("房产证迟迟办不下来") == "销售服务"
    assert survey_step.category_of("谢谢") == "其他"


def play_survey(ws, ledger) -> str:
    """A community's list, a first survey drafted and returned with a seriously dissatisfied household and an
    opinion: every event kind of the survey (tests/test_events.py). Returns the survey's number."""
    rows = occupied(ws, ledger, 20, 20)
    document, payload = survey_step.draft_survey(ws, ledger, PROJECT, "首次回访", TODAY)
    lines = [answered(h) for h in rows]
    lines[0] |= {"overall": "非常不满意", "opinion": "门窗漏风"}
    outcome = accepted(
        pipeline.process_file(
            ws, ledger, write_survey(ws.intake, lines, number=payload["number"], name="调查.xlsx"), TODAY
        )
    )
    assert ledger.events(kind=SURVEY_REVISIT) and outcome.case_ids[0] == payload["number"]
    return payload["number"]
