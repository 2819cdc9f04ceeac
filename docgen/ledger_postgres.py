"""The ledger on PostgreSQL (docs/design.md §7, issue 15): one ledger that several offices' watchers write.

The events, the hash chain, the numbering and the derived tables are those of the SQLite file; only the
connection differs. ``ledger.py`` writes each statement once, in SQLite's dialect with ``?`` placeholders;
:class:`Connection` runs it here, translating in this one place:

- ``?`` → ``%s`` (a literal ``%`` doubled), outside quoted strings;
- ``json_extract(column, '$.key')`` → ``(replace(column, '\\u0000', '\\uFFFD')::json ->> 'key')``: payloads
  are stored as text, the bytes the hash covers, and PostgreSQL's JSON refuses the escaped NUL a payload may
  hold (a control character typed into a cell), so it is read as U+FFFD;
- the transaction: ``BEGIN`` and then the advisory lock :data:`APPEND_LOCK`, held until COMMIT or
  ROLLBACK, so appends from every process on every machine are serialised and the chain stays linear
  (``seq`` is also the primary key: a writer that skipped the lock could not fork the chain, only fail).

The connection runs in autocommit mode and the ledger issues ``BEGIN``/``COMMIT`` itself, as it does on
SQLite; a connection the server dropped (a restart, the network) is opened again at the next statement
outside a transaction, and the failure itself is the machine's (:func:`unavailable`), so the file is tried
again. A writer stopped with the lock held is ended by the server (:data:`IDLE_IN_TRANSACTION_SECONDS`).
psycopg (version 3) is imported only when a ledger URL is configured.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from typing import Any, Iterable, Sequence

from docgen.errors import DocgenError

# The advisory lock every writing transaction takes (pg_advisory_xact_lock): "docgen" in ASCII.
APPEND_LOCK = 0x646F6367656E
# A writer that stops half-way with the lock held (its machine froze, its network went) must not stop every
# other office: the server ends a session idle inside a transaction after this long (its transaction rolls
# back, the lock is free; the file is tried again there). A transaction of docgen never idles that long.
IDLE_IN_TRANSACTION_SECONDS = 60
# How long a writer waits for the lock before giving up for now (a machine fault: the file is tried again).
LOCK_WAIT_SECONDS = 120
# Connection settings unless the URL sets them: dead peers found within about a minute, not two hours.
CONNECTION_DEFAULTS = {
    "connect_timeout": 30,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "application_name": "docgen",
}

# The events table as on SQLite, and its guards: UPDATE, DELETE and TRUNCATE refused.
SCHEMA = (
    """CREATE TABLE IF NOT EXISTS events (
        seq         BIGINT PRIMARY KEY,
        recorded_at TEXT NOT NULL,
        kind        TEXT NOT NULL,
        case_id     TEXT,
        claim       TEXT,
        sha256      TEXT,
        payload     TEXT NOT NULL,
        prev_hash   TEXT NOT NULL,
        hash        TEXT NOT NULL UNIQUE
    )""",
    "CREATE INDEX IF NOT EXISTS events_case ON events(case_id, seq)",
    "CREATE INDEX IF NOT EXISTS events_sha ON events(sha256, kind)",
    "CREATE INDEX IF NOT EXISTS events_claim ON events(claim)",
    "CREATE INDEX IF NOT EXISTS events_kind ON events(kind, case_id)",
    # a nonconformity record's events by its number, the records found in a window (Ledger.events_matching)
    "CREATE INDEX IF NOT EXISTS events_number ON events(kind, json_extract(payload, '$.number'))",
    "CREATE INDEX IF NOT EXISTS events_found_on ON events(kind, json_extract(payload, '$.found_on'))",
    "CREATE INDEX IF NOT EXISTS events_project_found ON events(kind, json_extract(payload, '$.project'), "
    "json_extract(payload, '$.found_on'))",
    "CREATE INDEX IF NOT EXISTS events_supplier_found ON events(kind, json_extract(payload, '$.supplier'), "
    "json_extract(payload, '$.found_on'))",
    "CREATE INDEX IF NOT EXISTS events_contractor_found ON events(kind, json_extract(payload, '$.contractor'), "
    "json_extract(payload, '$.found_on'))",
    """CREATE OR REPLACE FUNCTION docgen_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'events are append-only'; END $$""",
    "CREATE OR REPLACE TRIGGER events_are_append_only_u BEFORE UPDATE ON events"
    " FOR EACH ROW EXECUTE FUNCTION docgen_events_append_only()",
    "CREATE OR REPLACE TRIGGER events_are_append_only_d BEFORE DELETE ON events"
    " FOR EACH ROW EXECUTE FUNCTION docgen_events_append_only()",
    "CREATE OR REPLACE TRIGGER events_are_append_only_t BEFORE TRUNCATE ON events"
    " FOR EACH STATEMENT EXECUTE FUNCTION docgen_events_append_only()",
)

_QUOTED = re.compile(r"('(?:[^']|'')*')")
_JSON_EXTRACT = re.compile(r"json_extract\(\s*(\w+)\s*,\s*'\$\.(\w+)'\s*\)")


@lru_cache(maxsize=512)
def translate(sql: str, with_params: bool = True) -> str:
    """A statement written for SQLite as PostgreSQL reads it (see the module docstring)."""
    sql = _JSON_EXTRACT.sub(r"(replace(\1, '\\u0000', '\\uFFFD')::json ->> '\2')", sql)
    if not with_params:
        return sql
    parts = _QUOTED.split(sql)
    for index in range(0, len(parts), 2):  # the even parts lie outside quoted strings
        parts[index] = parts[index].replace("%", "%%").replace("?", "%s")
    return "".join(parts)


class Row(tuple):
    """A row read by position or by column name, as ``sqlite3.Row`` is."""

    _index: dict[str, int] = {}

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


@lru_cache(maxsize=256)
def _row_class(names: tuple[str, ...]) -> type[Row]:
    return type("Row", (Row,), {"_index": {name: i for i, name in enumerate(names)}})


def _row_factory(cursor: Any):
    if cursor.description is None:
        return tuple
    return _row_class(tuple(column.name for column in cursor.description))


class LedgerUnavailable(DocgenError):
    """The ledger's server cannot be reached; the message names it and what to check."""


