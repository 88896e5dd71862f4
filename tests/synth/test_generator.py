"""Tests of the synthetic report generator: determinism, encodings, keys, truth, rules."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from demo_data import DEMO, demo_argv, readme_commands, write_demo

from synth import (
    ENCODINGS,
    LAYOUTS,
    TEMPLATES,
    GeneratedReport,
    generate_report,
    valid_keys,
    violations,
    write_corpus,
)
from synth.corpus import corpus_agencies, main, parse_years, rule_breakers, write_broken
from synth.encoding import html_charset, to_traditional
from synth.keys import APP_COL_KEYS, OTHER_SUBROWS, key_table
from synth.numbers import CARRY_KEEPING_KINDS
from synth.rules import values_from_facts
from synth.style import Style
from synth.values import Formatter

REPO = Path(__file__).resolve().parents[2]
SPEC_KEYS = [
    REPO.parent / "shared" / "spec" / "keys.csv",
    Path("/work/shared/spec/keys.csv"),
]
SPEC_COLUMNS = ("table", "row_key", "row_label", "col_key", "col_label", "templates", "unit")


def _key(fact: dict[str, object]) -> tuple[str, str, str]:
    return (str(fact["table"]), str(fact["row_key"]), str(fact["col_key"]))


def test_same_seed_gives_identical_bytes() -> None:
    for seed in range(25):
        first, second = generate_report(seed), generate_report(seed)
        assert first.data == second.data
        assert first.facts == second.facts


def test_output_does_not_depend_on_hash_seed() -> None:
    code = "import hashlib, synth; print(hashlib.sha256(synth.generate_report(3).data).hexdigest())"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == hashlib.sha256(generate_report(3).data).hexdigest()


def test_forcing_layout_keeps_the_numbers() -> None:
    for seed in range(10):
        reports = [generate_report(seed, layout=layout) for layout in LAYOUTS]
        truths = [
            {_key(f): (f["value"], f["cell"].replace("blank", "dash")) for f in r.facts}
            for r in reports
        ]
        assert all(t == truths[0] for t in truths)


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_layout_encoding_template_decodes(template: str, layout: str) -> None:
    plain = generate_report(5, template=template, layout=layout, encoding="utf-8")
    for encoding in ENCODINGS:
        rep = generate_report(5, template=template, layout=layout, encoding=encoding)
        if layout == "pdf":
            assert rep.data.startswith(b"%PDF-")
        else:
            assert rep.data.decode(encoding) == rep.text
        assert rep.template == template and rep.layout == layout and rep.encoding == encoding
        assert rep.facts == plain.facts
        charset = html_charset(encoding)
        expected = plain.text.replace('charset="utf-8"', f'charset="{charset}"').replace(
            "charset=utf-8\"", f"charset={charset}\"")  # Word's http-equiv meta
        if encoding == "big5":
            assert rep.text == to_traditional(expected) != expected
        else:
            assert rep.text == expected
    assert plain.extension == {"markdown": ".md", "html": ".html", "html_word": ".htm",
                              "pdf": ".pdf"}.get(layout, ".txt")


def test_boms() -> None:
    assert generate_report(1, encoding="utf-8-sig").data.startswith(b"\xef\xbb\xbf")
    assert generate_report(1, encoding="utf-16").data[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert generate_report(1, encoding="utf-16-le").data[:2] not in (b"\xff\xfe", b"\xfe\xff")
    assert generate_report(1, encoding="utf-16-be").data[:2] not in (b"\xff\xfe", b"\xfe\xff")


def test_fact_keys_are_valid_for_the_template() -> None:
    for seed in range(120):
        rep = generate_report(seed, single_other_row=seed % 5 == 0)
        keys = valid_keys(rep.template)
        for fact in rep.facts:
            assert _key(fact) in keys, (seed, fact)
            assert fact["cell"] in ("number", "blank", "dash", "derived")
            assert fact["value"] is None or isinstance(fact["value"], float)
            assert (fact["value"] is None) == (fact["cell"] in ("blank", "dash"))


def _spec_keys() -> Path:
    for path in SPEC_KEYS:
        if path.exists():
            return path
    pytest.skip("shared spec keys.csv not available")


def test_own_key_list_matches_spec() -> None:
    with _spec_keys().open(encoding="utf-8") as fh:
        spec = {tuple(r[k] for k in SPEC_COLUMNS) for r in csv.DictReader(fh)}
    assert set(key_table()) == spec


def test_template_follows_year_unless_forced() -> None:
    assert generate_report(1, year=2020).template == "2019"
    assert generate_report(1, year=2021).template == "2021"
    assert generate_report(1, year=2020, template="2021").template == "2021"
    with pytest.raises(ValueError):
        generate_report(1, layout="docx")
    with pytest.raises(ValueError):
        generate_report(1, encoding="latin-1")


def test_rules_hold_unless_broken() -> None:
    for seed in range(150):
        rep = generate_report(seed, single_other_row=seed % 4 == 0)
        assert rep.broken_rules == []
        assert violations(values_from_facts(rep.facts)) == [], seed


def test_break_rules_breaks_and_records() -> None:
    seen: set[str] = set()
    for seed in range(80):
        rep = generate_report(seed, break_rules=True)
        assert rep.broken_rules, seed
        assert rep.broken_rules == violations(values_from_facts(rep.facts))
        seen |= set(rep.broken_rules)
    assert len(seen) == 4


def test_derived_other_in_2021_subrows() -> None:
    rep = generate_report(9, template="2021", layout="pipe")
    values = {_key(f): f for f in rep.facts}
    for col in APP_COL_KEYS:
        derived = values[("applications", "other", col)]
        assert derived["cell"] == "derived"
        parts = [values[("applications", sub, col)]["value"] or 0.0 for sub in OTHER_SUBROWS]
        assert derived["value"] == sum(parts)
    single = generate_report(9, template="2021", single_other_row=True)
    cells = {f["cell"] for f in single.facts if f["row_key"] == "other"}
    assert "derived" not in cells
    assert not any(f["row_key"] in OTHER_SUBROWS for f in single.facts)
    old = generate_report(9, template="2019")
    assert not any(f["row_key"] in OTHER_SUBROWS or f["cell"] == "derived" for f in old.facts)


def test_no_blank_cells_in_whitespace_layouts() -> None:
    dashes = 0
    for seed in range(150):
        for layout in ("spaces", "pdf_text"):
            rep = generate_report(seed, layout=layout, encoding="utf-8")
            cells = [f["cell"] for f in rep.facts]
            assert "blank" not in cells
            dashes += cells.count("dash")
    assert dashes > 0
    blanks = sum(
        f["cell"] == "blank" for s in range(150) for f in generate_report(s, layout="pipe").facts
    )
    assert blanks > 0


def test_variations_off_is_canonical() -> None:
    for seed in range(20):
        rep = generate_report(seed, variations=False, layout="pipe", encoding="utf-8")
        assert {f["cell"] for f in rep.facts} <= {"number", "derived"}
        assert not re.search("[０-９]", rep.text)
        assert "其他法律行政法规禁止公开" in rep.text


def test_labels_vary_across_seeds() -> None:
    texts = "\n".join(generate_report(s, layout="pipe", encoding="utf-8").text for s in range(120))
    for variant in (
        "（三）不予公开",
        "(三)不予公开",
        "1.属于国家秘密",
        "1、属于国家秘密",
        "危及“三安全一稳定”",
        '危及"三安全一稳定"',
        "危及「三安全一稳定」",
        "第二十条第（一）项",
        "第二十条第(一)项",
        "第二十条 第（一）项",
        "其他法律行政止公开",
        "万元",
    ):
        assert variant in texts, variant


def test_opening_gives_agency_and_year() -> None:
    for seed in range(40):
        rep = generate_report(seed, layout="pipe", encoding="utf-8")
        head = rep.text[:400]
        assert rep.agency in head
        assert f"统计期限自{rep.year}年1月1日起至{rep.year}年12月31日止" in rep.text
        assert f"{rep.year + 1}年" in rep.text[-40:]


def _parse(text: str) -> float | None:
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789")).replace(",", "")
    if text in ("", "/", "—", "-", "无"):
        return None
    sign = -1 if text.startswith("减") else 1
    text = text.lstrip("增减")
    if text.endswith("万元"):
        return round(float(text[:-2]) * 10_000, 2)
    return sign * float(text.removesuffix("元"))


def test_printed_values_round_trip() -> None:
    rng = random.Random(0)
    styles = [
        Style(thousands=t, fullwidth_prob=0.5, procurement_wan=w) for t in (0, 1) for w in (0, 1)
    ]
    for style in styles:
        for i in range(300):
            fmt = Formatter(f"{i}:{style}", style, whitespace=False)
            n = rng.choice((0, 1, 7, 999, 1000, 123456, 40682080, 144000))
            for key in (
                ("active_disclosure", "licensing", "decisions"),
                ("active_disclosure", "licensing", "change"),
                ("active_disclosure", "procurement", "amount"),
                ("applications", "granted", "total"),
            ):
                value = -n if key[2] == "change" and rng.random() < 0.5 else n
                cell = (
                    fmt.active(key, value) if key[0] != "applications" else fmt.rule_count(key, n)
                )
                assert _parse(cell.text) == cell.facts[0].value
        fees = fmt.active(("active_disclosure", "fees", "amount"), 40682080)
        assert fees.text in ("4068.208", "4,068.208") and fees.facts[0].value == 40682080.0


def test_damage_options_record_their_effect() -> None:
    for seed in range(30):
        full = generate_report(seed)
        dropped = generate_report(seed, drop_row=True)
        (effect,) = dropped.effects
        _, table, row = effect.split(":")
        assert effect.startswith("dropped_row:")
        assert not any(f["table"] == table and f["row_key"] == row for f in dropped.facts)
        assert any(f["table"] == table and f["row_key"] == row for f in full.facts)
        cut = generate_report(seed, truncate=True)
        assert cut.effects[0].startswith("truncated:")
        assert len(cut.facts) < len(full.facts)
        assert cut.facts == full.facts[: len(cut.facts)]
        assert len(cut.text) < len(full.text)
        swapped = generate_report(seed, reorder_rows=True)
        assert swapped.effects[0].startswith("reordered_rows:")
        assert sorted(map(str, swapped.facts)) == sorted(map(str, full.facts))
        assert swapped.facts != full.facts


def test_write_corpus_and_truth(tmp_path: Path) -> None:
    truth = tmp_path / "truth.jsonl"
    paths = write_corpus(
        tmp_path / "src", n_agencies=3, years=range(2019, 2023), seed=7, truth=truth
    )
    assert len(paths) == 12
    records = [json.loads(line) for line in truth.read_text(encoding="utf-8").splitlines()]
    assert [r["path"] for r in records] == [
        p.relative_to(tmp_path / "src").as_posix() for p in paths
    ]
    carry: dict[tuple[str, int], dict[str, float]] = {}
    for record, path in zip(records, paths, strict=True):
        assert path.parent.name == record["agency"] and path.stem == str(record["year"])
        path.read_bytes().decode(record["encoding"])
        facts = {(f["row_key"], f["col_key"]): f["value"] or 0.0 for f in record["facts"]}
        carry[(record["agency"], record["year"])] = facts
    for (agency, year), facts in carry.items():
        if (agency, year - 1) in carry:
            before = carry[(agency, year - 1)]
            for col in APP_COL_KEYS:
                assert facts[("carried_over", col)] == before[("carried_forward", col)]


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, truth = tmp_path / "out", tmp_path / "t.jsonl"
    argv = ["--out", str(out), "--agencies", "2", "--years", "2019-2020", "--seed", "3"]
    assert main([*argv, "--truth", str(truth), "--layouts", "pipe,html"]) == 0
    assert len(list(out.rglob("*.*"))) == 4
    assert len(truth.read_text(encoding="utf-8").splitlines()) == 4
    assert "wrote 4 reports" in capsys.readouterr().out
    assert parse_years("2019-2021,2024") == [2019, 2020, 2021, 2024]
    assert len(corpus_agencies(40, 1)) == len(set(corpus_agencies(40, 1))) == 40


RULE_BREAKING = {"n_agencies": 5, "years": range(2019, 2024), "seed": 13, "n_rule_breakers": 5}
# What the breaks of a report with and without a next year in its corpus can break.
KEEPING_CARRY = {"applications.outcome_sum", "reviews_litigation.block_sum"}
CHANGING_CARRY = {"applications.balance", "applications.row_sum"}


def _records(truth: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in truth.read_text(encoding="utf-8").splitlines()]


def test_rule_breakers_are_drawn_from_the_seed_and_break_what_the_truth_says(
        tmp_path: Path) -> None:
    """N reports, each of its own agency, in both templates' years, chosen by the seed:
    each breaks exactly the rules its truth names; the others keep every rule and the
    bytes of a corpus without rule breakers."""
    for name in ("a", "b"):
        write_corpus(tmp_path / name, **RULE_BREAKING, truth=tmp_path / f"{name}.jsonl")
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    write_corpus(tmp_path / "plain", **{**RULE_BREAKING, "n_rule_breakers": 0})
    records = _records(tmp_path / "a.jsonl")
    breakers = [r for r in records if r["broken_rules"]]
    assert len(breakers) == RULE_BREAKING["n_rule_breakers"]
    assert len({r["agency"] for r in breakers}) == len(breakers)
    assert {r["template"] for r in breakers} == {"2019", "2021"}
    for record in records:
        assert violations(values_from_facts(record["facts"])) == record["broken_rules"]
        data = {(tmp_path / name / record["path"]).read_bytes() for name in ("a", "b", "plain")}
        assert len(data) == (2 if record["broken_rules"] else 1), record["path"]
    agencies, years = corpus_agencies(5, 13), list(range(2019, 2024))
    picks = rule_breakers(agencies, years, 5, 13)
    assert {(r["agency"], r["year"]) for r in breakers} == set(picks)
    assert set(rule_breakers(agencies, years, 5, 14)) != set(picks)


def test_rule_breakers_keep_the_carry_into_the_next_year(tmp_path: Path) -> None:
    """A breaker with a next report leaves its 结转下年度 alone (cross_year.carry still
    holds); one in the corpus's last year breaks in the ways that change it."""
    truth = tmp_path / "truth.jsonl"
    write_corpus(tmp_path / "src", **RULE_BREAKING, truth=truth)
    records = _records(truth)
    last = max(RULE_BREAKING["years"])
    assert any(r["broken_rules"] and r["year"] == last for r in records)
    carry = {}
    for record in records:
        allowed = CHANGING_CARRY if record["year"] == last else KEEPING_CARRY
        assert set(record["broken_rules"]) <= allowed, record["path"]
        carry[(record["agency"], record["year"])] = {
            (f["row_key"], f["col_key"]): f["value"] or 0.0 for f in record["facts"]}
    for (agency, year), facts in carry.items():
        if (agency, year - 1) in carry:
            before = carry[(agency, year - 1)]
            for col in APP_COL_KEYS:
                assert facts[("carried_over", col)] == before[("carried_forward", col)]


