"""What the comparison report shows, read from the warehouse's DuckDB views:
one :class:`District` of summaries, cases, template-specific cells, failed checks
and reports, filtered by year and agency in DuckDB.

Everything comes from one snapshot (the views are bound to it), so the rankings, the
trends and the data-quality panel describe the same publish. Should that snapshot be
deleted while the report is read (two newer publishes meanwhile), it is read again
from the current one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from load.analysis import agency_ids, current_snapshot
from load.views import connect, reading
from load.warehouse import READ_ATTEMPTS, Snapshot, SnapshotGone
from transform.agencies import did_you_mean, load_registry
from transform.keys import AD, APP, NEW_RECEIVED, OTHER, REVIEW, RL, TOTAL, derived_rows

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
CASE_BLOCKS = {REVIEW: "行政复议 administrative review",
               "litigation": "行政诉讼 lawsuits"}
# Template-specific cells shown on their own rows, never merged with another template's.
SPECIFIC = (
    *((APP, row, TOTAL) for row in derived_rows()[(APP, OTHER)]),
    *((AD, row, col) for row in ("rules", "normative_documents")
      for col in ("made", "issued", "in_force")),
)




class UnknownAgency(ValueError):
    """An agency asked for that names none of the warehouse's (one line, with the
    closest names it holds)."""


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
    snapshot: str = ""  # the id of the snapshot it was read from

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
        f"WHERE \"table\" = '{APP}' AND row_key = '{NEW_RECEIVED}' AND col_key = '{TOTAL}' "
        f"AND {where} GROUP BY ALL").df()


def _cases(con: duckdb.DuckDBPyConnection, where: str) -> pd.DataFrame:
    # Both 行政诉讼 blocks (direct and after review) make one "litigation" block.
    return con.execute(
        f"SELECT agency_id, year, CASE WHEN row_key = '{REVIEW}' THEN '{REVIEW}' "
        "ELSE 'litigation' END AS block, col_key AS outcome, sum(value) AS value "
        f"FROM facts WHERE \"table\" = '{RL}' "
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
          AND lines.row_key = coalesce(failed.row_key, '{TOTAL}')
          AND lines.col_key = coalesce(failed.col_key, '{TOTAL}')
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


def load_district(warehouse: str | Path | Snapshot, *, years: Iterable[int] | None = None,
                  agencies: Iterable[str] | None = None,
                  registry: str | Path | None = None) -> District:
    """Read what the report needs, for the given years (default: all, from 2019 on for
    the comparisons) and agencies (any registered spelling, or ids), from one snapshot:
    the warehouse's current one, or the :class:`Snapshot` given. An agency that is
    none of the snapshot's raises :class:`UnknownAgency`."""
    chosen = sorted({int(y) for y in years}) if years is not None else None
    names = list(agencies) if agencies is not None else None
    if isinstance(warehouse, Snapshot):
        return _read_district(warehouse, chosen, names, registry)
    attempt = 1
    while True:
        try:
            return _read_district(current_snapshot(warehouse), chosen, names, registry)
        except SnapshotGone:
            if attempt == READ_ATTEMPTS:
                raise
            attempt += 1


def _chosen_agencies(con: duckdb.DuckDBPyConnection, names: list[str],
                     registry: str | Path | None) -> list[str]:
    """The agency ids of ``names`` (any registered spelling, a name the warehouse
    holds, or an id); :class:`UnknownAgency` for the first name that is none of the
    warehouse's agencies, with the closest of their names and registered spellings."""
    held = con.execute("SELECT DISTINCT agency_id, agency FROM reports "
                       "WHERE agency_id IS NOT NULL").df()
    held_ids = set(held["agency_id"])
    for name in names:
        if not held_ids.intersection(agency_ids([name], registry) or ()):
            reg = load_registry(str(registry) if registry else None)
            known = [*sorted(set(held["agency"].dropna())), *reg.spellings(held_ids)]
            raise UnknownAgency(f"no agency {name} in the warehouse"
                                + did_you_mean(name, known))
    return agency_ids(names, registry) or []


def _read_district(snapshot: Snapshot, chosen: list[int] | None,
                   names: list[str] | None, registry: str | Path | None) -> District:
    con = connect(snapshot)
    try:
        with reading(snapshot):
            ids = _chosen_agencies(con, names, registry) if names is not None else None
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
                n_failed_checks=n_failed, years=present, snapshot=snapshot.id)
    finally:
        con.close()
