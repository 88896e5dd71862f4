"""Decide which source files a run processes, and cut them into batches.

The nightly run is incremental: a file whose bytes (sha256) were already processed
from the same path is skipped (the same bytes give the same result), so a night with
nothing new does nothing; new and changed files are processed. Operators retry what
failed or is partial (``--failed``, e.g. after a fix), narrow a run to agencies
(``--agency``) or years (``--year``), or reprocess everything (``--full``).
Planning reads only the ledger and the crawl, so a run with nothing to do can stop
before any orchestration starts.

Batches keep one agency's files together (a rerun of an agency is then one or two
tasks) and are sized so that both cores get work while the per-task cost of the
orchestrator stays a small fraction of the parsing.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from extract.report import identity_from_path
from extract.source import Source, SourceFile
from transform.agencies import AgencyRegistry

# Reports per task: ≈ 4 ms of parsing each, so a full batch is ≈ 1 s of work against
# ≈ 10 ms (+ server CPU) of orchestration per task.
MAX_BATCH = 250
MIN_BATCH = 10
NOT_OK = frozenset({"failed", "partial"})


@dataclass(frozen=True, slots=True)
class Selection:
    """What the operator asked for (all empty: the nightly default)."""

    agencies: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    failed_only: bool = False
    full: bool = False


@dataclass(slots=True)
class Plan:
    """The files to process, the files left alone, and why."""

    todo: list[SourceFile] = field(default_factory=list)
    skipped: list[SourceFile] = field(default_factory=list)  # not reports
    reasons: Counter[str] = field(default_factory=Counter)
    agency_ids: dict[str, str | None] = field(default_factory=dict)  # path -> agency_id

    @property
    def empty(self) -> bool:
        return not self.todo

    def describe(self) -> str:
        parts = [f"{n} {why}" for why, n in sorted(self.reasons.items())]
        return ", ".join(parts) if parts else "no files"


def _ledger_index(ledger: pd.DataFrame) -> dict[str, dict[str, object]]:
    if ledger.empty:
        return {}
    columns = ["source", "source_sha256", "status", "agency_id", "year"]
    return {str(row["source"]): row for row in ledger[columns].to_dict("records")}


def _file_identity(file: SourceFile, last: dict[str, object] | None,
                   registry: AgencyRegistry) -> tuple[str | None, int | None]:
    """agency_id and year of a file from its path layout, else from its last load."""
    agency, year = identity_from_path(Path(file.path))
    agency_id = registry.resolve(agency).agency_id if agency else None
    if last is not None:
        agency_id = agency_id or _str_or_none(last.get("agency_id"))
        year = year if year is not None else _int_or_none(last.get("year"))
    return agency_id, year


def _str_or_none(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def _int_or_none(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)  # type: ignore[call-overload]


def _why(file: SourceFile, last: dict[str, object] | None,
         selection: Selection) -> tuple[bool, str]:
    """Whether the file is processed, and why (the plan's reason counts).

    The same bytes give the same result, so an unchanged file is left alone whatever
    its last status; ``--failed`` retries the failed and partial ones (after a fix of
    the code or the registry), changed or not.
    """
    if last is None:
        return (False, "new, left for a run without --failed") if selection.failed_only \
            else (True, "new")
    changed = last["source_sha256"] != file.sha256
    status = str(last["status"])
    if selection.failed_only:
        if status in NOT_OK:
            return True, f"previously {status}" + (", changed" if changed else "")
        return (False, "changed, left for a run without --failed") if changed \
            else (False, "unchanged")
    if changed:
        return True, f"previously {status}, changed" if status in NOT_OK else "changed"
    if selection.full or selection.agencies or selection.years:
        if status in NOT_OK:
            return True, f"previously {status}"
        return True, "reprocessed (--full)" if selection.full else "reprocessed (selected)"
    if status in NOT_OK:
        return False, f"unchanged and {status} (rerun them with --failed)"
    return False, "unchanged"


def plan_run(files: Iterable[SourceFile], ledger: pd.DataFrame, selection: Selection,
             registry: AgencyRegistry) -> Plan:
    """Pick the files this run processes."""
    wanted_ids = {registry.resolve(name).agency_id for name in selection.agencies}
    index = _ledger_index(ledger)
    plan = Plan()
    for file in files:
        if not file.is_report:
            plan.skipped.append(file)
            plan.reasons["not reports"] += 1
            continue
        last = index.get(file.path)
        agency_id, year = _file_identity(file, last, registry)
        if (wanted_ids and agency_id not in wanted_ids) or (
                selection.years and year not in selection.years):
            continue
        todo, why = _why(file, last, selection)
        plan.reasons[why] += 1
        if not todo:
            continue
        plan.todo.append(file)
        plan.agency_ids[file.path] = agency_id
    return plan


def batch_size(n_files: int, workers: int) -> int:
    """Files per batch: at least two batches per worker when there is enough work,
    so that both cores stay busy until the end, and never more than MAX_BATCH."""
    if n_files <= 0:
        return MIN_BATCH
    return max(MIN_BATCH, min(MAX_BATCH, math.ceil(n_files / (2 * max(1, workers)))))


def batches(plan: Plan, workers: int, size: int | None = None) -> list[list[SourceFile]]:
    """The plan's files in batches, one agency's files kept together where they fit."""
    size = size or batch_size(len(plan.todo), workers)
    ordered = sorted(plan.todo, key=lambda f: (plan.agency_ids.get(f.path) or "", f.path))
    groups: dict[str, list[SourceFile]] = {}
    for file in ordered:
        groups.setdefault(plan.agency_ids.get(file.path) or file.path, []).append(file)
    out: list[list[SourceFile]] = []
    current: list[SourceFile] = []
    for group in groups.values():
        if current and len(current) + len(group) > size:
            out.append(current)
            current = []
        for file in group:  # an agency larger than a batch is split
            current.append(file)
            if len(current) >= size:
                out.append(current)
                current = []
    if current:
        out.append(current)
    return out


def plan_source(source: Source, ledger: pd.DataFrame, selection: Selection,
                registry: AgencyRegistry) -> Plan:
    """Crawl ``source`` and plan the run against the warehouse's ledger."""
    return plan_run(source.files(), ledger, selection, registry)


__all__ = ["Plan", "Selection", "batch_size", "batches", "plan_run", "plan_source"]
