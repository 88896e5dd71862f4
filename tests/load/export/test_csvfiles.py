"""``xxgk export --csv``: a file per sheet in UTF-8 with a BOM (Excel's Chinese), its
header the column keys, the Chinese headers in ``columns.csv``; read back with pandas,
the same rows as the workbook."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from load.export import SHEETS, TOTAL_LABEL, Written
from load.export.csvfiles import ABOUT_FILE, COLUMNS_FILE, ENCODING, write_rows


@pytest.fixture(scope="module")
def folder(exported: Written) -> Path:
    return exported.csv_files[0].parent


def test_a_file_per_sheet_with_a_bom(exported: Written, folder: Path) -> None:
    names = {p.name for p in exported.csv_files}
    assert names == {ABOUT_FILE, COLUMNS_FILE, *(f"{s.view}.csv" for s in SHEETS)}
    assert {p.name for p in folder.iterdir()} == names  # no temporary file left
    for path in exported.csv_files:
        assert path.read_bytes().startswith(b"\xef\xbb\xbf"), path.name


def test_round_trip_with_pandas(exported: Written, folder: Path, workbook: Path) -> None:
    book = openpyxl.load_workbook(workbook, read_only=True)
    for sheet in SHEETS:
        frame = pd.read_csv(folder / f"{sheet.view}.csv", encoding=ENCODING, dtype=str)
        ws = book[sheet.name]
        header = [c.value for c in next(ws.iter_rows(min_row=2, max_row=2))]
        assert list(frame.columns) == header, sheet.view
        rows = list(ws.iter_rows(min_row=3, values_only=True))
        assert len(frame) == len(rows), sheet.view
        for got, want in zip(frame.astype(object).itertuples(index=False), rows, strict=True):
            for a, b in zip(got, want, strict=True):
                if b is None:
                    assert pd.isna(a)
                elif isinstance(b, float | int) and not isinstance(b, bool):
                    assert float(a) == pytest.approx(b, rel=1e-12)
                elif isinstance(b, bool):
                    assert a == str(b)
                elif not hasattr(b, "year"):  # timestamps: text in the CSV
                    assert a == b, (sheet.view, a, b)


def test_chinese_text_survives_and_totals_are_marked(folder: Path) -> None:
    frame = pd.read_csv(folder / "agency_year_summary.csv", encoding=ENCODING)
    assert {"区教育局", "区<测试>&\"局", TOTAL_LABEL} <= set(frame["agency"])
    assert frame.loc[frame["agency"] == TOTAL_LABEL, "agency_id"].isna().all()
    with (folder / "agency_year_summary.csv").open(encoding=ENCODING, newline="") as f:
        received = [r["received"] for r in csv.DictReader(f) if r["received"]]
    assert received and all(v.isdigit() for v in received)  # 1964, not 1964.0


def test_columns_file_gives_every_header(folder: Path) -> None:
    columns = pd.read_csv(folder / COLUMNS_FILE, encoding=ENCODING, keep_default_na=False)
    assert list(columns.columns) == ["view", "column", "label", "meaning"]
    summary = columns[columns["view"] == "agency_year_summary"].set_index("column")
    assert summary.loc["granted_share", "label"] == "予以公开比例"
    for sheet in SHEETS:
        header = pd.read_csv(folder / f"{sheet.view}.csv", encoding=ENCODING, nrows=0)
        assert list(columns.loc[columns["view"] == sheet.view, "column"]) == list(header.columns)
    about = pd.read_csv(folder / ABOUT_FILE, encoding=ENCODING)
    assert "快照 snapshot" in set(about["item"])


def test_text_a_spreadsheet_would_run_is_written_inert(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    write_rows(path, ["agency", "received"],
                [["=1+2局", 3], ["+区加号局", -4], ["-区", None], ["区教育局", 5]])
    text = path.read_text(encoding="utf-8-sig")
    assert text.splitlines()[1:] == ["'=1+2局,3", "'+区加号局,-4", "'-区,", "区教育局,5"]
