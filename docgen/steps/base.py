"""What every step shares (docs/design.md §6): the types a handler returns, the check signature, the
``Step`` protocol, and the helpers that read a case's history and place a finding on its cell.

A leaf of ``docgen.steps``: it imports no step, so every step module can build on it.

A handler appends its events inside the caller's transaction and returns the documents to write.
Documents are described as data (``Document``) and stored with the submission, so a crash after the
commit is mended by rendering the same descriptions again: the ledger says exactly what was written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sized
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel

from docgen.atomic import safe_part
from docgen.events import CASE_CLOSED, CASE_SURVEYED, CASE_VIOLATION, CASE_WORK_ORDERED
from docgen.findings import Finding, error, has_errors, warning
from docgen.forms.base import FormDef, ParsedForm, Raw
from docgen.ledger import SETTINGS_FIELD, Event, NumbersExhausted, Transaction
from docgen.payloads import checked
from docgen.steps.facts import Facts
from docgen.wording import PROVISIONAL_MARK, address, chinese_date
from docgen.wording import money as money  # re-exported for the steps
from docgen.wording import received_text as received_text
from docgen.workspace import Workspace

# The 维修单位 choice of a repair the contractor makes itself, through 工程材料部 (CS-3.4.6).
CONTRACTOR = "施工单位（经工程材料部）"


@dataclass(frozen=True)
class Document:
    path: str  # relative to the workspace root
    kind: str  # form | docx | annotated | copy | text
    spec: dict  # everything the renderer needs, JSON-able

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Decision:
    findings: list[Finding] = field(default_factory=list)
    case_ids: list[str] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)


@dataclass(frozen=True)
class Submission:
    """What the handlers know of the file being processed."""

    claim: str
    sha256: str
    name: str
    today: date
    archived: str | None = None  # the original in archive/, relative to the workspace

    @property
    def stem(self) -> str:
        return safe_part(self.name.rsplit(".", 1)[0], 100)

    @property
    def short(self) -> str:
        return self.sha256[:8]


Handler = Callable[[Transaction, Workspace, ParsedForm, Submission], Decision]

M = TypeVar("M", bound=BaseModel)


def header_of(parsed: ParsedForm, model: type[M]) -> M:
    """The header of ``parsed`` as its form's model. ``STEPS`` hands each step only its own form, so a
    mismatch is a bug in docgen, not something a clerk wrote."""
    header = parsed.header
    if not isinstance(header, model):
        raise TypeError(f"{parsed.form.form_id}: header is {type(header).__name__}, not {model.__name__}")
    return header


def lines_of(parsed: ParsedForm, model: type[M]) -> list[M]:
    """The lines of ``parsed`` as its form's line model (see ``header_of``)."""
    lines = [line for line in parsed.lines if isinstance(line, model)]
    if len(lines) != len(parsed.lines):
        raise TypeError(f"{parsed.form.form_id}: a line is not {model.__name__}")
    return lines


def numbered_lines(parsed: ParsedForm, model: type[M]) -> list[tuple[M, int, dict[str, Raw]]]:
    """The lines of ``parsed`` as its form's line model (see ``lines_of``), each with its row number and the
    sources of its cells: the shape of ``rows_of``."""
    return list(zip(lines_of(parsed, model), parsed.line_rows, parsed.line_sources))


def rows_of(parsed: ParsedForm, key: str, model: type[M]) -> list[tuple[M, int, dict[str, Raw]]]:
    """The rows of the further table ``key`` of ``parsed`` as its model (see ``header_of``)."""
    rows = [(row, number, sources) for row, number, sources in parsed.tables.get(key, []) if isinstance(row, model)]
    if len(rows) != len(parsed.tables.get(key, [])):
        raise TypeError(f"{parsed.form.form_id}: a row of {key} is not {model.__name__}")
    return rows


# ============================================================ checks


H = TypeVar("H", bound=BaseModel)


@dataclass(frozen=True)
class Context(Generic[H]):
    """What a check sees: the validated form and its header as the form's model, the workspace (settings,
    calendar), the day, the ledger as it stands (``tx``, read only) and the facts the handler looked up for
    it (a due date, an order class)."""

    tx: Transaction
    ws: Workspace
    parsed: ParsedForm
    header: H
    today: date
    facts: Mapping[str, Any] = field(default_factory=dict)

    @property
    def sources(self) -> dict[str, Raw]:
        return self.parsed.header_sources


# A check: facts in, findings out, each finding citing its clause. It never raises for something a clerk
# can fix and never writes to the ledger.
Check = Callable[[Context[Any]], list[Finding]]


