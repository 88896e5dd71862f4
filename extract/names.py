"""How the names of source files are stored and printed.

A folder crawled from a Windows share or an old archive can hold names that are not
valid UTF-8 (``b'\\xff\\xfe\\xe5\\xb1\\x80'``): Python hands them over with lone
surrogates (its ``surrogateescape`` error handler), which no Parquet column, JSON line
or log can encode. The warehouse stores every path as text in one reversible form, the
*stored name*: a backslash is written ``\\\\``, a byte that is not part of valid UTF-8
is written ``\\xHH`` (two lowercase hex digits, always 80–ff), every other character
is itself. :func:`escape_name` makes it from the name the file system gave,
:func:`unescape_name` gives that name back to open the file.

A name may also hold characters a terminal obeys instead of showing (an ANSI escape
``\\x1b[31m``, a carriage return, a right-to-left override): they stay as they are in
the stored name, which is valid text, and :func:`printable` escapes them wherever text
is shown to an operator, in the same backslash notation, so that a printed name can
neither repaint the screen nor pass for another.
"""

from __future__ import annotations

import re
import unicodedata

# Lone surrogates U+DC80–U+DCFF are how surrogateescape carries the bytes 80–ff
# that are not valid UTF-8.
_SURROGATE_BYTE = re.compile("[\udc80-\udcff]")
_STORED_ESCAPE = re.compile(r"\\(\\|x[89a-f][0-9a-f])")
# Characters that are never shown as themselves: controls (C0, DEL, C1), formatting
# (bidirectional overrides, zero-width characters), lone surrogates, line and
# paragraph separators. Spaces (U+3000 included) are shown.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def escape_name(name: str) -> str:
    """The stored form of a name as the file system gave it (``os.fsdecode``)."""
    escaped = name.replace("\\", "\\\\")
    return _SURROGATE_BYTE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", escaped)


def unescape_name(stored: str) -> str:
    """The file system's name (``os.fsdecode`` form) of a stored name. A backslash
    that starts no escape of the stored form stands for itself."""
    def original(match: re.Match[str]) -> str:
        escape = match.group(1)
        return "\\" if escape == "\\" else chr(0xDC00 + int(escape[1:], 16))

    return _STORED_ESCAPE.sub(original, stored)


def printable(text: str) -> str:
    """``text`` with every character a terminal would obey or hide written as an
    escape: ``\\xHH`` below U+0080, ``\\uHHHH`` or ``\\UHHHHHHHH`` above; a byte
    that is not UTF-8, carried by a name as the file system gave it, as in its stored
    form (``\\xHH``, 80–ff)."""
    if text.isprintable():  # the common case, at C speed
        return text
    return "".join(_shown(char) for char in text)


def _shown(char: str) -> str:
    if unicodedata.category(char) not in _HIDDEN_CATEGORIES:
        return char
    code = ord(char)
    if code < 0x80:
        return f"\\x{code:02x}"
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a name that is not UTF-8: as stored
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


__all__ = ["escape_name", "printable", "unescape_name"]
