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
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from extract.cells import BLANK, TEXT, VALUE, Token
from extract.orphans import Orphan, confirmed, line_groups, place
from extract.values import find_unit_suffix
from transform.keys import (
    AD,
    APP,
    NOT_PROCESSED,
    OTHER,
    OTHER_OTHER,
    RL,
    TOTAL,
    derived_rows,
    key_catalog,
)
from transform.labels import (
    AxisMatcher,
    LabelHit,
    anchor_matcher,
    label_catalog,
    normalise_label,
    strip_numbering,
)

RL_SLOTS = 15
# The most label fragments kept waiting for values: r011's 表四 header is 33 short
# fragments, its 表三 header 16; text beyond this many is prose, not a label.
MAX_FRAGMENTS = 80
_SENTENCE = re.compile("[，。；,;]")
# A 表三 header naming fewer columns than this is taken as unreadable.
MIN_HEADER_COLUMNS = 3
MAX_FUZZY_TEXT = 60  # the end of an unmatched label that is compared with the aliases
MIN_FUZZY_LABEL = 4  # shorter text is never read as a misprinted label


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


@dataclass(slots=True)
class TableResult:
    """What the engine found."""

    rows: list[Row]  # every row read, in reading order; columns None: no header seen
    markers: dict[tuple[str, str, str], frozenset[str]]
    warnings: list[Warning_]
    tables_seen: list[str]


def _joined(frags: Iterable[Token]) -> str:
    return "".join([t.label for t in frags])


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


def _filled(row: Row) -> int:
    # (Not list.count(None): that compares every Token with None through its __eq__.)
    filled = 0
    for cell in row.cells:
        if cell is not None:
            filled += 1
    return filled


def _trim_padding(cells: list[Token], width: int) -> list[Token | None]:
    """The ``width`` cells of a row whose line has more cells than columns.

    The surplus is empty cells: padding after the values (the seed pads every row
    to the grid's width) or merged label cells before them (a full grid whose row
    label spans several columns). Padding at the end is taken off first unless only
    the front has enough empty cells.
    """
    surplus = len(cells) - width
    if surplus <= 0:
        return list(cells)
    lead = next((i for i, t in enumerate(cells) if t.kind != BLANK), len(cells))
    trail = next((i for i, t in enumerate(reversed(cells)) if t.kind != BLANK), len(cells))
    if lead >= surplus > trail:
        return list(cells[surplus:])
    return list(cells[:width])


