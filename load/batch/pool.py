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

Each worker parses under limits of its own (:class:`Limits`), so that one hostile file
costs a bounded share of one process, never the machine nor its batch-mates: the
address space a call may add to the worker's idle footprint (``RLIMIT_AS``, set as each
call starts) and the processor time of each piece of work the call marks with
:func:`limited` (an interval timer whose signal ends the worker). A worker that dies
inside a marked piece of work is reported with its label (:class:`LimitExceeded` past a
limit, :class:`WorkerCrashed` for any other death), read from a page of memory the worker
shares with its slot: the caller can run the call again without that piece. Processor
time, not wall time: a swamped machine slows every file alike and must not fail them.
Workers die with the process that started them (Linux's parent-death signal), even
when it is killed with SIGKILL.

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
import mmap
import os
import pickle
import queue
import resource
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from multiprocessing.connection import Connection, wait
from types import TracebackType
from typing import Any, NamedTuple, TypeVar

R = TypeVar("R")

# How long a worker asked to stop may take before it is killed.
STOP_GRACE_SECONDS = 5.0
# How long a worker may take to start a call: a fresh worker imports the call's modules
# first (≈ 1–3 s for the libraries; much more on a swamped machine, never minutes).
START_TIMEOUT_SECONDS = 300.0
# The signal of the processor-time timer of :func:`limited` (ITIMER_PROF counts user and
# system time of the whole process); its default action ends the process, wherever it
# is, C code included.
TIME_SIGNAL = signal.SIGPROF
# Deaths counted as running out of memory inside a marked piece of work: C libraries
# abort when an allocation fails under the address-space limit (PDFium does), and the
# kernel's OOM killer sends SIGKILL.
MEMORY_SIGNALS = frozenset((signal.SIGABRT, signal.SIGKILL))


class Limits(NamedTuple):
    """What a worker may spend. ``seconds``: processor time of each piece of work marked
    with :func:`limited`; ``memory``: bytes of address space a call may add to what the
    worker holds when it starts the call. None: no limit."""

    seconds: float | None = None
    memory: int | None = None


NO_LIMITS = Limits()


class WorkerError(RuntimeError):
    """A call could not complete in its worker process."""


class WorkerTimeout(WorkerError):
    """The call ran past its time limit; its worker was killed."""


class WorkerCrashed(WorkerError):
    """The worker process died during the call (a segfault, the OOM killer, a kill).

    ``label`` names the piece of work (:func:`limited`) it died in, None outside any;
    ``signal`` is the signal that ended it, None for an exit."""

    def __init__(self, message: str, label: str | None = None,
                 signal: int | None = None) -> None:
        super().__init__(message, label, signal)  # all in args: it pickles
        self.label = label
        self.signal = signal

    def __str__(self) -> str:
        return str(self.args[0])


class LimitExceeded(WorkerCrashed):
    """The worker ran past a limit inside a piece of work and was ended: ``resource``
    is ``time`` or ``memory``."""

    @property
    def resource(self) -> str:
        return "time" if self.signal == TIME_SIGNAL else "memory"


# ------------------------------------------------------------------ the worker's side

# The pipe's messages: a pickled call ``(fn, args)``, or STOP; the worker answers each
# call with STARTED once it has unpickled it (imports done), then the pickled reply
# ``(True, result)`` or ``(False, exception)``.
STOP = b""
STARTED = b"started"


# How a worker starts: its loop on the socket, the label board and the pid of the
# process that started it, passed as arguments.
_WORKER = "import sys; from load.batch.pool import serve; serve(*map(int, sys.argv[1:]))"
_PR_SET_PDEATHSIG = 1  # prctl(2)


class _Board:
    """A page shared by a worker and its slot: the label of the piece of work the
    worker is in (a length, then the UTF-8 label; length 0 outside any). The worker
    writes it without a system call; the slot reads it once the worker is dead."""

    SIZE = 16 * 1024
    _LENGTH = struct.Struct("<I")

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._page = mmap.mmap(fd, self.SIZE)

    @classmethod
    def create(cls) -> _Board:
        if hasattr(os, "memfd_create"):
            fd = os.memfd_create("xxgk-pool-board")
        else:  # no memfd: an unlinked temporary file does the same
            with tempfile.TemporaryFile() as file:
                fd = os.dup(file.fileno())
        os.ftruncate(fd, cls.SIZE)
        return cls(fd)

    def enter(self, label: str) -> None:
        data = label.encode("utf-8", "surrogateescape")[:self.SIZE - self._LENGTH.size]
        self._page[self._LENGTH.size:self._LENGTH.size + len(data)] = data
        self._LENGTH.pack_into(self._page, 0, len(data))  # the length last: never torn

    def leave(self) -> None:
        self._LENGTH.pack_into(self._page, 0, 0)

    def label(self) -> str | None:
        (length,) = self._LENGTH.unpack_from(self._page, 0)
        if not length:
            return None
        data = self._page[self._LENGTH.size:self._LENGTH.size + length]
        return data.decode("utf-8", "surrogateescape")

    def close(self) -> None:
        self._page.close()
        os.close(self.fd)


# The worker's own board and limits (set by :func:`serve`; None in any other process).
_BOARD: _Board | None = None
_SECONDS: float | None = None


@contextmanager
def limited(label: str) -> Iterator[None]:
    """Mark a piece of work: in a pool's worker, ``label`` is posted for the slot and
    the piece may spend the pool's ``Limits.seconds`` of processor time (past them the
    timer's signal ends the worker, C code included). Anywhere else it costs nothing
    and limits nothing."""
    board, seconds = _BOARD, _SECONDS
    if board is None:
        yield
        return
    board.enter(label)
    if seconds:
        signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        if seconds:
            signal.setitimer(signal.ITIMER_PROF, 0)
        board.leave()


def serve(fd: int, board_fd: int, parent: int) -> None:
    """A worker's loop on the socket ``fd``: the parent's ``sys.path``, the modules to
    import ahead and the limits, then each call it is sent, answered with its result or
    its error. The worker leaves with ``os._exit``, as multiprocessing's children do:
    tearing its interpreter down (freeing every object the libraries made) would only
    hold up the pool's close."""
    global _BOARD, _SECONDS
    die_with_parent(parent)
    # Ctrl-C reaches the whole process group: the pool's owner decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(TIME_SIGNAL, signal.SIG_DFL)
    conn = Connection(fd)
    try:
        sys.path[:], preload, limits = pickle.loads(conn.recv_bytes())
    except EOFError:
        os._exit(0)
    _import_ahead(preload)
    _reserve_allocators()
    _BOARD, _SECONDS = _Board(board_fd), limits.seconds
    while True:
        try:
            message = conn.recv_bytes()
        except EOFError:  # the pool's process is gone: nothing more will come
            break
        if message == STOP:
            break
        try:
            reply = _call(message, conn, limits.memory)
            conn.send_bytes(reply)
        except OSError:  # the pipe broke: the pool's process is gone
            break
        del reply
        _give_back_memory()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def die_with_parent(parent: int) -> None:
    """Have the kernel kill this process when the thread that started it ends (the
    parent-death signal: Linux only), and leave at once if ``parent`` is already gone
    (it died before the request was made)."""
    with suppress(OSError, AttributeError):  # not Linux: the socket's EOF still stops us
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(0)


def _import_ahead(modules: Sequence[str]) -> None:
    """Import what the calls will need while the pool's owner is still busy elsewhere.
    A module that fails to import is left alone here: the call that needs it imports
    it again and reports the error as that call's."""
    for name in modules:
        with suppress(Exception):
            importlib.import_module(name)


def _reserve_allocators() -> None:
    """Let pyarrow's allocator reserve its address space (mimalloc's arena, 1 GiB of
    it untouched) before any limit is set, so that it counts as the worker's footprint,
    not as a call's."""
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:
        with suppress(Exception):
            arrow.allocate_buffer(1)


def _call(message: bytes, conn: Connection, memory: int | None) -> bytes:
    """Run one pickled call: STARTED once it is unpickled, then its pickled reply. The
    caller re-raises an error with its type (a retry condition sees it)."""
    try:
        fn, args = pickle.loads(message)  # imports fn's module on the first call
    except Exception as err:
        conn.send_bytes(STARTED)
        return _dumps((False, _portable(err)))
    conn.send_bytes(STARTED)
    _limit_memory(memory)
    try:
        return _dumps((True, fn(*args)))
    except Exception as err:
        return _dumps((False, _portable(err)))


def _limit_memory(budget: int | None) -> None:
    """Let the call add at most ``budget`` bytes of address space to what the worker
    holds now (an allocation past it fails: ``MemoryError`` in Python, an abort in most
    C libraries)."""
    if budget is None:
        return
    try:
        with open("/proc/self/statm", "rb") as statm:
            held = int(statm.read().split()[0]) * mmap.PAGESIZE
    except (OSError, ValueError, IndexError):  # no /proc: no limit rather than a guess
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = held + budget if hard == resource.RLIM_INFINITY else min(held + budget, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


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

Spawn = Callable[[list[str], list[int]], "subprocess.Popen[bytes]"]


class _Slot:
    """One worker process and its socket, used by one caller at a time."""

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def __init__(self, spawn: Spawn, preload: Sequence[str] = (),
                 limits: Limits = NO_LIMITS) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None
        self._preload = tuple(preload)
        self._limits = limits
        self._spawn = spawn
        self._board = _Board.create()
        self._peak_kib = 0  # the last dead worker's peak resident memory

    def start(self) -> None:
        ours, theirs = socket.socketpair()
        safe_path = ["-P"] if sys.flags.safe_path else []  # as this interpreter runs
        self._board.leave()
        argv = [sys.executable, *safe_path, "-c", _WORKER, str(theirs.fileno()),
                str(self._board.fd), str(os.getpid())]
        with theirs:
            process = self._spawn(argv, [theirs.fileno(), self._board.fd])
        self._process, self._conn = process, Connection(ours.detach())
        self._conn.send_bytes(pickle.dumps((sys.path, self._preload, self._limits)))

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
            code = self._reap(STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:  # its socket broke, yet it runs: no use any more
            process.kill()
            code = self._reap(None)
        label = self._board.label()
        self._discard()
        return _death(process.pid, code, label, self._limits, self._peak_kib)

    def _reap(self, timeout: float | None) -> int:
        """Wait for the worker's end (``subprocess.TimeoutExpired`` past ``timeout``);
        its exit status, its peak memory noted (which ``Popen.wait`` does not give)."""
        process = self._process
        assert process is not None
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                pid, status, usage = os.wait4(process.pid, 0 if deadline is None
                                              else os.WNOHANG)
            except ChildProcessError:  # reaped already
                return process.wait()
            if pid:
                break
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(process.args, timeout or 0)
            time.sleep(0.01)
        process.returncode = os.waitstatus_to_exitcode(status)
        self._peak_kib = usage.ru_maxrss
        return process.returncode

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

    def close(self) -> None:
        self._board.close()


def _death(pid: int, code: int, label: str | None, limits: Limits,
           peak_kib: int) -> WorkerCrashed:
    """The error for a worker that died with exit status ``code`` (negative: killed by
    that signal) inside the piece of work ``label`` (None: outside any)."""
    signum = -code if code < 0 else None
    how = f"killed by signal {signal.Signals(signum).name}" if signum else f"exit code {code}"
    where = f" while on {label}" if label is not None else ""
    peak = f", peak resident memory {peak_kib // 1024} MB" if peak_kib else ""
    message = f"the worker process (pid {pid}) died{where}: {how}{peak}"
    past_time = signum == TIME_SIGNAL and limits.seconds is not None
    past_memory = signum in MEMORY_SIGNALS and (
        limits.memory is not None or signum == signal.SIGKILL)
    if label is not None and (past_time or past_memory):
        return LimitExceeded(message, label, signum)
    return WorkerCrashed(message, label, signum)


class WorkerPool:
    """``workers`` worker processes; :meth:`run` calls a function in a free one.

    Use it as a context manager (the workers start on entry, stop on exit). :meth:`run`
    is thread-safe and blocks while every worker is busy. ``fn`` and its arguments are
    pickled: ``fn`` must be a module-level function of a module the worker can import.
    A worker imports the modules named in ``preload`` as soon as it starts, before any
    call comes (a pool started early has its workers ready for the first one), and
    works within ``limits``.

    Every worker is started from one thread the pool keeps for it: the parent-death
    signal follows the thread that started a process, and the callers' threads (a
    task runner's) may end before the pool does.
    """

    def __init__(self, workers: int, *, timeout: float | None = None,
                 preload: Sequence[str] = (), limits: Limits = NO_LIMITS) -> None:
        if workers < 1:
            raise ValueError("a pool needs at least one worker")
        self.timeout = timeout
        self.limits = limits
        self._starter = ThreadPoolExecutor(1, thread_name_prefix="xxgk-pool-starter")
        self._slots = [_Slot(self._spawn, preload, limits) for _ in range(workers)]
        self._free: queue.SimpleQueue[_Slot] = queue.SimpleQueue()
        self._closed = False

    def _spawn(self, argv: list[str], fds: list[int]) -> subprocess.Popen[bytes]:
        return self._starter.submit(subprocess.Popen, argv, pass_fds=fds).result()

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
        :class:`WorkerTimeout` past the pool's timeout, :class:`LimitExceeded` past a
        limit inside a piece of work, :class:`WorkerCrashed` when the worker died
        otherwise. Either way the worker is replaced for the next call."""
        slot = self._free.get()
        try:
            return slot.call(fn, args, self.timeout)
        finally:
            self._free.put(slot)

    def pids(self) -> list[int]:
        """The worker processes' ids (for tests and diagnostics)."""
        return [pid for slot in self._slots if (pid := slot.pid) is not None]

    def close(self) -> None:
        """Stop the workers (at once, all of them); closing twice does nothing more."""
        if self._closed:
            return
        self._closed = True
        for slot in self._slots:
            slot.ask_to_stop()
        for slot in self._slots:
            slot.wait_stopped()
            slot.close()
        self._starter.shutdown()


__all__ = ["LimitExceeded", "Limits", "WorkerCrashed", "WorkerError", "WorkerPool",
           "WorkerTimeout", "die_with_parent", "limited", "serve"]
