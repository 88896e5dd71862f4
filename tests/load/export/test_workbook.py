"""The workbook ``xxgk export`` writes, read back with openpyxl and pandas: its sheets,
both header rows, frozen panes, filters, number formats, empty cells for nulls, and
every value equal to the same view read through :func:`load.views.connect`."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from load.export import ABOUT_SHEET, SHEETS, TOTAL_LABEL
from load.views import SMALL_BASE, connect, views

PER_AGENCY = [s for s in SHEETS if s.totals]


@pytest.fixture(scope="module")
def book(workbook: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(workbook)


@pytest.fixture(scope="module")
def described(district: dict) -> dict:
    return {v.name: v for v in views(connect(district["wh"]))}


def _rows(sheet: Worksheet) -> list[dict[str, object]]:
    """The data rows of a sheet, by column key (the second header row)."""
    keys = [c.value for c in sheet[2]]
    return [dict(zip(keys, row, strict=True))
            for row in sheet.iter_rows(min_row=3, values_only=True)]


def _view(wh: Path, view: str) -> list[dict[str, object]]:
    con = connect(wh)
    frame = con.execute(f"SELECT * FROM {view}").df().astype(object)
    return frame.where(frame.notna(), None).to_dict("records")


def _same(cell: object, value: object) -> bool:
    if value is None:
        return cell is None
    if isinstance(value, datetime):  # Excel keeps milliseconds, and no time zone
        shown = cell.replace(tzinfo=UTC) if isinstance(cell, datetime) else None
        return shown is not None and abs((shown - value).total_seconds()) < 1e-3
    if isinstance(value, float | int) and not isinstance(value, bool):
        return isinstance(cell, float | int) and math.isclose(cell, value, rel_tol=1e-12)
    return cell == value


def _key(row: dict[str, object]) -> tuple:
    return tuple(str(row.get(k)) for k in ("agency_id", "year", "grouping", "source", "rule",
                                           "table", "row_key", "col_key"))


def test_the_sheets_in_their_order(book: openpyxl.Workbook) -> None:
    assert book.sheetnames == [ABOUT_SHEET, *(s.name for s in SHEETS)]
    assert book.sheetnames[1:4] == ["机关年度汇总 agency_year_summary",
                                    "全区及类别合计 district_year_summary",
                                    "办理结果明细 outcomes_wide"]
    for name in book.sheetnames:
        assert len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name)


def test_the_about_sheet_names_snapshot_filters_rule_and_sheets(
        book: openpyxl.Workbook, district: dict, described: dict) -> None:
    about = book[ABOUT_SHEET]
    text = "\n".join(str(v) for row in about.iter_rows(values_only=True) for v in row if v)
    snapshot = connect(district["wh"]).execute("SELECT snapshot FROM warehouse_snapshot")
    assert snapshot.fetchone()[0] in text
    assert str(Path(district["wh"]).resolve()) in text
    assert f"below {SMALL_BASE}" in text and "全部 all" in text
    for sheet in SHEETS:
        assert sheet.name in text and described[sheet.view].description in text


def test_two_frozen_header_rows_and_a_filter(book: openpyxl.Workbook, described: dict) -> None:
    for sheet in SHEETS:
        ws = book[sheet.name]
        columns = [c.name for c in described[sheet.view].columns]
        keys = [c.value for c in ws[2]]
        assert set(keys) <= set(columns) and keys == [c for c in columns if c in keys]
        labels = described[sheet.view].labels()
        assert [c.value for c in ws[1]] == [labels[k] or k for k in keys]
        frozen = keys.index("agency" if "agency" in keys else "grouping") + 1
        assert ws.freeze_panes == f"{get_column_letter(frozen + 1)}3"
        assert ws.auto_filter.ref == f"A2:{get_column_letter(len(keys))}{ws.max_row}"
        assert ws.max_row > 2, sheet.view


def test_values_are_the_views(book: openpyxl.Workbook, district: dict) -> None:
    for sheet in SHEETS:
        shown = [r for r in _rows(book[sheet.name]) if r.get("agency") != TOTAL_LABEL]
        expected = _view(district["wh"], sheet.view)
        assert len(shown) == len(expected), sheet.view
        for got, want in zip(sorted(shown, key=_key), sorted(expected, key=_key), strict=True):
            for key, cell in got.items():
                assert _same(cell, want[key]), (sheet.view, key, cell, want[key])
            # Only the columns empty over the whole selection are left out.
            assert all(want[k] is None for k in set(want) - set(got)), sheet.view


def test_rows_by_year_then_kind_and_agency(book: openpyxl.Workbook) -> None:
    rows = _rows(book["机关年度汇总 agency_year_summary"])
    order = [(r["year"], r["agency"] == TOTAL_LABEL, r["agency_kind"] or "~", r["agency"])
             for r in rows]
    assert order == sorted(order)


def test_number_formats_and_empty_nulls(book: openpyxl.Workbook) -> None:
    ws = book["机关年度汇总 agency_year_summary"]
    keys = [c.value for c in ws[2]]
    row = next(r for r in ws.iter_rows(min_row=3) if r[keys.index("received")].value
               and r[keys.index("granted_share")].value is not None
               and r[keys.index("other_share")].value is not None)
    formats = {k: c.number_format for k, c in zip(keys, row, strict=True)}
    assert formats["granted_share"] == formats["other_share"] == "0.0%"
    assert formats["received"] == formats["outcomes"] == "#,##0"
    assert formats["year"] == "0"
    amounts = book["主动公开 active_disclosure_wide"]
    keys = [c.value for c in amounts[2]]
    fees = [r[keys.index("fees_amount")] for r in amounts.iter_rows(min_row=3)]
    assert {c.number_format for c in fees if c.value is not None} == {"#,##0.00"}
    for sheet in SHEETS:
        for values in book[sheet.name].iter_rows(min_row=3, values_only=True):
            assert not any(isinstance(v, str) and v.lower() in ("nan", "none", "")
                           for v in values)
    # a failed report's figures are empty cells, not 0
    failed = next(r for r in _rows(ws) if r["status"] == "failed")
    assert failed["received"] is None and failed["granted_share"] is None


def test_a_district_total_row_per_year(book: openpyxl.Workbook) -> None:
    for sheet in PER_AGENCY:
        ws = book[sheet.name]
        rows = _rows(ws)
        years = sorted({r["year"] for r in rows})
        totals = [(i, r) for i, r in enumerate(rows) if r["agency"] == TOTAL_LABEL]
        assert [r["year"] for _i, r in totals] == years, sheet.view
        for i, total in totals:
            agencies = [r for r in rows if r["year"] == total["year"]
                        and r["agency"] != TOTAL_LABEL]
            assert rows[i - 1] in agencies  # after its year's agencies
            assert total["agency_id"] is None and total["agency_kind"] is None
            for key, value in total.items():
                numbers = [r[key] for r in agencies if isinstance(r[key], float | int)
                           and not isinstance(r[key], bool)]
                if key.endswith(("_share", "_pct")) or key in ("year", "small_base"):
                    continue
                if key.endswith("_previous"):  # beside the like-for-like change
                    measure = key.removesuffix("_previous")
                    both = [r for r in agencies
                            if r[key] is not None and r[measure] is not None]
                    assert value == (sum(r[key] for r in both) if both else None), key
                    if both:
                        assert total[f"{measure}_change"] == pytest.approx(
                            sum(r[measure] for r in both) - value), (sheet.view, key)
                    continue
                if numbers:
                    assert value == pytest.approx(sum(numbers)), (sheet.view, key)
                elif key not in ("agency",):
                    assert value is None, (sheet.view, key)
            assert all(c.font.b for c in ws[i + 3])  # bold


def test_total_shares_are_recomputed_from_the_sums(book: openpyxl.Workbook) -> None:
    rows = _rows(book["机关年度汇总 agency_year_summary"])
    district = {r["year"]: r for r in _rows(book["全区及类别合计 district_year_summary"])
                if r["district"]}
    checked = 0
    for total in (r for r in rows if r["agency"] == TOTAL_LABEL):
        if not total["outcomes"]:
            assert total["granted_share"] is None
            continue
        assert total["granted_share"] == pytest.approx(total["granted"] / total["outcomes"])
        assert total["small_base"] == (total["outcomes"] < SMALL_BASE)
        # the same as the district row of the view, which sums over the same agencies
        assert total["withheld_share"] == pytest.approx(
            district[total["year"]]["withheld_share"])
        change = district[total["year"]]["received_change_pct"]  # like for like
        assert total["received_change_pct"] == (None if change is None
                                                else pytest.approx(change))
        agencies = [r for r in rows if r["year"] == total["year"]
                    and r["agency"] != TOTAL_LABEL and r["granted_share"] is not None]
        mean = sum(r["granted_share"] for r in agencies) / len(agencies)
        assert total["granted_share"] != pytest.approx(mean)  # not an average of shares
        checked += 1
    assert checked >= 4


def test_pandas_reads_both_header_rows(workbook: Path, district: dict) -> None:
    frame = pd.read_excel(workbook, sheet_name="机关年度汇总 agency_year_summary",
                          header=[0, 1])
    assert frame.columns[1] == ("机关", "agency")
    assert frame.columns[frame.columns.get_level_values(1).get_loc("granted_share")] == (
        "予以公开比例", "granted_share")
    frame.columns = frame.columns.get_level_values(1)
    agencies = frame[frame["agency"] != TOTAL_LABEL]
    expected = connect(district["wh"]).execute(
        "SELECT year, sum(received) AS received, sum(outcomes) AS outcomes "
        "FROM agency_year_summary GROUP BY year ORDER BY year").df()
    got = agencies.groupby("year")[["received", "outcomes"]].sum(min_count=1).reset_index()
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert frame.loc[frame["agency"] == TOTAL_LABEL, "agency_id"].isna().all()


def test_active_disclosure_keeps_the_columns_the_selection_prints(
        book: openpyxl.Workbook) -> None:
    keys = [c.value for c in book["主动公开 active_disclosure_wide"][2]]
    # both templates' years are exported: the 2019 template's and the 2021 one's columns
    assert {"template", "rules_published", "rules_issued", "procurement_amount",
            "fees_amount"} <= set(keys)
