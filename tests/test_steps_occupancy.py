"""The property company's 《入住情况表》 (CS-3.7, CS-3.7.5): each community's households, delivered and occupied, dropped
into intake/; the latest per community is what the satisfaction surveys count on (``projects.community``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from docgen import pipeline
from docgen.events import COMMUNITY_OCCUPANCY
from docgen.office.xlsx import build_workbook, save_atomic
from docgen.projects import community, household_key
from docgen.steps import FORMS
from docgen.workspace import Settings
from tests.conftest import TODAY

PROJECT = "融侨锦江"


def households(count: int, occupied: int, delivered: int | None = None) -> list[dict]:
    """``count`` households in buildings of 100, the first ``occupied`` occupied, the first ``delivered`` delivered."""
    delivered = count if delivered is None else delivered
    return [
        {
            "building": str(1 + i // 100),
            "room": f"{1 + (i % 100) // 4:02d}0{1 + i % 4}",
            "delivered": "是" if i < delivered else "否",
            "occupied": "是" if i < occupied else "否",
            "customer": f"业主{i}",
            "phone": f"138{i:08d}",
        }
        for i in range(count)
    ]


def write_occupancy(folder: Path, lines: list[dict], project: str = PROJECT, name: str = "入住情况表.xlsx", **header):
    values = {"project": project, "as_of": date(2026, 11, 20), "company": "融侨物业", "filled_by": "张三", **header}
    return save_atomic(build_workbook(FORMS["CS-OCCUPANCY"], values, lines), folder / name)


def test_household_key_reads_one_household_however_typed():
    assert household_key("3栋", "1502室") == household_key("３", "1502") == household_key("3号楼", " 1502 ") == "3-1502"
    assert household_key(None, "1502") == "1502"


def test_the_latest_occupancy_list_gives_the_community_its_households(ws, ledger):
    # GIVEN a list of 200 households, 120 occupied, 150 delivered
    outcome = pipeline.process_file(ws, ledger, write_occupancy(ws.intake, households(200, 120, 150)), TODAY)
    # THEN it is recorded on no case, with the counts and the room list
    assert outcome.status == "accepted_with_findings", [f.message for f in outcome.findings]
    [event] = ledger.events(kind=COMMUNITY_OCCUPANCY)
    assert event.case_id is None
    assert (event.payload["households"], event.payload["delivered"], event.payload["occupied"]) == (200, 150, 120)
    known = community(ws.settings, ledger, PROJECT)
    assert known is not None and (known.households, known.occupied) == (200, 120) and len(known.rooms) == 200
    # AND past half occupied without a first survey, the first survey is prompted (CS-3.7.5)
    assert any(f.clause == "CS-3.7.5" and "docgen survey draft" in f.message for f in outcome.findings)
    # WHEN the company updates the list, the latest holds
    pipeline.process_file(ws, ledger, write_occupancy(ws.intake, households(200, 180), name="更新.xlsx"), TODAY)
    assert community(ws.settings, ledger, PROJECT).occupied == 180


def test_below_half_occupied_no_survey_is_prompted(ws, ledger):
    outcome = pipeline.process_file(ws, ledger, write_occupancy(ws.intake, households(100, 49)), TODAY)
    assert outcome.status == "accepted_with_findings"
    assert not any(f.clause == "CS-3.7.5" for f in outcome.findings)


def test_a_room_twice_and_occupied_without_delivery_are_errors_on_their_cells(ws, ledger):
    lines = households(10, 5)
    lines.append(dict(lines[2]))  # the same household again
    lines[7] = {**lines[7], "delivered": "否", "occupied": "是"}
    outcome = pipeline.process_file(ws, ledger, write_occupancy(ws.intake, lines), TODAY)
    assert outcome.status == "rejected"
    problems = {(f.field, f.location) for f in outcome.findings if f.severity == "error"}
    assert any(field == "lines.room" for field, _ in problems)
    assert any(field == "lines.occupied" for field, _ in problems)
    assert all(f.cell for f in outcome.findings if f.severity == "error")
    assert not ledger.events(kind=COMMUNITY_OCCUPANCY)


def test_configured_counts_serve_until_a_list_is_sent(ws, ledger):
    settings = Settings.model_validate(
        {
            "projects": {
                PROJECT: {"delivered": "2026-03-01", "households": 800, "delivered_households": 780, "occupied": 600}
            }
        }
    )
    known = community(settings, ledger, PROJECT)
    assert known is not None
    assert (known.households, known.delivered, known.occupied, known.rooms) == (800, 780, 600, ())
    assert known.delivered_on == date(2026, 3, 1)
    assert community(Settings(), ledger, PROJECT) is None
