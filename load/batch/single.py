"""Files extracted one by one, each within the per-file limits: ``xxgk extract``.

A file a user asks about may be hostile as well as a crawled one: it is parsed in a
worker process of ``load.batch.pool`` under ``load.batch.limits``, as in a run, so a
PDF that would take minutes and gigabytes costs its limit and a line on stderr, never
the machine or the files after it. One worker serves all the files of a command; a
file past a limit ends it, and the next file gets a fresh one.
"""

from __future__ import annotations

from pathlib import Path

from extract.report import ExtractedReport, extract_file
from load.batch.limits import file_limits
from load.batch.pool import WorkerPool, limited


def extracting_pool() -> WorkerPool:
    """One worker, within the limits the settings give (enter it to start it);
    ``LimitsError`` for a setting that is no positive number."""
    return WorkerPool(1, preload=[__name__], limits=file_limits())


def extract_within_limits(path: str, agency: str | None,
                          year: int | None) -> ExtractedReport:
    """``extract_file`` as one piece of work of the worker it runs in (the time limit
    applies to it; see ``load.batch.pool.limited``)."""
    with limited(path):
        return extract_file(Path(path), agency=agency, year=year)


__all__ = ["extract_within_limits", "extracting_pool"]
