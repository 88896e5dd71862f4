"""Read a report file into lines of text, whatever it is: text, HTML or PDF.

The first step of extraction: a PDF's text layer (refused past a size no report
reaches), a text file decoded in whichever encoding it uses, an HTML page flattened
to lines from the report's title on. Traditional characters are matched as simplified
ones while the lines as printed are kept beside them, so that raw values and labels
quote the source. Every failure is a :class:`ReportError` with a one-line reason.
"""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass
from pathlib import Path

from extract.decode import (
    REPLACEMENT,
    DecodedText,
    DecodeError,
    decode_bytes,
    simplified,
    to_simplified,
)
from extract.html import article_start, html_to_lines, looks_like_html
from extract.pdf import PdfError, pdf_text

# Real reports are tens of kilobytes of text; PDFs with images reach tens of MB but
# their text layer stays small. Anything larger is not a report, and reading it
# would only cost time.
MAX_TEXT_BYTES = 8 * 1024 * 1024
MAX_PDF_BYTES = 200 * 1024 * 1024
_LINE_SPLIT = re.compile(r"\r\n|\r|\n")
# A tag, a comment, a doctype or an entity: what makes a file named .html markup.
_MARKUP = re.compile(r"<\s*/?[A-Za-z!?][^<>]*>|&(?:#\d+|[A-Za-z]+);")


class ReportError(ValueError):
    """The file cannot be read as a report; the message is one line for a human."""


def not_a_report(why: str) -> str:
    """The one wording of every reason that says a file is no report, whichever step
    found it (``xxgk run``'s crawl and extraction, ``xxgk extract``)."""
    return f"not a report: {why}"


@dataclass(frozen=True, slots=True)
class Text:
    lines: list[str]  # as labels are matched (Big5 in simplified characters)
    line_numbers: list[int] | None
    encoding: str | None
    format: str | None
    printed: list[str] | None = None  # as printed, where it differs from ``lines``
    replaced: int = 0  # characters no encoding read, now U+FFFD (extract.decode)


def _lines(text: str) -> list[str]:
    """Lines of the text; a final line break ends the last line, it opens none."""
    # Most text has no carriage returns: a plain split is then the same, and faster.
    lines = text.split("\n") if "\r" not in text else _LINE_SPLIT.split(text)
    if len(lines) > 1 and not lines[-1]:
        lines.pop()
    return lines


def _printed_lines(lines: list[str], printed: str | None) -> list[str] | None:
    """The lines as printed (traditional characters of a Big5 report), so raw values
    and labels quote the source; a line whose conversion changed its length keeps
    the converted text, since cells are cut from both at the same offsets."""
    if printed is None:
        return None
    originals = _lines(printed)
    if len(originals) != len(lines):
        return None
    return [o if len(o) == len(c) else c for o, c in zip(originals, lines, strict=True)]


def read_text(data: bytes, suffix: str) -> Text:
    """Decode any supported file into lines of text."""
    if suffix == ".pdf" or data[:5] == b"%PDF-":
        if len(data) > MAX_PDF_BYTES:
            raise ReportError(f"too large for a report PDF ({len(data) // 2**20} MB)")
        try:
            text, printed = simplified(pdf_text(data))
        except PdfError as err:
            raise ReportError(str(err)) from err
        lines = _lines(text)
        return Text(lines, None, "pdf", "pdf", _printed_lines(lines, printed))
    if len(data) > MAX_TEXT_BYTES:
        raise ReportError(f"too large for a report (more than {MAX_TEXT_BYTES // 2**20} MB)")
    try:
        decoded = decode_bytes(data)
    except DecodeError as err:
        raise ReportError(str(err)) from err
    if looks_like_html(decoded.text) or (suffix in (".html", ".htm")
                                         and _MARKUP.search(decoded.text, 0, 65536)):
        return _html_text(decoded)
    # (A page saved as .html that holds no markup is the report's plain text.)
    lines = _lines(decoded.text)
    return Text(lines, None, decoded.encoding, None, _printed_lines(lines, decoded.printed),
                decoded.replaced)


def _html_text(decoded: DecodedText) -> Text:
    """The lines of an HTML page from the report's title on; a page in traditional
    characters is flattened as printed, then converted, so raw values and labels
    quote the page."""
    source = decoded.printed or decoded.text
    pairs = html_to_lines(source)
    if not pairs:
        raise ReportError("the HTML page has no text (rendered by scripts, or empty)")
    if decoded.replaced:
        pairs = _rows_with_damaged_markup_dropped(pairs, source)
    lines = [t for _, t in pairs]
    numbers = [n for n, _ in pairs]
    printed = None
    if decoded.printed is not None:
        matched = _lines(to_simplified("\n".join(lines)))
        if len(matched) != len(lines):  # never seen: OpenCC maps characters one for one
            matched = [to_simplified(t) for t in lines]
        lines, printed = matched, _printed_lines(matched, "\n".join(lines))
    # A crawled page's menus and breadcrumb before the title are the site's, not the
    # report's.
    start = article_start(lines)
    if start:
        lines, numbers = lines[start:], numbers[start:]
        printed = printed[start:] if printed else None
    return Text(lines, numbers, decoded.encoding, "html", printed, decoded.replaced)


def _rows_with_damaged_markup_dropped(pairs: list[tuple[int, str]],
                                      source: str) -> list[tuple[int, str]]:
    """Table rows whose markup holds a byte no encoding read: the damage may have cut
    or merged their cells (``</t�>``) without leaving a trace in their text, so where
    their cells stand cannot be told. They are left out (their rows are reported
    missing); damage inside a cell's text stays in it, and costs that cell only."""
    damaged = {source.count("\n", 0, i) + 1 for i in _structural_damage(source)}
    kept = []
    last = max(damaged, default=0) + 1
    for i, (start, text) in enumerate(pairs):
        # The row's markup: from its line to the next row's (its own line at least).
        end = max(pairs[i + 1][0] if i + 1 < len(pairs) else last, start + 1)
        hit = any(start <= n < end for n in damaged)
        if not (hit and "|" in text and REPLACEMENT not in text):
            kept.append((start, text))
    return kept


_TAG_NAME = re.compile(r"<[A-Za-z][\w:-]*\s")


def _structural_damage(source: str) -> list[int]:
    """Offsets of the U+FFFD in a page that may have changed its structure: all but
    those inside a tag's attributes (a style, a width), which the table's cells never
    see, where the tag's name and quotes are intact."""
    found = []
    at = source.find(REPLACEMENT)
    while at >= 0:
        start, end = source.rfind("<", 0, at), source.find(">", at)
        tag = source[start : end + 1] if start >= 0 and end >= 0 else ""
        name = _TAG_NAME.match(tag)
        harmless = (name is not None and start + name.end() <= at and ">" not in tag[:-1]
                    and "<" not in tag[1:] and tag.count('"') % 2 == 0
                    and tag.count("'") % 2 == 0)
        if not harmless:
            found.append(at)
        at = source.find(REPLACEMENT, at + 1)
    return found


def read_file(path: Path) -> bytes:
    """The file's bytes, refusing devices, pipes and anything over the size limit."""
    limit = MAX_PDF_BYTES if path.suffix.lower() == ".pdf" else MAX_TEXT_BYTES
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise ReportError("not a regular file")
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)  # st_size can lie (/proc); never read more
    except OSError as err:
        raise ReportError(f"cannot read: {err.strerror or err}") from err
    if len(data) > limit:
        raise ReportError(f"too large for a report (more than {limit // 2**20} MB)")
    return data
