"""The Parquet warehouse: atomic, idempotent publishing of facts, reports and checks.

The warehouse promises (README, "Reading the warehouse") that a kill at any moment
leaves every dataset readable with its previous content, that the same input twice
gives the same rows, that rerunning one agency replaces exactly its rows, and that
files per partition do not grow. This module keeps those promises with immutable
snapshots (``load.snapshot``)::

    WAREHOUSE/.lock                    flock: one writer at a time (load.lock)
    WAREHOUSE/.current -> .snapshots/<id>            the one atomic pointer
    WAREHOUSE/.snapshots/<id>/{facts,reports,checks}/<id>/year=N/part-0.parquet
    WAREHOUSE/facts   -> .current/facts             fixed links for analysts
    WAREHOUSE/reports -> .current/reports
    WAREHOUSE/checks  -> .current/checks

:meth:`Warehouse.publish_staged` builds the next snapshot beside the current one (hard links
for unchanged partitions, one rewritten file for each changed partition), fsyncs it,
and replaces ``.current`` with ``os.replace`` of a new symlink: all three datasets
change together or not at all. The previous snapshot is kept for readers in flight
(and more predecessors when ``keep`` or ``XXGK_KEEP_SNAPSHOTS`` says so:
``load.manifest``); older ones, and the leftovers of crashed runs, are deleted under
the lock, each renamed away first so that a reader of it finds it whole or not at all.
Each snapshot holds a ``manifest.json`` (``load.manifest``): :meth:`Warehouse.snapshots`
lists them.

Readers see one snapshot. A read through the analysts' links gets one snapshot's rows
or fails with "no such file" (``load.snapshot``: why every path names its snapshot);
:meth:`Warehouse.read` resolves ``.current`` once and reads that snapshot, again if it
was deleted meanwhile; :meth:`Warehouse.current` gives a :class:`Snapshot` to read
several datasets from one publish.

The warehouse never writes, truncates or deletes through a symbolic link of its own
layout (``.lock``, ``.snapshots``, a dataset link replaced only as a link), and a
``.current`` that does not point into ``.snapshots`` is refused: garbage collection
would otherwise delete every snapshot. A write that fails (a read-only or full disk, a
path that is a file) raises a :class:`WarehouseError` of one line, and the snapshot
being built is deleted at once.

A run's rows never pile up in memory: its batches stage them as Parquet in a folder of
the snapshot area (:meth:`Warehouse.staging`, ``load.staging``) and the publish reads
them from there one year's rows at a time (``load.incoming``).

Reports of unknown year are stored under ``year=0`` and read back as null (see
``load.schema.UNKNOWN_YEAR`` for why not the Hive default partition).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Collection, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from load.cross_year import CARRIED_FORWARD, CARRIED_OVER, CARRY_RULE, carry_checks
from load.durable import remove_tree, replace_symlink
from load.errors import SnapshotGone, WarehouseError, kind, refused, writing
from load.incoming import NewRows, StagedFiles, TableRows, distinct
from load.last_good import StaleReports, last_good
from load.lock import WarehouseBusy, exclusive_lock
from load.manifest import RunInfo, keep_snapshots
from load.schema import DATASETS, arrow_schema, conform, empty_frame
from load.snapshot import TMP_PREFIX, Snapshot, SnapshotBuilder, Year, frame_of
from load.staging import StagedRows, stage_folder_name
from transform.keys import APP

__all__ = ["PublishSummary", "Snapshot", "SnapshotGone", "Warehouse", "WarehouseBusy",
           "WarehouseError"]

SNAPSHOTS = ".snapshots"
CURRENT = ".current"
LOCK = ".lock"
# How many times a read starts again when its snapshot is deleted under it: each
# attempt needs two publishes during it to fail.
READ_ATTEMPTS = 3
# Rows within a partition are ordered by report, keeping each report's own row order,
# so that a partition's content does not depend on the order of earlier publishes.
ROW_ORDER = ["agency_id", "source"]

Filters = pc.Expression | Sequence[tuple[str, str, object]] | Sequence[Sequence[tuple]] | None


@dataclass(frozen=True, slots=True)
class PublishSummary:
    """What one publish changed."""

    snapshot: str
    sources_replaced: tuple[str, ...]
    rows_written: dict[str, int] = field(default_factory=dict)
    rows_removed: dict[str, int] = field(default_factory=dict)
    partitions_rewritten: dict[str, tuple[Year, ...]] = field(default_factory=dict)
    # Processed sources whose new bytes failed and whose last good facts and checks
    # stay published (``load.last_good``).
    sources_stale: tuple[str, ...] = ()


# ------------------------------------------------------------------------ small helpers
# Publishing works on arrow tables: pandas costs milliseconds per operation even on
# small frames, and partitions are merged, filtered and sorted many times per publish.

def _expression(filters: Filters) -> pc.Expression | None:
    """pandas-style DNF filters (or a pyarrow expression) as a pyarrow expression."""
    if filters is None or isinstance(filters, pc.Expression):
        return filters
    return pq.filters_to_expression(filters)


def _table(frame: pd.DataFrame, name: str) -> pa.Table:
    """A conformed frame as an arrow table of the dataset's schema (no pandas metadata)."""
    schema = arrow_schema(name)
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False).cast(schema)
    # Arrow-backed pandas columns keep one chunk per concatenated frame; thousands of
    # chunks make every filter and sort slow.
    return table.combine_chunks()


