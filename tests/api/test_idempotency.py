"""`Idempotency-Key` keeps no response: a retry is answered as a read of what the write left,
within the caller's scope of today, logged, and without the identity once it is erased. Two
uses of a key racing each other write once. A key expires after its time to live."""

from datetime import date

import pytest
from sqlalchemy import func, select, update

from casecommittee.keyed_requests import AlreadyAnswered
from casecommittee.stores.access_log import access_log
from casecommittee.stores.reference import users

from .conftest import IDENTIFY, counts


def _steps(pid: str, include: str = "?include=person") -> str:
    return f"/api/v1/pathways/{pid}/steps{include}"


def _accesses(system, user_id: str) -> list[str]:
    with system.engine.connect() as conn:
        return conn.execute(select(access_log.c.action).where(access_log.c.user_id == user_id)
                            .order_by(access_log.c.id)).scalars().all()


REFERRAL = {"step": "committee_referral", "occurred_on": "2026-06-10", "reason": "à étudier"}


def test_a_replay_is_a_read_of_today_scope_access_log_and_erasure_included(client, as_, identified,
                                                                          system):
    mine = {**as_("referent"), "Idempotency-Key": "visite-1"}
    first = client.post(_steps(identified), json=REFERRAL, headers=mine)
    assert first.status_code == 201 and first.get_json()["person"]["last_name"] == "Benali"

    before = counts(system)
    again = client.post(_steps(identified), json=REFERRAL, headers=mine)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json() and again.headers["ETag"] == '"3"'
    assert _accesses(system, "referent")[-1] == "read_person"  # the replay read her identity
    assert counts(system) == before

    # the pathway moves on: the replay still answers the version the write left
    client.post(_steps(identified), headers=as_("copilot"), json={
        "step": "referent_assigned", "occurred_on": "2026-06-11", "referent_id": "referent2",
        "structure_id": "s-ml"})
    moved = client.post(_steps(identified), json=REFERRAL, headers=mine)
    assert moved.status_code == 201 and moved.headers["ETag"] == '"3"'
    # …but she is no longer the person's referent: no identity, a plain read in the log
    assert moved.get_json()["person"] is None
    assert _accesses(system, "referent")[-1] == "read"

    # the same key without `?include=person` (the query is not part of the key's request):
    # the answer as now, without the identity, which is not read
    bare = client.post(_steps(identified, ""), json=REFERRAL, headers=mine)
    assert bare.status_code == 201 and bare.headers["ETag"] == '"3"' and "person" not in bare.get_json()
    assert _accesses(system, "referent")[-1] == "read"

    # after an erasure nobody gets the identity back from a key
    copilot = {**as_("copilot"), "Idempotency-Key": "relance"}
    noted = client.post(_steps(identified), json={**REFERRAL, "reason": "relance"}, headers=copilot)
    assert noted.get_json()["person"]["first_name"] == "Inès"
    erased = client.delete(f"/api/v1/pathways/{identified}/personal-data", headers=as_("copilot"),
                           json={"reason": "demande de la personne"})
    assert erased.status_code == 200
    replayed = client.post(_steps(identified), json={**REFERRAL, "reason": "relance"},
                           headers=copilot)
    assert replayed.status_code == 201 and replayed.get_json()["person"] is None


def test_a_write_answers_the_identity_only_when_asked(client, as_, identified, system):
    """A write's answer shows the new state and version; the identity is decrypted (and its
    read logged) only with `?include=person`, for whom may read it."""
    plain = client.post(_steps(identified, ""), json=REFERRAL, headers=as_("referent"))
    assert plain.status_code == 201 and plain.headers["ETag"] == '"3"'
    assert "person" not in plain.get_json() and plain.get_json()["version"] == 3
    assert _accesses(system, "referent")[-1:] == ["log_step"]
    before = len(_accesses(system, "referent"))
    asked = client.post(_steps(identified), json={**REFERRAL, "reason": "relance"},
                        headers=as_("referent"))
    assert asked.get_json()["person"]["last_name"] == "Benali"
    assert _accesses(system, "referent")[before:] == ["log_step", "read_person"]
    refused = client.post(_steps(identified, "?include=identite"), json=REFERRAL,
                          headers=as_("referent"))
    assert refused.status_code == 422 and "include" in refused.get_json()["errors"]
    assert len(_accesses(system, "referent")) == before + 2  # the refused write wrote nothing


@pytest.mark.parametrize("projections", ["inline", "worker"])
def test_a_write_is_in_the_access_log_once_however_it_is_projected(client, as_, identified, system,
                                                                   projections):
    """Inline, the write's access-log row is written in the transaction that projects it; with
    a projection worker (or when this node catches up from the log) the view writes it."""
    if projections == "worker":
        system.app.after_save = None
    before = len(_accesses(system, "referent"))
    assert client.post(_steps(identified, ""), json=REFERRAL, headers=as_("referent")).status_code == 201
    assert _accesses(system, "referent")[before:] == ["log_step"]


