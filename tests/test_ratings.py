"""The rating of repair workers and team leaders and the service incentive bonus (CS-3.5.10), quarterly
or yearly: repairs counted once, the callback's opinion (CS-3.5.4) winning over the work order's, the
bonus computed by the ``[ratings]`` scheme printed in the sheet, exact money and a signature block."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from docgen.cli import main
from docgen.ledger import Ledger
from docgen.workspace import Workspace, WorkspaceError

TEAM = "客户服务维修队"
_numbers = iter(range(1, 1000))


def record_repair(
    ledger: Ledger,
    *,
    completed: str,
    due: str,
    workers: str = "张师傅",
    leader: str = "郑队长",
    opinion: str = "满意",
    callback: str | None = None,
    repairer: str = TEAM,
) -> str:
    """One repair as the steps record it: registered, work order with its repair deadline (CS-3.4.5),
    completed with the customer's opinion (CS-3.5.3), called back if ``callback`` (CS-3.5.4)."""
    seq = next(_numbers)
    number, order = f"KF-2026-{seq:05d}", f"PG-B-2026-{seq:05d}"
    with ledger.transaction() as tx:
        tx.append(
            "case.registered",
            {
                "number": number,
                "customer": "王建国",
                "department": "客户服务部",
                "office": "融侨锦江客户服务处",
                "category": "维修",
                "project": "融侨锦江",
                "received_at": f"{completed}T09:00:00",
                "deadlines": [],
            },
            case_id=number,
            claim=f"register-{seq}",
        )
        repair = {"key": "repair", "label": "完成维修", "due": due, "clause": "CS-3.4.5", "provisional": False}
        tx.append(
            "case.work_ordered",
            {"order_number": order, "order_class": "B", "repairer": repairer, "deadlines": [repair]},
            case_id=number,
            claim=f"survey-{seq}",
        )
        tx.append(
            "case.completed",
            {
                "case_number": number,
                "order_number": order,
                "repairer": repairer,
                "workers": workers,
                "completed_date": completed,
                "check_service": "林晓",
                "check_team_leader": leader,
                "customer_signature": "王建国",
                "customer_opinion": opinion,
                "deadlines": [],
            },
            case_id=number,
            claim=f"order-{seq}",
        )
        if callback:
            tx.append(
                "case.called_back",
                {"case_number": number, "order_number": order, "callback_date": completed, "satisfaction": callback},
                case_id=number,
                claim=f"callback-{seq}",
            )
    return number