def unavailable(failure: BaseException) -> bool:
    """The PostgreSQL server out of reach or refusing for a while (down, restarting, the network, a lock
    timeout): the machine's fault, so the file stays in the spool and is tried again."""
    if isinstance(failure, LedgerUnavailable):
        return True
    psycopg = sys.modules.get("psycopg")
    if psycopg is None or not isinstance(failure, psycopg.Error):
        return False
    state = getattr(failure, "sqlstate", None) or ""
    return isinstance(failure, psycopg.OperationalError) or state[:2] in _TRANSIENT_CLASSES or state in _TRANSIENT


# SQLSTATEs of a server that is away or overloaded for a while, not of a statement that is wrong: connection
# exceptions, insufficient resources (disk full, too many connections), operator intervention (shutdown, idle
# timeouts), system errors (I/O); an idle transaction ended, a serialization failure, a deadlock, a lock wait.
_TRANSIENT_CLASSES = {"08", "53", "57", "58"}
_TRANSIENT = {"25P03", "40001", "40P01", "55P03"}


def masked(url: str) -> str:
    """The URL as messages print it: without a password."""
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)


class Connection:
    """What ``ledger.py`` uses of a ``sqlite3.Connection`` (``execute``, ``executemany``, ``close``), on
    PostgreSQL."""

    dialect = "postgresql"

    def __init__(self, url: str):
        import psycopg

        self._operational = psycopg.OperationalError
        self.url = url
        self.raw = self._connect()
        self.in_transaction = False

    def _connect(self):
        import psycopg
        from psycopg.conninfo import conninfo_to_dict

        try:
            given = conninfo_to_dict(self.url)
            extra = {key: value for key, value in CONNECTION_DEFAULTS.items() if key not in given}
            connection = psycopg.connect(self.url, autocommit=True, row_factory=_row_factory, **extra)
            connection.execute(f"SET idle_in_transaction_session_timeout = {int(IDLE_IN_TRANSACTION_SECONDS * 1000)}")
            connection.execute(f"SET lock_timeout = {int(LOCK_WAIT_SECONDS * 1000)}")
            return connection
        except psycopg.ProgrammingError as failure:  # a URL libpq cannot read
            raise DocgenError(
                f"docgen.toml 的 [ledger] url（{masked(self.url)}）无效：{str(failure).strip()}；"
                "应写成 postgresql://用户@服务器/数据库"
            ) from failure
        except psycopg.OperationalError as failure:
            raise LedgerUnavailable(
                f"无法连接台账数据库 {masked(self.url)}：{str(failure).strip()}。"
                "请确认 PostgreSQL 正在运行、docgen.toml 的 [ledger] url 正确，以及本机可以访问该服务器"
            ) from failure

    def execute(self, sql: str, params: Sequence[Any] = ()):
        """Run one statement. Outside a transaction, a connection the server dropped since the last statement
        (a restart, the network) is opened again and the statement run once more: nothing was done on the old
        one. Inside a transaction the failure is raised (the caller rolls back; the file is tried again)."""
        params = tuple(params)
        query = translate(sql, bool(params))
        if self.raw.closed and not self.in_transaction:
            self.raw = self._connect()
        try:
            return self.raw.execute(query, params or None)
        except self._operational:
            if self.in_transaction or not self.raw.closed:
                raise
            self.raw = self._connect()
            return self.raw.execute(query, params or None)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self.raw.cursor() as cursor:
            cursor.executemany(translate(sql), [tuple(row) for row in rows])

    def begin(self) -> None:
        """A writing transaction: every writer of the ledger waits here for the one before it."""
        self.execute("BEGIN")
        self.in_transaction = True
        try:
            self.execute("SELECT pg_advisory_xact_lock(?)", (APPEND_LOCK,))
        except BaseException:
            self.in_transaction = False
            if not self.raw.closed:
                self.raw.execute("ROLLBACK")
            raise

    def end(self, statement: str) -> None:
        """``COMMIT`` or ``ROLLBACK``. A ROLLBACK on a connection the server has closed is done already."""
        try:
            if statement == "ROLLBACK" and self.raw.closed:
                return
            self.execute(statement)
        finally:
            self.in_transaction = False

    def create_schema(self) -> None:
        """The events table, its indexes and guards, made once (under the lock: two watchers starting on a new
        database at the same moment). A ledger that has them is not touched: replacing a trigger locks the
        table."""
        guards = self.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass('events')"
            " AND tgname IN ('events_are_append_only_u', 'events_are_append_only_d', 'events_are_append_only_t')"
        ).fetchone()[0]
        if guards == 3:
            return
        self.begin()
        try:
            for statement in SCHEMA:
                self.execute(statement)
        except BaseException:
            self.end("ROLLBACK")
            raise
        self.end("COMMIT")

    def tables(self) -> set[str]:
        rows = self.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        ).fetchall()
        return {row[0] for row in rows}

    def close(self) -> None:
        self.raw.close()
