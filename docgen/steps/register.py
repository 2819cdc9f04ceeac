"""The register 《来电、来访登记表》 (CS-3.4.3): each new line becomes a numbered case with its deadlines;
a line already registered records progress (CS-3.4.4) or a late escalation (CS-3.4.7).

Emits 01 《现场勘察会签表》 for a repair, 02 重大投诉上报单 and the pre-filled 《重大投诉处理措施单》 for a major
complaint (``steps/escalation.py``), a 转办单 per (责任部门, 服务处) and per 协办部门 (法律事务中心, CS-2.1.3),
and the register returned with its numbers. The responsible department's designated handler (承办人,
CS-3.4.2.1) and a 协办部门 named on a returned register are recorded on the case. A new 设计 or 施工质量 complaint
after handover, or a 销售服务 one, opens a linked 《纠正措施记录》 (``steps.nonconformity.open_from_complaint``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date

from docgen.atomic import safe_part
from docgen.cases import latest_named
from docgen.events import CASE_ASSISTING, CASE_CLOSED, CASE_ESCALATED, CASE_HANDLER, CASE_PROGRESS, CASE_REGISTERED
from docgen.findings import Finding, error, has_errors, warning
from docgen.forms.base import ParsedForm, Raw
from docgen.forms.register import NOT_AGREED, REGISTER, RegisterHeader, RegisterLine
from docgen.forms.site_survey import SITE_SURVEY
from docgen.ledger import MIN_YEAR, Event, NumberFormat, NumbersExhausted, Transaction, line_fingerprint
from docgen.payloads import RegisteredPayload, checked
from docgen.procedures import rules
from docgen.steps import facts, nonconformity
from docgen.steps.base import (
    Check,
    Context,
    Decision,
    Document,
    FormStep,
    Submission,
    due_text,
    has_event,
    header_of,
    lines_of,
    location,
    numbers_exhausted,
    provisional_note,
    received_text,
    run_checks,
)
from docgen.steps.base import where as _where
from docgen.steps.escalation import measures_deadline, measures_form
from docgen.wording import chinese_date, day_of
from docgen.workspace import Workspace


def case_payload(
    line: RegisterLine,
    number: str,
    ws: Workspace,
    submission: Submission,
    row: int,
    deadlines: list[rules.DeadlineRecord],
    header: dict,
    lag: rules.RegistrationLag,
) -> dict:
    settings = ws.settings
    return {
        "number": number,
        **line.model_dump(mode="json", exclude={"number", "department", "feedback_due", *CLOSING_FIELDS}),
        "received_at": rules.received_at(line).isoformat(),
        "time_known": line.received_time is not None,
        "department": rules.responsible_department(line, settings),
        "office": settings.routing.office_for(line.project),
        "repair": rules.is_repair(line, settings),
        "repair_team": settings.routing.repair_team if rules.is_repair(line, settings) else None,
        "deadlines": [d.as_dict() for d in deadlines],
        "provisional": any(d.provisional for d in deadlines),
        "registered_on": lag.registered_on.isoformat(),
        "registration_lag_workdays": lag.workdays,
        "registration_late": lag.late,
        "source": {
            "file": submission.name,
            "claim": submission.claim,
            "row": row,
            "office": header.get("office"),
            "clerk": header.get("clerk"),
        },
    }


# Form version 2: the closing of a complaint other than a repair, recorded as ``case.closed`` (CS-3.4.4).
CLOSING_FIELDS = ("result", "closed_date", "opinion")


def survey_document(case: dict, ws: Workspace) -> Document:
    survey = next(d for d in case["deadlines"] if d["key"] == "survey")
    header = {
        "case_number": case["number"],
        "customer": case["customer"],
        "phone": case["phone"],
        "address": location(case),
        "complaint": case["content"],
        "registered": received_text(case),
        "survey_due": f"{due_text(survey)}前（{survey['clause']}）",
    }
    return Document(
        f"{ws.settings.paths.outbox}/{case['number']}/01-{SITE_SURVEY.title}.xlsx",
        "form",
        {"form_id": SITE_SURVEY.form_id, "header": header, "lines": []},
    )


def escalation_document(case: dict, ws: Workspace, today: date, measures: dict | None = None) -> Document:
    """02 重大投诉上报单 (CS-3.4.7); ``measures``, the deadline of the general manager's measures, heads its
    处理期限."""
    context = {
        "case": {
            "number": case["number"],
            "received_at": received_text(case),
            "channel": case["channel"],
            "customer": case["customer"],
            "phone": case["phone"],
            "project": case["project"],
            "building": case.get("building") or "",
            "room": case.get("room") or "",
            "content": case["content"],
            "category": case["category"],
            "department": case["department"],
            "receiver": case["receiver"],
        },
        "recipients": list(ws.settings.escalation.recipients),
        "issued_on": chinese_date(today),
        "deadlines": [
            {"label": d["label"], "due": due_text(d), "clause": d["clause"], "provisional": d["provisional"]}
            for d in [*([measures] if measures else []), *case["deadlines"]]
        ],
        "provisional_note": provisional_note([*([measures] if measures else []), *case["deadlines"]]),
        "clause": "CS-3.4.7",
    }
    return Document(
        f"{ws.settings.paths.outbox}/{case['number']}/02-重大投诉上报单.docx",
        "docx",
        {"template": "escalation_notice.docx", "context": context},
    )


def assisting_title(department: str) -> str:
    """How a 转办单 names a department that assists rather than answers for the complaint (CS-2.1.3)."""
    return f"{department}（协办）"


def dispatch_documents(
    cases: list[dict], submission: Submission, ws: Workspace, assisting: list[dict] | None = None
) -> list[Document]:
    """CS-3.4.3: the register goes to each service office and responsible department; one list each. A
    department named to assist (协办部门, e.g. 法律事务中心, CS-2.1.3) gets its own list, for the new cases
    naming it and for the registered ones (``assisting``) it was named on later."""
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for case in cases:
        groups[(case["department"], case["office"])].append(case)
    for case in [*cases, *(assisting or [])]:
        if case.get("assisting") and case["assisting"] != case["department"]:
            groups[(assisting_title(case["assisting"]), case["office"])].append(case)
    documents = []
    for (department, office), members in sorted(groups.items()):
        rows = [
            {
                "number": c["number"],
                "received_at": received_text(c),
                "customer": c["customer"],
                "location": location(c),
                "category": c["category"],
                "content": c["content"],
                "feedback_due": due_text(_feedback(c)),
                "provisional": c["provisional"],
                "major": c["major"],
            }
            for c in members
        ]
        context = {
            "department": department,
            "office": office,
            "issued_on": chinese_date(submission.today),
            "register_file": submission.name,
            "rows": rows,
            "provisional_note": provisional_note([d for c in members for d in c["deadlines"]]),
        }
        name = f"{safe_part(department, 40)}-{safe_part(office, 80)}-转办单-{submission.short}.docx"
        documents.append(
            Document(
                f"{ws.settings.paths.outbox}/dispatch/{submission.today.isoformat()}/{name}",
                "docx",
                {"template": "dispatch_list.docx", "context": context},
            )
        )
    return documents


# 受理日期 earlier than this is a typing error (1026 for 2026), never a case number of its year.
EARLIEST_RECEIVED = date(MIN_YEAR, 1, 1)


def check_received_window(line: RegisterLine, where, row: int) -> list[Finding]:
    if line.received_date < EARLIEST_RECEIVED:
        return [
            error(
                f"第{row}行“受理日期”{line.received_date.isoformat()}不在合理范围内（应在"
                f"{EARLIEST_RECEIVED.isoformat()}至今天之间）；请核对年份",
                clause="CS-3.4.3",
                field="lines.received_date",
                **_where(where),
            )
        ]
    return []


class _Refused(Exception):
    """Raised out of a savepoint to undo a handler's step, carrying the finding that says why."""

    def __init__(self, finding: Finding):
        super().__init__(finding.message)
        self.finding = finding


