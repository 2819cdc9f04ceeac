"""Read Word forms: tables of label cell → value cell, and "标签：值" lines in body paragraphs.

docs/design.md §3: a ``.docx`` form is read by *label*, never by content-control tag (LibreOffice 7.4
drops the tags), so forms the offices already use can be read too. This module only turns a file into raw
label/value pairs with a location a clerk can find again; which label is which field, and whether the
value is valid, is decided by the form definitions (see :func:`find_fields`).

The XML is walked directly instead of through python-docx's ``cell.text``/``row.cells`` because:

- ``row.cells`` repeats the same cell for every grid column of a horizontal merge and for every row of
  a vertical merge; here each ``w:tc`` is visited once and vertical-merge continuations are empty;
- ``cell.paragraphs`` and ``paragraph.text`` skip content controls (``w:sdt``), hyperlinks in some
  versions, smart tags, tracked insertions and fields; here every ``w:t`` a reader sees is taken;
- the ``mc:Fallback`` copy of a drawing (textboxes) would otherwise be read twice.

Tables are numbered 1, 2, … in document order, nested tables included (depth first), the same order
as :func:`read_tables`; rows and columns count ``w:tr``/``w:tc`` elements from 1.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from docgen.errors import DocgenError

__all__ = [
    "DocxReadError",
    "DocxValue",
    "find_fields",
    "normalize_label",
    "read_label_values",
    "read_paragraph_values",
    "read_tables",
]

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


_TBL, _TR, _TC, _P, _T = _w("tbl"), _w("tr"), _w("tc"), _w("p"), _w("t")
_TAB, _BR, _CR = _w("tab"), _w("br"), _w("cr")
_NB_HYPHEN = _w("noBreakHyphen")
# WORD JOINER: invisible; docgen's own documents hold 登记编号 and dates together with it
# (docgen.render.docx.no_break). A reader of the text leaves it out.
_WORD_JOINER = "\u2060"
_FLDCHAR, _INSTR = _w("fldChar"), _w("instrText")
_LO_FILLIN = re.compile(r'\s*FILLIN\s+""\s*')
_TCPR, _VMERGE, _VAL = _w("tcPr"), _w("vMerge"), _w("val")
# Content never shown to a reader as text of this paragraph/cell: the fallback copy of a drawing, and
# deleted or moved-away revisions (their text is w:delText, but be safe with odd producers).
_SKIP = {f"{{{MC}}}Fallback", _w("del"), _w("moveFrom")}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class DocxReadError(DocgenError, ValueError):
    """The file cannot be read as a Word document; the message is for office staff (Chinese)."""


@dataclass(frozen=True)
class DocxValue:
    label: str  # the label as found in the document
    value: str  # text of the value cell (paragraphs joined by "\n", stripped)
    location: str  # Chinese, e.g. "表格1 第3行 第2列" or "第4段"
    # Numeric position of the value (1-based; table 0 for body paragraphs) for annotating a copy.
    # Not part of equality, so DocxValue(label, value, location) compares as the contract says.
    table: int = field(default=0, compare=False)
    row: int = field(default=0, compare=False)
    column: int = field(default=0, compare=False)


# --------------------------------------------------------------------------------------- opening


def _open_body(path: Path) -> etree._Element:
    """The ``w:body`` of a .docx, or DocxReadError with a message that says what to do."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise DocxReadError(f"无法打开文件：{path.name}（{exc.strerror or exc}）") from exc
    if head == _OLE_MAGIC:
        raise DocxReadError(
            f"{path.name} 是加密的 Word 文档或旧版 .doc 文件，无法读取。"
            "请取消密码保护，或在 Word/WPS 中“另存为” .docx 格式后重新提交。"
        )
    if not head.startswith(b"PK"):
        raise DocxReadError(f"{path.name} 不是有效的 Word（.docx）文件，请用 Word/WPS 另存为 .docx 后重新提交。")
    import docx  # local: keeps "import docgen.office.docx" cheap

    try:
        document = docx.Document(str(path))
    except ValueError as exc:
        if "macroEnabled" in str(exc):
            raise DocxReadError(
                f"{path.name} 是启用宏的 Word 文档（.docm），出于安全原因不予读取。"
                "请在 Word/WPS 中另存为 .docx 格式后重新提交。"
            ) from exc
        if "template" in str(exc):
            raise DocxReadError(f"{path.name} 是 Word 模板（.dotx），请另存为 .docx 文档后重新提交。") from exc
        raise DocxReadError(
            f"{path.name} 已损坏或不是 Word 文档（{type(exc).__name__}），请用 Word/WPS 另存为 .docx 后重新提交。"
        ) from exc
    except Exception as exc:  # python-docx raises many kinds on malformed packages; none may escape
        raise DocxReadError(
            f"{path.name} 已损坏或不是 Word 文档（{type(exc).__name__}），请用 Word/WPS 另存为 .docx 后重新提交。"
        ) from exc
    # A main part whose root is no w:document (a renamed root element) is a plain lxml element: no .body.
    body = getattr(document.element, "body", None)
    if body is None:
        raise DocxReadError(f"{path.name} 没有正文内容。")
    return body


