"""The annual plan balance check 《年度计划综合平衡检查表》 (issue 14 item 8; PL-3.2.4): sales against delivery dates,
delivery dates against the construction schedule, cash collection against sales, and the units' targets against
the project lines."""

from __future__ import annotations

import json
from datetime import date

import docx

from docgen.cli import main
from docgen.plans import load_plan_year
from docgen.reports.plan_balance import balance_findings
from docgen.workspace import Workspace
from tests.docx_helpers import all_text
from tests.plan_ledger import write_year

PROJECTS = [
    {  # consistent
        "project": "融侨观邸二期",
        "start_on": "2025-03-01",
        "completion_on": "2026-09-30",
        "delivery_on": "2026-12-20",
        "saleable_area": "12",
        "sales_area": "8",
        "sales_amount": "150000",
        "collection_amount": "120000",
    },
    {  # not started in the year, yet sold; collection 1/6 of sales
        "project": "融侨锦江",
        "start_on": "2027-03-01",
        "sales_area": "3",
        "sales_amount": "60000",
        "collection_amount": "10000",
    },
    {  # delivered before completion; more sold than saleable; collection 150 % of sales
        "project": "福州融侨城",
        "start_on": "2025-01-10",
        "completion_on": "2026-11-30",
        "delivery_on": "2026-10-31",
        "saleable_area": "5",
        "sales_area": "6",
        "sales_amount": "30000",
        "collection_amount": "45000",
    },
    {  # completed before started
        "project": "厦门融侨中心",
        "start_on": "2026-05-01",
        "completion_on": "2026-03-01",
        "delivery_on": "2027-06-30",
        "sales_amount": "20000",
        "collection_amount": "18000",
    },
]


def test_each_inconsistency_with_its_project_figures_and_clause(ws, ledger):
    write_year(ws, ledger, quarters=0, projects=PROJECTS)
    found = balance_findings(load_plan_year(ledger, ws.settings, 2026))
    by = {(f.subject, f.check, f.problem.split("，")[0]) for f in found}
    assert by == {
        ("融侨锦江", "产销平衡", "2026年内未开工的项目不具备预售条件"),
        ("融侨锦江", "回款与销售", "回款不足当年销售金额的50%"),
        ("福州融侨城", "产销平衡", "计划销售面积超过可售面积"),
        ("福州融侨城", "交付期与工程进度", "交付日期早于竣工日期"),
        ("福州融侨城", "回款与销售", "回款超过当年销售金额的120%"),
        ("厦门融侨中心", "交付期与工程进度", "竣工日期早于开工日期"),
        ("各单位合计", "指标与项目计划", "各部门和分支机构的销售面积指标合计与项目计划不一致"),
        ("各单位合计", "指标与项目计划", "各部门和分支机构的销售金额指标合计与项目计划不一致"),
        ("各单位合计", "指标与项目计划", "各部门和分支机构的销售回款额指标合计与项目计划不一致"),
    }
    assert all(f.clause == "PL-3.2.4" for f in found)
    sales = next(f for f in found if "销售金额指标合计" in f.problem)
    # 经营销售部 300000 + 福州分公司 100000 + 厦门分公司 80000 against 150000 + 60000 + 30000 + 20000
    assert "各单位销售金额指标合计480000" in sales.figures and "项目计划合计260000" in sales.figures
    assert sales.problem.endswith("相差220000")
    delivered = next(f for f in found if f.problem == "交付日期早于竣工日期")
    assert delivered.figures == "竣工日期2026年11月30日，交付日期2026年10月31日"


def test_docgen_plan_balance_prints_and_writes_the_list(ws, ledger, capsys, monkeypatch):
    write_year(ws, ledger, quarters=0, projects=PROJECTS)
    ledger.close()
    monkeypatch.setattr(Workspace, "today", lambda self: date(2026, 1, 20))
    capsys.readouterr()
    assert main(["--workspace", str(ws.root), "plan", "balance", "--year", "2026"]) == 0
    out = capsys.readouterr().out
    assert "2026年度计划综合平衡检查（PL-3.2.4）：核对项目4个，不一致9项" in out
    assert "[交付期与工程进度] 厦门融侨中心：竣工日期早于开工日期" in out
    path = ws.outbox / "reports" / "2026" / "年度计划综合平衡检查表-2026.docx"
    text = all_text(path)
    assert "2026年度计划综合平衡检查表" in text and "年年度" not in text and "共核对项目4个，发现不一致9项" in text
    rows = [[c.text for c in row.cells] for row in docx.Document(path).tables[0].rows]
    assert rows[0] == ["序号", "检查项", "项目", "数据", "问题", "条款"]
    assert len(rows) == 10 and {row[5] for row in rows[1:]} == {"PL-3.2.4"}
    assert main(["--workspace", str(ws.root), "plan", "balance", "--year", "2026", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["findings"]) == 9


def test_a_plan_without_project_lines_says_so(ws, ledger):
    write_year(ws, ledger, quarters=0)
    found = balance_findings(load_plan_year(ledger, ws.settings, 2026))
    assert [f.problem for f in found] == ["年度计划没有项目计划行，无法进行产销与交付平衡"]
