"""The intake loop end to end, in-process: a dropped register becomes numbered cases and documents."""

from __future__ import annotations

import errno
import json
import os
from datetime import date, time
from pathlib import Path

import openpyxl
import pytest
from docx import Document

from docgen import pipeline
from docgen.cases import all_cases
from docgen.forms.base import validate
from docgen.office.xlsx import read_form
from docgen.steps import FORMS
from tests.conftest import TODAY, register_line, write_register
from tests.docx_helpers import visible


def docx_text(path: Path) -> str:
    document = Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return visible("\n".join(parts))  # without the WORD JOINERs that hold numbers and dates together


def process(ws, ledger, path, today=TODAY):
    return pipeline.process_file(ws, ledger, path, today)


def test_register_becomes_numbered_cases_with_their_next_documents(ws, ledger):
    # GIVEN a register with a repair, a major sales complaint and a property complaint
    path = write_register(
        ws.intake,
        [
            register_line(),
            register_line(
                customer="李秀英",
                phone="13900139000",
                category="销售服务",
                major=True,
                content="车位优惠未兑现",
                channel="经营销售部转交",
            ),
            register_line(customer="张伟", phone="0591-87654321", category="物业服务", content="车库照明损坏"),
        ],
    )
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
    raw = read_form(returned, FORMS)
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
    first = process(ws, ledger, write_register(ws.intake, [register_line(customer="赵敏")]))
    outcome = process(
        ws,
        ledger,
        write_register(
            ws.intake, [register_line(customer="赵敏", number=first.case_ids[0]), register_line(customer="陈静")]
        ),
    )
    assert outcome.case_ids == ["KF-2026-00001", "KF-2026-00002"]


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("KF-2026-000001", "格式不对；应为 KF-2026-00001"),  # one digit too many, beside KF-2026-00001
        ("KF-2026-99999", "登记编号“KF-2026-99999”不是本系统发出的编号；新投诉请留空，由系统编号"),
        ("KF-1999-00001", "登记编号“KF-1999-00001”的年份1999与受理日期2026-11-23不符"),
    ],
)
def test_a_typed_number_is_accepted_only_as_one_docgen_issued(ws, ledger, typed, expected):
    # GIVEN KF-2026-00001 issued, and a register with a number typed by a clerk for a new complaint
    process(ws, ledger, write_register(ws.intake, [register_line()]))
    outcome = process(ws, ledger, write_register(ws.intake, [register_line(customer="陈静", number=typed)]))
    # THEN it is an error on that cell, nothing is registered, and numbering goes on undisturbed
    assert outcome.status == "rejected"
    [finding] = [f for f in outcome.findings if f.field == "lines.number"]
    assert expected in finding.message and finding.location.endswith("!A6") and finding.clause == "CS-3.4.3"
    assert [c.number for c in all_cases(ledger)] == ["KF-2026-00001"]
    assert process(ws, ledger, write_register(ws.intake, [register_line(customer="陈静")])).case_ids == [
        "KF-2026-00002"
    ]


@pytest.mark.parametrize("typed", ["1026-11-03", "0001-01-01"])
def test_an_impossible_date_is_an_error_never_a_number_of_its_year(ws, ledger, typed):
    outcome = process(ws, ledger, write_register(ws.intake, [register_line(received_date=typed)]))
    assert outcome.status == "rejected" and outcome.case_ids == []
    assert any(f.location and f.location.endswith("!B6") for f in outcome.findings), outcome.findings
    assert all_cases(ledger) == [] and not any("KF-1" in f.message for f in outcome.findings)


def test_the_same_register_saved_again_by_another_program_registers_nothing_twice(ws, ledger):
    # GIVEN five complaints registered
    lines = [
        register_line(customer=name, phone=f"1380013800{n}", content=f"卫生间地漏返水，第{n}次")
        for n, name in enumerate(("王建国", "李秀英", "张伟", "赵敏", "陈静"))
    ]
    first = process(ws, ledger, write_register(ws.intake, lines, header={"office": "客户服务部", "clerk": "林晓"}))
    assert len(first.case_ids) == 5
    # WHEN the same lines come again in other bytes: another program's spacing, full-width characters,
    # no numbers, and one new complaint among them
    again = [{**line, "content": " " + line["content"].replace("，", ",").replace("第", "第 ") + " "} for line in lines]
    again[0]["customer"] = "王 建国"
    again.append(register_line(customer="周杰", phone="13900139000", content="门禁卡失效"))
    outcome = process(ws, ledger, write_register(ws.intake, again, header={"office": "客户服务部", "clerk": "吴芳"}))
    # THEN each known line is its case, with a warning naming its number; only the new one is registered
    assert outcome.status == "accepted_with_findings"
    assert outcome.case_ids == first.case_ids + ["KF-2026-00006"]
    notes = [f for f in outcome.findings if "未重复登记" in f.message]
    assert [n.message.split("与已登记的 ")[1][:13] for n in notes] == first.case_ids
    assert all(n.severity == "warning" for n in notes)
    assert len(all_cases(ledger)) == 6


