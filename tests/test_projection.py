"""The case projection (issue 15): ``case_state`` holds one row per case, written in the transaction of the
case's events, recomputed by ``docgen rebuild`` and compared with the events by ``docgen verify``; status and
the reports find their cases by it and build only those, with the same result as reading every case.

Every scenario drops real registers through the pipeline."""

from __future__ import annotations

import dataclasses
from datetime import date, time, timedelta

import pytest

from docgen import cli, pipeline
from docgen.cases import PROJECTION, all_cases, case_office, case_summaries, open_cases, state_row
from docgen.demo import make_demo
from docgen.ledger import CASE_STATE_COLUMNS, Ledger
from docgen.reports.early_warnings import early_warnings
from docgen.reports.periodic import overdue_warning, weekly
from docgen.reports.statements import statement_figures, write_statements
from docgen.workspace import Workspace, init_workspace
from tests.conftest import register_line, write_register

MONDAY = date(2026, 11, 2)


@pytest.fixture(params=["sqlite", "postgresql"])
def ws(request, tmp_path) -> Workspace:
    """A workspace on the SQLite file, or on a fresh PostgreSQL database (the same projection on both)."""
    root = tmp_path / "ws"
    root.mkdir()
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
        (root / "docgen.toml").write_text(f'[ledger]\nurl = "{url}"\n', encoding="utf-8")
    return init_workspace(root)


def _drop(ws, ledger, lines, today, header=None):
    path = write_register(ws.intake, lines, header=header)
    outcome = pipeline.process_file(ws, ledger, path, today)
    assert outcome.status.startswith("accepted"), outcome.findings
    return outcome


def _stored(ledger) -> dict[str, tuple]:
    return {row["case_id"]: tuple(row.values()) for row in ledger.case_state_rows()}


def _expected(ledger) -> dict[str, tuple]:
    return {case.number: state_row(case) for case in all_cases(ledger)}


@pytest.fixture
def busy(ws, ledger):
    """Three weeks of registers from three communities (so three service offices), the first week's other
    complaints closed on the returned register the week after, one closed 不满意, one left open, plus the
    demo's registers of the day before the last day."""
    projects = ("融侨锦江", "融侨观邸", "融侨外滩")
    numbers: list[tuple[str, dict]] = []
    for week in range(3):
        for day in range(5):
            received = MONDAY + timedelta(days=7 * week + day)
            lines = [
                register_line(
                    received_date=received,
                    received_time=time(9 + i, 0),
                    project=projects[(day + i) % 3],
                    building=str(1 + (day + i) % 2),
                    customer=f"客户{week}{day}{i}",
                    phone=f"1390013{week}{day}{i}0",
                    category=("物业服务", "维修", "其他")[i],
                    content=("小区路灯不亮", "卫生间地漏返水", "咨询房产证办理进度")[i],
                )
                for i in range(3)
            ]
            outcome = _drop(ws, ledger, lines, received)
            numbers += [(n, line) for n, line in zip(outcome.case_ids, lines) if line["category"] != "维修"]
    closing_day = MONDAY + timedelta(days=8)
    returned = [
        {
            **line,
            "number": number,
            "result": "已处理",
            "closed_date": closing_day,
            "opinion": "不满意" if index == 1 else "满意",
        }
        for index, (number, line) in enumerate(numbers[:9])
        if index != 4  # left open
    ]
    _drop(ws, ledger, returned, closing_day)
    last = MONDAY + timedelta(days=18)
    for path in make_demo(ws, today=last, seed=15)[:2]:  # the demo's two correct registers
        pipeline.process_file(ws, ledger, path, last)
    return ledger


def test_the_rows_are_the_events_state_after_a_real_pipeline_run(ws, busy):
    # GIVEN registrations, progress, closings and dispatches recorded by the pipeline
    # THEN every case has its row, equal to the state its events give, and verify agrees
    stored, expected = _stored(busy), _expected(busy)
    assert stored == expected and len(stored) >= 45
    assert len({row[CASE_STATE_COLUMNS.index("office")] for row in stored.values()}) >= 3
    assert busy.verify() == []
    # AND the rows follow the events: an open case is open, a closed one carries its 办结日期
    closed = [case for case in all_cases(busy) if not case.open]
    assert closed and all(stored[c.number][CASE_STATE_COLUMNS.index("closed_on")] for c in closed)
    assert busy.open_case_numbers() == [c.number for c in all_cases(busy) if c.open]


