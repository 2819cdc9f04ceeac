"""The form definitions (docgen.forms) and the blank forms in `forms/` generated from them (DESIGN §3:
blank forms are generated, never hand-edited; this test proves `forms/` equals what the definitions
produce)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from docgen.forms import FORMS, by_title
from docgen.forms.base import FormDef
from docgen.forms_io import canonical_xml as canonical, differing_members, write_blank_forms
from docgen.workspace import Settings, Workspace

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "forms"
REGENERATE = "`forms/` is out of date with the form definitions: run `docgen forms` (or `make forms`) and commit forms/"
CJK = re.compile(r"[\u4e00-\u9fff]")


def first_difference(old: bytes, new: bytes, context: int = 80) -> str:
    a, b = old.decode("utf-8"), new.decode("utf-8")
    at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    start = max(0, at - context)
    return f"\n  forms/:    …{a[start:at + context]}…\n  generated: …{b[start:at + context]}…"


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
    assert not differing, (f"{form.file_name}: {', '.join(differing)} differ; {REGENERATE}"
                           + "".join(f"\n{name}:{first_difference(old, new)}" for name, (old, new) in differing.items()))


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
    assert by_title(form.title) is form
    if form.line_model is not None:
        assert form.lines_key.isidentifier() and CJK.search(form.lines_title)


@pytest.mark.parametrize("form", FORMS.values(), ids=lambda form: form.form_id)
def test_field_keys_are_unique_and_usable_as_excel_names(form: FormDef):
    keys = [spec.key for spec in form.header_fields + form.line_fields] + (
        [form.lines_key] if form.line_model is not None else [])
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
