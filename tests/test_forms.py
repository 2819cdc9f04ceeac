"""The form definitions (docgen.forms) and the blank forms in `forms/` generated from them (docs/design.md §3:
blank forms are generated, never hand-edited; this test proves `forms/` equals what the definitions
produce)."""

from __future__ import annotations

import re
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from docgen.forms.base import FormDef, Raw, RawForm, form_by_title, validate
from docgen.forms_io import canonical_xml as canonical
from docgen.forms_io import differing_members, write_blank_forms
from docgen.steps import FORMS
from docgen.workspace import Settings, Workspace

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "forms"
REGENERATE = "`forms/` is out of date with the form definitions: run `docgen forms` (or `make forms`) and commit forms/"
CJK = re.compile(r"[\u4e00-\u9fff]")


def first_difference(old: bytes, new: bytes, context: int = 80) -> str:
    a, b = old.decode("utf-8"), new.decode("utf-8")
    at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    start = max(0, at - context)
    return f"\n  forms/:    …{a[start : at + context]}…\n  generated: …{b[start : at + context]}…"


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("workspace")
    written = write_blank_forms(Workspace(root, Settings()))
    return {path.name: path for path in written}


def test_every_form_is_generated_under_its_file_name(generated):
    assert sorted(generated) == sorted(form.file_name for form in FORMS.values())


def test_no_stray_or_missing_blank_forms_in_the_repository(generated):
    committed = sorted(p.name for p in COMMITTED.glob("*.xlsx"))
    assert committed == sorted(generated), REGENERATE


@pytest.mark.parametrize("form", FORMS.values(), ids=lambda form: form.form_id)
def test_committed_blank_form_equals_what_the_definition_produces(form: FormDef, generated):
    # GIVEN the blank form committed in forms/ and the one the definition produces now
    committed_path = COMMITTED / form.file_name
    assert committed_path.exists(), f"{committed_path} is missing; {REGENERATE}"
    # WHEN compared member by member, XML canonicalised, timestamps ignored
    differing = differing_members(committed_path, generated[form.file_name])
    # THEN every member is the same
    assert not differing, f"{form.file_name}: {', '.join(differing)} differ; {REGENERATE}" + "".join(
        f"\n{name}:{first_difference(old, new)}" for name, (old, new) in differing.items()
    )


def test_generated_members_are_all_xml(generated):
    # the golden comparison above canonicalises every member; a binary member would need its own rule
    for path in generated.values():
        with zipfile.ZipFile(path) as package:
            for name in package.namelist():
                assert name.endswith((".xml", ".rels")), name
                canonical(package.read(name))


# ------------------------------------------------------------------------------ the definitions


@pytest.mark.parametrize("form", FORMS.values(), ids=lambda form: form.form_id)
def test_definition_is_consistent(form: FormDef):
    assert FORMS[form.form_id] is form
    assert CJK.search(form.title) and CJK.search(form.sheet_title)
    assert len(form.sheet_title) <= 31 and not re.search(r"[\[\]:*?/\\]", form.sheet_title)
    assert re.fullmatch(r"[A-Z]+-\d+(\.\d+)*", form.clause)
    assert form.version >= 1
    assert form_by_title(FORMS.values(), form.title) is form
    if form.line_model is not None:
        assert form.lines_key.isidentifier() and CJK.search(form.lines_title)


@pytest.mark.parametrize("form", FORMS.values(), ids=lambda form: form.form_id)
def test_field_keys_are_unique_and_usable_as_excel_names(form: FormDef):
    keys = [spec.key for spec in form.header_fields + form.line_fields] + (
        [form.lines_key] if form.line_model is not None else []
    )
    assert len(keys) == len(set(keys)), f"duplicate keys: {sorted(k for k in keys if keys.count(k) > 1)}"
    for key in keys:
        # a defined name / table name: starts with a letter, no spaces, not a cell reference like "AB12"
        assert re.fullmatch(r"[a-z][a-z0-9_]*", key), key
        assert not re.fullmatch(r"[a-z]{1,3}\d+", key), key


