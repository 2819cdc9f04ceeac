"""Bounded fuzzing (hypothesis) of the field parsers and of the form readers (issue 8 §2, poison values).

A value a clerk (or a hostile program) put in a cell must end as a value or as a finding on that cell:
never an exception out of validation, which would leave the file without an outcome. The readers, over
forms docgen wrote and then damaged, either return what they found or raise one of the exceptions
``pipeline.examine`` turns into "文件已损坏" (``UNREADABLE`` below); the gate ``safety.inspect`` refuses the
rest with ``safety.Unreadable``.

Reproducible and bounded: derandomized (the same examples on every run and machine), no example
database, a fixed number of examples per test and base form: about 12 s in all on one core.
"""

from __future__ import annotations

import functools
import io
import os
import re
import zipfile
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

import docx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from docgen.forms import values as v
from docgen.forms.amounts import MAX_AMOUNT, from_uppercase, to_uppercase
from docgen.forms.base import FieldSpec, FormDef, validate
from docgen.forms.register import CHANNELS
from docgen.office import docx_form, safety, xlsx
from docgen.office.docx import DocxReadError
from docgen.steps import FORMS

TODAY = date(2026, 11, 26)
# DOCGEN_FUZZ_EXAMPLES=5000 digs deeper on a developer's machine, with fresh random examples each run
# (a failure prints how to reproduce it); without it, the same examples on every run and machine.
DEEPER = int(os.environ.get("DOCGEN_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=DEEPER or 100,
    deadline=None,
    derandomize=not DEEPER,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# The readers are fuzzed base by base (a draw among all bases leaves many never drawn): a few examples for
# each; DOCGEN_FUZZ_EXAMPLES is then the number for each base.
READERS = settings(FUZZ, max_examples=DEEPER or 6)

# What a clerk's keyboard (and a Chinese input method) puts into dates, times, phones and amounts.
FORM_CHARACTERS = (
    "0123456789０１２３４５６７８９-/.:：年月日号时点分秒半上午下午晚上早上中午 \u3000\t零壹贰叁肆伍陆柒捌玖"
    "拾佰仟万亿元圆角分整正人民币¥￥,，eE+infatyNIS转机ext()（）x一二十百千两〇"
)
# Values that are never a valid date, time, amount or quantity (the list and relatives).
POISON = [
    "inf",
    "-inf",
    "nan",
    "NaN",
    "Infinity",
    "-Infinity",
    "sNaN",
    "1e999",
    "-1",
    "-0.5",
    "1" + "0" * 400,
    "9" * 400,
    "9" * 400 + ".5",
    "1e9999999",
    "１０２６年１１月３日",
    "1026-11-03",
    "0001-01-01",
    "2026-02-30",
    "\u202e2026-11-03",
    "8" * 20_000,
]
# Numbers as a numeric cell (<v>…</v>) may hold them: dates and times for none of these.
POISON_NUMBERS = ["inf", "-inf", "nan", "1e999", "1e308", "-1e308", "-1", "2958466", "9" * 400, "9" * 5000]
PARSED_KINDS = {"date", "datetime", "time", "amount", "decimal"}

raw_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**600), max_value=10**600),
    st.floats(),
    st.floats(min_value=-1, max_value=2),
    st.decimals(),
    st.datetimes(),
    st.dates(),
    st.times(),
    st.timedeltas(),
    st.text(),
    st.text(alphabet=FORM_CHARACTERS, max_size=40),
    st.text(alphabet=FORM_CHARACTERS, min_size=90, max_size=400),
    st.sampled_from(POISON),
    st.sampled_from(POISON_NUMBERS).map(float),
)


# ================================================================== (a) the field parsers


def _date_in_window(day, future: bool = False) -> None:
    first, last = v.date_window(TODAY, future=future)
    assert isinstance(day, date) and first <= day <= last


def _check_amount(value) -> None:
    assert isinstance(value, Decimal) and value.as_tuple().exponent == -2 and 0 <= value <= MAX_AMOUNT


def _check_number(value) -> None:
    assert isinstance(value, Decimal) and value.is_finite() and 0 <= value <= MAX_AMOUNT


def _check_datetime_parts(parts, future: bool = False) -> None:
    day, clock = parts
    _date_in_window(day, future)
    assert clock is None or isinstance(clock, time)


