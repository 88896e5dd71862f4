"""A run's staging folder: the batches' rows on disk until the run publishes them.

A full run produces millions of rows (≈ 2 M facts for 10,000 reports). Shipped back to
the flow's process and held there until the one publish, they made most of that
process's peak (≈ 880 MB, measured). Instead each batch writes its rows here as Parquet,
from the worker process that produced them, and hands back only their description
(:class:`StagedRows`); the publish then reads them a column or a year partition at a
time (``load.incoming``).

The folder lives in the snapshot area, ``WAREHOUSE/.snapshots/.tmp-stage-<run>/``,
where every ``.tmp-`` entry is a crash leftover to the warehouse's garbage collection
(``Warehouse.staging`` creates it under the lock and deletes it at the end). Staging
never touches a snapshot or ``.current``, so a run killed at any moment leaves the
published data as it was, and the next run under the lock deletes the folder. Staged
files are scratch, not data: they are not fsynced (after a power cut the run is simply
redone: its files are still new to the ledger). Each file is written under a temporary
name and renamed, and a publish reads only the files the flow accepted, so a file left
behind by a worker killed at its time limit is never read.

Rows are written sorted by year, one row group per year: reading one year's rows skips
the other row groups by their statistics.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from load.schema import PARTITION_COLUMN
from load.snapshot import TMP_PREFIX

STAGE_PREFIX = f"{TMP_PREFIX}stage-"


@dataclass(frozen=True, slots=True)
class StagedRows:
    """One batch's rows in a staging folder: a Parquet file per dataset that has rows
    (``files``: dataset → path), and the number of rows of each."""

    files: dict[str, str] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)


def stage_folder_name(run_id: str) -> str:
    """The staging folder's name (in ``WAREHOUSE/.snapshots``) for run ``run_id``."""
    return f"{STAGE_PREFIX}{run_id}-{os.getpid()}"


def write_staged(folder: str | Path, tables: Mapping[str, pa.Table]) -> StagedRows:
    """Write one batch's tables (dataset name → rows, any arrow schema with a ``year``
    column) into ``folder``, each file complete under its final name or absent."""
    batch = uuid.uuid4().hex  # every attempt its own names: a retry never collides
    files: dict[str, str] = {}
    rows: dict[str, int] = {}
    for name, table in tables.items():
        rows[name] = table.num_rows
        if not table.num_rows:
            continue
        final = Path(folder) / f"{batch}.{name}.parquet"
        tmp = final.with_name(f".{final.name}.tmp")
        _write_by_year(table, tmp)
        os.rename(tmp, final)
        files[name] = str(final)
    return StagedRows(files, rows)


def _write_by_year(table: pa.Table, path: Path) -> None:
    with pq.ParquetWriter(path, table.schema) as writer:
        for part in _by_year(table):
            writer.write_table(part)


def _by_year(table: pa.Table) -> Iterator[pa.Table]:
    """The table's rows, a year at a time (unknown years last); each year's rows keep
    their order, so a report's rows stay in the order they were extracted."""
    column = table[PARTITION_COLUMN]
    years = pc.unique(column).to_pylist()
    for year in sorted(years, key=lambda y: (y is None, y or 0)):
        yield table.filter(pc.is_null(column) if year is None else pc.equal(column, year))


__all__ = ["STAGE_PREFIX", "StagedRows", "stage_folder_name", "write_staged"]
