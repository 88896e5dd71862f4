"""The export as CSV files, one per sheet, for tools that do not read a workbook.

Each file is UTF-8 with a byte-order mark, which Excel needs to read Chinese right and
pandas reads with ``encoding="utf-8-sig"``. Its one header row holds the column keys
(the names of ``xxgk sql``), so any CSV reader gets one name per column; the Chinese
headers and meanings are in ``columns.csv`` (view, column, label, meaning), the
about sheet in ``about.csv``. The rows are the sheets' rows, total rows included
(``agency`` 全区合计, ``agency_id`` empty: drop them before summing). A whole number
is written without ``.0``; a null is an empty field.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from load.export.about import SheetEntry, about_items, sheet_entry
from load.export.sheets import Role, role
from load.export.tables import Export, Origin, Row, Table

ENCODING = "utf-8-sig"
ABOUT_FILE = "about.csv"
COLUMNS_FILE = "columns.csv"


def _whole_numbers_as_int(rows: list[Row], columns: Sequence[int]) -> Iterable[Row]:
    """The rows with each whole float of ``columns`` as an int: ``12``, not ``12.0``."""
    if not columns:
        yield from rows
        return
    for row in rows:
        values = list(row)
        for i in columns:
            value = values[i]
            if value is not None and value.is_integer():
                values[i] = int(value)
        yield values


# A spreadsheet takes a cell starting with these for a formula: text from the data that
# does (an agency named "=1+2局") is written with a leading quote, so opening the file
# never runs it.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _inert(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_rows(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    with path.open("w", encoding=ENCODING, newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows([_inert(v) for v in row] for row in rows)


def _table_rows(table: Table) -> Iterable[Row]:
    floats = [i for i, c in enumerate(table.columns)
              if c.type.upper() in ("DOUBLE", "FLOAT") and role(c) is not Role.SHARE]
    return _whole_numbers_as_int(table.rows, floats)


def _about_rows(origin: Origin, entries: list[SheetEntry]) -> list[tuple[str, str]]:
    files = [(f"{view}.csv", f"{name}: {rows} rows. {description}")
             for name, view, rows, description in entries]
    return [*about_items(origin), *files,
            (COLUMNS_FILE, "the columns of every file: Chinese header and meaning")]


class CsvOutput:
    """The CSV files, each written beside its place in ``folder``; :meth:`finish`
    renames them all into place at the end, so a failed export changes no file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.written: list[tuple[Path, Path]] = []  # (temporary, final)
        self.entries: list[SheetEntry] = []
        self.columns: list[tuple[str, str, str, str]] = []

    def _write(self, name: str, header: Sequence[str], rows: Iterable[Sequence[object]]
               ) -> None:
        final = self.folder / name
        tmp = final.with_name(f".{name}.tmp")
        self.written.append((tmp, final))
        write_rows(tmp, header, rows)

    def add(self, table: Table) -> None:
        """Write one view's rows as ``<view>.csv``."""
        self._write(f"{table.sheet.view}.csv", [c.name for c in table.columns],
                    _table_rows(table))
        self.entries.append(sheet_entry(table))
        self.columns += [(table.sheet.view, c.name, c.label, c.meaning) for c in table.columns]

    def finish(self, origin: Origin) -> list[Path]:
        """Write ``about.csv`` and ``columns.csv``, then rename every file into place."""
        self._write(COLUMNS_FILE, ["view", "column", "label", "meaning"], self.columns)
        self._write(ABOUT_FILE, ["item", "value"], _about_rows(origin, self.entries))
        for tmp, final in self.written:
            os.replace(tmp, final)
        return [final for _tmp, final in self.written]

    def discard(self) -> None:
        """Leave nothing behind: the export was not finished."""
        for tmp, _final in self.written:
            tmp.unlink(missing_ok=True)


def write_csv_folder(folder: Path, export: Export) -> list[Path]:
    """Write an export held in memory into ``folder`` (which exists)."""
    output = CsvOutput(folder)
    try:
        for table in export.tables:
            output.add(table)
        return output.finish(export.origin)
    except BaseException:
        output.discard()
        raise


__all__ = ["ABOUT_FILE", "COLUMNS_FILE", "ENCODING", "CsvOutput", "write_csv_folder"]
