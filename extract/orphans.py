"""Value rows printed without a usable label, placed by the template's row order.

PDF-to-markdown converters and OCR cut a table's label column away from its values:
a row of seven numbers with no label (``| 0 | 0 | 0 | 0 | 0 | 0 | 0 |``), or a label
truncated past recognition (``行政机关不再处理其政府信息公``). Such a row can still be
named when nothing else could fill its place: the rows that were named, read in the
order the template prints them, leave gaps; a gap holding as many unnamed rows as it
lacks template rows is filled in order.

Only where that is unambiguous: every named row of the table must have been read in
the template's order (a report whose labels float away from their values reads
them out of order, and then no gap can be trusted), each unnamed row must be one
printed line of exactly the table's width, and the counts must match. Everything
else stays unnamed, with its warning.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from extract.cells import BLANK, Token


@dataclass(frozen=True, slots=True)
class Orphan:
    """One printed line of values without a row name, and its label if any; no
    cells where the unnamed text could not be cut into rows (it blocks its gap)."""

    cells: list[Token]
    label: str
    line: int


def line_groups(cells: Sequence[Token | None], width: int) -> list[list[Token]] | None:
    """An unnamed row's cells cut into printed lines of exactly ``width`` cells
    (empty cells past the width, padding to the grid's width, dropped); None when a
    line has another number of cells."""
    groups: list[list[Token]] = []
    for tok in cells:
        if tok is None:
            return None
        if groups and groups[-1][-1].line == tok.line:
            groups[-1].append(tok)
        else:
            groups.append([tok])
    out = []
    for group in groups:
        if len(group) > width and all(t.kind == BLANK for t in group[width:]):
            group = group[:width]
        if len(group) != width:
            return None
        out.append(group)
    return out


def candidate_rows(order: Sequence[str], named: set[str],
                   alternatives: dict[str, tuple[str, ...]]) -> list[str]:
    """The template rows an unnamed row may be: not named yet, and not the other
    spelling of a row printed (the 2019 single 其他处理 row or the 2021 sub-rows)."""
    excluded = set(named)
    for whole, parts in alternatives.items():
        if whole in named:
            excluded |= set(parts)
        elif named & set(parts):
            excluded.add(whole)
    return [r for r in order if r not in excluded]


def in_template_order(keys: Sequence[str], order: Sequence[str]) -> bool:
    """Whether the named rows were read in the template's order, each once."""
    position = {k: i for i, k in enumerate(order)}
    places = [position.get(k, -1) for k in keys]
    return -1 not in places and all(a < b for a, b in pairwise(places))


def place(sequence: Sequence[str | Orphan], order: Sequence[str],
          alternatives: dict[str, tuple[str, ...]]) -> dict[int, str]:
    """Row keys for the unnamed rows of ``sequence`` (the table's rows in reading
    order: a named row's key or an :class:`Orphan`), by their index in it."""
    named = [s for s in sequence if isinstance(s, str)]
    if not in_template_order(named, order):
        return {}
    candidates = candidate_rows(order, set(named), alternatives)
    position = {k: i for i, k in enumerate(order)}
    placed: dict[int, str] = {}
    gap: list[int] = []
    low = -1  # template position of the named row before the gap
    for i, item in enumerate([*sequence, None]):
        if isinstance(item, Orphan):
            gap.append(i)
            continue
        high = len(order) if item is None else position[item]
        if gap:
            between = [r for r in candidates if low < position[r] < high]
            readable = all(sequence[g].cells for g in gap)  # type: ignore[union-attr]
            if readable and len(between) == len(gap):
                placed.update(zip(gap, between, strict=True))
            gap = []
        low = high
    return placed


def confirmed(keys: Sequence[str | None], candidates: dict[int, str],
              order: Sequence[str]) -> set[int]:
    """Which rows of a table (``keys`` in reading order, None where unnamed) may take
    the key their misprinted label is nearest to (``candidates``, by index): where no
    row is named so already or by another candidate, and the key's place in the
    template's ``order`` lies between the named rows read before and after it."""
    position = {k: i for i, k in enumerate(order)}
    named = {k for k in keys if k is not None}
    claims = Counter(candidates.values())
    accepted = set()
    for i, key in candidates.items():
        if key in named or claims[key] > 1 or key not in position:
            continue
        before = [position.get(k, -1) for k in keys[:i] if k is not None]
        after = [position.get(k, len(order)) for k in keys[i + 1 :] if k is not None]
        low = before[-1] if before else -1
        high = after[0] if after else len(order)
        if low < position[key] < high:
            accepted.add(i)
    return accepted
