"""The agency registry: one ``agency_id`` per agency, whatever name a report prints.

Reports name their publisher in many ways (区应急管理局, 江州市云溪区应急管理局,
区应急局) and agencies are renamed in reforms (区安全生产监督管理局 became
区应急管理局 in 2019). Analysts compare an agency across years, so every spelling
must land on one stable id. The registry is a declarative CSV that operators edit
(``transform/maps/agencies.csv`` is the bundled demo district's): one row per
spelling, with its relation (``name``, ``alias``, ``former``) or a ``region`` prefix
that may precede any name. A name the registry does not know still loads, under an
id derived from the name, with a warning that tells the operator what to add.

Every agency also has a *kind* (区政府, 区政府部门, 乡镇街道…: what the registry's
owner calls its groups), so that analysts compare like with like. The registry's
``kind`` column gives it on an agency's ``name`` row; an agency without one (or a name
the registry lacks) gets the kind of the first rule of ``maps/agency_kinds.csv`` its
name ends with, else none.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from transform.maps import MapError, read_map, read_map_file

RELATIONS = ("name", "alias", "former", "region")
_SPACES = re.compile(r"\s+")
_QUOTES = str.maketrans("", "", "“”\"'《》")


MAX_RESOLVED = 4096  # names remembered by a registry (a district has a few hundred)


@dataclass(frozen=True, slots=True)
class Agency:
    """An agency as the warehouse stores it; ``known`` is False for a name the
    registry lacks (the id is then derived from the name)."""

    agency_id: str
    name: str
    known: bool = True
    matched_as: str = "name"
    kind: str | None = None


class AgencyRegistry:
    """Canonicalises agency names through the registry's spellings."""

    def __init__(self, rows: Iterable[dict[str, str] | tuple[int, dict[str, str]]],
                 where: str = "agency registry") -> None:
        """``rows`` are the registry's rows, or ``(line, row)`` pairs so that errors
        name the line of the operator's file."""
        self.where = where
        numbered = [r if isinstance(r, tuple) else (n, r) for n, r in enumerate(rows, start=2)]
        # Regions first: a spelling is stored with every region stripped, wherever the
        # region rows sit in the file.
        self._regions = sorted((_clean(row["name"]) for _, row in numbered
                                if row.get("relation") == "region" and row.get("name")),
                               key=len, reverse=True)  # 江州市云溪区 before 江州市
        self._names: dict[str, str] = {}  # agency_id -> canonical name
        self._kinds: dict[str, str] = {}  # agency_id -> kind, where the file gives one
        self._spellings: dict[str, tuple[str, str]] = {}  # match key -> (agency_id, relation)
        self._written: list[str] = []  # every name and alias as the file writes it
        self._resolved: dict[str, Agency] = {}  # printed name -> its agency, remembered
        for line, row in numbered:
            self._add(row, line)
        ids_without_name = {i for i, _ in self._spellings.values()} - set(self._names)
        if ids_without_name:
            raise MapError(f"{where}: no row with relation 'name' for "
                           f"{', '.join(sorted(ids_without_name))}")

    @classmethod
    def bundled(cls) -> AgencyRegistry:
        """The registry shipped with the project (the demo district)."""
        return _bundled_registry()

    @classmethod
    def from_file(cls, path: str | Path) -> AgencyRegistry:
        """An operator's registry file, in the bundled file's format."""
        return cls(read_map_file(path, "agencies"), where=str(path))

    def __len__(self) -> int:
        return len(self._names)

    def _add(self, row: dict[str, str], number: int) -> None:
        agency_id, name, relation = row["agency_id"], row["name"], row["relation"]
        if relation not in RELATIONS:
            raise MapError(f"{self.where}, line {number}: relation {relation!r} is not one "
                           f"of {', '.join(RELATIONS)}")
        if not name:
            raise MapError(f"{self.where}, line {number}: empty name")
        if relation == "region":
            return
        if not agency_id:
            raise MapError(f"{self.where}, line {number}: {name} has no agency_id")
        if relation == "name":
            if agency_id in self._names:
                raise MapError(f"{self.where}, line {number}: {agency_id} has two names "
                               f"({self._names[agency_id]}, {name}); make one an alias")
            self._names[agency_id] = name
            if row.get("kind"):
                self._kinds[agency_id] = row["kind"]
        elif row.get("kind"):
            raise MapError(f"{self.where}, line {number}: a kind belongs on the agency's "
                           f"'name' row, not on its {relation} {name}")
        self._written.append(name)
        self._add_spelling(_clean(name), agency_id, relation, number)

    def _add_spelling(self, spelling: str, agency_id: str, relation: str, number: int) -> None:
        # The region is stripped from both sides of a comparison, so 区教育局 and
        # 江州市云溪区教育局 meet at 教育局; two agencies meeting there is an error.
        for key in {spelling, self._strip_region(spelling)}:
            other = self._spellings.get(key)
            if other and other[0] != agency_id:
                raise MapError(f"{self.where}, line {number}: {key} names both {other[0]} "
                               f"and {agency_id}")
            if not other or other[1] != "name":
                self._spellings[key] = (agency_id, relation)

    def _strip_region(self, name: str) -> str:
        for region in self._regions:
            if name.startswith(region) and len(name) > len(region) + 1:
                return name[len(region):]
        return name

    def spellings(self, agency_ids: Collection[str] | None = None) -> list[str]:
        """Every name, alias and former name the registry writes (of these agencies
        only, when given), in the file's order: what a mistyped name is compared with."""
        if agency_ids is None:
            return list(self._written)
        return [name for name in self._written if self.resolve(name).agency_id in agency_ids]

    def resolve(self, name: str) -> Agency:
        """The agency a printed name stands for; unknown names get a derived id."""
        agency = self._resolved.get(name)
        if agency is None:  # (a run asks for the same few names once a file)
            if len(self._resolved) >= MAX_RESOLVED:
                self._resolved.clear()
            agency = self._resolved[name] = self._resolve(name)
        return agency

    def _resolve(self, name: str) -> Agency:
        cleaned = _clean(name)
        for key in (cleaned, self._strip_region(cleaned)):
            found = self._spellings.get(key)
            if found:
                agency_id, relation = found
                canonical = self._names[agency_id]
                return Agency(agency_id, canonical, True, relation,
                              self._kinds.get(agency_id) or self.kind_of(canonical))
        return Agency(unknown_agency_id(self._strip_region(cleaned)), name.strip(), False,
                      "unknown", self.kind_of(name))

    def kind_of(self, name: str) -> str | None:
        """The kind the rules give a name (ignoring the registry's own kinds)."""
        return kind_by_rules(self._strip_region(_clean(name)))

    def kinds(self) -> dict[str, str | None]:
        """agency_id → kind of every registered agency."""
        return {i: self._kinds.get(i) or self.kind_of(n) for i, n in self._names.items()}


