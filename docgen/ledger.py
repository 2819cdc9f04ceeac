"""The ledger: one SQLite file of append-only, hash-chained events. Everything else is derived.

Why these settings (docs/design.md §7): WAL with ``synchronous=FULL`` so a committed submission survives a
power cut; triggers refuse UPDATE and DELETE so history cannot be rewritten by accident; each event's
hash covers the previous hash, so ``docgen verify`` notices an edit made behind the tool's back.
Numbers are allocated inside the same ``BEGIN IMMEDIATE`` transaction that records the case, so two
workers can never hand out one number twice, and a rolled-back transaction hands out nothing.

Numbers come from a counter row per pattern and year (``counters``), raised in that transaction: one
indexed read per number, whatever the size of the ledger, and a number once given is never given again,
even if events were removed behind the tool's back. A counter is keyed by the pattern without the width
of its ``{seq}`` (``KF-{year}-{seq}``), so widening ``{seq:05d}`` to ``{seq:06d}`` when a year's
numbers run out continues the same count (KF-2026-99999 → KF-2026-100000) instead of starting again.
Counter rows are not events (they are not in the chain); ``verify`` checks that each is at least the
highest number issued under it.

A chain can be cut short or rewritten and re-hashed consistently from inside the database, so its head
is anchored outside it: after each commit the position and hash of the newest event are written to
head files (``var/`` and ``archive/`` of the workspace), and every receipt prints them. ``verify``
checks the database against the head files.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sqlite3
import string
import unicodedata
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence
from zoneinfo import ZoneInfo

from docgen.errors import DocgenError
from docgen.events import CASE_REGISTERED, LEDGER_REANCHORED, SUBMISSION_KINDS, SUBMISSION_REJECTED

try:
    import fcntl
except ImportError:  # pragma: no cover - not on the servers docgen runs on
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

GENESIS = "0" * 64
# No number is made for a year before this one (a date typed as 1026-11-03 is a typing error, not a
# case of the eleventh century), nor for a year that is not four digits.
MIN_YEAR, MAX_YEAR = 2000, 9999
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

# Derived tables, not part of the chain: created (and filled from the events, once) when a ledger
# written before they existed is opened.
DERIVED = {
    "counters": """CREATE TABLE counters (
        pattern TEXT NOT NULL,
        year    INTEGER NOT NULL,   -- 0 for a pattern without {year}
        last    INTEGER NOT NULL,   -- the highest number ever issued under (pattern, year)
        PRIMARY KEY (pattern, year)
    )""",
    "line_fingerprints": """CREATE TABLE line_fingerprints (
        fingerprint TEXT PRIMARY KEY,  -- line_fingerprint() of a registered complaint
        case_id     TEXT NOT NULL,
        seq         INTEGER NOT NULL
    )""",
}


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


def row_hash(row: sqlite3.Row, prev_hash: str | None = None) -> str:
    """The hash a stored event row should carry: after its own ``prev_hash``, or after ``prev_hash`` when
    a chain is re-linked (what a forger does, and what the tests do to show ``verify`` sees it)."""
    return event_hash(
        row["prev_hash"] if prev_hash is None else prev_hash,
        row["seq"],
        row["recorded_at"],
        row["kind"],
        row["case_id"],
        row["claim"],
        row["sha256"],
        row["payload"],
    )


def event_hash(
    prev_hash: str,
    seq: int,
    recorded_at: str,
    kind: str,
    case_id: str | None,
    claim: str | None,
    sha256: str | None,
    payload: str,
) -> str:
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
        return cls(
            row["seq"],
            row["recorded_at"],
            row["kind"],
            row["case_id"],
            row["claim"],
            row["sha256"],
            json.loads(row["payload"]),
        )


class NumberFormat:
    """A numbering pattern such as ``KF-{year}-{seq:05d}``, usable both ways.

    Only ``{year}`` (four digits) and ``{seq}`` (optionally zero-padded: ``{seq:05d}``) may appear, and
    nothing that is unsafe in a file name, since a number names a folder of outbox/. A new number has
    exactly the configured width: ``KF-2026-000001`` is not a number of ``KF-{year}-{seq:05d}``, and
    ``KF-2026-99999`` is the last one of its year. ``key`` is the pattern without that width (the
    counter's key): numbers issued before the width was changed still count (``parse(exact=False)``).
    """

    def __init__(self, pattern: str):
        self.pattern = pattern
        if not isinstance(pattern, str) or not pattern.strip():
            raise ValueError("编号格式不能为空；例如 KF-{year}-{seq:05d}")
        try:
            parts = list(string.Formatter().parse(pattern))
        except ValueError:
            raise ValueError(f"编号格式“{pattern}”的花括号不成对；例如 KF-{{year}}-{{seq:05d}}") from None
        regex, loose, names, literal_text = "", "", [], ""
        key: list[str] = []  # the pattern as format() pieces, "{seq}" without its width
        self.width: int | None = None
        for literal, name, spec, conversion in parts:
            regex += re.escape(literal)
            loose += re.escape(literal)
            literal_text += literal
            key.append(literal.replace("{", "{{").replace("}", "}}"))
            if name is None:
                continue
            if name not in ("year", "seq"):
                raise ValueError(f"编号格式“{pattern}”中只能使用 {{year}} 和 {{seq}}，不能使用 {{{name}}}")
            if name in names:
                raise ValueError(f"编号格式“{pattern}”中 {{{name}}} 出现了两次")
            names.append(name)
            if conversion:
                raise ValueError(f"编号格式“{pattern}”中的 {{{name}!{conversion}}} 无效")
            if name == "year":
                if spec:
                    raise ValueError(f"编号格式“{pattern}”中的年份只能写 {{year}}（四位数字），不能写 {{year:{spec}}}")
                regex += r"(?P<year>\d{4})"
                loose += r"(?P<year>\d{4})"
                key.append("{year}")
            else:
                width = re.fullmatch(r"0([1-9]\d?)d", spec or "")
                if spec and not width:
                    raise ValueError(
                        f"编号格式“{pattern}”中的 {{seq:{spec}}} 无效；序号写 {{seq}}，或用 {{seq:05d}} 补零到 5 位"
                    )
                if width:
                    self.width = int(width[1])
                    # A zero-padded width is part of the format: "KF-2026-1" is not "KF-2026-00001".
                    regex += rf"(?P<seq>\d{{{self.width}}})"
                else:
                    regex += r"(?P<seq>[1-9]\d*)"
                loose += r"(?P<seq>\d+)"  # any width: numbers issued before the width was changed
                key.append("{seq}")
        if "seq" not in names:
            raise ValueError(f"编号格式“{pattern}”必须包含 {{seq}}（序号）；例如 KF-{{year}}-{{seq:05d}}")
        unsafe = sorted(set(re.findall(r'[\x00-\x1f\x7f/\\:*?"<>|\s]', literal_text)))
        if unsafe or literal_text.startswith(".") or pattern.startswith("."):
            shown = "、".join(repr(c)[1:-1] if c.strip() else "空白" for c in unsafe) or "开头的“.”"
            raise ValueError(
                f"编号格式“{pattern}”含有不能用于文件名的字符（{shown}）；编号用作 outbox 中的文件夹名，"
                "只能由字母、数字、汉字和 - 等组成"
            )
        self.has_year = "year" in names
        self.capacity = 10**self.width - 1 if self.width else None
        self.key = "".join(key)
        self.regex = re.compile(regex + r"\Z")
        self._loose = re.compile(loose + r"\Z")

    def check_year(self, year: int) -> None:
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(f"编号年份 {year} 不在 {MIN_YEAR}–{MAX_YEAR} 年之间")

    def format(self, year: int, seq: int) -> str:
        self.check_year(year)
        if seq < 1:
            raise ValueError(f"序号 {seq} 无效")
        if self.capacity is not None and seq > self.capacity:
            raise NumbersExhausted(self, year)
        return self.pattern.format(year=year, seq=seq)

    def widened(self) -> str:
        """This pattern with one more digit of ``seq``: what to configure when a year's numbers run out."""
        return self.key.replace("{seq}", f"{{seq:0{(self.width or 0) + 1}d}}")

    def parse(self, number: str, *, exact: bool = True) -> tuple[int | None, int] | None:
        """(year, seq) of a number in this format, else None. ``exact=False`` reads a ``seq`` of any
        width (numbers issued before the width was changed, or typed by earlier versions), for
        finding the highest number issued under the counter."""
        match = (self.regex if exact else self._loose).match(number)
        if not match:
            return None
        year = match.groupdict().get("year")
        return (int(year) if year else None), int(match["seq"])


class ReanchorRefused(DocgenError, ValueError):
    """``Ledger.reanchor`` will not rewrite the head files; the message says why and what to do."""


class NumbersExhausted(DocgenError, ValueError):
    """Every number of a year's pattern has been issued: the width of ``{seq}`` must grow (``widened``),
    which continues the same counter. The message says so for the administrator."""

    def __init__(self, numbering: NumberFormat, year: int):
        self.pattern, self.year, self.capacity = numbering.pattern, year, numbering.capacity
        self.widened = numbering.widened()
        self.next_number = NumberFormat(self.widened).format(year, (numbering.capacity or 0) + 1)
        super().__init__(
            f"编号格式“{self.pattern}”的 {numbering.width} 位序号在 {year} 年已经用完（最大 {self.capacity}）；"
            f"请在 docgen.toml 的 [numbering] 中改为“{self.widened}”，编号将从 {self.next_number} 接着编"
            "（已发出的编号照常有效）"
        )


# A rejection caused by a setting, not by the file (a finding whose ``field`` starts with this, such as
# numbers run out): once the administrator has changed the setting, the same bytes dropped again are
# processed, not answered as a duplicate of the rejection.
SETTINGS_FIELD = "settings."


def _normal(text: Any) -> str:
    """Text as the same complaint typed by another program reads: NFKC (full-width → half-width),
    no whitespace at all, case-folded."""
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split()).casefold()


