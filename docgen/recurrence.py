"""Recurring nonconformities (NC-3.2.3 C): "对频繁出现的带有一定规律性的质量问题进行深入研究，必要时应采取纠正措施".

A repeat is the same category (NC-3.1.x; construction, takeover and after-sales complaints count as one: a leak is
a leak) and the same defect type (``NcRecord.defect`` read through :data:`DEFECT_TYPES`: 渗漏, 开裂 …; a generic
type such as 施工质量投诉 never repeats) in the same project, or with the same supplier, or with the same
contractor, at least ``recurrence_count`` times within ``recurrence_months`` months (``[nonconformity]`` in
docgen.toml; "以内" includes the boundary: records opened on 1 October and on 1 January are within 3 months).
Each such cluster is a :class:`Recurrence`, which asks 总经室 for a special study (专题研究申请,
:func:`write_study_request`) listing its records.

A function of the records and nothing else (no clock): the step calls :func:`recurrences` after recording a record
to see whether it completes a repeat (:func:`recurrences_with`), and the quarterly statistics list them.
"""

from __future__ import annotations

import calendar as _calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from docgen.atomic import safe_part, write_with
from docgen.nonconformities import NcRecord
from docgen.office.xlsx import print_one_page_wide
from docgen.wording import chinese_date

__all__ = [
    "CLAUSE",
    "DIMENSIONS",
    "Recurrence",
    "add_months",
    "defect_type",
    "is_generic",
    "known_defect",
    "recurrence_of",
    "recurrences",
    "recurrences_with",
    "study_request_name",
    "write_study_request",
]

CLAUSE = "NC-3.2.3 C"
# What a repeat shares besides category and defect type, in the order a merged group names them.
DIMENSIONS = (("project", "项目"), ("supplier", "供应商"), ("contractor", "施工单位"))
STUDY_TITLE = "不合格品/服务重复发生专题研究申请单"
STUDY_FILE = "不合格品重复发生专题研究申请单"  # no "/" in a file name
STUDY_ADDRESSEE = "总经室"  # NC-3.2.3 C: 总经室 asks the departments concerned for the study


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has no such day: 30 Nov + 3 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


def _key(value: str | None) -> str:
    return " ".join(str(value or "").split())


# The defect vocabulary (缺陷类型) records are compared by: the type first, then the words that mean it. A
# record's 缺陷类型 naming one of them (裂缝 → 开裂) and a complaint's content mentioning one (卫生间漏水 → 渗漏)
# are the same type.
DEFECT_TYPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("渗漏", ("渗漏", "渗水", "漏水", "漏雨", "渗透", "滴水", "返潮", "水渍")),
    ("开裂", ("开裂", "裂缝", "裂纹", "龟裂", "裂痕")),
    ("空鼓", ("空鼓",)),
    ("脱落", ("脱落", "剥落", "掉落", "起皮")),
    ("起砂", ("起砂",)),
    ("沉降", ("沉降", "下沉", "塌陷")),
    ("堵塞", ("堵塞", "堵了", "不通畅", "反味", "返水")),
    ("锈蚀", ("锈蚀", "生锈", "锈迹")),
    ("霉变", ("霉变", "发霉", "长霉")),
    ("变形", ("变形", "翘曲", "鼓包")),
    ("异响", ("异响", "噪音", "噪声")),
)
# 缺陷类型 that say no more than the category (a complaint whose content names no known defect): never a repeat.
GENERIC_DEFECTS = frozenset(("其他", "不合格", "质量问题", "质量缺陷", "缺陷", "施工质量", "设计", "销售服务", "投诉"))
# NC-3.1.3, 3.1.4, 3.1.6: a defect of the building found in construction, at takeover or complained of after
# handover is the same quality problem (a leak is a leak): these categories are compared together (the words are
# docgen.steps.nonconformity's CONSTRUCTION, TAKEOVER, AFTER_SALES; tests/test_recurrence.py keeps them equal).
BUILDING_CATEGORIES = (
    "施工不合格工序、质量缺陷、隐患、事故",
    "物业公司接楼提出的整改事项",
    "接楼及售后服务中对设计、施工、物业的投诉",
)


CATEGORY_JOIN = "／"  # between the categories of one repeat (the categories' own words hold 、)


def known_defect(text: str | None) -> str | None:
    """The vocabulary's type ``text`` names or mentions (the earliest mention wins), or None."""
    text = _key(text)
    found = [(text.find(word), kind) for kind, words in DEFECT_TYPES for word in words if word in text]
    return min(found)[1] if found else None


