"""Assemble a report's facts from the rows the engine read: canonical keys, units,
derived cells, and what the template prints but the report does not.

Each printed cell becomes a :class:`~extract.model.Fact` in the key order of
``maps/keys.csv``, its
value in the unit of its key (万元 amounts in yuan); the three 2021 其他处理 sub-rows
are summed into ``other`` where the report prints them instead of it, a 表三 总计
printed blank over printed parts is their sum, and tables, rows and cells the
template prints but the report lacks are warned of (they make the report partial).
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from extract.cells import (
    BLANK,
    Token,
)
from extract.model import Column, Fact, Row, TableResult, Warning_
from extract.totals import derive_blank_totals
from extract.values import DERIVED, UNREADABLE, unit_multiplier
from transform.keys import (
    TABLE_TITLES,
    TABLES,
    CellKey,
    CellSpec,
    derived_rows,
    key_catalog,
)

DEFAULT_MONEY_UNIT = "万元"


def _money_multiplier(row: Row, col: Column, tok: Token, template: str,
                      warnings: list[Warning_]) -> Decimal:
    """Yuan per printed unit: the cell's own unit, else its column's, else 万元."""
    factor, kind = unit_multiplier(tok.value.unit_suffix if tok.value else "")
    if kind == "yuan":
        return factor
    if col.unit_suffix:
        return unit_multiplier(col.unit_suffix)[0]
    warnings.append(Warning_(
        "unit_assumed",
        f"{row.table}/{row.key}/{col.key}: no unit printed; read as "
        f"{DEFAULT_MONEY_UNIT} as in the {template} template", tok.line))
    return unit_multiplier(DEFAULT_MONEY_UNIT)[0]


def _number(row: Row, col: Column, tok: Token, unit: str, template: str,
            warnings: list[Warning_]) -> float | None:
    """The cell's number in its canonical unit; None for a dash or a blank."""
    value = tok.value
    if value is None or value.number is None:
        return None
    if unit == "yuan":
        return float(value.number * _money_multiplier(row, col, tok, template, warnings))
    if value.unit_suffix:
        return float(value.number * unit_multiplier(value.unit_suffix)[0])  # 1.2万
    return value.as_float


def _to_fact(row: Row, col: Column, tok: Token, unit: str, template: str,
             warnings: list[Warning_], row_key: str, row_label: str | None) -> Fact:
    value = tok.value
    raw = tok.raw.strip()
    if value is None:
        number, kind = None, "blank"
    elif value.kind == UNREADABLE:
        # The cell stays a cell (its neighbours keep their columns) with no value.
        number, kind = None, UNREADABLE
        warnings.append(Warning_("bad_value", f"{row.table}/{row_key}/{col.key}: {raw!r} "
                                 "is no value; the cell is loaded without one", tok.line))
    else:
        kind = value.kind
        if unit != "yuan" and not value.unit_suffix:
            number = value.as_float  # the common case: a count (None for a dash)
        else:
            number = _number(row, col, tok, unit, template, warnings)
        if value.ocr:
            warnings.append(Warning_("value_ocr", f"{row.table}/{row_key}/{col.key}: {raw!r} "
                                     f"read as {number:g} (letters taken for the digits "
                                     "they resemble)", tok.line))
    return Fact(row.table, row_key, col.key, number, raw, kind, tok.line, unit,
                row_label, col.label or None)


def resolve_deferred(result: TableResult, template: str) -> None:
    """表二 rows printed without a header (or under one read in part, already warned
    about) take the template's columns for that row."""
    partly_read = {w.message.split(":", 1)[0] for w in result.warnings
                   if w.code == "header_partly_read"}
    for row in result.rows:
        if row.columns is not None:
            continue
        row.columns = [Column(c.col_key, "") for c in key_catalog().cells_for(template)
                       if c.table == row.table and c.row_key == row.key]
        if f"{row.table}/{row.key}" in partly_read:
            continue
        result.warnings.append(Warning_(
            "header_not_found", f"{row.table}/{row.key}: no column header; read in the "
            f"{template} template's column order", row.line))


RowSpans = dict[tuple[str, str], tuple[int, int]]  # (table, row key) -> its facts' slice


def _derive_sums(facts: list[Fact], spans: RowSpans) -> list[Fact]:
    """Rows printed as parts (the three 2021 其他处理 sub-rows) summed into the row
    the other template prints (``other``), marked derived. ``spans``: where each
    printed row's facts are in ``facts``."""
    derived: list[Fact] = []
    for (table, row_key), parts in derived_rows().items():
        start, end = spans.get((table, row_key), (0, 0))
        if end > start:
            continue  # the report prints the row itself
        by_part = []
        for part in parts:
            start, end = spans.get((table, part), (0, 0))
            by_part.append({f.col_key: f for f in facts[start:end]})
        if not any(by_part):
            continue
        for col in key_catalog().col_order[table]:
            cells = [row[col] for row in by_part if col in row]
            # A part missing or unreadable: no sum to tell.
            if len(cells) == len(by_part) and all(f.cell != UNREADABLE for f in cells):
                # Blank and dash parts add nothing, as in the checks' sums.
                total = sum(f.value for f in cells if f.value is not None)
                derived.append(Fact(table, row_key, col, float(total), None, DERIVED, None,
                                    key_catalog().unit((table, row_key, col)), None, None))
    return derived


