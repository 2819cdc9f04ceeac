"""docgen.office.xlsx: blank forms that keep the docs/design.md §3 contract, reading filled ones back (also after
another office suite re-saved them or lost the names), and marking up a rejected copy."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import unicodedata
import uuid
import zipfile
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter, range_boundaries

from docgen.forms.base import validate
from docgen.office.xlsx import META_SHEET, annotate, read_form, write_form
from docgen.steps import FORMS

REGISTER = FORMS["CS-REG"]
SURVEY = FORMS["CS-SURVEY"]
TODAY = date(2026, 11, 26)
CHOICE_KINDS = ("choice", "yesno")


# ------------------------------------------------------------------------------------- helpers


@pytest.fixture
def blank_register(tmp_path) -> Path:
    return write_form(REGISTER, tmp_path / "blank" / REGISTER.file_name)


@pytest.fixture
def blank_survey(tmp_path) -> Path:
    return write_form(SURVEY, tmp_path / "blank" / SURVEY.file_name)


def name_target(wb, key: str) -> tuple[str, str]:
    """(sheet, "B3") of a workbook-scoped defined name."""
    ((sheet, reference),) = list(wb.defined_names[key].destinations)
    return sheet, reference.replace("$", "")


def table_layout(ws, name: str = "lines") -> tuple[int, dict[str, int], int]:
    """(header row, {column title: column index}, last row) of an Excel table."""
    min_col, min_row, max_col, max_row = range_boundaries(ws.tables[name].ref)
    return min_row, {ws.cell(min_row, c).value: c for c in range(min_col, max_col + 1)}, max_row


def validation_for(ws, coordinate: str):
    found = [dv for dv in ws.data_validations.dataValidation if coordinate in dv.sqref]
    assert len(found) <= 1, f"{coordinate} has {len(found)} data validations"
    return found[0] if found else None


def list_options(validation) -> tuple[str, ...]:
    formula = validation.formula1
    assert formula.startswith('"') and formula.endswith('"'), formula
    return tuple(formula[1:-1].split(","))


# What "another program" writes into the register: by defined name and by table column title, with
# the mess clerks make. Keys are the column titles printed on the form.
MESSY_HEADER = {"office": "融侨客户服务处", "clerk": "林晓"}
MESSY_LINES = [
    {
        "受理日期": "2026/11/3",
        "受理时间": "9:30",
        "来源渠道": "电话",
        "客户姓名": "王建国",
        "联系电话": "１３８ ００１３ ８０００",
        "项目/小区": "融侨锦江",
        "楼栋": "3",
        "房号": "1502",
        "投诉/来访内容": "卫生间地漏返水",
        "投诉类别": "报修",
        "是否重大投诉": "否",
        "接待人": "林晓",
    },
    {
        "受理日期": "11月3日",
        "受理时间": 14 / 24,
        "来源渠道": "来访",
        "客户姓名": "李梅",
        "联系电话": "(0591)87654321",
        "项目/小区": "融侨锦江",
        "楼栋": 5,
        "房号": 201,
        "投诉/来访内容": "外墙渗水，已两次报修未处理",
        "投诉类别": "施工质量",
        "是否重大投诉": "是",
        "接待人": "陈思",
    },
    {
        "受理日期": datetime(2026, 11, 4),
        "受理时间": "下午2点",
        "来源渠道": "物业公司",
        "客户姓名": "张伟",
        "联系电话": 13800138001.0,
        "项目/小区": "江滨花园",
        "投诉/来访内容": "电梯异响",
        "投诉类别": "物业",
        "接待人": "林晓",
    },
]
# What the register must read as, whichever office suite saved it last.
EXPECTED_LINES = [
    {
        "received_date": date(2026, 11, 3),
        "received_time": time(9, 30),
        "channel": "来电",
        "customer": "王建国",
        "phone": "13800138000",
        "project": "融侨锦江",
        "building": "3",
        "room": "1502",
        "content": "卫生间地漏返水",
        "category": "维修",
        "major": False,
        "receiver": "林晓",
        "number": None,
        "department": None,
    },
    {
        "received_date": date(2026, 11, 3),
        "received_time": time(14, 0),
        "channel": "来访",
        "customer": "李梅",
        "phone": "0591-87654321",
        "project": "融侨锦江",
        "building": "5",
        "room": "201",
        "content": "外墙渗水，已两次报修未处理",
        "category": "施工质量",
        "major": True,
        "receiver": "陈思",
        "number": None,
        "department": None,
    },
    {
        "received_date": date(2026, 11, 4),
        "received_time": time(14, 0),
        "channel": "物业公司转交",
        "customer": "张伟",
        "phone": "13800138001",
        "project": "江滨花园",
        "building": None,
        "room": None,
        "content": "电梯异响",
        "category": "物业服务",
        "major": False,
        "receiver": "林晓",
        "number": None,
        "department": None,
    },
]


def fill_register(blank: Path, out: Path, header: dict, lines: list[dict], *, trailing_blanks: bool = True) -> Path:
    """Fill a blank register the way another program would: header cells found through their defined
    names, lines written into the rows of the `lines` table under the column with that title."""
    wb = openpyxl.load_workbook(blank)
    for key, value in header.items():
        sheet, cell = name_target(wb, key)
        wb[sheet][cell] = value
    ws = wb[REGISTER.sheet_title]
    header_row, columns, _ = table_layout(ws)
    for offset, line in enumerate(lines, start=1):
        for title, value in line.items():
            ws.cell(header_row + offset, columns[title]).value = value
    if trailing_blanks:
        # rows someone typed into and cleared: blanks and spaces only, they are no lines
        ws.cell(header_row + len(lines) + 1, columns["客户姓名"]).value = ""
        ws.cell(header_row + len(lines) + 3, columns["投诉/来访内容"]).value = "   "
        ws.cell(header_row + len(lines) + 4, columns["联系电话"]).value = "\u3000"
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def parsed_lines(path: Path) -> tuple[list[dict], object]:
    raw = read_form(path, FORMS)
    assert raw is not None, f"{path.name} not recognised as a form"
    parsed, findings = validate(REGISTER, raw, today=TODAY)
    assert parsed is not None, [f.message for f in findings]
    assert not [f for f in findings if f.severity == "error"]
    keys = EXPECTED_LINES[0].keys()
    return [{k: line.model_dump()[k] for k in keys} for line in parsed.lines], parsed


def resave_with_libreoffice(source: Path, outdir: Path, to: str = "xlsx") -> Path:
    """``source`` opened and saved again by LibreOffice (``to``: "xlsx", or "docx:MS Word 2007 XML")."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed; `make test` installs libreoffice-calc-nogui")
    profile = Path(f"/tmp/lo-profile-{uuid.uuid4().hex}")  # private: parallel tests must not share one
    try:
        done = subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                to,
                "--outdir",
                str(outdir),
                str(source),
            ],
            capture_output=True,
            text=True,
            timeout=180,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    result = outdir / f"{source.stem}.{to.split(':')[0]}"
    assert done.returncode == 0 and result.exists(), f"soffice failed: {done.stdout}\n{done.stderr}"
    return result


