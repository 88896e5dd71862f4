"""``xxgk sql``: one query with -c, statements from a pipe, errors as one line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from warehouses import publish_source

from flows.cli import main
from flows.sql import statements
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
