"""A lean process pool for the CPU-bound batches: workers that never import Prefect.

Why not Prefect's ``ProcessPoolTaskRunner``: each of its workers imports Prefect and
runs the task engine (hundreds of MB each, and a long start before the first batch
comes back), although a batch only needs ``extract``, ``transform`` and pyarrow.
Instead the flow keeps one Prefect task per batch on a bounded thread pool in its own
process (states, retries, the summary) and each task hands its CPU-bound call to a
worker of this pool, a plain process that imports only what the call needs.

Why not ``concurrent.futures.ProcessPoolExecutor``: on Python 3.11 it cannot stop one
stuck worker (a call that timed out keeps its worker busy, and shutting the pool down
waits for it), and one crashed worker breaks the whole pool, failing every batch in
flight or queued. Here each slot is one worker process with its own pipe, so a timeout
or a crash costs exactly the call that slot was running: the worker is killed (or found
dead), the caller gets :class:`WorkerTimeout` or :class:`WorkerCrashed`, and the slot
starts a fresh worker for its next call.

Nor a maintained pool (measured side by side by ``benchmarks/pool_candidates.py``).
pebble's ``ProcessPool`` has a time limit per call, but its workers all share one pipe:
a call whose exception cannot be unpickled, or a worker dying while it receives a call
(importing its module), breaks the whole pool; and on multiprocessing's ``spawn`` or
``forkserver`` its workers import the main module, hence Prefect (seconds and tens of
MB more each). loky's workers skip the main module, but it has no time limit per call (a stuck
call keeps its worker and blocks the shutdown), and a crashed worker fails the other
call in flight too.

Workers are fresh interpreters (``python -c "from load.batch.pool import serve; …"``)
talking over a socket pair, with the parent's ``sys.path``. Not ``fork``: the flow's process
runs threads (Prefect's event loop, the task runner's) that a fork must not copy. Nor
multiprocessing's ``spawn`` or ``forkserver``: their children first import the parent's
main module, which in a Prefect deployment is ``prefect.engine`` (each worker would
import Prefect), and they bring a resource-tracker process along. It belongs to the
Prefect-free batch step and imports nothing beyond the standard library: workers
import it to run their loop, and the flow, the tests and the benchmarks drive it
directly.
"""

from __future__ import annotations

import ctypes
import gc
import importlib
import os
import pickle
import queue
import signal
import socket
import subprocess
import sys
import traceback
from collections.abc import Callable, Sequence
from contextlib import suppress
from multiprocessing.connection import Connection, wait
from types import TracebackType
from typing import Any, TypeVar

R = TypeVar("R")

# How long a worker asked to stop may take before it is killed.
STOP_GRACE_SECONDS = 5.0
# How long a worker may take to start a call: a fresh worker imports the call's modules
# first (≈ 1–3 s for the libraries; much more on a swamped machine, never minutes).
START_TIMEOUT_SECONDS = 300.0


class WorkerError(RuntimeError):
    """A call could not complete in its worker process."""


class WorkerTimeout(WorkerError):
    """The call ran past its time limit; its worker was killed."""


class WorkerCrashed(WorkerError):
    """The worker process died during the call (a segfault, the OOM killer, a kill)."""


# ------------------------------------------------------------------ the worker's side

# The pipe's messages: a pickled call ``(fn, args)``, or STOP; the worker answers each
# call with STARTED once it has unpickled it (imports done), then the pickled reply
# ``(True, result)`` or ``(False, exception)``.
STOP = b""
STARTED = b"started"


# How a worker starts: its loop on the socket whose descriptor is passed on.
_WORKER = "import sys; from load.batch.pool import serve; serve(int(sys.argv[1]))"


def serve(fd: int) -> None:
    """A worker's loop on the socket ``fd``: the parent's ``sys.path`` and the modules
    to import ahead, then each call it is sent, answered with its result or its error.
    The worker leaves with ``os._exit``, as multiprocessing's children do: tearing its
    interpreter down (freeing every object the libraries made) would only hold up the
    pool's close."""
    # Ctrl-C reaches the whole process group: the pool's owner decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    conn = Connection(fd)
    try:
        sys.path[:], preload = pickle.loads(conn.recv_bytes())
    except EOFError:
        os._exit(0)
    _import_ahead(preload)
    while True:
        try:
            message = conn.recv_bytes()
        except EOFError:  # the pool's process is gone: nothing more will come
            break
        if message == STOP:
            break
        try:
            reply = _call(message, conn)
            conn.send_bytes(reply)
        except OSError:  # the pipe broke: the pool's process is gone
            break
        del reply
        _give_back_memory()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _import_ahead(modules: Sequence[str]) -> None:
    """Import what the calls will need while the pool's owner is still busy elsewhere.
    A module that fails to import is left alone here: the call that needs it imports
    it again and reports the error as that call's."""
    for name in modules:
        with suppress(Exception):
            importlib.import_module(name)


def _call(message: bytes, conn: Connection) -> bytes:
    """Run one pickled call: STARTED once it is unpickled, then its pickled reply. The
    caller re-raises an error with its type (a retry condition sees it)."""
    try:
        fn, args = pickle.loads(message)  # imports fn's module on the first call
    except Exception as err:
        conn.send_bytes(STARTED)
        return _dumps((False, _portable(err)))
    conn.send_bytes(STARTED)
    try:
        return _dumps((True, fn(*args)))
    except Exception as err:
        return _dumps((False, _portable(err)))


def _dumps(reply: tuple[bool, object]) -> bytes:
    return pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)


