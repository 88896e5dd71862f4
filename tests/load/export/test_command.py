"""``xxgk export`` on the command line: one line when written, exit 2 and one line on
stderr for a usage error, files replaced whole or not at all, one snapshot read."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from frames import batch, publish, two_publishes_during_first_read

import load.export.tables
from flows.cli import main
from load.analysis import current_snapshot
from load.export import ABOUT_SHEET, Sheet, export
from load.warehouse import Warehouse


def _export(district: dict, *options: str) -> int:
    return main(["export", "--warehouse", str(district["wh"]), *options])


def test_writes_and_says_what(district: dict, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    out, folder = tmp_path / "x.xlsx", tmp_path / "csv"
    assert _export(district, "--out", str(out), "--csv", str(folder), "--year", "2023",
                   "--kind", "区政府部门") == 0
    line = capsys.readouterr().out
    assert line.startswith(f"wrote {out} (") and f"10 CSV files in {folder} (" in line
    assert line.count("\n") == 1 and " rows in " in line
    about = [r for r in openpyxl.load_workbook(out)[ABOUT_SHEET].iter_rows(values_only=True)]
    assert ("年度 years", "2023", None, None) in about
    assert ("机关类别 kinds", "区政府部门", None, None) in about


@pytest.mark.parametrize(("options", "error"), [
    ((), "xxgk: export: nothing to write: give --out FILE.xlsx, --csv DIR or both"),
    (("--out", "{tmp}/x.xlsx", "--agency", "区教育"),
     "xxgk: export: no agency 区教育 in the warehouse (did you mean 区教育局 or 区教育体育局?)"),
    (("--out", "{tmp}/x.xlsx", "--kind", "街道"),
     "xxgk: export: no agency of kind 街道 in the warehouse (its kinds: 区政府, 区政府部门, "
     "乡镇街道)"),
    (("--out", "{tmp}/typo/x.xlsx"),
     "xxgk: export: cannot write {tmp}/typo/x.xlsx: its folder {tmp}/typo does not exist"),
    (("--csv", "{tmp}/typo/csv"),
     "xxgk: export: cannot write CSV files into {tmp}/typo/csv: its parent folder "
     "{tmp}/typo does not exist"),
])
def test_usage_errors_are_one_line(district: dict, tmp_path: Path, options: tuple[str, ...],
                                   error: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = [o.format(tmp=tmp_path) for o in options]
    assert _export(district, *args) == 2
    assert capsys.readouterr() == ("", error.format(tmp=tmp_path) + "\n")
    assert list(tmp_path.iterdir()) == []  # nothing written, no folder made


def test_a_path_that_is_no_warehouse(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--warehouse", str(tmp_path / "none"),
                 "--out", str(tmp_path / "x.xlsx")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("xxgk: export: ") and err.count("\n") == 1
    assert not (tmp_path / "x.xlsx").exists()


def test_the_csv_folder_is_made_in_one_that_exists(district: dict, tmp_path: Path) -> None:
    written = export(district["wh"], csv_dir=tmp_path / "new")
    assert (tmp_path / "new").is_dir() and len(written.csv_files) == 10
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(NotADirectoryError):
        export(district["wh"], csv_dir=tmp_path / "file")


def test_files_are_replaced_whole_or_not_at_all(district: dict, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    out, folder = tmp_path / "x.xlsx", tmp_path / "csv"
    out.write_text("old", encoding="utf-8")
    export(district["wh"], out=out, csv_dir=folder)
    assert openpyxl.load_workbook(out).sheetnames[0] == ABOUT_SHEET
    before = {p.name: p.read_bytes() for p in [out, *folder.iterdir()]}
    real = load.export.tables.read_table

    def broken_on_the_third(con: object, sheet: Sheet, *args: object) -> object:
        if sheet.view == "outcomes_wide":
            raise RuntimeError("disk on fire")
        return real(con, sheet, *args)

    monkeypatch.setattr(load.export.tables, "read_table", broken_on_the_third)
    with pytest.raises(RuntimeError, match="disk on fire"):
        export(district["wh"], out=out, csv_dir=folder)
    assert {p.name: p.read_bytes() for p in [out, *folder.iterdir()]} == before
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_snapshot_deleted_while_read_is_read_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "wh"
    publish(Warehouse(root, durable=False), **batch("AB", [2020, 2021]).kwargs())
    first = current_snapshot(root).id
    monkeypatch.setattr(load.export.tables, "read_table",
                        two_publishes_during_first_read(root, load.export.tables.read_table))
    out = tmp_path / "x.xlsx"
    export(root, out=out)
    book = openpyxl.load_workbook(out)
    about = [v for row in book[ABOUT_SHEET].iter_rows(values_only=True) for v in row]
    assert current_snapshot(root).id in about and first not in about
    agencies = {r[0] for r in book["机关 agencies"].iter_rows(min_row=3, values_only=True)}
    assert agencies == {"A", "B", "C"}
