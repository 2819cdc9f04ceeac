"""Render archive PDFs (PDF/A-3b) from Typst templates (docs/design.md §9, issue 4).

Why Typst and not weasyprint: the weekly report of 200 rows took 2.7-3.5 s in weasyprint (layout costs
~15 ms per table row) against a target of 1 s, and it lost to docxtpl + LibreOffice at 500 rows. Typst
lays out the same report in ~0.3 s, writes PDF/A-3b itself and has a sandbox by design (``bench/``).

- Templates are ``.typ`` files in ``templates/pdf/`` of the repository; a workspace ``templates/pdf/`` folder overrides
  them file by file (bare names only, as :func:`docgen.render.docx.find_template`). ``docgen.typ`` is the
  shared library: GB/T 9704 page, 「— 1 —」 page numbers, headings, report tables, signature block.
- Data never becomes markup: the context goes in as JSON (``sys.inputs.data``) and templates print its
  strings as text, so ``#read("/etc/passwd")`` or ``<img src=…>`` typed by a customer is printed as typed.
  A missing key is an error. Control characters are removed and dates become ISO strings on the way in.
- Sandbox: Typst reads files only inside its root. The root is a private folder this module fills with
  the template files (regular files with one name, opened without following links; a symlinked file or
  folder is refused and logged) and, for one render, the attachments. Typst has no network access except
  for ``@namespace/package`` imports: a template may import or include only a ``"name.typ"`` literal and
  may not use ``eval`` (checked before compiling), and the package folders point at an empty folder.
- Fonts: each role (宋体 song, 仿宋 fangsong, 黑体 hei, 楷体 kai, 小标宋 title) resolves to the first
  installed family of :data:`FONT_ROLES` (the Windows face if an office installed it, else Noto CJK SC /
  AR PL UKai), computed once per process and passed to the templates as ``sys.inputs.fonts``.
- Characters no font has: PDF/A forbids the empty ``.notdef`` box, so Typst refuses the whole document
  ("the text … could not be displayed") for one such character, and a customer named "王芳🏠" made every
  later report fail. Each role's stack ends with the symbol/emoji faces of :data:`FALLBACK_FONTS`
  (Symbola from fonts-symbola: monochrome outlines, which PDF/A embeds like any text font). Before
  compiling, every character of the context is checked against the cmaps of the installed fonts
  (the fonts' cmap tables, read with fontTools): one that no font has, a private-use character (whatever a font happens
  to draw there means nothing) or an unassigned code point is printed as :data:`MISSING_GLYPH` (〓, the
  mark Chinese typesetting uses for a character it cannot set) and logged as a warning naming the field.
- Output: PDF/A-3b with an sRGB OutputIntent; attachments are embedded with ``/AFRelationship /Source``
  (ASCII file name, Chinese description); the file is written atomically (``docgen.atomic``).

One :class:`typst.Compiler` per template-folder set and process keeps fonts loaded (~3 ms for a one-page
render once warm). Renders are serialised with a lock: the staging folder and the compiler are shared.
"""

from __future__ import annotations

import atexit
import datetime as _dt
import decimal
import json
import logging
import mimetypes
import os
import re
import shutil
import stat
import tempfile
import threading
import time
import unicodedata
from pathlib import Path
from typing import Any, Iterable

from docgen.atomic import write_bytes
from docgen.render.docx import PACKAGED_TEMPLATES, RenderError, first_template

__all__ = [
    "FALLBACK_FONTS",
    "FONT_ROLES",
    "MISSING_GLYPH",
    "PACKAGED_PDF_TEMPLATES",
    "find_pdf_template",
    "font_roles",
    "render_pdf",
    "render_pdf_bytes",
]

log = logging.getLogger(__name__)

PACKAGED_PDF_TEMPLATES = PACKAGED_TEMPLATES / "pdf"

