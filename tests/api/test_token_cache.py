"""A web process keeps a token's user a few seconds, and a revocation still holds."""

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import update

from casecommittee.stores.auth import Tokens, tokens
from casecommittee.stores.revocation import revoke_access
from casecommittee.web import create_app
from casecommittee.web.context import web


class Ticking:
    """A monotonic clock the test moves by hand."""

    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_a_cached_token_is_read_once_and_revoked_at_once_in_this_process(system, reference):
    clock = Ticking()
    cached = Tokens(system.engine, cache_seconds=5, monotonic=clock)
    token = cached.issue("referent")
    assert cached.principal(token).user_id == "referent"

    looked_up = []
    original = cached._look_up
    cached._look_up = lambda token_hash: looked_up.append(token_hash) or original(token_hash)
    for _ in range(3):
        assert cached.principal(token).role == "referent"
    assert looked_up == []  # within five seconds, no read of the tables

    # revoked through another Tokens of the process (the CLI's, an admin route's): refused now
    assert Tokens(system.engine).revoke("referent") == 1
    assert cached.principal(token) is None
    assert cached.principal("an unknown token") is None


def test_a_revocation_by_another_process_holds_within_the_cache_time(system, reference):
    clock = Ticking()
    cached = Tokens(system.engine, cache_seconds=5, monotonic=clock)
    token = cached.issue("copilot")
    assert cached.principal(token).user_id == "copilot"
    with system.engine.begin() as conn:  # what another process's revocation writes
        conn.execute(update(tokens).where(tokens.c.user_id == "copilot")
                     .values(revoked_at=datetime.now(UTC)))
    clock.now += 4.9
    assert cached.principal(token) is not None  # the cache may still answer…
    clock.now += 0.2
    assert cached.principal(token) is None  # …five seconds at most


def test_without_a_cache_time_every_request_reads_the_tables(system, reference):
    plain = Tokens(system.engine)
    token = plain.issue("auditor")
    assert plain.principal(token).role == "auditor"
    with system.engine.begin() as conn:
        conn.execute(update(tokens).where(tokens.c.user_id == "auditor")
                     .values(revoked_at=datetime.now(UTC)))
    assert plain.principal(token) is None


def test_a_web_process_reads_a_token_once_across_requests_and_a_revocation_ends_it_at_once(
    system, reference, tokens, monkeypatch
):
    """The token cache lives as long as the app (`web()`), not one request: a co-pilot's
    calls within five seconds read the tokens table once; revoking her access (the admin
    page, the CLI and DELETE /users/{id}/tokens all call `revoke_access`) refuses the next
    call at once."""
    monkeypatch.setattr(system, "settings", replace(system.settings, token_cache_seconds=5))
    app = create_app(system, {"TESTING": True})
    client = app.test_client()
    with app.app_context():
        cache = web().tokens
    looked_up = []
    original = cache._look_up
    monkeypatch.setattr(cache, "_look_up",
                        lambda token_hash: looked_up.append(token_hash) or original(token_hash))
    headers = {"Authorization": f"Bearer {tokens['copilot']}"}
    for _ in range(3):
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert len(looked_up) == 1
    revoke_access(system.engine, "copilot")
    assert client.get("/api/v1/me", headers=headers).status_code == 401
