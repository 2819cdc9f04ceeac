"""The watcher: when a dropped file is ready, what it ignores, and what a SIGKILL mid-batch leaves."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from docgen.ledger import Ledger
from docgen.watch import StabilityTracker, watch
from tests.conftest import register_line as dated_line
from tests.conftest import write_register


def register_line(**overrides) -> dict:
    """A register line received today (the watcher runs on the real clock): registered the day it is received,
    so no "registered late" warning (CS-3.4.3) turns an accepted file into one accepted with findings."""
    return dated_line(**{"received_date": dt.date.today(), "received_time": dt.time(0, 5), **overrides})


def run_watcher(ws, **options):
    outcomes, stop = [], threading.Event()
    thread = threading.Thread(
        target=watch,
        args=(ws,),
        kwargs={"jobs": 1, "on_outcome": outcomes.append, "stop": stop, **options},
        daemon=True,
    )
    thread.start()
    return outcomes, stop, thread


def wait_for(condition, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_dropped_register_is_processed_and_office_lock_files_are_left_alone(ws, tmp_path):
    outcomes, stop, thread = run_watcher(ws)
    try:
        # GIVEN the lock and temp files Excel, WPS and LibreOffice leave beside a form
        for junk in ("~$登记表.xlsx", ".~lock.登记表.xlsx#", "~WRL0001.tmp", "Thumbs.db"):
            (ws.intake / junk).write_bytes(b"lock")
        # WHEN a filled register is moved into intake/
        staged = write_register(tmp_path, [register_line()], name="登记表-1.xlsx")
        os.rename(staged, ws.intake / staged.name)
        # THEN it is processed, and the lock files are not
        assert wait_for(lambda: len(outcomes) == 1)
        assert outcomes[0].status == "accepted" and outcomes[0].case_ids == ["KF-2026-00001"]
        time.sleep(0.5)
        assert sorted(p.name for p in ws.intake.iterdir()) == sorted(
            ["~$登记表.xlsx", ".~lock.登记表.xlsx#", "~WRL0001.tmp", "Thumbs.db"]
        )
    finally:
        stop.set()
        thread.join(10)


def test_polling_mode_for_network_shares(ws, tmp_path):
    outcomes, stop, thread = run_watcher(ws, poll=0.2)
    try:
        staged = write_register(tmp_path, [register_line()], name="登记表-2.xlsx")
        (ws.intake / staged.name).write_bytes(staged.read_bytes())
        assert wait_for(lambda: len(outcomes) == 1)
        assert outcomes[0].status == "accepted"
    finally:
        stop.set()
        thread.join(10)


def test_a_file_still_being_written_is_not_ready(tmp_path):
    # GIVEN a file whose writer has not finished (no close event, size still changing)
    tracker = StabilityTracker(settle_seconds=0.3)
    path = tmp_path / "slow.xlsx"
    path.write_bytes(b"PK" + b"x" * 10)
    tracker.saw(path)
    assert tracker.ready() == []
    with open(path, "ab") as growing:
        growing.write(b"y" * 100)
    assert tracker.ready() == []
    # WHEN it stays unchanged for the settle time, THEN it is ready, once
    time.sleep(0.35)
    assert tracker.ready() == [path]
    assert tracker.ready() == []


def test_a_closed_file_still_waits_for_the_settle_window(tmp_path):
    # GIVEN a file its writer has closed
    tracker = StabilityTracker(settle_seconds=0.4)
    path = tmp_path / "done.xlsx"
    path.write_bytes(b"PK" + b"x" * 10)
    tracker.saw(path)
    # THEN it is not ready before its size and mtime have stayed the same for the whole window
    assert tracker.ready() == []
    time.sleep(0.2)
    assert tracker.ready() == []
    # AND a write inside the window (a second pass) starts the window again
    with open(path, "ab") as again:
        again.write(b"rest")
    tracker.saw(path)
    assert tracker.ready() == []  # the watcher looks every 50 ms
    time.sleep(0.25)
    assert tracker.ready() == []
    time.sleep(0.3)
    assert tracker.ready() == [path]


def test_a_file_written_in_two_passes_half_a_second_apart_is_one_submission(ws, tmp_path):
    # GIVEN a watcher with the default settle window
    data = write_register(tmp_path, [register_line()], name="登记表-两次.xlsx").read_bytes()
    outcomes, stop, thread = run_watcher(ws)
    try:
        assert wait_for(lambda: list((ws.outbox / "reports").rglob("逾期预警-*.docx")))  # the watcher is running
        # WHEN a program writes the file in two open–write–close passes 0.5 s apart
        target = ws.intake / "登记表-两次.xlsx"
        with open(target, "wb") as first:
            first.write(data[: len(data) // 2])
        time.sleep(0.5)
        with open(target, "ab") as second:
            second.write(data[len(data) // 2 :])
        # THEN the whole file is one accepted submission, and no fragment was rejected
        assert wait_for(lambda: len(outcomes) >= 1)
        time.sleep(1.5)  # room for a second, wrong, outcome
        assert [o.status for o in outcomes] == ["accepted"]
        assert not list(ws.rejected.iterdir())
    finally:
        stop.set()
        thread.join(10)


def _docgen(ws, *args, **popen):
    return subprocess.Popen(
        [sys.executable, "-m", "docgen.cli", "--workspace", str(ws.root), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        **popen,
    )


def test_sigkill_in_the_middle_of_200_files_loses_and_duplicates_nothing(ws, tmp_path):
    # GIVEN 200 registers, one complaint each, dropped at once
    staging = tmp_path / "staging"
    staging.mkdir()
    files = [
        write_register(
            staging,
            [
                register_line(
                    customer=f"客户{i:03d}", phone=f"139{i:08d}", category="维修" if i % 3 == 0 else "物业服务"
                )
            ],
            name=f"登记表-{i:03d}.xlsx",
        )
        for i in range(200)
    ]
    watcher = _docgen(ws, "watch", "--jobs", "2")
    for path in files:  # those arriving before the watcher looks are found by its start-up scan
        os.rename(path, ws.intake / path.name)
    # WHEN the watcher is killed with SIGKILL while the batch is under way
    under_way = wait_for(lambda: len(_numbers(ws.archive.rglob("*.xlsx"))) >= 40 or watcher.poll() is not None, 120)
    assert under_way and watcher.poll() is None, watcher.stderr.read1() if watcher.poll() is not None else "timed out"
    watcher.send_signal(signal.SIGKILL)
    watcher.wait(10)
    time.sleep(0.5)
    # AND started again
    watcher = _docgen(ws, "watch", "--jobs", "2")
    try:

        def settled():
            return (
                not list(ws.intake.iterdir())
                and not list(ws.spool.iterdir())
                and _count(ws, "submission.accepted") >= 200
            )

        assert wait_for(settled, 400), watcher.stderr.read1() if watcher.poll() is not None else "timed out"
    finally:
        watcher.send_signal(signal.SIGTERM)
        watcher.wait(30)
    # THEN every file was recorded exactly once, every complaint is one case, and the chain holds
    ledger = Ledger(ws.ledger_path)
    try:
        accepted = [e.sha256 for e in ledger.submissions() if e.kind == "submission.accepted"]
        assert len(accepted) == len(set(accepted)) == 200
        assert not [e for e in ledger.submissions() if e.kind != "submission.accepted"]
        registered = [e.case_id for e in ledger.events(kind="case.registered")]
        assert len(registered) == len(set(registered)) == 200
        assert ledger.verify() == []
    finally:
        ledger.close()
    # AND the outputs are counted by their real names; no temporary file a kill left is among them
    assert not [p for p in ws.root.rglob(".tmp-*")]
    assert _numbers(ws.archive.rglob("*.xlsx")) == list(range(200))
    assert _numbers((ws.outbox / "registers").rglob("登记表-*-已编号-*.xlsx")) == list(range(200))
    assert len(list(ws.outbox.glob("KF-*/01-现场勘察会签表.xlsx"))) == 67


def _numbers(paths) -> list[int]:
    """The register numbers (登记表-NNN) among ``paths``, sorted: each file counted once, by its real name."""
    found = (re.search(r"登记表-(\d{3})", p.name) for p in paths if not p.name.startswith("."))
    return sorted(int(m.group(1)) for m in found if m)


def test_recovery_removes_the_temporary_files_a_kill_left_and_nothing_else(ws):
    from docgen.service import process_paths

    # GIVEN the temporary files a kill mid-write leaves, in every folder docgen writes
    orphans = [
        ws.outbox / "registers" / "2026-11-26" / ".tmp-k3j2.xlsx",
        ws.outbox / ".tmp-a1.docx",
        ws.rejected / "登记表-1a2b3c4d" / ".tmp-x9.txt",
        ws.archive / "2026-11" / ".tmp-p0.xlsx",
        ws.var / ".tmp-h7.json",
        ws.spool / ".tmp-c4.json",
        ws.forms / ".tmp-f2.xlsx",
    ]
    # AND files that only look alike: a clerk's file in intake/, other programs' names
    others = [ws.intake / ".tmp-clerk.xlsx", ws.outbox / ".tmpnotes", ws.outbox / "a.tmp-1", ws.outbox / "real.xlsx"]
    for path in orphans + others:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half")
    # WHEN docgen starts (process or watch: both recover first)
    process_paths(ws, [])
    # THEN the orphans are gone, the rest untouched, and the spool is empty again
    assert [p for p in orphans if p.exists()] == []
    assert [p for p in others if not p.exists()] == []
    assert list(ws.spool.iterdir()) == []


def test_recovery_status_and_the_watcher_take_the_same_spool_entries_never_a_sidecar_being_written(ws, caplog):
    import logging

    from docgen import pipeline
    from docgen.atomic import open_temporary
    from docgen.service import process_paths
    from docgen.watch import Retries

    # GIVEN a claim left in the spool, and beside it a sidecar still being written (its writer alive)
    record = pipeline.claim(ws, write_register(ws.intake, [register_line()]))
    handle, temp = open_temporary(ws.spool, ".json")
    try:
        os.write(handle, b'{"id": "half')
        # THEN status, the watcher's retries and recovery all take the one claim, and only it
        assert pipeline.spool_entries(ws) == [record.sidecar]
        retries = Retries(ws)
        retries.leftovers()
        assert list(retries.attempts) == [record.id]
        retries.close()
        with caplog.at_level(logging.INFO):
            outcomes = process_paths(ws, [])
        assert [o.status for o in outcomes] == ["accepted"]
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
        assert temp.exists() and list(ws.spool.iterdir()) == [temp]  # a live write is nobody's to judge
    finally:
        os.close(handle)


def test_a_kill_between_archiving_and_removing_the_original_records_the_file_once(ws):
    from docgen import pipeline
    from docgen.service import pending, process_paths

    # GIVEN a claim killed after archive/ got its copy, before the original left intake/
    path = write_register(ws.intake, [register_line()], name="登记表-中断.xlsx")
    content = path.read_bytes()
    pipeline.claim(ws, path)
    path.write_bytes(content)  # what the kill left: the original still there (archive/ holds a copy)
    # WHEN docgen starts again and then takes what is in intake/
    outcomes = process_paths(ws, [])
    outcomes += process_paths(ws, pending(ws))
    # THEN the file was recorded once, not again as a duplicate of itself
    assert [o.status for o in outcomes] == ["accepted"]
    assert list(ws.intake.iterdir()) == [] and _count(ws, "submission.duplicate") == 0


def test_documents_the_outbox_refused_are_written_when_it_recovers_without_a_restart(ws, tmp_path, capsys):
    from docgen.cli import main

    outcomes, stop, thread = run_watcher(ws)
    try:
        assert wait_for(lambda: list((ws.outbox / "reports").rglob("逾期预警-*.docx")))  # running
        # GIVEN an outbox/ that cannot be written (root ignores modes: a file stands in its place)
        ws.outbox.rename(tmp_path / "outbox-away")
        ws.outbox.write_bytes(b"")
        # WHEN three registers are dropped while it is so
        for i in range(3):
            staged = write_register(
                tmp_path, [register_line(customer=f"客户{i}", phone=f"1390000000{i}")], name=f"登记表-{i}.xlsx"
            )
            os.rename(staged, ws.intake / staged.name)
        # THEN they are recorded, their documents wait in the spool, and status says why and what next
        assert wait_for(lambda: _count(ws, "submission.accepted") == 3 and len(list(ws.spool.glob("*.json"))) == 3)
        assert wait_for(lambda: (ws.var / "retrying.json").exists())
        assert outcomes == []
        capsys.readouterr()
        assert main(["--workspace", str(ws.root), "status"]) == 0
        line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("待写出文件"))
        assert "outbox 无法写入：不是文件夹" in line and line.endswith("将自动重试"), line
        time.sleep(3)  # a few seconds of failing retries
        # AND once the outbox can be written again, every document appears without a restart
        ws.outbox.unlink()
        (tmp_path / "outbox-away").rename(ws.outbox)
        assert wait_for(lambda: len(outcomes) == 3, 90)
    finally:
        stop.set()
        thread.join(10)
    assert sorted(o.case_ids[0] for o in outcomes) == ["KF-2026-00001", "KF-2026-00002", "KF-2026-00003"]
    for outcome in outcomes:
        assert outcome.status == "accepted" and outcome.outputs
        assert all((ws.root / output).is_file() for output in outcome.outputs)
    assert list(ws.spool.iterdir()) == [] and not (ws.var / "retrying.json").exists()
    capsys.readouterr()
    main(["--workspace", str(ws.root), "status"])
    assert "待写出文件" not in capsys.readouterr().out


def _children(pid: int) -> list[int]:
    return [
        int(child) for task in Path(f"/proc/{pid}/task").iterdir() for child in (task / "children").read_text().split()
    ]


def test_a_worker_killed_while_the_watcher_runs_is_replaced(ws, tmp_path):
    watcher = _docgen(ws, "watch", "--jobs", "2")
    try:
        # running: its workers started and its loop wrote the day's warning
        assert wait_for(lambda: list((ws.outbox / "reports").rglob("逾期预警-*.docx")), 120)
        assert len(_children(watcher.pid)) == 2
        # GIVEN one of the watcher's two workers killed (out of memory, an operator's kill -9)
        os.kill(_children(watcher.pid)[0], signal.SIGKILL)
        # WHEN a register is dropped afterwards
        staged = write_register(tmp_path, [register_line()], name="登记表-之后.xlsx")
        os.rename(staged, ws.intake / staged.name)
        # THEN it is processed by new workers, and the watcher keeps running
        assert wait_for(lambda: _count(ws, "submission.accepted") == 1 and not list(ws.spool.iterdir()), 120), (
            watcher.stderr.read1() if watcher.poll() is not None else "timed out"
        )
        assert watcher.poll() is None
    finally:
        watcher.send_signal(signal.SIGTERM)
        watcher.wait(30)


def _count(ws, kind: str) -> int:
    try:
        with sqlite3.connect(ws.ledger_path, timeout=5) as connection:
            return connection.execute("SELECT count(*) FROM events WHERE kind = ?", (kind,)).fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_a_file_without_extension_waits_for_excels_rename(ws):
    from docgen.service import pending

    # GIVEN Excel's temporary save file (no extension) next to a finished form
    (ws.intake / "D7E6F500").write_bytes(b"PK partial")
    write_register(ws.intake, [register_line()], name="done.xlsx")
    assert [p.name for p in pending(ws)] == ["done.xlsx"]
    # WHEN nobody renames it for a minute, THEN it is taken (and will be rejected cleanly)
    old = time.time() - 120
    os.utime(ws.intake / "D7E6F500", (old, old))
    assert sorted(p.name for p in pending(ws)) == ["D7E6F500", "done.xlsx"]


def test_the_watcher_writes_the_days_overdue_warning_once(ws):
    outcomes, stop, thread = run_watcher(ws)
    try:
        assert wait_for(lambda: list((ws.outbox / "reports" / "逾期预警").glob("逾期预警-*.docx")))
    finally:
        stop.set()
        thread.join(10)
    assert len(list((ws.outbox / "reports" / "逾期预警").glob("逾期预警-*.docx"))) == 1
