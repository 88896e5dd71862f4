"""One mechanism for every declarative map the pipeline reads.

Template labels, aliases, typos, units and dash spellings change from report to report
and from year to year; they live as CSV files in ``transform/maps/`` so that a new
spelling is a one-line data change, not a code change. Every map is read through
:func:`read_map`, which checks the header and caches the rows.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources
from pathlib import Path

MAPS_PACKAGE = "transform.maps"

# The columns each map must have; a map with a missing column is a packaging error
# and should fail loudly at import, not mid-run.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "keys": ("table", "row_key", "row_label", "col_key", "col_label", "templates", "unit"),
    "labels": ("table", "axis", "key", "alias", "match", "templates"),
    "units": ("suffix", "multiplier", "unit"),
    "dashes": ("token",),
    "agency_suffixes": ("suffix",),
    "derived": ("table", "row_key", "parts"),
    "agencies": ("agency_id", "name", "relation"),
    "agency_kinds": ("suffix", "kind"),
    "warning_codes": ("code", "status", "meaning", "advice"),
}


class MapError(ValueError):
    """A declarative map is missing, malformed or inconsistent."""


@cache
def read_map(name: str) -> tuple[dict[str, str], ...]:
    """Return the rows of ``transform/maps/<name>.csv`` as dicts of stripped strings."""
    try:
        text = resources.files(MAPS_PACKAGE).joinpath(f"{name}.csv").read_text("utf-8")
    except FileNotFoundError as err:
        raise MapError(f"map {name}.csv not found in {MAPS_PACKAGE}") from err
    return parse_map(text, name, f"transform/maps/{name}.csv")


def read_map_file(path: str | Path, name: str) -> tuple[tuple[int, dict[str, str]], ...]:
    """Read a map an operator keeps outside the package (e.g. an agency registry),
    checked against the same required columns as the bundled map ``name``. Rows come
    with their line in the file, for error messages that point at it."""
    try:
        text = Path(path).read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise MapError(f"{path}: cannot read the {name} map ({err})") from err
    return parse_map_numbered(text, name, str(path))


def parse_map(text: str, name: str, where: str) -> tuple[dict[str, str], ...]:
    """Rows of a map's CSV text (see :func:`parse_map_numbered`)."""
    return tuple(row for _, row in parse_map_numbered(text, name, where))


def parse_map_numbered(text: str, name: str,
                       where: str) -> tuple[tuple[int, dict[str, str]], ...]:
    """Rows of a map's CSV text with their 1-based line in the text. Lines starting
    with ``#`` are comments, so a map can say in itself how to edit it."""
    kept = [(n, line) for n, line in enumerate(text.splitlines(), start=1)
            if not line.lstrip().startswith("#")]
    reader = csv.DictReader(line for _, line in kept)
    missing = set(REQUIRED_COLUMNS.get(name, ())) - set(reader.fieldnames or ())
    if missing:
        raise MapError(f"{where} lacks columns: {', '.join(sorted(missing))}")
    return tuple(
        (kept[reader.line_num - 1][0],
         {k: (v or "").strip() for k, v in row.items() if k is not None})
        for row in reader
    )
