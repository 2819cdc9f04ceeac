"""Minutes drafts of the plan meetings (issue 14 item 6; PL-3.3.3, PL-3.3.6): the quarterly briefing 季度计划执行通报会
and the annual summary meeting 年度计划总结会, pre-filled from the consolidated report."""

from __future__ import annotations

import json
from datetime import date

import docx
import pytest

from docgen.cli import main
from docgen.workspace import Workspace
from tests.docx_helpers import all_text
from tests.plan_ledger import write_year


def draft(ws, capsys, monkeypatch, today: date, *argv: str) -> tuple[dict, str]:
    monkeypatch.setattr(Workspace, "today", lambda self: today)
    capsys.readouterr()
    assert main(["--workspace", str(ws.root), "plan", "meeting", *argv, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    return data, all_text(ws.root / data["outputs"][0])


def decisions(path) -> list[list[str]]:
    table = docx.Document(path).tables[-1]
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_the_quarterly_briefing_draft(ws, ledger, capsys, monkeypatch):
    write_year(ws, ledger, quarters=3, annual=False)
    ledger.close()
    data, text = draft(ws, capsys, monkeypatch, date(2026, 10, 20), "--quarter", "2026Q3", "--date", "2026-10-23")
    assert data["meeting"] == "季度计划执行通报会"
    path = ws.root / data["outputs"][0]
    assert path.name == "会议纪要-季度计划执行通报会-2026Q3.docx"
    assert "集团2026年第三季度计划执行通报会\n会议纪要（草稿）" in text
    assert "会议日期：2026年10月23日" in text
    assert "主持：企业发展中心" in text
    assert (
        "出席：企业发展中心、设计研发部、工程材料部、经营销售部、审计核算部、人力资源部、财务计统部、福州分公司、厦门分公司"
        in text
    )
    assert "达到预警标准的1项" in text and "未报1份" in text
    assert "受区域限价政策影响，融侨观邸二期推迟开盘" in text
    rows = decisions(path)
    assert rows[0] == ["序号", "待议事项", "责任单位", "完成期限"]
    assert rows[1][1].startswith("经营销售部销售金额（万元）（第三季度）偏差-40%：是否提出计划调整方案")
    assert rows[1][2] == "经营销售部"
    assert rows[2][1] == "人力资源部第三季度计划执行报告未报：限期补报（PL-3.3.1）"
    assert rows[-1][1] == "其他事项"
    assert "改进意见" not in text  # PL-3.3.6 is the annual meeting's


def test_the_annual_summary_draft_lists_the_year_s_problems_as_improvements(ws, ledger, capsys, monkeypatch):
    write_year(ws, ledger)
    ledger.close()
    data, text = draft(ws, capsys, monkeypatch, date(2027, 1, 26), "--year", "2026")
    assert data["meeting"] == "年度计划总结会"
    assert "集团2026年度计划总结会\n会议纪要（草稿）" in text
    assert "会议日期：2027年1月26日" in text
    assert "四、对下一年度计划的改进意见（PL-3.3.6）" in text
    for fragment in (
        "人力资源部行政管理费用（万元）第一季度偏差+30%（原因：集团办公楼搬迁一次性费用）",
        "福州分公司销售回款额（万元）第二季度偏差-30%",
        "经营销售部销售金额（万元）第三季度偏差-40%",
        "区域限价政策出台，二期开盘时间待定",
        "开盘节奏对政策变化预判不足",
        "人力资源部、审计核算部计划执行报告迟报或未报",
        "财务计统部在五个工作日内完成审核（PL-3.3.2）",
    ):
        assert fragment in text, fragment
    # issue 14 D14: the adjustment approved for 经营销售部 销售金额 is reported, not proposed again
    items = [row[1] for row in decisions(ws.root / data["outputs"][0])]
    sales = [item for item in items if item.startswith("经营销售部销售金额（万元）（第三季度）")]
    assert sales == [
        "经营销售部销售金额（万元）（第三季度）偏差-40%：已提出计划调整方案JHTZ-2026-001（自第4季度起），"
        "已于2026年10月28日批准；跟踪调整后目标的执行（PL-3.4.2）"
    ]


def test_the_meeting_is_quarterly_or_annual(ws):
    with pytest.raises(SystemExit):
        main(["--workspace", str(ws.root), "plan", "meeting", "--half", "2026H1"])