@pytest.mark.parametrize("form", FORMS.values(), ids=lambda form: form.form_id)
def test_every_field_has_a_chinese_title_and_labels_do_not_collide(form: FormDef):
    for fields in (form.header_fields, form.line_fields):
        titles = [spec.title for spec in fields]
        for spec in fields:
            assert spec.title != spec.key and CJK.search(spec.title), f"{spec.key} has no Chinese title"
        assert len(titles) == len(set(titles))
        # a label (title or synonym) must point at one field only, or reading by label is a guess
        owners: dict[str, str] = {}
        for spec in fields:
            for label in spec.labels:
                assert owners.setdefault(label, spec.key) == spec.key, f"label {label!r} used by two fields"


@pytest.mark.parametrize("form", FORMS.values(), ids=lambda form: form.form_id)
def test_every_choice_field_has_choices_and_synonyms_lead_to_them(form: FormDef):
    kinds = {"text", "date", "datetime", "time", "phone", "choice", "yesno", "amount", "decimal", "number"}
    for spec in form.header_fields + form.line_fields:
        assert spec.meta.kind in kinds, f"{spec.key}: unknown kind {spec.meta.kind!r}"
        if spec.meta.kind == "choice":
            assert spec.meta.choices, f"{spec.key} is a choice without choices"
            assert len(spec.meta.choices) == len(set(spec.meta.choices))
            # an Excel list validation is a comma-separated formula of at most 255 characters
            assert all("," not in choice for choice in spec.meta.choices)
            assert len(",".join(spec.meta.choices)) + 2 <= 255
            for written, choice in spec.meta.value_synonyms.items():
                assert choice in spec.meta.choices, f"{spec.key}: synonym {written!r} → unknown {choice!r}"
        elif spec.meta.kind == "yesno":
            assert spec.meta.choices in ((), ("是", "否"))
        else:
            assert not spec.meta.choices and not spec.meta.value_synonyms, spec.key


@pytest.mark.parametrize("form", [f for f in FORMS.values() if f.tables], ids=lambda form: form.form_id)
def test_further_tables_are_told_apart_from_the_lines_table_by_their_titles(form: FormDef):
    # a Word form's tables are found by their column titles (at least 3 must match), so a further table
    # may share at most 2 titles with the lines table, or the reader could take one for the other
    from docgen.office.docx_form import MIN_HEADER_MATCHES

    lines = {label for spec in form.line_fields for label in spec.labels}
    for table in form.tables:
        assert table.key.isidentifier() and CJK.search(table.title)
        labels = {label for spec in table.fields for label in spec.labels}
        assert len(table.fields) >= MIN_HEADER_MATCHES, table.key
        assert len(labels & lines) < MIN_HEADER_MATCHES, (table.key, labels & lines)
        for spec in table.fields:
            assert CJK.search(spec.title) and re.fullmatch(r"[a-z][a-z0-9_]*", spec.key)
            if spec.meta.kind == "choice":
                assert all(choice in spec.meta.choices for choice in spec.meta.value_synonyms.values())


# ------------------------------------------------------------------------------ poison values
# Issue 8 §2: a date cell holding inf or nan, a 400-digit date typed as text, a time of 0.9999999 (24:00
# once rounded), huge or negative serials... each raised OverflowError/ValueError out of validation and
# left the file stuck in the spool. Each must be a finding on its cell, in every field of every form.

TODAY = date(2026, 11, 26)
PARSED_KINDS = ("date", "datetime", "time", "decimal", "amount")
INF, NAN = float("inf"), float("nan")
# (value, the kinds for which it is a valid value and so no poison: 0.9999999 yuan is 1.00 to the fen)
POISON = [
    (INF, ()),
    (-INF, ()),
    (NAN, ()),
    ("inf", ()),
    ("-inf", ()),
    ("nan", ()),
    ("NaN", ()),
    ("Infinity", ()),
    ("sNaN", ()),
    (1e308, ()),
    (-1e308, ()),
    (-1, ()),
    (-1.5, ()),
    ("-1", ()),
    ("1" + "0" * 400, ()),
    ("9" * 400, ()),
    ("9" * 400 + ".5", ()),
    ("0.9999999", ("decimal", "amount")),
    (0.9999999, ("decimal", "amount")),
    (2958466, ("decimal", "amount")),
    ("2958466", ("decimal", "amount")),
    (10**400, ()),
    ("2026-02-30", ()),
    ("１０２６年１１月３日", ()),
    ("1026-11-03", ()),
    ("0001-01-01", ()),
    ("00000101", ("decimal", "amount")),
    ("\x00", ()),
    ("\ud800", ()),
    ("8" * 100_000, ()),
    ("9:" + " " * 50_000 + "x", ()),
    ("1" + " " * 50_000 + "一", ()),
    ("¥" + " " * 50_000 + "x", ()),
    ("壹" * 50_000, ()),
    (True, ()),
    (Decimal("NaN"), ()),
    (Decimal("-Infinity"), ()),
    (Decimal("1e999999999"), ()),
]


