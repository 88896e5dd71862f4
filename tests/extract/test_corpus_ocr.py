"""The OCR/converter markdown reports of the shared corpus (r008, r009, r010).

Their tables are cut apart: 表三 in pieces with placeholder headers (r008), labels
away from their values (r009, r010), 表四 in one table per block (r008), a 总计
printed blank (r009). These tests check the hand-read figures of the manifest and,
by eye against the reports, the cells each mechanism reads. They skip where
``../shared`` is absent.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from extract.report import ExtractedReport, extract_file

APP_COLS = ("natural_person", "commercial", "research", "social_welfare", "legal_services",
            "other_org", "total")
RL_COLS = ("upheld", "corrected", "other", "pending", "total")


def _report(corpus: Path, name: str) -> ExtractedReport:
    return extract_file(corpus / "reports" / name)


def _row(report: ExtractedReport, table: str, row_key: str,
         cols: tuple[str, ...]) -> list[float | None]:
    values = {(f.table, f.row_key, f.col_key): f.value for f in report.facts}
    return [values.get((table, row_key, c)) for c in cols]


@pytest.mark.parametrize("name", ["r008.txt", "r009.md", "r010.md"])
def test_hand_read_figures(corpus: Path, name: str, figure_cells: dict[str, list]) -> None:
    with open(corpus / "manifest.csv", encoding="utf-8") as fh:
        row = {r["id"]: r for r in csv.DictReader(fh)}[name.split(".")[0]]
    report = _report(corpus, name)
    values = {(f.table, f.row_key, f.col_key): f.value for f in report.facts}
    assert (report.template, report.year) == (row["template"], int(row["year"]))
    for figure, cells in figure_cells.items():
        assert sum(values[c] or 0 for c in cells) == float(row[figure]), figure


def test_r008_table_four_in_three_block_tables(corpus: Path) -> None:
    report = _report(corpus, "r008.txt")
    assert _row(report, "reviews_litigation", "review", RL_COLS) == [27, 10, 9, 15, 61]
    assert _row(report, "reviews_litigation", "litigation_direct", RL_COLS) == [3, 0, 0, 0, 3]
    assert _row(report, "reviews_litigation", "litigation_after_review", RL_COLS) == [
        8, 0, 1, 1, 10]
    labels = {f.raw_row_label for f in report.facts if f.table == "reviews_litigation"}
    assert labels == {"行政复议", "行政诉讼（未经复议直接起诉）", "行政诉讼（复议后起诉）"}
    codes = {w.code for w in report.warnings}
    assert not codes & {"table_missing", "short_row", "rows_missing", "cells_missing"}


def test_r008_placeholder_headers_and_every_check(corpus: Path) -> None:
    report = _report(corpus, "r008.txt")
    assert not any(w.code.startswith("header_") for w in report.warnings)
    assert _row(report, "applications", "new_received", APP_COLS) == [705, 3, 0, 0, 5, 0, 713]
    assert _row(report, "applications", "other.other", APP_COLS) == [142, 1, 0, 0, 0, 0, 143]
    assert [c for c in report.checks if not c.passed] == []


def test_r009_blank_total_is_derived_from_its_parts(corpus: Path) -> None:
    report = _report(corpus, "r009.md")
    total = next(f for f in report.facts
                 if (f.row_key, f.col_key) == ("carried_forward", "total"))
    assert (total.value, total.cell, total.raw_value, total.line) == (1.0, "derived", None, None)
    warned = [w for w in report.warnings if w.code == "total_derived"]
    assert [w.line for w in warned] == [178]
    # Printed totals are never replaced.
    assert {f.cell for f in report.facts
            if f.col_key == "total" and f.row_key != "carried_forward"
            and f.table == "applications" and f.row_key != "other"} == {"number"}


def test_r009_labels_out_of_order_so_no_row_is_inferred(corpus: Path) -> None:
    # Its labels float away from their values and are read out of the template's
    # order: no gap can be trusted, so the unlabelled rows stay unnamed.
    report = _report(corpus, "r009.md")
    assert not any(w.code == "row_inferred" for w in report.warnings)
    assert any(w.code == "unlabelled_values" for w in report.warnings)


def test_r010_unlabelled_and_truncated_rows_placed_by_row_order(corpus: Path) -> None:
    report = _report(corpus, "r010.md")
    assert _row(report, "applications", "not_processed.confirm_reissue", APP_COLS) == [0] * 7
    assert _row(report, "applications", "other.no_correction", APP_COLS) == [
        40, 1, 0, 0, 2, 0, 43]
    inferred = {w.line for w in report.warnings if w.code == "row_inferred"}
    assert inferred == {154, 156}
    failed = {c.rule for c in report.checks if not c.passed}
    assert "applications.outcome_sum" not in failed
    assert _row(report, "reviews_litigation", "review", RL_COLS) == [40, 0, 10, 5, 55]
