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

The same ledger may live on PostgreSQL instead (``[ledger] url`` in docgen.toml, issue 15), written by
several offices' watchers at once: the statements here are written once, in SQLite's dialect with ``?``
placeholders, and ``ledger_postgres.Connection`` translates them in one place. A writing transaction is
``BEGIN IMMEDIATE`` on SQLite and ``BEGIN`` plus an advisory lock on PostgreSQL (:meth:`Ledger._begin`),
so on both there is one writer at a time and the chain stays linear; the counter row is read ``FOR
UPDATE`` there too. Each workspace keeps its own head files of the shared chain.
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
from typing import Any, Callable, Iterable, Iterator, Mapping, Protocol, Sequence
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
-- a nonconformity record's events by its number, the records found in a window (Ledger.events_matching)
CREATE INDEX IF NOT EXISTS events_number ON events(kind, json_extract(payload, '$.number'));
CREATE INDEX IF NOT EXISTS events_found_on ON events(kind, json_extract(payload, '$.found_on'));
CREATE INDEX IF NOT EXISTS events_project_found
    ON events(kind, json_extract(payload, '$.project'), json_extract(payload, '$.found_on'));
CREATE INDEX IF NOT EXISTS events_supplier_found
    ON events(kind, json_extract(payload, '$.supplier'), json_extract(payload, '$.found_on'));
CREATE INDEX IF NOT EXISTS events_contractor_found
    ON events(kind, json_extract(payload, '$.contractor'), json_extract(payload, '$.found_on'));
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


class CopyRefused(DocgenError, ValueError):
    """``Ledger.copy_to`` will not write into a ledger that holds events; the message says so."""


def database_unavailable(failure: BaseException) -> bool:
    """The ledger's PostgreSQL server out of reach for a while (down, restarting, the network): a fault of
    the machine, tried again like a locked SQLite file (``pipeline.system_fault``)."""
    from docgen.ledger_postgres import unavailable

    return unavailable(failure)


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


# --- case projection (C2) ---------------------------------------------------------------------------
# ``case_state``: one row per case, its current state as the events give it (docs/design.md §7, issue 15).
# Derived data, never part of the chain: rewritten for every case a transaction touched, in that same
# transaction, just before COMMIT (:meth:`CaseProjection._project`, the computing is the projector's:
# ``docgen.cases.PROJECTION``, since this layer does not know what a case is); ``docgen rebuild``
# recomputes it from the events and ``docgen verify`` checks that the two agree. ``case_state_mark``
# holds the last event seq the rows account for: events appended without the projector (an older docgen,
# a ledger opened bare) are caught up the next time the projector opens the ledger. Dates are ISO text
# (they sort as dates); "today" never is in a row (overdue is computed when read). Every statement runs
# on SQLite and on PostgreSQL alike (``?`` placeholders, ``ON CONFLICT … DO UPDATE``).

