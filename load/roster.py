"""The agencies a reader asks for, checked against what one snapshot holds.

``xxgk compare`` and ``xxgk export`` both take agencies (any registered spelling, a name
the warehouse holds, or an id) and kinds, and both must refuse in one line what the
warehouse does not hold, naming what it does. The answer is one list of agency ids of
the ``agencies`` roster: a kind selects an agency by its latest kind, as every view
groups it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb

from load.analysis import agency_ids
from load.views import UNCLASSIFIED
from transform.agencies import did_you_mean, load_registry

# The kinds of the bundled registry in the order reports and messages list them; other
# kinds follow by name, agencies without a kind last.
KIND_ORDER = ("区政府", "区政府部门", "乡镇街道")


class UnknownAgency(ValueError):
    """An agency asked for that names none of the warehouse's (one line, with the
    closest names it holds)."""


class UnknownKind(ValueError):
    """A kind asked for that none of the warehouse's agencies has, or agencies asked
    for of none of the kinds asked for (one line)."""


def kind_order(kinds: Iterable[str]) -> list[str]:
    """``kinds`` in the report's order: KIND_ORDER, then by name, unclassified last."""
    def rank(kind: str) -> tuple[int, str]:
        if kind in KIND_ORDER:
            return KIND_ORDER.index(kind), ""
        return (len(KIND_ORDER) + (kind == UNCLASSIFIED), kind)
    return sorted(set(kinds), key=rank)


def _ids_of_names(con: duckdb.DuckDBPyConnection, names: Sequence[str],
                  registry: str | Path | None) -> set[str]:
    """The agency ids of ``names``; :class:`UnknownAgency` for the first that is none
    of the warehouse's agencies, naming the closest of its names and registered
    spellings."""
    held = dict(con.execute("SELECT DISTINCT agency_id, agency FROM reports "
                            "WHERE agency_id IS NOT NULL").fetchall())
    for name in names:
        if not set(held).intersection(agency_ids([name], registry) or ()):
            reg = load_registry(str(registry) if registry else None)
            known = [*sorted({a for a in held.values() if a}), *reg.spellings(set(held))]
            raise UnknownAgency(f"no agency {name} in the warehouse"
                                + did_you_mean(name, known))
    return set(agency_ids(names, registry) or ()) & set(held)


def _ids_of_kinds(con: duckdb.DuckDBPyConnection, kinds: Sequence[str]) -> set[str]:
    """The agencies whose latest kind (the ``agencies`` view's) is one of ``kinds``;
    :data:`UNCLASSIFIED` stands for agencies without one."""
    rows = con.execute("SELECT agency_id, coalesce(agency_kind, ?) FROM agencies",
                       [UNCLASSIFIED]).fetchall()
    held = kind_order(kind for _id, kind in rows)
    unknown = [k for k in kinds if k not in held]
    if unknown:
        raise UnknownKind(f"no agency of kind {', '.join(unknown)} in the warehouse "
                          f"(its kinds: {', '.join(held) or 'none'})")
    return {agency_id for agency_id, kind in rows if kind in kinds}


def chosen_agency_ids(con: duckdb.DuckDBPyConnection, names: Sequence[str] | None,
                      kinds: Sequence[str] | None,
                      registry: str | Path | None = None) -> list[str] | None:
    """The ids of the agencies ``names`` and ``kinds`` select together (None: both
    None, every agency); :class:`UnknownAgency` or :class:`UnknownKind` for what the
    snapshot of ``con`` does not hold, or for agencies of none of the kinds."""
    ids = _ids_of_names(con, names, registry) if names is not None else None
    if kinds is not None:
        of_kinds = _ids_of_kinds(con, kinds)
        if ids is not None and not ids & of_kinds:
            raise UnknownKind(f"none of the agencies asked for is of kind {', '.join(kinds)}")
        ids = of_kinds if ids is None else ids & of_kinds
    return sorted(ids) if ids is not None else None


__all__ = ["KIND_ORDER", "UnknownAgency", "UnknownKind", "chosen_agency_ids", "kind_order"]
