"""The report's sections on requests: overview, ranking, trends, 行政复议/诉讼.

Each per-agency table groups agencies by kind (each kind closed by its subtotal),
keeps the total row and its coverage in the ``<tfoot>``, shows every share with its
base and every change with its absolute value, and carries its CSV.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from load.compare.charts import (
    chart_cases,
    chart_district_trend,
    chart_outcome_mix,
    chart_received,
    sparkline,
)
from load.compare.data import CASE_BLOCKS, CASE_KEYS, CASE_OUTCOMES, OUTCOMES, District
from load.compare.groups import (
    SMALL_RULE,
    Totals,
    counted,
    counts_by_kind,
    coverage,
    coverage_rows,
    kind_groups,
)
from load.compare.html import (
    Cell,
    change_cell,
    count_cell,
    esc,
    is_missing,
    share_cell,
    text_cell,
)
from load.compare.reasons import Reasons
from load.compare.tables import (
    SEGMENT_SUBTOTAL,
    Column,
    Group,
    Row,
    Table,
    plain_table,
)
from load.views import DISTRICT, SMALL_BASE

NO_TOTAL = "no figure: no agency of the group gives it"
LIKE_FOR_LIKE = "like for like: {n} agencies with a figure in both years"
TREND_SHARES = ("granted", "withheld", "unavailable")


def _status_cell(status: object) -> Cell:
    text = "" if is_missing(status) else str(status)
    return text_cell(text, f"status-{text.split(',')[0]}" if text else "")


def _total_change(total: Mapping[str, object]) -> Cell:
    """A total's change on the year before, like for like."""
    if not total:
        return change_cell(None, None, None, NO_TOTAL)
    n = total.get("agencies_like_for_like")
    return change_cell(total.get("received_change"), total.get("received_change_pct"), None,
                       "no figure: no agency gives the figure in both years",
                       title=LIKE_FOR_LIKE.format(n=0 if is_missing(n) else int(n)))  # type: ignore[arg-type]


def _coverage_cell(total: Mapping[str, object], **options: object) -> Cell:
    shown = coverage(total, **options)  # type: ignore[arg-type]
    full = coverage(total, **{**options, "limit": None})  # type: ignore[arg-type]
    return Cell(f'<td class="cov" title="{esc(full)}">{esc(shown)}</td>', (full,))


# ------------------------------------------------------------------------ overview

_OVERVIEW_COLUMNS = (
    Column("范围 group"), Column("机关 agencies"), Column("有数据 with figure"),
    Column("新收 received", key="received"),
    Column("增减 change (like for like)", csv=("增减 change", "增减率 change %")),
    Column("n 办理结果 outcomes", key="outcomes"),
    *(Column(f"{OUTCOMES[k][0]} %") for k in TREND_SHARES),
    Column("行政复议 reviews"), Column("行政诉讼 lawsuits"), Column("覆盖 coverage"),
)


def _total_row(label: str, total: Mapping[str, object], *, year: int | None = None,
               before_shown: bool = True, css: str = "") -> Row:
    """A row of totals for the overview and the trends: one group, one year (its change
    left out when the year before is not among those compared)."""
    first = text_cell(label if year is None else year, "name")
    if not total:
        cells = [first, *(count_cell(None, NO_TOTAL) for _ in _OVERVIEW_COLUMNS[1:])]
        return Row(cells, css=css)
    change = _total_change(total) if before_shown or year is None else change_cell(
        None, None, None, f"not compared: {year - 1} is not among the years shown")
    cells = [first, count_cell(total["agencies"]), count_cell(total["agencies_with_figure"]),
             count_cell(total["received"], NO_TOTAL), change,
             count_cell(total["outcomes"], NO_TOTAL),
             *(share_cell(total[f"{k}_share"], total["outcomes"], NO_TOTAL)
               for k in TREND_SHARES),
             count_cell(total["reviews"], NO_TOTAL), count_cell(total["lawsuits"], NO_TOTAL),
             _coverage_cell(total)]
    return Row(cells, css=css)


def _groups_of(district: District) -> list[str]:
    """The total's group, then each kind when there are several."""
    return [DISTRICT, *(district.kinds if len(district.kinds) > 1 else [])]


