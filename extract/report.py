"""Extract one report file: bytes in, canonical facts, checks and warnings out.

This is the library entry point that ``xxgk extract`` and the pipeline's tasks call.
It chains the steps (read PDF/HTML/text → decode → tokenise → label-anchored tables
→ identity → template → values and units → checks) and turns every failure into a
:class:`ReportError` with a one-line reason, so that one bad file never takes down
the others.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from extract.cells import (
    BLANK,
    VALUE,
    Token,
    Tokenised,
    assemble,
    page_number_lines,
    tokenise_lines,
)
from extract.decode import (
    DecodedText,
    DecodeError,
    decode_bytes,
    normalise_width,
    simplified,
    to_simplified,
)
from extract.glued import recover_glued
from extract.html import article_start, html_to_lines, looks_like_html
from extract.identity import find_identity, looks_like_agency
from extract.linebreaks import restore_line_breaks
from extract.model import Column, ExtractedReport, Fact, Row, TableResult, Warning_
from extract.pdf import PdfError, pdf_text
from extract.tables import TableEngine
from extract.totals import derive_blank_totals
from extract.values import DERIVED, unit_multiplier
from transform.checks import report_checks
from transform.keys import (
    TABLE_TITLES,
    TABLES,
    CellKey,
    CellSpec,
    derived_rows,
    key_catalog,
)
from transform.labels import table_start_pattern
from transform.template import detect_template

# Real reports are tens of kilobytes of text; PDFs with images reach tens of MB but
# their text layer stays small. Anything larger is not a report, and reading it
# would only cost time.
MAX_TEXT_BYTES = 8 * 1024 * 1024
MAX_PDF_BYTES = 200 * 1024 * 1024
DEFAULT_MONEY_UNIT = "万元"
_LINE_SPLIT = re.compile(r"\r\n|\r|\n")
_YEAR_STEM = re.compile(r"(?:19|20)\d{2}")
_RUNNING_HEADER = re.compile(
    r"(?:19|20)\d{2}\s*年度?.{0,12}(?:信息公开|政务公开).{0,6}(?:报告|年报)"
)


class ReportError(ValueError):
    """The file cannot be read as a report; the message is one line for a human."""


@dataclass(frozen=True, slots=True)
class _Text:
    lines: list[str]  # as labels are matched (Big5 in simplified characters)
    line_numbers: list[int] | None
    encoding: str | None
    format: str | None
    printed: list[str] | None = None  # as printed, where it differs from ``lines``


def _lines(text: str) -> list[str]:
    """Lines of the text; a final line break ends the last line, it opens none."""
    # Most text has no carriage returns: a plain split is then the same, and faster.
    lines = text.split("\n") if "\r" not in text else _LINE_SPLIT.split(text)
    if len(lines) > 1 and not lines[-1]:
        lines.pop()
    return lines


def _printed_lines(lines: list[str], printed: str | None) -> list[str] | None:
    """The lines as printed (traditional characters of a Big5 report), so raw values
    and labels quote the source; a line whose conversion changed its length keeps
    the converted text, since cells are cut from both at the same offsets."""
    if printed is None:
        return None
    originals = _lines(printed)
    if len(originals) != len(lines):
        return None
    return [o if len(o) == len(c) else c for o, c in zip(originals, lines, strict=True)]


def _read_text(data: bytes, suffix: str) -> _Text:
    """Decode any supported file into lines of text."""
    if suffix == ".pdf" or data[:5] == b"%PDF-":
        if len(data) > MAX_PDF_BYTES:
            raise ReportError(f"too large for a report PDF ({len(data) // 2**20} MB)")
        try:
            text, printed = simplified(pdf_text(data))
        except PdfError as err:
            raise ReportError(str(err)) from err
        lines = _lines(text)
        return _Text(lines, None, "pdf", "pdf", _printed_lines(lines, printed))
    if len(data) > MAX_TEXT_BYTES:
        raise ReportError(f"too large for a report (more than {MAX_TEXT_BYTES // 2**20} MB)")
    try:
        decoded = decode_bytes(data)
    except DecodeError as err:
        raise ReportError(str(err)) from err
    if suffix in (".html", ".htm") or looks_like_html(decoded.text):
        return _html_text(decoded)
    lines = _lines(decoded.text)
    return _Text(lines, None, decoded.encoding, None, _printed_lines(lines, decoded.printed))


def _html_text(decoded: DecodedText) -> _Text:
    """The lines of an HTML page from the report's title on; a page in traditional
    characters is flattened as printed, then converted, so raw values and labels
    quote the page."""
    pairs = html_to_lines(decoded.printed or decoded.text)
    if not pairs:
        raise ReportError("the HTML page has no text (rendered by scripts, or empty)")
    lines = [t for _, t in pairs]
    numbers = [n for n, _ in pairs]
    printed = None
    if decoded.printed is not None:
        matched = _lines(to_simplified("\n".join(lines)))
        if len(matched) != len(lines):  # never seen: OpenCC maps characters one for one
            matched = [to_simplified(t) for t in lines]
        lines, printed = matched, _printed_lines(matched, "\n".join(lines))
    # A crawled page's menus and breadcrumb before the title are the site's, not the
    # report's.
    start = article_start(lines)
    if start:
        lines, numbers = lines[start:], numbers[start:]
        printed = printed[start:] if printed else None
    return _Text(lines, numbers, decoded.encoding, "html", printed)


def _first_table_line(norm_text: str) -> int:
    """Index of the first line that can start a table; the prose before it is skipped."""
    found = table_start_pattern().search(norm_text)
    return 0 if found is None else norm_text.count("\n", 0, found.start())


def _money_multiplier(row: Row, col: Column, tok: Token, template: str,
                      warnings: list[Warning_]) -> Decimal:
    """Yuan per printed unit: the cell's own unit, else its column's, else 万元."""
    factor, kind = unit_multiplier(tok.value.unit_suffix if tok.value else "")
    if kind == "yuan":
        return factor
    if col.unit_suffix:
        return unit_multiplier(col.unit_suffix)[0]
    warnings.append(Warning_(
        "unit_assumed",
        f"{row.table}/{row.key}/{col.key}: no unit printed; read as "
        f"{DEFAULT_MONEY_UNIT} as in the {template} template", tok.line))
    return unit_multiplier(DEFAULT_MONEY_UNIT)[0]


def _number(row: Row, col: Column, tok: Token, unit: str, template: str,
            warnings: list[Warning_]) -> float | None:
    """The cell's number in its canonical unit; None for a dash or a blank."""
    value = tok.value
    if value is None or value.number is None:
        return None
    if unit == "yuan":
        return float(value.number * _money_multiplier(row, col, tok, template, warnings))
    if value.unit_suffix:
        return float(value.number * unit_multiplier(value.unit_suffix)[0])  # 1.2万
    return value.as_float


