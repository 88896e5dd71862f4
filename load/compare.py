"""``xxgk compare``: one self-contained HTML report comparing a district's agencies.

The report answers the questions a district's analysts ask of the annual reports:
which agencies receive the most requests and how they answer them (agencies ranked by
requests received and by outcome mix), how each agency evolved since 2019, what share
of requests was granted, withheld or unavailable, how 行政复议 and 行政诉讼 ended, and
which reports and checks failed (a data-quality panel linking every problem to its
source file and line).

Design choices:

- **Data** comes from :mod:`load.views` (the ``agency_year_summary`` view and the
  ``facts``/``reports``/``checks`` views, filtered by year and agency in DuckDB) and
  :func:`load.analysis.comparability`; nothing here re-reads Parquet by hand.
- **Charts** are matplotlib figures rendered to inline SVG with ``svg.fonttype =
  "none"``: text stays text, so the browser draws the Chinese labels with its own
  fonts (no font file embedded or needed at build time), the file needs no network and
  no JavaScript to show them, and a figure costs a fraction of a second. (Altair would
  need its Vega runtime inlined, ≈ 1 MB of JavaScript per report, and a JS engine to
  render at all.) Charts with many agencies show the top ones; the tables beside them
  list every agency.
- **Tables** are plain HTML, sortable by a few lines of inline JavaScript (click a
  header); every value from the data is escaped.
- **Comparability.** Trends use only keys that both templates print (received,
  outcomes, 行政复议/诉讼): ``other`` (其他处理) is comparable because 2021 sub-rows are
  summed into it. A template-specific measure (the 2021 sub-rows of 其他处理, 表二's
  规章 counts…) is shown on its own row, only for its template's years; every missing
  cell says why (no report, report failed, blank in the report, printed only by the
  other template).
"""

from __future__ import annotations

import argparse
import html
import io
import itertools
import math
import sys
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from load.analysis import agency_ids, comparability
from load.views import connect

TREND_FROM = 2019  # the 2019 regulation's tables: the first comparable year
MAX_BARS = 40  # agencies in a ranking chart; the table lists all
MAX_CHECK_ROWS = 2000  # failed checks listed; the count says how many there are

OUTCOMES = {  # agency_year_summary column → label, colour
    "granted": ("予以公开 granted", "#2e7d32"),
    "partially_granted": ("部分公开 partly granted", "#9ccc65"),
    "withheld": ("不予公开 withheld", "#c62828"),
    "unavailable": ("无法提供 unavailable", "#ef8c00"),
    "not_processed": ("不予处理 not processed", "#6a4c93"),
    "other": ("其他处理 other", "#9e9e9e"),
}
CASE_OUTCOMES = {  # 表四 columns
    "upheld": ("维持 upheld", "#2e7d32"),
    "corrected": ("纠正 corrected", "#c62828"),
    "other": ("其他结果 other", "#9e9e9e"),
    "pending": ("尚未审结 pending", "#90a4ae"),
}
CASE_BLOCKS = {"review": "行政复议 administrative review",
               "litigation": "行政诉讼 lawsuits"}
# Template-specific cells shown on their own rows, never merged with another template's.
SPECIFIC = (
    ("applications", "other.no_correction", "total"),
    ("applications", "other.fee_unpaid", "total"),
    ("applications", "other.other", "total"),
    ("active_disclosure", "rules", "made"),
    ("active_disclosure", "rules", "issued"),
    ("active_disclosure", "rules", "in_force"),
    ("active_disclosure", "normative_documents", "made"),
    ("active_disclosure", "normative_documents", "issued"),
    ("active_disclosure", "normative_documents", "in_force"),
)
FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei",
         "PingFang SC", "SimHei", "DejaVu Sans"]


# --------------------------------------------------------------------------- data

@dataclass
class District:
    """Everything the report shows, read once from the warehouse."""

    summary: pd.DataFrame  # agency_year_summary rows of the selection
    received_cell: pd.DataFrame  # agency_id, year, cell of 表三 一 总计 (why it is missing)
    cases: pd.DataFrame  # agency_id, year, block, outcome, value (表四)
    specific: pd.DataFrame  # year, template, table, row_key, col_key, value, n
    reports: pd.DataFrame  # every report of the selection (failed ones included)
    failed_checks: pd.DataFrame  # with agency and the line of the checked total
    n_failed_checks: int
    years: list[int]  # years with data, ≥ TREND_FROM unless asked for explicitly

    @property
    def focus_year(self) -> int | None:
        """The year of the rankings: the latest one with data."""
        return self.years[-1] if self.years else None

    @property
    def agencies(self) -> pd.DataFrame:
        """agency_id, agency: every agency of the selection, by name."""
        frame = self.summary[["agency_id", "agency"]].drop_duplicates("agency_id")
        return frame.sort_values("agency").reset_index(drop=True)


