"""The Parquet warehouse: atomic, idempotent publishing of facts, reports and checks.

The output contract promises that a kill at any moment leaves every dataset readable
with its previous content, that the same input twice gives the same rows, that
rerunning one agency replaces exactly its rows, and that files per partition do not
grow. This module keeps those promises with immutable snapshots (``load.snapshot``)::

    WAREHOUSE/.lock                    flock: one writer at a time (load.lock)
    WAREHOUSE/.current -> .snapshots/<id>            the one atomic pointer
    WAREHOUSE/.snapshots/<id>/{facts,reports,checks}/year=N/part-0.parquet
    WAREHOUSE/facts   -> .current/facts             fixed links for analysts
    WAREHOUSE/reports -> .current/reports
    WAREHOUSE/checks  -> .current/checks

:meth:`Warehouse.publish` builds the next snapshot beside the current one (hard links
for unchanged partitions, one rewritten file for each changed partition), fsyncs it,
and replaces ``.current`` with ``os.replace`` of a new symlink: all three datasets
change together or not at all. The previous snapshot is kept for readers in flight;
older ones, and the leftovers of crashed runs, are deleted under the lock.

Reports of unknown year are stored under ``year=0`` and read back as null (see
``load.schema.UNKNOWN_YEAR`` for why not the Hive default partition).
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from load.durable import remove_tree, replace_symlink
from load.lock import WarehouseBusy, exclusive_lock
from load.schema import DATASETS, conform, empty_frame
from load.snapshot import TMP_PREFIX, Snapshot, SnapshotBuilder, Year
from transform.cross_year import CARRIED_FORWARD, CARRIED_OVER, CARRY_RULE, carry_checks
from transform.keys import APP

__all__ = ["PublishSummary", "Warehouse", "WarehouseBusy", "WarehouseError"]

SNAPSHOTS = ".snapshots"
CURRENT = ".current"
LOCK = ".lock"
# Rows within a partition are ordered by report, keeping each report's own row order,
# so that a partition's content does not depend on the order of earlier publishes.
ROW_ORDER = ["agency_id", "source"]

Filters = pc.Expression | Sequence[tuple[str, str, object]] | Sequence[Sequence[tuple]] | None


class WarehouseError(RuntimeError):
    """The warehouse directory is not in a state this module can write."""


@dataclass(frozen=True, slots=True)
class PublishSummary:
    """What one publish changed."""

    snapshot: str
    sources_replaced: tuple[str, ...]
    rows_written: dict[str, int] = field(default_factory=dict)
    rows_removed: dict[str, int] = field(default_factory=dict)
    partitions_rewritten: dict[str, tuple[Year, ...]] = field(default_factory=dict)


# ------------------------------------------------------------------------ small helpers

def _expression(filters: Filters) -> pc.Expression | None:
    """pandas-style DNF filters (or a pyarrow expression) as a pyarrow expression."""
    if filters is None or isinstance(filters, pc.Expression):
        return filters
    return pq.filters_to_expression(filters)


def _concat(frames: Iterable[pd.DataFrame], name: str) -> pd.DataFrame:
    """Concatenate conformed frames; empty ones are skipped so dtypes never degrade."""
    parts = [f for f in frames if len(f)]
    if not parts:
        return empty_frame(name)
    return pd.concat(parts, ignore_index=True)


def _year_key(value: object) -> Year:
    return None if pd.isna(value) else int(value)


def _years(frame: pd.DataFrame) -> set[Year]:
    return {_year_key(v) for v in frame["year"].unique()}


def _rows_of_year(frame: pd.DataFrame, year: Year) -> pd.DataFrame:
    mask = frame["year"].isna() if year is None else (frame["year"] == year).fillna(False)
    return frame[mask.astype(bool)]


def _in(series: pd.Series, values: Collection[str]) -> pd.Series:
    return series.isin(list(values)).fillna(False).astype(bool)


def _removed(frame: pd.DataFrame, name: str, dropped: Collection[str],
             agencies: Collection[str]) -> pd.Series:
    """Rows a publish deletes: every row of a dropped source, and for checks the
    ``cross_year.carry`` rows of every touched agency (they are recomputed)."""
    mask = _in(frame["source"], dropped)
    if name == "checks":
        carry = (frame["rule"] == CARRY_RULE).fillna(False).astype(bool)
        mask |= carry & _in(frame["agency_id"], agencies)
    return mask


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(ROW_ORDER, kind="stable", na_position="last").reset_index(
        drop=True
    )


def _incoming(facts: pd.DataFrame, reports: pd.DataFrame,
              checks: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The new rows, conformed; carry checks are the warehouse's to compute."""
    new = {
        "facts": conform(facts, "facts"),
        "reports": conform(reports, "reports"),
        "checks": conform(checks, "checks"),
    }
    duplicated = new["reports"]["source"][new["reports"]["source"].duplicated()]
    if len(duplicated):
        raise ValueError(
            "reports: one row per source file, but these appear more than once: "
            + ", ".join(sorted(set(duplicated)))
        )
    carry = (new["checks"]["rule"] == CARRY_RULE).astype(bool)
    new["checks"] = new["checks"][~carry].reset_index(drop=True)
    return new