def test_verify_names_a_row_that_differs_and_rebuild_mends_it(ws, busy, capsys):
    # GIVEN the derived rows changed behind docgen's back: one stage rewritten, one row removed
    [first, second] = sorted(_stored(busy))[:2]
    busy.connection.execute("UPDATE case_state SET stage = '被改动' WHERE case_id = ?", (first,))
    busy.connection.execute("DELETE FROM case_state WHERE case_id = ?", (second,))
    # WHEN the ledger is verified
    problems = busy.verify()
    # THEN the difference is named, with what to do; the events themselves are intact
    [problem] = problems
    assert first in problem and f"{second}（缺少）" in problem and "docgen rebuild" in problem
    assert cli.main(["--workspace", str(ws.root), "verify"]) == 1
    # WHEN docgen rebuild runs
    assert cli.main(["--workspace", str(ws.root), "rebuild"]) == 0
    assert "已按台账事件重新计算案件状态表" in capsys.readouterr().out
    # THEN the rows are the events' again and verify passes
    assert _stored(busy) == _expected(busy)
    assert cli.main(["--workspace", str(ws.root), "verify"]) == 0


def test_a_case_another_watcher_records_while_verify_reads_is_no_difference(ws, busy, monkeypatch):
    # GIVEN verify reading the events while another office's watcher records a case, whose row it then reads
    head = busy.head()
    _drop(ws, busy, [register_line(customer="新登记", project="融侨外滩")], date(2026, 11, 27))
    newest = busy.head()[0]
    read_events = busy.case_event_groups

    def before_the_new_case(numbers=None):
        for number, events in read_events(numbers):
            if all(event.seq <= head[0] for event in events):
                yield number, events

    monkeypatch.setattr(busy, "head", lambda: head)  # the newest event when the check began
    monkeypatch.setattr(busy, "case_event_groups", before_the_new_case)
    # WHEN the projection is checked
    # THEN the new case's row, written after the check began, is not named 多余
    assert newest > head[0]
    assert PROJECTION.problems(busy) == []
    # AND a row that really differs is still named
    [first] = sorted(_stored(busy))[:1]
    busy.connection.execute("UPDATE case_state SET stage = '被改动' WHERE case_id = ?", (first,))
    [problem] = PROJECTION.problems(busy)
    assert first in problem


def test_events_recorded_without_the_projection_are_caught_up_when_the_workspace_opens_the_ledger(ws, busy):
    # GIVEN a ledger of an older docgen: no case_state at all, and a register recorded by a bare Ledger
    expected = _expected(busy)
    busy.connection.execute("DROP TABLE case_state")
    busy.connection.execute("DROP TABLE case_state_mark")
    busy.close()
    bare = Ledger(ws.ledger_path, anchors=ws.head_files, url=ws.settings.ledger.url)
    assert bare.projector is None
    bare.close()
    # WHEN the workspace opens it
    ledger = ws.open_ledger()
    try:
        # THEN every case has its row again, as the events give it
        assert _stored(ledger) == expected and ledger.verify() == []
    finally:
        ledger.close()


def test_a_transaction_writes_the_rows_of_the_cases_it_touched_and_a_rollback_none(ws, busy):
    before = _stored(busy)
    number = busy.open_case_numbers()[0]
    with pytest.raises(RuntimeError):
        with busy.transaction() as tx:
            tx.append("case.closed", {"closed_date": "2026-11-20", "agreed": True}, case_id=number)
            raise RuntimeError("the submission failed")
    assert _stored(busy) == before  # nothing of the failed attempt
    with busy.transaction() as tx:
        tx.append("case.closed", {"closed_date": "2026-11-20", "agreed": True}, case_id=number)
    row = dict(zip(CASE_STATE_COLUMNS, _stored(busy)[number]))
    assert row["closed_on"] == "2026-11-20" and row["open_until"] == "2026-11-20"
    assert number not in busy.open_case_numbers() and PROJECTION.problems(busy) == []


