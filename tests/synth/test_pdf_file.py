"""The generator's PDF files (synth.pdf_file, written by fpdf2): fonts embedded as Word
embeds them, the text layer as drawn, the same bytes from the same seed everywhere."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys

import pytest
from pypdf import PdfReader

from extract.pdf import PdfError, pdf_text
from synth import generate_report
from synth.pdf_file import scan_pdf


def _fonts(data: bytes) -> list[dict]:
    reader = PdfReader(io.BytesIO(data))
    found = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            found[font["/BaseFont"]] = font
    return list(found.values())


@pytest.mark.parametrize("traditional", [False, True])
def test_every_font_is_an_embedded_identity_h_subset_with_to_unicode(
        traditional: bool) -> None:
    fonts = _fonts(generate_report(2, layout="pdf", traditional=traditional).data)
    assert len(fonts) == 2  # CJK and Latin, as Word's exports
    for font in fonts:
        assert (font["/Subtype"], font["/Encoding"]) == ("/Type0", "/Identity-H")
        assert "/ToUnicode" in font
        cid_font = font["/DescendantFonts"][0].get_object()
        assert cid_font["/Subtype"] == "/CIDFontType2"
        # Word writes /Identity; fpdf2 a stream mapping every two-byte code to a glyph.
        assert len(cid_font["/CIDToGIDMap"].get_object().get_data()) == 2 * 65536
        program = cid_font["/FontDescriptor"]["/FontFile2"].get_object()
        assert len(program.get_data()) == program["/Length1"] > 1000
        assert font["/BaseFont"][7:8] == "+"  # a subset tag, as embedded subsets have
    families = {font["/BaseFont"][8:] for font in fonts}
    assert families == ({"XxgkMing", "XxgkSerif"} if traditional else {"XxgkSong", "XxgkSerif"})


@pytest.mark.parametrize("seed", range(4))
def test_the_text_layer_is_the_lines_drawn_in_both_readers(seed: int) -> None:
    rep = generate_report(seed, layout="pdf", traditional=seed == 3)
    drawn = [" ".join(line.split()) for line in rep.text.splitlines() if line.strip()]
    pdfium = [" ".join(line.split()) for line in pdf_text(rep.data).splitlines()
              if line.strip()]
    pypdf = [" ".join(line.split()) for page in PdfReader(io.BytesIO(rep.data)).pages
             for line in page.extract_text().splitlines() if line.strip()]
    assert pdfium == drawn
    assert pypdf == drawn


def test_pdf_bytes_do_not_depend_on_the_hash_seed() -> None:
    code = ("import hashlib, synth; print(hashlib.sha256("
            "synth.generate_report(3, layout='pdf').data).hexdigest())")
    env = {**os.environ, "PYTHONHASHSEED": "4321"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True)
    expected = hashlib.sha256(generate_report(3, layout="pdf").data).hexdigest()
    assert out.stdout.strip() == expected


def test_no_changing_dates_ids_or_versions_in_the_file() -> None:
    data = generate_report(1, layout="pdf").data
    assert data == generate_report(1, layout="pdf").data
    # fpdf2 always writes a creation date: a fixed one. Its producer is not fpdf2's.
    assert PdfReader(io.BytesIO(data)).metadata == {
        "/CreationDate": "D:20240101000000Z", "/Producer": "xxgk synth"}
    assert b"/ModDate" not in data and b"/ID" not in data and b"fpdf" not in data.lower()
    assert data.startswith(b"%PDF-1.7\n")


def test_a_scan_is_one_image_and_no_text() -> None:
    data = scan_pdf(3)
    assert data == scan_pdf(3) != scan_pdf(4)
    page = PdfReader(io.BytesIO(data)).pages[0]
    images = page["/Resources"]["/XObject"]
    assert len(images) == 1
    image = next(iter(images.values())).get_object()
    assert (image["/Width"], image["/Height"], image["/ColorSpace"]) == (200, 280, "/DeviceGray")
    pixels = image.get_data()
    assert len(pixels) == 200 * 280 and min(pixels) < 120 and max(pixels) == 255
    with pytest.raises(PdfError, match=r"^no text layer$"):
        pdf_text(data)
