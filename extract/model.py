"""What extraction makes: the rows and columns the engine reads, the facts and the
report they become, and the warnings said along the way.

Plain data classes shared by the engine (:mod:`extract.tables`), the recovery of glued
cells (:mod:`extract.glued`), the assembly of facts (:mod:`extract.facts`) and the
callers of :func:`extract.report.extract_bytes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from extract.cells import Token
from transform.checks import CheckResult
from transform.keys import key_catalog
from transform.labels import LabelHit


# Not frozen: a frozen dataclass sets each field through object.__setattr__, and these
# are made per row and cell.
@dataclass(slots=True)
class Column:
    """One value column of a table as the report printed it."""

    key: str
    label: str
    unit_suffix: str = ""


@dataclass(slots=True)
class Warning_:
    """Something a reader of the output should know, with the line it concerns."""

    code: str
    message: str
    line: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "line": self.line, "message": self.message}


@dataclass(slots=True)
class Row:
    """A row read from the report: its key, its columns and the cells under them."""

    table: str
    key: str | None
    label: str
    columns: list[Column] | None
    width: int
    line: int
    cells: list[Token | None] = field(default_factory=list)
    frags: list[Token] = field(default_factory=list)  # the label, while it names no row
    # A misprinted label's nearest row, until the template's row order confirms it.
    fuzzy: LabelHit | None = None
    overflow: list[Token] = field(default_factory=list)  # values past the last column
    # Where in the label's text a misprinted label is looked for (after a group
    # heading's alias that precedes it).
    fuzzy_from: int = 0


@dataclass(slots=True)
class TableResult:
    """What the engine found."""

    rows: list[Row]  # every row read, in reading order; columns None: no header seen
    markers: dict[tuple[str, str, str], frozenset[str]]
    warnings: list[Warning_]
    tables_seen: list[str]


def filled_cells(row: Row) -> int:
    # (Not list.count(None): that compares every Token with None through its __eq__.)
    filled = 0
    for cell in row.cells:
        if cell is not None:
            filled += 1
    return filled


def short_row(row: Row, empty_too: bool = True) -> Warning_ | None:
    """A ``short_row`` warning when a row has fewer cells than its columns, else None.

    Only the columns that are cells of the row in some template count: a header that
    names more columns than the row can have (a 2019 行政事业性收费 row of two values
    under a sub-table header of three) does not make the row short. ``empty_too``:
    warn of a row with no cell at all as well.
    """
    if row.columns is None or not row.key:
        return None
    if filled_cells(row) >= len(row.columns):
        return None  # the common case: every column has its cell
    cells = key_catalog().cells
    wanted = [i for i, c in enumerate(row.columns) if (row.table, row.key, c.key) in cells]
    if not wanted:
        wanted = list(range(len(row.columns)))
    present = 0
    for i in wanted:
        if i < len(row.cells) and row.cells[i] is not None:
            present += 1
    if present >= len(wanted) or (present == 0 and not empty_too):
        return None
    return Warning_("short_row", f"{row.table}/{row.key}: {present} of {len(wanted)} cells",
                    row.line)


@dataclass(slots=True)
class Fact:
    """One cell of a statistical table, in canonical keys and units."""

    table: str
    row_key: str
    col_key: str
    value: float | None
    raw_value: str | None
    cell: str
    line: int | None
    unit: str
    raw_row_label: str | None
    raw_col_label: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "table": self.table, "row_key": self.row_key, "col_key": self.col_key,
            "value": self.value, "raw_value": self.raw_value, "cell": self.cell,
            "line": self.line, "unit": self.unit, "raw_row_label": self.raw_row_label,
            "raw_col_label": self.raw_col_label,
        }


@dataclass(slots=True)
class ExtractedReport:
    """Everything ``xxgk extract --json`` prints."""

    agency: str | None
    year: int | None
    template: str
    template_reason: str
    encoding: str | None
    format: str
    title: str | None
    facts: list[Fact]
    checks: list[CheckResult]
    warnings: list[Warning_] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "agency": self.agency, "year": self.year, "template": self.template,
            "encoding": self.encoding, "format": self.format, "title": self.title,
            "facts": [f.as_dict() for f in self.facts],
            "checks": [c.as_dict() for c in self.checks],
            "warnings": [w.as_dict() for w in self.warnings],
        }
