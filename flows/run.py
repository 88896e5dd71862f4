"""``xxgk run`` and ``xxgk status``: the operator's commands over the flow.

``run`` checks its arguments, takes the warehouse's lock (another run writing it is
refused at once) and plans the run before anything else. A nightly run with nothing
new to do stops there, without importing Prefect or starting its server (the bulk of
a small run's time). Otherwise it starts the worker pool, then Prefect, runs the flow
in this process, still holding the lock and handing the flow its plan and its pool,
prints the summary and returns the run's exit code. SIGTERM stops a run as Ctrl-C does
(the server and the workers stopped, the staging folder removed, the lock released).

Everything printed that comes from the source or the reports (paths, agency names,
reasons) goes through ``extract.names.printable``: a folder named with an ANSI escape
shows the escape instead of obeying it.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from types import FrameType

from extract.names import printable
from extract.source import SourceError, open_source
from load.batch.plan import Plan, Selection, batches, plan_source
from load.batch.summary import RunSummary
from load.warehouse import Warehouse, WarehouseError
from transform.agencies import load_registry
from transform.maps import MapError


def _fail(message: str, code: int = 2) -> int:
    print(f"xxgk: {message}", file=sys.stderr)
    return code


def _selection(args: argparse.Namespace) -> Selection:
    return Selection(tuple(args.agency), tuple(args.year), args.failed, args.full,
                     args.allow_removals)


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt, so that every ``with`` and ``finally`` of the
    run (server, workers, staging folder, lock) unwinds as it does for Ctrl-C."""
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run_command(args: argparse.Namespace) -> int:
    started = time.monotonic()
    try:
        source = open_source(args.source, follow_links=args.follow_links)
        registry = load_registry(args.registry)
        if args.workers < 1 or (args.dask_workers is not None and args.dask_workers < 1):
            return _fail("--workers and --dask-workers must be at least 1")
        store = Warehouse(args.warehouse)
        with store.locked():  # held until the flow has published: no run writes between
            selection = _selection(args)
            plan = plan_source(source, store.ledger(), selection, registry)
            mistake = plan.unmatched(selection, registry) or plan.too_many_removed(selection)
            if mistake:  # a typo: refused before Prefect starts
                return _fail(printable(mistake))
            for name in args.agency:
                if not registry.resolve(name).known:
                    print(f"xxgk: warning: agency {name!r} is not in the registry; "
                          "matching it by name", file=sys.stderr)
            if plan.empty:
                summary = RunSummary(run_id="-", warehouse=args.warehouse,
                                     planned=plan.describe(),
                                     seconds=time.monotonic() - started)
                if not args.quiet:
                    print(f"xxgk run: {printable(summary.headline())}")
                    for warning in plan.warnings():
                        print(f"  WARNING  {printable(warning)}")
                return 0
            return _run_flow(args, store, plan)
    except (SourceError, MapError, WarehouseError) as err:  # (busy is one)
        return _fail(str(err))


def _run_flow(args: argparse.Namespace, store: Warehouse, plan: Plan) -> int:
    from flows.environment import configure_prefect, prefect_api
    from load.batch.limits import LimitsError, file_limits
    from load.batch.process import batch_pool

    configure_prefect(quiet=args.quiet)
    source, warehouse = str(Path(args.source)), str(Path(args.warehouse))
    try:
        limits = file_limits()
    except LimitsError as err:
        return _fail(str(err))
    # The workers start first: they import the libraries while Prefect's server starts.
    pool = None if args.dask_address or args.dask_workers else \
        batch_pool(len(batches(plan, args.workers)), args.workers, limits)
    with _terminate_as_interrupt(), pool or nullcontext(), \
            prefect_api(warm_up=_import_flow):  # Prefect's imports while its server starts
        from flows.pipeline import Handed, RunFailed, hand_over, run_pipeline

        with hand_over(source, warehouse, Handed(store, plan, pool)):
            state = run_pipeline(
                source=source, warehouse=warehouse, agencies=args.agency, years=args.year,
                failed=args.failed, full=args.full, registry=args.registry,
                workers=args.workers, dask_address=args.dask_address,
                dask_workers=args.dask_workers, quiet=args.quiet,
                follow_links=args.follow_links, allow_removals=args.allow_removals,
                return_state=True,
            )
    summary = state.result(raise_on_failure=False)
    if isinstance(summary, RunFailed):  # reports failed: the summary says which
        summary = summary.summary
    if isinstance(summary, (SourceError, MapError, WarehouseError)):  # refused
        return _fail(str(summary))
    if not isinstance(summary, RunSummary):  # the flow itself crashed
        return _fail(f"run failed: {state.message or summary}", 1)
    if not args.quiet or summary.exit_code:
        print(summary.text())
    return summary.exit_code


def _import_flow() -> None:
    import flows.pipeline  # noqa: F401  (imports Prefect)


def status_command(args: argparse.Namespace) -> int:
    from load import status

    store = Warehouse(args.warehouse)
    try:
        store.check_is_warehouse()
        ledger = store.ledger()
        registry = load_registry(args.registry) if args.agency else None
    except (WarehouseError, MapError, OSError) as err:
        return _fail(printable(" ".join(str(err).split())))
    if ledger.empty:
        print(f"xxgk status: no reports in {printable(args.warehouse)} yet")
        return 0
    chosen = status.select(ledger, args.status, args.agency, args.year, registry)
    if args.csv is not None:
        if args.csv == "-":
            sys.stdout.flush()
            status.write_csv(chosen, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            try:
                with open(args.csv, "wb") as out:
                    status.write_csv(chosen, out)
            except OSError as err:
                return _fail(f"cannot write {printable(args.csv)}: {err.strerror}")
        return 0
    if args.json:
        for line in status.json_lines(chosen):
            print(line)
        return 0
    print(status.headline(chosen, len(ledger), args.warehouse))
    for line in status.text_lines(chosen):
        print(line)
    return 0


def snapshots_command(args: argparse.Namespace) -> int:
    """``xxgk status --snapshots``: the snapshots kept, newest first (``load.history``)."""
    from load.history import snapshot_listing
    from load.status import json_line

    try:
        entries = snapshot_listing(args.warehouse)
    except (WarehouseError, OSError) as err:
        return _fail(printable(" ".join(str(err).split())))
    for entry in entries:
        print(json_line(entry.record()) if args.json else printable(entry.line()))
    return 0


__all__ = ["run_command", "snapshots_command", "status_command"]
