"""Tests of the run summary (load/batch/summary.py).

Covers the counts per status, the problem list (failed first, then partial, each by
source), the exit code (0 all ok, 1 any failed/partial), the
headline (including "nothing to do"), and the exact plain-text and markdown output
(pipes and line breaks in an error escaped in markdown); names and reasons holding
control characters or ANSI escapes printed escaped in both, a backtick in a name kept
inside its code span, and the source's warnings (links not followed, folders not read).
"""

from __future__ import annotations

from collections import Counter

import pytest

from load.batch.process import FAILED, OK, PARTIAL, SKIPPED, Outcome
from load.batch.summary import STATUS_ORDER, RunSummary


def _ok(source: str, agency: str = "区教育局", year: int = 2020) -> Outcome:
    return Outcome(source, OK, "", agency, year)


def _summary(*outcomes: Outcome, planned: str = "", seconds: float = 0.0) -> RunSummary:
    summary = RunSummary("run-1", "/wh", planned=planned, seconds=seconds)
    summary.add(outcomes)
    return summary


MIXED = (
    _ok("区教育局/2020.txt"),
    Outcome("区财政局/2021.txt", PARTIAL, "table_missing: 表四 not found", "区财政局", 2021),
    Outcome("z/2019.txt", FAILED, "no statistical tables (表二/表三/表四) found", None, 2019),
    Outcome("notes.txt", SKIPPED, "no 政府信息公开 report words in it", None, None),
    Outcome("a/report.txt", FAILED, "no agency and no year: neither…", None, None),
    Outcome("区财政局/2020.txt", PARTIAL, "rows_missing: applications", "区财政局", 2020),
    _ok("区教育局/2021.txt", year=2021),
)


def test_status_order() -> None:
    assert STATUS_ORDER == (FAILED, PARTIAL, OK, SKIPPED) == ("failed", "partial", "ok",
                                                              "skipped")


def test_counts_and_processed() -> None:
    summary = _summary(*MIXED)
    assert summary.counts == Counter({OK: 2, PARTIAL: 2, FAILED: 2, SKIPPED: 1})
    assert summary.processed == 6  # skipped files are not processed


def test_problems_sorted_failed_first_then_partial_then_source() -> None:
    summary = _summary(*MIXED)
    assert [(o.status, o.source) for o in summary.problems] == [
        (FAILED, "a/report.txt"),
        (FAILED, "z/2019.txt"),
        (PARTIAL, "区财政局/2020.txt"),
        (PARTIAL, "区财政局/2021.txt"),
    ]


def test_add_in_several_calls_keeps_the_order() -> None:
    summary = RunSummary("r", "/wh")
    summary.add([MIXED[1], MIXED[0]])
    summary.add([MIXED[4]])
    summary.add([])
    summary.add(iter([MIXED[2], MIXED[5]]))
    assert [o.source for o in summary.problems] == [
        "a/report.txt", "z/2019.txt", "区财政局/2020.txt", "区财政局/2021.txt"]
    assert summary.counts == Counter({OK: 1, PARTIAL: 2, FAILED: 2})


@pytest.mark.parametrize(("statuses", "code"), [
    ((), 0),
    ((OK,), 0),
    ((OK, SKIPPED), 0),
    ((SKIPPED,), 0),
    ((OK, PARTIAL), 1),
    ((FAILED,), 1),
    ((OK, FAILED, PARTIAL, SKIPPED), 1),
])
def test_exit_code(statuses: tuple[str, ...], code: int) -> None:
    summary = _summary(*(Outcome(f"f{i}.txt", s, "", None, None) for i, s in enumerate(statuses)))
    assert summary.exit_code == code


def test_headline_nothing_to_do() -> None:
    assert RunSummary("r", "/wh").headline() == "nothing to do (no report files)"
    summary = RunSummary("r", "/wh", planned="3 unchanged, 1 not reports")
    assert summary.headline() == "nothing to do (3 unchanged, 1 not reports)"
    only_skipped = _summary(MIXED[3], planned="1 not reports")
    assert only_skipped.headline() == "nothing to do (1 not reports)"
    assert only_skipped.exit_code == 0


def test_headline_counts() -> None:
    summary = _summary(*MIXED, seconds=12.345)
    assert summary.headline() == ("6 reports processed: 2 failed, 2 partial, 2 ok, "
                                  "1 skipped (12.3 s)")
    assert _summary(_ok("a/2020.txt")).headline() == "1 reports processed: 1 ok (0.0 s)"


