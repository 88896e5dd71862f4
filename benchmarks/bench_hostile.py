"""The worst time and memory one hostile file costs a run, within the per-file limits.

Why: a crawl brings in files that cost a parser far more than their size (a form that
draws itself, a Flate bomb dressed past ``extract/pdf_guard.py``, an HTML page nested
a thousand deep). The pipeline parses every file in a worker process under per-file
limits (``load.batch.pool``: ``XXGK_FILE_CPU_SECONDS`` of processor time,
``XXGK_FILE_MEMORY_MB`` of address space); this measures what each kind of
``synth/hostile.py`` actually costs under them, beside an ordinary generated report
(the baseline) and a report with garbage in a few cells.

How: each file is put alone in a temporary source folder (``<agency>/<year>.<ext>``)
and parsed as a run parses it: ``run_limited(pool, process_batch, …)`` on a pool made by
``batch_pool`` with the limits of ``file_limits()`` (or the options'). Every repetition
gets a fresh one-worker pool, warmed first with a batch of a text, an HTML and a PDF
file (imports done, as in a worker that has parsed a batch already), so each figure is
that one file's:

- wall: the ``run_limited`` call, a file that ends its worker included (the death,
  the fresh worker's start and the batch made again without the file);
- CPU: the processor time of the worker that parsed the file, during the call. A
  worker still alive: ``/proc/<pid>/stat`` before and after. A worker the file ended:
  the pool reaps it inside the call, so its whole life's time comes into this
  process's ``RUSAGE_CHILDREN`` (nothing else is reaped meanwhile); what it had spent
  before the call (read from ``/proc``) is taken off;
- peak: the peak resident memory of that worker over its life (its idle footprint
  included, shown apart as ``idle``): ``VmHWM`` of ``/proc/<pid>/status`` for a live
  worker, the ``ru_maxrss`` the pool notes when it reaps a dead one (``_Slot._reap``,
  the figure in its log line).

The limits bound processor time and address space, not resident memory; a worker's
idle footprint is outside the memory budget (which counts from what it holds when the
call starts). The machine is shared: compare medians, and rerun a figure that looks
odd. Usage:

    .venv/bin/python benchmarks/bench_hostile.py                      # every kind, 3 runs
    .venv/bin/python benchmarks/bench_hostile.py --kinds baseline,pdf_self_drawing
    .venv/bin/python benchmarks/bench_hostile.py --cpu-seconds 5 --memory-mb 512 --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: synth (not installed) from the checkout
    sys.path.append(str(ROOT))

from extract.source import LocalSource  # noqa: E402
from load.batch.limits import file_limits  # noqa: E402
from load.batch.pool import Limits, WorkerCrashed, WorkerPool  # noqa: E402
from load.batch.process import batch_pool, process_batch, run_limited  # noqa: E402
from synth import generate_report, hostile  # noqa: E402

RUN, WHEN = "bench-hostile", datetime(2026, 1, 1, tzinfo=UTC)
PDF_AT = "区民政局/2020.pdf"
# Cells a crawled text may hold where a count belongs.
GARBAGE = ("7a", "1.2.3", "9" * 300, "1e5")


# ------------------------------------------------------------------------ the files


def _report(seed: int = 1, layout: str = "pipe"):
    return generate_report(seed, layout=layout, encoding="utf-8")


def _at(report, ext: str | None = None) -> str:
    return f"{report.agency}/{report.year}{ext or report.extension}"


def garbage_cells(text: str) -> str:
    """``text`` (a pipe report) with four of its count cells replaced by ``GARBAGE``."""
    lines, seen, placed = text.split("\n"), 0, 0
    for i, line in enumerate(lines):
        if " | " not in line or placed == len(GARBAGE):
            continue
        cells = line.split(" | ")
        for j, cell in enumerate(cells):
            if re.fullmatch(r"\d+", cell.strip()) and placed < len(GARBAGE):
                seen += 1
                if seen % 9 == 2:  # spread over the tables
                    cells[j] = GARBAGE[placed]
                    placed += 1
        lines[i] = " | ".join(cells)
    assert placed == len(GARBAGE), placed
    return "\n".join(lines)


def _baseline() -> tuple[str, bytes]:
    report = _report()
    return _at(report), report.data


def _garbage() -> tuple[str, bytes]:
    report = _report()
    return _at(report), garbage_cells(report.data.decode("utf-8")).encode("utf-8")


def _padded() -> tuple[str, bytes]:
    report = _report()
    return _at(report), hostile.padded_text(report.data)


def _html(change: Callable[[str], str]) -> Callable[[], tuple[str, bytes]]:
    def make() -> tuple[str, bytes]:
        report = _report(layout="html")
        return _at(report), change(report.data.decode("utf-8")).encode("utf-8")
    return make


def _pdf(make: Callable[[], bytes]) -> Callable[[], tuple[str, bytes]]:
    return lambda: (PDF_AT, make())


BOMB_MB = 512  # inflated: what the tests use for the bombs past the guard


def _bomb(how: str) -> Callable[[], tuple[str, bytes]]:
    return _pdf(lambda: hostile.bomb_pdf(BOMB_MB << 20, how))


KINDS: dict[str, Callable[[], tuple[str, bytes]]] = {
    "baseline": _baseline,
    "garbage_cells": _garbage,
    "text_padded": _padded,
    "html_nested_1000": _html(lambda page: hostile.nested_html(page, 1000)),
    "html_unclosed_20000": _html(lambda page: hostile.unclosed_html(page, 20_000)),
    "pdf_self_drawing": _pdf(hostile.self_drawing_pdf),
    "pdf_nested_forms": _pdf(hostile.nested_forms_pdf),
    **{f"bomb_{how}": _bomb(how) for how in hostile.BOMB_KINDS},
}


def _warm_up_files(folder: Path) -> None:
    """A text, an HTML and a PDF file: the worker imports what each format needs."""
    text, page = _report(7), _report(7, "html")
    for rel, data in ((_at(text), text.data), (_at(page, ".htm"), page.data),
                      ("区商务局/2020.pdf", hostile.text_pdf("warm-up"))):
        _put(folder, rel, data)


def _put(folder: Path, rel: str, data: bytes) -> None:
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


# ------------------------------------------------------------------------ measuring

_TICK = os.sysconf("SC_CLK_TCK")


def _cpu(pid: int) -> float:
    """Processor seconds (user and system) process ``pid`` has spent."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime


