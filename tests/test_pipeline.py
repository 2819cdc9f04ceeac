"""The intake loop end to end, in-process: a dropped register becomes numbered cases and documents."""

from __future__ import annotations

import json
import os
from datetime import date, time
from pathlib import Path

import openpyxl
from docx import Document

from docgen import pipeline
from docgen.cases import all_cases
from docgen.forms import FORMS
from docgen.office.xlsx import read_form
from docgen.forms.base import validate
from tests.conftest import TODAY, register_line, write_register


def docx_text(path: Path) -> str:
    document = Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def process(ws, ledger, path, today=TODAY):
    return pipeline.process_file(ws, ledger, path, today)


def test_register_becomes_numbered_cases_with_their_next_documents(ws, ledger):
    # GIVEN a register with a repair, a major sales complaint and a property complaint
    path = write_register(ws.intake, [
        register_line(),
        register_line(customer="李秀英", phone="13900139000", category="销售服务", major=True,
                      content="车位优惠未兑现", channel="经营销售部转交"),
        register_line(customer="张伟", phone="0591-87654321", category="物业服务", content="车库照明损坏"),
    ])
    # WHEN it is processed
    outcome = process(ws, ledger, path)
    # THEN three cases are numbered in order and each gets what the procedure asks for
    assert outcome.status == "accepted", outcome.findings
    assert outcome.case_ids == ["KF-2026-00001", "KF-2026-00002", "KF-2026-00003"]
    outputs = set(outcome.outputs)
    assert "outbox/KF-2026-00001/01-现场勘察会签表.xlsx" in outputs  # repair → site survey (CS-3.4.5)
    assert "outbox/KF-2026-00002/02-重大投诉上报单.docx" in outputs  # major → GM and deputy GM (CS-3.4.7)
    assert not any(o.startswith("outbox/KF-2026-00003/") for o in outputs)
    dispatch = sorted(o for o in outputs if o.startswith("outbox/dispatch/"))
    assert [Path(o).name.split("-")[0] for o in dispatch] == ["客户服务部", "物业公司", "经营销售部"]
    escalation = docx_text(ws.root / "outbox/KF-2026-00002/02-重大投诉上报单.docx")
    assert "总经理、副总经理" in escalation and "KF-2026-00002" in escalation and "车位优惠未兑现" in escalation
    assert not (ws.intake / path.name).exists()
    assert len(list(ws.archive.rglob("*.xlsx"))) == 1


def test_dispatch_list_names_the_feedback_deadline_of_cs_3_4_2_2(ws, ledger):
    # GIVEN a complaint received Monday 2026-11-23 10:00: 3 working days → Thursday 11-26
    outcome = process(ws, ledger, write_register(ws.intake, [register_line(category="施工质量")]))
    dispatch = next(o for o in outcome.outputs if o.startswith("outbox/dispatch/"))
    text = docx_text(ws.root / dispatch)
    assert "工程材料部" in text and "2026年11月26日" in text and "（暂定）" not in text


def test_returned_register_has_numbers_and_is_itself_a_valid_register(ws, ledger):
    outcome = process(ws, ledger, write_register(ws.intake, [register_line(), register_line(customer="赵敏")]))
    returned = ws.root / next(o for o in outcome.outputs if o.startswith("outbox/registers/"))
    raw = read_form(returned)
    parsed, findings = validate(FORMS["CS-REG"], raw, today=TODAY)
    assert not [f for f in findings if f.severity == "error"]
    assert [line.number for line in parsed.lines] == ["KF-2026-00001", "KF-2026-00002"]
    assert [line.department for line in parsed.lines] == ["客户服务部", "客户服务部"]


def test_resubmitted_register_adds_progress_instead_of_new_cases(ws, ledger):
    # GIVEN a registered complaint whose returned register comes back with progress noted (CS-3.4.4)
    first = process(ws, ledger, write_register(ws.intake, [register_line()]))
    line = register_line(number=first.case_ids[0], progress="已联系业主，约定周五上门")
    # WHEN it is dropped again
    again = process(ws, ledger, write_register(ws.intake, [line]))
    # THEN no new case is opened, and the progress is recorded on the existing one
    assert again.status == "accepted" and again.case_ids == first.case_ids
    kinds = [e.kind for e in ledger.events(case_id=first.case_ids[0])]
    assert kinds.count("case.registered") == 1 and "case.progress" in kinds


def test_number_already_present_is_kept_and_allocation_continues_above_it(ws, ledger):
    outcome = process(ws, ledger, write_register(ws.intake, [register_line(number="KF-2026-00050"),
                                                             register_line(customer="陈静")]))
    assert outcome.case_ids == ["KF-2026-00050", "KF-2026-00051"]


