"""The watcher decides only *when*: when a dropped file is ready, and when to try again a file whose
documents could not be written. The pipeline does the rest.

A file is ready when its size and modification time have stayed the same for ``settle_seconds``,
whatever events it sent: a writer's close is no proof that it is done (some programs write a file in
two passes, open–write–close and again, and the first close would hand over half a file). Events only
start the window again. A start-up scan and a periodic rescan catch whatever arrived while no event
could be seen (a network share, or a folder being polled).

A submission whose documents could not be written (``outbox/`` read-only, full, or gone for a moment)
stays in the spool, committed; the watcher tries it again 1, 2, 4 … seconds later, at most a minute
apart, until the documents exist, and ``docgen status`` says so meanwhile.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Callable

from watchdog.events import (
    FileAttribEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from docgen.atomic import write_text
from docgen.pipeline import Claim, Outcome, load_claim, spool_entries
from docgen.service import Runner, collect, ignored, open_in_office, pending, waiting_for_rename
from docgen.workspace import Workspace

log = logging.getLogger(__name__)

# An empty file has usually just been created, its bytes still to come; a truly empty drop is
# refused all the same, only a few seconds later.
EMPTY_FILE_SECONDS = 5.0


class StabilityTracker:
    def __init__(self, settle_seconds: float):
        self.settle = settle_seconds
        self.lock = threading.Lock()
        self.seen: dict[Path, tuple[tuple[int, int, int] | None, float]] = {}  # path → (signature, unchanged since)

    def saw(self, path: Path) -> None:
        """Something was written to ``path`` (or it was found): its window starts again."""
        with self.lock:
            signature, _ = self.seen.get(path, (None, 0.0))
            self.seen[path] = (signature, time.monotonic())

    def ready(self) -> list[Path]:
        now, done = time.monotonic(), []
        with self.lock:
            for path, (signature, since) in list(self.seen.items()):
                try:
                    status = os.lstat(path)  # a link is judged as itself (the claim refuses it), never followed
                except FileNotFoundError:
                    del self.seen[path]
                    continue
                current = (status.st_size, status.st_mtime_ns, status.st_ino)
                if current != signature:
                    self.seen[path] = (current, now)
                    continue
                window = self.settle if status.st_size else max(self.settle, EMPTY_FILE_SECONDS)
                if now - since >= window:
                    done.append(path)
                    del self.seen[path]
        return done


# What a writer does. Reads (ours included: the claim opens the file) and deletions are no reason to wait.
_WRITES = (FileCreatedEvent, FileModifiedEvent, FileClosedEvent, FileMovedEvent, FileAttribEvent)


class _Events(FileSystemEventHandler):
    def __init__(self, folder: Path, tracker: StabilityTracker):
        self.folder, self.tracker = folder.resolve(), tracker

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or not isinstance(event, _WRITES):
            return
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if not raw:
                continue
            path = Path(raw if isinstance(raw, str) else raw.decode())
            if path.parent.resolve() == self.folder and not ignored(path.name):
                self.tracker.saw(path)


# ------------------------------------------------------------ retrying unwritten documents

RETRY_NOTE = "retrying.json"  # in var/: why documents are waiting, for `docgen status` (another process)
FIRST_RETRY_SECONDS, MAX_RETRY_SECONDS = 1.0, 60.0

_ERRORS_ZH = {
    errno.ENOSPC: "磁盘已满",
    errno.EDQUOT: "超出磁盘配额",
    errno.EROFS: "只读文件系统",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.ENOTDIR: "不是文件夹",
    errno.EEXIST: "同名文件已存在",
    errno.EIO: "读写错误",
}


def _reason(ws: Workspace, failure: BaseException) -> str:
    """A clerk's reading of a failure: which folder, and what is wrong with it."""
    if isinstance(failure, OSError):
        known = _ERRORS_ZH.get(failure.errno) if failure.errno is not None else None
        what = known or failure.strerror or str(failure)
        try:
            folder = Path(os.path.abspath(failure.filename)).relative_to(ws.root).parts[0]
        except (TypeError, ValueError, IndexError):
            folder = None
        if folder:
            return f"{folder} 无法写入：{what}"
        return f"无法写入：{what}"
    return f"写出失败：{type(failure).__name__}: {failure}"


