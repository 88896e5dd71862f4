"""The ``xxgk`` command line: exit codes, JSON on stdout, one-line errors on stderr;
names from the source (control characters, ANSI escapes, bytes that are not UTF-8)
printed escaped by ``extract``, ``status`` and ``run``; the ``--follow-links`` option."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pool_jobs
import pytest

from flows.cli import main
from synth import hostile

REPORT = """区统计局2020年政府信息公开工作年度报告
三、收到和处理政府信息公开申请情况
申请人情况
自然人 | 法人或其他组织 | 总计 |
商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 |
一、本年新收政府信息公开申请数量 | 2 | 0 | 0 | 0 | 0 | 0 | 3 |
"""


@pytest.fixture
def report_file(tmp_path: Path) -> Path:
    path = tmp_path / "2020.txt"
    path.write_text(REPORT, encoding="utf-8")
    return path


def test_extract_json(report_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(report_file), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["agency"], doc["year"]) == ("区统计局", 2020)
    row_sum = [c for c in doc["checks"] if c["rule"] == "applications.row_sum"]
    assert row_sum == [{"rule": "applications.row_sum", "table": "applications",
                        "row_key": "new_received", "col_key": "total", "expected": 2.0,
                        "actual": 3.0, "passed": False}]


def test_extract_summary_lists_failed_checks(report_file: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(report_file)]) == 0
    out = capsys.readouterr().out
    assert "FAILED applications.row_sum new_received/total: expected 2, printed 3.0" in out


def test_unreadable_file_exits_1_with_one_line(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    assert main(["extract", str(bad), "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == f"xxgk: {bad}: the file is empty"


def test_folder_extracts_every_file_and_reports_failures(
    report_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (report_file.parent / "junk.txt").write_bytes(bytes(range(256)) * 4)
    assert main(["extract", str(report_file.parent), "--json"]) == 1
    captured = capsys.readouterr()
    assert len(captured.out.strip().splitlines()) == 1
    assert captured.err == (f"xxgk: {report_file.parent / 'junk.txt'}: not a report: no "
                            "政府信息公开 words and figures in it\n")


def test_extract_says_not_a_report_as_a_run_does(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The reason of each file that is no report is the one a run gives it: skipped
    (outside the layout, no report's words) or failed (in the layout, no numbers)."""
    from extract.source import open_source
    from load.batch.process import process_batch

    (tmp_path / "notes.txt").write_text("会议纪要：下周二开会，地点另行通知。\n", encoding="utf-8")
    (tmp_path / "区统计局").mkdir()
    (tmp_path / "区统计局" / "2020.txt").write_text("政府信息公开工作年度报告（无表）\n",
                                                  encoding="utf-8")
    rows = process_batch(str(tmp_path), list(open_source(tmp_path).files()), None, "r",
                         datetime.now(UTC))
    by_run = {o.source: o.error for o in rows.outcomes}
    assert by_run == {"notes.txt": "not a report: no 政府信息公开 words and figures in it",
                      "区统计局/2020.txt": "not a report: no numbers in the text"}
    assert main(["extract", str(tmp_path), "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [f"xxgk: {tmp_path / path}: {reason}"
                                         for path, reason in sorted(by_run.items())]


def test_extract_json_lines_name_their_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = Path(os.fsdecode(os.fsencode(tmp_path) + b"/\xff\\"))
    folder.mkdir()
    for name in ("2019.txt", "2020.txt"):
        (folder / name).write_text(REPORT, encoding="utf-8")
    assert main(["extract", str(folder), "--json"]) == 0
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [d["file"] for d in docs] == [f"{tmp_path}/\\xff\\\\/{name}"
                                         for name in ("2019.txt", "2020.txt")]
    assert [d["year"] for d in docs] == [2019, 2020]
    assert main(["extract", str(folder / "2020.txt"), "--json"]) == 0  # one file: keyed too
    assert json.loads(capsys.readouterr().out)["file"] == f"{tmp_path}/\\xff\\\\/2020.txt"


def test_console_script_is_installed(report_file: Path) -> None:
    exe = Path(sys.executable).with_name("xxgk")
    if not exe.exists():
        pytest.skip("xxgk console script not installed next to this interpreter")
    proc = subprocess.run([str(exe), "extract", str(report_file), "--json"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["year"] == 2020


def test_empty_folder_is_a_one_line_error(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(tmp_path), "--json"]) == 1
    assert capsys.readouterr().err.strip() == f"xxgk: no files in {tmp_path}"


def test_an_internal_error_costs_one_file_not_the_folder(
    report_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import load.batch.single

    broken = report_file.parent / "0000.txt"
    broken.write_text(REPORT, encoding="utf-8")
    # (The worker runs the function the command passes it: one that hits a bug.)
    monkeypatch.setattr(load.batch.single, "extract_within_limits",
                        pool_jobs.extract_or_fail_on_0000)
    assert main(["extract", str(report_file.parent), "--json"]) == 1
    captured = capsys.readouterr()
    assert len(captured.out.strip().splitlines()) == 1  # 2020.txt still extracted
    assert captured.err.strip() == (f"xxgk: {broken}: internal error "
                                    "(AssertionError: boom second line)")


def test_extract_parses_each_file_within_the_limits(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A hostile file costs its limit and one line; the files after it are read."""
    (tmp_path / "2019.pdf").write_bytes(hostile.self_drawing_pdf())
    (tmp_path / "2020.txt").write_text(REPORT, encoding="utf-8")
    monkeypatch.setenv("XXGK_FILE_CPU_SECONDS", "1")
    monkeypatch.setenv("XXGK_FILE_MEMORY_MB", "256")
    assert main(["extract", str(tmp_path), "--json"]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["year"] == 2020
    assert captured.err in (f"xxgk: {tmp_path / '2019.pdf'}: resource limit: {which}\n"
                            for which in ("memory", "time"))


def test_extract_refuses_a_limit_that_is_no_number(
        report_file: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XXGK_FILE_MEMORY_MB", "-5")
    assert main(["extract", str(report_file)]) == 2
    assert capsys.readouterr().err == \
        "xxgk: XXGK_FILE_MEMORY_MB must be a positive number, not '-5'\n"


def test_agency_and_year_overrides(report_file: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(report_file), "--json", "--agency", "区统计局（新）",
                 "--year", "2019"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["agency"], doc["year"]) == ("区统计局（新）", 2019)


# ---------------------------------------------------------------- run, status, schema
# These paths end before Prefect starts (usage errors, nothing to do), so they need
# no server; the flow itself is tested in test_pipeline.py.

def _loaded_warehouse(tmp_path: Path, broken: bool = False) -> tuple[Path, Path]:
    """A source of generated reports and a warehouse holding them, published with the
    library directly (what a first `xxgk run` leaves behind)."""
    from warehouses import publish_source

    from synth.corpus import write_corpus

    src, wh = tmp_path / "src", tmp_path / "wh"
    write_corpus(src, n_agencies=2, years=range(2020, 2022), seed=3)
    if broken:
        (src / "区某局").mkdir()
        (src / "区某局" / "2021.txt").write_text("政府信息公开工作年度报告（无表）\n",
                                               encoding="utf-8")
    publish_source(src, wh)
    return src, wh


def test_run_refuses_a_missing_source(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--source", str(tmp_path / "nope"), "--warehouse",
                 str(tmp_path / "wh")]) == 2
    assert capsys.readouterr().err == f"xxgk: source {tmp_path / 'nope'} is not a folder\n"


def test_run_refuses_a_broken_registry(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    registry = tmp_path / "agencies.csv"
    registry.write_text("agency_id,name,relation\na,区甲局,boss\n", encoding="utf-8")
    assert main(["run", "--source", str(tmp_path), "--warehouse", str(tmp_path / "wh"),
                 "--registry", str(registry)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"xxgk: {registry}, line 2: relation 'boss'") and err[-1] == "\n"


def test_run_refuses_zero_workers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--source", str(tmp_path), "--warehouse", str(tmp_path / "wh"),
                 "--workers", "0"]) == 2
    assert "at least 1" in capsys.readouterr().err


def test_run_with_nothing_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, wh = _loaded_warehouse(tmp_path)
    assert main(["run", "--source", str(src), "--warehouse", str(wh)]) == 0
    assert capsys.readouterr().out == "xxgk run: nothing to do (4 unchanged)\n"
    assert main(["run", "--source", str(src), "--warehouse", str(wh), "--quiet"]) == 0
    assert capsys.readouterr().out == ""


@pytest.fixture
def no_flow(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """``xxgk run`` stopped where it would start Prefect: the plans it got there."""
    import flows.run

    plans: list[object] = []
    monkeypatch.setattr(flows.run, "_run_flow",
                        lambda args, store, plan: plans.append(plan) or 0)
    return plans


def test_run_refuses_an_agency_that_names_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], no_flow: list[object]) -> None:
    src, wh = _loaded_warehouse(tmp_path)  # 区住房和城乡建设局, 区城市管理局
    assert main(["run", "--source", str(src), "--warehouse", str(wh),
                 "--agency", "区应急管理"]) == 2
    assert capsys.readouterr() == ("", "xxgk: agency 区应急管理 is neither in the registry "
                                   "nor a folder of the source (did you mean 区应急管理局 or "
                                   "区应急局?)\n")
    (src / "区新设局").mkdir()  # a folder the registry lacks: a typo of it is close to it
    (src / "区新设局" / "2021.txt").write_text(REPORT, encoding="utf-8")
    assert main(["run", "--source", str(src), "--warehouse", str(wh),
                 "--agency", "区新设", "--agency", "区城市管理局"]) == 2
    assert capsys.readouterr().err.endswith("(did you mean 区新设局?)\n")
    assert no_flow == []  # refused before Prefect


def test_run_takes_an_unregistered_agency_named_by_its_folder(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], no_flow: list[object]) -> None:
    src, wh = _loaded_warehouse(tmp_path)
    (src / "区新设局").mkdir()
    (src / "区新设局" / "2021.txt").write_text(REPORT, encoding="utf-8")
    assert main(["run", "--source", str(src), "--warehouse", str(wh),
                 "--agency", "区新设局"]) == 0
    assert "'区新设局' is not in the registry" in capsys.readouterr().err
    assert [f.path for f in no_flow[0].todo] == ["区新设局/2021.txt"]  # type: ignore[attr-defined]


def test_run_refuses_a_year_of_no_report(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], no_flow: list[object]) -> None:
    src, wh = _loaded_warehouse(tmp_path)  # 2020 and 2021
    assert main(["run", "--source", str(src), "--warehouse", str(wh),
                 "--year", "2021", "--year", "2012"]) == 2
    assert capsys.readouterr() == ("", "xxgk: no report of 2012 in the source nor the "
                                   "warehouse (years there: 2020, 2021)\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["run", "--source", str(empty), "--warehouse", str(tmp_path / "new"),
                 "--year", "2020"]) == 2
    assert capsys.readouterr().err == ("xxgk: no report of 2020 in the source nor the "
                                       "warehouse (no reports there)\n")
    assert no_flow == []


def test_run_takes_a_year_the_ledger_holds(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], no_flow: list[object]) -> None:
    src, wh = _loaded_warehouse(tmp_path)
    for gone in src.glob("*/2020.*"):
        gone.unlink()
    # The year is matched (the ledger holds it): what stops the run is that every
    # file of it left the source, more than the share a run withdraws unasked.
    assert main(["run", "--source", str(src), "--warehouse", str(wh), "--year", "2020"]) == 2
    err = capsys.readouterr().err
    assert "no longer in the source" in err and "no report of 2020" not in err
    assert no_flow == []


def test_status_lists_failures_first(tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    _, wh = _loaded_warehouse(tmp_path, broken=True)
    assert main(["status", "--warehouse", str(wh)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"5 reports in {wh}: 1 failed, 0 partial, 4 ok"
    assert lines[1].split() == ["failed", "2021", "区某局", "区某局/2021.txt"]
    assert "no numbers in the text" in lines[2]
    assert [line.split()[0] for line in lines[3:]] == ["ok"] * 4
    assert main(["status", "--warehouse", str(wh), "--json"]) == 0
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [d["status"] for d in docs] == ["failed", "ok", "ok", "ok", "ok"]
    assert docs[0]["source"] == "区某局/2021.txt" and docs[0]["year"] == 2021
    assert docs[1]["error"] is None and docs[1]["n_facts"] > 100


def test_status_of_a_warehouse_with_nothing_published(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "src").mkdir()
    assert main(["run", "--source", str(tmp_path / "src"), "--warehouse",
                 str(tmp_path / "wh"), "--quiet"]) == 0
    assert main(["status", "--warehouse", str(tmp_path / "wh")]) == 0
    assert capsys.readouterr().out == f"xxgk status: no reports in {tmp_path / 'wh'} yet\n"


def test_status_refuses_a_path_that_is_no_warehouse(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def refusal(path: Path) -> str:
        assert main(["status", "--warehouse", str(path)]) == 2
        captured = capsys.readouterr()
        assert captured.out == "" and captured.err.count("\n") == 1
        return captured.err

    assert refusal(tmp_path / "nope") == f"xxgk: warehouse {tmp_path / 'nope'} does not exist\n"
    assert not (tmp_path / "nope").exists()
    (tmp_path / "empty").mkdir()
    assert refusal(tmp_path / "empty") == (
        f"xxgk: {tmp_path / 'empty'} is an empty folder without a warehouse's .snapshots: "
        "not a warehouse (xxgk run --warehouse makes one)\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "notes.txt").write_text("notes\n", encoding="utf-8")
    assert refusal(tmp_path / "src") == (
        f"xxgk: {tmp_path / 'src'} is a folder without a warehouse's .snapshots: "
        "not a warehouse (xxgk run --warehouse makes one)\n")
    assert refusal(tmp_path / "src" / "notes.txt") == (
        f"xxgk: warehouse {tmp_path / 'src' / 'notes.txt'} is a file, not a directory\n")


def test_schema_prints_the_shipped_data_dictionary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    shipped = (Path(__file__).resolve().parents[2] / "docs" / "data-dictionary.md")
    assert capsys.readouterr().out == shipped.read_text(encoding="utf-8")


@pytest.mark.parametrize("command", ["extract", "run", "status", "serve", "sql", "compare",
                                     "export"])
def test_every_command_help_has_an_example(command: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    assert "examples:" in out and f"xxgk {command} " in out.split("examples:")[1]


def test_status_shows_which_file_of_an_agency_year_is_loaded(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from warehouses import publish_source

    from synth import generate_report

    src, wh = tmp_path / "src", tmp_path / "wh"
    for layout, ext in (("pipe", "txt"), ("html", "html")):
        path = src / "区应急管理局" / f"2023.{ext}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(generate_report(11, layout=layout, agency="区应急管理局",
                                         year=2023).data)
    publish_source(src, wh)
    assert main(["status", "--warehouse", str(wh)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"2 reports in {wh}: 0 failed, 0 partial, 2 ok (1 superseded by another file of "
        "their agency-year)",
        "ok       2023  区应急管理局  区应急管理局/2023.html",
        "ok       2023  区应急管理局  区应急管理局/2023.txt",
        "         superseded by 区应急管理局/2023.html: not loaded",
    ]
    assert main(["status", "--warehouse", str(wh), "--json"]) == 0
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(d["source"], d["superseded_by"], d["n_facts"] > 0) for d in docs] == [
        ("区应急管理局/2023.html", None, True),
        ("区应急管理局/2023.txt", "区应急管理局/2023.html", False)]


def _mixed_warehouse(tmp_path: Path) -> Path:
    """Reports of agencies whose names differ in width: a registered one (also written
    by a former name), an unregistered one (a warning), a failed one."""
    from warehouses import publish_source

    from synth import generate_report

    src, wh = tmp_path / "src", tmp_path / "wh"
    for i, (agency, year) in enumerate((("区应急管理局", 2020), ("区应急管理局", 2021),
                                        ("桥溪街道办事处", 2021), ("区税局", 2021))):
        path = src / agency / f"{year}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(generate_report(30 + i, layout="pipe", agency=agency,
                                         year=year).data)
    (src / "区某局").mkdir()
    (src / "区某局" / "2021.txt").write_text("政府信息公开工作年度报告（无表）\n",
                                           encoding="utf-8")
    publish_source(src, wh)
    return wh


def test_status_filters_by_status_agency_and_year(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wh = _mixed_warehouse(tmp_path)

    def sources(*args: str) -> list[str]:
        assert main(["status", "--warehouse", str(wh), "--json", *args]) == 0
        return [json.loads(line)["source"] for line in capsys.readouterr().out.splitlines()]

    assert len(sources()) == 5
    assert sources("--status", "failed") == ["区某局/2021.txt"]
    assert sources("--status", "failed", "--status", "ok", "--year", "2020") == [
        "区应急管理局/2020.txt"]
    assert sources("--agency", "区安全生产监督管理局") == [  # a former name resolves
        "区应急管理局/2020.txt", "区应急管理局/2021.txt"]
    assert sources("--agency", "桥溪街道办事处", "--agency", "区某局") == [
        "区某局/2021.txt", "桥溪街道办事处/2021.txt"]
    assert sources("--year", "2019") == []
    assert main(["status", "--warehouse", str(wh), "--status", "failed"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        f"1 of 5 reports in {wh}: 1 failed, 0 partial, 0 ok")


def test_status_columns_align_by_display_width(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from load.status import width

    wh = _mixed_warehouse(tmp_path)
    assert main(["status", "--warehouse", str(wh)]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines()[1:]
            if not line.startswith(" ")]
    assert len(rows) == 5
    starts = {width(line[:line.index(line.split()[-1])]) for line in rows}
    assert len(starts) == 1  # every source starts in the same terminal column
    assert rows[0].startswith("failed   2021  区某局          区某局/2021.txt")


def test_status_json_has_the_warnings(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    wh = _mixed_warehouse(tmp_path)
    assert main(["status", "--warehouse", str(wh), "--json", "--agency", "桥溪街道办事处"]) == 0
    [doc] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert doc["n_warnings"] == len(doc["warnings"]) >= 1
    assert any(w.startswith("agency_unregistered: ") for w in doc["warnings"])


def test_status_csv_is_utf8_with_a_bom(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    import csv

    wh = _mixed_warehouse(tmp_path)
    out = tmp_path / "reports.csv"
    assert main(["status", "--warehouse", str(wh), "--csv", str(out)]) == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfstatus,source,")
    rows = list(csv.DictReader(data.decode("utf-8-sig").splitlines(keepends=True)))
    assert [r["source"] for r in rows][:1] == ["区某局/2021.txt"] and len(rows) == 5
    east = next(r for r in rows if r["agency"] == "桥溪街道办事处")
    assert "agency_unregistered" in east["warnings"]
    capsys.readouterr()
    assert main(["status", "--warehouse", str(wh), "--csv", "--status", "failed"]) == 0
    printed = capsys.readouterr().out  # the BOM goes to stdout too (bytes)
    assert "区某局/2021.txt" in printed


def test_display_width_counts_wide_characters_twice() -> None:
    from load.status import pad, width

    assert width("区应急管理局") == 12 and width("ab") == 2 and width("Ａ１") == 4
    assert width("e\u0301") == 1  # a combining accent takes no cell
    assert pad("区局", 6) == "区局  " and pad("abc", 2) == "abc"


# ------------------------------------------------- names printed escaped, links

ESC_AGENCY = "区\x1b[31m局"  # a folder named with an ANSI escape (red)
RLO_AGENCY = "区\u202e局"  # … with a right-to-left override


def test_extract_prints_names_escaped(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ESC_AGENCY).mkdir()
    (tmp_path / ESC_AGENCY / "2020.txt").write_text(REPORT, encoding="utf-8")
    (Path(os.fsdecode(os.fsencode(tmp_path) + b"/\xff.txt"))).write_bytes(b"")
    assert main(["extract", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert f"== {tmp_path}/区\\x1b[31m局/2020.txt" in captured.out.splitlines()
    assert captured.err == f"xxgk: {tmp_path}/\\xff.txt: the file is empty\n"
    assert "\x1b" not in captured.out + captured.err


def _hostile_warehouse(tmp_path: Path) -> tuple[Path, Path]:
    """A warehouse loaded from folders named with an ANSI escape, a right-to-left
    override and bytes that are not UTF-8."""
    from warehouses import publish_source

    from synth import generate_report

    src, wh = tmp_path / "src", tmp_path / "wh"
    for i, agency in enumerate((ESC_AGENCY, RLO_AGENCY, os.fsdecode(b"\xff\xfe\xe5\xb1\x80"))):
        (src / agency).mkdir(parents=True)
        (src / agency / "2020.txt").write_bytes(
            generate_report(20 + i, layout="pipe", year=2020).data)
    publish_source(src, wh)
    return src, wh


def test_status_prints_names_escaped(tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    _, wh = _hostile_warehouse(tmp_path)
    assert main(["status", "--warehouse", str(wh)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out
    sources = sorted(line.split()[-1] for line in out.splitlines()[1:])
    assert sources == ["\\xff\\xfe局/2020.txt", "区\\u202e局/2020.txt",
                       "区\\x1b[31m局/2020.txt"]


def test_status_json_escapes_names_and_keeps_their_values(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, wh = _hostile_warehouse(tmp_path)
    assert main(["status", "--warehouse", str(wh), "--json"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out
    docs = [json.loads(line) for line in out.splitlines()]
    assert sorted(d["source"] for d in docs) == [
        "\\xff\\xfe局/2020.txt", f"{ESC_AGENCY}/2020.txt", f"{RLO_AGENCY}/2020.txt"]


def test_run_with_nothing_to_do_names_the_links_it_did_not_follow(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, wh = _loaded_warehouse(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "2020.txt").write_text(REPORT, encoding="utf-8")
    (src / ESC_AGENCY).symlink_to(outside)
    assert main(["run", "--source", str(src), "--warehouse", str(wh)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "xxgk run: nothing to do (1 links out of the source (not followed), 4 unchanged)",
        f"  WARNING  区\\x1b[31m局 is a link out of the source (to {outside.resolve()}): "
        "not followed (xxgk run --follow-links follows it)",
    ]
    assert main(["run", "--source", str(src), "--warehouse", str(wh), "--quiet"]) == 0
    assert capsys.readouterr().out == ""


def test_run_has_a_follow_links_option() -> None:
    from flows.cli import build_parser

    base = ["run", "--source", "s", "--warehouse", "w"]
    assert build_parser().parse_args(base).follow_links is False
    assert build_parser().parse_args([*base, "--follow-links"]).follow_links is True


def test_extract_json_names_an_agency_from_a_folder_that_is_not_utf8(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = Path(os.fsdecode(os.fsencode(tmp_path) + b"/\xff\xfe\xe5\xb1\x80"))
    folder.mkdir()
    (folder / "2020.txt").write_text(REPORT, encoding="utf-8")
    assert main(["extract", str(folder / "2020.txt"), "--json"]) == 0
    out = capsys.readouterr().out
    out.encode("utf-8")  # no lone surrogate: any stdout can write it
    assert json.loads(out)["agency"] == "\\xff\\xfe局"


# ------------------------------------------------------ status --snapshots, retention

def test_status_snapshots_lists_the_kept_snapshots_newest_first(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from warehouses import publish_source

    from load.manifest import MANIFEST_FILE
    from load.warehouse import Warehouse

    src, wh = _loaded_warehouse(tmp_path, broken=True)
    first = Warehouse(wh).current().id
    (wh / ".snapshots" / first / MANIFEST_FILE).unlink()  # as written before manifests
    publish_source(src, wh, run_id="r2")
    second = Warehouse(wh).current().id
    assert main(["status", "--warehouse", str(wh), "--snapshots"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    created = Warehouse(wh).current().manifest()["created"]
    assert created.startswith("20") and created.endswith("Z")
    n_facts = len(Warehouse(wh).read("facts"))
    assert n_facts > 100
    assert lines[0] == (f"{second}  current  created {created}  run r2  "
                        f"reports 4 ok, 0 partial, 1 failed  facts {n_facts} rows")
    assert lines[1] == f"{first}  -        (no manifest)"
    assert main(["status", "--warehouse", str(wh), "--snapshots", "--json"]) == 0
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(d["snapshot"], d["current"]) for d in docs] == [(second, True), (first, False)]
    assert docs[0]["manifest"]["run_id"] == "r2" and docs[1]["manifest"] is None
    assert docs[0]["manifest"]["parent"] == first
    assert docs[0]["manifest"]["reports"] == {"ok": 4, "partial": 0, "failed": 1}
    assert docs[0]["manifest"]["rows"]["facts"] == n_facts


def test_status_snapshots_refuses_a_path_that_is_no_warehouse(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--warehouse", str(tmp_path / "nope"), "--snapshots"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"xxgk: warehouse {tmp_path / 'nope'} does not exist\n"


@pytest.mark.parametrize("value", ["1", "zero", "-2"])
def test_run_refuses_a_retention_setting_that_is_no_whole_number_of_two_or_more(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    src, wh = _loaded_warehouse(tmp_path)
    before = sorted(os.listdir(wh / ".snapshots"))
    monkeypatch.setenv("XXGK_KEEP_SNAPSHOTS", value)
    assert main(["run", "--source", str(src), "--warehouse", str(wh), "--full"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith("xxgk: XXGK_KEEP_SNAPSHOTS must be a whole number of at "
                                   "least 2") and repr(value) in captured.err
    assert sorted(os.listdir(wh / ".snapshots")) == before
