"""The first year after delivery of a community (CS-3.10.1), counted as the Civil Code counts years."""

from __future__ import annotations

from datetime import date, time

import pytest

from docgen import pipeline
from docgen.projects import delivery, first_year_last_day, ledger_projects, undated_projects
from docgen.workspace import Project, Settings
from tests.conftest import register_line, write_register

SETTINGS = Settings(projects={"翠苑": Project(delivered=date(2026, 3, 1)), "融侨锦江": Project()})


@pytest.mark.parametrize(
    "delivered, last",
    [
        (date(2026, 3, 1), date(2027, 3, 1)),
        (date(2025, 11, 27), date(2026, 11, 27)),
        (date(2024, 2, 29), date(2025, 2, 28)),  # no 29 February in 2025: the month's last day (art. 202)
        (date(2027, 2, 28), date(2028, 2, 28)),
    ],
)
def test_the_first_year_ends_on_the_same_day_a_year_later(delivered, last):
    assert first_year_last_day(delivered) == last


def test_exactly_one_year_after_delivery_is_still_the_first_year():
    # GIVEN 翠苑 delivered on 1 March 2026
    # WHEN a meeting falls exactly one year later, on 1 March 2027
    standing = delivery(SETTINGS, "翠苑", date(2027, 3, 1))
    # THEN it is still in the first year (以内 includes its end), and the explanation names CS-3.10.1
    assert standing.state == "first_year" and standing.last_day == date(2027, 3, 1)
    assert "2027年3月1日" in standing.explain() and "CS-3.10.1" in standing.explain()


def test_the_day_after_one_year_is_past_the_first_year():
    # GIVEN 翠苑 delivered on 1 March 2026 WHEN the meeting is on 2 March 2027
    standing = delivery(SETTINGS, "翠苑", date(2027, 3, 2))
    # THEN the first year is over, said in Chinese with the delivery date and the clause
    assert standing.state == "after"
    assert "2026年3月1日交付" in standing.explain() and "已满一年" in standing.explain()
    assert "CS-3.10.1" in standing.explain()


def test_the_delivery_day_itself_counts_and_the_day_before_is_not_delivered_yet():
    assert delivery(SETTINGS, "翠苑", date(2026, 3, 1)).state == "first_year"
    before = delivery(SETTINGS, "翠苑", date(2026, 2, 28))
    assert before.state == "before" and "尚未交付" in before.explain()


def test_a_community_without_a_delivery_date_is_unknown_and_says_where_to_set_it():
    for name in ("融侨锦江", "融侨观邸"):  # listed without a date, and not listed at all
        standing = delivery(SETTINGS, name, date(2026, 11, 27))
        assert standing.state == "unknown" and standing.last_day is None
        assert f'[projects."{name}"] delivered' in standing.explain()


def test_communities_seen_in_the_ledger_without_a_delivery_date(ws, ledger):
    pipeline.process_file(
        ws,
        ledger,
        write_register(
            ws.intake,
            [
                register_line(project="融侨锦江"),
                register_line(project="翠苑", customer="李四", received_time=time(9, 0)),
                register_line(project="融侨观邸", customer="张三", received_time=time(9, 30)),
            ],
        ),
        date(2026, 11, 26),
    )
    assert ledger_projects(ledger) == ["翠苑", "融侨观邸", "融侨锦江"]
    assert undated_projects(SETTINGS, ledger) == ["融侨观邸", "融侨锦江"]
