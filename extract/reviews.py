"""表四, 行政复议 and 行政诉讼: fifteen cells in three blocks, however printed.

表四 is printed as one row of fifteen values under a header of three rows of merged
cells, as three labelled rows, or (converter markdown) as one small table per block
with its own header. The engine hands 表四's text and values to
:class:`ReviewsReader`, which keeps the header, cuts the values into runs (one, or one
per block label), and at the end deals them to the blocks in the order the header
names them (or the template's).
"""

from __future__ import annotations

import re

from extract.cells import TEXT, VALUE, Token, joined_labels, trim_padding
from extract.headers import MIN_HEADER_COLUMNS
from extract.model import Column, Row, TableResult, Warning_
from transform.keys import RL, key_catalog
from transform.labels import AxisMatcher, label_catalog, normalise_label, strip_numbering

RL_SLOTS = 15
# The most header fragments kept: r011's 表四 header is 33 short fragments.
MAX_HEADER_FRAGMENTS = 160
_SENTENCE = re.compile("[，。；,;]")


def _after_prose(tok: Token) -> Token | None:
    """The text of ``tok`` after its last sentence stop, as a token; None if none."""
    end = max((m.end() for m in _SENTENCE.finditer(tok.text)), default=0)
    text = tok.text[end:]
    if not end or not text.strip():
        return None
    raw = tok.raw[end:] if len(tok.raw) == len(tok.text) else text
    return Token(TEXT, text, raw, tok.line, label=normalise_label(text))


def _last_block_label(header: list[Token], blocks: AxisMatcher) -> list[Token]:
    """The header's tokens from the last one naming a 表四 block on (the last token
    where none does)."""
    for i in range(len(header) - 1, -1, -1):
        if any(blocks.keys_in(header[i].label)):
            return header[i:]
    return header[-1:]


