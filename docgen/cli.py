"""The ``docgen`` command: parse arguments, call the library, print. Messages for staff are Chinese."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import unicodedata
from datetime import date, timedelta
from pathlib import Path

from docgen import __version__
from docgen.errors import DocgenError
from docgen.events import label as event_label
from docgen.workspace import Workspace, init_workspace


def _emit(data, as_json: bool, text: str) -> None:
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=None))
    else:
        print(text)


def _outcome_line(outcome) -> str:
    from docgen.atomic import display_name
    from docgen.pipeline import INTERNAL_ERROR_STATUS_ZH, STATUS_ZH

    status = INTERNAL_ERROR_STATUS_ZH if outcome.internal_error else STATUS_ZH[outcome.status]
    parts = [f"{status}：{display_name(outcome.file)}"]
    if outcome.case_ids:
        parts.append(f"  登记编号：{'、'.join(outcome.case_ids)}")
    for finding in outcome.findings:
        where = f"【{finding.location}】" if finding.location else ""
        parts.append(f"  - {where}{finding.cited}")
    for output in outcome.outputs:
        parts.append(f"  → {output}")
    return "\n".join(parts)


def _printer(as_json: bool):
    def show(outcome) -> None:
        print(json.dumps(outcome.as_json(), ensure_ascii=False) if as_json else _outcome_line(outcome), flush=True)

    return show


class Progress:
    """A one-line counter on a terminal's stderr for long runs; silent when stderr is a file or a pipe."""

    def __init__(self, total: int, label: str, stream=None):
        self.total, self.label, self.done = total, label, 0
        self.stream = stream or sys.stderr
        self.active = total > 1 and self.stream.isatty()

    def step(self) -> None:
        self.done += 1
        self.total = max(self.total, self.done)  # files finished from an interrupted run count too
        if self.active:
            width = 30
            filled = width * self.done // self.total
            self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}")
            self.stream.flush()
            if self.done == self.total:
                self.stream.write("\n")


def _today(args) -> date | None:
    return date.fromisoformat(args.today) if getattr(args, "today", None) else None


# ------------------------------------------------------------ commands


def cmd_init(args) -> int:
    ws = init_workspace(Path(args.dir))
    from docgen.atomic import use_file_mode
    from docgen.forms_io import write_blank_forms

    use_file_mode(ws.settings.paths.file_mode)
    write_blank_forms(ws)
    print(f"已创建工作区：{ws.root}")
    return 0


def cmd_forms(args) -> int:
    from docgen.forms_io import write_blank_forms

    ws = _open(args)
    written = write_blank_forms(ws)
    _emit(
        {"forms": [str(p.relative_to(ws.root)) for p in written]},
        args.json,
        "\n".join(f"已生成空白表单：{p.relative_to(ws.root)}" for p in written) or f"{ws.forms} 中的空白表单已是最新",
    )
    return 0


def cmd_process(args) -> int:
    from docgen.service import exclusive, pending, process_paths

    ws = _open(args)
    ws.ensure_folders()
    ws.check_local_var()
    ws.check_calendar()  # a malformed calendar.toml stops the start, naming the file and line
    ws.check_ledger_head()  # a ledger cut short or rewritten stops it too
    with exclusive(ws):
        # Never resolve a named entry itself: a link is claimed (and refused) as the link, not its target.
        paths = [Path(p).parent.resolve() / Path(p).name for p in args.paths] if args.paths else pending(ws)
        # Only what was dropped into intake/ is claimed: a claim moves the entry, and a path named from
        # elsewhere (another folder, /dev/null, a pipe) is not the clerk's drop to move or refuse.
        outside = [p for p in paths if p.parent != ws.intake.resolve()]
        if outside:
            print(
                "只处理 intake 文件夹中的文件，以下文件不在其中："
                + "、".join(str(p) for p in outside)
                + f"。请把文件放入 {ws.intake} 后再处理",
                file=sys.stderr,
            )
            return 2
        missing = [p for p in paths if not os.path.lexists(p) or (p.is_dir() and not p.is_symlink())]
        if missing:
            print("找不到文件：" + "、".join(str(p) for p in missing), file=sys.stderr)
            return 2
        jobs = args.jobs if args.jobs else (min(2, os.cpu_count() or 1) if len(paths) > 8 else 1)
        failures: list[Path] = []
        progress, show = Progress(len(paths), "处理进度"), _printer(args.json)

        def on_outcome(outcome) -> None:
            if progress.active and not args.json:
                sys.stderr.write("\r")
            show(outcome)
            progress.step()

        outcomes = process_paths(ws, paths, jobs=jobs, today=_today(args), on_outcome=on_outcome, failures=failures)
    if failures or any(o.internal_error for o in outcomes):
        return 2  # a system fault, explained on stderr and in the log; no file is lost
    if not args.json and not outcomes:
        print("intake 文件夹中没有待处理的文件")
    return 1 if any(o.status == "rejected" for o in outcomes) else 0


def cmd_watch(args) -> int:
    from docgen.service import exclusive
    from docgen.watch import watch

    ws = _open(args)
    ws.ensure_folders()
    ws.check_local_var()
    ws.check_calendar()  # a malformed calendar.toml stops the start, naming the file and line
    ws.check_ledger_head()  # a ledger cut short or rewritten stops it too
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    mode = f"每 {args.poll} 秒轮询" if args.poll else "inotify"
    if not args.json:
        print(
            f"docgen {__version__} 正在监视 {ws.intake}（{mode}）；把填好的表单放入该文件夹即可。按 Ctrl+C 停止。",
            flush=True,
        )
    with exclusive(ws):
        watch(
            ws, poll=args.poll, jobs=args.jobs or min(2, os.cpu_count() or 1), on_outcome=_printer(args.json), stop=stop
        )
    return 0


def _read_ledger(args, read):
    """``(workspace, today, read(ledger))``: the ledger is open only while ``read`` runs."""

    ws = _open(args)
    today = _today(args) or ws.today()
    ledger = ws.open_ledger()
    try:
        return ws, today, read(ledger)
    finally:
        ledger.close()


def _unwritten(ws: Workspace) -> dict:
    """Documents of recorded submissions still waiting to be written (outbox/ full or read-only):
    how many, which, why (when a running watcher knows) and whether a watcher is retrying them."""
    if not ws.spool.is_dir() or not any(ws.spool.glob("*.json")):  # nothing waiting: no need to load the pipeline
        return {"count": 0, "paths": [], "retrying": False, "reason": None}
    from docgen.pipeline import unwritten
    from docgen.watch import retry_note

    ledger = ws.open_ledger()
    try:
        missing = unwritten(ws, ledger)
    finally:
        ledger.close()
    note = retry_note(ws) if missing else None
    return {"count": len(missing), "paths": missing, "retrying": note is not None, "reason": (note or {}).get("reason")}


