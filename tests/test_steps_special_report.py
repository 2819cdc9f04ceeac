"""《专题报告》 of a major or difficult complaint (CS-3.10.6, issue 11 item 6): a Word draft pre-filled from the
ledger, completed by 客户服务部 (原因分析, 处理意见与建议) and dropped back, recorded on the case and filed as
PDF/A-3b with the Word original attached."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import docx
import pikepdf
import pytest

from docgen import pipeline
from docgen.cli import main
from docgen.events import CASE_SPECIAL_REPORT
from docgen.office.docx_form import read_form
from docgen.render import build_templates
from docgen.reports.dossier import write_dossier, write_special_draft
from docgen.steps import FORMS
from docgen.wording import chinese_date
from tests.conftest import freeze_ledger_clock, register_line, write_register
from tests.docx_helpers import all_text, assert_built_as_committed, visible

DAY = date(2026, 11, 27)
CST = timezone(timedelta(hours=8))
ANALYSIS = "车位规划变更后未及时告知业主。\n销售人员口头承诺与合同约定不一致。"
MEASURES = "经营销售部于12月4日前书面答复交付日期；\n按合同约定赔偿，报总经理审定。"

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed")


@pytest.fixture
def major(ws, ledger, monkeypatch):
    """A major sales complaint registered on 26 November (stamped then, so the history does not depend on
    the day the tests run)."""
    freeze_ledger_clock(monkeypatch, datetime(2026, 11, 26, 10, 0, tzinfo=CST))
    line = register_line(major=True, category="销售服务", content="合同约定的车位未交付")
    outcome = pipeline.process_file(ws, ledger, write_register(ws.intake, [line]), date(2026, 11, 26))
    [number] = outcome.case_ids
    return number


def cells_by_label(document) -> dict[str, object]:
    """label → value cell of every label/value pair in the document's tables (merged cells once)."""
    found = {}
    for table in document.tables:
        for row in table.rows:
            cells = list({id(c._tc): c for c in row.cells}.values())
            for label, value in zip(cells[::2], cells[1::2]):
                found.setdefault(visible(label.text), value)
    return found


def complete(path: Path, values: dict[str, str], name: str = "专题报告-定稿.docx") -> Path:
    """客户服务部 completes the draft in Word: the value cells of the given labels."""
    document = docx.Document(str(path))
    cells = cells_by_label(document)
    for label, value in values.items():
        cells[label].text = value
    out = path.parent.parent.parent / "intake" / name
    document.save(str(out))
    return out


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


# ----------------------------------------------------------------------------------------- the draft


def test_template_is_built_reproducibly_and_listed(tmp_path):
    assert (
        build_templates.TEMPLATES.keys() >= build_templates.SPECIAL_REPORT_TEMPLATES.keys() == {"special_report.docx"}
    )
    assert_built_as_committed(build_templates.SPECIAL_REPORT_TEMPLATES, tmp_path)


def test_report_special_writes_a_word_draft_with_the_case_and_the_two_sections_to_write(ws, ledger, major, capsys):
    # WHEN 客户服务部 asks for the 专题报告 of the major complaint
    code = main(["--workspace", str(ws.root), "report", "special", major, "--json"])
    [output] = json.loads(capsys.readouterr().out)["outputs"]
    # THEN a Word draft beside the case's documents
    assert code == 0 and output == f"outbox/{major}/98-专题报告-{major}.docx"
    path = ws.root / output
    text = visible(all_text(path))
    # pre-filled with the case's facts, history and deadlines (CS-3.10.6 "专题报告")
    for expected in (
        f"关于{major}投诉的专题报告",
        "合同约定的车位未交付",
        "王建国",
        "登记受理",
        "上报重大投诉",
        "CS-3.4.7",
        "CS-3.4.2.2",
        "本案处理过程中未发现违反程序的情况。",
        "六、原因分析",
        "七、处理意见与建议",
    ):
        assert expected in text, expected
    # a label/value table that makes it a form: 表单编号, 版本, the case, the date; the sections left empty
    cells = cells_by_label(docx.Document(str(path)))
    assert visible(cells["表单编号"].text) == "CS-SPECIAL" and visible(cells["版本"].text) == "1"
    assert visible(cells["登记编号"].text) == major and visible(cells["报告日期"].text) == chinese_date(ws.today())
    assert cells["原因分析"].text == "" and cells["处理意见与建议"].text == "" and cells["报告人"].text == ""
    # AND it reads back as the form CS-SPECIAL
    raw = read_form(path, FORMS)
    assert raw is not None and raw.form_id == "CS-SPECIAL" and raw.version == 1
    assert visible(raw.header["case_number"].value) == major


def test_the_draft_of_an_unknown_case_is_refused(ws, ledger, major):
    assert main(["--workspace", str(ws.root), "report", "special", "KF-2026-09999"]) == 2
    with pytest.raises(LookupError):
        write_special_draft(ws, ledger, "KF-2026-09999")


# ---------------------------------------------------------------------------------------- drop back


def test_a_draft_dropped_back_without_its_sections_is_sent_back_naming_each_empty_cell(ws, ledger, major):
    draft = write_special_draft(ws, ledger, major, issued_on=DAY)
    dropped = complete(draft, {"报告人": "林晓"})
    outcome = pipeline.process_file(ws, ledger, dropped, DAY)
    assert outcome.status == "rejected"
    errors = {f.field: f for f in outcome.findings if f.severity == "error"}
    assert set(errors) == {"analysis", "measures"}
    for key, title in (("analysis", "原因分析"), ("measures", "处理意见与建议")):
        assert title in errors[key].message and errors[key].clause == "CS-3.10.6"
        assert errors[key].location.endswith("第1行 第2列"), errors[key].location  # the cell to write in
    assert ledger.events(kind=CASE_SPECIAL_REPORT) == []