def _year_order(year: Year) -> tuple[bool, int]:
    return (year is None, year or 0)


def _years(table: pa.Table) -> set[Year]:
    return set(pc.unique(table["year"]).to_pylist())


def _in(column: pa.ChunkedArray, values: Collection[str]) -> pa.ChunkedArray:
    """Whether each value is one of ``values`` (null: no)."""
    value_set = pa.array(sorted(values), pa.string())
    if not pa.types.is_dictionary(column.type):
        return pc.fill_null(pc.is_in(column, value_set=value_set), False)
    # Asked of each dictionary's few values, not of every row: is_in would decode the
    # column first (the facts index holds millions of rows).
    return pa.chunked_array(
        [pc.fill_null(pc.take(pc.is_in(chunk.dictionary, value_set=value_set),
                              chunk.indices), False) for chunk in column.chunks],
        pa.bool_())


def _removed(table: pa.Table, name: str, dropped: Collection[str],
             agencies: Collection[str]) -> pa.ChunkedArray:
    """Rows a publish deletes: every row of a dropped source, and for checks the
    ``cross_year.carry`` rows of every touched agency (they are recomputed)."""
    mask = _in(table["source"], dropped)
    if name == "checks":
        carry = pc.fill_null(pc.equal(table["rule"], CARRY_RULE), False)
        mask = pc.or_(mask, pc.and_(carry, _in(table["agency_id"], agencies)))
    return mask


def _ordered(table: pa.Table) -> pa.Table:
    """Rows by report (stable: each report keeps its own row order)."""
    keys = [(k, "ascending") for k in ROW_ORDER]
    return table.take(pc.sort_indices(table, sort_keys=keys))  # nulls last by default


def _staged(batches: Sequence[StagedRows]) -> dict[str, NewRows]:
    """New rows staged on disk by a run's batches (``load.staging``)."""
    return {name: StagedFiles(name, batches) for name in DATASETS}


def _check_one_report_per_source(reports: NewRows) -> None:
    if reports.count() == len(reports.sources()):
        return
    sources = reports.scan(["source"])["source"]  # small: one a report
    counts = pc.value_counts(sources.cast(pa.string()))
    duplicated = [c["values"] for c in counts.to_pylist() if c["counts"] > 1]
    raise ValueError(
        "reports: one row per source file, but these appear more than once: "
        + ", ".join(sorted(duplicated))
    )


def _dropped_sources(new: dict[str, NewRows], replace: Collection[str]) -> set[str]:
    """Sources whose old rows go: those asked for and every source with new rows."""
    return {str(s) for s in replace}.union(*(rows.sources() for rows in new.values()))


# ---------------------------------------------------------------------------- warehouse

