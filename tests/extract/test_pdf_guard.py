"""The inflation guard in front of PDFium (extract.pdf_guard), on streams built here:
budgets, fonts and images, and the filters however they are written (name escapes,
references, arrays of references)."""

from __future__ import annotations

import time
import zlib
from pathlib import Path

import pytest

import extract.pdf_guard as guard
from extract.pdf_guard import InflationLimitError, check_inflated_size
from synth import generate_report, hostile


def stream(data: bytes, entries: bytes = b"") -> bytes:
    """One stream object holding ``data`` as stored."""
    return (b"4 0 obj\n<< /Length %d%s >>\nstream\n" % (len(data), entries) + data
            + b"\nendstream\nendobj\n")


def pdf_of(*streams: bytes) -> bytes:
    return b"%PDF-1.7\n" + b"".join(streams) + b"%%EOF\n"


FLATE = b" /Filter /FlateDecode"


def test_a_small_file_passes_without_inflating_anything(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*_: object) -> int:
        raise AssertionError("inflated although the worst case fits the budget")

    monkeypatch.setattr(guard, "_count_inflated", never)
    check_inflated_size(generate_report(1, layout="pdf").data)


def test_corpus_pdfs_pass(corpus: Path) -> None:
    for stem in ("r011", "r012", "r013"):
        check_inflated_size((corpus / "reports" / f"{stem}.pdf").read_bytes())


def test_content_is_counted_exactly_when_the_worst_case_could_overrun() -> None:
    content = zlib.compress(b"0 0 m 10 10 l S\n" * 1000)  # 16,000 bytes inflated
    check_inflated_size(pdf_of(stream(content, FLATE)), parsed_budget=16_000)
    with pytest.raises(InflationLimitError, match="content streams inflate to more than"):
        check_inflated_size(pdf_of(stream(content, FLATE)), parsed_budget=15_999)
    # Spread over streams, the count is the sum.
    with pytest.raises(InflationLimitError):
        check_inflated_size(pdf_of(stream(content, FLATE), stream(content, FLATE)),
                            parsed_budget=30_000)


def test_a_flate_inside_a_flate_is_inflated_through_both() -> None:
    inner = zlib.compress(b"\x00" * 2_000_000)
    data = pdf_of(stream(zlib.compress(inner), b" /Filter [/FlateDecode /FlateDecode]"))
    with pytest.raises(InflationLimitError):
        check_inflated_size(data, parsed_budget=1_000_000)
    check_inflated_size(data, parsed_budget=2_000_000)


def test_fonts_have_their_own_budget_and_images_none() -> None:
    program = zlib.compress(b"\x00" * 500_000)
    font = stream(program, FLATE + b" /Length1 500000")
    check_inflated_size(pdf_of(font), parsed_budget=1000, font_budget=500_000)
    with pytest.raises(InflationLimitError, match="fonts inflate"):
        check_inflated_size(pdf_of(font), parsed_budget=10**9, font_budget=400_000)
    image = stream(program, FLATE + b" /Subtype /Image /Width 1000 /Height 500")
    check_inflated_size(pdf_of(image), parsed_budget=1000, font_budget=1000)


def test_broken_or_unknown_data_counts_as_stored() -> None:
    check_inflated_size(pdf_of(stream(b"not zlib at all" * 10, FLATE)), parsed_budget=150)
    with pytest.raises(InflationLimitError):
        check_inflated_size(pdf_of(stream(b"not zlib at all" * 10, FLATE)), parsed_budget=149)
    lzw = stream(b"\x80" * 100, b" /Filter /LZWDecode")
    check_inflated_size(pdf_of(lzw), parsed_budget=100)


def test_the_word_stream_inside_a_stream_opens_no_other() -> None:
    content = b"BT (stream\n" + b"x" * 100 + b") Tj ET"
    check_inflated_size(pdf_of(stream(content)), parsed_budget=len(content))
    with pytest.raises(InflationLimitError):
        check_inflated_size(pdf_of(stream(content)), parsed_budget=len(content) - 1)


# ------------------------------------------------ the cheap bypasses, closed

BOMB = zlib.compress(b"\x00" * 2_000_000)  # inflates to 2 MB


@pytest.mark.parametrize("entries, extra", [
    (b" /Filter /FlateDecod#65", []),  # a name escape, as a reader decodes it
    (b" /Filt#65r /Fl#61teDecode", []),  # the key escaped too
    (b" /Filter [/FlateDecode]", []),
    (b" /Filter 9 0 R", [b"9 0 obj\n/FlateDecode\nendobj\n"]),  # by reference
    (b" /Filter [9 0 R]", [b"9 0 obj\n/FlateDecode\nendobj\n"]),  # an array of them
    (b" /Filter 9 0 R", [b"9 0 obj\n[/FlateDecode]\nendobj\n"]),  # a referenced array
    (b" /Filter 9 0 R", [b"9 0 obj\n[/Fl#61teDecode]\nendobj\n"]),
    # The last definition of an object wins, as in an incrementally updated file.
    (b" /Filter 9 0 R", [b"9 0 obj\n/LZWDecode\nendobj\n", b"9 0 obj\n/FlateDecode\nendobj\n"]),
])
def test_a_flate_filter_however_written_is_inflated(entries: bytes, extra: list[bytes]) -> None:
    data = pdf_of(stream(BOMB, entries), *extra)
    with pytest.raises(InflationLimitError):
        check_inflated_size(data, parsed_budget=1_000_000)
    check_inflated_size(data, parsed_budget=2_000_000)


def test_a_filter_reference_not_found_counts_the_stream_as_stored() -> None:
    data = pdf_of(stream(BOMB, b" /Filter 9 0 R"))
    check_inflated_size(data, parsed_budget=len(BOMB))
    with pytest.raises(InflationLimitError):
        check_inflated_size(data, parsed_budget=len(BOMB) - 1)


def test_the_bombs_that_slip_past_the_guard_are_the_limits_business() -> None:
    """Dressed as an image and a font program, or encrypted: the guard cannot tell,
    and passes them at once; the worker's memory and time limits bound them
    (tests/load/batch/test_process.py runs them)."""
    for kind in ("extra_keys", "rc4"):
        started = time.monotonic()
        check_inflated_size(hostile.bomb_pdf(64 * 2**20, kind))
        assert time.monotonic() - started < 1
    for kind in ("plain", "escaped", "reference", "references"):
        with pytest.raises(InflationLimitError):
            check_inflated_size(hostile.bomb_pdf(64 * 2**20, kind))