def test_one_section_left_empty_is_named_alone(ws, ledger, major):
    draft = write_special_draft(ws, ledger, major, issued_on=DAY)
    outcome = pipeline.process_file(ws, ledger, complete(draft, {"原因分析": ANALYSIS}), DAY)
    assert outcome.status == "rejected"
    assert [f.field for f in outcome.findings if f.severity == "error"] == ["measures"]


def test_a_report_on_a_case_not_in_the_ledger_is_sent_back(ws, ledger, major):
    draft = write_special_draft(ws, ledger, major, issued_on=DAY)
    values = {"登记编号": "KF-2026-09999", "原因分析": ANALYSIS, "处理意见与建议": MEASURES}
    outcome = pipeline.process_file(ws, ledger, complete(draft, values), DAY)
    assert outcome.status == "rejected"
    [problem] = [f for f in outcome.findings if f.severity == "error"]
    assert problem.field == "case_number" and "KF-2026-09999" in problem.message and "表格1" in problem.location
    assert ledger.events(kind=CASE_SPECIAL_REPORT) == []


@needs_poppler
def test_the_completed_report_is_recorded_and_filed_as_pdfa_with_the_word_original(ws, ledger, major):
    draft = write_special_draft(ws, ledger, major, issued_on=DAY)
    dropped = complete(draft, {"原因分析": ANALYSIS, "处理意见与建议": MEASURES, "报告人": "林晓"})
    outcome = pipeline.process_file(ws, ledger, dropped, DAY)
    assert outcome.status == "accepted", outcome.findings
    assert outcome.form == "CS-SPECIAL" and outcome.case_ids == [major]
    # recorded on the case, the sections as written
    [event] = ledger.events(case_id=major, kind=CASE_SPECIAL_REPORT)
    assert event.payload["analysis"] == ANALYSIS and event.payload["measures"] == MEASURES
    assert event.payload["reporter"] == "林晓" and event.payload["report_date"] == "2026-11-27"
    # filed as PDF/A-3b beside the draft, the Word original and the register inside
    [filed] = [o for o in outcome.outputs if o.endswith(".pdf")]
    assert filed.startswith(f"outbox/{major}/98-专题报告-{major}-2026-11-27-")
    with pikepdf.open(ws.root / filed) as pdf:
        with pdf.open_metadata() as meta:
            assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "B"
        files = pdf.attachments
        assert sorted(files) == ["source-01-register.xlsx", "special-report-original.docx"]
        original = files["special-report-original.docx"]
        assert str(original.obj.AFRelationship) == "/Source" and dropped.name in original.description
        assert original.get_file().read_bytes() == next(ws.archive.rglob("*.docx")).read_bytes()
    text = pdf_text(ws.root / filed)
    flat = "".join(text.split())
    for line in ANALYSIS.splitlines() + MEASURES.splitlines():
        assert line in flat, line
    assert f"关于{major}投诉的专题报告" in flat and "报告人：林晓" in flat and "2026年11月27日" in flat
    assert "（由客户服务部填写" not in flat  # the hints and ruled lines give way to what was written
    assert "第六、七部分由客户服务部填写" in flat


@needs_poppler
def test_a_report_sent_again_is_a_correction_filed_beside_the_first(ws, ledger, major):
    draft = write_special_draft(ws, ledger, major, issued_on=DAY)
    first = complete(draft, {"原因分析": ANALYSIS, "处理意见与建议": MEASURES})
    assert pipeline.process_file(ws, ledger, first, DAY).status == "accepted"
    second = complete(
        draft, {"原因分析": ANALYSIS, "处理意见与建议": "另拟：协商置换车位。"}, name="专题报告-更正.docx"
    )
    outcome = pipeline.process_file(ws, ledger, second, DAY)
    assert outcome.status == "accepted_with_findings"
    assert any("更正" in f.message for f in outcome.findings if f.severity == "warning")
    events = ledger.events(case_id=major, kind=CASE_SPECIAL_REPORT)
    assert [e.payload["measures"] for e in events] == [MEASURES, "另拟：协商置换车位。"]
    assert len(list((ws.outbox / major).glob("98-专题报告-*-2026-11-27-*.pdf"))) == 2


@needs_poppler
def test_the_case_dossier_tells_the_report_and_attaches_it(ws, ledger, major):
    draft = write_special_draft(ws, ledger, major, issued_on=DAY)
    dropped = complete(draft, {"原因分析": ANALYSIS, "处理意见与建议": MEASURES, "报告人": "林晓"})
    assert pipeline.process_file(ws, ledger, dropped, DAY).status == "accepted"
    path = write_dossier(ws, ledger, major, issued_on=DAY)
    flat = "".join(pdf_text(path).split())
    # (short tokens: pdftotext reads a table row line by line, so a wrapped cell interleaves)
    steps = flat[flat.index("二、处理经过") : flat.index("三、办理时限")]
    assert "专题报告" in steps and "报告人" in steps and "林晓" in steps and "车位规划" in steps
    with pikepdf.open(path) as pdf:
        assert "source-02-special-report.docx" in pdf.attachments
