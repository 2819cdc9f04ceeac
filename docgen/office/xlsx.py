"""Workbooks: write a blank or pre-filled form from its definition, read a filled one back, and mark
up a rejected one for its sender.

Contract (docs/design.md §3): every single-value input cell carries a workbook-scoped defined name equal to
the field key; repeating lines are an Excel table named after the collection key whose header cells
are the field titles; the form id and version live in the hidden sheet ``_meta`` and in the custom
document properties. The reader prefers those names and falls back to the printed labels, because a
workbook re-saved by other software may have lost them.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import unicodedata
import warnings
from collections.abc import Iterable, Mapping
from copy import copy
from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import openpyxl
from openpyxl.comments import Comment
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo

from docgen.atomic import write_with
from docgen.findings import Finding, error, warning
from docgen.forms.base import FieldSpec, FormDef, Raw, RawForm, form_by_title
from docgen.office import xlsx_package as package
from docgen.procedures.clauses import procedure_of

log = logging.getLogger(__name__)

META_SHEET = "_meta"
MAX_LINES = 5000  # a register longer than this is not a register; refuse rather than grind
BODY_FONT = Font(name="宋体", size=11)
TITLE_FONT = Font(name="黑体", size=18, bold=True)
LABEL_FONT = Font(name="宋体", size=11, bold=True)
SMALL_FONT = Font(name="宋体", size=9, color="555555")
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
TOOL_FILL = PatternFill("solid", fgColor="F2F2F2")
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
FORMULA_LEADS = ("=", "+", "-", "@")
NUMBER_FORMATS = {
    "date": "yyyy-mm-dd",
    "time": "hh:mm",
    "phone": "@",
    "number": "@",
    "text": "@",
    "amount": "#,##0.00",
    "decimal": "General",
}


# ============================================================ print layout (issue 11)
#
# Every form prints one page wide ("fit to width"), so its printed scale is the printable width of the paper
# over the width of its columns, and every text prints at its font size times that scale: at least
# MIN_PRINTED_PT. Rows are set as high as their wrapped text, because LibreOffice prints a row without a
# height one line high whatever it holds, and the lines overlap the next row.


class Paper(NamedTuple):
    size: int  # the OOXML paper size code
    short_mm: float
    long_mm: float


PAPERS = {"A4": Paper(9, 210.0, 297.0), "A3": Paper(8, 297.0, 420.0)}
SIDE_MARGIN_IN = 0.25  # left and right: Excel's "narrow" margins (6.35 mm), within what printers reach
MIN_PRINTED_PT = 9.0
# One unit of column width is 5.55 pt on paper at 100 % in LibreOffice 7.4 (measured: widths 5 to 40 printed
# 27.7 to 222.0 pt apart); Excel's is a little narrower (7 px + padding at 96 dpi), so the estimate holds for both.
POINTS_PER_WIDTH = 5.55
# LibreOffice wraps a cell's text when it comes within this much of the column's width (measured: 1.5 to 3 pt).
CELL_PADDING_PT = 3.0


def printable_width(paper: str, landscape: bool) -> float:
    """Points between the left and right margins of the paper."""
    sheet = PAPERS[paper]
    return (sheet.long_mm if landscape else sheet.short_mm) / 25.4 * 72 - 2 * SIDE_MARGIN_IN * 72


def print_scale(widths: Iterable[float], paper: str, landscape: bool) -> float:
    """The scale "fit to one page wide" prints columns of these widths at (never above 100 %)."""
    return min(1.0, printable_width(paper, landscape) / (sum(widths) * POINTS_PER_WIDTH))


def least_print_scale(widths: Iterable[float], paper: str, landscape: bool) -> float:
    """The smallest scale an office program prints those columns at, one page wide: the whole percent at or
    under ``print_scale``, less 2 % more when LibreOffice shrinks the page to pull its last rows onto the page
    before (tdf#103516, fit to width with any number of pages down)."""
    whole = math.floor(print_scale(widths, paper, landscape) * 100 + 1e-9)
    return math.floor(whole * 0.98) / 100


def form_widths(form: FormDef) -> list[float]:
    """The column widths of a form's sheet: its line fields' widths, or label and value of a sign-off sheet."""
    return [spec.meta.width for spec in form.line_fields] if form.line_fields else [28, 64]


def _em(ch: str) -> float:
    """A character's advance in em in 宋体 as printed (Noto Serif CJK; measured in LibreOffice 7.4)."""
    if unicodedata.east_asian_width(ch) in "WF":
        return 1.0
    if ch in "mwMW%@&":
        return 0.95
    if ch.isupper():
        return 0.7
    if ch.isalnum():
        return 0.55  # digits 0.546
    return 0.35  # punctuation and spaces


_SEGMENT = re.compile(
    r"[（“‘《「〔\[(]*"  # opening marks stay with what follows
    r"(?:[A-Za-z0-9_.,:%+#@&]+[-/]?|[-/]|\S)"  # a word or number (broken after a hyphen or slash), or one character
    r"[，。；：、？！）”’》」〕\]),.;:!?%]*"  # closing marks stay with what precedes
    r"|\s+"
)


def text_lines(text: str, width: float, size: float = 11) -> int:
    """Lines ``text`` takes in a cell ``width`` units wide at ``size`` pt, wrapped as LibreOffice does: between
    汉字, after a word, a hyphen or a space, never before a closing mark; a word longer than the line is cut."""
    room = width * POINTS_PER_WIDTH - CELL_PADDING_PT
    total = 0
    for paragraph in (text or "").split("\n"):
        count, used = 1, 0.0
        for segment in _SEGMENT.findall(paragraph):
            points = sum(_em(ch) for ch in segment) * size
            if segment.isspace():
                used += points if used else 0.0
                continue
            if used and used + points > room:
                count, used = count + 1, 0.0
            while points > room:  # longer than a line: cut where it reaches the edge
                count, points = count + 1, points - room
            used += points
        total += count
    return total


def row_height(lines: int, size: float = 11) -> float:
    """Points for a row of ``lines`` lines of ``size`` pt text with its leading (one and a half times the size)."""
    return lines * size * 1.5 + 6


def line_row_height(form: FormDef, shown: Mapping[str, Any]) -> float | None:
    """The height of a row of the lines table holding ``shown`` (field key → cell value), or None for one line,
    left to the office program. Every row is as high as a line's text usually takes (``Meta.lines``) and the
    longest choice of each column wraps to, which leaves room to write by hand on the printed blank; a
    pre-filled row is as high as its text needs."""
    needed = max(
        [_usual_lines(form), *(text_lines(_text_of(shown.get(s.key)), s.meta.width) for s in form.line_fields)]
    )
    return row_height(needed) if needed > 1 else None


@functools.cache
def _usual_lines(form: FormDef) -> int:
    return max(
        [1, *(max([s.meta.lines, *(text_lines(c, s.meta.width) for c in s.meta.choices)]) for s in form.line_fields)]
    )


def _text_of(value: Any) -> str:
    """What a cell shows, for counting its lines: a date, time or number never wraps."""
    return value if isinstance(value, str) else ""


# ============================================================ writing


def _put(cell, value: Any) -> None:
    """Write a value so that it stays what it is: text never turns into a formula."""
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, bool):
        value = "是" if value else "否"
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        cell.data_type = "s"