CASE_STATE_COLUMNS = (
    "case_id",  # 登记编号
    "office",  # the service office (客户服务处) of the registration, 客户服务部 when none
    "project",
    "category",
    "department",
    "received_on",  # 受理日期
    "closed_on",  # 办结日期, NULL while open
    "open_until",  # closed_on, or OPEN_UNTIL while open: "open at some time on or after a day" is one range
    "stage",
    "next_due",  # the earliest deadline still to be met (NULL: none, or closed)
    "first_due",  # the earliest and latest due date of all its deadlines, met or not
    "last_due",
    "callback_on",  # the 回访日期 of its latest callback
    "major",  # 1: a major complaint (重大投诉)
    "customer",
    "building",
    "deadlines",  # JSON [[key, due, met_on, clause, label, provisional, actor, advisory], …]
    "last_seq",  # its newest event
)
OPEN_UNTIL = "9999-12-31"
DERIVED.update(
    {
        "case_state": """CREATE TABLE case_state (
            case_id     TEXT PRIMARY KEY,
            office      TEXT NOT NULL,
            project     TEXT,
            category    TEXT,
            department  TEXT,
            received_on TEXT NOT NULL,
            closed_on   TEXT,
            open_until  TEXT NOT NULL,
            stage       TEXT NOT NULL,
            next_due    TEXT,
            first_due   TEXT,
            last_due    TEXT,
            callback_on TEXT,
            major       INTEGER NOT NULL,
            customer    TEXT,
            building    TEXT,
            deadlines   TEXT NOT NULL,
            last_seq    INTEGER NOT NULL
        )""",
        "case_state_mark": """CREATE TABLE case_state_mark (
            name TEXT PRIMARY KEY,  -- 'events'
            seq  INTEGER NOT NULL   -- the rows account for every event up to this one
        )""",
    }
)
CASE_STATE_INDEXES = (
    "CREATE INDEX IF NOT EXISTS case_state_received ON case_state(received_on, office)",
    "CREATE INDEX IF NOT EXISTS case_state_office ON case_state(office, received_on)",
    "CREATE INDEX IF NOT EXISTS case_state_open ON case_state(open_until, office)",
    "CREATE INDEX IF NOT EXISTS case_state_due ON case_state(last_due, first_due)",
    "CREATE INDEX IF NOT EXISTS case_state_callback ON case_state(callback_on)",
    # the accepted submissions of one form (the minutes a weekly report looks for), not every submission
    "CREATE INDEX IF NOT EXISTS events_form ON events(kind, json_extract(payload, '$.form'))",
)
_CHUNK = 500  # case numbers per IN (…) list and per page of a streamed read


class CaseProjector(Protocol):
    """What computes the rows (``docgen.cases.PROJECTION``): :meth:`refresh` brings the rows of every case
    with events after the mark up to date inside ``tx``; :meth:`problems` compares rows and events."""

    def refresh(self, tx: "Transaction") -> int: ...

    def problems(self, ledger: "Ledger") -> list[str]: ...


