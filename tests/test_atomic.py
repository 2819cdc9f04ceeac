"""Whole files or nothing, and names that are safe to write."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from docgen import atomic
from docgen.atomic import open_temporary, remove_orphans, safe_file_name, safe_part, write_bytes, write_with
from docgen.workspace import Workspace, WorkspaceError
from tests.conftest import register_line, write_register


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = write_bytes(tmp_path / "a.txt", b"old")

    def fail_halfway(out):
        out.write(b"half")
        raise RuntimeError("disk gone")

    with pytest.raises(RuntimeError):
        write_with(target, fail_halfway)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


@pytest.mark.parametrize(
    "typed, safe",
    [
        ("../../etc/passwd", "_.._etc_passwd"),
        ("融侨外滩/二期", "融侨外滩_二期"),
        ('a:b*c?"d"<e>|f', "a_b_c_d_e_f"),
        ("...", "_"),
        ("", "_"),
    ],
)
def test_safe_part_removes_separators_and_leading_dots(typed, safe):
    assert safe_part(typed) == safe


def test_safe_names_are_cut_on_character_boundaries_and_keep_the_extension():
    long = "登记表" * 50
    assert len(safe_part(long, 80).encode()) <= 80 and safe_part(long, 80).startswith("登记表")
    name = safe_file_name(long + ".xlsx", 120)
    assert name.endswith(".xlsx") and len(name.encode()) <= 120


@pytest.mark.parametrize(
    "typed",
    [
        "登记表\u202excod.exe",
        "\u202b登记表\u202c.xlsx",
        "登\u200b记\u200d表\u2066.xlsx",
        "\ufeff登记表\u200f.xlsx",
        "登记表\u2067x\u2069.xlsx",
    ],
)
def test_bidi_and_other_invisible_format_characters_never_reach_a_file_name(typed):
    import unicodedata

    for safe in (safe_part(typed), safe_file_name(typed)):
        assert not [ch for ch in safe if unicodedata.category(ch) == "Cf"], ascii(safe)
    assert safe_file_name("登记表\u202excod.exe") == "登记表xcod.exe"


def test_recovery_removes_a_temporary_file_only_once_its_writer_is_gone(tmp_path):
    # GIVEN the temporary file of a writer that died (its descriptor, and so its lock, is gone)
    handle, orphan = open_temporary(tmp_path, ".xlsx")
    os.close(handle)
    # WHEN recovery looks while another write is under way
    found = []
    write_with(tmp_path / "live.docx", lambda out: found.append(remove_orphans([tmp_path])))
    # THEN it removed the orphan only, and the live write completed
    assert found == [[orphan]]
    assert [p.name for p in tmp_path.iterdir()] == ["live.docx"]


def test_open_regular_opens_a_regular_file_only_and_never_follows_a_link_or_blocks_on_a_pipe(tmp_path):
    from docgen.atomic import open_regular

    regular = write_bytes(tmp_path / "a.xlsx", b"bytes")
    (tmp_path / "link.xlsx").symlink_to(regular)
    os.mkfifo(tmp_path / "pipe.xlsx")
    (tmp_path / "folder").mkdir()
    for other in ("link.xlsx", "pipe.xlsx", "folder", "gone.xlsx"):
        assert open_regular(tmp_path / other) is None, other
    handle, found = open_regular(regular)
    try:
        assert os.read(handle, 10) == b"bytes" and found.st_ino == regular.stat().st_ino and found.st_size == 5
    finally:
        os.close(handle)


def test_recovery_and_the_claims_source_check_judge_files_by_one_helper(ws, monkeypatch):
    from docgen import pipeline

    # GIVEN a kill's temporary file and a claim whose original is still in intake/
    orphan = write_bytes(ws.outbox / "x.docx", b"half").rename(ws.outbox / ".tmp-x.docx")
    path = write_register(ws.intake, [register_line()])
    data = path.read_bytes()
    record = pipeline.claim(ws, path)
    path.write_bytes(data)
    # WHEN the helper refuses every file
    asked = []
    monkeypatch.setattr(atomic, "open_regular", lambda p: asked.append(Path(p).name))
    monkeypatch.setattr(pipeline, "open_regular", atomic.open_regular)
    # THEN neither removes the temporary file nor takes the original for the claimed bytes
    assert remove_orphans([ws.outbox]) == [] and orphan.exists()
    assert not record.source_is_this_drop()
    assert asked == [".tmp-x.docx", path.name]


@pytest.mark.parametrize("setting, expected", [(None, 0o644), ('"0640"', 0o640), ('"0o640"', 0o640)])
def test_every_file_docgen_writes_gets_the_umask_or_the_configured_mode(ws, tmp_path, monkeypatch, setting, expected):
    from docgen.cli import main

    monkeypatch.setattr(atomic, "_file_mode", None)  # the process-wide setting is restored afterwards
    if setting:
        (ws.root / "docgen.toml").write_text(f"[paths]\nfile_mode = {setting}\n", encoding="utf-8")
    # GIVEN a clerk's register and a broken file, created by the share's server as 0600
    for name, data in (
        ("登记表-权限.xlsx", write_register(tmp_path, [register_line()]).read_bytes()),
        ("坏文件.xlsx", b"not a workbook"),
    ):
        (ws.intake / name).write_bytes(data)
        os.chmod(ws.intake / name, 0o600)
    # AND the blank forms an earlier version wrote, 0600, whose content has not changed since
    from docgen.forms_io import write_blank_forms
    from docgen.steps import FORMS

    for form in write_blank_forms(ws):
        os.chmod(form, 0o600)
    assert len(list(ws.forms.iterdir())) == len(FORMS)
    old_umask = os.umask(0o022)
    try:
        # WHEN docgen writes forms, documents, receipts, rejections and archive copies
        assert main(["--workspace", str(ws.root), "forms"]) == 0
        assert main(["--workspace", str(ws.root), "process"]) == 1  # one rejection
    finally:
        os.umask(old_umask)
    # THEN every one of them has the umask's mode (0644 under 022), or the configured one
    written = {
        p.relative_to(ws.root): stat.S_IMODE(p.stat().st_mode)
        for folder in ("forms", "outbox", "rejected", "archive")
        for p in (ws.root / folder).rglob("*")
        if p.is_file()
    }
    kinds = {str(path).split("/")[0] for path in written} | {path.suffix for path in written}
    assert {"forms", "outbox", "rejected", "archive", ".docx", ".xlsx", ".txt"} <= kinds
    assert any("回执" in path.name for path in written) and any("原件-" in path.name for path in written)
    assert {path: mode for path, mode in written.items() if mode != expected} == {}


@pytest.mark.parametrize("typed", ['"rw-r-----"', '"0999"', '"0755"', '"0400"', "640"])
def test_a_file_mode_that_is_not_octal_read_write_bits_is_refused_naming_the_key(ws, typed):
    (ws.root / "docgen.toml").write_text(f"[paths]\nfile_mode = {typed}\n", encoding="utf-8")
    with pytest.raises(WorkspaceError, match="paths.file_mode"):
        Workspace.open(ws.root)


@pytest.mark.parametrize("typed", ["420", "0o644", "644"])
def test_a_file_mode_given_as_a_toml_integer_is_refused_not_read_as_some_mode(ws, typed):
    # 420 is 0o644 in decimal: once parsed, TOML cannot tell which the operator meant
    (ws.root / "docgen.toml").write_text(f"[paths]\nfile_mode = {typed}\n", encoding="utf-8")
    with pytest.raises(WorkspaceError, match='paths.file_mode.*请写成字符串，例如 file_mode = "0640"'):
        Workspace.open(ws.root)


def test_a_name_whose_bytes_are_not_utf8_keeps_its_chinese_or_gets_a_replacement():
    """A name listed from intake/ holds each byte that is not UTF-8 as a lone surrogate: encoding it to
    UTF-8 raised UnicodeEncodeError, which stopped the intake for good."""
    from docgen.atomic import readable_name

    gbk = os.fsdecode("登记.xlsx".encode("gbk"))  # as a Chinese Windows share writes it
    assert readable_name(gbk) == safe_file_name(gbk) == safe_part(gbk) == "登记.xlsx"
    latin1 = os.fsdecode(b"caf\xe9 r\xe9sum\xe9.xlsx")  # not GB18030 either
    for safe in (readable_name(latin1), safe_part(latin1), safe_file_name(latin1)):
        assert safe.encode("utf-8") and "\ufffd" in safe and safe.endswith(".xlsx"), ascii(safe)
    assert readable_name("登记表.xlsx") == "登记表.xlsx"  # a UTF-8 name is never touched
