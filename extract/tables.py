"""The label-anchored table engine: one pass over the token stream for every layout.

Rows and columns are found by their labels, never by position on the page:

* a *table mode* starts at an anchor label (第二十条第…项 for 表二, 申请人情况 or the
  勾稽关系 note for 表三, 行政复议 for 表四) and ends at the next anchor or at
  section 五; prose before the tables is never read as cells;
* label fragments accumulate until values arrive; the fragments then name the row
  (see :mod:`transform.labels` for the matching rule) and, where they hold a header,
  the columns;
* a row takes as many cells as its table has columns and stops early at the next
  label, so a missing, extra or reordered row, or a short one, never shifts the
  values of another row.

The engine returns raw cells keyed by canonical keys, the template markers it saw
and warnings with line numbers; it does not decide units or templates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from functools import cache

from extract.cells import (
    BLANK,
    TEXT,
    VALUE,
    Token,
    joined_labels,
    padding_is_ambiguous,
    trim_padding,
)
from extract.decode import REPLACEMENT
from extract.headers import HeaderReader
from extract.model import Column, Row, TableResult, Warning_, filled_cells, short_row
from extract.orphans import Orphan, confirmed, line_groups, place
from extract.reviews import RL_SLOTS, ReviewsReader
from extract.values import UNREADABLE
from transform.keys import (
    AD,
    APP,
    NOT_PROCESSED,
    OTHER,
    OTHER_OTHER,
    RL,
    TEMPLATES,
    TOTAL,
    derived_rows,
    key_catalog,
)
from transform.labels import (
    LabelHit,
    anchor_matcher,
    label_catalog,
    normalise_label,
    strip_numbering,
)

# The most label fragments kept waiting for values: r011's 表四 header is 33 short
# fragments, its 表三 header 16; text beyond this many is prose, not a label.
MAX_FRAGMENTS = 80
MAX_FUZZY_TEXT = 60  # the end of an unmatched label that is compared with the aliases
# The numbering of a 2021 其他处理 sub-row (3、其他, 3.其他) right before its label.
_SUB_ROW_NUMBER = re.compile(r"\d\s*[、.．]?\s*$")
# Label text after a row's alias long enough to be another row's misprinted label.
MIN_MISPRINTED_TAIL = 4


def _end_of_cells(tokens: list[Token], i: int, line: int) -> int:
    """Index after the cells that follow ``tokens[i - 1]`` on its line."""
    while i < len(tokens) and tokens[i].kind != TEXT and tokens[i].line == line:
        i += 1
    return i


def _unlabelled_line(tokens: list[Token], i: int, first: Token) -> int:
    """Index after the cells that follow ``first`` (``tokens[i - 1]``) where they end
    its line with no label among them; 0 where a label follows (a full grid's empty
    merged cells before a row label)."""
    j = _end_of_cells(tokens, i, first.line)
    if j < len(tokens) and tokens[j].line == first.line:
        return 0
    return j


class TableEngine:
    """Consumes tokens and fills :class:`TableResult`. One instance per document."""

    def __init__(self, blank_lines_are_cells: bool) -> None:
        self.labels = label_catalog()
        self.anchors = anchor_matcher()
        self.subtable = self.labels.matcher(AD, "subtable")
        self.row_matchers = {t: self.labels.matcher(t, "row") for t in (AD, APP)}
        self.keys = key_catalog()
        self.blank_lines_are_cells = blank_lines_are_cells
        self.mode: str | None = None
        self.frags: list[Token] = []
        self.row: Row | None = None
        self.last_row_key: dict[str, str] = {}
        self.rows: dict[tuple[str, str], Row] = {}  # rows read, in reading order
        self.no_row_line = -1
        # Rows in reading order, named or not, for naming the others by the template's
        # row order (表三's unlabelled rows, misprinted labels of 表二 and 表三).
        self.sequence: dict[str, list[Row]] = {AD: [], APP: []}
        self.app_sequence = self.sequence[APP]
        self.unnamed_app_rows = False
        self.fuzzy_rows = False
        self.full_row: Row | None = None  # a 表三 row just filled, until text follows
        self.damaged_headers: set[str] = set()  # tables whose header holds U+FFFD
        self.partly_read_warned: set[str] = set()  # 表二 rows whose header was short
        self.result = TableResult([], {}, [], [])
        self.headers = HeaderReader(self.result)
        self.reviews = ReviewsReader(self.result)

    # -- driving -----------------------------------------------------------------

    def run(self, tokens: list[Token]) -> TableResult:
        i, n = 0, len(tokens)
        while i < n:
            tok = tokens[i]
            i += 1
            if tok.kind == TEXT:
                self._on_text(tok)
            elif tok.kind == VALUE or self._blank_counts(tok) or self._blank_row_starts(tok):
                if tok.cell >= 0 and self.mode == RL and not self.reviews.runs:
                    j = _end_of_cells(tokens, i, tok.line)
                    for cell in trim_padding([tok, *tokens[i:j]], RL_SLOTS):
                        if cell is not None and self.mode == RL:
                            self._reviews_cell(cell)
                    i = j
                elif tok.cell >= 0 and self.row is None and self.mode in (AD, APP) and self.frags:
                    # A delimited row is one line: take its cells together, so that
                    # merged label cells and padding can be told from blank values.
                    j = _end_of_cells(tokens, i, tok.line)
                    self._delimited_row([tok, *tokens[i:j]])
                    i = j
                elif (tok.cell >= 0 and self.row is None and self.mode == APP
                      and tok.line_has_value and (j := _unlabelled_line(tokens, i, tok))):
                    # A delimited line of values and no label (a converter cut the
                    # label column away): the whole line, blank cells included, is
                    # one unnamed row, placed later by the template's row order.
                    self._unlabelled_row([tok, *tokens[i:j]])
                    i = j
                else:
                    self._on_cell(tok)
        self._close_row()
        self.reviews.finish()
        self._settle_fuzzy()
        self._place_orphans()
        self._emit_rows()
        return self.result

    def _delimited_row(self, cells: list[Token]) -> None:
        """Fill a row from the cells of one delimited line that follow its label."""
        self.row = row = self._open_row(cells[0])
        if row.key is None or row.columns is None:
            # (A misprinted label's cells are placed once its columns are known.)
            row.cells = cells[: row.width]  # type: ignore[assignment]  # list is invariant
        else:
            row.cells = self._placed(row, cells, self.frags[-1].cell if self.frags else -1)
        self._close_row()

    def _placed(self, row: Row, cells: list[Token], label_cell: int) -> list[Token | None]:
        """The cells of a delimited line in ``row``'s columns: at its table's header's
        cell positions where the line lines up with them, else with the padding
        trimmed."""
        assert row.columns is not None
        grid = self.headers.grid.get(row.table)
        if grid and all(c.key in grid for c in row.columns) and _lines_up(
                cells, label_cell, min(grid.values())):
            by_index = {t.cell: t for t in cells}
            placed = [by_index.get(grid[c.key]) for c in row.columns]
            short = cells[-1].cell < max(grid[c.key] for c in row.columns)
            return _unplaceable_dropped(placed) if short else placed
        if row.table in self.damaged_headers and padding_is_ambiguous(cells, row.width):
            return []  # (where its values stand only the damaged header told)
        placed = trim_padding(cells, row.width)
        return _unplaceable_dropped(placed) if len(cells) < row.width else placed

    def _unlabelled_row(self, cells: list[Token]) -> None:
        self.row = Row(APP, None, "", None, len(cells), cells[0].line, list(cells))
        self._close_row()

    def _blank_row_starts(self, tok: Token) -> bool:
        """An empty cell after a row label on a line without values: a row printed all
        blank. Header lines have empty cells too, so their label must name a row."""
        if tok.line_has_value or tok.cell < 0 or self.row is not None or not self.frags:
            return False
        if self.mode not in (AD, APP) or self.frags[-1].line != tok.line:
            return False
        if tok.line == self.no_row_line:
            return False  # already tried on this line (headers have many empty cells)
        if self._resolve_row(self.mode) is not None:
            return True
        self.no_row_line = tok.line
        return False

    def _blank_counts(self, tok: Token) -> bool:
        if tok.empty_line:
            if not self.blank_lines_are_cells or self.mode is None:
                return False
            if self.mode == RL:
                # 表四's cells follow its header; the first may be blank.
                return self.reviews.blank_after_header(tok)
            if self.row is not None:
                return True
            # One cell per line: an empty line right after a row label is its first
            # cell, blank (a label misprinted by a character or two too: its row is
            # settled later, and its cells must keep their columns).
            return (bool(self.frags) and self.frags[-1].line == tok.line - 1
                    and (self._resolve_row(self.mode) is not None
                         or self._near_a_row(self.mode)))
        # An empty cell is a blank value only on a line that also prints values: the
        # empty cells of header rows and merged cells are layout, not data. 表四's one
        # data row may be all blank: a line of empty cells right after its header.
        if tok.only_blanks:
            return self.mode == RL and self.reviews.blank_row(tok)
        return tok.line_has_value and self.mode is not None

    def warn(self, code: str, message: str, line: int | None) -> None:
        self.result.warnings.append(Warning_(code, message, line))

    # -- anchors -------------------------------------------------------------------

    def _anchor(self, tables: Iterable[str]) -> str | None:
        """The table (or ``end``) an anchor label starts, of the ``tables`` whose
        anchors a label holds."""
        found = None
        for table in tables:
            if table == "end":
                return "end"
            if table == self.mode or (table == RL and (
                not self.result.tables_seen or self.reviews.read)):
                # Prose before the tables mentions 行政复议 too, and so does prose after
                # 表四 (section 五): 表四 starts after 表二 or 表三, and is read once.
                continue
            found = found or table
        return found

    def _enter(self, mode: str | None) -> None:
        self._close_row()
        if self.mode == RL:
            self.reviews.finish()
        self.mode = mode
        self.frags = []
        if mode is not None and mode not in self.result.tables_seen:
            self.result.tables_seen.append(mode)
        if mode == AD:
            self.headers.ad_columns = None

    # -- tokens --------------------------------------------------------------------

    def _on_text(self, tok: Token) -> None:
        self.full_row = None
        norm = tok.label
        anchors = self.anchors.keys_in(norm)
        target = self._anchor(anchors) if anchors else None  # most labels hold none
        if self.mode == RL and target is None and self._reviews_text(tok, norm):
            return
        if self.row is not None:
            if target is None and self._completes_label(tok):
                return
            self._close_row()
        if target is not None:
            self._enter(None if target == "end" else target)
            if self.mode == RL and self._reviews_text(tok, norm):
                return  # (a heading that runs on into 表四's header is part of it)
        if self.mode == AD and self.subtable.keys_in(norm):
            # A new 第二十条 item or 信息内容 row: a new header follows.
            self.headers.ad_columns = None
            self.frags = []
        self.frags.append(tok)
        if len(self.frags) > MAX_FRAGMENTS:
            # No header or label spans this many fragments: what came first is prose.
            del self.frags[: -MAX_FRAGMENTS // 2]

    def _on_cell(self, tok: Token) -> None:
        if self.mode is None:
            self.frags = []
            return
        if self.mode == RL:
            self._reviews_cell(tok)
            return
        if self.row is None:
            if tok.kind == BLANK and not self.frags:
                return
            full = self.full_row
            if full is not None and not self.frags and tok.kind == VALUE and \
                    tok.line == full.line:
                # More values on the line than the row has columns: kept with the row
                # (a number printed with a stray space inside, 2 8 for 28, where cells
                # run together; extract.glued), not read as a row of their own.
                full.overflow.append(tok)
                return
            self.row = self._open_row(tok)
        self.row.cells.append(tok)
        if len(self.row.cells) >= self.row.width:
            row = self.row
            self._close_row()
            self.full_row = row if row.key is not None and row.table == APP else None

    # -- rows of 表二 and 表三 --------------------------------------------------------

    def _resolve_row(self, table: str, text: str | None = None) -> LabelHit | None:
        """The row the pending label fragments (joined: ``text``) name, if any."""
        if text is None:
            text = joined_labels(self.frags)
        last = self.frags[-1].label if self.frags else ""
        hit = self.row_matchers[table].best(text, last)
        return self._check_context(table, hit, text)

    def _open_row(self, first: Token) -> Row:
        table = self.mode or AD
        text = joined_labels(self.frags)
        hit = self._resolve_row(table, text)
        fuzzy_from = 0
        if hit is not None and self._misprinted_label_after(table, hit, text):
            # Read as the misprinted label after the alias, where the row order confirms it.
            hit, fuzzy_from = None, hit.end
        if hit is None:
            # Warned about when the row ends, unless the next line completes the label.
            label = " ".join([t.raw.strip() for t in self.frags])[-60:]
            return Row(table, None, label, None, 1 << 30, first.line, frags=list(self.frags),
                       fuzzy_from=fuzzy_from)
        self.headers.mark(table, "row", hit)
        columns = self._unless_partly_read(table, hit.key,
                                           self._columns_for(table, text[: hit.start]))
        label = self._raw_label(hit)
        width = len(columns) if columns else self._default_width(table, hit.key)
        return Row(table, hit.key, label, columns, width, first.line)

    def _unless_partly_read(self, table: str, row_key: str,
                            columns: list[Column] | None) -> list[Column] | None:
        """表二 columns of a header that names fewer columns than the row has in every
        template: a column label misprinted or damaged out of recognition
        (采购项目怰量), and the row's values read against the columns left would land
        one column over. The row then takes the template's columns, as a row printed
        without a header does."""
        if table != AD or not columns or len(columns) >= self._width_with(row_key, columns):
            return columns
        if row_key not in self.partly_read_warned:
            self.partly_read_warned.add(row_key)
            self.headers.warn("header_partly_read", f"active_disclosure/{row_key}: column "
                              f"header names only {', '.join(c.key for c in columns)}; "
                              "reading the template's columns", self.frags[-1].line
                              if self.frags else None)
        return None

    def _completes_label(self, tok: Token) -> bool:
        """A PDF row whose values sit on the first line of a wrapped label
        (``3.危及“三安全一 5 0 0 …`` / ``稳定”``): the next line completes the label.
        Only an alias that starts in the pending label counts, so the next row's own
        label never takes the values."""
        row = self.row
        if row is None or row.key is not None or not row.frags or not row.cells:
            return False
        last = row.cells[-1]
        if last is None or not 0 <= tok.line - last.line <= 1:
            return False
        pending = joined_labels(row.frags)
        text = pending + tok.label
        hit = self._check_context(row.table, self.row_matchers[row.table].best(text, tok.label),
                                  text)
        if hit is None or hit.start >= len(pending):
            return False
        self.frags = [*row.frags, tok]
        self.headers.mark(row.table, "row", hit)
        columns = self._columns_for(row.table, text[: hit.start])
        width = len(columns) if columns else self._default_width(row.table, hit.key)
        self.row = Row(row.table, hit.key, self._raw_label(hit), columns, width, row.line,
                        [c for c in row.cells[:width]])
        self._close_row()
        return True

    def _check_context(self, table: str, hit: LabelHit | None, text: str) -> LabelHit | None:
        """Exact aliases that need a context (3.其他 only after the 其他处理 rows)."""
        if hit is None or not hit.exact:
            return hit
        if table == APP and hit.key in (OTHER_OTHER, TOTAL):
            previous = self.last_row_key.get(APP, "")
            if hit.key == OTHER_OTHER and previous.startswith(NOT_PROCESSED):
                # A bare （六）其他 right after the 不予处理 rows is the single
                # 其他处理 row (no template marker), not the third 2021 sub-row; a
                # sub-row's 3、其他 there is the third sub-row, whose first two were not
                # read.
                if _SUB_ROW_NUMBER.search(text, 0, hit.start):
                    return hit
                return LabelHit(OTHER, hit.axis, hit.start, hit.end, hit.alias,
                                frozenset(), hit.exact)
            if not previous.startswith(OTHER) and not (
                hit.key == TOTAL and previous.startswith(NOT_PROCESSED)
            ):
                return None
        return hit

    def _raw_label(self, hit: LabelHit, frags: list[Token] | None = None) -> str:
        """The printed label from the fragment where the row's alias starts (of the
        pending fragments, or of ``frags``)."""
        frags = self.frags if frags is None else frags
        pos = 0
        for i, frag in enumerate(frags):
            pos += len(frag.label)
            if pos > hit.start:
                return " ".join([t.raw.strip() for t in frags[i:]])
        return " ".join([t.raw.strip() for t in frags])

    def _mark(self, table: str, axis: str, hit: LabelHit) -> None:
        if hit.templates:
            self.result.markers[(table, axis, hit.key)] = hit.templates

    def _columns_for(self, table: str, header_text: str) -> list[Column] | None:
        if REPLACEMENT not in header_text or not self._names_columns(table, header_text):
            # (Damage in a row's numbering, 5.属于…, is no header's.)
            return self.headers.columns_for(table, header_text, self.frags)
        # A header with a byte no encoding read: a column, its unit (万元) or its cell
        # position may be misread. 表二's rows take the template's columns, as where
        # no header is printed (header_not_found); 表三's header gives no positions.
        self.damaged_headers.add(table)
        if table == AD:
            self.headers.ad_columns = None
            return None
        columns = self.headers.columns_for(table, header_text, self.frags)
        self.headers.grid.pop(table, None)
        return columns

    def _names_columns(self, table: str, text: str) -> bool:
        return any(h.key for h in self.labels.matcher(table, "col").find_all(text))

    def _reviews_text(self, tok: Token, norm: str) -> bool:
        """表四's text; False when it ends the table (no table is being read then)."""
        if self.reviews.text(tok, norm):
            return True
        self.mode = None
        return False

    def _reviews_cell(self, tok: Token) -> None:
        if not self.reviews.cell(tok):
            self.mode = None  # far more numbers than 表四 has cells: prose

    def _default_width(self, table: str, row_key: str) -> int:
        if table == APP:
            return len(self.keys.col_order[APP])
        # A 表二 row without a header: its width is known once the template is.
        widths = {len(self._ad_columns_of(t, row_key)) for t in TEMPLATES}
        return max(widths - {0}, default=1)

    def _width_with(self, row_key: str, columns: list[Column]) -> int:
        """The fewest columns a 表二 row has in a template that prints every one of
        ``columns`` for it (0 when none does: the header is another row's)."""
        named = {c.key for c in columns}
        return min((len(keys) for t in TEMPLATES
                    if named <= (keys := self._ad_columns_of(t, row_key))), default=0)

    def _ad_columns_of(self, template: str, row_key: str) -> frozenset[str]:
        return _ad_columns(template, row_key)

    def _close_row(self) -> None:
        row, self.row = self.row, None
        if row is None:
            return
        self.frags = []
        if row.table in self.sequence:
            self.sequence[row.table].append(row)
        if row.table == APP:
            self.unnamed_app_rows = self.unnamed_app_rows or row.key is None
        if row.key is None:
            if self._nearest_row(row):
                self.fuzzy_rows = True
            elif row.table != APP:
                self._warn_unmapped(row)  # (表三's are warned about once placed or not)
            return
        key = (row.table, row.key)
        kept = self.rows.get(key)
        if kept is None:
            self.rows[key] = row
            self.last_row_key[row.table] = row.key
            return
        # Printed twice (prose before a table quoting a row, a page repeating a row):
        # the fuller row wins, the earlier on a tie.
        winner = row if filled_cells(row) > filled_cells(kept) else kept
        self.warn("duplicate_row", f"{row.table}/{row.key} printed on lines {kept.line} and "
                  f"{row.line}; the row on line {winner.line} is kept", row.line)
        self.rows[key] = winner

    def _near_a_row(self, table: str) -> bool:
        """Whether the pending label is a row's alias with a character or two wrong."""
        if table not in self.row_matchers:
            return False
        text = joined_labels(self.frags)
        return self.row_matchers[table].closest(text[-MAX_FUZZY_TEXT:]) is not None

    def _misprinted_label_after(self, table: str, hit: LabelHit, text: str) -> bool:
        """Whether a row's label text goes on after the alias it names with another row's
        alias, a character or two misprinted (``(六)其他处理 1、申请人无正当理由逾最不补正…``
        in a crawler's text): the values then belong to that row, not to the group
        heading the alias names."""
        tail = text[hit.end:]
        if len(tail) < MIN_MISPRINTED_TAIL:
            return False
        near = self.row_matchers[table].closest(tail[-MAX_FUZZY_TEXT:])
        return near is not None and near.key != hit.key

    def _nearest_row(self, row: Row) -> bool:
        """Whether an unnamed row's label is a row's alias with a character or two
        wrong (kept in ``row.fuzzy`` until :meth:`_settle_fuzzy`)."""
        if not row.frags or row.table not in self.sequence:
            return False
        text = joined_labels(row.frags)
        tail = max(row.fuzzy_from, len(text) - MAX_FUZZY_TEXT)
        hit = self.row_matchers[row.table].closest(text[tail:])
        if hit is None:
            return False
        # (表二's header comes in the label's text, as for a row read by its alias.)
        columns = self.headers.app_columns if row.table == APP else self._columns_for(
            AD, text[: tail + hit.start])
        if not columns:
            return False
        row.fuzzy, row.columns = hit, list(columns)
        row.label = self._raw_label(replace(hit, start=tail + hit.start), row.frags)
        cells = [c for c in row.cells if c is not None]
        if cells and all(c.cell >= 0 and c.line == cells[0].line for c in cells):
            # One delimited line: its cells go where the header puts them, as a
            # row named by its label's would (merged cells before them are no value).
            row.width = len(columns)
            row.cells = self._placed(row, cells, row.frags[-1].cell)
        return True

    def _settle_fuzzy(self) -> None:
        """Misprinted labels named where the template's row order confirms them (see
        :func:`extract.orphans.confirmed`); the others stay unnamed."""
        if not self.fuzzy_rows:
            return
        for table, rows in self.sequence.items():
            candidates = {i: r.fuzzy.key for i, r in enumerate(rows) if r.fuzzy is not None}
            if not candidates:
                continue
            accepted = confirmed([r.key for r in rows], candidates, self.keys.row_order[table])
            for i in candidates:
                self._settle_one(rows[i], i in accepted)

    def _settle_one(self, row: Row, accepted: bool) -> None:
        hit, row.fuzzy = row.fuzzy, None
        if not accepted or hit is None:
            row.columns = None
            if row.table != APP:
                self._warn_unmapped(row)
            return
        columns = row.columns or []
        row.key, row.width, row.cells = hit.key, len(columns), row.cells[: len(columns)]
        self.rows[(row.table, hit.key)] = row
        self.warn("label_fuzzy", f"{row.table}/{hit.key}: label {row.label!r} read as "
                  f"{hit.alias!r} (a character or two differ; its place in the table "
                  "confirms it)", row.line)

    def _place_orphans(self) -> None:
        """表三 rows printed without a usable label, named by the template's row order
        where that is unambiguous (see :mod:`extract.orphans`); the others warned of."""
        if not self.unnamed_app_rows:
            return  # the common case
        width = len(self.keys.col_order[APP])
        sequence: list[str | Orphan] = []
        owner: list[int] = []  # the index in app_sequence each item comes from
        for n, row in enumerate(self.app_sequence):
            if row.key is not None:
                sequence.append(row.key)
                owner.append(n)
                continue
            label = row.label if row.frags else ""
            for cells in line_groups(row.cells, width) or [[]]:
                sequence.append(Orphan(cells, label, row.line))
                owner.append(n)
        alternatives = {k: parts for (t, k), parts in derived_rows().items() if t == APP}
        placed = place(sequence, self.keys.row_order[APP], alternatives)
        for i, key in placed.items():
            self._add_inferred_row(key, sequence[i], width)  # type: ignore[arg-type]
        unplaced = {owner[i] for i, item in enumerate(sequence)
                    if isinstance(item, Orphan) and i not in placed}
        for n in sorted(unplaced):
            self._warn_unmapped(self.app_sequence[n])

    def _add_inferred_row(self, key: str, orphan: Orphan, width: int) -> None:
        line = orphan.cells[0].line
        self.rows[(APP, key)] = Row(APP, key, orphan.label, self.headers.app_columns_or_default(),
                                    width, line, list(orphan.cells))
        self.warn("row_inferred", f"applications/{key}: the values on line {line} have no "
                  "readable row label; named by the template's row order", line)

    def _warn_unmapped(self, row: Row) -> None:
        if _wrapped_heading(row):
            return
        if row.frags:
            self.warn("unmapped_label", f"{row.table}: no row matches label {row.label!r}",
                      row.frags[-1].line)
        elif any(c is not None and c.kind == VALUE for c in row.cells):
            self.warn("unlabelled_values", f"{row.table}: values without a row label",
                      row.line)

    def _emit_rows(self) -> None:
        """Cells of every row kept, and short rows reported."""
        for row in self.rows.values():
            self.result.rows.append(row)
            warning = short_row(row)
            if warning is not None:
                self.result.warnings.append(warning)

    # -- 表四 -----------------------------------------------------------------------



