"""The 《合格供应商名录》 (qualified-supplier list) and its strike-offs (NC-3.2.2 A).

NC-3.2.2 A: 验收不合格的甲供工程材料…由工程材料部…进行纠正…并根据不合格品/服务的严重程度于必要时采取纠正措施，如对
供应商重新评审，将不合格供应商清理出合格供应商名录. docgen reads "serious" as a record of a 甲供 material with
severity 严重 or 重大质量事故 (:data:`SERIOUS`) naming its supplier: it asks 工程材料部 to re-evaluate the supplier
and strikes it from the list, marked with that record, as of the day the record was opened.

The list is the approved names of ``[suppliers] approved`` in docgen.toml, with every struck-off supplier
marked; a supplier struck off without ever being listed is shown too. A later record naming a struck-off
supplier is flagged: :func:`struck_off`. Functions of the records alone (no clock, no ledger).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from docgen.atomic import safe_part, write_with
from docgen.nonconformities import NcRecord
from docgen.office.xlsx import print_one_page_wide
from docgen.wording import chinese_date, day_of
from docgen.workspace import Workspace

__all__ = [
    "CLAUSE",
    "FOLDER",
    "LIST_TITLE",
    "REEVALUATION_TITLE",
    "SERIOUS",
    "SupplierEntry",
    "flag_text",
    "issued_on",
    "needs_reevaluation",
    "reevaluation_request_name",
    "same_supplier",
    "strike_offs",
    "struck_off",
    "supplier_list",
    "write_reevaluation_request",
    "write_supplier_documents",
    "write_supplier_list",
]

CLAUSE = "NC-3.2.2 A"
OWNER_SUPPLY = "甲供"
SERIOUS = ("严重", "重大质量事故")
LIST_TITLE = "合格供应商名录"
REEVALUATION_TITLE = "供应商重新评审申请单"
REEVALUATION_OWNER = "工程材料部"  # NC-3.2.2 A: 甲供 materials are 工程材料部's
FOLDER = ("reports", "供应商")  # under outbox/
APPROVED, STRUCK = "合格", "已清除出名录"


def _name(value: str | None) -> str:
    """A supplier's name as compared: inner runs of spaces (full-width too) as one, none at the ends."""
    return " ".join(str(value or "").split())


def _key(value: str | None) -> str:
    """A name as compared: without any blank (闽江建材　有限公司 is 闽江建材有限公司)."""
    return "".join(str(value or "").split())


def same_supplier(a: str | None, b: str | None) -> bool:
    return bool(_key(a)) and _key(a) == _key(b)


def needs_reevaluation(record: NcRecord) -> bool:
    """A serious nonconformity of a 甲供 material naming its supplier (NC-3.2.2 A): re-evaluate, strike off."""
    return _name(record.supply) == OWNER_SUPPLY and record.severity.strip() in SERIOUS and bool(_name(record.supplier))


def strike_offs(records: Iterable[NcRecord]) -> dict[str, NcRecord]:
    """Supplier name (as the first such record wrote it) → the earliest record (by opening day, then number)
    that struck it off; names differing only in blanks are one supplier."""
    struck: dict[str, NcRecord] = {}
    for record in sorted(records, key=lambda r: (r.opened_on, r.number)):
        if needs_reevaluation(record):
            struck.setdefault(_key(record.supplier), record)
    return {_name(record.supplier): record for record in struck.values()}


def struck_off(
    records: Iterable[NcRecord], supplier: str | None, on: date, *, number: str | None = None
) -> NcRecord | None:
    """The record that struck ``supplier`` off the list on or before ``on``, or None while it is qualified.
    ``number``: the record being checked, never its own cause (the record that strikes a supplier off is not
    flagged for naming it)."""
    name = _key(supplier)
    if not name:
        return None
    for cause in sorted(records, key=lambda r: (r.opened_on, r.number)):
        if (
            cause.number != number
            and cause.opened_on <= on
            and needs_reevaluation(cause)
            and _key(cause.supplier) == name
        ):
            return cause
    return None


