"""docgen doctor names set-up faults in plain words."""

from __future__ import annotations

from docgen import doctor


def test_a_healthy_workspace_has_no_failure(ws):
    checks = doctor.diagnose(ws)
    assert {check.topic for check in checks} >= {"字体", "工作日历", "台账位置", "版本"}
    fonts = next(check for check in checks if check.topic == "字体")
    assert "黑体→Noto Sans CJK SC" in fonts.message or "黑体→SimHei" in fonts.message, fonts
    assert not [check for check in checks if check.status == "fail"], checks


def test_doctor_names_the_face_that_stands_in_for_fangsong_and_xiaobiaosong(ws):
    # GIVEN Debian's fonts (no Simplified Chinese FangSong, no 小标宋) and docgen's fontconfig aliases
    checks = {check.topic: check for check in doctor.diagnose(ws)}
    # THEN doctor says which face prints 仿宋 and 小标宋, in the PDFs and in Word documents LibreOffice prints
    pdf, word = checks["字体"].message, checks["Word 字体"].message
    if "仿宋→FangSong" not in pdf:
        assert "仿宋由 Noto Serif CJK SC（宋体字形）代替" in pdf and "小标宋由 Noto Serif CJK SC 粗体代替" in pdf
    assert "仿宋→" in word and "小标宋→" in word, word
    if "仿宋→Noto Serif CJK SC" in word:
        assert "仿宋由 Noto Serif CJK SC（宋体字形）代替" in word


def test_missing_cjk_fonts_and_a_ledger_on_a_share_are_failures(ws, monkeypatch):
    # GIVEN a machine where Typst finds no CJK face for 黑体 and 楷体 (only DejaVu is installed)
    monkeypatch.setattr(
        doctor,
        "_installed_font_roles",
        lambda: {
            "song": ["Noto Serif CJK SC"],
            "fangsong": ["Noto Serif CJK SC"],
            "hei": [],
            "kai": [],
            "title": ["Noto Serif CJK SC"],
        },
    )
    monkeypatch.setattr(doctor, "_network_filesystem", lambda path: "cifs")
    failures = {check.topic: check.message for check in doctor.diagnose(ws) if check.status == "fail"}
    assert "fonts-noto-cjk" in failures["字体"] and "黑体、楷体" in failures["字体"]
    assert "本机磁盘" in failures["台账位置"]


def test_a_broken_calendar_file_is_reported(ws):
    (ws.root / "calendar.toml").write_text('[years.2027]\nholidays = ["2027-13-01"]\n', encoding="utf-8")
    from docgen.workspace import Workspace

    checks = doctor.diagnose(Workspace.open(ws.root))
    assert any(check.status == "fail" and "2027-13-01" in check.message for check in checks)


def test_communities_in_the_ledger_without_a_delivery_date_are_named(ws, ledger, tmp_path):
    """CS-3.10.1: without its delivery date nobody can tell whether a community still needs weekly meetings."""
    from datetime import date, time

    from docgen import pipeline
    from docgen.workspace import Workspace, init_workspace
    from tests.conftest import register_line, write_register

    # GIVEN a workspace without a ledger: nothing to say about communities (and no ledger is created)
    fresh = init_workspace(tmp_path / "fresh")
    assert not [c for c in doctor.diagnose(fresh) if c.topic == "小区交付日期"]
    assert not fresh.ledger_path.exists()
    # GIVEN complaints in two communities and a delivery date for one of them
    pipeline.process_file(
        ws,
        ledger,
        write_register(
            ws.intake,
            [
                register_line(project="融侨锦江"),
                register_line(project="翠苑", customer="李四", received_time=time(9, 0)),
            ],
        ),
        date(2026, 11, 26),
    )
    (ws.root / "docgen.toml").write_text('[projects."翠苑"]\ndelivered = 2026-03-01\n', encoding="utf-8")
    # WHEN the doctor looks THEN the other one is named, with the clause and what to write
    [check] = [c for c in doctor.diagnose(Workspace.open(ws.root)) if c.topic == "小区交付日期"]
    assert check.status == "warn" and "融侨锦江" in check.message and "翠苑" not in check.message.split("例如")[0]
    assert "CS-3.10.1" in check.message and '[projects."融侨锦江"]' in check.message
    # AND once both are dated, it is fine
    (ws.root / "docgen.toml").write_text(
        '[projects."翠苑"]\ndelivered = 2026-03-01\n\n[projects."融侨锦江"]\ndelivered = 2025-06-30\n', encoding="utf-8"
    )
    [check] = [c for c in doctor.diagnose(Workspace.open(ws.root)) if c.topic == "小区交付日期"]
    assert check.status == "ok"
