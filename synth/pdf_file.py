"""Writes real PDF files: a report's ``pdf_text`` lines drawn on A4 pages, or a scan.

The text is drawn in two fonts embedded as Word embeds them (``pdf_font``): a CJK
font for Chinese characters and full-width punctuation, a Latin one for ASCII
(figures, ``1.`` item numbers, the spaces inside labels), each a ``Type0`` /
``Identity-H`` subset of the characters the report uses, with a ``ToUnicode`` map.
So a reader pays what a real report costs it, and nothing depends on the fonts
installed on the machine that writes or reads the file.

Each output line of the PDF renderer is drawn on its own baseline; on a table row
the label starts at the left margin and the values sit in columns to its right, with
real gaps between them, so the reader has to find the cells by position. The page
numbers the renderer puts every ~40 lines (``- 4 -``) close a page: tables run over
page breaks with the page number printed in between. ``scan_pdf`` writes a page that
is an image only, with no text layer, as a scanned report is.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from .model import Line
from .pdf_font import ASCENT, DESCENT, UNITS_PER_EM, SubsetFont, subset_font
from .pdf_objects import PdfObjects, pdf_number, ref

PAGE_WIDTH, PAGE_HEIGHT = 595.0, 842.0  # A4, points
MARGIN = 56.0
FONT_SIZE = 10.0
FOOTER_SIZE = 9.0
LEADING = 15.0
VALUE_GAP = 14.0  # points between a label and its first value, and between values
_FOOTER = re.compile(r"[-—] \d+ [-—]")
_RUNS = re.compile(r"[\x00-\x7f]+|[^\x00-\x7f]+")  # ASCII runs, other runs
_PRODUCER = b"<< /Producer (xxgk synth) >>"


def _cells(line: Line) -> tuple[str, list[str]]:
    """A table line as (label, values): its last words are its value cells, one per
    printed fact (derived facts ride on a printed cell)."""
    n = sum(1 for f in line.facts if f.cell != "derived")
    words = line.text.split(" ")
    if not n or n > len(words):
        return line.text, []
    return " ".join(words[:-n]), words[-n:]


def _pages(lines: list[Line]) -> tuple[list[tuple[list[Line], str | None]], bool]:
    """Lines cut into pages at the page numbers: [(body, page number or None)], and
    whether each number comes before its page's text (as the renderer drew it)."""
    first = bool(lines) and _FOOTER.fullmatch(lines[0].text) is not None
    pages: list[tuple[list[Line], str | None]] = []
    body: list[Line] = []
    number: str | None = None
    for line in lines:
        if _FOOTER.fullmatch(line.text) is None:
            body.append(line)
        elif first:  # a number opens the next page
            if body or number:
                pages.append((body, number))
            body, number = [], line.text
        else:  # a number closes this page
            pages.append((body, line.text))
            body = []
    if body or number:
        pages.append((body, number))
    return pages, first


@dataclass(frozen=True)
class _Fonts:
    """The document's two embedded fonts and their resource names."""

    cjk: SubsetFont | None  # /F1
    latin: SubsetFont | None  # /F2

    @classmethod
    def for_text(cls, text: str, traditional: bool) -> _Fonts:
        """Subsets holding every character of ``text``."""
        wide = {c for c in text if not c.isascii()}
        narrow = {c for c in text if c.isascii() and c not in "\n\r"}
        family = "XxgkMing" if traditional else "XxgkSong"
        return cls(subset_font(family, wide) if wide else None,
                   subset_font("XxgkSerif", narrow) if narrow else None)

    def runs(self, text: str) -> list[tuple[bytes, SubsetFont, str]]:
        """``text`` cut into runs of one font: (resource name, font, run)."""
        out = []
        for run in _RUNS.findall(text):
            name, font = (b"/F2", self.latin) if run.isascii() else (b"/F1", self.cjk)
            if font is None:  # the fonts were made from all the text drawn
                raise ValueError(f"no font holds {run!r}")
            out.append((name, font, run))
        return out

    def width(self, text: str, size: float) -> float:
        return sum(font.width(run, size) for _, font, run in self.runs(text))


class _PageDrawer:
    """Collects one page's content stream: text objects and table rules."""

    def __init__(self, fonts: _Fonts) -> None:
        self.fonts = fonts
        self.ops: list[bytes] = []

    @staticmethod
    def room(text: str) -> float:
        """Room for ``text``: every character as wide as a CJK one, so a label never
        runs into its first value whatever its mix of figures and characters."""
        return len(text) * FONT_SIZE

    def _show(self, text: str, x: float, y: float, size: float) -> None:
        """Place the text position at (x, y) and show ``text``, switching fonts
        between runs (the text position carries on, so no gap opens between them)."""
        self.ops.append(b"1 0 0 1 %s %s Tm" % (pdf_number(x), pdf_number(y)))
        for name, font, run in self.fonts.runs(text):
            self.ops.append(b"%s %s Tf %s Tj" % (name, pdf_number(size), font.encode(run)))

    def line(self, line: Line, y: float) -> None:
        """One line in one text object: the label, then each value at its column."""
        label, values = _cells(line) if line.table else (line.text, [])
        self.ops.append(b"BT")
        x = MARGIN
        if label:
            self._show(label, x, y, FONT_SIZE)
            x += self.room(label) + VALUE_GAP
        for value in values:
            self._show(value, x, y, FONT_SIZE)
            x += max(self.room(value), 2 * FONT_SIZE) + VALUE_GAP
        self.ops.append(b"ET")
        if line.table and values:  # the table's row rule: graphics, not text
            end = min(x, PAGE_WIDTH - MARGIN)
            self.ops.append(b"0.3 w %s %s m %s %s l S" % (
                pdf_number(MARGIN), pdf_number(y - 4), pdf_number(end), pdf_number(y - 4)))

    def footer(self, text: str) -> None:
        """The page number, centred under the text."""
        x = (PAGE_WIDTH - self.fonts.width(text, FOOTER_SIZE)) / 2
        self.ops.append(b"BT")
        self._show(text, x, MARGIN / 2, FOOTER_SIZE)
        self.ops.append(b"ET")

    def content(self) -> bytes:
        return b"\n".join(self.ops)