# The families each Chinese face name stands for, in order of preference. Debian packages no FangSong,
# so 仿宋 falls back to Song (Noto Serif CJK SC), as a Chinese office does without the font.
FONT_ROLES: dict[str, tuple[str, ...]] = {
    "song": ("SimSun", "NSimSun", "Songti SC", "STSong", "Noto Serif CJK SC", "Source Han Serif SC", "AR PL UMing"),
    "fangsong": (
        "FangSong",
        "FangSong_GB2312",
        "STFangsong",
        "Noto Serif CJK SC",
        "Source Han Serif SC",
        "AR PL UMing",
    ),
    "hei": ("SimHei", "Microsoft YaHei", "STHeiti", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei"),
    "kai": ("KaiTi", "KaiTi_GB2312", "STKaiti", "AR PL UKai", "LXGW WenKai", "Noto Serif CJK SC"),
    "title": ("FZXiaoBiaoSong-B05S", "Noto Serif CJK SC", "Source Han Serif SC", "SimSun"),
}
# Faces every role falls back to, after its Chinese faces, for symbols and emoji (🏠, ☎, ✓): Symbola
# (fonts-symbola) draws them as monochrome outlines. A colour emoji font (fonts-noto-color-emoji: CBDT
# bitmaps) is not asked for: an archive PDF keeps text as outlines.
FALLBACK_FONTS: tuple[str, ...] = ("Symbola", "Noto Sans Symbols 2", "Noto Sans Symbols", "DejaVu Sans")
# What a character no installed font can draw is printed as (GETA MARK, in every CJK font).
MISSING_GLYPH = "〓"
# Files a template folder may provide to Typst; anything else (e.g. a stray .xlsx) is not staged.
_STAGED_SUFFIXES = {".typ", ".svg", ".png", ".jpg", ".jpeg", ".csv", ".json", ".txt"}
_ATTACHMENTS_DIR = "_attachments"

# C0 controls (but tab/LF/CR), DEL, lone surrogates and non-characters: never useful in a document.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_ASCII_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,150}$")
# A package import (#import "@preview/x:1.0.0") is the one thing that makes Typst go to the network, and
# a name can be built at run time ("\u{40}preview/…", "@" + "preview/…", eval of a string). So a template
# may import or include only a file of the template folder named by a plain string literal, and may not
# use eval: checked on the source before anything is compiled.
_IMPORT_OR_INCLUDE = re.compile(r"\b(import|include)\b(?!-)")
_PLAIN_FILE_LITERAL = re.compile(r'\s*"[A-Za-z0-9_.-]+\.typ"')
_EVAL = re.compile(r"\beval\b(?!-)")


def _template_folders(workspace_templates: Path | None) -> list[Path]:
    folders = []
    if workspace_templates is not None:
        folders.append(Path(workspace_templates) / "pdf")
    folders.append(PACKAGED_PDF_TEMPLATES)
    return folders


def find_pdf_template(name: str, workspace_templates: Path | None = None) -> Path:
    """The PDF template ``name``: the workspace's ``templates/pdf/`` copy if there is one, else the packaged one.

    ``workspace_templates`` is the workspace ``templates/`` folder (as for docx templates).
    """
    return first_template(name, _template_folders(workspace_templates))


def _plain(value: Any, missing: dict[str, set[str]] | None = None, where: str = "") -> Any:
    """The context as JSON-able data: text without control characters, dates as ISO strings, tuples as lists.

    With ``missing`` (a dict), a character no installed font can draw is replaced by :data:`MISSING_GLYPH`
    and noted there: ``{field path: {characters}}``."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return _drawable(_CONTROL.sub("", value), missing, where)
    if isinstance(value, dict):
        return {str(k): _plain(v, missing, f"{where}.{k}" if where else str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v, missing, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return _drawable(_CONTROL.sub("", str(value)), missing, where)


def _drawable(text: str, missing: dict[str, set[str]] | None, where: str) -> str:
    if missing is None or text.isascii():
        return text
    undrawable = {c for c in set(text) if not _can_draw(c)}
    if not undrawable:
        return text
    missing.setdefault(where or "（值）", set()).update(undrawable)
    substitute = MISSING_GLYPH if _can_draw(MISSING_GLYPH) else "?"
    return "".join(substitute if c in undrawable else c for c in text)


# ----------------------------------------------------------------------------------- glyph coverage

_drawable_cache: dict[str, bool] = {}
_coverages: list | None = None  # [[family, path, index, frozenset | None (not read yet) | False (unreadable)]]


def _can_draw(char: str) -> bool:
    """Whether some installed font Typst uses has a glyph for ``char`` (see the module docstring)."""
    known = _drawable_cache.get(char)
    if known is not None:
        return known
    category = unicodedata.category(char)
    if category in ("Co", "Cn", "Cs"):  # private use, unassigned, surrogate
        drawable = False
    elif category in ("Cc", "Zs", "Zl", "Zp") or _default_ignorable(char):
        drawable = True  # white space and invisible format characters (ZWJ, variation selectors) take no glyph
    else:
        drawable = any(_covers(entry, ord(char)) for entry in _font_coverages())
    _drawable_cache[char] = drawable
    return drawable


def _default_ignorable(char: str) -> bool:
    code = ord(char)
    return (
        unicodedata.category(char) == "Cf"
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
        or code in (0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0)
    )


def _covers(entry: list, code: int) -> bool:
    """``entry`` is ``[family, path, index, coverage]``; the coverage (the code points of the face's best
    Unicode cmap, read with fontTools: about 0.2 s for a CJK face, once per process) is read on first use."""
    if entry[3] is None:
        from fontTools.ttLib import TTFont

        try:
            with TTFont(entry[1], fontNumber=entry[2], lazy=True) as font:
                entry[3] = frozenset(font.getBestCmap() or ()) or False
        except Exception as problem:  # a font file can be damaged in as many ways as fontTools can say
            log.info("字体 %s（%s）的字符表无法读取：%r", entry[0], entry[1], problem)
            entry[3] = False
    return bool(entry[3]) and code in entry[3]


def _font_coverages() -> list:
    """Every font file Typst finds, the faces docgen asks for first (most characters are found there)."""
    global _coverages
    if _coverages is None:
        preferred = [f.casefold() for families in font_roles().values() for f in families]
        preferred += [f.casefold() for f in fallback_fonts()]
        entries = [[f.family, f.path, f.index, None] for f in _typst_fonts() if f.path]  # embedded fonts have no file
        entries.sort(key=lambda e: preferred.index(e[0].casefold()) if e[0].casefold() in preferred else len(preferred))
        _coverages = entries
    return _coverages


# ----------------------------------------------------------------------------------------------- Typst


def _typst():
    import typst  # imported lazily: the intake path never needs it

    return typst


_font_roles: dict[str, list[str]] | None = None
_fallback_fonts: list[str] | None = None
_fonts: list | None = None


def _typst_fonts() -> list:
    """The font faces Typst finds (``typst.Fonts().fonts()``), listed once per process."""
    global _fonts
    if _fonts is None:
        _fonts = list(_typst().Fonts().fonts())
    return _fonts


def font_roles() -> dict[str, list[str]]:
    """For each role of :data:`FONT_ROLES`, the installed families in order of preference (may be empty)."""
    global _font_roles
    if _font_roles is None:
        installed = {f.family.casefold() for f in _typst_fonts()}
        _font_roles = {
            role: [f for f in families if f.casefold() in installed] for role, families in FONT_ROLES.items()
        }
    return _font_roles


def fallback_fonts() -> list[str]:
    """The installed families of :data:`FALLBACK_FONTS`, in that order: the end of every role's stack."""
    global _fallback_fonts
    if _fallback_fonts is None:
        installed = {f.family.casefold() for f in _typst_fonts()}
        _fallback_fonts = [f for f in FALLBACK_FONTS if f.casefold() in installed]
    return _fallback_fonts


class _Stage:
    """A private Typst root for one set of template folders: the template files, and a render's attachments."""

    def __init__(self, folders: list[Path]):
        self.folders = folders
        _remove_stages_of_dead_processes()
        self.root = Path(tempfile.mkdtemp(prefix=f"{_STAGE_PREFIX}{os.getpid()}-"))
        # Worker processes end without atexit (os._exit, or SIGKILL with their parent): the next stage
        # made on this machine removes what they left (_remove_stages_of_dead_processes).
        atexit.register(shutil.rmtree, self.root, True)
        packages = self.root / "_no_packages"  # not the user's @local packages, nor a download cache
        packages.mkdir()
        self.compiler = _typst().Compiler(
            root=str(self.root), package_path=str(packages), package_cache_path=str(packages)
        )

    def sync(self) -> None:
        """Copy the current template files into the root (a workspace file over the packaged one)."""
        wanted: dict[str, bytes] = {}
        for folder in reversed(self.folders):  # packaged first, the workspace copy wins
            if not folder.is_dir():
                continue
            if folder.is_symlink() or folder.resolve() != folder.absolute():
                log.warning("拒绝使用链接到别处的模板文件夹：%s", folder)
                continue
            for path in folder.iterdir():
                if path.suffix.lower() not in _STAGED_SUFFIXES:
                    continue
                data = _regular_file_bytes(path)
                if data is None:
                    log.warning("拒绝加载模板文件夹中的链接或特殊文件：%s", path)
                    wanted.pop(path.name, None)
                    continue
                if path.suffix.lower() == ".typ":
                    _check_source(path, data.decode("utf-8", "replace"))
                wanted[path.name] = data
        for staged in self.root.iterdir():
            if staged.is_file() and staged.name not in wanted:
                staged.unlink()
        for name, data in wanted.items():
            target = self.root / name
            if not target.is_file() or target.read_bytes() != data:
                target.write_bytes(data)


_STAGE_PREFIX = "docgen-typst-"


def _remove_stages_of_dead_processes() -> None:
    for folder in Path(tempfile.gettempdir()).glob(f"{_STAGE_PREFIX}*-*"):
        pid = folder.name[len(_STAGE_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _regular_file_bytes(path: Path) -> bytes | None:
    """The bytes of ``path`` if it is a regular file with one name (not a symlink, not a hard link to a
    file elsewhere), checked on the opened file itself; else None."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        status = os.fstat(handle.fileno())
        if not stat.S_ISREG(status.st_mode) or status.st_nlink != 1:
            return None
        return handle.read()


def _check_source(path: Path, source: str) -> None:
    """Refuse a template that could reach past its folder: see _IMPORT_OR_INCLUDE above."""
    for match in _IMPORT_OR_INCLUDE.finditer(source):
        if not _PLAIN_FILE_LITERAL.match(source, match.end()):
            raise RenderError(
                f"模板 {path.name} 的 {match[1]} 只能引用模板文件夹内的 .typ 文件，"
                f'且须直接写出文件名（如 "docgen.typ"）；不能引用在线包（@…/…）'
            )
    if _EVAL.search(source):
        raise RenderError(f"模板 {path.name} 使用了 eval；模板不得执行由文字拼成的代码")


_STAGES: dict[tuple[str, ...], _Stage] = {}
_LOCK = threading.RLock()


def _stage(folders: list[Path]) -> _Stage:
    key = tuple(str(f) for f in folders)
    stage = _STAGES.get(key)
    # A watcher runs for months: a /tmp cleaner (systemd-tmpfiles) may remove the folder under it.
    if stage is None or not stage.root.is_dir():
        stage = _STAGES[key] = _Stage(folders)
    return stage


def rendered_in_this_process() -> bool:
    """Whether Typst has run in this process (a process forked from it must not render: see service.py)."""
    return bool(_STAGES)


# An attachment: (file, ASCII /F name, Chinese description) and optionally its Chinese /UF name.
Attachment = tuple[Path, str, str, str]


def _checked_attachments(attachments) -> list[Attachment]:
    """``(file, ascii_name, description[, unicode_name])``, checked before any work. ``/F`` stays ASCII: older
    readers garble non-ASCII ``/F`` names (docs/design.md §9); the Chinese name goes into ``/UF``, which
    current readers show in their attachment pane, and into the description."""
    checked = []
    for item in attachments or ():
        file, name, description, *unicode_name = item
        file = Path(file)
        if not isinstance(name, str) or not _ASCII_NAME.match(name):
            raise ValueError(f"附件名称必须是 ASCII 文件名（中文写在说明里）：{name!r}")
        if not file.is_file():
            raise FileNotFoundError(f"附件文件不存在：{file}")
        shown = _CONTROL.sub("", str(unicode_name[0])).strip() if unicode_name and unicode_name[0] else ""
        checked.append((file, name, "" if description is None else str(description), shown or name))
    return checked


def _with_unicode_names(pdf: bytes, attachments: list[Attachment]) -> bytes:
    """The PDF with each embedded file's ``/UF`` set to its Chinese name (Typst writes the ASCII name in both)."""
    names = {name: shown for _, name, _, shown in attachments if shown != name}
    if not names:
        return pdf
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        catalogue_names = document.Root.get("/Names")
        tree = catalogue_names.get("/EmbeddedFiles") if catalogue_names is not None else None
        entries = list(pikepdf.NameTree(tree).items()) if tree is not None else []
        for _, spec in entries:
            ascii_name = str(spec.get("/F", ""))
            if ascii_name in names:
                spec.UF = pikepdf.String(names[ascii_name])
        out = io.BytesIO()
        document.save(out, deterministic_id=False)
    return out.getvalue()


def _stage_attachments(stage: _Stage, attachments: list[Attachment]) -> tuple[Path, list[dict]]:
    folder = stage.root / _ATTACHMENTS_DIR
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    listed = []
    for index, (file, name, description, _) in enumerate(attachments):
        target = folder / f"{index}-{name}"
        shutil.copyfile(file, target)
        listed.append(
            {
                "path": f"/{_ATTACHMENTS_DIR}/{target.name}",
                "name": name,
                "description": _CONTROL.sub("", description),
                "mime": mimetypes.guess_type(name)[0] or "application/octet-stream",
            }
        )
    return folder, listed


def render_pdf_bytes(
    template_name: str,
    context: dict,
    *,
    workspace_templates: Path | None = None,
    attachments: Iterable[tuple[Any, ...]] = (),
) -> bytes:
    """The PDF/A-3b bytes of ``template_name`` rendered with ``context`` (see :func:`render_pdf`)."""
    attachments = _checked_attachments(attachments)
    find_pdf_template(template_name, workspace_templates)  # validates the name, clear error if missing
    folders = _template_folders(workspace_templates)
    with _LOCK:
        typst = _typst()
        stage = _stage(folders)
        stage.sync()
        if not (stage.root / template_name).is_file():  # refused while staging (a link): logged there
            raise RenderError(f"模板 {template_name} 未能载入：它或它所在的文件夹是链接或特殊文件（详见日志）")
        attachment_folder, listed = _stage_attachments(stage, attachments)
        missing: dict[str, set[str]] = {}
        data = _plain(context, missing)
        if not isinstance(data, dict):
            raise TypeError("context must be a dict")
        if missing:
            log.warning(
                "模板 %s：以下字符没有可用的字体（或为私用区、未分配的码位），PDF 中印作“%s”：%s",
                template_name,
                MISSING_GLYPH,
                "；".join(
                    f"{field} " + "、".join(f"U+{ord(c):04X}（{c}）" for c in sorted(chars))
                    for field, chars in sorted(missing.items())
                ),
            )
        data["_attachments"] = listed
        try:
            pdf, warnings = stage.compiler.compile_with_warnings(
                input=str(stage.root / template_name),
                sys_inputs={
                    "data": json.dumps(data, ensure_ascii=False),
                    "fonts": json.dumps({**font_roles(), "fallback": fallback_fonts()}, ensure_ascii=False),
                },
                pdf_standards=["a-3b"],
                pdf_tags=False,  # poppler reports the tag tree's /Suspects as a syntax error; PDF/A-3b needs no tags
                timestamp=int(time.time()),
            )
        except (typst.TypstError, RuntimeError) as exc:  # RuntimeError: a file vanished under the compiler
            raise RenderError(f"模板 {template_name} 生成 PDF 失败：{_first_lines(exc)}") from exc
        finally:
            shutil.rmtree(attachment_folder, ignore_errors=True)
    for warning in warnings:
        log.warning("模板 %s：%s", template_name, _first_lines(warning))
    return _with_unicode_names(pdf, attachments)


def _first_lines(message: Any, limit: int = 600) -> str:
    text = str(getattr(message, "message", None) or message)
    hints = getattr(message, "hints", None)
    if hints:
        text += "（" + "；".join(str(h) for h in hints) + "）"
    return text[:limit]


def render_pdf(
    template_name: str,
    context: dict,
    out_path: Path,
    *,
    workspace_templates: Path | None = None,
    attachments: Iterable[tuple[Any, ...]] = (),
) -> Path:
    """Render ``template_name`` (a Typst file under ``templates/pdf/``) with ``context`` to a PDF/A-3b at ``out_path``.

    ``attachments`` are ``(file, ascii_name, chinese_description)`` or, with the name readers show,
    ``(file, ascii_name, chinese_description, chinese_name)``; each is embedded with the relationship ``Source``.
    The file appears at ``out_path`` whole or not at all.
    """
    data = render_pdf_bytes(template_name, context, workspace_templates=workspace_templates, attachments=attachments)
    return write_bytes(Path(out_path), data)