def section_overview(district: District, totals: Totals) -> str:
    reports = district.selected_reports
    counts = reports["status"].value_counts()
    cells = [("agencies 机关", len(district.roster)),
             ("years 年度", ", ".join(map(str, district.years)) or "none"),
             ("reports 报告", len(reports)),
             ("ok", int(counts.get("ok", 0))), ("partial", int(counts.get("partial", 0))),
             ("failed", int(counts.get("failed", 0))),
             ("failed checks 未通过校验", district.n_failed_checks)]
    items = "".join(f"<div><dt>{esc(k)}</dt><dd>{esc(v)}</dd></div>" for k, v in cells)
    head = f'<section id="overview"><h2>概况 Overview</h2><dl class="kpi">{items}</dl>'
    year = district.focus_year
    if year is None:
        return head + "</section>"
    rows = [_total_row(_group_label(district, g), totals.get(year, g),
                       css="total" if g == DISTRICT else "")
            for g in _groups_of(district)]
    table = plain_table(f"overview-{year}", _OVERVIEW_COLUMNS, rows, sortable=False,
                        caption=f"{year}: {district.total_label} and each kind of agency")
    return (head + "<p>Agencies are compared with their own kind (区政府, 区政府部门, "
            "乡镇街道); each total says how many agencies it covers and names those "
            "without a report, with a failed report or without the figure.</p>"
            + table.html() + "</section>")


def _group_label(district: District, group: str) -> str:
    return district.total_label if group == DISTRICT else f"{group} 合计"


# ------------------------------------------------------------------------- ranking

def _ranking_columns(year: int) -> list[Column]:
    return [Column("机关 agency", key="agency"), Column("类别 kind", key="kind"),
            Column("模板 template"), Column("状态 status"),
            Column("新收 received", key="received"),
            Column(f"增减 change on {year - 1}", csv=("增减 change", "增减率 change %"),
                   key="change"),
            Column("上年结转 carried over"),
            Column("n 办理结果 outcomes", key="outcomes"),
            *(Column(f"{label} %", key=f"{k}_share") for k, (label, _) in OUTCOMES.items()),
            Column("行政复议 reviews", key="reviews"),
            Column("行政诉讼 lawsuits", key="lawsuits"),
            Column("未通过校验 failed checks", key="checks_failed")]


def _ranking_row(r: dict, year: int, reasons: Reasons) -> Row:
    aid = str(r["agency_id"])
    share_why = reasons.share(aid, year, r["outcomes"])
    cells = [text_cell(r["agency"], "name"), text_cell(r["agency_kind"], "kind"),
             text_cell(r["template"]), _status_cell(r["status"]),
             count_cell(r["received"], reasons.received(aid, year)),
             change_cell(r["received_change"], r["received_change_pct"],
                         r["received_previous"], reasons.change(aid, year, r["received"])),
             count_cell(r["carried_over"], reasons.cell(aid, year, "二、上年结转 总计")),
             count_cell(r["outcomes"], reasons.cell(aid, year, "the outcome rows")),
             *(share_cell(r[f"{k}_share"], r["outcomes"], share_why) for k in OUTCOMES),
             count_cell(r["reviews"], reasons.cell(aid, year, "表四 行政复议 总计")),
             count_cell(r["lawsuits"], reasons.cell(aid, year, "表四 行政诉讼 总计")),
             count_cell(r["checks_failed"])]
    return Row(cells, agency=str(r["agency"]))


def _ranking_total(label: str, kind: str, total: Mapping[str, object], checks: object,
                   css: str) -> Row:
    shares = [share_cell(total.get(f"{k}_share"), total.get("outcomes"), NO_TOTAL)
              for k in OUTCOMES]
    cells = [text_cell(f"{label} ({counted(total)})" if total else label, "name"),
             text_cell(kind, "kind"), text_cell(""), text_cell(""),
             count_cell(total.get("received"), NO_TOTAL), _total_change(total),
             count_cell(total.get("carried_over"), NO_TOTAL),
             count_cell(total.get("outcomes"), NO_TOTAL), *shares,
             count_cell(total.get("reviews"), NO_TOTAL),
             count_cell(total.get("lawsuits"), NO_TOTAL), count_cell(checks)]
    return Row(cells, segment=SEGMENT_SUBTOTAL, css=css, pinned=css == "subtotal")


def _small(rows: pd.DataFrame) -> pd.Series:
    """Agencies ranked apart: fewer than SMALL_BASE outcomes, or none known."""
    return rows["outcomes"].isna() | (rows["outcomes"] < SMALL_BASE)


