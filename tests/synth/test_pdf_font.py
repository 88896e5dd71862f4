"""The fonts of the generator's own making that its PDFs embed (synth.pdf_font)."""

from __future__ import annotations

import io

from fontTools.ttLib import TTFont

from synth.pdf_font import FONT_TIMESTAMP, advance, font_program

TEXT = "政府信息公开 2024 年（一）"


def test_the_program_is_a_truetype_font_holding_every_character() -> None:
    parsed = TTFont(io.BytesIO(font_program("XxgkSong", TEXT)))
    assert parsed["maxp"].numGlyphs == len(set(TEXT)) + 1
    cmap = parsed.getBestCmap()
    assert {chr(code) for code in cmap} == set(TEXT)
    # .notdef first, then the characters in code point order.
    order = parsed.getGlyphOrder()
    assert order[0] == ".notdef"
    assert [order.index(cmap[ord(c)]) for c in sorted(set(TEXT))] == list(
        range(1, len(set(TEXT)) + 1))
    assert parsed["head"].created == parsed["head"].modified == FONT_TIMESTAMP
    assert all(parsed["hmtx"][cmap[ord(c)]][0] == advance(c) for c in set(TEXT))
    # Real outlines, except for the space.
    glyf = parsed["glyf"]
    assert glyf[cmap[ord("政")]].numberOfContours >= 2
    assert glyf[cmap[ord(" ")]].numberOfContours == 0


def test_the_font_is_named_after_its_family() -> None:
    # fpdf2 names the embedded font (its BaseFont) after the font's own name.
    names = TTFont(io.BytesIO(font_program("XxgkMing", "資訊公開")))["name"]
    assert names.getDebugName(1) == names.getDebugName(6) == "XxgkMing"


def test_same_characters_same_bytes_whatever_their_order() -> None:
    first = font_program("XxgkSong", TEXT)
    assert font_program("XxgkSong", reversed(TEXT * 3)) == first
    assert font_program("XxgkSong", TEXT + "年度") != first


def test_widths() -> None:
    assert [advance(c) for c in "1 .年，"] == [500, 250, 333, 1000, 1000]
