"""The label-anchored engine on small hand-made tables, one behaviour per test.

Each text is a fragment of a report in one layout; the assertions name the cells that
must come out, so a label read wrong, a value shifted into a neighbouring row or a
header misread fails a test.
"""

from __future__ import annotations

import pytest

from extract.report import ReportError, extract_bytes
from synth import cell_differences, generate_report

APP_HEADER_PIPE = """三、收到和处理政府信息公开申请情况
(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和) | 申请人情况 | ||||||
自然人 | 法人或其他组织 | 总计 | ||||
商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | |
"""


def values_of(text: str, name: str = "r.txt") -> dict[tuple[str, str, str], float | None]:
    report = extract_bytes(text.encode("utf-8"), name=name)
    return {(f.table, f.row_key, f.col_key): f.value for f in report.facts}


def test_reordered_and_missing_rows_do_not_shift_values() -> None:
    text = APP_HEADER_PIPE + (
        "二、上年结转政府信息公开申请数量 | 2 | 0 | 0 | 0 | 0 | 0 | 2 |\n"
        "一、本年新收政府信息公开申请数量 | 5 | 1 | 0 | 0 | 0 | 0 | 6 |\n"
        "(七)总计 | 7 | 1 | 0 | 0 | 0 | 0 | 8 |\n"
    )
    values = values_of(text)
    assert values[("applications", "new_received", "total")] == 6
    assert values[("applications", "carried_over", "natural_person")] == 2
    assert values[("applications", "total", "commercial")] == 1
    assert ("applications", "granted", "total") not in values


def test_blank_cell_in_pipe_row_is_blank_not_a_shift() -> None:
    text = APP_HEADER_PIPE + "一、本年新收政府信息公开申请数量 | 5 |  | 0 | 0 | 0 | 0 | 5 |\n"
    report = extract_bytes(text.encode(), name="r.txt")
    cells = {f.col_key: f for f in report.facts if f.row_key == "new_received"}
    assert cells["commercial"].cell == "blank" and cells["commercial"].value is None
    assert cells["research"].value == 0 and cells["total"].value == 5


def test_dash_cells_are_kept_distinct_from_zero() -> None:
    text = APP_HEADER_PIPE + "一、本年新收政府信息公开申请数量 | 5 | / | — | 无 | - | 0 | 5 |\n"
    report = extract_bytes(text.encode(), name="r.txt")
    cells = {f.col_key: f for f in report.facts if f.row_key == "new_received"}
    assert [cells[c].cell for c in ("commercial", "research", "social_welfare",
                                    "legal_services", "other_org")] == [
        "dash", "dash", "dash", "dash", "number"]
    assert cells["commercial"].value is None and cells["commercial"].raw_value == "/"


def test_short_row_stops_at_next_label_and_warns() -> None:
    text = APP_HEADER_PIPE + (
        "一、本年新收政府信息公开申请数量 | 5 | 1 |\n"
        "二、上年结转政府信息公开申请数量 | 2 | 0 | 0 | 0 | 0 | 0 | 2 |\n"
    )
    report = extract_bytes(text.encode(), name="r.txt")
    new = [f for f in report.facts if f.row_key == "new_received"]
    assert [f.col_key for f in new] == ["natural_person", "commercial"]
    assert any(w.code == "short_row" and w.line == 5 for w in report.warnings)
    carried = {f.col_key: f.value for f in report.facts if f.row_key == "carried_over"}
    assert carried["total"] == 2


def test_unmapped_label_is_a_warning_with_its_line() -> None:
    text = APP_HEADER_PIPE + (
        "一、本年新收政府信息公开申请数量 | 5 | 1 | 0 | 0 | 0 | 0 | 6 |\n"
        "(八)某种新的处理方式 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |\n"
    )
    report = extract_bytes(text.encode(), name="r.txt")
    unmapped = [w for w in report.warnings if w.code == "unmapped_label"]
    assert len(unmapped) == 1 and unmapped[0].line == 6
    assert "某种新的处理方式" in unmapped[0].message


