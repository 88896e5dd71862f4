"""The one schema of the warehouse: every dataset, column, type and meaning.

The warehouse holds three datasets (``docs/data-dictionary.md``). Their
columns are declared here once, PUDL-style, and everything else is derived from this
registry: the pyarrow schema the Parquet files are written with, the pandas dtypes
analysts get back (:func:`conform`), empty frames, and the data dictionary shipped as
``docs/data-dictionary.md`` (:func:`data_dictionary`, with the views' part added by
:mod:`load.dictionary`; a test keeps the file current).

pandas dtypes follow the arrow types, chosen so that nulls survive and strings stay
strings: integers are nullable (``Int16``, ``Int32``, ``Int64``), ``value``,
``expected`` and ``actual`` are plain ``float64`` (null is NaN), booleans are
``boolean``, strings ``string`` and the timestamp ``datetime64[us, UTC]``.

Run ``python -m load.schema`` to print the datasets' part of the data dictionary.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads

from transform.maps import read_map

PARTITION_COLUMN = "year"
# The partition directory of reports whose year is unknown (failed reports): `year=0`,
# read back as null through :func:`hive_partitioning`. The Hive convention,
# `year=__HIVE_DEFAULT_PARTITION__`, makes a plain `pandas.read_parquet(WAREHOUSE/reports)`
# fail ("Cannot yet unify dictionaries with nulls", pandas-dev/pandas#55400), and a file
# outside any `year=` directory makes DuckDB's `hive_partitioning=true` fail ("Hive
# partition mismatch"); `year=0` is read by every reader, and no report is of year 0.
UNKNOWN_YEAR = "0"


class SchemaError(ValueError):
    """A frame does not have the columns or values its dataset requires."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a dataset: its name, arrow type, meaning and whether it may be null."""

    name: str
    arrow_type: pa.DataType
    description: str
    nullable: bool = True

    @property
    def field(self) -> pa.Field:
        return pa.field(self.name, self.arrow_type, nullable=self.nullable)

    @property
    def pandas_dtype(self) -> object:
        return pandas_dtype(self.arrow_type)


@dataclass(frozen=True, slots=True)
class Dataset:
    """One Parquet dataset of the warehouse, Hive-partitioned by ``year``."""

    name: str
    columns: tuple[Column, ...]
    description: str

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise SchemaError(f"dataset {self.name!r} has no column {name!r}")


def pandas_dtype(arrow_type: pa.DataType) -> object:
    """The pandas dtype that holds ``arrow_type`` without losing nulls or strings."""
    if pa.types.is_timestamp(arrow_type):
        return pd.DatetimeTZDtype(unit=arrow_type.unit, tz=arrow_type.tz or "UTC")
    try:
        return _PANDAS_DTYPES[arrow_type]
    except KeyError:
        raise SchemaError(f"no pandas dtype declared for arrow type {arrow_type}") from None


_PANDAS_DTYPES: dict[pa.DataType, object] = {
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.float64(): "float64",
    pa.bool_(): pd.BooleanDtype(),
    pa.string(): pd.StringDtype(),
}

S, I16, I32, I64, F64 = pa.string(), pa.int16(), pa.int32(), pa.int64(), pa.float64()
UTC_US = pa.timestamp("us", tz="UTC")

# Columns shared by several datasets, so that their meaning is written once.
_YEAR = "report year: the statistics year, not the publication year"
_AGENCY_ID = "stable id from the agency registry"
_AGENCY = "canonical agency name"
_AGENCY_KIND = ("the agency's kind (区政府, 区政府部门, 乡镇街道…: the group it is compared "
                "within), from the agency registry's `kind` column, else by the end of its "
                "name (`transform/maps/agency_kinds.csv`); null when neither gives one. "
                "Stamped when the report is processed: after changing kinds in the registry, "
                "`xxgk run --full` stamps them on loaded reports (extension)")
_TEMPLATE = "`2019` or `2021`: which official table template the report follows"
_TABLE = ("`active_disclosure` (表二), `applications` (表三), "
          "`reviews_litigation` (表四)")
_SOURCE = ("path of the report file relative to the source root, `/` between folders; "
           "`\\\\` stands for a backslash and `\\xHH` for a byte of a name that is not "
           "valid UTF-8")
_SHA = "sha256 of the report file's bytes"

