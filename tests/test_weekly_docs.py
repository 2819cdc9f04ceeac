"""The weekly report 《客户服务部投诉处理周报》 (CS-3.10.3, CS-3.4.4) and the daily 《逾期预警》 as Word documents,
written from a ledger built through the pipeline."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from docgen import pipeline
from docgen.render import build_templates
from docgen.render.docx import PACKAGED_TEMPLATES, RenderError, find_template, render_docx
from docgen.reports.periodic import overdue_warning, weekly
from docgen.reports.weekly_docs import warning_context, weekly_context, write_daily_warning, write_weekly_both
from tests.conftest import register_line, write_register
from tests.docx_helpers import (
    all_text,
    assert_built_as_committed,  # noqa: E402
    document_xml,
    paragraph_text,
)
from tests.pdf_text import pdftotext

AMP = "Smith & Sons <Ltd>"


# `docgen report weekly` and the daily warning write each .docx followed by its PDF/A twin; these pick one kind.
def weekly_docx(ws, ledger, week: str) -> list[Path]:
    return [p for p in write_weekly_both(ws, ledger, week) if p.suffix == ".docx"]


def weekly_pdfs(ws, ledger, week: str) -> list[Path]:
    return [p for p in write_weekly_both(ws, ledger, week) if p.suffix == ".pdf"]


def warning_docx(ws, ledger, today: date) -> Path:
    [docx_path] = [p for p in write_daily_warning(ws, ledger, today) if p.suffix == ".docx"]
    return docx_path


def warning_pdf(ws, ledger, today: date) -> Path:
    [pdf] = [p for p in write_daily_warning(ws, ledger, today) if p.suffix == ".pdf"]
    return pdf


BRACES = "{{ 7*7 }}"
NAMES = ("weekly_report.docx", "overdue_warning.docx")
JINJIANG, GUANDI = "融侨锦江客户服务处", "融侨观邸客户服务处"
SURVEY_TEAM = "客户服务部、工程材料部（或物业公司）、维修队长"
CST = timezone(timedelta(hours=8))


# ------------------------------------------------------------------------------------- helpers


@pytest.fixture
def clock(monkeypatch):
    """The ledger's clock, set by the test (events are stamped with it; the figures read the stamps)."""
    from tests.conftest import freeze_ledger_clock

    return freeze_ledger_clock(monkeypatch, datetime(2026, 11, 23, 11, 0, tzinfo=CST))


def assert_no_jinja_left(xml: str) -> None:
    xml = xml.replace("&#123;", "").replace("&#125;", "").replace(BRACES, "")
    for tag in ("{{", "}}", "{%", "%}", "{#", "#}"):
        assert tag not in xml, f"unrendered {tag} in output"


def table_rows(table) -> list[list[str]]:
    rows = []
    for row in table.rows:
        cells = []
        for cell in row.cells:
            cells.append("\n".join(all_text_of(p) for p in cell.paragraphs))
        rows.append(cells)
    return rows


def all_text_of(paragraph) -> str:
    return paragraph_text(paragraph._p)


def tables_by_header(path) -> dict[str, list[list[str]]]:
    """Each table of the document keyed by its header row ("登记编号|受理时间|…")."""
    found: dict[str, list[list[str]]] = {}
    for table in docx.Document(str(path)).tables:
        rows = table_rows(table)
        key = "|".join(rows[0])
        assert key not in found, key
        found[key] = rows
    return found


NEW = "登记编号|受理时间|客户|房号|类别|责任部门|投诉内容"
OPEN = "登记编号|受理时间|客户|类别|责任部门|处理阶段|最新处理进展|下一期限"
OVERDUE = "登记编号|客户|逾期事项|期限|依据条款|逾期（工作日）"


