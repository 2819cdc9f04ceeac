"""The 《质量事故分析报告》 for a 重大质量事故 (NC-3.2.3 A: "对重大的质量事故，业主代表应要求监理公司提交分析
报告，并在此基础上向公司总经室和工程部提交质量事故分析报告"), written when its 《纠正措施记录》 is recorded
(``docgen.steps.nonconformity``): what the record states filled in, the sections for 业主代表 to write left blank.

Rendered from ``templates/nc_accident_report.docx`` (built by ``docgen.render.build_templates`` in the house style
of the other Word documents, GB/T 9704; a workspace's own copy in its ``templates/`` wins).
"""

from __future__ import annotations

from pathlib import Path

from docgen.render.docx import find_template, render_docx

TEMPLATE = "nc_accident_report.docx"
TITLE = "质量事故分析报告"
# (heading, label of the box to write in, what to write)
SECTIONS = (
    ("一、事故经过", "事故经过", "发生时间、部位、经过及造成的损失。"),
    ("二、监理公司分析报告要点", "监理分析要点", "监理公司提交的分析报告的主要结论（分析报告附后）。"),
    ("三、事故原因分析", "原因分析", "直接原因和管理原因。"),
    ("四、已采取的纠正（处置）", "已采取的纠正", "已对事故本身采取的处置及其结果。"),
    ("五、纠正措施及完成期限", "纠正措施", "要求监理公司和施工单位采取的纠正措施、责任单位和完成期限。"),
    ("六、防止再发生的建议", "防止再发生", "对设计、施工、监理、材料设备采购等方面的建议。"),
)


def accident_context(spec: dict) -> dict:
    """The template's context from the step's document spec (every value a str but ``sections``)."""
    return {
        "number": spec["number"],
        "project": spec["project"],
        "found_on": spec["found_on"],
        "contractor": spec.get("contractor") or "—",
        "department": spec["department"],
        "severity": spec.get("severity") or "重大质量事故",
        "description": spec["description"],
        "correction": spec["correction"],
        "recipients": "、".join(spec["recipients"]),
        "clause": spec["clause"],
        "issued_on": spec["issued_on"],
        "sections": [{"title": title, "label": label, "hint": hint} for title, label, hint in SECTIONS],
    }


def write_accident_analysis(spec: dict, target: Path, templates: Path | None = None) -> Path:
    """Render the report for ``spec`` into ``target`` (``templates``: the workspace's templates folder)."""
    return render_docx(find_template(TEMPLATE, templates), accident_context(spec), target)