def flag_text(cause: NcRecord) -> str:
    """The finding a later record naming the supplier ``cause`` struck off gets (the name as the list has it)."""
    return (
        f"供应商“{_name(cause.supplier)}”已于{chinese_date(cause.opened_on)}因不合格品记录{cause.number}"
        f"（{cause.defect}，{cause.severity}）被清除出合格供应商名录，不应再向其采购；请工程材料部核实（{CLAUSE}）"
    )


@dataclass(frozen=True)
class SupplierEntry:
    """One line of the 《合格供应商名录》."""

    name: str
    listed: bool  # in ``[suppliers] approved``
    cause: NcRecord | None  # the record that struck it off; None: qualified

    @property
    def status(self) -> str:
        return STRUCK if self.cause else APPROVED


def supplier_list(
    approved: Sequence[str], records: Iterable[NcRecord], as_of: date | None = None
) -> list[SupplierEntry]:
    """The list as of ``as_of`` (every record when None): the approved suppliers in their order, each marked
    with the record that struck it off, then the struck-off suppliers that were never listed, by name."""
    records = [r for r in records if as_of is None or r.opened_on <= as_of]
    struck = {_key(name): (name, cause) for name, cause in strike_offs(records).items()}
    names = {_key(n): _name(n) for n in approved if _key(n)}  # in order, once each
    entries = [SupplierEntry(name, True, struck[key][1] if key in struck else None) for key, name in names.items()]
    unlisted = sorted((struck[key] for key in set(struck) - set(names)), key=lambda item: item[0])
    return entries + [SupplierEntry(name, False, cause) for name, cause in unlisted]


# ------------------------------------------------------------------------------------------- documents

_THIN = Side(style="thin", color="000000")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_LIST_COLUMNS = (("序号", 6), ("供应商名称", 24), ("状态", 14), ("清除日期", 16), ("依据记录", 18),
                 ("不合格情况", 30), ("项目", 14), ("备注", 18))  # fmt: skip
_RED = "C00000"


def _sheet_setup(ws, widths: Sequence[int], header_row: int) -> None:
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.print_title_rows = f"{header_row}:{header_row}"
    print_one_page_wide(ws)


def _merged(ws, row: int, last: int, text: str, font: Font, height: float, align: str = "left") -> None:
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last)
    cell = ws.cell(row, 1, text)
    cell.font = font
    cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
    ws.row_dimensions[row].height = height


def _header(ws, titles: Sequence[str]) -> int:
    ws.append(list(titles))
    row = ws.max_row
    for cell in ws[row]:
        cell.font, cell.border = Font(name="黑体", size=11), _BOX
        cell.fill = PatternFill("solid", fgColor="D9D9D9")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[row].height = 24
    return row