@pytest.fixture
def busy(ws, ledger, clock):
    """Week 48 of 2026 in two communities: a repair never surveyed (overdue), a sales complaint with
    progress noted on Wednesday, a hostile customer name, and a complaint of the following week."""
    clock["at"] = datetime(2026, 11, 23, 11, 0, tzinfo=CST)
    first = pipeline.process_file(
        ws,
        ledger,
        write_register(
            ws.intake,
            [
                register_line(customer=AMP, content=f"卫生间地漏返水\n备注：{BRACES}"),
                register_line(
                    project="融侨观邸",
                    customer="李四",
                    category="销售服务",
                    received_time=time(9, 0),
                    content="合同约定的车位未交付",
                ),
            ],
        ),
        date(2026, 11, 23),
    )
    assert first.status == "accepted", first.findings
    repair, sales = first.case_ids
    clock["at"] = datetime(2026, 11, 25, 16, 0, tzinfo=CST)
    progress = pipeline.process_file(
        ws,
        ledger,
        write_register(
            ws.intake,
            [
                register_line(
                    number=sales,
                    project="融侨观邸",
                    customer="李四",
                    category="销售服务",
                    received_time=time(9, 0),
                    content="合同约定的车位未交付",
                    progress="经营销售部已联系业主，约定周五面谈",
                ),
            ],
        ),
        date(2026, 11, 25),
    )
    assert progress.status == "accepted", progress.findings
    clock["at"] = datetime(2026, 11, 26, 10, 0, tzinfo=CST)
    third = pipeline.process_file(
        ws,
        ledger,
        write_register(
            ws.intake,
            [
                register_line(
                    received_date=date(2026, 11, 26), customer="陈静", building="5", room="0801", content="楼道灯不亮"
                ),
            ],
        ),
        date(2026, 11, 26),
    )
    assert third.status == "accepted", third.findings
    clock["at"] = datetime(2026, 12, 1, 10, 0, tzinfo=CST)
    later = pipeline.process_file(
        ws,
        ledger,
        write_register(
            ws.intake, [register_line(received_date=date(2026, 12, 1), customer="下周的客户", content="下周才收到")]
        ),
        date(2026, 12, 1),
    )
    assert later.status == "accepted", later.findings
    return {"repair": repair, "sales": sales, "stair": third.case_ids[0], "next_week": later.case_ids[0]}


# ------------------------------------------------------------------------------ the templates


def test_report_templates_are_reproducible_and_committed_as_built(tmp_path):
    built = assert_built_as_committed(build_templates.REPORT_TEMPLATES, tmp_path)
    assert sorted(p.name for p in built) == sorted(NAMES)
    assert build_templates.TEMPLATES.keys() >= set(NAMES)


@pytest.mark.parametrize("name, size", [("weekly_report.docx", (297, 210)), ("overdue_warning.docx", (210, 297))])
def test_template_tags_are_whole_runs_fonts_named_and_page_size(name, size):
    path = PACKAGED_TEMPLATES / name
    document = docx.Document(str(path))
    for r in document.element.body.iter(qn("w:r")):
        text = "".join(t.text or "" for t in r.iter(qn("w:t")))
        assert len(re.findall(r"\{\{|\{%", text)) == len(re.findall(r"\}\}|%\}", text)), text
    xml = document_xml(path)
    assert 'w:eastAsia="宋体"' in xml and 'w:eastAsia="黑体"' in xml
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == size
    assert document.core_properties.title == document.paragraphs[0].text
    for table in document.tables:  # bordered, header row repeated on every page
        assert table._tbl.tblPr.find(qn("w:tblBorders")) is not None
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


@pytest.mark.parametrize("name", NAMES)
def test_missing_key_is_an_error(tmp_path, name):
    context = {"weekly_report.docx": weekly_context_sample, "overdue_warning.docx": warning_context_sample}[name]()
    del context["issued_on"]
    with pytest.raises(RenderError, match="issued_on"):
        render_docx(find_template(name, None), context, tmp_path / "r.docx")


