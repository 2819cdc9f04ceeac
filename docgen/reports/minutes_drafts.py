"""Meeting minutes drafted from the ledger, a report (CS-3.10.1, 3.10.2, 3.10.5).

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

Every draft also lists the earlier decisions still open that concern the meeting (上次会议决定事项落实情况,
see :func:`open_actions`), with empty 完成情况 and 完成日期 columns the clerk fills during the meeting.

A coordination meeting is held in a community's first year after delivery (CS-3.10.1, ``docgen.projects``):
a community delivered more than a year before the meeting (or not yet delivered) is refused unless
forced, one without a delivery date in ``docgen.toml`` is drafted with a visible note.

A completed minutes document dropped back is a step: ``docgen.steps.minutes_intake``.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from docgen.actions import Action, action_event_detail, all_actions
from docgen.atomic import safe_part
from docgen.cases import Case, DeadlineState, all_cases, find_case
from docgen.errors import DocgenError
from docgen.events import CASE_CLOSED, CASE_MINUTES, CASE_PROGRESS, NC_ACTION, STAGES, day_field
from docgen.events import label as event_label
from docgen.forms.minutes import COORDINATION, DIRECTORS, MEETING_CLAUSES, SPECIAL
from docgen.ledger import Ledger
from docgen.projects import FIRST_YEAR_CLAUSE, delivery, ledger_projects
from docgen.render.docx import find_template, render_docx
from docgen.reports.periodic import latest_progress, weekly
from docgen.wording import PROVISIONAL_MARK, address, chinese_date, day_of
from docgen.workspace import Workspace

__all__ = [
    "KINDS",
    "MinutesError",
    "coordination_projects",
    "draft_context",
    "draft_path",
    "open_actions",
    "write_draft",
    "write_drafts",
]

KINDS = {"coordination": COORDINATION, "directors": DIRECTORS, "special": SPECIAL}
COORDINATION_ROLES = ("客户服务部", "物业公司", "经营销售部", "工程材料部")  # CS-3.10.1
TEMPLATE = "minutes.docx"


class MinutesError(DocgenError, ValueError):
    """A draft that cannot be made (unknown kind, missing community, unknown case); message in Chinese."""


# ============================================================ drafts


def _received(case: Case) -> date:
    return case.registered.received.date()


def _as_of(case: Case, until: date) -> Case:
    """The case as it stood at the end of ``until``: later events and later meetings of deadlines left out."""
    events = [e for e in case.events if day_of(e.recorded_at) <= until]
    deadlines = [
        DeadlineState(
            d.key,
            d.label,
            d.due,
            d.clause,
            d.provisional,
            d.met_on if d.met_on and d.met_on <= until else None,
            d.actor,
        )
        for d in case.deadlines
    ]
    return Case(case.number, case.registered, events, deadlines)


def _due(deadline: DeadlineState) -> str:
    return chinese_date(deadline.due) + (PROVISIONAL_MARK if deadline.provisional else "")


def _location(case: Case) -> str:
    r = case.registered
    return address(r.get("project"), r.get("building"), r.get("room"))


def _next_deadline(case: Case, meeting_date: date) -> str:
    waiting = [d for d in case.deadlines if d.met_on is None]
    if not waiting:
        return "无待办期限"
    nxt = min(waiting, key=lambda d: (d.due, d.key))
    late = "（已逾期）" if nxt.due < meeting_date else ""
    return f"{nxt.label}，{_due(nxt)}{late}（{nxt.clause}）"


def _stage(case: Case) -> str:
    kinds = {e.kind for e in case.events}
    return next((name for kind, name in STAGES if kind in kinds), "已登记")


def _closed(case: Case) -> bool:
    return any(e.kind == CASE_CLOSED for e in case.events)


def _week_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _case_item(case: Case, meeting_date: date, tag: str) -> dict:
    r = case.registered
    title = f"{case.number}　{r.get('customer') or ''}　{_location(case)}（{r.get('category') or ''}，{tag}）"
    detail = "\n".join(
        (
            f"投诉内容：{r.get('content') or ''}",
            f"责任部门：{r.get('department') or ''}；处理阶段：{_stage(case)}"
            + ("；重大投诉" if r.get("major") else ""),
            f"最新进展：{latest_progress(case, meeting_date) or '尚无处理进展'}",
            f"下一期限：{_next_deadline(case, meeting_date)}",
        )
    )
    return {"title": title, "detail": detail}


def _coordination(ws: Workspace, ledger: Ledger, meeting_date: date, project: str | None, force: bool = False) -> dict:
    if not project:
        raise MinutesError("投诉协调例会按小区召开（CS-3.10.1）；请指明小区（项目）名称")
    # CS-3.10.1: weekly in the first year after delivery. Outside it the meeting is not required: refused
    # unless the manager insists (--force); without a delivery date it cannot be checked, so it is noted.
    standing = delivery(ws.settings, project, meeting_date)
    notice = ""
    if standing.state in ("before", "after"):
        if not force:
            raise MinutesError(f"{standing.explain()}。未生成纪要草稿；如确需另行召开，请加 --force")
        notice = f"注意：{standing.explain()}。本纪要为另行召开的投诉协调会议。"
    # An unknown delivery date is for the administrator (console and `docgen doctor`), not for the meeting.
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
        f"前期尚未解决 {len(still_open)} 件。" + (f"{standing.explain()}。" if standing.state == "first_year" else ""),
        "agenda": agenda,
        "project": project,
        "notice": notice,
    }


def _directors(ws: Workspace, ledger: Ledger, meeting_date: date) -> dict:
    reports = weekly(ledger, ws.calendar, meeting_date.isoformat())
    agenda = []
    for report in reports:
        lines = [
            f"本周新增 {len(report.new)} 件，本周办结 {len(report.closed)} 件，尚未解决 {len(report.still_open)} 件，"
            f"逾期事项 {len(report.overdue)} 项。"
        ]
        for item in sorted(report.overdue, key=lambda o: (o.case.number, o.deadline.due, o.deadline.key)):
            lines.append(
                f"逾期：{item.case.number} {item.deadline.label}，期限{_due(item.deadline)}（{item.deadline.clause}），"
                f"逾期 {item.workdays_late} 个工作日"
            )
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
    name = event_label(event.kind)
    extra = ""
    if event.kind == CASE_PROGRESS:
        extra = f"：{event.payload.get('progress') or ''}"
    elif event.kind == CASE_MINUTES:
        extra = f"：{event.payload.get('meeting_type') or ''}（{event.payload.get('meeting_date') or ''}）"
    elif detail := action_event_detail(event):
        extra = f"：{detail}"
    return f"{chinese_date(_event_day(event))}　{name}{extra}"


def _event_day(event) -> date:
    """The day a step happened: the day its form gives (登记受理 on the day received) or the day recorded."""
    field = day_field(event.kind)
    value = event.payload.get(field) if field else None
    try:
        return day_of(value) if value else day_of(event.recorded_at)
    except ValueError:
        return day_of(event.recorded_at)


def _special(ws: Workspace, ledger: Ledger, meeting_date: date, case_number: str | None) -> dict:
    if not case_number:
        raise MinutesError("重大投诉专题会议针对一件投诉（CS-3.10.5）；请指明登记编号")
    case = find_case(ledger, case_number)  # from its own events
    if case is None:
        raise MinutesError(f"登记编号“{case_number}”不存在；请核对编号")
    case = _as_of(case, meeting_date)
    r = case.registered
    facts = "\n".join(
        (
            f"受理时间：{r.received_text}（{r.get('channel') or ''}）",
            f"客户：{r.get('customer') or ''}　{r.get('phone') or ''}",
            f"房号：{_location(case)}",
            f"类别：{r.get('category') or ''}；责任部门：{r.get('department') or ''}；受理人：{r.get('receiver') or ''}",
            f"投诉内容：{r.get('content') or ''}",
            "重大投诉：是（已按CS-3.4.7上报）" if r.get("major") else "重大投诉：登记时未标为重大投诉",
        )
    )
    history = "\n".join(_history_line(e) for e in case.events) or "无"
    deadlines = (
        "\n".join(
            f"{d.label}：{_due(d)}（{d.clause}），"
            + (
                f"{chinese_date(d.met_on)}完成" + ("，逾期" if d.met_on > d.due else "")
                if d.met_on
                else ("已逾期，未完成" if d.due < meeting_date else "未到期")
            )
            for d in sorted(case.deadlines, key=lambda d: (d.due, d.key))
        )
        or "无"
    )
    recipients = "、".join(ws.settings.escalation.recipients)
    return {
        "title": "重大投诉专题会议纪要",
        "attendees": "、".join(
            dict.fromkeys(
                part for part in (recipients, "客户服务部", r.get("department") or "", r.get("office") or "") if part
            )
        ),
        "cases": case.number,
        "project": r.get("project") or "",
        "scope": f"投诉：{case.number}　{r.get('customer') or ''}　{_location(case)}；处理阶段：{_stage(case)}。",
        "agenda": [
            {"title": "投诉事实", "detail": facts},
            {"title": "处理经过", "detail": history},
            {"title": "处理期限", "detail": deadlines},
            {"title": "处理方案及责任分工", "detail": ""},
        ],
    }


def open_actions(
    ws: Workspace,
    ledger: Ledger,
    kind: str,
    meeting_date: date,
    project: str | None = None,
    case_number: str | None = None,
) -> list[Action]:
    """The earlier decisions still open that a meeting reviews (上次会议决定事项落实情况), by due date.

    Decided at an earlier meeting and not done, as the ledger stood at the end of the meeting date;
    coordination (CS-3.10.1): those of the community's earlier coordination meetings and those on its
    complaints; special meeting (CS-3.10.5): those on its complaint; directors' meeting (CS-3.10.2): all
    of them, the department's weekly review of everything still open.
    """
    chosen = []
    case_projects: dict[str, str | None] = {}
    if kind == "coordination":
        actions = all_actions(ledger, until=meeting_date)
        # the community of each case a decision was taken on (case_state), not every case of the ledger
        case_projects = {
            row["case_id"]: row["project"] for row in ledger.case_state_of(a.case_id for a in actions if a.case_id)
        }
    for action in all_actions(ledger, until=meeting_date):
        if not action.open or action.meeting_date >= meeting_date:
            continue
        if action.kind == NC_ACTION:  # a 《纠正措施记录》's item: followed up by 总经室 (NC-2.3), not these meetings
            continue
        if kind == "coordination" and project not in (action.project, case_projects.get(action.case_id or "")):
            continue
        if kind == "special" and action.case_id != case_number:
            continue
        chosen.append(action)
    return sorted(chosen, key=lambda a: (a.due, a.seq))


def _action_row(ws: Workspace, action: Action, meeting_date: date) -> dict:
    late = ws.calendar.workdays_late(action.due, meeting_date) if action.due < meeting_date else 0
    origin = action.meeting() + (f"；{action.case_id}" if action.case_id else "")
    return {
        "key": action.key,
        "text": f"{action.text}\n（{origin}）",
        "owner": action.owner,
        "due": chinese_date(action.due),
        "late": str(late) if late else "—",
    }


def draft_context(
    ws: Workspace,
    ledger: Ledger,
    kind: str,
    meeting_date: date,
    project: str | None = None,
    case_number: str | None = None,
    force: bool = False,
) -> dict:
    """The context of ``minutes.docx`` for one meeting (``kind``: coordination | directors | special).
    ``force``: draft a coordination meeting outside the first year after delivery (CS-3.10.1)."""
    if kind not in KINDS:
        raise MinutesError(f"会议类型“{kind}”不存在；应为：{'、'.join(KINDS)}")
    meeting_type = KINDS[kind]
    if kind == "coordination":
        parts = _coordination(ws, ledger, meeting_date, project, force)
    elif kind == "directors":
        parts = _directors(ws, ledger, meeting_date)
    else:
        parts = _special(ws, ledger, meeting_date, case_number)
    reviewed = open_actions(ws, ledger, kind, meeting_date, project, case_number)
    return {
        "meeting_type": meeting_type,
        "clause": MEETING_CLAUSES[meeting_type],
        "meeting_date": chinese_date(meeting_date),
        "issued_on": chinese_date(meeting_date),
        "chair": "",
        "recorder": "",
        "project": "",
        "notice": "",
        "open_actions": [_action_row(ws, action, meeting_date) for action in reviewed],
        **parts,
    }


def draft_path(
    ws: Workspace, kind: str, meeting_date: date, project: str | None = None, case_number: str | None = None
) -> Path:
    """``outbox/reports/<YYYY-Www>/会议纪要-<kind>-<project or case>-<date>.docx``."""
    subject = project if kind == "coordination" else case_number if kind == "special" else "客户服务部"
    name = f"会议纪要-{KINDS[kind]}-{safe_part(subject or '', 80)}-{meeting_date.isoformat()}.docx"
    return ws.root / ws.settings.paths.outbox / "reports" / _week_label(meeting_date) / name


def write_draft(
    ws: Workspace,
    ledger: Ledger,
    kind: str,
    meeting_date: date,
    project: str | None = None,
    case_number: str | None = None,
    force: bool = False,
) -> Path:
    """Render the draft minutes; the same ledger and date give the same document."""
    context = draft_context(ws, ledger, kind, meeting_date, project, case_number, force)
    return render_docx(
        find_template(TEMPLATE, ws.templates), context, draft_path(ws, kind, meeting_date, project, case_number)
    )


def coordination_projects(ws: Workspace, ledger: Ledger, meeting_date: date) -> tuple[list[str], list[str]]:
    """The communities that hold the weekly coordination meeting on ``meeting_date`` (in their first year
    after delivery by ``[projects]`` in docgen.toml, CS-3.10.1), and those with complaints in the ledger
    whose delivery date is not configured (cannot be told)."""
    settings = ws.settings
    due = sorted(p for p in settings.projects if delivery(settings, p, meeting_date).state == "first_year")
    undated = [p for p in ledger_projects(ledger) if delivery(settings, p, meeting_date).state == "unknown"]
    return due, undated


def write_drafts(
    ws: Workspace,
    ledger: Ledger,
    kind: str,
    meeting_date: date,
    project: str | None = None,
    case_number: str | None = None,
    force: bool = False,
) -> tuple[list[Path], list[str]]:
    """``docgen minutes``: the drafts written and notes for the manager (Chinese).

    A coordination meeting without a community drafts one for every community in its first year after
    delivery (CS-3.10.1), and one for every community with complaints whose delivery date is unknown,
    named in a note so that its date gets configured."""
    if kind != "coordination" or project:
        notes = []
        if kind == "coordination" and project:  # (a coordination meeting reaches here only with a project)
            standing = delivery(ws.settings, project, meeting_date)
            if standing.state != "first_year":
                notes.append(standing.explain())
        return [write_draft(ws, ledger, kind, meeting_date, project, case_number, force)], notes
    if force:
        raise MinutesError("--force 只用于指定的小区：请同时写明 --project 小区名称")
    due, undated = coordination_projects(ws, ledger, meeting_date)
    notes = []
    if not due and not undated:
        notes.append(
            f"{chinese_date(meeting_date)}没有处于交付后一年内的小区（按 docgen.toml [projects] 中的交付日期，"
            f"{FIRST_YEAR_CLAUSE}），无需起草投诉协调例会纪要"
        )
    if undated:
        # Drafted all the same: a meeting prepared in vain costs less than one the procedure required
        # and nobody prepared; each draft carries the note too.
        notes.append(
            f"以下小区在台账中有投诉，但 docgen.toml 中没有交付日期，无法判断是否仍在交付后一年内"
            f"（{FIRST_YEAR_CLAUSE}），已照常起草：{'、'.join(undated)}；请在 docgen.toml 中登记"
            f' [projects."{undated[0]}"] delivered = 交付日期，满一年后即不再起草'
        )
    return [write_draft(ws, ledger, kind, meeting_date, name) for name in sorted(due + undated)], notes
