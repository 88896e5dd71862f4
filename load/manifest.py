"""A snapshot's manifest, and how many snapshots a warehouse keeps.

Every publish writes ``manifest.json`` into the snapshot it builds, durably and before
the snapshot gets its final name (so before it can become current): what made it
(run id, xxgk version, the sha256 of the agency registry, the source root), when,
from which snapshot, and what it holds (rows per dataset, reports by status).
Snapshots written before manifests existed have none: :func:`read_manifest` gives
None for them. README, "Snapshots, manifests and retention", documents the format.

Retention: garbage collection keeps the current snapshot and the snapshots it was built
from, newest first, ``XXGK_KEEP_SNAPSHOTS`` in all (default 2). Never fewer than 2: a
reader that resolved ``.current`` just before a publish reads the previous snapshot,
which must survive that publish.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from load.durable import fsync_dir
from load.errors import WarehouseError

MANIFEST_FILE = "manifest.json"
MANIFEST_FORMAT = 1
STATUSES = ("ok", "partial", "failed")

KEEP_SETTING = "XXGK_KEEP_SNAPSHOTS"
KEEP_DEFAULT = 2  # the current snapshot and its parent, as garbage collection always kept
KEEP_MINIMUM = 2  # a reader's snapshot survives one publish


class RetentionError(WarehouseError):
    """A retention setting that is not a whole number of at least 2 (one line)."""


def keep_snapshots(value: int | None = None, environ: Mapping[str, str] | None = None) -> int:
    """How many snapshots garbage collection keeps: ``value`` if given, else
    ``XXGK_KEEP_SNAPSHOTS`` from ``environ`` (the process's), else 2."""
    if value is not None:
        raw, source = str(value), "keep"
    else:
        environ = os.environ if environ is None else environ
        raw, source = environ.get(KEEP_SETTING, "").strip(), KEEP_SETTING
        if not raw:
            return KEEP_DEFAULT
    try:
        number = int(raw)
    except ValueError:
        number = 0
    if number < KEEP_MINIMUM:
        raise RetentionError(
            f"{source} must be a whole number of at least {KEEP_MINIMUM} (the current "
            f"snapshot and the one a reader may still read), not {raw!r}")
    return number


@dataclass(frozen=True, slots=True)
class RunInfo:
    """What a publish knows of the run that made its rows (None: not known)."""

    run_id: str | None = None
    source_root: str | None = None
    registry_sha256: str | None = None


def file_sha256(path: str | Path | None) -> str | None:
    """The sha256 of a file's bytes (None for no path or a file that cannot be read)."""
    if path is None:
        return None
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def xxgk_version() -> str | None:
    """The installed distribution's version (None when xxgk runs uninstalled)."""
    try:
        return metadata.version("xxgk")
    except metadata.PackageNotFoundError:
        return None


def make_manifest(snapshot: str, parent: str | None, info: RunInfo | None,
                  rows: Mapping[str, int], reports: Mapping[str, int]) -> dict[str, Any]:
    """The manifest of a snapshot: see the module's docstring and the README."""
    info = info or RunInfo()
    by_status = {s: int(reports.get(s, 0)) for s in STATUSES}
    by_status.update({str(s): int(n) for s, n in reports.items() if s not in by_status})
    return {
        "format": MANIFEST_FORMAT,
        "snapshot": snapshot,
        "parent": parent,
        "run_id": info.run_id,
        "xxgk_version": xxgk_version(),
        "registry_sha256": info.registry_sha256,
        "source_root": info.source_root,
        "created": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "rows": {name: int(n) for name, n in rows.items()},
        "reports": by_status,
    }


def write_manifest(folder: Path, manifest: Mapping[str, Any], sync: bool = True) -> None:
    """Write ``folder/manifest.json`` as a new file, fsynced with its directory entry."""
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    with open(folder / MANIFEST_FILE, "x", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        if sync:
            os.fsync(fh.fileno())
    fsync_dir(folder, sync)


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """A snapshot folder's manifest, or None when it has none (or none readable)."""
    try:
        manifest = json.loads((folder / MANIFEST_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


__all__ = ["KEEP_DEFAULT", "KEEP_SETTING", "MANIFEST_FILE", "RetentionError", "RunInfo",
           "file_sha256", "keep_snapshots", "make_manifest", "read_manifest",
           "write_manifest", "xxgk_version"]
