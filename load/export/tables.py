"""Everything an export writes, read from one snapshot: a :class:`Table` per sheet and
its :class:`Origin` (what the about sheet says).

The rows come out of DuckDB ready to write: filtered by the selection, ordered, with the
district total rows of the per-agency sheets computed in the same query (counts summed,
shares and changes recomputed from the sums with the small-base rule, everything else
blank), timestamps in UTC. A table is read when it is asked for, so that the next is
read while one is written; should the snapshot be deleted meanwhile (two newer
publishes), the whole export is read again from the current one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from load.analysis import current_snapshot
from load.export.selection import Selection, narrow, quoted_list, select
from load.export.sheets import SHEETS, TOTAL_LABEL, Role, Sheet, YearFilter, role
from load.views import SMALL_BASE, View, ViewColumn, connect, reading, views, wide_columns
from load.warehouse import READ_ATTEMPTS, Snapshot, SnapshotGone
from transform.keys import AD, APP, RL

Row = tuple[object, ...]
T = TypeVar("T")


@dataclass(frozen=True)
class Table:
    """One sheet's columns and rows; ``totals`` are the indices of its total rows."""

    sheet: Sheet
    description: str
    columns: tuple[ViewColumn, ...]
    rows: list[Row]
    totals: frozenset[int]


@dataclass(frozen=True)
class Origin:
    """Whence an export's rows: the warehouse, its snapshot, when, which selection."""

    warehouse: Path
    snapshot: str
    generated: datetime
    selection: Selection


@dataclass(frozen=True)
class Export:
    """An export's rows in memory."""

    origin: Origin
    tables: list[Table]


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _year_condition(sheet: Sheet, selection: Selection) -> str:
    if selection.years is None or sheet.years is YearFilter.NONE:
        return "TRUE"
    chosen = f"year IN ({quoted_list(selection.years)})"
    return f"({chosen} OR year IS NULL)" if sheet.years is YearFilter.OR_UNKNOWN else chosen


def _output(column: ViewColumn) -> str:
    """A column as written: a timestamp as its UTC wall time (a spreadsheet has no
    time zones)."""
    name = _identifier(column.name)
    if column.type.upper().startswith("TIMESTAMP WITH TIME ZONE"):
        return f"{name} AT TIME ZONE 'UTC' AS {name}"
    return name


def _total(column: ViewColumn, names: set[str]) -> str:
    """The district total of a column over a year's rows of the selection."""
    name = column.name
    if name == "year":
        return "year"
    if name == "agency":
        return f"'{TOTAL_LABEL}'"
    share_of = name.removesuffix("_share")
    if name.endswith("_share") and share_of in names and "outcomes" in names:
        return f"sum({share_of}) / nullif(sum(outcomes), 0)"
    if name == "small_base" and "outcomes" in names:
        return f"sum(outcomes) < {SMALL_BASE}"
    measure = name.removesuffix("_change_pct")
    if name.endswith("_change_pct") and {measure, f"{measure}_change",
                                         f"{measure}_previous"} <= names:
        # Like for like, as the view: the change over agencies with both years' figure.
        base = f"sum({measure}_previous) FILTER ({measure} IS NOT NULL)"
        return f"CASE WHEN {base} >= {SMALL_BASE} THEN sum({measure}_change) / {base} END"
    measure = name.removesuffix("_previous")
    if name.endswith("_previous") and {measure, f"{measure}_change"} <= names:
        # Beside a like-for-like change, the previous total of the same agencies.
        return f"sum({name}) FILTER ({measure} IS NOT NULL)"
    if role(column) in (Role.COUNT, Role.AMOUNT, Role.NUMBER):
        return f"sum({_identifier(name)})"
    return "NULL"


def table_query(sheet: Sheet, columns: tuple[ViewColumn, ...], selection: Selection) -> str:
    """The SQL of a sheet's rows, its last column ``is_total``."""
    chosen = f"SELECT * FROM {sheet.view} WHERE {_year_condition(sheet, selection)}"
    rows = (f"SELECT {', '.join(map(_output, columns))}, {sheet.total_flag} AS is_total "
            "FROM chosen")
    if sheet.totals:
        names = {c.name for c in columns}
        totals = ", ".join(_total(c, names) for c in columns)
        rows += f"\nUNION ALL\nSELECT {totals}, true FROM chosen GROUP BY year"
    return f"WITH chosen AS ({chosen})\n{rows}\nORDER BY {sheet.order}"


