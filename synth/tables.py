"""Builds 表二, 表三 and 表四 as layout-neutral tables of cells.

The shapes follow the official templates: 表二 is one four-column table of
sub-tables headed 第二十条第（N）项 (or, for markdown, one small table per
sub-table), 表三 has a three-row header and row labels spanning rows
(三、本年度办理结果 over all outcome rows, （三）不予公开 over its eight items), 表四
has a three-row header over one row of 15 values.  Optional row edits drop one row
or swap two neighbouring rows, as found in damaged real reports.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import TypeVar

from . import labels as lb
from .keys import (
    ACTIVE,
    APP_COL_KEYS,
    APPLICATION_ROWS,
    APPLICATIONS,
    OTHER_SUBROWS,
    REVIEW_BLOCKS,
    REVIEW_COL_KEYS,
    REVIEWS,
)
from .model import Cell, Fact, Row, Table
from .numbers import Numbers
from .rules import OUTCOME_ROWS
from .style import Style
from .values import Formatter

T = TypeVar("T")

_ColSpec = tuple[tuple[str, str | None], ...]
_RowSpec = tuple[tuple[str, str | None], ...]

_PROJECT_COLS: _ColSpec = (
    ("prior_year_items", "上一年项目数量"),
    ("change", "本年增/减"),
    ("decisions", None),
)
ACTIVE_2019: tuple[tuple[int, _ColSpec, _RowSpec], ...] = (
    (
        1,
        (
            ("made", "本年新制作数量"),
            ("published", "本年新公开数量"),
            ("total_published", "对外公开总数量"),
        ),
        (("rules", "规章"), ("normative_documents", None)),
    ),
    (5, _PROJECT_COLS, (("licensing", "行政许可"), ("other_services", "其他对外管理服务事项"))),
    (6, _PROJECT_COLS, (("penalty", "行政处罚"), ("coercion", "行政强制"))),
    (8, _PROJECT_COLS[:2], (("fees", "行政事业性收费"),)),
    (9, (("items", "采购项目数量"), ("amount", "采购总金额")), (("procurement", "政府集中采购"),)),
)
ACTIVE_2021: tuple[tuple[int, _ColSpec, _RowSpec], ...] = (
    (
        1,
        (("issued", "本年制发件数"), ("repealed", "本年废止件数"), ("in_force", "现行有效件数")),
        (("rules", "规章"), ("normative_documents", None)),
    ),
    (5, (("decisions", None),), (("licensing", "行政许可"),)),
    (6, (("decisions", None),), (("penalty", "行政处罚"), ("coercion", "行政强制"))),
    (8, (("amount", None),), (("fees", "行政事业性收费"),)),
)


@dataclass(frozen=True, slots=True)
class RowEdits:
    """Damage to apply: drop one row, swap two neighbouring rows (table, row keys)."""

    drop: tuple[str, str] | None = None
    swap: tuple[str, str, str] | None = None

    def apply(self, table: str, items: Sequence[T], key: Callable[[T], str]) -> list[T]:
        """``items`` of ``table`` with the edits that concern it applied."""
        out = [it for it in items if self.drop != (table, key(it))]
        keys = [key(it) for it in out]
        if self.swap and self.swap[0] == table and set(self.swap[1:]) <= set(keys):
            a, b = keys.index(self.swap[1]), keys.index(self.swap[2])
            out[a], out[b] = out[b], out[a]
        return out


@dataclass(frozen=True, slots=True)
class SubTable:
    """One 表二 sub-table: its heading, header row and data rows."""

    title: str
    header: tuple[Cell, ...]
    rows: tuple[tuple[Cell, ...], ...]


def _derive_blank_total(cells: list[Cell]) -> list[Cell]:
    """A 表三 row's cells, its 总计 printed blank read as the sum of its six parts
    (cell ``derived``) where every part is a printed number, as the extraction does."""
    *parts, total = cells
    own = total.facts[0]
    if own.cell != "blank" or any(p.facts[0].cell != "number" for p in parts):
        return cells
    value = float(sum(p.facts[0].value or 0 for p in parts))
    fact = Fact(own.table, own.row_key, own.col_key, value, "derived")
    return [*parts, Cell(total.text, total.role, facts=(fact, *total.facts[1:]))]


class TableBuilder:
    """Builds the tables of one report from its numbers and style."""

    def __init__(self, nums: Numbers, style: Style, rng: random.Random, fmt: Formatter) -> None:
        self.nums = nums
        self.style = style
        self.rng = rng
        self.fmt = fmt

    # 表二 -----------------------------------------------------------------
    def _col_label(self, col: str, label: str | None) -> str:
        if label is not None:
            return label
        return lb.fees_header(self.style) if col == "amount" else self.style.decisions_label

    def _row_label(self, label: str | None) -> str:
        text = self.style.normative_label if label is None else label
        return lb.insert_space(self.rng, text, self.style.label_space_prob)

    def _spans(self, cells: list[Cell], combined: bool) -> tuple[Cell, ...]:
        if not combined:
            return tuple(cells)
        if len(cells) == 2:
            return (cells[0], Cell(cells[1].text, cells[1].role, colspan=3, facts=cells[1].facts))
        if len(cells) == 3:
            return (*cells, Cell("", "filler"))
        return tuple(cells)

    def _subtable(self, n: int, cols: _ColSpec, rows: _RowSpec, combined: bool) -> SubTable:
        header = [Cell("信息内容", "header")]
        header += [Cell(self._col_label(c, lab), "header") for c, lab in cols]
        data = []
        for row_key, label in rows:
            cells = [Cell(self._row_label(label), "label")]
            for col, _ in cols:
                key = (ACTIVE, row_key, col)
                cells.append(self.fmt.active(key, self.nums.active[(row_key, col)]))
            data.append(self._spans(cells, combined))
        return SubTable(lb.article(self.style, n), self._spans(header, combined), tuple(data))

    def active_subtables(self, edits: RowEdits, combined: bool) -> list[SubTable]:
        """The 表二 sub-tables, in template order."""
        spec = ACTIVE_2019 if self.nums.template == "2019" else ACTIVE_2021
        out = []
        for n, cols, rows in spec:
            kept = tuple(edits.apply(ACTIVE, rows, lambda r: r[0]))
            out.append(self._subtable(n, cols, kept, combined))
        return out

    # 表三 -----------------------------------------------------------------
    def application_rows(self, subrows: bool) -> list[tuple[str, str, str | None, bool]]:
        """(row_key, label, subgroup label, is_outcome) for every 表三 data row."""
        st, rng = self.style, self.rng
        space = self.style.label_space_prob
        rows: list[tuple[str, str, str | None, bool]] = [
            (
                "new_received",
                lb.insert_space(rng, "一、本年新收政府信息公开申请数量", space, 2),
                None,
                False,
            ),
            (
                "carried_over",
                lb.insert_space(rng, "二、上年结转政府信息公开申请数量", space, 2),
                None,
                False,
            ),
            ("granted", lb.paren(st, 1, "予以公开"), None, True),
            ("partially_granted", lb.partially_granted(st), None, True),
        ]
        groups = (
            ("withheld", 3, "不予公开", lb.withheld_items(st, rng)),
            ("unavailable", 4, "无法提供", lb.unavailable_items(st, rng)),
            ("not_processed", 5, "不予处理", lb.not_processed_items(st, rng)),
        )
        order = [key for key, _, _ in APPLICATION_ROWS]
        for prefix, n, text, items in groups:
            keys = [k for k in order if k.startswith(prefix + ".")]
            sub = lb.paren(st, n, text)
            rows += [(k, label, sub, True) for k, label in zip(keys, items, strict=True)]
        other = lb.paren(st, 6, "其他处理")
        if subrows:
            items = lb.other_items(st, rng)
            rows += [(k, lab, other, True) for k, lab in zip(OTHER_SUBROWS, items, strict=True)]
        else:
            rows.append(("other", other, None, True))
        rows.append(("total", lb.paren(st, 7, "总计"), None, True))
        rows.append(("carried_forward", "四、结转下年度继续办理", None, False))
        return rows

    def _app_header(self, space_headers: bool) -> list[Row]:
        def hdr(text: str, rowspan: int = 1) -> Cell:
            shown = lb.header(self.style, self.rng, text) if space_headers else text
            return Cell(shown, "header", rowspan=rowspan)

        orgs = ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
        return [
            Row((Cell(lb.note(self.style), "note", 3, 3), Cell("申请人情况", "span", 7)), "header"),
            Row((hdr("自然人", 2), Cell("法人或其他组织", "span", 5), hdr("总计", 2)), "header"),
            Row(tuple(hdr(o) for o in orgs), "header"),
        ]

    def _app_values(self, row_key: str, derived: bool) -> list[Cell]:
        cells = []
        for i, col in enumerate(APP_COL_KEYS):
            cell = self.fmt.rule_count((APPLICATIONS, row_key, col), self.nums.apps[row_key][i])
            if derived:
                total = float(sum(self.nums.apps[sub][i] for sub in OTHER_SUBROWS))
                extra = Fact(APPLICATIONS, "other", col, total, "derived")
                cell = Cell(cell.text, cell.role, facts=(*cell.facts, extra))
            cells.append(cell)
        return _derive_blank_total(cells)

    def applications_table(self, edits: RowEdits, subrows: bool, space_headers: bool) -> Table:
        """表三 with its header, row groups and (for 2021 sub-rows) the derived 其他处理."""
        specs = edits.apply(APPLICATIONS, self.application_rows(subrows), lambda r: r[0])
        last_sub = max((i for i, s in enumerate(specs) if s[0] in OTHER_SUBROWS), default=-1)
        rows = self._app_header(space_headers)
        for i, (key, label, sub, outcome) in enumerate(specs):
            cells: list[Cell] = []
            if outcome and (i == 0 or not specs[i - 1][3]):
                run = _run_length(specs, i, lambda s: s[3])
                cells.append(Cell(lb.GROUP_LABEL, "group", rowspan=run))
            if sub and (i == 0 or specs[i - 1][2] != sub):
                cells.append(Cell(sub, "subgroup", rowspan=_run_length(specs, i, lambda s: s[2])))
            colspan = 1 if sub else (2 if outcome else 3)
            cells.append(Cell(label, "label", colspan))
            cells += self._app_values(key, derived=i == last_sub)
            rows.append(Row(tuple(cells), "data"))
        return Table(APPLICATIONS, 10, tuple(rows))

    # 表四 -----------------------------------------------------------------
    def reviews_table(self, space_headers: bool) -> Table:
        """表四: three header rows and one row of 15 values."""
        leaves = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")

        def hdr(text: str, rowspan: int = 1) -> Cell:
            shown = lb.header(self.style, self.rng, text) if space_headers else text
            return Cell(shown, "header", rowspan=rowspan)

        rows = [
            Row((Cell("行政复议", "span", 5), Cell("行政诉讼", "span", 10)), "header"),
            Row(
                (
                    *(hdr(t, 2) for t in leaves),
                    Cell("未经复议直接起诉", "span", 5),
                    Cell("复议后起诉", "span", 5),
                ),
                "header",
            ),
            Row(tuple(hdr(t) for t in leaves * 2), "header"),
        ]
        values = [
            self.fmt.rule_count((REVIEWS, block, col), self.nums.reviews[block][j])
            for block in REVIEW_BLOCKS
            for j, col in enumerate(REVIEW_COL_KEYS)
        ]
        rows.append(Row(tuple(values), "data"))
        return Table(REVIEWS, 15, tuple(rows))


def _run_length(specs: Sequence[T], start: int, key: Callable[[T], object]) -> int:
    value = key(specs[start])
    n = 0
    for spec in specs[start:]:
        if key(spec) != value:
            break
        n += 1
    return n


def combine_active(subtables: Sequence[SubTable]) -> Table:
    """表二 as one four-column table, sub-table headings as full-width title rows."""
    rows: list[Row] = []
    for sub in subtables:
        rows.append(Row((Cell(sub.title, "title", 4),), "title"))
        rows.append(Row(sub.header, "header"))
        rows += [Row(cells, "data") for cells in sub.rows]
    return Table(ACTIVE, 4, tuple(rows))


def separate_active(sub: SubTable) -> Table:
    """One 表二 sub-table as its own small table (the heading is printed apart)."""
    rows = [Row(sub.header, "header"), *(Row(cells, "data") for cells in sub.rows)]
    return Table(ACTIVE, len(sub.header), tuple(rows))


_DROPPABLE_ACTIVE = ("rules", "normative_documents", "penalty", "coercion")
_SWAPPABLE_ACTIVE = (("rules", "normative_documents"), ("penalty", "coercion"))


def choose_edits(rng: random.Random, drop: bool, reorder: bool) -> tuple[RowEdits, list[str]]:
    """Pick the row to drop and the neighbours to swap; describe them as effects."""
    drops = [(APPLICATIONS, r) for r in OUTCOME_ROWS] + [(ACTIVE, r) for r in _DROPPABLE_ACTIVE]
    swaps = [
        (APPLICATIONS, a, b)
        for a, b in pairwise(OUTCOME_ROWS)
        if a.split(".")[0] == b.split(".")[0] or "." not in a + b
    ]
    swaps += [(ACTIVE, a, b) for a, b in _SWAPPABLE_ACTIVE]
    effects: list[str] = []
    dropped = rng.choice(drops) if drop else None
    swap = None
    if reorder:
        swap = rng.choice([s for s in swaps if dropped not in ((s[0], s[1]), (s[0], s[2]))])
        effects.append(f"reordered_rows:{swap[0]}:{swap[1]},{swap[2]}")
    if dropped:
        effects.append(f"dropped_row:{dropped[0]}:{dropped[1]}")
    return RowEdits(dropped, swap), effects


def _derive_values(cells: list[Cell]) -> list[Cell]:
    """A row's cells with a blank 总计 derived from its six value cells, labels kept."""
    values = [i for i, c in enumerate(cells) if c.role == "value" and c.facts]
    if len(values) != 7:
        return cells
    derived = _derive_blank_total([cells[i] for i in values])
    out = list(cells)
    for i, cell in zip(values, derived, strict=True):
        out[i] = cell
    return out


