"""Renders a report as a crawled web page holding a Word-exported article (``html_word``).

Government sites publish reports by pasting Word's "save as web page" output into a
CMS page, and a crawler saves the whole page. What this reproduces:

* the page frame: menus, a breadcrumb, a search box, side links and a footer with
  figures of its own (网站标识码, ICP备案号, 访问量), the article inside a layout
  ``<table>`` cell, as old CMS templates place it;
* Word's markup: a long ``<style>`` block of ``mso-`` definitions and ``@list``
  entries (the page weighs 100–400 KB), ``<!--[if gte mso 9]>`` XML islands,
  ``<p class=MsoNormal>`` inside every ``<td>``, ``<o:p>`` empties, labels split
  over nested ``<span>`` s, ``<br>`` inside header labels, blank cells written as
  ``&nbsp;``, source lines broken between tags;
* headings as ``<p>`` with ``<b><span>``, never ``<h1>``.

The truth is the same as every other layout: a blank cell (``&nbsp;``) stays
``blank`` with a null value, never 0 (the datasets keep blank distinct from 0).
"""

from __future__ import annotations

import random
from html import escape

from .model import Cell, Line, Part, Row, Table, Text

_NAV = ("首页", "政务公开", "政府信息公开指南", "政府信息公开制度", "法定主动公开内容",
        "政府信息公开年报", "互动交流", "政务服务", "走进本区")
_SIDE = ("领导信息", "机构职能", "规划计划", "财政资金", "人事信息", "统计信息", "应急管理")
_FONTS = ("宋体", "仿宋_GB2312", "Times New Roman", "黑体", "方正小标宋简体", "楷体_GB2312")
# Size of Word's style block, K characters: with the report around it the page
# weighs 100–400 K characters (KB in UTF-8 of the ASCII markup).
_SIZES = (75, 350)


def _word_style(rng: random.Random, size: int) -> str:
    """A Word style block of about ``size`` characters: fonts, styles, ``@list`` levels."""
    parts = ["<style>\n<!--\n /* Font Definitions */"]
    for font in _FONTS:
        parts.append(f' @font-face\n\t{{font-family:{font};\n\tpanose-1:2 1 6 0 3 1 1 1 1 1;'
                     f'\n\tmso-font-charset:134;\n\tmso-generic-font-family:auto;}}')
    parts.append(" p.MsoNormal, li.MsoNormal, div.MsoNormal\n\t{mso-style-parent:\"\";\n\t"
                 "margin:0cm;\n\ttext-align:justify;\n\tfont-size:10.5pt;\n\t"
                 "font-family:\"Times New Roman\",serif;\n\tmso-fareast-font-family:宋体;}")
    n, used = 0, sum(map(len, parts))
    while used < size:
        level = n % 9 + 1
        entry = (f" @list l{n // 9}:level{level}\n\t{{mso-level-number-format:chinese-counting;"
                 f"\n\tmso-level-text:\"%{level}、\";\n\tmso-level-tab-stop:{rng.randint(18, 90)}"
                 f".0pt;\n\tmso-level-number-position:left;\n\tmargin-left:"
                 f"{rng.randint(0, 60)}.0pt;\n\ttext-indent:-{rng.randint(10, 30)}.0pt;}}")
        parts.append(entry)
        used += len(entry)
        n += 1
    parts.append("-->\n</style>")
    return "\n".join(parts)


def _office_xml() -> list[str]:
    return [
        "<!--[if gte mso 9]><xml>",
        " <w:WordDocument>",
        "  <w:View>Normal</w:View>",
        "  <w:Zoom>0</w:Zoom>",
        "  <w:PunctuationKerning/>",
        "  <w:DrawingGridVerticalSpacing>7.8 磅</w:DrawingGridVerticalSpacing>",
        " </w:WordDocument>",
        "</xml><![endif]-->",
    ]