PDF_LIKE = """三、收到和处理政府信息公开申请情况
（本列数据的勾稽关系为：第一项加第二项之和，
等于第三项加第四项之和）
申请人情况
自然人
法人或其他组织
总计商 业 企
业
科研机
构
社 会 公 益
组织
法 律 服 务
机构
其他
一、本年新收政府信息公开申请数量 30 5 0 0 1 0 36
二、上年结转政府信息公开申请数量 4 0 0 0 0 0 4
三、
本
年
度
办
理
结
果
（一）予以公开 10 1 0 0 0 0 11
（二）部分公开（区分处理的，只计这一情
形，不计其他情形） 3 0 0 0 0 0 3
（四）无 1.本机关不掌握相关政府信息 7 2 0 0 1 0 10
- 5 -
法提供 2.没有现成信息需要另行制作 1 0 0 0 0 0 1
（六）其
他处理
1、申请人无正当理由逾期不补
正、行政机关不再处理其政府信
息公开申请
2 0 0 0 0 0 2
2、申请人逾期未按收费通知要
求缴纳费用、行政机关不再处理
其政府信息公开申请
1 0 0 0 0 0 1
3、其他 9 2 0 0 0 0 11
（七）总计 32 5 0 0 1 0 38
四、结转下年度继续办理 2 0 0 0 0 0 2
"""


def test_pdf_text_layer_wrapped_labels_footer_and_vertical_group() -> None:
    values = values_of(PDF_LIKE)
    assert values[("applications", "granted", "total")] == 11
    assert values[("applications", "partially_granted", "natural_person")] == 3
    assert values[("applications", "unavailable.not_held", "legal_services")] == 1
    assert values[("applications", "unavailable.needs_creation", "total")] == 1
    assert values[("applications", "other.no_correction", "total")] == 2
    assert values[("applications", "other.fee_unpaid", "total")] == 1
    assert values[("applications", "other.other", "commercial")] == 2
    assert values[("applications", "other", "total")] == 14  # derived
    assert values[("applications", "carried_forward", "total")] == 2


def test_a_heading_wrapped_after_its_first_character_is_no_unmapped_label() -> None:
    # （四）无 / 法提供 on lines of their own: the 无 reads as a cell, the label as
    # numbering alone; the heading names no row and prints no values.
    header = "".join(PDF_LIKE.splitlines(keepends=True)[:15])
    text = header + (
        "一、本年新收政府信息公开申请数量 8 0 0 0 1 0 9\n"
        "（三）不予公开 0 0 0 0 0 0 0\n"
        "（四）无\n"
        "法提供\n"
        "1、本机关不掌握相关政府信息 7 2 0 0 1 0 10\n"
        "（五）不\n"
        "予处理\n"
        "1、信访举报投诉类申请 1 0 0 0 0 0 1\n"
    )
    report = extract_bytes(text.encode(), name="r.txt")
    got = {(f.row_key, f.col_key): f.value for f in report.facts}
    assert got[("unavailable.not_held", "total")] == 10
    assert got[("not_processed.petition", "total")] == 1
    assert not [w for w in report.warnings if w.code == "unmapped_label"]
    # A label of numbering alone printing several cells is still warned of.
    report = extract_bytes((text + "（八）无 3 4\n").encode(), name="r.txt")
    assert [w for w in report.warnings if w.code == "unmapped_label"]


def test_derived_other_is_marked_and_has_no_line() -> None:
    report = extract_bytes(PDF_LIKE.encode(), name="r.txt")
    other = [f for f in report.facts if f.row_key == "other"]
    assert len(other) == 7
    assert all(f.cell == "derived" and f.line is None and f.raw_value is None for f in other)


def test_lines_layout_one_cell_per_line_with_blank_line_cells() -> None:
    cells = ["第二十条第（一）项", "信息内容", "本年制发件数", "本年废止件数", "现行有效件数",
             "规章", "1", "", "3", "行政规范性文件", "4", "5", "6"]
    report = extract_bytes("\n".join(cells).encode(), name="r.txt")
    got = {(f.row_key, f.col_key): (f.value, f.cell) for f in report.facts}
    assert got[("rules", "issued")] == (1.0, "number")
    assert got[("rules", "repealed")] == (None, "blank")
    assert got[("rules", "in_force")] == (3.0, "number")
    assert got[("normative_documents", "in_force")] == (6.0, "number")
    assert report.format == "lines"


def test_table_two_2019_changes_units_and_headers_per_item() -> None:
    text = """第二十条第(五)项
信息内容\t上一年项目数量\t本年增/减\t处理决定数量
行政许可\t12\t减7\t29
第二十条第(九)项
信息内容\t采购项目数量\t采购总金额
政府集中采购\t11\t251000元
"""
    report = extract_bytes(text.encode(), name="r.txt")
    got = {(f.row_key, f.col_key): f.value for f in report.facts}
    assert got[("licensing", "change")] == -7
    assert got[("licensing", "decisions")] == 29
    assert got[("procurement", "amount")] == 251000
    assert report.template == "2019" and report.format == "tab"


