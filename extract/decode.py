"""Turn a report file's bytes into text, whatever encoding it was saved in.

Reports arrive in UTF-8 (with or without BOM), GB18030/GBK, Big5 and UTF-16 (with or
without BOM). The order of tests follows what is cheap and certain first: a BOM, then
strict UTF-8, then the shape of UTF-16 without BOM, then strict Big5 decoding (which
GB text fails), then which of the Big5 and GB18030 readings holds the words every
report prints, and only for what is still ambiguous chardet on a prefix (it costs
more than the rest of a report's extraction, so it is the last resort, not the first
step).

A few bytes that no encoding reads (one bad byte in a GBK file, a NUL in a UTF-8 one,
a UTF-16 file cut at an odd byte) do not make a report unreadable: they become U+FFFD
(counted in ``DecodedText.replaced``), so that only the cells they touch are lost.
Bytes that need many replacements in every encoding are not text.

The decoded text is normalised one character for one character (full-width digits,
letters and punctuation become ASCII), so that offsets in the normalised text are
offsets in the original too and raw values can be quoted exactly as printed. Text in
traditional characters (every Big5 file, and the 繁體 copies mirror sites serve in
UTF-8 or in HTML) is also converted to simplified characters for label matching,
keeping the text as printed beside it.
"""

from __future__ import annotations

import codecs
import re
from contextlib import suppress
from dataclasses import dataclass
from functools import cache

import chardet

# Full-width ASCII (U+FF01..U+FF5E) to ASCII, the ideographic space to a space, and the
# invisible or exotic spaces PDF text layers leave behind to plain spaces. Every entry
# maps one character to one character.
_WIDTH_TABLE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_WIDTH_TABLE.update(
    dict.fromkeys(map(ord, "\u3000\u00a0\u2002\u2003\u2009\u200b\u200c\u200d\ufeff"), 0x20)
)

# chardet's names mapped to the codec we decode with: GBK and GB2312 are subsets of
# GB18030, so decoding with the superset never loses a character.
_CODEC_FOR = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb18030": "gb18030",
    "hz-gb-2312": "gb18030",
    "big5": "big5hkscs",
    "big5hkscs": "big5hkscs",
    "cp950": "big5hkscs",
    "euc-tw": "big5hkscs",
    "ascii": "utf-8",
}

CHARDET_PREFIX = 512
# Characters replaced per byte beyond which the bytes are not text in that encoding:
# a GBK file read as UTF-8 replaces nearly every character, a UTF-8 one read as
# GB18030 one in a few; a damaged file, a handful.
MAX_REPLACED_SHARE = 0.005
REPLACEMENT = "\ufffd"  # what a byte no encoding reads becomes


class DecodeError(ValueError):
    """The bytes are not text in any encoding a report may use."""


@dataclass(frozen=True, slots=True)
class DecodedText:
    """Text of a report with the encoding it was read with."""

    text: str
    encoding: str
    printed: str | None = None  # the text as printed, where ``text`` converted it (Big5)
    replaced: int = 0  # bytes no encoding reads and control characters, now U+FFFD


_WIDTH_CHARS = re.compile("[" + "".join(map(chr, sorted(_WIDTH_TABLE))) + "]")
_WIDTH_MAP = {chr(k): chr(v) for k, v in _WIDTH_TABLE.items()}


def normalise_width(text: str) -> str:
    """Full-width digits and punctuation to ASCII, one character for one.

    Not ``str.translate``: CJK text has few full-width characters among many others,
    and translate looks every character up. A report prints a handful of distinct ones
    (（）、：，), so one regex pass lists them and ``str.replace`` swaps each: faster
    than a substitution calling back for every match.
    """
    for wide in set(_WIDTH_CHARS.findall(text)):
        text = text.replace(wide, _WIDTH_MAP[wide])
    return text


