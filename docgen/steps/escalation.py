"""The measures of a major complaint 《重大投诉处理措施单》 (CS-3.4.7, CS-2.1.2): "由总经理、副总经理拟订处理措施，
指导公司相关部门立刻处理".

The register emits it pre-filled beside the 02 重大投诉上报单 (登记编号, the customer, the complaint, the day it
was reported and the day the measures are due: ``[escalation] measures_workdays`` working days after the report,
deadline ``measures``). The general manager or deputy GM returns it with 拟订人, 拟订日期 and one line per measure
(处理措施, 责任部门/责任人, 完成期限). Dropped back into intake/:

- each line becomes a tracked action (``case.measure``, deadline ``action-<seq>`` due on its 完成期限, the owner as
  who must act), followed up like a decision of minutes (``docgen.actions``: ``docgen action done``, the next
  minutes' 上次会议决定事项落实情况, ``status``, the 逾期预警);
- the first measures meet the case's ``measures`` deadline on their 拟订日期; drafted later than it is a recorded
  violation of CS-3.4.7;
- the special meeting of CS-3.10.5 is prompted (a warning naming ``docgen minutes special --case …``) until its
  minutes are filed.

The same form sent again does not track a measure twice: a measure of the case with the same text is that
measure, corrected when its owner or due date changed (a new event with the same ``action-…`` key).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from docgen.actions import load_actions
from docgen.events import CASE_CLOSED, CASE_ESCALATED, CASE_MEASURE, CASE_MINUTES
from docgen.findings import Finding, error, has_errors, violation, warning
from docgen.forms.base import FormDef, Meta, ParsedForm
from docgen.forms.minutes import SPECIAL
from docgen.forms.repair import Given, GivenLong, Number
from docgen.ledger import Event, Transaction
from docgen.steps import facts
from docgen.steps.base import (
    Check,
    Context,
    Decision,
    Document,
    FormStep,
    Submission,
    TrackedItem,
    assigned,
    at,
    due_text,
    has_event,
    header_of,
    item_deadline,
    latest_event,
    lines_of,
    location,
    numbered_lines,
    once_valid,
    record,
    record_violations,
    registration,
    run_checks,
    table_filled,
    tracked_before,
)
from docgen.wording import chinese_date
from docgen.workspace import Workspace

CLAUSE = "CS-3.4.7"
MEETING_CLAUSE = "CS-3.10.5"
MEASURES_KEY = "measures"
MEASURES_LABEL = "总经理、副总经理拟订重大投诉处理措施"
DRAFTERS = ("总经理", "副总经理", "总经理、副总经理")


class MeasuresHeader(BaseModel):
    case_number: Number = Field(title="登记编号")
    customer: Given = Field(None, title="客户姓名")
    address: Given = Field(None, title="项目及房号")
    complaint: GivenLong = Field(None, title="投诉内容")
    reported: Given = Field(None, title="上报日期")
    measures_due: Given = Field(None, title="措施拟订期限")
    drafter: Annotated[
        str,
        Meta(
            kind="choice",
            choices=DRAFTERS,
            width=20,
            value_synonyms={"总经理室": "总经理", "副总": "副总经理", "总经理和副总经理": "总经理、副总经理"},
            hint="拟订处理措施的总经理或副总经理（CS-3.4.7、CS-2.1.2）",
        ),
    ] = Field(title="拟订人")
    drafted_date: Annotated[date, Meta(kind="date", width=20, hint="如 2026-11-24")] = Field(title="拟订日期")


class MeasureLine(BaseModel):
    text: Annotated[str, Meta(width=40, lines=2, label_synonyms=("措施", "处理措施内容"))] = Field(title="处理措施")
    # Owner and due date are checked by the handler, so that a measure without them is reported on its row
    # with the clause (the measures direct the departments concerned: who, and by when).
    owner: Annotated[str | None, Meta(width=18, label_synonyms=("责任部门", "责任人"), hint="负责落实的部门或人员")] = (
        Field(None, title="责任部门/责任人")
    )
    due: Annotated[date | None, Meta(kind="date", width=14, future=True)] = Field(None, title="完成期限")


MEASURES = FormDef(
    "CS-MAJOR",
    1,
    "重大投诉处理措施单",
    "处理措施",
    CLAUSE,
    MeasuresHeader,
    MeasureLine,
    lines_key="measures",
    lines_title="处理措施",
    blank_lines=10,
    footer_note="说明：重大投诉由总经理、副总经理拟订处理措施，指导公司相关部门立刻处理（CS-3.4.7、CS-2.1.2）；"
    "每项措施写明责任部门或责任人和完成期限，交回客户服务部跟踪落实；客户服务部随后召开重大投诉专题会议（CS-3.10.5）。",
)


# ============================================================ emitted with the 上报单 (steps/register.py)


def measures_deadline(ws: Workspace, received: datetime, reported_on: date) -> dict:
    """The ``measures`` deadline of a major complaint: ``[escalation] measures_workdays`` working days after it
    is reported (CS-3.4.7 及时上报, CS-2.1.2 及时拟定处理措施). Reported the day it was received, it counts from
    the receipt (its hour and the cut-off); reported later, from the day of the report."""
    calendar, n = ws.calendar, ws.settings.escalation.measures_workdays
    if reported_on <= received.date():
        counted = calendar.due_within_workdays(received, n)
    else:
        counted = calendar.due_within_workdays_of_day(reported_on, n, "上报重大投诉")
    return {
        "key": MEASURES_KEY,
        "label": MEASURES_LABEL,
        "due": counted.due.isoformat(),
        "clause": CLAUSE,
        "provisional": counted.provisional,
        "basis": counted.basis,
        "actor": "、".join(ws.settings.escalation.recipients),
    }


def measures_form(case: dict, deadline: dict, ws: Workspace, today: date) -> Document:
    """The 《重大投诉处理措施单》 pre-filled for the general manager and deputy GM."""
    return Document(
        f"{ws.settings.paths.outbox}/{case['number']}/02-{MEASURES.title}.xlsx",
        "form",
        {
            "form_id": MEASURES.form_id,
            "header": {
                "case_number": case["number"],
                "customer": case["customer"],
                "address": location(case),
                "complaint": case["content"],
                "reported": chinese_date(today),
                "measures_due": f"{due_text(deadline)}前（{deadline['clause']}）",
            },
            "lines": [],
        },
    )


# ============================================================ checks


def measures_given(context: Context[MeasuresHeader]) -> list[Finding]:
    """CS-3.4.7: the form brings back the measures drafted; one line at least."""
    message = "“处理措施”中没有填写任何一行；请逐项填写总经理、副总经理拟订的处理措施、责任部门/责任人和完成期限"
    return table_filled(context.parsed.lines, "处理措施", message, CLAUSE, "measures")


MEASURE = TrackedItem("处理措施", "措施", "责任部门/责任人", "负责的部门或人员", "measures", "拟订日期")


def measures_assigned(context: Context[MeasuresHeader]) -> list[Finding]:
    """CS-3.4.7 "指导公司相关部门立刻处理": each measure names who carries it out and by when (not before it was
    drafted: a warning)."""
    drafted = context.header.drafted_date
    findings: list[Finding] = []
    for line, row, sources in numbered_lines(context.parsed, MeasureLine):
        findings += assigned(MEASURE, row, line.text, line.owner, line.due, drafted, sources, CLAUSE)
    return findings


def drafted_after_receipt(context: Context[MeasuresHeader]) -> list[Finding]:
    """The measures follow the complaint: a 拟订日期 before its 受理日期 is a typing error."""
    drafted, received = context.header.drafted_date, context.facts["received_date"]
    if drafted < received:
        return [
            error(
                f"拟订日期{drafted.isoformat()}早于该投诉的受理日期{received.isoformat()}；"
                f"应为{received.isoformat()}或之后的日期",
                clause=CLAUSE,
                field="drafted_date",
                **at(context.parsed, "drafted_date"),
            )
        ]
    return []


@once_valid
def drafted_in_time(context: Context[MeasuresHeader]) -> list[Finding]:
    """CS-3.4.7, CS-2.1.2 (及时拟定处理措施): measures first drafted after their deadline are a violation."""
    deadline, drafted = context.facts["deadline"], context.header.drafted_date
    if deadline is None or context.facts["drafted_before"] or drafted <= date.fromisoformat(deadline["due"]):
        return []
    late = context.ws.calendar.workdays_late(date.fromisoformat(deadline["due"]), drafted)
    return [
        violation(
            f"处理措施于{chinese_date(drafted)}拟订，晚于期限{due_text(deadline)}（{late}个工作日）；"
            "重大投诉应及时上报并由总经理、副总经理及时拟订处理措施",
            clause=CLAUSE,
            field="drafted_date",
            **at(context.parsed, "drafted_date"),
        )
    ]


CHECKS: tuple[Check, ...] = (measures_given, measures_assigned, drafted_after_receipt, drafted_in_time)


# ============================================================ handler


def _refused(parsed: ParsedForm, message: str, clause: str = CLAUSE) -> Decision:
    return Decision(findings=[error(message, clause=clause, field="case_number", **at(parsed, "case_number"))])


def handle_measures(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    """Each measure a tracked action on the case; the ``measures`` deadline met; the special meeting prompted."""
    header = header_of(parsed, MeasuresHeader)
    number = header.case_number
    if not tx.case_exists(number):
        return _refused(parsed, f"登记编号“{number}”不存在；请核对编号", "CS-3.4.3")
    if has_event(tx, number, CASE_CLOSED):
        return _refused(parsed, f"{number} 已办结，不再受理该案件的表单；如确需更正，请报客户服务部经理处理")
    escalated = latest_event(tx, number, CASE_ESCALATED)
    if escalated is None:
        return _refused(
            parsed,
            f"{number} 不是重大投诉，未上报总经理、副总经理，无须《{MEASURES.title}》；"
            "如确属重大投诉，请在《来电、来访登记表》中将“是否重大投诉”改为“是”后重新提交",
        )
    deadline = next((d for d in escalated.payload.get("deadlines", []) if d["key"] == MEASURES_KEY), None)
    registered = registration(tx, number)
    measures = [a for a in load_actions(tx) if a.case_id == number and a.kind == CASE_MEASURE]
    found = {
        "received_date": date.fromisoformat(registered["received_date"]),
        "deadline": deadline,
        "drafted_before": bool(measures),
    }
    findings = run_checks(CHECKS, Context(tx, ws, parsed, header, submission.today, found))
    if has_errors(findings):
        return Decision(findings=findings)

    earlier = {action.text: action for action in measures}
    tracked: list[str] = []
    for line, row in zip(lines_of(parsed, MeasureLine), parsed.line_rows):
        assert line.owner is not None and line.due is not None  # measures_assigned refuses the form otherwise
        same = earlier.get(line.text)
        if same is not None:
            unchanged = (same.owner, same.due) == (line.owner, line.due)
            corrected = "责任部门/责任人或完成期限已按本次更正"
            findings.append(
                tracked_before(
                    f"处理措施第{row}行“{line.text}”", same.key, unchanged, corrected, CLAUSE, "measures.text"
                )
            )
            if unchanged:
                continue
        key = same.key if same is not None else f"action-{tx.last_seq + 1}"  # the seq of the event about to be appended
        due = line.due.isoformat()
        record(
            tx,
            CASE_MEASURE,
            {
                "text": line.text,
                "owner": line.owner,
                "due": due,
                "drafter": header.drafter,
                "drafted_date": header.drafted_date.isoformat(),
                "clause": CLAUSE,
                "row": row,
                "file": submission.name,
                "deadlines": [item_deadline(key, line.text, due, CLAUSE, f"《{MEASURES.title}》", line.owner)],
            },
            number,
            submission,
        )
        tracked.append(f"{key}（{line.owner}，{due}前）")
    record_violations(tx, findings, number, submission)
    if tracked:
        findings.append(
            warning(
                f"{number} 的处理措施已登记跟踪：{'；'.join(tracked)}；完成后用 docgen action done 登记，"
                "或在下次会议纪要的“上次会议决定事项落实情况”中填写",
                clause=CLAUSE,
                field="measures",
            )
        )
    findings += special_meeting_prompt(tx, number)
    return Decision(findings, [number], [])


def special_meeting_prompt(tx: Transaction, number: str) -> list[Finding]:
    """CS-3.10.5: a major complaint gets a special meeting; prompted until its minutes are filed."""
    held = any(e.payload.get("meeting_type") == SPECIAL for e in tx.events(case_id=number, kind=CASE_MINUTES))
    if held:
        return []
    return [
        warning(
            f"请客户服务部召开{SPECIAL}，并形成专题会议纪要（{MEETING_CLAUSE}）：docgen minutes special --case {number}",
            clause=MEETING_CLAUSE,
            field="case_number",
        )
    ]


def measure_facts(event: Event) -> str:
    p = event.payload
    return facts.joined(
        [
            (None, p.get("text")),
            ("责任", p.get("owner")),
            ("完成期限", facts.cn(p.get("due"))),
            ("拟订", f"{p.get('drafter') or ''}{facts.cn(p.get('drafted_date'))}"),
        ]
    )


FACTS: facts.Facts = {CASE_MEASURE: measure_facts}

STEP = FormStep(MEASURES, CHECKS, handle_measures, FACTS, "measures")
