"""Tests of the files of one agency-year (load/batch/siblings.py).

Covers ``rank`` (status first; the published layout before fewer complaints when the
files agree, the other way round when they disagree; the path last), ``same_value``
(nulls, float noise), ``compare`` (only cells both files print, in the winner's order)
and ``resolve`` over an agreeing pair, a disagreeing pair, a failed file against an ok
one and three files.
"""

from __future__ import annotations

import itertools
import math

import pytest

from load.batch.siblings import (
    CROSS_FILE_RULE,
    CellComparison,
    Sibling,
    agree,
    compare,
    rank,
    resolve,
    same_value,
)

A = ("applications", "new_received", "total")
B = ("applications", "carried_over", "total")
C = ("active_disclosure", "licensing", "decisions")
CELLS = {A: 12.0, B: None, C: 3.0}


def _file(source: str, status: str = "ok", fmt: str | None = None, warnings: int = 0,
          failed_checks: int = 0, cells: dict | None = None) -> Sibling:
    default = {} if status == "failed" else dict(CELLS)
    return Sibling(source, status, fmt, warnings, failed_checks,
                   default if cells is None else cells)


def _sources(siblings: list[Sibling]) -> list[str]:
    return [s.source for s in siblings]


def test_the_rule_has_one_name() -> None:
    assert CROSS_FILE_RULE == "cross_file"


# --------------------------------------------------------------------------- rank


def test_status_comes_first() -> None:
    files = [_file("a/2023.html", "failed", "html"), _file("a/2023.pdf", "partial", "pdf"),
             _file("a/2023.txt", "ok", "pipe", warnings=5, failed_checks=3)]
    for agreed in (True, False):
        assert _sources(rank(files, agreed)) == ["a/2023.txt", "a/2023.pdf", "a/2023.html"]


def test_when_they_agree_the_published_layout_wins_over_fewer_complaints() -> None:
    files = [_file("a/2023.txt", fmt="pipe"), _file("a/2023.html", fmt="html", warnings=2)]
    assert _sources(rank(files, agree=True)) == ["a/2023.html", "a/2023.txt"]


def test_when_they_disagree_fewer_complaints_win_over_the_published_layout() -> None:
    files = [_file("a/2023.html", fmt="html", warnings=1, failed_checks=1),
             _file("a/2023.txt", fmt="pipe", warnings=1)]
    assert _sources(rank(files, agree=False)) == ["a/2023.txt", "a/2023.html"]
    even = [_file("a/2023.txt", fmt="pipe", warnings=1), _file("a/2023.pdf", fmt="text",
                                                                failed_checks=1)]
    assert _sources(rank(even, agree=False)) == ["a/2023.pdf", "a/2023.txt"]  # then layout


def test_fewer_complaints_break_a_tie_between_published_layouts() -> None:
    files = [_file("a/2023.pdf", fmt="pdf", warnings=1), _file("a/2023.html", fmt="html",
                                                               warnings=2)]
    assert _sources(rank(files, agree=True)) == ["a/2023.pdf", "a/2023.html"]


@pytest.mark.parametrize(("source", "fmt", "published"), [
    ("a/2023.html", "html", True), ("a/2023.htm", None, True), ("a/2023.PDF", None, True),
    ("a/2023.pdf", "text", True), ("a/2023.txt", "html", True), ("a/2023.txt", "pipe", False),
    ("a/2023.md", "markdown", False), ("a/2023.txt", None, False),
])
def test_published_layout_by_format_or_extension(source: str, fmt: str | None,
                                                 published: bool) -> None:
    assert _file(source, fmt=fmt).published_layout is published


def test_the_path_breaks_ties_whatever_the_order() -> None:
    files = [_file("b/2023.txt"), _file("a/2023.txt"), _file("a/copy/2023.txt")]
    for order in itertools.permutations(files):
        for agreed in (True, False):
            assert _sources(rank(list(order), agreed)) == [
                "a/2023.txt", "a/copy/2023.txt", "b/2023.txt"]


