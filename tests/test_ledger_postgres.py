"""The ledger on PostgreSQL (issue 15): the same contract as the SQLite file, on a real server (tests/pg.py),
several offices' watchers writing one ledger, a kill -9 mid-batch, and ``docgen ledger copy``."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from docgen.ledger import CopyRefused, Ledger, NumberFormat, database_unavailable, row_hash
from docgen.ledger_postgres import LedgerUnavailable, masked, translate
from docgen.pipeline import system_fault
from docgen.workspace import Workspace, WorkspaceError, init_workspace
from tests.conftest import register_line as dated_line
from tests.conftest import write_register

NUMBERING = NumberFormat("KF-{year}-{seq:05d}")


def _workspace(root: Path, url: str | None) -> Workspace:
    root.mkdir(parents=True, exist_ok=True)
    if url:
        (root / "docgen.toml").write_text(f'[ledger]\nurl = "{url}"\n', encoding="utf-8")
    return init_workspace(root)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_ws(request, tmp_path) -> Workspace:
    """A workspace whose ledger is the SQLite file, or a fresh PostgreSQL database."""
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    return _workspace(tmp_path / "ws", url)


@pytest.fixture
def any_ledger(backend_ws):
    opened = backend_ws.open_ledger()
    yield opened
    opened.close()


def _drop_guards(ledger) -> None:
    if ledger.url:
        ledger.connection.execute("ALTER TABLE events DISABLE TRIGGER USER")
    else:
        ledger.connection.execute("DROP TRIGGER events_are_append_only_u")
        ledger.connection.execute("DROP TRIGGER events_are_append_only_d")


def _register(ledger, count: int, year: int = 2026) -> list[str]:
    numbers = []
    with ledger.transaction() as tx:
        for _ in range(count):
            numbers.append(tx.next_number(NUMBERING, year))
            tx.append("case.registered", {"number": numbers[-1], "project": "融侨锦江"}, case_id=numbers[-1])
    return numbers


# ------------------------------------------------------------ the same contract on both backends


def test_the_configured_backend_is_the_one_opened(backend_ws, any_ledger):
    if backend_ws.settings.ledger.url:
        assert any_ledger.url and any_ledger.connection.dialect == "postgresql"
        assert not backend_ws.ledger_path.exists()  # no SQLite file made on the side
    else:
        assert any_ledger.url is None and backend_ws.ledger_path.exists()


def test_events_cannot_be_updated_deleted_or_truncated(any_ledger):
    _register(any_ledger, 1)
    for statement in ("UPDATE events SET payload = '{}'", "DELETE FROM events"):
        with pytest.raises(Exception, match="append-only"):
            any_ledger.connection.execute(statement)
    if any_ledger.url:
        with pytest.raises(Exception, match="append-only"):
            any_ledger.connection.execute("TRUNCATE events")
    assert any_ledger.count() == 1 and any_ledger.verify() == []


def test_verify_names_a_tampered_event_and_a_forged_rehash(backend_ws, any_ledger):
    _register(any_ledger, 3)
    assert any_ledger.verify() == []
    _drop_guards(any_ledger)
    any_ledger.connection.execute("UPDATE events SET payload = ? WHERE seq = 2", ('{"number":"改过"}',))
    problems = any_ledger.verify()
    assert len(problems) == 1 and "事件 2" in problems[0]
    # AND re-hashing every later event is caught by the head files
    rows = any_ledger.connection.execute("SELECT * FROM events WHERE seq >= 2 ORDER BY seq").fetchall()
    previous = any_ledger.connection.execute("SELECT hash FROM events WHERE seq = 1").fetchone()[0]
    for row in rows:
        digest = row_hash(row, previous)
        any_ledger.connection.execute(
            "UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?", (previous, digest, row["seq"])
        )
        previous = digest
    problems = any_ledger.verify()
    assert problems and all("台账头文件" in p for p in problems), problems


def test_a_rolled_back_transaction_hands_out_no_number(any_ledger):
    with pytest.raises(RuntimeError):
        with any_ledger.transaction() as tx:
            tx.append("case.registered", {}, case_id=tx.next_number(NUMBERING, 2026))
            raise RuntimeError("crash before commit")
    assert any_ledger.count() == 0
    assert _register(any_ledger, 1) == ["KF-2026-00001"]


def test_numbers_continue_restart_each_year_and_are_never_reissued(any_ledger):
    assert _register(any_ledger, 3) == ["KF-2026-00001", "KF-2026-00002", "KF-2026-00003"]
    assert _register(any_ledger, 1, 2027) == ["KF-2027-00001"]
    _drop_guards(any_ledger)
    any_ledger.connection.execute("DELETE FROM events WHERE case_id = 'KF-2026-00003'")
    assert _register(any_ledger, 1) == ["KF-2026-00004"]


def test_a_savepoint_undoes_its_events_and_counters(any_ledger):
    with any_ledger.transaction() as tx:
        tx.append("case.registered", {}, case_id=tx.next_number(NUMBERING, 2026))
        with pytest.raises(ValueError):
            with tx.savepoint():
                tx.append("case.registered", {}, case_id=tx.next_number(NUMBERING, 2026))
                raise ValueError("refused half-way")
        assert tx.next_number(NUMBERING, 2026) == "KF-2026-00002"
    assert any_ledger.count() == 1 and any_ledger.verify() == []


def test_each_commit_anchors_the_head_and_verify_notices_the_newest_rows_deleted(backend_ws, any_ledger):
    _register(any_ledger, 2)
    seq, digest, _ = any_ledger.head()
    for head_file in backend_ws.head_files:
        recorded = json.loads(head_file.read_text(encoding="utf-8"))
        assert (recorded["seq"], recorded["hash"]) == (seq, digest)
    _drop_guards(any_ledger)
    any_ledger.connection.execute("DELETE FROM events WHERE seq = 2")
    assert any("最新的记录被删除了" in p for p in any_ledger.verify())


def test_line_fingerprints_and_the_projects_read_the_same(any_ledger):
    payload = {"received_date": "2026-11-23", "customer": "王建国", "phone": "13800138000", "content": "漏水"}
    with any_ledger.transaction() as tx:
        tx.append("case.registered", {**payload, "project": "融侨锦江"}, case_id="KF-2026-00001")
        tx.append("case.registered", {**payload, "project": "融侨锦江"}, case_id="KF-2026-00002")  # same line
        # a control character typed into a cell is stored escaped ("\u0000"), which PostgreSQL's jsonb refuses
        tx.append("case.registered", {**payload, "content": "漏\x00水", "project": "融侨锦江"}, case_id="KF-2026-00003")
    with any_ledger.transaction() as tx:
        from docgen.ledger import line_fingerprint

        assert (
            tx.case_by_fingerprint(line_fingerprint("2026-11-23", "王建国", "13800138000", "漏水")) == "KF-2026-00001"
        )
    assert any_ledger.registered_projects() == {"融侨锦江"}


def _append_from_a_process(ws_root: str, count: int) -> None:
    ws = Workspace.open(Path(ws_root))
    ledger = ws.open_ledger()
    try:
        for _ in range(count):
            _register(ledger, 1)
    finally:
        ledger.close()


def test_events_are_found_by_a_payload_value_or_a_date_window_read_by_the_database(any_ledger):
    with any_ledger.transaction() as tx:
        for number, day, project in (("BHG-1", "2026-01-05", "翠苑"), ("BHG-2", "2026-03-01", "融侨锦江"),
                                     ("BHG-3", "2026-06-30", "翠苑")):  # fmt: skip
            tx.append("nc.recorded", {"number": number, "found_on": day, "project": project, "contractor": "中建七局"})
        tx.append("nc.action", {"number": "BHG-2", "found_on": "2026-03-01"})
        tx.append("case.registered", {"number": "BHG-2", "found_on": "2026-03-01"}, case_id="KF-1")
    kinds = ("nc.recorded", "nc.action")
    found = any_ledger.events_matching(kinds, "number", equal_to=("BHG-2", "BHG-9"))
    assert [(e.kind, e.payload["number"]) for e in found] == [("nc.recorded", "BHG-2"), ("nc.action", "BHG-2")]
    window = any_ledger.events_matching(("nc.recorded",), "found_on", between=("2026-01-05", "2026-03-01"))
    assert [e.payload["number"] for e in window] == ["BHG-1", "BHG-2"]  # both ends inside, in ledger order
    assert any_ledger.events_matching(kinds, "number", equal_to=()) == []
    whole_year = ("2026-01-01", "2026-12-31")
    in_cuiyuan = any_ledger.events_matching(
        ("nc.recorded",), "found_on", between=whole_year, sharing={"project": "翠苑"}
    )
    assert [e.payload["number"] for e in in_cuiyuan] == ["BHG-1", "BHG-3"]
    either = {"project": "别处", "contractor": "中建七局"}  # one shared value is enough
    assert len(any_ledger.events_matching(("nc.recorded",), "found_on", between=whole_year, sharing=either)) == 3
    with pytest.raises(ValueError):
        any_ledger.events_matching(kinds, "number') OR 1=1 --", equal_to=("x",))


def test_writers_in_several_processes_keep_one_linear_chain_and_unique_numbers(backend_ws, any_ledger):
    # GIVEN four processes taking numbers and appending at the same time
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_append_from_a_process, args=(str(backend_ws.root), 25)) for _ in range(4)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(120)
        assert writer.exitcode == 0
    # THEN every number was given once, in one unbroken chain
    numbers = [e.case_id for e in any_ledger.events(kind="case.registered")]
    assert sorted(numbers) == [f"KF-2026-{n:05d}" for n in range(1, 101)]
    assert any_ledger.count() == 100 and any_ledger.verify() == []


def test_copy_round_trips_every_event_as_stored_and_refuses_a_ledger_that_holds_events(tmp_path, pg_url):
    source = _workspace(tmp_path / "ws", None).open_ledger()
    _register(source, 5)
    with source.transaction() as tx:
        tx.append("case.work_ordered", {"order_number": "PG-A-2026-00004"}, case_id="KF-2026-00001")
    target = Ledger(tmp_path / "pg" / "ledger.sqlite3", url=pg_url)
    back = Ledger(tmp_path / "back.sqlite3")
    try:
        assert source.copy_to(target) == 6
        assert target.copy_to(back) == 6
        rows = [[tuple(r) for r in ledger.rows_in_order(page=4)] for ledger in (source, target, back)]
        assert rows[0] == rows[1] == rows[2]
        counters = [ledger.connection.execute("SELECT * FROM counters").fetchall() for ledger in (source, target, back)]
        assert [tuple(r) for r in counters[0]] == [tuple(r) for r in counters[1]] == [tuple(r) for r in counters[2]]
        assert source.verify() == target.verify() == back.verify() == []
        with target.transaction() as tx:  # the copy goes on numbering where the original stopped
            assert tx.next_number(NUMBERING, 2026) == "KF-2026-00006"
        with pytest.raises(CopyRefused, match="只能复制到空台账"):
            source.copy_to(target)
    finally:
        for ledger in (source, target, back):
            ledger.close()


def test_a_setting_that_is_no_postgresql_url_is_refused(tmp_path):
    root = tmp_path / "ws"
    root.mkdir()
    (root / "docgen.toml").write_text('[ledger]\nurl = "mysql://x/y"\n', encoding="utf-8")
    with pytest.raises(WorkspaceError, match="不是 PostgreSQL 地址"):
        init_workspace(root)


def test_a_server_out_of_reach_is_the_machines_fault_and_named_without_its_password(tmp_path):
    url = f"postgresql://docgen:secret@/docgen?host={tmp_path}&connect_timeout=2"
    with pytest.raises(LedgerUnavailable) as refused:
        Ledger(tmp_path / "ledger.sqlite3", url=url)
    assert "无法连接台账数据库" in refused.value.message and "secret" not in refused.value.message
    assert database_unavailable(refused.value) and system_fault(refused.value)
    assert masked(url) == f"postgresql://docgen:***@/docgen?host={tmp_path}&connect_timeout=2"


def test_a_ledger_left_open_across_a_server_restart_opens_its_connection_again(tmp_path, pg_cluster):
    ws = _workspace(tmp_path / "ws", pg_cluster.url())
    ledger = ws.open_ledger()
    try:
        assert _register(ledger, 1) == ["KF-2026-00001"]
        # WHEN the server restarts (every connection dropped) while a watcher's worker holds its ledger open
        pg_cluster.restart()
        # THEN its next transaction opens a new connection and goes on where the ledger stood
        assert _register(ledger, 1) == ["KF-2026-00002"]
        assert ledger.verify() == []
        # AND so does a read outside a transaction (status, the watcher's look at what is unwritten)
        pg_cluster.restart()
        assert ledger.count() == 2
    finally:
        ledger.close()


def test_a_writer_that_stops_with_the_lock_held_does_not_stop_the_others(tmp_path, pg_url, monkeypatch):
    import threading

    import docgen.ledger_postgres as backend

    monkeypatch.setattr(backend, "IDLE_IN_TRANSACTION_SECONDS", 1)
    ws = _workspace(tmp_path / "ws", pg_url)
    frozen, other = ws.open_ledger(), ws.open_ledger()
    try:
        # GIVEN a writer that took the lock and then stopped (its machine froze mid-transaction)
        frozen._begin()
        frozen.connection.execute("SELECT 1")
        # WHEN another office registers a complaint
        done: list[str] = []
        writer = threading.Thread(target=lambda: done.extend(_register(other, 1)))
        writer.start()
        writer.join(30)
        # THEN it goes through once the server has ended the stopped session, which cannot commit
        assert done == ["KF-2026-00001"]
        with pytest.raises(Exception) as ended:
            frozen.connection.execute("INSERT INTO counters VALUES ('x', 0, 1)")
        assert system_fault(ended.value)
        frozen._end("ROLLBACK")  # what Ledger.transaction does next: the server rolled it back already
        assert other.verify() == [] and other.count() == 1
    finally:
        other.close()
        frozen.close()


def test_doctor_says_whether_the_shared_ledger_answers(tmp_path, pg_url):
    from docgen.doctor import diagnose

    ws = _workspace(tmp_path / "ws", pg_url)
    ledger = ws.open_ledger()
    _register(ledger, 2)
    ledger.close()
    shared = [c for c in diagnose(ws) if c.topic == "共用台账"]
    assert [(c.status, "共 2 条事件" in c.message) for c in shared] == [("ok", True)]
    away = _workspace(tmp_path / "away", f"postgresql://docgen:secret@/docgen?host={tmp_path}")
    shared = [c for c in diagnose(away) if c.topic == "共用台账"]
    assert [c.status for c in shared] == ["fail"] and "无法连接台账数据库" in shared[0].message
    assert "secret" not in shared[0].message


def test_statements_are_translated_in_one_place():
    assert translate("SELECT json_extract(payload, '$.project') FROM events WHERE kind = ?") == (
        "SELECT (replace(payload, '\\u0000', '\\uFFFD')::json ->> 'project') FROM events WHERE kind = %s"
    )
    assert translate("SELECT '?%' AS q, x % 2 FROM t WHERE a = ?") == "SELECT '?%' AS q, x %% 2 FROM t WHERE a = %s"


# ------------------------------------------------------------ offices and watchers


def _docgen(ws: Workspace, *args: str, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "docgen.cli", "--workspace", str(ws.root), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        **popen,
    )


def _run(ws: Workspace, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "docgen.cli", "--workspace", str(ws.root), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


def _json(ws: Workspace, *args: str) -> dict:
    """A command's --json answer; a failure shows what the command wrote on stderr."""
    done = _run(ws, *args, "--json")
    assert done.stdout.strip(), f"docgen {' '.join(args)} exited {done.returncode}: {done.stderr}"
    return json.loads(done.stdout)