class WordRenderer:
    """Renders parts as Word HTML inside a crawled page; habits drawn from ``rng``."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.br_headers = rng.random() < 0.6
        self.split_spans = rng.choice((0.0, 0.3, 0.7))
        self.nbsp_blank = rng.choice(("span", "o:p", "bare"))
        self.layout_table = rng.random() < 0.6
        self.size = rng.randint(_SIZES[0], _SIZES[1]) * 1024

    def _span(self, text: str) -> str:
        """``text`` in Word's spans, sometimes split in two or three nested pieces."""
        font = self.rng.choice(_FONTS[:2])
        attrs = f" style='font-size:10.0pt;font-family:{font};mso-bidi-font-family:宋体'"
        if len(text) < 3 or self.rng.random() >= self.split_spans:
            return f"<span{attrs}>{escape(text, quote=False)}</span>"
        cut = self.rng.randint(1, len(text) - 1)
        head, tail = escape(text[:cut], quote=False), escape(text[cut:], quote=False)
        if self.rng.random() < 0.5:  # nested: <span>head<span lang=EN-US>tail</span></span>
            return f"<span{attrs}>{head}<span lang=EN-US>{tail}</span></span>"
        return f"<span{attrs}>{head}</span><span lang=ZH-CN{attrs}>{tail}</span>"

    def _blank(self) -> str:
        if self.nbsp_blank == "o:p":
            return "<span lang=EN-US><o:p>&nbsp;</o:p></span>"
        if self.nbsp_blank == "span":
            return "<span lang=EN-US style='font-size:10.0pt'>&nbsp;</span>"
        return "&nbsp;"

    def _header_text(self, text: str) -> str:
        """A header label, broken by ``<br>`` where Word wrapped it."""
        if not self.br_headers or len(text) < 4:
            return self._span(text)
        cut = self.rng.randint(2, len(text) - 2)
        br = self.rng.choice(("<br>", "<br/>", "<br clear=all>"))
        return f"{self._span(text[:cut])}{br}\n{self._span(text[cut:])}"

    def _cell(self, cell: Cell, header: bool) -> str:
        attrs = f" width={self.rng.randint(40, 160)} valign=top"
        if cell.colspan > 1:
            attrs += f" colspan={cell.colspan}"
        if cell.rowspan > 1:
            attrs += f" rowspan={cell.rowspan}"
        attrs += " style='border:solid windowtext 1.0pt;mso-border-alt:solid windowtext .5pt'"
        if not cell.text:
            inner = self._blank()
        elif header and cell.role in ("header", "span"):
            inner = self._header_text(cell.text)
        else:
            inner = self._span(cell.text)
        align = " align=center style='text-align:center'" if cell.role == "value" else ""
        return (f"<td{attrs}>\n<p class=MsoNormal{align}>{inner}"
                f"<span lang=EN-US><o:p></o:p></span></p>\n</td>")

    def _row(self, row: Row) -> str:
        cells = "\n".join(self._cell(c, row.kind == "header") for c in row.cells)
        return f"<tr style='mso-yfti-irow:0;height:15.0pt'>\n{cells}\n</tr>"

    def table(self, table: Table) -> list[Line]:
        """A Word table: each ``<tr>`` one output line (several source lines)."""
        out = [Line("<div align=center><table class=MsoNormalTable border=1 cellspacing=0 "
                    "cellpadding=0 style='border-collapse:collapse;mso-yfti-tbllook:1184'>",
                    (), table.name)]
        for row in table.rows:
            out.append(Line(self._row(row), tuple(f for c in row.cells for f in c.facts),
                            table.name))
        out.append(Line("</table></div>", (), table.name))
        return out

    def text(self, part: Text) -> Line:
        """A paragraph; titles and headings are bold paragraphs, as Word writes them."""
        body = self._span(part.text)
        if part.kind in ("title", "heading", "caption"):
            align = " align=center style='text-align:center'" if part.kind == "title" else ""
            return Line(f"<p class=MsoNormal{align}><b>{body}</b><o:p></o:p></p>")
        if part.kind == "sign":
            return Line(f"<p class=MsoNormal align=right style='text-align:right'>{body}</p>")
        return Line(f"<p class=MsoNormal style='text-indent:32.0pt'>{body}"
                    "<span lang=EN-US><o:p></o:p></span></p>")

    def frame_top(self, title: str, charset: str) -> list[Line]:
        """The page's head and everything above the article."""
        nav = "".join(f'<li><a href="/col/col{100 + i}/index.html">{n}</a></li>'
                      for i, n in enumerate(_NAV))
        return [
            Line("<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\">"),
            Line("<html xmlns:v=\"urn:schemas-microsoft-com:vml\" "
                 "xmlns:o=\"urn:schemas-microsoft-com:office:office\">"),
            Line("<head>"),
            Line(f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'),
            Line(f"<title>{escape(title, quote=False)}_政务公开_门户网站</title>"),
            Line('<script type="text/javascript">var _hmt = _hmt || []; '
                 'var site = {"id": 3201050001, "menu": "| 1 | 2 |"};</script>'),
            *(Line(t) for t in _office_xml()),
            Line(_word_style(self.rng, self.size)),
            Line("</head>"),
            Line("<body>"),
            Line('<div class="top"><a href="/">无障碍浏览</a> <span>2024年3月1日 星期五</span>'
                 "</div>"),
            Line(f'<div class="nav"><ul>{nav}</ul></div>'),
            Line('<div class="search"><form><input name="q" value="请输入关键字">'
                 "<button>搜索</button></form></div>"),
            Line('<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a>政务公开</a> &gt; '
                 "<span>政府信息公开年报</span></div>"),
            Line('<div class="info">发布时间：2024-01-31 10:21 来源：本站 浏览次数：1208 '
                 "字号：[大 中 小]</div>"),
        ]

    def frame_bottom(self) -> list[Line]:
        """Everything below the article: side links, share bar, footer."""
        side = "".join(f"<li><a>{n}</a></li>" for n in _SIDE)
        return [
            Line('<div class="share">分享到：<a>微信</a> <a>微博</a> '
                 "【打印本页】【关闭窗口】</div>"),
            Line(f'<div class="side"><h3>相关链接</h3><ul>{side}</ul></div>'),
            Line('<div class="footer"><p>主办单位：区人民政府办公室 承办：区大数据管理中心</p>'),
            Line("<p>网站标识码：3201050001 苏ICP备05004712号-1 苏公网安备 32010502010321号</p>"),
            Line("<p>联系电话：025-57712345 总访问量：3560218</p></div>"),
        ]


def render_word(parts: list[Part], rng: random.Random, charset: str) -> list[Line]:
    """The whole crawled page as lines."""
    renderer = WordRenderer(rng)
    titles = [p.text for p in parts if isinstance(p, Text) and p.kind == "title"]
    out = renderer.frame_top("".join(titles) or "政府信息公开工作年度报告", charset)
    if renderer.layout_table:  # old CMS templates: the article in a layout table cell
        out.append(Line('<table width="1000" align="center"><tr><td class="article">'))
    out.append(Line("<div class=WordSection1 style='layout-grid:15.6pt'>"))
    for part in parts:
        out += [renderer.text(part)] if isinstance(part, Text) else renderer.table(part)
        if isinstance(part, Table):  # Word keeps an empty paragraph after a table
            out.append(Line("<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>"))
    out.append(Line("</div>"))
    if renderer.layout_table:
        out.append(Line("</td></tr></table>"))
    return out + renderer.frame_bottom() + [Line("</body>"), Line("</html>")]
