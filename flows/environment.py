"""Prefect settings for a project that runs with or without a Prefect server.

Prefect reads its settings when it is first imported, so these defaults are applied
by the CLI before any Prefect import. They only fill what the operator left unset:
a ``PREFECT_API_URL`` or ``PREFECT_HOME`` in the environment always wins.

- ``PREFECT_HOME`` is project-local (``.prefect/`` at the repository root, or the
  current folder for an installed copy) so that the ephemeral mode's SQLite database
  and the local server of ``xxgk serve`` never touch the operator's home.
- The ephemeral server's first start runs database migrations, which can outlast
  Prefect's 20 s default start-up timeout on a small machine: allow 120 s.
- Analytics are off (offline machines saw DNS errors and a locked database at start).

The run's temporary server dies with the run: it asks the kernel for the parent-death
signal (Linux), so that not even a ``kill -9`` of the run leaves it serving, and an
interrupted start stops it.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
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


# Loggers of a Dask run that speak at INFO of every scheduler, nanny and connection
# event (two screens a run), and prefect-dask's, which names the cluster's dashboard:
# a link that dies with the run's cluster. Their warnings and errors still show.
DASK_LOGGERS = ("distributed", "prefect.task_runner.dask")


def quiet_dask_logging() -> None:
    """Dask's loggers at WARNING, in this process and (through Dask's configuration in
    the environment) in the worker processes it starts. Call it once ``distributed``
    is imported: its import sets the level of its loggers."""
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
    for name in DASK_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def uses_server() -> bool:
    """Whether a Prefect server is configured (else the ephemeral mode runs)."""
    return bool(os.environ.get("PREFECT_API_URL"))


# The file in PREFECT_HOME naming the API of the local server ``xxgk serve`` runs, while
# it runs: ``xxgk run`` records its runs there too, beside the nightly ones.
SERVE_API_FILE = "serve-api-url"


def project_server() -> str | None:
    """The API of the project's own server (``xxgk serve``), when it is up."""
    try:
        url = (Path(os.environ["PREFECT_HOME"]) / SERVE_API_FILE).read_text("utf-8").strip()
    except (KeyError, OSError, UnicodeDecodeError):
        return None
    return url if url and server_healthy(url) else None


@contextmanager
def prefect_api(warm_up: Callable[[], object] | None = None) -> Iterator[str | None]:
    """The configured Prefect API, else the project's server while ``xxgk serve`` runs
    it, else a temporary local one for this run.

    Prefect's ephemeral mode starts its server inside the flow's process, and worker
    processes do not learn its address: each would start a temporary server of its
    own. Starting the temporary server here and putting its
    URL in the settings and the environment makes the whole run share one (Dask's
    LocalCluster workers too). It is started as Prefect's ephemeral mode runs it (its
    API app in a uvicorn subprocess, with an ephemeral server's services), but without
    importing that app into this process: ``prefect.server`` would cost the run's
    process memory and seconds of CPU, and the run only needs Prefect's client.

    ``warm_up`` runs while the server starts (e.g. importing the flow's modules, most
    of Prefect's import cost, on the other core than the server's start-up).
    """
    configured = os.environ.get("PREFECT_API_URL") or project_server()
    if configured:
        os.environ["PREFECT_API_URL"] = configured  # (read by Prefect at its import)
        if warm_up is not None:
            warm_up()
        yield configured
        return
    timeout = float(os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"])
    process, api_url = start_temporary_server(timeout, warm_up)
    try:
        from prefect.settings import (
            PREFECT_API_URL,
            PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
            PREFECT_UI_URL,
            temporary_settings,
        )
    except BaseException:
        stop_server(process)
        raise

    try:
        os.environ["PREFECT_API_URL"] = api_url
        # No flow-run heartbeats: they let a lasting server notice a crashed run, but
        # this server ends with the run, and stopping their thread holds every flow's
        # end for up to a second.
        # No UI URL: this server has no UI and stops with the run, so the engine's
        # "View at http://127.0.0.1:…" line would name a page that never answers.
        settings = {PREFECT_API_URL: api_url, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None,
                    PREFECT_UI_URL: ""}
        with temporary_settings(updates=settings):
            yield api_url
    finally:
        with suppress(BaseException):  # a second Ctrl-C must not keep the server alive
            _flush_api_logs()  # else the log worker retries a stopped server at exit
        os.environ.pop("PREFECT_API_URL", None)
        stop_server(process)


# What Prefect's ephemeral mode sets for its server process: no UI, an ephemeral
# server's services only.
_EPHEMERAL_SERVER = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
                     "PREFECT__SERVER_FINAL": "1"}