FACTS = Dataset(
    name="facts",
    description="One row per table cell of every report.",
    columns=(
        Column("year", I16, _YEAR, nullable=False),
        Column("agency_id", S, _AGENCY_ID),
        Column("agency", S, _AGENCY),
        Column("template", S, _TEMPLATE),
        Column("table", S, _TABLE, nullable=False),
        Column("row_key", S, "canonical row key (see the keys below)", nullable=False),
        Column("col_key", S, "canonical column key (see the keys below)", nullable=False),
        Column("value", F64, "the number, in `unit`; null where the cell is blank or a dash"),
        Column("unit", S, "`count` or `yuan` (万元 amounts are converted to yuan)"),
        Column("cell", S, "`number`, `blank`, `dash` (`/`, `—`, `无`…) or `derived` "
               "(computed, e.g. the 2021 sub-rows of 其他处理 summed into `other`)"),
        Column("raw_row_label", S, "the row label exactly as found in the source, for audit"),
        Column("raw_col_label", S, "the column label exactly as found in the source"),
        Column("raw_value", S, "the cell exactly as found in the source"),
        Column("source", S, _SOURCE, nullable=False),
        Column("source_sha256", S, _SHA, nullable=False),
        Column("line", I32, "1-based line of the decoded text where the value was read "
               "(null for derived cells)"),
        Column("agency_kind", S, _AGENCY_KIND),
    ),
)

REPORTS = Dataset(
    name="reports",
    description=(
        "One row per report file processed: the ledger of what each source file's last "
        "hash, status and error was. Reports whose year could not be found (failed "
        "reports) have a null year; they are stored in the partition `year=0`, which "
        "`Warehouse.read` and the int16 read above return as null, while a plain "
        "`pd.read_parquet` or DuckDB show year 0."
    ),
    columns=(
        Column("year", I16, _YEAR + "; null when it could not be determined"),
        Column("agency_id", S, _AGENCY_ID),
        Column("agency", S, _AGENCY),
        Column("template", S, _TEMPLATE),
        Column("source", S, _SOURCE, nullable=False),
        Column("source_sha256", S, _SHA),
        Column("bytes", I64, "size of the report file in bytes"),
        Column("encoding", S, "how the file was decoded: `utf-8`, `gb18030`, `big5`, "
               "`utf-16`…"),
        Column("format", S, "layout the tables were read from: `pipe`, `markdown`, `tab`, "
               "`spaces`, `lines`, `html`, `pdf`, `text`…"),
        Column("title", S, "the report's title as found"),
        Column("status", S, "`ok`, `partial` or `failed`; `removed` when the file is no "
               "longer in the source (its facts and checks withdrawn, `n_facts` 0; the "
               "other columns are its last reading's)", nullable=False),
        Column("error", S, "why the report failed or is partial; null when `ok`"),
        Column("n_facts", I32, "number of facts rows of this report"),
        Column("n_checks_failed", I32, "number of its failed checks (its `checks` rows "
               "with `passed` false, `cross_file` ones included)"),
        Column("run_id", S, "id of the pipeline run that processed the file"),
        Column("processed_at", UTC_US, "when the file was processed (UTC)"),
        Column("n_warnings", I32, "number of extraction warnings (extension)"),
        Column("warnings", S, "the extraction warnings, human-readable, one per line "
               "(extension)"),
        Column("superseded_by", S, "when the agency-year was read from several files: the "
               "source of the file loaded instead of this one (its facts and checks are "
               "not loaded, `n_facts` and `n_checks_failed` are 0); null for the file "
               "loaded and for an agency-year read from one file (extension)"),
        Column("source_mtime_ns", I64, "the file's modification time when it was read, "
               "in nanoseconds since 1970 (UTC): with `bytes`, how the next run tells an "
               "unchanged file without reading it; null when not known (extension)"),
        Column("stale", pa.bool_(), "true when the facts and checks published for this "
               "source come from earlier bytes than `source_sha256`: its new bytes failed "
               "(`status` `failed`, `error` says why) and the facts of its last `ok` or "
               "`partial` bytes were kept (`n_facts` and `n_checks_failed` count them); "
               "false otherwise; null in rows written before the column existed "
               "(extension)"),
        Column("facts_sha256", S, "sha256 of the bytes the published facts of this "
               "source come from: `source_sha256` when not `stale`, the last good bytes' "
               "when `stale`; null when no facts of this source are published (failed "
               "without earlier facts, superseded, no facts read) (extension)"),
        Column("agency_kind", S, _AGENCY_KIND),
    ),
)

