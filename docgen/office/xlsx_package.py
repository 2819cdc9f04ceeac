"""A read-only view of an .xlsx package: just what the form reader needs, straight from the XML.

openpyxl builds a full object model (every style, every cell object) before a value can be read:
about 20 ms for a one-line register, most of the cost of accepting one. The reader needs cell values,
defined names, tables, merged ranges, the document's custom properties and whether a number is a date.
This module reads exactly that with lxml, under the same hardening as the safety gate (no entities,
no network, no huge trees). Values follow openpyxl's ``data_only=True`` conventions: the cached result
of a formula, ``datetime``/``time`` for date-formatted numbers, ``int`` for whole numbers.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

from lxml import etree
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils import column_index_from_string, range_boundaries
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH, from_excel

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
PROPS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
_REF = re.compile(r"([A-Z]{1,3})([0-9]+)")


def _m(tag: str) -> str:
    return f"{{{MAIN}}}{tag}"


class PackageError(ValueError):
    """The package lacks a part every workbook has."""


def _xml(package: zipfile.ZipFile, name: str):
    return etree.fromstring(package.read(name), _PARSER)


def _relationships(package: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """rId → (type, target part name) for a part's relationships."""
    folder, name = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", name + ".rels")
    if rels_name not in package.namelist():
        return {}
    found = {}
    for rel in _xml(package, rels_name).iter(f"{{{PKG_REL}}}Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        resolved = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        found[rel.get("Id")] = (rel.get("Type", "").rsplit("/", 1)[-1], resolved)
    return found


# Date and time formats Excel builds in for Chinese locales (yyyy"年"m"月"d"日", h"时"mm"分", …); they are
# not in openpyxl's table, and without them a date typed in a Chinese Excel would read as a number.
CJK_DATE_FORMAT_IDS = frozenset(range(27, 37)) | frozenset(range(50, 59))


class CellError(str):
    """A cell showing an error value (#N/A, #REF!, …) instead of content."""


def _text(element) -> str:
    """A string item: every run's text, without phonetic guides (rPh)."""
    return "".join(t.text or "" for t in element.iter(_m("t")) if t.getparent().tag != _m("rPh"))


@dataclass
class Sheet:
    title: str
    sheet_state: str
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # min_row, min_col, max_row, max_col
    tables: dict[str, str] = field(default_factory=dict)  # table name → ref
    max_row: int = 0
    max_column: int = 0

    def value(self, row: int, column: int) -> Any:
        return self.cells.get((row, column))

    def rows(self, max_row: int, max_col: int, min_row: int = 1) -> Iterator[tuple[int, list[tuple[int, Any]]]]:
        """(row, [(column, value), …]) for rows holding any value, in order."""
        by_row: dict[int, list[tuple[int, Any]]] = {}
        for (row, column), value in self.cells.items():
            if min_row <= row <= max_row and column <= max_col:
                by_row.setdefault(row, []).append((column, value))
        for row in sorted(by_row):
            yield row, sorted(by_row[row])


@dataclass
class Workbook:
    sheets: dict[str, Sheet]
    names: dict[str, list[tuple[str, str]]]  # workbook-scoped defined name → [(sheet, ref)]
    custom_properties: dict[str, str]

    @property
    def sheetnames(self) -> list[str]:
        return list(self.sheets)

    @property
    def worksheets(self) -> list[Sheet]:
        return list(self.sheets.values())

    def __getitem__(self, name: str) -> Sheet:
        return self.sheets[name]


def _date_styles(package: zipfile.ZipFile, part: str | None) -> tuple[set[int], set[int]]:
    """Style indexes whose number format shows a date (or a duration)."""
    if part is None or part not in package.namelist():
        return set(), set()
    root = _xml(package, part)
    custom = {
        int(f.get("numFmtId")): f.get("formatCode", "")
        for f in root.iter(_m("numFmt"))
        if (f.get("numFmtId") or "").isdigit()
    }
    dates, durations = set(), set()
    xfs = root.find(_m("cellXfs"))
    for index, xf in enumerate(xfs.iter(_m("xf")) if xfs is not None else ()):
        number = int(xf.get("numFmtId", "0") or 0)
        code = custom.get(number) or BUILTIN_FORMATS.get(number) or ""
        if is_timedelta_format(code):
            durations.add(index)
        elif is_date_format(code) or (number in CJK_DATE_FORMAT_IDS and number not in custom):
            dates.add(index)
    return dates, durations


def _number(text: str) -> int | float | str:
    """A numeric cell's value; its text as written when that is no number (``<v>abc</v>``), or an int
    too long for ``int()`` (over 4300 digits: a float, which may be inf)."""
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def _as_date(value: int | float | str, epoch: datetime, duration: bool) -> Any:
    """A date-formatted number as openpyxl gives it (datetime, time or timedelta), or the number itself
    when it is no date (inf, nan, 1e308, 2958466 = 10000-01-01): the form's parser says so, on its cell."""
    if isinstance(value, str):
        return value
    try:
        return from_excel(value, epoch, timedelta=duration)
    except (ArithmeticError, ValueError):  # OverflowError; "cannot convert float NaN to integer"
        return value


def _read_sheet(
    package,
    part: str,
    title: str,
    state: str,
    strings: list[str],
    dates: set[int],
    durations: set[int],
    epoch: datetime,
) -> Sheet:
    sheet = Sheet(title, state)
    root = _xml(package, part)
    data = root.find(_m("sheetData"))
    row_number = 0
    for row in data.iterchildren(_m("row")) if data is not None else ():
        row_number = int(row.get("r") or row_number + 1)
        column = 0
        for cell in row.iterchildren(_m("c")):
            reference = cell.get("r")
            if reference and (match := _REF.fullmatch(reference)):
                column, row_number = column_index_from_string(match[1]), int(match[2])
            else:
                column += 1
            kind, v = cell.get("t", "n"), cell.find(_m("v"))
            if kind == "inlineStr":
                inline = cell.find(_m("is"))
                value: Any = _text(inline) if inline is not None else None
            elif v is None or v.text is None:
                value = None
            elif kind == "s":
                value = strings[int(v.text)]
            elif kind == "b":
                value = v.text.strip() in ("1", "true")
            elif kind == "str":
                value = v.text
            elif kind == "e":
                value = CellError(v.text)
            elif kind == "d":  # an ISO 8601 date cell (rare, but valid OOXML)
                try:
                    value = datetime.fromisoformat(v.text.strip().rstrip("Z"))
                except ValueError:
                    value = v.text
            else:
                value = _number(v.text)
                style = int(cell.get("s", "0") or 0)
                if style in dates or style in durations:
                    value = _as_date(value, epoch, style in durations)
            if value is None or value == "":
                continue
            sheet.cells[(row_number, column)] = value
            sheet.max_row, sheet.max_column = max(sheet.max_row, row_number), max(sheet.max_column, column)
    for merge in root.iter(_m("mergeCell")):
        min_col, min_row, max_col, max_row = range_boundaries(merge.get("ref", "A1"))
        if min_col and min_row and max_col and max_row:  # "A:A" and "1:1" merge no cells a form uses
            sheet.merged.append((min_row, min_col, max_row, max_col))
    for relation_type, target in _relationships(package, part).values():
        if relation_type == "table" and target in package.namelist():
            table = _xml(package, target)
            for key in {table.get("name"), table.get("displayName")} - {None}:
                sheet.tables[key] = table.get("ref", "")
    return sheet


def load(path: Path) -> Workbook:
    """The workbook's values; ``PackageError`` when a part is missing, is no well-formed XML, or holds
    what no workbook holds (a row number "x", a shared string that does not exist...)."""
    try:
        return _load(path)
    except PackageError:
        raise
    except (etree.XMLSyntaxError, KeyError, IndexError, ValueError) as damaged:
        raise PackageError(f"damaged package: {type(damaged).__name__}: {str(damaged)[:200]}") from damaged


def _load(path: Path) -> Workbook:
    with zipfile.ZipFile(path) as package:
        office = [target for kind, target in _relationships(package, "").values() if kind == "officeDocument"]
        if not office:
            raise PackageError("no workbook part")
        book_part = office[0]
        book = _xml(package, book_part)
        relations = _relationships(package, book_part)
        parts = {kind: target for kind, target in relations.values()}
        strings = (
            [_text(si) for si in _xml(package, parts["sharedStrings"]).iter(_m("si"))]
            if "sharedStrings" in parts and parts["sharedStrings"] in package.namelist()
            else []
        )
        dates, durations = _date_styles(package, parts.get("styles"))
        properties = book.find(_m("workbookPr"))
        mac = properties is not None and properties.get("date1904") in ("1", "true")
        epoch = CALENDAR_MAC_1904 if mac else WINDOWS_EPOCH
        sheets: dict[str, Sheet] = {}
        order: list[str] = []
        for element in book.iter(_m("sheet")):
            title = element.get("name", "")
            order.append(title)
            relation = relations.get(element.get(f"{{{REL}}}id"))
            if relation is None or relation[0] != "worksheet" or relation[1] not in package.namelist():
                continue  # chart sheets and dialog sheets hold no form values
            sheets[title] = _read_sheet(
                package, relation[1], title, element.get("state", "visible"), strings, dates, durations, epoch
            )
        names: dict[str, list[tuple[str, str]]] = {}
        for element in book.iter(_m("definedName")):
            if element.get("localSheetId") is not None or not element.text:
                continue
            destinations = []
            for part in element.text.split(","):
                sheet, _, reference = part.strip().rpartition("!")
                sheet = sheet.strip("'").replace("''", "'")
                if sheet and reference and "#REF" not in reference:
                    destinations.append((sheet, reference.replace("$", "")))
            names[element.get("name", "")] = destinations
        custom = {}
        if "docProps/custom.xml" in package.namelist():
            for prop in _xml(package, "docProps/custom.xml").iter(f"{{{PROPS}}}property"):
                custom[prop.get("name", "")] = "".join(prop.itertext()).strip()
        return Workbook(sheets, names, custom)
