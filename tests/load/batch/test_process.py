"""Tests of per-file processing into warehouse rows (load/batch/process.py).

Covers ``ReportProcessor.process`` and ``process_batch`` over a tmp source of
generated reports laid out as ``<agency>/<year>.<ext>``: ok rows with the right
agency_id, year, template, fact and failed-check counts; frames typed as
``load.schema`` declares; failures that cost one file only (no tables, no identity,
unreadable, too large, an internal error); partial reports (表四 dropped);
unregistered agencies; transient read errors escaping for a retry; ``fail_batch``,
``combine`` and ``status_of``; and that ``transform/maps/warning_codes.csv`` knows
every warning code the extractor emits. The bundled demo data processes all ok.
One report saved as ``.txt`` and ``.html`` loads one file's facts and checks, the
other superseded, with ``cross_file`` checks (agreeing, a differing cell, a file whose
sums break, a failed file, an agency-year found in the title). Files are read one at a
time. The per-file limits: their settings, refused files, a memory error, and hostile
files (PDFs, a padded text, a crashing parser) in a pool with tight limits, failing
alone while their batch-mates' rows stay those of a batch without them.
"""

from __future__ import annotations

import errno
import hashlib
import math
import os
import pickle
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pool_jobs
import pytest

import load.batch.process as process_mod
from extract.model import Warning_
from extract.report import ExtractedReport, extract_bytes
from extract.source import LocalSource, SourceFile, TransientReadError
from load.batch.pool import Limits, WorkerCrashed, WorkerPool
from load.batch.process import (
    FAILED,
    MEMORY_LIMIT,
    OK,
    PARTIAL,
    SKIPPED,
    TIME_LIMIT,
    BatchResult,
    LimitsError,
    Outcome,
    ReportProcessor,
    batch_pool,
    combine,
    fail_batch,
    file_limits,
    process_batch,
    run_limited,
    status_of,
)
from load.schema import DATASETS, conform
from synth import GeneratedReport, generate_report, hostile
from transform.agencies import AgencyRegistry, load_registry
from transform.maps import read_map
from transform.warnings import warning_statuses

REPO = Path(__file__).resolve().parents[3]
DEMO = REPO / "data" / "demo"
WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
RUN = "run-test"
NO_IDENTITY = ("no agency and no year: neither the folder layout <agency>/<year>.<ext> nor "
               "the report's title or opening lines name it")


# ----------------------------------------------------------------------- helpers


def _put(root: Path, rel: str, data: bytes | str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _lines_without(text: str, start: str, stop: str | None) -> str:
    """``text`` without the lines from the one starting with ``start`` up to (not
    including) the one starting with ``stop`` (to the end when None)."""
    lines = text.split("\n")
    first = next(i for i, line in enumerate(lines) if line.startswith(start))
    last = len(lines) if stop is None else next(
        i for i, line in enumerate(lines) if i > first and line.startswith(stop))
    return "\n".join(lines[:first] + lines[last:])


def _body_only(report: GeneratedReport) -> str:
    """A generated report without its title and opening prose: the tables on."""
    lines = report.text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("二、主动公开"))
    return "\n".join(lines[start:])


def _files(root: Path) -> list[SourceFile]:
    return list(LocalSource(root).files())


def _run(root: Path, registry: AgencyRegistry | None = None) -> BatchResult:
    processor = ReportProcessor(LocalSource(root), registry or AgencyRegistry.bundled(), RUN,
                                WHEN)
    return processor.process(_files(root))


def _report_row(result: BatchResult, source: str) -> dict[str, Any]:
    rows = result.reports[result.reports["source"] == source]
    assert len(rows) == 1, source
    return rows.iloc[0].to_dict()


def _outcome(result: BatchResult, source: str) -> Outcome:
    (found,) = [o for o in result.outcomes if o.source == source]
    return found


def _assert_typed(result: BatchResult) -> None:
    for name in DATASETS:
        frame = getattr(result, name)
        assert list(frame.columns) == DATASETS[name].names, name
        for col in DATASETS[name].columns:
            assert frame[col.name].dtype == col.pandas_dtype, (name, col.name)
        pd.testing.assert_frame_equal(conform(frame, name), frame)


# Three clean reports of two templates, three encodings and three layouts.
EDU_2020 = generate_report(1, agency="区教育局", year=2020, layout="pipe", encoding="utf-8")
EMG_2022 = generate_report(2, agency="区应急管理局", year=2022, layout="markdown",
                           encoding="gb18030")
FIN_2021 = generate_report(4, agency="区财政局", year=2021, layout="spaces", encoding="big5")
BROKEN = generate_report(5, agency="区司法局", year=2021, layout="pipe", encoding="utf-8",
                         break_rules=True)
CLEAN = {
    "区教育局/2020.txt": (EDU_2020, "education", "2019"),
    "区应急管理局/2022.md": (EMG_2022, "emergency", "2021"),
    "区财政局/2021.txt": (FIN_2021, "finance", "2021"),
}


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("source")
    for rel, (report, _id, _template) in CLEAN.items():
        _put(root, rel, report.data)
    _put(root, "区司法局/2021.txt", BROKEN.data)
    _put(root, "notes.txt", "a note, not a report\n")
    return root