CHECKS = Dataset(
    name="checks",
    description=(
        "One row per consistency rule evaluated. A failed check never drops data. "
        "`cross_year.carry` rows are recomputed by the warehouse whenever an agency's "
        "reports change and are attributed to the year-N report. `cross_file` rows "
        "compare an agency-year read from several files: one per cell that the loaded "
        "file and another file both print, attributed to the loaded file."
    ),
    columns=(
        Column("year", I16, _YEAR, nullable=False),
        Column("agency_id", S, _AGENCY_ID),
        Column("source_sha256", S, _SHA),
        Column("rule", S, "`applications.balance`, `applications.row_sum`, "
               "`applications.outcome_sum`, `reviews_litigation.block_sum`, "
               "`cross_year.carry`, `cross_file`", nullable=False),
        Column("table", S, _TABLE),
        Column("row_key", S, "the row the rule is about (null when it spans rows)"),
        Column("col_key", S, "the column the rule is about (null when it spans columns)"),
        Column("expected", F64, "the value the rule computes (e.g. the sum of the parts; "
               "for `cross_year.carry` the year N−1 结转下年度; for `cross_file` the loaded "
               "file's value)"),
        Column("actual", F64, "the value printed (null when the total is blank; for "
               "`cross_file` the other file's value)"),
        Column("passed", pa.bool_(), "whether expected and actual agree (for `cross_file`, "
               "two nulls agree and numbers are compared up to float noise)",
               nullable=False),
        Column("source", S, "path of the report the check belongs to (extension: lets a "
               "rerun of one file replace exactly its rows)", nullable=False),
        Column("other_source", S, "for `cross_file`: the path of the other file of the "
               "agency-year, whose value is `actual`; null for every other rule "
               "(extension)"),
        Column("agency", S, _AGENCY + " (extension: checks name their agency)"),
        Column("agency_kind", S, _AGENCY_KIND),
    ),
)

DATASETS: dict[str, Dataset] = {d.name: d for d in (FACTS, REPORTS, CHECKS)}


def dataset(name: str) -> Dataset:
    """The dataset called ``name``; a clear error for any other name."""
    try:
        return DATASETS[name]
    except KeyError:
        known = ", ".join(DATASETS)
        raise SchemaError(f"unknown dataset {name!r} (known: {known})") from None


def arrow_schema(name: str) -> pa.Schema:
    """The full pyarrow schema of a dataset, ``year`` included, in the dictionary's order."""
    return pa.schema([c.field for c in dataset(name).columns])


def file_schema(name: str) -> pa.Schema:
    """The schema of one partition file: the Hive partition column lives in the path."""
    return pa.schema([c.field for c in dataset(name).columns if c.name != PARTITION_COLUMN])


def partition_schema(name: str) -> pa.Schema:
    """The schema of the Hive partition key (``year`` as int16)."""
    return pa.schema([dataset(name).column(PARTITION_COLUMN).field])


def hive_partitioning(name: str) -> pads.Partitioning:
    """How to read a dataset's `year=` directories: int16, `year=0` meaning null."""
    return pads.HivePartitioning(partition_schema(name), null_fallback=UNKNOWN_YEAR)


def partition_dir(year: int | None) -> str:
    """The directory name of a year's partition (`year=2020`; `year=0` for unknown)."""
    return f"{PARTITION_COLUMN}={UNKNOWN_YEAR if year is None else int(year)}"


@cache
def _empty(name: str) -> pd.DataFrame:
    ds = dataset(name)
    return pd.DataFrame({c.name: pd.Series([], dtype=c.pandas_dtype) for c in ds.columns})


def empty_frame(name: str) -> pd.DataFrame:
    """A frame with no rows and every column of the dataset, typed."""
    return _empty(name).copy()


def _check_columns(df: pd.DataFrame, ds: Dataset, wanted: Sequence[str]) -> None:
    missing = [c for c in wanted if c not in df.columns]
    unexpected = [str(c) for c in df.columns if c not in ds.names]
    problems = []
    if missing:
        problems.append("missing columns: " + ", ".join(missing))
    if unexpected:
        problems.append("unexpected columns: " + ", ".join(unexpected))
    if problems:
        raise SchemaError(f"{ds.name}: " + "; ".join(problems))


