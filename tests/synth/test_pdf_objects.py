"""The generator's minimal PDF writer (synth.pdf_objects)."""

from __future__ import annotations

import re
import zlib

import pytest

from synth.pdf_objects import PdfObjects, pdf_number, ref


def test_xref_offsets_point_at_their_objects() -> None:
    objects = PdfObjects()
    tree = objects.reserve()
    content = objects.add_stream(b"BT ET")
    objects.fill(tree, b"<< /Type /Pages /Kids [] /Count 0 >>")
    catalog = objects.add(b"<< /Type /Catalog /Pages %s >>" % ref(tree))
    data = objects.write(catalog)
    start = int(re.search(rb"startxref\n(\d+)", data).group(1))
    assert data[start:].startswith(b"xref\n0 4\n")
    offsets = [int(line[:10]) for line in data[start:].split(b"\n")[3:6]]
    assert [data[o:o + 8] for o in offsets] == [b"1 0 obj\n", b"2 0 obj\n", b"3 0 obj\n"]
    assert b"/Root 3 0 R" in data and (tree, content, catalog) == (1, 2, 3)


def test_streams_are_flate_compressed_with_their_length() -> None:
    objects = PdfObjects()
    objects.add_stream(b"0 0 m 10 10 l S" * 50, b"/Length1 750")
    data = objects.write(1)
    head, rest = data.split(b"\nstream\n", 1)
    packed = rest.split(b"\nendstream", 1)[0]
    assert re.search(rb"/Length (\d+)", head).group(1) == str(len(packed)).encode()
    assert b"/Filter /FlateDecode /Length1 750" in head
    assert zlib.decompress(packed) == b"0 0 m 10 10 l S" * 50


def test_a_reserved_object_must_be_filled() -> None:
    objects = PdfObjects()
    objects.reserve()
    with pytest.raises(ValueError, match="never filled"):
        objects.write(1)


def test_numbers() -> None:
    assert [pdf_number(v) for v in (56.0, 297.5, 0.333, -0.001, 12.10)] == [
        b"56", b"297.5", b"0.33", b"0", b"12.1"]
