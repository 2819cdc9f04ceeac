"""The watcher: when a dropped file is ready, what it ignores, and what a SIGKILL mid-batch leaves."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

from docgen.ledger import Ledger
from docgen.watch import StabilityTracker, watch
from tests.conftest import register_line, write_register


def run_watcher(ws, **options):
    outcomes, stop = [], threading.Event()
    thread = threading.Thread(target=watch, args=(ws,), kwargs={"jobs": 1, "on_outcome": outcomes.append,
                                                                "stop": stop, **options}, daemon=True)
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
            ["~$登记表.xlsx", ".~lock.登记表.xlsx#", "~WRL0001.tmp", "Thumbs.db"])
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


def test_a_closed_file_is_ready_without_waiting_for_the_settle_time(tmp_path):
    tracker = StabilityTracker(settle_seconds=60)
    path = tmp_path / "done.xlsx"
    path.write_bytes(b"PK" + b"x" * 10)
    tracker.saw(path, closed=True)
    assert tracker.ready() == []  # first look records its size
    assert tracker.ready() == [path]


def _docgen(ws, *args, **popen):
    return subprocess.Popen([sys.executable, "-m", "docgen.cli", "--workspace", str(ws.root), *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **popen)


def test_sigkill_in_the_middle_of_200_files_loses_and_duplicates_nothing(ws, tmp_path):
    # GIVEN 200 registers, one complaint each, dropped at once
    staging = tmp_path / "staging"
    staging.mkdir()
    files = [write_register(staging, [register_line(customer=f"客户{i:03d}", phone=f"139{i:08d}",
                                                    category="维修" if i % 3 == 0 else "物业服务")],
                            name=f"登记表-{i:03d}.xlsx") for i in range(200)]
    watcher = _docgen(ws, "watch", "--jobs", "2")
    time.sleep(1.5)
    for path in files:
        os.rename(path, ws.intake / path.name)
    # WHEN the watcher is killed with SIGKILL while the batch is under way
    assert wait_for(lambda: len(list(ws.archive.rglob("*.xlsx"))) >= 40, 60)
    watcher.send_signal(signal.SIGKILL)
    watcher.wait(10)
    time.sleep(0.5)
    # AND started again
    watcher = _docgen(ws, "watch", "--jobs", "2")
    try:
        def settled():
            return (not list(ws.intake.iterdir()) and not list(ws.spool.iterdir())
                    and _count(ws, "submission.accepted") >= 200)
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
    assert len(list(ws.archive.rglob("*.xlsx"))) == 200
    assert len(list(ws.outbox.glob("KF-*/01-现场勘察会签表.xlsx"))) == 67
    assert len(list((ws.outbox / "registers").rglob("*.xlsx"))) == 200


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
