"""``xxgk serve``: the nightly schedule on one machine, from one process.

Prefect's ephemeral server cannot hold schedules ("Cannot schedule flows on an
ephemeral server"), so when no ``PREFECT_API_URL`` is configured this command starts
a local Prefect server itself (loopback only, SQLite under the project's
``PREFECT_HOME``), waits until it answers its health check, and serves two
deployments of the same flow on it:

- ``nightly``: on a cron schedule in the Asia/Shanghai time zone (the reports'
  agencies keep Beijing time, whatever the machine's zone);
- ``rerun``: unscheduled, for operators to start from the UI or
  ``prefect deployment run 'xxgk-run/rerun' -p agencies='["区教育局"]'``.

Each runs one flow run at a time and queues the next. While the server runs, its API
is named in ``PREFECT_HOME/serve-api-url``, so that a manual ``xxgk run`` is recorded
on it too, beside the nightly runs.

Ctrl-C or SIGTERM stops the served deployments and then the server it started.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from flows.environment import (
    SERVE_API_FILE,
    configure_prefect,
    server_healthy,
    stop_server,
    uses_server,
)

TIMEZONE = "Asia/Shanghai"
SERVER_START_TIMEOUT = 180.0  # a first start runs the database migrations


class ServeError(RuntimeError):
    """The local Prefect server could not be started."""


def start_local_server(port: int) -> tuple[subprocess.Popen[bytes], str]:
    """``prefect server start`` on loopback; returns the process and its API URL once
    the server answers."""
    api_url = f"http://127.0.0.1:{port}/api"
    if server_healthy(api_url):
        raise ServeError(f"port {port} already has a Prefect server; set PREFECT_API_URL="
                         f"{api_url} to use it, or pass --port")
    home = Path(os.environ["PREFECT_HOME"])
    log_path = home / "server.log"
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    # Its own database: `xxgk run` in ephemeral mode keeps using prefect.db meanwhile,
    # and two servers on one SQLite file lock each other out.
    env.setdefault("PREFECT_SERVER_DATABASE_CONNECTION_URL",
                   f"sqlite+aiosqlite:///{home / 'server.db'}")
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
             "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServeError(f"the Prefect server exited with {process.returncode}; "
                             f"see {log_path}")
        if server_healthy(api_url):
            return process, api_url
        time.sleep(0.5)
    stop_server(process)
    raise ServeError(f"the Prefect server did not answer within {SERVER_START_TIMEOUT:.0f} s;"
                     f" see {log_path}")


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM stops as cleanly as Ctrl-C


def deployments(args: argparse.Namespace) -> list[object]:
    """The nightly and rerun deployments: one run at a time each, a run started while
    one is running queued (and a run of either waits for the other's lock)."""
    from prefect.client.schemas.objects import (
        ConcurrencyLimitConfig,
        ConcurrencyLimitStrategy,
    )
    from prefect.schedules import Cron

    from flows.pipeline import nightly, rerun

    params = {"source": str(Path(args.source).resolve()),
              "warehouse": str(Path(args.warehouse).resolve()), "registry": args.registry}
    one_at_a_time = ConcurrencyLimitConfig(
        limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE)
    return [
        nightly.to_deployment(
            name="nightly", schedules=[Cron(args.cron, timezone=TIMEZONE)],
            parameters=params, concurrency_limit=one_at_a_time,
            description="Incremental nightly run: new and changed report files.",
            tags=["xxgk", "nightly"]),
        rerun.to_deployment(
            name="rerun", parameters=params, concurrency_limit=one_at_a_time,
            description="Operators' rerun: failed and partial reports by default; choose "
            "agencies, years or a full run instead.", tags=["xxgk", "rerun"]),
    ]


def serve_command(args: argparse.Namespace) -> int:
    configure_prefect()
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    server = None
    announced = Path(os.environ["PREFECT_HOME"]) / SERVE_API_FILE
    try:
        if not uses_server():
            print(f"xxgk serve: starting a local Prefect server on 127.0.0.1:{args.port} "
                  f"(PREFECT_HOME={os.environ['PREFECT_HOME']})", flush=True)
            server, api_url = start_local_server(args.port)
            os.environ["PREFECT_API_URL"] = api_url
            announced.write_text(api_url, encoding="utf-8")  # `xxgk run` reports here
            print(f"xxgk serve: Prefect UI at {api_url.removesuffix('/api')}", flush=True)
        from prefect import serve

        # Prefect's runner handles SIGTERM itself once it runs (a graceful shutdown,
        # then it returns); before that, ours turns it into KeyboardInterrupt.
        serve(*deployments(args))  # type: ignore[arg-type]
    except ServeError as err:
        print(f"xxgk: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    finally:
        print("xxgk serve: stopping", flush=True)
        if server is not None:
            announced.unlink(missing_ok=True)
            stop_server(server)
        signal.signal(signal.SIGTERM, previous)
    return 0


__all__ = ["deployments", "serve_command", "server_healthy", "start_local_server"]
