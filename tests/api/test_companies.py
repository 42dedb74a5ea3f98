"""The chargée de relation entreprises of Belfort works with employers through the API.

She registers the bakery of the Résidences, names its manager as contact, records its PMSMP
places, its job dating, posts a need for two sales assistants offered to the young people's
group, and closes it once one of them is hired; referents and co-pilots read the company, the
Brest chargée sees nothing of Belfort's. Bad input is refused field by field and writes nothing;
a retried write (Idempotency-Key) writes once; a stale If-Match is a conflict.
"""

import pytest

from .conftest import counts

BAKERY = {"siret": "732 829 320 00074", "name": "Boulangerie des Résidences", "naf_code": "10.71C",
          "size_band": "micro", "town": "Belfort", "qpv_location": "in_qpv",
          "registered_on": "2026-01-05"}
GARAGE = {"siret": "55210055400013", "name": "Garage du Mont", "size_band": "small",
          "qpv_location": "near_qpv", "registered_on": "2026-02-01"}
NEED = {"occurred_on": "2026-02-02", "need_id": "vendeurs-2026", "job_title": "vendeur·se",
        "contract_type": "cdd", "contract_months": 6, "positions": 2, "starts_on": "2026-03-02",
        "group_ids": ["g-jeunes"]}


@pytest.fixture
def bakery(client, as_):
    """The bakery, registered by the chargée de relation entreprises of Belfort."""
    answer = client.post("/api/v1/companies", json=BAKERY, headers=as_("cre"))
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["id"]


def test_a_need_from_posting_to_hire(client, as_, bakery, identified):
    cre = as_("cre")
    url = f"/api/v1/companies/{bakery}"
    assert client.post(f"{url}/contacts", headers=cre, json={
        "occurred_on": "2026-01-06", "first_name": "Sophie", "last_name": "Marchal",
        "job_title": "gérante", "phone": "03 84 21 00 00"}).status_code == 201
    assert client.post(f"{url}/hosting-offers", headers=cre, json={
        "occurred_on": "2026-01-10", "capacity": 2, "jobs": ["vendeur"]}).status_code == 201
    assert client.post(f"{url}/participations", headers=cre, json={
        "occurred_on": "2026-03-12", "kind": "job_dating"}).status_code == 201
    posted = client.post(f"{url}/needs", headers=cre, json=NEED)
    assert posted.status_code == 201, posted.get_json()
    assert posted.get_json()["open_needs"] == 1 and posted.headers["ETag"] == '"5"'
    closed = client.post(f"{url}/need-outcomes", headers={**cre, "If-Match": '"5"'}, json={
        "occurred_on": "2026-06-20", "need_id": "vendeurs-2026", "outcome": "partly_filled",
        "positions_filled": 1, "hired_pathway_ids": [identified]})
    assert closed.status_code == 201, closed.get_json().get("errors")
    assert client.post(f"{url}/sponsors", headers=cre, json={
        "occurred_on": "2026-06-21", "pathway_id": identified, "role": "tutor"}).status_code == 201

    company = client.get(url, headers=as_("referent")).get_json()
    assert (company["name"], company["siret"], company["open_needs"]) == (
        "Boulangerie des Résidences", "73282932000074", 0)
    assert company["needs"][0]["outcome"] == "partly_filled"
    assert company["hosting_capacity"] == 2 and company["contact_count"] == 1
    assert company["sponsors"] == [{"named_on": "2026-06-21", "role": "tutor", "pathway_id": identified}]
    # a referent of another group counts the tutor but is not pointed at the pathway
    other = client.get(url, headers=as_("referent_familles")).get_json()
    assert other["sponsors"][0]["pathway_id"] is None
    history = client.get(f"{url}/history", headers=as_("copilot")).get_json()["items"]
    assert [i["event"] for i in history] == [
        "registered", "contact_named", "hosting_offered", "participated", "need_posted",
        "need_closed", "sponsor_named"]
    assert history[1]["label"] == "contact désigné" and history[0]["recorded_by"] == "cre"


def test_contacts_are_personal_data_read_by_the_chargees_only(client, as_, bakery, system):
    url = f"/api/v1/companies/{bakery}/contacts"
    client.post(url, headers=as_("cre"), json={
        "occurred_on": "2026-01-06", "first_name": "Sophie", "last_name": "Marchal",
        "email": "gerante@boulangerie-residences.fr"})
    listed = client.get(url, headers=as_("cre")).get_json()["items"]
    assert [(c["first_name"], c["email"]) for c in listed] == [
        ("Sophie", "gerante@boulangerie-residences.fr")]
    assert client.get(url, headers=as_("copilot")).status_code == 403
    history = client.get(f"/api/v1/companies/{bakery}/history", headers=as_("copilot")).get_json()
    assert "Marchal" not in str(history) and "gerante" not in str(history)
    from sqlalchemy import select

    from casecommittee.stores.access_log import access_log
    with system.engine.connect() as conn:
        actions = conn.execute(select(access_log.c.user_id, access_log.c.action)).all()
    assert ("cre", "read_contacts") in actions and ("cre", "name_contact") in actions


