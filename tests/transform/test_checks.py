"""Tests of ``transform.checks``: the per-report consistency rules.

Covers ``applications.balance``, ``applications.row_sum``, ``applications.outcome_sum``
and ``reviews_litigation.block_sum``: a consistent table passes every rule, and a
one-cell perturbation fails exactly the checks that contain that cell, with the
expected (sum of the parts) and actual (printed total) values worked out by hand.
Also: blank totals, blank parts, absent rows, and the 2021 其他处理 sub-rows beside
the derived ``other`` row. Value tables are written out by hand.
"""

from __future__ import annotations

import pytest

from transform.checks import CheckResult, report_checks

APP, RL = "applications", "reviews_litigation"
COLS = ("natural_person", "commercial", "research", "social_welfare", "legal_services",
        "other_org", "total")

# A consistent 2019 表三, written out by hand. Columns as in COLS; the last is 总计.
#   balance:  一 + 二 = (七) + 四   e.g. natural_person 10 + 2 = 9 + 3
#   row_sum:  every row's 总计 = its six applicant columns
#   outcome:  (七) = 予以公开 + 部分公开 + … + 其他处理  e.g. total 6+2+0+1+3+0+1 = 13
APPLICATIONS_2019 = {
    "new_received":                 (10, 2, 1, 0, 1, 0, 14),
    "carried_over":                 (2, 0, 0, 0, 0, 1, 3),
    "granted":                      (5, 1, 0, 0, 0, 0, 6),
    "partially_granted":            (1, 0, 0, 0, 1, 0, 2),
    "withheld.state_secret":        (0, 0, 0, 0, 0, 0, 0),
    "withheld.prohibited_by_law":   (0, 0, 0, 0, 0, 0, 0),
    "withheld.security_stability":  (0, 0, 0, 0, 0, 0, 0),
    "withheld.third_party_rights":  (0, 0, 0, 0, 0, 0, 0),
    "withheld.internal_affairs":    (0, 0, 0, 0, 0, 0, 0),
    "withheld.process_information": (1, 0, 0, 0, 0, 0, 1),
    "withheld.enforcement_files":   (0, 0, 0, 0, 0, 0, 0),
    "withheld.inquiry_matters":     (0, 0, 0, 0, 0, 0, 0),
    "unavailable.not_held":         (2, 0, 1, 0, 0, 0, 3),
    "unavailable.needs_creation":   (0, 0, 0, 0, 0, 0, 0),
    "unavailable.unclear":          (0, 0, 0, 0, 0, 0, 0),
    "not_processed.petition":       (0, 0, 0, 0, 0, 0, 0),
    "not_processed.duplicate":      (0, 0, 0, 0, 0, 0, 0),
    "not_processed.publication":    (0, 0, 0, 0, 0, 0, 0),
    "not_processed.mass_repeated":  (0, 0, 0, 0, 0, 0, 0),
    "not_processed.confirm_reissue": (0, 0, 0, 0, 0, 0, 0),
    "other":                        (0, 1, 0, 0, 0, 0, 1),
    "total":                        (9, 2, 1, 0, 1, 0, 13),
    "carried_forward":              (3, 0, 0, 0, 0, 1, 4),
}

# The 2021 form of the same table: （六）其他处理 printed as three sub-rows, and
# ``other`` derived by the pipeline as their sum.
SUBROWS_2021 = {
    "other.no_correction": (0, 1, 0, 0, 0, 0, 1),
    "other.fee_unpaid":    (0, 0, 0, 0, 0, 0, 0),
    "other.other":         (0, 0, 0, 0, 0, 0, 0),
}

# 表四: blocks x (upheld, corrected, other, pending, total).
RL_COLS = ("upheld", "corrected", "other", "pending", "total")
REVIEWS_LITIGATION = {
    "review":                  (2, 1, 0, 1, 4),
    "litigation_direct":       (1, 0, 1, 0, 2),
    "litigation_after_review": (0, 0, 0, 0, 0),
}

Key = tuple[str, str, str]


def table_values(table: str, cols: tuple[str, ...], rows: dict) -> dict[Key, float | None]:
    return {(table, row, col): (None if v is None else float(v))
            for row, vals in rows.items() for col, v in zip(cols, vals, strict=True)}


def consistent(with_subrows: bool = False) -> dict[Key, float | None]:
    values = table_values(APP, COLS, APPLICATIONS_2019)
    if with_subrows:
        values |= table_values(APP, COLS, SUBROWS_2021)
    return values | table_values(RL, RL_COLS, REVIEWS_LITIGATION)


def failed(checks: list[CheckResult]) -> set[tuple[str, str | None, str | None]]:
    return {(c.rule, c.row_key, c.col_key) for c in checks if not c.passed}