class Warehouse:
    """A warehouse directory: read its datasets, publish new rows atomically.

    Not thread-safe: use one instance per thread. :meth:`locked` is re-entrant within
    one instance, so a caller may hold the lock around :meth:`ledger`, :meth:`staging`
    and :meth:`publish_staged`. ``durable=False`` skips fsync: publishing stays atomic when the
    process is killed, but not across a power cut (for tests). ``keep``: how many
    snapshots garbage collection keeps, the current one included (default:
    ``XXGK_KEEP_SNAPSHOTS``, else 2; at least 2), checked when the lock is taken.
    """

    def __init__(self, root: str | Path, *, durable: bool = True,
                 keep: int | None = None) -> None:
        self.root = Path(root)
        self.durable = durable
        self._keep = keep
        self._lock_depth = 0
        self._staging: set[str] = set()  # staging folders in use: not garbage

    @property
    def snapshots_dir(self) -> Path:
        return self.root / SNAPSHOTS

    @property
    def keep(self) -> int:
        """How many snapshots are kept; :class:`load.manifest.RetentionError` (one
        line) for a setting that is not a whole number of at least 2."""
        return keep_snapshots(self._keep)

    # --------------------------------------------------------------------- locking

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold ``WAREHOUSE/.lock`` (non-blocking); raise :class:`WarehouseBusy` if taken."""
        if self._lock_depth:
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        keep_snapshots(self._keep)  # a bad retention setting: refused before any work
        self._make_root()
        with exclusive_lock(self.root / LOCK, self.root):
            self._check_writable()
            self._lock_depth = 1
            try:
                yield
            finally:
                self._lock_depth = 0

    def _make_root(self) -> None:
        """Make the warehouse's folder if it is missing, never a folder above it: a
        mistyped path is refused rather than created."""
        if self.root.exists() and not self.root.is_dir():
            raise WarehouseError(f"warehouse {self.root} is a file, not a directory")
        parent = self.root.absolute().parent
        if not self.root.exists() and not parent.is_dir():
            raise WarehouseError(f"warehouse {self.root} cannot be made: its folder "
                                 f"{parent} does not exist")
        with writing(self.root):
            self.root.mkdir(exist_ok=True)

    def check_is_warehouse(self) -> None:
        """Raise a one-line :class:`WarehouseError` unless the path is a warehouse: a
        folder holding ``.snapshots`` (every run makes it, a publish or not) or
        ``.current``. A missing path, a file, an empty folder or one holding other
        files is none; reading it as an empty warehouse would hide a mistyped path."""
        if not os.path.lexists(self.root):
            raise WarehouseError(f"warehouse {self.root} does not exist")
        if not self.root.is_dir():
            raise WarehouseError(f"warehouse {self.root} is a file, not a directory")
        if not (self.snapshots_dir.is_dir() or os.path.lexists(self.root / CURRENT)):
            what = "an empty folder" if not any(self.root.iterdir()) else "a folder"
            raise WarehouseError(f"{self.root} is {what} without a warehouse's {SNAPSHOTS}: "
                                 "not a warehouse (xxgk run --warehouse makes one)")

    def _check_writable(self) -> None:
        """Refuse at once a warehouse whose snapshots cannot be written (before a run
        parses anything), or whose layout has a link where it writes or deletes."""
        self._check_layout()
        with writing(self.root):
            self.snapshots_dir.mkdir(exist_ok=True)
            for path in (self.root, self.snapshots_dir):
                if not os.access(path, os.W_OK | os.X_OK):  # a read-only mount: even root
                    read_only = os.statvfs(path).f_flag & os.ST_RDONLY
                    code = errno.EROFS if read_only else errno.EACCES
                    raise OSError(code, os.strerror(code), str(path))

    # --------------------------------------------------------------------- reading

    def current(self) -> Snapshot | None:
        """The snapshot ``.current`` points at, or None before the first publish.

        Everything read through the :class:`Snapshot` comes from that one publish (read
        several datasets from it to join them); it lasts until two newer snapshots are
        published, then its reads raise :class:`SnapshotGone`.
        """
        try:
            target = os.readlink(self.root / CURRENT)
        except OSError:  # none yet, not a link, or the warehouse is not a directory
            return None
        return Snapshot(self.root / target)

    def _check_current(self) -> None:
        """Refuse a ``.current`` that is not a link into ``.snapshots``: garbage
        collection keeps the snapshot it names and deletes every other."""
        link = self.root / CURRENT
        if not link.is_symlink():
            if os.path.lexists(link):
                raise refused(link, kind(link))
            return
        target = os.readlink(link)
        head, _, name = target.partition("/")
        if head != SNAPSHOTS or not name or "/" in name or name in (".", ".."):
            raise WarehouseError(f"{link} points at {target}, not into {SNAPSHOTS}/: this "
                                 "warehouse was changed by hand; xxgk will not write it")

    def read(self, dataset: str, *, filters: Filters = None,
             columns: list[str] | None = None) -> pd.DataFrame:
        """Rows of ``dataset``, conformed (``year`` is Int16, unknown years null).

        ``filters`` is a pyarrow expression or pandas-style DNF tuples, e.g.
        ``[("year", "=", 2020), ("agency_id", "in", ["a", "b"])]``. The snapshot is
        resolved once, so the rows come from one consistent publish (resolved again
        if that snapshot is deleted during the read).
        """
        attempt = 1
        while True:
            snapshot = self.current()
            if snapshot is None:
                frame = empty_frame(dataset)
                return frame if columns is None else conform(frame, dataset, columns=columns)
            try:
                return snapshot.read(dataset, columns=columns, filter=_expression(filters))
            except SnapshotGone:
                if attempt == READ_ATTEMPTS:
                    raise
                attempt += 1

    def snapshots(self) -> list[Snapshot]:
        """The complete snapshots the warehouse holds, newest first (ids sort by time)."""
        if not self.snapshots_dir.is_dir():
            return []
        found = [Snapshot(e) for e in self.snapshots_dir.iterdir()
                 if not e.name.startswith(".") and e.is_dir() and not e.is_symlink()]
        return sorted(found, key=lambda snap: snap.id, reverse=True)

    def ledger(self) -> pd.DataFrame:
        """The reports dataset: each source file's last hash, status and error."""
        return self.read("reports")

    # ------------------------------------------------------------------- publishing

    def publish_staged(self, batches: Sequence[StagedRows], *,
                       replace_sources: Collection[str] = (),
                       info: RunInfo | None = None) -> PublishSummary:
        """Replace the rows of some sources in all three datasets, in one atomic step,
        with the rows a run's batches staged on disk (see :meth:`staging`), holding
        one partition's rows at a time.

        Sources dropped = ``replace_sources`` ∪ every source of the new rows (the
        reports' sources, and for safety those of facts and checks). Every row of those
        sources is removed from facts, reports and checks (checks by ``source``), then
        the new rows are added. ``cross_year.carry`` checks of every agency touched (in
        the removed or the new rows) are deleted and recomputed from the merged facts
        with :func:`load.cross_year.carry_checks`; carry rows staged in ``checks``
        are ignored. Only the partitions that change are rewritten, one file each.
        ``info`` (the run's id, source root, registry hash) goes into the snapshot's
        manifest.
        """
        return self._publish(_staged(batches), replace_sources, info)

    def _publish(self, new: dict[str, NewRows], replace: Collection[str],
                 info: RunInfo | None = None) -> PublishSummary:
        _check_one_report_per_source(new["reports"])
        dropped = _dropped_sources(new, replace)
        with self.locked(), writing(self.root):
            self._collect_garbage()
            old = self.current()
            builder = SnapshotBuilder(self.snapshots_dir, old, sync=self.durable)
            with self._deleted_unless_current(builder):
                summary = _build(builder, old, new, dropped)
                self._switch(builder.commit(info))
        return summary.freeze()

    @contextmanager
    def _deleted_unless_current(self, builder: SnapshotBuilder) -> Iterator[None]:
        """Delete the snapshot ``builder`` makes if the block fails before ``.current``
        points at it (a full disk: the space goes back at once, not at the next run)."""
        try:
            yield
        except BaseException:
            current = self.current()
            if current is None or current.id != builder.id:
                remove_tree(builder.tmp)
                remove_tree(self.snapshots_dir / builder.id)
            raise

    @contextmanager
    def staging(self, run_id: str) -> Iterator[Path]:
        """A folder where this run's batches stage their rows (``load.staging``) for
        :meth:`publish_staged`; deleted on exit. Held under the lock, so any other
        staging folder is a dead run's leftover, deleted here."""
        with self.locked():
            folder = self.snapshots_dir / stage_folder_name(run_id)
            with writing(self.root):
                self._collect_garbage()
                folder.mkdir()
            self._staging.add(folder.name)
            try:
                yield folder
            finally:
                self._staging.discard(folder.name)
                remove_tree(folder)

    def _check_layout(self) -> None:
        """Refuse a layout the warehouse would write or delete through: a real
        directory where a dataset link belongs, a linked ``.snapshots``, a ``.current``
        pointing elsewhere."""
        for name in DATASETS:
            path = self.root / name
            if path.exists() and not path.is_symlink():
                raise WarehouseError(
                    f"{path} is a real directory, not the warehouse's link to "
                    f"{CURRENT}/{name}: this folder was not written by xxgk's warehouse "
                    "(move it away or choose another --warehouse)"
                )
        snapshots = self.snapshots_dir
        if snapshots.is_symlink() or (snapshots.exists() and not snapshots.is_dir()):
            raise refused(snapshots, kind(snapshots))
        self._check_current()

    def _switch(self, snapshot: Snapshot) -> None:
        """Point ``.current`` at ``snapshot`` atomically; then tidy up."""
        replace_symlink(self.root / CURRENT, f"{SNAPSHOTS}/{snapshot.id}", self.durable)
        for name in DATASETS:
            link, target = self.root / name, f"{CURRENT}/{name}"
            if not (link.is_symlink() and os.readlink(link) == target):
                replace_symlink(link, target, self.durable)
        self._collect_garbage()

    def _collect_garbage(self) -> None:
        """Delete every snapshot but the current one and its predecessors (``keep`` in
        all), and crash leftovers."""
        self._check_layout()
        keep = self._kept()
        if self.snapshots_dir.is_dir():
            for entry in self.snapshots_dir.iterdir():
                if entry.name in self._staging or entry.name in keep:
                    continue
                if entry.name.startswith(TMP_PREFIX):
                    remove_tree(entry)
                else:
                    self._retire(entry)
        for entry in self.root.glob("*.tmp-*"):
            if entry.is_symlink():
                entry.unlink(missing_ok=True)

    def _kept(self) -> set[str]:
        """The ids garbage collection keeps: the current snapshot, its parent, the
        parent's parent… ``keep`` in all (a snapshot built from no kept one, a crash's
        leftover between its commit and the switch, is not kept)."""
        kept: set[str] = set()
        snapshot = self.current()
        while snapshot is not None and len(kept) < self.keep and snapshot.id not in kept:
            kept.add(snapshot.id)
            parent = snapshot.parent()
            snapshot = Snapshot(self.snapshots_dir / parent) if parent else None
        return kept

    def _retire(self, snapshot: Path) -> None:
        """Delete a snapshot, renamed out of the way first: a reader holding its path
        then finds no file of it rather than some (``Snapshot`` says it is gone)."""
        trash = snapshot.with_name(f"{TMP_PREFIX}gone-{snapshot.name}")
        remove_tree(trash)  # a crashed deletion's leftover of the same name
        try:
            os.rename(snapshot, trash)
        except OSError:  # left whole for the next publish: a publish never fails on it
            return
        remove_tree(trash)


