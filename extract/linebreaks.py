"""Restore the line breaks of text that printed several table rows on one line.

A crawler that saves an agency's web page as text often keeps a few header lines and
then writes the whole body on one line: narrative, headings and every table, with
cells glued to each other and to the next row's label
(``…（七）总计 291000030四、结转下年度继续办理 000000 0 四、政府信息公开行政复议…``).
The table engine reads rows by their labels, but its notion of "the values after a
label" and "the prose before the tables" is kept per line, so such a line is cut
back into lines first, where a row label starts:

* before outline numbering (``一、``, ``（三）``) that does not follow a character of a
  word (``第二十条第（一）项`` and ``统一、`` are not headings);
* before a single digit of item numbering (``2.其他法律…``, ``1、申请人…``): in
  ``000000 02.其他法律…`` the ``2.`` opens the next label and the ``0`` before it is
  the last cell of the row before;
* before a row label or table anchor of the label map printed right after a value
  (``规章000行政规范性文件24432第二十条第（五）项…``);
* where prose follows a table's last cells without a break: before a year glued to
  a value (``四、结转下年度继续办理20000022025年，我局共收到…``), after a run of
  glued counts (``…总计10000100000000000我局严格规范…``).

Only lines that print labels of two different rows with a value between them are
cut (a delimited row naming its group and its row, ``（六）其他处理 | 1.申请人…``,
prints one row). The pieces keep the number of the line they were cut from, so facts
still point at the source's line; what each piece holds is tokenised exactly as it
would be on a line of its own.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

from transform.keys import AD, APP
from transform.labels import label_catalog, normalise_label

_NEWLINE = re.compile("\n")
_NUMERALS = "[一二三四五六七八九十]{1,3}"
_OUTLINE = re.compile(rf"\({_NUMERALS}\)|{_NUMERALS}、")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# A single digit: no table numbers its items past 9, so in ``12.没有…`` the 1 is a cell.
_ITEM_NUMBER = re.compile(r"(?<!\.)\d(?=[.、]\s*[\u4e00-\u9fff“\"(])")
# Numbering right before a label: （三） 三、 3. 3、, in at most this many characters.
NUMBERING_CHARS = 8
_NUMBERING_BEFORE = re.compile(rf"(?:\({_NUMERALS}\)|{_NUMERALS}、|\d[.、])\s*$")
# Prose glued to a row's last cell opens with a year: 继续办理20000022025年，我局…
_YEAR_AFTER_VALUE = re.compile(r"(?<=[\d—–\-/\\…])(?:19|20)\d{2}(?=年)")
# A run of glued counts (a leading zero, or more digits than any count) that prose
# follows without a break: …尚未审结总计10000100000000000我局严格规范…
_RUN_BEFORE_PROSE = re.compile(r"(?:(?<![\d.])0\d+|\d{7,})(?=[\u4e00-\u9fff])(?![元万年])")
# A printed value: not item numbering (1.), not a count in prose (12件, 2025年).
_A_VALUE = re.compile(r"\d(?![.、\d件条个次年月日项名人家份批篇])|[—–\-/\\…]")
_VALUE_END = frozenset("0123456789—–-/\\…无")
_UNITS = ("万元", "元", "万")


@dataclass(frozen=True, slots=True)
class Relined:
    """Lines after cutting, as compared (``lines``) and as printed (``raw``), and the
    source line number of each (1-based)."""

    lines: list[str]
    raw: list[str]
    numbers: list[int]


@cache
def _row_pattern() -> re.Pattern[str]:
    """Every row alias of 表二 and 表三, to tell a line of several rows."""
    aliases = [a for t in (AD, APP) for a in label_catalog().matcher(t, "row").contains]
    return re.compile("|".join(map(re.escape, sorted(aliases, key=len, reverse=True))))


@cache
def _cut_pattern() -> re.Pattern[str]:
    """Row aliases and table anchors: where a label may start after a value."""
    catalog = label_catalog()
    aliases = {a for t in (AD, APP) for a in catalog.matcher(t, "row").contains}
    aliases |= {a for (t, axis), m in catalog.matchers.items() if axis == "anchor"
                for a in m.contains}
    return re.compile("|".join(map(re.escape, sorted(aliases, key=len, reverse=True))))


def _compact(line: str) -> tuple[str, list[int]]:
    """The line as labels are compared, and where each of its characters stands in
    the line."""
    keep = [i for i, ch in enumerate(line) if normalise_label(ch)]
    return "".join([line[i] for i in keep]), keep


def prints_several_rows(line: str) -> bool:
    """Whether a line prints two or more table rows: labels of different rows with
    a value between them (a delimited row whose group and row labels both name rows,
    ``（六）其他处理 | 1.申请人…逾期不补正… | 0 | …``, prints one)."""
    return bool(run_on_lines([line]))


def run_on_lines(lines: list[str]) -> set[int]:
    """Indexes of the lines that print several table rows (see
    :func:`prints_several_rows`), found in one pass over the whole text."""
    # Spaces out, line breaks kept (quotes stay: enough to tell two rows apart). The
    # lines' width is normalised: every space is a plain one.
    compact = "\n".join(lines).replace(" ", "").replace("\t", "")
    starts = [m.end() for m in _NEWLINE.finditer(compact)]
    catalog = label_catalog()
    matchers = (catalog.matcher(AD, "row").contains, catalog.matcher(APP, "row").contains)
    found: set[int] = set()
    last, last_end, last_line = "", 0, -1
    for m in _row_pattern().finditer(compact):
        hit = matchers[0].get(m.group()) or matchers[1].get(m.group())
        if hit is None or hit[1] == "group":
            continue
        line = bisect_right(starts, m.start())
        if line == last_line and hit[0] != last and _A_VALUE.search(
                compact, last_end, m.start()):
            found.add(line)
        last, last_end, last_line = hit[0], m.end(), line
    return found


def _after_value(line: str, start: int) -> bool:
    """Whether the text before ``start`` ends with a value (spaces skipped)."""
    i = start - 1
    while i >= 0 and line[i] == " ":
        i -= 1
    if i < 0:
        return False
    if line[i] in _VALUE_END:
        return True
    return any(line.endswith(u, 0, i + 1) and i - len(u) >= 0 and line[i - len(u)].isdigit()
               for u in _UNITS)


def _heading_starts(line: str, start: int) -> bool:
    """Whether outline numbering at ``start`` opens a heading or label: not when it
    follows a character of a word (第二十条第（一）项, 统一、), unless that is a value
    (…行政强制无三、收到…, …123.94万元三、…)."""
    return start == 0 or not _CJK.match(line, start - 1) or _after_value(line, start)


def label_starts(line: str) -> list[int]:
    """Offsets in ``line`` where a row label, a heading or a table starts after other
    text: the places to cut a run-on line."""
    cuts = {m.start() for m in _OUTLINE.finditer(line) if _heading_starts(line, m.start())}
    cuts.update(m.start() for m in _ITEM_NUMBER.finditer(line))
    cuts.update(m.start() for m in _YEAR_AFTER_VALUE.finditer(line))
    cuts.update(m.end() for m in _RUN_BEFORE_PROSE.finditer(line))
    compact, where = _compact(line)
    for m in _cut_pattern().finditer(compact):
        start = where[m.start()]
        numbered = _NUMBERING_BEFORE.search(line, max(0, start - NUMBERING_CHARS), start)
        if numbered:
            cuts.add(numbered.start())  # 其他一、本年新收…: the label's own numbering
        elif _after_value(line, start):
            cuts.add(start)
    cuts.discard(0)
    return sorted(cuts)


def restore_line_breaks(lines: list[str], raw: list[str] | None = None,
                        numbers: list[int] | None = None) -> Relined | None:
    """Cut every line that prints several table rows where its labels start; None when
    no line does (the common case: the text keeps its line breaks).

    ``raw``: the lines as printed, cut at the same offsets (same lengths as ``lines``);
    ``numbers``: each line's source line number (default: its position, 1-based).
    """
    several = run_on_lines(lines)
    if not several:
        return None
    raw = raw if raw is not None else lines
    numbers = numbers if numbers is not None else list(range(1, len(lines) + 1))
    out = Relined([], [], [])
    for i, (line, printed, number) in enumerate(zip(lines, raw, numbers, strict=True)):
        cuts = label_starts(line) if i in several else []
        bounds = [0, *cuts, len(line)]
        sep = _delimiter(line) if cuts else None
        for a, b in pairwise(bounds):
            # A piece of a delimited line keeps its cells' places in the line: the
            # delimiters before it lead it (its cells line up with the header's).
            lead = sep * line.count(sep, 0, a) if sep and sep in line[a:b] else ""
            out.lines.append(lead + line[a:b])
            out.raw.append(lead + (printed[a:b] if len(printed) == len(line) else line[a:b]))
            out.numbers.append(number)
    return out


def _delimiter(line: str) -> str | None:
    """The delimiter of a line's cells, as the tokeniser takes it (pipe before tab)."""
    if "|" in line:
        return "|"
    return "\t" if "\t" in line else None


__all__ = ["Relined", "label_starts", "prints_several_rows", "restore_line_breaks"]
