"""《投诉案件档案》: one PDF/A-3b per case with every step, deadline and violation, and the case's
source forms embedded (CS-3.10.6, issue 4 "case dossier").

Everything printed is derived from the ledger (:mod:`docgen.cases`); nothing is stored twice. The
source forms are the archived originals of the submissions whose claim appears on the case's events,
attached byte for byte with ASCII names (``source-01-register.xlsx`` …) and the Chinese original file
name in the description (docs/design.md §9: non-ASCII ``/F`` names come out garbled in readers).

The dossier goes to ``outbox/<case>/99-案件档案-<case>.pdf``: the settlement that closes a case emits it
as a ``dossier`` document, which the pipeline renders with :func:`write_dossier` (``docgen report case``
writes it again on demand).

The 专题报告 of a major or difficult complaint (CS-3.10.6) is the same story told to the company, with two
sections 客户服务部 writes: 六、原因分析 and 七、处理意见与建议. ``docgen report special`` drafts it in Word
(:func:`write_special_draft`, ``templates/special_report.docx``, read back as the form CS-SPECIAL of
``docgen.steps.special_report``); completed and dropped back, it is filed as PDF/A-3b by
:func:`file_special_report` with the two sections as written and the Word original attached.
``write_dossier(..., special=True)`` still prints it as a PDF with ruled lines to write on by hand.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
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
from docgen.render.docx import find_template, render_docx
from docgen.render.pdf import render_pdf
from docgen.steps import FORMS, STEPS, facts
from docgen.wording import PROVISIONAL_MARK, address, chinese_date
from docgen.workspace import Workspace

__all__ = [
    "dossier_context",
    "dossier_path",
    "file_special_report",
    "special_draft_context",
    "special_draft_path",
    "write_dossier",
    "write_special_draft",
]

TEMPLATE = "dossier.typ"
SPECIAL_DRAFT_TEMPLATE = "special_report.docx"
TITLE = "投诉案件档案"
ISSUER = "客户服务部"
SPECIAL_CLAUSE = "CS-3.10.6"
SPECIAL_NAME = "98-专题报告"

_ASCII_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,10}$")
_SLUG = re.compile(r"[^a-z0-9]+")


# ----------------------------------------------------------------------------------------- wording


def _location(registered: RegisteredPayload) -> str:
    return address(registered.get("project"), registered.get("building"), registered.get("room"))


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


def _case(ledger: Ledger, case_number: str, until_seq: int | None = None) -> Case:
    """The case from its events (those recorded before ``until_seq`` only, when given)."""
    events = [e for e in ledger.events(case_id=case_number) if until_seq is None or e.seq < until_seq]
    case = build(case_number, events)
    if case is None:
        raise LookupError(f"台账中没有登记编号为 {case_number} 的案件")
    return case


def _archived_sources(ws: Workspace, ledger: Ledger, case: Case) -> list[dict]:
    sources = _sources(ledger, case, ws.root)
    missing = [s["file"] for s in sources if not s["file"].is_file()]
    if missing:
        raise FileNotFoundError(f"案件 {case.number} 的原始文件不在归档中：" + "、".join(str(m) for m in missing))
    return sources


def _special_title(case_number: str) -> str:
    return f"关于{case_number}投诉的专题报告"


def write_dossier(
    ws: Workspace, ledger: Ledger, case_number: str, *, issued_on: date | None = None, special: bool = False
) -> Path:
    """Write ``outbox/<case>/99-案件档案-<case>.pdf`` (PDF/A-3b, source forms attached) and return its path.

    With ``special`` it is the 专题报告 of a major or difficult complaint (CS-3.10.6): the same facts and
    full history, plus sections for the cause and the proposed measures as ruled lines to write on by hand,
    as ``98-专题报告-<case>.pdf`` (``docgen report special --pdf``; the Word draft is
    :func:`write_special_draft`)."""
    case = _case(ledger, case_number)
    sources = _archived_sources(ws, ledger, case)
    context = dossier_context(ws, case, sources, issued_on or ws.today())
    context["special"] = special
    if special:
        context["title"] = _special_title(case.number)
    attachments = [(s["file"], s["name"], s["description"], s["display_name"]) for s in sources]
    path = dossier_path(ws, case_number, SPECIAL_NAME if special else "99-案件档案")
    return render_pdf(TEMPLATE, context, path, workspace_templates=ws.templates, attachments=attachments)


# ------------------------------------------------------------------------------------- 专题报告


def special_draft_context(ws: Workspace, ledger: Ledger, case_number: str, issued_on: date) -> dict:
    """The context of ``special_report.docx``: the dossier's facts, history, deadlines, violations and
    source files as text (all ``str``), the sections 原因分析 and 处理意见与建议 left for 客户服务部."""
    case = _case(ledger, case_number)
    dossier = dossier_context(ws, case, _sources(ledger, case, ws.root), issued_on)
    return {
        "title": _special_title(case.number),
        "number": case.number,
        "clause": SPECIAL_CLAUSE,
        "issued_on": chinese_date(issued_on),
        "issuer": ISSUER,
        # 登记编号 stands in the form's own table (it is read back from there).
        "facts": [{"label": label, "value": str(value or "")} for label, value in dossier["header"][1:]],
        "content": dossier["content"],
        "steps": [{k: step[k] for k in ("date", "step", "facts", "source")} for step in dossier["steps"]],
        "deadlines": [
            {k: str(d[k]) for k in ("label", "actor", "due", "met_on", "status", "clause")}
            for d in dossier["deadlines"]
        ],
        "violations": [{k: v[k] for k in ("clause", "message", "date", "source")} for v in dossier["violations"]],
        "sources": [
            {
                "order": str(s["order"]),
                "original": s["original"],
                "form_title": s["form_title"],
                "received": s["received"],
            }
            for s in dossier["sources"]
        ],
        "closed_on": dossier["closed_on"],
    }


def special_draft_path(ws: Workspace, case_number: str) -> Path:
    """``outbox/<case>/98-专题报告-<case>.docx``."""
    return dossier_path(ws, case_number, SPECIAL_NAME).with_suffix(".docx")


def write_special_draft(ws: Workspace, ledger: Ledger, case_number: str, *, issued_on: date | None = None) -> Path:
    """``docgen report special``: the Word draft of the 专题报告 (CS-3.10.6), pre-filled from the ledger, with
    原因分析 and 处理意见与建议 to write; completed and dropped into intake/ it is filed
    (``docgen.steps.special_report``)."""
    context = special_draft_context(ws, ledger, case_number, issued_on or ws.today())
    return render_docx(
        find_template(SPECIAL_DRAFT_TEMPLATE, ws.templates), context, special_draft_path(ws, case_number)
    )


def file_special_report(ws: Workspace, ledger: Ledger, spec: Mapping, target: Path) -> Path:
    """The completed 专题报告 filed as PDF/A-3b at ``target`` (a ``special_report`` document of
    ``docgen.steps.special_report``): the case as it stood before the report was recorded (``until_seq``),
    the two sections as written, the case's source forms and the Word original attached and listed."""
    case = _case(ledger, spec["case_number"], spec.get("until_seq"))
    sources = _archived_sources(ws, ledger, case)
    original = spec.get("original") or {}
    if original.get("archived"):
        archived = PurePosixPath(str(original["archived"]))
        if archived.is_absolute() or ".." in archived.parts:
            raise ValueError(f"归档路径无效：{original['archived']!r}")
        order = len(sources) + 1
        name = str(original.get("file") or archived.name)
        received = facts.cn(original.get("received"))
        sources.append(
            {
                "claim": "",
                "order": order,
                "name": str(original.get("name") or "special-report-original.docx"),
                "display_name": f"附件{order:02d}-{PurePosixPath(name).stem}{archived.suffix.lower()}",
                "file": ws.root / Path(*archived.parts),
                "original": name,
                "form_title": "专题报告",
                "form_id": "CS-SPECIAL",
                "received": received,
                "sha256": str(original.get("sha256") or ""),
                "description": f"专题报告原件：{name}（{received}提交）",
            }
        )
    issued_on = date.fromisoformat(spec["issued_on"])
    context = dossier_context(ws, case, sources, issued_on)
    context |= {
        "special": True,
        "title": _special_title(case.number),
        "analysis": str(spec.get("analysis") or ""),
        "measures": str(spec.get("measures") or ""),
        "reporter": str(spec.get("reporter") or ""),
    }
    attachments = [(s["file"], s["name"], s["description"], s["display_name"]) for s in sources]
    return render_pdf(TEMPLATE, context, Path(target), workspace_templates=ws.templates, attachments=attachments)