def test_carry_keeping_kinds_leave_carried_forward_as_drawn() -> None:
    def forward(report: GeneratedReport) -> list[dict[str, object]]:
        return [f for f in report.facts if f["row_key"] == "carried_forward"]

    for seed in range(60):
        broken = generate_report(seed, break_rules=True, break_kinds=CARRY_KEEPING_KINDS)
        assert broken.broken_rules and set(broken.broken_rules) <= KEEPING_CARRY, seed
        assert forward(broken) == forward(generate_report(seed)), seed


def test_cli_rule_breakers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, truth = tmp_path / "out", tmp_path / "t.jsonl"
    argv = ["--out", str(out), "--agencies", "3", "--years", "2020-2021", "--seed", "3"]
    assert main([*argv, "--rule-breakers", "2", "--truth", str(truth)]) == 0
    assert "wrote 6 reports" in capsys.readouterr().out
    assert sum(bool(r["broken_rules"]) for r in _records(truth)) == 2
    with pytest.raises(SystemExit):
        main([*argv, "--rule-breakers", "4"])  # one report an agency
    assert "--rule-breakers takes 0 to 3" in capsys.readouterr().err
    with pytest.raises(ValueError):
        rule_breakers(["区审计局"], [2020], 2, 1)


def test_the_readme_commands_write_the_demo_and_its_truth() -> None:
    """data/README.md's truth command is the demo's command plus --truth, so that it
    rewrites the demo's own bytes."""
    demo, truth = readme_commands()
    assert demo[3:] == demo_argv() and "--rule-breakers" in demo_argv()
    assert truth[3:] == [*demo_argv(), "--truth", "demo-truth.jsonl"]


