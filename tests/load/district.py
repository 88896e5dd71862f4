"""The generated district the comparison report and the export are tested on.

4 agencies × 2019–2023 from the generator (the district government's office and three
bureaus), a bureau of tiny volume (shares on a small base), two towns (one of them
failing in 2023), one report rewritten to break arithmetic rules (failed checks), one
report removed (a missing year), the generator's broken files (failed and partial
reports), and an unregistered agency whose name needs HTML escaping and which has no
2023 report.
"""

from __future__ import annotations

from pathlib import Path

from warehouses import publish_source

from synth.corpus import corpus_agencies, write_broken, write_corpus
from synth.generator import generate_report

YEARS = list(range(2019, 2024))
FOCUS = YEARS[-1]
SEED = 31
ODD_NAME = '区<测试>&"局'  # an unregistered agency whose name HTML must escape
TINY = "区统计局"  # the generator's tiny bureau: shares on fewer than 10 outcomes
TOWNS = ("东湖街道办事处", "平安镇人民政府")  # the second fails in 2023
KINDS = ("区政府", "区政府部门", "乡镇街道")


def _write(src: Path, agency: str, year: int, seed: int) -> None:
    report = generate_report(seed, agency=agency, year=year, layout="pipe", encoding="utf-8")
    (src / agency).mkdir(exist_ok=True)
    (src / agency / f"{year}.txt").write_bytes(report.data)


def make_district(root: Path) -> dict:
    """Source and warehouse of the test district; returns what the tests look for."""
    src, wh = root / "src", root / "wh"
    write_corpus(src, n_agencies=4, years=YEARS, seed=SEED)
    agencies = corpus_agencies(4, SEED)
    broken_agency, gap_agency = agencies[0], agencies[1]
    for stale in (src / broken_agency).glob("2020.*"):
        stale.unlink()
    bad = generate_report(2, agency=broken_agency, year=2020, layout="pipe", encoding="utf-8",
                          break_rules=True)
    (src / broken_agency / "2020.txt").write_bytes(bad.data)
    for gone in (src / gap_agency).glob("2022.*"):
        gone.unlink()
    write_broken(src, agencies, SEED)
    for i, agency in enumerate((TINY, *TOWNS)):
        for year in YEARS:
            _write(src, agency, year, 100 * i + year)
    (src / TOWNS[1] / f"{FOCUS}.txt").write_bytes(b"")  # fails to load
    for year in (2021, 2022):
        _write(src, ODD_NAME, year, year)
    publish_source(src, wh)
    return {"src": src, "wh": wh, "agencies": [*agencies, TINY, *TOWNS, ODD_NAME],
            "broken_agency": broken_agency, "gap_agency": gap_agency,
            "failed_agency": TOWNS[1]}
