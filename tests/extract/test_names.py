"""Tests of the stored and printed forms of names (extract/names.py).

Covers the stored form (a name the file system gives, valid UTF-8 or not, round-trips
through ``escape_name`` and ``unescape_name``; two names never share a stored form;
every stored form is valid UTF-8 text) and ``printable`` (control characters, ANSI
escapes, bidirectional overrides and line separators escaped; Chinese text, spaces
and the ideographic space kept).
"""

from __future__ import annotations

import os
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from extract.names import escape_name, printable, unescape_name

# A file name's bytes: anything but NUL and the separator, as POSIX allows.
NAME_BYTES = st.binary(min_size=1, max_size=24).filter(
    lambda b: b"\x00" not in b and b"/" not in b)


def test_bytes_that_are_not_utf8_are_stored_as_hex_escapes() -> None:
    assert escape_name(os.fsdecode(b"\xff\xfe\xe5\xb1\x80")) == "\\xff\\xfe局"
    assert escape_name(os.fsdecode(b"2020\xff.txt")) == "2020\\xff.txt"
    # GBK bytes of 区教育局: every byte that UTF-8 cannot read is escaped on its own
    assert escape_name(os.fsdecode("区教育局".encode("gbk"))) == (
        "\\xc7\\xf8\\xbd\\xcc\\xd3\\xfd\\xbe\\xd6")


def test_a_backslash_is_doubled_so_a_name_cannot_pass_for_an_escape() -> None:
    literal = escape_name("a\\xff.txt")  # a name printing backslash, x, f, f
    undecodable = escape_name(os.fsdecode(b"a\xff.txt"))
    assert literal == "a\\\\xff.txt" and undecodable == "a\\xff.txt"
    assert unescape_name(literal) == "a\\xff.txt"
    assert os.fsencode(unescape_name(undecodable)) == b"a\xff.txt"


def test_valid_names_are_stored_as_they_are() -> None:
    for name in ("区应急管理局/2023.txt", "区\x1b[31m局/2020.txt", "a b\u3000c.md"):
        assert escape_name(name) == name == unescape_name(name)


def test_a_backslash_starting_no_escape_stands_for_itself() -> None:
    assert unescape_name("a\\b\\x41\\x7f.txt") == "a\\b\\x41\\x7f.txt"


@given(st.lists(NAME_BYTES, min_size=1, max_size=3))
def test_every_name_round_trips_through_its_stored_form(parts: list[bytes]) -> None:
    name = os.fsdecode(b"/".join(parts))
    stored = escape_name(name)
    stored.encode("utf-8")  # storable: Parquet, JSON and logs take it
    assert unescape_name(stored) == name


@given(NAME_BYTES, NAME_BYTES)
def test_two_names_never_share_a_stored_form(a: bytes, b: bytes) -> None:
    if a != b:
        assert escape_name(os.fsdecode(a)) != escape_name(os.fsdecode(b))


def test_printable_escapes_what_a_terminal_would_obey() -> None:
    assert printable("区\x1b[31m局/2020.txt") == "区\\x1b[31m局/2020.txt"
    assert printable("a\rb\nc\td\x7f") == "a\\x0db\\x0ac\\x09d\\x7f"
    assert printable("\x9b31m") == "\\u009b31m"  # the one-byte CSI of C1
    assert printable("报告\u202etxt.exe") == "报告\\u202etxt.exe"  # right-to-left override
    assert printable("a\u2028b\ufeff") == "a\\u2028b\\ufeff"
    assert printable("\U000e0041") == "\\U000e0041"  # a tag character
    assert printable("\ud800") == "\\ud800"  # a lone surrogate
    # a byte of a name that is not UTF-8 shows as in the name's stored form
    assert printable(os.fsdecode(b"\xff\xfe\xe5\xb1\x80")) == "\\xff\\xfe局"


def test_printable_keeps_text_and_spaces() -> None:
    for text in ("区应急管理局 2023", "一、\u3000总体情况", "\\xff\\xfe局/2020.txt", ""):
        assert printable(text) == text


@given(st.text(max_size=40))
def test_printed_text_holds_no_control_format_or_separator(text: str) -> None:
    shown = printable(text)
    assert not [c for c in shown if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")]
