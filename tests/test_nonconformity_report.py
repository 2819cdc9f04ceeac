"""Recurring nonconformities (NC-3.2.3 C) and the quarterly nonconformity statistics (PDF/A, issue 13 item 7)."""

from __future__ import annotations

import json
import shutil
from datetime import date

import openpyxl
import pytest

from docgen.events import NC_VERIFIED
from docgen.ledger import Event
from docgen.nonconformities import NcRecord
from docgen.recurrence import (
    add_months,
    recurrence_of,
    recurrences,
    recurrences_with,
    study_request_name,
    write_study_request,
)
from docgen.reports.nonconformity_report import (
    nonconformity_context,
    nonconformity_figures,
    write_nonconformity_report,
)
from docgen.workspace import Nonconformity, Workspace
from tests.pdf_text import pdftotext, printed

POPPLER = shutil.which("pdftotext") is not None


def nc(number: str, opened: date, **fields) -> NcRecord:
    """A construction record (a leak at 融侨锦江); ``fields`` override any field."""
    base = {
        "number": number,
        "category": "施工质量不合格",
        "source": "施工检查",
        "project": "融侨锦江",
        "supplier": None,
        "supply": None,
        "contractor": None,
        "defect": "渗漏",
        "severity": "一般",
        "department": "业主代表",
        "opened_on": opened,
        "due": None,
        "closed_on": None,
        "verified": None,
    }
    return NcRecord(**{**base, **fields})


LEAKS = [
    nc("BHG-2026-0001", date(2026, 10, 8), contractor="福建一建"),
    nc("BHG-2026-0002", date(2026, 11, 2), contractor="福建二建"),
    nc("BHG-2026-0003", date(2026, 12, 1), contractor=None),
]


def test_three_similar_leaks_in_one_project_within_a_quarter_raise_a_recurrence_study(tmp_path):
    # GIVEN three leaks at 融侨锦江 in one quarter by different contractors, and a crack there
    records = [*LEAKS, nc("BHG-2026-0004", date(2026, 11, 5), defect="裂缝")]
    # THEN one repeat, in the project, listing the three leaks (the crack is another defect type)
    [repeat] = recurrences(records)
    assert (repeat.category, repeat.defect, repeat.where) == ("施工质量不合格", "渗漏", (("项目", "融侨锦江"),))
    assert repeat.numbers == ("BHG-2026-0001", "BHG-2026-0002", "BHG-2026-0003")
    assert repeat.text == (
        "项目“融侨锦江”“施工质量不合格”类“渗漏”问题2026年10月8日至2026年12月1日出现3次"
        "（3个月内达到3次即须专题研究，NC-3.2.3 C）：BHG-2026-0001、BHG-2026-0002、BHG-2026-0003"
    )
    # AND the third leak is what completed it (the step asks after recording it)
    assert recurrences_with(records, "BHG-2026-0003") == [repeat]
    assert recurrences_with(records, "BHG-2026-0004") == []
    assert recurrence_of(records, repeat.numbers) == repeat and recurrence_of(records, repeat.numbers[:2]) is None
    # AND the special-study request to 总经室 lists the records
    path = write_study_request(tmp_path / study_request_name(repeat), repeat, date(2026, 12, 1))
    assert path.name == "不合格品重复发生专题研究申请单-渗漏-BHG-2026-0003.xlsx"
    rows = [[c.value for c in row] for row in openpyxl.load_workbook(path).active.iter_rows()]
    assert rows[2][0] == "总经室："
    assert [row[1] for row in rows[5:8]] == list(repeat.numbers)
    assert rows[5][2] == "2026年10月8日" and rows[5][5] == "福建一建"


def test_what_is_not_a_repeat():
    # two leaks only; three leaks spread over more than three months; the same defect in three projects
    assert recurrences(LEAKS[:2]) == []
    assert recurrences([*LEAKS[:2], nc("BHG-2026-0005", date(2027, 1, 9))]) == []
    assert recurrences([nc(f"BHG-2026-000{i}", date(2026, 10, i), project=f"项目{i}") for i in range(1, 4)]) == []
    # a record without a defect type is not compared
    assert recurrences([nc(f"BHG-2026-000{i}", date(2026, 10, i), defect=" ") for i in range(1, 4)]) == []


def test_the_window_includes_its_last_day_and_is_configurable():
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28) and add_months(date(2026, 10, 1), 3) == date(
        2027, 1, 1
    )
    # "3个月以内" includes the boundary: 1 October … 1 January
    edge = [nc("A-1", date(2026, 10, 1)), nc("A-2", date(2026, 11, 15)), nc("A-3", date(2027, 1, 1))]
    assert [r.numbers for r in recurrences(edge)] == [("A-1", "A-2", "A-3")]
    assert recurrences([*edge[:2], nc("A-3", date(2027, 1, 2))]) == []
    # N = 2 within M = 1 month: the two October leaks, then separately the two in January
    pairs = [
        nc("B-1", date(2026, 10, 1)),
        nc("B-2", date(2026, 10, 20)),
        nc("B-3", date(2027, 1, 5)),
        nc("B-4", date(2027, 1, 6)),
    ]
    assert [r.numbers for r in recurrences(pairs, count=2, months=1)] == [("B-1", "B-2"), ("B-3", "B-4")]