@cache
def _ad_columns(template: str, row_key: str) -> frozenset[str]:
    """The columns a 表二 row has in a template (the key list does not change)."""
    return frozenset(c.col_key for c in key_catalog().cells_for(template)
                     if c.table == AD and c.row_key == row_key)


def _lines_up(cells: list[Token], label_cell: int, first_column: int) -> bool:
    """Whether a row's line lines up with its table's full-grid header: its label
    before the first column and nothing but empty (merged) cells between them. A
    line cut out of a longer one (two rows run together) starts elsewhere."""
    if label_cell >= first_column:
        return False
    return all(t.kind == BLANK for t in cells if t.cell < first_column)


def _unplaceable_dropped(cells: list[Token | None]) -> list[Token | None]:
    """The cells of a line short of its row's columns, up to the first that reads as
    no value: that cell may hold two run together (``0 ÿ 0``, a delimiter lost), so
    the cells after it may stand one column to the left of their own, and are left
    out (the row is reported short) rather than read in a neighbour's column."""
    for i, t in enumerate(cells):
        if t is not None and t.value is not None and t.value.kind == UNREADABLE:
            return [*cells[: i + 1], *[None] * (len(cells) - i - 1)]
    return cells


def _wrapped_heading(row: Row) -> bool:
    """A group heading a PDF text layer wrapped after its first character
    (``（四）无`` / ``法提供``): its 无 reads as a value, its label as numbering alone.
    The heading prints no values and names no row: nothing to warn about."""
    cells = [c for c in row.cells if c is not None]
    return (len(cells) == 1 and cells[0].text == "无" and cells[0].line == row.line
            and bool(row.label) and not strip_numbering(normalise_label(row.label)))