# parser name → (call, check of what it returns)
PARSERS = {
    "text": (lambda raw: v.parse_text(raw, max_length=2000), lambda value: isinstance(value, str)),
    "date": (lambda raw: v.parse_date(raw, today=TODAY), _date_in_window),
    "date, future allowed": (
        lambda raw: v.parse_date(raw, today=TODAY, future=True),
        lambda value: _date_in_window(value, future=True),
    ),
    "datetime": (lambda raw: v.parse_datetime_parts(raw, today=TODAY), _check_datetime_parts),
    "time": (v.parse_time, lambda value: isinstance(value, time)),
    "phone": (v.parse_phone, lambda value: re.fullmatch(r"[\d-]+(转\d*)?", value) is not None),
    "choice": (
        lambda raw: v.parse_choice(raw, CHANNELS, {"电话": "来电", "上门": "来访"}),
        lambda value: value in CHANNELS,
    ),
    "yes/no": (v.parse_yes_no, lambda value: isinstance(value, bool)),
    "amount": (v.parse_amount, _check_amount),
    "number": (v.parse_number, _check_number),
    "uppercase amount": (from_uppercase, _check_amount),
    "normalize_text": (v.normalize_text, lambda value: isinstance(value, str)),
    "is_blank": (v.is_blank, lambda value: isinstance(value, bool)),
    "shown": (v.shown, lambda value: isinstance(value, str) and len(value) <= 41),
}


@pytest.mark.parametrize("name", PARSERS)
@FUZZ
@given(raw=raw_values)
@example(raw=float("inf")).via("issue 8: a date cell holding inf")
@example(raw=float("nan")).via("issue 8: a date cell holding nan")
@example(raw="9" * 400).via("issue 8: a 400-digit date typed as text")
@example(raw=0.9999999).via("issue 8: a time that rounds to 24:00")
@example(raw=2958466).via("issue 8: a serial past 9999-12-31")
@example(raw="1e9999999").via("an exponent that overflows the decimal context")
@example(raw=10**5000).via("an int str() refuses")
def test_a_parser_returns_a_value_or_refuses_with_a_reason_and_nothing_else(name, raw):
    parse, check = PARSERS[name]
    try:
        value = parse(raw)
    except v.Unparsable as refused:
        assert isinstance(refused.message, str) and refused.message and len(refused.message) < 400
        return
    assert check(value) is not False, (name, raw, value)


@FUZZ
@given(amount=st.decimals(min_value=0, max_value=MAX_AMOUNT, places=2))
def test_uppercase_amounts_read_back_as_written(amount):
    assert from_uppercase(to_uppercase(amount)) == amount


@FUZZ
@given(amount=st.one_of(st.decimals(), st.floats(), st.integers(min_value=-(10**600), max_value=10**600)))
def test_to_uppercase_refuses_with_a_reason_and_nothing_else(amount):
    try:
        assert from_uppercase(to_uppercase(amount)) == Decimal(str(amount))
    except v.Unparsable as refused:
        assert refused.message


# ================================================================== (b) the readers over damaged forms

# The readers' documented refusals of a package the gate let through but they cannot make sense of (a
# member that is no well-formed XML, a part missing); pipeline.examine reports them as "文件已损坏".
# Anything else out of a reader (IndexError, OverflowError...) is a bug to fix at its root.
UNREADABLE = (xlsx.package.PackageError, DocxReadError)


def _plausible(spec: FieldSpec) -> str:
    """A value the field accepts, as a clerk would type it."""
    kind = spec.meta.kind
    return {
        "date": "2026-11-20",
        "time": "9:30",
        "phone": "13800138000",
        "amount": "1200.50",
        "decimal": "2",
        "yesno": "否",
        "number": "KF-2026-00001",
    }.get(kind) or (spec.meta.choices[0] if kind == "choice" else "测试")


@dataclass(frozen=True, eq=False, repr=False)
class Field:
    """Where a field's value sits in a base file: the cell of a workbook, or the marker in a Word form."""

    form: FormDef
    key: str  # the finding's field: "received_date", "lines.received_date", "review.done_on"
    spec: FieldSpec
    place: str  # "登记表!B7" (xlsx) or "@@lines.received_date@@" (docx)

    def __repr__(self) -> str:
        return f"<{self.key} at {self.place}>"


