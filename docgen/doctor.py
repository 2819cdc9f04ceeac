"""``docgen doctor``: set-up faults in plain words (fonts, calendar years, local disk, versions)."""

from __future__ import annotations

import ctypes.util
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


def _fonts() -> Check:
    if shutil.which("fc-list") is None:
        return Check("fail", "字体", "找不到 fc-list（fontconfig）；无法确认中文字体。请安装 fontconfig 与 fonts-noto-cjk")
    listed = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=30).stdout
    wanted = ("Noto Serif CJK SC", "Noto Sans CJK SC")
    missing = [family for family in wanted if family not in listed]
    if missing:
        return Check("fail", "字体", f"缺少中文字体 {'、'.join(missing)}：PDF 中的汉字会显示为方框。请安装 fonts-noto-cjk")
    return Check("ok", "字体", "已安装 Noto Serif/Sans CJK SC（宋体、黑体由它们代替）")


def _harfbuzz() -> Check:
    if ctypes.util.find_library("harfbuzz-subset") is None:
        return Check("warn", "字体子集", "缺少 libharfbuzz-subset0：生成一页中文 PDF 约需 10 秒而不是 0.2 秒。请安装该软件包")
    return Check("ok", "字体子集", "libharfbuzz-subset 可用")


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
    checks.append(Check("fail", "台账位置", f"{ws.var} 位于网络文件系统（{kind}）；台账必须放在本机磁盘") if kind
                  else Check("ok", "台账位置", f"{ws.var} 在本机磁盘上"))
    intake_kind = _network_filesystem(ws.intake) if ws.intake.exists() else None
    if intake_kind and not ws.settings.watch.poll_seconds:
        checks.append(Check("warn", "收件夹", f"{ws.intake} 在网络共享（{intake_kind}）上，inotify 收不到其他电脑放入的文件；"
                                           "请在 docgen.toml 的 [watch] 设置 poll_seconds，或用 docgen watch --poll 5"))
    for name in ("intake", "outbox", "archive", "rejected", "var"):
        if not ws.folder(name).exists():
            checks.append(Check("warn", "文件夹", f"{ws.folder(name)} 不存在；运行 docgen init {ws.root} 创建"))
    return checks


def _versions() -> Check:
    parts = [f"Python {platform.python_version()}"]
    for package in ("docgen", "openpyxl", "python-docx", "docxtpl", "weasyprint", "pikepdf", "chinesecalendar"):
        try:
            parts.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            pass
    return Check("ok", "版本", "，".join(parts))


def _tools() -> Check:
    missing = [tool for tool in ("pdffonts", "pdftotext", "pdftoppm") if shutil.which(tool) is None]
    if missing:
        return Check("warn", "PDF 检查工具", f"缺少 {'、'.join(missing)}（poppler-utils）；测试与 PDF 检查需要它们")
    return Check("ok", "PDF 检查工具", "poppler-utils 可用")


def diagnose(ws: Workspace) -> list[Check]:
    return [_fonts(), _harfbuzz(), *_calendar(ws), *_folders(ws), _tools(), _versions()]
