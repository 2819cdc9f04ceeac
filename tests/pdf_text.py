"""Reading a PDF's text back in tests, as poppler lays it out (``pdftotext -layout``).

``-layout`` keeps a table row on one line, as it is printed (the default mode joins a hyphenated line
break, reading a wrapped ``KF-2026-`` / ``00005`` as ``KF-202600005``). A cell whose text wraps is then
printed piece by piece on consecutive lines, side by side with its neighbours' cells: :func:`printed`
finds a value so.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path


def pdftotext(pdf: Path, *args: str) -> str:
    """``pdftotext -layout [args] pdf -``."""
    return subprocess.run(
        ["pdftotext", "-layout", *args, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def printed(layout: str, value: str) -> bool:
    """Whether ``value`` (blanks ignored) is in the ``-layout`` text: on one line, or wrapped in its cell,
    a piece of it on each of consecutive lines, in order."""
    value = re.sub(r"\s+", "", value)
    lines = [re.sub(r"\s+", "", line) for line in layout.splitlines()]

    def from_line(index: int, rest: str) -> bool:
        if not rest:
            return True
        if index >= len(lines):
            return False
        return any(rest[:k] in lines[index] and from_line(index + 1, rest[k:]) for k in range(len(rest), 0, -1))

    first = min(len(value), 2)  # the value starts with at least two of its characters on its first line
    return any(
        value[:k] in line and from_line(index + 1, value[k:])
        for index, line in enumerate(lines)
        for k in range(len(value), first - 1, -1)
    )
