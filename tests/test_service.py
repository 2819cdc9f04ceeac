"""Which files in intake/ are taken, and one run per workspace."""

from __future__ import annotations

import pytest

from docgen.service import exclusive, ignored, open_in_office, pending


@pytest.mark.parametrize("name", ["~$登记表.xlsx", ".~lock.登记表.xlsx#", "~WRL0003.tmp", "a.tmp", "b.part",
                                  "c.filepart", "._登记表.xlsx", "Thumbs.db", "desktop.ini", ".DS_Store", "THUMBS.DB"])
def test_office_and_system_leftovers_are_ignored(name):
    assert ignored(name)


def test_forms_are_not_ignored():
    assert not ignored("登记表.xlsx") and not ignored("勘察表.docx")


def test_a_form_open_in_excel_or_libreoffice_waits(ws):
    form = ws.intake / "登记表.xlsx"
    form.write_bytes(b"PK")
    assert pending(ws) == [form]
    (ws.intake / "~$登记表.xlsx").write_bytes(b"lock")
    assert open_in_office(form) and pending(ws) == []
    (ws.intake / "~$登记表.xlsx").unlink()
    (ws.intake / ".~lock.登记表.xlsx#").write_bytes(b"lock")
    assert pending(ws) == []


def test_a_second_run_on_the_same_workspace_is_refused(ws):
    import subprocess
    import sys

    with exclusive(ws):  # as a running `docgen watch` holds it
        second = subprocess.run([sys.executable, "-m", "docgen.cli", "--workspace", str(ws.root), "process"],
                                capture_output=True, text=True, timeout=60)
    assert second.returncode == 2 and "另一个 docgen 正在处理这个工作区" in second.stderr
