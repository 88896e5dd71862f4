"""Snapshots' manifests and how many snapshots a warehouse keeps."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from frames import batch, publish

from load.manifest import KEEP_SETTING, MANIFEST_FILE, RetentionError, RunInfo, keep_snapshots
from load.warehouse import Warehouse

YEARS = (2019, 2020)


def _publish(wh: Warehouse, variant: int, run_id: str = "run") -> str:
    data = batch("AB", YEARS, variant, failed="A", run_id=run_id)
    return publish(wh, **data.kwargs(), info=RunInfo(run_id, "/data/raw", "ab" * 32)).snapshot


def _kept(root: Path) -> list[str]:
    return sorted(e.name for e in (root / ".snapshots").iterdir())


def test_every_publish_writes_a_complete_manifest(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "wh")  # durable: the fsync path runs too
    first = _publish(wh, 0, "r1")
    second = _publish(wh, 1, "r2")
    manifest = json.loads((tmp_path / "wh/.snapshots" / second / MANIFEST_FILE).read_text())
    assert manifest["snapshot"] == second and manifest["parent"] == first
    assert manifest["run_id"] == "r2"
    assert manifest["source_root"] == "/data/raw"
    assert manifest["registry_sha256"] == "ab" * 32
    assert manifest["xxgk_version"]  # the installed distribution's
    created = datetime.fromisoformat(manifest["created"])
    assert abs(datetime.now(UTC) - created) < timedelta(minutes=5)
    assert manifest["rows"] == {name: len(wh.read(name)) for name in ("facts", "reports",
                                                                      "checks")}
    assert manifest["rows"]["facts"] > 0
    assert manifest["reports"] == {"ok": 4, "partial": 0, "failed": 1}
    assert wh.current().manifest() == manifest
    first_manifest = json.loads((tmp_path / "wh/.snapshots" / first / MANIFEST_FILE)
                                .read_text())
    assert first_manifest["parent"] is None and first_manifest["run_id"] == "r1"


def test_a_publish_without_run_info_says_so(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "wh", durable=False)
    publish(wh, **batch("A", YEARS).kwargs())
    manifest = wh.current().manifest()
    assert manifest["run_id"] is None and manifest["registry_sha256"] is None
    assert manifest["source_root"] is None and manifest["rows"]["reports"] == 2


def test_a_snapshot_without_manifest_reads_as_none(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "wh", durable=False)
    _publish(wh, 0)
    (wh.current().path / MANIFEST_FILE).unlink()
    assert wh.current().manifest() is None


def test_two_snapshots_are_kept_by_default(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEEP_SETTING, raising=False)
    wh = Warehouse(tmp_path / "wh", durable=False)
    ids = [_publish(wh, v) for v in range(4)]
    assert _kept(tmp_path / "wh") == ids[-2:]


@pytest.mark.parametrize("keep", [2, 3, 5])
def test_retention_keeps_the_setting_s_number_of_snapshots(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keep: int) -> None:
    monkeypatch.setenv(KEEP_SETTING, str(keep))
    wh = Warehouse(tmp_path / "wh", durable=False)
    ids = [_publish(wh, v) for v in range(6)]
    assert _kept(tmp_path / "wh") == ids[-keep:]
    assert [s.id for s in wh.snapshots()] == ids[::-1][:keep]  # newest first


def test_the_keep_parameter_wins_over_the_setting(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEEP_SETTING, "2")
    wh = Warehouse(tmp_path / "wh", durable=False, keep=4)
    ids = [_publish(wh, v) for v in range(5)]
    assert _kept(tmp_path / "wh") == ids[-4:]


def test_a_smaller_setting_deletes_older_snapshots_never_the_current_or_previous(
        tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "wh", durable=False, keep=5)
    ids = [_publish(wh, v) for v in range(5)]
    last = _publish(Warehouse(tmp_path / "wh", durable=False, keep=2), 9)
    assert _kept(tmp_path / "wh") == [ids[-1], last]


def test_a_leftover_snapshot_outside_the_chain_is_not_kept(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "wh", durable=False, keep=3)
    ids = [_publish(wh, v) for v in range(2)]
    orphan = tmp_path / "wh/.snapshots/20000101T000000000000Z-1"  # a crash's, never current
    orphan.mkdir()
    last = _publish(wh, 5)
    assert _kept(tmp_path / "wh") == [*ids, last]


@pytest.mark.parametrize("value", ["1", "0", "-3", "two", "2.5"])
def test_a_bad_setting_is_refused_in_one_line(tmp_path: Path, value: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(RetentionError) as err:
        keep_snapshots(environ={KEEP_SETTING: value})
    assert "\n" not in str(err.value) and KEEP_SETTING in str(err.value)
    monkeypatch.setenv(KEEP_SETTING, value)
    with pytest.raises(RetentionError), Warehouse(tmp_path / "wh", durable=False).locked():
        pass
    assert not (tmp_path / "wh").exists()  # refused before anything is made


@pytest.mark.parametrize("keep", [1, 0, -1])
def test_a_bad_keep_parameter_is_refused(tmp_path: Path, keep: int) -> None:
    with pytest.raises(RetentionError, match="keep must be"), \
            Warehouse(tmp_path / "wh", keep=keep).locked():
        pass


def test_registry_sha256_is_the_file_s() -> None:
    from load.manifest import file_sha256
    from transform.agencies import registry_file

    path = registry_file(None)
    assert file_sha256(path) == hashlib.sha256(path.read_bytes()).hexdigest()
    assert file_sha256(None) is None