def test_a_replay_outside_the_callers_groups_is_not_found(client, as_, system, reference):
    keyed = {**as_("referent"), "Idempotency-Key": "repérage"}
    first = client.post("/api/v1/pathways", json=IDENTIFY, headers=keyed)
    assert first.status_code == 201
    with system.engine.begin() as conn:  # she moves to the other group
        conn.execute(update(users).where(users.c.id == "referent").values(group_ids=["g-familles"]))
    again = client.post("/api/v1/pathways", json=IDENTIFY, headers=keyed)
    assert again.status_code == 404 and again.content_type == "application/problem+json"


def test_a_key_expires_after_its_time_to_live(client, as_, identified, system, clock):
    keyed = {**as_("referent"), "Idempotency-Key": "hebdo"}
    assert client.post(_steps(identified), json=REFERRAL, headers=keyed).status_code == 201
    other = {**REFERRAL, "reason": "autre motif"}
    assert client.post(_steps(identified), json=other, headers=keyed).status_code == 422
    clock.advance(1)  # 24 hours: the default time to live
    reused = client.post(_steps(identified), json={**other, "occurred_on": "2026-07-01"},
                         headers=keyed)
    assert reused.status_code == 201 and "Idempotent-Replayed" not in reused.headers
    assert reused.headers["ETag"] == '"4"'


@pytest.mark.parametrize("write", ["identify", "log_step"])
def test_two_racing_uses_of_a_key_write_once(system, identified, write):
    """Both uses read the key before either saved (two processes, or a retry while the first
    request still runs): the second one's save conflicts and it gets the first one's answer."""
    app = system.app
    keyed = app.keyed_requests
    actor = {"user_id": "referent", "role": "referent"}

    def run():
        if write == "identify":
            return app.identify(actor=actor, occurred_on=date(2026, 6, 1), group_id="g-jeunes",
                                channel="aller_vers", profile={"sex": "F", "flags": []},
                                consent={"committee_sharing": True},
                                person={"first_name": "Lina", "last_name": "Haddad"})
        return app.log_step(identified, "committee_referral", actor=actor,
                            occurred_on=date(2026, 6, 10), reason="à étudier")

    first_use, nothing = keyed.begin("referent", "k", b"request")
    second_use, nothing_either = keyed.begin("referent", "k", b"request")
    assert nothing is None and nothing_either is None
    with keyed.active(first_use):
        done = run()
    before = counts(system)
    with pytest.raises(AlreadyAnswered) as answered, keyed.active(second_use):
        run()
    assert answered.value.answer.saved == ((done.id, done.version),)
    assert counts(system) == before  # neither an event nor an identity more
    assert keyed.begin("referent", "k", b"request")[1] == answered.value.answer


@pytest.mark.sqlite_only
def test_the_store_keeps_no_response_and_no_key_in_clear(client, as_, system):
    """(It reads SQLite's catalogue and files.)"""
    keyed = {**as_("referent"), "Idempotency-Key": "repérage-inès-benali"}
    assert client.post("/api/v1/pathways", json=IDENTIFY, headers=keyed).status_code == 201
    with system.engine.connect() as conn:
        tables = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'").scalars()
        assert "idempotency_keys" not in set(tables)
        assert conn.execute(select(func.count()).select_from(access_log)).scalar() >= 1
    for path in system.settings.data_dir.rglob("*"):
        if path.is_file():
            assert b"benali" not in path.read_bytes().lower(), path


def test_committee_writes_replay_their_first_answer(client, as_, identified, system):
    def twice(url, body, key, status=201):
        headers = {**as_("copilot"), "Idempotency-Key": key}
        first = client.post(url, json=body, headers=headers)
        assert first.status_code == status, first.get_json()
        before = counts(system)
        again = client.post(url, json=body, headers=headers)
        assert again.status_code == status and again.headers["Idempotent-Replayed"] == "true"
        assert again.get_json() == first.get_json() and counts(system) == before
        return first.get_json()

    session = twice("/api/v1/committees", {"group_id": "g-jeunes", "kind": "orientation",
                                           "held_on": "2026-06-30"}, "comité")["id"]
    decided = twice(f"/api/v1/committees/{session}/decisions", {
        "pathway_id": identified, "decision": "orient", "note": "CEJ",
        "orientation": {"scheme": "CEJ", "structure_id": "s-ml"}}, "décision")
    assert decided["pathway_stage"] == "oriented"
    closed = twice(f"/api/v1/committees/{session}/close", {"attendance": ["Mission locale"]},
                   "clôture", status=200)
    assert closed["status"] == "closed" and closed["decision_count"] == 1
