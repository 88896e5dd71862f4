"""Prefect settings for a project that runs with or without a Prefect server.

Prefect reads its settings when it is first imported, so these defaults are applied
by the CLI before any Prefect import. They only fill what the operator left unset:
a ``PREFECT_API_URL`` or ``PREFECT_HOME`` in the environment always wins.

- ``PREFECT_HOME`` is project-local (``.prefect/`` at the repository root, or the
  current folder for an installed copy) so that the ephemeral mode's SQLite database
  and the local server of ``xxgk serve`` never touch the operator's home.
- The ephemeral server's first start runs database migrations, measured at 23–25 s
  here, over Prefect's 20 s default timeout: allow 120 s.
- Analytics are off (offline machines saw DNS errors and a locked database at start).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

_DEFAULTS = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY": "false",
}


def project_home() -> Path:
    """``.prefect/`` beside the project's ``pyproject.toml`` when running from a
    checkout, else in the current folder."""
    root = Path(__file__).resolve().parents[1]
    base = root if (root / "pyproject.toml").is_file() else Path.cwd()
    return base / ".prefect"


def configure_prefect(quiet: bool = False) -> None:
    """Fill Prefect's settings for this process and the workers it starts (they
    inherit the environment)."""
    for name, value in _DEFAULTS.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("PREFECT_HOME", str(project_home()))
    if quiet:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def uses_server() -> bool:
    """Whether a Prefect server is configured (else the ephemeral mode runs)."""
    return bool(os.environ.get("PREFECT_API_URL"))


@contextmanager
def prefect_api() -> Iterator[str | None]:
    """The configured Prefect API, or a temporary local one for this run.

    Prefect's ephemeral mode starts its server inside the flow's process, and worker
    processes do not learn its address: each would start a temporary server of its
    own (≈ 20 s each, measured). Starting the temporary server here and putting its
    URL in the settings that ``ProcessPoolTaskRunner`` hands to its workers makes the
    whole run share one.
    """
    if uses_server():
        yield os.environ["PREFECT_API_URL"]
        return
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL, temporary_settings

    server = SubprocessASGIServer()
    server.start(timeout=int(os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"]))
    # Both: the settings reach ProcessPoolTaskRunner's workers, the environment reaches
    # processes that only inherit it (Dask's LocalCluster workers).
    os.environ["PREFECT_API_URL"] = server.api_url
    try:
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            yield server.api_url
    finally:
        _flush_api_logs()  # else the log worker retries a stopped server at exit
        del os.environ["PREFECT_API_URL"]
        server.stop()


def _flush_api_logs() -> None:
    from prefect.logging.handlers import APILogHandler

    with suppress(Exception):  # a log lost at shutdown must not fail the run
        APILogHandler().flush()


__all__ = ["configure_prefect", "prefect_api", "project_home", "uses_server"]
