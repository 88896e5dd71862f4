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

Names are stored in the reversible escaped form of ``extract.names`` (a name that is
not valid UTF-8 is a file like any other), and :meth:`LocalSource.read` turns them back
into the file system's. No file is read whole before its size is known to be within
the limits of ``extract.reading``: the crawl does not hash a file over its limit (its
size alone says it is unchanged), and a batch's read refuses it from its size and
never takes more than the limit.

The crawl stays inside the source: a symbolic link whose target lies outside the
source's root is not followed unless the source was opened with ``follow_links`` (a
link to a report elsewhere on the machine, or to ``/``, would otherwise be loaded as
the source's own); links within the root are read as the files they point to, and a
link to a folder within the root is not entered (its files are crawled under their
own path). The links passed over and the folders the crawl cannot list are kept as
notices (:class:`SourceNotice`) for the run to name: a folder that cannot be read
hides its reports, which no run should do silently.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from extract.names import escape_name, printable, unescape_name
from extract.reading import MAX_PDF_BYTES, MAX_TEXT_BYTES, ReportError, not_a_report
from extract.report import identity_from_path

REPORT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown", ".html", ".htm", ".pdf"})
# How much of a file's start is searched for the report's words: a report's title
# and first paragraphs come well within it.
SNIFF_BYTES = 256 * 1024
# Why the crawl skips a file outside the layout (the run counts it, never parses it).
NO_REPORT_WORDS = not_a_report("no 政府信息公开 words and figures in it")
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


UNREADABLE_FOLDER = "unreadable folder"
LINK_OUT = "link out of the source"


@dataclass(frozen=True, slots=True)
class SourceNotice:
    """A place of the source the crawl passed over, for the run to name: a folder it
    cannot list (``UNREADABLE_FOLDER``, ``detail`` the error) or a link whose target
    lies outside the source (``LINK_OUT``, ``detail`` the target). ``path`` is the
    stored name of the folder or link, relative to the source's root."""

    path: str
    kind: str
    detail: str


# What the ledger recorded of a file when it was last read: size, mtime (ns), sha256.
Known = tuple[int, int, str]


class Source(Protocol):
    """What the pipeline needs from a place that holds report files. ``notices``: what
    the last crawl (``files``) passed over."""

    location: str
    notices: list[SourceNotice]

    def files(self, known: Mapping[str, Known] | None = None) -> Iterator[SourceFile]: ...

    def read(self, path: str, limit: int | None = None) -> bytes: ...


def read_limit(path: str) -> int:
    """The most bytes a report file of this name may have (by its kind: PDF or text)."""
    return MAX_PDF_BYTES if path.lower().endswith(".pdf") else MAX_TEXT_BYTES


def too_large(limit: int) -> ReportError:
    """The reason a file over ``limit`` bytes is not read as a report."""
    return ReportError(f"too large for a report (more than {limit // 2**20} MB)")


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


# A candidate file found by the crawl: its stored name's parts below the root (the
# sort key: sorted as paths are, part by part) and where it is on this machine.
_Found = tuple[tuple[str, ...], str]


class _Crawl:
    """One crawl of a folder: the candidate files below it, and what it passed over."""

    def __init__(self, root: Path, follow_links: bool) -> None:
        self.real_root = os.path.realpath(root)
        self.follow_links = follow_links
        self.pending: list[tuple[str, tuple[str, ...]]] = [(str(root), ())]
        self.entered = {self.real_root}  # real folders entered: a followed link never loops
        self.found: list[_Found] = []
        self.notices: list[SourceNotice] = []

    def run(self) -> _Crawl:
        while self.pending:
            folder, parts = self.pending.pop()
            for entry in self._list(folder, parts):
                if entry.name.startswith("."):
                    continue
                rel = (*parts, escape_name(entry.name))
                if entry.is_symlink():
                    self._take_link(entry, rel)
                elif entry.is_dir(follow_symlinks=False):
                    self._enter(entry.path, rel)
                elif _is_candidate(entry.name):
                    self.found.append((rel, entry.path))
        return self

    def _list(self, folder: str, parts: tuple[str, ...]) -> list[os.DirEntry[str]]:
        """The entries of one folder; none, and a notice, when it cannot be listed (the
        root itself failing is the source failing)."""
        try:
            with os.scandir(folder) as entries:
                # sorted: which path of a folder reached twice is kept must not
                # depend on the order the file system lists entries in
                return sorted(entries, key=lambda entry: entry.name)
        except OSError as err:
            why = err.strerror or type(err).__name__
            if not parts:
                raise SourceError(f"source {_shown(folder)} cannot be read ({why})") from err
            self.notices.append(SourceNotice("/".join(parts), UNREADABLE_FOLDER, why))
            return []

    def _take_link(self, entry: os.DirEntry[str], rel: tuple[str, ...]) -> None:
        """A symbolic link: a file taken, a folder entered, or a notice."""
        target = os.path.realpath(entry.path)
        inside = _within(target, self.real_root)
        is_folder = os.path.isdir(target)
        if not inside and not self.follow_links:
            if is_folder or _is_candidate(entry.name):
                self.notices.append(SourceNotice("/".join(rel), LINK_OUT, escape_name(target)))
            return
        if not is_folder:
            if _is_candidate(entry.name):
                self.found.append((rel, entry.path))
        elif not inside:  # inside: crawled under its own path
            self._enter(entry.path, rel)

    def _enter(self, folder: str, rel: tuple[str, ...]) -> None:
        """Crawl a folder next, unless it was reached before: through followed links
        one folder can be reached by several paths, or loop back to its parent."""
        real = os.path.realpath(folder)
        if real not in self.entered:
            self.entered.add(real)
            self.pending.append((folder, rel))