def weekly_context_sample() -> dict:
    return {
        "office": "融侨锦江客户服务处",
        "period": "2026年11月23日至2026年11月29日",
        "issued_on": "2026年11月29日",
        "summary": {"new": "0", "closed": "0", "open": "0", "overdue": "0"},
        "new_rows": [],
        "open_rows": [],
        "overdue_rows": [],
        "by_category": [],
        "by_department": [],
    }


def warning_context_sample() -> dict:
    return {
        "issued_on": "2026年11月26日",
        "today": "2026年11月26日",
        "tomorrow": "2026年11月27日",
        "departments": [],
        "totals": {"late": "0", "due": "0"},
    }


def test_empty_lists_print_a_line_instead_of_an_empty_table(tmp_path):
    out = render_docx(find_template("weekly_report.docx", None), weekly_context_sample(), tmp_path / "w.docx")
    text = all_text(out)
    assert "本周无新增投诉。" in text and "没有尚未解决的投诉" in text and "没有逾期事项" in text
    assert docx.Document(str(out)).tables == [] and "\n\n\n" not in text
    assert_no_jinja_left(document_xml(out))
    out = render_docx(find_template("overdue_warning.docx", None), warning_context_sample(), tmp_path / "o.docx")
    assert "今日没有已逾期或下一工作日到期的处理事项。" in all_text(out)
    assert_no_jinja_left(document_xml(out))


# ------------------------------------------------------------------------------ the weekly report


def test_weekly_report_per_office_lists_new_open_and_overdue(ws, ledger, busy):
    paths = weekly_docx(ws, ledger, "2026-W48")
    folder = ws.outbox / "reports" / "2026-W48"
    assert paths == [folder / f"周报-{GUANDI}-2026-W48.docx", folder / f"周报-{JINJIANG}-2026-W48.docx"]
    assert weekly_docx(ws, ledger, "2026-11-26") == paths  # any day of the week names the same week

    # 融侨锦江: two repairs this week (the hostile name verbatim), neither surveyed
    path = paths[1]
    text = all_text(path)
    assert text.startswith(
        "客户服务部投诉处理周报\n服务处：融侨锦江客户服务处　　　　统计期间：2026年11月23日至2026年11月29日"
        "　　　　填报日期：2026年11月30日\n"
    )
    assert "本周新增投诉 2 件，办结 0 件；截至统计期末尚未解决 2 件" in text
    for heading in (
        "一、本周新增投诉",
        "二、本周办结",
        "三、尚未解决的投诉及处理进展",
        "四、逾期事项（工作日）",
        "五、分类统计",
    ):
        assert f"\n{heading}\n" in text, heading
    assert "本周办结投诉 0 件。" in text and "服务处主任：" in text and "日期：______年____月____日" in text
    assert "下周的客户" not in text and busy["next_week"] not in text

    tables = tables_by_header(path)
    new = tables[NEW]
    assert new[1] == [
        busy["repair"],
        "2026年11月23日 10:00",
        AMP,
        "融侨锦江3栋1502室",
        "维修",
        "客户服务部",
        f"卫生间地漏返水\n备注：{BRACES}",
    ]
    assert [r[0] for r in new[1:]] == [busy["repair"], busy["stair"]]
    opened = tables[OPEN]
    assert [r[0] for r in opened[1:]] == [busy["repair"], busy["stair"]]
    assert opened[1][5] == "已登记" and opened[1][6] == "尚无处理进展"
    overdue = tables[OVERDUE]
    late = {(r[0], r[2]): r for r in overdue[1:]}
    survey = [r for (number, label), r in late.items() if number == busy["repair"] and "勘察" in label][0]
    assert survey[1] == AMP and survey[3] == "2026年11月24日" and survey[5] == "3"  # Tue → Fri 27: 3 working days
    assert survey[4].startswith("CS-3.4.5")
    feedback = [r for (number, label), r in late.items() if number == busy["repair"] and r[4] == "CS-3.4.2.2"][0]
    assert feedback[3] == "2026年11月26日" and feedback[5] == "1"
    # the other repair's survey fell due on Friday 27th: at the weekend it is not yet a working day late
    assert [(r[3], r[5]) for (number, _), r in late.items() if number == busy["stair"]] == []
    assert f"逾期未完成的处理事项 {len(overdue) - 1} 项" in text
    assert tables["投诉类别|件数"][1:] == [["维修", "2"], ["合计", "2"]]
    assert tables["责任部门|件数"][1:] == [["客户服务部", "2"], ["合计", "2"]]
    assert_no_jinja_left(document_xml(path))
    assert "49" not in text

    # 融侨观邸: the sales complaint, with Wednesday's progress, the feedback deadline met
    text = all_text(paths[0])
    tables = tables_by_header(paths[0])
    opened = tables[OPEN]
    assert opened[1][:7] == [
        busy["sales"],
        "2026年11月23日 09:00",
        "李四",
        "销售服务",
        "经营销售部",
        "处理中",
        "经营销售部已联系业主，约定周五面谈",
    ]
    assert "截至统计期末，没有逾期事项。" in text and OVERDUE not in tables  # feedback met by the progress note
    assert_no_jinja_left(document_xml(paths[0]))


