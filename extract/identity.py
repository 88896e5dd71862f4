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
# 政府信息公开工作年度报告 and the variants agencies print: 信息公开…, …工作的年度报告,
# …工作情况报告, …年度工作报告, …年报.
_REPORT_WORDS = (
    r"(?:的)?(?:政府)?(?:信息公开|政务公开)(?:工作)?(?:的)?(?:年度)?(?:工作)?(?:情况)?"
    r"(?:报告|年报)"
)
_TITLE_AGENCY_AFTER = re.compile(
    # The agency between the year and the words, where 政府/政务 is printed: else
    # "2020年度政府信息公开…" would read 政府 as the agency.
    _YEAR + r"\s*年度?\s*(?P<agency>[^\d，。,；;]{2,40}?)(?:政府信息公开|政务公开)"
    r"(?:工作)?(?:的)?(?:年度)?(?:工作)?(?:情况)?(?:报告|年报)"
)
_TITLE_YEAR_FIRST = re.compile(_YEAR + r"\s*年度?\s*" + _REPORT_WORDS)
_OPENING = re.compile(r"^\s*" + _YEAR + r"\s*年度?\s*[,，、]\s*(?P<rest>\S.*)$")
_NOISE_PREFIX = re.compile(r"^(?:正文|附件\d*|标题)[:：]?")
_NOISE_SUFFIX = re.compile(r"(?:关于\S{0,4}|的)$")  # 某局关于报送2020年度…报告的函
# A site's navigation before a crawled page's title: more than any agency name holds.
_NAVIGATION = re.compile(r"当前位置|首页|>|»|\S{31,}")


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


def looks_like_agency(name: str) -> bool:
    """Whether a name ends like an agency (局, 委员会, 人民政府, 街道办事处…)."""
    return bool(_agency_pattern().fullmatch(_compact(name)))


def _clean_agency(text: str) -> str | None:
    text = _NOISE_PREFIX.sub("", _compact(text)).strip("#*《》“”\"'：:,，")
    text = _NOISE_SUFFIX.sub("", text)  # 某局关于2020年度…报告
    return text if len(text) >= 2 else None


_PAGE_NUMBER = re.compile(r"[-—–\s\d]+")


def _compact(text: str) -> str:
    """The text without whitespace: ``str.split()`` splits on exactly the characters
    regex ``\\s`` matches, and does it several times faster than a substitution."""
    return "".join(text.split())


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
    joined = _compact("".join(head[:4]))
    m = _TITLE_AGENCY_AFTER.search(joined)
    if m:
        return _clean_agency(m["agency"]), int(m[1]), m.group(0)
    for i, line in enumerate(head[:6]):
        compact = _compact(line)
        pair = compact + (_compact(head[i + 1]) if i + 1 < len(head) else "")
        m = _TITLE_YEAR_FIRST.search(pair)
        if not m or m.start() >= len(compact):
            continue
        before = compact[: m.start()]
        agency = _clean_agency(before) or _agency_from_lines_above(head, i)
        if agency and _NAVIGATION.search(agency):
            agency = _agency_after_navigation(line, m[1]) or agency
        return agency, int(m[1]), (agency or "") + m.group(0)
    return None, None, None


def _agency_after_navigation(line: str, year: str) -> str | None:
    """The agency where a crawled page's navigation runs on into the title
    (``当前位置： 首页 > … > 政府信息公开年报 区医疗保障局2024年…报告``): the word
    before the title's year, where it reads as an agency."""
    words = line[: max(0, line.find(year))].split()
    agency = _clean_agency(words[-1]) if words else None
    return agency if agency and looks_like_agency(agency) else None


def _agency_from_lines_above(head: list[str], i: int) -> str | None:
    """The agency printed on the line(s) above the title: one line, or two when the
    upper one does not end like an agency (杭州市滨江区 / 应急管理局)."""
    if i == 0:
        return None
    agency = _clean_agency(head[i - 1])
    if agency and i >= 2 and not _agency_pattern().fullmatch(_compact(head[i - 2])):
        upper = _clean_agency(head[i - 2])
        if upper and len(upper) <= 12 and not re.search(r"[，。,.;；:：\d]", upper):
            agency = upper + agency
    return agency


def _from_opening(head: list[str]) -> tuple[str | None, int | None]:
    for line in head[:3]:
        m = _OPENING.match(line)
        if m:
            agency = _agency_pattern().match(_compact(m["rest"]))
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
    period = _PERIOD.search(_compact("".join(lines[:80])))
    if period:
        year = int(period[1])
    return Identity(agency, year, title)


def _subsequence(short: str, long: str) -> bool:
    """Whether ``short``'s characters appear in ``long`` in order."""
    chars = iter(long)
    return all(ch in chars for ch in short)


def same_agency(a: str, b: str) -> bool:
    """Whether two spellings can name one agency: one is the other with a place before
    it (江州市云溪区应急管理局, 区应急管理局) or shortened (区应急局, 区卫健局), so
    the characters of the shorter appear in the longer in order. The shorter opening
    the longer names another agency (区人民政府, 区人民政府办公室), except where the
    rest is only what the short form leaves out (东湖街道, 东湖街道办事处)."""
    short, long = sorted((_compact(a), _compact(b)), key=len)
    if short == long:
        return True
    if not _subsequence(short, long):
        return False
    return not (long.startswith(short) and looks_like_agency(short))


def identity_conflicts(agency: str | None, year: int | None, found: Identity) -> list[str]:
    """What the report's own text says against the agency and year it is read under
    (``agency``/``year``, from its path or its caller): ``agency X (the report names
    Y)`` and ``year N (the report names M)``; empty where they agree or either is
    unknown."""
    out: list[str] = []
    if agency and found.agency and not same_agency(agency, found.agency):
        out.append(f"agency {agency} (the report names {found.agency})")
    if year is not None and found.year is not None and year != found.year:
        out.append(f"year {year} (the report names {found.year})")
    return out
