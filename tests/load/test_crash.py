"""kill -9 at random moments of publishing never leaves a dataset partial.

A child process publishes generation after generation (see ``crash_child.py``) and is
killed with SIGKILL at a random moment, several times. Each time, every dataset must
read back exactly as the warehouse of one complete generation — the same generation
for all three — as if that generation had been published from scratch. Both ways of
publishing are covered: rows from memory, and rows staged on disk first (a run's way).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest
from crash_child import generation, state
from frames import batch, merge, publish

import load.snapshot  # (patched by crash_at)
import load.staging  # noqa: F401  (patched by crash_at)
from load.cross_year import carry_checks
from load.schema import DATASETS
from load.staging import STAGE_PREFIX
from load.warehouse import Warehouse

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
KILLS = 3


def spawn(root: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, str(HERE / "crash_child.py"), str(root)],
                            cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    return proc


def go(proc: subprocess.Popen[str]) -> None:
    """Let the child publish, and wait until its first generation is complete."""
    assert proc.stdout is not None and proc.stdin is not None
    assert proc.stdout.readline().strip() == "ready"
    proc.stdin.write("go\n")
    proc.stdin.flush()
    assert proc.stdout.readline().startswith("published")


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns), kind="stable").reset_index(drop=True)


def expected_content(g: int) -> dict[str, pd.DataFrame]:
    """What the warehouse holds after generation ``g``, carry checks included."""
    data = state(g)
    checks = pd.concat([data.checks, carry_checks(data.facts)], ignore_index=True)
    return {"facts": data.facts, "reports": data.reports, "checks": checks}


def assert_whole_generation(root: Path) -> int:
    wh = Warehouse(root, durable=False)
    g = generation(wh)
    expected = expected_content(g)
    for name in DATASETS:
        got = wh.read(name)
        pd.testing.assert_frame_equal(canonical(got), canonical(expected[name]),
                                      obj=f"{name}@{g}")
        for partition in (root / name).glob("*/year=*"):
            assert len(list(partition.iterdir())) == 1, partition
    assert len(pd.read_parquet(root / "facts")) == len(expected["facts"])  # analysts' read
    entries = [p.name for p in (root / ".snapshots").iterdir()]
    staged = [e for e in entries if e.startswith(STAGE_PREFIX)]
    assert len(entries) - len(staged) <= 3  # GC'd at the next publish
    assert len(staged) <= 1  # the killed run's staging folder, until the next run's
    return g


def test_kill_minus_nine_leaves_a_whole_generation(tmp_path: Path) -> None:
    rng = random.Random(os.getpid())
    root = tmp_path / "wh"
    publish(Warehouse(root, durable=False), **state(0).kwargs())
    seen = [0]
    child = spawn(root)
    for _ in range(KILLS):
        go(child)
        following = spawn(root)  # starts (imports) while this one publishes
        time.sleep(rng.uniform(0.0, 0.3))  # a publish takes 0.1–0.3 s: kill inside one
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        seen.append(assert_whole_generation(root))
        assert seen[-1] >= seen[-2]
        child = following
    child.kill()
    child.wait()
    assert seen[-1] >= KILLS


# ---------------------------------------------------------- every step, deterministically

class Crash(BaseException):
    """Stands for a kill: nothing in the warehouse catches it."""


STEPS = [("load.snapshot", "write_parquet"), ("load.snapshot", "link_or_copy"),
         ("load.snapshot", "os"), ("load.warehouse", "replace_symlink"),
         ("load.warehouse", "remove_tree"), ("load.staging", "os")]


class _Os:
    """``os`` for load.snapshot and load.staging, whose ``rename`` (a snapshot's
    completion, a staged file's) can crash."""

    def __init__(self, real: ModuleType, before: Callable[[], None]) -> None:
        self._real, self._before = real, before

    def __getattr__(self, name: str) -> object:
        return getattr(self._real, name)

    def rename(self, src: Path, dst: Path) -> None:
        self._before()
        self._real.rename(src, dst)


def crash_at(monkeypatch: pytest.MonkeyPatch, k: int) -> None:
    """Make the k-th filesystem step of the next publish raise :class:`Crash` instead
    (steps counted as they happen: a publish writes facts on a thread of its own)."""
    count = [0]
    lock = threading.Lock()

    def before() -> None:
        with lock:
            count[0] += 1
            reached = count[0] == k
        if reached:
            raise Crash(k)

    def wrap(real: Callable[..., object]) -> Callable[..., object]:
        def step(*args: object, **kwargs: object) -> object:
            before()
            return real(*args, **kwargs)
        return step

    for module_name, name in STEPS:
        module = sys.modules[module_name]
        real = getattr(module, name)
        monkeypatch.setattr(module, name, _Os(real, before) if name == "os" else wrap(real))


def test_a_crash_at_any_step_leaves_old_or_new_content(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path / "base"
    old_batch = merge(batch("A", (2020, 2021)), batch("", (), failed="C"))
    publish(Warehouse(base, durable=False), **old_batch.kwargs())
    old = {n: Warehouse(base).read(n) for n in DATASETS}
    new_batch = batch("A", (2021, 2022), variant=5, failed="A")
    done = tmp_path / "done"
    shutil.copytree(base, done, symlinks=True)
    publish(Warehouse(done, durable=False), **new_batch.kwargs())
    new = {n: Warehouse(done).read(n) for n in DATASETS}
    outcomes = set()
    for k in range(1, 100):
        root = tmp_path / f"k{k}"
        shutil.copytree(base, root, symlinks=True)
        with monkeypatch.context() as patch:
            crash_at(patch, k)
            try:
                publish(Warehouse(root, durable=False), **new_batch.kwargs())
                finished = True
            except Crash:
                finished = False
        got = {n: Warehouse(root).read(n) for n in DATASETS}
        which = "new" if got["reports"].equals(new["reports"]) else "old"
        for name in DATASETS:
            pd.testing.assert_frame_equal(got[name], (new if which == "new" else old)[name])
        if k % 2 or which not in outcomes:  # every other step, to stay fast
            wh = Warehouse(root, durable=False)  # the next run recovers and cleans up
            publish(wh, **new_batch.kwargs())
            for name in DATASETS:
                pd.testing.assert_frame_equal(wh.read(name), new[name])
            assert len(list((root / ".snapshots").iterdir())) == 2
        outcomes.add(which)
        if finished:
            break
    assert k > 10 and outcomes == {"old", "new"}, k  # 13 steps when written
