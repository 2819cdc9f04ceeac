"""Completed minutes dropped back (CS-3.10.1, 3.10.2, 3.10.5): recorded against every case they name
(``case.minutes``), each decision a tracked action (``minutes.action``) with a deadline keyed
``action-<seq>``, each earlier action marked 已完成 done (``minutes.action_done``, ``docgen.actions``);
the minutes are filed as PDF/A with the Word original attached.

Drafting minutes is a report: ``docgen.reports.minutes_drafts``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from docgen.actions import Action, done_problem, load_actions, normalize_key, record_done
from docgen.atomic import safe_part
from docgen.events import CASE_MINUTES, MINUTES_ACTION
from docgen.findings import Finding, error, has_errors, warning
from docgen.forms.base import ParsedForm, Raw
from docgen.forms.minutes import (
    COORDINATION,
    DONE,
    MEETING_CLAUSES,
    MINUTES,
    REVIEW,
    ActionReview,
    MinutesDecision,
    MinutesHeader,
)
from docgen.ledger import Transaction
from docgen.projects import FIRST_YEAR_CLAUSE, delivery
from docgen.steps.base import (
    Check,
    Context,
    Decision,
    Document,
    FormStep,
    Submission,
    TrackedItem,
    assigned,
    header_of,
    item_deadline,
    lines_of,
    rows_of,
    run_checks,
    tracked_before,
)
from docgen.wording import chinese_date
from docgen.workspace import Workspace

_SEPARATORS = re.compile(r"[\s,，、;；/]+")


def split_case_numbers(text: str | None) -> list[str]:
    """登记编号 written in one cell, separated by commas, 、, semicolons or spaces; order kept, no repeats."""
    seen: list[str] = []
    for part in _SEPARATORS.split(text or ""):
        if part and part not in seen:
            seen.append(part)
    return seen


def _week_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _where(raw: Raw | None) -> dict:
    return {} if raw is None else {"location": raw.location, "sheet": raw.sheet, "cell": raw.cell}


def _review(
    tx: Transaction,
    header: MinutesHeader,
    rows: list[tuple[ActionReview, int, dict[str, Raw]]],
    clause: str,
    today: date,
) -> tuple[list, list[tuple[Action, date, int]]]:
    """The earlier decisions the meeting marked 已完成: findings, and (action, done on, row) to record.

    Errors name the cell and what is expected: an unknown 事项编号, a 完成日期 with no 已完成, a date before
    the decision or after today. Done without a date counts as done on the meeting date (a warning says so).
    """
    findings, marked = [], []
    actions = {action.key: action for action in load_actions(tx)}
    seen: dict[str, int] = {}
    for review, row, sources in rows:
        label = f"{REVIEW.title}第{row}行"
        key = normalize_key(review.action)
        action = actions.get(key) if key else None
        if not key or action is None:
            findings.append(
                error(
                    f"{label}的事项编号“{review.action}”不存在；应为草稿中列出的事项编号（如 action-12），请勿改动该列",
                    clause=clause,
                    field="review.action",
                    **_where(sources.get("action")),
                )
            )
            continue
        if key in seen:
            findings.append(
                error(
                    f"{label}的事项编号{key}与第{seen[key]}行重复；每项决定只填一行",
                    clause=clause,
                    field="review.action",
                    **_where(sources.get("action")),
                )
            )
            continue
        seen[key] = row
        if review.status != DONE:
            if review.status and action.done_on is not None:  # the filed minutes would contradict the ledger
                findings.append(
                    warning(
                        f"{label}（{key}）已于{chinese_date(action.done_on)}登记为完成，本次标为"
                        f"“{review.status}”，台账未更改；如该完成登记有误，请告知客户服务部",
                        clause=clause,
                        field="review.status",
                        **_where(sources.get("status")),
                    )
                )
            if review.done_on is not None:
                findings.append(
                    error(
                        f"{label}（{key}）填写了完成日期，但完成情况为“{review.status or '空白'}”；已完成的请在“完成情况”中填写"
                        f"“{DONE}”，未完成的请删去完成日期",
                        clause=clause,
                        field="review.status",
                        **_where(sources.get("status")),
                    )
                )
            continue
        if review.done_on is None and action.done_on is not None:
            continue  # already recorded as done (e.g. by docgen action done): only a typed date corrects it
        done_on = review.done_on or header.meeting_date
        problem = done_problem(action, done_on, today)
        if problem:
            findings.append(
                error(
                    f"{label}（{key}）的{problem}",
                    clause=clause,
                    field="review.done_on",
                    **_where(sources.get("done_on") if review.done_on else sources.get("status")),
                )
            )
            continue
        if review.done_on is None:
            findings.append(
                warning(
                    f"{label}（{key}）标为已完成但没有填写完成日期，按会议日期"
                    f"{chinese_date(header.meeting_date)}登记为完成",
                    clause=clause,
                    field="review.done_on",
                    **_where(sources.get("done_on")),
                )
            )
        elif done_on > header.meeting_date:
            findings.append(
                warning(
                    f"{label}（{key}）的完成日期{chinese_date(done_on)}晚于本次会议日期"
                    f"{chinese_date(header.meeting_date)}；已按所填日期登记，请核对",
                    clause=clause,
                    field="review.done_on",
                    **_where(sources.get("done_on")),
                )
            )
        if action.done_on == done_on:
            continue  # already recorded as done that day (e.g. by docgen action done): nothing to add
        if action.done_on is not None:
            findings.append(
                warning(
                    f"{label}（{key}）已于{chinese_date(action.done_on)}登记为完成，本次按{chinese_date(done_on)}更正",
                    clause=clause,
                    field="review.done_on",
                    **_where(sources.get("done_on")),
                )
            )
        marked.append((action, done_on, row))
    return findings, marked


def handle_minutes(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    """Archive the minutes against every case it names, track every decision as an action, and mark done
    the earlier actions the meeting found completed.

    Each named case that exists gets a ``case.minutes`` event (meeting type, date, its decisions); each
    decision a ``minutes.action`` event (on its case, or on no case) whose deadline ``action-<seq>`` is
    due on the decision's 完成期限 with the owner as who must act; each row of 上次会议决定事项落实情况
    marked 已完成 a ``minutes.action_done`` event (on the action's case). Nothing is recorded when any case
    number or 事项编号 is unknown, any decision lacks an owner or a due date, or a completion is invalid.
    """
    header = header_of(parsed, MinutesHeader)
    decisions = lines_of(parsed, MinutesDecision)
    reviews = rows_of(parsed, REVIEW.key, ActionReview)
    clause = MEETING_CLAUSES[header.meeting_type]
    result = Decision(findings=run_checks(CHECKS, Context(tx, ws, parsed, header, submission.today)))
    named = split_case_numbers(header.cases)
    if has_errors(result.findings):
        return result
    _, marked = _review(tx, header, reviews, clause, submission.today)

    meeting = {
        "meeting_type": header.meeting_type,
        "meeting_date": header.meeting_date.isoformat(),
        "clause": clause,
        "chair": header.chair,
        "recorder": header.recorder,
        "file": submission.name,
    }
    if header.project:
        meeting["project"] = header.project
    cases = list(dict.fromkeys(named + [d.case_number for d in decisions if d.case_number]))
    for number in cases:
        own = [
            {"text": d.text, "owner": d.owner, "due": _due(d).isoformat(), "row": row}
            for d, row in zip(decisions, parsed.line_rows)
            if d.case_number == number
        ]
        tx.append(
            CASE_MINUTES,
            {**meeting, "decisions": own},
            case_id=number,
            claim=submission.claim,
            sha256=submission.sha256,
        )
        result.case_ids.append(number)
    earlier = {(a.meeting_type, a.meeting_date, a.project, a.text): a for a in load_actions(tx)}
    for decision, row in zip(decisions, parsed.line_rows):
        # The same minutes sent again (a typo corrected) must not track its decisions twice: a decision of
        # the same meeting with the same text is that decision, corrected if its owner, due date or case
        # changed (a new event with its key: the latest one holds).
        same = earlier.get((header.meeting_type, header.meeting_date, header.project or None, decision.text))
        if same is not None:
            unchanged = (same.owner, same.due, same.case_id) == (
                decision.owner,
                decision.due,
                decision.case_number or None,
            )
            corrected = "责任人、完成期限或登记编号已按本次纪要更正"
            what = f"决定事项第{row}行“{decision.text}”"
            result.findings.append(tracked_before(what, same.key, unchanged, corrected, clause, "decisions.text"))
            if unchanged:
                continue
        key = same.key if same is not None else f"action-{tx.last_seq + 1}"  # the seq of the event about to be appended
        due = _due(decision).isoformat()
        tx.append(
            MINUTES_ACTION,
            {
                **meeting,
                "owner": decision.owner,
                "text": decision.text,
                "due": due,
                "row": row,
                "deadlines": [item_deadline(key, decision.text, due, clause, "会议纪要", decision.owner)],
            },
            case_id=decision.case_number or None,
            claim=submission.claim,
            sha256=submission.sha256,
        )
    for action, done_on, row in marked:
        record_done(
            tx,
            action,
            done_on,
            by=header.chair,
            source="minutes",
            claim=submission.claim,
            sha256=submission.sha256,
            file=submission.name,
            meeting_type=header.meeting_type,
            meeting_date=header.meeting_date.isoformat(),
            row=row,
        )
        if action.case_id and action.case_id not in result.case_ids:
            result.case_ids.append(action.case_id)
    result.documents.append(
        archive_pdf(ws, header, decisions, cases, clause, submission, _reviewed_rows(tx, header, reviews))
    )
    return result


def _due(decision: MinutesDecision) -> date:
    """The 完成期限 of a decision recorded: ``decisions_complete`` refuses minutes with a decision without one."""
    if decision.due is None:
        raise ValueError(f"decision {decision.text!r} has no due date")
    return decision.due


def _reviewed_rows(
    tx: Transaction, header: MinutesHeader, reviews: list[tuple[ActionReview, int, dict[str, Raw]]]
) -> list[dict]:
    """What the filed PDF says of the earlier decisions this meeting reviewed (rows with a known 事项编号)."""
    known = {action.key: action for action in load_actions(tx)}
    rows = []
    for review, _, _ in reviews:
        action = known.get(normalize_key(review.action) or "")
        if action is None:
            continue
        done = review.status == DONE
        rows.append(
            {
                "key": action.key,
                "text": action.text,
                "owner": action.owner,
                "due": chinese_date(action.due),
                "status": review.status or "未填写",
                "done_on": chinese_date(review.done_on or header.meeting_date) if done else "",
            }
        )
    return rows


def archive_pdf(
    ws: Workspace, header, decisions, cases: list[str], clause: str, submission, reviewed: Sequence[dict] = ()
) -> Document:
    """The completed minutes as PDF/A-3b for the archive, the Word original attached inside; ``reviewed``
    are the earlier decisions the meeting reported on (see :func:`_reviewed_rows`)."""
    from docgen.procedures.clauses import cite

    day = header.meeting_date
    title = header.meeting_type + ("纪要" if header.meeting_type.endswith(("会议", "例会")) else "会议纪要")
    context = {
        "title": title,
        "meeting_type": header.meeting_type,
        "meeting_date": chinese_date(day),
        "chair": header.chair,
        "recorder": header.recorder,
        "attendees": header.attendees or "",
        "cases": "、".join(cases) or "—",
        "project": header.project or "",
        "reviewed": list(reviewed),
        "decisions": [
            {"text": d.text, "owner": d.owner, "due": chinese_date(d.due), "case_number": d.case_number or ""}
            for d in decisions
        ],
        "clause_text": cite(clause).removeprefix("《客户服务管理程序》"),
        "filed_on": chinese_date(submission.today),
    }
    name = f"会议纪要-{safe_part(header.meeting_type, 40)}-{day.isoformat()}-{submission.short}.pdf"
    suffix = Path(submission.archived).suffix.lower() if submission.archived else ""
    attachments = (
        [
            [
                submission.archived,
                f"minutes-original{suffix if suffix.isascii() else ''}",
                f"会议纪要原件：{submission.name}",
            ]
        ]
        if submission.archived
        else []
    )
    return Document(
        f"{ws.settings.paths.outbox}/reports/{_week_label(day)}/{name}",
        "pdf",
        {"template": "minutes.typ", "context": context, "attachments": attachments},
    )


# ------------------------------------------------------------ checks (CS-3.10.1, 3.10.2, 3.10.5)


def _clause(context: Context[MinutesHeader]) -> str:
    return MEETING_CLAUSES[context.header.meeting_type]


def cases_named(context: Context[MinutesHeader]) -> list[Finding]:
    """Every 登记编号 in 涉及案件 exists."""
    return [
        error(
            f"“涉及案件”中的登记编号“{number}”不存在；请核对编号",
            clause=_clause(context),
            field="cases",
            **_where(context.sources.get("cases")),
        )
        for number in split_case_numbers(context.header.cases)
        if not context.tx.case_exists(number)
    ]


DECISION = TrackedItem("决定事项", "决定", "责任人", "责任人", "decisions", "会议日期")


def decisions_complete(context: Context[MinutesHeader]) -> list[Finding]:
    """Each decision on a case that exists, with an owner and a due date (not before the meeting)."""
    header, parsed, clause = context.header, context.parsed, _clause(context)
    findings: list[Finding] = []
    for decision, row, sources in zip(lines_of(parsed, MinutesDecision), parsed.line_rows, parsed.line_sources):
        if decision.case_number and not context.tx.case_exists(decision.case_number):
            findings.append(
                error(
                    f"决定事项第{row}行的登记编号“{decision.case_number}”不存在；请核对编号",
                    clause=clause,
                    field="decisions.case_number",
                    **_where(sources.get("case_number")),
                )
            )
        findings += assigned(
            DECISION, row, decision.text, decision.owner, decision.due, header.meeting_date, sources, clause
        )
    return findings


def earlier_actions(context: Context[MinutesHeader]) -> list[Finding]:
    """The rows of 上次会议决定事项落实情况: known 事项编号, consistent 完成情况 and 完成日期."""
    reviews = rows_of(context.parsed, REVIEW.key, ActionReview)
    return _review(context.tx, context.header, reviews, _clause(context), context.today)[0]


def something_filled(context: Context[MinutesHeader]) -> list[Finding]:
    """A decision, or the 完成情况 of an earlier one."""
    reviews = rows_of(context.parsed, REVIEW.key, ActionReview)
    if not context.parsed.lines and not any(r.status or r.done_on for r, _, _ in reviews):
        return [
            error(
                f"“决定事项”中没有填写任何一行，“{REVIEW.title}”也没有填写完成情况；"
                "请填写本次会议的决定事项或上次决定事项的完成情况",
                clause=_clause(context),
                field="decisions",
                location="决定事项表格",
            )
        ]
    return []


def coordination_project(context: Context[MinutesHeader]) -> list[Finding]:
    """CS-3.10.1: a coordination meeting names its community; outside its first year it is noted."""
    header = context.header
    if header.meeting_type != COORDINATION:
        return []
    if not header.project:
        # Without its community the meeting's decisions on no case would never come back in its drafts.
        return [
            error(
                "投诉协调例会按小区召开（CS-3.10.1）；请在“项目/小区”中填写小区名称，如 融侨锦江",
                clause=FIRST_YEAR_CLAUSE,
                field="project",
                **_where(context.sources.get("project")),
            )
        ]
    standing = delivery(context.ws.settings, header.project, header.meeting_date)
    if standing.state in ("before", "after"):  # a true record all the same: kept, with the fact noted
        return [
            warning(
                f"{standing.explain()}；纪要照常登记",
                clause=FIRST_YEAR_CLAUSE,
                field="project",
                **_where(context.sources.get("project")),
            )
        ]
    return []


CHECKS: tuple[Check, ...] = (cases_named, decisions_complete, earlier_actions, something_filled, coordination_project)

STEP = FormStep(MINUTES, CHECKS, handle_minutes)
