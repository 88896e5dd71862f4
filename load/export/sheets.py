"""The sheets of an export, in their order, and what kind of value each column holds.

One sheet per view of :mod:`load.views`, named in Chinese with the view's name beside
(the CSV files take the view's name alone). A column's :class:`Role` decides how it is
shown (a share as a percentage, a count with thousands separators, an amount in yuan
with its decimals) and what its district total is (counts are summed, shares
recomputed from the sums, names and flags left blank).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cache

from load.views import ViewColumn, wide_columns
from transform.keys import AD, APP, RL, key_catalog

TOTAL_LABEL = "全区合计"  # in the agency column of a district total row
ABOUT_SHEET = "说明 about"
EXCEL_SHEET_NAME = 31  # characters, and none of []:*?/\
EXCEL_ROWS = 1_048_576


class YearFilter(Enum):
    """How ``--year`` narrows a sheet."""

    YEAR = "year"  # rows of the years asked for
    OR_UNKNOWN = "or unknown"  # and rows of no known year (they may be of those years)
    NONE = "none"  # every row (the roster of agencies)


@dataclass(frozen=True)
class Sheet:
    """A sheet: the view it shows, its Chinese title and its rows' order."""

    view: str
    title: str
    order: str  # SQL ORDER BY over the view's columns and ``is_total``
    totals: bool = False  # a district total row after each year's agencies
    drop_empty: bool = False  # key columns empty over the whole selection left out
    total_flag: str = "false"  # SQL: the view's own total rows (shown like ours)
    years: YearFilter = YearFilter.YEAR

    @property
    def name(self) -> str:
        """The sheet's name in the workbook."""
        return f"{self.title} {self.view}"


_BY_AGENCY = "year, is_total, agency_kind NULLS LAST, agency, agency_id"

SHEETS = (
    Sheet("agency_year_summary", "机关年度汇总", _BY_AGENCY, totals=True),
    Sheet("district_year_summary", "全区及类别合计", "year, district DESC, grouping",
          total_flag="district"),
    Sheet("outcomes_wide", "办理结果明细", _BY_AGENCY, totals=True),
    Sheet("reviews_litigation_wide", "行政复议诉讼", _BY_AGENCY, totals=True),
    Sheet("active_disclosure_wide", "主动公开", _BY_AGENCY, totals=True, drop_empty=True),
    Sheet("data_quality", "数据质量", "year NULLS FIRST, agency, source",
          years=YearFilter.OR_UNKNOWN),
    Sheet("failed_checks", "未通过校验",
          'year, agency, source, rule, "table", row_key NULLS FIRST, col_key NULLS FIRST'),
    Sheet("agencies", "机关", "agency_kind NULLS LAST, agency, agency_id",
          years=YearFilter.NONE),
)


class Role(Enum):
    """What a column holds, for its number format and its district total."""

    TEXT = "text"  # names, keys, sources: blank on a total row
    YEAR = "year"  # a year or a line number: no thousands separator
    COUNT = "count"  # requests, cases, documents: summed
    AMOUNT = "amount"  # yuan: summed, shown with its decimals
    SHARE = "share"  # a fraction (0.25), shown as a percentage: recomputed
    NUMBER = "number"  # a count or an amount, as the row says (failed checks)
    FLAG = "flag"  # true/false
    TIME = "time"  # a UTC timestamp


_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE",
            "DECIMAL", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")
_YEARS = {"year", "first_year", "last_year", "line"}
# Failed checks compare counts or amounts, as their table says: shown as printed.
_EITHER = {"expected", "actual", "difference"}


@cache
def amount_columns() -> frozenset[str]:
    """The wide views' columns holding yuan (``keys.csv``'s unit), not counts."""
    cells = key_catalog().cells
    return frozenset(column for table in (APP, RL, AD)
                     for column, row, col in wide_columns(table)
                     if cells[(table, row, col)].unit == "yuan")


def role(column: ViewColumn) -> Role:
    """The role of a view's column, from its name and SQL type."""
    name, sql_type = column.name, column.type.upper()
    if sql_type == "BOOLEAN":
        return Role.FLAG
    if sql_type.startswith("TIMESTAMP"):
        return Role.TIME
    if not sql_type.startswith(_NUMERIC):
        return Role.TEXT
    if name in _YEARS:
        return Role.YEAR
    if name.endswith(("_share", "_pct")):
        return Role.SHARE
    if name in amount_columns():
        return Role.AMOUNT
    if name in _EITHER:
        return Role.NUMBER
    return Role.COUNT


def frozen_columns(columns: tuple[ViewColumn, ...]) -> int:
    """How many columns stay on the left when scrolling: up to the agency's name (or the
    grouping of a district total)."""
    names = [c.name for c in columns]
    for anchor in ("agency", "grouping"):
        if anchor in names:
            return names.index(anchor) + 1
    return 0


__all__ = ["ABOUT_SHEET", "EXCEL_ROWS", "EXCEL_SHEET_NAME", "SHEETS", "TOTAL_LABEL", "Role",
           "Sheet", "YearFilter", "amount_columns", "frozen_columns", "role"]
