"""What a whole ``xxgk run`` costs on a large source, and how much of it is orchestration.

The pipeline's end-to-end benchmark (not a timed test). Over ``--reports`` generated
reports (10,000 by default: 834 agencies × 2014–2025, mixed layouts, templates and
encodings, trimmed to the exact count), each step is a fresh child process, run the
way an operator runs it (``python -m flows.cli run --source S --warehouse W``, no
``PREFECT_API_URL``, a ``PREFECT_HOME`` of its own under the temporary folder):

1. ``trivial_cold``: a trivial Prefect flow (no task) in ephemeral mode, on the
   empty ``PREFECT_HOME`` (import + server start + database migrations + one flow);
2. ``trivial``: the same again on the now-migrated database: the floor that Prefect
   itself costs every run (import ≈ 2 s, ephemeral start-up ≈ 10 s);
3. ``full``: ``xxgk run`` into an empty warehouse (every report);
4. ``nochange``: the same command again, nothing changed;
5. ``changed``: 1 % of the files get a newline appended, then the same command;
6. ``parse_only``: the same files through ``load.batch.process.process_batch`` in one
   process, batch by batch as the flow cuts them, without Prefect or a warehouse:
   the parsing work itself (CPU seconds on one core).

Per step it reports the wall time, reports/s, the peak RSS of the whole process tree
(the child, its worker processes and the Prefect server it starts, sampled from
``/proc`` every 200 ms and summed), the largest single process (its ``VmHWM``), the
flow's own time (from the summary line), the orchestration share
``(wall − parse CPU / workers) / wall`` and the *tail*: seconds from the summary line
being printed to the process exiting (a queue of Prefect events still being
flushed), with any ``Error flushing`` / events-worker lines on stderr.

The generated source is cached under ``--cache`` (generation takes minutes); each
repetition works on a copy of it. The machine is shared and noisy: use ``--repeat``
and quote medians and ranges.

    .venv/bin/python benchmarks/bench_pipeline.py --cache /tmp/xxgk-bench-cache \\
        --repeat 2 --json bench-pipeline.json
    .venv/bin/python benchmarks/bench_pipeline.py --reports 1000 --years 2019-2025
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: the project's packages
    sys.path.append(str(ROOT))

from synth.corpus import parse_years, write_corpus  # noqa: E402

TRIVIAL = """
import json, time
started = time.perf_counter()
from flows.environment import configure_prefect
configure_prefect()
from prefect import flow
imported = time.perf_counter()

@flow(name="bench-trivial")
def trivial() -> int:
    return 1

trivial()
done = time.perf_counter()
print(json.dumps({"import_s": imported - started, "flow_s": done - imported}), flush=True)
"""

PARSE_ONLY = """
import json, sys, time
from datetime import UTC, datetime
import pandas as pd
from extract.source import open_source
from load.batch.plan import Selection, batches, plan_source
from load.batch.process import load_registry, process_batch
location, workers = sys.argv[1], int(sys.argv[2])
registry = sys.argv[3] if len(sys.argv) > 3 else None
plan = plan_source(open_source(location), pd.DataFrame(), Selection(), load_registry(registry))
work = batches(plan, workers)
now = datetime.now(UTC)
cpu, wall = time.process_time(), time.perf_counter()
reports = facts = 0
for files in work:
    result = process_batch(location, files, registry, "bench", now)
    reports += len(result.reports)
    facts += len(result.facts)
print(json.dumps({"cpu_s": time.process_time() - cpu, "wall_s": time.perf_counter() - wall,
                  "reports": reports, "facts": facts, "batches": len(work)}), flush=True)
