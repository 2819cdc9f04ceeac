"""Writing a file so that a reader, or a crash, never sees half of it (docs/design.md §12).

The content goes to a temporary file in the target's folder (hidden by its leading dot, and so
ignored by the watcher), is fsynced, and replaces the target with one rename; the folder is fsynced
so the rename itself survives a power cut.

A temporary file is held under an exclusive ``flock`` while it is written. A kill leaves it behind
(``.tmp-…``, beside real outputs that a clerk or a test may count), so recovery removes every one
whose lock it can take: the lock is released by the kernel when its writer dies, so a file still
being written by a live process is never touched.

``mkstemp`` creates files readable by their owner only (0600); a clerk whose share maps to another
account could not open his own outbox. Every file written here gets the mode of a file created
normally (0666 less the umask: 0644 under 022), or the workspace's ``[paths] file_mode``.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import stat
import tempfile
import unicodedata
from pathlib import Path
from typing import BinaryIO, Callable, Iterable

TEMP_PREFIX = ".tmp-"  # docgen's own temporary files, and only those, are removed by recovery

_file_mode: int | None = None  # None: follow the umask


def use_file_mode(mode: int | str | None) -> int | None:
    """Set the mode of every file written from now on in this process (None: follow the umask);
    returns the previous setting. A workspace's ``[paths] file_mode`` is applied where docgen opens it."""
    global _file_mode
    previous, _file_mode = _file_mode, (int(mode, 8) if isinstance(mode, str) else mode)
    return previous


def _umask() -> int:
    # Read, not set: os.umask() can only be read by changing it, which races with other threads.
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    current = os.umask(0o022)
    os.umask(current)
    return current


def file_mode() -> int:
    """The mode a file docgen writes gets."""
    return _file_mode if _file_mode is not None else 0o666 & ~_umask()


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # a platform whose directories cannot be opened (Windows)
        return
    try:
        os.fsync(fd)
    except OSError:  # a filesystem that cannot sync a directory (some network shares): the rename still stands
        pass
    finally:
        os.close(fd)


def open_temporary(folder: Path, suffix: str = "") -> tuple[int, Path]:
    """A new temporary file in ``folder`` (its descriptor and path), locked while the descriptor is
    open so that recovery knows it is not an orphan, with the mode its final file should have."""
    handle, temp = tempfile.mkstemp(dir=folder, prefix=TEMP_PREFIX, suffix=suffix)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # a filesystem without locks: the workspace lock still keeps recovery away
        pass
    try:
        os.fchmod(handle, file_mode())
    except OSError:
        pass  # a share that ignores modes
    return handle, Path(temp)


def write_with(path: Path, write: Callable[[BinaryIO], object]) -> Path:
    """Call ``write`` with an open binary file; the result appears at ``path`` whole or not at all."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = open_temporary(path.parent, path.suffix)
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
            os.replace(temp, path)  # while still locked: recovery never sees an unlocked temp file half-written
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
    fsync_dir(path.parent)
    return path


def write_bytes(path: Path, data: bytes) -> Path:
    return write_with(path, lambda out: out.write(data))


def write_text(path: Path, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


def remove_orphans(folders: Iterable[Path]) -> list[Path]:
    """Remove the temporary files a killed docgen left in ``folders`` (recursively), and only those:
    docgen's own prefix, regular files, and none whose writer is still alive (it holds the lock)."""
    removed, seen = [], set()
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir() or folder.resolve() in seen:
            continue
        seen.add(folder.resolve())
        for parent, _, names in os.walk(folder):
            for name in names:
                if name.startswith(TEMP_PREFIX) and _orphan(Path(parent) / name):
                    removed.append(Path(parent) / name)
    return removed


def open_regular(path: Path) -> tuple[int, os.stat_result] | None:
    """Open ``path`` for reading only if it is a regular file, never following a symbolic link nor
    blocking on a pipe: ``lstat``, then ``open`` with ``O_NOFOLLOW | O_NONBLOCK``, then ``fstat`` of
    what was opened, which must be the very file ``lstat`` saw. Returns the descriptor (the caller
    closes it) and that ``fstat``; None for anything else (gone, a link, a pipe, a device, a folder,
    replaced meanwhile, unreadable)."""
    try:
        seen = os.lstat(path)
        if not stat.S_ISREG(seen.st_mode):
            return None
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        opened = os.fstat(handle)
        if stat.S_ISREG(opened.st_mode) and (opened.st_dev, opened.st_ino) == (seen.st_dev, seen.st_ino):
            return handle, opened
    except OSError:
        pass
    os.close(handle)
    return None


def _orphan(path: Path) -> bool:
    """Removes ``path`` if nobody is writing it; True when it was removed."""
    opened = open_regular(path)
    if opened is None:  # gone meanwhile, a symlink, a pipe, or unreadable: not ours to judge
        return False
    handle = opened[0]
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as failure:
            if failure.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return False  # its writer is alive
        os.unlink(path)  # still locked by us: no writer can have opened it since (a new one gets a new name)
        return True
    except FileNotFoundError:
        return False
    finally:
        os.close(handle)


_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f\u2028\u2029/\\:*?"<>|]+')


def _without_format_controls(text: str) -> str:
    """Drop invisible format characters (Unicode category Cf): the bidi overrides and isolates
    (U+202A–U+202E, U+2066–U+2069), which make ``登记表\u202excod.exe`` display as ``登记表exe.docx``,
    the marks U+200E/U+200F, zero-width characters and the byte-order mark."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def readable_name(name: str) -> str:
    """A file name as text that can be stored and printed (UTF-8, JSON, SQLite, a receipt).

    A name whose bytes are not UTF-8 reaches Python with each bad byte as a lone surrogate
    (``surrogateescape``), which no UTF-8 encoder accepts: a GBK-named ``登记.xlsx`` copied from an
    old Windows share once stopped the intake for good. Such bytes are read as GB18030 (a superset of
    GBK and GB2312, what Chinese Windows writes) when they are valid GB18030, so the clerk's name
    survives; otherwise each undecodable byte becomes U+FFFD."""
    name = str(name)
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        pass
    try:
        raw = os.fsencode(name)  # the bytes as they are on disk
    except UnicodeEncodeError:  # a surrogate that did not come from a file name
        return name.encode("utf-8", errors="replace").decode("utf-8")
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="replace")


def display_name(name: str) -> str:
    """A dropped file's name as a receipt or a terminal shows it: readable, without the invisible
    controls that would display it reversed (the ledger keeps the name exactly as dropped)."""
    return _without_format_controls(readable_name(name))


def safe_part(text: str, limit: int = 80) -> str:
    """Text a clerk typed (a project, a file name), made safe as one path component: no separators
    or characters Windows shares refuse, no invisible format or bidi controls, no leading dots, at
    most ``limit`` bytes of UTF-8; a name whose bytes are not UTF-8 is read by :func:`readable_name`."""
    cleaned = _UNSAFE.sub("_", display_name(text)).strip().lstrip(".").strip() or "_"
    encoded = cleaned.encode("utf-8")[:limit]
    return encoded.decode("utf-8", errors="ignore") or "_"


def safe_file_name(name: str, limit: int = 120) -> str:
    """A file name shortened on its stem, keeping its extension."""
    name = readable_name(name)
    stem, dot, suffix = name.rpartition(".")
    if not dot or len(suffix) > 10:
        return safe_part(name, limit)
    suffix = safe_part(suffix, 10)
    return f"{safe_part(stem, limit - len(suffix) - 1)}.{suffix}"
