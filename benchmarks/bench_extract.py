"""How long extraction of one report takes, over generated reports.

Generates N reports with the project's own generator (mixed layouts, templates and
encodings; deterministic from --seed), extracts each one --rounds times in this
process with ``extract.report.extract_bytes`` (bytes in: decoding, tokenising, tables,
identity, template, values, checks) and prints medians: overall, for reports of
5–7 KB, and per layout and per encoding. It also checks every extracted cell against
the generator's truth, so a fast wrong answer cannot pass unnoticed.

The machine is shared and noisy: compare medians and ratios between runs, and rerun
when a figure looks odd. Usage:

    .venv/bin/python benchmarks/bench_extract.py                 # 1,000 reports, 3 rounds
    .venv/bin/python benchmarks/bench_extract.py --reports 2000 --json out.json
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: synth (not installed) from the checkout,
    sys.path.append(str(ROOT))

from extract.report import extract_bytes  # noqa: E402
from synth import (  # noqa: E402
    DRAWN_LAYOUTS,
    ENCODINGS,
    LAYOUTS,
    cell_differences,
    generate_report,
)

SIZE_BAND = (5 * 1024, 7 * 1024)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def reference_loop() -> float:
    """Seconds for a fixed pure-Python loop: the machine's speed at this moment.

    This machine's speed drifts by up to 2× within minutes (shared host), so every
    run reports this yardstick beside its medians; compare ratios across runs.
    """
    started = time.perf_counter()
    total = 0
    for i in range(1_000_000):
        total += i * i % 7
    return time.perf_counter() - started


def _correct(report, truth) -> bool:
    return not cell_differences([f.as_dict() for f in report.facts], truth.facts)


def run(n: int, seed: int, rounds: int, layouts: list[str], encodings: list[str]) -> dict:
    reports = [
        generate_report(seed + i, layout=layouts[i % len(layouts)],
                        encoding=encodings[(i // len(layouts)) % len(encodings)])
        for i in range(n)
    ]
    for rep in reports[:20]:  # warm caches (label maps, regexes, chardet's model)
        extract_bytes(rep.data, name="r" + rep.extension)
    # The generated reports and their truth (≈200k objects) belong to the benchmark,
    # not to extraction: keep the garbage collector from rescanning them on every
    # full collection, which would charge their size to each extraction.
    gc.freeze()
    times: list[list[float]] = [[] for _ in reports]
    correct = 0
    yardstick = [reference_loop()]
    for r in range(rounds):
        for i, rep in enumerate(reports):
            started = time.perf_counter()
            result = extract_bytes(rep.data, name="r" + rep.extension)
            times[i].append(time.perf_counter() - started)
            if r == 0:
                correct += _correct(result, rep)
        yardstick.append(reference_loop())
    per_report = [statistics.median(t) for t in times]
    cold = sorted(t[0] for t in times)  # the first round: the per-process memos still fill
    by_layout: dict[str, list[float]] = defaultdict(list)
    by_encoding: dict[str, list[float]] = defaultdict(list)
    band = []
    for rep, t in zip(reports, per_report, strict=True):
        by_layout[rep.layout].append(t)
        by_encoding[rep.encoding].append(t)
        if SIZE_BAND[0] <= len(rep.data) <= SIZE_BAND[1]:
            band.append(t)
    sizes = [len(rep.data) for rep in reports]
    return {
        "reports": n,
        "rounds": rounds,
        "correct_reports": correct,
        "median_bytes": statistics.median(sizes),
        "median_ms": _ms(statistics.median(per_report)),
        "p90_ms": _ms(sorted(per_report)[int(0.9 * (n - 1))]),
        "band_5_7kb_reports": len(band),
        "band_5_7kb_median_ms": _ms(statistics.median(band)) if band else None,
        "per_layout_median_ms": {k: _ms(statistics.median(v)) for k, v in by_layout.items()},
        "per_encoding_median_ms": {k: _ms(statistics.median(v)) for k, v in by_encoding.items()},
        "cold_round_median_ms": _ms(statistics.median(cold)),
        "cold_round_p90_ms": _ms(cold[int(0.9 * (n - 1))]),
        "reports_per_second": round(n / sum(per_report), 1),
        "reference_loop_ms": [_ms(t) for t in yardstick],
        "median_in_reference_loops": round(
            statistics.median(per_report) / statistics.median(yardstick), 5),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=20240)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--layouts", default=",".join(DRAWN_LAYOUTS),
                    help=f"comma list of {','.join(LAYOUTS)} (default: the layouts a seed "
                    f"draws from, all but {','.join(sorted(set(LAYOUTS) - set(DRAWN_LAYOUTS)))})")
    ap.add_argument("--encodings", default=",".join(ENCODINGS))
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    args = ap.parse_args()
    figures = run(args.reports, args.seed, args.rounds, args.layouts.split(","),
                  args.encodings.split(","))
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), "utf-8")
    return 0 if figures["correct_reports"] == figures["reports"] else 1


if __name__ == "__main__":
    sys.exit(main())
