"""Extract one report file: bytes in, canonical facts, checks and warnings out.

This is the library entry point that ``xxgk extract`` and the pipeline's tasks call.
It chains the steps — read the file into lines (:mod:`extract.reading`), restore the
line breaks a crawler lost (:mod:`extract.linebreaks`), tokenise (:mod:`extract.cells`),
read the tables by their labels (:mod:`extract.tables`), split glued cells
(:mod:`extract.glued`), find the identity and the template, assemble the facts
(:mod:`extract.facts`), evaluate the checks — and turns every failure into a
:class:`ReportError` with a one-line reason, so that one bad file never takes down
the others.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from extract.cells import (
    VALUE,
    Tokenised,
    after_damage_dropped,
    assemble,
    page_number_lines,
    tokenise_lines,
)
from extract.decode import REPLACEMENT, normalise_width
from extract.facts import facts_of, missing_parts, resolve_deferred
from extract.glued import recover_glued
from extract.identity import find_identity, identity_conflicts, looks_like_agency
from extract.linebreaks import restore_line_breaks
from extract.model import ExtractedReport, Fact, Warning_
from extract.reading import ReportError, not_a_report, read_file, read_text
from extract.tables import TableEngine
from transform.checks import report_checks
from transform.labels import table_start_pattern
from transform.template import detect_template

_YEAR_STEM = re.compile(r"(?:19|20)\d{2}")
_RUNNING_HEADER = re.compile(
    r"(?:19|20)\d{2}\s*年度?.{0,12}(?:信息公开|政务公开).{0,6}(?:报告|年报)"
)


def _first_table_line(norm_text: str) -> int:
    """Index of the first line that can start a table; the prose before it is skipped."""
    found = table_start_pattern().search(norm_text)
    return 0 if found is None else norm_text.count("\n", 0, found.start())


def _tokenise_text(text_format: str | None, norm_text: str, norm_lines: list[str],
                   raw_lines: list[str]) -> Tokenised:
    """Tokens from the first table anchor on, page numbers left out."""
    first = _first_table_line(norm_text)
    # The engine reads rows as neighbours by their line numbers, so tokens are numbered
    # by flattened line; an HTML row of Word's markup spans many source lines, and
    # facts point back into the source only afterwards (:func:`_to_source_lines`).
    numbers = list(range(1, len(norm_lines) + 1))
    # Flattened HTML joins cells with " | " and never closes a row with a pipe.
    closing_pipe = False if text_format == "html" else None
    # Running page headers repeat the report's title inside the tables; no cell says
    # 年度报告. (Every header names 信息公开 or 政务公开: the substring test is cheap.)
    headers = {i - first for i in range(first, len(norm_lines))
               if "公开" in norm_lines[i] and _RUNNING_HEADER.search(norm_lines[i])}
    lines = tokenise_lines(norm_lines[first:], raw_lines[first:], numbers[first:],
                           closing_pipe)
    tokenised = assemble(lines, headers)
    if tokenised.layout == "text":
        # Bare page numbers matter in PDF text layers only: in one-cell-per-line text
        # a lone number on its line is a cell.
        skip = {i - first for i in page_number_lines(norm_lines) if i >= first}
        if skip:
            tokenised = assemble(lines, skip | headers)
    if REPLACEMENT in norm_text:
        tokenised.tokens = after_damage_dropped(tokenised.tokens)
    return tokenised


def _to_source_lines(facts: list[Fact], warnings: list[Warning_], numbers: list[int]) -> None:
    """Flattened-line numbers to the lines of the source where those lines start."""
    for fact in facts:
        if fact.line is not None and 0 < fact.line <= len(numbers):
            fact.line = numbers[fact.line - 1]
    for warning in warnings:
        if warning.line is not None and 0 < warning.line <= len(numbers):
            warning.line = numbers[warning.line - 1]


def extract_bytes(data: bytes, *, name: str = "", agency: str | None = None,
                  year: int | None = None) -> ExtractedReport:
    """Extract a report from its file bytes. ``name`` supplies the extension."""
    text = read_text(data, os.path.splitext(name)[1].lower())
    norm_text = normalise_width("\n".join(text.lines))
    norm_lines = norm_text.split("\n")
    identity = find_identity(norm_lines)
    raw_lines, line_numbers = text.printed or text.lines, text.line_numbers
    relined = restore_line_breaks(norm_lines, raw_lines, line_numbers)
    if relined is not None:
        # Rows printed run on one line (a crawler's page): cut where labels start.
        norm_lines, raw_lines, line_numbers = relined.lines, relined.raw, relined.numbers
        norm_text = "\n".join(norm_lines)
    tokenised = _tokenise_text(text.format, norm_text, norm_lines, raw_lines)
    if not any(t.kind == VALUE for t in tokenised.tokens):
        raise ReportError(not_a_report("no numbers in the text"))
    result = TableEngine(tokenised.blank_lines_are_cells).run(tokenised.tokens)
    year = year if year is not None else identity.year
    template, reason = detect_template(result.markers, year)
    resolve_deferred(result, template)
    glued = recover_glued(result)  # cells printed run together: split by arithmetic
    warnings = result.warnings
    if text.replaced:
        warnings.append(Warning_("decode_replaced", f"{text.replaced} characters could not "
                                 f"be read in {text.encoding} (or were control bytes) and "
                                 "were replaced; only the cells they touch are lost", None))
    warnings.extend(Warning_("unlabelled_values", f"{row.table}/{row.key}: more values "
                             "on its line than it has columns; the others not read",
                             row.overflow[0].line) for row in result.rows if row.overflow)
    facts, keys = facts_of(result, template, warnings)
    if not facts:
        undecided = sum(w.code == "cells_ambiguous" for w in warnings)
        if undecided:
            raise ReportError(f"the tables' cells run together and no split could be decided "
                              f"({undecided} rows)")
        raise ReportError("no statistical tables (表二/表三/表四) found")
    warnings.extend(missing_parts(keys, template))
    if line_numbers is not None:
        _to_source_lines(facts, warnings, line_numbers)
    if year is None:
        warnings.append(Warning_("year_unknown", "no statistics year in the title or "
                                 "opening lines", None))
    if not (agency or identity.agency):
        warnings.append(Warning_("agency_unknown", "no agency in the title or opening "
                                 "lines", None))
    conflicts = identity_conflicts(agency, year, identity)
    if conflicts:
        # The source layout (or the caller) wins, as documented; the report's own
        # words against it are said, never dropped.
        warnings.append(Warning_("identity_conflict", "read as " + " and ".join(conflicts)
                                 + ", as the file's place (or its caller) says", None))
    values = dict(zip(keys, [f.value for f in facts], strict=True))
    return ExtractedReport(
        agency=agency or identity.agency, year=year, template=template,
        template_reason=reason, encoding=text.encoding,
        format=text.format or ("glued" if glued else tokenised.layout),
        title=identity.title, facts=facts,
        checks=report_checks(values), warnings=warnings,
    )


def identity_from_path(path: Path) -> tuple[str | None, int | None]:
    """Agency and year from the source layout ``<agency>/<year>.<ext>``, where the
    file is named by a year; the folder counts only if it is named like an agency."""
    if not _YEAR_STEM.fullmatch(path.stem):
        return None, None
    agency = path.parent.name if looks_like_agency(path.parent.name) else None
    return agency, int(path.stem)


def extract_file(path: str | Path, *, agency: str | None = None,
                 year: int | None = None) -> ExtractedReport:
    """Extract a report from a file path.

    Agency and year come from the caller, else the path (``区应急管理局/2020.txt``),
    else the report's own text, in that order of precedence.
    """
    path = Path(path)
    path_agency, path_year = identity_from_path(path)
    return extract_bytes(read_file(path), name=path.name, agency=agency or path_agency,
                         year=year if year is not None else path_year)


__all__ = ["ExtractedReport", "Fact", "ReportError", "extract_bytes", "extract_file"]