def line_fingerprint(received_date: str, customer: str, phone: str, content: str) -> str:
    """What makes two register lines one complaint: 受理日期, 客户姓名, 联系电话 and 投诉/来访内容."""
    body = canonical([str(received_date)[:10], _normal(customer), _normal(phone), _normal(content)])
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _payload_fingerprint(payload: dict) -> str | None:
    if not all(key in payload for key in ("received_date", "customer", "phone", "content")):
        return None
    return line_fingerprint(payload["received_date"], payload["customer"], payload["phone"], payload["content"])


def _issued(connection: sqlite3.Connection) -> Iterator[str]:
    """Every number the ledger shows as issued: case numbers and work-order numbers."""
    yield from (
        row[0]
        for row in connection.execute(
            "SELECT case_id FROM events WHERE kind = 'case.registered' AND case_id IS NOT NULL"
        )
    )
    yield from (
        row[0]
        for row in connection.execute(
            "SELECT json_extract(payload, '$.order_number') FROM events WHERE kind = 'case.work_ordered'"
        )
        if row[0]
    )


def highest_issued(connection: sqlite3.Connection, numbering: NumberFormat) -> dict[int, tuple[int, str]]:
    """Per counter year (0 for a pattern without year): the highest number issued and its text."""
    highest: dict[int, tuple[int, str]] = {}
    for number in _issued(connection):
        parsed = numbering.parse(str(number), exact=False)
        if parsed:
            parsed_year, seq = parsed
            year = parsed_year if parsed_year is not None else 0  # None: a pattern without {year}
            if seq > highest.get(year, (0, ""))[0]:
                highest[year] = (seq, str(number))
    return highest


