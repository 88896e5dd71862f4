"""The real flow on a real (temporary) warehouse: what operators and analysts rely on.

Runs ``xxgk run`` and the ``run_pipeline`` flow against a session-wide temporary
Prefect server (``conftest.py``) over sources written by the project's generator.
Covers: a first load and the incremental run after it, changed, new and broken
files, ``--failed`` and ``--agency`` reruns replacing exactly their rows, the lock,
retries of transient read errors, the flow's final state and artifact, the worker pool
(a crashed or stuck worker costs only its batch; the same warehouse as in-process) and
the Dask runner giving the same warehouse as the default one; the per-file limits (a
hostile file fails alone, a single batch is parsed in a worker too, a bad setting);
one report saved as several files, run after run (a page added
beside a text, the page broken, a copy outside the layout that the plan cannot place,
split between batches); names that are not UTF-8 or hold ANSI escapes processed, stored
and printed escaped; links out of the source, folders that cannot be read and files
over the size limit reported; the bundled demo, whose rule breakers load ok with their
failed checks, which the comparison report lists with their source files.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import pickle
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pool_jobs
import pytest
from demo_data import DEMO, demo_rule_breakers

import flows.pipeline
import load.batch.process
from extract.source import open_source
from flows.cli import main
from load.batch.plan import Selection, batches, plan_source
from load.warehouse import Warehouse
from synth import generate_report, hostile
from synth.corpus import write_corpus
from transform.agencies import load_registry

ROOT = Path(__file__).resolve().parents[2]
VOLATILE = ["run_id", "processed_at"]  # differ between two runs of the same input
pytestmark = pytest.mark.usefixtures("prefect_server")


def _source(tmp_path: Path, n_agencies: int = 3, years: range = range(2019, 2023)) -> Path:
    src = tmp_path / "src"
    write_corpus(src, n_agencies=n_agencies, years=years, seed=7)
    return src


def _run(*args: str) -> int:
    return main(["run", *args, "--quiet"])


def _frames(warehouse: Path) -> dict[str, pd.DataFrame]:
    store = Warehouse(warehouse)
    out = {}
    for name in ("facts", "reports", "checks"):
        frame = store.read(name).drop(columns=VOLATILE, errors="ignore")
        out[name] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return out


def _reports(warehouse: Path) -> pd.DataFrame:
    return Warehouse(warehouse).read("reports").set_index("source")


def test_first_run_loads_every_report_and_the_next_has_nothing_to_do(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, wh = _source(tmp_path), tmp_path / "wh"
    assert _run("--source", str(src), "--warehouse", str(wh)) == 0
    reports = _reports(wh)
    assert len(reports) == 12 and set(reports["status"]) == {"ok"}
    facts = Warehouse(wh).read("facts")
    assert len(facts) == reports["n_facts"].sum() > 12 * 150
    assert str(facts["year"].dtype) == "Int16"
    checks = Warehouse(wh).read("checks")
    carry = checks[checks["rule"] == "cross_year.carry"]
    # The generator keeps 上年结转(N) = 结转下年度(N-1): 3 agencies × 3 year pairs × 7 columns.
    assert len(carry) == 3 * 3 * 7 and carry["passed"].all()
    for dataset in ("facts", "reports", "checks"):
        for partition in (wh / dataset).glob("*/year=*"):  # below the snapshot's folder
            assert len(list(partition.glob("*.parquet"))) == 1, partition
    before = _frames(wh)
    capsys.readouterr()
    assert main(["run", "--source", str(src), "--warehouse", str(wh)]) == 0
    assert "nothing to do (12 unchanged)" in capsys.readouterr().out
    after = _frames(wh)
    for name in before:
        pd.testing.assert_frame_equal(before[name], after[name])


def test_a_run_writes_its_snapshot_s_manifest(tmp_path: Path) -> None:
    import hashlib

    from transform.agencies import registry_file

    src, wh = _source(tmp_path, n_agencies=2, years=range(2020, 2022)), tmp_path / "wh"
    registry = tmp_path / "agencies.csv"
    registry.write_bytes(registry_file(None).read_bytes() + b"\n")
    assert _run("--source", str(src), "--warehouse", str(wh)) == 0
    first = Warehouse(wh).current()
    assert first.manifest()["registry_sha256"] == hashlib.sha256(
        registry_file(None).read_bytes()).hexdigest()  # the bundled registry's
    (src / "区某局").mkdir()
    (src / "区某局" / "2021.txt").write_text("政府信息公开工作年度报告（无表）\n", encoding="utf-8")
    assert _run("--source", str(src), "--warehouse", str(wh), "--registry",
                str(registry)) == 1
    snapshot = Warehouse(wh).current()
    manifest = json.loads((wh / ".snapshots" / snapshot.id / "manifest.json").read_text())
    reports = Warehouse(wh).read("reports")
    assert manifest["snapshot"] == snapshot.id and manifest["parent"] == first.id
    assert manifest["run_id"] == reports.loc[reports["source"] == "区某局/2021.txt",
                                             "run_id"].item()
    assert manifest["source_root"] == str(src.absolute())
    assert manifest["registry_sha256"] == hashlib.sha256(registry.read_bytes()).hexdigest()
    assert manifest["xxgk_version"] == importlib.metadata.version("xxgk")
    assert manifest["created"].endswith("Z") and manifest["created"] >= first.manifest()[
        "created"]
    assert manifest["rows"] == {name: len(Warehouse(wh).read(name))
                                for name in ("facts", "reports", "checks")}
    assert manifest["reports"] == {"ok": 4, "partial": 0, "failed": 1}


def test_a_run_with_nothing_to_do_does_not_start_prefect(tmp_path: Path) -> None:
    src, wh = _source(tmp_path, n_agencies=1, years=range(2020, 2022)), tmp_path / "wh"
    assert _run("--source", str(src), "--warehouse", str(wh)) == 0
    code = textwrap.dedent(f"""
        import sys, time
        from flows.cli import main
        started = time.monotonic()
        rc = main(["run", "--source", {str(src)!r}, "--warehouse", {str(wh)!r}])
        print("RESULT", rc, "prefect" in sys.modules, round(time.monotonic() - started, 2))
    """)
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=120, check=True).stdout
    result = out.split("RESULT ")[1].split()
    assert result[:2] == ["0", "False"], out


def test_a_night_with_nothing_new_reads_no_file(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # Size and modification time as the ledger recorded them: the files are not read.
    src, wh = _source(tmp_path, n_agencies=1, years=range(2020, 2022)), tmp_path / "wh"
    assert _run("--source", str(src), "--warehouse", str(wh)) == 0
    assert _reports(wh)["source_mtime_ns"].notna().all()
    real_open = open

    def no_reports(file: object, *args: object, **kwargs: object) -> object:
        assert not str(file).startswith(str(src)), f"{file} was read"
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", no_reports)
    assert _run("--source", str(src), "--warehouse", str(wh)) == 0
    monkeypatch.undo()
    touched = sorted(src.rglob("*.*"))[0]
    os.utime(touched, ns=(touched.stat().st_atime_ns, touched.stat().st_mtime_ns + 10**9))
    assert _run("--source", str(src), "--warehouse", str(wh)) == 0  # hashed: unchanged
    assert _reports(wh)["run_id"].nunique() == 1


def test_the_flow_runs_on_the_plan_xxgk_run_made(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # The source is crawled once, under the lock the command holds until the publish.
    import flows.pipeline

    src, wh = _source(tmp_path, n_agencies=1, years=range(2020, 2022)), tmp_path / "wh"

    def no_second_plan(*args: object, **kwargs: object) -> None:
        raise AssertionError("the flow planned again")

    monkeypatch.setattr(flows.pipeline, "plan_source", no_second_plan)
    assert _run("--source", str(src), "--warehouse", str(wh)) == 0
    assert len(_reports(wh)) == 2
    assert flows.pipeline._HANDED == {}


def test_changed_new_and_broken_files(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    src, wh = _source(tmp_path), tmp_path / "wh"
    assert _run("--source", str(src), "--warehouse", str(wh)) == 0
    first = _reports(wh)
    agency_dir = sorted(p for p in src.iterdir() if p.is_dir())[0]
    changed = sorted(agency_dir.iterdir())[0]
    broken = agency_dir / "2024.txt"
    broken.write_text("关于政府信息公开工作的说明。本年度没有统计表。\n", encoding="utf-8")
    (src / "README.md").write_text("# notes about this folder\n", encoding="utf-8")
    data = changed.read_bytes()
    changed.write_bytes(data + b"\n")  # same report, new bytes
    capsys.readouterr()
    assert main(["run", "--source", str(src), "--warehouse", str(wh)]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "2024.txt" in out and "no numbers in the text" in out
    second = _reports(wh)
    rel_broken = broken.relative_to(src).as_posix()
    rel_changed = changed.relative_to(src).as_posix()
    assert second.loc[rel_broken, "status"] == "failed"
    assert "no numbers" in second.loc[rel_broken, "error"]
    assert second.loc[rel_broken, "year"] == 2024
    assert "README.md" not in second.index  # not a report: skipped, not recorded
    assert second.loc[rel_changed, "run_id"] != first.loc[rel_changed, "run_id"]
    untouched = first.index.difference([rel_changed])
    assert (second.loc[untouched, "run_id"] == first.loc[untouched, "run_id"]).all()
    # The operator sees the failure first.
    assert main(["status", "--warehouse", str(wh)]) == 0
    status = capsys.readouterr().out.splitlines()
    assert status[0].startswith("13 reports") and "1 failed" in status[0]
    assert status[1].startswith("failed") and rel_broken in status[1]
    # --failed reruns only that file; fixed, it loads and the run exits 0.
    other = sorted(p for p in src.iterdir() if p.is_dir())[1]
    (other / "2030.txt").write_bytes(changed.read_bytes())  # new: not for --failed
    broken.write_bytes(changed.read_bytes())
    third_before = _reports(wh)
    assert _run("--source", str(src), "--warehouse", str(wh), "--failed") == 0
    third = _reports(wh)
    assert third.loc[rel_broken, "status"] == "ok"
    assert third.loc[rel_broken, "run_id"] != third_before.loc[rel_broken, "run_id"]
    assert (other / "2030.txt").relative_to(src).as_posix() not in third.index
    assert (third.drop(index=rel_broken)["run_id"]
            == third_before.drop(index=rel_broken)["run_id"]).all()


def test_a_file_truncated_overnight_keeps_its_facts_until_fixed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, wh = _source(tmp_path, n_agencies=1, years=range(2020, 2022)), tmp_path / "wh"
    assert _run("--source", str(src), "--warehouse", str(wh)) == 0
    first, facts = _reports(wh), _frames(wh)["facts"]
    file = sorted(p for p in src.rglob("*") if p.is_file() and p.name.startswith("2020"))[0]
    rel = file.relative_to(src).as_posix()
    good = file.read_bytes()
    file.write_bytes(good[:200])  # a crawler's partial download
    capsys.readouterr()
    assert main(["run", "--source", str(src), "--warehouse", str(wh)]) == 1
    assert "stay published, marked stale" in capsys.readouterr().out
    second = _reports(wh)
    assert second.loc[rel, "status"] == "failed" and second.loc[rel, "error"]
    assert second.loc[rel, "stale"]
    assert second.loc[rel, "facts_sha256"] == first.loc[rel, "source_sha256"]
    assert second.loc[rel, "source_sha256"] != first.loc[rel, "source_sha256"]
    assert _frames(wh)["facts"].equals(facts)  # not one number taken away
    assert main(["status", "--warehouse", str(wh)]) == 0
    shown = capsys.readouterr().out
    assert (f"its facts of earlier bytes stay published (sha256 "
            f"{first.loc[rel, 'source_sha256'][:12]}…)") in shown
    assert main(["status", "--warehouse", str(wh), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    (mine,) = [r for r in rows if r["source"] == rel]
    assert mine["stale"] is True and mine["facts_sha256"] == first.loc[rel, "source_sha256"]
    file.write_bytes(good + b"\n")  # downloaded whole again
    assert _run("--source", str(src), "--warehouse", str(wh), "--failed") == 0
    third = _reports(wh)
    assert third.loc[rel, "status"] == "ok" and not third.loc[rel, "stale"]
    assert third.loc[rel, "facts_sha256"] == third.loc[rel, "source_sha256"]
    fresh = Warehouse(wh).read("facts", filters=[("source", "=", rel)])
    assert set(fresh["source_sha256"]) == {third.loc[rel, "source_sha256"]}
    assert len(fresh) == third.loc[rel, "n_facts"] == first.loc[rel, "n_facts"]
    assert (third["stale"] == False).all()  # noqa: E712


def test_files_that_leave_the_source_are_withdrawn(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, wh = _source(tmp_path), tmp_path / "wh"
    assert _run("--source", str(src), "--warehouse", str(wh)) == 0
    first = _reports(wh)
    agency_dir = sorted(p for p in src.iterdir() if p.is_dir())[0]
    renamed, deleted = sorted(p for p in agency_dir.iterdir() if p.is_file())[:2]
    new_name = renamed.with_suffix(".md" if renamed.suffix == ".txt" else ".txt")
    renamed.rename(new_name)
    kept = deleted.read_bytes()
    deleted.unlink()
    rel = {p: p.relative_to(src).as_posix() for p in (renamed, deleted, new_name)}
    capsys.readouterr()
    assert main(["run", "--source", str(src), "--warehouse", str(wh)]) == 0
    out = capsys.readouterr().out
    assert f"REMOVED  {rel[renamed]}" in out and f"REMOVED  {rel[deleted]}" in out
    second = _reports(wh)
    for path in (renamed, deleted):
        assert second.loc[rel[path], "status"] == "removed"
        assert second.loc[rel[path], "n_facts"] == 0
        assert second.loc[rel[path], "source_sha256"] == first.loc[rel[path], "source_sha256"]
    assert second.loc[rel[new_name], "status"] == "ok"
    facts, checks = Warehouse(wh).read("facts"), Warehouse(wh).read("checks")
    assert not set(facts["source"]) & {rel[renamed], rel[deleted]}
    assert not set(checks["source"]) & {rel[renamed], rel[deleted]}
    # The renamed file's agency-year is counted once.
    per_year = facts[facts["row_key"] == "new_received"].groupby(
        ["agency_id", "year"])["source"].nunique()
    assert (per_year == 1).all()
    # Nothing left to withdraw: the next run has nothing to do.
    assert _run("--source", str(src), "--warehouse", str(wh)) == 0
    assert _reports(wh)["run_id"].equals(second["run_id"])
    # A file back in the source is read again.
    deleted.write_bytes(kept)
    assert _run("--source", str(src), "--warehouse", str(wh)) == 0
    assert _reports(wh).loc[rel[deleted], "status"] == "ok"


def test_a_run_that_would_withdraw_many_files_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, wh = _source(tmp_path), tmp_path / "wh"
    assert _run("--source", str(src), "--warehouse", str(wh)) == 0
    before = _frames(wh)
    agency_dir = sorted(p for p in src.iterdir() if p.is_dir())[0]
    agency_dir.rename(tmp_path / "elsewhere")  # 4 of 12 files gone: an unmounted folder
    capsys.readouterr()
    assert _run("--source", str(src), "--warehouse", str(wh)) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "4 of the 12 report files" in err and "--allow-removals" in err
    assert all(_frames(wh)[n].equals(before[n]) for n in before)
    assert _run("--source", str(src), "--warehouse", str(wh), "--allow-removals") == 0
    reports = _reports(wh)
    assert (reports["status"] == "removed").sum() == 4


def test_the_flow_refuses_many_removals_unless_allowed(tmp_path: Path) -> None:
    from flows.pipeline import run_pipeline

    src, wh = _source(tmp_path, n_agencies=1, years=range(2020, 2022)), tmp_path / "wh"
    assert _run("--source", str(src), "--warehouse", str(wh)) == 0
    sorted(src.rglob("2020.*"))[0].unlink()  # 1 of 2: 50 %
    state = run_pipeline(source=str(src), warehouse=str(wh), quiet=True, return_state=True)
    assert state.is_failed() and "--allow-removals" in (state.message or "")
    assert set(_reports(wh)["status"]) == {"ok"}
    state = run_pipeline(source=str(src), warehouse=str(wh), quiet=True,
                         allow_removals=True, return_state=True)
    assert state.is_completed()
    assert sorted(_reports(wh)["status"]) == ["ok", "removed"]


def test_agency_rerun_replaces_exactly_its_rows(tmp_path: Path) -> None:
    src, wh = _source(tmp_path), tmp_path / "wh"
    assert _run("--source", str(src), "--warehouse", str(wh)) == 0
    before = _frames(wh)
    agency = sorted(p.name for p in src.iterdir() if p.is_dir())[1]
    first = _reports(wh)
    assert _run("--source", str(src), "--warehouse", str(wh), "--agency", agency) == 0
    second = _reports(wh)
    mine = second["agency"] == agency
    assert mine.sum() == 4
    assert (second.loc[mine, "run_id"] != first.loc[mine, "run_id"]).all()
    assert (second.loc[~mine, "run_id"] == first.loc[~mine, "run_id"]).all()
    after = _frames(wh)
    for name in before:  # same input: the rows are the same, none lost or doubled
        pd.testing.assert_frame_equal(before[name], after[name])


def test_the_rerun_deployment_s_agency_means_what_xxgk_run_s_does(tmp_path: Path) -> None:
    """``rerun`` with an agency chosen reprocesses all its reports, as ``--agency``;
    with nothing chosen, the failed and partial ones."""
    from flows.pipeline import rerun

    src, wh = _source(tmp_path), tmp_path / "wh"
    broken = src / "区某局" / "2021.txt"
    broken.parent.mkdir()
    broken.write_text("政府信息公开工作年度报告\n（空）\n", encoding="utf-8")
    assert _run("--source", str(src), "--warehouse", str(wh)) == 1
    first = _reports(wh)
    agency = sorted(p.name for p in src.iterdir() if p.is_dir())[1]
    assert rerun(source=str(src), warehouse=str(wh), agencies=[agency],
                 return_state=True).is_completed()
    second = _reports(wh)
    mine = second["agency"] == agency
    assert mine.sum() == 4 and (second.loc[mine, "run_id"] != first.loc[mine, "run_id"]).all()
    assert (second.loc[~mine, "run_id"] == first.loc[~mine, "run_id"]).all()
    assert rerun(source=str(src), warehouse=str(wh), return_state=True).is_failed()
    third = _reports(wh)
    again = third["run_id"] != second["run_id"]
    assert list(third.index[again]) == ["区某局/2021.txt"]  # the failed report only


def test_a_deployed_run_waits_for_the_warehouse_another_run_writes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from flows.pipeline import nightly

    src, wh = _source(tmp_path, n_agencies=1, years=range(2020, 2022)), tmp_path / "wh"
    monkeypatch.setattr(flows.pipeline, "LOCK_POLL_SECONDS", 0.1)

    def other_run(taken: threading.Event, release: threading.Event) -> None:
        with Warehouse(wh).locked():
            taken.set()
            release.wait(30)

    def holding() -> tuple[threading.Thread, threading.Event]:
        taken, release = threading.Event(), threading.Event()
        holder = threading.Thread(target=other_run, args=(taken, release))
        holder.start()
        assert taken.wait(10)
        return holder, release

    holder, release = holding()
    threading.Timer(2.0, release.set).start()
    started = time.monotonic()
    state = nightly(source=str(src), warehouse=str(wh), return_state=True)
    holder.join()
    assert state.is_completed() and time.monotonic() - started >= 2.0
    assert set(_reports(wh)["status"]) == {"ok"}
    # Past its wait, a run says the warehouse is busy, in one line.
    monkeypatch.setattr(flows.pipeline, "LOCK_WAIT_SECONDS", 0.3)
    holder, release = holding()
    state = nightly(source=str(src), warehouse=str(wh), registry="", return_state=True)
    release.set()
    holder.join()
    assert state.is_failed() and "is busy" in (state.message or "")


def test_a_second_run_on_a_locked_warehouse_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, wh = _source(tmp_path, n_agencies=1, years=range(2020, 2021)), tmp_path / "wh"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import time
            from load.warehouse import Warehouse
            with Warehouse({str(wh)!r}).locked():
                print("locked", flush=True)
                time.sleep(60)
        """)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        capsys.readouterr()
        assert main(["run", "--source", str(src), "--warehouse", str(wh)]) == 2
        err = capsys.readouterr().err
        assert str(wh) in err and str(holder.pid) in err
    finally:
        holder.kill()
        holder.wait()
    assert _run("--source", str(src), "--warehouse", str(wh)) == 0  # released on death


