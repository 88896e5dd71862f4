"""The report's data-quality panel: the reports needing a look (``data_quality``) and
the failed checks (``failed_checks``), each with the agency's name and kind, the
labels of the row and column checked, and a link to the source file and line.
"""

from __future__ import annotations

from pathlib import Path

from load.compare.data import MAX_CHECK_ROWS, District
from load.compare.html import count_cell, esc, is_missing, source_cell, text_cell
from load.compare.tables import Column, Row, Table, plain_table

UNKNOWN = "unknown"  # a failed report whose agency or year could not be read


def _name(value: object) -> str:
    return UNKNOWN if is_missing(value) else str(value)


def _year(value: object) -> str:
    return UNKNOWN if is_missing(value) else str(int(value))  # type: ignore[arg-type]


def _true(value: object) -> bool:
    return not is_missing(value) and bool(value)


def reports_table(district: District, source_root: Path | None) -> Table:
    columns = [Column("年度 year"), Column("机关 agency", key="agency"), Column("类别 kind"),
               Column("状态 status"), Column("数据为旧 stale"), Column("原因 error"),
               Column("未通过校验 failed checks"), Column("警告 warnings"),
               Column("来源 source")]
    rows = []
    for r in district.quality.to_dict("records"):
        status = str(r["status"])
        rows.append(Row([text_cell(_year(r["year"])), text_cell(_name(r["agency"]), "name"),
                         text_cell(r["agency_kind"], "kind"), text_cell(status, f"status-{status}"),
                         text_cell("stale" if _true(r["stale"]) else ""),
                         text_cell(r["error"], "err"), count_cell(r["n_checks_failed"]),
                         count_cell(r["n_warnings"]),
                         source_cell(r["source"], None, source_root)],
                        css="report", agency=_name(r["agency"])))
    return plain_table("data-quality-reports", columns, rows,
                       caption="Reports not ok, or with failed checks")


def checks_table(district: District, source_root: Path | None) -> Table:
    columns = [Column("年度 year"), Column("机关 agency", key="agency"), Column("类别 kind"),
               Column("规则 rule"), Column("行 row"), Column("列 col"),
               Column("应为 expected"), Column("报告值 actual"), Column("差额 difference"),
               Column("来源:行 source:line")]
    rows = []
    for r in district.failed_checks.to_dict("records"):
        row_text = " ".join(str(v) for v in (r["row_key"], r["row_label"])
                            if not is_missing(v))
        col_text = " ".join(str(v) for v in (r["col_key"], r["col_label"])
                            if not is_missing(v))
        rows.append(Row([text_cell(_year(r["year"])), text_cell(_name(r["agency"]), "name"),
                         text_cell(r["agency_kind"], "kind"), text_cell(r["rule"]),
                         text_cell(row_text), text_cell(col_text), count_cell(r["expected"]),
                         count_cell(r["actual"], "blank: total not printed"),
                         count_cell(r["difference"], "blank: total not printed"),
                         source_cell(r["source"], r["line"], source_root)],
                        css="check", agency=_name(r["agency"])))
    return plain_table("failed-checks", columns, rows, caption="Failed consistency checks")


def section_quality(district: District, source_root: Path | None) -> str:
    quality, checks = district.quality, district.failed_checks
    shown = (f" (the first {len(checks)} of {district.n_failed_checks}; "
             "<code>xxgk sql</code> lists all in <code>failed_checks</code>)"
             if district.n_failed_checks > len(checks) else "")
    where = ("Links open the source file under "
             f"<code>{esc(source_root)}</code>." if source_root else
             "Paths are relative to the source folder (pass <code>--source-root</code> "
             "to make them links).")
    not_ok = int((quality["status"] != "ok").sum())
    return (f'<section id="data-quality"><h2>数据质量 Data quality</h2><p>{where} '
            "<code>file:line</code> is the line of the decoded text where the checked total "
            f"was read. At most {MAX_CHECK_ROWS} failed checks are listed.</p>"
            f"<h3>Reports needing a look ({len(quality)}: {not_ok} not loaded cleanly)</h3>"
            + (reports_table(district, source_root).html() if len(quality) else
               '<p class="good">Every report loaded ok and passed its checks.</p>')
            + f"<h3>Failed checks ({district.n_failed_checks}){shown}</h3>"
            + (checks_table(district, source_root).html() if len(checks) else
               '<p class="good">Every check passed.</p>')
            + "</section>")


__all__ = ["checks_table", "reports_table", "section_quality"]
