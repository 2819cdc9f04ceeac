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
import multiprocessing
import os
import signal
import stat
import sys
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Callable, Iterable, Iterator

from docgen.atomic import use_file_mode
from docgen.pipeline import Claim, Outcome, claim, process_claim, recover, remove_interrupted_writes, system_fault
from docgen.workspace import Workspace, WorkspaceError

log = logging.getLogger(__name__)

# Office, WPS, LibreOffice, macOS and Windows leave these beside the real files (docs/design.md §11).
IGNORED = (
    "~$*",
    ".~lock.*#",
    "~WRL*.tmp",
    "*.tmp",
    "*.part",
    "*.filepart",
    "._*",
    "Thumbs.db",
    "desktop.ini",
    ".DS_Store",
    ".*",
    "*.crdownload",
    "*.swp",
)


def ignored(name: str) -> bool:
    return any(
        fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(name.lower(), pattern.lower()) for pattern in IGNORED
    )


def open_in_office(path: Path) -> bool:
    """Excel/WPS keep ``~$name`` and LibreOffice ``.~lock.name#`` while the file is open for editing.

    ``os.path.lexists`` answers False for a lock name the filesystem cannot hold: the lock of a file
    whose name is 248–255 bytes long would be longer than 255 bytes (``ENAMETOOLONG``), so no program
    can have created it."""
    folder = path.parent
    return any(
        os.path.lexists(folder / lock) for lock in (f"~${path.name[2:]}", f"~${path.name}", f".~lock.{path.name}#")
    )


# Excel saves to a temporary name without an extension and then renames it; such a file is taken
# only once it has stayed unchanged this long (so a stray file still ends in a clean rejection).
NO_EXTENSION_GRACE_SECONDS = 60


