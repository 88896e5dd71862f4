"""Turn source files into warehouse rows: extract, canonicalise, check, classify.

This is the work one pipeline batch does, as plain Python so that it runs the same in
a Prefect task, a worker process, a Dask worker or a unit test. A batch's rows either
come back in memory (:func:`process_batch`) or are staged as Parquet files in the run's
staging folder, only their description coming back (:func:`stage_batch`, see
``load.staging``): what a large run does, so that its rows never pile up in the
flow's process. For each file it reads
the bytes (refusing what is too large), extracts the report, resolves the agency
through the registry, and produces the rows of the three warehouse datasets plus an
outcome line for the run summary. Every failure is caught per file: one broken
report costs its own row (status ``failed`` with the reason), never the batch.
Only transient read errors escape, so that the caller can retry them.

Each file's parsing is one piece of work of the worker process it runs in
(``load.batch.pool.limited``): it may spend ``XXGK_FILE_CPU_SECONDS`` of processor time
and the call ``XXGK_FILE_MEMORY_MB`` of memory (:func:`file_limits`). A file past either
limit ends its worker; :func:`run_limited` then runs the batch again with that file
refused (recorded as failed, ``resource limit: time`` or ``resource limit: memory``,
without being parsed), so its batch-mates' rows are those of a run where it merely
failed. Every batch is parsed in a worker, a run's single batch too. Files are read one
at a time, just before they are parsed: a batch's bytes are never all held at once.

When several files of a batch hold the same agency-year (a ``.txt`` beside its
``.html``), every one is extracted and keeps its ``reports`` row, but only the best
one's facts and checks are kept, with ``cross_file`` checks comparing it cell by cell
with the others (``load.batch.siblings``); the planner puts all files of an agency-year
in one batch (``load.batch.plan``).
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import threading
import traceback
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa

from extract.model import ExtractedReport, Warning_
from extract.reading import MAX_PDF_BYTES, MAX_TEXT_BYTES, ReportError
from extract.report import extract_bytes, identity_from_path
from extract.source import Source, SourceFile, TransientReadError, open_source
from load.batch.limits import (
    MEMORY_LIMIT,
    TIME_LIMIT,
    LimitsError,
    ended_reason,
    file_limits,
)
from load.batch.pool import Limits, WorkerCrashed, WorkerPool, limited
from load.batch.siblings import CROSS_FILE_RULE, CellComparison, Resolution, Sibling, resolve
from load.schema import DATASETS, SchemaError, arrow_schema, as_table, empty_frame, working_schema
from load.snapshot import frame_of
from load.staging import StagedRows, restage_without, write_staged
from transform.agencies import Agency, AgencyRegistry, load_registry
from transform.warnings import warning_statuses

log = logging.getLogger(__name__)

OK, PARTIAL, FAILED, SKIPPED = "ok", "partial", "failed", "skipped"
REMOVED = "removed"  # a file no longer in the source: its facts and checks withdrawn
GONE = "no longer in the source"
# The reasons of a file past a limit (its ``reports.error``).
R = TypeVar("R")

AgencyYear = tuple[str, int]  # (agency_id, statistics year)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One file's result, for the run summary and the logs. A file whose agency-year
    was read from another file instead names that file (``superseded_by``) and the
    cells where the two disagree."""

    source: str
    status: str
    error: str
    agency: str | None
    year: int | None
    warnings: tuple[str, ...] = ()
    superseded_by: str | None = None
    disagreements: int = 0
    checks_failed: int = 0  # the report's own consistency checks that failed


