"""《投诉案件档案》: one PDF/A-3b per case with every step, deadline and violation, and the case's
source forms embedded (CS-3.10.6, issue 4 "case dossier").

Everything printed is derived from the ledger (:mod:`docgen.cases`); nothing is stored twice. The
source forms are the archived originals of the submissions whose claim appears on the case's events,
attached byte for byte with ASCII names (``source-01-register.xlsx`` …) and the Chinese original file
name in the description (docs/design.md §9: non-ASCII ``/F`` names come out garbled in readers).

The dossier goes to ``outbox/<case>/99-案件档案-<case>.pdf``: the settlement that closes a case emits it
as a ``dossier`` document, which the pipeline renders with :func:`write_dossier` (``docgen report case``
writes it again on demand).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import InvalidOperation
from pathlib import Path, PurePosixPath

from docgen.atomic import safe_part
from docgen.cases import Case, DeadlineState, build
from docgen.events import (
    CASE_CALLED_BACK,
    CASE_CLOSED,
    CASE_COMPLETED,
    CASE_ESCALATED,
    CASE_FINAL_ACCOUNT,
    CASE_PROGRESS,
    CASE_REGISTERED,
    CASE_SETTLED,
    CASE_SURVEYED,
    CASE_VIOLATION,
    CASE_WORK_ORDERED,
    day_field,
)
from docgen.events import label as event_label
from docgen.forms import FORMS
from docgen.forms.repair import SETTLEMENT_SIGNATURES
from docgen.ledger import Event, Ledger
from docgen.payloads import RegisteredPayload
from docgen.render.pdf import render_pdf
from docgen.wording import chinese_date, day_of, money
from docgen.workspace import Workspace

__all__ = ["dossier_context", "dossier_path", "write_dossier"]

TEMPLATE = "dossier.typ"
TITLE = "投诉案件档案"
ISSUER = "客户服务部"
PROVISIONAL_MARK = "（暂定）"

# ASCII slugs of the forms for attachment names (never Chinese: docs/design.md §9).
FORM_SLUGS = {
    "CS-REG": "register",
    "CS-SURVEY": "survey",
    "CS-WO": "work-order",
    "CS-CALLBACK": "callback",
    "CS-FINAL": "final-account",
    "CS-SETTLE": "settlement",
}

_ASCII_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,10}$")
_SLUG = re.compile(r"[^a-z0-9]+")


# ----------------------------------------------------------------------------------------- wording


def _day(value) -> date | None:
    if not value:
        return None
    try:
        return day_of(value)
    except ValueError:
        return None


def _cn(value) -> str:
    day = _day(value)
    return chinese_date(day) if day else ""


def _money(value) -> str:
    """``1,200.50元``; a value that is not an amount is shown as it is."""
    try:
        return money(str(value), "元")
    except (InvalidOperation, ValueError):
        return str(value)


def _with_yuan(text) -> str:
    """``1,200.50（壹仟贰佰元伍角）`` → ``1,200.50元（壹仟贰佰元伍角）``."""
    if not text:
        return ""
    amount, bracket, rest = str(text).partition("（")
    return f"{amount}元{bracket}{rest}"


def _yes_no(value) -> str:
    return "" if value is None else ("是" if value else "否")


def _titles(form_id: str) -> dict[str, str]:
    form = FORMS.get(form_id)
    return {f.key: f.title for f in form.header_fields} if form else {}


def _facts(parts) -> str:
    """``label：value`` pairs joined with "；", skipping empty values."""
    return "；".join(
        f"{label}：{value}" if label else str(value) for label, value in parts if value not in (None, "", [])
    )


def _signatures(payload: dict, form_id: str, keys, labels: dict[str, str] | None = None) -> str:
    """``who name`` of each signature given, in form order (``labels`` overrides the form's field titles)."""
    titles = {**_titles(form_id), **(labels or {})}
    return "、".join(f"{titles.get(key, key).removesuffix('签字')} {payload[key]}" for key in keys if payload.get(key))


def _location(registered: RegisteredPayload) -> str:
    parts = [
        registered.get("project") or "",
        registered.get("building") and f"{registered['building']}栋",
        registered.get("room") and f"{registered['room']}室",
    ]
    return "".join(part for part in parts if part)


def _received(registered: RegisteredPayload) -> str:
    return registered.received_text


def _step_day(event: Event, case: Case) -> date | None:
    """The day a step happened: the date written on its form where it has one, else the day it was recorded."""
    if event.kind == CASE_REGISTERED:
        return _day(event.payload.get("received_at") or event.payload.get("received_date")) or _day(event.recorded_at)
    if event.kind == CASE_WORK_ORDERED:
        # The work order is issued with the survey it follows (its repair time counts from the survey date).
        survey = next((e for e in case.events if e.kind == CASE_SURVEYED and e.claim == event.claim), None)
        if survey is not None:
            return _step_day(survey, case)
    field = day_field(event.kind)
    return (field and _day(event.payload.get(field))) or _day(event.recorded_at)


def step_facts(event: Event) -> str:
    """The key facts of one step, as an auditor reads them."""
    p, kind = event.payload, event.kind
    if kind == CASE_REGISTERED:
        return _facts(
            [
                ("受理方式", p.get("channel")),
                ("受理人", p.get("receiver")),
                ("转责任部门", p.get("department")),
                ("处理进展", p.get("progress")),
            ]
        )
    if kind == CASE_ESCALATED:
        # The step reads 上报重大投诉 (the catalogue's label); its facts say to whom: 上报总经理、副总经理.
        recipients = "、".join(p.get("recipients") or [])
        return _facts([(None, recipients and f"上报{recipients}"), ("依据", p.get("clause"))])
    if kind == CASE_PROGRESS:
        return _facts([("进展", p.get("progress"))])
    if kind == CASE_SURVEYED:
        responsible = p.get("responsible_party")
        if responsible and p.get("contractor"):
            responsible = f"{responsible}（{p['contractor']}）"
        return _facts(
            [
                ("勘察日期", _cn(p.get("survey_date"))),
                ("责任方", responsible),
                ("维修类型", p.get("work_kind")),
                ("保修期内", _yes_no(p.get("in_warranty"))),
                ("维修单位", p.get("repairer")),
                ("预估金额", p.get("estimate") and _money(p["estimate"])),
                ("约定完成日期", _cn(p.get("agreed_completion"))),
                ("勘察意见", p.get("findings")),
                (
                    "会签",
                    _signatures(
                        p, "CS-SURVEY", ("sign_service", "sign_engineering", "sign_team_leader", "sign_contractor")
                    ),
                ),
            ]
        )
    if kind == CASE_WORK_ORDERED:
        due = next((d for d in p.get("deadlines") or [] if d.get("key") == "repair"), None)
        return _facts(
            [
                ("派工单号", p.get("order_number")),
                ("类别", p.get("order_class") and f"{p['order_class']}类"),
                ("维修单位", p.get("repairer")),
                ("维修类型", p.get("work_kind")),
                ("完成期限", due and _cn(due.get("due")) + (PROVISIONAL_MARK if due.get("provisional") else "")),
            ]
        )
    if kind == CASE_COMPLETED:
        opinion = p.get("customer_opinion")
        if opinion and p.get("customer_remarks"):
            opinion = f"{opinion}（{p['customer_remarks']}）"
        return _facts(
            [
                ("派工单号", p.get("order_number")),
                ("完工日期", _cn(p.get("completed_date"))),
                ("维修人员", p.get("workers")),
                (
                    "竣工检查",
                    _signatures(
                        p,
                        "CS-WO",
                        ("check_service", "check_team_leader"),
                        {"check_service": "客户服务人员或物业人员", "check_team_leader": "维修队长"},
                    ),
                ),
                ("客户签认", p.get("customer_signature")),
                ("客户意见", opinion),
                ("客户同意延期", p.get("extension_consent")),
            ]
        )
    if kind == CASE_CALLED_BACK:
        return _facts(
            [
                ("回访日期", _cn(p.get("callback_date"))),
                ("回访人", p.get("caller")),
                ("满意程度", p.get("satisfaction")),
                ("客户意见", p.get("opinion")),
            ]
        )
    if kind == CASE_FINAL_ACCOUNT:
        lines = "；".join(f"{line.get('item')} {_money(line.get('amount'))}" for line in p.get("lines") or [])
        total = p.get("total") and _money(p["total"])
        if total and p.get("total_uppercase"):
            total += f"（{p['total_uppercase']}）"
        return _facts(
            [
                ("编制日期", _cn(p.get("prepared_date"))),
                ("编制人", p.get("team_leader")),
                ("合计", total),
                ("明细", lines),
            ]
        )
    if kind == CASE_SETTLED:
        return _facts(
            [
                ("派工单号", p.get("order_number")),
                ("决算金额", _with_yuan(p.get("final_total"))),
                ("审定金额", p.get("audited_amount") and _money(p["audited_amount"])),
                ("审核部门", p.get("audit_route")),
                ("高于决算的原因", p.get("over_reason")),
                (
                    "签字",
                    _signatures(
                        p,
                        "CS-SETTLE",
                        SETTLEMENT_SIGNATURES,
                    ),
                ),
            ]
        )
    if kind == CASE_VIOLATION:
        return _facts([(None, p.get("message")), ("条款", p.get("clause"))])
    if kind == CASE_CLOSED:
        return _facts([(None, p.get("reason"))])
    return ""


# ------------------------------------------------------------------------------------------ sources


def _sources(ledger: Ledger, case: Case, root: Path) -> list[dict]:
    """Every source form of the case: the submissions whose claim appears on its events, in order."""
    claims = list(dict.fromkeys(e.claim for e in case.events if e.claim))
    by_claim: dict[str, Event] = {}
    for recorded in ledger.submissions():
        if recorded.claim in claims and recorded.claim not in by_claim and recorded.payload.get("archived"):
            by_claim[recorded.claim] = recorded
    sources: list[dict] = []
    for claim in claims:
        submission = by_claim.get(claim)
        if submission is None:
            continue
        p = submission.payload
        archived = PurePosixPath(str(p["archived"]))
        if archived.is_absolute() or ".." in archived.parts:
            raise ValueError(f"归档路径无效：{p['archived']!r}")
        form_id = p.get("form") or ""
        order = len(sources) + 1
        slug = FORM_SLUGS.get(form_id) or _SLUG.sub("-", form_id.lower()).strip("-") or "form"
        suffix = archived.suffix if _ASCII_SUFFIX.match(archived.suffix) else ".bin"
        name = f"source-{order:02d}-{slug}{suffix.lower()}"
        original = p.get("file") or archived.name
        title = FORMS[form_id].title if form_id in FORMS else "提交文件"
        sources.append(
            {
                "claim": claim,
                "order": order,
                "name": name,
                "file": root / Path(*archived.parts),
                "original": original,
                "form_title": title,
                "form_id": form_id,
                "received": _cn(p.get("claimed_at") or submission.recorded_at),
                "sha256": submission.sha256 or "",
                "description": f"原始文件：{original}（《{title}》，{_cn(p.get('claimed_at') or submission.recorded_at)}提交）",
            }
        )
    return sources


# ------------------------------------------------------------------------------------------ context


def _deadline_row(deadline: DeadlineState, ws: Workspace, case: Case) -> dict:
    due = chinese_date(deadline.due) + ("\n" + PROVISIONAL_MARK if deadline.provisional else "")
    if deadline.met_on is None:
        status = "未完成" if case.open else "未完成（已办结）"
    elif deadline.late():
        days = ws.calendar.workdays_late(deadline.due, deadline.met_on)
        status = f"逾期{days}个工作日" if days > 0 else "逾期（不足1个工作日）"
    else:
        status = "按时"
    return {
        "label": deadline.label,
        "actor": deadline.actor or "",
        "due": due,
        "met_on": chinese_date(deadline.met_on) if deadline.met_on else "",
        "status": status,
        "late": deadline.met_on is not None and deadline.late(),
        "clause": deadline.clause,
    }


def dossier_context(ws: Workspace, case: Case, sources: list[dict], issued_on: date) -> dict:
    r = case.registered
    by_claim = {s["claim"]: s for s in sources}
    seen: set[str] = set()
    steps = []
    for event in case.events:
        source = by_claim.get(event.claim or "")
        # The same step sent again is recorded as a correction; the earlier record stays in the history.
        corrected = event.kind in seen and event.kind not in (CASE_PROGRESS, CASE_VIOLATION)
        seen.add(event.kind)
        steps.append(
            {
                "seq": str(event.seq),
                "date": _cn(_step_day(event, case)),
                "step": event_label(event.kind) + ("（更正）" if corrected else ""),
                "facts": step_facts(event),
                "source": f"{source['original']}（附件{source['order']}）" if source else "",
            }
        )
    violations = [
        {
            "clause": e.payload.get("clause") or "",
            "message": e.payload.get("message") or "",
            "date": _cn(e.recorded_at),
            "source": (by_claim.get(e.claim or "") or {}).get("original", ""),
        }
        for e in case.events
        if e.kind == CASE_VIOLATION
    ]
    header = [
        ("登记编号", case.number),
        ("受理时间", _received(r)),
        ("客户", r.get("customer")),
        ("电话", r.get("phone")),
        ("项目/楼栋/房号", _location(r)),
        ("类别", r.get("category")),
        ("责任部门", r.get("department")),
        ("服务处", r.get("office")),
        ("重大投诉", "是" if case.major else "否"),
        ("案件状态", case.stage),
    ]
    closed = next((e for e in reversed(case.events) if e.kind == CASE_CLOSED), None)
    return {
        "title": TITLE,
        "number": case.number,
        "header": header,
        "content": r.get("content") or "",
        "steps": steps,
        "deadlines": [_deadline_row(d, ws, case) for d in case.deadlines],
        "violations": violations,
        "sources": sources,
        "closed_on": _cn(closed.recorded_at) if closed else "",
        "issuer": ISSUER,
        "issued_on": issued_on,
    }


# ------------------------------------------------------------------------------------------- writing


def dossier_path(ws: Workspace, case_number: str, name: str = "99-案件档案") -> Path:
    folder = safe_part(case_number)
    outbox = (ws.root / ws.settings.paths.outbox).resolve()
    path = outbox / folder / f"{name}-{folder}.pdf"
    if not path.resolve().is_relative_to(outbox):
        raise ValueError(f"登记编号无效：{case_number!r}")
    return path


def write_dossier(
    ws: Workspace, ledger: Ledger, case_number: str, *, issued_on: date | None = None, special: bool = False
) -> Path:
    """Write ``outbox/<case>/99-案件档案-<case>.pdf`` (PDF/A-3b, source forms attached) and return its path.

    With ``special`` it is the 专题报告 of a major or difficult complaint (CS-3.10.6): the same facts and
    full history, plus sections for the cause and the proposed measures, as ``98-专题报告-<case>.pdf``."""
    case = build(case_number, ledger.events(case_id=case_number))
    if case is None:
        raise LookupError(f"台账中没有登记编号为 {case_number} 的案件")
    sources = _sources(ledger, case, ws.root)
    missing = [s["file"] for s in sources if not s["file"].is_file()]
    if missing:
        raise FileNotFoundError(f"案件 {case_number} 的原始文件不在归档中：" + "、".join(str(m) for m in missing))
    context = dossier_context(ws, case, sources, issued_on or ws.today())
    context["special"] = special
    if special:
        context["title"] = f"关于{case.number}投诉的专题报告"
    attachments = [(s["file"], s["name"], s["description"]) for s in sources]
    path = dossier_path(ws, case_number, "98-专题报告" if special else "99-案件档案")
    return render_pdf(TEMPLATE, context, path, workspace_templates=ws.templates, attachments=attachments)
