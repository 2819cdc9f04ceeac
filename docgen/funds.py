"""Revolving funds (CS-3.6) and contractors' quality deposits (CS-3.5.9), derived from the ledger.

A revolving fund (周转金) carries a repair of the repair team from its settlement (《维修工程结算书》,
``case.settled``) until 财务计统部 pays it (CS-3.5.9): the 《付款确认单》 it returns (``case.paid``,
``steps/payment.py``) gives the money back to the fund. So a fund's balance is its amount less what is
settled and not yet paid back, less what is pending (a final account not yet settled). Each repair still
owed is listed with the working days (工作日) it has waited since its settlement was recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from docgen.events import CASE_FINAL_ACCOUNT, CASE_PAID, CASE_SETTLED
from docgen.ledger import EventReads
from docgen.procedures import repair_rules
from docgen.wording import chinese_date, day_of, money
from docgen.workspace import Workspace

ZERO = Decimal("0")


@dataclass(frozen=True)
class Repair:
    """One settled repair as the fund sees it: the latest settlement and the latest payment of its case (a
    corrected step replaces the earlier one, it never counts twice)."""

    case_id: str
    order_number: str
    order_class: str | None
    contractor: str | None
    by_contractor: bool
    settled: Decimal
    settled_on: date  # the day the first settlement was recorded: the fund has carried it since
    paid: Decimal
    paid_on: date | None

    @property
    def owed(self) -> Decimal:
        """What the fund still waits for (negative: paid more than settled)."""
        return self.settled - self.paid


def settled_repairs(reads: EventReads) -> list[Repair]:
    """Every settled case, in the order first settled, with what 财务计统部 has paid of it."""
    first_day: dict[str, date] = {}
    settled: dict[str, dict] = {}
    for event in reads.events(kind=CASE_SETTLED):
        if event.case_id is None:
            continue
        first_day.setdefault(event.case_id, day_of(event.recorded_at))
        settled[event.case_id] = event.payload
    paid = {e.case_id: e.payload for e in reads.events(kind=CASE_PAID) if e.case_id is not None}
    repairs = []
    for case_id, p in settled.items():
        payment = paid.get(case_id)
        repairs.append(
            Repair(
                case_id=case_id,
                order_number=p.get("order_number", ""),
                order_class=p.get("order_class"),
                contractor=p.get("contractor"),
                by_contractor=bool(p.get("by_contractor")),
                settled=Decimal(p["audited_amount"]),
                settled_on=first_day[case_id],
                paid=Decimal(payment["paid_amount"]) if payment else ZERO,
                paid_on=date.fromisoformat(payment["paid_date"]) if payment else None,
            )
        )
    return repairs


def carried_by(ws: Workspace, repairs: list[Repair], fund_name: str) -> list[Repair]:
    """The repairs ``fund_name`` carries: the repair team's (not the contractor's own, CS-3.4.6), of the
    classes ``[repair.fund_by_class]`` puts on that fund."""
    fund_of = ws.settings.repair.fund_by_class
    return [r for r in repairs if not r.by_contractor and fund_of.get(r.order_class or "") == fund_name]


def repaid(reads: EventReads, ws: Workspace, fund_name: str, *, excluding: str | None = None) -> Decimal:
    """What 财务计统部 has paid back into ``fund_name`` (CS-3.5.9, CS-3.6), the case ``excluding`` left out
    (the settlement being recorded counts its own amount)."""
    return sum(
        (r.paid for r in carried_by(ws, settled_repairs(reads), fund_name) if r.case_id != excluding),
        ZERO,
    )


def balances(ws: Workspace, today: date | None = None) -> dict:
    """Each revolving fund (settled, repaid, still owed, pending, balance, warning), the repairs still owed
    with the working days they have waited, and each contractor's quality deposit against deductions."""
    today = today or ws.today()
    ledger = ws.open_ledger()
    try:
        repairs = settled_repairs(ledger)
        accounts = {e.case_id: e.payload for e in ledger.events(kind=CASE_FINAL_ACCOUNT)}
    finally:
        ledger.close()
    settled_cases = {r.case_id for r in repairs}
    fund_of = ws.settings.repair.fund_by_class
    funds, owed_list = [], []
    for name, fund in ws.settings.repair.funds.items():
        carried = carried_by(ws, repairs, name)
        settled = sum((r.settled for r in carried), ZERO)
        paid = sum((r.paid for r in carried), ZERO)
        outstanding = settled - paid
        # Pending: repairs whose final account is in but not yet settled.
        waiting = sum(
            (
                Decimal(p["total"])
                for case, p in accounts.items()
                if case not in settled_cases and fund_of.get(p.get("order_class")) == name
            ),
            ZERO,
        )
        warnings = repair_rules.fund_warning(name, fund, outstanding, waiting)
        funds.append(
            {
                "name": name,
                "fund": money(fund),
                "settled": money(settled),
                "repaid": money(paid),
                "outstanding": money(outstanding),
                "pending": money(waiting),
                "balance": money(fund - outstanding - waiting),
                "warning": " ".join(w.message for w in warnings),
            }
        )
        for r in carried:
            if r.owed > 0:
                owed_list.append(
                    {
                        "case": r.case_id,
                        "order_number": r.order_number,
                        "fund": name,
                        "settled": money(r.settled),
                        "paid": money(r.paid),
                        "owed": money(r.owed),
                        "settled_on": r.settled_on.isoformat(),
                        "settled_on_text": chinese_date(r.settled_on),
                        "waiting_workdays": ws.calendar.workdays_late(r.settled_on, today),
                    }
                )
    owed_list.sort(key=lambda item: (-item["waiting_workdays"], item["case"]))
    team = [r for r in repairs if not r.by_contractor]
    deposits = []
    for contractor, deposit in ws.settings.repair.deposits.items():
        deducted = sum(
            (r.settled for r in team if r.order_class == "A" and r.contractor == contractor),
            ZERO,
        )
        warnings = repair_rules.deposit_warning(contractor, deposit, deducted, ZERO)
        deposits.append(
            {
                "contractor": contractor,
                "deposit": money(deposit),
                "deducted": money(deducted),
                "remaining": money(deposit - deducted),
                "warning": " ".join(w.message for w in warnings),
            }
        )
    return {"as_of": today.isoformat(), "funds": funds, "outstanding": owed_list, "deposits": deposits}


