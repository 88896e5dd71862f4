"""Functions the pool tests run in worker processes (a module the workers can import).

Besides small probes and jobs that spend time or memory inside a piece of work
marked with ``load.batch.pool.limited``, stand-ins for
``load.batch.process.stage_batch`` that misbehave on a batch holding a file whose path contains a marker: one kills its own
worker process (a segfault, the OOM killer), one never returns (a hostile file).
"""

from __future__ import annotations

import ctypes
import importlib
import os
import signal
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from extract.source import LocalSource, SourceFile, TransientReadError
from load.batch.pool import limited
from load.batch.process import BatchResult, StagedBatch, process_batch, stage_batch

CRASH_MARKER = "crash-here"
HANG_MARKER = "hang-here"


def square(x: int) -> int:
    return x * x


def pid() -> int:
    return os.getpid()


def imported(module: str) -> bool:
    return module in sys.modules


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def hang() -> None:
    threading.Event().wait()


def spin(seconds: float) -> float:
    """Spend ``seconds`` of processor time; how many were spent."""
    started = time.process_time()
    while time.process_time() - started < seconds:
        pass
    return time.process_time() - started


def spin_in(label: str, seconds: float) -> float:
    with limited(label):
        return spin(seconds)


def hold(n_bytes: int) -> int:
    """Allocate and touch ``n_bytes``; how many were held."""
    block = bytearray(n_bytes)
    block[::4096] = b"x" * len(block[::4096])
    return len(block)


def hold_in(label: str, n_bytes: int) -> int:
    with limited(label):
        return hold(n_bytes)


def abort_in(label: str) -> None:
    """What a C library does when an allocation fails (PDFium aborts)."""
    with limited(label):
        os.abort()


def segfault_in(label: str) -> None:
    with limited(label):
        ctypes.string_at(0)


def transient(path: str) -> None:
    raise TransientReadError(5, f"{path}: Input/output error")


def broken_pipe() -> None:
    raise BrokenPipeError(32, "Broken pipe")  # the call's own: its worker is fine


class Picky(Exception):
    """An exception that cannot be rebuilt from its args (unpickling fails)."""

    def __init__(self, a: str, b: str) -> None:
        super().__init__(f"{a} and {b}")


def picky() -> None:
    raise Picky("one", "two")


def _has(files: Sequence[SourceFile], marker: str) -> bool:
    return any(marker in f.path for f in files)


def stage_or_crash(folder: str | Path, location: str, files: Sequence[SourceFile],
                   registry: str | None, run_id: str, processed_at: datetime,
                   refused: Mapping[str, str] | None = None) -> StagedBatch:
    if _has(files, CRASH_MARKER):
        die()
    return stage_batch(folder, location, files, registry, run_id, processed_at, refused)


def stage_or_hang(folder: str | Path, location: str, files: Sequence[SourceFile],
                  registry: str | None, run_id: str, processed_at: datetime,
                  refused: Mapping[str, str] | None = None) -> StagedBatch:
    if _has(files, HANG_MARKER):
        hang()
    return stage_batch(folder, location, files, registry, run_id, processed_at, refused)


FLAKY_MARKER = "flaky-here"


def stage_or_fail_once(folder: str | Path, location: str, files: Sequence[SourceFile],
                       registry: str | None, run_id: str, processed_at: datetime,
                       refused: Mapping[str, str] | None = None) -> StagedBatch:
    """A transient read error on the first attempt at the marked batch only (a flag
    file in the staging folder remembers the attempt, whichever worker makes it)."""
    flag = Path(folder) / ".failed-once"
    if _has(files, FLAKY_MARKER) and not flag.exists():
        flag.touch()
        transient(next(f.path for f in files if FLAKY_MARKER in f.path))
    return stage_batch(folder, location, files, registry, run_id, processed_at, refused)


def import_module(name: str) -> None:
    importlib.import_module(name)


SEGFAULT_MARKER = "segfault-here"


def process_or_segfault(location: str, files: Sequence[SourceFile], registry: str | None,
                        run_id: str, processed_at: datetime,
                        refused: Mapping[str, str] | None = None) -> BatchResult:
    """``process_batch``, whose parser crashes on a marked file not yet refused."""
    for file in files:
        if SEGFAULT_MARKER in file.path and file.path not in (refused or {}):
            segfault_in(file.path)
    return process_batch(location, files, registry, run_id, processed_at, refused)


def stage_reading_flakily(folder: str | Path, location: str, files: Sequence[SourceFile],
                          registry: str | None, run_id: str, processed_at: datetime,
                          refused: Mapping[str, str] | None = None) -> StagedBatch:
    """``stage_batch`` whose source fails its very first read with a transient error;
    every read is logged, a line each, in ``reads.log`` beside the source folder."""
    log = Path(location).parent / "reads.log"
    real = LocalSource.read

    def flaky(self: LocalSource, path: str) -> bytes:
        with log.open("a", encoding="utf-8") as out:
            out.write(path + "\n")
        if len(log.read_text(encoding="utf-8").splitlines()) == 1:
            transient(path)
        return real(self, path)

    LocalSource.read = flaky  # type: ignore[method-assign]
    try:
        return stage_batch(folder, location, files, registry, run_id, processed_at, refused)
    finally:
        LocalSource.read = real  # type: ignore[method-assign]


def extract_or_fail_on_0000(path: str, agency: str | None, year: int | None) -> object:
    """``xxgk extract``'s call, hitting a bug of ours on a file named ``0000.txt``."""
    from load.batch.single import extract_within_limits

    if Path(path).name == "0000.txt":
        raise AssertionError("boom\nsecond line")
    return extract_within_limits(path, agency, year)
