"""Writes real PDF files: a report's ``pdf_text`` lines drawn on A4 pages, or a scan.

reportlab draws the text with Adobe's CID fonts (``STSong-Light`` for simplified,
``MSung-Light`` for traditional characters). Those fonts are referenced, not
embedded, so no font file is needed on the machine that writes or reads the PDF,
and the text layer maps every character back to Unicode through the standard
``UniGB-UCS2-H`` / ``UniCNS-UCS2-H`` CMaps, as Word's PDFs of Chinese reports do.

Each output line of the PDF renderer is drawn on its own baseline; on a table row
the label starts at the left margin and the values sit in columns to its right, with
real gaps between them, so the reader has to find the cells by position. The page
numbers the renderer puts every ~40 lines (``- 4 -``) close a page: tables run over
page breaks with the page number printed in between. ``scan_pdf`` writes a page that
is an image only, with no text layer, as a scanned report is.
"""

from __future__ import annotations

import io
import re
from functools import cache

from .model import Line

PAGE_WIDTH, PAGE_HEIGHT = 595.0, 842.0  # A4, points
MARGIN = 56.0
FONT_SIZE = 10.0
LEADING = 15.0
VALUE_GAP = 14.0  # points between a label and its first value, and between values
_FOOTER = re.compile(r"[-—] \d+ [-—]")


@cache
def _font(traditional: bool) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    name = "MSung-Light" if traditional else "STSong-Light"
    pdfmetrics.registerFont(UnicodeCIDFont(name))
    return name


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


class _Drawer:
    """Draws lines on a reportlab canvas in one font."""

    def __init__(self, canvas: object, font: str) -> None:
        self.c = canvas
        self.font = font

    @staticmethod
    def width(text: str) -> float:
        """Room for ``text``: every character as wide as a CJK one. (Readers do not
        all agree on the width of the font's ASCII glyphs; a label that seemed to end
        earlier to the reader than here would run into its first value.)"""
        return len(text) * FONT_SIZE

    def line(self, line: Line, y: float) -> None:
        """One line in one text object: the label, then each value at its column."""
        label, values = _cells(line) if line.table else (line.text, [])
        text = self.c.beginText()
        text.setFont(self.font, FONT_SIZE)
        x = MARGIN
        if label:
            text.setTextOrigin(x, y)
            text.textOut(label)
            x += self.width(label) + VALUE_GAP
        for value in values:
            text.setTextOrigin(x, y)
            text.textOut(value)
            x += max(self.width(value), 2 * FONT_SIZE) + VALUE_GAP
        self.c.drawText(text)
        if line.table and values:  # the table's row rule: graphics, not text
            self.c.setLineWidth(0.3)
            self.c.line(MARGIN, y - 4, min(x, PAGE_WIDTH - MARGIN), y - 4)

    def footer(self, text: str) -> None:
        self.c.setFont(self.font, 9)
        self.c.drawCentredString(PAGE_WIDTH / 2, MARGIN / 2, text)


def text_pdf(lines: list[Line], traditional: bool = False) -> bytes:
    """A PDF showing ``lines`` (from the ``pdf_text`` renderer), paginated at its
    page numbers."""
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=1,
                    pageCompression=1)
    drawer = _Drawer(canvas, _font(traditional))
    pages, number_first = _pages(lines)
    for body, number in pages:
        if number is not None and number_first:
            drawer.footer(number)  # drawn first: the reader meets it before the text
        y = PAGE_HEIGHT - MARGIN
        for line in body:
            drawer.line(line, y)
            y -= LEADING
        if number is not None and not number_first:
            drawer.footer(number)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def scan_pdf(seed: int = 0) -> bytes:
    """A one-page PDF that is an image only (a scanned report): no text layer."""
    import random

    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    rng = random.Random(seed)
    image = Image.new("L", (200, 280), 255)
    for _ in range(3000):  # specks where the printed text was
        image.putpixel((rng.randrange(200), rng.randrange(280)), rng.randrange(0, 120))
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=1)
    canvas.drawImage(ImageReader(image), 0, 0, PAGE_WIDTH, PAGE_HEIGHT)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
