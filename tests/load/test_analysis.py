"""The analysts' API and the DuckDB views, against generated data with known totals.

A warehouse is built (without Prefect) from a generated district whose truth the
generator writes; the API's filters, dtypes and pivots, and the views' row counts and
sums, are checked against that truth and against each other.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest
from warehouses import publish_source

from load.analysis import (
    APPLICANT_COLUMNS,
    comparability,
    read_checks,
    read_facts,
    read_reports,
    wide_applications,
)
from load.views import VIEWS, connect
from synth.corpus import write_corpus
from transform.agencies import AgencyRegistry
from transform.maps import read_map

YEARS = range(2019, 2024)


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    """A warehouse of 4 agencies × 2019–2023 and the generator's truth per report."""
    root = tmp_path_factory.mktemp("district")
    src, wh, truth = root / "src", root / "wh", root / "truth.jsonl"
    write_corpus(src, n_agencies=4, years=YEARS, seed=21, truth=truth)
    rows = publish_source(src, wh)
    assert set(rows.reports["status"]) == {"ok"}
    records = [json.loads(line) for line in truth.read_text(encoding="utf-8").splitlines()]
    return wh, records


def _truth_total(records: list[dict], row_key: str) -> dict[tuple[str, int], float]:
    """(agency, year) → the 总计 cell of a 表三 row, from the generator's truth."""
    out: dict[tuple[str, int], float] = defaultdict(float)
    for record in records:
        for fact in record["facts"]:
            if (fact["table"], fact["row_key"], fact["col_key"]) == (
                    "applications", row_key, "total") and fact["value"] is not None:
                out[(record["agency"], record["year"])] += fact["value"]
    return dict(out)


def test_read_facts_filters_by_year_agency_and_table(district: tuple[Path, list]) -> None:
    wh, records = district
    agency = records[0]["agency"]
    facts = read_facts(wh, years=[2021], agencies=[agency], tables=["applications"])
    assert set(facts["year"]) == {2021}
    assert set(facts["agency"]) == {agency} and set(facts["table"]) == {"applications"}
    truth = next(r for r in records if r["agency"] == agency and r["year"] == 2021)
    printed = [f for f in truth["facts"] if f["table"] == "applications"]
    assert len(facts) == len(printed)
    for column in ("agency_id", "agency", "table", "row_key", "col_key", "cell"):
        assert isinstance(facts[column].dtype, pd.CategoricalDtype), column
    assert str(facts["year"].dtype) == "Int16" and str(facts["value"].dtype) == "float64"


def test_read_facts_knows_agencies_by_any_registered_spelling(
        district: tuple[Path, list]) -> None:
    wh, records = district
    registry = AgencyRegistry.bundled()
    names = sorted({r["agency"] for r in records})
    other_spellings = {
        name: [row["name"] for row in read_map("agencies")
               if row["agency_id"] == registry.resolve(name).agency_id
               and row["relation"] in ("alias", "former")]
        for name in names}
    name = next(n for n in names if other_spellings[n])
    by_name = read_facts(wh, agencies=[name])
    assert len(by_name) > 0 and set(by_name["agency"]) == {name}
    for spelling in other_spellings[name]:
        assert len(read_facts(wh, agencies=[spelling])) == len(by_name), spelling
    assert len(read_facts(wh, agencies=[registry.resolve(name).agency_id])) == len(by_name)


def test_totals_match_the_generators_truth(district: tuple[Path, list]) -> None:
    wh, records = district
    facts = read_facts(wh, tables=["applications"])
    got = (facts[(facts["row_key"] == "new_received") & (facts["col_key"] == "total")]
           .groupby(["agency", "year"], observed=True)["value"].sum())
    assert {(a, int(y)): v for (a, y), v in got.items()} == _truth_total(records,
                                                                        "new_received")


def test_wide_applications_is_table_three_as_printed(district: tuple[Path, list]) -> None:
    wh, records = district
    wide = wide_applications(read_facts(wh, tables=["applications"]))
    assert list(wide.columns[-7:]) == list(APPLICANT_COLUMNS)
    one = wide[(wide["agency"] == records[0]["agency"]) & (wide["year"] == records[0]["year"])]
    assert one["row_key"].iloc[0] == "new_received" and one["row_key"].iloc[-1] == \
        "carried_forward"
    received = wide[wide["row_key"] == "new_received"]
    expected = _truth_total(records, "new_received")
    assert {(a, int(y)): t for a, y, t in zip(received["agency"], received["year"],
                                              received["total"], strict=True)} == expected
    # 总计 is the sum of the six applicant types wherever the generator kept the rule.
    parts = received[list(APPLICANT_COLUMNS[:-1])].sum(axis=1)
    assert (parts == received["total"]).mean() > 0.9


def test_reports_and_checks(district: tuple[Path, list]) -> None:
    wh, _ = district
    reports = read_reports(wh, years=[2020, 2021])
    assert len(reports) == 8 and set(reports["year"]) == {2020, 2021}
    failed = read_checks(wh, failed_only=True)
    assert not failed["passed"].any()
    assert len(read_checks(wh)) > len(failed)
    carry = read_checks(wh)
    assert (carry["rule"] == "cross_year.carry").sum() == 4 * 4 * 7


def test_comparability_comes_from_the_key_list() -> None:
    table = comparability().set_index(["table", "row_key", "col_key"])
    assert table.loc[("applications", "other", "total"), "comparable"]
    assert table.loc[("active_disclosure", "licensing", "decisions"), "comparable"]
    sub = table.loc[("applications", "other.other", "total")]
    assert not sub["comparable"] and sub["why_not"] == "printed only by the 2021 template"
    assert table.loc[("active_disclosure", "rules", "made"), "why_not"] == \
        "printed only by the 2019 template"


def test_views_agree_with_pandas(district: tuple[Path, list]) -> None:
    wh, records = district
    con = connect(wh)
    facts = read_facts(wh)
    counts = {v: con.execute(f"SELECT count(*) FROM {v}").fetchone()[0] for v in VIEWS}
    assert counts["facts"] == len(facts)
    assert counts["reports"] == len(read_reports(wh)) == 20
    assert counts["checks"] == len(read_checks(wh))
    assert counts["key_comparability"] == len(comparability())
    wide = wide_applications(facts)
    sql_wide = con.execute("SELECT * FROM applications_wide").df()
    assert len(sql_wide) == len(wide)
    assert sql_wide["total"].sum() == pytest.approx(wide["total"].sum())
    summary = con.execute("SELECT * FROM agency_year_summary").df()
    assert len(summary) == 20
    expected = _truth_total(records, "new_received")
    assert {(a, int(y)): r for a, y, r in zip(summary["agency"], summary["year"],
                                              summary["received"], strict=True)} == expected
    shares = summary[[c for c in summary.columns if c.endswith("_share")]]
    with_outcomes = summary["outcomes"] > 0
    assert shares[with_outcomes].sum(axis=1).round(9).eq(1).all()
    year_filtered = con.execute("SELECT DISTINCT year FROM facts WHERE year = 2022").fetchall()
    assert year_filtered == [(2022,)]


def test_connect_refuses_a_folder_that_is_no_warehouse(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="is not a warehouse"):
        connect(tmp_path)
