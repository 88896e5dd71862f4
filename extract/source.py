"""Where report files come from: crawl a source, hash each file, sniff what it is.

A *source* is a folder today; tomorrow it may be a URL or an object-store prefix. The
pipeline only needs three things from one: list the candidate files with their
relative paths, read a file's bytes, and say where it is. :class:`LocalSource`
implements that for a folder, and :func:`open_source` is the one place that will pick
another implementation by the location's scheme.

Crawling tells the nightly run which files are new or changed without reading the
others: a file whose size and modification time are those the ledger recorded when it
was last read is taken as unchanged (its recorded sha256 stands); a file of the same
size whose time changed is hashed (sha256 of its bytes) to tell a touched file from a
rewritten one; a new file, or one whose size changed, is not hashed here at all, since
it is processed anyway and its batch hashes the bytes it reads. Text files outside the
``<agency>/<year>.<ext>`` layout are sniffed for the words every disclosure report
prints, so that a README or a spreadsheet export lying in the folder is counted as
skipped instead of failing as a broken report.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol

from extract.report import identity_from_path

REPORT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown", ".html", ".htm", ".pdf"})
# How much of a file's start is searched for the report's words: a report's title
# and first paragraphs come well within it.
SNIFF_BYTES = 256 * 1024
# Words every 政府信息公开 annual report prints, in the encodings reports come in.
# A byte search avoids decoding a file twice; a chance match in the wrong encoding
# only lets a non-report through to the extractor, which then fails it with a reason.
_REPORT_WORDS = ("信息公开", "政务公开", "資訊公開", "信息公開", "政務公開", "依申请公开")
_ENCODINGS = ("utf-8", "gb18030", "big5", "utf-16-le", "utf-16-be")
# errno values that mean "try again": a network share hiccup, not a broken file.
TRANSIENT_ERRNOS = frozenset({
    errno.EIO, errno.EAGAIN, errno.EBUSY, errno.ETIMEDOUT, errno.ESTALE, errno.EINTR,
    errno.ENETDOWN, errno.ENETUNREACH, errno.ECONNRESET, errno.EHOSTUNREACH,
})


class SourceError(ValueError):
    """The source itself is unusable (missing folder, unknown scheme)."""


class TransientReadError(OSError):
    """Reading a file failed in a way that may succeed on a retry."""


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file found in a source: its path relative to the source root (POSIX
    separators, the key the warehouse stores), its size, the sha256 of its bytes (empty
    where the crawl did not need to read them) and its modification time."""

    path: str
    bytes: int
    sha256: str
    is_report: bool = True
    reason: str = ""
    mtime_ns: int | None = None


# What the ledger recorded of a file when it was last read: size, mtime (ns), sha256.
Known = tuple[int, int, str]


class Source(Protocol):
    """What the pipeline needs from a place that holds report files."""

    location: str

    def files(self, known: Mapping[str, Known] | None = None) -> Iterator[SourceFile]: ...

    def read(self, path: str) -> bytes: ...


def _sniff_words() -> tuple[bytes, ...]:
    encoded = set()
    for word in _REPORT_WORDS:
        for encoding in _ENCODINGS:
            try:
                encoded.add(word.encode(encoding))
            except UnicodeEncodeError:
                continue
    return tuple(sorted(encoded))


_SNIFF_WORDS = _sniff_words()
_DIGITS = re.compile(rb"[0-9]")


def looks_like_report(head: bytes, suffix: str) -> bool:
    """Whether the first bytes of a file could be a disclosure report: the report's
    words and some digits (a note about the reports has the words, not the tables).
    PDFs keep their text compressed, so any PDF is a candidate."""
    if suffix == ".pdf":
        return head.startswith(b"%PDF") or b"%PDF-" in head[:1024]
    return any(word in head for word in _SNIFF_WORDS) and _DIGITS.search(head) is not None


class LocalSource:
    """A folder of report files, crawled recursively. Hidden files and folders
    (``.git``, ``.DS_Store``) are not looked at."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise SourceError(f"source {root} is not a folder")
        self.location = str(self.root)

    def files(self, known: Mapping[str, Known] | None = None) -> Iterator[SourceFile]:
        """Every candidate file, in a stable order (sorted relative paths). ``known``:
        what the ledger recorded of each path when it was last read (see the module
        docstring for which files are then read)."""
        for path in sorted(self._walk()):
            yield self._describe(path, known or {})

    def _walk(self) -> Iterator[Path]:
        for folder, dirs, names in os.walk(self.root):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in names:
                if not name.startswith(".") and Path(name).suffix.lower() in REPORT_SUFFIXES:
                    yield Path(folder, name)

    def _describe(self, path: Path, known: Mapping[str, Known]) -> SourceFile:
        rel = PurePosixPath(path.relative_to(self.root).as_posix()).as_posix()
        try:
            info = path.stat()
            if not stat.S_ISREG(info.st_mode):
                return SourceFile(rel, 0, "", False, "not a regular file")
            size, mtime = info.st_size, info.st_mtime_ns
            last = known.get(rel)
            if last is not None and last[:2] == (size, mtime):
                return SourceFile(rel, size, last[2], True, "", mtime)  # not read
            layout = size == 0 or in_report_layout(rel)
            if last is not None and last[0] == size:
                digest, size, head = _hash_file(path)  # touched, or rewritten?
            elif layout:
                return SourceFile(rel, size, "", True, "", mtime)  # new or resized
            else:
                digest, head = "", _head(path)
        except OSError as err:
            # Unreadable now: hand it to the extractor, which reads it again (with
            # retries) and records the reason, rather than hiding it here.
            return SourceFile(rel, 0, "", True, f"cannot read: {err.strerror or err}")
        if layout:
            # The folder layout says a report belongs here: if it is none, that is a
            # failure to report, not a file to skip quietly.
            return SourceFile(rel, size, digest, True, "", mtime)
        sniffed = looks_like_report(head, path.suffix.lower())
        reason = "" if sniffed else "not a report: no 政府信息公开 words and figures in it"
        return SourceFile(rel, size, digest, sniffed, reason, mtime)

    def read(self, path: str) -> bytes:
        """A file's bytes; transient OS errors become :class:`TransientReadError`."""
        try:
            return (self.root / path).read_bytes()
        except OSError as err:
            if err.errno in TRANSIENT_ERRNOS:
                raise TransientReadError(err.errno, f"{path}: {err.strerror}") from err
            raise


def in_report_layout(rel: str) -> bool:
    """Whether a relative path is a report's place: ``<agency>/<year>.<ext>``."""
    agency, year = identity_from_path(Path(rel))
    return agency is not None and year is not None


def _head(path: Path) -> bytes:
    """The first bytes of a file, where a report prints its title and opening."""
    with open(path, "rb") as fh:
        return fh.read(SNIFF_BYTES)


def _hash_file(path: Path) -> tuple[str, int, bytes]:
    """sha256, size and the first bytes of a file, read once in chunks."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            if not head:
                head = chunk[:SNIFF_BYTES]
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size, head


def open_source(location: str | Path) -> Source:
    """The source at ``location``. Only local folders exist for now; a URL or an
    object-store path fails with a clear message until its reader is written."""
    text = str(location)
    if "://" in text and not text.startswith("file://"):
        scheme = text.split("://", 1)[0]
        raise SourceError(f"source {text}: the {scheme}:// scheme is not supported yet "
                          "(only local folders)")
    return LocalSource(text.removeprefix("file://"))


__all__ = ["LocalSource", "Source", "SourceError", "SourceFile", "TransientReadError",
           "looks_like_report", "open_source"]
