"""Read-your-writes when the read models are fed by a separate worker: a write answers with
its position in the log, and a read that sends it back is served only once the read models
have applied it (or answered 503 with Retry-After when they take too long)."""

import threading
import time

from tests.api.conftest import IDENTIFY

from casecommittee.web import consistency


def test_a_read_waits_for_the_write_it_names(client, as_, system):
    system.app.after_save = None  # a worker deployment: this node does not project
    created = client.post("/api/v1/pathways", json=IDENTIFY, headers=as_("referent"))
    assert created.status_code == 201
    position = int(created.headers["Log-Position"])
    assert position == system.app.recorder.max_notification_id()
    assert system.projections.position() < position

    def worker():  # the projection worker catches up a moment later
        time.sleep(0.3)
        system.projections.catch_up()

    threading.Thread(target=worker).start()
    pid = created.get_json()["id"]
    read = client.get("/api/v1/pathways?group_id=g-jeunes", headers={
        **as_("referent"), "Wait-For-Position": str(position)})
    assert read.status_code == 200, read.get_json()
    assert pid in [item["id"] for item in read.get_json()["items"]]


def test_a_read_that_cannot_be_served_in_time_says_when_to_retry(client, as_, system, monkeypatch):
    system.app.after_save = None
    monkeypatch.setattr(consistency, "WAIT_SECONDS", 0.2)
    created = client.post("/api/v1/pathways", json=IDENTIFY, headers=as_("referent"))
    position = created.headers["Log-Position"]
    late = client.get("/api/v1/pathways?group_id=g-jeunes",
                      headers={**as_("referent"), "Wait-For-Position": position})
    assert late.status_code == 503 and late.headers["Retry-After"] == "1"
    assert late.mimetype == "application/problem+json" and position in late.get_json()["detail"]

    wrong = client.get("/api/v1/pathways?group_id=g-jeunes",
                       headers={**as_("referent"), "Wait-For-Position": "demain"})
    assert wrong.status_code == 400


def test_reads_without_the_header_and_failed_writes_are_as_before(client, as_):
    assert "Log-Position" not in client.get("/api/v1/me", headers=as_("referent")).headers
    refused = client.post("/api/v1/pathways", json={}, headers=as_("referent"))
    assert refused.status_code == 422 and "Log-Position" not in refused.headers