def test_the_same_records_with_one_supplier_and_one_contractor_are_one_repeat_naming_both():
    records = [
        nc(f"C-{i}", date(2026, 10, i * 10), project=f"项目{i}", supplier="闽江建材有限公司", contractor="福建一建")
        for i in range(1, 4)
    ]
    [repeat] = recurrences(records)
    assert repeat.where == (("供应商", "闽江建材有限公司"), ("施工单位", "福建一建"))


def quarter_records() -> list[NcRecord]:
    return [
        nc("BHG-2026-0001", date(2026, 10, 8), contractor="福建一建", due=date(2026, 10, 20),
           closed_on=date(2026, 10, 18), verified="有效"),
        nc("BHG-2026-0002", date(2026, 11, 2), contractor="福建一建", due=date(2026, 11, 10)),
        nc("BHG-2026-0003", date(2026, 12, 1), contractor="福建二建", due=date(2026, 12, 20), verified="无效"),
        nc("BHG-2026-0004", date(2026, 10, 12), category="甲供材料不合格", source="材料验收", supplier="闽江建材有限公司",
           supply="甲供", defect="强度不足", severity="严重", department="工程材料部", due=date(2026, 10, 25),
           closed_on=date(2026, 11, 1), verified="有效"),
        nc("BHG-2026-0005", date(2026, 11, 20), category="设计不合格", source="设计评审", defect="不符合规范",
           department="设计研发部", severity="重大质量事故"),
        # the previous quarter: closed in this one, counted in the closing figures only
        nc("BHG-2026-0000", date(2026, 9, 20), contractor="福建一建", defect="空鼓", due=date(2026, 10, 5),
           closed_on=date(2026, 10, 10),
           verified="有效"),
        # the next quarter: not counted at all
        nc("BHG-2027-0001", date(2027, 1, 3), defect="渗漏"),
    ]  # fmt: skip


def test_the_quarterly_statistics_figures():
    f = nonconformity_figures(quarter_records(), "2026Q4")
    assert (f["total"], f["serious"], f["major_accidents"]) == (5, 2, 1)
    assert f["by_category"] == [
        {"name": "施工质量不合格", "count": 3, "share": "60.0%"},
        {"name": "甲供材料不合格", "count": 1, "share": "20.0%"},
        {"name": "设计不合格", "count": 1, "share": "20.0%"},
    ]
    assert [(r["name"], r["count"]) for r in f["by_department"]] == [
        ("业主代表", 3),
        ("工程材料部", 1),
        ("设计研发部", 1),
    ]
    assert [(r["name"], r["count"]) for r in f["by_supplier"]] == [("闽江建材有限公司", 1)]
    assert [(r["name"], r["count"]) for r in f["by_contractor"]] == [("福建一建", 2), ("福建二建", 1)]
    # time to close: 0001 in 10 days, 0004 in 20 (after its due date), 0000 in 20 (opened in Q3)
    assert (f["closed"], f["closed_on_time"]) == (3, 1)
    assert (f["close_average"], f["close_median"], f["close_longest"]) == (pytest.approx(50 / 3), 20, 20)
    # open at the end of the quarter: 0002, 0003, 0005; past their due date: 0002 and 0003
    assert f["open"] == 3 and f["overdue"] == ["BHG-2026-0002", "BHG-2026-0003"]
    # effectiveness: the quarter's verifications (0000, 0001, 0004 有效; 0003 无效), 3 有效
    assert (f["verified"], f["effective"], f["effectiveness"]) == (4, 3, pytest.approx(3 / 4))
    # the three leaks at 融侨锦江 are a repeat; 闽江建材 was struck off this quarter
    assert [r.numbers for r in f["recurrences"]] == [("BHG-2026-0001", "BHG-2026-0002", "BHG-2026-0003")]
    assert [(name, cause.number) for name, cause in f["struck_off"]] == [("闽江建材有限公司", "BHG-2026-0004")]
    context = nonconformity_context(f, date(2027, 1, 4))
    assert context["effectiveness"] == "75.0%" and context["total"] == "5"
    assert {"name": "平均关闭时间", "value": "16.7天"} in context["closing"]
    assert context["recurrences"][0]["where"] == "项目“融侨锦江”"
    # AND a stricter rule (4 times) finds no repeat
    assert nonconformity_figures(quarter_records(), "2026Q4", Nonconformity(recurrence_count=4))["recurrences"] == []


