"""One writer at a time: an exclusive, non-blocking ``flock`` on ``WAREHOUSE/.lock``.

Two runs writing the same warehouse would each build a snapshot from the same parent
and the second would silently undo the first. ``flock`` is released by the kernel when
the holder exits, even by ``kill -9``, so a crashed run never leaves a stale lock. The
holder writes its pid and start time into the lock file so that the second run's error
can say who holds it.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path


class WarehouseBusy(RuntimeError):
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


@contextmanager
def exclusive_lock(path: Path, warehouse: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` or raise :class:`WarehouseBusy` at once."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WarehouseBusy(
                f"warehouse {warehouse} is busy: it is locked by {_holder(fd)}. "
                "Wait for that run to finish, or stop it, then try again."
            ) from None
        _write_holder(fd)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