def once_valid(check: Check) -> Check:
    """Mark a check that runs only when the checks before it found no error (a deadline is counted on a
    form whose sign-offs and dates hold)."""
    check.once_valid = True  # type: ignore[attr-defined]
    return check


def run_checks(checks: tuple[Check, ...], context: Context[Any]) -> list[Finding]:
    """Run a step's checks in order; a check marked ``once_valid`` is skipped once an error is found."""
    findings: list[Finding] = []
    for check in checks:
        if getattr(check, "once_valid", False) and has_errors(findings):
            continue
        findings += check(context)
    return findings


def table_filled(rows: Sized, table: str, message: str, clause: str, field: str) -> list[Finding]:
    """A form's table ``table`` has one row at least (``rows``, those that count); otherwise an error on the
    table, ``message`` saying what to fill in."""
    if rows:
        return []
    return [error(message, clause=clause, field=field, location=f"{table}表格")]


def repeated_households(entries: Iterable[tuple[str, int, Raw | None]], clause: str) -> list[Finding]:
    """Each household once, whatever the list (a 《入住情况表》, a survey's): of (household key, row, its 房号 cell),
    an error on each later row naming the earlier one."""
    findings: list[Finding] = []
    seen: dict[str, int] = {}
    for key, row, room in entries:
        if key in seen:
            findings.append(
                error(
                    f"第{row}行的住户 {key} 与第{seen[key]}行重复；每户只填一行",
                    clause=clause,
                    field="lines.room",
                    **where(room),
                )
            )
        else:
            seen[key] = row
    return findings


# ============================================================ the step protocol


