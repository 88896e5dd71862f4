"""Imitates the text layer pypdf extracts from a report PDF (r011-r013).

What makes those hard, and is reproduced here: prose wrapped at about 30
characters with spaces around ASCII numbers (``2024 年``); table cells separated by
single spaces; long row labels wrapped over two or three lines before their
values (the values sometimes on a line of their own); 三、本年度办理结果 printed one
character per line; a row-spanning label such as （四）无法提供 printed on its own
line, broken over two lines, or split into pieces glued in front of the first
item rows (``（四）无 1.本机关不掌握相关政府信息 746 …`` / ``法提供 2.没有…``); header
labels broken by spaces and over lines (``商 业 企`` / ``业``); page footers such as
``- 4 -`` every ~40 lines, also inside tables.
"""

from __future__ import annotations

import random
import re

from .keys import ACTIVE
from .model import Cell, Line, Part, Row, Table, Text

_DIGIT_EDGE = re.compile(r"(?<=[\u4e00-\u9fff])(?=[0-9])|(?<=[0-9])(?=[\u4e00-\u9fff])")
_TOKEN = re.compile(r"[0-9A-Za-z.,:%/@\-]+|\s+|.")
_NO_LINE_START = frozenset("，。、；：）」”,.;:)")
_SUB_MODES: tuple[tuple[str, ...], ...] = (
    ("line",),
    ("line", "split"),
    ("split", "prefix"),
    ("line", "split", "prefix"),
)


def spaced_digits(text: str) -> str:
    """``2024年1月`` -> ``2024 年 1 月``, as PDF text layers space ASCII runs."""
    return _DIGIT_EDGE.sub(" ", text)


def wrap(text: str, width: float) -> list[str]:
    """Cut ``text`` into lines about ``width`` CJK characters wide.

    ASCII counts half, numbers are never split, and closing punctuation never
    starts a line, as in a typeset PDF.
    """
    lines: list[str] = []
    current, used = "", 0.0
    for token in _TOKEN.findall(text):
        size = len(token) * (0.5 if token.isascii() else 1.0)
        if current and used + size > width and token not in _NO_LINE_START:
            lines.append(current.rstrip())
            current, used = "", 0.0
            if token.isspace():
                continue
        current += token
        used += size
    if current.strip():
        lines.append(current.rstrip())
    return lines or [text]


