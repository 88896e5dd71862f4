"""What a run did, in the words an operator needs at 7 a.m.

The run summary is printed at the end of ``xxgk run``, published as a Prefect
markdown artifact, and decides the run's exit code (README, "Exit status"): 0 when every processed
report is ``ok``, 1 when any is ``failed`` or ``partial`` (all others are still
written). It is plain data so that the flow, the CLI and the tests share it.

A file may be processed twice in one run (its agency-year turned out to be split
between batches and was processed again, whole): its latest outcome is the one
counted. The summary also names the agency-years read from several files, with the
file loaded and how the others compare with it, and what the crawl passed over (links
out of the source, folders it cannot read).

Warnings are grouped, not listed a file at a time: the summary gives one line per
warning code (the agencies it touched, with their files, and what to do about it, from
``transform/maps/warning_codes.csv``), and the run's log one line per agency and code
(:func:`grouped_warnings`). Partial codes are left out of the groups: their files are
listed one by one with the failures, as reports that need attention. The summary ends
with the commands that come next (:meth:`RunSummary.next_steps`).

Names come from the source and reports from anywhere: every name and reason is printed
through ``extract.names.printable``, so that a folder named with an ANSI escape or a
carriage return shows as such instead of repainting the operator's terminal or the
artifact.
"""

from __future__ import annotations

import re
import shlex
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from extract.names import printable
from load.batch.process import FAILED, OK, PARTIAL, REMOVED, SKIPPED, Outcome
from transform.warnings import warning_codes

STATUS_ORDER = (FAILED, PARTIAL, OK, SKIPPED, REMOVED)
AGENCIES_NAMED = 6  # a warning group names this many agencies, then "… and N more"
REPORTS_NAMED = 10  # the failed-checks line names this many reports, then "and N more"


@dataclass(frozen=True, slots=True)
class WarningGroup:
    """Every warning of one code in a run: the agencies it touched, most files first,
    with the number of their files, and what the code means and asks for."""

    code: str
    agencies: tuple[tuple[str, int], ...]
    files: int
    single: str | None  # the file, when only one has it
    meaning: str
    advice: str

    def names(self) -> str:
        shown = [f"{agency} ({n})" if n > 1 else agency
                 for agency, n in self.agencies[:AGENCIES_NAMED]]
        more = len(self.agencies) - AGENCIES_NAMED
        return ", ".join(shown) + (f", … and {more} more" if more > 0 else "")

    def where(self) -> str:
        if self.single is not None:
            return self.single
        if len(self.agencies) == 1:
            return f"{self.files} files of {self.agencies[0][0]}"
        return f"{self.files} files of {len(self.agencies)} agencies: {self.names()}"

    def line(self) -> str:
        """e.g. ``agency_unregistered in 42 files of 6 agencies: 桥溪街道办事处 (7), …;
        add them to …``"""
        return f"{self.code} in {self.where()}; {self.advice or self.meaning}"


def _code_of(warning: str) -> str:
    return warning.split(":", 1)[0].strip()


def warning_groups(outcomes: Iterable[Outcome]) -> list[WarningGroup]:
    """The warnings of codes that leave a report ``ok`` (the partial ones are the
    reports' own reasons), grouped by code, the code touching most files first."""
    codes = warning_codes()
    files: dict[str, dict[str, list[str]]] = {}  # code -> agency -> its sources
    for outcome in outcomes:
        for code in dict.fromkeys(_code_of(w) for w in outcome.warnings):
            known = codes.get(code)
            if known is None or known.status != OK:
                continue
            files.setdefault(code, {}).setdefault(outcome.agency or "?", []).append(
                outcome.source)
    groups = []
    for code, agencies in files.items():
        ranked = sorted(agencies.items(), key=lambda item: (-len(item[1]), item[0]))
        total = sum(len(sources) for _, sources in ranked)
        single = ranked[0][1][0] if total == 1 else None
        groups.append(WarningGroup(code, tuple((a, len(s)) for a, s in ranked), total,
                                   single, codes[code].meaning, codes[code].advice))
    return sorted(groups, key=lambda g: (-g.files, g.code))


