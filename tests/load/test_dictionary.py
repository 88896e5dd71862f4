"""The data dictionary: current on disk, every view and column described."""

from __future__ import annotations

from pathlib import Path

import pytest

from load.dictionary import data_dictionary
from load.views import VIEWS, connect_empty, views

DICTIONARY = Path(__file__).resolve().parents[2] / "docs" / "data-dictionary.md"


def test_data_dictionary_file_is_current() -> None:
    assert DICTIONARY.read_text("utf-8") == data_dictionary(), (
        "docs/data-dictionary.md is stale: run "
        "`.venv/bin/python -m load.dictionary > docs/data-dictionary.md`"
    )


@pytest.fixture(scope="module")
def described() -> dict[str, object]:
    con = connect_empty()
    try:
        return {v.name: v for v in views(con)}
    finally:
        con.close()


def test_every_view_is_described_with_every_column(described: dict) -> None:
    assert list(described) == list(VIEWS)
    text = data_dictionary()
    for name, view in described.items():
        assert view.description, name
        for column in view.columns:
            assert column.meaning, (name, column.name)
            assert column.type, (name, column.name)
        if name not in ("facts", "reports", "checks"):
            assert f"### `{name}`" in text
            assert all(f"| `{c.name}` |" in text for c in view.columns), name


def test_comparison_views_have_a_chinese_header_for_every_column(described: dict) -> None:
    for name in ("agency_year_summary", "district_year_summary", "outcomes_wide",
                 "reviews_litigation_wide", "active_disclosure_wide", "data_quality",
                 "failed_checks", "applications_wide", "agencies"):
        missing = [c.name for c in described[name].columns if not c.label]
        assert not missing, (name, missing)


def test_wide_view_headers_come_from_the_keys(described: dict) -> None:
    labels = described["outcomes_wide"].labels()
    assert labels["withheld_state_secret"] == "（三）不予公开 1.属于国家秘密"
    assert described["active_disclosure_wide"].labels()["rules_in_force"] == "规章 现行有效件数"