def _office_registers(staging: Path, office: str, project: str, count: int) -> list[Path]:
    """``count`` registers of one office, one complaint each, received today (the watcher's clock)."""
    staging.mkdir(parents=True, exist_ok=True)
    return [
        write_register(
            staging,
            [
                dated_line(
                    received_date=dt.date.today(),
                    received_time=dt.time(0, 5),
                    project=project,
                    customer=f"{office[:1]}客户{i:03d}",
                    phone=f"13{len(office) % 10}{i:08d}",
                    category="维修" if i % 5 == 0 else "物业服务",
                )
            ],
            name=f"登记表-{i:03d}.xlsx",
            header={"office": office, "clerk": "林晓"},
        )
        for i in range(count)
    ]


def _wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def _archived(ws: Workspace) -> list[int]:
    found = (re.search(r"登记表-(\d{3})", p.name) for p in ws.archive.rglob("*.xlsx") if not p.name.startswith("."))
    return sorted(int(m.group(1)) for m in found if m)


def _accepted(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as connection:
        try:
            return connection.execute("SELECT count(*) FROM events WHERE kind = 'submission.accepted'").fetchone()[0]
        except psycopg.errors.UndefinedTable:  # no watcher has opened the ledger yet
            return 0


def _two_offices(tmp_path: Path, url: str, count: int):
    offices = []
    for name, project, office in (("east", "融侨锦江", "东区客户服务处"), ("west", "西湖花园", "西区客户服务处")):
        ws = _workspace(tmp_path / name, url)
        offices.append((ws, office, _office_registers(tmp_path / f"staging-{name}", office, project, count)))
    return offices


def _check_one_ledger(offices, url: str, count: int) -> None:
    ws = offices[0][0]
    ledger = ws.open_ledger()
    try:
        submissions = ledger.submissions()
        accepted = [e.sha256 for e in submissions if e.kind == "submission.accepted"]
        # every file has exactly one outcome: accepted once, never rejected or answered as a duplicate
        assert len(accepted) == len(set(accepted)) == 2 * count
        assert [e.kind for e in submissions if e.kind != "submission.accepted"] == []
        numbers = [e.case_id for e in ledger.events(kind="case.registered")]
        assert len(numbers) == len(set(numbers)) == 2 * count  # every number unique across the watchers
        assert sorted(numbers) == [f"KF-{dt.date.today().year}-{n:05d}" for n in range(1, 2 * count + 1)]
        by_office = {office: 0 for _, office, _ in offices}
        for event in ledger.events(kind="case.registered"):
            by_office[event.payload["source"]["office"]] += 1
        assert by_office == {office: count for _, office, _ in offices}
    finally:
        ledger.close()
    for ws, _, _ in offices:
        assert not list(ws.intake.iterdir()) and not list(ws.spool.iterdir())
        assert _archived(ws) == list(range(count))  # each office's files in its own archive, once
        registers = [p for p in (ws.outbox / "registers").rglob("登记表-*-已编号-*.xlsx") if not p.name.startswith(".")]
        assert len(registers) == count
        assert not list(ws.root.rglob(".tmp-*"))
        verified = _run(ws, "verify", "--json")  # each office's head files against the one chain
        assert verified.returncode == 0 and json.loads(verified.stdout)["ok"], verified.stdout + verified.stderr


def test_two_watchers_on_two_workspaces_drop_500_registers_each_into_one_ledger(tmp_path, pg_url):
    count = 500
    offices = _two_offices(tmp_path, pg_url, count)
    watchers = [_docgen(ws, "watch", "--jobs", "1") for ws, _, _ in offices]
    try:
        for ws, _, files in offices:
            for path in files:
                os.rename(path, ws.intake / path.name)
        done = _wait_for(lambda: _accepted(pg_url) >= 2 * count or any(w.poll() is not None for w in watchers), 1500)
        stopped = [w.stderr.read1() for w in watchers if w.poll() is not None]  # type: ignore[union-attr]
        assert done and not stopped, stopped or "timed out"
        assert _wait_for(lambda: all(not list(ws.spool.iterdir()) for ws, _, _ in offices), 120)
    finally:
        for watcher in watchers:
            watcher.send_signal(signal.SIGTERM)
            watcher.wait(60)
    _check_one_ledger(offices, pg_url, count)
    # AND status can be run from any office's workspace, narrowed to one office (the 服务处 of the case's
    # project, [routing.offices], default <项目>客户服务处)
    east, west = offices[0][0], offices[1][0]
    status = _run(west, "status", "--all", "--json", "--office", "融侨锦江客户服务处")
    cases = json.loads(status.stdout)["cases"]
    assert status.returncode == 0 and len(cases) == count
    assert {c["case_id"] for c in cases} == {
        c["case_id"] for c in _json(east, "status", "--all", "--office", "融侨锦江客户服务处")["cases"]
    }
    assert {c["case_id"] for c in cases}.isdisjoint(
        c["case_id"] for c in _json(east, "status", "--all", "--office", "西湖花园客户服务处")["cases"]
    )


def test_a_kill_9_of_one_watcher_mid_batch_loses_nothing(tmp_path, pg_url):
    count = 120
    offices = _two_offices(tmp_path, pg_url, count)
    (east, _, east_files), (west, _, west_files) = offices
    watchers = [_docgen(east, "watch", "--jobs", "2"), _docgen(west, "watch", "--jobs", "1")]
    try:
        for ws, _, files in offices:
            for path in files:
                os.rename(path, ws.intake / path.name)
        # WHEN the east office's watcher is killed with SIGKILL while its batch is under way
        under_way = _wait_for(lambda: len(_archived(east)) >= 30 or watchers[0].poll() is not None, 300)
        assert under_way and watchers[0].poll() is None, "timed out or stopped"
        watchers[0].send_signal(signal.SIGKILL)
        watchers[0].wait(10)
        time.sleep(0.5)
        assert len(_archived(east)) < count, "the batch was over before the kill"
        # AND started again, while the west office's watcher went on all along
        watchers[0] = _docgen(east, "watch", "--jobs", "2")
        done = _wait_for(lambda: _accepted(pg_url) >= 2 * count or any(w.poll() is not None for w in watchers), 900)
        assert done and all(w.poll() is None for w in watchers), "timed out or a watcher stopped"
        assert _wait_for(lambda: all(not list(ws.spool.iterdir()) for ws, _, _ in offices), 120)
    finally:
        for watcher in watchers:
            if watcher.poll() is None:
                watcher.send_signal(signal.SIGTERM)
                watcher.wait(60)
    # THEN nothing was lost or recorded twice, and the one chain holds
    _check_one_ledger(offices, pg_url, count)


def test_a_file_dropped_while_the_server_is_away_waits_in_the_spool_and_is_recorded_once_it_is_back(
    tmp_path, pg_cluster
):
    url = pg_cluster.url()
    ws = _workspace(tmp_path / "ws", url)
    files = _office_registers(tmp_path / "staging", "东区客户服务处", "融侨锦江", 3)
    watcher = _docgen(ws, "watch", "--jobs", "1")
    try:
        os.rename(files[0], ws.intake / files[0].name)
        assert _wait_for(lambda: _accepted(url) == 1, 120)
        # WHEN the server goes away and two more registers are dropped
        pg_cluster.halt()
        try:
            for path in files[1:]:
                os.rename(path, ws.intake / path.name)
            # THEN they are claimed and wait in the spool (a fault of the machine, never a rejection)
            assert _wait_for(lambda: not list(ws.intake.iterdir()) and len(list(ws.spool.glob("*.json"))) == 2, 120)
            time.sleep(2)
            assert watcher.poll() is None and not list(ws.rejected.iterdir())
        finally:
            pg_cluster.start()
        # AND once it is back the watcher records them, without a restart
        assert _wait_for(lambda: _accepted(url) == 3 and not list(ws.spool.iterdir()), 180)
    finally:
        watcher.send_signal(signal.SIGTERM)
        watcher.wait(60)
    ledger = ws.open_ledger()
    try:
        assert len({e.case_id for e in ledger.events(kind="case.registered")}) == 3 and ledger.verify() == []
    finally:
        ledger.close()


def test_ledger_copy_moves_the_demo_ledger_to_postgresql_and_verify_passes_on_both_sides(tmp_path, pg_url):
    ws = _workspace(tmp_path / "demo", None)
    assert _run(ws, "demo").returncode == 0
    processed = _run(ws, "process", "--json")
    assert processed.returncode in (0, 1), processed.stderr  # the demo includes a file it rejects on purpose
    before = _run(ws, "verify", "--json")
    assert before.stdout, before.stderr
    events = json.loads(before.stdout)["events"]
    assert before.returncode == 0 and events > 10
    # WHEN the ledger is copied across
    copied = _run(ws, "ledger", "copy", "--to", pg_url, "--json")
    assert copied.returncode == 0, copied.stdout + copied.stderr
    assert json.loads(copied.stdout) == {"ok": True, "events": events, "to": pg_url, "problems": []}
    # THEN verify passes on the SQLite side, and on PostgreSQL once the workspace is set to it
    assert _run(ws, "verify").returncode == 0
    status_before = _json(ws, "status", "--all")["cases"]
    (ws.root / "docgen.toml").write_text(f'[ledger]\nurl = "{pg_url}"\n', encoding="utf-8")
    after = _run(ws, "verify", "--json")
    assert after.returncode == 0 and json.loads(after.stdout)["events"] == events, after.stdout + after.stderr
    assert _json(ws, "status", "--all")["cases"] == status_before
    # AND the copy goes back to a new SQLite file the same way; a second copy onto it is refused
    back = tmp_path / "back.sqlite3"
    assert _run(ws, "ledger", "copy", "--to", str(back)).returncode == 0
    again = _run(ws, "ledger", "copy", "--to", str(back))
    assert again.returncode == 2 and "已存在" in again.stderr
    # AND a PostgreSQL database that holds events is never written into
    (ws.root / "docgen.toml").write_text("", encoding="utf-8")
    refused = _run(ws, "ledger", "copy", "--to", pg_url)
    assert refused.returncode == 2 and "只能复制到空台账" in refused.stderr