# ----------------------------------------------------------------------------------- XML walking


def _skipped(el: etree._Element, stop: etree._Element) -> bool:
    """True if ``el`` lies inside a skipped container below ``stop``."""
    parent = el.getparent()
    while parent is not None and parent is not stop:
        if parent.tag in _SKIP:
            return True
        parent = parent.getparent()
    return False


def _owned(container: etree._Element, tag: str, owners: set[str]) -> Iterator[etree._Element]:
    """Descendants ``tag`` of ``container`` whose nearest ancestor with a tag in ``owners`` is
    ``container`` itself (so a row's cells, not the cells of a table nested in it), in document
    order, skipping fallback/deleted content. Sees through w:sdt, w:customXml, w:smartTag, …"""
    for el in container.iter(tag):
        parent = el.getparent()
        ok = True
        while parent is not None and parent is not container:
            if parent.tag in owners or parent.tag in _SKIP:
                ok = False
                break
            parent = parent.getparent()
        if ok:
            yield el


def _paragraph_text(p: etree._Element) -> str:
    """Visible text of one paragraph: runs, content controls, hyperlinks, fields' results, tracked
    insertions; tabs and line breaks kept. Textbox paragraphs nested in it are not included.

    Repairs one known corruption: LibreOffice 7.4 saves a block-level content control as several
    ``FILLIN ""`` fields, each holding the full text, plus stray copies of pieces of it, so the text
    reads 4 times over (docs/design.md §3). When a paragraph holds two or more such fields with the same
    result, that result is the paragraph's text.
    """
    parts: list[str] = []
    fillin_results: list[str] = []
    field_state: str | None = None  # None, "instr" or "result" for a field at the paragraph's top level
    instr: list[str] = []
    result: list[str] = []
    for el in p.iter(_T, _TAB, _BR, _CR, _NB_HYPHEN, _FLDCHAR, _INSTR):
        # only what belongs to this paragraph, not to a nested (textbox) paragraph
        parent = el.getparent()
        owned = True
        while parent is not None and parent is not p:
            if parent.tag == _P or parent.tag in _SKIP:
                owned = False
                break
            parent = parent.getparent()
        if not owned:
            continue
        text = ""
        if el.tag == _T:
            text = (el.text or "").replace(_WORD_JOINER, "")
        elif el.tag == _TAB:
            # a w:tab inside w:pPr/w:tabs is a tab stop definition, not text
            if el.getparent() is None or el.getparent().tag != _w("tabs"):
                text = "\t"
        elif el.tag in (_BR, _CR):
            if el.get(_w("type")) not in ("page", "column"):
                text = "\n"
        elif el.tag == _NB_HYPHEN:
            text = "-"
        elif el.tag == _INSTR:
            if field_state == "instr":
                instr.append(el.text or "")
            continue
        elif el.tag == _FLDCHAR:
            kind = el.get(_w("fldCharType"))
            if kind == "begin":
                field_state, instr, result = "instr", [], []
            elif kind == "separate" and field_state == "instr":
                field_state = "result"
            elif kind == "end":
                if field_state == "result" and _LO_FILLIN.fullmatch("".join(instr)):
                    fillin_results.append("".join(result))
                field_state = None
            continue
        parts.append(text)
        if field_state == "result":
            result.append(text)
    if len(fillin_results) >= 2 and len(set(fillin_results)) == 1:
        return fillin_results[0]
    return "".join(parts)


