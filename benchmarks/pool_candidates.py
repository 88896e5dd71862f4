"""Maintained process pools weighed against the project's own (``load.batch.pool``).

Could pebble's ``ProcessPool`` (a time limit per call), loky's reusable executor or
``concurrent.futures.ProcessPoolExecutor`` take the place of ``load/batch/pool.py``?
The pool's constraints: its workers never import Prefect, even when the parent's main
module does (a deployment runs ``prefect.engine``); a call past its time limit, or
whose worker crashed, costs that call only; a bounded number of reusable workers; a
clean shutdown (no process left, no resource-tracker warning).

Each scenario runs in a fresh child process, whose main module is generated here:

- ``main``: the main module imports ``prefect``, run as ``python FILE.py`` (``script``)
  and as ``python -m MODULE`` (``module``). Two calls held in the two workers at once
  report whether the worker imported Prefect, how long it took to start (process start
  to the call running), its RSS and USS, then the same after importing the project's
  parsing modules (``load.batch.process``, ``extract.report``).
- ``behaviour``: a main module without Prefect. ``basics``: the workers' start-up, the
  cost of a trivial call (``square``, one after the other), RSS after the project's
  imports. Then, each on a fresh pool of two workers, an incident beside a slow call and
  four queued ones: ``timeout``, a call that never returns (time limit 2 s);
  ``sigkill`` (as the OOM killer), ``exit`` (``os._exit(3)``), ``segv``, a worker that
  dies during its call; ``receipt``, a worker that dies while receiving its call (as
  when importing the call's module crashes); ``unpicklable``, a call whose exception
  cannot be unpickled in the parent. After each: how many workers serve again, how long
  the shutdown took, the processes left, what stderr said.

Pools without a time limit per call (loky, concurrent.futures) get the caller's own:
``future.result(timeout=...)``, which stops waiting but not the call.

    PYTHONPATH=. .venv/bin/python benchmarks/pool_candidates.py
    PYTHONPATH=. .venv/bin/python benchmarks/pool_candidates.py --only pebble \\
        --modes behaviour --scenarios timeout,receipt --json /tmp/pool-candidates.json

Candidates: ``load.batch.pool``; ``pebble:spawn|forkserver|loky`` (``ProcessPool`` on
that context; ``loky`` is loky's context, which pebble accepts as a multiprocessing context);
``loky:loky|loky_init_main`` (``get_reusable_executor``); ``cf:spawn|forkserver``
(``concurrent.futures.ProcessPoolExecutor``). Needs pebble, loky and psutil
(``pip install pebble loky``). About 15 minutes, mostly waiting: a pool that cannot stop
a stuck call blocks its shutdown (given 20 s), a pebble pool whose channel lock died
with a worker takes 60 s to notice.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

CANDIDATES = [
    "load.batch.pool",
    "pebble:spawn", "pebble:forkserver", "pebble:loky",
    "loky:loky", "loky:loky_init_main",
    "cf:spawn", "cf:forkserver",
]
WORKERS = 2
TIME_LIMIT = 2.0
INCIDENTS = ["sigkill", "exit", "segv", "unpicklable", "receipt"]


# ------------------------------------------------------------------ calls run in workers
# (this module imports only the standard library at the top: workers import it)

def _proc_age() -> float:
    """Seconds since this process started (``/proc``, 10 ms resolution)."""
    stat = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
    started = int(stat[19]) / os.sysconf("SC_CLK_TCK")
    return float(Path("/proc/uptime").read_text().split()[0]) - started


def _memory_mb() -> tuple[float, float]:
    """RSS and USS (private pages) of this process in MB."""
    fields: dict[str, int] = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0])
    return fields["Rss"] / 1024, (fields["Private_Clean"] + fields["Private_Dirty"]) / 1024


def me() -> dict[str, Any]:
    rss, uss = _memory_mb()
    return {"pid": os.getpid(), "prefect": "prefect" in sys.modules,
            "mp_main": "__mp_main__" in sys.modules, "modules": len(sys.modules),
            "age_s": round(_proc_age(), 2), "rss_mb": round(rss), "uss_mb": round(uss)}


def meet(folder: str, n: int, deadline: float) -> dict[str, Any]:
    """Hold this worker until ``n`` calls are in ``n`` workers (or ``deadline`` s)."""
    info = me()
    Path(folder, str(os.getpid())).touch()
    end = time.monotonic() + deadline
    while len(os.listdir(folder)) < n and time.monotonic() < end:
        time.sleep(0.01)
    info["met"] = len(os.listdir(folder))
    return info


def load_project() -> dict[str, Any]:
    started = time.perf_counter()
    import extract.report  # noqa: F401
    import load.batch.process  # noqa: F401
    info = me()
    info["import_s"] = round(time.perf_counter() - started, 2)
    return info


def square(x: int) -> int:
    return x * x


def slow(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def hang(pidfile: str) -> None:
    Path(pidfile).write_text(str(os.getpid()))
    threading.Event().wait()


def crash(kind: str) -> None:
    if kind == "sigkill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif kind == "exit":
        os._exit(3)
    else:
        import ctypes
        ctypes.string_at(0)  # a segfault


class Unpicklable(Exception):
    """An exception that cannot be rebuilt from its args (its unpickling fails)."""

    def __init__(self, a: str, b: str) -> None:
        super().__init__(f"{a} and {b}")


def unpicklable() -> None:
    raise Unpicklable("one", "two")


class ExitOnReceipt:
    """An argument whose unpickling ends the worker: a crash while the call is being
    received (as when importing the call's module crashes)."""

    def __reduce__(self) -> tuple[Any, ...]:
        return os._exit, (3,)


# ------------------------------------------------------------------ the candidates

class ProjectPool:
    """load.batch.pool.WorkerPool, its blocking ``run`` on threads (as the flow's tasks are)."""

    per_call_limit = True

    def __init__(self, workers: int, limit: float, method: str) -> None:
        from concurrent.futures import ThreadPoolExecutor

        from load.batch.pool import WorkerPool
        self._pool = WorkerPool(workers, timeout=limit).__enter__()
        self._threads = ThreadPoolExecutor(16)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        return self._threads.submit(self._pool.run, fn, *args)

    def close(self) -> None:
        self._pool.close()
        self._threads.shutdown()


class PebblePool:
    per_call_limit = True

    def __init__(self, workers: int, limit: float, method: str) -> None:
        import multiprocessing

        from pebble import ProcessPool
        if method == "loky":
            from loky.backend import get_context
            context = get_context("loky")
        else:
            context = multiprocessing.get_context(method)
        self._pool = ProcessPool(max_workers=workers, context=context)
        self._limit = limit

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        return self._pool.schedule(fn, args=args, timeout=self._limit)

    def close(self) -> None:
        self._pool.close()
        self._pool.join()


class LokyPool:
    """loky's reusable executor, asked for again at each call (it replaces a broken one)."""

    per_call_limit = False

    def __init__(self, workers: int, limit: float, method: str) -> None:
        from loky.backend import get_context
        self._args = {"max_workers": workers, "context": get_context(method),
                      "timeout": 3600}  # loky's timeout: how long an idle worker lives
        self._executor = self._current()

    def _current(self) -> Any:
        from loky import get_reusable_executor
        self._executor = get_reusable_executor(**self._args)
        return self._executor

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        return self._current().submit(fn, *args)

    def close(self) -> None:
        self._executor.shutdown(wait=True)


class FuturesPool:
    per_call_limit = False

    def __init__(self, workers: int, limit: float, method: str) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        self._executor = ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context(method))

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        return self._executor.submit(fn, *args)

    def close(self) -> None:
        self._executor.shutdown(wait=True)


