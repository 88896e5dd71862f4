"""Whole-file extraction: formats, bad input and bounded time (extract.report)."""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

import pytest

from extract.reading import MAX_TEXT_BYTES
from extract.report import ReportError, extract_bytes, extract_file

SEED_LIKE = """区民政局2021年政府信息公开工作年度报告
本报告所列数据的统计期限自2021年1月1日起至2021年12月31日止。
二、主动公开政府信息情况
第二十条第（一）项 | | |
信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |
规章 | 0 | 0 | 0 |
行政规范性文件 | 2 | 1 | 9 |
第二十条第（八）项 | |
信息内容 | 本年收费金额（单位：万元） |
行政事业性收费 | 1.5 |
三、收到和处理政府信息公开申请情况
(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和) | 申请人情况 | ||||||
自然人 | 法人或其他组织 | 总计 | ||||
商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | |
一、本年新收政府信息公开申请数量 | 4 | 1 | 0 | 0 | 0 | 0 | 5 |
二、上年结转政府信息公开申请数量 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |
三、本年度办理结果 | (一)予以公开 | 3 | 1 | 0 | 0 | 0 | 0 | 4 |
(七)总计 | 3 | 1 | 0 | 0 | 0 | 0 | 4 |
四、结转下年度继续办理 | 2 | 0 | 0 | 0 | 0 | 0 | 2 |
四、政府信息公开行政复议、行政诉讼情况
行政复议 | 行政诉讼 |
结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 未经复议直接起诉 | 复议后起诉 |
结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |
1 | 0 | 0 | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
五、存在的主要问题及改进情况
"""


def test_a_small_2021_report_in_every_table() -> None:
    report = extract_bytes(SEED_LIKE.encode("gb18030"), name="x.txt")
    assert (report.agency, report.year, report.template) == ("区民政局", 2021, "2021")
    assert report.encoding == "gb18030" and report.format == "pipe"
    values = {(f.table, f.row_key, f.col_key): f for f in report.facts}
    fee = values[("active_disclosure", "fees", "amount")]
    assert (fee.value, fee.unit, fee.raw_value) == (15000.0, "yuan", "1.5")
    assert values[("reviews_litigation", "review", "total")].value == 1
    assert values[("applications", "granted", "commercial")].line == 17
    # rows the template prints but this report omits are reported, not invented
    missing = {w.message.split(":")[0]: w.message for w in report.warnings
               if w.code == "rows_missing"}
    assert set(missing) == {"active_disclosure", "applications"}
    assert "partially_granted" in missing["applications"]
    assert "licensing" in missing["active_disclosure"]
    assert ("applications", "partially_granted", "total") not in values


def test_failed_checks_keep_every_value() -> None:
    broken = SEED_LIKE.replace("(七)总计 | 3 | 1 |", "(七)总计 | 9 | 1 |")
    report = extract_bytes(broken.encode(), name="x.txt")
    total = next(f for f in report.facts if f.row_key == "total" and f.col_key == "natural_person")
    assert total.value == 9
    failed = {(c.rule, c.col_key) for c in report.checks if not c.passed}
    assert ("applications.outcome_sum", "natural_person") in failed
    assert ("applications.balance", "natural_person") in failed
    assert ("applications.row_sum", "total") in {(c.rule, c.row_key) for c in report.checks
                                                if not c.passed}