def _cell_text(tc: etree._Element) -> str:
    """Text of a cell: its own paragraphs (not those of nested tables) joined by newlines, stripped."""
    lines = [_paragraph_text(p) for p in _owned(tc, _P, {_TC, _TBL})]
    return "\n".join(lines).strip()


def _is_vmerge_continuation(tc: etree._Element) -> bool:
    tcpr = tc.find(_TCPR)
    if tcpr is None:
        return False
    vmerge = tcpr.find(_VMERGE)
    return vmerge is not None and vmerge.get(_VAL, "continue") == "continue"


def _rows(tbl: etree._Element) -> list[etree._Element]:
    return list(_owned(tbl, _TR, {_TBL, _TR}))


def _cells(tr: etree._Element) -> list[etree._Element]:
    return list(_owned(tr, _TC, {_TBL, _TR, _TC}))


def _nested_tables(tc: etree._Element) -> list[etree._Element]:
    return list(_owned(tc, _TBL, {_TBL, _TC}))


def _all_tables(body: etree._Element) -> list[etree._Element]:
    """Every table in document order, depth first (a nested table right after the table holding it)."""
    return [t for t in body.iter(_TBL) if not _skipped(t, body)]


def _top_tables(body: etree._Element) -> list[etree._Element]:
    return list(_owned(body, _TBL, {_TBL}))


# -------------------------------------------------------------------------------------- readers


def read_tables(path: Path) -> list[list[list[str]]]:
    """Raw cell text per table per row, every table of the body including nested ones (numbered as
    in locations: index k-1 is "表格k"). A merged cell appears once: a horizontal merge is one cell,
    the continuation cells of a vertical merge read as "" so columns stay aligned."""
    body = _open_body(path)
    result: list[list[list[str]]] = []
    for tbl in _all_tables(body):
        rows = []
        for tr in _rows(tbl):
            rows.append(["" if _is_vmerge_continuation(tc) else _cell_text(tc) for tc in _cells(tr)])
        result.append(rows)
    return result


def read_label_values(path: Path) -> list[DocxValue]:
    """Every label → value pair in all tables (nested included), in document order.

    Within a row the distinct cells (a merged cell counts once, vertical-merge continuations are
    skipped) are paired left to right: label, value, label, value, … A pair whose label cell is empty
    is skipped; an odd last cell (e.g. a title spanning the row) has no value and is skipped. The
    value is the location of the value cell.
    """
    body = _open_body(path)
    tables = _all_tables(body)  # kept alive: lxml proxies (and so their id()) are only stable while referenced
    numbers = {id(t): n for n, t in enumerate(tables, start=1)}
    found: list[DocxValue] = []

    def walk(tbl: etree._Element) -> None:
        tno = numbers[id(tbl)]
        for rno, tr in enumerate(_rows(tbl), start=1):
            cells = [(cno, tc) for cno, tc in enumerate(_cells(tr), start=1) if not _is_vmerge_continuation(tc)]
            for i in range(0, len(cells) - 1, 2):
                (_, label_tc), (cno, value_tc) = cells[i], cells[i + 1]
                label = _cell_text(label_tc)
                if not normalize_label(label):
                    continue
                found.append(
                    DocxValue(
                        label=label,
                        value=_cell_text(value_tc),
                        location=f"表格{tno} 第{rno}行 第{cno}列",
                        table=tno,
                        row=rno,
                        column=cno,
                    )
                )
            for _, tc in cells:
                for nested in _nested_tables(tc):
                    walk(nested)

    for tbl in _top_tables(body):
        walk(tbl)
    return found