def ratings(ws: Workspace, capsys, *period: str) -> dict:
    assert main(["--workspace", str(ws.root), "report", "ratings", *period, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def sheet_text(ws: Workspace, summary: dict, sheet: str = "评价及奖金核定") -> str:
    workbook = openpyxl.load_workbook(ws.root / summary["output"])
    return "\n".join(
        "|".join("" if v is None else str(v) for v in row) for row in workbook[sheet].iter_rows(values_only=True)
    )


def test_a_repair_counts_once_with_one_opinion(ws, ledger, capsys):
    """Issue 10: "维修次数 1 / 满意 2" — a repair with 满意 on the work order and at the callback is one
    repair rated 满意 once."""
    record_repair(ledger, completed="2026-11-20", due="2026-11-24", opinion="满意", callback="满意")
    summary = ratings(ws, capsys, "--quarter", "2026Q4")
    # The worker's line of the first sheet, read by its column headings.
    rows = list(openpyxl.load_workbook(ws.root / summary["output"]).worksheets[0].iter_rows(values_only=True))
    heading = next(row for row in rows if "维修次数" in row)
    line = dict(zip(heading, next(row for row in rows if "张师傅" in row), strict=True))
    assert (line["维修次数"], line["满意"]) == (1, 1)
    worker = summary["workers"]["张师傅"]
    assert worker["repairs"] == 1
    assert worker["opinions"] == {"满意": 1, "基本满意": 0, "不满意": 0}
    assert worker["called_back"] == 1 and worker["score"] == 100.0


def test_the_callbacks_unsatisfied_reaches_the_rating_and_wins_over_the_work_order(ws, ledger, capsys):
    """满意 signed on the work order, 不满意 at the callback: the repair is 不满意 (the callback is the later,
    independent opinion), not an average of the two."""
    record_repair(ledger, completed="2026-11-20", due="2026-11-24", opinion="满意", callback="不满意")
    record_repair(ledger, completed="2026-11-23", due="2026-11-24", opinion="不满意", callback="基本满意")
    summary = ratings(ws, capsys, "--quarter", "2026Q4")
    worker = summary["workers"]["张师傅"]
    assert worker["score"] == 60.0  # (40 + 80) / 2 repairs; not (100 + 40 + 40 + 80) / 4 answers
    assert worker["opinions"] == {"满意": 0, "基本满意": 1, "不满意": 1}
    assert worker["deduction"] == "50.00" and worker["reward"] == "20.00" and worker["bonus"] == "0.00"
    detail = sheet_text(ws, summary, "维修明细")
    assert "不满意（以回访为准）" in detail and "基本满意（以回访为准）" in detail


def test_bonus_by_the_default_scheme_shared_exactly_with_the_team_leaders_share(ws, ledger, capsys):
    # On time and 满意, three workers: 50.00 shared 16.67 / 16.67 / 16.66 (the odd fen to the first named).
    record_repair(ledger, completed="2026-11-20", due="2026-11-24", workers="张师傅、李师傅、王师傅", callback="满意")
    # 2026-11-27 is one working day after the deadline: no reward, 30.00 deducted.
    record_repair(ledger, completed="2026-11-27", due="2026-11-26", workers="张师傅", opinion="满意")
    # On time and 基本满意: 20.00; another leader.
    record_repair(
        ledger, completed="2026-10-09", due="2026-10-10", workers="李师傅", leader="黄队长", callback="基本满意"
    )
    # A contractor's repair is no work of the team (CS-3.4.6).
    record_repair(
        ledger, completed="2026-11-02", due="2026-11-05", workers="施工队", repairer="施工单位（经工程材料部）"
    )
    summary = ratings(ws, capsys, "--quarter", "2026Q4")
    workers = summary["workers"]
    assert {name: (w["repairs"], w["bonus"]) for name, w in workers.items()} == {
        "张师傅": (2, "0.00"),  # 16.67 - 30.00, not below zero
        "李师傅": (2, "36.67"),  # 16.67 + 20.00
        "王师傅": (1, "16.66"),
    }
    assert workers["张师傅"]["overdue"] == 1 and workers["张师傅"]["deduction"] == "30.00"
    assert "施工队" not in workers and summary["contractor_repairs"] == 1
    leaders = summary["leaders"]
    assert leaders["郑队长"]["repairs"] == 2 and leaders["郑队长"]["bonus"] == "4.00"  # 20 % of (50 - 30)
    assert leaders["黄队长"]["bonus"] == "4.00"  # 20 % of 20
    assert summary["repairs"] == 3 and summary["total_bonus"] == "61.33"
    text = sheet_text(ws, summary)
    assert "按时完工且满意，奖励50.00元" in text and "取这些维修奖励减扣减之和的20%" in text
    assert "奖金总额：61.33元（陆拾壹元叁角叁分）" in text
    assert "编制：" in text and "审核：" in text and "批准：" in text
    # The 合计 row counts each repair once.
    assert "|合计|3|2|1|2|1|0|2|" in text


def test_the_scheme_comes_from_docgen_toml_and_is_printed(ws, ledger, capsys):
    (ws.root / "docgen.toml").write_text(
        "[ratings]\nreward_satisfied = 80\nleader_share = 0.1\ndeduction_overdue = 0\n", encoding="utf-8"
    )
    record_repair(ledger, completed="2026-11-20", due="2026-11-24", workers="张师傅、李师傅", callback="满意")
    record_repair(ledger, completed="2026-11-27", due="2026-11-26", workers="张师傅", opinion="基本满意")
    summary = ratings(ws, capsys, "--quarter", "2026Q4")
    assert summary["workers"]["张师傅"]["bonus"] == "40.00" and summary["workers"]["李师傅"]["bonus"] == "40.00"
    assert summary["leaders"]["郑队长"]["bonus"] == "8.00" and summary["total_bonus"] == "88.00"
    assert summary["scheme"]["reward_satisfied"] == "80"
    assert "按时完工且满意，奖励80.00元" in sheet_text(ws, summary) and "之和的10%" in sheet_text(ws, summary)


def test_a_year_end_rating_covers_the_year(ws, ledger, capsys):
    record_repair(ledger, completed="2026-03-10", due="2026-03-12", callback="满意")
    record_repair(ledger, completed="2026-11-20", due="2026-11-24", callback="基本满意")
    record_repair(ledger, completed="2025-12-30", due="2025-12-31", callback="不满意")
    summary = ratings(ws, capsys, "--year", "2026")
    assert summary["period"] == "2026" and summary["output"].endswith("维修人员评价-2026.xlsx")
    assert summary["workers"]["张师傅"]["repairs"] == 2 and summary["workers"]["张师傅"]["bonus"] == "70.00"
    assert "2026年度维修服务综合评价及服务激励奖金核定表" in sheet_text(ws, summary)
    assert ratings(ws, capsys, "--quarter", "2026Q1")["workers"]["张师傅"]["repairs"] == 1


@pytest.mark.parametrize(
    "argv", [["--quarter", "2026"], ["--year", "2026Q4"], ["--quarter", "2026Q5"], ["--year", "../x"]]
)
def test_a_period_not_written_as_its_flag_says_is_refused(ws, argv, capsys):
    assert main(["--workspace", str(ws.root), "report", "ratings", *argv]) == 2
    assert "格式不对" in capsys.readouterr().err
    assert not (ws.outbox / "reports").exists() or not any((ws.outbox / "reports").iterdir())
    with pytest.raises(SystemExit):  # one of --quarter and --year is required
        main(["--workspace", str(ws.root), "report", "ratings"])


def test_a_negative_or_fractional_fen_amount_in_the_scheme_is_refused(ws):
    (ws.root / "docgen.toml").write_text("[ratings]\ndeduction_unsatisfied = -5\n", encoding="utf-8")
    with pytest.raises(WorkspaceError, match="ratings.deduction_unsatisfied"):
        Workspace.open(ws.root)
    (ws.root / "docgen.toml").write_text("[ratings]\nreward_satisfied = 50.005\n", encoding="utf-8")
    with pytest.raises(WorkspaceError, match="ratings.reward_satisfied"):
        Workspace.open(ws.root)


def test_shares_add_up_to_the_amount():
    from docgen.reports.ratings import share

    for amount in ("50.00", "-30.00", "0.01", "100.00", "0.00"):
        for parts in (1, 2, 3, 7):
            pieces = share(Decimal(amount), parts)
            assert sum(pieces) == Decimal(amount) and max(pieces) - min(pieces) <= Decimal("0.01")
    assert share(Decimal("50"), 3) == [Decimal("16.67"), Decimal("16.67"), Decimal("16.66")]


def test_a_running_quarter_is_rated_as_of_today(ws, ledger):
    from docgen.reports.ratings import write_ratings

    record_repair(ledger, completed="2026-11-20", due="2026-11-24", opinion="满意")
    path, summary = write_ratings(
        ledger, "2026Q4", ws.outbox / "r.xlsx", calendar=ws.calendar, today=date(2026, 11, 27)
    )
    assert summary["as_of"] == "2026-11-27"
    text = "\n".join(str(c) for row in openpyxl.load_workbook(path).active.iter_rows(values_only=True) for c in row)
    assert "截至2026年11月27日" in text and "尚未回访的维修1次" in text


def test_the_rating_sheet_prints_on_one_page_with_its_period_in_words(ws, ledger, capsys, tmp_path):
    # GIVEN a quarter's rating (issue 11 item 5: it printed on 6 pages, 综合得分 alone on pages 2 and 4,
    # and its title said "2026Q4")
    import shutil
    import subprocess

    record_repair(ledger, completed="2026-11-20", due="2026-11-24", opinion="满意", callback="满意")
    summary = ratings(ws, capsys, "--quarter", "2026Q4")
    assert "2026年第四季度" in sheet_text(ws, summary) and "2026Q4" not in sheet_text(ws, summary).split("\n")[1]
    soffice = shutil.which("soffice")
    if soffice is None:
        return
    # WHEN LibreOffice prints the first sheet alone
    workbook = openpyxl.load_workbook(ws.root / summary["output"])
    for sheet in workbook.worksheets[1:]:
        workbook.remove(sheet)
    single = tmp_path / "rating.xlsx"
    workbook.save(single)
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(single),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    info = subprocess.run(["pdfinfo", str(tmp_path / "rating.pdf")], check=True, capture_output=True, text=True).stdout
    # THEN it is one page, with 综合得分 on it
    assert info.split("Pages:")[1].split()[0] == "1"
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "rating.pdf"), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "综合得分" in text and "2026年第四季度" in "".join(text.split())