def test_a_line_repeated_in_one_register_is_one_case(ws, ledger):
    outcome = process(ws, ledger, write_register(ws.intake, [register_line(), register_line()]))
    assert outcome.case_ids == ["KF-2026-00001"] and len(all_cases(ledger)) == 1
    assert any("第7行与已登记的 KF-2026-00001 是同一投诉" in f.message for f in outcome.findings)


def test_number_of_another_complaint_is_a_clash_on_its_cell(ws, ledger):
    first = process(ws, ledger, write_register(ws.intake, [register_line()]))
    clash = write_register(
        ws.intake, [register_line(number=first.case_ids[0], customer="另一位客户", phone="13700137000")]
    )
    outcome = process(ws, ledger, clash)
    assert outcome.status == "rejected"
    [finding] = [f for f in outcome.findings if f.field == "lines.number"]
    assert finding.clause == "CS-3.4.3" and "另一件投诉" in finding.message
    assert finding.location.endswith("!A6")
    assert len(all_cases(ledger)) == 1


def test_rejected_register_records_nothing_and_explains_itself(ws, ledger):
    # GIVEN a register with a bad phone number and an ambiguous date
    path = write_register(
        ws.intake, [register_line(phone="1380013800"), register_line(received_date="11/3")], name="错误的登记表.xlsx"
    )
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
    # GIVEN a repair received 2026-12-30: its 3-working-day feedback runs into 2027, not yet published, whose
    # statutory 元旦 (1 January) is skipped all the same (issue 10 item 7): 12-31, 1-4, 1-5
    path = write_register(
        ws.intake, [register_line(received_date=date(2026, 12, 30), received_time=time(16, 0), major=True)]
    )
    outcome = process(ws, ledger, path, today=date(2026, 12, 30))  # registered and dispatched the same day
    assert outcome.status == "accepted"
    [case] = all_cases(ledger)
    feedback = next(d for d in case.deadlines if d.key == "feedback")
    assert feedback.provisional and feedback.due == date(2027, 1, 5)
    # THEN every document says so
    survey = openpyxl.load_workbook(ws.root / f"outbox/{case.number}/01-现场勘察会签表.xlsx")
    assert all(d.provisional is False for d in case.deadlines if d.key == "survey")  # 12-31 is in 2026
    escalation = docx_text(ws.root / f"outbox/{case.number}/02-重大投诉上报单.docx")
    assert "2027年1月5日（暂定）" in escalation and "暂按法定节假日和周末推算" in escalation
    dispatch = docx_text(ws.root / next(o for o in outcome.outputs if "dispatch" in o))
    assert "（暂定）" in dispatch
    returned = openpyxl.load_workbook(ws.root / next(o for o in outcome.outputs if "registers" in o))
    assert returned["登记表"]["O6"].value == "2027年1月5日（暂定）"
    sheet, cell = next(iter(survey.defined_names["survey_due"].destinations))
    assert survey[sheet][cell.replace("$", "")].value == "2026年12月31日前（CS-3.4.5）"


