"""The ``ocr_markdown`` layout prints what converter markdown looks like."""

from __future__ import annotations

import re

import pytest

from synth import LAYOUTS, OCR_LAYOUT, generate_report
from synth.render_ocr import APP_HEADING, PLACEHOLDER_HEADER, RL_BLOCK_HEADINGS


def _texts(n: int = 10, **options: object) -> list[str]:
    return [generate_report(s, layout=OCR_LAYOUT, encoding="utf-8", **options).text
            for s in range(n)]


def test_table_three_cut_into_pieces_with_placeholder_headers() -> None:
    for text in _texts():
        pieces = text.count(PLACEHOLDER_HEADER)
        assert pieces >= 4  # 表三 has 20 to 24 rows, at most six a piece
        assert text.count(APP_HEADING) == pieces  # the heading repeats with each piece
        assert "申请人情况" in text and "自然人" not in text  # the printed header is gone


def test_page_markers_fall_inside_tables() -> None:
    marker = re.compile(r"^— \d+ —$", re.M)
    inside = 0
    for text in _texts(20):
        lines = text.splitlines()
        inside += sum(1 for i, line in enumerate(lines)
                      if marker.match(line) and lines[i - 1].startswith("|")
                      and lines[i + 1].startswith("|"))
    assert inside >= 5


def test_table_four_as_one_table_per_block() -> None:
    for text in _texts():
        blocks = [text.index(h) for h in RL_BLOCK_HEADINGS]
        assert blocks == sorted(blocks)
        assert text.count("| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |") == 3


def test_rows_lose_their_label_only_without_damage() -> None:
    orphan = re.compile(r"^\| [^|\u4e00-\u9fff]*(?: \| [^|\u4e00-\u9fff]*){6} \|$", re.M)
    assert sum(len(orphan.findall(t)) for t in _texts(20)) >= 10
    for option in ("drop_row", "reorder_rows", "truncate"):
        assert not any(orphan.findall(t) for t in _texts(6, **{option: True})), option


def test_truth_covers_every_value_line() -> None:
    rep = generate_report(3, layout=OCR_LAYOUT, template="2021")
    tables = {f["table"] for f in rep.facts}
    assert tables == {"active_disclosure", "applications", "reviews_litigation"}
    assert sum(f["table"] == "reviews_litigation" for f in rep.facts) == 15
    assert rep.extension == ".md"


def test_seeds_never_draw_the_layout() -> None:
    assert OCR_LAYOUT not in LAYOUTS
    assert all(generate_report(s).layout != OCR_LAYOUT for s in range(60))


def test_same_seed_same_bytes() -> None:
    a, b = (generate_report(7, layout=OCR_LAYOUT) for _ in range(2))
    assert a.data == b.data


def test_unknown_layout_still_refused() -> None:
    with pytest.raises(ValueError):
        generate_report(1, layout="ocr")