@dataclass(frozen=True, repr=False)
class Base:
    name: str
    kind: str  # xlsx | docx
    form: FormDef
    parts: dict[str, bytes]  # the package, member by member
    fields: tuple[Field, ...]

    def __repr__(self) -> str:
        return f"<{self.name}>"

    def package(self, parts: dict[str, bytes] | None = None) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
            for name, data in (parts or self.parts).items():
                package.writestr(name, data)
        return out.getvalue()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {name: package.read(name) for name in package.namelist()}


def _workbook(form: FormDef, filled: bool) -> Base:
    header = {spec.key: _plausible(spec) for spec in form.header_fields} if filled else {}
    lines = [{spec.key: _plausible(spec) for spec in form.line_fields}] if filled and form.line_fields else []
    out = io.BytesIO()
    xlsx.build_workbook(form, header, lines).save(out)
    parts = _members(out.getvalue())
    # The cells, as the reader finds them in the filled workbook (the blank one has the same layout).
    filled_out = io.BytesIO()
    xlsx.build_workbook(
        form,
        {s.key: _plausible(s) for s in form.header_fields},
        [{s.key: _plausible(s) for s in form.line_fields}] if form.line_fields else [],
    ).save(filled_out)
    raw = xlsx._read_workbook(xlsx.package.load(io.BytesIO(filled_out.getvalue())), FORMS)
    fields = [Field(form, spec.key, spec, raw.header[spec.key].location) for spec in form.header_fields]
    fields += [
        Field(form, f"{form.lines_key}.{spec.key}", spec, raw.lines[0][spec.key].location) for spec in form.line_fields
    ]
    return Base(f"{form.form_id} {'filled' if filled else 'blank'}.xlsx", "xlsx", form, parts, tuple(fields))


def _word_form(form: FormDef) -> Base:
    """The form typed in Word: title, 表单编号 line, a label/value table, the lines table, further tables."""
    document = docx.Document()
    document.add_paragraph(form.title)
    document.add_paragraph(f"表单编号：{form.form_id}\t版本：{form.version}")
    fields: list[Field] = []
    if form.header_fields:
        table = document.add_table(rows=len(form.header_fields), cols=2)
        for row, spec in zip(table.rows, form.header_fields):
            row.cells[0].text, row.cells[1].text = spec.title, f"@@{spec.key}@@"
            fields.append(Field(form, spec.key, spec, f"@@{spec.key}@@"))
    for key, specs in ([(form.lines_key, form.line_fields)] if form.line_fields else []) + [
        (table.key, table.fields) for table in form.tables
    ]:
        table = document.add_table(rows=3, cols=len(specs))
        for column, spec in enumerate(specs):
            table.rows[0].cells[column].text = spec.title
            table.rows[1].cells[column].text = f"@@{key}.{spec.key}@@"
            fields.append(Field(form, f"{key}.{spec.key}", spec, f"@@{key}.{spec.key}@@"))
    out = io.BytesIO()
    document.save(out)
    return Base(f"{form.form_id}.docx", "docx", form, _members(out.getvalue()), tuple(fields))


@functools.cache
def _bases() -> dict[str, Base]:
    """Built once per test process (not a fixture: hypothesis would print the whole of it on a failure)."""
    made = [_workbook(form, filled) for form in FORMS.values() for filled in (False, True)]
    made += [_word_form(form) for form in FORMS.values()]
    return {base.name: base for base in made}


BASE_NAMES = sorted(
    [f"{form_id} {state}.xlsx" for form_id in FORMS for state in ("blank", "filled")]
    + [f"{form_id}.docx" for form_id in FORMS]
)

# A cell's content: (type, text). n: a numeric cell holding this text; s: text; b: boolean; e: an error
# value; d: an ISO 8601 date cell. Word forms hold text only.
xml_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\t\n"), max_size=60)
cell_contents = st.one_of(
    st.tuples(
        st.just("n"),
        st.one_of(
            st.sampled_from(POISON_NUMBERS),
            st.floats().map(repr),
            st.integers(min_value=-(10**30), max_value=10**30).map(str),
            xml_text,
        ),
    ),
    st.tuples(
        st.just("s"), st.one_of(st.sampled_from(POISON), xml_text, st.text(alphabet=FORM_CHARACTERS, max_size=30))
    ),
    st.tuples(st.just("b"), st.sampled_from(["0", "1", "true", "2", ""])),
    st.tuples(st.just("e"), st.sampled_from(["#N/A", "#REF!", "#DIV/0!"])),
    st.tuples(
        st.just("d"),
        st.one_of(st.sampled_from(["0001-01-01", "9999-12-31T23:59:59", "2026-13-01", "2026-11-03T25:00"]), xml_text),
    ),
)


