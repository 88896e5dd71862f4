"""The lean worker pool (load.batch.pool): results, errors, crashes and time limits.

No Prefect here: the pool is plain multiprocessing, and its workers must never import
Prefect (that is its point).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pool_jobs
import pytest

from extract.source import TransientReadError
from load.batch.pool import WorkerCrashed, WorkerError, WorkerPool, WorkerTimeout

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
