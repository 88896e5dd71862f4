"""The search that splits cells printed run together (extract/glued.py)."""

from __future__ import annotations

import time

import pytest

from extract.cells import VALUE, tokenise_line
from extract.glued import (
    MAX_NODES,
    VALID_COUNT,
    Budget,
    OverBudget,
    active_validator,
    run_text,
    splits,
)
from extract.report import ReportError, extract_bytes
from transform.maps import read_map

APP_GROUPS = [(0, 6)]
RL_GROUPS = [(0, 4), (5, 9), (10, 14)]


def _active(*cols: str) -> list:
    return [active_validator(c) for c in cols]


# -- one row -------------------------------------------------------------------------


def test_a_row_of_seven_splits_by_its_total() -> None:
    assert splits("640020470", [VALID_COUNT] * 7, APP_GROUPS, Budget()) == [
        ("64", "0", "0", "2", "0", "4", "70")]


def test_reviews_split_by_each_block_total() -> None:
    got = splits("10203120001200000", [VALID_COUNT] * 15, RL_GROUPS, Budget())
    assert got == [("1", "0", "2", "0", "3", "12", "0", "0", "0", "12",
                    "0", "0", "0", "0", "0")]


def test_a_multi_digit_cell_never_starts_with_zero() -> None:
    # 05|5 would add up, but no printed cell reads "05".
    assert splits("055", [VALID_COUNT] * 2, [(0, 1)], Budget()) == []


def test_dashes_are_one_cell_each_and_count_zero() -> None:
    run = run_text([_value_token("3—2-5")])
    assert run == "3x2x5"
    assert splits(run, [VALID_COUNT] * 5, [(0, 4)], Budget()) == [("3", "x", "2", "x", "5")]


def test_a_row_whose_total_no_split_reaches_has_no_split() -> None:
    assert splits("500003058", [VALID_COUNT] * 7, APP_GROUPS, Budget()) == []


def test_several_splits_are_all_returned() -> None:
    got = splits("110001113", [VALID_COUNT] * 7, APP_GROUPS, Budget())
    assert ("1", "10", "0", "0", "1", "1", "13") in got and len(got) == 3


def test_change_cell_opens_at_its_sign_and_decisions_stay_ambiguous() -> None:
    got = splits("2648-18538", _active("prior_year_items", "change", "decisions"), [],
                 Budget())
    assert ("2648", "-18", "538") in got
    assert all(s[0] == "2648" and s[1].startswith("-") for s in got)


def test_money_glued_to_a_count() -> None:
    # 1|05.2 would start a number with 0: only 10 | 5.2万元 is left.
    assert splits("105.2万元", _active("items", "amount"), [], Budget()) == [("10", "5.2万元")]
    many = splits("13575394432.52元", _active("items", "amount"), [], Budget())
    assert ("1357539", "4432.52元") in many and len(many) > 1


def test_a_hostile_run_is_bounded() -> None:
    started = time.perf_counter()
    budget = Budget()
    assert splits("1" * 100, [VALID_COUNT] * 15, RL_GROUPS, budget) == []
    assert time.perf_counter() - started < 1.0 and budget.nodes <= MAX_NODES


def test_over_the_budget_the_search_stops() -> None:
    with pytest.raises(OverBudget):
        splits("12345678901234567890", [VALID_COUNT] * 7, APP_GROUPS, Budget(50))


def _value_token(text: str):
    _kind, tokens = tokenise_line("规章" + text, "规章" + text, 1)
    return tokens[-1]


# -- the tokeniser's marks ---------------------------------------------------------------


@pytest.mark.parametrize(("line", "label", "run"), [
    ("一、本年新收政府信息公开申请数量640020470", "一、本年新收政府信息公开申请数量",
     "640020470"),
    ("行政处罚2648-18538", "行政处罚", "2648-18538"),
    ("政府集中采购13575394432.52元", "政府集中采购", "13575394432.52元"),
    ("（六）其他处理-----00", "（六）其他处理", "-----00"),
    ("三、本年度办理结果  （一）予以公开462001049", "三、本年度办理结果  （一）予以公开",
     "462001049"),
])
def test_a_run_glued_to_its_label_is_cut_off_and_marked(line: str, label: str,
                                                          run: str) -> None:
    _kind, tokens = tokenise_line(line, line, 1)
    values = [t for t in tokens if t.kind == VALUE]
    printed = "".join(t.text for t in tokens if t.kind != VALUE)
    assert printed.replace(" ", "") == label.replace(" ", "")
    assert [t.text for t in values] == [run] and values[0].value.glued