def test_each_verification_counts_once_in_the_quarter_it_was_made():
    def verified(seq: int, day: date, result: str) -> Event:
        payload = {"number": "BHG-2026-0008", "result": result, "verified_on": day.isoformat()}
        return Event(seq, f"{day.isoformat()}T10:00:00+08:00", NC_VERIFIED, None, None, None, payload)

    # GIVEN a record verified 无效 in September, then 无效 and 有效 in October
    events = (verified(1, date(2026, 9, 28), "无效"), verified(2, date(2026, 10, 20), "无效"),
              verified(3, date(2026, 11, 9), "有效"))  # fmt: skip
    record = nc("BHG-2026-0008", date(2026, 9, 1), closed_on=date(2026, 11, 9), verified="有效", events=events)
    # THEN the fourth quarter counts its two verifications, one 有效; the third its one 无效
    q4, q3 = nonconformity_figures([record], "2026Q4"), nonconformity_figures([record], "2026Q3")
    assert (q4["verified"], q4["effective"], q4["effectiveness"]) == (2, 1, 0.5)
    assert (q3["verified"], q3["effective"], q3["effectiveness"]) == (1, 0, 0.0)
    assert (q4["closed"], q4["close_longest"]) == (1, 69)


def test_a_running_quarter_is_reported_as_of_the_day():
    f = nonconformity_figures(quarter_records(), "2026Q4", as_of=date(2026, 11, 5))
    # records opened after 5 November are not known yet; 0004 closed on 1 November
    assert f["total"] == 3 and f["closed"] == 3 and f["open"] == 1 and f["overdue"] == []
    assert f["as_of"] == date(2026, 11, 5) and f["recurrences"] == []
    empty = nonconformity_context(nonconformity_figures([], "2026Q4"), date(2027, 1, 4))
    assert empty["effectiveness"] == "—" and empty["by_category"] == [] and empty["recurrences"] == []


@pytest.mark.skipif(not POPPLER, reason="poppler-utils not installed")
def test_the_quarterly_statistics_pdf_and_the_study_requests(ws, ledger, monkeypatch):
    monkeypatch.setattr(Workspace, "today", lambda self: date(2027, 1, 4))  # the quarter is over
    paths = write_nonconformity_report(ws, ledger, "2026Q4", records=quarter_records())
    assert [p.relative_to(ws.root).as_posix() for p in paths] == [
        "outbox/reports/2026Q4/不合格品统计报告-2026Q4.pdf",
        "outbox/reports/不合格品/不合格品重复发生专题研究申请单-渗漏-BHG-2026-0003.xlsx",
    ]
    text = pdftotext(paths[0])
    for value in (
        "不合格品/服务统计报告",
        "2026年第四季度",
        "闽江建材有限公司",
        "75.0%",
        "16.7天",
        "BHG-2026-0003",
        "总经室",
    ):
        assert printed(text, value), value
    assert b"pdfaid:part" in paths[0].read_bytes()


def test_docgen_report_nonconformity(ws, capsys):
    from docgen.cli import main

    assert main(["--workspace", str(ws.root), "report", "nonconformity", "--quarter", "2026Q3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["outputs"] == ["outbox/reports/2026Q3/不合格品统计报告-2026Q3.pdf"]
    assert main(["--workspace", str(ws.root), "report", "nonconformity", "--quarter", "2026-4"]) != 0


def test_the_sales_service_satisfaction_of_the_quarter_from_the_inquiry_forms(ws, ledger, monkeypatch):
    """NC-3.2.4 A: the 《客户信息征询表》 of the quarter counted per item; a copy sent again replaces the first."""
    from tests.test_steps_sales_inquiry import HAPPY, UNHAPPY, drop, process

    process(ws, ledger, drop(ws, [HAPPY, UNHAPPY]))
    process(ws, ledger, drop(ws, [HAPPY, {**UNHAPPY, "phone": "13900139000"}]))  # corrected copy: counted once
    process(ws, ledger, drop(ws, [HAPPY], header={"filled_on": date(2026, 9, 30)}))  # the previous quarter
    monkeypatch.setattr(Workspace, "today", lambda self: date(2027, 1, 4))
    [path] = write_nonconformity_report(ws, ledger, "2026Q4")
    inquiries = [e.payload for e in ledger.events(kind="sales.inquiry")]
    sales = nonconformity_figures([], "2026Q4", inquiries=inquiries)["sales_service"]
    assert sales["forms"] == 1 and sales["customers"] == 2 and sales["records"] == ["BHG-2026-0001"]
    assert sales["items"]["专业讲解"] == {"满意": 1, "基本满意": 0, "不满意": 1}
    context = nonconformity_context(nonconformity_figures([], "2026Q4", inquiries=inquiries), date(2027, 1, 4))
    assert {"name": "专业讲解", "good": "1", "fair": "0", "bad": "1", "rate": "50.0%"} in context["sales_service"]
    text = pdftotext(path)
    for value in ("销售服务客户满意程度", "NC-3.2.4 A", "专业讲解", "50.0%", "征询客户2人", "BHG-2026-0001"):
        assert printed(text, value), value
