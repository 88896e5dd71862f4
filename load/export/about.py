"""What the about sheet (and ``about.csv``) says: the workbook's origin, its filters,
the rules its numbers follow, and its sheets."""

from __future__ import annotations

from load.export.sheets import TOTAL_LABEL
from load.export.tables import Origin, Table
from load.views import DISTRICT, SMALL_BASE

WHAT = ("政府信息公开工作年度报告 exported from the xxgk warehouse: one sheet per view of "
        "`xxgk sql`, every figure read from one snapshot.")
HEADERS = ("Row 1: the Chinese header; row 2: the column's key, its name in `xxgk sql` "
           "and the data dictionary (docs/data-dictionary.md, `xxgk sql --columns VIEW`). "
           "An empty cell is a figure the report does not give.")
SMALL_BASE_RULE = (f"Shares and changes on a base below {SMALL_BASE} are flagged: "
                   f"small_base (基数过小) is true when the outcomes (办理结果合计) are fewer "
                   f"than {SMALL_BASE}, and the change in requests received on the year "
                   f"before (新收增减率) is left empty when that year's figure is below "
                   f"{SMALL_BASE}.")
TOTALS = (f"The per-agency sheets end each year with a {TOTAL_LABEL} row (bold, empty "
          "agency_id): the counts summed over the agencies shown, the shares and the change "
          "recomputed from the sums (not summed), names and flags empty. "
          f"全区及类别合计 holds the same totals ({DISTRICT}) and those of each agency kind, "
          "with the agencies each covers and those it lacks.")
UNKNOWN = ("Reports whose agency or year could not be read are listed in 数据质量 whatever "
           "the filters: they may be of the selection. 机关 lists the agencies of the "
           "selection whatever the years.")


def about_items(origin: Origin) -> list[tuple[str, str]]:
    """(label, text) lines of the about sheet."""
    selection = origin.selection
    filtered = selection.agency_ids is not None or selection.years is not None
    scope = (f"{DISTRICT} totals are over the agencies selected, not the whole district."
             if selection.agency_ids is not None else "")
    return [
        ("内容 what", WHAT),
        ("仓库 warehouse", str(origin.warehouse)),
        ("快照 snapshot", origin.snapshot),
        ("生成时间 generated", origin.generated.strftime("%Y-%m-%d %H:%M:%S UTC")),
        *selection.describe().items(),
        ("表头 headers", HEADERS),
        ("小基数 small base", SMALL_BASE_RULE),
        ("合计 totals", " ".join(filter(None, (TOTALS, scope)))),
        *([("筛选 filters", UNKNOWN)] if filtered else []),
    ]


SheetEntry = tuple[str, str, int, str]


def sheet_entry(table: Table) -> SheetEntry:
    """(sheet, view, rows, what the view holds): a line of the about sheet's list."""
    return table.sheet.name, table.sheet.view, len(table.rows), table.description


__all__ = ["SheetEntry", "about_items", "sheet_entry"]
