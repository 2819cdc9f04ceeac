"""Given a validated form and the ledger, what is recorded and which documents come next.

A handler appends its events inside the caller's transaction and returns the documents to write.
Documents are described as data (``Document``) and stored with the submission, so a crash after the
commit is mended by rendering the same descriptions again: the ledger says exactly what was written.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Callable

from docgen.atomic import safe_part
from docgen.findings import Finding, error, has_errors, warning
from docgen.forms.base import ParsedForm
from docgen.forms.register import REGISTER, RegisterLine
from docgen.forms.site_survey import SITE_SURVEY, SiteSurvey
from docgen.forms.values import chinese_date
from docgen.ledger import MIN_YEAR, SETTINGS_FIELD, NumberFormat, NumbersExhausted, Transaction, line_fingerprint
from docgen.procedures import rules, survey_rules
from docgen.workspace import Workspace

PROVISIONAL_MARK = "（暂定）"


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


def due_text(deadline: dict) -> str:
    text = chinese_date(date.fromisoformat(deadline["due"]))
    return text + PROVISIONAL_MARK if deadline["provisional"] else text


def provisional_note(deadlines: list[dict]) -> str:
    if not any(d["provisional"] for d in deadlines):
        return ""
    return "注：标有“（暂定）”的期限跨入尚未公布节假日安排的年份，暂按周末推算，待官方安排公布后核定。"


# ============================================================ the register (CS-3.4.3)

def _case_payload(line: RegisterLine, number: str, ws: Workspace, submission: Submission, row: int,
                  deadlines: list[rules.DeadlineRecord], header: dict) -> dict:
    settings = ws.settings
    return {
        "number": number,
        **line.model_dump(mode="json", exclude={"number", "department", "feedback_due"}),
        "received_at": rules.received_at(line).isoformat(),
        "time_known": line.received_time is not None,
        "department": rules.responsible_department(line, settings),
        "office": settings.routing.office_for(line.project),
        "repair": rules.is_repair(line, settings),
        "repair_team": settings.routing.repair_team if rules.is_repair(line, settings) else None,
        "deadlines": [d.as_dict() for d in deadlines],
        "provisional": any(d.provisional for d in deadlines),
        "source": {"file": submission.name, "claim": submission.claim, "row": row,
                   "office": header.get("office"), "clerk": header.get("clerk")},
    }


def _location(case: dict) -> str:
    return "".join(part for part in (case["project"], case.get("building") and f"{case['building']}栋",
                                     case.get("room") and f"{case['room']}室") if part)


def _received_text(case: dict) -> str:
    received = case["received_at"]
    day = chinese_date(date.fromisoformat(received[:10]))
    return f"{day} {received[11:16]}" if case.get("time_known") else day


def survey_document(case: dict, ws: Workspace) -> Document:
    survey = next(d for d in case["deadlines"] if d["key"] == "survey")
    header = {
        "case_number": case["number"], "customer": case["customer"], "phone": case["phone"],
        "address": _location(case), "complaint": case["content"], "registered": _received_text(case),
        "survey_due": f"{due_text(survey)}前（{survey['clause']}）",
    }
    return Document(f"{ws.settings.paths.outbox}/{case['number']}/01-{SITE_SURVEY.title}.xlsx", "form",
                    {"form_id": SITE_SURVEY.form_id, "header": header, "lines": []})


def escalation_document(case: dict, ws: Workspace, today: date) -> Document:
    context = {
        "case": {"number": case["number"], "received_at": _received_text(case), "channel": case["channel"],
                 "customer": case["customer"], "phone": case["phone"], "project": case["project"],
                 "building": case.get("building") or "", "room": case.get("room") or "",
                 "content": case["content"], "category": case["category"], "department": case["department"],
                 "receiver": case["receiver"]},
        "recipients": list(ws.settings.escalation.recipients),
        "issued_on": chinese_date(today),
        "deadlines": [{"label": d["label"], "due": due_text(d), "clause": d["clause"],
                       "provisional": d["provisional"]} for d in case["deadlines"]],
        "provisional_note": provisional_note(case["deadlines"]),
        "clause": "CS-3.4.7",
    }
    return Document(f"{ws.settings.paths.outbox}/{case['number']}/02-重大投诉上报单.docx", "docx",
                    {"template": "escalation_notice.docx", "context": context})


def dispatch_documents(cases: list[dict], submission: Submission, ws: Workspace) -> list[Document]:
    """CS-3.4.3: the register goes to each service office and responsible department; one list each."""
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for case in cases:
        groups[(case["department"], case["office"])].append(case)
    documents = []
    for (department, office), members in sorted(groups.items()):
        rows = [{"number": c["number"], "received_at": _received_text(c), "customer": c["customer"],
                 "location": _location(c), "category": c["category"], "content": c["content"],
                 "feedback_due": due_text(_feedback(c)),
                 "provisional": c["provisional"], "major": c["major"]} for c in members]
        context = {"department": department, "office": office, "issued_on": chinese_date(submission.today),
                   "register_file": submission.name, "rows": rows,
                   "provisional_note": provisional_note([d for c in members for d in c["deadlines"]])}
        name = f"{safe_part(department, 40)}-{safe_part(office, 80)}-转办单-{submission.short}.docx"
        documents.append(Document(f"{ws.settings.paths.outbox}/dispatch/{submission.today.isoformat()}/{name}", "docx",
                                  {"template": "dispatch_list.docx", "context": context}))
    return documents


def _where(raw) -> dict:
    return {"location": raw.location, "sheet": raw.sheet, "cell": raw.cell} if raw else {}


# 受理日期 earlier than this is a typing error (1026 for 2026), never a case number of its year.
EARLIEST_RECEIVED = date(MIN_YEAR, 1, 1)


def check_received_window(line: RegisterLine, where, row: int) -> list[Finding]:
    if line.received_date < EARLIEST_RECEIVED:
        return [error(f"第{row}行“受理日期”{line.received_date.isoformat()}不在合理范围内（应在"
                      f"{EARLIEST_RECEIVED.isoformat()}至今天之间）；请核对年份", clause="CS-3.4.3",
                      field="lines.received_date", **_where(where))]
    return []


def numbers_exhausted(exhausted: NumbersExhausted, ws: Workspace, what: str, **where) -> Finding:
    """A year's numbers run out (the width of {seq} used up): a rejection of the file saying which
    setting the administrator widens. Field ``settings.…``: the same file dropped again afterwards is
    processed, not a duplicate."""
    numbering = ws.settings.numbering
    setting = next((key for key in ("complaint", "work_order_a", "work_order_b")
                    if getattr(numbering, key) == exhausted.pattern), "complaint")
    return error(
        f"{what}：{exhausted.year} 年的编号已经用完（编号格式“{exhausted.pattern}”最大到 {exhausted.capacity}），"
        f"本文件的内容均未登记。请系统管理员在 docgen.toml 的 [numbering] 中把 {setting} 改为 "
        f"\"{exhausted.widened}\"（编号将从 {exhausted.next_number} 接着编，已发出的编号照常有效）；"
        "改好后把同一个文件重新放入 intake 文件夹即可，不会被当作重复提交",
        clause="CS-3.4.3", field=f"{SETTINGS_FIELD}numbering.{setting}", **where)


class _Refused(Exception):
    """Raised out of a savepoint to undo a handler's step, carrying the finding that says why."""

    def __init__(self, finding: Finding):
        super().__init__(finding.message)
        self.finding = finding


