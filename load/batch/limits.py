"""What one file may cost, and how a file past it is named.

Every file is parsed in a worker process of ``load.batch.pool`` under these limits,
wherever it is parsed: a run's batches, a Dask worker's, ``xxgk extract``. They are
settings (environment variables) because the right bound depends on the machine, not
on the code. Standard library only: ``xxgk extract`` reads them without importing the
warehouse's libraries.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Mapping

from load.batch.pool import LimitExceeded, Limits, WorkerCrashed

# What one file may cost by default. A report parses in milliseconds and a few MB; the
# largest legitimate files (a text just under the size limit, a PDF of 100 pages, a
# Word page) take seconds and a few hundred MB. Hostile files (a form drawing itself,
# a compressed bomb) would take minutes and gigabytes.
FILE_CPU_SECONDS = 20.0
FILE_MEMORY_MB = 1024
CPU_SECONDS_SETTING, MEMORY_MB_SETTING = "XXGK_FILE_CPU_SECONDS", "XXGK_FILE_MEMORY_MB"

# The reasons recorded for a file that ended its worker past a limit.
TIME_LIMIT, MEMORY_LIMIT = "resource limit: time", "resource limit: memory"


class LimitsError(ValueError):
    """A limit setting that is not a positive number."""


def file_limits(environ: Mapping[str, str] | None = None) -> Limits:
    """What one file may cost: ``XXGK_FILE_CPU_SECONDS`` of processor time for its
    parsing, ``XXGK_FILE_MEMORY_MB`` of memory (address space) above the worker's own
    footprint for its call, from ``environ`` (the process's environment)."""
    environ = os.environ if environ is None else environ
    seconds = _positive(environ, CPU_SECONDS_SETTING, FILE_CPU_SECONDS)
    memory_mb = _positive(environ, MEMORY_MB_SETTING, FILE_MEMORY_MB)
    return Limits(seconds=seconds, memory=int(memory_mb * 2**20))


def _positive(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise LimitsError(f"{name} must be a positive number, not {raw!r}")
    return value


def ended_reason(err: WorkerCrashed) -> str:
    """Why the file a worker died on failed: past a limit, or its parser crashed."""
    if isinstance(err, LimitExceeded):
        return TIME_LIMIT if err.resource == "time" else MEMORY_LIMIT
    how = signal.Signals(err.signal).name if err.signal else "it exited"
    return f"the parser crashed ({how})"


__all__ = ["CPU_SECONDS_SETTING", "FILE_CPU_SECONDS", "FILE_MEMORY_MB", "MEMORY_LIMIT",
           "MEMORY_MB_SETTING", "TIME_LIMIT", "LimitsError", "ended_reason", "file_limits"]