def _to_fact(row: Row, col: Column, tok: Token, unit: str, template: str,
             warnings: list[Warning_], row_key: str, row_label: str | None) -> Fact:
    value = tok.value
    if value is None:
        number, kind = None, "blank"
    else:
        kind = value.kind
        if unit != "yuan" and not value.unit_suffix:
            number = value.as_float  # the common case: a count (None for a dash)
        else:
            number = _number(row, col, tok, unit, template, warnings)
    return Fact(row.table, row_key, col.key, number, tok.raw.strip(), kind, tok.line, unit,
                row_label, col.label or None)


def _resolve_deferred(result: TableResult, template: str) -> None:
    """表二 rows printed without a header take the template's columns for that row."""
    for row in result.rows:
        if row.columns is not None:
            continue
        row.columns = [Column(c.col_key, "") for c in key_catalog().cells_for(template)
                       if c.table == row.table and c.row_key == row.key]
        result.warnings.append(Warning_(
            "header_not_found", f"{row.table}/{row.key}: no column header; read in the "
            f"{template} template's column order", row.line))


RowSpans = dict[tuple[str, str], tuple[int, int]]  # (table, row key) -> its facts' slice


def _derive_sums(facts: list[Fact], spans: RowSpans) -> list[Fact]:
    """Rows printed as parts (the three 2021 其他处理 sub-rows) summed into the row
    the other template prints (``other``), marked derived. ``spans``: where each
    printed row's facts are in ``facts``."""
    derived: list[Fact] = []
    for (table, row_key), parts in derived_rows().items():
        start, end = spans.get((table, row_key), (0, 0))
        if end > start:
            continue  # the report prints the row itself
        by_part = []
        for part in parts:
            start, end = spans.get((table, part), (0, 0))
            by_part.append({f.col_key: f for f in facts[start:end]})
        if not any(by_part):
            continue
        for col in key_catalog().col_order[table]:
            cells = [row[col] for row in by_part if col in row]
            if len(cells) == len(by_part):  # a part missing: no sum to tell
                # Blank and dash parts add nothing, as in the checks' sums.
                total = sum(f.value for f in cells if f.value is not None)
                derived.append(Fact(table, row_key, col, float(total), None, DERIVED, None,
                                    key_catalog().unit((table, row_key, col)), None, None))
    return derived