class BatchResult:
    """The rows a batch adds to the warehouse, and what happened to each file.

    The rows are held as arrow tables (``tables``, see :func:`working_schema`), which
    is what the flow ships between processes and publishes; ``facts``, ``reports``
    and ``checks`` give them as conformed pandas frames, made on first use.
    ``agency_years`` maps each file whose agency-year the extraction resolved to it:
    the flow checks with it that no agency-year was split between batches.
    """

    __slots__ = ("_frames", "agency_years", "outcomes", "tables")

    def __init__(self, facts: pd.DataFrame | pa.Table, reports: pd.DataFrame | pa.Table,
                 checks: pd.DataFrame | pa.Table, outcomes: list[Outcome] | None = None,
                 agency_years: Mapping[str, AgencyYear] | None = None) -> None:
        self.tables: dict[str, pa.Table] = {
            "facts": as_table(facts, "facts"), "reports": as_table(reports, "reports"),
            "checks": as_table(checks, "checks"),
        }
        self.outcomes: list[Outcome] = list(outcomes or [])
        self.agency_years: dict[str, AgencyYear] = dict(agency_years or {})
        self._frames: dict[str, pd.DataFrame] = {}

    def _frame(self, name: str) -> pd.DataFrame:
        if name not in self._frames:
            self._frames[name] = frame_of(self.tables[name], name)
        return self._frames[name]

    @property
    def facts(self) -> pd.DataFrame:
        return self._frame("facts")

    @property
    def reports(self) -> pd.DataFrame:
        return self._frame("reports")

    @property
    def checks(self) -> pd.DataFrame:
        return self._frame("checks")

    def __getstate__(self) -> tuple[dict[str, pa.Table], list[Outcome],
                                    dict[str, AgencyYear]]:
        return self.tables, self.outcomes, self.agency_years  # never the pandas frames

    def __setstate__(self, state: tuple[dict[str, pa.Table], list[Outcome],
                                        dict[str, AgencyYear]]) -> None:
        self.tables, self.outcomes, self.agency_years = state
        self._frames = {}

    def __repr__(self) -> str:
        counts = ", ".join(f"{n} {t.num_rows}" for n, t in self.tables.items())
        return f"BatchResult({counts}, {len(self.outcomes)} outcomes)"


