"""Recognise printed labels as canonical keys.

Reports print the same row or column in many spellings: numbering styles
(（一）/(一)/1./1、), spaces inside labels, quote styles, the 2019 and 2021 wording,
and known typos. All of them are rows of ``maps/labels.csv``; this module reads that
map into matchers and applies one rule everywhere:

* labels are compared after :func:`normalise_label` (whitespace and quotes removed);
* a ``contains`` alias may appear anywhere in a label, and when several do, the one
  that ends last wins (the most specific part of a wrapped or grouped label comes
  last: ``（三）不予公开 1.属于国家秘密``), the longer one on a tie;
* an ``exact`` alias must be the whole last label cell once its numbering is removed
  (``3.其他`` under （六）其他处理, where a bare 其他 anywhere else means nothing); it
  is tried only when no ``contains`` alias ends the label (``（七）总计`` is the
  ``contains`` alias of the total row, not the bare ``总计``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from transform.maps import MapError, read_map

# Characters that never carry meaning inside a label: whitespace of every kind and
# the quote marks that reports use interchangeably around 三安全一稳定.
_DROP = re.compile("[\\s\u200b“”\"'‘’「」『』〝〞]")

_NUMBERING = re.compile(
    r"^(?:[(（][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十\d]{1,3}[、.．,，:：])+"
)


# Labels repeat from row to row and report to report; a bounded memo of normalised
# labels and of matcher answers saves rescanning the same text with the same regex.
MEMO_SIZE = 8192


def normalise_label(text: str) -> str:
    """The form in which labels are compared: no whitespace, no quotes."""
    found = _NORMALISED.get(text)
    if found is None:
        if len(_NORMALISED) >= MEMO_SIZE:
            _NORMALISED.clear()  # prose of many reports: start over rather than grow
        found = _NORMALISED[text] = _DROP.sub("", text)
    return found


_NORMALISED: dict[str, str] = {}


def strip_numbering(label: str) -> str:
    """Drop leading outline numbering such as ``(六)``, ``3.`` or ``一、``."""
    return _NUMBERING.sub("", label)


@dataclass(frozen=True, slots=True)
class LabelHit:
    """One alias found inside a label."""

    key: str
    axis: str
    start: int
    end: int
    alias: str
    templates: frozenset[str]
    exact: bool = False


@dataclass(slots=True)
class AxisMatcher:
    """Matches the aliases of one (table, axis) pair, plus the groups that shield them."""

    contains: dict[str, tuple[str, str, frozenset[str]]] = field(default_factory=dict)
    exact: dict[str, tuple[str, frozenset[str]]] = field(default_factory=dict)
    pattern: re.Pattern[str] | None = None
    # Answers already given, by argument (hits are frozen, so they can be shared).
    memo: dict[tuple[str, str, str], object] = field(default_factory=dict)
    keys_memo: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def _remember(self, key: tuple[str, str, str], answer: object) -> None:
        if len(self.memo) >= MEMO_SIZE:
            self.memo.clear()
        self.memo[key] = answer

    def compile(self) -> None:
        # Longest alias first, so that at any position the regex prefers
        # 法人或其他组织 (a group) over 其他 (a column).
        aliases = sorted(self.contains, key=len, reverse=True)
        self.pattern = re.compile("|".join(map(re.escape, aliases))) if aliases else None
        self.memo.clear()
        self.keys_memo.clear()

    def find_all(self, text: str) -> list[LabelHit]:
        """Every non-overlapping alias in ``text`` (already normalised), left to right."""
        key = ("find_all", text, "")
        hits = self.memo.get(key)
        if hits is None:
            hits = tuple(self._find_all(text))
            self._remember(key, hits)
        return list(hits)  # type: ignore[call-overload]

    def _find_all(self, text: str) -> list[LabelHit]:
        if self.pattern is None:
            return []
        hits = []
        for m in self.pattern.finditer(text):
            key, axis, templates = self.contains[m.group()]
            hits.append(LabelHit(key, axis, m.start(), m.end(), m.group(), templates))
        return hits

    def keys_in(self, text: str) -> tuple[str, ...]:
        """The keys of every alias in ``text``, left to right (groups give ``""``)."""
        # (Asked of every label fragment: its own memo, keyed by the text alone.)
        keys = self.keys_memo.get(text)
        if keys is None:
            keys = () if self.pattern is None else tuple(
                self.contains[alias][0] for alias in self.pattern.findall(text))
            if len(self.keys_memo) >= MEMO_SIZE:
                self.keys_memo.clear()
            self.keys_memo[text] = keys
        return keys

    def best(self, text: str, last_cell: str) -> LabelHit | None:
        """The key this label stands for, or None. See the module docstring."""
        key = ("best", text, last_cell)
        if key in self.memo:
            return self.memo[key]  # type: ignore[return-value]
        hit = self._best(text, last_cell)
        self._remember(key, hit)
        return hit

    def _best(self, text: str, last_cell: str) -> LabelHit | None:
        best = None
        best_rank = (-1, -1)
        if self.pattern is not None:
            for m in self.pattern.finditer(text):
                rank = (m.end(), m.end() - m.start())
                if rank >= best_rank and self.contains[m.group()][1] != "group":
                    best, best_rank = m, rank
        if best is not None:
            key, axis, templates = self.contains[best.group()]
            hit = LabelHit(key, axis, best.start(), best.end(), best.group(), templates)
            if hit.end == len(text):
                return hit  # (七)总计: a contains alias that ends the label beats 总计
        bare = strip_numbering(last_cell)
        if bare in self.exact:
            key, templates = self.exact[bare]
            return LabelHit(key, "row", len(text) - len(bare), len(text), bare, templates, True)
        return hit if best is not None else None


    def closest(self, text: str) -> LabelHit | None:
        """The alias ``text`` holds with a character or two wrong (a typo, a homophone:
        ``属于三类内部事物信息``), where one key is nearer than every other; None
        otherwise (nearer: fewer characters wrong, then ending later in ``text``). Only
        aliases of four characters or more count, one character wrong in up to seven,
        two from eight on; the hit's ``start``/``end`` say where in ``text`` it
        stands."""
        key = ("closest", text, "")
        if key in self.memo:
            return self.memo[key]  # type: ignore[return-value]
        best: dict[str, tuple[int, LabelHit]] = {}
        for alias, (row_key, axis, templates) in self.contains.items():
            allowed = min(2, len(alias) // 4)
            if axis == "group" or allowed == 0:
                continue
            found = approximate_find(alias, text, allowed)
            if found is None:
                continue
            distance, start, end = found
            if row_key not in best or distance < best[row_key][0]:
                best[row_key] = (distance, LabelHit(row_key, axis, start, end, alias,
                                                    templates))
        # Nearest first; on a tie the one ending last, as for exact aliases (a wrapped
        # or grouped label ends with its most specific part: （三）不予公开 5.属于…).
        ranked = sorted(((d, -h.end, h) for d, h in best.values()), key=lambda r: r[:2])
        hit = None
        if ranked and (len(ranked) == 1 or ranked[0][:2] != ranked[1][:2]):
            hit = ranked[0][2]
        self._remember(key, hit)
        return hit


def approximate_find(pattern: str, text: str, allowed: int) -> tuple[int, int, int] | None:
    """Where ``pattern`` stands in ``text`` with the fewest characters inserted,
    deleted or replaced, if at most ``allowed``: (distance, start, end); None else.

    The edit distance with a free start and end in ``text`` (semi-global alignment),
    row by row over ``pattern``; a row whose best is already over ``allowed`` ends the
    search, since later rows never do better.
    """
    if len(pattern) - allowed > len(text) or len(set(pattern) - set(text)) > allowed:
        return None
    n = len(text)
    previous = [0] * (n + 1)
    starts = list(range(n + 1))  # where the alignment ending at each column starts
    for i, char in enumerate(pattern, 1):
        current, current_starts = [i] + [0] * n, [0] * (n + 1)
        for j in range(1, n + 1):
            options = ((previous[j - 1] + (char != text[j - 1]), starts[j - 1]),
                       (previous[j] + 1, starts[j]), (current[j - 1] + 1, current_starts[j - 1]))
            current[j], current_starts[j] = min(options)
        if min(current) > allowed:
            return None
        previous, starts = current, current_starts
    distance = min(previous)
    end = n - previous[::-1].index(distance)  # (the last place it ends that near)
    return distance, starts[end], end


@dataclass(frozen=True, slots=True)
class LabelCatalog:
    """Matchers for every table and axis of ``labels.csv``."""

    matchers: dict[tuple[str, str], AxisMatcher]

    def matcher(self, table: str, axis: str) -> AxisMatcher:
        return self.matchers.get((table, axis)) or AxisMatcher()


def _add_alias(target: AxisMatcher, row: dict[str, str], axis: str) -> None:
    alias = normalise_label(row["alias"])
    templates = frozenset(row["templates"].split())
    if row["match"] == "exact":
        bare = strip_numbering(alias)
        previous_exact = target.exact.get(bare)
        if previous_exact and previous_exact[0] != row["key"]:
            raise MapError(
                f"labels.csv: exact alias {bare!r} of {row['table']} means both "
                f"{previous_exact[0]!r} and {row['key']!r}"
            )
        target.exact[bare] = (row["key"], templates)
        return
    if row["match"] != "contains":
        raise MapError(f"labels.csv: match must be contains or exact, not {row['match']!r}")
    previous = target.contains.get(alias)
    if previous and previous[:2] != (row["key"], axis):
        raise MapError(
            f"labels.csv: alias {alias!r} of {row['table']} means both "
            f"{previous[0]!r} and {row['key']!r}"
        )
    target.contains[alias] = (row["key"], axis, templates)


@cache
def label_catalog() -> LabelCatalog:
    """Build the matchers from ``maps/labels.csv``.

    Group aliases are added to the row and column matchers of their table: they are
    found (and so shield the shorter aliases inside them) but never returned as keys.
    """
    matchers: dict[tuple[str, str], AxisMatcher] = {}
    rows = read_map("labels")
    for row in rows:
        if row["axis"] != "group":
            _add_alias(matchers.setdefault((row["table"], row["axis"]), AxisMatcher()), row,
                       row["axis"])
    for row in rows:
        if row["axis"] == "group":
            for axis in ("row", "col", "block"):
                if (row["table"], axis) in matchers:
                    _add_alias(matchers[(row["table"], axis)], row, "group")
    for m in matchers.values():
        m.compile()
    return LabelCatalog(matchers)


@cache
def table_start_pattern() -> re.Pattern[str]:
    """Finds, in un-normalised text, the first anchor that can start a table.

    Lets the engine skip the prose before the tables without reading it. Spaces may
    fall anywhere inside a printed label (``第二十条 第（一）项``), so the pattern allows
    whitespace between every two characters. 表四's anchor is left out: prose before
    the tables mentions 行政复议 too.
    """
    aliases = [
        normalise_label(r["alias"]) for r in read_map("labels")
        if r["axis"] == "anchor" and r["key"] == "start" and r["table"] != "reviews_litigation"
    ]
    return re.compile("|".join(r"\s*".join(map(re.escape, a)) for a in aliases))


@cache
def anchor_matcher() -> AxisMatcher:
    """All anchors in one matcher: a hit's key is the table it starts, or ``end``."""
    matcher = AxisMatcher()
    for row in read_map("labels"):
        if row["axis"] == "anchor":
            key = "end" if row["key"] == "end" else row["table"]
            matcher.contains[normalise_label(row["alias"])] = (key, "anchor", frozenset())
    matcher.compile()
    return matcher