def outstanding_lines(report: dict) -> list[str]:
    """The repairs a fund still waits for, for ``docgen funds`` (working days since the settlement)."""
    if not report["outstanding"]:
        return ["  （无：已结算的维修款均已由财务计统部拨付）"]
    return [
        f"  {item['case']} {item['order_number']}（{item['fund']}）：结算 {item['settled']}，已付 {item['paid']}，"
        f"未回款 {item['owed']}，{item['settled_on_text']}结算，已等待 {item['waiting_workdays']} 个工作日"
        for item in report["outstanding"]
    ]


# ============================================================ CS-3.6.2: the contractor's final payment


def warranty_record(ws: Workspace, contractor: str, today: date | None = None) -> dict:
    """CS-3.6.2: the contractor's warranty record — every warranty repair (class A) whose survey named it (by
    the repair team, deducted from its deposit, or by the contractor itself), whether each was completed within its time limit (CS-3.4.5),
    the violations recorded on those cases — with its deposit (CS-3.5.9) and a draft opinion on the final
    payment (工程尾款) for 客户服务部 to weigh and sign. Time limits are counted in working days (工作日)."""
    from docgen.cases import all_cases
    from docgen.events import CASE_SURVEYED, CASE_VIOLATION, CASE_WORK_ORDERED

    today = today or ws.today()
    ledger = ws.open_ledger()
    try:
        cases = all_cases(ledger)
        repairs = {r.case_id: r for r in settled_repairs(ledger)}
    finally:
        ledger.close()
    rows: list[dict[str, Any]] = []
    deducted_total = ZERO
    for case in cases:
        surveyed = next((e for e in reversed(case.events) if e.kind == CASE_SURVEYED), None)
        if surveyed is None or (surveyed.payload.get("contractor") or "").strip() != contractor:
            continue
        order = next((e for e in reversed(case.events) if e.kind == CASE_WORK_ORDERED), None)
        in_warranty = order.payload.get("order_class") == "A" if order else surveyed.payload.get("in_warranty")
        if not in_warranty:
            continue  # class B: outside the warranty, borne by the company (CS-3.5.1)
        deadline = next((d for d in case.deadlines if d.key == "repair"), None)
        repair = repairs.get(case.number)
        late = 0
        if deadline is not None and deadline.met_on is not None:
            late = ws.calendar.workdays_late(deadline.due, deadline.met_on)
        elif deadline is not None and deadline.overdue(today):
            late = ws.calendar.workdays_late(deadline.due, today)
        deducted = (
            repair.settled if repair is not None and repair.order_class == "A" and not repair.by_contractor else ZERO
        )
        deducted_total += deducted
        rows.append(
            {
                "case": case.number,
                "received": case.registered.received_text,
                "content": case.registered.content or "",
                "order_number": order.payload.get("order_number", "") if order else "",
                "repairer": surveyed.payload.get("repairer") or "",
                "due": deadline.due.isoformat() if deadline else None,
                "completed": deadline.met_on.isoformat() if deadline and deadline.met_on else None,
                "workdays_late": late,
                "deducted": money(deducted),
                # The case's recorded breaches, for reference; those of the payment (财务计统部) are not the
                # contractor's.
                "violations": [
                    f"{e.payload.get('message', '')}（{e.payload.get('clause', '')}）"
                    for e in case.events
                    if e.kind == CASE_VIOLATION and e.payload.get("clause") not in ("CS-3.5.9", "CS-3.6")
                ],
            }
        )
    deposit = ws.settings.repair.deposits.get(contractor)
    ends = ws.settings.repair.warranty_ends.get(contractor)
    late_rows = [row for row in rows if row["workdays_late"]]
    unfinished = [row for row in rows if row["completed"] is None]
    violations = sum(len(row["violations"]) for row in rows)
    remaining = deposit - deducted_total if deposit is not None else None
    return {
        "contractor": contractor,
        "as_of": today.isoformat(),
        "warranty_ends": ends.isoformat() if ends else None,
        "warranty_over": ends is not None and today >= ends,
        "deposit": money(deposit) if deposit is not None else None,
        "deducted": money(deducted_total),
        "remaining": money(remaining) if remaining is not None else None,
        "repairs": rows,
        "summary": {
            "repairs": len(rows),
            "late": len(late_rows),
            "unfinished": len(unfinished),
            "violations": violations,
        },
        "opinion": _draft_opinion(contractor, ends, today, deposit, remaining, len(rows), late_rows, unfinished),
    }


