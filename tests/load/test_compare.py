"""``xxgk compare``'s HTML report, against a generated district with known problems.

The district: 4 agencies × 2019–2023 from the generator, one report rewritten to break
arithmetic rules (failed checks), one report removed (a missing year), the generator's
broken files (failed and partial reports), and an unregistered agency whose name needs
HTML escaping. The report must list every agency and year, say why each missing cell
is missing, keep template-specific measures apart, and link every failed report and
check to its source file and line.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from frames import batch, publish
from warehouses import publish_source

import load.compare.data
from flows.cli import main
from load.analysis import comparability, current_snapshot, read_facts, read_reports
from load.compare import (
    OUTCOMES,
    SPECIFIC,
    build_report,
    esc,
    load_district,
    write_report,
)
from load.warehouse import Warehouse
from synth.corpus import corpus_agencies, write_broken, write_corpus
from synth.generator import generate_report

YEARS = list(range(2019, 2024))
SEED = 31
ODD_NAME = '区<测试>&"局'  # an unregistered agency whose name HTML must escape


def make_district(root: Path) -> dict:
    """Source and warehouse of the test district; returns what the tests look for."""
    src, wh = root / "src", root / "wh"
    write_corpus(src, n_agencies=4, years=YEARS, seed=SEED)
    agencies = corpus_agencies(4, SEED)
    broken_agency, gap_agency = agencies[0], agencies[1]
    for stale in (src / broken_agency).glob("2020.*"):
        stale.unlink()
    bad = generate_report(2, agency=broken_agency, year=2020, layout="pipe", encoding="utf-8",
                          break_rules=True)
    (src / broken_agency / "2020.txt").write_bytes(bad.data)
    for gone in (src / gap_agency).glob("2022.*"):
        gone.unlink()
    write_broken(src, agencies, SEED)
    (src / ODD_NAME).mkdir()
    for year in (2021, 2022):
        odd = generate_report(year, agency=ODD_NAME, year=year, layout="pipe",
                              encoding="utf-8")
        (src / ODD_NAME / f"{year}.txt").write_bytes(odd.data)
    publish_source(src, wh)
    return {"src": src, "wh": wh, "agencies": [*agencies, ODD_NAME],
            "broken_agency": broken_agency, "gap_agency": gap_agency}


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return make_district(tmp_path_factory.mktemp("compare"))


@pytest.fixture(scope="module")
def report(district: dict) -> str:
    return build_report(district["wh"], source_root=district["src"])


def _section(page: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}">(.*?)</section>', page, re.S)
    assert match, f"no section {section_id}"
    return match.group(1)


def _row(section: str, agency: str) -> str:
    match = re.search(rf'<tr data-agency="{re.escape(esc(agency))}">(.*?)</tr>', section, re.S)
    assert match, f"no row for {agency}"
    return match.group(1)


def _cells(row: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_every_agency_every_year_and_the_quality_panel(district: dict, report: str) -> None:
    assert report.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in report
    trends = _section(report, "trends")
    ranking = _section(report, "ranking")  # of 2023: every agency but the odd one
    assert all(esc(a) in ranking for a in district["agencies"] if a != ODD_NAME)
    for agency in district["agencies"]:
        _row(trends, agency)  # every agency has its row of years
    for year in YEARS:
        assert f'<th scope="col">{year}</th>' in trends
    quality = _section(report, "data-quality")
    assert "Reports not loaded cleanly (4)" in quality
    assert quality.count("status-failed") == 3 and quality.count("status-partial") == 1
    # 5 charts: received ranking, outcome mix, district trends, reviews/lawsuits
    assert report.count('<figure class="chart"') == 4
    assert report.count('<svg class="spark"') == len(district["agencies"])


def test_names_and_errors_are_escaped(district: dict, report: str) -> None:
    assert ODD_NAME not in report  # never raw: it would open a tag
    assert esc(ODD_NAME) in report
    errors = read_reports(district["wh"])["error"].dropna()
    assert len(errors) == 4
    for error in errors:
        assert esc(error) in _section(report, "data-quality")


def test_self_contained(report: str) -> None:
    """Viewable offline: no script, style, image or font fetched from anywhere."""
    assert not re.search(r'<(script|img|link|iframe)[^>]*\b(src|href)=', report)
    assert not re.search(r'(href|src)="(https?:)?//', report)
    assert "@import" not in report and "url(http" not in report


def test_missing_cells_say_why(district: dict, report: str) -> None:
    trends = _section(report, "trends")
    cells = _cells(_row(trends, district["gap_agency"]))
    assert cells[0] == district["gap_agency"]
    by_year = dict(zip(YEARS, cells[1:], strict=False))
    assert by_year[2022] == "no report"
    assert all(re.fullmatch(r"[\d,]+", by_year[y]) or by_year[y] in ("blank", "dash")
               for y in YEARS if y != 2022)
    assert "none loaded for this agency and year" in _row(trends, district["gap_agency"])
    odd = _cells(_row(trends, ODD_NAME))
    assert odd[1:3] == ["no report", "no report"] and odd[5] == "no report"
    # The change column needs both years: the gap agency has no 2022 figure.
    assert "no figure" in _cells(_row(trends, ODD_NAME))[len(YEARS) + 1]


def test_trends_use_comparable_keys_only() -> None:
    """Every 表三 cell behind the compared measures is printed by both templates (其他处理
    is compared as its one row, which 2021 sub-rows are summed into)."""
    comp = comparability().set_index(["table", "row_key", "col_key"])["comparable"]
    assert comp[("applications", "new_received", "total")]
    for key in OUTCOMES:
        rows = [k for k in comp.index if k[0] == "applications" and k[2] == "total"
                and (k[1] == key or (key != "other" and k[1].startswith(f"{key}.")))]
        assert rows and all(comp[k] for k in rows), key
    assert all(not comp[k] for k in SPECIFIC)


def test_template_specific_measures_only_in_their_years(district: dict, report: str) -> None:
    """A 2019-only and a 2021-only figure are never one row; their other years say why."""
    specific = _section(report, "specific")
    rows = re.findall(r"<tr>(.*?)</tr>", specific.split("<tbody>")[1], re.S)
    assert len(rows) == len(SPECIFIC)
    why = comparability().set_index(["table", "row_key", "col_key"])["why_not"]
    for key, row in zip(SPECIFIC, rows, strict=True):
        cells = _cells(row)
        template = why[key].split()[-2]
        assert cells[1] == template
        for year, cell in zip(YEARS, cells[2:], strict=True):
            printed = (year >= 2021) == (template == "2021")
            if printed:
                assert re.fullmatch(r"[\d,.]+", cell), (key, year, cell)
            else:
                assert cell == f"{template} template only", (key, year, cell)


def test_failed_checks_link_to_source_and_line(district: dict, report: str) -> None:
    quality = _section(report, "data-quality")
    agency = district["broken_agency"]
    source = f"{agency}/2020.txt"
    facts = read_facts(district["wh"], agencies=[agency])
    check_rows = re.findall(r'<tr class="check">(.*?)</tr>', quality, re.S)
    rules = {_cells(row)[2] for row in check_rows}
    # seed 2 breaks these two; its 上年结转/结转下年度 then disagree with the neighbours'
    assert rules == {"applications.balance", "reviews_litigation.block_sum",
                     "cross_year.carry"}
    for row in check_rows:
        cells = _cells(row)
        assert cells[1] == agency and cells[0] in ("2020", "2021")
        source, line = cells[-1].rsplit(":", 1)
        table = "applications" if cells[2] == "cross_year.carry" else cells[2].split(".")[0]
        # balance spans rows: its printed total is the (七)总计 row
        row_key = "total" if cells[2] == "applications.balance" else cells[3].split()[0]
        lines = facts[(facts["source"] == source) & (facts["table"] == table)
                      & (facts["row_key"] == row_key)
                      & (facts["col_key"] == (cells[4] or "total"))]["line"]
        assert int(line) == int(lines.iloc[0]), cells
        uri = (district["src"] / source).resolve().as_uri()
        assert f'href="{esc(uri)}"' in row
    assert f"{agency}/2020.txt:" in quality
    failed_sources = [f"{district['agencies'][i]}/2018" for i in range(4)]
    for source in failed_sources:
        assert source in quality


def test_without_source_root_paths_are_plain_text(district: dict) -> None:
    page = build_report(district["wh"])
    quality = _section(page, "data-quality")
    assert "file://" not in page and '<code class="src">' in quality


def test_year_and_agency_selection(district: dict) -> None:
    one_year = build_report(district["wh"], years=[2021])
    assert "Only 2021 selected" in _section(one_year, "trends")
    assert "<th scope=\"col\">2019</th>" not in one_year
    assert "2021 年排名" in one_year
    agency = district["agencies"][2]
    one_agency = build_report(district["wh"], agencies=[agency])
    ranking = _section(one_agency, "ranking")
    assert esc(agency) in ranking
    assert all(esc(other) not in ranking for other in district["agencies"] if other != agency)
    data = load_district(district["wh"], years=[2020], agencies=[agency])
    assert set(data.summary["year"]) == {2020} and data.years == [2020]


def test_default_years_start_in_2019_but_quality_keeps_older_failures(district: dict) -> None:
    data = load_district(district["wh"])
    assert data.years == YEARS  # the partial 2018 report is not compared
    assert set(data.reports.loc[data.reports["status"] != "ok", "year"].dropna()) == {2018}


def test_command_line(district: dict, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "report.html"
    assert main(["compare", "--warehouse", str(district["wh"]), "--out", str(out),
                 "--year", "2022", "--year", "2023"]) == 0
    assert out.read_text(encoding="utf-8").count("<svg") >= 3
    assert "wrote" in capsys.readouterr().out
    assert main(["compare", "--warehouse", str(tmp_path / "none"), "--out", str(out)]) == 2
    assert "is not a warehouse" in capsys.readouterr().err


def test_an_agency_the_warehouse_does_not_hold_is_one_line(
        district: dict, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "r.html"
    base = ["compare", "--warehouse", str(district["wh"]), "--out", str(out)]
    # 区教育局 is loaded: a typo of it is close to its name and its registered spellings.
    assert main([*base, "--agency", "区教育局", "--agency", "区教育"]) == 2
    assert capsys.readouterr() == ("", "xxgk: compare: no agency 区教育 in the warehouse "
                                   "(did you mean 区教育局 or 区教育体育局?)\n")
    # 区应急管理局 is registered, but the warehouse holds none of its reports.
    assert main([*base, "--agency", "区应急管理局"]) == 2
    assert capsys.readouterr().err.startswith("xxgk: compare: no agency 区应急管理局 in the "
                                              "warehouse")
    assert not out.exists()
    # Every spelling that resolves to a loaded agency is taken, and the unregistered one.
    assert main([*base, "--agency", "区教育体育局", "--agency", ODD_NAME]) == 0
    assert "wrote" in capsys.readouterr().out


def test_an_out_folder_that_does_not_exist_is_one_line(
        district: dict, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "typo" / "r.html"
    assert main(["compare", "--warehouse", str(district["wh"]), "--out", str(out)]) == 2
    assert capsys.readouterr() == ("", f"xxgk: compare: cannot write {out}: its folder "
                                   f"{tmp_path / 'typo'} does not exist\n")
    assert not (tmp_path / "typo").exists()


def test_write_report_replaces_the_file(district: dict, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    out.write_text("old", encoding="utf-8")
    assert write_report(district["wh"], out, years=[2023]) == out
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not list(tmp_path.glob(".*.tmp"))


# ----------------------------------------------------------------------- one snapshot

def test_the_report_reads_one_snapshot_and_names_it(district: dict, report: str) -> None:
    assert f"(snapshot {current_snapshot(district['wh']).id})" in report


def test_a_district_whose_snapshot_is_deleted_meanwhile_is_read_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "wh"
    publish(Warehouse(root, durable=False), **batch("AB", [2020, 2021]).kwargs())
    first = current_snapshot(root).id
    real = load.compare.data._summary

    def two_publishes_during_the_first_read(*args: object) -> object:
        if current_snapshot(root).id == first:
            for variant in (1, 2):
                publish(Warehouse(root, durable=False),
                        **batch("ABC", [2020, 2021], variant).kwargs())
        return real(*args)

    monkeypatch.setattr(load.compare.data, "_summary", two_publishes_during_the_first_read)
    district = load_district(root)
    assert district.snapshot == current_snapshot(root).id != first
    assert set(district.summary["agency_id"]) == {"A", "B", "C"}
    assert set(district.reports["agency_id"]) == {"A", "B", "C"}


def test_a_warehouse_it_cannot_read_is_one_line(tmp_path: Path,
                                                capsys: pytest.CaptureFixture) -> None:
    root = tmp_path / "wh"
    publish(Warehouse(root, durable=False), **batch("A", [2020]).kwargs())
    (root / ".current").unlink()
    (root / ".current").symlink_to(".snapshots/gone")
    assert main(["compare", "--warehouse", str(root), "--out", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"snapshot gone of warehouse {root}" in err
