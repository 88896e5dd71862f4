"""The per-report consistency rules of the output contract.

Real reports contain arithmetic errors, and analysts need to see them: a failed
check is reported with the expected (computed) and actual (printed) values and never
changes or drops a cell. A rule is evaluated wherever the printed total exists and at
least one of its parts is a number; blank or dash parts count as 0 in the sum.

Rules (``expected`` is the sum of the parts, ``actual`` the printed total):
- ``applications.balance``: 一 + 二 = (七)总计 + 四, for every column
  (expected = 一 + 二, actual = 总计 + 四);
- ``applications.row_sum``: the 总计 column = the six applicant columns, every row;
- ``applications.outcome_sum``: (七)总计 = the outcome rows, every column;
- ``reviews_litigation.block_sum``: 总计 = 维持 + 纠正 + 其他 + 尚未审结, every block.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from transform.keys import key_catalog

APP, RL = "applications", "reviews_litigation"
TOLERANCE = 1e-6
# Rows that add up to (七)总计. ``other`` stands for the three 2021 sub-rows, whose
# sum the pipeline derives, so they are not counted twice.
OUTCOME_PREFIXES = ("granted", "partially_granted", "withheld.", "unavailable.",
                    "not_processed.")

Values = Mapping[tuple[str, str, str], float | None]


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One evaluated rule on one column, row or block."""

    rule: str
    table: str
    row_key: str | None
    col_key: str | None
    expected: float
    actual: float | None
    passed: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule, "table": self.table, "row_key": self.row_key,
            "col_key": self.col_key, "expected": self.expected, "actual": self.actual,
            "passed": self.passed,
        }


def _check(rule: str, table: str, row: str | None, col: str | None,
           parts: Iterable[float | None], total: float | None) -> CheckResult:
    expected = float(sum(p for p in parts if p is not None))
    passed = total is not None and abs(total - expected) <= TOLERANCE * max(1.0, abs(expected))
    return CheckResult(rule, table, row, col, expected, total, passed)


def _evaluable(values: Values, parts: list[tuple[str, str, str]], total: tuple[str, str, str]
               ) -> bool:
    return total in values and any(values.get(p) is not None for p in parts)


def _outcome_rows(present_rows: set[str]) -> list[str]:
    return [r for r in present_rows if r == "other" or r.startswith(OUTCOME_PREFIXES)]


def applications_checks(values: Values) -> list[CheckResult]:
    """balance, row_sum and outcome_sum over 表三."""
    keys = key_catalog()
    cols = keys.col_order[APP]
    rows_present = {r for (t, r, _c) in values if t == APP}
    out: list[CheckResult] = []
    for col in cols:
        inflow = [(APP, "new_received", col), (APP, "carried_over", col)]
        outflow = [(APP, "total", col), (APP, "carried_forward", col)]
        if all(k in values for k in inflow + outflow):
            out.append(_check("applications.balance", APP, None, col,
                              [values[k] for k in inflow],
                              _sum_or_none(values[k] for k in outflow)))
    for row in keys.row_order[APP]:
        parts = [(APP, row, c) for c in cols if c != "total"]
        if _evaluable(values, parts, (APP, row, "total")):
            out.append(_check("applications.row_sum", APP, row, "total",
                              [values.get(p) for p in parts], values[(APP, row, "total")]))
    outcome_rows = _outcome_rows(rows_present)
    for col in cols:
        parts = [(APP, r, col) for r in outcome_rows]
        if _evaluable(values, parts, (APP, "total", col)):
            out.append(_check("applications.outcome_sum", APP, "total", col,
                              [values.get(p) for p in parts], values[(APP, "total", col)]))
    return out


def _sum_or_none(items: Iterable[float | None]) -> float | None:
    items = list(items)
    return None if any(v is None for v in items) else float(sum(items))  # type: ignore[arg-type]


def reviews_litigation_checks(values: Values) -> list[CheckResult]:
    """block_sum over 表四."""
    out = []
    for block in key_catalog().row_order[RL]:
        parts = [(RL, block, c) for c in ("upheld", "corrected", "other", "pending")]
        if _evaluable(values, parts, (RL, block, "total")):
            out.append(_check("reviews_litigation.block_sum", RL, block, "total",
                              [values.get(p) for p in parts], values[(RL, block, "total")]))
    return out


def report_checks(values: Values) -> list[CheckResult]:
    """Every per-report rule, in a stable order."""
    return applications_checks(values) + reviews_litigation_checks(values)
