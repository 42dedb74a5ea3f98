"""One process, several threads at once against one system: two referents log steps on the
same pathways at the same moment while the nightly jobs run and an auditor reads the
statistics — what a web process does when its scheduler's jobs run beside its requests, or
when it serves requests from several threads."""

import threading
from collections import Counter

from tests.api.conftest import IDENTIFY, TODAY

from casecommittee.jobs import DAILY_JOBS
from casecommittee.projections.replay_check import replay_check

PATHWAYS = 4
ROUNDS = 12


def _referral(reason: str) -> dict:
    return {"step": "committee_referral", "occurred_on": "2026-06-20", "reason": reason}


def test_two_referents_write_while_the_nightly_jobs_run_and_an_auditor_reads(app, client, as_,
                                                                              system):
    pathway_ids = []
    for _ in range(PATHWAYS):
        created = client.post("/api/v1/pathways", json=IDENTIFY, headers=as_("referent"))
        assert created.status_code == 201, created.get_json()
        pathway_ids.append(created.get_json()["id"])
    start = threading.Barrier(4)
    writes_done = threading.Event()
    statuses: Counter = Counter()
    failures: list[str] = []

    def referent(user_id: str) -> None:
        own = app.test_client()
        start.wait()
        for number in range(ROUNDS):
            for pid in pathway_ids:
                answer = own.post(f"/api/v1/pathways/{pid}/steps", headers=as_(user_id),
                                  json=_referral(f"{user_id} {number}"))
                statuses[answer.status_code] += 1
                if answer.status_code != 201:
                    failures.append(f"{user_id}: {answer.status_code} {answer.get_data(as_text=True)}")

    def nightly_jobs() -> None:
        start.wait()
        while not writes_done.is_set():
            for name, job in DAILY_JOBS.items():
                try:
                    job(system, TODAY)
                except Exception as error:  # noqa: BLE001 - every failure is reported below
                    failures.append(f"{name}: {error!r}")

    def auditor() -> None:
        own = app.test_client()
        start.wait()
        while not writes_done.is_set():
            for query in ({}, {"by": "group"}):
                answer = own.get("/api/v1/statistics", query_string=query, headers=as_("auditor"))
                if answer.status_code != 200:
                    failures.append(f"statistics: {answer.status_code} {answer.get_data(as_text=True)}")

    writers = [threading.Thread(target=referent, args=(u,)) for u in ("referent", "referent2")]
    others = [threading.Thread(target=nightly_jobs), threading.Thread(target=auditor)]
    for thread in writers + others:
        thread.start()
    for thread in writers:
        thread.join(timeout=300)
    writes_done.set()
    for thread in others:
        thread.join(timeout=300)

    assert failures == []
    assert statuses == {201: 2 * ROUNDS * PATHWAYS}
    for pid in pathway_ids:
        read = client.get(f"/api/v1/pathways/{pid}", headers=as_("referent"))
        assert read.headers["ETag"] == f'"{1 + 2 * ROUNDS}"'
    report = replay_check(system.app, system.engine)
    assert report["ok"], report["differences"]