def test_weekly_context_keys_and_provisional_mark(ws, ledger, busy):
    [guandi, jinjiang] = weekly(ledger, ws.calendar, "2026-W48")
    context = weekly_context(jinjiang, ws.calendar, date(2026, 11, 30))
    assert set(context) == {
        "office",
        "period",
        "issued_on",
        "summary",
        "new_rows",
        "open_rows",
        "overdue_rows",
        "by_category",
        "by_department",
        "meetings_note",  # the weekly meetings of the week (CS-3.10.1, 3.10.2): none checked while it runs
        "meetings",
        "missed_meetings",
    }
    assert context["meetings"] == [] and "本周尚未结束" in context["meetings_note"]
    assert context["issued_on"] == "2026年11月30日"
    assert context["summary"] == {"new": "2", "closed": "0", "open": "2", "overdue": str(len(jinjiang.overdue))}
    assert all(isinstance(v, str) for row in context["overdue_rows"] for v in row.values())
    jinjiang.overdue[0].deadline.provisional = True
    context = weekly_context(jinjiang, ws.calendar, date(2026, 11, 30))
    assert any(row["due"].endswith("日（暂定）") for row in context["overdue_rows"])


def test_the_same_ledger_gives_the_same_report_text_twice(ws, ledger, busy, clock):
    first = {p.name: all_text(p) for p in weekly_docx(ws, ledger, "2026-W48")}
    warning = all_text(warning_docx(ws, ledger, date(2026, 11, 26)))
    assert all_text(warning_docx(ws, ledger, date(2026, 11, 26))) == warning
    assert {p.name: all_text(p) for p in weekly_docx(ws, ledger, "2026-W48")} == first
    # later events (a progress note next week) do not change last week's report
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
    again = {p.name: all_text(p) for p in weekly_docx(ws, ledger, "2026-W48")}
    assert again == first


# ------------------------------------------------------------------------------ the overdue warning