KINDS = {"load.batch.pool": ProjectPool, "pebble": PebblePool, "loky": LokyPool,
         "cf": FuturesPool}


def open_pool(candidate: str, limit: float = TIME_LIMIT) -> Any:
    kind, _, method = candidate.partition(":")
    return KINDS[kind](WORKERS, limit, method)


# ------------------------------------------------------------------ the scenario's side

def _submit(pool: Any, fn: Callable[..., Any], *args: Any) -> Future[Any]:
    """The call's future; a refused submission (a broken pool) as a failed one."""
    try:
        future: Future[Any] = pool.submit(fn, *args)
    except Exception as err:
        future = Future()
        future.set_exception(err)
    future.submitted = time.perf_counter()  # type: ignore[attr-defined]
    future.add_done_callback(_stamp)
    return future


def _stamp(future: Future[Any]) -> None:
    future.done_at = time.perf_counter()  # type: ignore[attr-defined]


def _outcome(future: Future[Any], wait: float) -> str:
    try:
        future.result(timeout=wait)
    except TimeoutError:
        if not future.done():
            return f"caller gave up at {wait:g} s, call still running"
        return f"TimeoutError after {_elapsed(future)}"
    except Exception as err:
        return f"{type(err).__name__} after {_elapsed(future)}"
    return f"ok after {_elapsed(future)}"


