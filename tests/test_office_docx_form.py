"""docgen.office.docx_form: a docgen form typed in Word, read by label (docs/design.md §3, Word forms)."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from pathlib import Path

import docx
import pytest

from docgen.forms.base import validate
from docgen.office.docx_form import read_form
from docgen.steps import FORMS

REGISTER = FORMS["CS-REG"]
SURVEY = FORMS["CS-SURVEY"]
TODAY = date(2026, 11, 26)

REGISTER_TITLES = [
    "受理日期",
    "受理时间",
    "来源渠道",
    "客户姓名",
    "联系电话",
    "项目/小区",
    "楼栋",
    "房号",
    "投诉/来访内容",
    "投诉类别",
    "是否重大投诉",
    "接待人",
]
REGISTER_ROWS = [
    [
        "2026年11月3日",
        "9:30",
        "电话",
        "王建国",
        "138 0013 8000",
        "融侨锦江",
        "3",
        "1502",
        "卫生间地漏返水",
        "报修",
        "否",
        "林晓",
    ],
    [
        "2026/11/4",
        "下午2点",
        "来访",
        "李梅",
        "0591-87654321",
        "融侨锦江",
        "5",
        "201",
        "外墙渗水",
        "施工质量",
        "是",
        "陈思",
    ],
]


def add_table(document, rows: list[list[str]]):
    table = document.add_table(rows=len(rows), cols=max(len(r) for r in rows))
    for tr, values in zip(table.rows, rows):
        for cell, value in zip(tr.cells, values):
            cell.text = value
    return table


def word_register(path: Path, titles=REGISTER_TITLES, rows=REGISTER_ROWS, *, header_line: str | None = None) -> Path:
    document = docx.Document()
    document.add_paragraph("来电、来访登记表")
    if header_line:
        document.add_paragraph(header_line)
    add_table(document, [titles, *rows, [""] * len(titles)])  # and an empty last row, as Word tables have
    document.save(str(path))
    return path


def test_register_typed_in_word_is_read_into_lines(tmp_path):
    # GIVEN a register typed in Word: a title paragraph and a table headed by the column titles
    path = word_register(tmp_path / "登记表.docx", header_line="受理单位：融侨客户服务处\t资料员：林晓")
    # WHEN it is read
    raw = read_form(path, FORMS)
    # THEN it is the register, with one RawForm line per filled row, keyed by field and located
    assert (raw.form_id, raw.source_kind, raw.notes) == ("CS-REG", "docx", [])
    assert raw.line_numbers == [2, 3]
    assert len(raw.lines) == 2
    keys = [REGISTER.line_fields[[s.title for s in REGISTER.line_fields].index(t)].key for t in REGISTER_TITLES]
    for line, row, number in zip(raw.lines, REGISTER_ROWS, raw.line_numbers):
        assert {key: line[key].value for key in keys} == dict(zip(keys, row))
        assert set(line) == set(keys)  # columns the table does not have are not invented
        assert line["customer"].location == f"表格1 第{number}行 第4列"
    assert {key: raw.header[key].value for key in raw.header} == {"office": "融侨客户服务处", "clerk": "林晓"}


def test_register_typed_in_word_validates_like_the_workbook(tmp_path):
    raw = read_form(word_register(tmp_path / "登记表.docx"), FORMS)
    parsed, findings = validate(REGISTER, raw, today=TODAY)
    assert findings == []
    first, second = (line.model_dump() for line in parsed.lines)
    assert (
        first
        | {
            "received_date": date(2026, 11, 3),
            "received_time": time(9, 30),
            "channel": "来电",
            "phone": "13800138000",
            "category": "维修",
            "major": False,
        }
        == first
    )
    assert (
        second
        | {
            "received_date": date(2026, 11, 4),
            "received_time": time(14, 0),
            "channel": "来访",
            "phone": "0591-87654321",
            "category": "施工质量",
            "major": True,
        }
        == second
    )


def test_register_with_older_column_titles_is_read_by_synonyms(tmp_path):
    # GIVEN an office's own register whose columns go by other names, in another order
    titles = ["日期", "姓名", "电话", "来源", "项目", "投诉内容", "类别", "接待人员"]
    rows = [["11月3日", "王建国", "１３８００１３８０００", "热线", "融侨锦江", "地漏返水", "维修", "林晓"]]
    raw = read_form(word_register(tmp_path / "旧登记表.docx", titles, rows), FORMS)
    # THEN each column is matched to its field
    assert [{k: r.value for k, r in line.items()} for line in raw.lines] == [
        {
            "received_date": "11月3日",
            "customer": "王建国",
            "phone": "１３８００１３８０００",
            "channel": "热线",
            "project": "融侨锦江",
            "content": "地漏返水",
            "category": "维修",
            "receiver": "林晓",
        }
    ]
    parsed, findings = validate(REGISTER, raw, today=TODAY)
    assert findings == []
    assert parsed.lines[0].phone == "13800138000" and parsed.lines[0].channel == "来电"


def test_wrong_cell_in_a_word_register_is_located_by_table_row_and_column(tmp_path):
    rows = [REGISTER_ROWS[0][:4] + ["1380013800"] + REGISTER_ROWS[0][5:]]
    parsed, findings = validate(REGISTER, read_form(word_register(tmp_path / "r.docx", rows=rows), FORMS), today=TODAY)
    assert parsed is None
    assert [(f.severity, f.field, f.location) for f in findings] == [("error", "lines.phone", "表格1 第2行 第5列")]


def test_register_without_its_table_header_is_an_error(tmp_path):
    document = docx.Document()
    document.add_paragraph("来电、来访登记表")
    add_table(document, [["张三", "138"], ["李四", "139"]])
    document.save(str(tmp_path / "r.docx"))
    raw = read_form(tmp_path / "r.docx", FORMS)
    assert raw.form_id == "CS-REG" and raw.lines == []
    assert [(f.severity, f.field) for f in raw.notes] == [("error", "lines")]


SURVEY_PAIRS = [
    ("登记编号", "KF-2026-00001"),
    ("客户姓名", "王建国"),
    ("联系电话", "138-0013-8000"),
    ("勘察日期", "2026年11月24日"),
    ("勘察时间", "14:30"),
    ("预估金额（元）", "1,200.50"),
    ("责任方", "施工单位"),
    ("维修类型", "单工种"),
    ("是否在保修期内", "是"),
    ("维修单位", "客户服务维修队"),
    ("勘察意见", "地漏返水，需更换地漏及防水层"),
]


def word_survey(path: Path, pairs=SURVEY_PAIRS) -> Path:
    document = docx.Document()
    document.add_paragraph("现场勘察会签表")
    add_table(document, [list(pair) for pair in pairs])
    document.save(str(path))
    return path


def test_site_survey_typed_as_label_value_table_is_read_by_label(tmp_path):
    # GIVEN a site survey typed in Word as a two-column label/value table
    raw = read_form(word_survey(tmp_path / "勘察.docx"), FORMS)
    # WHEN it is read THEN every value is found by its label, with the value cell's location
    assert (raw.form_id, raw.lines, raw.notes) == ("CS-SURVEY", [], [])
    by_title = {spec.title: spec.key for spec in SURVEY.header_fields}
    assert {key: raw.header[key].value for key in raw.header} == {by_title[t]: v for t, v in SURVEY_PAIRS}
    assert raw.header["survey_date"].location == "表格1 第4行 第2列"
    parsed, findings = validate(SURVEY, raw, today=TODAY)
    assert findings == []
    survey = parsed.header
    assert (survey.case_number, survey.phone, survey.survey_date, survey.survey_time) == (
        "KF-2026-00001",
        "13800138000",
        date(2026, 11, 24),
        time(14, 30),
    )
    assert (survey.estimate, survey.responsible_party, survey.in_warranty) == (Decimal("1200.50"), "施工单位", True)


def test_site_survey_labels_with_synonyms_colons_and_spaces(tmp_path):
    pairs = [
        ("统一编号：", "KF-2026-00002"),
        ("勘 察 日 期", "2026-11-25"),
        ("预估金额(元)", "800元"),
        ("责任方*", "物业"),
        ("维修类型", "单工种"),
        ("是否在保修期内", "否"),
        ("维修单位", "客户服务维修队"),
    ]
    raw = read_form(word_survey(tmp_path / "s.docx", pairs), FORMS)
    parsed, findings = validate(SURVEY, raw, today=TODAY)
    assert findings == []
    assert parsed.header.case_number == "KF-2026-00002"
    assert parsed.header.survey_date == date(2026, 11, 25)
    assert parsed.header.estimate == Decimal("800.00")


def test_site_survey_missing_a_required_label_is_reported(tmp_path):
    pairs = [pair for pair in SURVEY_PAIRS if pair[0] != "勘察日期"]
    raw = read_form(word_survey(tmp_path / "s.docx", pairs), FORMS)
    assert [(f.severity, f.field) for f in raw.notes] == [("error", "survey_date")]
    parsed, findings = validate(SURVEY, raw, today=TODAY)
    assert parsed is None and "勘察日期" in findings[0].message


@pytest.mark.parametrize("title", ["工作总结", ""])
def test_a_document_that_is_no_form_is_not_recognised(tmp_path, title):
    document = docx.Document()
    document.add_paragraph(title)
    add_table(document, [["姓名", "张三"]])
    document.save(str(tmp_path / "x.docx"))
    assert read_form(tmp_path / "x.docx", FORMS) is None


def test_a_further_table_is_read_by_its_own_titles_wherever_it_stands(tmp_path):
    # GIVEN minutes typed in Word: the review of earlier decisions (columns in another order) before the
    # decisions table, each with a blank row
    document = docx.Document()
    document.add_paragraph("会议纪要")
    add_table(
        document,
        [
            ["会议类型", "服务处主任例会", "会议日期", "2026-12-04"],
            ["主持人", "陈主任", "记录人", "林晓"],
            ["参会人员", "各服务处主任", "", ""],
        ],
    )
    add_table(
        document,
        [
            ["完成日期", "事项编号", "原决定事项", "完成情况（已完成/未完成）"],
            ["2026-12-01", "action-7", "复查", "已完成"],
            ["", "", "", ""],
        ],
    )
    add_table(
        document,
        [["决定事项", "责任人", "完成期限", "登记编号"], ["报送周报", "各服务处", "2026-12-07", ""], ["", "", "", ""]],
    )
    path = tmp_path / "会议纪要.docx"
    document.save(str(path))
    # WHEN it is read
    raw = read_form(path, FORMS)
    # THEN the decisions are the lines, and the review is the further table, each cell located
    assert raw.form_id == "CS-MINUTES" and [line["text"].value for line in raw.lines] == ["报送周报"]
    [(row, review)] = raw.tables["review"]
    assert row == 2 and {k: v.value for k, v in review.items()} == {
        "action": "action-7",
        "status": "已完成",
        "done_on": "2026-12-01",
    }
    assert review["done_on"].location == "表格2 第2行 第1列"
    # AND validated, the review row is parsed like any line
    parsed, findings = validate(FORMS["CS-MINUTES"], raw, today=date(2026, 12, 4))
    assert findings == [] and [(r.action, r.status, r.done_on) for r, _, _ in parsed.tables["review"]] == [
        ("action-7", "已完成", date(2026, 12, 1))
    ]


def test_a_form_without_its_further_table_reads_as_none_there(tmp_path):
    document = docx.Document()
    document.add_paragraph("会议纪要")
    add_table(document, [["决定事项", "责任人", "完成期限", "登记编号"], ["报送周报", "各服务处", "2026-12-07", ""]])
    path = tmp_path / "会议纪要.docx"
    document.save(str(path))
    raw = read_form(path, FORMS)
    assert raw.tables == {"review": []} and len(raw.lines) == 1
