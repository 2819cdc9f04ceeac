"""The ledger: append-only, hash-chained, durable settings, numbers never reused."""

from __future__ import annotations

import re
import sqlite3
from datetime import date, datetime, timezone

import pytest

from docgen.ledger import NumberFormat, NumbersExhausted, line_fingerprint, read_head_file, row_hash
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
    ledger.connection.execute('UPDATE events SET payload = \'{"customer":"改过"}\' WHERE seq = 2')
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
        assert tx.next_number(numbering, 2026) == "KF-2026-00012"  # from the counter, raised in this transaction
        assert tx.next_number(numbering, 2027) == "KF-2027-00001"


def _drop_guards(ledger) -> None:
    ledger.connection.execute("DROP TRIGGER events_are_append_only_u")
    ledger.connection.execute("DROP TRIGGER events_are_append_only_d")


def _register(ledger, numbering, count: int) -> list[str]:
    numbers = []
    with ledger.transaction() as tx:
        for _ in range(count):
            numbers.append(tx.next_number(numbering, 2026))
            tx.append("case.registered", {"number": numbers[-1]}, case_id=numbers[-1])
    return numbers


def test_a_number_is_never_issued_twice_even_after_rows_were_deleted(ledger):
    # GIVEN eight cases, the newest of them deleted behind the tool's back
    numbering = NumberFormat("KF-{year}-{seq:05d}")
    assert _register(ledger, numbering, 8)[-1] == "KF-2026-00008"
    _drop_guards(ledger)
    ledger.connection.execute("DELETE FROM events WHERE case_id = 'KF-2026-00008'")
    # WHEN the next number is taken THEN it is not KF-2026-00008 again (the scan of old gave it twice)
    assert _register(ledger, numbering, 1) == ["KF-2026-00009"]


def test_a_number_costs_one_counter_row_not_a_scan_of_every_case(ledger):
    numbering = NumberFormat("KF-{year}-{seq:05d}")
    _register(ledger, numbering, 50)
    statements: list[str] = []
    ledger.connection.set_trace_callback(statements.append)
    try:
        _register(ledger, numbering, 1)
    finally:
        ledger.connection.set_trace_callback(None)
    keyed = ("case_id = ", "seq = ", "LIMIT 1")
    reads = [s for s in statements if "FROM events" in s and not any(key in s for key in keyed)]
    assert reads == [], reads  # only indexed look-ups of one row; no statement reads all registrations
    assert any("counters" in s for s in statements)


def test_an_older_ledger_gets_its_counters_from_its_events_once(ws):
    # GIVEN a ledger written before the counter and fingerprint tables existed
    ledger = ws.open_ledger()
    with ledger.transaction() as tx:
        for n in (3, 41):
            tx.append(
                "case.registered",
                {
                    "number": f"KF-2026-{n:05d}",
                    "received_date": "2026-11-23",
                    "customer": "王建国",
                    "phone": "13800138000",
                    "content": f"第{n}件",
                },
                case_id=f"KF-2026-{n:05d}",
            )
        tx.append("case.work_ordered", {"order_number": "PG-A-2026-00007"}, case_id="KF-2026-00003")
    ledger.connection.execute("DROP TABLE counters")
    ledger.connection.execute("DROP TABLE line_fingerprints")
    ledger.close()
    for head in ws.head_files:
        head.unlink()
    # WHEN it is opened by this version
    ledger = ws.open_ledger()
    try:
        # THEN its counters start above the numbers it holds, its lines are known, and its head is anchored
        counters = {(r["pattern"], r["year"]): r["last"] for r in ledger.connection.execute("SELECT * FROM counters")}
        assert counters == {("KF-{year}-{seq}", 2026): 41, ("PG-A-{year}-{seq}", 2026): 7}  # keyed without width
        with ledger.transaction() as tx:
            assert tx.next_number(NumberFormat("KF-{year}-{seq:05d}"), 2026) == "KF-2026-00042"
            assert tx.next_number(NumberFormat("PG-A-{year}-{seq:05d}"), 2026) == "PG-A-2026-00008"
            assert (
                tx.case_by_fingerprint(line_fingerprint("2026-11-23", "王建国", "13800138000", "第41件"))
                == "KF-2026-00041"
            )
        assert ledger.verify() == []
    finally:
        ledger.close()


def test_verify_reports_a_counter_below_the_highest_number_issued(ledger):
    numbering = NumberFormat("KF-{year}-{seq:05d}")
    _register(ledger, numbering, 3)
    ledger.connection.execute("UPDATE counters SET last = 1")
    problems = ledger.verify()
    assert len(problems) == 1 and "编号计数器" in problems[0] and "KF-2026-00003" in problems[0]


