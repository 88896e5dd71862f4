"""The ``xxgk`` command line: a thin layer over the library.

Library errors become one readable line on stderr and an exit code, never a
traceback. File names are printed in the escaped form of ``extract.names``, so that a
name that is not valid UTF-8 or holds control characters can neither crash the output
nor drive the terminal. Prefect is imported only by the commands that run flows, so
``xxgk extract`` starts in a fraction of a second.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from extract.names import escape_name, printable

EXTRACT_EPILOG = """examples:
  xxgk extract raw/区应急管理局/2020.txt --json   # agency and year from the path
  xxgk extract report.pdf --json | jq '.checks[] | select(.passed == false)'
  xxgk extract report.html            # a readable summary instead of JSON
  xxgk extract data/demo              # every report below a folder, one summary each

--json prints one JSON object per file and line, its "file" key the path as given
(escaped as the warehouse stores names: \\\\ for a backslash, \\xHH for a byte that is
not UTF-8). Each file is parsed in a worker process within the per-file limits
(XXGK_FILE_CPU_SECONDS, default 20 s of processor time; XXGK_FILE_MEMORY_MB, default
1024): a file past one fails with "resource limit: time" or "resource limit: memory".
A file that is no report fails with the reason `xxgk run` gives it ("not a report:
..."). Exit status 1 when any file could not be read as a report (the reason is on
stderr), 2 for a bad limit setting, else 0.
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
    return "\n".join(map(printable, lines))  # agency and labels come from the file


def _shown(path: Path | str) -> str:
    """A path as printed: its stored (escaped) name, control characters escaped."""
    return printable(escape_name(str(path)))


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
    from extract.report import ReportError, identity_from_path
    from extract.source import why_skipped
    from load.batch.limits import LimitsError, ended_reason
    from load.batch.pool import WorkerCrashed
    from load.batch.single import extract_within_limits, extracting_pool

    try:
        files = _expand(args.file)
    except OSError as err:
        print(f"xxgk: cannot list {_shown(err.filename)}: {err.strerror}", file=sys.stderr)
        return 1
    if not files:
        print(f"xxgk: no files in {' '.join(map(_shown, args.file))}", file=sys.stderr)
        return 1
    try:
        pool = extracting_pool()
    except LimitsError as err:
        print(f"xxgk: {err}", file=sys.stderr)
        return 2
    failures = 0
    with pool:
        for i, path in enumerate(files):
            try:
                # The folder names the agency as the warehouse stores it (escaped).
                folder_agency = identity_from_path(Path(escape_name(str(path))))[0]
                report = pool.run(extract_within_limits, str(path),
                                  args.agency or folder_agency, args.year)
            except ReportError as err:
                # A file a run would skip unparsed gets the reason the run gives.
                print(f"xxgk: {_shown(path)}: {why_skipped(path) or err}", file=sys.stderr)
                failures += 1
                continue
            except WorkerCrashed as err:  # past a limit: the next file gets a new worker
                print(f"xxgk: {_shown(path)}: {ended_reason(err)}", file=sys.stderr)
                failures += 1
                continue
            except Exception as err:
                # A bug of ours must cost one file, not the rest of the folder.
                print(f"xxgk: {_shown(path)}: internal error ({type(err).__name__}: "
                      f"{' '.join(str(err).split())[:200]})", file=sys.stderr)
                failures += 1
                continue
            if args.json:
                # One write a report (json.dump writes each token).
                doc = {"file": escape_name(str(path)), **report.as_dict()}
                sys.stdout.write(json.dumps(doc, ensure_ascii=False, allow_nan=False) + "\n")
                sys.stdout.flush()
            else:
                if len(files) > 1:
                    print(("\n" if i else "") + f"== {_shown(path)}")
                print(_summary(report))
    return 1 if failures else 0


