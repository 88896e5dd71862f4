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
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from processes import children

from flows.serve import server_healthy
from synth.corpus import write_corpus

ROOT = Path(__file__).resolve().parents[2]


def _flow_parameters(name: str) -> set[str]:
    import flows.pipeline

    return set(inspect.signature(getattr(flows.pipeline, name).fn).parameters)


def test_prefect_yaml_declares_the_nightly_and_rerun_deployments() -> None:
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    deployments = {d["name"]: d for d in config["deployments"]}
    assert set(deployments) == {"nightly", "rerun"}
    for name, deployment in deployments.items():
        path, flow_name = deployment["entrypoint"].split(":")
        assert (ROOT / path).is_file() and flow_name == name
        assert set(deployment["parameters"]) <= _flow_parameters(flow_name)
        assert deployment["parameters"] == {"source": "{{ $XXGK_SOURCE }}",
                                            "warehouse": "{{ $XXGK_WAREHOUSE }}",
                                            "registry": "{{ $XXGK_REGISTRY }}"}
        assert deployment["concurrency_limit"] == {"limit": 1,
                                                   "collision_strategy": "ENQUEUE"}
    (schedule,) = deployments["nightly"]["schedules"]
    assert schedule["cron"] == "0 2 * * *" and schedule["timezone"] == "Asia/Shanghai"
    assert not deployments["rerun"].get("schedules")


def test_the_nightly_form_holds_no_internal_knobs() -> None:
    """What the UI's form of each deployment asks: operators' choices, each described."""
    from prefect.utilities.callables import parameter_schema

    import flows.pipeline

    assert _flow_parameters("nightly") == {"source", "warehouse", "registry"}
    assert _flow_parameters("rerun") == {"source", "warehouse", "agencies", "years",
                                         "failed", "full", "registry", "allow_removals"}
    for name in ("nightly", "rerun"):
        schema = parameter_schema(getattr(flows.pipeline, name).fn)
        assert all(p.get("description") for p in schema.properties.values()), name


def test_prefect_yaml_names_a_prefect_the_project_accepts() -> None:
    from packaging.requirements import Requirement

    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (prefect,) = [Requirement(r) for r in project["project"]["dependencies"]
                  if Requirement(r).name == "prefect"]
    assert prefect.specifier.contains(config["prefect-version"])


def test_serve_needs_a_source_and_a_warehouse(capsys: pytest.CaptureFixture[str]) -> None:
    from flows.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--source", "raw"])
    assert exit_.value.code == 2
    assert "--warehouse" in capsys.readouterr().err


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


def _run_deployment(api: str, deployment_id: str, process: subprocess.Popen[str],
                    timeout: float = 240) -> dict[str, object]:
    """Start a run of a served deployment, as the UI's "Run" button does; its final
    state."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            flow_run = _post(f"{api}/deployments/{deployment_id}/create_flow_run", {})
            break
        except urllib.error.HTTPError as err:  # a server still busy starting: 503
            assert err.code == 503 and time.monotonic() < deadline, err
            time.sleep(1)
    assert isinstance(flow_run, dict)
    while time.monotonic() < deadline:
        assert process.poll() is None, "xxgk serve exited during the run"
        with urllib.request.urlopen(f"{api}/flow_runs/{flow_run['id']}", timeout=10) as r:
            state = json.load(r)["state"]
        if state and state["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            return state
        time.sleep(1)
    raise AssertionError("the deployment's run did not end in time")


def _flow_run_processes(parent: int) -> list[int]:
    """The processes ``parent`` started to run flows (not its Prefect server)."""
    return [pid for pid, command in children(parent).items()
            if "multiprocessing" in command or "prefect.engine" in command]


def _wait_for_flow_run_processes(parent: int, timeout: float = 120) -> None:
    """Until the flow run's process has ended (its last log lines are then printed)."""
    deadline = time.monotonic() + timeout
    while _flow_run_processes(parent):
        assert time.monotonic() < deadline, "the flow run's process never ended"
        time.sleep(0.5)


def test_serve_starts_a_local_server_serves_both_deployments_and_stops(
        tmp_path: Path) -> None:
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    env["PREFECT_RUNNER_POLL_FREQUENCY"] = "1"  # pick the run up at once
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
        assert "failed" not in by_name["rerun"]["parameters"]  # type: ignore[operator]
        for deployment in found:  # one run at a time; another is queued
            limit = deployment["global_concurrency_limit"]
            assert isinstance(limit, dict) and limit["limit"] == 1, deployment
            options = deployment["concurrency_options"]
            assert isinstance(options, dict) and options["collision_strategy"] == "ENQUEUE"
        assert by_name["nightly"]["parameters"]["warehouse"] == str(tmp_path / "wh")  # type: ignore[index]
        assert (tmp_path / "prefect-home" / "server.db").exists()
        state = _run_deployment(api, str(by_name["nightly"]["id"]), process)
        _wait_for_flow_run_processes(process.pid)
        # A manual run meanwhile is recorded on the same server, beside the nightly one.
        manual_source = tmp_path / "manual"
        write_corpus(manual_source, n_agencies=1, years=range(2020, 2021), seed=3)
        manual = subprocess.run(
            [sys.executable, "-m", "flows.cli", "run", "--source", str(manual_source),
             "--warehouse", str(tmp_path / "manual-wh"), "--quiet"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert manual.returncode == 0, manual.stderr
        runs = _post(f"{api}/flow_runs/filter", {})
        assert isinstance(runs, list)
        assert str(manual_source) in {r["parameters"].get("source") for r in runs}
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert "stopping" in output
    # The demo holds broken reports: the run ends Failed with its headline, cleanly.
    assert state["type"] == "FAILED", state
    assert "failed" in state["message"] and "reports" in state["message"], state
    assert "Traceback" not in output and "Unexpected result" not in output, output
    assert not server_healthy(api)
    assert not (tmp_path / "prefect-home" / "serve-api-url").exists()  # runs go elsewhere


@pytest.mark.parametrize("value", [None, "", "  ", "{{ $XXGK_REGISTRY }}"])
def test_a_deployment_without_a_registry_uses_the_bundled_one(value: str | None) -> None:
    from flows.pipeline import _registry

    assert _registry(value) is None
    assert _registry("/etc/xxgk/agencies.csv") == "/etc/xxgk/agencies.csv"
