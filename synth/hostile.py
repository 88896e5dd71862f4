"""Hostile files, made here small and deterministic: what a crawl may bring in that
costs a parser far more than its size.

PDFs (written byte by byte, or encrypted by pypdf): a form that draws itself twice, forms
nested several levels deep each drawing the next many times, and Flate bombs dressed to
slip past ``extract.pdf_guard`` (a name escape, a filter given by reference or as an
array of references, extra dictionary keys, RC4 encryption with an empty password).
Text and HTML: a report padded to just under the size limit, a report nested ≈ 1,000
elements deep, a report behind 20,000 unclosed tags.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Sequence
from functools import cache

from pypdf import PdfReader, PdfWriter

# -------------------------------------------------------------------------- PDFs


def pdf_file(objects: Sequence[bytes], trailer: bytes = b"") -> bytes:
    """A PDF of ``objects`` (numbered from 1; 1 is the catalog) with its xref table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += (b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, trailer, xref))
    return bytes(out)


def stream(data: bytes, entries: bytes = b"") -> bytes:
    return b"<< /Length %d%s >>\nstream\n" % (len(data), entries) + data + b"\nendstream"


_CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
_PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
_FORM = b" /Type /XObject /Subtype /Form /BBox [0 0 100 100]"


def _page(contents: int, resources: bytes = b"") -> bytes:
    return (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents %d 0 R"
            b" /Resources << %s >> >>" % (contents, resources))


def self_drawing_pdf(times: int = 2) -> bytes:
    """A page drawing a form that draws itself ``times`` times (≈ 640 bytes)."""
    return pdf_file([
        _CATALOG, _PAGES, _page(5, b"/XObject << /F0 4 0 R >>"),
        stream(b"/F0 Do " * times, _FORM + b" /Resources << /XObject << /F0 4 0 R >> >>"),
        stream(b"/F0 Do"),
    ])


def nested_forms_pdf(depth: int = 7, times: int = 10) -> bytes:
    """A page drawing a form that draws the next ``times`` times, ``depth`` deep: the
    innermost shows some text ``times ** (depth - 1)`` times."""
    forms = [stream(b"/F0 Do " * times,
                    _FORM + b" /Resources << /XObject << /F0 %d 0 R >> >>" % (5 + level))
             for level in range(depth - 1)]
    forms.append(stream(b"BT /F1 12 Tf 10 10 Td (x) Tj ET 0 0 m 1 1 l S",
                        _FORM + b" /Resources << /Font << /F1 %d 0 R >> >>"
                        % (5 + depth)))
    return pdf_file([
        _CATALOG, _PAGES, _page(4 + depth, b"/XObject << /F0 4 0 R >>"), *forms,
        stream(b"/F0 Do"), b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ])


@cache
def deflated_zeros(n_bytes: int) -> bytes:
    """``n_bytes`` of zeros (whitespace to a content parser), deflated: ≈ 1/1000 of it."""
    squeeze = zlib.compressobj(9)
    chunk = bytes(1 << 20)
    parts = [squeeze.compress(chunk) for _ in range(n_bytes >> 20)]
    return b"".join([*parts, squeeze.compress(bytes(n_bytes & ((1 << 20) - 1))),
                     squeeze.flush()])


def _bomb_page(content: bytes, entries: bytes, extra: Sequence[bytes] = ()) -> bytes:
    return pdf_file([_CATALOG, _PAGES, _page(4), stream(content, entries), *extra])


def bomb_pdf(inflated: int, how: str = "plain") -> bytes:
    """A page whose content stream inflates to ``inflated`` bytes, its Flate filter
    written ``how``: ``plain``; ``escaped`` (``/FlateDecod#65``); ``reference`` (the
    name in an object of its own); ``references`` (an array of references);
    ``extra_keys`` (keys that make it look like an image and a font program); ``rc4``
    (encrypted, RC4 with an empty user password)."""
    content = deflated_zeros(inflated)
    if how == "plain":
        return _bomb_page(content, b" /Filter /FlateDecode")
    if how == "escaped":
        return _bomb_page(content, b" /Filter /FlateDecod#65")
    if how == "reference":
        return _bomb_page(content, b" /Filter 5 0 R", [b"/FlateDecode"])
    if how == "references":
        return _bomb_page(content, b" /Filter [5 0 R]", [b"/FlateDecode"])
    if how == "extra_keys":
        return _bomb_page(content, b" /Filter /FlateDecode /Length1 0"
                          b" /Extra << /Subtype /Image >>")
    if how == "rc4":
        return _encrypted(_bomb_page(content, b" /Filter /FlateDecode"))
    raise ValueError(how)


BOMB_KINDS = ("escaped", "reference", "references", "extra_keys", "rc4")


def _encrypted(data: bytes) -> bytes:
    """``data`` encrypted with RC4 (128-bit), an empty user password: any reader opens
    it, but its streams cannot be inflated before they are decrypted."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def text_pdf(text: str) -> bytes:
    """A one-page PDF showing ``text`` (ASCII), its content stream deflated."""
    content = zlib.compress(b"BT /F1 12 Tf 72 720 Td (%s) Tj ET" % text.encode("latin-1"))
    return pdf_file([
        _CATALOG, _PAGES, _page(4, b"/Font << /F1 5 0 R >>"),
        stream(content, b" /Filter /FlateDecode"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ])


# ------------------------------------------------------------------ text and HTML

TEXT_LIMIT = 8 * 1024 * 1024  # extract.reading.MAX_TEXT_BYTES


def padded_text(report: bytes, size: int = TEXT_LIMIT - 1024) -> bytes:
    """``report`` repeated, whole, up to just under ``size`` bytes: every repetition's
    rows are read, and warned about, again."""
    return report * (size // len(report))


def _body_at(page: str) -> int:
    body = page.index("<body")
    return page.index(">", body) + 1


def nested_html(page: str, depth: int = 1000, tag: str = "div") -> str:
    """``page`` with its body wrapped ``depth`` elements deep."""
    at = _body_at(page)
    end = page.index("</body>")
    return (page[:at] + f"<{tag}>" * depth + page[at:end] + f"</{tag}>" * depth
            + page[end:])


def unclosed_html(page: str, count: int = 20_000, tag: str = "font") -> str:
    """``page`` with ``count`` tags opened at the top of its body and never closed."""
    at = _body_at(page)
    return page[:at] + f"<{tag} size=2>" * count + page[at:]
