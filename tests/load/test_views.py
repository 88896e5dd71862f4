"""The DuckDB views: one agency-year counted once, warehouses older than a column,
warehouse paths holding glob or Hive characters."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
from frames import batch, publish
from warehouses import publish_source

from load.views import DISTRICT, SMALL_BASE, connect, read_view, wide_columns
from load.warehouse import Snapshot, Warehouse
from synth import generate_report
from synth.corpus import write_corpus
from transform.agencies import AgencyRegistry


def _source(tmp_path: Path) -> Path:
    src = tmp_path / "raw"
    for layout, ext in (("pipe", ".txt"), ("html", ".html")):
        rep = generate_report(5, layout=layout, agency="区司法局", year=2023, encoding="utf-8")
        (src / "区司法局").mkdir(parents=True, exist_ok=True)
        (src / "区司法局" / f"2023{ext}").write_bytes(rep.data)
    return src


def test_an_agency_year_read_from_two_files_counts_once(tmp_path: Path) -> None:
    publish_source(_source(tmp_path), tmp_path / "wh")
    con = connect(tmp_path / "wh")
    (reports, received), = con.execute(
        "SELECT reports, received FROM agency_year_summary WHERE year = 2023").fetchall()
    loaded = con.execute("SELECT sum(value) FROM facts WHERE row_key = 'new_received' "
                         "AND col_key = 'total' AND year = 2023").fetchone()[0]
    assert reports == 1 and received == loaded
    assert con.execute("SELECT count(*) FROM reports WHERE superseded_by IS NOT NULL"
                       ).fetchone()[0] == 1


def test_files_written_before_a_column_existed_read_it_as_null(tmp_path: Path) -> None:
    wh = tmp_path / "wh"
    publish_source(_source(tmp_path), wh)
    for path in (wh / "reports").rglob("*.parquet"):
        table = pq.read_table(path)
        pq.write_table(table.drop_columns(["superseded_by"]), path)
    for path in (wh / "checks").rglob("*.parquet"):
        table = pq.read_table(path)
        pq.write_table(table.drop_columns(["other_source"]), path)
    con = connect(wh)
    assert con.execute("SELECT count(*) FROM reports WHERE superseded_by IS NULL"
                       ).fetchone()[0] == 2
    assert con.execute("SELECT count(*) FROM agency_year_summary").fetchone()[0] == 1
    assert con.execute("SELECT count(other_source) FROM checks").fetchone()[0] == 0


# -------------------------------------------------- warehouse paths read as themselves

def _published(root: Path, agencies: str, years: list[int]) -> int:
    """Publish a small batch into ``root``; the number of facts it holds."""
    data = batch(agencies, years)
    publish(Warehouse(root, durable=False), **data.kwargs())
    return len(data.facts)


@pytest.mark.parametrize(("name", "sibling"), [("wh?", "whA"), ("wh*", "wh-old"),
                                               ("wh[1]", "wh1"), ("wh[!x]", "wha")])
def test_a_warehouse_path_with_glob_characters_reads_itself_only(
        tmp_path: Path, name: str, sibling: str) -> None:
    n = _published(tmp_path / name, "AB", [2020, 2021])
    _published(tmp_path / sibling, "CDE", [2020])  # what the path matches as a glob
    con = connect(tmp_path / name)
    count, agencies = con.execute("SELECT count(*), list(DISTINCT agency_id ORDER BY "
                                  "agency_id) FROM facts").fetchone()
    assert count == n and agencies == ["A", "B"]


def test_a_warehouse_below_a_hive_style_folder_keeps_each_fact_s_year(tmp_path: Path) -> None:
    root = tmp_path / "year=1999" / "wh"
    root.parent.mkdir()  # the warehouse makes its own folder, never one above it
    _published(root, "AB", [2020, 2021])
    con = connect(root)
    years = con.execute("SELECT DISTINCT year FROM facts ORDER BY year").fetchall()
    assert years == [(2020,), (2021,)]
    assert con.execute("SELECT count(*) FROM agency_year_summary WHERE year = 1999"
                       ).fetchone()[0] == 0


# ------------------------------------------------------------ the comparison views

@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    """Six agencies (five bureaus and a town) over 2020–2023, with rule breakers; one
    agency-year missing and one failed."""
    root = tmp_path_factory.mktemp("district")
    src = root / "src"
    paths = write_corpus(src, n_agencies=6, years=range(2020, 2024), seed=7,
                         layouts=["pipe"], encodings=["utf-8"], n_rule_breakers=2)
    by_name = {p.relative_to(src).as_posix(): p for p in paths}
    first, second = sorted({p.parent.name for p in paths})[:2]
    by_name[f"{first}/2022.txt"].unlink()  # a missing report
    by_name[f"{second}/2021.txt"].write_bytes(b"")  # a failed one
    town = sorted({p.parent for p in paths})[-1]
    town.rename(town.with_name("平安镇人民政府"))  # a town among the bureaus
    publish_source(src, root / "wh")
    return connect(root / "wh")


def _frame(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    return con.execute(sql).df()


def test_agencies_are_the_roster_with_their_kinds(district: duckdb.DuckDBPyConnection) -> None:
    agencies = _frame(district, "SELECT * FROM agencies ORDER BY agency")
    assert len(agencies) == 6 and agencies["agency_kind"].notna().all()
    registry = AgencyRegistry.bundled()
    for row in agencies.itertuples():
        assert row.agency_kind == registry.resolve(row.agency).kind


def test_district_totals_are_the_sums_and_name_whom_they_miss(
        district: duckdb.DuckDBPyConnection) -> None:
    summary = _frame(district, "SELECT * FROM agency_year_summary")
    totals = _frame(district, "SELECT * FROM district_year_summary WHERE district")
    assert sorted(totals["year"]) == [2020, 2021, 2022, 2023]
    for row in totals.itertuples():
        mine = summary[summary["year"] == row.year]
        assert row.agencies == 6
        assert row.agencies_with_figure == mine["received"].notna().sum()
        assert row.received == mine["received"].sum()
        assert row.outcomes == mine["outcomes"].sum()
        assert row.granted_share == pytest.approx(mine["granted"].sum() / mine["outcomes"].sum())
    by_year = totals.set_index("year")
    names = _frame(district, "SELECT agency FROM agencies ORDER BY agency")["agency"]
    assert by_year.loc[2022, "missing"] == names[0]
    assert pd.isna(by_year.loc[2021, "missing"]) and by_year.loc[2021, "failed"] == names[1]


def test_kind_totals_add_up_to_the_district(district: duckdb.DuckDBPyConnection) -> None:
    rows = _frame(district, "SELECT * FROM district_year_summary")
    kinds = rows[~rows["district"]].groupby("year")[["received", "agencies"]].sum()
    whole = rows[rows["district"]].set_index("year")[["received", "agencies"]]
    assert kinds.equals(whole.loc[kinds.index].astype(kinds.dtypes))
    assert set(rows.loc[rows["district"], "grouping"]) == {DISTRICT}
    assert len(set(rows.loc[~rows["district"], "grouping"])) >= 2


def test_year_over_year_change_is_absolute_and_relative_on_a_big_enough_base(
        district: duckdb.DuckDBPyConnection) -> None:
    rows = _frame(district, "SELECT agency_id, year, received, received_previous, "
                  "received_change, received_change_pct, outcomes, small_base "
                  "FROM agency_year_summary")
    received = rows.set_index(["agency_id", "year"])["received"]
    for row in rows.itertuples():
        before = received.get((row.agency_id, row.year - 1))
        if before is None or pd.isna(before):
            assert pd.isna(row.received_previous) and pd.isna(row.received_change_pct)
            continue
        if pd.isna(row.received):
            assert pd.isna(row.received_change)
            continue
        assert row.received_change == row.received - before
        if before < SMALL_BASE:
            assert pd.isna(row.received_change_pct)
        else:
            assert row.received_change_pct == pytest.approx((row.received - before) / before)
        if not pd.isna(row.outcomes):
            assert row.small_base == (row.outcomes < SMALL_BASE)


def test_like_for_like_change_counts_agencies_with_both_years(
        district: duckdb.DuckDBPyConnection) -> None:
    summary = _frame(district, "SELECT agency_id, year, received FROM agency_year_summary")
    wide = summary.pivot_table(index="agency_id", columns="year", values="received")
    totals = _frame(district, "SELECT * FROM district_year_summary WHERE district")
    for row in totals[totals["year"] > 2020].itertuples():
        both = wide[[row.year - 1, row.year]].dropna()
        assert row.agencies_like_for_like == len(both)
        assert row.received_change == both[row.year].sum() - both[row.year - 1].sum()


def test_wide_views_hold_the_facts(district: duckdb.DuckDBPyConnection) -> None:
    for view, table in (("outcomes_wide", "applications"),
                        ("reviews_litigation_wide", "reviews_litigation"),
                        ("active_disclosure_wide", "active_disclosure")):
        for column, row_key, col_key in wide_columns(table):
            if table == "applications" and col_key != "total":
                continue
            got = district.execute(f"SELECT sum({column}) FROM {view}").fetchone()[0]
            want = district.execute(
                "SELECT sum(value) FROM facts WHERE \"table\" = ? AND row_key = ? "
                "AND col_key = ?", [table, row_key, col_key]).fetchone()[0]
            assert got == want, (view, column)


def test_failed_checks_and_data_quality_name_their_agency(
        district: duckdb.DuckDBPyConnection) -> None:
    failed = _frame(district, "SELECT * FROM failed_checks")
    assert len(failed) and failed["agency"].notna().all()
    assert len(failed) == district.execute(  # one row a failed check, labels joined once
        "SELECT count(*) FROM checks WHERE NOT passed").fetchone()[0]
    assert failed["line"].notna().any()
    assert (failed["difference"] == failed["actual"] - failed["expected"]).all()
    quality = _frame(district, "SELECT * FROM data_quality")
    assert set(failed["source"]) <= set(quality["source"])
    assert "failed" in set(quality["status"])
    reports = _frame(district, "SELECT source FROM reports WHERE status <> 'ok' "
                     "OR n_checks_failed > 0")
    assert set(quality["source"]) == set(reports["source"])


def test_read_view_is_the_view_as_a_frame(district: duckdb.DuckDBPyConnection) -> None:
    snapshot = Snapshot(Path(district.execute("SELECT path FROM warehouse_snapshot"
                                              ).fetchone()[0]))
    order = ["year", "grouping"]
    frame = read_view(snapshot, "district_year_summary").sort_values(order, ignore_index=True)
    queried = _frame(district, "SELECT * FROM district_year_summary ORDER BY year, grouping")
    pd.testing.assert_frame_equal(frame, queried)
    with pytest.raises(ValueError, match=r"no view district_summary \(did you mean "):
        read_view(snapshot, "district_summary")


# ------------------------------------------- edge cases: kinds that change, gaps, stale

def _small_warehouse(root: Path) -> duckdb.DuckDBPyConnection:
    """Agencies A and B over 2020–2021 (their facts hold no outcome row); A's kind
    changes from 2020 to 2021, and B's 2021 bytes failed while its 2021 facts stay."""
    data = batch("AB", [2020, 2021])
    for frame in (data.facts, data.reports, data.checks):
        frame.loc[(frame["agency_id"] == "A") & (frame["year"] == 2020),
                  "agency_kind"] = "乡镇街道"
    stale = (data.reports["agency_id"] == "B") & (data.reports["year"] == 2021)
    data.reports.loc[stale, ["status", "stale"]] = ["failed", True]
    publish(Warehouse(root, durable=False), **data.kwargs())
    return connect(root)


