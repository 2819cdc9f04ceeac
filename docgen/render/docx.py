"""Render Word documents from docxtpl templates, safely (docs/design.md §9, §13) and fast.

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
  ``RichText``/``Listing`` objects still pass through untouched for callers that need run formatting
  (``RichText`` hyperlinks, ``InlineImage`` and ``Subdoc`` need a ``DocxTemplate`` object and are not
  supported).
- ``{{ value|nobreak }}`` keeps 登记编号 such as ``KF-2026-00005`` or ``CS-3.4.2.2`` on one line: each
  hyphen is held between WORD JOINERs (U+2060, invisible, not extracted from a LibreOffice PDF, so the
  printed number is found by a search for ``KF-2026-00005``). The parts of a Chinese date
  (``2026年11月27日``) are joined the same way, which also sets the date solid (LibreOffice otherwise
  puts a gap between figures and Chinese that pdftotext reads as blanks). Tried on LibreOffice 7.4: the
  non-breaking hyphen (U+2011, and Word's ``<w:noBreakHyphen/>``, which it imports as U+2011) is broken
  *anywhere* in Chinese text ("KF-2026-0000" / "5"); ASCII hyphens between joiners are not broken; and
  no joiner (U+2060, U+FEFF, U+200D) stops it breaking between a figure and 年/月/日, so dates are kept
  whole by wide enough columns (docgen.render.build_templates); a date in running Chinese text may
  still be broken there at 年 or 月, as Chinese text is.
- Every rendered part is parsed strictly before it is written: broken XML raises :class:`RenderError`
  instead of losing text.
- The output is written to a temporary file in the target folder, fsynced and renamed over the target
  (``docgen.atomic``), so a reader of the outbox never sees half a document.

Speed (a render must cost a few ms, not docxtpl's ~50 ms): docxtpl is used once per template file and
process to do its template preprocessing (``patch_xml``: tags merged into single runs, ``{%tr %}`` etc.);
each templated part's Jinja source is compiled once and cached with the raw bytes of every other zip
member, keyed by the template's resolved path and (mtime, size, inode). A render then only runs the
compiled templates, applies docxtpl's post-processing (``{_{`` unescaping, ``resolve_listing``, and
``fix_tables``/``fix_docpr_ids`` for the body when they would change anything), checks the XML and
appends the rendered parts to the prepared zip of unchanged members. The parts docxtpl renders are all
rendered: the body, headers and footers related from it, footnotes and the templated core document
properties; a test checks the result equals docxtpl's, part by part, after XML canonicalisation.
Differences from docxtpl: footnotes are rendered once even in a multi-section document (docxtpl renders
them once per section), and a template without ``docProps/core.xml`` does not get python-docx's default
one; the rendered parts are stored after the other zip members.
"""

from __future__ import annotations

import copy
import datetime as _dt
import io
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree
from markupsafe import Markup, escape

from docgen.atomic import write_bytes
from docgen.errors import DocgenError

__all__ = [
    "PACKAGED_TEMPLATES",
    "RenderError",
    "TemplateNotFound",
    "find_template",
    "make_environment",
    "no_break",
    "render_docx",
    "WORD_JOINER",
    "xml_text",
]


def _packaged_templates() -> Path:
    """The templates docgen ships: the repository's top-level ``templates/`` in a source checkout (or an
    editable install), copied into ``docgen/templates/`` when a wheel is built (setup.py)."""
    package = Path(__file__).resolve().parent.parent
    in_wheel = package / "templates"
    return in_wheel if (in_wheel / "pdf" / "docgen.typ").is_file() else package.parent / "templates"


PACKAGED_TEMPLATES = _packaged_templates()

# Characters not allowed in XML 1.0 (tab, LF and CR are allowed; CR is normalised to LF first).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class RenderError(RuntimeError):
    """A document could not be rendered; the message names the template."""


class TemplateNotFound(DocgenError, FileNotFoundError):
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


