"""Tests of the ``crawler`` layout, the ``repeat_merged`` option and the rule breakers.

The crawler layout prints a page's metadata lines and then the whole body on one line,
table cells glued or split by single spaces; these tests pin its shape and that its
truth is exact. ``repeat_merged`` must repeat merged labels without touching a value.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from synth import (
    BREAK_KINDS,
    LAYOUTS,
    REPEAT_MERGED_LAYOUTS,
    generate_report,
    valid_keys,
    violations,
)
from synth.corpus import main
from synth.keys import ACTIVE, APPLICATIONS, OTHER_SUBROWS, REVIEW_BLOCKS, REVIEWS
from synth.model import Line
from synth.render import DRAWN_LAYOUTS, page_text
from synth.render_crawler import SEPARATOR
from synth.rules import OUTCOME_ROWS, values_from_facts
from synth.values import wan

HEAD_KEYS = ("标题: ", "发布时间: ", "文号: ", "发布机构: ", "栏目: ", "原文链接: ", "本地目录: ",
             "页面链接与图片详见")
Fact = dict[str, object]


def _crawler(seed: int, **options: object) -> tuple[list[str], str]:
    """(metadata lines, body line) of a crawler report in UTF-8."""
    rep = generate_report(seed, layout="crawler", encoding="utf-8", **options)  # type: ignore[arg-type]
    lines = rep.text.split("\n")
    assert lines[-1] == ""
    return lines[:-2], lines[-2]


def _printed(fact: Fact) -> str:
    """A cell's text in the canonical style (``variations=False``)."""
    value = int(fact["value"])  # type: ignore[call-overload]
    if fact["table"] == ACTIVE and fact["col_key"] == "change" and value:
        return ("增" if value > 0 else "减") + str(abs(value))
    if fact["table"] == ACTIVE and fact["col_key"] == "amount":
        if fact["row_key"] != "procurement":
            return wan(value)
        return wan(value) + "万元" if value else "0"
    return str(value)


def _rows(facts: list[Fact], table: str) -> Iterator[list[Fact]]:
    """The printed cells of each row of ``table``, in printing order."""
    rows: dict[str, list[Fact]] = {}
    for fact in facts:
        if fact["table"] == table and fact["cell"] != "derived":
            rows.setdefault(str(fact["row_key"]), []).append(fact)
    yield from rows.values()


# the page ---------------------------------------------------------------------
def test_crawler_is_deterministic() -> None:
    for seed in range(12):
        for options in ({}, {"traditional": True}, {"break_rules": True, "drop_row": True}):
            first = generate_report(seed, layout="crawler", **options)  # type: ignore[arg-type]
            second = generate_report(seed, layout="crawler", **options)  # type: ignore[arg-type]
            assert first.data == second.data and first.facts == second.facts


