"""A publish's new rows, per dataset, whether they are in memory or staged on disk.

A publish needs little from the rows it adds before it writes them: their sources,
agencies and years (what it replaces, and whose ``cross_year.carry`` checks it
recomputes), the few facts the carry rule reads, and then, one partition at a time, the
rows of one year. :class:`NewRows` answers those questions from a pyarrow dataset,
either over tables in memory (``Warehouse.publish``) or over the Parquet files a run
staged (``Warehouse.publish_staged``, ``load.staging``). Over staged files each answer
is a scan of one column, or of one year's row groups, so a publish of millions of rows
holds one partition's rows at a time, never all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads

from load.schema import PARTITION_COLUMN, SchemaError, arrow_schema

Year = int | None


class NewRows:
    """The rows of dataset ``name`` that a publish adds, restricted to those matching
    ``keep`` (e.g. checks other than the warehouse's own carry checks)."""

    def __init__(self, name: str, data: pads.Dataset, keep: pc.Expression | None = None
                 ) -> None:
        expected = arrow_schema(name).names
        if data.schema.names != expected:
            raise SchemaError(f"{name}: columns {data.schema.names} are not {expected}")
        self.name = name
        self._data = data
        self._keep = keep

    @classmethod
    def of_table(cls, name: str, table: pa.Table, keep: pc.Expression | None = None
                 ) -> NewRows:
        """Rows held in memory (the dataset's schema, or dictionary-encoded strings)."""
        return cls(name, pads.dataset(table), keep)

    @classmethod
    def of_files(cls, name: str, paths: Sequence[str | Path],
                 keep: pc.Expression | None = None) -> NewRows:
        """Rows staged as Parquet files (``load.staging``), read only where asked."""
        if not paths:
            return cls.of_table(name, arrow_schema(name).empty_table(), keep)
        return cls(name, pads.dataset([str(p) for p in paths], format="parquet"), keep)

    def scan(self, columns: list[str] | None = None,
             filter: pc.Expression | None = None) -> pa.Table:
        """The kept rows matching ``filter``, in the stored types (strings may be
        dictionary-encoded)."""
        where = self._keep if filter is None else (
            filter if self._keep is None else self._keep & filter)
        return self._data.to_table(columns=columns, filter=where)

    def distinct(self, column: str) -> set[object]:
        """The distinct values of ``column`` (null included when present)."""
        values: set[object] = set()
        for batch in self._data.to_batches(columns=[column], filter=self._keep):
            unique = pc.unique(batch.column(0))
            if pa.types.is_dictionary(unique.type):
                unique = unique.cast(unique.type.value_type)
            values.update(unique.to_pylist())
        return values

    def years(self) -> set[Year]:
        """The years the rows belong to (None for unknown)."""
        return {None if y is None else int(y)  # type: ignore[call-overload]
                for y in self.distinct(PARTITION_COLUMN)}

    def of_year(self, year: Year) -> pa.Table:
        """Every kept row of ``year``, in the dataset's schema (strings decoded)."""
        column = pc.field(PARTITION_COLUMN)
        where = column.is_null() if year is None else column == pa.scalar(year, pa.int16())
        return self.scan(filter=where).cast(arrow_schema(self.name))

    def count(self) -> int:
        return self._data.count_rows(filter=self._keep)


__all__ = ["NewRows", "Year"]
