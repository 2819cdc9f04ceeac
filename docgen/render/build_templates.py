"""A tool that writes the Word templates (docxtpl) into the repository's ``templates/`` with python-docx.

The source of truth is ``templates/*.docx`` itself: the files an office opens and edits in Word or WPS
(then checks with ``docgen templates check FILE``). This script is how docgen's own versions were first
made and are remade reproducibly: ``python -m docgen.render.build_templates [OUT_DIR]`` writes all nine
into OUT_DIR, by default the repository's ``templates/`` (overwriting what is there). The output is
byte-for-byte reproducible (fixed document properties and zip timestamps), and a test checks that the
committed files equal what this script produces: change the script, run it, commit both. A template
edited in Word instead no longer equals the script's output; then the script is the one to change (or
retire), not the template.

Every Jinja tag is written as one text run so Word never splits it. Fonts are named by their Chinese
names in ``w:rFonts/@w:eastAsia`` (方正小标宋简体 for titles, 仿宋 for the body, 黑体/楷体 for headings,
宋体 for tables with 黑体 labels: the house style of docs/design.md §9); docgen/data/fonts/ maps these names
to installed CJK faces for LibreOffice.

Templates and their context (all text values are plain ``str``; newlines become line breaks):

``escalation_notice.docx`` 《重大投诉上报单》 (CS-3.4.7)
    case: {number, received_at, channel, customer, phone, project, building, room, content, category,
    department, receiver}; recipients: [str] (e.g. ["总经理", "副总经理"]); issued_on: str
    ("2026年11月26日"); deadlines: [{label, due, clause, provisional: bool}]; provisional_note: str
    (may be ""); clause: "CS-3.4.7".

``dispatch_list.docx`` 《投诉转办单》 (CS-3.4.3, CS-3.4.2.2)
    department: str; office: str (may be ""); issued_on: str; register_file: str; rows: [{number,
    received_at, customer, location, category, content, feedback_due, provisional: bool, major: bool}];
    provisional_note: str (may be "").

``contractor_repair_notice.docx`` 《施工单位维修通知单》 to 工程材料部 (CS-3.4.6; time limits CS-3.4.5)
    case: {number, customer, phone, address, complaint}; order: {number, order_class ("A"/"B"),
    work_kind, due, provisional: bool}; survey: {date, responsible_party, estimate ("1,200.50"),
    findings}; issued_on: str; provisional_note: str (may be "").

``payment_notice.docx`` 《维修工程款付款通知》 to 财务计统部 (CS-3.5.9)
    case: {number, customer, address}; order: {number, order_class}; settlement: {audited_amount
    ("1,200.50"), audited_uppercase ("壹仟贰佰元伍角"), audit_route, auditor, approvals: [{role, name}]};
    payee: str ("物业公司（客户服务维修队）"); issued_on: str.

``deposit_deduction_notice.docx`` 《工程质量保证金扣款通知》 to 财务计统部, 抄送 审计核算部 (CS-3.5.9, CS-2.6)
    case: {number, address}; order: {number}; contractor: str; amount: str; amount_uppercase: str;
    deposit: {recorded, deducted_before, deducted_after, remaining} (str); warning: str (may be "",
    printed bold dark red when not); issued_on: str.
"""

from __future__ import annotations

import datetime as _dt
import io
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

# The repository's templates/ (where docgen.render.docx.PACKAGED_TEMPLATES points in a source checkout).
TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"

# The house style (docs/design.md §9, "House style"), after GB/T 9704-2012 党政机关公文格式, the same in
# the Typst PDFs (templates/pdf/docgen.typ): title 小标宋 二号 centred; body 仿宋 三号 at a 28.9 pt pitch
# (22 lines to the 225 mm type area); level-1 headings 黑体 三号, level-2 楷体 三号, level-3 仿宋 三号 bold;
# tables 宋体 with 黑体 labels and headers at a table size (小四 in the portrait forms, 五号 in the wide
# registers); page numbers "— N —" in 宋体 四号 on the outside edge.
SONG = "宋体"  # tables, page numbers
FANG = "仿宋"  # body text
HEI = "黑体"  # level-1 headings, table labels and headers
KAI = "楷体"  # level-2 headings
XIAOBIAOSONG = "方正小标宋简体"  # the title (小标宋)
LATIN = "Times New Roman"
TITLE_PT = 22  # 二号
BODY_PT = 16  # 三号
PAGE_NUMBER_PT = 14  # 四号
TABLE_PT = 12  # 小四: label/value forms, the line under the title
SMALL_PT = 10.5  # 五号: register tables, notes
LINE_PITCH_PT = 28.9  # 三号 body lines: 22 to the 225 mm type area
# A4, portrait or landscape: top 37 mm, bottom 35 mm, left (binding) 28 mm, right 26 mm; type area
# 156 × 225 mm portrait, 243 × 138 mm landscape (the wide registers).
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
WIDTH_PORTRAIT = 156
WIDTH_LANDSCAPE = 243
LABEL_FILL = "F2F2F2"
# Column widths (mm) that keep a 登记编号 and a date on one line in 五号 (10.5 pt) with the 1.5 mm cell
# margins, in Times New Roman / Liberation Serif and still in DejaVu Serif, the wider face LibreOffice
# takes where no metric-compatible font is installed. Measured: KF-2026-00005 is 67.7 pt in Liberation
# Serif, 81.9 pt (28.9 mm) in DejaVu Serif; 2026年11月27日 about 85 pt set solid in DejaVu Serif;
# CS-3.4.2.2 55.9 pt. Numbers and dates are also held together (the ``nobreak`` filter of
# docgen.render.docx), but a column too narrow would still break them, anywhere.
NUMBER_MM = 34
DATE_MM = 38
DATE_TIME_MM = 44  # "2026年11月23日 10:00": the time may go under the date in DejaVu Serif
CLAUSE_MM = 24  # CS-3.4.2.2
FIXED_TIME = _dt.datetime(2026, 1, 1, tzinfo=_dt.timezone.utc)
ZIP_TIME = (2026, 1, 1, 0, 0, 0)


# ------------------------------------------------------------------------------------ primitives


def _set_fonts(rpr, east_asia: str) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]  # drop theme fonts, which would win over the named ones
    fonts.set(qn("w:ascii"), LATIN)
    fonts.set(qn("w:hAnsi"), LATIN)
    fonts.set(qn("w:cs"), LATIN)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:hint"), "eastAsia")


def _run(paragraph, text: str, *, font: str = FANG, size: float = BODY_PT, bold: bool = False):
    """Append one run (a Jinja tag stays in a single run)."""
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.font.bold = bold
    _set_fonts(run._r.get_or_add_rPr(), font)
    return run


def _para(
    container,
    text: str = "",
    *,
    align=None,
    font: str = FANG,
    size: float = BODY_PT,
    bold: bool = False,
    before: float = 0,
    after: float = 0,
    indent_chars: int = 0,
):
    """A paragraph; one in the body size is set at the body pitch (exact line spacing)."""
    paragraph = container.add_paragraph()
    if text:
        _run(paragraph, text, font=font, size=size, bold=bold)
    fmt = paragraph.paragraph_format
    if align is not None:
        paragraph.alignment = align
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    if indent_chars:
        fmt.first_line_indent = Pt(size * indent_chars)
    if size == BODY_PT:
        fmt.line_spacing = Pt(LINE_PITCH_PT)  # a Length: the rule is "exact"
    return paragraph


def _cell(
    cell,
    text: str = "",
    *,
    font: str = SONG,
    size: float = TABLE_PT,
    bold: bool = False,
    align=WD_ALIGN_PARAGRAPH.LEFT,
    fill: str | None = None,
    valign=WD_CELL_VERTICAL_ALIGNMENT.CENTER,
):
    """Make ``cell`` hold exactly one paragraph with one run of ``text``."""
    paragraphs = cell.paragraphs
    for extra in paragraphs[1:]:
        extra._p.getparent().remove(extra._p)
    paragraph = paragraphs[0]
    for r in list(paragraph.runs):
        r._r.getparent().remove(r._r)
    paragraph.alignment = align
    paragraph.paragraph_format.space_before = Pt(0)
    paragraph.paragraph_format.space_after = Pt(0)
    if text:
        _run(paragraph, text, font=font, size=size, bold=bold)
    else:  # an empty cell still carries the font, so what staff type in it is 宋体 too
        _set_fonts(_ppr_rpr(paragraph), font)
    cell.vertical_alignment = valign
    if fill:
        tcpr = cell._tc.get_or_add_tcPr()
        shd = OxmlElement("w:shd")
        shd.set(qn("w:val"), "clear")
        shd.set(qn("w:color"), "auto")
        shd.set(qn("w:fill"), fill)
        tcpr.append(shd)
    return cell


def _ppr_rpr(paragraph):
    ppr = paragraph._p.get_or_add_pPr()
    rpr = ppr.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        ppr.append(rpr)
    return rpr


def _borders(table, size_eighths: int = 6) -> None:
    """Single black borders all round and inside (does not depend on a table style)."""
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), str(size_eighths))
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), "000000")
        borders.append(el)
    tblpr.append(borders)
    margins = OxmlElement("w:tblCellMar")
    for edge, width in (("left", 85), ("right", 85)):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), str(width))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    tblpr.append(margins)


def _widths(table, widths_mm: Sequence[float]) -> None:
    """Fixed layout with the given column widths (grid and every cell)."""
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    tblpr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tblpr.append(layout)
    tblw = tblpr.find(qn("w:tblW"))
    if tblw is None:
        tblw = OxmlElement("w:tblW")
        tblpr.append(tblw)
    tblw.set(qn("w:type"), "dxa")
    tblw.set(qn("w:w"), str(sum(int(Mm(w).twips) for w in widths_mm)))
    for gridcol, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths_mm):
        gridcol.set(qn("w:w"), str(int(Mm(width).twips)))
    for row in table.rows:
        for idx, width in enumerate(widths_mm):
            if idx < len(row.cells):
                row.cells[idx].width = Mm(width)


def _row_height(row, mm: float, rule=WD_ROW_HEIGHT_RULE.AT_LEAST) -> None:
    row.height = Mm(mm)
    row.height_rule = rule