def test_overdue_warning_groups_by_who_must_act(ws, ledger, busy):
    path = warning_docx(ws, ledger, date(2026, 11, 26))
    assert path == ws.outbox / "reports" / "逾期预警" / "逾期预警-2026-11-26.docx"
    text = all_text(path)
    assert text.startswith("逾期预警\n预警日期：2026年11月26日　　　　下一工作日：2026年11月27日\n")
    context = warning_context(
        overdue_warning(ledger, ws.calendar, date(2026, 11, 26)), date(2026, 11, 26), date(2026, 11, 27)
    )
    names = [d["name"] for d in context["departments"]]
    assert names == sorted(names) and SURVEY_TEAM in names
    for index, name in enumerate(names, start=1):
        assert f"\n{index}．责任方：{name}\n" in text
    team = next(d for d in context["departments"] if d["name"] == SURVEY_TEAM)
    assert [(r["number"], r["due"], r["late"]) for r in team["late"]] == [(busy["repair"], "2026年11月24日", "2")]
    assert team["late"][0]["customer"] == AMP and team["late"][0]["clause"].startswith("CS-3.4.5")
    totals = context["totals"]
    assert totals == {
        "late": str(sum(len(d["late"]) for d in context["departments"])),
        "due": str(sum(len(d["due"]) for d in context["departments"])),
        "missed": "0",  # no week over yet: no weekly meeting can have been missed (CS-3.10.1, 3.10.2)
    }
    assert f"已逾期 {totals['late']} 项" in text and f"到期 {totals['due']} 项" in text

    # the document's tables follow the departments: late first, then due, each with its rows
    tables = [table_rows(t) for t in docx.Document(str(path)).tables]
    expected = []
    for d in context["departments"]:
        if d["late"]:
            expected.append(
                [[r["number"], r["customer"], r["label"], r["due"], r["clause"], r["late"]] for r in d["late"]]
            )
        if d["due"]:
            expected.append([[r["number"], r["customer"], r["label"], r["due"], r["clause"]] for r in d["due"]])
    assert [t[1:] for t in tables] == expected
    assert any(AMP in cell for t in tables for row in t for cell in row)
    assert_no_jinja_left(document_xml(path))
    assert "49" not in text


def test_overdue_warning_due_items(ws, ledger, busy):
    # the repair registered Thursday 26th: its feedback (3 working days) falls due on Tue 1 Dec
    context = warning_context(
        overdue_warning(ledger, ws.calendar, date(2026, 11, 30)),
        date(2026, 11, 30),
        ws.calendar.next_workday(date(2026, 11, 30)),
    )
    due = {(r["number"], r["label"]): r for d in context["departments"] for r in d["due"]}
    assert any(number == busy["stair"] for number, _ in due)
    assert all(r["due"] in ("2026年11月30日", "2026年12月1日") for r in due.values())
    assert context["tomorrow"] == "2026年12月1日"


def test_nothing_late_still_writes_the_warning(ws, ledger):
    path = warning_docx(ws, ledger, date(2026, 11, 26))
    assert "今日没有已逾期或下一工作日到期的处理事项。" in all_text(path)


# ---------------------------------------------------------------------------------- printing


