"""A run's staging folder: the batches' rows on disk until the run publishes them.

A full run produces millions of rows (≈ 2 M facts for 10,000 reports). Shipped back to
the flow's process and held there until the one publish, they made most of that
process's peak. Instead each batch writes its rows here, from the worker process that
produced them, and hands back only their description
(:class:`StagedRows`: the files, and the years, sources and agencies they hold, which is
all a publish needs to decide what it replaces); the publish then reads one year's
files at a time (``load.incoming``).

The folder lives in the snapshot area, ``WAREHOUSE/.snapshots/.tmp-stage-<run>/``,
where every ``.tmp-`` entry is a crash leftover to the warehouse's garbage collection
(``Warehouse.staging`` creates it under the lock and deletes it at the end). Staging
never touches a snapshot or ``.current``, so a run killed at any moment leaves the
published data as it was, and the next run under the lock deletes the folder. Staged
files are scratch, not data: they are not fsynced (after a power cut the run is simply
redone: its files are still new to the ledger). Each file is written under a temporary
name and renamed, and a publish reads only the files the flow accepted, so a file left
behind by a worker killed at its time limit is never read.

A batch's rows can be staged again without some of its files
(:func:`restage_without`): when the extraction finds that a file belongs to an
agency-year processed in another batch, all the files of that agency-year are
processed once more, together, and their first rows are taken out.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from load.errors import writing
from load.incoming import StagedRows, Year, distinct, read_staged, without_carry_checks
from load.schema import PARTITION_COLUMN, arrow_schema, partition_dir
from load.snapshot import TMP_PREFIX

STAGE_PREFIX = f"{TMP_PREFIX}stage-"


def stage_folder_name(run_id: str) -> str:
    """The staging folder's name (in ``WAREHOUSE/.snapshots``) for run ``run_id``."""
    return f"{STAGE_PREFIX}{run_id}-{os.getpid()}"


def write_staged(folder: str | Path, tables: Mapping[str, pa.Table]) -> StagedRows:
    """Write one batch's tables (dataset name → rows of the dataset's columns, strings
    plain or dictionary-encoded) into ``folder``, each file complete under its final
    name or absent. ``cross_year.carry`` checks are left out: the warehouse computes
    them (a publish from memory ignores them too)."""
    batch = uuid.uuid4().hex  # every attempt its own names: a retry never collides
    staged = StagedRows()
    for name, table in without_carry_checks(tables).items():
        staged.rows[name] = table.num_rows
        staged.sources[name] = frozenset(str(s) for s in distinct(table["source"]))
        staged.agencies[name] = frozenset(str(a) for a in distinct(table["agency_id"]))
        staged.files[name] = {}
        for year, part in _by_year(table):
            final = Path(folder) / f"{batch}.{name}.{partition_dir(year)}.arrow"
            _write_file(part, final)
            staged.files[name][year] = str(final)
    return staged


def _write_file(table: pa.Table, final: Path) -> None:
    """Write ``table`` as ``final``, complete or not at all: a write that fails (a full
    disk) leaves no file behind and says so in one line."""
    tmp = final.with_name(f".{final.name}.tmp")
    try:
        with writing(final.parent, "staging folder"):
            _write_ipc(table, tmp)
            os.rename(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def restage_without(folder: str | Path, staged: StagedRows,
                    sources: Collection[str]) -> StagedRows:
    """Stage one batch's rows again in ``folder`` without the rows of ``sources``; the
    batch's previous files are deleted. A batch is small (≤ 250 reports), and this is
    only done for the rare batch holding a file of an agency-year split between
    batches."""
    drop = pa.array(sorted(sources), pa.string())
    tables: dict[str, pa.Table] = {}
    for name, files in staged.files.items():
        schema = arrow_schema(name)
        parts = [read_staged(path, schema.names).cast(schema) for path in files.values()]
        table = pa.concat_tables(parts) if parts else schema.empty_table()
        tables[name] = table.filter(pc.invert(pc.is_in(table["source"], value_set=drop)))
    restaged = write_staged(folder, tables)
    for files in staged.files.values():
        for path in files.values():
            Path(path).unlink(missing_ok=True)
    return restaged


def _write_ipc(table: pa.Table, path: Path) -> None:
    # The stream format: a table's chunks may each carry a dictionary of their own.
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)


def _by_year(table: pa.Table) -> Iterator[tuple[Year, pa.Table]]:
    """The table's rows, a year at a time; each year's rows keep their order, so a
    report's rows stay in the order they were extracted."""
    column = table[PARTITION_COLUMN]
    for year in pc.unique(column).to_pylist():
        yield year, table.filter(pc.is_null(column) if year is None else pc.equal(column, year))


__all__ = ["STAGE_PREFIX", "StagedRows", "restage_without", "stage_folder_name",
           "write_staged"]
