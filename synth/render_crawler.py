"""The ``crawler`` layout: a report page's text as a web crawler saves it (``page.txt``).

A crawler that keeps only a page's text writes a few lines of metadata (标题, 发布时间,
文号, 发布机构, 栏目, 原文链接, 本地目录), perhaps a ``==== 正文 ====`` rule, and then
the whole body on one line: the site's breadcrumb and share bar, the report's prose,
every table, the signature and a trailing ``附件下载``. What this reproduces:

* inside a table, each boundary between two value cells printed as nothing or as one
  space, per row in one of the habits of real pages: all glued (``291000030``), glued
  but for the row's total (``2600000 26``), all spaced, or a mix (``0 0 0 0 0 00``);
* a row's label before its first value with or without a space, and the next row's
  label right after the previous row's last value or one space later
  (``000000 02.其他…``); 表二's values glued to their labels, signs and units
  (``行政许可72171051``, ``政府集中采购1912762137元``); 表四's 15 cells as one run;
* header cells with a space inside (``商业 企业``), headers glued to one another;
* rarely, a stray space inside a multi-digit 表三 or 表四 number;
* prose that keeps its digits (dates, phone numbers, postcodes, counts), which are
  never table cells.

Every row is its own ``Line`` marked ``same_line``: the truth stays with the row that
prints it, and a truncated text ends between two rows of the one body line.
"""

from __future__ import annotations

import random
import re

from .identity import CITY, DISTRICT
from .keys import ACTIVE, REVIEWS
from .model import Line, Part, Row, Table, Text
from .render import row_facts

ROW_HABITS: tuple[str, ...] = ("glued", "total_apart", "spaced", "mixed")
FAVOURITE_PROB = 0.6  # a row follows the page's favourite habit, else any habit
STRAY_SPACE_PROB = 0.04  # a 表三/表四 row with a space inside one of its numbers
REVIEW_TOTALS = (4, 9, 14)  # 表四: the positions of the three blocks' 总计
SEPARATOR = "=" * 20 + " 正文 " + "=" * 20
_SPLIT_HEADERS = frozenset(("商业企业", "科研机构"))
_DOMAINS = ("www.yunxi.gov.cn", "yxq.jiangzhou.gov.cn", "www.jzyx.gov.cn")
_COLUMNS = ("zwgk/zfxxgkzl/zfxxgknb", "zwgk/xxgkml/gknb", "xxgk/zfxxgkndbg")
_CRUMB = ("首页", "政务公开", "政府信息公开", "法定主动公开内容", "政府信息公开年报")
_SIGN_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


def _title(parts: list[Part], agency: str, year: int) -> str:
    """The report's title as the page prints it."""
    titles = [p.text for p in parts if isinstance(p, Text) and p.kind == "title"]
    return "".join(titles) or f"{agency}{year}年政府信息公开工作年度报告"


def _published(rng: random.Random, parts: list[Part], year: int) -> str:
    """The publication time: the day the report is signed (January to March of the
    next year), at a drawn hour."""
    signs = [p.text for p in parts if isinstance(p, Text) and p.kind == "sign"]
    found = _SIGN_DATE.search(signs[-1]) if signs else None
    if found:
        y, m, d = (int(g) for g in found.groups())
    else:
        y, m, d = year + 1, rng.randint(1, 3), rng.randint(1, 28)
    return f"{y}-{m:02d}-{d:02d} {rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}"


def _insert_digit_space(rng: random.Random, text: str) -> str | None:
    """``text`` with a space between two of its digits, or None if it has no such pair."""
    spots = [i for i in range(1, len(text)) if text[i - 1].isdigit() and text[i].isdigit()]
    if not spots:
        return None
    at = rng.choice(spots)
    return text[:at] + " " + text[at:]


