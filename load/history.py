"""The snapshots a warehouse keeps, as ``xxgk status --snapshots`` lists them.

One entry per complete snapshot, newest first: its id, whether it is current, and from
its manifest (``load.manifest``) when it was made, by which run, its reports by status
and its facts rows. A snapshot written before manifests existed says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from load.manifest import STATUSES
from load.warehouse import Warehouse

NO_MANIFEST = "(no manifest)"


@dataclass(frozen=True, slots=True)
class SnapshotEntry:
    """One kept snapshot: its id, whether it is current, its manifest (None: none)."""

    id: str
    current: bool
    manifest: dict[str, Any] | None

    def line(self) -> str:
        """``<id>  current  created …  run …  reports 3 ok, 1 partial, 0 failed  facts N``."""
        marker = "current" if self.current else "-"
        head = f"{self.id}  {marker:7}"
        if self.manifest is None:
            return f"{head}  {NO_MANIFEST}"
        m = self.manifest
        reports = m.get("reports") or {}
        counts = ", ".join(f"{reports.get(s, 0)} {s}" for s in STATUSES)
        facts = (m.get("rows") or {}).get("facts")
        return (f"{head}  created {m.get('created') or '?'}  run {m.get('run_id') or '-'}  "
                f"reports {counts}  facts {facts if facts is not None else '?'} rows")

    def record(self) -> dict[str, Any]:
        """The entry as one JSON object: id, current, and the whole manifest (or null)."""
        return {"snapshot": self.id, "current": self.current, "manifest": self.manifest}


def snapshot_listing(warehouse: str | Path) -> list[SnapshotEntry]:
    """The snapshots ``warehouse`` keeps, newest first; a one-line
    :class:`load.errors.WarehouseError` for a path that is no warehouse."""
    store = Warehouse(warehouse)
    store.check_is_warehouse()
    current = store.current()
    return [SnapshotEntry(s.id, current is not None and s.id == current.id, s.manifest())
            for s in store.snapshots()]


__all__ = ["NO_MANIFEST", "SnapshotEntry", "snapshot_listing"]
