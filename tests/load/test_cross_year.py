"""cross_year.carry: 上年结转 of year N = 结转下年度 of year N−1, on small hand-made facts."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from load.cross_year import CARRY_RULE, carry_checks
from load.schema import CHECKS, empty_frame


def fact(year: int, row_key: str, col_key: str, value: float | None, *,
         agency: str = "A", source: str | None = None, table: str = "applications") -> dict:
    src = source or f"{agency}/{year}.txt"
    return {
        "year": year, "agency_id": agency, "agency": f"区{agency}局", "template": "2021",
        "agency_kind": "区政府部门",
        "table": table, "row_key": row_key, "col_key": col_key, "value": value,
        "unit": "count", "cell": "blank" if value is None else "number",
        "raw_row_label": "", "raw_col_label": "", "raw_value": "" if value is None else str(value),
        "source": src, "source_sha256": "sha-" + src, "line": 1,
    }


def frame(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=empty_frame("facts").columns)


def test_equal_carry_passes_and_is_attributed_to_year_n() -> None:
    out = carry_checks(frame(
        fact(2020, "carried_forward", "total", 5),
        fact(2021, "carried_over", "total", 5),
    ))
    assert list(out.columns) == CHECKS.names
    assert len(out) == 1
    row = out.iloc[0]
    assert row["year"] == 2021
    assert row["source"] == "A/2021.txt"
    assert row["source_sha256"] == "sha-A/2021.txt"
    assert (row["agency"], row["agency_kind"]) == ("区A局", "区政府部门")  # named, not only id
    assert (row["rule"], row["table"], row["row_key"], row["col_key"]) == (
        CARRY_RULE, "applications", "carried_over", "total")
    assert (row["expected"], row["actual"], row["passed"]) == (5.0, 5.0, True)
    assert str(out["year"].dtype) == "Int16"


def test_mismatch_fails_with_both_values() -> None:
    out = carry_checks(frame(
        fact(2020, "carried_forward", "natural_person", 3),
        fact(2021, "carried_over", "natural_person", 4),
    ))
    assert out[["expected", "actual", "passed"]].values.tolist() == [[3.0, 4.0, False]]


def test_one_row_per_column_present_in_both() -> None:
    out = carry_checks(frame(
        fact(2020, "carried_forward", "natural_person", 1),
        fact(2020, "carried_forward", "total", 2),
        fact(2020, "carried_forward", "commercial", 0),  # absent in 2021: no check
        fact(2021, "carried_over", "total", 2),
        fact(2021, "carried_over", "natural_person", 1),
        fact(2021, "carried_over", "research", 0),  # absent in 2020: no check
    ))
    assert out["col_key"].tolist() == ["natural_person", "total"]  # the dictionary's column order
    assert out["passed"].all()


def test_blank_and_dash_count_as_zero() -> None:
    out = carry_checks(frame(
        fact(2020, "carried_forward", "total", None),
        fact(2021, "carried_over", "total", 0),
        fact(2020, "carried_forward", "research", 0),
        fact(2021, "carried_over", "research", None),
        fact(2020, "carried_forward", "commercial", None),
        fact(2021, "carried_over", "commercial", 2),
    ))
    got = {r.col_key: (r.expected, r.actual, r.passed) for r in out.itertuples()}
    assert got["total"] == (0.0, 0.0, True)
    expected, actual, passed = got["research"]
    assert expected == 0.0 and pd.isna(actual) and passed
    assert got["commercial"] == (0.0, 2.0, False)


def test_needs_consecutive_years_and_same_agency() -> None:
    out = carry_checks(frame(
        fact(2019, "carried_forward", "total", 1),
        fact(2021, "carried_over", "total", 1),  # 2020 missing: nothing to compare
        fact(2020, "carried_forward", "total", 7, agency="B"),
        fact(2021, "carried_over", "total", 7, agency="C"),
    ))
    assert out.empty
    assert list(out.columns) == CHECKS.names


def test_ignores_other_tables_and_rows() -> None:
    out = carry_checks(frame(
        fact(2020, "carried_forward", "total", 1, table="reviews_litigation"),
        fact(2021, "carried_over", "total", 1, table="reviews_litigation"),
        fact(2020, "total", "total", 1),
        fact(2021, "new_received", "total", 1),
    ))
    assert out.empty


def test_several_years_chain() -> None:
    out = carry_checks(frame(
        fact(2019, "carried_forward", "total", 1),
        fact(2020, "carried_over", "total", 1),
        fact(2020, "carried_forward", "total", 2),
        fact(2021, "carried_over", "total", 3),
    ))
    assert out["year"].tolist() == [2020, 2021]
    assert out["passed"].tolist() == [True, False]


def test_several_sources_for_one_agency_year_are_paired_each_with_each() -> None:
    out = carry_checks(frame(
        fact(2020, "carried_forward", "total", 2, source="A/2020.txt"),
        fact(2020, "carried_forward", "total", 3, source="A/2020-revised.txt"),
        fact(2021, "carried_over", "total", 2, source="A/2021.txt"),
        fact(2021, "carried_over", "total", 3, source="A/2021.pdf"),
    ))
    assert len(out) == 4
    pairs = {(r.source, r.expected): r.passed for r in out.itertuples()}
    assert pairs == {
        ("A/2021.pdf", 2.0): False, ("A/2021.pdf", 3.0): True,
        ("A/2021.txt", 2.0): True, ("A/2021.txt", 3.0): False,
    }


def test_unknown_agency_is_ignored() -> None:
    rows = frame(fact(2020, "carried_forward", "total", 1), fact(2021, "carried_over", "total", 1))
    rows["agency_id"] = None
    assert carry_checks(rows).empty


def test_empty_input() -> None:
    out = carry_checks(empty_frame("facts"))
    assert out.empty and list(out.columns) == CHECKS.names


def test_output_does_not_depend_on_input_order() -> None:
    rows = frame(
        fact(2020, "carried_forward", "total", 1), fact(2020, "carried_forward", "natural_person", 1),
        fact(2021, "carried_over", "natural_person", 1), fact(2021, "carried_over", "total", 2),
        fact(2019, "carried_forward", "total", 5, agency="B"), fact(2020, "carried_over", "total", 5, agency="B"),
    )
    a = carry_checks(rows)
    b = carry_checks(rows.iloc[::-1])
    pd.testing.assert_frame_equal(a, b)
    assert a["agency_id"].tolist() == ["A", "A", "B"]


@pytest.mark.parametrize(("forward", "over", "passed"), [(10.0, 10.0 + 1e-9, True), (1e6, 1e6 + 2, False)])
def test_tolerance_matches_report_checks(forward: float, over: float, passed: bool) -> None:
    out = carry_checks(frame(fact(2020, "carried_forward", "total", forward),
                             fact(2021, "carried_over", "total", over)))
    assert bool(out["passed"].iloc[0]) is passed
    assert not math.isnan(out["expected"].iloc[0])
