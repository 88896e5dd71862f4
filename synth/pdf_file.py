"""Writes real PDF files: a report's ``pdf_text`` lines drawn on A4 pages, or a scan.

The files are written by fpdf2, which embeds fonts as Word does: each a ``Type0`` /
``Identity-H`` font over a ``CIDFontType2`` subset (``FontFile2``) with a
``ToUnicode`` map. The text is drawn in two fonts of the generator's own making
(``pdf_font``): a CJK one for Chinese characters and full-width punctuation, a Latin
one for ASCII (figures, ``1.`` item numbers, the spaces inside labels). So a reader
pays what a real report costs it, and nothing depends on the fonts installed on the
machine that writes or reads the file.

Each output line of the PDF renderer is drawn on its own baseline; on a table row
the label starts at the left margin and the values sit in columns to its right, with
real gaps between them, so the reader has to find the cells by position. The page
numbers the renderer puts every ~40 lines (``- 4 -``) close a page: tables run over
page breaks with the page number printed in between. ``scan_pdf`` writes a page that
is an image only, with no text layer, as a scanned report is.

The bytes follow from the lines alone: the creation date is fixed, there is no file
identifier, and the producer names the generator, not the library's version.
"""

from __future__ import annotations

import random
import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF
from PIL import Image

from .model import Line
from .pdf_font import font_program

MARGIN = 56.0  # points
FONT_SIZE = 10.0
FOOTER_SIZE = 9.0
LEADING = 15.0
VALUE_GAP = 14.0  # points between a label and its first value, and between values
RULE_WIDTH = 0.3  # the table rows' rules
# Fixed, so the same lines give the same bytes (fpdf2 cannot leave the date out).
CREATION_DATE = datetime(2024, 1, 1, tzinfo=UTC)
PRODUCER = "xxgk synth"
LATIN = "XxgkSerif"  # the font of ASCII runs
_FOOTER = re.compile(r"[-—] \d+ [-—]")
_RUNS = re.compile(r"[\x00-\x7f]+|[^\x00-\x7f]+")  # ASCII runs, other runs


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


class _Document(FPDF):
    """An fpdf2 document on A4 pages in points, reproducible: a fixed creation date,
    no file identifier, PDF 1.7 as Word writes, pages broken only where asked."""

    def __init__(self) -> None:
        super().__init__(unit="pt", format="A4")
        self.pdf_version = "1.7"  # fpdf2 raises it only for features a page uses
        self.set_creation_date(CREATION_DATE)
        self.set_producer(PRODUCER)
        self.set_auto_page_break(False)

    def file_id(self) -> str | None:
        """None: no ``/ID`` (fpdf2's default hashes the file with its date)."""
        return None


def _add_fonts(pdf: _Document, text: str, traditional: bool, folder: Path) -> str:
    """Fonts holding every character of ``text``, written to ``folder`` for fpdf2 to
    embed (it reads fonts from files); the CJK font's family."""
    cjk = "XxgkMing" if traditional else "XxgkSong"
    wide = {c for c in text if not c.isascii()}
    narrow = {c for c in text if c.isascii() and c not in "\n\r"}
    for family, chars in ((cjk, wide), (LATIN, narrow)):
        if chars:
            path = folder / f"{family}.ttf"
            path.write_bytes(font_program(family, chars))
            pdf.add_font(family, fname=path)
    return cjk


class _Pen:
    """Draws lines of text and table rules on the document's current page."""

    def __init__(self, pdf: _Document, cjk: str) -> None:
        self.pdf = pdf
        self.cjk = cjk

    @staticmethod
    def room(text: str) -> float:
        """Room for ``text``: every character as wide as a CJK one, so a label never
        runs into its first value whatever its mix of figures and characters."""
        return len(text) * FONT_SIZE

    def _runs(self, text: str, size: float) -> Iterator[str]:
        """``text`` cut into runs of one font, each run's font set when it comes."""
        for run in _RUNS.findall(text):
            self.pdf.set_font(LATIN if run.isascii() else self.cjk, size=size)
            yield run

    def show(self, text: str, x: float, y: float, size: float) -> None:
        """``text`` with its baseline at ``y`` (from the top), from ``x`` on, one run
        after the other, each starting where the last one ended (so no gap opens
        between them)."""
        for run in self._runs(text, size):
            self.pdf.text(x, y, run)
            x += self.pdf.get_string_width(run)

    def width(self, text: str, size: float) -> float:
        """The advance of ``text`` drawn at ``size`` points."""
        return sum(self.pdf.get_string_width(run) for run in self._runs(text, size))

    def line(self, line: Line, y: float) -> None:
        """One line: the label at the margin, then each value at its column."""
        label, values = _cells(line) if line.table else (line.text, [])
        x = MARGIN
        if label:
            self.show(label, x, y, FONT_SIZE)
            x += self.room(label) + VALUE_GAP
        for value in values:
            self.show(value, x, y, FONT_SIZE)
            x += max(self.room(value), 2 * FONT_SIZE) + VALUE_GAP
        if line.table and values:  # the table's row rule: graphics, not text
            end = min(x, self.pdf.w - MARGIN)
            self.pdf.line(MARGIN, y + 4, end, y + 4)

    def footer(self, text: str) -> None:
        """The page number, centred under the text."""
        x = (self.pdf.w - self.width(text, FOOTER_SIZE)) / 2
        self.show(text, x, self.pdf.h - MARGIN / 2, FOOTER_SIZE)


def text_pdf(lines: list[Line], traditional: bool = False) -> bytes:
    """A PDF showing ``lines`` (from the ``pdf_text`` renderer), paginated at its
    page numbers."""
    pdf = _Document()
    with tempfile.TemporaryDirectory(prefix="xxgk-synth-") as folder:
        cjk = _add_fonts(pdf, "".join(line.text for line in lines), traditional, Path(folder))
        pen = _Pen(pdf, cjk)
        pages, number_first = _pages(lines)
        pdf.set_line_width(RULE_WIDTH)  # every page's, from its start
        for body, number in pages:
            pdf.add_page()
            if number is not None and number_first:
                pen.footer(number)  # drawn first: the reader meets it before the text
            y = MARGIN
            for line in body:
                pen.line(line, y)
                y += LEADING
            if number is not None and not number_first:
                pen.footer(number)
        return bytes(pdf.output())


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
    pdf = _Document()
    pdf.add_page()
    image = Image.frombytes("L", (width, height), _speckled_image(seed, width, height))
    pdf.image(image, x=0, y=0, w=pdf.w, h=pdf.h)
    return bytes(pdf.output())