def _give_back_memory() -> None:
    """Return what the call freed to the system: between calls a worker would
    otherwise keep its peak (glibc and pyarrow's allocator both hold freed pages)."""
    gc.collect()
    arrow = sys.modules.get("pyarrow")  # only if the call used it
    if arrow is not None:
        arrow.default_memory_pool().release_unused()
    with suppress(OSError, AttributeError):  # glibc only
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _portable(err: Exception) -> Exception:
    """``err`` with the worker's traceback as a note, or a plain stand-in when it
    would not survive the trip back (an exception class that cannot be unpickled)."""
    err.add_note("in the worker process:\n" + "".join(traceback.format_exception(err)))
    try:
        pickle.loads(pickle.dumps(err))
    except Exception:
        stand_in = WorkerError(f"{type(err).__name__}: {err}")
        for note in getattr(err, "__notes__", ()):
            stand_in.add_note(note)
        return stand_in
    return err


# ------------------------------------------------------------------ the pool's side

class _Slot:
    """One worker process and its socket, used by one caller at a time."""

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def __init__(self, preload: Sequence[str] = ()) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None
        self._preload = tuple(preload)

    def start(self) -> None:
        ours, theirs = socket.socketpair()
        safe_path = ["-P"] if sys.flags.safe_path else []  # as this interpreter runs
        with theirs:
            process = subprocess.Popen(
                [sys.executable, *safe_path, "-c", _WORKER, str(theirs.fileno())],
                pass_fds=[theirs.fileno()])
        self._process, self._conn = process, Connection(ours.detach())
        self._conn.send_bytes(pickle.dumps((sys.path, self._preload)))

    def call(self, fn: Callable[..., R], args: tuple[Any, ...], timeout: float | None) -> R:
        if self._process is None or self._process.poll() is not None:
            self._discard()
            self.start()
        assert self._conn is not None
        try:
            self._conn.send_bytes(pickle.dumps((fn, args), protocol=pickle.HIGHEST_PROTOCOL))
        except OSError as err:  # died between the check and the send
            raise self._crashed() from err
        # The time limit is the call's own: a worker's start-up (imports) has its own.
        self._receive(START_TIMEOUT_SECONDS, "did not start the call")
        ok, value = pickle.loads(self._receive(timeout, "still running"))
        if ok:
            return value
        raise value

    def _receive(self, timeout: float | None, late: str) -> bytes:
        """The worker's next message; kill it when none comes within ``timeout``. (A
        dead worker's socket reads as closed.)"""
        assert self._conn is not None
        if not wait([self._conn], timeout):
            self._kill()
            raise WorkerTimeout(f"{late} after {timeout:g} s: the worker was killed")
        try:
            return self._conn.recv_bytes()
        except (EOFError, OSError) as err:  # the socket closed: the process died
            raise self._crashed() from err

    def _crashed(self) -> WorkerCrashed:
        process = self._process
        assert process is not None
        try:
            code = process.wait(STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:  # its socket broke, yet it runs: no use any more
            process.kill()
            code = process.wait()
        self._discard()
        how = f"killed by signal {signal.Signals(-code).name}" if code < 0 \
            else f"exit code {code}"
        return WorkerCrashed(f"the worker process (pid {process.pid}) died: {how}")

    def _kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
        self._discard()

    def _discard(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._process = self._conn = None

    def ask_to_stop(self) -> None:
        """Tell the worker to finish (:meth:`wait_stopped` waits for it)."""
        if self._conn is not None:
            with suppress(OSError):  # already gone
                self._conn.send_bytes(STOP)

    def wait_stopped(self) -> None:
        """Wait for a worker asked to stop, kill it if it does not."""
        if self._process is None:
            return
        try:
            self._process.wait(STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._discard()


class WorkerPool:
    """``workers`` worker processes; :meth:`run` calls a function in a free one.

    Use it as a context manager (the workers start on entry, stop on exit). :meth:`run`
    is thread-safe and blocks while every worker is busy. ``fn`` and its arguments are
    pickled: ``fn`` must be a module-level function of a module the worker can import.
    A worker imports the modules named in ``preload`` as soon as it starts, before any
    call comes (a pool started early has its workers ready for the first one).
    """

    def __init__(self, workers: int, *, timeout: float | None = None,
                 preload: Sequence[str] = ()) -> None:
        if workers < 1:
            raise ValueError("a pool needs at least one worker")
        self.timeout = timeout
        self._slots = [_Slot(preload) for _ in range(workers)]
        self._free: queue.SimpleQueue[_Slot] = queue.SimpleQueue()

    def __enter__(self) -> WorkerPool:
        for slot in self._slots:  # starting returns at once; workers import in parallel
            slot.start()
            self._free.put(slot)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def run(self, fn: Callable[..., R], *args: Any) -> R:
        """``fn(*args)`` in a worker process: its result, or its exception re-raised;
        :class:`WorkerTimeout` past the pool's timeout, :class:`WorkerCrashed` when the
        worker died. Either way the worker is replaced for the next call."""
        slot = self._free.get()
        try:
            return slot.call(fn, args, self.timeout)
        finally:
            self._free.put(slot)

    def pids(self) -> list[int]:
        """The worker processes' ids (for tests and diagnostics)."""
        return [pid for slot in self._slots if (pid := slot.pid) is not None]

    def close(self) -> None:
        for slot in self._slots:  # every worker winds down at once
            slot.ask_to_stop()
        for slot in self._slots:
            slot.wait_stopped()


__all__ = ["WorkerCrashed", "WorkerError", "WorkerPool", "WorkerTimeout", "serve"]
