"""The comparison report's cells: links to source files (a stored name, escaped as in
``extract.names``, links to the file's real bytes and is shown escaped), shares with
their base, changes absolute and relative, text from the data escaped."""

from __future__ import annotations

import os
from pathlib import Path

from load.compare.html import (
    SMALL_NOTE,
    change_cell,
    count_cell,
    share_cell,
    source_link,
    text_cell,
)
from load.views import SMALL_BASE


def test_a_name_that_is_not_utf8_links_to_the_file_itself(tmp_path: Path) -> None:
    folder = os.path.join(os.fsencode(tmp_path), b"\xff\xfe\xe5\xb1\x80")
    os.mkdir(folder)
    with open(os.path.join(folder, b"2020.txt"), "wb") as f:
        f.write(b"report")
    html = source_link("\\xff\\xfe局/2020.txt", 7, tmp_path)
    href = html.split('href="', 1)[1].split('"', 1)[0]
    assert href == f"{tmp_path.resolve().as_uri()}/%FF%FE%E5%B1%80/2020.txt"
    assert "<code>\\xff\\xfe局/2020.txt:7</code>" in html


def test_a_backslash_in_a_stored_name_is_one_backslash_in_the_link(tmp_path: Path) -> None:
    html = source_link("a\\\\b/2020.txt", None, tmp_path)
    assert "/a%5Cb/2020.txt" in html


def test_control_characters_are_shown_escaped(tmp_path: Path) -> None:
    html = source_link("区\x1b[31m局/2020.txt", None, None)
    assert html == '<code class="src">区\\x1b[31m局/2020.txt</code>'


# ------------------------------------------------------------------------ cells

def test_a_share_says_its_base_and_is_greyed_below_the_small_base() -> None:
    big = share_cell(0.5, 1431, show_n=True, csv_n=True)
    assert 'title="n=1,431"' in big.html and '<small class="n">n=1,431</small>' in big.html
    assert "small" not in big.html.split(">")[0] and big.csv == ("50.0%", "1431")
    tiny = share_cell(0.5, 2)
    assert 'class="num share small"' in tiny.html
    assert f"(&lt;{SMALL_BASE}: too few to compare)" in tiny.html and tiny.csv == ("50.0%",)
    missing = share_cell(None, 3, "blank: the row is blank", show_n=True, csv_n=True)
    assert ">blank<" in missing.html and "n=3" in missing.html
    assert missing.csv == ("blank", "3")


def test_a_change_is_absolute_then_relative_unless_the_base_is_small() -> None:
    cell = change_cell(1200, 0.053, 22_641)
    assert ">+1,200 <small" in cell.html and "(+5.3%)" in cell.html
    assert cell.csv == ("+1200", "+5.3%")
    small = change_cell(-3, None, 4)
    assert small.csv == ("-3", SMALL_NOTE) == ("-3", f"n/a (base <{SMALL_BASE})")
    assert "below 10: no percentage" in small.html
    missing = change_cell(None, None, None, "no 2020 figure: none loaded")
    assert missing.csv == ("no 2020 figure", "")
    assert 'title="no 2020 figure: none loaded"' in missing.html


def test_text_from_the_data_is_escaped_and_its_control_characters_shown() -> None:
    cell = text_cell('区<b>\x1b[31m"局')
    assert cell.html == "<td>区&lt;b&gt;\\x1b[31m&quot;局</td>"
    assert cell.csv == ('区<b>\\x1b[31m"局',)
    assert count_cell(None, "failed: the file is empty").csv == ("failed",)
    assert count_cell(12345.0).csv == ("12345",) and ">12,345<" in count_cell(12345.0).html


def test_text_a_spreadsheet_would_run_as_a_formula_is_quoted_in_the_csv() -> None:
    cell = text_cell("=HYPERLINK(\"http://x\")局")
    assert cell.csv == ("'=HYPERLINK(\"http://x\")局",)
    assert cell.html == "<td>=HYPERLINK(&quot;http://x&quot;)局</td>"
    assert text_cell("区-局").csv == ("区-局",)
