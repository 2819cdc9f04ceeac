"""Running the pipeline over many files: which files are ready, one run at a time, both cores.

The main process claims files (quick: a copy and a move) one after another, so no two workers ever
race for one dropped file; workers examine, record and render. Each worker has its own ledger
connection; SQLite's ``BEGIN IMMEDIATE`` serialises the short recording step.
"""

from __future__ import annotations

import ctypes
import fcntl
import fnmatch
import logging
import os
import signal
import sys
import time
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Callable, Iterable, Iterator

from docgen.pipeline import Claim, Outcome, claim, process_claim, recover
from docgen.workspace import Workspace, WorkspaceError

log = logging.getLogger(__name__)

# Office, WPS, LibreOffice, macOS and Windows leave these beside the real files (DESIGN §6).
IGNORED = ("~$*", ".~lock.*#", "~WRL*.tmp", "*.tmp", "*.part", "*.filepart", "._*", "Thumbs.db",
           "desktop.ini", ".DS_Store", ".*", "*.crdownload", "*.swp")


def ignored(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(name.lower(), pattern.lower())
               for pattern in IGNORED)


def open_in_office(path: Path) -> bool:
    """Excel/WPS keep ``~$name`` and LibreOffice ``.~lock.name#`` while the file is open for editing."""
    folder = path.parent
    return ((folder / f"~${path.name[2:]}").exists() or (folder / f"~${path.name}").exists()
            or (folder / f".~lock.{path.name}#").exists())


# Excel saves to a temporary name without an extension and then renames it; such a file is taken
# only once it has stayed unchanged this long (so a stray file still ends in a clean rejection).
NO_EXTENSION_GRACE_SECONDS = 60


def waiting_for_rename(path: Path) -> bool:
    try:
        return not path.suffix and time.time() - path.stat().st_mtime < NO_EXTENSION_GRACE_SECONDS
    except FileNotFoundError:
        return True


def pending(ws: Workspace) -> list[Path]:
    """Files waiting in intake/ (top level), oldest first."""
    if not ws.intake.exists():
        return []
    files = [p for p in ws.intake.iterdir()
             if p.is_file() and not ignored(p.name) and not open_in_office(p) and not waiting_for_rename(p)]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))


@contextmanager
def exclusive(ws: Workspace) -> Iterator[None]:
    """One docgen run per workspace: a second one would claim the same files."""
    ws.var.mkdir(parents=True, exist_ok=True)
    handle = open(ws.var / "docgen.lock", "a+")
    try:
        fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise WorkspaceError(f"另一个 docgen 正在处理这个工作区（{ws.root}）；请等它结束后再运行") from None
    try:
        yield
    finally:
        fcntl.lockf(handle, fcntl.LOCK_UN)
        handle.close()


# ------------------------------------------------------------ workers

_worker: dict = {}


def _die_with_parent() -> None:
    # A worker must not outlive a killed watcher: it could otherwise finish a claim the restarted
    # watcher is finishing too (harmless, but confusing in the logs).
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _init_worker(root: str) -> None:
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    ws = Workspace.open(Path(root))
    _worker["ws"], _worker["ledger"] = ws, ws.open_ledger()


def _work(record: Claim, today: date | None) -> Outcome:
    return process_claim(_worker["ws"], _worker["ledger"], record, today)


def _ready(_: int) -> int:
    return os.getpid()


def _worker_context():
    """fork (fast, the stack already imported) unless this process has rendered a PDF: Typst's global
    state does not survive a fork (a forked render hangs), so workers are then spawned afresh."""
    import multiprocessing
    import sys

    pdf = sys.modules.get("docgen.render.pdf")
    return multiprocessing.get_context("spawn" if pdf is not None and pdf.rendered_in_this_process() else "fork")


class Runner:
    """Processes claims in-process (jobs=1) or on a pool of worker processes."""

    def __init__(self, ws: Workspace, jobs: int = 1):
        self.ws = ws
        self.ledger = ws.open_ledger()
        self.pool = None
        if jobs > 1:
            self.pool = ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(str(ws.root),),
                                            mp_context=_worker_context())
            # Start every worker now, before any thread (the watcher's) exists in this process.
            list(self.pool.map(_ready, range(jobs * 2)))

    def close(self) -> None:
        if self.pool:
            self.pool.shutdown(wait=True)
        self.ledger.close()

    def recover(self) -> list[Outcome]:
        return recover(self.ws, self.ledger)

    def submit(self, path: Path, today: date | None = None) -> Future:
        try:
            record = claim(self.ws, path)
        except FileNotFoundError as gone:  # taken back by its sender before we got to it
            return _failed(gone)
        except OSError as failure:  # the original stays in intake/ and is tried again later
            return _failed(failure)
        if self.pool is not None:
            return self.pool.submit(_work, record, today)
        future: Future = Future()
        try:
            future.set_result(process_claim(self.ws, self.ledger, record, today))
        except BaseException as failure:  # keep the run going; the spool entry stays for recovery
            future.set_exception(failure)
        return future


def _failed(failure: BaseException) -> Future:
    future: Future = Future()
    future.set_exception(failure)
    return future


def collect(path: Path, future: Future, failures: list[Path] | None = None) -> Outcome | None:
    """The outcome of one file, or None after telling the operator why there is none yet.

    A failure here is the system's (a full disk, a broken template), not the sender's: the claim
    stays in the spool, so the next start finishes it; nothing is lost and the run goes on.
    """
    try:
        return future.result()
    except FileNotFoundError:
        return None  # the sender took the file back before it was claimed: nothing to do
    except Exception as failure:
        log.exception("processing %s failed", path.name)
        where = "仍在 intake 文件夹中" if path.exists() else "已保留在 var/spool"
        print(f"处理 {path.name} 时出现系统错误（{type(failure).__name__}: {failure}）；"
              f"文件{where}，下次运行 docgen 时会重新处理", file=sys.stderr, flush=True)
        if failures is not None:
            failures.append(path)
        return None


def process_paths(ws: Workspace, paths: Iterable[Path], *, jobs: int = 1, today: date | None = None,
                  on_outcome: Callable[[Outcome], None] = lambda outcome: None,
                  failures: list[Path] | None = None) -> list[Outcome]:
    outcomes: list[Outcome] = []
    runner = Runner(ws, jobs)
    try:
        for outcome in runner.recover():
            outcomes.append(outcome)
            on_outcome(outcome)
        futures = [(path, runner.submit(path, today)) for path in paths]
        for path, future in futures:
            outcome = collect(path, future, failures)
            if outcome is not None:
                outcomes.append(outcome)
                on_outcome(outcome)
    finally:
        runner.close()
    return outcomes
