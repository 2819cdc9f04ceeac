"""The PDF/A twins of the weekly report 《客户服务部投诉处理周报》 and the daily 《逾期预警》: rendered from the very
contexts the Word documents are rendered from (weekly_context / warning_context), written next to the .docx.
Checked with poppler (pdftotext, pdffonts, pdfinfo) and pikepdf; a test is skipped only when a tool is missing."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest

pytest.importorskip("typst", reason="typst is not installed (pip install -e .)")
pikepdf = pytest.importorskip("pikepdf", reason="pikepdf is not installed (pip install -e .)")

from docgen import pipeline  # noqa: E402
from docgen.render.pdf import render_pdf  # noqa: E402
from docgen.reports import weekly_docs  # noqa: E402
from docgen.reports.periodic import overdue_warning, weekly  # noqa: E402
from docgen.reports.weekly_docs import (  # noqa: E402
    warning_context,
    weekly_context,
)
from tests.conftest import register_line, write_register  # noqa: E402
from tests.test_weekly_docs import (  # noqa: E402,F401 - busy and clock are fixtures
    AMP,
    BRACES,
    CST,
    GUANDI,
    JINJIANG,
    SURVEY_TEAM,
    busy,
    clock,
    warning_context_sample,
    warning_docx,
    warning_pdf,
    weekly_context_sample,
    weekly_docx,
    weekly_pdfs,
)

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("pdftotext", "pdffonts", "pdfinfo")),
    reason="poppler-utils (pdftotext, pdffonts, pdfinfo) is not installed: apt-get install poppler-utils",
)

HEADINGS = (
    "一、本周新增投诉",
    "二、本周办结",
    "三、尚未解决的投诉及处理进展",
    "四、逾期事项（工作日）",
    "五、分类统计",
)
WARNING_DAY = date(2026, 11, 26)


from tests.pdf_text import printed  # noqa: E402


def pdftotext(pdf: Path) -> str:
    """The PDF's text as poppler lays it out (``-layout``: a table row on one line, as it is printed)."""
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def flat(pdf: Path) -> str:
    """The text with line breaks and layout spaces removed (a cell may wrap; the words stay in order)."""
    return re.sub(r"\s+", "", pdftotext(pdf))


def pdffonts(pdf: Path) -> list[tuple[str, str]]:
    """``(font name, emb)`` of every font of the PDF."""
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        rows.append((parts[0], parts[-5]))  # name … type … encoding emb sub uni object ID
    return rows


def page_sizes_mm(pdf: Path) -> list[tuple[int, int]]:
    with pikepdf.open(pdf) as doc:
        return [
            (
                round(float(p.mediabox[2] - p.mediabox[0]) * 25.4 / 72),
                round(float(p.mediabox[3] - p.mediabox[1]) * 25.4 / 72),
            )
            for p in doc.pages
        ]


def assert_archival(pdf: Path) -> None:
    fonts = pdffonts(pdf)
    assert fonts, "no fonts"
    assert all(emb == "yes" for _, emb in fonts), fonts
    assert any("CJK" in name for name, _ in fonts), fonts
    assert not any("DejaVu" in name for name, _ in fonts), fonts
    with pikepdf.open(pdf) as doc:
        with doc.open_metadata() as meta:
            assert str(meta.get("pdfaid:part")) == "3"
            assert str(meta.get("pdfaid:conformance")) == "B"
        assert str(doc.Root.Lang) == "zh-CN"


def assert_no_markup(text: str) -> None:
    text = text.replace(BRACES, "")  # a customer's own text, printed as written
    for tag in ("{{", "{%", "{#", "<td", "<tr", "&amp;", "&lt;"):
        assert tag not in text, tag


# ------------------------------------------------------------------------------ the weekly report


