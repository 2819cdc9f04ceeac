"""The measures of a major complaint 《重大投诉处理措施单》 (CS-3.4.7, CS-2.1.2, CS-3.10.5): emitted pre-filled with
the 02 上报单, returned by the general manager with the measures; each measure a tracked action (``docgen action
done`` closes it); a major case without measures after one working day is on the 逾期预警; the special meeting
is prompted. Every scenario drops the forms docgen emitted, filled, into intake/."""

from __future__ import annotations

from datetime import date, time

import openpyxl

from docgen import pipeline
from docgen.actions import all_actions
from docgen.cases import all_cases
from docgen.cli import main
from docgen.events import CASE_MEASURE, CASE_VIOLATION
from docgen.reports.periodic import overdue_warning
from tests.conftest import register_line, write_register
from tests.test_repair_chain import docx_text, emitted, fill

MONDAY, TUESDAY, WEDNESDAY = date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)
MAJOR = {"major": True, "category": "施工质量", "content": "整栋外墙大面积渗水，业主集体投诉", "customer": "李娜"}
MEASURES = [
    {
        "处理措施": "工程材料部组织施工单位全面排查外墙渗水",
        "责任部门/责任人": "工程材料部",
        "完成期限": date(2026, 11, 30),
    },
    {
        "处理措施": "法律事务中心审查业主诉求及合同条款",
        "责任部门/责任人": "法律事务中心",
        "完成期限": date(2026, 12, 4),
    },
]


def _register_major(ws, ledger, today=MONDAY):
    line = register_line(**MAJOR, received_date=MONDAY, received_time=time(10, 0))
    outcome = pipeline.process_file(ws, ledger, write_register(ws.intake, [line]), today)
    assert outcome.status in ("accepted", "accepted_with_findings"), [f.message for f in outcome.findings]
    return outcome


def _return_measures(ws, ledger, registered, drafted=TUESDAY, lines=MEASURES, today=TUESDAY, name=None, **values):
    path = fill(
        ws,
        emitted(registered, "重大投诉处理措施单"),
        {"drafter": "总经理", "drafted_date": drafted, **values},
        lines,
        name=name,
    )
    return pipeline.process_file(ws, ledger, path, today)


def _case(ledger, number):
    return next(c for c in all_cases(ledger) if c.number == number)


def test_each_returned_measure_is_a_tracked_action_closed_by_action_done(ws, ledger, capsys):
    # GIVEN a major complaint registered on Monday 10:00
    registered = _register_major(ws, ledger)
    [number] = registered.case_ids
    # THEN beside the 02 上报单 the 《重大投诉处理措施单》 is emitted, pre-filled with the case
    notice = next(o for o in registered.outputs if o.endswith(f"{number}/02-重大投诉上报单.docx"))
    assert "总经理、副总经理拟订重大投诉处理措施" in docx_text(ws.root / notice)  # with its due date
    form = emitted(registered, "重大投诉处理措施单")
    sheet = openpyxl.load_workbook(ws.root / form)
    destination = next(iter(sheet.defined_names["case_number"].destinations))
    assert sheet[destination[0]][destination[1].replace("$", "")].value == number
    # AND the case has a deadline for the measures: one working day, the general manager and deputy GM to act
    measures = next(d for d in _case(ledger, number).deadlines if d.key == "measures")
    assert (measures.due, measures.clause, measures.actor) == (TUESDAY, "CS-3.4.7", "总经理、副总经理")
    # WHEN the general manager returns it on Tuesday with two measures
    outcome = _return_measures(ws, ledger, registered)
    assert outcome.status == "accepted_with_findings", [f.message for f in outcome.findings]
    assert outcome.case_ids == [number]
    # THEN each measure is a tracked action on the case, with its owner and due date
    actions = [a for a in all_actions(ledger) if a.kind == CASE_MEASURE]
    assert [(a.case_id, a.owner, a.due) for a in actions] == [
        (number, "工程材料部", date(2026, 11, 30)),
        (number, "法律事务中心", date(2026, 12, 4)),
    ]
    assert all(
        a.open and a.clause == "CS-3.4.7" and a.meeting() == "2026年11月24日总经理拟订的处理措施" for a in actions
    )
    case = _case(ledger, number)
    assert next(d for d in case.deadlines if d.key == "measures").met_on == TUESDAY
    assert {d.key for d in case.pending()} >= {a.key for a in actions}
    # AND the special meeting is prompted (CS-3.10.5), the actions named
    prompt = next(f for f in outcome.findings if f.clause == "CS-3.10.5")
    assert f"docgen minutes special --case {number}" in prompt.message
    assert any(actions[0].key in f.message for f in outcome.findings)
    # WHEN the first is marked done with docgen action done
    code = main(["--workspace", str(ws.root), "action", "done", actions[0].key, "--on", "2026-11-26", "--by", "陈主任"])
    assert code == 0, capsys.readouterr()
    # THEN it is done, its deadline met; the other is still open
    done = {a.key: a for a in all_actions(ledger)}
    assert done[actions[0].key].done_on == date(2026, 11, 26) and done[actions[1].key].open
    case = _case(ledger, number)
    assert next(d for d in case.deadlines if d.key == actions[0].key).met_on == date(2026, 11, 26)
    # AND the same form sent again tracks nothing twice
    # (another copy: the deputy GM co-signing, so other bytes, no duplicate file)
    again = _return_measures(
        ws, ledger, registered, name="措施单-再次.xlsx", today=WEDNESDAY, drafter="总经理、副总经理"
    )
    assert again.status == "accepted_with_findings"
    assert len(ledger.events(kind=CASE_MEASURE)) == 2
    assert sum("未重复登记" in f.message for f in again.findings) == 2


