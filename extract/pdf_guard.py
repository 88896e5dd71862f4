"""Refuse a PDF whose streams would inflate beyond what any report needs, before
PDFium reads it: a fast first refusal, not the bound itself.

Why: PDFium inflates the content streams and fonts of a page completely, with no
limit of its own: a small file holding a Flate "bomb" costs it tens of seconds and
gigabytes of memory in one call (benchmarks/README.md, "PDF readers"). A report's
own streams (text, table rules, subset or even whole CJK fonts) inflate to a few
megabytes.

How, cheaply: Flate inflates at most 1032-fold, so a file whose compressed streams
cannot reach the budget even at that ratio (every generated PDF, and the corpus PDFs
with their few hundred KB of fonts) is passed without inflating anything. Only when the
worst case could overrun are the streams inflated, in pieces, counting until the
budget is spent. Two budgets: what PDFium parses (page contents, forms, object
streams, CMaps) and font programs (inflated and handed to FreeType, not parsed
whole, so allowed far more). Images are skipped: text extraction never decodes them.

Names are read as PDFium reads them (``#xx`` escapes decoded: ``/FlateDecod#65`` is
Flate), and a ``/Filter`` given by reference, or as an array of references, is looked up
in the file. What it does not see, by design (the per-file memory and time limits of
the worker that parses the file bound those, ``load.batch.pool``): filters other than
Flate (LZW, run-length: rare since PDF 1.2; counted at their stored size), a filter
object inside a compressed object stream, a content stream dressed in an image's or a
font's keys, and the streams of an encrypted file (they cannot be inflated before
decryption, and reports are often encrypted with an empty password).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

# Inflated bytes PDFium parses: a Word report's pages take ≈ 35 KB each (3.5 MB for
# the 100 pages allowed). Kept tight because PDFium's text page holds ≈ 250 bytes per
# character: 16 MB of content can show at most ≈ 16 M characters. Inflated font
# programs may take far more (several whole CJK fonts).
MAX_PARSED_BYTES = 16 * 1024 * 1024
MAX_FONT_BYTES = 512 * 1024 * 1024
# Deflate's best ratio: one 258-byte match per two bits, plus block overhead.
FLATE_MAX_RATIO = 1032
_CHUNK = 1 << 20  # compressed bytes handed to zlib at a time
_FILTER = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[^\s/\[\]<>()]+|\d+\s+\d+\s+R\b)")
# A filter's name, or a reference to the object holding it (or an array of them).
_FILTER_ITEM = re.compile(rb"/([^\s/\[\]<>()]+)|(\d+)\s+(\d+)\s+R\b")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_OBJECT_BODY_LIMIT = 4096  # a filter object is a name or a short array
_IMAGE = re.compile(rb"/Subtype\s*/Image\b")
# FontFile (Type 1: /Length1-3), FontFile2 (TrueType: /Length1), FontFile3 (/Subtype).
_FONT_PROGRAM = re.compile(rb"/Length1\b|/Subtype\s*/(?:Type1C|CIDFontType0C|OpenType)\b")
_FLATE = frozenset({b"FlateDecode", b"Fl"})
_DICT_LOOKBACK = 64 * 1024  # a stream's dictionary lies within this many bytes before it


class InflationLimitError(ValueError):
    """The PDF's streams inflate to more than a report can need."""


@dataclass(frozen=True, slots=True)
class _Stream:
    font: bool  # a font program, else something PDFium parses
    flate_stages: int  # leading Flate filters
    body: bytes

    def worst_case(self) -> int:
        return len(self.body) * FLATE_MAX_RATIO ** self.flate_stages


def check_inflated_size(data: bytes, parsed_budget: int = MAX_PARSED_BYTES,
                        font_budget: int = MAX_FONT_BYTES) -> None:
    """Raise ``InflationLimitError`` if the non-image streams of ``data`` inflate to
    more than their budget."""
    streams = list(_streams(data))
    groups = ((False, parsed_budget, "content streams"), (True, font_budget, "fonts"))
    for font, budget, what in groups:
        group = [s for s in streams if s.font is font]
        if sum(s.worst_case() for s in group) <= budget:
            continue  # cannot overrun even at Flate's best ratio
        spent = 0
        for stream in group:
            spent += _inflated_size(stream, budget - spent)
            if spent > budget:
                raise InflationLimitError(
                    f"the PDF's {what} inflate to more than {budget // 2**20} MB; not a report")


