"""Meeting minutes: drafts from the ledger and completed minutes read back (CS-3.10.1, 3.10.2, 3.10.5).

Three meetings, one form (``docgen.forms.minutes.MINUTES``):

- ``coordination``: the weekly complaint coordination meeting of one community (``project``) in its first
  year after delivery (CS-3.10.1), with 客户服务部, 物业公司, 经营销售部 and 工程材料部. Agenda: the
  community's complaints new in the meeting's ISO week and those still open, each with its next deadline.
- ``directors``: the weekly meeting of the service-office directors held by 客户服务部 (CS-3.10.2). Agenda:
  per office the counts of new, still-open and overdue items of the week (``reports.periodic.weekly``).
- ``special``: the special meeting on one major complaint (CS-3.10.5). Agenda: its facts, its history and
  its deadlines.

Everything in a draft is a function of the ledger and the meeting date (cases received, events recorded
and deadlines met after the meeting date are left out), so the same ledger gives the same draft.

A completed minutes document dropped back is handled by :func:`handle_minutes`: recorded against every
case it names (``case.minutes``), and each decision becomes a tracked action (``minutes.action``) with a
deadline keyed ``action-<seq>``.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from docgen.atomic import safe_part
from docgen.cases import Case, DeadlineState, all_cases
from docgen.chain import Decision, Submission
from docgen.findings import error, has_errors, warning
from docgen.forms.base import ParsedForm, Raw
from docgen.forms.minutes import COORDINATION, DIRECTORS, MEETING_CLAUSES, SPECIAL, MinutesDecision, MinutesHeader
from docgen.forms.values import chinese_date
from docgen.ledger import Ledger, Transaction
from docgen.render.docx import find_template, render_docx
from docgen.reports.periodic import latest_progress, weekly
from docgen.workspace import Workspace

if TYPE_CHECKING:  # chain builds on this module; the name is only for the annotation
    from docgen.chain import Document

__all__ = ["KINDS", "MinutesError", "draft_context", "draft_path", "handle_minutes", "split_case_numbers",
           "write_draft"]

KINDS = {"coordination": COORDINATION, "directors": DIRECTORS, "special": SPECIAL}
COORDINATION_ROLES = ("客户服务部", "物业公司", "经营销售部", "工程材料部")  # CS-3.10.1
TEMPLATE = "minutes.docx"
PROVISIONAL_MARK = "（暂定）"
EVENT_NAMES = {
    "case.registered": "登记受理", "case.escalated": "上报重大投诉", "case.progress": "处理进展",
    "case.surveyed": "现场勘察", "case.work_ordered": "派工维修", "case.completed": "维修完工",
    "case.called_back": "完工回访", "case.final_account": "维修决算", "case.settled": "维修结算",
    "case.closed": "办结", "case.violation": "违反程序记录", "case.minutes": "会议纪要",
}
_SEPARATORS = re.compile(r"[\s,，、;；/]+")


class MinutesError(ValueError):
    """A draft that cannot be made (unknown kind, missing community, unknown case); message in Chinese."""


def split_case_numbers(text: str | None) -> list[str]:
    """登记编号 written in one cell, separated by commas, 、, semicolons or spaces; order kept, no repeats."""
    seen: list[str] = []
    for part in _SEPARATORS.split(text or ""):
        if part and part not in seen:
            seen.append(part)
    return seen


# ============================================================ drafts


def _received(case: Case) -> date:
    return date.fromisoformat(case.registered["received_at"][:10])


def _as_of(case: Case, until: date) -> Case:
    """The case as it stood at the end of ``until``: later events and later meetings of deadlines left out."""
    events = [e for e in case.events if date.fromisoformat(e.recorded_at[:10]) <= until]
    deadlines = [DeadlineState(d.key, d.label, d.due, d.clause, d.provisional,
                               d.met_on if d.met_on and d.met_on <= until else None, d.actor)
                 for d in case.deadlines]
    return Case(case.number, case.registered, events, deadlines)


def _due(deadline: DeadlineState) -> str:
    return chinese_date(deadline.due) + (PROVISIONAL_MARK if deadline.provisional else "")


def _location(case: Case) -> str:
    r = case.registered
    return "".join(part for part in (r.get("project") or "", r.get("building") and f"{r['building']}栋",
                                     r.get("room") and f"{r['room']}室") if part)


def _next_deadline(case: Case, meeting_date: date) -> str:
    waiting = [d for d in case.deadlines if d.met_on is None]
    if not waiting:
        return "无待办期限"
    nxt = min(waiting, key=lambda d: (d.due, d.key))
    late = "（已逾期）" if nxt.due < meeting_date else ""
    return f"{nxt.label}，{_due(nxt)}{late}（{nxt.clause}）"


def _stage(case: Case) -> str:
    from docgen.cases import STAGES

    kinds = {e.kind for e in case.events}
    return next((name for kind, name in STAGES if kind in kinds), "已登记")


def _closed(case: Case) -> bool:
    return any(e.kind == "case.closed" for e in case.events)


def _week_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _case_item(case: Case, meeting_date: date, tag: str) -> dict:
    r = case.registered
    title = f"{case.number}　{r.get('customer') or ''}　{_location(case)}（{r.get('category') or ''}，{tag}）"
    detail = "\n".join((
        f"投诉内容：{r.get('content') or ''}",
        f"责任部门：{r.get('department') or ''}；处理阶段：{_stage(case)}"
        + ("；重大投诉" if r.get("major") else ""),
        f"最新进展：{latest_progress(case, meeting_date) or '尚无处理进展'}",
        f"下一期限：{_next_deadline(case, meeting_date)}",
    ))
    return {"title": title, "detail": detail}


def _coordination(ws: Workspace, ledger: Ledger, meeting_date: date, project: str | None) -> dict:
    if not project:
        raise MinutesError("投诉协调例会按小区召开（CS-3.10.1）；请指明小区（项目）名称")
    monday = meeting_date - timedelta(days=meeting_date.weekday())
    new, still_open = [], []
    for case in all_cases(ledger):
        if case.registered.get("project") != project or _received(case) > meeting_date:
            continue
        case = _as_of(case, meeting_date)
        if _received(case) >= monday:
            new.append(case)
        elif not _closed(case):
            still_open.append(case)
    agenda = [_case_item(c, meeting_date, "本周新增" + ("，已办结" if _closed(c) else "")) for c in new]
    agenda += [_case_item(c, meeting_date, "尚未解决") for c in still_open]
    agenda.append({"title": "其他事项", "detail": ""})
    return {
        "title": f"{project}投诉协调例会会议纪要",
        "attendees": "、".join(COORDINATION_ROLES) + "（各派代表）",
        "cases": "、".join(c.number for c in new + still_open),
        "scope": f"{ws.settings.routing.office_for(project)}；本周（{chinese_date(monday)}起）新增投诉 {len(new)} 件，"
                 f"前期尚未解决 {len(still_open)} 件。",
        "agenda": agenda,
    }


def _directors(ws: Workspace, ledger: Ledger, meeting_date: date) -> dict:
    reports = weekly(ledger, ws.calendar, meeting_date.isoformat())
    agenda = []
    for report in reports:
        lines = [f"本周新增 {len(report.new)} 件，本周办结 {len(report.closed)} 件，尚未解决 {len(report.still_open)} 件，"
                 f"逾期事项 {len(report.overdue)} 项。"]
        for item in sorted(report.overdue, key=lambda o: (o.case.number, o.deadline.due, o.deadline.key)):
            lines.append(f"逾期：{item.case.number} {item.deadline.label}，期限{_due(item.deadline)}（{item.deadline.clause}），"
                         f"逾期 {item.workdays_late} 个工作日")
        agenda.append({"title": report.office, "detail": "\n".join(lines)})
    agenda.append({"title": "其他事项", "detail": ""})
    offices = "、".join(r.office for r in reports)
    first = meeting_date - timedelta(days=meeting_date.weekday())
    return {
        "title": "客户服务部服务处主任例会会议纪要",
        "attendees": "客户服务部；各客户服务处主任" + (f"（{offices}）" if offices else ""),
        "cases": "",
        "scope": f"统计期间：{chinese_date(first)}至{chinese_date(first + timedelta(days=6))}"
                 f"（{_week_label(meeting_date)}），数字取自各服务处周报（CS-3.10.3）。",
        "agenda": agenda,
    }


def _history_line(event) -> str:
    name = EVENT_NAMES.get(event.kind, event.kind)
    extra = ""
    if event.kind == "case.progress":
        extra = f"：{event.payload.get('progress') or ''}"
    elif event.kind == "case.minutes":
        extra = f"：{event.payload.get('meeting_type') or ''}（{event.payload.get('meeting_date') or ''}）"
    elif event.kind == "minutes.action":
        name = "会议决定"
        extra = f"：{event.payload.get('text') or ''}（{event.payload.get('owner') or ''}，{event.payload.get('due') or ''}前）"
    return f"{chinese_date(date.fromisoformat(event.recorded_at[:10]))}　{name}{extra}"


def _special(ws: Workspace, ledger: Ledger, meeting_date: date, case_number: str | None) -> dict:
    if not case_number:
        raise MinutesError("重大投诉专题会议针对一件投诉（CS-3.10.5）；请指明登记编号")
    case = next((c for c in all_cases(ledger) if c.number == case_number), None)
    if case is None:
        raise MinutesError(f"登记编号“{case_number}”不存在；请核对编号")
    case = _as_of(case, meeting_date)
    r = case.registered
    received = r.get("received_at") or ""
    facts = "\n".join((
        f"受理时间：{chinese_date(date.fromisoformat(received[:10]))}"
        + (f" {received[11:16]}" if r.get("time_known") and len(received) >= 16 else "")
        + f"（{r.get('channel') or ''}）",
        f"客户：{r.get('customer') or ''}　{r.get('phone') or ''}",
        f"房号：{_location(case)}",
        f"类别：{r.get('category') or ''}；责任部门：{r.get('department') or ''}；受理人：{r.get('receiver') or ''}",
        f"投诉内容：{r.get('content') or ''}",
        "重大投诉：是（已按CS-3.4.7上报）" if r.get("major") else "重大投诉：登记时未标为重大投诉",
    ))
    history = "\n".join(_history_line(e) for e in case.events) or "无"
    deadlines = "\n".join(
        f"{d.label}：{_due(d)}（{d.clause}），"
        + (f"{chinese_date(d.met_on)}完成" + ("，逾期" if d.met_on > d.due else "") if d.met_on
           else ("已逾期，未完成" if d.due < meeting_date else "未到期"))
        for d in sorted(case.deadlines, key=lambda d: (d.due, d.key))) or "无"
    recipients = "、".join(ws.settings.escalation.recipients)
    return {
        "title": "重大投诉专题会议纪要",
        "attendees": "、".join(dict.fromkeys(part for part in (
            recipients, "客户服务部", r.get("department") or "", r.get("office") or "") if part)),
        "cases": case.number,
        "scope": f"投诉：{case.number}　{r.get('customer') or ''}　{_location(case)}；处理阶段：{_stage(case)}。",
        "agenda": [
            {"title": "投诉事实", "detail": facts},
            {"title": "处理经过", "detail": history},
            {"title": "处理期限", "detail": deadlines},
            {"title": "处理方案及责任分工", "detail": ""},
        ],
    }


def draft_context(ws: Workspace, ledger: Ledger, kind: str, meeting_date: date, project: str | None = None,
                  case_number: str | None = None) -> dict:
    """The context of ``minutes.docx`` for one meeting (``kind``: coordination | directors | special)."""
    if kind not in KINDS:
        raise MinutesError(f"会议类型“{kind}”不存在；应为：{'、'.join(KINDS)}")
    meeting_type = KINDS[kind]
    if kind == "coordination":
        parts = _coordination(ws, ledger, meeting_date, project)
    elif kind == "directors":
        parts = _directors(ws, ledger, meeting_date)
    else:
        parts = _special(ws, ledger, meeting_date, case_number)
    return {
        "meeting_type": meeting_type,
        "clause": MEETING_CLAUSES[meeting_type],
        "meeting_date": chinese_date(meeting_date),
        "issued_on": chinese_date(meeting_date),
        "chair": "",
        "recorder": "",
        **parts,
    }


def draft_path(ws: Workspace, kind: str, meeting_date: date, project: str | None = None,
               case_number: str | None = None) -> Path:
    """``outbox/reports/<YYYY-Www>/会议纪要-<kind>-<project or case>-<date>.docx``."""
    subject = project if kind == "coordination" else case_number if kind == "special" else "客户服务部"
    meeting = {"coordination": "投诉协调例会", "directors": "服务处主任例会", "special": "重大投诉专题会议"}[kind]
    name = f"会议纪要-{meeting}-{safe_part(subject or '', 80)}-{meeting_date.isoformat()}.docx"
    return ws.root / ws.settings.paths.outbox / "reports" / _week_label(meeting_date) / name


def write_draft(ws: Workspace, ledger: Ledger, kind: str, meeting_date: date, project: str | None = None,
                case_number: str | None = None) -> Path:
    """Render the draft minutes; the same ledger and date give the same document."""
    context = draft_context(ws, ledger, kind, meeting_date, project, case_number)
    return render_docx(find_template(TEMPLATE, ws.templates), context,
                       draft_path(ws, kind, meeting_date, project, case_number))


# ============================================================ completed minutes dropped back


def _where(raw: Raw | None) -> dict:
    return {} if raw is None else {"location": raw.location, "sheet": raw.sheet, "cell": raw.cell}


def handle_minutes(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    """Archive the minutes against every case it names and track every decision as an action.

    Each named case that exists gets a ``case.minutes`` event (meeting type, date, its decisions); each
    decision a ``minutes.action`` event (on its case, or on no case) whose deadline ``action-<seq>`` is
    due on the decision's 完成期限 with the owner as who must act. Nothing is recorded when any case
    number is unknown or any decision lacks an owner or a due date.
    """
    header: MinutesHeader = parsed.header  # type: ignore[assignment]
    decisions: list[MinutesDecision] = parsed.lines  # type: ignore[assignment]
    clause = MEETING_CLAUSES[header.meeting_type]
    result = Decision()

    named = split_case_numbers(header.cases)
    for number in named:
        if not tx.case_exists(number):
            result.findings.append(error(f"“涉及案件”中的登记编号“{number}”不存在；请核对编号", clause=clause,
                                         field="cases", **_where(parsed.header_sources.get("cases"))))
    for decision, row, sources in zip(decisions, parsed.line_rows, parsed.line_sources):
        if decision.case_number and not tx.case_exists(decision.case_number):
            result.findings.append(error(f"决定事项第{row}行的登记编号“{decision.case_number}”不存在；请核对编号",
                                         clause=clause, field="decisions.case_number",
                                         **_where(sources.get("case_number"))))
        if not decision.owner:
            result.findings.append(error(f"决定事项第{row}行“{decision.text}”没有责任人；每项决定须落实到责任人",
                                         clause=clause, field="decisions.owner", **_where(sources.get("owner"))))
        if decision.due is None:
            result.findings.append(error(f"决定事项第{row}行“{decision.text}”没有完成期限；每项决定须写明完成期限",
                                         clause=clause, field="decisions.due", **_where(sources.get("due"))))
        elif decision.due < header.meeting_date:
            result.findings.append(warning(f"决定事项第{row}行的完成期限{decision.due.isoformat()}早于会议日期"
                                           f"{header.meeting_date.isoformat()}；请核对", clause=clause,
                                           field="decisions.due", **_where(sources.get("due"))))
    if has_errors(result.findings):
        return result

    meeting = {"meeting_type": header.meeting_type, "meeting_date": header.meeting_date.isoformat(),
               "clause": clause, "chair": header.chair, "recorder": header.recorder, "file": submission.name}
    cases = list(dict.fromkeys(named + [d.case_number for d in decisions if d.case_number]))
    for number in cases:
        own = [{"text": d.text, "owner": d.owner, "due": d.due.isoformat(), "row": row}
               for d, row in zip(decisions, parsed.line_rows) if d.case_number == number]
        tx.append("case.minutes", {**meeting, "decisions": own}, case_id=number,
                  claim=submission.claim, sha256=submission.sha256)
        result.case_ids.append(number)
    for decision, row in zip(decisions, parsed.line_rows):
        key = f"action-{tx.last_seq + 1}"  # the seq of the event about to be appended: unique in the ledger
        due = decision.due.isoformat()
        tx.append("minutes.action", {
            **meeting, "owner": decision.owner, "text": decision.text, "due": due, "row": row,
            "deadlines": [{"key": key, "label": decision.text, "due": due, "clause": clause, "provisional": False,
                           "basis": "会议纪要", "actor": decision.owner}],
        }, case_id=decision.case_number or None, claim=submission.claim, sha256=submission.sha256)
    result.documents.append(archive_pdf(ws, header, decisions, cases, clause, submission))
    return result


def archive_pdf(ws: Workspace, header, decisions, cases: list[str], clause: str, submission) -> "Document":
    """The completed minutes as PDF/A-3b for the archive, the Word original attached inside."""
    from docgen.chain import Document
    from docgen.procedures.clauses import cite

    day = header.meeting_date
    title = header.meeting_type + ("纪要" if header.meeting_type.endswith(("会议", "例会")) else "会议纪要")
    context = {"title": title, "meeting_type": header.meeting_type,
               "meeting_date": chinese_date(day), "chair": header.chair, "recorder": header.recorder,
               "attendees": header.attendees or "", "cases": "、".join(cases) or "—",
               "decisions": [{"text": d.text, "owner": d.owner, "due": chinese_date(d.due),
                              "case_number": d.case_number or ""} for d in decisions],
               "clause_text": cite(clause).removeprefix("《客户服务管理程序》"), "filed_on": chinese_date(submission.today)}
    name = f"会议纪要-{safe_part(header.meeting_type, 40)}-{day.isoformat()}-{submission.short}.pdf"
    suffix = Path(submission.archived).suffix.lower() if submission.archived else ""
    attachments = ([[submission.archived, f"minutes-original{suffix if suffix.isascii() else ''}",
                     f"会议纪要原件：{submission.name}"]] if submission.archived else [])
    return Document(f"{ws.settings.paths.outbox}/reports/{_week_label(day)}/{name}", "pdf",
                    {"template": "minutes.html", "context": context, "attachments": attachments})
