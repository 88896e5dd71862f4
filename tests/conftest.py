"""Shared fixtures: where the shared corpus of real reports lives (it may be absent),
and which cells make each hand-read figure of its manifest."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Helper modules beside this file (``warehouses``) are importable from every test.
HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
# The generator (``synth``) is not installed: it comes from the checkout, after what
# is installed (the compiled build, when the tests run on it with ``python -P``).
ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.append(ROOT)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "corpus"


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared corpus folder; tests that need it skip on machines without it."""
    if not (CORPUS / "manifest.csv").exists():
        pytest.skip("the shared corpus (../shared/corpus) is not present")
    return CORPUS


@pytest.fixture(scope="session")
def figure_cells() -> dict[str, list[tuple[str, str, str]]]:
    """The manifest's hand-read figures as sums of canonical cells."""
    return {
        "new_total": [("applications", "new_received", "total")],
        "result_total": [("applications", "total", "total")],
        "carry_next_total": [("applications", "carried_forward", "total")],
        "review_total": [("reviews_litigation", "review", "total")],
        "litigation_total": [
            ("reviews_litigation", "litigation_direct", "total"),
            ("reviews_litigation", "litigation_after_review", "total"),
        ],
    }
