"""Immutable snapshots of the warehouse: reading one, and building the next.

A snapshot is a directory ``WAREHOUSE/.snapshots/<id>/`` holding the three datasets,
each Hive-partitioned by year with exactly one file per partition, below a directory
named after the snapshot itself (``facts/<id>/year=2020/part-0.parquet``). A snapshot
is never modified once it is complete: the next one is built beside it, in
``.snapshots/.tmp-<id>/``, from hard links to the partition files that did not change
and newly written files for those that did, then renamed to its final name. Only then
does the warehouse point ``.current`` at it (``load.warehouse``). A file ``.parent``
inside each snapshot names the snapshot it was built from, so that garbage collection
can keep the current snapshot and its predecessors (for readers still in flight;
how many: ``load.manifest``), and a file ``manifest.json`` says what made the snapshot
and what it holds (``load.manifest``), written before the snapshot gets its final name.

Why the ``<id>`` directory: analysts read ``WAREHOUSE/facts``, a link through
``.current``, and a reader lists directories and opens files with one system call
each, every one of them resolving ``.current`` anew. Every path below the link names
the snapshot, so a listing made before a publish can only open files of that snapshot
(all hard links of the same bytes) or fail with "no such file": never a newer file
under an old name, nor an old set of years filled with newer rows. Hive readers
ignore a path segment without ``=``. A snapshot without the ``<id>`` directory
(``facts/year=2020/…``) is read as well, and the next snapshot built from it has one.

A snapshot is deleted by renaming it out of the way first (``load.warehouse``), so a
reader holding its path finds either the whole snapshot or nothing:
:class:`Snapshot` raises :class:`load.errors.SnapshotGone` then, never a part.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from load.durable import fsync_dir, link_or_copy, write_parquet
from load.errors import SnapshotGone
from load.manifest import RunInfo, make_manifest, read_manifest, write_manifest
from load.schema import (
    DATASETS,
    PARTITION_COLUMN,
    UNKNOWN_YEAR,
    arrow_schema,
    conform,
    empty_frame,
    file_schema,
    hive_partitioning,
    pandas_dtype,
    partition_dir,
)

PART_FILE = "part-0.parquet"
PARENT_FILE = ".parent"
TMP_PREFIX = ".tmp-"

Year = int | None


def new_snapshot_id() -> str:
    """A fresh, sortable, readable snapshot id (UTC time and pid)."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{os.getpid()}"


def _pandas_type(arrow_type: pa.DataType) -> object | None:
    """types_mapper for ``to_pandas``: nullable dtypes, so int columns with nulls stay ints."""
    if pa.types.is_floating(arrow_type) or pa.types.is_timestamp(arrow_type):
        return None  # numpy float64 and datetime64[us, UTC] are what pandas gives anyway
    try:
        return pandas_dtype(arrow_type)
    except ValueError:
        return None


def frame_of(table: pa.Table, dataset: str, columns: list[str] | None = None) -> pd.DataFrame:
    """An arrow table of ``dataset``'s columns (dictionary-encoded strings allowed) as
    a conformed pandas frame: the schema's nullable dtypes."""
    schema = arrow_schema(dataset)
    if columns is not None:
        schema = pa.schema([schema.field(c) for c in columns])
    if not table.schema.equals(schema):
        table = table.cast(schema)
    return conform(table.to_pandas(types_mapper=_pandas_type), dataset, columns=columns)


@cache
def _stored_schema(dataset: str) -> pa.Schema:
    """The schema of a partition file, with pandas metadata so that a plain
    ``pd.read_parquet`` gives analysts the schema's nullable dtypes (Int32, boolean…)."""
    frame = empty_frame(dataset).drop(columns=PARTITION_COLUMN)
    table = pa.Table.from_pandas(frame, schema=file_schema(dataset), preserve_index=False)
    return file_schema(dataset).with_metadata(table.schema.metadata)


def _parse_year(dirname: str) -> Year | None:
    """``year=2020`` -> 2020, ``year=0`` -> None (unknown); anything else is not ours."""
    key, _, value = dirname.partition("=")
    if key != PARTITION_COLUMN or not value.isdigit():
        raise ValueError(dirname)
    return None if value == UNKNOWN_YEAR else int(value)


