"""Every cell round-trips through the ``ocr_markdown`` layout (converter markdown).

表三 cut into pieces under repeated headings with placeholder headers, page markers
inside the tables, rows whose label was cut away, 表四 as one table per block: the
generator's truth is exact, so every cell (value and kind) must come back, in both
templates, every encoding and with every damage option.
"""

from __future__ import annotations

import pytest

from extract.report import ExtractedReport, extract_bytes
from synth import ENCODINGS, OCR_LAYOUT, TEMPLATES, GeneratedReport, cell_differences
from synth import generate_report as generate


def _round_trip(rep: GeneratedReport) -> ExtractedReport:
    got = extract_bytes(rep.data, name="report" + rep.extension)
    assert cell_differences([f.as_dict() for f in got.facts], rep.facts) == []
    assert (got.agency, got.year, got.template) == (rep.agency, rep.year, rep.template)
    return got


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("seed", range(12))
def test_every_cell_in_both_templates(template: str, seed: int) -> None:
    got = _round_trip(generate(seed, layout=OCR_LAYOUT, template=template))
    assert got.format == "markdown"
    assert all(c.passed for c in got.checks)
    assert not any(w.code in ("unlabelled_values", "short_row", "header_not_found")
                   for w in got.warnings)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_encoding(encoding: str) -> None:
    _round_trip(generate(500 + ENCODINGS.index(encoding), layout=OCR_LAYOUT,
                         encoding=encoding))


def test_unlabelled_rows_are_placed() -> None:
    inferred = 0
    for seed in range(20):
        got = _round_trip(generate(seed, layout=OCR_LAYOUT))
        inferred += sum(w.code == "row_inferred" for w in got.warnings)
    assert inferred >= 10  # the layout does cut labels away, and each is placed


@pytest.mark.parametrize("option", ["drop_row", "reorder_rows", "single_other_row",
                                    "break_rules"])
def test_damage_options(option: str) -> None:
    for seed in range(4):
        rep = generate(seed, layout=OCR_LAYOUT, template="2021", **{option: True})
        got = _round_trip(rep)
        if option == "break_rules":
            assert set(rep.broken_rules) <= {c.rule for c in got.checks if not c.passed}


def test_truncated_reports_keep_what_was_printed() -> None:
    for seed in range(4):
        rep = generate(seed, layout=OCR_LAYOUT, truncate=True)
        got = extract_bytes(rep.data, name="report" + rep.extension)
        assert cell_differences([f.as_dict() for f in got.facts], rep.facts) == []
