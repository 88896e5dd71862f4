"""The warehouse never writes or deletes through a link, and says in one line why it
cannot write: a read-only or full disk, a path that is a file.

The machine's tests run as root, whom permissions do not stop, and mounting a small
file system needs root: a read-only or full disk is simulated by making the system
call fail as it would.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from frames import batch, publish

import load.snapshot
import load.warehouse
from load.schema import DATASETS, as_table
from load.staging import write_staged
from load.warehouse import Warehouse, WarehouseError

PRECIOUS = "somebody else's file\n"


@pytest.fixture
def wh(tmp_path: Path) -> Warehouse:
    wh = Warehouse(tmp_path / "wh", durable=False)
    publish(wh, **batch("AB", [2020, 2021]).kwargs())
    return wh


def precious(tmp_path: Path) -> Path:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    file = elsewhere / "keep.txt"
    file.write_text(PRECIOUS, encoding="utf-8")
    return file


def contents(wh: Warehouse) -> dict[str, pd.DataFrame]:
    return {name: wh.read(name) for name in DATASETS}


def one_line(err: pytest.ExceptionInfo[BaseException]) -> str:
    message = str(err.value)
    assert "\n" not in message
    return message


# ------------------------------------------------------------------------------ links

def test_a_lock_file_linked_elsewhere_is_refused_not_truncated(tmp_path: Path) -> None:
    target = precious(tmp_path)
    root = tmp_path / "wh"
    root.mkdir()
    os.symlink(target, root / ".lock")
    with pytest.raises(WarehouseError) as err, Warehouse(root).locked():
        pass
    assert f"{root / '.lock'} is a symbolic link" in one_line(err)
    assert target.read_text(encoding="utf-8") == PRECIOUS


def test_a_lock_file_with_another_name_is_refused_not_truncated(tmp_path: Path) -> None:
    target = precious(tmp_path)
    root = tmp_path / "wh"
    root.mkdir()
    os.link(target, root / ".lock")
    with pytest.raises(WarehouseError, match="another name"), Warehouse(root).locked():
        pass
    assert target.read_text(encoding="utf-8") == PRECIOUS


def test_a_linked_snapshots_folder_is_refused_and_nothing_there_deleted(
        wh: Warehouse, tmp_path: Path) -> None:
    target = precious(tmp_path)
    (wh.snapshots_dir / "keep").mkdir()
    os.rename(wh.snapshots_dir, tmp_path / "moved")
    os.symlink(target.parent, wh.snapshots_dir)
    with pytest.raises(WarehouseError) as err:
        publish(wh, **batch("A", [2020], 1).kwargs())
    assert f"{wh.snapshots_dir} is a symbolic link" in one_line(err)
    assert target.read_text(encoding="utf-8") == PRECIOUS


def test_a_current_pointer_outside_the_snapshots_is_refused(wh: Warehouse,
                                                            tmp_path: Path) -> None:
    before = sorted(p.name for p in wh.snapshots_dir.iterdir())
    precious(tmp_path)
    os.unlink(wh.root / ".current")
    os.symlink("../elsewhere", wh.root / ".current")
    with pytest.raises(WarehouseError) as err:
        publish(wh, **batch("A", [2020], 1).kwargs())
    assert "points at ../elsewhere, not into .snapshots/" in one_line(err)
    assert sorted(p.name for p in wh.snapshots_dir.iterdir()) == before


def test_a_current_pointer_that_is_not_a_link_is_refused(wh: Warehouse) -> None:
    os.unlink(wh.root / ".current")
    (wh.root / ".current").mkdir()
    with pytest.raises(WarehouseError, match="is a directory"):
        publish(wh, **batch("A", [2020], 1).kwargs())


def test_a_link_inside_the_snapshots_is_removed_not_followed(wh: Warehouse,
                                                             tmp_path: Path) -> None:
    target = precious(tmp_path)
    os.symlink(target.parent, wh.snapshots_dir / "stray")
    publish(wh, **batch("A", [2020], 1).kwargs())
    assert not (wh.snapshots_dir / "stray").is_symlink()
    assert target.read_text(encoding="utf-8") == PRECIOUS


# ----------------------------------------------------------------- disks that refuse

def failing(code: int, when: Callable[..., bool] = lambda *a, **k: True
            ) -> Callable[[Callable[..., object]], Callable[..., object]]:
    """Wrap a function so that it fails with ``code`` (when ``when`` says so)."""
    def wrap(real: Callable[..., object]) -> Callable[..., object]:
        def call(*args: object, **kwargs: object) -> object:
            if when(*args, **kwargs):
                raise OSError(code, os.strerror(code), str(args[0]) if args else None)
            return real(*args, **kwargs)
        return call
    return wrap


def test_a_warehouse_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "wh"
    root.write_text("not a warehouse", encoding="utf-8")
    with pytest.raises(WarehouseError) as err, Warehouse(root).locked():
        pass
    assert one_line(err) == f"warehouse {root} is a file, not a directory"


def test_a_read_only_file_system_is_refused_at_the_lock(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "wh"
    root.mkdir()
    in_root = lambda path, *a, **k: str(path).startswith(str(root))  # noqa: E731
    monkeypatch.setattr(os, "open", failing(errno.EROFS, in_root)(os.open))
    with pytest.raises(WarehouseError) as err, Warehouse(root).locked():
        pass
    assert one_line(err).startswith(
        f"warehouse {root} cannot be written: it is on a read-only file system")


def test_a_folder_without_write_permission_is_refused_at_the_lock(
        wh: Warehouse, monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: not mode & os.W_OK and real(path, mode))
    with pytest.raises(WarehouseError) as err, wh.locked():
        pass
    assert one_line(err).startswith(f"warehouse {wh.root} cannot be written: permission denied")


def test_a_full_disk_when_the_lock_is_taken_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "pwrite", failing(errno.ENOSPC)(os.pwrite))
    with pytest.raises(WarehouseError, match="cannot be written: the disk is full"), \
            Warehouse(tmp_path / "wh").locked():
        pass


@pytest.mark.parametrize("step", ["write_parquet", "link_or_copy"])
def test_a_full_disk_while_publishing_removes_the_half_built_snapshot_at_once(
        wh: Warehouse, monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    before, entries = contents(wh), sorted(wh.snapshots_dir.iterdir())
    monkeypatch.setattr(load.snapshot, step, failing(errno.ENOSPC)(getattr(load.snapshot, step)))
    with pytest.raises(WarehouseError) as err:
        publish(wh, **batch("A", [2020], 1).kwargs())
    assert one_line(err).startswith(f"warehouse {wh.root} cannot be written: the disk is full")
    assert sorted(wh.snapshots_dir.iterdir()) == entries  # nothing left for the next run
    for name, frame in contents(wh).items():
        pd.testing.assert_frame_equal(frame, before[name])


def test_a_snapshot_complete_but_never_current_is_removed_at_once(
        wh: Warehouse, monkeypatch: pytest.MonkeyPatch) -> None:
    before, entries = contents(wh), sorted(wh.snapshots_dir.iterdir())
    monkeypatch.setattr(load.warehouse, "replace_symlink",
                        failing(errno.ENOSPC)(load.warehouse.replace_symlink))
    with pytest.raises(WarehouseError, match="the disk is full"):
        publish(wh, **batch("A", [2020], 1).kwargs())
    assert sorted(wh.snapshots_dir.iterdir()) == entries
    for name, frame in contents(wh).items():
        pd.testing.assert_frame_equal(frame, before[name])


def test_a_full_disk_while_staging_leaves_no_file_and_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import load.staging

    folder = tmp_path / "stage"
    folder.mkdir()
    real = load.staging._write_ipc

    def full_disk(table: object, path: Path) -> None:  # the file is begun, not finished
        real(table, path)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(load.staging, "_write_ipc", full_disk)
    data = batch("A", [2020])
    with pytest.raises(WarehouseError) as err:
        write_staged(folder, {"facts": as_table(data.facts, "facts")})
    assert one_line(err).startswith(f"staging folder {folder} cannot be written: the disk")
    assert list(folder.iterdir()) == []
