"""A referent's day: identify someone, log her steps, read her own caseload and history."""

from uuid import UUID

from .conftest import IDENTIFY, every_page


def test_a_referent_identifies_orients_and_follows_a_hire(client, as_, system, clock):
    me = as_("referent")
    created = client.post("/api/v1/pathways", json=IDENTIFY, headers=me)
    assert created.status_code == 201
    body = created.get_json()
    pid = body["id"]
    assert created.headers["ETag"] == '"1"'
    assert created.headers["Location"].endswith(f"/api/v1/pathways/{pid}")
    assert body["stage"] == "identified" and body["profile"]["age_bracket"] == "18_25"
    # the person is in the personal-data store only: the event carries the birth year
    identified = system.app.history(UUID(pid))[0]
    assert identified.data["profile"]["birth_year"] == 2007
    assert "Benali" not in repr(identified.data) and "2007-04-02" not in repr(identified.data)
    assert system.personal_data.get(UUID(pid))["last_name"] == "Benali"

    steps = [
        {"step": "referent_assigned", "occurred_on": "2026-06-02", "referent_id": "referent"},
        {"step": "oriented", "occurred_on": "2026-06-05", "scheme": "Contrat d'engagement jeune (CEJ)",
         "structure_id": "s-ml"},
        {"step": "immersion_started", "occurred_on": "2026-06-08", "ends_on": "2026-06-19",
         "host": {"name": "Boulangerie du Lion", "siret": "44306184100005"}, "hours_per_week": 35, "objective": "recruit"},
        {"step": "immersion_ended", "occurred_on": "2026-06-19", "status": "completed",
         "led_to_hire": True},
        {"step": "hired", "occurred_on": "2026-06-22", "employer": {"name": "Boulangerie du Lion",
         "siret": "12345678900007"}, "contract_type": "cdd", "contract_months": 6, "weekly_hours": 35},
    ]
    for version, step in enumerate(steps, start=2):
        logged = client.post(f"/api/v1/pathways/{pid}/steps", json=step, headers={
            **me, "If-Match": f'"{version - 1}"'})
        assert logged.status_code == 201, logged.get_json()
        assert logged.headers["ETag"] == f'"{version}"'
    current = logged.get_json()
    assert current["stage"] == "employed"
    assert current["current_job"]["contract_type"] == "cdd"
    assert [c["week"] for c in current["follow_up"]["due"]] == [1, 4, 8, 12, 15]

    clock.advance(20)  # week 1 contact not logged, now more than 7 days late
    read = client.get(f"/api/v1/pathways/{pid}", headers=me).get_json()
    assert [c["week"] for c in read["follow_up"]["overdue"]] == [1]
    assert read["person"]["first_name"] == "Inès"  # her own caseload

    caseload = client.get("/api/v1/pathways?referent_id=referent&stage=employed", headers=me)
    assert [item["id"] for item in caseload.get_json()["items"]] == [pid]
    assert client.get(f"/api/v1/pathways?q={pid[:8]}", headers=me).get_json()["items"][0]["id"] == pid

    history = client.get(f"/api/v1/pathways/{pid}/history", headers=me).get_json()["items"]
    assert [h["step"] for h in history] == ["identified"] + [s["step"] for s in steps]
    assert history[1]["actor"] == {"user_id": "referent", "role": "referent", "structure_id": "s-ml"}
    assert history[-1]["recorded_at"].startswith("2026-06-30")

    as_of = client.get(f"/api/v1/pathways/{pid}?as_of=2026-06-10", headers=me).get_json()
    assert as_of["stage"] == "in_immersion"
    v3 = client.get(f"/api/v1/pathways/{pid}?version=3", headers=me)
    assert v3.get_json()["stage"] == "oriented" and v3.headers["ETag"] == '"3"'

    exported = client.get(f"/api/v1/pathways/{pid}/personal-data", headers=me).get_json()
    assert exported["person"]["last_name"] == "Benali"
    erased = client.delete(f"/api/v1/pathways/{pid}/personal-data", json={"reason": "demande de la personne"},
                           headers=me).get_json()
    assert erased["person"] is None and erased["erasure_reason"] == "demande de la personne"
    assert client.get(f"/api/v1/pathways/{pid}", headers=me).get_json()["person"] is None
    assert len(client.get(f"/api/v1/pathways/{pid}/history", headers=me).get_json()["items"]) == 6

    log = client.get(f"/api/v1/audit/access-log?pathway_id={pid}", headers=as_("admin")).get_json()
    actions = [entry["action"] for entry in log["items"]]
    assert {"identify", "log_step", "read_person", "read_history", "export_personal_data",
            "erase_personal_data"} <= set(actions)


def test_a_referent_reads_identity_only_in_her_own_caseload(client, as_, identified):
    assert client.get(f"/api/v1/pathways/{identified}", headers=as_("referent")).get_json()["person"]
    colleague = client.get(f"/api/v1/pathways/{identified}", headers=as_("referent2"))
    assert colleague.status_code == 200 and colleague.get_json()["person"] is None
    assert client.get(f"/api/v1/pathways/{identified}/personal-data",
                      headers=as_("referent2")).status_code == 403
    assert client.get(f"/api/v1/pathways/{identified}", headers=as_("copilot")).get_json()["person"]


def test_lists_are_paginated_with_an_opaque_cursor(client, as_):
    for day in range(1, 8):
        body = {**IDENTIFY, "identified_on": f"2026-06-0{day}", "consent": {"committee_sharing": False}}
        assert client.post("/api/v1/pathways", json=body, headers=as_("referent")).status_code == 201
    seen = [item["identified_on"] for item in every_page(client, "/api/v1/pathways?limit=3", as_("copilot"))]
    assert seen == [f"2026-06-0{day}" for day in range(7, 0, -1)]
    assert client.get("/api/v1/pathways?cursor=nope", headers=as_("copilot")).status_code == 400
    assert client.get("/api/v1/pathways?limit=501", headers=as_("copilot")).status_code == 422


def test_a_name_is_never_searched_through_the_address(client, as_, identified):
    """`q` finds a pathway by the beginning of its id (or an auditor's pseudonym): a name typed
    there is refused, field by field, as the address is kept by the server's access log and
    the proxies (the pages search names through a form)."""
    for q in ("Benali", "Inès B", "ines.benali@example.org"):
        refused = client.get(f"/api/v1/pathways?q={q}", headers=as_("copilot"))
        assert refused.status_code == 422, q
        assert "q" in refused.get_json()["errors"]
        assert "Benali" not in refused.get_data(as_text=True)
    assert client.get(f"/api/v1/pathways?q={identified[:8].upper()}",
                      headers=as_("copilot")).get_json()["items"][0]["id"] == identified
