"""Flattening HTML pages into lines of cells (extract.html), however deep the markup
(a thousand nested elements, tens of thousands of unclosed tags)."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from extract.html import html_to_lines, looks_like_html
from extract.report import extract_bytes
from synth import GeneratedReport, cell_differences, generate_report, hostile

PAGE = """<!DOCTYPE html>
<html><head><meta charset="gbk"><title>年报</title>
<style>td { color: red }</style><script>var x = "| 1 | 2 |";</script></head>
<body>
<h1>区民政局2021年政府信息公开工作年度报告</h1>
<p>一、总体情况<br>我局认真贯彻落实条例&nbsp;。</p>
<table>
<tr><th>信息内容</th><th>本年制发件数</th><th>本年废止件数</th><th>现行有效件数</th></tr>
<tr><td><span>规</span>章</td><td>1</td><td></td><td>3</td></tr>
<tr><td></td><td></td><td></td><td></td></tr>
</table>
</body></html>"""


def test_rows_become_pipe_lines_with_their_source_lines() -> None:
    lines = html_to_lines(PAGE)
    rows = [(n, t) for n, t in lines if "|" in t]
    assert rows == [
        (8, "信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数"),
        (9, "规章 | 1 |  | 3"),  # <span> inside a cell, an empty cell kept
        (10, " |  |  | "),  # a row of empty cells stays a row
    ]


def test_paragraphs_are_lines_and_scripts_vanish() -> None:
    texts = [t for _, t in html_to_lines(PAGE)]
    assert "区民政局2021年政府信息公开工作年度报告" in texts
    assert any(t.startswith("一、总体情况") for t in texts)
    assert not any("var x" in t or "color" in t for t in texts)


def test_html_is_recognised_by_its_tags() -> None:
    assert looks_like_html("<TABLE><tr><td>1</td></tr></TABLE>")
    assert not looks_like_html("规章 | 1 | 2 |\n行政许可 | 3 | 4 |")


def test_empty_or_broken_markup_gives_lines_not_an_error() -> None:
    assert html_to_lines("") == []
    assert html_to_lines("<table><tr><td>规章<td>1</table") == [(1, "规章 | 1")]


# ------------------------------------------------------------ however deep the markup

REPORT = generate_report(3, layout="html", encoding="utf-8")
WORD = generate_report(3, layout="html_word", encoding="utf-8")


def _rows(html: str) -> list[tuple[int, str]]:
    return [(n, t) for n, t in html_to_lines(html) if "|" in t]


@pytest.mark.parametrize("report", [REPORT, WORD], ids=["html", "html_word"])
@pytest.mark.parametrize("hostile_page", [
    lambda page: hostile.nested_html(page, 1000),  # deep, yet within the parser's reach
    lambda page: hostile.nested_html(page, 1000, "span"),
    lambda page: hostile.nested_html(page, 5000),  # deeper than libxml2 builds
    lambda page: hostile.unclosed_html(page, 20_000),  # <font size=2> never closed
    lambda page: hostile.unclosed_html(page, 20_000, "div"),
], ids=["div1000", "span1000", "div5000", "font20000", "div20000"])
def test_deep_markup_keeps_the_reports_rows_and_their_lines(
        report: GeneratedReport, hostile_page: Callable[[str], str]) -> None:
    page = report.data.decode("utf-8")
    expected = _rows(page)
    assert len(expected) > 30
    started = time.process_time()
    assert _rows(hostile_page(page)) == expected
    assert time.process_time() - started < 5  # tens of ms; bounded whatever the depth
    got = extract_bytes(hostile_page(page).encode("utf-8"), name="a.html")
    assert cell_differences([f.as_dict() for f in got.facts], report.facts) == []


def test_the_fallback_keeps_tables_and_blocks_and_drops_scripts() -> None:
    page = ("<html><body>" + "<font>" * 3000 + "<p>区民政局2021年政府信息公开工作年度报告</p>\n"
            "<script>var s = '<div>1 | 2</div>'; if (a<b) {}</script>\n"
            "<div>一、总体情况<br>正文</div>\n"
            "<table><tr><td><b>规章</b></td><td>1</td></tr></table></body></html>")
    assert html_to_lines(page) == [
        (1, "区民政局2021年政府信息公开工作年度报告"), (3, "一、总体情况"), (3, "正文"),
        (4, "规章 | 1")]
