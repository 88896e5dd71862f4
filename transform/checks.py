"""The per-report consistency rules (the ``checks`` dataset, docs/data-dictionary.md).

Real reports contain arithmetic errors, and analysts need to see them: a failed
check is reported with the expected (computed) and actual (printed) values and never
changes or drops a cell. A rule is evaluated wherever the printed total exists and at
least one of its cells (a part or the total) is a number. Blank and dash cells count
as 0 in every sum, so a blank total passes over parts that add up to 0 and fails over
any other sum (r009's blank carried-forward total); ``actual`` is then null, because
nothing was printed.

Rules (``expected`` is the sum of the parts, ``actual`` the printed total):
- ``applications.balance``: 一 + 二 = (七)总计 + 四, for every column
  (expected = 一 + 二, actual = 总计 + 四);
- ``applications.row_sum``: the 总计 column = the six applicant columns, every row;
- ``applications.outcome_sum``: (七)总计 = the outcome rows, every column;
- ``reviews_litigation.block_sum``: 总计 = 维持 + 纠正 + 其他 + 尚未审结, every block.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from transform.keys import (
    APP,
    BLOCK_PARTS,
    CARRIED_FORWARD,
    CARRIED_OVER,
    NEW_RECEIVED,
    OTHER,
    RL,
    TOTAL,
    key_catalog,
)

# Every rule's name, here only: the per-report rules below, the warehouse's cross-year
# rule (load.cross_year) and the comparison of one report's files (load.batch.siblings).
BALANCE_RULE = "applications.balance"
ROW_SUM_RULE = "applications.row_sum"
OUTCOME_SUM_RULE = "applications.outcome_sum"
BLOCK_SUM_RULE = "reviews_litigation.block_sum"
CARRY_RULE = "cross_year.carry"
CROSS_FILE_RULE = "cross_file"
RULES = (BALANCE_RULE, ROW_SUM_RULE, OUTCOME_SUM_RULE, BLOCK_SUM_RULE, CARRY_RULE,
         CROSS_FILE_RULE)

TOLERANCE = 1e-6
# Rows that add up to (七)总计. ``other`` stands for the three 2021 sub-rows, whose
# sum the pipeline derives, so they are not counted twice.
OUTCOME_PREFIXES = ("granted", "partially_granted", "withheld.", "unavailable.",
                    "not_processed.")

Values = Mapping[tuple[str, str, str], float | None]


# Not frozen: a frozen dataclass sets each field through object.__setattr__, and a
# report makes about 45 of these.
@dataclass(slots=True)
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
           parts: list[float | None], total: float | None) -> CheckResult:
    expected = 0.0
    for part in parts:
        if part is not None:
            expected += part
    # A blank total stands for nothing, like a blank part: it agrees with parts that
    # add up to 0 and disagrees with any other sum.
    printed = 0.0 if total is None else total
    # (The tolerance is relative above 1 in size: abs(expected) or 1, whichever is larger.)
    size = expected if expected >= 1.0 else -expected if expected <= -1.0 else 1.0
    passed = -TOLERANCE * size <= printed - expected <= TOLERANCE * size
    return CheckResult(rule, table, row, col, expected, total, passed)


Key = tuple[str, str, str]
# (rule, table, row_key, col_key, parts, printed totals); a rule with several printed
# totals (balance: 总计 + 四) compares the parts with their sum.
Rule = tuple[str, str, str | None, str | None, tuple[Key, ...], tuple[Key, ...]]


@cache
def _static_rules() -> tuple[Rule, ...]:
    """Every rule instance whose cells do not depend on the report."""
    keys = key_catalog()
    cols = keys.col_order[APP]
    rules: list[Rule] = [
        (BALANCE_RULE, APP, None, col,
         ((APP, NEW_RECEIVED, col), (APP, CARRIED_OVER, col)),
         ((APP, TOTAL, col), (APP, CARRIED_FORWARD, col)))
        for col in cols
    ]
    rules += [
        (ROW_SUM_RULE, APP, row, TOTAL,
         tuple((APP, row, c) for c in cols if c != TOTAL), ((APP, row, TOTAL),))
        for row in keys.row_order[APP]
    ]
    return tuple(rules)


@cache
def _outcome_rules(rows: frozenset[str]) -> tuple[Rule, ...]:
    # Which outcome rows exist depends on the report (one 其他处理 row or three).
    outcome = [r for r in key_catalog().row_order[APP] if r in rows]
    return tuple(
        (OUTCOME_SUM_RULE, APP, TOTAL, col,
         tuple((APP, r, col) for r in outcome), ((APP, TOTAL, col),))
        for col in key_catalog().col_order[APP]
    )


@cache
def _block_rules() -> tuple[Rule, ...]:
    return tuple(
        (BLOCK_SUM_RULE, RL, block, TOTAL,
         tuple((RL, block, c) for c in BLOCK_PARTS),
         ((RL, block, TOTAL),))
        for block in key_catalog().row_order[RL]
    )


def _all_blank(values: list[float | None]) -> bool:
    return values.count(None) == len(values)


def _evaluate(rules: tuple[Rule, ...], values: dict[Key, float | None]) -> list[CheckResult]:
    """Evaluate each rule whose totals are printed and whose cells hold a number."""
    # (Plain loops: this runs ≈ 50 rules a report.)
    out: list[CheckResult] = []
    for rule, table, row, col, parts, totals in rules:
        part_values = [values.get(p) for p in parts]
        if len(totals) == 1:
            total = values.get(totals[0])
            if total is None:
                if totals[0] not in values or _all_blank(part_values):
                    continue  # no total printed, or nothing but blanks and dashes
                out.append(_check(rule, table, row, col, part_values, None))
            else:
                # 0 + total, as sum() adds it: a printed -0 compares as 0.0.
                out.append(_check(rule, table, row, col, part_values, float(0 + total)))
            continue
        printed_sum, printed_any = 0.0, False
        for key in totals:
            if key not in values:
                break
            value = values[key]
            if value is not None:
                printed_sum += value
                printed_any = True
        else:
            if (printed_any or not _all_blank(part_values)) and all(
                    p in values for p in parts):
                out.append(_check(rule, table, row, col, part_values,
                                  printed_sum if printed_any else None))
    return out


def _as_dict(values: Values) -> dict[Key, float | None]:
    return values if isinstance(values, dict) else dict(values)


def applications_checks(values: Values) -> list[CheckResult]:
    """balance, row_sum and outcome_sum over 表三."""
    cells = _as_dict(values)
    # The outcome rows the report prints (one 其他处理 row or three).
    rows: set[str] = set()
    for table, row, _col in cells:
        if table == APP and row not in rows and (
                row == OTHER or row.startswith(OUTCOME_PREFIXES)):
            rows.add(row)
    return _evaluate(_static_rules(), cells) + _evaluate(_outcome_rules(frozenset(rows)), cells)


def reviews_litigation_checks(values: Values) -> list[CheckResult]:
    """block_sum over 表四."""
    return _evaluate(_block_rules(), _as_dict(values))


def report_checks(values: Values) -> list[CheckResult]:
    """Every per-report rule, in a stable order."""
    return applications_checks(values) + reviews_litigation_checks(values)
