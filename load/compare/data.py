"""What the comparison report shows, read from the warehouse's DuckDB views: one
:class:`District` of per-agency summaries, the selection's totals with their coverage,
表四 and 表二 per agency, reports and failed checks, filtered by year, agency and kind
in DuckDB.

Everything comes from one snapshot (the views are bound to it), so the rankings, the
trends, the totals and the data-quality panel describe the same publish. Should that
snapshot be deleted while the report is read (two newer publishes meanwhile), it is
read again from the current one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import duckdb
import pandas as pd

from load.analysis import current_snapshot
from load.roster import UnknownAgency, UnknownKind, chosen_agency_ids, kind_order
from load.views import DISTRICT, UNCLASSIFIED, connect, district_totals, reading, wide_columns
from load.warehouse import READ_ATTEMPTS, Snapshot, SnapshotGone
from transform.keys import APP, NEW_RECEIVED, OTHER, TOTAL

TREND_FROM = 2019  # the 2019 regulation's tables: the first comparable year
MAX_BARS = 40  # agencies in a ranking chart; the tables list all
MAX_SMALL_BARS = 6  # small-base agencies a chart shows (greyed) per kind, after the others
MAX_CHECK_ROWS = 2000  # failed checks listed; the count says how many there are
# Kinds in the order the report groups them (the government, its bureaus, its towns);
# any other kind follows by name, agencies without one last.

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
CASE_KEYS = (*CASE_OUTCOMES, TOTAL)  # 表四's columns: the outcomes, then 总计
# 表三's 其他处理 sub-rows (2021 template only), compared with nothing.
OTHER_DETAIL = tuple(column for column, row, _ in wide_columns(APP)
                     if row.startswith(f"{OTHER}."))


@dataclass
class District:
    """Everything the report shows, read once from the warehouse."""

    roster: pd.DataFrame  # agency_id, agency, agency_kind: the agencies of the selection
    summary: pd.DataFrame  # agency_year_summary rows of the selection (kind filled in)
    totals: pd.DataFrame  # the selection's totals per year: 全区 and per kind, with coverage
    received_cell: pd.DataFrame  # agency_id, year, cell of 表三 一 总计 (why it is missing)
    cases: pd.DataFrame  # reviews_litigation_wide rows of the selection
    disclosure: pd.DataFrame  # active_disclosure_wide rows of the selection
    other_detail: pd.DataFrame  # year, template, sums (and counts) of 其他处理's sub-rows
    reports: pd.DataFrame  # every report of the selection (failed ones included)
    quality: pd.DataFrame  # data_quality rows of the selection
    failed_checks: pd.DataFrame  # failed_checks rows (the first MAX_CHECK_ROWS)
    n_failed_checks: int
    years: list[int]  # years with data, ≥ TREND_FROM unless asked for explicitly
    kinds: list[str] = field(default_factory=list)  # kinds of the selection, in KIND_ORDER
    chosen_years: list[int] | None = None  # the years asked for (None: every year)
    selection: str = ""  # what was selected ("" for the whole district)
    snapshot: str = ""  # the id of the snapshot it was read from

    @property
    def focus_year(self) -> int | None:
        """The year of the rankings: the latest one with data."""
        return self.years[-1] if self.years else None

    @property
    def agencies(self) -> pd.DataFrame:
        """agency_id, agency, agency_kind: every agency of the roster with a report in
        the years compared, by name."""
        present = self.roster["agency_id"].isin(set(self.summary["agency_id"]))
        return self.roster[present].reset_index(drop=True)

    @property
    def selected_reports(self) -> pd.DataFrame:
        """The reports of the years asked for (``reports`` also holds the year before
        each, which a change on it needs), and those of unknown year."""
        if self.chosen_years is None:
            return self.reports
        year = self.reports["year"]
        return self.reports[year.isna() | year.isin(self.chosen_years)]

    @cached_property
    def by_agency_year(self) -> dict[tuple[str, int], dict]:
        """(agency_id, year) → its summary row: the trends' lookups, made once."""
        return self.summary.set_index(["agency_id", "year"]).to_dict("index")

    @property
    def total_label(self) -> str:
        """The label of the total row: 全区合计, or the selection's total."""
        return f"{DISTRICT}合计" if not self.selection else f"合计 ({self.selection})"