def test_the_directory_searches_by_name_or_siret_within_the_territory(client, as_, bakery):
    client.post("/api/v1/companies", json=GARAGE, headers=as_("cre"))
    def names(query, who="cre"):
        answer = client.get(f"/api/v1/companies?{query}", headers=as_(who))
        assert answer.status_code == 200, answer.get_json()
        return [c["name"] for c in answer.get_json()["items"]]
    assert names("") == ["Boulangerie des Résidences", "Garage du Mont"]
    assert names("q=RESIDENCES") == ["Boulangerie des Résidences"]
    assert names("q=5521") == ["Garage du Mont"]
    assert names("qpv_location=near_qpv") == ["Garage du Mont"]
    assert names("limit=1") == ["Boulangerie des Résidences"]
    assert names("", who="copilot") == names("")
    assert names("", who="cre_brest") == []
    assert client.get(f"/api/v1/companies/{bakery}", headers=as_("cre_brest")).status_code == 404


def test_paging_follows_the_name_order(client, as_, bakery):
    from .conftest import every_page

    client.post("/api/v1/companies", json=GARAGE, headers=as_("cre"))
    items = every_page(client, "/api/v1/companies?limit=1", as_("cre"))
    assert [c["name"] for c in items] == ["Boulangerie des Résidences", "Garage du Mont"]


@pytest.mark.parametrize(("path", "body", "field"), [
    ("", {**BAKERY, "siret": "73282932000075"}, "siret"),
    ("", {**BAKERY, "naf_code": "1071C"}, "naf_code"),
    ("", {**BAKERY, "size_band": "huge"}, "size_band"),
    ("", {**BAKERY, "registered_on": "2030-01-01"}, "registered_on"),
    ("/needs", {**NEED, "contract_months": None}, "contract_months"),
    ("/needs", {**NEED, "positions": "2"}, "positions"),
    ("/needs", {**NEED, "group_ids": []}, "group_ids"),
    ("/needs", {**NEED, "starts_on": "2026-01-01"}, "starts_on"),
    ("/needs", {**NEED, "occurred_on": "2025-12-01"}, "occurred_on"),
    ("/need-outcomes", {"occurred_on": "2026-03-01", "need_id": "nope", "outcome": "withdrawn",
                        "positions_filled": 0}, "need_id"),
    ("/hosting-offers", {"occurred_on": "2026-03-01", "capacity": 0, "jobs": ["x"]}, "capacity"),
    ("/participations", {"occurred_on": "2026-03-01", "kind": "apero"}, "kind"),
    ("/corrections", {"occurred_on": "2026-03-01", "corrects_version": 1,
                      "changes": {"siret": "55210055400013"}, "reason": "non"}, "changes"),
    ("/corrections", {"occurred_on": "2026-03-01", "corrects_version": 1,
                      "changes": {"occurred_on": "le 3 mars"}, "reason": "date"}, "changes.occurred_on"),
    ("/corrections", {"occurred_on": "2026-03-01", "corrects_version": 1,
                      "changes": {"size_band": "énorme"}, "reason": "taille"}, "changes.size_band"),
    ("/contacts", {"occurred_on": "2026-03-01", "first_name": "A", "last_name": "B",
                   "phone": "12"}, "phone"),
])
def test_bad_input_is_refused_field_by_field_and_writes_nothing(
        client, as_, bakery, system, path, body, field):
    url = "/api/v1/companies" + (f"/{bakery}{path}" if path else "")
    before = counts(system)
    answer = client.post(url, json=body, headers=as_("cre"))
    assert answer.status_code == 422, answer.get_json()
    assert answer.content_type == "application/problem+json"
    assert field in answer.get_json()["errors"], answer.get_json()
    assert counts(system) == before


def test_a_siret_is_registered_once_per_territory(client, as_, bakery):
    again = client.post("/api/v1/companies", json={**BAKERY, "name": "Autre"}, headers=as_("cre"))
    assert again.status_code == 409 and again.get_json()["type"].endswith("/duplicate")
    elsewhere = client.post("/api/v1/companies", json=BAKERY, headers=as_("cre_brest"))
    assert elsewhere.status_code == 201 and elsewhere.get_json()["id"] != bakery


