"""The export as one Excel workbook, written with XlsxWriter.

Each data sheet has two header rows, both frozen: the Chinese header
(``ViewColumn.label``) above the column's key (its name in ``xxgk sql``), so a reader
sees the report's own words and a query's names at once; the agency columns stay
frozen on the left, the autofilter sits on the key row over the data. A column's
number format is set once for the column (``set_column``), not per cell: a cell
written without a format takes its column's, so the hundreds of thousands of cells
cost one call each and no format object. Only the total rows, a few per sheet, carry
formats of their own (bold). A null is no cell at all.

The workbook is written in XlsxWriter's default mode, not ``constant_memory``:
measured on 10,000 reports (a million cells) it is no slower, it keeps one shared
table of strings (an agency's name is stored once, not on each of its rows: a file
a sixth smaller), and it would let a sheet be written in any order. The memory it
costs (about 70 MB more at that size) is less than the rows read from DuckDB.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from load.export.about import SheetEntry, about_items, sheet_entry
from load.export.selection import ExportError
from load.export.sheets import ABOUT_SHEET, EXCEL_ROWS, Role, frozen_columns, role
from load.export.tables import Export, Origin, Table

NUMBER_FORMATS = {
    Role.YEAR: "0",
    Role.COUNT: "#,##0",
    Role.AMOUNT: "#,##0.00",
    Role.SHARE: "0.0%",
    Role.NUMBER: "General",
    Role.TIME: "yyyy-mm-dd hh:mm:ss",
}
# Column widths in characters of the default font (a Chinese character is two).
WIDTHS = {Role.YEAR: 6, Role.COUNT: 10, Role.AMOUNT: 15, Role.SHARE: 8, Role.NUMBER: 10,
          Role.FLAG: 6, Role.TIME: 19}
MAX_WIDTH = 50
HEADER_WIDTH = 24  # a longer Chinese header wraps onto more lines
WIDTH_SAMPLE = 2000  # rows a text column's width is measured on
LINE_HEIGHT = 15  # points, one line of the default font

WORKBOOK_OPTIONS = {
    # Text is text: a name starting with "=" is no formula, a source path no link.
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "nan_inf_to_errors": True,  # never refuse a row over a NaN: it shows as #NUM!
    "default_date_format": NUMBER_FORMATS[Role.TIME],
}


class Styles:
    """The workbook's formats, made once."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.label = book.add_format({"bold": True, "text_wrap": True, "valign": "top",
                                      "bg_color": "#DDE7F3", "bottom": 1})
        self.key = book.add_format({"font_color": "#555555", "font_size": 9,
                                    "bg_color": "#F2F2F2", "bottom": 1})
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.heading = book.add_format({"bold": True})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.column = {r: book.add_format({"num_format": f}) for r, f in NUMBER_FORMATS.items()}
        self.total = {r: book.add_format({"bold": True, "top": 1,
                                          **({"num_format": NUMBER_FORMATS[r]}
                                             if r in NUMBER_FORMATS else {})})
                      for r in Role}


def display_width(text: str) -> int:
    """Columns a text takes: two for a wide (Chinese) character, one otherwise."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _text_width(values: Iterable[object]) -> int:
    widest = 0
    for value in values:
        if value is not None:
            widest = max(widest, display_width(str(value).split("\n", 1)[0]))
    return widest


def column_widths(table: Table) -> list[int]:
    """A width per column: its key's, its data's (text measured on the first rows),
    and its Chinese header's up to :data:`HEADER_WIDTH` (longer ones wrap)."""
    sample = table.rows[:WIDTH_SAMPLE]
    widths = []
    for i, column in enumerate(table.columns):
        kind = role(column)
        data = (_text_width(row[i] for row in sample) if kind is Role.TEXT
                else WIDTHS[kind])
        header = min(display_width(column.label), HEADER_WIDTH)
        widths.append(min(max(data, len(column.name), header, 4) + 1, MAX_WIDTH))
    return widths