def waiting_for_rename(path: Path) -> bool:
    """A regular file without an extension, changed less than a minute ago. Never follows a link:
    links and other special files are taken at once (and refused by the claim)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return True
    return stat.S_ISREG(st.st_mode) and not path.suffix and time.time() - st.st_mtime < NO_EXTENSION_GRACE_SECONDS


def pending(ws: Workspace) -> list[Path]:
    """Entries waiting in intake/ (top level), oldest first: every entry but folders, looked at with
    ``lstat`` so that symbolic links (even dangling ones), pipes and devices are listed too; the
    claim refuses them and moves them aside, so none stays in intake/ without an outcome."""
    if not ws.intake.exists():
        return []
    found = []
    for entry in ws.intake.iterdir():
        if ignored(entry.name):
            continue
        try:
            st = os.lstat(entry)
        except FileNotFoundError:
            continue
        if stat.S_ISDIR(st.st_mode) or open_in_office(entry) or waiting_for_rename(entry):
            continue
        found.append((st.st_mtime, entry.name, entry))
    return [entry for _, _, entry in sorted(found)]


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
    # Stopping the service (SIGTERM to the whole group) lets a worker finish its file; the parent's
    # own shutdown ends it. (A broken pool's survivors are killed by the Runner: see _end_broken.)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    ws = Workspace.open(Path(root))
    use_file_mode(ws.settings.paths.file_mode)  # a spawned worker starts without the parent's setting
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
        use_file_mode(ws.settings.paths.file_mode)  # documents, receipts and archive copies alike
        self.ledger = ws.open_ledger()
        self.jobs = jobs
        self.pool: ProcessPoolExecutor | None = None
        # New workers that could not be started: how often in a row, when to try next, and why.
        self.start_failures, self.next_start = 0, 0.0
        self.start_failure: Exception | None = None
        self.worker_pids: set[int] = set()
        if jobs > 1:
            # Start every worker now, before any thread (the watcher's) exists in this process.
            self.pool = self._start_pool(_worker_context())

    def _start_pool(self, context) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(
            max_workers=self.jobs, initializer=_init_worker, initargs=(str(self.ws.root),), mp_context=context
        )
        try:
            list(pool.map(_ready, range(self.jobs * 2)))
        except BaseException:  # a worker could not start: end the others, leave no pool half alive
            _kill_workers(pool)
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        # The workers' pids, kept: a broken pool forgets its processes while they are still ending.
        self.worker_pids = set((getattr(pool, "_processes", None) or {}).keys())
        return pool

    def close(self) -> None:
        if self.pool:
            self._end_broken()
            self.pool.shutdown(wait=True)
        self.ledger.close()

    def _end_broken(self) -> None:
        """When a worker has died the pool ends the others with SIGTERM, which they ignore, and waits
        for them for ever (the watcher could then never stop): kill them; their work is in the spool."""
        if self.pool is not None and getattr(self.pool, "_broken", False):
            _kill_workers(self.pool)

    def recover(self) -> list[Outcome]:
        return recover(self.ws, self.ledger)

    def submit(self, path: Path, today: date | None = None) -> Future:
        try:
            record = claim(self.ws, path)
        except Exception as failure:
            # Whatever this file or its name runs into, claim() turns into a refusal, so it gets an outcome
            # like any other (a bug there once stopped the intake for good: every `process` a traceback,
            # `watch` dead). What still reaches here keeps the original in intake/, taken again later: a
            # file taken back by its sender (FileNotFoundError), one still being written, the machine
            # (system_fault), or a refusal that failed itself; never raised, so the run goes on.
            if not isinstance(failure, FileNotFoundError) and not system_fault(failure):
                log.exception("claiming %s failed", path.name)
            return _failed(failure)
        return self.resume(record, today)

    def resume(self, record: Claim, today: date | None = None) -> Future:
        """Process a claimed file, or finish one whose documents could not be written yet. The
        future carries the claim (``future.claim``): its spool entry stays until the documents exist,
        and the watcher tries it again should this attempt fail."""
        future: Future[Outcome]
        if self.jobs > 1:
            future = self._to_pool(record, today)
        else:
            future = Future()
            try:
                future.set_result(process_claim(self.ws, self.ledger, record, today))
            except BaseException as failure:  # keep the run going; the spool entry stays for recovery
                future.set_exception(failure)
        # An attribute of our own on the stdlib's Future (pool.submit makes it, so no subclass), which
        # declares no such attribute: set with setattr, read back with getattr (collect, watch).
        setattr(future, "claim", record)  # noqa: B010
        return future

    def _to_pool(self, record: Claim, today: date | None) -> Future:
        if self.pool is not None:
            try:
                return self.pool.submit(_work, record, today)
            except BrokenProcessPool:
                # A worker died (killed, out of memory) and the pool takes no more work: without new
                # workers every later file would fail.
                log.warning("a worker process died; starting new workers")
                self._discard_pool()
        if time.monotonic() >= self.next_start:
            try:
                return self._restart_pool().submit(_work, record, today)
            except Exception as failure:  # never raised: the watcher would die of it
                self._restart_failed(failure)
        # The claim stays in the spool; the watcher tries it again, `process` leaves it to the next run.
        why = self.start_failure
        return _failed(WorkersUnavailable(f"处理进程未能启动（{type(why).__name__}: {why}）"))

    def _discard_pool(self) -> None:
        """End a broken pool. Its surviving workers are killed, perhaps in the middle of writing a
        document (their claims stay in the spool and are done again); the temporary files they were
        writing are removed once they are dead, not left in outbox/ and archive/ until a restart."""
        pool, self.pool = self.pool, None
        if pool is not None:
            _kill_workers(pool, self.worker_pids)
            pool.shutdown(wait=False, cancel_futures=True)
        remove_interrupted_writes(self.ws)

    def _restart_pool(self) -> ProcessPoolExecutor:
        # docgen.toml may have been edited since the start: every new worker would fail on it, so read
        # it here first and say what is wrong. Spawned, not forked: this process has threads now.
        Workspace.open(self.ws.root)
        self.pool = self._start_pool(multiprocessing.get_context("spawn"))
        if self.start_failures:
            log.warning("new worker processes started after %d failed attempts", self.start_failures)
            print("处理进程已重新启动；保留在 var/spool 中的文件将继续处理", file=sys.stderr, flush=True)
        self.start_failures, self.next_start, self.start_failure = 0, 0.0, None
        return self.pool

    def _restart_failed(self, failure: Exception) -> None:
        """Try again later, each time a little later (1, 2, 4 … 60 s); the operator is told once."""
        self.start_failures += 1
        delay = min(MAX_RESTART_SECONDS, FIRST_RESTART_SECONDS * 2 ** (self.start_failures - 1))
        self.next_start, self.start_failure = time.monotonic() + delay, failure
        if self.start_failures > 1:
            log.warning("starting new worker processes failed again: %r", failure)
            return
        log.error("starting new worker processes failed", exc_info=failure)
        print(
            f"无法启动新的处理进程（{type(failure).__name__}: {failure}）；docgen 仍在运行，收到的文件保留在 "
            f"var/spool 中，稍后自动重试启动（间隔逐渐加长，最长 {MAX_RESTART_SECONDS:.0f} 秒）。"
            "如刚修改过 docgen.toml，请检查并改正",
            file=sys.stderr,
            flush=True,
        )


# New workers that could not be started are tried again this much later, doubling each time.
FIRST_RESTART_SECONDS, MAX_RESTART_SECONDS = 1.0, 60.0


class WorkersUnavailable(RuntimeError):
    """No worker processes to give a claim to: they died and new ones could not be started yet."""


def _kill_workers(pool: ProcessPoolExecutor, known: Iterable[int] = ()) -> None:
    """SIGKILL every worker of ``pool`` and wait until each is dead: only then are its files closed
    and the locks on its temporary files released (see :func:`docgen.atomic.remove_orphans`). ``known``:
    the pids the pool had when it started; a broken pool drops its processes from its table while they are
    still ending, and a temporary file of one still alive would be left behind."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        try:
            process.kill()
        except (OSError, ValueError):  # already gone, or its handle closed: nothing left to stop
            pass
    pids = {process.pid for process in processes} | {pid for pid in known if _our_child(pid)}
    for pid in pids - {process.pid for process in processes}:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:  # gone meanwhile
            pass
    deadline = time.monotonic() + 10
    for pid in pids:
        while not _dead(pid) and time.monotonic() < deadline:
            time.sleep(0.01)


