"""Writes a whole synthetic source folder (``DEST/<agency>/<year><ext>``) and its truth.

This is what benchmarks and end-to-end tests feed to the pipeline: several
agencies over several years, mixed layouts and encodings, each report seeded from
(seed, agency, year) so a corpus is reproducible file by file.  A few reports can be
asked to break the consistency rules, as real ones do (``rule_breakers``).  The
optional truth file has one JSON line per report.  ``python -m synth`` is the command
line.
"""

from __future__ import annotations

import argparse
import json
import random
import zlib
from collections.abc import Iterable, Sequence
from itertools import chain, zip_longest
from pathlib import Path

from .encoding import ENCODINGS
from .generator import EXTENSIONS, GeneratedReport, generate_report
from .identity import AGENCIES, agency_pool, stable_rng, template_for_year
from .numbers import CARRY_KEEPING_KINDS, DEFAULT_BREAK_KINDS
from .render import DRAWN_LAYOUTS, LAYOUTS

REPORT_EXTENSIONS = (".txt", ".md", ".html", ".htm", ".pdf")


def corpus_agencies(n_agencies: int, seed: int) -> list[str]:
    """The agencies of a corpus: a seeded mix of the district's bureaus, then invented towns."""
    if n_agencies > len(AGENCIES):
        return agency_pool(n_agencies)
    chosen = set(stable_rng("agencies", seed).sample(AGENCIES, n_agencies))
    return [a for a in AGENCIES if a in chosen]


def report_seed(seed: int, agency: str, year: int) -> int:
    """The seed of one report of a corpus."""
    return zlib.crc32(f"{seed}|{agency}|{year}".encode())


def corpus_report(
    seed: int,
    agency: str,
    year: int,
    layouts: Sequence[str] | None = None,
    encodings: Sequence[str] | None = None,
    break_kinds: Sequence[str] | None = None,
) -> GeneratedReport:
    """The report a corpus of ``seed`` holds for ``agency`` and ``year``; with
    ``break_kinds``, the same report with one or two rules broken in those ways (every
    other stream of the seed, layout and encoding included, stays as it was)."""
    rng = stable_rng("corpus", seed, agency, year)
    layout = rng.choice(tuple(layouts or DRAWN_LAYOUTS))
    encoding = rng.choice(tuple(encodings or ENCODINGS))
    single = year >= 2021 and rng.random() < 0.15
    return generate_report(
        report_seed(seed, agency, year),
        layout=layout,
        encoding=encoding,
        agency=agency,
        year=year,
        single_other_row=single,
        break_rules=break_kinds is not None,
        break_kinds=break_kinds,
    )


# The default kinds that change 结转下年度: given only to a report no later one carries from.
_CARRY_CHANGING_KINDS = tuple(k for k in DEFAULT_BREAK_KINDS if k not in CARRY_KEEPING_KINDS)


def _years_in_turn(years: Sequence[int], rng: random.Random) -> list[int]:
    """``years`` shuffled within each template, then taken from each template in
    turn: the first picks cover both templates whenever the corpus has both."""
    groups: dict[str, list[int]] = {}
    for year in sorted(set(years)):
        groups.setdefault(template_for_year(year), []).append(year)
    for group in groups.values():
        rng.shuffle(group)
    return [y for y in chain.from_iterable(zip_longest(*groups.values())) if y is not None]


def rule_breakers(
    agencies: Sequence[str], years: Sequence[int], n: int, seed: int
) -> dict[tuple[str, int], tuple[str, ...]]:
    """The ``n`` reports of a corpus that break rules on purpose, drawn from ``seed``:
    ``{(agency, year): break kinds}``, each of a different agency, their years taken
    from each template's years in turn (so both templates have some when ``n`` ≥ 2 and
    the corpus spans both).

    A report whose next year is in the corpus breaks only in ways that leave its
    结转下年度 alone (``CARRY_KEEPING_KINDS``): the next report's 上年结转 still agrees
    with it, so the failed checks of a corpus are those of its rule breakers only. A
    report without a next year breaks in the other ways (a 结转 that does not balance,
    a row whose 总计 is not the sum of its columns), so that every rule can show.
    """
    if not 0 <= n <= len(agencies):
        raise ValueError(f"rule breakers: between 0 and {len(agencies)} (one an agency), "
                         f"not {n}")
    if n and not years:
        raise ValueError("rule breakers need at least one year")
    rng = stable_rng("rule_breakers", seed)
    chosen = rng.sample(list(agencies), n)
    order = _years_in_turn(years, rng)
    picks = [(agency, order[i % len(order)]) for i, agency in enumerate(chosen)]
    return {(agency, year): CARRY_KEEPING_KINDS if year + 1 in years else _CARRY_CHANGING_KINDS
            for agency, year in picks}


def _replace(folder: Path, year: int, report: GeneratedReport) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for ext in REPORT_EXTENSIONS:
        stale = folder / f"{year}{ext}"
        if ext != report.extension and stale.exists():
            stale.unlink()
    path = folder / f"{year}{report.extension}"
    path.write_bytes(report.data)
    return path