# ------------------------------------------------------------------------------ the blank register


def test_every_header_field_has_a_workbook_scoped_name_equal_to_its_key(blank_register):
    wb = openpyxl.load_workbook(blank_register)
    ws = wb[REGISTER.sheet_title]
    keys = [spec.key for spec in REGISTER.header_fields]
    assert sorted(wb.defined_names.keys()) == sorted(keys)
    assert not ws.defined_names, "names must be workbook-scoped, not sheet-scoped"
    for spec in REGISTER.header_fields:
        assert wb.defined_names[spec.key].localSheetId is None
        sheet, cell = name_target(wb, spec.key)
        assert sheet == REGISTER.sheet_title
        target = ws[cell]
        # the named cell is the input cell right of its printed label
        assert ws.cell(target.row, target.column - 1).value == spec.title
        assert target.protection.locked is False


def test_lines_are_an_excel_table_named_after_the_collection_with_the_titles_as_header(blank_register):
    ws = openpyxl.load_workbook(blank_register)[REGISTER.sheet_title]
    assert list(ws.tables.keys()) == [REGISTER.lines_key] == ["lines"]
    header_row, columns, last_row = table_layout(ws)
    assert list(columns) == [spec.title for spec in REGISTER.line_fields]
    assert last_row - header_row == REGISTER.blank_lines


def test_every_choice_column_has_a_dropdown_with_the_definition_choices(blank_register):
    ws = openpyxl.load_workbook(blank_register)[REGISTER.sheet_title]
    header_row, columns, last_row = table_layout(ws)
    with_lists = set()
    for spec in REGISTER.line_fields:
        letter = get_column_letter(columns[spec.title])
        first = validation_for(ws, f"{letter}{header_row + 1}")
        if first is None or first.type != "list":
            continue
        with_lists.add(spec.key)
        assert validation_for(ws, f"{letter}{last_row}") is first, f"{spec.title}: dropdown must cover every row"
        assert list_options(first) == spec.meta.choices
        assert first.allow_blank and first.showErrorMessage
    assert with_lists == {s.key for s in REGISTER.line_fields if s.meta.kind in CHOICE_KINDS}
    assert with_lists == {"channel", "category", "major", "department", "opinion", "assisting"}


def test_form_id_and_version_are_stored_in_a_hidden_meta_sheet_and_properties(blank_register):
    wb = openpyxl.load_workbook(blank_register)
    meta = wb[META_SHEET]
    assert meta.sheet_state == "hidden"
    stored = {row[0]: row[1] for row in meta.iter_rows(values_only=True)}
    assert stored["form_id"] == REGISTER.form_id == "CS-REG"
    assert stored["form_version"] == REGISTER.version == 3
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props == {"docgen.form_id": "CS-REG", "docgen.form_version": "3"}
    assert wb.sheetnames[0] == REGISTER.sheet_title  # what opens is the form, not the metadata


def test_sheet_is_protected_without_password_and_only_input_cells_are_unlocked(blank_register):
    wb = openpyxl.load_workbook(blank_register)
    ws = wb[REGISTER.sheet_title]
    assert ws.protection.sheet is True
    assert not ws.protection.password
    header_row, columns, last_row = table_layout(ws)
    # layout: title, form-number line, header labels and table header are locked
    assert ws["A1"].value == REGISTER.title and ws["A1"].protection.locked
    assert "CS-REG" in ws["A2"].value and ws["A2"].protection.locked
    for spec in REGISTER.header_fields:
        sheet, cell = name_target(wb, spec.key)
        label = ws.cell(ws[cell].row, ws[cell].column - 1)
        assert label.value == spec.title and label.protection.locked
    for column in columns.values():
        assert ws.cell(header_row, column).protection.locked
        for row in range(header_row + 1, last_row + 1):
            assert ws.cell(row, column).protection.locked is False, ws.cell(row, column).coordinate


def test_page_setup_is_a4_landscape_fit_to_width_with_print_area_and_titles(blank_register):
    ws = openpyxl.load_workbook(blank_register)[REGISTER.sheet_title]
    header_row, columns, last_row = table_layout(ws)
    assert int(ws.page_setup.paperSize) == 9  # A4 in the OOXML paper size table
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert int(ws.page_setup.fitToWidth) == 1
    assert int(ws.page_setup.fitToHeight) == 0  # as many pages tall as needed
    last_letter = get_column_letter(len(columns))
    assert ws.print_area == f"'{REGISTER.sheet_title}'!$A$1:${last_letter}${last_row}"
    assert ws.print_title_rows == f"${header_row}:${header_row}"


