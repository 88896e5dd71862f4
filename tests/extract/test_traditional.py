"""Reports printed in traditional characters (繁體 mirror copies) in any encoding.

Labels such as 政府資訊公開 are matched after an OpenCC conversion to simplified
characters, while raw values and raw labels keep the characters as printed.
"""

from __future__ import annotations

import itertools

import pytest

from extract.decode import decode_bytes, has_traditional, simplified
from extract.report import extract_bytes
from synth import ENCODINGS, LAYOUTS, cell_differences, generate_report
from synth.render import GLUED_LAYOUTS

COMBINATIONS = list(itertools.product(  # glued layouts: their own tests
    [layout for layout in LAYOUTS if layout not in GLUED_LAYOUTS], ENCODINGS))


@pytest.mark.parametrize(("layout", "encoding"), COMBINATIONS)
def test_traditional_reports_round_trip(layout: str, encoding: str) -> None:
    for seed in (COMBINATIONS.index((layout, encoding)), 500 + COMBINATIONS.index(
            (layout, encoding))):
        rep = generate_report(seed, layout=layout, encoding=encoding, traditional=True)
        assert has_traditional(rep.text)
        got = extract_bytes(rep.data, name="report" + rep.extension)
        assert cell_differences([f.as_dict() for f in got.facts], rep.facts) == []
        assert (got.agency, got.year, got.template) == (rep.agency, rep.year, rep.template)


@pytest.mark.parametrize("layout", ["pipe", "html", "markdown"])
def test_raw_labels_stay_as_printed(layout: str) -> None:
    rep = generate_report(3, layout=layout, encoding="utf-8", traditional=True)
    got = extract_bytes(rep.data, name="report" + rep.extension)
    labels = " ".join(f.raw_row_label or "" for f in got.facts)
    assert has_traditional(labels)  # e.g. 行政復議, 申請, 處理 as printed
    assert not has_traditional(" ".join(f.row_key for f in got.facts))


def test_utf8_traditional_text_is_converted_and_kept() -> None:
    decoded = decode_bytes("二〇二〇年政府資訊公開工作年度報告".encode())
    assert decoded.text == "二〇二〇年政府资讯公开工作年度报告"
    assert decoded.printed == "二〇二〇年政府資訊公開工作年度報告"


def test_simplified_text_is_left_alone() -> None:
    assert simplified("政府信息公开工作年度报告") == ("政府信息公开工作年度报告", None)