def defect_type(text: str | None) -> str:
    """``text`` as records are compared: the vocabulary's type when it names one, else itself (spaces collapsed)."""
    return known_defect(text) or _key(text)


def is_generic(defect: str | None) -> bool:
    """A 缺陷类型 that names no defect (blank, 其他, 施工质量投诉 …): never counted as a repeat."""
    key = _key(defect)
    return not key or key in GENERIC_DEFECTS or key.endswith("投诉")


def _family(category: str) -> str:
    return BUILDING_CATEGORIES[0] if category in BUILDING_CATEGORIES else category


@dataclass(frozen=True)
class Recurrence:
    """Records of one category and defect type that repeated within the window, sharing ``where``."""

    category: str
    defect: str
    where: tuple[tuple[str, str], ...]  # (项目/供应商/施工单位, name) the records all share
    records: tuple[NcRecord, ...]  # in opening order
    count_threshold: int
    months: int

    @property
    def first(self) -> date:
        return self.records[0].opened_on

    @property
    def last(self) -> date:
        return self.records[-1].opened_on

    @property
    def numbers(self) -> tuple[str, ...]:
        return tuple(r.number for r in self.records)

    @property
    def category_text(self) -> str:
        """The category quoted, each in its own quotes when construction, takeover and after-sales repeat together."""
        return "".join(f"“{category}”" for category in self.category.split(CATEGORY_JOIN))

    @property
    def where_text(self) -> str:
        return "、".join(f"{label}“{name}”" for label, name in self.where)

    @property
    def text(self) -> str:
        span = (
            chinese_date(self.first)
            if self.first == self.last
            else f"{chinese_date(self.first)}至{chinese_date(self.last)}"
        )
        return (
            f"{self.where_text}{self.category_text}类“{self.defect}”问题{span}出现{len(self.records)}次"
            f"（{self.months}个月内达到{self.count_threshold}次即须专题研究，{CLAUSE}）：{'、'.join(self.numbers)}"
        )


def _clusters(records: list[NcRecord], count: int, months: int) -> list[list[NcRecord]]:
    """The maximal runs of ``records`` (sorted by opening) in which every record lies in some window of ``months``
    months holding at least ``count`` of them; overlapping windows make one cluster."""
    hits: list[tuple[int, int]] = []
    for i, record in enumerate(records):
        limit = add_months(record.opened_on, months)
        j = i
        while j + 1 < len(records) and records[j + 1].opened_on <= limit:
            j += 1
        if j - i + 1 >= count:
            hits.append((i, j))
    clusters: list[list[NcRecord]] = []
    start, stop = -1, -2
    for i, j in hits:
        if i > stop:
            if stop >= start >= 0:
                clusters.append(records[start : stop + 1])
            start = i
        stop = max(stop, j)
    if stop >= start >= 0:
        clusters.append(records[start : stop + 1])
    return clusters


def recurrences(records: Iterable[NcRecord], count: int = 3, months: int = 3) -> list[Recurrence]:
    """Every repeat among ``records`` (see the module). The same records repeating in one project *and* with one
    contractor are one :class:`Recurrence` naming both. Sorted by last record, then category and defect."""
    groups: dict[tuple[str, str, str, str], list[NcRecord]] = defaultdict(list)
    for record in records:
        category, defect = _family(_key(record.category)), defect_type(record.defect)
        if not category or is_generic(defect):
            continue
        for attribute, label in DIMENSIONS:
            name = _key(getattr(record, attribute))
            if name:
                groups[(category, defect, label, name)].append(record)
    found: dict[tuple[str, str, tuple[str, ...]], list[tuple[str, str]]] = {}
    members: dict[tuple[str, str, tuple[str, ...]], list[NcRecord]] = {}
    for (category, defect, label, name), group in groups.items():
        group.sort(key=lambda r: (r.opened_on, r.number))
        for cluster in _clusters(group, count, months):
            key = (category, defect, tuple(r.number for r in cluster))
            found.setdefault(key, []).append((label, name))
            members[key] = cluster
    order = {label: i for i, (_, label) in enumerate(DIMENSIONS)}
    result = [
        Recurrence(
            CATEGORY_JOIN.join(dict.fromkeys(_key(r.category) for r in members[key])),
            defect,
            tuple(sorted(where, key=lambda w: (order[w[0]], w[1]))),
            tuple(members[key]),
            count,
            months,
        )
        for key, where in found.items()
        for _, defect, _ in [key]
    ]
    return sorted(result, key=lambda r: (r.last, r.category, r.defect, r.numbers))