def test_a_major_case_without_measures_after_one_working_day_is_on_the_overdue_warning(ws, ledger):
    # GIVEN a major complaint registered on Monday and no measures by Wednesday
    [number] = _register_major(ws, ledger).case_ids
    # THEN the 逾期预警 of Wednesday lists it under the general manager and deputy GM, one working day late
    [late] = [w for w in overdue_warning(ledger, ws.calendar, WEDNESDAY) if w.department == "总经理、副总经理"]
    [item] = late.late
    assert (item.number, item.deadline.key, item.workdays_late) == (number, "measures", 1)
    # AND Monday's warning names it as due the next working day
    [soon] = [w for w in overdue_warning(ledger, ws.calendar, MONDAY) if w.department == "总经理、副总经理"]
    assert [p.deadline.key for p in soon.due_tomorrow] == ["measures"]


def test_measures_drafted_late_are_recorded_as_a_violation_and_leave_the_warning(ws, ledger):
    registered = _register_major(ws, ledger)
    [number] = registered.case_ids
    # WHEN the measures come back drafted on Wednesday, a working day after their deadline
    outcome = _return_measures(ws, ledger, registered, drafted=WEDNESDAY, today=WEDNESDAY)
    # THEN they are recorded, and the lateness is a violation of CS-3.4.7 on the 拟订日期 cell
    assert outcome.status == "accepted_with_findings"
    [late] = [f for f in outcome.findings if f.severity == "violation"]
    assert late.clause == "CS-3.4.7" and late.field == "drafted_date" and late.cell
    assert [e.payload["clause"] for e in ledger.events(case_id=number, kind=CASE_VIOLATION)] == ["CS-3.4.7"]
    measures = next(d for d in _case(ledger, number).deadlines if d.key == "measures")
    assert measures.met_on == WEDNESDAY and measures.late()
    # AND the warning no longer lists the measures as owed
    assert not any(
        p.deadline.key == "measures" for w in overdue_warning(ledger, ws.calendar, WEDNESDAY) for p in w.late
    )


def test_measures_for_a_complaint_that_is_not_major_are_refused_on_its_number(ws, ledger):
    registered = _register_major(ws, ledger)
    line = register_line(category="销售服务", content="合同附件与约定不符", customer="周强", phone="13700137000")
    other = pipeline.process_file(ws, ledger, write_register(ws.intake, [line]), MONDAY)
    [plain] = other.case_ids
    outcome = _return_measures(ws, ledger, registered, case_number=plain)
    assert outcome.status == "rejected"
    [finding] = outcome.findings
    assert finding.field == "case_number" and finding.clause == "CS-3.4.7" and "不是重大投诉" in finding.message
    assert finding.cell and ledger.events(kind=CASE_MEASURE) == []


def test_a_measure_without_owner_or_due_date_is_an_error_on_its_cell(ws, ledger):
    registered = _register_major(ws, ledger)
    lines = [{"处理措施": "约见业主代表沟通处理方案"}]
    outcome = _return_measures(ws, ledger, registered, lines=lines)
    assert outcome.status == "rejected"
    fields = {f.field: f for f in outcome.findings}
    assert set(fields) == {"measures.owner", "measures.due"}
    assert all(f.clause == "CS-3.4.7" and f.cell for f in fields.values())
    assert "责任部门/责任人" in fields["measures.owner"].message and "完成期限" in fields["measures.due"].message
    # AND a form with no measure at all is sent back too
    empty = _return_measures(ws, ledger, registered, lines=[], name="空措施单.xlsx")
    assert empty.status == "rejected" and [f.field for f in empty.findings] == ["measures"]


def test_a_complaint_found_major_later_gets_its_measures_form_then(ws, ledger):
    # GIVEN a complaint registered on Monday as not major
    line = register_line(**{**MAJOR, "major": False})
    first = pipeline.process_file(ws, ledger, write_register(ws.intake, [line]), MONDAY)
    [number] = first.case_ids
    # WHEN the returned register marks it major on Wednesday
    later = pipeline.process_file(
        ws, ledger, write_register(ws.intake, [dict(line, number=number, major=True)]), WEDNESDAY
    )
    # THEN the measures form comes with the 上报单, the measures due one working day after the report
    assert any(o.endswith("02-重大投诉处理措施单.xlsx") for o in later.outputs)
    measures = next(d for d in _case(ledger, number).deadlines if d.key == "measures")
    assert measures.due == date(2026, 11, 26)


def test_status_of_a_major_case_prompts_the_special_meeting(ws, ledger, capsys):
    [number] = _register_major(ws, ledger).case_ids
    capsys.readouterr()
    assert main(["--workspace", str(ws.root), "status", "--case", number]) == 0
    out = capsys.readouterr().out
    assert f"docgen minutes special --case {number}" in out and "CS-3.10.5" in out
    assert "总经理、副总经理拟订重大投诉处理措施" in out
