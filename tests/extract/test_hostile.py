"""Properties of the extractor on hostile input: it refuses or reads, never crashes,
and never reads a cell into its neighbour's place.

Inputs are arbitrary bytes and generated reports (``synth``) mutated: bytes flipped,
NULs inserted, a cell's text replaced by garbage (``7a``, ``1.2.3``, a 300-digit run,
``1e5``, ``12-3``, OCR letters ``1O`` and ``l2``), a delimiter deleted, the file cut
short, HTML tags left unclosed or nested. Mutated reports are compared with the same
report unmutated.

In CI the examples are few and derandomised (the same every run, about ten seconds).
For a longer, random search run::

    XXGK_FUZZ=long python -m pytest tests/extract/test_hostile.py

(a failure prints the example and ``@reproduce_failure`` to replay it).
"""

from __future__ import annotations

import os
import random
import re
from dataclasses import dataclass
from functools import cache

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from extract.report import ExtractedReport, ReportError, extract_bytes
from synth import GeneratedReport, generate_report
from synth.identity import AGENCIES

settings.register_profile("hostile-ci", max_examples=100, derandomize=True, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow], database=None)
settings.register_profile("hostile-long", max_examples=1500, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
# (A profile applied per test, not loaded: loading one would change every other
# hypothesis test run in the same process.)
FUZZ = settings(settings.get_profile(
    "hostile-long" if os.environ.get("XXGK_FUZZ") == "long" else "hostile-ci"))

Key = tuple[str, str, str]
LAYOUTS = ("pipe", "markdown", "tab", "spaces", "lines", "pdf_text", "html", "html_word",
           "glued", "crawler")
# Layouts whose cells stand one per delimited place or line: a cell's text can be
# replaced without changing where any other cell starts.
CELL_LAYOUTS = ("pipe", "markdown", "tab", "spaces", "lines", "pdf_text", "html")
GARBAGE = ("7a", "1.2.3", "9" * 300, "1e5", "12-3", "3#", "1,2,3")
OCR = {"1O": 10.0, "l2": 12.0, "O": 0.0}


@dataclass(frozen=True, eq=False)  # (one per report: cached by identity)
class Clean:
    rep: GeneratedReport
    report: ExtractedReport

    @property
    def name(self) -> str:
        return "report" + self.rep.extension

    def values(self) -> dict[Key, float | None]:
        return _values(self.report)

    @property
    def replaceable(self) -> list[tuple[Key, int, int]]:
        """The number cells whose text can be found alone on their line: key, span."""
        return _replaceable(self)


@cache
def clean(layout: str, encoding: str, seed: int) -> Clean:
    # (Something the generator or the extractor calls draws from the global random
    # state, which hypothesis asks a strategy to leave as it found it.)
    state = random.getstate()
    try:
        rep = generate_report(seed, layout=layout, encoding=encoding)
        return Clean(rep, extract_bytes(rep.data, name="report" + rep.extension))
    finally:
        random.setstate(state)


def _values(report: ExtractedReport) -> dict[Key, float | None]:
    return {(f.table, f.row_key, f.col_key): f.value for f in report.facts}


def extract_or_refuse(data: bytes, name: str) -> ExtractedReport | None:
    """The report, or None where the extractor refused it with its one-line reason."""
    try:
        return extract_bytes(data, name=name)
    except ReportError as err:
        assert "\n" not in str(err) and str(err)
        return None


def assert_no_value_moved(got: ExtractedReport, want: dict[Key, float | None],
                          changed: Key | None = None) -> None:
    """Every value of ``got`` is ``want``'s for its cell, but the ``changed`` cell's
    and the sums derived in its table (which add the changed cell in)."""
    moved = {(f.table, f.row_key, f.col_key): (f.value, want.get(
        (f.table, f.row_key, f.col_key), "absent")) for f in got.facts
        if f.value is not None and not (changed and f.table == changed[0] and (
            f.cell == "derived" or (f.row_key, f.col_key) == changed[1:]))}
    assert {k: v for k, v in moved.items() if v[0] != v[1]} == {}


reports = st.builds(clean, st.sampled_from(LAYOUTS), st.sampled_from(("utf-8", "gbk")),
                    st.integers(0, 3))


# -- never a crash -------------------------------------------------------------------

@FUZZ
@given(st.binary(max_size=2000), st.sampled_from((".txt", ".html", ".htm", ".pdf", "")))
def test_arbitrary_bytes_are_read_or_refused(data: bytes, extension: str) -> None:
    extract_or_refuse(data, "report" + extension)


def _flip(data: bytes, at: int, byte: int) -> bytes:
    at %= len(data)
    return data[:at] + bytes([byte]) + data[at + 1:]


def _insert(data: bytes, at: int, what: bytes) -> bytes:
    at %= len(data) + 1
    return data[:at] + what + data[at:]


def _delete_delimiter(data: bytes, at: int) -> bytes:
    found = [m.start() for m in re.finditer(rb"[|\t]|  ", data)]
    if not found:
        return data
    i = found[at % len(found)]
    return data[:i] + data[i + 1:]


_TAGS = (b"<table>", b"<tr>", b"<td>", b"</td>", b"</tr>", b"</table>", b"<div><div><p>",
         b"<!--", b"<script>", b"<td colspan=99>", b"&#0;", b"<", b">")

mutations = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 1 << 20), st.integers(0, 255)),
    st.tuples(st.just("insert"), st.integers(0, 1 << 20),
              st.sampled_from((b"\x00", b"\xff", b"\x80", b"\x1b", b"\x00" * 40, b"\r",
                               b"7a", b"1.2.3", b"9" * 300, b"1e5", b"12-3", b"1O", b"l2",
                               *_TAGS))),
    st.tuples(st.just("delete_delimiter"), st.integers(0, 1 << 20), st.none()),
    st.tuples(st.just("truncate"), st.integers(0, 1 << 20), st.none()),
)


