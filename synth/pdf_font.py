"""The fonts the generator's PDFs embed, of its own making.

Why: real reports are Word or WPS exports, and those embed every font as a subset
with a ``ToUnicode`` map, which is what every reader's text layer comes from. The PDF
writer (fpdf2, in ``pdf_file``) embeds fonts that way, from a TrueType file; this
module makes that file.

Why a font of our own making rather than a real one: nothing installed on the
machine is used (a CI machine may have no CJK font, and installed fonts differ
from machine to machine), nothing is downloaded, and the bytes depend only on the
text drawn, so a seed gives the same PDF everywhere. The glyph shapes are small box
figures drawn from the bits of the code point: readers of the text layer never look
at them, but each glyph has real outlines, as in a real font. fontTools builds the
tables (writing TrueType by hand is where subtly invalid fonts come from); its two
timestamps are fixed, everything else it writes follows from the glyphs given.

Why a font holds only the characters its document draws, not every CJK character:
such a font takes ≈ 3 s to build, and fpdf2 subsets it again for every file (≈ 0.2 s a
PDF, three times what generating a whole PDF report takes).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib.tables._g_l_y_f import Glyph

UNITS_PER_EM = 1000
ASCENT, DESCENT = 880, -120
# head.created / head.modified: fixed, so the font's bytes follow from its glyphs.
FONT_TIMESTAMP = 3_786_912_000  # 2024-01-01, in seconds since 1904 (TrueType's epoch)
# Glyph figures: a bar and up to 2 × 2 blocks. Few contours, because each is compiled
# twice (here, and again when fpdf2 subsets the font): 3 × 3 blocks and a frame made a
# PDF ≈ 25 ms (a third) slower to generate.
_GRID = 2
_NOTDEF = ".notdef"


def advance(char: str) -> int:
    """A character's advance width: CJK and other wide characters a full em, ASCII a
    proportional Latin width."""
    if char == " ":
        return 250
    if char.isascii():
        return 500 if char.isalnum() else 333
    return UNITS_PER_EM


def font_program(family: str, chars: Iterable[str]) -> bytes:
    """A TrueType font named ``family`` with one glyph per distinct character of
    ``chars`` (glyph 0 is ``.notdef``), in code point order: the same characters give
    the same bytes, whatever their order."""
    ordered = sorted(set(chars))
    return _truetype(family, ordered, {c: advance(c) for c in ordered})


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
    builder.setupNameTable({"familyName": name, "styleName": "Regular", "psName": name})
    builder.setupOS2(sTypoAscender=ASCENT, sTypoDescender=DESCENT, usWinAscent=ASCENT,
                     usWinDescent=-DESCENT)
    builder.setupPost(keepGlyphNames=False)  # format 3: no glyph names, as embedded fonts have
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


def _glyph_name(char: str) -> str:
    return f"u{ord(char):04X}"


def _glyph(char: str, width: int) -> Glyph:
    """The glyph of ``char``: a bar and the blocks its code point's bits choose."""
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    pen = TTGlyphPen(None)
    for box in _boxes(char, width):
        _draw_box(pen, *box)
    return pen.glyph()


@cache
def _boxes(char: str, width: int) -> tuple[tuple[int, int, int, int], ...]:
    """Rectangles (x0, y0, x1, y1) of ``char``'s figure: a bar on the baseline and the
    blocks above it that its code point's low bits choose; none for a space."""
    if char.isspace():
        return ()
    left, right, bottom, top = 40, width - 40, -40, 760
    boxes = [(left, bottom, right, bottom + 40)]
    code = sum(ord(c) for c in char)  # .notdef too
    cell_w, cell_h = (right - left) // _GRID, (top - bottom - 40) // _GRID
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