def _header_lines(table: Table, widths: list[int]) -> int:
    lines = [-(-display_width(c.label) // max(w - 1, 1)) for c, w in
             zip(table.columns, widths, strict=True)]
    return min(max(lines, default=1), 4)


def _write_headers(sheet: Worksheet, table: Table, styles: Styles, widths: list[int]) -> None:
    sheet.write_row(0, 0, [c.label or c.name for c in table.columns], styles.label)
    sheet.write_row(1, 0, [c.name for c in table.columns], styles.key)
    sheet.set_row(0, LINE_HEIGHT * _header_lines(table, widths))


def _write_total(sheet: Worksheet, row: int, values: tuple[object, ...],
                 formats: list[Format]) -> None:
    for col, (value, fmt) in enumerate(zip(values, formats, strict=True)):
        sheet.write(row, col, value, fmt)  # a None is a bold blank: the line runs through


def write_table(sheet: Worksheet, table: Table, styles: Styles) -> None:
    """One view's sheet: the headers, the rows, then the frozen panes and the filter."""
    roles = [role(c) for c in table.columns]
    widths = column_widths(table)
    for col, (kind, width) in enumerate(zip(roles, widths, strict=True)):
        sheet.set_column(col, col, width, styles.column.get(kind))
    _write_headers(sheet, table, styles, widths)
    total_formats = [styles.total[r] for r in roles]
    write_row, totals = sheet.write_row, table.totals
    for i, values in enumerate(table.rows):
        if i in totals:
            _write_total(sheet, i + 2, values, total_formats)
        else:
            write_row(i + 2, 0, values)  # None is skipped: a null stays an empty cell
    sheet.freeze_panes(2, frozen_columns(table.columns))
    last = (len(table.rows) + 1, len(table.columns) - 1)
    sheet.autofilter(1, 0, *last)
    if table.rows:  # a template ("2019") is a name, not a number: no green corners
        sheet.ignore_errors({"number_stored_as_text": f"A3:{xl_rowcol_to_cell(*last)}"})


def write_about(sheet: Worksheet, origin: Origin, entries: list[SheetEntry],
                styles: Styles) -> None:
    """The about sheet: what the workbook is, whence, which filters and rules, and its
    sheets with what each view holds."""
    sheet.set_column(0, 0, 26)
    sheet.set_column(1, 1, 40)
    sheet.set_column(2, 2, 10)
    sheet.set_column(3, 3, 100, styles.wrap)
    sheet.write(0, 0, "政府信息公开工作年度报告 数据导出 xxgk export", styles.title)
    row = 2
    for label, value in about_items(origin):
        sheet.write_string(row, 0, label, styles.heading)
        sheet.write_string(row, 1, value)
        row += 1
    row += 1
    sheet.write_row(row, 0, ["工作表 sheet", "视图 view", "行数 rows", "说明 description"],
                    styles.label)
    for entry in entries:
        row += 1
        sheet.write_row(row, 0, entry)


class WorkbookOutput:
    """The workbook, written beside ``path`` a sheet at a time and renamed into place
    by :meth:`finish`. The about sheet comes first but is filled last, when the other
    sheets' rows are counted (which XlsxWriter's default mode allows)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp = path.with_name(f".{path.name}.tmp")
        self.book = xlsxwriter.Workbook(str(self.tmp), WORKBOOK_OPTIONS)
        self.styles = Styles(self.book)
        self.about = self.book.add_worksheet(ABOUT_SHEET)
        self.entries: list[SheetEntry] = []

    def add(self, table: Table) -> None:
        """Write one view's sheet."""
        if len(table.rows) + 2 > EXCEL_ROWS:
            raise ExportError(f"{table.sheet.view} has {len(table.rows):,} rows, more than "
                              "an Excel sheet holds: narrow it (--year, --agency) or use --csv")
        write_table(self.book.add_worksheet(table.sheet.name), table, self.styles)
        self.entries.append(sheet_entry(table))

    def finish(self, origin: Origin) -> list[Path]:
        """Write the about sheet, close the workbook and rename it into place."""
        write_about(self.about, origin, self.entries, self.styles)
        self.book.close()
        os.replace(self.tmp, self.path)
        return [self.path]

    def discard(self) -> None:
        """Leave nothing behind: the workbook was not finished."""
        self.tmp.unlink(missing_ok=True)


def write_workbook(path: Path, export: Export) -> Path:
    """Write an export held in memory to ``path``."""
    output = WorkbookOutput(path)
    try:
        for table in export.tables:
            output.add(table)
        output.finish(export.origin)
    except BaseException:
        output.discard()
        raise
    return path


__all__ = ["NUMBER_FORMATS", "WORKBOOK_OPTIONS", "WorkbookOutput", "column_widths",
           "display_width", "write_table", "write_workbook"]
