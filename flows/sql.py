"""``xxgk sql``: DuckDB over the warehouse, one query or a small prompt.

The views are defined by :mod:`load.views`; this module only reads SQL (from ``-c``,
from a pipe, or typed at a prompt, statements ending with ``;``) and prints results
as a table, CSV or JSON lines. An SQL error is one line on stderr, and the prompt
goes on.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import TextIO

import duckdb
import pandas as pd

from load.views import connect


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


def show(frame: pd.DataFrame, fmt: str, out: TextIO) -> None:
    if fmt == "csv":
        frame.to_csv(out, index=False)
    elif fmt == "json":
        frame.to_json(out, orient="records", lines=True, force_ascii=False)
    else:
        with pd.option_context("display.max_rows", 200, "display.width", 200):
            out.write(frame.to_string(index=False) + "\n")


def _run(con: duckdb.DuckDBPyConnection, text: str, fmt: str) -> bool:
    """Run every statement of ``text`` (DuckDB's parser splits them), printing each
    result; stop at the first error."""
    try:
        for statement in con.extract_statements(text):
            result = con.execute(statement)
            if result.description:
                show(result.df(), fmt, sys.stdout)
    except duckdb.Error as err:
        print(f"xxgk: sql: {' '.join(str(err).split())}", file=sys.stderr)
        return False
    return True


def sql_command(args: argparse.Namespace) -> int:
    try:
        con = connect(args.warehouse)
    except FileNotFoundError as err:
        print(f"xxgk: {err}", file=sys.stderr)
        return 2
    if args.query:
        return 0 if _run(con, args.query, args.format) else 1
    ok = True
    for query in statements(sys.stdin, prompt=sys.stdin.isatty()):
        ok = _run(con, query, args.format) and ok
    return 0 if ok else 1


__all__ = ["sql_command", "statements"]
