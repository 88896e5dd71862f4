"""Hard cases found by probing the engine with real-world variations, one per test.

Each input is the smallest text that once came out wrong; the assertion is the
reading a careful person would make.
"""

from __future__ import annotations

import pytest

from extract.report import ReportError, extract_bytes

APP_HEAD = """（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）
申请人情况
自然人 法人或其他组织 总计 商业企业 科研机构 社会公益组织 法律服务机构 其他
"""
RL_HEAD = """四、政府信息公开行政复议、行政诉讼情况
行政复议 行政诉讼
结果维持 结果纠正 其他结果 尚未审结 总计 未经复议直接起诉 复议后起诉
结果维持 结果纠正 其他结果 尚未审结 总计 结果维持 结果纠正 其他结果 尚未审结 总计
"""
RL_VALUES = "72 64 178 37 351 13 4 8 1 26 12 1 1 6 20\n"


def cells(text: str, name: str = "r.txt") -> dict[tuple[str, str], float | None]:
    report = extract_bytes(text.encode(), name=name)
    return {(f.row_key, f.col_key): f.value for f in report.facts}


def test_html_page_without_text_is_a_one_line_error() -> None:
    with pytest.raises(ReportError, match="no text"):
        extract_bytes(b"<html><body><script>load()</script></body></html>", name="x.html")


def test_prose_after_table_four_is_not_read_as_cells() -> None:
    text = ("第二十条第（一）项\n信息内容 本年制发件数 本年废止件数 现行有效件数\n规章 1 0 11\n"
            + RL_HEAD + RL_VALUES + "五、存在的主要问题及改进情况\n一是 2024 年发生行政复议 3 件。\n")
    got = cells(text)
    assert got[("review", "upheld")] == 72
    assert len([k for k in got if k[0] in ("review", "litigation_direct",
                                             "litigation_after_review")]) == 15


def test_prose_between_heading_and_table_four_header_is_skipped() -> None:
    text = ("第二十条第（一）项\n信息内容 本年制发件数 本年废止件数 现行有效件数\n规章 1 0 11\n"
            + RL_HEAD.replace("行政复议 行政诉讼\n", "2024 年，共发生行政复议 351 件。\n行政复议 行政诉讼\n")
            + RL_VALUES)
    assert cells(text)[("review", "upheld")] == 72


def test_amount_with_a_space_before_its_unit() -> None:
    text = "第二十条第（九）项\n信息内容 采购项目数量 采购总金额\n政府集中采购 11 251000 元\n"
    assert cells(text)[("procurement", "amount")] == 251000


def test_values_on_the_first_line_of_a_wrapped_label() -> None:
    text = APP_HEAD + ("3.危及“三安全一 5 0 0 0 0 0 5\n稳定”\n"
                       "4.保护第三方合法权益 6 0 0 0 0 0 6\n")
    got = cells(text)
    assert got[("withheld.security_stability", "total")] == 5
    assert got[("withheld.third_party_rights", "total")] == 6


def test_unknown_row_does_not_lend_its_values_to_the_next_label() -> None:
    text = APP_HEAD + "（八）某种新的处理方式 9 0 0 0 0 0 9\n（一）予以公开 1 0 0 0 0 0 1\n"
    report = extract_bytes(text.encode(), name="r.txt")
    granted = {f.col_key: f.value for f in report.facts if f.row_key == "granted"}
    assert granted["total"] == 1
    assert any(w.code == "unmapped_label" for w in report.warnings)


def test_table_four_row_with_a_leading_empty_cell() -> None:
    text = ("第二十条第（一）项\n信息内容\t本年制发件数\t本年废止件数\t现行有效件数\n规章\t1\t0\t11\n"
            "四、政府信息公开行政复议、行政诉讼情况\n\t行政复议\t行政诉讼\n"
            "\t结果维持\t结果纠正\t其他结果\t尚未审结\t总计\t未经复议直接起诉\t复议后起诉\n"
            "\t1\t2\t3\t4\t10\t5\t6\t7\t8\t26\t9\t11\t12\t13\t45\n")
    got = cells(text)
    assert (got[("review", "upheld")], got[("litigation_after_review", "total")]) == (1, 45)


def test_table_four_printed_as_three_labelled_rows() -> None:
    text = ("第二十条第（一）项\n信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数\n规章 | 1 | 0 | 11\n"
            "四、政府信息公开行政复议、行政诉讼情况\n行政复议 | 1 | 2 | 3 | 4 | 10\n"
            "未经复议直接起诉 | 5 | 6 | 7 | 8 | 26\n复议后起诉 | 9 | 11 | 12 | 13 | 45\n")
    got = cells(text)
    assert got[("review", "upheld")] == 1
    assert got[("litigation_direct", "total")] == 26
    assert got[("litigation_after_review", "upheld")] == 9


def test_heji_as_total_and_a_bare_qita_in_2019() -> None:
    text = ("区统计局2020年政府信息公开工作年度报告\n" + APP_HEAD.replace("总计 商业", "合计 商业")
            + "（五）不予处理 5.要求行政机关确认或重新出具已获取信息 0 0 0 0 0 0 0\n"
            "（六）其他 1 0 0 0 0 0 1\n（七）合计 5 0 0 0 0 0 5\n")
    report = extract_bytes(text.encode(), name="r.txt")
    got = {(f.row_key, f.col_key): f.value for f in report.facts}
    assert got[("other", "total")] == 1
    assert got[("total", "natural_person")] == 5 and got[("total", "total")] == 5
    assert report.template == "2019"  # the bare 其他 is no 2021 marker