def _derive_totals(facts: list[Fact], warnings: list[Warning_]) -> list[Fact]:
    """Blank 总计 cells whose parts are printed, as their sum (see extract.totals)."""
    facts, derived = derive_blank_totals(facts)
    warnings.extend(Warning_("total_derived", message, line) for message, line in derived)
    return facts


def missing_parts(keys: list[CellKey], template: str) -> list[Warning_]:
    """Tables, rows and cells the template prints but the report did not (``keys``:
    the cells printed)."""
    printed = set(keys)
    if printed >= _template_cells(template):
        return []  # the common case: everything is there
    rows = {(t, r) for t, r, _c in printed}
    for (table, row_key), parts in derived_rows().items():
        if (table, row_key) in rows:
            # One 其他处理 row stands for the three 2021 sub-rows (and is derived from
            # them where they are printed).
            rows |= {(table, p) for p in parts}
    tables = {t for t, _r in rows}
    out: list[Warning_] = []
    for table in TABLES:
        expected = [c for c in key_catalog().cells_for(template) if c.table == table]
        if table not in tables:
            out.append(Warning_("table_missing", f"{TABLE_TITLES[table]} not found", None))
            continue
        missing_rows = list(dict.fromkeys(
            c.row_key for c in expected if (table, c.row_key) not in rows))
        if missing_rows:
            out.append(Warning_("rows_missing", f"{table}: rows not found: "
                                f"{', '.join(missing_rows)}", None))
        derived_parts = {p for parts in derived_rows().values() for p in parts}
        missing_cells = [f"{c.row_key}/{c.col_key}" for c in expected
                         if (table, c.row_key) in rows
                         and (table, c.row_key, c.col_key) not in printed
                         and c.row_key not in derived_parts]
        if missing_cells:
            out.append(Warning_("cells_missing", f"{table}: cells not found: "
                                f"{', '.join(missing_cells)}", None))
    return out


@cache
def _template_cells(template: str) -> frozenset[tuple[str, str, str]]:
    return frozenset((c.table, c.row_key, c.col_key) for c in key_catalog().cells_for(template))


def facts_of(result: TableResult, template: str,
           warnings: list[Warning_]) -> tuple[list[Fact], list[CellKey]]:
    """The facts in the key order of ``maps/keys.csv``, and the key of each."""
    specs = _specs_by_row()
    facts: list[Fact] = []
    keys: list[CellKey] = []
    order: list[int] = []  # each fact's position in the key order
    placed: set[int] = set()  # (the same: one fact per cell, whatever the source)
    spans: RowSpans = {}
    for row in result.rows:
        table, row_key, row_label = row.table, row.key or "", row.label or None
        row_specs = specs.get((table, row_key), {})
        first = len(facts)
        for col, tok in zip(row.columns or (), row.cells, strict=False):
            if tok is None:
                continue
            found = row_specs.get(col.key)
            if found is None and tok.kind == BLANK:
                continue  # an empty grid cell under a column this row does not have
            if found is None:
                warnings.append(Warning_(
                    "not_a_cell", f"{table}/{row_key}/{col.key} is not a cell of either "
                    f"template; value {tok.raw.strip()!r} not loaded", tok.line))
                continue
            key, spec, place = found
            if place in placed:
                warnings.append(Warning_(
                    "duplicate_cell", f"{'/'.join(key)} read twice; the first reading "
                    f"is kept, {tok.raw.strip()!r} is not", tok.line))
                continue
            placed.add(place)
            if template not in spec.templates:
                warnings.append(Warning_(
                    "cell_not_in_template", f"{'/'.join(key)} is not printed by the "
                    f"{template} template; kept as read", tok.line))
            value, unit = tok.value, spec.unit
            if value is not None and unit != "yuan" and not value.unit_suffix and \
                    value.kind != UNREADABLE and not value.ocr:
                # The common case, inline: a count (its float; None for a dash).
                facts.append(Fact(table, row_key, col.key, value.as_float, tok.raw.strip(),
                                  value.kind, tok.line, unit, row_label, col.label or None))
            else:
                facts.append(_to_fact(row, col, tok, unit, template, warnings, row_key,
                                      row_label))
            keys.append(key)
            order.append(place)
        if len(facts) > first:
            spans[(table, row_key)] = (first, len(facts))
    facts = _derive_totals(facts, warnings)  # (same length: blanks replaced in place)
    derived = _derive_sums(facts, spans)
    position = key_catalog().position
    for f in derived:
        keys.append((f.table, f.row_key, f.col_key))
        order.append(position[keys[-1]])
    facts.extend(derived)
    # A stable sort on the keys' positions, as sorting the facts by them.
    ranked = sorted(range(len(facts)), key=order.__getitem__)
    return [facts[i] for i in ranked], [keys[i] for i in ranked]


@cache
def _specs_by_row() -> dict[tuple[str, str], dict[str, tuple[CellKey, CellSpec, int]]]:
    """Each catalog cell's key, spec and position, by row and then column: one lookup
    per row and one per cell, with no key built per cell."""
    catalog = key_catalog()
    out: dict[tuple[str, str], dict[str, tuple[CellKey, CellSpec, int]]] = {}
    for key, spec in catalog.cells.items():
        out.setdefault(key[:2], {})[key[2]] = (key, spec, catalog.position[key])
    return out
