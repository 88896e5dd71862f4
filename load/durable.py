"""Small filesystem steps that survive a crash: durable writes, links, atomic pointers.

The warehouse's guarantee (a kill at any moment leaves every dataset readable with its
previous content) rests on three POSIX facts used here: a file is complete once it is
fsynced, ``rename``/``os.replace`` of a name is atomic, and a directory entry is durable
once its directory is fsynced. Everything the warehouse writes goes through these
helpers so that the order of those steps is visible in one place.

``sync=False`` skips the fsyncs: the steps stay atomic for a killed process (the page
cache survives it) but not for a power cut. Tests use it to stay fast.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def fsync_dir(path: Path, sync: bool = True) -> None:
    """Make the entries (names) of directory ``path`` durable."""
    if not sync:
        return
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# Rows of a partition are sorted by agency; row groups of this size keep min/max
# statistics narrow enough that a one-agency read skips all but one or two of them.
ROW_GROUP_ROWS = 16_384


def write_parquet(table: pa.Table, path: Path, sync: bool = True) -> None:
    """Write ``table`` to a new file at ``path`` and fsync it before returning."""
    with open(path, "xb") as fh:
        pq.write_table(table, fh, row_group_size=ROW_GROUP_ROWS)
        fh.flush()
        if sync:
            os.fsync(fh.fileno())


def link_or_copy(src: Path, dst: Path, sync: bool = True) -> None:
    """Hard-link ``src`` as ``dst`` (files are immutable), copying where links fail."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)
        if sync:
            with open(dst, "rb") as fh:
                os.fsync(fh.fileno())


def replace_symlink(link: Path, target: str, sync: bool = True) -> None:
    """Point ``link`` at ``target`` in one atomic step (a new symlink renamed over it)."""
    tmp = link.with_name(f"{link.name}.tmp-{os.getpid()}")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(target, tmp)
    os.replace(tmp, link)
    fsync_dir(link.parent, sync)


def remove_tree(path: Path) -> None:
    """Delete a file, symlink or directory tree; a missing path is fine. A symbolic
    link is deleted itself, never what it points at (nor does ``rmtree`` follow a link
    inside the tree); the caller makes sure no folder above ``path`` is a link."""
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.exists():
        shutil.rmtree(path, ignore_errors=True)
