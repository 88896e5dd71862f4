"""``xxgk compare``'s HTML report, against a generated district with known problems.

The district: 4 agencies × 2019–2023 from the generator (the district government's
office and three bureaus), a bureau of tiny volume (shares on a small base), two towns
(one of them failing in 2023), one report rewritten to break arithmetic rules (failed
checks), one report removed (a missing year), the generator's broken files (failed and
partial reports), and an unregistered agency whose name needs HTML escaping and which
has no 2023 report. Every figure the report shows is compared with the same data read
through ``load.views.connect``.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pandas as pd
import pytest
from compare_page import PageTable, plain, section, tables, visible
from district import FOCUS, KINDS, ODD_NAME, TINY, TOWNS, YEARS, make_district
from frames import batch, publish, two_publishes_during_first_read

import load.compare.data
from flows.cli import main
from load.analysis import comparability, current_snapshot, read_reports
from load.compare import OUTCOMES, build_report, esc, load_district, write_report
from load.compare.disclosure import comparable_measures, specific_measures
from load.compare.groups import SMALL_RULE
from load.compare.html import SMALL_NOTE, fmt_change, fmt_count, fmt_delta, fmt_share
from load.views import DISTRICT, SMALL_BASE, connect
from load.warehouse import Warehouse


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return make_district(tmp_path_factory.mktemp("compare"))


@pytest.fixture(scope="module")
def views(district: dict):
    con = connect(district["wh"])
    yield con
    con.close()


def _frame(con, sql: str) -> pd.DataFrame:
    return con.execute(sql).df()


@pytest.fixture(scope="module")
def summary(views) -> pd.DataFrame:
    return _frame(views, "SELECT * FROM agency_year_summary WHERE year >= 2019")


@pytest.fixture(scope="module")
def totals(views) -> pd.DataFrame:
    return _frame(views, "SELECT * FROM district_year_summary WHERE year >= 2019")


@pytest.fixture(scope="module")
def report(district: dict) -> str:
    return build_report(district["wh"], source_root=district["src"])


@pytest.fixture(scope="module")
def page_tables(report: str) -> dict[str, PageTable]:
    return tables(report)


def _total(totals: pd.DataFrame, year: int, group: str = DISTRICT) -> pd.Series:
    row = totals[(totals["year"] == year) & (totals["grouping"] == group)]
    assert len(row) == 1
    return row.iloc[0]


def _focus(summary: pd.DataFrame) -> pd.DataFrame:
    return summary[summary["year"] == FOCUS].set_index("agency")


def _count(value: object) -> str:
    return fmt_count(value)


def test_the_district_has_what_the_rules_need(summary: pd.DataFrame) -> None:
    """The fixture itself: small and big bases, every kind, a failure in the focus year."""
    focus = _focus(summary)
    assert focus.loc[TINY, "small_base"] and not focus["small_base"].fillna(True).all()
    assert set(summary["agency_kind"]) == set(KINDS)
    assert "failed" in focus.loc[TOWNS[1], "status"]
    small_before = summary[summary["received_previous"] < SMALL_BASE]
    assert small_before["received_change"].notna().any()


# --------------------------------------------------------------------- the whole page

def test_every_agency_every_year_and_the_quality_panel(district: dict, report: str,
                                                       page_tables: dict) -> None:
    assert report.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in report
    ranking = page_tables[f"ranking-{FOCUS}"]
    ranked = {r.agency for r in ranking.agency_rows()}
    assert ranked == set(district["agencies"]) - {ODD_NAME}  # no 2023 report
    trend = page_tables["trend-received"]
    assert {r.agency for r in trend.agency_rows()} == set(district["agencies"])
    for year in YEARS:
        assert str(year) in trend.header_texts()
    quality = section(report, "data-quality")
    assert "Reports needing a look" in quality
    # charts: received ranking, outcome mix, district trends, reviews/lawsuits
    assert report.count('<figure class="chart"') == 4
    # one sparkline per agency, per kind subtotal and for the total
    assert report.count('<svg class="spark"') == len(district["agencies"]) + len(KINDS) + 1


def test_names_and_errors_are_escaped(district: dict, report: str, page_tables: dict) -> None:
    assert ODD_NAME not in report  # never raw: it would open a tag
    assert esc(ODD_NAME) in report
    trend = page_tables["trend-received"]
    assert [r[0] for r in trend.csv_rows if r[0] == ODD_NAME] == [ODD_NAME]  # raw in the CSV
    errors = read_reports(district["wh"])["error"].dropna()
    assert len(errors) == 5
    for error in errors:
        assert esc(error) in section(report, "data-quality")


def test_self_contained(report: str) -> None:
    """Viewable offline: no script, style, image or font fetched from anywhere."""
    assert not re.search(r'<(script|img|link|iframe)[^>]*\b(src|href)=', report)
    assert not re.search(r'(href|src)="(https?:)?//', report)
    assert "@import" not in report and "url(http" not in report
    assert re.findall(r'href="([a-z]+):', report) and all(
        scheme in ("data", "file") for scheme in re.findall(r'href="([a-z]+):', report))


def test_the_page_states_its_rules_and_the_excel_export(district: dict, report: str) -> None:
    text = visible(report)
    assert visible(esc(SMALL_RULE)) in text
    assert f"xxgk export --warehouse {district['wh']} --out FILE.xlsx" in text


# ------------------------------------------------------------------------ downloads

def test_every_table_has_a_csv_download_that_holds_what_it_shows(report: str,
                                                                 page_tables: dict) -> None:
    assert report.count('<table class=') == len(page_tables) >= 10
    for table in page_tables.values():
        assert table.bom, table.slug
        head, *rows = table.csv_rows
        assert len(head) == sum(table.spans()), table.slug
        shown = [r for r in table.rows if r.in_csv]
        assert len(rows) == len(shown), table.slug
        for html_row, csv_row in zip(shown, rows, strict=True):
            if len(html_row.cells) == 1:  # a coverage line across the table
                assert csv_row == [html_row.cells[0].title or html_row.cells[0].text]
                continue
            values = iter(csv_row)
            for cell, span in zip(html_row.cells, table.spans(), strict=True):
                for value in (next(values) for _ in range(span)):
                    seen = f"{cell.text} {plain(cell.text)} {cell.title}"
                    assert value in seen, (table.slug, html_row.texts, value)


def test_the_ranking_csv_is_the_summary_view(page_tables: dict, summary: pd.DataFrame,
                                             totals: pd.DataFrame) -> None:
    focus = _focus(summary)
    rows = page_tables[f"ranking-{FOCUS}"].csv_dicts()
    agencies = [r for r in rows if r["机关 agency"] in focus.index]
    assert len(agencies) == len(focus)
    for r in agencies:
        want = focus.loc[r["机关 agency"]]
        assert r["类别 kind"] == want["agency_kind"]
        if pd.notna(want["received"]):
            assert r["新收 received"] == plain(_count(want["received"]))
        if want["outcomes"] > 0:
            assert r["予以公开 granted %"] == fmt_share(want["granted_share"])
            assert r["n 办理结果 outcomes"] == plain(_count(want["outcomes"]))
    total = next(r for r in rows if r["机关 agency"].startswith(f"{DISTRICT}合计"))
    assert total["新收 received"] == plain(_count(_total(totals, FOCUS)["received"]))


# ------------------------------------------------------------------ shares and bases

def test_shares_stand_beside_their_base(page_tables: dict, summary: pd.DataFrame) -> None:
    ranking = page_tables[f"ranking-{FOCUS}"]
    n_col = ranking.column("n 办理结果 outcomes")
    share_cols = [ranking.column(f"{label} %") for label, _ in OUTCOMES.values()]
    assert share_cols[0] == n_col + 1  # n right before the shares
    focus = _focus(summary)
    for row in ranking.agency_rows():
        outcomes = focus.loc[row.agency, "outcomes"]
        if pd.notna(outcomes) and outcomes > 0:
            assert row.cells[n_col].text == _count(outcomes)
            for col in share_cols:
                if row.cells[col].attr("data-v"):
                    assert row.cells[col].title.startswith(f"n={_count(outcomes)}")
    by_key = summary.set_index(["agency", "year"])
    for key in ("granted", "withheld", "unavailable"):
        matrix = page_tables[f"trend-{key}-share"]
        for row in matrix.agency_rows():
            for year in YEARS:
                cell = row.cells[matrix.column(str(year))]
                if (row.agency, year) not in by_key.index:
                    continue
                want = by_key.loc[(row.agency, year)]
                if pd.notna(want[f"{key}_share"]):
                    assert cell.text == f"{fmt_share(want[f'{key}_share'])}n={_count(want['outcomes'])}"
                    assert cell.title.startswith(f"n={_count(want['outcomes'])}")
                    small = "small" in (cell.attr("class") or "")
                    assert small == (want["outcomes"] < SMALL_BASE)


def test_small_bases_are_greyed_and_ranked_after_the_others(
        page_tables: dict, summary: pd.DataFrame, report: str) -> None:
    focus = _focus(summary)
    ranking = page_tables[f"ranking-{FOCUS}"]
    seen_small = False
    for group in ranking.groups:
        after_separator = False
        for row in group:
            if "sep" in row.css:
                after_separator = True
                assert f"fewer than {SMALL_BASE} outcomes" in row.texts[0]
            elif row.agency is not None:
                outcomes = focus.loc[row.agency, "outcomes"]
                small = pd.isna(outcomes) or outcomes < SMALL_BASE
                assert small == after_separator == ("small" in row.css), row.agency
                seen_small |= small
    assert seen_small
    # the outcome-mix chart: within each kind, small bases after the separator
    chart = re.findall(r'<figure class="chart"[^>]*>(.*?)</figure>',
                       section(report, "ranking"), re.S)[1]
    labels = [visible(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", chart, re.S)]
    blocks = _blocks(labels)
    drawn = focus[focus["outcomes"] > 0]
    assert (drawn["outcomes"] < SMALL_BASE).any()
    for agency, row in drawn.iterrows():
        block = blocks[row["agency_kind"]]
        separator = next((i for i, t in enumerate(block) if "small base" in t), len(block))
        assert (block.index(agency) > separator) == (row["outcomes"] < SMALL_BASE), agency


def _blocks(labels: list[str]) -> dict[str, list[str]]:
    """A ranking chart's labels by kind heading (【kind】)."""
    out: dict[str, list[str]] = {}
    current: list[str] = []
    for label in labels:
        heading = re.match(r"【(.+?)】", label)
        if heading:
            current = out.setdefault(heading.group(1), [])
        else:
            current.append(label)
    return out


