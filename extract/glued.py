"""Recover table cells printed run together, with the tables' own arithmetic.

Some crawlers save a page's text with every table cell glued to the next:
``一、本年新收政府信息公开申请数量640020470`` stands for 64|0|0|2|0|4|70, and 表四's
fifteen cells arrive as ``10203120001200000``, sometimes with stray spaces inside.
Where the cuts go is not guessed: every split of a row's run into its columns is
searched, and only the splits that satisfy every rule of the table survive:

* a multi-digit cell never starts with 0, and a count has at most six digits;
* 表三: each row's 总计 is the sum of its six applicant cells; then, across rows,
  (七)总计 is the sum of the outcome rows and 一 + 二 = (七) + 四, per column;
* 表四: each block's 总计 is the sum of its four cells;
* 表二 (no sums): a sign (增/减/-/+) opens the change cell, an amount with decimals
  and a unit (万元/元) closes the money cell, a decrease never exceeds last year's
  count.

A row whose split is the same in every surviving solution is recovered (cells
``number``, warning ``cells_recovered``); a row with several is left without cells
and reported (``cells_ambiguous``, with the candidates), and no other row fails for
it. The work is bounded per report (``MAX_NODES``): over the bound, the rows still
open are ambiguous.

The search runs on the engine's rows after the tables were read (see
:func:`recover_glued`); the tokeniser only marks values cut off a label
(``CellValue.glued``), which tells that a document's cells run together.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from extract.cells import VALUE, Token
from extract.model import Row, TableResult, Warning_, short_row
from extract.values import NUMBER, UNREADABLE, UNREADABLE_VALUE, CellValue, parse_value
from transform.checks import OUTCOME_PREFIXES
from transform.keys import (
    AD,
    APP,
    CARRIED_FORWARD,
    CARRIED_OVER,
    NEW_RECEIVED,
    OTHER,
    RL,
    TOTAL,
    key_catalog,
)

MAX_COUNT_DIGITS = 6  # 表三/表四 counts: no agency receives a million applications
MAX_ACTIVE_DIGITS = 7  # 表二 counts (处罚 decisions of a large city)
MAX_NODES = 40_000  # search steps per report (generated reports need 13,000 at most);
# beyond, the rows left open are ambiguous
MAX_ROW_SPLITS = 400  # splits kept per row before the joint search
MAX_SOLUTIONS = 24  # joint solutions collected; more: the rows that differ are ambiguous
MAX_SHOWN = 5  # candidate splits listed in a warning
DASH_MARK = "x"  # a dash cell in a run, one character whatever its glyph

_COUNT = re.compile(r"x|0|[1-9]\d{0,5}")
_ACTIVE_COUNT = re.compile(r"x|0|[1-9]\d{0,6}")
_CHANGE = re.compile(r"x|0|(?:增|减|[+-])?[1-9]\d{0,6}|[+-]?0")
_MONEY = re.compile(r"x|(?:0|[1-9]\d{0,11}(?:\.\d+)?|0\.\d+)(?:万元|元|万)?")
_RUN_TEXT = re.compile(r"[\d.,+\-—–/\\增减万元无…x ]+")
# In a run every dash character is one cell: a glued "--" is two dashes, not one.
_DASH_GLYPHS = re.compile(r"[—–/\\无…]")
_LONE_MINUS = re.compile(r"-(?!\d)")
_STARTS = frozenset("0123456789增减+-x")
_SIGNS = frozenset("增减+-")
MAX_CELL_CHARS = 24  # the longest cell: an amount in yuan with decimals and its unit


class OverBudget(Exception):
    """The search took more steps than the report's budget."""


@dataclass(slots=True)
class Budget:
    """Search steps left for one report."""

    nodes: int = MAX_NODES

    def spend(self, n: int = 1) -> None:
        self.nodes -= n
        if self.nodes < 0:
            raise OverBudget


Split = tuple[str, ...]  # a row's cells as printed ("x": a dash)


@dataclass(frozen=True, slots=True)
class CellRule:
    """What one column's cells may look like, and how many characters at most."""

    pattern: re.Pattern[str]
    longest: int

    def __call__(self, piece: str) -> bool:
        return self.pattern.fullmatch(piece) is not None