def _unwritten_line(waiting: dict) -> str | None:
    if not waiting["count"]:
        return None
    if not waiting["retrying"]:
        return f"待写出文件：{waiting['count']} 份（已登记，保留在 var/spool）；下次运行 docgen watch 或 docgen process 时写出"
    reason = f"（{waiting['reason']}）" if waiting["reason"] else ""
    return f"待写出文件：{waiting['count']} 份{reason}，将自动重试"


def cmd_status(args) -> int:
    from docgen.cases import all_cases, case_json, case_office, case_summaries, find_case, open_cases

    office = getattr(args, "office", None) or None

    def read(ledger) -> list:
        # issue 15: one case from its own events; the open ones found by case_state, as its rows give them
        # for the list (built from their events for --json, which lists their events); every case for --all
        if office and office not in (known := ledger.case_offices()):
            # a misspelt office would otherwise read as one with nothing open
            raise DocgenError(f"台账中没有服务处“{office}”的案件；台账中的服务处：{'、'.join(known) or '（尚无案件）'}")
        if args.case:
            return [case for case in [find_case(ledger, args.case)] if case is not None]
        if args.all:
            return all_cases(ledger)
        return open_cases(ledger, office) if args.json else case_summaries(ledger, ledger.open_case_numbers(office))

    ws, today, cases = _read_ledger(args, read)
    if office:  # issue 15: one service office's cases (the register's 受理 office)
        cases = [c for c in cases if case_office(c) == office]
    if args.case:
        if not cases:
            print(f"没有登记编号为 {args.case} 的案件", file=sys.stderr)
            return 2
    elif not args.all:
        cases = [c for c in cases if c.open]
    if args.overdue:
        cases = [c for c in cases if c.overdue(today)]
    data = [case_json(c, today) for c in cases] if args.json else []  # the list below reads the rows alone
    waiting = _unwritten(ws)
    early = [] if args.case else _early_warnings(ws, today)  # CS-3.7.4, as soon as the pattern appears
    if office:  # a pattern is its project's: that project's office, as routed now
        early = [flag for flag in early if ws.settings.routing.office_for(flag.project) == office]
    plan_late = [] if args.case else _plan_overdue(ws, today)  # issue 14: PL-3.3.1, PL-3.3.2
    if args.json:
        report = {"today": today.isoformat(), "cases": data, "unwritten": waiting}
        report["plan_overdue"] = [item.text for item in plan_late]
        print(json.dumps({**report, "early_warnings": [f.text for f in early]}, ensure_ascii=False))
        return 0
    if not args.case and (line := _unwritten_line(waiting)):
        print(line)
    if early:
        print("预警（CS-3.7.4，可能引发重大投诉）：")
        print("\n".join(f"  {index}. {flag.text}" for index, flag in enumerate(early, start=1)) + "\n")
    if plan_late:
        print("计划执行报告逾期（PL-3.3.1 报送、PL-3.3.2 财务审核）：")
        print("\n".join(f"  {index}. {item.text}" for index, item in enumerate(plan_late, start=1)) + "\n")
    if not cases:
        print("没有未办结的案件" if not args.overdue else "没有逾期的案件")
        return 0
    if args.case:
        print(_case_detail(cases[0], today))
        return 0
    widths = (16, 8, 10, 12, 18)
    print(_row(("登记编号", "阶段", "类别", "责任部门", "下一期限", "事项"), widths))
    for case in cases:
        nxt = case.next_deadline()
        due = "" if nxt is None else nxt.due.isoformat() + ("（暂定）" if nxt.provisional else "")
        flags = ("【逾期】" if case.overdue(today) else "") + ("【重大】" if case.major else "")
        label = "" if nxt is None else f"{nxt.label}（{nxt.clause}）— {nxt.actor or ''}"
        print(
            _row(
                (
                    case.number,
                    case.stage,
                    case.registered.get("category", ""),
                    case.registered.get("department", ""),
                    due,
                    flags + label,
                ),
                widths,
            )
        )
    overdue = sum(1 for c in cases if c.overdue(today))
    print(f"\n共 {len(cases)} 件，其中逾期 {overdue} 件（截至 {today.isoformat()}）")
    return 0


def _plan_overdue(ws: Workspace, today: date) -> list:
    """The plan's execution reports and finance reviews overdue on ``today`` (docgen.plans.overdue, issue 14)."""
    from docgen.plans import overdue

    ledger = ws.open_ledger()
    try:
        return overdue(ledger, ws.settings, today)
    finally:
        ledger.close()


def _early_warnings(ws: Workspace, today: date) -> list:
    """The patterns that may become a major complaint on ``today`` (CS-3.7.4, ``[warnings]``)."""
    from docgen.reports.early_warnings import early_warnings

    ledger = ws.open_ledger()
    try:
        return early_warnings(ledger, ws.settings.warnings, today)
    finally:
        ledger.close()


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _row(cells, widths) -> str:
    """Columns aligned as a terminal shows them: a Chinese character takes two columns."""
    padded = [cell + " " * max(1, width - _width(cell)) for cell, width in zip(cells, widths)]
    return "".join(padded) + "".join(cells[len(widths) :])


def _case_detail(case, today: date) -> str:
    from docgen.actions import action_event_detail
    from docgen.events import CASE_ASSISTING, CASE_HANDLER, NC_RECORDED
    from docgen.forms.minutes import SPECIAL
    from docgen.wording import building_text

    registered = case.registered
    received = registered.received_at.isoformat(sep=" ")[:16] if registered.received_at else ""
    lines = [
        f"登记编号：{case.number}　阶段：{case.stage}{'　【重大投诉】' if case.major else ''}",
        f"客户：{registered.customer}　电话：{registered.phone}　"
        f"项目：{registered.project}"
        f"{' ' + building_text(registered.building) if registered.building else ''}{registered.room or ''}",
        f"类别：{registered.category}　责任部门：{registered.department}　"
        f"服务处：{registered.office}　受理：{received}",
        f"承办人：{case.handler or '责任部门尚未指定（CS-3.4.2.1）'}"
        + (f"　协办部门：{case.assisting}" if case.assisting else ""),
        f"内容：{registered.content}",
        "",
        "期限：",
    ]
    for deadline in case.deadlines:
        if deadline.met_on:
            state = f"已于 {deadline.met_on.isoformat()} 完成" + ("（逾期完成）" if deadline.late() else "")
        else:
            state = "【逾期】" if deadline in case.overdue(today) else ("待办" if case.open else "—")
        mark = "（暂定）" if deadline.provisional else ""
        lines.append(
            f"  {deadline.due.isoformat()}{mark}  {deadline.label}（{deadline.clause}）  "
            f"{deadline.actor or ''}  {state}"
        )
    if case.major and case.open and not any(e.payload.get("meeting_type") == SPECIAL for e in case.events):
        lines += ["", f"提示：重大投诉尚未召开专题会议（CS-3.10.5）：docgen minutes special --case {case.number}"]
    lines += ["", "事件："]
    for event in case.events:
        detail = (
            action_event_detail(event)
            or event.payload.get("progress")
            or event.payload.get("message")
            or (event.kind == CASE_HANDLER and f"承办人：{event.payload.get('handler')}")
            or (event.kind == CASE_ASSISTING and f"协办部门：{event.payload.get('assisting')}")
            or (
                event.kind == NC_RECORDED  # the record a complaint opened (NC-3.1.5/3.1.6), by its number
                and f"{event.payload.get('number')}（{event.payload.get('category_clause')}，"
                f"责任部门：{event.payload.get('department')}）  {event.payload.get('file') or ''}"
            )
            or event.payload.get("file")
            or ""
        )
        lines.append(
            f"  {event.seq:>6}  {event.recorded_at[:19].replace('T', ' ')}  {event_label(event.kind)}"
            f"{'  ' + detail if detail else ''}"
        )
    return "\n".join(lines)


