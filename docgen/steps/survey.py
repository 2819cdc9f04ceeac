"""The customer satisfaction survey 《客户满意度调查表》 (CS-3.7.5 … CS-3.7.5.9) and the manager's 《回访名单》.

``docgen survey draft --community X --kind 首次回访|年度回访|专项回访 [--seed N]`` (:func:`draft_survey`) numbers the
survey (``[numbering] survey``, ``MY-2026-001``), records ``survey.drafted`` (the households listed; for an annual
survey the random sample of ``[survey] annual_sample`` of the occupied households, drawn with the seed recorded so
the same draw can be made again) and emits the form pre-filled with them. The community's households come from its
latest 《入住情况表》 (``docgen.steps.occupancy``), else from docgen.toml (counts only: the form is then blank).

Returned into intake/, the survey is checked:

- errors (the file is refused, each on its cell): a household twice, a room the community's list does not have, a
  level outside the five-level scale (by the form's choices), an answered row without 回访方式, 回访日期 or 回访人,
  a 调查编号 docgen never issued or issued for another community or kind, a community docgen knows nothing of;
- violations (recorded against the survey's number, the survey accepted): a first survey before half the
  community has moved in (CS-3.7.5), one covering fewer than 90 % of the occupied households (CS-3.7.5.1), an
  annual survey of fewer than 10 % or more than 25 % of them (CS-3.7.5.2).

Then ``survey.recorded`` holds every answer; each opinion, request or complaint becomes a numbered case through
the register's own path (``steps.register``: number, routing, deadlines, 01 勘察会签表 for a repair, 转办单), its
payload naming the survey row (``survey``); every seriously dissatisfied household (a 非常不满意, or 不满意 on
总体评价) becomes a tracked re-visit for the customer-service manager (``survey.revisit``, ``action-<seq>`` due in
``[survey] revisit_workdays`` working days, on the 逾期预警 until done, CS-3.7.5.9), listed in the emitted
《回访名单》; the survey report (``reports.survey_report``) is written with the previous survey of the community and
the opinions' handling rate (CS-3.7.5.6, CS-3.7.5.7).

The 《回访名单》 returned with 再回访日期 marks each re-visit done (``minutes.action_done``), as
``docgen action done`` does.
"""

from __future__ import annotations

import math
import random
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field

from docgen.actions import load_actions, record_done
from docgen.atomic import safe_part
from docgen.cases import build
from docgen.errors import DocgenError
from docgen.events import CASE_CLOSED, CASE_REGISTERED, SURVEY_DRAFTED, SURVEY_RECORDED, SURVEY_REVISIT
from docgen.findings import Finding, error, has_errors, violation, warning
from docgen.forms.base import FormDef, Meta, ParsedForm, Raw
from docgen.forms.register import RegisterLine
from docgen.ledger import Event, EventReads, Ledger, NumberFormat, NumbersExhausted, Transaction, line_fingerprint
from docgen.payloads import checked
from docgen.procedures import rules
from docgen.procedures.satisfaction import DEFAULT_ITEMS, KINDS, SCALE, Answer, SurveyData
from docgen.projects import Community, community, household_key
from docgen.steps.base import (
    Check,
    Context,
    Decision,
    Document,
    FormStep,
    Submission,
    at,
    header_of,
    item_deadline,
    numbered_lines,
    numbers_exhausted,
    record,
    record_violations,
    repeated_households,
    run_checks,
    table_filled,
    where,
)
from docgen.steps.register import case_payload, dispatch_documents, survey_document
from docgen.wording import chinese_date, day_of
from docgen.workspace import Workspace

# ============================================================ the forms (CS-3.7.5.5, CS-3.7.5.9)

SURVEY_CLAUSE = "CS-3.7.5.5"
MODES = ("入户", "电话")
# The two columns for items of the survey's own (``[survey] items``), named in the header.
OWN_ITEM_FIELDS = ("own_1", "own_2")
OWN_ITEM_TITLES = ("自选项目一", "自选项目二")

_LEVEL_SYNONYMS = {
    "很满意": "非常满意",
    "十分满意": "非常满意",
    "比较满意": "满意",
    "较满意": "满意",
    "很不满意": "非常不满意",
    "极不满意": "非常不满意",
    "不太满意": "不满意",
}
_LEVEL_HINT = "非常满意/满意/一般/不满意/非常不满意；未问或未答留空"


Level = Annotated[
    str | None, Meta(kind="choice", choices=SCALE, value_synonyms=_LEVEL_SYNONYMS, width=6, hint=_LEVEL_HINT)
]
Given = Annotated[str | None, Meta(width=30, filled_by_tool=True)]


class SurveyHeader(BaseModel):
    number: Annotated[str | None, Meta(kind="number", width=16, filled_by_tool=True, hint="由系统编号")] = Field(
        None, title="调查编号"
    )
    project: Annotated[str, Meta(width=20, label_synonyms=("项目", "小区"))] = Field(title="项目/小区")
    kind: Annotated[
        str,
        Meta(
            kind="choice",
            choices=KINDS,
            width=12,
            value_synonyms={"首次": "首次回访", "年度": "年度回访", "专项": "专项回访", "第一次回访": "首次回访"},
        ),
    ] = Field(title="回访类型")
    occupancy: Given = Field(None, title="入住情况")
    sample: Given = Field(None, title="回访范围")
    own_item_1: Annotated[str | None, Meta(width=12, hint="本次调查自定的评价项目（可不填）")] = Field(
        None, title="自选项目一名称"
    )
    own_item_2: Annotated[str | None, Meta(width=12, hint="本次调查自定的评价项目（可不填）")] = Field(
        None, title="自选项目二名称"
    )