RUN_EPILOG = """examples:
  xxgk run --source raw --warehouse wh            # nightly: new and changed files only
  xxgk run --source raw --warehouse wh --failed   # rerun what failed or is partial
  xxgk run --source raw --warehouse wh --agency 区应急管理局 --year 2020
  xxgk run --source raw --warehouse wh --full --quiet
  xxgk run --source raw --warehouse wh --dask-workers 4   # a local Dask cluster

Exit status: 0 when every processed report is ok, 1 when any is failed or partial
(all the others are still written), 2 for a usage or configuration error (a missing
source, a broken registry, an --agency or --year that matches no report nor registered
name, a warehouse another run is writing). Runs in Prefect's
ephemeral mode unless PREFECT_API_URL points at a Prefect server.
"""

STATUS_EPILOG = """examples:
  xxgk status --warehouse wh            # failures first, with their reasons
  xxgk status --warehouse wh --status failed --status partial --year 2023
  xxgk status --warehouse wh --agency 区应急管理局 --csv reports.csv   # opens in Excel
  xxgk status --warehouse wh --json | jq 'select(.warnings != [])'
  xxgk status --warehouse wh --snapshots          # the snapshots kept, newest first

Exit status 2, with one line on stderr, for a path that is no warehouse: missing, a
file, or a folder without the .snapshots every xxgk run makes.
"""

SERVE_EPILOG = """examples:
  xxgk serve --source raw --warehouse wh                  # 02:00 Asia/Shanghai
  xxgk serve --source raw --warehouse wh --cron "30 1 * * *"
  PREFECT_API_URL=http://prefect.internal:4200/api xxgk serve --source raw --warehouse wh

Without PREFECT_API_URL, a local Prefect server (loopback, SQLite under the project's
.prefect/) is started and stopped with this command; its UI is on --port, and a
manual `xxgk run` meanwhile is recorded there too.
"""


def cmd_run(args: argparse.Namespace) -> int:
    from flows.run import run_command

    return run_command(args)


def cmd_status(args: argparse.Namespace) -> int:
    from flows.run import snapshots_command, status_command

    return snapshots_command(args) if args.snapshots else status_command(args)


def cmd_serve(args: argparse.Namespace) -> int:
    from flows.serve import serve_command

    return serve_command(args)


SQL_EPILOG = """examples:
  xxgk sql --warehouse wh -c "SELECT agency, received FROM agency_year_summary
                              WHERE year = 2023 ORDER BY received DESC"
  xxgk sql --warehouse wh -c "SELECT * FROM applications_wide" --format csv > t3.csv
  xxgk sql --warehouse wh          # a prompt: end each statement with ';'
  xxgk sql --warehouse wh --tables                 # the views and what each holds
  xxgk sql --warehouse wh --columns district_year_summary

Views: facts, reports, checks (the three datasets), agencies, agency_year_summary,
district_year_summary, applications_wide, outcomes_wide, reviews_litigation_wide,
active_disclosure_wide, data_quality, failed_checks, key_comparability,
warehouse_snapshot; docs/data-dictionary.md describes every column.
"""


def cmd_sql(args: argparse.Namespace) -> int:
    from flows.sql import sql_command

    return sql_command(args)


COMPARE_EPILOG = """examples:
  xxgk compare --warehouse data/warehouse --out report.html --source-root data/demo
  xxgk compare --warehouse wh --out 2023.html --year 2023
  xxgk compare --warehouse wh --out edu.html --agency 区教育局 --agency 区卫健局
  xxgk compare --warehouse wh --out towns.html --kind 乡镇街道

One self-contained HTML file (no network needed): agencies ranked within their kind by
requests and outcome mix (shares beside their base; fewer than 10 outcomes ranked
apart), trends since 2019 with every year's change, reviews and lawsuits, 表二, totals
that name the agencies they miss, a data-quality panel, and a CSV download per table.
"""


def cmd_compare(args: argparse.Namespace) -> int:
    from load.compare import compare_command

    return compare_command(args)


EXPORT_EPILOG = """examples:
  xxgk export --warehouse wh --out xxgk.xlsx
  xxgk export --warehouse wh --out 2023.xlsx --year 2023 --kind 乡镇街道
  xxgk export --warehouse wh --csv csv/ --agency 区教育局 --agency 区卫健局

A sheet per view (Chinese headers above the column keys), a district total row per
year in each per-agency sheet, and an about sheet naming the snapshot and filters.
--csv DIR writes the same sheets as UTF-8 CSV files with a BOM (DIR is made when its
parent exists). Exit status 2 for a usage error (no warehouse, an agency, kind or year
it does not hold, a folder that does not exist).
"""