def _our_child(pid: int) -> bool:
    """Whether ``pid`` is still a child of this process (a pid is never signalled once it may be reused)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as status:
            return int(status.read().rsplit(b")", 1)[1].split()[1]) == os.getpid()
    except (OSError, IndexError, ValueError):
        return False


def _dead(pid: int | None) -> bool:
    """Whether every thread of ``pid`` has exited, so that its files are closed and its locks released.
    A killed process's main thread turns zombie before its other threads have finished exiting, and the
    files they share close only with the last of them (a worker's temporary file was once still locked
    after its zombie was seen); a reaped process is gone (the pool reaps its own)."""
    if pid is None:
        return True
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return True
    for thread in threads:
        try:
            with open(f"/proc/{pid}/task/{thread}/stat", "rb") as status:
                state = status.read().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue  # this thread is gone
        if state not in (b"Z", b"X"):
            return False
    return True


def _failed(failure: BaseException) -> Future:
    future: Future = Future()
    future.set_exception(failure)
    return future


def collect(
    path: Path,
    future: Future,
    failures: list[Path] | None = None,
    retry: Callable[[Claim, BaseException], float | None] | None = None,
) -> Outcome | None:
    """The outcome of one file, or None after telling the operator why there is none yet.

    A failure here is the system's (a full disk, a broken template), not the sender's: the claim
    stays in the spool, so the next start finishes it; nothing is lost and the run goes on. A
    watcher passes ``retry``, which schedules the claim again and says in how many seconds (None
    when it has already said so for this claim: a fault lasting minutes is told once, not every try).
    """
    record: Claim | None = getattr(future, "claim", None)
    try:
        return future.result()
    except Exception as failure:
        if record is None and isinstance(failure, FileNotFoundError):
            return None  # the sender took the file back before it was claimed: nothing to do
        if retry is not None and record is not None and Path(record.spool).exists() and record.sidecar.exists():
            delay = retry(record, failure)
            if delay is None:
                log.warning("processing %s failed again: %r", record.name, failure)
            else:
                log.exception("processing %s failed", record.name)
                print(
                    f"处理 {record.name} 时出现系统错误（{type(failure).__name__}: {failure}）；"
                    f"文件已保留在 var/spool，约 {delay:.0f} 秒后自动重试，直到写出为止",
                    file=sys.stderr,
                    flush=True,
                )
            return None
        log.exception("processing %s failed", path.name)
        where = "仍在 intake 文件夹中" if path.exists() else "已保留在 var/spool"
        print(
            f"处理 {path.name} 时出现系统错误（{type(failure).__name__}: {failure}）；"
            f"文件{where}，下次运行 docgen 时会重新处理",
            file=sys.stderr,
            flush=True,
        )
        if failures is not None:
            failures.append(path)
        return None


def process_paths(
    ws: Workspace,
    paths: Iterable[Path],
    *,
    jobs: int = 1,
    today: date | None = None,
    on_outcome: Callable[[Outcome], None] = lambda outcome: None,
    failures: list[Path] | None = None,
) -> list[Outcome]:
    outcomes: list[Outcome] = []
    runner = Runner(ws, jobs)
    try:
        for recovered in runner.recover():
            outcomes.append(recovered)
            on_outcome(recovered)
        futures = [(path, runner.submit(path, today)) for path in paths]
        for path, future in futures:
            outcome = collect(path, future, failures)
            if outcome is not None:
                outcomes.append(outcome)
                on_outcome(outcome)
    finally:
        runner.close()
    return outcomes