def test_column_widths_come_from_the_definitions(blank_register):
    ws = openpyxl.load_workbook(blank_register)[REGISTER.sheet_title]
    _, columns, _ = table_layout(ws)
    for spec in REGISTER.line_fields:
        assert ws.column_dimensions[get_column_letter(columns[spec.title])].width == spec.meta.width, spec.title


def test_blank_survey_names_every_field_and_has_dropdowns(blank_survey):
    wb = openpyxl.load_workbook(blank_survey)
    ws = wb[SURVEY.sheet_title]
    assert sorted(wb.defined_names.keys()) == sorted(spec.key for spec in SURVEY.header_fields)
    assert ws.protection.sheet is True and ws.page_setup.orientation == "portrait"
    for spec in SURVEY.header_fields:
        sheet, cell = name_target(wb, spec.key)
        assert ws.cell(ws[cell].row, 1).value == spec.title
        assert ws[cell].protection.locked is False
        validation = validation_for(ws, cell)
        if spec.meta.kind in CHOICE_KINDS:
            assert validation is not None and validation.type == "list", spec.title
            assert list_options(validation) == spec.meta.choices
        else:
            assert validation is None or validation.type is None, spec.title


def test_a_blank_form_reads_as_no_lines_and_is_refused(blank_register):
    raw = read_form(blank_register, FORMS)
    assert raw.form_id == "CS-REG" and raw.version == 3 and raw.source_kind == "xlsx"
    assert raw.lines == [] and raw.notes == []
    parsed, findings = validate(REGISTER, raw, today=TODAY)
    assert parsed is None
    assert [f.field for f in findings] == ["lines"]
    assert "没有填写任何一行" in findings[0].message


# ----------------------------------------------------------------------------- writing values


@pytest.mark.parametrize(
    "hostile", ['=HYPERLINK("http://example.com","点击")', "+86 138 0013 8000", "-1+1", "@SUM(A1:A9)", "=1+1"]
)
def test_values_that_look_like_formulas_stay_text(tmp_path, hostile):
    # GIVEN a value starting with = + - @ WHEN written into a form THEN it is stored as text, no formula
    path = write_form(
        REGISTER,
        tmp_path / "out.xlsx",
        {"office": hostile},
        [{"customer": hostile, "content": hostile, "received_date": date(2026, 11, 3)}],
    )
    wb = openpyxl.load_workbook(path)  # formulas would come back as data_type "f"
    ws = wb[REGISTER.sheet_title]
    header_row, columns, _ = table_layout(ws)
    sheet, office = name_target(wb, "office")
    cells = [
        ws[office],
        ws.cell(header_row + 1, columns["客户姓名"]),
        ws.cell(header_row + 1, columns["投诉/来访内容"]),
    ]
    for cell in cells:
        assert (cell.value, cell.data_type) == (hostile, "s"), cell.coordinate
    with zipfile.ZipFile(path) as package:
        assert b"<f>" not in package.read("xl/worksheets/sheet1.xml")
    # and it reads back as the same text
    raw = read_form(path, FORMS)
    assert raw.header["office"].value == hostile
    assert raw.lines[0]["customer"].value == hostile


def test_prefilled_form_reads_back_as_written(tmp_path):
    line = {
        "received_date": date(2026, 11, 23),
        "received_time": time(10, 0),
        "channel": "来电",
        "customer": "王建国",
        "phone": "13800138000",
        "project": "融侨锦江",
        "content": "地漏返水",
        "category": "维修",
        "major": True,
        "receiver": "林晓",
        "number": "KF-2026-00001",
    }
    path = write_form(REGISTER, tmp_path / "prefilled.xlsx", {"office": "客户服务部"}, [line])
    raw = read_form(path, FORMS)
    parsed, findings = validate(REGISTER, raw, today=TODAY)
    assert findings == []
    assert parsed.header.office == "客户服务部"
    got = parsed.lines[0].model_dump()
    assert {k: got[k] for k in line} == line


def test_prefilled_survey_amount_and_choices_round_trip(tmp_path):
    values = {
        "case_number": "KF-2026-00001",
        "survey_date": date(2026, 11, 24),
        "estimate": Decimal("1200.50"),
        "responsible_party": "施工单位",
        "work_kind": "单工种",
        "in_warranty": True,
        "repairer": "客户服务维修队",
    }
    path = write_form(SURVEY, tmp_path / "survey.xlsx", values)
    parsed, findings = validate(SURVEY, read_form(path, FORMS), today=TODAY)
    assert findings == []
    got = parsed.header.model_dump()
    assert {k: got[k] for k in values} == values


# ------------------------------------------------------------------------------------- reading


def test_register_filled_by_another_program_through_names_and_table(tmp_path, blank_register):
    # GIVEN a blank register filled through its defined names and table, with messy values and
    #       trailing rows holding only blanks
    filled = fill_register(blank_register, tmp_path / "filled.xlsx", MESSY_HEADER, MESSY_LINES)
    # WHEN it is read and validated
    lines, parsed = parsed_lines(filled)
    # THEN every line has its parsed values, the blank rows are no lines, and rows are sheet rows
    assert lines == EXPECTED_LINES
    header_row, _, _ = table_layout(openpyxl.load_workbook(filled)[REGISTER.sheet_title])
    assert parsed.line_rows == [header_row + 1, header_row + 2, header_row + 3]
    assert parsed.header.model_dump() == MESSY_HEADER
    assert parsed.header_sources["office"].location == f"{REGISTER.sheet_title}!B3"


def test_register_resaved_by_libreoffice_reads_the_same(tmp_path, blank_register):
    # GIVEN the messy register re-saved by LibreOffice (a second office suite)
    filled = fill_register(blank_register, tmp_path / "filled.xlsx", MESSY_HEADER, MESSY_LINES)
    resaved = resave_with_libreoffice(filled, tmp_path / "lo")
    with zipfile.ZipFile(resaved) as package:
        assert "xl/workbook.xml" in package.namelist()
    # WHEN it is read THEN the same values come out
    lines, parsed = parsed_lines(resaved)
    assert lines == EXPECTED_LINES
    assert parsed.header.model_dump() == MESSY_HEADER


