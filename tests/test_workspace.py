"""Workspace selection and docgen.toml validation."""

from __future__ import annotations

import pytest

from docgen.workspace import FOLDERS, Workspace, WorkspaceError, init_workspace


def test_init_creates_every_folder(tmp_path):
    ws = init_workspace(tmp_path / "office")
    assert all((ws.root / name).is_dir() for name in FOLDERS)


def test_unknown_key_is_an_error_that_names_the_key(tmp_path):
    (tmp_path / "docgen.toml").write_text("[deadlines]\nfeedbak_workdays = 3\n", encoding="utf-8")
    with pytest.raises(WorkspaceError, match="deadlines.feedbak_workdays"):
        Workspace.open(tmp_path)


def test_routing_table_overrides_defaults_and_rejects_unknown_departments(tmp_path):
    (tmp_path / "docgen.toml").write_text(
        '[routing.departments]\n"维修" = "工程材料部"\n"设计" = "设计研发部"\n"施工质量" = "工程材料部"\n'
        '"销售服务" = "经营销售部"\n"物业服务" = "物业公司"\n"其他" = "客户服务部"\n',
        encoding="utf-8",
    )
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
        '[projects."融侨观邸"]\n',
        encoding="utf-8",
    )
    projects = Workspace.open(tmp_path).settings.projects
    assert projects["翠苑"].delivered == date(2026, 3, 1) and projects["融侨锦江"].delivered == date(2025, 11, 27)
    assert projects["融侨观邸"].delivered is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ('[projects."翠苑"]\ndelivered = "2026年3月1日"\n', "应写成 2026-03-01"),
        ('[projects."翠苑"]\ndeliverd = 2026-03-01\n', "projects.翠苑.deliverd"),
        ('[projects."翠苑"]\ndelivered = 20260301\n', "应写成 2026-03-01"),  # not a Unix time
    ],
)
def test_a_bad_delivery_date_or_a_misspelt_key_is_named(tmp_path, text, expected):
    (tmp_path / "docgen.toml").write_text(text, encoding="utf-8")
    with pytest.raises(WorkspaceError, match=expected):
        Workspace.open(tmp_path)


@pytest.mark.parametrize(
    "pattern, expected",
    [
        ('"KF-{year}"', "必须包含 {seq}"),
        ('"../../{seq}"', "不能用于文件名"),
        ('"KF-{month}-{seq}"', "只能使用"),
    ],
)
def test_a_numbering_pattern_that_would_break_later_is_refused_at_start(tmp_path, pattern, expected):
    (tmp_path / "docgen.toml").write_text(f"[numbering]\ncomplaint = {pattern}\n", encoding="utf-8")
    with pytest.raises(WorkspaceError, match="numbering.complaint") as refused:
        Workspace.open(tmp_path)
    assert expected in str(refused.value)


@pytest.mark.parametrize("folder", ['"/tmp/elsewhere"', '"../outside"', '"intake/../../x"'])
def test_a_folder_outside_the_workspace_is_refused_plainly(tmp_path, folder):
    root = tmp_path / "office"
    root.mkdir()
    (root / "docgen.toml").write_text(f"[paths]\noutbox = {folder}\n", encoding="utf-8")
    with pytest.raises(WorkspaceError, match="在工作区 .* 之外") as refused:
        Workspace.open(root)
    assert "[paths] outbox" in str(refused.value) and "outside_workspace_reason" in str(refused.value)


def test_a_folder_outside_the_workspace_is_allowed_with_its_reason(tmp_path):
    root = tmp_path / "office"
    root.mkdir()
    (root / "docgen.toml").write_text(
        f'[paths]\nvar = "{tmp_path / "local"}"\noutside_workspace_reason = "工作区在网络共享上，台账须在本机磁盘"\n',
        encoding="utf-8",
    )
    assert Workspace.open(root).var == tmp_path / "local"


def test_the_workspace_itself_or_intake_shared_with_another_folder_is_refused(tmp_path):
    (tmp_path / "docgen.toml").write_text('[paths]\noutbox = "."\n', encoding="utf-8")
    with pytest.raises(WorkspaceError, match="工作区本身"):
        Workspace.open(tmp_path)
    (tmp_path / "docgen.toml").write_text('[paths]\noutbox = "intake"\n', encoding="utf-8")
    with pytest.raises(WorkspaceError, match="outbox 与 intake"):
        Workspace.open(tmp_path)


@pytest.mark.parametrize(
    "text, key",
    [
        ("[deadlines]\nsurvey_workdays = true\n", "deadlines.survey_workdays"),
        ('[deadlines]\nfeedback_workdays = "3"\n', "deadlines.feedback_workdays"),
        ("[deadlines]\nother_complaint_days = 7.5\n", "deadlines.other_complaint_days"),
        ("[limits]\nmax_file_mb = true\n", "limits.max_file_mb"),
        ("[watch]\npoll_seconds = false\n", "watch.poll_seconds"),
    ],
)
def test_a_number_setting_given_as_true_or_text_is_refused_not_read_as_1(tmp_path, text, key):
    (tmp_path / "docgen.toml").write_text(text, encoding="utf-8")
    with pytest.raises(WorkspaceError, match=key):
        Workspace.open(tmp_path)


def test_number_settings_still_take_numbers(tmp_path):
    (tmp_path / "docgen.toml").write_text(
        "[deadlines]\nsurvey_workdays = 2\n[limits]\nmax_file_mb = 5\n[watch]\npoll_seconds = 2.5\n", encoding="utf-8"
    )
    settings = Workspace.open(tmp_path).settings
    assert settings.deadlines.survey_workdays == 2 and settings.limits.max_file_mb == 5
    assert settings.watch.poll_seconds == 2.5


def test_a_malformed_calendar_file_stops_the_start_naming_the_file_and_line(tmp_path):
    ws = init_workspace(tmp_path / "office")
    ws.check_calendar()  # no calendar.toml: the package's calendar alone
    (ws.root / "calendar.toml").write_text(
        '[years.2027]\nholidays = ["2027-01-01",\n  "2027-02-30"]\n', encoding="utf-8"
    )
    ws = Workspace.open(ws.root)
    with pytest.raises(WorkspaceError) as refused:
        ws.check_calendar()
    assert str(ws.root / "calendar.toml") in str(refused.value) and "2027-02-30" in str(refused.value)
    assert "第3行" in str(refused.value)


def test_a_calendar_file_named_in_the_settings_must_exist(tmp_path):
    (tmp_path / "docgen.toml").write_text('[workdays]\ncalendar_file = "节假日.toml"\n', encoding="utf-8")
    with pytest.raises(WorkspaceError, match="找不到节假日文件"):
        Workspace.open(tmp_path).check_calendar()


@pytest.mark.parametrize("key", ["outbox", "var", "intake"])
def test_a_folder_name_with_a_nul_byte_is_a_settings_error_naming_the_key(tmp_path, key):
    # TOML's "\u0000" reaches the folder name; resolve() raised "embedded null byte" (a traceback)
    (tmp_path / "docgen.toml").write_text(f'[paths]\n{key} = "a\\u0000b"\n', encoding="utf-8")
    with pytest.raises(WorkspaceError) as refused:
        Workspace.open(tmp_path)
    message = str(refused.value)
    assert f"[paths] {key} = “a\\x00b”" in message and "不是有效的文件夹名" in message and f"如 “{key}”" in message
