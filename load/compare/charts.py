"""The comparison report's charts: matplotlib figures as inline SVG whose text stays
text, so the browser draws the Chinese labels with its own fonts.

Agencies are ranked within their kind (bureaus with bureaus, towns with towns), each
kind a block of bars in its own colour; shares on a small base are drawn greyed after
the others of their kind, and every share bar says its n.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from load.compare.data import CASE_BLOCKS, CASE_OUTCOMES, MAX_BARS, MAX_SMALL_BARS, OUTCOMES
from load.compare.html import esc, fmt_change, fmt_count, fmt_delta, is_missing
from load.views import DISTRICT, SMALL_BASE

if TYPE_CHECKING:  # matplotlib is imported when a chart is drawn, not with the module
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

# The browser draws the charts' text: these CJK fonts first, where it has them.
FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei",
         "PingFang SC", "SimHei", "DejaVu Sans"]
KIND_COLOURS = ("#1565c0", "#00897b", "#8e24aa", "#6d4c41", "#546e7a", "#c0ca33")
SLOT_IN = 0.24  # inches per bar


def kind_colours(kinds: Sequence[str]) -> dict[str, str]:
    return {k: KIND_COLOURS[i % len(KIND_COLOURS)] for i, k in enumerate(kinds)}


def _figure(width: float, height: float) -> Figure:
    # Margins are set by hand (_bar_axes, _pair_axes): matplotlib's constrained layout
    # measures every label again and doubles the cost of a chart.
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def _bar_axes(labels: Sequence[str], *, legend: bool = False) -> tuple[Figure, Axes]:
    """A figure with one horizontal-bar axes sized for ``labels`` (one bar each)."""
    top_in, bottom_in = (0.75 if legend else 0.45), 0.55
    height = top_in + bottom_in + SLOT_IN * len(labels)
    # ≈ one em per CJK character at 9 pt, plus the tick and a little air
    left_in = 0.35 + 0.13 * max((len(str(label)) for label in labels), default=4)
    width = 9.5
    fig = _figure(width, height)
    fig.subplots_adjust(left=left_in / width, right=1 - 0.9 / width,
                        top=1 - top_in / height, bottom=bottom_in / height)
    return fig, fig.add_subplot()


def _pair_axes(height: float, *, sharey: bool = False) -> tuple[Figure, Sequence[Axes]]:
    """A figure with two axes side by side and room for a legend on the right."""
    fig = _figure(10, height)
    fig.subplots_adjust(left=0.06, right=0.8, top=0.88, bottom=0.1, wspace=0.22)
    return fig, fig.subplots(1, 2, sharey=sharey)


def svg(fig: Figure, title: str) -> str:
    """The figure as inline SVG (text as text: the browser's fonts draw the Chinese)."""
    import matplotlib

    buf = io.StringIO()
    rc = {"svg.fonttype": "none", "svg.hashsalt": "xxgk", "font.family": ["sans-serif"],
          "font.sans-serif": FONTS, "font.size": 9}
    with matplotlib.rc_context(rc), warnings.catch_warnings():
        # Layout measures text with the fonts matplotlib has; without a CJK font it
        # warns per glyph. The browser draws the text anyway.
        warnings.simplefilter("ignore", UserWarning)
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]  # no XML prolog or DOCTYPE inside HTML
    return (f'<figure class="chart" role="img" aria-label="{esc(title)}">{text}'
            f"<figcaption>{esc(title)}</figcaption></figure>")


def _styled(ax: Axes) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", color="#e0e0e0", linewidth=0.6)
    ax.set_axisbelow(True)


