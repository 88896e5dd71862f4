"""Subset fonts of the generator's own making, embedded in its PDFs the way Word does.

Why: real reports are Word or WPS exports, and those embed every font as a subset:
a ``Type0`` font with the ``Identity-H`` encoding (two-byte glyph ids in the page's
text), a ``CIDFontType2`` descendant carrying the TrueType program (``FontFile2``)
and its glyph widths, and a ``ToUnicode`` CMap from glyph ids to characters, which
is what every reader's text layer comes from. The generator used to reference
Adobe's non-embedded CID fonts instead (``STSong-Light``), which a reader resolves
through large predefined CMaps and a search of the machine's fonts: several times
slower than a real file, so the ``pdf`` layout's benchmark measured the generator,
not the reports.

Why a font of our own making rather than a real one: nothing installed on the
machine is used (a CI machine may have no CJK font, and installed fonts differ
from machine to machine), nothing is downloaded, and the bytes depend only on the
text drawn, so a seed gives the same PDF everywhere. The glyph shapes are small box
figures drawn from the bits of the code point: readers of the text layer never look
at them, but each glyph has real outlines, as in a real subset. fontTools builds the
tables (writing TrueType by hand is where subtly invalid fonts come from); its two
timestamps are fixed, everything else it writes follows from the glyphs given.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib.tables._g_l_y_f import Glyph

UNITS_PER_EM = 1000
ASCENT, DESCENT = 880, -120
# head.created / head.modified: fixed, so the font's bytes follow from its glyphs.
FONT_TIMESTAMP = 3_786_912_000  # 2024-01-01, in seconds since 1904 (TrueType's epoch)
_GRID = 3  # glyph figures: a frame and up to 3 × 3 blocks inside it
_NOTDEF = ".notdef"


@dataclass(frozen=True)
class SubsetFont:
    """One embedded font: a glyph id and a width for each character it draws."""

    name: str  # the PDF BaseFont, with its subset tag: ``ABCDEF+XxgkSong``
    glyph_ids: dict[str, int]
    widths: dict[str, int]  # advance widths in 1/1000 of the font size
    program: bytes  # the TrueType file (FontFile2)

    def encode(self, text: str) -> bytes:
        """``text`` as a PDF hex string of two-byte glyph ids (Identity-H)."""
        return b"<" + "".join(f"{self.glyph_ids[c]:04X}" for c in text).encode("ascii") + b">"

    def width(self, text: str, size: float) -> float:
        """The advance of ``text`` drawn at ``size`` points."""
        return sum(self.widths[c] for c in text) * size / UNITS_PER_EM

    def cid_widths(self) -> bytes:
        """The CIDFont's ``/W`` array: one run of widths from glyph 1 on."""
        by_id = sorted((gid, self.widths[c]) for c, gid in self.glyph_ids.items())
        return b"[1 [" + b" ".join(str(w).encode("ascii") for _, w in by_id) + b"]]"

    def to_unicode(self) -> bytes:
        """The ToUnicode CMap: each glyph id back to its character (UTF-16BE)."""
        pairs = sorted((gid, c) for c, gid in self.glyph_ids.items())
        lines = [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            f"/CMapName /{self.name.split('+')[-1]}-UCS def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            "<0000> <FFFF>",
            "endcodespacerange",
        ]
        for start in range(0, len(pairs), 100):  # at most 100 entries per block
            block = pairs[start:start + 100]
            lines.append(f"{len(block)} beginbfchar")
            lines += [f"<{gid:04X}> <{c.encode('utf-16-be').hex().upper()}>" for gid, c in block]
            lines.append("endbfchar")
        lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
        return "\n".join(lines).encode("ascii")


def advance(char: str) -> int:
    """A character's advance width: CJK and other wide characters a full em, ASCII a
    proportional Latin width."""
    if char == " ":
        return 250
    if char.isascii():
        return 500 if char.isalnum() else 333
    return UNITS_PER_EM


