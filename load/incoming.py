"""A publish's new rows, per dataset: the files a run staged, and the carry checks.

A publish needs little from the rows it adds before it writes them: their years,
sources and agencies (what it replaces, and whose ``cross_year.carry`` checks it
recomputes), the few facts the carry rule reads, and then, one partition at a time, the
rows of one year. :class:`NewRows` answers those questions, from the files a run
staged (:class:`StagedFiles`, ``Warehouse.publish_staged`` and ``load.staging``) or
from a table in memory (:class:`TableRows`: the carry checks the publish computes). Staged rows
answer the first three from the description each batch sent back, and are read one
year's files at a time, one file after another: a publish of millions of staged rows
holds one partition's rows, never all of them (nor the read-ahead buffers of a
multi-threaded dataset scan).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from load.cross_year import CARRY_RULE
from load.schema import PARTITION_COLUMN, arrow_schema

Year = int | None

# The warehouse computes the cross_year.carry checks itself: carry rows passed in are
# dropped before anything else looks at them.
NOT_CARRY = pc.field("rule").is_null() | (pc.field("rule") != CARRY_RULE)


@dataclass(frozen=True, slots=True)
class StagedRows:
    """One batch's rows in a staging folder, per dataset: a file per year
    (``files``: dataset → year → path; None is the unknown year), the number of rows,
    and the distinct sources and agency ids the rows hold."""

    files: dict[str, dict[Year, str]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    sources: dict[str, frozenset[str]] = field(default_factory=dict)
    agencies: dict[str, frozenset[str]] = field(default_factory=dict)


def without_carry_checks(tables: Mapping[str, pa.Table]) -> dict[str, pa.Table]:
    """The tables, the checks without ``cross_year.carry`` rows."""
    return {name: table.filter(NOT_CARRY) if name == "checks" else table
            for name, table in tables.items()}


def distinct(column: pa.ChunkedArray | pa.Array) -> list[object]:
    """The distinct non-null values of a column (plain or dictionary-encoded)."""
    values = pc.unique(column)
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    return values.drop_null().to_pylist()


def _year_rows(table: pa.Table, year: Year) -> pa.Table:
    column = table[PARTITION_COLUMN]
    return table.filter(pc.is_null(column) if year is None else pc.equal(column, year))


def read_staged(path: str, columns: list[str] | None = None,
                filter: pc.Expression | None = None) -> pa.Table:
    """One staged file (``load.staging``: Arrow IPC), mapped into memory rather than
    read: only the columns asked for are touched, and only when used."""
    table = pa.ipc.open_stream(pa.memory_map(path)).read_all()
    if columns is not None:
        table = table.select(columns)
    return table if filter is None else table.filter(filter)


class NewRows(ABC):
    """The rows of dataset ``name`` that a publish adds."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.schema = arrow_schema(name)

    @abstractmethod
    def years(self) -> set[Year]:
        """The years the rows belong to (None for unknown)."""

    @abstractmethod
    def sources(self) -> set[str]:
        """The source files the rows come from."""

    @abstractmethod
    def agencies(self) -> set[str]:
        """The agency ids the rows belong to."""

    @abstractmethod
    def count(self) -> int:
        """The number of rows."""

    @abstractmethod
    def scan(self, columns: list[str], filter: pc.Expression | None = None) -> pa.Table:
        """The rows (matching ``filter``), of ``columns``."""

    @abstractmethod
    def of_year(self, year: Year) -> pa.Table:
        """Every row of ``year``, in the dataset's schema (strings decoded)."""


class TableRows(NewRows):
    """Rows held in memory (``table``: the dataset's columns, strings plain or
    dictionary-encoded; checks without carry rows)."""

    def __init__(self, name: str, table: pa.Table) -> None:
        super().__init__(name)
        self.table = table

    def years(self) -> set[Year]:
        return set(pc.unique(self.table[PARTITION_COLUMN]).to_pylist())

    def sources(self) -> set[str]:
        return {str(s) for s in distinct(self.table["source"])}

    def agencies(self) -> set[str]:
        return {str(a) for a in distinct(self.table["agency_id"])}

    def count(self) -> int:
        return self.table.num_rows

    def scan(self, columns: list[str], filter: pc.Expression | None = None) -> pa.Table:
        table = self.table if filter is None else self.table.filter(filter)
        return table.select(columns)

    def of_year(self, year: Year) -> pa.Table:
        return _year_rows(self.table, year).cast(self.schema)


class StagedFiles(NewRows):
    """Rows staged by a run's batches (``load.staging``)."""

    def __init__(self, name: str, batches: Sequence[StagedRows]) -> None:
        super().__init__(name)
        self.batches = [b for b in batches if name in b.files]

    def _files(self, year: Year | None = None, every: bool = False) -> list[str]:
        return [path for b in self.batches for y, path in b.files[self.name].items()
                if every or y == year]

    def years(self) -> set[Year]:
        return {year for b in self.batches for year in b.files[self.name]}

    def sources(self) -> set[str]:
        return set().union(*(b.sources[self.name] for b in self.batches))

    def agencies(self) -> set[str]:
        return set().union(*(b.agencies[self.name] for b in self.batches))

    def count(self) -> int:
        return sum(b.rows[self.name] for b in self.batches)

    def scan(self, columns: list[str], filter: pc.Expression | None = None) -> pa.Table:
        schema = pa.schema([self.schema.field(c) for c in columns])
        parts = [read_staged(path, columns, filter).cast(schema)
                 for path in self._files(every=True)]
        return pa.concat_tables(parts) if parts else schema.empty_table()

    def of_year(self, year: Year) -> pa.Table:
        # One file after another, each decoded to the dataset's schema: a batch's
        # dictionaries are its own.
        parts = [read_staged(path, self.schema.names).cast(self.schema)
                 for path in self._files(year)]
        return pa.concat_tables(parts) if parts else self.schema.empty_table()


__all__ = ["NOT_CARRY", "NewRows", "StagedFiles", "TableRows", "Year", "distinct",
           "read_staged", "without_carry_checks"]