def cmd_verify(args) -> int:
    from docgen.ledger import head_file_problems

    ws = _open(args)
    if args.why is not None and not args.reanchor:
        print(
            '--why 只与 --reanchor 一起使用：docgen verify --reanchor --why "从 2026-11-20 备份恢复"', file=sys.stderr
        )
        return 2
    if not ws.has_ledger():
        if args.reanchor:
            print(
                f"台账数据库 {ws.ledger_path} 不存在，无法重新锚定；请先从备份恢复该文件，再运行 docgen verify",
                file=sys.stderr,
            )
            return 2
        # No database, yet a head file says there was one: it was removed, not never made.
        problems = head_file_problems(ws.ledger_path, ws.head_files, None, None)
        _emit(
            {"ok": not problems, "events": 0, "problems": problems},
            args.json,
            "台账校验失败：\n" + "\n".join(problems) if problems else "台账尚未建立（还没有处理过文件）",
        )
        return 1 if problems else 0
    if args.reanchor:
        return _reanchor(ws, args)
    ledger = ws.open_ledger()
    try:
        problems, count, head = ledger.verify(), ledger.count(), ledger.head()
    finally:
        ledger.close()
    anchored = f"，与台账头文件一致（最新第 {head[0]} 条，哈希 {head[1][:16]}…）" if head else ""
    _emit(
        {
            "ok": not problems,
            "events": count,
            "problems": problems,
            "head": {"seq": head[0], "hash": head[1]} if head else None,
        },
        args.json,
        f"台账校验通过：{count} 条事件，哈希链完整{anchored}"
        if not problems
        else "台账校验失败：\n" + "\n".join(problems),
    )
    return 0 if not problems else 1


def cmd_rebuild(args) -> int:
    """``rebuild``: the case projection (``case_state``) recomputed from the events, in one transaction. The
    events are not touched; status and the reports read the rows (issue 15)."""
    ws = _open(args)
    if not ws.has_ledger():
        print(f"台账 {ws.ledger_path} 尚不存在，没有可重新计算的内容", file=sys.stderr)
        return 2
    ledger = ws.open_ledger()
    try:
        count = ledger.rebuild_projection()
        problems = ledger.projection_problems()
    finally:
        ledger.close()
    text = f"已按台账事件重新计算案件状态表：{count} 件案件"
    if problems:
        text += "\n" + "\n".join(problems)
    _emit({"ok": not problems, "cases": count, "problems": problems}, args.json, text)
    return 0 if not problems else 1


def _reanchor(ws: Workspace, args) -> int:
    """``verify --reanchor --why``: after a restore from backup, record why and rewrite the head files.
    A refusal (``ReanchorRefused``) reaches :func:`main`'s handler."""
    ledger = ws.open_ledger()
    try:
        event = ledger.reanchor(args.why or "")
        problems, head = ledger.verify(), ledger.head()
    finally:
        ledger.close()
    if event is None:
        text = "台账头文件与数据库一致，无需重新锚定；未作任何记录"
    else:
        before = "；".join(
            f"{f['file']} 原为"
            + (
                f"第 {f['seq']} 条（哈希 {f['hash'][:16]}…）"
                if "seq" in f
                else "不存在"
                if f.get("missing")
                else "无法读取"
            )
            for f in event.payload["head_files"]
        )
        text = (
            f"已重新锚定：{before}；现均为第 {head[0]} 条（哈希 {head[1][:16]}…）。"
            f"原因“{event.payload['reason']}”已记入台账第 {event.seq} 条事件"
        )
    if problems:
        text += "\n台账校验仍有问题：\n" + "\n".join(problems)
    _emit(
        {
            "ok": not problems,
            "reanchored": event is not None,
            "event": event.seq if event else None,
            "before": event.payload["head_files"] if event else None,
            "problems": problems,
            "head": {"seq": head[0], "hash": head[1]} if head else None,
        },
        args.json,
        text,
    )
    return 0 if not problems else 1


def cmd_ledger_copy(args) -> int:
    """``ledger copy --to URL``: the workspace's ledger copied whole (every event as stored, its counters and line
    fingerprints; the case projection recomputed) into an empty PostgreSQL database, or back into a new SQLite
    file, and both sides verified against the chain and the workspace's head files (issue 15). No watcher may run
    in the workspace meanwhile."""
    from docgen.ledger import Ledger
    from docgen.ledger_postgres import masked
    from docgen.service import exclusive

    ws = _open(args)
    if not ws.has_ledger():
        print(f"台账 {ws.ledger_path} 尚不存在，没有可复制的内容", file=sys.stderr)
        return 2
    to = args.to.strip()
    postgresql = to.startswith(("postgresql://", "postgres://"))
    if not postgresql and Path(to).exists():
        print(f"目标文件 {to} 已存在；请指定一个新的文件（如 ledger-copy.sqlite3）", file=sys.stderr)
        return 2
    if to == (ws.settings.ledger.url or ""):
        print("目标与本工作区的台账是同一个数据库", file=sys.stderr)
        return 2
    numbering = ws.settings.numbering
    with exclusive(ws):  # no watcher of this workspace appends while the events are copied
        source = ws.open_ledger()
        try:
            problems = source.verify()
            if problems:
                print("源台账校验失败，未复制：\n" + "\n".join(problems), file=sys.stderr)
                return 1
            target = Ledger(
                ws.ledger_path if postgresql else Path(to),
                timezone=ws.settings.workdays.timezone,
                anchors=ws.head_files,
                numberings=(numbering.complaint, numbering.work_order_a, numbering.work_order_b),
                url=to if postgresql else None,
            )
            try:
                copied = source.copy_to(target)
                from docgen.cases import PROJECTION

                target.use_projection(PROJECTION)  # the case projection, computed from the copied events
                # the source was verified above and nothing appends to it meanwhile (exclusive)
                problems = [f"目标：{p}" for p in target.verify()]
                head = target.head()
            finally:
                target.close()
        finally:
            source.close()
    shown = masked(to) if postgresql else to
    use = (
        f'在 docgen.toml 中写 [ledger] url = "{shown}"'
        if postgresql
        else f"把 {to} 放到 {ws.ledger_path}，并删除 docgen.toml 中的 [ledger] url"
    )
    text = (
        f"已复制 {copied} 条事件到 {shown}；两边校验均通过"
        + (f"（最新第 {head[0]} 条，哈希 {head[1][:16]}…）" if head else "")
        + f"。改用该台账：停止本工作区的 docgen watch，{use}，再启动"
        if not problems
        else "复制后校验失败：\n" + "\n".join(problems)
    )
    _emit({"ok": not problems, "events": copied, "to": shown, "problems": problems}, args.json, text)
    return 0 if not problems else 1