def test_weekly_pdf_next_to_the_docx_with_the_same_content(ws, ledger, busy):
    docs = weekly_docx(ws, ledger, "2026-W48")
    pdfs = weekly_pdfs(ws, ledger, "2026-W48")
    assert pdfs == [p.with_name(p.stem + ".pdf") for p in docs]
    assert [p.name for p in pdfs] == [f"周报-{GUANDI}-2026-W48.pdf", f"周报-{JINJIANG}-2026-W48.pdf"]
    assert weekly_pdfs(ws, ledger, "2026-11-26") == pdfs  # any day of the week names the same week

    [guandi, jinjiang] = weekly(ledger, ws.calendar, "2026-W48")
    for pdf, report in zip(pdfs, (guandi, jinjiang)):
        assert_archival(pdf)
        assert all(size == (297, 210) for size in page_sizes_mm(pdf)), "A4 landscape"
        context = weekly_context(report, ws.calendar, ws.calendar.next_workday(report.last))
        text, squeezed = pdftotext(pdf), flat(pdf)
        assert text.lstrip().startswith("客户服务部投诉处理周报")
        assert f"服务处：{context['office']}" in squeezed and context["period"] in squeezed
        assert f"填报日期：{context['issued_on']}" in squeezed
        for heading in HEADINGS:
            assert heading in text, heading
        for row in context["new_rows"] + context["open_rows"]:
            assert row["number"] in text
            assert printed(text, row["content" if "content" in row else "progress"]), row  # wrapped in its cell
        for row in context["overdue_rows"]:  # number, clause and working days late on one table row
            assert re.search(
                rf"{re.escape(row['number'])}.*{re.escape(row['clause'])}\s+{row['late']}\s*$", pdftotext(pdf), re.M
            ), row
        assert "服务处主任：" in text
        assert_no_markup(text)

    text = pdftotext(pdfs[1])
    assert AMP in text  # verbatim, once per table it is in (new, open, overdue)
    assert text.count(AMP) == 2 + sum(
        r["customer"] == AMP for r in weekly_context(jinjiang, ws.calendar, date(2026, 11, 30))["overdue_rows"]
    )
    assert BRACES in text
    assert busy["next_week"] not in text and "下周的客户" not in text
    layout = pdftotext(pdfs[1])
    survey = next(line for line in layout.splitlines() if busy["repair"] in line and "CS-3.4.5" in line)
    assert re.search(r"2026年11月24日\s+CS-3\.4\.5\S*\s+3\s*$", survey), survey  # Tue → Fri 27: 3 working days
    assert "截至统计期末，没有逾期事项。" in pdftotext(pdfs[0])  # 观邸: the feedback met by the progress note


def test_the_command_writes_each_offices_pair_and_reports_progress(ws, ledger, busy):
    steps = []
    written = weekly_docs.write_weekly_both(
        ws, ledger, "2026-W48", progress=lambda done, total: steps.append((done, total))
    )
    assert [p.name for p in written] == [
        f"周报-{GUANDI}-2026-W48.docx",
        f"周报-{GUANDI}-2026-W48.pdf",
        f"周报-{JINJIANG}-2026-W48.docx",
        f"周报-{JINJIANG}-2026-W48.pdf",
    ]
    assert steps == [(1, 2), (2, 2)]
    assert pdftotext(written[1]) == pdftotext(weekly_pdfs(ws, ledger, "2026-W48")[0])


def test_weekly_pdf_is_rendered_from_weekly_context(ws, ledger, busy, monkeypatch):
    seen = []

    def spy(report, calendar, issued_on, *meetings):
        context = weekly_context(report, calendar, issued_on, *meetings)
        context["office"] = "经由周报上下文"
        seen.append(report.office)
        return context

    monkeypatch.setattr(weekly_docs, "weekly_context", spy)
    pdfs = weekly_pdfs(ws, ledger, "2026-W48")
    assert seen == [GUANDI, JINJIANG]
    assert all("服务处：经由周报上下文" in flat(p) for p in pdfs)


def test_empty_lists_print_a_line_instead_of_an_empty_table(tmp_path):
    text = pdftotext(render_pdf("weekly_report.typ", weekly_context_sample(), tmp_path / "w.pdf"))
    for line in ("本周无新增投诉。", "截至统计期末，没有尚未解决的投诉。", "截至统计期末，没有逾期事项。", "无。"):
        assert line in text
    assert "登记编号" not in text and "件数" not in text
    text = pdftotext(render_pdf("overdue_warning.typ", warning_context_sample(), tmp_path / "o.pdf"))
    assert "今日没有已逾期或下一工作日到期的处理事项。" in text and "登记编号" not in text


# ------------------------------------------------------------------------------ the overdue warning