def test_crawler_does_not_depend_on_hash_seed() -> None:
    code = ("import hashlib, synth; print(hashlib.sha256(synth.generate_report("
            "3, layout='crawler', repeat_merged=True).data).hexdigest())")
    env = {**os.environ, "PYTHONHASHSEED": "777"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    rep = generate_report(3, layout="crawler", repeat_merged=True)
    assert out.stdout.strip() == hashlib.sha256(rep.data).hexdigest()


def test_crawler_is_named_but_never_drawn() -> None:
    assert "crawler" in LAYOUTS and "crawler" not in DRAWN_LAYOUTS
    rep = generate_report(3, layout="crawler")
    assert rep.layout == "crawler" and rep.extension == ".txt"


def test_metadata_lines_then_one_body_line() -> None:
    phones = postcodes = 0
    for seed in range(40):
        rep = generate_report(seed, layout="crawler", encoding="utf-8")
        head, body = _crawler(seed)
        keys = HEAD_KEYS + ((SEPARATOR,) if len(head) == len(HEAD_KEYS) + 1 else ())
        assert len(head) in (len(HEAD_KEYS), len(HEAD_KEYS) + 1)
        assert all(line.startswith(key) for line, key in zip(head, keys, strict=True))
        title = head[0].removeprefix("标题: ")
        assert rep.agency in title and str(rep.year) in title
        published = re.fullmatch(r"发布时间: (\d{4})-(\d\d)-(\d\d) \d\d:\d\d", head[1])
        assert published and int(published[1]) == rep.year + 1 and 1 <= int(published[2]) <= 3
        assert re.fullmatch(r"原文链接: https://[a-z.]+\.gov\.cn/\S+\.htm", head[5])
        assert head[6].endswith(title)
        for heading in ("二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                        "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况"):
            assert heading in body
        assert body.startswith("当前位置") and "附件下载" in body[-60:]
        assert f"统计期限自{rep.year}年1月1日" in body  # the prose keeps its digits
        phones += bool(re.search(r"电话：\d{3,4}-\d{7,8}", body))
        postcodes += bool(re.search(r"邮编：\d{6}", body))
    assert phones and postcodes


def test_every_cell_is_on_the_body_line_in_order() -> None:
    for seed in range(30):
        for template in ("2019", "2021"):
            options = {"template": template, "variations": False}
            rep = generate_report(seed, layout="crawler", encoding="utf-8", **options)  # type: ignore[arg-type]
            _, body = _crawler(seed, **options)
            squeezed = body.replace(" ", "")
            at = squeezed.index("二、主动公开政府信息情况")
            for fact in rep.facts:
                if fact["cell"] == "derived":
                    continue
                found = squeezed.find(_printed(fact), at)
                assert found >= 0, (seed, template, fact)
                at = found + len(_printed(fact))


def test_no_blank_cells_and_no_thousands_separators() -> None:
    for seed in range(60):
        rep = generate_report(seed, layout="crawler", encoding="utf-8")
        assert "blank" not in {f["cell"] for f in rep.facts}
        _, body = _crawler(seed)
        assert not re.search(r"\d,\d{3}", body[body.index("二、主动公开"):body.index("五、存在")])


def test_rows_come_glued_spaced_and_with_the_total_apart() -> None:
    habits = {"glued": 0, "spaced": 0, "total_apart": 0, "multi_digit_glued": 0}
    for seed in range(40):
        rep = generate_report(seed, layout="crawler", variations=False, encoding="utf-8",
                              agency="区人民政府办公室")
        body = rep.text.split("\n")[-2]
        for row in _rows(rep.facts, APPLICATIONS):
            texts = [_printed(f) for f in row]
            glued = "".join(texts)
            habits["glued"] += glued in body
            habits["spaced"] += " ".join(texts) in body
            habits["total_apart"] += "".join(texts[:-1]) + " " + texts[-1] in body
            habits["multi_digit_glued"] += glued in body and any(len(t) > 1 for t in texts)
    assert all(n > 0 for n in habits.values()), habits


def test_labels_follow_values_with_or_without_a_space() -> None:
    bodies = " ".join(_crawler(seed, variations=False)[1] for seed in range(30))
    assert re.search(r"[0-9]（[二三四五六七]）", bodies)  # 2000002（二）部分公开
    assert re.search(r"[0-9] （[二三四五六七]）", bodies)
    assert re.search(r"[0-9][2-8]\.[\u4e00-\u9fff]", bodies)  # 000000 02.其他…
    assert re.search(r"[0-9] [2-8]\.[\u4e00-\u9fff]", bodies)


def test_active_values_glued_to_labels_signs_and_units() -> None:
    seen: dict[str, set[str]] = {"2019": set(), "2021": set()}
    for seed in range(60):
        for template in seen:
            _, body = _crawler(seed, template=template, variations=False)
            for pattern in (r"行政许可[0-9]", r"行政许可[0-9]+[增减][0-9]",
                            r"政府集中采购[0-9]+[0-9.]*万元", r"行政事业性收费[0-9]"):
                if re.search(pattern, body):
                    seen[template].add(pattern)
    assert len(seen["2019"]) == 4 and seen["2021"] == {r"行政许可[0-9]", r"行政事业性收费[0-9]"}


def test_reviews_print_as_one_run() -> None:
    for seed in range(20):
        rep = generate_report(seed, layout="crawler", variations=False, many_cases=True,
                              encoding="utf-8")
        body = rep.text.split("\n")[-2]
        cells = [f for f in rep.facts if f["table"] == REVIEWS]
        assert len(cells) == 15 and any(f["value"] >= 10 for f in cells)  # type: ignore[operator]
        run = re.search(r"总计 ?([0-9 ]+?) 五、存在的主要问题", body)
        assert run and run[1].replace(" ", "") == "".join(_printed(f) for f in cells)


def test_multi_digit_cells_occur() -> None:
    big = {APPLICATIONS: 0, REVIEWS: 0}
    for seed in range(40):
        rep = generate_report(seed, layout="crawler")
        for fact in rep.facts:
            if fact["table"] in big and (fact["value"] or 0) >= 10:  # type: ignore[operator]
                big[str(fact["table"])] += 1
    assert big[APPLICATIONS] > 0
    assert all(f["value"] is not None and f["value"] >= 10  # type: ignore[operator]
               for f in generate_report(5, layout="crawler", many_cases=True).facts
               if f["table"] == REVIEWS and f["col_key"] == "total")


def test_many_cases_changes_only_the_reviews() -> None:
    for seed in range(10):
        plain, busy = generate_report(seed), generate_report(seed, many_cases=True)
        assert [f for f in plain.facts if f["table"] != REVIEWS] == [
            f for f in busy.facts if f["table"] != REVIEWS]


@pytest.mark.parametrize("year", range(2019, 2026))
def test_options_work_with_the_crawler_layout(year: int) -> None:
    options = ({}, {"break_rules": True}, {"drop_row": True}, {"reorder_rows": True},
               {"single_other_row": True}, {"traditional": True}, {"truncate": True},
               {"template": "2019"}, {"template": "2021"}, {"repeat_merged": True})
    for i, extra in enumerate(options):
        rep = generate_report(year * 10 + i, layout="crawler", year=year, **extra)  # type: ignore[arg-type]
        keys = valid_keys(rep.template)
        assert rep.facts and all((f["table"], f["row_key"], f["col_key"]) in keys
                                 for f in rep.facts)
        lines = rep.text.split("\n")
        assert len(lines) in (len(HEAD_KEYS) + 2, len(HEAD_KEYS) + 3) and lines[-1] == ""
        if "traditional" in extra:
            assert lines[0].startswith("標題: ")
            plain = generate_report(year * 10 + i, layout="crawler", year=year)
            assert rep.facts == plain.facts


def test_a_truncated_page_ends_between_rows() -> None:
    for seed in range(10):
        full = generate_report(seed, layout="crawler", encoding="utf-8")
        cut = generate_report(seed, layout="crawler", encoding="utf-8", truncate=True)
        assert cut.facts == full.facts[: len(cut.facts)] and len(cut.facts) < len(full.facts)
        assert full.text.startswith(cut.text.rstrip("\n"))


def test_page_text_joins_same_line_pieces() -> None:
    lines = [Line("a"), Line("b"), Line(" c", same_line=True), Line("d", same_line=True)]
    assert page_text(lines) == "a\nb cd\n"


# rule breakers --------------------------------------------------------------------
def _outcome_sums(facts: list[Fact]) -> tuple[dict[str, float], dict[str, float]]:
    values = values_from_facts(facts)
    detail: dict[str, float] = {}
    total: dict[str, float] = {}
    for (table, row, col), value in values.items():
        if table != APPLICATIONS:
            continue
        if row in OUTCOME_ROWS or row == "other" or (
                row in OTHER_SUBROWS and (APPLICATIONS, "other", col) not in values):
            detail[col] = detail.get(col, 0.0) + value
        elif row == "total":
            total[col] = value
    return detail, total


@pytest.mark.parametrize("layout", ["crawler", "glued"])
def test_break_rules_in_glued_layouts(layout: str) -> None:
    seen: set[str] = set()
    kinds = {"details_over_total": 0, "zero_total": 0, "block_total_over": 0,
             "block_parts_over": 0}
    for seed in range(150):
        rep = generate_report(seed, layout=layout, break_rules=True, break_kinds=BREAK_KINDS,
                              single_other_row=seed % 3 == 0)
        assert rep.broken_rules and rep.broken_rules == violations(values_from_facts(rep.facts))
        seen |= set(rep.broken_rules)
        detail, total = _outcome_sums(rep.facts)
        kinds["details_over_total"] += any(detail[c] > total[c] for c in total)
        kinds["zero_total"] += not any(total.values()) and any(detail.values())
        values = values_from_facts(rep.facts)
        for block in REVIEW_BLOCKS:
            parts = sum(values[(REVIEWS, block, c)]
                        for c in ("upheld", "corrected", "other", "pending"))
            kinds["block_total_over"] += values[(REVIEWS, block, "total")] > parts
            kinds["block_parts_over"] += values[(REVIEWS, block, "total")] < parts
    assert len(seen) == 4
    assert all(n > 0 for n in kinds.values()), kinds


@pytest.mark.parametrize("kind", BREAK_KINDS)
def test_each_break_kind_alone_breaks_a_rule(kind: str) -> None:
    for seed in range(25):
        rep = generate_report(seed, layout="crawler", break_rules=True, break_kinds=[kind])
        assert rep.broken_rules and rep.broken_rules == violations(values_from_facts(rep.facts))
        if kind == "zero_total":
            _, total = _outcome_sums(rep.facts)
            assert not any(total.values())


def test_break_kinds_by_default_keep_existing_seeds() -> None:
    for seed in range(20):
        default = generate_report(seed, break_rules=True)
        named = generate_report(seed, break_rules=True, break_kinds=BREAK_KINDS[:4])
        assert default.data == named.data
    with pytest.raises(ValueError):
        generate_report(1, break_rules=True, break_kinds=["no_such_kind"])


def test_rules_hold_in_the_crawler_layout_unless_broken() -> None:
    for seed in range(60):
        rep = generate_report(seed, layout="crawler", single_other_row=seed % 4 == 0)
        assert rep.broken_rules == [] == violations(values_from_facts(rep.facts))


# repeat_merged --------------------------------------------------------------------
def _table_text(text: str) -> str:
    return text[text.index("二、主动公开"):text.index("五、存在")]


@pytest.mark.parametrize("layout", ["tab", "markdown", "html"])
@pytest.mark.parametrize("template", ["2019", "2021"])
def test_repeat_merged_repeats_labels_and_keeps_the_truth(layout: str, template: str) -> None:
    for seed in range(6):
        plain = generate_report(seed, layout=layout, template=template, encoding="utf-8")
        rep = generate_report(seed, layout=layout, template=template, encoding="utf-8",
                              repeat_merged=True)
        assert rep.facts == plain.facts and rep.broken_rules == plain.broken_rules
        assert rep.effects == ["repeated_merged"] and plain.effects == []
        tables = _table_text(rep.text)
        rows = tables.split("\n")
        org_row = next(r for r in rows if "法人或其他组织" in r)
        assert org_row.count("法人或其他组织") == 5
        assert max(r.count("行政诉讼") for r in rows) == 10
        assert max(r.count("未经复议直接起诉") for r in rows) == 5
        for row in rows:
            if "予以公开" in row or "属于国家秘密" in row:
                assert "三、本年度办理结果" in row
        assert sum(bool(re.search(r"[（(]三[）)]不予公开", r)) for r in rows) == 8
        if layout == "markdown":  # 表二 as one small table per sub-table: nothing merged
            continue
        if template == "2021":
            assert max(r.count("处理决定数量") for r in rows) == 3
        else:
            assert any(r.count("本年增/减") == 2 for r in rows)  # 行政事业性收费's header
        if layout == "html":
            assert "colspan" not in tables and "rowspan" not in tables


def test_repeat_merged_only_where_a_full_grid_is_printed() -> None:
    assert {"tab", "markdown", "html", "crawler"} <= REPEAT_MERGED_LAYOUTS
    for layout in ("pdf_text", "html_word"):
        plain = generate_report(4, layout=layout)
        rep = generate_report(4, layout=layout, repeat_merged=True)
        assert rep.data == plain.data and rep.effects == []
    for layout in sorted(REPEAT_MERGED_LAYOUTS):
        plain = generate_report(4, layout=layout, template="2021")
        rep = generate_report(4, layout=layout, template="2021", repeat_merged=True)
        assert rep.facts == plain.facts and rep.text != plain.text, layout


# the command line -----------------------------------------------------------------
def test_cli_writes_crawler_pages(tmp_path: Path) -> None:
    out = tmp_path / "out"
    argv = ["--out", str(out), "--agencies", "2", "--years", "2021-2022", "--seed", "5",
            "--layouts", "crawler"]
    assert main(argv) == 0
    files = sorted(out.rglob("*.txt"))
    assert len(files) == 4
    assert all(f.read_bytes() for f in files)