def only(checks: list[CheckResult], rule: str, row: str | None, col: str | None
         ) -> CheckResult:
    (check,) = [c for c in checks if (c.rule, c.row_key, c.col_key) == (rule, row, col)]
    return check


# -- the consistent tables ------------------------------------------------------------


@pytest.mark.parametrize("with_subrows", [False, True], ids=["2019", "2021"])
def test_consistent_tables_pass(with_subrows: bool) -> None:
    checks = report_checks(consistent(with_subrows))
    assert checks, "no check was evaluated"
    assert failed(checks) == set()


def test_every_rule_is_evaluated_where_it_applies() -> None:
    checks = report_checks(consistent())
    by_rule: dict[str, int] = {}
    for c in checks:
        by_rule[c.rule] = by_rule.get(c.rule, 0) + 1
    assert by_rule == {
        "applications.balance": 7,       # one per column
        "applications.row_sum": 23,      # one per printed row of the 2019 table
        "applications.outcome_sum": 7,   # one per column
        "reviews_litigation.block_sum": 3,
    }


def test_rules_come_in_a_stable_order() -> None:
    rules = [c.rule for c in report_checks(consistent())]
    assert rules == sorted(rules, key=["applications.balance", "applications.row_sum",
                                       "applications.outcome_sum",
                                       "reviews_litigation.block_sum"].index)


def test_passing_checks_report_the_hand_sums() -> None:
    checks = report_checks(consistent())
    balance = only(checks, "applications.balance", None, "natural_person")
    assert (balance.expected, balance.actual) == (12.0, 12.0)
    row_sum = only(checks, "applications.row_sum", "new_received", "total")
    assert (row_sum.expected, row_sum.actual) == (14.0, 14.0)
    outcome = only(checks, "applications.outcome_sum", "total", "total")
    assert (outcome.expected, outcome.actual) == (13.0, 13.0)
    block = only(checks, "reviews_litigation.block_sum", "review", "total")
    assert (block.expected, block.actual) == (4.0, 4.0)


def test_as_dict() -> None:
    check = only(report_checks(consistent()), "applications.balance", None, "total")
    assert check.as_dict() == {
        "rule": "applications.balance", "table": APP, "row_key": None, "col_key": "total",
        "expected": 17.0, "actual": 17.0, "passed": True,
    }


# -- one-cell perturbations -----------------------------------------------------------


def test_balance_fails_on_the_perturbed_column() -> None:
    values = consistent()
    values[(APP, "carried_forward", "research")] = 2.0  # was 0
    checks = report_checks(values)
    assert failed(checks) == {
        ("applications.balance", None, "research"),
        ("applications.row_sum", "carried_forward", "total"),
    }
    balance = only(checks, "applications.balance", None, "research")
    assert (balance.table, balance.expected, balance.actual) == (APP, 1.0, 3.0)  # 1+0 vs 1+2
    row_sum = only(checks, "applications.row_sum", "carried_forward", "total")
    assert (row_sum.expected, row_sum.actual) == (6.0, 4.0)


def test_balance_fails_on_new_received() -> None:
    values = consistent()
    values[(APP, "new_received", "total")] = 15.0  # was 14
    checks = report_checks(values)
    assert failed(checks) == {
        ("applications.balance", None, "total"),
        ("applications.row_sum", "new_received", "total"),
    }
    balance = only(checks, "applications.balance", None, "total")
    assert (balance.expected, balance.actual) == (18.0, 17.0)  # 15+3 vs 13+4


def test_row_sum_fails_on_the_perturbed_row() -> None:
    values = consistent()
    values[(APP, "granted", "natural_person")] = 4.0  # was 5
    checks = report_checks(values)
    assert failed(checks) == {
        ("applications.row_sum", "granted", "total"),
        ("applications.outcome_sum", "total", "natural_person"),
    }
    row_sum = only(checks, "applications.row_sum", "granted", "total")
    assert (row_sum.expected, row_sum.actual) == (5.0, 6.0)
    outcome = only(checks, "applications.outcome_sum", "total", "natural_person")
    assert (outcome.expected, outcome.actual) == (8.0, 9.0)


def test_outcome_sum_fails_on_the_perturbed_column() -> None:
    values = consistent()
    values[(APP, "total", "social_welfare")] = 1.0  # was 0
    checks = report_checks(values)
    assert failed(checks) == {
        ("applications.outcome_sum", "total", "social_welfare"),
        ("applications.row_sum", "total", "total"),
        ("applications.balance", None, "social_welfare"),
    }
    outcome = only(checks, "applications.outcome_sum", "total", "social_welfare")
    assert (outcome.expected, outcome.actual) == (0.0, 1.0)
    row_sum = only(checks, "applications.row_sum", "total", "total")
    assert (row_sum.expected, row_sum.actual) == (14.0, 13.0)
    balance = only(checks, "applications.balance", None, "social_welfare")
    assert (balance.expected, balance.actual) == (0.0, 1.0)