class ReviewsReader:
    """表四 as it is read: its header, its runs of values, and whether it was read."""

    def __init__(self, result: TableResult) -> None:
        self.labels = label_catalog()
        self.keys = key_catalog()
        self.result = result
        self.header: list[Token] = []
        # (block label tokens, values) in reading order; one run without a label when
        # the values follow the header.
        self.runs: list[tuple[list[Token], list[Token]]] = []
        self.read = False  # 表四's cells have been read (it is read once)

    def _warn(self, code: str, message: str, line: int | None) -> None:
        self.result.warnings.append(Warning_(code, message, line))

    def blank_after_header(self, tok: Token) -> bool:
        """Whether an empty line is 表四's first cell, blank: right after its header."""
        return bool(self.runs) or (bool(self.header) and self.header[-1].line == tok.line - 1)

    def blank_row(self, tok: Token) -> bool:
        """Whether a line of empty cells is 表四's data row, all blank: right after the
        header (the next line, or the one after a markdown separator row; in 表四 cut
        into one table per block, after each block's)."""
        if self.runs:
            label, run = self.runs[-1]
            if run:
                return run[-1].line == tok.line
            return bool(label) and tok.line - 2 <= label[-1].line < tok.line
        return bool(self.header) and tok.line - 2 <= self.header[-1].line < tok.line

    def text(self, tok: Token, norm: str) -> bool:
        """Take a text token inside 表四; False when it ends the table (read then)."""
        cells = sum(len(run) for _, run in self.runs)
        if cells == 0:
            if _SENTENCE.search(tok.text):
                # A sentence (，。；) is prose about reviews, not 表四's header: its
                # numbers (行政复议 351 件，其中结果维持 72 件…) are not cells. What
                # follows its last stop may open the header (…有关情况。行政复议…).
                tail = _after_prose(tok)
                self.header = [] if tail is None else [tail]
                return True
            self.header.append(tok)
            if len(self.header) > MAX_HEADER_FRAGMENTS:
                del self.header[: -MAX_HEADER_FRAGMENTS // 2]
            return True
        blocks = self.labels.matcher(RL, "block").find_all(norm)
        if cells < RL_SLOTS and any(h.key for h in blocks):
            self.runs.append(([tok], []))
            return True
        if cells < RL_SLOTS and self._block_header(tok, norm):
            return True
        self.finish()
        return False

    def _block_header(self, tok: Token, norm: str) -> bool:
        """A column label after a block label and before its values: 表四 cut into
        one small table per block (OCR/converter markdown), each with its own header
        (``### 行政诉讼（复议后起诉）`` / ``| 结果维持 | … | 总计 |`` / values). The
        labels join the block's label, where they give that block's column order."""
        label, cells = self.runs[-1]
        if cells or not label or not any(self.labels.matcher(RL, "col").keys_in(norm)):
            return False
        label.append(tok)
        return True

    def cell(self, tok: Token) -> bool:
        """Take a value inside 表四; False when it ends the table (read then)."""
        if not self.runs:
            if not self._ready():
                return True  # a number in a sentence between the heading and the header
            self.runs.append(([], []))
        self.runs[-1][1].append(tok)
        if len(self.runs) == 1 and len(self.runs[0][1]) >= 2 * RL_SLOTS:
            # Far more numbers than 表四 has cells: prose numbers, stop here.
            self.finish()
            return False
        return True

    def _ready(self) -> bool:
        """Whether 表四's first value can come: after its column labels, or right
        after a block label (表四 printed as three labelled rows)."""
        if not self.header:
            return False
        leaves = self.labels.matcher(RL, "col").keys_in(joined_labels(self.header))
        if sum(1 for k in leaves if k) >= MIN_HEADER_COLUMNS:
            return True
        last = strip_numbering(self.header[-1].label)
        return any(k and alias == last for alias, (k, _a, _t) in
                   self.labels.matcher(RL, "block").contains.items())

    def _layout(self, header: list[Token]) -> tuple[list[str], dict[str, list[str]]]:
        """Block order and each block's column order, from the 表四 header."""
        text = joined_labels(header)
        canonical_blocks = list(self.keys.row_order[RL])
        canonical_cols = list(self.keys.col_order[RL])
        blocks: list[str] = []
        for h in self.labels.matcher(RL, "block").find_all(text):
            if h.key and h.key not in blocks:
                blocks.append(h.key)
        if sorted(blocks) != sorted(canonical_blocks):
            blocks = canonical_blocks
        leaves = [h.key for h in self.labels.matcher(RL, "col").find_all(text) if h.key]
        per_block = len(canonical_cols)
        if len(leaves) == per_block * len(blocks):
            cols = {b: leaves[i * per_block : (i + 1) * per_block] for i, b in enumerate(blocks)}
        elif len(leaves) == per_block:
            cols = dict.fromkeys(blocks, leaves)
        else:
            cols = dict.fromkeys(blocks, canonical_cols)
        for b, c in cols.items():
            if sorted(c) != sorted(canonical_cols):
                cols[b] = canonical_cols
        return blocks, cols

    def finish(self) -> None:
        """Deal the values read out to 表四's blocks (its rows); the table is read."""
        runs, self.runs = self.runs, []
        header, self.header = self.header, []
        if not runs:
            return
        blocks, cols = self._layout(header)
        self.read = True
        if len(runs) == 1:
            slots = sum(len(cols[b]) for b in blocks)
            # An empty line or cell before the values (spacing, a corner cell) is not
            # the first value: trim it when the run has more cells than 表四.
            run = runs[0][1]
            cells = [c for c in trim_padding(run, slots) if c is not None]
            if len(cells) < slots:
                self._warn("short_row", f"reviews_litigation: {len(cells)} of {slots} "
                          "cells", cells[0].line)
            offset = 0
            for block in blocks:
                part = cells[offset : offset + len(cols[block])]
                offset += len(cols[block])
                if part:
                    self._add_row(block, block, cols[block], part)
            if len(run) > slots and run[:slots] == cells and self.result.rows and all(
                    c.kind == VALUE for c in run[slots:]):
                # More values than cells (a number with a stray space inside, where
                # cells run together): kept for extract.glued, which may need them.
                self.result.rows[-1].overflow = run[slots:]
            return
        if not runs[0][0]:
            # The first block label ended the header, alone or followed by the
            # block's own column labels.
            runs[0] = (_last_block_label(header, self.labels.matcher(RL, "block")), runs[0][1])
        for label_tokens, cells in runs:
            hit = self.labels.matcher(RL, "block").best(joined_labels(label_tokens), "")
            if hit is None or not cells:
                continue
            block_cols = self._block_columns(label_tokens) or cols[hit.key]
            self._add_row(hit.key, label_tokens[0].raw.strip().lstrip("#").strip(),
                             block_cols, cells)

    def _block_columns(self, label_tokens: list[Token]) -> list[str] | None:
        """A block's column order where its own header names all five columns."""
        leaves = [h.key for h in self.labels.matcher(RL, "col").find_all(
            joined_labels(label_tokens[1:])) if h.key]
        if sorted(leaves) != sorted(self.keys.col_order[RL]):
            return None
        return leaves

    def _add_row(self, block: str, label: str, cols: list[str], cells: list[Token]) -> None:
        row = Row(RL, block, label, [Column(c, c) for c in cols], len(cols), cells[0].line,
                  list(cells[: len(cols)]))
        self.result.rows.append(row)
