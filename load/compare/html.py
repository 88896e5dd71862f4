"""The HTML pieces of the comparison report: escaping, number formats, cells that
say why they are blank, tables, links to a source file and line.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from extract.names import printable, unescape_name


def esc(value: object) -> str:
    """Text for HTML: everything from the data passes here."""
    return html.escape("" if value is None else str(value), quote=True)


def is_missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def fmt_count(value: object) -> str:
    if is_missing(value):
        return ""
    number = float(value)  # type: ignore[arg-type]
    return f"{number:,.0f}" if number == int(number) else f"{number:,.1f}"


def fmt_share(value: object) -> str:
    return "" if is_missing(value) else f"{100 * float(value):.1f}%"  # type: ignore[arg-type]


def fmt_change(value: object) -> str:
    return "" if is_missing(value) else f"{100 * float(value):+.1f}%"  # type: ignore[arg-type]


def td(value: object, fmt=fmt_count, *, reason: str = "") -> str:
    """A numeric cell sortable by its value; a missing one says why (short text shown,
    the full reason as a tooltip)."""
    if is_missing(value):
        short = reason.split(":")[0] if reason else "n/a"
        return (f'<td class="na" data-v="" title="{esc(reason)}">'
                f'<span class="why">{esc(short)}</span></td>')
    return f'<td class="num" data-v="{float(value)!r}">{esc(fmt(value))}</td>'


def text_td(value: object, css: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    return f"<td{cls}>{esc(value)}</td>"


def table(headers: Sequence[str], rows: Iterable[str], *, caption: str = "",
          css: str = "sortable") -> str:
    """A table whose headers sort it (inline JS below); rows are ready ``<tr>`` HTML."""
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    body = "\n".join(rows)
    return (f'<div class="scroll"><table class="{css}">{cap}<thead><tr>{head}</tr></thead>'
            f"<tbody>\n{body}\n</tbody></table></div>")


def source_link(source: object, line: object, source_root: Path | None) -> str:
    """The source file (a file:// link under ``source_root`` when given) and the line;
    its name shown as stored, control characters escaped."""
    if is_missing(source):
        return ""
    label = printable(str(source)) + ("" if is_missing(line) else f":{int(line)}")  # type: ignore[arg-type]
    if source_root is None:
        return f'<code class="src">{esc(label)}</code>'
    # The stored name is escaped (extract.names): the link names the file's real bytes.
    uri = (source_root / unescape_name(str(source))).resolve().as_uri()
    return f'<a class="src" href="{esc(uri)}"><code>{esc(label)}</code></a>'
