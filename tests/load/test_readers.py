"""Readers see one snapshot, or fail loudly and can read again: never a mix of two.

A publish switches ``.current`` while analysts read: plain pandas and DuckDB through
the dataset links, the DuckDB views, the analysts' API. Deterministic tests place a
publish between a reader's steps; the last test runs readers in a loop while another
process publishes, and checks every read against the one generation it must be.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.dataset as pads
import pytest
from publisher_child import publish_generation as publish_child_generation
from publisher_child import rows, variant

import load.snapshot
from load.analysis import current_snapshot, read_facts, read_reports
from load.views import bind, connect, reading
from load.warehouse import Snapshot, SnapshotGone, Warehouse

HERE = Path(__file__).resolve().parent


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "wh"
    publish_generation(root, 0)
    return root


def publish_generation(root: Path, g: int) -> None:
    publish_child_generation(Warehouse(root, durable=False), g)


def variants(frame: pd.DataFrame) -> set[int]:
    return {variant(s) for s in frame["source_sha256"]}


# ---------------------------------------------------------------- one step, then a publish

def test_a_listing_made_before_a_publish_never_opens_the_new_files(root: Path) -> None:
    """pandas and pyarrow list the files, then open them, each by a path resolved
    through ``.current`` again: the paths of a stale listing do not exist any more."""
    listed = pads.dataset(root / "facts", partitioning="hive")
    publish_generation(root, 1)  # rewrites every year and adds 2022
    with pytest.raises(FileNotFoundError):
        listed.to_table()
    fresh = pd.read_parquet(root / "facts")
    assert variants(fresh) == {1} and len(fresh) == rows(1, "facts")


def test_a_pinned_snapshot_reads_its_own_publish_until_it_is_deleted(root: Path) -> None:
    snapshot = current_snapshot(root)
    publish_generation(root, 1)
    facts, reports = read_facts(snapshot), read_reports(snapshot)
    assert variants(facts) == variants(reports) == {0}
    assert len(facts) == rows(0, "facts") and len(reports) == rows(0, "reports")
    assert variants(read_facts(root)) == {1}
    publish_generation(root, 2)  # the pinned snapshot is neither current nor its parent
    with pytest.raises(SnapshotGone, match=f"snapshot {snapshot.id} .* read again"):
        read_facts(snapshot)


def test_plain_readers_pin_a_snapshot_by_its_real_path(root: Path) -> None:
    """The README's way to join datasets without xxgk: read them below the path
    ``.current`` resolves to."""
    snap = os.path.realpath(root / ".current")
    publish_generation(root, 1)
    facts = pd.read_parquet(f"{snap}/facts")
    reports = pd.read_parquet(f"{snap}/reports")
    joined = duckdb.sql(
        f"SELECT count(*) FROM read_parquet('{snap}/facts/**/*.parquet', hive_partitioning "
        f"= true) JOIN read_parquet('{snap}/reports/**/*.parquet', hive_partitioning = true) "
        "USING (source, source_sha256)").fetchall()
    assert variants(facts) == variants(reports) == {0}
    assert joined == [(rows(0, "facts"),)]
    publish_generation(root, 2)
    with pytest.raises(FileNotFoundError):
        pd.read_parquet(f"{snap}/facts")


def test_a_snapshot_deleted_while_it_is_listed_is_never_read_in_part(
        root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Garbage collection renames a snapshot away before deleting it: a listing it
    interrupts fails instead of finding some of the files."""
    snapshot = current_snapshot(root)
    real = load.snapshot.pq.read_metadata
    calls = Counter[str]()

    def two_publishes_meanwhile(path: object, *args: object, **kwargs: object) -> object:
        calls["read_metadata"] += 1
        if calls["read_metadata"] == 2:  # one partition seen, the others not yet
            publish_generation(root, 1)
            publish_generation(root, 2)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(load.snapshot.pq, "read_metadata", two_publishes_meanwhile)
    with pytest.raises(SnapshotGone):
        snapshot.read("facts")


