"""Snapshots' manifests and how many snapshots a warehouse keeps."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from frames import batch, publish
from warehouses import publish_source

from load.manifest import KEEP_SETTING, MANIFEST_FILE, RetentionError, RunInfo, keep_snapshots
from load.schema import MANIFEST_FIELDS
from load.warehouse import Warehouse
from synth.corpus import write_corpus

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


# ------------------------------------------------------------------ README, as written

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "#### Older snapshots, manifests and retention"
EXAMPLE_ID = "20250301T020007123456Z-4242"


def _blocks(language: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index(SECTION):]
    section = section[:section.index("\n### ")]
    return re.findall(rf"```{language}\n(.*?)```", section, flags=re.S)


@pytest.fixture(scope="module")
def two_publishes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A warehouse published twice, the second time with one agency more: the id of
    the first (older) snapshot."""
    root = tmp_path_factory.mktemp("older")
    write_corpus(root / "src", n_agencies=2, years=range(2022, 2024), seed=5)
    publish_source(root / "src", root / "wh", run_id="r1")
    older = Warehouse(root / "wh").current().id
    write_corpus(root / "src", n_agencies=3, years=range(2022, 2024), seed=5)
    publish_source(root / "src", root / "wh", run_id="r2")
    return root / "wh", older


def _as_written(code: str, wh: Path, older: str) -> str:
    return code.replace(EXAMPLE_ID, older).replace("'wh/", f"'{wh}/").replace('"wh/', f'"{wh}/')


def test_the_readme_reads_an_older_snapshot_with_pandas(
        two_publishes: tuple[Path, str]) -> None:
    wh, older = two_publishes
    (code,) = _blocks("python")
    names: dict = {}
    exec(compile(_as_written(code, wh, older), "README older snapshot", "exec"), names)
    old = Warehouse(wh).snapshots()[1]
    assert old.id == older and Warehouse(wh).snapshots()[0].id != older
    expected = old.read("facts")
    assert len(names["facts"]) == (expected["year"] == 2023).sum() > 0
    assert len(names["reports"]) == len(old.read("reports")) == 4
    assert len(Warehouse(wh).read("reports")) == 6  # the current snapshot is another


def test_the_readme_reads_an_older_snapshot_with_duckdb(
        two_publishes: tuple[Path, str]) -> None:
    wh, older = two_publishes
    (sql,) = _blocks("sql")
    frame = duckdb.connect().execute(_as_written(sql, wh, older)).df()
    facts = Warehouse(wh).snapshots()[1].read("facts")
    assert frame["year"].tolist() == [2022, 2023]
    assert frame["n_facts"].tolist() == facts["year"].value_counts().sort_index().tolist()


def test_the_readme_s_manifest_has_every_key_a_publish_writes(
        two_publishes: tuple[Path, str]) -> None:
    wh, _ = two_publishes
    (example,) = _blocks("json")
    written = Warehouse(wh).current().manifest()
    assert list(json.loads(example)) == list(written) == [k for k, _, _ in MANIFEST_FIELDS]
    assert set(json.loads(example)["rows"]) == set(written["rows"])
    assert set(json.loads(example)["reports"]) == set(written["reports"])
