"""The command line, as a user runs it."""

from __future__ import annotations

import json
import os
import stat
from datetime import date

import pytest

from docgen.cli import build_parser, main
from docgen.demo import DemoError
from docgen.errors import DocgenError
from tests.conftest import record_case_with_a_decision, register_line, write_register


def run(capsys, *argv) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_every_command_has_help(capsys):
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    assert set(commands) >= {"init", "forms", "process", "watch", "status", "verify", "calendar", "demo"}
    for name, sub in commands.items():
        assert sub.description, name
        with pytest.raises(SystemExit) as done:
            main([name, "--help"])
        assert done.value.code == 0
        assert "usage" in capsys.readouterr().out


def test_init_then_demo_then_process_shows_cases_and_a_rejection(tmp_path, capsys):
    root = tmp_path / "office"
    assert run(capsys, "init", str(root))[0] == 0
    assert (root / "forms" / "来电、来访登记表-v3.xlsx").exists()
    assert run(capsys, "--workspace", str(root), "demo")[0] == 0
    code, out = run(capsys, "--workspace", str(root), "process", "--json")
    outcomes = [json.loads(line) for line in out.splitlines()]
    assert code == 1  # the demo includes one register with mistakes
    assert sorted(o["status"] for o in outcomes) == ["accepted", "accepted", "rejected"]
    assert sum(len(o["case_ids"]) for o in outcomes) == 8
    code, out = run(capsys, "--workspace", str(root), "status", "--json")
    status = json.loads(out)
    assert code == 0 and len(status["cases"]) == 8
    assert all(case["next_deadline"]["clause"] for case in status["cases"])
    code, out = run(capsys, "--workspace", str(root), "verify")
    assert code == 0 and "哈希链完整" in out


def test_a_file_named_with_a_right_to_left_override_is_shown_as_typed_not_reversed(ws, capsys):
    # GIVEN a register whose name would display as "登记表xslx.exe" with U+202E kept
    write_register(ws.intake, [register_line()], name="登记表\u202eexe.xlsx")
    code, out = run(capsys, "--workspace", str(ws.root), "process", "--today", "2026-11-26")
    assert code == 0 and "已受理：登记表exe.xlsx" in out
    [receipt] = (ws.outbox / "receipts").rglob("*回执.txt")
    assert "\u202e" not in receipt.name and "文件：登记表exe.xlsx\n" in receipt.read_text(encoding="utf-8")


