"""The sections of the comparison report, each a piece of HTML: overview, rankings,
trends, 行政复议/诉讼, template-specific measures, data quality.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from load.analysis import comparability
from load.compare.charts import (
    chart_cases,
    chart_district_trend,
    chart_outcome_mix,
    chart_received,
    sparkline,
)
from load.compare.data import CASE_BLOCKS, CASE_OUTCOMES, OUTCOMES, SPECIFIC, District
from load.compare.html import (
    esc,
    fmt_change,
    fmt_count,
    fmt_share,
    is_missing,
    source_link,
    table,
    td,
    text_td,
)
from transform.keys import TOTAL


def _status_by_agency_year(district: District) -> dict[tuple[str, int], tuple[str, str]]:
    """(agency_id, year) → (status, error) of its reports (the worst one)."""
    rank = {"failed": 0, "partial": 1, "ok": 2}
    reports = district.reports.dropna(subset=["agency_id", "year"])
    if "superseded_by" in reports:
        reports = reports[reports["superseded_by"].isna()]  # (the file loaded decides)
    reports = reports[reports["status"] != "removed"]  # (no longer in the source)
    out: dict[tuple[str, int], tuple[str, str]] = {}
    for row in reports.itertuples(index=False):
        key = (str(row.agency_id), int(row.year))
        status = str(row.status)
        if key not in out or rank.get(status, 3) < rank.get(out[key][0], 3):
            out[key] = (status, "" if is_missing(row.error) else str(row.error))
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
        if not is_missing(outcomes) and float(outcomes) == 0:  # type: ignore[arg-type]
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
    if is_missing(before) or is_missing(last):
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
            for outcome in (*CASE_OUTCOMES, TOTAL):
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
    year = "unknown" if is_missing(row.year) else int(row.year)
    agency = "unknown" if is_missing(row.agency) else row.agency
    return ('<tr class="report">' + text_td(year) + text_td(agency, "name")
            + text_td(row.status, f"status-{row.status}") + text_td(row.error, "err")
            + f"<td>{source_link(row.source, None, source_root)}</td></tr>")


def _check_row(row, labels: dict, source_root: Path | None) -> str:
    row_key = "" if is_missing(row.row_key) else row.row_key
    col_key = "" if is_missing(row.col_key) else row.col_key
    row_label = next((v[0] for k, v in labels.items() if k[0] == row.table and k[1] == row_key),
                     "")
    diff = None if is_missing(row.actual) else row.actual - row.expected
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