def test_demo_data_is_reproducible(tmp_path: Path) -> None:
    if not DEMO.exists():
        pytest.skip("no bundled demo data")
    paths = write_demo(tmp_path)
    bundled = sorted(p.relative_to(DEMO).as_posix() for p in DEMO.rglob("*") if p.is_file())
    fresh = sorted(p.relative_to(tmp_path).as_posix() for p in paths)
    assert bundled == fresh, "regenerate data/demo with the command in data/README.md"
    for rel in fresh:
        assert (DEMO / rel).read_bytes() == (tmp_path / rel).read_bytes(), rel


def test_cell_differences_names_every_disagreement() -> None:
    from synth import cell_differences

    truth = [{"table": "t", "row_key": "r", "col_key": "a", "value": 1.0, "cell": "number"},
             {"table": "t", "row_key": "r", "col_key": "b", "value": None, "cell": "blank"}]
    assert cell_differences(truth, truth) == []
    wrong = [{**truth[0], "value": 2.0}, {**truth[1], "value": 0.0, "cell": "number"}]
    assert len(cell_differences(wrong, truth)) == 2
    assert cell_differences(truth[:1], truth) == ["t/r/b: got None, want (None, 'blank')"]


def test_broken_files_fail_as_intended(tmp_path: Path) -> None:
    """Each broken file of the demo kind gets the status it is meant to show."""
    from datetime import UTC, datetime

    from extract.source import open_source
    from load.batch.process import process_batch

    agencies = corpus_agencies(4, 5)
    paths = write_broken(tmp_path, agencies, 5)
    assert len(paths) == 5
    files = list(open_source(tmp_path).files())
    result = process_batch(str(tmp_path), files, None, "r", datetime.now(UTC))
    status = {o.source: o.status for o in result.outcomes}
    assert status == {
        f"{agencies[0]}/2018.txt": "failed", f"{agencies[1]}/2018.html": "failed",
        f"{agencies[2]}/2018.txt": "partial", f"{agencies[3]}/2018.pdf": "failed",
        "说明.txt": "skipped"}
