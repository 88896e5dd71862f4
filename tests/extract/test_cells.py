"""Tokenising lines into cells and naming the layout (extract.cells)."""

from __future__ import annotations

import pytest

from extract.cells import BLANK, TEXT, VALUE, tokenise, tokenise_line


def kinds(line: str, markdown: bool = False) -> list[tuple[int, str]]:
    _, tokens = tokenise_line(line, line, 1, markdown)
    return [(t.kind, t.text.strip()) for t in tokens]


def test_pipe_row_with_blank_cell_and_closing_pipe() -> None:
    assert kinds("规章 | 0 |  | 3 |") == [(TEXT, "规章"), (VALUE, "0"), (BLANK, ""), (VALUE, "3")]


def test_markdown_row_drops_outer_pipes() -> None:
    assert kinds("| 规章 | 1 | 2 |", markdown=True) == [(TEXT, "规章"), (VALUE, "1"), (VALUE, "2")]


def test_leading_pipe_outside_markdown_is_an_empty_first_cell() -> None:
    # The seed's layout: a row whose first cell is empty starts with a pipe.
    assert kinds("| 0 | 1 |") == [(BLANK, ""), (VALUE, "0"), (VALUE, "1")]


@pytest.mark.parametrize("line", ["|---|---|", "| :--- | ---: |", "- 4 -", "— 5 —", "第 3 页"])
def test_separators_and_page_footers_vanish(line: str) -> None:
    assert kinds(line) == []


def test_pdf_row_label_with_inner_space_then_values() -> None:
    assert kinds("4.无正当理由大量反复 申请 0 12 0") == [
        (TEXT, "4.无正当理由大量反复 申请"), (VALUE, "0"), (VALUE, "12"), (VALUE, "0")]


def test_signed_change_printed_with_a_space() -> None:
    assert kinds("行政许可\t12\t减 7\t29") == [
        (TEXT, "行政许可"), (VALUE, "12"), (VALUE, "减 7"), (VALUE, "29")]


def test_raw_text_is_kept_as_printed() -> None:
    _, tokens = tokenise_line("规章 | 1 |", "规章 ｜ １ ｜", 4)
    assert [(t.raw.strip(), t.line) for t in tokens] == [("规章", 4), ("１", 4)]


@pytest.mark.parametrize(
    ("lines", "layout"),
    [
        (["规章 | 1 | 2 |", "行政许可 | 3 | 4 |"], "pipe"),
        (["| 信息内容 | 甲 | 乙 |", "|---|---|---|", "| 规章 | 1 | 2 |", "| 行政许可 | 3 | 4 |"],
         "markdown"),
        (["规章\t1\t2", "行政许可\t3\t4"], "tab"),
        (["规章    1    2", "行政许可   3   4"], "spaces"),
        (["规章 1 2", "行政许可 3 4"], "text"),
        (["规章", "1", "2", "行政许可", "3", "4"], "lines"),
    ],
)
def test_layout_is_named(lines: list[str], layout: str) -> None:
    assert tokenise(lines, lines).layout == layout


def test_empty_lines_are_cells_only_in_one_cell_per_line_text() -> None:
    lines = ["规章", "1", "", "2"]
    assert tokenise(lines, lines).blank_lines_are_cells
    spaced = ["规章", "", "1", "", "2", "", "行政许可", "", "3", ""]
    assert not tokenise(spaced, spaced).blank_lines_are_cells


def test_a_line_seen_before_gives_the_same_tokens_with_its_own_line_number() -> None:
    # tokenise_lines remembers each line's tokens; a repeat must equal a fresh reading.
    from dataclasses import fields, replace

    from extract.cells import Token, tokenise_lines

    assert len(fields(Token)) == 10, "a new Token field must be remembered by _memoised_line"
    lines = ["表三 | 自然人 | 法人", "（一）予以公开 | 0 | 1 2 |  |", "|  |  |", "",
             "增 271", "\t", "总计2932 53 0 1", "251000 元", "2.其他  3  —"]
    first = tokenise_lines(lines, lines, list(range(10, 19)), True)
    again = tokenise_lines(lines, lines, list(range(50, 59)), True)
    for i, ((kind_a, tokens_a), (kind_b, tokens_b)) in enumerate(
            zip(first, again, strict=True)):
        fresh_kind, fresh = tokenise_line(lines[i], lines[i], 50 + i, False, True)
        assert kind_a == kind_b == fresh_kind
        assert tokens_b == fresh
        assert [replace(t, line=50 + i) for t in tokens_a] == fresh
        assert all(a is not b for a, b in zip(tokens_a, tokens_b, strict=True))


