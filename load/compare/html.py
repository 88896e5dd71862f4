"""The HTML pieces of the comparison report: escaping, number formats, the cells of
its tables (each with its value for the table's CSV download), links to a source file
and line.

A cell says why it is empty (its short reason shown, the whole sentence as a tooltip),
a share says its base (n) and is greyed when the base is too small to compare, and a
change shows the absolute change beside the percentage, which a base too small leaves
out ("n/a (base <10)").
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from extract.names import printable, unescape_name
from load.views import SMALL_BASE

SMALL_NOTE = f"n/a (base <{SMALL_BASE})"


@dataclass(frozen=True, slots=True)
class Cell:
    """One ``<td>`` and its value(s) in the CSV (a share matrix's cell also gives its n)."""

    html: str
    csv: tuple[str, ...]


def esc(value: object) -> str:
    """Text for HTML: everything from the data passes here."""
    return html.escape("" if value is None else str(value), quote=True)


def is_missing(value: object) -> bool:
    return (value is None or value is pd.NA or value is pd.NaT
            or (isinstance(value, float) and math.isnan(value)))


def fmt_count(value: object) -> str:
    if is_missing(value):
        return ""
    number = float(value)  # type: ignore[arg-type]
    return f"{number:,.0f}" if number == int(number) else f"{number:,.1f}"


def plain_count(value: object) -> str:
    """A count for the CSV: no thousands separator, so a spreadsheet reads a number."""
    return fmt_count(value).replace(",", "")


def fmt_share(value: object) -> str:
    return "" if is_missing(value) else f"{100 * float(value):.1f}%"  # type: ignore[arg-type]


def fmt_change(value: object) -> str:
    return "" if is_missing(value) else f"{100 * float(value):+.1f}%"  # type: ignore[arg-type]


def fmt_delta(value: object) -> str:
    """An absolute change, signed: +120, -3, 0."""
    if is_missing(value):
        return ""
    number = float(value)  # type: ignore[arg-type]
    text = fmt_count(abs(number))
    return f"+{text}" if number > 0 else (f"-{text}" if number < 0 else "0")


def sort_value(value: object) -> str:
    """A cell's ``data-v``: what the table sorts by (integers exactly, other numbers to
    six significant digits: enough to order them, short for large tables)."""
    number = float(value)  # type: ignore[arg-type]
    return str(int(number)) if number.is_integer() else format(number, ".6g")


def short(reason: str) -> str:
    """What a missing cell shows: the reason's text before its colon."""
    return reason.split(":")[0] if reason else "n/a"


def _missing(reason: str, css: str = "", extra: str = "") -> str:
    """An empty cell: its short reason shown, the whole one as the tooltip (``extra``:
    HTML shown under it)."""
    cls = f"na {css}".strip()
    return (f'<td class="{cls}" data-v="" title="{esc(reason)}">'
            f'<span class="why">{esc(short(reason))}</span>{extra}</td>')


def td(value: object, fmt=fmt_count, *, reason: str = "") -> str:
    """A numeric cell sortable by its value; a missing one says why (short text shown,
    the full reason as a tooltip)."""
    if is_missing(value):
        return _missing(reason)
    return f'<td class="num" data-v="{sort_value(value)}">{esc(fmt(value))}</td>'


def text_td(value: object, css: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    return f"<td{cls}>{esc(value)}</td>"


# A spreadsheet takes a cell starting with these for a formula: text from the data that
# does is quoted in the CSV, so opening the download never runs it.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: object, css: str = "") -> Cell:
    """Text from the data, control characters shown escaped (in the CSV too)."""
    shown = "" if is_missing(value) else printable(str(value))
    csv_text = f"'{shown}" if shown.startswith(_FORMULA_START) else shown
    return Cell(text_td(shown, css), (csv_text,))


def count_cell(value: object, reason: str = "") -> Cell:
    """A count; missing, the short reason in both the table and the CSV."""
    if is_missing(value):
        return Cell(_missing(reason), (short(reason),))
    return Cell(td(value), (plain_count(value),))


def share_cell(share: object, n: object, reason: str = "", *, show_n: bool = False,
               csv_n: bool = False) -> Cell:
    """A share of ``n`` (its base, always in the tooltip; shown under it with
    ``show_n``, given as a CSV column of its own with ``csv_n``). Below SMALL_BASE the
    cell is greyed: the share is shown but not to be compared."""
    n_text = plain_count(n) if not is_missing(n) else ""
    extra = (n_text,) if csv_n else ()
    visible = f'<small class="n">n={esc(fmt_count(n))}</small>' if show_n and n_text else ""
    if is_missing(share):
        return Cell(_missing(reason, extra=visible), (short(reason), *extra))
    small = not is_missing(n) and float(n) < SMALL_BASE  # type: ignore[arg-type]
    title = f"n={fmt_count(n)}" + (f" (<{SMALL_BASE}: too few to compare)" if small else "")
    css = "num share small" if small else "num share"
    return Cell(f'<td class="{css}" data-v="{sort_value(share)}" title="{esc(title)}">'
                f"{esc(fmt_share(share))}{visible}</td>", (fmt_share(share), *extra))


def change_cell(change: object, pct: object, previous: object, reason: str = "",
                *, title: str = "") -> Cell:
    """The change on the year before: absolute, then the percentage, which a base
    below SMALL_BASE leaves out. Sorted by the absolute change."""
    if is_missing(change):
        return Cell(_missing(reason, "chg"), (short(reason), ""))
    small = is_missing(pct)
    why = (f"the year before: {fmt_count(previous)}, below {SMALL_BASE}: no percentage"
           if small and not is_missing(previous) else
           f"the year before: {fmt_count(previous)}" if not is_missing(previous) else "")
    tip = "; ".join(t for t in (title, why) if t)
    pct_text = SMALL_NOTE if small else fmt_change(pct)
    css = "num chg small" if small else "num chg"
    return Cell(f'<td class="{css}" data-v="{sort_value(change)}" title="{esc(tip)}">'
                f'{esc(fmt_delta(change))} <small class="pct">({esc(pct_text)})</small></td>',
                (fmt_delta(change).replace(",", ""), pct_text))


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


def source_cell(source: object, line: object, source_root: Path | None) -> Cell:
    label = "" if is_missing(source) else printable(str(source)) + (
        "" if is_missing(line) else f":{int(line)}")  # type: ignore[arg-type]
    return Cell(f"<td>{source_link(source, line, source_root)}</td>", (label,))