def _cast(series: pd.Series, col: Column, dataset_name: str) -> pd.Series:
    dtype = col.pandas_dtype
    if series.dtype == dtype:
        return series
    try:
        if pa.types.is_string(col.arrow_type):
            # astype("string") would turn 2019 into "2019" silently, which is what we want
            # for template; anything else non-string is left to pandas to stringify.
            return series.astype(dtype)
        if pa.types.is_timestamp(col.arrow_type):
            return pd.to_datetime(series, utc=True).astype(dtype)
        return series.astype(dtype)
    except (TypeError, ValueError) as err:
        raise SchemaError(
            f"{dataset_name}.{col.name}: cannot convert {series.dtype} to {dtype}: {err}"
        ) from err


def _check_nulls(df: pd.DataFrame, ds: Dataset, names: Iterable[str]) -> None:
    bad = [n for n in names if not ds.column(n).nullable and df[n].isna().any()]
    if bad:
        raise SchemaError(f"{ds.name}: null values in required columns: {', '.join(bad)}")


def conform(df: pd.DataFrame, name: str, *, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """``df`` with exactly the dataset's columns (or ``columns``), in order, typed.

    Raises :class:`SchemaError` naming any missing or unexpected column, a value that
    cannot be converted, or a null in a column that must not be null.
    """
    ds = dataset(name)
    wanted = list(columns) if columns is not None else ds.names
    for col in wanted:
        ds.column(col)  # an unknown requested column is an error too
    _check_columns(df, ds, wanted)
    if columns is not None:
        df = df[wanted]
    out = pd.DataFrame(
        {n: _cast(df[n], ds.column(n), ds.name) for n in wanted}, index=df.index
    ).reset_index(drop=True)
    _check_nulls(out, ds, wanted)
    return out


# --------------------------------------------------------------------------- working rows

# String columns that repeat within a batch (one value per report, or a few keys):
# carried dictionary-encoded, so that a batch's rows are a fraction of their plain
# size in a worker, in the pickle back to the flow and in the flow's memory. They are
# decoded only where a partition is written (load.warehouse). This working schema is
# derived from the datasets' own, here, so that both stay one source.
_REPEATED = frozenset({
    "agency_id", "agency", "agency_kind", "template", "table", "row_key", "col_key", "unit",
    "cell",
    "raw_row_label", "raw_col_label", "raw_value", "source", "source_sha256", "rule",
    "encoding", "format", "status", "run_id", "superseded_by", "other_source",
    "facts_sha256",
})


def working_schema(name: str) -> pa.Schema:
    """The arrow schema a batch's rows travel in: the dataset's, with the repeated
    string columns dictionary-encoded."""
    return _WORKING[name]


def _working(name: str) -> pa.Schema:
    fields = []
    for f in arrow_schema(name):
        if f.name in _REPEATED and pa.types.is_string(f.type):
            f = f.with_type(pa.dictionary(pa.int32(), pa.string()))
        fields.append(f)
    return pa.schema(fields)


_WORKING = {name: _working(name) for name in DATASETS}


def as_table(rows: pd.DataFrame | pa.Table, name: str, *, encode: bool = True) -> pa.Table:
    """Rows of dataset ``name`` (a frame, or an arrow table of the dataset's or the
    working schema) as an arrow table: of the working schema, or with ``encode=False``
    of whichever of the two is cheaper (a frame's plain strings stay plain)."""
    if isinstance(rows, pd.DataFrame):
        rows = pa.Table.from_pandas(conform(rows, name), schema=arrow_schema(name),
                                    preserve_index=False)
    schema = working_schema(name)
    if rows.schema.names != schema.names:
        conform(rows.slice(0, 0).to_pandas(), name)  # names the missing/unexpected columns
        raise SchemaError(f"{name}: columns {rows.schema.names} are not {schema.names}")
    if rows.schema.equals(schema) or (not encode and rows.schema.equals(arrow_schema(name))):
        return rows
    if encode:
        return rows.cast(schema)
    return rows.cast(arrow_schema(name))


# ---------------------------------------------------------------------- snapshot manifest

# The keys of WAREHOUSE/.snapshots/<id>/manifest.json (load.manifest writes it): name,
# JSON type, meaning.
MANIFEST_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("format", "integer", "The manifest's format version (1)."),
    ("snapshot", "string", "The snapshot's id (its folder's name; ids sort by time)."),
    ("parent", "string or null", "The id of the snapshot it was built from (null for the "
     "first)."),
    ("run_id", "string or null", "The run that published it (the `run_id` of the reports it "
     "loaded); null when not known."),
    ("xxgk_version", "string or null", "The xxgk version that wrote it."),
    ("registry_sha256", "string or null", "sha256 of the agency registry CSV the run used "
     "(the bundled one unless `--registry`); null when not known."),
    ("source_root", "string or null", "The source the run read (a folder's absolute path)."),
    ("created", "string", "When it was written: UTC, ISO 8601 (`2025-03-01T02:00:07Z`)."),
    ("rows", "object", "Rows per dataset: `{\"facts\": n, \"reports\": n, \"checks\": n}`."),
    ("reports", "object", "Reports by status: `{\"ok\": n, \"partial\": n, \"failed\": n}`."),
)