# ---------------------------------------------------------------- publish, step by step

@dataclass
class _Summary:
    snapshot: str
    sources: tuple[str, ...]
    stale: tuple[str, ...] = ()
    written: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    rewritten: dict[str, tuple[Year, ...]] = field(default_factory=dict)

    def freeze(self) -> PublishSummary:
        return PublishSummary(self.snapshot, self.sources, self.written, self.removed,
                              self.rewritten, self.stale)


def _build(builder: SnapshotBuilder, old: Snapshot | None, new: dict[str, NewRows],
           dropped: Collection[str]) -> _Summary:
    """Fill ``builder``: ``old`` without the ``dropped`` sources, plus the new rows and
    the carry checks recomputed for every agency touched."""
    index = {name: _index(old, name) for name in DATASETS}
    agencies = _touched_agencies(index, new, dropped)
    kept = last_good(old, index["facts"], new["reports"], dropped)
    summary = _Summary(builder.id, tuple(sorted(dropped)), tuple(sorted(kept)))
    if kept:  # their new reports row replaces the old one, their facts and checks stay
        new = {**new, "reports": StaleReports(new["reports"], kept)}
    replaced = set(dropped) - kept.keys()

    def build(name: str, parts: list[NewRows]) -> None:
        gone = dropped if name == "reports" else replaced
        _build_dataset(builder, old, name, index[name], parts, gone, agencies, summary)

    # Facts, most of the work, on a second thread while the carry checks, reports and
    # checks are built here (pyarrow's reads, casts, sorts and writes release the GIL):
    # both cores work, the batches being done.
    with ThreadPoolExecutor(max_workers=1) as helper:
        facts = helper.submit(build, "facts", [new["facts"]])
        carry = _table(_carry(old, new["facts"], replaced, agencies), "checks")
        build("reports", [new["reports"]])
        build("checks", [new["checks"], TableRows("checks", carry)])
        facts.result()
    return summary