class CaseProjection:
    """The ``case_state`` reads and writes, on a :class:`Ledger` and inside a :class:`Transaction`."""

    connection: Any
    projector: CaseProjector | None = None

    # ---------------------------------------------------------------- reads: which cases

    def _office(self, office: str | None) -> tuple[str, list]:
        return ("", []) if office is None else (" AND office = ?", [office])

    def _numbers(self, query: str, args: Sequence[Any]) -> list[str]:
        return [row[0] for row in self.connection.execute(query, tuple(args))]

    def open_case_numbers(self, office: str | None = None) -> list[str]:
        """The cases still open (no closing recorded), by number."""
        where, args = self._office(office)
        return self._numbers(
            f"SELECT case_id FROM case_state WHERE open_until = ?{where} ORDER BY case_id", [OPEN_UNTIL, *args]
        )

    def case_numbers_in_period(self, first: date, last: date, office: str | None = None) -> list[str]:
        """The cases received from ``first`` to ``last`` (inclusive), and those received by ``last`` and
        still open on or after ``first``: what a report of the period can name."""
        where, args = self._office(office)
        a, b = first.isoformat(), last.isoformat()
        return self._numbers(
            f"SELECT case_id FROM case_state WHERE received_on >= ? AND received_on <= ?{where} UNION "
            f"SELECT case_id FROM case_state WHERE open_until >= ? AND received_on <= ?{where} ORDER BY case_id",
            [a, b, *args, a, b, *args],
        )

    def case_numbers_received(self, first: date, last: date, office: str | None = None) -> list[str]:
        where, args = self._office(office)
        return self._numbers(
            f"SELECT case_id FROM case_state WHERE received_on >= ? AND received_on <= ?{where} ORDER BY case_id",
            [first.isoformat(), last.isoformat(), *args],
        )

    def case_numbers_called_back(self, first: date, last: date) -> list[str]:
        """The cases whose latest callback is dated from ``first`` to ``last``."""
        return self._numbers(
            "SELECT case_id FROM case_state WHERE callback_on >= ? AND callback_on <= ? ORDER BY case_id",
            [first.isoformat(), last.isoformat()],
        )

    def case_offices(self, received_until: date | None = None) -> list[str]:
        """The service offices of the cases (received by ``received_until``), by name."""
        if received_until is None:
            return self._numbers("SELECT DISTINCT office FROM case_state ORDER BY office", [])
        return self._numbers(
            "SELECT office FROM case_state GROUP BY office HAVING MIN(received_on) <= ? ORDER BY office",
            [received_until.isoformat()],
        )

    def case_event_groups(self, numbers: Iterable[str] | None = None) -> Iterator[tuple[str, list[Event]]]:
        """(number, its events in ledger order) of the cases ``numbers`` (None: every case id the events
        name), in number order, read a page at a time: never the whole ledger in memory."""
        if numbers is None:
            after = ""
            while True:
                page = self._numbers(
                    "SELECT DISTINCT case_id FROM events WHERE case_id > ? ORDER BY case_id LIMIT ?", [after, _CHUNK]
                )
                if not page:
                    return
                yield from self._groups(page)
                after = page[-1]
        wanted = sorted(set(numbers))
        for start in range(0, len(wanted), _CHUNK):
            yield from self._groups(wanted[start : start + _CHUNK])

    def _groups(self, page: list[str]) -> Iterator[tuple[str, list[Event]]]:
        rows = self.connection.execute(
            f"SELECT * FROM events WHERE case_id IN ({', '.join('?' * len(page))}) ORDER BY seq",
            tuple(page),
        )
        grouped: dict[str, list[Event]] = {}
        for row in rows.fetchall():
            event = Event.from_row(row)
            grouped.setdefault(event.case_id or "", []).append(event)
        # in the page's order, whatever the database's collation (PostgreSQL's may not sort as Python does)
        yield from ((number, grouped[number]) for number in page if number in grouped)

    def first_recorded(self, kinds: Sequence[str]) -> str | None:
        """When the first event of any of ``kinds`` was recorded (None: there is none)."""
        row = self.connection.execute(
            f"SELECT recorded_at FROM events WHERE kind IN ({', '.join('?' * len(kinds))}) ORDER BY seq LIMIT 1",
            tuple(kinds),
        ).fetchone()
        return None if row is None else row[0]

    def events_of_form(self, kind: str, form_id: str) -> list[Event]:
        """The submissions of ``kind`` whose payload names the form ``form_id`` (index ``events_form``)."""
        rows = self.connection.execute(
            "SELECT * FROM events WHERE kind = ? AND json_extract(payload, '$.form') = ? ORDER BY seq",
            (kind, form_id),
        )
        return [Event.from_row(row) for row in rows.fetchall()]

    def events_matching(
        self,
        kinds: Sequence[str],
        key: str,
        *,
        equal_to: Sequence[str] = (),
        between: tuple[str, str] | None = None,
        sharing: Mapping[str, str] | None = None,
    ) -> list[Event]:
        """The events of ``kinds`` whose payload's top-level ``key`` is one of ``equal_to``, or lies in ``between``
        (as text: date order for ISO dates), in ledger order; with ``sharing``, only those whose payload holds at
        least one of its key/value pairs. The database reads the payloads, through the expression indexes of
        ``SCHEMA`` (a record's number; a project, supplier or contractor with the day found), so finding a few
        nonconformity records, or those of a date window in one project, builds no Python object for every event
        of their kind (issue 15: an intake's cost must not follow the ledger's size)."""
        if not all(name.isidentifier() for name in (key, *(sharing or {}))):
            raise ValueError(f"not a payload key: {key!r} {list(sharing or {})!r}")
        field, kinds_in = f"json_extract(payload, '$.{key}')", ", ".join("?" * len(kinds))
        if between is not None:
            conditions: list[tuple[str, list[str]]] = [(f"{field} BETWEEN ? AND ?", list(between))]
        else:
            wanted = sorted(set(equal_to))
            conditions = [
                (f"{field} IN ({', '.join('?' * len(page))})", page)
                for page in (wanted[start : start + _CHUNK] for start in range(0, len(wanted), _CHUNK))
            ]
        # one query per shared value (each on its own index) rather than one OR the index cannot serve
        shared = [(f"json_extract(payload, '$.{name}') = ? AND ", [value]) for name, value in (sharing or {}).items()]
        found: dict[int, Event] = {}
        for prefix, values in shared or [("", [])]:
            for condition, args in conditions:
                query = f"SELECT * FROM events WHERE kind IN ({kinds_in}) AND {prefix}{condition}"
                for row in self.connection.execute(query, (*kinds, *values, *args)).fetchall():
                    found.setdefault(row["seq"], Event.from_row(row))
        return [found[seq] for seq in sorted(found)]

    def case_state_of(self, numbers: Iterable[str]) -> Iterator[Any]:
        """The stored rows of the cases ``numbers``, in number order (read by column name)."""
        wanted, columns = sorted(set(numbers)), ", ".join(CASE_STATE_COLUMNS)
        for start in range(0, len(wanted), _CHUNK):
            page = wanted[start : start + _CHUNK]
            yield from self.connection.execute(
                f"SELECT {columns} FROM case_state WHERE case_id IN ({', '.join('?' * len(page))}) ORDER BY case_id",
                tuple(page),
            ).fetchall()

    def case_states_received_or_due(self, first: date, end: date) -> Iterator[Any]:
        """The rows of the cases received in ``[first, end)`` or with a deadline that may fall due in it, in
        number order, a page at a time (read by column name)."""
        columns, after = ", ".join(CASE_STATE_COLUMNS), ""
        a, b = first.isoformat(), end.isoformat()
        while True:
            rows = self.connection.execute(
                f"SELECT {columns} FROM case_state WHERE case_id > ? AND ((received_on >= ? AND received_on < ?) "
                f"OR (last_due >= ? AND first_due < ?)) ORDER BY case_id LIMIT ?",
                (after, a, b, a, b, _CHUNK * 10),
            ).fetchall()
            if not rows:
                return
            yield from rows
            after = rows[-1][0]

    def case_state_rows(self) -> Iterator[dict[str, Any]]:
        """Every stored row, in number order, a page at a time (``verify``)."""
        after = ""
        columns = ", ".join(CASE_STATE_COLUMNS)
        while True:
            rows = self.connection.execute(
                f"SELECT {columns} FROM case_state WHERE case_id > ? ORDER BY case_id LIMIT ?", (after, _CHUNK * 10)
            ).fetchall()
            if not rows:
                return
            for row in rows:
                yield {name: row[i] for i, name in enumerate(CASE_STATE_COLUMNS)}
            after = rows[-1][0]

    # ---------------------------------------------------------------- writes, inside a transaction

    def case_state_through(self) -> int | None:
        """The last event the rows account for; None before the projection was first filled."""
        row = self.connection.execute("SELECT seq FROM case_state_mark WHERE name = ?", ("events",)).fetchone()
        return None if row is None else int(row[0])

    def case_ids_after(self, seq: int) -> list[str]:
        return self._numbers(
            "SELECT DISTINCT case_id FROM events WHERE seq > ? AND case_id IS NOT NULL ORDER BY case_id", [seq]
        )

    def put_case_states(self, rows: Sequence[Sequence[Any]]) -> None:
        """Insert or replace rows (values in :data:`CASE_STATE_COLUMNS` order)."""
        if not rows:
            return
        updates = ", ".join(f"{name} = excluded.{name}" for name in CASE_STATE_COLUMNS[1:])
        self.connection.executemany(
            f"INSERT INTO case_state ({', '.join(CASE_STATE_COLUMNS)}) VALUES "
            f"({', '.join('?' * len(CASE_STATE_COLUMNS))}) ON CONFLICT (case_id) DO UPDATE SET {updates}",
            [tuple(row) for row in rows],
        )

    def drop_case_states(self, numbers: Sequence[str]) -> None:
        for start in range(0, len(numbers), _CHUNK):
            page = list(numbers[start : start + _CHUNK])
            self.connection.execute(f"DELETE FROM case_state WHERE case_id IN ({', '.join('?' * len(page))})", page)

    def mark_case_state(self, seq: int, first: bool = False) -> None:
        """The rows now account for every event up to ``seq``; ``first``: the projection's first fill
        (its indexes are made then)."""
        if first:
            for statement in CASE_STATE_INDEXES:
                self.connection.execute(statement)
        self.connection.execute(
            "INSERT INTO case_state_mark (name, seq) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET seq = excluded.seq",
            ("events", seq),
        )

    def clear_case_state(self) -> None:
        self.connection.execute("DELETE FROM case_state")
        self.connection.execute("DELETE FROM case_state_mark")

    def case_state_count(self) -> int:
        return int(self.connection.execute("SELECT count(*) FROM case_state").fetchone()[0])

    # ---------------------------------------------------------------- the ledger's part

    def use_projection(self, projector: CaseProjector) -> None:
        """Keep ``case_state`` with every transaction from now on, and catch up at once with events
        appended without it (a ledger of an older docgen, one written by a bare :class:`Ledger`)."""
        self.projector = projector
        columns = self.connection.execute("SELECT * FROM case_state LIMIT 0").description
        if tuple(column[0] for column in columns) != CASE_STATE_COLUMNS:  # written by another version: made again
            with self.transaction():  # type: ignore[attr-defined]
                self.connection.execute("DROP TABLE case_state")
                self.connection.execute(DERIVED["case_state"])
                self.connection.execute("DELETE FROM case_state_mark")
        head = self.connection.execute("SELECT max(seq) FROM events").fetchone()[0]
        through = self.case_state_through()
        if head is not None and (through is None or through < head):
            with self.transaction():  # type: ignore[attr-defined]
                pass  # the commit brings the rows up to date (_project)

    def _project(self, tx: "Transaction") -> None:
        """Called just before a transaction commits: the touched cases' rows, in the same transaction."""
        if self.projector is not None:
            self.projector.refresh(tx)

    def projection_problems(self) -> list[str]:
        return [] if self.projector is None else self.projector.problems(self)  # type: ignore[arg-type]

    def rebuild_projection(self) -> int:
        """``docgen rebuild``: every row recomputed from the events, in one transaction; the number of cases."""
        if self.projector is None:
            raise RuntimeError("no case projector: open the ledger with Workspace.open_ledger()")
        with self.transaction() as tx:  # type: ignore[attr-defined]
            tx.clear_case_state()
            self.projector.refresh(tx)
            return tx.case_state_count()


