"""The ledger: append-only, hash-chained, durable settings, numbers never reused."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timezone

import pytest

from docgen.ledger import NumberFormat
from docgen.workspace import WorkspaceError
from tests.conftest import freeze_ledger_clock


def test_durability_settings_are_wal_and_synchronous_full(ledger):
    assert ledger.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert ledger.connection.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_events_cannot_be_updated_or_deleted(ledger):
    with ledger.transaction() as tx:
        tx.append("case.registered", {"customer": "王建国"}, case_id="KF-2026-00001")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        ledger.connection.execute("UPDATE events SET payload = '{}'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        ledger.connection.execute("DELETE FROM events")


def test_verify_passes_on_an_intact_chain_and_names_a_tampered_event(ledger):
    with ledger.transaction() as tx:
        for n in range(1, 4):
            tx.append("case.registered", {"customer": f"客户{n}"}, case_id=f"KF-2026-{n:05d}")
    assert ledger.verify() == []
    # GIVEN someone edits a payload behind the tool's back (dropping the guard first)
    ledger.connection.execute("DROP TRIGGER events_are_append_only_u")
    ledger.connection.execute("UPDATE events SET payload = '{\"customer\":\"改过\"}' WHERE seq = 2")
    problems = ledger.verify()
    assert len(problems) == 1 and "事件 2" in problems[0]


def test_a_rolled_back_transaction_hands_out_no_number(ledger):
    numbering = NumberFormat("KF-{year}-{seq:05d}")
    with pytest.raises(RuntimeError):
        with ledger.transaction() as tx:
            number = tx.next_number(numbering, 2026)
            tx.append("case.registered", {}, case_id=number)
            raise RuntimeError("crash before commit")
    with ledger.transaction() as tx:
        assert tx.next_number(numbering, 2026) == "KF-2026-00001"


def test_numbers_continue_above_the_highest_and_restart_each_year(ledger):
    numbering = NumberFormat("KF-{year}-{seq:05d}")
    with ledger.transaction() as tx:
        tx.append("case.registered", {}, case_id="KF-2026-00009")
        tx.append("case.registered", {}, case_id="KF-2026-00010")
        assert tx.next_number(numbering, 2026) == "KF-2026-00011"
        assert tx.next_number(numbering, 2026, taken={"KF-2026-00020"}) == "KF-2026-00021"
        assert tx.next_number(numbering, 2027) == "KF-2027-00001"


def test_number_format_parses_both_ways_and_refuses_unknown_fields():
    numbering = NumberFormat("KF-{year}-{seq:05d}")
    assert numbering.parse("KF-2026-00042") == (2026, 42)
    assert numbering.parse("KF-2026-42x") is None
    with pytest.raises(ValueError, match="seq"):
        NumberFormat("KF-{year}")
    with pytest.raises(ValueError, match="只能使用"):
        NumberFormat("KF-{month}-{seq}")


def test_ledger_on_a_network_share_is_refused(ws, monkeypatch):
    monkeypatch.setattr("docgen.workspace._network_filesystem", lambda path: "cifs")
    with pytest.raises(WorkspaceError, match="网络文件系统"):
        ws.check_local_var()


def test_ledger_file_is_a_real_sqlite_database(ws, ledger):
    with ledger.transaction() as tx:
        tx.append("case.registered", {"x": 1}, case_id="KF-2026-00001")
    with sqlite3.connect(ws.ledger_path) as other:
        assert other.execute("SELECT count(*) FROM events").fetchone()[0] == 1


def test_events_are_stamped_on_the_offices_day_whatever_the_servers_clock(ws, monkeypatch):
    """A server on UTC at 22:30 on 26 November is at 06:30 on 27 November in the offices (Asia/Shanghai):
    the day a case closed or a file arrived is the offices' day, as ``Workspace.today`` is."""
    from docgen.cases import all_cases
    from docgen.reports.periodic import _closed_on

    # GIVEN the server's clock at 22:30 UTC on 26 November
    freeze_ledger_clock(monkeypatch, datetime(2026, 11, 26, 22, 30, tzinfo=timezone.utc))
    ledger = ws.open_ledger()
    try:
        # WHEN a case is registered and closed
        with ledger.transaction() as tx:
            tx.append("case.registered", {"number": "KF-2026-00001", "received_at": "2026-11-27T06:20:00",
                                          "deadlines": []}, case_id="KF-2026-00001")
            closed = tx.append("case.closed", {}, case_id="KF-2026-00001")
        # THEN both are stamped 06:30 on 27 November, +08:00, and the case closed on 27 November
        assert closed.recorded_at.startswith("2026-11-27T06:30:00") and closed.recorded_at.endswith("+08:00")
        [case] = all_cases(ledger)
        assert _closed_on(case) == date(2026, 11, 27)
    finally:
        ledger.close()