def test_a_run_of_its_own_is_marked_and_ordinary_values_are_not() -> None:
    _kind, tokens = tokenise_line("10203120001200000", "10203120001200000", 1)
    assert tokens[0].kind == VALUE and tokens[0].value.glued
    _kind, tokens = tokenise_line("// //////////0/0", "// //////////0/0", 1)
    assert all(t.kind == VALUE and t.value.glued for t in tokens)
    _kind, tokens = tokenise_line("（七）总计2932 53 0", "（七）总计2932 53 0", 1)
    assert not any(t.value.glued for t in tokens if t.kind == VALUE)


def test_a_wrapped_label_ending_in_wu_is_no_dash() -> None:
    line = "（四）无 1.本机关不掌握相关政府信息 746 12 0 0 10 1 769"
    _kind, tokens = tokenise_line(line, line, 1)
    assert not any(t.value.glued for t in tokens if t.kind == VALUE)


# -- whole reports -------------------------------------------------------------------------

LABELS = {r["row_key"]: r["row_label"] for r in read_map("keys")
          if r["table"] == "applications"}
HEADER = ("2020年度区应急管理局政府信息公开工作年度报告\n三、收到和处理政府信息公开申请情况\n"
          "申请人情况  自然人  商业企业  科研机构  社会公益组织  法律服务机构  其他  总计\n")


def _report(rows: dict[str, list[int]], reviews: str = "") -> str:
    lines = [LABELS[k].split()[-1] + "".join(map(str, v)) for k, v in rows.items()]
    text = HEADER + "\n".join(lines) + "\n"
    if reviews:
        text += ("四、政府信息公开行政复议、行政诉讼情况\n行政复议  行政诉讼\n"
                 "结果维持  结果纠正  其他结果  尚未审结  总计  未经复议直接起诉  复议后起诉\n"
                 + "结果维持  结果纠正  其他结果  尚未审结  总计  " * 3 + "\n" + reviews + "\n")
    return text


def _facts(text: str) -> tuple[dict, list]:
    got = extract_bytes(text.encode(), name="r.txt")
    return ({(f.table, f.row_key): [] for f in got.facts} | _by_row(got.facts), got.warnings)


def _by_row(facts) -> dict:
    out: dict = {}
    for f in facts:
        out.setdefault((f.table, f.row_key), []).append(f.value)
    return out


def _columns(granted: list[int], partial: list[int]) -> dict[str, list[int]]:
    """Every 2019 row of 表三: two outcome rows with numbers, the others all 0."""
    total = [a + b for a, b in zip(granted, partial, strict=True)]
    rows = {"new_received": total, "carried_over": [0] * 7, "granted": granted,
            "partially_granted": partial}
    for key in LABELS:
        if key.startswith(("withheld.", "unavailable.", "not_processed.")) or key == "other":
            rows[key] = [0] * 7
    return rows | {"total": total, "carried_forward": [0] * 7}


def test_rows_ambiguous_alone_are_decided_by_the_columns() -> None:
    # granted alone reads 1|10|0|0|1|1|13 or 11|0|0|0|1|1|13 or 1|1|0|0|0|11|13;
    # only the first makes (七)总计 and the balance add up, column by column.
    rows = _columns([1, 10, 0, 0, 1, 1, 13], [2, 0, 0, 0, 3, 0, 5])
    assert len(splits("110001113", [VALID_COUNT] * 7, APP_GROUPS, Budget())) == 3
    facts, warnings = _facts(_report(rows))
    for key, values in rows.items():
        assert facts[("applications", key)] == [float(v) for v in values], key
    assert [w.code for w in warnings].count("cells_recovered") == 1
    assert not any(w.code == "cells_ambiguous" for w in warnings)


def test_an_ambiguous_row_is_left_empty_and_no_other_row_fails() -> None:
    # Every row swaps 1|17 for 11|7 in the same two columns: both fit every rule.
    rows = _columns([0, 0, 1, 17, 0, 0, 18], [0, 0, 0, 0, 5, 0, 5])
    facts, warnings = _facts(_report(rows))
    ambiguous = [w for w in warnings if w.code == "cells_ambiguous"]
    assert {w.message.split(":")[0] for w in ambiguous} == {
        "applications/new_received", "applications/granted", "applications/total"}
    granted = next(w for w in ambiguous if "granted" in w.message)
    assert "2 splits fit: 0|0|1|17|0|0|18; 0|0|11|7|0|0|18" in granted.message
    for key in ("new_received", "granted", "total"):
        assert ("applications", key) not in facts
    for key in rows.keys() - {"new_received", "granted", "total"}:
        assert facts[("applications", key)] == [float(v) for v in rows[key]]
    assert any(w.code == "rows_missing" for w in warnings)


