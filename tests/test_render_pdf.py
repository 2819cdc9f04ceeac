"""PDF/A-3b rendering from HTML templates (docgen.render.pdf): fonts, GB/T 9704 look, archive metadata,
attachments, hostile values and the URL fetcher. Checked with the real tools (poppler's pdffonts/pdftotext,
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

pytest.importorskip("weasyprint", reason="weasyprint is not installed (pip install -e .)")
pikepdf = pytest.importorskip("pikepdf", reason="pikepdf is not installed (pip install -e .)")

from docgen.render.docx import RenderError, TemplateNotFound  # noqa: E402
from docgen.render.pdf import cn_date, find_pdf_template, render_html, render_pdf  # noqa: E402
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
        rows.append({
            "no": i,
            "case": f"TS-2026-{i:04d}",
            "room": f"翠湖花园{i % 30 + 1}栋{i % 4 + 1}单元{i % 28 + 1:02d}0{i % 4 + 1}室",
            "category": categories[i % 5],
            "dept": departments[i % 4],
            "summary": (f"{HOSTILE} 供应的防水材料不合格，卫生间楼板渗水至楼下住户天花板" if i == 1
                        else INJECTION if i == 2
                        else "客厅墙面出现裂缝，长约1.2米，业主要求在春节前修复" * (1 + (i % 7 == 0))),
            "status": "已关闭" if i % 4 == 0 else "处理中",
            "days": i % 9,
        })
    columns = [("序号", "no", "num", "5%"), ("投诉编号", "case", "", "15%"), ("项目及房号", "room", "", "17%"),
               ("类别", "category", "center", "8%"), ("责任部门", "dept", "center", "10%"),
               ("投诉内容", "summary", "", "31%"), ("状态", "status", "center", "7%"),
               ("逾期天数", "days", "num", "7%")]
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
    out = render_pdf("sample_report.html", sample_context(), folder / "out" / "周报.pdf",
                     attachments=[(source, "CS-REG-2026-0047.xlsx", "客户投诉登记表（原件）")])
    return out


def pdftotext(pdf: Path, first: int | None = None, last: int | None = None, mode: str = "-layout") -> str:
    args = ["pdftotext", mode, "-enc", "UTF-8"]
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
    assert not any("JP" in name or "CJKjp" in name for name in names), names


@needs_poppler
def test_chinese_font_names_resolve_to_installed_cjk_faces(tmp_path):
    requested = ["宋体", "SimSun", "仿宋", "仿宋_GB2312", "FangSong", "黑体", "SimHei", "楷体", "KaiTi", "小标宋"]
    body = "".join(
        f'<p style="font-family: \'{name}\'">{name}：中华人民共和国 Smith 123</p>'
        f'<p style="font-family: \'{name}\'; font-weight: bold">{name} 加粗</p>' for name in requested)
    templates = workspace_template(tmp_path, "fonts.html", f'<!DOCTYPE html><html lang="zh-CN"><body>{body}</body></html>')
    out = render_pdf("fonts.html", {}, tmp_path / "fonts.pdf", workspace_templates=templates)
    names = [name for name, _ in pdffonts(out)]
    allowed = ("Noto-Serif-CJK-SC", "Noto-Sans-CJK-SC", "UKaiCN", "AR-PL-UKai-CN", "LXGWWenKai")
    for name in names:
        assert name.split("+", 1)[-1].startswith(allowed), names
    assert any("Noto-Serif-CJK-SC" in n for n in names) and any("Noto-Sans-CJK-SC" in n for n in names), names
    kai_installed = b"UKai" in subprocess.run(["fc-list"], capture_output=True).stdout
    if kai_installed:
        assert any("UKai" in n for n in names), names


def test_font_configuration_leaves_the_environment_alone(sample):
    assert os.environ.get("FONTCONFIG_FILE") != str(Path("docgen/render/fonts.conf").resolve())
    import docgen.render.pdf as pdf

    assert pdf.FONTS_CONF.is_file()
    assert "/etc/fonts/fonts.conf" in pdf.FONTS_CONF.read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------ text and layout


@needs_poppler
def test_chinese_title_and_hostile_values_come_back_verbatim(sample):
    text = pdftotext(sample)
    assert TITLE in text
    assert HOSTILE in text
    assert INJECTION in pdftotext(sample, 1, 1, mode="-raw").replace("\n", "")  # printed as text, not loaded
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
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(
        ["pdfinfo", str(sample)], capture_output=True, text=True, check=True).stdout).group(1))
    assert pages >= 3
    for page in (2, pages):
        text = pdftotext(sample, page, page)
        assert "投诉编号" in text and "责任部门" in text, page
    # every case number appears exactly once: no row lost or duplicated at a page edge
    text = pdftotext(sample, mode="-raw")
    assert re.findall(r"TS-2026-(\d{4})", text) == [f"{i:04d}" for i in range(1, 201)]


def test_cn_date_written_in_full():
    assert cn_date(dt.date(2026, 1, 5)) == "2026年1月5日"
    assert cn_date(dt.datetime(2026, 11, 26, 9, 30)) == "2026年11月26日"
    assert cn_date("2026-03-09") == "2026年3月9日"
    assert cn_date(None) == ""


# ------------------------------------------------------------------------------------------- PDF/A


def test_pdfa_3b_metadata_output_intent_and_source_attachment(sample):
    with pikepdf.open(sample) as pdf:
        with pdf.open_metadata() as meta:
            assert str(meta.get("pdfaid:part")) == "3"
            assert str(meta.get("pdfaid:conformance")) == "B"
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
        render_pdf("sample_report.html", sample_context(3), tmp_path / "x.pdf", attachments=[(source, "登记表.xlsx", "登记表")])
    assert not (tmp_path / "x.pdf").exists()


def test_atomic_write_leaves_no_temporary_files(sample):
    assert [p.name for p in sample.parent.iterdir()] == [sample.name]


# ---------------------------------------------------------------------------- templates and values


def test_template_names_are_bare_file_names(tmp_path):
    for bad in ("../base.html", "/etc/passwd", "pdf/base.html", "..", "a\\b.html", "c:x.html"):
        with pytest.raises(ValueError):
            find_pdf_template(bad, tmp_path)
    with pytest.raises(TemplateNotFound):
        find_pdf_template("nope.html", tmp_path)
    assert find_pdf_template("base.html").parent.name == "pdf"


def test_workspace_template_overrides_and_extends_packaged_base(tmp_path):
    templates = workspace_template(tmp_path, "sample_report.html",
                                   '{% extends "base.html" %}{% block title %}{{ title }}（本地模板）{% endblock %}')
    html = render_html("sample_report.html", {"title": "周报"}, workspace_templates=templates)
    assert "周报（本地模板）" in html and '<html lang="zh-CN">' in html


def test_values_are_escaped_and_missing_keys_are_errors(tmp_path):
    html = render_html("sample_report.html", sample_context(3))
    assert INJECTION not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    assert "Smith &amp; Sons &lt;Ltd&gt;" in html
    context = sample_context(3)
    del context["issuer"]
    with pytest.raises(RenderError):
        render_html("sample_report.html", context)


def test_sandbox_refuses_python_internals(tmp_path):
    templates = workspace_template(tmp_path, "evil.html", "{{ ''.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(Exception) as caught:
        render_pdf("evil.html", {}, tmp_path / "evil.pdf", workspace_templates=templates)
    assert "unsafe" in str(caught.value).lower() or "SecurityError" in type(caught.value).__name__ or isinstance(
        caught.value, RenderError)
    assert not (tmp_path / "evil.pdf").exists()


# ------------------------------------------------------------------------------------- URL fetcher

HOSTILE_TEMPLATE = """<!DOCTYPE html><html lang="zh-CN"><head>
<link rel="stylesheet" href="http://127.0.0.1:9/evil.css">
<link rel="stylesheet" href="file:///etc/passwd">
<link rel="attachment" href="file:///etc/passwd">
<style>body { background: url(file:///etc/passwd); font-family: "宋体"; }
@font-face { font-family: "X"; src: url(http://127.0.0.1:9/x.woff); }</style>
</head><body>
<p>{{ value }}</p>
<img src="file:///etc/passwd"><img src="http://127.0.0.1:9/pixel.png"><img src="../../../../../../etc/passwd">
<a rel="attachment" href="file:///etc/passwd">附件</a>
<object data="file:///etc/passwd"></object><embed src="file:///etc/hostname">
<img src="link.png"><img src="logo.png">
</body></html>"""

png = tiny_png


def test_fetcher_refuses_everything_outside_the_template_folders(tmp_path, caplog):
    templates = workspace_template(tmp_path, "hostile.html", HOSTILE_TEMPLATE)
    (templates / "pdf" / "logo.png").write_bytes(png())
    (templates / "pdf" / "link.png").symlink_to("/etc/passwd")  # a symlink out of the folder is refused too
    with caplog.at_level(logging.WARNING, logger="docgen.render.pdf"):
        out = render_pdf("hostile.html", {"value": INJECTION}, tmp_path / "hostile.pdf", workspace_templates=templates)
    refused = " ".join(r.getMessage() for r in caplog.records if r.name == "docgen.render.pdf")
    assert "http://127.0.0.1:9/evil.css" in refused
    assert "file:///etc/passwd" in refused
    assert "link.png" in refused
    assert "logo.png" not in refused
    everything = all_stream_bytes(out)
    assert SECRET_MARK not in everything
    assert Path("/etc/hostname").read_bytes().strip() not in everything or len(Path("/etc/hostname").read_bytes().strip()) < 6
    with pikepdf.open(out) as pdf:
        assert len(pdf.attachments) == 0
        images = [name for page in pdf.pages for name in page.get_images()]
        assert len(images) == 1  # logo.png, from inside the template folder, is the only image


@needs_poppler
def test_injected_markup_in_a_value_is_text(tmp_path):
    templates = workspace_template(tmp_path, "hostile.html", '<html lang="zh-CN"><body><p>{{ value }}</p></body></html>')
    out = render_pdf("hostile.html", {"value": INJECTION + HOSTILE}, tmp_path / "v.pdf", workspace_templates=templates)
    assert INJECTION + HOSTILE in pdftotext(out).replace("\n", "")
    assert SECRET_MARK not in all_stream_bytes(out)
