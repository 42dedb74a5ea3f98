"""Scaling out: two web nodes (`serve --no-jobs`) and one `worker` on one store, with
CASECOMMITTEE_PROJECTIONS=worker. A referent writes through one node; a co-pilot reads the
result through the other, asking to be served once the read models have applied the write."""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from tests.api.conftest import IDENTIFY
from tests.api.server import free_port, prepare_store

from casecommittee.bootstrap import bootstrap
from casecommittee.config import Settings
from casecommittee.stores.auth import Tokens

pytestmark = pytest.mark.slow


def _call(url, token, body=None, headers=None):
    """(status, headers, JSON body) of a request."""
    request = urllib.request.Request(url, data=json.dumps(body).encode() if body else None,
                                     method="POST" if body else "GET")
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read())


def _wait_until_up(base: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=5):
                return
        except OSError:  # (refused, reset, or a timeout while the server starts on a busy machine)
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"not up: {log.read_text()}"
            time.sleep(0.3)


def _territory(env: dict) -> dict:
    """Belfort's "jeunes" group with its referent (`prepare_store`) and a co-pilot; returns
    their tokens."""
    tokens = {"referent": prepare_store(env)}
    system = bootstrap(Settings.from_env(env))
    try:
        system.reference.add_user("Co-pilote", "copilot", "t-belfort", ["g-jeunes"], "s-ml",
                                  id="copilot")
        tokens["copilot"] = Tokens(system.engine).issue("copilot")
        return tokens
    finally:
        system.close()


def test_a_write_through_one_node_is_read_through_the_other(tmp_path, store_env):
    env = {**os.environ, **store_env, "CASECOMMITTEE_PROJECTIONS": "worker", "PYTHONUNBUFFERED": "1"}
    tokens = _territory(env)
    executable = str(Path(sys.executable).with_name("casecommittee"))
    ports = [free_port(), free_port()]
    commands = {f"node{n}": [executable, "serve", "--no-jobs", "--host", "127.0.0.1",
                             "--port", str(port), "--workers", "1"]
                for n, port in enumerate(ports)}
    commands["worker"] = [executable, "worker"]
    processes, logs = {}, {}
    try:
        for name, command in commands.items():
            logs[name] = tmp_path / f"{name}.log"
            processes[name] = subprocess.Popen(command, env=env, stdout=logs[name].open("w"),
                                               stderr=subprocess.STDOUT)
        one, other = (f"http://127.0.0.1:{port}/api/v1" for port in ports)
        for name, base in (("node0", one), ("node1", other)):
            _wait_until_up(base, processes[name], logs[name])

        status, headers, created = _call(f"{one}/pathways", tokens["referent"], IDENTIFY)
        assert status == 201, created
        position = headers["Log-Position"]
        status, _, page = _call(f"{other}/pathways?group_id=g-jeunes", tokens["copilot"],
                                headers={"Wait-For-Position": position})
        assert status == 200, page
        assert [item["id"] for item in page["items"]] == [created["id"]]

        status, headers, scheduled = _call(f"{other}/committees", tokens["copilot"], {
            "group_id": "g-jeunes", "kind": "orientation", "held_on": "2026-07-10"})
        assert status == 201, scheduled
        status, _, agenda = _call(f"{one}/committees/{scheduled['id']}/agenda", tokens["copilot"],
                                  headers={"Wait-For-Position": headers["Log-Position"]})
        assert status == 200, agenda
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            process.wait(timeout=30)