def test_a_read_of_the_current_snapshot_starts_again_when_it_is_deleted(
        root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = Snapshot.partitions
    first = []

    def deleted_during_the_first_read(self: Snapshot, dataset: str) -> dict:
        if not first:
            first.append(self.id)
            publish_generation(root, 1)
            publish_generation(root, 2)
        return real(self, dataset)

    monkeypatch.setattr(Snapshot, "partitions", deleted_during_the_first_read)
    facts = read_facts(root)
    assert variants(facts) == {2} and len(facts) == rows(2, "facts")
    assert first and first[0] != current_snapshot(root).id


def test_the_views_read_the_snapshot_they_were_bound_to(root: Path) -> None:
    con = connect(root)
    bound = con.execute("SELECT snapshot FROM warehouse_snapshot").fetchone()[0]
    assert bound == current_snapshot(root).id
    publish_generation(root, 1)
    count, = con.execute("SELECT count(*) FROM facts").fetchone()
    orphans, = con.execute("SELECT count(*) FROM facts ANTI JOIN reports "
                           "USING (source, source_sha256)").fetchone()
    assert count == rows(0, "facts") and orphans == 0
    publish_generation(root, 2)  # the bound snapshot is deleted: statements fail loudly
    with pytest.raises(SnapshotGone), reading(Snapshot(root / ".snapshots" / bound)):
        con.execute("SELECT count(*) FROM facts").fetchall()


# ------------------------------------------------------------- readers while publishing

def plain_pandas(root: Path) -> Iterator[tuple[pd.DataFrame, pd.DataFrame | None]]:
    yield pd.read_parquet(root / "facts", columns=["source", "source_sha256"]), None


def plain_duckdb(root: Path) -> Iterator[tuple[pd.DataFrame, pd.DataFrame | None]]:
    with duckdb.connect() as con:
        yield con.execute(f"SELECT source, source_sha256 FROM read_parquet("
                          f"'{root}/facts/**/*.parquet', hive_partitioning = true)").df(), None


def views(root: Path) -> Iterator[tuple[pd.DataFrame, pd.DataFrame | None]]:
    with duckdb.connect() as con:
        bind(con, current_snapshot(root))  # what connect() does, without the key table
        facts = con.execute("SELECT source, source_sha256 FROM facts").df()
        reports = con.execute("SELECT source, source_sha256 FROM reports").df()
    yield facts, reports


def current_api(root: Path) -> Iterator[tuple[pd.DataFrame, pd.DataFrame | None]]:
    yield read_facts(root, columns=["source", "source_sha256"]), None


def pinned_api(root: Path) -> Iterator[tuple[pd.DataFrame, pd.DataFrame | None]]:
    snapshot = current_snapshot(root)
    yield (read_facts(snapshot, columns=["source", "source_sha256"]),
           read_reports(snapshot))


Reader = Callable[[Path], Iterator[tuple[pd.DataFrame, pd.DataFrame | None]]]
READERS: dict[str, Reader] = {"pandas": plain_pandas, "duckdb": plain_duckdb, "views": views,
                              "api": current_api, "pinned api": pinned_api}
RETRYABLE = (FileNotFoundError, SnapshotGone, duckdb.IOException)
GENERATIONS = 8  # publishes while the readers loop (a fraction of a second each)


def torn(facts: pd.DataFrame, reports: pd.DataFrame | None) -> str | None:
    """What is wrong with a read, if it is not one whole generation."""
    seen = variants(facts)
    if len(seen) != 1:
        return f"facts of generations {sorted(seen)}"
    g = seen.pop()
    if len(facts) != rows(g, "facts"):
        return f"{len(facts)} facts, generation {g} has {rows(g, 'facts')}"
    if reports is not None:
        if variants(reports) != {g} or len(reports) != rows(g, "reports"):
            return f"reports of generations {sorted(variants(reports))} beside facts of {g}"
        pairs = set(zip(reports["source"], reports["source_sha256"], strict=True))
        if not set(zip(facts["source"], facts["source_sha256"], strict=True)) <= pairs:
            return "a fact whose report is not in the same read"
    return None


def test_readers_during_publishes_see_one_snapshot_or_fail_loudly(tmp_path: Path) -> None:
    root, generations = tmp_path / "wh", GENERATIONS
    child = subprocess.Popen(
        [sys.executable, str(HERE / "publisher_child.py"), str(root), str(generations)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdin is not None
    try:
        assert child.stdout.readline().strip() == "ready"
        child.stdin.write("go\n")
        child.stdin.flush()
        outcomes: dict[str, Counter[str]] = {name: Counter() for name in READERS}
        problems: list[str] = []
        deadline = time.monotonic() + 60
        while child.poll() is None and time.monotonic() < deadline:
            for name, reader in READERS.items():
                try:
                    for facts, reports in reader(root):
                        problem = torn(facts, reports)
                        if problem:
                            problems.append(f"{name}: {problem}")
                        outcomes[name]["torn" if problem else "whole"] += 1
                except RETRYABLE:
                    outcomes[name]["failed, to read again"] += 1
    finally:
        child.kill()
        child.wait()
    assert not problems, (problems, outcomes)
    for name, counts in outcomes.items():
        assert counts["whole"] >= 2, (name, outcomes)
