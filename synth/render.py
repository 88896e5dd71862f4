"""Renders a report's parts into lines, one function per text layout.

* ``pipe``: the seed's docx-to-text shape: a row's own cells then empty cells up to
  the table width, joined by `` | `` (or the seed's ``text | `` / ``|`` habit).
* ``tab``: the full grid, merged cells expanded in place as empty cells, tab-separated.
* ``markdown``: the full grid as GitHub tables, one per table or 表二 sub-table.
* ``spaces``: a row's own non-empty cells separated by runs of two or more spaces.
* ``lines``: one cell per line, as when HTML is flattened; a blank cell is an empty line.
* ``glued``: a crawler's text that glues every value cell of a row to the next and to
  its label (``一、本年新收政府信息公开申请数量640020470``), with an occasional stray
  space inside the run; labels and headers as in ``spaces``. 表二 rows of several
  values keep their gaps: without sums to check, their splits are not unique.
* ``pdf_text``, ``html``, ``html_word`` (a crawled page around Word-exported HTML) and
  ``crawler`` (a page's text as a crawler saves it, the whole body on one line) live in
  their own modules; ``pdf`` renders ``pdf_text``'s parts into a real PDF file
  (``render_pdf_file``).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from .grid import expand_grid
from .model import Cell, Fact, Line, Part, Row, Table, Text
from .render_html import render_html
from .render_pdf import PdfRenderer
from .render_word import render_word

CRAWLER_LAYOUT = "crawler"
# The layouts a seed draws from when none is forced; later layouts are only made on
# request, so that adding one does not change what the existing seeds generate (and
# cells glued together can be ambiguous by nature).
DRAWN_LAYOUTS: tuple[str, ...] = (
    "pipe", "markdown", "tab", "spaces", "lines", "pdf_text", "html")
LAYOUTS: tuple[str, ...] = (*DRAWN_LAYOUTS, "html_word", "pdf", "glued", CRAWLER_LAYOUT)
# Layouts that cannot show a blank cell (the generator prints a dash instead).
WHITESPACE_LAYOUTS: frozenset[str] = frozenset(
    {"spaces", "pdf_text", "pdf", "glued", CRAWLER_LAYOUT})
# Layouts whose cells run together: a crawler's text has no thousands separators.
GLUED_LAYOUTS: frozenset[str] = frozenset({"glued", CRAWLER_LAYOUT})
# Layouts made from a table's full grid, where ``repeat_merged`` writes a merged
# label into every position it covers, as converters of HTML tables and docx readers
# do (Word's own HTML and PDF text keep a merged cell once).
REPEAT_MERGED_LAYOUTS: frozenset[str] = frozenset(
    {"pipe", "markdown", "tab", "spaces", "lines", "html", "glued", CRAWLER_LAYOUT})
# Layouts whose lines are a PDF's text: ``pdf`` draws them into a real PDF file.
PDF_LAYOUTS: frozenset[str] = frozenset({"pdf_text", "pdf"})
STRAY_SPACE_PROB = 0.15  # glued: a row's run with one stray space inside


def row_facts(cells: tuple[Cell, ...]) -> tuple[Fact, ...]:
    """Every fact printed by ``cells``, in order."""
    return tuple(f for c in cells for f in c.facts)


def _texts(cells: list[Cell | None]) -> list[str]:
    return [c.text if c is not None else "" for c in cells]


def _grid_lines(table: Table, join: Callable[[list[str]], str]) -> list[Line]:
    grid = expand_grid(table)
    out = []
    for row, cells in zip(table.rows, grid, strict=True):
        out.append(Line(join(_texts(cells)), row_facts(row.cells), table.name))
    return out


def _markdown_table(table: Table) -> list[Line]:
    lines = _grid_lines(table, lambda t: "| " + " | ".join(t) + " |")
    rule = Line("|" + "---|" * table.width, (), table.name)
    return [lines[0], rule, *lines[1:], Line("", (), table.name)]


class TextRenderer:
    """Renders narrative and tables for the non-PDF, non-HTML layouts."""

    def __init__(self, layout: str, rng: random.Random) -> None:
        self.layout = layout
        self.seed_pipes = rng.random() < 0.6
        self.gap = " " * rng.randint(2, 4)
        self.rng = rng

    def text(self, part: Text) -> list[Line]:
        """A narrative part."""
        if self.layout != "markdown":
            return [Line(part.text)]
        prefix = {"title": "# ", "heading": "## ", "caption": "### "}.get(part.kind, "")
        return [Line(prefix + part.text), Line("")]

    def table(self, table: Table) -> list[Line]:
        """A table in this renderer's layout."""
        if self.layout == "markdown":
            return _markdown_table(table)
        if self.layout == "tab":
            return _grid_lines(table, "\t".join)
        if self.layout == "lines":
            return [line for row in table.rows for line in _cell_lines(table.name, row)]
        if self.layout == "spaces":
            return [self._spaced(table.name, row) for row in table.rows]
        if self.layout == "glued":
            return [self._glued(table.name, row) for row in table.rows]
        return [self._piped(table, row) for row in table.rows]

    def _piped(self, table: Table, row: Row) -> Line:
        texts = [c.text for c in row.cells] + [""] * (table.width - len(row.cells))
        if self.seed_pipes:
            text = "".join(f"{t} | " if t else "|" for t in texts).rstrip()
        else:
            text = " | ".join(texts).rstrip()
        return Line(text, row_facts(row.cells), table.name)

    def _spaced(self, name: str, row: Row) -> Line:
        texts = [c.text for c in row.cells if c.text]
        return Line(self.gap.join(texts), row_facts(row.cells), name)


    def _glued(self, name: str, row: Row) -> Line:
        values = [c.text for c in row.cells if c.role == "value" and c.text]
        if not values or (name == "active_disclosure" and len(values) > 1):
            return self._spaced(name, row)
        labels = [c.text for c in row.cells if c.role != "value" and c.text]
        run = "".join(values)
        # (Not in 表二: its rows close after their columns, so a stray space there
        # leaves the rest of the run without a row.)
        if len(run) > 1 and name != "active_disclosure" and self.rng.random() < STRAY_SPACE_PROB:
            cut = self.rng.randint(1, len(run) - 1)
            run = run[:cut] + " " + run[cut:]
        return Line(self.gap.join(labels) + run, row_facts(row.cells), name)


def _cell_lines(name: str, row: Row) -> list[Line]:
    return [Line(c.text, c.facts, name) for c in row.cells]


def page_text(lines: list[Line]) -> str:
    """The text of a file of ``lines``: each on its own line, a ``same_line`` one at
    the end of the line before."""
    out: list[str] = []
    for line in lines:
        if line.same_line and out:
            out[-1] += line.text
        else:
            out.append(line.text)
    return "\n".join(out) + "\n"


def render(parts: list[Part], layout: str, rng: random.Random, charset: str) -> list[Line]:
    """Render all parts of a report in ``layout`` (``crawler`` pages need the report's
    agency and year: ``render_crawler``)."""
    if layout == CRAWLER_LAYOUT:
        raise ValueError("the crawler layout is rendered by render_crawler")
    if layout == "html":
        return render_html(parts, rng, charset)
    if layout == "html_word":
        return render_word(parts, rng, charset)
    if layout in PDF_LAYOUTS:
        return PdfRenderer(rng).render(parts)
    renderer = TextRenderer(layout, rng)
    out: list[Line] = []
    for part in parts:
        out += renderer.text(part) if isinstance(part, Text) else renderer.table(part)
    return out