class LocalSource:
    """A folder of report files, crawled recursively. Hidden files and folders
    (``.git``, ``.DS_Store``) are not looked at. ``follow_links``: follow symbolic
    links whose target is outside the folder too (see the module docstring)."""

    def __init__(self, root: str | Path, follow_links: bool = False) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise SourceError(f"source {_shown(str(root))} is not a folder")
        self.location = str(self.root)
        self.follow_links = follow_links
        self.notices: list[SourceNotice] = []

    def files(self, known: Mapping[str, Known] | None = None) -> Iterator[SourceFile]:
        """Every candidate file, in a stable order (sorted relative paths). ``known``:
        what the ledger recorded of each path when it was last read (see the module
        docstring for which files are then read). ``notices`` holds what this crawl
        passed over as soon as the iteration has started."""
        self.notices = []
        crawl = _Crawl(self.root, self.follow_links).run()
        self.notices = crawl.notices
        for parts, path in sorted(crawl.found):
            yield self._describe("/".join(parts), Path(path), known or {})

    def _describe(self, rel: str, path: Path, known: Mapping[str, Known]) -> SourceFile:
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
                if size > read_limit(rel):
                    # Its batch refuses it by its size alone: hashing it would cost a
                    # read of the whole file, to fail it the same way.
                    return SourceFile(rel, size, "", True, "", mtime)
                digest, size, head = _hash_file(path)  # touched, or rewritten?
            elif layout:
                return SourceFile(rel, size, "", True, "", mtime)  # new or resized
            else:
                digest, head = "", _head(path)
        except OSError as err:
            # Unreadable now: hand it to the extractor, which reads it again (with
            # retries) and records the reason, rather than hiding it here.
            return SourceFile(rel, 0, "", True, _os_reason(err))
        if layout:
            # The folder layout says a report belongs here: if it is none, that is a
            # failure to report, not a file to skip quietly.
            return SourceFile(rel, size, digest, True, "", mtime)
        sniffed = looks_like_report(head, path.suffix.lower())
        reason = "" if sniffed else NO_REPORT_WORDS
        return SourceFile(rel, size, digest, sniffed, reason, mtime)

    def read(self, path: str, limit: int | None = None) -> bytes:
        """The bytes of the file stored as ``path``, never more than ``limit`` (by
        default :func:`read_limit`): a larger file is refused with a
        :class:`ReportError` saying so. Transient OS errors become
        :class:`TransientReadError`. Which links are followed is the crawl's decision:
        a read follows the path it is given (a worker's source need not know the
        run's ``follow_links``)."""
        try:
            return _read_bounded(self.root / unescape_name(path),
                                 read_limit(path) if limit is None else limit)
        except OSError as err:
            if err.errno in TRANSIENT_ERRNOS:
                raise TransientReadError(err.errno, f"{path}: {err.strerror}") from err
            raise


def _is_candidate(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in REPORT_SUFFIXES


def _within(target: str, real_root: str) -> bool:
    """Whether a resolved path is the root or below it."""
    return target == real_root or target.startswith(real_root.rstrip(os.sep) + os.sep)


def _shown(name: str) -> str:
    """A name of the file system as messages print it."""
    return printable(escape_name(name))


def _os_reason(err: OSError) -> str:
    # strerror, not str(err): the latter quotes the file's name, undecodable bytes and all.
    return f"cannot read: {err.strerror or type(err).__name__}"


def _read_bounded(path: Path, limit: int) -> bytes:
    """A file's bytes, refused from its size before any is read when over ``limit``."""
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):  # opening a pipe would wait for a writer
        raise ReportError("not a regular file")
    if info.st_size > limit:
        raise too_large(limit)
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)  # a file may grow after its size was taken
    if len(data) > limit:
        raise too_large(limit)
    return data


def in_report_layout(rel: str) -> bool:
    """Whether a relative path is a report's place: ``<agency>/<year>.<ext>``."""
    agency, year = identity_from_path(Path(rel))
    return agency is not None and year is not None


def why_skipped(path: str | Path) -> str | None:
    """Why a run skips this file unparsed, or None when a run parses it: a file outside
    the ``<agency>/<year>.<ext>`` layout whose first bytes hold no report's words and
    figures is :data:`NO_REPORT_WORDS` (an empty file is parsed, to fail as empty)."""
    path = Path(path)
    if in_report_layout(escape_name(str(path))):
        return None
    try:
        head = _head(path)
    except OSError:
        return None
    if not head or looks_like_report(head, path.suffix.lower()):
        return None
    return NO_REPORT_WORDS


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


def open_source(location: str | Path, follow_links: bool = False) -> Source:
    """The source at ``location``. Only local folders exist for now; a URL or an
    object-store path fails with a clear message until its reader is written."""
    text = str(location)
    if "://" in text and not text.startswith("file://"):
        scheme = text.split("://", 1)[0]
        raise SourceError(f"source {_shown(text)}: the {_shown(scheme)}:// scheme is not supported "
                          "yet (only local folders)")
    return LocalSource(text.removeprefix("file://"), follow_links)


__all__ = ["LINK_OUT", "NO_REPORT_WORDS", "UNREADABLE_FOLDER", "LocalSource", "Source",
           "SourceError", "SourceFile", "SourceNotice", "TransientReadError",
           "looks_like_report", "open_source", "read_limit", "too_large", "why_skipped"]
