"""The 《合格供应商名录》 (NC-3.2.2 A): a serious 甲供 material nonconformity strikes its supplier off, marked with
the record that caused it, asks 工程材料部 for a re-evaluation, and a later record naming the supplier is flagged."""

from __future__ import annotations

import json
from datetime import date

import openpyxl
import pytest

from docgen.nonconformities import NcRecord
from docgen.suppliers import (
    APPROVED,
    STRUCK,
    flag_text,
    needs_reevaluation,
    strike_offs,
    struck_off,
    supplier_list,
    write_supplier_documents,
    write_supplier_list,
)
from docgen.workspace import Workspace, WorkspaceError, load_settings


def nc(number: str, opened: date, **fields) -> NcRecord:
    """A 甲供 material record; ``fields`` override any field."""
    base = {
        "number": number,
        "category": "甲供材料不合格",
        "source": "材料验收",
        "project": "融侨锦江",
        "supplier": "闽江建材有限公司",
        "supply": "甲供",
        "contractor": None,
        "defect": "强度不足",
        "severity": "一般",
        "department": "工程材料部",
        "opened_on": opened,
        "due": None,
        "closed_on": None,
        "verified": None,
    }
    return NcRecord(**{**base, **fields})


FAILURE = nc("BHG-2026-0002", date(2026, 10, 12), severity="严重")


def test_a_serious_owner_supplied_failure_strikes_the_supplier_and_a_later_delivery_is_flagged():
    earlier = nc("BHG-2026-0001", date(2026, 10, 5))  # 一般: corrected, the supplier stays
    later = nc("BHG-2026-0003", date(2026, 11, 3), supplier="闽江建材　有限公司 ", defect="尺寸偏差")
    records = [earlier, FAILURE, later]
    # GIVEN a 甲供 record of severity 严重 THEN it asks for a re-evaluation and strikes its supplier
    assert needs_reevaluation(FAILURE) and not needs_reevaluation(earlier)
    assert strike_offs(records) == {"闽江建材有限公司": FAILURE}
    # AND a later record naming that supplier (spaces as typed do not matter) is flagged with the cause
    cause = struck_off(records, later.supplier, later.opened_on, number=later.number)
    assert cause == FAILURE
    assert flag_text(cause) == (
        "供应商“闽江建材有限公司”已于2026年10月12日因不合格品记录BHG-2026-0002（强度不足，严重）被清除出合格供应商名录，"
        "不应再向其采购；请工程材料部核实（NC-3.2.2 A）"
    )
    # AND the record that struck it off is not flagged for naming it, nor a record before it, nor another supplier
    assert struck_off(records, FAILURE.supplier, FAILURE.opened_on, number=FAILURE.number) is None
    assert struck_off(records, earlier.supplier, earlier.opened_on, number=earlier.number) is None
    assert struck_off(records, "福州钢材厂", date(2026, 12, 1)) is None
    assert struck_off(records, None, date(2026, 12, 1)) is None
    assert struck_off(records, "", date(2026, 12, 1)) is None


@pytest.mark.parametrize(
    "fields",
    [
        {"supply": "乙供", "severity": "严重"},  # NC-3.2.2 B: the contractor's supplier, not the company's list
        {"severity": "一般"},
        {"severity": "严重", "supplier": "  "},
    ],
)
def test_what_does_not_strike_a_supplier_off(fields):
    record = nc("BHG-2026-0009", date(2026, 10, 12), **fields)
    assert not needs_reevaluation(record) and strike_offs([record]) == {}


def test_a_major_quality_accident_strikes_too_and_the_earliest_cause_is_kept():
    accident = nc("BHG-2026-0004", date(2026, 11, 1), severity="重大质量事故")
    assert strike_offs([accident, FAILURE]) == {"闽江建材有限公司": FAILURE}
    assert struck_off([accident], "闽江建材有限公司", date(2026, 11, 1), number="BHG-2026-0005") == accident


