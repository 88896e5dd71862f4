"""``xxgk compare``: one self-contained HTML report comparing a district's agencies.

The report answers the questions a district's analysts ask of the annual reports:
which agencies receive the most requests and how they answer them (agencies ranked by
requests received and by outcome mix), how each agency evolved since 2019, what share
of requests was granted, withheld or unavailable, how 行政复议 and 行政诉讼 ended, and
which reports and checks failed (a data-quality panel linking every problem to its
source file and line).

Design choices:

- **Data** comes from :mod:`load.views` (the ``agency_year_summary`` view and the
  ``facts``/``reports``/``checks`` views, filtered by year and agency in DuckDB) and
  :func:`load.analysis.comparability`; nothing here re-reads Parquet by hand.
- **Charts** are matplotlib figures rendered to inline SVG with ``svg.fonttype =
  "none"``: text stays text, so the browser draws the Chinese labels with its own
  fonts (no font file embedded or needed at build time), the file needs no network and
  no JavaScript to show them, and a figure costs a fraction of a second. (Altair would
  need its Vega runtime inlined, a megabyte of JavaScript per report, and a JS engine to
  render at all.) Charts with many agencies show the top ones; the tables beside them
  list every agency.
- **Tables** are plain HTML, sortable by a few lines of inline JavaScript (click a
  header); every value from the data is escaped.
- **Comparability.** Trends use only keys that both templates print (received,
  outcomes, 行政复议/诉讼): ``other`` (其他处理) is comparable because 2021 sub-rows are
  summed into it. A template-specific measure (the 2021 sub-rows of 其他处理, 表二's
  规章 counts…) is shown on its own row, only for its template's years; every missing
  cell says why (no report, report failed, blank in the report, printed only by the
  other template).
"""

from load.compare.data import OUTCOMES, SPECIFIC, District, UnknownAgency, load_district
from load.compare.html import esc
from load.compare.page import build_report, compare_command, write_report

__all__ = ["OUTCOMES", "SPECIFIC", "District", "UnknownAgency", "build_report",
           "compare_command", "esc", "load_district", "write_report"]
