"""The Dagster UI's server, started for real on 127.0.0.1, answers for every asset, check and schedule."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.servers import free_port, live_members, stop_group, wait_for_http

ROOT = Path(__file__).resolve().parent.parent

QUERY = """
{
  assetNodes {
    assetKey { path }
    groupName
    description
    assetChecksOrError { ... on AssetChecks { checks { name } } }
  }
  repositoriesOrError {
    ... on RepositoryConnection { nodes { name schedules { name cronSchedule } sensors { name } } }
  }
}
"""


@pytest.fixture(scope="module")
def webserver(tmp_path_factory):
    home = tmp_path_factory.mktemp("dagster_home")
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    port = free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "ONODIG_DATA": str(home / "data"),
        "ONODIG_PSEUDONYM_KEY": "webserver-test-key",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dagster_webserver",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-w",
            str(ROOT / "workspace.yaml"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/server_info", process)
        yield f"http://127.0.0.1:{port}", process
    finally:
        stop_group(process)


def graphql(base: str, query: str) -> dict:
    request = urllib.request.Request(
        f"{base}/graphql", data=json.dumps({"query": query}).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        body = json.loads(response.read())
    assert "errors" not in body, body.get("errors")
    return body["data"]


def test_every_asset_check_and_schedule_is_served(webserver):
    base, _ = webserver
    data = graphql(base, QUERY)
    nodes = {"/".join(n["assetKey"]["path"]): n for n in data["assetNodes"]}
    assert {
        "ingest/landed_contacts",
        "core/inquiries",
        "marts/avoidable_demand_weekly",
        "marts/root_causes_weekly",
    } <= set(nodes)
    for key, node in nodes.items():
        assert node["description"], key
        assert node["groupName"] == key.split("/")[0], key
    checks = {c["name"] for n in nodes.values() for c in (n["assetChecksOrError"].get("checks") or [])}
    assert {
        "landed_contacts_expectations",
        "macro_f1_above_floor",
        "inquiries_expectations",
        "grain_is_unique",
    } <= checks
    (repository,) = data["repositoriesOrError"]["nodes"]
    assert {"name": "weekly_publication", "cronSchedule": "0 6 * * 1"} in repository["schedules"]
    assert {"name": "new_landing_files"} in repository["sensors"]


def test_the_server_stops_with_its_whole_process_group(webserver):
    _, process = webserver
    assert live_members(process.pid), "the server should be running before it is stopped"
    stop_group(process)
    assert process.poll() is not None
    assert live_members(process.pid) == []


def test_onodig_serve_serves_and_stops_its_whole_tree_on_sigterm(tmp_path):
    port = free_port()
    env = {**os.environ, "ONODIG_PSEUDONYM_KEY": "serve-test-key"}
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "onodig"), "serve", "--port", str(port), "--data", str(tmp_path / "data")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/server_info", process)
        assert (tmp_path / "data" / "dagster_home" / "dagster.yaml").is_file()  # its instance is under the data folder
        data = graphql(f"http://127.0.0.1:{port}", "{ assetNodes { assetKey { path } } }")
        assert len(data["assetNodes"]) > 20
        process.send_signal(signal.SIGTERM)  # to onodig alone: it must stop dagster dev's children too
        process.wait(timeout=60)
        deadline = time.monotonic() + 30
        while live_members(process.pid) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert live_members(process.pid) == []
    finally:
        stop_group(process)