class Retries:
    """Spool entries to try again, each later than the last (1 s, 2 s, 4 s … at most 60 s)."""

    def __init__(self, ws: Workspace):
        self.ws = ws
        self.attempts: dict[str, int] = {}  # claim id → failed attempts, until its documents are written
        self.waiting: dict[str, tuple[float, Claim]] = {}  # claim id → (when to try, claim); not in flight
        self.reason: str | None = None

    def failed(self, record: Claim, failure: BaseException | None = None) -> float | None:
        """Schedule ``record`` again; the delay, or None when this claim has failed before (already told)."""
        attempts = self.attempts.get(record.id, 0) + 1
        self.attempts[record.id] = attempts
        delay = min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** (attempts - 1))
        self.waiting[record.id] = (time.monotonic() + delay, record)
        if failure is not None:
            self.reason = _reason(self.ws, failure)
        self._note()
        return delay if attempts == 1 else None

    def leftovers(self) -> None:
        """Entries recovery could not finish (it has said why): try them again while running."""
        for sidecar in spool_entries(self.ws):
            try:
                record = load_claim(sidecar)
            except (ValueError, TypeError, OSError):
                continue  # unreadable: recovery has logged it, and a retry could not read it either
            if record.id not in self.attempts:
                self.failed(record)

    def due(self) -> list[Claim]:
        now = time.monotonic()
        due = [record for at, record in self.waiting.values() if at <= now]
        for record in due:
            del self.waiting[record.id]
        return due

    def done(self, record: Claim | None) -> None:
        if record is not None and self.attempts.pop(record.id, None) is not None:
            self.waiting.pop(record.id, None)
            self._note()

    def _note(self) -> None:
        note = self.ws.var / RETRY_NOTE
        try:
            if self.attempts:
                write_text(
                    note,
                    json.dumps(
                        {"pid": os.getpid(), "reason": self.reason, "claims": len(self.attempts)}, ensure_ascii=False
                    ),
                )
            else:
                note.unlink(missing_ok=True)
        except OSError as failure:  # var/ on the same full disk: status then gives no reason
            log.warning("could not write %s: %r", note, failure)

    def close(self) -> None:
        """The watcher stops: nobody retries now (the next start recovers the spool)."""
        self.attempts.clear()
        self._note()


def retry_note(ws: Workspace) -> dict | None:
    """What a running watcher says about the documents it is retrying, or None (no watcher retrying)."""
    try:
        note = json.loads((ws.var / RETRY_NOTE).read_text(encoding="utf-8"))
        os.kill(int(note["pid"]), 0)
    except PermissionError:
        return note  # alive, another user's process
    except (OSError, ValueError, KeyError, TypeError):
        return None  # none, unreadable, or left by a watcher that was killed
    return note


# ------------------------------------------------------------ the loop


def _daily_warning(ws: Workspace, runner: Runner):
    """Once per office day, the 逾期预警 (what falls due next working day, what is late)."""
    from docgen.reports.weekly_docs import write_daily_warning

    today = ws.today()
    try:
        write_daily_warning(ws, runner.ledger, today)
    except Exception:  # a report must never stop the intake
        log.exception("writing the overdue warning for %s failed", today)
    return today


def watch(
    ws: Workspace,
    *,
    poll: float | None = None,
    jobs: int = 2,
    on_outcome: Callable[[Outcome], None] = lambda outcome: None,
    stop: threading.Event | None = None,
) -> None:
    stop = stop or threading.Event()
    settings = ws.settings.watch
    poll = poll if poll is not None else settings.poll_seconds
    ws.ensure_folders()
    runner = Runner(ws, jobs)  # workers start before the observer thread exists
    tracker = StabilityTracker(settings.settle_seconds)
    retries = Retries(ws)
    observer = PollingObserver(timeout=poll) if poll else Observer()
    observer.schedule(_Events(ws.intake, tracker), str(ws.intake), recursive=False)
    in_flight = []

    def finished(path: Path, future) -> None:
        if (outcome := collect(path, future, retry=retries.failed)) is not None:
            retries.done(getattr(future, "claim", None))
            on_outcome(outcome)

    try:
        for outcome in runner.recover():
            on_outcome(outcome)
        retries.leftovers()
        observer.start()
        for path in pending(ws):
            tracker.saw(path)
        next_rescan = time.monotonic() + settings.rescan_seconds
        warned_on = None
        while not stop.is_set():
            if warned_on != ws.today():
                warned_on = _daily_warning(ws, runner)
            for path in tracker.ready():
                if os.path.lexists(path) and not open_in_office(path) and not waiting_for_rename(path):
                    in_flight.append((path, runner.submit(path)))
                elif os.path.lexists(path):
                    tracker.saw(path)  # still open in Excel/WPS/LibreOffice, or about to be renamed
            for record in retries.due():
                in_flight.append((Path(record.source), runner.resume(record)))
            for path, future in [item for item in in_flight if item[1].done()]:
                in_flight.remove((path, future))
                finished(path, future)
            if time.monotonic() >= next_rescan:
                for path in pending(ws):
                    tracker.saw(path)
                next_rescan = time.monotonic() + settings.rescan_seconds
            stop.wait(min(0.05, poll or 0.05))
        for path, future in in_flight:
            if (last := collect(path, future)) is not None:
                on_outcome(last)
    finally:
        retries.close()
        # watchdog logs an ERROR when its emitter thread is stopped mid-read; nothing is wrong then.
        logging.getLogger("watchdog").setLevel(logging.CRITICAL)
        if observer.is_alive():
            observer.stop()
            observer.join(timeout=5)
        runner.close()
