"""Split decoded text into a stream of cell tokens, whatever the table layout.

Reports join cells with ` | ` (the seed), markdown pipes, tabs, runs of spaces, one
cell per line (flattened HTML) or single spaces (PDF text layers). This module hides
the difference: every line becomes TEXT tokens (label fragments), VALUE tokens
(numbers and dashes) and BLANK tokens (empty cells of delimited rows), each with its
line number and its text exactly as printed. The table engine never looks at the
layout again: it anchors rows and columns on labels.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache

from extract.decode import REPLACEMENT
from extract.values import BLANK as BLANK_KIND
from extract.values import (
    MAX_RUN_DIGITS,
    UNREADABLE_RUN,
    UNREADABLE_VALUE,
    CellValue,
    glued_run,
    is_cell_word,
    parse_cell,
    parse_value,
    unit_words,
    value_start_chars,
)
from transform.labels import normalise_label

TEXT, VALUE, BLANK = 0, 1, 2

# Page footers and headers that PDF text layers leave inside tables: "- 4 -",
# "— 5 —", "第 3 页", "第3页 共10页", "3/10". (No page is 0, and a longer run of dashes
# around a number is cells glued together: 表四's -------------0-.)
_FOOTER = re.compile(
    r"^\s*(?:[-—–~]{1,3}\s*[1-9]\d{0,3}\s*[-—–~]{1,3}|第\s*\d{1,4}\s*页(?:\s*[,/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4})\s*$"
)
_MD_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
MAX_CELLS = 200  # per delimited line; the widest table row has 16
MAX_CELL_CHARS = 2000  # per cell of several words; the longest label is about 60
_SPACE_CELL = re.compile(r"\S+(?: \S+)*")  # cells separated by runs of 2+ spaces
_WORD = re.compile(r"\S+")
_SIGN_WORDS = frozenset(("增", "减"))  # printed apart from their number: "增 271"
# A label word ending in CJK text and then digits, followed by more values.
_GLUED_VALUE = re.compile(r"(.*[\u4e00-\u9fff)）])(\d[\d,]*)$")
_BLANK_VALUE = CellValue(BLANK_KIND)
_NOISE_START = frozenset("-—–~第0123456789|:")
# Inside a run: a digit against a dash, or before a sign (87增232 is 87|增2|32).
_RUN_DASH = re.compile(r"\d[—–/\\…无增减-]|[—–/\\…无-]\d")
_RUN_END = frozenset("0123456789元—–/\\…-无")  # how a run of glued cells can end
_DASH_CHARS = frozenset("—–/\\…-无")


@dataclass(slots=True)
class Token:
    """One cell or cell fragment of the decoded text."""

    kind: int
    text: str
    raw: str
    line: int
    value: CellValue | None = None
    line_has_value: bool = False
    empty_line: bool = False
    label: str = ""  # TEXT only: the text as labels are compared (normalise_label)
    cell: int = -1  # index of the cell in its delimited line; -1 elsewhere
    only_blanks: bool = False  # BLANK on a delimited line of nothing but empty cells


def joined_labels(frags: Iterable[Token]) -> str:
    """The label text of fragments, as labels are compared."""
    return "".join([t.label for t in frags])


def padding_is_ambiguous(cells: list[Token], width: int) -> bool:
    """Whether the surplus cells of a row could be empty cells at either end: then
    only a header's cell positions tell which the values are."""
    surplus = len(cells) - width
    if surplus <= 0:
        return False
    lead = next((i for i, t in enumerate(cells) if t.kind != BLANK), len(cells))
    trail = next((i for i, t in enumerate(reversed(cells)) if t.kind != BLANK), len(cells))
    return lead >= surplus and trail >= surplus


