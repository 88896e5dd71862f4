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
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

from load.analysis import comparability
from load.schema import arrow_schema
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


def _dataset_view(name: str, warehouse: Path, missing: Sequence[str] = ()) -> str:
    """The view of a dataset's files; ``missing``: columns of the schema none of its
    files holds yet (written before the column existed), given as typed nulls."""
    pattern = (warehouse / name).as_posix() + "/**/*.parquet"
    types = {f.name: f.type for f in arrow_schema(name)}
    extra = "".join(f", CAST(NULL AS {_SQL_TYPES.get(str(types[c]), 'VARCHAR')}) AS {c}"
                    for c in missing)
    return (f"CREATE OR REPLACE VIEW {name} AS SELECT * REPLACE "
            f"(CAST(NULLIF(year, 0) AS SMALLINT) AS year){extra} FROM read_parquet("
            f"'{_quote(pattern)}', hive_partitioning = true, union_by_name = true)")


_SQL_TYPES = {"string": "VARCHAR", "int16": "SMALLINT", "int32": "INTEGER",
              "int64": "BIGINT", "double": "DOUBLE", "bool": "BOOLEAN"}


def _define_dataset(con: duckdb.DuckDBPyConnection, name: str, warehouse: Path) -> None:
    con.execute(_dataset_view(name, warehouse))
    present = {row[0] for row in con.execute(f"DESCRIBE {name}").fetchall()}
    missing = [f.name for f in arrow_schema(name) if f.name not in present]
    if missing:
        con.execute(_dataset_view(name, warehouse, missing))


def _quote(text: str) -> str:
    return text.replace("'", "''")


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


def connect(warehouse: str | Path, database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the warehouse's views defined."""
    root = Path(warehouse).resolve()
    missing = [name for name in DATASETS if not (root / name).exists()]
    if missing:
        raise FileNotFoundError(f"{warehouse} is not a warehouse (no {', '.join(missing)}); "
                                "run `xxgk run` first")
    con = duckdb.connect(database)
    for name in DATASETS:
        _define_dataset(con, name, root)
    con.execute(_applications_wide())
    con.execute(_summary_view())
    keys = comparability()  # noqa: F841 (read by the query below, by name)
    con.execute("CREATE OR REPLACE TABLE key_comparability AS SELECT * FROM keys")
    return con


VIEWS = ("facts", "reports", "checks", "applications_wide", "agency_year_summary",
         "key_comparability")

__all__ = ["VIEWS", "connect"]