def _where(years: Sequence[int] | None, ids: Sequence[str] | None, *, alias: str = "",
           year_col: str = "year") -> str:
    """A WHERE clause on year and agency_id (years are ints, ids are quoted)."""
    prefix = f"{alias}." if alias else ""
    parts = ["TRUE"]
    if years is not None:
        parts.append(f"{prefix}{year_col} IN ({', '.join(str(int(y)) for y in years) or 'NULL'})")
    if ids is not None:
        quoted = ", ".join("'" + i.replace("'", "''") + "'" for i in ids)
        parts.append(f"{prefix}agency_id IN ({quoted or 'NULL'})")
    return " AND ".join(parts)


def _summary(con: duckdb.DuckDBPyConnection, where: str) -> pd.DataFrame:
    frame = con.execute(f"SELECT * FROM agency_year_summary WHERE {where} AND year IS NOT NULL "
                        "ORDER BY agency, year").df()
    frame["year"] = frame["year"].astype(int)
    return frame


def _received_cell(con: duckdb.DuckDBPyConnection, where: str) -> pd.DataFrame:
    return con.execute(
        "SELECT agency_id, year, string_agg(DISTINCT cell, ',') AS cell FROM facts "
        "WHERE \"table\" = 'applications' AND row_key = 'new_received' AND col_key = 'total' "
        f"AND {where} GROUP BY ALL").df()


def _cases(con: duckdb.DuckDBPyConnection, where: str) -> pd.DataFrame:
    # Both 行政诉讼 blocks (direct and after review) make one "litigation" block.
    return con.execute(
        "SELECT agency_id, year, CASE WHEN row_key = 'review' THEN 'review' "
        "ELSE 'litigation' END AS block, col_key AS outcome, sum(value) AS value "
        "FROM facts WHERE \"table\" = 'reviews_litigation' "
        f"AND {where} GROUP BY ALL").df()


def _specific(con: duckdb.DuckDBPyConnection, where: str) -> pd.DataFrame:
    keys = " OR ".join(f"(\"table\" = '{t}' AND row_key = '{r}' AND col_key = '{c}')"
                       for t, r, c in SPECIFIC)
    return con.execute(
        "SELECT year, template, \"table\", row_key, col_key, sum(value) AS value, "
        f"count(value) AS n FROM facts WHERE ({keys}) AND {where} GROUP BY ALL").df()


def _failed_checks(con: duckdb.DuckDBPyConnection, where: str) -> tuple[pd.DataFrame, int]:
    """Failed checks with the agency and the line of the total they are about.

    A rule's row or column is null when it spans rows or columns; the printed total it
    compares with is then the 总计 row or column, whose line is the one to look at.
    """
    count = con.execute(f"SELECT count(*) FROM checks c WHERE NOT passed AND {where}"
                        ).fetchone()[0]
    frame = con.execute(f"""
        WITH failed AS (
          SELECT * FROM checks c WHERE NOT passed AND {where}
          ORDER BY year, agency_id, source, rule, row_key, col_key LIMIT {MAX_CHECK_ROWS}
        ), lines AS (
          SELECT source, source_sha256, "table", row_key, col_key, min(line) AS line
          FROM facts f WHERE f.source_sha256 IN (SELECT source_sha256 FROM failed)
          GROUP BY ALL
        )
        SELECT failed.*, lines.line, r.agency
        FROM failed
        LEFT JOIN lines ON lines.source = failed.source
          AND lines.source_sha256 = failed.source_sha256 AND lines."table" = failed."table"
          AND lines.row_key = coalesce(failed.row_key, 'total')
          AND lines.col_key = coalesce(failed.col_key, 'total')
        LEFT JOIN (SELECT DISTINCT source, agency FROM reports) r ON r.source = failed.source
        ORDER BY failed.year, r.agency, failed.source, failed.rule, failed.row_key,
                 failed.col_key
    """).df()
    return frame, int(count)