def trim_padding(cells: list[Token], width: int) -> list[Token | None]:
    """The ``width`` cells of a row whose line has more cells than columns.

    The surplus is empty cells: padding after the values (the seed pads every row
    to the grid's width) or merged label cells before them (a full grid whose row
    label spans several columns). Padding at the end is taken off first unless only
    the front has enough empty cells.
    """
    surplus = len(cells) - width
    if surplus <= 0:
        return list(cells)
    lead = next((i for i, t in enumerate(cells) if t.kind != BLANK), len(cells))
    trail = next((i for i, t in enumerate(reversed(cells)) if t.kind != BLANK), len(cells))
    if lead >= surplus > trail:
        return list(cells[surplus:])
    return list(cells[:width])


@dataclass(slots=True)
class Tokenised:
    """All tokens of a document and the layout they were found in."""

    tokens: list[Token]
    layout: str
    blank_lines_are_cells: bool


def _word_value(word: str) -> CellValue | None:
    # Most words are labels: only a word that starts like a number, a sign or a dash
    # is worth parsing. Values repeat ("0", "1", "/"), so parses are memoised.
    if word[0] not in _VALUE_START:
        return None
    return _parse_memoised(word) or _dash_run(word) or _digits_word(word)


def _digits_word(word: str) -> CellValue | None:
    """A word of digits, points and signs that reads as no value (``1.2.3``, three
    hundred digits) outside a run of glued cells: one unreadable cell."""
    return UNREADABLE_VALUE if is_cell_word(word) else None


def _dash_run(word: str) -> CellValue | None:
    """A word of dashes that is no single dash (``///``, 表四's fifteen ``—``): cells
    printed run together, each dash one cell."""
    return glued_run(word) if _DASH_CHARS.issuperset(word) else None


_parse_memoised = lru_cache(maxsize=4096)(parse_cell)
_VALUE_START = value_start_chars()  # (read from maps/dashes.csv once, at import)
# A label with its row's cells printed against it, no space: 一、…数量640020470 or
# 行政处罚2648-18538 (a crawler that glued every cell to the next; extract.glued). No
# label ends with a sign: in 87增232 the 增 opens a cell.
_LABEL_RUN = re.compile(
    r"(.*?[^\d\s.,+\-—–/\\…无增减])((?:\d|[—–/\\…+-]|增|减|无)[\d.,增减+\-—–/\\万元无…]*)")


_CELL_TAIL = re.compile(f"[0-9A-Za-z.{REPLACEMENT}]+$")


def _label_run(word: str) -> int | None:
    """Where the run of cells glued to a label starts, or None for no such run.

    The label holds a character beyond ASCII (labels are Chinese: in ``1e5`` no label
    precedes the 5), and ASCII letters or damaged bytes (U+FFFD) at its end belong to
    the run: ``…数量l20020470`` is a malformed run, not the label ``…数量l`` and the
    run ``20020470``.
    """
    m = _LABEL_RUN.fullmatch(word)
    if m is None or m.group(1).isascii():
        return None
    cut = m.end(1)
    last = word[cut - 1]
    if last == REPLACEMENT or (last.isascii() and last.isalpha()):
        tail = _CELL_TAIL.search(word, 0, cut)
        cut = tail.start() if tail else cut
    return cut or None  # (a "label" of nothing but such characters is none)


# Digits with points or commas and no sign or dash, or more digits than a row of 表四.
_ONE_CELL = re.compile(rf"[\d.,]*[.,][\d.,]*|\d{{{MAX_RUN_DIGITS + 1},}}")


def _unlabelled_run(word: str) -> CellValue | None:
    """A row of cells glued without a label (表四's 10203120001200000, 0/0/00/0/0////);
    digits with points or commas (1.2.3) or more digits than any row are no row of
    counts: one unreadable cell."""
    if _ONE_CELL.fullmatch(word):
        return UNREADABLE_VALUE
    return glued_run(word)


def _run_value(run: str) -> CellValue | None:
    """The glued VALUE of a run cut off its label; an ASCII run with letters in it is
    one unreadable run (its cells cannot be told apart)."""
    return glued_run(run) or (UNREADABLE_RUN if is_cell_word(run) else None)


