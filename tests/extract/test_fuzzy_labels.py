"""Row labels printed with a wrong character: read as the row whose place they take."""

from __future__ import annotations

import pytest

from extract.report import ExtractedReport, extract_bytes
from synth import cell_differences, generate_report


def _misprinted(seed: int, layout: str, template: str, swaps: dict[str, str]
                ) -> tuple[ExtractedReport, list[dict[str, object]]]:
    rep = generate_report(seed, layout=layout, template=template, encoding="utf-8",
                          variations=False)
    text = rep.text
    for right, wrong in swaps.items():
        assert right in text, right
        text = text.replace(right, wrong)
    return extract_bytes(text.encode(), name="report" + rep.extension), rep.facts


def _fuzzy(report: ExtractedReport) -> list[str]:
    return [w.message for w in report.warnings if w.code == "label_fuzzy"]


@pytest.mark.parametrize("layout", ["pipe", "tab", "spaces", "lines", "glued"])
def test_a_homophone_in_a_row_label_is_read_with_a_warning(layout: str) -> None:
    report, truth = _misprinted(3, layout, "2021", {"三类内部事务信息": "三类内部事物信息",
                                                   "行政许可": "行政许科"})
    assert cell_differences([f.as_dict() for f in report.facts], truth) == []
    messages = _fuzzy(report)
    assert len(messages) == 2
    assert any("withheld.internal_affairs" in m and "属于三类内部事物信息" in m
               and "属于三类内部事务信息" in m for m in messages)
    assert any("active_disclosure/licensing" in m for m in messages)


def test_a_misprint_nearest_to_a_row_printed_elsewhere_does_not_take_it() -> None:
    # The 4th 不予公开 row now reads like the 5th, which is printed too: the 5th keeps
    # its own values and the 4th is named only by its place (row_inferred).
    report, truth = _misprinted(3, "pipe", "2021", {"保护第三方合法权益": "属于三类内部事物信息"})
    assert _fuzzy(report) == []
    assert cell_differences([f.as_dict() for f in report.facts], truth) == []
    assert any(w.code == "row_inferred" and "third_party_rights" in w.message
               for w in report.warnings)


def test_a_misprint_out_of_its_place_is_not_guessed() -> None:
    # 重复申请 misprinted where 属于国家秘密 stands: the order refutes it.
    report, _truth = _misprinted(3, "pipe", "2021", {"属于国家秘密": "重复申清"})
    assert _fuzzy(report) == []
    values = {(f.row_key, f.col_key): f for f in report.facts if f.table == "applications"}
    dup = {c: f.raw_value for (r, c), f in values.items() if r == "not_processed.duplicate"}
    assert dup and all(f.line != values[("withheld.state_secret", "total")].line
                       for (r, _c), f in values.items() if r == "not_processed.duplicate")


def test_a_misprinted_column_of_table_two_is_read_with_a_warning() -> None:
    report, truth = _misprinted(3, "glued", "2021", {"现行有效件数": "先行有效件数"})
    assert cell_differences([f.as_dict() for f in report.facts], truth) == []
    assert any("'先行有效件数' read as '现行有效件数'" in m for m in _fuzzy(report))


def test_a_misprint_never_takes_a_column_the_header_names() -> None:
    # 本年制发件数 and a misprinted copy of it: the copy is not a second column; the
    # header names two of the rows' three columns, so the template's three are read.
    report, truth = _misprinted(3, "spaces", "2021", {"本年废止件数": "本年制发件薮"})
    assert not any("本年制发件薮" in m for m in _fuzzy(report))
    assert cell_differences([f.as_dict() for f in report.facts], truth) == []
    assert {w.code for w in report.warnings} == {"header_partly_read"}


@pytest.mark.parametrize("misprint", [
    {"采购项目数量": "采购项目怰量"},  # a column label no longer read: the row's values
    {"上一年项目数量": "上一年项目敉量"},  # must not move one column over
])
@pytest.mark.parametrize("seed", range(3))
def test_a_header_read_in_part_moves_no_value(misprint: dict[str, str], seed: int) -> None:
    rep = generate_report(seed, layout="glued", template="2019", encoding="utf-8",
                          variations=False)
    right, wrong = next(iter(misprint.items()))
    text = rep.text.replace(right, wrong)
    report = extract_bytes(text.encode(), name="report" + rep.extension)
    assert cell_differences([f.as_dict() for f in report.facts], rep.facts) == []
    assert "header_partly_read" in {w.code for w in report.warnings}


