"""``xxgk sql``: one query with -c, statements from a pipe, errors as one line, each
statement on the snapshot current when it is read."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from frames import batch, publish
from warehouses import publish_source

from flows.cli import main
from flows.sql import _run, statements, table_lines
from load.analysis import current_snapshot
from load.status import width
from load.views import VIEWS, connect
from load.warehouse import Warehouse
from synth.corpus import write_corpus


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sql")
    write_corpus(root / "src", n_agencies=2, years=range(2020, 2022), seed=4)
    publish_source(root / "src", root / "wh")
    return root / "wh"


def test_a_query_as_csv_and_json(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    query = "SELECT year, count(*) AS n FROM reports GROUP BY year ORDER BY year"
    assert main(["sql", "--warehouse", str(warehouse), "-c", query, "--format", "csv"]) == 0
    assert capsys.readouterr().out == "year,n\n2020,2\n2021,2\n"
    assert main(["sql", "--warehouse", str(warehouse), "-c", query, "--format", "json"]) == 0
    assert [json.loads(line) for line in capsys.readouterr().out.splitlines()] == [
        {"year": 2020, "n": 2}, {"year": 2021, "n": 2}]


def test_piped_statements_each_print(warehouse: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(
        "SELECT 1 AS a; SELECT 2 AS b;\nSELECT count(*) AS reports\nFROM reports;\n"))
    assert main(["sql", "--warehouse", str(warehouse), "--format", "csv"]) == 0
    assert capsys.readouterr().out == "a\n1\nb\n2\nreports\n4\n"


def test_an_sql_error_is_one_line(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sql", "--warehouse", str(warehouse), "-c", "SELECT nope FROM facts"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("xxgk: sql: Binder Error") and err.count("\n") == 1


def test_no_warehouse_is_a_usage_error(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sql", "--warehouse", str(tmp_path), "-c", "SELECT 1"]) == 2
    assert "is not a warehouse" in capsys.readouterr().err


def test_statements_split_on_semicolons_at_line_ends() -> None:
    text = io.StringIO("SELECT 1;\nSELECT\n 2;\nSELECT 3")
    assert list(statements(text, prompt=False)) == ["SELECT 1;\n", "SELECT\n 2;\n", "SELECT 3"]


# ------------------------------------------------------------------ one snapshot a statement

class PublishingStdin(io.StringIO):
    """Piped statements; a publish happens in the warehouse as the second is read."""

    def __init__(self, text: str, root: Path) -> None:
        super().__init__(text)
        self.root, self.lines = root, 0

    def readline(self, *args: object) -> str:
        self.lines += 1
        if self.lines == 2:
            publish(Warehouse(self.root, durable=False), **batch("ABC", [2020]).kwargs())
        return super().readline(*args)


def test_a_session_reads_the_snapshot_current_at_each_statement(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "wh"
    publish(Warehouse(root, durable=False), **batch("A", [2020]).kwargs())
    query = "SELECT (SELECT snapshot FROM warehouse_snapshot) AS s, count(*) AS n FROM reports;\n"
    monkeypatch.setattr("sys.stdin", PublishingStdin(query * 2, root))
    assert main(["sql", "--warehouse", str(root), "--format", "csv"]) == 0
    first, second = (line.split(",") for line in capsys.readouterr().out.split()[1::2])
    assert first[1] == "1" and second[1] == "3"
    assert first[0] != second[0] == current_snapshot(root).id


def test_a_statement_on_a_deleted_snapshot_fails_in_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "wh"
    publish(Warehouse(root, durable=False), **batch("A", [2020]).kwargs())
    snapshot = current_snapshot(root)
    con = connect(snapshot)
    for variant in (1, 2):  # the second publish deletes the first snapshot
        publish(Warehouse(root, durable=False), **batch("A", [2020], variant).kwargs())
    assert not _run(con, snapshot, "SELECT count(*) FROM facts", "csv")
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"xxgk: sql: snapshot {snapshot.id} of warehouse {root} was deleted")
    assert err.rstrip().endswith("read again")


# ------------------------------------------------------------ the views, described

def test_tables_lists_every_view_with_what_it_holds(
        warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sql", "--warehouse", str(warehouse), "--tables", "--format", "json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["view"] for r in rows] == list(VIEWS)
    con = connect(warehouse)
    for row in rows:  # every listed view answers a query with the columns it says
        described = con.execute(f"DESCRIBE {row['view']}").fetchall()
        assert row["columns"] == len(described) and row["description"]
    assert main(["sql", "--warehouse", str(warehouse), "--tables"]) == 0
    out = capsys.readouterr().out
    assert "district_year_summary" in out and "failed_checks" in out


def test_columns_of_a_view_with_chinese_headers(
        warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sql", "--warehouse", str(warehouse), "--columns", "agency_year_summary",
                 "--format", "csv"]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(frame.columns) == ["column", "type", "label", "meaning"]
    row = frame.set_index("column").loc["granted_share"]
    assert (row["type"], row["label"]) == ("DOUBLE", "予以公开比例")
    assert frame["meaning"].notna().all()


def test_columns_of_an_unknown_view_names_the_close_ones(
        warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sql", "--warehouse", str(warehouse), "--columns", "agency_summary"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("xxgk: sql: no view agency_summary (did you mean ")
    assert "agency_year_summary" in err and err.count("\n") == 1


def test_the_table_format_aligns_chinese_by_display_width() -> None:
    frame = pd.DataFrame({"agency": ["区司法局", "区住房和城乡建设局", "a\x1b[31m"],
                          "received": [12.0, None, 3.5], "ok": [True, False, None]})
    header, rule, *rows = table_lines(frame)
    assert rows[0] == "区司法局                  12  True"
    assert rows[1] == "区住房和城乡建设局            False"  # a null is an empty cell
    assert rows[2].startswith("a\\x1b[31m") and rows[2].rstrip().endswith("3.5")
    assert header == "agency" + " " * 14 + "received  ok"
    assert rule == "  ".join("-" * n for n in (18, 8, 5))  # 区住房和城乡建设局: 18 cells
    assert width(rows[1]) == 18 + 2 + 8 + 2 + 5
