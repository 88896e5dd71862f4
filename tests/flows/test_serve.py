"""The nightly schedule: ``prefect.yaml``, the served deployments and ``xxgk serve``.

``xxgk serve`` is tested end to end in a child process: it starts its own local
Prefect server (the ephemeral one cannot hold schedules), registers the nightly
deployment with its cron in Asia/Shanghai time and the unscheduled rerun deployment,
and stops both cleanly on SIGTERM.
"""

from __future__ import annotations

import inspect
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import yaml

from flows.serve import server_healthy

ROOT = Path(__file__).resolve().parents[2]


def _flow_parameters() -> set[str]:
    from flows.pipeline import run_pipeline

    return set(inspect.signature(run_pipeline.fn).parameters)


def test_prefect_yaml_declares_the_nightly_and_rerun_deployments() -> None:
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    deployments = {d["name"]: d for d in config["deployments"]}
    assert set(deployments) == {"nightly", "rerun"}
    for deployment in deployments.values():
        path, name = deployment["entrypoint"].split(":")
        assert (ROOT / path).is_file() and name == "run_pipeline"
        assert set(deployment["parameters"]) <= _flow_parameters()
        assert {"source", "warehouse"} <= set(deployment["parameters"])
    (schedule,) = deployments["nightly"]["schedules"]
    assert schedule["cron"] == "0 2 * * *" and schedule["timezone"] == "Asia/Shanghai"
    assert not deployments["rerun"].get("schedules")
    assert deployments["rerun"]["parameters"]["failed"] is True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _post(url: str, body: dict[str, object]) -> object:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def _wait_for_deployments(api: str, process: subprocess.Popen[str],
                          timeout: float = 240) -> list[dict[str, object]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "xxgk serve exited early"
        if server_healthy(api):
            found = _post(f"{api}/deployments/filter", {})
            assert isinstance(found, list)
            if len(found) >= 2:
                return found
        time.sleep(1)
    raise AssertionError("the deployments were not served in time")


def test_serve_starts_a_local_server_serves_both_deployments_and_stops(
        tmp_path: Path) -> None:
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    process = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "serve", "--source", str(ROOT / "data/demo"),
         "--warehouse", str(tmp_path / "wh"), "--port", str(port), "--cron", "15 3 * * *"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        found = _wait_for_deployments(api, process)
        by_name = {d["name"]: d for d in found}
        assert set(by_name) == {"nightly", "rerun"}
        (schedule,) = by_name["nightly"]["schedules"]  # type: ignore[misc]
        assert schedule["schedule"]["cron"] == "15 3 * * *"
        assert schedule["schedule"]["timezone"] == "Asia/Shanghai"
        assert not by_name["rerun"]["schedules"]
        assert by_name["rerun"]["parameters"]["failed"] is True  # type: ignore[index]
        assert by_name["nightly"]["parameters"]["warehouse"] == str(tmp_path / "wh")  # type: ignore[index]
        assert (tmp_path / "prefect-home" / "server.db").exists()
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert "stopping" in output
    assert not server_healthy(api)
