"""The report's tables: one model rendered twice, as HTML and as the CSV its download
link carries, so the download always holds what the table shows.

A table's body is cut into groups (one ``<tbody>`` each: an agency kind), each
opened by a header row, its rows in segments (agencies compared, then, after a
separator, agencies whose base is too small), closed by its subtotal; totals sit in
the ``<tfoot>``. The sort script sorts rows within their segment only, so subtotals,
separators and totals stay where they are. The CSV (UTF-8 with a byte-order mark, for
Excel) is embedded as a ``data:`` URI: the report stays one file, needing no network.
"""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from load.compare.html import Cell, esc

SEGMENT_HEAD, SEGMENT_MAIN, SEGMENT_SEP, SEGMENT_SMALL, SEGMENT_SUBTOTAL = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class Column:
    """A column of the HTML table and its header(s) in the CSV (a share matrix's year
    column is two there: the share and its n)."""

    header: str
    csv: tuple[str, ...] | None = None  # None: the header; (): no CSV column (a chart)
    key: str = ""  # a stable name for scripts and tests (data-key)

    @property
    def csv_headers(self) -> tuple[str, ...]:
        return (self.header,) if self.csv is None else self.csv


@dataclass(frozen=True)
class Row:
    """A row of cells. ``segment`` orders it within its group (the sort keeps it
    there); ``pinned`` rows (subtotals, separators) are never moved."""

    cells: Sequence[Cell]
    segment: int = SEGMENT_MAIN
    css: str = ""
    agency: str | None = None
    pinned: bool = False
    in_csv: bool = True


@dataclass
class Group:
    """One ``<tbody>``: an optional header row, then its rows."""

    label: str
    rows: list[Row] = field(default_factory=list)


def note_row(text: str, width: int, css: str = "note", *, full: str = "",
             in_csv: bool = True, segment: int = SEGMENT_SUBTOTAL) -> Row:
    """A row of one cell across the table: a separator, or a total's coverage (``text``
    shown, ``full`` as its tooltip and in the CSV when the text is shortened)."""
    title = f' title="{esc(full)}"' if full and full != text else ""
    return Row([Cell(f'<td colspan="{width}" class="{css}"{title}>{esc(text)}</td>',
                     (full or text,))],
               segment=segment, css=css, pinned=True, in_csv=in_csv)


@dataclass
class Table:
    """An HTML table with its CSV download."""

    slug: str  # the CSV file's name, without .csv
    columns: Sequence[Column]
    groups: Sequence[Group]
    foot: Sequence[Row] = ()
    caption: str = ""
    sortable: bool = True

    @property
    def width(self) -> int:
        return len(self.columns)

    def csv_text(self) -> str:
        """The table as CSV: every row but group headers and separators, the group's
        name (its kind) given by the rows' own cells."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        headers = [h for c in self.columns for h in c.csv_headers]
        writer.writerow(headers)
        for row in self._rows():
            if not row.in_csv:
                continue
            values = [v for cell in row.cells for v in cell.csv]
            if len(row.cells) > 1 and len(values) != len(headers):  # (a note is one cell)
                raise ValueError(f"{self.slug}: a row of {len(values)} CSV values under "
                                 f"{len(headers)} headers")
            writer.writerow(values)
        return buf.getvalue()

    def _rows(self) -> list[Row]:
        return [row for group in self.groups for row in group.rows] + list(self.foot)

    def download(self) -> str:
        """The download link: the CSV with a byte-order mark, so Excel reads UTF-8."""
        data = base64.b64encode(("\ufeff" + self.csv_text()).encode("utf-8")).decode("ascii")
        name = f"{self.slug}.csv"
        return (f'<a class="csv" download="{esc(name)}" '
                f'href="data:text/csv;charset=utf-8;base64,{data}">⤓ CSV {esc(name)}</a>')

    def html(self) -> str:
        head = "".join(_th(c) for c in self.columns)
        cap = f"<caption>{esc(self.caption)}</caption>" if self.caption else ""
        bodies = "".join(self._group_html(g) for g in self.groups)
        foot = ("<tfoot>" + "".join(_row_html(r) for r in self.foot) + "</tfoot>"
                if self.foot else "")
        css = "sortable" if self.sortable else "plain"
        return (f'<div class="tbl"><div class="scroll"><table class="{css}" '
                f'data-table="{esc(self.slug)}">{cap}<thead><tr>{head}</tr></thead>'
                f"{bodies}{foot}</table></div>"
                f'<p class="dl">{self.download()}</p></div>')

    def _group_html(self, group: Group) -> str:
        head = (f'<tr class="grp pin" data-seg="{SEGMENT_HEAD}"><th colspan="{self.width}" '
                f'scope="rowgroup">{esc(group.label)}</th></tr>' if group.label else "")
        return "<tbody>" + head + "\n".join(_row_html(r) for r in group.rows) + "</tbody>\n"


def _th(column: Column) -> str:
    key = f' data-key="{esc(column.key)}"' if column.key else ""
    # How many CSV columns the column's cells give, where not one: the download's map.
    width = len(column.csv_headers)
    span = f' data-csv="{width}"' if width != 1 else ""
    return f'<th scope="col"{key}{span}>{esc(column.header)}</th>'


def _row_html(row: Row) -> str:
    classes = " ".join(c for c in (row.css, "pin" if row.pinned else "") if c)
    attrs = f' class="{classes}"' if classes else ""
    if row.segment != SEGMENT_MAIN:  # (the sort script's default)
        attrs += f' data-seg="{row.segment}"'
    if row.agency is not None:
        attrs += f' data-agency="{esc(row.agency)}"'
    return f"<tr{attrs}>{''.join(c.html for c in row.cells)}</tr>"


def plain_table(slug: str, columns: Sequence[Column], rows: Sequence[Row], *,
                caption: str = "", sortable: bool = True,
                foot: Sequence[Row] = ()) -> Table:
    """A table of one group without a header row."""
    return Table(slug, columns, [Group("", list(rows))], foot, caption, sortable)


__all__ = ["SEGMENT_HEAD", "SEGMENT_MAIN", "SEGMENT_SEP", "SEGMENT_SMALL", "SEGMENT_SUBTOTAL",
           "Column", "Group", "Row", "Table", "note_row", "plain_table"]
