"""The ``xxgk`` command line: exit codes, JSON on stdout, one-line errors on stderr."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from flows.cli import main

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
    assert "junk.txt: binary data" in captured.err


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
    import extract.report

    real = extract.report.extract_file
    broken = report_file.parent / "0000.txt"
    broken.write_text(REPORT, encoding="utf-8")

    def flaky(path: Path, **kwargs: object):  # one file hits a bug
        if Path(path).name == "0000.txt":
            raise AssertionError("boom\nsecond line")
        return real(path, **kwargs)

    monkeypatch.setattr(extract.report, "extract_file", flaky)
    assert main(["extract", str(report_file.parent), "--json"]) == 1
    captured = capsys.readouterr()
    assert len(captured.out.strip().splitlines()) == 1  # 2020.txt still extracted
    assert captured.err.strip() == (f"xxgk: {broken}: internal error "
                                    "(AssertionError: boom second line)")


def test_agency_and_year_overrides(report_file: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(report_file), "--json", "--agency", "区统计局（新）",
                 "--year", "2019"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["agency"], doc["year"]) == ("区统计局（新）", 2019)
