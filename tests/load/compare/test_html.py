"""The comparison report's links to source files: a stored name (escaped, see
``extract.names``) links to the file's real bytes and is shown escaped."""

from __future__ import annotations

import os
from pathlib import Path

from load.compare.html import source_link


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
