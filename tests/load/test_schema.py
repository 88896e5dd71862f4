"""The schema registry: column order and types, conform, the data dictionary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from load.schema import (
    CHECKS,
    DATASETS,
    FACTS,
    REPORTS,
    SchemaError,
    _type_name,
    arrow_schema,
    conform,
    data_dictionary,
    empty_frame,
    file_schema,
)
from transform.maps import read_map


def test_the_dictionarys_column_order() -> None:
    assert FACTS.names == [
        "year", "agency_id", "agency", "template", "table", "row_key", "col_key", "value",
        "unit", "cell", "raw_row_label", "raw_col_label", "raw_value", "source",
        "source_sha256", "line", "agency_kind",
    ]
    assert REPORTS.names == [
        "year", "agency_id", "agency", "template", "source", "source_sha256", "bytes",
        "encoding", "format", "title", "status", "error", "n_facts", "n_checks_failed",
        "run_id", "processed_at", "n_warnings", "warnings", "superseded_by",
        "source_mtime_ns", "stale", "facts_sha256", "agency_kind",
    ]
    assert CHECKS.names == [
        "year", "agency_id", "source_sha256", "rule", "table", "row_key", "col_key",
        "expected", "actual", "passed", "source", "other_source", "agency", "agency_kind",
    ]
    assert set(DATASETS) == {"facts", "reports", "checks"}


def test_arrow_types() -> None:
    facts = arrow_schema("facts")
    assert facts.field("year").type == pa.int16()
    assert facts.field("value").type == pa.float64()
    assert facts.field("line").type == pa.int32()
    reports = arrow_schema("reports")
    assert reports.field("bytes").type == pa.int64()
    assert reports.field("processed_at").type == pa.timestamp("us", tz="UTC")
    assert reports.field("year").nullable
    assert arrow_schema("checks").field("passed").type == pa.bool_()
    assert "year" not in file_schema("facts").names


@pytest.mark.parametrize("name", list(DATASETS))
def test_empty_frame_has_schema_dtypes(name: str) -> None:
    frame = empty_frame(name)
    assert list(frame.columns) == DATASETS[name].names
    assert len(frame) == 0
    assert str(frame["year"].dtype) == "Int16"
    assert conform(frame, name).dtypes.equals(frame.dtypes)


def test_conform_orders_and_types() -> None:
    df = pd.DataFrame({
        "passed": [True, False], "source": ["a.txt", "b.txt"], "year": [2020, 2021],
        "agency_id": ["x", None], "agency": ["区x局", None], "agency_kind": ["区政府部门", None],
        "source_sha256": ["1", "2"], "rule": ["r", "r"],
        "table": ["applications", None], "row_key": [None, "total"],
        "col_key": [np.nan, "total"], "expected": [1, 2], "actual": [1.0, None],
        "other_source": [None, "c.html"],
    })
    out = conform(df, "checks")
    assert list(out.columns) == CHECKS.names
    assert str(out["year"].dtype) == "Int16"
    assert isinstance(out["agency_id"].dtype, pd.StringDtype)
    assert out["col_key"].isna().iloc[0]
    assert str(out["passed"].dtype) == "boolean"
    assert out["expected"].dtype == np.float64


def test_conform_names_missing_and_unexpected_columns() -> None:
    df = empty_frame("facts").drop(columns=["value", "line"]).assign(extra=1, other=2)
    with pytest.raises(SchemaError) as err:
        conform(df, "facts")
    message = str(err.value)
    assert "missing columns: value, line" in message
    assert "unexpected columns: extra, other" in message


def test_conform_rejects_null_in_required_column() -> None:
    df = empty_frame("checks").reindex(range(1))
    with pytest.raises(SchemaError, match="required columns: year, rule, passed, source"):
        conform(df, "checks")


def test_conform_rejects_unconvertible_value() -> None:
    df = empty_frame("facts").reindex(range(1)).assign(
        year=["twenty"], table="t", row_key="r", col_key="c", source="s", source_sha256="h")
    with pytest.raises(SchemaError, match=r"facts\.year"):
        conform(df, "facts")


def test_conform_subset_of_columns() -> None:
    df = pd.DataFrame({"source": ["a"], "year": [2020]})
    out = conform(df, "reports", columns=["year", "source"])
    assert list(out.columns) == ["year", "source"]
    with pytest.raises(SchemaError, match="no column 'nope'"):
        conform(df, "reports", columns=["nope"])


def test_unknown_dataset() -> None:
    with pytest.raises(SchemaError, match="unknown dataset 'fact'"):
        arrow_schema("fact")


def test_data_dictionary_lists_every_column_and_key() -> None:
    text = data_dictionary()
    for ds in DATASETS.values():
        assert f"## `{ds.name}`" in text
        for col in ds.columns:
            assert f"| `{col.name}` | {_type_name(col.arrow_type)} | {col.pandas_dtype} |" in text
    for row in read_map("keys"):
        assert row["row_label"] in text
    assert "| active_disclosure | `licensing` | 行政许可 | `decisions` |" in text
    assert "| 2019 2021 | count | yes |" in text
    assert "| 2019 | count | no |" in text