# ------------------------------------------------------------------------- changes

def test_every_year_pair_has_its_change_absolute_and_relative(
        page_tables: dict, summary: pd.DataFrame) -> None:
    matrix = page_tables["trend-received"]
    by_key = summary.set_index(["agency", "year"])
    suppressed = 0
    for before, after in itertools.pairwise(YEARS):
        col = matrix.column(f"Δ {before}→{after}")
        assert col == matrix.column(str(after)) + 1
        for row in matrix.agency_rows():
            if (row.agency, after) not in by_key.index:
                continue
            want = by_key.loc[(row.agency, after)]
            cell = row.cells[col]
            if pd.isna(want["received_change"]):
                assert "na" in (cell.attr("class") or "") and cell.title, (row.agency, after)
                continue
            assert float(cell.attr("data-v")) == want["received_change"]
            pct = (SMALL_NOTE if want["received_previous"] < SMALL_BASE
                   else fmt_change(want["received_change_pct"]))
            assert cell.text == f"{fmt_delta(want['received_change'])} ({pct})"
            suppressed += pct == SMALL_NOTE
    assert suppressed
    headers = matrix.csv_rows[0]
    for before, after in itertools.pairwise(YEARS):
        assert f"增减 change {before}→{after}" in headers
        assert f"增减率 change % {before}→{after}" in headers