def check_issued_numbers(
    lines: list[RegisterLine],
    rows: list[int],
    sources: list[dict],
    numbering: NumberFormat,
    registered: Callable[[str], dict | None],
) -> list[Finding]:
    """CS-3.4.3: a typed 登记编号 is one docgen gave (an existing case) in the year of its 受理日期. A new
    complaint's number is left blank for docgen to give: a typed one would move the numbering (one typed
    as KF-2026-99999 made the next KF-2026-100000). Wrong formats and clashes are ``rules.check_numbers``."""
    findings = []
    for line, row, source in zip(lines, rows, sources):
        if not line.number:
            continue
        parsed = numbering.parse(line.number)
        if parsed is None or registered(line.number) is not None:
            continue
        year, where = parsed[0], _where(source.get("number"))
        if year is not None and year != line.received_date.year:
            message = (
                f"第{row}行登记编号“{line.number}”的年份{year}与受理日期{line.received_date.isoformat()}不符，"
                "且不是本系统发出的编号；新投诉请留空，由系统编号"
            )
        else:
            message = f"第{row}行登记编号“{line.number}”不是本系统发出的编号；新投诉请留空，由系统编号"
        findings.append(error(message, clause="CS-3.4.3", field="lines.number", **where))
    return findings


def handle_register(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    numbering = NumberFormat(ws.settings.numbering.complaint)
    decision = Decision()
    register = header_of(parsed, RegisterHeader)
    header = register.model_dump(mode="json")

    def registered(number: str) -> dict | None:
        event = tx.registration(number)
        return event.payload if event else None

    context = Context(tx, ws, parsed, register, submission.today, {"numbering": numbering, "registered": registered})
    decision.findings += run_checks(CHECKS, context)
    if has_errors(decision.findings):
        return decision

    try:
        with tx.savepoint():  # numbers run out on a line: nothing of this file is recorded
            return _register_lines(tx, ws, parsed, submission, numbering, header, decision, registered)
    except _Refused as refused:
        return Decision(findings=[*decision.findings, refused.finding])


def _register_lines(
    tx: Transaction,
    ws: Workspace,
    parsed: ParsedForm,
    submission: Submission,
    numbering: NumberFormat,
    header: dict,
    decision: Decision,
    registered: Callable[[str], dict | None],
) -> Decision:
    settings = ws.settings
    lines = lines_of(parsed, RegisterLine)
    returned_lines: list[dict] = []
    new_cases: list[dict] = []
    later_assisting: list[dict] = []  # registered cases a returned register names a 协办部门 for
    for line, row, source in zip(lines, parsed.line_rows, parsed.line_sources):
        number, earlier = line.number, None
        if number:
            earlier = registered(number)
        else:
            # The same complaint dropped again without its number (the register saved by another program):
            # a line identical to a registered one is that case, never a second one.
            number = tx.case_by_fingerprint(
                line_fingerprint(line.received_date.isoformat(), line.customer, line.phone, line.content)
            )
            earlier = registered(number) if number else None
            if earlier is not None:
                decision.findings.append(
                    warning(
                        f"第{row}行与已登记的 {number} 是同一投诉（受理日期、客户姓名、联系电话、投诉/来访内容均相同），"
                        f"按 {number} 处理，未重复登记；如确是另一件投诉，请在内容中写明区别",
                        clause="CS-3.4.3",
                        field="lines.number",
                        **_where(source.get("number") or source.get("customer")),
                    )
                )
        if earlier is not None:
            assert number is not None  # found by its number or its fingerprint
            # The same complaint sent again (typically the returned register with progress noted).
            if line.progress and line.progress != _latest_progress(tx, number):
                _record_progress(tx, number, line, row, submission)
            registered_now = any(case["number"] == number for case in new_cases)  # escalated below if major
            if line.major and not registered_now and not has_event(tx, number, CASE_ESCALATED):
                # Found to be major after registration: reported at once all the same (CS-3.4.7).
                case = {**earlier, "major": True}
                decision.documents += _escalate(tx, ws, case, submission, file=submission.name)
            decision.findings += rules.unchanged_facts(line, earlier, source, row)
            _record_handler(tx, number, earlier, line, row, submission)
            if _record_assisting(tx, number, earlier, line, row, submission):
                later_assisting.append({**earlier, "assisting": line.assisting})
            if line.closed_date is not None:
                decision.documents += _record_closing(tx, ws, number, line, row, source, submission, decision)
            if number not in decision.case_ids:
                decision.case_ids.append(number)
            returned_lines.append(
                {
                    **line.model_dump(),
                    "number": number,
                    "department": earlier["department"],
                    "feedback_due": due_text(_feedback(earlier)),
                }
            )
            continue
        try:
            number = tx.next_number(numbering, line.received_date.year)
        except NumbersExhausted as exhausted:
            raise _Refused(
                numbers_exhausted(
                    exhausted,
                    ws,
                    f"第{row}行是新投诉，无法编号",
                    **_where(source.get("number") or source.get("received_date")),
                )
            ) from exhausted
        deadlines = rules.deadlines(line, settings, ws.calendar, dispatched=submission.today)
        lag = rules.registration_lag(line, settings, ws.calendar, submission.today)
        decision.findings += rules.check_registration_lag(lag, line, source.get("received_date"), row)
        case = case_payload(line, number, ws, submission, row, deadlines, header, lag)
        tx.append(
            CASE_REGISTERED,
            checked(CASE_REGISTERED, case),
            case_id=number,
            claim=submission.claim,
            sha256=submission.sha256,
        )
        if line.progress:
            _record_progress(tx, number, line, row, submission)
        if line.closed_date is not None:  # settled at once (e.g. answered on the telephone)
            decision.documents += _record_closing(tx, ws, number, line, row, source, submission, decision)
        new_cases.append(case)
        decision.case_ids.append(number)
        returned_lines.append(
            {
                **line.model_dump(),
                "number": number,
                "department": case["department"],
                "feedback_due": due_text(_feedback(case)),
            }
        )

    for case in new_cases:
        try:
            # NC-3.1.5/3.1.6: a design or construction complaint after handover, or a sales-service one, opens a
            # linked 《纠正措施记录》 sent to its department.
            opened = nonconformity.open_from_complaint(tx, ws, case, submission, decision.findings)
        except NumbersExhausted as exhausted:
            message = (
                f"{case['number']}应同时登记不合格品记录，但{exhausted.year} 年的纠正措施记录编号已经用完"
                f"（编号格式“{exhausted.pattern}”），本文件的内容均未登记。请系统管理员在 docgen.toml 的 [numbering] "
                f'中把 nonconformity 改为 "{exhausted.widened}"，再放入同一文件'
            )
            raise _Refused(error(message, clause="NC-5.1", field="settings.numbering.nonconformity")) from exhausted
        if opened is not None:
            decision.documents += opened[1]
        if case["repair"]:
            decision.documents.append(survey_document(case, ws))
        if case["major"]:
            # CS-3.4.7: a major complaint is reported at once to the general manager and deputy GM.
            decision.documents += _escalate(tx, ws, case, submission)
    decision.documents += dispatch_documents(new_cases, submission, ws, later_assisting)
    decision.documents.append(
        Document(
            f"{ws.settings.paths.outbox}/registers/{submission.today.isoformat()}/{submission.stem}-已编号-{submission.short}.xlsx",
            "form",
            {"form_id": REGISTER.form_id, "header": header, "lines": returned_lines},
        )
    )
    return decision


def _escalate(tx: Transaction, ws: Workspace, case: dict, submission: Submission, **extra) -> list[Document]:
    """CS-3.4.7: report a major complaint to the general manager and deputy GM (02 上报单) and ask for their
    measures (《重大投诉处理措施单》, deadline ``measures``, CS-2.1.2). Returns the two documents."""
    received = RegisteredPayload.model_validate(case).received
    deadline = measures_deadline(ws, received, submission.today)
    payload = {
        "recipients": list(ws.settings.escalation.recipients),
        "clause": "CS-3.4.7",
        **extra,
        "deadlines": [deadline],
    }
    tx.append(
        CASE_ESCALATED,
        checked(CASE_ESCALATED, payload),
        case_id=case["number"],
        claim=submission.claim,
        sha256=submission.sha256,
    )
    return [
        escalation_document(case, ws, submission.today, deadline),
        measures_form(case, deadline, ws, submission.today),
    ]


def _record_handler(
    tx: Transaction, number: str, earlier: dict, line: RegisterLine, row: int, submission: Submission
) -> None:
    """CS-3.4.2.1: the handler the responsible department designated, written on the returned register; a
    different name later is recorded too (the latest holds)."""
    current = latest_named(tx.events(case_id=number, kind=CASE_HANDLER), CASE_HANDLER, "handler")
    if not line.handler or line.handler == (current or earlier.get("handler")):
        return
    tx.append(
        CASE_HANDLER,
        checked(
            CASE_HANDLER,
            {
                "handler": line.handler,
                "department": earlier["department"],
                "clause": "CS-3.4.2.1",
                "row": row,
                "file": submission.name,
            },
        ),
        case_id=number,
        claim=submission.claim,
        sha256=submission.sha256,
    )


def _record_assisting(
    tx: Transaction, number: str, earlier: dict, line: RegisterLine, row: int, submission: Submission
) -> bool:
    """CS-2.1.3: a 协办部门 named on a returned register after registration; True when it is new (it then gets
    its 转办单)."""
    current = latest_named(tx.events(case_id=number, kind=CASE_ASSISTING), CASE_ASSISTING, "assisting")
    if not line.assisting or line.assisting == (current or earlier.get("assisting")):
        return False
    tx.append(
        CASE_ASSISTING,
        checked(
            CASE_ASSISTING, {"assisting": line.assisting, "clause": "CS-2.1.3", "row": row, "file": submission.name}
        ),
        case_id=number,
        claim=submission.claim,
        sha256=submission.sha256,
    )
    return line.assisting != earlier["department"]


def _feedback(case: dict) -> dict:
    return next(d for d in case["deadlines"] if d["key"] == "feedback")


def _record_progress(tx: Transaction, number: str, line: RegisterLine, row: int, submission: Submission) -> None:
    """CS-3.4.4: what is not yet settled stays on the register with its progress noted."""
    tx.append(
        CASE_PROGRESS,
        checked(CASE_PROGRESS, {"progress": line.progress, "row": row, "file": submission.name}),
        case_id=number,
        claim=submission.claim,
        sha256=submission.sha256,
    )


def _record_closing(
    tx: Transaction,
    ws: Workspace,
    number: str,
    line: RegisterLine,
    row: int,
    source: dict[str, Raw],
    submission: Submission,
    decision: Decision,
) -> list[Document]:
    """CS-3.4.4, CS-3.4.5: a complaint other than a repair closes on the register with its 办结日期 and
    处理结果; 客户意见 不满意 closes it as not agreed by the customer (客户未认可). The same closing sent again
    records nothing; a different one is recorded as a correction (the latest holds, both stay in the history).
    Returns the case dossier to write."""
    assert line.closed_date is not None
    agreed = None if not line.opinion else line.opinion != NOT_AGREED
    closing = {
        "reason": "登记表办结（CS-3.4.4）" if agreed is not False else "登记表办结，客户未认可（CS-3.4.4）",
        "closed_date": line.closed_date.isoformat(),
        "result": line.result,
        "opinion": line.opinion,
        "agreed": agreed,
        "row": row,
        "file": submission.name,
    }
    earlier = tx.latest_event(number, CASE_CLOSED)
    if earlier is not None:
        if all(earlier.payload.get(key) == closing[key] for key in ("closed_date", "result", "opinion")):
            return []
        decision.findings.append(
            warning(
                f"第{row}行：{number} 已于{earlier.payload.get('closed_date') or day_of(earlier.recorded_at).isoformat()}"
                f"办结，本次的办结记录与之不同，已作为更正记录（原记录保留）",
                clause="CS-3.4.4",
                field="lines.closed_date",
                **_where(source.get("closed_date")),
            )
        )
    tx.append(
        CASE_CLOSED,
        checked(CASE_CLOSED, closing),
        case_id=number,
        claim=submission.claim,
        sha256=submission.sha256,
    )
    if agreed is False:
        decision.findings.append(
            warning(
                f"第{row}行：{number} 已办结，但客户意见为“不满意”，记为“客户未认可”办结；"
                "如仍需继续处理，请勿填写办结日期，在“处理进展”中注明处理过程",
                clause="CS-3.4.4",
                field="lines.opinion",
                **_where(source.get("opinion")),
            )
        )
    elif agreed is None:
        decision.findings.append(
            warning(
                f"第{row}行：{number} 已办结，但未填写“客户意见”，无法确认客户是否认可处理结果；"
                "请回访客户后在下次提交时填写（满意/基本满意/不满意）",
                clause="CS-3.4.4",
                field="lines.opinion",
                **_where(source.get("opinion")),
            )
        )
    return [
        Document(
            f"{ws.settings.paths.outbox}/{number}/99-案件档案-{number}.pdf",
            "dossier",
            {"case_number": number, "issued_on": submission.today.isoformat()},
        )
    ]


def _latest_progress(tx: Transaction, number: str) -> str | None:
    latest = tx.latest_event(number, CASE_PROGRESS)
    return None if latest is None else latest.payload.get("progress")


# ------------------------------------------------------------ checks (CS-3.4.2, CS-3.4.3)


def _plausible(context: Context[RegisterHeader]) -> tuple[list[RegisterLine], list[int], list[dict[str, Raw]]]:
    """The lines whose 受理日期 can carry a number (the others are errors already), as columns:
    lines, rows, sources."""
    parsed = context.parsed
    plausible = [
        (line, row, source)
        for line, row, source in zip(lines_of(parsed, RegisterLine), parsed.line_rows, parsed.line_sources)
        if not check_received_window(line, source.get("received_date"), row)
    ]
    return [p[0] for p in plausible], [p[1] for p in plausible], [p[2] for p in plausible]


def check_lines(context: Context[RegisterHeader]) -> list[Finding]:
    """Per line: the 受理日期 between 2000-01-01 and today (CS-3.4.3), a hand-written 责任部门 (CS-3.4.2)."""
    findings: list[Finding] = []
    parsed = context.parsed
    for line, row, source in zip(lines_of(parsed, RegisterLine), parsed.line_rows, parsed.line_sources):
        window = check_received_window(line, source.get("received_date"), row)
        findings += window or rules.check_received_date(line, context.today, source.get("received_date"), row)
        findings += rules.routing_findings(line, context.ws.settings, source.get("department"), row)
    return findings


def check_closing(context: Context[RegisterHeader]) -> list[Finding]:
    """CS-3.4.4, CS-3.4.5: 处理结果, 办结日期 and 客户意见 (form version 2) close a complaint other than a repair;
    a registered case is a repair as registered, whatever the line now says."""
    findings: list[Finding] = []
    registered = context.facts["registered"]
    for line, row, source in zip(*_plausible(context)):
        earlier = registered(line.number) if line.number else None
        repair = earlier.get("repair", False) if earlier else rules.is_repair(line, context.ws.settings)
        findings += rules.closing_findings(line, bool(repair), source, row)
    return findings


def check_numbers(context: Context[RegisterHeader]) -> list[Finding]:
    """CS-3.4.3: typed 登记编号 well formed, not given to another complaint, not twice in the file."""
    return rules.check_numbers(*_plausible(context), context.facts["numbering"], context.facts["registered"])


def check_typed_numbers(context: Context[RegisterHeader]) -> list[Finding]:
    """CS-3.4.3: a typed 登记编号 is one docgen issued, in the year of its 受理日期."""
    return check_issued_numbers(*_plausible(context), context.facts["numbering"], context.facts["registered"])


CHECKS: tuple[Check, ...] = (check_lines, check_numbers, check_typed_numbers, check_closing)


def registered_facts(event: Event) -> str:
    p = event.payload
    return facts.joined(
        [
            ("受理方式", p.get("channel")),
            ("受理人", p.get("receiver")),
            ("转责任部门", p.get("department")),
            ("协办部门", p.get("assisting")),
            ("承办人", p.get("handler")),
            ("处理进展", p.get("progress")),
        ]
    )


def escalated_facts(event: Event) -> str:
    # The step reads 上报重大投诉 (the catalogue's label); its facts say to whom: 上报总经理、副总经理.
    recipients = "、".join(event.payload.get("recipients") or [])
    return facts.joined([(None, recipients and f"上报{recipients}"), ("依据", event.payload.get("clause"))])


def progress_facts(event: Event) -> str:
    return facts.joined([("进展", event.payload.get("progress"))])


def closed_facts(event: Event) -> str:
    """A closing: on the register (result, the customer's opinion, 客户未认可) or by a repair's settlement."""
    p = event.payload
    return facts.joined(
        [
            (None, p.get("reason")),
            ("办结日期", p.get("closed_date")),
            ("处理结果", p.get("result")),
            ("客户意见", p.get("opinion") or ("未填写" if "opinion" in p else None)),
        ]
    )


def handler_facts(event: Event) -> str:
    return facts.joined([("承办人", event.payload.get("handler")), ("责任部门", event.payload.get("department"))])


def assisting_facts(event: Event) -> str:
    return facts.joined([("协办部门", event.payload.get("assisting")), ("依据", event.payload.get("clause"))])


FACTS: facts.Facts = {
    CASE_REGISTERED: registered_facts,
    CASE_ESCALATED: escalated_facts,
    CASE_PROGRESS: progress_facts,
    CASE_CLOSED: closed_facts,
    CASE_HANDLER: handler_facts,
    CASE_ASSISTING: assisting_facts,
}


STEP = FormStep(REGISTER, CHECKS, handle_register, FACTS, "register")