class Step(Protocol):
    """One workflow step: the form it reads, its checks, and its handler (registered in ``STEPS``)."""

    @property
    def form(self) -> FormDef: ...

    @property
    def checks(self) -> tuple[Check, ...]: ...

    @property
    def handle(self) -> Handler: ...

    @property
    def facts(self) -> Facts: ...

    @property
    def slug(self) -> str: ...

    def __call__(self, tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision: ...


@dataclass(frozen=True)
class FormStep:
    """The ``Step`` each step module declares as ``STEP``; calling it runs its handler. ``facts`` words the
    events it records for the dossier; ``slug`` names its form's attachment there (ASCII: docs/design.md §9)."""

    form: FormDef
    checks: tuple[Check, ...]
    handle: Handler
    facts: Facts = field(default_factory=dict)
    slug: str = ""
    # Optional: the checks alone (no event, no document) on the rows that parsed of a form refused for bad cells,
    # so that their rule errors come with the type errors in one round (issue 14 D1, ``forms.base.partial_parse``).
    partial: Callable[[Transaction, Workspace, ParsedForm, Submission], list[Finding]] | None = None

    def __call__(self, tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
        return self.handle(tx, ws, parsed, submission)


# ============================================================ wording shared by the documents


def due_text(deadline: dict) -> str:
    text = chinese_date(date.fromisoformat(deadline["due"]))
    return text + PROVISIONAL_MARK if deadline["provisional"] else text


def provisional_note(deadlines: list[dict]) -> str:
    if not any(d["provisional"] for d in deadlines):
        return ""
    return "注：标有“（暂定）”的期限跨入尚未公布节假日安排的年份，暂按法定节假日和周末推算，待官方安排公布后核定。"


def location(case: dict) -> str:
    """项目 + 楼栋 + 房号 of a registered case."""
    return address(case["project"], case.get("building"), case.get("room"))


def where(raw: Raw | None) -> dict:
    """The location of a cell, as a finding's keyword arguments."""
    return {"location": raw.location, "sheet": raw.sheet, "cell": raw.cell} if raw else {}


def at(parsed: ParsedForm, key: str) -> dict:
    """The location of a header field of ``parsed``, as a finding's keyword arguments."""
    return where(parsed.header_sources.get(key))


def field_error(parsed: ParsedForm, key: str, message: str, clause: str) -> Finding:
    """An error citing ``clause`` on the header field ``key`` of ``parsed``, at its cell."""
    return error(message, clause=clause, field=key, **at(parsed, key))


# ============================================================ the case history


def has_event(tx: Transaction, number: str, kind: str) -> bool:
    return tx.has_event(number, kind)


def latest_event(tx: Transaction, number: str, kind: str) -> Event | None:
    return tx.latest_event(number, kind)


def registration(tx: Transaction, number: str) -> dict:
    """What was registered of a case already found to exist (``steps_before``, ``tx.case_exists``)."""
    event = tx.registration(number)
    if event is None:
        raise LookupError(f"{number} is not registered")
    return event.payload


def record(tx: Transaction, kind: str, payload: dict, number: str, submission: Submission) -> Event:
    return tx.append(kind, checked(kind, payload), case_id=number, claim=submission.claim, sha256=submission.sha256)


def record_violations(tx: Transaction, findings: list[Finding], number: str, submission: Submission) -> None:
    """Each breach once on the case, however often the form that shows it is sent again."""
    known = {(e.payload["clause"], e.payload["message"]) for e in tx.events(case_id=number, kind=CASE_VIOLATION)}
    for finding in findings:
        if finding.severity == "violation" and (finding.clause, finding.message) not in known:
            record(
                tx,
                CASE_VIOLATION,
                {"clause": finding.clause, "message": finding.message, "field": finding.field},
                number,
                submission,
            )


def correction_note(tx: Transaction, number: str, kind: str, title: str) -> list[Finding]:
    """The same step sent twice: the new one is recorded as a correction, the old one kept."""
    if has_event(tx, number, kind):
        return [
            warning(
                f"该案件已提交过《{title}》；本次作为更正记录，原记录保留在历史中",
                clause="CS-3.5.1",
                field="case_number",
            )
        ]
    return []


def out_of_order(parsed: ParsedForm, message: str) -> Decision:
    return Decision(findings=[error(message, clause="CS-3.5.1", field="case_number", **at(parsed, "case_number"))])


def steps_before(
    tx: Transaction, parsed: ParsedForm, number: str, order_number: str, needs: tuple[str, str] | None = None
) -> tuple[Event | None, Event | None, Decision | None]:
    """The case's work order and, where the step needs one, the event it follows; or the refusal
    (unknown case, no work order yet, wrong 派工单编号, a step out of order)."""
    if not tx.case_exists(number):
        return (
            None,
            None,
            Decision(
                findings=[
                    error(
                        f"登记编号“{number}”不存在；请核对编号",
                        clause="CS-3.4.3",
                        field="case_number",
                        **at(parsed, "case_number"),
                    )
                ]
            ),
        )
    if has_event(tx, number, CASE_CLOSED):
        return (
            None,
            None,
            out_of_order(parsed, f"{number} 已结算办结，不再受理该案件的表单；如确需更正，请报客户服务部经理处理"),
        )
    order = latest_event(tx, number, CASE_WORK_ORDERED)
    if order is None:
        return None, None, out_of_order(parsed, f"{number} 尚未提交《现场勘察会签表》，没有派工单；请先完成现场勘察")
    if order.payload["order_number"] != order_number:
        return (
            None,
            None,
            Decision(
                findings=[
                    error(
                        f"派工单编号“{order_number}”与案件 {number} 的派工单 {order.payload['order_number']} 不符",
                        clause="CS-3.5.1",
                        field="order_number",
                        **at(parsed, "order_number"),
                    )
                ]
            ),
        )
    if needs is None:
        return order, None, None
    kind, missing = needs
    before = latest_event(tx, number, kind)
    if before is None:
        return None, None, out_of_order(parsed, f"{number} {missing}")
    return order, before, None


def numbers_exhausted(exhausted: NumbersExhausted, ws: Workspace, what: str, **where) -> Finding:
    """A year's numbers run out (the width of {seq} used up): a rejection of the file saying which
    setting the administrator widens. Field ``settings.…``: the same file dropped again afterwards is
    processed, not a duplicate."""
    numbering = ws.settings.numbering
    setting = next(
        (key for key in ("complaint", "work_order_a", "work_order_b") if getattr(numbering, key) == exhausted.pattern),
        "complaint",
    )
    return error(
        f"{what}：{exhausted.year} 年的编号已经用完（编号格式“{exhausted.pattern}”最大到 {exhausted.capacity}），"
        f"本文件的内容均未登记。请系统管理员在 docgen.toml 的 [numbering] 中把 {setting} 改为 "
        f'"{exhausted.widened}"（编号将从 {exhausted.next_number} 接着编，已发出的编号照常有效）；'
        "改好后把同一个文件重新放入 intake 文件夹即可，不会被当作重复提交",
        clause="CS-3.4.3",
        field=f"{SETTINGS_FIELD}numbering.{setting}",
        **where,
    )


# ============================================================ the forms that answer a survey


def unknown_case(parsed: ParsedForm, number: str) -> Decision:
    """The refusal of a form whose 登记编号 docgen never issued (CS-3.4.3)."""
    return Decision(
        findings=[
            error(
                f"登记编号“{number}”不存在；请核对编号",
                clause="CS-3.4.3",
                field="case_number",
                **at(parsed, "case_number"),
            )
        ]
    )


def answering_survey(
    tx: Transaction, parsed: ParsedForm, number: str, awaited: str, nothing_awaited: str, clause: str
) -> tuple[Event, Event] | Decision:
    """The case's latest survey and the event of ``awaited`` kind it recorded (an approval request, a
    quote), which the form answers; or the refusal: an unknown case, a closed one, or nothing awaited
    (``nothing_awaited``, citing ``clause``)."""
    if not tx.case_exists(number):
        return unknown_case(parsed, number)
    if has_event(tx, number, CASE_CLOSED):
        return out_of_order(parsed, f"{number} 已办结，不再受理该案件的表单；如确需更正，请报客户服务部经理处理")
    survey, waiting = latest_event(tx, number, CASE_SURVEYED), latest_event(tx, number, awaited)
    if survey is None or waiting is None or waiting.claim != survey.claim:
        # Nothing awaited, or a later survey (a correction) that awaits nothing: the form answers nothing.
        return Decision(
            findings=[error(nothing_awaited, clause=clause, field="case_number", **at(parsed, "case_number"))]
        )
    return survey, waiting


def dated_since_survey(context: Context[Any], key: str, label: str, clause: str) -> list[Finding]:
    """A form's date (header field ``key``, worded ``label``) falls between the survey
    (``context.facts["surveyed_on"]``) and today."""
    day, surveyed_on = getattr(context.header, key), context.facts["surveyed_on"]
    if surveyed_on <= day <= context.today:
        return []
    return [
        error(
            f"{label}{day.isoformat()}应在勘察日期{surveyed_on.isoformat()}与今天（{context.today.isoformat()}）之间",
            clause=clause,
            field=key,
            **at(context.parsed, key),
        )
    ]


@dataclass(frozen=True)
class TrackedItem:
    """How a form names the items it turns into tracked actions (a minutes decision, a major complaint's
    measure), for the findings of ``assigned``."""

    table: str  # 决定事项 / 处理措施
    noun: str  # 决定 / 措施
    owner: str  # the owner column's title: 责任人 / 责任部门/责任人
    owner_meaning: str  # who the item must name: 责任人 / 负责的部门或人员
    field: str  # the findings' field prefix: decisions / measures
    since: str  # the day the due date may not precede: 会议日期 / 拟订日期


def tracked_before(what: str, key: str, unchanged: bool, corrected: str, clause: str, field: str) -> Finding:
    """A tracked item sent again (the same form twice): ``what`` (its row and text) is already tracked as ``key``;
    unchanged, it is not tracked twice; else the new event corrects it (``corrected`` says what)."""
    return warning(f"{what}已登记为{key}，{'未重复登记' if unchanged else corrected}", clause=clause, field=field)


def item_deadline(
    key: str, label: str, due: str, clause: str, basis: str, actor: str | None, provisional: bool = False
) -> dict:
    """The one deadline of a tracked item (``action-<seq>``: a decision of minutes, a measure, a product issue, a
    re-visit), as ``docgen.actions`` reads it; ``due`` an ISO date."""
    return {
        "key": key,
        "label": label,
        "due": due,
        "clause": clause,
        "provisional": provisional,
        "basis": basis,
        "actor": actor,
    }


def assigned(
    item: TrackedItem, row: int, text: str, owner: str | None, due: date | None, since: date, sources, clause: str
) -> list[Finding]:
    """A tracked item names who carries it out and by when; a due date before it was decided is a warning."""
    findings: list[Finding] = []
    if not owner:
        findings.append(
            error(
                f"{item.table}第{row}行“{text}”没有{item.owner}；每项{item.noun}须落实到{item.owner_meaning}",
                clause=clause,
                field=f"{item.field}.owner",
                **where(sources.get("owner")),
            )
        )
    if due is None:
        findings.append(
            error(
                f"{item.table}第{row}行“{text}”没有完成期限；每项{item.noun}须写明完成期限，如 {since.isoformat()}",
                clause=clause,
                field=f"{item.field}.due",
                **where(sources.get("due")),
            )
        )
    elif due < since:
        findings.append(
            warning(
                f"{item.table}第{row}行的完成期限{due.isoformat()}早于{item.since}{since.isoformat()}；请核对",
                clause=clause,
                field=f"{item.field}.due",
                **where(sources.get("due")),
            )
        )
    return findings