def test_an_agency_has_one_kind_in_every_view_its_latest(tmp_path: Path) -> None:
    con = _small_warehouse(tmp_path / "wh")
    for view in ("agency_year_summary", "applications_wide", "agencies"):
        kinds = con.execute(f"SELECT DISTINCT agency_kind FROM {view} "
                            "WHERE agency_id = 'A'").fetchall()
        assert kinds == [("区政府部门",)], view
    by_kind = con.execute(
        "SELECT year, agency_kind, sum(received) FROM agency_year_summary GROUP BY ALL "
        "ORDER BY ALL").fetchall()
    totals = con.execute(
        "SELECT year, grouping, received FROM district_year_summary WHERE NOT district "
        "ORDER BY ALL").fetchall()
    assert by_kind == totals  # rows and totals by kind group alike


def test_outcomes_are_null_when_a_report_prints_no_outcome_row(tmp_path: Path) -> None:
    con = _small_warehouse(tmp_path / "wh")
    rows = con.execute("SELECT outcomes, small_base, granted_share FROM agency_year_summary"
                       ).fetchall()
    assert rows and all(r == (None, None, None) for r in rows)


def test_a_stale_report_is_counted_and_named_stale_not_failed(tmp_path: Path) -> None:
    con = _small_warehouse(tmp_path / "wh")
    row = con.execute("SELECT agencies_with_figure, failed, stale FROM district_year_summary "
                      "WHERE district AND year = 2021").fetchone()
    assert row == (2, None, "区B局")
