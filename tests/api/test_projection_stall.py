"""A read model that cannot apply an event stops loudly: the public health check answers 503
saying which projection stopped and since when (never the error's text, which may quote what
the event holds), the coordinator is notified with the position and the reason, the error is
logged once, and the projections resume by themselves once the cause is gone."""

import logging

from tests.api.conftest import IDENTIFY

from casecommittee.projections.committees import CommitteeProjector


def test_a_projection_that_cannot_apply_an_event_stops_loudly_then_resumes(
        client, as_, system, monkeypatch, caplog):
    assert client.get("/api/v1/health").status_code == 200
    ines = client.post("/api/v1/pathways", json=IDENTIFY, headers=as_("referent"))
    assert ines.status_code == 201
    before = system.projections.position()

    def broken(self, conn, event):
        raise ValueError("valeur refusée par le stockage : « Inès Benali, née le 02/04/2007 »")

    # (a committee event the read models cannot apply; the write itself is stored)
    monkeypatch.setattr(CommitteeProjector, "apply", broken)
    caplog.set_level(logging.ERROR, logger="casecommittee.projections.stalls")
    scheduled = client.post("/api/v1/committees", headers=as_("copilot"), json={
        "group_id": "g-jeunes", "kind": "orientation", "held_on": "2026-07-10"})
    assert scheduled.status_code == 201, scheduled.get_json()
    client.post("/api/v1/pathways", json=IDENTIFY, headers=as_("referent"))  # saved behind it
    for _ in range(3):
        system.projections.catch_up()

    answer = client.get("/api/v1/health")  # public: no token
    assert answer.status_code == 503
    body = answer.get_json()
    assert body["status"] == "projections_stalled" and body["projections_behind"] == 2
    assert {k: body[k] for k in ("version", "store")} and body["stall"] == {
        "projection": "read_models", "since": "2026-06-30T12:00:00+00:00"}
    for secret in ("Benali", "ValueError", "valeur refusée"):
        assert secret not in answer.get_data(as_text=True)
    assert system.projections.stall().reason.startswith("ValueError: valeur refusée")
    logged = [r for r in caplog.records if "cannot be applied" in r.getMessage()]
    assert len(logged) == 1, "logged once, not on every catch-up"

    notices = client.get("/api/v1/notifications", headers=as_("admin")).get_json()["items"]
    assert [n["kind"] for n in notices] == ["projection_stalled"]
    assert str(before + 1) in notices[0]["body"]  # the coordinator reads where and why
    assert "ValueError: valeur refusée par le stockage" in notices[0]["body"]
    assert client.get("/api/v1/notifications", headers=as_("referent")).get_json()["items"] == []

    monkeypatch.undo()  # the cause is fixed (a new release, a repaired value)
    system.projections.catch_up()
    healthy = client.get("/api/v1/health")
    assert healthy.status_code == 200, healthy.get_json()
    assert healthy.get_json()["projections_behind"] == 0 and "stall" not in healthy.get_json()
    session_id = scheduled.get_json()["id"]
    assert client.get(f"/api/v1/committees/{session_id}", headers=as_("copilot")).status_code == 200