def _row_flag(row, tag: str) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement(tag)
    trpr.append(el)


def _page(document, *, landscape: bool) -> None:
    """A4 with the house margins (portrait, or landscape for a wide register) and the page numbers."""
    section = document.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    # The page number's line about 7 mm below the type area, as GB/T 9704 puts it.
    section.header_distance, section.footer_distance = Mm(15), Mm(21)
    _page_numbers(document)


def _field(paragraph, instruction: str, placeholder: str, *, font: str, size: float) -> None:
    def run_with(child):
        run = _run(paragraph, "", font=font, size=size)
        run._r.append(child)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run_with(instr)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run_with(separate)
    _run(paragraph, placeholder, font=font, size=size)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def _page_numbers(document) -> None:
    """「— N —」 in 宋体 四号 on the outside edge, one character in: odd pages right, even pages left (Word's
    "different odd and even pages", ``w:evenAndOddHeaders``, which LibreOffice reads as left/right pages)."""
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph.alignment = align
        fmt = paragraph.paragraph_format
        fmt.space_before = fmt.space_after = Pt(0)
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            fmt.right_indent = Pt(PAGE_NUMBER_PT)
        else:
            fmt.left_indent = Pt(PAGE_NUMBER_PT)
        _run(paragraph, "— ", font=SONG, size=PAGE_NUMBER_PT)
        _field(paragraph, "PAGE", "1", font=SONG, size=PAGE_NUMBER_PT)
        _run(paragraph, " —", font=SONG, size=PAGE_NUMBER_PT)


def _new_document(title: str, subject: str):
    document = docx.Document()
    styles = document.styles.element
    # Document defaults: 仿宋 三号, Chinese language, single spacing, no space after paragraphs.
    rpr_default = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr_default, FANG)
    for tag, val in (("w:sz", str(BODY_PT * 2)), ("w:szCs", str(BODY_PT * 2))):
        rpr_default.find(qn(tag)).set(qn("w:val"), val)
    lang = rpr_default.find(qn("w:lang"))
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    spacing = styles.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")
    # No punctuation hanging into the margin (Word's "allow punctuation to extend past the margin",
    # LibreOffice's hanging punctuation): the type area is the type area.
    overflow = OxmlElement("w:overflowPunct")
    overflow.set(qn("w:val"), "0")
    spacing.addprevious(overflow)
    normal = document.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    _set_fonts(normal.element.get_or_add_rPr(), FANG)

    props = document.core_properties
    props.title = title
    props.subject = subject
    props.author = "docgen"
    props.last_modified_by = "docgen"
    props.comments = "由 docgen 生成的模板（python -m docgen.templates.build_templates），请勿手工修改。"
    props.keywords = ""
    props.category = ""
    props.created = FIXED_TIME
    props.modified = FIXED_TIME
    props.last_printed = FIXED_TIME
    props.revision = 1
    # the default template's document body starts empty except for a section; nothing to remove
    return document


def _save_reproducibly(document, path: Path) -> Path:
    """Save with fixed zip timestamps and member order so the bytes depend only on the content."""
    buffer = io.BytesIO()
    document.save(buffer)
    buffer.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            fixed.create_system = 0
            dst.writestr(fixed, src.read(info.filename))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(out.getvalue())
    tmp.replace(path)
    return path


def _title(document, parts: Sequence[str], *, after: float = 8):
    """The title: 小标宋 二号, centred, bold as in the PDFs (the stand-in for 小标宋 is the 宋体 face, whose
    bold is as heavy as 小标宋)."""
    paragraph = _para(document, align=WD_ALIGN_PARAGRAPH.CENTER, size=TITLE_PT, after=after)
    paragraph.paragraph_format.keep_with_next = True
    return _runs(paragraph, parts, font=XIAOBIAOSONG, size=TITLE_PT, bold=True)


def _meta(document, parts: Sequence[tuple[str, str]], *, align=WD_ALIGN_PARAGRAPH.CENTER, after: float = 8):
    """The line under the title (numbers and dates), 小四 仿宋 with its labels in 黑体: ``(label, value)``."""
    paragraph = _para(document, align=align, size=TABLE_PT, after=after)
    for index, (label, value) in enumerate(parts):
        _run(paragraph, ("　　　　" if index else "") + label, font=HEI, size=TABLE_PT)
        _run(paragraph, value, size=TABLE_PT)
    return paragraph


def _heading(document, text: str = "", *, level: int = 1, before: float = 6, after: float = 3):
    """A heading, indented two characters like the body: level 1 黑体, level 2 楷体, level 3 仿宋 bold, all
    三号; kept with what follows it."""
    font, bold = {1: (HEI, False), 2: (KAI, False), 3: (FANG, True)}[level]
    paragraph = _para(document, text, font=font, bold=bold, before=before, after=after, indent_chars=2)
    paragraph.paragraph_format.keep_with_next = True
    return paragraph


# ------------------------------------------------------------------------------- the templates


