"""Cell values: numbers, signed changes, units, dashes and blanks (extract.values)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from extract.values import find_unit_suffix, parse_value


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
