"""``xxgk export``: the comparison views as an Excel workbook and as CSV files.

Analysts who work in a spreadsheet get the views of ``xxgk sql`` without writing a
query: a sheet per view, Chinese headers above the column keys, shares shown as
percentages, a district total row per year in each per-agency table, and an about
sheet saying which snapshot, filters and rules the numbers follow.

Design choices:

- **One snapshot.** Every sheet is read through one connection of
  :func:`load.views.connect`, bound to the warehouse's current snapshot, and the
  selection (``--year``, ``--agency``, ``--kind``) is applied in DuckDB
  (:mod:`load.export.selection`): the agencies by narrowing the datasets every view
  reads, so that the district totals and their roster cover the selection too.
- **Totals in SQL.** The total rows are computed in each sheet's query
  (:mod:`load.export.tables`): counts summed, shares recomputed from the sums, the
  small-base rule applied to the sums; never a sum of percentages.
- **XlsxWriter** writes the workbook (:mod:`load.export.workbook`; it writes only, and
  fast), with a number format per column rather than per cell; openpyxl reads it back
  in the tests. The CSV files (:mod:`load.export.csvfiles`) hold the same rows.
- **Atomic files.** Each file is written beside its place and renamed into it
  (:mod:`load.export.command`): a reader never opens half a workbook.
"""

from load.export.command import Written, export, export_command
from load.export.selection import ExportError, Selection, UnknownAgency, UnknownKind, UnknownYear
from load.export.sheets import ABOUT_SHEET, SHEETS, TOTAL_LABEL, Role, Sheet, role
from load.export.tables import Export, Table, read_export

__all__ = ["ABOUT_SHEET", "SHEETS", "TOTAL_LABEL", "Export", "ExportError", "Role", "Selection",
           "Sheet", "Table", "UnknownAgency", "UnknownKind", "UnknownYear", "Written", "export",
           "export_command", "read_export", "role"]
