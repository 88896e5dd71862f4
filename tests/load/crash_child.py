"""Child process of the crash test: publishes generation after generation until killed.

Generation ``g`` republishes agency ``"ABC"[g % 3]`` (every year, values of variant
``g``, ``run_id`` ``g``); its failed report of unknown year is present when ``g`` is
even and removed (``replace_sources``) when odd. So the warehouse content after
generation ``g`` is a function of ``g`` alone: :func:`state`.
Usage: ``python crash_child.py WAREHOUSE [memory|staged]`` — says ``ready``, waits for
a line on stdin, then loops, saying ``published g`` after each generation. ``staged``
publishes as a run does: the rows staged in the warehouse's staging folder first.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This checkout's code, whatever the environment has installed, and the test helpers.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from frames import Batch, batch, merge, publish, source_of

from load.warehouse import Warehouse

AGENCIES = "ABC"
YEARS = (2019, 2020, 2021)


def step(agency: str, g: int) -> Batch:
    failed = agency if g % 2 == 0 else ""
    return batch(agency, YEARS, g, failed=failed, run_id=str(g))


def state(g: int) -> Batch:
    """Everything published after generation ``g`` (generation 0: all agencies)."""
    parts = []
    for i, agency in enumerate(AGENCIES):
        last = g - ((g - i) % 3)
        parts.append(step(agency, last if last >= 1 else 0))
    return merge(*parts)


def generation(wh: Warehouse) -> int:
    run_ids = wh.ledger()["run_id"]
    return max(int(r) for r in run_ids) if len(run_ids) else -1


def main(root: str) -> None:
    wh = Warehouse(root, durable=False)
    print("ready", flush=True)
    sys.stdin.readline()
    g = generation(wh)
    while True:
        g += 1
        agency = AGENCIES[g % 3]
        publish(wh, **step(agency, g).kwargs(), replace_sources=[source_of(agency, None)])
        print("published", g, flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
