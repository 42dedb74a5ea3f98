"""An idempotency answer's request digest (the request may carry a birth date, a phone) is
made with the key of its day; the daily job destroys that key once the day's answers expired,
and from then on nobody holding the store and its secrets can check a guess against it."""

import hashlib
import hmac
import json
import threading
from base64 import b64decode
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from casecommittee.db import make_engine
from casecommittee.jobs import run_once
from casecommittee.keyed_requests import KeyedRequest
from casecommittee.stores.digest_keys import DigestKeys, digest_keys

from .conftest import IDENTIFY

STEP = {"step": "committee_referral", "occurred_on": "2026-06-10", "reason": "à étudier"}


def _canonical(method: str, path: str, body: dict) -> bytes:
    """The request as the API digests it (what an attacker would guess at)."""
    return (f"{method} {path}\n".encode()
            + json.dumps(body, sort_keys=True, separators=(",", ":")).encode())


def _master(system) -> bytes:
    return b64decode(system.settings.resolved_key("personal_data_key", "personal-data.key"))


def _stored_answer(system, user_id: str, key: str) -> dict:
    keyed = system.app.keyed_requests
    return system.app.repository.get(keyed.key_id(user_id, key)).answer


def _rows(system, day: date) -> int:
    with system.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(digest_keys)
                            .where(digest_keys.c.day == day)).scalar()


def test_a_digest_is_checkable_by_nobody_once_its_day_key_is_destroyed(client, as_, system, clock):
    keyed = {**as_("referent"), "Idempotency-Key": "repérage-du-30"}
    first = client.post("/api/v1/pathways", json=IDENTIFY, headers=keyed)
    assert first.status_code == 201
    again = client.post("/api/v1/pathways", json=IDENTIFY, headers=keyed)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    other = {**IDENTIFY, "person": {**IDENTIFY["person"], "birth_date": "2007-04-03"}}
    assert client.post("/api/v1/pathways", json=other, headers=keyed).status_code == 422

    answer = _stored_answer(system, "referent", "repérage-du-30")
    assert "request_hash" not in answer  # no digest under the master secret
    guess = _canonical("POST", "/api/v1/pathways", IDENTIFY)
    day_keys = system.app.keyed_requests.digest_keys
    day_key = day_keys.held(date(2026, 6, 30))
    assert _rows(system, date(2026, 6, 30)) == 1
    # while the key lives, the digest is the day key's HMAC of the request
    assert hmac.new(day_key, guess, hashlib.sha256).hexdigest() == answer["request_digest"]

    # the answer expired on 1 July at noon (and any answer of 30 June by 1 July's end): on
    # 2 July its day key is still kept, a day's margin
    clock.advance(2)
    assert run_once(system, "expired_digest_keys", clock.today()) == "0 action(s)"
    assert _rows(system, date(2026, 6, 30)) == 1
    clock.advance(1)  # 3 July: a new keyed write, then the daily job
    moved = {**as_("referent"), "Idempotency-Key": "étape-du-3"}
    pid = first.get_json()["id"]
    assert client.post(f"/api/v1/pathways/{pid}/steps", json=STEP, headers=moved).status_code == 201
    assert run_once(system, "expired_digest_keys", clock.today()) == "1 action(s)"
    assert _rows(system, date(2026, 6, 30)) == 0
    assert day_keys.days() == [date(2026, 7, 3)]

    # everything still held fails to confirm the right guess: every day key, the master secret
    # and what the keys' ids are derived with
    master = _master(system)
    candidates = [day_keys.held(day) for day in day_keys.days()]
    candidates += [master, hmac.new(master, b"casecommittee idempotency keys", hashlib.sha256).digest()]
    digests = {hmac.new(key, guess, hashlib.sha256).hexdigest() for key in candidates}
    assert answer["request_digest"] not in digests

    # the key serves a new request
    reused = client.post("/api/v1/pathways", json=other, headers=keyed)
    assert reused.status_code == 201 and "Idempotent-Replayed" not in reused.headers


def test_an_answer_whose_day_key_is_gone_has_expired(client, as_, identified, system):
    keyed = {**as_("referent"), "Idempotency-Key": "relance"}
    assert client.post(f"/api/v1/pathways/{identified}/steps", json=STEP,
                       headers=keyed).status_code == 201
    system.app.keyed_requests.digest_keys.destroy_before(date(2026, 7, 1))
    retried = client.post(f"/api/v1/pathways/{identified}/steps", json=STEP, headers=keyed)
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried.headers
    assert retried.headers["ETag"] == '"4"'  # written again: nothing could tell it was the same


def test_an_answer_saved_before_day_keys_is_checked_the_old_way_while_it_lives(
        client, as_, identified, system, clock):
    """An older version digested requests under a key derived from the master secret."""
    logged = client.post(f"/api/v1/pathways/{identified}/steps", json=STEP, headers=as_("referent"))
    assert logged.status_code == 201
    path = f"/api/v1/pathways/{identified}/steps"
    old_secret = hmac.new(_master(system), b"casecommittee idempotency keys", hashlib.sha256).digest()
    keyed = system.app.keyed_requests
    system.app.save(KeyedRequest(key_id=keyed.key_id("referent", "ancienne"), answer={
        "request_hash": hmac.new(old_secret, _canonical("POST", path, STEP), hashlib.sha256).hexdigest(),
        "saved": [[identified, 3]], "at": datetime(2026, 6, 30, 12, tzinfo=UTC).isoformat()}))

    old = {**as_("referent"), "Idempotency-Key": "ancienne"}
    replayed = client.post(path, json=STEP, headers=old)
    assert replayed.status_code == 201 and replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.headers["ETag"] == '"3"'
    assert client.post(path, json={**STEP, "reason": "autre"}, headers=old).status_code == 422
    clock.advance(1)
    renewed = client.post(path, json={**STEP, "reason": "autre"}, headers=old)
    assert renewed.status_code == 201 and "Idempotent-Replayed" not in renewed.headers


def test_two_nodes_making_the_day_key_at_once_end_with_one(system):
    """Both read no key for the day before either inserted one: the second insert fails on
    the day and reads the first one's key back."""
    settings = system.settings
    other_engine = make_engine(settings.sqlalchemy_url, personal=True, **settings.engine_options())
    master = settings.resolved_key("personal_data_key", "personal-data.key")
    both_read = threading.Barrier(2, timeout=10)

    class RacingNode(DigestKeys):
        first_read = True

        def held(self, day):
            found = super().held(day)
            if self.first_read:
                self.first_read = False
                both_read.wait()
            return found

    nodes = [RacingNode(system.personal_data.engine, master, system.clock),
             RacingNode(other_engine, master, system.clock)]
    day = date(2026, 6, 30) + timedelta(days=3)
    keys = [None, None]

    def make(i):
        keys[i] = nodes[i].of(day)

    threads = [threading.Thread(target=make, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other_engine.dispose()
    assert keys[0] is not None and keys[0] == keys[1] and len(keys[0]) == 32
    assert _rows(system, day) == 1
    assert system.app.keyed_requests.digest_keys.held(day) == keys[0]