def cmd_calendar(args) -> int:
    from docgen.procedures.workdays import calendar_report

    ws = _open(args)
    report = calendar_report(ws.calendar, today=_today(args) or ws.today())
    if args.json:
        print(json.dumps(report, ensure_ascii=False, default=str))
    else:
        years = report["years"]
        print(f"工作日历覆盖年份：{min(years)}–{max(years)}" if years else "工作日历没有任何年份")
        for entry in report["coverage"][-3:]:
            source = "chinesecalendar 软件包" if entry["source"] == "chinese_calendar" else entry["source"]
            print(f"  {entry['year']} 年：{source}")
        print(f"截止时间：{report['cutoff']}（此时刻及之后收到的，按下一个工作日起算）")
        print(f"补充日历文件：{report['extra_file'] or '（无）'}")
        for message in report["load_errors"]:
            print(f"  ✗ 错误：{message}")
        for message in report["warnings"]:
            print(f"  ! 提示：{message}")
        if report["load_errors"]:
            print(
                f"补充日历文件有 {len(report['load_errors'])} 处错误；改正之前，docgen process 和 docgen watch "
                "不会启动（以免按错误的日历计算期限）"
            )
    # An error in the file is a failure of this check (exit 1); warnings (a year not yet published) are not.
    return 1 if report["load_errors"] else 0


def _write_reports(args, write, refusals: tuple[type[Exception], ...] = ()) -> int:
    """Open the workspace's ledger, call ``write(ws, ledger) -> (paths, data)``, print what was written.
    A refusal (a bad period, an unknown case) is a message for the user, not a traceback: a
    :class:`DocgenError` reaches :func:`main`'s handler; ``refusals`` names other exceptions (a date
    that is no date) to print the same way."""

    ws = _open(args)
    ledger = ws.open_ledger()
    try:
        paths, data = write(ws, ledger)
    except refusals as problem:
        print(str(problem), file=sys.stderr)
        return 2
    finally:
        ledger.close()
    outputs = [str(path.relative_to(ws.root)) for path in paths]
    _emit({**data, "outputs": outputs}, args.json, "\n".join(f"已生成：{o}" for o in outputs) or "没有可生成的内容")
    return 0


def cmd_report_ratings(args) -> int:
    from docgen.reports.ratings import rating_period, write_ratings

    def write(ws, ledger):
        # CS-3.5.10 "在季度末或年末": a quarter (--quarter 2026Q4) or a year (--year 2026).
        period = rating_period(args.quarter or args.year, quarter=args.quarter is not None)[0]
        path = ws.outbox / "reports" / period / f"维修人员评价-{period}.xlsx"
        path, summary = write_ratings(
            ledger, period, path, calendar=ws.calendar, scheme=ws.settings.ratings, today=ws.today()
        )
        return [path], {**summary, "output": str(path.relative_to(ws.root))}

    return _write_reports(args, write)


def cmd_report_weekly(args) -> int:
    from docgen.reports import weekly_docs
    from docgen.reports.periodic import week_bounds

    def write(ws, ledger):
        # The running week by default (as of today): a service office reports at the end of its week
        # (CS-3.10.3); on a Monday, "--week last" gives the week just ended.
        named = {"this": 0, "本周": 0, "last": 7, "上周": 7}
        chosen = (args.week or "this").strip()
        week = (ws.today() - timedelta(days=named[chosen.lower()])).isoformat() if chosen.lower() in named else chosen
        monday, _ = week_bounds(week)
        bar = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            bar = bar or Progress(total, "周报")
            bar.step()

        office = getattr(args, "office", None) or None  # issue 15: one service office's report
        paths = weekly_docs.write_weekly_both(ws, ledger, week, progress=progress, office=office)
        return paths, {"week": monday.isoformat()}

    return _write_reports(args, write)


def cmd_report_warning(args) -> int:
    from docgen.reports.weekly_docs import write_daily_warning

    def write(ws, ledger):
        day = date.fromisoformat(args.date) if args.date else ws.today()
        return write_daily_warning(ws, ledger, day), {"date": day.isoformat()}

    return _write_reports(args, write, (ValueError,))


def cmd_report_statement(args) -> int:
    from docgen.reports.statements import write_statements

    period = args.quarter if args.kind == "quarterly" else args.year
    # CS-3.10.4: the company's statement and one per service office; --office: that office's alone
    office = getattr(args, "office", None)
    return _write_reports(
        args, lambda ws, ledger: (write_statements(ws, ledger, period, office), {"period": period, "office": office})
    )


def cmd_report_customer_info(args) -> int:
    from docgen.reports.customer_info import write_customer_info

    # CS-3.7.2: the quarter's analysis (PDF/A) and its 合理化建议 as a Word draft for the manager
    period = args.quarter
    return _write_reports(args, lambda ws, ledger: (write_customer_info(ws, ledger, period), {"period": period}))


def cmd_report_nonconformity(args) -> int:
    from docgen.reports.nonconformity_report import report_nonconformity

    # issue 13 item 7: the quarter's nonconformity statistics (PDF/A) and a special-study request per repeat;
    # --json adds the figures (counts, time to close, effectiveness rate, recurrences)
    period = args.quarter
    return _write_reports(args, lambda ws, ledger: report_nonconformity(ws, ledger, period))