def _fields_of(form: FormDef):
    """(where, spec) for every field of a form: header, lines table and further tables."""
    for spec in form.header_fields:
        yield "header", spec
    for spec in form.line_fields:
        yield "lines", spec
    for table in form.tables:
        for spec in table.fields:
            yield table.key, spec


PARSED_FIELDS = [
    (form, where, spec) for form in FORMS.values() for where, spec in _fields_of(form) if spec.meta.kind in PARSED_KINDS
]


def _one_cell_form(form: FormDef, where: str, key: str, value) -> tuple[RawForm, str, str]:
    """A RawForm with ``value`` in one cell and nothing else: (form, the finding's field, the cell)."""
    raw = Raw(value, f"{form.sheet_title}!C7", form.sheet_title, "C7")
    if where == "header":
        return RawForm(form.form_id, form.version, {key: raw}, [], [], "xlsx"), key, "C7"
    if where == "lines":
        return RawForm(form.form_id, form.version, {}, [{key: raw}], [7], "xlsx"), f"{form.lines_key}.{key}", "C7"
    return (
        RawForm(form.form_id, form.version, {}, [], [], "xlsx", tables={where: [(7, {key: raw})]}),
        f"{where}.{key}",
        "C7",
    )


def test_every_parsed_field_of_every_form_is_covered():
    keys = {(form.form_id, spec.key) for form, _, spec in PARSED_FIELDS}
    assert ("CS-REG", "received_date") in keys and ("CS-MINUTES", "done_on") in keys
    # 办结, 拟订, 报告日期 among them; 回访日期, 再回访日期, 统计日期, 交付日期 of the survey forms (issue 12);
    # 发现日期, 纠正措施完成期限/完成日期, 验证日期, 重新整改期限 of the 《纠正措施记录》 (issue 13); + 1: 填表日期 of the
    # 《客户信息征询表》 (issue 13); + 9: 批准日期 ×2, 计划开工/竣工/交付日期, 报送日期, 审核日期, 提出日期, 审批日期 of the
    # plan forms (issue 14)
    assert len([1 for _, _, spec in PARSED_FIELDS if spec.meta.kind == "date"]) == 27 + 1 + 9


@pytest.mark.parametrize(
    "form, where, spec, value",
    [
        pytest.param(form, where, spec, value, id=f"{form.form_id}.{where}.{spec.key}-{repr(value)[:24]}")
        for value, valid_for in POISON
        for form, where, spec in PARSED_FIELDS
        if spec.meta.kind not in valid_for
    ],
)
def test_a_poison_value_in_any_field_is_an_error_on_its_cell_never_an_exception(form, where, spec, value):
    raw, field_key, cell = _one_cell_form(form, where, spec.key, value)
    parsed, findings = validate(form, raw, today=TODAY)  # must not raise
    mine = [f for f in findings if f.field == field_key]
    assert parsed is None and len(mine) == 1, [f.message for f in findings]
    [finding] = mine
    assert finding.severity == "error" and finding.cell == cell and finding.sheet == form.sheet_title
    assert f"“{spec.title}”" in finding.message and len(finding.message) < 400, finding.message


