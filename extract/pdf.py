"""Read the text layer of a PDF report with PDFium (pypdfium2).

Why PDFium: a report PDF's text layer is all the engine needs, and PDFium (Chrome's
PDF library, in C, fuzzed continuously; pypdfium2 ships it in its PyPI wheels, so
nothing is fetched or compiled at install or run time) reads it 10–25× faster than
pypdf, the pure-Python reader used before, with the same facts on every corpus PDF
(benchmarks/README.md, "PDF readers"). pypdf is not kept as a fallback: PDFium
repairs broken files at least as well, and a second reader would make a report's
text depend on which of the two happened to succeed.

Why the lines are joined again here: PDFium starts a new line wherever the next
character is not where the previous one ended, so a row label set slightly lower
than its values (vertically centred in its cell: r011's ``（四）无`` beside
``1.本机关不掌握相关政府信息 746 …``) lands on a line of its own. pypdf, whose text
layer the engine and the corpus ``.txt`` files were checked against, breaks a line
only when the baseline moves by more than 0.8 of the font size; every break PDFium
makes within that distance is turned back into a space, so both readers give the
engine the same rows.

Scanned PDFs have no text layer; they fail with a reason instead of producing an
empty report. Encrypted, broken or hostile files fail with one line (``PdfError``);
streams that would inflate beyond any report's are refused before PDFium sees them
(``pdf_guard``). PDFium has no limits of its own: what the guard cannot tell (a form
that draws itself, a bomb dressed as an image or encrypted) is bounded by the memory
and processor-time limits of the worker process that parses the file
(``load.batch.pool``), which PDFium's abort on a failed allocation or the timer's
signal ends.
"""

from __future__ import annotations

import ctypes
import threading
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING

from extract.pdf_guard import InflationLimitError, check_inflated_size

if TYPE_CHECKING:
    from pypdfium2 import PdfDocument, PdfTextPage

MAX_PAGES = 100
# A text layer larger than this is not a report. Counted page by page before the
# text is copied out; what PDFium parses before that is bounded by ``pdf_guard`` and
# by the limits of the worker that parses the file.
MAX_TEXT_CHARS = 4 * 1024 * 1024
# The reason a scanned PDF (images only) fails with: the project does no OCR.
NO_TEXT_LAYER = "no text layer"
# pypdf's rule for a new line, kept: the baseline moved by more than this share of
# the smaller of the two characters' font sizes.
NEW_LINE_SHIFT = 0.8
# PDFium's own line break in the text it returns.
_PDFIUM_BREAK = "\r\n"
# PDFium is not thread-safe, not even across documents: one call at a time per process.
_PDFIUM_LOCK = threading.Lock()


class PdfError(ValueError):
    """The PDF cannot be read or has no text layer."""


@cache
def _pdfium() -> ModuleType:
    """pypdfium2, imported on the first PDF (it loads a 5 MB shared library)."""
    import pypdfium2

    return pypdfium2


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())[:200]


def pdf_text(data: bytes) -> str:
    """The text layer of every page, pages separated by a newline."""
    try:
        check_inflated_size(data)
    except InflationLimitError as err:
        raise PdfError(str(err)) from err
    pdfium = _pdfium()
    with _PDFIUM_LOCK:
        try:
            text = _document_text(data)
        except PdfError:
            raise
        except pdfium.PdfiumError as err:
            raise PdfError(_load_error(err)) from err
        except Exception as err:  # a failure inside the binding: still one unreadable file
            raise PdfError(f"unreadable PDF ({type(err).__name__}: {_one_line(err)})") from err
    if not text.strip():
        raise PdfError(NO_TEXT_LAYER)
    return text


def _load_error(err: BaseException) -> str:
    """The one-line reason for a PDF that PDFium refused."""
    code = getattr(err, "err_code", None)
    raw = _pdfium().raw
    if code in (raw.FPDF_ERR_PASSWORD, raw.FPDF_ERR_SECURITY):
        return "the PDF is encrypted"
    return f"unreadable PDF: {_one_line(err)}"