def test_label_glued_to_its_first_value() -> None:
    got = cells(APP_HEAD + "（七）总计2932 53 0 0 61 4 3050\n")
    assert got[("total", "natural_person")] == 2932
    assert got[("total", "total")] == 3050


def test_table_two_item_heading_without_the_second_di() -> None:
    text = "第二十条（一）项\n信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数\n规章 | 1 | 0 | 11\n"
    assert cells(text)[("rules", "in_force")] == 11


def test_prose_quoting_a_row_loses_to_the_table_row() -> None:
    text = ("一、总体情况\n按照《条例》第二十条第（一）项要求，全年新增公开规章 1 件。\n"
            "二、主动公开政府信息情况\n第二十条第（一）项\n"
            "信息内容 本年制发件数 本年废止件数 现行有效件数\n规章 1 0 11\n")
    report = extract_bytes(text.encode(), name="r.txt")
    got = {(f.row_key, f.col_key): (f.value, f.line) for f in report.facts}
    assert got[("rules", "in_force")] == (11.0, 6)
    assert got[("rules", "issued")] == (1.0, 6)
    assert any(w.code == "duplicate_row" for w in report.warnings)


def test_joined_pipes_with_an_empty_last_cell() -> None:
    text = ("第二十条第（一）项\n信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数\n"
            "规章 | 1 | 2 |\n行政规范性文件 | 3 | 4 | 5\n")
    report = extract_bytes(text.encode(), name="r.txt")
    got = {(f.row_key, f.col_key): (f.value, f.cell) for f in report.facts}
    assert got[("rules", "in_force")] == (None, "blank")
    assert got[("normative_documents", "in_force")] == (5.0, "number")


def test_markdown_bold_cells() -> None:
    text = ("| （本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） | 申请人情况 |\n"
            "|---|---|\n| | 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计 |\n"
            "| **（七）总计** | **1** | **0** | **0** | **0** | **0** | **0** | **1** |\n")
    assert cells(text, "r.md")[("total", "total")] == 1


def test_bare_page_numbers_in_a_pdf_text_layer() -> None:
    text = ("区审计局2024年政府信息公开工作年度报告\n一、总体情况\n2\n" + APP_HEAD
            + "5.要求行政机关确认或重新出\n3\n具已获取信息 1 0 0 0 0 0 1\n"
            + RL_HEAD.replace("复议后起诉\n", "复议后起诉\n4\n") + RL_VALUES)
    got = cells(text)
    assert got[("not_processed.confirm_reissue", "natural_person")] == 1
    assert got[("review", "upheld")] == 72
    assert got[("litigation_after_review", "total")] == 20


def test_deeply_nested_html_is_still_read() -> None:
    html = ("<html><body>" + "<font>" * 300 + "<p>第二十条第（一）项</p><table>"
            "<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>"
            "<tr><td>规章</td><td>1</td><td>0</td><td>11</td></tr></table></body></html>")
    assert cells(html, "r.html")[("rules", "in_force")] == 11


def test_prose_before_the_tables_that_quotes_anchors_and_review_numbers() -> None:
    # The prose enters a table early (it quotes 本年新收…数量) and then tells the
    # year's reviews in sentences: none of it may take 表四's place.
    text = ("一、总体情况\n全年本年新收政府信息公开申请数量 3119 件。政府信息公开行政复议 351\n"
            "件，其中结果维持 72 件，结果纠正 64 件，其他结果 178 件，尚\n未审结 37 件。\n"
            "二、主动公开政府信息情况\n第二十条第（一）项\n"
            "信息内容 本年制发件数 本年废止件数 现行有效件数\n规章 1 0 11\n"
            + APP_HEAD + "一、本年新收政府信息公开申请数量 3001 53 0 0 61 4 3119\n"
            + RL_HEAD + RL_VALUES)
    got = cells(text)
    assert got[("new_received", "natural_person")] == 3001
    assert got[("review", "upheld")] == 72 and got[("litigation_after_review", "total")] == 20


def test_running_page_header_inside_a_table() -> None:
    text = ("淮安市人民政府2024年政府信息公开工作年度报告\n第二十条第（一）项\n"
            "信息内容 本年制发件数 本年废止件数 现行有效件数\n规章 1 0 11\n"
            + RL_HEAD.replace("复议后起诉\n", "复议后起诉\n淮安市人民政府 2024 年政府信息公开工作年度报告\n")
            + RL_VALUES)
    got = cells(text)
    assert got[("review", "upheld")] == 72 and got[("litigation_after_review", "total")] == 20


def test_one_cell_per_line_table_four_with_an_empty_line_before_its_values() -> None:
    header = ["第二十条第（一）项", "信息内容", "本年制发件数", "本年废止件数", "现行有效件数",
              "规章", "1", "0", "11", "四、政府信息公开行政复议、行政诉讼情况", "行政复议", "行政诉讼",
              "结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "复议后起诉",
              *["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2]
    text = "\n".join([*header, "", *RL_VALUES.split(), "五、存在的主要问题及改进情况"])
    got = cells(text)
    assert got[("review", "upheld")] == 72 and got[("litigation_after_review", "total")] == 20
