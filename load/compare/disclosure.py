"""The report's 表二 section (主动公开): rules and normative documents, licensing,
penalty and coercion decisions, fees, per agency for the focus year and in total per
year, and the other template-specific cells.

The 2019 and 2021 templates print different 表二 columns (``keys.csv``): a measure
both print (the 行政许可/处罚/强制 decisions) is compared across years; a measure one
prints (规章 and 行政规范性文件 counts, fees, procurement…) has its own row, filled only
in the years whose reports follow its template, the other years saying why. 表三's
其他处理 sub-rows, printed by the 2021 template only, are shown the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import pandas as pd

from load.compare.data import OTHER_DETAIL, District
from load.compare.groups import Totals, counts_by_kind
from load.compare.html import (
    Cell,
    count_cell,
    esc,
    fmt_count,
    is_missing,
    plain_count,
    sort_value,
    text_cell,
)
from load.compare.reasons import Reasons
from load.compare.tables import Column, Group, Row, Table, plain_table
from load.views import DISTRICT, wide_columns
from transform.keys import AD, APP, TEMPLATES, key_catalog


@dataclass(frozen=True)
class Measure:
    """A column of a wide view: its label, the templates printing it and its unit."""

    column: str
    label: str
    templates: tuple[str, ...]
    unit: str

    @property
    def comparable(self) -> bool:
        return set(TEMPLATES) <= set(self.templates)

    @property
    def printed_by(self) -> str:
        return ("2019 · 2021" if self.comparable else f"{self.templates[0]} only")

    def only(self) -> str:
        """The one template printing it ("" when both do)."""
        return "" if self.comparable else self.templates[0]


def _measures(table: str, columns: Sequence[str] | None = None) -> list[Measure]:
    catalog = key_catalog()
    out = []
    for column, row, col in wide_columns(table):
        if columns is not None and column not in columns:
            continue
        spec = catalog.cells[(table, row, col)]
        label = spec.row_label if table == APP else f"{spec.row_label} {spec.col_label}"
        unit = "元 yuan" if spec.unit == "yuan" else ""
        out.append(Measure(column, label, tuple(sorted(spec.templates)), unit))
    return out


@cache
def disclosure_measures() -> tuple[Measure, ...]:
    """Every 表二 column, in the templates' order."""
    return tuple(_measures(AD))


def comparable_measures() -> list[Measure]:
    return [m for m in disclosure_measures() if m.comparable]


def specific_measures() -> list[Measure]:
    """表二's one-template columns, then 表三's 其他处理 sub-rows."""
    return [*(m for m in disclosure_measures() if not m.comparable),
            *_measures(APP, OTHER_DETAIL)]


def _value_cell(value: object, n: int, reason: str) -> Cell:
    """A total with the number of agencies giving it, visible and in the CSV."""
    if is_missing(value):
        return Cell(count_cell(None, reason).html, (count_cell(None, reason).csv[0], ""))
    return Cell(f'<td class="num" data-v="{sort_value(value)}" title="{n} agencies give it">'
                f'{esc(fmt_count(value))}<small class="n">{n} ag.</small></td>',
                (plain_count(value), str(n)))


def _templates_by_year(district: District) -> dict[int, set[str]]:
    summary = district.summary
    return {int(y): set(g.dropna().astype(str))
            for y, g in summary.groupby("year")["template"]}


def _other_template(measure: Measure, followed: set[str], whose: str) -> str:
    return (f"{measure.only()} template only: {whose} reports follow the "
            f"{'/'.join(sorted(followed)) or 'other'} template")


def _year_columns(years: Sequence[int]) -> list[Column]:
    return [Column(str(y), csv=(str(y), f"{y} agencies")) for y in years]


def _year_sums(frame: pd.DataFrame, column: str) -> tuple[pd.Series, pd.Series]:
    """A column's total per year and the number of agencies giving it (a frame of sums
    carries that number as ``<column>__n``)."""
    if not len(frame):
        return pd.Series(dtype=float), pd.Series(dtype=int)
    by_year = frame.groupby("year")
    counted = f"{column}__n"
    counts = by_year[counted].sum() if counted in frame else by_year[column].count()
    return by_year[column].sum(min_count=1), counts


def comparable_table(district: District) -> Table:
    """The decisions both templates print, per year: the total, then each kind."""
    frame = district.disclosure
    groups = [DISTRICT, *district.kinds] if len(district.kinds) > 1 else [DISTRICT]
    out = []
    for m in comparable_measures():
        rows = []
        for g in groups:
            mine = frame if g == DISTRICT else frame[frame["agency_kind"] == g]
            values, counts = _year_sums(mine, m.column)
            label = district.total_label if g == DISTRICT else f"{g} 合计"
            cells = [Cell(f'<td class="name" title="{esc(m.label)}">{esc(label)}</td>',
                          (m.label, label))]
            cells += [_value_cell(values.get(y), int(counts.get(y, 0)),
                                  "no figure: no agency gives it") for y in district.years]
            rows.append(Row(cells, css="total" if g == DISTRICT else ""))
        out.append(Group(m.label, rows))
    columns = [Column("范围 group", csv=("指标 measure", "范围 group")),
               *_year_columns(district.years)]
    return Table("disclosure-comparable", columns, out, sortable=False,
                 caption="Printed by both templates: compared across every year")


