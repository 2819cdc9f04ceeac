"""Shared fixtures: a fresh workspace, and registers written the way a clerk's Excel would hold them."""

from __future__ import annotations

import itertools
from datetime import date, time
from pathlib import Path

import pytest

from docgen.ledger import Ledger
from docgen.office.xlsx import build_workbook, save_atomic
from docgen.steps import FORMS
from docgen.workspace import Workspace, init_workspace
from tests.pg import pg_cluster, pg_url  # noqa: F401  (a throwaway PostgreSQL server, issue 15)

TODAY = date(2026, 11, 26)  # a Thursday


def pytest_report_header(config) -> list[str]:
    """The office suite and font set-up the print tests ran against, at the top of the test log."""
    import shutil
    import subprocess

    soffice = shutil.which("soffice")
    if soffice is None:
        return ["soffice: not installed (LibreOffice print checks are skipped)"]
    try:
        version = subprocess.run([soffice, "--version"], capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError) as problem:
        version = f"soffice --version failed: {problem}"
    return [f"soffice: {version or '(no version printed)'} ({soffice})"]


_names = itertools.count(1)


@pytest.fixture
def ws(tmp_path) -> Workspace:
    return init_workspace(tmp_path / "ws")


@pytest.fixture
def ledger(ws):
    opened = ws.open_ledger()
    yield opened
    opened.close()


def register_line(**overrides) -> dict:
    line = {
        "received_date": date(2026, 11, 23),
        "received_time": time(10, 0),
        "channel": "来电",
        "customer": "王建国",
        "phone": "13800138000",
        "project": "融侨锦江",
        "building": "3",
        "room": "1502",
        "content": "卫生间地漏返水",
        "category": "维修",
        "major": False,
        "receiver": "林晓",
    }
    line.update(overrides)
    return line


def write_register(folder: Path, lines: list[dict], name: str | None = None, header: dict | None = None) -> Path:
    """A filled register as written through the form's defined names and table."""
    path = folder / (name or f"登记表-{next(_names)}.xlsx")
    workbook = build_workbook(FORMS["CS-REG"], header or {"office": "客户服务部", "clerk": "林晓"}, lines)
    return save_atomic(workbook, path)


def find_poi_corpus() -> Path:
    """Apache POI's test files: beside the repository (as CI lays out shared/), or where the session
    keeps shared/ when the checkout sits elsewhere (a fresh clone in /tmp); DOCGEN_POI_CORPUS wins."""
    import os

    candidates = [
        os.environ.get("DOCGEN_POI_CORPUS"),
        Path(__file__).resolve().parents[1].parent / "shared/corpus/poi",
        "/work/shared/corpus/poi",
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return Path(__file__).resolve().parents[1].parent / "shared/corpus/poi"


POI_CORPUS = find_poi_corpus()


def freeze_ledger_clock(monkeypatch, start):
    """Stamp ledger events with a clock the test sets (``clock["at"] = …``): figures read the stamps."""
    from datetime import datetime as real_datetime

    import docgen.ledger as ledger_module

    clock = {"at": start}

    class Frozen(real_datetime):
        @classmethod
        def now(cls, tz=None):
            return clock["at"] if tz is None else clock["at"].astimezone(tz)

    monkeypatch.setattr(ledger_module, "datetime", Frozen)
    return clock


def record_case_with_a_decision(ledger: Ledger, due: str) -> None:
    """KF-2026-00001 (融侨锦江) with nothing due this year but a decision of the 27 November coordination
    minutes (CS-3.10.1): action-2, owner 物业公司, due ``due``; recorded as docgen.minutes records them."""
    with ledger.transaction() as tx:
        tx.append(
            "case.registered",
            {
                "number": "KF-2026-00001",
                "customer": "王建国",
                "department": "客户服务部",
                "office": "融侨锦江客户服务处",
                "category": "销售服务",
                "project": "融侨锦江",
                "received_at": "2026-11-23T10:00:00",
                "deadlines": [
                    {
                        "key": "settle",
                        "label": "处理完毕",
                        "due": "2026-12-31",
                        "clause": "CS-3.4.5",
                        "provisional": False,
                    }
                ],
            },
            case_id="KF-2026-00001",
            claim="register",
        )
        tx.append(
            "minutes.action",
            {
                "meeting_type": "投诉协调例会",
                "meeting_date": "2026-11-27",
                "clause": "CS-3.10.1",
                "owner": "物业公司",
                "text": "物业公司排查同楼栋地漏",
                "due": due,
                "deadlines": [
                    {
                        "key": "action-2",
                        "label": "物业公司排查同楼栋地漏",
                        "due": due,
                        "clause": "CS-3.10.1",
                        "provisional": False,
                        "actor": "物业公司",
                    }
                ],
            },
            case_id="KF-2026-00001",
            claim="minutes",
        )