def test_an_internal_error_is_not_shown_as_a_request_to_correct_the_file(ws, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("a bug these bytes run into")

    monkeypatch.setattr("docgen.pipeline.validate", broken)
    write_register(ws.intake, [register_line()], name="登记表.xlsx")
    code, out = run(capsys, "--workspace", str(ws.root), "process", "--today", "2026-11-26")
    assert code == 2 and out.startswith("系统内部错误（已记录，请联系系统管理员）：登记表.xlsx")
    assert "退回修改" not in out


def test_process_exit_status_is_0_when_everything_is_accepted(ws, capsys):
    write_register(ws.intake, [register_line()])
    code, out = run(capsys, "--workspace", str(ws.root), "process", "--today", "2026-11-26")
    assert code == 0 and "已受理" in out and "KF-2026-00001" in out


def test_status_json_reports_the_documents_still_to_be_written_as_the_text_does(ws, capsys):
    # GIVEN a register recorded while outbox/receipts could not be written (a file stands in its place)
    (ws.outbox / "receipts").write_bytes(b"")
    write_register(ws.intake, [register_line()])
    assert run(capsys, "--workspace", str(ws.root), "process", "--today", "2026-11-26")[0] == 2
    # WHEN status is asked for, as text and as JSON
    code, text = run(capsys, "--workspace", str(ws.root), "status", "--today", "2026-11-26")
    [line] = [line for line in text.splitlines() if line.startswith("待写出文件")]
    code, out = run(capsys, "--workspace", str(ws.root), "status", "--json", "--today", "2026-11-26")
    # THEN both say how many documents wait, and that no watcher is retrying them
    waiting = json.loads(out)["unwritten"]
    assert code == 0 and line.startswith(f"待写出文件：{waiting['count']} 份（已登记") and waiting["count"] == 1
    assert waiting["retrying"] is False and waiting["reason"] is None
    assert [path.split("/")[:2] for path in waiting["paths"]] == [["outbox", "receipts"]]
    # AND once they are written, the JSON says none wait
    (ws.outbox / "receipts").unlink()
    assert run(capsys, "--workspace", str(ws.root), "process", "--today", "2026-11-26")[0] == 0
    code, out = run(capsys, "--workspace", str(ws.root), "status", "--json", "--today", "2026-11-26")
    assert json.loads(out)["unwritten"] == {"count": 0, "paths": [], "retrying": False, "reason": None}


def test_status_lists_overdue_cases_with_the_clause_missed(ws, capsys):
    write_register(ws.intake, [register_line()])
    run(capsys, "--workspace", str(ws.root), "process", "--today", "2026-11-26")
    # (the department's 3 working days count from the dispatch on the 26th: due 1 December, CS-3.4.2.2)
    code, out = run(capsys, "--workspace", str(ws.root), "status", "--overdue", "--today", "2026-12-02")
    assert code == 0 and "KF-2026-00001" in out and "【逾期】" in out
    code, out = run(capsys, "--workspace", str(ws.root), "status", "--overdue", "--json", "--today", "2026-12-02")
    [case] = json.loads(out)["cases"]
    assert {o["clause"] for o in case["overdue"]} == {"CS-3.4.2.2", "CS-3.4.5"}
    code, out = run(capsys, "--workspace", str(ws.root), "status", "--case", "KF-2026-00001")
    assert "登记受理" in out and "case.registered" not in out  # the label, never the internal name


def test_calendar_shows_coverage_and_checks_the_workspace_file(ws, capsys):
    code, out = run(capsys, "--workspace", str(ws.root), "calendar", "--today", "2026-11-26")
    assert code == 0 and "2026" in out
    (ws.root / "calendar.toml").write_text('[years.2027]\nholidays = ["2027-02-30"]\n', encoding="utf-8")
    code, out = run(capsys, "--workspace", str(ws.root), "calendar", "--json", "--today", "2026-11-26")
    report = json.loads(out)
    assert code == 1 and any("2027-02-30" in message for message in report["load_errors"])


def test_bad_configuration_is_a_message_not_a_traceback(ws, capsys):
    (ws.root / "docgen.toml").write_text("[watch]\npoll = 3\n", encoding="utf-8")
    assert main(["--workspace", str(ws.root), "status"]) == 2
    assert "watch.poll" in capsys.readouterr().err


def test_report_weekly_and_the_daily_warning_from_the_command_line(ws, capsys):
    write_register(ws.intake, [register_line()])
    run(capsys, "--workspace", str(ws.root), "process", "--today", "2026-11-26")
    code, out = run(capsys, "--workspace", str(ws.root), "report", "weekly", "--week", "2026-W48", "--json")
    outputs = json.loads(out)["outputs"]
    assert code == 0 and any(o.endswith("周报-融侨锦江客户服务处-2026-W48.docx") for o in outputs)
    assert all((ws.root / o).exists() for o in outputs)
    code, out = run(capsys, "--workspace", str(ws.root), "report", "warning", "--date", "2026-11-25", "--json")
    outputs = json.loads(out)["outputs"]
    assert code == 0 and outputs and outputs[0].endswith("逾期预警-2026-11-25.docx")
    assert main(["--workspace", str(ws.root), "report", "weekly", "--week", "第48周"]) == 2


def test_report_weekly_defaults_to_the_running_week_and_knows_last_week(ws, capsys, monkeypatch):
    # GIVEN a register received on Thursday 26 November 2026 (week 48), and today is that Thursday
    from docgen.workspace import Workspace

    monkeypatch.setattr(Workspace, "today", lambda self: date(2026, 11, 26))
    write_register(ws.intake, [register_line()])
    run(capsys, "--workspace", str(ws.root), "process", "--today", "2026-11-26")
    # WHEN the weekly report is asked for without a week THEN it is this week's, as of today
    code, out = run(capsys, "--workspace", str(ws.root), "report", "weekly", "--json")
    assert code == 0 and json.loads(out)["week"] == "2026-11-23" and json.loads(out)["outputs"]
    # AND "last" / "上周" is the week before, which had no cases
    for last in ("last", "上周"):
        code, out = run(capsys, "--workspace", str(ws.root), "report", "weekly", "--week", last, "--json")
        assert code == 0 and json.loads(out) == {"week": "2026-11-16", "outputs": []}


def test_report_quarterly_annual_and_case_from_the_command_line(ws, capsys):
    write_register(ws.intake, [register_line()])
    run(capsys, "--workspace", str(ws.root), "process", "--today", "2026-11-26")
    for argv, suffix in (
        (("quarterly", "--quarter", "2026Q4"), "客户服务统计报表-2026Q4.pdf"),
        (("annual", "--year", "2026"), "客户服务统计报表-2026.pdf"),
        (("case", "KF-2026-00001"), "99-案件档案-KF-2026-00001.pdf"),
    ):
        code, out = run(capsys, "--workspace", str(ws.root), "report", *argv, "--json")
        output, *offices = json.loads(out)["outputs"]
        assert code == 0 and output.endswith(suffix) and (ws.root / output).stat().st_size > 1000
        # CS-3.10.4: a statement per service office too, after the company's
        assert offices == ([] if argv[0] == "case" else [output.replace("报表-", "报表-融侨锦江客户服务处-")])
    assert main(["--workspace", str(ws.root), "report", "case", "KF-2026-09999"]) == 2


def test_special_report_cs_3_10_6_tells_the_history_and_leaves_room_for_measures(ws, capsys):
    import subprocess

    write_register(ws.intake, [register_line(major=True)])
    run(capsys, "--workspace", str(ws.root), "process", "--today", "2026-11-26")
    # a Word draft to complete and drop back (issue 11 item 6; tests/test_steps_special_report.py)
    code, out = run(capsys, "--workspace", str(ws.root), "report", "special", "KF-2026-00001", "--json")
    [output] = json.loads(out)["outputs"]
    assert code == 0 and output == "outbox/KF-2026-00001/98-专题报告-KF-2026-00001.docx"
    # --pdf: the PDF with ruled lines to write on by hand
    code, out = run(capsys, "--workspace", str(ws.root), "report", "special", "KF-2026-00001", "--pdf", "--json")
    [output] = json.loads(out)["outputs"]
    assert code == 0 and output.endswith("98-专题报告-KF-2026-00001.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(ws.root / output), "-"], capture_output=True, text=True).stdout
    from tests.pdf_text import printed

    flat = "".join(text.split())
    assert (
        "关于KF-2026-00001投诉的专题报告" in flat and printed(text, "上报总经理、副总经理") and "处理意见与建议" in flat
    )


def test_minutes_command_in_a_fresh_process(ws):
    import subprocess
    import sys

    # Imported first on its own, as the command line does.
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "docgen.cli",
            "--workspace",
            str(ws.root),
            "minutes",
            "directors",
            "--date",
            "2026-11-27",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    [output] = json.loads(done.stdout)["outputs"]
    assert "服务处主任例会" in output and (ws.root / output).exists()


def test_progress_is_drawn_on_a_terminal_only():
    import io

    from docgen.cli import Progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal, pipe = Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        progress = Progress(4, "处理进度", stream)
        for _ in range(4):
            progress.step()
    assert "4/4" in terminal.getvalue() and terminal.getvalue().endswith("\n")
    assert pipe.getvalue() == ""


def _case_with_a_decision_due(ws, due: str) -> None:
    from docgen.ledger import Ledger

    ledger = Ledger(ws.ledger_path)
    try:
        record_case_with_a_decision(ledger, due)
    finally:
        ledger.close()


def test_a_decision_marked_done_by_the_manager_leaves_status_overdue(ws, capsys):
    # GIVEN a case whose only late item is a decision of minutes due Monday 30 November (CS-3.10.1)
    _case_with_a_decision_due(ws, "2026-11-30")
    workspace, today = ("--workspace", str(ws.root)), ("--today", "2026-12-02")
    code, out = run(capsys, *workspace, "status", "--overdue", *today)
    assert code == 0 and "KF-2026-00001" in out and "【逾期】物业公司排查同楼栋地漏（CS-3.10.1）— 物业公司" in out
    code, out = run(capsys, *workspace, "action", "list", "--open", *today)
    assert "action-2" in out and "【逾期2个工作日】" in out and "未完成 1 项，其中逾期 1 项" in out
    # WHEN the manager marks it done on 1 December
    code, out = run(capsys, *workspace, "action", "done", "action-2", "--on", "2026-12-01", "--by", "陈主任", *today)
    assert code == 0 and "已登记完成：action-2" in out and "完成日期 2026-12-01，逾期完成" in out
    # THEN status --overdue lists nothing, and the action list shows it done
    code, out = run(capsys, *workspace, "status", "--overdue", *today)
    assert code == 0 and "没有逾期的案件" in out
    code, out = run(capsys, *workspace, "status", "--overdue", "--json", *today)
    assert json.loads(out)["cases"] == []
    code, out = run(capsys, *workspace, "action", "list", "--json", *today)
    [action] = json.loads(out)["actions"]
    assert (action["key"], action["done"], action["done_on"], action["done_by"], action["overdue"]) == (
        "action-2",
        True,
        "2026-12-01",
        "陈主任",
        False,
    )
    assert run(capsys, *workspace, "action", "list", "--open", *today)[1].strip() == "没有未完成的会议决定事项"
    # AND the case's history shows both events
    assert "会议决定事项完成" in run(capsys, *workspace, "status", "--case", "KF-2026-00001")[1]
    # AND when the completion was a mistake, reopening it (with the reason) puts it back in status --overdue
    with pytest.raises(SystemExit) as refused:  # --why is required
        main([*workspace, "action", "reopen", "action-2"])
    assert refused.value.code == 2 and "--why" in capsys.readouterr().err
    code, out = run(capsys, *workspace, "action", "reopen", "action-2", "--why", "误登记，地漏尚未排查", *today)
    assert code == 0 and "已撤销 action-2 的完成登记" in out
    assert "KF-2026-00001" in run(capsys, *workspace, "status", "--overdue", *today)[1]
    assert "撤销完成登记：误登记，地漏尚未排查" in run(capsys, *workspace, "status", "--case", "KF-2026-00001")[1]


@pytest.mark.parametrize(
    "argv, expected",
    [
        (("action-9",), "事项编号“action-9”不存在"),
        (("action-2", "--on", "2026-11-26"), "早于作出该决定的会议日期2026年11月27日"),
        (("action-2", "--on", "2026-12-09"), "晚于今天"),
        (("action-2", "--on", "12月1日"), "应写成 2026-12-01"),
    ],
)
def test_action_done_refuses_in_chinese_without_a_traceback(ws, capsys, argv, expected):
    _case_with_a_decision_due(ws, "2026-11-30")
    assert main(["--workspace", str(ws.root), "action", "done", *argv, "--today", "2026-12-02"]) == 2
    assert expected in capsys.readouterr().err
    from docgen.ledger import Ledger

    ledger = Ledger(ws.ledger_path)
    try:
        assert ledger.events(kind="minutes.action_done") == []
    finally:
        ledger.close()


def test_minutes_coordination_follows_the_first_year_after_delivery(ws, capsys):
    """CS-3.10.1: weekly coordination meetings in a community's first year after delivery."""
    write_register(ws.intake, [register_line(project="融侨锦江")])
    run(capsys, "--workspace", str(ws.root), "process", "--today", "2026-11-26")
    (ws.root / "docgen.toml").write_text(
        '[projects."融侨锦江"]\ndelivered = 2025-01-10\n\n[projects."翠苑"]\ndelivered = 2026-03-01\n', encoding="utf-8"
    )
    minutes = ("--workspace", str(ws.root), "minutes", "coordination", "--date", "2026-11-27")
    # GIVEN 融侨锦江 past its first year: refused, saying why and how to insist
    assert main([*minutes, "--project", "融侨锦江"]) == 2
    err = capsys.readouterr().err
    assert "CS-3.10.1" in err and "--force" in err and "2025年1月10日交付" in err
    code, out = run(capsys, *minutes, "--project", "融侨锦江", "--force")
    assert code == 0 and "会议纪要-投诉协调例会-融侨锦江-2026-11-27.docx" in out and "注意：" in out
    # WHEN no community is named THEN every community in its first year is drafted (翠苑 only)
    code, out = run(capsys, *minutes, "--json")
    data = json.loads(out)
    assert code == 0 and [o.rsplit("/", 1)[1] for o in data["outputs"]] == [
        "会议纪要-投诉协调例会-翠苑-2026-11-27.docx"
    ]
    assert data["notes"] == []


def _tamper(ws, *statements) -> None:
    import sqlite3

    with sqlite3.connect(ws.ledger_path) as db:
        db.execute("DROP TRIGGER events_are_append_only_u")
        db.execute("DROP TRIGGER events_are_append_only_d")
        for statement in statements:
            db.execute(statement)


def test_verify_fails_when_the_newest_rows_were_deleted(ws, capsys):
    write_register(ws.intake, [register_line(), register_line(customer="赵敏")])
    run(capsys, "--workspace", str(ws.root), "process", "--today", "2026-11-26")
    code, out = run(capsys, "--workspace", str(ws.root), "verify")
    assert code == 0 and "与台账头文件一致" in out
    # WHEN the newest rows are deleted (the guard dropped first): what is left is a chain intact in itself
    _tamper(ws, "DELETE FROM events WHERE seq > 2")
    code, out = run(capsys, "--workspace", str(ws.root), "verify", "--json")
    report = json.loads(out)
    assert code == 1 and not report["ok"]
    assert {str(p) for p in ws.head_files} == {p.split("台账头文件 ")[1].split(" ")[0] for p in report["problems"]}
    assert all("最新的记录被删除" in p for p in report["problems"])


@pytest.mark.parametrize("command", [("process",), ("watch", "--poll", "0.1")])
def test_process_and_watch_refuse_to_start_on_a_ledger_cut_short(ws, capsys, monkeypatch, command):
    started = []
    monkeypatch.setattr("docgen.watch.watch", lambda *args, **kwargs: started.append(True))  # never loops here
    write_register(ws.intake, [register_line(), register_line(customer="赵敏")])
    run(capsys, "--workspace", str(ws.root), "process", "--today", "2026-11-26")
    _tamper(ws, "DELETE FROM events WHERE seq > 2")
    # WHEN the next file arrives at a ledger whose newest rows were deleted
    path = write_register(ws.intake, [register_line(customer="钱七")])
    # THEN nothing is taken in: going on would issue positions (and receipts quoting them) a second time
    assert main(["--workspace", str(ws.root), *command]) == 2
    err = capsys.readouterr().err
    assert "台账与台账头文件不符，已停止受理" in err and "最新的记录被删除" in err
    assert path.exists() and not started


def test_a_kill_before_the_head_files_were_written_does_not_stop_the_next_start(ws, capsys):
    # GIVEN a commit whose head files were never written (killed between the commit and the anchor)
    write_register(ws.intake, [register_line()])
    run(capsys, "--workspace", str(ws.root), "process", "--today", "2026-11-26")
    for head_file in ws.head_files:
        head_file.unlink()
    # WHEN docgen starts again, THEN it takes the next file and the head files are written again
    path = write_register(ws.intake, [register_line(customer="赵敏")])
    assert main(["--workspace", str(ws.root), "process", "--today", "2026-11-26"]) == 0
    assert not path.exists() and all(head_file.exists() for head_file in ws.head_files)
    code, out = run(capsys, "--workspace", str(ws.root), "verify")
    assert code == 0


def test_verify_fails_when_a_payload_was_rewritten_and_every_later_hash_recomputed(ws, capsys):
    import sqlite3

    from docgen.ledger import row_hash

    write_register(ws.intake, [register_line(), register_line(customer="赵敏")])
    run(capsys, "--workspace", str(ws.root), "process", "--today", "2026-11-26")
    _tamper(ws, "UPDATE events SET payload = replace(payload, '赵敏', '钱七') WHERE seq = 2")
    with sqlite3.connect(ws.ledger_path) as db:
        db.row_factory = sqlite3.Row
        previous = db.execute("SELECT hash FROM events WHERE seq = 1").fetchone()[0]
        for row in db.execute("SELECT * FROM events WHERE seq >= 2 ORDER BY seq").fetchall():
            digest = row_hash(row, previous)
            db.execute("UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?", (previous, digest, row["seq"]))
            previous = digest
    code, out = run(capsys, "--workspace", str(ws.root), "verify")
    assert code == 1 and out.count("记录被改写并重新计算了哈希") == 2


def test_verify_fails_when_the_whole_database_was_removed(ws, capsys):
    write_register(ws.intake, [register_line()])
    run(capsys, "--workspace", str(ws.root), "process", "--today", "2026-11-26")
    for path in ws.var.glob("ledger.sqlite3*"):
        path.unlink()
    code, out = run(capsys, "--workspace", str(ws.root), "verify")
    assert code == 1 and "台账被删除了" in out


def test_calendar_exits_non_zero_when_the_file_it_names_is_missing(ws, capsys):
    (ws.root / "docgen.toml").write_text('[workdays]\ncalendar_file = "节假日.toml"\n', encoding="utf-8")
    code, out = run(capsys, "--workspace", str(ws.root), "calendar", "--today", "2026-11-26")
    assert code == 1 and "错误：找不到节假日文件" in out


@pytest.mark.parametrize("command", [("process",), ("watch", "--poll", "0.1")])
def test_process_and_watch_refuse_to_start_on_a_malformed_calendar(ws, capsys, monkeypatch, command):
    started = []
    monkeypatch.setattr("docgen.watch.watch", lambda *args, **kwargs: started.append(True))  # never loops here
    (ws.root / "calendar.toml").write_text(
        '[years.2027]\nholidays = ["2027-01-01"]\nworkdays = ["2027-01-04"]\n', encoding="utf-8"
    )
    path = write_register(ws.intake, [register_line()])
    assert main(["--workspace", str(ws.root), *command]) == 2
    err = capsys.readouterr().err
    assert str(ws.root / "calendar.toml") in err and "2027-01-04" in err and "第3行" in err
    assert path.exists() and not started  # nothing was taken in


def _process(capsys, ws) -> tuple[int, list[dict]]:
    code, out = run(capsys, "--workspace", str(ws.root), "process", "--json", "--today", "2026-11-26")
    return code, [json.loads(line) for line in out.splitlines()]


def test_numbers_run_out_as_a_clear_rejection_and_a_wider_seq_continues_them(ws, capsys):
    import sqlite3

    # GIVEN an older ledger holding KF-2026-99999 (earlier versions took it typed), migrated by this one
    write_register(ws.intake, [register_line()])
    _process(capsys, ws)
    with sqlite3.connect(ws.ledger_path) as db:
        db.execute("UPDATE counters SET last = 99998")
    write_register(ws.intake, [register_line(customer="赵敏", phone="13900139000")])
    assert _process(capsys, ws)[1][0]["case_ids"] == ["KF-2026-99999"]
    with sqlite3.connect(ws.ledger_path) as db:
        db.execute("DROP TABLE counters")
    # WHEN a new 2026 complaint arrives THEN the register is rejected saying what to change, not "系统内部错误"
    path = write_register(ws.intake, [register_line(customer="陈静", phone="13700137000")])
    dropped = path.read_bytes()
    code, [outcome] = _process(capsys, ws)
    assert code == 1 and outcome["status"] == "rejected"  # 2 would be an internal error
    [finding] = [f for f in outcome["findings"] if f["severity"] == "error"]
    assert "系统内部错误" not in finding["message"] and finding["location"].endswith("!A6")
    for text in ("docgen.toml", "[numbering]", "complaint", '"KF-{year}-{seq:06d}"', "KF-2026-100000"):
        assert text in finding["message"], text
    # WHEN the administrator widens {seq} and the same file is dropped again THEN numbering continues
    (ws.root / "docgen.toml").write_text('[numbering]\ncomplaint = "KF-{year}-{seq:06d}"\n', encoding="utf-8")
    (ws.intake / "登记表-重交.xlsx").write_bytes(dropped)
    code, [outcome] = _process(capsys, ws)
    assert code == 0 and outcome["case_ids"] == ["KF-2026-100000"], outcome
    # AND a returned register still carrying the old 5-digit numbers is accepted as those cases
    write_register(
        ws.intake,
        [
            register_line(number="KF-2026-00001", progress="已上门查看"),
            register_line(customer="赵敏", phone="13900139000", number="KF-2026-99999"),
        ],
    )
    code, [outcome] = _process(capsys, ws)
    assert code == 0 and outcome["case_ids"] == ["KF-2026-00001", "KF-2026-99999"], outcome
    # AND a typed new number of the old width is still refused, and the ledger is intact
    write_register(ws.intake, [register_line(customer="孙丽", phone="13600136000", number="KF-2026-99998")])
    code, [outcome] = _process(capsys, ws)
    assert code == 1 and any("格式不对" in f["message"] for f in outcome["findings"])
    assert run(capsys, "--workspace", str(ws.root), "verify")[0] == 0


def test_verify_reanchor_after_a_restore_from_backup_is_recorded_with_its_reason(ws, capsys, tmp_path):
    import shutil
    import sqlite3

    write_register(ws.intake, [register_line()])
    _process(capsys, ws)
    with sqlite3.connect(ws.ledger_path) as db, sqlite3.connect(tmp_path / "backup.sqlite3") as backup:
        db.backup(backup)
    write_register(ws.intake, [register_line(customer="赵敏", phone="13900139000")])
    _process(capsys, ws)
    # GIVEN the ledger restored from the backup: verify fails, and says how to record the restore
    for path in ws.var.glob("ledger.sqlite3*"):
        path.unlink()
    shutil.copyfile(tmp_path / "backup.sqlite3", ws.ledger_path)
    code, out = run(capsys, "--workspace", str(ws.root), "verify")
    assert code == 1 and out.count("docgen verify --reanchor --why") == 2
    # WHEN re-anchored without a reason THEN it is refused and nothing is recorded
    assert main(["--workspace", str(ws.root), "verify", "--reanchor"]) == 2
    assert "--why" in capsys.readouterr().err
    # WHEN with one THEN the old head files and the reason are recorded and verify passes again
    code, out = run(
        capsys, "--workspace", str(ws.root), "verify", "--reanchor", "--why", "从 2026-11-20 备份恢复", "--json"
    )
    report = json.loads(out)
    assert code == 0 and report["ok"] and report["reanchored"]
    assert [f["file"] for f in report["before"]] == [str(p) for p in ws.head_files]
    assert run(capsys, "--workspace", str(ws.root), "verify")[0] == 0
    code, out = run(capsys, "--workspace", str(ws.root), "verify", "--reanchor", "--why", "再来一次")
    assert code == 0 and "无需重新锚定" in out


def test_verify_without_a_database_says_to_restore_it(ws, capsys):
    write_register(ws.intake, [register_line()])
    _process(capsys, ws)
    for path in ws.var.glob("ledger.sqlite3*"):
        path.unlink()
    ws.head_files[1].write_text("{", encoding="utf-8")  # one head file unreadable too
    code, out = run(capsys, "--workspace", str(ws.root), "verify")
    assert code == 1 and "台账被删除了" in out and f"从备份恢复 {ws.ledger_path}" in out and "无法读取" in out
    assert not ws.ledger_path.exists()  # verify creates no empty ledger to look at


@pytest.mark.parametrize(
    "error, status",
    [
        (DocgenError("工作区 /srv/x 不存在；可用 docgen init /srv/x 创建"), 2),
        (DemoError("登记表.xlsx 被退回：电话号码有误"), 1),
        (DocgenError("另一个 docgen 正在处理这个工作区", exit_status=3), 3),
    ],
)
def test_one_handler_prints_any_docgen_error_in_chinese_and_ends_with_its_exit_status(
    ws, capsys, monkeypatch, error, status
):
    # GIVEN a command that fails with a DocgenError (any command: the handler is in main, not in them)
    def refuse(args):
        raise error

    monkeypatch.setattr("docgen.cli.cmd_calendar", refuse)
    # WHEN it runs THEN the Chinese message alone is on stderr, no traceback, and the status is the error's
    assert main(["--workspace", str(ws.root), "calendar"]) == status
    captured = capsys.readouterr()
    assert captured.err == error.message + "\n" and captured.out == ""


def test_an_error_that_is_no_docgen_error_is_not_swallowed_by_the_handler(ws, monkeypatch):
    def broken(args):
        raise KeyError("a bug")

    monkeypatch.setattr("docgen.cli.cmd_calendar", broken)
    with pytest.raises(KeyError):
        main(["--workspace", str(ws.root), "calendar"])


def test_process_refuses_to_take_a_named_path_from_outside_intake(ws, tmp_path, capsys):
    # A hand trial typed `process /dev/null`: the claim moved the device into a .refused folder beside it.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    pipe, kept = elsewhere / "pipe", elsewhere / "登记表.xlsx"
    os.mkfifo(pipe)
    kept.write_bytes(b"not an office file")
    code = main(["--workspace", str(ws.root), "process", str(pipe), str(kept), "/dev/null"])
    told = capsys.readouterr().err
    assert code == 2 and "只处理 intake 文件夹中的文件" in told and str(kept) in told, told
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode) and kept.read_bytes() == b"not an office file"
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)
    assert not (elsewhere / ".refused").exists() and not list(ws.rejected.iterdir())


def test_status_of_an_office_the_ledger_does_not_know_names_the_offices_it_does(ws, capsys):
    # A hand trial typed `status --office 不存在处` and was told 没有未办结的案件, as if that office had nothing open.
    write_register(ws.intake, [register_line(project="融侨锦江")])
    run(capsys, "--workspace", str(ws.root), "process", "--today", "2026-11-26")
    code = main(["--workspace", str(ws.root), "status", "--office", "不存在处", "--today", "2026-11-26"])
    told = capsys.readouterr().err
    assert code == 2 and "台账中没有服务处“不存在处”的案件" in told and "融侨锦江客户服务处" in told, told
    assert main(["--workspace", str(ws.root), "status", "--office", "融侨锦江客户服务处", "--today", "2026-11-26"]) == 0
    assert "KF-2026-00001" in capsys.readouterr().out