def _elapsed(future: Future[Any]) -> str:
    done = getattr(future, "done_at", time.perf_counter())
    return f"{done - future.submitted:.1f} s"  # type: ignore[attr-defined]


def _meet_workers(pool: Any, n: int, deadline: float) -> list[dict[str, Any]]:
    """One call held in each of ``n`` workers at once: what each worker reports."""
    folder = tempfile.mkdtemp(prefix="meet-")
    futures = [_submit(pool, meet, folder, n, deadline) for _ in range(n)]
    infos = []
    for future in futures:
        try:
            infos.append(future.result(timeout=deadline + 300))
        except Exception as err:
            infos.append({"error": type(err).__name__})
    return infos


def _alive(pid: int) -> bool:
    import psutil
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _describe(process: Any) -> str:
    """A helper process of multiprocessing or loky, else a worker (a forkserver's
    children, forked, show its command line too)."""
    try:
        line = " ".join(process.cmdline())
        direct = process.ppid() == os.getpid()
    except Exception:
        return "?"
    for helper in ("resource_tracker", "forkserver"):
        if helper in line and direct:
            return helper
    return "worker"


def close_and_check(pool: Any) -> dict[str, Any]:
    """Close the pool (20 s at most), then the processes this one still has."""
    import psutil
    started = time.perf_counter()
    closer = threading.Thread(target=pool.close, daemon=True)
    closer.start()
    closer.join(20)
    report: dict[str, Any] = {"close_s": round(time.perf_counter() - started, 2),
                              "close_blocked": closer.is_alive()}
    time.sleep(0.5)
    left = [p for p in psutil.Process().children(recursive=True) if _alive(p.pid)]
    report["left"] = sorted(_describe(p) for p in left)
    report["left_pids"] = [p.pid for p in left]
    if closer.is_alive():  # a stuck call holds the shutdown: end what we started
        for process in left:
            if _describe(process) == "worker":
                process.kill()
    return report


def scenario_main(candidate: str) -> dict[str, Any]:
    started = time.perf_counter()
    pool = open_pool(candidate, limit=600)
    infos = _meet_workers(pool, WORKERS, 300)
    ready = time.perf_counter() - started
    project = _submit(pool, load_project).result(timeout=600)
    return {"ready_s": round(ready, 2), "workers": infos, "project": project,
            **close_and_check(pool)}