def _derive_totals(facts: list[Fact], warnings: list[Warning_]) -> list[Fact]:
    """Blank 总计 cells whose parts are printed, as their sum (see extract.totals)."""
    facts, derived = derive_blank_totals(facts)
    warnings.extend(Warning_("total_derived", message, line) for message, line in derived)
    return facts


def _missing_parts(keys: list[CellKey], template: str) -> list[Warning_]:
    """Tables, rows and cells the template prints but the report did not (``keys``:
    the cells printed)."""
    printed = set(keys)
    if printed >= _template_cells(template):
        return []  # the common case: everything is there
    rows = {(t, r) for t, r, _c in printed}
    for (table, row_key), parts in derived_rows().items():
        if (table, row_key) in rows:
            # One 其他处理 row stands for the three 2021 sub-rows (and is derived from
            # them where they are printed).
            rows |= {(table, p) for p in parts}
    tables = {t for t, _r in rows}
    out: list[Warning_] = []
    for table in TABLES:
        expected = [c for c in key_catalog().cells_for(template) if c.table == table]
        if table not in tables:
            out.append(Warning_("table_missing", f"{TABLE_TITLES[table]} not found", None))
            continue
        missing_rows = list(dict.fromkeys(
            c.row_key for c in expected if (table, c.row_key) not in rows))
        if missing_rows:
            out.append(Warning_("rows_missing", f"{table}: rows not found: "
                                f"{', '.join(missing_rows)}", None))
        derived_parts = {p for parts in derived_rows().values() for p in parts}
        missing_cells = [f"{c.row_key}/{c.col_key}" for c in expected
                         if (table, c.row_key) in rows
                         and (table, c.row_key, c.col_key) not in printed
                         and c.row_key not in derived_parts]
        if missing_cells:
            out.append(Warning_("cells_missing", f"{table}: cells not found: "
                                f"{', '.join(missing_cells)}", None))
    return out


@cache
def _template_cells(template: str) -> frozenset[tuple[str, str, str]]:
    return frozenset((c.table, c.row_key, c.col_key) for c in key_catalog().cells_for(template))


def _facts(result: TableResult, template: str,
           warnings: list[Warning_]) -> tuple[list[Fact], list[CellKey]]:
    """The facts in the contract's order, and the key of each."""
    specs = _specs_by_row()
    facts: list[Fact] = []
    keys: list[CellKey] = []
    order: list[int] = []  # each fact's position in the contract's order
    placed: set[int] = set()  # (the same: one fact per cell, whatever the source)
    spans: RowSpans = {}
    for row in result.rows:
        table, row_key, row_label = row.table, row.key or "", row.label or None
        row_specs = specs.get((table, row_key), {})
        first = len(facts)
        for col, tok in zip(row.columns or (), row.cells, strict=False):
            if tok is None:
                continue
            found = row_specs.get(col.key)
            if found is None and tok.kind == BLANK:
                continue  # an empty grid cell under a column this row does not have
            if found is None:
                warnings.append(Warning_(
                    "not_a_cell", f"{table}/{row_key}/{col.key} is not a cell of either "
                    f"template; value {tok.raw.strip()!r} not loaded", tok.line))
                continue
            key, spec, place = found
            if place in placed:
                warnings.append(Warning_(
                    "duplicate_cell", f"{'/'.join(key)} read twice; the first reading "
                    f"is kept, {tok.raw.strip()!r} is not", tok.line))
                continue
            placed.add(place)
            if template not in spec.templates:
                warnings.append(Warning_(
                    "cell_not_in_template", f"{'/'.join(key)} is not printed by the "
                    f"{template} template; kept as read", tok.line))
            value, unit = tok.value, spec.unit
            if value is not None and unit != "yuan" and not value.unit_suffix:
                # The common case, inline: a count (its float; None for a dash).
                facts.append(Fact(table, row_key, col.key, value.as_float, tok.raw.strip(),
                                  value.kind, tok.line, unit, row_label, col.label or None))
            else:
                facts.append(_to_fact(row, col, tok, unit, template, warnings, row_key,
                                      row_label))
            keys.append(key)
            order.append(place)
        if len(facts) > first:
            spans[(table, row_key)] = (first, len(facts))
    facts = _derive_totals(facts, warnings)  # (same length: blanks replaced in place)
    derived = _derive_sums(facts, spans)
    position = key_catalog().position
    for f in derived:
        keys.append((f.table, f.row_key, f.col_key))
        order.append(position[keys[-1]])
    facts.extend(derived)
    # A stable sort on the keys' positions, as sorting the facts by them.
    ranked = sorted(range(len(facts)), key=order.__getitem__)
    return [facts[i] for i in ranked], [keys[i] for i in ranked]