_PORT_IN_USE = 3  # uvicorn's exit status when another process took the port meanwhile


def start_temporary_server(timeout: float, warm_up: Callable[[], object] | None = None
                           ) -> tuple[subprocess.Popen[bytes], str]:
    """Prefect's API on a free loopback port, for this run; the process and its API
    URL once it answers its health check (``warm_up`` runs meanwhile). The server
    reads its settings as this process does: the environment, and the profile and
    ``prefect.toml`` of the same ``PREFECT_HOME`` and folder."""
    deadline = time.monotonic() + timeout
    while True:
        process, api_url = _launch_server()
        try:
            if warm_up is not None:
                warm_up()
                warm_up = None
            if _wait_healthy(process, api_url, deadline):
                return process, api_url
        except BaseException:  # Ctrl-C or SIGTERM while it starts: it stops too
            stop_server(process)
            raise
        if process.poll() != _PORT_IN_USE or time.monotonic() >= deadline:
            break
    stop_server(process)
    raise RuntimeError(f"the temporary Prefect server did not answer within {timeout:g} s"
                       + (f" (exit status {process.returncode})"
                          if process.returncode is not None else ""))


def _wait_healthy(process: subprocess.Popen[bytes], api_url: str, deadline: float) -> bool:
    """Whether the server answers its health check before ``deadline`` (False as soon
    as it exits)."""
    while process.poll() is None and time.monotonic() < deadline:
        if server_healthy(api_url, timeout=1.0):
            return True
        time.sleep(0.1)
    return False


def _launch_server() -> tuple[subprocess.Popen[bytes], str]:
    # Found, not imported: importing Prefect here would wait for ≈ 2 CPU s first.
    spec = importlib.util.find_spec("prefect")
    assert spec is not None and spec.origin is not None, "Prefect is not installed"
    port = _free_port()
    arguments = ["--app-dir", str(Path(spec.origin).resolve().parents[1]),
                 "--factory", "prefect.server.api.server:create_app",
                 "--host", "127.0.0.1", "--port", str(port),
                 "--log-level", "error", "--lifespan", "on"]
    process = subprocess.Popen(dying_with_this_process("uvicorn", arguments),
                               env={**os.environ, **_EPHEMERAL_SERVER})
    return process, f"http://127.0.0.1:{port}/api"


# ``python -m MODULE ARGS…`` that first asks for SIGKILL when its parent dies (prctl's
# PR_SET_PDEATHSIG, Linux only), then leaves at once if its parent is already gone.
_DYING_WITH_PARENT = (
    "import ctypes, os, runpy, signal, sys\n"
    "try:\n"
    "    ctypes.CDLL(None).prctl(1, signal.SIGKILL)\n"
    "except (OSError, AttributeError):\n"
    "    pass\n"
    "if os.getppid() != int(sys.argv[1]):\n"
    "    sys.exit(1)\n"
    "sys.argv = sys.argv[2:]\n"
    "runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)\n"
)


def dying_with_this_process(module: str, arguments: list[str]) -> list[str]:
    """The command ``python -m module arguments…``, run so that the process dies with
    this one, even when this one is killed with SIGKILL. The signal is tied to the
    thread that starts the process: start it from one that lasts (the main thread)."""
    return [sys.executable, "-c", _DYING_WITH_PARENT, str(os.getpid()), module, *arguments]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_healthy(api_url: str, timeout: float = 2.0) -> bool:
    """Whether a Prefect API answers its health check at ``api_url``."""
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def stop_server(process: subprocess.Popen[bytes], grace: float = 20.0) -> None:
    """Stop a server process started here (SIGTERM, then SIGKILL after ``grace`` s)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _flush_api_logs() -> None:
    from prefect.logging.handlers import APILogHandler

    with suppress(Exception):  # a log lost at shutdown must not fail the run
        APILogHandler().flush()


__all__ = ["DASK_LOGGERS", "configure_prefect", "dying_with_this_process", "prefect_api",
           "project_home", "quiet_dask_logging", "server_healthy", "start_temporary_server",
           "stop_server", "uses_server"]