@pytest.fixture(scope="module")
def result(source: Path) -> BatchResult:
    return _run(source)


# -------------------------------------------------------------------- ok reports


def test_clean_reports_are_ok(result: BatchResult) -> None:
    for rel, (report, agency_id, template) in CLEAN.items():
        row = _report_row(result, rel)
        assert row["status"] == OK, (rel, row["error"], row["warnings"])
        assert (row["agency_id"], row["agency"], row["year"], row["template"]) == (
            agency_id, report.agency, report.year, template)
        assert row["n_facts"] == len(report.facts)
        assert row["n_checks_failed"] == 0
        assert pd.isna(row["error"])
        assert (row["run_id"], row["processed_at"]) == (RUN, pd.Timestamp(WHEN))
        assert row["bytes"] == len(report.data)
        assert row["source_sha256"] == hashlib.sha256(report.data).hexdigest()
        assert _outcome(result, rel) == Outcome(rel, OK, "", report.agency, report.year, ())


def test_encodings_and_formats_recorded(result: BatchResult) -> None:
    got = {r: (_report_row(result, r)["encoding"], _report_row(result, r)["format"])
           for r in CLEAN}
    assert got["区教育局/2020.txt"] == ("utf-8", "pipe")
    assert got["区应急管理局/2022.md"] == ("gb18030", "markdown")
    assert got["区财政局/2021.txt"][0] == "big5"


def test_frames_conform_to_the_schema(source: Path, result: BatchResult) -> None:
    _assert_typed(result)
    assert len(result.reports) == 4  # the note is skipped, with no reports row
    assert _outcome(result, "notes.txt") == Outcome(
        "notes.txt", SKIPPED, "not a report: no 政府信息公开 words and figures in it", None, None)
    assert [o.source for o in result.outcomes] == [f.path for f in _files(source)]


def test_facts_are_the_extracted_facts(source: Path, result: BatchResult) -> None:
    for rel, (report, agency_id, template) in CLEAN.items():
        facts = result.facts[result.facts["source"] == rel]
        extracted = extract_bytes((source / rel).read_bytes(), name=rel, agency=report.agency,
                                  year=report.year)
        assert len(facts) == len(extracted.facts) == len(report.facts)
        assert set(facts["agency_id"]) == {agency_id}
        assert set(facts["agency"]) == {report.agency}
        assert set(facts["template"]) == {template}
        assert set(facts["year"]) == {report.year}
        assert set(facts["source_sha256"]) == {hashlib.sha256(report.data).hexdigest()}
        got = {(r.table, r.row_key, r.col_key): (None if math.isnan(r.value) else r.value)
               for r in facts.itertuples()}
        truth = {(f["table"], f["row_key"], f["col_key"]): f["value"] for f in report.facts}
        assert got == truth, rel
        assert list(facts["line"].isna()) == [f.line is None for f in extracted.facts]


def test_checks_rows(source: Path, result: BatchResult) -> None:
    rel = "区司法局/2021.txt"
    row = _report_row(result, rel)
    checks = result.checks[result.checks["source"] == rel]
    extracted = extract_bytes((source / rel).read_bytes(), name=rel)
    assert len(checks) == len(extracted.checks) > 0
    n_failed = sum(not c.passed for c in extracted.checks)
    assert row["n_checks_failed"] == n_failed == int((~checks["passed"]).sum()) > 0
    assert row["status"] == OK  # a failed check never fails the report
    assert set(checks.loc[~checks["passed"], "rule"]) == set(BROKEN.broken_rules)
    assert set(checks["year"]) == {2021} and set(checks["agency_id"]) == {"justice"}
    assert set(checks["agency"]) == {"区司法局"}
    for rel_ok in CLEAN:
        assert bool(result.checks[result.checks["source"] == rel_ok]["passed"].all())


def test_every_row_carries_the_agencys_kind(result: BatchResult) -> None:
    kinds = AgencyRegistry.bundled().kinds()
    for name in ("facts", "reports", "checks"):
        frame = getattr(result, name).dropna(subset=["agency_id"])
        assert len(frame), name
        want = frame["agency_id"].map(kinds.get)
        assert list(frame["agency_kind"]) == list(want), name
        assert frame["agency_kind"].notna().all(), name


def test_the_operators_registry_decides_the_kind(source: Path, tmp_path: Path) -> None:
    registry = tmp_path / "registry.csv"
    registry.write_text("agency_id,name,relation,kind\n"
                        "education,区教育局,name,教育口\n", encoding="utf-8")
    result = _run(source, AgencyRegistry.from_file(registry))
    mine = result.facts[result.facts["agency_id"] == "education"]
    assert len(mine) and set(mine["agency_kind"]) == {"教育口"}
    others = result.reports[result.reports["agency_id"] != "education"].dropna(
        subset=["agency_id"])
    # names the file does not list still get the kind their ending gives
    assert set(others["agency_kind"]) == {"区政府部门"}


def test_same_input_gives_the_same_rows(source: Path, result: BatchResult) -> None:
    again = _run(source)
    for name in DATASETS:
        pd.testing.assert_frame_equal(getattr(again, name), getattr(result, name))
    assert again.outcomes == result.outcomes


