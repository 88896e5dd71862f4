"""The Prefect flow of a run: plan, extract in batches, publish, summarise.

Thin by design: every step is a call into plain library code (``load.batch.plan``,
``load.batch.process``, ``load.warehouse``, ``load.batch.summary``). What lives here is
orchestration only:

- batches of reports are tasks (one task per report would cost more orchestration
  and API events than the parsing itself);
- the tasks run on a bounded thread pool in this process, and each hands its
  CPU-bound parsing to a worker of a lean process pool (``load.batch.pool``: workers that
  import the libraries, never Prefect, and start in a fraction of the time), a run's
  single batch too: every file is parsed within the per-file limits of processor time
  and memory (``load.batch.process.file_limits``); a file past a limit fails alone and
  its batch is made again without it (``run_limited``); a batch stuck past
  ``BATCH_TIMEOUT_SECONDS`` or whose worker crashed outside any file costs its own files
  (recorded as failed), never the night; on a Dask cluster (``DaskTaskRunner``) the
  tasks themselves run on its workers, each parsing in a worker process of its own
  (``own_pool``), within the same limits;
- the batches' rows never pile up here: each batch stages them on disk in the
  warehouse's staging folder (written by the worker; rows coming back from Dask are
  staged as they arrive) and the publish reads them a year at a time;
- a batch whose files hit a transient read error is retried; parse errors are not
  (they are recorded per file by the library and never raise);
- every file of an agency-year is processed in one batch (the plan keeps them
  together); when the extraction reveals an agency-year the plan could not know (a
  file outside the ``<agency>/<year>.<ext>`` layout), the agency-years left split
  are processed once more, whole, and their first rows are taken out of the staging
  folder (``load.batch.plan.split_agency_years``);
- the flow decides its final state itself (a flow that returns data ends
  ``Completed`` even when a task failed): ``Failed`` when a report failed or is
  partial, its data a :class:`RunFailed` carrying the summary (Prefect resolves a
  failed state's data into an exception), and the summary as a markdown artifact.
  A deployed run's engine raises that exception once the state is final and logs it
  with a traceback; for a run whose reports failed the headline is the whole story, so
  that log record loses its traceback (:class:`_HeadlineOnly`).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, closing, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture, as_completed
from prefect.states import Completed, Failed, State
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from extract.names import printable
from extract.source import SourceError, SourceFile, TransientReadError, open_source
from load.batch.plan import Plan, Selection, batches, plan_source, split_agency_years
from load.batch.pool import WorkerPool
from load.batch.process import (
    FAILED,
    BatchResult,
    Outcome,
    StagedBatch,
    batch_pool,
    fail_batch,
    own_pool,
    process_batch,
    removed_rows,
    run_limited,
    stage_batch,
    stage_result,
)
from load.batch.summary import RunSummary, grouped_warnings, kept_last_good, loaded_twice
from load.manifest import RunInfo, file_sha256
from load.warehouse import Warehouse, WarehouseBusy, WarehouseError
from transform.agencies import load_registry, registry_file
from transform.maps import MapError

DEFAULT_WORKERS = 2


def retry_if_transient(task: Any, task_run: Any, state: State) -> bool:
    """Retry a batch only when it failed on a transient read error."""
    try:
        state.result()
    except TransientReadError:
        return True
    except Exception:  # parse errors and bugs are not worth a retry
        return False
    return False


# No Prefect caching: the warehouse's ledger is what skips finished work, and hashing a
# publish's inputs (millions of rows) for a cache key would cost more than the task.
@task(name="extract-batch", retries=2, retry_delay_seconds=[2, 10],
      retry_condition_fn=retry_if_transient, cache_policy=NO_CACHE)
def extract_batch(location: str, files: list[SourceFile], registry: str | None,
                  run_id: str, processed_at: datetime, staging: str | None = None,
                  pool: WorkerPool | None = None) -> BatchResult | StagedBatch:
    """Extract, canonicalise and check one batch of report files, parsed by a worker of
    ``pool`` (without one, on a Dask worker: of this process's own pool).

    With a ``staging`` folder the rows are written there and only their description
    comes back. Without it (on a Dask worker, which may not see the warehouse) the rows
    come back.
    """
    pool = pool if pool is not None else own_pool()
    if staging is None:
        return run_limited(pool, process_batch, location, files, registry, run_id,
                           processed_at)
    return run_limited(pool, stage_batch, staging, location, files, registry, run_id,
                       processed_at)


@task(name="publish", cache_policy=NO_CACHE)
def publish_results(warehouse: Warehouse, staged: Sequence[StagedBatch],
                    replace: Sequence[str], info: RunInfo | None = None) -> str:
    """Swap the staged rows into the warehouse in one atomic step (``info`` goes into
    the snapshot's manifest)."""
    published = warehouse.publish_staged([b.rows for b in staged], replace_sources=replace,
                                         info=info)
    return str(published.snapshot)


def _uses_dask(dask_address: str | None, dask_workers: int | None) -> bool:
    return bool(dask_address or dask_workers)


def choose_runner(n_batches: int, workers: int, dask_address: str | None,
                  dask_workers: int | None) -> AbstractContextManager[TaskRunner]:
    """Threads here (the parsing goes to :func:`open_pool`'s processes), Dask when asked."""
    if _uses_dask(dask_address, dask_workers):
        from prefect_dask import DaskTaskRunner  # only runs on a cluster need it

        from flows.environment import quiet_dask_logging

        quiet_dask_logging()
        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(cluster_class="distributed.LocalCluster", cluster_kwargs={
            "n_workers": dask_workers, "threads_per_worker": 1, "processes": True,
            "dashboard_address": None})
    # One thread per pool worker: a task's thread mostly waits for its worker.
    return ThreadPoolTaskRunner(max_workers=max(1, min(workers, n_batches)))


def open_pool(n_batches: int, workers: int, dask_address: str | None,
              dask_workers: int | None, handed: WorkerPool | None = None
              ) -> AbstractContextManager[WorkerPool | None]:
    """The lean worker processes for the batches (``handed``: the pool ``xxgk run``
    started before Prefect, already running), closed on exit; none on Dask (its workers
    parse, each in a worker process of its own)."""
    if _uses_dask(dask_address, dask_workers):
        return nullcontext()
    if handed is not None:
        return closing(handed)
    return batch_pool(n_batches, workers)


def _log_outcomes(logger: Any, outcomes: Sequence[Outcome], quiet: bool) -> None:
    """One error line for every failed file; the warnings one line an agency and code
    (each of them at DEBUG), naming the files (escaped: see extract.names)."""
    for outcome in outcomes:
        if outcome.status == FAILED:
            logger.error("%s: failed: %s", printable(outcome.source),
                         printable(outcome.error))
    if quiet:
        return
    for line, each in grouped_warnings(outcomes):
        logger.warning("%s", printable(line))
        for detail in each:
            logger.debug("%s", printable(detail))


def _run_batches(runner: TaskRunner, pool: WorkerPool | None, work: list[list[SourceFile]],
                 params: dict[str, Any], staging: Path, summary: RunSummary,
                 quiet: bool) -> list[StagedBatch]:
    """Every batch as a task; its outcomes logged as it completes, its rows staged."""
    logger = get_run_logger()
    # Tasks on this machine's threads stage their rows themselves; on Dask, whose
    # workers may not see the warehouse, the rows come back and are staged here.
    local = isinstance(runner, ThreadPoolTaskRunner)
    extra = {"staging": str(staging) if local else None, "pool": pool}
    futures: dict[PrefectFuture[BatchResult | StagedBatch], list[SourceFile]] = {
        runner.submit(extract_batch, {**params, **extra, "files": files}): files
        for files in work
    }
    staged: list[StagedBatch] = []
    done_files = 0
    total = sum(len(files) for files in work)
    for number, future in enumerate(as_completed(list(futures)), start=1):
        files = futures.pop(future)  # and let its result go once staged
        try:
            result = future.result()
        except Exception as err:  # the batch's files are recorded as failed
            logger.error("batch of %d files (%s…) failed: %s", len(files),
                         printable(files[0].path), printable(str(err)))
            reason = f"batch failed: {type(err).__name__}: {err}"
            result = fail_batch(files, reason, params["registry"], params["run_id"],
                                params["processed_at"])
        if isinstance(result, BatchResult):  # from Dask, or a failed batch's rows
            result = stage_result(staging, result)
        staged.append(result)
        summary.add(result.outcomes)
        _log_outcomes(logger, result.outcomes, quiet)
        done_files += len(files)
        if not quiet:
            logger.info("batch %d/%d done: %d/%d files (%s)", number, len(work),
                        done_files, total, summary.progress())
    return staged


def _process_and_publish(store: Warehouse, source: str, selection: Selection,
                         registry: str | None, workers: int,
                         dask: tuple[str | None, int | None], summary: RunSummary,
                         quiet: bool, handed: Handed | None = None,
                         follow_links: bool = False) -> None:
    """Plan (unless ``xxgk run`` handed its plan over), run the batches and publish,
    under the warehouse lock."""
    logger = get_run_logger()
    plan = handed.plan if handed is not None else None
    if plan is None:
        plan = plan_source(open_source(source, follow_links), store.ledger(), selection,
                           load_registry(registry))
    summary.planned = plan.describe()
    summary.warnings = plan.warnings()
    for warning in summary.warnings:
        logger.warning("%s", printable(warning))
    summary.add(Outcome(f.path, "skipped", f.reason, None, None) for f in plan.skipped)
    refusal = plan.too_many_removed(selection)
    if refusal:
        raise SourceError(refusal)
    work = batches(plan, workers)
    if not quiet:
        logger.info("plan: %s; %d batches", summary.planned, len(work))
    if not work and not plan.removed:
        return
    params = {"location": source, "registry": registry, "run_id": summary.run_id,
              "processed_at": datetime.now(UTC)}
    with store.staging(summary.run_id) as staging:
        staged: list[StagedBatch] = []
        again = Plan()
        # The pool outlives the runner: the runner's exit waits for the tasks' threads.
        started = handed.pool if handed is not None else None
        with open_pool(len(work), workers, *dask, started) if work else nullcontext() as pool, \
                choose_runner(len(work), workers, *dask) if work else nullcontext() as runner:
            if work:
                staged = _run_batches(runner, pool, work, params, staging, summary, quiet)
                again = split_agency_years(plan, [b.agency_years for b in staged])
            if not again.empty:
                staged = _process_again(runner, pool, again, workers, params, staging,
                                        staged, summary, quiet)
        staged += _staged_removals(store, plan, params, staging, summary)
        replace = [f.path for f in plan.todo] + [f.path for f in again.todo] + plan.removed
        # quote: Prefect would otherwise walk every outcome and path of the arguments
        # looking for futures, a cost that grows with the files of the run.
        info = RunInfo(summary.run_id, _source_root(source),
                       file_sha256(registry_file(registry)))
        summary.snapshot = publish_results(store, quote(staged), quote(replace), info)
    ledger = store.ledger()
    summary.notes = (summary.several_files() + loaded_twice(ledger)
                     + kept_last_good(ledger, summary.run_id))
    for note in summary.notes:
        logger.warning("%s", printable(note))


def _staged_removals(store: Warehouse, plan: Plan, params: dict[str, Any], staging: Path,
                     summary: RunSummary) -> list[StagedBatch]:
    """The ``removed`` reports rows of the files no longer in the source, staged."""
    if not plan.removed:
        return []
    result = removed_rows(store.ledger(), plan.removed, params["run_id"],
                          params["processed_at"])
    summary.add(result.outcomes)
    return [stage_result(staging, result)]


def _source_root(source: str) -> str:
    """The source as a manifest records it: a folder's absolute path, a URL as given."""
    return source if "://" in source else str(Path(source).absolute())


def _process_again(runner: TaskRunner, pool: WorkerPool | None, again: Plan, workers: int,
                   params: dict[str, Any], staging: Path, staged: list[StagedBatch],
                   summary: RunSummary, quiet: bool) -> list[StagedBatch]:
    """Process the files of the agency-years left split between batches once more,
    whole; their first rows are taken out of the batches that held them."""
    logger = get_run_logger()
    if not quiet:
        logger.info("%d files of agency-years split between batches processed again, "
                    "together", len(again.todo))
    paths = {f.path for f in again.todo}
    kept = [batch.without(staging, paths) for batch in staged]
    return kept + _run_batches(runner, pool, batches(again, workers), params, staging,
                               summary, quiet)


@dataclass(frozen=True)
class Handed:
    """What ``xxgk run`` made before it started Prefect, for the flow it runs in this
    process: its warehouse (the lock held), its plan, and the worker pool it started
    (None when the batches are parsed on Dask)."""

    store: Warehouse
    plan: Plan
    pool: WorkerPool | None = None


# ``xxgk run`` plans under the warehouse's lock before it starts Prefect, and keeps the
# lock: the source is crawled once and no other run writes between the plan and the
# publish. It starts the worker pool then too, so that the workers import the libraries
# while Prefect's server starts. A flow run started any other way (a deployment) plans
# for itself.
_HANDED: dict[tuple[str, str], Handed] = {}


@contextmanager
def hand_over(source: str, warehouse: str, handed: Handed) -> Iterator[None]:
    """Let the flow run on ``source`` and ``warehouse`` in this process use what
    ``handed`` holds."""
    key = (source, warehouse)
    _HANDED[key] = handed
    try:
        yield
    finally:
        _HANDED.pop(key, None)


class RunFailed(Exception):
    """The data of a run that ends ``Failed`` because reports failed or are partial: the
    run's summary, its headline as the message."""

    def __init__(self, summary: RunSummary) -> None:
        super().__init__(summary.headline())
        self.summary = summary

    def __reduce__(self) -> tuple[type[RunFailed], tuple[RunSummary]]:
        return (RunFailed, (self.summary,))


# Why a run refuses to start, each said in one line: another run holds the warehouse
# or it cannot be written, the source is missing, a map is broken.
REFUSALS = (WarehouseError, SourceError, MapError)


class _HeadlineOnly(logging.Filter):
    """Drops the traceback from a log record of a :class:`RunFailed` or a refusal:
    Prefect's engine logs the exception of every deployed run that ends ``Failed``
    ("Engine execution exited with unexpected exception") with the engine's own stack,
    which tells an operator nothing about failed reports or a busy warehouse."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, (RunFailed, *REFUSALS)):
            record.msg, record.args = "run failed: %s", (str(error),)
            record.exc_info, record.exc_text = None, None
        return True


# The engine's loggers of a deployed run (flow run records, and the engine's own).
for _name in ("prefect.flow_runs", "prefect.engine"):
    logging.getLogger(_name).addFilter(_HeadlineOnly())


@flow(name="xxgk-run", log_prints=False)
def run_pipeline(source: str, warehouse: str, agencies: list[str] | None = None,
                 years: list[int] | None = None, failed: bool = False, full: bool = False,
                 registry: str | None = None, workers: int = DEFAULT_WORKERS,
                 dask_address: str | None = None, dask_workers: int | None = None,
                 quiet: bool = False, follow_links: bool = False,
                 allow_removals: bool = False) -> State:
    """Crawl ``source``, process new, changed or selected reports, and publish them
    to ``warehouse`` (the parameters mirror ``xxgk run``)."""
    selection = Selection(tuple(agencies or ()), tuple(years or ()), failed, full,
                          allow_removals)
    return _run(source, warehouse, selection, registry, workers,
                (dask_address, dask_workers), quiet, follow_links, lock_wait=0.0)


@flow(name="xxgk-run", log_prints=False)
def nightly(source: str, warehouse: str, registry: str | None = None) -> State:
    """The nightly run: the new and changed report files of the source, published to
    the warehouse.

    Args:
        source: The folder of report files, one folder per agency
            (`<agency>/<year>.<ext>`).
        warehouse: The warehouse folder the run publishes to.
        registry: The agency registry CSV; empty for the bundled one.
    """
    return _run(source, warehouse, Selection(), _registry(registry),
                lock_wait=LOCK_WAIT_SECONDS)


@flow(name="xxgk-run", log_prints=False)
def rerun(source: str, warehouse: str, agencies: list[str] | None = None,
          years: list[int] | None = None, failed: bool | None = None, full: bool = False,
          registry: str | None = None, allow_removals: bool = False) -> State:
    """An operator's rerun: the reports that failed, or those of some agencies or years,
    processed again and published to the warehouse.

    Args:
        source: The folder of report files, one folder per agency
            (`<agency>/<year>.<ext>`).
        warehouse: The warehouse folder the run publishes to.
        agencies: Every report of these agencies (any spelling the registry knows),
            as `xxgk run --agency`.
        years: Every report of these statistics years, as `xxgk run --year`.
        failed: Only the reports whose last status is failed or partial. Left empty:
            yes when no agency, year, full run or removals are chosen, else no.
        full: Every report of the source, changed or not.
        registry: The agency registry CSV; empty for the bundled one.
        allow_removals: Withdraw the files no longer in the source even when they are
            more than 20 % of the known ones (a nightly run refuses that), as
            `xxgk run --allow-removals`.
    """
    if failed is None:
        failed = not (agencies or years or full or allow_removals)
    selection = Selection(tuple(agencies or ()), tuple(years or ()), failed, full,
                          allow_removals)
    return _run(source, warehouse, selection, _registry(registry), lock_wait=LOCK_WAIT_SECONDS)


def _registry(value: str | None) -> str | None:
    """The registry a deployment names: None (the bundled one) for an empty value, or
    for ``prefect.yaml``'s ``{{ $XXGK_REGISTRY }}`` left as written when the variable
    was not set at ``prefect deploy``."""
    if not value or not value.strip() or value.strip().startswith("{{"):
        return None
    return value


# How long a deployed run waits for the warehouse another run is writing (a rerun
# started from the UI during the nightly run), and how often it tries the lock.
LOCK_WAIT_SECONDS = 6 * 3600.0
LOCK_POLL_SECONDS = 10.0


@contextmanager
def _holding_lock(store: Warehouse, wait: float) -> Iterator[None]:
    """Hold the warehouse's lock, waiting up to ``wait`` seconds for another run to
    release it (said once in the log); :class:`WarehouseBusy` past that."""
    deadline = time.monotonic() + wait
    said = False
    with ExitStack() as stack:
        while True:
            try:
                stack.enter_context(store.locked())
                break
            except WarehouseBusy as err:
                if time.monotonic() >= deadline:
                    raise
                if not said:
                    get_run_logger().warning("%s; this run waits for it (up to %.0f min)",
                                             err, wait / 60)
                    said = True
                time.sleep(LOCK_POLL_SECONDS)
        yield


def _run(source: str, warehouse: str, selection: Selection, registry: str | None,
         workers: int = DEFAULT_WORKERS,
         dask: tuple[str | None, int | None] = (None, None), quiet: bool = False,
         follow_links: bool = False, *, lock_wait: float) -> State:
    """The run every flow makes: its final state, with the summary (see the module's
    docstring)."""
    started = time.monotonic()
    logger = get_run_logger()
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:6]
    handed = _HANDED.pop((source, warehouse), None)
    store = handed.store if handed is not None else Warehouse(warehouse)
    summary = RunSummary(run_id=run_id, warehouse=warehouse, source=source,
                         registry=registry)
    try:
        with _holding_lock(store, lock_wait):
            _process_and_publish(store, source, selection, registry, workers, dask,
                                 summary, quiet, handed, follow_links)
    except REFUSALS as err:  # another run is writing, no source...: one line
        logger.error("%s", err)
        return Failed(message=str(err), data=err)
    summary.seconds = time.monotonic() - started
    create_markdown_artifact(markdown=summary.markdown(), key="xxgk-run-summary",
                             description=summary.headline())
    if summary.exit_code:
        return Failed(message=summary.headline(), data=RunFailed(summary))
    return Completed(message=summary.headline(), data=summary)


__all__ = [
    "LOCK_WAIT_SECONDS",
    "Handed",
    "RunFailed",
    "choose_runner",
    "hand_over",
    "nightly",
    "open_pool",
    "rerun",
    "retry_if_transient",
    "run_pipeline",
]