def test_number_of_another_complaint_is_a_clash_on_its_cell(ws, ledger):
    first = process(ws, ledger, write_register(ws.intake, [register_line()]))
    clash = write_register(ws.intake, [register_line(number=first.case_ids[0], customer="另一位客户",
                                                     phone="13700137000")])
    outcome = process(ws, ledger, clash)
    assert outcome.status == "rejected"
    [finding] = [f for f in outcome.findings if f.field == "lines.number"]
    assert finding.clause == "CS-3.4.3" and "另一件投诉" in finding.message
    assert finding.location.endswith("!A6")
    assert len(all_cases(ledger)) == 1


def test_rejected_register_records_nothing_and_explains_itself(ws, ledger):
    # GIVEN a register with a bad phone number and an ambiguous date
    path = write_register(ws.intake, [register_line(phone="1380013800"), register_line(received_date="11/3")],
                          name="错误的登记表.xlsx")
    outcome = process(ws, ledger, path)
    assert outcome.status == "rejected"
    assert {f.location for f in outcome.findings} == {"登记表!F6", "登记表!B7"}
    assert all_cases(ledger) == []
    folder = ws.rejected / f"错误的登记表-{outcome.sha256[:8]}"
    explanation = (folder / "说明.txt").read_text(encoding="utf-8")
    assert "登记表!F6" in explanation and "11位手机号" in explanation and "均未登记" in explanation
    marked = openpyxl.load_workbook(folder / "标注-错误的登记表.xlsx")
    assert "不是有效的电话号码" in marked["登记表"]["F6"].comment.text
    assert marked["登记表"]["F6"].fill.fgColor.rgb.endswith("FFC7CE")
    assert (folder / "原件-错误的登记表.xlsx").read_bytes() == next(ws.archive.rglob("*.xlsx")).read_bytes()


def test_same_bytes_twice_is_a_duplicate_kept_aside(ws, ledger):
    path = write_register(ws.intake, [register_line()], name="a.xlsx")
    copy = ws.intake / "b.xlsx"
    copy.write_bytes(path.read_bytes())
    first, second = process(ws, ledger, path), process(ws, ledger, copy)
    assert first.status == "accepted" and second.status == "duplicate"
    assert second.case_ids == first.case_ids and [Path(o).parent.parent.name for o in second.outputs] == ["receipts"]
    assert len(all_cases(ledger)) == 1
    assert sorted(p.name.split("-", 4)[-1] for p in ws.archive.rglob("*.xlsx")) == ["a.xlsx", "b.xlsx"]


def test_complaint_received_on_30_december_gets_a_provisional_deadline_that_says_so(ws, ledger):
    # GIVEN a repair received 2026-12-30: its 3-working-day feedback runs into 2027, not yet published
    path = write_register(ws.intake, [register_line(received_date=date(2026, 12, 30), received_time=time(16, 0),
                                                    major=True)])
    outcome = process(ws, ledger, path, today=date(2026, 12, 31))
    assert outcome.status == "accepted"
    [case] = all_cases(ledger)
    feedback = next(d for d in case.deadlines if d.key == "feedback")
    assert feedback.provisional and feedback.due == date(2027, 1, 4)
    # THEN every document says so
    survey = openpyxl.load_workbook(ws.root / f"outbox/{case.number}/01-现场勘察会签表.xlsx")
    assert all(d.provisional is False for d in case.deadlines if d.key == "survey")  # 12-31 is in 2026
    escalation = docx_text(ws.root / f"outbox/{case.number}/02-重大投诉上报单.docx")
    assert "2027年1月4日（暂定）" in escalation and "暂按周末推算" in escalation
    dispatch = docx_text(ws.root / next(o for o in outcome.outputs if "dispatch" in o))
    assert "（暂定）" in dispatch
    returned = openpyxl.load_workbook(ws.root / next(o for o in outcome.outputs if "registers" in o))
    assert returned["登记表"]["O6"].value == "2027年1月4日（暂定）"
    sheet, cell = next(iter(survey.defined_names["survey_due"].destinations))
    assert survey[sheet][cell.replace("$", "")].value == "2026年12月31日前（CS-3.4.5）"


