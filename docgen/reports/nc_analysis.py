"""The 《质量事故分析报告》 template for a 重大质量事故 (NC-3.2.3 A: "对重大的质量事故，业主代表应要求监理公司提交分析
报告，并在此基础上向公司总经室和工程部提交质量事故分析报告"), written when its 《纠正措施记录》 is recorded
(``docgen.steps.nonconformity``): what the record states filled in, the sections for 业主代表 to write left blank.

Built with python-docx directly (a simple form, no template in ``templates/``).
"""

from __future__ import annotations

import io
from pathlib import Path

from docgen.atomic import write_bytes

TITLE = "质量事故分析报告"
SECTIONS = (
    "一、事故经过",
    "二、监理公司分析报告要点",
    "三、事故原因分析",
    "四、已采取的纠正（处置）",
    "五、纠正措施及完成期限（监理公司、施工单位）",
    "六、防止再发生的建议",
)


def accident_analysis_docx(spec: dict) -> bytes:
    """The report as Word bytes, from the step's document spec."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    document = Document()
    page = document.sections[0]  # A4 with the house style's type area (docs/design.md §9)
    page.page_width, page.page_height = Mm(210), Mm(297)
    page.top_margin, page.bottom_margin, page.left_margin, page.right_margin = (
        Mm(37),
        Mm(35),
        Mm(28),
        Mm(26),
    )
    style = document.styles["Normal"]
    style.font.name = "宋体"
    style.font.size = Pt(12)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(TITLE)
    run.bold, run.font.size = True, Pt(18)
    document.add_paragraph(f"报送：{'、'.join(spec['recipients'])}（{spec['clause']}）")
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in (
        ("纠正措施记录编号", spec["number"]),
        ("项目/小区", spec["project"]),
        ("发现日期", spec["found_on"]),
        ("施工单位", spec["contractor"]),
        ("责任部门", spec["department"]),
        ("不合格情况描述", spec["description"]),
        ("纠正（处置）", spec["correction"]),
    ):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    for section in SECTIONS:
        document.add_paragraph().add_run(section).bold = True
        document.add_paragraph("")
    document.add_paragraph("业主代表（签名）：                    日期：")
    document.add_paragraph(f"本模板由 docgen 于{spec['issued_on']}生成。")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def write_accident_analysis(spec: dict, target: Path) -> Path:
    return write_bytes(target, accident_analysis_docx(spec))
