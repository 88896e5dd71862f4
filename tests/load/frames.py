"""Small generated frames for the warehouse tests (and the crash test's child process).

A *batch* is the rows one run would publish for some agencies and years: facts of 表三
(with the carry rows the cross-year rule reads), one report row per file and a few
per-report checks. ``variant`` changes every value, so that two batches of the same
files differ everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from load.manifest import RunInfo
from load.schema import as_table, conform, empty_frame
from load.staging import write_staged
from load.warehouse import PublishSummary, Warehouse

COLS = ("natural_person", "commercial", "total")
ROWS = ("new_received", "carried_over", "total", "carried_forward")


@dataclass(frozen=True)
class Batch:
    facts: pd.DataFrame
    reports: pd.DataFrame
    checks: pd.DataFrame

    def kwargs(self) -> dict[str, pd.DataFrame]:
        return {"facts": self.facts, "reports": self.reports, "checks": self.checks}


def source_of(agency: str, year: int | None) -> str:
    return f"{agency}/{year if year is not None else 'unknown'}.txt"


def facts_of(agency: str, year: int, variant: int = 0) -> pd.DataFrame:
    src = source_of(agency, year)
    rows = []
    for r, row in enumerate(ROWS):
        for c, col in enumerate(COLS):
            value = None if (r + c + variant) % 5 == 4 else float(year % 10 + r + c + variant)
            rows.append({
                "year": year, "agency_id": agency, "agency": f"区{agency}局", "agency_kind": "区政府部门",
                "template": "2021",
                "table": "applications", "row_key": row, "col_key": col, "value": value,
                "unit": "count", "cell": "blank" if value is None else "number",
                "raw_row_label": f"行{r}", "raw_col_label": f"列{c}",
                "raw_value": "" if value is None else f"{value:g}",
                "source": src, "source_sha256": f"sha-{src}-{variant}", "line": 10 + r,
            })
    return conform(pd.DataFrame(rows), "facts")


def report_of(agency: str, year: int | None, variant: int = 0, *, status: str = "ok",
              run_id: str = "run") -> pd.DataFrame:
    src = source_of(agency, year)
    row = {
        "year": year, "agency_id": agency if year is not None else None,
        "agency": f"区{agency}局", "agency_kind": "区政府部门",
        "template": "2021" if year else None, "source": src,
        "source_sha256": f"sha-{src}-{variant}", "bytes": 1000 + variant, "encoding": "utf-8",
        "format": "pipe", "title": f"{year}年度报告", "status": status,
        "error": None if status == "ok" else "no year found", "n_facts": 12,
        "n_checks_failed": variant % 2, "run_id": run_id,
        "processed_at": pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(seconds=variant),
        "n_warnings": 1, "warnings": "line 3: unknown label\nline 9: short row",
        "superseded_by": None, "source_mtime_ns": 1_700_000_000_000_000_000 + variant,
        "stale": False,
        "facts_sha256": f"sha-{src}-{variant}" if status != "failed" else None,
    }
    return conform(pd.DataFrame([row]), "reports")


def checks_of(agency: str, year: int, variant: int = 0) -> pd.DataFrame:
    src = source_of(agency, year)
    rows = [{
        "year": year, "agency_id": agency, "agency": f"区{agency}局",
        "agency_kind": "区政府部门", "source_sha256": f"sha-{src}-{variant}",
        "rule": "applications.row_sum", "table": "applications", "row_key": row,
        "col_key": "total", "expected": float(variant), "actual": float(variant + i % 2),
        "passed": i % 2 == 0, "source": src, "other_source": None,
    } for i, row in enumerate(ROWS)]
    return conform(pd.DataFrame(rows), "checks")


def _concat(frames: Iterable[pd.DataFrame], name: str) -> pd.DataFrame:
    parts = [f for f in frames if len(f)]
    return pd.concat(parts, ignore_index=True) if parts else empty_frame(name)


def batch(agencies: Iterable[str], years: Iterable[int], variant: int = 0, *,
          failed: Iterable[str] = (), run_id: str = "run") -> Batch:
    """Reports of ``agencies`` × ``years``, plus a failed report of unknown year for
    each agency in ``failed``."""
    pairs = [(a, y) for a in agencies for y in years]
    reports = [report_of(a, y, variant, run_id=run_id) for a, y in pairs]
    reports += [report_of(a, None, variant, status="failed", run_id=run_id) for a in failed]
    return Batch(
        facts=_concat((facts_of(a, y, variant) for a, y in pairs), "facts"),
        reports=_concat(reports, "reports"),
        checks=_concat((checks_of(a, y, variant) for a, y in pairs), "checks"),
    )


def merge(*batches: Batch) -> Batch:
    return Batch(
        facts=_concat((b.facts for b in batches), "facts"),
        reports=_concat((b.reports for b in batches), "reports"),
        checks=_concat((b.checks for b in batches), "checks"),
    )


def publish(wh: Warehouse, *, facts: pd.DataFrame, reports: pd.DataFrame,
            checks: pd.DataFrame, replace_sources: Iterable[str] = (),
            info: RunInfo | None = None) -> PublishSummary:
    """Publish rows as a run does: staged on disk by one batch, then published."""
    tables = {"facts": as_table(facts, "facts"), "reports": as_table(reports, "reports"),
              "checks": as_table(checks, "checks")}
    with wh.staging("test") as folder:
        return wh.publish_staged([write_staged(folder, tables)],
                                 replace_sources=list(replace_sources), info=info)


def two_publishes_during_first_read(root: Path, read: Callable[..., object]
                                    ) -> Callable[..., object]:
    """``read``, wrapped to publish twice into ``root`` the first time it is called
    on the snapshot current now: the snapshot a reader pinned is deleted under it."""
    first = Warehouse(root).current()
    assert first is not None

    def reading(*args: object) -> object:
        current = Warehouse(root).current()
        if current is not None and current.id == first.id:
            for variant in (1, 2):
                publish(Warehouse(root, durable=False),
                        **batch("ABC", [2020, 2021], variant).kwargs())
        return read(*args)

    return reading
