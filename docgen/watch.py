"""The watcher decides only *when* a dropped file is ready; the pipeline does the rest.

A file is ready when its writer has closed it (inotify ``IN_CLOSE_WRITE``) and it has not changed
since, or, where no close event exists (a ``mv`` into the folder, polling on a network share), when
its size and modification time have stayed the same for ``settle_seconds``. A start-up scan and a
periodic rescan catch whatever arrived while no event could be seen.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Callable

from watchdog.events import FileClosedEvent, FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from docgen.pipeline import Outcome
from docgen.service import Runner, collect, ignored, open_in_office, pending, waiting_for_rename
from docgen.workspace import Workspace

log = logging.getLogger(__name__)


class StabilityTracker:
    def __init__(self, settle_seconds: float):
        self.settle = settle_seconds
        self.lock = threading.Lock()
        self.seen: dict[Path, tuple[tuple[int, int] | None, float, bool]] = {}

    def saw(self, path: Path, closed: bool = False) -> None:
        with self.lock:
            signature, changed, _ = self.seen.get(path, (None, time.monotonic(), False))
            self.seen[path] = (signature, changed, closed)  # any later write clears "closed"

    def ready(self) -> list[Path]:
        now, done = time.monotonic(), []
        with self.lock:
            for path, (signature, changed, closed) in list(self.seen.items()):
                try:
                    stat = path.stat()
                except FileNotFoundError:
                    del self.seen[path]
                    continue
                current = (stat.st_size, stat.st_mtime_ns)
                if current != signature:
                    # Changed since we last looked: ready at once only if the writer said it closed.
                    self.seen[path] = (current, now, closed)
                    continue
                if (closed and stat.st_size > 0) or now - changed >= self.settle:
                    done.append(path)
                    del self.seen[path]
        return done


class _Events(FileSystemEventHandler):
    def __init__(self, folder: Path, tracker: StabilityTracker):
        self.folder, self.tracker = folder.resolve(), tracker

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory:
            return
        # A file renamed into the folder is complete (a rename is atomic), like one whose writer closed it.
        for raw, complete in ((event.src_path, isinstance(event, FileClosedEvent)),
                              (getattr(event, "dest_path", ""), True)):
            if not raw:
                continue
            path = Path(raw if isinstance(raw, str) else raw.decode())
            if path.parent.resolve() == self.folder and not ignored(path.name):
                self.tracker.saw(path, closed=complete)


def _daily_warning(ws: Workspace, runner: Runner):
    """Once per office day, the 逾期预警 (what falls due next working day, what is late)."""
    from docgen.reports.weekly_docs import write_daily_warning

    today = ws.today()
    try:
        write_daily_warning(ws, runner.ledger, today)
    except Exception:  # a report must never stop the intake
        log.exception("writing the overdue warning for %s failed", today)
    return today


def watch(ws: Workspace, *, poll: float | None = None, jobs: int = 2,
          on_outcome: Callable[[Outcome], None] = lambda outcome: None,
          stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()
    settings = ws.settings.watch
    poll = poll if poll is not None else settings.poll_seconds
    ws.ensure_folders()
    runner = Runner(ws, jobs)  # workers start before the observer thread exists
    tracker = StabilityTracker(settings.settle_seconds)
    observer = PollingObserver(timeout=poll) if poll else Observer()
    observer.schedule(_Events(ws.intake, tracker), str(ws.intake), recursive=False)
    in_flight = []
    try:
        for outcome in runner.recover():
            on_outcome(outcome)
        observer.start()
        for path in pending(ws):
            tracker.saw(path)
        next_rescan = time.monotonic() + settings.rescan_seconds
        warned_on = None
        while not stop.is_set():
            if warned_on != ws.today():
                warned_on = _daily_warning(ws, runner)
            for path in tracker.ready():
                if path.exists() and not open_in_office(path) and not waiting_for_rename(path):
                    in_flight.append((path, runner.submit(path)))
                elif path.exists():
                    tracker.saw(path)  # still open in Excel/WPS/LibreOffice, or about to be renamed
            for path, future in [item for item in in_flight if item[1].done()]:
                in_flight.remove((path, future))
                if (outcome := collect(path, future)) is not None:
                    on_outcome(outcome)
            if time.monotonic() >= next_rescan:
                for path in pending(ws):
                    tracker.saw(path)
                next_rescan = time.monotonic() + settings.rescan_seconds
            stop.wait(min(0.05, poll or 0.05))
        for path, future in in_flight:
            if (outcome := collect(path, future)) is not None:
                on_outcome(outcome)
    finally:
        # watchdog logs an ERROR when its emitter thread is stopped mid-read; nothing is wrong then.
        logging.getLogger("watchdog").setLevel(logging.CRITICAL)
        if observer.is_alive():
            observer.stop()
            observer.join(timeout=5)
        runner.close()