@cache
def _specs_by_row() -> dict[tuple[str, str], dict[str, tuple[CellKey, CellSpec, int]]]:
    """Each catalog cell's key, spec and position, by row and then column: one lookup
    per row and one per cell, with no key built per cell."""
    catalog = key_catalog()
    out: dict[tuple[str, str], dict[str, tuple[CellKey, CellSpec, int]]] = {}
    for key, spec in catalog.cells.items():
        out.setdefault(key[:2], {})[key[2]] = (key, spec, catalog.position[key])
    return out


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
    text = _read_text(data, os.path.splitext(name)[1].lower())
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
        raise ReportError("no numbers in the text: not a report with statistical tables")
    result = TableEngine(tokenised.blank_lines_are_cells).run(tokenised.tokens)
    year = year if year is not None else identity.year
    template, reason = detect_template(result.markers, year)
    _resolve_deferred(result, template)
    glued = recover_glued(result)  # cells printed run together: split by arithmetic
    warnings = result.warnings
    warnings.extend(Warning_("unlabelled_values", f"{row.table}/{row.key}: more values "
                             "on its line than it has columns; the others not read",
                             row.overflow[0].line) for row in result.rows if row.overflow)
    facts, keys = _facts(result, template, warnings)
    if not facts:
        undecided = sum(w.code == "cells_ambiguous" for w in warnings)
        if undecided:
            raise ReportError(f"the tables' cells run together and no split could be decided "
                              f"({undecided} rows)")
        raise ReportError("no statistical tables (表二/表三/表四) found")
    warnings.extend(_missing_parts(keys, template))
    if line_numbers is not None:
        _to_source_lines(facts, warnings, line_numbers)
    if year is None:
        warnings.append(Warning_("year_unknown", "no statistics year in the title or "
                                 "opening lines", None))
    if not (agency or identity.agency):
        warnings.append(Warning_("agency_unknown", "no agency in the title or opening "
                                 "lines", None))
    values = dict(zip(keys, [f.value for f in facts], strict=True))
    return ExtractedReport(
        agency=agency or identity.agency, year=year, template=template,
        template_reason=reason, encoding=text.encoding,
        format=text.format or ("glued" if glued else tokenised.layout),
        title=identity.title, facts=facts,
        checks=report_checks(values), warnings=warnings,
    )


def _read_file(path: Path) -> bytes:
    """The file's bytes, refusing devices, pipes and anything over the size limit."""
    limit = MAX_PDF_BYTES if path.suffix.lower() == ".pdf" else MAX_TEXT_BYTES
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise ReportError("not a regular file")
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)  # st_size can lie (/proc); never read more
    except OSError as err:
        raise ReportError(f"cannot read: {err.strerror or err}") from err
    if len(data) > limit:
        raise ReportError(f"too large for a report (more than {limit // 2**20} MB)")
    return data


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
    else the report's own text, as the output contract orders them.
    """
    path = Path(path)
    path_agency, path_year = identity_from_path(path)
    return extract_bytes(_read_file(path), name=path.name, agency=agency or path_agency,
                         year=year if year is not None else path_year)


__all__ = ["ExtractedReport", "Fact", "ReportError", "extract_bytes", "extract_file"]
