"""Tests of the source crawl (extract/source.py).

Covers the recursive listing of a local folder (hidden entries and non-report
extensions ignored, sorted POSIX relative paths), the size and time of each file and
which files are read (the ledger vouches for unchanged ones; a touched one is hashed),
the sniffing of report words in every encoding reports come in (from generated
reports) and of PDF headers, ``open_source`` (missing folders, unsupported schemes,
``file://``) and ``read`` (vanished files, transient errors as TransientReadError).
Also names that are not valid UTF-8 (listed in their escaped form, read back by it),
folders that cannot be listed and links out of the source (notices; followed only when
asked), and the size bound (a file over its limit refused from its size, never read or
hashed whole).
"""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import pytest

from extract.reading import ReportError
from extract.source import (
    LINK_OUT,
    UNREADABLE_FOLDER,
    LocalSource,
    SourceError,
    SourceFile,
    SourceNotice,
    TransientReadError,
    looks_like_report,
    open_source,
)
from synth import generate_report

REPORT_TEXT = "区教育局2020年政府信息公开工作年度报告\n一、总体情况\n"
EMPTY_SHA = hashlib.sha256(b"").hexdigest()


def _put(root: Path, rel: str, data: bytes | str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _listing(root: Path) -> dict[str, SourceFile]:
    return {f.path: f for f in LocalSource(root).files()}


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    """A small source: two agencies (one nested deeper), hidden and foreign files."""
    root = tmp_path / "src"
    _put(root, "区教育局/2020.txt", REPORT_TEXT)
    _put(root, "区教育局/2021.HTML", "<p>2021年政府信息公开工作年度报告</p>")
    _put(root, "区应急管理局/2019.md", "# 区应急管理局2019年政务公开年度报告\n")
    _put(root, "街道/东湖街道办事处/2022.htm", "<p>依申请公开</p>")
    _put(root, "区财政局/2020.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    _put(root, "readme.txt", "just some notes about the folder\n")
    _put(root, "区教育局/2020.xlsx", REPORT_TEXT)  # not a report extension
    _put(root, "区教育局/2020.txt.bak", REPORT_TEXT)
    _put(root, "区教育局/.2020.txt.swp", REPORT_TEXT)  # hidden file
    _put(root, ".git/objects/report.txt", REPORT_TEXT)  # hidden folder
    _put(root, "区教育局/.cache/2020.txt", REPORT_TEXT)
    _put(root, "noext", REPORT_TEXT)
    return root


# -------------------------------------------------------------------------- crawl


def test_crawl_lists_report_candidates_sorted(tree: Path) -> None:
    paths = [f.path for f in LocalSource(tree).files()]
    assert paths == [
        "readme.txt",
        "区应急管理局/2019.md",
        "区教育局/2020.txt",
        "区教育局/2021.HTML",
        "区财政局/2020.pdf",
        "街道/东湖街道办事处/2022.htm",
    ]


def test_crawl_order_is_stable(tree: Path) -> None:
    first = list(LocalSource(tree).files())
    _put(tree, "区教育局/2023.txt", REPORT_TEXT)  # created last, listed in place
    second = [f.path for f in LocalSource(tree).files()]
    assert second == sorted(second)
    assert [f.path for f in first] == [p for p in second if p != "区教育局/2023.txt"]


def test_paths_are_relative_posix(tree: Path) -> None:
    for file in LocalSource(tree).files():
        assert not file.path.startswith("/")
        assert "\\" not in file.path
        assert (tree / file.path).is_file()


def _refuse_reads(monkeypatch: pytest.MonkeyPatch, suffix: str) -> None:
    """Make opening a file whose path ends with ``suffix`` fail, as for an unreadable
    file: a crawl that does not read it lists it all the same."""
    real_open = open

    def failing_open(file: object, *args: object, **kwargs: object) -> object:
        if str(file).endswith(suffix):
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", failing_open)


def test_size_and_time_of_every_file_and_no_hash_of_new_ones(tree: Path) -> None:
    listing = _listing(tree)
    for rel, file in listing.items():
        info = (tree / rel).stat()
        assert (file.bytes, file.mtime_ns) == (info.st_size, info.st_mtime_ns)
        assert file.sha256 == ""  # new: processed anyway, its batch hashes what it reads


def test_a_file_the_ledger_vouches_for_is_not_read(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = _put(tmp_path, "区教育局/2020.txt", REPORT_TEXT)
    info = path.stat()
    known = {"区教育局/2020.txt": (info.st_size, info.st_mtime_ns, "recorded-sha")}
    _refuse_reads(monkeypatch, "2020.txt")
    (file,) = LocalSource(tmp_path).files(known)
    assert file == SourceFile("区教育局/2020.txt", info.st_size, "recorded-sha", True, "",
                              info.st_mtime_ns)


def test_a_touched_file_of_the_same_size_is_hashed(tmp_path: Path) -> None:
    data = REPORT_TEXT.encode("utf-8") + bytes(range(256)) * 9000  # > 2 MiB: several chunks
    path = _put(tmp_path, "区教育局/2020.txt", data)
    info = path.stat()
    known = {"区教育局/2020.txt": (info.st_size, info.st_mtime_ns - 1, "old-sha")}
    (file,) = LocalSource(tmp_path).files(known)
    assert (file.bytes, file.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert file.is_report


def test_a_file_whose_size_changed_is_not_read(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    path = _put(tmp_path, "区教育局/2020.txt", REPORT_TEXT)
    info = path.stat()
    known = {"区教育局/2020.txt": (info.st_size + 1, info.st_mtime_ns, "old-sha")}
    _refuse_reads(monkeypatch, "2020.txt")
    (file,) = LocalSource(tmp_path).files(known)
    assert (file.bytes, file.sha256, file.reason) == (info.st_size, "", "")


def test_empty_file_is_listed_as_candidate(tmp_path: Path) -> None:
    path = _put(tmp_path, "区教育局/2020.txt", b"")
    assert list(LocalSource(tmp_path).files()) == [
        SourceFile("区教育局/2020.txt", 0, "", True, "", path.stat().st_mtime_ns)]


def test_text_without_report_words_is_not_a_report(tree: Path) -> None:
    readme = _listing(tree)["readme.txt"]
    assert readme.is_report is False
    assert readme.reason == "not a report: no 政府信息公开 words and figures in it"


def test_report_words_are_sniffed(tree: Path) -> None:
    listing = _listing(tree)
    for rel in ("区教育局/2020.txt", "区教育局/2021.HTML", "区应急管理局/2019.md",
                "街道/东湖街道办事处/2022.htm", "区财政局/2020.pdf"):
        assert listing[rel].is_report, rel
        assert listing[rel].reason == "", rel


def test_empty_folder(tmp_path: Path) -> None:
    assert list(LocalSource(tmp_path).files()) == []


def test_fifo_is_not_a_regular_file(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    (tmp_path / "区教育局").mkdir()
    os.mkfifo(tmp_path / "区教育局" / "2020.txt")
    assert list(LocalSource(tmp_path).files()) == [
        SourceFile("区教育局/2020.txt", 0, "", False, "not a regular file")]


# ---------------------------------------------------------------------- sniffing


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "big5", "utf-16-le",
                                      "utf-16-be", "utf-16"])
def test_generated_report_is_sniffed_in_every_encoding(tmp_path: Path, encoding: str) -> None:
    report = generate_report(7, encoding=encoding, layout="pipe", agency="区教育局", year=2021)
    assert report.data.decode(encoding) == report.text
    _put(tmp_path, "区教育局/2021.txt", report.data)
    (file,) = LocalSource(tmp_path).files()
    assert (file.is_report, file.reason) == (True, "")
    assert looks_like_report(report.data, ".txt")


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "big5", "utf-16-le", "utf-16-be"])
def test_text_without_report_words_in_every_encoding(encoding: str) -> None:
    text = "教育局2020年工作總結\n一、總體情況\n全年辦理事項123件。\n"  # Big5-encodable
    assert not looks_like_report(text.encode(encoding), ".txt")


@pytest.mark.parametrize(("word", "encoding"), [
    ("政府信息公开", "utf-8"), ("政务公开", "gb18030"), ("依申请公开", "utf-16-le"),
    ("政府資訊公開", "big5"), ("政務公開", "big5"), ("信息公開", "utf-16-be"),
])
def test_each_report_word_is_sniffed(word: str, encoding: str) -> None:
    assert looks_like_report(f"2020年{word}工作\n".encode(encoding), ".txt")


def test_pdf_header_sniff() -> None:
    assert looks_like_report(b"%PDF-1.4\n...", ".pdf")
    assert looks_like_report(b"\x00" * 100 + b"%PDF-1.7\n", ".pdf")  # junk before the header
    assert not looks_like_report(b"\x00" * 2000 + b"%PDF-1.7\n", ".pdf")  # header too late
    assert not looks_like_report("政府信息公开".encode(), ".pdf")  # a PDF needs its header
    assert not looks_like_report(b"%PDF-1.4\n", ".txt")  # a .txt needs report words


def test_fake_pdf_is_not_a_report(tmp_path: Path) -> None:
    _put(tmp_path, "misc/2020.pdf", "<html>政府信息公开</html>")
    (file,) = LocalSource(tmp_path).files()
    assert (file.is_report, file.reason) == (False, "not a report: no 政府信息公开 words and figures in it")


def test_a_file_in_the_report_layout_is_always_a_candidate(tmp_path: Path) -> None:
    """<agency>/<year>.<ext> says a report belongs there: whatever the file holds, it is
    handed to extraction (and fails loudly) rather than skipped."""
    _put(tmp_path, "区教育局/2020.pdf", "<html>政府信息公开</html>")
    _put(tmp_path, "区教育局/2021.txt", "会议纪要\n")
    assert [(f.path, f.is_report) for f in LocalSource(tmp_path).files()] == [
        ("区教育局/2020.pdf", True), ("区教育局/2021.txt", True)]


def test_report_words_without_digits_are_a_note_not_a_report() -> None:
    note = "说明：本文件夹收录各部门政府信息公开工作年度报告。\n".encode()
    assert not looks_like_report(note, ".txt")
    assert looks_like_report(note + "申请2件\n".encode(), ".txt")


def test_report_words_beyond_the_sniffed_head_are_not_seen(tmp_path: Path) -> None:
    _put(tmp_path, "a/2020.txt", b"x" * (256 * 1024) + REPORT_TEXT.encode("utf-8"))
    _put(tmp_path, "b/2020.txt", b"x" * (256 * 1024 - 100) + REPORT_TEXT.encode("utf-8"))
    listing = _listing(tmp_path)
    assert listing["a/2020.txt"].is_report is False
    assert listing["b/2020.txt"].is_report is True


# -------------------------------------------------------------------- open / read


def test_open_source_missing_folder(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(SourceError, match="is not a folder"):
        open_source(missing)
    with pytest.raises(SourceError):
        LocalSource(missing)


def test_open_source_file_is_not_a_folder(tmp_path: Path) -> None:
    path = _put(tmp_path, "2020.txt", REPORT_TEXT)
    with pytest.raises(SourceError, match=f"source {path} is not a folder"):
        open_source(path)


@pytest.mark.parametrize("location", ["s3://bucket/reports", "https://example.org/reports"])
def test_open_source_unsupported_scheme(location: str) -> None:
    scheme = location.split("://")[0]
    with pytest.raises(SourceError) as err:
        open_source(location)
    assert f"the {scheme}:// scheme is not supported" in str(err.value)
    assert location in str(err.value)


def test_source_error_is_a_value_error() -> None:
    assert issubclass(SourceError, ValueError)


def test_open_source_accepts_file_url_and_paths(tree: Path) -> None:
    expected = [f.path for f in LocalSource(tree).files()]
    for location in (f"file://{tree}", str(tree), tree):
        source = open_source(location)
        assert isinstance(source, LocalSource)
        assert source.location == str(tree)
        assert [f.path for f in source.files()] == expected


def test_read_returns_bytes(tree: Path) -> None:
    source = open_source(tree)
    assert source.read("区教育局/2020.txt") == REPORT_TEXT.encode("utf-8")
    assert source.read("区财政局/2020.pdf").startswith(b"%PDF-1.7")


def test_read_of_vanished_file_raises(tree: Path) -> None:
    source = LocalSource(tree)
    listed = [f.path for f in source.files()]
    (tree / "区教育局/2020.txt").unlink()
    assert "区教育局/2020.txt" in listed
    with pytest.raises(FileNotFoundError) as err:
        source.read("区教育局/2020.txt")
    assert not isinstance(err.value, TransientReadError)


def _fail_opens(monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    """Make opening any file fail with the OS error ``code``."""
    def broken(file: object, *args: object, **kwargs: object) -> object:
        raise OSError(code, os.strerror(code), str(file))

    monkeypatch.setattr("builtins.open", broken)


@pytest.mark.parametrize("code", [errno.EIO, errno.EAGAIN, errno.ETIMEDOUT, errno.ESTALE])
def test_transient_errno_becomes_transient_read_error(
        tree: Path, monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    _fail_opens(monkeypatch, code)
    with pytest.raises(TransientReadError) as err:
        LocalSource(tree).read("区教育局/2020.txt")
    assert err.value.errno == code
    assert isinstance(err.value, OSError)
    assert str(err.value.strerror).startswith("区教育局/2020.txt: ")
    assert isinstance(err.value.__cause__, OSError)


@pytest.mark.parametrize("code", [errno.ENOENT, errno.EACCES, errno.EISDIR])
def test_permanent_errno_is_not_transient(
        tree: Path, monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    _fail_opens(monkeypatch, code)
    with pytest.raises(OSError) as err:
        LocalSource(tree).read("区教育局/2020.txt")
    assert not isinstance(err.value, TransientReadError)
    assert err.value.errno == code


def test_unreadable_file_is_still_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Outside the <agency>/<year> layout a file is sniffed, so its unreadability shows
    # here; in the layout it is not read, and its batch records the reason.
    _put(tmp_path, "misc/report-2020.txt", REPORT_TEXT)
    _put(tmp_path, "区教育局/2020.txt", REPORT_TEXT)
    _refuse_reads(monkeypatch, "2020.txt")
    listing = _listing(tmp_path)
    assert listing["misc/report-2020.txt"] == SourceFile(
        "misc/report-2020.txt", 0, "", True, "cannot read: Permission denied")
    assert listing["区教育局/2020.txt"].reason == ""


# ------------------------------------------------------------ names, folders, links


def _put_raw(root: Path, rel: bytes, data: bytes | str) -> Path:
    """A file whose relative path is given as the file system's bytes."""
    path = Path(os.fsdecode(os.path.join(os.fsencode(root), rel)))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def test_names_that_are_not_utf8_are_listed_escaped_and_read_back(tmp_path: Path) -> None:
    _put_raw(tmp_path, b"\xff\xfe\xe5\xb1\x80/2020.txt", REPORT_TEXT)
    _put_raw(tmp_path, "区教育局/2020".encode() + b"\xff.txt", REPORT_TEXT + "二")
    source = LocalSource(tmp_path)
    listing = {f.path: f for f in source.files()}
    assert sorted(listing) == ["\\xff\\xfe局/2020.txt", "区教育局/2020\\xff.txt"]
    for path in listing:
        path.encode("utf-8")  # what the warehouse stores and prints
    assert source.read("\\xff\\xfe局/2020.txt") == REPORT_TEXT.encode()
    assert source.read("区教育局/2020\\xff.txt") == (REPORT_TEXT + "二").encode()
    # outside the layout, so sniffed: the bytes were found under the escaped name
    assert listing["区教育局/2020\\xff.txt"].is_report


def test_a_name_printing_a_backslash_is_not_taken_for_an_escape(tmp_path: Path) -> None:
    _put_raw(tmp_path, b"misc/a\\x80.txt", REPORT_TEXT + "甲")  # backslash, x, 8, 0
    _put_raw(tmp_path, b"misc/a\x80.txt", REPORT_TEXT + "乙")
    source = LocalSource(tmp_path)
    assert [f.path for f in source.files()] == ["misc/a\\\\x80.txt", "misc/a\\x80.txt"]
    assert source.read("misc/a\\\\x80.txt").decode().endswith("甲")
    assert source.read("misc/a\\x80.txt").decode().endswith("乙")


def _refuse_listing(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Make listing ``folder`` fail as a folder of mode 000 does for a user other than
    root (the tests may run as root, whom no mode stops)."""
    real_scandir = os.scandir

    def scandir(path: object = ".") -> object:
        if Path(os.fsdecode(path)) == folder:  # type: ignore[arg-type]
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)


def test_a_folder_that_cannot_be_listed_is_a_notice(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _put(tmp_path, "区教育局/2020.txt", REPORT_TEXT)
    _put(tmp_path, "区财政局/2020.txt", REPORT_TEXT)
    _refuse_listing(monkeypatch, tmp_path / "区财政局")
    source = LocalSource(tmp_path)
    assert [f.path for f in source.files()] == ["区教育局/2020.txt"]
    assert source.notices == [SourceNotice("区财政局", UNREADABLE_FOLDER, "Permission denied")]
    monkeypatch.undo()
    assert len(list(source.files())) == 2 and source.notices == []  # each crawl anew


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a folder of mode 000")
def test_a_folder_of_mode_000_is_a_notice(tmp_path: Path) -> None:
    _put(tmp_path, "区教育局/2020.txt", REPORT_TEXT)
    locked = _put(tmp_path, "区财政局/2020.txt", REPORT_TEXT).parent
    locked.chmod(0)
    try:
        source = LocalSource(tmp_path)
        assert [f.path for f in source.files()] == ["区教育局/2020.txt"]
        assert [(n.path, n.kind) for n in source.notices] == [("区财政局", UNREADABLE_FOLDER)]
    finally:
        locked.chmod(0o755)


def test_a_source_that_cannot_be_listed_is_a_source_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _put(tmp_path, "区教育局/2020.txt", REPORT_TEXT)
    source = LocalSource(tmp_path)
    _refuse_listing(monkeypatch, tmp_path)
    with pytest.raises(SourceError, match=r"cannot be read \(Permission denied\)$"):
        list(source.files())


@pytest.fixture()
def linked(tmp_path: Path) -> Path:
    """A source with links: to a report outside it, to a folder of reports outside
    it, to a report inside it, and one that makes a loop."""
    root, outside = tmp_path / "src", tmp_path / "outside"
    _put(root, "区教育局/2020.txt", REPORT_TEXT)
    _put(outside, "2021.txt", REPORT_TEXT + "外")
    _put(outside, "区财政局/2020.txt", REPORT_TEXT + "财")
    _put(outside, "notes.xlsx", "not a candidate")
    (root / "区教育局/2021.txt").symlink_to(outside / "2021.txt")
    (root / "区教育局/notes.xlsx").symlink_to(outside / "notes.xlsx")
    (root / "区财政局").symlink_to(outside / "区财政局")
    (root / "区教育局/2022.txt").symlink_to(root / "区教育局/2020.txt")
    (root / "区教育局/again").symlink_to(root / "区教育局")  # inside: not entered
    (outside / "区财政局/loop").symlink_to(outside)  # reached only when following
    return root


def test_links_out_of_the_source_are_not_followed(linked: Path, tmp_path: Path) -> None:
    source = LocalSource(linked)
    assert [f.path for f in source.files()] == ["区教育局/2020.txt", "区教育局/2022.txt"]
    assert source.read("区教育局/2022.txt") == REPORT_TEXT.encode()  # inside: kept
    outside = os.path.realpath(tmp_path / "outside")
    assert sorted(source.notices, key=lambda n: n.path) == [
        SourceNotice("区教育局/2021.txt", LINK_OUT, f"{outside}/2021.txt"),
        SourceNotice("区财政局", LINK_OUT, f"{outside}/区财政局"),
    ]


def test_links_out_of_the_source_are_followed_when_asked(linked: Path) -> None:
    source = open_source(linked, follow_links=True)
    paths = [f.path for f in source.files()]
    assert paths == ["区教育局/2020.txt", "区教育局/2021.txt", "区教育局/2022.txt",
                     "区财政局/2020.txt", "区财政局/loop/2021.txt"]
    assert source.notices == []
    assert source.read("区财政局/2020.txt").decode().endswith("财")


def test_a_link_out_of_a_source_reached_through_a_link_is_judged_by_its_target(
        tmp_path: Path) -> None:
    # The source's own path is a link: what lies below it is inside.
    _put(tmp_path, "real/区教育局/2020.txt", REPORT_TEXT)
    (tmp_path / "via").symlink_to(tmp_path / "real")
    (tmp_path / "real/区教育局/2021.txt").symlink_to(tmp_path / "real/区教育局/2020.txt")
    source = LocalSource(tmp_path / "via")
    assert [f.path for f in source.files()] == ["区教育局/2020.txt", "区教育局/2021.txt"]
    assert source.notices == []


# ------------------------------------------------------------- reading with a bound


def _sparse(root: Path, rel: str, size: int) -> Path:
    """A file of ``size`` bytes that takes no room on disk."""
    path = _put(root, rel, b"")
    os.truncate(path, size)
    return path


def test_a_file_over_its_limit_is_refused_without_being_read(tmp_path: Path) -> None:
    import tracemalloc

    _sparse(tmp_path, "区教育局/2020.txt", 300 * 2**20)
    _sparse(tmp_path, "区教育局/2020.pdf", 201 * 2**20)
    source = LocalSource(tmp_path)
    tracemalloc.start()
    try:
        with pytest.raises(ReportError, match=r"^too large for a report \(more than 8 MB\)$"):
            source.read("区教育局/2020.txt")
        with pytest.raises(ReportError, match=r"more than 200 MB"):
            source.read("区教育局/2020.pdf")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20


def test_a_read_never_takes_more_than_its_limit(tmp_path: Path) -> None:
    _put(tmp_path, "区教育局/2020.txt", "x" * 100)
    source = LocalSource(tmp_path)
    assert source.read("区教育局/2020.txt", limit=100) == b"x" * 100
    with pytest.raises(ReportError, match="too large"):
        source.read("区教育局/2020.txt", limit=99)


def test_a_file_over_its_limit_is_not_hashed_by_the_crawl(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _sparse(tmp_path, "区教育局/2020.txt", 9 * 2**20)
    known = {"区教育局/2020.txt": (9 * 2**20, path.stat().st_mtime_ns - 1, "recorded-sha")}
    _refuse_reads(monkeypatch, "2020.txt")
    listed = _listing_known(tmp_path, known)["区教育局/2020.txt"]
    assert (listed.sha256, listed.reason, listed.bytes) == ("", "", 9 * 2**20)


def _listing_known(root: Path, known: dict[str, tuple[int, int, str]]) -> dict[str, SourceFile]:
    return {f.path: f for f in LocalSource(root).files(known)}