Validator = CellRule


# -- one row ----------------------------------------------------------------------


def _cells_ending(s: str, end: int, valid: CellRule, budget: Budget,
                  lowest: int = 0) -> Iterator[int]:
    """Start positions (``lowest`` or more) of the cells that can end at ``end`` of
    the run ``s``."""
    for start in range(end - 1, max(lowest - 1, end - valid.longest - 1), -1):
        budget.spend()
        char = s[start]
        if char in _STARTS and valid(s[start:end]) and (
                start == 0 or s[start - 1] not in _SIGNS):
            yield start
        if char == DASH_MARK or char in _SIGNS:
            return  # a cell never spans a dash, and a sign opens its cell


def _number(piece: str) -> int:
    """A count's value (a dash counts 0, as in the checks)."""
    return 0 if piece == DASH_MARK else int(piece)


# Runs repeat from report to report (rows of zeros above all): the splits of a run of
# counts are remembered. Bounded: cleared when full.
_MEMO_SIZE = 4096
_MEMO: dict[tuple[str, int, tuple[tuple[int, int], ...], int], list[Split]] = {}


def count_splits(s: str, width: int, groups: Sequence[tuple[int, int]], budget: Budget,
                 limit: int = MAX_ROW_SPLITS) -> list[Split]:
    """:func:`splits` of a run of counts (表三, 表四), remembered."""
    key = (s, width, tuple(groups), limit)
    found = _MEMO.get(key)
    if found is None:
        found = splits(s, [VALID_COUNT] * width, groups, budget, limit)
        if len(_MEMO) >= _MEMO_SIZE:
            _MEMO.clear()
        _MEMO[key] = found
    else:
        budget.spend()
    return list(found)


def _room(end: int, col: int, first: int, reach: list[int], cap: int) -> bool:
    """Whether the parts ``first``..``col`` of a group (each of ``cap`` digits at
    most, like their total) and the columns before them can hold ``s[:end]``."""
    return end <= reach[first] + (col - first + 1) * cap


class _Splitter:
    """The search of :func:`splits` for one run: right to left, so that a group's
    total is placed before its parts and bounds them."""

    def __init__(self, s: str, valid: Sequence[Validator],
                 groups: Sequence[tuple[int, int]], budget: Budget, limit: int) -> None:
        self.s, self.valid, self.budget, self.limit = s, valid, budget, limit
        self.totals = {total for _first, total in groups}
        self.firsts = {first for first, _total in groups}
        self.first_of = {c: first for first, total in groups for c in range(first, total)}
        # reach[c]: the most characters columns 0..c-1 can hold.
        self.reach = [0]
        for rule in valid:
            self.reach.append(self.reach[-1] + rule.longest)
        self.out: list[Split] = []
        self.cells: list[str] = [""] * len(valid)

    def hopeless(self, col: int, end: int, left: int, cap: int) -> bool:
        """Columns 0..col cannot hold ``s[:end]``: too few or too many characters."""
        if end < col + 1 or end > self.reach[col + 1] or len(self.out) >= self.limit:
            return True
        return left >= 0 and not _room(end, col, self.first_of[col], self.reach, cap)

    def place(self, col: int, end: int, left: int = -1, cap: int = 0) -> None:
        """Place column ``col`` ending at ``end``, then the columns left of it.

        ``left``: what the parts of the current group still have to add up to (-1
        outside a group); ``cap``: digits of the group's total, the most a part has.
        """
        if col < 0:
            if end == 0:
                self.out.append(tuple(self.cells))
            return
        if self.hopeless(col, end, left, cap):
            return
        for start in _cells_ending(self.s, end, self.valid[col], self.budget, col):
            piece = self.s[start:end]
            self.cells[col] = piece
            if col in self.totals:
                self.place(col - 1, start, _number(piece), max(1, len(piece)))
                continue
            rest = left - _number(piece) if left >= 0 else -1
            if left >= 0 and rest < 0:
                return  # further left the piece only grows (no leading zeros)
            if col not in self.firsts:
                self.place(col - 1, start, rest, cap)
            elif rest == 0:
                self.place(col - 1, start)


