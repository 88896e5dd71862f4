"""Prefect for the flow tests: a private ``PREFECT_HOME`` and one temporary server.

Prefect reads its settings at import, so the environment is set here, before any test
module imports it. One session-wide server (started as ``xxgk run`` starts it) serves
every flow test: starting one costs 10–25 s.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest

_HOME = tempfile.mkdtemp(prefix="xxgk-prefect-home-")
os.environ["PREFECT_HOME"] = _HOME
os.environ.pop("PREFECT_API_URL", None)  # never a developer's real server
# Prefect's console handler keeps the stream of the test that first logged; pytest
# closes it afterwards. Fewer records, fewer "I/O operation on closed file" notes.
os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"

from flows.environment import configure_prefect  # noqa: E402

configure_prefect()


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[str]:
    """The API URL of the session's temporary Prefect server."""
    from flows.environment import prefect_api

    with prefect_api() as url:
        assert url is not None
        yield url
        # pytest has closed the streams Prefect's console handler wrote to.
        logging.getLogger("prefect").setLevel(logging.WARNING)
    shutil.rmtree(_HOME, ignore_errors=True)
