"""A bad night takes no published number away (``load.last_good``): a file whose new
bytes fail keeps the facts and checks of its last good bytes, its reports row failed
and stale, until good bytes replace them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from extract.source import open_source
from load.batch.process import process_batch
from load.staging import write_staged
from load.warehouse import PublishSummary, Warehouse
from synth import generate_report

AGENCY = "区司法局"


def _write(src: Path, name: str, data: bytes) -> None:
    (src / AGENCY).mkdir(parents=True, exist_ok=True)
    (src / AGENCY / name).write_bytes(data)


def _report(year: int, layout: str = "pipe") -> bytes:
    return generate_report(5, layout=layout, agency=AGENCY, year=year, encoding="utf-8").data


def _publish(src: Path, wh: Path, names: list[str], run_id: str) -> PublishSummary:
    """Process the files ``names`` of ``src`` (what a run plans) and publish them."""
    files = [f for f in open_source(src).files() if f.path.rsplit("/", 1)[-1] in names]
    rows = process_batch(str(src), files, None, run_id, datetime.now(UTC))
    with (store := Warehouse(wh, durable=False)).staging(run_id) as folder:
        return store.publish_staged([write_staged(folder, rows.tables)])


def _read(wh: Path, name: str, source: str) -> pd.DataFrame:
    frame = Warehouse(wh).read(name, filters=[("source", "=", f"{AGENCY}/{source}")])
    return frame.drop(columns=["run_id", "processed_at"], errors="ignore")


def _same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    order = list(a.columns)
    return a.sort_values(order).reset_index(drop=True).equals(
        b.sort_values(order).reset_index(drop=True))


def test_a_file_that_fails_keeps_its_last_good_facts_until_it_is_good_again(
        tmp_path: Path) -> None:
    src, wh = tmp_path / "raw", tmp_path / "wh"
    good = _report(2020)
    _write(src, "2020.txt", good)
    _write(src, "2021.txt", _report(2021))
    _publish(src, wh, ["2020.txt", "2021.txt"], "r1")
    facts, checks = _read(wh, "facts", "2020.txt"), _read(wh, "checks", "2020.txt")
    first = _read(wh, "reports", "2020.txt").iloc[0]
    assert len(facts) > 100 and not first["stale"]
    assert first["facts_sha256"] == first["source_sha256"]

    _write(src, "2020.txt", good[:300])  # a partial download
    summary = _publish(src, wh, ["2020.txt"], "r2")
    assert summary.sources_stale == (f"{AGENCY}/2020.txt",)
    assert _same(_read(wh, "facts", "2020.txt"), facts)
    assert _same(_read(wh, "checks", "2020.txt"), checks)
    row = _read(wh, "reports", "2020.txt").iloc[0]
    assert row["status"] == "failed" and row["error"]
    assert row["stale"] and row["source_sha256"] != first["source_sha256"]
    assert row["facts_sha256"] == first["source_sha256"]
    assert row["n_facts"] == first["n_facts"] == len(facts)

    _write(src, "2020.txt", b"")  # failing again: still the first bytes' facts
    _publish(src, wh, ["2020.txt"], "r3")
    row = _read(wh, "reports", "2020.txt").iloc[0]
    assert row["stale"] and row["facts_sha256"] == first["source_sha256"]
    assert _same(_read(wh, "facts", "2020.txt"), facts)

    fixed = _report(2020, layout="markdown")
    _write(src, "2020.txt", fixed)
    summary = _publish(src, wh, ["2020.txt"], "r4")
    assert summary.sources_stale == ()
    row = _read(wh, "reports", "2020.txt").iloc[0]
    assert row["status"] == "ok" and not row["stale"]
    assert row["facts_sha256"] == row["source_sha256"] != first["source_sha256"]
    new_facts = _read(wh, "facts", "2020.txt")
    assert set(new_facts["source_sha256"]) == {row["source_sha256"]}
    assert len(new_facts) == row["n_facts"]
    assert len(_read(wh, "facts", "2021.txt")) > 100  # the other year untouched


def test_a_file_that_never_loaded_fails_without_facts(tmp_path: Path) -> None:
    src, wh = tmp_path / "raw", tmp_path / "wh"
    _write(src, "2020.txt", b"")
    _publish(src, wh, ["2020.txt"], "r1")
    _publish(src, wh, ["2020.txt"], "r2")
    row = _read(wh, "reports", "2020.txt").iloc[0]
    assert row["status"] == "failed" and not row["stale"]
    assert pd.isna(row["facts_sha256"])
    assert _read(wh, "facts", "2020.txt").empty


def test_the_winner_of_several_files_failing_lets_its_sibling_load(tmp_path: Path) -> None:
    src, wh = tmp_path / "raw", tmp_path / "wh"
    _write(src, "2020.txt", _report(2020))
    _write(src, "2020.html", _report(2020, layout="html"))
    _publish(src, wh, ["2020.txt", "2020.html"], "r1")
    reports = Warehouse(wh).read("reports").set_index("source")
    winner = reports.index[reports["superseded_by"].isna()][0]
    loser = reports.index[reports["superseded_by"].notna()][0]
    assert pd.isna(reports.loc[loser, "facts_sha256"])

    _write(src, winner.rsplit("/", 1)[-1], b"")
    summary = _publish(src, wh, ["2020.txt", "2020.html"], "r2")
    assert summary.sources_stale == ()  # the sibling is loaded instead: counted once
    reports = Warehouse(wh).read("reports").set_index("source")
    assert reports.loc[winner, "status"] == "failed" and not reports.loc[winner, "stale"]
    assert pd.isna(reports.loc[winner, "facts_sha256"])
    facts = Warehouse(wh).read("facts")
    assert set(facts["source"]) == {loser}


def test_a_warehouse_written_before_the_columns_keeps_the_last_good_facts(
        tmp_path: Path) -> None:
    src, wh = tmp_path / "raw", tmp_path / "wh"
    good = _report(2020)
    _write(src, "2020.txt", good)
    _publish(src, wh, ["2020.txt"], "r1")
    for path in (wh / "reports").rglob("*.parquet"):
        pq.write_table(pq.read_table(path).drop_columns(["stale", "facts_sha256"]), path)
    first = _read(wh, "reports", "2020.txt").iloc[0]
    assert pd.isna(first["stale"]) and pd.isna(first["facts_sha256"])

    _write(src, "2020.txt", b"")
    _publish(src, wh, ["2020.txt"], "r2")
    row = _read(wh, "reports", "2020.txt").iloc[0]
    assert row["stale"] and row["facts_sha256"] == first["source_sha256"]
    assert len(_read(wh, "facts", "2020.txt")) == first["n_facts"] > 100