def test_overdue_warning_pdf_grouped_by_who_must_act(ws, ledger, busy):
    doc = warning_docx(ws, ledger, WARNING_DAY)
    pdf = warning_pdf(ws, ledger, WARNING_DAY)
    assert pdf == doc.with_name("逾期预警-2026-11-26.pdf")
    assert_archival(pdf)
    assert all(size == (210, 297) for size in page_sizes_mm(pdf)), "A4 portrait"

    context = warning_context(overdue_warning(ledger, ws.calendar, WARNING_DAY), WARNING_DAY, date(2026, 11, 27))
    text, squeezed = pdftotext(pdf), flat(pdf)
    assert text.lstrip().startswith("逾期预警")
    assert "预警日期：2026年11月26日" in squeezed and "下一工作日：2026年11月27日" in squeezed
    assert f"已逾期{context['totals']['late']}项" in squeezed and f"到期{context['totals']['due']}项" in squeezed
    # the departments in order, each heading followed by its own rows
    positions = [
        squeezed.index(re.sub(r"\s+", "", f"{i}．责任方：{d['name']}"))
        for i, d in enumerate(context["departments"], start=1)
    ]
    assert positions == sorted(positions) and len(positions) >= 2
    bounds = positions[1:] + [len(squeezed)]
    for d, start, end in zip(context["departments"], positions, bounds):
        section = squeezed[start:end]
        for row in d["late"] + d["due"]:
            assert row["number"] in section and re.sub(r"\s+", "", row["clause"]) in section
        if d["late"]:
            assert f"已逾期（{len(d['late'])}项）" in section
        if d["due"]:
            assert f"即将到期（{len(d['due'])}项）" in section
    team = next(d for d in context["departments"] if d["name"] == SURVEY_TEAM)
    [row] = team["late"]
    assert row["customer"] == AMP and AMP in text
    layout = pdftotext(pdf)
    assert re.search(rf"{re.escape(busy['repair'])}.*2026年11月24日\s+{re.escape(row['clause'])}\s+2\s*$", layout, re.M)
    assert "日期：2026年11月26日" in squeezed
    assert_no_markup(text)


# ------------------------------------------------------------------------------ reproducible


def test_the_same_ledger_gives_the_same_pdf_text_twice(ws, ledger, busy, clock):
    first = {p.name: pdftotext(p) for p in weekly_pdfs(ws, ledger, "2026-W48")}
    warning = pdftotext(warning_pdf(ws, ledger, WARNING_DAY))
    assert {p.name: pdftotext(p) for p in weekly_pdfs(ws, ledger, "2026-W48")} == first
    assert pdftotext(warning_pdf(ws, ledger, WARNING_DAY)) == warning
    # a progress note next week does not change last week's report
    clock["at"] = datetime(2026, 12, 2, 10, 0, tzinfo=CST)
    pipeline.process_file(
        ws,
        ledger,
        write_register(
            ws.intake,
            [
                register_line(
                    number=busy["repair"],
                    customer=AMP,
                    content=f"卫生间地漏返水\n备注：{BRACES}",
                    progress="12月2日已勘察",
                )
            ],
        ),
        date(2026, 12, 2),
    )
    assert {p.name: pdftotext(p) for p in weekly_pdfs(ws, ledger, "2026-W48")} == first


@pytest.fixture(autouse=True)
def _after_the_week(monkeypatch):
    """These tests report week 48 as a past week, whatever today's date is."""
    from datetime import date as _date

    from docgen.workspace import Workspace as _Workspace

    monkeypatch.setattr(_Workspace, "today", lambda self: _date(2026, 12, 7))


