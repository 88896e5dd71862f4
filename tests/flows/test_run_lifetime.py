"""The run's lifetime: ``xxgk run`` in a process of its own, stopped by SIGTERM or
killed while its workers parse, takes its temporary Prefect server and its workers with
it; SIGTERM cleans up as Ctrl-C does (staging removed, lock released, nothing
published).

Each run here starts its own server, not the session's (``conftest.py``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from processes import children, running

from load.warehouse import Warehouse
from synth import generate_report, hostile
from synth.corpus import write_corpus

ROOT = Path(__file__).resolve().parents[2]


def _source(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    write_corpus(src, n_agencies=3, years=range(2019, 2023), seed=7)
    return src


def _still_running(pids: list[int], seconds: float = 15) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(running(p) for p in pids):
        time.sleep(0.1)
    return [p for p in pids if running(p)]


def _run_in_batches(tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path, dict[int, str]]:
    """``xxgk run`` in a process of its own, on its own temporary server, caught while
    its workers parse (two slow files keep them busy); its server and workers."""
    src, wh = _source(tmp_path), tmp_path / "wh"
    for i, agency in enumerate(sorted(p for p in src.iterdir() if p.is_dir())[:2]):
        slow = generate_report(i, layout="pipe", encoding="utf-8").data
        (agency / "2025.txt").write_bytes(hostile.padded_text(slow))
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    run = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "run", "--source", str(src), "--warehouse",
         str(wh), "--quiet"], cwd=ROOT, env={**env, "XXGK_FILE_CPU_SECONDS": "120"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while not list((wh / ".snapshots").glob(".tmp-stage-*")):
        assert run.poll() is None and time.monotonic() < deadline, "the run never staged"
        time.sleep(0.05)
    spawned = children(run.pid)
    assert sum("uvicorn" in c for c in spawned.values()) == 1, spawned
    assert sum("load.batch.pool" in c for c in spawned.values()) == 2, spawned
    return run, wh, spawned


def test_sigterm_stops_a_run_as_ctrl_c_does(tmp_path: Path) -> None:
    run, wh, children = _run_in_batches(tmp_path)
    run.terminate()
    assert run.wait(timeout=60) == 130
    assert _still_running(list(children)) == []
    assert not list((wh / ".snapshots").glob(".tmp-*"))  # the staging folder removed
    with Warehouse(wh).locked():  # released
        pass
    assert not (wh / "reports").exists()  # nothing published


def test_a_killed_run_takes_its_server_and_workers_with_it(tmp_path: Path) -> None:
    run, wh, children = _run_in_batches(tmp_path)
    run.kill()
    run.wait()
    assert _still_running(list(children)) == []
    with Warehouse(wh).locked():  # a lock dies with its process
        pass