def specific_table(district: District) -> Table:
    """Each one-template measure on its own row, the other template's years empty and
    saying why (totals of the selection)."""
    followed = _templates_by_year(district)
    rows = []
    for m in specific_measures():
        frame = district.other_detail if m.column in OTHER_DETAIL else district.disclosure
        values, counts = _year_sums(frame, m.column)
        cells = [text_cell(m.label + (f" ({m.unit})" if m.unit else ""), "name"),
                 text_cell(m.printed_by)]
        for y in district.years:
            if m.only() in followed.get(y, set()):
                cells.append(_value_cell(values.get(y), int(counts.get(y, 0)),
                                         "blank: blank in every report of the year"))
            else:
                cells.append(_value_cell(None, 0, _other_template(
                    m, followed.get(y, set()), f"{y}'s")))
        rows.append(Row(cells))
    columns = [Column("指标 measure"), Column("模板 printed by"), *_year_columns(district.years)]
    return plain_table("disclosure-template-specific", columns, rows, sortable=False,
                       caption="Printed by one template only: never compared with the "
                       "other template's years")


def _focus_measures(district: District, year: int) -> list[Measure]:
    """表二's columns for the focus year: those both templates print, then those of the
    templates its reports follow."""
    followed = _templates_by_year(district).get(year, set())
    return [*comparable_measures(),
            *(m for m in disclosure_measures()
              if not m.comparable and m.only() in followed)]


def agencies_table(district: District, reasons: Reasons, totals: Totals) -> Table:
    """表二 per agency for the focus year, by kind, with subtotals and the total."""
    year = district.focus_year
    assert year is not None
    measures = _focus_measures(district, year)
    keys = [m.column for m in measures]
    mine = district.disclosure[district.disclosure["year"] == year].set_index("agency_id")
    focus = district.summary[district.summary["year"] == year][
        ["agency_id", "agency", "agency_kind", "template"]].sort_values("agency")
    focus = focus.join(mine[keys], on="agency_id")
    columns = [Column("机关 agency", key="agency"), Column("类别 kind"), Column("模板 template"),
               *(Column(m.label + (f" ({m.unit})" if m.unit else ""), key=m.column)
                 for m in measures)]

    def cell(r: dict, m: Measure) -> Cell:
        template = "" if is_missing(r["template"]) else str(r["template"])
        if not m.comparable and template and template != m.only():
            return count_cell(None, _other_template(m, {template}, "this agency's"))
        return count_cell(r[m.column], reasons.cell(str(r["agency_id"]), year,
                                                    "this 表二 cell"))

    def row(r: dict) -> Row:
        return Row([text_cell(r["agency"], "name"), text_cell(r["agency_kind"], "kind"),
                    text_cell(r["template"]), *(cell(r, m) for m in measures)],
                   agency=str(r["agency"]))

    return counts_by_kind(district, totals, focus, year, columns=columns, keys=keys,
                          make_row=row, lead=1, no_total="no figure: no agency gives it",
                          figure="表二", slug=f"disclosure-{year}",
                          caption=f"表二 主动公开 by agency, {year}")


def section_disclosure(district: District, reasons: Reasons, totals: Totals) -> str:
    head = '<section id="disclosure"><h2>表二 主动公开 Active disclosure</h2>'
    year = district.focus_year
    if year is None:
        return head + "<p>No data.</p></section>"
    return (head + "<p>The 2019 and 2021 templates print different 表二 columns. The "
            "行政许可, 行政处罚 and 行政强制 decisions are printed by both and compared across "
            "years; 规章 and 行政规范性文件 are counted differently by each template (2019: "
            "made, published, total published; 2021: issued, repealed, in force), as are "
            "fees (2019: items; 2021: amount), so each such measure has its own row, left "
            "empty in the other template's years with the reason. Every total gives the "
            "number of agencies it sums (ag.).</p>"
            f"<h3>{year}: by agency</h3>{agencies_table(district, reasons, totals).html()}"
            "<h3>Decisions per year (both templates)</h3>"
            f"{comparable_table(district).html()}"
            "<h3>Template-specific measures per year</h3>"
            f"{specific_table(district).html()}</section>")


__all__ = ["Measure", "agencies_table", "comparable_measures", "comparable_table",
           "disclosure_measures", "section_disclosure", "specific_measures",
           "specific_table"]
