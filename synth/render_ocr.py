"""The ``ocr_markdown`` layout: markdown as OCR tools and PDF converters write it.

Real converter output (the shared corpus's r008, r009, r010) is markdown whose
tables are cut apart. This layout prints:

* 表二 as one markdown table per sub-table, as the ``markdown`` layout does;
* 表三 cut into several small tables, each after a repeated heading
  (``## 表三：收到和处理政府信息公开申请情况``) and with a placeholder header
  (``| 类别 | 数据1 | … | 数据6 | 总计 |``) instead of the printed one; page markers
  (``— 5 —``) fall between rows inside a table; where ``orphans`` is set, a few rows
  lose their label cell (their row is then known only by the template's order);
* 表四 as three five-column tables, one per block, each under its block heading
  (``### 行政复议``) with its own header row.

Every value cell still carries its truth, so the truth stays exact. The layout is
asked for by name (``layout="ocr_markdown"``); seeds never draw it, so the reports of
every existing seed stay as they were.
"""

from __future__ import annotations

import random

from .keys import APPLICATIONS, REVIEWS
from .model import Cell, Line, Part, Row, Table, Text
from .render import _markdown_table, row_facts

OCR_LAYOUT = "ocr_markdown"
PLACEHOLDER_HEADER = "| 类别 | 数据1 | 数据2 | 数据3 | 数据4 | 数据5 | 数据6 | 总计 |"
APP_HEADING = "## 表三：收到和处理政府信息公开申请情况"
APP_CAPTION = "### 申请人情况（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
RL_BLOCK_HEADINGS = (
    "### 行政复议", "### 行政诉讼（未经复议直接起诉）", "### 行政诉讼（复议后起诉）")
RL_LEAVES = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
# Rows that may lose their label: the outcome rows before 其他处理, whose place in
# the template's order is never shared with the other template's spelling of a row.
ORPHAN_ROWS = frozenset((
    "partially_granted", "withheld.prohibited_by_law", "withheld.security_stability",
    "withheld.third_party_rights", "withheld.internal_affairs",
    "withheld.process_information", "withheld.enforcement_files", "withheld.inquiry_matters",
    "unavailable.not_held", "unavailable.needs_creation", "unavailable.unclear",
    "not_processed.petition", "not_processed.duplicate", "not_processed.publication",
    "not_processed.mass_repeated",
))
ORPHAN_PROB = 0.2
PAGE_MARKER_PROB = 0.15


def _md_row(texts: list[str]) -> str:
    return "| " + " | ".join(texts) + " |"


def _rule(width: int) -> str:
    return "|" + "---|" * width


class OcrRenderer:
    """Renders a report's parts as cut-apart converter markdown."""

    def __init__(self, rng: random.Random, orphans: bool) -> None:
        self.rng = rng
        self.orphans = orphans
        self.page = rng.randint(3, 6)

    def render(self, parts: list[Part]) -> list[Line]:
        out: list[Line] = []
        for part in parts:
            if isinstance(part, Text):
                prefix = {"title": "# ", "heading": "## ", "caption": "### "}.get(part.kind, "")
                out += [Line(prefix + part.text), Line("")]
            elif part.name == APPLICATIONS:
                out += self.applications(part)
            elif part.name == REVIEWS:
                out += self.reviews(part)
            else:
                out += _markdown_table(part)
        return out

    def _page_marker(self, table: str) -> list[Line]:
        self.page += 1
        return [Line(f"— {self.page} —", (), table)]

    def applications(self, table: Table) -> list[Line]:
        """表三 cut into pieces of one to six rows, each with a placeholder header."""
        rows = [r for r in table.rows if r.kind == "data"]
        out = [Line(APP_CAPTION, (), APPLICATIONS), Line("", (), APPLICATIONS)]
        start = 0
        while start < len(rows):
            piece = rows[start : start + self.rng.randint(1, 6)]
            out += [Line(APP_HEADING, (), APPLICATIONS), Line("", (), APPLICATIONS),
                    Line(PLACEHOLDER_HEADER, (), APPLICATIONS), Line(_rule(8), (), APPLICATIONS)]
            previous_orphan = True  # a piece's first row keeps its label
            for i, row in enumerate(piece):
                if i and self.rng.random() < PAGE_MARKER_PROB:
                    out += self._page_marker(APPLICATIONS)
                orphan = not previous_orphan and self._orphan(row)
                out.append(self._app_row(row, orphan))
                previous_orphan = orphan
            out.append(Line("", (), APPLICATIONS))
            start += len(piece)
        return out

    def _orphan(self, row: Row) -> bool:
        """Whether this row loses its label (never two in a row, never the first)."""
        values = [c for c in row.cells if c.role == "value"]
        if not (self.orphans and values and values[0].facts[0].row_key in ORPHAN_ROWS):
            return False
        # A line of empty cells and no label says nothing: such a row keeps its label.
        return any(c.text for c in values) and self.rng.random() < ORPHAN_PROB

    @staticmethod
    def _app_row(row: Row, orphan: bool) -> Line:
        label = [c.text for c in row.cells if c.role == "label"]
        values = [c.text for c in row.cells if c.role == "value"]
        texts = values if orphan else [*label[-1:], *values]
        return Line(_md_row(texts), row_facts(row.cells), APPLICATIONS)

    def reviews(self, table: Table) -> list[Line]:
        """表四 as three five-column tables, one per block."""
        values: list[Cell] = list(table.rows[-1].cells)
        width = len(RL_LEAVES)
        out: list[Line] = []
        for b, heading in enumerate(RL_BLOCK_HEADINGS):
            cells = values[b * width : (b + 1) * width]
            out += [Line(heading, (), REVIEWS),
                    Line(_md_row(list(RL_LEAVES)), (), REVIEWS),
                    Line(_rule(width), (), REVIEWS),
                    Line(_md_row([c.text for c in cells]), row_facts(tuple(cells)), REVIEWS),
                    Line("", (), REVIEWS)]
        return out


def render_ocr(parts: list[Part], rng: random.Random, orphans: bool) -> list[Line]:
    """Render all parts of a report in the ``ocr_markdown`` layout."""
    return OcrRenderer(rng, orphans).render(parts)