def build_escalation_notice(path: Path) -> Path:
    """《重大投诉上报单》, A4 portrait, one page for a normal complaint."""
    document = _new_document("重大投诉上报单", "CS-3.4.7 重大投诉上报")
    _page(document, landscape=False)
    width = WIDTH_PORTRAIT

    _title(document, ("重大投诉上报单",))
    _meta(document, (("登记编号：", "{{ case.number|nobreak }}"), ("上报日期：", "{{ issued_on|nobreak }}")))

    rows = [
        ("登记编号", "{{ case.number|nobreak }}", "受理时间", "{{ case.received_at|nobreak }}"),
        ("来源渠道", "{{ case.channel }}", "接待人", "{{ case.receiver }}"),
        ("客户姓名", "{{ case.customer }}", "联系电话", "{{ case.phone }}"),
        ("项目/小区", "{{ case.project }}", "楼栋", "{{ case.building }}"),
        ("房号", "{{ case.room }}", "投诉类别", "{{ case.category }}"),
    ]
    spanning = [("责任部门", "{{ case.department }}", 8), ("投诉内容", "{{ case.content }}", 24)]
    table = document.add_table(rows=len(rows) + len(spanning), cols=4)
    _borders(table)
    _widths(table, (24, 54, 24, 54))
    for tr, (l1, v1, l2, v2) in zip(table.rows, rows):
        _row_height(tr, 8)
        _row_flag(tr, "w:cantSplit")
        cells = tr.cells
        _cell(cells[0], l1, font=HEI, align=WD_ALIGN_PARAGRAPH.CENTER, fill=LABEL_FILL)
        _cell(cells[1], v1)
        _cell(cells[2], l2, font=HEI, align=WD_ALIGN_PARAGRAPH.CENTER, fill=LABEL_FILL)
        _cell(cells[3], v2)
    for tr, (label, value, height) in zip(table.rows[len(rows) :], spanning):
        _row_height(tr, height)
        cells = tr.cells
        merged = cells[1].merge(cells[3])
        _cell(cells[0], label, font=HEI, align=WD_ALIGN_PARAGRAPH.CENTER, fill=LABEL_FILL)
        _cell(
            merged, value, valign=WD_CELL_VERTICAL_ALIGNMENT.CENTER if height < 20 else WD_CELL_VERTICAL_ALIGNMENT.TOP
        )

    _heading(document, "一、处理期限", before=8)
    deadlines = document.add_table(rows=4, cols=3)
    _borders(deadlines)
    _widths(deadlines, (66, 52, width - 118))
    head, loop_open, body, loop_close = deadlines.rows
    _row_flag(head, "w:tblHeader")
    for c, text in zip(head.cells, ("事项", "期限", "依据条款")):
        _cell(c, text, font=HEI, align=WD_ALIGN_PARAGRAPH.CENTER, fill=LABEL_FILL)
    _cell(loop_open.cells[0], "{%tr for d in deadlines %}")
    _row_height(body, 8)
    _row_flag(body, "w:cantSplit")
    _cell(body.cells[0], "{{ d.label }}")
    due = _cell(body.cells[1], "{{ d.due|nobreak }}", align=WD_ALIGN_PARAGRAPH.CENTER).paragraphs[0]
    _run(due, "{% if d.provisional %}（暂定）{% endif %}", font=SONG, size=TABLE_PT)
    _cell(body.cells[2], "{{ d.clause|nobreak }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    _cell(loop_close.cells[0], "{%tr endfor %}")

    _para(document, "{%p if provisional_note %}")
    note = _para(document, before=3, size=SMALL_PT)
    _run(note, "注：", size=SMALL_PT)
    _run(note, "{{ provisional_note }}", size=SMALL_PT)
    _para(document, "{%p endif %}")

    to = _para(document, before=8)
    _run(to, "报：")
    _run(to, '{{ recipients|join("、") }}')

    cite = _para(document, indent_chars=2)
    _run(cite, "根据《客户服务管理程序》第3.4.7条（")
    _run(cite, "{{ clause|nobreak }}")
    _run(
        cite,
        "）“对于重大的客户投诉必须及时上报总经理、副总经理，由总经理、副总经理拟订处理措施，"
        "指导公司相关部门立刻处理”的规定，现将上述投诉上报，请",
    )
    _run(cite, '{{ recipients|join("、") }}')
    _run(cite, "审阅并拟订处理措施，指导相关部门立即处理。")

    _seal(document, before=8)
    return _save_reproducibly(document, path)


def build_dispatch_list(path: Path) -> Path:
    """《投诉转办单》 for one responsible department or service office, A4 landscape, many rows."""
    document = _new_document("投诉转办单", "CS-3.4.3 投诉转办；CS-3.4.2.2 三个工作日内反馈")
    _page(document, landscape=True)

    _title(document, ("投诉转办单",))
    _meta(
        document,
        (
            ("责任部门：", "{{ department }}"),
            ("服务处：", '{{ office if office else "—" }}'),
            ("转办日期：", "{{ issued_on|nobreak }}"),
        ),
        align=WD_ALIGN_PARAGRAPH.LEFT,
        after=2,
    )
    src = _para(document, after=6, size=SMALL_PT)
    _run(src, "依据《来电、来访登记表》（", size=SMALL_PT)
    _run(src, "{{ register_file }}", size=SMALL_PT)
    _run(src, "）转办，共 ", size=SMALL_PT)
    _run(src, "{{ rows|length }}", size=SMALL_PT)
    _run(src, " 件。", size=SMALL_PT)

    headers = ("登记编号", "受理时间", "客户", "房号", "类别", "投诉内容", "反馈期限", "处理情况/反馈")
    # The landscape type area (243 mm). 登记编号 and the dates fit on one line (NUMBER_MM, DATE_MM…).
    widths = (
        NUMBER_MM,
        DATE_TIME_MM,
        18,
        28,
        18,
        34,
        DATE_MM,
        WIDTH_LANDSCAPE - NUMBER_MM - DATE_TIME_MM - DATE_MM - 98,
    )
    cells = (
        ("{{ r.number|nobreak }}",),
        ("{{ r.received_at|nobreak }}",),
        ("{{ r.customer }}",),
        ("{{ r.location }}",),
        ("{{ r.category }}", "{% if r.major %}（重大）{% endif %}"),
        ("{{ r.content }}",),
        ("{{ r.feedback_due|nobreak }}", "{% if r.provisional %}（暂定）{% endif %}"),
        ("",),
    )
    table = document.add_table(rows=4, cols=len(headers))
    _borders(table)
    _widths(table, widths)
    head, loop_open, body, loop_close = table.rows
    _row_flag(head, "w:tblHeader")
    _row_flag(head, "w:cantSplit")
    _row_height(head, 9)
    for c, text in zip(head.cells, headers):
        _cell(c, text, font=HEI, size=SMALL_PT, align=WD_ALIGN_PARAGRAPH.CENTER, fill=LABEL_FILL)
    _cell(loop_open.cells[0], "{%tr for r in rows %}", size=SMALL_PT)
    _row_height(body, 12)
    _row_flag(body, "w:cantSplit")
    for idx, (c, runs) in enumerate(zip(body.cells, cells)):
        centred = idx in (0, 1, 4, 6)
        paragraph = _cell(
            c, runs[0], size=SMALL_PT, align=WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.LEFT
        ).paragraphs[0]
        for extra in runs[1:]:
            _run(paragraph, extra, font=SONG, size=SMALL_PT)
    _cell(loop_close.cells[0], "{%tr endfor %}", size=SMALL_PT)

    note = _para(document, before=6, size=SMALL_PT)
    _run(
        note,
        "注：1. 依据《客户服务管理程序》第3.4.2.2条（CS-3.4.2.2），各相关责任部门应在接受投诉信息后的"
        "3个工作日内反馈，请于反馈期限前向客户服务部反馈处理信息；",
        size=SMALL_PT,
    )
    _run(
        note,
        "2. 依据第3.4.3条（CS-3.4.3），本单随《来电、来访登记表》转至服务处及责任部门；"
        "标注“（重大）”的为重大投诉，已按第3.4.7条上报总经理、副总经理。",
        size=SMALL_PT,
    )
    _para(document, "{%p if provisional_note %}")
    prov = _para(document, size=SMALL_PT)
    _run(prov, "3. ", size=SMALL_PT)
    _run(prov, "{{ provisional_note }}", size=SMALL_PT)
    _para(document, "{%p endif %}")

    sign = _para(document, align=WD_ALIGN_PARAGRAPH.RIGHT, before=14)
    _run(sign, "接收人：____________　　　　接收日期：______年____月____日")
    return _save_reproducibly(document, path)


# ------------------------------------------------------------------- repair and payment notices

WARNING_RED = RGBColor(0xC0, 0x00, 0x00)


def _portrait_notice(title: str, subject: str):
    document = _new_document(title, subject)
    _page(document, landscape=False)
    _title(document, (title,))
    return document


def _runs(paragraph, parts: Sequence[str], *, font: str = FANG, size: float = BODY_PT, bold: bool = False):
    for text in parts:
        _run(paragraph, text, font=font, size=size, bold=bold)
    return paragraph


def _number_line(document, label: str, tag: str) -> None:
    """``编号：… 　　　　日期：…`` under the title, centred."""
    _meta(document, ((f"{label}：", tag), ("日期：", "{{ issued_on|nobreak }}")))


def _addressee(document, text: str) -> None:
    _para(document, text)


def _body(document, parts: Sequence[str], *, before: float = 0, after: float = 4):
    paragraph = _para(document, indent_chars=2, before=before, after=after)
    return _runs(paragraph, parts)


def _label_value_table(document, rows: Sequence[tuple], widths: Sequence[float] = (28, 50, 28, 50)):
    """A bordered label/value form. A row is ``(label, value, label, value)`` (two pairs) or
    ``(label, value, min_height_mm)`` (the value spans the row). A value is a str or a tuple of runs."""
    table = document.add_table(rows=len(rows), cols=4)
    _borders(table)
    _widths(table, widths)

    def value_cell(cell, value, valign=WD_CELL_VERTICAL_ALIGNMENT.CENTER):
        parts = (value,) if isinstance(value, str) else tuple(value)
        paragraph = _cell(cell, parts[0], valign=valign).paragraphs[0]
        _runs(paragraph, parts[1:], font=SONG, size=TABLE_PT)

    for tr, row in zip(table.rows, rows):
        cells = tr.cells
        if len(row) == 4:
            _row_height(tr, 8)
            _row_flag(tr, "w:cantSplit")
            for idx in (0, 2):
                _cell(cells[idx], row[idx], font=HEI, align=WD_ALIGN_PARAGRAPH.CENTER, fill=LABEL_FILL)
                value_cell(cells[idx + 1], row[idx + 1])
        else:
            label, value, height = row
            _row_height(tr, height)
            if height <= 12:
                _row_flag(tr, "w:cantSplit")
            merged = cells[1].merge(cells[3])
            _cell(cells[0], label, font=HEI, align=WD_ALIGN_PARAGRAPH.CENTER, fill=LABEL_FILL)
            value_cell(
                merged, value, WD_CELL_VERTICAL_ALIGNMENT.CENTER if height <= 12 else WD_CELL_VERTICAL_ALIGNMENT.TOP
            )
    return table


def _optional_note(document, prefix: str = "注：") -> None:
    """``provisional_note`` as a small paragraph, left out entirely when it is empty."""
    _para(document, "{%p if provisional_note %}")
    note = _para(document, before=3, size=SMALL_PT)
    _runs(note, (prefix, "{{ provisional_note }}"), size=SMALL_PT)
    _para(document, "{%p endif %}")


def _seal(document, unit: str = "客户服务部（盖章）", *, before: float = 12) -> None:
    """The issuer over the date, on the right, 仿宋 三号, on the page of the paragraph before it and of the
    receipt or copy line after it (a notice in the 三号 body may run to a second page; the seal never
    stands there alone)."""
    document.paragraphs[-1].paragraph_format.keep_with_next = True
    seal = _para(document, unit, align=WD_ALIGN_PARAGRAPH.RIGHT, before=before)
    seal.paragraph_format.keep_with_next = True
    date = _para(document, align=WD_ALIGN_PARAGRAPH.RIGHT)
    date.paragraph_format.keep_with_next = True
    _runs(date, ("日期：", "{{ issued_on|nobreak }}"))


def _closing(document, request: str, receiver: str, *, before: float = 8) -> None:
    """A notice's last lines: what the receiving department is asked to do, the seal and date, its receipt."""
    _body(document, (request,), before=before)
    _seal(document)
    _receipt(document, receiver)


def _receipt(document, who: str, *, before: float = 8) -> None:
    _para(document, f"{who}签收：__________　　签收日期：____年__月__日", before=before)


def build_contractor_repair_notice(path: Path) -> Path:
    """《施工单位维修通知单》 to 工程材料部 (CS-3.4.6, time limits of CS-3.4.5), A4 portrait, one page."""
    document = _portrait_notice("施工单位维修通知单", "CS-3.4.6 施工单位维修；维修期限参照CS-3.4.5")
    _number_line(document, "派工单号", "{{ order.number|nobreak }}")
    _addressee(document, "工程材料部：")
    _body(
        document,
        (
            "经现场勘察，下列维修任务客户服务维修队无法处理。根据《客户服务管理程序》第3.4.6条（CS-3.4.6）"
            "“对于客户服务维修队无法处理的维修任务，由工程材料部督促施工单位进行维修”的规定，请工程材料部督促施工单位于",
            "{{ order.due|nobreak }}",
            "{% if order.provisional %}（暂定）{% endif %}",
            "前完成维修。维修期限参照第3.4.5条（CS-3.4.5）确定。",
        ),
        after=8,
    )
    _label_value_table(
        document,
        [
            ("登记编号", "{{ case.number|nobreak }}", "派工单号", "{{ order.number|nobreak }}"),
            ("客户姓名", "{{ case.customer }}", "联系电话", "{{ case.phone }}"),
            ("房屋地址", "{{ case.address }}", 8),
            ("投诉内容", "{{ case.complaint }}", 16),
            ("勘察日期", "{{ survey.date|nobreak }}", "责任方", "{{ survey.responsible_party }}"),
            ("派工类别", ("{{ order.order_class }}", "类"), "维修类型", "{{ order.work_kind }}"),
            (
                "预估费用",
                ("{{ survey.estimate }}", " 元"),
                "完成期限",
                ("{{ order.due|nobreak }}", "{% if order.provisional %}（暂定）{% endif %}"),
            ),
            ("勘察结论", "{{ survey.findings }}", 16),
        ],
    )
    _optional_note(document)
    _closing(
        document,
        "维修完成后，请工程材料部及时将维修结果反馈客户服务部，以便组织验收并回访客户；"
        "不能按期完成的，请在期限届满前书面说明原因。",
        "工程材料部",
    )
    return _save_reproducibly(document, path)


def build_payment_notice(path: Path) -> Path:
    """《维修工程款付款通知》 to 财务计统部 (CS-3.5.9), A4 portrait, one page for a few approvals."""
    document = _portrait_notice("维修工程款付款通知", "CS-3.5.9 拨付客户服务维修队维修工程款")
    _number_line(document, "派工单号", "{{ order.number|nobreak }}")
    _addressee(document, "财务计统部：")
    _body(document, ("下列维修工程的《维修工程结算书》已审核完毕，审定金额及审批情况如下。",), after=8)
    _label_value_table(
        document,
        [
            ("登记编号", "{{ case.number|nobreak }}", "派工单号", "{{ order.number|nobreak }}"),
            ("客户姓名", "{{ case.customer }}", "派工类别", ("{{ order.order_class }}", "类")),
            ("房屋地址", "{{ case.address }}", 8),
            ("收款单位", "{{ payee }}", 8),
            ("审定金额（小写）", ("￥", "{{ settlement.audited_amount }}", " 元"), 8),
            ("审定金额（大写）", ("人民币", "{{ settlement.audited_uppercase }}"), 8),
            ("审核途径", "{{ settlement.audit_route|nobreak }}", "审核人", "{{ settlement.auditor }}"),
        ],
        widths=(38, 50, 22, 46),
    )

    _heading(document, "一、审批记录", before=8)
    approvals = document.add_table(rows=4, cols=3)
    _borders(approvals)
    _widths(approvals, (14, 94, WIDTH_PORTRAIT - 108))
    head, loop_open, body, loop_close = approvals.rows
    _row_flag(head, "w:tblHeader")
    _row_flag(head, "w:cantSplit")
    _row_height(head, 8)
    for c, text in zip(head.cells, ("序号", "审批环节", "签字人")):
        _cell(c, text, font=HEI, align=WD_ALIGN_PARAGRAPH.CENTER, fill=LABEL_FILL)
    _cell(loop_open.cells[0], "{%tr for a in settlement.approvals %}")
    _row_height(body, 8)
    _row_flag(body, "w:cantSplit")
    _cell(body.cells[0], "{{ loop.index }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    _cell(body.cells[1], "{{ a.role }}")
    _cell(body.cells[2], "{{ a.name }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    _cell(loop_close.cells[0], "{%tr endfor %}")

    _closing(
        document,
        "根据《客户服务管理程序》第3.5.9条，请财务计统部据此向物业公司拨付客户服务维修队维修工程款，"
        "无须其他部门再行审核。",
        "财务计统部",
        before=10,
    )
    return _save_reproducibly(document, path)


def build_deposit_deduction_notice(path: Path) -> Path:
    """《工程质量保证金扣款通知》 to 财务计统部, copy to 审计核算部 (CS-3.5.9, CS-2.6), A4 portrait."""
    document = _portrait_notice(
        "工程质量保证金扣款通知", "CS-3.5.9、CS-2.6 从施工单位工程质量保证金中扣回A类维修工程费用"
    )
    _number_line(document, "派工单号", "{{ order.number|nobreak }}")
    _addressee(document, "财务计统部：")
    _body(
        document,
        (
            "根据《客户服务管理程序》第3.5.9条（CS-3.5.9）“负责将A类维修工程费用从施工单位的工程质量保证金中扣除”"
            "及第2.6条（CS-2.6）“负责从施工单位的工程质量保证金中扣回相应的维修费用”的规定，"
            "下列A类维修工程费用由施工单位承担，请从",
            "{{ contractor }}",
            "的工程质量保证金中扣回。",
        ),
        after=8,
    )
    _label_value_table(
        document,
        [
            ("登记编号", "{{ case.number|nobreak }}", "派工单号", "{{ order.number|nobreak }}"),
            ("房屋地址", "{{ case.address }}", 8),
            ("施工单位", "{{ contractor }}", 8),
            ("扣款金额（小写）", ("￥", "{{ amount }}", " 元"), 8),
            ("扣款金额（大写）", ("人民币", "{{ amount_uppercase }}"), 8),
            ("保证金金额", ("{{ deposit.recorded }}", " 元"), "本次前已扣", ("{{ deposit.deducted_before }}", " 元")),
            (
                "本次后累计已扣",
                ("{{ deposit.deducted_after }}", " 元"),
                "保证金余额",
                ("{{ deposit.remaining }}", " 元"),
            ),
        ],
        widths=(38, 42, 26, 50),
    )

    _para(document, "{%p if warning %}")
    warn = _para(document, before=6)
    for text in ("提示：", "{{ warning }}"):
        _run(warn, text, font=HEI, bold=True).font.color.rgb = WARNING_RED
    _para(document, "{%p endif %}")

    _body(document, ("扣款完成后，请将扣款凭证复印件送客户服务部存档。",), before=8)
    _seal(document)
    cc = _para(document, before=18)
    _run(cc, "抄送：审计核算部（备案）")
    return _save_reproducibly(document, path)


NOTICE_TEMPLATES = {
    "escalation_notice.docx": build_escalation_notice,
    "dispatch_list.docx": build_dispatch_list,
}

REPAIR_TEMPLATES = {
    "contractor_repair_notice.docx": build_contractor_repair_notice,
    "payment_notice.docx": build_payment_notice,
    "deposit_deduction_notice.docx": build_deposit_deduction_notice,
}

# ------------------------------------------------------------------ weekly report and overdue warning


def _loop_table(
    document,
    headers: Sequence[str],
    widths: Sequence[float],
    loop: str,
    cells: Sequence[Sequence[str]],
    *,
    centred: Sequence[int] = (),
    size: float = SMALL_PT,
    body_height: float = 8,
    total: Sequence[str] | None = None,
    left: bool = False,
):
    """A bordered table: a header row repeated on every page, then one row per item of ``loop``
    (``{%tr for … %}``), then optionally a closing row (e.g. 合计) of fixed text/tags."""
    rows = 4 + (1 if total is not None else 0)
    table = document.add_table(rows=rows, cols=len(headers))
    _borders(table)
    _widths(table, widths)
    if left:
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
    head, loop_open, body, loop_close = table.rows[:4]
    # No cantSplit on the repeated header row: LibreOffice then drops the body rows when a page break
    # falls right after the header (seen in LibreOffice 7/24 printing 周报 section 四).
    _row_flag(head, "w:tblHeader")
    _row_height(head, 8)
    for c, text in zip(head.cells, headers):
        _cell(c, text, font=HEI, size=size, align=WD_ALIGN_PARAGRAPH.CENTER, fill=LABEL_FILL)
    _cell(loop_open.cells[0], f"{{%tr for {loop} %}}", size=size)
    _row_height(body, body_height)
    _row_flag(body, "w:cantSplit")
    for idx, (c, runs) in enumerate(zip(body.cells, cells)):
        align = WD_ALIGN_PARAGRAPH.CENTER if idx in centred else WD_ALIGN_PARAGRAPH.LEFT
        paragraph = _cell(c, runs[0], size=size, align=align).paragraphs[0]
        _runs(paragraph, runs[1:], font=SONG, size=size)
    _cell(loop_close.cells[0], "{%tr endfor %}", size=size)
    if total is not None:
        last = table.rows[4]
        _row_height(last, body_height)
        _row_flag(last, "w:cantSplit")
        for idx, (c, text) in enumerate(zip(last.cells, total)):
            _cell(c, text, font=HEI if idx == 0 else SONG, size=size, align=WD_ALIGN_PARAGRAPH.CENTER)
    return table


def _when_empty(document, condition: str, build_table, empty_text: str) -> None:
    """``{%p if condition %}`` the table ``{%p else %}`` one line saying there is nothing ``{%p endif %}``."""
    _para(document, f"{{%p if {condition} %}}")
    build_table()
    _para(document, "{%p else %}")
    _para(document, empty_text, indent_chars=2)
    _para(document, "{%p endif %}")


def build_weekly_report(path: Path) -> Path:
    """《客户服务部投诉处理周报》 for one service office (CS-3.10.3, CS-3.4.4), A4 landscape.

    Context (all str): office; period ("2026年11月23日至2026年11月29日"); issued_on; summary: {new, closed,
    open, overdue}; new_rows: [{number, received, customer, location, category, department, content}];
    open_rows: [{number, received, customer, category, department, stage, progress, next_due}];
    overdue_rows: [{number, customer, label, due, clause, late}]; by_category, by_department: [{name, count}].
    An empty list prints one line saying so instead of an empty table.
    """
    document = _new_document("客户服务部投诉处理周报", "CS-3.10.3 周报；CS-3.4.4 未解决投诉的处理进展")
    _page(document, landscape=True)

    _title(document, ("客户服务部投诉处理周报",))
    _meta(
        document,
        (
            ("服务处：", "{{ office }}"),
            ("统计期间：", "{{ period|nobreak }}"),
            ("填报日期：", "{{ issued_on|nobreak }}"),
        ),
    )
    _body(
        document,
        (
            "本周新增投诉 ",
            "{{ summary.new }}",
            " 件，办结 ",
            "{{ summary.closed }}",
            " 件；截至统计期末尚未解决 ",
            "{{ summary.open }}",
            " 件，逾期未完成的处理事项 ",
            "{{ summary.overdue }}",
            " 项。",
            "依据《客户服务管理程序》第3.10.3条（CS-3.10.3）及第3.4.4条（CS-3.4.4）报告如下。",
        ),
    )

    _heading(document, "一、本周新增投诉")
    _when_empty(
        document,
        "new_rows",
        lambda: _loop_table(
            document,
            ("登记编号", "受理时间", "客户", "房号", "类别", "责任部门", "投诉内容"),
            (NUMBER_MM, DATE_TIME_MM, 26, 32, 18, 26, WIDTH_LANDSCAPE - NUMBER_MM - DATE_TIME_MM - 102),
            "r in new_rows",
            (
                ("{{ r.number|nobreak }}",),
                ("{{ r.received|nobreak }}",),
                ("{{ r.customer }}",),
                ("{{ r.location }}",),
                ("{{ r.category }}",),
                ("{{ r.department }}",),
                ("{{ r.content }}",),
            ),
            centred=(0, 1, 4, 5),
        ),
        "本周无新增投诉。",
    )

    _heading(document, "二、本周办结")
    _body(document, ("本周办结投诉 ", "{{ summary.closed }}", " 件。"))

    _heading(document, "三、尚未解决的投诉及处理进展")
    _when_empty(
        document,
        "open_rows",
        lambda: _loop_table(
            document,
            ("登记编号", "受理时间", "客户", "类别", "责任部门", "处理阶段", "最新处理进展", "下一期限"),
            (NUMBER_MM, DATE_TIME_MM, 24, 18, 24, 20, 41, WIDTH_LANDSCAPE - NUMBER_MM - DATE_TIME_MM - 127),
            "r in open_rows",
            (
                ("{{ r.number|nobreak }}",),
                ("{{ r.received|nobreak }}",),
                ("{{ r.customer }}",),
                ("{{ r.category }}",),
                ("{{ r.department }}",),
                ("{{ r.stage }}",),
                ("{{ r.progress }}",),
                ("{{ r.next_due|nobreak }}",),
            ),
            centred=(0, 1, 3, 4, 5),
        ),
        "截至统计期末，没有尚未解决的投诉。",
    )

    _heading(document, "四、逾期事项（工作日）")
    _when_empty(
        document,
        "overdue_rows",
        lambda: _loop_table(
            document,
            ("登记编号", "客户", "逾期事项", "期限", "依据条款", "逾期（工作日）"),
            (NUMBER_MM, 32, 73, 44, 30, WIDTH_LANDSCAPE - NUMBER_MM - 179),
            "r in overdue_rows",
            (
                ("{{ r.number|nobreak }}",),
                ("{{ r.customer }}",),
                ("{{ r.label }}",),
                ("{{ r.due|nobreak }}",),
                ("{{ r.clause|nobreak }}",),
                ("{{ r.late }}",),
            ),
            centred=(0, 3, 4, 5),
        ),
        "截至统计期末，没有逾期事项。",
    )
    note = _para(document, before=3, size=SMALL_PT)
    _runs(
        note,
        (
            "注：逾期天数按工作日计算，计至统计期间最后一日；标注“（暂定）”的期限跨入尚未公布节假日安排的年份，"
            "暂按法定节假日和周末推算。",
        ),
        size=SMALL_PT,
    )

    _heading(document, "五、分类统计")
    # A caption stays with its table: never the last line of a page (keep with next).
    _para(document, "本周新增投诉按投诉类别：", indent_chars=2, after=3).paragraph_format.keep_with_next = True
    _when_empty(
        document,
        "by_category",
        lambda: _loop_table(
            document,
            ("投诉类别", "件数"),
            (60, 30),
            "c in by_category",
            (("{{ c.name }}",), ("{{ c.count }}",)),
            centred=(0, 1),
            total=("合计", "{{ summary.new }}"),
            left=True,
        ),
        "无。",
    )
    _para(
        document, "本周新增投诉按责任部门：", indent_chars=2, before=6, after=3
    ).paragraph_format.keep_with_next = True
    _when_empty(
        document,
        "by_department",
        lambda: _loop_table(
            document,
            ("责任部门", "件数"),
            (60, 30),
            "c in by_department",
            (("{{ c.name }}",), ("{{ c.count }}",)),
            centred=(0, 1),
            total=("合计", "{{ summary.new }}"),
            left=True,
        ),
        "无。",
    )

    # CS-3.10.1/3.10.2: whether the weekly meetings the finished week required were held (minutes returned).
    _para(document, "{%p if meetings is defined and meetings %}")
    _heading(document, "六、例会召开情况")
    _body(document, ("{{ meetings_note }}",))
    _para(document, "{%p for m in meetings %}")
    _body(document, ("{{ loop.index }}", "．", "{{ m.text }}", "。"))
    _para(document, "{%p endfor %}")
    _para(document, "{%p endif %}")

    sign = _para(document, align=WD_ALIGN_PARAGRAPH.RIGHT, before=18)
    sign.paragraph_format.keep_together = True
    _runs(sign, ("服务处主任：____________　　　　日期：______年____月____日",))
    return _save_reproducibly(document, path)


def build_overdue_warning(path: Path) -> Path:
    """《逾期预警》, daily, grouped by who must act (CS-3.4.4 and the time limits it refers to), A4 portrait.

    Context (all str): issued_on; today; tomorrow; totals: {late, due}; departments: [{name, late: [{number,
    customer, label, due, clause, late}], due: [{number, customer, label, due, clause}], missed (optional):
    [{week, meeting, clause}]}]; missed_note (optional): a sentence on the weekly meetings not held; early
    (optional): [{summary, …}] the patterns that may become a major complaint (CS-3.7.4, worded without dates),
    early_rules: the thresholds.
    """
    document = _new_document("逾期预警", "CS-3.4.4 逾期预警：已逾期及下一工作日到期的处理事项")
    _page(document, landscape=False)
    width = WIDTH_PORTRAIT

    _title(document, ("逾期预警",))
    _meta(document, (("预警日期：", "{{ today|nobreak }}"), ("下一工作日：", "{{ tomorrow|nobreak }}")))
    _body(
        document,
        (
            # The dates stand on the line above, not in this paragraph: LibreOffice may break a date of
            # running Chinese text at 年 or 月 whatever joins it (see docgen.render.docx).
            "截至预警日期，尚未完成的处理事项中已逾期 ",
            "{{ totals.late }}",
            " 项，今日或下一工作日到期 ",
            "{{ totals.due }}",
            " 项。请各责任方按《客户服务管理程序》规定的期限办理，办理情况及时反馈客户服务部。",
            "{% if missed_note is defined %}{{ missed_note }}{% endif %}",
        ),
        after=6,
    )

    # CS-3.7.4: the patterns that may become a major complaint, first, with the thresholds in force (optional
    # context: early: [{summary, …}], early_rules: a sentence).
    _para(document, "{%p if early is defined and early %}")
    _heading(document, "可能引发重大投诉的预警（CS-3.7.4）")
    _para(document, "{%p for f in early %}")
    _body(document, ("{{ loop.index }}", "．", "{{ f.summary }}", "。"), after=0)
    _para(document, "{%p endfor %}")
    _runs(_para(document, before=3, after=6, size=SMALL_PT), ("{{ early_rules }}",), size=SMALL_PT)
    _para(document, "{%p endif %}")

    _para(document, "{%p if departments %}")
    _para(document, "{%p for d in departments %}")
    head = _heading(document)
    _runs(head, ("{{ loop.index }}", "．责任方：", "{{ d.name }}"), font=HEI)
    _para(document, "{%p if d.late %}")
    late = _para(document, after=3, font=HEI, size=TABLE_PT)
    late.paragraph_format.keep_with_next = True
    _runs(late, ("已逾期（", "{{ d.late|length }}", " 项）"), font=HEI, size=TABLE_PT)
    _loop_table(
        document,
        ("登记编号", "客户/会议", "事项", "期限", "依据条款", "逾期\n（工作日）"),
        (NUMBER_MM, 20, 24, DATE_MM, CLAUSE_MM, width - NUMBER_MM - DATE_MM - CLAUSE_MM - 44),
        "r in d.late",
        (
            ("{{ r.number|nobreak }}",),
            ("{{ r.customer }}",),
            ("{{ r.label }}",),
            ("{{ r.due|nobreak }}",),
            ("{{ r.clause|nobreak }}",),
            ("{{ r.late }}",),
        ),
        centred=(0, 3, 4, 5),
    )
    _para(document, "{%p endif %}")
    _para(document, "{%p if d.due %}")
    due = _para(document, before=4, after=3, font=HEI, size=TABLE_PT)
    due.paragraph_format.keep_with_next = True
    _runs(due, ("即将到期（", "{{ d.due|length }}", " 项）"), font=HEI, size=TABLE_PT)
    _loop_table(
        document,
        ("登记编号", "客户/会议", "事项", "期限", "依据条款"),
        (NUMBER_MM, 20, width - NUMBER_MM - DATE_MM - CLAUSE_MM - 20, DATE_MM, CLAUSE_MM),
        "r in d.due",
        (
            ("{{ r.number|nobreak }}",),
            ("{{ r.customer }}",),
            ("{{ r.label }}",),
            ("{{ r.due|nobreak }}",),
            ("{{ r.clause|nobreak }}",),
        ),
        centred=(0, 3, 4),
    )
    _para(document, "{%p endif %}")
    _para(document, "{%p if d.missed is defined and d.missed %}")
    missed = _para(document, before=4, after=3, font=HEI, size=TABLE_PT)
    missed.paragraph_format.keep_with_next = True
    _runs(missed, ("未召开的例会（", "{{ d.missed|length }}", " 次）"), font=HEI, size=TABLE_PT)
    _loop_table(
        document,
        ("周次", "未召开的例会", "依据条款"),
        (66, width - 66 - CLAUSE_MM, CLAUSE_MM),
        "m in d.missed",
        (("{{ m.week|nobreak }}",), ("{{ m.meeting }}",), ("{{ m.clause|nobreak }}",)),
        centred=(0, 2),
    )
    _para(document, "{%p endif %}")
    _para(document, "{%p endfor %}")
    _para(document, "{%p else %}")
    _para(document, "今日没有已逾期或下一工作日到期的处理事项。", indent_chars=2)
    _para(document, "{%p endif %}")

    note = _para(document, before=6, size=SMALL_PT)
    _runs(
        note,
        (
            "注：逾期天数按工作日计算，计至预警日期；编号为“action-”开头的是会议决定事项（未关联案件）的事项编号；"
            "编号为“BHG-”开头的是《纠正措施记录》（不合格品控制程序）的记录编号；"
            "标注“（暂定）”的期限跨入尚未公布节假日安排的年份，暂按法定节假日和周末推算。",
        ),
        size=SMALL_PT,
    )
    _seal(document, "客户服务部", before=18)
    return _save_reproducibly(document, path)


REPORT_TEMPLATES = {
    "weekly_report.docx": build_weekly_report,
    "overdue_warning.docx": build_overdue_warning,
}


# ------------------------------------------------------------------------------ meeting minutes


def _minutes_close(document, note: str) -> None:
    """A minutes draft's closing lines: the small-print note on how it is filled and returned, then the chair's
    and the recorder's signatures kept on one line."""
    _runs(_para(document, before=3, size=SMALL_PT), (note,), size=SMALL_PT)
    sign = _para(document, before=20)
    sign.paragraph_format.keep_together = True
    _runs(sign, ("主持人签字：__________　　记录人签字：__________",))


def build_minutes(path: Path) -> Path:
    """《会议纪要》 draft (CS-3.10.1 投诉协调例会, CS-3.10.2 服务处主任例会, CS-3.10.5 重大投诉专题会议), A4 portrait.

    Read back as the form CS-MINUTES (docgen.forms.minutes): the label/value table carries 表单编号 and
    版本, the 决定事项 table is the form's lines (header 决定事项 | 责任人 | 完成期限 | 登记编号, 5 blank rows),
    the 上次会议决定事项落实情况 table its table ``review`` (事项编号, 完成情况, 完成日期 read back; the other
    columns are for the meeting to see).

    Context (all str): title (without 《》, e.g. "融侨锦江投诉协调例会会议纪要"); clause; issued_on;
    meeting_type; meeting_date; chair; recorder (may be ""); project (may be ""); attendees; cases
    ("、"-separated 登记编号, may be ""); notice (printed bold red under the title, may be ""); scope (one
    line under the title, may be ""); open_actions: [{key, text, owner, due, late}] (earlier decisions
    still open; text may hold newlines; late: working days late or "—"); agenda: [{title, detail}]
    (detail may be "" and may hold newlines: each line is its own indented paragraph).
    """
    document = _new_document("会议纪要", "CS-3.10.1 投诉协调例会；CS-3.10.2 服务处主任例会；CS-3.10.5 重大投诉专题会议")
    _page(document, landscape=False)
    _title(document, ("《", "{{ title }}", "》"))
    _meta(document, (("依据条款：", "{{ clause|nobreak }}"), ("拟稿日期：", "{{ issued_on|nobreak }}")))
    _para(document, "{%p if notice %}")
    notice = _para(document, after=6)
    _run(notice, "{{ notice }}", font=HEI, bold=True).font.color.rgb = WARNING_RED
    _para(document, "{%p endif %}")

    _label_value_table(
        document,
        (
            ("表单编号", "CS-MINUTES", "版本", "1"),
            ("会议类型", "{{ meeting_type }}", "会议日期", "{{ meeting_date|nobreak }}"),
            ("主持人", "{{ chair }}", "记录人", "{{ recorder }}"),
            ("项目/小区", "{{ project }}", 8),
            ("参会人员", "{{ attendees }}", 16),
            ("涉及案件", "{{ cases|nobreak }}", 12),
        ),
    )
    _para(document, "{%p if scope %}")
    scope = _para(document, before=3, size=SMALL_PT)
    _runs(scope, ("{{ scope|nobreak }}",), size=SMALL_PT)
    _para(document, "{%p endif %}")

    _heading(document, "一、上次会议决定事项落实情况")
    _when_empty(
        document,
        "open_actions",
        lambda: _loop_table(
            document,
            ("事项编号", "原决定事项", "责任人", "原定期限", "逾期工作日", "完成情况（已完成/未完成）", "完成日期"),
            (18, 34, 16, DATE_MM - 4, 14, 20, WIDTH_PORTRAIT - DATE_MM - 98),
            "r in open_actions",
            (
                ("{{ r.key }}",),
                ("{{ r.text|nobreak }}",),
                ("{{ r.owner }}",),
                ("{{ r.due|nobreak }}",),
                ("{{ r.late }}",),
                ("",),
                ("",),
            ),
            centred=(0, 3, 4, 5, 6),
            body_height=10,
        ),
        "没有尚未落实的上次会议决定事项。",
    )
    _para(document, "{%p if open_actions %}")
    review_note = _para(document, before=3, size=SMALL_PT)
    _runs(
        review_note,
        (
            "注：会上逐项填写“完成情况”（已完成/未完成）和“完成日期”，请勿改动“事项编号”。纪要放回 intake "
            "文件夹后，标为已完成的事项即登记为完成，不再列入逾期预警。",
        ),
        size=SMALL_PT,
    )
    _para(document, "{%p endif %}")

    _heading(document, "二、会议议题")
    _para(document, "{%p if agenda %}")
    _para(document, "{%p for a in agenda %}")
    item = _heading(document, level=3, before=4, after=0)
    _runs(item, ("{{ loop.index }}", "．", "{{ a.title }}"), bold=True)
    # One paragraph per line of the detail, so that each line gets the first-line indent.
    _para(document, "{%p for line in a.detail.splitlines() %}")
    detail = _para(document, indent_chars=2)
    _runs(detail, ("{{ line|nobreak }}",))
    _para(document, "{%p endfor %}")
    _para(document, "{%p endfor %}")
    _para(document, "{%p else %}")
    _para(document, "本次会议无台账中的待议事项。", indent_chars=2)
    _para(document, "{%p endif %}")

    _heading(document, "三、讨论情况")
    box = document.add_table(rows=1, cols=1)
    _borders(box)
    _widths(box, (WIDTH_PORTRAIT,))
    _row_height(box.rows[0], 70)
    _cell(box.rows[0].cells[0], "", valign=WD_CELL_VERTICAL_ALIGNMENT.TOP)

    _heading(document, "四、决定事项")
    decisions = document.add_table(rows=6, cols=4)
    _borders(decisions)
    _widths(decisions, (70, 26, 30, WIDTH_PORTRAIT - 126))
    head = decisions.rows[0]
    _row_flag(head, "w:tblHeader")
    _row_height(head, 8)
    for c, text in zip(head.cells, ("决定事项", "责任人", "完成期限", "登记编号")):
        _cell(c, text, font=HEI, size=SMALL_PT, align=WD_ALIGN_PARAGRAPH.CENTER, fill=LABEL_FILL)
    for row in decisions.rows[1:]:
        _row_height(row, 12)
        _row_flag(row, "w:cantSplit")
        for c in row.cells:
            _cell(c, "", size=SMALL_PT)
    _minutes_close(
        document,
        "注：每项决定须写明责任人和完成期限；涉及具体投诉的，填写其登记编号。纪要定稿后放入 intake 文件夹，"
        "决定事项即登记为跟踪事项，按完成期限督办。行数不够可在表中插入行。",
    )
    return _save_reproducibly(document, path)


MINUTES_TEMPLATES = {
    "minutes.docx": build_minutes,
}


# ------------------------------------------------------------------------------ special report


def _fill_in(document, label: str, hint: str, height_mm: float = 55) -> None:
    """A section 客户服务部 writes: what to write (五号), then one label → value row whose value cell is the
    room to write in (read back as the form's field ``label``)."""
    note = _para(document, after=3, size=SMALL_PT, indent_chars=2)
    note.paragraph_format.keep_with_next = True
    _runs(note, (hint,), size=SMALL_PT)
    _label_value_table(document, ((label, "", height_mm),), widths=(32, 40, 40, WIDTH_PORTRAIT - 112))


def _small_note(document, text: str) -> None:
    """A note under a table or section, 五号 仿宋."""
    _runs(_para(document, before=3, size=SMALL_PT), (text,), size=SMALL_PT)


def build_special_report(path: Path) -> Path:
    """《专题报告》 draft of a major or difficult complaint (CS-3.10.6), A4 portrait.

    Read back as the form CS-SPECIAL (docgen.steps.special_report): the label/value table carries 表单编号,
    版本, 登记编号, 报告日期 and 报告人; sections 六、原因分析 and 七、处理意见与建议 are each one label → value
    row whose value cell is left empty for 客户服务部 to write in.

    Context (all str): title ("关于KF-2026-00001投诉的专题报告"); number; clause ("CS-3.10.6"); issued_on;
    issuer; facts: [{label, value}] (案件基本情况 without 登记编号); content; steps: [{date, step, facts,
    source}]; deadlines: [{label, actor, due, met_on, status, clause}] (due may hold a newline before
    （暂定）); violations: [{clause, message, date, source}]; sources: [{order, original, form_title,
    received}]; closed_on (may be ""). An empty list prints one line saying so.
    """
    document = _new_document("专题报告", "CS-3.10.6 重大投诉或处理困难的投诉事件专题报告")
    _page(document, landscape=False)
    _title(document, ("关于", "{{ number|nobreak }}", "投诉的专题报告"))
    _meta(document, (("依据条款：", "{{ clause|nobreak }}"), ("拟稿日期：", "{{ issued_on|nobreak }}")))

    _label_value_table(
        document,
        (
            ("表单编号", "CS-SPECIAL", "版本", "1"),
            ("登记编号", "{{ number|nobreak }}", "报告日期", "{{ issued_on|nobreak }}"),
            ("报告部门", "{{ issuer }}", "报告人", ""),
        ),
    )
    intro = _para(document, before=6, after=3, indent_chars=2)
    _runs(
        intro,
        (
            "依据《客户服务管理程序》第3.10.6条（",
            "{{ clause|nobreak }}",
            "）“对于重大投诉或处理困难的投诉事件，由客户服务部向公司提供专题报告”的规定，现将",
            "{{ number|nobreak }}",
            "号投诉的处理情况报告如下。",
        ),
    )

    _heading(document, "一、案件基本情况")
    facts = document.add_table(rows=4, cols=2)
    _borders(facts)
    _widths(facts, (32, WIDTH_PORTRAIT - 32))
    loop_open, body, loop_close, content = facts.rows
    _cell(loop_open.cells[0], "{%tr for f in facts %}")
    _row_height(body, 8)
    _row_flag(body, "w:cantSplit")
    _cell(body.cells[0], "{{ f.label }}", font=HEI, align=WD_ALIGN_PARAGRAPH.CENTER, fill=LABEL_FILL)
    _cell(body.cells[1], "{{ f.value|nobreak }}")
    _cell(loop_close.cells[0], "{%tr endfor %}")
    _row_height(content, 16)
    _cell(content.cells[0], "投诉内容", font=HEI, align=WD_ALIGN_PARAGRAPH.CENTER, fill=LABEL_FILL)
    _cell(content.cells[1], "{{ content }}", valign=WD_CELL_VERTICAL_ALIGNMENT.TOP)

    _heading(document, "二、处理经过")
    _when_empty(
        document,
        "steps",
        lambda: _loop_table(
            document,
            ("日期", "步骤", "主要内容", "来源文件"),
            (DATE_MM, 20, 62, WIDTH_PORTRAIT - DATE_MM - 82),
            "s in steps",
            (("{{ s.date|nobreak }}",), ("{{ s.step }}",), ("{{ s.facts }}",), ("{{ s.source }}",)),
            centred=(0,),
        ),
        "台账中没有处理步骤记录。",
    )
    _small_note(
        document, "注：日期为各表单所填日期（登记为受理日期，派工为勘察日期）；表单未载日期的步骤为台账记录日期。"
    )

    _heading(document, "三、办理时限")
    _when_empty(
        document,
        "deadlines",
        lambda: _loop_table(
            document,
            ("事项", "责任方", "期限", "完成日期", "按时/逾期", "依据条款"),
            (28, 20, 35, 35, 14, WIDTH_PORTRAIT - 132),
            "d in deadlines",
            (
                ("{{ d.label }}",),
                ("{{ d.actor }}",),
                ("{{ d.due|nobreak }}",),
                ("{{ d.met_on|nobreak }}",),
                ("{{ d.status }}",),
                ("{{ d.clause|nobreak }}",),
            ),
            centred=(2, 3, 4, 5),
        ),
        "台账中没有办理时限记录。",
    )
    _small_note(
        document,
        "注：期限注明“（暂定）”的，该年节假日安排尚未公布，暂按法定节假日和周末推算，待核定；逾期天数按工作日计算。",
    )

    _heading(document, "四、违反程序情况")
    _when_empty(
        document,
        "violations",
        lambda: _loop_table(
            document,
            ("依据条款", "情况", "来源文件"),
            (CLAUSE_MM, 90, WIDTH_PORTRAIT - CLAUSE_MM - 90),
            "v in violations",
            (("{{ v.clause|nobreak }}",), ("{{ v.message }}",), ("{{ v.source }}",)),
            centred=(0,),
        ),
        "本案处理过程中未发现违反程序的情况。",
    )

    _heading(document, "五、原始文件")
    _when_empty(
        document,
        "sources",
        lambda: _loop_table(
            document,
            ("附件", "原始文件", "表单", "收到日期"),
            (14, 60, WIDTH_PORTRAIT - DATE_MM - 74, DATE_MM),
            "s in sources",
            (("{{ s.order }}",), ("{{ s.original }}",), ("《{{ s.form_title }}》",), ("{{ s.received|nobreak }}",)),
            centred=(0, 3),
        ),
        "无。",
    )
    _small_note(document, "注：报告归档时，以上原始文件按收到时的原样嵌入 PDF 报告。")

    _heading(document, "六、原因分析")
    _fill_in(document, "原因分析", "（由客户服务部填写：投诉产生的原因、责任方、是否具有普遍性。）")
    _heading(document, "七、处理意见与建议")
    _fill_in(
        document,
        "处理意见与建议",
        "（由客户服务部填写：已采取和拟采取的措施，需要公司决定的事项，依据《客户服务管理程序》第3.10.6条报公司。）",
    )
    _small_note(
        document,
        "注：填写第六、七部分和报告人后，将本文件放回 intake 文件夹，即登记为专题报告，并归档为 PDF/A"
        "（内含本 Word 原件）；请勿改动表单编号和登记编号。表格行高不够可继续输入，表格自动加高。",
    )
    _seal(document, "客户服务部", before=18)
    return _save_reproducibly(document, path)


SPECIAL_REPORT_TEMPLATES = {
    "special_report.docx": build_special_report,
}


def build_customer_info_suggestions(path: Path) -> Path:
    """《客户信息分析合理化建议》 (CS-3.7.2), a Word draft for the manager to complete, A4 portrait.

    Context (all str; docgen.reports.customer_info.analysis_context): suggestions_title; period_name; span;
    issued_on (in words); issuer; addressee; clause; facts: [str]; suggestions: [{index, department, text, basis}];
    warning_rules.
    """
    document = _new_document("客户信息分析合理化建议", "CS-3.7.2 客户信息分析报告的合理化建议（草稿）")
    _page(document, landscape=False)
    _title(document, ("客户信息分析合理化建议",))
    _meta(document, (("统计期间：", "{{ period_name }}"), ("拟稿日期：", "{{ issued_on|nobreak }}")))
    _addressee(document, "{{ addressee }}：")
    _body(
        document,
        (
            "依据《客户服务管理程序》第3.7.2条（",
            "{{ clause|nobreak }}",
            "），根据",
            "{{ period_name }}",
            "客户投诉、维修回访、客户满意度调查和产品使用情况的统计分析（见同期《客户信息分析报告》），"
            "提出以下合理化建议，供各相关部门作为下阶段工作的参考。",
        ),
    )
    _heading(document, "一、主要情况")
    _para(document, "{%p for f in facts %}")
    _body(document, ("{{ f }}",), after=0)
    _para(document, "{%p endfor %}")
    _heading(document, "二、合理化建议")
    _para(document, "{%p if suggestions %}")
    _para(document, "{%p for s in suggestions %}")
    _body(document, ("{{ s.index }}", "．", "{{ s.text }}", "。（建议送：", "{{ s.department }}", "）"), after=0)
    _small_note(document, "依据：{{ s.basis }}")
    _para(document, "{%p endfor %}")
    _para(document, "{%p else %}")
    _body(document, ("本期数据未显示集中的问题，请结合工作实际补充。",))
    _para(document, "{%p endif %}")
    _heading(document, "三、客户服务部经理补充意见")
    _fill_in(
        document, "补充意见", "（由客户服务部经理填写：对以上建议的修改、补充，以及需要公司决定的事项。）", height_mm=40
    )
    _small_note(
        document,
        "注：以上建议由系统根据本期数据起草，请逐条核对、修改完善后报送；"
        "预警条件见 docgen.toml 的 [warnings]：{{ warning_rules }}。",
    )
    _seal(document, "客户服务部", before=18)
    return _save_reproducibly(document, path)


CUSTOMER_INFO_TEMPLATES = {
    "customer_info_suggestions.docx": build_customer_info_suggestions,
}

# ------------------------------------------------------------------ nonconformities (NC-2.3, NC-3.2.x, NC-5.1)


def build_nc_request_notice(path: Path) -> Path:
    """《纠正措施要求通知单》 to the responsible department (NC-2.1, NC-2.3, NC-3.2.x), A4 portrait, one page; for
    a 03 重新整改要求 (``reverify``) it says that 总经室 verified the action 无效, who and when, the remarks and the
    new due date.

    Context (all str but ``reverify``; docgen.steps.nonconformity.request_notice): number, department, project,
    contractor, category, category_clause, routed_clause, how, source, found_on, severity, description,
    correction, action, due, coordinator, return_form, closing, cc, issuer, issued_on; ``reverify`` (None, or
    verified_on, verifier, remarks, done_on: str).
    """
    document = _new_document("纠正措施要求通知单", "NC-2.3、NC-3.2 不合格品/服务的纠正和纠正措施要求")
    _page(document, landscape=False)
    _title(document, ("{% if reverify %}重新整改要求通知单{% else %}纠正措施要求通知单{% endif %}",))
    _number_line(document, "记录编号", "{{ number|nobreak }}")
    _addressee(document, "{{ department }}：")
    _para(document, "{%p if reverify %}")
    _body(
        document,
        ("贵部门完成的下列纠正措施经总经室验证无效，请按验证意见重新分析原因、采取纠正措施，在整改期限前完成。",),
        after=6,
    )
    _label_value_table(
        document,
        [
            ("验证日期", "{{ reverify.verified_on|nobreak }}", "验证人", "{{ reverify.verifier }}"),
            ("验证意见", "{{ reverify.remarks }}", 8),
        ],
        widths=(32, 46, 28, 50),
    )
    _para(document, size=4)  # keeps the two tables apart
    _para(document, "{%p else %}")
    _body(
        document,
        (
            "根据《不合格品控制程序》",
            "{{ routed_clause|nobreak }}",
            "（",
            "{{ how }}",
            "），下列不合格品/服务由贵部门负责纠正，并分析原因、采取纠正措施，防止再发生。",
        ),
        after=6,
    )
    _para(document, "{%p endif %}")
    _label_value_table(
        document,
        [
            ("记录编号", "{{ number|nobreak }}", "发现日期", "{{ found_on|nobreak }}"),
            ("项目/小区", "{{ project }}", "施工单位", "{{ contractor }}"),
            ("不合格类别", ("{{ category }}", "（", "{{ category_clause|nobreak }}", "）"), 8),
            ("信息来源", "{{ source }}", "严重程度", "{{ severity }}"),
            ("不合格情况", "{{ description }}", 10),
            ("纠正（处置）", "{{ correction }}", 8),
            ("{% if reverify %}原纠正措施{% else %}纠正措施{% endif %}", "{{ action }}", 8),
            (
                "{% if reverify %}整改期限{% else %}完成期限{% endif %}",
                "{{ due|nobreak }}",
                "{% if reverify %}原完成日期{% else %}协调部门{% endif %}",
                "{% if reverify %}{{ reverify.done_on|nobreak }}{% else %}{{ coordinator }}{% endif %}",
            ),
        ],
        widths=(32, 46, 28, 50),
    )
    _body(document, ("{{ closing }}",), before=4)
    _seal(document, "{{ issuer }}（盖章）", before=4)
    _receipt(document, "{{ department }}", before=2)
    _para(document, "{%p if cc %}")
    _para(document, "抄送：{{ cc }}", before=2, size=PAGE_NUMBER_PT)  # 版记, 四号 (GB/T 9704)
    _para(document, "{%p endif %}")
    return _save_reproducibly(document, path)


def build_nc_verification_request(path: Path) -> Path:
    """《纠正措施效果验证请求》 to 总经室 (NC-2.3), A4 portrait, one page.

    Context (all str; docgen.steps.nonconformity.verification_notice): number, department, project, contractor,
    category, category_clause, description, root_cause, action, due, done_on, return_form, issued_on.
    """
    document = _portrait_notice("纠正措施效果验证请求", "NC-2.3 总经室对纠正措施的效果进行验证")
    _number_line(document, "记录编号", "{{ number|nobreak }}")
    _addressee(document, "总经室：")
    _body(
        document,
        (
            "{{ department }}",
            "已于",
            "{{ done_on|nobreak }}",
            "完成下列不合格品/服务的纠正措施。根据《不合格品控制程序》第2.3条（NC-2.3），请总经室验证其效果。",
        ),
        after=6,
    )
    _label_value_table(
        document,
        [
            ("记录编号", "{{ number|nobreak }}", "责任部门", "{{ department }}"),
            ("项目/小区", "{{ project }}", "施工单位", "{{ contractor }}"),
            ("不合格类别", ("{{ category }}", "（", "{{ category_clause|nobreak }}", "）"), 8),
            ("不合格情况", "{{ description }}", 12),
            ("原因分析", "{{ root_cause }}", 10),
            ("纠正措施", "{{ action }}", 10),
            ("完成期限", "{{ due|nobreak }}", "完成日期", "{{ done_on|nobreak }}"),
        ],
        widths=(32, 46, 28, 50),
    )
    _body(
        document,
        (
            "请在随附的《纠正措施记录》（",
            "{{ return_form }}",
            "）中填写验证日期、效果验证（有效/无效）、验证意见和验证人后放入 intake 文件夹交回："
            "有效的关闭记录；无效的须写明重新整改期限。",
        ),
        before=6,
    )
    _seal(document, "{{ department }}（盖章）", before=8)
    _receipt(document, "总经室", before=6)
    return _save_reproducibly(document, path)


def build_nc_accident_report(path: Path) -> Path:
    """《质量事故分析报告》 of a 重大质量事故 (NC-3.2.3 A), A4 portrait: what the record states, then the sections
    业主代表 writes on the basis of 监理公司's analysis report, to 总经室 and 工程部.

    Context (all str but ``sections``; docgen.reports.nc_analysis): number, project, found_on, contractor,
    department, severity, description, correction, recipients, clause, issued_on; ``sections``: list of
    {title, hint}.
    """
    document = _portrait_notice("质量事故分析报告", "NC-3.2.3 A 重大质量事故的质量事故分析报告")
    _number_line(document, "记录编号", "{{ number|nobreak }}")
    _addressee(document, "{{ recipients }}：")
    _body(
        document,
        (
            "根据《不合格品控制程序》",
            "{{ clause|nobreak }}",
            "，业主代表在监理公司分析报告的基础上，就下列重大质量事故提交质量事故分析报告。",
        ),
        after=6,
    )
    _label_value_table(
        document,
        [
            ("记录编号", "{{ number|nobreak }}", "发现日期", "{{ found_on|nobreak }}"),
            ("项目/小区", "{{ project }}", "施工单位", "{{ contractor }}"),
            ("责任部门", "{{ department }}", "严重程度", "{{ severity }}"),
            ("事故情况", "{{ description }}", 12),
            ("纠正（处置）", "{{ correction }}", 8),
        ],
        widths=(32, 46, 28, 50),
    )
    _para(document, "{%p for s in sections %}")
    _heading(document, "{{ s.title }}")
    _fill_in(document, "{{ s.label }}", "{{ s.hint }}", height_mm=28)
    _para(document, "{%p endfor %}")
    _seal(document, "业主代表（签名）", before=12)
    return _save_reproducibly(document, path)


NONCONFORMITY_TEMPLATES = {
    "nc_request_notice.docx": build_nc_request_notice,
    "nc_verification_request.docx": build_nc_verification_request,
    "nc_accident_report.docx": build_nc_accident_report,
}

# ------------------------------------------------------------------ plan management (PL-3.3.4, PL-3.4.2, PL-5.1)


def build_plan_warning_notice(path: Path) -> Path:
    """《计划预警通知》 from 企业发展中心 to a department or branch (PL-3.3.4, PL-3.4.2), A4 portrait.

    Context (all str; docgen.steps.plan_report.warning_context): number, unit, coordinator, year, period, indicator,
    code, measure, direction, planned, actual, cumulative_planned, cumulative_actual, deviation, threshold, summary,
    reason, issued_on.
    """
    document = _portrait_notice("计划预警通知", "PL-3.3.4、PL-3.4.2 计划执行异常情况预警")
    _number_line(document, "预警编号", "{{ number|nobreak }}")
    _addressee(document, "{{ unit }}：")
    _body(
        document,
        (
            "{{ year }}",
            "年",
            "{{ period }}",
            "计划执行报告显示，贵单位“",
            "{{ indicator }}",
            "”",
            "{{ summary }}",
            "，偏差",
            "{{ deviation }}",
            "，已达到预警幅度",
            "{{ threshold }}",
            "。根据《计划管理程序》第3.3.4条（PL-3.3.4）、第3.4.2条（PL-3.4.2）的规定，现予预警。",
        ),
        after=8,
    )
    _label_value_table(
        document,
        [
            ("单位", "{{ unit }}", "报告期", ("{{ year }}", "年", "{{ period }}")),
            ("指标", ("{{ indicator }}", "（", "{{ code }}", "）"), "计量单位", "{{ measure }}"),
            ("本期计划", "{{ planned }}", "本期实际", "{{ actual }}"),
            ("累计计划", "{{ cumulative_planned }}", "累计实际", "{{ cumulative_actual }}"),
            ("偏差率", "{{ deviation }}", "预警幅度", "{{ threshold }}"),
            ("指标方向", "{{ direction }}", 8),
            ("偏差原因", "{{ reason }}", 16),
        ],
    )
    _body(
        document,
        (
            "请贵单位分析偏差原因，提出改进措施，并将预计影响及时反馈",
            "{{ coordinator }}",
            "（PL-3.4.1）；如需调整计划，由",
            "{{ coordinator }}",
            "提出计划调整方案，经计划委员会专题会议讨论、决策层审批后执行（PL-3.4.2）。",
        ),
        before=8,
    )
    _seal(document, "{{ coordinator }}（盖章）")
    _receipt(document, "{{ unit }}")
    return _save_reproducibly(document, path)


def build_plan_minutes(path: Path) -> Path:
    """A plan meeting's minutes draft (计划专题会议纪要, PL-5.1; PL-3.4.2), A4 portrait.

    Context (str unless said; docgen.steps.plan_adjustment.minutes_document): title; meeting_type; clause; issued_on;
    meeting_date, chair, recorder (may be ""); attendees; subject; scope (may be ""); measure; targets: [{quarter,
    old, new, change}] (may be empty); agenda: [{title, detail}] (detail may hold newlines).
    """
    document = _new_document("计划专题会议纪要", "PL-3.4.2 计划委员会专题会议；PL-5.1 计划专题会议纪要")
    _page(document, landscape=False)
    _title(document, ("{{ title }}",))
    _meta(document, (("依据条款：", "{{ clause|nobreak }}"), ("拟稿日期：", "{{ issued_on|nobreak }}")))
    _label_value_table(
        document,
        (
            ("会议类型", "{{ meeting_type }}", "会议日期", "{{ meeting_date|nobreak }}"),
            ("主持人", "{{ chair }}", "记录人", "{{ recorder }}"),
            ("议题", "{{ subject }}", 8),
            ("参会人员", "{{ attendees }}", 12),
        ),
    )
    _para(document, "{%p if scope %}")
    scope = _para(document, before=3, size=SMALL_PT)
    _runs(scope, ("{{ scope }}",), size=SMALL_PT)
    _para(document, "{%p endif %}")

    _heading(document, "一、会议议题")
    _para(document, "{%p for a in agenda %}")
    item = _heading(document, level=3, before=4, after=0)
    _runs(item, ("{{ loop.index }}", "．", "{{ a.title }}"), bold=True)
    _para(document, "{%p for line in a.detail.splitlines() %}")
    detail = _para(document, indent_chars=2)
    _runs(detail, ("{{ line }}",))
    _para(document, "{%p endfor %}")
    _para(document, "{%p endfor %}")
    _para(document, "{%p if targets %}")
    _heading(document, "二、调整前后的季度目标")
    _loop_table(
        document,
        ("季度", "原目标", "调整后目标", "增减"),
        (30, 42, 42, WIDTH_PORTRAIT - 114),
        "t in targets",
        (("{{ t.quarter }}",), ("{{ t.old }}",), ("{{ t.new }}",), ("{{ t.change }}",)),
        centred=(0, 1, 2, 3),
    )
    unit_note = _para(document, before=3, size=SMALL_PT)
    _runs(unit_note, ("计量单位：", "{{ measure }}", "。生效季度之前的季度目标不变。"), size=SMALL_PT)
    _para(document, "{%p endif %}")

    _heading(document, "三、讨论情况")
    box = document.add_table(rows=1, cols=1)
    _borders(box)
    _widths(box, (WIDTH_PORTRAIT,))
    _row_height(box.rows[0], 60)
    _cell(box.rows[0].cells[0], "", valign=WD_CELL_VERTICAL_ALIGNMENT.TOP)

    _heading(document, "四、会议意见")
    opinion = document.add_table(rows=1, cols=1)
    _borders(opinion)
    _widths(opinion, (WIDTH_PORTRAIT,))
    _row_height(opinion.rows[0], 35)
    _cell(opinion.rows[0].cells[0], "", valign=WD_CELL_VERTICAL_ALIGNMENT.TOP)
    _minutes_close(
        document,
        "注：会议意见报公司决策层审批（PL-3.4.2）；审批结果填入《计划调整方案》的决策层审批栏，放入 intake 文件夹，"
        "批准的调整自生效季度起执行。",
    )
    return _save_reproducibly(document, path)


PLAN_TEMPLATES = {
    "plan_warning_notice.docx": build_plan_warning_notice,
    "plan_minutes.docx": build_plan_minutes,
}


TEMPLATES = {
    **NOTICE_TEMPLATES,
    **REPAIR_TEMPLATES,
    **REPORT_TEMPLATES,
    **MINUTES_TEMPLATES,
    **SPECIAL_REPORT_TEMPLATES,
    **CUSTOMER_INFO_TEMPLATES,
    **NONCONFORMITY_TEMPLATES,
    **PLAN_TEMPLATES,
}


def build_all(out_dir: Path = TEMPLATES_DIR, templates: dict | None = None) -> list[Path]:
    """Write every template (or those of ``templates``, a name → builder dict) into ``out_dir``."""
    chosen = TEMPLATES if templates is None else templates
    return [build(Path(out_dir) / name) for name, build in chosen.items()]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    for path in build_all(Path(args[0]) if args else TEMPLATES_DIR):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