def test_text() -> None:
    summary = _summary(*MIXED, planned="4 new, 2 changed", seconds=2.0)
    assert summary.text() == "\n".join([
        "xxgk run run-1: 6 reports processed: 2 failed, 2 partial, 2 ok, 1 skipped (2.0 s)",
        "  plan: 4 new, 2 changed",
        "  FAILED   a/report.txt: no agency and no year: neither…",
        "  FAILED   z/2019.txt: no statistical tables (表二/表三/表四) found",
        "  PARTIAL  区财政局/2020.txt: rows_missing: applications",
        "  PARTIAL  区财政局/2021.txt: table_missing: 表四 not found",
    ])


def test_text_nothing_to_do_has_no_plan_line() -> None:
    summary = RunSummary("r9", "/wh", planned="5 unchanged")
    assert summary.text() == "xxgk run r9: nothing to do (5 unchanged)"


def test_text_all_ok() -> None:
    summary = _summary(_ok("a/2020.txt"), planned="1 new", seconds=0.25)
    assert summary.text() == ("xxgk run run-1: 1 reports processed: 1 ok (0.2 s)\n"
                              "  plan: 1 new")


def test_markdown() -> None:
    summary = _summary(*MIXED, planned="7 new", seconds=1.0)
    assert summary.markdown() == "\n".join([
        "# xxgk run `run-1`",
        "",
        "6 reports processed: 2 failed, 2 partial, 2 ok, 1 skipped (1.0 s)",
        "",
        "Warehouse: `/wh`",
        "",
        "| status | reports |",
        "|---|---:|",
        "| failed | 2 |",
        "| partial | 2 |",
        "| ok | 2 |",
        "| skipped | 1 |",
        "",
        "## Reports that need attention",
        "",
        "| status | source | agency | year | reason |",
        "|---|---|---|---|---|",
        "| failed | `a/report.txt` |  |  | no agency and no year: neither… |",
        "| failed | `z/2019.txt` |  | 2019 | no statistical tables (表二/表三/表四) found |",
        "| partial | `区财政局/2020.txt` | 区财政局 | 2020 | rows_missing: applications |",
        "| partial | `区财政局/2021.txt` | 区财政局 | 2021 | table_missing: 表四 not found |",
    ]) + "\n"


def test_markdown_without_problems_has_no_problem_table() -> None:
    md = _summary(_ok("a/2020.txt")).markdown()
    assert "Reports that need attention" not in md
    assert md.endswith("| skipped | 0 |\n")
    assert "| ok | 1 |" in md
    assert "| failed | 0 |" in md


def test_markdown_escapes_pipes_and_line_breaks() -> None:
    error = "cells_missing: applications | new/natural\nsecond line"
    summary = _summary(Outcome("区|局/2020.txt", PARTIAL, error, "区|局", 2020))
    md = summary.markdown()
    row = md.splitlines()[-1]
    assert row == ("| partial | `区\\|局/2020.txt` | 区\\|局 | 2020 | "
                   "cells_missing: applications \\| new/natural second line |")
    # every table row still has exactly the header's number of unescaped cell separators
    assert row.replace("\\|", "").count("|") == 6


def _superseded(source: str, winner: str, status: str = OK, disagreements: int = 0,
                agency: str = "区甲局", year: int = 2020) -> Outcome:
    return Outcome(source, status, "" if status == OK else "why", agency, year,
                   superseded_by=winner, disagreements=disagreements)


def test_several_files_names_the_file_loaded_and_how_the_others_compare() -> None:
    summary = _summary(
        _ok("甲/2020.html", "区甲局"),
        _superseded("甲/2020.txt", "甲/2020.html"),
        _superseded("甲/copy/2020.txt", "甲/2020.html", disagreements=3),
        _ok("乙/2021.txt", "区乙局", 2021),
        _superseded("乙/2021.pdf", "乙/2021.txt", FAILED, agency="区乙局", year=2021),
        _superseded("乙/2021.md", "乙/2021.txt", PARTIAL, 2, agency="区乙局", year=2021),
        _ok("丙/2020.txt", "区丙局"),
    )
    assert summary.several_files() == [  # by agency and year
        "区乙局 2021 is read from 3 files: 乙/2021.txt is loaded, 乙/2021.md is superseded "
        "(partial; 2 cells disagree: see its cross_file checks), 乙/2021.pdf is superseded "
        "(failed)",
        "区甲局 2020 is read from 3 files: 甲/2020.html is loaded, 甲/2020.txt is superseded "
        "(its cells agree), 甲/copy/2020.txt is superseded (3 cells disagree: see its "
        "cross_file checks)",
    ]
    # A superseded file still counts under its own status.
    assert summary.counts == Counter({OK: 5, PARTIAL: 1, FAILED: 1})
    summary.notes = summary.several_files()
    assert "  NOTE     区甲局 2020 is read from 3 files" in summary.text()
    assert "## Notes" in summary.markdown()
    assert _summary(*MIXED).several_files() == []