# A label in a "标签：值" line: short, no sentence punctuation, not just a number (so "10:30" in
# "受理时间：2026年11月26日  10:30" is not read as a label "10").
_LABEL_RE = re.compile(r"^[^\s：:，。；,;！？!?]{1,20}$")
_SEGMENT_SPLIT = re.compile(r"\t+|[ \u00a0\u3000]{2,}|\u3000")


def _split_label_value(segment: str) -> tuple[str, str] | None:
    m = re.search(r"[：:]", segment)
    if not m:
        return None
    label, value = segment[: m.start()].strip(), segment[m.end() :].strip()
    compact = re.sub(r"[\s\u3000]+", "", label)
    if not _LABEL_RE.match(compact) or re.fullmatch(r"[\d.\-/]+", compact):
        return None
    return label, value


def read_paragraph_values(path: Path) -> list[DocxValue]:
    """ "标签：值" pairs in body paragraphs (outside tables), in order; location "第N段" where N counts
    every body paragraph, empty ones included, as Word does. A line may hold several pairs separated
    by a tab, a full-width space or two or more spaces ("客户姓名：张三　　联系电话：139…"); a piece
    without a label is appended to the value before it."""
    body = _open_body(path)
    found: list[DocxValue] = []
    for pno, p in enumerate(_owned(body, _P, {_TBL, _P}), start=1):
        for line in _paragraph_text(p).split("\n"):
            current: list[str] | None = None  # [label, value]
            pairs: list[list[str]] = []
            for segment in _SEGMENT_SPLIT.split(line):
                if not segment.strip():
                    continue
                pair = _split_label_value(segment)
                if pair is not None:
                    current = [pair[0], pair[1]]
                    pairs.append(current)
                elif current is not None:
                    current[1] = f"{current[1]} {segment.strip()}".strip()
            for label, value in pairs:
                found.append(DocxValue(label=label, value=value, location=f"第{pno}段", row=pno))
    return found


# -------------------------------------------------------------------------------------- matching

_NOTE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕")
_IGNORED = re.compile(r"[\s:*＊※\u200b\u200c\u200d\ufeff]+")


def normalize_label(text: str, *, drop_brackets: bool = False) -> str:
    """Compare form of a label: NFKC (full-width → half-width), no whitespace (U+3000 included),
    colons, asterisks; case-folded. With ``drop_brackets`` also without bracketed notes such as
    （必填）, (元), 【必填】."""
    s = unicodedata.normalize("NFKC", text or "")
    s = _IGNORED.sub("", s)
    if drop_brackets:
        prev = None
        while prev != s:  # innermost first, so nested notes go too; 《书名》 is a name and stays
            prev, s = s, _NOTE.sub("", s)
    return s.casefold()


def find_fields(values: list[DocxValue], labels: dict[str, list[str]]) -> dict[str, DocxValue]:
    """Map field keys to the first value whose label matches one of the key's titles/synonyms.

    Matching ignores whitespace (full-width space included), colons (：:), asterisks and case. An
    exact match (brackets kept) is preferred, so "电话（手机）" and "电话（座机）" stay apart when both
    are configured; otherwise bracketed notes like （必填） are ignored on both sides. Keys with no
    match are absent from the result.
    """
    exact = [normalize_label(v.label) for v in values]
    loose = [normalize_label(v.label, drop_brackets=True) for v in values]
    result: dict[str, DocxValue] = {}
    for key, names in labels.items():
        wanted = {normalize_label(n) for n in names} - {""}
        hit = next((v for v, n in zip(values, exact) if n in wanted), None)
        if hit is None:
            wanted_loose = {normalize_label(n, drop_brackets=True) for n in names} - {""}
            hit = next((v for v, n in zip(values, loose) if n in wanted_loose), None)
        if hit is not None:
            result[key] = hit
    return result
