"""A power cut at any moment: `kill -9` of the whole server under a keyed write load, several
times, then retries. Every acknowledged key is in the store exactly once, every key in flight
at the kill gets its answer on retry (never "in progress" forever, never twice), and the read
models replay to what they hold. And concurrent writers without `If-Match` never see a conflict
they did not cause."""

import random
import threading
import time
from collections import Counter

import pytest

from casecommittee.bootstrap import bootstrap
from casecommittee.config import Settings
from casecommittee.projections.replay_check import replay_check

from .server import IDENTIFICATION, Server, prepare_store

pytestmark = pytest.mark.slow

CYCLES = 5


def _referral(key: str) -> dict:
    return {"step": "committee_referral", "occurred_on": "2026-11-30", "reason": key}


class Load:
    """Writer threads sending keyed writes until told to stop: every request is acknowledged
    (2xx), refused (4xx, kept to be reported) or left in flight (the server vanished)."""

    def __init__(self, server: Server, pathway_ids: list[str], cycle: int, writers: int = 3):
        self.server, self.pathway_ids, self.cycle = server, pathway_ids, cycle
        self.acknowledged: dict[str, tuple] = {}
        self.in_flight: dict[str, tuple] = {}
        self.refused: dict[str, int] = {}
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._write, args=(n,)) for n in range(writers)]

    def _write(self, writer: int) -> None:
        rng = random.Random(f"{self.cycle}-{writer}")
        number = 0
        while not self.stopping.is_set():
            number += 1
            key = f"c{self.cycle}-w{writer}-{number}"
            if number % 4 == 0:
                request = ("POST", "/pathways", IDENTIFICATION)
            else:
                request = ("POST", f"/pathways/{rng.choice(self.pathway_ids)}/steps", _referral(key))
            try:
                answer = self.server.call(*request, Idempotency_Key=key)
            except (ConnectionError, OSError):
                self.in_flight[key] = request
                return
            if answer.status == 201:
                self.acknowledged[key] = (request, answer.body["id"], answer.headers["ETag"])
            elif answer.status >= 500:
                self.in_flight[key] = request
            else:
                self.refused[key] = answer.status

    def __enter__(self) -> "Load":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=30)


def _history_reasons(server: Server, pathway_ids: list[str]) -> Counter:
    reasons = Counter()
    for pid in pathway_ids:
        history = server.call("GET", f"/pathways/{pid}/history")
        assert history.status == 200, history.body
        reasons.update(item["data"].get("reason") for item in history.body["items"]
                       if item["step"] == "committee_referral")
    return reasons


def _in_her_caseload(server: Server) -> str:
    """A person the referent identifies and is then assigned (she reads the texts about her)."""
    pid = server.call("POST", "/pathways", IDENTIFICATION).body["id"]
    assert server.call("POST", f"/pathways/{pid}/steps", {
        "step": "referent_assigned", "occurred_on": "2026-06-02", "referent_id": "referent",
        "structure_id": "s-ml"}).status == 201
    return pid


def _pathway_count(server: Server) -> int:
    count, cursor = 0, None
    while True:
        page = server.call("GET", "/pathways?limit=200" + (f"&cursor={cursor}" if cursor else ""))
        count += len(page.body["items"])
        cursor = page.body["next_cursor"]
        if cursor is None:
            return count


def test_kill_9_under_a_keyed_load_loses_nothing_duplicates_nothing_and_leaves_no_key_stuck(
        store_env):
    server = Server(store_env, prepare_store(store_env))
    server.start()
    rng = random.Random(11)
    answered: dict[str, tuple] = {}  # key → (request, resource id, ETag) once answered
    figures = Counter()
    try:
        pathway_ids = [_in_her_caseload(server) for _ in range(3)]
        for cycle in range(CYCLES):
            with Load(server, pathway_ids, cycle) as load:
                time.sleep(rng.uniform(0.4, 1.5))
                server.kill()
            figures["cycles"] += 1
            figures["acknowledged"] += len(load.acknowledged)
            figures["in flight at the kill"] += len(load.in_flight)
            assert not load.refused, load.refused
            answered.update(load.acknowledged)
            server.start()
            for key, request in load.in_flight.items():
                retry = server.call(*request, Idempotency_Key=key)
                if retry.status != 201:
                    figures["stuck"] += 1
                    continue
                figures["replayed on retry" if retry.headers.get("Idempotent-Replayed")
                        else "written on retry"] += 1
                answered[key] = (request, retry.body["id"], retry.headers["ETag"])
        assert figures["stuck"] == 0, figures
        assert figures["acknowledged"] > 20 and figures["in flight at the kill"] >= CYCLES, figures

        # every key, once more: the same answer, nothing written
        for key, (request, resource_id, etag) in answered.items():
            again = server.call(*request, Idempotency_Key=key)
            assert again.status == 201 and again.headers["Idempotent-Replayed"] == "true", key
            assert (again.body["id"], again.headers["ETag"]) == (resource_id, etag), key

        referrals = [k for k, (request, _, _) in answered.items() if request[1] != "/pathways"]
        reasons = _history_reasons(server, pathway_ids)
        figures["lost"] = sum(1 for key in referrals if reasons[key] == 0)
        figures["duplicated"] = sum(1 for key in referrals if reasons[key] > 1)
        identifications = len(answered) - len(referrals)
        figures["pathways beyond the keys"] = _pathway_count(server) - 3 - identifications
        print("kill -9 figures:", dict(figures))
        assert (figures["lost"], figures["duplicated"], figures["pathways beyond the keys"]) == (0, 0, 0)
        assert set(reasons) == set(referrals)  # nothing written under a key nobody was answered
    finally:
        server.stop()
    system = bootstrap(Settings.from_env(store_env))
    try:
        report = replay_check(system.app, system.engine)
        assert report["ok"], report["differences"]
    finally:
        system.close()


def test_twenty_writers_without_if_match_all_succeed_and_a_stale_if_match_is_told(store_env):
    server = Server(store_env, prepare_store(store_env), workers=4)
    server.start()
    try:
        pid = _in_her_caseload(server)
        start = threading.Barrier(20)
        statuses: dict[int, int] = {}

        def write(number: int) -> None:
            start.wait()
            statuses[number] = server.call("POST", f"/pathways/{pid}/steps",
                                           _referral(f"writer {number}")).status

        threads = [threading.Thread(target=write, args=(n,)) for n in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert Counter(statuses.values()) == {201: 20}
        read = server.call("GET", f"/pathways/{pid}")
        assert read.headers["ETag"] == '"22"'
        assert _history_reasons(server, [pid]) == {f"writer {n}": 1 for n in range(20)}
        stale = server.call("POST", f"/pathways/{pid}/steps", _referral("late"), If_Match='"21"')
        assert stale.status == 409 and stale.body["type"] == "/problems/version_conflict"
    finally:
        server.stop()