def _embed_font(objects: PdfObjects, font: SubsetFont) -> int:
    """The font's five objects (Type0, CIDFontType2, descriptor, program, ToUnicode);
    the number of the Type0 font."""
    name = b"/" + font.name.encode("ascii")
    program = objects.add_stream(font.program, b"/Length1 %d" % len(font.program))
    descriptor = objects.add(
        b"<< /Type /FontDescriptor /FontName %s /Flags 4 /FontBBox [0 %d %d %d] "
        b"/ItalicAngle 0 /Ascent %d /Descent %d /CapHeight 700 /StemV 80 /FontFile2 %s >>"
        % (name, DESCENT, UNITS_PER_EM, ASCENT, ASCENT, DESCENT, ref(program)))
    descendant = objects.add(
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont %s "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
        b"/FontDescriptor %s /DW %d /W %s /CIDToGIDMap /Identity >>"
        % (name, ref(descriptor), UNITS_PER_EM, font.cid_widths()))
    to_unicode = objects.add_stream(font.to_unicode())
    return objects.add(
        b"<< /Type /Font /Subtype /Type0 /BaseFont %s /Encoding /Identity-H "
        b"/DescendantFonts [%s] /ToUnicode %s >>" % (name, ref(descendant), ref(to_unicode)))


def _font_resources(objects: PdfObjects, fonts: _Fonts) -> bytes:
    """The pages' shared ``/Font`` resource dictionary."""
    entries = []
    if fonts.cjk is not None:
        entries.append(b"/F1 %s" % ref(_embed_font(objects, fonts.cjk)))
    if fonts.latin is not None:
        entries.append(b"/F2 %s" % ref(_embed_font(objects, fonts.latin)))
    return b"<< /Font << %s >> >>" % b" ".join(entries)


def _add_page(objects: PdfObjects, tree: int, content: bytes, resources: bytes) -> int:
    stream = objects.add_stream(content)
    return objects.add(
        b"<< /Type /Page /Parent %s /MediaBox [0 0 %s %s] /Resources %s /Contents %s >>"
        % (ref(tree), pdf_number(PAGE_WIDTH), pdf_number(PAGE_HEIGHT), resources, ref(stream)))


def _finish(objects: PdfObjects, tree: int, pages: list[int]) -> bytes:
    """The page tree, catalog and info filled in; the file's bytes."""
    kids = b" ".join(ref(p) for p in pages)
    objects.fill(tree, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(pages)))
    catalog = objects.add(b"<< /Type /Catalog /Pages %s >>" % ref(tree))
    return objects.write(catalog, objects.add(_PRODUCER))


def text_pdf(lines: list[Line], traditional: bool = False) -> bytes:
    """A PDF showing ``lines`` (from the ``pdf_text`` renderer), paginated at its
    page numbers."""
    objects = PdfObjects()
    tree = objects.reserve()
    fonts = _Fonts.for_text("".join(line.text for line in lines), traditional)
    resources = _font_resources(objects, fonts)
    page_numbers, number_first = _pages(lines)
    pages = []
    for body, number in page_numbers:
        drawer = _PageDrawer(fonts)
        if number is not None and number_first:
            drawer.footer(number)  # drawn first: the reader meets it before the text
        y = PAGE_HEIGHT - MARGIN
        for line in body:
            drawer.line(line, y)
            y -= LEADING
        if number is not None and not number_first:
            drawer.footer(number)
        pages.append(_add_page(objects, tree, drawer.content(), resources))
    return _finish(objects, tree, pages)


def _speckled_image(seed: int, width: int, height: int) -> bytes:
    """Grey pixels, row by row: white paper with dark specks where text was."""
    rng = random.Random(seed)
    pixels = bytearray(b"\xff" * (width * height))
    for _ in range(3000):
        x, y = rng.randrange(width), rng.randrange(height)
        pixels[y * width + x] = rng.randrange(0, 120)
    return bytes(pixels)


def scan_pdf(seed: int = 0) -> bytes:
    """A one-page PDF that is an image only (a scanned report): no text layer."""
    width, height = 200, 280
    objects = PdfObjects()
    tree = objects.reserve()
    image = objects.add_stream(
        _speckled_image(seed, width, height),
        b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8" % (width, height))
    content = b"q %s 0 0 %s 0 0 cm /Im1 Do Q" % (pdf_number(PAGE_WIDTH), pdf_number(PAGE_HEIGHT))
    resources = b"<< /XObject << /Im1 %s >> >>" % ref(image)
    return _finish(objects, tree, [_add_page(objects, tree, content, resources)])