def test_identical_lines_have_one_fingerprint_whatever_the_spacing_and_width_of_their_characters():
    assert line_fingerprint("2026-11-23", "王 建国", "１３８００１３８０００", "卫生间 地漏返水！") == line_fingerprint(
        "2026-11-23", "王建国", "13800138000", "卫生间地漏返水!"
    )
    assert line_fingerprint("2026-11-23", "王建国", "13800138000", "地漏返水") != line_fingerprint(
        "2026-11-24", "王建国", "13800138000", "地漏返水"
    )


def _rehash_from(ledger, first: int) -> None:
    """What a forger does: rewrite one payload and recompute every hash after it."""
    rows = ledger.connection.execute("SELECT * FROM events WHERE seq >= ? ORDER BY seq", (first,)).fetchall()
    previous = ledger.connection.execute("SELECT prev_hash FROM events WHERE seq = ?", (first,)).fetchone()[0]
    for row in rows:
        digest = row_hash(row, previous)
        ledger.connection.execute(
            "UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?", (previous, digest, row["seq"])
        )
        previous = digest


def test_each_commit_anchors_the_head_in_var_and_in_archive(ws, ledger):
    _register(ledger, NumberFormat("KF-{year}-{seq:05d}"), 2)
    seq, digest, _ = ledger.head()
    for head_file in ws.head_files:
        assert head_file.parent in (ws.var, ws.archive)
        assert read_head_file(head_file) == (seq, digest)
    assert ledger.verify() == []


def test_verify_notices_the_newest_rows_deleted(ledger):
    _register(ledger, NumberFormat("KF-{year}-{seq:05d}"), 5)
    _drop_guards(ledger)
    ledger.connection.execute("DELETE FROM events WHERE seq >= 4")
    # The chain that is left is intact in itself: only the head files know it was longer.
    problems = ledger.verify()
    assert len(problems) == 2 and all("最新的记录被删除" in p and "第 5 条" in p for p in problems)


def test_verify_notices_a_payload_rewritten_and_every_later_hash_recomputed(ledger):
    _register(ledger, NumberFormat("KF-{year}-{seq:05d}"), 5)
    _drop_guards(ledger)
    ledger.connection.execute('UPDATE events SET payload = \'{"number":"改过"}\' WHERE seq = 2')
    _rehash_from(ledger, 2)
    problems = ledger.verify()
    assert len(problems) == 2 and all("第 5 条" in p and "重新计算了哈希" in p for p in problems)
    # AND the next commit does not move a head file onto the forged chain
    _register(ledger, NumberFormat("KF-{year}-{seq:05d}"), 1)
    assert len(ledger.verify()) == 2


def test_a_missing_head_file_is_reported(ws, ledger):
    _register(ledger, NumberFormat("KF-{year}-{seq:05d}"), 1)
    ws.head_files[1].unlink()
    [problem] = ledger.verify()
    assert "不存在" in problem and str(ws.head_files[1]) in problem


def test_number_format_parses_both_ways_and_refuses_unknown_fields():
    numbering = NumberFormat("KF-{year}-{seq:05d}")
    assert numbering.parse("KF-2026-00042") == (2026, 42)
    assert numbering.parse("KF-2026-42x") is None
    with pytest.raises(ValueError, match="seq"):
        NumberFormat("KF-{year}")
    with pytest.raises(ValueError, match="只能使用"):
        NumberFormat("KF-{month}-{seq}")


def test_a_padded_number_has_exactly_its_width_and_its_year_four_digits():
    numbering = NumberFormat("KF-{year}-{seq:05d}")
    assert numbering.parse("KF-2026-000001") is None  # typed beside KF-2026-00001: not the same format
    assert numbering.parse("KF-2026-100000") is None
    assert numbering.parse("KF-2026-100000", exact=False) == (2026, 100000)  # how earlier versions wrote it
    assert numbering.format(2026, 99999) == "KF-2026-99999"
    with pytest.raises(NumbersExhausted):
        numbering.format(2026, 100000)
    for year in (1026, 1, 10000):  # "1026-11-03" became KF-1026-00001, 0001-01-01 KF-1-00001
        with pytest.raises(ValueError, match="编号年份"):
            numbering.format(year, 1)