def _workbook_with_cells(folder: Path, form: FormDef, xml_values: dict[str, str], text_values: dict[str, str]) -> Path:
    """A form written by docgen whose fields hold exactly the given cell contents: ``xml_values`` as the
    number text of a numeric cell (``<v>inf</v>``, as other programs may write), ``text_values`` as text.
    Header fields by key; line fields in the first line."""
    from docgen.office.xlsx import build_workbook

    wanted = {**xml_values, **text_values}
    marks = {key: f"@@{key}@@" if key in xml_values else value for key, value in wanted.items()}
    header = {spec.key: marks[spec.key] for spec in form.header_fields if spec.key in marks}
    line = {spec.key: marks[spec.key] for spec in form.line_fields if spec.key in marks}
    path = folder / f"{form.form_id}.xlsx"
    build_workbook(form, header, [line] if line else []).save(path)
    with zipfile.ZipFile(path) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode("utf-8")
    for key, number in xml_values.items():
        sheet, count = re.subn(
            rf'(<c r="[A-Z]+\d+"(?: s="\d+")?) t="inlineStr"><is><t>@@{key}@@</t></is>',
            rf'\1 t="n"><v>{number}</v>',
            sheet,
        )
        assert count == 1, key
    parts["xl/worksheets/sheet1.xml"] = sheet.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    return path


NUMBERS_IN_DATE_CELLS = [
    "inf",
    "-inf",
    "nan",
    "NaN",
    "1e999",
    "1e308",
    "-1e308",
    "-1",
    "-0.5",
    "2958466",
    "9" * 400,
    "9" * 5000,
    "0.9999999",
    "1E+2",
]
TEXT_IN_DATE_CELLS = [
    "inf",
    "nan",
    "Infinity",
    "9" * 400,
    "1" + "0" * 400,
    "0.9999999",
    "2026-02-30",
    "１０２６年１１月３日",
    "1026-11-03",
    "0001-01-01",
    "2958466",
    "8" * 30_000,
]


@pytest.mark.parametrize(
    "form",
    [f for f in FORMS.values() if any(s.meta.kind == "date" for s in f.header_fields + f.line_fields)],
    ids=lambda f: f.form_id,
)
@pytest.mark.parametrize(
    "value, as_number",
    [pytest.param(value, True, id=f"number {value[:16]}") for value in NUMBERS_IN_DATE_CELLS]
    + [pytest.param(value, False, id=f"text {value[:16]}") for value in TEXT_IN_DATE_CELLS],
)
def test_a_poison_value_in_a_date_cell_of_a_workbook_is_an_error_on_that_cell(tmp_path, form, value, as_number):
    from docgen.office.xlsx import read_form

    dates = [spec for spec in form.header_fields + form.line_fields if spec.meta.kind == "date"]
    cells = {spec.key: value for spec in dates}
    path = _workbook_with_cells(tmp_path, form, cells if as_number else {}, {} if as_number else cells)
    raw = read_form(path, FORMS)  # must not raise
    parsed, findings = validate(form, raw, today=TODAY)  # must not raise
    assert parsed is None
    for spec in dates:
        if spec in form.header_fields:
            source, key = raw.header[spec.key], spec.key
        else:
            source, key = raw.lines[0][spec.key], f"{form.lines_key}.{spec.key}"
        assert source.value is not None, f"{spec.key}: the value was lost"
        [finding] = [f for f in findings if f.field == key]
        assert finding.severity == "error" and (finding.sheet, finding.cell) == (source.sheet, source.cell)
        assert f"“{spec.title}”" in finding.message, finding.message


@pytest.mark.parametrize(
    "typed, shown",
    [("1026-11-03", "1026-11-03"), ("0001-01-01", "0001-01-01"), ("１０２６年１１月３日", "１０２６年１１月３日")],
)
def test_a_register_line_received_in_an_impossible_year_is_refused_on_its_cell(typed, shown):
    # Issue 8 §3: "1026-11-03" became case KF-1026-00001 and 0001-01-01 became KF-1-00001
    form = FORMS["CS-REG"]
    raw, field_key, cell = _one_cell_form(form, "lines", "received_date", typed)
    _, findings = validate(form, raw, today=TODAY)
    [finding] = [f for f in findings if f.field == field_key]
    assert finding.cell == cell and finding.message == (
        f"第7行“受理日期”：日期“{shown}”不在合理范围（2000年1月1日至今天）内，请检查年份"
    )
