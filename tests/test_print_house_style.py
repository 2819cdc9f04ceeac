"""Every document docgen writes, printed, follows the house style of docs/design.md §9 (after GB/T 9704).

Each Word template is rendered with its sample context (docgen/data/template_samples.json) and printed by
LibreOffice; each Typst template is rendered to PDF. On the printed PDFs: A4 in the document's orientation;
all text inside the type area (top 37 mm, bottom 35 mm, binding 28 mm, outside 26 mm; pdftotext -bbox), so
nothing runs over the right margin; the fonts (pdffonts): embedded, the Noto CJK faces that stand in for
宋体/仿宋/小标宋 and 黑体, no DejaVu; the title in 二号 (22 pt, the largest type of page 1); the page numbers
「— N —」 under the type area, odd pages on the right and even pages on the left, in 四号; every 登记编号, clause
number and date of the context printed on one line.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pikepdf
import pytest

import docgen
from docgen.render.docx import find_template, render_docx
from docgen.render.pdf import render_pdf

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("soffice", "pdftotext", "pdffonts", "pdfinfo")),
    reason="LibreOffice (soffice) and poppler-utils (pdftotext, pdffonts, pdfinfo) are needed for the print check",
)

SAMPLES = json.loads((Path(docgen.__file__).parent / "data" / "template_samples.json").read_text("utf-8"))
WORD = sorted(name for name in SAMPLES if name.endswith(".docx"))
TYPST = sorted(name for name in SAMPLES if name.endswith(".typ") and name != "sample_report.typ")
LANDSCAPE = {"weekly_report.docx", "dispatch_list.docx", "weekly_report.typ"}
MM = 72 / 25.4
TOP, BOTTOM, BINDING, OUTSIDE = 37 * MM, 35 * MM, 28 * MM, 26 * MM
# Glyph boxes (pdftotext) reach a little beyond the line box of the text; table text sits inside its cells.
SLACK = 2.0
# Both engines set a full-width mark at the end of a line (，。) or the start of one (《“) in half its width;
# pdftotext still counts the whole em box, so such a word may seem to reach half a 三号 em (8 pt) further.
CLOSING, OPENING, HALF_EM = "，。、；：”’）》」", "“‘（《「", 8.0
PAGE_NUMBER = re.compile(r"^—\s*(\d+)\s*—$")
# What must print on one line: 登记编号 and work-order numbers, clause numbers, dates.
WHOLE = re.compile(r"(?:KF|PG-[AB])-\d{4}-\d{3,5}|CS-\d+(?:\.\d+)+|\d{4}年\d{1,2}月\d{1,2}日")


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict[str, Path]:
    """name → the printed PDF: Word documents printed by LibreOffice in one run, Typst documents rendered."""
    folder = tmp_path_factory.mktemp("house-style")
    documents = [render_docx(find_template(name, None), SAMPLES[name], folder / name) for name in WORD]
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={(folder / 'lo-profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder / "word"),
            *map(str, documents),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    pdfs = {name: folder / "word" / name.replace(".docx", ".pdf") for name in WORD}
    for name in TYPST:
        pdfs[name] = render_pdf(name, SAMPLES[name], folder / "typst" / name.replace(".typ", ".pdf"))
    return pdfs


@cache
def pages_of(pdf: Path) -> list[dict]:
    """Per page: width, height and its words as (xMin, yMin, xMax, yMax, text), from pdftotext -bbox."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for page in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', html, re.S):
        words = [
            (float(a), float(b), float(c), float(d), text)
            for a, b, c, d, text in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page[3]
            )
        ]
        pages.append({"width": float(page[1]), "height": float(page[2]), "words": words})
    return pages


def footer_words(page: dict) -> list[tuple]:
    return [w for w in page["words"] if w[1] > page["height"] - BOTTOM]


@pytest.mark.parametrize("name", WORD + TYPST)
def test_a4_in_its_orientation_and_every_word_inside_the_type_area(printed, name):
    pages = pages_of(printed[name])
    assert pages
    outside = []
    for number, page in enumerate(pages, start=1):
        width, height = page["width"], page["height"]
        expected = (842, 595) if name in LANDSCAPE else (595, 842)
        assert (round(width), round(height)) == expected, (name, number, width, height)
        # Word pages have the binding on the left; the Typst PDFs mirror it on even pages (inside/outside).
        left, right = (OUTSIDE, BINDING) if name.endswith(".typ") and number % 2 == 0 else (BINDING, OUTSIDE)
        footer = footer_words(page)
        for word in page["words"]:
            x0, y0, x1, y1, text = word
            if word in footer:
                continue
            left_slack = SLACK + (HALF_EM if text[0] in OPENING else 0)
            right_slack = SLACK + (HALF_EM if text[-1] in CLOSING else 0)
            if x0 < left - left_slack or x1 > width - right + right_slack or y0 < TOP - 2 * SLACK:
                outside.append((number, text, round(x0 / MM, 1), round((width - x1) / MM, 1), round(y0 / MM, 1)))
    assert outside == [], f"{name}: words outside the type area (page, word, left mm, right mm, top mm): {outside}"


