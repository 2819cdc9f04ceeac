"""The repair and payment notices: 《施工单位维修通知单》 (CS-3.4.6), 《维修工程款付款通知》 (CS-3.5.9) and
《工程质量保证金扣款通知》 (CS-3.5.9, CS-2.6), rendered with hostile values (docs/design.md §13)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from docgen.render import build_templates
from docgen.render.docx import PACKAGED_TEMPLATES, RenderError, find_template, render_docx
from tests.docx_helpers import (  # noqa: F401
    all_text,
    assert_built_as_committed,  # noqa: E402
    document_xml,
    zip_parts,
)

AMP = "Smith & Sons <Ltd>"
CDATA = "]]>"
BRACES = "{{ 7*7 }}"
MULTILINE = "第一行：卫生间顶棚渗水\n第二行：墙面起皮\n第三行：业主要求尽快处理"
NAMES = ("contractor_repair_notice.docx", "payment_notice.docx", "deposit_deduction_notice.docx")


# ------------------------------------------------------------------------------------- helpers


def assert_no_jinja_left(xml: str) -> None:
    xml = xml.replace("&#123;", "").replace("&#125;", "")  # braces of values are written as references
    xml = xml.replace(BRACES, "")  # (or, should a writer decode them, as the value itself)
    for tag in ("{{", "}}", "{%", "%}", "{#", "#}"):
        assert tag not in xml, f"unrendered {tag} in output"


def leaves(value) -> list[str]:
    """Every string in a context (dict values, list items), depth first."""
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, dict):
        return [s for v in value.values() for s in leaves(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in leaves(v)]
    return []


def render(name: str, context: dict, tmp_path: Path) -> tuple[Path, str]:
    out = render_docx(find_template(name, None), context, tmp_path / name)
    return out, all_text(out)


def repair_context(**overrides) -> dict:
    context = {
        "case": {
            "number": "KF-2026-00042",
            "customer": f"张三（{AMP}）",
            "phone": "13800138000",
            "address": f"锦绣花园3栋1502{CDATA}",
            "complaint": f"{MULTILINE}\n备注：{BRACES}",
        },
        "order": {
            "number": "PG-2026-0107",
            "order_class": "A",
            "work_kind": "多工种维修",
            "due": "2027年1月4日",
            "provisional": True,
        },
        "survey": {
            "date": "2026年11月26日",
            "responsible_party": f"施工单位：{AMP}",
            "estimate": "1,200.50",
            "findings": f"屋面防水层老化开裂，需重做防水。\n涉及泥工、防水两个工种。{CDATA}",
        },
        "issued_on": "2026年11月26日",
        "provisional_note": "2027年工作日历尚未发布，标注“（暂定）”的期限按周末推算。",
    }
    context.update(overrides)
    return context


def payment_context(**overrides) -> dict:
    context = {
        "case": {"number": "KF-2026-00042", "customer": f"张三{BRACES}", "address": f"锦绣花园3栋1502\n{AMP}"},
        "order": {"number": "PG-2026-0107", "order_class": "B"},
        "settlement": {
            "audited_amount": "1,200.50",
            "audited_uppercase": "壹仟贰佰元伍角",
            "audit_route": "客户服务部审核（2万元以下，CS-3.5.6）",
            "auditor": f"王五{CDATA}",
            "approvals": [
                {"role": "客户服务部经理审批（1,000元以上）", "name": "赵六"},
                {"role": "副总工程师审核", "name": AMP},
                {"role": "副总经理审批", "name": f"钱七{BRACES}"},
                {"role": "负责质量的副总工程师认定（CS-3.5.8）", "name": f"孙八\n（代签）{CDATA}"},
            ],
        },
        "payee": "物业公司（客户服务维修队）",
        "issued_on": "2026年11月26日",
    }
    context.update(overrides)
    return context


def deposit_context(**overrides) -> dict:
    context = {
        "case": {"number": "KF-2026-00042", "address": f"锦绣花园3栋1502{CDATA}"},
        "order": {"number": "PG-2026-0107"},
        "contractor": AMP,
        "amount": "1,200.50",
        "amount_uppercase": "壹仟贰佰元伍角",
        "deposit": {
            "recorded": "50,000.00",
            "deducted_before": "3,000.00",
            "deducted_after": "4,200.50",
            "remaining": "45,799.50",
        },
        "warning": f"本次扣款后保证金余额不足登记金额的95%，请关注。\n{BRACES}",
        "issued_on": "2026年11月26日",
    }
    context.update(overrides)
    return context


CONTEXTS = {
    "contractor_repair_notice.docx": repair_context,
    "payment_notice.docx": payment_context,
    "deposit_deduction_notice.docx": deposit_context,
}


# ------------------------------------------------------------------------------ the files


def test_repair_templates_are_reproducible_and_committed_as_built(tmp_path):
    built = assert_built_as_committed(build_templates.REPAIR_TEMPLATES, tmp_path)
    assert sorted(p.name for p in built) == sorted(NAMES)
    assert build_templates.TEMPLATES.keys() >= set(NAMES) | build_templates.NOTICE_TEMPLATES.keys()


def test_build_all_and_the_command_line_build_every_shipped_word_template(tmp_path, capsys):
    shipped = sorted(p.name for p in PACKAGED_TEMPLATES.glob("*.docx"))
    # + the two nonconformity notices and the accident report (issue 13); + the plan warning notice and plan
    # minutes (issue 14)
    assert len(shipped) == 10 + 3 + 2
    assert sorted(p.name for p in build_templates.build_all(tmp_path / "all")) == shipped
    assert build_templates.main([str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.glob("*.docx")) == sorted(build_templates.TEMPLATES) == shipped
    for name in build_templates.TEMPLATES:
        assert zip_parts(tmp_path / name) == zip_parts(PACKAGED_TEMPLATES / name), name


@pytest.mark.parametrize("name", NAMES)
def test_template_tags_are_whole_runs_and_fonts_named(name):
    path = PACKAGED_TEMPLATES / name
    document = docx.Document(str(path))
    runs = ["".join(t.text or "" for t in r.iter(qn("w:t"))) for r in document.element.body.iter(qn("w:r"))]
    assert any("{{" in text for text in runs)
    for text in runs:
        opened = len(re.findall(r"\{\{|\{%", text))
        closed = len(re.findall(r"\}\}|%\}", text))
        assert opened == closed, f"tag split across runs: {text!r}"
    xml = document_xml(path)
    assert 'w:eastAsia="宋体"' in xml and 'w:eastAsia="黑体"' in xml
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # A4 portrait
    title = document.paragraphs[0]
    assert title.alignment == 1 and title.runs[0].bold and title.runs[0].font.size.pt == 22
    assert document.tables and all(t._tbl.tblPr.find(qn("w:tblBorders")) is not None for t in document.tables)
    assert document.core_properties.title == title.text


@pytest.mark.parametrize("name", NAMES)
def test_missing_key_is_an_error(tmp_path, name):
    context = CONTEXTS[name]()
    del context["issued_on"]
    with pytest.raises(RenderError, match="issued_on"):
        render_docx(find_template(name, None), context, tmp_path / "r.docx")


@pytest.mark.parametrize("name", NAMES)
def test_every_value_verbatim_and_no_tags_left(tmp_path, name):
    context = CONTEXTS[name]()
    out, text = render(name, context, tmp_path)
    for value in leaves(context):
        assert value in text, value
    assert "49" not in text  # {{ 7*7 }} in a value is text, never evaluated
    for hostile in (AMP, CDATA, BRACES):
        assert hostile in text, hostile
    assert_no_jinja_left(document_xml(out))


# ------------------------------------------------------------------- 施工单位维修通知单 (CS-3.4.6)


def test_contractor_repair_notice(tmp_path):
    context = repair_context()
    out, text = render("contractor_repair_notice.docx", context, tmp_path)
    assert text.startswith("施工单位维修通知单\n派工单号：PG-2026-0107　　　　日期：2026年11月26日\n工程材料部：\n")
    assert "《客户服务管理程序》第3.4.6条（CS-3.4.6）" in text and "第3.4.5条（CS-3.4.5）" in text
    assert "请工程材料部督促施工单位于2027年1月4日（暂定）前完成维修" in text
    for label in (
        "登记编号",
        "派工单号",
        "客户姓名",
        "联系电话",
        "房屋地址",
        "投诉内容",
        "勘察日期",
        "责任方",
        "派工类别",
        "维修类型",
        "预估费用",
        "完成期限",
        "勘察结论",
    ):
        assert f"\n{label}\n" in text, label
    assert "\nA类\n" in text and "\n1,200.50 元\n" in text and "\n2027年1月4日（暂定）\n" in text
    assert f"{MULTILINE}\n备注：{BRACES}" in text
    assert text.count("（暂定）") == 3  # the sentence, the table, and the note that explains it
    assert "注：2027年工作日历尚未发布" in text
    assert "客户服务部（盖章）\n日期：2026年11月26日\n工程材料部签收：" in text
    document = docx.Document(str(out))
    cells = {c.text for row in document.tables[0].rows for c in row.cells}
    assert context["case"]["complaint"] in cells and context["survey"]["findings"] in cells


def test_contractor_repair_notice_not_provisional(tmp_path):
    context = repair_context(provisional_note="")
    context["order"].update(provisional=False, order_class="B", work_kind="单工种维修", due="2026年12月1日")
    out, text = render("contractor_repair_notice.docx", context, tmp_path)
    assert "（暂定）" not in text and "暂定" not in text
    assert "\n注：" not in text
    assert "督促施工单位于2026年12月1日前完成维修" in text and "\nB类\n" in text and "\n单工种维修\n" in text
    assert "\n\n\n" not in text  # the conditional paragraph left no blank lines behind
    assert_no_jinja_left(document_xml(out))


# ------------------------------------------------------------------ 维修工程款付款通知 (CS-3.5.9)


def test_payment_notice(tmp_path):
    context = payment_context()
    out, text = render("payment_notice.docx", context, tmp_path)
    assert text.startswith("维修工程款付款通知\n派工单号：PG-2026-0107　　　　日期：2026年11月26日\n财务计统部：\n")
    assert (
        "根据《客户服务管理程序》第3.5.9条，请财务计统部据此向物业公司拨付客户服务维修队维修工程款，"
        "无须其他部门再行审核。"
    ) in text
    assert "\n审定金额（小写）\n￥1,200.50 元\n" in text
    assert "\n审定金额（大写）\n人民币壹仟贰佰元伍角\n" in text
    assert "\n收款单位\n物业公司（客户服务维修队）\n" in text
    assert "\nB类\n" in text
    assert "客户服务部（盖章）\n日期：2026年11月26日\n财务计统部签收：" in text

    document = docx.Document(str(out))
    approvals = document.tables[1]
    assert approvals.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    rows = [[c.text for c in row.cells] for row in approvals.rows]
    assert rows == [["序号", "审批环节", "签字人"]] + [
        [str(i), a["role"], a["name"]] for i, a in enumerate(context["settlement"]["approvals"], start=1)
    ]
    assert_no_jinja_left(document_xml(out))


@pytest.mark.parametrize("count", [0, 1, 12])
def test_payment_notice_any_number_of_approvals(tmp_path, count):
    approvals = [{"role": f"审批环节{i}{AMP}", "name": f"签字人{i}"} for i in range(1, count + 1)]
    context = payment_context()
    context["settlement"]["approvals"] = approvals
    out, _ = render("payment_notice.docx", context, tmp_path)
    rows = [[c.text for c in row.cells] for row in docx.Document(str(out)).tables[1].rows]
    assert rows[1:] == [[str(i), a["role"], a["name"]] for i, a in enumerate(approvals, start=1)]
    assert_no_jinja_left(document_xml(out))


# ------------------------------------------------------------ 工程质量保证金扣款通知 (CS-3.5.9, CS-2.6)


def test_deposit_deduction_notice(tmp_path):
    context = deposit_context()
    out, text = render("deposit_deduction_notice.docx", context, tmp_path)
    assert text.startswith("工程质量保证金扣款通知\n派工单号：PG-2026-0107　　　　日期：2026年11月26日\n财务计统部：\n")
    assert "第3.5.9条（CS-3.5.9）" in text and "第2.6条（CS-2.6）" in text
    assert f"请从{AMP}的工程质量保证金中扣回。" in text
    assert "\n扣款金额（小写）\n￥1,200.50 元\n" in text and "\n扣款金额（大写）\n人民币壹仟贰佰元伍角\n" in text
    for label, value in (
        ("保证金金额", "50,000.00"),
        ("本次前已扣", "3,000.00"),
        ("本次后累计已扣", "4,200.50"),
        ("保证金余额", "45,799.50"),
    ):
        assert f"\n{label}\n{value} 元\n" in text, label
    assert f"提示：{context['warning']}" in text
    assert text.endswith("客户服务部（盖章）\n日期：2026年11月26日\n抄送：审计核算部（备案）")

    document = docx.Document(str(out))
    warning = next(p for p in document.paragraphs if p.text.startswith("提示："))
    for run in warning.runs:
        if run.text:
            assert run.bold and run.font.color.rgb is not None and str(run.font.color.rgb) == "C00000"
    assert_no_jinja_left(document_xml(out))


def test_deposit_deduction_notice_without_warning(tmp_path):
    out, text = render("deposit_deduction_notice.docx", deposit_context(warning=""), tmp_path)
    assert "提示：" not in text
    assert "\n\n\n" not in text
    assert "C00000" not in document_xml(out)
    assert_no_jinja_left(document_xml(out))


# ---------------------------------------------------------------------------------- printing


@pytest.mark.parametrize("name", NAMES)
def test_prints_on_two_pages_at_most_with_the_seal_after_the_closing_text(tmp_path, name):
    # In the house style's 三号 body (docs/design.md §9) a notice may run to a second page; the seal and its
    # date then stand there with the paragraph before them, never alone.
    soffice, pdfinfo = shutil.which("soffice"), shutil.which("pdfinfo")
    if soffice is None or pdfinfo is None:
        pytest.skip("LibreOffice (soffice) and poppler-utils (pdfinfo) are needed for the print check")
    out, _ = render(name, CONTEXTS[name](), tmp_path)
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
    pdf = tmp_path / name.replace(".docx", ".pdf")
    info = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)$", info, re.M)[1])
    assert pages <= 2, info
    last = subprocess.run(
        ["pdftotext", "-f", str(pages), "-l", str(pages), str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    before_seal = last.split("客户服务部（盖章）")[0]
    assert "客户服务部（盖章）" in last and "。" in before_seal, last