def _reports(con: duckdb.DuckDBPyConnection, years: Sequence[int] | None,
             ids: Sequence[str] | None) -> pd.DataFrame:
    """Reports of the selection; failed reports of unknown year (or agency) too, since
    they may belong to any year (or agency) of it."""
    where = _where(years, ids)
    if years is not None:
        where = f"({where}) OR (year IS NULL AND {_where(None, ids)})"
    if ids is not None:
        where = f"({where}) OR agency_id IS NULL"
    return con.execute(f"SELECT * FROM reports WHERE {where} "
                       "ORDER BY year NULLS FIRST, agency, source").df()


def load_district(warehouse: str | Path, *, years: Iterable[int] | None = None,
                  agencies: Iterable[str] | None = None,
                  registry: str | Path | None = None) -> District:
    """Read what the report needs, for the given years (default: all, from 2019 on for
    the comparisons) and agencies (any registered spelling, or ids)."""
    chosen = sorted({int(y) for y in years}) if years is not None else None
    ids = agency_ids(list(agencies), registry) if agencies is not None else None
    con = connect(warehouse)
    try:
        where = _where(chosen, ids)
        summary = _summary(con, where)
        if chosen is None:  # default: the comparable era only
            summary = summary[summary["year"] >= TREND_FROM]
        present = sorted(set(summary["year"]))
        data_where = _where(present, ids)
        failed, n_failed = _failed_checks(con, _where(chosen, ids, alias="c"))
        return District(
            summary=summary.reset_index(drop=True),
            received_cell=_received_cell(con, data_where),
            cases=_cases(con, data_where), specific=_specific(con, data_where),
            reports=_reports(con, chosen, ids), failed_checks=failed,
            n_failed_checks=n_failed, years=present)
    finally:
        con.close()


# --------------------------------------------------------------------------- HTML bits

def esc(value: object) -> str:
    """Text for HTML: everything from the data passes here."""
    return html.escape("" if value is None else str(value), quote=True)


def _is_missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def fmt_count(value: object) -> str:
    if _is_missing(value):
        return ""
    number = float(value)  # type: ignore[arg-type]
    return f"{number:,.0f}" if number == int(number) else f"{number:,.1f}"


def fmt_share(value: object) -> str:
    return "" if _is_missing(value) else f"{100 * float(value):.1f}%"  # type: ignore[arg-type]


def fmt_change(value: object) -> str:
    return "" if _is_missing(value) else f"{100 * float(value):+.1f}%"  # type: ignore[arg-type]


def td(value: object, fmt=fmt_count, *, reason: str = "") -> str:
    """A numeric cell sortable by its value; a missing one says why (short text shown,
    the full reason as a tooltip)."""
    if _is_missing(value):
        short = reason.split(":")[0] if reason else "n/a"
        return (f'<td class="na" data-v="" title="{esc(reason)}">'
                f'<span class="why">{esc(short)}</span></td>')
    return f'<td class="num" data-v="{float(value)!r}">{esc(fmt(value))}</td>'