def _key_columns(view: str) -> set[str]:
    table = {"outcomes_wide": APP, "reviews_litigation_wide": RL,
             "active_disclosure_wide": AD}.get(view)
    return {column for column, _r, _c in wide_columns(table)} if table else set()


def _without_empty_keys(table: Table) -> Table:
    """The table without its key columns empty in every row (cells printed by the other
    template only). Counted on the rows read: a query of the view would compute it
    again."""
    keys = _key_columns(table.sheet.view)
    empty = {i for i, c in enumerate(table.columns)
             if c.name in keys and all(row[i] is None for row in table.rows)}
    if not empty:
        return table
    kept = [i for i in range(len(table.columns)) if i not in empty]
    pick = itemgetter(*kept)  # several: the agency and year columns are always kept
    return replace(table, columns=tuple(table.columns[i] for i in kept),
                   rows=[pick(row) for row in table.rows])


def read_table(con: duckdb.DuckDBPyConnection, sheet: Sheet, view: View,
               selection: Selection) -> Table:
    """One sheet's rows, from ``con``'s views."""
    result = con.execute(table_query(sheet, view.columns, selection)).fetchall()
    totals = frozenset(i for i, row in enumerate(result) if row[-1])
    table = Table(sheet, view.description, view.columns, [row[:-1] for row in result], totals)
    return _without_empty_keys(table) if sheet.drop_empty else table


def _compute_summary_once(con: duckdb.DuckDBPyConnection) -> None:
    """Hold ``agency_year_summary``'s rows in a table of its name: its sheet reads it,
    and the district totals twice more (each year and the year before)."""
    con.execute("ALTER VIEW agency_year_summary RENAME TO agency_year_summary_query")
    con.execute("CREATE TABLE agency_year_summary AS SELECT * FROM agency_year_summary_query")


@contextmanager
def opened(snapshot: Snapshot, warehouse: str | Path, *, years: Iterable[int] | None = None,
           agencies: Iterable[str] | None = None, kinds: Iterable[str] | None = None,
           registry: str | Path | None = None) -> Iterator[tuple[Origin, Iterator[Table]]]:
    """The origin of an export of ``snapshot`` and its tables, each read when it is
    asked for (the selection is checked first: :class:`UnknownAgency`…). A DuckDB or
    file error met because the snapshot was deleted meanwhile, within the block,
    becomes :class:`SnapshotGone`."""
    con = connect(snapshot)
    try:
        with reading(snapshot):
            selection = select(con, years=years, agencies=agencies, kinds=kinds,
                               registry=registry)
            narrow(con, selection)
            _compute_summary_once(con)
            described = {v.name: v for v in views(con)}
            origin = Origin(Path(warehouse).resolve(), snapshot.id, datetime.now(UTC),
                            selection)
            yield origin, (read_table(con, sheet, described[sheet.view], selection)
                           for sheet in SHEETS)
    finally:
        con.close()


def on_current_snapshot(warehouse: str | Path, work: Callable[[Snapshot], T]) -> T:
    """``work`` done on the warehouse's current snapshot, done again on the next
    current one should that snapshot be deleted meanwhile (two newer publishes)."""
    attempt = 1
    while True:
        try:
            return work(current_snapshot(warehouse))
        except SnapshotGone:
            if attempt == READ_ATTEMPTS:
                raise
            attempt += 1


def read_export(warehouse: str | Path, **selection: Any) -> Export:
    """Every sheet of the selection (``years``, ``agencies``, ``kinds``, ``registry``,
    as :func:`opened` takes them) in memory, from one snapshot."""
    def read(snapshot: Snapshot) -> Export:
        with opened(snapshot, warehouse, **selection) as (origin, tables):
            return Export(origin, list(tables))
    return on_current_snapshot(warehouse, read)


__all__ = ["Export", "Origin", "Row", "Table", "on_current_snapshot", "opened", "read_export",
           "read_table", "table_query"]