def subset_font(family: str, chars: Iterable[str]) -> SubsetFont:
    """A font named ``family`` with one glyph per distinct character of ``chars``,
    glyph ids in code point order (glyph 0 is ``.notdef``)."""
    ordered = sorted(set(chars))
    glyph_ids = {c: i for i, c in enumerate(ordered, start=1)}
    widths = {c: advance(c) for c in ordered}
    tag = _subset_tag(family, ordered)
    return SubsetFont(f"{tag}+{family}", glyph_ids, widths,
                      _truetype(f"{tag}+{family}", ordered, widths))


def _subset_tag(family: str, chars: list[str]) -> str:
    """Six capital letters naming this subset (random in Word; a digest here)."""
    digest = hashlib.sha256(("".join(chars) + family).encode("utf-8")).digest()
    return "".join(chr(ord("A") + b % 26) for b in digest[:6])


def _truetype(name: str, chars: list[str], widths: dict[str, int]) -> bytes:
    """The TrueType program: glyf outlines, metrics, a Unicode cmap, names."""
    from fontTools.fontBuilder import FontBuilder

    names = [_NOTDEF, *(_glyph_name(c) for c in chars)]
    builder = FontBuilder(UNITS_PER_EM, isTTF=True)
    builder.updateHead(created=FONT_TIMESTAMP, modified=FONT_TIMESTAMP)
    builder.setupGlyphOrder(names)
    builder.setupCharacterMap({ord(c): _glyph_name(c) for c in chars})
    glyphs = {_NOTDEF: _glyph(_NOTDEF, 500)}
    glyphs.update({_glyph_name(c): _glyph(c, widths[c]) for c in chars})
    builder.setupGlyf(glyphs)
    metrics = {_NOTDEF: (500, 0)}
    metrics.update({_glyph_name(c): (widths[c], 0) for c in chars})
    builder.setupHorizontalMetrics(metrics)
    builder.setupHorizontalHeader(ascent=ASCENT, descent=DESCENT)
    family = name.split("+")[-1]
    builder.setupNameTable({"familyName": family, "styleName": "Regular", "psName": name})
    builder.setupOS2(sTypoAscender=ASCENT, sTypoDescender=DESCENT, usWinAscent=ASCENT,
                     usWinDescent=-DESCENT)
    builder.setupPost(keepGlyphNames=False)  # format 3: no glyph names, as in subsets
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


def _glyph_name(char: str) -> str:
    return f"u{ord(char):04X}"


def _glyph(char: str, width: int) -> Glyph:
    """The glyph of ``char``: a frame and the blocks its code point's bits choose."""
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    pen = TTGlyphPen(None)
    for box in _boxes(char, width):
        _draw_box(pen, *box)
    return pen.glyph()


@cache
def _boxes(char: str, width: int) -> tuple[tuple[int, int, int, int], ...]:
    """Rectangles (x0, y0, x1, y1) of ``char``'s figure; none for a space."""
    if char.isspace():
        return ()
    left, right, bottom, top = 40, width - 40, -40, 760
    boxes = [(left, bottom, right, bottom + 40), (left, top - 40, right, top)]  # a frame
    code = sum(ord(c) for c in char)  # .notdef too
    cell_w, cell_h = (right - left) // _GRID, (top - bottom - 80) // _GRID
    for k in range(_GRID * _GRID):
        if code >> k & 1:
            x0, y0 = left + (k % _GRID) * cell_w, bottom + 40 + (k // _GRID) * cell_h
            boxes.append((x0 + 10, y0 + 10, x0 + cell_w - 10, y0 + cell_h - 10))
    return tuple(boxes)


def _draw_box(pen: TTGlyphPen, x0: int, y0: int, x1: int, y1: int) -> None:
    """One closed rectangle, clockwise (TrueType's outer contours)."""
    pen.moveTo((x0, y0))
    pen.lineTo((x0, y1))
    pen.lineTo((x1, y1))
    pen.lineTo((x1, y0))
    pen.closePath()