def grouped_warnings(outcomes: Sequence[Outcome]) -> list[tuple[str, list[str]]]:
    """The run log's lines for the warnings of some outcomes (a batch's): one line a
    warning when its agency has it once, else one line for the agency and code, with
    the lines of each warning for the DEBUG level. In the order met."""
    groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for outcome in outcomes:
        for warning in outcome.warnings:
            key = (outcome.agency or outcome.source, _code_of(warning))
            groups.setdefault(key, []).append((outcome.source, warning))
    lines = []
    for (agency, code), warned in groups.items():
        each = [f"{source}: {warning}" for source, warning in warned]
        if len(warned) == 1:
            lines.append((each[0], []))
            continue
        sources = list(dict.fromkeys(source for source, _ in warned))
        named = ", ".join(sources[:2]) + (", …" if len(sources) > 2 else "")
        example = warned[0][1].split(":", 1)[-1].strip()
        lines.append((f"{agency}: {len(warned)} {code} warnings in {len(sources)} "
                      f"file{'s' if len(sources) > 1 else ''} ({named}), e.g. {example}",
                      each))
    return lines


@dataclass(slots=True)
class RunSummary:
    """Counts per status, the reports that need attention, and the plan's reasons."""

    run_id: str
    warehouse: str
    planned: str = ""
    source: str = ""  # the source folder, for the rerun command of the next steps
    registry: str | None = None
    counts: Counter[str] = field(default_factory=Counter)
    problems: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0
    snapshot: str | None = None
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what the crawl passed over
    _status: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _superseded: dict[str, Outcome] = field(default_factory=dict, init=False, repr=False)
    _warned: dict[str, Outcome] = field(default_factory=dict, init=False, repr=False)
    _broken: dict[str, Outcome] = field(default_factory=dict, init=False, repr=False)

    def add(self, outcomes: Iterable[Outcome]) -> None:
        """Count outcomes; a file counted before is counted again by its new one."""
        for outcome in outcomes:
            self._forget(outcome.source)
            self._status[outcome.source] = outcome.status
            self.counts[outcome.status] += 1
            if outcome.status in (FAILED, PARTIAL):
                self.problems.append(outcome)
            if outcome.superseded_by is not None:
                self._superseded[outcome.source] = outcome
            if outcome.warnings:
                self._warned[outcome.source] = outcome
            if outcome.checks_failed and outcome.superseded_by is None:
                self._broken[outcome.source] = outcome
        self.problems.sort(key=lambda o: (STATUS_ORDER.index(o.status), o.source))

    def _forget(self, source: str) -> None:
        status = self._status.pop(source, None)
        if status is None:
            return
        self.counts[status] -= 1
        if not self.counts[status]:
            del self.counts[status]
        if status in (FAILED, PARTIAL):
            self.problems = [o for o in self.problems if o.source != source]
        self._superseded.pop(source, None)
        self._warned.pop(source, None)
        self._broken.pop(source, None)

    def warning_groups(self) -> list[WarningGroup]:
        """The warnings of the files processed, by code (see :func:`warning_groups`)."""
        return warning_groups(self._warned[s] for s in sorted(self._warned))

    def failed_checks(self) -> str:
        """``7 reports break their own arithmetic (14 failed checks): A 2019, …``, or
        an empty string: figures analysts will see flagged, though the reports are ok."""
        if not self._broken:
            return ""
        broken = sorted(self._broken.values(), key=lambda o: (o.agency or "", o.year or 0))
        n = sum(o.checks_failed for o in broken)
        names = ", ".join(f"{o.agency} {o.year}" for o in broken[:REPORTS_NAMED])
        more = f", and {len(broken) - REPORTS_NAMED} more" if len(broken) > REPORTS_NAMED else ""
        reports = "report breaks its" if len(broken) == 1 else "reports break their"
        return (f"{len(broken)} {reports} own arithmetic ({n} failed check"
                f"{'s' if n != 1 else ''}): {names}{more}")

    def next_steps(self) -> list[tuple[str, str]]:
        """The commands that come next, each with what it is for: the failures seen
        and rerun (only when some report failed or is partial), the comparison report
        (once reports are loaded)."""
        if not self.processed:
            return []
        warehouse = shlex.quote(self.warehouse)
        steps = []
        if self.problems:
            steps.append((f"xxgk status --warehouse {warehouse} --status failed "
                          "--status partial", "the reports that need attention"))
            if self.source:
                registry = f" --registry {shlex.quote(self.registry)}" if self.registry else ""
                steps.append((f"xxgk run --source {shlex.quote(self.source)} --warehouse "
                              f"{warehouse}{registry} --failed", "rerun them once fixed"))
        if self._broken:
            steps.append((f"xxgk sql --warehouse {warehouse} -c "
                          "'SELECT * FROM failed_checks'", "the failed checks, file and line"))
        if self.counts[OK] or self.counts[PARTIAL]:
            steps.append((f"xxgk compare --warehouse {warehouse} --out report.html",
                          "compare the agencies"))
            steps.append((f"xxgk export --warehouse {warehouse} --out district.xlsx",
                          "the tables for a spreadsheet"))
        return steps

    def several_files(self) -> list[str]:
        """One line per agency-year this run read from several files: the file loaded,
        and each other file with how it compares (see the ``cross_file`` checks)."""
        losers: dict[str, list[Outcome]] = {}
        for outcome in self._superseded.values():
            assert outcome.superseded_by is not None
            losers.setdefault(outcome.superseded_by, []).append(outcome)
        notes = []
        for winner, group in losers.items():
            group.sort(key=lambda o: o.source)
            others = ", ".join(f"{o.source} is superseded ({_compared(o)})" for o in group)
            notes.append(f"{group[0].agency} {group[0].year} is read from {len(group) + 1} "
                         f"files: {winner} is loaded, {others}")
        return sorted(notes)

    def removed(self) -> list[str]:
        """The files this run found gone from the source (their rows withdrawn)."""
        return sorted(source for source, status in self._status.items() if status == REMOVED)

    @property
    def processed(self) -> int:
        return sum(n for status, n in self.counts.items() if status != SKIPPED)

    @property
    def exit_code(self) -> int:
        return 1 if self.counts[FAILED] or self.counts[PARTIAL] else 0

    def progress(self) -> str:
        """Counts so far, e.g. ``120 reports processed: 2 failed, 118 ok``."""
        counts = ", ".join(f"{self.counts[s]} {s}" for s in STATUS_ORDER if self.counts[s])
        return f"{self.processed} reports processed: {counts}"

    def headline(self) -> str:
        if not self.processed:
            return f"nothing to do ({self.planned or 'no report files'})"
        return f"{self.progress()} ({self.seconds:.1f} s)"

    def text(self) -> str:
        """The plain-text summary the CLI prints."""
        lines = [printable(f"xxgk run {self.run_id}: {self.headline()}")]
        if self.planned and self.processed:
            lines.append(f"  plan: {printable(self.planned)}")
        for outcome in self.problems:
            lines.append(f"  {outcome.status.upper():8} {printable(outcome.source)}: "
                         f"{printable(outcome.error)}")
        lines += [f"  REMOVED  {printable(source)}: withdrawn, no longer in the source"
                  for source in self.removed()]
        lines += [f"  WARNING  {printable(group.line())}" for group in self.warning_groups()]
        lines += [f"  WARNING  {printable(warning)}" for warning in self.warnings]
        if self.failed_checks():
            lines.append(f"  CHECKS   {printable(self.failed_checks())}")
        lines += [f"  NOTE     {printable(note)}" for note in self.notes]
        steps = self.next_steps()
        if steps:
            width = max(len(command) for command, _ in steps)
            lines.append("next:")
            lines += [f"  {printable(command):{width}}  # {why}" for command, why in steps]
        return "\n".join(lines)

    def markdown(self) -> str:
        """The summary as a markdown artifact: counts, then every problem report, what
        the crawl passed over and the notes."""
        lines = [f"# xxgk run {_code(self.run_id)}", "", _cell(self.headline()), "",
                 f"Warehouse: {_code(self.warehouse)}", "", "| status | reports |",
                 "|---|---:|"]
        lines += [f"| {s} | {self.counts[s]} |" for s in STATUS_ORDER
                  if s != REMOVED or self.counts[s]]
        if self.problems:
            lines += ["", "## Reports that need attention", "",
                      "| status | source | agency | year | reason |", "|---|---|---|---|---|"]
            lines += [
                f"| {o.status} | {_code(o.source)} | {_cell(o.agency or '')} | "
                f"{o.year or ''} | {_cell(o.error)} |"
                for o in self.problems
            ]
        groups = self.warning_groups()
        if groups:
            lines += ["", "## Warnings", "", "| warning | files | where | what to do |",
                      "|---|---:|---|---|"]
            lines += [f"| {g.code} | {g.files} | {_cell(g.single or g.names())} | "
                      f"{_cell(g.advice or g.meaning)} |" for g in groups]
        if self.warnings:
            lines += ["", "## Source warnings", ""]
            lines += [f"- {_cell(warning)}" for warning in self.warnings]
        if self.failed_checks():
            lines += ["", "## Failed checks", "", _cell(self.failed_checks())]
        if self.notes:
            lines += ["", "## Notes", ""] + [f"- {_cell(note)}" for note in self.notes]
        steps = self.next_steps()
        if steps:
            lines += ["", "## Next", ""]
            lines += [f"- {_code(command, in_table=False)}: {why}" for command, why in steps]
        return "\n".join(lines) + "\n"


