"""Read one printed cell as a number, a dash or a blank.

Cells print integers, decimals, thousands separators, signed changes (增271, 减7),
amounts with a unit (14.4万元, 251000元) and placeholders for "nothing" (/, —, 无).
Placeholders are kept distinct from zero: a dash is not a 0. Units and dash
spellings come from ``transform/maps/units.csv`` and ``dashes.csv``.

A word printed where a cell stands that is no value is still a cell, never a label:
digits in the letters OCR takes for them (``1O``, ``l2``, ``O``) are read and marked
``ocr``; any other word of ASCII with a digit in it (``7a``, ``1e5``, ``1.2.3``, a run
of three hundred digits) is ``unreadable``, so that it keeps its place in its row and
its neighbours keep theirs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from extract.decode import REPLACEMENT
from transform.maps import read_map

MAX_DIGITS = 16
MAX_RUN_DIGITS = 120  # 表四's fifteen cells of up to six digits, and some to spare
NUMBER = "number"
DASH = "dash"
BLANK = "blank"
DERIVED = "derived"
UNREADABLE = "unreadable"  # printed where a cell stands, but no value: number None


@dataclass(frozen=True, slots=True)
class CellValue:
    """A parsed cell: its kind, the number (None for dash or blank) and any unit suffix."""

    kind: str
    number: Decimal | None = None
    unit_suffix: str = ""
    as_float: float | None = None  # ``number`` as a float, for the common unit-free case
    glued: bool = False  # cut off a label, or too long for one number: cells run together
    ocr: bool = False  # digits read from letters OCR confuses with them (1O, l2)


@cache
def _units() -> dict[str, tuple[Decimal, str]]:
    return {r["suffix"]: (Decimal(r["multiplier"]), r["unit"]) for r in read_map("units")}


@cache
def _dashes() -> frozenset[str]:
    return frozenset(r["token"] for r in read_map("dashes"))


@cache
def value_pattern() -> re.Pattern[str]:
    """A whole word that is a value: optional 增/减 or sign, a number, an optional unit."""
    suffixes = "|".join(map(re.escape, sorted(_units(), key=len, reverse=True)))
    return re.compile(
        r"(?P<sign>增|减|\+|-)?\s*"
        r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
        rf"(?P<unit>{suffixes})?"
    )


def parse_value(word: str) -> CellValue | None:
    """Parse a cell's text; None when it is not a value at all (then it is a label)."""
    word = word.strip()
    if not word:
        return CellValue(BLANK)
    if word in _dashes():
        return CellValue(DASH)
    m = value_pattern().fullmatch(word)
    if m is None:
        return None
    digits = m["num"].replace(",", "")
    if len(digits) > MAX_DIGITS:
        return None  # no count or amount is this long: an ID, a phone number, noise
    number = Decimal(digits)
    if m["sign"] in ("减", "-"):
        number = -number
    return CellValue(NUMBER, number, m["unit"] or "", float(number))


def parse_or_run(word: str) -> CellValue | None:
    """:func:`parse_value`, and a run of digits too long for one number taken as
    cells printed run together (``extract.glued`` splits it)."""
    value = parse_value(word)
    if value is None and MAX_DIGITS < len(word) <= MAX_RUN_DIGITS and word.isdigit() \
            and word.isascii():
        number = Decimal(word)
        return CellValue(NUMBER, number, "", float(number), glued=True)
    return value


# The letters OCR reads for digits: O for 0, I and l for 1.
_OCR_DIGITS = str.maketrans("OoIl", "0011")
_OCR_LETTERS = frozenset("OoIl")
# Printable ASCII, a digit among it, and no table delimiter: what a mistyped, OCR'd or
# converted number looks like (7a, 1e5, 1.2.3, 3#), or a number with a byte no encoding
# read (1\ufffd). Labels are Chinese; numbering that opens one (1. 12) (3)) is no cell.
_CELL_WORD = re.compile(f"[!-{{}}~{REPLACEMENT}]*[0-9][!-{{}}~{REPLACEMENT}]*")
_NUMBERING = re.compile(r"\(?\d{1,3}[.)]|\(\d{1,3}\)")


def _ocr_value(word: str) -> CellValue | None:
    """A number printed with letters OCR confuses with digits, marked ``ocr``."""
    if _OCR_LETTERS.isdisjoint(word):
        return None
    value = parse_value(word.translate(_OCR_DIGITS))
    if value is None or value.kind != NUMBER:
        return None
    return CellValue(NUMBER, value.number, value.unit_suffix, value.as_float, ocr=True)