def _manifest_section() -> list[str]:
    lines = [
        "## Snapshot manifest",
        "",
        "Every publish writes `WAREHOUSE/.snapshots/<id>/manifest.json` into the snapshot "
        "it makes, before the snapshot becomes current (`xxgk status --snapshots` lists "
        "them). Snapshots written before manifests existed have none.",
        "",
        "| key | JSON type | meaning |",
        "|---|---|---|",
    ]
    lines += [f"| `{name}` | {kind} | {_md(text)} |" for name, kind, text in MANIFEST_FIELDS]
    return [*lines, ""]


# --------------------------------------------------------------------------- dictionary

DICTIONARY_HEADER = """\
# Data dictionary

<!-- Generated by `python -m load.dictionary` from load/schema.py, load/views.py,
     load/views.csv and transform/maps/keys.csv.
     Do not edit by hand: tests/load/test_schema.py fails when this file is stale. -->

The warehouse holds three Parquet datasets, each Hive-partitioned by `year`
(`WAREHOUSE/facts/year=2020/part-0.parquet`), one file per partition. Read them with

```python
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

facts = pd.read_parquet("WAREHOUSE/facts")   # year comes back as a category
# keep year an int16 (and read the reports of unknown year, stored under year=0, as null):
part = ds.HivePartitioning(pa.schema([("year", pa.int16())]), null_fallback="0")
facts = pd.read_parquet("WAREHOUSE/facts", partitioning=part)
```

or with DuckDB:

```sql
SELECT * FROM read_parquet('WAREHOUSE/facts/**/*.parquet', hive_partitioning=true);
```

`WAREHOUSE/facts`, `reports` and `checks` are symbolic links into the current
snapshot (`WAREHOUSE/.current`), which every write replaces in one atomic step.
A dataset with no rows holds one empty file (under `year=0`), so readers still see
its columns. `Warehouse.read` (in `load.warehouse`) returns the pandas dtypes listed
below; a plain `pd.read_parquet` gives the same dtypes, except `year`: a category, and
the last column.
"""


_TYPE_NAMES = {"double": "float64", "bool": "bool"}


def _type_name(arrow_type: pa.DataType) -> str:
    return _TYPE_NAMES.get(str(arrow_type), str(arrow_type))


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    return f"`{text}`" if text else ""


def _dataset_section(ds: Dataset) -> list[str]:
    lines = [f"## `{ds.name}`", "", _md(ds.description), "",
             "| column | type | pandas | null | meaning |", "|---|---|---|---|---|"]
    for col in ds.columns:
        null = "yes" if col.nullable else "no"
        kind, dtype = _type_name(col.arrow_type), col.pandas_dtype
        lines.append(f"| `{col.name}` | {kind} | {dtype} | {null} | {_md(col.description)} |")
    return [*lines, ""]


def _keys_section() -> list[str]:
    lines = [
        "## Canonical keys",
        "",
        "Every `(table, row_key, col_key)` of `keys.csv`. `*` means every key of the other "
        "axis. *Comparable* means both the 2019 and the 2021 template print the key, so "
        "its values can be compared across the template change.",
        "",
        "| table | row_key | row_label | col_key | col_label | templates | unit | comparable "
        "| notes |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in read_map("keys"):
        comparable = "yes" if {"2019", "2021"} <= set(r["templates"].split()) else "no"
        cells = [r["table"], _code(r["row_key"]), _md(r["row_label"]), _code(r["col_key"]),
                 _md(r["col_label"]), r["templates"], r["unit"], comparable,
                 _md(r.get("notes", ""))]
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, ""]


def data_dictionary() -> str:
    """Markdown describing every dataset and column, and the canonical keys."""
    lines = [DICTIONARY_HEADER]
    for ds in DATASETS.values():
        lines += _dataset_section(ds)
    lines += _manifest_section()
    lines += _keys_section()
    return "\n".join(lines)


def main() -> None:
    """Print the data dictionary (``python -m load.schema > docs/data-dictionary.md``)."""
    print(data_dictionary(), end="")


if __name__ == "__main__":
    main()
