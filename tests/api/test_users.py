"""A territory's coordinator sets up its users through the API: only admins, only within their
territory, groups and structures of that territory, tokens shown once and revocable."""

import pytest


def test_an_admin_creates_a_copilot_who_can_work_at_once(client, as_):
    created = client.post("/api/v1/users", headers=as_("admin"), json={
        "name": "Sami Haddad", "role": "copilot", "group_ids": ["g-familles"]})
    assert created.status_code == 201, created.get_json()
    user = created.get_json()
    assert user["territory_id"] == "t-belfort" and user["structure_id"] is None
    token = client.post(f"/api/v1/users/{user['id']}/tokens", headers=as_("admin")).get_json()["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.get_json()["role"] == "copilot" and me.get_json()["group_ids"] == ["g-familles"]


@pytest.mark.parametrize("who, body, status, field", [
    ("copilot", {"name": "X", "role": "auditor"}, 403, None),
    ("admin", {"name": "X", "role": "referent"}, 422, "group_ids"),
    ("admin", {"name": "X", "role": "referent", "group_ids": ["g-brest"]}, 403, None),
    ("admin", {"name": "X", "role": "auditor", "territory_id": "t-brest"}, 403, None),
    ("admin", {"name": "X", "role": "referent", "group_ids": ["g-jeunes"],
               "structure_id": "s-nowhere"}, 422, "structure_id"),
    ("admin", {"name": "X", "role": "referent", "group_ids": ["g-jeunes", "g-nowhere"]},
     422, "group_ids.1"),
    ("admin", {"name": "X", "role": "superuser"}, 422, "role"),
    ("admin", {"name": "X", "role": "auditor", "password": "x"}, 422, "password"),
])
def test_what_an_admin_may_not_do_is_refused_and_writes_nothing(client, as_, system, who, body,
                                                                status, field):
    before = len(client.get("/api/v1/users?limit=500", headers=as_("admin")).get_json()["items"])
    answer = client.post("/api/v1/users", headers=as_(who), json=body)
    assert answer.status_code == status, answer.get_json()
    assert answer.mimetype == "application/problem+json"
    if field:
        assert field in answer.get_json()["errors"]
    after = len(client.get("/api/v1/users?limit=500", headers=as_("admin")).get_json()["items"])
    assert after == before


def test_role_and_groups_change_and_revocation_is_immediate(client, as_, tokens):
    changed = client.patch("/api/v1/users/referent2", headers=as_("admin"),
                           json={"role": "copilot", "group_ids": ["g-jeunes", "g-familles"]})
    assert changed.status_code == 200, changed.get_json()
    assert client.get("/api/v1/me", headers=as_("referent2")).get_json()["role"] == "copilot"
    assert client.patch("/api/v1/users/referent2", headers=as_("admin"),
                        json={"group_ids": []}).status_code == 422
    revoked = client.delete("/api/v1/users/referent2/tokens", headers=as_("admin"))
    assert revoked.get_json() == {"user_id": "referent2", "revoked": 1, "sessions_ended": 0,
                                  "password_removed": False}
    assert client.get("/api/v1/me", headers=as_("referent2")).status_code == 401


def test_users_of_another_territory_are_out_of_sight(client, as_):
    listed = client.get("/api/v1/users", headers=as_("admin")).get_json()["items"]
    assert "auditor_brest" not in [u["id"] for u in listed] and "auditor" in [u["id"] for u in listed]
    for method in ("post", "delete"):
        answer = getattr(client, method)("/api/v1/users/auditor_brest/tokens", headers=as_("admin"))
        assert answer.status_code == 404
    assert client.patch("/api/v1/users/auditor_brest", headers=as_("admin"),
                        json={"role": "admin"}).status_code == 404