# A number docgen issues or cites: letters, then hyphen-separated parts (KF-2026-00005, CS-3.4.2.2, action-3).
_NUMBER = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{1,12}(?:-[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*)+")
# A date written in full (2026年11月27日), or a month (2026年11月).
_CN_DATE = re.compile(r"\d{1,4}年\d{1,2}月(?:\d{1,2}日)?")
_DATE_PARTS = re.compile(r"\d+|\D")
WORD_JOINER = "\u2060"


def _joined(match: re.Match) -> str:
    piece = match.group(0)
    if piece[0].isdigit():
        return WORD_JOINER.join(_DATE_PARTS.findall(piece))
    return piece.replace("-", f"{WORD_JOINER}-{WORD_JOINER}")


def no_break(value: Any) -> Any:
    """Jinja filter ``nobreak``: ``value`` with every 登记编号-like number and every Chinese date in it
    held together by WORD JOINERs (see the module docstring); printed like any value after that."""
    if value is None or isinstance(value, Markup) or hasattr(value, "__html__"):
        return value
    return _NUMBER_OR_DATE.sub(_joined, str(value))


_NUMBER_OR_DATE = re.compile(f"{_NUMBER.pattern}|{_CN_DATE.pattern}")


def make_environment() -> SandboxedEnvironment:
    """A fresh locked-down environment; each prepared template compiles its parts with its own."""
    env = SandboxedEnvironment(autoescape=True, undefined=StrictUndefined, finalize=xml_text)
    env.filters["nobreak"] = no_break
    return env


# ------------------------------------------------------------------------------ prepared templates

_XML_DECLARATION = b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
_JINJA_TAG = re.compile(r"\{[{%#]")
_P_NEWLINE_BEFORE = re.compile(r"<w:p([ >])")
_P_NEWLINE_AFTER = re.compile(r"\n<w:p([ >])")
_LISTING_CHARS = ("\t", "\a", "\n", "\f")  # what resolve_listing turns into tabs, breaks, paragraphs
_PARAGRAPH = re.compile(r"<w:p(?: [^>]*)?>.*?</w:p>", re.DOTALL)  # resolve_listing's paragraphs
_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")  # render_properties
_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CP = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
ISSUING_DEPARTMENT = "客户服务部"  # author of a document whose context names no office
_WP_NS = {"wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"}


@dataclass(frozen=True)
class _Part:
    """One templated zip member; ``prefix + rendered + suffix`` is what is written."""

    name: str
    template: Template
    prefix: bytes = b""
    suffix: bytes = b""
    body: bool = False  # the document body, which docxtpl's fix_tables and fix_docpr_ids apply to


@dataclass(frozen=True)
class _Properties:
    """The core properties part when some of the properties docxtpl renders contain Jinja tags."""

    name: str
    content_type: str
    blob: bytes
    templates: dict[str, Template]


@dataclass(frozen=True)
class _Prepared:
    stamp: tuple
    parts: tuple[_Part, ...]  # rendered per call
    properties: _Properties | None
    base_zip: bytes  # every member that does not depend on the context, in the template's order
    date_time: dict[str, tuple]  # member name → its ZipInfo.date_time in the template


_CACHE: dict[str, _Prepared] = {}  # resolved template path → prepared template (per process)
_HELPER: Any = None  # a bare DocxTemplate: only its stateless text and tree methods are used


def _helper():
    global _HELPER
    if _HELPER is None:
        from docxtpl import DocxTemplate

        _HELPER = DocxTemplate(None)
    return _HELPER


def _strict_parse(data: bytes, what: str):
    try:
        return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    except etree.XMLSyntaxError as exc:
        raise RenderError(f"rendered XML is not well-formed ({what}): {exc}") from exc


def _tables_need_fixing(tree, spans: bool) -> bool:
    """Would docxtpl's ``fix_tables`` change ``tree``? It adds or drops ``w:gridCol`` where the rows'
    cell counts disagree with the grid; this is its walk without changing anything. Without any
    ``w:gridSpan`` (``spans`` false) a row's width is its number of cells."""
    for table in tree.iter(_W + "tbl"):
        grid = table.find(_W + "tblGrid")
        if grid is None:
            return True  # let docxtpl decide
        columns = sum(1 for _ in grid.iterchildren(_W + "gridCol"))
        widest = 0
        for row in table.iter(_W + "tr"):
            cells = list(row.iterchildren(_W + "tc"))
            if len(cells) > columns:
                return True
            width = len(cells)
            if spans:
                width = 0
                for cell in cells:
                    properties = cell.find(_W + "tcPr")
                    span = None if properties is None else properties.find(_W + "gridSpan")
                    try:
                        width += 1 if span is None else int(span.get(_W + "val"))
                    except (TypeError, ValueError):
                        return True
            widest = max(widest, width)
        if columns > widest:
            return True
    return False


def _resolve_listing(xml: str) -> str:
    """docxtpl's ``resolve_listing``, applied only to the paragraphs it would change (those with a
    tab, newline, ``\\a`` or ``\\f``): on one paragraph it does what it does to that paragraph in the whole."""
    if not any(c in xml for c in _LISTING_CHARS):
        return xml
    resolve = _helper().resolve_listing

    def paragraph(m: re.Match) -> str:
        text = m.group(0)
        return resolve(text) if any(c in text for c in _LISTING_CHARS) else text

    return _PARAGRAPH.sub(paragraph, xml)


def _finish(part: _Part, xml: str) -> bytes:
    """docxtpl's post-processing of one rendered part (``render_xml_part`` after Jinja; for the body
    also ``fix_tables`` and ``fix_docpr_ids``), the strict check, and the member's bytes."""
    helper = _helper()
    xml = _P_NEWLINE_AFTER.sub(r"<w:p\1", xml)
    if "{_" in xml or "_}" in xml:
        xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
    xml = _resolve_listing(xml)
    try:
        data = xml.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise RenderError(f"rendered XML is not well-formed ({part.name}): {exc}") from exc
    tree = _strict_parse(data, part.name)
    if part.body:
        changed = False
        if _tables_need_fixing(tree, b"gridSpan" in data):
            tree = helper.fix_tables(xml)
            changed = True
        if b"docPr" in data:
            pictures = tree.xpath("//wp:docPr", namespaces=_WP_NS)
            for number, element in enumerate(pictures, start=1001):  # as fix_docpr_ids numbers them
                element.attrib["id"] = str(number)
            changed = changed or bool(pictures)
        if changed:
            data = etree.tostring(tree, encoding="UTF-8")
    return part.prefix + data + part.suffix


_THUMBNAIL = "docProps/thumbnail.jpeg"  # the template's preview picture, not this document's
_THUMBNAIL_REL = re.compile(rb"<Relationship [^>]*Target=\"/?docProps/thumbnail\.jpeg\"[^>]*/>")
_APPLICATION = re.compile(rb"<Application>[^<]*</Application>")


def _without_template_traces(data: bytes) -> dict[str, bytes]:
    """The package parts that name the template's origin, rewritten: no relationship to the template's
    thumbnail (the member itself is dropped), and docgen as the application that wrote the document."""
    rewritten = {}
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        names = set(package.namelist())
        if "_rels/.rels" in names:
            rewritten["_rels/.rels"] = _THUMBNAIL_REL.sub(b"", package.read("_rels/.rels"))
        if "docProps/app.xml" in names:
            rewritten["docProps/app.xml"] = _APPLICATION.sub(
                b"<Application>docgen</Application>", package.read("docProps/app.xml")
            )
    return rewritten


def _render_properties(props: _Properties, context: dict) -> bytes:
    from docx.opc.packuri import PackURI
    from docx.opc.parts.coreprops import CorePropertiesPart

    # python-docx annotates XmlPart.load's package as Package, yet hands it on to Part, which takes
    # Package | None: a core-properties part rendered on its own needs no package.
    part = CorePropertiesPart.load(PackURI("/" + props.name), props.content_type, props.blob, None)  # type: ignore[arg-type]
    for prop, template in props.templates.items():
        setattr(part.core_properties, prop, template.render(context))  # as render_properties does
    core = part.core_properties
    # This document's facts, not the template's: its title and issuing office where the context names them,
    # the time it was written, and no note that it is a template.
    if "title" not in props.templates and isinstance(context.get("title"), str) and context["title"].strip():
        core.title = context["title"].strip()
    office = next(
        (context[key] for key in ("office", "issuer") if isinstance(context.get(key), str) and context[key]), ""
    )
    if office or core.author in ("", "docgen"):
        core.author = office or ISSUING_DEPARTMENT
    core.last_modified_by = "docgen"
    core.comments = ""
    now = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0, tzinfo=None)
    core.created = core.modified = now
    core.revision = 1
    printed = part.element.find(f"{{{_CP}}}lastPrinted")
    if printed is not None:
        part.element.remove(printed)
    return part.blob


