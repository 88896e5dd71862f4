"""``--year``, ``--agency`` and ``--kind``: applied in DuckDB to every sheet, the district
totals included, and refused in one line when the warehouse holds no such thing."""

from __future__ import annotations

import pytest

from load.export import (
    TOTAL_LABEL,
    Export,
    UnknownAgency,
    UnknownKind,
    UnknownYear,
    read_export,
)
from load.views import DISTRICT


def _sheet(export: Export, view: str) -> list[dict[str, object]]:
    table = next(t for t in export.tables if t.sheet.view == view)
    return [dict(zip((c.name for c in table.columns), row, strict=True)) for row in table.rows]


def test_a_kind_keeps_only_its_agencies_and_totals_them(district: dict) -> None:
    export = read_export(district["wh"], kinds=["区政府"])
    assert export.origin.selection.agency_ids == ("gov_office",)
    for view in ("agency_year_summary", "outcomes_wide", "reviews_litigation_wide",
                 "active_disclosure_wide", "data_quality", "failed_checks", "agencies"):
        rows = _sheet(export, view)
        assert rows, view
        assert {r["agency_kind"] for r in rows if r.get("agency") != TOTAL_LABEL} == {"区政府"}
    groupings = {r["grouping"] for r in _sheet(export, "district_year_summary")}
    assert groupings == {DISTRICT, "区政府"}
    summary = _sheet(export, "agency_year_summary")
    for total in (r for r in summary if r["agency"] == TOTAL_LABEL):
        alone = next(r for r in summary if r["year"] == total["year"] and r is not total)
        assert total["received"] == alone["received"]  # a total of the selection


def test_agencies_by_any_spelling(district: dict) -> None:
    export = read_export(district["wh"], agencies=["区教育体育局", "区市场监督管理局"])
    assert export.origin.selection.agency_ids == ("education", "market_regulation")
    names = {r["agency"] for r in _sheet(export, "agency_year_summary")}
    assert names == {"区教育局", "区市场监督管理局", TOTAL_LABEL}
    assert {r["agency"] for r in _sheet(export, "agencies")} == {"区教育局", "区市场监督管理局"}
    roster = {r["year"]: r["agencies"] for r in _sheet(export, "district_year_summary")
              if r["district"]}
    assert set(roster.values()) == {2}  # the district totals' roster is the selection


def test_years_narrow_rows_but_not_the_change_on_the_year_before(district: dict) -> None:
    export = read_export(district["wh"], years=[2023, 2022])
    assert export.origin.selection.years == (2022, 2023)
    for table in export.tables:
        years = {dict(zip((c.name for c in table.columns), row, strict=True)).get("year")
                 for row in table.rows}
        if table.sheet.view != "agencies":
            assert years <= {2022, 2023, None}, table.sheet.view
    summary = _sheet(export, "agency_year_summary")
    assert any(r["received_previous"] is not None for r in summary if r["year"] == 2022)


def test_active_disclosure_drops_the_other_templates_columns(district: dict) -> None:
    table = next(t for t in read_export(district["wh"], years=[2019, 2020]).tables
                 if t.sheet.view == "active_disclosure_wide")
    keys = [c.name for c in table.columns]
    assert "template" in keys and "rules_published" in keys  # the 2019 template's
    assert "rules_issued" not in keys and "fees_amount" not in keys  # the 2021 one's


def test_an_unknown_agency_names_the_closest(district: dict) -> None:
    with pytest.raises(UnknownAgency, match=r"no agency 区教育 in the warehouse "
                       r"\(did you mean 区教育局 or 区教育体育局\?\)"):
        read_export(district["wh"], agencies=["区教育局", "区教育"])


def test_an_unknown_kind_names_the_kinds_held(district: dict) -> None:
    with pytest.raises(UnknownKind, match="no agency of kind 区直属事业单位 in the warehouse "
                       r"\(its kinds: 区政府, 区政府部门, 乡镇街道\)"):
        read_export(district["wh"], kinds=["区直属事业单位"])
    with pytest.raises(UnknownKind, match="none of the agencies asked for is of kind 区政府"):
        read_export(district["wh"], agencies=["区教育局"], kinds=["区政府"])


def test_a_year_without_reports(district: dict) -> None:
    with pytest.raises(UnknownYear, match=r"no report of year 2031 in the warehouse "
                       r"\(it holds 2018–2023\)"):
        read_export(district["wh"], years=[2023, 2031])
