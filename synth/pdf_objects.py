"""A minimal PDF file writer: numbered objects, Flate-compressed streams, a
cross-reference table.

Why its own: the generator's PDFs embed fonts the way Word does (Type0,
Identity-H, ToUnicode; see ``pdf_font``), which reportlab's canvas cannot write,
and the bytes must follow from the seed alone: no dates, no random document ids,
nothing that changes with a library's version. A report page needs only text,
lines and an image, so the writer stays small.
"""

from __future__ import annotations

import zlib

HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"  # the binary comment marks the file as binary


class PdfObjects:
    """Objects added in order (number 1 first), written with their xref table."""

    def __init__(self) -> None:
        self._bodies: list[bytes | None] = []

    def reserve(self) -> int:
        """A number for an object written later with ``fill`` (e.g. the page tree,
        which its pages point back to)."""
        self._bodies.append(None)
        return len(self._bodies)

    def fill(self, number: int, body: bytes) -> None:
        """Give a reserved object its body."""
        self._bodies[number - 1] = body

    def add(self, body: bytes) -> int:
        """A new object with ``body`` (a PDF dictionary, array…); its number."""
        self._bodies.append(body)
        return len(self._bodies)

    def add_stream(self, data: bytes, entries: bytes = b"") -> int:
        """A new stream object, Flate-compressed; ``entries`` go into its dictionary
        beside ``/Length`` and ``/Filter``."""
        packed = zlib.compress(data, 6)
        head = b"<< /Length %d /Filter /FlateDecode%s >>" % (
            len(packed), b" " + entries if entries else b"")
        return self.add(head + b"\nstream\n" + packed + b"\nendstream")

    def write(self, root: int, info: int | None = None) -> bytes:
        """The whole file, ``root`` being the catalog's number."""
        parts = [HEADER]
        size = len(HEADER)
        offsets = []
        for number, body in enumerate(self._bodies, start=1):
            if body is None:
                raise ValueError(f"object {number} was reserved but never filled")
            chunk = b"%d 0 obj\n%s\nendobj\n" % (number, body)
            offsets.append(size)
            parts.append(chunk)
            size += len(chunk)
        count = len(self._bodies) + 1
        parts.append(b"xref\n0 %d\n0000000000 65535 f \n" % count)
        parts += [b"%010d 00000 n \n" % offset for offset in offsets]
        trailer = b"/Size %d /Root %d 0 R" % (count, root)
        if info is not None:
            trailer += b" /Info %d 0 R" % info
        parts.append(b"trailer\n<< %s >>\nstartxref\n%d\n%%%%EOF\n" % (trailer, size))
        return b"".join(parts)


def ref(number: int) -> bytes:
    """An indirect reference to object ``number``."""
    return b"%d 0 R" % number


def pdf_number(value: float) -> bytes:
    """A real number as PDF writes it: at most two decimals, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return (text if text not in ("-0", "") else "0").encode("ascii")
