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

from load.batch.process import FAILED, OK, PARTIAL, REMOVED, SKIPPED, Outcome
from load.batch.summary import REPORTS_NAMED, STATUS_ORDER, RunSummary


def _ok(source: str, agency: str = "区教育局", year: int = 2020) -> Outcome:
    return Outcome(source, OK, "", agency, year)


def _summary(*outcomes: Outcome, planned: str = "", seconds: float = 0.0) -> RunSummary:
    summary = RunSummary("run-1", "/wh", planned=planned, seconds=seconds)
    summary.add(outcomes)
    return summary


MIXED = (
    Outcome("区教育局/2020.txt", OK, "", "区教育局", 2020, checks_failed=2),
    Outcome("区财政局/2021.txt", PARTIAL, "table_missing: 表四 not found", "区财政局", 2021),
    Outcome("z/2019.txt", FAILED, "no statistical tables (表二/表三/表四) found", None, 2019),
    Outcome("notes.txt", SKIPPED, "no 政府信息公开 report words in it", None, None),
    Outcome("a/report.txt", FAILED, "no agency and no year: neither…", None, None),
    Outcome("区财政局/2020.txt", PARTIAL, "rows_missing: applications", "区财政局", 2020),
    _ok("区教育局/2021.txt", year=2021),
)


def test_status_order() -> None:
    assert STATUS_ORDER == (FAILED, PARTIAL, OK, SKIPPED, REMOVED) == (
        "failed", "partial", "ok", "skipped", "removed")


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
        "  CHECKS   1 report breaks its own arithmetic (2 failed checks): 区教育局 2020",
        "next:",
        "  xxgk status --warehouse /wh --status failed --status partial  # the reports that "
        "need attention",
        "  xxgk sql --warehouse /wh -c 'SELECT * FROM failed_checks'     # the failed checks, "
        "file and line",
        "  xxgk compare --warehouse /wh --out report.html                # compare the agencies",
        "  xxgk export --warehouse /wh --out district.xlsx               # the tables for a "
        "spreadsheet",
    ])


def test_text_nothing_to_do_has_no_plan_line() -> None:
    summary = RunSummary("r9", "/wh", planned="5 unchanged")
    assert summary.text() == "xxgk run r9: nothing to do (5 unchanged)"


def test_text_all_ok() -> None:
    summary = _summary(_ok("a/2020.txt"), planned="1 new", seconds=0.25)
    assert summary.text() == ("xxgk run run-1: 1 reports processed: 1 ok (0.2 s)\n"
                              "  plan: 1 new\n"
                              "next:\n"
                              "  xxgk compare --warehouse /wh --out report.html   # compare "
                              "the agencies\n"
                              "  xxgk export --warehouse /wh --out district.xlsx  # the tables "
                              "for a spreadsheet")


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
        "",
        "## Failed checks",
        "",
        "1 report breaks its own arithmetic (2 failed checks): 区教育局 2020",
        "",
        "## Next",
        "",
        "- `xxgk status --warehouse /wh --status failed --status partial`: the reports that "
        "need attention",
        "- `xxgk sql --warehouse /wh -c 'SELECT * FROM failed_checks'`: the failed checks, "
        "file and line",
        "- `xxgk compare --warehouse /wh --out report.html`: compare the agencies",
        "- `xxgk export --warehouse /wh --out district.xlsx`: the tables for a spreadsheet",
    ]) + "\n"


def test_markdown_without_problems_has_no_problem_table() -> None:
    md = _summary(_ok("a/2020.txt")).markdown()
    assert "Reports that need attention" not in md
    assert "| skipped | 0 |\n\n## Next\n" in md
    assert "| ok | 1 |" in md
    assert "| failed | 0 |" in md


def test_markdown_escapes_pipes_and_line_breaks() -> None:
    error = "cells_missing: applications | new/natural\nsecond line"
    summary = _summary(Outcome("区|局/2020.txt", PARTIAL, error, "区|局", 2020))
    md = summary.markdown()
    row = md.split("\n\n## Next")[0].splitlines()[-1]
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
        "next:",
        "  xxgk status --warehouse /wh --status failed --status partial  # the reports that "
        "need attention",
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
    assert "\n".join([
        "## Source warnings", "",
        f"- {WARNINGS[0]}",
        "- 区\\x1b[2J局 is a link out of the source (to /elsewhere): not followed "
        "(xxgk run --follow-links follows it)"]) + "\n\n## Next\n" in md


def test_markdown_code_is_not_ended_by_a_backtick_in_a_name() -> None:
    summary = _summary(Outcome("a`b/2020.txt", FAILED, "x", None, 2020),
                       Outcome("`c/2020.txt", FAILED, "y", None, 2020))
    rows = summary.markdown().split("\n\n## Next")[0].splitlines()[-2:]
    assert rows == ["| failed | `` `c/2020.txt `` |  | 2020 | y |",
                    "| failed | ``a`b/2020.txt`` |  | 2020 | x |"]


# ------------------------------------------------- warnings grouped, next steps

def _unregistered(agency: str, year: int) -> Outcome:
    return Outcome(f"{agency}/{year}.txt", OK, "", agency, year, (
        f"agency_unregistered: agency {agency!r} is not in the agency registry; loaded "
        "under the new id new-0",))


UNREGISTERED = [_unregistered(agency, year)
                for agency in ("桥溪街道办事处", "清新镇人民政府", "河文街道办事处", "平安镇人民政府",
                               "文金街道办事处", "新溪镇人民政府", "东湖街道办事处")
                for year in range(2019, 2019 + (3 if agency == "桥溪街道办事处" else 2))]


