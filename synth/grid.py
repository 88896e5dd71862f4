"""A table's grid positions, and merged cells written out in every position they cover.

Word keeps a merged cell once, with colspan/rowspan; converters of HTML tables and
docx readers often write its text again in every grid position it covers instead of
leaving them empty (``法人或其他组织`` over all five organisation columns,
``三、本年度办理结果`` in every outcome row). ``repeat_merged`` gives a table that
shape: a plain grid whose merged labels are repeated, while a value is never printed
twice (the truth stays the same).
"""

from __future__ import annotations

from dataclasses import replace

from .model import Cell, Row, Table

# A grid position: the cell covering it and whether the cell starts there.
Position = tuple[Cell, bool]

# Roles that print no label of their own: a value is printed once, a filler is empty.
_NOT_REPEATED = frozenset(("value", "filler"))


def cover_grid(table: Table) -> list[list[Position | None]]:
    """Every grid position of ``table`` with the cell covering it (``None`` if none)."""
    grid: list[list[Position | None]] = [[None] * table.width for _ in table.rows]
    for r, row in enumerate(table.rows):
        c = 0
        for cell in row.cells:
            while c < table.width and grid[r][c] is not None:
                c += 1
            if c >= table.width:
                raise ValueError(f"row {r} of {table.name} overflows its width")
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    if r + dr < len(grid) and c + dc < table.width:
                        grid[r + dr][c + dc] = (cell, dr == 0 and dc == 0)
            c += cell.colspan
    return grid


def expand_grid(table: Table) -> list[list[Cell | None]]:
    """The table as a full grid: each cell at its origin, covered positions ``None``."""
    return [
        [pos[0] if pos is not None and pos[1] else None for pos in row]
        for row in cover_grid(table)
    ]


def _written_out(pos: Position | None) -> Cell:
    """The cell a converter writes at one grid position."""
    if pos is None:
        return Cell("", "filler")
    cell, origin = pos
    if origin:
        return replace(cell, colspan=1, rowspan=1)
    if cell.role in _NOT_REPEATED:
        return Cell("", "filler")
    return Cell(cell.text, cell.role)  # a copy of the label, without its facts


def _header_fillers(cells: list[Cell]) -> list[Cell]:
    """A header row's empty trailing cell as the last label's continuation: in 表二 a
    two-column sub-table's last header is merged over the spare column."""
    out = list(cells)
    for i in range(1, len(out)):
        if out[i].role == "filler" and not out[i].text and out[i - 1].role == "header":
            out[i] = Cell(out[i - 1].text, "header")
    return out


def repeat_merged(table: Table) -> Table:
    """``table`` as a plain grid, merged labels repeated in every position they cover."""
    rows = []
    for row, positions in zip(table.rows, cover_grid(table), strict=True):
        cells = [_written_out(pos) for pos in positions]
        if row.kind == "header":
            cells = _header_fillers(cells)
        rows.append(Row(tuple(cells), row.kind))
    return Table(table.name, table.width, tuple(rows))
