"""The one consistency rule that spans two reports: ``cross_year.carry``.

二、上年结转 (``carried_over``) of an agency's year-N report should equal 四、结转下年度继续办理
(``carried_forward``) of its year N−1 report, column by column. No single report can
check this, so the warehouse recomputes these rows at every publish for every agency
whose reports changed (``load.warehouse``), from the merged facts, with
:func:`carry_checks`. It is a pure function of the facts so that it is easy to test.
"""

from __future__ import annotations

import pandas as pd

from load.schema import conform, empty_frame
from transform.checks import CARRY_RULE, TOLERANCE
from transform.keys import APP, CARRIED_FORWARD, CARRIED_OVER, key_catalog

_KEYS = ["agency_id", "year", "col_key"]


def _carry_rows(facts: pd.DataFrame, row_key: str) -> pd.DataFrame:
    """The facts of one carry row of 表三, with a known agency."""
    mask = (
        (facts["table"] == APP) & (facts["row_key"] == row_key) & facts["agency_id"].notna()
    )
    cols = ["agency_id", "agency", "agency_kind", "year", "col_key", "value", "source",
            "source_sha256"]
    rows = facts.loc[mask.fillna(False).astype(bool), cols].copy()
    rows["year"] = rows["year"].astype("int64")
    return rows


def _col_position(col_keys: pd.Series) -> pd.Series:
    """表三's columns in the key list's order: the output's order never depends on the
    input's."""
    order = {c: i for i, c in enumerate(key_catalog().col_order[APP])}
    return col_keys.map(lambda c: order.get(c, len(order))).astype("int64")


def _agree(actual: pd.Series, expected: pd.Series) -> pd.Series:
    printed = actual.fillna(0.0)
    return (printed - expected).abs() <= TOLERANCE * expected.abs().clip(lower=1.0)


def carry_checks(facts: pd.DataFrame) -> pd.DataFrame:
    """The ``cross_year.carry`` checks of ``facts`` (a frame with the facts columns).

    For each agency and each year N whose report has a ``carried_over`` cell and whose
    year N−1 report has a ``carried_forward`` cell in the same column, one row:
    ``expected`` = 结转下年度 of N−1, ``actual`` = 上年结转 of N, ``passed`` when they agree.
    The row belongs to the year-N report (its year, agency_id, source, source_sha256),
    with table ``applications``, row_key ``carried_over`` and the column's col_key.

    Blank and dash cells (null values) count as 0, as in ``transform.checks``:
    ``expected`` is then 0 and ``actual`` stays null (nothing was printed), and the check
    passes when the other side is 0 as well. A cell absent from the facts (a column the
    report does not print) gives no check. Facts without an agency_id are ignored.
    When an agency has several reports (sources) for one year, every year-N source is
    paired with every year N−1 source, one row per pair and column.
    """
    current = _carry_rows(facts, CARRIED_OVER)
    previous = _carry_rows(facts, CARRIED_FORWARD)
    if current.empty or previous.empty:
        return empty_frame("checks")
    previous["year"] += 1  # year N−1's carried_forward is compared with year N
    pairs = current.merge(
        previous[[*_KEYS, "value", "source"]], on=_KEYS, suffixes=("", "_previous")
    )
    if pairs.empty:
        return empty_frame("checks")
    pairs["position"] = _col_position(pairs["col_key"])
    pairs = pairs.sort_values(
        ["agency_id", "year", "source", "source_previous", "position"], kind="stable"
    )
    expected = pairs["value_previous"].astype("float64").fillna(0.0)
    actual = pairs["value"].astype("float64")
    out = pd.DataFrame({
        "year": pairs["year"],
        "agency_id": pairs["agency_id"],
        "agency": pairs["agency"],
        "agency_kind": pairs["agency_kind"],
        "source_sha256": pairs["source_sha256"],
        "rule": CARRY_RULE,
        "table": APP,
        "row_key": CARRIED_OVER,
        "col_key": pairs["col_key"],
        "expected": expected,
        "actual": actual,
        "passed": _agree(actual, expected),
        "source": pairs["source"],
        "other_source": pd.Series(pd.NA, index=pairs.index, dtype="string"),
    })
    return conform(out, "checks")
