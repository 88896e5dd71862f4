"""The four within-report consistency rules (``transform/checks.py`` checks them).

The generator uses them to state truthfully which rules a ``break_rules=True``
report breaks, and tests use them to show that ordinary reports obey all of them.
Blank and dash cells (value ``None``) count as 0: the generator only prints a dash
or a blank in 表三 and 表四 where the number is 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .keys import (
    APP_COL_KEYS,
    APPLICANT_COLS,
    APPLICATION_ROWS,
    APPLICATIONS,
    OTHER_SUBROWS,
    REVIEW_BLOCKS,
    REVIEWS,
)

Values = Mapping[tuple[str, str, str], float | None]

RULES: tuple[str, ...] = (
    "applications.balance",
    "applications.row_sum",
    "applications.outcome_sum",
    "reviews_litigation.block_sum",
)
_NON_OUTCOME = {"new_received", "carried_over", "total", "carried_forward", "other", *OTHER_SUBROWS}
OUTCOME_ROWS: tuple[str, ...] = tuple(r for r, _, _ in APPLICATION_ROWS if r not in _NON_OUTCOME)
_EPS = 1e-6


def values_from_facts(facts: Iterable[Mapping[str, object]]) -> dict[tuple[str, str, str], float]:
    """Map printed facts to ``{(table, row_key, col_key): value}`` with None as 0."""
    out: dict[tuple[str, str, str], float] = {}
    for fact in facts:
        value = fact["value"]
        key = (str(fact["table"]), str(fact["row_key"]), str(fact["col_key"]))
        out[key] = float(value) if isinstance(value, int | float) else 0.0
    return out


def _get(values: Values, row: str, col: str, table: str = APPLICATIONS) -> float:
    value = values.get((table, row, col))
    return float(value) if value is not None else 0.0


def _other(values: Values, col: str) -> float:
    if (APPLICATIONS, "other", col) in values:
        return _get(values, "other", col)
    return sum(_get(values, sub, col) for sub in OTHER_SUBROWS)


def _balance_ok(values: Values) -> bool:
    return all(
        abs(
            _get(values, "new_received", c)
            + _get(values, "carried_over", c)
            - _get(values, "total", c)
            - _get(values, "carried_forward", c)
        )
        < _EPS
        for c in APP_COL_KEYS
    )


def _row_sum_ok(values: Values) -> bool:
    rows = {row for table, row, _ in values if table == APPLICATIONS}
    return all(
        abs(sum(_get(values, row, c) for c in APPLICANT_COLS) - _get(values, row, "total")) < _EPS
        for row in rows
    )


def _outcome_ok(values: Values) -> bool:
    for col in APP_COL_KEYS:
        outcome = sum(_get(values, row, col) for row in OUTCOME_ROWS) + _other(values, col)
        if abs(outcome - _get(values, "total", col)) >= _EPS:
            return False
    return True


def _blocks_ok(values: Values) -> bool:
    for block in REVIEW_BLOCKS:
        parts = sum(
            _get(values, block, c, REVIEWS) for c in ("upheld", "corrected", "other", "pending")
        )
        if abs(parts - _get(values, block, "total", REVIEWS)) >= _EPS:
            return False
    return True


def violations(values: Values) -> list[str]:
    """Names of the rules that ``values`` break, in the rules' order."""
    checks = (_balance_ok, _row_sum_ok, _outcome_ok, _blocks_ok)
    return [name for name, ok in zip(RULES, checks, strict=True) if not ok(values)]
