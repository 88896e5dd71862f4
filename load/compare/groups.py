"""Like with like: per-agency tables cut into groups by agency kind, each closed by its
kind's subtotal, and the totals' coverage (how many agencies a total covers, naming
those it misses).

The totals are the selection's rows of ``district_year_summary`` (per year, 全区 and
per kind): every agency of the roster is expected every year, so a total says "24 of
30 agencies" and names the agencies with no report, a failed report or no figure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from load.compare.data import District
from load.compare.html import count_cell, is_missing, text_cell
from load.compare.tables import (
    SEGMENT_SEP,
    SEGMENT_SMALL,
    SEGMENT_SUBTOTAL,
    Column,
    Group,
    Row,
    Table,
    note_row,
)
from load.views import DISTRICT, SMALL_BASE

MAX_NAMES = 12  # agencies a coverage line names before "… and N more" (all in the CSV)
SMALL_RULE = (f"Shares of fewer than {SMALL_BASE} outcomes (a small base) are greyed and "
              "listed after the other agencies of their kind, never ranked among them: "
              f"1 of 2 is not 50 % beside an agency with 1,431; a change on a year "
              f"before below {SMALL_BASE} shows the absolute change only.")


@dataclass(frozen=True)
class Totals:
    """The selection's totals by (year, group): group 全区 or an agency kind."""

    rows: Mapping[tuple[int, str], Mapping[str, object]]

    @classmethod
    def of(cls, district: District) -> Totals:
        frame = district.totals
        records = frame.to_dict("records")
        return cls({(int(r["year"]), str(r["group"])): r for r in records})

    def get(self, year: int, group: str = DISTRICT) -> Mapping[str, object]:
        """The totals of ``group`` in ``year`` (empty when it has none)."""
        return self.rows.get((year, group), {})


def _names(value: object) -> list[str]:
    return [] if is_missing(value) or not value else str(value).split("、")


def _listed(names: list[str], limit: int | None) -> str:
    if limit is None or len(names) <= limit:
        return "、".join(names)
    return "、".join(names[:limit]) + f"… and {len(names) - limit} more"


def coverage(total: Mapping[str, object], *, figure: str = "本年新收",
             with_figure: int | None = None, limit: int | None = MAX_NAMES) -> str:
    """Whom a total covers: "24 of 30 agencies give 本年新收; no report: A、B; failed:
    C; without the figure: D" (``with_figure`` replaces the count of agencies giving
    ``figure`` when the table is about another one). ``limit`` names at most so many
    agencies per list."""
    if not total:
        return "no agency of the selection"
    count = int(total["agencies_with_figure"]) if with_figure is None else with_figure  # type: ignore[arg-type]
    parts = [f"{count} of {int(total['agencies'])} agencies give {figure}"]  # type: ignore[arg-type]
    for key, label in (("missing", "no report"), ("failed", "failed"),
                       ("without_figure", "without the figure")):
        names = _names(total.get(key))
        if names and not (key == "without_figure" and with_figure is not None):
            parts.append(f"{label} ({len(names)}): {_listed(names, limit)}")
    return "; ".join(parts)


def coverage_rows(total: Mapping[str, object], width: int, **options: object) -> Row:
    """The coverage line under a total: shortened on the page, whole in the CSV and the
    tooltip."""
    shown = coverage(total, **options)  # type: ignore[arg-type]
    full = coverage(total, **{**options, "limit": None})  # type: ignore[arg-type]
    return note_row("覆盖 coverage: " + shown, width, "note coverage",
                    full="覆盖 coverage: " + full)


def counted(total: Mapping[str, object]) -> str:
    """"24 of 30": agencies with the figure of the agencies expected."""
    if not total:
        return ""
    return f"{int(total['agencies_with_figure'])} of {int(total['agencies'])}"  # type: ignore[arg-type]


def by_kind(frame: pd.DataFrame, kinds: Iterable[str]) -> list[tuple[str, pd.DataFrame]]:
    """``frame``'s rows per kind, in the report's order of kinds (kinds without rows
    left out)."""
    groups = dict(tuple(frame.groupby("agency_kind", sort=False))) if len(frame) else {}
    return [(kind, groups[kind]) for kind in kinds if kind in groups]


def kind_groups(frame: pd.DataFrame, kinds: Iterable[str],
                make_row: Callable[[dict], Row], subtotal: Callable[[str, pd.DataFrame], Row],
                *, width: int, small: Callable[[pd.DataFrame], pd.Series] | None = None,
                small_label: str = "") -> list[Group]:
    """One group per kind: its agencies (``frame``'s rows, in its order), those
    ``small`` marks after a separator row, then the kind's subtotal."""
    groups = []
    for kind, rows in by_kind(frame, kinds):
        mask = small(rows) if small is not None else pd.Series(False, index=rows.index)
        main = [make_row(r) for r in rows[~mask].to_dict("records")]
        tail = [make_row(r) for r in rows[mask].to_dict("records")]
        body = main
        if tail:
            body = [*main, note_row(small_label, width, "sep", in_csv=False,
                                    segment=SEGMENT_SEP),
                    *(_moved(r, SEGMENT_SMALL) for r in tail)]
        count = f"{len(rows)} {'agency' if len(rows) == 1 else 'agencies'}"
        groups.append(Group(f"{kind} ({count})", [*body, subtotal(kind, rows)]))
    return groups


def counts_by_kind(district: District, totals: Totals, focus: pd.DataFrame, year: int, *,
                   columns: Sequence[Column], keys: Sequence[str],
                   make_row: Callable[[dict], Row], lead: int, no_total: str, figure: str,
                   slug: str, caption: str) -> Table:
    """A focus year's counts per agency, by kind: each kind closed by its subtotal, the
    table by the district total and the line saying whom it covers. ``lead`` blank
    cells sit between a total's name and kind cells and its counts (``keys``)."""

    def sums(label: str, kind: str, rows: pd.DataFrame, css: str) -> Row:
        total = rows[list(keys)].sum(min_count=1)
        return Row([text_cell(label, "name"), text_cell(kind, "kind"),
                    *(text_cell("") for _ in range(lead)),
                    *(count_cell(total[k], no_total) for k in keys)],
                   SEGMENT_SUBTOTAL, css, pinned=css == "subtotal")

    groups = kind_groups(focus, district.kinds, make_row,
                         lambda kind, rows: sums(f"{kind} 合计", kind, rows, "subtotal"),
                         width=len(columns))
    given = int(focus[list(keys)].notna().any(axis=1).sum())
    foot = [sums(district.total_label, "", focus, "total"),
            coverage_rows(totals.get(year), len(columns), figure=figure, with_figure=given)]
    return Table(slug, columns, groups, foot, caption=caption)


def _moved(row: Row, segment: int) -> Row:
    return Row(row.cells, segment, f"{row.css} small".strip(), row.agency, row.pinned,
               row.in_csv)


__all__ = [
    "MAX_NAMES",
    "SMALL_RULE",
    "Totals",
    "by_kind",
    "counted",
    "counts_by_kind",
    "coverage",
    "coverage_rows",
    "kind_groups",
]