def scenario_basics(candidate: str) -> dict[str, Any]:
    started = time.perf_counter()
    pool = open_pool(candidate)
    infos = _meet_workers(pool, WORKERS, 60)
    ready = time.perf_counter() - started
    for x in range(20):  # warm
        pool.submit(square, x).result()
    times = []
    for x in range(300):
        t = time.perf_counter()
        pool.submit(square, x).result()
        times.append(time.perf_counter() - t)
    times.sort()
    project = pool.submit(load_project).result(timeout=300)
    return {"ready_s": round(ready, 2), "workers": infos,
            "call_us_median": round(times[len(times) // 2] * 1e6),
            "call_us_mean": round(sum(times) / len(times) * 1e6), "project": project,
            **close_and_check(pool)}


def _others(pool: Any, futures: dict[str, Future[Any]]) -> None:
    futures["slow"] = _submit(pool, slow, 1.0)
    time.sleep(0.1)
    for i in range(4):
        futures[f"queued{i}"] = _submit(pool, square, i)


def _after(pool: Any) -> dict[str, Any]:
    """How many workers serve calls after the incident (two calls held at once)."""
    infos = _meet_workers(pool, WORKERS, 10)
    met = max((info.get("met", 0) for info in infos), default=0)
    errors = [info["error"] for info in infos if "error" in info]
    return {"serving_after": met, "after_errors": errors}


def scenario_timeout(candidate: str) -> dict[str, Any]:
    pool = open_pool(candidate)
    _meet_workers(pool, WORKERS, 60)  # both workers up
    pidfile = Path(tempfile.mkdtemp(prefix="hang-"), "pid")
    futures = {"stuck": _submit(pool, hang, str(pidfile))}
    time.sleep(0.3)
    _others(pool, futures)
    outcomes = {}
    for name, future in futures.items():
        caller_limit = name == "stuck" and not pool.per_call_limit
        outcomes[name] = _outcome(future, TIME_LIMIT if caller_limit else 120)
    time.sleep(1)
    stuck_pid = int(pidfile.read_text()) if pidfile.exists() else None
    report = {"outcomes": outcomes,
              "stuck_worker_alive": stuck_pid is not None and _alive(stuck_pid)}
    report.update(_after(pool))
    report.update(close_and_check(pool))
    return report


def _incident(kind: str) -> tuple[Any, ...]:
    if kind == "unpicklable":
        return (unpicklable,)
    if kind == "receipt":
        return square, ExitOnReceipt()
    return crash, kind


def scenario_incident(candidate: str, kind: str) -> dict[str, Any]:
    """A worker that dies (or a call whose error cannot come back) beside a slow call
    and queued ones."""
    pool = open_pool(candidate)
    _meet_workers(pool, WORKERS, 60)
    futures = {"slow": _submit(pool, slow, 1.5)}
    time.sleep(0.3)
    futures[kind] = _submit(pool, *_incident(kind))
    time.sleep(0.1)
    for i in range(4):
        futures[f"queued{i}"] = _submit(pool, square, i)
    report: dict[str, Any] = {"outcomes": {n: _outcome(f, 120) for n, f in futures.items()}}
    report.update(_after(pool))
    report.update(close_and_check(pool))
    return report


def scenario(argv: list[str]) -> None:
    """A scenario's child process: run it, print its report as one JSON line."""
    what, candidate = argv[0], argv[1]
    if what == "main":
        report = scenario_main(candidate)
    elif what == "basics":
        report = scenario_basics(candidate)
    elif what == "timeout":
        report = scenario_timeout(candidate)
    else:
        report = scenario_incident(candidate, what)
    print("REPORT " + json.dumps(report), flush=True)


# ------------------------------------------------------------------ the driver

MAIN = """\
{imports}import sys

from benchmarks.pool_candidates import scenario

if __name__ == "__main__":
    scenario(sys.argv[1:])
"""


def write_mains(folder: Path) -> None:
    prefect = "import prefect  # noqa: F401  (as a deployment's main module does)\n"
    (folder / "with_prefect.py").write_text(MAIN.format(imports=prefect), encoding="utf-8")
    (folder / "plain.py").write_text(MAIN.format(imports=""), encoding="utf-8")


def run_child(folder: Path, launch: str, main: str, args: list[str]) -> dict[str, Any]:
    target = ["-m", main] if launch == "module" else [str(folder / f"{main}.py")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT)])}
    started = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, *target, *args], cwd=folder, env=env,
                              capture_output=True, text=True, timeout=900)
        out, err = done.stdout, done.stderr
    except subprocess.TimeoutExpired as expired:
        out, err = str(expired.stdout or ""), "scenario timed out"
    lines = [line for line in out.splitlines() if line.startswith("REPORT ")]
    report = json.loads(lines[-1][7:]) if lines else {"failed": err.strip()[-600:]}
    report["wall_s"] = round(time.perf_counter() - started, 1)
    report["stderr"] = [line for line in err.splitlines()
                        if any(w in line for w in ("resource_tracker", "leaked", "Warning",
                                                   "Error", "Traceback"))][:6]
    time.sleep(1)
    report["orphans"] = _end_orphans(report.get("left_pids", []))
    return report


