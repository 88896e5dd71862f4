"""Printed labels of the three tables, with the spelling variants of real reports.

Every label the generator prints is made here, from the ``Style`` of the report:
（一） or (一), ``1.`` or ``1、``, the quotes of “三安全一稳定”, the typo
其他法律行政止公开, half-width punctuation and stray spaces inside labels.
"""

from __future__ import annotations

import random

from .style import Style

CN_NUMERALS = "一二三四五六七八九十"
GROUP_LABEL = "三、本年度办理结果"

WITHHELD = (
    "属于国家秘密",
    "其他法律行政法规禁止公开",
    "危及{q0}三安全一稳定{q1}",
    "保护第三方合法权益",
    "属于三类内部事务信息",
    "属于四类过程性信息",
    "属于行政执法案卷",
    "属于行政查询事项",
)
UNAVAILABLE = ("本机关不掌握相关政府信息", "没有现成信息需要另行制作", "补正后申请内容仍不明确")
NOT_PROCESSED = (
    "信访举报投诉类申请",
    "重复申请",
    "要求提供公开出版物",
    "无正当理由大量反复申请",
    "要求行政机关确认或重新出具已获取信息",
)
OTHER_SUB = (
    "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "其他",
)
TYPO = "其他法律行政止公开"

_HALF = str.maketrans({"（": "(", "）": ")", "，": ",", "：": ":"})
_CJK_LO, _CJK_HI = "\u4e00", "\u9fff"


def punct(style: Style, text: str) -> str:
    """Apply the report's half-width punctuation habit to a label."""
    return text.translate(_HALF) if style.paren_half else text


def paren(style: Style, n: int, text: str) -> str:
    """``（三）不予公开`` or ``(三)不予公开``."""
    return punct(style, f"（{CN_NUMERALS[n - 1]}）{text}")


def item(n: int, text: str, sep: str) -> str:
    """``1.属于国家秘密`` or ``1、属于国家秘密``."""
    return f"{n}{sep}{text}"


def article(style: Style, n: int) -> str:
    """The heading of a 表二 sub-table, e.g. ``第二十条第（一）项``."""
    num = CN_NUMERALS[n - 1]
    if style.article == "half":
        return f"第二十条第({num})项"
    gap = " " if style.article == "spaced" else ""
    return f"第二十条{gap}第（{num}）项"


def _is_cjk(ch: str) -> bool:
    return _CJK_LO <= ch <= _CJK_HI


def insert_space(
    rng: random.Random, text: str, prob: float, start: int = 0, min_len: int = 8
) -> str:
    """Maybe break ``text[start:]`` (when at least ``min_len`` long) by one space."""
    if prob <= 0 or len(text) - start < min_len or rng.random() >= prob:
        return text
    spots = [i for i in range(start + 1, len(text)) if _is_cjk(text[i - 1]) and _is_cjk(text[i])]
    if not spots:
        return text
    at = rng.choice(spots)
    return text[:at] + " " + text[at:]


def _items(style: Style, rng: random.Random, texts: tuple[str, ...], sep: str) -> list[str]:
    out = []
    for n, text in enumerate(texts, 1):
        label = item(n, text, sep)
        out.append(insert_space(rng, label, style.label_space_prob, start=len(str(n)) + 1))
    return out


def withheld_items(style: Style, rng: random.Random) -> list[str]:
    """The eight 不予公开 item labels."""
    q0, q1 = style.quotes
    texts = tuple(t.format(q0=q0, q1=q1) for t in WITHHELD)
    if style.typo:
        texts = (texts[0], TYPO, *texts[2:])
    return _items(style, rng, texts, style.item_sep)


def unavailable_items(style: Style, rng: random.Random) -> list[str]:
    """The three 无法提供 item labels."""
    return _items(style, rng, UNAVAILABLE, style.item_sep)


def not_processed_items(style: Style, rng: random.Random) -> list[str]:
    """The five 不予处理 item labels."""
    return _items(style, rng, NOT_PROCESSED, style.item_sep)


def other_items(style: Style, rng: random.Random) -> list[str]:
    """The three 2021 其他处理 item labels."""
    return _items(style, rng, OTHER_SUB, style.other_item_sep)


def partially_granted(style: Style) -> str:
    """（二）部分公开 with its parenthetical, as the template prints it."""
    return paren(style, 2, "部分公开（区分处理的，只计这一情形，不计其他情形）")


def note(style: Style) -> str:
    """The corner cell of 表三."""
    return punct(style, "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）")


def fees_header(style: Style) -> str:
    """The 2021 fees column header."""
    return punct(style, "本年收费金额（单位：万元）")


def header(style: Style, rng: random.Random, text: str) -> str:
    """A leaf header label, sometimes broken by a space like ``其他结 果``."""
    if len(text) < 4:
        return text
    return insert_space(rng, text, style.header_space_prob, min_len=4)
