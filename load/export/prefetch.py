"""Read the next table while this one is written.

An export's time is DuckDB computing a view, then Python handing its cells to the
writer; DuckDB works without the interpreter's lock, so a thread can compute the next
sheet's rows meanwhile. The thread is the only user of the connection until it ends,
and it always ends before :func:`prefetched` returns, so the connection can be closed
after.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")
_END = object()


def prefetched(items: Iterator[T], ahead: int = 1) -> Iterator[T]:
    """The items of ``items``, each taken from it in a thread up to ``ahead`` items
    before the caller asks for it; an error of ``items`` is raised to the caller, where
    it would have been."""
    waiting: queue.Queue[tuple[object, BaseException | None]] = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def fill() -> None:
        try:
            for item in items:
                waiting.put((item, None))
                if stop.is_set():
                    return
            waiting.put((_END, None))
        except BaseException as err:  # handed to the caller, raised there
            waiting.put((_END, err))

    thread = threading.Thread(target=fill, name="xxgk-export-read", daemon=True)
    thread.start()
    try:
        while True:
            item, error = waiting.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while thread.is_alive():  # let it put what it holds, then end
            with contextlib.suppress(queue.Empty):
                waiting.get(timeout=0.05)
        thread.join()


__all__ = ["prefetched"]
