"""The light package reader gives the values openpyxl (data_only) would, for what forms contain."""

from __future__ import annotations

import zipfile
from datetime import datetime, time

import openpyxl

from docgen.office import xlsx_package

WORKBOOK = """<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">{pr}
<sheets><sheet name="登记表" sheetId="1" r:id="rId1"/></sheets>
<definedNames><definedName name="office">'登记表'!$B$3</definedName>
<definedName name="lost">#REF!</definedName><definedName name="local" localSheetId="0">'登记表'!$A$1</definedName>
</definedNames></workbook>"""
SHEET = """<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="3"><c r="A3" t="s"><v>0</v></c><c r="B3" t="s"><v>1</v></c></row>
<row><c t="inlineStr"><is><r><t>甲</t></r><r><t>乙</t></r></is></c><c s="1"><v>46349.5</v></c>
<c s="2"><v>0.375</v></c><c><f>1+1</f><v>2</v></c><c><f>NOW()</f></c><c t="b"><v>1</v></c></row>
</sheetData><mergeCells count="1"><mergeCell ref="B3:D3"/></mergeCells></worksheet>"""
STYLES = """<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot; hh:mm"/></numFmts>
<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="20"/></cellXfs></styleSheet>"""
STRINGS = """<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<si><t>受理单位</t></si><si><r><t>客户</t></r><r><t>服务部</t></r><rPh><t>きゃく</t></rPh></si></sst>"""
RELS = """<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{}</Relationships>"""
REL = (
    '<Relationship Id="{}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/{}" Target="{}"/>'
)


def build(tmp_path, date1904=False):
    path = tmp_path / "crafted.xlsx"
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("_rels/.rels", RELS.format(REL.format("rId1", "officeDocument", "xl/workbook.xml")))
        package.writestr("xl/workbook.xml", WORKBOOK.format(pr='<workbookPr date1904="1"/>' if date1904 else ""))
        package.writestr(
            "xl/_rels/workbook.xml.rels",
            RELS.format(
                REL.format("rId1", "worksheet", "worksheets/sheet1.xml")
                + REL.format("rId2", "styles", "styles.xml")
                + REL.format("rId3", "sharedStrings", "sharedStrings.xml")
            ),
        )
        package.writestr("xl/worksheets/sheet1.xml", SHEET)
        package.writestr("xl/styles.xml", STYLES)
        package.writestr("xl/sharedStrings.xml", STRINGS)
    return path


def test_values_names_and_merges_as_a_form_reader_needs_them(tmp_path):
    workbook = xlsx_package.load(build(tmp_path))
    sheet = workbook["登记表"]
    # shared strings, rich text without its phonetic guide, cells written without a reference
    assert sheet.value(3, 1) == "受理单位" and sheet.value(3, 2) == "客户服务部"
    assert sheet.value(4, 1) == "甲乙"
    assert sheet.value(4, 2) == datetime(2026, 11, 23, 12, 0)  # a custom Chinese date format
    assert sheet.value(4, 3) == time(9, 0)
    assert sheet.value(4, 4) == 2 and sheet.value(4, 5) is None  # cached result; none for an uncalculated one
    assert sheet.value(4, 6) is True
    assert workbook.names == {"office": [("登记表", "B3")], "lost": []}
    assert sheet.merged == [(3, 2, 3, 4)] and (sheet.max_row, sheet.max_column) == (4, 6)


def test_1904_date_system(tmp_path):
    assert xlsx_package.load(build(tmp_path, date1904=True))["登记表"].value(4, 2).year == 2030


def test_same_values_as_openpyxl_on_a_generated_form(tmp_path):
    from docgen.office.xlsx import write_form
    from docgen.steps import FORMS
    from tests.conftest import register_line

    path = write_form(
        FORMS["CS-REG"],
        tmp_path / "r.xlsx",
        {"office": "客户服务部"},
        [register_line(), register_line(customer="李四", major=True)],
    )
    ours = xlsx_package.load(path)["登记表"]
    theirs = openpyxl.load_workbook(path, data_only=True)["登记表"]
    for row in theirs.iter_rows():
        for cell in row:
            if cell.value not in (None, ""):
                assert ours.value(cell.row, cell.column) == cell.value, cell.coordinate


def test_chinese_builtin_date_formats_error_cells_and_iso_date_cells(tmp_path):
    # GIVEN a Chinese Excel's built-in 年月日 format (id 31), an #N/A cell and an ISO date cell
    path = build(tmp_path)
    sheet = SHEET.replace('<c s="1"><v>46349.5</v></c>', '<c s="3"><v>46349</v></c>').replace(
        '<c t="b"><v>1</v></c>', '<c t="e"><v>#N/A</v></c><c t="d"><v>2026-11-23T10:00:00</v></c>'
    )
    styles = STYLES.replace('<xf numFmtId="20"/></cellXfs>', '<xf numFmtId="20"/><xf numFmtId="31"/></cellXfs>')
    rebuilt = tmp_path / "cjk.xlsx"
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(rebuilt, "w") as new:
        for name in old.namelist():
            data = old.read(name)
            new.writestr(
                name, sheet if name.endswith("sheet1.xml") else styles if name.endswith("styles.xml") else data
            )
    values = xlsx_package.load(rebuilt)["登记表"]
    assert values.value(4, 2) == datetime(2026, 11, 23)
    assert isinstance(values.value(4, 6), xlsx_package.CellError) and values.value(4, 6) == "#N/A"
    assert values.value(4, 7) == datetime(2026, 11, 23, 10, 0)
