"""A throwaway PostgreSQL server for the tests (issue 15): no test mocks the database.

Debian's ``postgresql`` package (``make test`` installs it; stock Debian 12 gives 15) provides ``initdb``
and ``pg_ctl`` in /usr/lib/postgresql/<version>/bin. The cluster lives in a temporary folder owned by the
``postgres`` user, because the server refuses to run as root (the tests run as root in CI: the commands
go through ``runuser -u postgres --``; as any other user they run as that user). It listens on a unix
socket in that folder only (no TCP port to collide with), with ``trust`` authentication, and is stopped
and removed at the end of the session. Each test gets a database of its own (:func:`pg_url`).
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest


def server_bin() -> Path:
    """The newest installed PostgreSQL's bin folder."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if not found:
        pytest.fail("PostgreSQL 未安装：make test 会安装 Debian 的 postgresql 包（apt-get install postgresql）")
    return found[-1].parent


class Cluster:
    """``initdb`` + ``pg_ctl start`` in a temporary folder; :meth:`url` of a new database; :meth:`stop`."""

    def __init__(self) -> None:
        self.bin = server_bin()
        self.folder = Path(tempfile.mkdtemp(prefix="docgen-pg-", dir="/tmp"))
        self.data = self.folder / "data"
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.folder, "postgres", "postgres")
        os.chmod(self.folder, 0o755)
        self._names = itertools.count(1)
        self._run(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale", "--no-sync"
        )
        self.options = f"-k {self.folder} -c listen_addresses='' -c fsync=off -c max_connections=200"
        self.start()

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=self.folder)
        if done.returncode:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stdout}{done.stderr}{tail}")

    def base_url(self, database: str) -> str:
        return f"postgresql://postgres@/{database}?host={self.folder}"

    def url(self) -> str:
        """A new, empty database of its own."""
        import psycopg

        name = f"docgen_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.base_url("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.base_url(name)

    def start(self) -> None:
        log = str(self.folder / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-o", self.options, "-l", log, "-w", "start")

    def halt(self) -> None:
        """Stop the server at once: every connection dropped, as when its machine goes away."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def restart(self) -> None:
        self.halt()
        self.start()

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_cluster():
    cluster = Cluster()
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster) -> str:
    """The URL of a new, empty PostgreSQL database on the session's throwaway server."""
    return pg_cluster.url()