def cmd_plan(args) -> int:
    """``docgen plan report|meeting|assess|balance``: the group's plan documents (《计划管理程序》 PL-3.2.4, 3.3.3, 3.4.3)."""
    from docgen.reports.plan_execution import group_period

    def write(ws, ledger):
        period = group_period(getattr(args, "quarter", None), getattr(args, "half", None), getattr(args, "year", None))
        if args.task == "report":
            from docgen.reports.plan_execution import write_group_report

            return write_group_report(ws, ledger, period)
        if args.task == "meeting":
            from docgen.reports.plan_meetings import write_meeting

            return write_meeting(ws, ledger, period, date.fromisoformat(args.date) if args.date else None)
        if args.task == "assess":
            from docgen.reports.plan_assessment import write_assessment

            return write_assessment(ws, ledger, period)
        from docgen.reports.plan_balance import write_balance

        paths, data = write_balance(ws, ledger, period)
        if not args.json:
            found = data["findings"]
            print(f"{data['year']}年度计划综合平衡检查（PL-3.2.4）：核对项目{data['projects']}个，不一致{len(found)}项")
            for n, f in enumerate(found, start=1):
                print(f"{n}. [{f['check']}] {f['subject']}：{f['problem']}（{f['figures']}；{f['clause']}）")
        return paths, data

    return _write_reports(args, write, (ValueError,))


def cmd_suppliers(args) -> int:
    from docgen.nonconformities import all_records
    from docgen.suppliers import supplier_list, write_supplier_documents

    # NC-3.2.2 A: the 《合格供应商名录》 with the struck-off suppliers marked, and their re-evaluation requests
    def write(ws, ledger):
        records = all_records(ledger)
        today = ws.today()
        entries = supplier_list(ws.settings.suppliers.approved, records, today)
        data = {
            "suppliers": [
                {"name": e.name, "status": e.status, "record": e.cause.number if e.cause else None} for e in entries
            ]
        }
        return write_supplier_documents(ws, records, today), data

    return _write_reports(args, write)


def cmd_survey_draft(args) -> int:
    from docgen.pipeline import render
    from docgen.steps.survey import SurveyError, draft_survey

    ws = _open(args)
    ledger = ws.open_ledger()
    try:
        document, payload = draft_survey(ws, ledger, args.community, args.kind, _today(args) or ws.today(), args.seed)
    except SurveyError as refused:
        print(refused.message or str(refused), file=sys.stderr)
        return 2
    finally:
        ledger.close()
    render(ws, document)
    seed = f"，随机种子 {payload['seed']}" if payload.get("seed") is not None else ""
    _emit(
        {**payload, "output": document.path},
        args.json,
        f"已生成：{document.path}\n调查编号 {payload['number']}，列入 {len(payload['listed'])} 户{seed}；"
        "回访后填写回访方式、日期、回访人、各项评价和意见，放回 intake/ 即登记。",
    )
    return 0


def cmd_report_survey(args) -> int:
    from docgen.reports.survey_report import write_survey_report
    from docgen.steps.survey import SurveyError, handling, latest_survey, survey_report_inputs

    def write(ws, ledger):
        number = args.number or latest_survey(ledger, args.community)
        if number is None:
            raise SurveyError(f"“{args.community}”还没有满意度调查记录")
        data, previous = survey_report_inputs(ledger, number)
        handled, total = handling(ledger, number)  # CS-3.7.5.7: as it stands today
        path = write_survey_report(ws, data, previous, _today(args) or ws.today(), handled, total)
        return [path], {"survey": number, "handled": handled, "total_opinions": total}

    return _write_reports(args, write)


def cmd_report_case(args) -> int:
    from docgen.reports.dossier import write_dossier, write_special_draft

    special = args.kind == "special"
    # CS-3.10.6: the 专题报告 is a Word draft to complete and drop back; --pdf prints it with ruled lines instead.
    draft = special and not getattr(args, "pdf", False)

    def write(ws, ledger):
        try:
            if draft:
                return [write_special_draft(ws, ledger, args.case)], {"case": args.case}
            return [write_dossier(ws, ledger, args.case, special=special)], {"case": args.case}
        except LookupError:
            raise DocgenError(f"没有登记编号为 {args.case} 的案件") from None

    code = _write_reports(args, write)
    if code == 0 and draft and not args.json:
        print("填写第六部分“原因分析”、第七部分“处理意见与建议”和报告人，放回 intake/ 即登记并归档为 PDF/A。")
    return code


def cmd_minutes(args) -> int:
    from docgen.reports.minutes_drafts import write_drafts

    notes: list[str] = []

    def write(ws, ledger):
        meeting = date.fromisoformat(args.date) if args.date else ws.today()
        paths, found = write_drafts(
            ws, ledger, args.kind, meeting, project=args.project, case_number=args.case, force=args.force
        )
        notes.extend(found)
        return paths, {"kind": args.kind, "date": meeting.isoformat(), "notes": found}

    code = _write_reports(args, write, (ValueError,))  # a --date that is no date; MinutesError is one too
    if code == 0 and not args.json:
        for note in notes:
            print(f"注意：{note}")
        print(
            "会上填写“上次会议决定事项落实情况”的完成情况，会后填写决定事项（责任人、完成期限），放回 intake/ 即登记。"
        )
    return code


def cmd_action_list(args) -> int:
    from docgen.actions import action_json, all_actions

    ws, today, actions = _read_ledger(args, all_actions)
    if args.open:
        actions = [a for a in actions if a.open]
    data = [action_json(a, today, ws.calendar) for a in actions]
    if args.json:
        print(json.dumps({"today": today.isoformat(), "actions": data}, ensure_ascii=False))
        return 0
    if not actions:
        print("没有未完成的会议决定事项" if args.open else "还没有会议决定事项（会议纪要放回 intake/ 后登记）")
        return 0
    widths = (14, 12, 16, 22)
    print(_row(("事项编号", "完成期限", "责任人", "状态", "决定事项"), widths))
    for action, item in zip(actions, data):
        if action.done_on:
            state = f"已于{action.done_on.isoformat()}完成" + ("（逾期）" if action.done_on > action.due else "")
        elif item["overdue"]:  # due Friday, asked on Saturday: past the date, no working day late yet
            state = (
                f"【逾期{item['workdays_late']}个工作日】"
                if item["workdays_late"]
                else "【已过期限，逾期不足1个工作日】"
            )
        else:
            state = "未完成"
        origin = f"{action.meeting()}" + (f"，{action.case_id}" if action.case_id else "")
        print(_row((action.key, action.due.isoformat(), action.owner, state, f"{action.text}（{origin}）"), widths))
    still_open = sum(1 for a in actions if a.open)
    late = sum(1 for item in data if item["overdue"])
    print(f"\n共 {len(actions)} 项，未完成 {still_open} 项，其中逾期 {late} 项（截至 {today.isoformat()}）")
    return 0


def cmd_action_done(args) -> int:
    from docgen.actions import action_json, mark_done

    ws = _open(args)
    today = _today(args) or ws.today()
    try:
        done_on = date.fromisoformat(args.on) if args.on else today
    except ValueError:
        print(f"完成日期“{args.on}”格式不对；应写成 2026-12-01", file=sys.stderr)
        return 2
    ledger = ws.open_ledger()
    try:
        action, before, recorded = mark_done(ledger, args.action, done_on, today, by=args.by)
    finally:
        ledger.close()
    if not recorded:
        text = f"{action.key} 已于 {done_on.isoformat()} 登记为完成，未重复登记"
    elif before is not None:
        text = f"已更正：{action.key} 的完成日期由 {before.isoformat()} 改为 {done_on.isoformat()}"
    else:
        text = (
            f"已登记完成：{action.key}　{action.text}（{action.owner}，完成期限 {action.due.isoformat()}），"
            f"完成日期 {done_on.isoformat()}" + ("，逾期完成" if done_on > action.due else "")
        )
    _emit({"action": action_json(action, today, ws.calendar), "recorded": recorded}, args.json, text)
    return 0