def test_html_table_report() -> None:
    rows = [line.rstrip(" |").split(" | ") for line in SEED_LIKE.splitlines()]
    body = "\n".join(
        "<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" if len(r) > 1 else f"<p>{r[0]}</p>"
        for r in rows
    )
    html = f"<html><head><style>td{{}}</style></head><body><table>\n{body}\n</table></body></html>"
    report = extract_bytes(html.encode("utf-8"), name="x.html")
    assert report.format == "html"
    values = {(f.table, f.row_key, f.col_key): f.value for f in report.facts}
    assert values[("applications", "new_received", "total")] == 5
    assert values[("active_disclosure", "normative_documents", "in_force")] == 9
    assert values[("reviews_litigation", "review", "upheld")] == 1


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (bytes(range(256)) * 20, "binary"),
        ("一、总体情况\n我局没有收到申请。\n".encode(), "no numbers"),
        ("一、总体情况\n全年发布信息 120 条。\n".encode(), "no statistical tables"),
        (b"%PDF-1.7\n%broken", "PDF"),
    ],
)
def test_bad_input_is_a_one_line_error(data: bytes, reason: str) -> None:
    with pytest.raises(ReportError, match=reason) as info:
        extract_bytes(data, name="bad.txt")
    assert "\n" not in str(info.value)


def test_one_table_only_is_a_partial_result_with_warnings() -> None:
    only_two = SEED_LIKE.split("三、收到和处理")[0]
    report = extract_bytes(only_two.encode(), name="x.txt")
    assert {f.table for f in report.facts} == {"active_disclosure"}
    missing = {w.message for w in report.warnings if w.code == "table_missing"}
    assert len(missing) == 2


def test_truncated_table_keeps_what_was_printed() -> None:
    cut = SEED_LIKE[: SEED_LIKE.index("二、上年结转") + len("二、上年结转政府信息公开申请数量 | 1 | 0")]
    report = extract_bytes(cut.encode(), name="x.txt")
    carried = [f for f in report.facts if f.row_key == "carried_over"]
    assert [f.value for f in carried] == [1.0, 0.0]
    assert any(w.code == "short_row" for w in report.warnings)


def test_oversized_file_is_refused_quickly(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:
        fh.truncate(MAX_TEXT_BYTES + 1)
    started = time.perf_counter()
    with pytest.raises(ReportError, match="too large"):
        extract_file(big)
    assert time.perf_counter() - started < 5  # bounded, not a benchmark


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="cannot read"):
        extract_file(tmp_path / "nope.txt")


def test_json_has_the_documented_fields() -> None:
    doc = json.loads(json.dumps(extract_bytes(SEED_LIKE.encode(), name="x.txt").as_dict()))
    assert {"agency", "year", "template", "encoding", "format", "facts", "checks",
            "warnings"} <= set(doc)
    assert {"table", "row_key", "col_key", "value", "raw_value", "cell", "line"} <= set(
        doc["facts"][0])
    assert {"rule", "table", "row_key", "col_key", "expected", "actual", "passed"} <= set(
        doc["checks"][0])


def test_html_empty_last_cell_is_a_blank_value() -> None:
    html = """<html><body><p>区民政局2021年政府信息公开工作年度报告</p><table>
<tr><td colspan="4">第二十条第（一）项</td></tr>
<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>
<tr><td>规章</td><td>0</td><td>2</td><td></td></tr>
<tr><td>行政规范性文件</td><td>2</td><td>0</td><td>20</td></tr>
</table></body></html>"""
    report = extract_bytes(html.encode(), name="x.html")
    cells = {(f.row_key, f.col_key): (f.value, f.cell, f.line) for f in report.facts}
    assert cells[("rules", "repealed")] == (2.0, "number", 4)
    assert cells[("rules", "in_force")] == (None, "blank", 4)
    assert cells[("normative_documents", "in_force")] == (20.0, "number", 5)


def test_devices_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="not a regular file"):
        extract_file(Path("/dev/zero"))


def test_absurdly_long_numbers_are_not_values() -> None:
    text = ("第二十条第（一）项\n信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数\n"
            "规章 | 1 | " + "9" * 400 + " | 3 |\n")
    report = extract_bytes(text.encode(), name="x.txt")
    json.dumps(report.as_dict(), allow_nan=False)  # would raise on an infinity
    assert all(f.value is None or f.value < 1e16 for f in report.facts)