# --- end of case projection (C2) --------------------------------------------------------------------


class EventReads(CaseProjection):
    """The reads of the events table its callers need, on a :class:`Ledger` or inside an open
    :class:`Transaction` alike: no module but this one runs SQL (docs/design.md §7)."""

    # A sqlite3.Connection, or a ledger_postgres.Connection that runs the same statements on PostgreSQL.
    connection: Any

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
    def __init__(self, connection: Any, zone: ZoneInfo = ZoneInfo(OFFICE_TIMEZONE)):
        self.connection = connection
        # PostgreSQL: the counter row is locked for the transaction (the advisory lock serialises already).
        self._for_update = " FOR UPDATE" if getattr(connection, "dialect", "sqlite") == "postgresql" else ""
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
                    "INSERT INTO line_fingerprints (fingerprint, case_id, seq) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
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
            "SELECT last FROM counters WHERE pattern = ? AND year = ?" + self._for_update, (numbering.key, key)
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
        url: str | None = None,
    ):
        """``url``: a PostgreSQL ledger (``postgresql://…``); ``path`` then only places the head files'
        lock (``<path>.head-lock``) and the database is the server's."""
        self.path = path
        self.url = url or None
        self.zone = ZoneInfo(timezone)
        self.anchors = [Path(anchor) for anchor in anchors]
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.url:
            from docgen.ledger_postgres import Connection, masked

            self.where: str | Path = masked(self.url)  # what messages name: never the password
            self.connection = Connection(self.url)
            self.connection.create_schema()
        else:
            self.where = path
            self.connection = sqlite3.connect(path, timeout=60, isolation_level=None)
            self.connection.row_factory = sqlite3.Row
            self.connection.execute("PRAGMA journal_mode=WAL")
            self.connection.execute("PRAGMA synchronous=FULL")
            self.connection.execute("PRAGMA busy_timeout=60000")
            self.connection.executescript(SCHEMA)
        self._add_derived_tables(numberings)

    def _begin(self) -> None:
        """A writing transaction, one at a time: ``BEGIN IMMEDIATE`` on SQLite; on PostgreSQL ``BEGIN`` and
        the advisory lock, for every watcher of every office writing to the same ledger."""
        if self.url:
            self.connection.begin()
        else:
            self.connection.execute("BEGIN IMMEDIATE")

    def _end(self, statement: str) -> None:
        """``COMMIT`` or ``ROLLBACK`` of :meth:`_begin`'s transaction."""
        if self.url:
            self.connection.end(statement)
        else:
            self.connection.execute(statement)

    def _tables(self) -> set[str]:
        if self.url:
            return self.connection.tables()
        return {row[0] for row in self.connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def _add_derived_tables(self, numberings: Sequence[str]) -> None:
        """Migrate a ledger written before the counter and fingerprint tables: create them and fill
        them from the events, once (in one transaction, so two processes opening it agree)."""

        tables = self._tables
        if set(DERIVED) <= tables():
            self._rekey_counters()
            return
        self._begin()
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
                            "INSERT INTO line_fingerprints VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                            (fingerprint, row["case_id"], row["seq"]),
                        )
        except BaseException:
            self._end("ROLLBACK")
            raise
        self._end("COMMIT")
        # A ledger from before the head files: its present head is the first anchor it gets.
        if "counters" in missing and not any(anchor.exists() for anchor in self.anchors):
            self.anchor()

    def _raise_counter(self, key: str, year: int, last: int) -> None:
        self.connection.execute(
            "INSERT INTO counters (pattern, year, last) VALUES (?, ?, ?) ON CONFLICT "
            "(pattern, year) DO UPDATE SET last = CASE WHEN excluded.last > counters.last THEN excluded.last "
            "ELSE counters.last END",
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
        self._begin()
        try:
            for pattern, key in stale():  # again inside the lock: another process may have done it
                for row in self.connection.execute(
                    "SELECT year, last FROM counters WHERE pattern = ?", (pattern,)
                ).fetchall():
                    self._raise_counter(key, row["year"], row["last"])
                self.connection.execute("DELETE FROM counters WHERE pattern = ?", (pattern,))
        except BaseException:
            self._end("ROLLBACK")
            raise
        self._end("COMMIT")

    def close(self) -> None:
        self.connection.close()

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        self._begin()
        tx = Transaction(self.connection, self.zone)
        token = _OPEN.set(tx)
        try:
            yield tx
            self._project(tx)  # case projection (C2): the touched cases' rows, in this transaction
        except BaseException:
            self._end("ROLLBACK")
            raise
        else:
            self._end("COMMIT")
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
                {
                    "ledger": self.path.name if self.url is None else str(self.where),
                    "seq": seq,
                    "hash": digest,
                    "recorded_at": recorded_at,
                },
                ensure_ascii=False,
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
                    f"{self.where} 并联系系统管理员：\n" + "\n".join(damaged)
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
            self._begin()
            try:
                tx = Transaction(self.connection, self.zone)
                head = {"seq": tx.last_seq, "hash": tx.last_hash} if tx.last_seq else None
                event = tx.append(
                    LEDGER_REANCHORED,
                    {"reason": reason, "head_files": before, "database_head": head, "problems": problems},
                )
            except BaseException:
                self._end("ROLLBACK")
                raise
            self._end("COMMIT")
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
        return (
            self._check_chain()
            + self.head_problems()
            + self._check_counters()
            + self._check_integrity()
            + self.projection_problems()  # case projection (C2)
        )

    def _check_chain(self) -> list[str]:
        problems: list[str] = []
        restore = restore_advice(self.where)
        previous, expected_seq = GENESIS, None
        for row in self.rows_in_order():
            if expected_seq is not None and row["seq"] != expected_seq:
                problems.append(f"事件 {expected_seq} 至 {row['seq'] - 1} 缺失（记录被删除）。{restore}")
            if row["prev_hash"] != previous:
                problems.append(f"事件 {row['seq']} 的前序哈希与上一事件不符（链条被改动）。{restore}")
            if row_hash(row) != row["hash"]:
                problems.append(f"事件 {row['seq']}（{row['kind']}）的内容与其哈希不符（记录被改动）。{restore}")
            previous, expected_seq = row["hash"], row["seq"] + 1
        return problems

    def rows_in_order(self, page: int = 2000) -> Iterator[Any]:
        """Every event row in ledger order, read a page at a time (keyset on ``seq``): memory stays the
        same whatever the size of the ledger, on SQLite and PostgreSQL alike."""
        rows = self.connection.execute(f"SELECT * FROM events ORDER BY seq LIMIT {int(page)}").fetchall()
        while rows:
            yield from rows
            if len(rows) < page:
                return
            rows = self.connection.execute(
                f"SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT {int(page)}", (rows[-1]["seq"],)
            ).fetchall()

    def _check_integrity(self) -> list[str]:
        if self.url:  # PostgreSQL checks its own pages (checksums, WAL); there is no integrity_check to run
            return []
        integrity = self.connection.execute("PRAGMA integrity_check").fetchone()[0]
        if integrity != "ok":
            return [f"数据库完整性检查失败：{integrity}。{restore_advice(self.where)}"]
        return []

    def head_problems(self) -> list[str]:
        """The database against the head files (cheap: two reads), each problem saying what to do."""
        return head_file_problems(self.where, self.anchors, self.head(), self._hash_at)

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
                    f"{restore_advice(self.where)}"
                )
        return problems

    def count(self) -> int:
        return self.connection.execute("SELECT count(*) FROM events").fetchone()[0]

    def copy_to(self, target: "Ledger", *, batch: int = 1000) -> int:
        """Copy every event of this ledger, as stored (positions, stamps, hashes), its counters and line
        fingerprints into ``target``, an empty ledger (another backend: SQLite → PostgreSQL, or back), in one
        transaction of the target, so a copy is whole or absent. Returns the number of events copied;
        :class:`CopyRefused` when the target holds events already. Both sides are verified by the caller."""
        if target.count():
            raise CopyRefused(
                f"目标台账 {target.where} 已有 {target.count()} 条事件；只能复制到空台账（请新建一个空数据库）"
            )
        columns = ("seq", "recorded_at", "kind", "case_id", "claim", "sha256", "payload", "prev_hash", "hash")
        insert = f"INSERT INTO events ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        copied = 0
        target._begin()
        try:
            if target.count():  # another process got there between the look and the lock
                raise CopyRefused(f"目标台账 {target.where} 在复制开始时已有事件；只能复制到空台账")
            rows: list[tuple] = []
            for row in self.rows_in_order():
                rows.append(tuple(row[column] for column in columns))
                if len(rows) >= batch:
                    target.connection.executemany(insert, rows)
                    copied += len(rows)
                    rows = []
            if rows:
                target.connection.executemany(insert, rows)
                copied += len(rows)
            # The numbers given (never to be given again) and the registered lines; the case projection is
            # recomputed from the events by the target's projector (``use_projection``), indexes and all.
            for name in ("counters", "line_fingerprints"):
                target._copy_table(name, self.connection.execute(f"SELECT * FROM {name}"))
        except BaseException:
            target._end("ROLLBACK")
            raise
        target._end("COMMIT")
        return copied

    def _copy_table(self, name: str, rows: Iterable[Any]) -> None:
        """A derived table's rows, as they are, replacing what an empty ledger was given on opening."""
        self.connection.execute(f"DELETE FROM {name}")
        cursor = iter(rows)
        first = next(cursor, None)
        if first is None:
            return
        keys = list(first.keys())
        insert = f"INSERT INTO {name} ({', '.join(keys)}) VALUES ({', '.join('?' * len(keys))})"
        self.connection.executemany(insert, [tuple(first), *(tuple(row) for row in cursor)])


def restore_advice(ledger_path: Path | str) -> str:
    """The next step after a ledger found damaged."""
    return f"请停止受理（停止 docgen watch），从备份恢复 {ledger_path} 并联系系统管理员；在此之前不要继续受理"


REANCHOR_COMMAND = 'docgen verify --reanchor --why "从 2026-11-20 备份恢复"'


def head_file_problems(
    ledger_path: Path | str,
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