class CrawlerRenderer:
    """Renders a report's parts as a crawler's ``page.txt``; habits drawn from ``rng``."""

    def __init__(self, rng: random.Random, agency: str, year: int) -> None:
        self.rng = rng
        self.agency = agency
        self.year = year
        self.favourite = rng.choice(ROW_HABITS)
        self.row_gap_prob = rng.choice((0.2, 0.5, 0.8))  # a space before the next row
        self.label_gap_prob = rng.choice((0.1, 0.5, 0.9))  # a space after a 表三 label
        self.active_gap_prob = 0.15  # a space after a 表二 label
        self.header_gap_prob = rng.choice((0.6, 0.9))  # a space between two header cells
        self.split_headers = rng.random() < 0.6
        self.separator = rng.random() < 0.7

    # the metadata lines -------------------------------------------------------
    def head(self, parts: list[Part], published: str) -> list[Line]:
        """The crawler's metadata lines above the body."""
        rng = self.rng
        title = _title(parts, self.agency, self.year)
        day = published[:10].replace("-", "")
        page_id = rng.randint(10_000, 999_999)
        folder = f"{rng.choice(_COLUMNS)}/{day[:6]}"
        number = f"云溪政信〔{self.year + 1}〕{rng.randint(1, 9)}号" if rng.random() < 0.2 else ""
        lines = [
            f"标题: {title}",
            f"发布时间: {published}",
            f"文号: {number}",
            f"发布机构: {self.agency if rng.random() < 0.4 else ''}",
            "栏目: 政府信息公开年报",
            f"原文链接: https://{rng.choice(_DOMAINS)}/{folder}/t{day}_{page_id}.htm",
            f"本地目录: {folder}/{page_id}_{title}",
            "页面链接与图片详见 links.tsv(同目录)",
        ]
        if self.separator:
            lines.append(SEPARATOR)
        return [Line(text) for text in lines]

    # the body's chrome --------------------------------------------------------
    def chrome_top(self, parts: list[Part], published: str) -> str:
        """Breadcrumb, title, source and time, share bar, as the page prints them."""
        rng = self.rng
        sep = rng.choice(("", ">", " > ", "＞"))
        crumb = sep.join(_CRUMB)
        source = rng.choice(("", "本站", self.agency))
        share = rng.choice(("--> 微信 微博 QQ空间 全真版 文字版 文件下载 相关链接：",
                            "【字体：大 中 小】 【打印本页】 分享到：",
                            f"浏览次数：{rng.randint(100, 9999)} 【打印】【关闭】"))
        return (f"当前位置：{rng.choice(('', ' '))}{crumb} {_title(parts, self.agency, self.year)}"
                f" 来源：{source} 时间：{published} {share}")

    def contact(self) -> str:
        """An address line with a postcode and a phone number, as many openings end."""
        rng = self.rng
        return (f"（联系地址：{CITY}{DISTRICT}{rng.choice(('人民路', '府前街', '文化路'))}"
                f"{rng.randint(1, 300)}号，邮编：{rng.randint(310000, 319999)}；"
                f"电话：0571-{rng.randint(80000000, 89999999)}）")

    def chrome_bottom(self) -> str:
        """What follows the signature on the page."""
        rng = self.rng
        return rng.choice(("附件下载", "附件下载 【打印本页】 【关闭窗口】",
                           f"附件下载 扫一扫在手机打开当前页 访问量：{rng.randint(1000, 999999)}",
                           "相关附件： 附件下载"))

    # tables ------------------------------------------------------------------
    def _header_cell(self, text: str) -> str:
        if self.split_headers and text in _SPLIT_HEADERS:
            return text[:2] + " " + text[2:]
        return text

    def _header_row(self, row: Row) -> str:
        texts = [self._header_cell(c.text) for c in row.cells if c.text]
        gap = " " if self.rng.random() < self.header_gap_prob else ""
        return gap.join(texts)

    def _value_gaps(self, table: str, n: int) -> list[str]:
        """The n - 1 boundaries between a row's n values, in one drawn habit."""
        rng = self.rng
        habit = self.favourite if rng.random() < FAVOURITE_PROB else rng.choice(ROW_HABITS)
        if habit == "glued":
            return [""] * (n - 1)
        if habit == "spaced":
            return [" "] * (n - 1)
        if habit == "mixed":
            return [rng.choice(("", " ")) for _ in range(n - 1)]
        totals = REVIEW_TOTALS if table == REVIEWS else (n - 1,)
        return [" " if i + 1 in totals else "" for i in range(n - 1)]

    def _stray_space(self, table: str, values: list[str]) -> list[str]:
        """Rarely, one multi-digit 表三/表四 value with a space inside."""
        if table == ACTIVE or self.rng.random() >= STRAY_SPACE_PROB:
            return values
        at = self.rng.randrange(len(values))
        spaced = _insert_digit_space(self.rng, values[at])
        if spaced is None:
            return values
        return [*values[:at], spaced, *values[at + 1 :]]

    def _data_row(self, table: str, row: Row) -> str:
        labels = [c.text for c in row.cells if c.role not in ("value", "filler") and c.text]
        values = [c.text for c in row.cells if c.role == "value" and c.text]
        if not values:
            return " ".join(labels)
        values = self._stray_space(table, values)
        gaps = self._value_gaps(table, len(values))
        run = values[0] + "".join(g + v for g, v in zip(gaps, values[1:], strict=True))
        if not labels:
            return run
        gap_prob = self.active_gap_prob if table == ACTIVE else self.label_gap_prob
        return " ".join(labels) + (" " if self.rng.random() < gap_prob else "") + run

    def table(self, table: Table) -> list[Line]:
        """One line per row, each to be printed after the one before on the body line."""
        out = []
        for i, row in enumerate(table.rows):
            text = self._data_row(table.name, row) if row.kind == "data" else self._header_row(row)
            gap = " " if i == 0 or self.rng.random() < self.row_gap_prob else ""
            out.append(Line(gap + text, row_facts(row.cells), table.name, same_line=True))
        return out

    # the page -----------------------------------------------------------------
    def body(self, parts: list[Part], published: str) -> list[Line]:
        """The one body line, as pieces: chrome, prose and table rows, chrome."""
        out = [Line(self.chrome_top(parts, published))]
        contact = self.rng.random() < 0.6
        for part in parts:
            if isinstance(part, Table):
                out += self.table(part)
                continue
            out.append(Line(" " + part.text, same_line=True))
            if contact and part.kind == "para":
                out.append(Line(self.contact(), same_line=True))
                contact = False
        out.append(Line(" " + self.chrome_bottom(), same_line=True))
        return out


def render_crawler(parts: list[Part], rng: random.Random, agency: str, year: int) -> list[Line]:
    """A crawler's ``page.txt`` of the report: metadata lines, then one body line."""
    renderer = CrawlerRenderer(rng, agency, year)
    published = _published(rng, parts, year)
    return renderer.head(parts, published) + renderer.body(parts, published)
