"""Pre-filled forms written by filling the blank's cells read back exactly like forms built cell by cell."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from datetime import date, time
from decimal import Decimal

import openpyxl
import pytest

from docgen.office.xlsx import read_form, write_form
from docgen.office.xlsx_fill import blank_for, fill_form
from docgen.steps import FORMS
from tests.conftest import register_line


def values(raw_form):
    header = {key: raw.value for key, raw in raw_form.header.items()}
    lines = [{key: raw.value for key, raw in line.items()} for line in raw_form.lines]
    return header, lines, raw_form.line_numbers


def test_filled_register_reads_back_like_one_built_with_openpyxl(tmp_path):
    # GIVEN the same lines (values as they come back from the ledger's JSON, and hostile text)
    lines = [
        register_line(
            number="KF-2026-00001", received_date="2026-11-23", received_time="10:00:00", feedback_due="2026年11月26日"
        ),
        register_line(
            customer='=HYPERLINK("http://x")', content="Smith & Sons <Ltd>\n第二行", major=True, progress="@SUM(A1)"
        ),
    ]
    header = {"office": "客户服务部", "clerk": "-林晓"}
    # WHEN written both ways
    built = write_form(FORMS["CS-REG"], tmp_path / "built.xlsx", header, lines)
    filled = fill_form(FORMS["CS-REG"], tmp_path / "filled.xlsx", header, lines)
    # THEN the reader sees the same values at the same places
    b_header, b_lines, _ = values(read_form(built, FORMS))
    f_header, f_lines, f_rows = values(read_form(filled, FORMS))
    assert f_header == b_header and f_lines == b_lines and f_rows == [6, 7]
    assert f_lines[0]["received_date"].date() == date(2026, 11, 23)
    assert f_lines[0]["received_time"] == time(10, 0)
    sheet = openpyxl.load_workbook(filled)["登记表"]
    assert sheet["E7"].data_type == "s" and sheet["E7"].value.startswith("=HYPERLINK")
    assert sheet["B6"].is_date and sheet["B6"].number_format == "yyyy-mm-dd"


def test_filled_form_keeps_the_blank_names_table_and_dropdowns(tmp_path):
    filled = fill_form(
        FORMS["CS-SURVEY"], tmp_path / "survey.xlsx", {"case_number": "KF-2026-00001", "estimate": Decimal("1200.50")}
    )
    workbook = openpyxl.load_workbook(filled)
    assert set(workbook.defined_names) == {spec.key for spec in FORMS["CS-SURVEY"].header_fields}
    assert workbook["勘察会签表"].data_validations.dataValidation
    assert workbook["勘察会签表"]["B3"].value == "KF-2026-00001"
    assert workbook["勘察会签表"].protection.sheet
    with zipfile.ZipFile(filled) as package:
        assert package.testzip() is None


def test_more_lines_than_the_blank_holds_falls_back_to_building(tmp_path):
    capacity = blank_for(FORMS["CS-REG"]).capacity
    lines = [register_line(customer=f"客户{i}") for i in range(capacity + 5)]
    path = fill_form(FORMS["CS-REG"], tmp_path / "long.xlsx", {}, lines)
    assert len(read_form(path, FORMS).lines) == capacity + 5


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_a_filled_form_and_keeps_its_values(tmp_path):
    filled = fill_form(
        FORMS["CS-REG"],
        tmp_path / "in" / "filled.xlsx",
        {"office": "客户服务部"},
        [register_line(number="KF-2026-00009")],
    )
    out = tmp_path / "out"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(filled),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    _, lines, _ = values(read_form(out / "filled.xlsx", FORMS))
    assert lines[0]["number"] == "KF-2026-00009" and lines[0]["customer"] == "王建国"
