"""One definition per form.

A form is a pydantic model for its single-value fields (the header) and, where it has repeating
lines, a second model for one line. Each field carries a Chinese title and a ``Meta`` that says how
a clerk writes it. From that one definition come the blank workbook (``office.xlsx.write_blank``),
the readers (``office.xlsx.read_form``, ``office.docx_form.read_form``), the validation below and
the column titles of reports.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError

from docgen.findings import Finding, error
from docgen.forms import values as v


@dataclass(frozen=True)
class Meta:
    """How a field is written on paper. Attach with ``Annotated[T, Meta(...)]``."""

    kind: str = "text"  # text | date | time | phone | choice | yesno | amount | decimal | number
    choices: tuple[str, ...] = ()
    value_synonyms: dict[str, str] = field(default_factory=dict)  # what clerks write → the choice
    label_synonyms: tuple[str, ...] = ()  # other titles the same field goes by on older forms
    width: float = 12  # column width in characters on the blank form
    hint: str = ""  # shown as the cell's input message in Excel
    filled_by_tool: bool = False  # docgen writes it (e.g. 登记编号); a clerk may leave it blank
    max_length: int = 2000
    lines: int = 1  # text lines the value usually takes on paper (row height on a sign-off sheet)
    # A date that may lie ahead (agreed or due), up to ``values.FUTURE_DAYS``; any other date is at most
    # today (``values.date_window``).
    future: bool = False


@dataclass(frozen=True)
class FieldSpec:
    key: str
    title: str
    required: bool
    meta: Meta

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.title, *self.meta.label_synonyms)


def field_specs(model: type[BaseModel]) -> list[FieldSpec]:
    specs = []
    for key, info in model.model_fields.items():
        meta = next((m for m in info.metadata if isinstance(m, Meta)), Meta())
        specs.append(FieldSpec(key, info.title or key, info.is_required(), meta))
    return specs


@dataclass(frozen=True)
class Raw:
    """A value as found in the file, with where it was found."""

    value: Any
    location: str  # for people: "登记表!E7", "表格1 第3行 第2列"
    sheet: str | None = None
    cell: str | None = None


@dataclass(frozen=True)
class RawForm:
    """What a reader found, before any validation."""

    form_id: str
    version: int | None
    header: dict[str, Raw]
    # One dict per non-blank line, keyed by field key. Readers give a Raw for every cell they know
    # of, blank ones included (value None), so a missing value can still be pointed at.
    lines: list[dict[str, Raw]]
    line_numbers: list[int]  # the sheet row (or table row) of each line, for messages
    source_kind: str  # "xlsx" | "docx"
    notes: list[Finding] = field(default_factory=list)  # reader's own findings (e.g. names lost)
    # Rows of the form's further tables (``FormDef.tables``), by table key: (row number, cells by field key).
    tables: dict[str, list[tuple[int, dict[str, Raw]]]] = field(default_factory=dict)


@dataclass(frozen=True)
class TableDef:
    """A further repeating table of a Word form, read by its column titles like the lines table (e.g. the
    review of earlier decisions in the minutes). Word only: the blank workbook does not carry it."""

    key: str
    title: str  # the section title, used in messages: "上次会议决定事项落实情况第3行…"
    model: type[BaseModel]

    @property
    def fields(self) -> list[FieldSpec]:
        return field_specs(self.model)


@dataclass(frozen=True)
class FormDef:
    form_id: str  # stable id stored in the workbook, e.g. "CS-3.4.3-REG"
    version: int
    title: str  # 《来电、来访登记表》 without the brackets
    sheet_title: str  # short sheet name, ≤ 31 characters
    clause: str
    header_model: type[BaseModel] | None
    line_model: type[BaseModel] | None = None
    lines_key: str = "lines"
    lines_title: str = "登记明细"
    blank_lines: int = 30
    landscape: bool = False
    footer_note: str = ""
    tables: tuple[TableDef, ...] = ()  # further tables (Word forms only)
    # Earlier versions still read (their fields a subset of this version's, the new ones optional).
    accepts: tuple[int, ...] = ()

    @property
    def file_name(self) -> str:
        return f"{self.title}-v{self.version}.xlsx"

    @property
    def versions(self) -> tuple[int, ...]:
        """The versions read as this form: the current one and those it ``accepts``."""
        return (self.version, *self.accepts)

    @property
    def header_fields(self) -> list[FieldSpec]:
        return field_specs(self.header_model) if self.header_model else []

    @property
    def line_fields(self) -> list[FieldSpec]:
        return field_specs(self.line_model) if self.line_model else []


@dataclass
class ParsedForm:
    """A validated form: header and lines as models, each line with its sheet row."""

    form: FormDef
    header: BaseModel | None
    lines: list[BaseModel]
    line_rows: list[int]
    line_sources: list[dict[str, Raw]]
    header_sources: dict[str, Raw]
    # Further tables by key: one (model, row number, sources) per row that parsed.
    tables: dict[str, list[tuple[BaseModel, int, dict[str, Raw]]]] = field(default_factory=dict)


def _parse_value(spec: FieldSpec, raw: Any, today: date) -> Any:
    kind = spec.meta.kind
    if kind == "text" or kind == "number":
        return v.parse_text(raw, max_length=spec.meta.max_length)
    if kind == "date":
        return v.parse_date(raw, today=today, future=spec.meta.future)
    if kind == "datetime":
        return v.parse_datetime_parts(raw, today=today, future=spec.meta.future)
    if kind == "time":
        return v.parse_time(raw)
    if kind == "phone":
        return v.parse_phone(raw)
    if kind == "choice":
        return v.parse_choice(raw, spec.meta.choices, spec.meta.value_synonyms)
    if kind == "yesno":
        return v.parse_yes_no(raw)
    if kind == "amount":
        return v.parse_amount(raw)
    if kind == "decimal":
        return v.parse_number(raw)
    raise AssertionError(f"unknown field kind {kind!r}")


def _where(raw: Raw | None, fallback: str) -> dict:
    if raw is None:
        return {"location": fallback}
    return {"location": raw.location, "sheet": raw.sheet, "cell": raw.cell}


def parse_record(
    specs: list[FieldSpec],
    sources: dict[str, Raw],
    model: type[BaseModel],
    *,
    today: date,
    context: str,
    field_prefix: str = "",
) -> tuple[BaseModel | None, list[Finding]]:
    """Parse every field of one record, collecting one finding per bad cell."""
    findings: list[Finding] = []
    data: dict[str, Any] = {}
    for spec in specs:
        raw = sources.get(spec.key)
        where = _where(raw, context)
        if raw is None or v.is_blank(raw.value):
            if spec.required and not spec.meta.filled_by_tool:
                findings.append(
                    error(f"{context}“{spec.title}”未填写；此项必填", field=field_prefix + spec.key, **where)
                )
            continue
        if type(raw.value).__name__ == "CellError":  # a formula that failed, not what the clerk meant
            findings.append(
                error(
                    f"{context}“{spec.title}”显示错误值 {v.shown(raw.value)}（公式出错）；请填写实际内容",
                    field=field_prefix + spec.key,
                    **where,
                )
            )
            continue
        try:
            data[spec.key] = _parse_value(spec, raw.value, today)
        except v.Unparsable as problem:
            findings.append(
                error(f"{context}“{spec.title}”：{problem.message}", field=field_prefix + spec.key, **where)
            )
    if findings:
        return None, findings
    try:
        return model.model_validate(data), []
    except ValidationError as invalid:
        for item in invalid.errors():
            key = str(item["loc"][0]) if item["loc"] else ""
            named = next((s for s in specs if s.key == key), None)
            title = named.title if named else key
            findings.append(
                error(
                    f"{context}“{title}”不符合要求：{item['msg']}",
                    field=field_prefix + key,
                    **_where(sources.get(key), context),
                )
            )
        return None, findings


def validate(form: FormDef, raw: RawForm, *, today: date) -> tuple[ParsedForm | None, list[Finding]]:
    """Types, required fields and formats, with the location of every error (docs/design.md §2.2)."""
    findings: list[Finding] = list(raw.notes)
    header = None
    if form.header_model is not None:
        header, problems = parse_record(form.header_fields, raw.header, form.header_model, today=today, context="")
        findings += problems
    lines: list[BaseModel] = []
    if form.line_model is not None:
        # A form with further tables may have its content there only (minutes that review earlier
        # decisions and take none); its handler decides whether anything was filled in.
        if not raw.lines and not any(raw.tables.values()):
            findings.append(
                error(
                    f"“{form.lines_title}”中没有填写任何一行", field=form.lines_key, location=f"{form.sheet_title}表格"
                )
            )
        for row_number, sources in zip(raw.line_numbers, raw.lines):
            line, problems = parse_record(
                form.line_fields,
                sources,
                form.line_model,
                today=today,
                context=f"第{row_number}行",
                field_prefix=f"{form.lines_key}.",
            )
            findings += problems
            if line is not None:
                lines.append(line)
    tables: dict[str, list[tuple[BaseModel, int, dict[str, Raw]]]] = {}
    for table in form.tables:
        parsed_rows = tables.setdefault(table.key, [])
        for row_number, sources in raw.tables.get(table.key, []):
            row, problems = parse_record(
                table.fields,
                sources,
                table.model,
                today=today,
                context=f"{table.title}第{row_number}行",
                field_prefix=f"{table.key}.",
            )
            findings += problems
            if row is not None:
                parsed_rows.append((row, row_number, sources))
    if any(f.severity == "error" for f in findings):
        return None, findings
    return ParsedForm(form, header, lines, list(raw.line_numbers), raw.lines, raw.header, tables), findings


def partial_parse(form: FormDef, raw: RawForm, *, today: date) -> ParsedForm | None:
    """The header and the lines that parsed of a form ``validate`` refused for bad cells (None when the header
    itself has an error): what a step's ``partial`` checks read so that the rule errors of the other rows come in
    the same round as the type errors (issue 14 D1). ``line_rows``/``line_sources`` hold the parsed lines only."""
    if form.header_model is None:
        return None
    header, problems = parse_record(form.header_fields, raw.header, form.header_model, today=today, context="")
    if header is None or problems:
        return None
    lines: list[BaseModel] = []
    rows: list[int] = []
    sources_of: list[dict[str, Raw]] = []
    if form.line_model is not None:
        for row_number, sources in zip(raw.line_numbers, raw.lines):
            line, _ = parse_record(form.line_fields, sources, form.line_model, today=today, context="", field_prefix="")
            if line is not None:
                lines.append(line)
                rows.append(row_number)
                sources_of.append(sources)
    return ParsedForm(form, header, lines, rows, sources_of, raw.header, {})


def form_by_title(forms: Iterable[FormDef], text: str) -> FormDef | None:
    """The form whose title appears in a text (a form that lost its metadata)."""
    compact = "".join(text.split()).replace("、", "")
    # The longest title that appears: 《计划执行报告财务审核表》 holds 《计划执行报告》 (issue 14).
    found = [form for form in forms if form.title.replace("、", "") in compact]
    return max(found, key=lambda form: len(form.title), default=None)