def cmd_action_reopen(args) -> int:
    from docgen.actions import action_json, reopen

    ws = _open(args)
    ledger = ws.open_ledger()
    try:
        action = reopen(ledger, args.action, args.why, by=args.by)
    finally:
        ledger.close()
    _emit(
        {"action": action_json(action, _today(args) or ws.today(), ws.calendar)},
        args.json,
        f"已撤销 {action.key} 的完成登记，该事项重新列为未完成（原因：{args.why.strip()}）",
    )
    return 0


def cmd_funds(args) -> int:
    from docgen.funds import balances, outstanding_lines

    ws = _open(args)
    if args.opinion:
        return _deposit_opinion(ws, args)
    report = balances(ws)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, default=str))
        return 0
    print("周转金（CS-3.6）：")
    for fund in report["funds"]:
        print(
            f"  {fund['name']}：额度 {fund['fund']}，已结算 {fund['settled']}，待结算 {fund['pending']}，"
            f"余额 {fund['balance']}{'  ! ' + fund['warning'] if fund['warning'] else ''}"
        )
        print(f"    其中财务计统部已拨付（回款） {fund['repaid']}，尚未拨付（未回款） {fund['outstanding']}")
    print("未回款的维修款（CS-3.5.9；等待天数自结算登记之日起按工作日计）：")
    for line in outstanding_lines(report):
        print(line)
    print("工程质量保证金（CS-3.5.9）：")
    for deposit in report["deposits"] or [{"contractor": "（docgen.toml 的 [repair.deposits] 中尚未登记）"}]:
        if "deducted" not in deposit:
            print(f"  {deposit['contractor']}")
            continue
        print(
            f"  {deposit['contractor']}：保证金 {deposit['deposit']}，已扣 {deposit['deducted']}，"
            f"剩余 {deposit['remaining']}{'  ! ' + deposit['warning'] if deposit['warning'] else ''}"
        )
    return 0


def _deposit_opinion(ws, args) -> int:
    """CS-3.6.2: the contractor's warranty record and a draft opinion on its final payment, as a Word document."""
    from docgen.funds import warranty_record, write_opinion

    contractor = args.opinion.strip()
    record = warranty_record(ws, contractor)
    known = set(ws.settings.repair.deposits) | set(ws.settings.repair.warranty_ends)
    if not record["repairs"] and contractor not in known:
        print(
            f"没有名为“{contractor}”的施工单位：勘察表未记录，docgen.toml 的 [repair.deposits] 中也没有",
            file=sys.stderr,
        )
        return 2
    record["output"] = write_opinion(ws, record)
    if args.json:
        print(json.dumps(record, ensure_ascii=False, default=str))
        return 0
    summary = record["summary"]
    print(
        f"{contractor}的保修记录（CS-3.6.2）：维修 {summary['repairs']} 项，逾期 {summary['late']} 项，"
        f"未完工 {summary['unfinished']} 项，违反程序 {summary['violations']} 条；已扣 {record['deducted']}，"
        f"保证金余额 {record['remaining'] or '未登记'}"
    )
    print(f"意见（草拟）：{record['opinion']}")
    print(f"已写出：{record['output']}（请客户服务部核定并签字）")
    return 0


def cmd_doctor(args) -> int:
    from docgen.doctor import diagnose

    checks = diagnose(_open(args))
    if args.json:
        print(json.dumps([check.__dict__ for check in checks], ensure_ascii=False))
    else:
        marks = {"ok": "✓", "warn": "!", "fail": "✗"}
        for check in checks:
            print(f"{marks[check.status]} {check.topic}：{check.message}")
    return 1 if any(check.status == "fail" for check in checks) else 0


def cmd_demo(args) -> int:
    from docgen.demo import make_demo, play_repair

    ws = _open(args)
    if args.repair:
        play_repair(ws)  # a step that fails raises DemoError (exit status 1)
        return 0
    written = make_demo(ws)
    for path in written:
        print(f"已放入示例表单：{path.relative_to(ws.root)}")
    print("正在运行的 docgen watch 会在约一秒内处理它们；也可运行 docgen process。结果见 outbox/ 与 rejected/。")
    return 0


def cmd_templates_check(args) -> int:
    from docgen.render.template_check import check_template

    problems = check_template(Path(args.file), args.as_name)
    name = args.as_name or Path(args.file).name
    if args.json:
        print(
            json.dumps(
                {
                    "file": args.file,
                    "template": name,
                    "ok": not problems,
                    "problems": [problem.__dict__ for problem in problems],
                },
                ensure_ascii=False,
            )
        )
    elif problems:
        print(f"模板 {name} 有 {len(problems)} 处问题：")
        for problem in problems:
            print(f"  {problem}")
    else:
        print(f"模板 {name} 检查通过：用示例数据生成成功，没有写错或不认识的标签。")
    return 1 if problems else 0


# ------------------------------------------------------------ wiring


