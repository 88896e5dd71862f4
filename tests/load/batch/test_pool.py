"""The lean worker pool (load.batch.pool): results, errors, crashes, time limits, the
limits of a piece of work (processor time, memory) and the workers' lifetime.

No Prefect here: the pool is plain multiprocessing, and its workers must never import
Prefect (that is its point).
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pool_jobs
import pytest

from extract.source import TransientReadError
from load.batch.pool import (
    LimitExceeded,
    Limits,
    WorkerCrashed,
    WorkerError,
    WorkerPool,
    WorkerTimeout,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]


@pytest.fixture
def pool() -> Iterator[WorkerPool]:
    with WorkerPool(2, timeout=60) as pool:
        yield pool


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_calls_run_in_worker_processes(pool: WorkerPool) -> None:
    assert pool.run(pool_jobs.square, 7) == 49
    assert pool.run(pool_jobs.pid) in pool.pids()
    assert os.getpid() not in pool.pids() and len(pool.pids()) == 2


def test_workers_import_the_libraries_but_never_prefect(pool: WorkerPool) -> None:
    assert pool.run(pool_jobs.imported, "load.batch.process")  # pool_jobs imports it
    assert not pool.run(pool_jobs.imported, "prefect")


def test_workers_do_not_import_the_parents_main_module(tmp_path: Path) -> None:
    """As a multiprocessing child would: in a Prefect deployment the main module is
    prefect.engine, and each worker would import Prefect."""
    (tmp_path / "heavy_marker.py").write_text("", encoding="utf-8")
    (tmp_path / "main.py").write_text(textwrap.dedent("""
        import heavy_marker  # what the main module imports
        import pool_jobs
        from load.batch.pool import WorkerPool

        if __name__ == "__main__":
            with WorkerPool(1) as pool:
                print(pool.run(pool_jobs.imported, "heavy_marker"))
    """), encoding="utf-8")
    path = os.pathsep.join([str(tmp_path), str(HERE), str(ROOT)])
    out = subprocess.run([sys.executable, str(tmp_path / "main.py")], capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": path}, cwd=ROOT,
                         timeout=120, check=True).stdout
    assert out.strip() == "False"


def test_an_error_comes_back_with_its_type_and_the_worker_survives(pool: WorkerPool) -> None:
    before = set(pool.pids())
    with pytest.raises(TransientReadError) as caught:  # a retry condition sees the type
        pool.run(pool_jobs.transient, "a/2020.txt")
    assert caught.value.errno == 5
    assert any("in the worker process" in note for note in caught.value.__notes__)
    with pytest.raises(WorkerError, match="Picky: one and two"):
        pool.run(pool_jobs.picky)  # cannot be unpickled: a stand-in says what it was
    with pytest.raises(BrokenPipeError):
        pool.run(pool_jobs.broken_pipe)
    assert set(pool.pids()) == before


def test_a_crashed_worker_costs_only_its_call(pool: WorkerPool) -> None:
    results: list[int] = []
    with pytest.raises(WorkerCrashed, match="SIGKILL"):
        pool.run(pool_jobs.die)
    # The slot got a fresh worker; both slots serve calls again, concurrently too.
    threads = [threading.Thread(target=lambda x=x: results.append(pool.run(pool_jobs.square, x)))
               for x in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 1, 4, 9, 16, 25]
    assert len(pool.pids()) == 2


def test_a_crash_while_another_call_runs_leaves_that_call_alone(pool: WorkerPool) -> None:
    outcome: dict[str, object] = {}

    def crash() -> None:
        try:
            pool.run(pool_jobs.die)
        except WorkerCrashed as err:
            outcome["crash"] = err

    thread = threading.Thread(target=crash)
    thread.start()
    outcome["square"] = pool.run(pool_jobs.square, 12)
    thread.join()
    assert outcome["square"] == 144 and isinstance(outcome["crash"], WorkerCrashed)


def test_a_call_past_the_time_limit_is_stopped_and_its_worker_killed() -> None:
    with WorkerPool(1, timeout=1) as pool:
        stuck = pool.pids()[0]
        with pytest.raises(WorkerTimeout, match="killed"):
            pool.run(pool_jobs.hang)  # never returns: only the time limit ends it
        assert not _alive(stuck)
        assert pool.run(pool_jobs.square, 3) == 9  # a fresh worker took its place
        assert pool.pids()[0] != stuck


def test_closing_the_pool_stops_its_workers() -> None:
    with WorkerPool(2) as pool:
        pool.run(pool_jobs.square, 2)
        pids = pool.pids()
    assert pids and not any(_alive(pid) for pid in pids)
    assert pool.pids() == []


def test_a_pool_needs_a_worker() -> None:
    with pytest.raises(ValueError):
        WorkerPool(0)


def test_workers_import_the_preloaded_modules_before_any_call() -> None:
    module = "xml.dom.minidom"  # nothing the pool or the probe imports
    with WorkerPool(1) as plain:
        assert not plain.run(pool_jobs.imported, module)
    with WorkerPool(1, preload=[module, "no_such_module_here"]) as pool:
        assert pool.run(pool_jobs.imported, module)  # a failed preload is no failure
        with pytest.raises(ModuleNotFoundError):  # the call that needs it says why
            pool.run(pool_jobs.import_module, "no_such_module_here")


def test_stopped_workers_exit_cleanly_and_at_once() -> None:
    pool = WorkerPool(2).__enter__()
    pool.run(pool_jobs.square, 2)
    processes = [slot._process for slot in pool._slots]
    pool.close()
    assert [p.returncode for p in processes if p is not None] == [0, 0]


# ------------------------------------------------------------------ limits and lifetime

MB = 2**20


def test_a_marked_piece_of_work_past_its_processor_time_ends_its_worker_alone() -> None:
    with WorkerPool(2, timeout=60, limits=Limits(seconds=1)) as pool:
        outcome: dict[str, object] = {}

        def neighbour() -> None:  # a call beside it, in the other worker, is untouched
            outcome["neighbour"] = pool.run(pool_jobs.spin, 0.5)

        thread = threading.Thread(target=neighbour)
        thread.start()
        started = time.monotonic()
        with pytest.raises(LimitExceeded) as caught:
            pool.run(pool_jobs.spin_in, "a/2020.pdf", 60)
        thread.join()
        assert time.monotonic() - started < 30
        assert (caught.value.resource, caught.value.label) == ("time", "a/2020.pdf")
        assert "while on a/2020.pdf" in str(caught.value)
        assert outcome["neighbour"] >= 0.5
        # Time outside a marked piece is not limited; the slot has a fresh worker.
        assert pool.run(pool_jobs.spin, 1.5) >= 1.5
        assert pool.run(pool_jobs.spin_in, "b", 0.2) >= 0.2


def test_a_call_past_its_memory_gets_a_memory_error_and_its_worker_serves_on() -> None:
    with WorkerPool(1, timeout=60, limits=Limits(memory=200 * MB)) as pool:
        worker = pool.pids()[0]
        with pytest.raises(MemoryError):
            pool.run(pool_jobs.hold_in, "big", 400 * MB)
        with pytest.raises(MemoryError):  # outside a marked piece too: the call's limit
            pool.run(pool_jobs.hold, 400 * MB)
        assert pool.run(pool_jobs.hold_in, "small", 100 * MB) == 100 * MB
        assert pool.pids() == [worker]
    with WorkerPool(1, timeout=60) as unlimited:
        assert unlimited.run(pool_jobs.hold, 400 * MB) == 400 * MB


def test_a_worker_aborting_in_a_marked_piece_ran_out_of_memory() -> None:
    """C libraries (PDFium) abort when an allocation fails under the limit; any other
    death in a marked piece is a crash of that piece, outside any piece the call's."""
    with WorkerPool(1, timeout=60, limits=Limits(memory=500 * MB)) as pool:
        with pytest.raises(LimitExceeded) as aborted:
            pool.run(pool_jobs.abort_in, "a/2021.pdf")
        assert (aborted.value.resource, aborted.value.label) == ("memory", "a/2021.pdf")
        with pytest.raises(WorkerCrashed) as crashed:
            pool.run(pool_jobs.segfault_in, "a/2022.pdf")
        assert not isinstance(crashed.value, LimitExceeded)
        assert crashed.value.label == "a/2022.pdf" and "SIGSEGV" in str(crashed.value)
        with pytest.raises(WorkerCrashed) as outside:
            pool.run(pool_jobs.die)
        assert outside.value.label is None
        assert pool.run(pool_jobs.square, 4) == 16
    with WorkerPool(1, timeout=60) as unlimited, pytest.raises(WorkerCrashed) as plain:
        unlimited.run(pool_jobs.abort_in, "x")  # no memory limit: just a crash
    assert not isinstance(plain.value, LimitExceeded)


