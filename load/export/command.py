"""``xxgk export``: check where the files go, read the selection, write it.

Nothing is created above what was named: the workbook's folder must exist, and the
CSV folder is made only when its parent exists (and the selection is known good).
Every file is written beside its place and renamed into it once all are written: an
export that fails on the way (an error, a snapshot deleted while read) changes no file.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from extract.names import printable
from load.export.csvfiles import CsvOutput
from load.export.prefetch import prefetched
from load.export.selection import ExportError
from load.export.tables import Origin, Table, on_current_snapshot, opened
from load.export.workbook import WorkbookOutput
from load.roster import UnknownAgency, UnknownKind
from load.warehouse import Snapshot, WarehouseError
from transform.maps import MapError


@dataclass(frozen=True)
class Written:
    """What an export wrote."""

    workbook: Path | None = None
    csv_files: list[Path] = field(default_factory=list)
    rows: int = 0  # data rows over the sheets, total rows included


def _checked_workbook(out: str | Path | None) -> Path | None:
    if out is None:
        return None
    path = Path(out)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write {path}: its folder {path.parent} does not exist")
    return path


def _checked_csv_folder(folder: str | Path | None) -> Path | None:
    if folder is None:
        return None
    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(f"cannot write CSV files into {path}: it is not a folder")
    if not path.exists() and not path.absolute().parent.is_dir():
        raise FileNotFoundError(f"cannot write CSV files into {path}: its parent folder "
                                f"{path.absolute().parent} does not exist")
    return path


class Output(Protocol):
    """Where an export's tables go: written one by one, then put in place at once."""

    def add(self, table: Table) -> None: ...

    def finish(self, origin: Origin) -> list[Path]: ...

    def discard(self) -> None: ...


def _write(snapshot: Snapshot, warehouse: str | Path, workbook: Path | None,
           folder: Path | None, selection: dict[str, Any]) -> Written:
    """Read ``snapshot``'s tables and write them, each read while the one before is
    written. The CSV folder is made once the selection is known good."""
    with opened(snapshot, warehouse, **selection) as (origin, tables):
        book: WorkbookOutput | None = None
        files: CsvOutput | None = None
        try:
            if workbook is not None:
                book = WorkbookOutput(workbook)
            if folder is not None:
                folder.mkdir(exist_ok=True)
                files = CsvOutput(folder)
            outputs: list[Output] = [o for o in (book, files) if o is not None]
            rows = 0
            for table in prefetched(tables):
                for output in outputs:
                    output.add(table)
                rows += len(table.rows)
            return Written(book.finish(origin)[0] if book else None,
                           files.finish(origin) if files else [], rows)
        except BaseException:
            for output in (book, files):
                if output is not None:
                    output.discard()
            raise


def export(warehouse: str | Path, *, out: str | Path | None = None,
           csv_dir: str | Path | None = None, years: Iterable[int] | None = None,
           agencies: Iterable[str] | None = None, kinds: Iterable[str] | None = None,
           registry: str | Path | None = None) -> Written:
    """Export the warehouse's views to a workbook (``out``), CSV files (``csv_dir``) or
    both, for the years, agencies (any registered spelling) and agency kinds given,
    from its current snapshot."""
    if out is None and csv_dir is None:
        raise ValueError("nothing to write: give a workbook (out) or a CSV folder (csv_dir)")
    workbook, folder = _checked_workbook(out), _checked_csv_folder(csv_dir)
    selection = {"years": list(years) if years is not None else None,
                 "agencies": list(agencies) if agencies is not None else None,
                 "kinds": list(kinds) if kinds is not None else None, "registry": registry}
    return on_current_snapshot(
        warehouse, lambda snapshot: _write(snapshot, warehouse, workbook, folder, selection))


def _size(paths: Iterable[Path]) -> str:
    size = sum(p.stat().st_size for p in paths)
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} KB"


def _written_line(written: Written, seconds: float) -> str:
    parts = []
    if written.workbook is not None:
        parts.append(f"{written.workbook} ({_size([written.workbook])})")
    if written.csv_files:
        parts.append(f"{len(written.csv_files)} CSV files in {written.csv_files[0].parent} "
                     f"({_size(written.csv_files)})")
    return f"wrote {' and '.join(parts)}: {written.rows:,} rows in {seconds:.1f} s"


def export_command(args: argparse.Namespace) -> int:
    """``xxgk export``: 0 when written, 2 for a usage error (nothing to write, no
    warehouse, an agency, kind or year it does not hold, a folder that does not exist)."""
    started = time.perf_counter()
    if args.out is None and args.csv is None:
        print("xxgk: export: nothing to write: give --out FILE.xlsx, --csv DIR or both",
              file=sys.stderr)
        return 2
    try:
        written = export(args.warehouse, out=args.out, csv_dir=args.csv,
                         years=args.year or None, agencies=args.agency or None,
                         kinds=args.kind or None, registry=args.registry)
    except (OSError, WarehouseError, MapError, UnknownAgency, UnknownKind,
            ExportError) as err:
        print(f"xxgk: export: {printable(' '.join(str(err).split()))}", file=sys.stderr)
        return 2
    print(printable(_written_line(written, time.perf_counter() - started)))
    return 0


__all__ = ["Written", "export", "export_command"]
