"""Staged publishing: batches write their rows to a staging folder of the warehouse and
the publish reads them from there, with the same result as a publish from memory."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from frames import Batch, batch, merge, publish, source_of

from load.batch.process import BatchResult
from load.cross_year import CARRY_RULE
from load.incoming import read_staged
from load.schema import DATASETS
from load.staging import STAGE_PREFIX, StagedRows, write_staged
from load.warehouse import Warehouse, WarehouseBusy

YEARS = (2019, 2020, 2021)


def stage(folder: Path, *batches: Batch) -> list[StagedRows]:
    """The batches as a run stages them: the working schema (dictionary strings)."""
    return [write_staged(folder, BatchResult(**b.kwargs()).tables) for b in batches]


def contents(wh: Warehouse) -> dict[str, pd.DataFrame]:
    return {name: wh.read(name) for name in DATASETS}


def test_staged_publish_gives_what_a_publish_from_memory_gives(tmp_path: Path) -> None:
    base = batch("ABC", YEARS, failed="C")
    # a rerun: A and B with new values, C's failed report of unknown year gone
    pieces = [batch("A", YEARS, variant=3, failed="A"), batch("B", (2020, 2022), variant=4)]
    gone = [source_of("C", None)]
    memory = Warehouse(tmp_path / "memory", durable=False)
    staged = Warehouse(tmp_path / "staged", durable=False)
    publish(memory, **base.kwargs())
    with staged.staging("first") as folder:
        staged.publish_staged(stage(folder, base))
    assert contents(memory)["facts"].equals(contents(staged)["facts"])
    expected = publish(memory, **merge(*pieces).kwargs(), replace_sources=gone)
    with staged.staging("second") as folder:
        got = staged.publish_staged(stage(folder, *pieces), replace_sources=gone)
    assert got.rows_written == expected.rows_written
    assert got.rows_removed == expected.rows_removed
    assert got.partitions_rewritten == expected.partitions_rewritten
    assert set(got.sources_replaced) == set(expected.sources_replaced)
    want, have = contents(memory), contents(staged)
    for name in DATASETS:
        pd.testing.assert_frame_equal(have[name], want[name], obj=name)
    assert "cross_year.carry" in set(have["checks"]["rule"])


def test_a_batch_is_staged_as_a_file_per_dataset_and_year(tmp_path: Path) -> None:
    rows = stage(tmp_path, batch("AB", (2021, 2019), failed="A"))[0]
    assert set(rows.files["reports"]) == {2019, 2021, None}  # None: the unknown year
    for year, path in rows.files["reports"].items():
        assert read_staged(path)["year"].unique().to_pylist() == [year]
    assert rows.rows == {"facts": 2 * 2 * 12, "reports": 5, "checks": 2 * 2 * 4}
    assert rows.sources["reports"] == {source_of(a, y) for a in "AB" for y in (2019, 2021)} \
        | {source_of("A", None)}
    assert rows.agencies["facts"] == {"A", "B"}
    empty = stage(tmp_path, batch("", (), failed="C"))[0]
    assert empty.files["facts"] == {} and empty.rows["facts"] == 0
    assert not list(tmp_path.glob(".*.tmp"))


def test_carry_checks_passed_in_are_left_to_the_warehouse(tmp_path: Path) -> None:
    data = batch("AB", YEARS)
    foreign = data.checks.iloc[:1].assign(rule=CARRY_RULE, source="elsewhere/2020.txt")
    data = Batch(data.facts, data.reports, pd.concat([data.checks, foreign],
                                                     ignore_index=True))
    memory = Warehouse(tmp_path / "memory", durable=False)
    publish(memory, **data.kwargs())
    staged = Warehouse(tmp_path / "staged", durable=False)
    with staged.staging("run") as folder:
        rows = stage(folder, data)
        assert "elsewhere/2020.txt" not in rows[0].sources["checks"]
        staged.publish_staged(rows)
    for name in DATASETS:
        pd.testing.assert_frame_equal(staged.read(name), memory.read(name), obj=name)


def test_publish_reads_only_the_batches_it_is_given(tmp_path: Path) -> None:
    """A file staged by a worker killed at its time limit is never published."""
    wh = Warehouse(tmp_path / "wh", durable=False)
    with wh.staging("run") as folder:
        accepted = stage(folder, batch("A", YEARS))
        stage(folder, batch("A", YEARS, variant=9))  # left by a killed worker
        wh.publish_staged(accepted)
    reference = Warehouse(tmp_path / "ref", durable=False)
    publish(reference, **batch("A", YEARS).kwargs())
    for name in DATASETS:
        pd.testing.assert_frame_equal(wh.read(name), reference.read(name), obj=name)


def test_the_staging_folder_lives_until_the_end_of_the_run(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "wh", durable=False)
    snapshots = tmp_path / "wh" / ".snapshots"
    with wh.staging("run-1") as folder:
        assert folder.parent == snapshots and folder.name.startswith(STAGE_PREFIX)
        rows = stage(folder, batch("A", (2020,)), batch("B", (2020,)))
        wh.publish_staged(rows[:1])  # its garbage collection spares the folder in use
        assert all(Path(p).is_file() for r in rows for f in r.files.values() for p in f.values())
        wh.publish_staged(rows[1:])
    assert not folder.exists()
    assert sorted(wh.ledger()["agency_id"]) == ["A", "B"]


def test_a_dead_runs_staging_folder_is_removed_by_the_next_run(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "wh", durable=False)
    publish(wh, **batch("A", (2020,)).kwargs())
    dead = tmp_path / "wh" / ".snapshots" / f"{STAGE_PREFIX}dead-run-123"
    dead.mkdir()
    stage(dead, batch("B", (2020,)))
    with wh.staging("next"):
        assert not dead.exists()


def test_a_staging_folder_needs_no_lock_holder_of_its_own(tmp_path: Path) -> None:
    """staging() takes the lock when its caller does not hold it, like publish."""
    wh = Warehouse(tmp_path / "wh", durable=False)
    other = Warehouse(tmp_path / "wh", durable=False)
    with wh.staging("run"), pytest.raises(WarehouseBusy), other.locked():
        pass


def test_a_batch_staged_again_without_some_files(tmp_path: Path) -> None:
    """What a run does when an agency-year turns out split between batches: the first
    rows of its files leave the batch, which then publishes as if they were never in it."""
    from load.batch.process import Outcome, StagedBatch

    gone = {source_of("A", 2020), source_of("B", 2021)}
    data = batch("AB", YEARS)
    rows = stage(tmp_path, data)[0]
    outcomes = [Outcome(s, "ok", "", None, None) for s in sorted(rows.sources["reports"])]
    agency_years = {source_of(a, y): (a, y) for a in "AB" for y in YEARS}
    staged = StagedBatch(rows, outcomes, agency_years)
    assert staged.without(tmp_path, {"elsewhere/2020.txt"}) is staged  # nothing to take
    kept = staged.without(tmp_path, gone)
    assert kept.rows.sources["reports"] == rows.sources["reports"] - gone
    assert kept.rows.rows == {"facts": 4 * 12, "reports": 4, "checks": 4 * 4}
    assert {o.source for o in kept.outcomes} == rows.sources["reports"] - gone
    assert kept.agency_years.keys() == agency_years.keys() - gone
    assert not any(Path(p).exists() for f in rows.files.values() for p in f.values())
    wh = Warehouse(tmp_path / "wh", durable=False)
    with wh.staging("run") as folder:
        first = StagedBatch(stage(folder, data)[0], outcomes, agency_years)
        wh.publish_staged([first.without(folder, gone).rows])
    facts = wh.read("facts")
    assert set(facts["source"]) == rows.sources["facts"] - gone
    assert len(facts) == 4 * 12