def _label_run_tokens(word: str, raw: str, lineno: int) -> list[Token] | None:
    """A label and the run of cells glued to it, as TEXT and a glued VALUE token."""
    if len(raw) != len(word):
        return None
    cut = _label_run(word)
    if cut is None:
        value = _unlabelled_run(word) if word[0] in _RUN_END else None
        return None if value is None else [Token(VALUE, word, raw, lineno, value, True)]
    value = _run_value(word[cut:])
    if value is None:
        return None
    return [_text_token(word[:cut], raw[:cut], lineno),
            Token(VALUE, word[cut:], raw[cut:], lineno, value, True)]


def _text_token(text: str, raw: str, lineno: int) -> Token:
    return Token(TEXT, text, raw, lineno, label=normalise_label(text))


def _word_token(word: str, raw: str, lineno: int, cell: int = -1) -> Token:
    """A TEXT or VALUE token for one word of a cell."""
    value = _parse_memoised(word) if word[0] in _VALUE_START else None
    if value is None:
        return Token(TEXT, word, raw, lineno, None, False, False, normalise_label(word), cell)
    return Token(VALUE, word, raw, lineno, value, False, False, "", cell)


def _split_words(norm: str, start: int, end: int) -> tuple[list[tuple[int, int]], set[int], bool]:
    """The words of ``norm[start:end]``, with values cut off the labels they touch;
    where runs of glued cells start; whether a value was cut off a label (then an
    unparseable word after it may be the rest of a run)."""
    words: list[tuple[int, int]] = []
    runs: set[int] = set()
    rest = False
    for m in _WORD.finditer(norm, start, end):
        word = m.group()
        cut = _label_run(word) if word[-1] in _RUN_END else None
        run = None if cut is None else word[cut:]
        if run and not any(c.isdigit() for c in run):
            # Dashes alone after a label count only if the line ends there or the rest
            # of a run follows; otherwise it is a wrapped label: （四）无 1.本机关不掌握…
            after = _WORD.search(norm, m.end(), end)
            if after is not None and glued_run(after.group(), rest=True) is None:
                run = None
        glued = _GLUED_VALUE.match(word) if run is None or run.isdigit() else None
        if glued and (glued.group(1).isascii() or glued.group(1)[-1] in _SIGN_WORDS):
            glued = None  # (x)5 and 4减4: no label ends in ASCII or with a sign
        if glued and m.end() < end and _WORD.search(norm, m.end(), end):
            # A PDF text layer sometimes loses the space between a label and its
            # first value: "（七）总计2932 53 0 …" (only where more values follow).
            cut = m.start() + glued.end(1)
            words += [(m.start(), cut), (cut, m.end())]
            rest = True
        elif run and cut is not None:
            cut += m.start()  # 三、… （一）予以公开462001049
            words += [(m.start(), cut), (cut, m.end())]
            runs.add(cut)
        else:
            if runs or (_RUN_DASH.search(word) and glued_run(word) is not None
                        and parse_value(word) is None):
                # The rest of a run after a stray space (4620 01049), or a run of its
                # own with dashes or signs in it (表四's 0/0/00/0/0////, 87增232).
                runs.add(m.start())
            words.append((m.start(), m.end()))
    return words, runs, rest