def is_cell_word(word: str) -> bool:
    """Whether a word that is no value was meant as one: printable ASCII (or bytes no
    encoding read) with a digit in it, no numbering (``1.``, ``(2)``)."""
    return _CELL_WORD.fullmatch(word) is not None and _NUMBERING.fullmatch(word) is None


def parse_cell(word: str) -> CellValue | None:
    """:func:`parse_or_run`, then a word that stands for a cell without being a value:
    digits in OCR's letters (``1O``: 10, marked ``ocr``), or ``unreadable`` (``7a``);
    None for a label. A run of digits, signs and dashes (``12-3``) is left to the
    caller, since it may be cells printed run together (:func:`glued_run`)."""
    value = parse_or_run(word)
    if value is not None:
        return value
    value = _ocr_value(word)
    if value is not None:
        return value
    if is_cell_word(word) and _RUN_CHARS.fullmatch(word) is None:
        return UNREADABLE_VALUE
    return None


def glued_run(word: str, rest: bool = False) -> CellValue | None:
    """A run of cells printed against its label (``数量640020470``), marked glued;
    None when ``word`` is no run of digits, signs and dashes. ``rest``: the rest of a
    run after a stray space, which may be dashes alone."""
    value = parse_or_run(word)
    if value is not None:
        return CellValue(value.kind, value.number, value.unit_suffix, value.as_float, True)
    if (_RUN_CHARS if rest else _RUN).fullmatch(word) or _DASH_RUN.fullmatch(word):
        return CellValue(NUMBER, Decimal(0), "", 0.0, True)  # split before it is read
    return None


# A row of dashes: 4.…申请-------. (One dash after a label is too little to tell: a
# wrapped label prints （四）无 and 法提供 on two lines.)
_DASH_RUN = re.compile(r"[—–/\\无…-]{2,}")
_RUN_CHARS = re.compile(r"[\d.,增减+\-—–/\\万元无…]+")
_RUN = re.compile(r"[\d.,增减+\-—–/\\万元无…]*\d[\d.,增减+\-—–/\\万元无…]*")

SIGN_WORDS = ("增", "减", "+", "-")
UNREADABLE_VALUE = CellValue(UNREADABLE)
UNREADABLE_RUN = CellValue(UNREADABLE, glued=True)  # a run of glued cells with letters in it


@cache
def value_start_chars() -> frozenset[str]:
    """Characters a cell can start with: digits, signs, the first of every dash, and
    the ASCII of a malformed or OCR-read cell (``l2``, ``.5``, ``#3``). Not ``(``,
    which opens numbering: ``(一)``, ``(1)``."""
    ascii_cells = {chr(c) for c in range(0x21, 0x7F)} - {"(", "|"}
    return (frozenset(ascii_cells) | set(SIGN_WORDS) | {d[0] for d in _dashes()}
            | {REPLACEMENT})


@cache
def unit_words() -> frozenset[str]:
    """Every unit suffix (元, 万元, 件…), which text layers and cells may print as a
    word of its own after the number."""
    return frozenset(_units())


def unit_multiplier(suffix: str) -> tuple[Decimal, str]:
    """Multiplier and unit kind (``yuan``, ``count`` or empty) of a unit suffix."""
    return _units().get(suffix, (Decimal(1), ""))


def find_unit_suffix(text: str) -> str:
    """The money unit a header announces, e.g. ``（单位：万元）`` -> ``万元``; else empty.

    A unit whose word follows another ideograph (``单位：䀇元``, a misprinted or damaged
    ``万元``) announces no unit it can be trusted for: the template's is assumed then,
    with a warning, rather than 元 read for 万元. 人民币, 单位 or 金额 may precede a
    unit."""
    for suffix in _money_suffixes_longest_first():
        at = text.find(suffix)
        if at < 0:
            continue
        before = text[at - 1] if at else ""
        if _is_ideograph(before) and before not in _UNIT_PREFIXES:
            return ""
        return suffix
    return ""


_UNIT_PREFIXES = frozenset("币位额")  # 人民币万元, 单位万元, 金额万元


def _is_ideograph(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


@cache
def _money_suffixes_longest_first() -> tuple[str, ...]:
    # Longest first: a header naming 万元 also contains 元.
    return tuple(sorted((s for s, (_m, unit) in _units().items() if unit == "yuan"),
                        key=lambda s: -len(s)))
