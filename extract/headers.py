"""Table headers: which columns a printed header names, in which order.

表二 prints one header row per 第二十条 item, whose label order is its column order
(a merged cell written out over its columns is one column, a label misprinted by a
character or two is read where the header lacks that column); 表三 prints three rows
of merged cells, so only which columns it names counts, in the template's order, and
where the header is a full grid (every column in its own cell), the cell index of each
column. The engine (:mod:`extract.tables`) asks :class:`HeaderReader` whenever a row's
label comes with header text before it.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import replace

from extract.cells import Token
from extract.model import Column, TableResult, Warning_
from extract.values import find_unit_suffix
from transform.keys import AD, APP, key_catalog
from transform.labels import LabelHit, label_catalog

# A 表三 header naming fewer columns than this is taken as unreadable.
MIN_HEADER_COLUMNS = 3
MIN_FUZZY_LABEL = 4  # shorter text is never read as a misprinted column label


class HeaderReader:
    """The columns of the 表二 sub-table and the 表三 being read, one per document."""

    def __init__(self, result: TableResult) -> None:
        self.labels = label_catalog()
        self.keys = key_catalog()
        self.result = result
        self.ad_columns: list[Column] | None = None
        self.app_columns: list[Column] | None = None
        # Cell index of each column in delimited lines, where the header is a full grid.
        self.grid: dict[str, dict[str, int]] = {}

    def warn(self, code: str, message: str, line: int | None) -> None:
        self.result.warnings.append(Warning_(code, message, line))

    def mark(self, table: str, axis: str, hit: LabelHit) -> None:
        """Note a label that only one template prints (the template is decided later)."""
        if hit.templates:
            self.result.markers[(table, axis, hit.key)] = hit.templates

    def columns_for(self, table: str, header_text: str,
                    frags: list[Token]) -> list[Column] | None:
        """The columns a header names (``header_text``: the label text before a row's
        alias, ``frags`` its fragments), or the columns read before."""
        if not header_text:
            return self.ad_columns if table == AD else self.app_columns_or_default()
        hits = [h for h in self.labels.matcher(table, "col").find_all(header_text) if h.key]
        if table == AD:
            if hits:
                hits = self._near_columns(header_text, hits, frags)
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
                          "template's seven columns", frags[0].line)
            self.app_columns = [Column(k, found.get(k, "")) for k in keys]
            for h in hits:
                self.mark(table, "col", h)
            grid = self._grid_positions(hits, frags)
            if grid:
                self.grid[APP] = grid
        return self.app_columns_or_default()

    def _near_columns(self, text: str, hits: list[LabelHit],
                      frags: list[Token]) -> list[LabelHit]:
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
                      frags[-1].line if frags else None)
        return sorted(hits + found, key=lambda h: h.start) if found else hits

    def _placeholder_header(self, header_text: str) -> bool:
        """A header of placeholders (数据1 … 数据6, from a converter that could not
        read the printed one): it says only that the columns come in the template's
        order."""
        matcher = self.labels.matcher(APP, "placeholder")
        if matcher.pattern is None or not matcher.pattern.search(header_text):
            return False  # the common case, answered by one regex scan
        return len({h.alias for h in matcher.find_all(header_text)}) >= MIN_HEADER_COLUMNS

    def _grid_positions(self, hits: list[LabelHit],
                        frags: list[Token]) -> dict[str, int] | None:
        """Column positions when the header is a full grid (every column in its own
        cell index, left to right in the template's order); None otherwise, e.g. for
        the seed, whose header rows omit merged cells and so do not line up."""
        starts, pos = [], 0
        for frag in frags:
            starts.append(pos)
            pos += len(frag.label)
        positions: dict[str, int] = {}
        for h in hits:
            cell = frags[bisect_right(starts, h.start) - 1].cell
            if cell < 0 or positions.setdefault(h.key, cell) != cell:
                return None
        ordered = [positions[k] for k in self.keys.col_order[APP] if k in positions]
        if ordered != sorted(set(ordered)) or ordered[0] < 1:
            return None
        return positions

    def app_columns_or_default(self) -> list[Column]:
        if self.app_columns is None:
            self.warn("header_not_found", "applications: column header not recognised; "
                      "assuming the template's seven columns", None)
            self.app_columns = [Column(k, "") for k in self.keys.col_order[APP]]
        return self.app_columns

    def _ad_header(self, text: str, hits: list[LabelHit]) -> list[Column]:
        """表二 headers are one printed row: label order is column order."""
        columns: list[Column] = []
        for i, h in enumerate(hits):
            self.mark(AD, "col", h)
            if columns and columns[-1].key == h.key:
                # A merged header cell written out in every grid column it spans
                # (信息内容 | 本年处理决定数量 | 本年处理决定数量): one column.
                continue
            tail = text[h.end : hits[i + 1].start if i + 1 < len(hits) else len(text)]
            columns.append(Column(h.key, h.alias, find_unit_suffix(h.alias + tail)))
        return columns
