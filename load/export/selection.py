"""Which agencies and years an export holds, and narrowing a connection's views to them.

The agencies asked for (any registered spelling, a name the warehouse holds, or an id)
and the kinds asked for become one list of agency ids. The connection's three dataset
views are then narrowed to those agencies, so every view built on them (the summaries,
the wide tables, the district totals and their roster, data quality) covers exactly the
selection, and a total is the sum of the rows it is shown with. Years are not narrowed
there but in each sheet's query: the change on the year before needs that year.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from load.roster import UnknownAgency, UnknownKind, chosen_agency_ids

DATASETS = ("facts", "reports", "checks")


class ExportError(ValueError):
    """A selection the warehouse cannot answer (one line, saying what it holds)."""


class UnknownYear(ExportError):
    """A year the warehouse holds no report of."""


@dataclass(frozen=True)
class Selection:
    """What an export holds: ``None`` is everything."""

    years: tuple[int, ...] | None = None
    agencies: tuple[str, ...] | None = None  # as asked for (names, spellings, ids)
    kinds: tuple[str, ...] | None = None
    agency_ids: tuple[str, ...] | None = None  # resolved from agencies and kinds

    def describe(self) -> dict[str, str]:
        """The filters as the about sheet prints them."""
        everything = "全部 all"
        return {
            "年度 years": ", ".join(map(str, self.years)) if self.years else everything,
            "机关 agencies": "、".join(self.agencies) if self.agencies else everything,
            "机关类别 kinds": "、".join(self.kinds) if self.kinds else everything,
        }


def quoted_list(values: Iterable[object]) -> str:
    """SQL literals for an IN list: ints as they are, text quoted."""
    out = [str(int(v)) if isinstance(v, int) else "'" + str(v).replace("'", "''") + "'"
           for v in values]
    return ", ".join(out) or "NULL"


def _held_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    return [y for (y,) in con.execute(
        "SELECT DISTINCT year FROM reports WHERE year IS NOT NULL "
        "AND status IS DISTINCT FROM 'removed' ORDER BY year").fetchall()]


def _check_years(con: duckdb.DuckDBPyConnection, years: Sequence[int]) -> None:
    held = _held_years(con)
    missing = [y for y in years if y not in held]
    if missing:
        span = f"{held[0]}–{held[-1]}" if held else "none"
        raise UnknownYear(f"no report of year {', '.join(map(str, missing))} in the "
                          f"warehouse (it holds {span})")


def select(con: duckdb.DuckDBPyConnection, *, years: Iterable[int] | None = None,
           agencies: Iterable[str] | None = None, kinds: Iterable[str] | None = None,
           registry: str | Path | None = None) -> Selection:
    """The selection asked for, checked against what ``con``'s snapshot holds:
    :class:`UnknownYear`, :class:`UnknownAgency`, :class:`UnknownKind` otherwise."""
    chosen_years = tuple(sorted({int(y) for y in years})) if years else None
    names = tuple(dict.fromkeys(agencies)) if agencies else None
    chosen_kinds = tuple(dict.fromkeys(kinds)) if kinds else None
    if chosen_years:
        _check_years(con, chosen_years)
    ids = chosen_agency_ids(con, names, chosen_kinds, registry)
    return Selection(chosen_years, names, chosen_kinds,
                     tuple(ids) if ids is not None else None)


def narrow(con: duckdb.DuckDBPyConnection, selection: Selection) -> None:
    """Narrow ``con``'s dataset views to the selected agencies (nothing when every
    agency is selected). Each view is renamed and a view of its selected rows takes its
    name; the views built on them name them only, so they read the narrowed ones. A
    report whose agency could not be read stays: it may be one of the selection, and
    data quality lists it."""
    if selection.agency_ids is None:
        return
    ids = quoted_list(selection.agency_ids)
    for name in DATASETS:
        keep = f"agency_id IN ({ids})"
        if name == "reports":
            keep += " OR agency_id IS NULL"
        con.execute(f"ALTER VIEW {name} RENAME TO {name}_unselected")
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM {name}_unselected WHERE {keep}")


__all__ = ["ExportError", "Selection", "UnknownAgency", "UnknownKind", "UnknownYear",
           "narrow", "quoted_list", "select"]