def _set_cell(sheet: str, reference: str, content: tuple[str, str]) -> str:
    kind, text = content
    body = {
        "n": f't="n"><v>{escape(text)}</v>',
        "b": f't="b"><v>{text}</v>',
        "e": f't="e"><v>{text}</v>',
        "d": f't="d"><v>{escape(text)}</v>',
        "s": f't="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is>',
    }[kind]
    pattern = rf'<c r="{reference}"(?P<style> s="\d+")?(?: t="\w+")?(?:/>|>.*?</c>)'
    changed, count = re.subn(
        pattern, lambda m: f'<c r="{reference}"{m["style"] or ""} {body}</c>', sheet, count=1, flags=re.S
    )
    assert count == 1, reference
    return changed


def _with_values(base: Base, contents: dict[Field, tuple[str, str]]) -> bytes:
    parts = dict(base.parts)
    if base.kind == "xlsx":
        sheet = parts["xl/worksheets/sheet1.xml"].decode("utf-8")
        for where, content in contents.items():
            sheet = _set_cell(sheet, where.place.rpartition("!")[2], content)
        parts["xl/worksheets/sheet1.xml"] = sheet.encode("utf-8")
    else:
        document = parts["word/document.xml"].decode("utf-8")
        for where in base.fields:
            text = contents[where][1] if where in contents else _plausible(where.spec)
            document = document.replace(where.place, escape(text))
        parts["word/document.xml"] = document.encode("utf-8")
    return base.package(parts)


def _examine(path: Path, form: FormDef | None = None):
    """What pipeline.examine does with a file, minus the ledger: (raw, findings), or None when the gate or
    the reader refuses it the documented way."""
    try:
        kind = safety.inspect(path)
    except safety.Unreadable:
        return None
    try:
        with safety.time_limit(10):
            raw = (xlsx.read_form if kind == "xlsx" else docx_form.read_form)(path, FORMS)
    except (*UNREADABLE, safety.Unreadable):  # safety.Unreadable: the time limit
        return None
    if raw is None:
        return None
    found = FORMS[raw.form_id] if form is None else form
    parsed, findings = validate(found, raw, today=TODAY)  # never raises
    assert all(isinstance(f.message, str) and f.message for f in findings)
    return raw, findings


@pytest.mark.parametrize("name", BASE_NAMES)
@READERS
@given(data=st.data())
def test_any_value_in_any_cell_of_a_form_ends_as_a_value_or_a_finding_on_that_cell(tmp_path_factory, data, name):
    base = _bases()[name]
    chosen = data.draw(st.lists(st.sampled_from(base.fields), min_size=1, max_size=6, unique=True), label="fields")
    if base.kind == "xlsx":
        contents = {where: data.draw(cell_contents, label=where.key) for where in chosen}
    else:
        contents = {
            where: ("s", data.draw(st.one_of(st.sampled_from(POISON), xml_text), label=where.key)) for where in chosen
        }
    path = tmp_path_factory.getbasetemp() / f"cells-{base.name}"
    path.write_bytes(_with_values(base, contents))
    result = _examine(path, base.form)
    assert result is not None, "a form with odd values is still a form"
    raw, findings = result
    for where, (kind, text) in contents.items():
        poison = (kind == "s" and text in POISON) or (kind == "n" and text in POISON_NUMBERS)
        if where.spec.meta.kind not in PARSED_KINDS or not poison:
            continue
        if where.spec.meta.kind in ("amount", "decimal") and text in ("2958466", "1e308"):
            continue  # a big amount, but an amount
        mine = [f for f in findings if f.field == where.key and f.severity == "error"]
        assert mine, (where.key, kind, text[:40], [f.message for f in findings])
        if base.kind == "xlsx":
            assert mine[0].location == where.place


def _flip(data: bytes, flips: list[tuple[int, int]]) -> bytes:
    mutable = bytearray(data)
    for position, xor in flips:
        mutable[position % len(mutable)] ^= xor or 1
    return bytes(mutable)


flips = st.lists(
    st.tuples(st.integers(min_value=0, max_value=2**20), st.integers(min_value=1, max_value=255)),
    min_size=1,
    max_size=8,
)


