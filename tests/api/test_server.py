"""The real thing: `casecommittee serve --demo` under gunicorn, spoken to over HTTP."""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .server import free_port

pytestmark = pytest.mark.slow


def _call(url, token=None, body=None):
    request = urllib.request.Request(url, data=json.dumps(body).encode() if body else None,
                                     method="POST" if body else "GET")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_serve_demo_answers_over_http(tmp_path, store_env, stores):
    port = free_port()
    env = {**os.environ, **store_env, "PYTHONUNBUFFERED": "1"}
    executable = Path(sys.executable).with_name("casecommittee")
    log = open(tmp_path / "serve.log", "w+")
    server = subprocess.Popen(
        [str(executable), "serve", "--demo", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "2"], env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                status, health = _call(f"{base}/health")
                break
            except OSError:  # (refused, reset, or a timeout while the server starts on a busy machine)
                assert server.poll() is None, (tmp_path / "serve.log").read_text()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.3)
        assert status == 200 and health["store"] == stores.kind and health["projections_behind"] == 0
        printed = (tmp_path / "serve.log").read_text()
        sign_ins = [line.split() for line in printed.splitlines()
                    if line.startswith("  ") and len(line.split()) == 5 and line.split()[3] == "token"]
        tokens = {role: token for role, _login, _password, _, token in sign_ins}
        assert set(tokens) == {"admin", "auditor", "copilot", "referent", "business_relations"}
        assert f"serving the pages at http://127.0.0.1:{port}/" in printed
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/connexion", timeout=10) as sign_in:
            assert sign_in.status == 200 and "Mot de passe" in sign_in.read().decode()
        status, me = _call(f"{base}/me", tokens["referent"])
        assert status == 200 and me["role"] == "referent"
        status, page = _call(f"{base}/pathways?limit=5", tokens["referent"])
        assert status == 200 and len(page["items"]) == 5 and page["next_cursor"]
        status, created = _call(f"{base}/pathways", tokens["referent"], {
            "group_id": me["group_ids"][0], "identified_on": "2020-01-02", "channel": "permanence",
            "person": {"first_name": "Yanis", "last_name": "Haddad", "birth_date": "2001-05-06"},
            "profile": {"sex": "M", "flags": []}, "consent": {"committee_sharing": True}})
        assert status == 201, created
        status, stats = _call(f"{base}/statistics?by=group", tokens["auditor"])
        assert status == 200 and stats["population"] > 100
        status, directory = _call(f"{base}/companies?with_open_needs=true",
                                  tokens["business_relations"])
        assert status == 200 and directory["items"]  # the demo's companies, needs open
        status, problem = _call(f"{base}/pathways", tokens["auditor"], {"group_id": "x"})
        assert status == 403 and problem["status"] == 403
        # limits at the door: a body past CASECOMMITTEE_MAX_BODY_BYTES is refused unread (413,
        # a problem document); a request line past gunicorn's limit gets gunicorn's own 414
        status, problem = _call(f"{base}/pathways", tokens["referent"], {"x": "y" * 100_000})
        assert status == 413 and problem["status"] == 413
        with pytest.raises(urllib.error.HTTPError) as too_long:
            urllib.request.urlopen(f"{base}/pathways?q={'x' * 5000}", timeout=10)
        assert too_long.value.code == 414
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