def _split_after_number(label: str) -> tuple[str, str]:
    close = max(label.find("）"), label.find(")"))
    at = close + 2 if 0 <= close < len(label) - 2 else max(1, len(label) // 2)
    return label[:at], label[at:]


class PdfRenderer:
    """Renders parts like a pypdf text layer; all habits drawn from ``rng``."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.width = rng.randint(28, 32)
        self.label_width = rng.randint(13, 16)
        self.own_line = rng.choice((0.0, 0.3, 0.7))
        self.sub_modes = rng.choice(_SUB_MODES)
        self.vertical_split = rng.random() < 0.5
        self.header_mode = rng.choice(("spaced", "pairs", "whole"))
        self.footer = rng.choice(("- {} -", "— {} —"))
        self.page_lines = rng.randint(36, 44)
        self.footer_first = rng.random() < 0.6
        self.prefixes: list[str] = []

    def render(self, parts: list[Part]) -> list[Line]:
        """All parts, paginated."""
        out: list[Line] = []
        for part in parts:
            out += self.text(part) if isinstance(part, Text) else self.table(part)
        return self.paginate(out)

    def text(self, part: Text) -> list[Line]:
        """A narrative part: paragraphs wrapped, numbers spaced."""
        text = spaced_digits(part.text)
        if part.kind != "para":
            return [Line(text)]
        return [Line(chunk) for chunk in wrap(text, self.width)]

    def table(self, table: Table) -> list[Line]:
        """A table, row by row."""
        self.prefixes = []
        out: list[Line] = []
        for row in table.rows:
            if row.kind == "title":
                out.append(Line(row.cells[0].text, (), table.name))
            elif row.kind == "header":
                out += [Line(t, (), table.name) for t in self.header(table, row)]
            else:
                out += self.data(table, row)
        return out

    def break_header(self, text: str) -> list[str]:
        """A header label broken like ``商 业 企`` / ``业`` or ``商业`` / ``企业``."""
        if len(text) < 4 or self.header_mode == "whole":
            return [text]
        if self.header_mode == "pairs":
            return [text[i : i + 2] for i in range(0, len(text), 2)]
        k = self.rng.randint(2, min(4, len(text) - 1))
        head = " ".join(text[:k]) if self.rng.random() < 0.7 else text[:k]
        return [head, text[k:]]

    def header(self, table: Table, row: Row) -> list[str]:
        """Header lines: spanning labels side by side, leaf labels broken."""
        if table.name == ACTIVE:
            return [" ".join(c.text for c in row.cells if c.text)]
        out: list[str] = []
        spans: list[str] = []
        for cell in row.cells:
            if cell.role == "span":
                spans.append(cell.text)
                continue
            if spans:
                out.append(" ".join(spans))
                spans = []
            if cell.role == "note":
                out += wrap(cell.text, self.rng.randint(20, 24))
            else:
                out += self.break_header(cell.text)
        if spans:
            out.append(" ".join(spans))
        return out

    def _vertical(self, text: str) -> list[str]:
        if self.vertical_split:
            return list(text)
        return [text[:2], *text[2:]]

    def _subgroup(self, cell: Cell) -> list[str]:
        mode = self.rng.choice(self.sub_modes)
        if mode == "line":
            return [cell.text]
        head, tail = _split_after_number(cell.text)
        if mode == "split" or cell.rowspan < 2:
            return [head, tail]
        self.prefixes = [head, tail]
        return []

    def _label_lines(self, cell: Cell, table: Table) -> list[str]:
        if table.name == ACTIVE or cell.colspan >= 3:
            pieces = [cell.text]
        else:
            pieces = wrap(cell.text, self.label_width + 6 * (cell.colspan - 1))
        if self.prefixes:
            pieces[0] = f"{self.prefixes.pop(0)} {pieces[0]}"
        return pieces

    def data(self, table: Table, row: Row) -> list[Line]:
        """A data row: spanning labels first, then the label and its values."""
        lines: list[str] = []
        label: list[str] = []
        values: list[Cell] = []
        for cell in row.cells:
            if cell.role == "group":
                lines += self._vertical(cell.text)
            elif cell.role == "subgroup":
                lines += self._subgroup(cell)
            elif cell.role == "label":
                label = self._label_lines(cell, table)
            elif cell.role == "value":
                values.append(cell)
        facts = tuple(f for c in values for f in c.facts)
        joined = " ".join(c.text for c in values)
        out = [Line(t, (), table.name) for t in lines]
        if not label:
            return [*out, Line(joined, facts, table.name)]
        if len(label) > 1 and self.rng.random() < self.own_line:
            return [
                *out,
                *(Line(t, (), table.name) for t in label),
                Line(joined, facts, table.name),
            ]
        out += [Line(t, (), table.name) for t in label[:-1]]
        return [*out, Line(f"{label[-1]} {joined}", facts, table.name)]

    def paginate(self, lines: list[Line]) -> list[Line]:
        """Insert page footers every ~40 lines (at the top of each page, or at its end)."""
        out: list[Line] = []
        page = 1
        if self.footer_first:
            out.append(Line(self.footer.format(page)))
            page += 1
        count, limit = 0, self.page_lines
        for line in lines:
            out.append(line)
            count += 1
            if count >= limit:
                out.append(Line(self.footer.format(page)))
                page += 1
                count, limit = 0, self.page_lines + self.rng.randint(-3, 3)
        if not self.footer_first:
            out.append(Line(self.footer.format(page)))
        return out
