"""Writes report text in the encodings real report files come in.

Big5 files hold traditional characters, so the text is converted with OpenCC
(s2t) first; the facts do not change.  ``traditional`` does the same in any other
encoding: mirror sites serve 繁體 copies in UTF-8 and GB18030 too.
UTF-16 comes with a BOM (``utf-16``) or without one in a fixed byte order
(``utf-16-le``, ``utf-16-be``).
"""

from __future__ import annotations

from functools import cache

import opencc

ENCODINGS: tuple[str, ...] = (
    "utf-8",
    "utf-8-sig",
    "gb18030",
    "gbk",
    "big5",
    "utf-16",
    "utf-16-le",
    "utf-16-be",
)


@cache
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


@cache
def _t2tw() -> opencc.OpenCC:
    return opencc.OpenCC("t2tw")


def _encodable(ch: str, encoding: str) -> bool:
    try:
        ch.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


@cache
def _big5_char(ch: str) -> str:
    if _encodable(ch, "big5"):
        return ch
    variant = _t2tw().convert(ch)  # OpenCC's 爲/着/衆 are not in Big5; 為/著/眾 are
    return variant if _encodable(variant, "big5") else "?"


def to_traditional(text: str) -> str:
    """Simplified to traditional (OpenCC s2t), each character made Big5-encodable."""
    converted = _s2t().convert(text)
    try:
        converted.encode("big5")
    except UnicodeEncodeError:
        converted = "".join(_big5_char(ch) for ch in converted)
    return converted


def html_charset(encoding: str) -> str:
    """The charset an HTML page written in ``encoding`` declares."""
    if encoding == "utf-8-sig":
        return "utf-8"
    if encoding.startswith("utf-16"):
        return "utf-16"
    return encoding


def encode(text: str, encoding: str, traditional: bool = False) -> tuple[str, bytes]:
    """(text as stored, file bytes): big5 (or ``traditional``) text is converted to
    traditional characters first."""
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown encoding {encoding!r}; choose from {', '.join(ENCODINGS)}")
    if traditional or encoding == "big5":
        text = to_traditional(text)
    return text, text.encode(encoding)
