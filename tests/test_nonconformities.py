"""docgen.nonconformities: a record built from its own events, and the records of a date window read without
building every record of the ledger (issue 15)."""

from __future__ import annotations

from datetime import date

from docgen.events import NC_ACTION, NC_RECORDED, NC_VERIFIED
from docgen.nonconformities import VALID, load_records, record_of, records_found_between


def _recorded(number: str, found_on: str, **changes) -> dict:
    return {
        "number": number,
        "category": "施工不合格工序、质量缺陷、隐患、事故",
        "source": "施工检查",
        "project": "融侨锦江",
        "defect": "渗漏",
        "severity": "一般",
        "department": "业主代表",
        "found_on": found_on,
        **changes,
    }


def _fill(ledger) -> None:
    with ledger.transaction() as tx:
        tx.append(NC_RECORDED, _recorded("BHG-2026-0001", "2026-01-10"))
        tx.append(NC_RECORDED, _recorded("BHG-2026-0002", "2026-03-02"))
        tx.append(NC_RECORDED, _recorded("BHG-2026-0003", "2026-07-20"))
        tx.append(NC_ACTION, {"number": "BHG-2026-0002", "due": "2026-03-20", "deadlines": []})
        tx.append(NC_VERIFIED, {"number": "BHG-2026-0002", "result": VALID, "verified_on": "2026-03-25"})
        # a corrected copy of record 1 (its found_on kept from the first, its defect from the latest)
        tx.append(NC_RECORDED, _recorded("BHG-2026-0001", "2026-01-12", defect="开裂"))


def test_a_record_is_built_from_its_own_events_as_from_all(ledger):
    _fill(ledger)
    everything = {record.number: record for record in load_records(ledger)}
    for number, record in everything.items():
        assert record_of(ledger, number) == record
    assert record_of(ledger, "BHG-2026-0002").closed_on == date(2026, 3, 25)
    first = record_of(ledger, "BHG-2026-0001")
    assert first.opened_on == date(2026, 1, 10) and first.defect == "开裂"
    assert record_of(ledger, "BHG-2026-0099") is None


def test_the_records_of_a_window_are_those_found_in_it_whole(ledger):
    _fill(ledger)
    window = records_found_between(ledger, date(2026, 1, 11), date(2026, 3, 2))
    # record 1 was corrected with a found_on inside the window: it is read, built from all its events
    assert [r.number for r in window] == ["BHG-2026-0001", "BHG-2026-0002"]
    assert window == [r for r in load_records(ledger) if r.number in ("BHG-2026-0001", "BHG-2026-0002")]
    assert records_found_between(ledger, date(2026, 4, 1), date(2026, 7, 19)) == []