def test_warnings_are_grouped_by_code_with_their_agencies_and_advice() -> None:
    summary = _summary(*UNREGISTERED, Outcome(
        "区统计局/2020.txt", OK, "", "区统计局", 2020,
        ("unit_assumed: a/b/c: no unit printed (line 6)",
         "unit_assumed: a/b/d: no unit printed (line 7)")))
    warnings = [line for line in summary.text().splitlines() if "WARNING" in line]
    assert warnings == [
        "  WARNING  agency_unregistered in 15 files of 7 agencies: 桥溪街道办事处 (3), "
        "东湖街道办事处 (2), 平安镇人民政府 (2), 文金街道办事处 (2), 新溪镇人民政府 (2), "
        "河文街道办事处 (2), … and 1 more; add them to transform/maps/agencies.csv (or the "
        "--registry file) and rerun them with --agency NAME",
        "  WARNING  unit_assumed in 区统计局/2020.txt; an amount had no unit; 万元 was assumed "
        "as the template prints it",
    ]
    md = summary.markdown()
    assert ("| agency_unregistered | 15 | 桥溪街道办事处 (3), 东湖街道办事处 (2), 平安镇人民政府 (2), "
            "文金街道办事处 (2), 新溪镇人民政府 (2), 河文街道办事处 (2), … and 1 more | add them to "
            "transform/maps/agencies.csv (or the --registry file) and rerun them with "
            "--agency NAME |") in md.splitlines()
    assert "## Warnings" in md


def test_the_advice_is_data() -> None:
    from transform.maps import read_map

    rows = {r["code"]: r for r in read_map("warning_codes")}
    assert "transform/maps/agencies.csv" in rows["agency_unregistered"]["advice"]
    import inspect

    import load.batch.summary

    assert "agencies.csv" not in inspect.getsource(load.batch.summary)  # data, not code


def test_partial_warnings_stay_with_their_reports_not_in_the_groups() -> None:
    summary = _summary(Outcome("区财政局/2021.txt", PARTIAL, "table_missing: 表四 not found",
                               "区财政局", 2021, ("table_missing: 表四 not found",)))
    assert summary.warning_groups() == []
    assert "  PARTIAL  区财政局/2021.txt: table_missing: 表四 not found" in summary.text()


def test_a_file_processed_again_counts_its_warnings_once() -> None:
    summary = _summary(UNREGISTERED[0])
    summary.add([UNREGISTERED[0]])
    summary.add([_ok(UNREGISTERED[1].source, UNREGISTERED[1].agency or "")])
    [group] = summary.warning_groups()
    assert (group.files, group.single) == (1, "桥溪街道办事处/2019.txt")


def test_the_log_says_each_agency_and_code_once() -> None:
    from load.batch.summary import grouped_warnings

    outcomes = [*UNREGISTERED[:3], Outcome("区统计局/2020.txt", OK, "", "区统计局", 2020,
                                           ("unit_assumed: a/b/c: no unit printed",))]
    lines = grouped_warnings(outcomes)
    assert [line for line, _ in lines] == [
        "桥溪街道办事处: 3 agency_unregistered warnings in 3 files (桥溪街道办事处/2019.txt, "
        "桥溪街道办事处/2020.txt, …), e.g. agency '桥溪街道办事处' is not in the agency "
        "registry; loaded under the new id new-0",
        "区统计局/2020.txt: unit_assumed: a/b/c: no unit printed",
    ]
    assert len(lines[0][1]) == 3 and lines[0][1][0].startswith("桥溪街道办事处/2019.txt: ")
    assert lines[1][1] == []


def test_next_steps_name_the_real_paths_and_only_what_applies() -> None:
    summary = RunSummary("r", "/srv/my wh", source="/data/raw", registry="reg.csv")
    summary.add([_ok("a/2020.txt"), MIXED[2]])
    assert summary.next_steps() == [
        ("xxgk status --warehouse '/srv/my wh' --status failed --status partial",
         "the reports that need attention"),
        ("xxgk run --source /data/raw --warehouse '/srv/my wh' --registry reg.csv --failed",
         "rerun them once fixed"),
        ("xxgk compare --warehouse '/srv/my wh' --out report.html", "compare the agencies"),
        ("xxgk export --warehouse '/srv/my wh' --out district.xlsx",
         "the tables for a spreadsheet"),
    ]
    clean = RunSummary("r", "/wh", source="/src")
    clean.add([_ok("a/2020.txt")])
    assert [c for c, _ in clean.next_steps()] == [  # no --failed, no checks: nothing failed
        "xxgk compare --warehouse /wh --out report.html",
        "xxgk export --warehouse /wh --out district.xlsx"]
    assert RunSummary("r", "/wh", source="/src").next_steps() == []  # nothing to do
    assert "next:" not in RunSummary("r", "/wh").text()
    assert "http" not in summary.text() + summary.markdown()


def test_failed_checks_name_their_reports_once_each_and_the_rerun_counts_again() -> None:
    summary = RunSummary("r", "/wh")
    broken = [Outcome(f"a{i}/2020.txt", OK, "", f"区局{i:02}", 2020, checks_failed=1 + i % 2)
              for i in range(REPORTS_NAMED + 2)]
    summary.add(broken)
    line = summary.failed_checks()
    assert line.startswith(f"{REPORTS_NAMED + 2} reports break their own arithmetic "
                           f"({sum(o.checks_failed for o in broken)} failed checks): ")
    assert line.endswith(", and 2 more") and line.count("区局") == REPORTS_NAMED
    summary.add([_ok(o.source) for o in broken])  # read again, now clean
    assert summary.failed_checks() == "" and "CHECKS" not in summary.text()
    superseded = Outcome("b/2020.html", OK, "", "区局", 2020, superseded_by="b/2020.txt",
                         checks_failed=3)
    summary.add([superseded])  # a file not loaded: its checks are not published
    assert summary.failed_checks() == ""
