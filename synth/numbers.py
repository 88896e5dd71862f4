"""Plausible numbers for one district agency's report, consistent by construction.

表三 is built column by column so that 一 + 二 = （七）总计 + 四, the outcome rows sum
to （七）总计 and the 总计 column sums the six applicant columns; 表四 blocks sum to
their 总计.  ``break_rules`` then perturbs a few cells on purpose, in the ways real
reports break them (a 结转 that does not balance, details adding up to more than
（七）总计, a （七） printed 0 over non-zero rows, a 表四 总计 that is not the sum of its
block), and the rules module says which rules ended up broken.  Amounts are integers of yuan.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .identity import PROFILE_MEAN, carried_forward, profile
from .keys import (
    ACTIVE,
    APP_COL_KEYS,
    APPLICATIONS,
    OTHER_SUBROWS,
    REVIEW_BLOCKS,
    REVIEW_COL_KEYS,
    REVIEWS,
)
from .rules import OUTCOME_ROWS, violations

_VOLUME = {"tiny": 0.2, "small": 1.0, "medium": 3.0, "large": 10.0}
_COLUMN_SHARE = (1.0, 0.08, 0.01, 0.01, 0.04, 0.03)
_OUTCOME_WEIGHTS: dict[str, float] = {
    "granted": 35,
    "partially_granted": 8,
    "withheld.state_secret": 0.5,
    "withheld.prohibited_by_law": 1.5,
    "withheld.security_stability": 0.5,
    "withheld.third_party_rights": 2,
    "withheld.internal_affairs": 1.5,
    "withheld.process_information": 2,
    "withheld.enforcement_files": 1,
    "withheld.inquiry_matters": 3,
    "unavailable.not_held": 25,
    "unavailable.needs_creation": 3,
    "unavailable.unclear": 2,
    "not_processed.petition": 5,
    "not_processed.duplicate": 3,
    "not_processed.publication": 0.5,
    "not_processed.mass_repeated": 0.5,
    "not_processed.confirm_reissue": 1,
    "other": 6,
    "other.no_correction": 3,
    "other.fee_unpaid": 0.5,
    "other.other": 4,
}
_REVIEW_MEAN = {"review": 0.6, "litigation_direct": 0.35, "litigation_after_review": 0.2}
_REVIEW_WEIGHTS = (5.0, 1.0, 2.0, 1.5)


@dataclass
class Numbers:
    """All numbers of one report (counts, or yuan for amounts)."""

    template: str
    active: dict[tuple[str, str], int]
    apps: dict[str, list[int]]
    reviews: dict[str, list[int]]

    def values(self) -> dict[tuple[str, str, str], float | None]:
        """``{(table, row_key, col_key): value}`` for every generated cell."""
        out: dict[tuple[str, str, str], float | None] = {
            (ACTIVE, r, c): float(v) for (r, c), v in self.active.items()
        }
        for row, vals in self.apps.items():
            out.update(
                {(APPLICATIONS, row, c): float(v) for c, v in zip(APP_COL_KEYS, vals, strict=True)}
            )
        for block, vals in self.reviews.items():
            out.update(
                {(REVIEWS, block, c): float(v) for c, v in zip(REVIEW_COL_KEYS, vals, strict=True)}
            )
        return out


def _expo(rng: random.Random, mean: float) -> int:
    return int(rng.expovariate(1 / mean)) if mean > 0 else 0


def _change(rng: random.Random, prior: int) -> int:
    roll = rng.random()
    if roll < 0.5:
        return 0
    if roll < 0.53:
        return rng.randint(100, 300)
    delta = 1 + _expo(rng, 5)
    return -min(delta, prior) if rng.random() < 0.45 else delta


def _project_rows(rng: random.Random, volume: float, active: dict[tuple[str, str], int]) -> None:
    means = {
        "licensing": (15, 300),
        "other_services": (10, 100),
        "penalty": (50, 80),
        "coercion": (3, 5),
    }
    for row, (prior_mean, decision_mean) in means.items():
        prior = _expo(rng, prior_mean)
        active[(row, "prior_year_items")] = prior
        active[(row, "change")] = _change(rng, prior)
        active[(row, "decisions")] = _expo(rng, decision_mean * volume)


def _active_2019(rng: random.Random, volume: float) -> dict[tuple[str, str], int]:
    active: dict[tuple[str, str], int] = {}
    made = _expo(rng, 0.3) if rng.random() < 0.1 else 0
    active.update({("rules", "made"): made, ("rules", "published"): made})
    active[("rules", "total_published")] = made + (_expo(rng, 2) if made else 0)
    made = _expo(rng, 1.5)
    published = made - (rng.randint(0, made) if made and rng.random() < 0.2 else 0)
    active[("normative_documents", "made")] = made
    active[("normative_documents", "published")] = published
    active[("normative_documents", "total_published")] = published + _expo(rng, 12)
    _project_rows(rng, volume, active)
    prior = _expo(rng, 1.5)
    active[("fees", "prior_year_items")] = prior
    active[("fees", "change")] = max(-prior, min(_change(rng, prior), 3))
    items = _expo(rng, 8)
    active[("procurement", "items")] = items
    active[("procurement", "amount")] = _amount(rng, items) if items else 0
    return active


def _amount(rng: random.Random, items: int) -> int:
    yuan = rng.randint(20_000, 600_000) * items
    return yuan - yuan % rng.choice((1, 100, 100, 1000, 10_000))


def _active_2021(rng: random.Random, volume: float) -> dict[tuple[str, str], int]:
    active: dict[tuple[str, str], int] = {}
    issued = _expo(rng, 0.3) if rng.random() < 0.1 else 0
    active.update({("rules", "issued"): issued, ("rules", "repealed"): 0})
    active[("rules", "in_force")] = issued + (_expo(rng, 3) if issued else 0)
    issued, repealed = _expo(rng, 2), _expo(rng, 1)
    active[("normative_documents", "issued")] = issued
    active[("normative_documents", "repealed")] = repealed
    active[("normative_documents", "in_force")] = issued + _expo(rng, 20)
    for row, mean in (("licensing", 300), ("penalty", 80), ("coercion", 5)):
        active[(row, "decisions")] = _expo(rng, mean * volume)
    fees = 0
    if rng.random() < 0.5:
        fees = rng.randint(1, 50_000_000)
        fees -= fees % rng.choice((100, 100, 10_000, 1))
    active[("fees", "amount")] = fees
    return active


def _new_applications(rng: random.Random, agency: str) -> list[int]:
    kind = profile(agency)
    if rng.random() < {"tiny": 0.5, "small": 0.2}.get(kind, 0.0):
        return [0] * 6
    mean = PROFILE_MEAN[kind] * rng.uniform(0.5, 1.6)
    return [_expo(rng, mean * share) for share in _COLUMN_SHARE]


def _outcome_weights(rng: random.Random, rows: list[str]) -> list[float]:
    weights = []
    for row in rows:
        base = _OUTCOME_WEIGHTS[row]
        keep = row == "granted" or rng.random() < 0.6
        weights.append(base * (0.3 + rng.random()) if keep else 0.0)
    return weights


def _applications(
    rng: random.Random, agency: str, year: int, subrows: bool
) -> dict[str, list[int]]:
    new = _new_applications(rng, agency)
    carried = carried_forward(agency, year - 1)
    forward = carried_forward(agency, year)
    new = [max(n, f - c) for n, c, f in zip(new, carried, forward, strict=True)]
    rows = [*OUTCOME_ROWS, *(OTHER_SUBROWS if subrows else ("other",))]
    weights = _outcome_weights(rng, rows)
    outcome = {row: [0] * 6 for row in rows}
    for col in range(6):
        done = new[col] + carried[col] - forward[col]
        for row, count in Counter(rng.choices(rows, weights, k=done)).items():
            outcome[row][col] = count
    total = [sum(outcome[row][col] for row in rows) for col in range(6)]
    apps = {"new_received": new, "carried_over": carried, **outcome}
    apps.update({"total": total, "carried_forward": forward})
    return {row: [*vals, sum(vals)] for row, vals in apps.items()}


def _cases(rng: random.Random, mean: float, many: bool) -> int:
    """The cases of one 表四 block: often none; with ``many`` ten to a few dozen."""
    if many:
        return rng.randint(10, 60)
    return _expo(rng, mean) if rng.random() < 0.5 else 0


def _reviews(rng: random.Random, agency: str, many: bool) -> dict[str, list[int]]:
    volume = _VOLUME[profile(agency)]
    reviews = {}
    for block in REVIEW_BLOCKS:
        cases = _cases(rng, _REVIEW_MEAN[block] * volume, many)
        counts = Counter(rng.choices(range(4), _REVIEW_WEIGHTS, k=cases))
        parts = [counts.get(i, 0) for i in range(4)]
        reviews[block] = [*parts, sum(parts)]
    return reviews


def generate_numbers(
    rng: random.Random,
    agency: str,
    year: int,
    template: str,
    subrows: bool,
    many_cases: bool = False,
) -> Numbers:
    """Draw every number of one report; ``subrows`` prints （六） as three 2021 sub-rows,
    ``many_cases`` gives every 表四 block ten or more cases (multi-digit cells)."""
    volume = _VOLUME[profile(agency)] * rng.uniform(0.6, 1.5)
    maker = _active_2019 if template == "2019" else _active_2021
    active = maker(rng, volume)
    apps = _applications(rng, agency, year, subrows)
    return Numbers(template, active, apps, _reviews(rng, agency, many_cases))


def _break_balance(rng: random.Random, nums: Numbers) -> None:
    col, delta = rng.randrange(6), rng.randint(1, 5)
    nums.apps["carried_forward"][col] += delta
    nums.apps["carried_forward"][6] += delta


def _break_row_sum(rng: random.Random, nums: Numbers) -> None:
    col, delta = rng.randrange(6), rng.randint(1, 5)
    for row in ("new_received", "carried_forward"):
        nums.apps[row][col] += delta


def _break_outcome_sum(rng: random.Random, nums: Numbers) -> None:
    col, delta = rng.randrange(6), rng.randint(1, 5)
    for row in ("new_received", "total"):
        nums.apps[row][col] += delta
        nums.apps[row][6] += delta


def _break_block_sum(rng: random.Random, nums: Numbers) -> None:
    block = rng.choice(REVIEW_BLOCKS)
    nums.reviews[block][4] += rng.randint(1, 3)


def _break_block_part(rng: random.Random, nums: Numbers) -> None:
    """A 表四 block whose four parts add up to more than its 总计."""
    block = rng.choice(REVIEW_BLOCKS)
    nums.reviews[block][rng.randrange(4)] += rng.randint(1, 3)


def _detail_rows(nums: Numbers) -> list[str]:
    """The 表三 rows that add up to （七）总计 (（六） as printed: one row or three)."""
    return [row for row in nums.apps if row in OUTCOME_ROWS or row.startswith("other")]


def _break_detail_sum(rng: random.Random, nums: Numbers) -> None:
    """One outcome row higher than （七）总计 allows: details of 10 under a 总计 of 9."""
    row, col, delta = rng.choice(_detail_rows(nums)), rng.randrange(6), rng.randint(1, 3)
    nums.apps[row][col] += delta
    nums.apps[row][6] += delta


def _break_zero_total(rng: random.Random, nums: Numbers) -> None:
    """（七）总计 printed 0 over outcome rows that are not all 0."""
    if not any(nums.apps["total"]):
        _break_detail_sum(rng, nums)
    nums.apps["total"] = [0] * 7


Breaker = Callable[[random.Random, Numbers], None]

# Every kind of break ``break_rules`` can draw, by name. The first four are what a
# report asked to break rules gets by default, so that the reports of existing seeds
# stay as they were; the others are drawn only when asked for.
BREAKERS: dict[str, Breaker] = {
    "balance": _break_balance,
    "row_sum": _break_row_sum,
    "outcome_sum": _break_outcome_sum,
    "block_sum": _break_block_sum,
    "block_parts": _break_block_part,
    "details_over_total": _break_detail_sum,
    "zero_total": _break_zero_total,
}
BREAK_KINDS: tuple[str, ...] = tuple(BREAKERS)
DEFAULT_BREAK_KINDS: tuple[str, ...] = BREAK_KINDS[:4]
# The default kinds that leave 四、结转下年度 as drawn: a report broken only in these ways
# still agrees with the next year's 上年结转, so a corpus keeps its cross-year carry.
CARRY_KEEPING_KINDS: tuple[str, ...] = ("outcome_sum", "block_sum")


def break_rules(
    rng: random.Random, nums: Numbers, kinds: Sequence[str] = DEFAULT_BREAK_KINDS
) -> list[str]:
    """Perturb one or two rules on purpose, in ways drawn from ``kinds``; return every
    rule now broken.

    Two perturbations can cancel out (a 总计 raised by as much as a part): then
    another is drawn, so that a report asked to break rules always does.
    """
    unknown = [k for k in kinds if k not in BREAKERS]
    if unknown or not kinds:
        raise ValueError(f"unknown break kinds {unknown}; choose from {', '.join(BREAK_KINDS)}")
    breakers = [BREAKERS[k] for k in kinds]
    count = rng.choice((1, 1, 2))
    for breaker in rng.sample(breakers, min(count, len(breakers))):
        breaker(rng, nums)
    broken = violations(nums.values())
    while not broken:
        rng.choice(breakers)(rng, nums)
        broken = violations(nums.values())
    return broken
