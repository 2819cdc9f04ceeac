"""Quarterly and annual statements 《客户服务统计报表》 (CS-3.10.4, CS-3.7.2, CS-3.7.4): figures from the ledger,
reproducible for a past period, and the PDF/A-3b made by Typst with its SVG charts (checked with poppler and
pikepdf)."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from docgen import pipeline
from docgen.cases import Case, DeadlineState
from docgen.payloads import RegisteredPayload
from docgen.reports.statements import (
    CHART_FONT,
    StatementPeriodError,
    bar_chart_svg,
    figures_from_cases,
    period_bounds,
    previous_period,
    statement_context,
    statement_figures,
    write_statement,
)
from tests.conftest import register_line, write_register

CST = timezone(timedelta(hours=8))
POPPLER = all(shutil.which(tool) for tool in ("pdftotext", "pdffonts", "pdftoppm"))
WARNING = "融侨锦江“维修”类投诉由2件增至6件，可能引发重大投诉，请提前处理（CS-3.7.4）"


@pytest.fixture
def clock(monkeypatch):
    from tests.conftest import freeze_ledger_clock

    return freeze_ledger_clock(monkeypatch, datetime(2026, 8, 10, 11, 0, tzinfo=CST))


def _process(ws, ledger, lines, today):
    outcome = pipeline.process_file(ws, ledger, write_register(ws.intake, lines), today)
    assert outcome.status == "accepted", outcome.findings
    return outcome.case_ids


@pytest.fixture
def two_quarters(ws, ledger, clock):
    """Q3: 2 repairs at 融侨锦江 and 1 sales complaint at 融侨观邸, none answered.
    Q4: 6 repairs at 融侨锦江 (2 of them major) and 1 sales complaint at 融侨观邸, answered the next day."""
    q3 = date(2026, 8, 10)
    clock["at"] = datetime(2026, 8, 10, 11, 0, tzinfo=CST)
    _process(
        ws,
        ledger,
        [register_line(received_date=q3, customer=f"业主{i}") for i in range(2)]
        + [register_line(received_date=q3, project="融侨观邸", customer="李四", category="销售服务")],
        q3,
    )
    q4 = date(2026, 11, 23)
    clock["at"] = datetime(2026, 11, 23, 11, 0, tzinfo=CST)
    sales_line = dict(received_date=q4, project="融侨观邸", customer="李四", category="销售服务")
    ids = _process(
        ws,
        ledger,
        [register_line(received_date=q4, customer=f"客户{i}", major=i < 2) for i in range(6)]
        + [register_line(**sales_line)],
        q4,
    )
    clock["at"] = datetime(2026, 11, 24, 15, 0, tzinfo=CST)  # progress on the sales complaint the next day
    _process(ws, ledger, [register_line(**sales_line, number=ids[-1], progress="经营销售部已联系业主")], q4)
    return ids


def test_periods_quarter_and_year():
    assert period_bounds("2026q4") == ("2026Q4", date(2026, 10, 1), date(2027, 1, 1))
    assert period_bounds("2026") == ("2026", date(2026, 1, 1), date(2027, 1, 1))
    assert previous_period("2026Q1") == "2025Q4" and previous_period("2026Q4") == "2026Q3"
    assert previous_period("2026") == "2025"
    with pytest.raises(StatementPeriodError, match="2026Q4"):
        period_bounds("去年")


def test_quarter_figures_counts_rates_and_trend_warning(ws, ledger, two_quarters):
    figures = statement_figures(ledger, ws.calendar, "2026Q4")
    categories = {row["name"]: row for row in figures["by_category"]}
    assert figures["total"] == 7 and figures["major"] == 2 and figures["previous"]["total"] == 3
    assert (categories["维修"]["count"], categories["维修"]["previous"], categories["维修"]["change"]) == (6, 2, "+4")
    assert {row["name"]: row["count"] for row in figures["by_project"]} == {"融侨锦江": 6, "融侨观邸": 1}
    assert sum(row["count"] for row in figures["by_department"]) == 7
    rates = {row["key"]: row for row in figures["on_time"]}
    # feedback: 7 due in Q4, only the sales complaint answered in time; Q3's 3 were never answered
    assert (rates["feedback"]["due"], rates["feedback"]["met"], rates["feedback"]["rate"]) == (7, 1, "14.3%")
    assert rates["feedback"]["previous_rate"] == "0.0%" and rates["feedback"]["change"] == "+14.3"
    assert rates["settle"]["rate"] in ("—",) or rates["settle"]["due"] > 0
    assert WARNING in figures["warnings"]
    assert any("融侨锦江本期已发生重大投诉2件" in w for w in figures["warnings"])
    assert not any("融侨观邸" in w for w in figures["warnings"])  # 1 → 1 is no trend
    # the annual statement counts the whole year, against a year without complaints
    annual = statement_figures(ledger, ws.calendar, "2026")
    assert annual["total"] == 10 and annual["previous"]["total"] == 0
    # reproducible: the same ledger gives the same figures
    assert statement_figures(ledger, ws.calendar, "2026Q4") == figures


def _case(number, received, category, project, deadlines):
    return Case(
        number,
        RegisteredPayload.model_validate(
            {
                "received_at": received + "T10:00:00+08:00",
                "category": category,
                "project": project,
                "department": "工程材料部",
                "major": False,
            }
        ),
        [],
        deadlines,
    )


def test_on_time_means_met_on_or_before_due_and_dash_when_nothing_due():
    due = date(2026, 10, 12)
    cases = [
        _case("A", "2026-10-09", "维修", "P", [DeadlineState("survey", "勘察", due, "CS-3.4.5", False, due)]),
        _case(
            "B",
            "2026-10-09",
            "维修",
            "P",
            [DeadlineState("survey", "勘察", due, "CS-3.4.5", False, due + timedelta(days=1))],
        ),
        _case("C", "2026-10-09", "维修", "P", [DeadlineState("survey", "勘察", date(2027, 1, 4), "CS-3.4.5", False)]),
    ]  # due after the quarter
    rates = {row["key"]: row for row in figures_from_cases(cases, "2026Q4")["on_time"]}
    assert (rates["survey"]["due"], rates["survey"]["met"], rates["survey"]["rate"]) == (2, 1, "50.0%")
    assert rates["callback"]["rate"] == "—" and rates["survey"]["change"] == "—"


def test_a_running_quarter_counts_a_deadline_once_it_is_settled():
    # GIVEN on Friday 27 November: a survey due yesterday and not done, one due today not done yet, one due
    # Monday already done today, and one due Monday not done
    today = date(2026, 11, 27)

    def survey(number, due, met=None):
        return _case(number, "2026-11-25", "维修", "P", [DeadlineState("survey", "勘察", due, "CS-3.4.5", False, met)])

    cases = [
        survey("A", date(2026, 11, 26)),
        survey("B", today),
        survey("C", date(2026, 11, 30), today),
        survey("D", date(2026, 11, 30)),
    ]
    # WHEN the quarter is reported as of today
    rates = {row["key"]: row for row in figures_from_cases(cases, "2026Q4", as_of=today)["on_time"]}
    # THEN the late one and the one done early count (1 of 2 on time); those that can still be met do not
    assert (rates["survey"]["due"], rates["survey"]["met"], rates["survey"]["rate"]) == (2, 1, "50.0%")


def test_rise_needs_half_again_and_three_more():
    def cases(n, day):
        return [_case(f"{day}{i}", day, "维修", "融侨锦江", []) for i in range(n)]

    assert figures_from_cases(cases(4, "2026-08-01") + cases(6, "2026-11-01"), "2026Q4")["warnings"] == []  # +50%, +2
    assert figures_from_cases(cases(8, "2026-08-01") + cases(11, "2026-11-01"), "2026Q4")["warnings"] == []  # +3, <50%
    elsewhere = [_case("Z", "2026-08-01", "物业服务", "融侨观邸", [])]  # the previous quarter has data
    assert figures_from_cases(elsewhere + cases(3, "2026-11-01"), "2026Q4")["warnings"] == [
        "融侨锦江“维修”类投诉由0件增至3件，可能引发重大投诉，请提前处理（CS-3.7.4）"
    ]


def test_a_first_quarter_without_a_previous_one_raises_no_rise_and_says_so():
    # GIVEN a ledger whose first complaints are of 2026Q4: the previous quarter has no data at all
    first = [_case(f"A{i}", "2026-11-02", "维修", "融侨锦江", []) for i in range(3)]
    figures = figures_from_cases(first, "2026Q4")
    # THEN no line "由0件增至3件" is raised, and the comparison says 上期无数据
    assert figures["warnings"] == [] and figures["previous"]["no_data"]
    context = statement_context(figures | {"issued_on": date(2027, 1, 4)})
    assert context["total_change"] == "上期无数据" and context["major_change"] == "上期无数据"


def test_bar_chart_escapes_labels_and_uses_the_cjk_font():
    svg = bar_chart_svg([("<script>&", 3), ("维修", 6)], "标题<b>")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<script>" not in svg and "&lt;script&gt;&amp;" in svg and "<b>" not in svg
    assert f'font-family="{CHART_FONT}"' in svg and ">维修<" in svg
    # the 黑体 role's families, in its order (SimHei where installed), the Noto face Debian ships among them
    assert CHART_FONT.startswith("SimHei, ") and "Noto Sans CJK SC" in CHART_FONT
    assert "本期无数据" in bar_chart_svg([], "空")


def _text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", out)


def _rows(pdf: Path) -> list[str]:
    """The lines of ``pdftotext -layout``, spaces collapsed: a table row reads ``维修 6 85.7% 2 +4``."""
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [" ".join(line.split()) for line in out.splitlines()]


def _fonts(pdf: Path) -> list[tuple[str, str]]:
    """(font name, emb) of every font of the PDF; emb is the 5th field from the end of a pdffonts line."""
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    return [(line.split()[0], line.split()[-5]) for line in out.splitlines()[2:]]


BAR = (0x4A, 0x6F, 0x9C)  # the bars' fill in bar_chart_svg


def _bar_boxes(pdf: Path, tmp: Path) -> list[tuple[int, int, int, int, int]]:
    """Per page drawn at 60 dpi (pdftoppm, plain PPM): (pixels of the bar colour, left, top, right, bottom)."""
    prefix = tmp / "page"
    subprocess.run(["pdftoppm", "-r", "60", str(pdf), str(prefix)], check=True)
    boxes = []
    for page in sorted(tmp.glob("page-*.ppm")):
        data = page.read_bytes()
        magic, width, height, _maxval, pixels = data.split(maxsplit=4)
        assert magic == b"P6"
        width, height = int(width), int(height)
        hits = [
            i // 3 for i in range(0, width * height * 3, 3) if all(abs(pixels[i + k] - BAR[k]) <= 6 for k in range(3))
        ]
        xs, ys = [i % width for i in hits], [i // width for i in hits]
        boxes.append((len(hits), min(xs, default=0), min(ys, default=0), max(xs, default=0), max(ys, default=0)))
    return boxes


def _assert_archival(pdf: Path) -> None:
    """Every font embedded, a CJK face among them and no Latin-only face (Typst's own Libertinus or New
    Computer Modern, DejaVu…: what a label or a chart's text falls back to when its font is missing), PDF/A-3b
    with an sRGB OutputIntent."""
    pikepdf = pytest.importorskip("pikepdf")
    fonts = _fonts(pdf)
    assert fonts and all(emb == "yes" for _, emb in fonts), fonts
    assert any("CJK" in name for name, _ in fonts), fonts
    latin_only = ("Libertinus", "NewCM", "NewComputerModern", "DejaVu", "Liberation")
    assert not any(face in name for name, _ in fonts for face in latin_only), fonts
    with pikepdf.open(pdf) as doc:
        with doc.open_metadata() as meta:
            assert str(meta.get("pdfaid:part")) == "3" and str(meta.get("pdfaid:conformance")) == "B"
        intents = doc.Root.get("/OutputIntents")
        assert intents is not None and len(intents) >= 1 and "/DestOutputProfile" in intents[0]


@pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdffonts, pdftoppm) is not installed")
def test_statement_pdf_sections_counts_warning_fonts_and_reproducible(ws, ledger, two_quarters, tmp_path):
    pytest.importorskip("typst")
    pdf = write_statement(ws, ledger, "2026q4")
    assert pdf == ws.root / "outbox" / "reports" / "2026Q4" / "客户服务统计报表-2026Q4.pdf"
    text = _text(pdf)
    for heading in (
        "客户服务统计报表",
        "（2026年第四季度",
        "2026年10月1日至2026年12月31日",
        "一、投诉分类统计",
        "二、按项目与责任部门",
        "（一）按项目",
        "（二）按责任部门",
        "三、各条款按时完成率",
        "四、与上期比较",
        "五、预警（CS-3.7.4）",
    ):
        assert heading in text, heading
    issued = ws.calendar.next_workday(date(2026, 12, 31))  # the first working day after the quarter
    assert f"客户服务部{issued.year}年{issued.month}月{issued.day}日" in text  # the issuer over the date
    assert "编制人：" in text and "审核人：" in text
    rows = _rows(pdf)
    # counts by category, project and department: this quarter, share, previous quarter, change
    for row in ("维修 6 85.7% 2 +4", "销售服务 1 14.3% 1 0", "融侨锦江 6 85.7% 2 +4", "融侨观邸 1 14.3% 1 0"):
        assert row in rows, row
    # on-time rates per clause: due 7, met 1 → 14.3%, against the previous quarter's 0.0%: +14.3 points
    assert "首次反馈 CS-3.4.2.2 7 1 14.3% 0.0% +14.3" in rows
    assert "维修回访 CS-3.5.4 0 0 — — —" in rows  # nothing due: a dash, not 0 %
    assert "2026年第三季度3件，增加4件" in text and "重大投诉本期2件，上期0件，增加2件" in text  # the trend
    assert f"1.{WARNING}。" in text and "融侨锦江本期已发生重大投诉2件" in text
    # the charts: their titles are real text in the PDF, and their bars are drawn, at a readable size
    assert "2026年第四季度投诉分类（件）" in text and "2026年第四季度各项期限按时完成率" in text
    boxes = _bar_boxes(pdf, tmp_path)
    assert sum(count for count, *_ in boxes) > 500, boxes
    mm = 60 / 25.4  # pixels per millimetre at 60 dpi
    for count, left, _top, right, _bottom in boxes:
        if count:  # bars start right of the labels and stay inside the type area (28 mm / 26 mm margins)
            assert 28 * mm < left < right < (210 - 26) * mm, boxes
    # the longest bar (维修, 6 of 6) spans the chart's bar area: about 90 mm of the 150 mm chart, not a thumbnail
    assert max(right - left for count, left, _top, right, _bottom in boxes if count) > 80 * mm, boxes
    _assert_archival(pdf)
    again = write_statement(ws, ledger, "2026Q4")
    assert _text(again) == text


@pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdffonts, pdftoppm) is not installed")
def test_statement_prints_names_as_text_and_an_empty_period(tmp_path):
    """A category or project typed with markup is printed as typed, in the tables and in the chart; a period
    without complaints says so and still carries its rate table and signature."""
    pytest.importorskip("typst")
    from docgen.render.pdf import render_pdf

    categories = ['#eval("1")', "<svg>&amp;", "*粗体* $x$"]  # ≤ 10 characters: the chart prints them whole
    project = '#read("/etc/passwd")'
    cases = [_case(f"A{i}{j}", "2026-11-02", name, project, []) for i, name in enumerate(categories) for j in range(3)]
    cases.append(_case("B", "2026-08-03", "其他", "别处", []))  # the previous quarter has data: rises are measured
    figures = figures_from_cases(cases, "2026Q4")
    figures["issued_on"] = date(2027, 1, 4)
    pdf = render_pdf("statement.typ", statement_context(figures), tmp_path / "hostile.pdf")
    text, rows = _text(pdf), _rows(pdf)
    for name in categories:
        assert f"{name} 3 33.3% 0 +3" in rows, name  # the category table
        # table, chart label and the warning “{project}“{name}”类投诉由0件增至3件…”: each printed as typed
        assert text.count(re.sub(r"\s+", "", name)) == 3, name
        assert f"{project}“{re.sub(chr(32), '', name)}”类投诉由0件增至3件" in text, name
    assert f"{project} 9 100.0% 0 +9" in rows
    assert "root:x:0:0" not in text
    _assert_archival(pdf)

    figures = figures_from_cases([], "2026Q4")
    figures["issued_on"] = date(2027, 1, 4)
    empty = render_pdf("statement.typ", statement_context(figures), tmp_path / "empty.pdf")
    text = _text(empty)
    assert "本期及上期均无投诉。" in text and "本期未发现可能引发重大投诉的投诉趋势。" in text
    assert "本期无数据" in text and "客户服务部2027年1月4日" in text
    assert "首次反馈 CS-3.4.2.2 0 0 — — —" in _rows(empty)
    _assert_archival(empty)


def test_a_quarter_still_running_counts_only_deadlines_already_due():
    from docgen.reports.statements import figures_from_cases

    # GIVEN no cases at all, the running quarter is stamped with the day it was made
    figures = figures_from_cases([], "2026Q4", as_of=date(2026, 11, 27))
    assert figures["as_of"] == date(2026, 11, 27)
    assert figures_from_cases([], "2026Q3", as_of=date(2026, 11, 27))["as_of"] is None


# ------------------------------------------------------------------------------- per office (CS-3.10.4)


@pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdffonts, pdftoppm) is not installed")
def test_each_office_has_its_statement_to_the_department_and_the_company_one_goes_to_the_general_office(
    ws, ledger, two_quarters, clock
):
    """CS-3.10.4: 各服务处每季、年制作报表向客户服务部提交，客户服务部进行汇总后向公司总经理室提交."""
    pytest.importorskip("typst")
    from docgen.reports.statements import write_statements

    # GIVEN 融侨锦江 (2 complaints in Q3, 6 in Q4), 融侨观邸 (1 and 1), and 翠苑 whose first complaint is of Q4
    clock["at"] = datetime(2026, 11, 25, 11, 0, tzinfo=CST)
    _process(
        ws,
        ledger,
        [register_line(received_date=date(2026, 11, 25), project="翠苑", customer="赵六")],
        date(2026, 11, 25),
    )
    # WHEN the statements of Q4 are written
    folder = ws.root / "outbox" / "reports" / "2026Q4"
    written = write_statements(ws, ledger, "2026Q4")
    # THEN the company's comes first, then one per service office with complaints
    offices = ("翠苑客户服务处", "融侨观邸客户服务处", "融侨锦江客户服务处")
    assert written == [folder / "客户服务统计报表-2026Q4.pdf"] + [
        folder / f"客户服务统计报表-{o}-2026Q4.pdf" for o in offices
    ]
    company, cuiyuan, _guandi, jinjiang = map(_text, written)
    # AND the company's counts every office's complaints, addressed to 总经理室 by 客户服务部
    assert "总经理室：依据" in company and "本期共受理投诉8件" in company and "客户服务部2027年1月4日" in company
    # AND an office's counts its own, addressed to 客户服务部 by the office
    assert "（融侨锦江客户服务处2026年第四季度）" in jinjiang and "客户服务部：依据" in jinjiang
    assert "现将本服务处2026年第四季度客户投诉及处理情况统计报告如下" in jinjiang
    assert "本期共受理投诉6件" in jinjiang and "2026年第三季度受理2件" in jinjiang and "融侨观邸" not in jinjiang
    assert "融侨锦江客户服务处2027年1月4日" in jinjiang and WARNING in jinjiang
    assert "维修 6 100.0% 2 +4" in _rows(written[3])
    # AND an office with no complaint in the previous quarter says 上期无数据, though the company's has data
    assert "本期受理投诉1件，2026年第三季度0件，上期无数据" in cuiyuan and "上期无数据" not in company


def test_the_statement_of_one_office_from_the_command_line(ws, ledger, two_quarters, capsys):
    import json

    from docgen.cli import main

    # WHEN one office's statement is asked for THEN it alone is written
    argv = ["--workspace", str(ws.root), "report", "annual", "--year", "2026", "--json"]
    assert main([*argv, "--office", "融侨观邸客户服务处"]) == 0
    assert json.loads(capsys.readouterr().out)["outputs"] == [
        "outbox/reports/2026/客户服务统计报表-融侨观邸客户服务处-2026.pdf"
    ]
    # AND an office the ledger does not know is refused, naming those it knows, and nothing is written
    assert main([*argv, "--office", "翠苑客户服务处"]) == 2
    assert "已有投诉的服务处：融侨观邸客户服务处、融侨锦江客户服务处" in capsys.readouterr().err
    assert not (ws.root / "outbox/reports/2026/客户服务统计报表-2026.pdf").exists()


@pytest.fixture(autouse=True)
def _after_the_quarter(monkeypatch):
    """Q4 2026 is reported as a past quarter here, whatever today's date is."""
    from docgen.workspace import Workspace as _Workspace

    monkeypatch.setattr(_Workspace, "today", lambda self: date(2027, 1, 15))