def test_transient_read_errors_are_retried(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.pipeline import run_pipeline

    src, wh = _source(tmp_path, n_agencies=1, years=range(2020, 2022)), tmp_path / "wh"
    # A single batch, parsed in a worker like any other: the flaky source is the worker's.
    monkeypatch.setattr(flows.pipeline, "stage_batch", pool_jobs.stage_reading_flakily)
    state = run_pipeline(source=str(src), warehouse=str(wh), workers=1, quiet=True,
                         return_state=True)
    summary = state.result(raise_on_failure=False)
    assert state.is_completed() and summary.counts["ok"] == 2
    calls = (tmp_path / "reads.log").read_text(encoding="utf-8").splitlines()
    assert len(calls) == 1 + 2  # the batch read both files again after the failure


def test_the_flow_fails_with_its_summary_and_publishes_an_artifact(tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.pipeline import RunFailed, run_pipeline
    from load.batch.summary import RunSummary

    src, wh = _source(tmp_path, n_agencies=1, years=range(2020, 2022)), tmp_path / "wh"
    (src / "区某局").mkdir()
    (src / "区某局" / "2021.txt").write_text("政府信息公开工作年度报告\n（空）\n",
                                           encoding="utf-8")
    started = time.time()
    state = run_pipeline(source=str(src), warehouse=str(wh), quiet=True, return_state=True)
    failure = state.result(raise_on_failure=False)  # an exception, as Prefect requires
    assert state.is_failed() and isinstance(failure, RunFailed)
    summary = failure.summary
    assert isinstance(summary, RunSummary) and str(failure) == summary.headline()
    assert pickle.loads(pickle.dumps(failure)).summary == summary  # results are persisted
    assert summary.counts["failed"] == 1 and summary.counts["ok"] == 2
    assert summary.exit_code == 1 and "1 failed" in (state.message or "")
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
            key=ArtifactFilterKey(any_=["xxgk-run-summary"])))
    latest = max(artifacts, key=lambda a: a.created)
    assert latest.created.timestamp() >= started - 5
    assert "区某局/2021.txt" in str(latest.data) and "| failed | 1 |" in str(latest.data)
    # Both good reports were written even though the run failed.
    assert set(_reports(wh)["status"]) == {"ok", "failed"}


