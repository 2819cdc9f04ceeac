"""A docgen form written in Word: the same definition read by label instead of by defined name.

Single-value fields are label → value cells (or "标签：值" lines); repeating lines are the table
whose header row carries the most column titles. The form is recognised by a 表单编号 label or by its
title, so a register an office typed in Word is read like the generated workbook.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from pathlib import Path

from docgen.findings import error, warning
from docgen.forms.base import FormDef, Raw, RawForm, form_by_title
from docgen.office.docx import find_fields, normalize_label, read_label_values, read_paragraph_values, read_tables

MIN_HEADER_MATCHES = 3


def _identify(pairs, tables, forms: Mapping[str, FormDef]) -> tuple[FormDef | None, int | None]:
    by_label = find_fields(pairs, {"form_id": ["表单编号"], "version": ["版本"]})
    version = None
    if "version" in by_label:
        # NFKC: full-width １ is 1; ASCII digits only: "²".isdigit() holds, but int("²") raises
        digits = "".join(ch for ch in unicodedata.normalize("NFKC", by_label["version"].value) if ch in "0123456789")
        version = int(digits) if 0 < len(digits) <= 9 else None  # "版本：" followed by 5000 digits is no version
    if "form_id" in by_label and by_label["form_id"].value.strip() in forms:
        return forms[by_label["form_id"].value.strip()], version
    texts = [p.label + p.value for p in pairs[:5]] + [cell for table in tables[:2] for row in table[:3] for cell in row]
    for text in texts:
        if form := form_by_title(forms.values(), text):
            return form, version
    return None, None


def _title_from_paragraphs(path: Path, forms: Mapping[str, FormDef]) -> FormDef | None:
    from docx import Document

    for paragraph in Document(str(path)).paragraphs[:8]:
        if form := form_by_title(forms.values(), paragraph.text):
            return form
    return None


def read_form(path: Path, forms: Mapping[str, FormDef]) -> RawForm | None:
    """The raw values of a Word form among ``forms`` (``docgen.steps.FORMS``), or None if it is none of them."""
    tables = read_tables(path)
    pairs = read_label_values(path) + read_paragraph_values(path)
    form, version = _identify(pairs, tables, forms)
    if form is None:
        form = _title_from_paragraphs(path, forms)
    if form is None:
        return None
    notes = []
    found = find_fields(pairs, {spec.key: list(spec.labels) for spec in form.header_fields})
    header = {key: Raw(value.value, value.location) for key, value in found.items()}
    for spec in form.header_fields:
        if spec.required and spec.key not in header:
            notes.append(error(f"找不到“{spec.title}”一栏", field=spec.key, location="Word 表格"))

    lines, line_rows = [], []
    used: set[int] = set()
    if form.line_model is not None:
        found_table = _find_table(tables, form.line_fields, used)
        if found_table is None:
            notes.append(error(f"找不到“{form.lines_title}”表格的表头", field=form.lines_key, location="Word 表格"))
        else:
            for index, line in found_table:
                lines.append(line)
                line_rows.append(index)
    further = {}
    for table in form.tables:  # optional: a draft without earlier decisions has no such table
        found_table = _find_table(tables, table.fields, used)
        further[table.key] = found_table or []
        if found_table is None and (number := _edited_header(tables, table.fields, used)):
            # Its rows would otherwise be dropped without a word (e.g. every 已完成 of the meeting).
            notes.append(
                warning(
                    f"表格{number}像是“{table.title}”，但表头被改动，无法读取其中的内容；"
                    f"请使用草稿原有的表头（{'、'.join(spec.labels[0] for spec in table.fields)}）后重新提交",
                    field=table.key,
                    location=f"表格{number} 表头",
                )
            )
    return RawForm(form.form_id, version, header, lines, line_rows, "docx", notes, further)


def _edited_header(tables, fields, used: set[int]) -> int | None:
    """The number of a table not ``used`` whose header carries some but too few of ``fields``' titles."""
    titles = {normalize_label(label, drop_brackets=True) for spec in fields for label in spec.labels}
    for number, table in enumerate(tables, start=1):
        if number not in used and any(
            1 <= len({normalize_label(text, drop_brackets=True) for text in row} & titles) < MIN_HEADER_MATCHES
            for row in table[:2]
        ):
            return number
    return None


def _find_table(tables, fields, used: set[int]) -> list[tuple[int, dict[str, Raw]]] | None:
    """The rows below the header row carrying the most of ``fields``' titles (at least
    MIN_HEADER_MATCHES), in a table not ``used`` yet; blank rows left out. None: no such header."""
    titles = {normalize_label(label, drop_brackets=True): spec for spec in fields for label in spec.labels}
    best = None
    for number, table in enumerate(tables, start=1):
        if number in used:
            continue
        for index, row in enumerate(table):
            columns = {
                c: titles[normalize_label(text, drop_brackets=True)]
                for c, text in enumerate(row)
                if normalize_label(text, drop_brackets=True) in titles
            }
            if len(columns) >= MIN_HEADER_MATCHES and (best is None or len(columns) > len(best[2])):
                best = (number, index, columns)
    if best is None:
        return None
    number, header_index, columns = best
    used.add(number)
    rows = []
    for index, row in enumerate(tables[number - 1][header_index + 1 :], start=header_index + 2):
        line = {
            spec.key: Raw(row[c] if c < len(row) else None, f"表格{number} 第{index}行 第{c + 1}列")
            for c, spec in columns.items()
        }
        if all(not (raw.value or "").strip() for raw in line.values()):
            continue
        rows.append((index, line))
    return rows
