"""The property company's 《入住情况表》 (CS-3.7, CS-3.7.5): a community's households, which are delivered (交付) and
which occupied (入住), one row per household.

Dropped into intake/, it records ``community.occupancy`` (the counts and the room list; the latest per community
holds, ``docgen.projects.community``): the base of the satisfaction surveys (``docgen survey draft`` lists its
households; the survey's rooms are checked against it, its coverage counted on its occupied households). A room
listed twice, and a household occupied but not delivered, are errors on their cells. Once half the community has
moved in and no first survey is on record, a warning says the first survey may start (CS-3.7.5).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field

from docgen.events import COMMUNITY_OCCUPANCY, SURVEY_RECORDED
from docgen.findings import Finding, error, has_errors, warning
from docgen.forms.base import FormDef, Meta, ParsedForm
from docgen.ledger import Transaction
from docgen.payloads import checked
from docgen.projects import household_key
from docgen.steps.base import (
    Check,
    Context,
    Decision,
    FormStep,
    Submission,
    header_of,
    lines_of,
    numbered_lines,
    repeated_households,
    run_checks,
    where,
)
from docgen.wording import chinese_date
from docgen.workspace import Workspace

CLAUSE = "CS-3.7"
FIRST_SURVEY_CLAUSE = "CS-3.7.5"


class OccupancyHeader(BaseModel):
    project: Annotated[str, Meta(width=20, label_synonyms=("项目", "小区"))] = Field(title="项目/小区")
    as_of: Annotated[date, Meta(kind="date", width=14, label_synonyms=("统计日期", "截至日期"))] = Field(
        title="统计日期"
    )
    delivered_date: Annotated[date | None, Meta(kind="date", width=14, hint="小区交付日期（可不填）")] = Field(
        None, title="交付日期"
    )
    company: Annotated[str | None, Meta(width=20, label_synonyms=("物业公司",))] = Field(None, title="填表单位")
    filled_by: Annotated[str | None, Meta(width=12)] = Field(None, title="填表人")


class OccupancyLine(BaseModel):
    building: Annotated[str | None, Meta(width=8, label_synonyms=("楼号", "栋"))] = Field(None, title="楼栋")
    room: Annotated[str, Meta(width=10, label_synonyms=("房间号", "室", "户号"))] = Field(title="房号")
    delivered: Annotated[bool, Meta(kind="yesno", choices=("是", "否"), width=6, label_synonyms=("已交付",))] = Field(
        title="交付"
    )
    occupied: Annotated[bool, Meta(kind="yesno", choices=("是", "否"), width=6, label_synonyms=("已入住",))] = Field(
        title="入住"
    )
    customer: Annotated[str | None, Meta(width=10, label_synonyms=("业主", "客户姓名", "姓名"))] = Field(
        None, title="业主姓名"
    )
    phone: Annotated[str | None, Meta(kind="phone", width=14, label_synonyms=("电话",))] = Field(None, title="联系电话")


OCCUPANCY = FormDef(
    "CS-OCCUPANCY",
    1,
    "入住情况表",
    "入住情况",
    "CS-3.7",
    OccupancyHeader,
    OccupancyLine,
    lines_key="lines",
    lines_title="住户明细",
    blank_lines=40,
    footer_note="说明：物业公司每户填写一行（楼栋、房号、是否交付、是否入住），交客户服务部（放入 intake 文件夹）；"
    "系统据此统计已入住户数，判断能否开始首次客户回访（入住50%后，CS-3.7.5），并生成满意度调查的住户名单。",
)


def distinct_rooms(context: Context[OccupancyHeader]) -> list[Finding]:
    """Each household once: a room listed twice would be counted twice."""
    lines = numbered_lines(context.parsed, OccupancyLine)
    return repeated_households(
        ((household_key(line.building, line.room), row, sources.get("room")) for line, row, sources in lines), CLAUSE
    )


def occupied_when_delivered(context: Context[OccupancyHeader]) -> list[Finding]:
    """A household moves in after its delivery: 入住 是 with 交付 否 is a typing error."""
    return [
        error(
            f"第{row}行的住户 {household_key(line.building, line.room)} 填了“入住：是”却“交付：否”；"
            "未交付的房屋不能入住，请核对",
            clause=CLAUSE,
            field="lines.occupied",
            **where(sources.get("occupied")),
        )
        for line, row, sources in numbered_lines(context.parsed, OccupancyLine)
        if line.occupied and not line.delivered
    ]


CHECKS: tuple[Check, ...] = (distinct_rooms, occupied_when_delivered)


def handle_occupancy(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    header = header_of(parsed, OccupancyHeader)
    findings = run_checks(CHECKS, Context(tx, ws, parsed, header, submission.today))
    if has_errors(findings):
        return Decision(findings=findings)
    lines = lines_of(parsed, OccupancyLine)
    rooms = [
        [line.building or "", line.room, line.delivered, line.occupied, line.customer, line.phone] for line in lines
    ]
    households, delivered, occupied = (
        len(lines),
        sum(line.delivered for line in lines),
        sum(line.occupied for line in lines),
    )
    payload = {
        "project": header.project,
        "as_of": header.as_of.isoformat(),
        "delivered_date": header.delivered_date.isoformat() if header.delivered_date else None,
        "households": households,
        "delivered": delivered,
        "occupied": occupied,
        "company": header.company,
        "filled_by": header.filled_by,
        "rooms": rooms,
        "file": submission.name,
    }
    tx.append(
        COMMUNITY_OCCUPANCY, checked(COMMUNITY_OCCUPANCY, payload), claim=submission.claim, sha256=submission.sha256
    )
    share = f"{occupied * 100 / households:.1f}%" if households else "—"
    findings.append(
        warning(
            f"“{header.project}”截至{chinese_date(header.as_of)}：共{households}户，已交付{delivered}户，"
            f"已入住{occupied}户（入住率{share}）",
            clause=CLAUSE,
            field="project",
        )
    )
    surveyed = any(
        e.payload.get("project") == header.project and e.payload.get("kind") == "首次回访"
        for e in tx.events(kind=SURVEY_RECORDED)
    )
    if households and occupied * 2 >= households and not surveyed:
        findings.append(
            warning(
                f"“{header.project}”入住已达50%，可以开始首次客户回访（{FIRST_SURVEY_CLAUSE}）："
                f"docgen survey draft --community {header.project} --kind 首次回访",
                clause=FIRST_SURVEY_CLAUSE,
                field="project",
            )
        )
    return Decision(findings, [], [])


# Its event is on no case: nothing for the dossier.

STEP = FormStep(OCCUPANCY, CHECKS, handle_occupancy, {}, "occupancy")