def _failed_check_rows(page: str) -> list[tuple[str, str, str]]:
    """The comparison report's failed checks: (rule, source:line, link) of each row."""
    quality = re.search(r'<section id="data-quality">(.*?)</section>', page, re.S)
    assert quality, "no data-quality section"
    rows = []
    for row in re.findall(r'<tr class="check"[^>]*>(.*?)</tr>', quality.group(1), re.S):
        cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        link = re.search(r'<a class="src" href="([^"]+)">', row)
        rows.append((cells[3], cells[-1], link.group(1) if link else ""))  # year, agency, kind
    return rows


def test_the_demo_s_rule_breakers_load_ok_with_their_failed_checks_listed(
        tmp_path: Path) -> None:
    """data/README.md: the demo's rule breakers load ok; the checks they fail, and only
    those, are in the checks dataset and in the comparison report, linked to the file."""
    from load.compare import build_report

    if not DEMO.is_dir():
        pytest.skip("data/demo is not present")
    breakers = demo_rule_breakers(tmp_path / "truth")  # the generator's own truth
    assert breakers
    wh = tmp_path / "wh"
    assert _run("--source", str(DEMO), "--warehouse", str(wh)) == 1  # the broken files
    checks = Warehouse(wh).read("checks")
    failed = checks[~checks["passed"].astype(bool)]
    assert {source: set(rules) for source, rules in failed.groupby("source")["rule"]} == breakers
    reports = _reports(wh).loc[sorted(breakers)]
    assert set(reports["status"]) == {"ok"}
    assert reports["n_checks_failed"].tolist() == [
        int((failed["source"] == source).sum()) for source in reports.index]
    listed = _failed_check_rows(build_report(wh, source_root=DEMO))
    assert len(listed) == len(failed)
    rules: dict[str, set[str]] = {}
    for rule, where, link in listed:
        source = where.rsplit(":", 1)[0]
        rules.setdefault(source, set()).add(rule)
        assert link == (DEMO / source).resolve().as_uri(), where
    assert rules == breakers