"""

SUMMARY_LINE = re.compile(r"^xxgk run \S+: .*?\(([\d.]+) s\)\s*$")
NOTHING_LINE = re.compile(r"^xxgk run: nothing to do")
TAIL_WARNINGS = re.compile(r"Error flushing|EventsWorker|Still processing items|"
                           r"events? (?:were|was) (?:not|dropped)|queue", re.IGNORECASE)
PAGE = os.sysconf("SC_PAGE_SIZE")


# ------------------------------------------------------------------ process-tree memory

def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def _tree(root: int) -> list[int]:
    children = _children_map()
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def _status_kib(pid: int, keys: tuple[str, ...]) -> dict[str, int]:
    found: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                key, _, rest = line.partition(":")
                if key in keys:
                    found[key] = int(rest.split()[0])
    except (OSError, ValueError):
        pass
    return found


TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except OSError:
        return None
    fields = stat[stat.rindex(b")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def _role(pid: int, root: int) -> str:
    """What a process of the tree is: the run itself, a worker, the Prefect server."""
    if pid == root:
        return "main"
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmdline = fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "other"
    if "uvicorn" in cmdline or "prefect.server" in cmdline or "server" in cmdline:
        return "server"
    if "multiprocessing" in cmdline or "spawn_main" in cmdline or "load.batch.pool" in cmdline:
        return "worker"
    return "other"


class TreeSampler(threading.Thread):
    """Samples the RSS (and CPU time) of a process and all its descendants until
    stopped."""

    def __init__(self, root: int, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.interval = interval
        self.peak_kib = 0
        self.hwm_kib: dict[int, int] = {}
        self.max_processes = 0
        self.cpu: dict[int, float] = {}
        self.roles: dict[int, str] = {}
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.sample()
            self._done.wait(self.interval)

    def sample(self) -> None:
        total = 0
        pids = _tree(self.root)
        for pid in pids:
            status = _status_kib(pid, ("VmRSS", "VmHWM"))
            total += status.get("VmRSS", 0)
            if "VmHWM" in status:
                self.hwm_kib[pid] = max(self.hwm_kib.get(pid, 0), status["VmHWM"])
            cpu = _cpu_seconds(pid)
            if cpu is not None:
                self.cpu[pid] = cpu
                if pid not in self.roles:
                    self.roles[pid] = _role(pid, self.root)
        self.peak_kib = max(self.peak_kib, total)
        self.max_processes = max(self.max_processes, len(pids))

    def stop(self) -> None:
        self._done.set()
        self.join()

    def cpu_by_role(self) -> dict[str, float]:
        """CPU seconds per role, as last sampled (a process's last 200 ms are missed)."""
        out: dict[str, float] = {}
        for pid, seconds in self.cpu.items():
            role = self.roles.get(pid, "other")
            out[role] = round(out.get(role, 0.0) + seconds, 1)
        return out


# ------------------------------------------------------------------------- one child

@dataclass
class Child:
    wall_s: float
    returncode: int
    stdout: list[tuple[float, str]] = field(default_factory=list)
    stderr: list[tuple[float, str]] = field(default_factory=list)
    peak_tree_mib: float = 0.0
    largest_process_mib: float = 0.0
    max_processes: int = 0
    cpu_s: dict[str, float] = field(default_factory=dict)

    def out_text(self) -> str:
        return "".join(line for _, line in self.stdout)


def _reader(stream, sink: list[tuple[float, str]], started: float) -> None:
    for line in iter(stream.readline, ""):
        sink.append((time.perf_counter() - started, line))
    stream.close()


def run_child(command: list[str], env: dict[str, str], timeout: float = 1800) -> Child:
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, bufsize=1)
    sampler = TreeSampler(proc.pid)
    sampler.start()
    out: list[tuple[float, str]] = []
    err: list[tuple[float, str]] = []
    readers = [threading.Thread(target=_reader, args=(proc.stdout, out, started), daemon=True),
               threading.Thread(target=_reader, args=(proc.stderr, err, started), daemon=True)]
    for reader in readers:
        reader.start()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    wall = time.perf_counter() - started
    sampler.stop()
    for reader in readers:
        reader.join()
    return Child(wall, proc.returncode, out, err, sampler.peak_kib / 1024,
                 max(sampler.hwm_kib.values(), default=0) / 1024, sampler.max_processes,
                 sampler.cpu_by_role())


def _python() -> list[str]:
    """The interpreter for the children: this one, on the sources of this checkout."""
    return [sys.executable]


def _xxgk(*args: str) -> list[str]:
    return [*_python(), "-m", "flows.cli", *args]


