"""Tests of run planning and batching (load/batch/plan.py).

Covers ``plan_run`` against a hand-made ledger (the warehouse's ``reports`` rows):
new, changed, unchanged and previously failed/partial files, ``--failed``,
``--full``, ``--agency`` by any registered spelling, ``--year``, identity taken from
the ledger when the path does not name it, not-report files; ``Plan.describe``;
``batch_size`` bounds; and ``batches`` (agencies kept together, large agencies split,
every file exactly once). Several files of one agency-year: siblings pulled into the
run (from the layout or the ledger), never split between batches, and
``split_agency_years`` finding those the extraction revealed. The warehouse module is
not needed: the ledger is built with ``load.schema``. Also planning over names that are
not valid UTF-8, the links and folders the crawl passed over (counted and named), and
a file over its size limit left alone once it failed.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from extract.source import LINK_OUT, UNREADABLE_FOLDER, LocalSource, SourceFile, SourceNotice
from load.batch.plan import (
    MAX_BATCH,
    MIN_BATCH,
    SIBLING,
    Plan,
    Selection,
    batch_size,
    batches,
    plan_run,
    plan_source,
    split_agency_years,
)
from load.schema import conform, dataset, empty_frame, pandas_dtype
from transform.agencies import AgencyRegistry

REGISTRY = AgencyRegistry.bundled()
WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _file(path: str, content: str | None = None, *, report: bool = True) -> SourceFile:
    """A crawled file whose sha256 is that of ``content`` (default: its path)."""
    content = path if content is None else content
    return SourceFile(path, len(content.encode("utf-8")), _sha(content), report,
                      "" if report else "no 政府信息公开 report words in it")


def _ledger(*rows: dict[str, Any]) -> pd.DataFrame:
    """A ``reports`` frame with the given columns set, the others null."""
    if not rows:
        return empty_frame("reports")
    names = dataset("reports").names
    records = []
    for row in rows:
        record: dict[str, Any] = dict.fromkeys(names)
        record.update({"run_id": "r0", "processed_at": WHEN, "n_facts": 0,
                       "n_checks_failed": 0})
        record.update(row)
        records.append(record)
    frame = conform(pd.DataFrame.from_records(records, columns=names), "reports")
    return pd.concat([empty_frame("reports"), frame], ignore_index=True)


def _loaded(path: str, status: str = "ok", content: str | None = None,
            agency_id: str | None = None, year: int | None = None) -> dict[str, Any]:
    content = path if content is None else content
    return {"source": path, "source_sha256": _sha(content),
            "bytes": len(content.encode("utf-8")), "status": status, "agency_id": agency_id,
            "year": year}


# The crawl and the ledger most tests plan against.
FILES = [
    _file("区教育局/2019.txt"),                              # unchanged, ok
    _file("区教育局/2020.txt", "edited since"),              # changed
    _file("区应急管理局/2020.txt"),                          # previously failed
    _file("区应急管理局/2021.txt"),                          # previously partial
    _file("misc/report.txt"),                                # no layout: ledger says who
    _file("区安全生产监督管理局/2018.txt"),                  # new, former name of emergency
    _file("区财政局/2022.txt"),                              # new
    _file("readme.txt", report=False),                       # not a report
]
LEDGER = _ledger(
    _loaded("区教育局/2019.txt", agency_id="education", year=2019),
    _loaded("区教育局/2020.txt", agency_id="education", year=2020),
    _loaded("区应急管理局/2020.txt", "failed", agency_id="emergency", year=2020),
    _loaded("区应急管理局/2021.txt", "partial", agency_id="emergency", year=2021),
    _loaded("misc/report.txt", agency_id="emergency", year=2019),
    _loaded("gone/2017.txt", agency_id="gone", year=2017),   # in the ledger, not in the source
)


NIGHTLY = Selection()


def _plan(selection: Selection = NIGHTLY, ledger: pd.DataFrame = LEDGER,
          files: list[SourceFile] = FILES) -> Plan:
    return plan_run(files, ledger, selection, REGISTRY)


def _todo(plan: Plan) -> list[str]:
    return [f.path for f in plan.todo]


# ------------------------------------------------------------------------ ledger


def test_ledger_helper_conforms_to_schema() -> None:
    for col in dataset("reports").columns:
        assert LEDGER[col.name].dtype == pandas_dtype(col.arrow_type), col.name
    assert len(LEDGER) == 6


# ---------------------------------------------------------------------- planning


FAILED_LEFT = "unchanged and failed (rerun them with --failed)"
PARTIAL_LEFT = "unchanged and partial (rerun them with --failed)"


def test_default_plan_is_incremental() -> None:
    # Unchanged files are left alone whatever their last status: the same bytes give
    # the same result, so a second night with nothing new does nothing.
    plan = _plan()
    assert _todo(plan) == [
        "区教育局/2020.txt", "区安全生产监督管理局/2018.txt", "区财政局/2022.txt",
    ]
    assert plan.reasons == Counter({"changed": 1, FAILED_LEFT: 1, PARTIAL_LEFT: 1,
                                    "new": 2, "unchanged": 2, "not reports": 1})
    assert [f.path for f in plan.skipped] == ["readme.txt"]
    assert not plan.empty
    assert plan.agency_ids == {
        "区教育局/2020.txt": "education",
        "区安全生产监督管理局/2018.txt": "emergency",
        "区财政局/2022.txt": "finance",
    }


def test_describe() -> None:
    assert _plan().describe() == (
        "1 changed, 2 new, 1 not reports, 2 unchanged, 1 unchanged and failed (rerun them "
        "with --failed), 1 unchanged and partial (rerun them with --failed)")
    assert Plan().describe() == "no files"
    assert Plan().empty


def test_empty_ledger_makes_everything_new() -> None:
    plan = _plan(ledger=empty_frame("reports"))
    assert len(plan.todo) == 7
    assert plan.reasons == Counter({"new": 7, "not reports": 1})
    assert plan.describe() == "7 new, 1 not reports"


def test_nothing_to_do_when_all_loaded_ok() -> None:
    files = [_file("区教育局/2019.txt"), _file("readme.txt", report=False)]
    plan = _plan(files=files)
    assert plan.empty
    assert plan.todo == []
    assert plan.describe() == "1 not reports, 1 unchanged"


def test_same_bytes_at_a_new_path_is_new() -> None:
    moved = _file("区教育局/2019_copy/2019.txt", "区教育局/2019.txt")
    plan = _plan(files=[moved])
    assert _todo(plan) == ["区教育局/2019_copy/2019.txt"]
    assert plan.reasons == Counter({"new": 1})


def test_failed_only_selects_not_ok() -> None:
    plan = _plan(Selection(failed_only=True))
    assert _todo(plan) == ["区应急管理局/2020.txt", "区应急管理局/2021.txt"]
    assert plan.reasons["previously failed"] == 1
    assert plan.reasons["previously partial"] == 1
    assert plan.reasons["not reports"] == 1
    assert "new" not in plan.reasons and "changed" not in plan.reasons


def test_failed_only_does_not_call_new_files_unchanged() -> None:
    plan = _plan(Selection(failed_only=True))
    assert plan.reasons["unchanged"] == 2  # 区教育局/2019.txt and misc/report.txt only


def test_full_reprocesses_everything() -> None:
    plan = _plan(Selection(full=True))
    assert _todo(plan) == [f.path for f in FILES if f.is_report]
    assert plan.reasons == Counter({"changed": 1, "previously failed": 1,
                                    "previously partial": 1, "new": 2,
                                    "reprocessed (--full)": 2, "not reports": 1})


@pytest.mark.parametrize("spelling", ["区应急管理局", "区应急局", "区安全生产监督管理局", "区安监局",
                                      "江州市云溪区应急管理局", "应急管理局"])
def test_agency_by_any_registered_spelling(spelling: str) -> None:
    plan = _plan(Selection(agencies=(spelling,)))
    assert _todo(plan) == ["区应急管理局/2020.txt", "区应急管理局/2021.txt", "misc/report.txt",
                           "区安全生产监督管理局/2018.txt"]
    assert plan.reasons == Counter({"previously failed": 1, "previously partial": 1,
                                    "reprocessed (selected)": 1, "new": 1,
                                    "not reports": 1})
    assert set(plan.agency_ids.values()) == {"emergency"}


def test_several_agencies() -> None:
    plan = _plan(Selection(agencies=("区教育局", "区财政局")))
    assert _todo(plan) == ["区教育局/2019.txt", "区教育局/2020.txt", "区财政局/2022.txt"]
    assert plan.reasons == Counter({"reprocessed (selected)": 1, "changed": 1, "new": 1,
                                    "not reports": 1})


def test_unknown_agency_selects_nothing() -> None:
    plan = _plan(Selection(agencies=("区气象局",)))
    assert plan.empty
    assert plan.reasons == Counter({"not reports": 1})


def test_year_selection() -> None:
    plan = _plan(Selection(years=(2020,)))
    assert _todo(plan) == ["区教育局/2020.txt", "区应急管理局/2020.txt"]
    assert plan.reasons == Counter({"changed": 1, "previously failed": 1, "not reports": 1})


def test_year_taken_from_the_ledger() -> None:
    plan = _plan(Selection(years=(2019,)))
    assert _todo(plan) == ["区教育局/2019.txt", "misc/report.txt"]
    assert plan.reasons == Counter({"reprocessed (selected)": 2, "not reports": 1})
    assert plan.agency_ids == {"区教育局/2019.txt": "education", "misc/report.txt": "emergency"}


def test_agency_and_year_combined() -> None:
    plan = _plan(Selection(agencies=("区应急局",), years=(2019, 2021)))
    assert _todo(plan) == ["区应急管理局/2021.txt", "misc/report.txt"]


def test_failed_only_with_agency() -> None:
    plan = _plan(Selection(agencies=("区应急局",), failed_only=True))
    assert _todo(plan) == ["区应急管理局/2020.txt", "区应急管理局/2021.txt"]


def test_path_identity_wins_over_the_ledger() -> None:
    # The ledger's row (say from a report that printed another agency) does not
    # override what the folder layout says.
    ledger = _ledger(_loaded("区教育局/2020.txt", "failed", agency_id="finance", year=2015))
    plan = _plan(Selection(failed_only=True), ledger=ledger, files=[_file("区教育局/2020.txt")])
    assert plan.agency_ids == {"区教育局/2020.txt": "education"}
    assert _todo(_plan(Selection(years=(2020,)), ledger, [_file("区教育局/2020.txt")]))
    assert not _todo(_plan(Selection(years=(2015,)), ledger, [_file("区教育局/2020.txt")]))


def test_year_only_path_takes_agency_from_the_ledger() -> None:
    ledger = _ledger(_loaded("2020.txt", "partial", agency_id="education", year=None))
    plan = _plan(Selection(agencies=("区教育局",), years=(2020,)), ledger, [_file("2020.txt")])
    assert _todo(plan) == ["2020.txt"]
    assert plan.agency_ids == {"2020.txt": "education"}


def test_failed_row_with_null_identity() -> None:
    ledger = _ledger(_loaded("misc/bad.txt", "failed"))
    assert pd.isna(ledger.loc[0, "year"]) and pd.isna(ledger.loc[0, "agency_id"])
    assert _plan(ledger=ledger, files=[_file("misc/bad.txt")]).empty
    plan = _plan(Selection(failed_only=True), ledger=ledger, files=[_file("misc/bad.txt")])
    assert _todo(plan) == ["misc/bad.txt"]
    assert plan.agency_ids == {"misc/bad.txt": None}
    assert plan.reasons == Counter({"previously failed": 1})
    assert _plan(Selection(years=(2020,)), ledger, [_file("misc/bad.txt")]).empty
    assert _plan(Selection(agencies=("区教育局",)), ledger, [_file("misc/bad.txt")]).empty


def test_unregistered_agency_folder_gets_new_id() -> None:
    plan = _plan(files=[_file("区气象局/2020.txt")], ledger=empty_frame("reports"))
    assert plan.agency_ids["区气象局/2020.txt"] == REGISTRY.resolve("区气象局").agency_id
    assert plan.agency_ids["区气象局/2020.txt"].startswith("new-")


def test_not_reports_are_counted_even_when_filtered() -> None:
    files = [_file("区教育局/notes.txt", report=False), _file("x/2020.md", report=False)]
    plan = _plan(Selection(agencies=("区财政局",)), files=files)
    assert [f.path for f in plan.skipped] == ["区教育局/notes.txt", "x/2020.md"]
    assert plan.reasons == Counter({"not reports": 2})
    assert plan.empty


def test_plan_source_crawls(tmp_path: Path) -> None:
    words = "区教育局2020年政府信息公开工作年度报告\n"
    (tmp_path / "区教育局").mkdir()
    (tmp_path / "区教育局" / "2020.txt").write_text(words, encoding="utf-8")
    (tmp_path / "区教育局" / "2021.txt").write_text(words + "2021\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("nothing here\n", encoding="utf-8")
    ledger = _ledger(_loaded("区教育局/2020.txt", content=words, agency_id="education",
                             year=2020))
    plan = plan_source(LocalSource(tmp_path), ledger, Selection(), REGISTRY)
    assert _todo(plan) == ["区教育局/2021.txt"]
    assert plan.describe() == "1 new, 1 not reports, 1 unchanged"
    assert [f.path for f in plan.skipped] == ["notes.md"]


# ---------------------------------------------------------------------- batching


def test_batch_size_bounds() -> None:
    assert (MIN_BATCH, MAX_BATCH) == (10, 250)
    assert batch_size(0, 2) == MIN_BATCH
    assert batch_size(-5, 2) == MIN_BATCH
    assert batch_size(1, 2) == MIN_BATCH
    assert batch_size(40, 2) == 10
    assert batch_size(41, 2) == 11
    assert batch_size(100, 2) == 25
    assert batch_size(100, 0) == 50  # no workers counts as one
    assert batch_size(1000, 2) == 250
    assert batch_size(1001, 2) == MAX_BATCH
    assert batch_size(10**6, 8) == MAX_BATCH
    for n in range(0, 5000, 7):
        for workers in (1, 2, 3, 4, 8):
            assert MIN_BATCH <= batch_size(n, workers) <= MAX_BATCH


def _plan_of(groups: dict[str | None, int]) -> Plan:
    """A plan with ``n`` files per agency id (None: files whose agency is unknown)."""
    plan = Plan()
    for agency_id, n in groups.items():
        for i in range(n):
            path = f"{agency_id or 'misc'}/{2000 + i}.txt"
            plan.todo.append(_file(path))
            plan.agency_ids[path] = agency_id
    return plan


def _agency_of(plan: Plan, batch: list[SourceFile]) -> list[str | None]:
    return [plan.agency_ids[f.path] for f in batch]


def test_at_least_two_batches_per_worker_when_enough_files() -> None:
    for workers in (1, 2, 3, 4):
        for n in range(2 * workers * MIN_BATCH, 2 * workers * MAX_BATCH + 600, 157):
            plan = _plan_of({f"a{i:05d}": 1 for i in range(n)})
            cut = batches(plan, workers)
            assert len(cut) >= 2 * workers, (workers, n)
            assert max(len(b) for b in cut) <= batch_size(n, workers)


def test_few_files_make_one_batch() -> None:
    plan = _plan_of({"a": 3, "b": 2})
    assert [len(b) for b in batches(plan, 2)] == [5]
    assert batches(Plan(), 2) == []


def test_batches_keep_agencies_together_and_split_large_ones() -> None:
    plan = _plan_of({"d": 2, "c": 25, "b": 4, "a": 3})
    cut = batches(plan, 2, size=10)
    assert [_agency_of(plan, b) for b in cut] == [
        ["a"] * 3 + ["b"] * 4,
        ["c"] * 10,
        ["c"] * 10,
        ["c"] * 5 + ["d"] * 2,
    ]
    # within an agency, files stay in path order
    assert [f.path for f in cut[1] + cut[2] + cut[3][:5]] == sorted(
        f.path for f in plan.todo if plan.agency_ids[f.path] == "c")


def test_agency_that_does_not_fit_starts_a_new_batch() -> None:
    plan = _plan_of({"a": 6, "b": 6, "c": 4})
    cut = batches(plan, 1, size=10)
    assert [_agency_of(plan, b) for b in cut] == [["a"] * 6, ["b"] * 6 + ["c"] * 4]


def test_files_without_agency_are_batched_one_by_one() -> None:
    plan = _plan_of({None: 3, "a": 9})
    cut = batches(plan, 1, size=10)
    assert [_agency_of(plan, b) for b in cut] == [[None] * 3, ["a"] * 9]


@pytest.mark.parametrize("size", [None, 1, 3, 10, 40])
def test_batches_cover_every_file_exactly_once(size: int | None) -> None:
    plan = _plan_of({"x": 17, "y": 1, "z": 33, None: 5, "w": 10, "v": 9})
    cut = batches(plan, 2, size=size)
    flat = [f.path for b in cut for f in b]
    assert sorted(flat) == sorted(f.path for f in plan.todo)
    assert len(flat) == len(set(flat)) == 75
    limit = size or batch_size(75, 2)
    assert all(0 < len(b) <= limit for b in cut)
    # an agency that fits in a batch lands in exactly one batch
    for agency, n in {"y": 1, "w": 10, "v": 9}.items():
        if n <= limit:
            holding = [i for i, b in enumerate(cut) if agency in _agency_of(plan, b)]
            assert len(holding) == 1, (agency, size)


def test_batches_of_the_default_plan() -> None:
    plan = _plan()
    cut = batches(plan, 2)
    assert [[f.path for f in b] for b in cut] == [[
        "区教育局/2020.txt",  # education
        "区安全生产监督管理局/2018.txt",  # emergency
        "区财政局/2022.txt",  # finance
    ]]


@pytest.mark.parametrize("selection", [NIGHTLY, Selection(failed_only=True)])
def test_a_failed_report_whose_file_was_fixed_is_retried(selection: Selection) -> None:
    files = [_file("区应急管理局/2020.txt", "fixed by the operator")]
    plan = _plan(selection, files=files)
    assert _todo(plan) == ["区应急管理局/2020.txt"]
    assert plan.reasons == Counter({"previously failed, changed": 1})


# ------------------------------------------------- several files, one agency-year


def _emergency_2023(*extra: SourceFile) -> list[SourceFile]:
    return [_file("区应急管理局/2023.txt"), _file("区应急管理局/2023.html"), *extra]


EMERGENCY_2023 = _ledger(
    _loaded("区应急管理局/2023.txt", agency_id="emergency", year=2023),
    _loaded("区应急管理局/2023.html", agency_id="emergency", year=2023),
    _loaded("misc/copy.pdf", agency_id="emergency", year=2023),
    _loaded("区应急管理局/2022.txt", agency_id="emergency", year=2022),
)


def test_a_new_file_pulls_in_the_other_files_of_its_agency_year() -> None:
    files = [_file("区应急管理局/2023.txt"), _file("区应急管理局/2023.html"),
             _file("区应急管理局/2022.txt")]
    ledger = _ledger(_loaded("区应急管理局/2023.txt", agency_id="emergency", year=2023),
                     _loaded("区应急管理局/2022.txt", agency_id="emergency", year=2022))
    plan = _plan(files=files, ledger=ledger)
    assert _todo(plan) == ["区应急管理局/2023.html", "区应急管理局/2023.txt"]
    assert plan.reasons == Counter({"new": 1, SIBLING: 1, "unchanged": 1})
    assert plan.describe() == "1 new, 1 unchanged, 1 with another file of its agency-year"
    assert plan.agency_years["区应急管理局/2023.txt"] == ("emergency", 2023)


def test_siblings_known_only_to_the_ledger_are_pulled_in() -> None:
    files = _emergency_2023(_file("misc/copy.pdf"), _file("区应急管理局/2022.txt"))
    changed = [_file("区应急管理局/2023.txt", "edited"), *files[1:]]
    plan = _plan(files=changed, ledger=EMERGENCY_2023)
    assert _todo(plan) == ["区应急管理局/2023.txt", "区应急管理局/2023.html", "misc/copy.pdf"]
    assert plan.reasons == Counter({"changed": 1, SIBLING: 2, "unchanged": 1})
    assert plan.agency_ids["misc/copy.pdf"] == "emergency"
    # and the other way round: the file outside the layout changed
    changed = [*files[:2], _file("misc/copy.pdf", "edited"), files[3]]
    plan = _plan(files=changed, ledger=EMERGENCY_2023)
    assert sorted(_todo(plan)) == ["misc/copy.pdf", "区应急管理局/2023.html",
                                   "区应急管理局/2023.txt"]


@pytest.mark.parametrize("selection", [Selection(failed_only=True),
                                       Selection(years=(2023,)),
                                       Selection(agencies=("区应急局",), years=(2023,))])
def test_a_selected_file_brings_its_siblings(selection: Selection) -> None:
    ledger = _ledger(
        _loaded("区应急管理局/2023.txt", agency_id="emergency", year=2023),
        _loaded("区应急管理局/2023.html", "failed", agency_id="emergency", year=2023))
    plan = _plan(selection, files=_emergency_2023(), ledger=ledger)
    assert sorted(_todo(plan)) == ["区应急管理局/2023.html", "区应急管理局/2023.txt"]


def test_nothing_new_pulls_in_nothing() -> None:
    files = _emergency_2023(_file("misc/copy.pdf"), _file("区应急管理局/2022.txt"))
    assert _plan(files=files, ledger=EMERGENCY_2023).empty


def test_an_agency_year_is_never_split_between_batches() -> None:
    files = [_file(f"区应急管理局/{year}.{ext}") for year in range(2010, 2025)
             for ext in ("txt", "html", "pdf")]
    plan = _plan(files=files, ledger=empty_frame("reports"))
    assert len(plan.todo) == 45
    for size in (1, 2, 4, 10, 11):
        cut = batches(plan, 2, size=size)
        assert sorted(f.path for b in cut for f in b) == sorted(f.path for f in files)
        for batch in cut:
            years = {plan.agency_years[f.path] for f in batch}
            whole = [f for f in files if plan.agency_years[f.path] in years]
            assert sorted(f.path for f in batch) == sorted(f.path for f in whole), size
            # a batch exceeds its size only by the rest of one agency-year
            assert len(batch) <= max(size, 3) + 2


def test_siblings_land_in_the_batch_of_the_file_that_brought_them() -> None:
    files = [_file(f"区教育局/{y}.txt") for y in range(2000, 2020)] + _emergency_2023(
        _file("misc/copy.pdf"))
    ledger = _ledger(*(_loaded(f.path, agency_id="education", year=int(f.path[5:9]))
                       for f in files[:20]),
                     _loaded("区应急管理局/2023.txt", agency_id="emergency", year=2023),
                     _loaded("misc/copy.pdf", agency_id="emergency", year=2023))
    plan = _plan(Selection(full=True), files=files, ledger=ledger)
    cut = batches(plan, 2, size=10)
    holding = [b for b in cut if any("2023" in f.path for f in b)]
    assert len(holding) == 1
    assert {f.path for f in holding[0]} >= {"区应急管理局/2023.txt", "区应急管理局/2023.html",
                                            "misc/copy.pdf"}


# ------------------------------------------------------------ split_agency_years


def test_nothing_is_split_when_each_agency_year_was_seen_whole() -> None:
    plan = _plan(files=_emergency_2023(), ledger=empty_frame("reports"))
    resolved = [{"区应急管理局/2023.txt": ("emergency", 2023),
                 "区应急管理局/2023.html": ("emergency", 2023)}]
    assert split_agency_years(plan, resolved).empty
    assert split_agency_years(plan, []).empty


def test_a_new_file_outside_the_layout_is_compared_with_a_loaded_sibling() -> None:
    # misc/new.html names 区应急管理局 2023 only in its title: the plan cannot know.
    ledger = _ledger(_loaded("区应急管理局/2023.txt", agency_id="emergency", year=2023))
    files = [_file("区应急管理局/2023.txt"), _file("misc/new.html")]
    plan = _plan(files=files, ledger=ledger)
    assert _todo(plan) == ["misc/new.html"]
    again = split_agency_years(plan, [{"misc/new.html": ("emergency", 2023)}])
    assert [f.path for f in again.todo] == ["misc/new.html", "区应急管理局/2023.txt"]
    assert again.reasons == Counter({SIBLING: 1})
    assert [[f.path for f in b] for b in batches(again, 2)] == [
        ["misc/new.html", "区应急管理局/2023.txt"]]


def test_an_agency_year_extracted_in_two_batches_is_split() -> None:
    files = [_file("区应急管理局/2023.txt"), _file("misc/new.html"), _file("区教育局/2020.txt")]
    plan = _plan(files=files, ledger=empty_frame("reports"))
    resolved = [{"区应急管理局/2023.txt": ("emergency", 2023)},
                {"misc/new.html": ("emergency", 2023), "区教育局/2020.txt": ("education", 2020)}]
    again = split_agency_years(plan, resolved)
    assert [f.path for f in again.todo] == ["misc/new.html", "区应急管理局/2023.txt"]
    assert again.agency_years == {"misc/new.html": ("emergency", 2023),
                                  "区应急管理局/2023.txt": ("emergency", 2023)}
    assert not again.reasons


def test_plan_source_reads_no_file_the_ledger_vouches_for(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    words = "区教育局2020年政府信息公开工作年度报告\n"
    path = tmp_path / "区教育局" / "2020.txt"
    path.parent.mkdir()
    path.write_text(words, encoding="utf-8")
    row = _loaded("区教育局/2020.txt", content=words, agency_id="education", year=2020)
    ledger = _ledger({**row, "source_mtime_ns": path.stat().st_mtime_ns})
    real_open = open

    def refuse(file: object, *args: object, **kwargs: object) -> object:
        assert not str(file).startswith(str(tmp_path)), f"{file} was read"
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", refuse)
    plan = plan_source(LocalSource(tmp_path), ledger, Selection(), REGISTRY)
    assert plan.empty and plan.describe() == "1 unchanged"
    # --full reprocesses every file, and reads none to plan it.
    plan = plan_source(LocalSource(tmp_path), ledger, Selection(full=True), REGISTRY)
    assert _todo(plan) == ["区教育局/2020.txt"]


# ------------------------------------------------ names, links, folders, large files


def test_plan_source_takes_names_that_are_not_utf8(tmp_path: Path) -> None:
    words = "区教育局2020年政府信息公开工作年度报告\n"
    root = os.fsencode(tmp_path)
    for rel in (b"\xff\xfe\xe5\xb1\x80/2020.txt", "区教育局/2020".encode() + b"\xff.txt"):
        path = Path(os.fsdecode(os.path.join(root, rel)))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(words, encoding="utf-8")
    plan = plan_source(LocalSource(tmp_path), _ledger(), Selection(), REGISTRY)
    assert _todo(plan) == ["\\xff\\xfe局/2020.txt", "区教育局/2020\\xff.txt"]
    # the folder names an agency the registry does not know: an id derived from its name
    assert plan.agency_ids["\\xff\\xfe局/2020.txt"].startswith("new-")
    assert plan.agency_years["\\xff\\xfe局/2020.txt"][1] == 2020
    assert plan.describe() == "2 new"


def test_plan_counts_and_names_what_the_crawl_passed_over(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    words = "区教育局2020年政府信息公开工作年度报告\n"
    src, outside = tmp_path / "src", tmp_path / "outside"
    for folder in (src / "区教育局", src / "区财政局", outside):
        folder.mkdir(parents=True)
    (src / "区教育局" / "2020.txt").write_text(words, encoding="utf-8")
    (outside / "2021.txt").write_text(words, encoding="utf-8")
    (src / "区教育局" / "2021.txt").symlink_to(outside / "2021.txt")
    (src / "区\x1b[31m局").symlink_to(outside)
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if Path(path) == src / "区财政局":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    plan = plan_source(LocalSource(src), _ledger(), Selection(), REGISTRY)
    assert _todo(plan) == ["区教育局/2020.txt"]
    assert plan.describe() == ("1 folders that cannot be read, 2 links out of the source "
                               "(not followed), 1 new")
    target = os.path.realpath(outside)
    assert sorted(plan.warnings()) == [
        "folder 区财政局 cannot be read (Permission denied): its reports are not in this run",
        f"区\x1b[31m局 is a link out of the source (to {target}): not followed "
        "(xxgk run --follow-links follows it)",
        f"区教育局/2021.txt is a link out of the source (to {target}/2021.txt): not followed "
        "(xxgk run --follow-links follows it)",
    ]
    followed = plan_source(LocalSource(src, follow_links=True), _ledger(), Selection(),
                           REGISTRY)
    assert _todo(followed) == ["区\x1b[31m局/2021.txt", "区教育局/2020.txt",
                               "区教育局/2021.txt"]
    assert followed.describe() == "1 folders that cannot be read, 3 new"


def test_a_file_over_its_limit_that_failed_is_not_read_again_when_touched(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "区教育局" / "2020.txt"
    path.parent.mkdir()
    path.touch()
    os.truncate(path, 9 * 2**20)  # over the text limit, sparse
    ledger = _ledger({"source": "区教育局/2020.txt", "source_sha256": "",
                      "bytes": 9 * 2**20, "status": "failed", "agency_id": "education",
                      "year": 2020, "source_mtime_ns": path.stat().st_mtime_ns - 1})
    real_open = open

    def refuse(file: object, *args: object, **kwargs: object) -> object:
        assert not str(file).startswith(str(tmp_path)), f"{file} was read"
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", refuse)
    plan = plan_source(LocalSource(tmp_path), ledger, Selection(), REGISTRY)
    assert plan.empty
    assert plan.describe() == "1 unchanged and failed (rerun them with --failed)"


def test_a_selection_that_matches_nothing_is_named() -> None:
    """``Plan.unmatched``: an agency neither registered nor found (a folder, or a name
    the ledger holds for a file outside the layout), a year of no report."""
    files = [_file("区应急管理局/2021.txt"), _file("区新设局/2020.txt"), _file("scan.txt")]
    street = REGISTRY.resolve("某街道办事处")  # unregistered: an id derived from its name
    ledger = _ledger({**_loaded("scan.txt", agency_id=street.agency_id, year=2019),
                      "agency": street.name})

    def unmatched(*agencies: str, years: tuple[int, ...] = ()) -> str | None:
        selection = Selection(agencies, years)
        return plan_run(files, ledger, selection, REGISTRY).unmatched(selection, REGISTRY)

    assert unmatched("区教育局", "区新设局", "某街道办事处") is None  # registered, folder, ledger
    assert unmatched("区新设", years=(2020,)) == (
        "agency 区新设 is neither in the registry nor a folder of the source "
        "(did you mean 区新设局?)")
    assert unmatched("某街道办") == ("agency 某街道办 is neither in the registry nor a folder "
                                    "of the source (did you mean 某街道办事处?)")
    assert unmatched(years=(2019, 2020, 2021)) is None
    assert unmatched(years=(2022,)) == ("no report of 2022 in the source nor the warehouse "
                                        "(years there: 2019, 2020, 2021)")


# ------------------------------------------------------------ files that left the source


class _Crawl:
    """A source whose crawl finds ``files`` and passes over ``notices``."""

    location = "crawl"

    def __init__(self, files: list[SourceFile], notices: tuple[SourceNotice, ...] = ()
                 ) -> None:
        self._files, self.notices = files, list(notices)

    def files(self, known: object = None) -> list[SourceFile]:
        return self._files


def _five(*statuses: tuple[str, str]) -> pd.DataFrame:
    extra = dict(statuses)
    return _ledger(*(_loaded(f"区教育局/{y}.txt", extra.get(f"{y}", "ok"),
                             agency_id="education", year=y) for y in range(2018, 2023)))


def test_files_no_longer_in_the_source_are_removed() -> None:
    crawl = [_file(f"区教育局/{y}.txt") for y in (2018, 2019, 2020, 2021)]
    plan = plan_source(_Crawl(crawl), _five(), NIGHTLY, REGISTRY)
    assert plan.removed == ["区教育局/2022.txt"] and not plan.empty
    assert plan.describe() == "1 no longer in the source, 4 unchanged"
    assert plan.too_many_removed(NIGHTLY) is None  # 1 of 5: 20 %, not more


def test_removed_files_are_not_removed_again_and_come_back_as_new() -> None:
    crawl = [_file(f"区教育局/{y}.txt") for y in (2018, 2019, 2020, 2021)]
    ledger = _five(("2022", "removed"), ("2021", "removed"))
    plan = plan_source(_Crawl(crawl), ledger, NIGHTLY, REGISTRY)
    assert plan.removed == [] and plan.known_before == 3
    assert _todo(plan) == ["区教育局/2021.txt"]
    assert plan.reasons["back in the source"] == 1


def test_more_than_a_fifth_removed_is_refused_unless_allowed() -> None:
    crawl = [_file(f"区教育局/{y}.txt") for y in (2018, 2019, 2020)]
    plan = plan_source(_Crawl(crawl), _five(), NIGHTLY, REGISTRY)
    refusal = plan.too_many_removed(NIGHTLY)
    assert refusal is not None and "2 of the 5 report files" in refusal
    assert "--allow-removals" in refusal and "\n" not in refusal
    assert plan.too_many_removed(Selection(allow_removals=True)) is None


def test_files_below_what_the_crawl_passed_over_are_not_removed() -> None:
    crawl = [_file(f"区教育局/{y}.txt") for y in (2018, 2019, 2020, 2021)]
    ledger = _ledger(*_five().to_dict("records"),
                     _loaded("区财政局/2020.txt", agency_id="finance", year=2020))
    notices = (SourceNotice("区财政局", UNREADABLE_FOLDER, "Permission denied"),
               SourceNotice("区教育局/2022.txt", LINK_OUT, "/elsewhere"))
    plan = plan_source(_Crawl(crawl, notices), ledger, NIGHTLY, REGISTRY)
    assert plan.removed == []


def test_failed_and_selected_runs_remove_only_their_own() -> None:
    crawl = [_file(f"区教育局/{y}.txt") for y in (2018, 2019, 2020, 2021)]
    assert plan_source(_Crawl(crawl), _five(), Selection(failed_only=True),
                       REGISTRY).removed == []
    years = plan_source(_Crawl(crawl), _five(), Selection(years=(2018,)), REGISTRY)
    assert years.removed == [] and years.known_before == 1
    agency = plan_source(_Crawl(crawl), _five(), Selection(agencies=("区教育局",)), REGISTRY)
    assert agency.removed == ["区教育局/2022.txt"]


def test_the_files_left_of_a_removed_file_s_agency_year_are_compared_again() -> None:
    ledger = _ledger(
        _loaded("区教育局/2020.txt", agency_id="education", year=2020),
        {**_loaded("区教育局/2020.html", agency_id="education", year=2020),
         "superseded_by": "区教育局/2020.txt"},
        _loaded("区教育局/2019.txt", agency_id="education", year=2019),
        _loaded("区教育局/2018.txt", agency_id="education", year=2018),
        _loaded("区教育局/2017.txt", agency_id="education", year=2017),
    )
    crawl = [_file(p) for p in ("区教育局/2020.html", "区教育局/2019.txt",
                                "区教育局/2018.txt", "区教育局/2017.txt")]
    plan = plan_source(_Crawl(crawl), ledger, NIGHTLY, REGISTRY)
    assert plan.removed == ["区教育局/2020.txt"]
    assert _todo(plan) == ["区教育局/2020.html"]
    assert plan.describe() == f"1 no longer in the source, 3 unchanged, 1 {SIBLING}"
