"""docgen.office.docx: reading Word forms made of label → value tables (docs/design.md §3)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from docgen.office.docx import (
    DocxReadError,
    DocxValue,
    find_fields,
    normalize_label,
    read_label_values,
    read_paragraph_values,
    read_tables,
)
from tests.conftest import POI_CORPUS

ROOT = Path(__file__).resolve().parents[1]

# ------------------------------------------------------------------------------------- helpers


def fill(cell, text: str) -> None:
    """Cell text; "\n" starts a new paragraph."""
    lines = text.split("\n")
    cell.text = lines[0]
    for line in lines[1:]:
        cell.add_paragraph(line)


def table(document, rows: list[list[str]]):
    t = document.add_table(rows=len(rows), cols=max(len(r) for r in rows))
    for tr, values in zip(t.rows, rows):
        for c, value in zip(tr.cells, values):
            fill(c, value)
    return t


def clear_cell(cell) -> None:
    tc = cell._tc
    for p in tc.findall(qn("w:p")):
        tc.remove(p)


def save(document, path: Path) -> Path:
    document.save(str(path))
    return path


def pairs(values: list[DocxValue]) -> list[tuple[str, str]]:
    return [(v.label, v.value) for v in values]


def soffice_resave(src: Path, out_dir: Path, fmt: str = "docx") -> Path:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed; apt-get install libreoffice-writer to run this test")
    profile = out_dir / "lo-profile"  # a private profile: other soffice processes may be running
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            fmt,
            "--outdir",
            str(out_dir),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    out = out_dir / f"{src.stem}.{fmt}"
    assert out.exists(), f"LibreOffice wrote nothing for {src.name}"
    return out


@pytest.fixture
def complaint_form(tmp_path) -> Path:
    """A complaint form as an office would make it: a title row spanning the table, two pairs per
    row, a value spanning three columns, labels with colons, asterisks, notes and odd spacing."""
    d = docx.Document()
    d.add_paragraph("客户投诉登记表")
    t = table(
        d,
        [
            ["客户投诉登记表", "", "", ""],
            ["登记编号：", "KF-2026-00001", "受理时间", "2026年11月26日 10:30"],
            ["*客户姓名", "张三", "联系电话（必填）", "13800138000"],
            ["项目/小区", "锦绣花园", "房　号", ""],
            ["投诉内容", "客厅渗水\n已持续一周", "", ""],
        ],
    )
    t.cell(0, 0).merge(t.cell(0, 3))
    t.cell(4, 1).merge(t.cell(4, 3))
    fill(t.cell(0, 0), "客户投诉登记表")
    clear_cell(t.cell(4, 1))
    fill(t.cell(4, 1), "客厅渗水\n已持续一周")
    return save(d, tmp_path / "complaint.docx")


LABELS = {
    "number": ["登记编号", "统一编号"],
    "received_at": ["受理时间"],
    "customer": ["客户姓名", "业主姓名"],
    "phone": ["联系电话"],
    "project": ["项目/小区", "项目"],
    "room": ["房号"],
    "content": ["投诉内容"],
    "email": ["电子邮箱"],
}


# -------------------------------------------------------------------------------- label values


def test_reads_every_pair_in_order_with_locations(complaint_form):
    values = read_label_values(complaint_form)
    assert pairs(values) == [
        ("登记编号：", "KF-2026-00001"),
        ("受理时间", "2026年11月26日 10:30"),
        ("*客户姓名", "张三"),
        ("联系电话（必填）", "13800138000"),
        ("项目/小区", "锦绣花园"),
        ("房　号", ""),
        ("投诉内容", "客厅渗水\n已持续一周"),
    ]
    by_label = {v.label: v for v in values}
    assert by_label["登记编号："].location == "表格1 第2行 第2列"
    assert by_label["联系电话（必填）"].location == "表格1 第3行 第4列"
    assert by_label["投诉内容"].location == "表格1 第5行 第2列"
    assert (by_label["投诉内容"].table, by_label["投诉内容"].row, by_label["投诉内容"].column) == (1, 5, 2)


def test_merged_cells_are_not_duplicated(complaint_form):
    # python-docx repeats the merged cell object for every grid column it spans …
    t = docx.Document(str(complaint_form)).tables[0]
    assert len(t.rows[4].cells) == 4 and t.rows[4].cells[1] is not None
    assert [c.text for c in t.rows[4].cells].count("客厅渗水\n已持续一周") == 3
    # … the reader sees each cell once
    tables = read_tables(complaint_form)
    assert tables[0][0] == ["客户投诉登记表"]
    assert tables[0][4] == ["投诉内容", "客厅渗水\n已持续一周"]
    assert [v.label for v in read_label_values(complaint_form)].count("投诉内容") == 1


def test_vertical_merge_reads_once(tmp_path):
    d = docx.Document()
    t = table(d, [["投诉内容", "漏水"], ["", "补充：楼下受影响"], ["接待人", "李四"]])
    t.cell(0, 0).merge(t.cell(1, 0))  # the label spans two rows
    fill(t.cell(0, 0), "投诉内容")
    path = save(d, tmp_path / "vmerge.docx")
    assert docx.Document(str(path)).tables[0].rows[1].cells[0].text == "投诉内容"  # python-docx repeats it
    assert read_tables(path)[0] == [["投诉内容", "漏水"], ["", "补充：楼下受影响"], ["接待人", "李四"]]
    assert pairs(read_label_values(path)) == [("投诉内容", "漏水"), ("接待人", "李四")]


def test_empty_value_cells_and_empty_labels(tmp_path):
    d = docx.Document()
    t = table(d, [["客户姓名", ""], ["", "孤立的值"], ["联系电话", "   "], ["备注", ""], ["以下由客户服务部填写", ""]])
    t.cell(4, 0).merge(t.cell(4, 1))  # a heading row: one cell, no value
    path = save(d, tmp_path / "empty.docx")
    assert pairs(read_label_values(path)) == [("客户姓名", ""), ("联系电话", ""), ("备注", "")]


def test_value_paragraphs_joined_and_line_breaks_kept(tmp_path):
    d = docx.Document()
    t = table(d, [["投诉内容", ""]])
    clear_cell(t.cell(0, 1))
    cell = t.cell(0, 1)
    cell.add_paragraph("  ")
    p = cell.add_paragraph("第一行")
    p.add_run().add_break()
    p.add_run("第二行\t（附图）")
    cell.add_paragraph("第二段  ")
    cell.add_paragraph("")
    path = save(d, tmp_path / "lines.docx")
    assert read_label_values(path)[0].value == "第一行\n第二行\t（附图）\n第二段"


def test_content_controls_inside_cells(tmp_path):
    d = docx.Document()
    t = table(d, [["客户姓名：", ""], ["投诉内容", ""], ["联系电话", ""]])
    # block-level content control holding two paragraphs
    clear_cell(t.cell(1, 1))
    t.cell(1, 1)._tc.append(
        parse_xml(
            f'<w:sdt {nsdecls("w")}><w:sdtPr><w:tag w:val="content"/></w:sdtPr><w:sdtContent>'
            "<w:p><w:r><w:t>楼上漏水</w:t></w:r></w:p><w:p><w:r><w:t>已三天</w:t></w:r></w:p>"
            "</w:sdtContent></w:sdt>"
        )
    )
    # run-level content control next to ordinary text
    p = t.cell(0, 1).paragraphs[0]
    p.add_run("张")
    p._p.append(
        parse_xml(
            f'<w:sdt {nsdecls("w")}><w:sdtPr><w:tag w:val="customer"/></w:sdtPr>'
            "<w:sdtContent><w:r><w:t>三</w:t></w:r></w:sdtContent></w:sdt>"
        )
    )
    # a content control wrapping the whole cell
    row = t.rows[2]._tr
    value_tc = row.findall(qn("w:tc"))[1]
    wrapper = parse_xml(f'<w:sdt {nsdecls("w")}><w:sdtPr><w:tag w:val="phone"/></w:sdtPr><w:sdtContent/></w:sdt>')
    row.replace(value_tc, wrapper)
    wrapper.find(qn("w:sdtContent")).append(value_tc)
    fill_tc = value_tc.find(qn("w:p"))
    fill_tc.append(parse_xml(f"<w:r {nsdecls('w')}><w:t>13800138000</w:t></w:r>"))
    path = save(d, tmp_path / "sdt.docx")

    assert pairs(read_label_values(path)) == [
        ("客户姓名：", "张三"),
        ("投诉内容", "楼上漏水\n已三天"),
        ("联系电话", "13800138000"),
    ]
    assert read_tables(path)[0][2] == ["联系电话", "13800138000"]


def test_hyperlinks_fields_and_tracked_changes_read_as_shown(tmp_path):
    d = docx.Document()
    t = table(d, [["电子邮箱", ""], ["金额", ""]])
    t.cell(0, 1).paragraphs[0]._p.append(
        parse_xml(f"<w:hyperlink {nsdecls('w')}><w:r><w:t>kefu@example.com</w:t></w:r></w:hyperlink>")
    )
    t.cell(1, 1).paragraphs[0]._p.append(
        parse_xml(f'<w:ins {nsdecls("w")} w:id="1" w:author="a"><w:r><w:t>600</w:t></w:r></w:ins>')
    )
    t.cell(1, 1).paragraphs[0]._p.append(
        parse_xml(f'<w:del {nsdecls("w")} w:id="2" w:author="a"><w:r><w:delText>500</w:delText></w:r></w:del>')
    )
    path = save(d, tmp_path / "misc.docx")
    assert pairs(read_label_values(path)) == [("电子邮箱", "kefu@example.com"), ("金额", "600")]


def test_nested_tables(tmp_path):
    d = docx.Document()
    outer = table(d, [["客户姓名", "张三"], ["房屋信息", ""], ["接待人", "李四"]])
    inner_cell = outer.cell(1, 1)
    inner_cell.paragraphs[0].text = "见下表"
    inner = inner_cell.add_table(rows=2, cols=2)
    for tr, (label, value) in zip(inner.rows, [("楼栋", "3栋"), ("房号", "1502")]):
        tr.cells[0].text, tr.cells[1].text = label, value
    table(d, [["责任部门", "工程材料部"]])
    path = save(d, tmp_path / "nested.docx")

    values = read_label_values(path)
    assert pairs(values) == [
        ("客户姓名", "张三"),
        ("房屋信息", "见下表"),
        ("楼栋", "3栋"),
        ("房号", "1502"),
        ("接待人", "李四"),
        ("责任部门", "工程材料部"),
    ]
    assert [v.location for v in values] == [
        "表格1 第1行 第2列",
        "表格1 第2行 第2列",
        "表格2 第1行 第2列",
        "表格2 第2行 第2列",
        "表格1 第3行 第2列",
        "表格3 第1行 第2列",
    ]
    tables = read_tables(path)
    assert len(tables) == 3
    assert tables[0][1] == ["房屋信息", "见下表"]  # the nested table's text is not in the outer cell
    assert tables[1] == [["楼栋", "3栋"], ["房号", "1502"]]
    assert tables[2] == [["责任部门", "工程材料部"]]


def test_document_without_tables(tmp_path):
    d = docx.Document()
    d.add_paragraph("只有正文，没有表格。")
    path = save(d, tmp_path / "plain.docx")
    assert read_label_values(path) == []
    assert read_tables(path) == []


# ---------------------------------------------------------------------------------- find_fields


def test_find_fields_ignores_spacing_colons_asterisks_and_notes(complaint_form):
    found = find_fields(read_label_values(complaint_form), LABELS)
    assert {k: v.value for k, v in found.items()} == {
        "number": "KF-2026-00001",
        "received_at": "2026年11月26日 10:30",
        "customer": "张三",
        "phone": "13800138000",
        "project": "锦绣花园",
        "room": "",
        "content": "客厅渗水\n已持续一周",
    }
    assert "email" not in found
    assert found["phone"].label == "联系电话（必填）"
    assert found["number"].location == "表格1 第2行 第2列"


def test_find_fields_synonyms_first_match_and_exact_before_loose():
    values = [
        DocxValue("业主姓名", "王五", "表格1 第1行 第2列"),
        DocxValue("客户姓名", "张三", "表格1 第2行 第2列"),
        DocxValue("电话（座机）", "0571-1234567", "表格1 第3行 第2列"),
        DocxValue("电话（手机）", "13800138000", "表格1 第4行 第2列"),
        DocxValue(" 金 额 ( 元 ) ：", "600", "表格1 第5行 第2列"),
        DocxValue("ＥＭＡＩＬ", "a@b.c", "表格1 第6行 第2列"),
    ]
    found = find_fields(
        values,
        {
            "customer": ["客户姓名", "业主姓名"],  # the first value that matches any name wins
            "mobile": ["电话（手机）"],
            "landline": ["电话（座机）"],
            "amount": ["金额"],
            "email": ["Email", "电子邮箱"],
            "nothing": [],
        },
    )
    assert found["customer"].value == "王五"
    assert found["mobile"].value == "13800138000"
    assert found["landline"].value == "0571-1234567"
    assert found["amount"].value == "600"
    assert found["email"].value == "a@b.c"
    assert "nothing" not in found


def test_normalize_label():
    assert normalize_label("  客户\u3000姓名：") == "客户姓名"
    assert normalize_label("*联系电话:") == "联系电话"
    assert normalize_label("联系电话（必填）", drop_brackets=True) == "联系电话"
    assert normalize_label("【必填】金额(元)", drop_brackets=True) == "金额"
    assert normalize_label("《来电、来访登记表》编号", drop_brackets=True) == "《来电、来访登记表》编号"


def test_docx_value_equality_ignores_numeric_position():
    assert DocxValue("a", "b", "表格1 第1行 第2列", table=1, row=1, column=2) == DocxValue(
        "a", "b", "表格1 第1行 第2列"
    )


# ---------------------------------------------------------------------------- paragraph values


def test_paragraph_values(tmp_path):
    d = docx.Document()
    d.add_paragraph("客户投诉处理通知")
    d.add_paragraph("客户姓名：张三")
    d.add_paragraph("")
    d.add_paragraph("联系电话: 13800138000　　受理时间：2026年11月26日  10:30")
    d.add_paragraph("根据《客户服务管理程序》的规定，现通知如下：请于三日内处理。")
    table(d, [["房号：1502", "不是段落"]])
    p = d.add_paragraph("项目：锦绣花园")
    p.add_run().add_break()
    p.add_run("楼栋：3栋")
    path = save(d, tmp_path / "para.docx")

    values = read_paragraph_values(path)
    assert [(v.label, v.value, v.location) for v in values] == [
        ("客户姓名", "张三", "第2段"),
        ("联系电话", "13800138000", "第4段"),
        ("受理时间", "2026年11月26日 10:30", "第4段"),
        ("项目", "锦绣花园", "第6段"),
        ("楼栋", "3栋", "第6段"),
    ]
    assert find_fields(values, {"phone": ["联系电话"]})["phone"].value == "13800138000"


def test_paragraph_values_without_any(tmp_path):
    d = docx.Document()
    d.add_paragraph("没有标签。")
    assert read_paragraph_values(save(d, tmp_path / "none.docx")) == []


# ------------------------------------------------------------------------------ broken inputs


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, "加密"),
        (b"plain text, not a document", "不是有效的 Word"),
        (b"PK\x03\x04" + b"\0" * 100, "已损坏"),
    ],
)
def test_unreadable_files_give_a_chinese_message(tmp_path, content, expected):
    path = tmp_path / "bad.docx"
    path.write_bytes(content)
    for reader in (read_label_values, read_tables, read_paragraph_values):
        with pytest.raises(DocxReadError, match=expected):
            reader(path)


def test_macro_enabled_document_is_refused(tmp_path):
    import zipfile

    src = save(docx.Document(), tmp_path / "plain.docx")
    dst = tmp_path / "macro.docm"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml"
                ).replace(b"application/vnd.openxmlformats-officedocument.ms-word", b"application/vnd.ms-word")
            zout.writestr(item, data)
    with pytest.raises(DocxReadError, match="宏"):
        read_label_values(dst)


def test_missing_file(tmp_path):
    with pytest.raises(DocxReadError, match="无法打开"):
        read_tables(tmp_path / "nope.docx")


@pytest.mark.skipif(not POI_CORPUS.is_dir(), reason=f"POI corpus not found at {POI_CORPUS}")
def test_poi_corpus_never_crashes():
    files = [p for p in sorted(POI_CORPUS.rglob("*")) if p.suffix.lower() in (".docx", ".docm", ".dotx")]
    assert files
    for path in files:
        try:
            read_label_values(path)
            read_tables(path)
            read_paragraph_values(path)
        except DocxReadError as exc:
            assert str(exc)  # a clean, explained refusal


# ----------------------------------------------------------------------------- LibreOffice round trip


def test_form_resaved_by_libreoffice(complaint_form, tmp_path):
    resaved = soffice_resave(complaint_form, tmp_path / "lo")
    assert resaved.read_bytes() != complaint_form.read_bytes()
    assert pairs(read_label_values(resaved)) == pairs(read_label_values(complaint_form))
    found = find_fields(read_label_values(resaved), LABELS)
    assert found["content"].value == "客厅渗水\n已持续一周"
    assert found["customer"].location == "表格1 第3行 第2列"


def test_content_control_text_multiplied_by_libreoffice_is_repaired(tmp_path):
    d = docx.Document()
    t = table(d, [["投诉内容", ""], ["客户姓名", ""]])
    clear_cell(t.cell(0, 1))
    t.cell(0, 1)._tc.append(
        parse_xml(
            f'<w:sdt {nsdecls("w")}><w:sdtPr><w:tag w:val="content"/></w:sdtPr><w:sdtContent>'
            '<w:p><w:r><w:t xml:space="preserve">客厅天花板渗水 abc 已一周</w:t></w:r></w:p>'
            "<w:p><w:r><w:t>第二段</w:t></w:r></w:p></w:sdtContent></w:sdt>"
        )
    )
    t.cell(1, 1).paragraphs[0]._p.append(
        parse_xml(
            f'<w:sdt {nsdecls("w")}><w:sdtPr><w:tag w:val="customer"/></w:sdtPr>'
            "<w:sdtContent><w:r><w:t>张三丰</w:t></w:r></w:sdtContent></w:sdt>"
        )
    )
    path = save(d, tmp_path / "sdt.docx")
    resaved = soffice_resave(path, tmp_path / "lo")
    # LibreOffice 7.4 turns the block content control into FILLIN fields and repeats the text
    xml = subprocess.run(["unzip", "-p", str(resaved), "word/document.xml"], capture_output=True).stdout
    if b"FILLIN" not in xml:
        pytest.skip("this LibreOffice keeps content controls; nothing to repair")
    assert pairs(read_label_values(resaved)) == [
        ("投诉内容", "客厅天花板渗水 abc 已一周\n第二段"),
        ("客户姓名", "张三丰"),
    ]


def test_fillin_repair_is_narrow(tmp_path):
    """Only paragraphs with two or more identical ``FILLIN ""`` results are collapsed."""

    def fillin(result: str, instr: str = ' FILLIN ""') -> str:
        return (
            f'<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve">{instr}'
            f'</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            f'<w:r><w:t>{result}</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>'
        )

    d = docx.Document()
    t = table(d, [["甲", ""], ["乙", ""], ["丙", ""]])
    for row, body in enumerate(
        [
            fillin("漏水") + "<w:r><w:t>漏</w:t></w:r>" + fillin("漏水"),  # LibreOffice's pattern
            fillin("一") + fillin("二"),  # different results: untouched
            fillin("页码", " PAGE ") + fillin("页码", " PAGE "),  # other fields: untouched
        ]
    ):
        p = t.cell(row, 1).paragraphs[0]._p
        for r in parse_xml(f"<w:p {nsdecls('w')}>{body}</w:p>"):
            p.append(r)
    path = save(d, tmp_path / "fillin.docx")
    assert [v.value for v in read_label_values(path)] == ["漏水", "一二", "页码页码"]