def test_the_list_marks_the_struck_off_suppliers_with_their_record(tmp_path):
    other = nc("BHG-2026-0007", date(2026, 11, 20), supplier="未入册建材厂", severity="严重")
    entries = supplier_list(["福州钢材厂", "闽江建材有限公司", "福州钢材厂"], [FAILURE, other])
    # THEN the approved suppliers in their order, once each, then one struck off without being listed
    assert [(e.name, e.status, e.listed, e.cause and e.cause.number) for e in entries] == [
        ("福州钢材厂", APPROVED, True, None),
        ("闽江建材有限公司", STRUCK, True, "BHG-2026-0002"),
        ("未入册建材厂", STRUCK, False, "BHG-2026-0007"),
    ]
    # AND as of a day before the failure the supplier is still qualified
    assert [e.status for e in supplier_list(["闽江建材有限公司"], [FAILURE], date(2026, 10, 11))] == [APPROVED]
    # AND the workbook prints the record, its day and the defect on the struck-off line, in red
    path = write_supplier_list(tmp_path / "名录.xlsx", entries, date(2026, 11, 30))
    sheet = openpyxl.load_workbook(path).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    assert rows[1][:7] == [
        2,
        "闽江建材有限公司",
        STRUCK,
        "2026年10月12日",
        "BHG-2026-0002",
        "强度不足（严重）",
        "融侨锦江",
    ]
    assert rows[2][1] == "未入册建材厂" and rows[2][7] == "未列入初始名录"
    assert sheet.cell(5, 3).font.color.rgb.endswith("C00000")
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage


def test_the_list_and_requests_go_to_the_outbox_from_docgen_toml(tmp_path):
    root = tmp_path / "office"
    root.mkdir()
    (root / "docgen.toml").write_text(
        '[suppliers]\napproved = ["闽江建材有限公司", "福州钢材厂"]\n\n[nonconformity]\nrecurrence_count = 4\n',
        encoding="utf-8",
    )
    ws = Workspace.open(root)
    assert ws.settings.suppliers.approved == ("闽江建材有限公司", "福州钢材厂")
    assert (ws.settings.nonconformity.recurrence_count, ws.settings.nonconformity.recurrence_months) == (4, 3)
    paths = write_supplier_documents(ws, [FAILURE], today=date(2026, 11, 30))
    assert [p.relative_to(root).as_posix() for p in paths] == [
        "outbox/reports/供应商/合格供应商名录.xlsx",
        "outbox/reports/供应商/供应商重新评审申请单-闽江建材有限公司-BHG-2026-0002.xlsx",
    ]
    request = [[c.value for c in row] for row in openpyxl.load_workbook(paths[1]).active.iter_rows()]
    assert ["记录编号", "BHG-2026-0002"] in request and ["严重程度", "严重"] in request
    assert request[1][0] == "工程材料部："


@pytest.mark.parametrize(
    "toml",
    [
        '[suppliers]\napproved = ["甲", "甲"]\n',
        '[suppliers]\napproved = [" "]\n',
        "[nonconformity]\nrecurrence_count = 1\n",
        '[nonconformity]\nrecurrence_months = "3"\n',
        "[suppliers]\nlist = []\n",
    ],
)
def test_bad_supplier_and_recurrence_settings_are_refused(tmp_path, toml):
    (tmp_path / "docgen.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(WorkspaceError):
        load_settings(tmp_path)


def test_docgen_suppliers_on_a_ledger_without_records(ws, capsys):
    from docgen.cli import main

    (ws.root / "docgen.toml").write_text('[suppliers]\napproved = ["福州钢材厂"]\n', encoding="utf-8")
    assert main(["--workspace", str(ws.root), "suppliers", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["suppliers"] == [{"name": "福州钢材厂", "status": APPROVED, "record": None}]
    assert out["outputs"] == ["outbox/reports/供应商/合格供应商名录.xlsx"]