def test_a_case_as_its_row_gives_it_is_the_case_its_events_give(ws, busy):
    # status, the overdue warning, the early warnings' building count and the statements read the rows
    built = all_cases(busy)
    summaries = case_summaries(busy, [case.number for case in built])
    assert [s.number for s in summaries] == [c.number for c in built]
    for summary, case in zip(summaries, built):
        assert (summary.stage, summary.open, summary.closed_on) == (case.stage, case.open, case.closed_on)
        assert summary.deadlines == case.deadlines and summary.major == case.major
        assert summary.registered.received.date() == case.registered.received.date()
        for key in ("project", "building", "customer", "category", "department"):
            assert summary.registered.get(key) == case.registered.get(key), key
        assert summary.next_deadline() == case.next_deadline()
        assert summary.overdue(MONDAY + timedelta(days=20)) == case.overdue(MONDAY + timedelta(days=20))
    assert any(not c.open for c in built) and any(c.overdue(MONDAY + timedelta(days=20)) for c in built)


def _old_weekly_numbers(ledger, first: date, last: date) -> set[str]:
    """The cases the weekly report of every office read when it built every case (new, closed or open)."""
    found = set()
    for case in all_cases(ledger):
        received, closed = case.registered.received.date(), case.closed_on
        if received <= last and (first <= received or closed is None or closed >= first):
            found.add(case.number)
    return found


def test_reads_by_period_find_exactly_the_cases_the_whole_ledger_path_found(ws, busy):
    calendar = ws.calendar
    for week in range(4):
        first = MONDAY + timedelta(days=7 * week - 7)
        last = first + timedelta(days=6)
        assert set(busy.case_numbers_in_period(first, last)) == _old_weekly_numbers(busy, first, last)
        reports = weekly(busy, calendar, first.isoformat())
        for report in reports:  # one office alone: the same report as in the report of every office
            [alone] = weekly(busy, calendar, first.isoformat(), office=report.office)
            assert dataclasses.asdict(alone) == dataclasses.asdict(report)
    offices = {case_office(case) for case in all_cases(busy)}
    assert set(busy.case_offices()) == offices and len(offices) >= 3
    for office in offices:
        assert [c.number for c in open_cases(busy, office)] == [
            c.number for c in all_cases(busy) if c.open and case_office(c) == office
        ]
    today = MONDAY + timedelta(days=20)
    for period in ("2026Q4", "2026", "2027Q1"):
        for office in (None, *sorted(offices)):
            every = statement_figures(busy, calendar, period, today=today, office=office, cases=all_cases(busy))
            found = statement_figures(busy, calendar, period, today=today, office=office)
            assert found == every
    settings = ws.settings.warnings.model_copy(update={"building_complaints": 2, "callback_unsatisfied": 1})
    for day in (MONDAY + timedelta(days=d) for d in (0, 5, 12, 19)):
        assert early_warnings(busy, settings, day) == early_warnings(busy, settings, day, cases=all_cases(busy))
    assert early_warnings(busy, settings, MONDAY + timedelta(days=12))  # the comparison compared something
    assert overdue_warning(busy, calendar, today)


def test_the_company_figures_summed_from_the_offices_are_those_counted_from_every_case(ws, busy):
    from docgen.reports.statements import _merged, _tallies, figures_from_cases, office_of

    cases, today = all_cases(busy), MONDAY + timedelta(days=20)
    for period in ("2026Q4", "2026", "2027Q1"):
        parts = [
            _tallies([c for c in cases if office_of(c) == name], period, today) for name in set(map(office_of, cases))
        ]
        summed = (_merged([p[0] for p in parts]), _merged([p[1] for p in parts]))
        assert figures_from_cases(cases, period, today, summed) == figures_from_cases(cases, period, today)


def test_the_statements_of_every_office_are_those_of_each_office_alone(ws, busy):
    paths = write_statements(ws, busy, "2026Q4")
    offices = sorted({case_office(c) for c in all_cases(busy)})
    assert len(paths) == 1 + len(offices)
    for office in offices:
        [alone] = write_statements(ws, busy, "2026Q4", office)
        assert alone in paths
