"""Child process of the reader test: publishes generation after generation, then exits.

Generation ``g`` replaces every report of agencies A–D: years 2019–2021, and 2022 when
``g`` is odd (removed again when even), values and hashes of variant ``g``. So a read
of one snapshot holds one variant only, and as many rows as that generation has: a mix
of two snapshots shows. Usage: ``python publisher_child.py WAREHOUSE GENERATIONS``;
says ``ready`` once generation 0 is published, waits for a line on stdin, then says
``published g`` after each generation.
"""

from __future__ import annotations

import sys
import time
from functools import cache
from pathlib import Path

import pandas as pd

# This checkout's code, whatever the environment has installed, and the test helpers.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from frames import Batch, batch, publish, source_of

from load.warehouse import Warehouse

AGENCIES = "ABCD"
FACTS_PER_REPORT = 12


def years(g: int) -> tuple[int, ...]:
    return tuple(range(2019, 2023 if g % 2 else 2022))


@cache
def _made(odd: bool) -> Batch:
    return batch(AGENCIES, years(int(odd)))


def _of_generation(frame: pd.DataFrame, g: int) -> pd.DataFrame:
    return frame.assign(source_sha256="sha-" + frame["source"] + f"-{g}")


def generation(g: int) -> Batch:
    """The rows of generation ``g`` (made once per parity: making rows costs more than
    publishing them)."""
    made = _made(bool(g % 2))
    return Batch(*(_of_generation(frame, g) for frame in (made.facts, made.reports,
                                                           made.checks)))


def variant(source_sha256: str) -> int:
    """The generation a row was published by (``frames``: ``sha-<source>-<variant>``)."""
    return int(source_sha256.rsplit("-", 1)[1])


def rows(g: int, dataset: str) -> int:
    reports = len(AGENCIES) * len(years(g))
    return reports * FACTS_PER_REPORT if dataset == "facts" else reports


def publish_generation(wh: Warehouse, g: int) -> None:
    gone = [source_of(a, 2022) for a in AGENCIES]  # when generation g has no 2022
    publish(wh, **generation(g).kwargs(), replace_sources=gone)


def main(root: str, generations: int) -> None:
    wh = Warehouse(root, durable=False)
    publish_generation(wh, 0)
    print("ready", flush=True)
    sys.stdin.readline()
    for g in range(1, generations + 1):
        started = time.perf_counter()
        publish_generation(wh, g)
        print("published", g, f"{time.perf_counter() - started:.3f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
