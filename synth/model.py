"""Small immutable data types shared by the builders and the renderers.

A report is built once as a layout-neutral document (narrative ``Text`` parts and
``Table`` parts made of cells with colspan/rowspan, each value cell carrying its
ground-truth ``Fact``), then every layout renders that document to ``Line`` s.  A
line keeps the facts whose values it prints, so truncating the text keeps the
truth exact.  A layout that prints many rows on one physical line (``crawler``)
renders each row as its own ``Line`` marked ``same_line``, so the same holds.
"""

from __future__ import annotations

from dataclasses import dataclass

CELL_KINDS: tuple[str, ...] = ("number", "blank", "dash", "derived")


@dataclass(frozen=True, slots=True)
class Fact:
    """The ground truth of one printed (or derived) table cell."""

    table: str
    row_key: str
    col_key: str
    value: float | None
    cell: str

    def as_dict(self) -> dict[str, object]:
        """The dict form used in ``GeneratedReport.facts`` and the truth file."""
        return {
            "table": self.table,
            "row_key": self.row_key,
            "col_key": self.col_key,
            "value": self.value,
            "cell": self.cell,
        }


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell as a word processor holds it.

    ``role`` tells renderers how to treat it: ``title`` (a 表二 sub-table heading
    row), ``note`` (the 勾稽关系 corner of 表三), ``span`` (a header spanning several
    columns), ``header`` (a leaf header label), ``group`` / ``subgroup`` (row labels
    spanning several rows), ``label`` (a row label), ``value`` or ``filler`` (an
    empty cell that is not a value).
    """

    text: str
    role: str = "label"
    colspan: int = 1
    rowspan: int = 1
    facts: tuple[Fact, ...] = ()


@dataclass(frozen=True, slots=True)
class Row:
    """A table row: its own cells (cells covered by a rowspan from above are absent)."""

    cells: tuple[Cell, ...]
    kind: str  # "title" | "header" | "data"


@dataclass(frozen=True, slots=True)
class Table:
    """A table with a fixed grid width."""

    name: str
    width: int
    rows: tuple[Row, ...]


@dataclass(frozen=True, slots=True)
class Text:
    """A narrative part: ``title``, ``heading``, ``caption``, ``para`` or ``sign``."""

    kind: str
    text: str


Part = Text | Table


@dataclass(frozen=True, slots=True)
class Line:
    """One output line, the facts whose values it prints, and the table it belongs to.

    ``same_line`` prints it at the end of the line before instead of on a line of
    its own.
    """

    text: str
    facts: tuple[Fact, ...] = ()
    table: str | None = None
    same_line: bool = False
