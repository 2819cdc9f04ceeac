"""Writing a file so that a reader, or a crash, never sees half of it (DESIGN §6).

The content goes to a temporary file in the target's folder (hidden by its leading dot, and so
ignored by the watcher), is fsynced, and replaces the target with one rename; the folder is fsynced
so the rename itself survives a power cut.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # a platform whose directories cannot be opened (Windows)
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_with(path: Path, write: Callable[[BinaryIO], object]) -> Path:
    """Call ``write`` with an open binary file; the result appears at ``path`` whole or not at all."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
    fsync_dir(path.parent)
    return path


def write_bytes(path: Path, data: bytes) -> Path:
    return write_with(path, lambda out: out.write(data))


def write_text(path: Path, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def safe_part(text: str, limit: int = 80) -> str:
    """Text a clerk typed (a project, a file name), made safe as one path component: no separators
    or characters Windows shares refuse, no leading dots, at most ``limit`` bytes of UTF-8."""
    cleaned = _UNSAFE.sub("_", str(text)).strip().lstrip(".").strip() or "_"
    encoded = cleaned.encode("utf-8")[:limit]
    return encoded.decode("utf-8", errors="ignore") or "_"


def safe_file_name(name: str, limit: int = 120) -> str:
    """A file name shortened on its stem, keeping its extension."""
    stem, dot, suffix = str(name).rpartition(".")
    if not dot or len(suffix) > 10:
        return safe_part(name, limit)
    suffix = safe_part(suffix, 10)
    return f"{safe_part(stem, limit - len(suffix) - 1)}.{suffix}"
