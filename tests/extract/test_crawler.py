"""Crawler pages: header lines, then the whole body on one line, cells glued and spaced.

The generator's ``crawler`` layout prints every table on one line with cells glued to
each other and to the next row's label (``…000000 02.其他法律…``), stray spaces,
headers with spaces inside. 表三 and 表四 are recovered by their arithmetic; 表二 has
no sums, so a glued row of several values may be left ambiguous, never guessed.
"""

from __future__ import annotations

import itertools

import pytest

from extract.report import ExtractedReport, extract_bytes
from synth import (
    BREAK_KINDS,
    ENCODINGS,
    TEMPLATES,
    GeneratedReport,
    cell_differences,
    generate_report,
)

from .test_roundtrip import _ambiguous_rows, assert_glued_round_trip

LAYOUT = "crawler"


def _extract(rep: GeneratedReport) -> ExtractedReport:
    return extract_bytes(rep.data, name="page" + rep.extension)


def _ambiguous_tables(got: ExtractedReport) -> set[str]:
    return {row.split("/")[0] for row in _ambiguous_rows(got)}


@pytest.mark.parametrize(("template", "encoding"), list(itertools.product(TEMPLATES, ENCODINGS)))
def test_every_template_and_encoding(template: str, encoding: str) -> None:
    rep = generate_report(3000 + ENCODINGS.index(encoding), layout=LAYOUT, template=template,
                          encoding=encoding)
    got = assert_glued_round_trip(rep)
    assert len(rep.text.strip().split("\n")) <= 10  # header lines, then one body line
    assert got.format == "glued"
    assert _ambiguous_tables(got) <= {"active_disclosure"}
    assert all(c.passed for c in got.checks)


@pytest.mark.parametrize("template", TEMPLATES)
def test_many_seeds_read_tables_three_and_four_whole(template: str) -> None:
    ambiguous = 0
    for seed in range(80):
        got = assert_glued_round_trip(generate_report(seed, layout=LAYOUT, template=template))
        ambiguous += bool(_ambiguous_tables(got) - {"active_disclosure"})
    assert ambiguous <= 1


def test_traditional_characters() -> None:
    for seed, encoding in enumerate(("big5", "utf-8", "gb18030")):
        assert_glued_round_trip(generate_report(seed, layout=LAYOUT, encoding=encoding,
                                                traditional=True))


@pytest.mark.parametrize("option", ["drop_row", "reorder_rows", "single_other_row",
                                    "truncate"])
def test_damaged_pages_are_never_wrong(option: str) -> None:
    for seed in range(8):
        assert_glued_round_trip(generate_report(seed, layout=LAYOUT, **{option: True}))


def test_pages_that_break_their_own_arithmetic() -> None:
    # Detail rows over (七)总计, a (七) of 0 over non-zero rows, a 表四 block whose
    # parts exceed its 总计…: each row's own rule decides it, the broken rule is a
    # failed check, and only rows no rule can tell apart are left ambiguous.
    decided = 0
    for seed in range(40):
        rep = generate_report(seed, layout=LAYOUT, break_rules=True, break_kinds=BREAK_KINDS)
        got = assert_glued_round_trip(rep)
        failed = {c.rule for c in got.checks if not c.passed}
        if not _ambiguous_tables(got) - {"active_disclosure"}:
            decided += 1
            assert set(rep.broken_rules) <= failed, (seed, rep.broken_rules)
    assert decided >= 36


def test_the_narrative_numbers_are_never_cells() -> None:
    rep = generate_report(7, layout=LAYOUT)
    got = assert_glued_round_trip(rep)
    assert len(got.facts) == len(rep.facts) - sum(
        1 for f in rep.facts
        if f"{f['table']}/{f['row_key']}" in _ambiguous_rows(got))


_FEE_TABLE = ("五、信息处理费收取情况 通知收取件数 通知收取金额（元） 实际收取金额（元） 信息处理费收取情况"
              "2 300 300")


@pytest.mark.parametrize("layout", [LAYOUT, "spaces", "pdf_text"])
def test_the_fee_table_printed_after_table_four_is_not_read_into_it(layout: str) -> None:
    # 2025 reports add a section 五 with a small table of fees between 表四 and the
    # section on problems (then 六): its numbers are no cells of 表四.
    rep = generate_report(11, layout=layout, year=2025, encoding="utf-8")
    text = rep.text.replace("五、存在的主要问题", _FEE_TABLE + " 六、存在的主要问题", 1)
    text = text.replace("六、其他需要报告的事项", "七、其他需要报告的事项", 1)
    assert _FEE_TABLE in text
    got = extract_bytes(text.encode(), name="page" + rep.extension)
    ambiguous = _ambiguous_rows(got)
    truth = [f for f in rep.facts if f"{f['table']}/{f['row_key']}" not in ambiguous]
    assert not {r.split("/")[0] for r in ambiguous} - {"active_disclosure"}
    assert cell_differences([f.as_dict() for f in got.facts], truth) == []