def _words_tokens(norm: str, raw: str, start: int, end: int, lineno: int,
                  out: list[Token]) -> None:
    """Tokens of a cell of several words: neighbouring label words are joined."""
    words: list[tuple[int, int]] = []
    if end - start > MAX_CELL_CHARS:
        # No table cell is this long: a wall of text or numbers is prose, one token.
        out.append(_text_token(norm[start:end].strip(), raw[start:end].strip(), lineno))
        return
    words, runs, rest = _split_words(norm, start, end)
    text_from = text_to = -1
    i = 0
    while i < len(words):
        ws, we = words[i]
        word = norm[ws:we]
        value = _word_value(word)
        if ws in runs:
            # Inside a run every word is glued cells; a word that is no run but reads
            # as a cell (l2002, 7a) is a malformed run, never an OCR-read number.
            value = glued_run(word, rest=True) or (None if value is None else UNREADABLE_RUN)
        elif rest and value is None and ws > words[0][1]:
            value = glued_run(word, rest=True)
        if i + 1 < len(words) and (word in _SIGN_WORDS or (
                value is not None
                and norm[words[i + 1][0] : words[i + 1][1]] in unit_words())):
            # "增 271", "251000 元" and "12 件", printed with a space, are one value.
            joined = parse_value(word + norm[words[i + 1][0] : words[i + 1][1]])
            if joined is not None and joined.kind == "number":
                value, we = joined, words[i + 1][1]
                i += 1
        if value is None:
            if text_from < 0:
                text_from = ws
            text_to = we
        else:
            if text_from >= 0:
                out.append(_text_token(norm[text_from:text_to], raw[text_from:text_to], lineno))
                text_from = -1
            out.append(Token(VALUE, norm[ws:we], raw[ws:we], lineno, value))
        i += 1
    if text_from >= 0:
        out.append(_text_token(norm[text_from:text_to], raw[text_from:text_to], lineno))


def _cell_tokens(norm: str, raw: str, start: int, end: int, lineno: int,
                 out: list[Token]) -> None:
    """Append the tokens of the cell ``norm[start:end]`` (not empty) to ``out``."""
    cell = norm[start:end]
    word = cell.strip()
    if " " in word:
        before = len(out)
        _words_tokens(norm, raw, start, end, lineno, out)
        if _numbered_label(out, before):  # 1 申请人…: the label, numbered
            ws = start + (len(cell) - len(cell.lstrip()))
            out[before:] = [_whole_cell(word, raw[ws : ws + len(word)], lineno, -1, True)]
        return
    ws = start + (len(cell) - len(cell.lstrip()))
    tok = _word_token(word, raw[ws : ws + len(word)], lineno)
    if tok.kind == TEXT and word[-1] in _RUN_END:
        glued = _label_run_tokens(word, tok.raw, lineno)
        if glued is not None:
            out += glued
            return
    out.append(tok)


def _line_kind(norm: str, stripped: str, markdown: bool) -> tuple[str, str | None]:
    """Which delimiter separates the cells of a line (None: single spaces or runs)."""
    if "|" in norm:
        # A leading pipe opens a markdown row only in markdown text; in the seed's
        # layout it follows an empty first cell.
        return ("markdown" if markdown and stripped[0] == "|" else "pipe"), "|"
    if "\t" in norm:
        return "tab", "\t"
    if "  " in stripped:
        return "spaces", None
    return "single", None


def _delimited_tokens(norm: str, raw: str, kind: str, sep: str, lineno: int,
                      out: list[Token], closing_pipe: bool) -> None:
    """Tokens of a line split by ``sep``, each with its cell index."""
    parts = norm.split(sep, MAX_CELLS)
    if len(parts) > MAX_CELLS:
        # No table row has this many cells: one prose token, not thousands of cells.
        out.append(_text_token(norm.strip(), raw.strip(), lineno))
        return
    first = 1 if kind == "markdown" else 0  # a markdown row's opening pipe
    # A closing pipe delimits nothing, where the text closes its rows with one; a
    # closing tab ends an empty last cell.
    closing = kind == "markdown" or (sep == "|" and closing_pipe)
    stop = len(parts) - 1 if closing and not parts[-1].strip() else len(parts)
    markdown = kind == "markdown"
    same = raw == norm
    s = len(parts[0]) + 1 if first else 0  # offset of the part in the line
    valued = False  # a value was printed in an earlier cell of the line
    labelled = False  # a label (text beyond ASCII) was printed in an earlier cell
    ascii_cells: list[int] = []  # ASCII text after the label, before the first value
    for cell, part in enumerate(parts[first:stop]):
        word = part.strip()
        if markdown and word[:2] in ("**", "__"):
            word = word.strip("*_ ")  # **bold** cells
        if not word:
            out.append(Token(BLANK, "", raw[s : s + len(part)], lineno, _BLANK_VALUE,
                             False, False, "", cell))
            s += len(part) + 1
            continue
        before = len(out)
        if " " not in word:  # one word, the common case
            # (Where the line reads as printed, a word is its own raw text.)
            printed = word if same and not markdown else _printed(raw, s, part, word)
            tok = _word_token(word, printed, lineno, cell)
            if tok.kind == TEXT and (valued or is_cell_word(word)):
                # A word after the line's first value that is none (暂无), or a word of
                # digits that reads as no value (12-3, 1.2.3): one cell, no value.
                tok = _whole_cell(word, printed, lineno, cell, False)
                valued = True
            elif not valued:
                valued = tok.kind == VALUE
                if not valued and labelled and word.isascii():
                    ascii_cells.append(before)  # (N/A, x: a cell if values follow)
                labelled = labelled or not word.isascii()
            out.append(tok)
            s += len(part) + 1
            continue
        valued, labelled = _words_cell(norm, raw, (s, part, word), lineno, cell, out,
                                       (valued, labelled))
        s += len(part) + 1
    if valued:
        # No label is ASCII: text of ASCII between a row's label and its values is a
        # cell that reads as no value.
        for i in ascii_cells:
            out[i] = replace(out[i], kind=VALUE, value=UNREADABLE_VALUE, label="")