class SurveyLine(BaseModel):
    building: Annotated[str | None, Meta(width=5, label_synonyms=("楼号", "栋"))] = Field(None, title="楼栋")
    room: Annotated[str, Meta(width=6, label_synonyms=("房间号", "室", "户号"))] = Field(title="房号")
    customer: Annotated[str | None, Meta(width=7, label_synonyms=("业主姓名", "姓名"))] = Field(None, title="客户姓名")
    phone: Annotated[str | None, Meta(kind="phone", width=12, label_synonyms=("电话",))] = Field(None, title="联系电话")
    mode: Annotated[
        str | None,
        Meta(
            kind="choice",
            choices=MODES,
            width=5,
            value_synonyms={"上门": "入户", "入户回访": "入户", "电话回访": "电话", "来电": "电话"},
            hint="首次回访宜入户（CS-3.7.5.1）",
        ),
    ] = Field(None, title="回访方式")
    day: Annotated[date | None, Meta(kind="date", width=10, label_synonyms=("日期",))] = Field(None, title="回访日期")
    interviewer: Annotated[str | None, Meta(width=6, label_synonyms=("回访人员", "调查人"))] = Field(
        None, title="回访人"
    )
    quality: Level = Field(None, title=DEFAULT_ITEMS[0])
    design: Level = Field(None, title=DEFAULT_ITEMS[1])
    repair: Level = Field(None, title=DEFAULT_ITEMS[2])
    estate: Level = Field(None, title=DEFAULT_ITEMS[3])
    sales: Level = Field(None, title=DEFAULT_ITEMS[4])
    overall: Level = Field(None, title=DEFAULT_ITEMS[5])
    own_1: Level = Field(None, title=OWN_ITEM_TITLES[0])
    own_2: Level = Field(None, title=OWN_ITEM_TITLES[1])
    opinion: Annotated[
        str | None,
        Meta(
            width=26,
            lines=2,
            label_synonyms=("意见、要求和投诉", "意见", "客户意见", "意见建议"),
            hint="客户的意见、要求、建议或投诉，照客户原话填写；每条都将登记为投诉案件处理（CS-3.7.5.7）",
        ),
    ] = Field(None, title="意见、要求或投诉")


# The rated items' fields, in the form's order, with the default item each stands for.
ITEM_FIELDS = ("quality", "design", "repair", "estate", "sales", "overall")
ITEM_OF_FIELD = dict(zip(ITEM_FIELDS, DEFAULT_ITEMS))

SURVEY = FormDef(
    "CS-SATISFACTION",
    1,
    "客户满意度调查表",
    "满意度调查",
    SURVEY_CLAUSE,
    SurveyHeader,
    SurveyLine,
    lines_key="lines",
    lines_title="调查明细",
    blank_lines=40,
    landscape=True,
    footer_note="说明：每户一行；回访方式填“入户”或“电话”，并填写回访日期和回访人；各评价项目按“非常满意、满意、一般、"
    "不满意、非常不满意”五级填写，未问或未答的留空；意见、要求和投诉照客户原话填写，系统逐条登记为投诉案件（CS-3.7.5.7）；"
    "未能回访的住户整行留空。首次回访户数不少于已入住户数的90%（CS-3.7.5.1），年度回访抽取10%~25%（CS-3.7.5.2）。",
)


# ============================================================ 《回访名单》 (CS-3.7.5.9)


class RevisitHeader(BaseModel):
    survey: Annotated[str, Meta(kind="number", width=16, filled_by_tool=True)] = Field(title="调查编号")
    project: Annotated[str | None, Meta(width=20, filled_by_tool=True)] = Field(None, title="项目/小区")
    owner: Annotated[str | None, Meta(width=16, filled_by_tool=True)] = Field(None, title="负责人")
    due: Annotated[str | None, Meta(width=20, filled_by_tool=True)] = Field(None, title="再回访期限")


class RevisitLine(BaseModel):
    action: Annotated[str, Meta(kind="number", width=11, filled_by_tool=True)] = Field(title="事项编号")
    building: Annotated[str | None, Meta(width=5, filled_by_tool=True)] = Field(None, title="楼栋")
    room: Annotated[str | None, Meta(width=6, filled_by_tool=True)] = Field(None, title="房号")
    customer: Annotated[str | None, Meta(width=7, filled_by_tool=True)] = Field(None, title="客户姓名")
    phone: Annotated[str | None, Meta(width=12, filled_by_tool=True)] = Field(None, title="联系电话")
    reasons: Annotated[str | None, Meta(width=22, lines=2, filled_by_tool=True)] = Field(None, title="不满意项目")
    opinion: Annotated[str | None, Meta(width=24, lines=2, filled_by_tool=True)] = Field(None, title="客户意见")
    case: Annotated[str | None, Meta(width=12, filled_by_tool=True)] = Field(None, title="登记编号")
    revisited: Annotated[date | None, Meta(kind="date", width=10)] = Field(None, title="再回访日期")
    by: Annotated[str | None, Meta(width=8)] = Field(None, title="再回访人")
    result: Annotated[str | None, Meta(width=24, lines=2)] = Field(None, title="再回访结果")