def short_row(row: Row, empty_too: bool = True) -> Warning_ | None:
    """A ``short_row`` warning when a row has fewer cells than its columns, else None.

    Only the columns that are cells of the row in some template count: a header that
    names more columns than the row can have (a 2019 行政事业性收费 row of two values
    under a sub-table header of three) does not make the row short. ``empty_too``:
    warn of a row with no cell at all as well.
    """
    if row.columns is None or not row.key:
        return None
    if _filled(row) >= len(row.columns):
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
        self.ad_columns: list[Column] | None = None
        self.app_columns: list[Column] | None = None
        self.rl_header: list[Token] = []
        self.rl_runs: list[tuple[list[Token], list[Token]]] = []
        self.last_row_key: dict[str, str] = {}
        self.rows: dict[tuple[str, str], Row] = {}  # rows read, in reading order
        # Cell index of each column in delimited lines, where the header is a full grid.
        self.grid: dict[str, dict[str, int]] = {}
        self.rl_read = False  # 表四's cells have been read
        self.no_row_line = -1
        # Rows in reading order, named or not, for naming the others by the template's
        # row order (表三's unlabelled rows, misprinted labels of 表二 and 表三).
        self.sequence: dict[str, list[Row]] = {AD: [], APP: []}
        self.app_sequence = self.sequence[APP]
        self.unnamed_app_rows = False
        self.fuzzy_rows = False
        self.full_row: Row | None = None  # a 表三 row just filled, until text follows
        self.result = TableResult([], {}, [], [])

    # -- driving -----------------------------------------------------------------

    def run(self, tokens: list[Token]) -> TableResult:
        i, n = 0, len(tokens)
        while i < n:
            tok = tokens[i]
            i += 1
            if tok.kind == TEXT:
                self._on_text(tok)
            elif tok.kind == VALUE or self._blank_counts(tok) or self._blank_row_starts(tok):
                if tok.cell >= 0 and self.mode == RL and not self.rl_runs:
                    j = _end_of_cells(tokens, i, tok.line)
                    for cell in _trim_padding([tok, *tokens[i:j]], RL_SLOTS):
                        if cell is not None:
                            self._rl_cell(cell)
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
        self._finish_rl()
        self._settle_fuzzy()
        self._place_orphans()
        self._emit_rows()
        return self.result

    def _delimited_row(self, cells: list[Token]) -> None:
        """Fill a row from the cells of one delimited line that follow its label."""
        self.row = row = self._open_row(cells[0])
        if row.key is None or row.columns is None:
            row.cells = cells[: row.width]  # type: ignore[assignment]  # list is invariant
        else:
            grid = self.grid.get(row.table)
            label_cell = self.frags[-1].cell if self.frags else -1
            if grid and all(c.key in grid for c in row.columns) and label_cell < min(
                grid.values()
            ):
                by_index = {t.cell: t for t in cells}
                row.cells = [by_index.get(grid[c.key]) for c in row.columns]
            else:
                row.cells = _trim_padding(cells, row.width)
        self._close_row()

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
                return bool(self.rl_runs) or (
                    bool(self.rl_header) and self.rl_header[-1].line == tok.line - 1)
            if self.row is not None:
                return True
            # One cell per line: an empty line right after a row label is its first
            # cell, blank.
            return (bool(self.frags) and self.frags[-1].line == tok.line - 1
                    and self._resolve_row(self.mode) is not None)
        # An empty cell is a blank value only on a line that also prints values: the
        # empty cells of header rows and merged cells are layout, not data. 表四's one
        # data row may be all blank: a line of empty cells right after its header.
        if tok.only_blanks:
            if self.mode != RL:
                return False
            # (Right after the header: the next line, or the one after a markdown
            # separator row; in 表四 cut into one table per block, after each block's.)
            if self.rl_runs:
                label, run = self.rl_runs[-1]
                if run:
                    return run[-1].line == tok.line
                return bool(label) and tok.line - 2 <= label[-1].line < tok.line
            return bool(self.rl_header) and tok.line - 2 <= self.rl_header[-1].line < tok.line
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
                not self.result.tables_seen or self.rl_read)):
                # Prose before the tables mentions 行政复议 too, and so does prose after
                # 表四 (section 五): 表四 starts after 表二 or 表三, and is read once.
                continue
            found = found or table
        return found

    def _enter(self, mode: str | None) -> None:
        self._close_row()
        if self.mode == RL:
            self._finish_rl()
        self.mode = mode
        self.frags = []
        if mode is not None and mode not in self.result.tables_seen:
            self.result.tables_seen.append(mode)
        if mode == AD:
            self.ad_columns = None

    # -- tokens --------------------------------------------------------------------

    def _on_text(self, tok: Token) -> None:
        self.full_row = None
        norm = tok.label
        anchors = self.anchors.keys_in(norm)
        target = self._anchor(anchors) if anchors else None  # most labels hold none
        if self.mode == RL and target is None and self._rl_text(tok, norm):
            return
        if self.row is not None:
            if target is None and self._completes_label(tok):
                return
            self._close_row()
        if target is not None:
            self._enter(None if target == "end" else target)
            if self.mode == RL and self._rl_text(tok, norm):
                return  # (a heading that runs on into 表四's header is part of it)
        if self.mode == AD and self.subtable.keys_in(norm):
            # A new 第二十条 item or 信息内容 row: a new header follows.
            self.ad_columns = None
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
            self._rl_cell(tok)
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
            text = _joined(self.frags)
        last = self.frags[-1].label if self.frags else ""
        hit = self.row_matchers[table].best(text, last)
        return self._check_context(table, hit, text)

    def _open_row(self, first: Token) -> Row:
        table = self.mode or AD
        text = _joined(self.frags)
        hit = self._resolve_row(table, text)
        if hit is None:
            # Warned about when the row ends, unless the next line completes the label.
            label = " ".join([t.raw.strip() for t in self.frags])[-60:]
            return Row(table, None, label, None, 1 << 30, first.line, frags=list(self.frags))
        self._mark(table, "row", hit)
        columns = self._columns_for(table, text[: hit.start])
        label = self._raw_label(hit)
        width = len(columns) if columns else self._default_width(table, hit.key)
        return Row(table, hit.key, label, columns, width, first.line)

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
        pending = _joined(row.frags)
        text = pending + tok.label
        hit = self._check_context(row.table, self.row_matchers[row.table].best(text, tok.label),
                                  text)
        if hit is None or hit.start >= len(pending):
            return False
        self.frags = [*row.frags, tok]
        self._mark(row.table, "row", hit)
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
                # 其他处理 row (no template marker), not the third 2021 sub-row.
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
        if not header_text:
            return self.ad_columns if table == AD else self._app_columns_or_default()
        hits = [h for h in self.labels.matcher(table, "col").find_all(header_text) if h.key]
        if table == AD:
            if hits:
                hits = self._near_columns(header_text, hits)
                self.ad_columns = self._ad_header(header_text, hits)
            return self.ad_columns
        # (Most 表三 rows get here with their group label, （三）不予公开, as the text
        # before the row's own label: no column names at all, the common case.)
        named = len({h.key for h in hits}) if hits else 0
        if named < MIN_HEADER_COLUMNS and self._placeholder_header(header_text):
            self.app_columns = [Column(k, "") for k in self.keys.col_order[APP]]
        elif named >= MIN_HEADER_COLUMNS:
            # 表三's header spans three printed rows with merged cells, so the order
            # of its labels in the text is not the column order: keep the template's
            # order of the columns the header names.
            found = {h.key: h.alias for h in hits}
            keys = self.keys.col_order[APP]
            if len(found) < len(keys):
                # Every template prints the seven columns; a header naming fewer was
                # wrapped or OCR'd out of recognition, and reading fewer columns would
                # shift the rows' values.
                self.warn("header_partly_read", "applications: column header names only "
                          f"{', '.join(k for k in keys if k in found)}; reading the "
                          "template's seven columns", self.frags[0].line)
            self.app_columns = [Column(k, found.get(k, "")) for k in keys]
            for h in hits:
                self._mark(table, "col", h)
            grid = self._grid_positions(hits)
            if grid:
                self.grid[APP] = grid
        return self._app_columns_or_default()

    def _near_columns(self, text: str, hits: list[LabelHit]) -> list[LabelHit]:
        """表二 column labels printed with a character or two wrong (先行有效件数, 本年
        废止件): the text between and after the columns read, where it is nearest to a
        column the header does not name already; with a label_fuzzy warning."""
        matcher = self.labels.matcher(AD, "col")
        named = {h.key for h in hits}
        found: list[LabelHit] = []
        bounds = [h.end for h in hits]
        for start, end in zip(bounds, [h.start for h in hits[1:]] + [len(text)],
                              strict=True):
            if end - start < MIN_FUZZY_LABEL:
                continue
            near = matcher.closest(text[start:end])
            if near is None or near.key in named:
                continue
            named.add(near.key)
            found.append(replace(near, start=start + near.start, end=start + near.end))
            self.warn("label_fuzzy", f"active_disclosure: column label "
                      f"{text[start:end]!r} read as {near.alias!r}",
                      self.frags[-1].line if self.frags else None)
        return sorted(hits + found, key=lambda h: h.start) if found else hits

    def _placeholder_header(self, header_text: str) -> bool:
        """A header of placeholders (数据1 … 数据6, from a converter that could not
        read the printed one): it says only that the columns come in the template's
        order."""
        matcher = self.labels.matcher(APP, "placeholder")
        if matcher.pattern is None or not matcher.pattern.search(header_text):
            return False  # the common case, answered by one regex scan
        return len({h.alias for h in matcher.find_all(header_text)}) >= MIN_HEADER_COLUMNS

    def _grid_positions(self, hits: list[LabelHit]) -> dict[str, int] | None:
        """Column positions when the header is a full grid (every column in its own
        cell index, left to right in the template's order); None otherwise, e.g. for
        the seed, whose header rows omit merged cells and so do not line up."""
        starts, pos = [], 0
        for frag in self.frags:
            starts.append(pos)
            pos += len(frag.label)
        positions: dict[str, int] = {}
        for h in hits:
            cell = self.frags[bisect_right(starts, h.start) - 1].cell
            if cell < 0 or positions.setdefault(h.key, cell) != cell:
                return None
        ordered = [positions[k] for k in self.keys.col_order[APP] if k in positions]
        if ordered != sorted(set(ordered)) or ordered[0] < 1:
            return None
        return positions

    def _app_columns_or_default(self) -> list[Column]:
        if self.app_columns is None:
            self.warn("header_not_found", "applications: column header not recognised; "
                      "assuming the template's seven columns", None)
            self.app_columns = [Column(k, "") for k in self.keys.col_order[APP]]
        return self.app_columns

    def _ad_header(self, text: str, hits: list[LabelHit]) -> list[Column]:
        """表二 headers are one printed row: label order is column order."""
        columns: list[Column] = []
        for i, h in enumerate(hits):
            self._mark(AD, "col", h)
            if columns and columns[-1].key == h.key:
                # A merged header cell written out in every grid column it spans
                # (信息内容 | 本年处理决定数量 | 本年处理决定数量): one column.
                continue
            tail = text[h.end : hits[i + 1].start if i + 1 < len(hits) else len(text)]
            columns.append(Column(h.key, h.alias, find_unit_suffix(h.alias + tail)))
        return columns

    def _default_width(self, table: str, row_key: str) -> int:
        if table == APP:
            return len(self.keys.col_order[APP])
        # A 表二 row without a header: its width is known once the template is.
        widths = {
            sum(1 for c in self.keys.cells_for(t) if c.table == table and c.row_key == row_key)
            for t in ("2019", "2021")
        }
        return max(widths - {0}, default=1)

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
        winner = row if _filled(row) > _filled(kept) else kept
        self.warn("duplicate_row", f"{row.table}/{row.key} printed on lines {kept.line} and "
                  f"{row.line}; the row on line {winner.line} is kept", row.line)
        self.rows[key] = winner

    def _nearest_row(self, row: Row) -> bool:
        """Whether an unnamed row's label is a row's alias with a character or two
        wrong (kept in ``row.fuzzy`` until :meth:`_settle_fuzzy`)."""
        if not row.frags or row.table not in self.sequence:
            return False
        text = _joined(row.frags)
        tail = max(0, len(text) - MAX_FUZZY_TEXT)
        hit = self.row_matchers[row.table].closest(text[tail:])
        if hit is None:
            return False
        # (表二's header comes in the label's text, as for a row read by its alias.)
        columns = self.app_columns if row.table == APP else self._columns_for(
            AD, text[: tail + hit.start])
        if not columns:
            return False
        row.fuzzy, row.columns = hit, list(columns)
        row.label = self._raw_label(replace(hit, start=tail + hit.start), row.frags)
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
        self.rows[(APP, key)] = Row(APP, key, orphan.label, self._app_columns_or_default(),
                                    width, line, list(orphan.cells))
        self.warn("row_inferred", f"applications/{key}: the values on line {line} have no "
                  "readable row label; named by the template's row order", line)

    def _warn_unmapped(self, row: Row) -> None:
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

    def _rl_text(self, tok: Token, norm: str) -> bool:
        """Handle text inside 表四; False when it ends the table."""
        cells = sum(len(run) for _, run in self.rl_runs)
        if cells == 0:
            if _SENTENCE.search(tok.text):
                # A sentence (，。；) is prose about reviews, not 表四's header: its
                # numbers (行政复议 351 件，其中结果维持 72 件…) are not cells. What
                # follows its last stop may open the header (…有关情况。行政复议…).
                tail = _after_prose(tok)
                self.rl_header = [] if tail is None else [tail]
                return True
            self.rl_header.append(tok)
            if len(self.rl_header) > 2 * MAX_FRAGMENTS:
                del self.rl_header[:-MAX_FRAGMENTS]
            return True
        blocks = self.labels.matcher(RL, "block").find_all(norm)
        if cells < RL_SLOTS and any(h.key for h in blocks):
            self.rl_runs.append(([tok], []))
            return True
        if cells < RL_SLOTS and self._rl_block_header(tok, norm):
            return True
        self._finish_rl()
        self.mode = None
        return False

    def _rl_block_header(self, tok: Token, norm: str) -> bool:
        """A column label after a block label and before its values: 表四 cut into
        one small table per block (OCR/converter markdown), each with its own header
        (``### 行政诉讼（复议后起诉）`` / ``| 结果维持 | … | 总计 |`` / values). The
        labels join the block's label, where they give that block's column order."""
        label, cells = self.rl_runs[-1]
        if cells or not label or not any(self.labels.matcher(RL, "col").keys_in(norm)):
            return False
        label.append(tok)
        return True

    def _rl_cell(self, tok: Token) -> None:
        if not self.rl_runs:
            if not self._rl_ready():
                return  # a number in a sentence between the heading and the header
            self.rl_runs.append(([], []))
        self.rl_runs[-1][1].append(tok)
        if len(self.rl_runs) == 1 and len(self.rl_runs[0][1]) >= 2 * RL_SLOTS:
            # Far more numbers than 表四 has cells: prose numbers, stop here.
            self._finish_rl()
            self.mode = None

    def _rl_ready(self) -> bool:
        """Whether 表四's first value can come: after its column labels, or right
        after a block label (表四 printed as three labelled rows)."""
        if not self.rl_header:
            return False
        leaves = self.labels.matcher(RL, "col").keys_in(_joined(self.rl_header))
        if sum(1 for k in leaves if k) >= MIN_HEADER_COLUMNS:
            return True
        last = strip_numbering(self.rl_header[-1].label)
        return any(k and alias == last for alias, (k, _a, _t) in
                   self.labels.matcher(RL, "block").contains.items())

    def _rl_layout(self, header: list[Token]) -> tuple[list[str], dict[str, list[str]]]:
        """Block order and each block's column order, from the 表四 header."""
        text = _joined(header)
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

    def _finish_rl(self) -> None:
        runs, self.rl_runs = self.rl_runs, []
        header, self.rl_header = self.rl_header, []
        if not runs:
            return
        blocks, cols = self._rl_layout(header)
        self.rl_read = True
        if len(runs) == 1:
            slots = sum(len(cols[b]) for b in blocks)
            # An empty line or cell before the values (spacing, a corner cell) is not
            # the first value: trim it when the run has more cells than 表四.
            run = runs[0][1]
            cells = [c for c in _trim_padding(run, slots) if c is not None]
            if len(cells) < slots:
                self.warn("short_row", f"reviews_litigation: {len(cells)} of {slots} "
                          "cells", cells[0].line)
            offset = 0
            for block in blocks:
                part = cells[offset : offset + len(cols[block])]
                offset += len(cols[block])
                if part:
                    self._add_rl_row(block, block, cols[block], part)
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
            hit = self.labels.matcher(RL, "block").best(_joined(label_tokens), "")
            if hit is None or not cells:
                continue
            block_cols = self._rl_block_columns(label_tokens) or cols[hit.key]
            self._add_rl_row(hit.key, label_tokens[0].raw.strip().lstrip("#").strip(),
                             block_cols, cells)

    def _rl_block_columns(self, label_tokens: list[Token]) -> list[str] | None:
        """A block's column order where its own header names all five columns."""
        leaves = [h.key for h in self.labels.matcher(RL, "col").find_all(
            _joined(label_tokens[1:])) if h.key]
        if sorted(leaves) != sorted(self.keys.col_order[RL]):
            return None
        return leaves

    def _add_rl_row(self, block: str, label: str, cols: list[str], cells: list[Token]) -> None:
        row = Row(RL, block, label, [Column(c, c) for c in cols], len(cols), cells[0].line,
                  list(cells[: len(cols)]))
        self.result.rows.append(row)
