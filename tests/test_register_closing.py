"""Closing a complaint other than a repair on the register (issue 10): form version 2 with 处理结果, 办结日期 and
客户意见 (CS-3.4.4, CS-3.4.5), version 1 still read; the week of CS-3.4.5 as an advisory 建议时限 never before the
feedback deadline; the department's 3 working days counted from the dispatch (CS-3.4.2.2), a late registration
noted on the receipt and in the weekly report.

Every scenario drops filled registers into intake/ and reads what docgen made of them."""

from __future__ import annotations

import dataclasses
from datetime import date, time

from pydantic import create_model

from docgen import pipeline
from docgen.cases import all_cases
from docgen.forms.register import REGISTER, RegisterLine
from docgen.office.xlsx import build_workbook, save_atomic
from docgen.reports.periodic import weekly
from docgen.reports.statements import statement_figures
from docgen.reports.weekly_docs import weekly_context
from tests.conftest import register_line, write_register

PROPERTY = {"category": "物业服务", "content": "小区路灯不亮", "customer": "陈敏", "phone": "13900139000"}


def _drop(ws, ledger, lines, today, name=None):
    return pipeline.process_file(ws, ledger, write_register(ws.intake, lines, name=name), today)


def _case(ledger, number):
    return next(c for c in all_cases(ledger) if c.number == number)


def _settle_row(ledger, ws, today):
    figures = statement_figures(ledger, ws.calendar, "2026Q4", today=today)
    return next(row for row in figures["on_time"] if row["key"] == "settle")


def test_a_property_service_complaint_closes_on_the_returned_register(ws, ledger):
    # GIVEN a 物业服务 complaint registered on Monday 11-23
    line = register_line(**PROPERTY)
    first = _drop(ws, ledger, [line], date(2026, 11, 23))
    [number] = first.case_ids
    assert _case(ledger, number).open
    # WHEN the register comes back on 11-25 with the result, the closing date and the customer's opinion
    closed = dict(
        line,
        number=number,
        progress="问题已解决，客户满意",
        result="物业公司已更换路灯",
        closed_date=date(2026, 11, 25),
        opinion="满意",
    )
    outcome = _drop(ws, ledger, [closed], date(2026, 11, 25))
    # THEN the case is closed on its 办结日期, nothing of it is pending or overdue any more
    assert outcome.status in ("accepted", "accepted_with_findings"), outcome.findings
    case = _case(ledger, number)
    assert not case.open and case.stage == "已办结" and case.closed_on == date(2026, 11, 25)
    assert case.pending() == [] and case.overdue(date(2026, 12, 31)) == []
    settle = next(d for d in case.deadlines if d.key == "settle")
    assert settle.met_on == date(2026, 11, 25) and settle.advisory
    # AND its dossier is written, and the same register dropped again records nothing twice
    assert any(path.endswith(f"99-案件档案-{number}.pdf") for path in outcome.outputs)
    # (another clerk's copy: the same closing in different bytes, so it is no duplicate file)
    copy = write_register(ws.intake, [closed], name="again.xlsx", header={"office": "客户服务部", "clerk": "王敏"})
    again = pipeline.process_file(ws, ledger, copy, date(2026, 11, 26))
    assert again.status in ("accepted", "accepted_with_findings")
    assert len([e for e in _case(ledger, number).events if e.kind == "case.closed"]) == 1
    # AND the quarterly statement counts it as settled on time (it showed 0 % before)
    row = _settle_row(ledger, ws, date(2026, 11, 27))
    assert (row["due"], row["met"], row["rate"]) == (1, 1, "100.0%")
    # AND the weekly report counts it closed, no longer open
    [report] = weekly(ledger, ws.calendar, "2026-W48", today=date(2026, 11, 27))
    assert [c.number for c in report.closed] == [number] and report.still_open == []


def test_a_complaint_closed_with_the_customer_not_satisfied_is_marked_not_agreed(ws, ledger):
    line = register_line(**PROPERTY)
    [number] = _drop(ws, ledger, [line], date(2026, 11, 23)).case_ids
    closed = dict(
        line, number=number, result="已解释，路灯属市政管理", closed_date=date(2026, 11, 26), opinion="不满意"
    )
    outcome = _drop(ws, ledger, [closed], date(2026, 11, 26))
    assert outcome.status == "accepted_with_findings"
    case = _case(ledger, number)
    assert not case.open and case.stage == "已办结（客户未认可）"
    assert case.closing is not None and case.closing.payload["agreed"] is False
    assert any(f.field == "lines.opinion" and "客户未认可" in f.message for f in outcome.findings)


def test_a_complaint_settled_when_registered_closes_at_once(ws, ledger):
    line = register_line(**PROPERTY, result="电话中解答", closed_date=date(2026, 11, 23), opinion="基本满意")
    outcome = _drop(ws, ledger, [line], date(2026, 11, 23))
    [case] = all_cases(ledger)
    assert outcome.status == "accepted" and not case.open
    # the closing answers the department's feedback too: nothing counts as missed in the statement
    assert all(d.met_on == date(2026, 11, 23) for d in case.deadlines)