def ranking_table(district: District, reasons: Reasons, totals: Totals) -> Table:
    year = district.focus_year
    assert year is not None
    focus = district.summary[district.summary["year"] == year].sort_values(
        ["received", "agency"], ascending=[False, True], na_position="last")
    columns = _ranking_columns(year)

    def subtotal(kind: str, rows: pd.DataFrame) -> Row:
        return _ranking_total(f"{kind} 合计", kind, totals.get(year, kind),
                              rows["checks_failed"].sum(min_count=1), "subtotal")

    groups = kind_groups(focus, district.kinds, lambda r: _ranking_row(r, year, reasons),
                         subtotal, width=len(columns), small=_small,
                         small_label=f"基数过小 small base: fewer than {SMALL_BASE} outcomes "
                         "(or none): shares greyed, not ranked with the agencies above")
    whole = totals.get(year)
    foot = [_ranking_total(district.total_label, "", whole,
                           focus["checks_failed"].sum(min_count=1), "total"),
            coverage_rows(whole, len(columns))]
    return Table(f"ranking-{year}", columns, groups, foot,
                 caption=f"Agencies in {year}, by kind")


def section_ranking(district: District, reasons: Reasons, totals: Totals) -> str:
    year = district.focus_year
    if year is None:
        return '<section id="ranking"><h2>排名 Ranking</h2><p>No data.</p></section>'
    focus = district.summary[district.summary["year"] == year]
    table = ranking_table(district, reasons, totals)
    return (f'<section id="ranking"><h2>{year} 年排名 Agencies ranked, {year}</h2>'
            "<p>Ranked by requests received (一、本年新收) within each kind of agency; the "
            "outcome shares are of all outcomes (（七）总计 of 表三's outcome rows), whose "
            f"count n stands beside them. {esc(SMALL_RULE)} Click a header to sort "
            "(within each kind and segment; subtotals and the total stay in place).</p>"
            f"{chart_received(focus, year, district.kinds)}"
            f"{chart_outcome_mix(focus, year, district.kinds)}"
            f"{table.html()}</section>")


# -------------------------------------------------------------------------- trends

def _consecutive(years: Sequence[int]) -> list[int]:
    """The years whose year before is shown too: where a change column goes."""
    return [y for y in years if y - 1 in years]


def _district_years_table(district: District, totals: Totals) -> Table:
    columns = [Column("年度 year"), *_OVERVIEW_COLUMNS[1:]]
    groups = [Group(_group_label(district, g),
                    [_total_row(g, totals.get(y, g), year=y, before_shown=y - 1 in district.years)
                     for y in district.years])
              for g in _groups_of(district)]
    return Table("totals-per-year", columns, groups, sortable=False,
                 caption=f"{district.total_label} and each kind, per year")


AgencyCells = Callable[[str, str], list[Cell]]  # (agency_id, name) → its year cells
GroupCells = Callable[[str], list[Cell]]  # a group (a kind, or 全区) → its total's cells


class _Matrix:
    """Agencies × years of one measure, grouped by kind, with totals per year."""

    def __init__(self, district: District, reasons: Reasons, totals: Totals) -> None:
        self.district, self.reasons, self.totals = district, reasons, totals
        self.years = district.years
        self.values = district.by_agency_year

    def table(self, slug: str, caption: str, year_columns: list[Column],
              agency_cells: AgencyCells, total_cells: GroupCells,
              coverage_cells: Callable[[], list[Cell]]) -> Table:
        columns = [Column("机关 agency", key="agency"), Column("类别 kind"), *year_columns]
        agencies = self.district.agencies

        def row(a: dict) -> Row:
            cells = [text_cell(a["agency"], "name"), text_cell(a["agency_kind"], "kind")]
            return Row(cells + agency_cells(str(a["agency_id"]), str(a["agency"])),
                       agency=str(a["agency"]))

        def subtotal(kind: str, _rows: pd.DataFrame) -> Row:
            cells = [text_cell(f"{kind} 合计", "name"), text_cell(kind, "kind"), *total_cells(kind)]
            return Row(cells, SEGMENT_SUBTOTAL, "subtotal", pinned=True)

        groups = kind_groups(agencies, self.district.kinds, row, subtotal, width=len(columns))
        foot = [Row([text_cell(self.district.total_label, "name"), text_cell(""),
                     *total_cells(DISTRICT)], SEGMENT_SUBTOTAL, "total"),
                Row([text_cell("覆盖 coverage", "name"), text_cell(""), *coverage_cells()],
                    SEGMENT_SUBTOTAL, "coverage")]
        return Table(slug, columns, groups, foot, caption=caption)

    def coverage(self, y: int, *, with_outcomes: bool = False) -> Cell:
        """Whom the year's total covers: agencies giving 本年新收 (or, for shares, with
        outcomes), the others named in the tooltip and the CSV."""
        total = self.totals.get(y)
        if not with_outcomes:
            full, shown = coverage(total, limit=None), counted(total)
        else:
            summary = self.district.summary
            given = int(((summary["year"] == y) & (summary["outcomes"] > 0)).sum())
            full = coverage(total, figure="outcomes", with_figure=given, limit=None)
            shown = f"{given} of {int(total['agencies'])}" if total else ""  # type: ignore[arg-type]
        return Cell(f'<td class="cov" title="{esc(full)}">{esc(shown)}</td>', (full,))