def _printed(raw: str, start: int, part: str, word: str) -> str:
    """``word``, a cell's text stripped, as printed: cut from the raw line where the
    cell ``part`` starts at ``start``."""
    ws = start + part.index(word[0])
    return raw[ws : ws + len(word)]


def _words_cell(norm: str, raw: str, where: tuple[int, str, str], lineno: int, cell: int,
                out: list[Token], seen: tuple[bool, bool]) -> tuple[bool, bool]:
    """Append the tokens of a delimited cell of several words (``where``: its offset,
    its text and its text stripped); whether a value, and a label, were printed in the
    line up to it (``seen``: before it)."""
    s, part, word = where
    valued, labelled = seen
    before = len(out)
    _words_tokens(norm, raw, s, s + len(part), lineno, out)
    for t in out[before:]:
        t.cell = cell
    label = _numbered_label(out, before)
    if label or _not_one_value(out, before, valued):
        out[before:] = [_whole_cell(word, _printed(raw, s, part, word), lineno, cell, label)]
        return valued or not label, labelled
    if not valued:
        return any(t.kind == VALUE for t in out[before:]), labelled or not word.isascii()
    return valued, labelled


def _whole_cell(word: str, printed: str, lineno: int, cell: int, label: bool) -> Token:
    """One token for a delimited cell's words: its label, or a cell that reads as no
    value."""
    if label:
        return Token(TEXT, word, printed, lineno, None, False, False, normalise_label(word),
                     cell)
    return Token(VALUE, word, printed, lineno, UNREADABLE_VALUE, False, False, "", cell)


def _numbered_label(out: list[Token], start: int) -> bool:
    """Whether the tokens ``out[start:]`` of one delimited cell are a label opened by a
    number (``1 申请人无正当理由…``, where 1、 was printed 1 and a space): a value, then
    text beyond ASCII and no value after it. The cell is that label, not a value."""
    if len(out) - start < 2 or out[start].kind != VALUE:
        return False
    rest = out[start + 1:]
    return all(t.kind == TEXT for t in rest) and not all(t.text.isascii() for t in rest)


def _not_one_value(out: list[Token], start: int, valued: bool) -> bool:
    """Whether the tokens ``out[start:]`` of one delimited cell stand for one cell that
    is no value: a cell after the line's first value that is not one value (``暂无``,
    ``2 8``), or a cell that opens with a value and goes on (``7 a``), or a word of
    digits that reads as no value (``12-3``, ``1.2.3``: a delimited cell is one cell,
    never cells run together)."""
    first = out[start]
    if len(out) - start == 1:
        if first.kind != TEXT:
            return False
        return valued or is_cell_word(first.text)
    return valued or first.kind == VALUE


