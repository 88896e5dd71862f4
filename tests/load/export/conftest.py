"""The district every export test reads: ``xxgk compare``'s test district (4 agencies
of two kinds × 2018–2023, failed, partial and rule-breaking reports, a missing year, an
unregistered agency whose name needs escaping), built once, and its whole export."""

from __future__ import annotations

from pathlib import Path

import pytest
from district import make_district

from load.export import Written, export


@pytest.fixture(scope="session")
def district(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return make_district(tmp_path_factory.mktemp("export"))


@pytest.fixture(scope="session")
def exported(district: dict, tmp_path_factory: pytest.TempPathFactory) -> Written:
    """The whole warehouse as a workbook and CSV files."""
    root = tmp_path_factory.mktemp("exported")
    return export(district["wh"], out=root / "xxgk.xlsx", csv_dir=root / "csv")


@pytest.fixture(scope="session")
def workbook(exported: Written) -> Path:
    assert exported.workbook is not None
    return exported.workbook