def splits(s: str, valid: Sequence[Validator], groups: Sequence[tuple[int, int]],
           budget: Budget, limit: int = MAX_ROW_SPLITS) -> list[Split]:
    """Every split of the run ``s`` into ``len(valid)`` cells, each accepted by its
    column's rule, where each group ``(first, total)`` of columns sums to its
    ``total`` column; at most ``limit`` of them."""
    search = _Splitter(s, valid, groups, budget, limit)
    search.place(len(valid) - 1, len(s))
    return search.out


def run_text(tokens: Sequence[Token], signs: bool = False) -> str:
    """The printed run of a row's value tokens, stray spaces out, dashes as ``x``.

    ``signs``: a ``-`` before a digit is a minus (表二's change column); elsewhere
    every ``-`` is a dash, since 表三 and 表四 count things."""
    text = "".join(t.text for t in tokens).replace(" ", "").replace(",", "")
    text = _DASH_GLYPHS.sub(DASH_MARK, text)
    return _LONE_MINUS.sub(DASH_MARK, text) if signs else text.replace("-", DASH_MARK)


VALID_COUNT = CellRule(_COUNT, MAX_COUNT_DIGITS)
_ACTIVE_RULES = {"change": CellRule(_CHANGE, MAX_ACTIVE_DIGITS + 1),
                 "amount": CellRule(_MONEY, MAX_CELL_CHARS)}


def active_validator(col: str) -> CellRule:
    """The rule of a 表二 column's cells: a sign opens a change, money may carry
    decimals and its unit, the rest count."""
    return _ACTIVE_RULES.get(col) or CellRule(_ACTIVE_COUNT, MAX_ACTIVE_DIGITS)


def _plausible_active(cols: Sequence[str], split: Split) -> bool:
    """A decrease never exceeds last year's count (both printed)."""
    if "change" not in cols or "prior_year_items" not in cols:
        return True
    change = split[cols.index("change")]
    prior = split[cols.index("prior_year_items")]
    if change[:1] not in ("减", "-") or prior == DASH_MARK:
        return True
    return int(change[1:]) <= int(prior)


# -- tokens back --------------------------------------------------------------------


_parse = lru_cache(maxsize=1024)(parse_value)


def _cell_token(piece: str, like: Token, raw: str) -> Token:
    """A VALUE token for one recovered cell, on the run's line."""
    if piece == DASH_MARK:
        value = CellValue("dash")
        text = raw
    else:
        value = _parse(piece) or UNREADABLE_VALUE  # (every column's rule reads as a value)
        text = piece
    return Token(VALUE, text, raw, like.line, value, True)


def _tokens_for(split: Split, tokens: Sequence[Token]) -> list[Token]:
    """The split's cells as tokens, their raw text cut from the printed run."""
    raw = "".join(t.raw for t in tokens).replace(" ", "").replace(",", "")
    norm = "".join(t.text for t in tokens).replace(" ", "").replace(",", "")
    printed = raw if len(raw) == len(norm) else norm
    out, pos = [], 0
    for piece in split:
        out.append(_cell_token(piece, tokens[0], printed[pos : pos + len(piece)]))
        pos += len(piece)
    return out


def _show(split: Split) -> str:
    return "|".join("-" if p == DASH_MARK else p for p in split)


# -- the tables --------------------------------------------------------------------


@dataclass(slots=True)
class _Glued:
    """A row whose cells ran together, and the splits still possible."""

    row: Row
    tokens: list[Token]
    run: str
    candidates: list[Split]


def _is_run(tokens: Sequence[Token]) -> bool:
    return bool(tokens) and all(
        t is not None and t.kind == VALUE and _RUN_TEXT.fullmatch(t.text) for t in tokens)


def _app_outcome_rows(keys: set[str]) -> list[str]:
    rows = [k for k in keys if k.startswith(OUTCOME_PREFIXES)]
    if OTHER in keys:
        return [*rows, OTHER]
    return rows + [k for k in keys if k.startswith("other.")]


