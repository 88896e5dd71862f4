"""The ``xxgk`` command line: a thin layer over the library.

Library errors become one readable line on stderr and an exit code, never a
traceback. Prefect is imported only by the commands that run flows, so
``xxgk extract`` starts in a fraction of a second.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

EXTRACT_EPILOG = """examples:
  xxgk extract raw/区应急管理局/2020.txt --json   # agency and year from the path
  xxgk extract report.pdf --json | jq '.checks[] | select(.passed == false)'
  xxgk extract report.html            # a readable summary instead of JSON
  xxgk extract data/demo              # every report below a folder, one summary each

With several files, --json prints one JSON object per line. Exit status 1 when any
file could not be read as a report (the reason is on stderr), else 0.
"""


def _summary(report) -> str:
    failed = [c for c in report.checks if not c.passed]
    lines = [
        f"agency:   {report.agency or '?'}",
        f"year:     {report.year or '?'}",
        f"template: {report.template} ({report.template_reason})",
        f"read as:  {report.format}, {report.encoding}",
        f"facts:    {len(report.facts)}",
        f"checks:   {len(report.checks)} evaluated, {len(failed)} failed",
    ]
    lines += [f"  FAILED {c.rule} {c.row_key or ''}/{c.col_key or ''}: expected "
              f"{c.expected:g}, printed {c.actual}" for c in failed]
    lines += [f"warning (line {w.line}): {w.message}" if w.line else f"warning: {w.message}"
              for w in report.warnings]
    return "\n".join(lines)


def _expand(paths: Sequence[str]) -> list[Path]:
    """Files named on the command line; folders stand for the files below them."""
    out: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file()
                              and not p.name.startswith(".")))
        else:
            out.append(path)
    return out


def cmd_extract(args: argparse.Namespace) -> int:
    from extract.report import ReportError, extract_file

    try:
        files = _expand(args.file)
    except OSError as err:
        print(f"xxgk: cannot list {err.filename}: {err.strerror}", file=sys.stderr)
        return 1
    if not files:
        print(f"xxgk: no files in {' '.join(args.file)}", file=sys.stderr)
        return 1
    failures = 0
    for i, path in enumerate(files):
        try:
            report = extract_file(path, agency=args.agency, year=args.year)
        except ReportError as err:
            print(f"xxgk: {path}: {err}", file=sys.stderr)
            failures += 1
            continue
        except Exception as err:
            # A bug of ours must cost one file, not the rest of the folder.
            print(f"xxgk: {path}: internal error ({type(err).__name__}: "
                  f"{' '.join(str(err).split())[:200]})", file=sys.stderr)
            failures += 1
            continue
        if args.json:
            json.dump(report.as_dict(), sys.stdout, ensure_ascii=False, allow_nan=False)
            sys.stdout.write("\n")
        else:
            if len(files) > 1:
                print(("\n" if i else "") + f"== {path}")
            print(_summary(report))
    return 1 if failures else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xxgk",
        description="Turn 政府信息公开工作年度报告 into one comparable dataset.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    ext = sub.add_parser(
        "extract", help="parse one report file and print its tables",
        description="Parse one report (text, markdown, HTML or PDF; UTF-8, GB18030, Big5 "
        "or UTF-16) without Prefect or a warehouse.",
        epilog=EXTRACT_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ext.add_argument("file", nargs="+", help="report file(s) or folder(s)")
    ext.add_argument("--json", action="store_true", help="print the contract's JSON object")
    ext.add_argument("--agency", help="agency name; overrides the path and the report's text")
    ext.add_argument("--year", type=int,
                     help="statistics year; overrides the path and the report's text")
    ext.set_defaults(func=cmd_extract)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