@pytest.mark.parametrize("name", WORD + TYPST)
def test_page_numbers_under_the_type_area_on_the_outside_edge(printed, name):
    pages = pages_of(printed[name])
    for number, page in enumerate(pages, start=1):
        words = footer_words(page)
        text = "".join(w[4] for w in words)
        match = PAGE_NUMBER.match(text)
        assert match and int(match[1]) == number, (name, number, text)
        x0, x1 = min(w[0] for w in words), max(w[2] for w in words)
        y1 = max(w[3] for w in words)
        if number % 2:  # odd: right, one character in from the type area's edge
            assert x1 < page["width"] - OUTSIDE and x0 > page["width"] / 2, (name, number, x0, x1)
        else:
            assert x0 > OUTSIDE and x1 < page["width"] / 2, (name, number, x0, x1)
        assert y1 < page["height"] - 10 * MM, (name, number, y1)  # well inside the paper


def font_sizes(pdf: Path, page_index: int = 0) -> list[float]:
    """The sizes of the Tf operators of a page, in order (both engines set Tf in points, unscaled)."""
    with pikepdf.open(pdf) as document:
        page = document.pages[page_index]
        sizes = [float(operands[1]) for operands, op in pikepdf.parse_content_stream(page) if str(op) == "Tf"]
        for xobject in page.resources.get("/XObject", {}).values():
            if xobject.get("/Subtype") == "/Form":
                sizes += [
                    float(operands[1]) for operands, op in pikepdf.parse_content_stream(xobject) if str(op) == "Tf"
                ]
    return sizes


@pytest.mark.parametrize("name", WORD + TYPST)
def test_title_in_erhao_body_in_sanhao_page_number_in_sihao(printed, name):
    sizes = font_sizes(printed[name])
    assert max(sizes) == 22, (name, sorted(set(sizes)))  # 二号: the title, the largest type on the page
    everywhere = [size for index in range(len(pages_of(printed[name]))) for size in font_sizes(printed[name], index)]
    assert 16 in everywhere, (name, sorted(set(everywhere)))  # 三号: body text and headings
    # The page number's glyphs are as tall as 四号 beside the title's 二号 (both 宋体 faces).
    page = pages_of(printed[name])[0]
    number = footer_words(page)
    title = [w for w in page["words"] if w[1] < TOP + 20 * MM]
    number_height = max(w[3] - w[1] for w in number)
    title_height = max(w[3] - w[1] for w in title)
    assert number_height / title_height == pytest.approx(14 / 22, rel=0.08), (name, number_height, title_height)


def pdffonts(pdf: Path) -> list[tuple[str, str]]:
    """(font name without subset prefix, emb) of every font of the PDF."""
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    return [(line.split()[0].split("+", 1)[-1], line.split()[-5]) for line in out.splitlines()[2:] if line.strip()]


@pytest.mark.parametrize("name", WORD + TYPST)
def test_fonts_are_the_cjk_faces_embedded(printed, name):
    fonts = pdffonts(printed[name])
    assert all(emb == "yes" for _, emb in fonts), fonts
    names = [font for font, _ in fonts]
    # 宋体, 仿宋 and 小标宋 print in Noto Serif CJK (LibreOffice names every face of the collection "…CJKjp"),
    # 黑体 in Noto Sans CJK; the wide DejaVu faces (what an unaliased Chinese name falls to) never (Typst's
    # monospace face for file fingerprints, DejaVu Sans Mono, is no stand-in for a Chinese face).
    assert any(font.startswith("NotoSerifCJK") for font in names), names
    assert any(font.startswith("NotoSansCJK") for font in names), names
    assert not any(font.startswith(("DejaVuSerif", "DejaVuSans-", "DejaVuSans,")) for font in names), names


@pytest.mark.parametrize("name", WORD + TYPST)
def test_every_number_and_date_prints_on_one_line(printed, name):
    written = set(WHOLE.findall(json.dumps(SAMPLES[name], ensure_ascii=False)))
    text = subprocess.run(["pdftotext", str(printed[name]), "-"], capture_output=True, text=True, check=True).stdout
    # LibreOffice sets a little space between Chinese and figures (pdftotext prints a blank); a line break
    # inside a number or date would print as a newline.
    lines = {re.sub(r"[ \u2060]", "", line) for line in text.splitlines()}
    printed_somewhere = re.sub(r"[\s\u2060]", "", text)
    assert any(value in printed_somewhere for value in written), (name, written)
    broken = sorted(v for v in written if v in printed_somewhere and not any(v in line for line in lines))
    assert broken == [], f"{name}: printed over two lines: {broken}"
