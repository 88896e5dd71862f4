"""Cell values: numbers, signed changes, units, dashes and blanks (extract.values)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from extract.values import UNREADABLE, find_unit_suffix, is_cell_word, parse_cell, parse_value


@pytest.mark.parametrize(
    ("word", "kind", "number", "suffix"),
    [
        ("0", "number", Decimal(0), ""),
        ("3119", "number", Decimal(3119), ""),
        ("1,234,567", "number", Decimal(1234567), ""),
        ("96171.6", "number", Decimal("96171.6"), ""),
        ("增271", "number", Decimal(271), ""),
        ("减7", "number", Decimal(-7), ""),
        ("-3", "number", Decimal(-3), ""),
        ("14.4万元", "number", Decimal("14.4"), "万元"),
        ("251000元", "number", Decimal(251000), "元"),
        ("12件", "number", Decimal(12), "件"),
        ("/", "dash", None, ""),
        ("—", "dash", None, ""),
        ("——", "dash", None, ""),
        ("-", "dash", None, ""),
        ("无", "dash", None, ""),
        ("", "blank", None, ""),
    ],
)
def test_parse_value(word: str, kind: str, number: Decimal | None, suffix: str) -> None:
    value = parse_value(word)
    assert value is not None
    assert (value.kind, value.number, value.unit_suffix) == (kind, number, suffix)


@pytest.mark.parametrize("word", ["1.属于国家秘密", "规章", "2024年", "(一)", "1.", "100%", "减"])
def test_labels_are_not_values(word: str) -> None:
    assert parse_value(word) is None


def test_header_unit() -> None:
    assert find_unit_suffix("本年收费金额(单位:万元)") == "万元"
    assert find_unit_suffix("采购总金额(元)") == "元"
    assert find_unit_suffix("本年处理决定数量") == ""


@pytest.mark.parametrize(("word", "number"), [
    ("1O", 10), ("l2", 12), ("O", 0), ("I", 1), ("lO,OOO", 10000), ("增l5", 15)])
def test_letters_ocr_takes_for_digits_are_read_and_marked(word: str, number: int) -> None:
    value = parse_cell(word)
    assert value is not None
    assert (value.kind, value.number, value.ocr) == ("number", Decimal(number), True)
    assert not parse_cell("12").ocr


@pytest.mark.parametrize("word", ["7a", "1e5", "x7", "3#", "12:30", "0x1F", "1,2,3a"])
def test_a_word_of_digits_that_is_no_value_is_an_unreadable_cell(word: str) -> None:
    value = parse_cell(word)
    assert value is not None and (value.kind, value.number) == (UNREADABLE, None)


@pytest.mark.parametrize("word", ["1.2.3", "12-3", "0/0/00", "9" * 300])
def test_digits_signs_and_dashes_are_left_to_the_reader_of_runs(word: str) -> None:
    # They may be cells printed run together (extract.glued); where they are not,
    # the tokeniser or the recovery makes them unreadable cells.
    assert parse_cell(word) is None
    assert is_cell_word(word)


@pytest.mark.parametrize("word", ["1.", "12.", "(2)", "3)", "规章", "PDF", "N/A", "1.属于国家秘密",
                                  "2024年", "(一)"])
def test_numbering_and_labels_are_no_cells(word: str) -> None:
    assert parse_cell(word) is None
