"""One report, several files: which file of an agency-year is loaded, and where they differ.

Crawlers save one report twice (``区应急管理局/2023.txt`` beside ``2023.html``) and
agencies publish a PDF and a page of the same report. Loading both would count the
agency-year twice, so every file of one agency-year (resolved ``agency_id``,
statistics ``year``) is extracted, the files are ranked (:func:`rank`) and only the
best one's facts and checks are loaded; the others keep their ``reports`` row,
superseded by it. The files' cells are compared all the same (:func:`compare`): each
cell both print becomes a ``cross_file`` check, so that a disagreement between the
copies is data an analyst can find, not a choice made silently.

Plain Python over plain values, so that the rules are testable without a batch.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import PurePosixPath

from transform.checks import CROSS_FILE_RULE

# Statuses best first: a file that read cleanly beats one that is missing cells, which
# beats one that could not be read at all.
STATUS_RANK = {"ok": 0, "partial": 1, "failed": 2}
# Layouts published as such (a page, a PDF) rather than a text someone flattened them
# into: where the files agree, the published layout is the one to cite.
PUBLISHED_FORMATS = frozenset({"html", "pdf"})
PUBLISHED_SUFFIXES = frozenset({".html", ".htm", ".pdf"})
# Values are counts and yuan (万元 amounts multiplied out): equal up to float noise.
REL_TOLERANCE = 1e-9
ABS_TOLERANCE = 1e-6

Cell = tuple[str, str, str]  # table, row_key, col_key
Value = float | None


@dataclass(frozen=True, slots=True)
class Sibling:
    """One file of an agency-year, as its own extraction left it."""

    source: str
    status: str
    format: str | None = None
    n_warnings: int = 0
    n_checks_failed: int = 0
    # The cells it prints, in its own order (empty for a failed file).
    cells: Mapping[Cell, Value] = field(default_factory=dict, compare=False)

    @property
    def published_layout(self) -> bool:
        """An HTML page or a PDF, by the format it was read in or by its extension."""
        return (self.format in PUBLISHED_FORMATS
                or PurePosixPath(self.source).suffix.lower() in PUBLISHED_SUFFIXES)

    @property
    def demerits(self) -> int:
        """Warnings plus failed checks: how much the file's own reading complained."""
        return self.n_warnings + self.n_checks_failed


@dataclass(frozen=True, slots=True)
class CellComparison:
    """One cell that two files both print: the winner's value and the other's."""

    other_source: str
    table: str
    row_key: str
    col_key: str
    expected: Value  # the winner's value
    actual: Value  # the other file's value
    passed: bool


@dataclass(frozen=True, slots=True)
class Resolution:
    """The outcome for one agency-year read from several files."""

    winner: Sibling
    losers: tuple[Sibling, ...]
    agree: bool  # every pair of files agrees on every cell both print
    comparisons: tuple[CellComparison, ...]  # the winner against each loser

    def disagreements(self, source: str) -> int:
        """Cells where the file ``source`` disagrees with the winner."""
        return sum(not c.passed for c in self.comparisons if c.other_source == source)


def rank(siblings: Sequence[Sibling], agree: bool) -> list[Sibling]:
    """The files of one agency-year, best first (the first one is loaded).

    Status first (``ok``, ``partial``, ``failed``). Then, when the files agree on every
    cell both print, they hold the same report and the published layout (HTML, PDF) is
    preferred over a flattened text, then the file whose reading complained least
    (warnings + failed checks). When they disagree, the one whose reading complained
    least comes first, whatever its layout: its numbers are likelier to be the
    report's. The path breaks the remaining ties, so the choice never depends on the
    order files were found in.
    """

    def key(s: Sibling) -> tuple[int, int, int, str]:
        status = STATUS_RANK.get(s.status, len(STATUS_RANK))
        layout = 0 if s.published_layout else 1
        if agree:
            return status, layout, s.demerits, s.source
        return status, s.demerits, layout, s.source

    return sorted(siblings, key=key)


def same_value(a: Value, b: Value) -> bool:
    """Whether two cell values agree: both null (blank, dash), or equal numbers up to
    float noise."""
    a_null, b_null = _is_null(a), _is_null(b)
    if a_null or b_null:
        return a_null and b_null
    assert a is not None and b is not None
    return math.isclose(a, b, rel_tol=REL_TOLERANCE, abs_tol=ABS_TOLERANCE)


def _is_null(value: Value) -> bool:
    return value is None or math.isnan(value)


def compare(winner: Sibling, other: Sibling) -> list[CellComparison]:
    """Every cell both files print, in the winner's order: the winner's value against
    the other's. A cell only one of them prints is not compared (a partial or failed
    file says so in its own row)."""
    return [
        CellComparison(other.source, cell[0], cell[1], cell[2], value, other.cells[cell],
                       same_value(value, other.cells[cell]))
        for cell, value in winner.cells.items() if cell in other.cells
    ]


def agree(a: Sibling, b: Sibling) -> bool:
    """Whether two files agree on every cell both print."""
    return all(same_value(value, b.cells[cell]) for cell, value in a.cells.items()
               if cell in b.cells)


def resolve(siblings: Sequence[Sibling]) -> Resolution:
    """Rank the files of one agency-year and compare the winner with each other file."""
    if len(siblings) < 2:
        raise ValueError("an agency-year read from one file needs no resolution")
    agreed = all(agree(a, b) for a, b in combinations(siblings, 2))
    winner, *losers = rank(siblings, agreed)
    comparisons = tuple(c for loser in losers for c in compare(winner, loser))
    return Resolution(winner, tuple(losers), agreed, comparisons)


__all__ = ["CROSS_FILE_RULE", "CellComparison", "Resolution", "Sibling", "agree", "compare",
           "rank", "resolve", "same_value"]
