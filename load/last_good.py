"""A bad night takes no published number away: the last good facts of a failed file.

A file whose new bytes fail (a crawler's partial download, a truncated page) would lose
its facts at the publish that records the failure: every row of a processed source is
replaced. Instead, when the publish finds a processed source whose new ``reports`` row
is ``failed`` and whose facts the current snapshot holds, it keeps those facts and
checks (:func:`last_good`), and the new ``reports`` row says so (:class:`StaleReports`):
``status`` failed with its ``error``, ``stale`` true, ``facts_sha256`` the hash of the
bytes the kept facts come from, ``n_facts`` and ``n_checks_failed`` counting them. Once
the file is good again (``xxgk run --failed``, or a changed file) its new facts replace
the old ones as for any processed source.

The facts are not kept when the agency-year they belong to gets facts from another
file in the same publish (one report in several files: a sibling now loaded instead),
or still holds another file's facts: an agency-year is never counted twice.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from load.incoming import NewRows, Year
from load.snapshot import Snapshot

FAILED = "failed"
_OK_WITH_FACTS = ("ok", "partial")


@dataclass(frozen=True, slots=True)
class LastGood:
    """What the new ``reports`` row of a source whose last good facts are kept says."""

    facts_sha256: str | None
    n_facts: int | None
    n_checks_failed: int | None


def _in(column: pa.ChunkedArray, values: Collection[str]) -> pa.ChunkedArray:
    column = column.cast(pa.string()) if pa.types.is_dictionary(column.type) else column
    return pc.fill_null(pc.is_in(column, value_set=pa.array(sorted(values), pa.string())),
                        False)


def _agency_years(table: pa.Table) -> set[tuple[str | None, Year]]:
    return {(None if a is None else str(a), y) for a, y in
            zip(table["agency_id"].to_pylist(), table["year"].to_pylist(), strict=True)}


def last_good(old: Snapshot | None, facts_index: pa.Table, new_reports: NewRows,
              dropped: Collection[str]) -> dict[str, LastGood]:
    """The sources of this publish whose new bytes failed and whose published facts
    stay (``facts_index``: the current facts' ``year``, ``source`` and ``agency_id``;
    ``dropped``: the sources the publish replaces)."""
    if old is None:
        return {}
    reports = new_reports.scan(["source", "agency_id", "year", "status", "n_facts",
                                "superseded_by"]).to_pylist()
    failed = {str(r["source"]) for r in reports if r["status"] == FAILED}
    if not failed:
        return {}
    had = facts_index.filter(_in(facts_index["source"], failed))
    if not had.num_rows:
        return {}
    loaded_now = {(r["agency_id"], r["year"]) for r in reports
                  if r["status"] != FAILED and r["n_facts"] and r["superseded_by"] is None}
    staying = facts_index.filter(pc.invert(_in(facts_index["source"], dropped)))
    agencies = {a for a, _ in _agency_years(had) if a is not None}
    held = _agency_years(staying.filter(_in(staying["agency_id"], agencies)))
    kept = []
    for source in sorted({str(s) for s in had["source"].to_pylist()}):
        years = _agency_years(had.filter(_in(had["source"], [source])))
        if not years & (loaded_now | held):
            kept.append(source)
    return _last_rows(old, kept)


def _last_rows(old: Snapshot, sources: list[str]) -> dict[str, LastGood]:
    """The last ``reports`` row of each source: which bytes its facts come from."""
    if not sources:
        return {}
    rows = old.scan("reports", columns=["source", "source_sha256", "facts_sha256",
                                        "status", "n_facts", "n_checks_failed"])
    rows = rows.filter(_in(rows["source"], sources)).to_pylist()
    found = {}
    for r in rows:
        sha = r["facts_sha256"]
        if sha is None and r["status"] in _OK_WITH_FACTS:  # a row written before the column
            sha = r["source_sha256"]
        found[str(r["source"])] = LastGood(sha, r["n_facts"], r["n_checks_failed"])
    return found


class StaleReports(NewRows):
    """New ``reports`` rows, those of the sources in ``kept`` saying that their
    published facts are the last good ones."""

    def __init__(self, rows: NewRows, kept: Mapping[str, LastGood]) -> None:
        super().__init__(rows.name)
        self.rows = rows
        self.kept = dict(kept)

    def years(self) -> set[Year]:
        return self.rows.years()

    def sources(self) -> set[str]:
        return self.rows.sources()

    def agencies(self) -> set[str]:
        return self.rows.agencies()

    def count(self) -> int:
        return self.rows.count()

    def scan(self, columns: list[str], filter: pc.Expression | None = None) -> pa.Table:
        return self.rows.scan(columns, filter)

    def of_year(self, year: Year) -> pa.Table:
        table = self.rows.of_year(year)
        sources = table["source"].to_pylist()
        if not self.kept.keys() & set(sources):
            return table
        last = [self.kept.get(str(s)) for s in sources]

        def amended(name: str, value: Callable[[LastGood], object]) -> None:
            nonlocal table
            old = table[name].to_pylist()
            values = [old[i] if g is None else value(g) for i, g in enumerate(last)]
            field = table.schema.field(name)
            table = table.set_column(table.schema.get_field_index(name), field,
                                     pa.array(values, field.type))

        amended("stale", lambda g: True)
        amended("facts_sha256", lambda g: g.facts_sha256)
        amended("n_facts", lambda g: g.n_facts)
        amended("n_checks_failed", lambda g: g.n_checks_failed)
        return table


__all__ = ["LastGood", "StaleReports", "last_good"]
