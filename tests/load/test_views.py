"""The DuckDB views: one agency-year counted once, warehouses older than a column,
warehouse paths holding glob or Hive characters."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from frames import batch, publish
from warehouses import publish_source

from load.views import connect
from load.warehouse import Warehouse
from synth import generate_report


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
