"""Compare extracted facts with a generated report's truth, cell by cell.

Used by the round-trip tests and the benchmark, so both judge "every cell right"
the same way: the same keys, the same cell kinds, values equal to within 1e-6.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

Key = tuple[str, str, str]


def _index(facts: Iterable[Mapping[str, object]]) -> dict[Key, tuple[object, object]]:
    return {(str(f["table"]), str(f["row_key"]), str(f["col_key"])): (f["value"], f["cell"])
            for f in facts}


def _same_value(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is b
    x, y = float(a), float(b)  # type: ignore[arg-type]
    return abs(x - y) <= 1e-6 * max(1.0, abs(y))


def cell_differences(extracted: Iterable[Mapping[str, object]],
                     truth: Iterable[Mapping[str, object]]) -> list[str]:
    """Every disagreement, as ``table/row/col: got …, want …``; empty when all agree."""
    got, want = _index(extracted), _index(truth)
    out = []
    for key in sorted(set(got) | set(want)):
        g, w = got.get(key), want.get(key)
        if g is None or w is None or g[1] != w[1] or not _same_value(g[0], w[0]):
            out.append(f"{'/'.join(key)}: got {g}, want {w}")
    return out
