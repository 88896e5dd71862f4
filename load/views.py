"""DuckDB views over the warehouse: the three datasets and the usual comparisons.

Analysts who prefer SQL get the same data as the pandas API, straight from the
Parquet files (no copy, no load step): ``facts``, ``reports``, ``checks``, and views
that answer the recurring questions:

- ``applications_wide``: 表三 as printed, one row per (agency, year, row) with the
  applicant types as columns;
- ``agency_year_summary``: per agency and year, requests received and carried over,
  the outcome mix (granted, partly granted, withheld, unavailable, not processed,
  other) as counts and shares of all outcomes, 行政复议/行政诉讼 totals, and the
  report's status and failed checks;
- ``key_comparability``: every canonical cell with whether it compares across the
  2019 and 2021 templates (from ``keys.csv``), so a query can say why a cell is
  missing in some years.

Unknown years are stored under ``year=0`` (see the data dictionary); the views turn
them back into NULL.

The views are bound to one snapshot (``load.snapshot``), resolved once when they are
defined: every statement, however many datasets it joins, reads that publish and no
other (``warehouse_snapshot`` says which). They name its files one by one, with their
year as a constant, rather than a glob with Hive partitioning: a warehouse path holding
glob characters (``wh?``, ``wh[1]``) or a ``key=value`` directory (``…/year=1999/``)
is read as the literal path it is. A snapshot lasts until two newer ones are published;
a statement on a deleted one fails (:func:`reading` turns that into
:class:`load.errors.SnapshotGone`), and :func:`bind` points the views at the current one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from load.analysis import comparability, current_snapshot
from load.errors import SnapshotGone
from load.schema import PARTITION_COLUMN, dataset, file_schema
from load.warehouse import Snapshot
from transform.agencies import did_you_mean
from transform.checks import OUTCOME_PREFIXES
from transform.keys import (
    AD,
    APP,
    CARRIED_FORWARD,
    CARRIED_OVER,
    CORRECTED,
    LITIGATION_PREFIX,
    NEW_RECEIVED,
    OTHER,
    REVIEW,
    RL,
    TOTAL,
    key_catalog,
)
from transform.maps import MapError, parse_map

DATASETS = ("facts", "reports", "checks")
# Shares and changes on fewer than this many requests are flagged (``small_base``) and
# their percentages left out: 1 of 2 is not "50 %" next to an agency with 1,431.
SMALL_BASE = 10
DISTRICT = "全区"  # the grouping of district totals
UNCLASSIFIED = "未分类"  # the grouping of agencies without a kind

# The outcome rows (七)总计 adds up, by group (withheld: the eight 不予公开 rows…).
_OUTCOMES = {key.rstrip("."): f"row_key LIKE '{key}%'" if key.endswith(".")
             else f"row_key = '{key}'" for key in (*OUTCOME_PREFIXES, OTHER)}


_SQL_TYPES = {"string": "VARCHAR", "int16": "SMALLINT", "int32": "INTEGER",
              "int64": "BIGINT", "double": "DOUBLE", "bool": "BOOLEAN",
              "timestamp[us, tz=UTC]": "TIMESTAMPTZ"}


def _sql_type(arrow_type: pa.DataType) -> str:
    return _SQL_TYPES.get(str(arrow_type), "VARCHAR")


def _quote(text: str) -> str:
    return text.replace("'", "''")


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal_path(path: Path) -> str:
    """``path`` as a DuckDB file pattern that matches itself only: every glob
    character (``*``, ``?``, ``[``) in a character class of its own."""
    text = str(path.absolute())
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def _typed_null(name: str, arrow_type: pa.DataType) -> str:
    return f"CAST(NULL AS {_sql_type(arrow_type)}) AS {_identifier(name)}"


def _dataset_view(name: str, snapshot: Snapshot | None) -> str:
    """The view of one dataset of ``snapshot``: its partition files, each with its
    year; a column none of its files holds (written before the column existed) is a
    typed null, and a dataset without rows (or without a snapshot) an empty relation of
    the same columns."""
    files = snapshot.partitions(name) if snapshot is not None else {}
    present: set[str] = set()
    if snapshot is not None:
        with snapshot.reading():
            present = {c for path in files.values() for c in pq.read_schema(path).names}
    columns = ", ".join(_identifier(f.name) if f.name in present else _typed_null(f.name, f.type)
                        for f in file_schema(name))
    year = _identifier(PARTITION_COLUMN)
    if not files:
        nulls = ", ".join(_typed_null(f.name, f.type) for f in file_schema(name))
        return (f"CREATE OR REPLACE VIEW {name} AS SELECT {nulls}, "
                f"CAST(NULL AS SMALLINT) AS {year} WHERE false")
    parts = " UNION ALL BY NAME ".join(
        f"SELECT *, CAST({'NULL' if y is None else int(y)} AS SMALLINT) AS {year} "
        f"FROM read_parquet('{_quote(_literal_path(path))}', hive_partitioning = false)"
        for y, path in files.items())
    return f"CREATE OR REPLACE VIEW {name} AS SELECT {columns}, {year} FROM ({parts})"


def _column_name(*keys: str) -> str:
    """A key (or a row and a column key) as a plain SQL column name:
    ``withheld.state_secret`` → ``withheld_state_secret``."""
    return "_".join(k.replace(".", "_") for k in keys)


def _named(query: str) -> str:
    """``query``'s rows with their agency's name and kind from the roster (``agencies``):
    one name and one kind per agency in every view, whichever year's report stamped
    them, so that rows and the totals by kind always group alike."""
    return ("SELECT q.agency_id, a.agency, a.agency_kind, q.* EXCLUDE (agency_id)\n"
            f"FROM ({query}) q LEFT JOIN agencies a USING (agency_id)")


def _applications_wide() -> str:
    columns = ",\n".join(f"       sum(value) FILTER (col_key = '{col}') AS {col}"
                          for col in key_catalog().col_order[APP])
    return "CREATE OR REPLACE VIEW applications_wide AS\n" + _named(f"""
SELECT agency_id, year, template, row_key,
{columns}
FROM facts WHERE "table" = '{APP}'
GROUP BY agency_id, year, template, row_key
HAVING count(value) > 0  -- rows printed only with blanks or dashes hold no figure
""")


def wide_columns(table: str) -> list[tuple[str, str, str]]:
    """The columns of a table's wide view: (column, row_key, col_key), in the template's
    order. 表三 (``outcomes_wide``) keeps its 总计 column and the outcome rows; 表二 and
    表四 keep every cell, ``row_col``."""
    catalog = key_catalog()
    if table == APP:
        outcome_rows = [r for r in catalog.row_order[APP]
                        if r.startswith(OUTCOME_PREFIXES) or r.split(".")[0] == OTHER
                        or r == TOTAL]
        return [(_column_name(r), r, TOTAL) for r in outcome_rows]
    return [(_column_name(r, c), r, c) for (t, r, c) in catalog.cells if t == table]


def _wide_view(name: str, table: str) -> str:
    columns = ",\n".join(
        f"  sum(value) FILTER (row_key = '{r}' AND col_key = '{c}') AS {column}"
        for column, r, c in wide_columns(table))
    extra = f" AND col_key = '{TOTAL}'" if table == APP else ""
    return f"CREATE OR REPLACE VIEW {name} AS\n" + _named(f"""
SELECT agency_id, year, template,
{columns}
FROM facts WHERE "table" = '{table}'{extra}
GROUP BY agency_id, year, template
HAVING count(value) > 0
""")


def _summary_view() -> str:
    outcome_sums = ",\n".join(
        f"  sum(value) FILTER ({cond}) AS {name}" for name, cond in _OUTCOMES.items())
    shares = ",\n".join(
        f"  {name} / nullif(outcomes, 0) AS {name}_share" for name in _OUTCOMES)
    # The sum of the outcome groups a report gives; null when it gives none of them
    # (not 0: a report that prints no outcome row did not report zero outcomes).
    outcome_total = (f"CASE WHEN coalesce({', '.join(_OUTCOMES)}) IS NOT NULL THEN "
                     + " + ".join(f"coalesce({name}, 0)" for name in _OUTCOMES) + " END")
    return f"""
CREATE OR REPLACE VIEW agency_year_summary AS
WITH app AS (
  SELECT agency_id, year,
  sum(value) FILTER (row_key = '{NEW_RECEIVED}') AS received,
  sum(value) FILTER (row_key = '{CARRIED_OVER}') AS carried_over,
  sum(value) FILTER (row_key = '{CARRIED_FORWARD}') AS carried_forward,
{outcome_sums}
  FROM facts WHERE "table" = '{APP}' AND col_key = '{TOTAL}'
  GROUP BY ALL
), rl AS (
  SELECT agency_id, year,
  sum(value) FILTER (row_key = '{REVIEW}' AND col_key = '{TOTAL}') AS reviews,
  sum(value) FILTER (row_key = '{REVIEW}' AND col_key = '{CORRECTED}') AS reviews_corrected,
  sum(value) FILTER (row_key LIKE '{LITIGATION_PREFIX}%' AND col_key = '{TOTAL}') AS lawsuits,
  sum(value) FILTER (row_key LIKE '{LITIGATION_PREFIX}%' AND col_key = '{CORRECTED}')
      AS lawsuits_corrected
  FROM facts WHERE "table" = '{RL}'
  GROUP BY ALL
), rep AS (
  SELECT agency_id, year, any_value(template) AS template, count(*) AS reports,
         string_agg(DISTINCT status, ',') AS status, coalesce(bool_or(stale), false) AS stale,
         sum(n_checks_failed) AS checks_failed
  FROM reports WHERE agency_id IS NOT NULL AND year IS NOT NULL AND superseded_by IS NULL
    AND status IS DISTINCT FROM 'removed'
  GROUP BY agency_id, year
), outcomes AS (
  SELECT *, {outcome_total} AS outcomes FROM app
), joined AS (
  SELECT rep.agency_id, roster.agency, roster.agency_kind, rep.year, rep.template,
         rep.reports, rep.status, rep.stale, rep.checks_failed,
         outcomes.* EXCLUDE (agency_id, year),
{shares},
         outcomes.outcomes < {SMALL_BASE} AS small_base,
         rl.reviews, rl.reviews_corrected, rl.lawsuits, rl.lawsuits_corrected
  FROM rep
  LEFT JOIN agencies AS roster USING (agency_id)
  LEFT JOIN outcomes USING (agency_id, year)
  LEFT JOIN rl USING (agency_id, year)
)
SELECT joined.*,
       before.received AS received_previous,
       joined.received - before.received AS received_change,
       CASE WHEN before.received >= {SMALL_BASE}
            THEN (joined.received - before.received) / before.received END
           AS received_change_pct
FROM joined
LEFT JOIN app AS before ON before.agency_id = joined.agency_id
  AND before.year = joined.year - 1
"""


def _agencies_view() -> str:
    return """
CREATE OR REPLACE VIEW agencies AS
SELECT agency_id, arg_max(agency, year) AS agency, arg_max(agency_kind, year) AS agency_kind,
       min(year) AS first_year, max(year) AS last_year, count(DISTINCT year) AS years,
       count(*) AS reports
FROM reports
WHERE agency_id IS NOT NULL AND year IS NOT NULL AND superseded_by IS NULL
  AND status IS DISTINCT FROM 'removed'
GROUP BY agency_id
"""


def district_totals(roster: str = "TRUE") -> str:
    """The query of ``district_year_summary`` over the agencies of ``agencies`` that
    ``roster`` (a condition on its columns, table alias ``a``) selects: the district's
    totals by default, a selection's (some agencies, some kinds) otherwise. Every
    agency of the roster is expected in every year."""
    sums = ", ".join(f"sum(s.{c}) AS {c}" for c in (
        "received", "carried_over", *_OUTCOMES, "outcomes", "reviews", "lawsuits"))
    shares = ", ".join(f"{c} / nullif(outcomes, 0) AS {c}_share" for c in _OUTCOMES)
    names = "string_agg(r.agency, '、' ORDER BY r.agency)"
    return f"""
WITH years AS (SELECT DISTINCT year FROM agency_year_summary),
roster AS (SELECT a.*, y.year FROM agencies a CROSS JOIN years y WHERE {roster}),
totals AS (
  SELECT r.year, r.agency_kind, GROUPING(r.agency_kind) = 1 AS district,
         count(*) AS agencies,
         count(s.received) AS agencies_with_figure,
         {names} FILTER (s.agency_id IS NULL) AS missing,
         {names} FILTER (s.status LIKE '%failed%' AND NOT s.stale) AS failed,
         {names} FILTER (s.stale) AS stale,
         {names} FILTER (s.agency_id IS NOT NULL
             AND s.received IS NULL AND s.status NOT LIKE '%failed%') AS without_figure,
         {sums},
         sum(s.received) FILTER (p.received IS NOT NULL) AS received_like_for_like,
         sum(p.received) FILTER (s.received IS NOT NULL) AS received_previous_like_for_like,
         count(*) FILTER (s.received IS NOT NULL AND p.received IS NOT NULL)
             AS agencies_like_for_like
  FROM roster r
  LEFT JOIN agency_year_summary s ON s.agency_id = r.agency_id AND s.year = r.year
  LEFT JOIN agency_year_summary p ON p.agency_id = r.agency_id AND p.year = r.year - 1
  GROUP BY GROUPING SETS ((r.year), (r.year, r.agency_kind))
)
SELECT year, CASE WHEN district THEN '{DISTRICT}' ELSE coalesce(agency_kind, '{UNCLASSIFIED}')
             END AS grouping, district,
       agencies, agencies_with_figure, missing, failed, stale, without_figure,
       received, carried_over, {", ".join(_OUTCOMES)}, outcomes, {shares}, reviews, lawsuits,
       agencies_like_for_like,
       received_like_for_like - received_previous_like_for_like AS received_change,
       CASE WHEN received_previous_like_for_like >= {SMALL_BASE}
            THEN (received_like_for_like - received_previous_like_for_like)
                 / received_previous_like_for_like END AS received_change_pct
FROM totals
"""


def _district_view() -> str:
    """District and kind totals per year, saying whom they cover."""
    return f"CREATE OR REPLACE VIEW district_year_summary AS {district_totals()}"


def _data_quality_view() -> str:
    return """
CREATE OR REPLACE VIEW data_quality AS
SELECT year, agency_id, agency, agency_kind, source, status, stale, error, n_checks_failed,
       n_warnings, warnings, processed_at
FROM reports
WHERE superseded_by IS NULL AND (status IS DISTINCT FROM 'ok' OR n_checks_failed > 0)
"""


def _failed_checks_view() -> str:
    """Failed checks with the labels of their row and column and the line of the total
    they are about: a rule's row or column is null when it spans rows or columns, and
    the printed total it compares with is then the 总计 row or column."""
    return f"""
CREATE OR REPLACE VIEW failed_checks AS
WITH failed AS (SELECT * FROM checks WHERE NOT passed),
lines AS (
  SELECT source, source_sha256, "table", row_key, col_key, min(line) AS line
  FROM facts WHERE source_sha256 IN (SELECT source_sha256 FROM failed)
  GROUP BY ALL
),
row_labels AS (SELECT "table", row_key, any_value(row_label) AS row_label
               FROM key_comparability GROUP BY ALL),
col_labels AS (SELECT "table", col_key, any_value(col_label) AS col_label
               FROM key_comparability GROUP BY ALL)
SELECT failed.year, failed.agency_id, failed.agency, failed.agency_kind, failed.rule,
       failed."table", failed.row_key, row_labels.row_label, failed.col_key,
       coalesce(cell.col_label, col_labels.col_label) AS col_label, failed.expected, failed.actual,
       failed.actual - failed.expected AS difference, failed.source, lines.line,
       failed.other_source
FROM failed
LEFT JOIN lines ON lines.source = failed.source
  AND lines.source_sha256 = failed.source_sha256 AND lines."table" = failed."table"
  AND lines.row_key = coalesce(failed.row_key, '{TOTAL}')
  AND lines.col_key = coalesce(failed.col_key, '{TOTAL}')
LEFT JOIN row_labels ON row_labels."table" = failed."table"
  AND row_labels.row_key = failed.row_key
LEFT JOIN col_labels ON col_labels."table" = failed."table"
  AND col_labels.col_key = failed.col_key
LEFT JOIN key_comparability cell ON cell."table" = failed."table"
  AND cell.row_key = failed.row_key AND cell.col_key = failed.col_key
"""


def _snapshot_view(snapshot: Snapshot | None) -> str:
    if snapshot is None:
        return ("CREATE OR REPLACE VIEW warehouse_snapshot AS SELECT "
                "CAST(NULL AS VARCHAR) AS snapshot, CAST(NULL AS VARCHAR) AS path")
    return ("CREATE OR REPLACE VIEW warehouse_snapshot AS SELECT "
            f"'{_quote(snapshot.id)}' AS snapshot, "
            f"'{_quote(str(snapshot.path.absolute()))}' AS path")


def bind(con: duckdb.DuckDBPyConnection, snapshot: Snapshot) -> None:
    """Define (or redefine) every view on ``con`` to read ``snapshot``."""
    with reading(snapshot):
        _define(con, snapshot)


def _define(con: duckdb.DuckDBPyConnection, snapshot: Snapshot | None) -> None:
    keys = comparability()  # noqa: F841 (read by the query below, by name)
    con.execute("CREATE OR REPLACE TABLE key_comparability AS SELECT * FROM keys")
    for name in DATASETS:
        con.execute(_dataset_view(name, snapshot))
    con.execute(_snapshot_view(snapshot))
    for statement in _derived_views():
        con.execute(statement)


def _derived_views() -> list[str]:
    """The views over the datasets, each after the views it reads."""
    return [_agencies_view(), _applications_wide(), _wide_view("outcomes_wide", APP),
            _wide_view("reviews_litigation_wide", RL), _wide_view("active_disclosure_wide", AD),
            _summary_view(), _district_view(), _data_quality_view(), _failed_checks_view()]


# ------------------------------------------------------------------------ the catalog

@dataclass(frozen=True)
class ViewColumn:
    """One column of a view: its name, SQL type, Chinese header and meaning."""

    name: str
    type: str
    label: str
    meaning: str


@dataclass(frozen=True)
class View:
    """A view as ``xxgk sql --tables``, the data dictionary and ``xxgk export`` show it."""

    name: str
    description: str
    columns: tuple[ViewColumn, ...]

    def labels(self) -> dict[str, str]:
        """column → Chinese header."""
        return {c.name: c.label for c in self.columns}


@cache
def _catalog_rows() -> tuple[dict[str, str], ...]:
    text = resources.files("load").joinpath("views.csv").read_text("utf-8")
    rows = parse_map(text, "views", "load/views.csv")
    if rows and not {"view", "column", "label", "meaning"} <= set(rows[0]):
        raise MapError("load/views.csv lacks columns: view, column, label, meaning")
    return rows


@cache
def _key_columns() -> dict[str, tuple[str, str]]:
    """The wide views' key columns → (header, meaning), from keys.csv."""
    catalog = key_catalog()
    out: dict[str, tuple[str, str]] = {}
    for table in (APP, RL, AD):
        for column, row, col in wide_columns(table):
            spec = catalog.cells[(table, row, col)]
            row_label, col_label = spec.row_label, spec.col_label
            label = row_label if table == APP else f"{row_label} {col_label}"
            templates = "/".join(sorted(spec.templates))
            out[column] = (label, f"{label} ({templates} template; {spec.unit})")
    return out


@cache
def _catalog_index() -> dict[tuple[str, str], dict[str, str]]:
    return {(r["view"], r["column"]): r for r in _catalog_rows()}


def _described(name: str, column: str, dataset_meanings: dict[str, str]
               ) -> tuple[str, str]:
    rows = _catalog_index()
    for key in ((name, column), ("*", column)):
        if key in rows:
            row = rows[key]
            return row["label"], row["meaning"] or row["label"]
    if column in dataset_meanings:
        return "", dataset_meanings[column]
    if name.endswith("_wide") and column in _key_columns():
        return _key_columns()[column]
    raise LookupError(f"load/views.csv does not describe column {column} of view {name}")


def views(con: duckdb.DuckDBPyConnection) -> list[View]:
    """Every view of ``con`` (:data:`VIEWS`), with its columns' types (from DuckDB),
    headers and meanings (``load/views.csv``; the datasets' from their schema)."""
    descriptions = {r["view"]: r["meaning"] for r in _catalog_rows() if not r["column"]}
    out = []
    for name in VIEWS:
        meanings = ({c.name: c.description for c in dataset(name).columns}
                    if name in DATASETS else {})
        columns = tuple(
            ViewColumn(column, str(kind), *_described(name, column, meanings))
            for column, kind, *_ in con.execute(f"DESCRIBE {name}").fetchall())
        out.append(View(name, descriptions.get(name, ""), columns))
    return out


def bound_snapshot(con: duckdb.DuckDBPyConnection) -> str:
    """The id of the snapshot the views of ``con`` read."""
    return con.execute("SELECT snapshot FROM warehouse_snapshot").fetchone()[0]


@contextmanager
def reading(snapshot: Snapshot) -> Iterator[None]:
    """Turn a DuckDB error met because ``snapshot`` was deleted into
    :class:`SnapshotGone` (read again: the current snapshot is another)."""
    try:
        with snapshot.reading():
            yield
    except duckdb.Error as err:
        if not snapshot.exists():
            raise snapshot.gone() from err
        raise


def connect(warehouse: str | Path | Snapshot,
            database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the views defined on one snapshot: the warehouse's
    current one, or the :class:`Snapshot` given."""
    snapshot = warehouse if isinstance(warehouse, Snapshot) else current_snapshot(warehouse)
    return _connected(snapshot, database)


def connect_empty() -> duckdb.DuckDBPyConnection:
    """Every view over datasets without rows: what the views are, without a warehouse
    (their columns and types, for the data dictionary)."""
    return _connected(None, ":memory:")


def read_view(warehouse: str | Path | Snapshot, name: str) -> pd.DataFrame:
    """One view (:data:`VIEWS`) of the warehouse's current snapshot (or the snapshot
    given) as a pandas frame: the comparisons of ``xxgk sql`` without writing SQL."""
    if name not in VIEWS:
        raise ValueError(f"no view {name}" + did_you_mean(name, VIEWS))
    con = connect(warehouse)
    try:
        return con.execute(f"SELECT * FROM {name}").df()
    finally:
        con.close()


def _connected(snapshot: Snapshot | None, database: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(database)
    try:
        if snapshot is None:
            _define(con, None)
        else:
            bind(con, snapshot)
    except BaseException:
        con.close()
        raise
    return con


VIEWS = ("facts", "reports", "checks", "agencies", "agency_year_summary",
         "district_year_summary", "applications_wide", "outcomes_wide",
         "reviews_litigation_wide", "active_disclosure_wide", "data_quality", "failed_checks",
         "key_comparability", "warehouse_snapshot")

__all__ = ["DISTRICT", "SMALL_BASE", "UNCLASSIFIED", "VIEWS", "SnapshotGone", "View",
           "ViewColumn", "bind", "bound_snapshot", "connect", "connect_empty",
           "current_snapshot", "district_totals", "read_view", "reading", "views",
           "wide_columns"]