def test_a_customer_name_with_a_character_no_cjk_font_has_never_stops_a_report(ws, ledger, clock):
    """ "王芳🏠" made every PDF that printed her name fail for good (PDF/A refuses a character without a
    glyph): the weekly report of every office (written together), the daily warning and her dossier."""
    from docgen.reports.dossier import write_dossier

    house, private = "\U0001f3e0", "\ue000"
    clock["at"] = datetime(2026, 11, 23, 11, 0, tzinfo=CST)
    result = pipeline.process_file(
        ws,
        ledger,
        write_register(
            ws.intake,
            [
                register_line(customer=f"王芳{house}"),
                register_line(project="融侨观邸", customer=f"李{private}四", category="销售服务", content="车位未交付"),
            ],
        ),
        date(2026, 11, 23),
    )
    assert result.status == "accepted", result.findings
    wang, li = result.case_ids

    written = weekly_docs.write_weekly_both(ws, ledger, "2026-W48")
    assert sorted(p.suffix for p in written) == [".docx", ".docx", ".pdf", ".pdf"]
    texts = {p.name: pdftotext(p) for p in written if p.suffix == ".pdf"}
    assert f"王芳{house}" in texts[f"周报-{JINJIANG}-2026-W48.pdf"]
    assert "李〓四" in texts[f"周报-{GUANDI}-2026-W48.pdf"]
    warning = pdftotext(warning_pdf(ws, ledger, WARNING_DAY))
    assert wang in warning and f"王芳{house}" in warning
    for number, shown in ((wang, f"王芳{house}"), (li, "李〓四")):
        dossier = write_dossier(ws, ledger, number)
        assert shown in pdftotext(dossier)
        assert all(embedded == "yes" for _, embedded in pdffonts(dossier))


# ------------------------------------------------------------------ weekly meetings not held (CS-3.10.1, 3.10.2)


def test_the_weekly_report_and_the_warning_name_the_weekly_meetings_not_held(ws, ledger, busy, clock):
    from docgen.workspace import Workspace

    # GIVEN docgen in use since Monday 23 November (week 48), 融侨锦江 and 翠苑 (no complaint yet) in their first
    # year after delivery, and only the directors' minutes of Friday 27 November dropped back
    (ws.root / "docgen.toml").write_text(
        '[projects."融侨锦江"]\ndelivered = 2026-06-01\n\n[projects."翠苑"]\ndelivered = 2026-11-01\n', encoding="utf-8"
    )
    ws = Workspace.open(ws.root)
    with ledger.transaction() as tx:
        tx.append(  # the minutes named a complaint: recorded on it as docgen.steps.minutes_intake records them
            "case.minutes",
            {"meeting_type": "服务处主任例会", "meeting_date": "2026-11-27", "clause": "CS-3.10.2", "decisions": []},
            case_id=busy["sales"],
            claim="minutes",
        )
    # WHEN week 48's reports are written after the week
    pdfs = {p.name: p for p in weekly_pdfs(ws, ledger, "2026-W48")}
    # THEN each office's report says, under 六、例会召开情况, which of its meetings the week lacked
    cuiyuan = "翠苑客户服务处"
    assert sorted(pdfs) == [f"周报-{office}-2026-W48.pdf" for office in sorted((cuiyuan, GUANDI, JINJIANG))]
    directors = "第48周（11月23日—11月29日）服务处主任例会已于11月27日召开（CS-3.10.2）"
    for office, community in ((JINJIANG, "融侨锦江"), (cuiyuan, "翠苑")):
        text = flat(pdfs[f"周报-{office}-2026-W48.pdf"])
        assert "六、例会召开情况" in text and "本周应召开例会2次，未召开1次" in text and directors in text
        assert f"第48周（11月23日—11月29日）未召开{community}投诉协调例会（CS-3.10.1）" in text
    guandi = flat(pdfs[f"周报-{GUANDI}-2026-W48.pdf"])
    assert "本周应召开例会1次，均已召开" in guandi and "投诉协调例会" not in guandi
    # AND the week still running says it is checked once the week is over
    assert "本周尚未结束" in flat(weekly_pdfs(ws, ledger, "2026-W50")[0])
    # AND the warning of Monday 7 December lists, under who holds each, the meetings of weeks 48 and 49 not held
    text = flat(warning_pdf(ws, ledger, date(2026, 12, 7)))
    assert "近4周有5次例会未召开" in text
    sections = re.split(r"\d．责任方：", text)
    [department] = [s for s in sections if re.match("客户服务部(?!、)", s)]
    assert "未召开的例会（1次）" in department and "第49周（11月30日—12月6日）服务处主任例会CS-3.10.2" in department
    [jinjiang] = [s for s in sections if s.startswith(JINJIANG)]
    assert "未召开的例会（2次）" in jinjiang
    assert "第48周（11月23日—11月29日）融侨锦江投诉协调例会CS-3.10.1" in jinjiang
    assert "第49周（11月30日—12月6日）融侨锦江投诉协调例会CS-3.10.1" in jinjiang
    [cui] = [s for s in sections if s.startswith(cuiyuan)]
    assert "未召开的例会（2次）" in cui
