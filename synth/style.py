"""Per-report printing habits, drawn once from the seed.

Real reports of the same template differ in how they number labels, quote
“三安全一稳定”, write dashes, amounts and digits.  One ``Style`` bundles those
choices so a report is internally consistent, like a real one, while a corpus
covers every variant.  ``variations=False`` gives the canonical style.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

QUOTES: tuple[tuple[str, str], ...] = (("“", "”"), ('"', '"'), ("「", "」"))
DASHES: tuple[str, ...] = ("/", "—", "-", "无")
OPENINGS: tuple[str, ...] = ("title", "title2", "seed")


@dataclass(frozen=True, slots=True)
class Style:
    """How one report prints labels and values."""

    paren_half: bool = False
    item_sep: str = "."
    other_item_sep: str = "."
    quotes: tuple[str, str] = ("“", "”")
    article: str = "full"
    typo: bool = False
    decisions_label: str = "本年处理决定数量"
    normative_label: str = "行政规范性文件"
    label_space_prob: float = 0.0
    header_space_prob: float = 0.0
    fullwidth_prob: float = 0.0
    dash: str = "—"
    zero_dash_prob: float = 0.0
    zero_blank_prob: float = 0.0
    active_dash_prob: float = 0.0
    thousands: bool = False
    procurement_wan: bool = True
    opening: str = "title"


def canonical_style(template: str) -> Style:
    """The style of a report printed exactly like the official template."""
    if template == "2019":
        return Style(decisions_label="处理决定数量", normative_label="规范性文件")
    return Style()


def _template_labels(rng: random.Random, template: str) -> tuple[str, str]:
    decisions = ("处理决定数量", "本年处理决定数量")
    normative = ("规范性文件", "行政规范性文件")
    old = template == "2019"
    swap_d = rng.random() < (0.2 if old else 0.1)
    swap_n = rng.random() < (0.2 if old else 0.1)
    return decisions[int(old == swap_d)], normative[int(old == swap_n)]


def _dash_habits(rng: random.Random) -> tuple[float, float, float]:
    roll = rng.random()
    if roll < 0.55:
        return 0.0, 0.0, 0.03 if rng.random() < 0.3 else 0.0
    if roll < 0.8:
        return rng.uniform(0.3, 1.0), 0.0, 0.08
    return 0.0, rng.uniform(0.3, 1.0), 0.08


def draw_style(rng: random.Random, template: str) -> Style:
    """Draw every printing habit of one report."""
    decisions, normative = _template_labels(rng, template)
    item_sep = rng.choice((".", ".", ".", "、"))
    zero_dash, zero_blank, active_dash = _dash_habits(rng)
    return Style(
        paren_half=rng.random() < 0.35,
        item_sep=item_sep,
        other_item_sep=rng.choice((item_sep, item_sep, "、")),
        quotes=rng.choice(QUOTES),
        article=rng.choice(("full", "full", "half", "spaced")),
        typo=rng.random() < 0.15,
        decisions_label=decisions,
        normative_label=normative,
        label_space_prob=rng.choice((0.0, 0.0, 0.08, 0.2)),
        header_space_prob=rng.choice((0.0, 0.0, 0.15, 0.4)),
        fullwidth_prob=rng.choice((0.0,) * 5 + (0.1, 0.3)),
        dash=rng.choice(DASHES),
        zero_dash_prob=zero_dash,
        zero_blank_prob=zero_blank,
        active_dash_prob=active_dash,
        thousands=rng.random() < 0.4,
        procurement_wan=rng.random() < 0.6,
        opening=rng.choice(OPENINGS),
    )
