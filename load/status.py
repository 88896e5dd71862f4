"""What ``xxgk status`` prints: the warehouse's reports, chosen and laid out.

Plain functions over the ``reports`` dataset (the ledger), so that the command stays
a few lines: :func:`select` keeps the reports of some statuses, agencies (any spelling
the registry knows, or the name as stored) and years, failures first;
:func:`text_lines` lays them out in columns aligned by display width (a CJK character
takes two terminal cells), :func:`json_lines` gives each as a JSON object with its
warnings, :func:`write_csv` as CSV in UTF-8 with a BOM, which Excel needs to read
Chinese.

Everything printed as text that comes from the source or the reports goes through
``extract.names.printable``; JSON and CSV keep the exact values (JSON escapes what a
terminal would obey).
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Iterator, Sequence
from typing import Any, BinaryIO

import pandas as pd

from extract.names import printable
from transform.agencies import AgencyRegistry

STATUSES = ("failed", "partial", "ok", "skipped", "removed")  # the order reports are listed in
COLUMNS = ["status", "source", "agency_id", "agency", "year", "error", "template",
           "format", "encoding", "n_facts", "n_checks_failed", "n_warnings", "warnings",
           "superseded_by", "stale", "facts_sha256", "run_id", "processed_at"]


def select(ledger: pd.DataFrame, statuses: Sequence[str] = (), agencies: Sequence[str] = (),
           years: Sequence[int] = (), registry: AgencyRegistry | None = None
           ) -> pd.DataFrame:
    """The reports of these statuses, agencies and years (each: any of them; none
    given: all), failures first, then by agency, year and source. An agency is named
    as stored or by any spelling the registry resolves to its id."""
    keep = pd.Series(True, index=ledger.index)
    if statuses:
        keep &= ledger["status"].isin(statuses)
    if agencies:
        ids = {registry.resolve(name).agency_id for name in agencies} if registry else set()
        keep &= ledger["agency"].isin(agencies) | ledger["agency_id"].isin(ids)
    if years:
        keep &= ledger["year"].isin(years)
    chosen = ledger[keep]
    order = chosen["status"].map({s: i for i, s in enumerate(STATUSES)}).fillna(len(STATUSES))
    return (chosen.assign(_order=order)
            .sort_values(["_order", "agency", "year", "source"], na_position="last")
            .drop(columns="_order"))


def headline(chosen: pd.DataFrame, total: int, warehouse: str) -> str:
    """``5 reports in wh: 1 failed, 0 partial, 4 ok`` (``2 of 5 reports`` when some
    were left out), and how many are superseded by another file."""
    counts = chosen["status"].value_counts()
    superseded = int(chosen["superseded_by"].notna().sum())
    shown = f"{len(chosen)} of {total}" if len(chosen) != total else str(total)
    return (f"{shown} reports in {printable(warehouse)}: "
            + ", ".join(f"{counts.get(s, 0)} {s}" for s in STATUSES[:3])
            + (f", {counts['removed']} removed" if counts.get("removed") else "")
            + (f" ({superseded} superseded by another file of their agency-year)"
               if superseded else ""))


def width(text: str) -> int:
    """Terminal cells ``text`` takes: two for a wide or full-width character (East
    Asian width W or F), none for a combining mark, one for the others."""
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, cells: int) -> str:
    """``text`` followed by spaces up to ``cells`` terminal cells."""
    return text + " " * max(0, cells - width(text))


def text_lines(chosen: pd.DataFrame) -> list[str]:
    """One line a report, its columns aligned (status, year, agency, source), then
    what superseded it, its reason and whether earlier bytes' facts stay published,
    indented; each name shown escaped."""
    rows = [(str(row.status), "" if _isna(row.year) else str(int(row.year)),
             printable(row.agency or "?"), printable(row.source), row)
            for row in chosen.itertuples(index=False)]
    widths = [max((width(r[i]) for r in rows), default=0) for i in range(3)]
    widths = [max(widths[0], 7), max(widths[1], 4), widths[2]]
    lines = []
    for *cells, source, row in rows:
        lines.append("  ".join(pad(c, w) for c, w in zip(cells, widths, strict=True))
                     + f"  {source}")
        if not _isna(row.superseded_by):
            lines.append(f"         superseded by {printable(row.superseded_by)}: not loaded")
        if not _isna(row.error) and row.error:
            lines.append(f"         {printable(row.error)}")
        if _is_stale(row):
            lines.append(f"         its facts of earlier bytes stay published "
                         f"(sha256 {str(row.facts_sha256)[:12]}…)")
    return lines


def _is_stale(row: Any) -> bool:
    """Whether the facts published for the report come from earlier bytes (a column
    older warehouses lack)."""
    stale = getattr(row, "stale", None)
    return not _isna(stale) and bool(stale)


def records(chosen: pd.DataFrame) -> Iterator[dict[str, Any]]:
    """Each report as a dict of plain values (None for a missing one), its warnings
    a list of lines."""
    frame = chosen.reindex(columns=COLUMNS)
    for row in frame.astype(object).to_dict("records"):
        clean = {k: (None if _isna(v) else v) for k, v in row.items()}
        clean["warnings"] = clean["warnings"].splitlines() if clean["warnings"] else []
        yield clean


def json_lines(chosen: pd.DataFrame) -> Iterator[str]:
    """One JSON object a report (see :func:`records`)."""
    for row in records(chosen):
        yield json_line(row)


def write_csv(chosen: pd.DataFrame, out: BinaryIO) -> None:
    """The reports as CSV, UTF-8 with a BOM (Excel reads Chinese right only then), a
    report's warnings one per line inside their cell."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in records(chosen):
        row["warnings"] = "\n".join(row["warnings"])
        writer.writerow(["" if row[c] is None else row[c] for c in COLUMNS])
    out.write(text.getvalue().encode("utf-8-sig"))


def json_line(row: dict[str, Any]) -> str:
    """One report as a JSON line: the values exactly, every character a terminal would
    obey written as a JSON escape (JSON itself escapes only those below U+0020)."""
    text = json.dumps(row, ensure_ascii=False, default=str)
    if printable(text) == text:
        return text
    return "".join(c if printable(c) == c else _json_escape(c) for c in text)


def _json_escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    high, low = divmod(code - 0x10000, 0x400)  # JSON spells these as a surrogate pair
    return f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}"


def _isna(value: object) -> bool:
    return value is None or bool(pd.isna(value))  # type: ignore[arg-type]


__all__ = ["COLUMNS", "STATUSES", "headline", "json_line", "json_lines", "pad", "records",
           "select", "text_lines", "width", "write_csv"]