# --------------------------------------------------------------------------- source

def cached_source(cache: Path, reports: int, years: list[int], seed: int) -> Path:
    """A source of exactly ``reports`` generated files, made once per cache folder."""
    span = f"{years[0]}-{years[-1]}" if years == list(range(years[0], years[-1] + 1)) \
        else ",".join(map(str, years))
    final = cache / f"src-{reports}-{span}-seed{seed}"
    if final.is_dir():
        return final
    agencies = math.ceil(reports / len(years))
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cache / f".tmp-{final.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    started = time.perf_counter()
    print(f"generating {agencies} agencies × {len(years)} years into {final} …",
          file=sys.stderr, flush=True)
    paths = write_corpus(tmp, n_agencies=agencies, years=years, seed=seed)
    for path in sorted(paths)[reports:]:  # trim to the exact count
        path.unlink()
    os.rename(tmp, final)
    print(f"generated in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return final


def write_registry(source: Path, dest: Path) -> Path:
    """The bundled agency registry plus a ``name`` row for every other agency folder of
    the source, as an operator with that many agencies would keep it (else every
    report logs an ``agency_unregistered`` warning)."""
    from transform.agencies import AgencyRegistry

    bundled = ROOT / "transform" / "maps" / "agencies.csv"
    registry = AgencyRegistry.bundled()
    rows = [bundled.read_text("utf-8").rstrip("\n")]
    folders = sorted(p.name for p in source.iterdir() if p.is_dir())
    rows += [f"bench-{i:04d},{name},name," for i, name in enumerate(folders)
             if not registry.resolve(name).known]
    dest.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return dest


def change_files(source: Path, share: float) -> int:
    """Append a newline to ``share`` of the files (spread over the source; files with
    NUL bytes, UTF-16, are left alone so the change is only a change)."""
    files = sorted(p for p in source.rglob("*") if p.is_file())
    wanted = max(1, round(len(files) * share))
    candidates = [(p, data) for p in files if b"\x00" not in (data := p.read_bytes())]
    step = max(1, len(candidates) // wanted)
    chosen = candidates[::step][:wanted]
    for path, data in chosen:
        path.write_bytes(data + b"\n")
    return len(chosen)


# ---------------------------------------------------------------------------- figures

def _tail(child: Child) -> tuple[float | None, list[str]]:
    """Seconds from the summary line to the exit, and stderr lines about events."""
    printed = next((t for t, line in child.stdout
                    if SUMMARY_LINE.match(line) or NOTHING_LINE.match(line)), None)
    warnings = [line.strip() for _, line in child.stderr if TAIL_WARNINGS.search(line)]
    return (None if printed is None else child.wall_s - printed), warnings


def step_figures(child: Child, reports: int, parse_cpu_s: float | None,
                 workers: int) -> dict[str, object]:
    flow = next((float(m.group(1)) for _, line in child.stdout
                 if (m := SUMMARY_LINE.match(line))), None)
    tail, warnings = _tail(child)
    figures: dict[str, object] = {
        "wall_s": round(child.wall_s, 2),
        "reports": reports,
        "reports_per_s": round(reports / child.wall_s, 1) if reports else 0.0,
        "peak_tree_mib": round(child.peak_tree_mib),
        "largest_process_mib": round(child.largest_process_mib),
        "processes": child.max_processes,
        "cpu_s": child.cpu_s,
        "flow_s": flow,
        "tail_s": None if tail is None else round(tail, 2),
        "event_warnings": warnings[:10],
        "exit": child.returncode,
    }
    if parse_cpu_s is not None:
        parallel = parse_cpu_s / max(1, workers)
        figures["parse_cpu_s"] = round(parse_cpu_s, 2)
        figures["orchestration_share"] = round(max(0.0, child.wall_s - parallel)
                                               / child.wall_s, 3)
    return figures


def _timeline(child: Child, limit: int = 400) -> list[str]:
    """The child's output with arrival times, for the logs folder."""
    lines = [(t, "out", s) for t, s in child.stdout] + [(t, "err", s) for t, s in child.stderr]
    return [f"{t:8.2f} {kind} {s.rstrip()}" for t, kind, s in sorted(lines)][:limit * 10]


def repetition(number: int, cached: Path, work: Path, reports: int, workers: int,
               change: float, logs: Path | None,
               register: bool, quick: bool = False) -> dict[str, dict[str, object]]:
    rep = work / f"rep{number}"
    source, warehouse = rep / "src", rep / "wh"
    shutil.copytree(cached, source)
    registry = [str(write_registry(source, rep / "agencies.csv"))] if register else []
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(rep / "prefect-home")
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONUNBUFFERED"] = "1"  # lines arrive when printed, as on a terminal
    run = _xxgk("run", "--source", str(source), "--warehouse", str(warehouse),
                "--workers", str(workers), *(["--registry", *registry] if registry else []))
    out: dict[str, dict[str, object]] = {}
    children: dict[str, Child] = {}

    def step(name: str, command: list[str], n: int, parse_cpu: float | None,
             check: bool = True) -> Child:
        print(f"  [{number}] {name} …", file=sys.stderr, flush=True)
        child = run_child(command, env)
        children[name] = child
        if check and child.returncode not in (0, 1):
            err = "".join(line for _, line in child.stderr)[-3000:]
            raise SystemExit(f"{name}: {' '.join(command)} exited {child.returncode}:\n{err}")
        out[name] = step_figures(child, n, parse_cpu, workers)
        print(f"  [{number}] {name}: {out[name]['wall_s']} s", file=sys.stderr, flush=True)
        return child

    parse_cpu: float | None = None
    if not quick:
        parse = step("parse_only", [*_python(), "-c", PARSE_ONLY, str(source),
                                    str(workers), *registry], reports, None)
        parsed = json.loads(parse.out_text().strip().splitlines()[-1])
        out["parse_only"].update({f"parse_{k}": round(v, 2) if isinstance(v, float) else v
                                  for k, v in parsed.items()})
        parse_cpu = parsed["cpu_s"]
        for name in ("trivial_cold", "trivial"):
            child = step(name, [*_python(), "-c", TRIVIAL], 0, None)
            inner = json.loads(child.out_text().strip().splitlines()[-1])
            out[name].update({k: round(v, 2) for k, v in inner.items()})
    step("full", run, reports, parse_cpu)
    step("nochange", run, 0, None if quick else 0.0)
    changed = change_files(source, change)
    step("changed", run, changed, None if parse_cpu is None else parse_cpu / reports * changed)
    if logs is not None:
        logs.mkdir(parents=True, exist_ok=True)
        for name, child in children.items():
            (logs / f"rep{number}-{name}.log").write_text(
                "\n".join(_timeline(child)) + "\n", encoding="utf-8")
    shutil.rmtree(rep, ignore_errors=True)
    return out


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def summarise(runs: list[dict[str, dict[str, object]]]) -> dict[str, dict[str, object]]:
    """Medians (and min–max) over repetitions of every numeric figure."""
    summary: dict[str, dict[str, object]] = {}
    for name in runs[0]:
        row: dict[str, object] = {}
        for key, value in runs[0][name].items():
            values = [r[name][key] for r in runs if isinstance(r[name].get(key), int | float)]
            if isinstance(value, bool) or not values or len(values) != len(runs):
                row[key] = value
                continue
            row[key] = _median(values)
            if len(values) > 1:
                row[f"{key}_range"] = [min(values), max(values)]
        row["event_warnings"] = sorted({w for r in runs for w in r[name]["event_warnings"]})
        summary[name] = row
    return summary


def table(summary: dict[str, dict[str, object]], repeat: int) -> str:
    head = (f"{'step':13} {'wall s':>15} {'reports/s':>10} {'tree MiB':>9} {'max proc':>9} "
            f"{'flow s':>7} {'orch.':>6} {'tail s':>7}  events")
    lines = [head, "-" * len(head)]
    for name, row in summary.items():
        wall = f"{row['wall_s']}"
        if repeat > 1 and "wall_s_range" in row:
            low, high = row["wall_s_range"]  # type: ignore[misc]
            wall += f" ({low}–{high})"
        share = row.get("orchestration_share")
        lines.append(
            f"{name:13} {wall:>15} {row['reports_per_s']!s:>10} {row['peak_tree_mib']!s:>9} "
            f"{row['largest_process_mib']!s:>9} {row['flow_s'] or '':>7} "
            f"{'' if share is None else f'{share:.0%}':>6} "
            f"{'' if row['tail_s'] is None else row['tail_s']!s:>7}  "
            f"{len(row['event_warnings'])}")  # type: ignore[arg-type]
    return "\n".join(lines)


def floor_ratio(summary: dict[str, dict[str, object]], workers: int) -> float | None:
    """The full run's wall time over its floor: the parsing's CPU seconds spread over
    the workers, plus what a trivial Prefect flow costs (the same run's figures)."""
    full, trivial = summary["full"], summary["trivial"]
    parse_cpu = full.get("parse_cpu_s")
    if parse_cpu is None:
        return None
    floor = float(parse_cpu) / max(1, workers) + float(trivial["wall_s"])  # type: ignore[arg-type]
    return round(float(full["wall_s"]) / floor, 2)  # type: ignore[arg-type]


def targets(summary: dict[str, dict[str, object]], workers: int) -> dict[str, object]:
    """The pipeline's targets, met or not, on the medians."""
    full, nochange, trivial = summary["full"], summary["nochange"], summary["trivial"]
    ratio = floor_ratio(summary, workers)
    peak = max(float(row["peak_tree_mib"]) for name, row in summary.items()  # type: ignore[arg-type]
               if name in ("full", "nochange", "changed"))
    tails = [row["tail_s"] for name, row in summary.items()
             if name in ("full", "changed") and row["tail_s"] is not None]
    warnings = [w for name in ("full", "changed") for w in summary[name]["event_warnings"]]  # type: ignore[attr-defined]
    return {
        "full_under_60s": float(full["wall_s"]) < 60,  # type: ignore[arg-type]
        f"full_within_1.3x_of_its_floor ({ratio})": ratio is not None and ratio <= 1.3,
        "nochange_within_2s_of_trivial":
            float(nochange["wall_s"]) <= float(trivial["wall_s"]) + 2,  # type: ignore[arg-type]
        "peak_under_1GiB": peak < 1024,
        "no_event_tail": not warnings and all(float(t) < 1.0 for t in tails),  # type: ignore[arg-type]
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--years", default="2014-2025")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workers", type=int, default=2, help="xxgk run --workers")
    parser.add_argument("--change", type=float, default=0.01, help="share of files changed")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir())
                        / "xxgk-bench-cache", help="where the generated source is kept")
    parser.add_argument("--unregistered", action="store_true",
                        help="run with the bundled registry only: every invented town "
                        "then logs an agency_unregistered warning per report")
    parser.add_argument("--quick", action="store_true",
                        help="only the three xxgk runs (no parse-only or trivial flow)")
    parser.add_argument("--logs", type=Path, help="write each child's timed output here")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    years = parse_years(args.years)
    cached = cached_source(args.cache, args.reports, years, args.seed)
    runs = []
    with tempfile.TemporaryDirectory(prefix="xxgk-bench-") as tmp:
        for number in range(1, args.repeat + 1):
            runs.append(repetition(number, cached, Path(tmp), args.reports, args.workers,
                                   args.change, args.logs, not args.unregistered,
                                   args.quick))
            if args.json:  # what is measured so far survives an interrupted benchmark
                args.json.write_text(json.dumps({"runs": runs}, indent=2, ensure_ascii=False),
                                     encoding="utf-8")
    summary = summarise(runs)
    met = {} if args.quick else targets(summary, args.workers)
    print(f"{args.reports} reports, {os.cpu_count()} cpus, --workers {args.workers}, "
          f"medians of {args.repeat}")
    print(table(summary, args.repeat))
    print("targets: " + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in met.items()))
    if args.json:
        args.json.write_text(json.dumps({"reports": args.reports, "cpus": os.cpu_count(),
                                         "workers": args.workers,
                                         "summary": summary,
                                         "targets": met, "runs": runs},
                                        indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
