"""docgen.render.docx and the packaged Word templates (docs/design.md §9, §13 escaping, §12 durability)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm
from docxtpl import DocxTemplate, Listing, RichText
from lxml import etree

import docgen
from docgen.office.docx import find_fields, read_label_values
from docgen.render import build_templates
from docgen.render import docx as render_module
from docgen.render.docx import (
    PACKAGED_TEMPLATES,
    RenderError,
    TemplateNotFound,
    find_template,
    make_environment,
    render_docx,
)
from tests.docx_helpers import all_text, assert_built_as_committed, document_xml, tiny_png, visible, zip_parts  # noqa: F401  # noqa: E402

AMP = "Smith & Sons <Ltd>"
CDATA = '"]]></w:t>'
BRACES = "{{ 7*7 }} {% if x %} {_{ y }_} {#"
HOSTILE = [AMP, CDATA, "'&amp;' &lt;b&gt;", "=cmd|' /C calc'!A0", "</w:t></w:r></w:p><w:p><w:r><w:t>注入"]


# ------------------------------------------------------------------------------------- helpers


def simple_template(tmp_path: Path, *paragraphs: str) -> Path:
    d = docx.Document()
    for text in paragraphs:
        d.add_paragraph().add_run(text)
    path = tmp_path / "simple.docx"
    d.save(str(path))
    return path


def assert_no_jinja_left(xml: str, *allowed: str) -> None:
    for value in allowed:  # hostile values may legitimately contain braces; they are text
        xml = xml.replace(value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"), "")
    for tag in ("{{", "}}", "{%", "%}", "{#", "#}"):
        assert tag not in xml, f"unrendered {tag} in output"


def escalation_context(**overrides) -> dict:
    context = {
        "case": {
            "number": "KF-2026-00042",
            "received_at": "2026年11月25日 14:30",
            "channel": "来电",
            "customer": f"张三（{AMP}）",
            "phone": "13800138000",
            "project": "锦绣花园",
            "building": "3栋",
            "room": "1502",
            "content": f"客厅天花板渗水，已持续一周。\n业主要求立即维修并赔偿损失。{CDATA}",
            "category": "维修",
            "department": "工程材料部",
            "receiver": "李四",
        },
        "recipients": ["总经理", "副总经理"],
        "issued_on": "2026年11月26日",
        "deadlines": [
            {"label": "上报总经理、副总经理", "due": "2026年11月26日", "clause": "CS-3.4.7", "provisional": False},
            {"label": "责任部门反馈处理信息", "due": "2026年12月1日", "clause": "CS-3.4.2.2", "provisional": False},
            {"label": "多工种维修完成", "due": "2027年1月4日", "clause": "CS-3.4.5", "provisional": True},
        ],
        "provisional_note": "2027年工作日历尚未发布，标注“（暂定）”的期限按周末推算。",
        "clause": "CS-3.4.7",
    }
    context.update(overrides)
    return context


def dispatch_context(n: int = 20, **overrides) -> dict:
    rows = []
    for i in range(1, n + 1):
        rows.append(
            {
                "number": f"KF-2026-{i:05d}",
                "received_at": f"2026年11月{i}日",
                "customer": f"客户{i}" if i != 7 else AMP,
                "location": f"锦绣花园 {i % 5 + 1}栋 {i:02d}03",
                "category": ["维修", "物业", "销售"][i % 3],
                "content": f"第{i}件：卫生间漏水。" + ("\n" + HOSTILE[i % len(HOSTILE)] if i % 4 == 0 else ""),
                "feedback_due": f"2026年12月{i}日",
                "provisional": i in (19, 20),
                "major": i == 5,
            }
        )
    context = {
        "department": "工程材料部",
        "office": "锦绣花园客户服务处",
        "issued_on": "2026年11月26日",
        "register_file": "来电来访登记表 & 汇总<11月>.xlsx",
        "rows": rows,
        "provisional_note": "标注“（暂定）”的期限跨入2027年，按周末推算。",
    }
    context.update(overrides)
    return context


def c14n(data: bytes) -> bytes:
    return etree.tostring(etree.fromstring(data), method="c14n")


PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")


def as_docgen_writes_it(parts: dict[str, bytes]) -> dict[str, bytes]:
    """docxtpl's output with what docgen deliberately changes (issue 11 item 9): no template thumbnail
    (member and relationship), docgen as the application."""
    parts = {name: data for name, data in parts.items() if name != "docProps/thumbnail.jpeg"}
    if "_rels/.rels" in parts:
        parts["_rels/.rels"] = re.sub(
            rb"<Relationship [^>]*Target=\"/?docProps/thumbnail\.jpeg\"[^>]*/>", b"", parts["_rels/.rels"]
        )
    if "docProps/app.xml" in parts:
        parts["docProps/app.xml"] = re.sub(
            rb"<Application>[^<]*</Application>", b"<Application>docgen</Application>", parts["docProps/app.xml"]
        )
    return parts


def assert_same_as_docxtpl(template: Path, context: dict, tmp_path: Path) -> Path:
    """render_docx's output equals plain docxtpl's (same locked-down environment) but for what docgen
    changes on purpose (``as_docgen_writes_it``, and the author, comments and title of this document): the
    same members; each XML member equal after canonicalisation, every other member byte for byte; the same
    subject, identifier and language (docxtpl also writes empty elements for the empty ones)."""
    ours = render_docx(template, context, tmp_path / "ours.docx")
    reference = DocxTemplate(str(template))
    reference.render(context, make_environment(), autoescape=True)
    reference.save(str(tmp_path / "docxtpl.docx"))
    a, b = zip_parts(ours), as_docgen_writes_it(zip_parts(tmp_path / "docxtpl.docx"))
    assert sorted(a) == sorted(b)
    for name in a:
        if name == "docProps/core.xml":
            continue
        if name.endswith((".xml", ".rels")):
            assert c14n(a[name]) == c14n(b[name]), name
        else:
            assert a[name] == b[name], name
    ours_props = docx.Document(str(ours)).core_properties
    their_props = docx.Document(str(tmp_path / "docxtpl.docx")).core_properties
    for prop in ("identifier", "language", "subject"):
        assert getattr(ours_props, prop) == getattr(their_props, prop), prop
    if "{{" in (DocxTemplate(str(template)).get_docx().core_properties.title or "") or not (
        isinstance(context.get("title"), str) and context["title"].strip()
    ):
        assert ours_props.title == their_props.title
    assert ours_props.comments == ""
    return ours


png = tiny_png


def feature_template(tmp_path: Path) -> Path:
    """Everything docxtpl renders besides a body of plain runs: a templated header and document title,
    a static footer, RichText/Listing/tabs, ``{%tc %}`` loops that make fix_tables add and drop grid
    columns, and pictures whose ids fix_docpr_ids renumbers."""
    d = docx.Document()
    d.core_properties.title = "{{ title }}"
    d.core_properties.subject = "固定主题"
    section = d.sections[0]
    section.header.paragraphs[0].add_run("页眉：{{ v }}")
    section.footer.paragraphs[0].add_run("页脚（固定）")
    d.add_paragraph().add_run("正文：{{ v }}")
    d.add_paragraph().add_run("{{r rich }}")
    d.add_paragraph().add_run("{{ listing }}")
    d.add_paragraph().add_run("制表：{{ tabbed }}")
    for loop in ("wide", "narrow"):
        cells = d.add_table(rows=1, cols=3).rows[0].cells
        cells[0].paragraphs[0].add_run(f"{{%tc for x in {loop} %}}")
        cells[1].paragraphs[0].add_run("{{ x }}")
        cells[2].paragraphs[0].add_run("{%tc endfor %}")
    (tmp_path / "p.png").write_bytes(png())
    d.add_picture(str(tmp_path / "p.png"), width=Mm(10))
    d.add_paragraph().add_run("{% for i in pictures %}")
    d.add_picture(str(tmp_path / "p.png"), width=Mm(5))
    d.add_paragraph().add_run("{% endfor %}")
    path = tmp_path / "features.docx"
    d.save(str(path))
    return path


def feature_context(value: str) -> dict:
    rich = RichText()  # RichText and Listing escape their text themselves (braces and \\r are theirs to handle)
    rich.add(f"粗体{AMP}", bold=True)
    rich.add("\n第二行\t制表", italic=True)
    return {
        "title": f"标题 {value}",
        "v": value,
        "rich": rich,
        "listing": Listing(f"甲\n乙\t丙 {AMP}"),
        "tabbed": f"一\t二\n三 {value}",
        "wide": ["a", AMP, "c", "d"],
        "narrow": ["仅一格"],
        "pictures": [1, 2],
    }


# ---------------------------------------------------------------------------------- render_docx


@pytest.mark.parametrize("value", HOSTILE + [BRACES, "A\u0001B\u000bC\u0000D\ufffeE", "x\r\ny\rz"])
def test_hostile_values_verbatim_and_nothing_dropped(tmp_path, value):
    template = simple_template(tmp_path, "开始", "值：{{ v }}", "后续段落一", "后续段落二：{{ w }}", "结束")
    out = render_docx(template, {"v": value, "w": "尾"}, tmp_path / "out" / "r.docx")
    expected_value = (
        value.replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\u0001", "")
        .replace("\u000b", "")
        .replace("\u0000", "")
        .replace("\ufffe", "")
    )
    assert all_text(out) == f"开始\n值：{expected_value}\n后续段落一\n后续段落二：尾\n结束"


def test_braces_in_values_are_text_not_template(tmp_path):
    template = simple_template(tmp_path, "{{ v }}", "{{ v }}")
    out = render_docx(template, {"v": BRACES}, tmp_path / "r.docx")
    assert all_text(out) == f"{BRACES}\n{BRACES}"  # not "49", not "{{ y }}"


def test_newlines_become_line_breaks(tmp_path):
    template = simple_template(tmp_path, "内容：{{ v }}", "下一段")
    out = render_docx(template, {"v": "第一行\n第二行\n\n第四行"}, tmp_path / "r.docx")
    document = docx.Document(str(out))
    assert [p.text for p in document.paragraphs] == ["内容：第一行\n第二行\n\n第四行", "下一段"]
    assert document_xml(out).count("<w:br/>") == 3


def test_none_prints_empty_and_numbers_print(tmp_path):
    template = simple_template(tmp_path, "[{{ a }}][{{ b }}][{{ c|join('、') }}]")
    out = render_docx(template, {"a": None, "b": 12.5, "c": ["总经理", AMP]}, tmp_path / "r.docx")
    assert all_text(out) == f"[][12.5][总经理、{AMP}]"


def test_sandbox_refuses_attribute_escapes(tmp_path):
    template = simple_template(tmp_path, "{{ v.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(RenderError):
        render_docx(template, {"v": "x"}, tmp_path / "r.docx")
    assert not (tmp_path / "r.docx").exists()


def test_missing_context_key_is_an_error_not_a_blank(tmp_path):
    template = simple_template(tmp_path, "{{ case.phone }}")
    with pytest.raises(RenderError, match="phone"):
        render_docx(template, {"case": {"number": "KF-2026-00001"}}, tmp_path / "r.docx")


def test_atomic_write_creates_parents_and_leaves_no_temp_files(tmp_path):
    template = simple_template(tmp_path, "{{ v }}")
    out = tmp_path / "outbox" / "KF-2026-00001" / "01-重大投诉上报单.docx"
    assert render_docx(template, {"v": "一"}, out) == out
    assert all_text(out) == "一"
    render_docx(template, {"v": "二"}, out)  # replaces
    assert all_text(out) == "二"
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]


def test_failed_render_keeps_previous_output(tmp_path):
    template = simple_template(tmp_path, "{{ v }}")
    out = render_docx(template, {"v": "旧"}, tmp_path / "r.docx")
    before = out.read_bytes()
    with pytest.raises(RenderError):
        render_docx(template, {}, out)
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.docx", "simple.docx"]


def test_broken_markup_is_refused_in_every_part(tmp_path):
    """``|safe`` lets markup through unescaped; the strict check refuses what is not XML."""
    body = simple_template(tmp_path, "{{ v|safe }}")
    with pytest.raises(RenderError, match="not well-formed"):
        render_docx(body, {"v": "<oops"}, tmp_path / "r.docx")
    d = docx.Document()
    d.sections[0].header.paragraphs[0].add_run("{{ v|safe }}")
    d.add_paragraph().add_run("正文")
    d.save(str(tmp_path / "header.docx"))
    with pytest.raises(RenderError, match="header1.xml"):
        render_docx(tmp_path / "header.docx", {"v": "</w:t>"}, tmp_path / "r.docx")
    assert not (tmp_path / "r.docx").exists()


def test_missing_key_in_header_is_an_error(tmp_path):
    d = docx.Document()
    d.sections[0].header.paragraphs[0].add_run("{{ office }}")
    d.save(str(tmp_path / "header.docx"))
    with pytest.raises(RenderError, match="office"):
        render_docx(tmp_path / "header.docx", {}, tmp_path / "r.docx")


def test_template_syntax_error_names_the_template(tmp_path):
    template = simple_template(tmp_path, "{% if v %}没有结束")
    with pytest.raises(RenderError, match="simple.docx.*TemplateSyntaxError"):
        render_docx(template, {"v": 1}, tmp_path / "r.docx")


def test_not_a_word_document(tmp_path):
    (tmp_path / "bad.docx").write_bytes(b"not a zip")
    with pytest.raises(RenderError, match="bad.docx"):
        render_docx(tmp_path / "bad.docx", {}, tmp_path / "r.docx")


def test_template_is_prepared_once_and_again_when_the_file_changes(tmp_path, monkeypatch):
    prepared = []
    real = render_module._prepare
    monkeypatch.setattr(render_module, "_prepare", lambda *a: prepared.append(1) or real(*a))
    template = simple_template(tmp_path, "一：{{ v }}")
    for value in ("甲", "乙", "丙"):
        assert all_text(render_docx(template, {"v": value}, tmp_path / "r.docx")) == f"一：{value}"
    assert len(prepared) == 1
    simple_template(tmp_path, "第二版：{{ v }}")  # rewritten in place
    os.utime(template, ns=(template.stat().st_atime_ns, template.stat().st_mtime_ns + 1_000_000_000))
    assert all_text(render_docx(template, {"v": "丁"}, tmp_path / "r.docx")) == "第二版：丁"
    assert len(prepared) == 2


def test_unchanged_members_are_copied_verbatim(tmp_path):
    template = find_template("dispatch_list.docx", None)
    out = render_docx(template, dispatch_context(3), tmp_path / "r.docx")
    before, after = zip_parts(template), zip_parts(out)
    assert sorted(set(before) - {"docProps/thumbnail.jpeg"}) == sorted(after)
    changed = [name for name in after if before[name] != after[name]]
    # the body, and the package parts naming this document rather than the template (issue 11 item 9)
    assert sorted(changed) == ["_rels/.rels", "docProps/app.xml", "docProps/core.xml", "word/document.xml"]
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None
        assert z.namelist()[0] == "[Content_Types].xml"


# ------------------------------------------------------------------ the same result as docxtpl


MULTILINE = "第一行\n第二行\t制表\r\n第三行"


@pytest.mark.parametrize("rows", [1, 5, 20])
def test_dispatch_list_same_as_docxtpl(tmp_path, rows):
    context = dispatch_context(rows, office=f"服务处{MULTILINE}", register_file=f"{BRACES}.xlsx")
    for i, row in enumerate(context["rows"]):
        row["location"] = HOSTILE[i % len(HOSTILE)] + "\n" + row["location"]
        row["content"] += "\n" + MULTILINE + BRACES
    assert_same_as_docxtpl(find_template("dispatch_list.docx", None), context, tmp_path)


@pytest.mark.parametrize("hostile", HOSTILE + [BRACES, MULTILINE])
def test_escalation_notice_same_as_docxtpl(tmp_path, hostile):
    context = escalation_context(recipients=["总经理", hostile], provisional_note=hostile)
    context["case"] = {key: f"{value}{hostile}" for key, value in context["case"].items()}
    for d in context["deadlines"]:
        d["label"] += hostile
    assert_same_as_docxtpl(find_template("escalation_notice.docx", None), context, tmp_path)


def test_escalation_notice_without_provisional_same_as_docxtpl(tmp_path):
    context = escalation_context(provisional_note="", recipients=[])
    for d in context["deadlines"]:
        d["provisional"] = False
    assert_same_as_docxtpl(find_template("escalation_notice.docx", None), context, tmp_path)


@pytest.mark.parametrize("value", [AMP, BRACES, MULTILINE])
def test_headers_properties_tables_pictures_same_as_docxtpl(tmp_path, value):
    template = feature_template(tmp_path)
    out = assert_same_as_docxtpl(template, feature_context(value), tmp_path)
    document = docx.Document(str(out))
    expected = value.replace("\r\n", "\n")
    assert document.core_properties.title == f"标题 {value}".replace("&", "&amp;").replace("<", "&lt;").replace(
        ">", "&gt;"
    ).replace("{", "&#123;").replace("}", "&#125;").replace("\r\n", "\n")  # docxtpl's double escape
    assert document.sections[0].header.paragraphs[0].text == f"页眉：{expected}"
    assert [len(t.columns) for t in document.tables] == [4, 1]  # fix_tables added and dropped grid columns
    ids = [
        e.get("id")
        for e in document.element.body.iter(
            "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"
        )
    ]
    assert ids == ["1001", "1002", "1003"]
    text = all_text(out)
    assert f"粗体{AMP}\n第二行\t制表" in text and f"甲\n乙\t丙 {AMP}" in text
    assert f"制表：一\t二\n三 {expected}" in text


# -------------------------------------------------------------------------------- find_template


def test_find_template_prefers_workspace(tmp_path):
    assert find_template("escalation_notice.docx", None) == PACKAGED_TEMPLATES / "escalation_notice.docx"
    assert find_template("dispatch_list.docx", tmp_path) == PACKAGED_TEMPLATES / "dispatch_list.docx"
    own = tmp_path / "escalation_notice.docx"
    own.write_bytes((PACKAGED_TEMPLATES / "escalation_notice.docx").read_bytes())
    assert find_template("escalation_notice.docx", tmp_path) == own


def test_find_template_missing(tmp_path):
    with pytest.raises(TemplateNotFound, match="找不到模板"):
        find_template("nope.docx", tmp_path)


@pytest.mark.parametrize(
    "name",
    [
        "../escalation_notice.docx",
        "a/b.docx",
        "a\\b.docx",
        "..",
        ".",
        "",
        "/etc/passwd",
        "C:evil.docx",
        "x\0.docx",
        "..docx",
    ],
)
def test_find_template_refuses_paths(tmp_path, name):
    with pytest.raises(ValueError, match="模板名称无效"):
        find_template(name, tmp_path)


# ----------------------------------------------------------------------------- the templates


def test_templates_are_reproducible_and_committed_as_built(tmp_path):
    built = assert_built_as_committed(build_templates.NOTICE_TEMPLATES, tmp_path)
    assert sorted(p.name for p in built) == ["dispatch_list.docx", "escalation_notice.docx"]


@pytest.mark.parametrize("name", ["escalation_notice.docx", "dispatch_list.docx"])
def test_template_tags_are_whole_runs(name):
    document = docx.Document(str(PACKAGED_TEMPLATES / name))
    runs = ["".join(t.text or "" for t in r.iter(qn("w:t"))) for r in document.element.body.iter(qn("w:r"))]
    assert any("{{" in text for text in runs)
    for text in runs:
        opened = len(re.findall(r"\{\{|\{%", text))
        closed = len(re.findall(r"\}\}|%\}", text))
        assert opened == closed, f"tag split across runs: {text!r}"
    fonts = document_xml(PACKAGED_TEMPLATES / name)
    assert 'w:eastAsia="宋体"' in fonts and 'w:eastAsia="黑体"' in fonts


def test_escalation_notice(tmp_path):
    context = escalation_context()
    out = render_docx(find_template("escalation_notice.docx", None), context, tmp_path / "notice.docx")
    text = all_text(out)
    document = docx.Document(str(out))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)

    assert text.startswith("重大投诉上报单\n登记编号：KF-2026-00042")
    for label in (
        "登记编号",
        "受理时间",
        "来源渠道",
        "客户姓名",
        "联系电话",
        "项目/小区",
        "楼栋",
        "房号",
        "投诉类别",
        "责任部门",
        "接待人",
        "投诉内容",
        "事项",
        "期限",
        "依据条款",
    ):
        assert f"\n{label}\n" in text, label
    for value in (
        "2026年11月25日 14:30",
        "来电",
        "13800138000",
        "锦绣花园",
        "3栋",
        "1502",
        "维修",
        "工程材料部",
        "李四",
    ):
        assert f"\n{value}\n" in text, value
    assert f"张三（{AMP}）" in text
    assert f"客厅天花板渗水，已持续一周。\n业主要求立即维修并赔偿损失。{CDATA}" in text
    assert "报：总经理、副总经理" in text
    assert "《客户服务管理程序》第3.4.7条（CS-3.4.7）" in text and "拟订处理措施" in text
    assert "请总经理、副总经理审阅并拟订处理措施" in text
    assert text.endswith("客户服务部（盖章）\n日期：2026年11月26日")

    deadlines = [[visible(c.text) for c in row.cells] for row in document.tables[1].rows]
    assert deadlines == [
        ["事项", "期限", "依据条款"],
        ["上报总经理、副总经理", "2026年11月26日", "CS-3.4.7"],
        ["责任部门反馈处理信息", "2026年12月1日", "CS-3.4.2.2"],
        ["多工种维修完成", "2027年1月4日（暂定）", "CS-3.4.5"],
    ]
    assert text.count("（暂定）") == 2  # the provisional row and the note that explains it
    assert "注：2027年工作日历尚未发布" in text
    assert_no_jinja_left(document_xml(out))

    # the notice is itself a label → value form the reader understands
    found = find_fields(
        read_label_values(out), {"customer": ["客户姓名"], "content": ["投诉内容"], "department": ["责任部门"]}
    )
    assert found["customer"].value == f"张三（{AMP}）"
    assert found["content"].value.endswith(CDATA)
    assert found["department"].value == "工程材料部"


def test_escalation_notice_without_provisional_deadlines(tmp_path):
    context = escalation_context(provisional_note="", recipients=["总经理"])
    for d in context["deadlines"]:
        d["provisional"] = False
    out = render_docx(find_template("escalation_notice.docx", None), context, tmp_path / "notice.docx")
    text = all_text(out)
    assert "（暂定）" not in text
    assert "注：" not in text
    assert "报：总经理\n" in text
    assert "\n\n\n" not in text  # the conditional paragraph left no blank lines behind
    assert_no_jinja_left(document_xml(out))


def test_dispatch_list_twenty_rows(tmp_path):
    context = dispatch_context(20)
    out = render_docx(find_template("dispatch_list.docx", None), context, tmp_path / "dispatch.docx")
    document = docx.Document(str(out))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (297, 210)
    text = all_text(out)
    assert text.startswith(
        "投诉转办单\n责任部门：工程材料部　　　　服务处：锦绣花园客户服务处　　　　转办日期：2026年11月26日"
    )
    assert "依据《来电、来访登记表》（来电来访登记表 & 汇总<11月>.xlsx）转办，共 20 件。" in text
    assert "请于反馈期限前向客户服务部反馈处理信息" in text and "CS-3.4.2.2" in text
    assert "3. 标注“（暂定）”的期限跨入2027年" in text
    assert "接收人：" in text and "接收日期：" in text

    table = document.tables[0]
    header = [c.text for c in table.rows[0].cells]
    assert header == ["登记编号", "受理时间", "客户", "房号", "类别", "投诉内容", "反馈期限", "处理情况/反馈"]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # repeats on every page
    body = [[visible(c.text) for c in row.cells] for row in table.rows[1:]]
    assert len(body) == 20
    for i, (row, expected) in enumerate(zip(body, context["rows"]), start=1):
        provisional = "（暂定）" if expected["provisional"] else ""
        major = "（重大）" if expected["major"] else ""
        assert row == [
            expected["number"],
            expected["received_at"],
            expected["customer"],
            expected["location"],
            expected["category"] + major,
            expected["content"],
            expected["feedback_due"] + provisional,
            "",
        ], i
    assert sum("（暂定）" in r[6] for r in body) == 2
    assert sum("（重大）" in r[4] for r in body) == 1
    assert body[6][2] == AMP
    for value in HOSTILE:
        assert any(value in r[5] for r in body), value
    assert_no_jinja_left(document_xml(out))


def test_dispatch_list_empty_office_and_hostile_braces(tmp_path):
    rows = dispatch_context(1)["rows"]
    rows[0]["content"] = BRACES
    context = dispatch_context(office="", provisional_note="", rows=rows)
    out = render_docx(find_template("dispatch_list.docx", None), context, tmp_path / "dispatch.docx")
    text = all_text(out)
    assert "服务处：—" in text
    assert "（暂定）" not in text.split("注：")[0]
    assert "3. " not in text
    assert docx.Document(str(out)).tables[0].rows[1].cells[5].text == BRACES
    assert_no_jinja_left(document_xml(out), BRACES)


def test_escalation_notice_prints_on_two_pages_at_most_the_seal_after_the_request(tmp_path):
    # In the house style's 三号 body (docs/design.md §9) the notice may run to a second page; the seal and
    # its date stand there with the request before them, never alone.
    soffice, pdfinfo = shutil.which("soffice"), shutil.which("pdfinfo")
    if soffice is None or pdfinfo is None:
        pytest.skip("LibreOffice (soffice) and poppler-utils (pdfinfo) are needed for the print check")
    out = render_docx(find_template("escalation_notice.docx", None), escalation_context(), tmp_path / "notice.docx")
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(out),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / "notice.pdf"
    info = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)$", info, re.M)[1])
    assert pages <= 2, info
    last = subprocess.run(
        ["pdftotext", "-f", str(pages), "-l", str(pages), str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "客户服务部（盖章）" in last and "立即处理。" in last.split("客户服务部（盖章）")[0], last


def test_a_rendered_document_has_its_own_properties_not_the_templates(tmp_path):
    # GIVEN the packaged weekly report template (description "由 docgen 生成的模板…", created 2026-01-01,
    # Application "Microsoft Macintosh Word", python-docx's thumbnail)
    from docgen.render.docx import find_template

    template = find_template("weekly_report.docx", None)
    sample = json.loads((Path(docgen.__file__).parent / "data" / "template_samples.json").read_text("utf-8"))
    before = datetime.now(timezone.utc).replace(microsecond=0)
    out = render_docx(template, sample["weekly_report.docx"], tmp_path / "周报.docx")
    # THEN the document's properties are its own: its title, the issuing office as author, the time it was
    # written, no template note; no thumbnail; docgen as the application
    props = docx.Document(str(out)).core_properties
    assert props.title == "客户服务部投诉处理周报"
    assert props.author == sample["weekly_report.docx"]["office"]
    assert props.comments == "" and props.created >= before and props.last_printed is None
    parts = zip_parts(out)
    assert "docProps/thumbnail.jpeg" not in parts and b"thumbnail" not in parts["_rels/.rels"]
    assert b"<Application>docgen</Application>" in parts["docProps/app.xml"]


def test_every_caption_of_a_packaged_template_keeps_with_its_table():
    # GIVEN each packaged Word template  THEN a paragraph ending in "：" right before a table (or before the
    # {%p %} lines that open it) keeps with next, so it is never the last line of a page (issue 11 item 8)
    from docgen.render.docx import PACKAGED_TEMPLATES

    loose = []
    for template in sorted(PACKAGED_TEMPLATES.glob("*.docx")):
        body = docx.Document(str(template)).element.body
        blocks = [child for child in body.iterchildren() if child.tag in (qn("w:p"), qn("w:tbl"))]
        for index, block in enumerate(blocks):
            text = "".join(block.itertext()) if block.tag == qn("w:p") else ""
            if not text.strip().endswith("："):
                continue
            after = next((b for b in blocks[index + 1 :] if not "".join(b.itertext()).startswith("{%p")), None)
            if (
                after is not None
                and after.tag == qn("w:tbl")
                and block.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is None
            ):
                loose.append(f"{template.name}: {text.strip()}")
    assert loose == []