def test_table_four_from_header_order_in_spaces_layout() -> None:
    text = """二、上年结转政府信息公开申请数量  1  0  0  0  0  0  1
四、政府信息公开行政复议、行政诉讼情况
行政复议  行政诉讼
结果维持  结果纠正  其他结果  尚未审结  总计  未经复议直接起诉  复议后起诉
结果维持  结果纠正  其他结果  尚未审结  总计  结果维持  结果纠正  其他结果  尚未审结  总计
1  2  3  4  10  5  0  0  1  6  0  0  7  0  7
五、存在的主要问题及改进情况
2021 年 5 件
"""
    values = values_of("申请人情况\n" + text)
    assert values[("reviews_litigation", "review", "total")] == 10
    assert values[("reviews_litigation", "review", "pending")] == 4
    assert values[("reviews_litigation", "litigation_direct", "upheld")] == 5
    assert values[("reviews_litigation", "litigation_after_review", "other")] == 7
    assert len([k for k in values if k[0] == "reviews_litigation"]) == 15


def test_prose_numbers_before_the_tables_are_not_cells() -> None:
    text = """2024 年，全市共受理政府信息公开申请 3119 件，答复 3050 件。
政府信息公开行政复议 351 件，其中结果维持 72 件。
全年新增公开市政府规章 1 件
二、主动公开政府信息情况
第二十条 第（一）项
信息内容 本年制发件数 本年废止件数 现行有效件数
规章 1 0 11
"""
    values = values_of(text)
    assert values == {
        ("active_disclosure", "rules", "issued"): 1.0,
        ("active_disclosure", "rules", "repealed"): 0.0,
        ("active_disclosure", "rules", "in_force"): 11.0,
    }


def test_no_tables_is_an_error() -> None:
    with pytest.raises(ReportError, match="no statistical tables"):
        extract_bytes("一、总体情况\n2020 年我局共有 5 名工作人员。\n".encode(), name="r.txt")


def test_partly_read_header_keeps_the_template_columns() -> None:
    # OCR broke most header labels: only 自然人, 其他 and 总计 are readable.
    text = """申请人情况
自然人总计
企业机构组织机构
其他
一、本年新收政府信息公开申请数量 32 2 0 0 0 0 34
"""
    report = extract_bytes(text.encode(), name="r.txt")
    new = {f.col_key: f.value for f in report.facts if f.row_key == "new_received"}
    assert new == {"natural_person": 32, "commercial": 2, "research": 0, "social_welfare": 0,
                   "legal_services": 0, "other_org": 0, "total": 34}
    assert any(w.code == "header_partly_read" for w in report.warnings)


def test_header_cells_wrapped_after_three_characters_are_read() -> None:
    # PDF-to-markdown: 商业企 / 业, 科研机 / 构, … (the endings in cells of their own).
    text = """申请人情况
自然人总计
商业企科研机社会公法律服
其他
| 业 | 构 | 益组织 | 务机构 |  |
|---|---|---|---|---|
| 一、本年新收政府信息公开申请数量 | 32 | 2 | 0 | 0 | 0 | 0 | 34 |
"""
    report = extract_bytes(text.encode(), name="r.md")
    new = {f.col_key: f.value for f in report.facts if f.row_key == "new_received"}
    assert new == {"natural_person": 32, "commercial": 2, "research": 0, "social_welfare": 0,
                   "legal_services": 0, "other_org": 0, "total": 34}
    assert not any(w.code.startswith("header_") for w in report.warnings)


# -- OCR/converter markdown ------------------------------------------------------------

OCR_APP = """三、收到和处理政府信息公开申请情况
### 申请人情况
## 表三
| 类别 | 数据1 | 数据2 | 数据3 | 数据4 | 数据5 | 数据6 | 总计 |
|---|---|---|---|---|---|---|---|
| 一、本年新收政府信息公开申请数量 | 5 | 1 | 0 | 0 | 0 | 0 | 6 |
| 二、上年结转政府信息公开申请数量 | 2 | 0 | 0 | 0 | 0 | 0 | 2 |
"""