def test_emitted_site_survey_is_a_valid_intake_form(ws, ledger):
    # GIVEN the pre-filled survey docgen emitted for a repair case, completed on site through its names
    outcome = process(ws, ledger, write_register(ws.intake, [register_line()]))
    emitted = ws.root / f"outbox/{outcome.case_ids[0]}/01-现场勘察会签表.xlsx"
    workbook = openpyxl.load_workbook(emitted)
    for key, value in {
        "survey_date": date(2026, 11, 24),
        "estimate": "1,200.50",
        "responsible_party": "施工单位",
        "work_kind": "单工种",
        "in_warranty": "是",
        "repairer": "客户服务维修队",
        "contractor": "闽建一公司",
        "sign_service": "林晓",
        "sign_engineering": "陈工",
        "sign_team_leader": "郑队长",
        "sign_contractor": "某建设公司 王工",
    }.items():
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
    assert data["form"] == "CS-REG" and data["form_version"] == 3 and len(data["sha256"]) == 64


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
    # GIVEN a file claimed (original already in archive/) but never examined (recovered on the real day,
    # so received on TODAY: an older complaint would be noted as registered late, CS-3.4.3)
    record = pipeline.claim(ws, write_register(ws.intake, [register_line(received_date=TODAY)]))
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
    full = OSError(errno.ENOSPC, "磁盘已满")
    monkeypatch.setattr(pipeline, "render", lambda ws, document: (_ for _ in ()).throw(full))
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
    titles = [
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
    table = document.add_table(rows=2, cols=len(titles))
    values = [
        "2026年11月23日",
        "10:00",
        "来电",
        "王建国",
        "138 0013 8000",
        "融侨锦江",
        "3",
        "1502",
        "卫生间地漏返水",
        "维修",
        "否",
        "林晓",
    ]
    for column, (title, value) in enumerate(zip(titles, values)):
        table.cell(0, column).text, table.cell(1, column).text = title, value
    path = ws.intake / "登记表.docx"
    document.save(path)
    outcome = process(ws, ledger, path)
    assert outcome.status == "accepted", outcome.findings
    [case] = all_cases(ledger)
    assert case.registered.phone == "13800138000" and case.registered.received_date == date(2026, 11, 23)


def test_crash_between_linking_into_archive_and_unlinking_from_intake_records_the_drop_once(ws, ledger):
    path = write_register(ws.intake, [register_line(received_date=TODAY)])
    record = pipeline.claim(ws, path)
    os.link(ws.root / record.archived, path)  # as if the unlink from intake/ never happened
    [outcome] = pipeline.recover(ws, ledger)
    assert outcome.status == "accepted" and not path.exists()
    assert len(ledger.submissions()) == 1


def test_text_typed_by_a_clerk_never_becomes_a_path_outside_the_outbox(ws, ledger):
    # GIVEN a project name that reads like a path, and one far too long for a file name
    path = write_register(
        ws.intake,
        [
            register_line(project="../../../../etc/融侨/二期", category="施工质量"),
            register_line(project="融侨" * 60, customer="李四"),
        ],
        name="很长的文件名" * 13 + ".xlsx",
    )  # 239 bytes: fits, until docgen adds to it
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
    again = process(
        ws, ledger, write_register(ws.intake, [register_line(number=number, major=True, category="施工质量")])
    )
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
    process(
        ws,
        ledger,
        write_register(ws.intake, [register_line(number=first.case_ids[0], progress="工程材料部已回复，周五维修")]),
    )
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


def test_a_receipt_prints_the_ledger_position_and_hash_it_was_written_at(ws, ledger):
    process(ws, ledger, write_register(ws.intake, [register_line()]))
    outcome = process(ws, ledger, write_register(ws.intake, [register_line(customer="赵敏")], name="第二份.xlsx"))
    receipt = next(o for o in outcome.outputs if o.startswith("outbox/receipts/"))
    text = (ws.root / receipt).read_text(encoding="utf-8")
    submission = ledger.submission_by_claim(ledger.events()[-1].claim)
    before = ledger.events()[submission.seq - 2]  # the event just before this file's submission event
    assert before.seq == submission.seq - 1
    digest = ledger.connection.execute("SELECT hash FROM events WHERE seq = ?", (before.seq,)).fetchone()[0]
    assert (
        f"账本位置：本次提交登记为台账第 {submission.seq} 条；其前一条（第 {before.seq} 条）的哈希为 {digest}" in text
    )
    # AND the head files hold the submission event itself
    from docgen.ledger import read_head_file

    newest = ledger.connection.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    assert all(read_head_file(path) == (newest[0], newest[1]) for path in ws.head_files)


@pytest.mark.parametrize("content, name", [(b"not a workbook", "坏文件.xlsx"), (None, "错误的登记表.xlsx")])
def test_a_rejections_explanation_prints_the_ledger_position_like_a_receipt(ws, ledger, content, name):
    # GIVEN a ledger that already holds an accepted file
    process(ws, ledger, write_register(ws.intake, [register_line()]))
    # WHEN a file is rejected (unreadable, or a register with a bad phone number)
    if content is None:
        path = write_register(ws.intake, [register_line(phone="1380013800")], name=name)
    else:
        path = ws.intake / name
        path.write_bytes(content)
    outcome = process(ws, ledger, path)
    assert outcome.status == "rejected"
    # THEN its 说明.txt, the only document its sender gets, quotes the event just before its own
    [explanation] = [o for o in outcome.outputs if o.endswith("说明.txt")]
    text = (ws.root / explanation).read_text(encoding="utf-8")
    submission = ledger.submission_by_claim(ledger.events()[-1].claim)
    assert submission.kind == "submission.rejected"
    digest = ledger.connection.execute("SELECT hash FROM events WHERE seq = ?", (submission.seq - 1,)).fetchone()[0]
    assert (
        f"账本位置：本次提交登记为台账第 {submission.seq} 条；其前一条（第 {submission.seq - 1} 条）的哈希为 {digest}"
        in text
    )


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


# ------------------------------------------------------------ intake that nothing can stop (issue 8 §2)


def _everything_written(ws) -> list[Path]:
    return [p for folder in (ws.archive, ws.rejected, ws.outbox) for p in folder.rglob("*")]


def _refused_outcome_is_explained(ws, ledger, outcome, word):
    """A refused entry: a rejection saying why, recorded, with 说明.txt and nothing of its bytes."""
    assert outcome.status == "rejected"
    [finding] = outcome.findings
    assert word in finding.message and "复制到 intake" in finding.message
    assert [e.payload["status"] for e in ledger.submissions()] == ["rejected"]
    [explanation] = [p for p in outcome.outputs if p.endswith("说明.txt")]
    assert outcome.outputs == [explanation] and word in (ws.root / explanation).read_text(encoding="utf-8")
    assert list(ws.spool.iterdir()) == [] and list(ws.intake.iterdir()) == []


def test_a_symbolic_link_is_refused_and_its_target_never_copied(ws, ledger, tmp_path):
    # GIVEN a link in intake/ to a file outside the workspace (as to /etc/passwd)
    secret = tmp_path / "passwd"
    secret.write_bytes(b"root:x:0:0:root:/root:/bin/bash\n")
    link = ws.intake / "passwd.xlsx"
    link.symlink_to(secret)
    outcome = process(ws, ledger, link)
    _refused_outcome_is_explained(ws, ledger, outcome, "符号链接")
    # THEN no byte of the target was copied, nothing written is a link, the target is untouched
    for written in _everything_written(ws):
        assert not written.is_symlink(), written
        assert not written.is_file() or b"root:x:0:0" not in written.read_bytes(), written
    assert secret.read_bytes().startswith(b"root:x") and not link.is_symlink()
    [aside] = (ws.var / "refused").iterdir()
    assert aside.is_symlink() and aside.name.endswith("passwd.xlsx")  # moved aside, as the link itself


def test_a_hard_linked_file_is_refused_and_its_other_name_untouched(ws, ledger, tmp_path):
    elsewhere = write_register(tmp_path, [register_line()], name="登记表.xlsx")
    dropped = ws.intake / "登记表.xlsx"
    os.link(elsewhere, dropped)
    outcome = process(ws, ledger, dropped)
    _refused_outcome_is_explained(ws, ledger, outcome, "硬链接")
    assert elsewhere.exists() and not any(
        p.is_file() and os.path.samefile(p, elsewhere) for p in _everything_written(ws)
    )


def test_a_named_pipe_is_refused_at_once_instead_of_blocking_the_intake(ws, ledger):
    import threading

    fifo = ws.intake / "登记表.xlsx"
    os.mkfifo(fifo)
    done = {}
    worker = threading.Thread(target=lambda: done.setdefault("claim", pipeline.claim(ws, fifo)), daemon=True)
    worker.start()
    worker.join(timeout=20)
    if worker.is_alive():  # blocked in open(): let it go before failing
        with open(fifo, "wb"):
            pass
        worker.join(timeout=5)
        raise AssertionError("claiming a named pipe blocked")
    outcome = pipeline.process_claim(ws, ledger, done["claim"], TODAY)
    _refused_outcome_is_explained(ws, ledger, outcome, "命名管道")


def test_the_archive_holds_a_copy_of_the_bytes_hashed_not_the_dropped_file(ws, ledger):
    import hashlib

    # GIVEN a program that still holds the dropped file open and writes to it after the claim
    path = write_register(ws.intake, [register_line()])
    writer = open(path, "r+b")
    try:
        outcome = process(ws, ledger, path)
        writer.seek(0)
        writer.write(b"changed afterwards")
        writer.flush()
    finally:
        writer.close()
    [archived] = ws.archive.rglob("*.xlsx")
    assert hashlib.sha256(archived.read_bytes()).hexdigest() == outcome.sha256
    assert os.stat(archived).st_nlink == 1


def _workspace_with_limit(tmp_path, max_file_mb):
    from docgen.workspace import Workspace, init_workspace

    (tmp_path / "office").mkdir()
    (tmp_path / "office" / "docgen.toml").write_text(f"[limits]\nmax_file_mb = {max_file_mb}\n", encoding="utf-8")
    return Workspace.open(init_workspace(tmp_path / "office").root)


def test_a_file_above_the_size_limit_is_refused_before_a_byte_is_copied(tmp_path):
    ws = _workspace_with_limit(tmp_path, 1)
    ledger = ws.open_ledger()
    try:
        sparse = ws.intake / "登记表.xlsx"
        with open(sparse, "wb") as out:
            out.truncate(64 * 2**20)  # a sparse file: 64 MB of nothing, as the 2 GB one of the report
        outcome = process(ws, ledger, sparse)
        assert outcome.status == "rejected"
        [finding] = outcome.findings
        assert "64 MB" in finding.message and "1 MB 的上限" in finding.message
        assert [p.name for p in ws.rejected.rglob("*") if p.is_file()] == ["说明.txt"]
        assert list(ws.archive.rglob("*.xlsx")) == [] and list(ws.spool.iterdir()) == []
        assert list(ws.intake.iterdir()) == [] and (ws.var / "refused").is_dir()
    finally:
        ledger.close()


def test_a_source_that_grows_past_the_limit_while_copied_leaves_no_partial_copy(ws):
    from docgen.office.safety import Limits, Unreadable

    class Endless:  # /dev/zero, or a file still being written
        def read(self, size):
            return b"\0" * size

    spool = ws.spool / "x.data"
    with pytest.raises(Unreadable) as refused:
        pipeline._copy_into_spool(Endless(), spool, Limits(max_file_bytes=3 * 2**20))
    assert refused.value.reason == "too-large" and "3 MB" in refused.value.message
    assert list(ws.spool.iterdir()) == []


def test_a_form_named_like_its_claim_record_is_read_as_the_form(ws, ledger):
    # GIVEN a valid register named 登记表.json (its spool copy was once overwritten by its claim record)
    path = write_register(ws.intake, [register_line()], name="登记表.json")
    outcome = process(ws, ledger, path)
    assert outcome.status == "accepted", outcome.findings
    assert list(ws.spool.iterdir()) == []


def test_spool_names_do_not_depend_on_the_dropped_name(ws):
    record = pipeline.claim(ws, write_register(ws.intake, [register_line()], name="登记表.json"))
    assert sorted(p.name for p in ws.spool.iterdir()) == [f"{record.id}.data", f"{record.id}.json"]
    assert pipeline.load_claim(record.sidecar) == record


def test_a_parser_that_raises_gives_a_rejection_that_keeps_the_file(ws, ledger, monkeypatch, caplog):
    from docgen.forms import values

    # GIVEN a date parser that crashes (as on a date cell holding inf, or a 400-digit date)
    path = write_register(ws.intake, [register_line()])
    original = path.read_bytes()

    def crash(raw, *args, **kwargs):
        raise OverflowError("date value out of range")

    monkeypatch.setattr(values, "parse_date", crash)
    monkeypatch.setattr(values, "parse_datetime_parts", crash)
    outcome = process(ws, ledger, path)
    # THEN a rejection "系统内部错误，已记录", the original kept, the traceback logged, nothing left behind
    assert outcome.status == "rejected" and outcome.internal_error
    assert [f.message for f in outcome.findings] == [pipeline.INTERNAL_ERROR]
    assert "系统内部错误，已记录" in pipeline.INTERNAL_ERROR
    assert next(ws.archive.rglob("*.xlsx")).read_bytes() == original
    folder = next(ws.rejected.iterdir())
    assert sorted(p.name for p in folder.iterdir()) == sorted(["说明.txt", f"原件-{path.name}"])
    assert (folder / f"原件-{path.name}").read_bytes() == original
    assert "系统内部错误" in (folder / "说明.txt").read_text(encoding="utf-8")
    assert "OverflowError" in caplog.text and "Traceback" in caplog.text
    assert list(ws.spool.iterdir()) == [] and pipeline.recover(ws, ledger) == []
    # WHEN the bug is fixed and the same file is dropped again, THEN it is processed, not a duplicate
    monkeypatch.undo()
    again = ws.intake / "again.xlsx"
    again.write_bytes(original)
    assert process(ws, ledger, again).status == "accepted"
    third = ws.intake / "third.xlsx"
    third.write_bytes(original)
    assert process(ws, ledger, third).status == "duplicate"


def test_a_handler_that_raises_rolls_back_what_it_recorded_then_rejects(ws, ledger, monkeypatch, caplog):
    from docgen.steps import STEPS

    register = STEPS["CS-REG"]

    def half_done(tx, ws_, parsed, submission):
        register(tx, ws_, parsed, submission)  # appends the cases, then fails
        raise KeyError("a bug")

    monkeypatch.setitem(STEPS, "CS-REG", half_done)
    outcome = process(ws, ledger, write_register(ws.intake, [register_line()]))
    assert outcome.status == "rejected" and outcome.internal_error and outcome.case_ids == []
    assert [e.kind for e in ledger.events()] == ["submission.rejected"]
    assert ledger.verify() == []
    assert "KeyError" in caplog.text and list(ws.spool.iterdir()) == []


def test_a_locked_ledger_in_a_handler_is_retried_not_rejected(ws, ledger, monkeypatch):
    import sqlite3

    from docgen.steps import STEPS

    def locked(tx, ws_, parsed, submission):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setitem(STEPS, "CS-REG", locked)
    record = pipeline.claim(ws, write_register(ws.intake, [register_line(received_date=TODAY)]))
    with pytest.raises(sqlite3.OperationalError):
        pipeline.process_claim(ws, ledger, record, TODAY)
    assert ledger.submissions() == [] and Path(record.spool).exists()
    monkeypatch.undo()
    [outcome] = pipeline.recover(ws, ledger)
    assert outcome.status == "accepted"


def test_a_document_that_cannot_be_rendered_does_not_keep_the_file_in_the_spool(ws, ledger, monkeypatch, caplog):
    real = pipeline.render

    def broken_docx(ws_, document):
        if document.kind == "docx":
            raise ValueError("template cannot show this value")
        real(ws_, document)

    monkeypatch.setattr(pipeline, "render", broken_docx)
    outcome = process(ws, ledger, write_register(ws.intake, [register_line()]))
    assert outcome.status == "accepted" and outcome.internal_error
    assert "系统内部错误，已记录" in outcome.findings[-1].message
    assert any("回执" in o for o in outcome.outputs)  # what could be written was
    assert list(ws.spool.iterdir()) == [] and "ValueError" in caplog.text


def test_process_exits_2_when_docgen_failed_on_a_file(ws, monkeypatch):
    from docgen.cli import main
    from docgen.forms import values

    def crash(raw, *args, **kwargs):
        raise ValueError("year 10000 is out of range")

    monkeypatch.setattr(values, "parse_date", crash)
    monkeypatch.setattr(values, "parse_datetime_parts", crash)
    write_register(ws.intake, [register_line()])
    assert main(["--workspace", str(ws.root), "process", "--today", TODAY.isoformat()]) == 2
    assert list(ws.intake.iterdir()) == [] and list(ws.spool.iterdir()) == []
    assert main(["--workspace", str(ws.root), "process", "--today", TODAY.isoformat()]) == 0


def test_a_file_written_to_while_it_is_claimed_stays_in_intake_for_later(ws, monkeypatch):
    path = write_register(ws.intake, [register_line()])
    copy = pipeline._copy_into_spool

    def copy_then_the_writer_appends(source, spool, limits):
        sha = copy(source, spool, limits)
        with open(path, "ab") as writer:
            writer.write(b"more")
        return sha

    monkeypatch.setattr(pipeline, "_copy_into_spool", copy_then_the_writer_appends)
    with pytest.raises(pipeline.ChangedWhileClaimed):
        pipeline.claim(ws, path)
    assert path.exists() and list(ws.spool.iterdir()) == [] and list(ws.archive.rglob("*.xlsx")) == []


def test_a_claim_knows_whether_intake_still_holds_its_original(ws):
    """What recover needs after a crash between writing archive/ and removing the original."""
    path = write_register(ws.intake, [register_line()])
    content = path.read_bytes()
    record = pipeline.claim(ws, path)
    assert not path.exists() and not record.source_is_this_drop()
    path.write_bytes(content)  # as if the unlink never happened (archive/ holds a copy, not a link)
    assert record.source_is_this_drop()
    path.write_bytes(content + b"saved again")
    assert not record.source_is_this_drop()


# --------------------------------------------------------------------------------------------------
# Nothing keeps a file in intake/ or the spool for good (issue 8 review)


def _drop_under_raw_name(ws, raw: bytes, lines: list[dict]) -> Path:
    """A register in intake/ under a name whose bytes are ``raw`` (as a share writes a GBK name)."""
    path = write_register(ws.intake, lines, name="drop.xlsx")
    os.rename(bytes(path), os.fsencode(ws.intake) + b"/" + raw)
    return ws.intake / os.fsdecode(raw)


def test_a_file_whose_name_is_not_utf8_is_processed_under_its_chinese_name(ws, ledger):
    """A GBK-named 登记.xlsx raised UnicodeEncodeError in the claim: the file stayed in intake/, every
    `process` exited with a traceback and `watch` died."""
    from docgen.service import pending, process_paths

    gbk = _drop_under_raw_name(ws, "登记.xlsx".encode("gbk"), [register_line()])
    latin1 = _drop_under_raw_name(ws, b"caf\xe9.xlsx", [register_line(phone="1")])  # neither UTF-8 nor GB18030
    assert sorted(pending(ws)) == sorted([gbk, latin1])
    outcomes = {o.file: o for o in process_paths(ws, pending(ws), today=TODAY)}
    assert outcomes["登记.xlsx"].status == "accepted" and outcomes["caf\ufffd.xlsx"].status == "rejected"
    assert list(ws.intake.iterdir()) == [] and list(ws.spool.iterdir()) == []
    receipt = next(o for o in outcomes["登记.xlsx"].outputs if o.endswith("回执.txt"))
    assert Path(receipt).name.startswith("登记-") and "文件：登记.xlsx" in (ws.root / receipt).read_text(
        encoding="utf-8"
    )
    assert sorted(e.payload["file"] for e in ledger.submissions()) == ["caf\ufffd.xlsx", "登记.xlsx"]
    assert sorted(p.name.split("-", 4)[-1] for p in ws.archive.rglob("*.xlsx")) == ["caf\ufffd.xlsx", "登记.xlsx"]


def test_the_claim_of_a_file_whose_name_is_not_utf8_is_kept_and_recovered(ws, ledger):
    path = _drop_under_raw_name(ws, "登记.xlsx".encode("gbk"), [register_line(received_date=TODAY)])
    record = pipeline.claim(ws, path)
    assert record.name == "登记.xlsx" and record.source == str(path)  # the exact bytes, for recovery
    assert pipeline.load_claim(record.sidecar) == record
    [outcome] = pipeline.recover(ws, ledger)  # as after a kill before the claim was processed
    assert outcome.status == "accepted" and outcome.file == "登记.xlsx"


def test_a_file_docgen_may_not_read_leaves_intake_with_a_rejection_asking_for_a_copy(ws, ledger, monkeypatch):
    """EACCES on the dropped file (a share mapped to another account) was a machine fault: the file
    stayed in intake/, `process` exited 2 at every run and `watch` failed every minute."""
    path = write_register(ws.intake, [register_line()])
    content, real = path.read_bytes(), os.open

    def denied(target, flags, *args, **kwargs):
        if Path(os.fsdecode(target)).name == path.name:
            raise PermissionError(errno.EACCES, "Permission denied", os.fsdecode(target))
        return real(target, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    outcome = process(ws, ledger, path)
    monkeypatch.undo()
    assert outcome.status == "rejected" and not outcome.internal_error
    [finding] = outcome.findings
    assert "没有权限读取" in finding.message and "重新复制" in finding.message
    assert list(ws.intake.iterdir()) == [] and list(ws.spool.iterdir()) == []
    [aside] = (ws.var / "refused").iterdir()
    assert aside.read_bytes() == content  # kept, as it was, for the operator


def test_a_refused_entry_goes_to_intake_refused_when_the_rename_into_var_fails(ws, ledger, monkeypatch, tmp_path):
    """var/ bind-mounted from the same filesystem: st_dev matches, yet rename() fails with EXDEV; the
    refused entry then stayed in intake/ for good."""
    from docgen.service import pending

    secret = tmp_path / "passwd"
    secret.write_bytes(b"root:x:0:0\n")
    link = ws.intake / "passwd.xlsx"
    link.symlink_to(secret)
    real = os.rename

    def across_mounts(source, target):
        if Path(target).parent == ws.var / "refused":
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real(source, target)

    monkeypatch.setattr(pipeline.os, "rename", across_mounts)
    outcome = process(ws, ledger, link)
    monkeypatch.undo()
    assert outcome.status == "rejected" and "符号链接" in outcome.findings[0].message
    assert [p.name for p in ws.intake.iterdir()] == [".refused"] and pending(ws) == []
    [aside] = (ws.intake / ".refused").iterdir()
    assert aside.is_symlink() and list((ws.var / "refused").iterdir()) == []
    [submission] = ledger.submissions()
    assert submission.payload["archived"] == f"intake/.refused/{aside.name}"
    [explanation] = [o for o in outcome.outputs if o.endswith("说明.txt")]
    assert f"intake/.refused/{aside.name}" in (ws.root / explanation).read_text(encoding="utf-8")
    assert list(ws.spool.iterdir()) == []


@pytest.mark.parametrize(
    "failure, retried",
    [
        (OSError(errno.ENOSPC, "No space left on device"), True),
        (OSError(errno.EDQUOT, "Disk quota exceeded"), True),
        (OSError(errno.EROFS, "Read-only file system"), True),
        (OSError(errno.EIO, "Input/output error"), True),
        (PermissionError(errno.EACCES, "Permission denied"), True),
        (PermissionError(errno.EPERM, "Operation not permitted"), True),
        (NotADirectoryError(errno.ENOTDIR, "Not a directory"), True),
        (FileExistsError(errno.EEXIST, "File exists"), True),
        (BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable"), True),
        (OSError(errno.EBUSY, "Device or resource busy"), True),
        (pipeline.ChangedWhileClaimed("written to while copied"), True),
        (FileNotFoundError(errno.ENOENT, "No such file or directory"), False),
        (OSError(errno.ENAMETOOLONG, "File name too long"), False),
        (IsADirectoryError(errno.EISDIR, "Is a directory"), False),
        (OSError(errno.EXDEV, "Invalid cross-device link"), False),
        (OSError("no errno at all"), False),
        (ValueError("a bug"), False),
    ],
    ids=lambda value: repr(value)[:40] if isinstance(value, BaseException) else str(value),
)
def test_only_a_condition_of_the_machine_is_retried(failure, retried):
    assert pipeline.system_fault(failure) is retried


def test_sqlite_is_retried_when_locked_or_busy_not_on_a_bug():
    import sqlite3

    assert pipeline.system_fault(sqlite3.OperationalError("database is locked"))
    assert pipeline.system_fault(sqlite3.OperationalError("database table is locked"))
    with pytest.raises(sqlite3.Error) as caught:
        sqlite3.connect(":memory:").execute("SELECT * FROM nowhere")
    assert not pipeline.system_fault(caught.value)


def test_a_missing_archive_file_behind_a_copy_document_is_an_outcome_not_retried_for_ever(ws, ledger, caplog):
    """FileNotFoundError counted as a machine fault: the claim was retried every minute and reported
    "未能完成…" at every start."""
    record = pipeline.claim(ws, write_register(ws.intake, [register_line(phone="1")]))
    (ws.root / record.archived).unlink()  # the 原件 of the rejection is copied from it
    outcome = pipeline.process_claim(ws, ledger, record, TODAY)
    assert outcome.status == "rejected" and outcome.internal_error and "FileNotFoundError" in caplog.text
    assert any(o.endswith("说明.txt") for o in outcome.outputs) and "系统内部错误" in outcome.findings[-1].message
    assert list(ws.spool.iterdir()) == [] and pipeline.recover(ws, ledger) == []


@pytest.mark.parametrize(
    "failure", [OSError(errno.ENAMETOOLONG, "File name too long"), IsADirectoryError(errno.EISDIR, "Is a directory")]
)
def test_an_oserror_no_retry_can_mend_in_a_handler_is_a_rejection_that_keeps_the_file(ws, ledger, monkeypatch, failure):
    from docgen.steps import STEPS

    def fails(tx, ws_, parsed, submission):
        raise failure

    monkeypatch.setitem(STEPS, "CS-REG", fails)
    outcome = process(ws, ledger, write_register(ws.intake, [register_line()]))
    assert outcome.status == "rejected" and outcome.internal_error
    assert any("原件-" in o for o in outcome.outputs) and list(ws.spool.iterdir()) == []


def test_an_office_on_a3_gets_its_emitted_forms_set_up_for_a3(ws, ledger):
    # GIVEN an office that prints its forms on A3 ([forms] paper, issue 11 item 3)
    from docgen.workspace import Workspace

    (ws.root / "docgen.toml").write_text('[forms]\npaper = "A3"\n', encoding="utf-8")
    a3 = Workspace.open(ws.root)
    # WHEN a repair is registered  THEN the returned register and the emitted survey are set up for A3 (8), not A4 (9)
    outcome = process(a3, ledger, write_register(a3.intake, [register_line()]))
    workbooks = [o for o in outcome.outputs if o.endswith(".xlsx")]
    assert any("现场勘察会签表" in o for o in workbooks) and any("registers" in o for o in workbooks)
    for emitted in workbooks:
        sheet = openpyxl.load_workbook(a3.root / emitted).worksheets[0]
        assert int(sheet.page_setup.paperSize) == 8, emitted
