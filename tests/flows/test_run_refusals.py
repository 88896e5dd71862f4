"""``xxgk run`` on a warehouse it cannot write: one line naming the warehouse and the
reason, exit 2, before anything is parsed.

The tests run as root, whom permissions do not stop, and mounting a small file system
needs root: a read-only or full disk is simulated by failing the system call that
meets it first.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from flows.cli import main


def refusal(tmp_path: Path, warehouse: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Run ``xxgk run`` on an empty source; the one line it printed."""
    (tmp_path / "src").mkdir()
    assert main(["run", "--source", str(tmp_path / "src"), "--warehouse", str(warehouse)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1, captured
    assert "Traceback" not in captured.err
    return captured.err.rstrip("\n")


def failing(code: int, real: Callable[..., object],
            when: Callable[[object], bool] = lambda path: True) -> Callable[..., object]:
    def call(first: object, *args: object, **kwargs: object) -> object:
        if when(first):
            raise OSError(code, os.strerror(code), str(first))
        return real(first, *args, **kwargs)
    return call


def test_a_warehouse_path_that_is_a_file(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "wh"
    file.write_text("", encoding="utf-8")
    assert refusal(tmp_path, file, capsys) == f"xxgk: warehouse {file} is a file, not a directory"


def test_a_read_only_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    wh = tmp_path / "wh"
    wh.mkdir()
    monkeypatch.setattr(os, "open", failing(errno.EROFS, os.open,
                                            lambda path: str(path).startswith(str(wh))))
    assert refusal(tmp_path, wh, capsys).startswith(
        f"xxgk: warehouse {wh} cannot be written: it is on a read-only file system")


def test_a_full_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(os, "pwrite", failing(errno.ENOSPC, os.pwrite))
    wh = tmp_path / "wh"
    assert refusal(tmp_path, wh, capsys).startswith(
        f"xxgk: warehouse {wh} cannot be written: the disk is full")


def test_a_lock_file_linked_elsewhere(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    wh = tmp_path / "wh"
    wh.mkdir()
    (tmp_path / "other").write_text("keep me\n", encoding="utf-8")
    (wh / ".lock").symlink_to(tmp_path / "other")
    assert refusal(tmp_path, wh, capsys).startswith(f"xxgk: {wh / '.lock'} is a symbolic link")
    assert (tmp_path / "other").read_text(encoding="utf-8") == "keep me\n"


def test_a_warehouse_whose_folder_does_not_exist(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    wh = tmp_path / "typo" / "wh"
    assert refusal(tmp_path, wh, capsys) == (f"xxgk: warehouse {wh} cannot be made: its "
                                             f"folder {tmp_path / 'typo'} does not exist")
    assert not (tmp_path / "typo").exists()
