"""Reading a PDF's text layer (extract.pdf), with PDFs built here byte by byte.

The real CJK PDFs of the shared corpus are exercised in test_corpus.py; small ASCII
PDFs check the plumbing, the line rule and the errors, and the generator's real PDFs
(CJK text in embedded subset fonts, tables over page breaks, scans) check every cell.
"""

from __future__ import annotations

import io
import re
import zlib
from concurrent.futures import ThreadPoolExecutor

import pypdfium2
import pytest
from pypdf import PdfReader, PdfWriter

import extract.pdf
from extract.decode import has_traditional
from extract.pdf import PdfError, pdf_text
from extract.report import ReportError, extract_bytes
from synth import TEMPLATES, cell_differences, generate_report
from synth.pdf_file import scan_pdf


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(lines: list[str]) -> bytes:
    """A one-page PDF showing ``lines`` (ASCII) in Helvetica."""
    ops = ["BT", "/F1 12 Tf", "14 TL", "72 720 Td"]
    ops += [f"({_escaped(line)}) Tj T*" for line in lines]
    ops.append("ET")
    return page_pdf("\n".join(ops).encode("latin-1"))


def placed_pdf(pieces: list[tuple[float, float, str]]) -> bytes:
    """A one-page PDF showing each (x, y, text) piece at its place, in 12 pt Helvetica."""
    ops = ["BT", "/F1 12 Tf"]
    ops += [f"1 0 0 1 {x} {y} Tm ({_escaped(text)}) Tj" for x, y, text in pieces]
    ops.append("ET")
    return page_pdf("\n".join(ops).encode("latin-1"))


def page_pdf(stream: bytes, filters: bytes = b"") -> bytes:
    """A one-page PDF whose content stream is ``stream`` (stored with ``filters``)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d%s >>\nstream\n" % (len(stream), filters) + stream + b"\nendstream",
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


def test_a_pdf_locked_only_against_editing_is_read() -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(["1 2 3"]))))
    writer.encrypt(user_password="", owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    assert pdf_text(buffer.getvalue()).split() == ["1", "2", "3"]


@pytest.mark.parametrize("data", [b"%PDF-1.7\n%%EOF", b"%PDF-1.4\n" + b"\x00" * 100])
def test_broken_pdf_is_a_one_line_error(data: bytes) -> None:
    with pytest.raises(PdfError) as info:
        pdf_text(data)
    assert "\n" not in str(info.value)


def test_a_label_set_a_little_lower_stays_on_its_values_line() -> None:
    # PDFium breaks the line at any step of the baseline; pypdf's rule (and the
    # engine's habits) only beyond 0.8 of the font size: 9.6 pt here.
    assert pdf_text(placed_pdf([(72, 700, "Label"), (200, 709, "1 2 3"), (72, 650, "Next")])
                    ).splitlines() == ["Label 1 2 3", "Next"]
    assert pdf_text(placed_pdf([(72, 700, "Label"), (200, 710, "1 2 3"), (72, 650, "Next")])
                    ).splitlines() == ["Label", "1 2 3", "Next"]


def test_pages_are_joined_by_a_newline() -> None:
    rep = generate_report(0, layout="pdf")
    document = pypdfium2.PdfDocument(rep.data)
    try:
        pages = len(document)
    finally:
        document.close()
    text = pdf_text(rep.data)
    assert len([line for line in text.splitlines() if re.fullmatch(r"[-—] \d+ [-—]", line)]
               ) == pages
    assert "\r" not in text


def test_page_and_text_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    data = generate_report(0, layout="pdf").data
    monkeypatch.setattr(extract.pdf, "MAX_PAGES", 2)
    with pytest.raises(PdfError, match=r"pages; a report has at most 2"):
        pdf_text(data)
    monkeypatch.setattr(extract.pdf, "MAX_PAGES", 100)
    monkeypatch.setattr(extract.pdf, "MAX_TEXT_CHARS", 1000)
    with pytest.raises(PdfError, match="too large"):
        pdf_text(data)


def test_an_inflation_bomb_is_refused_before_pdfium_reads_it() -> None:
    # 200 MB of content operators in ≈ 200 KB: PDFium would inflate and parse it all.
    packer = zlib.compressobj(9)
    chunk = b"(x) Tj " * (1 << 20)
    packed = b"".join(packer.compress(chunk) for _ in range(30)) + packer.flush()
    with pytest.raises(PdfError, match="inflate to more than") as info:
        pdf_text(page_pdf(packed, b" /Filter /FlateDecode"))
    assert "\n" not in str(info.value)


def test_truncated_or_damaged_pdfs_fail_in_one_line_or_read() -> None:
    data = generate_report(3, layout="pdf").data
    damaged = [data[:n] for n in (9, 100, len(data) // 3, len(data) // 2, len(data) - 40)]
    damaged += [data[:n] + b"\x00" * 64 + data[n + 64:] for n in range(200, len(data), 997)]
    for sample in damaged:
        try:
            text = pdf_text(sample)
        except PdfError as err:
            assert str(err) and "\n" not in str(err)
        else:
            assert isinstance(text, str) and text.strip()


def test_threads_read_one_at_a_time_with_the_same_text() -> None:
    files = [generate_report(seed, layout="pdf").data for seed in range(4)]
    alone = [pdf_text(data) for data in files]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(pdf_text, files * 3))
    assert together == alone * 3


# -- real PDFs from the generator (embedded subset fonts, as Word writes them) --------

@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("seed", range(25))
def test_generated_pdfs_round_trip_every_cell(seed: int, template: str) -> None:
    rep = generate_report(seed, layout="pdf", template=template)
    got = extract_bytes(rep.data, name="report.pdf")
    assert cell_differences([f.as_dict() for f in got.facts], rep.facts) == []
    assert (got.agency, got.year, got.template) == (rep.agency, rep.year, rep.template)
    assert (got.format, got.encoding) == ("pdf", "pdf")


def test_tables_run_over_page_breaks_with_the_page_number_between() -> None:
    crossings = 0
    for seed in range(6):
        rep = generate_report(seed, layout="pdf")
        reader = PdfReader(io.BytesIO(rep.data))
        assert len(reader.pages) >= 3
        lines = [line.strip() for line in pdf_text(rep.data).splitlines()]
        numbers = [i for i, line in enumerate(lines) if re.fullmatch(r"[-—] \d+ [-—]", line)]
        assert len(numbers) == len(reader.pages)
        # A page number with table rows (a label and numbers) on both sides of it.
        row = re.compile(r"\S+( [0-9/—-]\S*){3,}$")
        crossings += sum(1 for i in numbers if 0 < i < len(lines) - 1
                         and any(row.search(t) for t in lines[max(0, i - 2):i])
                         and any(row.search(t) for t in lines[i + 1:i + 3]))
    assert crossings >= 3


def test_a_scan_fails_with_no_text_layer() -> None:
    with pytest.raises(ReportError) as info:
        extract_bytes(scan_pdf(7), name="scan.pdf")
    assert str(info.value) == "no text layer"
    with pytest.raises(PdfError, match=r"^no text layer$"):
        pdf_text(scan_pdf(8))


def test_traditional_pdfs_keep_the_printed_characters() -> None:
    rep = generate_report(4, layout="pdf", traditional=True)
    got = extract_bytes(rep.data, name="report.pdf")
    assert cell_differences([f.as_dict() for f in got.facts], rep.facts) == []
    assert "資訊公開" in pdf_text(rep.data) or "信息公開" in pdf_text(rep.data)
    assert any(has_traditional(f.raw_row_label or "") for f in got.facts)
