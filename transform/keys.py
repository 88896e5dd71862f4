"""Canonical cell keys of the three statistical tables.

``maps/keys.csv`` is the canonical key list (docs/data-dictionary.md): every
``(table, row_key, col_key)`` with its Chinese label, the templates that print it and
its unit. ``*`` on one axis means "every key of the other axis". This module expands
the stars into the concrete cells, so the rest of the code can ask simple questions:
which cells does a template print, what unit does a cell carry, in which order do a
table's columns run.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from transform.maps import MapError, read_map

TEMPLATES = ("2019", "2021")
AD, APP, RL = "active_disclosure", "applications", "reviews_litigation"  # 表二, 表三, 表四
TABLES = (AD, APP, RL)

# The canonical keys the code itself names (the rules and the views that sum rows);
# every other key is data, in maps/keys.csv, which has each of these too (tested).
NEW_RECEIVED = "new_received"  # 一、本年新收政府信息公开申请数量
CARRIED_OVER = "carried_over"  # 二、上年结转政府信息公开申请数量
TOTAL = "total"  # （七）总计, and the 总计 column of 表三 and 表四
CARRIED_FORWARD = "carried_forward"  # 四、结转下年度继续办理
OTHER = "other"  # （六）其他处理 (one row, or the sum of the 2021 sub-rows)
OTHER_OTHER = "other.other"  # （六）3.其他, the third 2021 sub-row
NOT_PROCESSED = "not_processed."  # （五）不予处理's rows
REVIEW = "review"  # 表四's 行政复议 block
LITIGATION_PREFIX = "litigation_"  # 表四's two 行政诉讼 blocks
CORRECTED = "corrected"  # 表四's 结果纠正 column
BLOCK_PARTS = ("upheld", "corrected", "other", "pending")  # 表四: 维持 纠正 其他 尚未审结

# The Chinese names analysts and the templates use for the three tables.
TABLE_TITLES = {
    "active_disclosure": "表二 主动公开政府信息情况",
    "applications": "表三 收到和处理政府信息公开申请情况",
    "reviews_litigation": "表四 政府信息公开行政复议、行政诉讼情况",
}

CellKey = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class CellSpec:
    """One canonical cell: where it sits, what unit it has, which templates print it."""

    table: str
    row_key: str
    col_key: str
    unit: str
    templates: frozenset[str]
    row_label: str
    col_label: str


@dataclass(frozen=True, slots=True)
class KeyCatalog:
    """All canonical cells, in the order of ``maps/keys.csv``."""

    cells: dict[CellKey, CellSpec]
    row_order: dict[str, tuple[str, ...]]
    col_order: dict[str, tuple[str, ...]]
    position: dict[CellKey, int]  # the key list's order, for sorting facts

    def cells_for(self, template: str) -> list[CellSpec]:
        """The cells a report of ``template`` prints, in the key list's order."""
        return _cells_for(template)

    def unit(self, key: CellKey) -> str:
        spec = self.cells.get(key)
        return spec.unit if spec else "count"


def _expand_stars(rows: tuple[dict[str, str], ...]) -> list[dict[str, str]]:
    """Turn the ``*`` rows of keys.csv into one row per concrete cell."""
    plain = [r for r in rows if r["row_key"] != "*" and r["col_key"] != "*"]
    row_stars = [r for r in rows if r["col_key"] == "*"]
    col_stars = [r for r in rows if r["row_key"] == "*"]
    for row in row_stars:
        for col in col_stars:
            if col["table"] != row["table"]:
                continue
            templates = set(row["templates"].split()) & set(col["templates"].split())
            plain.append(
                {
                    "table": row["table"],
                    "row_key": row["row_key"],
                    "row_label": row["row_label"],
                    "col_key": col["col_key"],
                    "col_label": col["col_label"],
                    "templates": " ".join(sorted(templates)),
                    "unit": row["unit"] or col["unit"],
                }
            )
    return plain


@cache
def key_catalog() -> KeyCatalog:
    """Read ``maps/keys.csv`` once and index it."""
    cells: dict[CellKey, CellSpec] = {}
    row_order: dict[str, list[str]] = {t: [] for t in TABLES}
    col_order: dict[str, list[str]] = {t: [] for t in TABLES}
    for r in _expand_stars(read_map("keys")):
        if r["table"] not in TABLES:
            raise MapError(f"keys.csv: unknown table {r['table']!r}")
        key = (r["table"], r["row_key"], r["col_key"])
        if key in cells:
            raise MapError(f"keys.csv: duplicate cell {'/'.join(key)}")
        cells[key] = CellSpec(
            table=r["table"],
            row_key=r["row_key"],
            col_key=r["col_key"],
            unit=r["unit"] or "count",
            templates=frozenset(r["templates"].split()),
            row_label=r["row_label"],
            col_label=r["col_label"],
        )
        if r["row_key"] not in row_order[r["table"]]:
            row_order[r["table"]].append(r["row_key"])
        if r["col_key"] not in col_order[r["table"]]:
            col_order[r["table"]].append(r["col_key"])
    return KeyCatalog(
        cells=cells,
        row_order={t: tuple(v) for t, v in row_order.items()},
        col_order={t: tuple(v) for t, v in col_order.items()},
        position={k: i for i, k in enumerate(cells)},
    )


@cache
def derived_rows() -> dict[tuple[str, str], tuple[str, ...]]:
    """Rows that are the sum of other rows when those are printed instead:
    ``(table, row_key) -> part row keys`` (``maps/derived.csv``)."""
    return {(r["table"], r["row_key"]): tuple(r["parts"].split()) for r in read_map("derived")}


@cache
def _cells_for(template: str) -> list[CellSpec]:
    return [c for c in key_catalog().cells.values() if template in c.templates]
