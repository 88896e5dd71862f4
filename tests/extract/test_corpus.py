"""Real reports from the shared corpus: every expected cell and every hand-read figure.

The corpus is not copied into the repo; these tests skip where ``../shared`` is
absent. The OCR markdown reports (r008–r010) are tested in test_corpus_ocr.py.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from extract.report import extract_file

REQUIRED = ("seed-binjiang-emergency-2020", "r011", "r012", "r013")


def _manifest(corpus: Path) -> dict[str, dict[str, str]]:
    with open(corpus / "manifest.csv", encoding="utf-8") as fh:
        return {row["id"]: row for row in csv.DictReader(fh)}


def _values(path: Path) -> dict[tuple[str, str, str], float | None]:
    report = extract_file(path)
    return {(f.table, f.row_key, f.col_key): f.value for f in report.facts}


def test_seed_every_cell(corpus: Path) -> None:
    values = _values(corpus / "reports" / "seed-binjiang-emergency-2020.txt")
    with open(corpus / "expected" / "seed-binjiang-emergency-2020.csv", encoding="utf-8") as fh:
        expected = list(csv.DictReader(fh))
    assert len(expected) == 198
    wrong = [
        (e["table"], e["row_key"], e["col_key"], values.get((e["table"], e["row_key"],
                                                             e["col_key"])), e["value"])
        for e in expected
        if values.get((e["table"], e["row_key"], e["col_key"])) != float(e["value"])
    ]
    assert wrong == []


def test_seed_identity_template_and_format(corpus: Path) -> None:
    report = extract_file(corpus / "reports" / "seed-binjiang-emergency-2020.txt")
    assert (report.agency, report.year, report.template) == ("区应急管理局", 2020, "2019")
    assert (report.format, report.encoding) == ("pipe", "utf-8")
    licensing = {f.col_key: f for f in report.facts if f.row_key == "licensing"}
    assert licensing["change"].value == -7 and licensing["change"].raw_value == "减7"
    amount = next(f for f in report.facts if f.row_key == "procurement" and f.col_key == "amount")
    assert (amount.value, amount.unit, amount.raw_value) == (144000.0, "yuan", "14.4万元")
    assert all(c.passed for c in report.checks)
    assert len(report.checks) == 40


@pytest.mark.parametrize("stem", ["r011", "r012", "r013"])
@pytest.mark.parametrize("suffix", [".txt", ".pdf"])
def test_pdf_reports_hand_read_figures(corpus: Path, stem: str, suffix: str,
                                      figure_cells: dict[str, list]) -> None:
    row = _manifest(corpus)[stem]
    report = extract_file(corpus / "reports" / f"{stem}{suffix}")
    values = {(f.table, f.row_key, f.col_key): f.value for f in report.facts}
    assert report.template == row["template"]
    assert report.year == int(row["year"])
    assert report.agency and report.agency in row["agency"]
    for figure, cells in figure_cells.items():
        if not row[figure].strip():
            continue
        got = sum(values[c] for c in cells)
        assert got == float(row[figure]), figure


def test_r011_every_table_two_cell_and_fee_unit(corpus: Path) -> None:
    values = _values(corpus / "reports" / "r011.txt")
    assert values[("active_disclosure", "rules", "in_force")] == 11
    assert values[("active_disclosure", "normative_documents", "repealed")] == 26
    assert values[("active_disclosure", "licensing", "decisions")] == 447228
    # 96171.6 万元, printed under 本年收费金额（单位：万元）
    assert values[("active_disclosure", "fees", "amount")] == pytest.approx(961716000.0)
    assert values[("applications", "other.other", "total")] == 110
    assert values[("applications", "other", "total")] == 71 + 6 + 110


def test_r011_pdf_and_text_layer_agree(corpus: Path) -> None:
    pdf = extract_file(corpus / "reports" / "r011.pdf")
    txt = extract_file(corpus / "reports" / "r011.txt")
    assert [f.as_dict() | {"line": None} for f in pdf.facts] == [
        f.as_dict() | {"line": None} for f in txt.facts
    ]
    assert pdf.format == "pdf" and txt.format == "text"


def test_r012_single_other_row_and_typo(corpus: Path) -> None:
    report = extract_file(corpus / "reports" / "r012.txt")
    rows = {f.row_key for f in report.facts}
    assert "withheld.prohibited_by_law" in rows  # printed as 其他法律行政止公开
    other = [f for f in report.facts if f.row_key == "other"]
    assert other and all(f.cell == "number" for f in other)
    assert not rows & {"other.no_correction", "other.fee_unpaid", "other.other"}
    assert report.template == "2021"


def test_r013_inconsistent_table_four_is_reported_not_fixed(corpus: Path) -> None:
    report = extract_file(corpus / "reports" / "r013.txt")
    values = {(f.table, f.row_key, f.col_key): f.value for f in report.facts}
    assert values[("reviews_litigation", "review", "total")] == 0
    assert values[("reviews_litigation", "review", "upheld")] == 10
    failed = {(c.rule, c.row_key) for c in report.checks if not c.passed}
    assert failed == {
        ("reviews_litigation.block_sum", "review"),
        ("reviews_litigation.block_sum", "litigation_after_review"),
    }


@pytest.mark.parametrize("name", ["r008.txt", "r009.md", "r010.md"])
def test_ocr_markdown_reports_do_not_crash(corpus: Path, name: str) -> None:
    report = extract_file(corpus / "reports" / name)
    assert report.year is not None
    assert report.facts
