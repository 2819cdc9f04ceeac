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
from pathlib import Path, PurePosixPath

from docgen.atomic import safe_part
from docgen.cases import Case, DeadlineState, build
from docgen.events import (
    CASE_CLOSED,
    CASE_PROGRESS,
    CASE_REGISTERED,
    CASE_SURVEYED,
    CASE_VIOLATION,
    CASE_WORK_ORDERED,
    day_field,
)
from docgen.events import label as event_label
from docgen.ledger import Event, Ledger
from docgen.payloads import RegisteredPayload
from docgen.render.pdf import render_pdf
from docgen.steps import FORMS, STEPS, facts
from docgen.wording import PROVISIONAL_MARK, chinese_date
from docgen.workspace import Workspace

__all__ = ["dossier_context", "dossier_path", "write_dossier"]

TEMPLATE = "dossier.typ"
TITLE = "投诉案件档案"
ISSUER = "客户服务部"

_ASCII_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,10}$")
_SLUG = re.compile(r"[^a-z0-9]+")


# ----------------------------------------------------------------------------------------- wording


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
        return facts.day(event.payload.get("received_at") or event.payload.get("received_date")) or facts.day(
            event.recorded_at
        )
    if event.kind == CASE_WORK_ORDERED:
        # The work order is issued with the survey it follows (its repair time counts from the survey date).
        survey = next((e for e in case.events if e.kind == CASE_SURVEYED and e.claim == event.claim), None)
        if survey is not None:
            return _step_day(survey, case)
    field = day_field(event.kind)
    return (field and facts.day(event.payload.get(field))) or facts.day(event.recorded_at)


def step_facts(event: Event) -> str:
    """The key facts of one step, as an auditor reads them: worded by the step that records the event."""
    for step in STEPS.values():
        if describe := step.facts.get(event.kind):
            return describe(event)
    p = event.payload
    if event.kind == CASE_VIOLATION:
        return facts.joined([(None, p.get("message")), ("条款", p.get("clause"))])
    if event.kind == CASE_CLOSED:
        return facts.joined([(None, p.get("reason"))])
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
        step = STEPS.get(form_id)
        slug = (step and step.slug) or _SLUG.sub("-", form_id.lower()).strip("-") or "form"
        suffix = archived.suffix if _ASCII_SUFFIX.match(archived.suffix) else ".bin"
        name = f"source-{order:02d}-{slug}{suffix.lower()}"
        original = p.get("file") or archived.name
        title = FORMS[form_id].title if form_id in FORMS else "提交文件"
        stem = PurePosixPath(str(original)).stem or slug
        sources.append(
            {
                "claim": claim,
                "order": order,
                "name": name,
                # What the reader's attachment pane (/UF) and the 附件名称 column show: the sender's file name.
                "display_name": f"附件{order:02d}-{stem}{suffix.lower()}",
                "file": root / Path(*archived.parts),
                "original": original,
                "form_title": title,
                "form_id": form_id,
                "received": facts.cn(p.get("claimed_at") or submission.recorded_at),
                "sha256": submission.sha256 or "",
                "description": f"原始文件：{original}（《{title}》，{facts.cn(p.get('claimed_at') or submission.recorded_at)}提交）",
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
                "date": facts.cn(_step_day(event, case)),
                "step": event_label(event.kind) + ("（更正）" if corrected else ""),
                "facts": step_facts(event),
                "source": f"{source['original']}（附件{source['order']}）" if source else "",
            }
        )
    violations = [
        {
            "clause": e.payload.get("clause") or "",
            "message": e.payload.get("message") or "",
            "date": facts.cn(e.recorded_at),
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
        "closed_on": facts.cn(closed.recorded_at) if closed else "",
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
    attachments = [(s["file"], s["name"], s["description"], s["display_name"]) for s in sources]
    path = dossier_path(ws, case_number, "98-专题报告" if special else "99-案件档案")
    return render_pdf(TEMPLATE, context, path, workspace_templates=ws.templates, attachments=attachments)
