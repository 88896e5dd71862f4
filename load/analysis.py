"""The analysts' Python API: tidy, typed frames of the warehouse, and the usual pivots.

Analysts compare agencies across a district and across years. These functions read
only what a question needs (pyarrow filters on the ``year`` partition and on columns,
so a one-year question does not read every year), return pandas frames with proper
dtypes (categoricals for keys, so a frame of millions of cells stays small), and turn
表三 into the familiar rows × applicant-types layout.

Comparability across the 2019 and 2021 templates comes from ``keys.csv``: a cell is
comparable when both templates print it; ``other`` (其他处理) is comparable because
2021 reports that print its three sub-rows also get it as their derived sum. Wide
frames never put a 2019-only and a 2021-only figure side by side as one measure: such
cells are simply absent from the other template's years, and :func:`comparability`
says why.

Each call reads one snapshot of the warehouse (one publish), resolved when it starts.
Questions that join datasets read them from one snapshot, pinned by
:func:`current_snapshot` and passed in place of the warehouse's path; it stays readable
until two newer snapshots are published, then its reads raise
:class:`load.errors.SnapshotGone` (pin the current one again).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from load.warehouse import Snapshot, SnapshotGone, Warehouse
from transform.agencies import load_registry
from transform.keys import APP, TEMPLATES, key_catalog

KEY_COLUMNS = ("agency_id", "agency", "agency_kind", "template", "table", "row_key",
               "col_key", "unit", "cell")
# 表三's applicant columns in the template's order, then 总计.
APPLICANT_COLUMNS = ("natural_person", "commercial", "research", "social_welfare",
                     "legal_services", "other_org", "total")


# A warehouse's path (each call reads its current snapshot) or one pinned snapshot.
Where = str | Path | Snapshot


def current_snapshot(warehouse: str | Path) -> Snapshot:
    """The warehouse's current snapshot, to read several datasets from one publish;
    FileNotFoundError when nothing was ever published there."""
    snapshot = Warehouse(warehouse).current()
    if snapshot is None:
        raise FileNotFoundError(f"{warehouse} is not a warehouse (no snapshot published "
                                "in it); run `xxgk run` first")
    return snapshot


def _read(where: Where, dataset: str, filters: list[tuple[str, str, object]],
          columns: list[str] | None = None) -> pd.DataFrame:
    """Rows of one snapshot: the one given, or the warehouse's current one (read again
    from the next current one if it is deleted meanwhile)."""
    if isinstance(where, Snapshot):
        expression = pq.filters_to_expression(filters) if filters else None
        return where.read(dataset, columns=columns, filter=expression)
    return Warehouse(where).read(dataset, filters=filters or None, columns=columns)


def _filters(years: Iterable[int] | None, agency_ids: Sequence[str] | None,
             tables: Iterable[str] | None) -> list[tuple[str, str, object]]:
    filters: list[tuple[str, str, object]] = []
    if years is not None:
        filters.append(("year", "in", sorted({int(y) for y in years})))
    if agency_ids is not None:
        filters.append(("agency_id", "in", list(agency_ids)))
    if tables is not None:
        filters.append(("table", "in", list(tables)))
    return filters


def agency_ids(agencies: Iterable[str] | None, registry: str | Path | None = None
               ) -> list[str] | None:
    """The agency ids for names in any registered spelling (or ids themselves)."""
    if agencies is None:
        return None
    reg = load_registry(str(registry) if registry else None)
    known_ids = {reg.resolve(name).agency_id for name in agencies}
    return sorted(known_ids | set(agencies))


def _categorical(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    for column in columns:
        if column in frame.columns:
            frame[column] = frame[column].astype("category")
    return frame


def read_facts(warehouse: Where, *, years: Iterable[int] | None = None,
               agencies: Iterable[str] | None = None, tables: Iterable[str] | None = None,
               columns: list[str] | None = None,
               registry: str | Path | None = None) -> pd.DataFrame:
    """Cells of the ``facts`` dataset, filtered by year, agency (name or id) and table.

    ``warehouse``: its path (its current snapshot is read) or a snapshot pinned by
    :func:`current_snapshot`. Keys and labels come back as categoricals; ``value`` is
    float64 (yuan for money), ``year`` Int16.
    """
    frame = _read(warehouse, "facts", _filters(years, agency_ids(agencies, registry), tables),
                  columns)
    return _categorical(frame, KEY_COLUMNS)


def read_reports(warehouse: Where, *, years: Iterable[int] | None = None,
                 agencies: Iterable[str] | None = None,
                 registry: str | Path | None = None) -> pd.DataFrame:
    """One row per report file: status, error, counts (``warehouse``: as for
    :func:`read_facts`)."""
    frame = _read(warehouse, "reports", _filters(years, agency_ids(agencies, registry), None))
    return _categorical(frame, ("agency_id", "agency", "agency_kind", "template", "status",
                                "format", "encoding"))


def read_checks(warehouse: Where, *, years: Iterable[int] | None = None,
                agencies: Iterable[str] | None = None, failed_only: bool = False,
                registry: str | Path | None = None) -> pd.DataFrame:
    """Consistency checks; ``failed_only`` keeps the ones that failed (``warehouse``:
    as for :func:`read_facts`)."""
    filters = _filters(years, agency_ids(agencies, registry), None)
    if failed_only:
        filters.append(("passed", "=", False))
    frame = _read(warehouse, "checks", filters)
    return _categorical(frame, ("agency_id", "agency", "agency_kind", "rule", "table",
                                "row_key", "col_key"))


def wide_applications(facts: pd.DataFrame) -> pd.DataFrame:
    """表三 as analysts know it: one row per (agency, year, row), the applicant types
    as columns (自然人 … 总计), in the template's row order."""
    app = facts[facts["table"] == APP]
    index = ["agency_id", "agency", "year", "template", "row_key"]
    wide = app.pivot_table(index=index, columns="col_key", values="value", aggfunc="sum",
                           min_count=1, observed=True, dropna=False)
    wide = wide.reindex(columns=[c for c in APPLICANT_COLUMNS if c in wide.columns])
    wide.columns.name = None
    wide = wide.reset_index()
    order = {key: i for i, key in enumerate(key_catalog().row_order[APP])}
    wide["_order"] = wide["row_key"].astype(str).map(order)
    present = [c for c in APPLICANT_COLUMNS if c in wide.columns]
    wide = wide.dropna(subset=present, how="all")  # rows this report does not print
    return (wide.sort_values(["agency", "year", "_order"]).drop(columns="_order")
            .reset_index(drop=True))


def comparability() -> pd.DataFrame:
    """Every canonical cell with whether it compares across the 2019 and 2021
    templates, and why not where it does not."""
    rows = []
    for spec in key_catalog().cells.values():
        both = set(TEMPLATES) <= set(spec.templates)
        only = next(iter(spec.templates)) if len(spec.templates) == 1 else None
        rows.append({
            "table": spec.table, "row_key": spec.row_key, "col_key": spec.col_key,
            "row_label": spec.row_label, "col_label": spec.col_label, "unit": spec.unit,
            "templates": " ".join(sorted(spec.templates)),
            "comparable": both,
            "why_not": "" if both else f"printed only by the {only} template",
        })
    return pd.DataFrame(rows)


__all__ = ["SnapshotGone", "Where", "agency_ids", "comparability", "current_snapshot",
           "read_checks", "read_facts", "read_reports", "wide_applications"]
