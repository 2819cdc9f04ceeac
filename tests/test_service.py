"""Which files in intake/ are taken, and one run per workspace."""

from __future__ import annotations

import pytest

from docgen.service import exclusive, ignored, open_in_office, pending


@pytest.mark.parametrize(
    "name",
    [
        "~$登记表.xlsx",
        ".~lock.登记表.xlsx#",
        "~WRL0003.tmp",
        "a.tmp",
        "b.part",
        "c.filepart",
        "._登记表.xlsx",
        "Thumbs.db",
        "desktop.ini",
        ".DS_Store",
        "THUMBS.DB",
    ],
)
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
        second = subprocess.run(
            [sys.executable, "-m", "docgen.cli", "--workspace", str(ws.root), "process"],
            capture_output=True,
            text=True,
            timeout=60,
        )
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
    assert sorted(p.name for p in pending(ws)) == [
        "dangling-without-extension",
        "dangling.xlsx",
        "link.xlsx",
        "pipe.xlsx",
    ]


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


def test_a_bug_met_while_claiming_is_an_outcome_not_a_file_stuck_in_intake(ws, monkeypatch, caplog):
    """Runner.submit caught OSError only: any other exception in the claim (UnicodeEncodeError on a GBK
    file name) left the file in intake/, every `process` ended in a traceback and `watch` died."""
    from datetime import date

    from docgen import pipeline
    from docgen.service import Runner
    from tests.conftest import register_line, write_register

    def crash(source, spool, limits):
        raise UnicodeEncodeError("utf-8", "\udcb5", 0, 1, "surrogates not allowed")

    monkeypatch.setattr(pipeline, "_copy_into_spool", crash)
    path = write_register(ws.intake, [register_line()])
    content = path.read_bytes()
    runner = Runner(ws)
    try:
        outcome = runner.submit(path, date(2026, 11, 26)).result(timeout=60)
    finally:
        runner.close()
    assert outcome.status == "rejected" and outcome.internal_error
    assert [f.message for f in outcome.findings] == [pipeline.INTERNAL_ERROR]
    assert list(ws.intake.iterdir()) == [] and pending(ws) == [] and list(ws.spool.iterdir()) == []
    [kept] = (ws.var / "refused").iterdir()
    assert kept.read_bytes() == content and "UnicodeEncodeError" in caplog.text


def test_a_machine_fault_while_claiming_leaves_the_file_in_intake_for_later(ws, monkeypatch):
    import errno
    from datetime import date

    from docgen import pipeline
    from docgen.service import Runner, collect
    from tests.conftest import register_line, write_register

    def full(source, spool, limits):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pipeline, "_copy_into_spool", full)
    path = write_register(ws.intake, [register_line()])
    runner = Runner(ws)
    try:
        failures = []
        assert collect(path, runner.submit(path, date(2026, 11, 26)), failures) is None
    finally:
        runner.close()
    assert failures == [path] and pending(ws) == [path] and list(ws.spool.iterdir()) == []


def _write_for_ever(folder: str) -> None:
    """A worker in the middle of writing a document (its temporary file locked, its pid inside)."""
    import os
    import time
    from pathlib import Path

    from docgen.atomic import open_temporary

    handle, _ = open_temporary(Path(folder), ".docx")
    os.write(handle, str(os.getpid()).encode())
    time.sleep(600)


def test_workers_that_cannot_be_replaced_leave_the_claim_waiting_and_are_started_again_later(ws, monkeypatch, capsys):
    import os
    import signal
    import time
    from datetime import date

    from docgen import pipeline, service
    from docgen.service import Runner, WorkersUnavailable
    from tests.conftest import register_line, write_register

    monkeypatch.setattr(service, "FIRST_RESTART_SECONDS", 0.5)
    runner = Runner(ws, jobs=2)
    try:
        # GIVEN one worker in the middle of writing a document, and the other one killed
        runner.pool.submit(_write_for_ever, str(ws.outbox))
        deadline = time.monotonic() + 60
        while not (writing := list(ws.outbox.glob(".tmp-*"))) or not writing[0].read_bytes():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        busy = int(writing[0].read_bytes())
        os.kill(next(pid for pid in runner.pool._processes if pid != busy), signal.SIGKILL)
        while not runner.pool._broken:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        # AND docgen.toml edited into an invalid state meanwhile, so new workers cannot start
        (ws.root / "docgen.toml").write_text('[paths]\nfile_mode = "rw-r--r--"\n', encoding="utf-8")
        record = pipeline.claim(ws, write_register(ws.intake, [register_line()]))
        capsys.readouterr()
        # WHEN a claim is handed over, twice
        futures = [runner.resume(record, date(2026, 11, 26)) for _ in range(2)]
        # THEN nothing is raised (a watcher would die of it): the claim waits in the spool
        assert all(isinstance(f.exception(timeout=1), WorkersUnavailable) and f.claim == record for f in futures)
        assert record.sidecar.exists() and runner.pool is None
        # AND the operator is told once why, while the surviving worker was killed and its
        # temporary file removed, not left in outbox/ until the next start
        told = capsys.readouterr().err
        assert told.count("无法启动新的处理进程") == 1 and "file_mode" in told, told
        assert not os.path.exists(f"/proc/{busy}") or open(f"/proc/{busy}/stat").read().split()[2] == "Z"
        assert list(ws.outbox.glob(".tmp-*")) == []
        # AND once docgen.toml is right again, new workers are started on a later try and do the work
        (ws.root / "docgen.toml").unlink()
        time.sleep(0.6)
        outcome = runner.resume(record, date(2026, 11, 26)).result(timeout=120)
        assert outcome.status == "accepted" and not record.sidecar.exists()
        assert "处理进程已重新启动" in capsys.readouterr().err
    finally:
        runner.close()