def test_register_without_names_or_table_is_read_by_labels(tmp_path, blank_register):
    # GIVEN a filled register whose defined names and table were lost (software that drops them)
    filled = fill_register(blank_register, tmp_path / "filled.xlsx", MESSY_HEADER, MESSY_LINES)
    wb = openpyxl.load_workbook(filled)
    named = {key: name_target(wb, key)[1] for key in MESSY_HEADER}
    for key in list(wb.defined_names.keys()):
        del wb.defined_names[key]
    ws = wb[REGISTER.sheet_title]
    for name in list(ws.tables.keys()):
        del ws.tables[name]
    bare = tmp_path / "bare.xlsx"
    wb.save(bare)
    reopened = openpyxl.load_workbook(bare)
    assert not list(reopened.defined_names.keys()) and not reopened[REGISTER.sheet_title].tables
    # WHEN it is read THEN header values are found right of their labels and lines under their titles
    raw = read_form(bare, FORMS)
    assert {key: raw.header[key].cell for key in MESSY_HEADER} == named
    lines, parsed = parsed_lines(bare)
    assert lines == EXPECTED_LINES
    assert parsed.header.model_dump() == MESSY_HEADER


def test_survey_without_names_is_read_by_labels(tmp_path):
    values = {
        "case_number": "KF-2026-00007",
        "survey_date": "2026年11月24日",
        "estimate": "￥1,200.50",
        "responsible_party": "施工单位",
        "work_kind": "单工种",
        "in_warranty": "是",
        "repairer": "客户服务维修队",
        "phone": "0591 87654321",
    }
    path = write_form(SURVEY, tmp_path / "survey.xlsx", values)
    wb = openpyxl.load_workbook(path)
    for key in list(wb.defined_names.keys()):
        del wb.defined_names[key]
    wb.save(path)
    parsed, findings = validate(SURVEY, read_form(path, FORMS), today=TODAY)
    assert findings == []
    assert parsed.header.survey_date == date(2026, 11, 24)
    assert parsed.header.estimate == Decimal("1200.50")
    assert parsed.header.in_warranty is True
    assert parsed.header.phone == "0591-87654321"


def test_register_without_metadata_is_recognised_by_its_title_with_a_warning(tmp_path, blank_register):
    # GIVEN a filled register copied into a fresh workbook: no _meta sheet, no custom properties
    filled = fill_register(blank_register, tmp_path / "filled.xlsx", MESSY_HEADER, MESSY_LINES)
    wb = openpyxl.load_workbook(filled)
    del wb[META_SHEET]
    wb.custom_doc_props.props.clear()
    stripped = tmp_path / "stripped.xlsx"
    wb.save(stripped)
    reopened = openpyxl.load_workbook(stripped)
    assert META_SHEET not in reopened.sheetnames and not list(reopened.custom_doc_props.props)
    # WHEN it is read
    raw = read_form(stripped, FORMS)
    # THEN it is the register (version unknown), with a warning finding, and its values are read
    assert raw.form_id == "CS-REG" and raw.version is None
    assert [f.severity for f in raw.notes] == ["warning"]
    assert "来电、来访登记表" in raw.notes[0].message and "没有表单编号" in raw.notes[0].message
    lines, parsed = parsed_lines(stripped)
    assert lines == EXPECTED_LINES


