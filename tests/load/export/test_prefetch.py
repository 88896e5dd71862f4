"""Reading the next table in a thread: the items in order, an error where it would have
been, and no thread left behind when the caller stops early."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from load.export.prefetch import prefetched


def _counting(n: int, fail_at: int | None = None) -> Iterator[int]:
    for i in range(n):
        if i == fail_at:
            raise ValueError(f"item {i}")
        yield i


def _readers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "xxgk-export-read"]


def test_items_in_order() -> None:
    assert list(prefetched(_counting(20))) == list(range(20))
    assert list(prefetched(iter([]))) == []
    assert not _readers()


def test_an_error_reaches_the_caller_after_the_items_before_it() -> None:
    got: list[int] = []
    with pytest.raises(ValueError, match="item 3"):
        for item in prefetched(_counting(10, fail_at=3)):
            got.append(item)
    assert got == [0, 1, 2]
    assert not _readers()


def test_stopping_early_ends_the_thread() -> None:
    taken: list[int] = []

    def watched() -> Iterator[int]:
        for i in range(1000):
            taken.append(i)
            yield i

    items = prefetched(watched())
    assert next(items) == 0
    items.close()
    assert not _readers()
    assert len(taken) <= 3  # it stopped reading too