def _with_marked_file(tmp_path: Path, marker: str) -> Path:
    """The usual source plus a copy of one of its reports under a marked folder."""
    src = _source(tmp_path)
    marked = src / marker / "2024.txt"
    marked.parent.mkdir()
    marked.write_bytes(sorted(src.rglob("*.txt"))[0].read_bytes())
    return src


def _batch_holding(src: Path, marker: str) -> set[str]:
    """The files of the batch the marked file falls in (as a 2-worker run cuts them)."""
    plan = plan_source(open_source(str(src)), pd.DataFrame(), Selection(), load_registry(None))
    work = batches(plan, 2)
    assert len(work) >= 2  # else the single batch would run in this process
    return {f.path for f in next(b for b in work if any(marker in f.path for f in b))}


def test_the_worker_pool_builds_the_warehouse_of_the_in_process_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = _source(tmp_path)
    _batch_holding(src, "")  # two batches at least: the pool is used
    alone, pooled = tmp_path / "alone", tmp_path / "pooled"
    assert _run("--source", str(src), "--warehouse", str(alone), "--workers", "1") == 0

    def second_pool(*args: object) -> None:
        raise AssertionError("the flow started a pool besides the one xxgk run started")

    monkeypatch.setattr(flows.pipeline, "batch_pool", second_pool)
    assert _run("--source", str(src), "--warehouse", str(pooled), "--workers", "2") == 0
    a, b = _frames(alone), _frames(pooled)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])
    assert not list((pooled / ".snapshots").glob(".tmp-*"))  # staging folder removed


