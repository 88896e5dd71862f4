"""A 表三 total printed blank, derived from its printed parts (extract.totals)."""

from __future__ import annotations

from dataclasses import dataclass

from extract.report import extract_bytes
from extract.totals import derive_blank_totals

PARTS = ("natural_person", "commercial", "research", "social_welfare", "legal_services",
         "other_org")


@dataclass(frozen=True)
class Cell:
    table: str
    row_key: str
    col_key: str
    value: float | None
    raw_value: str | None
    cell: str
    line: int | None


def _row(values: list[float | None], total: str = "blank", table: str = "applications",
         kinds: list[str] | None = None) -> list[Cell]:
    kinds = kinds or ["number" if v is not None else "blank" for v in values]
    cells = [Cell(table, "carried_forward", c, v, None if v is None else str(v), k, 7)
             for c, v, k in zip(PARTS, values, kinds, strict=True)]
    value = 9.0 if total == "number" else None
    return [*cells, Cell(table, "carried_forward", "total", value,
                         "9" if value else "", total, 7)]


def test_blank_total_with_every_part_printed_is_their_sum() -> None:
    facts, derived = derive_blank_totals(_row([1, 0, 0.1, 0.2, 0, 0]))
    total = facts[-1]
    assert (total.value, total.cell, total.raw_value, total.line) == (1.3, "derived", None, None)
    assert facts[:-1] == _row([1, 0, 0.1, 0.2, 0, 0])[:-1]
    assert len(derived) == 1 and derived[0][1] == 7


def test_a_printed_total_is_never_replaced() -> None:
    facts, derived = derive_blank_totals(_row([1, 0, 0, 0, 0, 0], total="number"))
    assert facts[-1].value == 9.0 and facts[-1].cell == "number" and derived == []


def test_a_blank_or_dashed_part_leaves_the_total_blank() -> None:
    for row in (_row([1, None, 0, 0, 0, 0]),
                _row([1, None, 0, 0, 0, 0], kinds=["number", "dash", *["number"] * 4])):
        facts, derived = derive_blank_totals(row)
        assert facts[-1].cell == "blank" and derived == []


def test_a_missing_part_leaves_the_total_blank() -> None:
    row = _row([1, 0, 0, 0, 0, 0])
    facts, derived = derive_blank_totals([*row[:2], *row[3:]])
    assert facts[-1].cell == "blank" and derived == []


def test_only_table_three_totals_are_derived() -> None:
    facts, derived = derive_blank_totals(_row([1, 0, 0, 0, 0, 0], table="reviews_litigation"))
    assert facts[-1].cell == "blank" and derived == []


def test_extract_warns_total_derived_with_the_line() -> None:
    text = ("三、收到和处理政府信息公开申请情况\n申请人情况\n"
            "| 类别 | 数据1 | 数据2 | 数据3 | 数据4 | 数据5 | 数据6 | 总计 |\n"
            "|---|---|---|---|---|---|---|---|\n"
            "| 一、本年新收政府信息公开申请数量 | 3 | 1 | 0 | 0 | 0 | 0 | 4 |\n"
            "| 四、结转下年度继续办理 | 1 | 0 | 0 | 0 | 0 | 0 |  |\n")
    report = extract_bytes(text.encode(), name="r.md")
    total = next(f for f in report.facts if (f.row_key, f.col_key) == ("carried_forward", "total"))
    assert (total.value, total.cell) == (1.0, "derived")
    assert [(w.code, w.line) for w in report.warnings if w.code == "total_derived"] == [
        ("total_derived", 6)]
    assert all(c.passed for c in report.checks if c.row_key == "carried_forward")
