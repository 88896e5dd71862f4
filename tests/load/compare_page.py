"""Reading the comparison report back in the tests: its sections, its tables (rows and
cells as a person sees them) and the CSV each table's download link carries."""

from __future__ import annotations

import base64
import csv
import html
import io
import re
from dataclasses import dataclass


def section(page: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}">(.*?)</section>', page, re.S)
    assert match, f"no section {section_id}"
    return match.group(1)


def visible(fragment: str) -> str:
    """The text a person sees in a piece of HTML."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


@dataclass
class HtmlCell:
    attrs: str
    inner: str

    @property
    def text(self) -> str:
        return visible(self.inner)

    @property
    def title(self) -> str:
        match = re.search(r'title="([^"]*)"', self.attrs)
        return html.unescape(match.group(1)) if match else ""

    def attr(self, name: str) -> str | None:
        match = re.search(rf'{name}="([^"]*)"', self.attrs)
        return html.unescape(match.group(1)) if match else None


@dataclass
class HtmlRow:
    attrs: str
    cells: list[HtmlCell]
    foot: bool

    @property
    def css(self) -> set[str]:
        match = re.search(r'class="([^"]*)"', self.attrs)
        return set(match.group(1).split()) if match else set()

    @property
    def agency(self) -> str | None:
        match = re.search(r'data-agency="([^"]*)"', self.attrs)
        return html.unescape(match.group(1)) if match else None

    @property
    def texts(self) -> list[str]:
        return [c.text for c in self.cells]

    @property
    def in_csv(self) -> bool:
        return not self.css & {"grp", "sep"}


@dataclass
class PageTable:
    slug: str
    headers: list[HtmlCell]
    groups: list[list[HtmlRow]]  # one list per <tbody>
    foot: list[HtmlRow]
    csv_rows: list[list[str]]  # the download, header first
    bom: bool

    @property
    def rows(self) -> list[HtmlRow]:
        return [r for g in self.groups for r in g] + self.foot

    def header_texts(self) -> list[str]:
        return [h.text for h in self.headers]

    def column(self, header: str) -> int:
        return self.header_texts().index(header)

    def agency_rows(self) -> list[HtmlRow]:
        return [r for r in self.rows if r.agency is not None]

    def row_of(self, agency: str) -> HtmlRow:
        rows = [r for r in self.agency_rows() if r.agency == agency]
        assert len(rows) == 1, f"{len(rows)} rows for {agency} in {self.slug}"
        return rows[0]

    def csv_dicts(self) -> list[dict[str, str]]:
        head, *rows = self.csv_rows
        return [dict(zip(head, r, strict=False)) for r in rows]

    def spans(self) -> list[int]:
        """How many CSV columns each HTML column gives (data-csv, else one)."""
        return [int(h.attr("data-csv") or 1) for h in self.headers]


def _rows(fragment: str, foot: bool) -> list[HtmlRow]:
    rows = []
    for attrs, inner in re.findall(r"<tr([^>]*)>(.*?)</tr>", fragment, re.S):
        cells = [HtmlCell(a, i) for _t, a, i in
                 re.findall(r"<(td|th)([^>]*)>(.*?)</\1>", inner, re.S)]
        rows.append(HtmlRow(attrs, cells, foot))
    return rows


def tables(page: str) -> dict[str, PageTable]:
    """Every table of the page by its CSV's name, with the CSV decoded."""
    out = {}
    pattern = (r'<table class="[^"]*" data-table="([^"]+)">(.*?)</table></div>'
               r'<p class="dl"><a class="csv" download="([^"]+)" '
               r'href="data:text/csv;charset=utf-8;base64,([^"]+)">')
    for slug, body, name, data in re.findall(pattern, page, re.S):
        assert name == f"{slug}.csv"
        raw = base64.b64decode(data).decode("utf-8")
        head = re.search(r"<thead>(.*?)</thead>", body, re.S).group(1)
        bodies = re.findall(r"<tbody>(.*?)</tbody>", body, re.S)
        foot = re.search(r"<tfoot>(.*?)</tfoot>", body, re.S)
        out[html.unescape(slug)] = PageTable(
            html.unescape(slug), _rows(head, False)[0].cells,
            [_rows(b, False) for b in bodies], _rows(foot.group(1), True) if foot else [],
            list(csv.reader(io.StringIO(raw.lstrip("\ufeff")))), raw.startswith("\ufeff"))
    return out


def plain(text: str) -> str:
    """A shown number as the CSV gives it: no thousands separators."""
    return text.replace(",", "")