def test_process_batch_from_picklable_arguments(source: Path, result: BatchResult) -> None:
    files = _files(source)
    batch = process_batch(f"file://{source}", files, None, RUN, WHEN)
    for name in DATASETS:
        pd.testing.assert_frame_equal(getattr(batch, name), getattr(result, name))


def test_process_batch_with_an_operator_registry(tmp_path: Path) -> None:
    registry = _put(tmp_path, "agencies.csv",
                    "\ufeff# ops\nagency_id,name,relation\n,江州市云溪区,region\n,区,region\n"
                    "edu,区教育局,name\n")
    root = tmp_path / "src"
    _put(root, "江州市云溪区教育局/2020.txt", EDU_2020.data)
    batch = process_batch(str(root), _files(root), str(registry), RUN, WHEN)
    row = _report_row(batch, "江州市云溪区教育局/2020.txt")
    assert (row["agency_id"], row["agency"], row["status"]) == ("edu", "区教育局", OK)
    assert load_registry(None) is AgencyRegistry.bundled()


# ---------------------------------------------------------------------- failures


def test_file_without_tables_fails_with_its_reason(tmp_path: Path) -> None:
    _put(tmp_path, "区民政局/2020.txt", "区民政局2020年政府信息公开工作年度报告\n全年工作平稳。\n")
    _put(tmp_path, "区司法局/2020.txt",
         "区司法局2020年政府信息公开工作年度报告\n全年收到申请12件，答复12件。\n")
    batch = _run(tmp_path)
    _assert_typed(batch)
    assert batch.facts.empty and batch.checks.empty
    for rel, agency_id in (("区民政局/2020.txt", "civil_affairs"), ("区司法局/2020.txt", "justice")):
        row = _report_row(batch, rel)
        assert (row["status"], row["agency_id"], row["year"], row["n_facts"]) == (
            FAILED, agency_id, 2020, 0)
        assert row["error"] == "not a report: no numbers in the text"
        assert pd.isna(row["template"])
        assert _outcome(batch, rel).status == FAILED


def test_numbers_but_no_tables(tmp_path: Path) -> None:
    text = ("区民政局2020年政府信息公开工作年度报告\n"
            "| 项目 | 数量 |\n| 会议 | 12 |\n| 文件 | 30 |\n")
    _put(tmp_path, "区民政局/2020.txt", text)
    row = _report_row(_run(tmp_path), "区民政局/2020.txt")
    assert row["status"] == FAILED
    assert row["error"] == "no statistical tables (表二/表三/表四) found"


def test_report_without_agency_or_year_fails_naming_the_layout(tmp_path: Path) -> None:
    _put(tmp_path, "misc/report.txt", _body_only(EDU_2020))
    batch = _run(tmp_path)
    row = _report_row(batch, "misc/report.txt")
    assert row["status"] == FAILED
    assert row["error"] == NO_IDENTITY
    assert "folder layout" in row["error"]
    assert pd.isna(row["year"]) and pd.isna(row["agency_id"])
    assert row["n_facts"] == 0
    assert batch.facts.empty and batch.checks.empty  # nothing loaded without an identity
    assert _outcome(batch, "misc/report.txt") == Outcome(
        "misc/report.txt", FAILED, NO_IDENTITY, None, None)
    _assert_typed(batch)


def test_report_without_agency_but_with_year_in_path(tmp_path: Path) -> None:
    _put(tmp_path, "misc/2020.txt", _body_only(EDU_2020))
    row = _report_row(_run(tmp_path), "misc/2020.txt")
    assert row["status"] == FAILED
    assert row["error"] == ("no agency: neither the folder layout <agency>/<year>.<ext> nor "
                            "the report's title or opening lines name it")
    assert row["year"] == 2020


def test_identity_from_the_title_when_the_path_has_none(tmp_path: Path) -> None:
    _put(tmp_path, "misc/report.txt", EDU_2020.data)
    row = _report_row(_run(tmp_path), "misc/report.txt")
    assert (row["status"], row["agency_id"], row["year"]) == (OK, "education", 2020)


def test_truncated_report_is_partial(tmp_path: Path) -> None:
    truncated = _lines_without(EDU_2020.text, "四、政府信息公开行政复议", "五、")
    assert "行政复议" not in truncated.split("三、收到和处理")[1].split("五、")[0]
    _put(tmp_path, "区教育局/2020.txt", truncated)
    batch = _run(tmp_path)
    row = _report_row(batch, "区教育局/2020.txt")
    assert row["status"] == PARTIAL
    assert row["error"].startswith("table_missing: 表四")
    assert "table_missing" in row["warnings"]
    n_reviews = sum(f["table"] == "reviews_litigation" for f in EDU_2020.facts)
    assert row["n_facts"] == len(EDU_2020.facts) - n_reviews == len(batch.facts)
    assert "reviews_litigation" not in set(batch.facts["table"])
    outcome = _outcome(batch, "区教育局/2020.txt")
    assert (outcome.status, outcome.error) == (PARTIAL, row["error"])
    assert outcome.warnings == (row["warnings"],)


