"""Crawled pages around Word-exported HTML (the ``html_word`` layout) round-trip.

The generator writes the whole page a crawler saves: menus, breadcrumb and footer
around the article, the article in a layout table cell, Word's 100–400 K character
style blocks, ``<o:p>``, labels split over nested spans, ``<br>`` in header labels,
``&nbsp;`` blanks and rowspan/colspan headers. Every cell must come back, in both
templates, over many seeds.
"""

from __future__ import annotations

import pytest

from extract.html import article_start, html_to_lines
from extract.report import ExtractedReport, extract_bytes
from synth import TEMPLATES, GeneratedReport, cell_differences, generate_report


def _round_trip(rep: GeneratedReport) -> ExtractedReport:
    got = extract_bytes(rep.data, name="page" + rep.extension)
    assert cell_differences([f.as_dict() for f in got.facts], rep.facts) == []
    assert (got.agency, got.year, got.template) == (rep.agency, rep.year, rep.template)
    failed = {c.rule for c in got.checks if not c.passed}
    assert failed == set(rep.broken_rules)
    return got


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("seed", range(40))
def test_word_pages_round_trip(seed: int, template: str) -> None:
    rep = generate_report(seed, layout="html_word", template=template)
    _round_trip(rep)
    assert extract_bytes(rep.data, name="page.htm").format == "html"


@pytest.mark.parametrize("seed", range(8))
def test_blank_totals_are_left_for_the_reader_to_total(seed: int) -> None:
    # 总计 left blank on every item row of 表三 (for the reader to total): the six
    # printed parts give it, as a derived cell; never a 0 read from the blank.
    for layout in ("html_word", "html", "pipe"):
        rep = generate_report(seed, layout=layout, blank_totals=True)
        derived = [f for f in rep.facts if f["table"] == "applications"
                   and f["col_key"] == "total" and f["cell"] == "derived"
                   and f["row_key"] != "other"]
        got = _round_trip(rep)  # checks each derived value against the truth
        assert bool(derived) == any(w.code == "total_derived" for w in got.warnings)


def test_word_pages_have_the_markup_of_real_ones() -> None:
    sizes = []
    for seed in range(12):
        rep = generate_report(seed, layout="html_word", encoding="utf-8")
        text = rep.text
        sizes.append(len(text))
        for mark in ("mso-", "<o:p>", "rowspan=", "colspan=", "&nbsp;", "class=MsoNormal",
                     "当前位置", "网站标识码"):
            assert mark in text, mark
    assert all(100 * 1024 <= n <= 420 * 1024 for n in sizes)
    assert any("<br" in generate_report(s, layout="html_word").text for s in range(4))


def test_a_layout_table_around_the_article_keeps_the_report_tables_rows() -> None:
    page = ("<table><tr><td class=nav>首页</td><td><p>正文</p>"
            "<table><tr><td>规章</td><td>1</td></tr><tr><td>规范性文件</td><td>2</td></tr>"
            "</table></td></tr></table>")
    texts = [t for _, t in html_to_lines(page)]
    assert "规章 | 1" in texts and "规范性文件 | 2" in texts


def test_article_starts_at_the_title_or_the_agency_above_it() -> None:
    lines = ["首页", "政府信息公开年报", "当前位置：首页 > 政务公开 > 年报",
             "区民政局", "2021年政府信息公开工作年度报告", "一、总体情况"]
    assert article_start(lines) == 3
    assert article_start(["首页", "2020年，区应急管理局严格按照…"]) == 1
    assert article_start(["一、总体情况", "表格"]) == 0


@pytest.mark.parametrize("seed", range(4))
def test_a_text_file_holding_a_page_is_read_as_html(seed: int) -> None:
    rep = generate_report(seed, layout="html_word", encoding="gb18030")
    got = extract_bytes(rep.data, name="2021.txt")
    assert got.format == "html"
    assert cell_differences([f.as_dict() for f in got.facts], rep.facts) == []
