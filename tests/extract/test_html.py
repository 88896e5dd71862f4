"""Flattening HTML pages into lines of cells (extract.html)."""

from __future__ import annotations

from extract.html import html_to_lines, looks_like_html

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
