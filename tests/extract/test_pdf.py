"""Reading a PDF's text layer (extract.pdf), with PDFs built here byte by byte.

The real CJK PDFs of the shared corpus are exercised in test_corpus.py; these small
ASCII PDFs check the plumbing and the errors without needing fonts or the corpus.
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader, PdfWriter

from extract.pdf import PdfError, pdf_text


def make_pdf(lines: list[str]) -> bytes:
    """A one-page PDF showing ``lines`` (ASCII) in Helvetica."""
    ops = ["BT", "/F1 12 Tf", "14 TL", "72 720 Td"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"({escaped}) Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def test_text_layer_is_read_line_by_line() -> None:
    text = pdf_text(make_pdf(["Table 4", "1 0 0 0 1 2 0 1 0 3", "- 5 -"]))
    assert [line.strip() for line in text.splitlines()] == [
        "Table 4", "1 0 0 0 1 2 0 1 0 3", "- 5 -"]


def test_page_without_text_is_a_scan() -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(PdfError, match="no text layer"):
        pdf_text(buffer.getvalue())


def test_encrypted_pdf_is_refused() -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(["1 2 3"]))))
    writer.encrypt(user_password="secret", owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(PdfError, match="encrypted"):
        pdf_text(buffer.getvalue())


@pytest.mark.parametrize("data", [b"%PDF-1.7\n%%EOF", b"%PDF-1.4\n" + b"\x00" * 100])
def test_broken_pdf_is_a_one_line_error(data: bytes) -> None:
    with pytest.raises(PdfError) as info:
        pdf_text(data)
    assert "\n" not in str(info.value)