def _compared(outcome: Outcome) -> str:
    """How a superseded file compares with the file loaded instead."""
    if outcome.status == FAILED:
        return FAILED
    how = (f"{outcome.disagreements} cells disagree: see its cross_file checks"
           if outcome.disagreements else "its cells agree")
    return how if outcome.status == OK else f"{outcome.status}; {how}"


def loaded_twice(reports: pd.DataFrame) -> list[str]:
    """Agency-years whose facts are loaded from more than one file: analysts summing
    facts would count them twice. A run compares the files of an agency-year and loads
    one (the others are ``superseded_by`` it), so this finds only agency-years loaded
    before it did: rerunning them settles them."""
    loaded = reports[reports["status"].isin([OK, PARTIAL]) & reports["year"].notna()
                     & reports["superseded_by"].isna()]
    keys = ["agency", "year"]
    twice = loaded[loaded.duplicated(keys, keep=False)]  # a loop over 10,000 groups: 1.7 s
    notes = []
    for (agency, year), group in twice.groupby(keys, sort=True):
        if len(group) > 1:
            sources = ", ".join(sorted(group["source"]))
            notes.append(f"{agency} {int(year)} is loaded from {len(group)} files "
                         f"({sources}); rerun it (--agency {agency} --year {int(year)}) "
                         "to load one of them")
    return notes