def test_the_district_change_is_like_for_like_every_year(page_tables: dict,
                                                         totals: pd.DataFrame) -> None:
    table = page_tables["totals-per-year"]
    change = table.column("增减 change (like for like)")
    whole = [r for r in table.groups[0] if r.in_csv]
    assert [r.texts[0] for r in whole] == [str(y) for y in YEARS]
    for row, year in zip(whole[1:], YEARS[1:], strict=True):
        want = _total(totals, year)
        cell = row.cells[change]
        assert float(cell.attr("data-v")) == want["received_change"]
        assert f"{int(want['agencies_like_for_like'])} agencies" in cell.title
    assert "not compared" in whole[0].cells[change].title  # 2018 is not shown


# -------------------------------------------------------------------------- totals

def _sum_of(table: PageTable, rows, col: int) -> float:
    return sum(float(r.cells[col].attr("data-v")) for r in rows
               if r.cells[col].attr("data-v"))


def test_total_rows_are_the_sums_and_say_whom_they_cover(
        district: dict, page_tables: dict, totals: pd.DataFrame) -> None:
    ranking = page_tables[f"ranking-{FOCUS}"]
    received = ranking.column("新收 received")
    total, cover = ranking.foot
    assert "total" in total.css and total.texts[0].startswith(f"{DISTRICT}合计")
    want = _total(totals, FOCUS)
    assert float(total.cells[received].attr("data-v")) == want["received"] == _sum_of(
        ranking, ranking.agency_rows(), received)
    assert total.texts[0] == f"{DISTRICT}合计 ({want['agencies_with_figure']} of {want['agencies']})"
    text = cover.cells[0].title or cover.texts[0]
    assert f"{want['agencies_with_figure']} of {want['agencies']} agencies" in text
    assert f"no report (1): {ODD_NAME}" in text
    assert f"failed (1): {district['failed_agency']}" in text
    for group in ranking.groups:
        subtotal = group[-1]
        assert "subtotal" in subtotal.css
        kind = subtotal.texts[1]
        agencies = [r for r in group if r.agency is not None]
        assert float(subtotal.cells[received].attr("data-v")) == _total(
            totals, FOCUS, kind)["received"] == _sum_of(ranking, agencies, received)