def _all_outcome_rows(keys: set[str]) -> bool:
    """Whether every outcome row of the template is among ``keys`` (其他处理 as one
    row or as its three 2021 sub-rows)."""
    rows = key_catalog().row_order[APP]
    common = [r for r in rows if r.startswith(OUTCOME_PREFIXES)]
    subrows = [r for r in rows if r.startswith("other.")]
    return all(r in keys for r in common) and (
        OTHER in keys or all(r in keys for r in subrows))


def _vector(split: Split) -> tuple[int, ...]:
    return tuple(_number(p) for p in split)


_BALANCE = (NEW_RECEIVED, CARRIED_OVER, TOTAL, CARRIED_FORWARD)


class _Joint:
    """The joint search over the 表三 rows still open: (七)总计 = the outcome rows and
    一 + 二 = (七) + 四, per column. The total row is chosen first, so the outcome
    rows' partial sums are bounded by it as they are chosen."""

    def __init__(self, open_rows: dict[str, _Glued], fixed: dict[str, tuple[int, ...]],
                 budget: Budget) -> None:
        self.open_rows = open_rows
        self.keys = set(open_rows) | set(fixed)
        self.outcome = _app_outcome_rows(self.keys)
        # The outcome rows add up to (七) only when all of them were read.
        self.outcome_complete = _all_outcome_rows(self.keys)
        self.order = sorted(open_rows, key=lambda k: (k != TOTAL, k not in self.outcome, k))
        self.chosen: dict[str, tuple[int, ...]] = dict(fixed)
        self.picked: dict[str, Split] = {}
        self.solutions: list[dict[str, Split]] = []
        self.budget = budget

    def _outcome_fits(self) -> bool:
        """Whether the outcome rows chosen so far stay within (七)总计, per column."""
        total = self.chosen.get(TOTAL)
        if total is None or not self.outcome_complete:
            return True
        rows = [self.chosen[r] for r in self.outcome if r in self.chosen]
        return all(sum(r[col] for r in rows) <= printed for col, printed in enumerate(total))

    def _outcome_misses(self) -> int:
        """Columns where (七)总计 is not the sum of the outcome rows (all chosen)."""
        total = self.chosen.get(TOTAL)
        if total is None or not self.outcome_complete:
            return 0
        rows = [self.chosen[r] for r in self.outcome if r in self.chosen]
        return sum(sum(r[col] for r in rows) != printed for col, printed in enumerate(total))

    def _balance_misses(self) -> int:
        """Columns where 一 + 二 is not (七) + 四."""
        if not all(k in self.chosen for k in _BALANCE):
            return 0
        new, carried, total, forward = (self.chosen[k] for k in _BALANCE)
        return sum(new[c] + carried[c] != total[c] + forward[c] for c in range(len(new)))

    def _worth_going_on(self) -> bool:
        return self._outcome_fits()

    def _enough(self) -> bool:
        return len(self.solutions) > MAX_SOLUTIONS

    def _complete(self) -> None:
        """A choice for every open row: kept where it keeps every rule."""
        if not self._outcome_misses() and not self._balance_misses():
            self.solutions.append(dict(self.picked))

    def solve(self, i: int = 0) -> list[dict[str, Split]]:
        """Up to ``MAX_SOLUTIONS + 1`` joint solutions (more: too many to tell)."""
        if self._enough():
            return self.solutions
        if i == len(self.order):
            self._complete()
            return self.solutions
        key = self.order[i]
        for split in self.open_rows[key].candidates:
            self.budget.spend()
            self.chosen[key], self.picked[key] = _vector(split), split
            if self._worth_going_on():
                self.solve(i + 1)
        self.chosen.pop(key, None)
        self.picked.pop(key, None)
        return self.solutions