def _shown(spec: FieldSpec, value: Any) -> Any:
    """The cell value for a field: dates stay dates even when they come back from the ledger as
    ISO text, so a pre-filled form is what a clerk would have typed."""
    if value is None:
        return None
    kind = spec.meta.kind
    if kind in ("choice", "yesno"):
        return ("是" if value else "否") if isinstance(value, bool) else value
    if isinstance(value, str):
        try:
            if kind == "date":
                return date.fromisoformat(value)
            if kind == "time":
                return time.fromisoformat(value)
            if kind in ("amount", "decimal"):
                return Decimal(value)
        except (ValueError, ArithmeticError):
            return value  # free text in a date field is shown as written
    return value


def _list_validation(spec: FieldSpec) -> DataValidation:
    choices = spec.meta.choices or ("是", "否")
    validation = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
    validation.error = f"请从下拉列表中选择：{'、'.join(choices)}"
    validation.errorTitle = spec.title
    validation.showErrorMessage = True
    if spec.meta.hint:
        validation.prompt = spec.meta.hint
        validation.promptTitle = spec.title[:32]
        validation.showInputMessage = True
    return validation


def _hint_validation(spec: FieldSpec) -> DataValidation | None:
    if not spec.meta.hint:
        return None
    validation = DataValidation(type=None, allow_blank=True)
    validation.prompt = spec.meta.hint
    validation.promptTitle = spec.title[:32]
    validation.showInputMessage = True
    return validation