def _document_text(data: bytes) -> str:
    """Every page's text, within the page and size limits."""
    document = _pdfium().PdfDocument(data)
    try:
        pages = len(document)
        if pages > MAX_PAGES:
            raise PdfError(f"the PDF has {pages} pages; a report has at most {MAX_PAGES}")
        texts: list[str] = []
        size = 0
        for index in range(pages):
            texts.append(_page_text(document, index, MAX_TEXT_CHARS - size))
            size += len(texts[-1])
        return "\n".join(texts)
    finally:
        document.close()


def _page_text(document: PdfDocument, index: int, room: int) -> str:
    """One page's text, PDFium's line breaks kept only where the baseline moved."""
    page = document[index]
    textpage = page.get_textpage()
    try:
        # Counted before the text is copied out, so an oversized page costs nothing more.
        if textpage.count_chars() > room:
            raise PdfError("the PDF's text layer is too large for a report")
        return _rejoin_lines(textpage, textpage.get_text_range())
    finally:
        textpage.close()
        page.close()


def _rejoin_lines(textpage: PdfTextPage, text: str) -> str:
    """``text`` with every PDFium line break between two characters on the same
    baseline (within pypdf's tolerance) turned into a space, the others into ``\\n``."""
    pieces = text.split(_PDFIUM_BREAK)
    if len(pieces) == 1:
        return text
    glyphs = _Glyphs(textpage)
    out = [pieces[0]]
    at = len(pieces[0])  # text index of the break before the next piece
    for piece in pieces[1:]:
        before = _last_glyph(text, at - 1)
        after = _first_glyph(text, at + len(_PDFIUM_BREAK))
        same = before is not None and after is not None and glyphs.on_one_line(before, after)
        out.append(" " if same else "\n")
        out.append(piece)
        at += len(_PDFIUM_BREAK) + len(piece)
    return "".join(out)


def _last_glyph(text: str, at: int) -> int | None:
    """Text index of the last printed character at or before ``at`` on its line."""
    while at >= 0 and text[at] == " ":
        at -= 1
    return at if at >= 0 and text[at] not in "\r\n" else None


def _first_glyph(text: str, at: int) -> int | None:
    """Text index of the first printed character at or after ``at`` on its line."""
    while at < len(text) and text[at] == " ":
        at += 1
    return at if at < len(text) and text[at] not in "\r\n" else None


class _Glyphs:
    """Where a text page's characters sit, asked of PDFium (one text page, under the
    lock; the ctypes out-parameters are made once, not per question)."""

    def __init__(self, textpage: PdfTextPage) -> None:
        raw = _pdfium().raw
        self.textpage = textpage.raw  # the C handle: no Python wrapper per call
        self._char_index = raw.FPDFText_GetCharIndexFromTextIndex
        self._origin = raw.FPDFText_GetCharOrigin
        self._matrix_of = raw.FPDFText_GetMatrix
        self._font_size = raw.FPDFText_GetFontSize
        self._x, self._y = ctypes.c_double(), ctypes.c_double()
        self._matrix = raw.FS_MATRIX()

    def on_one_line(self, before: int, after: int) -> bool:
        """Whether two characters (text indices) sit on one baseline, as pypdf judges
        it: the baseline moved by at most 0.8 of the smaller font size."""
        first = self._char_index(self.textpage, before)
        second = self._char_index(self.textpage, after)
        if first < 0 or second < 0:
            return False
        shift = abs(self.baseline(first) - self.baseline(second))
        # The second size is asked only when the first does not already decide.
        return (shift <= NEW_LINE_SHIFT * self.font_size(first)
                and shift <= NEW_LINE_SHIFT * self.font_size(second))

    def baseline(self, char: int) -> float:
        """The height of a character's origin on the page."""
        self._origin(self.textpage, char, self._x, self._y)
        return self._y.value

    def font_size(self, char: int) -> float:
        """A character's font size in page units. PDFium's own figure is before the
        text and graphics matrices: Word's PDFs draw 7.45 pt text as 149 units
        scaled by 0.05."""
        matrix = self._matrix
        self._matrix_of(self.textpage, char, matrix)
        scale = (matrix.c * matrix.c + matrix.d * matrix.d) ** 0.5
        return self._font_size(self.textpage, char) * scale
