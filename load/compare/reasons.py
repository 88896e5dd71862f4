"""Why an agency's figure for a year is missing: no report, a failed or partial report,
a blank or a dash printed in the report, no outcome to share, the other template.

Every empty cell of the report shows the short reason (the text before its colon) and
carries the whole sentence as its tooltip.
"""

from __future__ import annotations

import pandas as pd

from load.compare.data import District
from load.compare.html import is_missing

_RANK = {"failed": 0, "partial": 1, "ok": 2}  # the worst report of an agency-year decides


def _status_by_agency_year(reports: pd.DataFrame) -> dict[tuple[str, int], tuple[str, str]]:
    """(agency_id, year) → (status, error) of its reports (the worst one)."""
    reports = reports.dropna(subset=["agency_id", "year"])
    reports = reports[reports["superseded_by"].isna()]  # (the file loaded decides)
    reports = reports[reports["status"] != "removed"]  # (no longer in the source)
    out: dict[tuple[str, int], tuple[str, str]] = {}
    for aid, year, status, error in zip(reports["agency_id"], reports["year"],
                                        reports["status"], reports["error"], strict=True):
        key, status = (str(aid), int(year)), str(status)
        if key not in out or _RANK.get(status, 3) < _RANK.get(out[key][0], 3):
            out[key] = (status, "" if is_missing(error) else str(error))
    return out


class Reasons:
    """Why an agency's figure for a year is missing. The text before the colon is shown
    in the cell, the whole sentence as its tooltip."""

    def __init__(self, district: District) -> None:
        self.status = _status_by_agency_year(district.reports)
        cells = district.received_cell
        self.cells = {(str(a), int(y)): str(c) for a, y, c in
                      zip(cells["agency_id"], cells["year"], cells["cell"], strict=True)}

    def report(self, agency_id: str, year: int) -> str:
        """Missing for the report as a whole: none, failed or partial."""
        status, error = self.status.get((agency_id, year), ("", ""))
        if not status:
            return "no report: none loaded for this agency and year"
        if status == "failed":
            return f"failed: the report failed to load ({error})"
        if status == "partial":
            return f"partial: the report is partial ({error})"
        return ""

    def cell(self, agency_id: str, year: int, what: str) -> str:
        """Missing for one cell of a report that loaded."""
        return (self.report(agency_id, year)
                or f"blank: {what} is blank, a dash or not printed in the report")

    def received(self, agency_id: str, year: int) -> str:
        kind = self.cells.get((agency_id, year), "")
        if kind in ("blank", "dash") and not self.report(agency_id, year):
            return f"{kind}: the report prints a {kind} as 一、本年新收 总计"
        return self.cell(agency_id, year, "一、本年新收 总计")

    def change(self, agency_id: str, year: int, received: object) -> str:
        """Why there is no change on the year before: no figure this year or then."""
        if is_missing(received):
            return self.received(agency_id, year)
        return (f"no {year - 1} figure: the change needs {year - 1} too; "
                + self.received(agency_id, year - 1))

    def share(self, agency_id: str, year: int, outcomes: object) -> str:
        if not is_missing(outcomes) and float(outcomes) == 0:  # type: ignore[arg-type]
            return "n=0: no outcome, （七）总计 is 0: no share to give"
        return self.cell(agency_id, year, "this outcome row")


__all__ = ["Reasons"]
