"""The command line, as a user runs it."""

from __future__ import annotations

import json

import pytest

from docgen.cli import build_parser, main
from tests.conftest import register_line, write_register


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
    assert (root / "forms" / "来电、来访登记表-v1.xlsx").exists()
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


def test_process_exit_status_is_0_when_everything_is_accepted(ws, capsys):
    write_register(ws.intake, [register_line()])
    code, out = run(capsys, "--workspace", str(ws.root), "process", "--today", "2026-11-26")
    assert code == 0 and "已受理" in out and "KF-2026-00001" in out


def test_status_lists_overdue_cases_with_the_clause_missed(ws, capsys):
    write_register(ws.intake, [register_line()])
    run(capsys, "--workspace", str(ws.root), "process", "--today", "2026-11-26")
    code, out = run(capsys, "--workspace", str(ws.root), "status", "--overdue", "--today", "2026-11-27")
    assert code == 0 and "KF-2026-00001" in out and "【逾期】" in out
    code, out = run(capsys, "--workspace", str(ws.root), "status", "--overdue", "--json", "--today", "2026-11-27")
    [case] = json.loads(out)["cases"]
    assert {o["clause"] for o in case["overdue"]} == {"CS-3.4.2.2", "CS-3.4.5"}
    code, out = run(capsys, "--workspace", str(ws.root), "status", "--case", "KF-2026-00001")
    assert "case.registered" in out


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
    assert main(["--workspace", str(ws.root), "report", "weekly", "--week", "上周"]) == 2


def test_report_quarterly_annual_and_case_from_the_command_line(ws, capsys):
    write_register(ws.intake, [register_line()])
    run(capsys, "--workspace", str(ws.root), "process", "--today", "2026-11-26")
    for argv, suffix in ((("quarterly", "--quarter", "2026Q4"), "客户服务统计报表-2026Q4.pdf"),
                         (("annual", "--year", "2026"), "客户服务统计报表-2026.pdf"),
                         (("case", "KF-2026-00001"), "99-案件档案-KF-2026-00001.pdf")):
        code, out = run(capsys, "--workspace", str(ws.root), "report", *argv, "--json")
        [output] = json.loads(out)["outputs"]
        assert code == 0 and output.endswith(suffix) and (ws.root / output).stat().st_size > 1000
    assert main(["--workspace", str(ws.root), "report", "case", "KF-2026-09999"]) == 2


def test_special_report_cs_3_10_6_tells_the_history_and_leaves_room_for_measures(ws, capsys):
    import subprocess

    write_register(ws.intake, [register_line(major=True)])
    run(capsys, "--workspace", str(ws.root), "process", "--today", "2026-11-26")
    code, out = run(capsys, "--workspace", str(ws.root), "report", "special", "KF-2026-00001", "--json")
    [output] = json.loads(out)["outputs"]
    assert code == 0 and output.endswith("98-专题报告-KF-2026-00001.pdf")
    text = subprocess.run(["pdftotext", str(ws.root / output), "-"], capture_output=True, text=True).stdout
    flat = "".join(text.split())
    assert "关于KF-2026-00001投诉的专题报告" in flat and "上报总经理、副总经理" in flat and "处理意见与建议" in flat


def test_minutes_command_in_a_fresh_process(ws):
    import subprocess
    import sys

    # Imported first on its own, as the command line does: no circular import between chain and minutes.
    done = subprocess.run([sys.executable, "-m", "docgen.cli", "--workspace", str(ws.root), "minutes", "directors",
                           "--date", "2026-11-27", "--json"], capture_output=True, text=True, timeout=120)
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
