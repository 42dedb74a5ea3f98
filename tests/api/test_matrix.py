"""Every role × every route gets exactly what its scope allows."""

import pytest

from .conftest import IDENTIFY

ROLES = ("anonymous", "admin", "copilot", "referent", "referent2", "referent_familles", "auditor",
         "auditor_brest", "cre")
STEP = {"step": "committee_referral", "occurred_on": "2026-06-10", "reason": "à étudier"}
GROUP = {"territory_id": "t-belfort", "name": "Diplômés", "target_per_year": 20}
STRUCTURE = {"territory_id": "t-belfort", "name": "PLIE", "kind": "plie"}

# route → expected status per role, in the order of ROLES. "{pid}" is the pathway's id,
# or its pseudonym for auditors.
MATRIX = [
    ("GET", "/api/v1/territories", None, (401, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("POST", "/api/v1/territories", {"name": "Cité de l'emploi de Lens"}, (401, 201, 403, 403, 403, 403, 403, 403, 403)),
    ("GET", "/api/v1/groups", None, (401, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("POST", "/api/v1/groups", GROUP, (401, 201, 403, 403, 403, 403, 403, 403, 403)),
    ("GET", "/api/v1/structures", None, (401, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("POST", "/api/v1/structures", STRUCTURE, (401, 201, 403, 403, 403, 403, 403, 403, 403)),
    ("GET", "/api/v1/pathways", None, (401, 403, 200, 200, 200, 200, 200, 200, 403)),
    ("POST", "/api/v1/pathways", IDENTIFY, (401, 403, 201, 201, 201, 403, 403, 403, 403)),
    ("GET", "/api/v1/pathways/{pid}", None, (401, 403, 200, 200, 200, 404, 200, 404, 403)),
    ("POST", "/api/v1/pathways/{pid}/steps", STEP, (401, 403, 201, 201, 201, 404, 403, 403, 403)),
    ("GET", "/api/v1/pathways/{pid}/history", None, (401, 403, 200, 200, 200, 404, 200, 404, 403)),
    ("GET", "/api/v1/pathways/{pid}/personal-data", None, (401, 403, 200, 200, 403, 404, 403, 403, 403)),
    ("DELETE", "/api/v1/pathways/{pid}/personal-data", {"reason": "durée de conservation"}, (401, 403, 200, 200, 403, 404, 403, 403, 403)),
    ("GET", "/api/v1/statistics", None, (401, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/audit/events", None, (401, 200, 403, 403, 403, 403, 200, 200, 403)),
    ("GET", "/api/v1/audit/replay-check", None, (401, 200, 403, 403, 403, 403, 200, 200, 403)),
    ("GET", "/api/v1/audit/access-log", None, (401, 200, 403, 403, 403, 403, 200, 200, 403)),
    ("GET", "/api/v1/me", None, (401, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/health", None, (200, 200, 200, 200, 200, 200, 200, 200, 200)),
]


@pytest.mark.parametrize("route", MATRIX, ids=lambda r: f"{r[0]} {r[1]}")
def test_role_by_route(client, as_, identified, app, route):
    method, path, body, expected = route
    pseudonym = app.extensions["casecommittee"].pseudonyms.of(identified)
    got = {}
    for role in ROLES:
        headers = {} if role == "anonymous" else as_(role)
        url = path.replace("{pid}", pseudonym if role.startswith("auditor") else identified)
        payload = body
        if method == "POST" and "name" in (body or {}):  # names are unique
            payload = {**body, "name": f"{body['name']} ({role})"}
        response = client.open(url, method=method, json=payload, headers=headers)
        got[role] = response.status_code
        if response.status_code >= 400:
            assert response.content_type == "application/problem+json"
    assert got == dict(zip(ROLES, expected, strict=True))


def test_a_revoked_token_is_refused(client, as_, system):
    from casecommittee.stores.auth import Tokens

    assert client.get("/api/v1/me", headers=as_("referent")).status_code == 200
    assert Tokens(system.engine).revoke("referent") == 1
    assert client.get("/api/v1/me", headers=as_("referent")).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Basic abc"}).status_code == 401


def test_me_describes_the_token_user(client, as_):
    assert client.get("/api/v1/me", headers=as_("copilot")).get_json() == {
        "user_id": "copilot", "name": "Copilot", "role": "copilot", "territory_id": "t-belfort",
        "group_ids": ["g-jeunes"], "structure_id": "s-ml",
    }


def test_every_write_records_its_actor(client, as_, identified, system):
    client.post(f"/api/v1/pathways/{identified}/steps", json=STEP, headers=as_("copilot"))
    from uuid import UUID

    last = system.app.history(UUID(identified))[-1]
    assert last.actor == {"user_id": "copilot", "role": "copilot", "structure_id": "s-ml"}
