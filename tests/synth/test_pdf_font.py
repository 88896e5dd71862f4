"""The generator's own subset fonts (synth.pdf_font)."""

from __future__ import annotations

import io
import re

from fontTools.ttLib import TTFont

from synth.pdf_font import FONT_TIMESTAMP, advance, subset_font

TEXT = "政府信息公开 2024 年（一）"


def test_glyph_ids_follow_code_points_after_notdef() -> None:
    font = subset_font("XxgkSong", TEXT)
    chars = sorted(set(TEXT))
    assert font.glyph_ids == {c: i for i, c in enumerate(chars, start=1)}
    assert font.encode("年2") == b"<%04X%04X>" % (font.glyph_ids["年"], font.glyph_ids["2"])


def test_the_program_is_a_truetype_font_holding_every_character() -> None:
    font = subset_font("XxgkSong", TEXT)
    parsed = TTFont(io.BytesIO(font.program))
    assert parsed["maxp"].numGlyphs == len(set(TEXT)) + 1
    assert parsed.getGlyphOrder()[0] == ".notdef"
    cmap = parsed.getBestCmap()
    assert {chr(code) for code in cmap} == set(TEXT)
    order = parsed.getGlyphOrder()
    assert all(order.index(cmap[ord(c)]) == gid for c, gid in font.glyph_ids.items())
    assert parsed["head"].created == parsed["head"].modified == FONT_TIMESTAMP
    assert all(parsed["hmtx"][cmap[ord(c)]][0] == advance(c) for c in set(TEXT))
    # Real outlines, except for the space.
    glyf = parsed["glyf"]
    assert glyf[cmap[ord("政")]].numberOfContours >= 2
    assert glyf[cmap[ord(" ")]].numberOfContours == 0


def test_same_characters_same_bytes_whatever_their_order() -> None:
    first = subset_font("XxgkSong", TEXT)
    again = subset_font("XxgkSong", reversed(TEXT * 3))
    assert first == again
    other = subset_font("XxgkSong", TEXT + "年度")
    assert other.name != first.name and other.program != first.program
    assert re.fullmatch(r"[A-Z]{6}\+XxgkSong", first.name)


def test_to_unicode_maps_every_glyph_back() -> None:
    font = subset_font("XxgkMing", "資訊公開 12")
    cmap = font.to_unicode().decode("ascii")
    blocks = re.findall(r"beginbfchar\n(.*?)endbfchar", cmap, re.S)
    pairs = dict(re.findall(r"<([0-9A-F]{4})> <([0-9A-F]{4})>", "".join(blocks)))
    assert {int(gid, 16): chr(int(code, 16)) for gid, code in pairs.items()} == {
        gid: c for c, gid in font.glyph_ids.items()}
    assert "begincodespacerange\n<0000> <FFFF>" in cmap


def test_widths() -> None:
    font = subset_font("XxgkSerif", "1 2")
    assert font.width("12", 10) == 10.0  # two figures of 500/1000 em
    assert font.width(" ", 10) == 2.5
    assert subset_font("XxgkSong", "年").width("年", 9) == 9.0
    assert font.cid_widths() == b"[1 [250 500 500]]"


def test_to_unicode_blocks_hold_at_most_100_entries() -> None:
    font = subset_font("XxgkSong", [chr(0x4E00 + i) for i in range(250)])
    cmap = font.to_unicode().decode("ascii")
    assert re.findall(r"(\d+) beginbfchar", cmap) == ["100", "100", "50"]
