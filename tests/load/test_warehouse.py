"""Warehouse.publish and read: idempotence, replacing sources, layout, carry checks."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads
import pytest
from frames import batch, checks_of, facts_of, merge, publish, report_of, source_of

from load.cross_year import CARRY_RULE
from load.schema import DATASETS, empty_frame
from load.warehouse import Warehouse, WarehouseError

YEARS = (2019, 2020, 2021)


def snapshot(wh: Warehouse) -> dict[str, pd.DataFrame]:
    return {name: wh.read(name) for name in DATASETS}


def partition_files(root: Path) -> dict[str, dict[str, list[str]]]:
    """dataset -> partition dir -> files, as seen through the analysts' links (below the
    one directory named after the snapshot)."""
    out: dict[str, dict[str, list[str]]] = {}
    for name in DATASETS:
        (base,) = (root / name).iterdir()
        assert base.name == Warehouse(root).current().id
        out[name] = {p.name: sorted(f.name for f in p.iterdir()) for p in sorted(base.iterdir())}
    return out


def without(frame: pd.DataFrame, column: str, values: set[str]) -> pd.DataFrame:
    return frame[~frame[column].isin(values)].reset_index(drop=True)


@pytest.fixture
def wh(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path / "wh", durable=False)


def test_empty_warehouse_reads_empty_typed_frames(wh: Warehouse) -> None:
    for name in DATASETS:
        frame = wh.read(name)
        assert frame.empty
        assert frame.dtypes.equals(empty_frame(name).dtypes)
    assert wh.ledger().empty
    assert list(wh.read("facts", columns=["year", "value"]).columns) == ["year", "value"]


def test_round_trip_keeps_rows_and_dtypes(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "wh")  # durable: the fsync path runs too
    data = batch("AB", YEARS)
    publish(wh, **data.kwargs())
    facts = wh.read("facts")
    assert str(facts["year"].dtype) == "Int16"
    for col in ("agency_id", "source", "raw_value", "template"):
        assert isinstance(facts[col].dtype, pd.StringDtype), col
    assert str(facts["line"].dtype) == "Int32"
    expected = data.facts.sort_values(["year", "agency_id"], kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(facts, expected)
    reports = wh.read("reports")
    assert str(reports["processed_at"].dtype) == "datetime64[us, UTC]"
    assert reports["warnings"].iloc[0] == "line 3: unknown label\nline 9: short row"
    assert str(wh.read("checks")["passed"].dtype) == "boolean"


def test_publishing_the_same_input_twice_gives_the_same_rows(wh: Warehouse) -> None:
    data = batch("ABC", YEARS, failed="C")
    publish(wh, **data.kwargs())
    first = snapshot(wh)
    summary = publish(wh, **data.kwargs())
    second = snapshot(wh)
    for name in DATASETS:
        pd.testing.assert_frame_equal(first[name], second[name])
    assert summary.rows_removed["facts"] == summary.rows_written["facts"] == len(data.facts)


def test_republishing_one_agency_replaces_exactly_its_rows(wh: Warehouse) -> None:
    publish(wh, **batch("ABC", YEARS).kwargs())
    before = snapshot(wh)
    new_b = batch("B", YEARS, variant=7)
    summary = publish(wh, **new_b.kwargs())
    after = snapshot(wh)
    for name in DATASETS:
        others_before = before[name][before[name]["agency_id"] != "B"]
        others_after = after[name][after[name]["agency_id"] != "B"]
        pd.testing.assert_frame_equal(others_before.reset_index(drop=True),
                                      others_after.reset_index(drop=True))
    b_facts = after["facts"][after["facts"]["agency_id"] == "B"].reset_index(drop=True)
    pd.testing.assert_frame_equal(b_facts, new_b.facts)
    b_reports = after["reports"][after["reports"]["agency_id"] == "B"].reset_index(drop=True)
    pd.testing.assert_frame_equal(b_reports, new_b.reports)
    assert set(summary.sources_replaced) == {source_of("B", y) for y in YEARS}


def test_replace_sources_removes_a_deleted_file(wh: Warehouse) -> None:
    publish(wh, **batch("AB", YEARS).kwargs())
    gone = source_of("A", 2020)
    empty = batch("", ())
    summary = publish(wh, **empty.kwargs(), replace_sources=[gone])
    assert summary.rows_removed["reports"] == 1
    for name in DATASETS:
        assert gone not in set(wh.read(name)["source"])
    assert len(wh.ledger()) == 5


def test_history_does_not_matter(tmp_path: Path) -> None:
    """Publishing in pieces gives the same frames as publishing everything at once."""
    pieces = Warehouse(tmp_path / "pieces", durable=False)
    publish(pieces, **batch("C", YEARS).kwargs())
    publish(pieces, **batch("A", [2021, 2019]).kwargs())
    publish(pieces, **batch("B", [2020]).kwargs())
    publish(pieces, **batch("A", [2020], variant=3).kwargs())
    publish(pieces, **batch("B", [2019, 2021]).kwargs())
    whole = Warehouse(tmp_path / "whole", durable=False)
    publish(whole, **merge(batch("BC", YEARS), batch("A", [2019, 2021]),
                          batch("A", [2020], variant=3)).kwargs())
    a, b = snapshot(pieces), snapshot(whole)
    for name in DATASETS:
        pd.testing.assert_frame_equal(a[name], b[name])


def test_one_file_per_partition_and_untouched_files_are_left_alone(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "wh", durable=False)
    publish(wh, **batch("ABC", YEARS, failed="A").kwargs())
    inode = wh.current().partitions("facts")[2019].stat().st_ino
    for variant in range(1, 5):
        agency = "ABC"[variant % 3]
        summary = publish(wh, **batch(agency, [2020, 2021], variant, failed=agency).kwargs())
        assert summary.partitions_rewritten["facts"] == (2020, 2021)
    layout = partition_files(tmp_path / "wh")
    assert layout["facts"] == {f"year={y}": ["part-0.parquet"] for y in YEARS}
    assert layout["reports"] == {f"year={y}": ["part-0.parquet"] for y in (0, *YEARS)}
    untouched = wh.current().partitions("facts")[2019]
    assert untouched.stat().st_ino == inode  # hard-linked from snapshot to snapshot
    assert untouched.stat().st_nlink == 2  # the current snapshot and the previous one


def test_garbage_collection_keeps_current_and_previous(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "wh", durable=False)
    snapshots = tmp_path / "wh" / ".snapshots"
    ids = []
    for variant in range(4):
        ids.append(publish(wh, **batch("A", [2020], variant).kwargs()).snapshot)
        assert len(list(snapshots.iterdir())) <= 2
    assert sorted(p.name for p in snapshots.iterdir()) == sorted(ids[-2:])
    assert os.readlink(tmp_path / "wh" / ".current") == f".snapshots/{ids[-1]}"
    # leftovers of a crashed run go at the next publish
    (snapshots / ".tmp-crashed" / "facts").mkdir(parents=True)
    (snapshots / "orphan-built-but-never-current").mkdir()
    os.symlink(".snapshots/x", tmp_path / "wh" / ".current.tmp-999")
    publish(wh, **batch("A", [2020], 9).kwargs())
    assert len(list(snapshots.iterdir())) == 2
    assert not (tmp_path / "wh" / ".current.tmp-999").is_symlink()


def test_unknown_year_reports_round_trip_as_null(tmp_path: Path) -> None:
    root = tmp_path / "wh"
    wh = Warehouse(root, durable=False)
    publish(wh, **batch("AB", [2020], failed="C").kwargs())
    ledger = wh.ledger()
    failed = ledger[ledger["status"] == "failed"]
    assert failed["source"].tolist() == [source_of("C", None)]
    assert failed["year"].isna().all()
    assert str(ledger["year"].dtype) == "Int16"
    assert (wh.current().dataset_dir("reports") / "year=0" / "part-0.parquet").is_file()
    nulls = wh.read("reports", filters=pads.field("year").is_null())
    assert nulls["source"].tolist() == [source_of("C", None)]
    plain = pd.read_parquet(root / "reports")  # the analysts' read does not fail
    assert sorted(plain["year"].astype(int)) == [0, 2020, 2020]
    part = pads.HivePartitioning(pa.schema([("year", pa.int16())]), null_fallback="0")
    typed = pd.read_parquet(root / "reports", partitioning=part)
    assert typed["year"].isna().sum() == 1


def test_read_with_filters_and_columns(wh: Warehouse) -> None:
    publish(wh, **batch("AB", YEARS).kwargs())
    got = wh.read("facts", filters=[("year", "=", 2020), ("agency_id", "=", "B")],
                  columns=["year", "agency_id", "value"])
    assert list(got.columns) == ["year", "agency_id", "value"]
    assert set(got["year"]) == {2020} and set(got["agency_id"]) == {"B"}
    assert len(got) == len(facts_of("B", 2020))


def test_analysts_reads_through_the_links(tmp_path: Path) -> None:
    root = tmp_path / "wh"
    wh = Warehouse(root, durable=False)
    publish(wh, **batch("AB", YEARS).kwargs())
    ours = wh.read("facts")
    plain = pd.read_parquet(root / "facts")
    assert len(plain) == len(ours)
    assert set(plain["year"].astype(int)) == set(YEARS)
    assert isinstance(plain["source"].dtype, pd.StringDtype)
    for name in DATASETS:  # the data dictionary's promise: same dtypes but for year
        theirs, mine = pd.read_parquet(root / name), wh.read(name)
        assert list(theirs.columns) == [*list(mine.columns)[1:], "year"]
        assert theirs.drop(columns="year").dtypes.equals(mine.drop(columns="year").dtypes)
    part = pads.partitioning(pa.schema([("year", pa.int16())]), flavor="hive")
    table = pads.dataset(root / "facts", partitioning=part).to_table()
    assert table.schema.field("year").type == pa.int16()
    assert table.num_rows == len(ours)


def test_duckdb_reads_through_the_links(tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    root = tmp_path / "wh"
    wh = Warehouse(root, durable=False)
    publish(wh, **batch("AB", YEARS, failed="C").kwargs())
    for name in DATASETS:
        glob = f"{root / name}/**/*.parquet"
        n = duckdb.sql(f"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning=true)")
        assert n.fetchall()[0][0] == len(wh.read(name)), name
    years = duckdb.sql(f"SELECT DISTINCT year FROM read_parquet('{root}/facts/**/*.parquet', "
                       "hive_partitioning=true) ORDER BY year").fetchall()
    assert [y for (y,) in years] == list(YEARS)


def test_empty_datasets_still_show_their_columns(tmp_path: Path) -> None:
    root = tmp_path / "wh"
    wh = Warehouse(root, durable=False)
    failed_only = batch("", (), failed="AB")
    publish(wh, **failed_only.kwargs())
    assert wh.read("facts").empty and wh.read("checks").empty
    assert len(wh.ledger()) == 2
    plain = pd.read_parquet(root / "facts")
    assert plain.empty and "value" in plain.columns
    duckdb = pytest.importorskip("duckdb")
    n = duckdb.sql(f"SELECT count(*) FROM read_parquet('{root}/facts/**/*.parquet', "
                   "hive_partitioning=true)").fetchall()[0][0]
    assert n == 0
    publish(wh, **batch("A", [2020]).kwargs())  # the empty placeholder goes once rows exist
    assert partition_files(root)["facts"] == {"year=2020": ["part-0.parquet"]}


def test_duplicate_report_sources_are_refused(wh: Warehouse) -> None:
    data = batch("A", [2020])
    twice = pd.concat([data.reports, data.reports], ignore_index=True)
    with pytest.raises(ValueError, match=r"A/2020\.txt"):
        publish(wh, facts=data.facts, reports=twice, checks=data.checks)


def test_foreign_directory_is_not_overwritten(tmp_path: Path) -> None:
    root = tmp_path / "wh"
    (root / "facts").mkdir(parents=True)
    with pytest.raises(WarehouseError, match="real directory"):
        publish(Warehouse(root, durable=False), **batch("A", [2020]).kwargs())


def test_summary_counts(wh: Warehouse) -> None:
    first = publish(wh, **batch("AB", [2020, 2021]).kwargs())
    assert first.rows_removed == {"facts": 0, "reports": 0, "checks": 0}
    assert first.rows_written["reports"] == 4
    assert first.partitions_rewritten["reports"] == (2020, 2021)
    second = publish(wh, **batch("A", [2021], 1).kwargs())
    assert second.rows_removed["reports"] == 1
    assert second.partitions_rewritten["facts"] == (2021,)
    assert second.snapshot != first.snapshot


# ------------------------------------------------------------------------ cross_year.carry

def carry(wh: Warehouse) -> pd.DataFrame:
    checks = wh.read("checks")
    return checks[checks["rule"] == CARRY_RULE].reset_index(drop=True)


def with_carry(agency: str, year: int, over: float | None, forward: float | None,
               variant: int = 0) -> dict[str, pd.DataFrame]:
    facts = facts_of(agency, year, variant)
    facts.loc[facts["row_key"] == "carried_over", "value"] = over
    facts.loc[facts["row_key"] == "carried_forward", "value"] = forward
    return {"facts": facts, "reports": report_of(agency, year, variant),
            "checks": checks_of(agency, year, variant)}


def test_carry_checks_are_computed_at_publish(wh: Warehouse) -> None:
    publish(wh, **with_carry("A", 2020, 1, 5))
    assert carry(wh).empty  # no 2019 report
    publish(wh, **with_carry("A", 2021, 5, 2))
    rows = carry(wh)
    assert len(rows) == 3  # one per column
    assert rows["passed"].all()
    assert set(rows["source"]) == {source_of("A", 2021)}
    assert set(rows["year"]) == {2021}


def test_carry_is_recomputed_when_the_previous_year_is_replaced(wh: Warehouse) -> None:
    publish(wh, **with_carry("A", 2020, 1, 5))
    publish(wh, **with_carry("A", 2021, 5, 2))
    publish(wh, **with_carry("B", 2020, 0, 0))
    publish(wh, **with_carry("A", 2020, 1, 6, variant=1))  # only the 2020 file is rerun
    rows = carry(wh)
    assert len(rows) == 3
    assert not rows["passed"].any()
    assert set(rows["expected"]) == {6.0} and set(rows["actual"]) == {5.0}
    assert set(rows["source"]) == {source_of("A", 2021)}
    publish(wh, **batch("", ()).kwargs(), replace_sources=[source_of("A", 2020)])
    assert carry(wh).empty  # the 2020 report is gone: nothing to compare with


def test_carry_rows_given_to_publish_are_replaced(wh: Warehouse) -> None:
    publish(wh, **with_carry("A", 2020, 1, 5))
    data = with_carry("A", 2021, 5, 5)
    bogus = data["checks"].iloc[:1].copy()
    bogus["rule"] = CARRY_RULE
    bogus["passed"] = False
    data["checks"] = pd.concat([data["checks"], bogus], ignore_index=True)
    publish(wh, **data)
    rows = carry(wh)
    assert len(rows) == 3 and rows["passed"].all()


def test_carry_of_untouched_agencies_is_left_alone(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "wh", durable=False)
    publish(wh, **merge(batch("A", [2020, 2021]), batch("B", [2020, 2021])).kwargs())
    before = carry(wh)
    assert set(before["agency_id"]) == {"A", "B"}
    publish(wh, **batch("A", [2021], 4).kwargs())
    after = carry(wh)
    pd.testing.assert_frame_equal(before[before["agency_id"] == "B"].reset_index(drop=True),
                                  after[after["agency_id"] == "B"].reset_index(drop=True))


def test_partition_files_are_sorted_by_agency_in_small_row_groups(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A one-agency read skips row groups by their min/max statistics: that needs the
    rows sorted by agency and row groups far smaller than a partition."""
    import itertools

    import pyarrow.parquet as pq

    import load.durable

    monkeypatch.setattr(load.durable, "ROW_GROUP_ROWS", 10)
    wh = Warehouse(tmp_path / "wh", durable=False)
    publish(wh, **batch("DCBA", YEARS).kwargs())
    file = next((tmp_path / "wh" / "facts").glob("*/year=*/part-0.parquet"))
    meta = pq.read_metadata(file)
    assert meta.num_row_groups > 1
    column = meta.schema.names.index("agency_id")
    ranges = [(meta.row_group(i).column(column).statistics.min,
               meta.row_group(i).column(column).statistics.max)
              for i in range(meta.num_row_groups)]
    assert all(lo <= hi for lo, hi in ranges)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(ranges))  # sorted
    one = wh.read("facts", filters=[("agency_id", "=", ranges[-1][1])])
    assert set(one["agency_id"]) == {ranges[-1][1]}


def test_a_snapshot_without_its_own_folder_is_read_and_published_from(
        tmp_path: Path) -> None:
    """A snapshot without the folder named after it (``facts/year=N/``) is read, and
    the next publish builds one with the folder from it."""
    root = tmp_path / "wh"
    wh = Warehouse(root, durable=False)
    publish(wh, **batch("AB", YEARS).kwargs())
    snapshot = wh.current()
    for name in DATASETS:  # year= folders right below the dataset
        inner = snapshot.path / name / snapshot.id
        for partition in inner.iterdir():
            partition.rename(snapshot.path / name / partition.name)
        inner.rmdir()
    flat = Warehouse(root, durable=False)
    expected = batch("AB", YEARS).facts.sort_values(["year", "agency_id"], kind="stable")
    pd.testing.assert_frame_equal(flat.read("facts"), expected.reset_index(drop=True))
    assert len(pd.read_parquet(root / "facts")) == len(expected)
    publish(flat, **batch("C", [2020]).kwargs())
    assert set(partition_files(root)["facts"]) == {f"year={y}" for y in YEARS}
    assert len(flat.read("facts")) == len(batch("ABC", [2020]).facts) + len(
        batch("AB", [2019, 2021]).facts)