def test_marking_work_outside_a_worker_limits_nothing() -> None:
    assert pool_jobs.spin_in("here", 0.01) >= 0.01


def test_the_errors_survive_pickling() -> None:
    err = LimitExceeded("ended", "a/2020.pdf", int(signal.SIGPROF))
    back = pickle.loads(pickle.dumps(err))
    assert (str(back), back.label, back.resource) == ("ended", "a/2020.pdf", "time")


def _running(pid: int) -> bool:
    """Alive and not a zombie (a container's init may never reap an orphan)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _wait_until_gone(pids: list[int], seconds: float = 10) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(_running(p) for p in pids):
        time.sleep(0.05)
    return [p for p in pids if _running(p)]


def test_busy_workers_die_with_the_process_that_started_them(tmp_path: Path) -> None:
    script = textwrap.dedent("""
        import threading, time
        import pool_jobs
        from load.batch.pool import WorkerPool

        pool = WorkerPool(2).__enter__()
        threads = [threading.Thread(target=pool.run, args=(pool_jobs.square, 1))
                   for _ in range(2)]  # both workers through their imports
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for _ in range(2):  # both busy, for ever
            threading.Thread(target=pool.run, args=(pool_jobs.hang,), daemon=True).start()
        time.sleep(1)
        print(*pool.pids(), flush=True)
        time.sleep(120)
    """)
    path = os.pathsep.join([str(HERE), str(ROOT)])
    owner = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                             text=True, env={**os.environ, "PYTHONPATH": path}, cwd=ROOT)
    try:
        assert owner.stdout is not None
        pids = [int(p) for p in owner.stdout.readline().split()]
        assert len(pids) == 2 and all(_running(p) for p in pids)
    finally:
        owner.kill()
        owner.wait()
    assert _wait_until_gone(pids) == []


def test_a_worker_started_from_a_callers_thread_outlives_that_thread() -> None:
    """The parent-death signal follows the thread that started a worker: the pool starts
    them all from a thread of its own, so a task runner's threads may come and go."""
    with WorkerPool(1, timeout=60) as pool:
        with pytest.raises(WorkerCrashed):
            pool.run(pool_jobs.die)
        started: list[int] = []
        thread = threading.Thread(target=lambda: started.append(pool.run(pool_jobs.pid)))
        thread.start()  # the slot's fresh worker is started for this thread's call
        thread.join()
        time.sleep(0.5)
        assert pool.run(pool_jobs.pid) == started[0] and _running(started[0])
