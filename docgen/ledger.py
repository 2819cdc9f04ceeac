"""The ledger: one SQLite file of append-only, hash-chained events. Everything else is derived.

Why these settings (DESIGN §6): WAL with ``synchronous=FULL`` so a committed submission survives a
power cut; triggers refuse UPDATE and DELETE so history cannot be rewritten by accident; each event's
hash covers the previous hash, so ``docgen verify`` notices an edit made behind the tool's back.
Numbers are allocated inside the same ``BEGIN IMMEDIATE`` transaction that records the case, so two
workers can never hand out one number twice, and a rolled-back transaction hands out nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import string
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator
from zoneinfo import ZoneInfo

GENESIS = "0" * 64
# Events are stamped in the offices' time zone, not the server's: every date derived from a stamp (the
# day a case closed, the day a file arrived) is then the office's day, as ``Workspace.today`` is.
OFFICE_TIMEZONE = "Asia/Shanghai"

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq         INTEGER PRIMARY KEY,
    recorded_at TEXT NOT NULL,
    kind        TEXT NOT NULL,
    case_id     TEXT,
    claim       TEXT,
    sha256      TEXT,
    payload     TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL UNIQUE
);
CREATE INDEX IF NOT EXISTS events_case ON events(case_id, seq);
CREATE INDEX IF NOT EXISTS events_sha ON events(sha256, kind);
CREATE INDEX IF NOT EXISTS events_claim ON events(claim);
CREATE INDEX IF NOT EXISTS events_kind ON events(kind, case_id);
CREATE TRIGGER IF NOT EXISTS events_are_append_only_u BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_are_append_only_d BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
"""

SUBMISSION_KINDS = ("submission.accepted", "submission.rejected", "submission.duplicate")


def _default(value: Any) -> Any:
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, tuple)):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__} in an event")


def canonical(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_default)