def test_every_per_agency_table_ends_with_its_total(page_tables: dict,
                                                    totals: pd.DataFrame) -> None:
    for slug in (f"ranking-{FOCUS}", "trend-received", "trend-granted-share",
                 "trend-withheld-share", "trend-unavailable-share", f"cases-{FOCUS}",
                 f"disclosure-{FOCUS}"):
        table = page_tables[slug]
        assert table.foot and "total" in table.foot[0].css, slug
        assert len(table.groups) == len(KINDS) and all(
            "subtotal" in g[-1].css for g in table.groups), slug
    trend = page_tables["trend-received"]
    total, cover = trend.foot
    for year in YEARS:
        col = trend.column(str(year))
        want = _total(totals, year)
        assert float(total.cells[col].attr("data-v")) == want["received"]
        assert cover.cells[col].text == f"{want['agencies_with_figure']} of {want['agencies']}"


def test_review_and_lawsuit_totals(page_tables: dict, views, totals: pd.DataFrame) -> None:
    cases = page_tables[f"cases-{FOCUS}"]
    total = cases.foot[0]
    wide = _frame(views, f"SELECT * FROM reviews_litigation_wide WHERE year = {FOCUS}")
    col = cases.column("复议 总计")
    assert float(total.cells[col].attr("data-v")) == wide["review_total"].sum() == _total(
        totals, FOCUS)["reviews"]
    for header in cases.header_texts()[2:]:
        col = cases.column(header)
        shown = total.cells[col].attr("data-v")
        assert shown == "" or float(shown) == _sum_of(cases, cases.agency_rows(), col)


# --------------------------------------------------------------------------- 表二

def test_disclosure_compares_across_templates_only_what_both_print(
        page_tables: dict, views) -> None:
    wide = _frame(views, "SELECT * FROM active_disclosure_wide")
    comparable = page_tables["disclosure-comparable"]
    assert [m.column for m in comparable_measures()] == [
        "licensing_decisions", "penalty_decisions", "coercion_decisions"]
    for group, measure in zip(comparable.groups, comparable_measures(), strict=True):
        total = next(r for r in group if r.in_csv)
        assert total.texts[0] == f"{DISTRICT}合计" and "total" in total.css
        for year in YEARS:
            want = wide.loc[wide["year"] == year, measure.column].sum()
            assert float(total.cells[comparable.column(str(year))].attr("data-v")) == want
    specific = page_tables["disclosure-template-specific"]
    rows = {r.texts[0].split(" (")[0]: r for r in specific.rows}
    for measure in specific_measures():
        row = rows[measure.label]
        assert row.texts[1] == f"{measure.only()} only"
        for year in YEARS:
            cell = row.cells[specific.column(str(year))]
            printed = (year >= 2021) == (measure.only() == "2021")
            if printed and measure.column in wide:
                want = wide.loc[wide["year"] == year, measure.column].sum(min_count=1)
                shown = cell.attr("data-v")
                assert (float(shown) if shown else None) == (None if pd.isna(want) else want)
            elif not printed:
                assert cell.text == f"{measure.only()} template only", (measure.column, year)
                assert "reports follow the" in cell.title
    per_agency = page_tables[f"disclosure-{FOCUS}"]
    keys = {h.attr("data-key") for h in per_agency.headers}
    assert {"rules_issued", "normative_documents_in_force", "fees_amount",
            "licensing_decisions"} <= keys
    assert not keys & {"rules_made", "normative_documents_made"}  # 2019 template only
    why = comparability().set_index(["table", "row_key", "col_key"])["why_not"]
    assert why[("active_disclosure", "rules", "made")] == "printed only by the 2019 template"


