"""Decide which source files a run processes, and cut them into batches.

The nightly run is incremental: a file whose bytes (sha256) were already processed
from the same path is skipped (the same bytes give the same result), so a night with
nothing new does nothing; new and changed files are processed. Operators retry what
failed or is partial (``--failed``, e.g. after a fix), narrow a run to agencies
(``--agency``) or years (``--year``), or reprocess everything (``--full``).
Planning reads only the ledger and the crawl, so a run with nothing to do can stop
before any orchestration starts.

One report is often saved as several files (``区应急管理局/2023.txt`` beside
``2023.html``), and only one of them may be loaded (``load.batch.siblings``). That
choice needs all of them at once, so whenever one file of an agency-year is processed,
every file of that agency-year in the source is processed with it (pulled into the
plan, reason ``with another file of its agency-year``), in the same batch. The
agency-year of a file is known from the layout ``<agency>/<year>.<ext>`` or from the
ledger; a new file outside that layout reveals it only when extracted, so the flow
asks :func:`split_agency_years` after its batches which agency-years were not seen
whole by one batch, and processes their files once more, together.

What the crawl passed over is part of the plan: links out of the source that were not
followed and folders that cannot be read are counted beside the files' reasons, and
named one by one in :meth:`Plan.warnings` for the run to print, since either hides
reports from the run.

Batches keep one agency's files together (a rerun of an agency is then one or two
tasks), never split an agency-year's files, and are sized so that both cores get work
while the per-task cost of the orchestrator stays a small fraction of the parsing.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from extract.report import identity_from_path
from extract.source import LINK_OUT, UNREADABLE_FOLDER, Known, Source, SourceFile, SourceNotice
from transform.agencies import AgencyRegistry, did_you_mean

# Reports per task: a full batch is about a second of parsing, against the few
# milliseconds (and server CPU) Prefect spends on a task.
MAX_BATCH = 250
MIN_BATCH = 10
NOT_OK = frozenset({"failed", "partial"})
REMOVED = "removed"
# A run withdrawing more than this share of the known files is refused unless allowed.
REMOVALS_LIMIT = 0.2
SIBLING = "with another file of its agency-year"

AgencyYear = tuple[str, int]  # (agency_id, statistics year)

# How the plan counts what the crawl passed over (``Plan.reasons``).
NOTICE_REASONS = {LINK_OUT: "links out of the source (not followed)",
                  UNREADABLE_FOLDER: "folders that cannot be read"}


@dataclass(frozen=True, slots=True)
class Selection:
    """What the operator asked for (all empty: the nightly default)."""

    agencies: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    failed_only: bool = False
    full: bool = False
    # Withdraw more than REMOVALS_LIMIT of the known files if they left the source.
    allow_removals: bool = False


@dataclass(slots=True)
class Plan:
    """The files to process, the files left alone, and why."""

    todo: list[SourceFile] = field(default_factory=list)
    skipped: list[SourceFile] = field(default_factory=list)  # not reports
    reasons: Counter[str] = field(default_factory=Counter)
    agency_ids: dict[str, str | None] = field(default_factory=dict)  # path -> agency_id
    # Every report file of the crawl whose agency-year is known (layout or ledger),
    # processed or not: where the siblings of a file are found.
    known: dict[AgencyYear, list[SourceFile]] = field(default_factory=dict)
    agency_years: dict[str, AgencyYear] = field(default_factory=dict)  # path -> known one
    notices: list[SourceNotice] = field(default_factory=list)  # what the crawl passed over
    # Every agency (agency_id -> a name it goes by there) and every year of the crawl's
    # reports and the ledger, selected or not: what a selection can match.
    found_agencies: dict[str, str] = field(default_factory=dict)
    found_years: set[int] = field(default_factory=set)
    # Files of the ledger no longer in the source (their rows are withdrawn), and how
    # many files of the ledger this run could have found removed.
    removed: list[str] = field(default_factory=list)
    known_before: int = 0
    crawled: set[str] = field(default_factory=set)  # every file the crawl found
    left: dict[str, str] = field(default_factory=dict)  # path -> why it is left alone

    @property
    def empty(self) -> bool:
        return not self.todo and not self.removed

    def too_many_removed(self, selection: Selection) -> str | None:
        """One line refusing the run when more than :data:`REMOVALS_LIMIT` of the
        known files left the source (an unmounted share, a wrong ``--source``), unless
        ``selection.allow_removals``; None otherwise."""
        if selection.allow_removals or len(self.removed) <= REMOVALS_LIMIT * self.known_before:
            return None
        return (f"{len(self.removed)} of the {self.known_before} report files the "
                f"warehouse knows are no longer in the source (more than "
                f"{REMOVALS_LIMIT:.0%}): is the source mounted and right? "
                "--allow-removals withdraws them")

    def note(self, notices: Iterable[SourceNotice]) -> None:
        """Count and keep what the crawl passed over."""
        for notice in notices:
            self.notices.append(notice)
            self.reasons[NOTICE_REASONS.get(notice.kind, notice.kind)] += 1

    def warnings(self) -> list[str]:
        """One line naming each link not followed and each folder not read (stored
        names: print them through ``extract.names.printable``)."""
        return [_warning(notice) for notice in self.notices]

    def unmatched(self, selection: Selection, registry: AgencyRegistry) -> str | None:
        """One line naming the first agency or year of ``selection`` that no report can
        match, with the names or years that exist; None when each may match.

        An agency matches when the registry knows its spelling or a report of the
        source or the ledger goes by it (a folder named so, an unregistered name); a
        year when a report of the source or the ledger is of that year."""
        for name in selection.agencies:
            agency = registry.resolve(name)
            if agency.known or agency.agency_id in self.found_agencies:
                continue
            names = [*registry.spellings(), *sorted(self.found_agencies.values())]
            return (f"agency {name} is neither in the registry nor a folder of the source"
                    + did_you_mean(name, names))
        for year in selection.years:
            if year not in self.found_years:
                held = ", ".join(map(str, sorted(self.found_years)))
                return (f"no report of {year} in the source nor the warehouse"
                        + (f" (years there: {held})" if held else " (no reports there)"))
        return None

    def describe(self) -> str:
        parts = [f"{n} {why}" for why, n in sorted(self.reasons.items())]
        return ", ".join(parts) if parts else "no files"


def _warning(notice: SourceNotice) -> str:
    if notice.kind == LINK_OUT:
        return (f"{notice.path} is a link out of the source (to {notice.detail}): not "
                "followed (xxgk run --follow-links follows it)")
    if notice.kind == UNREADABLE_FOLDER:
        return (f"folder {notice.path} cannot be read ({notice.detail}): its reports are "
                "not in this run")
    return f"{notice.path}: {notice.kind} ({notice.detail})"


def _ledger_index(ledger: pd.DataFrame) -> dict[str, dict[str, object]]:
    if ledger.empty:
        return {}
    columns = ["source", "source_sha256", "bytes", "status", "agency_id", "agency", "year"]
    return {str(row["source"]): row for row in ledger[columns].to_dict("records")}


def _file_identity(path_identity: tuple[str | None, int | None],
                   last: dict[str, object] | None,
                   registry: AgencyRegistry) -> tuple[str | None, int | None]:
    """agency_id and year of a file from its path layout (``path_identity``: the agency
    and year it names), else from its last load."""
    agency, year = path_identity
    agency_id = registry.resolve(agency).agency_id if agency else None
    if last is not None:
        agency_id = agency_id or _str_or_none(last.get("agency_id"))
        year = year if year is not None else _int_or_none(last.get("year"))
    return agency_id, year


def _str_or_none(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def _int_or_none(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)  # type: ignore[call-overload]


def _changed(file: SourceFile, last: dict[str, object]) -> bool:
    """Whether a file's bytes differ from those last read: by its size, else by its
    sha256 where the crawl read it (it did unless the ledger vouches for it)."""
    size = last["bytes"]
    if not file.sha256:  # not read: the ledger vouched for it, or its size changed
        return pd.isna(size) or int(size) != file.bytes  # type: ignore[call-overload]
    return last["source_sha256"] != file.sha256


def _why(file: SourceFile, last: dict[str, object] | None,
         selection: Selection) -> tuple[bool, str]:
    """Whether the file is processed, and why (the plan's reason counts).

    The same bytes give the same result, so an unchanged file is left alone whatever
    its last status; ``--failed`` retries the failed and partial ones (after a fix of
    the code or the registry), changed or not.
    """
    if last is None or last["status"] == REMOVED:
        why = "new" if last is None else "back in the source"
        return (False, f"{why}, left for a run without --failed") \
            if selection.failed_only else (True, why)
    changed = _changed(file, last)
    status = str(last["status"])
    if selection.failed_only:
        if status in NOT_OK:
            return True, f"previously {status}" + (", changed" if changed else "")
        return (False, "changed, left for a run without --failed") if changed \
            else (False, "unchanged")
    if changed:
        return True, f"previously {status}, changed" if status in NOT_OK else "changed"
    if selection.full or selection.agencies or selection.years:
        if status in NOT_OK:
            return True, f"previously {status}"
        return True, "reprocessed (--full)" if selection.full else "reprocessed (selected)"
    if status in NOT_OK:
        return False, f"unchanged and {status} (rerun them with --failed)"
    return False, "unchanged"


def plan_run(files: Iterable[SourceFile], ledger: pd.DataFrame, selection: Selection,
             registry: AgencyRegistry) -> Plan:
    """Pick the files this run processes: those new, changed or selected, and every
    other file of their agency-years."""
    wanted_ids = {registry.resolve(name).agency_id for name in selection.agencies}
    index = _ledger_index(ledger)
    plan = Plan()
    left: dict[str, str] = {}  # path -> why a file with a known agency-year is left alone
    for file in files:
        plan.crawled.add(file.path)
        if not file.is_report:
            plan.skipped.append(file)
            plan.reasons["not reports"] += 1
            continue
        last = index.get(file.path)
        path_identity = identity_from_path(Path(file.path))
        agency_id, year = _file_identity(path_identity, last, registry)
        folder = path_identity[0]
        if agency_id is not None and folder:
            plan.found_agencies.setdefault(agency_id, folder)
        if year is not None:
            plan.found_years.add(year)
        if agency_id is not None and year is not None:
            plan.agency_years[file.path] = (agency_id, year)
            plan.known.setdefault((agency_id, year), []).append(file)
        if (wanted_ids and agency_id not in wanted_ids) or (
                selection.years and year not in selection.years):
            continue
        todo, why = _why(file, last, selection)
        plan.reasons[why] += 1
        if not todo:
            left[file.path] = why
            continue
        _add(plan, file, agency_id)
    _add_siblings(plan, left)
    plan.left = left
    _found_in_ledger(plan, index.values())
    return plan


def _found_in_ledger(plan: Plan, rows: Iterable[Mapping[str, object]]) -> None:
    """The agencies and years of the ledger's reports, for :meth:`Plan.unmatched`."""
    for row in rows:
        agency_id, year = _str_or_none(row["agency_id"]), _int_or_none(row["year"])
        if agency_id is not None:
            plan.found_agencies.setdefault(agency_id, _str_or_none(row["agency"]) or agency_id)
        if year is not None:
            plan.found_years.add(year)


def _add(plan: Plan, file: SourceFile, agency_id: str | None) -> None:
    plan.todo.append(file)
    plan.agency_ids[file.path] = agency_id


def _add_siblings(plan: Plan, left: Mapping[str, str]) -> None:
    """Pull in every file left alone whose agency-year has a file to process: the
    agency-year's files are compared and one of them loaded, so they go together.
    A sibling the selection filtered out (none: the agency-year is the same) or left
    alone is counted under :data:`SIBLING` instead of its first reason."""
    todo = {f.path for f in plan.todo}
    wanted = {plan.agency_years[p] for p in todo if p in plan.agency_years}
    _pull_in(plan, left, wanted)


def _pull_in(plan: Plan, left: Mapping[str, str], wanted: Iterable[AgencyYear]) -> None:
    """Process every file of the ``wanted`` agency-years (counted under :data:`SIBLING`
    instead of the reason it was left alone for)."""
    todo = {f.path for f in plan.todo}
    for key in sorted(wanted):
        for file in plan.known.get(key, ()):
            if file.path in todo:
                continue
            why = left.get(file.path)
            if why is not None:
                plan.reasons[why] -= 1
                if not plan.reasons[why]:
                    del plan.reasons[why]
            plan.reasons[SIBLING] += 1
            todo.add(file.path)
            _add(plan, file, key[0])


def split_agency_years(plan: Plan, resolved: Sequence[Mapping[str, AgencyYear]]) -> Plan:
    """The files to process once more, together, after the run's batches (a plan of
    its own, empty when there are none, to cut with :func:`batches`).

    ``resolved`` holds, per batch, the agency-year each file was extracted as. An
    agency-year is split when files of it were extracted in more than one batch, or
    when the crawl holds a file of it that the run did not process: both happen only
    when the extraction found an agency-year the plan could not know (a new file
    outside the ``<agency>/<year>.<ext>`` layout, a changed file whose report now
    names another agency or year). Every file of a split agency-year is in the plan:
    those extracted and those known to the crawl. The flow processes them in more
    batches and takes their rows out of the first ones. One round: a file pulled in
    here was already extracted as the agency-year the ledger gives it.
    """
    batches_of: dict[AgencyYear, set[int]] = {}
    extracted: dict[AgencyYear, set[str]] = {}
    for i, keys in enumerate(resolved):
        for path, key in keys.items():
            batches_of.setdefault(key, set()).add(i)
            extracted.setdefault(key, set()).add(path)
    processed = {f.path: f for f in plan.todo}
    again = Plan()
    for key in sorted(batches_of):
        unseen = [f for f in plan.known.get(key, ()) if f.path not in processed]
        if len(batches_of[key]) < 2 and not unseen:
            continue
        files = [processed[path] for path in sorted(extracted[key])] + unseen
        for file in files:
            if file.path not in again.agency_years:
                _add(again, file, key[0])
                again.agency_years[file.path] = key
        if unseen:
            again.reasons[SIBLING] += len(unseen)
    return again


def batch_size(n_files: int, workers: int) -> int:
    """Files per batch: at least two batches per worker when there is enough work,
    so that both cores stay busy until the end, and never more than MAX_BATCH."""
    if n_files <= 0:
        return MIN_BATCH
    return max(MIN_BATCH, min(MAX_BATCH, math.ceil(n_files / (2 * max(1, workers)))))


def batches(plan: Plan, workers: int, size: int | None = None) -> list[list[SourceFile]]:
    """The plan's files in batches, one agency's files kept together where they fit.
    An agency larger than a batch is split between its agency-years, never within one
    (a batch may then exceed ``size`` by the rest of an agency-year)."""
    size = size or batch_size(len(plan.todo), workers)
    ordered = sorted(plan.todo, key=lambda f: (plan.agency_ids.get(f.path) or "", f.path))
    groups: dict[str, dict[object, list[SourceFile]]] = {}
    for file in ordered:
        agency = groups.setdefault(plan.agency_ids.get(file.path) or file.path, {})
        agency.setdefault(plan.agency_years.get(file.path) or file.path, []).append(file)
    out: list[list[SourceFile]] = []
    current: list[SourceFile] = []
    for group in groups.values():
        if current and len(current) + sum(map(len, group.values())) > size:
            out.append(current)
            current = []
        for files in group.values():
            if current and len(current) + len(files) > size:
                out.append(current)
                current = []
            current.extend(files)
            if len(current) >= size:
                out.append(current)
                current = []
    if current:
        out.append(current)
    return out


def known_files(ledger: pd.DataFrame) -> dict[str, Known]:
    """What the ledger recorded of each file when it was last read: its size, its
    modification time (-1 where a warehouse written before times were recorded has
    none: the file is then hashed) and its sha256."""
    if ledger.empty or "source_mtime_ns" not in ledger:
        return {}
    rows = ledger[["source", "bytes", "source_mtime_ns", "source_sha256"]].dropna(
        subset=["bytes", "source_sha256"])
    return {str(source): (int(size), -1 if pd.isna(mtime) else int(mtime), str(digest))
            for source, size, mtime, digest in rows.itertuples(index=False)}


def plan_source(source: Source, ledger: pd.DataFrame, selection: Selection,
                registry: AgencyRegistry) -> Plan:
    """Crawl ``source`` and plan the run against the warehouse's ledger: files whose
    size and time the ledger recorded are not read (see ``extract.source``)."""
    known = {} if selection.full else known_files(ledger)
    plan = plan_run(source.files(known), ledger, selection, registry)
    plan.note(source.notices)
    _removals(plan, ledger, selection, registry)
    return plan


def _removals(plan: Plan, ledger: pd.DataFrame, selection: Selection,
              registry: AgencyRegistry) -> None:
    """The ledger's files (of the selection) that the crawl no longer found: removed
    (not below a folder the crawl could not read or a link it did not follow). A run
    of ``--failed`` withdraws none."""
    if ledger.empty or selection.failed_only:
        return
    wanted_ids = {registry.resolve(name).agency_id for name in selection.agencies}
    passed_over = tuple(n.path.rstrip("/") + "/" for n in plan.notices)
    gone: set[AgencyYear] = set()
    for row in ledger[["source", "status", "agency_id", "year"]].itertuples(index=False):
        if row.status == REMOVED:
            continue
        if (wanted_ids and row.agency_id not in wanted_ids) or (
                selection.years and (pd.isna(row.year) or int(row.year) not in selection.years)):
            continue
        source = str(row.source)
        plan.known_before += 1
        if source in plan.crawled or (source + "/").startswith(passed_over):
            continue
        plan.removed.append(source)
        plan.reasons["no longer in the source"] += 1
        if not pd.isna(row.agency_id) and not pd.isna(row.year):
            gone.add((str(row.agency_id), int(row.year)))
    plan.removed.sort()
    # The files left of a removed file's agency-year are compared again: one of them
    # is loaded when the removed file was the one loaded.
    _pull_in(plan, plan.left, gone)


__all__ = ["NOTICE_REASONS", "SIBLING", "AgencyYear", "Plan", "Selection", "batch_size", "batches",
           "plan_run", "plan_source", "split_agency_years"]
