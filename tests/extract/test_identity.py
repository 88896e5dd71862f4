"""Agency, statistics year and title from a report's opening lines (extract.identity)."""

from __future__ import annotations

import pytest

from extract.identity import find_identity, identity_conflicts, same_agency


@pytest.mark.parametrize(
    ("text", "agency", "year"),
    [
        ("2020年,区应急管理局严格按照《杭州市滨江区人民政府办公室关于印发2020年滨江区政务"
         "公开工作要点的通知》文件要求", "区应急管理局", 2020),
        ("平潭综合实验区2019年度政府信息公开工作年度报告\n一、总体情况", "平潭综合实验区", 2019),
        ("- 1 -\n淮安市人民政府\n2024 年政府信息公开工作年度报告\n本报告由…", "淮安市人民政府", 2024),
        ("正文\n2024 年上海市科委政府信息公开工作\n年度报告\n根据", "上海市科委", 2024),
        ("区教育局2022年政府\n信息公开工作年度报告", "区教育局", 2022),
        ("# 沭阳县人民政府2025年政府信息公开工作年度报告", "沭阳县人民政府", 2025),
    ],
)
def test_agency_and_year_from_title_or_opening(text: str, agency: str, year: int) -> None:
    identity = find_identity(text.split("\n"))
    assert (identity.agency, identity.year) == (agency, year)


def test_statistics_period_beats_the_title_year() -> None:
    text = ("区卫生健康局2021年政府信息公开工作年度报告\n"
            "本报告所列数据的统计期限自2020年1月1日起至2020年12月31日止。")
    assert find_identity(text.split("\n")).year == 2020


def test_publication_date_is_not_the_statistics_year() -> None:
    text = ("区司法局2022年度政府信息公开工作年度报告\n一、总体情况\n…\n" + "正文\n" * 30
            + "区司法局\n2023年1月20日")
    assert find_identity(text.split("\n")).year == 2022


def test_period_sentence_alone_gives_the_year() -> None:
    text = "现将有关情况报告如下。\n本年度报告中所列数据统计期限为 2025\n年 1 月 1 日至 12 月 31 日。"
    identity = find_identity(text.split("\n"))
    assert identity.year == 2025 and identity.agency is None


def test_nothing_to_find() -> None:
    identity = find_identity(["一、总体情况", "我局认真贯彻落实条例。"])
    assert (identity.agency, identity.year, identity.title) == (None, None, None)


@pytest.mark.parametrize(
    "title",
    [
        "滨江区应急管理局关于2020年度政府信息公开工作年度报告",
        "滨江区应急管理局2020年度信息公开工作年度报告",
        "滨江区应急管理局关于2020年度政府信息公开工作的年度报告",
        "滨江区应急管理局2020年政府信息公开工作情况报告",
        "滨江区应急管理局2020年度政府信息公开年度工作报告",
        "滨江区应急管理局2020年政府信息公开年报",
    ],
)
def test_title_wordings(title: str) -> None:
    identity = find_identity([title, "一、总体情况"])
    assert (identity.agency, identity.year) == ("滨江区应急管理局", 2020)


def test_agency_over_two_lines_above_the_title() -> None:
    identity = find_identity(["杭州市滨江区", "应急管理局", "2020年度政府信息公开工作年度报告"])
    assert (identity.agency, identity.year) == ("杭州市滨江区应急管理局", 2020)


def test_a_crawled_page_whose_navigation_runs_into_the_title() -> None:
    lines = ["当前位置： 首页 > 政务公开 > 政府信息公开年报 区医疗保障局2024年政府信息公开工作年度报告"
             " 来源： 时间：2025-01-20 本报告所列数据的统计期限自2024年1月1日起至2024年12月31日止。"]
    identity = find_identity(lines)
    assert (identity.agency, identity.year) == ("区医疗保障局", 2024)


def test_a_covering_letter_title_names_the_agency_before_its_verb() -> None:
    identity = find_identity(["平潭综合实验区苏平片区管理局关于报送2020年度政府信息公开工作年度报告的函"])
    assert (identity.agency, identity.year) == ("平潭综合实验区苏平片区管理局", 2020)


@pytest.mark.parametrize(("a", "b"), [
    ("区应急管理局", "江州市云溪区应急管理局"), ("区应急局", "区应急管理局"), ("区卫健局", "区卫生健康局"),
    ("东湖街道", "东湖街道办事处"), ("区 教育局", "区教育局")])
def test_spellings_of_one_agency_agree(a: str, b: str) -> None:
    assert same_agency(a, b) and same_agency(b, a)


@pytest.mark.parametrize(("a", "b"), [
    ("区司法局", "区教育局"), ("区人民政府", "区人民政府办公室"), ("区应急管理局", "区安全生产监督管理局")])
def test_other_agencies_differ(a: str, b: str) -> None:
    assert not same_agency(a, b) and not same_agency(b, a)


def test_conflicts_name_both_readings() -> None:
    found = find_identity(["区司法局2019年政府信息公开工作年度报告"])
    assert identity_conflicts("区教育局", 2020, found) == [
        "agency 区教育局 (the report names 区司法局)", "year 2020 (the report names 2019)"]
    assert identity_conflicts("江州市云溪区司法局", 2019, found) == []
    assert identity_conflicts(None, None, found) == []
    assert identity_conflicts("区教育局", 2019, find_identity(["一、总体情况"])) == []