def test_a_version_1_register_is_still_read(ws, ledger):
    # GIVEN a register on the version-1 form (no 处理结果, 办结日期, 客户意见), still in circulation
    v1_line = create_model(
        "RegisterLineV1",
        **{
            key: (info.annotation, info)
            for key, info in RegisterLine.model_fields.items()
            if key not in ("result", "closed_date", "opinion")
        },
    )
    v1 = dataclasses.replace(REGISTER, version=1, accepts=(), line_model=v1_line)
    path = ws.intake / "旧版登记表.xlsx"
    save_atomic(build_workbook(v1, {"office": "客户服务部"}, [register_line(**PROPERTY)]), path)
    # WHEN it is dropped
    outcome = pipeline.process_file(ws, ledger, path, date(2026, 11, 23))
    # THEN it is registered, not refused on its version (_meta!B2)
    assert outcome.status == "accepted", outcome.findings
    assert [c.number for c in all_cases(ledger)] == outcome.case_ids and len(outcome.case_ids) == 1


def test_a_closing_on_a_repair_is_an_error_on_the_closing_date_cell(ws, ledger):
    line = register_line(closed_date=date(2026, 11, 23), result="已修好", opinion="满意")
    outcome = _drop(ws, ledger, [line], date(2026, 11, 23))
    assert outcome.status == "rejected" and all_cases(ledger) == []
    [finding] = [f for f in outcome.findings if f.field == "lines.closed_date"]
    assert "完工、回访和结算" in finding.message and "留空" in finding.message and finding.location


def test_a_closing_date_without_a_result_or_a_result_without_a_date_is_an_error(ws, ledger):
    no_result = register_line(**PROPERTY, closed_date=date(2026, 11, 23))
    no_date = register_line(**{**PROPERTY, "customer": "赵六"}, result="已处理", opinion="满意")
    before = register_line(**{**PROPERTY, "customer": "钱七"}, result="已处理", closed_date=date(2026, 11, 20))
    outcome = _drop(ws, ledger, [no_result, no_date, before], date(2026, 11, 23))
    assert outcome.status == "rejected"
    fields = sorted((f.field, f.location) for f in outcome.findings)
    assert [field for field, _ in fields] == ["lines.closed_date", "lines.closed_date", "lines.result"]
    messages = " ".join(f.message for f in outcome.findings)
    assert "处理结果”未填写" in messages and "“办结日期”未填写" in messages and "早于受理日期" in messages


def test_the_recommended_week_is_never_before_the_feedback_deadline(ws, ledger):
    # GIVEN a complaint received 09-30 (before the National Day holidays), registered the same day
    line = register_line(**PROPERTY, received_date=date(2026, 9, 30), received_time=time(10, 0))
    [number] = _drop(ws, ledger, [line], date(2026, 9, 30)).case_ids
    case = _case(ledger, number)
    due = {d.key: d.due for d in case.deadlines}
    # THEN the feedback is due 10-10 (a make-up working day) and the week of CS-3.4.5 not before it
    assert due["feedback"] == date(2026, 10, 10) and due["settle"] >= due["feedback"]
    # AND the weekly report names it 建议时限, with that date
    [report] = weekly(ledger, ws.calendar, "2026-W42")
    context = weekly_context(report, ws.calendar, date(2026, 10, 19))
    [advisory] = [row for row in context["overdue_rows"] if "建议时限" in row["label"]]
    assert advisory["due"] == "2026年10月10日"


def test_the_feedback_counts_from_the_dispatch_and_a_late_registration_is_noted(ws, ledger):
    # GIVEN a complaint received Monday 11-16 but registered only on Friday 11-27
    line = register_line(**PROPERTY, received_date=date(2026, 11, 16), received_time=time(10, 0))
    outcome = _drop(ws, ledger, [line], date(2026, 11, 27))
    [case] = all_cases(ledger)
    # THEN the department's 3 working days count from the 转办单 of 11-27, not from 11-16 (due 11-19, past)
    feedback = next(d for d in case.deadlines if d.key == "feedback")
    assert feedback.due == date(2026, 12, 2)
    # AND the receipt warns how late the registration was, on the 受理日期 cell
    [late] = [f for f in outcome.findings if f.field == "lines.received_date"]
    assert late.severity == "warning" and "晚了9个工作日" in late.message and late.location
    receipt = next(p for p in outcome.outputs if p.endswith("回执.txt"))
    assert "晚了9个工作日" in (ws.root / receipt).read_text(encoding="utf-8")
    # AND the weekly report of the week it was registered says so beside its 受理时间
    [report] = weekly(ledger, ws.calendar, "2026-W48", today=date(2026, 11, 27))
    context = weekly_context(report, ws.calendar, date(2026, 11, 27))
    [row] = context["open_rows"]
    assert "2026年11月27日登记，晚9个工作日" in row["received"]


def test_a_registration_the_same_day_counts_from_the_receipt_and_is_not_noted(ws, ledger):
    outcome = _drop(ws, ledger, [register_line(**PROPERTY)], date(2026, 11, 23))
    [case] = all_cases(ledger)
    assert outcome.status == "accepted"
    assert next(d for d in case.deadlines if d.key == "feedback").due == date(2026, 11, 26)
