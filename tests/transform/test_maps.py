"""Tests of ``transform.maps`` and the CSV maps it reads.

Covers ``read_map`` (missing columns and missing maps are rejected, values are
stripped, stray cells dropped) with a fake package in place of ``transform/maps``,
and the content of the shipped maps: every alias in labels.csv is non-empty and
already in the form labels are compared in, every row/col/block key of labels.csv is a
key of its table's catalog, and every multiplier in units.csv parses as a number.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

import pytest

import transform.maps as maps_mod
from extract.decode import normalise_width
from transform.keys import TABLES, TEMPLATES, key_catalog
from transform.labels import normalise_label
from transform.maps import REQUIRED_COLUMNS, MapError, read_map


@pytest.fixture
def fresh_cache():
    """``read_map`` is cached: start and end each test with an empty cache."""
    read_map.cache_clear()
    yield
    read_map.cache_clear()


class _FakeFile:
    def __init__(self, text: str | None) -> None:
        self.text = text

    def joinpath(self, _name: str) -> _FakeFile:
        return self

    def read_text(self, _encoding: str) -> str:
        if self.text is None:
            raise FileNotFoundError
        return self.text


def _fake_maps(monkeypatch: pytest.MonkeyPatch, text: str | None) -> None:
    monkeypatch.setattr(maps_mod, "resources", SimpleNamespace(files=lambda _pkg: _FakeFile(text)))


# -- read_map ---------------------------------------------------------------------------


@pytest.mark.usefixtures("fresh_cache")
def test_missing_columns_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_maps(monkeypatch, "table,axis,key,alias,templates\napplications,row,granted,予以公开,\n")
    with pytest.raises(MapError, match=r"labels\.csv lacks columns: match"):
        read_map("labels")


@pytest.mark.usefixtures("fresh_cache")
def test_all_missing_columns_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_maps(monkeypatch, "suffix,notes\n万元,\n")
    with pytest.raises(MapError, match="lacks columns: multiplier, unit"):
        read_map("units")


@pytest.mark.usefixtures("fresh_cache")
def test_empty_map_lacks_every_column(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_maps(monkeypatch, "")
    with pytest.raises(MapError, match="lacks columns: token"):
        read_map("dashes")


@pytest.mark.usefixtures("fresh_cache")
def test_missing_map_is_a_map_error(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_maps(monkeypatch, None)
    with pytest.raises(MapError, match="not found"):
        read_map("units")


@pytest.mark.usefixtures("fresh_cache")
def test_missing_real_map_is_a_map_error() -> None:
    with pytest.raises(MapError, match="no_such_map"):
        read_map("no_such_map")


@pytest.mark.usefixtures("fresh_cache")
def test_rows_are_stripped_and_stray_cells_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_maps(monkeypatch, "suffix,multiplier,unit\n 万元 , 10000 ,yuan,stray\n件,1\n")
    assert read_map("units") == (
        {"suffix": "万元", "multiplier": "10000", "unit": "yuan"},
        {"suffix": "件", "multiplier": "1", "unit": ""},
    )


@pytest.mark.usefixtures("fresh_cache")
def test_extra_columns_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_maps(monkeypatch, "token,notes\n/,a slash\n")
    assert read_map("dashes") == ({"token": "/", "notes": "a slash"},)


@pytest.mark.usefixtures("fresh_cache")
def test_read_map_is_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_maps(monkeypatch, "token\n/\n")
    first = read_map("dashes")
    _fake_maps(monkeypatch, "token\n-\n")
    assert read_map("dashes") is first


@pytest.mark.parametrize("name", sorted(REQUIRED_COLUMNS))
def test_every_shipped_map_reads(name: str) -> None:
    rows = read_map(name)
    assert rows
    assert set(REQUIRED_COLUMNS[name]) <= set(rows[0])


# -- labels.csv -----------------------------------------------------------------------


def _labels() -> tuple[dict[str, str], ...]:
    return read_map("labels")


def test_every_alias_is_non_empty() -> None:
    empty = [r for r in _labels() if not r["alias"]]
    assert empty == []


def test_every_alias_is_in_compared_form() -> None:
    # Text is width-normalised and label-normalised before matching; an alias that is
    # not in that form (full-width brackets, spaces, quotes) would never match.
    odd = [r["alias"] for r in _labels()
           if normalise_label(normalise_width(r["alias"])) != r["alias"]]
    assert odd == []


@pytest.mark.parametrize("axis", ["row", "block"])
def test_row_and_block_keys_are_catalog_rows(axis: str) -> None:
    rows = key_catalog().row_order
    unknown = [(r["table"], r["key"]) for r in _labels()
               if r["axis"] == axis and r["key"] not in rows.get(r["table"], ())]
    assert unknown == []


def test_col_keys_are_catalog_columns() -> None:
    cols = key_catalog().col_order
    unknown = [(r["table"], r["key"]) for r in _labels()
               if r["axis"] == "col" and r["key"] not in cols.get(r["table"], ())]
    assert unknown == []


def test_every_catalog_key_has_an_alias() -> None:
    aliased = {(r["table"], r["axis"], r["key"]) for r in _labels()}
    catalog = key_catalog()
    missing = []
    for table in TABLES:
        row_axis = "block" if table == "reviews_litigation" else "row"
        missing += [(table, k) for k in catalog.row_order[table]
                    if (table, row_axis, k) not in aliased]
        missing += [(table, k) for k in catalog.col_order[table]
                    if (table, "col", k) not in aliased]
    assert missing == []


def test_label_axes_and_tables_are_known() -> None:
    assert {r["axis"] for r in _labels()} <= {
        "anchor", "subtable", "row", "col", "block", "group", "placeholder"}
    assert {r["table"] for r in _labels()} <= {*TABLES, "document"}


def test_group_rows_have_no_key() -> None:
    assert [r for r in _labels() if r["axis"] == "group" and r["key"]] == []


def test_match_and_templates_are_valid() -> None:
    bad = [r for r in _labels()
           if r["match"] not in ("contains", "exact")
           or not set(r["templates"].split()) <= set(TEMPLATES)]
    assert bad == []


def test_every_table_has_an_anchor() -> None:
    anchored = {r["table"] for r in _labels() if r["axis"] == "anchor"}
    assert anchored >= set(TABLES)


# -- units.csv, dashes.csv, agency_suffixes.csv --------------------------------------


def test_every_multiplier_parses_as_a_number() -> None:
    bad = []
    for row in read_map("units"):
        try:
            if Decimal(row["multiplier"]) <= 0:
                bad.append(row)
        except InvalidOperation:
            bad.append(row)
    assert bad == []


@pytest.mark.parametrize(
    ("suffix", "multiplier", "unit"),
    [("亿元", 100_000_000, "yuan"), ("万元", 10_000, "yuan"), ("元", 1, "yuan"),
     ("万", 10_000, ""), ("件", 1, "count")],
)
def test_known_units(suffix: str, multiplier: int, unit: str) -> None:
    (row,) = [r for r in read_map("units") if r["suffix"] == suffix]
    assert (Decimal(row["multiplier"]), row["unit"]) == (multiplier, unit)


def test_unit_names_are_known() -> None:
    assert {r["unit"] for r in read_map("units")} <= {"yuan", "count", ""}


@pytest.mark.parametrize(("name", "column"), [("dashes", "token"),
                                               ("agency_suffixes", "suffix"),
                                               ("units", "suffix")])
def test_tokens_are_non_empty_and_unique(name: str, column: str) -> None:
    values = [r[column] for r in read_map(name)]
    assert all(values)
    assert len(values) == len(set(values))