# --------------------------------------------------------------------------- kinds

def test_agencies_are_ranked_within_their_kind(page_tables: dict, views, report: str) -> None:
    kinds = dict(views.execute("SELECT agency, agency_kind FROM agencies").fetchall())
    ranking = page_tables[f"ranking-{FOCUS}"]
    kind_col = ranking.column("类别 kind")
    headers = [re.sub(r" \(\d+ agenc(y|ies)\)$", "", g[0].texts[0]) for g in tables(report)[
        f"ranking-{FOCUS}"].groups]
    assert headers == list(KINDS)
    for group, kind in zip(ranking.groups, KINDS, strict=True):
        for row in group:
            if row.agency is not None:
                assert kinds[row.agency] == row.cells[kind_col].text == kind
    assert all(f"【{kind}】" in section(report, "ranking") for kind in KINDS)


def test_one_kind_only(district: dict, totals: pd.DataFrame, views) -> None:
    page = build_report(district["wh"], kinds=["乡镇街道"])
    ranking = tables(page)[f"ranking-{FOCUS}"]
    assert {r.agency for r in ranking.agency_rows()} == set(TOWNS)
    total = ranking.foot[0]
    assert total.texts[0].startswith("合计 (乡镇街道)")
    want = _total(totals, FOCUS, "乡镇街道")
    assert float(total.cells[ranking.column("新收 received")].attr("data-v")) == want["received"]
    assert all(esc(a) not in page for a in district["agencies"] if a not in TOWNS)