def _end_orphans(pids: list[int]) -> list[int]:
    """Processes of the scenario still running after it exited: ended here."""
    orphans = [pid for pid in pids if _alive(pid)]
    for pid in orphans:
        os.kill(pid, signal.SIGKILL)
    return orphans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="candidates whose name contains this")
    parser.add_argument("--modes", default="main,behaviour")
    parser.add_argument("--scenarios", default="",
                        help="only these (comma-separated: main/script, timeout, segv…)")
    parser.add_argument("--json", type=Path)
    options = parser.parse_args()
    candidates = [c for c in CANDIDATES if options.only in c]
    modes = options.modes.split(",")
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="pool-candidates-") as tmp:
        folder = Path(tmp)
        write_mains(folder)
        for candidate in candidates:
            runs: list[tuple[str, str, list[str]]] = []
            if "main" in modes:
                runs += [(f"main/{launch}", launch, ["main"]) for launch in ("script", "module")]
            if "behaviour" in modes:
                runs += [(what, "script", [what]) for what in ("basics", "timeout", *INCIDENTS)]
            if options.scenarios:
                runs = [run for run in runs if run[0] in options.scenarios.split(",")]
            for name, launch, args in runs:
                main_module = "with_prefect" if name.startswith("main") else "plain"
                report = run_child(folder, launch, main_module, [*args, candidate])
                results.setdefault(candidate, {})[name] = report
                print(f"{candidate:22} {name:12} {summarise(name, report)}", flush=True)
    if options.json:
        options.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


def summarise(name: str, report: dict[str, Any]) -> str:
    if "failed" in report:
        return f"FAILED: {report['failed'][-300:]}"
    tail = (f"close {report['close_s']} s{' BLOCKED' if report['close_blocked'] else ''}; "
            f"left {report['left'] or 'none'}; orphans {report['orphans'] or 'none'}; "
            f"stderr {report['stderr'] or 'clean'}")
    if name.startswith("main") or name == "basics":
        workers = ", ".join(
            f"pid {w.get('pid')}: prefect={w.get('prefect')} age {w.get('age_s')} s "
            f"rss {w.get('rss_mb')} MB uss {w.get('uss_mb')} MB" for w in report["workers"])
        project = report["project"]
        extra = (f"call {report['call_us_median']} µs median ({report['call_us_mean']} mean); "
                 if name == "basics" else "")
        return (f"ready {report['ready_s']} s [{workers}]; {extra}after project imports: "
                f"rss {project['rss_mb']} MB uss {project['uss_mb']} MB prefect="
                f"{project['prefect']} ({project['import_s']} s); {tail}")
    incident = (f"stuck worker alive={report['stuck_worker_alive']}; "
                if name == "timeout" else "")
    return (f"{report['outcomes']}; {incident}serving after: {report['serving_after']} "
            f"{report['after_errors'] or ''}; {tail}")


if __name__ == "__main__":
    main()
