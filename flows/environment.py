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


__all__ = ["configure_prefect", "project_home", "uses_server"]