def test_a_double_dash_line_is_a_dash_cell_in_one_cell_per_line_text() -> None:
    cells = ["第二十条第（一）项", "信息内容", "本年制发件数", "本年废止件数", "现行有效件数",
             "规章", "1", "--", "3"]
    report = extract_bytes("\n".join(cells).encode(), name="x.txt")
    got = {(f.row_key, f.col_key): (f.value, f.cell) for f in report.facts}
    assert got[("rules", "repealed")] == (None, "dash")
    assert got[("rules", "in_force")] == (3.0, "number")


@pytest.mark.parametrize(
    "text",
    [
        "申请人情况\n" + "自然人 |\n商业企业 |\n科研机构 |\n" * 3000
        + "一、本年新收政府信息公开申请数量 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |\n",
        "申请人情况\n" + "某某 | |\n" * 20000 + "规章 | 1 |\n",
        "申请人情况\n" + "规章 1 2 3\n7\n" * 20000,
        "第二十条第（一）项\n信息内容 本年制发件数\n" + "1 " * 500_000,
        "第二十条第（一）项\n信息内容 | 本年制发件数\n规章" + " | 1" * 300_000,
    ],
    ids=["grid-header", "blank-rows", "page-numbers", "number-wall", "pipe-wall"],
)
def test_hostile_text_finishes_in_bounded_time(text: str) -> None:
    # Inputs that once took quadratic time; a generous bound, not a benchmark.
    started = time.perf_counter()
    with contextlib.suppress(ReportError):
        extract_bytes(text.encode(), name="x.txt")
    assert time.perf_counter() - started < 20


def test_identity_from_the_source_layout(tmp_path: Path) -> None:
    folder = tmp_path / "区应急管理局"
    folder.mkdir()
    report_path = folder / "2020.txt"
    report_path.write_text(SEED_LIKE.split("\n", 1)[1], encoding="utf-8")  # no title
    report = extract_file(report_path)
    assert (report.agency, report.year) == ("区应急管理局", 2020)
    plain = tmp_path / "2020.txt"  # a folder not named like an agency gives no agency
    plain.write_text(SEED_LIKE.split("\n", 1)[1], encoding="utf-8")
    report = extract_file(plain)
    assert report.agency is None
    assert any(w.code == "agency_unknown" for w in report.warnings)


def test_a_title_against_the_source_layout_is_a_warning_and_the_layout_wins(
        tmp_path: Path) -> None:
    # 区司法局's 2019 report saved as 区教育局/2020.txt.
    text = SEED_LIKE.replace("区民政局2021年", "区司法局2019年").replace("2021年1月1日起至2021年",
                                                                  "2019年1月1日起至2019年")
    folder = tmp_path / "区教育局"
    folder.mkdir()
    (folder / "2020.txt").write_text(text, encoding="utf-8")
    report = extract_file(folder / "2020.txt")
    assert (report.agency, report.year) == ("区教育局", 2020)
    (conflict,) = [w for w in report.warnings if w.code == "identity_conflict"]
    assert "agency 区教育局 (the report names 区司法局)" in conflict.message
    assert "year 2020 (the report names 2019)" in conflict.message
    # Only the year: the folder names the agency as the title does, with its place.
    (folder.parent / "江州市云溪区司法局").mkdir()
    (folder.parent / "江州市云溪区司法局" / "2020.txt").write_text(text, encoding="utf-8")
    report = extract_file(folder.parent / "江州市云溪区司法局" / "2020.txt")
    (conflict,) = [w.message for w in report.warnings if w.code == "identity_conflict"]
    assert "agency" not in conflict and "year 2020 (the report names 2019)" in conflict


def test_a_title_that_agrees_with_the_source_layout_says_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "区民政局"
    folder.mkdir()
    (folder / "2021.txt").write_text(SEED_LIKE, encoding="utf-8")
    report = extract_file(folder / "2021.txt")
    assert not any(w.code == "identity_conflict" for w in report.warnings)