def _index(old: Snapshot | None, name: str) -> pa.Table:
    """The few columns of the current rows needed to decide what a publish touches."""
    columns = ["year", "source", "agency_id"] + (["rule"] if name == "checks" else [])
    if old is None:
        return arrow_schema(name).empty_table().select(columns)
    return old.scan(name, columns=columns, dictionary=columns[1:])


def _touched_agencies(index: dict[str, pa.Table], new: dict[str, NewRows],
                      dropped: Collection[str]) -> set[str]:
    """Agencies with a row removed or added: their carry checks are recomputed."""
    agencies: set[str] = set()
    for name in DATASETS:
        gone = index[name].filter(_in(index[name]["source"], dropped))
        agencies.update(str(a) for a in distinct(gone["agency_id"]))
        agencies.update(new[name].agencies())
    return agencies


_CARRY_FACTS = ["year", "agency_id", "agency", "agency_kind", "table", "row_key", "col_key",
                "value", "source", "source_sha256"]


def _carry(old: Snapshot | None, new_facts: NewRows, dropped: Collection[str],
           agencies: Collection[str]) -> pd.DataFrame:
    """Fresh ``cross_year.carry`` checks of ``agencies`` from the merged facts (only
    their carry rows are read, kept or converted)."""
    if not agencies:
        return empty_frame("checks")
    where = (
        (pads.field("table") == APP)
        & pads.field("row_key").isin([CARRIED_OVER, CARRIED_FORWARD])
        & pads.field("agency_id").isin(sorted(agencies))
    )
    parts = []
    if old is not None:
        strings = [c for c in _CARRY_FACTS if c not in ("year", "value")]
        kept = old.scan("facts", columns=_CARRY_FACTS, filter=where, dictionary=strings)
        parts.append(kept.filter(pc.invert(_in(kept["source"], dropped))))
    parts.append(new_facts.scan(_CARRY_FACTS, where))
    frames = [frame_of(p, "facts", columns=_CARRY_FACTS) for p in parts if p.num_rows]
    if not frames:
        return empty_frame("checks")
    return carry_checks(pd.concat(frames, ignore_index=True))