def text_td(value: object, css: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    return f"<td{cls}>{esc(value)}</td>"


def table(headers: Sequence[str], rows: Iterable[str], *, caption: str = "",
          css: str = "sortable") -> str:
    """A table whose headers sort it (inline JS below); rows are ready ``<tr>`` HTML."""
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    body = "\n".join(rows)
    return (f'<div class="scroll"><table class="{css}">{cap}<thead><tr>{head}</tr></thead>'
            f"<tbody>\n{body}\n</tbody></table></div>")


def source_link(source: object, line: object, source_root: Path | None) -> str:
    """The source file (a file:// link under ``source_root`` when given) and the line."""
    if _is_missing(source):
        return ""
    label = str(source) + ("" if _is_missing(line) else f":{int(line)}")  # type: ignore[arg-type]
    if source_root is None:
        return f'<code class="src">{esc(label)}</code>'
    uri = (source_root / str(source)).resolve().as_uri()
    return f'<a class="src" href="{esc(uri)}"><code>{esc(label)}</code></a>'


# --------------------------------------------------------------------------- charts

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
    known = [float(v) for v in values if not _is_missing(v)]
    if not known:
        return ""
    top = max(known) or 1.0
    step = (width - 2 * pad) / max(len(years) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return pad + i * step, height - pad - (height - 2 * pad) * v / top

    runs: list[list[tuple[float, float]]] = [[]]
    for i, v in enumerate(values):
        if _is_missing(v):
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


# --------------------------------------------------------------------------- sections

def _status_by_agency_year(district: District) -> dict[tuple[str, int], tuple[str, str]]:
    """(agency_id, year) → (status, error) of its reports (the worst one)."""
    rank = {"failed": 0, "partial": 1, "ok": 2}
    reports = district.reports.dropna(subset=["agency_id", "year"])
    if "superseded_by" in reports:
        reports = reports[reports["superseded_by"].isna()]  # (the file loaded decides)
    out: dict[tuple[str, int], tuple[str, str]] = {}
    for row in reports.itertuples(index=False):
        key = (str(row.agency_id), int(row.year))
        status = str(row.status)
        if key not in out or rank.get(status, 3) < rank.get(out[key][0], 3):
            out[key] = (status, "" if _is_missing(row.error) else str(row.error))
    return out


class Reasons:
    """Why an agency's figure for a year is missing. The text before the colon is shown
    in the cell, the whole sentence as its tooltip."""

    def __init__(self, district: District) -> None:
        self.status = _status_by_agency_year(district)
        cells = district.received_cell
        self.cells = {(str(a), int(y)): str(c) for a, y, c in
                      zip(cells["agency_id"], cells["year"], cells["cell"], strict=True)}

    def report(self, agency_id: str, year: int) -> str:
        """Missing for the report as a whole: none, failed or partial."""
        status, error = self.status.get((agency_id, year), ("", ""))
        if not status:
            return "no report: none loaded for this agency and year"
        if status == "failed":
            return f"failed: the report failed to load ({error})"
        if status == "partial":
            return f"partial: the report is partial ({error})"
        return ""

    def cell(self, agency_id: str, year: int, what: str) -> str:
        """Missing for one cell of a report that loaded."""
        return (self.report(agency_id, year)
                or f"blank: {what} is blank, a dash or not printed in the report")

    def received(self, agency_id: str, year: int) -> str:
        kind = self.cells.get((agency_id, year), "")
        if kind in ("blank", "dash") and not self.report(agency_id, year):
            return f"{kind}: the report prints a {kind} as 一、本年新收 总计"
        return self.cell(agency_id, year, "一、本年新收 总计")

    def share(self, agency_id: str, year: int, outcomes: object) -> str:
        if not _is_missing(outcomes) and float(outcomes) == 0:  # type: ignore[arg-type]
            return "no outcomes: the report lists no request processed (（七）总计 0)"
        return self.cell(agency_id, year, "this outcome row")


def section_overview(district: District) -> str:
    reports = district.reports
    counts = reports["status"].value_counts()
    cells = [("agencies 机关", len(district.agencies)),
             ("years 年度", ", ".join(map(str, district.years)) or "none"),
             ("reports 报告", len(reports)),
             ("ok", int(counts.get("ok", 0))), ("partial", int(counts.get("partial", 0))),
             ("failed", int(counts.get("failed", 0))),
             ("failed checks 未通过校验", district.n_failed_checks)]
    items = "".join(f"<div><dt>{esc(k)}</dt><dd>{esc(v)}</dd></div>" for k, v in cells)
    return f'<section id="overview"><h2>概况 Overview</h2><dl class="kpi">{items}</dl></section>'


def _ranking_row(row, reasons: Reasons) -> str:
    aid, year = str(row.agency_id), int(row.year)
    share_why = reasons.share(aid, year, row.outcomes)
    cells = [text_td(row.agency, "name"), text_td(row.template), text_td(row.status),
             td(row.received, reason=reasons.received(aid, year)),
             td(row.carried_over, reason=reasons.cell(aid, year, "二、上年结转 总计")),
             td(row.outcomes, reason=reasons.cell(aid, year, "the outcome rows"))]
    cells += [td(getattr(row, f"{k}_share"), fmt_share, reason=share_why) for k in OUTCOMES]
    cells += [td(row.reviews, reason=reasons.cell(aid, year, "表四 行政复议 总计")),
              td(row.lawsuits, reason=reasons.cell(aid, year, "表四 行政诉讼 总计")),
              td(row.checks_failed)]
    return f'<tr data-agency="{esc(row.agency)}">{"".join(cells)}</tr>'


def section_ranking(district: District, reasons: Reasons) -> str:
    year = district.focus_year
    if year is None:
        return '<section id="ranking"><h2>排名 Ranking</h2><p>No data.</p></section>'
    focus = district.summary[district.summary["year"] == year]
    focus = focus.sort_values(["received", "agency"], ascending=[False, True],
                              na_position="last")
    headers = ["机关 agency", "template", "status", "新收 received", "上年结转 carried over",
               "办理结果 outcomes", *(label for label, _ in OUTCOMES.values()),
               "行政复议 reviews", "行政诉讼 lawsuits", "failed checks"]
    rows = [_ranking_row(row, reasons) for row in focus.itertuples(index=False)]
    return (f'<section id="ranking"><h2>{year} 年排名 Agencies ranked, {year}</h2>'
            "<p>Ranked by requests received (一、本年新收); the outcome shares are of all "
            "outcomes (（七）总计 of 表三's outcome rows). Click a header to sort.</p>"
            f"{chart_received(focus, year)}{chart_outcome_mix(focus, year)}"
            f"{table(headers, rows, caption=f'Agencies in {year}')}</section>")


def _change(values: Sequence[object], years: Sequence[int]) -> tuple[float | None, str]:
    """Change from the year before the last to the last year, or why there is none."""
    if len(values) < 2:
        return None, "one year only"
    before, last = values[-2], values[-1]
    if _is_missing(before) or _is_missing(last):
        return None, f"no figure: needs both {years[-2]} and {years[-1]}"
    if float(before) == 0:  # type: ignore[arg-type]
        return None, f"n/a: 0 in {years[-2]}"
    return (float(last) - float(before)) / float(before), ""  # type: ignore[arg-type]


def _matrix(district: District, column: str, fmt, reason_of, *, trend: bool = False) -> str:
    """Agencies × years of one comparable measure; with ``trend``, a sparkline and the
    change on the year before."""
    years = district.years
    frame = district.summary.set_index(["agency_id", "year"])
    measure, outcomes = frame[column].to_dict(), frame["outcomes"].to_dict()
    rows = []
    for agency in district.agencies.itertuples(index=False):
        values = [measure.get((agency.agency_id, y)) for y in years]
        cells = [text_td(agency.agency, "name")]
        cells += [td(v, fmt, reason=reason_of(agency.agency_id, y,
                                              outcomes.get((agency.agency_id, y))))
                  for y, v in zip(years, values, strict=True)]
        if trend:
            change, why = _change(values, years)
            cells.append(td(change, fmt_change, reason=why))
            cells.append(f'<td class="trend">{sparkline(values, years, agency.agency)}</td>')
        rows.append(f'<tr data-agency="{esc(agency.agency)}">{"".join(cells)}</tr>')
    extra = [f"{years[-2]}→{years[-1]}", "trend 趋势"] if trend else []
    return table(["机关 agency", *map(str, years), *extra], rows)


def _yoy_note(summary: pd.DataFrame, years: list[int]) -> str:
    """District year-over-year change of requests received, like for like: summed over
    the agencies that have a figure in both years (a missing report is no decrease)."""
    received = summary.pivot_table(index="agency_id", columns="year", values="received",
                                   aggfunc="sum").reindex(columns=years)
    parts = []
    for before, after in itertools.pairwise(years):
        both = received[[before, after]].dropna()
        a, b = both[before].sum(), both[after].sum()
        if both.empty or a == 0:
            parts.append(f"{after}: n/a (no agency with a figure in both {before} and {after})"
                         if both.empty else f"{after}: n/a (0 in {before})")
        else:
            parts.append(f"{after}: {100 * (b - a) / a:+.1f}% ({len(both)} agencies)")
    return "; ".join(parts)


def section_trends(district: District, reasons: Reasons) -> str:
    years = district.years
    head = '<section id="trends"><h2>年度趋势 Trends since 2019</h2>'

    def received_why(agency_id: str, year: int, _outcomes: object) -> str:
        return reasons.received(agency_id, year)

    if len(years) < 2:
        return (head + f"<p>Only {', '.join(map(str, years)) or 'no year'} selected: trends "
                "need two years or more (run without <code>--year</code>).</p></section>")
    return (head +
            "<p>Only measures printed by both the 2019 and the 2021 templates are compared "
            "across years (一、本年新收 and the outcome rows; 其他处理 of 2021 reports that "
            "print its three sub-rows is their sum). A missing cell says why; hover it for "
            "the full reason.</p>"
            "<p>District change in requests received, over the agencies with a figure in "
            f"both years: {esc(_yoy_note(district.summary, years))}. The charts sum the "
            "agencies whose reports give the figure; the tables show the gaps.</p>"
            f"{chart_district_trend(district.summary, years)}"
            "<h3>本年新收申请 Requests received per agency and year</h3>"
            f"{_matrix(district, 'received', fmt_count, received_why, trend=True)}"
            "<h3>予以公开比例 Share granted per agency and year</h3>"
            f"{_matrix(district, 'granted_share', fmt_share, reasons.share)}"
            "<h3>不予公开比例 Share withheld per agency and year</h3>"
            f"{_matrix(district, 'withheld_share', fmt_share, reasons.share)}"
            "<h3>无法提供比例 Share unavailable per agency and year</h3>"
            f"{_matrix(district, 'unavailable_share', fmt_share, reasons.share)}"
            "</section>")


def section_cases(district: District, reasons: Reasons) -> str:
    year = district.focus_year
    cases = district.cases
    head = '<section id="cases"><h2>行政复议、行政诉讼 Reviews and lawsuits</h2>'
    if year is None:
        return head + "<p>No data.</p></section>"
    one = cases[cases["year"] == year]
    focus = one.groupby(["agency_id", "block", "outcome"])["value"].sum(min_count=1).to_dict()
    names = district.agencies.set_index("agency_id")["agency"]
    headers = ["机关 agency"] + [f"{b} {label.split()[0]}" for b in ("复议", "诉讼")
                                 for label, _ in (*CASE_OUTCOMES.values(), ("总计 total", ""))]
    rows = []
    for aid, name in names.items():
        cells = [text_td(name, "name")]
        for block in CASE_BLOCKS:
            for outcome in (*CASE_OUTCOMES, "total"):
                value = focus.get((aid, block, outcome))
                cells.append(td(value, reason=reasons.cell(aid, year, "this 表四 cell")))
        rows.append(f'<tr data-agency="{esc(name)}">{"".join(cells)}</tr>')
    return (head + chart_cases(cases, district.years) +
            f"<h3>{year}</h3>" + table(headers, rows, caption=f"Outcomes by agency, {year}")
            + "</section>")


def _labels() -> dict[tuple[str, str, str], tuple[str, str, str]]:
    """(table, row, col) → (row label, col label, why not comparable)."""
    comp = comparability()
    return {(t, r, c): (rl, cl, w) for t, r, c, rl, cl, w in zip(
        comp["table"], comp["row_key"], comp["col_key"], comp["row_label"],
        comp["col_label"], comp["why_not"], strict=True)}


def section_specific(district: District) -> str:
    """Template-specific measures: each on its own row, only in its template's years."""
    labels = _labels()
    spec = district.specific
    templates_by_year = (district.summary.groupby("year")["template"]
                         .agg(lambda s: set(s.dropna().astype(str))).to_dict())
    rows = []
    for key in SPECIFIC:
        row_label, col_label, why = labels.get(key, (key[1], key[2], ""))
        only = why.split()[-2] if why else ""  # "printed only by the 2021 template"
        cells = [text_td(f"{row_label} · {col_label}", "name"), text_td(only)]
        for year in district.years:
            mine = spec[(spec["year"] == year) & (spec["table"] == key[0])
                        & (spec["row_key"] == key[1]) & (spec["col_key"] == key[2])]
            value = mine["value"].sum(min_count=1) if len(mine) else None
            reason = ("blank in every report" if len(mine) else
                      f"{only} template only: this year's reports follow "
                      f"{'/'.join(sorted(templates_by_year.get(year, set()))) or 'no'}")
            cells.append(td(value, reason=reason))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return ('<section id="specific"><h2>模板特有指标 Template-specific measures</h2>'
            "<p>These cells are printed by one template only, so they are never compared "
            "with the other template's years: each has its own row, and the years of the "
            "other template are left empty with the reason (district totals).</p>"
            + table(["measure", "template", *map(str, district.years)], rows, css="plain")
            + "</section>")


def _report_row(row, source_root: Path | None) -> str:
    year = "unknown" if _is_missing(row.year) else int(row.year)
    agency = "unknown" if _is_missing(row.agency) else row.agency
    return ('<tr class="report">' + text_td(year) + text_td(agency, "name")
            + text_td(row.status, f"status-{row.status}") + text_td(row.error, "err")
            + f"<td>{source_link(row.source, None, source_root)}</td></tr>")


def _check_row(row, labels: dict, source_root: Path | None) -> str:
    row_key = "" if _is_missing(row.row_key) else row.row_key
    col_key = "" if _is_missing(row.col_key) else row.col_key
    row_label = next((v[0] for k, v in labels.items() if k[0] == row.table and k[1] == row_key),
                     "")
    diff = None if _is_missing(row.actual) else row.actual - row.expected
    return ('<tr class="check">' + text_td(int(row.year)) + text_td(row.agency, "name")
            + text_td(row.rule)
            + text_td(f"{row_key} {row_label}".strip()) + text_td(col_key)
            + td(row.expected) + td(row.actual, reason="blank: total not printed")
            + td(diff, reason="blank: total not printed")
            + f"<td>{source_link(row.source, row.line, source_root)}</td></tr>")


def section_quality(district: District, source_root: Path | None) -> str:
    bad = district.reports[district.reports["status"] != "ok"]
    report_rows = [_report_row(r, source_root) for r in bad.itertuples(index=False)]
    labels = _labels()
    checks = district.failed_checks
    check_rows = [_check_row(r, labels, source_root) for r in checks.itertuples(index=False)]
    shown = (f" (the first {len(checks)} of {district.n_failed_checks}; "
             "<code>xxgk sql</code> lists all)" if district.n_failed_checks > len(checks) else "")
    where = ("Links open the source file under "
             f"<code>{esc(source_root)}</code>." if source_root else
             "Paths are relative to the source folder (pass <code>--source-root</code> "
             "to make them links).")
    return (f'<section id="data-quality"><h2>数据质量 Data quality</h2><p>{where} '
            "<code>file:line</code> is the line of the decoded text where the checked total "
            "was read.</p>"
            f"<h3>Reports not loaded cleanly ({len(bad)})</h3>"
            + (table(["year", "机关 agency", "status", "error", "source"], report_rows,
                     css="sortable quality") if report_rows else
               '<p class="good">Every report loaded ok.</p>')
            + f"<h3>Failed checks ({district.n_failed_checks}){shown}</h3>"
            + (table(["year", "机关 agency", "rule", "row", "col", "expected", "actual",
                      "difference", "source:line"], check_rows, css="sortable quality")
               if check_rows else '<p class="good">Every check passed.</p>')
            + "</section>")


# --------------------------------------------------------------------------- page

_CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei",
"Microsoft YaHei","PingFang SC",sans-serif;margin:0 2rem 4rem;color:#222;max-width:1400px}
h1{font-size:1.6rem;margin-top:1.5rem}h2{border-bottom:2px solid #1565c0;padding-top:1rem}
nav a{margin-right:1rem}.kpi{display:flex;flex-wrap:wrap;gap:1rem}
.kpi div{background:#f3f6fb;padding:.5rem 1rem;border-radius:6px}.kpi dt{font-size:.8rem;color:#555}
.kpi dd{margin:0;font-size:1.3rem;font-weight:600}
figure.chart{margin:1rem 0}figure.chart svg{max-width:100%;height:auto}
figcaption{font-size:.85rem;color:#555}.scroll{overflow-x:auto}
table{border-collapse:collapse;font-size:.82rem;margin:.5rem 0 1.5rem}
th,td{border:1px solid #ddd;padding:2px 6px}th{background:#eef2f7;position:sticky;top:0}
table.sortable th{cursor:pointer}table.sortable th[data-dir=asc]::after{content:" ▲"}
table.sortable th[data-dir=desc]::after{content:" ▼"}
td.num{text-align:right;font-variant-numeric:tabular-nums}td.name{white-space:nowrap}
td.na{color:#999;font-size:.75rem;text-align:center;cursor:help}.err{max-width:40rem}
.status-failed{color:#c62828;font-weight:600}.status-partial{color:#ef8c00;font-weight:600}
.good{color:#2e7d32}svg.spark polyline{fill:none;stroke:#1565c0;stroke-width:1.3}
svg.spark circle{fill:#1565c0}svg.spark line.tpl{stroke:#aaa;stroke-dasharray:2 2}
caption{text-align:left;font-weight:600;padding:.3rem 0}
"""

# Records script errors on the page itself, so a headless browser's --dump-dom shows them.
_ERRORS_JS = """
window.xxgkErrors=[];function xxgkError(m){window.xxgkErrors.push(String(m));
document.documentElement.setAttribute('data-js-errors',window.xxgkErrors.join(' | '));}
window.addEventListener('error',function(e){xxgkError(e.message||e.type);},true);
(function(){var ce=console.error;console.error=function(){xxgkError(
Array.prototype.join.call(arguments,' '));ce.apply(console,arguments);};})();
"""

# Sort a table by the clicked column: numbers by data-v, text by locale (zh), missing last.
_SORT_JS = """
(function(){
function key(cell){if(!cell)return null;var v=cell.getAttribute('data-v');
 if(v!==null)return v===''?null:parseFloat(v);return cell.textContent.trim();}
function sortBy(th){var table=th.closest('table'),body=table.tBodies[0],
 idx=Array.prototype.indexOf.call(th.parentNode.children,th),
 dir=th.getAttribute('data-dir')==='desc'?'asc':'desc';
 Array.prototype.forEach.call(th.parentNode.children,function(h){h.removeAttribute('data-dir');});
 th.setAttribute('data-dir',dir);var rows=Array.prototype.slice.call(body.rows);
 rows.sort(function(a,b){var x=key(a.cells[idx]),y=key(b.cells[idx]);
  if(x===null||x==='')return 1;if(y===null||y==='')return -1;
  var c=(typeof x==='number'&&typeof y==='number')?x-y:String(x).localeCompare(String(y),'zh');
  return dir==='asc'?c:-c;});
 rows.forEach(function(r){body.appendChild(r);});}
document.querySelectorAll('table.sortable th').forEach(function(th){
 th.addEventListener('click',function(){sortBy(th);});});
window.xxgkSort=sortBy;
if(location.hash==='#selftest'){var t=document.querySelector('#ranking table.sortable');
 if(t){var th=t.tHead.rows[0].cells[3];sortBy(th);var vals=Array.prototype.map.call(
  t.tBodies[0].rows,function(r){return key(r.cells[3]);}).filter(function(v){return v!==null;});
  var ok=vals.every(function(v,i){return i===0||vals[i-1]>=v;});
  document.documentElement.setAttribute('data-selftest',ok?'sorted':'unsorted');}}
document.documentElement.setAttribute('data-ready','1');
})();
"""


def _page(title: str, subtitle: str, sections: Sequence[str]) -> str:
    nav = "".join(f'<a href="#{i}">{esc(t)}</a>' for i, t in (
        ("overview", "概况"), ("ranking", "排名"), ("trends", "趋势"), ("cases", "复议诉讼"),
        ("specific", "模板特有"), ("data-quality", "数据质量")))
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{esc(title)}</title><style>{_CSS}</style>"
            f"<script>{_ERRORS_JS}</script></head><body>"
            f"<h1>{esc(title)}</h1><p>{esc(subtitle)}</p><nav>{nav}</nav>"
            + "\n".join(sections) + f"<script>{_SORT_JS}</script></body></html>\n")


def build_report(warehouse: str | Path, *, years: Iterable[int] | None = None,
                 agencies: Iterable[str] | None = None, source_root: str | Path | None = None,
                 registry: str | Path | None = None, title: str | None = None) -> str:
    """The district comparison report as one self-contained HTML page."""
    district = load_district(warehouse, years=years, agencies=agencies, registry=registry)
    root = Path(source_root).resolve() if source_root else None
    reasons = Reasons(district)
    span = (f"{district.years[0]}–{district.years[-1]}" if len(district.years) > 1
            else ", ".join(map(str, district.years)) or "no data")
    title = title or f"政府信息公开工作年度报告 机关对比 District comparison {span}"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    subtitle = (f"{len(district.agencies)} agencies, {span}; warehouse "
                f"{Path(warehouse).resolve()}; generated {stamp} by xxgk compare.")
    sections = [section_overview(district), section_ranking(district, reasons),
                section_trends(district, reasons), section_cases(district, reasons),
                section_specific(district), section_quality(district, root)]
    return _page(title, subtitle, sections)


def write_report(warehouse: str | Path, out: str | Path, **options) -> Path:
    """Write :func:`build_report` to ``out`` (written beside it, then renamed)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = build_report(warehouse, **options)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    return out


# --------------------------------------------------------------------------- command line

def compare_command(args: argparse.Namespace) -> int:
    """``xxgk compare``: 0 when written, 2 for a usage error (no warehouse)."""
    started = time.perf_counter()
    try:
        out = write_report(args.warehouse, args.out, years=args.year or None,
                           agencies=args.agency or None, source_root=args.source_root,
                           registry=args.registry, title=args.title)
    except FileNotFoundError as err:
        print(f"xxgk: compare: {err}", file=sys.stderr)
        return 2
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB) in "
          f"{time.perf_counter() - started:.1f} s")
    return 0


__all__ = ["build_report", "compare_command", "load_district",
           "write_report"]