def test_a_workbook_that_is_no_form_is_not_recognised(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "月度销售汇总"
    wb.save(tmp_path / "other.xlsx")
    assert read_form(tmp_path / "other.xlsx", FORMS) is None


def _wrong_register(tmp_path, blank_register) -> tuple[Path, dict[str, str]]:
    """A register with four wrong cells; returns the path and {field: the exact cell}."""
    lines = [dict(line) for line in MESSY_LINES]
    lines[0]["联系电话"] = "1380013800"  # ten digits
    lines[1]["受理日期"] = "11/3"  # ambiguous
    lines[2]["客户姓名"] = None  # required, missing
    lines[2]["投诉类别"] = "投诉"  # no such category
    path = fill_register(blank_register, tmp_path / "wrong.xlsx", MESSY_HEADER, lines)
    header_row, columns, _ = table_layout(openpyxl.load_workbook(path)[REGISTER.sheet_title])

    def at(title, line):
        return f"{get_column_letter(columns[title])}{header_row + line}"

    return path, {
        "lines.phone": at("联系电话", 1),
        "lines.received_date": at("受理日期", 2),
        "lines.customer": at("客户姓名", 3),
        "lines.category": at("投诉类别", 3),
    }


def test_wrong_cells_give_error_findings_at_the_exact_cell(tmp_path, blank_register):
    # GIVEN a register with a wrong phone, an ambiguous date, a missing name and an unknown category
    path, cells = _wrong_register(tmp_path, blank_register)
    # WHEN it is validated
    parsed, findings = validate(REGISTER, read_form(path, FORMS), today=TODAY)
    # THEN it is refused with one error per wrong cell, each naming its sheet and cell
    assert parsed is None
    errors = {f.field: f for f in findings if f.severity == "error"}
    assert len(errors) == len(findings) == 4
    assert {field: f.cell for field, f in errors.items()} == cells
    for field, finding in errors.items():
        assert finding.sheet == REGISTER.sheet_title
        assert finding.location == f"{REGISTER.sheet_title}!{cells[field]}"
        row = int("".join(ch for ch in cells[field] if ch.isdigit()))
        assert finding.message.startswith(f"第{row}行“")
    assert "“1380013800”不是有效的电话号码" in errors["lines.phone"].message
    assert "无法确定是哪一天" in errors["lines.received_date"].message
    assert "“客户姓名”未填写" in errors["lines.customer"].message
    assert "维修、设计、施工质量" in errors["lines.category"].message


def test_wrong_survey_cell_is_located_through_its_defined_name(tmp_path):
    path = write_form(
        SURVEY,
        tmp_path / "survey.xlsx",
        {
            "case_number": "KF-2026-00001",
            "survey_date": "2026-02-30",
            "estimate": "1200元",
            "responsible_party": "施工单位",
            "work_kind": "单工种",
            "in_warranty": "否",
            "repairer": "客户服务维修队",
        },
    )
    parsed, findings = validate(SURVEY, read_form(path, FORMS), today=TODAY)
    assert parsed is None
    sheet, cell = name_target(openpyxl.load_workbook(path), "survey_date")
    assert [(f.severity, f.field, f.sheet, f.cell) for f in findings] == [("error", "survey_date", sheet, cell)]
    assert findings[0].message == "“勘察日期”：“2026-02-30”不是有效日期"


def test_annotate_marks_the_wrong_cells_in_a_copy(tmp_path, blank_register):
    # GIVEN the findings of a wrong register
    path, cells = _wrong_register(tmp_path, blank_register)
    _, findings = validate(REGISTER, read_form(path, FORMS), today=TODAY)
    original = path.read_bytes()
    # WHEN a copy is annotated for the sender
    out = annotate(path, findings, tmp_path / "rejected" / "wrong-批注.xlsx")
    # THEN the original is untouched and the copy has a comment and red fill on each wrong cell
    assert path.read_bytes() == original
    wb = openpyxl.load_workbook(out)
    ws = wb[REGISTER.sheet_title]
    for finding in findings:
        cell = ws[finding.cell]
        assert cell.comment is not None and finding.message in cell.comment.text, finding.cell
        assert cell.fill.fill_type == "solid"
        assert cell.fill.fgColor.rgb.upper().endswith("FFC7CE")
    untouched = ws["A1"]
    assert untouched.comment is None and untouched.fill.fill_type is None
    header_row, columns, _ = table_layout(ws)
    fine = ws.cell(header_row + 1, columns["客户姓名"])
    assert fine.comment is None and not (fine.fill.fgColor.rgb or "").upper().endswith("FFC7CE")
    # and a 修改说明 sheet, shown first, lists every error with where it is
    assert wb.sheetnames[0] == "修改说明"
    listing = list(wb["修改说明"].iter_rows(values_only=True))
    assert listing[0] == ("序号", "位置", "问题及应填写的内容")
    # (figures held together by invisible WORD JOINERs, so a printed date never breaks at its hyphen)
    shown = [(n, where, message.replace("\u2060", "")) for n, where, message in listing[1:]]
    assert shown == [(n, f.location, f.message) for n, f in enumerate(findings, start=1)]
    # and the copy is still the same form for the reader
    assert read_form(out, FORMS).form_id == "CS-REG"


def test_annotate_skips_findings_without_a_cell(tmp_path, blank_register):
    from docgen.findings import error, warning

    findings = [
        error("“受理单位”未填写", field="office", location="登记表"),
        warning("迟了", location="登记表!B6", sheet="登记表", cell="B6"),
    ]
    out = annotate(blank_register, findings, tmp_path / "annotated.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb["登记表"]["B6"].comment is None  # warnings are not marked on the sender's copy
    assert list(wb["修改说明"].iter_rows(min_row=2, values_only=True)) == [(1, "登记表", "“受理单位”未填写")]


def test_annotate_still_writes_the_correction_sheet_when_the_workbook_cannot_be_loaded_whole(tmp_path, blank_register):
    from docgen.findings import error

    # GIVEN a workbook docgen read but openpyxl cannot load (a date cell holding <v>inf</v> was one)
    with zipfile.ZipFile(blank_register) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    parts["xl/styles.xml"] = b"<styleSheet"  # not XML
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(broken, "w") as package:
        for name, data in parts.items():
            package.writestr(name, data)
    findings = [error("“inf”不是日期", location="登记表!B6", sheet="登记表", cell="B6")]
    # WHEN its annotated copy is written, THEN it holds the 修改说明 sheet the rejection's 说明.txt promises
    out = annotate(broken, findings, tmp_path / "标注-broken.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["修改说明"]
    assert list(wb["修改说明"].iter_rows(min_row=2, values_only=True)) == [(1, "登记表!B6", "“inf”不是日期")]


def test_annotate_writes_a_sheet_name_that_looks_like_a_formula_as_text(tmp_path):
    from docgen.findings import error

    # GIVEN a rejected workbook whose sheet is named like a DDE formula, and findings that start with = + - @
    evil = "=cmd|' -C calc'"
    workbook = openpyxl.Workbook()
    workbook.active.title = evil
    workbook.active["F6"] = "1380013800"
    workbook.save(tmp_path / "evil.xlsx")
    findings = [
        error("不是有效的电话号码", location=f"{evil}!F6", sheet=evil, cell="F6"),
        error("+1 应为 11 位手机号", location="-2+3"),
        error("@SUM(A1) 无效", location="@A1"),
    ]
    # WHEN its annotated copy is written
    out = annotate(tmp_path / "evil.xlsx", findings, tmp_path / "标注-evil.xlsx")
    # THEN every text in 修改说明 is a text cell, never a formula
    listing = openpyxl.load_workbook(out)["修改说明"]
    cells = [cell for row in listing.iter_rows(min_row=2, min_col=2) for cell in row]
    assert [c.value for c in cells] == [
        f"{evil}!F6",
        "不是有效的电话号码",
        "-2+3",
        "+1 应为 11 位手机号",
        "@A1",
        "@SUM(A1) 无效",
    ]
    assert all(c.data_type == "s" for c in cells)
    with zipfile.ZipFile(out) as package:
        assert all(
            "<f>" not in package.read(name).decode("utf-8")
            for name in package.namelist()
            if name.startswith("xl/worksheets/")
        )


# ------------------------------------------------------------------ the 修改说明 sheet in print (issue 11)

LONG_MESSAGE = (
    "“联系电话”应为 11 位手机号码（如 13905912233）或带区号的座机号码（如 0591-87654321）；"
    "现填写“139059122”，少了 2 位数字。请核对后重新填写。"
)


def _long_findings():
    from docgen.findings import error

    return [
        error(LONG_MESSAGE * repeat, location=f"登记表!H{5 + repeat}", sheet="登记表", cell=f"H{5 + repeat}")
        for repeat in (1, 2, 3, 4)
    ] + [error("“接待日期”无法识别：“11/3”。请写成 2026/11/3 或 2026年11月3日。", location="登记表!C5")]


def test_the_correction_sheet_prints_one_page_wide_at_a_readable_size(tmp_path, blank_register):
    from docgen.office.xlsx import LINE_HEIGHT_PT, wrapped_lines

    # GIVEN a rejected register with messages of one to four paragraphs' length
    out = annotate(blank_register, _long_findings(), tmp_path / "annotated.xlsx")
    listing = openpyxl.load_workbook(out)["修改说明"]
    # THEN the sheet is set up for A4 landscape, fitted to one page wide, its header repeated on each page
    setup = listing.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
    assert listing.sheet_properties.pageSetUpPr.fitToPage and listing.print_title_rows == "$1:$1"
    # and every cell is at least 12 pt, and each wrapped row is as high as its lines
    for row in listing.iter_rows(min_row=1):
        for cell in row:
            assert cell.font.sz >= 12 and cell.alignment.wrap_text
    for number in range(2, listing.max_row + 1):
        lines = wrapped_lines(listing.cell(number, 3).value, 104)
        assert listing.row_dimensions[number].height >= lines * LINE_HEIGHT_PT


def test_the_correction_sheet_printed_by_libreoffice_has_no_text_cut_or_overlapping(tmp_path, blank_register):
    import re

    # GIVEN the same sheet printed by LibreOffice
    out = annotate(blank_register, _long_findings(), tmp_path / "annotated.xlsx")
    pdf = resave_with_libreoffice(out, tmp_path / "printed", "pdf")
    bbox = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    width = float(re.search(r'<page width="([\d.]+)"', bbox).group(1))
    words = [
        (float(x0), float(y0), float(x1), float(y1), text)
        for x0, y0, x1, y1, text in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', bbox
        )
    ]
    # THEN page 1 is landscape and holds the whole sheet, its last message to the end, inside the margins
    assert width > 800
    text = "".join(word[4] for word in words)
    assert "2026年11月3日。" in text and text.count("请核对后重新填写。") == 10
    assert all(x1 <= width - 28 for _, _, x1, _, _ in words)  # 10 mm: nothing runs past the printable area
    # and a figure is never broken at its hyphen (2026-11-03, 0591-87654321 stay on one line)
    assert all("0591-87654321" in word for *_, word in words if "0591-" in word or word.startswith("87654321"))
    # and no two words overlap (a row too low for its wrapped text draws lines over the next row)
    for index, (ax0, ay0, ax1, ay1, a) in enumerate(words):
        for bx0, by0, bx1, by1, b in words[index + 1 :]:
            overlap_x = min(ax1, bx1) - max(ax0, bx0)
            overlap_y = min(ay1, by1) - max(ay0, by0)
            assert overlap_x <= 1 or overlap_y <= 1, (a, b)


# ------------------------------------------------------------ every form in print: size, width, rows (issue 11)
#
# Measured once in LibreOffice 7.4 (soffice --convert-to pdf, pdftotext -bbox): one unit of column width prints
# 5.55 pt wide at 100 %; a cell wraps its text 1.5 to 3 pt before the column's edge; a line of 11 pt 宋体
# (Noto Serif CJK) is 15 pt apart from the next and its word box 1.3 times the font size high. "Fit to one page
# wide" prints at the whole percent that fits, and LibreOffice takes 2 % more off when that pulls the last rows
# onto the page before (tdf#103516).

PT_PER_WIDTH = 5.55
WRAP_PADDING_PT = 1.5
LINE_PITCH = 15 / 11
WORD_BOX = 1.3
PAPER_MM = {"A4": (9, 210.0, 297.0), "A3": (8, 297.0, 420.0)}
MIN_PT = 9
DEFAULT_WIDTH = 8.43  # what Excel and LibreOffice give a column without a width


def build_for(form, path: Path, paper: str) -> Path:
    # A4 through the plain call, so the test runs against a version without the paper setting too
    return write_form(form, path) if paper == "A4" else write_form(form, path, paper=paper)


def form_sheet(path: Path, form):
    return openpyxl.load_workbook(path)[form.sheet_title]


def print_columns(ws) -> tuple[int, int, int, int]:
    """(first column, first row, last column, last row) of the print area."""
    area = ws.print_area if isinstance(ws.print_area, str) else ws.print_area[0]
    return range_boundaries(area.split("!")[-1].replace("$", ""))


def column_width(ws, column: int) -> float | None:
    """The width the sheet gives a column, or None (openpyxl answers 13 for a column it has no width for)."""
    for dimension in list(ws.column_dimensions.values()):
        if (dimension.min or 0) <= column <= (dimension.max or 0) and dimension.width:
            return dimension.width
    return None


def least_scale(ws, paper: str, landscape: bool) -> float:
    """The smallest scale the sheet prints at, fitted to one page wide."""
    min_col, _, max_col, _ = print_columns(ws)
    _, short, long = PAPER_MM[paper]
    printable = (long if landscape else short) / 25.4 * 72 - (ws.page_margins.left + ws.page_margins.right) * 72
    total = sum(column_width(ws, c) or DEFAULT_WIDTH for c in range(min_col, max_col + 1))
    scale = min(1.0, printable / (total * PT_PER_WIDTH))
    return int(int(scale * 100 + 1e-9) * 0.98) / 100


def least_lines(text: str, width: float, size: float) -> int:
    """The fewest lines ``text`` can take in a column ``width`` wide: 汉字 one em, anything else half an em, the
    room of a line as LibreOffice leaves it at most (a lower bound: real breaks only add lines)."""
    room = width * PT_PER_WIDTH - WRAP_PADDING_PT
    lines = 0
    for paragraph in str(text).split("\n"):
        points = sum(size if unicodedata.east_asian_width(ch) in "WF" else size / 2 for ch in paragraph)
        lines += max(1, math.ceil(points / room))
    return lines


def merged_width(ws, cell) -> float:
    for merged in ws.merged_cells.ranges:
        if cell.coordinate in merged:
            return sum(column_width(ws, c) or DEFAULT_WIDTH for c in range(merged.min_col, merged.max_col + 1))
    return column_width(ws, cell.column) or DEFAULT_WIDTH


def assert_prints_readably(ws, paper: str, landscape: bool) -> None:
    # fitted to one page wide, as many pages down as it takes, on the paper asked for
    setup = ws.page_setup
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert (int(setup.fitToWidth), int(setup.fitToHeight)) == (1, 0)
    assert int(setup.paperSize) == PAPER_MM[paper][0]
    assert setup.orientation == ("landscape" if landscape else "portrait")
    min_col, min_row, max_col, max_row = print_columns(ws)
    # every column printed has its width, and nothing lies right of the print area
    for column in range(min_col, max_col + 1):
        assert column_width(ws, column), f"column {get_column_letter(column)} has no width"
    assert ws.max_column <= max_col, f"cells right of the print area, up to {get_column_letter(ws.max_column)}"
    scale = least_scale(ws, paper, landscape)
    for row in ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col):
        for cell in row:
            if type(cell).__name__ == "MergedCell" or (cell.value is None and cell.protection.locked):
                continue
            # every text, and every input cell, prints at 9 pt or more
            printed = cell.font.sz * scale
            assert printed >= MIN_PT, f"{cell.coordinate} ({cell.value!r}) prints at {printed:.1f} pt"
            # a wrapped text has the row height its lines need
            if isinstance(cell.value, str) and cell.value:
                lines = least_lines(cell.value, merged_width(ws, cell), cell.font.sz)
                height = ws.row_dimensions[cell.row].height
                needed = lines * cell.font.sz * LINE_PITCH
                if lines > 1:
                    assert cell.alignment.wrap_text, f"{cell.coordinate} ({cell.value!r}) takes {lines} lines unwrapped"
                    assert height is not None and height >= needed, (
                        f"{cell.coordinate} ({cell.value!r}) takes {lines} lines, its row is {height} pt high"
                    )


@pytest.mark.parametrize("paper", ["A4", "A3"])
@pytest.mark.parametrize("form", FORMS.values(), ids=lambda form: form.form_id)
def test_every_blank_form_prints_one_page_wide_at_9_pt_or_more_with_rows_as_high_as_their_text(tmp_path, form, paper):
    # GIVEN the blank form as written for that paper
    ws = form_sheet(build_for(form, tmp_path / form.file_name, paper), form)
    # THEN it fits one page wide with no text under 9 pt, and every row holds its wrapped text
    assert_prints_readably(ws, paper, form.landscape)


LONG_LINE = {
    "number": "KF-2026-00012",
    "received_date": date(2026, 11, 3),
    "received_time": time(9, 30),
    "channel": "经营销售部转交",
    "customer": "欧阳晓明",
    "phone": "0591-87654321",
    "project": "融侨锦江二期",
    "building": "3号楼",
    "room": "2-1203",
    "content": "卫生间天花板漏水，楼上排水管渗漏，已影响吊顶和客厅墙面，客户要求尽快处理并赔偿损失",
    "category": "施工质量",
    "major": True,
    "receiver": "陈静",
    "department": "工程材料部",
    "feedback_due": "2026年11月25日（暂定）",
    "progress": "已派维修队勘察，待工程材料部确认责任方后安排维修",
}


def test_a_prefilled_register_prints_readably_built_or_filled(tmp_path):
    from docgen.office.xlsx_fill import fill_form

    # GIVEN a register pre-filled with long text, written whole and filled into the blank
    header = {"office": "融侨锦江客户服务处（二期）", "clerk": "林晓"}
    built = write_form(REGISTER, tmp_path / "built.xlsx", header, [LONG_LINE, {**LONG_LINE, "content": "门锁坏"}])
    filled = fill_form(REGISTER, tmp_path / "filled.xlsx", header, [LONG_LINE, {**LONG_LINE, "content": "门锁坏"}])
    # THEN both print at 9 pt or more, one page wide, each row as high as its longest text
    for path in (built, filled):
        assert_prints_readably(form_sheet(path, REGISTER), "A4", True)


def test_the_header_block_lies_inside_the_table_with_closed_borders(tmp_path):
    for form in (f for f in FORMS.values() if f.line_fields and f.header_fields):
        ws = form_sheet(write_form(form, tmp_path / form.file_name), form)
        header_row, columns, _ = table_layout(ws, form.lines_key)
        last = max(columns.values())
        wb = ws.parent
        for spec in form.header_fields:
            _, coordinate = name_target(wb, spec.key)
            label = ws.cell(ws[coordinate].row, ws[coordinate].column - 1)
            assert label.value == spec.title
            merged = next((m for m in ws.merged_cells.ranges if coordinate in m), None)
            right = merged.max_col if merged else ws[coordinate].column
            # the block ends where the table ends or before, never past it
            assert right <= last, f"{form.title}: {spec.title} reaches column {get_column_letter(right)}"
            # and each value box is closed on every side, its last column included
            edge = ws.cell(ws[coordinate].row, right)
            assert edge.border.right.style and ws[coordinate].border.left.style, f"{form.title}: {spec.title}"
            assert edge.border.top.style and edge.border.bottom.style, f"{form.title}: {spec.title}"
            # a label prints whole on its row: the row is as high as the label's lines
            lines = least_lines(spec.title, merged_width(ws, label), label.font.sz)
            assert lines == 1 or (ws.row_dimensions[label.row].height or 0) >= lines * label.font.sz * LINE_PITCH


def test_the_paper_setting_selects_a3(tmp_path):
    from docgen.forms_io import write_blank_forms
    from docgen.workspace import Settings, Workspace, WorkspaceError, load_settings

    # GIVEN an office that prints on A3
    (tmp_path / "docgen.toml").write_text('[forms]\npaper = "A3"\n', encoding="utf-8")
    workspace = Workspace(tmp_path, load_settings(tmp_path))
    # WHEN its blank forms are written
    written = write_blank_forms(workspace)
    # THEN every one is set up for A3, the register printing at full size
    assert written
    for path in written:
        ws = openpyxl.load_workbook(path).worksheets[0]
        assert int(ws.page_setup.paperSize) == 8, path.name
    register = openpyxl.load_workbook(tmp_path / "forms" / REGISTER.file_name)[REGISTER.sheet_title]
    assert least_scale(register, "A3", True) >= 0.98
    # and a paper docgen does not know is refused, naming the key
    assert Settings().forms.paper == "A4"
    (tmp_path / "docgen.toml").write_text('[forms]\npaper = "A5"\n', encoding="utf-8")
    with pytest.raises(WorkspaceError, match="forms.paper"):
        load_settings(tmp_path)


# --------------------------------------------------------------------- the same, printed by LibreOffice

SIDE_MARGIN_PT = 0.25 * 72


def print_with_libreoffice(sources: list[Path], outdir: Path) -> list[Path]:
    """Every source printed to PDF by LibreOffice, in one run."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice (soffice) and poppler-utils are needed; `make test` installs them")
    profile = Path(f"/tmp/lo-profile-{uuid.uuid4().hex}")
    try:
        done = subprocess.run(
            [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore"]
            + ["--convert-to", "pdf", "--outdir", str(outdir), *map(str, sources)],
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    pdfs = [outdir / f"{source.stem}.pdf" for source in sources]
    assert done.returncode == 0 and all(p.exists() for p in pdfs), f"soffice failed: {done.stdout}\n{done.stderr}"
    return pdfs


def printed_words(pdf: Path) -> list[tuple[int, float, float, float, float, float, str]]:
    """(page, page width, xMin, yMin, xMax, yMax, text) of every word in the PDF."""
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    words = []
    for number, (width, body) in enumerate(
        re.findall(r'<page width="([\d.]+)" height="[\d.]+">(.*?)</page>', bbox, re.S), 1
    ):
        for x0, y0, x1, y1, text in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', body
        ):
            words.append((number, float(width), float(x0), float(y0), float(x1), float(y1), text))
    return words


def assert_printed_readably(pdf: Path) -> None:
    words = printed_words(pdf)
    assert words, f"{pdf.name} printed nothing"
    for page, width, x0, y0, x1, y1, text in words:
        # a word's box is 1.3 times its font size high; a word of 汉字 only is one em per character wide
        size = (y1 - y0) / WORD_BOX
        if all(unicodedata.east_asian_width(ch) == "W" and ch.isalpha() for ch in text):
            size = min(size, (x1 - x0) / len(text))
        assert size >= MIN_PT - 0.05, f"{pdf.name} page {page}: “{text}” printed at {size:.2f} pt"
        assert x0 >= SIDE_MARGIN_PT - 1 and x1 <= width - SIDE_MARGIN_PT + 1, (
            f"{pdf.name}: “{text}” outside the margins"
        )
    # no two words overlap: a label printed over another, or wrapped text spilling out of a row too low for it
    for index, (page, _, ax0, ay0, ax1, ay1, a) in enumerate(words):
        for other_page, _, bx0, by0, bx1, by1, b in words[index + 1 :]:
            if other_page == page:
                overlap = min(ax1, bx1) - max(ax0, bx0), min(ay1, by1) - max(ay0, by0)
                assert overlap[0] <= 1 or overlap[1] <= 1, f"{pdf.name} page {page}: “{a}” overlaps “{b}”"


def test_forms_printed_by_libreoffice_are_9_pt_or_more_inside_the_margins_and_nothing_overlaps(tmp_path):
    from docgen.office.xlsx_fill import fill_form

    final = FORMS["CS-FINAL"]
    account = {
        "case_number": "KF-2026-00012",
        "order_number": "PG-B-2026-00003",
        "order_class": "B",
        "address": "融侨锦江二期 3号楼 2单元 1203室",
        "team_leader": "王建国",
        "prepared_date": date(2026, 11, 20),
        "total": Decimal("12345.67"),
        "total_uppercase": "壹万贰仟叁佰肆拾伍元陆角柒分",
    }
    # GIVEN the blank register, the register returned with long text, and the 决算书 blank and emitted
    sources = [
        build_for(REGISTER, tmp_path / "register-a4.xlsx", "A4"),
        fill_form(REGISTER, tmp_path / "register-returned.xlsx", {"office": "融侨锦江客户服务处"}, [LONG_LINE] * 3),
        build_for(final, tmp_path / "final-blank.xlsx", "A4"),
        fill_form(final, tmp_path / "final-emitted.xlsx", account, []),
    ]
    # WHEN LibreOffice prints them
    pdfs = print_with_libreoffice(sources, tmp_path / "printed")
    # THEN every word prints at 9 pt or more, inside the margins, and none is printed over another
    for pdf in pdfs:
        assert_printed_readably(pdf)
    # and the register's whole header row is on its first page, the last column included
    first_page = "".join(w[6] for w in printed_words(pdfs[0]) if w[0] == 1)
    assert REGISTER.line_fields[0].title in first_page and REGISTER.line_fields[-1].title in first_page
