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
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from load.analysis import comparability, current_snapshot
from load.errors import SnapshotGone
from load.schema import PARTITION_COLUMN, file_schema
from load.warehouse import Snapshot
from transform.checks import OUTCOME_PREFIXES
from transform.keys import (
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

DATASETS = ("facts", "reports", "checks")

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


def _dataset_view(name: str, snapshot: Snapshot) -> str:
    """The view of one dataset of ``snapshot``: its partition files, each with its
    year; a column none of its files holds (written before the column existed) is a
    typed null, and a dataset without rows an empty relation of the same columns."""
    files = snapshot.partitions(name)
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


def _applications_wide() -> str:
    columns = ",\n".join(f"       sum(value) FILTER (col_key = '{col}') AS {col}"
                          for col in key_catalog().col_order[APP])
    return f"""
CREATE OR REPLACE VIEW applications_wide AS
SELECT agency_id, agency, year, template, row_key,
{columns}
FROM facts WHERE "table" = '{APP}'
GROUP BY ALL
HAVING count(value) > 0  -- rows printed only with blanks or dashes hold no figure
"""


def _summary_view() -> str:
    outcome_sums = ",\n".join(
        f"  sum(value) FILTER ({cond}) AS {name}" for name, cond in _OUTCOMES.items())
    shares = ",\n".join(
        f"  {name} / nullif(outcomes, 0) AS {name}_share" for name in _OUTCOMES)
    outcome_total = " + ".join(f"coalesce({name}, 0)" for name in _OUTCOMES)
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
  SELECT agency_id, any_value(agency) AS agency, year, any_value(template) AS template,
         count(*) AS reports, string_agg(DISTINCT status, ',') AS status,
         sum(n_checks_failed) AS checks_failed
  FROM reports WHERE agency_id IS NOT NULL AND superseded_by IS NULL
    AND status IS DISTINCT FROM 'removed'
  GROUP BY agency_id, year
), outcomes AS (
  SELECT *, {outcome_total} AS outcomes FROM app
)
SELECT rep.agency_id, rep.agency, rep.year, rep.template, rep.reports, rep.status,
       rep.checks_failed, outcomes.* EXCLUDE (agency_id, year),
{shares},
       rl.reviews, rl.reviews_corrected, rl.lawsuits, rl.lawsuits_corrected
FROM rep
LEFT JOIN outcomes USING (agency_id, year)
LEFT JOIN rl USING (agency_id, year)
"""


def _snapshot_view(snapshot: Snapshot) -> str:
    return ("CREATE OR REPLACE VIEW warehouse_snapshot AS SELECT "
            f"'{_quote(snapshot.id)}' AS snapshot, "
            f"'{_quote(str(snapshot.path.absolute()))}' AS path")


def bind(con: duckdb.DuckDBPyConnection, snapshot: Snapshot) -> None:
    """Define (or redefine) every view on ``con`` to read ``snapshot``."""
    with reading(snapshot):
        for name in DATASETS:
            con.execute(_dataset_view(name, snapshot))
        con.execute(_snapshot_view(snapshot))
        con.execute(_applications_wide())
        con.execute(_summary_view())


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
    con = duckdb.connect(database)
    try:
        bind(con, snapshot)
        keys = comparability()  # noqa: F841 (read by the query below, by name)
        con.execute("CREATE OR REPLACE TABLE key_comparability AS SELECT * FROM keys")
    except BaseException:
        con.close()
        raise
    return con


VIEWS = ("facts", "reports", "checks", "applications_wide", "agency_year_summary",
         "key_comparability", "warehouse_snapshot")

__all__ = ["VIEWS", "SnapshotGone", "bind", "bound_snapshot", "connect", "current_snapshot",
           "reading"]