def cells(line: str) -> list[tuple[int, str, str | None]]:
    _, tokens = tokenise_line(line, line, 1)
    return [(t.kind, t.text.strip(), t.value.kind if t.value else None) for t in tokens]


R = "unreadable"


@pytest.mark.parametrize(("line", "expected"), [
    # Each delimiter: the malformed cell keeps its place, so 3 and 5 keep theirs.
    ("规章 | 7a | 3 | 5 |", [(TEXT, "规章", None), (VALUE, "7a", R), (VALUE, "3", "number"),
                            (VALUE, "5", "number")]),
    ("规章\t1.2.3\t3\t5", [(TEXT, "规章", None), (VALUE, "1.2.3", R), (VALUE, "3", "number"),
                          (VALUE, "5", "number")]),
    ("规章 | 12-3 | 3 | 5 |", [(TEXT, "规章", None), (VALUE, "12-3", R),
                             (VALUE, "3", "number"), (VALUE, "5", "number")]),
    ("规章    1e5    3    5", [(TEXT, "规章", None), (VALUE, "1e5", R), (VALUE, "3", "number"),
                             (VALUE, "5", "number")]),
    ("规章 1e5 3 5", [(TEXT, "规章", None), (VALUE, "1e5", R), (VALUE, "3", "number"),
                     (VALUE, "5", "number")]),
    ("规章 " + "9" * 300 + " 3 5", [(TEXT, "规章", None), (VALUE, "9" * 300, R),
                                 (VALUE, "3", "number"), (VALUE, "5", "number")]),
    # In a delimited line the cells after the first value, and ASCII between the
    # label and the values, are cells whatever they print.
    ("规章 | 3 | 暂无 | 5 |", [(TEXT, "规章", None), (VALUE, "3", "number"), (VALUE, "暂无", R),
                             (VALUE, "5", "number")]),
    ("规章 | 3 | 2 8 | 5 |", [(TEXT, "规章", None), (VALUE, "3", "number"), (VALUE, "2 8", R),
                             (VALUE, "5", "number")]),
    ("规章 | N/A | 3 | 5 |", [(TEXT, "规章", None), (VALUE, "N/A", R), (VALUE, "3", "number"),
                             (VALUE, "5", "number")]),
    ("规章 | 12 件 | 3 | 5 |", [(TEXT, "规章", None), (VALUE, "12 件", "number"),
                              (VALUE, "3", "number"), (VALUE, "5", "number")]),
])
def test_a_malformed_cell_is_one_cell_that_reads_as_no_value(
        line: str, expected: list[tuple[int, str, str | None]]) -> None:
    assert cells(line) == expected


@pytest.mark.parametrize("line", ["信息内容 | PDF | 本年制发件数 |", "| 1. | 规章 | 3 |",
                                  "（七）总计 2932 | 53 |"])
def test_labels_numbering_and_header_text_stay_text(line: str) -> None:
    texts = [text for kind, text, _ in cells(line) if kind == TEXT]
    assert texts and all(value != R for _, _, value in cells(line))


def test_ocr_letters_are_read_as_digits() -> None:
    assert cells("规章 | 1O | l2 | O |")[1:] == [(VALUE, "1O", "number"), (VALUE, "l2", "number"),
                                                 (VALUE, "O", "number")]
    _, tokens = tokenise_line("规章 | 1O | 3 |", "规章 | 1O | 3 |", 1)
    assert tokens[1].value is not None and tokens[1].value.as_float == 10.0
    assert tokens[1].value.ocr and not tokens[2].value.ocr