def _prepare(data: bytes, stamp: tuple) -> _Prepared:
    """Preprocess the template with docxtpl, compile its templated parts, zip up everything else."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.oxml import serialize_part_xml
    from docxtpl import DocxTemplate

    env = make_environment()
    tpl = DocxTemplate(io.BytesIO(data))
    tpl.init_docx()
    document = tpl.docx
    parts: list[_Part] = []
    static: dict[str, bytes] = {}  # parts without a Jinja tag render the same for every context

    def add(member: str, source: str, **kw) -> None:
        if member in static or any(p.name == member for p in parts):
            return
        source = _P_NEWLINE_BEFORE.sub(r"\n<w:p\1", source)  # as render_xml_part does
        try:
            part = _Part(member, env.from_string(source), **kw)
        except TemplateError as exc:
            raise RenderError(f"{member}: {type(exc).__name__}: {exc}") from exc
        if _JINJA_TAG.search(source):
            parts.append(part)
        else:
            static[member] = _finish(part, part.template.render({}))

    # The body goes between the start and the end of the document as python-docx serialises it.
    root = copy.deepcopy(document.element)
    marker = f"docgen-body-{os.urandom(8).hex()}"
    root.replace(root.body, etree.Comment(marker))
    prefix, suffix = serialize_part_xml(root).split(f"<!--{marker}-->".encode())
    add(document.part.partname.membername, tpl.patch_xml(tpl.get_xml()), prefix=prefix, suffix=suffix, body=True)
    for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
        for _rel, part in tpl.get_headers_footers(uri):
            add(part.partname.membername, tpl.patch_xml(tpl.get_part_xml(part)), prefix=_XML_DECLARATION)
    if len(document.sections):  # docxtpl renders the footnotes in its loop over the sections
        for part in document.part.package.parts:
            if part.content_type == _FOOTNOTES:
                add(part.partname.membername, tpl.patch_xml(part.blob.decode("utf-8")))

    properties = None
    try:
        core = document.part.package.part_related_by(RT.CORE_PROPERTIES)
    except KeyError:
        core = None
    if core is not None:
        templates = {}
        for prop in _PROPERTIES:
            initial = getattr(core.core_properties, prop)
            if _JINJA_TAG.search(initial) or initial.endswith("\n"):  # else rendering changes nothing
                try:
                    templates[prop] = env.from_string(initial)
                except TemplateError as exc:
                    raise RenderError(f"document property {prop}: {type(exc).__name__}: {exc}") from exc
        # Always rendered: the document's own author and creation time replace the template's (docs/design.md §9).
        properties = _Properties(core.partname.membername, core.content_type, core.blob, templates)

    templated = {p.name for p in parts} | ({properties.name} if properties else set())
    static.update(_without_template_traces(data))
    date_time = {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(buffer, "w") as zout:
        for info in zin.infolist():
            date_time[info.filename] = info.date_time
            if info.filename in templated or info.filename == _THUMBNAIL:
                continue
            member = zipfile.ZipInfo(info.filename, info.date_time)
            member.external_attr = info.external_attr
            if info.filename in static:
                member.compress_type = zipfile.ZIP_DEFLATED
                zout.writestr(member, static[info.filename])
            else:
                member.compress_type = info.compress_type
                zout.writestr(member, zin.read(info))
    return _Prepared(stamp, tuple(parts), properties, buffer.getvalue(), date_time)


def _prepared(template: Path) -> _Prepared:
    """The prepared template, from the per-process cache unless the file changed since."""
    key = str(template.resolve())
    st = os.stat(key)
    hit = _CACHE.get(key)
    if hit is not None and hit.stamp == (st.st_mtime_ns, st.st_size, st.st_ino, st.st_dev):
        return hit
    with open(key, "rb") as fh:
        st = os.fstat(fh.fileno())
        data = fh.read()
    try:
        prepared = _prepare(data, (st.st_mtime_ns, st.st_size, st.st_ino, st.st_dev))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise RenderError(f"not a usable Word template: {type(exc).__name__}: {exc}") from exc
    _CACHE[key] = prepared  # one entry per template path: a changed file replaces its entry
    return prepared


def _render_zip(prepared: _Prepared, context: dict) -> bytes:
    rendered = [(part.name, _finish(part, part.template.render(context))) for part in prepared.parts]
    if prepared.properties is not None:
        rendered.append((prepared.properties.name, _render_properties(prepared.properties, context)))
    buffer = io.BytesIO(prepared.base_zip)
    with zipfile.ZipFile(buffer, "a") as z:  # appends after the unchanged members' compressed bytes
        for name, data in rendered:
            info = zipfile.ZipInfo(name, prepared.date_time[name])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            z.writestr(info, data, compresslevel=1)  # a third of level 6's time; the parts are small
    return buffer.getvalue()


def render_docx(template: Path, context: dict, out_path: Path) -> Path:
    """Render ``template`` with ``context`` into ``out_path`` (atomically); return ``out_path``.

    Every key the template uses must be in ``context`` (StrictUndefined). Raises :class:`RenderError`
    if the template cannot be rendered; the target is then left as it was.
    """
    template, out_path = Path(template), Path(out_path)
    try:
        data = _render_zip(_prepared(template), context)
    except RenderError as exc:
        raise RenderError(f"{template.name}: {exc}") from exc
    except TemplateError as exc:
        raise RenderError(f"{template.name}: {type(exc).__name__}: {exc}") from exc

    return write_bytes(out_path, data)


def check_template_name(name: str) -> None:
    """Templates are named by bare file name only: a path could reach outside the template folders."""
    if (
        not isinstance(name, str)
        or not name
        or name in (".", "..")
        or ".." in name
        or any(sep in name for sep in ("/", "\\", "\0", ":"))
        or Path(name).is_absolute()
    ):
        raise ValueError(f"模板名称无效：{name!r}（只能是文件名，不能包含路径）")


def find_template(name: str, workspace_templates: Path | None) -> Path:
    """The template file ``name``: from the workspace ``templates/`` folder if it is there (offices may
    adapt a template), else the one docgen ships (``templates/`` of the repository).

    ``name`` is a bare file name (e.g. ``"escalation_notice.docx"``); names with a path separator,
    ``..``, a drive or NUL are refused with ``ValueError``.
    """
    folders = ([Path(workspace_templates)] if workspace_templates is not None else []) + [PACKAGED_TEMPLATES]
    return first_template(name, folders)


def first_template(name: str, folders: list[Path]) -> Path:
    """The first ``folders/name`` that exists (a workspace copy before the packaged one)."""
    check_template_name(name)
    for folder in folders:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    searched = "、".join(str(f) for f in folders)
    raise TemplateNotFound(f"找不到模板 {name}（已查找：{searched}）")