def test_a_crashed_worker_costs_only_its_batch(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flows.pipeline, "stage_batch", pool_jobs.stage_or_crash)
    src, wh = _with_marked_file(tmp_path, pool_jobs.CRASH_MARKER), tmp_path / "wh"
    doomed = _batch_holding(src, pool_jobs.CRASH_MARKER)
    assert _run("--source", str(src), "--warehouse", str(wh)) == 1
    reports = _reports(wh)
    assert len(reports) == 13
    failed = reports[reports["status"] == "failed"]
    assert set(failed.index) == doomed
    assert failed["error"].str.contains("WorkerCrashed.*SIGKILL").all()
    assert set(reports.drop(index=list(doomed))["status"]) == {"ok"}
    monkeypatch.undo()  # the crash is gone: --failed loads the batch's files
    assert _run("--source", str(src), "--warehouse", str(wh), "--failed") == 0
    assert set(_reports(wh)["status"]) == {"ok"}


def test_a_stuck_batch_is_stopped_at_its_time_limit(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # Long enough for a handful of small reports on a swamped machine: the marked
    # batch never returns, so only the time limit ends it.
    monkeypatch.setattr(load.batch.process, "BATCH_TIMEOUT_SECONDS", 10)
    monkeypatch.setattr(flows.pipeline, "stage_batch", pool_jobs.stage_or_hang)
    src, wh = _with_marked_file(tmp_path, pool_jobs.HANG_MARKER), tmp_path / "wh"
    doomed = _batch_holding(src, pool_jobs.HANG_MARKER)
    assert _run("--source", str(src), "--warehouse", str(wh)) == 1
    reports = _reports(wh)
    failed = reports[reports["status"] == "failed"]
    assert set(failed.index) == doomed
    assert failed["error"].str.contains("WorkerTimeout: still running after 10 s").all()
    assert set(reports.drop(index=list(doomed))["status"]) == {"ok"}


def test_a_transient_error_in_a_worker_is_retried(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flows.pipeline, "stage_batch", pool_jobs.stage_or_fail_once)
    src, wh = _with_marked_file(tmp_path, pool_jobs.FLAKY_MARKER), tmp_path / "wh"
    assert _run("--source", str(src), "--warehouse", str(wh)) == 0
    assert len(_reports(wh)) == 13 and set(_reports(wh)["status"]) == {"ok"}


def test_the_runs_process_never_loads_prefects_server(tmp_path: Path) -> None:
    """The temporary server runs in a process of its own: its app (FastAPI, SQLAlchemy,
    ≈ 80 MB) is never imported into the run's process."""
    src, wh = _source(tmp_path, n_agencies=1, years=range(2020, 2021)), tmp_path / "wh"
    assert _run("--source", str(src), "--warehouse", str(wh)) == 0
    assert "prefect.server.api.server" not in sys.modules


def test_dask_runner_builds_the_same_warehouse(tmp_path: Path) -> None:
    src = _source(tmp_path, n_agencies=2, years=range(2019, 2022))
    default, dask = tmp_path / "default", tmp_path / "dask"
    assert _run("--source", str(src), "--warehouse", str(default)) == 0
    assert _run("--source", str(src), "--warehouse", str(dask), "--dask-workers", "2") == 0
    a, b = _frames(default), _frames(dask)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])


