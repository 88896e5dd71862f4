"""``generate_report``: one deterministic synthetic report with its exact truth.

Each concern draws from its own random stream derived from the seed (identity,
style, numbers, labels, values, prose, rendering, damage), so forcing the layout
or the encoding of a seed changes only that: the numbers and labels stay the same.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from .encoding import ENCODINGS, encode, html_charset
from .grid import repeat_merged as _repeat_merged
from .identity import AGENCIES, template_for_year
from .keys import ACTIVE, APPLICATIONS, TEMPLATES
from .model import Line, Part, Table, Text
from .narrative import Narrative, narrative
from .numbers import DEFAULT_BREAK_KINDS, generate_numbers
from .numbers import break_rules as _break_rules
from .pdf_file import text_pdf
from .render import (
    CRAWLER_LAYOUT,
    DRAWN_LAYOUTS,
    GLUED_LAYOUTS,
    LAYOUTS,
    PDF_LAYOUTS,
    REPEAT_MERGED_LAYOUTS,
    WHITESPACE_LAYOUTS,
    page_text,
    render,
)
from .render_crawler import render_crawler
from .render_ocr import OCR_LAYOUT, render_ocr
from .rules import values_from_facts, violations
from .style import canonical_style, draw_style
from .tables import (
    RowEdits,
    TableBuilder,
    blank_subrow_totals,
    choose_edits,
    combine_active,
    separate_active,
)
from .values import Formatter

YEARS = range(2019, 2026)
EXTENSIONS: dict[str, str] = {
    "markdown": ".md", "html": ".html", "html_word": ".htm", "pdf": ".pdf", OCR_LAYOUT: ".md"}
# Layouts asked for by name only, outside LAYOUTS: a seed never draws them (so existing
# seeds keep their reports) and the generic round-trip matrices leave them to their
# own tests.
NAMED_LAYOUTS: tuple[str, ...] = (OCR_LAYOUT,)
# 表二 as one markdown table per sub-table.
_SEPARATE_ACTIVE = frozenset(("markdown", OCR_LAYOUT))


@dataclass(frozen=True)
class GeneratedReport:
    """A synthetic report: its text, its file bytes and the truth of every printed cell.

    ``facts`` holds one dict per printed cell (``table, row_key, col_key, value,
    cell``) in printing order; ``broken_rules`` the check rules the numbers
    break on purpose; ``effects`` the damage applied (``dropped_row:…``,
    ``reordered_rows:…``, ``truncated:…``) and ``repeated_merged`` where merged
    labels are written out in every position they cover.
    """

    text: str
    data: bytes
    encoding: str
    layout: str
    template: str
    agency: str
    year: int
    extension: str
    facts: list[dict[str, object]]
    broken_rules: list[str]
    effects: list[str] = field(default_factory=list)

    def truth(self) -> dict[str, object]:
        """The JSON-ready truth record of this report (without its path)."""
        return {
            "agency": self.agency,
            "year": self.year,
            "template": self.template,
            "layout": self.layout,
            "encoding": self.encoding,
            "broken_rules": self.broken_rules,
            "effects": self.effects,
            "facts": self.facts,
        }


def _rng(seed: int, stream: str) -> random.Random:
    return random.Random(f"{seed}:{stream}")


def _check(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"unknown {name} {value!r}; choose from {', '.join(allowed)}")


def _parts(
    narr: Narrative, builder: TableBuilder, layout: str, edits: RowEdits, subrows: bool
) -> list[Part]:
    parts: list[Part] = [*narr.opening, *narr.overview, Text("heading", "二、主动公开政府信息情况")]
    subs = builder.active_subtables(edits, combined=layout not in _SEPARATE_ACTIVE)
    if layout in _SEPARATE_ACTIVE:
        for sub in subs:
            parts += [Text("caption", sub.title), separate_active(sub)]
    else:
        parts.append(combine_active(subs))
    space_headers = layout not in PDF_LAYOUTS
    parts += [
        Text("heading", "三、收到和处理政府信息公开申请情况"),
        builder.applications_table(edits, subrows, space_headers),
        Text("heading", "四、政府信息公开行政复议、行政诉讼情况"),
        builder.reviews_table(space_headers),
        *narr.closing,
    ]
    return parts


def _as_printed(lines: list[Line], text: str) -> list[Line]:
    """``lines`` with the text as encoded (traditional characters), one for one."""
    printed = text.split("\n")
    return [Line(p, line.facts, line.table) for p, line in zip(printed, lines, strict=False)]


def _truncate(rng: random.Random, lines: list[Line]) -> tuple[list[Line], str]:
    table = rng.choice((ACTIVE, APPLICATIONS, APPLICATIONS))
    inside = [i for i, line in enumerate(lines) if line.table == table]
    cut = rng.choice(inside[len(inside) // 4 : max(len(inside) // 4 + 1, 3 * len(inside) // 4)])
    return lines[: cut + 1], f"truncated:{table}:after_line={cut + 1}"


def generate_report(
    seed: int,
    *,
    template: str | None = None,
    layout: str | None = None,
    encoding: str | None = None,
    agency: str | None = None,
    year: int | None = None,
    variations: bool = True,
    break_rules: bool = False,
    break_kinds: Sequence[str] | None = None,
    single_other_row: bool = False,
    drop_row: bool = False,
    reorder_rows: bool = False,
    truncate: bool = False,
    traditional: bool = False,
    blank_totals: bool = False,
    repeat_merged: bool = False,
    many_cases: bool = False,
) -> GeneratedReport:
    """Generate one report; every option left ``None`` is drawn from ``seed``.

    ``break_rules`` breaks one or two consistency rules in ways drawn from
    ``break_kinds`` (names in ``BREAK_KINDS``; by default the first four, so that
    existing seeds keep their reports; ``details_over_total``, ``zero_total`` and
    ``block_parts`` only when named); ``broken_rules`` lists every rule broken.
    ``traditional`` prints the report in traditional characters whatever the
    encoding (Big5 always is); the facts stay the same. ``blank_totals`` leaves 表三's
    总计 column blank on every item row (not in the whitespace layouts, which cannot
    show a blank cell); the rules this breaks are added to ``broken_rules``.
    ``repeat_merged`` writes a merged header or row label into every grid position it
    covers, as converters of HTML tables do (in ``REPEAT_MERGED_LAYOUTS``; elsewhere it
    does nothing, and ``effects`` says where it applied); the facts stay the same.
    ``many_cases`` gives every 表四 block ten or more cases, so that its cells have
    several digits (the rest of the report stays as the seed draws it).
    """
    pick = _rng(seed, "pick")
    drawn = (
        pick.choice(AGENCIES),
        pick.choice(YEARS),
        pick.choice(DRAWN_LAYOUTS),
        pick.choice(ENCODINGS),
    )
    agency = agency or drawn[0]
    year = int(year if year is not None else drawn[1])
    layout = layout or drawn[2]
    encoding = encoding or drawn[3]
    template = template or template_for_year(year)
    _check("template", template, TEMPLATES)
    _check("layout", layout, LAYOUTS + NAMED_LAYOUTS)
    _check("encoding", encoding, ENCODINGS)
    subrows = template == "2021" and not single_other_row

    style = draw_style(_rng(seed, "style"), template) if variations else canonical_style(template)
    if layout in GLUED_LAYOUTS:
        style = replace(style, thousands=False)  # a crawler that glues cells drops commas
    nums = generate_numbers(_rng(seed, "numbers"), agency, year, template, subrows, many_cases)
    kinds = tuple(break_kinds) if break_kinds is not None else DEFAULT_BREAK_KINDS
    broken = _break_rules(_rng(seed, "break"), nums, kinds) if break_rules else []
    edits, effects = choose_edits(_rng(seed, "edits"), drop_row, reorder_rows)
    fmt = Formatter(f"{seed}:values", style, layout in WHITESPACE_LAYOUTS)
    builder = TableBuilder(nums, style, _rng(seed, "labels"), fmt)
    narr = narrative(_rng(seed, "text"), style, agency, year, nums)
    parts = _parts(narr, builder, layout, edits, subrows)
    blank_totals = blank_totals and layout not in WHITESPACE_LAYOUTS
    if blank_totals:
        parts = [blank_subrow_totals(p) if isinstance(p, Table) and p.name == APPLICATIONS
                 else p for p in parts]
    if repeat_merged and layout in REPEAT_MERGED_LAYOUTS:
        parts = [_repeat_merged(p) if isinstance(p, Table) else p for p in parts]
        effects.append("repeated_merged")
    if layout == OCR_LAYOUT:
        # Rows lose their label only where their place in the template's order is
        # certain: no row dropped or moved, and the text not cut short.
        orphans = not (drop_row or reorder_rows or truncate)
        lines = render_ocr(parts, _rng(seed, "render"), orphans)
    elif layout == CRAWLER_LAYOUT:
        lines = render_crawler(parts, _rng(seed, "render"), agency, year)
    else:
        lines = render(parts, layout, _rng(seed, "render"), html_charset(encoding))
    if truncate:
        lines, effect = _truncate(_rng(seed, "truncate"), lines)
        effects.append(effect)
    facts = [fact.as_dict() for line in lines for fact in line.facts]
    if blank_totals:
        broken = violations(values_from_facts(facts))
    text, data = encode(page_text(lines), encoding, traditional)
    if layout == "pdf":  # the same lines drawn into a PDF; ``encoding`` only picks the script
        traditional = traditional or encoding == "big5"
        data = text_pdf(_as_printed(lines, text) if traditional else lines, traditional)
    return GeneratedReport(
        text=text,
        data=data,
        encoding=encoding,
        layout=layout,
        template=template,
        agency=agency,
        year=year,
        extension=EXTENSIONS.get(layout, ".txt"),
        facts=facts,
        broken_rules=broken,
        effects=effects,
    )
