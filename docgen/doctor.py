"""``docgen doctor``: set-up faults in plain words (fonts, calendar years, local disk, versions, and the
communities whose delivery date CS-3.10.1 needs)."""

from __future__ import annotations

import platform
import shutil
import subprocess
from dataclasses import dataclass
from importlib import metadata

from docgen.procedures.workdays import calendar_report
from docgen.workspace import Workspace, _network_filesystem


@dataclass(frozen=True)
class Check:
    status: str  # ok | warn | fail
    topic: str
    message: str


ROLE_NAMES = {"song": "宋体", "fangsong": "仿宋", "hei": "黑体", "kai": "楷体", "title": "小标宋"}


def _installed_font_roles() -> dict[str, list[str]]:
    from docgen.render.pdf import font_roles

    return font_roles()


def _fonts() -> Check:
    """The faces the PDFs will use for 宋体/仿宋/黑体/楷体/小标宋 (the fonts Typst finds, not a guess)."""
    try:
        roles = _installed_font_roles()
    except Exception as problem:  # noqa: BLE001 - any failure to list fonts is what the user must hear about
        return Check("fail", "字体", f"无法读取已安装的字体（{problem}）；请安装 fonts-noto-cjk")
    missing = [ROLE_NAMES[role] for role, families in roles.items() if not families]
    if missing:
        return Check(
            "fail", "字体", f"没有可用于{'、'.join(missing)}的中文字体：PDF 中的汉字会显示为方框。请安装 fonts-noto-cjk"
        )
    used = "，".join(f"{ROLE_NAMES[role]}→{families[0]}" for role, families in roles.items())
    stand_ins = [
        ROLE_NAMES[role] for role, families in roles.items() if families[0].startswith(("Noto", "Source Han", "AR PL"))
    ]
    note = f"（{'、'.join(stand_ins)}未安装 Windows 字体，以开源字体代替）" if stand_ins else ""
    return Check("ok", "字体", f"PDF 使用：{used}{note}{_fangsong_note(roles['fangsong'][0], roles['title'][0])}")


# The faces that really are 仿宋 / 小标宋 (docgen.render.pdf.FONT_ROLES and the Word names).
FANGSONG_FACES = ("FangSong", "FangSong_GB2312", "STFangsong", "仿宋", "仿宋_GB2312", "华文仿宋")
XIAOBIAOSONG_FACES = ("FZXiaoBiaoSong-B05S", "方正小标宋简体")


def _fangsong_note(fangsong: str, title: str) -> str:
    """Which face stands in for 仿宋 and 小标宋 when the real ones are not installed (Debian has neither)."""
    notes = []
    if fangsong not in FANGSONG_FACES:
        notes.append(f"仿宋由 {fangsong}（宋体字形）代替：Debian 没有简体仿宋字体，安装 FangSong 后自动使用")
    if title not in XIAOBIAOSONG_FACES:
        notes.append(f"小标宋由 {title} 粗体代替")
    return "；" + "；".join(notes) if notes else ""


# The names the Word templates ask for (docgen.render.build_templates), as LibreOffice resolves them.
WORD_FACES = {"仿宋": "仿宋", "小标宋": "方正小标宋简体", "宋体": "宋体", "黑体": "黑体", "楷体": "楷体"}


