"""Find a report's agency, statistics year and title in its own text.

Used when the caller (or the source folder layout) does not say. The statistics year
is what matters, not the publication date printed at the end: the period sentence
(``统计期限自2020年1月1日``) is the most reliable, then the title
(``平潭综合实验区2019年度政府信息公开工作年度报告``, possibly broken over two lines),
then an opening like ``2020年,区应急管理局严格按照…`` (the seed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from transform.maps import read_map

HEAD_LINES = 12
_YEAR = r"((?:19|20)\d{2})"
_PERIOD = re.compile(r"统计(?:期限|周期|时限|区间|时间|范围)[^0-9]{0,12}" + _YEAR + r"\s*年")
_REPORT_WORDS = r"(?:政府信息公开|政务公开)(?:工作)?(?:年度)?报告"
_TITLE_AGENCY_AFTER = re.compile(
    _YEAR + r"\s*年度?\s*(?P<agency>[^\d，。,；;]{2,40}?)" + _REPORT_WORDS
)
_TITLE_YEAR_FIRST = re.compile(_YEAR + r"\s*年度?\s*" + _REPORT_WORDS)
_OPENING = re.compile(r"^\s*" + _YEAR + r"\s*年度?\s*[,，、]\s*(?P<rest>\S.*)$")
_NOISE_PREFIX = re.compile(r"^(?:正文|附件\d*|标题)[:：]?")


@dataclass(frozen=True, slots=True)
class Identity:
    """What the report says about itself; any part may be unknown."""

    agency: str | None
    year: int | None
    title: str | None


@cache
def _agency_pattern() -> re.Pattern[str]:
    suffixes = sorted((r["suffix"] for r in read_map("agency_suffixes")), key=len, reverse=True)
    return re.compile(r"^(?P<agency>\S{1,30}?(?:" + "|".join(map(re.escape, suffixes)) + "))")


def _clean_agency(text: str) -> str | None:
    text = _NOISE_PREFIX.sub("", re.sub(r"\s+", "", text)).strip("#*《》“”\"'：:,，")
    return text if len(text) >= 2 else None


_PAGE_NUMBER = re.compile(r"[-—–\s\d]+")
_SPACES = re.compile(r"\s+")


def _head_lines(lines: list[str]) -> list[str]:
    """The first non-empty lines, page numbers left out."""
    head: list[str] = []
    for line in lines[:60]:
        line = line.strip()
        if line and not _PAGE_NUMBER.fullmatch(line):
            head.append(line)
            if len(head) == HEAD_LINES:
                break
    return head


def _from_title(head: list[str]) -> tuple[str | None, int | None, str | None]:
    joined = _SPACES.sub("", "".join(head[:4]))
    m = _TITLE_AGENCY_AFTER.search(joined)
    if m:
        return _clean_agency(m["agency"]), int(m[1]), m.group(0)
    for i, line in enumerate(head[:6]):
        compact = re.sub(r"\s+", "", line)
        pair = compact + (re.sub(r"\s+", "", head[i + 1]) if i + 1 < len(head) else "")
        m = _TITLE_YEAR_FIRST.search(pair)
        if not m or m.start() >= len(compact):
            continue
        before = compact[: m.start()]
        agency = _clean_agency(before) or (_clean_agency(head[i - 1]) if i else None)
        return agency, int(m[1]), (agency or "") + m.group(0)
    return None, None, None


def _from_opening(head: list[str]) -> tuple[str | None, int | None]:
    for line in head[:3]:
        m = _OPENING.match(line)
        if m:
            agency = _agency_pattern().match(re.sub(r"\s+", "", m["rest"]))
            return (agency["agency"] if agency else None), int(m[1])
    return None, None


def find_identity(lines: list[str]) -> Identity:
    """Agency, statistics year and title from the opening lines of a report."""
    head = _head_lines(lines)
    agency, year, title = _from_title(head)
    if agency is None or year is None:
        open_agency, open_year = _from_opening(head)
        agency = agency or open_agency
        year = year or open_year
    period = _PERIOD.search(_SPACES.sub("", "".join(lines[:80])))
    if period:
        year = int(period[1])
    return Identity(agency, year, title)