class Snapshot:
    """Read access to one complete snapshot directory.

    Everything read through one instance comes from that snapshot; once it has been
    deleted (two newer snapshots published), reads raise :class:`SnapshotGone`.
    """

    def __init__(self, path: Path, snapshot_id: str | None = None) -> None:
        self.path = path
        self.id = snapshot_id or path.name  # given: a snapshot still being built
        self._partitions: dict[str, dict[Year, Path]] = {}
        self._dirs: dict[str, Path] = {}

    def __repr__(self) -> str:
        return f"Snapshot({str(self.path)!r})"

    def parent(self) -> str | None:
        """The id of the snapshot this one was built from (None for the first)."""
        try:
            return (self.path / PARENT_FILE).read_text("utf-8").strip() or None
        except FileNotFoundError:
            return None

    def manifest(self) -> dict[str, object] | None:
        """The snapshot's manifest (None for one written before manifests existed)."""
        return read_manifest(self.path)

    def rows(self, dataset: str) -> int:
        """How many rows ``dataset`` holds (from the files' footers)."""
        with self.reading():
            return sum(pq.read_metadata(f).num_rows
                       for f in self.partitions(dataset).values())

    def report_statuses(self) -> dict[str, int]:
        """How many reports have each status."""
        statuses = self.scan("reports", columns=["status"])["status"]
        return {c["values"]: c["counts"] for c in pc.value_counts(statuses).to_pylist()
                if c["values"] is not None}

    def exists(self) -> bool:
        """Whether the snapshot is still there (garbage collection deletes it whole)."""
        return self.path.is_dir()

    def gone(self) -> SnapshotGone:
        """The error of a read that outlived this snapshot."""
        return SnapshotGone(
            f"snapshot {self.id} of warehouse {self.path.parent.parent} was deleted while "
            "it was being read (two newer snapshots were published meanwhile): read again")

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Turn a file that vanished with the snapshot into :class:`SnapshotGone`."""
        try:
            yield
        except OSError as err:
            if not self.exists():
                raise self.gone() from err
            raise

    def dataset_dir(self, dataset: str) -> Path:
        """The directory holding the ``year=`` directories of ``dataset``."""
        if dataset not in self._dirs:
            nested = self.path / dataset / self.id
            self._dirs[dataset] = nested if nested.is_dir() else self.path / dataset
        return self._dirs[dataset]

    def partitions(self, dataset: str) -> dict[Year, Path]:
        """The partition files of ``dataset`` that hold rows, by year."""
        if dataset not in self._partitions:  # a snapshot never changes: ask once
            with self.reading():
                found = self._find_partitions(dataset)
            # The listing is whole only if the snapshot outlived it: it is deleted
            # whole (renamed away first) and never comes back.
            if not self.exists():
                raise self.gone()
            self._partitions[dataset] = found
        return self._partitions[dataset]

    def _find_partitions(self, dataset: str) -> dict[Year, Path]:
        found: dict[Year, Path] = {}
        for entry in sorted(self.dataset_dir(dataset).iterdir()):
            file = entry / PART_FILE
            if entry.name.startswith((".", "_")) or not file.is_file():
                continue
            if pq.read_metadata(file).num_rows:
                found[_parse_year(entry.name)] = file
        return found

    def scan(self, dataset: str, *, columns: list[str] | None = None,
             filter: pc.Expression | None = None,
             dictionary: Sequence[str] = ()) -> pa.Table:
        """Rows of ``dataset`` (all, or matching ``filter``) as an arrow table; the
        string columns named in ``dictionary`` stay dictionary-encoded, as Parquet
        stores them (cheap to read and to compare; nothing is decoded)."""
        schema = arrow_schema(dataset)
        if dictionary:
            schema = pa.schema([
                f.with_type(pa.dictionary(pa.int32(), f.type)) if f.name in dictionary else f
                for f in schema])
        files = self.partitions(dataset)
        if not files:
            table = schema.empty_table()
            return table if columns is None else table.select(columns)
        fmt = pads.ParquetFileFormat(
            read_options=pads.ParquetReadOptions(dictionary_columns=set(dictionary)))
        # The files listed, not a directory discovered again: one listing, one snapshot.
        with self.reading():
            data = pads.dataset([str(f) for f in files.values()], schema=schema,
                                format=fmt, partitioning=hive_partitioning(dataset),
                                partition_base_dir=str(self.dataset_dir(dataset)))
            return data.to_table(columns=columns, filter=filter)

    def read(self, dataset: str, *, columns: list[str] | None = None,
             filter: pc.Expression | None = None) -> pd.DataFrame:
        """Rows of ``dataset`` (all, or matching ``filter``), conformed to the schema."""
        table = self.scan(dataset, columns=columns, filter=filter)
        frame = table.to_pandas(types_mapper=_pandas_type)
        if PARTITION_COLUMN in frame.columns:
            # Files are read in path order; sort by year so unknown years come last.
            frame = frame.sort_values(PARTITION_COLUMN, kind="stable", na_position="last")
        return conform(frame, dataset, columns=columns)

    def partition(self, dataset: str, year: Year) -> pa.Table:
        """Every row of one partition, ``year`` included (empty when there is none)."""
        schema = arrow_schema(dataset)
        file = self.partitions(dataset).get(year)
        if file is None:
            return schema.empty_table()
        with self.reading():
            table = pq.read_table(file, schema=file_schema(dataset))
        years = pa.array([year] * table.num_rows, schema.field(PARTITION_COLUMN).type)
        table = table.append_column(PARTITION_COLUMN, years)
        return table.select(schema.names).cast(schema)


class SnapshotBuilder:
    """Builds the next snapshot in a temporary directory; :meth:`commit` completes it."""

    def __init__(self, snapshots: Path, parent: Snapshot | None, *, sync: bool = True) -> None:
        self.snapshots = snapshots
        self.parent = parent
        self.sync = sync
        self.id = new_snapshot_id()
        self.tmp = snapshots / f"{TMP_PREFIX}{self.id}"
        self._filled: set[str] = set()
        snapshots.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir()
        for name in DATASETS:
            self._dataset_dir(name).mkdir(parents=True)

    def _dataset_dir(self, dataset: str) -> Path:
        return self.tmp / dataset / self.id  # see the module's docstring: why <id>

    def _partition(self, dataset: str, year: Year) -> Path:
        path = self._dataset_dir(dataset) / partition_dir(year)
        path.mkdir()
        return path

    def link(self, dataset: str, year: Year, src: Path) -> None:
        """Reuse an unchanged partition file of the parent snapshot."""
        path = self._partition(dataset, year)
        link_or_copy(src, path / PART_FILE, self.sync)
        fsync_dir(path, self.sync)
        self._filled.add(dataset)

    def write(self, dataset: str, year: Year, table: pa.Table) -> None:
        """Write one partition's rows (``table`` of the dataset's schema, all of ``year``)."""
        path = self._partition(dataset, year)
        schema = _stored_schema(dataset)
        table = table.select(schema.names).cast(schema)
        write_parquet(table, path / PART_FILE, self.sync)
        fsync_dir(path, self.sync)
        if table.num_rows:
            self._filled.add(dataset)

    def commit(self, info: RunInfo | None = None) -> Snapshot:
        """Finish the snapshot durably, its manifest written (``info``: what made its
        rows), and give it its final name."""
        for name in DATASETS:
            if name not in self._filled:
                # An empty dataset keeps one empty file, so readers still see its columns
                # (DuckDB finds no files in an empty directory and fails).
                self.write(name, None, arrow_schema(name).empty_table())
            fsync_dir(self._dataset_dir(name), self.sync)
            fsync_dir(self.tmp / name, self.sync)
        built = Snapshot(self.tmp, self.id)
        write_manifest(self.tmp, make_manifest(
            self.id, self.parent.id if self.parent else None, info,
            {name: built.rows(name) for name in DATASETS}, built.report_statuses()),
            self.sync)
        parent = self.parent.id if self.parent else ""
        with open(self.tmp / PARENT_FILE, "x", encoding="utf-8") as fh:
            fh.write(parent + "\n")
            fh.flush()
            if self.sync:
                os.fsync(fh.fileno())
        fsync_dir(self.tmp, self.sync)
        final = self.snapshots / self.id
        os.rename(self.tmp, final)
        fsync_dir(self.snapshots, self.sync)
        return Snapshot(final)