def _word_fonts() -> Check:
    """The faces LibreOffice prints a Word document's 仿宋/小标宋/宋体/黑体/楷体 in (fontconfig, with the aliases of
    docgen/data/fonts/ that `make system-packages` installs)."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return Check("warn", "Word 字体", "没有 fc-match（fontconfig），无法检查 LibreOffice 打印 Word 文档所用的字体")
    found = {}
    for role, name in WORD_FACES.items():
        try:
            done = subprocess.run(
                [fc_match, "-f", "%{family[0]}", f"{name}:lang=zh-cn"], capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.SubprocessError) as problem:
            return Check("warn", "Word 字体", f"fc-match 运行失败（{problem}）")
        found[role] = done.stdout.strip()
    # Without docgen's aliases a Chinese name falls to a Latin face (DejaVu) or to nothing.
    wrong = [role for role, family in found.items() if not family or family.startswith("DejaVu")]
    used = "，".join(f"{role}→{family}" for role, family in found.items())
    if wrong:
        return Check(
            "warn",
            "Word 字体",
            f"LibreOffice 打印 Word 文档时 {'、'.join(wrong)} 没有中文字体（{used}）；请运行 make system-packages "
            "安装 docgen/data/fonts/ 的字体别名",
        )
    stand_in = "" if found["仿宋"] in FANGSONG_FACES else f"；仿宋由 {found['仿宋']}（宋体字形）代替"
    return Check("ok", "Word 字体", f"LibreOffice 打印 Word 文档：{used}{stand_in}")


def _calendar(ws: Workspace) -> list[Check]:
    report = calendar_report(ws.calendar, today=ws.today())
    checks = [Check("fail", "工作日历", message) for message in report["load_errors"]]
    checks += [Check("warn", "工作日历", message) for message in report["warnings"]]
    if not checks:
        checks.append(Check("ok", "工作日历", f"覆盖 {report['current_year']} 与 {report['next_year']} 年"))
    return checks


def _folders(ws: Workspace) -> list[Check]:
    checks = []
    kind = _network_filesystem(ws.var if ws.var.exists() else ws.root)
    checks.append(
        Check("fail", "台账位置", f"{ws.var} 位于网络文件系统（{kind}）；台账必须放在本机磁盘")
        if kind
        else Check("ok", "台账位置", f"{ws.var} 在本机磁盘上")
    )
    intake_kind = _network_filesystem(ws.intake) if ws.intake.exists() else None
    if intake_kind and not ws.settings.watch.poll_seconds:
        checks.append(
            Check(
                "warn",
                "收件夹",
                f"{ws.intake} 在网络共享（{intake_kind}）上，inotify 收不到其他电脑放入的文件；"
                "请在 docgen.toml 的 [watch] 设置 poll_seconds，或用 docgen watch --poll 5",
            )
        )
    for name in ("intake", "outbox", "archive", "rejected", "var"):
        if not ws.folder(name).exists():
            checks.append(Check("warn", "文件夹", f"{ws.folder(name)} 不存在；运行 docgen init {ws.root} 创建"))
    return checks


def _deliveries(ws: Workspace) -> list[Check]:
    """CS-3.10.1: the weekly coordination meeting is held in a community's first year after delivery;
    a community with complaints but no delivery date in docgen.toml cannot be checked."""
    if not ws.has_ledger():
        return []
    from docgen.projects import FIRST_YEAR_CLAUSE, undated_projects

    ledger = ws.open_ledger()
    try:
        undated = undated_projects(ws.settings, ledger)
    finally:
        ledger.close()
    if not undated:
        return [Check("ok", "小区交付日期", "台账中各小区的交付日期均已登记")]
    example = undated[0]
    return [
        Check(
            "warn",
            "小区交付日期",
            f"以下小区在台账中有投诉，但 docgen.toml 中没有交付日期：{'、'.join(undated)}。无法判断是否在交付后一年内、"
            f"须每周召开投诉协调例会（{FIRST_YEAR_CLAUSE}）。请在 docgen.toml 中逐个添加，例如："
            f'[projects."{example}"] 下一行写 delivered = 2026-03-01',
        )
    ]


def _shared_ledger(ws: Workspace) -> list[Check]:
    """Issue 15: a PostgreSQL ledger shared by several offices answers, and how far it reaches."""
    if not ws.settings.ledger.url:
        return []
    from docgen.errors import DocgenError
    from docgen.ledger_postgres import masked

    shown = masked(ws.settings.ledger.url)
    try:
        ledger = ws.open_ledger()
    except DocgenError as problem:
        return [Check("fail", "共用台账", problem.message)]
    try:
        count = ledger.count()
    finally:
        ledger.close()
    return [Check("ok", "共用台账", f"PostgreSQL 台账 {shown} 可以连接，共 {count} 条事件")]


def _versions() -> Check:
    parts = [f"Python {platform.python_version()}"]
    for package in ("docgen", "openpyxl", "python-docx", "docxtpl", "typst", "pikepdf", "chinesecalendar", "tyme4py"):
        try:
            parts.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:  # an optional package not installed: not worth a line
            pass
    return Check("ok", "版本", "，".join(parts))


def _tools() -> Check:
    missing = [tool for tool in ("pdffonts", "pdftotext", "pdftoppm") if shutil.which(tool) is None]
    if missing:
        return Check("warn", "PDF 检查工具", f"缺少 {'、'.join(missing)}（poppler-utils）；测试与 PDF 检查需要它们")
    return Check("ok", "PDF 检查工具", "poppler-utils 可用")


def diagnose(ws: Workspace) -> list[Check]:
    shared = _shared_ledger(ws)  # a shared ledger out of reach: nothing more is read from it
    deliveries = [] if any(check.status == "fail" for check in shared) else _deliveries(ws)
    return [_fonts(), _word_fonts(), *_calendar(ws), *_folders(ws), *shared, *deliveries, _tools(), _versions()]
