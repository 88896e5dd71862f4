"""What reading a warehouse costs an analyst: ``xxgk export`` and ``xxgk compare``.

Each command is run as an operator runs it, a fresh child process
(``python -m flows.cli ...``, imports included), on the warehouse given, into a
temporary folder:

- ``export_xlsx``: ``xxgk export --warehouse W --out T/export.xlsx``;
- ``export_csv``: ``xxgk export --warehouse W --csv T/csv``;
- ``compare``: ``xxgk compare --warehouse W --out T/compare.html``.

The commands alternate within each repetition, so that a machine getting slower or
faster weighs on all of them alike. Per command: the median wall time with its range,
the median CPU seconds of the child (user + system: DuckDB's threads included), its
peak memory, and the size of what it wrote. The machine is shared and noisy: quote
medians of at least 3 repetitions, with the load average printed before and after.

    .venv/bin/python benchmarks/bench_read.py --warehouse /tmp/wh10k --repeat 5
    .venv/bin/python benchmarks/bench_read.py --warehouse wh --only export_xlsx --json r.json

The checkout the script sits in is measured (it is put first on ``PYTHONPATH``), so a
worktree's code is timed rather than the installed one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ("export_xlsx", "export_csv", "compare")


@dataclass(frozen=True)
class Run:
    """One command's run: wall and CPU seconds, peak memory, bytes written."""

    command: str
    wall_s: float
    cpu_s: float
    max_rss_mb: float
    output_mb: float


def _arguments(command: str, warehouse: str, folder: Path) -> tuple[list[str], Path]:
    """The command line of ``command`` and what it writes."""
    if command == "export_xlsx":
        out = folder / "export.xlsx"
        return ["export", "--warehouse", warehouse, "--out", str(out)], out
    if command == "export_csv":
        out = folder / "csv"
        return ["export", "--warehouse", warehouse, "--csv", str(out)], out
    out = folder / "compare.html"
    return ["compare", "--warehouse", warehouse, "--out", str(out)], out


def _size_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def run_once(command: str, warehouse: str, folder: Path) -> Run:
    """Run ``command`` in a child process and measure it: its own resource usage, read
    when it is reaped (``os.wait4``); its output goes to files, so no pipe fills."""
    args, out = _arguments(command, warehouse, folder)
    with (folder / "stdout").open("wb") as stdout, (folder / "stderr").open("wb") as stderr:
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "flows.cli", *args], cwd=ROOT,
                                 env=_environment(), stdout=stdout, stderr=stderr)
        _pid, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    if child.returncode != 0:
        error = (folder / "stderr").read_text(encoding="utf-8", errors="replace")
        sys.exit(f"{command} failed ({child.returncode}): {error}")
    return Run(command, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
               _size_mb(out))


def _summary(runs: list[Run]) -> dict[str, float]:
    walls = [r.wall_s for r in runs]
    return {"median_s": statistics.median(walls), "min_s": min(walls), "max_s": max(walls),
            "median_cpu_s": statistics.median(r.cpu_s for r in runs),
            "max_rss_mb": max(r.max_rss_mb for r in runs),
            "output_mb": runs[-1].output_mb, "runs": len(runs)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warehouse", required=True, help="the warehouse to read")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions (default 3)")
    parser.add_argument("--only", action="append", choices=COMMANDS,
                        help="only this command; repeatable (default: all three)")
    parser.add_argument("--json", metavar="FILE", help="write every run and the medians")
    args = parser.parse_args(argv)
    commands = args.only or list(COMMANDS)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    runs: dict[str, list[Run]] = {c: [] for c in commands}
    with tempfile.TemporaryDirectory(prefix="xxgk-bench-read-") as tmp:
        for repetition in range(args.repeat):
            for command in commands:
                run = run_once(command, args.warehouse, Path(tmp))
                runs[command].append(run)
                print(f"  {repetition + 1}/{args.repeat} {command:12} {run.wall_s:6.2f} s "
                      f"(CPU {run.cpu_s:.2f} s, {run.max_rss_mb:.0f} MB)", flush=True)
    print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    summaries = {c: _summary(r) for c, r in runs.items()}
    print(f"\n{'command':12} {'median':>8} {'min–max':>13} {'CPU':>7} {'memory':>8} {'output':>8}")
    for command, s in summaries.items():
        print(f"{command:12} {s['median_s']:7.2f}s {s['min_s']:5.2f}–{s['max_s']:5.2f} s "
              f"{s['median_cpu_s']:6.2f}s {s['max_rss_mb']:5.0f} MB {s['output_mb']:5.1f} MB")
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"warehouse": args.warehouse, "repeat": args.repeat, "summary": summaries,
             "runs": [asdict(r) for rs in runs.values() for r in rs]}, indent=2) + "\n",
            encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