def _open(args) -> Workspace:
    from docgen.atomic import use_file_mode

    ws = Workspace.open(Path(args.workspace) if args.workspace else None)
    use_file_mode(ws.settings.paths.file_mode)  # every file this command writes (forms, reports, documents)
    return ws


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="docgen", description="表单受理：读取填好的表单，登记入账，生成下一步表单与通知。"
    )
    parser.add_argument("--version", action="version", version=f"docgen {__version__}")
    parser.add_argument("--workspace", metavar="DIR", help="工作区目录（默认：环境变量 DOCGEN_WORKSPACE 或仓库根目录）")
    parser.add_argument("-v", "--verbose", action="store_true", help="输出调试日志")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, func, help_text):
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        return p

    p = command("init", cmd_init, "创建一个新的工作区（含各文件夹与空白表单）")
    p.add_argument("dir")
    p = command("forms", cmd_forms, "按表单定义生成 forms/ 中的空白表单")
    p.add_argument("--json", action="store_true")
    p = command("process", cmd_process, "处理 intake/ 中（或指定的）文件一次后退出；有退回的文件时退出码为 1")
    p.add_argument("paths", nargs="*")
    p.add_argument("--json", action="store_true", help="每个文件输出一行 JSON")
    p.add_argument("--jobs", type=int, default=0, help="并行进程数（默认：文件多时用两个）")
    p.add_argument("--today", help=argparse.SUPPRESS)
    p = command("watch", cmd_watch, "持续监视 intake/，文件放入后自动处理（主任务）")
    p.add_argument("--poll", type=float, metavar="SECONDS", help="轮询间隔秒数（网络共享文件夹用）")
    p.add_argument("--jobs", type=int, default=0)
    p.add_argument("--json", action="store_true")
    p = command("status", cmd_status, "列出未办结的案件、期限与逾期情况")
    p.add_argument("--case", metavar="NUMBER", help="只看一个案件及其全部事件")
    p.add_argument("--overdue", action="store_true", help="只列逾期的案件")
    p.add_argument("--all", action="store_true", help="包括已办结的案件")
    p.add_argument("--office", metavar="服务处", help="只看该客户服务处的案件（共用台账时各服务处分别查看）")
    p.add_argument("--json", action="store_true")
    p.add_argument("--today", help=argparse.SUPPRESS)
    p = command("verify", cmd_verify, "校验台账的哈希链、台账头文件与数据库完整性")
    p.add_argument(
        "--reanchor",
        action="store_true",
        help="从备份恢复台账后，把台账头文件改为数据库当前的最新位置（原记录与原因记入台账；须同时写 --why）",
    )
    p.add_argument("--why", metavar="REASON", help='重新锚定的原因，如 "从 2026-11-20 备份恢复"')
    p.add_argument("--json", action="store_true")
    p = command("rebuild", cmd_rebuild, "按台账事件重新计算案件状态表（派生数据，issue 15）")
    p.add_argument("--json", action="store_true")
    ledger_command = sub.add_parser(
        "ledger", help="台账：复制到 PostgreSQL（多个服务处共用一个台账）", description="台账的维护"
    )
    ledger_steps = ledger_command.add_subparsers(dest="step", required=True, metavar="STEP")
    text = "把本工作区的台账完整复制到一个空的 PostgreSQL 数据库（或新的 SQLite 文件），并校验两边"
    p = ledger_steps.add_parser("copy", help=text, description=text)
    p.set_defaults(func=cmd_ledger_copy)
    p.add_argument(
        "--to", required=True, metavar="URL", help="postgresql://用户@服务器/数据库，或一个新的 .sqlite3 文件"
    )
    p.add_argument("--json", action="store_true")
    p = command("calendar", cmd_calendar, "显示工作日历覆盖的年份，并检查 calendar.toml")
    p.add_argument("--json", action="store_true")
    p.add_argument("--today", help=argparse.SUPPRESS)
    p = command("demo", cmd_demo, "生成示例表单放入 intake/，演示整个流程")
    p.add_argument(
        "--repair",
        action="store_true",
        help="演示一件维修投诉从登记、勘察、派工、回访、决算到结算办结的全过程（每一步都填写上一步生成的表单）",
    )
    p = command(
        "minutes",
        cmd_minutes,
        "会议纪要草稿：coordination 投诉协调例会（CS-3.10.1）、directors 服务处主任例会"
        "（CS-3.10.2）、special 重大投诉专题会议（CS-3.10.5）",
    )
    p.add_argument("kind", choices=("coordination", "directors", "special"))
    p.add_argument("--date", help="会议日期，如 2026-11-27（默认：今天）")
    p.add_argument("--project", help="投诉协调例会的小区/项目")
    p.add_argument("--case", help="专题会议的登记编号")
    p.add_argument(
        "--force",
        action="store_true",
        help="小区交付已满一年（或尚未交付）时仍起草投诉协调例会纪要（CS-3.10.1 只要求交付后一年内每周召开）",
    )
    p.add_argument("--json", action="store_true")
    action = sub.add_parser(
        "action",
        help="会议纪要决定事项的跟踪：列出、登记完成",
        description="会议纪要决定事项的跟踪：列出、登记完成（CS-3.10.1、3.10.2、3.10.5）",
    )
    steps = action.add_subparsers(dest="step", required=True, metavar="STEP")
    p = steps.add_parser("list", help="列出决定事项及其完成情况", description="列出决定事项及其完成情况")
    p.set_defaults(func=cmd_action_list)
    p.add_argument("--open", action="store_true", help="只列未完成的事项")
    p.add_argument("--json", action="store_true")
    p.add_argument("--today", help=argparse.SUPPRESS)
    p = steps.add_parser(
        "done", help="登记一项决定事项已完成", description="登记一项决定事项已完成；之后不再列入逾期与逾期预警"
    )
    p.set_defaults(func=cmd_action_done)
    p.add_argument("action", metavar="ACTION", help="事项编号，如 action-12（见 docgen action list）")
    p.add_argument("--on", metavar="DATE", help="完成日期，如 2026-12-01（默认：今天）")
    p.add_argument("--by", metavar="NAME", help="确认完成的人")
    p.add_argument("--json", action="store_true")
    p.add_argument("--today", help=argparse.SUPPRESS)
    p = steps.add_parser(
        "reopen",
        help="撤销误登记的完成，事项重新列为未完成",
        description="撤销误登记的完成，事项重新列为未完成；原因记入台账",
    )
    p.set_defaults(func=cmd_action_reopen)
    p.add_argument("action", metavar="ACTION", help="事项编号，如 action-12")
    p.add_argument("--why", required=True, help="撤销的原因")
    p.add_argument("--by", metavar="NAME", help="撤销人")
    p.add_argument("--json", action="store_true")
    p.add_argument("--today", help=argparse.SUPPRESS)
    p = command("doctor", cmd_doctor, "检查运行环境：中文字体、工作日历年份、本地磁盘、版本")
    p.add_argument("--json", action="store_true")
    p = command("funds", cmd_funds, "周转金与施工单位工程质量保证金的余额（CS-3.6、CS-3.5.9）")
    p.add_argument("--json", action="store_true")
    p.add_argument("--opinion", metavar="施工单位", help="保修期满时工程尾款的支付意见（CS-3.6.2），写成 Word 文件")
    p = command(
        "suppliers", cmd_suppliers, "合格供应商名录（NC-3.2.2 A）：已清除的供应商及其依据记录，供应商重新评审申请单"
    )
    p.add_argument("--json", action="store_true")
    report = sub.add_parser("report", help="生成报表", description="生成报表")
    kinds = report.add_subparsers(dest="kind", required=True, metavar="KIND")
    p = kinds.add_parser(
        "weekly", help="各服务处投诉处理周报（CS-3.10.3）", description="各服务处投诉处理周报（CS-3.10.3）"
    )
    p.set_defaults(func=cmd_report_weekly)
    p.add_argument("--week", help="如 2026-W48、该周内的某一天、last（上周）；默认：本周，截至今日")
    p.add_argument("--office", metavar="服务处", help="只生成该客户服务处的周报（共用台账时各服务处分别生成）")
    p.add_argument("--json", action="store_true")
    p = kinds.add_parser(
        "warning", help="逾期预警（明日到期与已逾期，按责任方）", description="逾期预警（明日到期与已逾期，按责任方）"
    )
    p.set_defaults(func=cmd_report_warning)
    p.add_argument("--date", help="如 2026-11-26（默认：今天）")
    p.add_argument("--json", action="store_true")
    for kind, flag, example, text in (
        ("quarterly", "--quarter", "2026Q4", "季度客户服务统计报表（CS-3.10.4、CS-3.7.2）"),
        ("annual", "--year", "2026", "年度客户服务统计报表（CS-3.10.4、CS-3.7.2）"),
    ):
        p = kinds.add_parser(kind, help=text, description=text)
        p.set_defaults(func=cmd_report_statement)
        p.add_argument(flag, required=True, help=f"如 {example}")
        p.add_argument(
            "--office", metavar="服务处", help="只生成该客户服务处的报表（主送客户服务部）；默认：公司汇总及各服务处"
        )
        p.add_argument("--json", action="store_true")
    text = "季度不合格品/服务统计报告：按类别、责任部门、供应商、施工单位统计，关闭时间，纠正措施有效率，重复发生的问题"
    p = kinds.add_parser("nonconformity", help=text, description=text)
    p.set_defaults(func=cmd_report_nonconformity)
    p.add_argument("--quarter", required=True, help="如 2026Q4")
    p.add_argument("--json", action="store_true")
    text = "季度客户信息分析报告（CS-3.7.2）：按类别、项目、楼栋、原因统计并附图，合理化建议另成 Word 草稿"
    p = kinds.add_parser("customer-info", help=text, description=text)
    p.set_defaults(func=cmd_report_customer_info)
    p.add_argument("--quarter", required=True, help="如 2026Q4")
    p.add_argument("--json", action="store_true")
    for kind, text in (
        ("case", "案件档案 PDF/A（含原始表单）"),
        ("special", "重大或处理困难投诉的专题报告（CS-3.10.6）：Word 草稿，填写原因分析、处理意见与建议后放回 intake/"),
    ):
        p = kinds.add_parser(kind, help=text, description=text)
        p.set_defaults(func=cmd_report_case)
        p.add_argument("case", metavar="KF-…")
        if kind == "special":
            p.add_argument(
                "--pdf", action="store_true", help="生成留有手写横线的 PDF（默认：生成 Word 草稿，填写后放回 intake/）"
            )
        p.add_argument("--json", action="store_true")
    text = "客户满意度调查报告（CS-3.7.5.6）：统计分析、与上次调查比较、意见处理率（CS-3.7.5.7）"
    p = kinds.add_parser("survey", help=text, description=text)
    p.set_defaults(func=cmd_report_survey)
    chosen = p.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--number", help="调查编号，如 MY-2026-001")
    chosen.add_argument("--community", help="小区/项目：其最近一次调查")
    p.add_argument("--today", help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true")
    text = "维修人员与维修队长的季度或年度综合评价及服务激励奖金核定表（CS-3.5.10）"
    p = kinds.add_parser("ratings", help=text, description=text)
    p.set_defaults(func=cmd_report_ratings)
    period = p.add_mutually_exclusive_group(required=True)
    period.add_argument("--quarter", help="季度末核定，如 2026Q4")
    period.add_argument("--year", help="年末核定，如 2026")
    p.add_argument("--json", action="store_true")
    survey = sub.add_parser(
        "survey", help="客户满意度调查（CS-3.7.5）", description="客户满意度调查（CS-3.7.5）：生成预填的调查表"
    )
    tasks = survey.add_subparsers(dest="task", required=True, metavar="TASK")
    text = "生成某小区的《客户满意度调查表》（预填住户名单；年度回访按记录的随机种子抽样）到 outbox/surveys/"
    p = tasks.add_parser("draft", help=text, description=text)
    p.set_defaults(func=cmd_survey_draft)
    p.add_argument("--community", required=True, help="小区/项目")
    p.add_argument("--kind", required=True, choices=("首次回访", "年度回访", "专项回访"))
    p.add_argument("--seed", type=int, help="年度回访抽样的随机种子（默认：随机生成并记录）")
    p.add_argument("--today", help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true")
    plan = sub.add_parser(
        "plan",
        help="计划管理：集团计划执行报告、计划会议纪要草稿、计划执行考核表、年度计划综合平衡检查",
        description="计划管理（《计划管理程序》）：集团计划执行报告、计划会议纪要草稿、计划执行考核表、年度计划综合平衡检查",
    )
    tasks = plan.add_subparsers(dest="task", required=True, metavar="TASK")
    for task, text, choices in (
        ("report", "集团季度/半年/年度计划执行报告（PL-3.3.3）：PDF/A 与 Word 稿，记录报送时间（PL-3.4.3）", "qhy"),
        ("meeting", "季度计划执行通报会（--quarter）或年度计划总结会（--year）的纪要草稿（PL-3.3.3、3.3.6）", "qy"),
        ("assess", "各部门和分支机构的季度或年度计划执行考核表 xlsx，供人力资源部（PL-3.4.3）", "qy"),
        ("balance", "年度计划综合平衡检查：产销、交付期与工程进度、回款与销售（PL-3.2.4）", "y"),
    ):
        p = tasks.add_parser(task, help=text, description=text)
        p.set_defaults(func=cmd_plan)
        period = p.add_mutually_exclusive_group(required=True)
        if "q" in choices:
            period.add_argument("--quarter", help="季度，如 2026Q3")
        if "h" in choices:
            period.add_argument("--half", help="上半年，如 2026H1")
        if "y" in choices:
            period.add_argument("--year", help="年度，如 2026")
        if task == "meeting":
            p.add_argument("--date", help="会议日期，如 2026-10-25（默认：今天）")
        p.add_argument("--json", action="store_true")
    templates = sub.add_parser("templates", help="Word 与 Typst 模板", description="Word 与 Typst 模板")
    tasks = templates.add_subparsers(dest="task", required=True, metavar="TASK")
    text = "用示例数据生成改过的模板，列出写错或不认识的标签（Word 拆开的标签、拼错的变量、Typst 编译错误及行号）"
    p = tasks.add_parser("check", help=text, description=text)
    p.set_defaults(func=cmd_templates_check)
    p.add_argument(
        "file", metavar="FILE", help="模板文件，如 templates/weekly_report.docx 或 templates/pdf/dossier.typ"
    )
    p.add_argument(
        "--as", dest="as_name", metavar="NAME", help="文件另存为别的名称时，它是哪个模板（如 weekly_report.docx）"
    )
    p.add_argument("--json", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return args.func(args)
    except DocgenError as problem:  # the one handler: a message for people, no traceback
        print(problem.message or str(problem), file=sys.stderr)
        return problem.exit_status
    except BrokenPipeError:
        # The reader left early (`docgen status | head`): nothing more to say, and no traceback on exit either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