def cmd_export(args: argparse.Namespace) -> int:
    from load.export import export_command

    return export_command(args)


def cmd_schema(args: argparse.Namespace) -> int:
    from load.dictionary import data_dictionary

    sys.stdout.write(data_dictionary())
    return 0


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", required=True, help="folder of report files "
                        "(SOURCE/<agency>/<year>.<ext>), crawled recursively")
    parser.add_argument("--warehouse", required=True, help="warehouse folder (created if "
                        "missing, in a folder that exists)")
    parser.add_argument("--agency", action="append", default=[], metavar="NAME",
                        help="only this agency (any registered spelling); repeatable")
    parser.add_argument("--year", action="append", type=int, default=[], metavar="N",
                        help="only this statistics year; repeatable")
    parser.add_argument("--failed", action="store_true",
                        help="only reports whose last status is failed or partial")
    parser.add_argument("--full", action="store_true",
                        help="reprocess every file, loaded or not")
    parser.add_argument("--registry", metavar="FILE", help="agency registry CSV (default: "
                        "the bundled one, transform/maps/agencies.csv)")
    parser.add_argument("--workers", type=int, default=2,
                        help="worker processes for parsing (default 2)")
    parser.add_argument("--dask-address", metavar="URL",
                        help="run batches on this Dask scheduler (tcp://host:8786)")
    parser.add_argument("--dask-workers", type=int, metavar="N",
                        help="run batches on a local Dask cluster of N worker processes")
    parser.add_argument("--quiet", action="store_true",
                        help="print nothing unless a report failed (for cron)")
    parser.add_argument("--follow-links", action="store_true",
                        help="follow symbolic links whose target is outside the source "
                        "(by default they are skipped and named in a warning)")
    parser.add_argument("--allow-removals", action="store_true",
                        help="withdraw the files no longer in the source even when they "
                        "are more than 20%% of the known ones (by default such a run is "
                        "refused: an unmounted share, a wrong --source)")


def _add_status_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--warehouse", required=True)
    parser.add_argument("--status", action="append", default=[],
                        choices=("ok", "partial", "failed", "skipped", "removed"),
                        help="only reports of this status; repeatable (files that are "
                        "no report are skipped unrecorded: skipped lists none so far)")
    parser.add_argument("--agency", action="append", default=[], metavar="NAME",
                        help="only this agency (any registered spelling); repeatable")
    parser.add_argument("--year", action="append", type=int, default=[], metavar="N",
                        help="only this statistics year; repeatable")
    parser.add_argument("--registry", metavar="FILE", help="agency registry CSV the "
                        "--agency names resolve in (default: the bundled one)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true",
                        help="one JSON object per report, its warnings included")
    output.add_argument("--csv", nargs="?", const="-", metavar="FILE",
                        help="write CSV (UTF-8 with a BOM, for Excel) to FILE, or stdout")


