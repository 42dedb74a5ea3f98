"""problem+json for everything a client can get wrong, and nothing written when it does."""

import pytest

from .conftest import IDENTIFY, counts


def _problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert {"type", "title", "status", "detail"} <= set(body) and body["status"] == status
    return body


def _steps(pid):
    return f"/api/v1/pathways/{pid}/steps"


@pytest.mark.parametrize("name, send, status, field", [
    ("malformed JSON", lambda c, h, pid: c.post(_steps(pid), data='{"step": ', headers=h,
                                                 content_type="application/json"), 400, "body"),
    ("not an object", lambda c, h, pid: c.post(_steps(pid), json=[1, 2], headers=h), 422, "body"),
    ("wrong type", lambda c, h, pid: c.post(_steps(pid), headers=h, json={
        "step": "hired", "occurred_on": "2026-06-10", "employer": {"name": "Alstom"},
        "contract_type": "cdi", "weekly_hours": "beaucoup"}), 422, "weekly_hours"),
    ("unknown step", lambda c, h, pid: c.post(_steps(pid), headers=h, json={
        "step": "teleported", "occurred_on": "2026-06-10"}), 422, "step"),
    ("unknown field", lambda c, h, pid: c.post(_steps(pid), headers=h, json={
        **{"step": "exited", "occurred_on": "2026-06-10", "outcome": "other"}, "mood": "ok"}),
     422, "mood"),
    ("date in the future", lambda c, h, pid: c.post(_steps(pid), headers=h, json={
        "step": "committee_referral", "occurred_on": "2026-07-01", "reason": "x"}), 422, "occurred_on"),
    ("forbidden by the state", lambda c, h, pid: c.post(_steps(pid), headers=h, json={
        "step": "follow_up_completed", "occurred_on": "2026-06-10", "still_employed": True}), 422, None),
    ("PMSMP over 30 days", lambda c, h, pid: c.post(_steps(pid), headers=h, json={
        "step": "immersion_started", "occurred_on": "2026-06-03", "ends_on": "2026-07-20",
        "host": {"name": "Alstom", "siret": "38965558600003"}, "hours_per_week": 35, "objective": "discover"}), 422, "ends_on"),
    ("stale If-Match", lambda c, h, pid: c.post(_steps(pid), headers={**h, "If-Match": '"1"'}, json={
        "step": "committee_referral", "occurred_on": "2026-06-10", "reason": "x"}), 409, None),
    ("bad If-Match", lambda c, h, pid: c.post(_steps(pid), headers={**h, "If-Match": "latest"}, json={
        "step": "committee_referral", "occurred_on": "2026-06-10", "reason": "x"}), 422, "If-Match"),
    ("unknown pathway", lambda c, h, pid: c.post(_steps("0" * 8 + "-0000-0000-0000-" + "0" * 12),
                                                 headers=h, json={"step": "exited",
                                                 "occurred_on": "2026-06-10", "outcome": "other"}),
     404, None),
    ("not an id", lambda c, h, pid: c.get("/api/v1/pathways/%C3%A9t%C3%A9", headers=h), 404, None),
    ("identify in the future", lambda c, h, pid: c.post("/api/v1/pathways", headers=h, json={
        **IDENTIFY, "identified_on": "2027-01-01"}), 422, "identified_on"),
    ("identify without a person", lambda c, h, pid: c.post("/api/v1/pathways", headers=h, json={
        k: v for k, v in IDENTIFY.items() if k != "person"}), 422, "person"),
    ("identify with a bad birth date", lambda c, h, pid: c.post("/api/v1/pathways", headers=h, json={
        **IDENTIFY, "person": {**IDENTIFY["person"], "birth_date": "02/04/2007"}}), 422, "person.birth_date"),
    ("label too long", lambda c, h, pid: c.post(_steps(pid), headers=h, json={
        "step": "oriented", "occurred_on": "2026-06-10", "scheme": "x" * 201}), 422, "scheme"),
    ("unknown referent", lambda c, h, pid: c.post(_steps(pid), headers=h, json={
        "step": "referent_assigned", "occurred_on": "2026-06-10", "referent_id": "nobody"}),
     422, "referent_id"),
    ("correction of a missing version", lambda c, h, pid: c.post(_steps(pid), headers=h, json={
        "step": "corrected", "occurred_on": "2026-06-10", "corrects_version": 9,
        "changes": {"occurred_on": "2026-06-03"}, "reason": "erreur de saisie"}), 422, "corrects_version"),
    ("unknown method", lambda c, h, pid: c.put(_steps(pid), headers=h, json={}), 405, None),
])
def test_client_errors_are_problems_and_write_nothing(client, as_, identified, system, name, send,
                                                      status, field):
    before = counts(system)
    body = _problem(send(client, as_("referent"), identified), status)
    if field:
        assert field in body.get("errors", {}), body
    assert counts(system) == before


def test_an_idempotent_retry_returns_the_first_response_and_writes_nothing(client, as_, identified, system):
    headers = {**as_("referent"), "Idempotency-Key": "visite-2026-06-10"}
    step = {"step": "committee_referral", "occurred_on": "2026-06-10", "reason": "à étudier"}
    first = client.post(_steps(identified), json=step, headers=headers)
    assert first.status_code == 201
    before = counts(system)
    again = client.post(_steps(identified), json=step, headers=headers)
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers["ETag"] == first.headers["ETag"] == '"3"'
    assert again.headers["Idempotent-Replayed"] == "true"
    assert counts(system) == before
    other = client.post(_steps(identified), json={**step, "reason": "autre"}, headers=headers)
    assert _problem(other, 422)["errors"]["Idempotency-Key"]
    assert counts(system) == before
    # another user may use the same key for their own request
    mine = client.post(_steps(identified), json={**step, "reason": "co-pilote"},
                       headers={**as_("copilot"), "Idempotency-Key": "visite-2026-06-10"})
    assert mine.status_code == 201


def test_a_failed_write_releases_its_idempotency_key(client, as_, identified, system):
    headers = {**as_("referent"), "Idempotency-Key": "k1"}
    future = {"step": "committee_referral", "occurred_on": "2026-08-10", "reason": "x"}
    _problem(client.post(_steps(identified), json=future, headers=headers), 422)
    fixed = client.post(_steps(identified), json={**future, "occurred_on": "2026-06-10"}, headers=headers)
    assert fixed.status_code == 201


def test_identification_is_idempotent_too(client, as_, system):
    headers = {**as_("referent"), "Idempotency-Key": "repérage-inès"}
    first = client.post("/api/v1/pathways", json=IDENTIFY, headers=headers)
    before = counts(system)
    again = client.post("/api/v1/pathways", json=IDENTIFY, headers=headers)
    assert again.get_json()["id"] == first.get_json()["id"] and counts(system) == before