def test_outcome_sum_counts_every_outcome_group() -> None:
    # A perturbed cell in each outcome group moves the outcome sum of its column.
    for row in ("withheld.inquiry_matters", "unavailable.unclear",
                "not_processed.confirm_reissue", "other", "partially_granted"):
        values = consistent()
        values[(APP, row, "other_org")] = 5.0  # was 0
        checks = report_checks(values)
        assert failed(checks) == {
            ("applications.outcome_sum", "total", "other_org"),
            ("applications.row_sum", row, "total"),
        }, row
        outcome = only(checks, "applications.outcome_sum", "total", "other_org")
        assert (outcome.expected, outcome.actual) == (5.0, 0.0), row


def test_block_sum_fails_on_the_perturbed_block() -> None:
    values = consistent()
    values[(RL, "litigation_direct", "pending")] = 3.0  # was 0
    checks = report_checks(values)
    assert failed(checks) == {("reviews_litigation.block_sum", "litigation_direct", "total")}
    block = only(checks, "reviews_litigation.block_sum", "litigation_direct", "total")
    assert (block.table, block.expected, block.actual) == (RL, 5.0, 2.0)


def test_block_sum_fails_on_a_wrong_total() -> None:
    # r013: 表四 totals printed as 0 under non-zero cells.
    values = consistent()
    values[(RL, "review", "total")] = 0.0
    checks = report_checks(values)
    assert failed(checks) == {("reviews_litigation.block_sum", "review", "total")}
    block = only(checks, "reviews_litigation.block_sum", "review", "total")
    assert (block.expected, block.actual) == (4.0, 0.0)


def test_small_differences_within_tolerance_pass() -> None:
    values = consistent()
    values[(RL, "review", "total")] = 4.000000001
    assert failed(report_checks(values)) == set()


# -- blanks and absent rows ------------------------------------------------------------


def test_blank_row_total_with_numeric_parts_fails_with_actual_none() -> None:
    values = consistent()
    values[(APP, "granted", "total")] = None
    check = only(report_checks(values), "applications.row_sum", "granted", "total")
    assert (check.passed, check.expected, check.actual) == (False, 6.0, None)


def test_blank_block_total_with_numeric_parts_fails_with_actual_none() -> None:
    values = consistent()
    values[(RL, "review", "total")] = None
    check = only(report_checks(values), "reviews_litigation.block_sum", "review", "total")
    assert (check.passed, check.expected, check.actual) == (False, 4.0, None)


def test_blank_outcome_total_fails_with_actual_none() -> None:
    values = consistent()
    values[(APP, "total", "natural_person")] = None
    check = only(report_checks(values), "applications.outcome_sum", "total", "natural_person")
    assert (check.passed, check.expected, check.actual) == (False, 9.0, None)


def test_blank_carried_forward_fails_balance_with_actual_none() -> None:
    # r009: the carried-forward total is blank.
    values = consistent()
    values[(APP, "carried_forward", "total")] = None
    check = only(report_checks(values), "applications.balance", None, "total")
    # the blank counts as 0: the printed (七)总计 alone does not balance 一 + 二
    assert (check.passed, check.expected) == (False, 17.0)
    assert check.actual == values[(APP, "total", "total")]
    row_sum = only(report_checks(values), "applications.row_sum", "carried_forward", "total")
    assert row_sum.passed is False and row_sum.actual is None


def test_blank_parts_count_as_zero() -> None:
    values = consistent()
    values[(APP, "granted", "commercial")] = None  # was 1
    checks = report_checks(values)
    row_sum = only(checks, "applications.row_sum", "granted", "total")
    assert (row_sum.passed, row_sum.expected, row_sum.actual) == (False, 5.0, 6.0)
    outcome = only(checks, "applications.outcome_sum", "total", "commercial")
    assert (outcome.passed, outcome.expected, outcome.actual) == (False, 1.0, 2.0)


def test_no_check_where_every_cell_is_blank() -> None:
    values = consistent()
    for col in COLS:
        values[(APP, "granted", col)] = None
    for col in ("upheld", "corrected", "other", "pending", "total"):
        values[(RL, "litigation_after_review", col)] = None
    checks = report_checks(values)
    assert not [c for c in checks if c.row_key in ("granted", "litigation_after_review")]