@pytest.mark.parametrize(
    "pattern, expected",
    [
        ("KF-{year}", "必须包含 {seq}"),
        ("../../{seq}", "不能用于文件名"),
        ("KF/{year}-{seq}", "不能用于文件名"),
        ("KF {seq}", "不能用于文件名"),
        ("KF-{seq}-{seq}", "出现了两次"),
        ("KF-{year:02d}-{seq}", "四位数字"),
        ("KF-{seq:5d}", "无效"),
        ("KF-{seq", "花括号"),
        ("KF-{}", "只能使用"),
    ],
)
def test_a_numbering_pattern_that_would_break_later_is_refused(pattern, expected):
    with pytest.raises(ValueError, match=re.escape(expected)):
        NumberFormat(pattern)


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
            tx.append(
                "case.registered",
                {"number": "KF-2026-00001", "received_at": "2026-11-27T06:20:00", "deadlines": []},
                case_id="KF-2026-00001",
            )
            closed = tx.append("case.closed", {}, case_id="KF-2026-00001")
        # THEN both are stamped 06:30 on 27 November, +08:00, and the case closed on 27 November
        assert closed.recorded_at.startswith("2026-11-27T06:30:00") and closed.recorded_at.endswith("+08:00")
        [case] = all_cases(ledger)
        assert _closed_on(case) == date(2026, 11, 27)
    finally:
        ledger.close()


def _migrated_with(ws, numbers: list[str]):
    """An older ledger (no counter table) holding ``numbers``, opened by this version."""
    ledger = ws.open_ledger()
    with ledger.transaction() as tx:
        for number in numbers:
            tx.append("case.registered", {"number": number}, case_id=number)
    ledger.connection.execute("DROP TABLE counters")
    ledger.close()
    return ws.open_ledger()


def test_numbers_run_out_clearly_and_widening_the_seq_continues_the_same_count(ws):
    # GIVEN an older ledger holding KF-2026-99999 (typed by a clerk, accepted by earlier versions)
    ledger = _migrated_with(ws, ["KF-2026-00001", "KF-2026-99999"])
    try:
        # WHEN a 2026 number is asked for under {seq:05d} THEN it says which setting to widen, and to what
        with pytest.raises(NumbersExhausted) as exhausted, ledger.transaction() as tx:
            tx.next_number(NumberFormat("KF-{year}-{seq:05d}"), 2026)
        assert "KF-{year}-{seq:06d}" in str(exhausted.value) and "KF-2026-100000" in str(exhausted.value)
        assert "docgen.toml" in str(exhausted.value) and exhausted.value.widened == "KF-{year}-{seq:06d}"
        # WHEN the administrator widens it THEN numbering continues (it restarted at KF-2026-000001)
        widened = NumberFormat("KF-{year}-{seq:06d}")
        with ledger.transaction() as tx:
            assert tx.next_number(widened, 2026) == "KF-2026-100000"
            tx.append("case.registered", {}, case_id="KF-2026-100000")
        assert widened.parse("KF-2026-99999") is None  # a new number has the new width
        assert widened.parse("KF-2026-99999", exact=False) == (2026, 99999)  # an issued one still counts
        assert ledger.verify() == []
    finally:
        ledger.close()


def test_counters_keyed_by_the_full_pattern_are_moved_to_the_pattern_without_its_width(ws):
    # GIVEN a counter written by the previous version, keyed "KF-{year}-{seq:05d}"
    ledger = ws.open_ledger()
    ledger.connection.execute("INSERT INTO counters (pattern, year, last) VALUES ('KF-{year}-{seq:05d}', 2026, 120)")
    ledger.close()
    # WHEN the ledger is opened again THEN the counter is the widthless key's, and a wider pattern continues it
    ledger = ws.open_ledger()
    try:
        rows = [tuple(r) for r in ledger.connection.execute("SELECT pattern, year, last FROM counters")]
        assert rows == [("KF-{year}-{seq}", 2026, 120)]
        with ledger.transaction() as tx:
            assert tx.next_number(NumberFormat("KF-{year}-{seq:06d}"), 2026) == "KF-2026-000121"
    finally:
        ledger.close()


def test_a_savepoint_undoes_its_events_and_counters_and_leaves_the_transaction_going(ledger):
    numbering = NumberFormat("KF-{year}-{seq:05d}")
    with ledger.transaction() as tx:
        tx.append("case.registered", {}, case_id=tx.next_number(numbering, 2026))
        with pytest.raises(RuntimeError), tx.savepoint():
            tx.append("case.registered", {}, case_id=tx.next_number(numbering, 2026))
            raise RuntimeError("refused halfway")
        assert [e.case_id for e in tx.appended] == ["KF-2026-00001"]
        tx.append("case.registered", {}, case_id=tx.next_number(numbering, 2026))
    assert [e.case_id for e in ledger.events()] == ["KF-2026-00001", "KF-2026-00002"]
    assert ledger.verify() == []


def test_every_verify_problem_says_what_to_do_next(ws, ledger):
    _register(ledger, NumberFormat("KF-{year}-{seq:05d}"), 5)
    _drop_guards(ledger)
    ledger.connection.execute("DELETE FROM events WHERE seq >= 4")  # behind: deleted, or restored from backup
    ledger.connection.execute("UPDATE events SET payload = '{}' WHERE seq = 2")  # a rewritten event
    ledger.connection.execute("UPDATE counters SET last = 1")
    problems = ledger.verify()
    assert len(problems) == 4
    assert all(f"从备份恢复 {ws.ledger_path}" in p and "不要继续受理" in p for p in problems)
    behind = [p for p in problems if "最新的记录被删除" in p]
    assert len(behind) == 2 and all('docgen verify --reanchor --why "' in p for p in behind)