def _streams(data: bytes) -> Iterator[_Stream]:
    """Every stream but images, with its kind and filters (found by the ``stream``
    keyword; its dictionary is what lies between it and the object's ``obj``)."""
    objects = _Objects(data)
    at = data.find(b"stream")
    while at >= 0:
        start = _data_start(data, at)
        if start is None:  # "endstream", or the word inside other bytes
            at = data.find(b"stream", at + 6)
            continue
        close = data.find(b"endstream", start)
        close = len(data) if close < 0 else close
        dictionary = _unescaped(_dictionary_before(data, at))
        if not _IMAGE.search(dictionary):
            yield _Stream(_FONT_PROGRAM.search(dictionary) is not None,
                          _flate_stages(objects, dictionary),
                          data[start:_before_eol(data, start, close)])
        at = data.find(b"stream", close + len(b"endstream"))


def _dictionary_before(data: bytes, at: int) -> bytes:
    """The bytes from the object's ``obj`` keyword to its ``stream`` at ``at``."""
    window = max(0, at - _DICT_LOOKBACK)
    found = data.rfind(b"obj", window, at)
    return data[found if found >= 0 else window:at]


def _data_start(data: bytes, at: int) -> int | None:
    """Where a stream's data begins, if the ``stream`` keyword at ``at`` opens one."""
    if data[at - 3:at] == b"end":
        return None
    after = at + 6
    if data[after:after + 2] == b"\r\n":
        return after + 2
    if data[after:after + 1] in (b"\n", b"\r"):
        return after + 1
    return None


def _before_eol(data: bytes, start: int, end: int) -> int:
    """``end`` less the line break that precedes ``endstream`` (not part of the data)."""
    if end - start >= 2 and data[end - 2:end] == b"\r\n":
        return end - 2
    if end > start and data[end - 1:end] in (b"\n", b"\r"):
        return end - 1
    return end


def _unescaped(text: bytes) -> bytes:
    """``text`` with the ``#xx`` escapes of its names decoded, as a reader decodes them."""
    if b"#" not in text:
        return text
    return _NAME_ESCAPE.sub(lambda m: bytes((int(m.group(1), 16),)), text)


def _flate_stages(objects: _Objects, dictionary: bytes) -> int:
    """How many Flate filters the stream's filter list starts with."""
    found = _FILTER.search(dictionary)
    stages = 0
    for name in _filter_names(objects, found.group(1)) if found else []:
        if name not in _FLATE:
            break
        stages += 1
    return stages


def _filter_names(objects: _Objects, value: bytes, depth: int = 0) -> list[bytes]:
    """The names of a ``/Filter`` value: a name, an array, or references to either,
    looked up in the file (a reference not found names nothing)."""
    names: list[bytes] = []
    for item in _FILTER_ITEM.finditer(value):
        if item.group(1) is not None:
            names.append(item.group(1))
        elif depth < 2:  # a reference to a name, or to an array of names
            body = objects.body(int(item.group(2)), int(item.group(3)))
            names.extend(_filter_names(objects, body, depth + 1))
    return names


class _Objects:
    """The file's objects by number, indexed in one pass on the first lookup (most
    files never need one)."""

    _HEADER = re.compile(rb"(?<![0-9])(\d+)\s+(\d+)\s+obj\b")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self._ends: dict[tuple[int, int], int] | None = None

    def body(self, number: int, generation: int) -> bytes:
        """What lies between ``N G obj`` and ``endobj`` (the last definition wins, as
        in an incrementally updated file), names unescaped; empty when not found."""
        if self._ends is None:
            self._ends = {(int(m.group(1)), int(m.group(2))): m.end()
                          for m in self._HEADER.finditer(self.data)}
        start = self._ends.get((number, generation))
        if start is None:
            return b""
        body = self.data[start:start + _OBJECT_BODY_LIMIT]
        end = body.find(b"endobj")
        return _unescaped(body if end < 0 else body[:end])


def _inflated_size(stream: _Stream, room: int) -> int:
    """Bytes the stream decodes to through its leading Flate filters, counted no
    further than just past ``room``."""
    body = stream.body
    for _ in range(stream.flate_stages - 1):  # a Flate inside a Flate: inflate the outer
        body = _inflate(body, room)
    return _count_inflated(body, room) if stream.flate_stages else len(body)


def _count_inflated(body: bytes, room: int) -> int:
    """How many bytes ``body`` inflates to, stopping once past ``room``."""
    inflater = zlib.decompressobj()
    total = 0
    try:
        for at in range(0, len(body), _CHUNK):
            pending = body[at:at + _CHUNK]
            while pending and total <= room:
                total += len(inflater.decompress(pending, _CHUNK))
                pending = inflater.unconsumed_tail
            if total > room or inflater.eof:
                break
    except zlib.error:
        pass  # broken or encrypted data: PDFium decides what to make of it
    return max(total, len(body)) if total <= room else total


def _inflate(body: bytes, room: int) -> bytes:
    """``body`` inflated, cut off just past ``room`` bytes (as stored if broken)."""
    try:
        return zlib.decompressobj().decompress(body, room + 1)
    except zlib.error:
        return body
