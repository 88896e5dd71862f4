"""Why the warehouse refuses: one line each, naming the warehouse and the reason.

``xxgk run`` is run from cron by operators who read one line of stderr, not a
traceback. Every refusal of the warehouse is a :class:`WarehouseError` whose message
is that line: a read-only or full disk, a warehouse path that is a file, a symbolic
link where the warehouse writes or deletes. A reader whose snapshot was deleted under
it gets :class:`SnapshotGone`, which says to read again.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class WarehouseError(RuntimeError):
    """The warehouse cannot be read or written as asked; the message is one line."""


class SnapshotGone(WarehouseError):
    """A snapshot was deleted while it was being read (two newer ones were published
    meanwhile): reading the warehouse again reads the current one."""


_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EROFS: "it is on a read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOTDIR: "a part of its path is a file, not a directory",
    errno.ELOOP: "a symbolic link is in the way",
    errno.EIO: "an input/output error of the disk",
}


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def cannot_write(warehouse: Path, err: OSError, what: str = "warehouse") -> WarehouseError:
    """The refusal for an ``OSError`` met while writing ``warehouse`` (or another
    folder of it, ``what`` saying which)."""
    reason = _REASONS.get(err.errno or 0) or _one_line(err.strerror or err)
    where = f" ({_one_line(err.filename)})" if err.filename else ""
    return WarehouseError(f"{what} {warehouse} cannot be written: {reason}{where}")


def refused(path: Path, what: str) -> WarehouseError:
    """The refusal to write or delete through ``path``, which is ``what`` (a symbolic
    link, a directory...) where the warehouse keeps something else."""
    return WarehouseError(f"{path} is {what}: xxgk never writes or deletes through it; "
                          "move it away and run again")


def kind(path: Path) -> str:
    """What ``path`` is, for :func:`refused`."""
    if path.is_symlink():
        return "a symbolic link"
    if path.is_dir():
        return "a directory"
    if path.is_file():
        return "a file"
    return "not a plain file or directory"


@contextmanager
def writing(warehouse: Path, what: str = "warehouse") -> Iterator[None]:
    """Turn an ``OSError`` of the block into the warehouse's one-line refusal."""
    try:
        yield
    except WarehouseError:
        raise
    except OSError as err:
        raise cannot_write(warehouse, err, what) from err


__all__ = ["SnapshotGone", "WarehouseError", "cannot_write", "kind", "refused",
           "writing"]