def mutate(data: bytes, mutation: tuple[str, int, object]) -> bytes:
    kind, at, what = mutation
    if kind == "flip":
        return _flip(data, at, what)  # type: ignore[arg-type]
    if kind == "insert":
        return _insert(data, at, what)  # type: ignore[arg-type]
    if kind == "delete_delimiter":
        return _delete_delimiter(data, at)
    return data[: at % len(data)]


@FUZZ
@given(reports, st.lists(mutations, min_size=1, max_size=4))
def test_mutated_reports_are_read_or_refused(base: Clean, changes: list) -> None:
    data = base.rep.data
    for change in changes:
        data = mutate(data, change) or b" "
    extract_or_refuse(data, base.name)


@FUZZ
@given(reports, st.integers(0, 1 << 20), st.sampled_from((b"\x00", b"\xff", b"\x80")))
def test_one_damaged_byte_never_moves_a_value(base: Clean, at: int, byte: bytes) -> None:
    """A byte no encoding reads (or a NUL), put in or over another byte: the values read
    are the clean report's (a byte that turns into another character, a delimiter
    into a digit, is other text, not damage)."""
    at %= len(base.rep.data)
    replaced = base.rep.data[at] >= 0x80 or base.rep.data[at] in b"0123456789\n|\t "
    for data in (_insert(base.rep.data, at, byte),
                 _flip(base.rep.data, at, byte[0]) if replaced else None):
        if data is None:
            continue
        got = extract_or_refuse(data, base.name)
        if got is not None:
            assert_no_value_moved(got, base.values())


# -- a garbage cell is a cell -----------------------------------------------------------

_DIGITS = "0-9０-９"


def _cell_at(text: str, line: int, raw: str) -> tuple[int, int] | None:
    """Where the cell printed ``raw`` on ``line`` (1-based) stands in ``text``, where
    it is the only such number on the line."""
    starts = [0, *(m.end() for m in re.finditer("\n", text))]
    if not 0 < line <= len(starts):
        return None
    begin = starts[line - 1]
    end = starts[line] - 1 if line < len(starts) else len(text)
    found = list(re.finditer(rf"(?<![{_DIGITS}.,]){re.escape(raw)}(?![{_DIGITS}.,%])",
                             text[begin:end]))
    if len(found) != 1:
        return None
    return begin + found[0].start(), begin + found[0].end()


@cache
def _replaceable(base: Clean) -> list[tuple[Key, int, int]]:
    out = []
    for f in base.report.facts:
        where = _cell_at(base.rep.text, f.line or 0, f.raw_value or "")
        if f.cell == "number" and where is not None:
            out.append(((f.table, f.row_key, f.col_key), *where))
    return out


@FUZZ
@given(st.sampled_from(CELL_LAYOUTS), st.sampled_from(("utf-8", "gbk")), st.integers(0, 3),
       st.integers(0, 1 << 20), st.sampled_from((*GARBAGE, *OCR)))
def test_a_garbage_cell_keeps_its_place_and_moves_no_other(
        layout: str, encoding: str, seed: int, pick: int, garbage: str) -> None:
    base = clean(layout, encoding, seed)
    cells = base.replaceable
    assume(cells)
    key, a, b = cells[pick % len(cells)]
    text = base.rep.text[:a] + garbage + base.rep.text[b:]
    got = extract_bytes(text.encode("gb18030" if encoding == "gbk" else encoding),
                        name=base.name)
    assert_no_value_moved(got, base.values(), changed=key)
    cell = next((f for f in got.facts if (f.table, f.row_key, f.col_key) == key), None)
    if garbage in OCR:
        # (The value in the table's unit: 10 万元 is 100000 yuan.)
        assert cell is not None and cell.value is not None and cell.raw_value == garbage
        assert any(f"{garbage!r} read as {OCR[garbage]:g}" in w.message
                   for w in got.warnings if w.code == "value_ocr")
    else:
        assert cell is None or cell.value is None
        assert cell is None or any(w.code == "bad_value" for w in got.warnings)


# -- the report's own identity against its path ---------------------------------------

@FUZZ
@given(reports, st.sampled_from(AGENCIES), st.integers(-3, 3))
def test_a_title_against_the_path_is_said_and_the_path_wins(
        base: Clean, agency: str, shift: int) -> None:
    got = extract_bytes(base.rep.data, name=base.name, agency=agency,
                        year=base.rep.year + shift)
    assert (got.agency, got.year) == (agency, base.rep.year + shift)
    conflicts = [w.message for w in got.warnings if w.code == "identity_conflict"]
    if agency == base.rep.agency and shift == 0:
        assert conflicts == []
        return
    (message,) = conflicts
    if shift:
        assert f"year {base.rep.year + shift} (the report names {base.rep.year})" in message
    if agency != base.rep.agency and base.report.agency:
        assert base.report.agency in message or agency in base.report.agency


def test_the_ci_profile_is_derandomised() -> None:
    if os.environ.get("XXGK_FUZZ") == "long":
        pytest.skip("the long run is random on purpose")
    assert FUZZ.derandomize and FUZZ.max_examples <= 100