def _add_pipeline_commands(sub: argparse._SubParsersAction) -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    run = sub.add_parser("run", help="crawl, extract, check and load into the warehouse",
                         description="Run the Prefect flow over a source folder.",
                         epilog=RUN_EPILOG, formatter_class=fmt)
    _add_run_options(run)
    run.set_defaults(func=cmd_run)
    status = sub.add_parser("status", help="the last status of every report",
                            description="The last status of every report in the "
                            "warehouse, failures first, with their reasons.",
                            epilog=STATUS_EPILOG, formatter_class=fmt)
    _add_status_options(status)
    status.add_argument("--snapshots", action="store_true",
                        help="the snapshots kept instead, newest first, from their manifests")
    status.set_defaults(func=cmd_status)
    serve = sub.add_parser("serve", help="serve the nightly schedule from this machine",
                           description="Serve the nightly deployment (cron, Asia/Shanghai) "
                           "and the rerun deployment until Ctrl-C or SIGTERM.",
                           epilog=SERVE_EPILOG, formatter_class=fmt)
    serve.add_argument("--source", required=True, help="folder of report files, one "
                       "folder per agency")
    serve.add_argument("--warehouse", required=True, help="warehouse folder the runs "
                       "publish to")
    serve.add_argument("--cron", default="0 2 * * *", help='default: "0 2 * * *"')
    serve.add_argument("--registry", metavar="FILE", help="agency registry CSV")
    serve.add_argument("--port", type=int, default=4200,
                       help="port of the local Prefect server (default 4200)")
    serve.set_defaults(func=cmd_serve)
    sql = sub.add_parser("sql", help="query the warehouse with DuckDB",
                         description="DuckDB over the warehouse's Parquet files, with "
                         "views for the usual comparisons.", epilog=SQL_EPILOG,
                         formatter_class=fmt)
    sql.add_argument("--warehouse", required=True)
    sql.add_argument("-c", "--command", dest="query", help="run this SQL and exit")
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table",
                     help="how results are printed (default: table)")
    sql.add_argument("--tables", action="store_true", help="list the views and exit")
    sql.add_argument("--columns", metavar="VIEW",
                     help="list the columns of one view (type, 中文 header, meaning) and exit")
    sql.set_defaults(func=cmd_sql)
    compare = sub.add_parser("compare", help="one HTML report comparing a district's agencies",
                             description="A self-contained HTML report: agencies ranked "
                             "within their kind, trends since 2019, outcome shares with "
                             "their base, reviews and lawsuits, 表二, data quality; every "
                             "table with its CSV download.", epilog=COMPARE_EPILOG,
                             formatter_class=fmt)
    compare.add_argument("--warehouse", required=True)
    compare.add_argument("--out", required=True, help="HTML file to write")
    compare.add_argument("--year", action="append", type=int, default=[], metavar="N",
                         help="only this statistics year; repeatable (default: 2019 on)")
    compare.add_argument("--agency", action="append", default=[], metavar="NAME",
                         help="only this agency (any registered spelling); repeatable")
    compare.add_argument("--kind", action="append", default=[], metavar="KIND",
                         help="only agencies of this kind (区政府, 区政府部门, 乡镇街道…; "
                         "未分类 for those without one); repeatable")
    compare.add_argument("--source-root", metavar="DIR",
                         help="source folder: file:line references become file:// links")
    compare.add_argument("--registry", metavar="FILE", help="agency registry CSV")
    compare.add_argument("--title", help="the report's title")
    compare.set_defaults(func=cmd_compare)
    export = sub.add_parser("export", help="the views as an Excel workbook or CSV files",
                            description="The comparison views, one sheet each, with Chinese "
                            "headers and district totals.", epilog=EXPORT_EPILOG,
                            formatter_class=fmt)
    export.add_argument("--warehouse", required=True)
    export.add_argument("--out", metavar="FILE.xlsx", help="workbook to write")
    export.add_argument("--csv", metavar="DIR", help="folder to write one CSV file per sheet")
    export.add_argument("--year", action="append", type=int, default=[], metavar="N",
                        help="only this statistics year; repeatable (default: all)")
    export.add_argument("--agency", action="append", default=[], metavar="NAME",
                        help="only this agency (any registered spelling); repeatable")
    export.add_argument("--kind", action="append", default=[], metavar="KIND",
                        help="only agencies of this kind (区政府部门…); repeatable")
    export.add_argument("--registry", metavar="FILE", help="agency registry CSV")
    export.set_defaults(func=cmd_export)
    schema = sub.add_parser("schema", help="print the data dictionary (markdown)",
                            description="The warehouse's datasets, views, columns and canonical "
                            "keys, generated from the one schema source.")
    schema.set_defaults(func=cmd_schema)


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
    ext.add_argument("--json", action="store_true",
                     help="print each report as one JSON object (a line per file)")
    ext.add_argument("--agency", help="agency name; overrides the path and the report's text")
    ext.add_argument("--year", type=int,
                     help="statistics year; overrides the path and the report's text")
    ext.set_defaults(func=cmd_extract)
    _add_pipeline_commands(sub)
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
