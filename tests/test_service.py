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


def test_a_file_name_of_255_bytes_is_processed_and_its_outputs_get_shortened_names(ws):
    """The lock-file probe ``.~lock.<name>#`` of such a name is itself too long (ENAMETOOLONG): it
    crashed ``process`` and killed ``watch``."""
    import os
    from datetime import date

    from docgen.service import process_paths
    from tests.conftest import register_line, write_register

    name = "登记表" * 27 + "-" * 7 + ".xlsx"  # 255 bytes, the longest name the filesystem holds
    assert len(name.encode()) == 255
    rejected = "退回" * 41 + ".xlsx"  # 251 bytes, with an error: its rejected/ folder and 原件 too
    path = write_register(ws.intake, [register_line()], name=name)
    write_register(ws.intake, [register_line(phone="1")], name=rejected)
    assert not open_in_office(path) and sorted(p.name for p in pending(ws)) == sorted([name, rejected])
    outcomes = process_paths(ws, pending(ws), today=date(2026, 11, 26))
    assert sorted(o.status for o in outcomes) == ["accepted", "rejected"]
    written = [p for o in outcomes for p in o.outputs] + [str(p) for p in ws.archive.rglob("*") if p.is_file()]
    assert any("回执" in p for p in written) and any("原件-" in p for p in written) and len(written) > 4
    for output in written:
        assert all(len(part.encode()) <= 200 for part in os.path.normpath(output).split(os.sep)), output
    assert list(ws.intake.iterdir()) == [] and list(ws.spool.iterdir()) == []


def test_links_pipes_and_dangling_links_are_pending_folders_are_not(ws, tmp_path):
    import os

    target = tmp_path / "target.xlsx"
    target.write_bytes(b"PK")
    (ws.intake / "link.xlsx").symlink_to(target)
    (ws.intake / "dangling.xlsx").symlink_to(tmp_path / "gone.xlsx")
    (ws.intake / "dangling-without-extension").symlink_to(tmp_path / "gone")
    os.mkfifo(ws.intake / "pipe.xlsx")
    (ws.intake / "folder").mkdir()
    assert sorted(p.name for p in pending(ws)) == ["dangling-without-extension", "dangling.xlsx", "link.xlsx",
                                                   "pipe.xlsx"]


def test_every_special_entry_in_intake_gets_an_outcome_and_leaves_intake(ws, tmp_path):
    import os
    from datetime import date

    from docgen.service import process_paths

    (ws.intake / "dangling.xlsx").symlink_to(tmp_path / "gone.xlsx")
    os.mkfifo(ws.intake / "pipe.xlsx")
    outcomes = process_paths(ws, pending(ws), today=date(2026, 11, 26))
    assert [o.status for o in outcomes] == ["rejected", "rejected"]
    assert list(ws.intake.iterdir()) == [] and pending(ws) == []
    assert sorted(p.name.split("-", 2)[-1] for p in (ws.var / "refused").iterdir()) == ["dangling.xlsx", "pipe.xlsx"]