def received_matrix(district: District, reasons: Reasons, totals: Totals) -> Table:
    """Requests received per agency and year, the change on every year before (absolute
    and %), and a sparkline."""
    m = _Matrix(district, reasons, totals)
    changed = set(_consecutive(m.years))
    columns: list[Column] = []
    for y in m.years:
        columns.append(Column(str(y), key=f"y{y}"))
        if y in changed:
            columns.append(Column(f"Δ {y - 1}→{y}", csv=(f"增减 change {y - 1}→{y}",
                                                        f"增减率 change % {y - 1}→{y}")))
    columns.append(Column("趋势 trend", csv=()))

    def agency_cells(aid: str, name: str) -> list[Cell]:
        cells, series = [], []
        for y in m.years:
            r = m.values.get((aid, y), {})
            series.append(r.get("received"))
            cells.append(count_cell(r.get("received"), reasons.received(aid, y)))
            if y in changed:
                cells.append(change_cell(r.get("received_change"), r.get("received_change_pct"),
                                         r.get("received_previous"),
                                         reasons.change(aid, y, r.get("received"))))
        cells.append(Cell(f'<td class="trend">{sparkline(series, m.years, name)}</td>', ()))
        return cells

    def total_cells(group: str) -> list[Cell]:
        cells, series = [], []
        for y in m.years:
            t = totals.get(y, group)
            series.append(t.get("received"))
            cells.append(count_cell(t.get("received"), NO_TOTAL))
            if y in changed:
                cells.append(_total_change(t))
        cells.append(Cell(f'<td class="trend">{sparkline(series, m.years, group)}</td>', ()))
        return cells

    def coverage_cells() -> list[Cell]:
        cells = []
        for y in m.years:
            cells.append(m.coverage(y))
            if y in changed:
                n = totals.get(y).get("agencies_like_for_like")
                text = "" if is_missing(n) or n is None else f"{int(n)} like for like"  # type: ignore[arg-type]
                cells.append(Cell(f'<td class="cov">{esc(text)}</td>', (text, "")))
        return [*cells, Cell("<td></td>", ())]

    return m.table("trend-received", "本年新收申请 requests received per agency and year",
                   columns, agency_cells, total_cells, coverage_cells)


def share_matrix(district: District, reasons: Reasons, totals: Totals, key: str) -> Table:
    """One outcome's share per agency and year, each cell with its n (greyed below
    SMALL_BASE)."""
    m = _Matrix(district, reasons, totals)
    columns = [Column(str(y), csv=(f"{y} %", f"{y} n"), key=f"y{y}") for y in m.years]

    def agency_cells(aid: str, _name: str) -> list[Cell]:
        cells = []
        for y in m.years:
            r = m.values.get((aid, y), {})
            cells.append(share_cell(r.get(f"{key}_share"), r.get("outcomes"),
                                    reasons.share(aid, y, r.get("outcomes")),
                                    show_n=True, csv_n=True))
        return cells

    def total_cells(group: str) -> list[Cell]:
        return [share_cell(totals.get(y, group).get(f"{key}_share"),
                           totals.get(y, group).get("outcomes"), NO_TOTAL, show_n=True,
                           csv_n=True) for y in m.years]

    def coverage_cells() -> list[Cell]:
        cells = [m.coverage(y, with_outcomes=True) for y in m.years]
        return [Cell(c.html, (*c.csv, "")) for c in cells]

    return m.table(f"trend-{key}-share", f"n = outcomes, the base of the share; below "
                   f"{SMALL_BASE}: greyed", columns, agency_cells, total_cells, coverage_cells)