# -------------------------------------------------------------------- comparing


def test_same_value() -> None:
    assert same_value(None, None)
    assert same_value(float("nan"), None)
    assert not same_value(None, 0.0) and not same_value(0.0, None)
    assert same_value(22503300.0, 2250.33 * 10000)  # 万元 multiplied out
    assert same_value(0.1 + 0.2, 0.3)
    assert not same_value(1.0, 1.001)
    assert not same_value(0.0, 1e-3)
    assert math.isclose(2250.33 * 10000, 22503300.0)


def test_compare_only_cells_both_print_in_the_winners_order() -> None:
    winner = _file("a/2023.html", cells={C: 3.0, A: 12.0, B: None})
    other = _file("a/2023.txt", cells={A: 13.0, B: None, ("x", "y", "z"): 1.0})
    assert compare(winner, other) == [
        CellComparison("a/2023.txt", *A, 12.0, 13.0, False),
        CellComparison("a/2023.txt", *B, None, None, True),
    ]
    assert not agree(winner, other)
    assert agree(winner, _file("a/2023.md", cells={A: 12.0}))


# --------------------------------------------------------------------- resolve


def test_an_agreeing_pair() -> None:
    txt, html = _file("a/2023.txt", fmt="pipe"), _file("a/2023.html", fmt="html", warnings=1)
    result = resolve([txt, html])
    assert result.agree
    assert (result.winner, result.losers) == (html, (txt,))
    assert [(c.table, c.row_key, c.col_key) for c in result.comparisons] == [A, B, C]
    assert all(c.passed for c in result.comparisons)
    assert all(c.other_source == "a/2023.txt" for c in result.comparisons)
    assert result.disagreements("a/2023.txt") == 0


def test_a_disagreeing_pair() -> None:
    txt = _file("a/2023.txt", fmt="pipe")
    html = _file("a/2023.html", fmt="html", failed_checks=2, cells={**CELLS, A: 15.0})
    result = resolve([html, txt])
    assert not result.agree
    assert (result.winner, result.losers) == (txt, (html,))  # fewer complaints
    failed = [c for c in result.comparisons if not c.passed]
    assert failed == [CellComparison("a/2023.html", *A, 12.0, 15.0, False)]
    assert len(result.comparisons) == 3
    assert result.disagreements("a/2023.html") == 1


def test_a_failed_file_against_an_ok_one() -> None:
    ok, failed = _file("a/2023.txt", fmt="pipe"), _file("a/2023.pdf", "failed")
    result = resolve([failed, ok])
    assert result.agree  # nothing to disagree on
    assert (result.winner, result.losers) == (ok, (failed,))
    assert result.comparisons == ()


def test_three_files() -> None:
    txt = _file("a/2023.txt", fmt="pipe")
    html = _file("a/2023.html", fmt="html")
    pdf = _file("a/2023.pdf", fmt="pdf", warnings=1, cells={A: 12.0, B: 0.0})
    result = resolve([txt, pdf, html])
    assert not result.agree  # the pdf prints 0 where the others print a blank
    assert result.winner == html  # fewest complaints, then the published layout
    assert result.losers == (txt, pdf)  # they disagree: fewer complaints first
    assert [(c.other_source, c.row_key, c.passed) for c in result.comparisons] == [
        ("a/2023.txt", "new_received", True), ("a/2023.txt", "carried_over", True),
        ("a/2023.txt", "licensing", True),
        ("a/2023.pdf", "new_received", True), ("a/2023.pdf", "carried_over", False)]
    assert (result.disagreements("a/2023.pdf"), result.disagreements("a/2023.txt")) == (1, 0)


def test_one_file_needs_no_resolution() -> None:
    with pytest.raises(ValueError):
        resolve([_file("a/2023.txt")])
