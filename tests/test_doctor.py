"""docgen doctor names set-up faults in plain words."""

from __future__ import annotations

from docgen import doctor


def test_a_healthy_workspace_has_no_failure(ws):
    checks = doctor.diagnose(ws)
    assert {check.topic for check in checks} >= {"字体", "字体子集", "工作日历", "台账位置", "版本"}
    assert not [check for check in checks if check.status == "fail"], checks


def test_missing_cjk_fonts_and_a_ledger_on_a_share_are_failures(ws, monkeypatch):
    monkeypatch.setattr(doctor.subprocess, "run", lambda *a, **k: type("R", (), {"stdout": "DejaVu Sans\n"})())
    monkeypatch.setattr(doctor, "_network_filesystem", lambda path: "cifs")
    failures = {check.topic: check.message for check in doctor.diagnose(ws) if check.status == "fail"}
    assert "fonts-noto-cjk" in failures["字体"] and "本机磁盘" in failures["台账位置"]


def test_a_broken_calendar_file_is_reported(ws):
    (ws.root / "calendar.toml").write_text('[years.2027]\nholidays = ["2027-13-01"]\n', encoding="utf-8")
    from docgen.workspace import Workspace

    checks = doctor.diagnose(Workspace.open(ws.root))
    assert any(check.status == "fail" and "2027-13-01" in check.message for check in checks)
