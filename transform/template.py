"""Decide which official template a report follows, from the labels it prints.

The 2021 template (国办公开办函〔2021〕30号) changed the 表二 columns and split
（六）其他处理 in three. The year does not decide: some 2021+ reports keep the single
其他处理 row, some 2020 reports already print the 2021 表二 columns. So every label
whose alias in ``labels.csv`` names a template is a vote; 表二 column labels weigh
most, because they differ in every sub-table. The year decides only when no label
votes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from transform.keys import TEMPLATES

# 表二 columns are the clearest signal: each of 表二's sub-tables prints them.
_WEIGHTS = {("active_disclosure", "col"): 3}
FIRST_2021_YEAR = 2021


def detect_template(
    markers: Mapping[tuple[str, str, str], frozenset[str]], year: int | None
) -> tuple[str, str]:
    """Return ``(template, reason)`` from the template markers of matched labels."""
    votes: Counter[str] = Counter()
    for (table, axis, _key), templates in markers.items():
        if len(templates) == 1:
            (template,) = templates
            votes[template] += _WEIGHTS.get((table, axis), 1)
    if votes and votes["2019"] != votes["2021"]:
        template = max(TEMPLATES, key=lambda t: votes[t])
        return template, f"labels ({votes['2019']} votes 2019, {votes['2021']} votes 2021)"
    if year is not None:
        template = "2021" if year >= FIRST_2021_YEAR else "2019"
        return template, f"no deciding labels; by year {year}"
    return "2021", "no deciding labels and no year; assumed 2021"