def _styled(cell, key, styled: dict, **properties) -> None:
    """Style a cell; the first cell of each look is styled property by property and the others copy
    its style array (setting styles one by one dominated the cost of writing a form)."""
    if key in styled:
        cell._style = copy(styled[key])
        return
    for name, value in properties.items():
        setattr(cell, name, value)
    styled[key] = copy(cell._style)


def _style_input(cell, spec: FieldSpec, styled: dict) -> None:
    _styled(
        cell,
        ("input", spec.meta.kind, spec.meta.filled_by_tool),
        styled,
        font=BODY_FONT,
        border=BOX,
        alignment=WRAP,
        protection=Protection(locked=False),
        number_format=NUMBER_FORMATS.get(spec.meta.kind, "General"),
        **({"fill": TOOL_FILL} if spec.meta.filled_by_tool else {}),
    )


def _style_label(cell, styled: dict, header: bool = False) -> None:
    _styled(
        cell,
        ("label", header),
        styled,
        font=LABEL_FONT,
        border=BOX,
        alignment=CENTER,
        **({"fill": HEADER_FILL} if header else {}),
    )


def build_workbook(
    form: FormDef,
    header: dict[str, Any] | None = None,
    lines: Iterable[dict[str, Any]] = (),
    *,
    paper: str = "A4",
) -> openpyxl.Workbook:
    """The form as a workbook, blank or pre-filled with known values, set up to print on ``paper``
    ("A4" or "A3", ``[forms] paper``): one page wide, no text under ``MIN_PRINTED_PT`` on paper, every row as
    high as the lines its wrapped text takes."""
    header = header or {}
    lines = list(lines)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = form.sheet_title
    ws.sheet_view.showGridLines = False
    line_fields = form.line_fields
    header_fields = form.header_fields
    widths = form_widths(form)
    width = len(widths)  # the title, the header block and the print area never reach past the form's columns
    scale = least_print_scale(widths, paper, form.landscape)

    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(1, 1, form.title).font = TITLE_FONT
    ws.cell(1, 1).alignment = CENTER
    ws.row_dimensions[1].height = 32
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    note = f"表单编号：{form.form_id}　版本：{form.version}　依据：《{procedure_of(form.clause)}》{form.clause}" + (
        f"　{form.footer_note}" if form.footer_note else ""
    )
    # The small print is as small as the printed minimum allows: a form shrunk to fit the paper gets a larger note.
    note_size = max(SMALL_FONT.sz, math.ceil(2 * MIN_PRINTED_PT / scale) / 2)
    ws.cell(2, 1, note).font = Font(name=SMALL_FONT.name, size=note_size, color=SMALL_FONT.color)
    ws.cell(2, 1).alignment = WRAP
    ws.row_dimensions[2].height = max(16, row_height(text_lines(note, sum(widths), note_size), note_size))
    row = 3

    validations: list[DataValidation] = []
    styled: dict = {}
    if line_fields:
        # Header fields sit above the table as label/value pairs, inside the table's columns: two pairs a row
        # on a wide table (label, value over three columns, twice), one pair a row on a narrow one.
        slots = [(1, 2, 4), (5, 6, 8)] if width >= 8 else [(1, 2, width)]
        for index, spec in enumerate(header_fields):
            r = row + index // len(slots)
            label, first_value, last_value = slots[index % len(slots)]
            _style_label(ws.cell(r, label, spec.title), styled)
            value = ws.cell(r, first_value)
            _style_input(value, spec, styled)
            _put(value, _shown(spec, header.get(spec.key)))
            # Styled before merging: the merge gives the range's edge cells the first cell's borders.
            ws.merge_cells(start_row=r, start_column=first_value, end_row=r, end_column=last_value)
            _name(wb, spec.key, ws.title, value.coordinate)
            needed = max(
                spec.meta.lines,
                text_lines(spec.title, widths[label - 1]),
                text_lines(_text_of(value.value), sum(widths[first_value - 1 : last_value])),
            )
            height = row_height(needed)
            ws.row_dimensions[r].height = max(ws.row_dimensions[r].height or 0, height)
        row += -(-len(header_fields) // len(slots)) + 1
        header_row = row
        for column, spec in enumerate(line_fields, start=1):
            _style_label(ws.cell(header_row, column, spec.title), styled, header=True)
            ws.column_dimensions[get_column_letter(column)].width = spec.meta.width
        titles = max(text_lines(spec.title, spec.meta.width) for spec in line_fields)
        ws.row_dimensions[header_row].height = max(30, row_height(titles))
        # A blank form gets room for a day's calls; a pre-filled one its lines and a few spare rows.
        count = len(lines) + 10 if lines else form.blank_lines
        first, last = header_row + 1, header_row + count
        for offset in range(count):
            values = lines[offset] if offset < len(lines) else {}
            shown = {spec.key: _shown(spec, values.get(spec.key)) for spec in line_fields}
            for column, spec in enumerate(line_fields, start=1):
                cell = ws.cell(first + offset, column)
                _style_input(cell, spec, styled)
                _put(cell, shown[spec.key])
            if (tall := line_row_height(form, shown)) is not None:
                ws.row_dimensions[first + offset].height = tall
        for column, spec in enumerate(line_fields, start=1):
            letter = get_column_letter(column)
            validation = _list_validation(spec) if spec.meta.kind in ("choice", "yesno") else _hint_validation(spec)
            if validation is not None:
                validation.add(f"{letter}{first}:{letter}{last}")
                validations.append(validation)
        table = Table(displayName=form.lines_key, ref=f"A{header_row}:{get_column_letter(len(line_fields))}{last}")
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
        ws.add_table(table)
        ws.freeze_panes = ws.cell(first, 1)
        ws.print_title_rows = f"{header_row}:{header_row}"
        ws.print_area = f"A1:{get_column_letter(width)}{last}"
    else:
        # A single-record form: one label/value row per field, like a paper sign-off sheet.
        ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = widths
        for spec in header_fields:
            _style_label(ws.cell(row, 1, spec.title), styled)
            value = ws.cell(row, 2)
            _style_input(value, spec, styled)
            _put(value, _shown(spec, header.get(spec.key)))
            _name(wb, spec.key, ws.title, value.coordinate)
            validation = _list_validation(spec) if spec.meta.kind in ("choice", "yesno") else _hint_validation(spec)
            if validation is not None:
                validation.add(value.coordinate)
                validations.append(validation)
            needed = max(text_lines(spec.title, widths[0]), text_lines(_text_of(value.value), widths[1]))
            ws.row_dimensions[row].height = max(26 * spec.meta.lines, row_height(needed))
            row += 1
        ws.print_area = f"A1:B{row - 1}"

    for validation in validations:
        ws.add_data_validation(validation)
    ws.page_setup.paperSize = PAPERS[paper].size
    ws.page_setup.orientation = "landscape" if form.landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = SIDE_MARGIN_IN
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    # Protected without a password: layout cells cannot be overwritten by accident, and anyone who
    # must change the layout can lift the protection from the menu.
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.insertRows = False
    ws.protection.deleteRows = False
    ws.protection.sort = False
    ws.protection.autoFilter = False

    meta = wb.create_sheet(META_SHEET)
    meta.append(["form_id", form.form_id])
    meta.append(["form_version", form.version])
    meta.append(["title", form.title])
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    wb.custom_doc_props.append(StringProperty(name="docgen.form_id", value=form.form_id))
    wb.custom_doc_props.append(StringProperty(name="docgen.form_version", value=str(form.version)))
    wb.properties.title = form.title
    wb.properties.creator = "docgen"
    return wb


def _name(wb: openpyxl.Workbook, key: str, sheet: str, coordinate: str) -> None:
    match = re.match(r"([A-Z]+)(\d+)", coordinate)
    if match is None:
        raise ValueError(f"not a cell coordinate: {coordinate!r}")
    column, row = match.groups()
    wb.defined_names[key] = DefinedName(key, attr_text=f"'{sheet}'!${column}${row}")


def save_atomic(wb: openpyxl.Workbook, path: Path) -> Path:
    return write_with(path, wb.save)


def write_form(
    form: FormDef,
    path: Path,
    header: dict[str, Any] | None = None,
    lines: Iterable[dict[str, Any]] = (),
    *,
    paper: str = "A4",
) -> Path:
    return save_atomic(build_workbook(form, header, lines, paper=paper), path)


# ============================================================ reading


def _norm_label(text: Any) -> str:
    if text is None:
        return ""
    text = str(text)
    text = re.sub(r"[\s\u3000*＊:：]|（[^）]*必填[^）]*）|\([^)]*必填[^)]*\)", "", text)
    return text.replace("（", "(").replace("）", ")")


def _label_index(specs: list[FieldSpec]) -> dict[str, FieldSpec]:
    index: dict[str, FieldSpec] = {}
    for spec in specs:
        for label in spec.labels:
            index.setdefault(_norm_label(label), spec)
    return index


def _form_of(wb: package.Workbook, forms: Mapping[str, FormDef]) -> tuple[FormDef | None, int | None, list[Finding]]:
    found_id, found_version = None, None
    if META_SHEET in wb.sheetnames:
        rows = [dict(values) for _, values in wb[META_SHEET].rows(10, 2)]  # {column: value}
        meta = {str(row[1]): row.get(2) for row in rows if 1 in row}
        found_id, found_version = meta.get("form_id"), meta.get("form_version")
    if found_id is None:
        found_id = wb.custom_properties.get("docgen.form_id")
        found_version = wb.custom_properties.get("docgen.form_version")
    if found_id is not None:
        form = forms.get(str(found_id))
        try:
            version = int(found_version) if found_version is not None else None
        except (TypeError, ValueError, OverflowError):  # OverflowError: a version cell holding inf
            version = None
        return form, version, []
    # No metadata: a form typed up by hand or copied into a fresh workbook; recognise the title.
    for ws in wb.worksheets:
        for _, values in ws.rows(4, 12):
            for _, value in values:
                if isinstance(value, str) and (form := form_by_title(forms.values(), value)):
                    note = warning(
                        f"文件中没有表单编号，按标题“{value.strip()}”识别为《{form.title}》", location=ws.title
                    )
                    return form, None, [note]
    return None, None, []


def _sheet_for(wb: package.Workbook, form: FormDef) -> package.Sheet:
    if form.sheet_title in wb.sheetnames:
        return wb[form.sheet_title]
    for ws in wb.worksheets:
        if form.lines_key in ws.tables:
            return ws
    visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible" and ws.title != META_SHEET]
    if not wb.worksheets:  # chart sheets only, or every sheet part missing
        raise package.PackageError("no worksheet")
    return visible[0] if visible else wb.worksheets[0]


def _merged_anchor(ws: package.Sheet, row: int, column: int) -> tuple[int, int, int]:
    """(row, first column, last column) of the merged range holding a cell, or the cell itself."""
    for min_row, min_col, max_row, max_col in ws.merged:
        if min_row <= row <= max_row and min_col <= column <= max_col:
            return min_row, min_col, max_col
    return row, column, column


def _raw(ws: package.Sheet, row: int, column: int) -> Raw:
    coordinate = f"{get_column_letter(column)}{row}"
    return Raw(ws.value(row, column), f"{ws.title}!{coordinate}", ws.title, coordinate)


def _by_defined_name(wb: package.Workbook, key: str) -> Raw | None:
    for sheet, reference in wb.names.get(key, ()):
        if sheet not in wb.sheetnames:
            continue
        try:
            min_col, min_row, _, _ = range_boundaries(reference)
        except (ValueError, TypeError):  # a name pointing at a formula: treat as lost
            continue
        if not min_col or not min_row:  # a whole column or row ("A:A", "1:1") is no cell: lost too
            continue
        return _raw(wb[sheet], min_row, min_col)
    return None


def _scan_labels(ws: package.Sheet, max_row: int = 80, max_col: int = 30) -> dict[str, tuple[int, int]]:
    found: dict[str, tuple[int, int]] = {}
    for row, values in ws.rows(max_row, max_col):
        for column, value in values:
            if isinstance(value, str):
                found.setdefault(_norm_label(value), (row, column))
    return found


def _header_by_label(ws: package.Sheet, spec: FieldSpec, labels: dict[str, tuple[int, int]]) -> Raw | None:
    for label in spec.labels:
        if (position := labels.get(_norm_label(label))) is not None:
            row, _, last = _merged_anchor(ws, *position)
            return _raw(ws, row, last + 1)
    return None


def _find_header_row(ws: package.Sheet, form: FormDef) -> tuple[int, dict[int, FieldSpec]] | None:
    index = _label_index(form.line_fields)
    if form.lines_key in ws.tables:
        try:
            min_col, min_row, max_col, _ = range_boundaries(ws.tables[form.lines_key])
        except (ValueError, TypeError):
            min_col = None
        if min_col and min_row and max_col:  # not "A:A" or "1:1", which have no first row or column
            columns = {
                c: index[_norm_label(ws.value(min_row, c))]
                for c in range(min_col, max_col + 1)
                if _norm_label(ws.value(min_row, c)) in index
            }
            if columns:
                return min_row, columns
    best: tuple[int, dict[int, FieldSpec]] | None = None
    for row, values in ws.rows(60, 60):
        columns = {column: index[_norm_label(value)] for column, value in values if _norm_label(value) in index}
        if len(columns) >= 3 and (best is None or len(columns) > len(best[1])):
            best = (row, columns)
    return best


def read_form(path: Path, forms: Mapping[str, FormDef]) -> RawForm | None:
    """The raw values of a form workbook among ``forms`` (``docgen.steps.FORMS``), or None if it is none of them."""
    return _read_workbook(package.load(path), forms)


def _read_workbook(wb: package.Workbook, forms: Mapping[str, FormDef]) -> RawForm | None:
    form, version, notes = _form_of(wb, forms)
    if form is None:
        return None
    ws = _sheet_for(wb, form)
    labels: dict[str, tuple[int, int]] | None = None
    header: dict[str, Raw] = {}
    for spec in form.header_fields:
        raw = _by_defined_name(wb, spec.key)
        if raw is None:
            labels = labels if labels is not None else _scan_labels(ws)
            raw = _header_by_label(ws, spec, labels)
        if raw is not None:
            header[spec.key] = raw
        elif spec.required:
            notes.append(
                error(f"找不到“{spec.title}”一栏；请使用系统生成的空白表单填写", field=spec.key, location=ws.title)
            )

    lines: list[dict[str, Raw]] = []
    line_rows: list[int] = []
    if form.line_model is not None:
        found = _find_header_row(ws, form)
        if found is None:
            notes.append(
                error(
                    f"找不到“{form.lines_title}”表头（{'、'.join(s.title for s in form.line_fields[:4])}…）；"
                    "请使用系统生成的空白表单填写",
                    field=form.lines_key,
                    location=ws.title,
                )
            )
        else:
            header_row, columns = found
            present = {spec.key for spec in columns.values()}
            for spec in form.line_fields:
                if spec.required and spec.key not in present:
                    notes.append(
                        error(
                            f"表头中缺少“{spec.title}”列",
                            field=f"{form.lines_key}.{spec.key}",
                            location=f"{ws.title}!{header_row}行",
                        )
                    )
            last_row = ws.max_row
            if last_row - header_row > MAX_LINES:
                notes.append(
                    error(f"登记行数超过{MAX_LINES}行；请分成多个文件提交", field=form.lines_key, location=ws.title)
                )
                last_row = header_row + MAX_LINES
            filled_rows = {row for row, _ in ws.rows(last_row, max(columns), min_row=header_row + 1)}
            for row in sorted(filled_rows):
                line = {spec.key: _raw(ws, row, column) for column, spec in columns.items()}
                if all(raw.value is None or str(raw.value).strip() == "" for raw in line.values()):
                    continue
                lines.append(line)
                line_rows.append(row)
    return RawForm(form.form_id, version, header, lines, line_rows, "xlsx", notes)


# ============================================================ marking up a rejected copy


def annotate(source: Path, findings: list[Finding], out_path: Path) -> Path | None:
    """A copy of the sender's workbook with every wrong cell highlighted and commented in Chinese, and
    a first sheet 修改说明 listing them. A workbook openpyxl can read but not load whole (a date cell
    holding ``inf``) still gets the 修改说明 sheet, alone: the rejection's 说明.txt promises it."""
    try:
        with open(source, "rb") as handle, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's notes on extensions it drops; nothing to act on
            wb = openpyxl.load_workbook(handle, keep_links=False)
    except Exception as failure:  # the parsers raise a zoo of exceptions on damaged files
        log.warning("could not open %s to mark its cells (%r); writing the 修改说明 sheet alone", source, failure)
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
    try:
        for finding in findings:
            if finding.severity != "error" or not finding.sheet or not finding.cell:
                continue
            if finding.sheet not in wb.sheetnames:
                continue
            cell = wb[finding.sheet][finding.cell]
            if type(cell).__name__ == "MergedCell":
                continue
            cell.fill = ERROR_FILL
            previous = cell.comment.text + "\n" if cell.comment else ""
            comment = Comment(previous + finding.message, "docgen")
            comment.width, comment.height = 320, 120
            cell.comment = comment
        _correction_sheet(wb, findings)
        return save_atomic(wb, out_path)
    finally:
        wb.close()


# The 修改说明 sheet prints on A4 landscape, one page wide, at 12 pt: the column widths below add up to about
# 255 mm of the 266 mm between the margins (LibreOffice 7.4, measured), so "fit to width" never shrinks it.
CORRECTION_FONT = Font(name="宋体", size=12)
CORRECTION_LABEL_FONT = Font(name="宋体", size=12, bold=True)
CORRECTION_WIDTHS = {"A": 6, "B": 20, "C": 104}
LINE_HEIGHT_PT = 18  # one line of 12 pt text with its leading
CENTERED = Alignment(horizontal="center", vertical="center", wrap_text=True)


def text_width(text: str) -> int:
    """Width in Excel character units: a CJK or full-width character takes two, others one."""
    return sum(
        2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.category(ch) == "Cf" else 1 for ch in text
    )


def wrapped_lines(text: str, width: int) -> int:
    """Lines ``text`` takes when wrapped in a column ``width`` characters wide (each paragraph at least one)."""
    # Four fifths of the width: line breaks fall before a word or punctuation that does not fit, so a line
    # holds less than the full width (measured with LibreOffice 7.4 on 12 pt 宋体 text mixing digits and 汉字).
    usable = max(width * 4 // 5, 1)
    return sum(max(1, -(-text_width(part) // usable)) for part in text.split("\n"))


# A figure with its separators (2026-11-03, 2026/11/3, 0591-87654321, 13:30): never broken at a hyphen or slash in
# the 修改说明 sheet. WORD JOINERs hold it (invisible; a value pasted back is read without them, forms/values.py).
_FIGURE = re.compile(r"\d+(?:[-/.:]\d+)+")


def _unbroken(text: str) -> str:
    return _FIGURE.sub(lambda m: re.sub(r"([-/.:])", "\u2060\\1\u2060", m.group(0)), text)


def _correction_sheet(wb: openpyxl.Workbook, findings: list[Finding]) -> None:
    listing = wb.create_sheet("修改说明", 0)
    listing.append(["序号", "位置", "问题及应填写的内容"])
    for cell in listing[1]:
        cell.font, cell.fill, cell.border, cell.alignment = CORRECTION_LABEL_FONT, HEADER_FILL, BOX, WRAP
    listing.row_dimensions[1].height = LINE_HEIGHT_PT + 6
    for number, finding in enumerate((f for f in findings if f.severity == "error"), start=1):
        listing.append([number, finding.location or "", _unbroken(finding.message)])
        row = listing.max_row
        for cell in listing[row]:
            cell.font, cell.border, cell.alignment = CORRECTION_FONT, BOX, WRAP
            if isinstance(cell.value, str):
                # Text, never a formula: a sheet named "=cmd|' -C calc'" reaches the location column.
                cell.data_type = "s"
        listing.cell(row, 1).alignment = CENTERED
        # Explicit heights: a wrapped row without one is drawn one line high by some readers and overlaps.
        lines = max(
            wrapped_lines(finding.location or "", CORRECTION_WIDTHS["B"]),
            wrapped_lines(finding.message, CORRECTION_WIDTHS["C"]),
        )
        listing.row_dimensions[row].height = lines * LINE_HEIGHT_PT + 6
    for column, width in CORRECTION_WIDTHS.items():
        listing.column_dimensions[column].width = width
    listing.page_setup.paperSize = listing.PAPERSIZE_A4
    listing.page_setup.orientation = "landscape"
    listing.page_setup.fitToWidth = 1
    listing.page_setup.fitToHeight = 0
    listing.sheet_properties.pageSetUpPr.fitToPage = True
    listing.print_title_rows = "1:1"
    listing.print_options.horizontalCentered = True
    listing.page_margins.left = listing.page_margins.right = 0.6
    listing.oddFooter.center.text = "第 &P 页 共 &N 页"
    listing.freeze_panes = "A2"
    wb.active = 0


def print_one_page_wide(ws, *, landscape: bool = True) -> None:
    """A report sheet printed on A4, one page wide and as many long as it needs, its pages numbered 「— N —」."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "— &P —"
