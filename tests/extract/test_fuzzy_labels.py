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
    # 本年制发件数 and a misprinted copy of it: the copy is not a second column.
    report, _truth = _misprinted(3, "spaces", "2021", {"本年废止件数": "本年制发件薮"})
    assert not any("本年制发件薮" in m for m in _fuzzy(report))
    assert ("active_disclosure", "rules", "repealed") not in {
        (f.table, f.row_key, f.col_key) for f in report.facts}


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