def section_trends(district: District, reasons: Reasons, totals: Totals) -> str:
    years = district.years
    head = f'<section id="trends"><h2>年度趋势 Trends since {years[0] if years else 2019}</h2>'
    if len(years) < 2:
        return (head + f"<p>Only {', '.join(map(str, years)) or 'no year'} selected: trends "
                "need two years or more (run without <code>--year</code>).</p></section>")
    shares = "".join(
        f"<h3>{esc(OUTCOMES[k][0])} share per agency and year</h3>"
        + share_matrix(district, reasons, totals, k).html() for k in TREND_SHARES)
    return (head +
            "<p>Only measures printed by both the 2019 and the 2021 templates are compared "
            "across years (一、本年新收 and the outcome rows; 其他处理 of 2021 reports that "
            "print its three sub-rows is their sum). Every pair of years has its change: "
            "absolute, then in percent where the year before has at least "
            f"{SMALL_BASE}. A total's change is like for like: over the agencies with a "
            "figure in both years (a missing report is no decrease). A missing cell says "
            "why; hover it for the full reason.</p>"
            f"{chart_district_trend(district.totals, years, district.kinds, district.total_label)}"
            f"{_district_years_table(district, totals).html()}"
            "<h3>本年新收申请 Requests received per agency and year</h3>"
            f"{received_matrix(district, reasons, totals).html()}"
            f"<p>Each share below is of the agency's outcomes that year (n under it); "
            f"{esc(SMALL_RULE)}</p>{shares}</section>")


# ----------------------------------------------------------------- reviews, lawsuits

def _case_columns() -> list[Column]:
    return [Column("机关 agency", key="agency"), Column("类别 kind"),
            *(Column(f"{b} {label.split()[0]}", key=f"{block}_{k}")
              for block, b in (("review", "复议"), ("litigation", "诉讼"))
              for k, label in (*((k, CASE_OUTCOMES[k][0]) for k in CASE_OUTCOMES),
                               ("total", "总计 total")))]


def _case_keys() -> list[str]:
    return [f"{block}_{k}" for block in CASE_BLOCKS for k in CASE_KEYS]


def cases_table(district: District, reasons: Reasons, totals: Totals) -> Table:
    year = district.focus_year
    assert year is not None
    keys = _case_keys()
    cases = district.cases[district.cases["year"] == year].set_index("agency_id")
    focus = district.summary[district.summary["year"] == year][
        ["agency_id", "agency", "agency_kind"]].sort_values("agency")
    focus = focus.join(cases[keys], on="agency_id")
    columns = _case_columns()

    def row(r: dict) -> Row:
        aid = str(r["agency_id"])
        why = reasons.cell(aid, year, "this 表四 cell")
        return Row([text_cell(r["agency"], "name"), text_cell(r["agency_kind"], "kind"),
                    *(count_cell(r[k], why) for k in keys)], agency=str(r["agency"]))

    return counts_by_kind(district, totals, focus, year, columns=columns, keys=keys,
                          make_row=row, lead=0, no_total=NO_TOTAL, figure="表四",
                          slug=f"cases-{year}", caption=f"行政复议、行政诉讼 by agency, {year}")


def section_cases(district: District, reasons: Reasons, totals: Totals) -> str:
    year = district.focus_year
    head = '<section id="cases"><h2>行政复议、行政诉讼 Reviews and lawsuits</h2>'
    if year is None:
        return head + "<p>No data.</p></section>"
    table = cases_table(district, reasons, totals)
    return (head + "<p>行政诉讼 counts both of 表四's lawsuit blocks (未经复议直接起诉 and "
            "复议后起诉).</p>" + chart_cases(district.cases, district.years)
            + f"<h3>{year}</h3>" + table.html() + "</section>")


__all__ = ["cases_table", "ranking_table", "received_matrix",
           "section_cases", "section_overview", "section_ranking", "section_trends",
           "share_matrix"]