def _backup(ledger, to) -> None:
    import sqlite3 as sqlite

    with sqlite.connect(to) as copy:
        ledger.connection.backup(copy)


def test_reanchor_after_a_restore_from_backup_records_why_and_moves_the_head_files_back(ws, tmp_path, caplog):
    from docgen.ledger import ReanchorRefused

    numbering = NumberFormat("KF-{year}-{seq:05d}")
    ledger = ws.open_ledger()
    _register(ledger, numbering, 3)
    _backup(ledger, tmp_path / "backup.sqlite3")
    _register(ledger, numbering, 2)
    ahead = read_head_file(ws.head_files[0])
    ledger.close()
    # GIVEN the ledger restored from the backup taken at event 3: the head files say 5, for good
    for path in ws.var.glob("ledger.sqlite3*"):
        path.unlink()
    (tmp_path / "backup.sqlite3").rename(ws.ledger_path)
    ledger = ws.open_ledger()
    try:
        _register(ledger, numbering, 1)
        assert read_head_file(ws.head_files[0]) == ahead and len(ledger.verify()) == 2  # anchor() never moves back
        # WHEN it is re-anchored without a reason THEN it is refused
        with pytest.raises(ReanchorRefused, match="--why"):
            ledger.reanchor("  ")
        # WHEN re-anchored with one THEN the old heads, the database head and the reason are recorded
        event = ledger.reanchor("从 2026-11-20 备份恢复")
        assert event.kind == "ledger.reanchored" and event.payload["reason"] == "从 2026-11-20 备份恢复"
        assert [(f["file"], f["seq"], f["hash"]) for f in event.payload["head_files"]] == [
            (str(head), *ahead) for head in ws.head_files
        ]
        assert event.payload["database_head"]["seq"] == 4 and event.seq == 5
        # AND both head files follow the database again, and the next commit moves them without an error
        assert ledger.verify() == [] and all(read_head_file(h) == ledger.head()[:2] for h in ws.head_files)
        caplog.clear()
        _register(ledger, numbering, 1)
        assert ledger.verify() == [] and not [r for r in caplog.records if r.levelname == "ERROR"]
        assert ledger.reanchor("again") is None  # nothing to re-anchor: nothing recorded
    finally:
        ledger.close()


def test_reanchor_will_not_bless_a_chain_that_was_tampered_with(ledger):
    from docgen.ledger import ReanchorRefused

    _register(ledger, NumberFormat("KF-{year}-{seq:05d}"), 3)
    _drop_guards(ledger)
    ledger.connection.execute("UPDATE events SET payload = '{}' WHERE seq = 2")
    count = ledger.count()
    with pytest.raises(ReanchorRefused, match="台账本身有问题"):
        ledger.reanchor("从备份恢复")
    assert ledger.count() == count


def test_work_order_numbers_run_out_as_a_rejection_of_the_survey_recording_nothing(ws, ledger):
    from docgen import pipeline
    from tests.conftest import TODAY, register_line, write_register
    from tests.test_repair_chain import SIGNED_SURVEY, emitted, fill, step

    registered = step(ws, ledger, write_register(ws.intake, [register_line()]))
    ledger.connection.execute("INSERT INTO counters (pattern, year, last) VALUES ('PG-A-{year}-{seq}', 2026, 99999)")
    count = ledger.count()
    survey = fill(
        ws,
        emitted(registered, "现场勘察会签表"),
        {
            "survey_date": date(2026, 11, 24),
            "estimate": "800",  # at most 1,000: the work order is issued at once, no approval (CS-3.6.1)
            "responsible_party": "施工单位",
            "contractor": "闽建一公司",
            "work_kind": "单工种",
            "in_warranty": "是",
            "repairer": "客户服务维修队",
            **SIGNED_SURVEY,
        },
    )
    outcome = pipeline.process_file(ws, ledger, survey, TODAY)
    assert outcome.status == "rejected" and not outcome.internal_error
    [finding] = [f for f in outcome.findings if f.severity == "error"]
    assert "派工单无法编号" in finding.message and "work_order_a" in finding.message
    assert '"PG-A-{year}-{seq:06d}"' in finding.message and "PG-A-2026-100000" in finding.message
    # THEN only the rejection is recorded: no case.surveyed, no work order
    assert [e.kind for e in ledger.events()[count:]] == ["submission.rejected"]