def test_reviews_glued_with_stray_spaces() -> None:
    rows = _columns([1, 0, 0, 0, 0, 0, 1], [0] * 7)
    facts, warnings = _facts(_report(rows, reviews="1020 31200012 00000"))
    assert facts[("reviews_litigation", "review")] == [1.0, 0.0, 2.0, 0.0, 3.0]
    assert facts[("reviews_litigation", "litigation_direct")] == [12.0, 0, 0, 0, 12.0]
    assert facts[("reviews_litigation", "litigation_after_review")] == [0.0] * 5
    assert not any(w.code in ("short_row", "cells_ambiguous") for w in warnings)


def test_active_disclosure_rows_glued_to_their_labels() -> None:
    text = ("2020年度区应急管理局政府信息公开工作年度报告\n二、主动公开政府信息情况\n"
            "第二十条第(五)项\n信息内容  上一年项目数量  本年增/减  处理决定数量\n"
            "其他对外管理服务事项4减426\n"
            "第二十条第(六)项\n信息内容  上一年项目数量  本年增/减  处理决定数量\n"
            "行政处罚2648-18538\n"
            "第二十条第(九)项\n信息内容  采购项目数量  采购总金额\n政府集中采购105.2万元\n")
    got = extract_bytes(text.encode(), name="r.txt")
    values = {(f.row_key, f.col_key): f.value for f in got.facts}
    # 4 | 减42 | 6 would take away more items than there were.
    assert [values[("other_services", c)] for c in ("prior_year_items", "change",
                                                     "decisions")] == [4, -4, 26]
    assert values[("procurement", "items")] == 10 and values[("procurement", "amount")] == 52000
    assert not any(k[0] == "penalty" for k in values)
    (penalty,) = [w for w in got.warnings if w.code == "cells_ambiguous"]
    assert "2648|-18|538" in penalty.message and penalty.message.startswith(
        "active_disclosure/penalty")


def test_ordinary_reports_are_never_searched() -> None:
    text = HEADER + "一、本年新收政府信息公开申请数量  64  0  0  2  0  4\n"
    got = extract_bytes(text.encode(), name="r.txt")
    assert got.format == "spaces"
    assert any(w.code == "short_row" for w in got.warnings)
    assert not any(w.code.startswith("cells_") and w.code != "cells_missing"
                   for w in got.warnings)


def test_a_hostile_report_is_bounded_and_says_why() -> None:
    # Random digits glued to every 表三 label: nothing fits, the budget runs out.
    digits = "31415926535897932384626433832795028841971693993751"
    lines = [label.split()[-1] + digits[i % 10 : i % 10 + 16]
             for i, label in enumerate(LABELS.values()) if label.strip()]
    started = time.perf_counter()
    with pytest.raises(ReportError, match="no split could be decided"):
        extract_bytes((HEADER + "\n".join(lines) + "\n").encode(), name="r.txt")
    assert time.perf_counter() - started < 3.0


@pytest.mark.parametrize("run", ["l20020470", "6400207a0", "64002O470", "1e50020470"])
def test_a_run_with_a_letter_in_it_is_left_empty_never_split_around_it(run: str) -> None:
    # 64|0|0|2|0|4|70 with one digit misprinted: where its cells start cannot be told
    # (…数量l2002… is no label …数量l before a run 2002…).
    rows = _columns([64, 0, 0, 2, 0, 4, 70], [0] * 7)
    text = _report(rows).replace("数量640020470", "数量" + run)
    facts, warnings = _facts(text)
    assert ("applications", "new_received") not in facts
    (bad,) = [w for w in warnings if w.code == "cells_ambiguous"]
    assert bad.message.startswith("applications/new_received") and run in bad.message
    for key in rows.keys() - {"new_received"}:
        assert facts[("applications", key)] == [float(v) for v in rows[key]], key


def test_a_run_left_whole_in_a_full_row_is_an_unreadable_cell_not_a_zero() -> None:
    # Every column has its cell: 12-3 and 1.2.3 are one cell each, read as no value.
    text = HEADER + "一、本年新收政府信息公开申请数量  12-3  0  1.2.3  2  0  4  6\n"
    got = extract_bytes(text.encode(), name="r.txt")
    row = {f.col_key: (f.value, f.raw_value, f.cell) for f in got.facts
           if f.row_key == "new_received"}
    assert row["natural_person"] == (None, "12-3", "unreadable")
    assert row["research"] == (None, "1.2.3", "unreadable")
    assert row["social_welfare"] == (2.0, "2", "number") and row["total"] == (6.0, "6", "number")
    bad = [w.message for w in got.warnings if w.code == "bad_value"]
    assert len(bad) == 2 and "'12-3'" in bad[0] and "'1.2.3'" in bad[1]
