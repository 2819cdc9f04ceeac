"""《投诉案件档案》 (CS-3.10.6, issue 4): a closed case's steps, deadlines and violations in one PDF/A-3b with
its source forms attached, checked with the tools an archivist would use (poppler, pikepdf)."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date, datetime, timedelta, timezone

import pikepdf
import pytest

from docgen.cases import all_cases
from docgen.reports.dossier import write_dossier
from tests.conftest import freeze_ledger_clock
from tests.test_repair_chain import CLASS_A_1200_50, register, run_chain, survey

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
    reason="poppler-utils (pdftotext, pdffonts) not installed",
)

ISSUED = date(2026, 12, 1)


def _class_a_case(ws, ledger):
    return run_chain(
        ws,
        ledger,
        **CLASS_A_1200_50,
    )


@pytest.fixture
def dossier(ws, ledger, monkeypatch):
    # The steps are stamped on the day of the survey (the feedback deadline, due 26 November, is met by
    # the survey event's stamp): the figures must not depend on the day the tests run.
    freeze_ledger_clock(monkeypatch, datetime(2026, 11, 24, 16, 0, tzinfo=timezone(timedelta(hours=8))))
    number, _ = _class_a_case(ws, ledger)
    return number, write_dossier(ws, ledger, number, issued_on=ISSUED)


from tests.pdf_text import printed  # noqa: E402


def _text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def test_the_dossier_of_a_closed_class_a_case_tells_its_whole_story(ws, ledger, dossier):
    number, path = dossier
    assert path == ws.root / ws.settings.paths.outbox / number / f"99-案件档案-{number}.pdf"
    text = _text(path)
    flat = "".join(text.split())
    # short tokens only: pdftotext reads table cells line by line, so a wrapped cell interleaves
    for expected in (
        "投诉案件档案",
        number,
        "王建国",
        "13800138000",
        "融侨锦江客户服务处",
        "卫生间地漏返水",
        "登记",
        "现场勘察",
        "派工",
        "完工",
        "回访",
        "决算",
        "结算",
        "办结",
        "PG-A-2026-00001",
        "张师",
        "郑队长",
        "副总经理",
        "1,200.50元",
        "按时",
        "CS-3.4.5",
        "CS-3.5.4",
        "CS-3.4.2.2",
        "source-06-settlement.xlsx",
        "附件6",
        "客户服务部",
        "2026年12月1日",
        "2026年11月24日",
    ):
        assert expected in flat, expected
    register_file = next(e.payload["file"] for e in ledger.submissions() if e.payload.get("form") == "CS-REG")
    assert register_file in flat
    assert "重大投诉否" in flat
    # every deadline of the case is judged: on time here
    [case] = all_cases(ledger)
    assert flat.replace("按时/逾期", "").count("按时") == len(case.deadlines) == 4
    assert not re.search(r"逾期(\d|（不足)", flat)


def test_the_dossier_embeds_every_font_with_a_cjk_face(dossier):
    _, path = dossier
    lines = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout.splitlines()
    fonts = [line for line in lines[2:] if line.strip()]
    assert fonts
    # columns: name type encoding emb sub uni object ID — "emb" is the 5th field from the end
    assert all(line.split()[-5] == "yes" for line in fonts), lines
    assert any("CJK" in line or "Song" in line or "Ming" in line or "Hei" in line for line in fonts), lines


def test_the_dossier_is_pdfa_3b_with_each_source_form_attached_byte_for_byte(ws, ledger, dossier):
    number, path = dossier
    submissions = [s for s in ledger.submissions() if number in s.payload.get("case_ids", [])]
    assert [s.payload["form"] for s in submissions] == [
        "CS-REG",
        "CS-SURVEY",
        "CS-WO",
        "CS-CALLBACK",
        "CS-FINAL",
        "CS-SETTLE",
    ]
    with pikepdf.open(path) as pdf:
        with pdf.open_metadata() as meta:
            assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "B"
        files = pdf.attachments
        assert sorted(files) == [
            "source-01-register.xlsx",
            "source-02-survey.xlsx",
            "source-03-work-order.xlsx",
            "source-04-callback.xlsx",
            "source-05-final-account.xlsx",
            "source-06-settlement.xlsx",
        ]
        associated = {str(spec.get("/F")): spec for spec in pdf.Root.get("/AF", [])}
        for name, submission in zip(sorted(files), submissions):
            assert name.isascii()
            spec = files[name]
            assert spec.description.startswith("原始文件：" + submission.payload["file"])
            assert "《" in spec.description
            assert str(spec.obj.AFRelationship) == "/Source"
            assert name in associated
            original = (ws.root / submission.payload["archived"]).read_bytes()
            assert spec.get_file().read_bytes() == original


def test_a_late_step_and_a_violation_show_in_the_dossier(ws, ledger):
    # GIVEN a survey on 11-25 for a complaint due for survey on 11-24 (CS-3.4.5): one working day late
    registered = register(ws, ledger)
    number = registered.case_ids[0]
    surveyed = survey(ws, ledger, registered, survey_date=date(2026, 11, 25), estimate="300")
    path = write_dossier(ws, ledger, number, issued_on=ISSUED)
    text = _text(path)
    flat = "".join(text.split())
    assert printed(text, "2026年11月25日逾期1个工作日")  # completion date and status in one row
    # AND the breach recorded on the case is listed with its clause
    [violation] = ledger.events(case_id=number, kind="case.violation")
    assert violation.payload["clause"] == "CS-3.4.5"
    violations = flat[flat.index("四、违反程序情况") : flat.index("五、原始文件")]
    assert "CS-3.4.5" in violations and "现场勘察于2026-11-25进行" in violations
    assert "未发现违反程序" not in flat
    # the pipeline emitted no dossier for this case, still open (the one above was asked for)
    assert not [o for o in registered.outputs + surveyed.outputs if "案件档案" in o]


def test_the_settlement_writes_the_dossier_of_the_case_it_closes_and_no_other(ws, ledger):
    number, outcomes = _class_a_case(ws, ledger)
    open_case = register(ws, ledger, customer="李四", room="801").case_ids[0]
    outbox = ws.root / ws.settings.paths.outbox
    assert any(o.endswith(f"{number}/99-案件档案-{number}.pdf") for o in outcomes[-1].outputs)  # the settlement's
    assert (outbox / number / f"99-案件档案-{number}.pdf").is_file()
    assert not [o for outcome in outcomes[:-1] for o in outcome.outputs if "案件档案" in o]
    assert not list((outbox / open_case).glob("99-案件档案-*"))


def test_each_attachment_shows_its_chinese_name_with_an_ascii_name_kept_for_old_readers(ws, ledger, dossier):
    # GIVEN the closed repair's dossier  THEN each embedded file has /F ASCII and /UF the Chinese name the
    # reader's attachment pane shows (附件01- and the sender's file name), and the 附件名称 column prints it
    _, path = dossier
    with pikepdf.open(path) as pdf:
        specs = [spec for _, spec in pikepdf.NameTree(pdf.Root.Names.EmbeddedFiles).items()]
        shown = {str(spec.F): str(spec.UF) for spec in specs}
    submissions = [s for s in ledger.submissions() if s.payload.get("form")]
    originals = [s.payload["file"].rsplit(".", 1)[0] for s in submissions][:6]
    assert sorted(shown) == [
        f"source-0{n}-{slug}.xlsx"
        for n, slug in enumerate(
            ["register", "survey", "work-order", "callback", "final-account", "settlement"], start=1
        )
    ]
    for (ascii_name, chinese), order, original in zip(sorted(shown.items()), range(1, 7), originals):
        assert ascii_name.isascii() and chinese == f"附件{order:02d}-{original}.xlsx"
    flat = "".join(_text(path).split())  # a wrapped cell interleaves with its row: short tokens only
    assert all(f"附件{order:02d}-" in flat for order in range(1, 7))


# ------------------------------------------------------------------------ 专题报告 (CS-3.10.6, issue 11 item 6)


def test_the_special_report_pdf_asked_for_directly_still_leaves_ruled_lines_to_write_on(ws, ledger, dossier):
    # GIVEN the closed repair  WHEN the 专题报告 is printed as a PDF (docgen report special --pdf)
    number, _ = dossier
    path = write_dossier(ws, ledger, number, issued_on=ISSUED, special=True)
    assert path.name == f"98-专题报告-{number}.pdf"
    flat = "".join(_text(path).split())
    # THEN its sections 六 and 七 are the hints with lines to write on, nothing filed
    assert "六、原因分析（由客户服务部填写" in flat and "七、处理意见与建议（由客户服务部填写" in flat
    assert "第六、七部分由客户服务部填写" not in flat


def test_a_filed_special_report_prints_its_sections_and_the_history_as_it_stood(ws, ledger, dossier, tmp_path):
    from docgen.reports.dossier import file_special_report

    # GIVEN the closed repair, and a report recorded when its history stopped at the callback
    number, _ = dossier
    events = ledger.events(case_id=number)
    until = next(e.seq for e in events if e.kind == "case.final_account")
    spec = {
        "case_number": number,
        "until_seq": until,
        "issued_on": "2026-12-01",
        "analysis": "地漏安装坡度不足。\n同批次房屋可能存在同类问题。",
        "measures": "排查同楼栋地漏。",
        "reporter": "林晓",
    }
    # WHEN it is filed
    path = file_special_report(ws, ledger, spec, tmp_path / "专题报告.pdf")
    flat = "".join(_text(path).split())
    # THEN the sections as written, instead of the hints and lines
    assert "六、原因分析地漏安装坡度不足。同批次房屋可能存在同类问题。" in flat
    assert "七、处理意见与建议排查同楼栋地漏。" in flat and "（由客户服务部填写" not in flat
    assert f"关于{number}投诉的专题报告" in flat and "报告人：林晓" in flat and "2026年12月1日" in flat
    # AND the history as it stood when the report came in: the steps before it only, their forms attached
    before = [e for e in events if e.seq < until]
    assert f"共记录处理步骤{len(before)}项" in flat and "决算" not in flat.split("三、办理时限")[0]
    with pikepdf.open(path) as pdf:
        assert "source-05-final-account.xlsx" not in pdf.attachments
        assert "source-04-callback.xlsx" in pdf.attachments
    # AND the same ledger gives the same report, however much happened since
    again = file_special_report(ws, ledger, spec, tmp_path / "again.pdf")
    assert "".join(_text(again).split()) == flat
