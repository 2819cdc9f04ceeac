"""Writing the blank forms of every definition into the workspace ``forms/`` folder."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from lxml import etree

from docgen.atomic import file_mode, open_temporary
from docgen.office.xlsx import build_workbook
from docgen.steps import FORMS
from docgen.workspace import Workspace

VOLATILE_MEMBERS = {"docProps/core.xml"}  # creation and modification timestamps


def canonical_xml(data: bytes) -> bytes:
    return etree.tostring(etree.fromstring(data), method="c14n")


def differing_members(old: Path, new: Path) -> dict[str, tuple[bytes, bytes]]:
    """Package members whose canonical XML differs (a missing member compares as empty)."""
    with zipfile.ZipFile(old) as before, zipfile.ZipFile(new) as after:
        names = (set(before.namelist()) | set(after.namelist())) - VOLATILE_MEMBERS
        differing = {}
        for name in sorted(names):
            a = canonical_xml(before.read(name)) if name in before.namelist() else b""
            b = canonical_xml(after.read(name)) if name in after.namelist() else b""
            if a != b:
                differing[name] = (a, b)
        return differing


def write_blank_forms(ws: Workspace) -> list[Path]:
    """Write each blank form, leaving a file's content untouched when only its timestamps would
    change (so a checkout's committed forms/ stays clean after ``make run``); its mode is corrected
    all the same. Returns the forms whose content was written."""
    ws.forms.mkdir(parents=True, exist_ok=True)
    written = []
    for form in FORMS.values():
        target = ws.forms / form.file_name
        # Locked while open (so recovery leaves it alone) and with the mode a shared form needs.
        handle, temp = open_temporary(ws.forms, ".xlsx")
        with os.fdopen(handle, "w+b") as out:
            try:
                build_workbook(form, None, (), paper=ws.settings.forms.paper).save(out)
                out.flush()
                if target.exists() and not differing_members(target, temp):
                    _give_mode(target)  # a form an earlier version wrote stays 0600 unless told
                    continue
                os.fsync(out.fileno())
                os.replace(temp, target)
            finally:
                temp.unlink(missing_ok=True)
        written.append(target)
    return written


def _give_mode(target: Path) -> None:
    """A form left untouched still gets the mode every file docgen writes has: those written by an
    earlier version (``mkstemp``'s 0600) could not be opened by a clerk whose share maps to another
    account."""
    try:
        if (os.stat(target).st_mode & 0o7777) != file_mode():
            os.chmod(target, file_mode())
    except OSError:  # a share that ignores modes
        pass
