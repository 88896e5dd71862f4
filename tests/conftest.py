"""Shared fixtures: where the shared corpus of real reports lives (it may be absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "corpus"


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared corpus folder; tests that need it skip on machines without it."""
    if not (CORPUS / "manifest.csv").exists():
        pytest.skip("the shared corpus (../shared/corpus) is not present")
    return CORPUS