def write_supplier_list(path: Path, entries: Sequence[SupplierEntry], as_of: date) -> Path:
    """``outbox/reports/供应商/合格供应商名录.xlsx``: every supplier with its status; a struck-off one in red
    with the day, the record and the nonconformity that caused it (NC-3.2.2 A)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = LIST_TITLE
    last = len(_LIST_COLUMNS)
    _merged(ws, 1, last, LIST_TITLE, Font(name="黑体", size=18, bold=True), 36, "center")
    struck = sum(1 for e in entries if e.cause)
    _merged(
        ws, 2, last,
        f"截至{chinese_date(as_of)}　共{len(entries)}家，其中合格{len(entries) - struck}家、已清除{struck}家"
        f"　　依据：《不合格品控制程序》{CLAUSE}",
        Font(name="仿宋", size=12), 22,
    )  # fmt: skip
    header = _header(ws, [name for name, _ in _LIST_COLUMNS])
    for i, entry in enumerate(entries, start=1):
        cause = entry.cause
        ws.append([
            i, entry.name, entry.status,
            chinese_date(cause.opened_on) if cause else "",
            cause.number if cause else "",
            f"{cause.defect}（{cause.severity}）" if cause else "",
            cause.project if cause else "",
            "" if entry.listed else "未列入初始名录",
        ])  # fmt: skip
        for index, cell in enumerate(ws[ws.max_row], start=1):
            cell.border = _BOX
            cell.font = Font(name="宋体", size=11, color=_RED if cause else None, bold=bool(cause) and index == 3)
            cell.alignment = Alignment(
                horizontal="left" if index in (2, 6) else "center", vertical="center", wrap_text=True
            )
        ws.row_dimensions[ws.max_row].height = 30
    _merged(
        ws,
        ws.max_row + 2,
        last,
        "编制：工程材料部　　　　　　审核：　　　　　　　　批准：",
        Font(name="仿宋", size=12),
        30,
    )
    _sheet_setup(ws, [w for _, w in _LIST_COLUMNS], header)
    return write_with(path, wb.save)


def reevaluation_request_name(record: NcRecord) -> str:
    return f"{REEVALUATION_TITLE}-{safe_part(_name(record.supplier), 60)}-{safe_part(record.number, 40)}.xlsx"


def write_reevaluation_request(path: Path, record: NcRecord, issued_on: date) -> Path:
    """The request to 工程材料部 to re-evaluate the supplier of a serious 甲供 material nonconformity (NC-3.2.2 A),
    A4 portrait one page wide: the record's particulars, then blanks for the re-evaluation's conclusion."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "重新评审申请"
    _merged(ws, 1, 2, REEVALUATION_TITLE, Font(name="黑体", size=18, bold=True), 36, "center")
    _merged(ws, 2, 2, f"{REEVALUATION_OWNER}：", Font(name="仿宋", size=12), 22)
    body = (
        f"　　不合格品记录{record.number}所载甲供材料的供应商“{_name(record.supplier)}”出现不合格"
        f"（{record.defect}，严重程度：{record.severity}）。按《不合格品控制程序》{CLAUSE}，请对该供应商重新评审；自{chinese_date(record.opened_on)}"
        "起该供应商已清除出合格供应商名录，重新评审合格前不得再向其采购。"
    )
    _merged(ws, 3, 2, body, Font(name="仿宋", size=12), 16 * (len(body) // 38 + 1) + 6)
    rows = [
        ("记录编号", record.number),
        ("供应商", _name(record.supplier)),
        ("甲供/乙供", record.supply or ""),
        ("项目", record.project),
        ("不合格情况", record.defect),
        ("严重程度", record.severity),
        ("发现日期", chinese_date(record.opened_on)),
        ("申请日期", chinese_date(issued_on)),
        ("重新评审结论", "□ 恢复列入合格供应商名录　　□ 维持清除"),
        ("评审人 / 日期", ""),
    ]
    for label, value in rows:
        ws.append([label, value])
        for index, cell in enumerate(ws[ws.max_row], start=1):
            cell.border = _BOX
            cell.font = Font(name="黑体" if index == 1 else "宋体", size=12)
            cell.alignment = Alignment(horizontal="center" if index == 1 else "left", vertical="center", wrap_text=True)
        ws.row_dimensions[ws.max_row].height = 44 if label in ("重新评审结论", "评审人 / 日期") else 26
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 18, 60
    print_one_page_wide(ws, landscape=False)
    return write_with(path, wb.save)


def write_supplier_documents(ws: Workspace, records: Sequence[NcRecord], today: date | None = None) -> list[Path]:
    """``docgen suppliers`` (and the step, after a strike-off): the list as of ``today`` and one re-evaluation
    request per struck-off supplier into ``outbox/reports/供应商/``; a request is dated the day its record was
    recorded (:func:`issued_on`), so writing it again gives the same document."""
    folder = ws.outbox.joinpath(*FOLDER)
    day = today or ws.today()
    paths = [
        write_supplier_list(
            folder / f"{LIST_TITLE}.xlsx", supplier_list(ws.settings.suppliers.approved, records, day), day
        )
    ]
    for cause in strike_offs(r for r in records if r.opened_on <= day).values():
        paths.append(write_reevaluation_request(folder / reevaluation_request_name(cause), cause, issued_on(cause)))
    return paths


def issued_on(cause: NcRecord) -> date:
    """The day the re-evaluation request of ``cause`` was issued: the day docgen recorded the record that struck
    the supplier off (its first event), not the day the nonconformity was found."""
    return day_of(cause.events[0].recorded_at) if cause.events else cause.opened_on
