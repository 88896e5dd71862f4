"""Extraction's cost in machine instructions, for callgrind: steady on a noisy machine.

Wall-clock medians on this shared 2-core machine drift by up to 2× within minutes;
instruction counts do not (the same code, inputs and interpreter give the same count
whatever else runs). This script extracts ``--reports`` generated reports (the
benchmark's default mix of layouts and encodings, after ``--warm`` reports that fill
the per-process memos) inside one ``functools.reduce`` call, so that callgrind can
count that call alone:

    valgrind --tool=callgrind --collect-atstart=no --toggle-collect=functools_reduce \\
        .venv/bin/python benchmarks/instructions.py
    # "Collected : N": N / --reports is the count per report

Python code shows in ``callgrind_annotate`` only as the interpreter's own functions:
use cProfile to find which of the project's functions the instructions go to. Without
valgrind the script just runs the extractions and prints how many it checked.
"""

from __future__ import annotations

import argparse
import functools
import gc
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: synth (not installed) from the checkout,
    sys.path.append(str(ROOT))

from extract.report import ExtractedReport, extract_bytes  # noqa: E402
from synth import (  # noqa: E402
    DRAWN_LAYOUTS,
    ENCODINGS,
    GeneratedReport,
    cell_differences,
    generate_report,
)


def _extract(_previous: ExtractedReport | None, report: GeneratedReport) -> ExtractedReport:
    return extract_bytes(report.data, name="r" + report.extension)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=100)
    ap.add_argument("--warm", type=int, default=56)
    ap.add_argument("--seed", type=int, default=20240)
    args = ap.parse_args()
    layouts, encodings = list(DRAWN_LAYOUTS), list(ENCODINGS)
    reports = [
        generate_report(args.seed + i, layout=layouts[i % len(layouts)],
                        encoding=encodings[(i // len(layouts)) % len(encodings)])
        for i in range(args.warm + args.reports)
    ]
    warm, measured = reports[: args.warm], reports[args.warm :]
    for report in warm:
        _extract(None, report)
    gc.freeze()  # the generated reports are the script's, not extraction's
    functools.reduce(_extract, measured, None)  # the call callgrind counts
    wrong = sum(bool(cell_differences([f.as_dict() for f in _extract(None, r).facts],
                                      r.facts)) for r in measured)
    print(f"{len(measured)} reports extracted after {len(warm)} to warm up; "
          f"{wrong} read wrong")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