class _Closest(_Joint):
    """The joint search for a source that breaks its own arithmetic: the choices that
    break the fewest rules (each row's sum, and per column (七) = the outcome rows and
    一 + 二 = (七) + 四). The source's own errors are then the rules left broken, and
    a row is decided where every closest choice agrees on it. Every choice is tried
    (within the budget): no partial choice can be ruled out."""

    def __init__(self, open_rows: dict[str, _Glued], fixed: dict[str, tuple[int, ...]],
                 budget: Budget) -> None:
        super().__init__(open_rows, fixed, budget)
        self.fewest = -1

    def _worth_going_on(self) -> bool:
        return True

    def _complete(self) -> None:
        broken = (sum(_row_sum_broken(self.chosen[k]) for k in self.picked)
                  + self._outcome_misses() + self._balance_misses())
        if self.fewest < 0 or broken < self.fewest:
            self.fewest, self.solutions = broken, []
        if broken == self.fewest and len(self.solutions) <= MAX_SOLUTIONS:
            self.solutions.append(dict(self.picked))  # (one more: too many to tell)

    def _enough(self) -> bool:
        return False  # a closer choice found later replaces every one found so far


def _row_sum_broken(vector: tuple[int, ...]) -> bool:
    return sum(vector[:-1]) != vector[-1]


def _adds_up(cells: Sequence[Token]) -> bool:
    """Whether a row's cells are plain counts (dashes: 0) whose last is the sum of
    the others."""
    numbers = []
    for c in cells:
        if c.value is None or c.value.glued or c.value.kind not in (NUMBER, "dash"):
            return False
        numbers.append(int(c.value.number or 0))
    return bool(numbers) and sum(numbers[:-1]) == numbers[-1]


def _fewest_broken(candidates: Sequence[Split], groups: Sequence[tuple[int, int]]
                   ) -> set[Split]:
    """The splits whose groups break their sums least often (all of them, where every
    split keeps them)."""
    def broken(split: Split) -> int:
        v = _vector(split)
        return sum(sum(v[first:total]) != v[total] for first, total in groups)
    fewest = min(map(broken, candidates), default=0)
    return {c for c in candidates if broken(c) == fewest}