def test_a_misprinted_unit_is_not_read_as_another() -> None:
    # 万元 damaged into 䀇元: not 元 (a value 10,000 times too small), the template's.
    rep = generate_report(2, layout="glued", template="2021", encoding="utf-8",
                          variations=False)
    assert "单位：万元" in rep.text
    report = extract_bytes(rep.text.replace("单位：万元", "单位：䀇元").encode(),
                           name="report" + rep.extension)
    assert cell_differences([f.as_dict() for f in report.facts], rep.facts) == []
    assert "unit_assumed" in {w.code for w in report.warnings}


def test_a_misprinted_sub_row_label_after_its_group_heading_is_read_as_its_row() -> None:
    # (六)其他处理 1、申请人无正当理由逾最不补正…: the values are the sub-row's, not a
    # 2019 其他处理 row's.
    rep = generate_report(0, layout="glued", template="2021", encoding="utf-8",
                          variations=False)
    assert "逾期不补正" in rep.text
    report = extract_bytes(rep.text.replace("逾期不补正", "逾最不补正", 1).encode(),
                           name="report" + rep.extension)
    assert cell_differences([f.as_dict() for f in report.facts], rep.facts) == []
    assert any("read as '逾期不补正'" in m for m in _fuzzy(report))


@pytest.mark.parametrize("layout", ["tab", "markdown", "pipe", "lines"])
@pytest.mark.parametrize("seed", range(5))
def test_a_misprinted_label_after_merged_cells_keeps_its_cells_columns(
        layout: str, seed: int) -> None:
    # (（一）予以公开 follows the merged group cell 三、本年度办理结果: its cells stand
    # where the header puts them, not one column to the right.)
    rep = generate_report(seed, layout=layout, encoding="utf-8")
    text = rep.text.replace("予以公开", "子以公开", 1).replace("部分公开", "部份公开", 1)
    report = extract_bytes(text.encode(), name="report" + rep.extension)
    assert cell_differences([f.as_dict() for f in report.facts], rep.facts) == []
    assert len(_fuzzy(report)) == 2


@pytest.mark.parametrize("layout", ["pipe", "tab", "markdown", "spaces"])
def test_a_cell_of_a_number_and_a_label_is_a_label(layout: str) -> None:
    # 1、申请人… printed 1　申请人… (an ideographic space): numbering, not a value the
    # row's other cells would follow one column over.
    rep = generate_report(0, layout=layout, template="2021", encoding="utf-8",
                          variations=False)
    assert "1.申请人无正当理由" in rep.text
    report = extract_bytes(rep.text.replace("1.申请人无正当理由", "1\u3000申请人无正当理由")
                           .encode(), name="report" + rep.extension)
    assert cell_differences([f.as_dict() for f in report.facts], rep.facts) == []


@pytest.mark.parametrize("layout", ["pipe", "html", "glued"])
def test_a_third_sub_row_whose_first_two_are_lost_is_no_other_row(layout: str) -> None:
    # 3.其他 right after the 不予处理 rows (the first two 其他处理 sub-rows lost to
    # damage): the third sub-row, not the 2019 template's single 其他处理 row.
    rep = generate_report(0, layout=layout, template="2021", encoding="utf-8",
                          variations=False)
    lines = [line for line in rep.text.split("\n")
             if "申请人无正当理由" not in line and "申请人逾期未按" not in line]
    assert len(lines) == rep.text.count("\n") + 1 - 2
    report = extract_bytes("\n".join(lines).encode(), name="report" + rep.extension)
    got = {(f.table, f.row_key, f.col_key): f.value for f in report.facts
           if f.value is not None and f.cell != "derived"}
    want = {(f["table"], f["row_key"], f["col_key"]): f["value"] for f in rep.facts}
    assert {k: (v, want.get(k)) for k, v in got.items() if want.get(k) != v} == {}
    if layout != "glued":  # (there the row's run may be ambiguous without the others)
        assert ("applications", "other.other", "total") in got
