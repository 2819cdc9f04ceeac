"""The 《客户信息征询表》 (NC-5.2) of 经营销售部: how satisfied the customers of a sales office are with its sales
service, collected by the 销售主任 (NC-3.2.4 A: “通过《客户信息征询表》对销售服务的客户满意程度进行监控，对不合格服务
进行深入追踪……通过解释、道歉等方式消除客户的抱怨和投诉”).

An intake form on no case: 项目, 填表日期 and 销售主任 over one line per customer (客户姓名, 房号/认购书编号, 联系电话,
置业顾问) answering 满意/基本满意/不满意 for each item (接待礼仪, 专业讲解, 信息真实, 签约办理, 总体评价), with 意见或建议.
Dropped into intake/:

- the inquiry is recorded (``sales.inquiry``: the answers counted per item, the lines and the records they opened),
  read by the quarterly nonconformity statistics (``reports.nonconformity_report``);
- every line answering 不满意 is a nonconforming sales service (NC-3.1.5): it opens a 《纠正措施记录》 routed to
  经营销售部 (NC-3.2.4), source 客户信息征询, numbered BHG-…, its corrective action (explain and apologise to the
  customer, retrain the 置业顾问) tracked, due ``ACTION_WORKDAYS`` working days after the 填表日期; the
  pre-filled record and its 《纠正措施要求通知单》 go to 经营销售部; the receipt names each line's record;
- the same customer of the same project on the same 填表日期 sent again (a corrected copy) opens no second record:
  the receipt names the record already opened.

A 不满意 line without 意见或建议 is an error on its cell: the record must say what the customer was dissatisfied
with (深入追踪, NC-3.2.4 A); so is a line answering nothing, and a customer listed twice.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field

from docgen.events import SALES_INQUIRY
from docgen.findings import Finding, error, has_errors, warning
from docgen.forms.base import FormDef, Meta, ParsedForm
from docgen.ledger import NumbersExhausted, Transaction
from docgen.payloads import checked
from docgen.steps import nonconformity as nc
from docgen.steps.base import (
    Check,
    Context,
    Decision,
    Document,
    FormStep,
    Submission,
    header_of,
    numbered_lines,
    run_checks,
    where,
)
from docgen.wording import chinese_date
from docgen.workspace import Workspace

CLAUSE = "NC-3.2.4 A"
FORM_CLAUSE = "NC-5.2"
SOURCE = "客户信息征询"
# NC-3.2.4 A says 及时 and gives no number: the corrective action is due this many working days after the 填表日期.
ACTION_WORKDAYS = 10

SATISFIED, BASICALLY, UNSATISFIED = "满意", "基本满意", "不满意"
SCALE = (SATISFIED, BASICALLY, UNSATISFIED)
_LEVEL_SYNONYMS = {
    "非常满意": SATISFIED,
    "很满意": SATISFIED,
    "十分满意": SATISFIED,
    "比较满意": BASICALLY,
    "较满意": BASICALLY,
    "一般": BASICALLY,
    "还可以": BASICALLY,
    "不太满意": UNSATISFIED,
    "很不满意": UNSATISFIED,
    "非常不满意": UNSATISFIED,
}
Level = Annotated[
    str | None,
    Meta(
        kind="choice",
        choices=SCALE,
        value_synonyms=_LEVEL_SYNONYMS,
        width=9,
        hint="满意/基本满意/不满意；客户未答留空",
    ),
]


class InquiryHeader(BaseModel):
    project: Annotated[str, Meta(width=20, label_synonyms=("项目", "楼盘", "项目名称"))] = Field(title="项目")
    filled_on: Annotated[date, Meta(kind="date", width=14, label_synonyms=("日期", "征询日期"))] = Field(
        title="填表日期"
    )
    supervisor: Annotated[str, Meta(width=12, label_synonyms=("销售主任姓名", "征询人"))] = Field(title="销售主任")


class InquiryLine(BaseModel):
    customer: Annotated[str, Meta(width=10, label_synonyms=("客户", "姓名"))] = Field(title="客户姓名")
    room: Annotated[
        str, Meta(width=14, label_synonyms=("房号", "认购书编号", "房号或认购书编号"), hint="如 3-1502 或 RG-0123")
    ] = Field(title="房号/认购书编号")
    phone: Annotated[str | None, Meta(kind="phone", width=13, label_synonyms=("电话",))] = Field(None, title="联系电话")
    consultant: Annotated[str, Meta(width=8, label_synonyms=("销售顾问", "置业顾问姓名"))] = Field(title="置业顾问")
    reception: Level = Field(None, title="接待礼仪")
    explanation: Level = Field(None, title="专业讲解")
    truthful: Level = Field(None, title="信息真实")
    signing: Level = Field(None, title="签约办理")
    overall: Level = Field(None, title="总体评价")
    opinion: Annotated[
        str | None,
        Meta(
            width=30,
            lines=2,
            label_synonyms=("意见", "建议", "意见建议", "客户意见"),
            hint="客户原话；有“不满意”的必须写明不满意的具体情况",
        ),
    ] = Field(None, title="意见或建议")


ITEM_FIELDS = ("reception", "explanation", "truthful", "signing", "overall")
ITEMS = tuple(str(InquiryLine.model_fields[key].title) for key in ITEM_FIELDS)

FORM = FormDef(
    "NC-SALES-INQUIRY",
    1,
    "客户信息征询表",
    "客户信息征询",
    FORM_CLAUSE,
    InquiryHeader,
    InquiryLine,
    lines_key="lines",
    lines_title="征询明细",
    blank_lines=30,
    landscape=True,
    footer_note="说明：销售主任每位客户填一行，各项填“满意、基本满意、不满意”，未答留空；有“不满意”的须在意见或建议中写明"
    "具体情况，交回后每位不满意的客户开立一份《纠正措施记录》，由经营销售部解释、道歉并改进（NC-3.2.4 A）。",
)


# ============================================================ checks


def _key(room: str) -> str:
    return "".join(room.split()).upper()


def _answers(line: InquiryLine) -> dict[str, str]:
    return {item: value for item, key in zip(ITEMS, ITEM_FIELDS) if (value := getattr(line, key)) is not None}


def _unsatisfied(line: InquiryLine) -> list[str]:
    return [item for item, level in _answers(line).items() if level == UNSATISFIED]


def customers_once(context: Context[InquiryHeader]) -> list[Finding]:
    """Each customer once: a 房号/认购书编号 listed twice would be counted, and followed up, twice."""
    findings: list[Finding] = []
    seen: dict[str, int] = {}
    for line, row, sources in numbered_lines(context.parsed, InquiryLine):
        key = _key(line.room)
        if key in seen:
            message = f"第{row}行的房号/认购书编号“{line.room}”与第{seen[key]}行重复；每位客户只填一行"
            findings.append(error(message, clause=FORM_CLAUSE, field="lines.room", **where(sources.get("room"))))
        else:
            seen[key] = row
    return findings


def answered(context: Context[InquiryHeader]) -> list[Finding]:
    """A line answering no item says nothing about the service: a line filled by mistake or answers forgotten."""
    return [
        error(
            f"第{row}行（{line.customer}）没有任何评价；请按“满意、基本满意、不满意”填写至少一项，或删除此行",
            clause=FORM_CLAUSE,
            field="lines.reception",
            **where(sources.get("reception") or sources.get("customer")),
        )
        for line, row, sources in numbered_lines(context.parsed, InquiryLine)
        if not _answers(line)
    ]


def dissatisfaction_described(context: Context[InquiryHeader]) -> list[Finding]:
    """NC-3.2.4 A: 不合格服务 is followed up in depth; the record opened must say what the customer disliked."""
    return [
        error(
            f"第{row}行（{line.customer}）对{'、'.join(_unsatisfied(line))}填了“不满意”，但意见或建议为空；"
            "请写明客户不满意的具体情况（NC-3.2.4 A：对不合格服务进行深入追踪）",
            clause=CLAUSE,
            field="lines.opinion",
            **where(sources.get("opinion") or sources.get("customer")),
        )
        for line, row, sources in numbered_lines(context.parsed, InquiryLine)
        if _unsatisfied(line) and not (line.opinion or "").strip()
    ]


CHECKS: tuple[Check, ...] = (customers_once, answered, dissatisfaction_described)


# ============================================================ handler


def counts_of(lines: list[InquiryLine]) -> dict[str, dict[str, int]]:
    """Per item, how many customers answered each level (items and levels in the form's order)."""
    return {
        item: {level: sum(_answers(line).get(item) == level for line in lines) for level in SCALE} for item in ITEMS
    }


def _earlier_records(tx: Transaction, project: str, filled_on: date) -> dict[str, str]:
    """The records earlier copies of this inquiry opened, by customer key."""
    opened: dict[str, str] = {}
    for event in tx.events(kind=SALES_INQUIRY):
        p = event.payload
        if p["project"] == project and p["filled_on"] == filled_on.isoformat():
            opened.update({line["key"]: line["record"] for line in p["lines"] if line.get("record")})
    return opened


def record_header(
    ws: Workspace, header: InquiryHeader, line: InquiryLine, row: int, unsatisfied: list[str]
) -> nc.NcHeader:
    """The 《纠正措施记录》 a 不满意 line opens: NC-3.1.5, routed to 经营销售部 (NC-3.2.4), its correction an
    explanation and apology and its corrective action the 置业顾问's retraining (NC-3.2.4 A)."""
    counted = ws.calendar.due_within_workdays_of_day(header.filled_on, ACTION_WORKDAYS, "客户信息征询")
    return nc.NcHeader(
        category=nc.SALES,
        source=SOURCE,
        project=header.project,
        found_on=header.filled_on,
        defect="销售服务不满意",
        description=(
            f"《{FORM.title}》第{row}行：客户{line.customer}（{line.room}，置业顾问{line.consultant}）对"
            f"{'、'.join(unsatisfied)}不满意：{(line.opinion or '').strip()}"
        ),
        severity=nc.GENERAL,
        correction="解释道歉",
        correction_note=f"由销售主任{header.supervisor}深入追踪，通过解释、道歉等方式消除客户的抱怨",
        action=f"对置业顾问{line.consultant}进行教育、加强培训，回访客户确认抱怨已消除",
        due=counted.due,
    )


def handle_inquiry(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    """Record the inquiry; open a 《纠正措施记录》 for every customer answering 不满意 (once)."""
    header = header_of(parsed, InquiryHeader)
    findings = run_checks(CHECKS, Context(tx, ws, parsed, header, submission.today))
    if has_errors(findings):
        return Decision(findings=findings)
    lines = numbered_lines(parsed, InquiryLine)
    earlier = _earlier_records(tx, header.project, header.filled_on)
    documents: list[Document] = []
    recorded: list[dict] = []
    for line, row, sources in lines:
        unsatisfied = _unsatisfied(line)
        key = _key(line.room)
        entry = {
            "row": row,
            "key": key,
            "customer": line.customer,
            "room": line.room,
            "consultant": line.consultant,
            "answers": _answers(line),
            "unsatisfied": unsatisfied,
            "record": None,
        }
        if unsatisfied and key in earlier:
            entry["record"] = earlier[key]
            findings.append(
                warning(
                    f"第{row}行 {line.customer}（{line.room}）的不满意已开立{earlier[key]}，本次不再重复开立",
                    clause=CLAUSE,
                    field="lines.opinion",
                    **where(sources.get("customer")),
                )
            )
        elif unsatisfied:
            record = record_header(ws, header, line, row, unsatisfied)
            try:
                number, opened = nc.open_record(
                    tx, ws, record, submission, {"form": FORM.title, "file": submission.name, "row": row}
                )
            except NumbersExhausted as exhausted:
                message = (
                    f"第{row}行应开立纠正措施记录，但{exhausted.year} 年的编号已经用完（编号格式“{exhausted.pattern}”），"
                    "本文件未登记。请系统管理员在 docgen.toml 的 [numbering] 中把 nonconformity 改为 "
                    f'"{exhausted.widened}"，再放入同一文件'
                )
                return Decision([error(message, clause=nc.CLAUSE, field="settings.numbering.nonconformity")])
            entry["record"] = number
            documents += opened
            assert record.due is not None
            findings.append(
                warning(
                    f"第{row}行 {line.customer}（{line.room}）对{'、'.join(unsatisfied)}不满意：已开立纠正措施记录"
                    f"{number}（{nc.CATEGORY_CLAUSES[nc.SALES]}），由经营销售部于{chinese_date(record.due)}前"
                    "解释、道歉并采取纠正措施",
                    clause=CLAUSE,
                    field="lines.opinion",
                    **where(sources.get("customer")),
                )
            )
        recorded.append(entry)
    counts = counts_of([line for line, _, _ in lines])
    tx.append(
        SALES_INQUIRY,
        checked(
            SALES_INQUIRY,
            {
                "project": header.project,
                "filled_on": header.filled_on.isoformat(),
                "supervisor": header.supervisor,
                "customers": len(lines),
                "items": list(ITEMS),
                "counts": counts,
                "lines": recorded,
                "clause": FORM_CLAUSE,
                "file": submission.name,
            },
        ),
        claim=submission.claim,
        sha256=submission.sha256,
    )
    return Decision(findings, [], documents)


# Its event is on no case: nothing for the dossier.

STEP = FormStep(FORM, CHECKS, handle_inquiry, {}, "sales_inquiry")
