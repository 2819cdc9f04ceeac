"""Render archive PDFs (PDF/A-3b) from HTML/CSS templates with weasyprint (DESIGN §5, issue 4).

- Templates live in ``docgen/templates/pdf/``; a workspace ``templates/pdf/`` folder overrides them file by
  file (same rule as :func:`docgen.render.docx.find_template`: bare names only). ``{% extends %}`` and
  ``{% include %}`` go through the same two folders, so an office may replace just ``base.css``.
- Jinja is a :class:`~jinja2.sandbox.SandboxedEnvironment` with autoescape and ``StrictUndefined``: a value
  such as ``Smith & Sons <Ltd>`` or ``<img src="file:///etc/passwd">`` is printed as text, and a missing
  context key is an error. ``None`` prints as "" and control characters are removed.
- weasyprint fetches resources through :class:`TemplateOnlyFetcher`: only ``file:`` URLs of files inside the
  template folders are served; ``http(s):``, ``ftp:``, ``data:`` and every other file are refused (logged on
  the ``docgen.render.pdf`` logger, and nothing of them reaches the PDF).
- Fonts: Chinese font names (宋体, 仿宋_GB2312, 黑体, 楷体, 小标宋, SimSun …) resolve to installed CJK faces
  through ``fonts.conf`` next to this module (it includes the system configuration). weasyprint's
  ``@font-face``/``local()`` route was measured and rejected: ``local("Noto Serif CJK SC")`` failed to match
  the regular faces (fallback to Noto Sans / DejaVu), the Noto CJK collections are 20-27 MB ``.ttc`` files
  that weasyprint copies whole (and it renames every face of the collection), and a one-page document
  took 0.6 s instead of 0.1 s. ``FONTCONFIG_FILE`` is set only while this module's one
  :class:`FontConfiguration` is built and is restored afterwards (no global side effect); that configuration
  is reused by every render of the process.
- The PDF is PDF/A-3b with an sRGB OutputIntent; attachments are embedded with ``/AFRelationship /Source``
  (ASCII file name, Chinese description), and the file is written atomically (``docgen.atomic``).

Renders are serialised with a lock: pango/fontconfig objects are shared and not thread-safe.
"""

from __future__ import annotations

import datetime as _dt
import io
import logging
import mimetypes
import os
import re
import threading
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from docgen.atomic import write_bytes
from docgen.render.docx import PACKAGED_TEMPLATES, RenderError, first_template

__all__ = [
    "FONTS_CONF",
    "PACKAGED_PDF_TEMPLATES",
    "TemplateOnlyFetcher",
    "cn_date",
    "find_pdf_template",
    "render_html",
    "render_pdf",
    "render_pdf_bytes",
]

log = logging.getLogger(__name__)

PACKAGED_PDF_TEMPLATES = PACKAGED_TEMPLATES / "pdf"
FONTS_CONF = Path(__file__).resolve().with_name("fonts.conf")

# C0 controls (but tab/LF/CR), DEL, lone surrogates and non-characters: never useful in a document.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_ASCII_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,150}$")


# ---------------------------------------------------------------------------------------------- Jinja


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


def _finalize(value: Any) -> Any:
    """What ``{{ value }}`` prints: ``None`` as "", text without control characters (then autoescaped)."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return Markup(_CONTROL.sub("", str(value)))
    if isinstance(value, str):
        return _CONTROL.sub("", value)
    return value


def cn_date(value: Any) -> str:
    """A date written in full as GB/T 9704 asks: ``2026年11月26日`` (no leading zeros)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = _dt.date.fromisoformat(value[:10])
    if isinstance(value, _dt.datetime):
        value = value.date()
    if not isinstance(value, _dt.date):
        raise TypeError(f"不是日期：{value!r}")
    return f"{value.year}年{value.month}月{value.day}日"


def _nl2br(value: Any) -> Markup:
    """Escape a value and turn its line breaks into ``<br>`` (for multi-line cells and remarks)."""
    text = _CONTROL.sub("", "" if value is None else str(value)).replace("\r\n", "\n").replace("\r", "\n")
    return Markup("<br>").join(escape(line) for line in text.split("\n"))


_ENVIRONMENTS: dict[tuple[str, ...], SandboxedEnvironment] = {}
_ENV_LOCK = threading.Lock()


def _environment(folders: list[Path]) -> SandboxedEnvironment:
    key = tuple(str(f) for f in folders)
    with _ENV_LOCK:
        env = _ENVIRONMENTS.get(key)
        if env is None:
            env = SandboxedEnvironment(
                loader=FileSystemLoader([str(f) for f in folders], encoding="utf-8", followlinks=False),
                autoescape=True,
                undefined=StrictUndefined,
                finalize=_finalize,
                trim_blocks=True,
                lstrip_blocks=True,
                auto_reload=True,
            )
            env.filters["cn_date"] = cn_date
            env.filters["nl2br"] = _nl2br
            _ENVIRONMENTS[key] = env
        return env


def render_html(template_name: str, context: dict, *, workspace_templates: Path | None = None) -> str:
    """The HTML of ``template_name`` rendered with ``context`` (sandboxed, autoescaped)."""
    find_pdf_template(template_name, workspace_templates)  # validates the name, clear error if missing
    env = _environment(_template_folders(workspace_templates))
    try:
        return env.get_template(template_name).render(**context)
    except TemplateError as exc:
        raise RenderError(f"模板 {template_name} 渲染失败：{exc}") from exc