def test_a_retried_write_writes_once_and_a_stale_version_is_a_conflict(client, as_, bakery, system):
    headers = {**as_("cre"), "Idempotency-Key": "need-1"}
    first = client.post(f"/api/v1/companies/{bakery}/needs", json=NEED, headers=headers)
    events = counts(system)["events"]
    again = client.post(f"/api/v1/companies/{bakery}/needs", json=NEED, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert counts(system)["events"] == events
    stale = client.post(f"/api/v1/companies/{bakery}/participations", json={
        "occurred_on": "2026-03-12", "kind": "visit"}, headers={**as_("cre"), "If-Match": '"1"'})
    assert stale.status_code == 409


def test_a_correction_changes_the_fiche_not_the_history(client, as_, bakery):
    corrected = client.post(f"/api/v1/companies/{bakery}/corrections", headers=as_("cre"), json={
        "occurred_on": "2026-02-01", "corrects_version": 1, "changes": {"size_band": "small"},
        "reason": "12 salariés"})
    assert corrected.status_code == 201, corrected.get_json()
    assert corrected.get_json()["size_band"] == "small"
    listed = client.get("/api/v1/companies", headers=as_("cre")).get_json()["items"]
    assert listed[0]["size_band"] == "small"
    history = client.get(f"/api/v1/companies/{bakery}/history", headers=as_("cre")).get_json()
    assert history["items"][0]["data"]["size_band"] == "micro"


ROLES = ("anonymous", "admin", "copilot", "referent", "auditor", "cre", "cre_brest")
MATRIX = [
    ("GET", "/api/v1/companies", None, (401, 403, 200, 200, 403, 200, 200)),
    ("POST", "/api/v1/companies", GARAGE, (401, 403, 403, 403, 403, 201, 201)),
    ("GET", "/api/v1/companies/{cid}", None, (401, 403, 200, 200, 403, 200, 404)),
    ("GET", "/api/v1/companies/{cid}/history", None, (401, 403, 200, 200, 403, 200, 404)),
    ("POST", "/api/v1/companies/{cid}/participations", {"occurred_on": "2026-03-01", "kind": "visit"},
     (401, 403, 403, 403, 403, 201, 404)),
    ("GET", "/api/v1/companies/{cid}/contacts", None, (401, 403, 403, 403, 403, 200, 404)),
]


@pytest.mark.parametrize("route", MATRIX, ids=lambda r: f"{r[0]} {r[1]}")
def test_role_by_company_route(client, as_, bakery, route):
    method, path, body, expected = route
    got = {}
    for role in ROLES:
        headers = {} if role == "anonymous" else as_(role)
        answer = client.open(path.replace("{cid}", bakery), method=method, json=body, headers=headers)
        got[role] = answer.status_code
    assert got == dict(zip(ROLES, expected, strict=True))


def _pathway(client, as_, *steps, consent=True, group="g-jeunes", first_name="Inès"):
    """A pathway of `group` identified on 1 May 2026, then `steps` (as the group's referent)."""
    from .conftest import IDENTIFY

    body = {**IDENTIFY, "group_id": group, "identified_on": "2026-05-01",
            "person": {**IDENTIFY["person"], "first_name": first_name},
            "consent": {"committee_sharing": consent, "given_on": "2026-05-01"}}
    who = as_("referent" if group == "g-jeunes" else "referent_familles")
    pid = client.post("/api/v1/pathways", json=body, headers=who).get_json()["id"]
    for step in steps:
        logged = client.post(f"/api/v1/pathways/{pid}/steps", json=step, headers=who)
        assert logged.status_code == 201, logged.get_json()
    return pid


ORIENTED = {"step": "oriented", "occurred_on": "2026-06-20", "scheme": "CEJ"}
IMMERSION = {"step": "immersion_started", "occurred_on": "2026-05-10", "ends_on": "2026-05-20",
             "host": {"name": "Boulangerie", "siret": "73282932000074"}, "hours_per_week": 35,
             "objective": "discover"}
ENDED = {"step": "immersion_ended", "occurred_on": "2026-05-20", "status": "completed",
         "led_to_hire": False}


def test_a_shortlist_ranks_who_fits_and_says_why(client, as_, bakery):
    oriented = _pathway(client, as_, ORIENTED, first_name="Yanis")
    after_immersion = _pathway(client, as_, {**ORIENTED, "occurred_on": "2026-05-05"}, IMMERSION,
                               ENDED, first_name="Lina")
    no_consent = _pathway(client, as_, consent=False, first_name="Karim")
    _pathway(client, as_, IMMERSION, first_name="Jade")  # in immersion: not available
    _pathway(client, as_, ORIENTED, group="g-familles", first_name="Sofia")  # another group
    client.post(f"/api/v1/companies/{bakery}/needs", json=NEED, headers=as_("cre"))

    url = f"/api/v1/companies/{bakery}/needs/vendeurs-2026/shortlist"
    seen = client.get(url, headers=as_("copilot")).get_json()
    assert [i["pathway_id"] for i in seen["items"]] == [after_immersion, oriented, no_consent]
    first = seen["items"][0]
    assert first["label"] == "Lina B." and first["score"] == 3 + 2 + 1
    assert first["reasons"] == ["orienté·e vers CEJ", "immersion terminée sans suite depuis le 20/05/2026",
                                "dernière étape il y a 41 jours"]
    assert seen["items"][1]["reasons"] == ["orienté·e vers CEJ", "dernière étape il y a 10 jours"]
    pseudonym = seen["items"][2]["label"]
    assert "Karim" not in pseudonym and seen["items"][2]["reasons"][0].startswith("repéré")

    chargee = client.get(url, headers=as_("cre")).get_json()
    assert [i["label"] for i in chargee["items"]] == [i["label"] for i in seen["items"]]
    assert {i["pathway_id"] for i in chargee["items"]} == {None}
    assert client.get(url, headers=as_("referent")).status_code == 403
    assert client.get(f"/api/v1/companies/{bakery}/needs/nope/shortlist",
                      headers=as_("cre")).status_code == 404
