"""Every cell round-trips: generated reports of every layout × template × encoding.

The project's generator (``synth``) prints reports with exact ground truth; these
tests extract them and compare every cell (value and kind), the agency, the
statistics year, the template, and that deliberately broken arithmetic shows up as
failed checks. A label read wrong, a value shifted into a neighbour, a blank read as
0 or a template misjudged fails here.
"""

from __future__ import annotations

import itertools

import pytest

from extract.report import ExtractedReport, extract_bytes
from synth import (
    ENCODINGS,
    LAYOUTS,
    TEMPLATES,
    GeneratedReport,
    cell_differences,
    generate_report,
)


def _extract(rep: GeneratedReport) -> ExtractedReport:
    return extract_bytes(rep.data, name="report" + rep.extension)


def assert_round_trip(rep: GeneratedReport) -> ExtractedReport:
    got = _extract(rep)
    assert cell_differences([f.as_dict() for f in got.facts], rep.facts) == []
    assert (got.agency, got.year, got.template) == (rep.agency, rep.year, rep.template)
    return got


COMBINATIONS = list(itertools.product(LAYOUTS, TEMPLATES, ENCODINGS))


@pytest.mark.parametrize(("layout", "template", "encoding"), COMBINATIONS)
def test_every_layout_template_and_encoding(layout: str, template: str, encoding: str) -> None:
    # The seed varies the rest of the report (labels, numbers, prose) per combination.
    seed = 1000 + COMBINATIONS.index((layout, template, encoding))
    rep = generate_report(seed, layout=layout, template=template, encoding=encoding)
    got = assert_round_trip(rep)
    expected_encoding = {"gbk": "gb18030", "big5": "big5"}.get(encoding, encoding)
    assert got.encoding == ("pdf" if layout == "pdf" else expected_encoding)
    assert got.format == {"pdf_text": "text", "html_word": "html"}.get(layout, layout)


@pytest.mark.parametrize("seed", range(150))
def test_many_seeds(seed: int) -> None:
    assert_round_trip(generate_report(seed))


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("option", ["drop_row", "reorder_rows", "single_other_row"])
def test_missing_reordered_and_single_other_rows(layout: str, option: str) -> None:
    for seed in range(4):
        rep = generate_report(seed, layout=layout, template="2021", **{option: True})
        got = assert_round_trip(rep)
        if option == "drop_row":
            assert any(w.code == "rows_missing" for w in got.warnings), rep.effects


@pytest.mark.parametrize("layout", LAYOUTS)
def test_truncated_reports_keep_what_was_printed(layout: str) -> None:
    for seed in range(4):
        rep = generate_report(seed, layout=layout, truncate=True)
        got = _extract(rep)
        assert cell_differences([f.as_dict() for f in got.facts], rep.facts) == []
        assert any(w.code in ("table_missing", "rows_missing", "short_row", "cells_missing")
                   for w in got.warnings)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_broken_arithmetic_is_reported_and_values_kept(layout: str) -> None:
    for seed in range(6):
        rep = generate_report(seed, layout=layout, break_rules=True)
        got = assert_round_trip(rep)
        failed = {c.rule for c in got.checks if not c.passed}
        assert set(rep.broken_rules) <= failed


@pytest.mark.parametrize("layout", LAYOUTS)
def test_consistent_reports_pass_every_check(layout: str) -> None:
    for seed in range(6):
        got = assert_round_trip(generate_report(seed, layout=layout))
        assert got.checks and all(c.passed for c in got.checks)