def _single_word(norm: str, raw: str, stripped: str, lineno: int) -> list[Token]:
    """One word alone on its line (one cell per line, the commonest line there)."""
    ws = len(norm) - len(norm.lstrip())
    tok = _word_token(stripped, raw[ws : ws + len(stripped)], lineno)
    if tok.kind == TEXT and stripped[-1] in _RUN_END:
        glued = _label_run_tokens(stripped, tok.raw, lineno)
        if glued is not None:
            return glued
    if tok.kind == VALUE:
        tok.line_has_value = True
    return [tok]


def tokenise_line(norm: str, raw: str, lineno: int, markdown: bool = False,
                  closing_pipe: bool = True) -> tuple[str, list[Token]]:
    """Tokens of one line and the kind of delimiter it used.

    ``markdown``: the text has markdown table separator rows, so a leading pipe opens a
    row instead of following an empty cell. ``closing_pipe``: a pipe at the end of a
    line closes the row (the seed: every cell is followed by a pipe) rather than
    separating an empty last cell (cells joined by `` | `` and the line stripped).
    """
    stripped = norm.strip()
    if not stripped:
        if "\t" in norm:  # a tab-separated row of empty cells
            tokens: list[Token] = []
            _delimited_tokens(norm, raw, "tab", "\t", lineno, tokens, closing_pipe)
            _mark_line(tokens)
            return "tab", tokens
        return "empty", [Token(BLANK, "", "", lineno, _BLANK_VALUE, empty_line=True)]
    if stripped[0] in _NOISE_START and (
        _FOOTER.match(norm) or ("|" in norm and _MD_SEPARATOR.match(norm))
    ):
        return "noise", []  # (a "--" alone on its line is a dash cell, not a separator)
    kind, sep = _line_kind(norm, stripped, markdown)
    if sep is None and stripped[0] in _RUN_END and " " in stripped:
        run = _run_line_tokens(norm, raw, lineno)
        if run is not None:
            return kind, run
    tokens = []
    if sep is not None:
        _delimited_tokens(norm, raw, kind, sep, lineno, tokens, closing_pipe)
    elif kind == "spaces":
        for m in _SPACE_CELL.finditer(norm):
            _cell_tokens(norm, raw, m.start(), m.end(), lineno, tokens)
        _numbering_into_label(tokens)
    elif " " in stripped:
        _words_tokens(norm, raw, 0, len(norm), lineno, tokens)
        _numbering_into_label(tokens)
    else:
        return kind, _single_word(norm, raw, stripped, lineno)
    _mark_line(tokens)
    return kind, tokens


_NUMBER_ALONE = re.compile(r"\d{1,2}")


def _numbering_into_label(tokens: list[Token]) -> None:
    """A line opening with a number of one or two digits, then a label (``2 申请人逾期…``,
    where 2、 was printed 2 and a space): the number is the label's numbering, not a
    cell the row before would take."""
    if len(tokens) < 2:
        return
    first, second = tokens[0], tokens[1]
    if (first.kind == VALUE and _NUMBER_ALONE.fullmatch(first.text)
            and second.kind == TEXT and not second.text.isascii()):
        text = f"{first.text} {second.text}"
        tokens[0:2] = [Token(TEXT, text, f"{first.raw} {second.raw}", first.line, None,
                             False, False, normalise_label(text), second.cell)]


def after_damage_dropped(tokens: list[Token]) -> list[Token]:
    """A value or a label holding a byte no encoding read (U+FFFD) may hide the
    delimiter or line break that was there (two cells, or a row's values and the next
    label, run into one), and a damaged label may name the wrong row: the values
    after it, up to the next label, cannot be placed and are dropped (their row is
    then reported short or missing), never read one column to the left. On a
    delimited line the damage may have been a delimiter: every cell after it on the
    line, past labels too, may stand one place to the left, and is dropped."""
    out: list[Token] = []
    dropping = False
    damaged_line = -1  # a delimited line with damage before the current token
    for t in tokens:
        if t.kind == TEXT:
            dropping = False
        elif dropping or (t.line == damaged_line and t.cell >= 0):
            continue
        if REPLACEMENT in t.text:
            dropping = True
            damaged_line = t.line if t.cell >= 0 else damaged_line
            if t.kind != TEXT and not any(c.isdigit() for c in t.text):
                continue  # (damage alone, no digit: it may stand for a delimiter)
        out.append(t)
    return out