def kept_last_good(reports: pd.DataFrame, run_id: str) -> list[str]:
    """Files this run found failing whose last good facts stay published
    (``reports.stale``): analysts see numbers of earlier bytes until the file is good."""
    if "stale" not in reports:
        return []
    stale = reports[reports["stale"].fillna(False).astype(bool)
                    & (reports["run_id"] == run_id)]
    return [f"{source}: its new bytes failed; the facts of its last good bytes "
            f"(sha256 {str(sha)[:12]}…) stay published, marked stale; rerun with "
            "--failed once the file is good"
            for source, sha in sorted(zip(stale["source"], stale["facts_sha256"],
                                          strict=True))]


def _cell(text: str) -> str:
    """Text safe inside a markdown table cell, control characters escaped."""
    return printable(text.replace("\n", " ")).replace("|", "\\|")


def _code(name: str, in_table: bool = True) -> str:
    """A name as inline code inside a table cell (a line break in it escaped, not
    joined): fenced by more backticks than it holds in a row, so that a name with a
    backtick cannot end the code early."""
    shown = printable(name)
    shown = shown.replace("|", "\\|") if in_table else shown
    longest = max((len(run) for run in re.findall("`+", shown)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if shown.startswith("`") or shown.endswith("`") else ""
    return f"{fence}{padding}{shown}{padding}{fence}"


__all__ = ["RunSummary", "WarningGroup", "grouped_warnings", "kept_last_good", "loaded_twice",
           "warning_groups"]
