"""The warehouse lock: one writer at a time, a clear message, released when killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from frames import batch, publish

from load.warehouse import Warehouse, WarehouseBusy

REPO = Path(__file__).resolve().parents[2]
HOLDER = """
import sys, time
from load.warehouse import Warehouse
with Warehouse(sys.argv[1]).locked():
    print("locked", flush=True)
    time.sleep(60)
"""


def hold_lock(root: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(root)], cwd=REPO,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_second_process_is_told_who_holds_the_lock(tmp_path: Path) -> None:
    root = tmp_path / "wh"
    holder = hold_lock(root)
    try:
        wh = Warehouse(root, durable=False)
        with pytest.raises(WarehouseBusy) as err, wh.locked():
            pass
        message = str(err.value)
        assert str(root) in message
        assert f"process {holder.pid}" in message
        assert "started 20" in message  # ISO start time
        with pytest.raises(WarehouseBusy):
            publish(wh, **batch("A", [2020]).kwargs())
    finally:
        holder.kill()
        holder.wait()


def test_lock_is_released_when_the_holder_is_killed(tmp_path: Path) -> None:
    root = tmp_path / "wh"
    holder = hold_lock(root)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    wh = Warehouse(root, durable=False)
    with wh.locked():
        pass
    publish(wh, **batch("A", [2020]).kwargs())
    assert len(wh.ledger()) == 1


def test_lock_is_reentrant_within_one_instance_only(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "wh", durable=False)
    other = Warehouse(tmp_path / "wh", durable=False)
    with wh.locked():
        with wh.locked():
            publish(wh, **batch("A", [2020]).kwargs())  # publish takes the lock itself
        with pytest.raises(WarehouseBusy, match=f"process {os.getpid()}"), other.locked():
            pass
    with other.locked():  # released on leaving
        pass