class _Recovery:
    """Recovers the glued rows of one report and writes the warnings."""

    def __init__(self, result: TableResult) -> None:
        self.result = result
        self.budget = Budget()
        self.recovered: list[str] = []

    def _row_splits(self, g: _Glued, valid: Sequence[Validator] | int,
                    groups: Sequence[tuple[int, int]]) -> bool:
        """The row's own splits into ``g.candidates`` (``valid``: the columns' rules,
        or the number of columns of counts); False (and reported) when the search ran
        over its bounds."""
        try:
            if isinstance(valid, int):
                g.candidates = count_splits(g.run, valid, groups, self.budget,
                                            MAX_ROW_SPLITS + 1)
            else:
                g.candidates = splits(g.run, valid, groups, self.budget, MAX_ROW_SPLITS + 1)
        except OverBudget:
            g.candidates = []
            self._ambiguous(g, "the search ran over its bound")
            return False
        if len(g.candidates) > MAX_ROW_SPLITS:
            self._ambiguous(g, f"more than {MAX_ROW_SPLITS} splits fit")
            return False
        return True

    def _settle(self, g: _Glued, values: set[Split], reason: str = "") -> None:
        """Fill the row when one split remains, else report it."""
        if len(values) == 1:
            (split,) = values
            g.row.cells = list(_tokens_for(split, g.tokens))
            self.recovered.append(f"{g.row.table}/{g.row.key}: {_show(split)}")
            return
        g.candidates = sorted(values)
        self._ambiguous(g, reason)

    def _ambiguous(self, g: _Glued, reason: str) -> None:
        g.row.cells = []
        shown = "; ".join(_show(c) for c in g.candidates[:MAX_SHOWN])
        more = len(g.candidates) - MAX_SHOWN
        if len(g.candidates) > 1:
            what = f"{len(g.candidates)} splits fit: {shown}" + (
                f" (and {more} more)" if more > 0 else "")
            what += f" ({reason})" if reason else ""
        else:
            what = reason or "no split fits the arithmetic"
        self.result.warnings.append(Warning_(
            "cells_ambiguous", f"{g.row.table}/{g.row.key}: cells run together "
            f"({g.run!r}); {what}; cells left empty", g.row.line))

    def malformed_runs(self, rows: list[Row]) -> None:
        """Rows short of cells holding one that reads as no value (``l20020470``,
        ``6400207a0``, a run with a damaged byte): where their cells start and end
        cannot be told, so the row is left empty and reported, never split around it
        nor read with its cells in the wrong columns."""
        for row in rows:
            cells = [c for c in row.cells if c is not None]
            if len(cells) < len(row.columns or ()) and any(_malformed(c) for c in cells):
                self._ambiguous(_Glued(row, cells, "".join(c.text for c in cells), []),
                                "a character in it is no digit, sign or dash")

    # -- 表三 ---------------------------------------------------------------------

    def applications(self, rows: list[Row]) -> None:
        glued: dict[str, _Glued] = {}
        fixed: dict[str, tuple[int, ...]] = {}
        for row in rows:
            cells = [c for c in row.cells if c is not None]
            width = len(row.columns or ())
            if row.overflow and _is_run(cells + row.overflow) and not _adds_up(cells):
                # More values than columns, and the first ones do not add up: a number
                # printed with a space inside (2 8 7 / 0 / 0 35 is 28|7|-|0|-|0|35).
                cells, row.overflow = cells + row.overflow, []
            if row.key and 0 < len(cells) != width and _is_run(cells):
                g = _Glued(row, cells, run_text(cells), [])
                if self._own_splits(g, width, [(0, width - 1)]):
                    glued[row.key] = g
            elif row.key and len(cells) == width and all(c.value is not None for c in cells):
                fixed[row.key] = tuple(int(c.value.number or 0) for c in cells)  # type: ignore[union-attr]
        for key, g in glued.items():
            if len(g.candidates) == 1:
                fixed[key] = _vector(g.candidates[0])
        open_rows = {k: g for k, g in glued.items() if len(g.candidates) > 1}
        solutions = self._joint(open_rows, fixed)
        for key, g in glued.items():
            if key not in open_rows:
                self._settle(g, set(g.candidates))
            elif solutions is None:
                self._settle(g, set(g.candidates), "too many ways to combine the rows")
            else:
                self._settle(g, {s[key] for s in solutions})

    def _own_splits(self, g: _Glued, valid: Sequence[Validator] | int,
                    groups: Sequence[tuple[int, int]]) -> bool:
        """The row's splits that keep its own sums; where none does (the source breaks
        them), the splits its printed form alone allows. False when it is reported."""
        if not self._row_splits(g, valid, groups):
            return False
        if not g.candidates and groups:
            return self._row_splits(g, valid, [])
        return True

    def _joint(self, open_rows: dict[str, _Glued], fixed: dict[str, tuple[int, ...]]
               ) -> list[dict[str, Split]] | None:
        """The joint solutions; None when they are too many to tell (or too slow).
        Where no choice keeps every rule (the source breaks one), the choices that
        break the fewest."""
        if not open_rows:
            return []
        try:
            solutions = _Joint(open_rows, fixed, self.budget).solve()
            if not solutions:
                solutions = _Closest(open_rows, fixed, self.budget).solve()
        except OverBudget:
            return None
        return None if len(solutions) > MAX_SOLUTIONS else solutions

    # -- 表四 ---------------------------------------------------------------------

    def reviews(self, rows: list[Row]) -> None:
        """表四's blocks, dealt out by the engine piece by piece, as one run."""
        cells = [c for r in rows for c in r.cells if c is not None]
        overflow = [c for r in rows for c in r.overflow]
        if not rows or not _is_run(cells):
            return
        if overflow and _is_run(overflow) and not all(
                _adds_up([c for c in r.cells if c is not None]) for r in rows):
            # More values than cells, and the blocks do not add up: a number printed
            # with a space inside; the whole run is split again.
            cells = cells + overflow
            for r in rows:
                r.overflow = []
        order = key_catalog().row_order[RL]
        cols = list(rows[0].columns or ())
        if len(cells) == len(cols) * len(order):
            return
        for key in order:  # blocks that received no piece
            if key not in {r.key for r in rows}:
                new = Row(RL, key, rows[0].label, list(cols), len(cols), rows[0].line, [])
                rows.append(new)
                self.result.rows.append(new)
        per, width = len(cols), len(cols) * len(rows)
        groups = [(b * per, b * per + per - 1) for b in range(len(rows))]
        whole = Row(RL, "+".join(r.key or "" for r in rows), "", None, width, rows[0].line)
        g = _Glued(whole, cells, run_text(cells), [])
        if self._own_splits(g, width, groups):
            self._settle(g, _fewest_broken(g.candidates, groups))
        for b, r in enumerate(rows):
            r.cells = g.row.cells[b * per : (b + 1) * per]

    # -- 表二 ---------------------------------------------------------------------

    def active(self, rows: list[Row]) -> None:
        for row in rows:
            cells = [c for c in row.cells if c is not None]
            cols = [c.key for c in row.columns or ()]
            if not row.key or not cols or not _is_run(cells):
                continue
            if len(cells) >= len(cols):
                # Printed apart (or one value glued to its label): a cell that reads as
                # no value is one cell, unreadable, not cells run together.
                continue
            rules = [active_validator(c) for c in cols]
            g = _Glued(row, cells, run_text(cells, signs=True), [])
            if not self._row_splits(g, rules, []):
                continue
            found = set(g.candidates)
            dashes = run_text(cells)
            if dashes != g.run:
                # A - before a digit may be a minus (减) or a dash cell: 48-163 is
                # 48|-16|3 or 48|-|163. Both readings stay candidates.
                g.run, signed = dashes, g.run
                if not self._row_splits(g, rules, []):
                    continue
                found |= set(g.candidates)
                g.run = signed
            self._settle(g, {s for s in found if _plausible_active(cols, s)})