def test_kind_on_the_command_line(district: dict, tmp_path: Path,
                                  capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "towns.html"
    base = ["compare", "--warehouse", str(district["wh"]), "--out", str(out)]
    assert main([*base, "--kind", "乡镇街道", "--kind", "区政府"]) == 0
    page = out.read_text(encoding="utf-8")
    assert esc("区人民政府办公室") in page and esc(TOWNS[0]) in page
    assert esc(TINY) not in page
    capsys.readouterr()
    assert main([*base, "--kind", "区局"]) == 2
    assert capsys.readouterr() == ("", "xxgk: compare: no agency of kind 区局 in the "
                                   "warehouse (its kinds: 区政府, 区政府部门, 乡镇街道)\n")
    assert main([*base, "--kind", "乡镇街道", "--agency", TINY]) == 2
    assert capsys.readouterr().err == ("xxgk: compare: none of the agencies asked for is of "
                                       "kind 乡镇街道\n")


# ----------------------------------------------------------------- missing cells

def test_missing_cells_say_why(district: dict, page_tables: dict) -> None:
    trend = page_tables["trend-received"]
    row = trend.row_of(district["gap_agency"])
    by_year = {y: row.cells[trend.column(str(y))] for y in YEARS}
    assert by_year[2022].text == "no report"
    assert "none loaded for this agency and year" in by_year[2022].title
    assert all(re.fullmatch(r"[\d,]+", by_year[y].text) or by_year[y].text in ("blank", "dash")
               for y in YEARS if y != 2022)
    odd = trend.row_of(ODD_NAME)
    assert [odd.cells[trend.column(str(y))].text for y in (2019, 2020, 2023)] == [
        "no report"] * 3
    # the change into 2023 needs a 2023 figure; into 2021 a 2020 one
    assert odd.cells[trend.column("Δ 2022→2023")].text == "no report"
    assert odd.cells[trend.column("Δ 2020→2021")].text == "no 2020 figure"
    failed = trend.row_of(district["failed_agency"]).cells[trend.column(str(FOCUS))]
    assert failed.text == "failed" and "the file is empty" in failed.title


# ------------------------------------------------------------------ data quality

def test_failed_checks_carry_names_labels_and_lines(district: dict, page_tables: dict,
                                                    views) -> None:
    checks = page_tables["failed-checks"]
    want = _frame(views, "SELECT * FROM failed_checks WHERE year >= 2019 "
                  "ORDER BY year, agency, source, rule, row_key, col_key")
    rows = checks.agency_rows()
    assert len(rows) == len(want) > 0
    for row, (_, check) in zip(rows, want.iterrows(), strict=True):
        year, agency, kind, rule, row_text = row.texts[:5]
        assert (int(year), agency, kind, rule) == (check["year"], check["agency"],
                                                    check["agency_kind"], check["rule"])
        if pd.notna(check["row_label"]):
            assert row_text == f"{check['row_key']} {check['row_label']}"
        source = row.texts[-1]
        line = "" if pd.isna(check["line"]) else f":{int(check['line'])}"
        assert source == f"{check['source']}{line}"
        uri = (district["src"] / check["source"]).resolve().as_uri()
        assert f'href="{esc(uri)}"' in row.cells[-1].inner
    assert {r.agency for r in rows} >= {district["broken_agency"]}


def test_reports_needing_a_look_are_the_data_quality_view(page_tables: dict, views) -> None:
    reports = page_tables["data-quality-reports"]
    want = _frame(views, "SELECT * FROM data_quality")
    assert len(reports.agency_rows()) == len(want)
    shown = {(r.texts[1], r.texts[3]) for r in reports.agency_rows()}
    assert shown == {(a, s) for a, s in zip(want["agency"], want["status"], strict=True)}


def test_without_source_root_paths_are_plain_text(district: dict) -> None:
    page = build_report(district["wh"])
    quality = section(page, "data-quality")
    assert "file://" not in page and '<code class="src">' in quality


# ------------------------------------------------------------------ selections

def test_year_and_agency_selection(district: dict, views) -> None:
    one_year = build_report(district["wh"], years=[2021])
    assert "Only 2021 selected" in section(one_year, "trends")
    n_reports = views.execute("SELECT count(*) FROM reports WHERE year = 2021 "
                              "OR year IS NULL").fetchone()[0]
    assert f"<dt>reports 报告</dt><dd>{n_reports}</dd>" in one_year
    assert "<th scope=\"col\">2019</th>" not in one_year
    assert "2021 年排名" in one_year
    ranking = tables(one_year)["ranking-2021"]
    assert any(r.cells[ranking.column("增减 change on 2020")].attr("data-v")
               for r in ranking.agency_rows())  # the year before is still read
    agency = district["agencies"][2]
    one_agency = build_report(district["wh"], agencies=[agency])
    ranking_section = section(one_agency, "ranking")
    assert esc(agency) in ranking_section
    assert all(esc(other) not in ranking_section
               for other in district["agencies"] if other != agency)
    data = load_district(district["wh"], years=[2020], agencies=[agency])
    assert set(data.summary["year"]) == {2020} and data.years == [2020]


def test_default_years_start_in_2019_but_quality_keeps_older_failures(district: dict) -> None:
    data = load_district(district["wh"])
    assert data.years == YEARS  # the partial 2018 report is not compared
    assert {2018, FOCUS} <= set(data.reports.loc[data.reports["status"] != "ok", "year"])


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
    monkeypatch.setattr(load.compare.data, "_summary",
                        two_publishes_during_first_read(root, load.compare.data._summary))
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


def test_a_kind_selects_agencies_by_their_latest_kind_in_every_table(tmp_path: Path) -> None:
    data = batch("AB", [2020, 2021])
    for frame in (data.facts, data.reports, data.checks):  # A was a town in 2020
        frame.loc[(frame["agency_id"] == "A") & (frame["year"] == 2020),
                  "agency_kind"] = "乡镇街道"
    publish(Warehouse(tmp_path / "wh", durable=False), **data.kwargs())
    district = load_district(tmp_path / "wh", kinds=["区政府部门"])
    assert sorted(district.roster["agency_id"]) == ["A", "B"]
    assert len(district.summary[district.summary["agency_id"] == "A"]) == 2
    totals = district.totals.set_index(["year", "group"])
    assert totals.loc[(2020, DISTRICT), "agencies"] == 2
    with pytest.raises(load.compare.data.UnknownKind, match="its kinds: 区政府部门"):
        load_district(tmp_path / "wh", kinds=["乡镇街道"])