def test_a_dask_run_sets_distributeds_loggers_to_warning(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import logging

    monkeypatch.delenv("DASK_LOGGING__DISTRIBUTED", raising=False)
    runner = flows.pipeline.choose_runner(2, 2, None, 2)  # the cluster starts on entry
    assert type(runner).__name__ == "DaskTaskRunner"
    for name in ("distributed", "distributed.scheduler", "distributed.nanny",
                 "distributed.core", "prefect.task_runner.dask"):
        assert logging.getLogger(name).getEffectiveLevel() == logging.WARNING, name
    assert os.environ["DASK_LOGGING__DISTRIBUTED"] == "warning"  # the workers' too


def test_a_run_on_its_temporary_server_links_no_ui() -> None:
    # The run's own server has no UI and stops with the run: no "View at http://…".
    from prefect.settings import PREFECT_UI_URL
    from prefect.utilities.urls import url_for

    assert not PREFECT_UI_URL.value()
    assert url_for("flow-run", obj_id="5a6b") is None


def test_the_log_groups_repeated_warnings_by_agency(tmp_path: Path) -> None:
    import logging

    from load.batch.process import OK, Outcome

    records: list[tuple[int, str]] = []

    class Log:
        def warning(self, fmt: str, *args: object) -> None:
            records.append((logging.WARNING, fmt % args))

        def debug(self, fmt: str, *args: object) -> None:
            records.append((logging.DEBUG, fmt % args))

        def error(self, fmt: str, *args: object) -> None:
            records.append((logging.ERROR, fmt % args))

    warning = "agency_unregistered: agency '镇' is not in the agency registry"
    outcomes = [Outcome(f"镇/{y}.txt", OK, "", "镇", y, (warning,)) for y in (2020, 2021)]
    outcomes.append(Outcome("局/2020.txt", "failed", "the file is empty", "局", 2020))
    outcomes.append(Outcome("局/2021.txt", "failed", "the file is empty", "局", 2021))
    flows.pipeline._log_outcomes(Log(), outcomes, quiet=False)
    assert [text for level, text in records if level == logging.ERROR] == [
        "局/2020.txt: failed: the file is empty", "局/2021.txt: failed: the file is empty"]
    warnings = [text for level, text in records if level == logging.WARNING]
    assert len(warnings) == 1 and warnings[0].startswith(
        "镇: 2 agency_unregistered warnings in 2 files (镇/2020.txt, 镇/2021.txt)")
    assert [text for level, text in records if level == logging.DEBUG] == [
        f"镇/2020.txt: {warning}", f"镇/2021.txt: {warning}"]


# The documented columns (docs/data-dictionary.md), in their order; extensions last.
DOCUMENTED = {
    "facts": {"year": "int16", "agency_id": "string", "agency": "string",
              "template": "string", "table": "string", "row_key": "string",
              "col_key": "string", "value": "double", "unit": "string", "cell": "string",
              "raw_row_label": "string", "raw_col_label": "string", "raw_value": "string",
              "source": "string", "source_sha256": "string", "line": "int32"},
    "reports": {"year": "int16", "agency_id": "string", "agency": "string",
                "template": "string", "source": "string", "source_sha256": "string",
                "bytes": "int64", "encoding": "string", "format": "string",
                "title": "string", "status": "string", "error": "string",
                "n_facts": "int32", "n_checks_failed": "int32", "run_id": "string",
                "processed_at": "timestamp[us, tz=UTC]"},
    "checks": {"year": "int16", "agency_id": "string", "source_sha256": "string",
               "rule": "string", "table": "string", "row_key": "string",
               "col_key": "string", "expected": "double", "actual": "double",
               "passed": "bool"},
}


def test_datasets_match_the_dictionary_and_read_alike_in_pandas_and_duckdb(
        tmp_path: Path) -> None:
    import duckdb
    import pyarrow.dataset as ds

    from load.schema import hive_partitioning

    src, wh = _source(tmp_path, n_agencies=2, years=range(2020, 2023)), tmp_path / "wh"
    (src / "区某局").mkdir()
    (src / "区某局" / "2021.txt").write_bytes(b"\x00\xff" * 50)  # a failed report
    assert _run("--source", str(src), "--warehouse", str(wh)) == 1
    for name, columns in DOCUMENTED.items():
        dataset = ds.dataset(wh / name, format="parquet", partitioning=hive_partitioning(name))
        schema = {f.name: str(f.type) for f in dataset.schema}
        in_files = [c for c in schema if c != "year"]  # the partition key comes last
        documented = [c for c in columns if c != "year"]
        assert in_files[:len(documented)] == documented, name  # documented order first
        assert {k: schema[k] for k in columns} == columns, name
        # pandas, as the README tells analysts to read it, and DuckDB: the same rows.
        by_pandas = pd.read_parquet(wh / name)
        by_duckdb = duckdb.sql(
            f"SELECT * FROM read_parquet('{wh / name}/**/*.parquet', hive_partitioning=true)"
        ).df()
        assert len(by_pandas) == len(by_duckdb) == dataset.count_rows() > 0
        keys = ["source", "table", "row_key", "col_key"] if name == "facts" else (
            ["source"] if name == "reports" else ["source", "rule", "row_key", "col_key"])
        left = by_pandas.sort_values(keys, ignore_index=True)
        right = by_duckdb.sort_values(keys, ignore_index=True)
        for column in columns:
            if column == "year":
                assert left[column].astype(int).tolist() == right[column].astype(int).tolist()
                continue
            a, b = left[column].astype(object), right[column].astype(object)
            assert [None if pd.isna(x) else x for x in a] == \
                   [None if pd.isna(x) else x for x in b], (name, column)


def test_year_selection_reprocesses_exactly_that_year(tmp_path: Path) -> None:
    src, wh = _source(tmp_path), tmp_path / "wh"
    assert _run("--source", str(src), "--warehouse", str(wh)) == 0
    first = _reports(wh)
    assert _run("--source", str(src), "--warehouse", str(wh), "--year", "2021") == 0
    second = _reports(wh)
    rerun = second["run_id"] != first["run_id"]
    assert set(second.loc[rerun, "year"]) == {2021} and rerun.sum() == 3


def test_two_runs_at_once_never_corrupt_the_warehouse(tmp_path: Path) -> None:
    src, wh = _source(tmp_path), tmp_path / "wh"
    env = {**os.environ}
    commands = [[sys.executable, "-m", "flows.cli", "run", "--source", str(src),
                 "--warehouse", str(wh), "--full", "--quiet"] for _ in range(2)]
    runs = [subprocess.Popen(c, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for c in commands]
    results = [(r.wait(timeout=300), r.communicate()) for r in runs]
    codes = sorted(code for code, _ in results)
    # Either the second waited for nothing (the first had finished) or it was refused.
    assert codes in ([0, 0], [0, 2]), results
    if codes == [0, 2]:
        refused = next(err for code, (_, err) in results if code == 2)
        assert "another run" in refused or "locked" in refused, refused
    reports = _reports(wh)
    assert len(reports) == 12 and reports.index.is_unique
    facts = Warehouse(wh).read("facts")
    assert len(facts) == reports["n_facts"].sum()


def test_a_run_killed_at_any_moment_leaves_the_previous_data(tmp_path: Path) -> None:
    """kill -9 of `xxgk run --full` at several moments: every dataset reads back as
    either the previous content or the complete new one (the warehouse library tests
    inject a crash at each of its write steps; this is the whole command)."""
    src, wh = _source(tmp_path, n_agencies=2, years=range(2020, 2023)), tmp_path / "wh"
    assert _run("--source", str(src), "--warehouse", str(wh)) == 0
    before = _frames(wh)
    for file in sorted(src.rglob("*.*"))[:3]:
        file.write_bytes(file.read_bytes() + b"\n")  # new bytes: new hashes when rerun
    command = [sys.executable, "-m", "flows.cli", "run", "--source", str(src),
               "--warehouse", str(wh), "--quiet"]
    for delay in (0.5, 2.0, 4.0, 6.0):
        run = subprocess.Popen(command, cwd=ROOT, env={**os.environ},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        run.kill()
        run.wait()
        now = _frames(wh)
        same = all(now[n].equals(before[n]) for n in before)
        if not same:  # the run got to publish: then the new content is whole
            reports = Warehouse(wh).read("reports")
            assert len(reports) == 6 and reports["source"].is_unique
            assert len(Warehouse(wh).read("facts")) == reports["n_facts"].sum()
            before = now
    assert _run("--source", str(src), "--warehouse", str(wh)) == 0  # and it recovers


# ------------------------------------------------- one report, several files


def _emergency_2023(layout: str) -> bytes:
    return generate_report(11, layout=layout, encoding="utf-8", agency="区应急管理局",
                           year=2023).data


def _loaded_facts(wh: Path) -> pd.DataFrame:
    facts = Warehouse(wh).read("facts")
    return facts[(facts["agency_id"] == "emergency") & (facts["year"] == 2023)]


def _whole(wh: Path) -> None:
    """No agency-year counted twice, and the ledger's counts match the datasets."""
    reports = _reports(wh)
    facts, checks = Warehouse(wh).read("facts"), Warehouse(wh).read("checks")
    assert len(facts) == reports["n_facts"].sum()
    per_source = facts.groupby(["agency_id", "year"], observed=True)["source"].nunique()
    assert (per_source == 1).all(), per_source[per_source > 1]
    own = checks[checks["rule"] != "cross_year.carry"]
    failed = own[~own["passed"]].groupby("source").size()
    assert failed.to_dict() == {s: n for s, n in reports["n_checks_failed"].items() if n}
    losers = reports[reports["superseded_by"].notna()]
    assert not set(losers.index) & set(facts["source"]) and (losers["n_facts"] == 0).all()
    assert not set(losers.index) & set(checks["source"])


def test_one_report_in_several_files_loads_one_of_them_run_after_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, wh = _source(tmp_path, n_agencies=3, years=range(2019, 2023)), tmp_path / "wh"
    txt, html = src / "区应急管理局" / "2023.txt", src / "区应急管理局" / "2023.html"
    txt.parent.mkdir()
    txt.write_bytes(_emergency_2023("pipe"))
    assert _run("--source", str(src), "--warehouse", str(wh)) == 0
    n_cells = len(_loaded_facts(wh))
    assert n_cells > 150 and set(_loaded_facts(wh)["source"]) == {"区应急管理局/2023.txt"}
    first = _reports(wh)

    # A crawler saves the page too: both are compared, the page is loaded, once.
    html.write_bytes(_emergency_2023("html"))
    capsys.readouterr()
    assert main(["run", "--source", str(src), "--warehouse", str(wh)]) == 0
    out = capsys.readouterr().out
    assert ("NOTE     区应急管理局 2023 is read from 2 files: 区应急管理局/2023.html is loaded, "
            "区应急管理局/2023.txt is superseded (its cells agree)") in out
    reports = _reports(wh)
    assert len(reports) == 14
    assert reports.loc["区应急管理局/2023.txt", "superseded_by"] == "区应急管理局/2023.html"
    assert pd.isna(reports.loc["区应急管理局/2023.html", "superseded_by"])
    assert reports.loc["区应急管理局/2023.txt", "run_id"] != first.loc[
        "区应急管理局/2023.txt", "run_id"]  # read again, with its sibling
    assert len(_loaded_facts(wh)) == n_cells
    assert set(_loaded_facts(wh)["source"]) == {"区应急管理局/2023.html"}
    checks = Warehouse(wh).read("checks")
    cross = checks[checks["rule"] == "cross_file"]
    assert len(cross) == n_cells and cross["passed"].all()
    assert set(cross["other_source"]) == {"区应急管理局/2023.txt"}
    _whole(wh)
    assert main(["status", "--warehouse", str(wh)]) == 0
    status = capsys.readouterr().out
    assert "(1 superseded by another file of their agency-year)" in status.splitlines()[0]
    lines = status.splitlines()  # (the agency column as wide as the widest name)
    at = next(n for n, line in enumerate(lines) if line.endswith(" 区应急管理局/2023.txt"))
    assert lines[at].split() == ["ok", "2023", "区应急管理局", "区应急管理局/2023.txt"]
    assert lines[at + 1] == "         superseded by 区应急管理局/2023.html: not loaded"

    # The page is replaced by a broken one: the text is loaded again.
    html.write_text("区应急管理局2023年政府信息公开工作年度报告\n（无表格）\n", encoding="utf-8")
    assert _run("--source", str(src), "--warehouse", str(wh)) == 1
    reports = _reports(wh)
    assert reports.loc["区应急管理局/2023.html", "status"] == "failed"
    assert reports.loc["区应急管理局/2023.html", "superseded_by"] == "区应急管理局/2023.txt"
    assert pd.isna(reports.loc["区应急管理局/2023.txt", "superseded_by"])
    assert len(_loaded_facts(wh)) == n_cells
    assert set(_loaded_facts(wh)["source"]) == {"区应急管理局/2023.txt"}
    checks = Warehouse(wh).read("checks")
    assert "cross_file" not in set(checks["rule"])
    _whole(wh)

    # A copy outside the layout names its agency-year only in its title; with --full
    # it lands in another batch than its siblings (misc/ has no agency yet): the
    # agency-year is processed again, whole, and the copy (a page) is loaded.
    misc = src / "misc" / "report.html"
    misc.parent.mkdir()
    misc.write_bytes(_emergency_2023("html"))
    plan = plan_source(open_source(str(src)), Warehouse(wh).ledger(), Selection(full=True),
                       load_registry(None))
    cut = batches(plan, 2)
    holding = [i for i, b in enumerate(cut) for f in b
               if f.path in ("misc/report.html", "区应急管理局/2023.txt")]
    assert len(set(holding)) == 2  # the case under test: split between batches
    capsys.readouterr()
    assert main(["run", "--source", str(src), "--warehouse", str(wh), "--full"]) == 1
    out = capsys.readouterr().out
    assert ("区应急管理局 2023 is read from 3 files: misc/report.html is loaded, "
            "区应急管理局/2023.html is superseded (failed), 区应急管理局/2023.txt is "
            "superseded (its cells agree)") in out
    assert "15 reports processed: 1 failed, 14 ok" in out
    reports = _reports(wh)
    assert len(reports) == 15 and reports.index.is_unique
    assert reports.loc["区应急管理局/2023.txt", "superseded_by"] == "misc/report.html"
    assert set(_loaded_facts(wh)["source"]) == {"misc/report.html"}
    assert len(_loaded_facts(wh)) == n_cells
    _whole(wh)
    assert not list((wh / ".snapshots").glob(".tmp-*"))

    # A nightly run after it: nothing changed, nothing to do.
    capsys.readouterr()
    assert main(["run", "--source", str(src), "--warehouse", str(wh)]) == 0
    assert "nothing to do" in capsys.readouterr().out


# ----------------------------------------- hostile names, links, folders, huge files


def _put_report(root: Path, rel: bytes, seed: int, year: int = 2020) -> Path:
    """A generated report at a relative path given as the file system's bytes."""
    path = Path(os.fsdecode(os.path.join(os.fsencode(root), rel)))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(generate_report(seed, layout="pipe", year=year).data)
    return path


def test_names_not_utf8_or_with_escapes_are_processed_and_printed_escaped(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, wh = _source(tmp_path, n_agencies=1, years=range(2020, 2022)), tmp_path / "wh"
    _put_report(src, b"\xff\xfe\xe5\xb1\x80/2020.txt", 31)
    _put_report(src, "区审计局/2021".encode() + b"\xff.txt", 32, year=2021)
    _put_report(src, "区\x1b[31m局/2020.txt".encode(), 33)
    _put_report(src, "区\x1b[2J局/2021.txt".encode(), 34).write_bytes(b"")  # fails: empty
    capsys.readouterr()
    assert main(["run", "--source", str(src), "--warehouse", str(wh)]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "  FAILED   区\\x1b[2J局/2021.txt: the file is empty" in out.splitlines()
    reports = _reports(wh)
    assert reports.loc["\\xff\\xfe局/2020.txt", "status"] == "ok"
    assert reports.loc["区审计局/2021\\xff.txt", "status"] == "ok"  # named by its title
    assert reports.loc["区\x1b[31m局/2020.txt", "status"] == "ok"
    assert reports.loc["区\x1b[2J局/2021.txt", "status"] == "failed"
    assert len(reports) == 6
    facts = Warehouse(wh).read("facts")
    assert "\\xff\\xfe局/2020.txt" in set(facts["source"])
    # the next night finds every file by its stored name: nothing to do
    assert main(["run", "--source", str(src), "--warehouse", str(wh)]) == 0
    assert "nothing to do (5 unchanged, 1 unchanged and failed" in capsys.readouterr().out


def test_links_out_unreadable_folders_and_huge_files_are_reported(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    src, wh = _source(tmp_path, n_agencies=1, years=range(2020, 2022)), tmp_path / "wh"
    outside = tmp_path / "outside"
    _put_report(outside, "区财政局/2020.txt".encode(), 41)
    (src / "区财政局").symlink_to(outside / "区财政局")
    _put_report(src, "区审计局/2020.txt".encode(), 42)
    huge = src / "区统计局" / "2020.txt"
    huge.parent.mkdir()
    huge.touch()
    os.truncate(huge, 300 * 2**20)  # sparse: over the text limit, no room on disk
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:  # as a folder of mode 000 for a user not root
        if isinstance(path, str | os.PathLike) and Path(path) == src / "区审计局":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)  # the plan is made in this process
    capsys.readouterr()
    assert main(["run", "--source", str(src), "--warehouse", str(wh), "--workers", "1"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert "  plan: 1 folders that cannot be read, 1 links out of the source (not followed), " \
           "3 new" in lines
    assert "  FAILED   区统计局/2020.txt: too large for a report (more than 8 MB)" in lines
    assert ("  WARNING  folder 区审计局 cannot be read (Permission denied): its reports are "
            "not in this run") in lines
    assert (f"  WARNING  区财政局 is a link out of the source (to {outside.resolve()}/区财政局): "
            "not followed (xxgk run --follow-links follows it)") in lines
    reports = _reports(wh)
    assert sorted(reports.index)[-1] == "区统计局/2020.txt" and len(reports) == 3
    assert reports.loc["区统计局/2020.txt", "bytes"] == 300 * 2**20
    # followed when asked: the linked folder's report is loaded under the link's path
    assert _run("--source", str(src), "--warehouse", str(wh), "--follow-links") == 0
    assert _reports(wh).loc["区财政局/2020.txt", "status"] == "ok"


def test_log_lines_print_names_escaped() -> None:
    from load.batch.process import Outcome

    class Recorder:
        def __init__(self) -> None:
            self.lines: list[str] = []

        def error(self, message: str, *args: object) -> None:
            self.lines.append(message % args)

        warning = error

    logger = Recorder()
    flows.pipeline._log_outcomes(logger, [
        Outcome("区\x1b[31m局/2020.txt", "failed", "no tables\r\x1b[2K", None, 2020),
        Outcome("区\u202e局/2021.txt", "ok", "", "区\u202e局", 2021,
                warnings=("agency_unregistered: agency '区\u202e局' is not in the registry",)),
    ], quiet=False)
    assert logger.lines == [
        "区\\x1b[31m局/2020.txt: failed: no tables\\x0d\\x1b[2K",
        "区\\u202e局/2021.txt: agency_unregistered: agency '区\\u202e局' is not in the registry",
    ]


# ------------------------------------------------- limits and the run's lifetime

HOSTILE_ENV = {"XXGK_FILE_CPU_SECONDS": "1", "XXGK_FILE_MEMORY_MB": "256"}


def test_a_hostile_file_fails_alone_and_the_rest_loads_as_without_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = _source(tmp_path)
    alone, among = tmp_path / "alone", tmp_path / "among"
    assert _run("--source", str(src), "--warehouse", str(alone)) == 0
    hostile_pdf = src / sorted(p.name for p in src.iterdir() if p.is_dir())[0] / "2024.pdf"
    hostile_pdf.write_bytes(hostile.self_drawing_pdf())  # in a batch with other files
    for name, value in HOSTILE_ENV.items():
        monkeypatch.setenv(name, value)
    assert _run("--source", str(src), "--warehouse", str(among)) == 1
    reports = _reports(among)
    rel = hostile_pdf.relative_to(src).as_posix()
    assert reports.loc[rel, "status"] == "failed"
    assert reports.loc[rel, "error"] in ("resource limit: memory", "resource limit: time")
    a, b = _frames(alone), _frames(among)
    b["reports"] = b["reports"][b["reports"]["source"] != rel].reset_index(drop=True)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])


def test_a_single_batch_is_parsed_in_a_worker_within_the_limits(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No file is parsed in the run's own process, where nothing could bound it: a
    run's single batch goes to a worker too."""
    src, wh = _source(tmp_path, n_agencies=1, years=range(2020, 2022)), tmp_path / "wh"
    hostile_pdf = src / next(p.name for p in src.iterdir() if p.is_dir()) / "2024.pdf"
    hostile_pdf.write_bytes(hostile.self_drawing_pdf())
    assert len(batches(plan_source(open_source(str(src)), pd.DataFrame(), Selection(),
                                   load_registry(None)), 2)) == 1

    def not_here(*args: object, **kwargs: object) -> None:
        raise AssertionError("a file was parsed in the run's own process")

    monkeypatch.setattr(load.batch.process, "extract_bytes", not_here)
    for name, value in HOSTILE_ENV.items():
        monkeypatch.setenv(name, value)
    assert _run("--source", str(src), "--warehouse", str(wh)) == 1
    reports = _reports(wh)
    rel = hostile_pdf.relative_to(src).as_posix()
    assert reports.loc[rel, "error"] in ("resource limit: memory", "resource limit: time")
    assert set(reports.drop(index=rel)["status"]) == {"ok"}


def test_a_limit_that_is_no_number_is_a_configuration_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    src, wh = _source(tmp_path, n_agencies=1, years=range(2020, 2021)), tmp_path / "wh"
    monkeypatch.setenv("XXGK_FILE_CPU_SECONDS", "ten")
    assert _run("--source", str(src), "--warehouse", str(wh)) == 2
    assert "XXGK_FILE_CPU_SECONDS must be a positive number, not 'ten'" in \
        capsys.readouterr().err


def test_the_loaded_file_of_several_removed_loads_the_other(tmp_path: Path) -> None:
    src, wh = _source(tmp_path, n_agencies=3, years=range(2019, 2023)), tmp_path / "wh"
    txt, html = src / "区应急管理局" / "2023.txt", src / "区应急管理局" / "2023.html"
    txt.parent.mkdir()
    txt.write_bytes(_emergency_2023("pipe"))
    html.write_bytes(_emergency_2023("html"))
    assert _run("--source", str(src), "--warehouse", str(wh)) == 0
    n_cells = len(_loaded_facts(wh))
    assert set(_loaded_facts(wh)["source"]) == {"区应急管理局/2023.html"}
    html.unlink()
    assert _run("--source", str(src), "--warehouse", str(wh)) == 0
    reports = _reports(wh)
    assert reports.loc["区应急管理局/2023.html", "status"] == "removed"
    assert pd.isna(reports.loc["区应急管理局/2023.txt", "superseded_by"])
    assert set(_loaded_facts(wh)["source"]) == {"区应急管理局/2023.txt"}
    assert len(_loaded_facts(wh)) == n_cells
    _whole(wh)
    from load.views import connect
    (count,), = connect(wh).execute(
        "SELECT reports FROM agency_year_summary WHERE agency_id = 'emergency' "
        "AND year = 2023").fetchall()
    assert count == 1
