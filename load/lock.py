"""One writer at a time: an exclusive, non-blocking ``flock`` on ``WAREHOUSE/.lock``.

Two runs writing the same warehouse would each build a snapshot from the same parent
and the second would silently undo the first. ``flock`` is released by the kernel when
the holder exits, even by ``kill -9``, so a crashed run never leaves a stale lock. The
holder writes its pid and start time into the lock file so that the second run's error
can say who holds it.

The lock file is truncated and written at every run, so it is opened without following
a symbolic link (``O_NOFOLLOW``) and must be a plain file with no other name: a
``.lock`` linked to another file would otherwise have that file emptied.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from load.errors import WarehouseError, cannot_write, kind, refused


class WarehouseBusy(WarehouseError):
    """Another process holds the warehouse lock."""


def _holder(fd: int) -> str:
    """Who holds the lock, as written by them, for the error message."""
    try:
        info = json.loads(os.pread(fd, 4096, 0).decode("utf-8"))
        return f"process {info['pid']} (started {info['started']})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process (pid unknown: it is starting or stopping)"


def _write_holder(fd: int) -> None:
    started = datetime.now(UTC).isoformat(timespec="seconds")
    info = json.dumps({"pid": os.getpid(), "started": started}).encode("utf-8")
    os.ftruncate(fd, 0)
    os.pwrite(fd, info + b"\n", 0)


def _open_lock_file(path: Path, warehouse: Path) -> int:
    """The lock file, opened for writing without following a link; refused unless it
    is a plain file with one name."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as err:
        if err.errno in (errno.ELOOP, errno.EISDIR):
            raise refused(path, kind(path)) from None
        raise cannot_write(warehouse, err) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
        os.close(fd)
        what = "a file with another name (a hard link)" if info.st_nlink > 1 else kind(path)
        raise refused(path, what)
    return fd


@contextmanager
def exclusive_lock(path: Path, warehouse: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` or raise :class:`WarehouseBusy` at once."""
    fd = _open_lock_file(path, warehouse)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WarehouseBusy(
                f"warehouse {warehouse} is busy: it is locked by {_holder(fd)}. "
                "Wait for that run to finish, or stop it, then try again."
            ) from None
        try:
            _write_holder(fd)
        except OSError as err:  # a full disk: nothing else of the run could be written
            raise cannot_write(warehouse, err) from None
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