def test_emitted_site_survey_is_a_valid_intake_form(ws, ledger):
    # GIVEN the pre-filled survey docgen emitted for a repair case, completed on site through its names
    outcome = process(ws, ledger, write_register(ws.intake, [register_line()]))
    emitted = ws.root / f"outbox/{outcome.case_ids[0]}/01-现场勘察会签表.xlsx"
    workbook = openpyxl.load_workbook(emitted)
    for key, value in {"survey_date": date(2026, 11, 24), "estimate": "1,200.50", "responsible_party": "施工单位",
                       "work_kind": "单工种", "in_warranty": "是", "repairer": "客户服务维修队",
                       "contractor": "闽建一公司", "sign_service": "林晓", "sign_engineering": "陈工", "sign_team_leader": "郑队长",
                       "sign_contractor": "某建设公司 王工"}.items():
        sheet, cell = next(iter(workbook.defined_names[key].destinations))
        workbook[sheet][cell.replace("$", "")] = value
    filled = ws.intake / "勘察表-已填.xlsx"
    workbook.save(filled)
    # WHEN it is dropped back
    survey = process(ws, ledger, filled)
    # THEN it is accepted against its case and meets the survey deadline
    assert survey.status == "accepted", survey.findings
    assert survey.case_ids == outcome.case_ids
    [case] = all_cases(ledger)
    assert next(d for d in case.deadlines if d.key == "survey").met_on == date(2026, 11, 24)


def test_blank_survey_is_rejected_naming_each_missing_cell(ws, ledger):
    outcome = process(ws, ledger, write_register(ws.intake, [register_line()]))
    emitted = ws.root / f"outbox/{outcome.case_ids[0]}/01-现场勘察会签表.xlsx"
    copy = ws.intake / "勘察表-未填.xlsx"
    copy.write_bytes(emitted.read_bytes())
    rejected = process(ws, ledger, copy)
    assert rejected.status == "rejected"
    assert {f.field for f in rejected.findings} >= {"survey_date", "estimate", "work_kind", "repairer"}
    assert all(f.location and "!" in f.location for f in rejected.findings)


def test_json_outcome_has_exactly_the_contract_keys(ws, ledger):
    outcome = process(ws, ledger, write_register(ws.intake, [register_line(phone="bad")]))
    data = json.loads(json.dumps(outcome.as_json(), ensure_ascii=False))
    assert list(data) == ["file", "sha256", "form", "form_version", "status", "case_ids", "findings", "outputs"]
    assert list(data["findings"][0]) == ["severity", "clause", "field", "location", "message"]
    assert data["form"] == "CS-REG" and data["form_version"] == 1 and len(data["sha256"]) == 64


def test_crash_after_commit_is_finished_on_restart(ws, ledger):
    # GIVEN a file claimed and committed, but the process died before writing any document
    record = pipeline.claim(ws, write_register(ws.intake, [register_line()]))
    pipeline.decide(ws, ledger, record, TODAY)
    assert not (ws.outbox / "KF-2026-00001").exists()
    # WHEN docgen starts again
    [outcome] = pipeline.recover(ws, ledger)
    # THEN the documents are written from the ledger, once, and the spool is empty
    assert outcome.case_ids == ["KF-2026-00001"]
    assert (ws.outbox / "KF-2026-00001/01-现场勘察会签表.xlsx").exists()
    assert list(ws.spool.iterdir()) == []
    assert len(ledger.submissions()) == 1


def test_crash_before_commit_is_redone_from_the_spool(ws, ledger):
    # GIVEN a file claimed (original already in archive/) but never examined
    record = pipeline.claim(ws, write_register(ws.intake, [register_line()]))
    assert list(ws.intake.iterdir()) == []
    [outcome] = pipeline.recover(ws, ledger)
    assert outcome.status == "accepted" and outcome.sha256 == record.sha256
    assert pipeline.recover(ws, ledger) == []


def test_crash_between_spool_copy_and_archive_move_leaves_the_original_to_be_claimed_again(ws, ledger):
    path = write_register(ws.intake, [register_line()])
    record = pipeline.claim(ws, path)
    # Simulate the crash: put the original back in intake/ as if the move had never happened.
    (ws.root / record.archived).rename(path)
    assert pipeline.recover(ws, ledger) == []
    assert list(ws.spool.iterdir()) == [] and path.exists()
    assert process(ws, ledger, path).status == "accepted"
    assert len(ledger.submissions()) == 1


def test_crash_before_the_sidecar_is_written_leaves_no_orphan_in_the_spool(ws, ledger):
    # GIVEN a spool copy without its sidecar (killed between the two writes); the original stays put
    path = write_register(ws.intake, [register_line()])
    orphan = ws.spool / "123-abc.xlsx"
    orphan.write_bytes(path.read_bytes())
    assert pipeline.recover(ws, ledger) == []
    assert list(ws.spool.iterdir()) == [] and path.exists()