def test_placeholder_header_means_the_template_column_order() -> None:
    report = extract_bytes(OCR_APP.encode(), name="r.md")
    values = {(f.row_key, f.col_key): f.value for f in report.facts}
    assert values[("new_received", "commercial")] == 1
    assert values[("new_received", "total")] == 6
    assert not any(w.code.startswith("header_") for w in report.warnings)


def test_unlabelled_row_between_named_rows_is_placed_by_row_order() -> None:
    text = OCR_APP + (
        "| （一）予以公开 | 3 | 0 | 0 | 0 | 0 | 0 | 3 |\n"
        "|  | 1 | 0 | 0 | 0 | 0 | 1 |\n"  # （二）部分公开, its label cut away; blank first
        "— 5 —\n"
        "## 表三\n"
        "| 类别 | 数据1 | 数据2 | 数据3 | 数据4 | 数据5 | 数据6 | 总计 |\n"
        "|---|---|---|---|---|---|---|---|\n"
        "| 1.属于国家秘密 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n"
    )
    report = extract_bytes(text.encode(), name="r.md")
    row = [f for f in report.facts if f.row_key == "partially_granted"]
    assert [(f.col_key, f.value, f.cell) for f in row][:2] == [
        ("natural_person", None, "blank"), ("commercial", 1.0, "number")]
    assert [w.line for w in report.warnings if w.code == "row_inferred"] == [9]
    assert not any(w.code == "unlabelled_values" for w in report.warnings)


def test_unlabelled_row_with_two_candidate_rows_stays_unnamed() -> None:
    text = OCR_APP + (
        "| （一）予以公开 | 3 | 0 | 0 | 0 | 0 | 0 | 3 |\n"
        "| 1 | 0 | 0 | 0 | 0 | 0 | 1 |\n"
        "| 2.其他法律行政法规禁止公开 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n"
    )
    report = extract_bytes(text.encode(), name="r.md")
    assert not {"partially_granted", "withheld.state_secret"} & {f.row_key for f in report.facts}
    assert [w.line for w in report.warnings if w.code == "unlabelled_values"] == [9]


RL_BLOCKS = """四、政府信息公开行政复议、行政诉讼情况

### 行政复议
| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |
|---|---|---|---|---|
| 1 | 2 | 3 | 4 | 10 |

### 行政诉讼（未经复议直接起诉）
| 总计 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 |
|---|---|---|---|---|
| 5 | 5 | 0 | 0 | 0 |

### 行政诉讼（复议后起诉）
| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |
|---|---|---|---|---|
|  |  |  |  |  |

五、存在的主要问题及改进情况
"""


def test_table_four_cut_into_one_table_per_block() -> None:
    report = extract_bytes((OCR_APP + RL_BLOCKS).encode(), name="r.md")
    rows: dict[str, dict[str, object]] = {}
    for f in report.facts:
        if f.table == "reviews_litigation":
            rows.setdefault(f.row_key, {})[f.col_key] = "blank" if f.cell == "blank" else f.value
    assert rows["review"] == {"upheld": 1, "corrected": 2, "other": 3, "pending": 4, "total": 10}
    # Each block's own header gives its column order.
    assert rows["litigation_direct"] == {"total": 5, "upheld": 5, "corrected": 0, "other": 0,
                                         "pending": 0}
    assert set(rows["litigation_after_review"].values()) == {"blank"}
    assert len(rows["litigation_after_review"]) == 5
    assert not any(w.code == "short_row" or "表四" in w.message for w in report.warnings)


@pytest.mark.parametrize("layout", ["pipe", "lines", "tab", "spaces", "pdf_text", "markdown"])
@pytest.mark.parametrize("heading", ["（三）不予公开", "（四）无法提供", "（五）不予处理"])
def test_a_section_number_on_its_own_line_is_no_unmapped_label(layout: str,
                                                              heading: str) -> None:
    # （四） printed alone on the line above 无法提供: the group's numbering, no label.
    rep = generate_report(1, layout=layout, template="2021", encoding="utf-8",
                          variations=False)
    assert heading in rep.text
    number, label = heading[:3], heading[3:]
    report = extract_bytes(rep.text.replace(heading, f"{number}\n{label}", 1).encode(),
                           name="report" + rep.extension)
    assert [w.message for w in report.warnings if w.code == "unmapped_label"] == []
    assert cell_differences([f.as_dict() for f in report.facts], rep.facts) == []