@cache
def _t2s():  # pragma: no cover - trivial
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional to simplified characters (Big5 reports are printed in traditional)."""
    return _t2s().convert(text)


# Traditional-only characters of the words every report prints: 公開 (every report
# names 政府資訊公開 or 信息公開), 報告, 申請, 機關, 處理, 數量. Looking for a few
# characters with ``in`` is a memchr-like scan, far cheaper on a 300 KB page than a
# character-class regex; converting with OpenCC costs milliseconds, so it runs only
# on a hit.
_TRADITIONAL_CHARS = ("開", "報", "請", "關", "處", "數")


def has_traditional(text: str) -> bool:
    """Whether the text is printed (at least partly) in traditional characters."""
    return any(ch in text for ch in _TRADITIONAL_CHARS)


def simplified(text: str) -> tuple[str, str | None]:
    """(text for label matching, text as printed or None where they are the same)."""
    if not has_traditional(text):
        return text, None
    return to_simplified(text), text


def _from_bom(data: bytes) -> DecodedText | None:
    for bom, codec, name in (
        (codecs.BOM_UTF8, "utf-8-sig", "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16", "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16", "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return _decoded(data.decode(codec), name)
            except UnicodeDecodeError:
                found = _replaced_reading(data, codec, name)
                if found is None:
                    raise DecodeError(f"starts with a {name} byte-order mark but is not "
                                      f"{name}") from None
                return found
    return None


def _replaced_reading(data: bytes, codec: str, name: str | None = None,
                      words: bool = False) -> DecodedText | None:
    """The bytes read in ``codec`` with the bytes it cannot read replaced, where they
    are few (and, with ``words``, where the text holds the report's own words)."""
    text = data.decode(codec, errors="replace")
    replaced = text.count(REPLACEMENT)
    if replaced > max(1, len(data) * MAX_REPLACED_SHARE):
        return None
    if words and not _holds_report_words(text):
        return None
    if codec.startswith("big5"):
        return DecodedText(to_simplified(text), "big5", text, replaced)
    found = _decoded(text, name or codec)
    return DecodedText(found.text, found.encoding, found.printed, replaced)


# The characters a report is made of: printable ASCII, line breaks and tabs, CJK
# ideographs, CJK punctuation, full-width forms and the dashes and quotes U+2010..201F.
_IMPLAUSIBLE = re.compile(
    "[^ -~\r\n\t\u4e00-\u9fff\u3000-\u303f\uff00-\uffef\u2010-\u201f]+")


def _plausible_text_ratio(text: str) -> float:
    """Share of characters a report is made of: CJK, printable, line breaks."""
    if not text:
        return 0.0
    # One regex pass finds the (few) runs of other characters: no Python loop per
    # character, and no substitution at every character.
    bad = sum(map(len, _IMPLAUSIBLE.findall(text)))
    return (len(text) - bad) / len(text)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a BOM: the byte order whose decoding reads as text.

    Every ASCII character (digits, spaces, line breaks) puts a NUL byte on one side,
    and so do CJK code points such as U+4E00, so NULs are the cue; decoding both ways
    and keeping the one that reads as CJK text settles the byte order.
    """
    sample = data[:2048]
    sample = sample[: len(sample) // 2 * 2]
    if b"\x00" not in sample:
        return None
    best, best_ratio = None, 0.95
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            # (A damaged pair of bytes is replaced: it costs the ratio one character.)
            ratio = _plausible_text_ratio(sample.decode(codec, errors="replace"))
        except UnicodeDecodeError:
            continue
        if ratio > best_ratio:
            best, best_ratio = codec, ratio
    return best


_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or b > 13)


def _looks_binary(data: bytes) -> bool:
    """Whether the first 4 KB are more than 5% control bytes (a NUL or two is damage)."""
    sample = data[:4096]
    if not sample:
        return False
    # Keep only the control bytes (no text has them) and count them.
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls / len(sample) > 0.05


_CONTROL_CHARS = re.compile("[\x00-\x08\x0e-\x1f\x7f]")


def _without_controls(decoded: DecodedText, data: bytes | None = None) -> DecodedText:
    """Control characters (a NUL, an escape) replaced by U+FFFD and counted: no text
    prints them, and a cell holding one is damaged. ``data``: the bytes of an 8-bit
    encoding, whose control bytes are its control characters (counted at C speed)."""
    if data is not None and len(data.translate(None, _CONTROL_BYTES + b"\x7f")) == len(data):
        return decoded
    text, found = _CONTROL_CHARS.subn(REPLACEMENT, decoded.text)
    if not found:
        return decoded
    printed = None if decoded.printed is None else _CONTROL_CHARS.sub(REPLACEMENT,
                                                                        decoded.printed)
    return DecodedText(text, decoded.encoding, printed, decoded.replaced + found)


def _legacy_codec(data: bytes, readings: dict[str, str]) -> str:
    """GB18030 or Big5 for text that is neither UTF-8 nor UTF-16.

    GB-encoded Chinese is (in practice) never valid Big5, while Big5 bytes nearly
    always pass as GB18030; so a text that fails strict Big5 decoding is GB, and only
    the ambiguous rest goes to chardet (the dearest step here).
    Each successful decoding is left in ``readings`` (codec -> text), so that the
    caller does not decode the same bytes again.
    """
    try:
        readings["big5hkscs"] = data.decode("big5hkscs")
    except UnicodeDecodeError:
        return "gb18030"
    return _by_report_words(data, readings) or _by_chardet(data)


# Words every report prints, in simplified and traditional characters. The bytes of
# one encoding read in the other give other characters (Big5's 政府 read as GB18030
# is no word at all), so where one reading holds them and the other does not, the
# encoding is known without asking chardet.
_REPORT_WORDS = ("政府", "公开", "公開", "申请", "申請", "信息", "資訊", "报告", "報告")


def _holds_report_words(text: str) -> bool:
    return any(word in text for word in _REPORT_WORDS)


def _by_report_words(data: bytes, readings: dict[str, str]) -> str | None:
    """Big5 or GB18030 for bytes that decode both ways (``readings`` holds the Big5
    one, and gets the GB18030 one), where only one reading holds the report's own
    words; None (ask chardet) where both or neither do."""
    with suppress(UnicodeDecodeError):
        readings["gb18030"] = data.decode("gb18030")
    in_big5 = _holds_report_words(readings["big5hkscs"])
    in_gb = _holds_report_words(readings.get("gb18030", ""))
    if in_big5 == in_gb:
        return None
    return "big5hkscs" if in_big5 else "gb18030"


_HIGH_BYTE = re.compile(rb"[\x80-\xff]")


def _by_chardet(data: bytes) -> str:
    # A prefix is enough once it holds Chinese; ASCII before it (a date, a file name)
    # would only make chardet answer "ascii".
    high = _HIGH_BYTE.search(data, 0, 65536)
    start = high.start() if high else 0
    guess = chardet.detect(data[start : start + CHARDET_PREFIX])
    name = (guess.get("encoding") or "").lower()
    codec = _CODEC_FOR.get(name)
    if codec is None and name.startswith("utf-16"):
        codec = name
    if codec is None:
        # chardet sometimes names a single-byte code page for short or odd GB text;
        # GB18030 is by far the likeliest non-UTF encoding of a Chinese report.
        codec = "gb18030"
    return codec


def _decoded(text: str, encoding: str) -> DecodedText:
    """The decoded text, in simplified characters where it is printed in traditional."""
    matched, printed = simplified(text)
    return DecodedText(matched, encoding, printed=printed)


def decode_bytes(data: bytes) -> DecodedText:
    """Decode report bytes; raise :class:`DecodeError` with a one-line reason if impossible."""
    if not data.strip():
        raise DecodeError("the file is empty")
    found = _from_bom(data)
    if found:
        return _without_controls(found, None if found.encoding == "utf-16" else data)
    # NUL bytes: UTF-16 without a BOM (even when the bytes also pass as UTF-8), or
    # binary data, or a stray NUL in text.
    utf16 = _utf16_without_bom(data) if b"\x00" in data[:4096] else None
    if utf16:
        try:
            return _without_controls(_decoded(data.decode(utf16), utf16))
        except UnicodeDecodeError:
            found = _replaced_reading(data, utf16)
            if found is not None:
                return _without_controls(found)
    if _looks_binary(data):
        raise DecodeError("binary data, not text (control bytes in the first 4 KB)")
    try:
        return _without_controls(_decoded(data.decode("utf-8"), "utf-8"), data)
    except UnicodeDecodeError:
        pass
    return _without_controls(_legacy(data), data)


def _legacy(data: bytes) -> DecodedText:
    """GB18030 or Big5 text, read strictly where the bytes allow; else the reading
    that holds the report's words with the fewest bytes replaced (UTF-8 among them:
    one bad byte makes UTF-8 fail strictly)."""
    readings: dict[str, str] = {}
    codec = _legacy_codec(data, readings)
    strict = None
    for candidate in dict.fromkeys((codec, "gb18030", "big5hkscs")):
        text = readings.get(candidate)
        if text is None:
            try:
                text = data.decode(candidate)
            except UnicodeDecodeError:
                continue
        if candidate.startswith("big5"):
            strict = DecodedText(to_simplified(text), "big5", printed=text)
        else:
            strict = _decoded(text, candidate)
        break
    if strict is not None and _holds_report_words(strict.printed or strict.text):
        return strict
    # No strict reading holds the report's words: a damaged file, or bytes in another
    # encoding that happen to pass in this one (a Big5 file with one bad byte passes as
    # GB18030, and reads as nonsense).
    readings_replaced = [r for r in (_replaced_reading(data, c, words=True)
                                     for c in ("utf-8", "gb18030", "big5hkscs")) if r]
    if readings_replaced:
        return min(readings_replaced, key=lambda r: r.replaced)
    if strict is not None:
        return strict  # (text, but no report: what reads it decides)
    raise DecodeError("undecodable: not UTF-8, UTF-16, GB18030 or Big5 text")
