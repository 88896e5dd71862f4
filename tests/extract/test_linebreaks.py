"""Run-on lines: a crawler's one-line body cut back into lines where labels start."""

from __future__ import annotations

from itertools import pairwise

import pytest

from extract.decode import normalise_width
from extract.linebreaks import label_starts, prints_several_rows, restore_line_breaks
from extract.report import extract_bytes


def _pieces(line: str) -> list[str]:
    line = normalise_width(line)
    cuts = [0, *label_starts(line), len(line)]
    return [line[a:b].strip() for a, b in pairwise(cuts)]


def test_a_row_number_glued_to_the_last_cell_opens_the_next_label() -> None:
    pieces = _pieces("1.属于国家秘密 000000 02.其他法律行政法规禁止公开 000000 03.危及“三安全一稳定” 1"
                     "000001")
    assert pieces == ["1.属于国家秘密 000000 0", "2.其他法律行政法规禁止公开 000000 0",
                      "3.危及\u201c三安全一稳定\u201d 1000001"]


def test_rows_glued_label_to_value_to_label() -> None:
    assert _pieces("规章000行政规范性文件24432第二十条第（五）项信息内容本年处理决定数量行政许可202") == [
        "规章000", "行政规范性文件24432", "第二十条第(五)项信息内容本年处理决定数量行政许可202"]


def test_headings_after_values_and_units() -> None:
    assert _pieces("（七）总计 291000030四、结转下年度继续办理 000000 0 四、政府信息公开行政复议") == [
        "(七)总计 291000030", "四、结转下年度继续办理 000000 0", "四、政府信息公开行政复议"]
    assert _pieces("政府集中采购1912762137元三、收到和处理政府信息公开申请情况")[0] == \
        "政府集中采购1912762137元"
    assert _pieces("行政处罚无 行政强制39") == ["行政处罚无", "行政强制39"]


def test_numbering_inside_words_is_not_a_heading() -> None:
    assert _pieces("第二十条第（一）项 信息内容 规范统一、公开透明") == [
        "第二十条第(一)项 信息内容 规范统一、公开透明"]
    # A decimal is a value, not numbering: 14.4 stays whole.
    assert _pieces("行政事业性收费14.4第二十条第（九）项") == ["行政事业性收费14.4", "第二十条第(九)项"]


def test_a_label_opened_by_numbering_after_header_text() -> None:
    pieces = _pieces("申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他"
                     "一、本年新收政府信息公开申请数量0000000二、上年结转政府信息公开申请数量0000000")
    assert pieces[1:] == ["一、本年新收政府信息公开申请数量0000000",
                          "二、上年结转政府信息公开申请数量0000000"]


@pytest.mark.parametrize("line", [
    "（三）不予公开 1.属于国家秘密 0 0 0 0 0 0 0",  # one row, however numbered
    "| 一、本年新收政府信息公开申请数量 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |",
    "\t(六)其他处理\t1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请\t0\t0\t0",
    "本机关全年共收到政府信息公开申请12件，均已按时答复。",
])
def test_lines_of_one_row_or_delimited_are_left_alone(line: str) -> None:
    assert not prints_several_rows(normalise_width(line))
    assert restore_line_breaks([normalise_width(line)]) is None


def test_a_delimited_line_of_two_rows_is_cut_too() -> None:
    line = "一、本年新收政府信息公开申请数量\t1\t0\t1\t二、上年结转政府信息公开申请数量\t0\t0\t0"
    assert _pieces(line) == ["一、本年新收政府信息公开申请数量\t1\t0\t1",
                             "二、上年结转政府信息公开申请数量\t0\t0\t0"]


def test_pieces_keep_their_source_line_and_printed_text() -> None:
    lines = ["标题: 某局2020年政府信息公开工作年度报告",
             "(一)予以公开 2000002(二)部分公开 1100002"]
    printed = ["標題: 某局2020年政府信息公開工作年度報告",
               "(一)予以公開 2000002(二)部分公開 1100002"]
    relined = restore_line_breaks(lines, printed, [3, 7])
    assert relined is not None
    assert relined.lines == [lines[0], "(一)予以公开 2000002", "(二)部分公开 1100002"]
    assert relined.raw == [printed[0], "(一)予以公開 2000002", "(二)部分公開 1100002"]
    assert relined.numbers == [3, 7, 7]


