"""What orchestration costs: a whole ``xxgk run`` against the parsing it does.

Writes a source of generated reports (``--agencies`` × ``--years``, mixed layouts and
encodings), then measures, each in a fresh child process as an operator would run it:

1. ``parse_only``: the same files through ``transform.process.process_batch`` in one
   process, with no Prefect and no warehouse: the work itself, on one core;
2. ``first_run``: ``xxgk run`` into an empty warehouse (temporary Prefect server,
   worker processes, publish);
3. ``nothing_to_do``: the same command again (crawl, hash, ledger; no Prefect);
4. ``one_agency``: ``xxgk run --agency NAME`` (one agency's reports reprocessed).

and prints wall times, the flow's own time (from the run summary) and the ratio of
the run to the one-core parsing. The machine is shared and noisy: rerun and compare
medians (``--repeat``).

    .venv/bin/python benchmarks/bench_pipeline.py                       # 1,000 reports
    .venv/bin/python benchmarks/bench_pipeline.py --agencies 100 --years 2019-2024
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from synth.corpus import corpus_agencies, parse_years, write_corpus

ROOT = Path(__file__).resolve().parents[1]
PARSE_ONLY = """
import sys, time
from datetime import UTC, datetime
from extract.source import open_source
from transform.process import process_batch
source = open_source(sys.argv[1])
files = list(source.files())
started = time.perf_counter()
result = process_batch(sys.argv[1], files, None, "bench", datetime.now(UTC))
print(time.perf_counter() - started, len(result.reports))
"""
_FLOW_SECONDS = re.compile(r"\(([\d.]+) s\)")


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return seconds, done.stdout


def _xxgk(*args: str) -> list[str]:
    return [sys.executable, "-m", "flows.cli", *args]


def measure(source: Path, work: Path, agency: str, env: dict[str, str]) -> dict[str, float]:
    warehouse = work / "wh"
    shutil.rmtree(warehouse, ignore_errors=True)
    parse_wall, out = _timed([sys.executable, "-c", PARSE_ONLY, str(source)], env)
    parse_seconds = float(out.split()[0])
    first, out = _timed(_xxgk("run", "--source", str(source), "--warehouse", str(warehouse)),
                        env)
    flow = _FLOW_SECONDS.search(out)
    again, _ = _timed(_xxgk("run", "--source", str(source), "--warehouse", str(warehouse)),
                      env)
    one, _ = _timed(_xxgk("run", "--source", str(source), "--warehouse", str(warehouse),
                          "--agency", agency), env)
    return {
        "parse_only_s": round(parse_seconds, 2), "parse_only_wall_s": round(parse_wall, 2),
        "first_run_wall_s": round(first, 2),
        "first_run_flow_s": float(flow.group(1)) if flow else float("nan"),
        "nothing_to_do_wall_s": round(again, 2), "one_agency_wall_s": round(one, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--agencies", type=int, default=167)
    parser.add_argument("--years", default="2019-2024")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    years = parse_years(args.years)
    with tempfile.TemporaryDirectory(prefix="xxgk-bench-") as tmp:
        work = Path(tmp)
        source = work / "src"
        write_corpus(source, n_agencies=args.agencies, years=years, seed=args.seed)
        n_files = sum(1 for p in source.rglob("*") if p.is_file())
        env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
        env["PREFECT_HOME"] = str(work / "prefect-home")
        env["PREFECT_LOGGING_LEVEL"] = "WARNING"
        agency = corpus_agencies(args.agencies, args.seed)[0]
        runs = [measure(source, work, agency, env) for _ in range(args.repeat)]
    figures: dict[str, object] = {"reports": n_files, "cpus": os.cpu_count()}
    for key in runs[0]:
        figures[key] = statistics.median(r[key] for r in runs)
    figures["flow_over_parse_only"] = round(
        float(figures["first_run_flow_s"]) / float(figures["parse_only_s"]), 2)
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps({"runs": runs, **figures}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
