"""PDF/A-3b rendering from Typst templates (docgen.render.pdf): fonts, GB/T 9704 look, archive metadata,
attachments, hostile values and the sandbox. Checked with the real tools (poppler's pdffonts/pdftotext,
pikepdf); a test is skipped, with the reason, only when a tool is missing."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("typst", reason="typst is not installed (pip install -e .)")
pikepdf = pytest.importorskip("pikepdf", reason="pikepdf is not installed (pip install -e .)")

from docgen.render.docx import RenderError, TemplateNotFound  # noqa: E402
from docgen.render.pdf import FONT_ROLES, find_pdf_template, font_roles, render_pdf  # noqa: E402
from tests.docx_helpers import tiny_png  # noqa: E402

HOSTILE = "Smith & Sons <Ltd>"
INJECTION = '<img src="file:///etc/passwd">'
TITLE = "客户服务部投诉处理周报（2026年第47周）"
SECRET_MARK = b"root:x:0:0"  # the first line of /etc/passwd on every Linux

needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdffonts") and shutil.which("pdftotext")),
    reason="poppler-utils (pdffonts, pdftotext) is not installed: apt-get install poppler-utils",
)


def sample_context(n: int = 200) -> dict:
    categories = ["房屋质量", "物业服务", "销售承诺", "配套设施", "园林景观"]
    departments = ["工程材料部", "物业公司", "经营销售部", "客户服务部"]
    rows = []
    for i in range(1, n + 1):
        rows.append(
            {
                "no": i,
                "case": f"TS-2026-{i:04d}",
                "room": f"翠湖花园{i % 30 + 1}栋{i % 4 + 1}单元{i % 28 + 1:02d}0{i % 4 + 1}室",
                "category": categories[i % 5],
                "dept": departments[i % 4],
                "summary": (
                    f"{HOSTILE} 供应的防水材料不合格，卫生间楼板渗水至楼下住户天花板"
                    if i == 1
                    else INJECTION
                    if i == 2
                    else "客厅墙面出现裂缝，长约1.2米，业主要求在春节前修复" * (1 + (i % 7 == 0))
                ),
                "status": "已关闭" if i % 4 == 0 else "处理中",
                "days": i % 9,
            }
        )
    columns = [
        ("序号", "no", "num", "5%"),
        ("投诉编号", "case", "", "15%"),
        ("项目及房号", "room", "", "17%"),
        ("类别", "category", "center", "8%"),
        ("责任部门", "dept", "center", "10%"),
        ("投诉内容", "summary", "", "31%"),
        ("状态", "status", "center", "7%"),
        ("逾期天数", "days", "num", "7%"),
    ]
    return {
        "title": TITLE,
        "addressee": "公司各部门、各服务中心",
        "paragraphs": [
            f"本周共受理投诉{n}件，其中新增投诉36件，办结投诉50件。供应商{HOSTILE}涉及的防水材料问题已转工程材料部跟进。",
            "现将本周投诉处理情况通报如下，请各责任部门在规定时限内完成处理并反馈。",
        ],
        "columns": columns,
        "rows": rows,
        "note": "逾期天数按工作日计算，已扣除法定节假日及调休。",
        "issuer": "客户服务部",
        "date": dt.date(2026, 11, 26),
        "signers": [("编制人", "张伟"), ("审核人", None), ("批准人", None)],
    }


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """The 200-row sample report with one source form attached, rendered once for the module."""
    folder = tmp_path_factory.mktemp("pdf")
    source = folder / "登记表.xlsx"
    source.write_bytes(b"PK\x03\x04 fake workbook bytes")
    out = render_pdf(
        "sample_report.typ",
        sample_context(),
        folder / "out" / "周报.pdf",
        attachments=[(source, "CS-REG-2026-0047.xlsx", "客户投诉登记表（原件）")],
    )
    return out


def pdftotext(pdf: Path, first: int | None = None, last: int | None = None) -> str:
    """The text as poppler lays it out (``-layout``: a table row on one line, as it is printed)."""
    args = ["pdftotext", "-layout", "-enc", "UTF-8"]
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    return subprocess.run([*args, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def pdffonts(pdf: Path) -> list[tuple[str, str]]:
    """(font name, emb) of every font of the PDF."""
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    fonts = []
    for line in out.splitlines()[2:]:
        fields = line.split()
        # name type… encoding emb sub uni object ID: emb is the 5th field from the end
        fonts.append((fields[0], fields[-5]))
    return fonts


def all_stream_bytes(pdf: Path) -> bytes:
    """Every stream of the PDF, decoded, plus the raw file: to prove a secret is nowhere inside."""
    chunks = [pdf.read_bytes()]
    with pikepdf.open(pdf) as doc:
        for obj in doc.objects:
            if isinstance(obj, pikepdf.Stream):
                try:
                    chunks.append(obj.read_bytes())
                except pikepdf.PdfError:
                    chunks.append(obj.read_raw_bytes())
    return b"\n".join(chunks)


def workspace_template(tmp_path: Path, name: str, html: str) -> Path:
    """A workspace ``templates/`` folder whose ``pdf/`` holds ``name``; returns the ``templates/`` folder."""
    folder = tmp_path / "templates"
    (folder / "pdf").mkdir(parents=True, exist_ok=True)
    (folder / "pdf" / name).write_text(html, encoding="utf-8")
    return folder


# ----------------------------------------------------------------------------------------------- fonts


@needs_poppler
def test_every_font_embedded_cjk_and_no_dejavu(sample):
    fonts = pdffonts(sample)
    assert fonts
    assert all(emb == "yes" for _, emb in fonts), fonts
    names = [name for name, _ in fonts]
    assert any("CJK" in name for name in names), names
    assert not any("DejaVu" in name for name in names), names
    faces = [name.split("+", 1)[-1] for name in names]  # without the random subset tag
    assert not any("JP" in face or "CJKjp" in face for face in faces), names


@needs_poppler
def test_chinese_face_names_resolve_to_installed_cjk_faces(tmp_path):
    # GIVEN a template asking for each Chinese face (宋体, 仿宋, 黑体, 楷体, 小标宋) by its docgen role
    roles = ["song", "fangsong", "hei", "kai", "title"]
    body = "\n".join(
        f'#text(font: font-of("{role}"))[{role}：中华人民共和国 Smith 123] #text(font: font-of("{role}"), '
        f'weight: "bold")[加粗]\n'
        for role in roles
    )
    templates = workspace_template(tmp_path, "fonts.typ", '#import "docgen.typ": *\n#show: gbt-doc\n' + body)
    # WHEN it is rendered
    out = render_pdf("fonts.typ", {}, tmp_path / "fonts.pdf", workspace_templates=templates)
    # THEN every face is an installed CJK face: Noto Serif/Sans CJK SC, or AR PL UKai for 楷体 when installed
    names = [name for name, _ in pdffonts(out)]
    allowed = ("NotoSerifCJKsc", "NotoSansCJKsc", "UKai", "AR-PL-UKai", "ARPLUKai", "LXGWWenKai")
    for name in names:
        assert name.split("+", 1)[-1].replace("-", "").startswith(tuple(a.replace("-", "") for a in allowed)), names
    assert any("NotoSerifCJK" in n for n in names) and any("NotoSansCJK" in n for n in names), names
    if font_roles()["kai"] and font_roles()["kai"][0].startswith("AR PL UKai"):
        assert any("UKai" in n for n in names), names


def test_font_roles_prefer_windows_faces_then_installed_cjk():
    roles = font_roles()
    assert set(roles) == set(FONT_ROLES)
    for role, families in roles.items():
        assert families, f"no installed font for {role}: apt-get install fonts-noto-cjk"
        assert list(families) == [f for f in FONT_ROLES[role] if f in families]  # preference order kept
    assert "Noto Sans CJK SC" in roles["hei"] and "Noto Serif CJK SC" in roles["song"]


# ------------------------------------------------------------------------------------ text and layout


@needs_poppler
def test_chinese_title_and_hostile_values_come_back_verbatim(sample):
    text = pdftotext(sample)
    assert TITLE in text
    assert HOSTILE in text
    assert INJECTION in pdftotext(sample, 1, 1).replace("\n", "")  # printed as text, not loaded
    assert "2026年11月26日" in text


@needs_poppler
def test_page_numbers_in_gbt9704_form(sample):
    page1 = pdftotext(sample, 1, 1)
    page2 = pdftotext(sample, 2, 2)
    assert "— 1 —" in page1
    assert "— 2 —" in page2
    # odd pages on the right, even pages on the left
    line1 = next(line for line in page1.splitlines() if "— 1 —" in line)
    line2 = next(line for line in page2.splitlines() if "— 2 —" in line)
    assert line1.index("—") > 40
    assert line2.index("—") < 10


@needs_poppler
def test_table_header_repeats_on_every_page_and_rows_are_whole(sample):
    pages = int(
        re.search(
            r"Pages:\s+(\d+)",
            subprocess.run(["pdfinfo", str(sample)], capture_output=True, text=True, check=True).stdout,
        ).group(1)
    )
    assert pages >= 3
    pages_with_rows = [page for page in range(1, pages + 1) if "TS-2026-" in pdftotext(sample, page, page)]
    assert len(pages_with_rows) >= 3
    for page in pages_with_rows:
        text = pdftotext(sample, page, page)
        assert "投诉编号" in text and "责任部门" in text, page
    # every case number appears exactly once: no row lost or duplicated at a page edge
    text = pdftotext(sample)
    assert re.findall(r"TS-2026-(\d{4})", text) == [f"{i:04d}" for i in range(1, 201)]


# ------------------------------------------------------------------------------------------- PDF/A


def test_pdfa_3b_metadata_output_intent_and_source_attachment(sample):
    with pikepdf.open(sample) as pdf:
        with pdf.open_metadata() as meta:
            assert str(meta.get("pdfaid:part")) == "3"
            assert str(meta.get("pdfaid:conformance")) == "B"
        assert str(pdf.Root.Lang) == "zh-CN"  # the document language, for readers and screen readers
        intents = pdf.Root.get("/OutputIntents")
        assert intents is not None and len(intents) >= 1
        assert "/DestOutputProfile" in intents[0]
        files = pdf.attachments
        assert list(files.keys()) == ["CS-REG-2026-0047.xlsx"]
        spec = files["CS-REG-2026-0047.xlsx"]
        assert spec.filename == "CS-REG-2026-0047.xlsx"
        assert spec.description == "客户投诉登记表（原件）"
        assert spec.obj.AFRelationship == pikepdf.Name.Source
        assert spec.get_file().read_bytes() == b"PK\x03\x04 fake workbook bytes"
        assert any(af.get("/AFRelationship") == pikepdf.Name.Source for af in pdf.Root.AF)


def test_attachment_names_must_be_ascii(tmp_path):
    source = tmp_path / "a.xlsx"
    source.write_bytes(b"x")
    with pytest.raises(ValueError, match="ASCII"):
        render_pdf(
            "sample_report.typ", sample_context(3), tmp_path / "x.pdf", attachments=[(source, "登记表.xlsx", "登记表")]
        )
    assert not (tmp_path / "x.pdf").exists()


def test_atomic_write_leaves_no_temporary_files(sample):
    assert [p.name for p in sample.parent.iterdir()] == [sample.name]


# ---------------------------------------------------------------------------- templates and values


def test_template_names_are_bare_file_names(tmp_path):
    for bad in ("../docgen.typ", "/etc/passwd", "pdf/docgen.typ", "..", "a\\b.typ", "c:x.typ"):
        with pytest.raises(ValueError):
            find_pdf_template(bad, tmp_path)
    with pytest.raises(TemplateNotFound):
        find_pdf_template("nope.typ", tmp_path)
    assert find_pdf_template("docgen.typ").parent.name == "pdf"


@needs_poppler
def test_workspace_template_overrides_and_imports_packaged_library(tmp_path):
    # GIVEN an office's own sample_report.typ that still uses the packaged docgen.typ
    templates = workspace_template(
        tmp_path,
        "sample_report.typ",
        '#import "docgen.typ": *\n#show: gbt-doc.with(title: data.title + "（本地模板）")\n',
    )
    # WHEN it is rendered THEN the office's template is used, with the packaged look
    out = render_pdf("sample_report.typ", {"title": "周报"}, tmp_path / "o.pdf", workspace_templates=templates)
    assert "周报（本地模板）" in pdftotext(out)
    # AND a second workspace's override does not leak into the packaged one
    assert "本地模板" not in pdftotext(render_pdf("sample_report.typ", sample_context(3), tmp_path / "p.pdf"))


def test_a_missing_key_is_an_error_and_writes_nothing(tmp_path):
    context = sample_context(3)
    del context["issuer"]
    with pytest.raises(RenderError, match="issuer"):
        render_pdf("sample_report.typ", context, tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


# ------------------------------------------------------------------------------------------ sandbox

TYPST_MARKUP = '#read("/etc/passwd") *粗体* <label> $x$ #set text(red) [link](http://127.0.0.1:9/x) \\'


@needs_poppler
def test_values_are_printed_as_typed_never_evaluated(tmp_path):
    templates = workspace_template(tmp_path, "value.typ", '#import "docgen.typ": *\n#show: gbt-doc\n#txt(data.value)\n')
    out = render_pdf(
        "value.typ", {"value": TYPST_MARKUP + HOSTILE + "\x07"}, tmp_path / "v.pdf", workspace_templates=templates
    )
    text = "".join(pdftotext(out).split())  # a line may wrap at any space
    assert "".join((TYPST_MARKUP + HOSTILE).split()) in text  # the control character is dropped, the rest is as typed
    assert SECRET_MARK not in all_stream_bytes(out)


@pytest.mark.parametrize(
    "source",
    [
        '#read("/etc/passwd")',  # absolute paths are relative to the private root
        '#read("../../../../../../etc/passwd")',  # and nothing leaves it
        '#image("http://127.0.0.1:9/pixel.png")',  # no network
        '#read("link.txt")',  # a symlink in the template folder is not staged
    ],
)
def test_templates_cannot_read_outside_their_folder(tmp_path, source, caplog):
    templates = workspace_template(tmp_path, "evil.typ", source)
    (templates / "pdf" / "link.txt").symlink_to("/etc/passwd")
    with caplog.at_level(logging.WARNING, logger="docgen.render.pdf"), pytest.raises(RenderError):
        render_pdf("evil.typ", {}, tmp_path / "evil.pdf", workspace_templates=templates)
    assert not (tmp_path / "evil.pdf").exists()
    assert any("link.txt" in r.getMessage() for r in caplog.records)  # the refused symlink is named


@pytest.mark.parametrize(
    "source, refused",
    [
        ('#import "@preview/cetz:0.3.1": canvas\n', "在线包"),
        ('#let p = "\\u{40}preview/cetz:0.3.1"\n#import p: *\n', "在线包"),  # a name built at run time
        ('#import "@" + "preview/cetz:0.3.1": *\n', "在线包"),
        ('#include ("@local/x:0.1.0")\n', "在线包"),
        ('#eval("1 + 1")\n', "eval"),  # code built from text
    ],
)
def test_package_imports_and_eval_are_refused_before_compiling(tmp_path, source, refused):
    templates = workspace_template(tmp_path, "pkg.typ", source)
    with pytest.raises(RenderError, match=refused):
        render_pdf("pkg.typ", {}, tmp_path / "pkg.pdf", workspace_templates=templates)
    assert not (tmp_path / "pkg.pdf").exists()


def test_a_template_folder_linked_elsewhere_is_not_read(tmp_path, caplog):
    # GIVEN a workspace whose templates/pdf is a symlink to a folder holding a secret and a template
    secret = tmp_path / "elsewhere"
    secret.mkdir()
    (secret / "notes.txt").write_text("TOPSECRET-123", encoding="utf-8")
    (secret / "leak.typ").write_text('#read("notes.txt")', encoding="utf-8")
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "pdf").symlink_to(secret)
    # WHEN its template is asked for THEN the linked folder is refused (logged) and nothing is rendered
    with caplog.at_level(logging.WARNING, logger="docgen.render.pdf"), pytest.raises((RenderError, FileNotFoundError)):
        render_pdf("leak.typ", {}, tmp_path / "leak.pdf", workspace_templates=templates)
    assert any("链接到别处的模板文件夹" in r.getMessage() for r in caplog.records)
    assert not (tmp_path / "leak.pdf").exists()


def test_a_hard_link_to_a_file_elsewhere_is_not_staged(tmp_path, caplog):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-456", encoding="utf-8")
    templates = workspace_template(tmp_path, "hard.typ", '#read("copy.txt")')
    os.link(secret, templates / "pdf" / "copy.txt")
    with caplog.at_level(logging.WARNING, logger="docgen.render.pdf"), pytest.raises(RenderError):
        render_pdf("hard.typ", {}, tmp_path / "hard.pdf", workspace_templates=templates)
    assert any("copy.txt" in r.getMessage() for r in caplog.records)


def test_files_inside_the_template_folder_are_served(tmp_path):
    templates = workspace_template(
        tmp_path, "logo.typ", '#import "docgen.typ": *\n#show: gbt-doc\n#image("logo.png", width: 2cm)\n中文'
    )
    (templates / "pdf" / "logo.png").write_bytes(png())
    out = render_pdf("logo.typ", {}, tmp_path / "logo.pdf", workspace_templates=templates)
    with pikepdf.open(out) as pdf:
        assert sum(len(page.get_images()) for page in pdf.pages) == 1


png = tiny_png


@needs_poppler
def test_a_removed_staging_folder_is_made_again(tmp_path):
    # GIVEN a long-running process whose private Typst folder a /tmp cleaner removed
    first = render_pdf("sample_report.typ", sample_context(3), tmp_path / "1.pdf")
    import docgen.render.pdf as pdf

    for stage in pdf._STAGES.values():
        shutil.rmtree(stage.root)
    # WHEN the next report is rendered THEN it is written as before
    second = render_pdf("sample_report.typ", sample_context(3), tmp_path / "2.pdf")
    assert pdftotext(first) == pdftotext(second)


@needs_poppler
def test_a_long_run_without_spaces_wraps_inside_its_cell(tmp_path):
    # GIVEN a narrow column holding an e-mail address with no space to break at
    address = "zhang.wei.customer.service.2026@example-property-management.com.cn"
    source = (
        '#import "docgen.typ": *\n#show: gbt-doc\n'
        '#report-table((("甲列", "a", "", "20%"), ("乙列", "b", "", "80%")), data.rows)\n'
    )
    templates = workspace_template(tmp_path, "cells.typ", source)
    out = render_pdf(
        "cells.typ", {"rows": [{"a": address, "b": "右侧内容"}]}, tmp_path / "c.pdf", workspace_templates=templates
    )
    # WHEN the words are located on the page THEN the address stays left of the next column's text
    html = subprocess.run(["pdftotext", "-bbox", str(out), "-"], capture_output=True, text=True, check=True).stdout
    words = [
        (float(x0), float(x1), word)
        for x0, x1, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', html
        )
    ]
    right_column = min(x0 for x0, _, word in words if "右侧内容" in word)
    address_parts = [(x0, x1) for x0, x1, word in words if word and word in address]
    assert "".join(word for _, _, word in words if word and word in address).replace(" ", "") == address
    assert len(address_parts) > 1 and max(x1 for _, x1 in address_parts) < right_column


# ------------------------------------------------------------------------- characters no font has

HOUSE = "\U0001f3e0"  # 🏠, in Symbola (fonts-symbola) and in no CJK face
PRIVATE = "\ue000"  # private use: whatever a font draws there means nothing
UNASSIGNED = "\U0002a6e0"  # after the end of CJK Extension B, before Extension C: no character at all
RARE_EXT_B = "\U0002a6d6"  # 𪛖, the last ideograph of Extension B as first published: not in Noto CJK
MISSING_GLYPH = "〓"  # GETA MARK: what Chinese typesetting prints for a character it cannot set


@needs_poppler
def test_a_character_no_font_has_is_printed_as_a_visible_mark_and_logged(tmp_path, caplog):
    # GIVEN values holding an emoji, a private-use character, an unassigned code point and a rare ideograph
    templates = workspace_template(
        tmp_path,
        "names.typ",
        '#import "docgen.typ": *\n#show: gbt-doc\n'
        "#for n in data.names [#flush(txt(n))]\n"
        '#report-table((("客户", "name", "", "50%"),), data.rows)\n',
    )
    names = [f"王芳{HOUSE}", f"李{PRIVATE}四", f"赵{UNASSIGNED}六", f"钱{RARE_EXT_B}七"]
    # WHEN they are rendered, in running text and in a table
    with caplog.at_level(logging.WARNING, logger="docgen.render.pdf"):
        out = render_pdf(
            "names.typ",
            {"names": names, "rows": [{"name": n} for n in names]},
            tmp_path / "n.pdf",
            workspace_templates=templates,
        )
    # THEN the PDF/A is written: the emoji from the symbol face every font stack ends with
    text = pdftotext(out)
    assert text.count(f"王芳{HOUSE}") == 2
    assert any(name.split("+", 1)[-1].startswith("Symbola") for name, _ in pdffonts(out)), (
        "apt-get install fonts-symbola"
    )
    # AND a character no font can draw is printed as 〓, in its place, and the warning names the field
    assert text.count(f"李{MISSING_GLYPH}四") == 2 and text.count(f"赵{MISSING_GLYPH}六") == 2
    assert PRIVATE not in text and UNASSIGNED not in text
    assert text.count(f"钱{RARE_EXT_B}七") + text.count(f"钱{MISSING_GLYPH}七") == 2  # printed if a font has it
    warnings = [
        r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and MISSING_GLYPH in r.getMessage()
    ]
    assert len(warnings) == 1, caplog.text
    assert "names[1] U+E000" in warnings[0] and "rows[2].name U+2A6E0" in warnings[0]
    assert "U+1F3E0" not in warnings[0]


def test_font_stacks_end_with_the_symbol_face():
    from docgen.render.pdf import FALLBACK_FONTS, fallback_fonts
    from docgen.render.pdf import MISSING_GLYPH as substitute

    assert substitute == MISSING_GLYPH
    assert fallback_fonts() and fallback_fonts()[0] == "Symbola", "apt-get install fonts-symbola"
    assert fallback_fonts() == [f for f in FALLBACK_FONTS if f in fallback_fonts()]