def _dropped_sources(new: dict[str, pd.DataFrame], replace: Collection[str]) -> set[str]:
    """Sources whose old rows go: those asked for and every source with new rows."""
    dropped = {str(s) for s in replace}
    for frame in new.values():
        dropped.update(str(s) for s in frame["source"].dropna().unique())
    return dropped


# ---------------------------------------------------------------------------- warehouse

class Warehouse:
    """A warehouse directory: read its datasets, publish new rows atomically.

    Not thread-safe: use one instance per thread. :meth:`locked` is re-entrant within
    one instance, so a caller may hold the lock around :meth:`ledger` and
    :meth:`publish`. ``durable=False`` skips fsync: publishing stays atomic when the
    process is killed, but not across a power cut (for tests).
    """

    def __init__(self, root: str | Path, *, durable: bool = True) -> None:
        self.root = Path(root)
        self.durable = durable
        self._lock_depth = 0

    @property
    def snapshots_dir(self) -> Path:
        return self.root / SNAPSHOTS

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
        self.root.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(self.root / LOCK, self.root):
            self._lock_depth = 1
            try:
                yield
            finally:
                self._lock_depth = 0

    # --------------------------------------------------------------------- reading

    def current(self) -> Snapshot | None:
        """The snapshot ``.current`` points at, or None before the first publish."""
        try:
            target = os.readlink(self.root / CURRENT)
        except (FileNotFoundError, OSError):
            return None
        return Snapshot(self.root / target)

    def read(self, dataset: str, *, filters: Filters = None,
             columns: list[str] | None = None) -> pd.DataFrame:
        """Rows of ``dataset``, conformed (``year`` is Int16, unknown years null).

        ``filters`` is a pyarrow expression or pandas-style DNF tuples, e.g.
        ``[("year", "=", 2020), ("agency_id", "in", ["a", "b"])]``. The snapshot is
        resolved once, so the rows come from one consistent publish.
        """
        snapshot = self.current()
        if snapshot is None:
            frame = empty_frame(dataset)
            return frame if columns is None else conform(frame, dataset, columns=columns)
        return snapshot.read(dataset, columns=columns, filter=_expression(filters))

    def ledger(self) -> pd.DataFrame:
        """The reports dataset: each source file's last hash, status and error."""
        return self.read("reports")

    # ------------------------------------------------------------------- publishing

    def publish(self, *, facts: pd.DataFrame, reports: pd.DataFrame, checks: pd.DataFrame,
                replace_sources: Collection[str] = ()) -> PublishSummary:
        """Replace the rows of some sources in all three datasets, in one atomic step.

        Sources dropped = ``replace_sources`` ∪ every source of the new rows (the
        reports' sources, and for safety those of facts and checks). Every row of those
        sources is removed from facts, reports and checks (checks by ``source``), then
        the new rows are added. ``cross_year.carry`` checks of every agency touched (in
        the removed or the new rows) are deleted and recomputed from the merged facts
        with :func:`transform.cross_year.carry_checks`; carry rows passed in ``checks``
        are ignored. Only the partitions that change are rewritten, one file each.
        """
        new = _incoming(facts, reports, checks)
        dropped = _dropped_sources(new, replace_sources)
        with self.locked():
            self._check_layout()
            self._collect_garbage()
            old = self.current()
            index = {name: _index(old, name) for name in DATASETS}
            agencies = _touched_agencies(index, new, dropped)
            carry = _carry(old, new["facts"], dropped, agencies)
            new["checks"] = _concat([new["checks"], carry], "checks")
            builder = SnapshotBuilder(self.snapshots_dir, old, sync=self.durable)
            summary = _Summary(builder.id, tuple(sorted(dropped)))
            for name in DATASETS:
                _build_dataset(builder, old, name, index[name], new[name], dropped, agencies,
                               summary)
            snapshot = builder.commit()
            self._switch(snapshot)
        return summary.freeze()

    def _check_layout(self) -> None:
        for name in DATASETS:
            path = self.root / name
            if path.exists() and not path.is_symlink():
                raise WarehouseError(
                    f"{path} is a real directory, not the warehouse's link to "
                    f"{CURRENT}/{name}: this folder was not written by xxgk's warehouse "
                    "(move it away or choose another --warehouse)"
                )

    def _switch(self, snapshot: Snapshot) -> None:
        """Point ``.current`` at ``snapshot`` atomically; then tidy up."""
        replace_symlink(self.root / CURRENT, f"{SNAPSHOTS}/{snapshot.id}", self.durable)
        for name in DATASETS:
            link, target = self.root / name, f"{CURRENT}/{name}"
            if not (link.is_symlink() and os.readlink(link) == target):
                replace_symlink(link, target, self.durable)
        self._collect_garbage()

    def _collect_garbage(self) -> None:
        """Delete every snapshot but the current one and its parent, and crash leftovers."""
        current = self.current()
        keep = {current.id, current.parent()} if current else set()
        if self.snapshots_dir.is_dir():
            for entry in self.snapshots_dir.iterdir():
                if entry.name not in keep or entry.name.startswith(TMP_PREFIX):
                    remove_tree(entry)
        for entry in self.root.glob("*.tmp-*"):
            if entry.is_symlink():
                entry.unlink(missing_ok=True)


