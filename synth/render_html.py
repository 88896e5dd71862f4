"""Renders a report as a simple HTML page, the shape of reports saved from a website.

Tables keep the template's merged cells as ``rowspan``/``colspan``; each ``<tr>``
is one line so every value keeps a line number.  The page declares the charset
the file is written in.
"""

from __future__ import annotations

import random
from html import escape

from .model import Cell, Line, Part, Table, Text

_TAGS = {"title": "h1", "heading": "h2", "caption": "h3"}


def _cell(cell: Cell, tag: str) -> str:
    attrs = ""
    if cell.colspan > 1:
        attrs += f' colspan="{cell.colspan}"'
    if cell.rowspan > 1:
        attrs += f' rowspan="{cell.rowspan}"'
    return f"<{tag}{attrs}>{escape(cell.text, quote=False)}</{tag}>"


def _table(table: Table, use_th: bool) -> list[Line]:
    out = [Line('<table border="1" cellspacing="0" cellpadding="2">', (), table.name)]
    for row in table.rows:
        tag = "th" if use_th and row.kind == "header" else "td"
        cells = "".join(_cell(c, tag) for c in row.cells)
        out.append(
            Line(f"<tr>{cells}</tr>", tuple(f for c in row.cells for f in c.facts), table.name)
        )
    out.append(Line("</table>", (), table.name))
    return out


def _text(part: Text) -> Line:
    tag = _TAGS.get(part.kind, "p")
    style = ' style="text-align:right"' if part.kind == "sign" else ""
    return Line(f"<{tag}{style}>{escape(part.text, quote=False)}</{tag}>")


def render_html(parts: list[Part], rng: random.Random, charset: str) -> list[Line]:
    """The whole page as lines."""
    use_th = rng.random() < 0.5
    titles = [p.text for p in parts if isinstance(p, Text) and p.kind == "title"]
    title = "".join(titles) or "政府信息公开工作年度报告"
    out = [
        Line("<!DOCTYPE html>"),
        Line("<html>"),
        Line("<head>"),
        Line(f'<meta charset="{charset}">'),
        Line(f"<title>{escape(title, quote=False)}</title>"),
        Line("</head>"),
        Line("<body>"),
    ]
    for part in parts:
        out += [_text(part)] if isinstance(part, Text) else _table(part, use_th)
    out += [Line("</body>"), Line("</html>")]
    return out