def _has_glued(result: TableResult) -> bool:
    for r in result.rows:  # (a plain loop: asked of every report, and rarely true)
        counts = r.table != AD
        for c in r.cells:
            if c is not None and c.value is not None and c.kind == VALUE and (
                    c.value.glued or (counts and len(c.text) > 1 and _run_of_counts(c.text))):
                return True
    return False


def _run_of_counts(text: str) -> bool:
    """A number no count is printed as: a leading zero (``000000``, ``01``) or more
    digits than any count has (``291000030``): counts glued together."""
    return len(text) > 1 and text.isdigit() and (
        text[0] == "0" or len(text) > MAX_COUNT_DIGITS)


def _short_rows(result: TableResult) -> None:
    """The engine's short_row warnings, again after recovery: rows recovered are no
    longer short, rows left empty are reported as missing cells instead."""
    kept = [w for w in result.warnings if w.code != "short_row"]
    for row in result.rows:
        warning = short_row(row, empty_too=False)
        if warning is not None:
            kept.append(warning)
    result.warnings = kept


def _malformed(cell: Token) -> bool:
    return cell.value is not None and cell.value.kind == UNREADABLE


def _unreadable_runs(result: TableResult) -> None:
    """Runs left whole (their row has a cell for every column, or no split was
    decided) that read as no single value (``12-3``, ``1.2.3``, twenty digits): each
    is one cell, unreadable, never read as a number."""
    for row in result.rows:
        for i, c in enumerate(row.cells):
            if c is not None and c.value is not None and c.value.glued and \
                    _parse(c.text) is None:
                row.cells[i] = Token(VALUE, c.text, c.raw, c.line, UNREADABLE_VALUE, True,
                                     cell=c.cell)


def recover_glued(result: TableResult) -> bool:
    """Split the runs of glued cells in ``result``'s rows, in place; True when the
    document prints glued cells.

    Only a document that shows glued cells (a value cut off its label, or a run too
    long for one number) is searched, and only its rows with fewer cells than
    columns (表二: any row with a glued value) made of digits, signs and dashes.
    """
    if not _has_glued(result):
        return False
    rec = _Recovery(result)
    by_table: dict[str, list[Row]] = {AD: [], APP: [], RL: []}
    for row in result.rows:
        if row.table in by_table:
            by_table[row.table].append(row)
    rec.malformed_runs(result.rows)
    rec.applications(by_table[APP])
    rec.reviews(by_table[RL])
    rec.active(by_table[AD])
    _unreadable_runs(result)
    _short_rows(result)
    if rec.recovered:
        shown = "; ".join(rec.recovered)
        result.warnings.append(Warning_(
            "cells_recovered", f"cells printed run together were split by the tables' "
            f"arithmetic ({len(rec.recovered)} rows): {shown}", None))
    return True
