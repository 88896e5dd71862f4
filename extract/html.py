"""Flatten an HTML report page into lines the cell tokeniser understands.

Each table row becomes one line with its cells joined by `` | `` (no closing pipe, so
an empty last cell stays a cell and a row of empty cells stays a row); paragraphs and
other blocks become lines of their own; scripts and styles are dropped. Every line
keeps the source line where it starts, so facts point back into the HTML file.

lxml (its etree HTML parser) parses: it is a well-kept C library, forgiving with the
broken markup that government sites serve, and several times faster than
``html.parser``, whose cost dominated extraction of HTML reports.

However deep the markup: the tree is walked without recursion, so a page nested a
thousand elements deep keeps its rows; and a page nested deeper than libxml2 builds
(thousands of unclosed ``<font>`` or ``<div>`` tags: the parser stops there and drops
the rest) is parsed again with only its tables' structure left (inline tags dropped,
blocks turned into line breaks), so the report's tables are read if its text is there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from extract.identity import looks_like_agency

_BLOCKS = frozenset((
    "p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "table",
    "thead", "tbody", "tfoot", "caption", "section", "article", "header", "footer",
    "title", "body", "html", "pre", "blockquote",
))
_SKIP = frozenset(("script", "style", "head", "noscript"))
_CELLS = frozenset(("td", "th"))
_HTML_HINT = re.compile(r"<\s*(?:html|table|tr|td|body|p|div)\b", re.IGNORECASE)
# lxml.etree's parser, not lxml.html's: lxml.html looks up a Python element class for
# every element it touches (a Word page has thousands); the
# text of a subtree comes from the same XPath string() that its text_content() uses.
# A parser per page (they cost a microsecond to make), so that its error log is the
# page's own, whichever thread parses.
_TEXT = etree.XPath("string()")
# Word's style blocks and its XML islands in conditional comments hold no text and
# are most of a Word page's weight (100–400 KB): cut them before parsing, leaving
# their line breaks so that every later element keeps its source line.
_STYLE_BLOCK = re.compile(
    # Unrolled (runs of non-'<' at C speed) rather than a lazy ``.*?``, which tries the
    # end tag at every character of a 300 KB block.
    r"<style\b[^>]*>[^<]*(?:<(?!/style)[^<]*)*</style\s*>"
    r"|<!--\[if\b[^<]*(?:<(?!!\[endif\])[^<]*)*<!\[endif\]-->",
    re.IGNORECASE)
# What the fallback keeps of a page deeper than the parser goes: the tables' structure
# and what is dropped whole (scripts, styles: kept verbatim with their content).
_TABLE_TAGS = frozenset(("table", "tr", "td", "th", "thead", "tbody", "tfoot", "caption",
                         "html", "head", "body", "title"))
_TAG = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>|</?([A-Za-z][A-Za-z0-9:_-]*)[^>]*>",
                  re.IGNORECASE | re.DOTALL)
# A report's title line: a year, then 信息公开/政务公开 and 报告/年报 within a short line.
_TITLE = re.compile(r"(?:19|20)\d{2}\s*年.{0,40}?(?:信息公开|政务公开).{0,10}?(?:报告|年报)")
# …or an opening that names the year first (``2020年，区应急管理局…``), where a report
# has no title of its own.
_OPENING = re.compile(r"\s*(?:19|20)\d{2}\s*年度?\s*[,，、]")
_TITLE_SEARCH_LINES = 80
_TITLE_MAX_CHARS = 120


def looks_like_html(text: str) -> bool:
    return bool(_HTML_HINT.search(text[:4096]))


def _collapse(text: str) -> str:
    """Runs of whitespace as one space, none at the ends: ``str.split()`` splits on the
    characters regex ``\\s`` matches, several times faster than a substitution."""
    return " ".join(text.split())


class _Lines:
    """Collects output lines, with the text that is still being gathered."""

    def __init__(self) -> None:
        self.lines: list[tuple[int, str]] = []
        self.parts: list[str] = []
        self.line = 1
        self.layout_rows: set[etree._Element] = set()

    def add_text(self, text: str | None, line: int) -> None:
        if text and text.strip():
            if not self.parts:
                self.line = line
            self.parts.append(text)

    def flush(self) -> None:
        text = _collapse("".join(self.parts))
        self.parts = []
        if text:
            self.lines.append((self.line, text))


def _cell_text(cell: etree._Element) -> str:
    return _collapse(_TEXT(cell))


def _layout_rows(root: etree._Element) -> set[etree._Element]:
    """Rows of page-layout tables: rows with a whole table inside one of their cells
    (old CMS templates put the article, report tables and all, in one layout cell).
    Such a row is walked like any block, so the tables inside keep their own rows.
    Found from the nested tables upwards: a page has a handful of tables, while
    looking down every row's cells would visit each cell's spans and paragraphs."""
    rows: set[etree._Element] = set()
    for table in root.iter("table"):
        rows.update(a for a in table.iterancestors("tr"))
    return rows


def _open(element: etree._Element, out: _Lines
          ) -> tuple[Iterator[etree._Element], bool, int] | None:
    """Take in what an element holds before its children: None when that is all of it
    (skipped, a table row, a comment), else its children, whether it is a block, and
    its line."""
    tag = element.tag if isinstance(element.tag, str) else ""
    line = element.sourceline or out.line
    if tag in _SKIP or not tag:
        return None  # comments and processing instructions have no text of their own
    if tag == "tr" and element not in out.layout_rows:
        out.flush()
        cells = [_cell_text(c) for c in element if isinstance(c.tag, str) and c.tag in _CELLS]
        if cells:
            out.lines.append((line, " | ".join(cells)))
        return None
    block = tag in _BLOCKS
    if block:
        out.flush()
    out.add_text(element.text, line)
    return iter(element), block, line


def _walk(root: etree._Element, out: _Lines) -> None:
    """Every element's text in document order, each block flushed as a line, each
    table row as one line of cells. A stack of open elements rather than recursion:
    any depth the parser builds is walked whole."""
    opened = _open(root, out)
    if opened is None:
        return
    stack = [(root, *opened)]
    while stack:
        element, children, block, line = stack[-1]
        child = next(children, None)
        if child is None:  # the element is done: its tail belongs to its parent
            stack.pop()
            if block:
                out.flush()
            if stack:
                out.add_text(element.tail, element.sourceline or stack[-1][3])
            continue
        opened = _open(child, out)
        if opened is None:
            out.add_text(child.tail, child.sourceline or line)
        else:
            stack.append((child, *opened))


def _blank_lines(match: re.Match[str]) -> str:
    return "\n" * match.group().count("\n")


def html_to_lines(html: str) -> list[tuple[int, str]]:
    """Lines of text, one per paragraph and one per table row, each with the line of
    the HTML source where it starts."""
    # lxml refuses str input that declares an encoding; the text is decoded already.
    html = re.sub(r"^\s*<\?xml[^>]*>", "", html)
    html = _STYLE_BLOCK.sub(_blank_lines, html)
    root, too_deep = _parse(html)
    if too_deep:  # the parser stopped where the nesting got too deep: the rest was lost
        root, _ = _parse(_TAG.sub(_flat_tag, html))
    if root is None:  # an empty document
        return []
    out = _Lines()
    out.layout_rows = _layout_rows(root)
    _walk(root, out)
    out.flush()
    return out.lines


def _parse(html: str) -> tuple[etree._Element | None, bool]:
    """The page's tree (None when there is none), and whether the parser gave up on
    its depth."""
    # huge_tree: old CMS pages nest hundreds of unclosed <font>/<div> tags, past
    # libxml2's default depth limit.
    parser = etree.HTMLParser(huge_tree=True)
    try:
        root = etree.fromstring(html, parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None, False
    return root, any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log)


def _flat_tag(match: re.Match[str]) -> str:
    """A tag of a page too deep to parse, as the fallback keeps it: scripts, styles and
    the tables' tags as they are, blocks as line breaks, any other tag dropped; its own
    line breaks kept, so that every later element keeps its source line."""
    name = (match.group(2) or "").lower()
    if match.group(1) or name in _TABLE_TAGS or name in _SKIP:
        return match.group()
    breaks = "\n" * match.group().count("\n")
    return "<br>" + breaks if name in _BLOCKS else breaks


def article_start(lines: list[str]) -> int:
    """Index of the report's title line, where a crawled page's article starts; 0 when
    no title is found. What comes before it (menus, breadcrumb, search box, the date
    of the visit) is the site's frame, and would hide the title from the search for
    the agency and year in the report's opening lines."""
    for i, text in enumerate(lines[:_TITLE_SEARCH_LINES]):
        if _OPENING.match(text):
            return i
        if len(text) <= _TITLE_MAX_CHARS and "|" not in text and _TITLE.search(text):
            # The agency printed on the line above the title belongs to it.
            return i - 1 if i and looks_like_agency(lines[i - 1]) else i
    return 0