def soffice_pdfs(tmp_path, documents) -> list:
    """``documents`` printed to PDF by LibreOffice (headless, a private profile), in one run."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is needed for the print check: apt-get install libreoffice-writer-nogui")
    out = tmp_path / "printed"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            *map(str, documents),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return [out / (document.name[: -len(".docx")] + ".pdf") for document in documents]


def with_latin_face(document, face: str, target):
    """A copy of ``document`` whose Latin text asks for ``face`` instead of Times New Roman."""
    import zipfile

    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(document) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("word/") and info.filename.endswith(".xml"):
                data = data.replace(b'"Times New Roman"', f'"{face}"'.encode())
            dst.writestr(info, data)
    return target


NUMBER = re.compile(r"KF-2026-\d{5}")
DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
# LibreOffice sets a little space between Chinese and figures, which pdftotext prints as a blank: a date
# printed on one line may read "2026 年 11 月 27 日", never with a line break inside.
PRINTED_DATE = re.compile(r"\d{4} *年 *\d{1,2} *月 *\d{1,2} *日")


@pytest.mark.parametrize("latin", ["Times New Roman", "DejaVu Serif"])
def test_prints_in_libreoffice_with_numbers_and_dates_on_one_line(tmp_path, ws, ledger, busy, latin):
    """Printed by LibreOffice, every row is there and no 登记编号 or date is broken over two lines: with the
    metric-compatible face that stands in for Times New Roman (Liberation Serif), and with DejaVu Serif,
    the wider face LibreOffice takes where none is installed (stock LibreOffice 7.4 on Debian 12 wrapped
    KF-2026-00005 after its second hyphen there, and pdftotext read KF-202600005)."""
    if not (shutil.which("pdfinfo") and shutil.which("pdftotext")):
        pytest.skip("poppler-utils (pdfinfo, pdftotext) is needed for the print check")
    documents = [weekly_docx(ws, ledger, "2026-W48")[1], warning_docx(ws, ledger, date(2026, 11, 26))]
    if latin != "Times New Roman":
        documents = [with_latin_face(d, latin, tmp_path / "faces" / d.name) for d in documents]
    for document, pdf in zip(documents, soffice_pdfs(tmp_path, documents)):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        pages = int(re.search(r"^Pages:\s+(\d+)$", info, re.M)[1])
        assert 1 <= pages <= 3, info  # A4 landscape in the house style: a 243 × 138 mm type area
        written, printed = all_text(document), pdftotext(pdf)
        # every table row is printed (none lost at a page break), each number whole and searchable
        assert sorted(NUMBER.findall(printed)) == sorted(NUMBER.findall(written)), printed
        assert sorted(re.sub(" ", "", d) for d in PRINTED_DATE.findall(printed)) == sorted(DATE.findall(written)), (
            printed
        )


def test_numbers_and_dates_are_held_together_in_the_word_documents(ws, ledger, busy):
    """Each hyphen of a 登记编号 or 依据条款 between WORD JOINERs, the parts of a date joined: invisible, and
    read back as typed once the joiners are left out (tests.docx_helpers.visible)."""
    weekly_doc = weekly_docx(ws, ledger, "2026-W48")[1]
    warning_doc = warning_docx(ws, ledger, date(2026, 11, 26))
    for path in (weekly_doc, warning_doc):
        xml = document_xml(path)
        assert "KF-2026-" not in xml and "KF\u2060-\u20602026\u2060-\u206000001" in xml
        assert "CS\u2060-\u20603.4.5" in xml
        assert "2026\u2060年\u206011\u2060月\u206026\u2060日" in xml
        assert not DATE.search(xml)  # every date of the document is joined
    assert tables_by_header(weekly_doc)[NEW][1][0] == busy["repair"]


# The face each name in the Word documents prints in on Debian (make system-packages): Chinese names by
# docgen's fontconfig aliases, Latin names by fontconfig's metric aliases and the packages they name.
FACES = {
    "宋体": "Noto Serif CJK SC",
    "SimSun": "Noto Serif CJK SC",
    "仿宋": "Noto Serif CJK SC",
    "FangSong": "Noto Serif CJK SC",
    "黑体": "Noto Sans CJK SC",
    "SimHei": "Noto Sans CJK SC",
    "楷体": "AR PL UKai CN",
    "KaiTi": "AR PL UKai CN",
    "Times New Roman": "Liberation Serif",
    "Arial": "Liberation Sans",
    "Calibri": "Carlito",
    "Cambria": "Caladea",
}


@pytest.mark.skipif(shutil.which("fc-match") is None, reason="fontconfig (fc-match) is not installed")
def test_face_names_of_the_word_documents_resolve_to_the_installed_faces():
    from pathlib import Path

    conf = Path(build_templates.__file__).resolve().parents[1] / "data" / "fonts" / "64-docgen-chinese-faces.conf"
    installed = Path("/etc/fonts/conf.d") / conf.name
    assert installed.is_file() and installed.read_bytes() == conf.read_bytes(), "run `make system-packages`"
    for name, family in FACES.items():
        for pattern in (name, f"{name}:lang=zh-cn", f"{name}:weight=bold"):
            found = subprocess.run(
                ["fc-match", "-f", "%{family[0]}", pattern], capture_output=True, text=True, check=True
            ).stdout
            assert found == family, (pattern, found)


def test_song_prints_in_noto_serif_cjk_sc(tmp_path, ws, ledger, busy):
    """宋体 (SimSun) prints in Noto Serif CJK SC, 黑体 in Noto Sans CJK SC and Times New Roman in Liberation
    Serif, through the fontconfig aliases `make` installs (docgen/data/fonts/). Stock LibreOffice drew
    宋体 in Noto Sans CJK JP and Times New Roman in DejaVu Serif.

    pdffonts names every Noto CJK face of a LibreOffice PDF "NotoSerifCJKjp…"/"NotoSansCJKjp…" (the
    faces of the collection share one CFF font named so), so which face of the collection was used is
    checked on the glyphs: 宋体 text tagged as English (no Chinese ``locl`` forms) prints exactly as text
    asking for Noto Serif CJK SC, and not as text asking for the JP face."""
    if not shutil.which("pdffonts") or not shutil.which("pdftoppm"):
        pytest.skip("poppler-utils (pdffonts, pdftoppm) is needed for the font check")
    weekly_doc = weekly_docx(ws, ledger, "2026-W48")[1]
    faces = {
        "宋体": "song",
        "Noto Serif CJK SC": "sc",
        "Noto Serif CJK JP": "jp",
        "SimSun": "simsun",
        "黑体": "hei",
        "Noto Sans CJK SC": "sans-sc",
    }
    probes = []
    for face, name in faces.items():
        probe = docx.Document()
        run = probe.add_paragraph().add_run("骨直角令说")
        run.font.size = docx.shared.Pt(28)
        fonts = run._r.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), face)
        probe.save(str(tmp_path / f"probe-{name}.docx"))
        probes.append(tmp_path / f"probe-{name}.docx")
    printed = soffice_pdfs(tmp_path, [weekly_doc, *probes])

    listing = subprocess.run(["pdffonts", str(printed[0])], capture_output=True, text=True, check=True).stdout
    names = [line.split()[0].split("+", 1)[-1] for line in listing.splitlines()[2:]]
    assert any(name.startswith("NotoSerifCJK") for name in names), listing  # 宋体: the serif face
    assert any(name.startswith("NotoSansCJK") for name in names), listing  # 黑体: the sans face
    assert any(name.startswith("LiberationSerif") for name in names), listing  # Times New Roman
    assert not any("DejaVu" in name or "UKai" in name for name in names), listing

    def glyphs(pdf) -> bytes:
        return subprocess.run(
            ["pdftoppm", "-r", "100", "-gray", "-f", "1", "-l", "1", str(pdf)], capture_output=True, check=True
        ).stdout

    image = {name: glyphs(pdf) for name, pdf in zip(faces.values(), printed[1:])}
    assert image["jp"] != image["sc"]  # the probe tells the faces apart
    assert image["song"] == image["sc"] and image["simsun"] == image["sc"]
    assert image["hei"] == image["sans-sc"]


@pytest.fixture(autouse=True)
def _after_the_week(monkeypatch):
    """These tests report week 48 as a past week, whatever today's date is."""
    from datetime import date as _date

    from docgen.workspace import Workspace as _Workspace

    monkeypatch.setattr(_Workspace, "today", lambda self: _date(2026, 12, 7))


def test_category_counts_follow_the_count_then_the_form_s_order_never_the_code_points(ws):
    # GIVEN a week with one complaint each of 物业服务, 维修 and 销售服务, and two of 其他 (issue 11 item 8)
    from collections import Counter

    from docgen.reports.periodic import Weekly

    report = Weekly("融侨锦江客户服务处", date(2026, 11, 23), date(2026, 11, 29))
    report.by_category = Counter({"物业服务": 1, "维修": 1, "销售服务": 1, "其他": 2})
    report.by_department = Counter({"客户服务部": 1, "工程材料部": 1})
    context = weekly_context(report, ws.calendar, date(2026, 11, 30))
    # THEN the most frequent comes first, and equal counts keep the register's dropdown order
    assert [c["name"] for c in context["by_category"]] == ["其他", "维修", "销售服务", "物业服务"]
    assert [c["name"] for c in context["by_department"]] == ["客户服务部", "工程材料部"]  # code points: 工 < 客