_RUN_LINE = re.compile(r"[\d.,增减+\-—–/\\万元无… ]*\d[\d.,增减+\-—–/\\万元无… ]*")


def _run_line_tokens(norm: str, raw: str, lineno: int) -> list[Token] | None:
    """A line of nothing but a run of glued cells broken by stray spaces, as glued
    VALUE tokens (表四's ``// //////////0/0``); None for a line of ordinary values."""
    if not _RUN_LINE.fullmatch(norm.strip()):
        return None
    words = list(_WORD.finditer(norm))
    if all(_word_value(m.group()) is not None for m in words):
        return None
    return [Token(VALUE, m.group(), raw[m.start() : m.end()], lineno,
                  glued_run(m.group(), rest=True), True) for m in words]


def _mark_line(tokens: list[Token]) -> None:
    """Tell every token of a line whether the line prints values or only blanks."""
    kinds = [t.kind for t in tokens]
    if VALUE in kinds:
        for t in tokens:
            t.line_has_value = True
    elif kinds and kinds.count(BLANK) == len(kinds):
        for t in tokens:
            t.only_blanks = True


def _rows_close_with_a_pipe(lines: list[str]) -> bool:
    """Whether a trailing pipe closes rows (the seed) or precedes an empty last cell.

    In the seed every cell is followed by a pipe, so empty cells show as ``||``; text
    whose cells are joined by `` | `` shows empty cells as ``|  |`` and never ``||``.
    """
    joined_style = False
    for line in lines:
        if "|" in line:
            if "||" in line or "| |" in line:
                return True
            # A text that closes rows with a pipe closes every row with one.
            joined_style = joined_style or "|  |" in line or not line.rstrip().endswith("|")
    return not joined_style


_LONE_NUMBER = re.compile(r"\s*(\d{1,3})\s*")


def page_number_lines(lines: list[str]) -> set[int]:
    """Indexes of lines that are bare page numbers ("7" alone on its line).

    A lone number may also be a table value, so only numbers that continue a run of
    page numbers (n, n+1, … down the document, at least two) count. One pass: each
    run waits for its next number.
    """
    waiting: dict[int, list[int]] = {}  # next page number -> the run expecting it
    runs: list[list[int]] = []
    for i, line in enumerate(lines):
        m = _LONE_NUMBER.fullmatch(line)
        if m is None:
            continue
        number = int(m.group(1))
        run = waiting.pop(number, None)
        if run is None:
            run = []
            runs.append(run)
        run.append(i)
        waiting[number + 1] = run
    return {i for run in runs if len(run) >= 2 for i in run}


def _classify_layout(kinds: dict[str, int], single_word_lines: int, single_lines: int) -> str:
    if not kinds:
        return "text"
    kind = max(kinds, key=kinds.__getitem__)  # (the first seen of the commonest)
    if kind == "single":
        return "lines" if single_word_lines > single_lines / 2 else "text"
    return kind


LineTokens = tuple[str, list[Token]]  # a line's delimiter kind and its tokens


def tokenise_lines(
    norm_lines: list[str], raw_lines: list[str], line_numbers: list[int] | None = None,
    closing_pipe: bool | None = None,
) -> list[LineTokens]:
    """Every line's kind and tokens (see :func:`tokenise`); :func:`assemble` joins them.

    A line's tokens do not depend on which other lines are left out, so a document can
    be assembled again without some lines (page numbers) without tokenising it again.
    """
    markdown = any(
        "-" in line and "|" in line and _MD_SEPARATOR.match(line) for line in norm_lines
    )
    if closing_pipe is None:
        closing_pipe = _rows_close_with_a_pipe(norm_lines)
    return [
        _memoised_line(norm, raw, line_numbers[i] if line_numbers else i + 1, markdown,
                       closing_pipe)
        for i, (norm, raw) in enumerate(zip(norm_lines, raw_lines, strict=True))
    ]