def test_unregistered_agency_loads_under_a_new_id(tmp_path: Path) -> None:
    report = generate_report(3, agency="区气象局", year=2021, layout="pipe", encoding="utf-8")
    _put(tmp_path, "区气象局/2021.txt", report.data)
    batch = _run(tmp_path)
    row = _report_row(batch, "区气象局/2021.txt")
    new_id = AgencyRegistry.bundled().resolve("区气象局").agency_id
    assert new_id.startswith("new-")
    assert (row["status"], row["agency_id"], row["agency"]) == (OK, new_id, "区气象局")
    assert pd.isna(row["error"])
    assert row["n_warnings"] == 1
    assert row["warnings"] == (f"agency_unregistered: agency '区气象局' is not in the agency "
                               f"registry; loaded under the new id {new_id}")
    assert set(batch.facts["agency_id"]) == {new_id}
    assert _outcome(batch, "区气象局/2021.txt").warnings == (row["warnings"],)


def test_unregistered_agency_is_known_to_an_operator_registry(tmp_path: Path) -> None:
    report = generate_report(3, agency="区气象局", year=2021, layout="pipe", encoding="utf-8")
    _put(tmp_path, "src/区气象局/2021.txt", report.data)
    registry = AgencyRegistry([{"agency_id": "weather", "name": "区气象局", "relation": "name"}])
    row = _report_row(_run(tmp_path / "src", registry), "区气象局/2021.txt")
    assert (row["status"], row["agency_id"], row["n_warnings"]) == (OK, "weather", 0)


def test_internal_error_costs_one_file(source: Path, monkeypatch: pytest.MonkeyPatch,
                                       caplog: pytest.LogCaptureFixture) -> None:
    real: Callable[..., ExtractedReport] = extract_bytes

    def flaky(data: bytes, *, name: str = "", **kwargs: Any) -> ExtractedReport:
        if name == "区应急管理局/2022.md":
            raise RuntimeError("boom")
        return real(data, name=name, **kwargs)

    monkeypatch.setattr(process_mod, "extract_bytes", flaky)
    batch = _run(source)
    row = _report_row(batch, "区应急管理局/2022.md")
    assert (row["status"], row["error"]) == (FAILED, "internal error: RuntimeError: boom")
    assert (row["agency_id"], row["year"]) == ("emergency", 2022)
    assert row["source_sha256"] == hashlib.sha256(EMG_2022.data).hexdigest()
    assert row["bytes"] == len(EMG_2022.data)
    assert "区应急管理局/2022.md" not in set(batch.facts["source"])
    others = batch.reports[batch.reports["source"] != "区应急管理局/2022.md"]
    assert list(others["status"]) == [OK, OK, OK]
    assert "internal error" in caplog.text and "RuntimeError: boom" in caplog.text
    _assert_typed(batch)


