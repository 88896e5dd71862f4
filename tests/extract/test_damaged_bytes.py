"""Reports with a few damaged bytes: read in full, losing only the cells they touch.

A byte no encoding reads (one bad byte in a GBK file, a NUL in a UTF-8 one, a UTF-16
file cut at an odd byte) becomes U+FFFD with a ``decode_replaced`` warning. The
damaged files here are generated reports (``synth``) with one byte changed, compared
with the same report undamaged: a value read from the damaged file is the clean
file's value for the same cell, or is not there.
"""

from __future__ import annotations

import pytest

from extract.report import ExtractedReport, ReportError, extract_bytes
from synth import GeneratedReport, cell_differences, generate_report

Key = tuple[str, str, str]


def _extract(data: bytes, rep: GeneratedReport, extension: str | None = None) -> ExtractedReport:
    return extract_bytes(data, name="report" + (extension or rep.extension))


def _values(report: ExtractedReport) -> dict[Key, tuple[float | None, str]]:
    return {(f.table, f.row_key, f.col_key): (f.value, f.cell) for f in report.facts}


def assert_nothing_wrong(damaged: ExtractedReport, clean: ExtractedReport) -> set[Key]:
    """Every value of ``damaged`` is ``clean``'s for the same cell; the cells lost."""
    got, want = _values(damaged), _values(clean)
    wrong = {k: (v, want.get(k)) for k, v in got.items()
             if v[0] is not None and (k not in want or want[k][0] != v[0])}
    assert wrong == {}
    assert any(w.code == "decode_replaced" for w in damaged.warnings)
    return {k for k in want if k not in got or got[k][0] != want[k][0]}


def _printed_rows(lost: set[Key], clean: ExtractedReport) -> set[tuple[str, str]]:
    """The rows of the printed cells lost (sums derived from them go with them); 表四
    prints its three rows as one."""
    cells = _values(clean)
    return {(t, "" if t == "reviews_litigation" else r) for t, r, c in lost
            if cells[(t, r, c)][1] != "derived"}


def _with_byte(data: bytes, at: int, byte: int, insert: bool = False) -> bytes:
    return data[:at] + bytes([byte]) + data[at + (0 if insert else 1):]


def _table_digits(rep: GeneratedReport) -> list[int]:
    """Offsets of the digit bytes of the tables (from 表二's heading to the prose after 表四)."""
    start = rep.data.find("二、主动公开".encode(_codec(rep)))
    end = rep.data.find("五、".encode(_codec(rep)), start)
    return [i for i in range(start, end if end > 0 else len(rep.data))
            if 0x30 <= rep.data[i] <= 0x39]


def _codec(rep: GeneratedReport) -> str:
    return {"gbk": "gb18030", "big5": "big5hkscs"}.get(rep.encoding, rep.encoding)


@pytest.mark.parametrize("layout", ["pipe", "tab", "spaces", "lines", "html", "html_word"])
def test_a_bad_byte_in_a_narrative_line_costs_nothing(layout: str) -> None:
    rep = generate_report(7, layout=layout, encoding="gbk")
    closing = rep.data.rfind("。".encode("gb18030"))
    damaged = _extract(_with_byte(rep.data, closing, 0xFF), rep)
    assert cell_differences([f.as_dict() for f in damaged.facts], rep.facts) == []
    assert (damaged.agency, damaged.year, damaged.encoding) == (rep.agency, rep.year, "gb18030")
    (warning,) = [w for w in damaged.warnings if w.code == "decode_replaced"]
    assert "characters could not be read in gb18030" in warning.message


@pytest.mark.parametrize("encoding", ["gbk", "utf-8"])
@pytest.mark.parametrize("layout", ["pipe", "markdown", "tab", "spaces", "lines", "pdf_text",
                                    "html", "html_word", "glued", "crawler"])
def test_a_bad_byte_in_a_cell_loses_that_row_only(layout: str, encoding: str) -> None:
    rep = generate_report(2, layout=layout, encoding=encoding)
    clean = _extract(rep.data, rep)
    digits = _table_digits(rep)
    for at in digits[:: max(1, len(digits) // 6)]:
        for damage in (_with_byte(rep.data, at, 0xFF), _with_byte(rep.data, at, 0x80, True)):
            lost = assert_nothing_wrong(_extract(damage, rep), clean)
            if layout not in ("glued", "crawler"):  # (their rows are split by arithmetic)
                assert len(_printed_rows(lost, clean)) <= 1, (at, _printed_rows(lost, clean))


@pytest.mark.parametrize("layout", ["pipe", "tab", "spaces", "html"])
def test_a_nul_in_the_first_4_kb_of_utf8_is_damage_not_binary(layout: str) -> None:
    rep = generate_report(3, layout=layout, encoding="utf-8")
    clean = _extract(rep.data, rep)
    for at in range(200, min(4096, len(rep.data)), 450):
        for damage in (_with_byte(rep.data, at, 0), _with_byte(rep.data, at, 0, True)):
            damaged = _extract(damage, rep)
            assert damaged.encoding == "utf-8"
            assert_nothing_wrong(damaged, clean)


def test_a_line_break_lost_to_damage_never_shifts_the_next_row() -> None:
    # (Two rows of a tab-delimited 表三 run into one line: each keeps its columns.)
    rep = generate_report(3, layout="tab", encoding="gbk")
    clean = _extract(rep.data, rep)
    at = rep.data.index("（三）不予公开".encode("gb18030")) - 2  # the \n before "\t（三）"
    assert rep.data[at] == ord("\n")
    lost = assert_nothing_wrong(_extract(_with_byte(rep.data, at, 0xFF), rep), clean)
    assert _printed_rows(lost, clean) <= {("applications", "partially_granted"),
                                          ("applications", "withheld.state_secret")}


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_cut_at_an_odd_byte_is_read(encoding: str) -> None:
    rep = generate_report(4, layout="pipe", encoding=encoding)
    damaged = _extract(rep.data[:-1], rep)
    assert damaged.encoding == encoding
    assert cell_differences([f.as_dict() for f in damaged.facts], rep.facts) == []
    assert any(w.code == "decode_replaced" for w in damaged.warnings)


def test_binary_data_still_fails_with_a_clear_error() -> None:
    rep = generate_report(5, layout="pipe", encoding="utf-8")
    binary = bytes(b if i % 8 else i % 7 for i, b in enumerate(rep.data))  # 1 byte in 8 a control
    with pytest.raises(ReportError, match="binary data"):
        _extract(binary, rep)


@pytest.mark.parametrize("layout", ["pipe", "tab", "spaces", "lines"])
@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_plain_text_saved_as_html_reads_as_text(layout: str, encoding: str) -> None:
    rep = generate_report(6, layout=layout, encoding=encoding)
    as_txt, as_html = _extract(rep.data, rep, ".txt"), _extract(rep.data, rep, ".html")
    assert [f.as_dict() for f in as_html.facts] == [f.as_dict() for f in as_txt.facts]
    assert as_html.format == as_txt.format != "html"


def test_a_damaged_delimiter_before_a_label_never_shifts_its_cells() -> None:
    # (The merged cell's tab before 3.危及… read as U+FFFD: the label and its cells
    # stand one place to the left of the header's positions.)
    rep = generate_report(3, layout="tab", encoding="gbk")
    clean = _extract(rep.data, rep)
    at = rep.data.index("\t\t3.".encode("gb18030"))
    lost = assert_nothing_wrong(_extract(_with_byte(rep.data, at, 0xFF), rep), clean)
    assert _printed_rows(lost, clean) <= {("applications", "withheld.security_stability")}