REVISIT = FormDef(
    "CS-REVISIT",
    1,
    "回访名单",
    "再回访",
    "CS-3.7.5.9",
    RevisitHeader,
    RevisitLine,
    lines_key="lines",
    lines_title="再回访名单",
    blank_lines=20,
    landscape=True,
    footer_note="说明：客户服务部经理对回访中严重不满意的客户必须全数参与再回访（CS-3.7.5.9）；再回访后填写再回访日期、"
    "再回访人和结果，交回客户服务部（放入 intake 文件夹），该户即登记为已再回访；也可用 docgen action done 事项编号 登记。",
)


# ============================================================ the rules

FIRST, ANNUAL, SPECIAL = KINDS
CLAUSE = "CS-3.7.5.5"
START_CLAUSE, COVERAGE_CLAUSE, SAMPLE_CLAUSE = "CS-3.7.5", "CS-3.7.5.1", "CS-3.7.5.2"
HANDLING_CLAUSE, REVISIT_CLAUSE = "CS-3.7.5.7", "CS-3.7.5.9"
OVERALL = DEFAULT_ITEMS[-1]
SERIOUS, UNSATISFIED = "非常不满意", "不满意"
# The register's 来源渠道 has no 回访: an opinion from a survey is registered as 其他, its survey named in the case.
CHANNEL = "其他"

# An opinion's 投诉类别, from its words (the register's categories); 其他 when none fits.
_CATEGORY_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("维修", ("维修", "漏水", "渗水", "返水", "堵", "坏", "损坏", "修", "不通", "跳闸", "脱落", "松动")),
    ("施工质量", ("裂缝", "开裂", "空鼓", "质量", "起砂", "沉降", "倾斜")),
    ("设计", ("设计", "户型", "采光", "通风", "布局", "层高")),
    ("销售服务", ("销售", "合同", "产权", "房产证", "不动产", "交房", "面积", "按揭", "售楼")),
    ("物业服务", ("物业", "保安", "保洁", "卫生", "停车", "绿化", "电梯", "门禁", "垃圾", "噪音", "管理费")),
)


def category_of(text: str) -> str:
    """The register's 投诉类别 an opinion's words point to; 其他 when none fits (the responsible department then
    routes it, CS-3.4.2)."""
    for category, words in _CATEGORY_WORDS:
        if any(word in text for word in words):
            return category
    return "其他"


# ============================================================ the draft (docgen survey draft)


class SurveyError(DocgenError, ValueError):
    """A survey that cannot be drafted or reported; the message is for staff (Chinese)."""


def sample_size(occupied: int, share) -> int:
    """An annual survey's sample: ``share`` of the occupied households, rounded up (never under 10 %, CS-3.7.5.2)."""
    return min(occupied, math.ceil(occupied * share))


def draw_sample(keys: list[str], size: int, seed: int) -> list[str]:
    """The households drawn, reproducibly: the same list, size and seed give the same sample, in list order."""
    chosen = set(random.Random(seed).sample(sorted(keys), size))
    return [key for key in keys if key in chosen]


def _own_items(items: Iterable[str]) -> list[str]:
    return [item for item in items if item not in DEFAULT_ITEMS]


def draft_survey(
    ws: Workspace, ledger: Ledger, project: str, kind: str, today: date, seed: int | None = None
) -> tuple[Document, dict]:
    """Number and record a survey of ``project`` (``survey.drafted``) and describe its pre-filled form: the
    occupied households (all for a first or special survey; an annual survey's random sample)."""
    if kind not in KINDS:
        raise SurveyError(f"回访类型“{kind}”无效；应为：{'、'.join(KINDS)}")
    settings = ws.settings
    with ledger.transaction() as tx:
        known = community(settings, tx, project)
        if known is None:
            raise SurveyError(
                f"不知道“{project}”的入住户数：请物业公司提交该小区的《入住情况表》，"
                f'或在 docgen.toml 中填写 [projects."{project}"] households、occupied'
            )
        occupied = known.occupied_rooms()
        if kind == ANNUAL and not occupied:
            raise SurveyError(
                f"“{project}”没有住户名单，无法随机抽样（CS-3.7.5.2）；请物业公司先提交该小区的《入住情况表》"
            )
        listed = occupied
        if kind == ANNUAL:
            seed = seed if seed is not None else secrets.randbelow(10**9)
            drawn = set(
                draw_sample([h.key for h in occupied], sample_size(len(occupied), settings.survey.annual_sample), seed)
            )
            listed = [h for h in occupied if h.key in drawn]
        try:
            number = tx.next_number(NumberFormat(settings.numbering.survey), today.year)
        except NumbersExhausted as exhausted:
            raise SurveyError(str(exhausted)) from exhausted
        items = list(settings.survey.items)
        payload = {
            "number": number,
            "project": project,
            "kind": kind,
            "drafted_on": today.isoformat(),
            "items": items,
            "listed": [[h.building, h.room] for h in listed],
            "households": known.households,
            "occupied": known.occupied,
            "seed": seed if kind == ANNUAL else None,
            "share": str(settings.survey.annual_sample) if kind == ANNUAL else None,
            "source": known.source,
        }
        tx.append(SURVEY_DRAFTED, checked(SURVEY_DRAFTED, payload), case_id=number)
    own = _own_items(items)
    if kind == ANNUAL:
        scope = (
            f"随机抽取{len(listed)}户（已入住{known.occupied}户的{len(listed) * 100 / max(known.occupied, 1):.1f}%，"
            f"随机种子 {seed}，CS-3.7.5.2）"
        )
    elif kind == FIRST:
        scope = f"全部已入住住户{len(listed) or known.occupied}户，回访不少于90%，宜入户（CS-3.7.5.1）"
    else:
        scope = f"专项回访：已入住住户{len(listed) or known.occupied}户（CS-3.7.5.4）"
    header = {
        "number": number,
        "project": project,
        "kind": kind,
        "occupancy": f"共{known.households}户，已交付{known.delivered}户，已入住{known.occupied}户（{known.source}）",
        "sample": scope,
        "own_item_1": own[0] if own else None,
        "own_item_2": own[1] if len(own) > 1 else None,
    }
    lines = [{"building": h.building, "room": h.room, "customer": h.customer, "phone": h.phone} for h in listed]
    document = Document(
        f"{settings.paths.outbox}/surveys/{_safe(project)}/{number}-{SURVEY.title}-{kind}.xlsx",
        "form",
        {"form_id": SURVEY.form_id, "header": header, "lines": lines},
    )
    return document, payload