def test_transient_read_error_escapes_and_files_are_read_one_at_a_time(
        source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The error escapes for a retry of the batch; each file is read just before it is
    parsed, so a batch never holds all its bytes at once (a worker's memory is
    limited), and nothing after the failed read is read."""
    real_open = open
    events: list[str] = []

    def failing_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        path = Path(os.fsdecode(file)) if isinstance(file, str | bytes | os.PathLike) else None
        if path is not None and source in path.parents:
            rel = path.relative_to(source).as_posix()
            events.append(f"read {rel}")
            if rel == "区财政局/2021.txt":
                raise OSError(errno.EIO, "Input/output error")
        return real_open(file, *args, **kwargs)

    def counting(data: bytes, *, name: str = "", **kwargs: Any) -> ExtractedReport:
        events.append(f"parse {name}")
        return extract_bytes(data, name=name, **kwargs)

    files = _files(source)  # (listing and hashing read every file: before the patch)
    monkeypatch.setattr("builtins.open", failing_open)
    monkeypatch.setattr(process_mod, "extract_bytes", counting)
    processor = ReportProcessor(LocalSource(source), AgencyRegistry.bundled(), RUN, WHEN)
    with pytest.raises(TransientReadError) as err:
        processor.process(files)
    assert err.value.errno == errno.EIO
    reports = [f.path for f in files if f.is_report]
    failing = reports.index("区财政局/2021.txt")
    expected = [e for path in reports[:failing] for e in (f"read {path}", f"parse {path}")]
    assert events == [*expected, "read 区财政局/2021.txt"]


def test_vanished_file_fails_alone(tmp_path: Path) -> None:
    _put(tmp_path, "区教育局/2020.txt", EDU_2020.data)
    _put(tmp_path, "区财政局/2021.txt", FIN_2021.data)
    files = _files(tmp_path)
    (tmp_path / "区财政局/2021.txt").unlink()
    batch = ReportProcessor(LocalSource(tmp_path), AgencyRegistry.bundled(), RUN,
                            WHEN).process(files)
    row = _report_row(batch, "区财政局/2021.txt")
    assert (row["status"], row["error"]) == (FAILED, "cannot read: No such file or directory")
    assert row["source_sha256"] == ""  # the crawl did not read it: a new file
    assert (row["agency_id"], row["year"]) == ("finance", 2021)
    assert _report_row(batch, "区教育局/2020.txt")["status"] == OK


def test_file_changed_after_the_crawl_is_recorded_as_parsed(tmp_path: Path) -> None:
    _put(tmp_path, "区教育局/2020.txt", "区教育局2020年政府信息公开工作年度报告\n")
    files = _files(tmp_path)
    _put(tmp_path, "区教育局/2020.txt", EDU_2020.data)
    batch = ReportProcessor(LocalSource(tmp_path), AgencyRegistry.bundled(), RUN,
                            WHEN).process(files)
    row = _report_row(batch, "区教育局/2020.txt")
    assert row["status"] == OK
    assert row["source_sha256"] == hashlib.sha256(EDU_2020.data).hexdigest()
    assert row["bytes"] == len(EDU_2020.data)
    assert set(batch.facts["source_sha256"]) == {row["source_sha256"]}


def test_too_large_file_fails(tmp_path: Path) -> None:
    data = EDU_2020.data + b"\n" * (8 * 1024 * 1024)
    _put(tmp_path, "区教育局/2020.txt", data)
    row = _report_row(_run(tmp_path), "区教育局/2020.txt")
    assert row["status"] == FAILED
    assert row["error"] == "too large for a report (more than 8 MB)"
    assert row["bytes"] == len(data)


# ------------------------------------------------------------ fail_batch / combine


def test_fail_batch() -> None:
    files = [SourceFile("区教育局/2020.txt", 10, "a" * 64),
             SourceFile("区气象局/2021.txt", 20, "b" * 64),
             SourceFile("misc/report.txt", 30, "c" * 64)]
    batch = fail_batch(files, "worker crashed", None, RUN, WHEN)
    _assert_typed(batch)
    assert batch.facts.empty and batch.checks.empty
    reports = batch.reports
    assert list(reports["source"]) == [f.path for f in files]
    assert list(reports["status"]) == [FAILED] * 3
    assert list(reports["error"]) == ["worker crashed"] * 3
    assert list(reports["bytes"]) == [10, 20, 30]
    assert list(reports["source_sha256"]) == ["a" * 64, "b" * 64, "c" * 64]
    assert reports.loc[0, "agency_id"] == "education"
    assert reports.loc[1, "agency_id"] == AgencyRegistry.bundled().resolve("区气象局").agency_id
    assert pd.isna(reports.loc[2, "agency_id"]) and pd.isna(reports.loc[2, "year"])
    assert list(reports["year"][:2]) == [2020, 2021]
    assert set(reports["run_id"]) == {RUN}
    assert batch.outcomes == [
        Outcome("区教育局/2020.txt", FAILED, "worker crashed", "区教育局", 2020),
        Outcome("区气象局/2021.txt", FAILED, "worker crashed", "区气象局", 2021),
        Outcome("misc/report.txt", FAILED, "worker crashed", None, None),
    ]


def test_combine(result: BatchResult) -> None:
    failed = fail_batch([SourceFile("区教育局/2019.txt", 1, "d" * 64)], "gone", None, RUN, WHEN)
    both = combine([result, failed])
    assert len(both.reports) == len(result.reports) + 1
    assert len(both.facts) == len(result.facts)
    assert len(both.checks) == len(result.checks)
    assert both.outcomes == [*result.outcomes, *failed.outcomes]
    assert list(both.reports.index) == list(range(len(both.reports)))
    assert both.reports["source"].iloc[-1] == "区教育局/2019.txt"
    _assert_typed(both)


def test_combine_nothing_gives_empty_typed_frames() -> None:
    empty = combine([])
    _assert_typed(empty)
    assert empty.facts.empty and empty.reports.empty and empty.checks.empty
    assert empty.outcomes == []


# ------------------------------------------------------------- warnings / status


def test_status_of() -> None:
    assert status_of([]) == OK
    assert status_of([Warning_("unit_assumed", "m"), Warning_("duplicate_row", "m")]) == OK
    assert status_of([Warning_("unit_assumed", "m"), Warning_("rows_missing", "m")]) == PARTIAL
    assert status_of([Warning_("table_missing", "m", 3)]) == PARTIAL
    assert status_of([Warning_("no_such_code", "m")]) == PARTIAL  # unknown: worth a rerun


def test_warning_codes_map() -> None:
    rows = read_map("warning_codes")
    codes = [r["code"] for r in rows]
    assert len(codes) == len(set(codes))
    assert all(r["status"] in (OK, PARTIAL) and r["meaning"] for r in rows)
    statuses = warning_statuses()
    assert statuses["table_missing"] == statuses["year_unknown"] == PARTIAL
    assert statuses["unit_assumed"] == statuses["unmapped_label"] == OK
    for code, status in statuses.items():
        assert status_of([Warning_(code, "m")]) == status


_EMIT = re.compile(r"(?:Warning_|self\.warn)\(\s*\"([a-z_]+)\"")


def _emitted_codes() -> set[str]:
    return {code for path in sorted((REPO / "extract").glob("*.py"))
            for code in _EMIT.findall(path.read_text("utf-8"))}


def test_emitted_codes_are_found() -> None:
    # the scan below must see the codes we know of, or it proves nothing
    assert {"table_missing", "rows_missing", "cells_missing", "short_row", "unit_assumed",
            "header_not_found", "header_partly_read", "duplicate_row", "unmapped_label",
            "unlabelled_values", "year_unknown", "agency_unknown"} <= _emitted_codes()


def test_every_emitted_code_has_a_status() -> None:
    assert sorted(_emitted_codes() - set(warning_statuses())) == []


# ------------------------------------------------------------------------- demo


def test_demo_data_processes_as_documented() -> None:
    """data/README.md: 30 agencies × 2019–2025, all ok (the rule breakers too, their
    failed checks being data), plus five broken files."""
    if not DEMO.is_dir():
        pytest.skip("data/demo is not present")
    batch = process_batch(str(DEMO), list(LocalSource(DEMO).files()), None, RUN, WHEN)
    assert len(batch.reports) == 30 * 7 + 4
    bad = batch.reports[batch.reports["status"] != OK]
    assert sorted(zip(bad["source"], bad["status"], strict=True)) == [
        ("区人民政府办公室/2018.txt", "failed"), ("区发展和改革局/2018.html", "failed"),
        ("区教育局/2018.txt", "partial"), ("区科学技术局/2018.pdf", "failed")]
    skipped = [o.source for o in batch.outcomes if o.status == SKIPPED]
    assert skipped == ["说明.txt"]
    new_ids = batch.reports.loc[batch.reports["agency_id"].str.startswith("new-"), "agency"]
    assert len(set(new_ids)) == 6  # the six towns the bundled registry does not list
    assert int(batch.reports["n_facts"].sum()) == len(batch.facts)
    _assert_typed(batch)


# ------------------------------------------------------ one report, several files

SAME_TXT = generate_report(11, layout="pipe", encoding="utf-8", agency="区应急管理局",
                           year=2023)
SAME_HTML = generate_report(11, layout="html", encoding="utf-8", agency="区应急管理局",
                            year=2023)
TXT, HTML = "区应急管理局/2023.txt", "区应急管理局/2023.html"


def _edited(report: GeneratedReport, old: str, new: str) -> bytes:
    text = report.data.decode("utf-8")
    assert text.count(old) == 1, old
    return text.replace(old, new).encode("utf-8")


def _cross_file(batch: BatchResult) -> pd.DataFrame:
    return batch.checks[batch.checks["rule"] == "cross_file"]


def test_the_same_report_twice_loads_one_file(tmp_path: Path) -> None:
    assert SAME_TXT.facts == SAME_HTML.facts
    _put(tmp_path, TXT, SAME_TXT.data)
    _put(tmp_path, HTML, SAME_HTML.data)
    _put(tmp_path, "区教育局/2020.txt", EDU_2020.data)
    batch = _run(tmp_path)
    _assert_typed(batch)
    html, txt = _report_row(batch, HTML), _report_row(batch, TXT)
    # Both files keep their row and their own status; the html is loaded (they agree).
    assert (html["status"], txt["status"]) == (OK, OK)
    assert pd.isna(html["superseded_by"]) and txt["superseded_by"] == HTML
    assert (txt["n_facts"], txt["n_checks_failed"]) == (0, 0)
    assert html["n_facts"] == len(SAME_HTML.facts) and html["n_checks_failed"] == 0
    assert set(batch.facts["source"]) == {HTML, "区教育局/2020.txt"}
    assert int(batch.reports["n_facts"].sum()) == len(batch.facts)
    assert TXT not in set(batch.checks["source"])
    # One cross_file row per cell both print, all agreeing, attributed to the html.
    cross = _cross_file(batch)
    assert len(cross) == len(SAME_HTML.facts)
    assert set(cross["source"]) == {HTML} and set(cross["other_source"]) == {TXT}
    assert bool(cross["passed"].all())
    assert set(cross["source_sha256"]) == {html["source_sha256"]}
    assert (set(cross["agency_id"]), set(cross["year"])) == ({"emergency"}, {2023})
    same = cross["expected"].isna() == cross["actual"].isna()
    assert bool(same.all())
    assert bool((cross["expected"].fillna(-1) == cross["actual"].fillna(-1)).all())
    # Every other check and row is as a single file would have it.
    others = batch.checks[batch.checks["rule"] != "cross_file"]
    assert others["other_source"].isna().all()
    edu = _report_row(batch, "区教育局/2020.txt")
    assert pd.isna(edu["superseded_by"])
    assert _outcome(batch, TXT).superseded_by == HTML
    assert _outcome(batch, TXT).disagreements == 0
    assert _outcome(batch, HTML).superseded_by is None
    assert batch.agency_years == {HTML: ("emergency", 2023), TXT: ("emergency", 2023),
                                  "区教育局/2020.txt": ("education", 2020)}
    assert pickle.loads(pickle.dumps(batch)).agency_years == batch.agency_years
    assert combine([batch, batch]).agency_years == batch.agency_years


def test_a_cell_that_differs_is_a_failed_cross_file_check(tmp_path: Path) -> None:
    # 表二 has no sums: the changed cell breaks no rule of the txt's own.
    _put(tmp_path, TXT, _edited(SAME_TXT, "行政许可 | 7 |", "行政许可 | 9 |"))
    _put(tmp_path, HTML, SAME_HTML.data)
    batch = _run(tmp_path)
    cross = _cross_file(batch)
    failed = cross[~cross["passed"]]
    assert len(failed) == 1
    row = failed.iloc[0]
    assert (row["table"], row["row_key"], row["expected"], row["actual"]) == (
        "active_disclosure", "licensing", 7.0, 9.0)
    assert (row["source"], row["other_source"]) == (HTML, TXT)
    # Both read cleanly: the html wins, and carries the disagreement as a failed check.
    assert _report_row(batch, TXT)["superseded_by"] == HTML
    assert _report_row(batch, HTML)["n_checks_failed"] == 1
    assert _outcome(batch, TXT).disagreements == 1
    assert int((~batch.checks["passed"]).sum()) == 1


def test_when_they_disagree_the_file_whose_sums_hold_wins(tmp_path: Path) -> None:
    row = "<td colspan=\"3\">一、本年新收政府信息公开申请数量</td><td>0</td>"
    _put(tmp_path, TXT, SAME_TXT.data)
    _put(tmp_path, HTML, _edited(SAME_HTML, row, row.replace("<td>0</td>", "<td>5</td>")))
    batch = _run(tmp_path)
    html, txt = _report_row(batch, HTML), _report_row(batch, TXT)
    assert html["superseded_by"] == TXT and pd.isna(txt["superseded_by"])
    assert set(batch.facts["source"]) == {TXT}
    assert html["n_facts"] == 0
    cross = _cross_file(batch)
    assert set(cross["source"]) == {TXT} and set(cross["other_source"]) == {HTML}
    failed = cross[~cross["passed"]]
    assert list(zip(failed["row_key"], failed["col_key"], failed["expected"],
                    failed["actual"], strict=True)) == [
        ("new_received", "natural_person", 0.0, 5.0)]
    # The html's own failed sums are not loaded: only the txt's checks are.
    assert set(batch.checks["source"]) == {TXT}
    assert txt["n_checks_failed"] == 1


def test_a_failed_file_loses_to_an_ok_one_without_cross_file_rows(tmp_path: Path) -> None:
    _put(tmp_path, TXT, SAME_TXT.data)
    _put(tmp_path, "区应急管理局/2023.pdf", b"%PDF-1.4 broken")
    batch = _run(tmp_path)
    pdf = _report_row(batch, "区应急管理局/2023.pdf")
    assert (pdf["status"], pdf["superseded_by"], pdf["n_facts"]) == (FAILED, TXT, 0)
    assert pd.isna(_report_row(batch, TXT)["superseded_by"])
    assert _cross_file(batch).empty
    assert _outcome(batch, "区应急管理局/2023.pdf").superseded_by == TXT


def test_an_agency_year_found_in_the_title_joins_its_siblings(tmp_path: Path) -> None:
    # misc/report.html names its agency-year only in its title.
    _put(tmp_path, TXT, SAME_TXT.data)
    _put(tmp_path, "misc/report.html", SAME_HTML.data)
    batch = _run(tmp_path)
    assert _report_row(batch, TXT)["superseded_by"] == "misc/report.html"
    assert len(_cross_file(batch)) == len(SAME_TXT.facts)


def test_single_file_agency_years_fill_no_new_column(result: BatchResult) -> None:
    assert result.reports["superseded_by"].isna().all()
    assert result.checks["other_source"].isna().all()
    assert "cross_file" not in set(result.checks["rule"])


# ------------------------------------------------------------------ per-file limits

MB = 2**20
# Tight enough that every hostile file ends within seconds; a report takes milliseconds
# and a few MB.
TIGHT = Limits(seconds=1, memory=256 * MB)
GUARDED = "the PDF's content streams inflate to more than 16 MB; not a report"
BATCH_MATES = {"区教育局/2020.txt": EDU_2020.data, "区应急管理局/2022.md": EMG_2022.data,
               "区财政局/2021.txt": FIN_2021.data}


def test_limits_come_from_the_environment() -> None:
    assert file_limits({}) == Limits(seconds=20.0, memory=1024 * MB)
    assert file_limits({"XXGK_FILE_CPU_SECONDS": "2.5", "XXGK_FILE_MEMORY_MB": " 300 "}) \
        == Limits(seconds=2.5, memory=300 * MB)
    for bad in ("0", "-1", "abc", "inf", "nan"):
        with pytest.raises(LimitsError, match="XXGK_FILE_MEMORY_MB must be a positive"):
            file_limits({"XXGK_FILE_MEMORY_MB": bad})


def test_a_refused_file_fails_with_its_reason_unparsed(
        source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []

    def counting(data: bytes, *, name: str = "", **kwargs: Any) -> ExtractedReport:
        parsed.append(name)
        return extract_bytes(data, name=name, **kwargs)

    monkeypatch.setattr(process_mod, "extract_bytes", counting)
    refused = {"区应急管理局/2022.md": TIME_LIMIT}
    batch = ReportProcessor(LocalSource(source), AgencyRegistry.bundled(), RUN,
                            WHEN).process(_files(source), refused)
    row = _report_row(batch, "区应急管理局/2022.md")
    assert (row["status"], row["error"]) == (FAILED, TIME_LIMIT)
    assert (row["agency_id"], row["year"]) == ("emergency", 2022)
    assert row["source_sha256"] == hashlib.sha256(EMG_2022.data).hexdigest()  # read
    assert "区应急管理局/2022.md" not in parsed and len(parsed) == 3
    assert _outcome(batch, "区应急管理局/2022.md").error == TIME_LIMIT


def test_a_memory_error_in_python_is_the_memory_limit(
        source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real: Callable[..., ExtractedReport] = extract_bytes

    def greedy(data: bytes, *, name: str = "", **kwargs: Any) -> ExtractedReport:
        if name == "区应急管理局/2022.md":
            raise MemoryError
        return real(data, name=name, **kwargs)

    monkeypatch.setattr(process_mod, "extract_bytes", greedy)
    batch = _run(source)
    assert _report_row(batch, "区应急管理局/2022.md")["error"] == MEMORY_LIMIT
    assert _report_row(batch, "区教育局/2020.txt")["status"] == OK


@pytest.fixture(scope="module")
def tight_pool() -> Iterator[WorkerPool]:
    with batch_pool(1, 1, limits=TIGHT) as pool:
        yield pool


def _with_hostile(root: Path, hostile_files: dict[str, bytes]) -> tuple[Path, Path]:
    """A source of the batch-mates with the hostile files among them, and one without."""
    alone, among = root / "alone", root / "among"
    for rel, data in BATCH_MATES.items():
        _put(alone, rel, data)
        _put(among, rel, data)
    for rel, data in hostile_files.items():
        _put(among, rel, data)
    return alone, among


def _assert_batch_mates_untouched(alone: Path, among: Path, result: BatchResult) -> None:
    """The batch-mates' rows are exactly those of a batch without the hostile files."""
    expected = process_batch(str(alone), _files(alone), None, RUN, WHEN)
    for name in ("facts", "checks"):
        pd.testing.assert_frame_equal(getattr(result, name).reset_index(drop=True),
                                      getattr(expected, name).reset_index(drop=True))
    reports = result.reports[result.reports["source"].isin(BATCH_MATES)]
    copy = ["source_mtime_ns"]  # the two sources are two copies of the files
    pd.testing.assert_frame_equal(reports.drop(columns=copy).reset_index(drop=True),
                                  expected.reports.drop(columns=copy))
    assert set(expected.reports["status"]) == {OK}


def test_hostile_pdfs_fail_alone_within_the_limits(tmp_path: Path,
                                                   tight_pool: WorkerPool) -> None:
    """A form drawing itself, forms nested deep, and Flate bombs dressed past the
    guard: each fails alone, refused by the guard or ended at a limit; its batch is made
    again without it, and its batch-mates' rows are as in a batch without it."""
    bombs = {f"区民政局/{2014 + i}.pdf": hostile.bomb_pdf(
        (512 if kind in ("extra_keys", "rc4") else 64) * MB, kind)
        for i, kind in enumerate(hostile.BOMB_KINDS)}
    forms = {"区商务局/2019.pdf": hostile.self_drawing_pdf(),
             "区商务局/2020.pdf": hostile.nested_forms_pdf()}
    alone, among = _with_hostile(tmp_path, {**forms, **bombs})
    started = time.monotonic()
    result = run_limited(tight_pool, process_batch, str(among), _files(among), None, RUN,
                         WHEN)
    elapsed = time.monotonic() - started
    errors = result.reports.set_index("source")["error"]
    kinds = dict(zip(bombs, hostile.BOMB_KINDS, strict=True))
    expected = {rel: MEMORY_LIMIT if kinds[rel] in ("extra_keys", "rc4") else GUARDED
                for rel in bombs}
    assert {rel: errors[rel] for rel in bombs} == expected
    for rel in forms:  # whichever limit it reaches first
        assert errors[rel] in (MEMORY_LIMIT, TIME_LIMIT), rel
    _assert_batch_mates_untouched(alone, among, result)
    # Four workers ended: each costs its limit and a fresh worker's start.
    assert elapsed < 120


def test_a_text_just_under_the_size_limit_is_bounded(tmp_path: Path,
                                                     tight_pool: WorkerPool) -> None:
    padded = hostile.padded_text(EDU_2020.data)
    alone, among = _with_hostile(tmp_path, {"区商务局/2021.txt": padded})
    result = run_limited(tight_pool, process_batch, str(among), _files(among), None, RUN,
                         WHEN)
    row = _report_row(result, "区商务局/2021.txt")
    assert (row["status"], row["error"]) == (FAILED, TIME_LIMIT)
    assert row["source_sha256"] == hashlib.sha256(padded).hexdigest()
    _assert_batch_mates_untouched(alone, among, result)


def test_a_crashing_parser_costs_its_file_alone(tmp_path: Path,
                                                tight_pool: WorkerPool) -> None:
    crashing = f"{pool_jobs.SEGFAULT_MARKER}/2020.txt"
    alone, among = _with_hostile(tmp_path, {crashing: EDU_2020.data})
    result = run_limited(tight_pool, pool_jobs.process_or_segfault, str(among),
                         _files(among), None, RUN, WHEN)
    assert _report_row(result, crashing)["error"] == "the parser crashed (SIGSEGV)"
    _assert_batch_mates_untouched(alone, among, result)


def test_a_worker_dying_outside_any_file_fails_the_batch(tmp_path: Path,
                                                         tight_pool: WorkerPool) -> None:
    _, among = _with_hostile(tmp_path, {f"{pool_jobs.CRASH_MARKER}/2020.txt": b"x"})
    with pytest.raises(WorkerCrashed, match="SIGKILL"):
        run_limited(tight_pool, pool_jobs.stage_or_crash, str(tmp_path / "stage"),
                    str(among), _files(among), None, RUN, WHEN)
