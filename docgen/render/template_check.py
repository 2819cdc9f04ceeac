"""``docgen templates check FILE``: render an edited template with sample data and name what is wrong.

An office edits a template in Word or WPS (a new letterhead, other wording) or a ``.typ`` in a text
editor. Word often splits a typed ``{{ case.number }}`` over several runs; docxtpl joins such a tag back
(``patch_xml``) when nothing but run boundaries lies inside it, so the check reads the template exactly
as the renderer will. For a Word template it reports, per part (正文, 页眉, 页脚):

- a Jinja syntax error, with the paragraph and the broken tag as it reads in Word;
- a variable the sample context does not have (``jinja2.meta.find_undeclared_variables`` on the
  docxtpl-patched XML), and a field a sample value does not have (``{{ case.numbr }}``), found by
  rendering the sample with an undefined that records instead of failing;
- then a real render (:func:`docgen.render.docx.render_docx`) of the sample, which also parses every
  rendered part strictly.

A Typst template is compiled by the renderer (:func:`docgen.render.pdf.render_pdf_bytes`) with its sample
data; an error is reported with its line and column. ``docgen.typ``, the shared library, is checked by
compiling ``sample_report.typ`` against it.

The sample contexts (``docgen/data/template_samples.json``) have the shape the real documents are rendered
with; a test renders every shipped template with them, so they cannot drift from the templates unnoticed.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import ChainableUndefined, TemplateSyntaxError, meta

from docgen.errors import DocgenError
from docgen.render.docx import RenderError, make_environment, render_docx

__all__ = ["Problem", "TemplateCheckError", "check_template", "sample_context", "template_names"]

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "template_samples.json"
LIBRARY = "docgen.typ"  # the shared Typst library: checked through the template below
LIBRARY_USER = "sample_report.typ"


class TemplateCheckError(DocgenError):
    """The file cannot be checked at all (an unknown template name, not a file)."""


@dataclass(frozen=True)
class Problem:
    where: str  # 正文第3段, 页眉第1段, 第12行第5列
    tag: str  # the tag as it reads in the template ("" when there is none to show)
    message: str

    def __str__(self) -> str:
        tag = f"「{self.tag}」" if self.tag else ""
        return f"{self.where}{tag}：{self.message}"


@cache
def _samples() -> dict[str, dict]:
    return json.loads(SAMPLES.read_text(encoding="utf-8"))


def template_names() -> list[str]:
    """Every template docgen renders (and so can check)."""
    return sorted([*_samples(), LIBRARY])


def sample_context(name: str) -> dict:
    """A fresh copy of the sample context of template ``name``."""
    return json.loads(json.dumps(_samples()[name]))


def check_template(path: Path, name: str | None = None) -> list[Problem]:
    """The problems of the template file ``path``, checked as the template ``name`` (default: its file
    name, e.g. ``weekly_report.docx``); an empty list when it renders with the sample data."""
    path = Path(path)
    name = name or path.name
    if name not in template_names():
        raise TemplateCheckError(
            f"不认识的模板名 {name}；docgen 使用的模板有：{'、'.join(template_names())}"
            "（文件另存为其他名称时，用 --as 指明它是哪个模板）"
        )
    if not path.is_file():
        raise TemplateCheckError(f"找不到文件 {path}")
    return _check_typ(path, name) if name.endswith(".typ") else _check_docx(path, name)


# ------------------------------------------------------------------------------------------ Word

_PARAGRAPH_END = re.compile(r"</w:p>|<w:br\b[^>]*/>")
_XML_TAG = re.compile(r"<[^>]+>")
# A tag as it reads: from its opening to its close, or to the next opening or the end of the paragraph.
_TAG = re.compile(r"\{[{%#].*?(?:[}%#]\}|(?=\{[{%#])|$)")


def _parts(path: Path) -> list[tuple[str, str]]:
    """``(label, docxtpl-patched XML)`` of each templated part, as docgen.render.docx prepares them."""
    from docxtpl import DocxTemplate

    tpl = DocxTemplate(str(path))
    tpl.init_docx()
    parts = [("正文", tpl.patch_xml(tpl.get_xml()))]
    for uri, label in ((tpl.HEADER_URI, "页眉"), (tpl.FOOTER_URI, "页脚")):
        for _rel, part in tpl.get_headers_footers(uri):
            parts.append((label, tpl.patch_xml(tpl.get_part_xml(part))))
    return parts


def _paragraphs(xml: str) -> list[str]:
    """The text of each paragraph as Word shows it, tags included (after docxtpl joined split runs)."""
    return [html.unescape(_XML_TAG.sub("", piece)) for piece in _PARAGRAPH_END.split(xml)]


def _tags_naming(paragraphs: list[str], label: str, word: str) -> list[tuple[str, str]]:
    """``(where, tag)`` of every tag that mentions ``word`` as a name."""
    pattern = re.compile(rf"(?<![\w.]){re.escape(word)}(?!\w)|\.{re.escape(word)}(?!\w)")
    return [
        (f"{label}第{number}段", tag.strip())
        for number, text in enumerate(paragraphs, start=1)
        for tag in _TAG.findall(text)
        if pattern.search(tag)
    ]


def _recording_undefined(seen: list[tuple[str, Any]]) -> type:
    """An undefined that notes each use (printed, tested, looped over) instead of failing, so that one
    render finds every unknown field; chained access (``a.b.c``) stays undefined."""

    class Recording(ChainableUndefined):
        __slots__ = ()

        def _note(self) -> None:
            seen.append((str(self._undefined_name), self._undefined_obj))

        def __str__(self) -> str:
            self._note()
            return ""

        def __html__(self) -> str:
            return self.__str__()

        def __iter__(self):
            self._note()
            return iter(())

        def __bool__(self) -> bool:
            self._note()
            return False

        def __len__(self) -> int:
            self._note()
            return 0

    return Recording


def _syntax_problem(label: str, paragraphs: list[str], xml_error: TemplateSyntaxError) -> Problem:
    env = make_environment()
    try:
        env.parse("\n".join(paragraphs))
    except TemplateSyntaxError as exc:
        number = exc.lineno or 1
        text = paragraphs[number - 1] if 0 < number <= len(paragraphs) else ""
        tags = [t.strip() for t in _TAG.findall(text)]
        broken = [t for t in tags if t.startswith("{{") and not _parses(t)]
        shown = broken or tags or [text.strip()[:80]]
        return Problem(f"{label}第{number}段", "、".join(shown), f"标签写法有误（Jinja：{exc.message}）")
    return Problem(label, "", f"标签写法有误（Jinja：{xml_error.message}）")


def _parses(tag: str) -> bool:
    try:
        make_environment().parse(tag)
    except TemplateSyntaxError:
        return False
    return True


def _check_docx(path: Path, name: str) -> list[Problem]:
    try:
        parts = _parts(path)
    except Exception as exc:  # docxtpl/python-docx raise whatever the zip or XML gives them
        return [Problem("文件", "", f"不是可用的 Word 文件（{type(exc).__name__}: {exc}）")]
    context = sample_context(name)
    problems: list[Problem] = []
    for label, xml in parts:
        paragraphs = _paragraphs(xml)
        env = make_environment()
        try:
            ast = env.parse(xml)
        except TemplateSyntaxError as exc:
            problems.append(_syntax_problem(label, paragraphs, exc))
            continue
        unknown = sorted(meta.find_undeclared_variables(ast) - context.keys() - {"loop"})
        for variable in unknown:
            places = _tags_naming(paragraphs, label, variable) or [(label, "")]
            problems += [
                Problem(
                    where, tag, f"未知变量 {variable}：示例数据中没有它（可用的变量：{'、'.join(sorted(context))}）"
                )
                for where, tag in places
            ]
        seen: list[tuple[str, Any]] = []
        recording = make_environment()
        recording.undefined = _recording_undefined(seen)
        try:
            recording.from_string(xml).render(context)
        except Exception as exc:  # a filter or test given a value it cannot take
            problems.append(Problem(label, "", f"用示例数据生成时出错（{type(exc).__name__}: {exc}）"))
            continue
        fields = dict.fromkeys(
            (field, tuple(owner) if isinstance(owner, dict) else ()) for field, owner in seen if field not in unknown
        )
        for field, keys in fields:
            available = f"（这一项可用的字段：{'、'.join(keys)}）" if keys else ""
            places = _tags_naming(paragraphs, label, field) or [(label, "")]
            problems += [Problem(where, tag, f"未知字段 {field}：示例数据中没有它{available}") for where, tag in places]
    if problems:
        return _unique(problems)
    with tempfile.TemporaryDirectory(prefix="docgen-check-") as folder:
        try:
            render_docx(path, context, Path(folder) / name)
        except RenderError as exc:
            return [Problem("文件", "", f"用示例数据生成失败：{exc}")]
    return []


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


# ----------------------------------------------------------------------------------------- Typst

_LOCATION = re.compile(r"┌─\s*(?:.*[/\\])?([^/\\:]+):(\d+):(\d+)")


def _check_typ(path: Path, name: str) -> list[Problem]:
    from docgen.render.pdf import render_pdf_bytes

    rendered = LIBRARY_USER if name == LIBRARY else name
    with tempfile.TemporaryDirectory(prefix="docgen-check-") as folder:
        pdf_folder = Path(folder) / "pdf"
        pdf_folder.mkdir()
        shutil.copyfile(path, pdf_folder / name)  # a workspace templates/pdf/ holding the edited file
        try:
            render_pdf_bytes(rendered, sample_context(rendered), workspace_templates=Path(folder))
        except RenderError as exc:
            return [_typst_problem(exc, name, path)]
    return []


def _typst_problem(exc: RenderError, name: str, path: Path) -> Problem:
    cause = exc.__cause__
    diagnostic = str(getattr(cause, "diagnostic", "") or "")
    message = str(getattr(cause, "message", "") or exc)
    found = _LOCATION.search(diagnostic)
    if not found:
        return Problem(name, "", f"Typst 编译失败：{message}")
    file, line, column = found.group(1), int(found.group(2)), int(found.group(3))
    where = f"第{line}行第{column}列" if file == name else f"{file} 第{line}行第{column}列"
    source = ""
    if file == name:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        source = lines[line - 1].strip()[:120] if 0 < line <= len(lines) else ""
    return Problem(where, source, f"Typst 编译失败：{message}")