def check_issued_numbers(lines: list[RegisterLine], rows: list[int], sources: list[dict],
                         numbering: NumberFormat, registered: Callable[[str], dict | None]) -> list[Finding]:
    """CS-3.4.3: a typed 登记编号 is one docgen gave (an existing case) in the year of its 受理日期. A new
    complaint's number is left blank for docgen to give: a typed one would move the numbering (one typed
    as KF-2026-99999 made the next KF-2026-100000). Wrong formats and clashes are ``rules.check_numbers``."""
    findings = []
    for line, row, source in zip(lines, rows, sources):
        parsed = numbering.parse(line.number) if line.number else None
        if parsed is None or registered(line.number) is not None:
            continue
        year, where = parsed[0], _where(source.get("number"))
        if year is not None and year != line.received_date.year:
            message = (f"第{row}行登记编号“{line.number}”的年份{year}与受理日期{line.received_date.isoformat()}不符，"
                       "且不是本系统发出的编号；新投诉请留空，由系统编号")
        else:
            message = f"第{row}行登记编号“{line.number}”不是本系统发出的编号；新投诉请留空，由系统编号"
        findings.append(error(message, clause="CS-3.4.3", field="lines.number", **where))
    return findings


def handle_register(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    settings = ws.settings
    numbering = NumberFormat(settings.numbering.complaint)
    lines: list[RegisterLine] = parsed.lines  # type: ignore[assignment]
    decision = Decision()
    header = parsed.header.model_dump(mode="json") if parsed.header else {}

    plausible = []  # lines whose 受理日期 can carry a number (the others are errors already)
    for line, row, source in zip(lines, parsed.line_rows, parsed.line_sources):
        window = check_received_window(line, source.get("received_date"), row)
        decision.findings += window or rules.check_received_date(line, submission.today, source.get("received_date"), row)
        decision.findings += rules.routing_findings(line, settings, source.get("department"), row)
        if not window:
            plausible.append((line, row, source))

    def registered(number: str) -> dict | None:
        event = tx.registration(number)
        return event.payload if event else None

    checked = [list(column) for column in zip(*plausible)] or [[], [], []]
    decision.findings += rules.check_numbers(*checked, numbering, registered)
    decision.findings += check_issued_numbers(*checked, numbering, registered)
    if has_errors(decision.findings):
        return decision

    try:
        with tx.savepoint():  # numbers run out on a line: nothing of this file is recorded
            return _register_lines(tx, ws, parsed, submission, numbering, header, decision, registered)
    except _Refused as refused:
        return Decision(findings=[*decision.findings, refused.finding])


def _register_lines(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission,
                    numbering: NumberFormat, header: dict, decision: Decision,
                    registered: Callable[[str], dict | None]) -> Decision:
    settings = ws.settings
    lines: list[RegisterLine] = parsed.lines  # type: ignore[assignment]
    returned_lines, new_cases = [], []
    for line, row, source in zip(lines, parsed.line_rows, parsed.line_sources):
        number, earlier = line.number, None
        if number:
            earlier = registered(number)
        else:
            # The same complaint dropped again without its number (the register saved by another program):
            # a line identical to a registered one is that case, never a second one.
            number = tx.case_by_fingerprint(line_fingerprint(line.received_date.isoformat(), line.customer,
                                                             line.phone, line.content))
            earlier = registered(number) if number else None
            if earlier is not None:
                decision.findings.append(warning(
                    f"第{row}行与已登记的 {number} 是同一投诉（受理日期、客户姓名、联系电话、投诉/来访内容均相同），"
                    f"按 {number} 处理，未重复登记；如确是另一件投诉，请在内容中写明区别",
                    clause="CS-3.4.3", field="lines.number",
                    **_where(source.get("number") or source.get("customer"))))
        if earlier is not None:
            # The same complaint sent again (typically the returned register with progress noted).
            if line.progress and line.progress != _latest_progress(tx, number):
                _record_progress(tx, number, line, row, submission)
            registered_now = any(case["number"] == number for case in new_cases)  # escalated below if major
            if line.major and not registered_now and not _has_event(tx, number, "case.escalated"):
                # Found to be major after registration: reported at once all the same (CS-3.4.7).
                case = {**earlier, "major": True}
                tx.append("case.escalated", {"recipients": list(settings.escalation.recipients),
                                             "clause": "CS-3.4.7", "file": submission.name},
                          case_id=number, claim=submission.claim, sha256=submission.sha256)
                decision.documents.append(escalation_document(case, ws, submission.today))
            decision.findings += rules.unchanged_facts(line, earlier, source, row)
            if number not in decision.case_ids:
                decision.case_ids.append(number)
            returned_lines.append({**line.model_dump(), "number": number, "department": earlier["department"],
                                   "feedback_due": due_text(_feedback(earlier))})
            continue
        try:
            number = tx.next_number(numbering, line.received_date.year)
        except NumbersExhausted as exhausted:
            raise _Refused(numbers_exhausted(exhausted, ws, f"第{row}行是新投诉，无法编号",
                                             **_where(source.get("number") or source.get("received_date")))) from exhausted
        deadlines = rules.deadlines(line, settings, ws.calendar)
        case = _case_payload(line, number, ws, submission, row, deadlines, header)
        tx.append("case.registered", case, case_id=number, claim=submission.claim, sha256=submission.sha256)
        if line.progress:
            _record_progress(tx, number, line, row, submission)
        new_cases.append(case)
        decision.case_ids.append(number)
        returned_lines.append({**line.model_dump(), "number": number, "department": case["department"],
                               "feedback_due": due_text(_feedback(case))})

    for case in new_cases:
        if case["repair"]:
            decision.documents.append(survey_document(case, ws))
        if case["major"]:
            # CS-3.4.7: a major complaint is reported at once to the general manager and deputy GM.
            tx.append("case.escalated", {"recipients": list(settings.escalation.recipients), "clause": "CS-3.4.7"},
                      case_id=case["number"], claim=submission.claim, sha256=submission.sha256)
            decision.documents.append(escalation_document(case, ws, submission.today))
    decision.documents += dispatch_documents(new_cases, submission, ws)
    decision.documents.append(Document(
        f"{ws.settings.paths.outbox}/registers/{submission.today.isoformat()}/{submission.stem}-已编号-{submission.short}.xlsx",
        "form", {"form_id": REGISTER.form_id, "header": header, "lines": returned_lines}))
    return decision


def _has_event(tx: Transaction, number: str, kind: str) -> bool:
    return tx.connection.execute("SELECT 1 FROM events WHERE case_id = ? AND kind = ? LIMIT 1",
                                 (number, kind)).fetchone() is not None


def _feedback(case: dict) -> dict:
    return next(d for d in case["deadlines"] if d["key"] == "feedback")


def _record_progress(tx: Transaction, number: str, line: RegisterLine, row: int, submission: Submission) -> None:
    """CS-3.4.4: what is not yet settled stays on the register with its progress noted."""
    tx.append("case.progress", {"progress": line.progress, "row": row, "file": submission.name},
              case_id=number, claim=submission.claim, sha256=submission.sha256)


def _latest_progress(tx: Transaction, number: str) -> str | None:
    row = tx.connection.execute(
        "SELECT payload FROM events WHERE case_id = ? AND kind = 'case.progress' ORDER BY seq DESC LIMIT 1",
        (number,)).fetchone()
    return None if row is None else json.loads(row["payload"]).get("progress")


# ============================================================ the site survey (CS-3.4.5)

def handle_site_survey(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    """Recorded against its case; the sign-off and deadline rules of CS-3.4.5 build on this."""
    survey: SiteSurvey = parsed.header  # type: ignore[assignment]
    decision = Decision()
    if not tx.case_exists(survey.case_number):
        source = parsed.header_sources.get("case_number")
        decision.findings.append(error(
            f"登记编号“{survey.case_number}”不存在；请核对编号（应与《来电、来访登记表》的统一编号一致）",
            clause="CS-3.4.3", field="case_number",
            **({"location": source.location, "sheet": source.sheet, "cell": source.cell} if source else {})))
        return decision
    sources = parsed.header_sources
    registered = tx.registration(survey.case_number).payload
    where = {"location": sources["case_number"].location, "sheet": sources["case_number"].sheet,
             "cell": sources["case_number"].cell} if "case_number" in sources else {}
    if not registered.get("repair"):
        decision.findings.append(error(f"{survey.case_number} 是“{registered.get('category')}”类投诉，不是维修工程，"
                                       "不需要《现场勘察会签表》；请核对登记编号", clause="CS-3.4.5",
                                       field="case_number", **where))
        return decision
    if _has_event(tx, survey.case_number, "case.closed"):
        decision.findings.append(error(f"{survey.case_number} 已结算办结；如需更正，请联系客户服务部",
                                       clause="CS-3.4.5", field="case_number", **where))
        return decision
    received = date.fromisoformat(registered["received_at"][:10])
    if not received <= survey.survey_date <= submission.today:
        survey_at = sources.get("survey_date")
        decision.findings.append(error(
            f"勘察日期{survey.survey_date.isoformat()}应在受理日期{received.isoformat()}与今天"
            f"（{submission.today.isoformat()}）之间", clause="CS-3.4.5", field="survey_date",
            **({"location": survey_at.location, "sheet": survey_at.sheet, "cell": survey_at.cell} if survey_at else {})))
        return decision
    decision.findings += survey_rules.check_signatures(survey, sources)
    decision.findings += survey_rules.check_contractor_named(survey, sources)
    decision.findings += survey_rules.check_complex_work(survey, sources)
    if has_errors(decision.findings):
        return decision
    due = next((d for d in registered.get("deadlines", []) if d["key"] == "survey"), None)
    if due is not None:
        decision.findings += survey_rules.check_survey_on_time(survey, date.fromisoformat(due["due"]),
                                                               ws.calendar, sources)
    if _has_event(tx, survey.case_number, "case.surveyed"):
        decision.findings.append(warning("该案件已提交过《现场勘察会签表》；本次作为更正记录，原记录保留在历史中",
                                         clause="CS-3.4.5", field="case_number"))
    try:
        with tx.savepoint():  # the work order's numbers run out: the survey is not recorded either
            tx.append("case.surveyed", survey.model_dump(mode="json"), case_id=survey.case_number,
                      claim=submission.claim, sha256=submission.sha256)
            decision.documents += after_survey(tx, ws, survey, registered, submission)
    except NumbersExhausted as exhausted:
        decision.findings.append(numbers_exhausted(exhausted, ws, "派工单无法编号", location="整个文件"))
        return Decision(findings=decision.findings)
    record_violations(tx, decision.findings, survey.case_number, submission)
    decision.case_ids.append(survey.case_number)
    return decision


# The repair chain builds on the types above, so it is imported after them.
from docgen.repair_chain import REPAIR_HANDLERS, after_survey, record_violations  # noqa: E402

HANDLERS: dict[str, Callable[[Transaction, Workspace, ParsedForm, Submission], Decision]] = {
    REGISTER.form_id: handle_register,
    SITE_SURVEY.form_id: handle_site_survey,
    **REPAIR_HANDLERS,
    "CS-MINUTES": lambda tx, ws, parsed, submission: _minutes_handler()(tx, ws, parsed, submission),
}


def _minutes_handler():
    # docgen.minutes builds on this module, so it is looked up when a minutes document arrives.
    from docgen.minutes import handle_minutes

    return handle_minutes
