"""Worker rating and service incentive bonus (CS-3.5.10: 对维修工人和管理人员的维修质量和服务态度进行综合评价，
在季度末或年末核定服务激励奖金), for a quarter (``2026Q4``) or a year (``2026``).

What is counted is repairs, not opinions: each repair of the repair team (a completed 《工程派工单》, its
latest correction, completed within the period) counts once and carries one customer opinion:

- the callback's 满意程度 (《回访记录》, CS-3.5.4) when the customer has been called back: it is the later
  opinion, taken by 客户服务部's 资料员 away from the worker, so it wins over the work order's 客户意见
  signed in front of him (满意 on the work order, 不满意 at the callback is 不满意);
- the work order's 客户意见 otherwise (not called back yet); the sheet counts those repairs (已回访).

A repair is on time when it was completed no later than its repair deadline, counted in working days as
the violation of CS-3.4.5 is (``WorkCalendar.workdays_late``). The bonus follows ``[ratings]`` of
``docgen.toml`` (``workspace.Ratings``), and the sheet prints that rule with the figures it produced:
per repair a reward when on time (满意 / 基本满意), a deduction for 不满意 and one for completion late;
a repair's amount is shared equally by its workers (to the fen, the odd fen to the first named); the
team leader (维修队长, who signed the completion check, CS-3.5.3) gets ``leader_share`` of the amounts of
the repairs he checked; a person's bonus is not below zero (``floor_at_zero``). Money is Decimal, exact.
Repairs a contractor made (施工单位（经工程材料部）, CS-3.4.6) are no work of the team and are only counted.

The score (综合得分) is the mean over the person's repairs of 满意 100, 基本满意 80, 不满意 40.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from docgen.atomic import write_with
from docgen.cases import build
from docgen.errors import PeriodError  # raised here for a period not written like 2026Q4 or 2026
from docgen.events import CASE_CALLED_BACK, CASE_COMPLETED, CASE_REGISTERED, CASE_WORK_ORDERED
from docgen.forms.repair import OPINIONS
from docgen.forms.site_survey import REPAIRERS
from docgen.ledger import Ledger
from docgen.office.xlsx import print_one_page_wide
from docgen.procedures.workdays import WorkCalendar
from docgen.wording import chinese_date, money, money_in_words
from docgen.workspace import Ratings

POINTS = {"满意": 100, "基本满意": 80, "不满意": 40}
REPAIR_TEAM = REPAIRERS[0]  # 客户服务维修队: the team the bonus is for (CS-3.5)
CENT = Decimal("0.01")
_CN_QUARTER = "一二三四"
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_RED = "C00000"


def quarter_bounds(text: str) -> tuple[date, date]:
    match = re.fullmatch(r"(\d{4})\s*Q([1-4])", text.strip().upper())
    if not match:
        raise PeriodError(f"季度“{text}”格式不对；应为 2026Q4 这样的写法")
    year, quarter = int(match[1]), int(match[2])
    first = date(year, 3 * quarter - 2, 1)
    last = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
    return first, last  # last is exclusive


def rating_period(text: str, quarter: bool | None = None) -> tuple[str, str, date, date]:
    """``(label, Chinese name, first day, first day after)`` of a quarter ``2026Q4`` or a year ``2026``
    (``quarter``: only a quarter, or only a year)."""
    label = re.sub(r"\s+", "", str(text)).upper()
    if quarter is not True and re.fullmatch(r"\d{4}", label) and int(label) >= 2000:
        return label, f"{label}年度", date(int(label), 1, 1), date(int(label) + 1, 1, 1)
    if quarter is not False and re.fullmatch(r"\d{4}Q[1-4]", label) and int(label[:4]) >= 2000:
        first, end = quarter_bounds(label)
        return label, f"{label[:4]}年第{_CN_QUARTER[int(label[-1]) - 1]}季度", first, end
    if quarter is True:
        raise PeriodError(f"季度“{text}”格式不对；应为 2026Q4 这样的写法")
    if quarter is False:
        raise PeriodError(f"年度“{text}”格式不对；应为 2026 这样的写法")
    raise PeriodError(f"评价期间“{text}”格式不对；季度写作 2026Q4，年度写作 2026")


def split_workers(text: str | None) -> list[str]:
    names = [name for name in re.split(r"[、,，;；/\s]+", text or "") if name]
    return list(dict.fromkeys(names))  # a name written twice is one worker


def share(amount: Decimal, parts: int) -> list[Decimal]:
    """``amount`` in ``parts`` equal shares to the fen that add up to it exactly; the odd fen go to the
    first shares (50.00 / 3 → 16.68, 16.66, 16.66)."""
    fen = int((amount / CENT).to_integral_value(ROUND_HALF_UP))
    base, odd = divmod(abs(fen), parts)
    sign = -1 if fen < 0 else 1
    return [sign * (base + (i < odd)) * CENT for i in range(parts)]


@dataclass(frozen=True)
class Repair:
    case_id: str
    order_number: str
    project: str
    completed: date
    due: date | None
    late_days: int  # working days after the repair deadline (0: on time)
    work_order_opinion: str | None  # 《工程派工单》客户意见
    callback_opinion: str | None  # 《回访记录》满意程度 (None: not called back yet)
    workers: tuple[str, ...]
    leader: str
    repairer: str

    @property
    def opinion(self) -> str | None:
        """The one opinion the repair is rated by: the callback's, else the work order's."""
        return self.callback_opinion or self.work_order_opinion

    @property
    def on_time(self) -> bool:
        return self.late_days <= 0

    @property
    def disagree(self) -> bool:
        return bool(
            self.callback_opinion and self.work_order_opinion and self.callback_opinion != self.work_order_opinion
        )

    def reward(self, scheme: Ratings) -> Decimal:
        if not self.on_time:
            return Decimal("0.00")
        return {"满意": scheme.reward_satisfied, "基本满意": scheme.reward_fairly_satisfied}.get(
            self.opinion or "", Decimal("0")
        ).quantize(CENT)

    def deduction(self, scheme: Ratings) -> Decimal:
        amount = scheme.deduction_unsatisfied if self.opinion == "不满意" else Decimal("0")
        return (amount + (Decimal("0") if self.on_time else scheme.deduction_overdue)).quantize(CENT)


@dataclass
class Tally:
    repairs: int = 0
    on_time: int = 0
    answers: Counter = field(default_factory=Counter)
    called_back: int = 0
    reward: Decimal = Decimal("0.00")
    deduction: Decimal = Decimal("0.00")

    def add(self, repair: Repair) -> None:
        self.repairs += 1
        self.on_time += repair.on_time
        self.answers[repair.opinion] += 1
        self.called_back += repair.callback_opinion is not None

    @property
    def overdue(self) -> int:
        return self.repairs - self.on_time

    @property
    def net(self) -> Decimal:
        return self.reward - self.deduction

    @property
    def score(self) -> float | None:
        rated = sum(self.answers[name] for name in POINTS)
        if not rated:
            return None
        return round(sum(POINTS[name] * self.answers[name] for name in POINTS) / rated, 1)


@dataclass
class Rating:
    label: str
    name: str
    first: date
    end: date  # exclusive
    as_of: date | None  # a period still running is reported as of this day
    scheme: Ratings
    repairs: list[Repair]
    contractor_repairs: int
    workers: dict[str, Tally]
    leaders: dict[str, Tally]

    def bonus(self, amount: Decimal) -> Decimal:
        return max(amount, Decimal("0.00")) if self.scheme.floor_at_zero else amount

    def worker_bonus(self, tally: Tally) -> Decimal:
        return self.bonus(tally.net)

    def leader_base(self, tally: Tally) -> Decimal:
        return tally.net  # the amounts of the repairs the leader checked, before any floor

    def leader_bonus(self, tally: Tally) -> Decimal:
        return self.bonus((tally.net * self.scheme.leader_share).quantize(CENT, ROUND_HALF_UP))

    @property
    def total(self) -> Decimal:
        return sum((self.worker_bonus(t) for t in self.workers.values()), Decimal("0.00")) + sum(
            (self.leader_bonus(t) for t in self.leaders.values()), Decimal("0.00")
        )


def repairs_in(ledger: Ledger, calendar: WorkCalendar, first: date, end: date) -> list[Repair]:
    """Every repair completed in ``[first, end)``: the latest completion of each case (a correction
    replaces it), with the latest callback and the repair deadline of the latest work order."""
    completions = {e.case_id: e for e in ledger.events(kind=CASE_COMPLETED) if e.case_id}
    callbacks = {e.case_id: e.payload for e in ledger.events(kind=CASE_CALLED_BACK) if e.case_id}
    orders = {e.case_id: e for e in ledger.events(kind=CASE_WORK_ORDERED) if e.case_id}
    registered = {e.case_id: e.payload for e in ledger.events(kind=CASE_REGISTERED) if e.case_id}
    found = []
    for case_id, event in completions.items():
        done = event.payload
        completed = date.fromisoformat(done["completed_date"])
        if not first <= completed < end:
            continue
        case = build(case_id, ledger.events(case_id=case_id))
        repair_due = next((d.due for d in case.deadlines if d.key == "repair"), None) if case else None
        order = orders.get(case_id)
        answer = (callbacks.get(case_id) or {}).get("satisfaction")
        found.append(
            Repair(
                case_id=case_id,
                order_number=done.get("order_number") or (order.payload.get("order_number") if order else "") or "",
                project=str((registered.get(case_id) or {}).get("project") or ""),
                completed=completed,
                due=repair_due,
                late_days=calendar.workdays_late(repair_due, completed) if repair_due else 0,
                work_order_opinion=done.get("customer_opinion") if done.get("customer_opinion") in POINTS else None,
                callback_opinion=answer if answer in POINTS else None,
                workers=tuple(split_workers(done.get("workers"))),
                leader=(done.get("check_team_leader") or "").strip() or "（未签竣工检查）",
                repairer=done.get("repairer") or (order.payload.get("repairer") if order else "") or REPAIR_TEAM,
            )
        )
    return sorted(found, key=lambda r: (r.completed, r.case_id))


def rate(ledger: Ledger, calendar: WorkCalendar, period: str, scheme: Ratings, today: date | None = None) -> Rating:
    label, name, first, end = rating_period(period)
    everything = repairs_in(ledger, calendar, first, end)
    team = [r for r in everything if r.repairer == REPAIR_TEAM]
    workers: dict[str, Tally] = {}
    leaders: dict[str, Tally] = {}
    for repair in team:
        reward, deduction = repair.reward(scheme), repair.deduction(scheme)
        names = repair.workers or ("（未填写维修人员）",)
        for person, part_reward, part_deduction in zip(
            names, share(reward, len(names)), share(deduction, len(names)), strict=True
        ):
            tally = workers.setdefault(person, Tally())
            tally.add(repair)
            tally.reward += part_reward
            tally.deduction += part_deduction
        lead = leaders.setdefault(repair.leader, Tally())
        lead.add(repair)
        lead.reward += reward
        lead.deduction += deduction
    as_of = today if today is not None and today < end else None  # the period is not over yet
    return Rating(label, name, first, end, as_of, scheme, team, len(everything) - len(team), workers, leaders)


# ------------------------------------------------------------------------------------------- the sheet

_COLUMNS = ("序号", "姓名", "维修次数", "按时", "逾期", "满意", "基本满意", "不满意", "已回访", "综合得分")
_WIDTHS = (5, 12, 8, 6, 6, 6, 8.5, 7, 7, 8.5, 12, 12, 14)
_LAST = get_column_letter(len(_WIDTHS))
_MONEY = "#,##0.00"


def _font(face: str = "宋体", size: float = 11, bold: bool = False, color: str | None = None) -> Font:
    return Font(name=face, size=size, bold=bold, color=color)


def _line(ws: Worksheet, text: str, font: Font, *, height: float | None = None, align: str = "left") -> int:
    """A text line across the whole table width."""
    ws.append([text])
    row = ws.max_row
    ws.merge_cells(f"A{row}:{_LAST}{row}")
    cell = ws.cell(row, 1)
    cell.font = font
    cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
    if height:
        ws.row_dimensions[row].height = height
    return row


def _rule_line(ws: Worksheet, text: str) -> None:
    # About 56 Chinese characters to a line at 11 pt across the table; LibreOffice and Excel do not grow a
    # merged row to its text, so the height is set.
    lines = max(1, -(-len(text) // 56))
    _line(ws, text, _font("仿宋"), height=16 * lines + 2)


def _table(ws: Worksheet, columns: list[str], rows: list[list], total: list) -> None:
    ws.append(columns)
    for cell in ws[ws.max_row]:
        cell.font, cell.border = _font("黑体", 10.5), _BOX
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[ws.max_row].height = 30
    for values in [*rows, total]:
        ws.append(values)
        bold = values is total
        for index, cell in enumerate(ws[ws.max_row], start=1):
            cell.border, cell.font = _BOX, _font("宋体", 10.5, bold=bold)
            cell.alignment = Alignment(horizontal="left" if index == 2 else "center", vertical="center")
            if index > len(_COLUMNS) and isinstance(cell.value, Decimal):
                cell.number_format = _MONEY
                cell.alignment = Alignment(horizontal="right", vertical="center")


def _counts(tally: Tally) -> list:
    return [
        tally.repairs,
        tally.on_time,
        tally.overdue,
        tally.answers["满意"],
        tally.answers["基本满意"],
        tally.answers["不满意"],
        tally.called_back,
        tally.score if tally.score is not None else "—",
    ]


def _team_counts(rating: Rating) -> list:
    """The counts of the 合计 row: each repair once, however many worked on it."""
    team = Tally()
    for repair in rating.repairs:
        team.add(repair)
    return _counts(team)


def _order(rows: dict[str, Tally], bonus) -> list[tuple[str, Tally]]:
    return sorted(rows.items(), key=lambda item: (-bonus(item[1]), -(item[1].score or 0), item[0]))


def _percent(value: Decimal) -> str:
    return f"{(value * 100).normalize():f}%"


def rule_lines(scheme: Ratings) -> list[str]:
    """The rule the figures were computed by, as printed in the sheet (from ``[ratings]``)."""
    floor = (
        "；个人核定奖金不低于0元（扣减以奖励为限）"
        if scheme.floor_at_zero
        else "；扣减超过奖励的，核定奖金为负数（从其他收入中扣回）"
    )
    return [
        "1. 计数对象：本期完工的每一次维修（《工程派工单》竣工，按完工日期；同一派工单更正后以最新为准），"
        "一次维修只计一次、只取一个客户意见，不按意见条数计。",
        "2. 客户意见：已回访的，以《回访记录》的客户满意程度为准（回访在后，由客户服务部资料员独立了解，CS-3.5.4），"
        "派工单上的客户意见与之不一致的在“维修明细”中标出；尚未回访的，以派工单上客户签署的意见为准。",
        f"3. 每次维修：按时完工且满意，奖励{money(scheme.reward_satisfied)}元；按时完工且基本满意，奖励"
        f"{money(scheme.reward_fairly_satisfied)}元；不满意，扣减{money(scheme.deduction_unsatisfied)}元；"
        f"逾期完工（超过完成期限，按工作日计，CS-3.4.5），不计奖励并扣减{money(scheme.deduction_overdue)}元。",
        "4. 一次维修有多名维修人员的，该次奖励与扣减由参加维修的人员平均分配，计到分，余下的分计入派工单上排名在前者"
        f"{floor}。",
        f"5. 维修队长（管理人员）：按其签署竣工检查的维修（CS-3.5.3），取这些维修奖励减扣减之和的"
        f"{_percent(scheme.leader_share)}。",
        "6. 综合得分：每次维修满意100分、基本满意80分、不满意40分，按维修次数平均。",
        "7. 施工单位（经工程材料部）完成的维修不属维修队工作，不计入本表（CS-3.4.6）；季度核定与年度核定择一执行，"
        "同一次维修不重复计奖（CS-3.5.10“在季度末或年末核定”）。",
    ]


def _signatures(ws: Worksheet) -> None:
    row = ws.max_row + 1  # a blank row before the block
    for texts in (("编制：", "审核：", "批准："), ("日期：　　年　　月　　日",) * 3):
        row += 1
        for (start, stop), text in zip(((1, 4), (5, 9), (10, 13)), texts, strict=True):
            cell = ws.cell(row, start, text)
            ws.merge_cells(start_row=row, start_column=start, end_row=row, end_column=stop)
            cell.font = _font("仿宋", 12)
            cell.alignment = Alignment(horizontal="left", vertical="bottom")
        ws.row_dimensions[row].height = 30 if texts[0] == "编制：" else 20


def _page(ws: Worksheet, landscape: bool = True) -> None:
    print_one_page_wide(ws, landscape=landscape)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.6
    ws.page_margins.top, ws.page_margins.bottom = 0.8, 0.7
    ws.oddFooter.center.font = "宋体"
    ws.oddFooter.center.size = 11


def _main_sheet(wb, rating: Rating) -> None:
    ws = wb.create_sheet("评价及奖金核定")
    for letter_index, width in enumerate(_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(letter_index)].width = width
    # GB/T 9704-style head: the issuing department in red, a red rule, the title, then the particulars.
    _line(ws, "客户服务部", _font("宋体", 26, bold=True, color=_RED), height=40, align="center")
    rule = ws.max_row + 1
    ws.row_dimensions[rule].height = 6
    for column in range(1, len(_WIDTHS) + 1):
        ws.cell(rule, column).border = Border(bottom=Side(style="thick", color=_RED))
    title = f"{rating.name}维修服务综合评价及服务激励奖金核定表"
    _line(ws, title, _font("黑体", 18), height=40, align="center")
    last_day = rating.end - timedelta(days=1)
    span = f"评价期间：{chinese_date(rating.first)}至{chinese_date(last_day)}（按完工日期）"
    if rating.as_of:
        span += f"，截至{chinese_date(rating.as_of)}（期间未结束）"
    _line(ws, span, _font("楷体", 11), height=18)
    _line(ws, "依据：《客户服务管理程序》第3.5.10条　　金额单位：元", _font("楷体", 11), height=18)

    _line(ws, "一、维修人员", _font("黑体", 12), height=22)
    workers = _order(rating.workers, rating.worker_bonus)
    rows = [
        [i, name, *_counts(t), t.reward, t.deduction, rating.worker_bonus(t)] for i, (name, t) in enumerate(workers, 1)
    ]
    worker_total = sum((rating.worker_bonus(t) for t in rating.workers.values()), Decimal("0.00"))
    total = [
        "",
        "合计",
        *_team_counts(rating),
        sum((t.reward for t in rating.workers.values()), Decimal("0.00")),
        sum((t.deduction for t in rating.workers.values()), Decimal("0.00")),
        worker_total,
    ]
    _table(ws, [*_COLUMNS, "奖励（元）", "扣减（元）", "核定奖金（元）"], rows, total)
    _line(ws, "注：一次维修多人参加的，每人各计一次；合计行每次维修只计一次。", _font("仿宋", 10))

    _line(ws, "二、维修队长（管理人员）", _font("黑体", 12), height=22)
    leaders = _order(rating.leaders, rating.leader_bonus)
    rows = [
        [i, name, *_counts(t), rating.leader_base(t), _percent(rating.scheme.leader_share), rating.leader_bonus(t)]
        for i, (name, t) in enumerate(leaders, 1)
    ]
    leader_total = sum((rating.leader_bonus(t) for t in rating.leaders.values()), Decimal("0.00"))
    base_total = sum((rating.leader_base(t) for t in rating.leaders.values()), Decimal("0.00"))
    _table(
        ws,
        [*_COLUMNS, "所检维修金额（元）", "比例", "核定奖金（元）"],
        rows,
        ["", "合计", *_team_counts(rating), base_total, "", leader_total],
    )
    _line(
        ws,
        f"奖金总额：{money_in_words(rating.total, '元')}"
        f"（维修人员{money(worker_total)}元，维修队长{money(leader_total)}元）",
        _font("黑体", 12),
        height=26,
    )
    if rating.contractor_repairs:
        _line(
            ws,
            f"另有施工单位完成的维修{rating.contractor_repairs}次，不计入本表（CS-3.4.6）。",
            _font("仿宋", 11),
        )
    unanswered = sum(1 for r in rating.repairs if r.callback_opinion is None)
    if unanswered:
        _line(
            ws,
            f"尚未回访的维修{unanswered}次，暂以派工单上的客户意见计；回访后重新生成本表即以回访意见为准。",
            _font("仿宋", 11),
        )

    _line(ws, "三、计奖规则（本表金额均按此计算，见 docgen.toml [ratings]）", _font("黑体", 12), height=22)
    for text in rule_lines(rating.scheme):
        _rule_line(ws, text)
    _signatures(ws)
    _page(ws, landscape=False)


def _detail_sheet(wb, rating: Rating) -> None:
    ws = wb.create_sheet("维修明细")
    columns = [
        ("登记编号", 15),
        ("派工单编号", 17),
        ("完工日期", 11),
        ("完成期限", 11),
        ("按时", 15),
        ("派工单客户意见", 12),
        ("回访满意程度", 12),
        ("计分意见", 23),
        ("维修人员", 22),
        ("维修队长", 10),
        ("奖励（元）", 11),
        ("扣减（元）", 11),
    ]
    ws.append([f"{rating.name}维修明细（每次维修计一次）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    ws["A1"].font = _font("黑体", 14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append([name for name, _ in columns])
    for index, (_, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
        cell = ws.cell(2, index)
        cell.font, cell.border = _font("黑体", 10.5), _BOX
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[2].height = 30
    for repair in rating.repairs:
        chosen = repair.opinion or "—"
        if repair.disagree:
            chosen += "（以回访为准）"
        ws.append(
            [
                repair.case_id,
                repair.order_number,
                repair.completed.isoformat(),
                repair.due.isoformat() if repair.due else "—",
                "按时" if repair.on_time else f"逾期{repair.late_days}个工作日",
                repair.work_order_opinion or "—",
                repair.callback_opinion or "未回访",
                chosen,
                "、".join(repair.workers),
                repair.leader,
                repair.reward(rating.scheme),
                repair.deduction(rating.scheme),
            ]
        )
        for index, cell in enumerate(ws[ws.max_row], start=1):
            cell.border, cell.font = _BOX, _font("宋体", 10, color=_RED if repair.disagree and index == 8 else None)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=index == 9)
            if isinstance(cell.value, Decimal):
                cell.number_format = _MONEY
                cell.alignment = Alignment(horizontal="right", vertical="center")
        # About 10 names to a line of the 维修人员 column; merged or wrapped rows are not grown by the office.
        ws.row_dimensions[ws.max_row].height = 16 * max(1, -(-len(repair.workers) // 4))
    ws.print_title_rows = "2:2"
    _page(ws)


def write_ratings(
    ledger: Ledger,
    period: str,
    path: Path,
    *,
    calendar: WorkCalendar,
    scheme: Ratings | None = None,
    today: date | None = None,
) -> tuple[Path, dict]:
    rating = rate(ledger, calendar, period, scheme or Ratings(), today)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    _main_sheet(wb, rating)
    _detail_sheet(wb, rating)
    write_with(path, wb.save)
    return path, summary(rating)


def _tally_json(tally: Tally, bonus: Decimal) -> dict:
    return {
        "repairs": tally.repairs,
        "on_time": tally.on_time,
        "overdue": tally.overdue,
        "opinions": {name: tally.answers[name] for name in OPINIONS},
        "called_back": tally.called_back,
        "score": tally.score,
        "reward": str(tally.reward),
        "deduction": str(tally.deduction),
        "bonus": str(bonus),
    }


def summary(rating: Rating) -> dict:
    """The figures as JSON (money as exact decimal strings)."""
    return {
        "period": rating.label,
        "first": rating.first.isoformat(),
        "last": (rating.end - timedelta(days=1)).isoformat(),
        "as_of": rating.as_of.isoformat() if rating.as_of else None,
        "repairs": len(rating.repairs),
        "contractor_repairs": rating.contractor_repairs,
        "workers": {n: _tally_json(t, rating.worker_bonus(t)) for n, t in rating.workers.items()},
        "leaders": {n: _tally_json(t, rating.leader_bonus(t)) for n, t in rating.leaders.items()},
        "total_bonus": str(rating.total),
        "scheme": {k: str(v) for k, v in rating.scheme.model_dump().items()},
    }