def write_corpus(
    dest: Path,
    *,
    n_agencies: int,
    years: Iterable[int],
    seed: int,
    layouts: Sequence[str] | None = None,
    encodings: Sequence[str] | None = None,
    truth: Path | None = None,
    n_rule_breakers: int = 0,
) -> list[Path]:
    """Write ``dest/<agency>/<year><ext>`` for every agency and year; return the paths.

    ``n_rule_breakers`` of the reports (see :func:`rule_breakers`) break one or two
    consistency rules, as real reports do; the truth's ``broken_rules`` names them.
    The other reports are those of a corpus without rule breakers, byte for byte.
    """
    dest = Path(dest)
    years = list(years)
    agencies = corpus_agencies(n_agencies, seed)
    breakers = rule_breakers(agencies, years, n_rule_breakers, seed)
    paths: list[Path] = []
    records: list[str] = []
    for agency in agencies:
        for year in years:
            kinds = breakers.get((agency, year))
            report = corpus_report(seed, agency, year, layouts, encodings, kinds)
            path = _replace(dest / agency, year, report)
            paths.append(path)
            record = {"path": path.relative_to(dest).as_posix(), **report.truth()}
            records.append(json.dumps(record, ensure_ascii=False))
    if truth is not None:
        Path(truth).parent.mkdir(parents=True, exist_ok=True)
        Path(truth).write_text("".join(r + "\n" for r in records), encoding="utf-8")
    return paths


# What reaches a real pipeline besides good reports: each kind once, at a path of the
# source layout (an agency's folder, a year before the corpus) or beside it.
_NAV_PAGE = (
    "<html><head><meta charset='utf-8'><title>政府信息公开</title></head><body>"
    "<div class='nav'>首页 | 政府信息公开 | 政府信息公开年报 | 依申请公开</div>"
    "<p>本页面正在维护，政府信息公开工作年度报告稍后发布。</p></body></html>\n"
)
_NOTE = "说明：本文件夹收录各部门政府信息公开工作年度报告，按部门和年份存放。\n"


def write_broken(dest: Path, agencies: Sequence[str], seed: int) -> list[Path]:
    """Files that must not load cleanly, for demos and end-to-end tests: an empty file,
    a web page with no tables, a report cut off after its first tables (partial), a
    PDF that is not one, and a note that is not a report at all (skipped)."""
    dest = Path(dest)
    year = 2018
    truncated = generate_report(report_seed(seed, agencies[2], year), layout="pipe",
                                encoding="utf-8", agency=agencies[2], year=year,
                                truncate=True)
    files = {
        dest / agencies[0] / f"{year}.txt": b"",
        dest / agencies[1] / f"{year}.html": _NAV_PAGE.encode("utf-8"),
        dest / agencies[2] / f"{year}.txt": truncated.data,
        dest / agencies[3] / f"{year}.pdf": b"%PDF-1.7\n" + bytes(range(256)) * 4,
        dest / "说明.txt": _NOTE.encode("utf-8"),
    }
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return list(files)


def parse_years(text: str) -> list[int]:
    """``2019-2025`` or ``2019,2021,2023`` as a list of years."""
    years: list[int] = []
    for part in text.split(","):
        low, _, high = part.strip().partition("-")
        years += range(int(low), int(high or low) + 1)
    return years


def _names(text: str | None, allowed: tuple[str, ...], what: str) -> list[str] | None:
    if not text:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown {what}: {', '.join(unknown)}")
    return names


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m synth --out DIR --agencies N --years 2019-2025 --seed S [--truth FILE]
    [--rule-breakers N] [--broken]``."""
    parser = argparse.ArgumentParser(prog="python -m synth", description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="folder to write reports into")
    parser.add_argument("--agencies", type=int, default=8, help="number of agencies")
    parser.add_argument("--years", default="2019-2025", help="e.g. 2019-2025 or 2019,2021")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--truth", type=Path, default=None, help="write the truth JSONL here")
    parser.add_argument("--layouts", default=None, help=f"comma list of {','.join(LAYOUTS)}")
    parser.add_argument("--encodings", default=None, help=f"comma list of {','.join(ENCODINGS)}")
    parser.add_argument("--rule-breakers", type=int, default=0, metavar="N",
                        help="make N reports (of different agencies, in both templates' "
                        "years, drawn from --seed) break one or two consistency rules; "
                        "--truth names the rules each breaks")
    parser.add_argument("--broken", action="store_true",
                        help="also write five files that must not load cleanly (see "
                        "write_broken); needs at least 4 agencies")
    args = parser.parse_args(argv)
    try:
        layouts = _names(args.layouts, LAYOUTS, "layout")
        encodings = _names(args.encodings, ENCODINGS, "encoding")
        years = parse_years(args.years)
    except (argparse.ArgumentTypeError, ValueError) as exc:
        parser.error(str(exc))
    if not 0 <= args.rule_breakers <= args.agencies:
        parser.error(f"--rule-breakers takes 0 to {args.agencies} (one report an agency)")
    paths = write_corpus(
        args.out,
        n_agencies=args.agencies,
        years=years,
        seed=args.seed,
        layouts=layouts,
        encodings=encodings,
        truth=args.truth,
        n_rule_breakers=args.rule_breakers,
    )
    breaking = f" ({args.rule_breakers} breaking consistency rules)" if args.rule_breakers else ""
    print(f"wrote {len(paths)} reports to {args.out}{breaking}")
    if args.broken:
        if args.agencies < 4:
            parser.error("--broken needs at least 4 agencies")
        broken = write_broken(args.out, corpus_agencies(args.agencies, args.seed), args.seed)
        print(f"wrote {len(broken)} broken files")
    return 0


__all__ = ["EXTENSIONS", "corpus_agencies", "corpus_report", "main", "parse_years",
           "rule_breakers", "write_broken", "write_corpus"]
