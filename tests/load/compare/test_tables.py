"""The report's table model: one table rendered as HTML and as the CSV of its download
link (UTF-8 with a byte-order mark), groups in their own ``<tbody>``, totals in the
``<tfoot>``, and the charts' share of bars per kind."""

from __future__ import annotations

import base64
import re

import pytest

from load.compare.charts import bar_budget
from load.compare.html import Cell, count_cell, text_cell
from load.compare.tables import (
    SEGMENT_SMALL,
    SEGMENT_SUBTOTAL,
    Column,
    Group,
    Row,
    Table,
    note_row,
)

SPARK = Cell("<td></td>", ())  # a chart: no CSV column


def _table() -> Table:
    columns = [Column("机关 agency", key="agency"), Column("新收 received"),
               Column("趋势 trend", csv=())]
    def row(name: str, value: float, **options: object) -> Row:
        return Row([text_cell(name), count_cell(value), SPARK], agency=name,
                   **options)  # type: ignore[arg-type]
    groups = [Group("区政府部门 (2 agencies)", [
        row("区教育局", 1431), row("区统计局", 3, segment=SEGMENT_SMALL, css="small"),
        Row([text_cell("区政府部门 合计"), count_cell(1434), SPARK],
            SEGMENT_SUBTOTAL, "subtotal", pinned=True)])]
    foot = [Row([text_cell("全区合计"), count_cell(1434), SPARK], css="total"),
            note_row("覆盖 coverage: 2 of 3…", 3, full="覆盖 coverage: 2 of 3; no report: A")]
    return Table("ranking-2025", columns, groups, foot, caption="机关, 2025")


def test_the_csv_is_the_table_with_a_byte_order_mark() -> None:
    table = _table()
    assert table.csv_text().splitlines() == [
        "机关 agency,新收 received", "区教育局,1431", "区统计局,3", "区政府部门 合计,1434",
        "全区合计,1434", "覆盖 coverage: 2 of 3; no report: A"]
    link = re.search(r'<a class="csv" download="ranking-2025.csv" '
                     r'href="data:text/csv;charset=utf-8;base64,([^"]+)">', table.html())
    assert link
    data = base64.b64decode(link.group(1))
    assert data.startswith("\ufeff".encode()) and data.decode("utf-8")[1:] == table.csv_text()


def test_groups_segments_and_totals_in_the_html() -> None:
    page = _table().html()
    assert page.count("<tbody>") == 1 and page.count("<tfoot>") == 1
    assert '<tr class="grp pin" data-seg="0"><th colspan="3" scope="rowgroup">' in page
    assert '<tr class="small" data-seg="3" data-agency="区统计局">' in page
    assert '<tr class="subtotal pin" data-seg="4">' in page
    assert re.search(r'<tfoot><tr class="total"><td>全区合计</td>', page)
    assert 'title="覆盖 coverage: 2 of 3; no report: A"' in page
    assert '<th scope="col" data-key="agency">' in page
    assert '<th scope="col" data-csv="0">趋势 trend</th>' in page


def test_each_kind_gets_bars_up_to_its_size() -> None:
    assert bar_budget({"区政府": 1, "区政府部门": 20, "乡镇街道": 813}, 40) == {
        "区政府": 1, "区政府部门": 19, "乡镇街道": 20}
    assert bar_budget({"a": 3, "b": 4}, 40) == {"a": 3, "b": 4}


def test_a_row_whose_cells_do_not_fill_the_headers_is_refused() -> None:
    table = _table()
    table.foot = [Row([text_cell("全区合计"), count_cell(1), text_cell("extra")])]
    with pytest.raises(ValueError, match="3 CSV values under 2 headers"):
        table.csv_text()