def recurrences_with(records: Iterable[NcRecord], number: str, count: int = 3, months: int = 3) -> list[Recurrence]:
    """The repeats that record ``number`` is part of (the step: does the record just recorded complete one?)."""
    return [r for r in recurrences(records, count, months) if number in r.numbers]


def recurrence_of(
    records: Iterable[NcRecord], numbers: Iterable[str], count: int = 3, months: int = 3
) -> Recurrence | None:
    """The repeat listing exactly ``numbers`` (a document spec names its records; the renderer finds it again)."""
    wanted = tuple(numbers)
    return next((r for r in recurrences(records, count, months) if r.numbers == wanted), None)


# ------------------------------------------------------------------------------------------- document

_THIN = Side(style="thin", color="000000")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_COLUMNS = (("序号", 6), ("记录编号", 16), ("发现日期", 16), ("项目", 14), ("供应商", 14), ("施工单位", 14),
            ("严重程度", 10), ("责任部门", 12), ("状态", 10))  # fmt: skip
_LAST = "I"


def study_request_name(recurrence: Recurrence) -> str:
    """The file name: the title, the defect type and the last record's number (one file per repeat)."""
    parts = (recurrence.defect, recurrence.numbers[-1])  # a record has one category: these are unique
    return f"{STUDY_FILE}-" + "-".join(safe_part(part, 40) for part in parts) + ".xlsx"


def _merged(ws, row: int, text: str, font: Font, height: float, align: str = "left") -> None:
    ws.merge_cells(f"A{row}:{_LAST}{row}")
    cell = ws.cell(row, 1, text)
    cell.font = font
    cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
    ws.row_dimensions[row].height = height


def write_study_request(path: Path, recurrence: Recurrence, issued_on: date) -> Path:
    """The request for a special study (NC-3.2.3 C) to 总经室, A4 landscape one page wide, listing the records."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "专题研究申请"
    for index, (_, width) in enumerate(_COLUMNS, start=1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(index)].width = width
    _merged(ws, 1, STUDY_TITLE, Font(name="黑体", size=18, bold=True), 36, "center")
    _merged(
        ws,
        2,
        f"编制日期：{chinese_date(issued_on)}　　依据：《不合格品控制程序》{CLAUSE}",
        Font(name="仿宋", size=12),
        22,
    )
    _merged(ws, 3, f"{STUDY_ADDRESSEE}：", Font(name="仿宋", size=12), 22)
    body = (
        f"　　{recurrence.where_text}的{recurrence.category_text}类不合格品/服务中，缺陷类型“{recurrence.defect}”自"
        f"{chinese_date(recurrence.first)}至{chinese_date(recurrence.last)}共出现{len(recurrence.records)}次，"
        f"达到{recurrence.months}个月内{recurrence.count_threshold}次的重复发生标准。按《不合格品控制程序》{CLAUSE}，"
        "请组织有关部门对该问题进行深入研究，查明原因，必要时采取纠正措施，以免不合格品/服务再发生。记录如下："
    )
    _merged(ws, 4, body, Font(name="仿宋", size=12), 16 * (len(body) // 50 + 1) + 6)
    ws.append([name for name, _ in _COLUMNS])
    header = ws.max_row
    for cell in ws[header]:
        cell.font, cell.border = Font(name="黑体", size=11), _BOX
        cell.fill = PatternFill("solid", fgColor="D9D9D9")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for i, record in enumerate(recurrence.records, start=1):
        state = "已关闭" if record.closed_on else "处理中"
        ws.append([i, record.number, chinese_date(record.opened_on), record.project, record.supplier or "",
                   record.contractor or "", record.severity, record.department, state])  # fmt: skip
        for cell in ws[ws.max_row]:
            cell.font, cell.border = Font(name="宋体", size=11), _BOX
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.row_dimensions[ws.max_row].height = 30
    row = ws.max_row + 2
    _merged(
        ws,
        row,
        "研究部门：　　　　　　　　　　负责人：　　　　　　　　　　完成期限：　　　　年　　月　　日",
        Font(name="仿宋", size=12),
        30,
    )
    _merged(ws, row + 1, "总经室意见：", Font(name="仿宋", size=12), 60)
    ws.print_title_rows = f"{header}:{header}"
    print_one_page_wide(ws)
    return write_with(path, wb.save)
