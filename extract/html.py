"""Flatten an HTML report page into lines the cell tokeniser understands.

Each table row becomes one line with its cells joined by `` | `` (the layout of the
seed report); block elements and ``<br>`` become line breaks; scripts and styles are
dropped. Python's own ``html.parser`` is enough for this: the engine anchors on
labels, so it needs the cells in reading order, not a faithful DOM.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = frozenset((
    "p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "table",
    "thead", "tbody", "tfoot", "caption", "section", "article", "header", "footer",
    "title", "body", "html", "pre", "blockquote",
))
_SKIP = frozenset(("script", "style", "head"))
_HTML_HINT = re.compile(r"<\s*(?:html|table|tr|td|body|p|div)\b", re.IGNORECASE)


def looks_like_html(text: str) -> bool:
    return bool(_HTML_HINT.search(text[:4096]))


class _Flattener(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, str]] = []
        self.current: list[str] = []
        self.text_line = 1
        self.row_line = 1
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.skipping = 0

    def _flush_text(self) -> None:
        text = "".join(self.current).strip()
        self.current = []
        if text:
            self.lines.append((self.text_line, re.sub(r"[ \t\r\n]+", " ", text)))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag == "tr":
            self._flush_text()
            self.row = []
            self.row_line = self.getpos()[0]
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []
        elif tag in _BLOCKS and self.cell is None:
            self._flush_text()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in ("td", "th") and self.row is not None and self.cell is not None:
            self.row.append(re.sub(r"\s+", " ", "".join(self.cell)).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if any(self.row):
                self.lines.append((self.row_line, " | ".join(self.row) + " |"))
            self.row = None
        elif tag in _BLOCKS and self.cell is None:
            self._flush_text()

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.cell is not None:
            self.cell.append(data)
        else:
            if not "".join(self.current).strip():
                self.text_line = self.getpos()[0]
            self.current.append(data)


def html_to_lines(html: str) -> list[tuple[int, str]]:
    """Lines of text, one per paragraph and one per table row, each with the line of
    the HTML source where it starts (so facts can point back into the file)."""
    parser = _Flattener()
    parser.feed(html)
    parser.close()
    parser._flush_text()
    return parser.lines