# The transaction open in this thread, so a receipt written inside it can quote the chain's position.
_OPEN: ContextVar["Transaction | None"] = ContextVar("docgen_open_transaction", default=None)


def open_transaction_head() -> tuple[int, str] | None:
    """(seq, hash) of the newest event in the transaction open in this thread, or None outside one."""
    tx = _OPEN.get()
    return None if tx is None else (tx.last_seq, tx.last_hash)


class EventReads:
    """The reads of the events table its callers need, on a :class:`Ledger` or inside an open
    :class:`Transaction` alike: no module but this one runs SQL (docs/design.md §7)."""

    connection: sqlite3.Connection

    def events(
        self, *, case_id: str | None = None, kind: str | None = None, kinds: Sequence[str] | None = None
    ) -> list[Event]:
        """The events of a case and/or of one kind (or of any of ``kinds``), in ledger order."""
        query, args = "SELECT * FROM events WHERE 1=1", []
        if case_id is not None:
            query += " AND case_id = ?"
            args.append(case_id)
        if kind is not None:
            query += " AND kind = ?"
            args.append(kind)
        if kinds is not None:
            query += f" AND kind IN ({', '.join('?' * len(kinds))})"
            args.extend(kinds)
        return [Event.from_row(row) for row in self.connection.execute(query + " ORDER BY seq", args)]

    def has_event(self, case_id: str, kind: str) -> bool:
        return (
            self.connection.execute(
                "SELECT 1 FROM events WHERE case_id = ? AND kind = ? LIMIT 1", (case_id, kind)
            ).fetchone()
            is not None
        )

    def latest_event(self, case_id: str, kind: str) -> Event | None:
        """The newest event of ``kind`` on the case (a step sent again corrects the earlier one)."""
        row = self.connection.execute(
            "SELECT * FROM events WHERE case_id = ? AND kind = ? ORDER BY seq DESC LIMIT 1", (case_id, kind)
        ).fetchone()
        return Event.from_row(row) if row else None

    def registered_projects(self) -> set[str]:
        """Every 项目/小区 a registered complaint names."""
        rows = self.connection.execute(
            "SELECT DISTINCT json_extract(payload, '$.project') AS project FROM events WHERE kind = ?",
            (CASE_REGISTERED,),
        )
        return {row["project"] for row in rows if row["project"]}


