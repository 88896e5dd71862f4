"""``xxgk sql``: DuckDB over the warehouse, one query or a small prompt.

The views are defined by :mod:`load.views`; this module only reads SQL (from ``-c``,
from a pipe, or typed at a prompt, statements ending with ``;``) and prints results
as an aligned table (Chinese characters two cells wide, nulls empty), CSV or JSON
lines. An SQL error is one line on stderr, and the prompt
goes on. ``--tables`` lists the views and what each holds, ``--columns VIEW`` the
columns of one (type, Chinese header, meaning), in the same formats.

The views read one snapshot of the warehouse. Before each input (the ``-c`` text, or a
statement of the prompt or the pipe) they are pointed at the current snapshot if a
publish replaced it, so a session left open sees new data, and every statement reads
one publish.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Iterator
from typing import TextIO

import duckdb
import pandas as pd

from extract.names import printable
from load.analysis import current_snapshot
from load.status import pad, width
from load.views import VIEWS, bind, bound_snapshot, connect, reading, views
from load.warehouse import Snapshot, WarehouseError
from transform.agencies import did_you_mean


def statements(stream: TextIO, prompt: bool) -> Iterator[str]:
    """Statements read from ``stream``, each ended by ``;`` (or the end of input)."""
    buffer: list[str] = []
    while True:
        if prompt:
            print("xxgk> " if not buffer else "  ... ", end="", flush=True)
        line = stream.readline()
        if not line:
            break
        buffer.append(line)
        if line.rstrip().endswith(";"):
            yield "".join(buffer)
            buffer = []
    if "".join(buffer).strip():
        yield "".join(buffer)


def _cell(value: object) -> str:
    """A value as the table shows it: null empty, 12.0 as 12, names escaped."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return printable(str(value))


def table_lines(frame: pd.DataFrame) -> list[str]:
    """``frame`` as an aligned text table: a header, a rule, one line a row; columns
    sized in terminal cells (a Chinese character takes two), numbers on the right."""
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(
        frame[c]) for c in frame.columns]
    header = [printable(str(c)) for c in frame.columns]
    body = [[_cell(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    widths = [max([width(header[i]), *(width(r[i]) for r in body)])
              for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join((" " * (w - width(c)) + c) if right else pad(c, w)
                         for c, w, right in zip(cells, widths, numeric, strict=True)).rstrip()

    return [line(header), "  ".join("-" * w for w in widths), *(line(r) for r in body)]


def show(frame: pd.DataFrame, fmt: str, out: TextIO) -> None:
    if fmt == "csv":
        frame.to_csv(out, index=False)
    elif fmt == "json":
        frame.to_json(out, orient="records", lines=True, force_ascii=False)
    else:
        out.write("\n".join(table_lines(frame)) + "\n")


def _follow(con: duckdb.DuckDBPyConnection, warehouse: str) -> Snapshot:
    """Point the views at the warehouse's current snapshot if it is not theirs."""
    snapshot = current_snapshot(warehouse)
    if snapshot.id != bound_snapshot(con):
        bind(con, snapshot)
    return snapshot


def _run(con: duckdb.DuckDBPyConnection, snapshot: Snapshot, text: str, fmt: str) -> bool:
    """Run every statement of ``text`` (DuckDB's parser splits them) on the views of
    ``snapshot``, printing each result; stop at the first error."""
    try:
        with reading(snapshot):
            for statement in con.extract_statements(text):
                result = con.execute(statement)
                if result.description:
                    show(result.df(), fmt, sys.stdout)
    except (duckdb.Error, WarehouseError) as err:
        print(f"xxgk: sql: {' '.join(str(err).split())}", file=sys.stderr)
        return False
    return True


def _first_sentence(text: str) -> str:
    head, dot, _ = text.partition(". ")
    return head + ("." if dot else "")


def tables_frame(con: duckdb.DuckDBPyConnection, full: bool) -> pd.DataFrame:
    """One row per view: its name, number of columns and description (its first
    sentence unless ``full``)."""
    return pd.DataFrame([
        {"view": v.name, "columns": len(v.columns),
         "description": v.description if full else _first_sentence(v.description)}
        for v in views(con)])


def columns_frame(con: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame | None:
    """The columns of view ``name`` (None when there is no such view)."""
    view = next((v for v in views(con) if v.name == name), None)
    if view is None:
        return None
    return pd.DataFrame([{"column": c.name, "type": c.type, "label": c.label,
                          "meaning": c.meaning} for c in view.columns])


def _describe(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> int:
    if args.columns is None:
        show(tables_frame(con, full=args.format != "table"), args.format, sys.stdout)
        return 0
    frame = columns_frame(con, args.columns)
    if frame is None:
        print(f"xxgk: sql: no view {args.columns}" + did_you_mean(args.columns, VIEWS),
              file=sys.stderr)
        return 2
    show(frame, args.format, sys.stdout)
    return 0


def sql_command(args: argparse.Namespace) -> int:
    try:
        con = connect(args.warehouse)
    except (FileNotFoundError, WarehouseError) as err:
        print(f"xxgk: {err}", file=sys.stderr)
        return 2
    if args.tables or args.columns is not None:
        return _describe(con, args)
    texts = [args.query] if args.query else statements(sys.stdin, prompt=sys.stdin.isatty())
    ok = True
    for text in texts:
        try:
            snapshot = _follow(con, args.warehouse)
        except (FileNotFoundError, WarehouseError) as err:
            print(f"xxgk: {err}", file=sys.stderr)
            return 2
        ok = _run(con, snapshot, text, args.format) and ok
    return 0 if ok else 1


__all__ = ["columns_frame", "sql_command", "statements", "tables_frame"]
