"""A real `casecommittee serve` (gunicorn) in a process group of its own, on a store prepared
in-process (a territory, a group, a referent and her token), spoken to over HTTP."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from casecommittee.bootstrap import bootstrap
from casecommittee.config import Settings
from casecommittee.stores.auth import Tokens

IDENTIFICATION = {
    "group_id": "g-jeunes", "identified_on": "2026-06-01", "channel": "aller_vers",
    "person": {"first_name": "Inès", "last_name": "Benali", "birth_date": "2007-04-02"},
    "profile": {"sex": "F", "flags": []}, "consent": {"committee_sharing": True},
}


def prepare_store(env: dict) -> str:
    """A store (its CASECOMMITTEE_* variables: the `store_env` fixture) with the group
    "g-jeunes" and its referent; returns her token."""
    system = bootstrap(Settings.from_env(env))
    try:
        ref = system.reference
        ref.add_territory("Cité de l'emploi de Belfort", id="t-belfort")
        ref.add_group("t-belfort", "Jeunes décrocheurs", 25, id="g-jeunes")
        ref.add_structure("t-belfort", "Mission locale", "mission_locale", id="s-ml")
        ref.add_user("Référente", "referent", "t-belfort", ["g-jeunes"], "s-ml", id="referent")
        return Tokens(system.engine).issue("referent")
    finally:
        system.close()


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Answer:
    """An HTTP answer: status, JSON body and headers."""

    status: int
    body: dict
    headers: dict = field(default_factory=dict)


@dataclass
class Server:
    """One run of the server on a store (its CASECOMMITTEE_* variables)."""

    env: dict
    token: str
    workers: int = 2
    process: subprocess.Popen | None = None

    @property
    def log_path(self) -> Path:
        """The server's output, beside the store's data directory."""
        return Path(self.env["CASECOMMITTEE_DATA_DIR"]).parent / "serve.log"
    base: str = ""

    def start(self, timeout: float = 60) -> None:
        """Starts gunicorn (master and workers in a new session) and waits until it answers."""
        port = free_port()
        env = {**os.environ, **self.env, "PYTHONUNBUFFERED": "1"}
        executable = Path(sys.executable).with_name("casecommittee")
        log = open(self.log_path, "a")  # noqa: SIM115 - the server's
        self.process = subprocess.Popen(
            [str(executable), "serve", "--no-jobs", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(self.workers)],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        self.base = f"http://127.0.0.1:{port}/api/v1"
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.call("GET", "/health").status == 200:
                    return
            except OSError:
                pass
            assert self.process.poll() is None, (self.log_path).read_text()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)

    def kill(self) -> None:
        """`kill -9` of the master and its workers at once (a power cut, as far as they know)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """A clean stop (SIGTERM to the master)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def call(self, method: str, path: str, body: dict | None = None, **headers) -> Answer:
        """One request with the referent's token; raises OSError when the server is gone."""
        request = urllib.request.Request(
            self.base + path, method=method,
            data=json.dumps(body).encode() if body is not None else None)
        request.add_header("Content-Type", "application/json")
        request.add_header("Authorization", f"Bearer {self.token}")
        for name, value in headers.items():
            request.add_header(name.replace("_", "-"), value)
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return Answer(response.status, json.loads(response.read()), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Answer(error.code, json.loads(error.read() or b"{}"), dict(error.headers))
        except urllib.error.URLError as error:
            raise ConnectionError(str(error.reason)) from error
        except http.client.HTTPException as error:  # the answer was cut short
            raise ConnectionError(repr(error)) from error