class Transaction(EventReads):
    def __init__(self, connection: sqlite3.Connection, zone: ZoneInfo = ZoneInfo(OFFICE_TIMEZONE)):
        self.connection = connection
        self.zone = zone
        row = connection.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        self.last_seq: int
        self.last_hash: str
        self.last_seq, self.last_hash = (row["seq"], row["hash"]) if row else (0, GENESIS)
        self.appended: list[Event] = []

    def append(
        self,
        kind: str,
        payload: dict,
        *,
        case_id: str | None = None,
        claim: str | None = None,
        sha256: str | None = None,
    ) -> Event:
        seq = self.last_seq + 1
        recorded_at = datetime.now(self.zone).isoformat(timespec="milliseconds")
        body = canonical(payload)
        digest = event_hash(self.last_hash, seq, recorded_at, kind, case_id, claim, sha256, body)
        self.connection.execute(
            "INSERT INTO events (seq, recorded_at, kind, case_id, claim, sha256, payload, prev_hash, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (seq, recorded_at, kind, case_id, claim, sha256, body, self.last_hash, digest),
        )
        self.last_seq, self.last_hash = seq, digest
        event = Event(seq, recorded_at, kind, case_id, claim, sha256, json.loads(body))
        if kind == CASE_REGISTERED and case_id:
            fingerprint = _payload_fingerprint(event.payload)
            if fingerprint:
                self.connection.execute(
                    "INSERT OR IGNORE INTO line_fingerprints (fingerprint, case_id, seq) VALUES (?, ?, ?)",
                    (fingerprint, case_id, seq),
                )
        self.appended.append(event)
        return event

    def case_exists(self, case_id: str) -> bool:
        return (
            self.connection.execute(
                "SELECT 1 FROM events WHERE kind = 'case.registered' AND case_id = ? LIMIT 1", (case_id,)
            ).fetchone()
            is not None
        )

    def registration(self, case_id: str) -> Event | None:
        row = self.connection.execute(
            "SELECT * FROM events WHERE kind = 'case.registered' AND case_id = ? ORDER BY seq LIMIT 1", (case_id,)
        ).fetchone()
        return Event.from_row(row) if row else None

    def next_number(self, numbering: NumberFormat, year: int) -> str:
        """The next number of ``year``: one above the counter, which is raised in this transaction.
        Never a number given before, even if its events were removed."""
        numbering.check_year(year)
        key = year if numbering.has_year else 0
        row = self.connection.execute(
            "SELECT last FROM counters WHERE pattern = ? AND year = ?", (numbering.key, key)
        ).fetchone()
        if row is None:  # the first number of this pattern and year: start above whatever the events show
            last = highest_issued(self.connection, numbering).get(key, (0, ""))[0]
            self.connection.execute(
                "INSERT INTO counters (pattern, year, last) VALUES (?, ?, ?)", (numbering.key, key, last)
            )
        else:
            last = row["last"]
        number = numbering.format(year, last + 1)  # NumbersExhausted when the width is used up
        while self.case_exists(number):  # a counter lowered behind the tool's back: still never reissue
            last += 1
            number = numbering.format(year, last + 1)
        self.connection.execute(
            "UPDATE counters SET last = ? WHERE pattern = ? AND year = ?", (last + 1, numbering.key, key)
        )
        return number

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A step that is undone as a whole when it raises (events, counters, fingerprints), leaving the
        transaction open: a handler that meets a refusal halfway (numbers run out on the third line)
        returns its findings with nothing of the file recorded."""
        mark = (self.last_seq, self.last_hash, len(self.appended))
        self.connection.execute("SAVEPOINT docgen_step")
        try:
            yield
        except BaseException:
            self.connection.execute("ROLLBACK TO docgen_step")
            self.connection.execute("RELEASE docgen_step")
            self.last_seq, self.last_hash = mark[0], mark[1]
            del self.appended[mark[2] :]
            raise
        self.connection.execute("RELEASE docgen_step")

    def case_by_fingerprint(self, fingerprint: str) -> str | None:
        """The case registered for a line with this ``line_fingerprint``, if any."""
        row = self.connection.execute(
            "SELECT case_id FROM line_fingerprints WHERE fingerprint = ?", (fingerprint,)
        ).fetchone()
        return row["case_id"] if row else None


class Ledger(EventReads):
    """``anchors``: head files kept outside the database (see the module docstring); ``numberings``: the
    workspace's numbering patterns, whose counters are set from the events when an older ledger is
    first opened."""

    def __init__(
        self,
        path: Path,
        timezone: str = OFFICE_TIMEZONE,
        *,
        anchors: Sequence[Path] = (),
        numberings: Sequence[str] = (),
    ):
        self.path = path
        self.zone = ZoneInfo(timezone)
        self.anchors = [Path(anchor) for anchor in anchors]
        path.parent.mkdir(parents=True, exist_ok=True)
        self.connection = sqlite3.connect(path, timeout=60, isolation_level=None)
        self.connection.row_factory = sqlite3.Row
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=FULL")
        self.connection.execute("PRAGMA busy_timeout=60000")
        self.connection.executescript(SCHEMA)
        self._add_derived_tables(numberings)

    def _add_derived_tables(self, numberings: Sequence[str]) -> None:
        """Migrate a ledger written before the counter and fingerprint tables: create them and fill
        them from the events, once (in one transaction, so two processes opening it agree)."""

        def tables() -> set[str]:
            return {row[0] for row in self.connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

        if set(DERIVED) <= tables():
            self._rekey_counters()
            return
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            missing = set(DERIVED) - tables()
            for name in sorted(missing):
                self.connection.execute(DERIVED[name])
            if "counters" in missing:
                for pattern in dict.fromkeys(numberings):
                    numbering = NumberFormat(pattern)
                    for year, (last, _) in highest_issued(self.connection, numbering).items():
                        self._raise_counter(numbering.key, year, last)
            if "line_fingerprints" in missing:
                for row in self.connection.execute(
                    "SELECT seq, case_id, payload FROM events WHERE kind = 'case.registered' ORDER BY seq"
                ).fetchall():
                    fingerprint = row["case_id"] and _payload_fingerprint(json.loads(row["payload"]))
                    if fingerprint:
                        self.connection.execute(
                            "INSERT OR IGNORE INTO line_fingerprints VALUES (?, ?, ?)",
                            (fingerprint, row["case_id"], row["seq"]),
                        )
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")
        # A ledger from before the head files: its present head is the first anchor it gets.
        if "counters" in missing and not any(anchor.exists() for anchor in self.anchors):
            self.anchor()

    def _raise_counter(self, key: str, year: int, last: int) -> None:
        self.connection.execute(
            "INSERT INTO counters (pattern, year, last) VALUES (?, ?, ?) ON CONFLICT "
            "(pattern, year) DO UPDATE SET last = max(last, excluded.last)",
            (key, year, last),
        )

    def _rekey_counters(self) -> None:
        """Counters written under the full pattern (``KF-{year}-{seq:05d}``, before counters were keyed
        without the width) move to the pattern's key, keeping the highest of each (key, year)."""

        def stale() -> list[tuple[str, str]]:
            found = []
            for (pattern,) in self.connection.execute("SELECT DISTINCT pattern FROM counters").fetchall():
                try:
                    key = NumberFormat(pattern).key
                except ValueError:
                    continue  # not a pattern docgen accepts: left for verify to skip
                if key != pattern:
                    found.append((pattern, key))
            return found

        if not stale():
            return
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            for pattern, key in stale():  # again inside the lock: another process may have done it
                for row in self.connection.execute(
                    "SELECT year, last FROM counters WHERE pattern = ?", (pattern,)
                ).fetchall():
                    self._raise_counter(key, row["year"], row["last"])
                self.connection.execute("DELETE FROM counters WHERE pattern = ?", (pattern,))
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def close(self) -> None:
        self.connection.close()

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        self.connection.execute("BEGIN IMMEDIATE")
        tx = Transaction(self.connection, self.zone)
        token = _OPEN.set(tx)
        try:
            yield tx
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        else:
            self.connection.execute("COMMIT")
            if tx.appended:
                self.anchor()
        finally:
            _OPEN.reset(token)

    # ------------------------------------------------------------ the head, anchored outside

    def head(self) -> tuple[int, str, str] | None:
        """(seq, hash, recorded_at) of the newest event, or None for an empty ledger."""
        row = self.connection.execute("SELECT seq, hash, recorded_at FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        return (row["seq"], row["hash"], row["recorded_at"]) if row else None

    def anchor(self) -> None:
        """Write the newest event's position and hash to every head file. Called after each commit;
        a head file is only ever moved forward along the same chain: one the database no longer
        extends (rows removed or rewritten) is left as it is, for ``verify`` to report (and, after a
        legitimate restore from backup, for :meth:`reanchor`)."""
        if not self.anchors:
            return
        try:
            with self._head_lock():
                self._write_heads(force=False)
        except OSError as failure:  # the commit stands; verify will say the head file is behind
            log.warning("could not anchor the ledger head: %r", failure)

    @contextmanager
    def _head_lock(self) -> Iterator[None]:
        """Concurrent workers: the last writer writes the newest head."""
        lock_path = self.path.with_name(self.path.name + ".head-lock")
        with open(lock_path, "a") as lock:
            if fcntl is not None:
                fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def _write_heads(self, *, force: bool) -> None:
        from docgen.atomic import write_text

        head = self.head()
        if head is None:
            return
        seq, digest, recorded_at = head
        text = (
            json.dumps(
                {"ledger": self.path.name, "seq": seq, "hash": digest, "recorded_at": recorded_at}, ensure_ascii=False
            )
            + "\n"
        )
        for anchor in self.anchors:
            try:
                current = read_head_file(anchor)
            except ValueError:
                current = None  # unreadable: replaced by the true head
            if current is not None and not force:
                if current == (seq, digest):
                    continue
                if current[0] > seq or self._hash_at(current[0]) != current[1]:
                    log.error(
                        "ledger head file %s (seq %s) is not on the database's chain; left for verify "
                        "(docgen verify --reanchor after a restore from backup)",
                        anchor,
                        current[0],
                    )
                    continue
            try:
                write_text(anchor, text)
            except OSError as failure:
                if force:
                    raise
                log.warning("could not write the ledger head file %s: %r", anchor, failure)

    def reanchor(self, reason: str) -> Event | None:
        """After a legitimate restore from backup the head files are ahead of the database for good
        (``anchor`` never moves one back). This records, as an event ``ledger.reanchored``, what each
        head file said, the database's head and ``reason``, then rewrites every head file to the new
        head. Refused without a reason, and on a ledger whose chain, counters or file are damaged
        (re-anchoring would hide that, not mend it). None when the head files agree already."""
        reason = " ".join(str(reason or "").split())
        if not reason:
            raise ReanchorRefused('请用 --why 写明重新锚定的原因（记入台账），例如 --why "从 2026-11-20 备份恢复"')
        if not self.anchors:
            raise ReanchorRefused("此台账没有台账头文件，无需重新锚定")
        with self._head_lock():
            damaged = self._check_chain() + self._check_counters() + self._check_integrity()
            if damaged:
                raise ReanchorRefused(
                    "台账本身有问题，重新锚定既不能解决、也不应掩盖这些问题；请从备份恢复 "
                    f"{self.path} 并联系系统管理员：\n" + "\n".join(damaged)
                )
            problems = self.head_problems()
            if not problems:
                return None
            before = []
            for anchor in self.anchors:
                try:
                    recorded = read_head_file(anchor)
                    state: dict[str, object] = (
                        {"seq": recorded[0], "hash": recorded[1]} if recorded else {"missing": True}
                    )
                except ValueError as broken:
                    state = {"unreadable": str(broken)}
                before.append({"file": str(anchor), **state})
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                tx = Transaction(self.connection, self.zone)
                head = {"seq": tx.last_seq, "hash": tx.last_hash} if tx.last_seq else None
                event = tx.append(
                    LEDGER_REANCHORED,
                    {"reason": reason, "head_files": before, "database_head": head, "problems": problems},
                )
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise
            self.connection.execute("COMMIT")
            self._write_heads(force=True)
        return event

    def _hash_at(self, seq: int) -> str | None:
        row = self.connection.execute("SELECT hash FROM events WHERE seq = ?", (seq,)).fetchone()
        return row["hash"] if row else None

    # ------------------------------------------------------------ reading

    def submission_by_sha(self, sha256: str) -> Event | None:
        """The first accepted or rejected submission of these bytes, not counting rejections for an
        internal error or for a setting (:data:`SETTINGS_FIELD`): once the bug is fixed or the
        setting changed, the same file dropped again is processed, not repeated as a duplicate."""
        rows = self.connection.execute(
            "SELECT * FROM events WHERE sha256 = ? AND kind IN ('submission.accepted', 'submission.rejected')"
            " ORDER BY seq",
            (sha256,),
        )
        return next(
            (
                e
                for e in map(Event.from_row, rows)
                if not e.payload.get("internal_error") and not _refused_for_a_setting(e)
            ),
            None,
        )

    def submission_by_claim(self, claim: str) -> Event | None:
        row = self.connection.execute(
            "SELECT * FROM events WHERE claim = ? AND kind IN (?, ?, ?) ORDER BY seq LIMIT 1",
            (claim, *SUBMISSION_KINDS),
        ).fetchone()
        return Event.from_row(row) if row else None

    def submissions(self) -> list[Event]:
        return [
            Event.from_row(row)
            for row in self.connection.execute(
                "SELECT * FROM events WHERE kind IN (?, ?, ?) ORDER BY seq", SUBMISSION_KINDS
            )
        ]

    def verify(self) -> list[str]:
        """Walk the hash chain, check it against the head files and the counters against the numbers
        issued; every problem as a sentence that ends with what to do (empty list: the ledger is
        intact)."""
        return self._check_chain() + self.head_problems() + self._check_counters() + self._check_integrity()

    def _check_chain(self) -> list[str]:
        problems: list[str] = []
        restore = restore_advice(self.path)
        previous, expected_seq = GENESIS, None
        for row in self.connection.execute("SELECT * FROM events ORDER BY seq"):
            if expected_seq is not None and row["seq"] != expected_seq:
                problems.append(f"事件 {expected_seq} 至 {row['seq'] - 1} 缺失（记录被删除）。{restore}")
            if row["prev_hash"] != previous:
                problems.append(f"事件 {row['seq']} 的前序哈希与上一事件不符（链条被改动）。{restore}")
            if row_hash(row) != row["hash"]:
                problems.append(f"事件 {row['seq']}（{row['kind']}）的内容与其哈希不符（记录被改动）。{restore}")
            previous, expected_seq = row["hash"], row["seq"] + 1
        return problems

    def _check_integrity(self) -> list[str]:
        integrity = self.connection.execute("PRAGMA integrity_check").fetchone()[0]
        if integrity != "ok":
            return [f"数据库完整性检查失败：{integrity}。{restore_advice(self.path)}"]
        return []

    def head_problems(self) -> list[str]:
        """The database against the head files (cheap: two reads), each problem saying what to do."""
        return head_file_problems(self.path, self.anchors, self.head(), self._hash_at)

    def _check_counters(self) -> list[str]:
        problems = []
        for row in self.connection.execute(
            "SELECT pattern, year, last FROM counters ORDER BY pattern, year"
        ).fetchall():
            try:
                numbering = NumberFormat(row["pattern"])
            except ValueError:
                continue
            highest, number = highest_issued(self.connection, numbering).get(row["year"], (0, ""))
            if row["last"] < highest:
                problems.append(
                    f"编号计数器（{row['pattern']}，{row['year'] or '不分年份'}）为 {row['last']}，"
                    f"低于已发出的编号 {number}：下一个编号可能重复（计数器被改动过）。"
                    f"{restore_advice(self.path)}"
                )
        return problems

    def count(self) -> int:
        return self.connection.execute("SELECT count(*) FROM events").fetchone()[0]


def restore_advice(ledger_path: Path) -> str:
    """The next step after a ledger found damaged."""
    return f"请停止受理（停止 docgen watch），从备份恢复 {ledger_path} 并联系系统管理员；在此之前不要继续受理"


REANCHOR_COMMAND = 'docgen verify --reanchor --why "从 2026-11-20 备份恢复"'


def head_file_problems(
    ledger_path: Path,
    anchors: Sequence[Path],
    head: tuple[int, str, str] | None,
    hash_at: Callable[[int], str | None] | None,
) -> list[str]:
    """The database against the head files, each problem ending with what to do. ``head`` is the
    database's newest event (None: empty), ``hash_at`` its hash at a position; ``hash_at`` None means
    there is no database file at all (``verify`` does not create one to look)."""
    restore = restore_advice(ledger_path)
    restored = (
        f"如果台账是从备份恢复的（恢复后的数据库比头文件旧），请核实后运行 {REANCHOR_COMMAND}"
        f"（写明恢复自哪一天的备份）重新记录头文件；否则{restore}"
    )
    problems = []
    for anchor in anchors:
        try:
            recorded = read_head_file(anchor)
        except ValueError as broken:
            problems.append(
                f"台账头文件 {anchor} 无法读取（{broken}）：无法确认最新的记录没有被删除或改写。"
                f"请从备份恢复该文件；没有备份时，请系统管理员核实台账无误后运行 {REANCHOR_COMMAND}"
            )
            continue
        if recorded is None:
            if head is not None:
                problems.append(
                    f"台账头文件 {anchor} 不存在：无法确认最新的记录没有被删除。请从备份恢复该文件；"
                    f"没有备份时，请系统管理员核实台账无误后运行 {REANCHOR_COMMAND}"
                )
            continue
        seq, digest = recorded
        if hash_at is None:
            problems.append(
                f"台账数据库 {ledger_path} 不存在，但台账头文件 {anchor} 记录了第 {seq} 条：台账被删除了。"
                f"{restore}（不要运行 docgen process 或 watch，否则会从空台账重新编号）"
            )
        elif head is None or seq > head[0]:
            problems.append(
                f"台账头文件 {anchor} 记录的最新位置是第 {seq} 条（哈希 {digest[:16]}…），"
                f"数据库却只到第 {head[0] if head else 0} 条：最新的记录被删除了。{restored}"
            )
        elif hash_at(seq) != digest:
            actual = hash_at(seq)
            problems.append(
                f"数据库第 {seq} 条的哈希 {actual[:16] if actual else '（缺失）'}… 与台账头文件 {anchor} "
                f"记录的 {digest[:16]}… 不符：记录被改写并重新计算了哈希，或台账从备份恢复后又受理了文件。"
                f"{restored}"
            )
    return problems


def _refused_for_a_setting(event: Event) -> bool:
    return event.kind == SUBMISSION_REJECTED and any(
        isinstance(finding, dict) and str(finding.get("field") or "").startswith(SETTINGS_FIELD)
        for finding in event.payload.get("findings", [])
    )


def read_head_file(path: Path) -> tuple[int, str] | None:
    """(seq, hash) recorded in a head file; None when there is none; ValueError when it is unreadable."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as broken:
        raise ValueError(type(broken).__name__) from None
    if not isinstance(data, dict) or not isinstance(data.get("seq"), int) or not isinstance(data.get("hash"), str):
        raise ValueError("内容不完整")
    return data["seq"], data["hash"]