def _blank_total(cell: Cell) -> Cell:
    """A 总计 cell left blank: its fact blank (null), a derived sum over it 0."""
    facts = tuple(
        Fact(f.table, f.row_key, f.col_key, 0.0 if f.cell == "derived" else None,
             "derived" if f.cell == "derived" else "blank")
        for f in cell.facts
    )
    return Cell("", "value", facts=facts)


def blank_subrow_totals(table: Table) -> Table:
    """表三 with the 总计 column blank on every item row under a group label (the items
    of 不予公开, 无法提供, 不予处理, 其他处理), left for the reader to total, as some
    Word reports print it. The reader's total is the truth: where the row's six parts
    are printed numbers, the blank 总计 is their sum with cell ``derived`` (what the
    extractor reports, with a ``total_derived`` warning); never 0 for a blank."""
    rows: list[Row] = []
    for row in table.rows:
        labels = [c for c in row.cells if c.role == "label"]
        if row.kind != "data" or not labels or labels[-1].colspan != 1:
            rows.append(row)
            continue
        cells = [
            _blank_total(c) if c.role == "value" and c.facts and c.facts[0].col_key == "total"
            else c
            for c in row.cells
        ]
        rows.append(Row(tuple(_derive_values(cells)), row.kind))
    return Table(table.name, table.width, tuple(_other_total(rows)))


def _other_total(rows: list[Row]) -> list[Row]:
    """The derived 其他处理 总计 over sub-row totals that are now derived too."""
    subtotals = [f.value for r in rows for c in r.cells for f in c.facts
                 if f.row_key.startswith("other.") and f.col_key == "total"]
    if not subtotals or any(v is None for v in subtotals):
        return rows
    total = float(sum(v for v in subtotals if v is not None))

    def fix(cell: Cell) -> Cell:
        facts = tuple(
            Fact(f.table, f.row_key, f.col_key, total, f.cell)
            if (f.row_key, f.col_key, f.cell) == ("other", "total", "derived") else f
            for f in cell.facts)
        return replace(cell, facts=facts) if facts != cell.facts else cell

    return [Row(tuple(fix(c) for c in r.cells), r.kind) for r in rows]