def test_big5_report_quotes_labels_as_printed() -> None:
    import opencc

    # OpenCC writes 爲, which Big5 lacks; Big5 text prints 為
    traditional = opencc.OpenCC("s2t").convert(SEED_LIKE).replace("爲", "為")
    report = extract_bytes(traditional.encode("big5hkscs"), name="x.txt")
    assert report.encoding == "big5" and report.agency == "区民政局"
    fee = next(f for f in report.facts if f.row_key == "fees")
    assert fee.raw_row_label == "行政事業性收費" and fee.value == 15000.0


def test_warnings_for_assumed_units_unknown_cells_and_missing_headers() -> None:
    text = """区民政局2020年政府信息公开工作年度报告
第二十条第（九）项
信息内容 | 采购项目数量 | 采购总金额
政府集中采购 | 3 | 12.5
第二十条第（一）项
规章 | 1 | 2 | 3
"""
    report = extract_bytes(text.encode(), name="x.txt")
    codes = {w.code for w in report.warnings}
    amount = next(f for f in report.facts if f.row_key == "procurement" and f.col_key == "amount")
    assert amount.value == 125000.0 and "unit_assumed" in codes  # no unit: 万元
    assert "header_not_found" in codes  # 规章 without its 信息内容 row
    rules = {f.col_key: f.value for f in report.facts if f.row_key == "rules"}
    assert rules == {"made": 1.0, "published": 2.0, "total_published": 3.0}  # 2019 columns


def test_year_unknown_is_a_warning() -> None:
    text = "第二十条第（一）项\n信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数\n规章 | 1 | 0 | 11\n"
    report = extract_bytes(text.encode(), name="x.txt")
    assert report.year is None
    assert {"year_unknown", "agency_unknown"} <= {w.code for w in report.warnings}


@pytest.mark.parametrize(("cell", "layout"), [
    ("7a", "pipe"), ("1.2.3", "pipe"), ("1e5", "pipe"), ("12-3", "pipe"), ("9" * 300, "pipe"),
    ("7a", "spaces"), ("1.2.3", "spaces"), ("1e5", "spaces"), ("12-3", "spaces"),
    ("9" * 300, "spaces"), ("暂无", "pipe")])
def test_a_cell_that_is_no_value_keeps_its_place_and_its_raw_text(cell: str, layout: str) -> None:
    text = SEED_LIKE.replace("行政规范性文件 | 2 | 1 | 9 |", f"行政规范性文件 | 2 | {cell} | 9 |")
    if layout == "spaces":
        text = text.replace(" | ", "    ").replace("|", "")
    report = extract_bytes(text.encode(), name="x.txt")
    row = {f.col_key: (f.value, f.raw_value, f.cell) for f in report.facts
           if f.row_key == "normative_documents"}
    assert row == {"issued": (2.0, "2", "number"), "repealed": (None, cell, "unreadable"),
                   "in_force": (9.0, "9", "number")}
    (bad,) = [w for w in report.warnings if w.code == "bad_value"]
    assert bad.message.startswith("active_disclosure/normative_documents/repealed") and bad.line == 7
    assert not any(w.code in ("short_row", "cells_missing") for w in report.warnings)
    # (12-3 printed apart is also how cells run together print: 12|-|3, a dash cell
    # between; the run is searched, and read as one cell where its row is full.)
    assert report.format == ("glued" if cell == "12-3" and layout == "spaces" else layout)


@pytest.mark.parametrize(("cell", "number"), [("1O", 10.0), ("l", 1.0), ("O", 0.0)])
def test_ocr_letters_are_read_as_digits_with_a_warning(cell: str, number: float) -> None:
    text = SEED_LIKE.replace("行政规范性文件 | 2 | 1 | 9 |", f"行政规范性文件 | 2 | {cell} | 9 |")
    report = extract_bytes(text.encode(), name="x.txt")
    fact = next(f for f in report.facts
                if (f.row_key, f.col_key) == ("normative_documents", "repealed"))
    assert (fact.value, fact.raw_value, fact.cell) == (number, cell, "number")
    (ocr,) = [w for w in report.warnings if w.code == "value_ocr"]
    assert f"{cell!r} read as {number:g}" in ocr.message
