"""Unlabelled value rows named by the template's row order (extract.orphans)."""

from __future__ import annotations

from extract.cells import BLANK, VALUE, Token
from extract.orphans import (
    Orphan,
    candidate_rows,
    confirmed,
    in_template_order,
    line_groups,
    place,
)

ORDER = ("a", "b", "c", "d", "whole", "p1", "p2", "p3", "total")
ALTERNATIVES = {"whole": ("p1", "p2", "p3")}


def _cells(line: int, n: int, blanks_after: int = 0) -> list[Token]:
    return ([Token(VALUE, "0", "0", line) for _ in range(n)]
            + [Token(BLANK, "", "", line) for _ in range(blanks_after)])


def _orphan(line: int) -> Orphan:
    return Orphan(_cells(line, 3), "", line)


def test_line_groups_cuts_rows_by_line_and_drops_padding() -> None:
    groups = line_groups([*_cells(1, 3), *_cells(2, 3, blanks_after=1)], 3)
    assert groups is not None and [len(g) for g in groups] == [3, 3]
    assert [g[0].line for g in groups] == [1, 2]


def test_line_groups_refuses_a_line_of_another_width() -> None:
    assert line_groups([*_cells(1, 3), *_cells(2, 2)], 3) is None
    assert line_groups([*_cells(1, 2), None], 3) is None


def test_in_template_order() -> None:
    assert in_template_order(["a", "c", "total"], ORDER)
    assert not in_template_order(["c", "a"], ORDER)
    assert not in_template_order(["a", "a"], ORDER)  # a row read twice
    assert not in_template_order(["a", "unknown"], ORDER)


def test_candidates_leave_out_the_other_spelling_of_a_row() -> None:
    assert candidate_rows(ORDER, {"a", "p1"}, ALTERNATIVES) == ["b", "c", "d", "p2", "p3",
                                                               "total"]
    assert candidate_rows(ORDER, {"whole"}, ALTERNATIVES) == ["a", "b", "c", "d", "total"]


def test_a_gap_lacking_as_many_rows_as_it_holds_is_filled_in_order() -> None:
    sequence = ["a", _orphan(2), _orphan(3), "d", "total"]
    assert place(sequence, ORDER, ALTERNATIVES) == {1: "b", 2: "c"}


def test_a_gap_with_more_candidates_than_rows_is_left_alone() -> None:
    assert place(["a", _orphan(2), "d"], ORDER, ALTERNATIVES) == {}
    # 2019's single row or 2021's sub-rows: unknown when neither is named.
    assert place(["d", _orphan(5), "total"], ORDER, ALTERNATIVES) == {}


def test_rows_out_of_order_place_nothing() -> None:
    assert place(["a", _orphan(2), "c", "b"], ORDER, ALTERNATIVES) == {}


def test_an_unreadable_unnamed_row_blocks_its_gap() -> None:
    blocker = Orphan([], "label", 4)
    assert place(["a", _orphan(2), blocker, "d"], ORDER, ALTERNATIVES) == {}


def test_gaps_at_the_ends_count_from_the_template_ends() -> None:
    assert place([_orphan(1), "b", "c", "d", "whole", "total"], ORDER, ALTERNATIVES) == {
        0: "a"}
    assert place(["p1", "p2", "p3", _orphan(9)], ORDER, ALTERNATIVES) == {3: "total"}


def test_a_misprinted_label_is_confirmed_by_its_place_in_the_order() -> None:
    order = ["a", "b", "c", "d"]
    # Row 1 is nearest to "b" and stands between "a" and "c": confirmed.
    assert confirmed(["a", None, "c"], {1: "b"}, order) == {1}
    # Nearest to "d" but standing between "a" and "c": not its place.
    assert confirmed(["a", None, "c"], {1: "d"}, order) == set()


def test_a_misprinted_label_never_takes_a_row_printed_with_its_own_label() -> None:
    assert confirmed(["a", None, "b", "c"], {1: "b"}, ["a", "b", "c"]) == set()


def test_two_misprints_nearest_to_one_row_name_neither() -> None:
    assert confirmed(["a", None, None, "d"], {1: "b", 2: "b"}, ["a", "b", "c", "d"]) == set()