def _hwm_kib(pid: int) -> int:
    """Peak resident memory of process ``pid`` so far."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmHWM for {pid}")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _batch(pool: WorkerPool, folder: Path):
    files = list(LocalSource(folder).files())
    return run_limited(pool, process_batch, str(folder), files, None, RUN, WHEN)


def measure_once(rel: str, data: bytes, limits: Limits, tmp: Path) -> dict:
    """Parse the file ``rel`` alone in a fresh warmed worker; what it cost."""
    source, warm = tmp / "source", tmp / "warm"
    _put(source, rel, data)
    _warm_up_files(warm)
    with batch_pool(1, 1, limits) as pool:
        _batch(pool, warm)
        (pid,) = pool.pids()
        cpu_before, idle_kib = _cpu(pid), _hwm_kib(pid)
        children_before = _children_cpu()
        started = time.perf_counter()
        try:
            result = _batch(pool, source)
            (outcome,) = (o for o in result.outcomes if o.source == rel)
            status, error = outcome.status, outcome.error
            codes = sorted({w.split(":")[0] for w in outcome.warnings})
        except WorkerCrashed as err:  # the batch failed as a whole
            status, error, codes = "batch failed", str(err), []
        wall = time.perf_counter() - started
        alive = pid in pool.pids()
        if alive:
            cpu, peak_kib = _cpu(pid) - cpu_before, _hwm_kib(pid)
        else:  # ended by the file: reaped by the pool within the call
            cpu = _children_cpu() - children_before - cpu_before
            peak_kib = pool._slots[0]._peak_kib  # what _reap noted
    return {"status": status, "error": error, "warnings": codes, "worker_ended": not alive,
            "wall_s": wall, "cpu_s": cpu, "idle_mib": idle_kib / 1024,
            "peak_mib": peak_kib / 1024}


def measure(kind: str, repeat: int, budget: float, limits: Limits) -> dict:
    """``repeat`` runs of one kind, fewer when they pass ``budget`` seconds of wall
    time (a file burning its whole time limit: one run may be the figure)."""
    rel, data = KINDS[kind]()
    runs: list[dict] = []
    spent = 0.0
    while len(runs) < repeat and (not runs or spent < budget):
        with tempfile.TemporaryDirectory(prefix="xxgk-bench-hostile-") as tmp:
            runs.append(measure_once(rel, data, limits, Path(tmp)))
        spent += runs[-1]["wall_s"]
        print(f"  {kind} run {len(runs)}: {_short(_outcome(runs[-1]))}, "
              f"{runs[-1]['wall_s']:.2f} s wall, {runs[-1]['cpu_s']:.2f} s CPU, "
              f"{runs[-1]['peak_mib']:.0f} MiB", file=sys.stderr, flush=True)
    walls = [r["wall_s"] for r in runs]
    return {
        "kind": kind, "bytes": len(data), "runs": len(runs),
        "outcomes": sorted({_outcome(r) for r in runs}),
        "median_wall_s": round(statistics.median(walls), 2),
        "max_wall_s": round(max(walls), 2),
        "max_cpu_s": round(max(r["cpu_s"] for r in runs), 2),
        "idle_mib": round(max(r["idle_mib"] for r in runs)),
        "max_peak_mib": round(max(r["peak_mib"] for r in runs)),
        "each": runs,
    }


def _outcome(run: dict) -> str:
    """The file's status and why: the error of a failed file, the warnings' codes of
    a partial one."""
    if run["status"] == "partial":
        return f"partial: {', '.join(run['warnings'])}"
    return f"{run['status']}: {run['error']}" if run["error"] else run["status"]


def _short(outcome: str, width: int = 80) -> str:
    return outcome if len(outcome) <= width else outcome[:width - 1] + "…"


def table(rows: list[dict]) -> str:
    lines = ["| kind | bytes | outcome | runs | median wall s | max wall s | max CPU s "
             "| idle MiB | max peak MiB |", "|---|---:|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        outcome = " / ".join(_short(o) for o in r["outcomes"])
        lines.append(f"| {r['kind']} | {r['bytes']:,} | {outcome} | {r['runs']} "
                     f"| {r['median_wall_s']:.2f} | {r['max_wall_s']:.2f} "
                     f"| {r['max_cpu_s']:.2f} | {r['idle_mib']} | {r['max_peak_mib']} |")
    return "\n".join(lines)


def main() -> int:
    global BOMB_MB
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kinds", default=",".join(KINDS),
                    help=f"comma list of {','.join(KINDS)} (default: all)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--kind-budget", type=float, default=60.0,
                    help="no new run of a kind once its runs took this many wall seconds")
    ap.add_argument("--cpu-seconds", type=float, help="instead of XXGK_FILE_CPU_SECONDS")
    ap.add_argument("--memory-mb", type=float, help="instead of XXGK_FILE_MEMORY_MB")
    ap.add_argument("--bomb-mb", type=int, default=BOMB_MB,
                    help="what each bomb inflates to, MB")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    args = ap.parse_args()
    kinds = args.kinds.split(",")
    unknown = set(kinds) - set(KINDS)
    if unknown:
        ap.error(f"unknown kinds: {', '.join(sorted(unknown))}")
    BOMB_MB = args.bomb_mb
    limits = file_limits()
    if args.cpu_seconds:
        limits = limits._replace(seconds=args.cpu_seconds)
    if args.memory_mb:
        limits = limits._replace(memory=int(args.memory_mb * 2**20))
    started = time.perf_counter()
    rows = [measure(kind, args.repeat, args.kind_budget, limits) for kind in kinds]
    worst = {
        "wall_s": max(r["max_wall_s"] for r in rows),
        "cpu_s": max(r["max_cpu_s"] for r in rows),
        "peak_mib": max(r["max_peak_mib"] for r in rows),
    }
    figures = {"limits": {"cpu_seconds": limits.seconds,
                          "memory_mb": (limits.memory or 0) / 2**20},
               "bomb_mb": BOMB_MB, "kinds": rows, "worst": worst,
               "total_s": round(time.perf_counter() - started, 1)}
    print(f"limits: {limits.seconds:g} CPU s, {(limits.memory or 0) / 2**20:g} MB "
          f"(bombs inflate to {BOMB_MB} MB)")
    print(table(rows))
    print(f"worst per file: {worst['wall_s']:.2f} s wall, {worst['cpu_s']:.2f} s CPU, "
          f"{worst['peak_mib']} MiB peak resident; {figures['total_s']} s in all")
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
