"""docgen.recurrence's defect vocabulary (NC-3.2.3 C): a record's 缺陷类型 and a complaint's content read as the
same defect type, generic types never repeating, and construction, takeover and after-sales records compared
together (the clustering itself is under test in tests/test_nonconformity_report.py)."""

from __future__ import annotations

from datetime import date

from docgen import recurrence
from docgen.nonconformities import NcRecord
from docgen.steps import nonconformity as nc


def record(number: str, day: int, category: str, defect: str) -> NcRecord:
    return NcRecord(number, category, "施工检查", "融侨锦江", None, None, None, defect, "一般", "业主代表",
                    date(2026, 11, day), None, None, None)  # fmt: skip


def test_the_vocabulary_reads_the_form_and_the_complaint_alike():
    assert recurrence.defect_type("裂缝") == recurrence.defect_type("开裂") == "开裂"
    assert recurrence.defect_type(" 渗 水 ".replace(" ", "")) == "渗漏"
    assert recurrence.known_defect("卫生间漏水导致楼下天花开裂") == "渗漏"  # the first mention
    assert recurrence.known_defect("入户门关闭不严") is None
    assert recurrence.defect_type("壁厚不足") == "壁厚不足"


def test_a_generic_type_is_never_a_repeat():
    assert recurrence.is_generic("施工质量投诉") and recurrence.is_generic("其他") and recurrence.is_generic(" ")
    generic = [record(f"G-{i}", i, nc.AFTER_SALES, "施工质量投诉") for i in range(1, 4)]
    assert recurrence.recurrences(generic) == []


def test_construction_takeover_and_after_sales_leaks_are_one_problem():
    assert recurrence.BUILDING_CATEGORIES == (nc.CONSTRUCTION, nc.TAKEOVER, nc.AFTER_SALES)
    leaks = [
        record("L-1", 1, nc.CONSTRUCTION, "渗漏"),
        record("L-2", 5, nc.TAKEOVER, "漏水"),
        record("L-3", 9, nc.AFTER_SALES, "渗漏"),
    ]
    [repeat] = recurrence.recurrences(leaks)
    assert repeat.numbers == ("L-1", "L-2", "L-3") and repeat.defect == "渗漏"
    assert repeat.category == "／".join((nc.CONSTRUCTION, nc.TAKEOVER, nc.AFTER_SALES))
    assert f"“{nc.CONSTRUCTION}”“{nc.TAKEOVER}”“{nc.AFTER_SALES}”类“渗漏”问题" in repeat.text
    # design is not a building defect: a design 渗漏 record does not join them
    assert recurrence.recurrences([*leaks[:2], record("L-4", 9, nc.DESIGN, "渗漏")]) == []