# ---------------------------------------------------------------- publish, step by step

@dataclass
class _Summary:
    snapshot: str
    sources: tuple[str, ...]
    written: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    rewritten: dict[str, tuple[Year, ...]] = field(default_factory=dict)

    def freeze(self) -> PublishSummary:
        return PublishSummary(self.snapshot, self.sources, self.written, self.removed,
                              self.rewritten)


def _index(old: Snapshot | None, name: str) -> pd.DataFrame:
    """The few columns of the current rows needed to decide what a publish touches."""
    columns = ["year", "source", "agency_id"] + (["rule"] if name == "checks" else [])
    if old is None:
        return empty_frame(name)[columns]
    return old.read(name, columns=columns)


def _touched_agencies(index: dict[str, pd.DataFrame], new: dict[str, pd.DataFrame],
                      dropped: Collection[str]) -> set[str]:
    """Agencies with a row removed or added: their carry checks are recomputed."""
    agencies: set[str] = set()
    for name in DATASETS:
        gone = index[name][_in(index[name]["source"], dropped)]
        for frame in (gone, new[name]):
            agencies.update(str(a) for a in frame["agency_id"].dropna().unique())
    return agencies


def _carry(old: Snapshot | None, new_facts: pd.DataFrame, dropped: Collection[str],
           agencies: Collection[str]) -> pd.DataFrame:
    """Fresh ``cross_year.carry`` checks of ``agencies`` from the merged facts."""
    if not agencies:
        return empty_frame("checks")
    kept = empty_frame("facts")
    if old is not None:
        where = (
            (pads.field("table") == APP)
            & pads.field("row_key").isin([CARRIED_OVER, CARRIED_FORWARD])
            & pads.field("agency_id").isin(sorted(agencies))
        )
        kept = old.read("facts", filter=where)
        kept = kept[~_in(kept["source"], dropped)]
    fresh = new_facts[_in(new_facts["agency_id"], agencies)]
    return carry_checks(_concat([kept, fresh], "facts"))


def _build_dataset(builder: SnapshotBuilder, old: Snapshot | None, name: str,
                   index: pd.DataFrame, new: pd.DataFrame, dropped: Collection[str],
                   agencies: Collection[str], summary: _Summary) -> None:
    """Link the unchanged partitions of one dataset and rewrite the changed ones."""
    gone = _removed(index, name, dropped, agencies)
    touched = _years(index[gone]) | _years(new)
    partitions = old.partitions(name) if old is not None else {}
    for year, file in partitions.items():
        if year not in touched:
            builder.link(name, year, file)
    for year in sorted(touched, key=lambda y: (y is None, y or 0)):
        previous = old.read_partition(name, year) if year in partitions and old else None
        kept = [] if previous is None else [previous[~_removed(previous, name, dropped,
                                                                agencies)]]
        rows = _ordered(_concat([*kept, _rows_of_year(new, year)], name))
        if len(rows):
            builder.write(name, year, rows)
    summary.written[name] = len(new)
    summary.removed[name] = int(gone.sum())
    summary.rewritten[name] = tuple(sorted(touched, key=lambda y: (y is None, y or 0)))
