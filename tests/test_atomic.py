"""Whole files or nothing, and names that are safe to write."""

from __future__ import annotations

import pytest

from docgen.atomic import safe_file_name, safe_part, write_bytes, write_with


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = write_bytes(tmp_path / "a.txt", b"old")

    def fail_halfway(out):
        out.write(b"half")
        raise RuntimeError("disk gone")

    with pytest.raises(RuntimeError):
        write_with(target, fail_halfway)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


@pytest.mark.parametrize("typed, safe", [
    ("../../etc/passwd", "_.._etc_passwd"),
    ("融侨外滩/二期", "融侨外滩_二期"),
    ('a:b*c?"d"<e>|f', "a_b_c_d_e_f"),
    ("...", "_"),
    ("", "_"),
])
def test_safe_part_removes_separators_and_leading_dots(typed, safe):
    assert safe_part(typed) == safe


def test_safe_names_are_cut_on_character_boundaries_and_keep_the_extension():
    long = "登记表" * 50
    assert len(safe_part(long, 80).encode()) <= 80 and safe_part(long, 80).startswith("登记表")
    name = safe_file_name(long + ".xlsx", 120)
    assert name.endswith(".xlsx") and len(name.encode()) <= 120