def _safe(text: str) -> str:
    return safe_part(text, 60)


# ============================================================ reading the returned survey


@dataclass(frozen=True)
class Row:
    line: SurveyLine
    row: int
    sources: dict[str, Raw]
    key: str
    ratings: dict[str, str]

    @property
    def answered(self) -> bool:
        line = self.line
        return bool(self.ratings or line.opinion or line.mode or line.day or line.interviewer)


def _rows(parsed: ParsedForm, header: SurveyHeader) -> list[Row]:
    own = {OWN_ITEM_FIELDS[0]: header.own_item_1, OWN_ITEM_FIELDS[1]: header.own_item_2}
    rows = []
    for line, row, sources in numbered_lines(parsed, SurveyLine):
        ratings = {ITEM_OF_FIELD[key]: getattr(line, key) for key in ITEM_FIELDS if getattr(line, key)}
        for key, name in own.items():
            if getattr(line, key):
                ratings[name or OWN_ITEM_TITLES[OWN_ITEM_FIELDS.index(key)]] = getattr(line, key)
        rows.append(Row(line, row, sources, household_key(line.building, line.room), ratings))
    return rows


def _answered(context: Context[SurveyHeader]) -> list[Row]:
    return [row for row in context.facts["rows"] if row.answered]


def _share(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "—"


# ============================================================ checks


def something_answered(context: Context[SurveyHeader]) -> list[Finding]:
    """CS-3.7.5.5: the survey brings back at least one household's answers."""
    message = "调查明细中没有任何一户的回访记录；请填写回访方式、回访日期、回访人和各项评价"
    return table_filled(_answered(context), "调查明细", message, CLAUSE, "lines")


def rows_complete(context: Context[SurveyHeader]) -> list[Finding]:
    """CS-3.7.5.5: each household surveyed says how (入户/电话), when and by whom."""
    findings: list[Finding] = []
    for row in _answered(context):
        for key, title, example in (
            ("mode", "回访方式", "入户或电话"),
            ("day", "回访日期", "如 2026-11-20"),
            ("interviewer", "回访人", "回访人员姓名"),
        ):
            if not getattr(row.line, key):
                findings.append(
                    error(
                        f"第{row.row}行（{row.key}）有回访内容，但没有填写“{title}”；请填写{example}",
                        clause=CLAUSE,
                        field=f"lines.{key}",
                        **where(row.sources.get(key)),
                    )
                )
    return findings


def own_items_named(context: Context[SurveyHeader]) -> list[Finding]:
    """A rating in an own-item column needs the item's name in the header."""
    findings: list[Finding] = []
    for key, title, name_key in zip(OWN_ITEM_FIELDS, OWN_ITEM_TITLES, ("own_item_1", "own_item_2")):
        if getattr(context.header, name_key):
            continue
        first = next((row for row in _answered(context) if getattr(row.line, key)), None)
        if first is not None:
            findings.append(
                error(
                    f"“{title}”列有评价（第{first.row}行起），但表头没有填写“{title}名称”；请填写该项目的名称",
                    clause=CLAUSE,
                    field=name_key,
                    **at(context.parsed, name_key),
                )
            )
    return findings


def distinct_households(context: Context[SurveyHeader]) -> list[Finding]:
    """Each household once: a household twice would be counted twice."""
    return repeated_households(((row.key, row.row, row.sources.get("room")) for row in context.facts["rows"]), CLAUSE)


def known_rooms(context: Context[SurveyHeader]) -> list[Finding]:
    """A household surveyed is one of the community's (its 《入住情况表》); without a room list nothing is checked."""
    known: Community = context.facts["community"]
    if not known.rooms:
        return []
    rooms = {household.key for household in known.rooms}
    return [
        error(
            f"第{row.row}行的住户 {row.key} 不在“{known.project}”的住户名单中（{known.source}）；"
            "请核对楼栋和房号，或请物业公司更新《入住情况表》",
            clause=CLAUSE,
            field="lines.room",
            **where(row.sources.get("room")),
        )
        for row in _answered(context)
        if row.key not in rooms
    ]


def first_after_half(context: Context[SurveyHeader]) -> list[Finding]:
    """CS-3.7.5: the first survey starts once 50 % of the community has moved in."""
    known: Community = context.facts["community"]
    if context.header.kind != FIRST or not known.households or known.occupied * 2 >= known.households:
        return []
    return [
        violation(
            f"“{known.project}”入住{known.occupied}户，仅占总户数{known.households}户的"
            f"{_share(known.occupied, known.households)}，未达50%即进行了首次回访（{known.source}）；"
            "应在小区客户入住50%后进行首次回访",
            clause=START_CLAUSE,
            field="kind",
            **at(context.parsed, "kind"),
        )
    ]


def coverage(context: Context[SurveyHeader]) -> list[Finding]:
    """CS-3.7.5.1: the first survey covers at least 90 % of the occupied households; CS-3.7.5.2: an annual survey
    10–25 % of them, never fewer than 10 %."""
    known: Community = context.facts["community"]
    kind, surveyed, occupied = context.header.kind, len(_answered(context)), known.occupied
    place = {"field": "lines", "location": "调查明细表格"}
    if kind == FIRST and surveyed * 10 < occupied * 9:
        return [
            violation(
                f"首次回访{surveyed}户，仅占已入住{occupied}户的{_share(surveyed, occupied)}；"
                f"首次回访户数不应少于已入住户数的90%（至少{math.ceil(occupied * 0.9)}户）",
                clause=COVERAGE_CLAUSE,
                **place,
            )
        ]
    if kind == ANNUAL and surveyed * 10 < occupied:
        return [
            violation(
                f"年度回访{surveyed}户，仅占已入住{occupied}户的{_share(surveyed, occupied)}；"
                f"回访户数不少于总入住户数的10%（至少{math.ceil(occupied * 0.1)}户）",
                clause=SAMPLE_CLAUSE,
                **place,
            )
        ]
    if kind == ANNUAL and surveyed * 4 > occupied:
        return [
            violation(
                f"年度回访{surveyed}户，占已入住{occupied}户的{_share(surveyed, occupied)}，"
                "超过抽样比例上限25%；年度回访抽取10%~25%的客户",
                clause=SAMPLE_CLAUSE,
                **place,
            )
        ]
    return []


def in_sample(context: Context[SurveyHeader]) -> list[Finding]:
    """CS-3.7.5.2: an annual survey visits the households drawn; one outside the sample is a warning."""
    drafted: Event | None = context.facts["drafted"]
    if context.header.kind != ANNUAL or drafted is None or drafted.payload.get("seed") is None:
        return []
    drawn = {household_key(b, r) for b, r in drafted.payload["listed"]}
    outside = [row for row in _answered(context) if row.key not in drawn]
    if not outside:
        return []
    shown = "、".join(f"第{row.row}行{row.key}" for row in outside[:10]) + ("等" if len(outside) > 10 else "")
    return [
        warning(
            f"{len(outside)}户不在随机抽取的名单中（{shown}）；年度回访应回访抽中的住户，"
            f"抽样可用随机种子 {drafted.payload['seed']} 复核",
            clause=SAMPLE_CLAUSE,
            field="lines.room",
            **where(outside[0].sources.get("room")),
        )
    ]


CHECKS: tuple[Check, ...] = (
    something_answered,
    rows_complete,
    own_items_named,
    distinct_households,
    known_rooms,
    first_after_half,
    coverage,
    in_sample,
)


# ============================================================ the handler


def _refused(parsed: ParsedForm, key: str, message: str, clause: str = CLAUSE) -> Decision:
    return Decision(findings=[error(message, clause=clause, field=key, **at(parsed, key))])


def handle_survey(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    header = header_of(parsed, SurveyHeader)
    drafted = tx.latest_event(header.number, SURVEY_DRAFTED) if header.number else None
    earlier = tx.latest_event(header.number, SURVEY_RECORDED) if header.number else None
    if header.number and drafted is None and earlier is None:
        return _refused(
            parsed, "number", f"调查编号“{header.number}”不是本系统发出的；请用 docgen survey draft 生成的调查表"
        )
    if drafted is not None:
        for key, title in (("project", "项目/小区"), ("kind", "回访类型")):
            if getattr(header, key) != drafted.payload[key]:
                return _refused(
                    parsed,
                    key,
                    f"调查编号 {header.number} 是“{drafted.payload['project']}”的{drafted.payload['kind']}，"
                    f"表中“{title}”却是“{getattr(header, key)}”；请按原调查表填写",
                )
    known = community(ws.settings, tx, header.project)
    if known is None:
        return _refused(
            parsed,
            "project",
            f"不知道“{header.project}”的入住户数，无法核对回访户数；请物业公司提交该小区的《入住情况表》，"
            f'或在 docgen.toml 中填写 [projects."{header.project}"] households、occupied',
            START_CLAUSE,
        )
    rows = _rows(parsed, header)
    found = {"community": known, "drafted": drafted, "rows": rows}
    findings = run_checks(CHECKS, Context(tx, ws, parsed, header, submission.today, found))
    if has_errors(findings):
        return Decision(findings=findings)
    answered = [row for row in rows if row.answered]
    surveyed_on = max(row.line.day for row in answered if row.line.day)
    try:
        with tx.savepoint():
            return _record(tx, ws, parsed, submission, header, known, answered, surveyed_on, drafted, earlier, findings)
    except NumbersExhausted as exhausted:
        return Decision(findings=[*findings, numbers_exhausted(exhausted, ws, "调查表中的意见无法登记为投诉案件")])


def _record(
    tx: Transaction,
    ws: Workspace,
    parsed: ParsedForm,
    submission: Submission,
    header: SurveyHeader,
    known: Community,
    answered: list[Row],
    surveyed_on: date,
    drafted: Event | None,
    earlier: Event | None,
    findings: list[Finding],
) -> Decision:
    settings = ws.settings
    number = header.number or tx.next_number(NumberFormat(settings.numbering.survey), surveyed_on.year)
    if earlier is not None:
        findings.append(
            warning(
                f"调查 {number} 已于{chinese_date(day_of(earlier.recorded_at))}登记；"
                "本次作为更正记录，原记录保留在历史中；已登记的意见不重复登记",
                clause=CLAUSE,
                field="number",
            )
        )
    others = [e.payload for e in tx.events(kind=SURVEY_RECORDED) if e.case_id != number]
    if header.kind == FIRST and any(p["project"] == header.project and p["kind"] == FIRST for p in others):
        findings.append(
            warning(
                f"“{header.project}”已有首次回访的记录；此后每年宜进行一次年度回访", clause=SAMPLE_CLAUSE, field="kind"
            )
        )
    items = list(drafted.payload["items"]) if drafted is not None else list(settings.survey.items)
    for row in answered:
        items += [item for item in row.ratings if item not in items]

    # Each opinion, request or complaint a case (CS-3.7.5.7), through the register's path.
    numbering = NumberFormat(settings.numbering.complaint)
    new_cases: list[dict] = []
    opinions: list[dict] = []
    case_of: dict[str, str] = {}
    for row in answered:
        if not row.line.opinion:
            continue
        case, new = _register_opinion(tx, ws, submission, numbering, header, number, row)
        case_of[row.key] = case["number"]
        opinions.append({"row": row.row, "household": row.key, "text": row.line.opinion, "case": case["number"]})
        if new:
            new_cases.append(case)

    # Every seriously dissatisfied household re-visited by the manager (CS-3.7.5.9).
    revisit_lines, revisits = _revisits(tx, ws, submission, header, number, answered, case_of)

    payload = {
        "number": number,
        "project": header.project,
        "kind": header.kind,
        "surveyed_on": surveyed_on.isoformat(),
        "first_day": min(row.line.day for row in answered if row.line.day).isoformat(),
        "households": known.households,
        "delivered": known.delivered,
        "occupied": known.occupied,
        "source": known.source,
        "items": items,
        "answers": [
            {
                "row": row.row,
                "building": row.line.building or "",
                "room": row.line.room,
                "household": row.key,
                "mode": row.line.mode,
                "date": row.line.day.isoformat() if row.line.day else None,
                "interviewer": row.line.interviewer,
                "ratings": row.ratings,
            }
            for row in answered
        ],
        "opinions": opinions,
        "revisits": revisits,
        "seed": drafted.payload.get("seed") if drafted is not None else None,
        "file": submission.name,
    }
    record(tx, SURVEY_RECORDED, payload, number, submission)
    record_violations(tx, findings, number, submission)

    documents: list[Document] = []
    for case in new_cases:
        if case["repair"]:
            documents.append(survey_document(case, ws))
    documents += dispatch_documents(new_cases, submission, ws)
    folder = f"{settings.paths.outbox}/surveys/{_safe(header.project)}"
    if revisit_lines:
        due = revisit_lines[0].pop("_due")
        for line in revisit_lines[1:]:
            line.pop("_due")
        documents.append(
            Document(
                f"{folder}/{number}-{REVISIT.title}.xlsx",
                "form",
                {
                    "form_id": REVISIT.form_id,
                    "header": {
                        "survey": number,
                        "project": header.project,
                        "owner": settings.survey.revisit_owner,
                        "due": f"{chinese_date(date.fromisoformat(due))}前（{REVISIT_CLAUSE}）",
                    },
                    "lines": revisit_lines,
                },
            )
        )
    handled, total = handling(tx, number)
    documents.append(survey_report_document(ws, header.project, number, submission.today, handled, total))

    findings.append(
        warning(
            f"调查 {number}：回访{len(answered)}户（已入住{known.occupied}户的{_share(len(answered), known.occupied)}）；"
            f"意见、要求和投诉{len(opinions)}条，本次新登记为投诉案件{len(new_cases)}件"
            + ("（其余此前已登记）" if len(new_cases) < len(opinions) else "")
            + f"，处理率{_share(handled, total)}（须达100%）；"
            + (
                f"严重不满意{len(revisits)}户列入《{REVISIT.title}》，由{settings.survey.revisit_owner}再回访"
                f"（{REVISIT_CLAUSE}）"
                if revisits
                else "没有严重不满意的住户"
            ),
            clause=HANDLING_CLAUSE,
            field="lines.opinion",
        )
    )
    case_ids = [number, *(case["number"] for case in new_cases)]
    return Decision(findings, case_ids, documents)


def _register_opinion(
    tx: Transaction,
    ws: Workspace,
    submission: Submission,
    numbering: NumberFormat,
    header: SurveyHeader,
    number: str,
    row: Row,
) -> tuple[dict, bool]:
    """The case of one opinion: the one already registered for it (the same survey sent again), or a new one
    registered as the register registers a line (``steps.register``). Returns the case and whether it is new."""
    line = row.line
    assert line.opinion is not None and line.day is not None  # rows_complete refuses the form otherwise
    register_line = RegisterLine.model_validate(
        {
            "received_date": line.day,
            "channel": CHANNEL,
            "customer": line.customer or f"{row.key}业主",
            "phone": line.phone or "",
            "project": header.project,
            "building": line.building,
            "room": line.room,
            "content": f"客户满意度调查（{number}，{header.kind}）：{line.opinion}",
            "category": category_of(line.opinion),
            "receiver": line.interviewer or "客户服务部",
        }
    )
    fingerprint = line_fingerprint(
        register_line.received_date.isoformat(), register_line.customer, register_line.phone, register_line.content
    )
    existing = tx.case_by_fingerprint(fingerprint)
    if existing is not None:
        registered = tx.registration(existing)
        assert registered is not None
        return registered.payload, False
    settings = ws.settings
    case_number = tx.next_number(numbering, register_line.received_date.year)
    deadlines = rules.deadlines(register_line, settings, ws.calendar, dispatched=submission.today)
    lag = rules.registration_lag(register_line, settings, ws.calendar, submission.today)
    case = case_payload(
        register_line,
        case_number,
        ws,
        submission,
        row.row,
        deadlines,
        {"office": settings.routing.office_for(header.project), "clerk": line.interviewer},
        lag,
    )
    case["survey"] = {
        "number": number,
        "kind": header.kind,
        "row": row.row,
        "household": row.key,
        "clause": HANDLING_CLAUSE,
    }
    record(tx, CASE_REGISTERED, case, case_number, submission)
    return case, True


def serious_items(ratings: dict[str, str]) -> list[str]:
    """Why a household is seriously dissatisfied (CS-3.7.5.9): each item rated 非常不满意, and 总体评价 不满意."""
    return [
        f"{item}{level}"
        for item, level in ratings.items()
        if level == SERIOUS or (item == OVERALL and level == UNSATISFIED)
    ]


def _revisits(
    tx: Transaction,
    ws: Workspace,
    submission: Submission,
    header: SurveyHeader,
    number: str,
    answered: list[Row],
    case_of: dict[str, str],
) -> tuple[list[dict], list[str]]:
    """A tracked re-visit per seriously dissatisfied household (``survey.revisit``), once per survey and household
    however often the survey is sent again. Returns the 《回访名单》's lines and the action keys."""
    settings = ws.settings
    counted = ws.calendar.due_within_workdays_of_day(submission.today, settings.survey.revisit_workdays, "登记调查结果")
    due = counted.due.isoformat()
    tracked = {
        e.payload["household"]: e.payload["deadlines"][0]["key"]
        for e in tx.events(kind=SURVEY_REVISIT)
        if e.payload.get("survey") == number
    }
    lines: list[dict] = []
    keys: list[str] = []
    owner = settings.survey.revisit_owner
    for row in answered:
        reasons = serious_items(row.ratings)
        if not reasons:
            continue
        key = tracked.get(row.key)
        if key is None:
            key = f"action-{tx.last_seq + 1}"  # the seq of the event about to be appended
            assert row.line.day is not None
            payload = {
                "survey": number,
                "project": header.project,
                "household": row.key,
                "text": f"再回访{header.project}{row.key}（{'、'.join(reasons)}）",
                "owner": owner,
                "due": due,
                "meeting_type": f"客户满意度调查{number}",
                "meeting_date": row.line.day.isoformat(),
                "reasons": reasons,
                "row": row.row,
                "clause": REVISIT_CLAUSE,
                "deadlines": [
                    item_deadline(
                        key,
                        f"再回访{row.key}",
                        due,
                        REVISIT_CLAUSE,
                        counted.basis,
                        owner,
                        provisional=counted.provisional,
                    )
                ],
            }
            tx.append(
                SURVEY_REVISIT,
                checked(SURVEY_REVISIT, payload),
                case_id=case_of.get(row.key),
                claim=submission.claim,
                sha256=submission.sha256,
            )
        keys.append(key)
        lines.append(
            {
                "action": key,
                "building": row.line.building,
                "room": row.line.room,
                "customer": row.line.customer,
                "phone": row.line.phone,
                "reasons": "、".join(reasons),
                "opinion": row.line.opinion,
                "case": case_of.get(row.key),
                "_due": due,
            }
        )
    return lines, keys


# ============================================================ the survey's figures (the report reads them)


def recorded(reads: EventReads, number: str) -> Event | None:
    return reads.latest_event(number, SURVEY_RECORDED)


def survey_data(event: Event) -> SurveyData:
    """A ``survey.recorded`` as the statistics read it (``procedures.satisfaction``)."""
    p = event.payload
    return SurveyData(
        community=p["project"],
        kind=p["kind"],
        number=p["number"],
        surveyed_on=date.fromisoformat(p["surveyed_on"]),
        households=p["households"],
        occupied=p["occupied"],
        items=tuple(p["items"]),
        answers=tuple(Answer(a["household"], a.get("building") or "", dict(a["ratings"])) for a in p["answers"]),
        opinions=tuple((o["household"], o["text"]) for o in p["opinions"]),
    )


def previous_survey(reads: EventReads, event: Event) -> Event | None:
    """The community's survey recorded before ``event`` (another number; its latest record)."""
    latest: dict[str, Event] = {}
    for other in reads.events(kind=SURVEY_RECORDED):
        if other.seq >= event.seq:
            break
        if other.payload["project"] == event.payload["project"] and other.case_id != event.case_id:
            latest[other.case_id or ""] = other
    return max(latest.values(), key=lambda e: e.payload["surveyed_on"], default=None)


def handling(reads: EventReads, number: str) -> tuple[int, int]:
    """CS-3.7.5.7: (handled, total) of the survey's opinions: the cases they became that are closed."""
    event = recorded(reads, number)
    if event is None:
        return 0, 0
    cases = {o["case"] for o in event.payload["opinions"]}
    handled = sum(1 for case in cases if reads.has_event(case, CASE_CLOSED))
    return handled, len(cases)


def opinion_cases(reads: EventReads, number: str) -> list[tuple[str, bool]]:
    """Each opinion case of the survey and whether it is closed (the report's overdue list)."""
    event = recorded(reads, number)
    if event is None:
        return []
    result = []
    for case in dict.fromkeys(o["case"] for o in event.payload["opinions"]):
        built = build(case, reads.events(case_id=case))
        result.append((case, built is not None and not built.open))
    return result


def latest_survey(reads: EventReads, project: str) -> str | None:
    """The number of the community's latest survey."""
    events = [e for e in reads.events(kind=SURVEY_RECORDED) if e.payload["project"] == project]
    return max(events, key=lambda e: (e.payload["surveyed_on"], e.seq)).case_id if events else None


def survey_report_document(ws: Workspace, project: str, number: str, today: date, handled: int, total: int) -> Document:
    """The survey report (``reports.survey_report``), rendered from the ledger with the handling rate as it stood
    when the survey was recorded (``pipeline.render``, kind ``survey_report``)."""
    # Where ``reports.survey_report.survey_report_path`` writes it (pipeline.render copies it here otherwise).
    return Document(
        f"{ws.settings.paths.outbox}/reports/满意度/客户满意度调查报告-{_safe(project)}-{safe_part(number, 40)}.pdf",
        "survey_report",
        {"survey": number, "issued_on": today.isoformat(), "handled": handled, "total_opinions": total},
    )


# Its events are on no case (a re-visit on a case is a tracked item, worded as one): nothing for the dossier.

STEP = FormStep(SURVEY, CHECKS, handle_survey, {}, "satisfaction")


# ============================================================ the returned 《回访名单》 (CS-3.7.5.9)


def handle_revisits(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    """Each line with its 再回访日期 marks its re-visit done (``minutes.action_done``), as ``docgen action done``."""
    header = header_of(parsed, RevisitHeader)
    origin = f"客户满意度调查{header.survey}"
    actions = {a.key: a for a in load_actions(tx) if a.kind == SURVEY_REVISIT and a.meeting_type == origin}
    findings: list[Finding] = []
    done: list[tuple] = []
    for line, row, sources in numbered_lines(parsed, RevisitLine):
        action = actions.get(line.action)
        if action is None:
            findings.append(
                error(
                    f"第{row}行的事项编号“{line.action}”不是调查 {header.survey} 的再回访事项；请按系统生成的名单填写",
                    clause=REVISIT_CLAUSE,
                    field="lines.action",
                    **where(sources.get("action")),
                )
            )
            continue
        if line.revisited is None:
            continue
        if line.revisited < action.meeting_date:
            findings.append(
                error(
                    f"第{row}行的再回访日期{line.revisited.isoformat()}早于回访日期{action.meeting_date.isoformat()}；请核对",
                    clause=REVISIT_CLAUSE,
                    field="lines.revisited",
                    **where(sources.get("revisited")),
                )
            )
            continue
        if line.revisited > action.due:
            findings.append(
                warning(
                    f"第{row}行（{action.key}）于{chinese_date(line.revisited)}再回访，晚于期限{chinese_date(action.due)}",
                    clause=REVISIT_CLAUSE,
                    field="lines.revisited",
                    **where(sources.get("revisited")),
                )
            )
        done.append((action, line))
    if has_errors(findings):
        return Decision(findings=findings)
    case_ids: list[str] = []
    for action, line in done:
        if action.done_on == line.revisited:
            continue
        record_done(
            tx,
            action,
            line.revisited,
            by=line.by,
            source="revisit_list",
            claim=submission.claim,
            sha256=submission.sha256,
            result=line.result,
            file=submission.name,
        )
        if action.case_id and action.case_id not in case_ids:
            case_ids.append(action.case_id)
    open_left = [a.key for a in actions.values() if a.open and a.key not in {x[0].key for x in done}]
    findings.append(
        warning(
            f"已登记再回访{len(done)}户" + (f"；尚未再回访：{'、'.join(open_left[:20])}" if open_left else ""),
            clause=REVISIT_CLAUSE,
            field="lines.revisited",
        )
    )
    return Decision(findings, case_ids, [])


REVISIT_STEP = FormStep(REVISIT, (), handle_revisits, {}, "revisit")


def survey_report_inputs(reads: EventReads, number: str) -> tuple[SurveyData, SurveyData | None]:
    """The survey ``number`` and the community's previous one, as the report reads them."""
    event = recorded(reads, number)
    if event is None:
        raise SurveyError(f"没有调查编号为 {number} 的满意度调查记录")
    before = previous_survey(reads, event)
    return survey_data(event), (survey_data(before) if before is not None else None)
