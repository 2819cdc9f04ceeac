"""Pre-filled forms written by filling the blank form's cells, not by building a workbook each time.

Every register docgen accepts sends back one or two pre-filled workbooks. Building each with openpyxl
costs tens of milliseconds of styling and serialising, the same for every copy; only the values
differ. So the blank form is built once per process (``office.xlsx.build_workbook``, the one
definition of the layout), and a pre-filled copy is that package with values put into the empty
input cells of its sheet XML. Names, table, dropdowns, protection and print set-up are the blank's,
untouched. A form with more lines than the blank has rows falls back to ``write_form``.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter, range_boundaries

from docgen.atomic import write_with
from docgen.forms.base import FieldSpec, FormDef
from docgen.office.xlsx import _shown, _text_of, build_workbook, line_row_height, row_height, text_lines, write_form

SHEET_PART = "xl/worksheets/sheet1.xml"  # the form's own sheet is the workbook's first
_EMPTY_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"( s="[0-9]+")?(?: t="[a-zA-Z]+")?\s*(?:/>|></c>)')
_ROW_HEIGHT = re.compile(r'(<row r="([0-9]+)"[^>]*? ht=")([0-9.]+)(")')
_ROW_NO_HEIGHT = re.compile(r'<row r="([0-9]+)"((?:(?! ht=)[^>/])*)>')
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_EXCEL_EPOCH = datetime(1899, 12, 30)


@dataclass(frozen=True)
class Blank:
    members: list[tuple[zipfile.ZipInfo, bytes]]
    header_cells: dict[str, str]  # field key → coordinate
    header_widths: dict[str, float]  # field key → width of its (merged) cell, for the lines its value takes
    line_columns: dict[str, str]  # field key → column letter
    first_line_row: int
    capacity: int


_blanks: dict[str, Blank] = {}


def _prepare(form: FormDef, paper: str) -> Blank:
    workbook = build_workbook(form, paper=paper)
    header_cells, header_widths = {}, {}
    sheet = workbook[form.sheet_title]
    for spec in form.header_fields:
        _, reference = next(iter(workbook.defined_names[spec.key].destinations))
        header_cells[spec.key] = coordinate = reference.replace("$", "")
        merged = next((m for m in sheet.merged_cells.ranges if coordinate in m), None)
        min_col, _, max_col, _ = merged.bounds if merged else range_boundaries(coordinate)
        letters = (get_column_letter(column) for column in range(min_col, max_col + 1))
        header_widths[spec.key] = sum(sheet.column_dimensions[letter].width for letter in letters)
    line_columns, first_row, capacity = {}, 0, 0
    if form.line_model is not None:
        min_col, min_row, max_col, max_row = range_boundaries(sheet.tables[form.lines_key].ref)
        titles = {spec.title: spec.key for spec in form.line_fields}
        for column in range(min_col, max_col + 1):
            line_columns[titles[sheet.cell(min_row, column).value]] = get_column_letter(column)
        first_row, capacity = min_row + 1, max_row - min_row
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer) as package:
        members = [(info, package.read(info.filename)) for info in package.infolist()]
    return Blank(members, header_cells, header_widths, line_columns, first_row, capacity)


def blank_for(form: FormDef, paper: str = "A4") -> Blank:
    key = f"{form.form_id}-v{form.version}-{paper}"
    if key not in _blanks:
        _blanks[key] = _prepare(form, paper)
    return _blanks[key]


def _cell_xml(coordinate: str, style: str, value: Any) -> str:
    if isinstance(value, bool):
        value = "是" if value else "否"
    if isinstance(value, datetime):
        value = (value - _EXCEL_EPOCH).total_seconds() / 86400
    elif isinstance(value, date):
        value = (value - _EXCEL_EPOCH.date()).days
    elif isinstance(value, time):
        value = (value.hour * 3600 + value.minute * 60 + value.second) / 86400
    if isinstance(value, (int, float, Decimal)):
        return f'<c r="{coordinate}"{style} t="n"><v>{value}</v></c>'
    # Inline text is never a formula, whatever it starts with (=, +, -, @).
    text = escape(_XML_INVALID.sub("", str(value)))
    return f'<c r="{coordinate}"{style} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _values(form: FormDef, blank: Blank, header: dict, lines: list[dict]) -> dict[str, Any]:
    values: dict[str, Any] = {}

    def put(spec: FieldSpec, coordinate: str, raw: Any) -> None:
        shown = _shown(spec, raw)
        if shown is not None and shown != "":
            values[coordinate] = shown

    for spec in form.header_fields:
        put(spec, blank.header_cells[spec.key], header.get(spec.key))
    for offset, line in enumerate(lines):
        for spec in form.line_fields:
            put(spec, f"{blank.line_columns[spec.key]}{blank.first_line_row + offset}", line.get(spec.key))
    return values


def fill_form(
    form: FormDef,
    path: Path,
    header: dict[str, Any] | None = None,
    lines: Iterable[dict[str, Any]] = (),
    *,
    paper: str = "A4",
) -> Path:
    """Write the form pre-filled with ``header`` and ``lines``, atomically, set up to print on ``paper``."""
    rows = list(lines)
    blank = blank_for(form, paper)
    if len(rows) > blank.capacity:
        return write_form(form, path, header, rows, paper=paper)
    values = _values(form, blank, header or {}, rows)
    # A value that wraps to more lines than the blank's row holds gets a taller row (the layout's own rule).
    heights: dict[int, float] = {}
    for spec in form.header_fields:
        if text := _text_of(_shown(spec, (header or {}).get(spec.key))):
            row = int(blank.header_cells[spec.key].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
            height = row_height(text_lines(text, blank.header_widths[spec.key]))
            heights[row] = max(heights.get(row, 0), height)
    for offset, line in enumerate(rows):
        if tall := line_row_height(form, {s.key: _shown(s, line.get(s.key)) for s in form.line_fields}):
            heights[blank.first_line_row + offset] = tall

    def fill(match: re.Match) -> str:
        coordinate = match[1]
        return _cell_xml(coordinate, match[2] or "", values.pop(coordinate)) if coordinate in values else match[0]

    def heighten(match: re.Match) -> str:
        height = heights.get(int(match[2]))
        return f"{match[1]}{height:g}{match[4]}" if height is not None and height > float(match[3]) else match[0]

    def heighten_unset(match: re.Match) -> str:
        # a row the blank left to the office program's default (one line): LibreOffice does not grow it to fit
        # wrapped text in a file it opens, so a value that wraps sets the height itself (issue 14 D3)
        height = heights.get(int(match[1]))
        return f'<row r="{match[1]}"{match[2]} ht="{height:g}" customHeight="1">' if height else match[0]

    def write(out) -> None:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
            for info, data in blank.members:
                if info.filename == SHEET_PART:
                    sheet = _ROW_HEIGHT.sub(heighten, data.decode("utf-8")) if heights else data.decode("utf-8")
                    sheet = _ROW_NO_HEIGHT.sub(heighten_unset, sheet) if heights else sheet
                    data = _EMPTY_CELL.sub(fill, sheet).encode("utf-8")
                package.writestr(info, data)
        if values:  # a cell the layout promised was not in the sheet: never lose a value silently
            raise AssertionError(f"cells not found in the blank {form.title}: {sorted(values)}")

    write_with(path, write)
    return path
