"""The run's temporary Prefect server (flows.environment) dies with the run: a process
started to die with this one is killed when this one is killed (SIGKILL included), the
server is started that way, and a start interrupted by Ctrl-C or SIGTERM stops it.

No Prefect server is started here: the server's own process is stood in for by a
plain one (the flow tests start real ones, and ``tests/flows/test_pipeline.py`` kills
a whole run to see its server go).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from processes import running

import flows.environment as environment
from flows.environment import dying_with_this_process, start_temporary_server

ROOT = Path(__file__).resolve().parents[2]
SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def _gone_within(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not running(pid)


def test_a_process_started_to_die_with_this_one_dies_when_it_is_killed() -> None:
    owner_code = textwrap.dedent("""
        import subprocess, time
        from flows.environment import dying_with_this_process
        server = subprocess.Popen(dying_with_this_process(
            "http.server", ["--bind", "127.0.0.1", "0"]), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        print(server.pid, flush=True)
        time.sleep(120)
    """)
    owner = subprocess.Popen([sys.executable, "-c", owner_code], cwd=ROOT,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout is not None
        server = int(owner.stdout.readline())
        time.sleep(0.5)
        assert running(server)  # it runs the module it was given
    finally:
        owner.kill()  # SIGKILL: no handler of the owner's runs
        owner.wait()
    assert _gone_within(server)


def test_the_temporary_server_is_started_to_die_with_the_run(
        monkeypatch: pytest.MonkeyPatch) -> None:
    commands: list[list[str]] = []
    real_popen = subprocess.Popen

    def record(command: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
        commands.append(command)
        return real_popen(SLEEPER)

    monkeypatch.setattr(environment.subprocess, "Popen", record)
    process, api_url = environment._launch_server()
    environment.stop_server(process, grace=5)
    prefix = dying_with_this_process("uvicorn", [])
    assert commands[0][:len(prefix)] == prefix
    assert "prefect.server.api.server:create_app" in commands[0]
    assert api_url.startswith("http://127.0.0.1:")


@pytest.mark.parametrize("where", ["warm_up", "health_check"])
def test_an_interrupted_start_stops_the_server(where: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[subprocess.Popen[bytes]] = []

    def launch() -> tuple[subprocess.Popen[bytes], str]:
        started.append(subprocess.Popen(SLEEPER))
        return started[-1], "http://127.0.0.1:9/api"

    def interrupt(*args: object, **kwargs: object) -> bool:
        raise KeyboardInterrupt  # Ctrl-C, or SIGTERM as ``xxgk run`` turns it

    monkeypatch.setattr(environment, "_launch_server", launch)
    if where == "health_check":
        monkeypatch.setattr(environment, "server_healthy", interrupt)
    try:
        with pytest.raises(KeyboardInterrupt):
            start_temporary_server(60, interrupt if where == "warm_up" else None)
        assert started and started[0].poll() is not None
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.wait()


def test_the_dying_wrapper_passes_the_modules_arguments() -> None:
    out = subprocess.run(
        dying_with_this_process("platform", ["--terse"]), capture_output=True, text=True,
        check=True, timeout=60, env={**os.environ}).stdout
    assert out.strip()  # ``python -m platform --terse`` ran and printed its line