def test_a_file_counted_again_counts_by_its_latest_outcome() -> None:
    summary = _summary(_ok("甲/2020.txt"), _ok("乙/2020.txt"),
                       Outcome("misc/x.txt", FAILED, "boom", None, None))
    summary.add([_superseded("甲/2020.txt", "misc/x.txt"),
                 Outcome("misc/x.txt", OK, "", "区甲局", 2020)])
    assert summary.counts == Counter({OK: 3})
    assert summary.problems == [] and summary.exit_code == 0
    assert summary.several_files() == [
        "区甲局 2020 is read from 2 files: misc/x.txt is loaded, 甲/2020.txt is superseded "
        "(its cells agree)"]
    summary.add([_ok("甲/2020.txt")])  # no longer superseded
    assert summary.several_files() == []
    assert summary.processed == 3


def test_loaded_twice_names_agency_years_whose_facts_load_from_two_files() -> None:
    import pandas as pd

    from load.batch.summary import loaded_twice

    reports = pd.DataFrame({
        "agency": ["区甲局", "区甲局", "区甲局", "区乙局", "区乙局", "区丙局", "区丙局"],
        "year": pd.array([2020, 2020, 2021, 2020, 2020, 2020, 2020], dtype="Int16"),
        "source": ["甲/2020.txt", "甲/2020.pdf", "甲/2021.txt", "乙/2020.txt", "乙/x.txt",
                   "丙/2020.txt", "丙/2020.html"],
        "status": ["ok", "partial", "ok", "ok", "failed", "ok", "ok"],
        "superseded_by": [None, None, None, None, None, "丙/2020.html", None],
    })
    assert loaded_twice(reports) == [
        "区甲局 2020 is loaded from 2 files (甲/2020.pdf, 甲/2020.txt); rerun it (--agency "
        "区甲局 --year 2020) to load one of them"]


# ------------------------------------------------- names printed escaped, warnings

HOSTILE = Outcome("区\x1b[31m局/2020\r.txt", FAILED, "cannot read: \x1b]0;owned\x07",
                  "区\x1b[31m局", 2020)
WARNINGS = ["folder 区财政局 cannot be read (Permission denied): its reports are not in "
            "this run", "区\x1b[2J局 is a link out of the source (to /elsewhere): not "
            "followed (xxgk run --follow-links follows it)"]


def test_text_prints_names_escaped_and_the_source_warnings() -> None:
    summary = _summary(HOSTILE, planned="1 new, 1 folders that cannot be read")
    summary.warnings = WARNINGS
    summary.notes = ["区\u202e局 2020 is loaded from 2 files"]
    assert summary.text().splitlines()[1:] == [
        "  plan: 1 new, 1 folders that cannot be read",
        "  FAILED   区\\x1b[31m局/2020\\x0d.txt: cannot read: \\x1b]0;owned\\x07",
        "  WARNING  folder 区财政局 cannot be read (Permission denied): its reports are "
        "not in this run",
        "  WARNING  区\\x1b[2J局 is a link out of the source (to /elsewhere): not followed "
        "(xxgk run --follow-links follows it)",
        "  NOTE     区\\u202e局 2020 is loaded from 2 files",
    ]
    assert "\x1b" not in summary.text()


def test_text_names_the_source_warnings_when_nothing_was_processed() -> None:
    summary = RunSummary("r9", "/wh", planned="2 unchanged, 1 folders that cannot be read")
    summary.warnings = WARNINGS[:1]
    assert summary.text().splitlines() == [
        "xxgk run r9: nothing to do (2 unchanged, 1 folders that cannot be read)",
        f"  WARNING  {WARNINGS[0]}"]


def test_markdown_prints_names_escaped_and_the_source_warnings() -> None:
    summary = _summary(HOSTILE, _ok("a`b/2020.txt"))
    summary.warnings = WARNINGS
    md = summary.markdown()
    assert "\x1b" not in md and "\r" not in md
    assert ("| failed | `区\\x1b[31m局/2020\\x0d.txt` | 区\\x1b[31m局 | 2020 | "
            "cannot read: \\x1b]0;owned\\x07 |") in md.splitlines()
    assert md.endswith("\n".join([
        "## Source warnings", "",
        f"- {WARNINGS[0]}",
        "- 区\\x1b[2J局 is a link out of the source (to /elsewhere): not followed "
        "(xxgk run --follow-links follows it)"]) + "\n")


def test_markdown_code_is_not_ended_by_a_backtick_in_a_name() -> None:
    summary = _summary(Outcome("a`b/2020.txt", FAILED, "x", None, 2020),
                       Outcome("`c/2020.txt", FAILED, "y", None, 2020))
    rows = summary.markdown().splitlines()[-2:]
    assert rows == ["| failed | `` `c/2020.txt `` |  | 2020 | y |",
                    "| failed | ``a`b/2020.txt`` |  | 2020 | x |"]