# ------------------------------------------------------------------------------------------ weasyprint

_WEASY_LOCK = threading.RLock()
_font_config = None


def _weasyprint():
    import weasyprint  # imported lazily: ~1.5 s, paid once per process

    return weasyprint


def _fonts():
    """This process's weasyprint font configuration, built once with ``fonts.conf`` (see module doc)."""
    global _font_config
    if _font_config is None:
        _weasyprint()
        from weasyprint.text.fonts import FontConfiguration

        saved = os.environ.get("FONTCONFIG_FILE")
        os.environ["FONTCONFIG_FILE"] = str(FONTS_CONF)
        try:
            _font_config = FontConfiguration()
        finally:
            if saved is None:
                os.environ.pop("FONTCONFIG_FILE", None)
            else:
                os.environ["FONTCONFIG_FILE"] = saved
    return _font_config


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class _TemplateOnlyFetcher(URLFetcher):
        """Serves ``file:`` URLs of files inside the template folders; refuses everything else."""

        def __init__(self, folders: Iterable[Path]):
            super().__init__(allowed_protocols=("file",), allow_redirects=False, timeout=1)
            self.roots = [Path(f).resolve() for f in folders if Path(f).is_dir()]
            self.refused: list[str] = []

        def fetch(self, url, headers=None):  # noqa: D401 - weasyprint API
            path = self._allowed_path(url)
            if path is None:
                self.refused.append(url)
                log.warning("拒绝加载模板文件夹以外的资源：%s", url[:200])
                raise ValueError(f"refused: only files of the template folders may be loaded ({url[:200]})")
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(path.as_uri(), body=path.read_bytes(), headers={"Content-Type": mime})

        def _allowed_path(self, url: str) -> Path | None:
            try:
                parts = urlsplit(url)
            except ValueError:
                return None
            if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
                return None
            try:
                path = Path(url2pathname(unquote(parts.path))).resolve()
            except (OSError, ValueError):
                return None
            if not path.is_file():
                return None
            if any(path.is_relative_to(root) for root in self.roots):
                return path
            return None

    return _TemplateOnlyFetcher


def TemplateOnlyFetcher(folders: Iterable[Path]):  # noqa: N802 - a class made lazily (weasyprint import)
    """A weasyprint URL fetcher that only serves files inside ``folders``."""
    return _fetcher_class()(folders)


def _checked_attachments(attachments) -> list[tuple[Path, str, str]]:
    """``(file, ascii_name, description)`` triples, checked before any work: non-ASCII ``/F`` names come
    out garbled in readers (DESIGN §5), so the Chinese goes into the description."""
    checked = []
    for item in attachments or ():
        file, name, description = item
        file = Path(file)
        if not isinstance(name, str) or not _ASCII_NAME.match(name):
            raise ValueError(f"附件名称必须是 ASCII 文件名（中文写在说明里）：{name!r}")
        if not file.is_file():
            raise FileNotFoundError(f"附件文件不存在：{file}")
        checked.append((file, name, "" if description is None else str(description)))
    return checked


def _attachment_objects(attachments, fetcher) -> list:
    weasyprint = _weasyprint()
    result = []
    for file, name, description in attachments:
        data = file.read_bytes()
        stamp = _dt.datetime.fromtimestamp(file.stat().st_mtime, tz=_dt.timezone.utc)
        result.append(
            weasyprint.Attachment(
                file_obj=io.BytesIO(data),
                url_fetcher=fetcher,
                name=name,
                description=description,
                created=stamp,
                modified=stamp,
                relationship="Source",
            )
        )
    return result


def render_pdf_bytes(
    template_name: str,
    context: dict,
    *,
    workspace_templates: Path | None = None,
    attachments: Iterable[tuple[Path, str, str]] = (),
) -> bytes:
    """The PDF/A-3b bytes of ``template_name`` rendered with ``context`` (see :func:`render_pdf`)."""
    attachments = _checked_attachments(attachments)
    html = render_html(template_name, context, workspace_templates=workspace_templates)
    template = find_pdf_template(template_name, workspace_templates)
    folders = _template_folders(workspace_templates)
    with _WEASY_LOCK:
        weasyprint = _weasyprint()
        font_config = _fonts()
        fetcher = TemplateOnlyFetcher(folders)
        document = weasyprint.HTML(string=html, base_url=template.parent.resolve().as_uri() + "/", url_fetcher=fetcher)
        try:
            return document.write_pdf(
                font_config=font_config,
                pdf_variant="pdf/a-3b",
                attachments=_attachment_objects(attachments, fetcher),
                uncompressed_pdf=False,
            )
        except Exception as exc:  # weasyprint raises many kinds; name the template
            raise RenderError(f"模板 {template_name} 生成 PDF 失败：{exc}") from exc


def render_pdf(
    template_name: str,
    context: dict,
    out_path: Path,
    *,
    workspace_templates: Path | None = None,
    attachments: Iterable[tuple[Path, str, str]] = (),
) -> Path:
    """Render ``template_name`` (HTML/CSS under ``templates/pdf/``) with ``context`` to a PDF/A-3b at ``out_path``.

    ``attachments`` are ``(file, ascii_name, chinese_description)``; each is embedded with the
    relationship ``Source``. The file appears at ``out_path`` whole or not at all.
    """
    data = render_pdf_bytes(
        template_name, context, workspace_templates=workspace_templates, attachments=attachments
    )
    return write_bytes(Path(out_path), data)
