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


def test_after_a_pdf_render_workers_are_spawned_not_forked(ws):
    """Typst's state does not survive a fork: a watcher that already wrote a PDF (the daily 逾期预警)
    must start its workers afresh, and they still process files."""
    from datetime import date

    from docgen.render.pdf import render_pdf
    from docgen.service import Runner
    from tests.conftest import register_line, write_register
    from tests.test_render_pdf import sample_context

    # GIVEN this process has rendered a PDF
    render_pdf("sample_report.typ", sample_context(3), ws.root / "sample.pdf")
    # WHEN a runner with two workers starts THEN they are spawned, and a register is accepted by them
    runner = Runner(ws, jobs=2)
    try:
        assert runner.pool._mp_context.get_start_method() == "spawn"
        outcome = runner.submit(write_register(ws.intake, [register_line()]), date(2026, 11, 26)).result(timeout=120)
        assert outcome.status == "accepted"
    finally:
        runner.close()