def _clean(name: str) -> str:
    """Compare names without width, spaces or quotes: 区 应急 管理局 = 区应急管理局."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", name)).translate(_QUOTES)


@cache
def _kind_rules() -> tuple[tuple[str, str], ...]:
    return tuple((row["suffix"], row["kind"]) for row in read_map("agency_kinds"))


def kind_by_rules(name: str) -> str | None:
    """The kind of the first rule of ``maps/agency_kinds.csv`` whose suffix ends
    ``name``; None when none does."""
    return next((kind for suffix, kind in _kind_rules() if name.endswith(suffix)), None)


def unknown_agency_id(key: str) -> str:
    """A stable id for a name the registry lacks: the same name gives the same id on
    every run, so its rows can still be compared and rerun until it is registered."""
    return "new-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]


BUNDLED_REGISTRY = Path(__file__).with_name("maps") / "agencies.csv"


@cache
def _bundled_registry() -> AgencyRegistry:
    path = BUNDLED_REGISTRY
    return AgencyRegistry(read_map_file(path, "agencies"), where="transform/maps/agencies.csv")


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """`` (did you mean A or B?)`` naming the candidates closest to a name that matched
    nothing (at most three, by ``difflib``), or an empty string when none is close."""
    close = difflib.get_close_matches(name.strip(), list(dict.fromkeys(candidates)), n=3)
    if not close:
        return ""
    return f" (did you mean {' or '.join(close)}?)"


def load_registry(path: str | None) -> AgencyRegistry:
    """The operator's registry file, else the bundled one."""
    return AgencyRegistry.from_file(path) if path else AgencyRegistry.bundled()


def registry_file(path: str | None) -> Path:
    """The registry file :func:`load_registry` reads for ``path``."""
    return Path(path) if path else BUNDLED_REGISTRY


__all__ = ["Agency", "AgencyRegistry", "did_you_mean", "kind_by_rules", "load_registry",
           "registry_file", "unknown_agency_id"]
