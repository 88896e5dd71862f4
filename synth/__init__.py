"""Deterministic synthetic 政府信息公开工作年度报告 with exact ground truth.

The project's tests use these reports to show that every table cell round-trips
through extraction, in every layout and encoding real reports come in, and the
benchmarks use ``write_corpus`` to run the pipeline at scale.  Same seed, same
bytes.
"""

from __future__ import annotations

from .compare import cell_differences
from .corpus import write_corpus
from .encoding import ENCODINGS
from .generator import GeneratedReport, generate_report
from .keys import TEMPLATES, valid_keys
from .numbers import BREAK_KINDS
from .render import DRAWN_LAYOUTS, LAYOUTS, REPEAT_MERGED_LAYOUTS
from .render_ocr import OCR_LAYOUT
from .rules import violations

__all__ = [
    "BREAK_KINDS",
    "DRAWN_LAYOUTS",
    "ENCODINGS",
    "LAYOUTS",
    "OCR_LAYOUT",
    "REPEAT_MERGED_LAYOUTS",
    "TEMPLATES",
    "GeneratedReport",
    "cell_differences",
    "generate_report",
    "valid_keys",
    "violations",
    "write_corpus",
]