def test_printed_total_over_blank_parts_is_checked() -> None:
    # A total of 3 printed above four blank cells is an inconsistency to report.
    values = consistent()
    for col in ("upheld", "corrected", "other", "pending"):
        values[(RL, "review", col)] = None
    values[(RL, "review", "total")] = 3.0
    (check,) = [c for c in report_checks(values) if c.row_key == "review"]
    assert (check.expected, check.actual, check.passed) == (0.0, 3.0, False)


def test_absent_row_emits_no_row_check() -> None:
    values = {k: v for k, v in consistent().items()
              if k[1] not in ("not_processed.duplicate", "litigation_after_review")}
    checks = report_checks(values)
    assert not [c for c in checks
                if c.row_key in ("not_processed.duplicate", "litigation_after_review")]
    assert failed(checks) == set()
    assert len([c for c in checks if c.rule == "applications.row_sum"]) == 22
    assert len([c for c in checks if c.rule == "reviews_litigation.block_sum"]) == 2


def test_absent_total_cell_emits_no_check_on_it() -> None:
    values = consistent()
    del values[(APP, "granted", "total")]
    del values[(RL, "review", "total")]
    checks = report_checks(values)
    assert not [c for c in checks if c.rule == "applications.row_sum" and c.row_key == "granted"]
    assert not [c for c in checks if c.rule == "reviews_litigation.block_sum"
                and c.row_key == "review"]


def test_absent_carried_forward_row_emits_no_balance() -> None:
    values = {k: v for k, v in consistent().items() if k[1] != "carried_forward"}
    checks = report_checks(values)
    assert not [c for c in checks if c.rule == "applications.balance"]
    assert failed(checks) == set()


def test_absent_table_emits_no_check() -> None:
    only_rl = table_values(RL, RL_COLS, REVIEWS_LITIGATION)
    assert {c.rule for c in report_checks(only_rl)} == {"reviews_litigation.block_sum"}
    only_app = table_values(APP, COLS, APPLICATIONS_2019)
    assert "reviews_litigation.block_sum" not in {c.rule for c in report_checks(only_app)}
    assert report_checks({}) == []


def test_no_balance_on_an_all_blank_column() -> None:
    values = consistent()
    for row in ("new_received", "carried_over", "total", "carried_forward"):
        values[(APP, row, "legal_services")] = None
    checks = report_checks(values)
    assert not [c for c in checks
                if c.rule == "applications.balance" and c.col_key == "legal_services"]


# -- the 2021 sub-rows of （六）其他处理 ---------------------------------------------------


def test_outcome_sum_counts_derived_other_once() -> None:
    checks = report_checks(consistent(with_subrows=True))
    outcome = [c for c in checks if c.rule == "applications.outcome_sum"]
    assert len(outcome) == 7
    assert all(c.passed for c in outcome)
    commercial = only(checks, "applications.outcome_sum", "total", "commercial")
    # 予以公开 1 + 其他处理 1; the sub-row 1.逾期不补正 is inside 其他处理, not added again
    assert (commercial.expected, commercial.actual) == (2.0, 2.0)
    total = only(checks, "applications.outcome_sum", "total", "total")
    assert (total.expected, total.actual) == (13.0, 13.0)


def test_sub_rows_get_their_own_row_sum() -> None:
    values = consistent(with_subrows=True)
    values[(APP, "other.fee_unpaid", "legal_services")] = 1.0  # was 0
    checks = report_checks(values)
    # The derived ``other`` is not re-derived here, so only the sub-row's own sum fails.
    assert failed(checks) == {("applications.row_sum", "other.fee_unpaid", "total")}
    row_sum = only(checks, "applications.row_sum", "other.fee_unpaid", "total")
    assert (row_sum.expected, row_sum.actual) == (1.0, 0.0)


def test_derived_other_drives_the_outcome_sum() -> None:
    values = consistent(with_subrows=True)
    values[(APP, "other", "commercial")] = 2.0  # derived sum disagrees with (七)
    values[(APP, "other", "total")] = 2.0
    checks = report_checks(values)
    assert failed(checks) == {
        ("applications.outcome_sum", "total", "commercial"),
        ("applications.outcome_sum", "total", "total"),
    }
    assert only(checks, "applications.outcome_sum", "total", "commercial").expected == 3.0


def test_blank_total_over_zero_parts_passes_with_actual_none() -> None:
    values = consistent()
    for col in ("upheld", "corrected", "other", "pending"):
        values[(RL, "litigation_direct", col)] = 0.0
    values[(RL, "litigation_direct", "total")] = None
    (check,) = [c for c in report_checks(values) if c.row_key == "litigation_direct"]
    assert (check.expected, check.actual, check.passed) == (0.0, None, True)