def test_a_register_saved_under_another_extension_is_read_by_its_bytes(ws, ledger):
    path = write_register(ws.intake, [register_line()], name="登记表.xlsx")
    renamed = path.rename(path.with_name("登记表.xls"))
    assert process(ws, ledger, renamed).status == "accepted"


def test_a_system_failure_while_writing_documents_keeps_the_claim_for_the_next_start(ws, monkeypatch, capsys):
    from docgen.service import process_paths

    # GIVEN rendering fails (a broken template, a full disk) after the submission was committed
    path = write_register(ws.intake, [register_line()])
    monkeypatch.setattr(pipeline, "render", lambda ws, document: (_ for _ in ()).throw(OSError("磁盘已满")))
    assert process_paths(ws, [path], today=TODAY) == []
    assert "下次运行 docgen 时会重新处理" in capsys.readouterr().err
    assert len(list(ws.spool.glob("*.json"))) == 1
    # WHEN docgen starts again with the fault gone, THEN the documents are written, once
    monkeypatch.undo()
    [outcome] = process_paths(ws, [], today=TODAY)
    assert outcome.case_ids == ["KF-2026-00001"] and (ws.outbox / "KF-2026-00001").is_dir()
    assert list(ws.spool.iterdir()) == []


def test_a_register_typed_in_word_is_read_by_its_labels(ws, ledger):
    # GIVEN the office's own Word register: a title and a table whose header carries the column titles
    document = Document()
    document.add_paragraph("来电、来访登记表")
    titles = ["受理日期", "受理时间", "来源渠道", "客户姓名", "联系电话", "项目/小区", "楼栋", "房号",
              "投诉/来访内容", "投诉类别", "是否重大投诉", "接待人"]
    table = document.add_table(rows=2, cols=len(titles))
    values = ["2026年11月23日", "10:00", "来电", "王建国", "138 0013 8000", "融侨锦江", "3", "1502",
              "卫生间地漏返水", "维修", "否", "林晓"]
    for column, (title, value) in enumerate(zip(titles, values)):
        table.cell(0, column).text, table.cell(1, column).text = title, value
    path = ws.intake / "登记表.docx"
    document.save(path)
    outcome = process(ws, ledger, path)
    assert outcome.status == "accepted", outcome.findings
    [case] = all_cases(ledger)
    assert case.registered["phone"] == "13800138000" and case.registered["received_date"] == "2026-11-23"


def test_crash_between_linking_into_archive_and_unlinking_from_intake_records_the_drop_once(ws, ledger):
    path = write_register(ws.intake, [register_line()])
    record = pipeline.claim(ws, path)
    os.link(ws.root / record.archived, path)  # as if the unlink from intake/ never happened
    [outcome] = pipeline.recover(ws, ledger)
    assert outcome.status == "accepted" and not path.exists()
    assert len(ledger.submissions()) == 1


def test_text_typed_by_a_clerk_never_becomes_a_path_outside_the_outbox(ws, ledger):
    # GIVEN a project name that reads like a path, and one far too long for a file name
    path = write_register(ws.intake, [register_line(project="../../../../etc/融侨/二期", category="施工质量"),
                                      register_line(project="融侨" * 60, customer="李四")],
                          name="很长的文件名" * 13 + ".xlsx")  # 239 bytes: fits, until docgen adds to it
    outcome = process(ws, ledger, path)
    assert outcome.status == "accepted"
    for output in outcome.outputs:
        assert (ws.root / output).resolve().is_relative_to(ws.outbox.resolve()), output
        assert all(len(part.encode()) <= 255 for part in Path(output).parts)
    assert len(list(ws.archive.rglob("*.xlsx"))) == 1


def test_an_entry_that_cannot_be_recovered_does_not_block_the_others(ws, ledger, capsys):
    # GIVEN two interrupted claims, one of which fails every time it is finished
    good = pipeline.claim(ws, write_register(ws.intake, [register_line()]))
    bad = pipeline.claim(ws, write_register(ws.intake, [register_line(customer="李四")]))
    original = pipeline.process_claim

    def flaky(ws_, ledger_, record, today=None):
        if record.id == bad.id:
            raise OSError("设备错误")
        return original(ws_, ledger_, record, today)

    pipeline.process_claim = flaky
    try:
        outcomes = pipeline.recover(ws, ledger)
    finally:
        pipeline.process_claim = original
    assert [o.sha256 for o in outcomes] == [good.sha256]
    assert "下次启动时会再试" in capsys.readouterr().err
    assert Path(bad.spool).exists()


