"""The comparison report's charts: matplotlib figures as inline SVG whose text stays
text, so the browser draws the Chinese labels with its own fonts.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence

import pandas as pd

from load.compare.data import CASE_BLOCKS, CASE_OUTCOMES, MAX_BARS, OUTCOMES
from load.compare.html import esc, fmt_count, is_missing

# The browser draws the charts' text: these CJK fonts first, where it has them.
FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei",
         "PingFang SC", "SimHei", "DejaVu Sans"]


def _figure(width: float, height: float):
    # Margins are set by hand (_bar_axes, _pair_axes): matplotlib's constrained layout
    # measures every label again and doubles the cost of a chart.
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def _bar_axes(labels: Sequence[str], *, legend: bool = False):
    """A figure with one horizontal-bar axes sized for ``labels`` (one bar each)."""
    top_in, bottom_in = (0.75 if legend else 0.2), 0.55
    height = top_in + bottom_in + 0.24 * len(labels)
    # ≈ one em per CJK character at 9 pt, plus the tick and a little air
    left_in = 0.35 + 0.13 * max((len(str(label)) for label in labels), default=4)
    width = 9.0
    fig = _figure(width, height)
    fig.subplots_adjust(left=left_in / width, right=1 - 0.5 / width,
                        top=1 - top_in / height, bottom=bottom_in / height)
    return fig, fig.add_subplot()


def _pair_axes(height: float, *, sharey: bool = False):
    """A figure with two axes side by side and room for a legend on the right."""
    fig = _figure(10, height)
    fig.subplots_adjust(left=0.06, right=0.8, top=0.9, bottom=0.1, wspace=0.22)
    return fig, fig.subplots(1, 2, sharey=sharey)


def svg(fig, title: str) -> str:
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


def _styled(ax) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", color="#e0e0e0", linewidth=0.6)
    ax.set_axisbelow(True)


def chart_received(focus: pd.DataFrame, year: int) -> str:
    """Horizontal bars: requests received in the focus year, most first."""
    top = focus.dropna(subset=["received"]).nlargest(MAX_BARS, "received")[::-1]
    if top.empty:
        return '<p class="empty">No agency reported requests received this year.</p>'
    fig, ax = _bar_axes(list(top["agency"]))
    ax.barh(top["agency"], top["received"], color="#1565c0")
    for y, v in enumerate(top["received"]):
        ax.annotate(fmt_count(v), (v, y), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=8)
    ax.set_xlabel("本年新收申请 requests received")
    _styled(ax)
    more = f" (top {MAX_BARS} of {focus['received'].notna().sum()})" if len(top) == MAX_BARS \
        else ""
    return svg(fig, f"{year} 年本年新收政府信息公开申请数量 requests received by agency{more}")


def chart_outcome_mix(focus: pd.DataFrame, year: int) -> str:
    """100 % stacked bars: the outcome mix of each agency, by share granted."""
    shares = focus[focus["outcomes"] > 0].nlargest(MAX_BARS, "outcomes")
    shares = shares.sort_values(["granted_share", "agency"], ascending=[True, False])
    if shares.empty:
        return '<p class="empty">No agency reported outcomes this year.</p>'
    fig, ax = _bar_axes(list(shares["agency"]), legend=True)
    left = pd.Series(0.0, index=shares.index)
    for key, (label, colour) in OUTCOMES.items():
        width = shares[f"{key}_share"].fillna(0.0) * 100
        ax.barh(shares["agency"], width, left=left, color=colour, label=label)
        left += width
    ax.set_xlim(0, 100)
    ax.set_xlabel("占办理结果的百分比 % of outcomes")
    ax.legend(ncols=3, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False,
              fontsize=8)
    _styled(ax)
    n = int((focus["outcomes"] > 0).sum())
    more = f", the {MAX_BARS} with most outcomes of {n}" if n > MAX_BARS else ""
    return svg(fig, f"{year} 年申请办理结果构成 outcome mix by agency (sorted by share granted"
               f"{more})")


def chart_district_trend(summary: pd.DataFrame, years: list[int]) -> str:
    """District totals per year: requests received, and the outcome mix as shares."""
    by_year = summary.groupby("year")[["received", *OUTCOMES, "outcomes"]].sum(min_count=1)
    by_year = by_year.reindex(years)
    fig, (ax1, ax2) = _pair_axes(3.6)
    ax1.plot(by_year.index, by_year["received"], marker="o", color="#1565c0")
    ax1.set_title("本年新收申请 requests received (district)")
    ax1.set_xticks(years)
    ax1.set_ylim(bottom=0)
    bottom = pd.Series(0.0, index=by_year.index)
    for key, (label, colour) in OUTCOMES.items():
        share = (by_year[key] / by_year["outcomes"].where(by_year["outcomes"] > 0)) * 100
        share = share.fillna(0.0)
        ax2.bar(by_year.index, share, bottom=bottom, color=colour, label=label)
        bottom += share
    ax2.set_title("办理结果构成 outcome mix (% of outcomes)")
    ax2.set_xticks(years)
    ax2.set_ylim(0, 100)
    ax2.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    for ax in (ax1, ax2):
        _template_line(ax, years)
        ax.spines[["top", "right"]].set_visible(False)
    return svg(fig, "全区年度趋势 district trends: requests received and outcome mix per year")


def _template_line(ax, years: list[int]) -> None:
    """Mark where the 2021 template starts (the measures plotted compare across it)."""
    if years and years[0] < 2021 <= years[-1]:
        ax.axvline(2020.5, color="#888", linestyle=":", linewidth=0.8)


def sparkline(values: Sequence[object], years: Sequence[int], name: str) -> str:
    """A small inline SVG line chart of one agency's figures per year (drawn here, not by
    matplotlib: one per agency must stay cheap for districts of hundreds of agencies).
    Missing years break the line; the dotted line marks the 2021 template."""
    width, height, pad = 150, 34, 4
    known = [float(v) for v in values if not is_missing(v)]
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


def chart_cases(cases: pd.DataFrame, years: list[int]) -> str:
    """Stacked bars per year: outcomes of 行政复议 and of 行政诉讼, district-wide."""
    if cases.empty or cases["value"].fillna(0).sum() == 0:
        return '<p class="empty">No 行政复议 or 行政诉讼 case reported.</p>'
    fig, axes = _pair_axes(3.4, sharey=True)
    for ax, (block, title) in zip(axes, CASE_BLOCKS.items(), strict=True):
        one = cases[cases["block"] == block].pivot_table(
            index="year", columns="outcome", values="value", aggfunc="sum").reindex(years)
        bottom = pd.Series(0.0, index=years)
        for key, (label, colour) in CASE_OUTCOMES.items():
            values = one[key].fillna(0.0) if key in one else pd.Series(0.0, index=years)
            ax.bar(years, values, bottom=bottom, color=colour, label=label)
            bottom += values
        ax.set_title(title)
        ax.set_xticks(years)
        ax.spines[["top", "right"]].set_visible(False)
    axes[1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return svg(fig, "行政复议、行政诉讼结果 outcomes of reviews and lawsuits per year (district)")