_HEAD = "标题: 区应急管理局2022年政府信息公开工作年度报告\n发布时间: 2023-01-06 17:09\n"
_APPLICATIONS = (
    "三、收到和处理政府信息公开申请情况 （本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） "
    "申请人情况 自然人 法人或其他组织 总计 商业 企业 科研 机构 社会公益组织 法律服务机构 其他 "
    "一、本年新收政府信息公开申请数量 291000030二、上年结转政府信息公开申请数量 000000 0"
    "三、本年度办理结果 （一）予以公开 2000002（二）部分公开（区分处理的，只计这一情形，不计其他情形） 1100002"
    "（三）不予公开 1.属于国家秘密 000000 02.其他法律行政法规禁止公开 000000 03.危及“三安全一稳定” 000000 0"
    "4.保护第三方合法权益 000000 05.属于三类内部事务信息 000000 06.属于四类过程性信息 000000 0"
    "7.属于行政执法案卷 000000 08.属于行政查询事项 000000 0（四）无法提供 1.本机关不掌握相关政府信息 2600000 26"
    "2.没有现成信息需要另行制作 000000 03.补正后申请内容仍不明确 000000 0（五）不予处理 1.信访举报投诉类申请 "
    "000000 02.重复申请 000000 03.要求提供公开出版物 000000 04.无正当理由大量反复申请 000000 0"
    "5.要求行政机关确认或重新出具已获取信息 000000 0（六）其他处理 1.申请人无正当理由逾期不补正、"
    "行政机关不再处理其政府信息公开申请 000000 02.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府"
    "信息公开申请 000000 03.其他 000000 0（七）总计 291000030四、结转下年度继续办理 000000 0 "
)


def _crawled(body: str) -> bytes:
    return (_HEAD + "当前位置： 首页 2022年，我局主动公开信息64条，电话:0591-86161228，邮编350400。"
            + body + " 五、存在的主要问题及改进情况 2023年我局将加强培训3次。 附件下载\n").encode()


def test_a_crawled_one_line_body_reads_every_table_cell() -> None:
    body = ("二、主动公开政府信息情况 第二十条第（一）项 信息内容 本年制发件数 本年废止件数 现行有效件数 "
            "规章000行政规范性文件24432第二十条第（五）项信息内容本年处理决定数量行政许可202"
            "第二十条第（六）项信息内容本年处理决定数量行政处罚74行政强制0第二十条第（八）项信息内容"
            "本年收费金额（单位：万元）行政事业性收费0 " + _APPLICATIONS
            + "四、政府信息公开行政复议、行政诉讼情况 行政复议 行政诉讼 结果维持 结果纠正 其他结果 尚未审结 总计 "
            "未经复议直接起诉 复议后起诉 结果维持 结果纠正 其他结果 尚未审结 总计 结果维持 结果纠正 其他结果 "
            "尚未审结 总计 01 0 1 20 0 0 0 0 0 0 0 00")
    report = extract_bytes(_crawled(body), name="page.txt")
    values = {(f.table, f.row_key, f.col_key): f.value for f in report.facts}
    assert (report.agency, report.year, report.template) == ("区应急管理局", 2022, "2021")
    assert [values[("applications", "new_received", c)] for c in
            ("natural_person", "commercial", "research", "total")] == [29, 1, 0, 30]
    assert values[("applications", "unavailable.not_held", "total")] == 26
    assert values[("applications", "other.fee_unpaid", "total")] == 0
    assert values[("applications", "total", "total")] == 30
    assert [values[("reviews_litigation", "review", c)] for c in
            ("upheld", "corrected", "other", "pending", "total")] == [0, 1, 0, 1, 2]
    assert values[("active_disclosure", "licensing", "decisions")] == 202
    assert values[("active_disclosure", "penalty", "decisions")] == 74
    assert all(c.passed for c in report.checks)
    assert {f.line for f in report.facts if f.line is not None} == {3}
    # 行政规范性文件24432 has no sums to tell its three cells apart: left empty, said so.
    assert ("active_disclosure", "normative_documents", "issued") not in values
    assert any(w.code == "cells_ambiguous" and "normative_documents" in w.message
               for w in report.warnings)
    # Narrative numbers (64条, a phone number, 2023年, 3次) never become cells.
    raw = {f.raw_value for f in report.facts}
    assert not raw & {"64", "0591", "86161228", "350400", "2023", "3"}


def test_a_crawled_body_without_tables_two_and_four_still_reads_table_three() -> None:
    report = extract_bytes(_crawled(_APPLICATIONS), name="page.txt")
    values = {(f.table, f.row_key, f.col_key): f.value for f in report.facts}
    assert values[("applications", "carried_forward", "total")] == 0
    assert values[("applications", "new_received", "total")] == 30
    assert {w.code for w in report.warnings} >= {"table_missing"}