# Lines repeat from report to report (headers, labels, rows of zeros), and a line's
# tokens depend only on its text and the two document-wide flags; its number goes into
# ``Token.line`` alone. So the tokens' other fields are remembered per line, and a line
# seen before costs only new Token objects. Most value rows are never seen again, and
# remembering a line costs about as much as tokenising it: a line is remembered the
# second time it comes (the first time only its key is noted). Bounded: cleared when full.
LINE_MEMO_SIZE = 4096
_TokenFields = tuple[int, str, str, "CellValue | None", bool, bool, str, int, bool]
_LineKey = tuple[str, str, bool, bool]
_LINE_MEMO: dict[_LineKey, tuple[str, tuple[_TokenFields, ...]]] = {}
_SEEN_ONCE: set[_LineKey] = set()


def _memoised_line(norm: str, raw: str, lineno: int, markdown: bool,
                   closing_pipe: bool) -> LineTokens:
    """:func:`tokenise_line`, remembering the line's tokens once it comes again."""
    key = (norm, raw, markdown, closing_pipe)
    found = _LINE_MEMO.get(key)
    if found is None:
        kind, tokens = tokenise_line(norm, raw, lineno, markdown, closing_pipe)
        if key not in _SEEN_ONCE:
            if len(_SEEN_ONCE) >= 4 * LINE_MEMO_SIZE:
                _SEEN_ONCE.clear()
            _SEEN_ONCE.add(key)
            return kind, tokens
        if len(_LINE_MEMO) >= LINE_MEMO_SIZE:
            _LINE_MEMO.clear()
        _LINE_MEMO[key] = (kind, tuple(
            (t.kind, t.text, t.raw, t.value, t.line_has_value, t.empty_line, t.label, t.cell,
             t.only_blanks) for t in tokens))
        return kind, tokens
    kind, fields = found
    return kind, [Token(k, text, raw_text, lineno, value, has_value, empty, label, cell, blanks)
                  for k, text, raw_text, value, has_value, empty, label, cell, blanks in fields]


def assemble(lines: list[LineTokens], skip: set[int] | frozenset[int] = frozenset()
             ) -> Tokenised:
    """The tokens of the lines not in ``skip``, and the dominant table layout."""
    tokens: list[Token] = []
    kinds: dict[str, int] = {}
    single_word = single_lines = adjacent = filled = 0
    previous_filled = False
    for i, (kind, line_tokens) in enumerate(lines):
        if i in skip:
            continue
        tokens.extend(line_tokens)
        is_filled = kind != "empty"
        filled += is_filled
        adjacent += is_filled and previous_filled
        previous_filled = is_filled
        if not line_tokens or not line_tokens[-1].line_has_value:
            continue
        kinds[kind] = kinds.get(kind, 0) + 1
        if kind == "single":
            single_lines += 1
            single_word += len(line_tokens) == 1
    layout = _classify_layout(kinds, single_word, single_lines)
    # One cell per line marks a blank cell with an empty line, unless the text is
    # double-spaced (an empty line after every line: then empty lines are spacing).
    blank_lines = layout == "lines" and adjacent > filled / 5
    return Tokenised(tokens, layout, blank_lines)


def tokenise(
    norm_lines: list[str], raw_lines: list[str], line_numbers: list[int] | None = None,
    closing_pipe: bool | None = None, skip: set[int] | frozenset[int] = frozenset(),
) -> Tokenised:
    """Tokenise a whole document and name its dominant table layout.

    ``line_numbers`` gives each line's number in the source file where the lines are
    not the file's own (HTML flattened to text); by default line i is number i + 1.
    ``closing_pipe`` says whether a trailing pipe closes rows; None: judge from the text.
    ``skip``: indexes of lines to leave out (page numbers).
    """
    return assemble(tokenise_lines(norm_lines, raw_lines, line_numbers, closing_pipe), skip)