def test_a_complaint_marked_major_on_the_returned_register_is_escalated_then(ws, ledger):
    # GIVEN a registered complaint, not major at first
    first = process(ws, ledger, write_register(ws.intake, [register_line()]))
    number = first.case_ids[0]
    # WHEN the returned register comes back with 是否重大投诉 = 是 and a changed 类别
    again = process(ws, ledger, write_register(ws.intake, [register_line(number=number, major=True,
                                                                         category="施工质量")]))
    # THEN it is reported at once (CS-3.4.7), and the changed fact is pointed out, not applied
    assert f"outbox/{number}/02-重大投诉上报单.docx" in again.outputs
    assert [e.kind for e in ledger.events(case_id=number)].count("case.escalated") == 1
    [changed] = [f for f in again.findings if f.field == "lines.category"]
    assert changed.severity == "warning" and "维修" in changed.message and changed.location == "登记表!K6"
    [case] = all_cases(ledger)
    assert case.registered["category"] == "维修"


def test_feedback_is_met_by_a_later_progress_note_not_by_one_typed_at_registration(ws, ledger):
    first = process(ws, ledger, write_register(ws.intake, [register_line(progress="已记录")]))
    [case] = all_cases(ledger)
    assert next(d for d in case.deadlines if d.key == "feedback").met_on is None
    process(ws, ledger, write_register(ws.intake, [register_line(number=first.case_ids[0],
                                                                 progress="工程材料部已回复，周五维修")]))
    [case] = all_cases(ledger)
    assert next(d for d in case.deadlines if d.key == "feedback").met_on is not None


def test_the_same_rejected_bytes_again_repeat_what_to_fix(ws, ledger):
    path = write_register(ws.intake, [register_line(phone="123")], name="a.xlsx")
    copy = ws.intake / "a-again.xlsx"
    copy.write_bytes(path.read_bytes())
    process(ws, ledger, path)
    again = process(ws, ledger, copy)
    assert again.status == "duplicate"
    assert "已被退回" in again.findings[0].message
    assert any(f.location == "登记表!F6" and f.severity == "error" for f in again.findings)


def test_an_error_value_in_a_cell_is_named_not_registered(ws, ledger):
    from docgen.office import xlsx_package

    path = write_register(ws.intake, [register_line()])
    original = xlsx_package.Sheet.value

    def with_error(sheet, row, column):  # the customer cell shows #N/A, as a broken lookup formula would
        return xlsx_package.CellError("#N/A") if (row, column) == (6, 5) else original(sheet, row, column)

    xlsx_package.Sheet.value = with_error
    try:
        outcome = process(ws, ledger, path)
    finally:
        xlsx_package.Sheet.value = original
    assert outcome.status == "rejected"
    assert any("#N/A" in f.message and f.location == "登记表!E6" for f in outcome.findings)


def test_every_accepted_file_gets_a_receipt_the_clerk_can_read(ws, ledger):
    outcome = process(ws, ledger, write_register(ws.intake, [register_line()], name="今天的登记表.xlsx"))
    receipt = next(o for o in outcome.outputs if o.startswith("outbox/receipts/"))
    text = (ws.root / receipt).read_text(encoding="utf-8")
    assert "处理结果：已受理" in text and "KF-2026-00001" in text
    assert "2026-11-24 前：现场勘察并填写《现场勘察会签表》（CS-3.4.5）" in text
    assert "outbox/KF-2026-00001/01-现场勘察会签表.xlsx" in text


def test_configured_folders_are_where_documents_go(tmp_path):
    from docgen.ledger import Ledger
    from docgen.workspace import Workspace, init_workspace

    (tmp_path / "office").mkdir()
    (tmp_path / "office" / "docgen.toml").write_text('[paths]\noutbox = "发出"\nrejected = "退回"\n', encoding="utf-8")
    ws = init_workspace(tmp_path / "office")
    ws = Workspace.open(ws.root)
    ledger = Ledger(ws.ledger_path)
    try:
        outcome = process(ws, ledger, write_register(ws.intake, [register_line()]))
        assert outcome.outputs and all(o.startswith("发出/") for o in outcome.outputs)
        rejected = process(ws, ledger, write_register(ws.intake, [register_line(phone="1")]))
        assert rejected.outputs and all(o.startswith("退回/") for o in rejected.outputs)
    finally:
        ledger.close()


def test_archive_on_another_filesystem_is_a_whole_copy(ws, ledger, monkeypatch):
    import errno

    def cross_device(source, target):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(pipeline.os, "link", cross_device)
    path = write_register(ws.intake, [register_line()])
    content = path.read_bytes()
    outcome = process(ws, ledger, path)
    assert outcome.status == "accepted" and not path.exists()
    assert next(ws.archive.rglob("*.xlsx")).read_bytes() == content