def _draft_opinion(
    contractor: str,
    ends: date | None,
    today: date,
    deposit: Decimal | None,
    remaining: Decimal | None,
    count: int,
    late_rows: list[dict],
    unfinished: list[dict],
) -> str:
    """A draft for 客户服务部: CS-3.6.2 leaves the decision to its overall judgement of the warranty record."""
    parts = []
    if ends is None:
        parts.append(f"{contractor}的保修期截止日未在 docgen.toml 的 [repair.warranty_ends] 中登记，请先核实保修期。")
    elif today < ends:
        parts.append(f"保修期至{chinese_date(ends)}，尚未届满；本意见仅供预审，届满后应重新出具。")
    else:
        parts.append(f"保修期已于{chinese_date(ends)}届满。")
    parts.append(f"保修期内共维修{count}项，逾期{len(late_rows)}项，尚未完工{len(unfinished)}项。")
    if deposit is None or remaining is None:
        parts.append(f"{contractor}的工程质量保证金未在 [repair.deposits] 中登记，无法核算可支付金额。")
    elif remaining < 0:
        parts.append(
            f"保证金{money(deposit)}元已不足扣（超出{money(-remaining)}元）：建议不予支付工程尾款，并就超出部分向施工单位追偿。"
        )
    elif unfinished:
        parts.append(f"建议在尚未完工的维修完成并结算扣款后，再支付保证金余额（目前为{money(remaining)}元）。")
    elif late_rows:
        parts.append(
            f"保证金扣款后余额{money(remaining)}元；鉴于保修配合有逾期情况，请客户服务部综合考虑是否全额支付。"
        )
    else:
        parts.append(f"保修期内维修均按期完成，建议支付保证金余额{money(remaining)}元。")
    return "".join(parts)