# What a damaged or hostile producer may put in an attribute or a text node of a well-formed part.
XML_VALUES = [
    "",
    "0",
    "-1",
    "1",
    "2",
    "99999999999",
    "9" * 400,
    "1e999",
    "nan",
    "inf",
    "1.5",
    "A1",
    "A:A",
    "1:1",
    "A1:A",
    "B0",
    "A1:XFD1048576",
    "$A$1",
    "ZZZ9",
    "rId1",
    "rId99",
    "/xl/worksheets/sheet9.xml",
    "../x.xml",
    "#REF!",
    "'登记表'!$B$3",
    "登记表!A1,登记表!B2",
    "_meta",
    "hidden",
    "true",
    "s",
    "n",
    "e",
    "b",
    "str",
    "d",
    "inlineStr",
    "CS-REG",
    "CS-XX",
    "表单编号",
    "版本",
    "²",
    "\u202e",
    "lines",
    "received_date",
]
_SPOTS = re.compile(r'="([^"]*)"|>([^<]+)<')


def _rewrite_values(text: str, data, count: int) -> str:
    """``count`` attribute values or text nodes of an XML part replaced; the part stays well-formed."""
    for _ in range(count):
        spots = [match.span(1) if match.group(1) is not None else match.span(2) for match in _SPOTS.finditer(text)]
        if not spots:
            break
        start, end = spots[data.draw(st.integers(0, len(spots) - 1), label="spot")]
        new = data.draw(st.one_of(st.sampled_from(XML_VALUES), xml_text), label="value")
        text = text[:start] + escape(new, {'"': "&quot;"}) + text[end:]
    return text


@pytest.mark.parametrize("name", BASE_NAMES)
@READERS
@given(data=st.data())
def test_a_damaged_package_is_read_or_refused_the_documented_way(tmp_path_factory, data, name):
    """Bytes flipped or cut anywhere in the file (mostly caught by the gate's CRC check); or in one member,
    zipped again with a valid CRC (which only the XML readers see); or values rewritten in a member that
    stays well-formed XML (which the readers must make sense of)."""
    base = _bases()[name]
    how = data.draw(
        st.sampled_from(
            [
                "flip the file",
                "cut the file",
                "flip a member",
                "cut a member",
                "rewrite values in a member",
                "rewrite values in a member",
            ]
        ),
        label="how",
    )
    if how.endswith("the file"):
        whole = base.package()
        mutated = (
            _flip(whole, data.draw(flips, label="flips"))
            if how == "flip the file"
            else whole[: data.draw(st.integers(min_value=0, max_value=len(whole) - 1), label="cut")]
        )
    else:
        parts = dict(base.parts)
        xml = how.startswith("rewrite")  # in an XML part, not docx's thumbnail.jpeg
        member = data.draw(
            st.sampled_from(sorted(n for n in parts if not xml or n.endswith((".xml", ".rels")))), label="member"
        )
        if how == "flip a member":
            parts[member] = _flip(parts[member], data.draw(flips, label="flips"))
        elif how == "cut a member":
            parts[member] = parts[member][: data.draw(st.integers(0, max(0, len(parts[member]) - 1)), label="cut")]
        else:
            count = data.draw(st.integers(1, 4), label="count")
            parts[member] = _rewrite_values(parts[member].decode("utf-8"), data, count).encode("utf-8")
        mutated = base.package(parts)
    path = tmp_path_factory.getbasetemp() / f"bytes-{base.name}"
    path.write_bytes(mutated)
    _examine(path)  # returns, or the test fails with the exception


def test_every_form_has_its_bases():
    """Each form of the registry is fuzzed: as a blank and a filled workbook and as a Word form."""
    bases = _bases()
    assert sorted(bases) == BASE_NAMES
    for form_id, form in FORMS.items():
        assert {
            bases[name].form for name in (f"{form_id} blank.xlsx", f"{form_id} filled.xlsx", f"{form_id}.docx")
        } == {form}


@pytest.mark.parametrize("name", BASE_NAMES)
def test_every_base_form_reads_and_validates(tmp_path, name):
    """The starting points are good forms: a filled one validates without a type error."""
    base = _bases()[name]
    path = tmp_path / base.name
    path.write_bytes(_with_values(base, {}) if base.kind == "docx" else base.package())
    raw, findings = _examine(path, base.form)
    assert raw.form_id == base.form.form_id
    if "filled" in name or base.kind == "docx":
        assert [f.message for f in findings if f.severity == "error"] == []


# ================================================================== what the fuzzing found, kept as examples


def _write(tmp_path: Path, name: str, parts: dict[str, bytes], base: Base) -> Path:
    path = tmp_path / name
    path.write_bytes(base.package(parts))
    return path