class _Columns:
    """One dataset's rows, kept column by column as they are made: a list slot costs 8
    bytes a value where a dict per row costs ≈ 1 KB (≈ 50,000 facts a batch: the bulk
    of a worker's peak memory when rows were dicts)."""

    __slots__ = ("values",)

    def __init__(self, name: str) -> None:
        self.values: dict[str, list[Any]] = {f.name: [] for f in arrow_schema(name)}

    def __len__(self) -> int:
        return len(self.values["source"])

    def append(self, row: dict[str, Any]) -> None:
        for name, column in self.values.items():
            column.append(row[name])

    def extend(self, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            self.append(row)


@dataclass(frozen=True, slots=True)
class _Placed:
    """Where one file's rows sit in the batch's columns: what settling its agency-year
    with the other files of it needs (a few integers a file, no copy of its rows)."""

    agency_year: AgencyYear
    report: int  # index of its reports row
    outcome: int  # index of its outcome
    facts: range
    checks: range


@dataclass(slots=True)
class _Rows:
    facts: _Columns = field(default_factory=lambda: _Columns("facts"))
    reports: _Columns = field(default_factory=lambda: _Columns("reports"))
    checks: _Columns = field(default_factory=lambda: _Columns("checks"))
    outcomes: list[Outcome] = field(default_factory=list)
    placed: list[_Placed] = field(default_factory=list)
    # Rows of superseded files, left out when the batch's tables are made.
    superseded: dict[str, list[range]] = field(
        default_factory=lambda: {"facts": [], "checks": []})

    def mark(self) -> tuple[int, int]:
        """Where the next file's facts and checks will start."""
        return len(self.facts), len(self.checks)

    def place(self, start: tuple[int, int]) -> None:
        """Record the rows of the file just added, when its agency-year is known."""
        agency_id = self.reports.values["agency_id"][-1]
        year = self.reports.values["year"][-1]
        if agency_id is None or year is None:
            return
        self.placed.append(_Placed(
            (agency_id, year), len(self.reports) - 1, len(self.outcomes) - 1,
            range(start[0], len(self.facts)), range(start[1], len(self.checks))))

    def agency_years(self) -> dict[str, AgencyYear]:
        sources = self.reports.values["source"]
        return {sources[p.report]: p.agency_year for p in self.placed}


def status_of(warnings: Sequence[Warning_]) -> str:
    """``partial`` when a warning means cells are missing, else ``ok``. A code the
    map lacks counts as partial: an unknown problem is worth a rerun."""
    statuses = warning_statuses()
    return PARTIAL if any(statuses.get(w.code, PARTIAL) == PARTIAL for w in warnings) else OK


def describe_warning(warning: Warning_) -> str:
    where = f" (line {warning.line})" if warning.line else ""
    return f"{warning.code}: {warning.message}{where}"


def read_limited(source: Source, path: str) -> bytes:
    """The file's bytes, refusing files too large to be a report."""
    data = source.read(path)
    limit = MAX_PDF_BYTES if path.lower().endswith(".pdf") else MAX_TEXT_BYTES
    if len(data) > limit:
        raise ReportError(f"too large for a report (more than {limit // 2**20} MB)")
    return data


class ReportProcessor:
    """Processes files of one source into rows, under one run id and timestamp."""

    def __init__(self, source: Source, registry: AgencyRegistry, run_id: str,
                 processed_at: datetime) -> None:
        self.source = source
        self.registry = registry
        self.run_id = run_id
        self.processed_at = processed_at

    def process(self, files: Sequence[SourceFile],
                refused: Mapping[str, str] | None = None) -> BatchResult:
        """Every file of the batch, each read just before it is parsed (a transient read
        error escapes, for the caller to retry the batch). A file in ``refused`` is read
        (its hash is recorded) but not parsed: it fails with the reason given."""
        refused = refused or {}
        rows = _Rows()
        for file in files:
            if not file.is_report:
                rows.outcomes.append(Outcome(file.path, SKIPPED, file.reason, None, None))
                continue
            start = rows.mark()
            self._process_one(file, self._read(file), rows, refused.get(file.path))
            rows.place(start)
        _settle_agency_years(rows)
        return _frames(rows)

    def _read(self, file: SourceFile) -> bytes | Exception:
        """The file's bytes, or the error that makes it fail; a transient one is raised."""
        try:
            return read_limited(self.source, file.path)
        except TransientReadError:
            raise
        except (OSError, ReportError) as err:
            return err

    def fail_all(self, files: Sequence[SourceFile], reason: str) -> BatchResult:
        """Rows for files whose batch could not run at all (a read error that outlived
        its retries, a crashed worker): each is recorded as failed with the reason."""
        rows = _Rows()
        for file in files:
            agency, year = identity_from_path(Path(file.path))
            self._failed(file, file.sha256, file.bytes, agency, year, reason, rows)
        return _frames(rows)

    def _process_one(self, file: SourceFile, data: bytes | Exception, rows: _Rows,
                     refused: str | None = None) -> None:
        path_agency, path_year = identity_from_path(Path(file.path))
        digest = file.sha256
        size = file.bytes
        try:
            if isinstance(data, Exception):
                raise data
            # The file's own piece of work: in a pool's worker, its time is limited.
            with limited(file.path):
                digest, size = hashlib.sha256(data).hexdigest(), len(data)  # as parsed
                if refused is not None:
                    raise ReportError(refused)
                report = extract_bytes(data, name=file.path, agency=path_agency,
                                       year=path_year)
        except (ReportError, OSError) as err:
            reason = _reason(err)
            self._failed(file, digest, size, path_agency, path_year, reason, rows)
            return
        except MemoryError:  # past the worker's memory limit, in Python code
            self._failed(file, digest, size, path_agency, path_year, MEMORY_LIMIT, rows)
            return
        except Exception as err:  # a bug must cost one file, not the run
            log.error("%s: internal error\n%s", file.path, traceback.format_exc())
            reason = f"internal error: {type(err).__name__}: {err}"
            self._failed(file, digest, size, path_agency, path_year, reason, rows)
            return
        self._add_report(file, digest, size, report, rows)

    def _failed(self, file: SourceFile, digest: str, size: int, agency: str | None,
                year: int | None, reason: str, rows: _Rows) -> None:
        resolved = self.registry.resolve(agency) if agency else None
        rows.reports.append(self._report_row(
            file, digest, size, resolved, year, status=FAILED, error=reason))
        rows.outcomes.append(Outcome(file.path, FAILED, reason,
                                     resolved.name if resolved else None, year))

    def _add_report(self, file: SourceFile, digest: str, size: int, report: ExtractedReport,
                    rows: _Rows) -> None:
        path = file.path
        missing = [what for what, v in (("agency", report.agency), ("year", report.year))
                   if v is None]
        resolved = self.registry.resolve(report.agency) if report.agency else None
        if missing:
            reason = (f"no {' and no '.join(missing)}: neither the folder layout "
                      "<agency>/<year>.<ext> nor the report's title or opening lines "
                      "name it")
            rows.reports.append(self._report_row(file, digest, size, resolved, report.year,
                                                 status=FAILED, error=reason, report=report))
            rows.outcomes.append(Outcome(path, FAILED, reason, report.agency, report.year))
            return
        assert resolved is not None and report.year is not None
        warnings = list(report.warnings)
        if not resolved.known:
            warnings.append(Warning_(
                "agency_unregistered", f"agency {report.agency!r} is not in the agency "
                f"registry; loaded under the new id {resolved.agency_id}"))
        status = status_of(warnings)
        texts = tuple(describe_warning(w) for w in warnings)
        error = "; ".join(describe_warning(w) for w in warnings
                          if warning_statuses().get(w.code, PARTIAL) == PARTIAL)
        base = {"year": report.year, "agency_id": resolved.agency_id,
                "agency": resolved.name, "agency_kind": resolved.kind, "source": path,
                "source_sha256": digest}
        rows.facts.extend(_fact_rows(report, base))
        checks = _check_rows(report, base)
        rows.checks.extend(checks)
        rows.reports.append(self._report_row(
            file, digest, size, resolved, report.year, status=status,
            error=error if status == PARTIAL else "", report=report,
            n_facts=len(report.facts), n_checks_failed=sum(not c["passed"] for c in checks),
            warnings=texts))
        rows.outcomes.append(Outcome(path, status, error if status == PARTIAL else "",
                                     resolved.name, report.year, texts,
                                     checks_failed=sum(not c["passed"] for c in checks)))

    def _report_row(self, file: SourceFile, digest: str, size: int, agency: Agency | None,
                    year: int | None, *, status: str, error: str,
                    report: ExtractedReport | None = None, n_facts: int = 0,
                    n_checks_failed: int = 0, warnings: tuple[str, ...] = ()) -> dict[str, Any]:
        return {
            "year": year, "agency_id": agency.agency_id if agency else None,
            "agency": agency.name if agency else None,
            "agency_kind": agency.kind if agency else None,
            "template": report.template if report else None, "source": file.path,
            "source_sha256": digest, "bytes": size,
            "encoding": report.encoding if report else None,
            "format": report.format if report else None,
            "title": report.title if report else None, "status": status,
            "error": error or None, "n_facts": n_facts, "n_checks_failed": n_checks_failed,
            "run_id": self.run_id, "processed_at": self.processed_at,
            "n_warnings": len(warnings), "warnings": "\n".join(warnings) or None,
            "superseded_by": None, "source_mtime_ns": file.mtime_ns,
            "stale": False, "facts_sha256": digest if n_facts else None,
        }


def _reason(err: Exception) -> str:
    if isinstance(err, OSError) and not isinstance(err, ReportError):
        return f"cannot read: {err.strerror or err}"
    return str(err)


def _fact_rows(report: ExtractedReport, base: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for f in report.facts:
        yield {**base, "template": report.template, "table": f.table,
               "row_key": f.row_key, "col_key": f.col_key,
               "value": f.value, "unit": f.unit, "cell": f.cell,
               "raw_row_label": f.raw_row_label, "raw_col_label": f.raw_col_label,
               "raw_value": f.raw_value, "line": f.line}


def _check_rows(report: ExtractedReport, base: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {**base, "rule": c.rule, "table": c.table, "row_key": c.row_key,
         "col_key": c.col_key, "expected": c.expected, "actual": c.actual,
         "passed": c.passed, "other_source": None}
        for c in report.checks
    ]


# ------------------------------------------------------- several files, one agency-year


def _settle_agency_years(rows: _Rows) -> None:
    """Keep one file's facts and checks for each agency-year the batch read from several
    files (see ``load.batch.siblings``); single-file agency-years are left as they are."""
    groups: dict[AgencyYear, list[_Placed]] = {}
    for placed in rows.placed:
        groups.setdefault(placed.agency_year, []).append(placed)
    for group in groups.values():
        if len(group) > 1:
            _settle(rows, group)


def _sibling(rows: _Rows, placed: _Placed) -> Sibling:
    """A file of a shared agency-year as the ranking sees it: its row and its cells."""
    report, facts = rows.reports.values, rows.facts.values
    i, cut = placed.report, slice(placed.facts.start, placed.facts.stop)
    cells = dict(zip(zip(facts["table"][cut], facts["row_key"][cut], facts["col_key"][cut],
                         strict=True), facts["value"][cut], strict=True))
    return Sibling(report["source"][i], report["status"][i], report["format"][i],
                   report["n_warnings"][i], report["n_checks_failed"][i], cells)


def _settle(rows: _Rows, group: list[_Placed]) -> None:
    """Load the winner of one agency-year; its rivals keep their reports row,
    superseded, without facts or checks; ``cross_file`` checks go to the winner."""
    placed = {rows.reports.values["source"][p.report]: p for p in group}
    resolution = resolve([_sibling(rows, p) for p in group])
    winner = placed[resolution.winner.source]
    report = rows.reports.values
    for loser in resolution.losers:
        p = placed[loser.source]
        rows.superseded["facts"].append(p.facts)
        rows.superseded["checks"].append(p.checks)
        report["superseded_by"][p.report] = resolution.winner.source
        report["n_facts"][p.report] = 0
        report["n_checks_failed"][p.report] = 0
        report["facts_sha256"][p.report] = None
        rows.outcomes[p.outcome] = replace(
            rows.outcomes[p.outcome], superseded_by=resolution.winner.source,
            disagreements=resolution.disagreements(loser.source))
    base = {"year": winner.agency_year[1], "agency_id": winner.agency_year[0],
            "agency": report["agency"][winner.report],
            "agency_kind": report["agency_kind"][winner.report],
            "source": resolution.winner.source,
            "source_sha256": report["source_sha256"][winner.report]}
    rows.checks.extend(_cross_file_rows(resolution, base))
    report["n_checks_failed"][winner.report] += sum(
        not c.passed for c in resolution.comparisons)


def _cross_file_rows(resolution: Resolution, base: dict[str, Any]) -> list[dict[str, Any]]:
    return [_cross_file_row(c, base) for c in resolution.comparisons]


def _cross_file_row(c: CellComparison, base: dict[str, Any]) -> dict[str, Any]:
    return {**base, "rule": CROSS_FILE_RULE, "table": c.table, "row_key": c.row_key,
            "col_key": c.col_key, "expected": c.expected, "actual": c.actual,
            "passed": c.passed, "other_source": c.other_source}


def _kept(n_rows: int, dropped: Sequence[range]) -> pa.Array | None:
    """A mask of the rows left once ``dropped`` are taken out (None: all are left)."""
    if not dropped:
        return None
    keep = np.ones(n_rows, dtype=bool)
    for rows in dropped:
        keep[rows.start:rows.stop] = False
    return pa.array(keep)


def _frame(records: _Columns, name: str, dropped: Sequence[range] = ()) -> pa.Table:
    """Rows as a table of the working schema, column by column (no pandas), without
    the rows in ``dropped``."""
    schema = working_schema(name)
    columns = []
    for f in schema:
        values = records.values[f.name]
        try:
            if pa.types.is_dictionary(f.type):
                array = pa.array(values, pa.string()).dictionary_encode()
            else:
                array = pa.array(values, f.type)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
            raise SchemaError(f"{name}.{f.name}: {err}") from err
        if not f.nullable and array.null_count:
            raise SchemaError(f"{name}: null values in required columns: {f.name}")
        columns.append(array)
    table = pa.Table.from_arrays(columns, schema=schema)
    keep = _kept(table.num_rows, dropped)
    return table if keep is None else table.filter(keep)


def _frames(rows: _Rows) -> BatchResult:
    return BatchResult(
        facts=_frame(rows.facts, "facts", rows.superseded["facts"]),
        reports=_frame(rows.reports, "reports"),
        checks=_frame(rows.checks, "checks", rows.superseded["checks"]),
        outcomes=rows.outcomes,
        agency_years=rows.agency_years(),
    )


def combine(results: Sequence[BatchResult]) -> BatchResult:
    """Several batches' rows as one (what a run publishes): their arrow tables
    concatenated without copying."""
    if not results:
        return _frames(_Rows())
    return BatchResult(
        **{name: pa.concat_tables([r.tables[name] for r in results]) for name in DATASETS},
        outcomes=[o for r in results for o in r.outcomes],
        agency_years={k: v for r in results for k, v in r.agency_years.items()},
    )


def process_batch(location: str, files: Sequence[SourceFile], registry_path: str | None,
                  run_id: str, processed_at: datetime,
                  refused: Mapping[str, str] | None = None) -> BatchResult:
    """One batch, from picklable arguments (it runs in worker processes); ``refused``:
    files failed with the reason given, unparsed (see :func:`run_limited`)."""
    return ReportProcessor(open_source(location), load_registry(registry_path), run_id,
                           processed_at).process(files, refused)


@dataclass(frozen=True, slots=True)
class StagedBatch:
    """A batch whose rows were written to a staging folder: where, what happened to
    each file, and the agency-year each file was resolved to."""

    rows: StagedRows
    outcomes: list[Outcome]
    agency_years: dict[str, AgencyYear] = field(default_factory=dict)

    def without(self, folder: str | Path, sources: Collection[str]) -> StagedBatch:
        """This batch with every row of ``sources`` taken out (they are processed
        again, with the other files of their agency-year, in another batch)."""
        if not self.agency_years.keys() & sources:
            return self
        return StagedBatch(
            restage_without(folder, self.rows, sources),
            [o for o in self.outcomes if o.source not in sources],
            {s: k for s, k in self.agency_years.items() if s not in sources})


def stage_result(folder: str | Path, result: BatchResult) -> StagedBatch:
    """Write a batch's rows into the staging folder ``folder``."""
    return StagedBatch(write_staged(folder, result.tables), result.outcomes,
                       result.agency_years)


def stage_batch(folder: str | Path, location: str, files: Sequence[SourceFile],
                registry_path: str | None, run_id: str, processed_at: datetime,
                refused: Mapping[str, str] | None = None) -> StagedBatch:
    """:func:`process_batch`, its rows written into the staging folder ``folder``
    (it runs in worker processes: only the rows' description travels back)."""
    return stage_result(folder, process_batch(location, files, registry_path, run_id,
                                              processed_at, refused))


# A batch is ≈ 1 s of parsing; a batch still running after 15 minutes is stuck (a file
# whose worker waits without spending processor time, which the per-file limit does not
# see): its worker is killed and its files are recorded as failed rather than hanging
# the night.
BATCH_TIMEOUT_SECONDS = 900

def batch_pool(n_batches: int, workers: int, limits: Limits | None = None) -> WorkerPool:
    """The worker processes that parse a run's ``n_batches`` batches, at most
    ``workers`` (enter it to start them: each imports this module at once, before its
    first batch comes), each within ``limits`` (by default :func:`file_limits`). A single
    batch gets its worker too: no file is parsed without the limits."""
    return WorkerPool(max(1, min(workers, n_batches)), timeout=BATCH_TIMEOUT_SECONDS,
                      preload=[__name__],
                      limits=file_limits() if limits is None else limits)


def run_limited(pool: WorkerPool, fn: Callable[..., R], *args: Any) -> R:
    """``fn(*args, refused)`` in a worker of ``pool`` (``fn``: :func:`stage_batch` or
    :func:`process_batch`). A file that ends its worker (past a limit, or crashing its
    parser) fails alone: the batch is made again with it in ``refused``, and so on for
    each such file, until the batch completes. A worker that dies outside any file, or
    twice on one file, fails the batch (:class:`WorkerCrashed`)."""
    refused: dict[str, str] = {}
    while True:
        try:
            return pool.run(fn, *args, dict(refused))
        except WorkerCrashed as err:
            if err.label is None or err.label in refused:
                raise
            refused[err.label] = ended_reason(err)
            log.warning("%s: %s (%s); its batch is made again without it", err.label,
                        refused[err.label], err)


_OWN_POOL: list[WorkerPool] = []
_OWN_POOL_LOCK = threading.Lock()


def own_pool() -> WorkerPool:
    """A worker of this process's own, started on first use and stopped at exit: where a
    process that is not a run's (a Dask worker) parses its batches, within the same
    limits."""
    with _OWN_POOL_LOCK:
        if not _OWN_POOL:
            pool = WorkerPool(1, timeout=BATCH_TIMEOUT_SECONDS, preload=[__name__],
                              limits=file_limits()).__enter__()
            atexit.register(pool.close)
            _OWN_POOL.append(pool)
        return _OWN_POOL[0]


def removed_rows(ledger: pd.DataFrame, sources: Collection[str], run_id: str,
                 processed_at: datetime) -> BatchResult:
    """The ``reports`` rows of files no longer in the source (``Plan.removed``): their
    last row, ``removed``, without facts or checks (the publish withdraws those)."""
    rows = ledger[ledger["source"].isin(list(sources))].copy()
    rows["status"], rows["error"] = REMOVED, GONE
    rows["n_facts"], rows["n_checks_failed"] = 0, 0
    rows["superseded_by"], rows["facts_sha256"] = None, None
    rows["stale"] = False
    rows["run_id"], rows["processed_at"] = run_id, processed_at
    outcomes = [Outcome(str(r.source), REMOVED, GONE,
                        None if pd.isna(r.agency) else str(r.agency),
                        None if pd.isna(r.year) else int(r.year))
                for r in rows.itertuples(index=False)]
    return BatchResult(empty_frame("facts"), rows.reset_index(drop=True),
                       empty_frame("checks"), outcomes)


def fail_batch(files: Sequence[SourceFile], reason: str, registry_path: str | None,
               run_id: str, processed_at: datetime) -> BatchResult:
    """Failed rows for a whole batch that could not run (see ``fail_all``)."""
    return ReportProcessor(_NoSource(), load_registry(registry_path), run_id,
                           processed_at).fail_all(files, reason)


class _NoSource:
    location = ""

    def files(self) -> Any:
        return iter(())

    def read(self, path: str) -> bytes:
        raise OSError(f"{path}: not readable here")


__all__ = [
    "BATCH_TIMEOUT_SECONDS",
    "FAILED",
    "GONE",
    "MEMORY_LIMIT",
    "OK",
    "PARTIAL",
    "REMOVED",
    "SKIPPED",
    "TIME_LIMIT",
    "AgencyYear",
    "BatchResult",
    "LimitsError",
    "Outcome",
    "ReportProcessor",
    "StagedBatch",
    "batch_pool",
    "combine",
    "fail_batch",
    "file_limits",
    "own_pool",
    "process_batch",
    "removed_rows",
    "run_limited",
    "stage_batch",
    "stage_result",
    "status_of",
]
