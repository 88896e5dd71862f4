"""``xxgk compare``: one self-contained HTML report comparing a district's agencies.

The report answers the questions a district's analysts ask of the annual reports, and
keeps each comparison honest:

- **Overview**: the selection's total and each kind's (区政府, 区政府部门, 乡镇街道) for
  the latest year, each saying how many agencies it covers and naming those with no
  report, a failed report or without the figure.
- **Ranking** of the latest year: agencies ranked by requests received within their
  kind (bureaus with bureaus, towns with towns), the outcome shares beside their base
  n (the outcomes); agencies with fewer than ``SMALL_BASE`` outcomes are greyed and
  listed after a separator, never ranked among the others; each kind ends with its
  subtotal, the table with the total and its coverage.
- **Trends** since 2019: the totals per year with the like-for-like change, requests
  received per agency with the change on every year before (absolute, and in percent
  where the year before has at least ``SMALL_BASE``), and the granted, withheld and
  unavailable shares with their n in every cell.
- **行政复议/诉讼** (表四) per agency and per year.
- **表二 主动公开**: the decisions both templates print compared across years; the
  rules, normative documents and fees each template counts its own way, each on its
  own row, filled only in its template's years.
- **Data quality**: the reports needing a look and the failed checks, with agency
  names, kinds, the labels checked and a link to the source file and line.

Design choices:

- **Data** comes from :mod:`load.views` (``agency_year_summary``, the totals of
  ``district_year_summary`` computed over the selection, the wide views of 表二 and
  表四, ``data_quality``, ``failed_checks``), filtered by year, agency and kind in
  DuckDB; nothing here re-reads Parquet by hand.
- **Tables** (:mod:`load.compare.tables`) are one model rendered as HTML and as the
  CSV of its download link (UTF-8 with a byte-order mark, embedded as a ``data:`` URI),
  so a download holds what the table shows. They sort by a few lines of inline
  JavaScript (click a header) within each kind and segment; totals sit in the
  ``<tfoot>``. Every value from the data is escaped.
- **Charts** are matplotlib figures rendered to inline SVG with ``svg.fonttype =
  "none"``: text stays text, so the browser draws the Chinese labels with its own
  fonts (no font file embedded or needed at build time), the file needs no network and
  no JavaScript to show them, and a figure costs a fraction of a second. (Altair would
  need its Vega runtime inlined, a megabyte of JavaScript per report, and a JS engine to
  render at all.) Charts rank within each kind and show the top agencies; the tables
  list every agency.
- **Comparability.** Trends use only keys that both templates print (received,
  outcomes, 行政复议/诉讼): ``other`` (其他处理) is comparable because 2021 sub-rows are
  summed into it. Every missing cell says why (no report, report failed, blank in the
  report, printed only by the other template, a base too small).
"""

from load.compare.data import (
    OUTCOMES,
    District,
    UnknownAgency,
    UnknownKind,
    load_district,
)
from load.compare.html import esc
from load.compare.page import build_report, compare_command, write_report

__all__ = ["OUTCOMES", "District", "UnknownAgency", "UnknownKind", "build_report",
           "compare_command", "esc", "load_district", "write_report"]