def _replace(parts: dict[str, bytes], member: str, old: str, new: str, count: int = 1) -> dict[str, bytes]:
    text = parts[member].decode("utf-8")
    assert old in text, (member, old)
    return {**parts, member: text.replace(old, new, count).encode("utf-8")}


def test_a_workbook_without_a_worksheet_is_a_damaged_package_not_an_index_error(tmp_path):
    base = _bases()["CS-REG filled.xlsx"]
    parts = _replace(base.parts, "xl/_rels/workbook.xml.rels", "relationships/worksheet", "relationships/chartsheet", 2)
    with pytest.raises(xlsx.package.PackageError):
        xlsx.read_form(_write(tmp_path, "no-sheet.xlsx", parts, base), FORMS)


def test_a_numeric_cell_holding_no_number_is_read_as_its_text(tmp_path):
    base = _bases()["CS-SURVEY filled.xlsx"]
    estimate = next(f for f in base.fields if f.key == "estimate")
    path = tmp_path / "abc.xlsx"
    path.write_bytes(_with_values(base, {estimate: ("n", "abc")}))  # was ValueError: "文件已损坏"
    raw, findings = _examine(path)
    assert raw.header["estimate"].value == "abc"
    assert [f.location for f in findings if f.field == "estimate"] == [estimate.place]


def test_a_form_version_of_inf_in_the_meta_sheet_is_no_version(tmp_path):
    base = _bases()["CS-CALLBACK filled.xlsx"]
    parts = _replace(
        base.parts, "xl/worksheets/sheet2.xml", '<c r="B2" t="n"><v>1</v></c>', '<c r="B2" t="n"><v>inf</v></c>'
    )
    raw = xlsx.read_form(_write(tmp_path, "version.xlsx", parts, base), FORMS)  # was OverflowError
    assert raw.form_id == "CS-CALLBACK" and raw.version is None


@pytest.mark.parametrize(
    "changes",
    [
        [("xl/workbook.xml", "'回访记录'!$B$3", "'回访记录'!A:A")],  # a defined name on a whole column
        # a merge of a whole row, in a workbook whose defined names were lost (so its labels are read)
        [
            ("xl/worksheets/sheet1.xml", '<mergeCell ref="A1:B1"/>', '<mergeCell ref="A:A"/>'),
            ("xl/workbook.xml", "<definedName ", "<lostName "),
            ("xl/workbook.xml", "</definedName>", "</lostName>"),
        ],
    ],
    ids=["defined name A:A", "merge A:A"],
)
def test_whole_rows_and_columns_where_a_cell_is_expected_are_no_cells(tmp_path, changes):
    base = _bases()["CS-CALLBACK filled.xlsx"]
    parts = base.parts
    for member, old, new in changes:
        parts = _replace(parts, member, old, new, -1)
    raw = xlsx.read_form(_write(tmp_path, "ranges.xlsx", parts, base), FORMS)  # merge: was TypeError
    assert raw.form_id == "CS-CALLBACK" and raw.header["customer"].value == "测试"
    assert raw.header["case_number"].location == "回访记录!B3"  # by its label; the name said "ANone"


@pytest.mark.parametrize("version", ["²", "9" * 5000, "１"])
def test_any_text_after_the_version_label_of_a_word_form_is_read_or_ignored(tmp_path, version):
    base = _bases()["CS-REG.docx"]
    path = tmp_path / "version.docx"
    parts = _members(_with_values(base, {}))
    current = f"版本：{FORMS['CS-REG'].version}"
    path.write_bytes(base.package(_replace(parts, "word/document.xml", current, f"版本：{version}")))
    raw = docx_form.read_form(path, FORMS)  # "²".isdigit() but int("²") raised ValueError; 5000 digits too
    assert raw.form_id == "CS-REG" and raw.version == (1 if version == "１" else 2 if version == "²" else None)


def test_a_word_main_part_whose_root_is_no_document_is_a_read_error(tmp_path):
    base = _bases()["CS-REG.docx"]
    parts = _replace(base.parts, "word/document.xml", "<w:document ", "<w:documentx ")
    parts = _replace(parts, "word/document.xml", "</w:document>", "</w:documentx>")
    with pytest.raises(DocxReadError):  # was AttributeError: no .body
        docx_form.read_form(_write(tmp_path, "root.docx", parts, base), FORMS)
