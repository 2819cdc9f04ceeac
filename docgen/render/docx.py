"""Render Word documents from docxtpl templates, safely (DESIGN §5 "Hostile values", §6).

docxtpl renders the document XML as one Jinja template. With its default ``autoescape=False`` a value
such as ``Smith & Sons <Ltd>`` breaks the XML, which docxtpl then "recovers" by silently dropping the
following paragraphs. Here:

- Jinja is a :class:`~jinja2.sandbox.SandboxedEnvironment` with autoescape on, ``StrictUndefined`` (a
  missing context key is an error, not a silently empty cell) and a ``finalize`` hook that turns every
  printed value into XML-safe text: characters XML 1.0 forbids (NUL, most C0 controls, lone surrogates,
  U+FFFE/U+FFFF) are removed, ``\\r\\n``/``\\r`` become ``\\n``, ``None`` prints as "", and braces are written
  as character references so docxtpl's post-render ``{_{`` → ``{{`` unescaping cannot alter a value.
- Newlines in values become line breaks (``<w:br/>``) and tabs become tab stops: docxtpl 0.20 does this
  for all rendered text (``resolve_listing``), so plain strings are enough; ``Listing`` is not needed.
  ``RichText``/``Listing`` objects still pass through untouched for callers that need run formatting.
- The rendered body is parsed strictly before docxtpl's recovering parser sees it: broken XML raises
  :class:`RenderError` instead of losing text.
- The output is written to a temporary file in the target folder, fsynced and renamed over the target
  (``os.replace``), so a reader of the outbox never sees half a document.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree
from markupsafe import Markup, escape

__all__ = ["PACKAGED_TEMPLATES", "RenderError", "TemplateNotFound", "find_template", "make_environment", "render_docx", "xml_text"]

PACKAGED_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

# Characters not allowed in XML 1.0 (tab, LF and CR are allowed; CR is normalised to LF first).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class RenderError(RuntimeError):
    """A document could not be rendered; the message names the template."""


class TemplateNotFound(FileNotFoundError):
    """No template of that name in the workspace ``templates/`` folder nor in the package."""


def _clean_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _XML_INVALID.sub("", text)
    # Written as character references, braces survive docxtpl's "{_{" → "{{" unescaping verbatim.
    return text.replace("{", "&#123;").replace("}", "&#125;")


def xml_text(value: Any) -> Any:
    """Jinja ``finalize`` hook: what a ``{{ value }}`` prints, as XML-safe markup.

    Plain values are stringified, cleaned and escaped; ``Markup`` (e.g. the result of ``|join`` under
    autoescape, already escaped) is cleaned only; objects that render their own XML (docxtpl
    ``RichText``/``Listing``) pass through unchanged; ``None`` prints as an empty string.
    """
    if value is None:
        return Markup("")
    if isinstance(value, Markup):
        return Markup(_clean_text(str(value)))
    if hasattr(value, "__html__"):
        return value
    return Markup(_clean_text(str(escape(str(value)))))


def make_environment() -> SandboxedEnvironment:
    """A fresh locked-down environment (docxtpl mutates ``autoescape`` on it, so one per render)."""
    return SandboxedEnvironment(autoescape=True, undefined=StrictUndefined, finalize=xml_text)


def _template_class():
    from docxtpl import DocxTemplate

    class CheckedDocxTemplate(DocxTemplate):
        """docxtpl parses the rendered body with ``recover=True``; check it strictly first."""

        def build_xml(self, context, jinja_env=None):
            xml = super().build_xml(context, jinja_env)
            try:
                etree.fromstring(xml.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
            except etree.XMLSyntaxError as exc:
                raise RenderError(f"rendered XML is not well-formed: {exc}") from exc
            return xml

    return CheckedDocxTemplate


def render_docx(template: Path, context: dict, out_path: Path) -> Path:
    """Render ``template`` with ``context`` into ``out_path`` (atomically); return ``out_path``.

    Every key the template uses must be in ``context`` (StrictUndefined). Raises :class:`RenderError`
    if the template cannot be rendered; the target is then left as it was.
    """
    from jinja2 import TemplateError

    template, out_path = Path(template), Path(out_path)
    try:
        tpl = _template_class()(str(template))
        tpl.render(context, make_environment(), autoescape=True)
    except RenderError as exc:
        raise RenderError(f"{template.name}: {exc}") from exc
    except TemplateError as exc:
        raise RenderError(f"{template.name}: {type(exc).__name__}: {exc}") from exc

    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out_path.stem}.", suffix=".tmp", dir=out_path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            tpl.save(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, out_path)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(out_path.parent)
    return out_path


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable (POSIX); directories cannot be opened this way on Windows."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def find_template(name: str, workspace_templates: Path | None) -> Path:
    """The template file ``name``: from the workspace ``templates/`` folder if it is there (offices may
    adapt a template), else the one packaged in ``docgen/templates/``.

    ``name`` is a bare file name (e.g. ``"escalation_notice.docx"``); names with a path separator,
    ``..``, a drive or NUL are refused with ``ValueError``.
    """
    if (
        not isinstance(name, str)
        or not name
        or name in (".", "..")
        or ".." in name
        or any(sep in name for sep in ("/", "\\", "\0", ":"))
        or Path(name).is_absolute()
    ):
        raise ValueError(f"模板名称无效：{name!r}（只能是文件名，不能包含路径）")
    folders = ([Path(workspace_templates)] if workspace_templates is not None else []) + [PACKAGED_TEMPLATES]
    for folder in folders:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    searched = "、".join(str(f) for f in folders)
    raise TemplateNotFound(f"找不到模板 {name}（已查找：{searched}）")
