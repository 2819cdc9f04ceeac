"""Minutes drafts from the ledger (CS-3.10.1, 3.10.2, 3.10.5) and completed minutes read back as tracked
actions."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import docx
import pytest

from docgen import forms, pipeline
from docgen.cases import all_cases
from docgen.chain import Submission
from docgen.forms.base import validate
from docgen.forms.minutes import MINUTES
from docgen.minutes import MinutesError, draft_context, handle_minutes, split_case_numbers, write_draft
from docgen.office.docx_form import read_form
from docgen.render.docx import PACKAGED_TEMPLATES
from docgen.templates import build_templates
from tests.conftest import register_line, write_register
from tests.docx_helpers import all_text

MEETING = date(2026, 11, 27)  # Friday of week 48


@pytest.fixture
def registered(ws, ledger):
    """Two complaints of week 48: a repair in 融侨锦江, a major sales complaint in 融侨观邸."""
    pipeline.process_file(ws, ledger, write_register(ws.intake, [
        register_line(project="融侨锦江"),
        register_line(project="融侨观邸", customer="李四", category="销售服务", major=True,
                      content="合同约定的车位未交付", received_time=time(9, 0))], name="登记表-会议纪要.xlsx"),
        date(2026, 11, 26))
    cases = {c.registered["project"]: c.number for c in all_cases(ledger)}
    return cases["融侨锦江"], cases["融侨观邸"]


@pytest.fixture
def minutes_registered(monkeypatch):
    """The registry adds CS-MINUTES later; until then the tests register it themselves."""
    monkeypatch.setitem(forms.FORMS, MINUTES.form_id, MINUTES)


def header_table(path: Path) -> dict[str, str]:
    table = docx.Document(str(path)).tables[0]
    pairs = {}
    for row in table.rows:
        cells = list(dict.fromkeys(c._tc for c in row.cells))
        texts = [c.xpath("string(.)") for c in cells]
        for i in range(0, len(texts) - 1, 2):
            pairs[texts[i]] = texts[i + 1]
    return pairs


def fill(path: Path, header: dict[str, str], decisions: list[tuple[str, str, str, str]]) -> Path:
    """Complete a draft as a secretary would in Word: header values, then the decisions table."""
    document = docx.Document(str(path))
    for row in document.tables[0].rows:
        cells = list({id(c._tc): c for c in row.cells}.values())
        for label, value in zip(cells[::2], cells[1::2]):
            if label.text in header:
                value.text = header[label.text]
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "决定事项")
    for row, values in zip(table.rows[1:], decisions):
        for cell, value in zip(row.cells, values):
            cell.text = value
    out = path.with_name("定稿-" + path.name)
    document.save(str(out))
    return out


def submission(name: str = "会议纪要.docx") -> Submission:
    return Submission("claim-minutes", "ab" * 32, name, MEETING)


# ------------------------------------------------------------------------------------- template


def test_template_is_built_reproducibly_and_listed(tmp_path):
    assert "minutes.docx" in build_templates.MINUTES_TEMPLATES
    assert build_templates.ALL_TEMPLATES.keys() >= build_templates.MINUTES_TEMPLATES.keys()
    built = build_templates.build_minutes(tmp_path / "minutes.docx")
    assert built.read_bytes() == (PACKAGED_TEMPLATES / "minutes.docx").read_bytes()


def test_case_numbers_split_on_commas_and_enumeration_marks():
    assert split_case_numbers("KF-1、KF-2,KF-3， KF-1；KF-4") == ["KF-1", "KF-2", "KF-3", "KF-4"]
    assert split_case_numbers(None) == []


# ------------------------------------------------------------------------------------- drafts


def test_coordination_draft_lists_the_communitys_complaints_with_next_deadline(ws, ledger, registered):
    jinjiang, guandi = registered
    path = write_draft(ws, ledger, "coordination", MEETING, project="融侨锦江")
    assert path == ws.root / ws.settings.paths.outbox / "reports" / "2026-W48" / "会议纪要-投诉协调例会-融侨锦江-2026-11-27.docx"
    text = all_text(path)
    assert "《融侨锦江投诉协调例会会议纪要》" in text
    assert jinjiang in text and guandi not in text  # only this community
    assert "现场勘察" in text and "2026年11月24日" in text and "CS-3.4.5" in text  # its next deadline
    header = header_table(path)
    assert header["表单编号"] == "CS-MINUTES" and header["版本"] == "1"
    assert header["会议类型"] == "投诉协调例会" and header["会议日期"] == "2026年11月27日"
    for role in ("客户服务部", "物业公司", "经营销售部", "工程材料部"):
        assert role in header["参会人员"]
    assert header["涉及案件"] == jinjiang
    decisions = next(t for t in docx.Document(str(path)).tables if t.rows[0].cells[0].text == "决定事项")
    assert [c.text for c in decisions.rows[0].cells] == ["决定事项", "责任人", "完成期限", "登记编号"]
    assert len(decisions.rows) == 6 and all(c.text == "" for r in decisions.rows[1:] for c in r.cells)


def test_coordination_needs_a_community_and_leaves_out_later_complaints(ws, ledger, registered):
    with pytest.raises(MinutesError, match="小区"):
        draft_context(ws, ledger, "coordination", MEETING)
    before = draft_context(ws, ledger, "coordination", date(2026, 11, 20), project="融侨锦江")
    assert before["cases"] == "" and [a["title"] for a in before["agenda"]] == ["其他事项"]


def test_directors_draft_gives_counts_per_office(ws, ledger, registered):
    """CS-3.10.2: the weekly meeting of service-office directors (CS-3.10: meetings and reports)."""
    path = write_draft(ws, ledger, "directors", MEETING)
    assert path.name == "会议纪要-服务处主任例会-客户服务部-2026-11-27.docx"
    text = all_text(path)
    assert "《客户服务部服务处主任例会会议纪要》" in text
    assert "融侨锦江客户服务处" in text and "融侨观邸客户服务处" in text
    assert "本周新增 1 件，本周办结 0 件，尚未解决 1 件，逾期事项 2 项" in text  # 融侨锦江: survey and feedback
    assert "各客户服务处主任" in header_table(path)["参会人员"]
    assert header_table(path)["会议类型"] == "服务处主任例会"


def test_special_draft_gives_the_facts_and_history_of_one_major_complaint(ws, ledger, registered):
    _, guandi = registered
    path = write_draft(ws, ledger, "special", MEETING, case_number=guandi)
    assert path.name == f"会议纪要-重大投诉专题会议-{guandi}-2026-11-27.docx"
    text = all_text(path)
    assert "《重大投诉专题会议纪要》" in text
    assert "合同约定的车位未交付" in text and "李四" in text
    assert "登记受理" in text and "上报重大投诉" in text  # its history
    header = header_table(path)
    assert header["会议类型"] == "重大投诉专题会议" and header["涉及案件"] == guandi
    assert "总经理" in header["参会人员"] and "经营销售部" in header["参会人员"]
    with pytest.raises(MinutesError, match="KF-2099-99999"):
        draft_context(ws, ledger, "special", MEETING, case_number="KF-2099-99999")


# ------------------------------------------------------------------------------------- read back


def read_back(path: Path):
    raw = read_form(path)
    assert raw is not None and raw.form_id == "CS-MINUTES" and raw.version == 1
    return validate(MINUTES, raw, today=MEETING)


def test_completed_minutes_become_case_events_and_tracked_actions(ws, ledger, registered, minutes_registered):
    jinjiang, _ = registered
    draft = write_draft(ws, ledger, "coordination", MEETING, project="融侨锦江")
    done = fill(draft, {"主持人": "陈主任", "记录人": "林晓"}, [
        ("工程材料部安排施工单位三日内勘察", "工程材料部", "2026-12-02", jinjiang),
        ("物业公司排查同楼栋地漏", "物业公司", "2026年12月4日", ""),
    ])
    parsed, findings = read_back(done)
    assert parsed is not None, findings
    assert parsed.header.meeting_type == "投诉协调例会" and parsed.header.chair == "陈主任"
    assert [(d.owner, d.due, d.case_number) for d in parsed.lines] == [
        ("工程材料部", date(2026, 12, 2), jinjiang), ("物业公司", date(2026, 12, 4), None)]

    with ledger.transaction() as tx:
        decision = handle_minutes(tx, ws, parsed, submission())
    assert not decision.findings and decision.case_ids == [jinjiang]
    recorded = ledger.events(kind="case.minutes")
    assert [e.case_id for e in recorded] == [jinjiang]
    assert recorded[0].payload["meeting_type"] == "投诉协调例会" and recorded[0].payload["meeting_date"] == "2026-11-27"
    assert [d["owner"] for d in recorded[0].payload["decisions"]] == ["工程材料部"]
    actions = ledger.events(kind="minutes.action")
    assert [(e.case_id, e.payload["owner"], e.payload["due"]) for e in actions] == [
        (jinjiang, "工程材料部", "2026-12-02"), (None, "物业公司", "2026-12-04")]
    deadline = actions[0].payload["deadlines"][0]
    assert deadline == {"key": f"action-{actions[0].seq}", "label": "工程材料部安排施工单位三日内勘察",
                        "due": "2026-12-02", "clause": "CS-3.10.1", "provisional": False, "basis": "会议纪要",
                        "actor": "工程材料部"}
    # the action on a case is one of its deadlines, pending, with the owner as who must act
    case = next(c for c in all_cases(ledger) if c.number == jinjiang)
    action = next(d for d in case.deadlines if d.key == deadline["key"])
    assert action.met_on is None and action.actor == "工程材料部" and action.due == date(2026, 12, 2)


def test_unknown_case_number_is_an_error_naming_it(ws, ledger, registered, minutes_registered):
    jinjiang, _ = registered
    draft = write_draft(ws, ledger, "coordination", MEETING, project="融侨锦江")
    done = fill(draft, {"主持人": "陈主任", "记录人": "林晓", "涉及案件": f"{jinjiang}、KF-2026-09999"},
                [("复查", "客户服务部", "2026-12-01", "KF-2026-08888")])
    parsed, findings = read_back(done)
    assert parsed is not None, findings
    before = len(ledger.events())
    with ledger.transaction() as tx:
        decision = handle_minutes(tx, ws, parsed, submission())
    messages = [f.message for f in decision.findings if f.severity == "error"]
    assert any("KF-2026-09999" in m for m in messages) and any("KF-2026-08888" in m for m in messages)
    assert len(ledger.events()) == before  # nothing recorded


def test_decision_without_owner_or_due_date_is_an_error_on_its_row(ws, ledger, registered, minutes_registered):
    draft = write_draft(ws, ledger, "directors", MEETING)
    done = fill(draft, {"主持人": "陈主任", "记录人": "林晓"}, [
        ("各服务处周一前报送周报", "", "2026-11-30", ""),
        ("逾期勘察专项督办", "客户服务部", "", ""),
    ])
    parsed, findings = read_back(done)
    assert parsed is not None, findings
    with ledger.transaction() as tx:
        decision = handle_minutes(tx, ws, parsed, submission())
    errors = [f for f in decision.findings if f.severity == "error"]
    assert len(errors) == 2
    owner, due = errors
    assert "责任人" in owner.message and owner.location.endswith("第2行 第2列")
    assert "完成期限" in due.message and due.location.endswith("第3行 第3列")
    assert ledger.events(kind="minutes.action") == []


def test_missing_chair_is_caught_by_validation(ws, ledger, registered, minutes_registered):
    draft = write_draft(ws, ledger, "directors", MEETING)
    done = fill(draft, {"记录人": "林晓"}, [("复查", "客户服务部", "2026-12-01", "")])
    parsed, findings = read_back(done)
    assert parsed is None and any("主持人" in f.message for f in findings)


def test_completed_minutes_dropped_into_intake_are_accepted_end_to_end(ws, ledger, registered, capsys):
    """CS-3.10.5: the special meeting's minutes, drafted by docgen, completed in Word, dropped back."""
    from docgen.cli import main

    _, major = registered
    assert main(["--workspace", str(ws.root), "minutes", "special", "--case", major, "--date", "2026-11-27",
                 "--json"]) == 0
    import json

    [draft] = json.loads(capsys.readouterr().out)["outputs"]
    done = fill(ws.root / draft, {"主持人": "客服部经理", "记录人": "陈静"},
                [("与业主协商车位交付方案", "经营销售部 王经理", "2026-12-04", major)])
    dropped = ws.intake / "重大投诉专题会议纪要.docx"
    done.rename(dropped)
    outcome = pipeline.process_file(ws, ledger, dropped, MEETING)
    assert outcome.status in ("accepted", "accepted_with_findings"), outcome.findings
    assert outcome.form == "CS-MINUTES" and major in outcome.case_ids
    actions = ledger.events(kind="minutes.action")
    assert [a.payload["owner"] for a in actions] == ["经营销售部 王经理"]
    # AND the completed minutes are filed as PDF/A with the Word original inside
    import pikepdf

    [archived] = [o for o in outcome.outputs if o.endswith(".pdf")]
    with pikepdf.open(ws.root / archived) as pdf:
        [(name, attached)] = pdf.attachments.items()
        assert name == "minutes-original.docx"
        assert attached.get_file().read_bytes() == next(ws.archive.rglob("*.docx")).read_bytes()
