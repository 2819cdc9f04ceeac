"""《会议纪要》: the minutes of the meetings the procedure requires (CS-3.10.1, CS-3.10.2, CS-3.10.5).

docgen drafts them (``docgen.reports.minutes_drafts.write_draft``) with the date, the attendees by role and an agenda
from the ledger; completed and dropped back, the header names the cases discussed and each line of the
决定事项 table is one decision with its owner and due date, tracked as an action
(``docgen.steps.minutes_intake.handle_minutes``). The draft also lists the earlier decisions still open in the table
上次会议决定事项落实情况 (``REVIEW``); each row the meeting marks 已完成 closes that action.

Registered, like every form, through its step in ``docgen.steps.STEPS``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field

from docgen.forms.base import FormDef, Meta, TableDef

COORDINATION, DIRECTORS, SPECIAL = "投诉协调例会", "服务处主任例会", "重大投诉专题会议"
MEETING_TYPES = (COORDINATION, DIRECTORS, SPECIAL)
MEETING_CLAUSES = {COORDINATION: "CS-3.10.1", DIRECTORS: "CS-3.10.2", SPECIAL: "CS-3.10.5"}
MEETING_SYNONYMS = {
    "协调例会": COORDINATION,
    "投诉协调会": COORDINATION,
    "投诉协调会议": COORDINATION,
    "主任例会": DIRECTORS,
    "服务处主任会议": DIRECTORS,
    "客户服务处主任例会": DIRECTORS,
    "专题会议": SPECIAL,
    "重大投诉专题会": SPECIAL,
    "专题会": SPECIAL,
}


class MinutesHeader(BaseModel):
    meeting_type: Annotated[
        str, Meta(kind="choice", choices=MEETING_TYPES, value_synonyms=MEETING_SYNONYMS, width=20)
    ] = Field(title="会议类型")
    meeting_date: Annotated[date, Meta(kind="date", width=20)] = Field(title="会议日期")
    # The community of a coordination meeting (CS-3.10.1): its decisions come back at its next meeting.
    project: Annotated[
        str | None, Meta(width=20, label_synonyms=("小区", "项目"), hint="投诉协调例会所在的小区（项目）")
    ] = Field(None, title="项目/小区")
    chair: Annotated[str, Meta(width=20, hint="主持人姓名")] = Field(title="主持人")
    recorder: Annotated[str, Meta(width=20, hint="记录人姓名")] = Field(title="记录人")
    attendees: Annotated[str, Meta(width=40, lines=2, hint="参会部门及人员")] = Field(title="参会人员")
    cases: Annotated[str | None, Meta(width=40, lines=2, hint="会议涉及的登记编号，用“、”或逗号分隔")] = Field(
        None, title="涉及案件"
    )


class MinutesDecision(BaseModel):
    text: Annotated[str, Meta(width=40, lines=2)] = Field(title="决定事项")
    # Owner and due date are checked by the handler, so that a decision without them is reported as
    # a decision not assigned, on its row (CS-3.10: decisions are followed up by who and by when).
    owner: Annotated[str | None, Meta(width=14, hint="责任人或责任部门")] = Field(None, title="责任人")
    due: Annotated[date | None, Meta(kind="date", width=16, future=True)] = Field(None, title="完成期限")
    case_number: Annotated[str | None, Meta(kind="number", width=18, hint="该决定所涉案件，可不填")] = Field(
        None, title="登记编号"
    )


DONE, NOT_DONE = "已完成", "未完成"
REVIEW_SYNONYMS = {
    "完成": DONE,
    "已落实": DONE,
    "落实": DONE,
    "已办结": DONE,
    "办结": DONE,
    "已办": DONE,
    "是": DONE,
    "√": DONE,
    "✓": DONE,
    "✔": DONE,
    "未落实": NOT_DONE,
    "未办结": NOT_DONE,
    "进行中": NOT_DONE,
    "办理中": NOT_DONE,
    "部分完成": NOT_DONE,
    "否": NOT_DONE,
    "×": NOT_DONE,
    "✗": NOT_DONE,
}


class ActionReview(BaseModel):
    """One earlier decision reviewed at the meeting: the draft fills 事项编号; the meeting fills the rest."""

    action: Annotated[str, Meta(kind="number", width=14)] = Field(title="事项编号")
    status: Annotated[
        str | None, Meta(kind="choice", choices=(DONE, NOT_DONE), value_synonyms=REVIEW_SYNONYMS, width=12)
    ] = Field(None, title="完成情况")
    done_on: Annotated[date | None, Meta(kind="date", width=14)] = Field(None, title="完成日期")


REVIEW = TableDef("review", "上次会议决定事项落实情况", ActionReview)

MINUTES = FormDef(
    "CS-MINUTES",
    1,
    "会议纪要",
    "会议纪要",
    "CS-3.10.1",
    MinutesHeader,
    MinutesDecision,
    lines_key="decisions",
    lines_title="决定事项",
    blank_lines=5,
    footer_note="说明：投诉协调例会（CS-3.10.1）、服务处主任例会（CS-3.10.2）、重大投诉专题会议"
    "（CS-3.10.5）通用；每项决定须写明责任人和完成期限。",
    tables=(REVIEW,),
)

__all__ = [
    "COORDINATION",
    "DIRECTORS",
    "DONE",
    "MEETING_CLAUSES",
    "MEETING_TYPES",
    "MINUTES",
    "NOT_DONE",
    "REVIEW",
    "ActionReview",
    "MinutesDecision",
    "MinutesHeader",
    "SPECIAL",
]
