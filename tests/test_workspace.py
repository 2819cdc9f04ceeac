"""Workspace selection and docgen.toml validation."""

from __future__ import annotations

import pytest

from docgen.workspace import FOLDERS, Workspace, WorkspaceError, init_workspace


def test_init_creates_every_folder(tmp_path):
    ws = init_workspace(tmp_path / "office")
    assert all((ws.root / name).is_dir() for name in FOLDERS)


def test_unknown_key_is_an_error_that_names_the_key(tmp_path):
    (tmp_path / "docgen.toml").write_text('[deadlines]\nfeedbak_workdays = 3\n', encoding="utf-8")
    with pytest.raises(WorkspaceError, match="deadlines.feedbak_workdays"):
        Workspace.open(tmp_path)


def test_routing_table_overrides_defaults_and_rejects_unknown_departments(tmp_path):
    (tmp_path / "docgen.toml").write_text(
        '[routing.departments]\n"维修" = "工程材料部"\n"设计" = "设计研发部"\n"施工质量" = "工程材料部"\n'
        '"销售服务" = "经营销售部"\n"物业服务" = "物业公司"\n"其他" = "客户服务部"\n', encoding="utf-8")
    assert Workspace.open(tmp_path).settings.routing.departments["维修"] == "工程材料部"
    (tmp_path / "docgen.toml").write_text('[routing.departments]\n"维修" = "维修部"\n', encoding="utf-8")
    with pytest.raises(WorkspaceError, match="维修部"):
        Workspace.open(tmp_path)


def test_workspace_from_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCGEN_WORKSPACE", str(tmp_path))
    assert Workspace.open().root == tmp_path.resolve()


def test_missing_workspace_says_how_to_create_it(tmp_path):
    with pytest.raises(WorkspaceError, match="docgen init"):
        Workspace.open(tmp_path / "nowhere")


def test_broken_toml_is_a_clear_error(tmp_path):
    (tmp_path / "docgen.toml").write_text("[paths\n", encoding="utf-8")
    with pytest.raises(WorkspaceError, match="无法解析"):
        Workspace.open(tmp_path)


def test_today_is_the_office_day_in_its_time_zone(tmp_path):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    (tmp_path / "docgen.toml").write_text('[workdays]\ntimezone = "Asia/Shanghai"\n', encoding="utf-8")
    assert Workspace.open(tmp_path).today() == datetime.now(ZoneInfo("Asia/Shanghai")).date()
    (tmp_path / "docgen.toml").write_text('[workdays]\ntimezone = "Mars/Olympus"\n', encoding="utf-8")
    with pytest.raises(WorkspaceError, match="未知的时区"):
        Workspace.open(tmp_path)


def test_delivery_dates_of_communities_as_toml_dates_or_text(tmp_path):
    # CS-3.10.1 needs each community's delivery date: [projects."<项目/小区>"] delivered = …
    from datetime import date

    (tmp_path / "docgen.toml").write_text(
        '[projects."翠苑"]\ndelivered = 2026-03-01\n\n[projects."融侨锦江"]\ndelivered = "2025-11-27"\n\n'
        '[projects."融侨观邸"]\n', encoding="utf-8")
    projects = Workspace.open(tmp_path).settings.projects
    assert projects["翠苑"].delivered == date(2026, 3, 1) and projects["融侨锦江"].delivered == date(2025, 11, 27)
    assert projects["融侨观邸"].delivered is None


@pytest.mark.parametrize("text, expected", [
    ('[projects."翠苑"]\ndelivered = "2026年3月1日"\n', "应写成 2026-03-01"),
    ('[projects."翠苑"]\ndeliverd = 2026-03-01\n', "projects.翠苑.deliverd"),
    ('[projects."翠苑"]\ndelivered = 20260301\n', "应写成 2026-03-01"),  # not a Unix time
])
def test_a_bad_delivery_date_or_a_misspelt_key_is_named(tmp_path, text, expected):
    (tmp_path / "docgen.toml").write_text(text, encoding="utf-8")
    with pytest.raises(WorkspaceError, match=expected):
        Workspace.open(tmp_path)