def _build_dataset(builder: SnapshotBuilder, old: Snapshot | None, name: str,
                   index: pa.Table, new: list[NewRows], dropped: Collection[str],
                   agencies: Collection[str], summary: _Summary) -> None:
    """Link the unchanged partitions of one dataset and rewrite the changed ones."""
    schema = arrow_schema(name)
    gone = _removed(index, name, dropped, agencies)
    touched = sorted(_years(index.filter(gone)).union(*(rows.years() for rows in new)),
                     key=_year_order)
    partitions = old.partitions(name) if old is not None else {}
    for year, file in partitions.items():
        if year not in touched:
            builder.link(name, year, file)
    for year in touched:
        previous = old.partition(name, year) if old is not None else schema.empty_table()
        kept = previous.filter(pc.invert(_removed(previous, name, dropped, agencies)))
        # One year's new rows at a time (dictionary-encoded strings decoded here). The
        # sort copies the rows once; a few dozen chunks do not slow it down.
        added = [rows.of_year(year) for rows in new]
        rows = _ordered(pa.concat_tables([kept, *added]))
        if rows.num_rows:
            builder.write(name, year, rows)
        del previous, kept, added, rows
    summary.written[name] = sum(rows.count() for rows in new)
    summary.removed[name] = pc.sum(gone).as_py() or 0
    summary.rewritten[name] = tuple(touched)