def _quoted(values: Iterable[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values) or "NULL"


@dataclass(frozen=True)
class Selection:
    """Which years and agency ids the report is about (None: all); kinds asked for are
    already agency ids (:func:`load.roster.chosen_agency_ids`)."""

    years: list[int] | None = None
    ids: list[str] | None = None

    def where(self, *, alias: str = "", years: Sequence[int] | None = None,
              all_years: bool = False) -> str:
        """A condition on year and agency_id (``years`` overrides the selection's;
        ``all_years`` leaves the year free)."""
        prefix = f"{alias}." if alias else ""
        chosen = years if years is not None else self.years
        parts = ["TRUE"]
        if chosen is not None and not all_years:
            parts.append(f"{prefix}year IN ({', '.join(str(int(y)) for y in chosen) or 'NULL'})")
        if self.ids is not None:
            parts.append(f"{prefix}agency_id IN ({_quoted(self.ids)})")
        return " AND ".join(parts)

    def loose(self) -> str:
        """The condition for reports and their problems: a report of unknown year or
        agency may belong to the selection, so it is kept."""
        parts = ["TRUE"]
        if self.years is not None:
            parts.append(f"(year IS NULL OR year IN ({', '.join(map(str, self.years))}))")
        if self.ids is not None:
            parts.append(f"(agency_id IS NULL OR agency_id IN ({_quoted(self.ids)}))")
        return " AND ".join(parts)


def _with_kind(frame: pd.DataFrame) -> pd.DataFrame:
    """``agency_kind`` as a plain string column, unclassified agencies named so."""
    if "agency_kind" in frame:
        frame["agency_kind"] = frame["agency_kind"].astype(object).where(
            frame["agency_kind"].notna(), UNCLASSIFIED)
    return frame


def _frame(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    frame = _with_kind(con.execute(sql).df())
    if "year" in frame and frame["year"].notna().all():
        frame["year"] = frame["year"].astype(int)
    return frame


def _summary(con: duckdb.DuckDBPyConnection, where: str) -> pd.DataFrame:
    return _frame(con, f"SELECT * FROM agency_year_summary WHERE {where} AND year IS NOT NULL "
                  "ORDER BY agency, year")


def _roster(con: duckdb.DuckDBPyConnection, sel: Selection) -> pd.DataFrame:
    return _frame(con, "SELECT agency_id, agency, agency_kind FROM agencies "
                  f"WHERE {sel.where(all_years=True)} ORDER BY agency")


def _totals(con: duckdb.DuckDBPyConnection, sel: Selection, years: list[int]) -> pd.DataFrame:
    roster = sel.where(alias="a", all_years=True)
    frame = _frame(con, f"SELECT * FROM ({district_totals(roster)}) "
                   f"WHERE year IN ({', '.join(map(str, years)) or 'NULL'}) "
                   "ORDER BY year, NOT district, grouping")
    return frame.rename(columns={"grouping": "group"})


def _received_cell(con: duckdb.DuckDBPyConnection, where: str) -> pd.DataFrame:
    return con.execute(
        "SELECT agency_id, year, string_agg(DISTINCT cell, ',') AS cell FROM facts "
        f"WHERE \"table\" = '{APP}' AND row_key = '{NEW_RECEIVED}' AND col_key = '{TOTAL}' "
        f"AND {where} GROUP BY ALL").df()


def _cases(con: duckdb.DuckDBPyConnection, where: str) -> pd.DataFrame:
    """表四 per agency and year: review_<outcome> and litigation_<outcome>, both 行政诉讼
    blocks (direct, after review) summed (null when neither is printed)."""
    columns = [f"review_{k}" for k in CASE_KEYS] + [
        f"CASE WHEN litigation_direct_{k} IS NULL AND litigation_after_review_{k} IS NULL "
        f"THEN NULL ELSE coalesce(litigation_direct_{k}, 0) "
        f"+ coalesce(litigation_after_review_{k}, 0) END AS litigation_{k}"
        for k in CASE_KEYS]
    return _frame(con, "SELECT agency_id, agency, agency_kind, year, template, "
                  f"{', '.join(columns)} FROM reviews_litigation_wide WHERE {where}")


def _disclosure(con: duckdb.DuckDBPyConnection, where: str) -> pd.DataFrame:
    return _frame(con, f"SELECT * FROM active_disclosure_wide WHERE {where}")


def _other_detail(con: duckdb.DuckDBPyConnection, where: str) -> pd.DataFrame:
    sums = ", ".join(f"sum({c}) AS {c}, count({c}) AS {c}__n" for c in OTHER_DETAIL)
    return con.execute(f"SELECT year, template, {sums} FROM outcomes_wide WHERE {where} "
                       "GROUP BY ALL").df()


def _quality(con: duckdb.DuckDBPyConnection, sel: Selection) -> pd.DataFrame:
    return _frame(con, f"SELECT * FROM data_quality WHERE {sel.loose()} "
                  "ORDER BY year NULLS FIRST, agency, source")


def _failed_checks(con: duckdb.DuckDBPyConnection, where: str) -> tuple[pd.DataFrame, int]:
    count = con.execute(f"SELECT count(*) FROM failed_checks WHERE {where}").fetchone()[0]
    frame = _frame(con, f"SELECT * FROM failed_checks WHERE {where} "
                   "ORDER BY year, agency, source, rule, row_key, col_key "
                   f"LIMIT {MAX_CHECK_ROWS}")
    return frame, int(count)


def _reports(con: duckdb.DuckDBPyConnection, sel: Selection) -> pd.DataFrame:
    """Reports of the selection; failed reports of unknown year (or agency) too, since
    they may belong to any year (or agency) of it."""
    return _frame(con, "SELECT year, agency_id, agency, agency_kind, source, status, error, "
                  f"superseded_by FROM reports WHERE {sel.loose()} "
                  "ORDER BY year NULLS FIRST, agency, source")


def load_district(warehouse: str | Path | Snapshot, *, years: Iterable[int] | None = None,
                  agencies: Iterable[str] | None = None, kinds: Iterable[str] | None = None,
                  registry: str | Path | None = None) -> District:
    """Read what the report needs, for the given years (default: all, from 2019 on for
    the comparisons), agencies (any registered spelling, or ids) and kinds (区政府部门…;
    未分类 for agencies without one), from one snapshot: the warehouse's current one, or
    the :class:`Snapshot` given. An agency that is none of the snapshot's raises
    :class:`UnknownAgency`, a kind none of its agencies has :class:`UnknownKind`."""
    chosen = sorted({int(y) for y in years}) if years is not None else None
    names = list(agencies) if agencies is not None else None
    wanted = list(dict.fromkeys(kinds)) if kinds is not None else None
    if isinstance(warehouse, Snapshot):
        return _read_district(warehouse, chosen, names, wanted, registry)
    attempt = 1
    while True:
        try:
            return _read_district(current_snapshot(warehouse), chosen, names, wanted,
                                  registry)
        except SnapshotGone:
            if attempt == READ_ATTEMPTS:
                raise
            attempt += 1


def _selection_label(names: list[str] | None, kinds: list[str] | None) -> str:
    parts = []
    if kinds is not None:
        parts.append("、".join(kinds))
    if names is not None:
        parts.append(f"{len(names)} {'agency' if len(names) == 1 else 'agencies'} chosen")
    return "; ".join(parts)


def _with_years_before(years: list[int] | None) -> list[int] | None:
    """``years`` and the year before each: a change on the year before says why it is
    missing from that year's reports."""
    return None if years is None else sorted({*years, *(y - 1 for y in years)})


def _read_district(snapshot: Snapshot, chosen: list[int] | None, names: list[str] | None,
                   kinds: list[str] | None, registry: str | Path | None) -> District:
    con = connect(snapshot)
    try:
        with reading(snapshot):
            ids = chosen_agency_ids(con, names, kinds, registry)
            sel = Selection(chosen, ids)
            roster = _roster(con, sel)
            summary = _summary(con, sel.where())
            if chosen is None:  # default: the comparable era only
                summary = summary[summary["year"] >= TREND_FROM]
            present = sorted(set(summary["year"]))
            data_where = sel.where(years=present)
            before = Selection(_with_years_before(chosen), ids)
            failed, n_failed = _failed_checks(con, sel.where())
            return District(
                roster=roster, summary=summary.reset_index(drop=True),
                totals=_totals(con, sel, present),
                received_cell=_received_cell(con, sel.where(
                    years=_with_years_before(present))),
                cases=_cases(con, data_where),
                disclosure=_disclosure(con, data_where),
                other_detail=_other_detail(con, data_where), reports=_reports(con, before),
                quality=_quality(con, sel), failed_checks=failed, n_failed_checks=n_failed,
                years=present, kinds=kind_order(roster["agency_kind"]), chosen_years=chosen,
                selection=_selection_label(names, kinds), snapshot=snapshot.id)
    finally:
        con.close()


__all__ = ["CASE_BLOCKS", "CASE_KEYS", "CASE_OUTCOMES", "MAX_BARS", "MAX_CHECK_ROWS",
           "MAX_SMALL_BARS", "OTHER_DETAIL", "OUTCOMES", "TREND_FROM", "District",
           "Selection", "UnknownAgency", "UnknownKind", "kind_order", "load_district"]
