"""Read the text layer of a PDF report with pypdf.

pypdf is pure Python, well kept, and its text layer is what the project's real PDF
samples were checked against (r011–r013 ``.txt`` files were made with it), so the
engine sees the same wrapped labels and page footers either way. Scanned PDFs have
no text layer; they fail with a reason instead of producing an empty report.
"""

from __future__ import annotations

import io
import logging

MAX_PAGES = 300

# pypdf logs every malformed object it recovers from; the report's own warnings say
# what matters to the reader.
logging.getLogger("pypdf").setLevel(logging.ERROR)


class PdfError(ValueError):
    """The PDF cannot be read or has no text layer."""


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
        text = "\n".join(page.extract_text() or "" for page in pages)
    except PdfError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as err:
        raise PdfError(f"unreadable PDF: {err}") from err
    if not text.strip():
        raise PdfError("the PDF has no text layer (a scan?); OCR it first")
    return text
