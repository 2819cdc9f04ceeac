"""The group report's completed Word draft dropped back (issue 14; PL-3.3.3): 经验 and 不足 as 企业发展中心 wrote them,
filed as PDF/A with the Word original attached, as a completed 《专题报告》 is; a section left empty is an error naming
its cell."""

from __future__ import annotations

import json
import subprocess
from datetime import date

import docx
import pikepdf

from docgen import pipeline
from docgen.cli import main
from docgen.events import PLAN_GROUP_REPORT
from docgen.workspace import Workspace
from tests.plan_ledger import write_year


def _draft(ws, ledger, capsys, monkeypatch):
    write_year(ws, ledger, quarters=3, annual=False)
    monkeypatch.setattr(Workspace, "today", lambda self: date(2026, 10, 20))
    capsys.readouterr()
    assert main(["--workspace", str(ws.root), "plan", "report", "--quarter", "2026Q3", "--json"]) == 0
    outputs = json.loads(capsys.readouterr().out)["outputs"]
    return ws.root / next(o for o in outputs if o.endswith(".docx"))


def _write(draft, target, experience: str, shortfalls: str):
    document = docx.Document(str(draft))
    for table in document.tables:
        for row in table.rows:
            label = row.cells[0].text.strip()
            if label in ("执行经验", "执行不足"):
                row.cells[1].text = experience if label == "执行经验" else shortfalls
    document.save(str(target))
    return target


def test_the_completed_draft_is_filed_as_pdf_a_with_what_was_written(ws, ledger, capsys, monkeypatch):
    draft = _draft(ws, ledger, capsys, monkeypatch)
    dropped = _write(
        draft, ws.intake / "集团计划执行报告-2026Q3-定稿.docx", "以销定产，回款优先", "开盘节奏对政策变化预判不足"
    )
    outcome = pipeline.process_file(ws, ledger, dropped, date(2026, 10, 22))
    assert outcome.status == "accepted", [f.message for f in outcome.findings]
    filed = [o for o in outcome.outputs if o.endswith(".pdf")]
    assert len(filed) == 1 and filed[0].startswith("outbox/reports/2026Q3/集团计划执行报告-2026Q3-定稿-")
    with pikepdf.open(ws.root / filed[0]) as pdf:
        assert "group-report-original.docx" in pdf.attachments
    plain = subprocess.run(["pdftotext", str(ws.root / filed[0]), "-"], capture_output=True, text=True).stdout
    compact = "".join(plain.split())
    assert "以销定产，回款优先" in compact and "开盘节奏对政策变化预判不足" in compact
    assert "见同名Word稿" not in compact
    recorded = ledger.events(kind=PLAN_GROUP_REPORT)[-1].payload
    assert (recorded["period"], recorded["produced_on"]) == ("Q3", "2026-10-22")


def test_a_section_left_empty_is_an_error_naming_it(ws, ledger, capsys, monkeypatch):
    draft = _draft(ws, ledger, capsys, monkeypatch)
    dropped = _write(draft, ws.intake / "集团计划执行报告-2026Q3-未写.docx", "以销定产", "")
    outcome = pipeline.process_file(ws, ledger, dropped, date(2026, 10, 22))
    assert outcome.status == "rejected"
    errors = [(f.field, f.clause) for f in outcome.findings if f.severity == "error"]
    assert errors == [("shortfalls", "PL-3.3.3")]
    assert "“七、执行中的不足”没有填写" in outcome.findings[0].message
