"""Read the text layer of a PDF report with pypdf.

pypdf is pure Python, well kept, and its text layer is what the project's real PDF
samples were checked against (r011–r013 ``.txt`` files were made with it), so the
engine sees the same wrapped labels and page footers either way. Scanned PDFs have
no text layer; they fail with a reason instead of producing an empty report.
"""

from __future__ import annotations

import io
import logging

MAX_PAGES = 100
# A text layer larger than this is not a report; stopping early also bounds the cost
# of a small file whose pages share one huge content stream.
MAX_TEXT_CHARS = 4 * 1024 * 1024
# The reason a scanned PDF (images only) fails with: the project does no OCR.
NO_TEXT_LAYER = "no text layer"

# pypdf logs every malformed object it recovers from; the report's own warnings say
# what matters to the reader.
logging.getLogger("pypdf").setLevel(logging.ERROR)


class PdfError(ValueError):
    """The PDF cannot be read or has no text layer."""


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())[:200]


def pdf_text(data: bytes) -> str:
    """The text layer of every page, pages separated by a newline."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise PdfError("the PDF is encrypted")
        pages = reader.pages
        if len(pages) > MAX_PAGES:
            raise PdfError(f"the PDF has {len(pages)} pages; a report has at most {MAX_PAGES}")
        texts, size = [], 0
        for page in pages:
            texts.append(page.extract_text() or "")
            size += len(texts[-1])
            if size > MAX_TEXT_CHARS:
                raise PdfError("the PDF's text layer is too large for a report")
        text = "\n".join(texts)
    except PdfError:
        raise
    except PdfReadError as err:
        raise PdfError(f"unreadable PDF: {_one_line(err)}") from err
    except Exception as err:
        # pypdf raises many kinds of errors on broken files (NotImplementedError for an
        # unknown filter, AssertionError, its own LimitReachedError…): all are one
        # unreadable file.
        raise PdfError(f"unreadable PDF ({type(err).__name__}: {_one_line(err)})") from err
    if not text.strip():
        raise PdfError(NO_TEXT_LAYER)
    return text
