"""Tests of ``transform.template.detect_template``: which official template a report follows.

Covers the votes of template markers (表二 column labels weigh three, other labels
one), reports whose year disagrees with their labels (2020 reports printing the 2021
表二 columns, 2021 reports keeping the single 其他处理 row), ties, the fallback on the
year when no label votes, and the default when there is neither label nor year.
Markers are built by hand and, in one test per template, from real labels through the
label catalog the way the engine records them.
"""

from __future__ import annotations

import pytest

from extract.decode import normalise_width
from transform.labels import label_catalog, normalise_label
from transform.template import detect_template

AD, APP = "active_disclosure", "applications"
Y2019, Y2021 = frozenset({"2019"}), frozenset({"2021"})
BOTH = frozenset({"2019", "2021"})

MARKERS_2019_AD = {
    (AD, "col", "made"): Y2019,
    (AD, "col", "published"): Y2019,
    (AD, "col", "total_published"): Y2019,
    (AD, "col", "prior_year_items"): Y2019,
    (AD, "col", "change"): Y2019,
    (AD, "row", "normative_documents"): Y2019,
}
MARKERS_2021_AD = {
    (AD, "col", "issued"): Y2021,
    (AD, "col", "repealed"): Y2021,
    (AD, "col", "in_force"): Y2021,
    (AD, "col", "amount"): Y2021,
    (AD, "row", "normative_documents"): Y2021,
}
MARKERS_2021_SUBROWS = {
    (APP, "row", "other.no_correction"): Y2021,
    (APP, "row", "other.fee_unpaid"): Y2021,
    (APP, "row", "other.other"): Y2021,
}


def markers_from_labels(labels: list[tuple[str, str, str]]) -> dict:
    """Record markers as the engine does: one per (table, axis, key) with templates."""
    markers = {}
    for table, axis, text in labels:
        norm = normalise_label(normalise_width(text))
        for hit in label_catalog().matcher(table, axis).find_all(norm):
            if hit.key and hit.templates:
                markers[(table, axis, hit.key)] = hit.templates
    return markers


def test_2019_columns_give_2019() -> None:
    template, reason = detect_template(MARKERS_2019_AD, 2020)
    # five 表二 columns weigh 3 each, the 规范性文件 row 1
    assert (template, reason) == ("2019", "labels (16 votes 2019, 0 votes 2021)")


def test_2019_columns_give_2019_even_in_a_2021_year() -> None:
    assert detect_template(MARKERS_2019_AD, 2022)[0] == "2019"


def test_2021_columns_with_single_other_row_give_2021() -> None:
    # A single （六）其他处理 row carries no marker: only the 表二 columns vote.
    template, reason = detect_template(MARKERS_2021_AD, 2023)
    assert (template, reason) == ("2021", "labels (0 votes 2019, 13 votes 2021)")


def test_2020_report_with_2021_columns_gives_2021() -> None:
    template, reason = detect_template(MARKERS_2021_AD, 2020)
    assert template == "2021"
    assert reason.startswith("labels")


def test_table_two_columns_outweigh_sub_rows() -> None:
    # Three 2019 表二 columns (3 x 3 = 9) against the three 2021 sub-rows (3 x 1 = 3).
    markers = {
        (AD, "col", "made"): Y2019,
        (AD, "col", "published"): Y2019,
        (AD, "col", "total_published"): Y2019,
        **MARKERS_2021_SUBROWS,
    }
    assert detect_template(markers, 2021) == ("2019", "labels (9 votes 2019, 3 votes 2021)")


def test_sub_rows_alone_give_2021() -> None:
    assert detect_template(MARKERS_2021_SUBROWS, 2020) == (
        "2021", "labels (0 votes 2019, 3 votes 2021)")


def test_markers_of_both_templates_do_not_vote() -> None:
    markers = {(AD, "col", "decisions"): BOTH, (APP, "row", "granted"): BOTH}
    assert detect_template(markers, 2020) == ("2019", "no deciding labels; by year 2020")


def test_tie_falls_back_on_year() -> None:
    markers = {(AD, "col", "made"): Y2019, (AD, "col", "issued"): Y2021}
    assert detect_template(markers, 2022) == ("2021", "no deciding labels; by year 2022")
    assert detect_template(markers, 2019) == ("2019", "no deciding labels; by year 2019")


@pytest.mark.parametrize(
    ("year", "template"),
    [(2018, "2019"), (2019, "2019"), (2020, "2019"), (2021, "2021"), (2022, "2021"),
     (2024, "2021")],
)
def test_no_markers_decide_by_year(year: int, template: str) -> None:
    chosen, reason = detect_template({}, year)
    assert chosen == template
    assert reason == f"no deciding labels; by year {year}"


def test_no_markers_and_no_year_assume_2021() -> None:
    template, reason = detect_template({}, None)
    assert template == "2021"
    assert "no year" in reason and "assumed 2021" in reason


def test_tie_and_no_year_assume_2021() -> None:
    markers = {(APP, "row", "other.other"): Y2021, (AD, "row", "procurement"): Y2019}
    assert detect_template(markers, None)[0] == "2021"


def test_real_2019_labels() -> None:
    # The seed report (2020, 2019 template): 表二 headers and rows, single 其他处理.
    markers = markers_from_labels([
        (AD, "col", "信息内容 | 本年新制作数量 | 本年新公开数量 | 对外公开总数量 |"),
        (AD, "row", "规范性文件"),
        (AD, "col", "信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 |"),
        (AD, "row", "其他对外管理服务事项"),
        (AD, "col", "信息内容 | 采购项目数量 | 采购总金额 | |"),
        (APP, "row", "（六）其他处理"),
    ])
    assert detect_template(markers, 2020)[0] == "2019"


def test_real_2021_labels_single_other_row() -> None:
    # r012-like: 2021 表二 headers, 表三 with one （六）其他处理 row.
    markers = markers_from_labels([
        (AD, "col", "信息内容 本年制发件数 本年废止件数 现行有效件数"),
        (AD, "row", "行政规范性文件"),
        (AD, "col", "信息内容 本年处理决定数量"),
        (AD, "col", "信息内容 本年收费金额（单位：万元）"),
        (APP, "row", "（六）其他处理"),
    ])
    assert (APP, "row", "other") not in markers
    assert detect_template(markers, 2020)[0] == "2021"
    assert detect_template(markers, 2024)[0] == "2021"
