"""The README's worked questions for analysts run as written.

Every ```python and ```sql block of the sections "Questions analysts ask" and "From
question to answer" is run against a warehouse built from a generated district (the
blocks name ``data/warehouse``; the test points them at its own). A renamed function,
view or column makes this fail before an analyst finds out.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from warehouses import publish_source

from load.views import connect
from synth.corpus import write_corpus

README = Path(__file__).resolve().parents[1] / "README.md"
SECTION = "### Questions analysts ask"
WALK = "### From question to answer"


def _blocks(language: str, title: str = SECTION) -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index(title):]
    section = section[:section.index("\n### ", len(title))]
    return re.findall(rf"```{language}\n(.*?)```", section, flags=re.S)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("readme")
    write_corpus(root / "src", n_agencies=4, years=range(2019, 2025), seed=8,
                 n_rule_breakers=2)
    publish_source(root / "src", root / "wh")
    return root / "wh"


def test_the_section_has_five_questions_in_both_languages() -> None:
    assert len(_blocks("python")) == len(_blocks("sql")) == 5


@pytest.mark.parametrize("number", range(5))
def test_python_block_runs(number: int, warehouse: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    code = _blocks("python")[number].replace('"data/warehouse"', repr(str(warehouse)))
    exec(compile(code, f"README python block {number + 1}", "exec"), {})
    assert capsys.readouterr().out.strip()


@pytest.mark.parametrize("number", range(5))
def test_sql_block_runs(number: int, warehouse: Path) -> None:
    con = connect(warehouse)
    frame = con.execute(_blocks("sql")[number]).df()
    assert len(frame.columns) >= 2


def test_the_walk_runs_in_pandas_and_sql_and_names_the_export(
        warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, = _blocks("python", WALK)
    exec(compile(code.replace('"data/warehouse"', repr(str(warehouse))), "README walk",
                 "exec"), {})
    out = capsys.readouterr().out
    assert "granted_share" in out and "all bureaus:" in out
    con = connect(warehouse)
    ranked, groups = (con.execute(sql).df() for sql in _blocks("sql", WALK))
    assert len(ranked) and set(groups["grouping"]) >= {"全区", "区政府部门"}
    text = README.read_text(encoding="utf-8")
    assert "xxgk export --warehouse data/warehouse --out district.xlsx" in text


def test_the_failed_checks_question_finds_the_rule_breakers(
        warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = _blocks("python")[2].replace('"data/warehouse"', repr(str(warehouse)))
    exec(compile(code, "README python block 3", "exec"), {})
    out = capsys.readouterr().out
    failed = connect(warehouse).execute(_blocks("sql")[2]).df()
    assert len(failed) > 0 and failed["agency"].notna().all()
    assert all(rule in out for rule in set(failed["rule"]))


def test_the_walk_in_excel_finds_what_the_sql_finds(warehouse: Path, tmp_path: Path) -> None:
    """The sheets and headers the README names exist, and filtering and sorting as it
    says gives the bureaus the SQL ranks."""
    import openpyxl

    from load.export import export

    book = openpyxl.load_workbook(export(warehouse, out=tmp_path / "d.xlsx").workbook,
                                  read_only=True)
    sheets = {name.split()[0]: book[name] for name in book.sheetnames}
    assert {"机关年度汇总", "全区及类别合计"} <= set(sheets)
    rows = list(sheets["机关年度汇总"].iter_rows(values_only=True))
    labels = rows[0]
    for header in ("机关类别", "年度", "基数过小", "予以公开比例", "新收增减", "新收增减率"):
        assert header in labels, header
    frame = pd.DataFrame(rows[2:], columns=labels)
    mine = frame[(frame["机关类别"] == "区政府部门") & (frame["年度"] == 2024)
                 & frame["基数过小"].eq(False)].sort_values("予以公开比例")
    ranked = connect(warehouse).execute(_blocks("sql", WALK)[0]).df()
    assert list(mine["机关"].head(5)) == list(ranked["agency"])
    district = pd.DataFrame(list(sheets["全区及类别合计"].iter_rows(values_only=True))[2:],
                            columns=next(sheets["全区及类别合计"].iter_rows(values_only=True)))
    assert {"全区", "区政府部门"} <= set(district.loc[district["年度"] == 2024, "范围"])