def event_hash(prev_hash: str, seq: int, recorded_at: str, kind: str, case_id: str | None,
               claim: str | None, sha256: str | None, payload: str) -> str:
    body = canonical([seq, recorded_at, kind, case_id, claim, sha256, payload])
    return hashlib.sha256((prev_hash + "\n" + body).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Event:
    seq: int
    recorded_at: str
    kind: str
    case_id: str | None
    claim: str | None
    sha256: str | None
    payload: dict

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "Event":
        return cls(row["seq"], row["recorded_at"], row["kind"], row["case_id"], row["claim"], row["sha256"],
                   json.loads(row["payload"]))


class NumberFormat:
    """A numbering pattern such as ``KF-{year}-{seq:05d}``, usable both ways."""

    def __init__(self, pattern: str):
        self.pattern = pattern
        regex, like = "", ""
        for literal, name, spec, _ in string.Formatter().parse(pattern):
            regex += re.escape(literal)
            like += literal.replace("%", r"\%").replace("_", r"\_")
            if name == "year":
                regex += r"(?P<year>\d{4})"
                like += "{year}"
            elif name == "seq":
                # A zero-padded width is part of the format: "KF-2026-1" is not "KF-2026-00001".
                width = re.fullmatch(r"0?(\d+)d", spec or "")
                regex += rf"(?P<seq>\d{{{width[1] if width else 1},}})"
                like += "%"
            elif name is not None:
                raise ValueError(f"编号格式 {pattern!r} 中只能使用 {{year}} 和 {{seq}}")
        if "(?P<seq>" not in regex:
            raise ValueError(f"编号格式 {pattern!r} 必须包含 {{seq}}")
        self.regex = re.compile(regex + r"\Z")
        self.like = like

    def format(self, year: int, seq: int) -> str:
        return self.pattern.format(year=year, seq=seq)

    def parse(self, number: str) -> tuple[int | None, int] | None:
        match = self.regex.match(number)
        if not match:
            return None
        year = match.groupdict().get("year")
        return (int(year) if year else None), int(match["seq"])


class Transaction:
    def __init__(self, connection: sqlite3.Connection, zone: ZoneInfo = ZoneInfo(OFFICE_TIMEZONE)):
        self.connection = connection
        self.zone = zone
        row = connection.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        self.last_seq, self.last_hash = (row["seq"], row["hash"]) if row else (0, GENESIS)
        self.appended: list[Event] = []

    def append(self, kind: str, payload: dict, *, case_id: str | None = None, claim: str | None = None,
               sha256: str | None = None) -> Event:
        seq = self.last_seq + 1
        recorded_at = datetime.now(self.zone).isoformat(timespec="milliseconds")
        body = canonical(payload)
        digest = event_hash(self.last_hash, seq, recorded_at, kind, case_id, claim, sha256, body)
        self.connection.execute(
            "INSERT INTO events (seq, recorded_at, kind, case_id, claim, sha256, payload, prev_hash, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (seq, recorded_at, kind, case_id, claim, sha256, body, self.last_hash, digest))
        self.last_seq, self.last_hash = seq, digest
        event = Event(seq, recorded_at, kind, case_id, claim, sha256, json.loads(body))
        self.appended.append(event)
        return event

    def case_exists(self, case_id: str) -> bool:
        return self.connection.execute(
            "SELECT 1 FROM events WHERE kind = 'case.registered' AND case_id = ? LIMIT 1", (case_id,)
        ).fetchone() is not None

    def registration(self, case_id: str) -> Event | None:
        row = self.connection.execute(
            "SELECT * FROM events WHERE kind = 'case.registered' AND case_id = ? ORDER BY seq LIMIT 1", (case_id,)
        ).fetchone()
        return Event.from_row(row) if row else None

    def next_number(self, numbering: NumberFormat, year: int, taken: set[str] = frozenset()) -> str:
        """The next unused number for the year: one above the highest ever recorded, never reused."""
        like = numbering.like.format(year=year)
        highest = 0
        for row in self.connection.execute(
            "SELECT DISTINCT case_id FROM events WHERE kind = 'case.registered' AND case_id LIKE ? ESCAPE '\\'",
            (like,),
        ):
            parsed = numbering.parse(row["case_id"])
            if parsed and parsed[0] in (None, year):
                highest = max(highest, parsed[1])
        for number in taken:
            parsed = numbering.parse(number)
            if parsed and parsed[0] in (None, year):
                highest = max(highest, parsed[1])
        return numbering.format(year, highest + 1)


class Ledger:
    def __init__(self, path: Path, timezone: str = OFFICE_TIMEZONE):
        self.path = path
        self.zone = ZoneInfo(timezone)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.connection = sqlite3.connect(path, timeout=60, isolation_level=None)
        self.connection.row_factory = sqlite3.Row
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=FULL")
        self.connection.execute("PRAGMA busy_timeout=60000")
        self.connection.executescript(SCHEMA)

    def close(self) -> None:
        self.connection.close()

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield Transaction(self.connection, self.zone)
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        else:
            self.connection.execute("COMMIT")

    # ------------------------------------------------------------ reading

    def events(self, *, case_id: str | None = None, kind: str | None = None) -> list[Event]:
        query, args = "SELECT * FROM events WHERE 1=1", []
        if case_id is not None:
            query += " AND case_id = ?"
            args.append(case_id)
        if kind is not None:
            query += " AND kind = ?"
            args.append(kind)
        return [Event.from_row(row) for row in self.connection.execute(query + " ORDER BY seq", args)]

    def submission_by_sha(self, sha256: str) -> Event | None:
        row = self.connection.execute(
            "SELECT * FROM events WHERE sha256 = ? AND kind IN ('submission.accepted', 'submission.rejected')"
            " ORDER BY seq LIMIT 1", (sha256,)).fetchone()
        return Event.from_row(row) if row else None

    def submission_by_claim(self, claim: str) -> Event | None:
        row = self.connection.execute(
            "SELECT * FROM events WHERE claim = ? AND kind IN (?, ?, ?) ORDER BY seq LIMIT 1",
            (claim, *SUBMISSION_KINDS)).fetchone()
        return Event.from_row(row) if row else None

    def submissions(self) -> list[Event]:
        return [Event.from_row(row) for row in self.connection.execute(
            "SELECT * FROM events WHERE kind IN (?, ?, ?) ORDER BY seq", SUBMISSION_KINDS)]

    def verify(self) -> list[str]:
        """Walk the hash chain; every problem as a sentence (empty list: the chain is intact)."""
        problems: list[str] = []
        previous, expected_seq = GENESIS, None
        for row in self.connection.execute("SELECT * FROM events ORDER BY seq"):
            if expected_seq is not None and row["seq"] != expected_seq:
                problems.append(f"事件 {expected_seq} 至 {row['seq'] - 1} 缺失")
            if row["prev_hash"] != previous:
                problems.append(f"事件 {row['seq']} 的前序哈希与上一事件不符（链条被改动）")
            digest = event_hash(row["prev_hash"], row["seq"], row["recorded_at"], row["kind"], row["case_id"],
                                row["claim"], row["sha256"], row["payload"])
            if digest != row["hash"]:
                problems.append(f"事件 {row['seq']}（{row['kind']}）的内容与其哈希不符（记录被改动）")
            previous, expected_seq = row["hash"], row["seq"] + 1
        integrity = self.connection.execute("PRAGMA integrity_check").fetchone()[0]
        if integrity != "ok":
            problems.append(f"数据库完整性检查失败：{integrity}")
        return problems

    def count(self) -> int:
        return self.connection.execute("SELECT count(*) FROM events").fetchone()[0]