def bar_budget(sizes: dict[str, int], total: int = MAX_BARS) -> dict[str, int]:
    """How many bars each kind gets of ``total``: the smallest kinds first take what
    they need of an equal share, the larger ones share what is left."""
    budget: dict[str, int] = {}
    left, kinds = total, sorted(sizes, key=lambda k: sizes[k])
    for i, kind in enumerate(kinds):
        budget[kind] = min(sizes[kind], max(left // (len(kinds) - i), 1))
        left -= budget[kind]
    return budget


@dataclass(frozen=True)
class Slot:
    """One line of a bar chart: a kind's heading, a separator, or an agency's bar."""

    label: str
    row: dict | None = None
    style: str = "bar"  # bar | small | head | sep


def _heading(kind: str, shown: int, of: int) -> Slot:
    more = f"  top {shown} of {of}" if shown < of else ""
    return Slot(f"【{kind}】{more}", style="head")


def _label_axes(ax: Axes, slots: Sequence[Slot]) -> list[float]:
    """y positions top to bottom, tick labels styled by slot."""
    ys = [float(len(slots) - i) for i in range(len(slots))]
    ax.set_yticks(ys, [s.label for s in slots])
    ax.set_ylim(0.4, len(slots) + 0.6)
    for tick, slot in zip(ax.get_yticklabels(), slots, strict=True):
        if slot.style == "head":
            tick.set_fontweight("bold")
        elif slot.style in ("small", "sep"):
            tick.set_color("#888")
    ax.tick_params(axis="y", length=0)
    return ys


def chart_received(focus: pd.DataFrame, year: int, kinds: Sequence[str]) -> str:
    """Horizontal bars: requests received in the focus year, most first within each
    kind, coloured by kind."""
    known = focus.dropna(subset=["received"])
    if known.empty:
        return '<p class="empty">No agency reported requests received this year.</p>'
    groups = {k: g for k, g in known.groupby("agency_kind") if k in kinds}
    budget = bar_budget({k: len(g) for k, g in groups.items()})
    colours = kind_colours(kinds)
    slots: list[Slot] = []
    for kind in (k for k in kinds if k in groups):
        top = groups[kind].nlargest(budget[kind], "received")
        slots.append(_heading(kind, len(top), len(groups[kind])))
        slots += [Slot(r["agency"], r) for r in top.to_dict("records")]
    fig, ax = _bar_axes([s.label for s in slots])
    ys = _label_axes(ax, slots)
    for y, slot in zip(ys, slots, strict=True):
        if slot.row is None:
            continue
        value = float(slot.row["received"])
        ax.barh(y, value, color=colours[slot.row["agency_kind"]], height=0.75)
        ax.annotate(fmt_count(value), (value, y), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=8)
    ax.set_xlabel("本年新收申请 requests received")
    _styled(ax)
    return svg(fig, f"{year} 年本年新收政府信息公开申请数量 requests received, ranked within "
               "each kind of agency")


def _mix_slots(rows: pd.DataFrame, kind: str, budget: int) -> list[Slot]:
    """A kind's block: its agencies with enough outcomes, by share granted, then (after
    a separator) a few with too few, greyed."""
    shares = rows[rows["outcomes"] > 0]
    big = shares[shares["outcomes"] >= SMALL_BASE]
    small = shares[shares["outcomes"] < SMALL_BASE]
    top = big.nlargest(budget, "outcomes").sort_values(["granted_share", "agency"],
                                                        ascending=[False, True])
    slots = [_heading(kind, len(top), len(big))]
    slots += [Slot(r["agency"], r) for r in top.to_dict("records")]
    if len(small):
        few = small.nlargest(MAX_SMALL_BARS, "outcomes")
        more = f", {len(few)} of {len(small)} shown" if len(small) > len(few) else ""
        slots.append(Slot(f"— 基数<{SMALL_BASE} small base{more} —", style="sep"))
        slots += [Slot(r["agency"], r, "small") for r in few.to_dict("records")]
    return slots


def chart_outcome_mix(focus: pd.DataFrame, year: int, kinds: Sequence[str]) -> str:
    """100 % stacked bars: each agency's outcome mix with its n, ranked by share granted
    within its kind; agencies with fewer than SMALL_BASE outcomes greyed after them."""
    shares = focus[focus["outcomes"] > 0]
    if shares.empty:
        return '<p class="empty">No agency reported outcomes this year.</p>'
    groups = {k: g for k, g in shares.groupby("agency_kind") if k in kinds}
    budget = bar_budget({k: int((g["outcomes"] >= SMALL_BASE).sum()) or 1
                         for k, g in groups.items()})
    slots = [s for k in kinds if k in groups for s in _mix_slots(groups[k], k, budget[k])]
    fig, ax = _bar_axes([s.label for s in slots], legend=True)
    ys = _label_axes(ax, slots)
    bars = [(y, s) for y, s in zip(ys, slots, strict=True) if s.row is not None]
    for style, alpha in (("bar", 1.0), ("small", 0.28)):
        mine = [(y, s.row) for y, s in bars if s.style == style]
        if not mine:
            continue
        left = [0.0] * len(mine)
        for key, (_label, colour) in OUTCOMES.items():
            width = [100 * _number(r[f"{key}_share"]) for _, r in mine]
            ax.barh([y for y, _ in mine], width, left=left, color=colour, alpha=alpha,
                    height=0.75)
            left = [a + b for a, b in zip(left, width, strict=True)]
    for y, slot in bars:
        ax.annotate(f"n={fmt_count(slot.row['outcomes'])}", (100, y), xytext=(4, 0),  # type: ignore[index]
                    textcoords="offset points", va="center", fontsize=7.5,
                    color="#888" if slot.style == "small" else "#222")
    ax.set_xlim(0, 100)
    ax.set_xlabel("占办理结果的百分比 % of outcomes (n = outcomes, the base)")
    ax.legend(handles=_outcome_handles(), ncols=3, loc="lower center",
              bbox_to_anchor=(0.5, 1.0), frameon=False, fontsize=8)
    _styled(ax)
    return svg(fig, f"{year} 年申请办理结果构成 outcome mix by agency, ranked by share granted "
               f"within each kind; fewer than {SMALL_BASE} outcomes: greyed, after the others")


def _outcome_handles() -> list[Patch]:
    """The outcome colours' legend (whichever bars a chart happens to draw)."""
    from matplotlib.patches import Patch

    return [Patch(color=colour, label=label) for label, colour in OUTCOMES.values()]


def _number(value: object) -> float:
    return 0.0 if is_missing(value) else float(value)  # type: ignore[arg-type]


def _change_label(total: dict) -> str:
    if is_missing(total.get("received_change")):
        return ""
    pct = total.get("received_change_pct")
    return fmt_change(pct) if not is_missing(pct) else fmt_delta(total["received_change"])


def chart_district_trend(totals: pd.DataFrame, years: list[int], kinds: Sequence[str],
                         total_label: str) -> str:
    """Totals per year: requests received (the selection and each kind, with the
    selection's like-for-like change), and the outcome mix as shares with their n."""
    whole = totals[totals["district"]].set_index("year").reindex(years)
    fig, (ax1, ax2) = _pair_axes(3.8)
    ax1.plot(years, whole["received"], marker="o", color="#222", linewidth=2,
             label=total_label)
    colours = kind_colours(kinds)
    if len(kinds) > 1:
        for kind in kinds:
            mine = totals[(~totals["district"]) & (totals["group"] == kind)]
            mine = mine.set_index("year").reindex(years)
            ax1.plot(years, mine["received"], marker=".", color=colours[kind],
                     linewidth=1, label=kind)
    for year, row in whole.iterrows():
        label = _change_label(row.to_dict())
        if label and not is_missing(row["received"]):
            ax1.annotate(label, (year, row["received"]), xytext=(0, 6),
                         textcoords="offset points", ha="center", fontsize=7)
    ax1.set_title("本年新收申请 requests received (change: like for like)")
    ax1.set_xticks(years)
    ax1.set_ylim(bottom=0)
    ax1.legend(fontsize=7, frameon=False, loc="best")
    bottom = pd.Series(0.0, index=whole.index)
    for key, (label, colour) in OUTCOMES.items():
        share = (whole[f"{key}_share"] * 100).fillna(0.0)
        ax2.bar(whole.index, share, bottom=bottom, color=colour, label=label)
        bottom += share
    for year, n in whole["outcomes"].items():
        if not is_missing(n):
            ax2.annotate(f"n={fmt_count(n)}", (year, 100), xytext=(0, 2),
                         textcoords="offset points", ha="center", fontsize=6.5)
    ax2.set_title("办理结果构成 outcome mix (% of outcomes)", pad=12)
    ax2.set_xticks(years)
    ax2.set_ylim(0, 100)
    ax2.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    for ax in (ax1, ax2):
        _template_line(ax, years)
        ax.spines[["top", "right"]].set_visible(False)
    return svg(fig, f"{total_label} 年度趋势 trends: requests received per year (per kind, "
               "and the like-for-like change), outcome mix with its n")


def _template_line(ax: Axes, years: list[int]) -> None:
    """Mark where the 2021 template starts (the measures plotted compare across it)."""
    if years and years[0] < 2021 <= years[-1]:
        ax.axvline(2020.5, color="#888", linestyle=":", linewidth=0.8)


def sparkline(values: Sequence[object], years: Sequence[int], name: str) -> str:
    """A small inline SVG line chart of one agency's figures per year (drawn here, not by
    matplotlib: one per agency must stay cheap for districts of hundreds of agencies).
    Missing years break the line; the dotted line marks the 2021 template."""
    width, height, pad = 150, 34, 4
    known = [float(v) for v in values if not is_missing(v)]  # type: ignore[arg-type]
    if not known:
        return ""
    top = max(known) or 1.0
    step = (width - 2 * pad) / max(len(years) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return pad + i * step, height - pad - (height - 2 * pad) * v / top

    runs: list[list[tuple[float, float]]] = [[]]
    for i, v in enumerate(values):
        if is_missing(v):
            runs.append([])  # a gap in the line
        else:
            runs[-1].append(xy(i, float(v)))  # type: ignore[arg-type]
    points = [p for r in runs for p in r]
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="1.6"/>' for x, y in points)
    lines = "".join('<polyline points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in r) + '"/>'
                    for r in runs if len(r) > 1)
    marker = ""
    if years[0] < 2021 <= years[-1]:
        first = next(i for i, y in enumerate(years) if y >= 2021)
        x = pad + (first - 0.5) * step
        marker = f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height}" class="tpl"/>'
    label = ", ".join(f"{y}: {fmt_count(v) or 'n/a'}" for y, v in zip(years, values, strict=True))
    return (f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="{esc(name)}"><title>{esc(name)}: {esc(label)}</title>'
            f"{marker}{lines}{dots}</svg>")


def case_sums(cases: pd.DataFrame, years: list[int]) -> dict[str, pd.DataFrame]:
    """block → year × outcome sums of 表四."""
    columns = {block: [f"{block}_{key}" for key in CASE_OUTCOMES] for block in CASE_BLOCKS}
    out = {}
    for block, names in columns.items():
        frame = cases.groupby("year")[names].sum(min_count=1).reindex(years)
        out[block] = frame.set_axis(list(CASE_OUTCOMES), axis=1)
    return out


def chart_cases(cases: pd.DataFrame, years: list[int]) -> str:
    """Stacked bars per year: outcomes of 行政复议 and of 行政诉讼, selection-wide."""
    sums = case_sums(cases, years)
    if all(s.fillna(0).to_numpy().sum() == 0 for s in sums.values()):
        return '<p class="empty">No 行政复议 or 行政诉讼 case reported.</p>'
    fig, axes = _pair_axes(3.4, sharey=True)
    for ax, (block, title) in zip(axes, CASE_BLOCKS.items(), strict=True):
        one = sums[block]
        bottom = pd.Series(0.0, index=years)
        for key, (label, colour) in CASE_OUTCOMES.items():
            values = one[key].astype(float).fillna(0.0)
            ax.bar(years, values, bottom=bottom, color=colour, label=label)
            bottom += values
        ax.set_title(title)
        ax.set_xticks(years)
        ax.spines[["top", "right"]].set_visible(False)
    axes[1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return svg(fig, "行政复议、行政诉讼结果 outcomes of reviews and lawsuits per year "
               f"({DISTRICT} or the selection)")