def write_opinion(ws: Workspace, record: dict) -> str:
    """The opinion as a Word document in ``outbox/reports/保证金/``, for 客户服务部 to sign (CS-3.6.2); the
    path relative to the workspace. Built with python-docx: the draft is meant to be edited before signing."""
    import io

    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    from docgen.atomic import safe_part, write_bytes

    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.size = Pt(12)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run("工程质量保证金（工程尾款）支付意见")
    run.font.size, run.font.bold = Pt(18), True
    run._r.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "黑体")
    document.add_paragraph(
        "依据：CS-3.6.2 客户服务部根据保修期的工程质量情况和保修配合状况，综合考虑工程尾款支付意见。"
    )
    info = [
        ("施工单位", record["contractor"]),
        ("保修期截止", record["warranty_ends"] or "未登记"),
        ("工程质量保证金（元）", record["deposit"] or "未登记"),
        ("已扣维修费用（元，CS-3.5.9）", record["deducted"]),
        ("保证金余额（元）", record["remaining"] or "—"),
        ("统计截至", record["as_of"]),
    ]
    table = document.add_table(rows=len(info), cols=2)
    table.style = "Table Grid"
    for row, (label, value) in zip(table.rows, info):
        row.cells[0].text, row.cells[1].text = label, value
    document.add_paragraph()
    document.add_paragraph("保修记录（期限按工作日计，CS-3.4.5）：")
    columns = ("登记编号", "受理", "维修内容", "维修单位", "完成期限", "完工日期", "逾期工作日", "扣款（元）")
    table = document.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, columns):
        cell.text = text
    for item in record["repairs"]:
        cells = table.add_row().cells
        values = (
            item["case"],
            item["received"],
            item["content"],
            item["repairer"],
            item["due"] or "",
            item["completed"] or "未完工",
            str(item["workdays_late"]),
            item["deducted"],
        )
        for cell, text in zip(cells, values):
            cell.text = text
    if not record["repairs"]:
        document.add_paragraph("（保修期内没有登记该施工单位的维修）")
    violations = [(item["case"], message) for item in record["repairs"] for message in item["violations"]]
    if violations:
        document.add_paragraph("案件上的违反程序记录（供参考）：")
        for case, message in violations:
            document.add_paragraph(f"{case}：{message}")
    document.add_paragraph()
    document.add_paragraph("支付意见（草拟，请客户服务部核定）：")
    document.add_paragraph(record["opinion"])
    for line in (
        "",
        "经办人：______________",
        "客户服务部经理：______________",
        "客户服务部（盖章）",
        "日期：____年__月__日",
    ):
        paragraph = document.add_paragraph(line)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    document.save(out)
    relative = f"{ws.settings.paths.outbox}/reports/保证金/工程尾款支付意见-{safe_part(record['contractor'], 60)}-{record['as_of']}.docx"
    write_bytes(ws.root / relative, out.getvalue())
    return relative
