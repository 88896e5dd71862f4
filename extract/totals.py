"""Totals a report printed blank, computed from the parts it printed.

Some reports leave a row's 总计 cell blank, either on one row (the 四、结转下年度 row
of a converted PDF) or on every row, for the reader to add up. Where every part of
that row is a printed number, the total is their sum: it is emitted as a ``derived``
cell (no raw value, no line) with a ``total_derived`` warning, so an analyst sees
both the number and that the report did not print it. A printed total, a dash, or a
row with a blank or dashed part is left as printed.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any, ClassVar, Protocol, TypeVar

from extract.values import BLANK, DERIVED, NUMBER
from transform.keys import APP, TOTAL, key_catalog

# The tables whose 总计 column is derived: 表三, the six applicant columns. (表四's
# block totals are not: its blank cells stand for nothing reviewed, and a report that
# leaves 表四 blank means "none", not "add these up".)
ROW_SUM_TABLES = (APP,)


class _Cell(Protocol):
    table: str
    row_key: str
    col_key: str
    value: float | None
    raw_value: str | None
    cell: str
    line: int | None
    # A dataclass (``dataclasses.replace`` makes the derived copy).
    __dataclass_fields__: ClassVar[dict[str, Any]]


CellT = TypeVar("CellT", bound=_Cell)


def _parts(table: str) -> tuple[str, ...]:
    return tuple(c for c in key_catalog().col_order[table] if c != TOTAL)


def derive_blank_totals(facts: list[CellT]) -> tuple[list[CellT], list[tuple[str, int | None]]]:
    """``facts`` with each blank total whose parts are all numbers replaced by their
    sum (cell ``derived``), and a message and the blank's line for each warning."""
    blank_totals = [i for i, f in enumerate(facts) if f.cell == BLANK and f.col_key == TOTAL
                    and f.table in ROW_SUM_TABLES]
    if not blank_totals:
        return facts, []  # the common case
    by_row: dict[tuple[str, str], dict[str, CellT]] = {}
    for f in facts:
        by_row.setdefault((f.table, f.row_key), {})[f.col_key] = f
    out = list(facts)
    derived: list[tuple[str, int | None]] = []
    for i in blank_totals:
        total = facts[i]
        row = by_row[(total.table, total.row_key)]
        parts = [row.get(c) for c in _parts(total.table)]
        if any(p is None or p.cell != NUMBER or p.value is None for p in parts):
            continue  # a part missing, blank or dashed: the sum would be a guess
        # Summed as decimals, so that 0.1 + 0.2 reads 0.3 as the parts were printed.
        value = float(sum(Decimal(repr(p.value)) for p in parts if p is not None))
        out[i] = replace(total, value=value, raw_value=None, cell=DERIVED, line=None)
        derived.append((f"{total.table}/{total.row_key}/total printed blank; the sum of "
                        f"its parts, {value:g}, is used", total.line))
    return out, derived
