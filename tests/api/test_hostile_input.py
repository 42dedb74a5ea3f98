"""The whole API tried as a hostile client would, from its OpenAPI document: every hostile value
of every field and query parameter is refused with a problem document naming the field, nothing
is written, and every read route still answers afterwards — a record whose stored name holds a
lone surrogate included.

`pytest tests/api/test_hostile_input.py -s` prints the figures.
"""

import io
from uuid import UUID

from . import hostile
from .conftest import IDENTIFY
from .spreadsheets import csv_file

HOST = {"name": "Boulangerie du Lion", "siret": "44306184100005"}
EMPLOYER = {"name": "Alstom Transport", "siret": "38965558600003"}
PERSON = {"first_name": "Inès", "last_name": "Benali", "birth_date": "2007-04-02",
          "phone": "06 12 34 56 78", "email": "ines.benali@example.fr",
          "address": "12 rue de la Paix, 90000 Belfort"}
IDENTIFICATION = {**IDENTIFY, "identified_on": "2026-03-01", "person": PERSON}
NEED = {"occurred_on": "2026-02-02", "need_id": "vendeurs", "job_title": "vendeur·se",
        "rome_code": "D1106", "contract_type": "cdd", "contract_months": 6, "positions": 2,
        "starts_on": "2026-03-02", "requirements": "débutant accepté", "group_ids": ["g-jeunes"]}

#: step code → (steps that bring a fresh pathway to a state where it may be logged, its base body).
STEPS = {
    "referent_assigned": ([], {"occurred_on": "2026-06-10", "referent_id": "referent2",
                               "structure_id": "s-ml"}),
    "committee_referral": ([], {"occurred_on": "2026-06-10", "reason": "projet à clarifier"}),
    "oriented": ([], {"occurred_on": "2026-06-10", "scheme": "Garantie jeunes",
                      "structure_id": "s-ml", "referent_id": "referent"}),
    "immersion_started": ([], {"occurred_on": "2026-06-15", "ends_on": "2026-07-10", "host": HOST,
                               "hours_per_week": 35, "objective": "discover", "renews": False}),
    "immersion_ended": (
        [{"step": "immersion_started", "occurred_on": "2026-06-10", "ends_on": "2026-07-05",
          "host": HOST, "hours_per_week": 35, "objective": "discover"}],
        {"occurred_on": "2026-06-29", "status": "completed", "led_to_hire": False}),
    "hired": ([], {"occurred_on": "2026-06-20", "employer": EMPLOYER, "contract_type": "cdd",
                   "contract_months": 6, "weekly_hours": 35}),
    "follow_up_contact": (
        [{"step": "hired", "occurred_on": "2026-06-05", "employer": EMPLOYER,
          "contract_type": "cdi", "weekly_hours": 35}],
        {"occurred_on": "2026-06-12", "contacted": "beneficiary", "status": "fine",
         "note": "tout va bien\n\tà revoir en août"}),
    "follow_up_completed": (
        [{"step": "hired", "occurred_on": "2026-03-02", "employer": EMPLOYER,
          "contract_type": "cdi", "weekly_hours": 35}],
        {"occurred_on": "2026-06-20", "still_employed": True}),
    "rupture": ([], {"occurred_on": "2026-06-10", "scope": "pathway", "kind": "abandon",
                     "initiated_by": "beneficiary", "reason": "déménagement"}),
    "exited": ([], {"occurred_on": "2026-06-10", "outcome": "other"}),
    "corrected": ([], {"occurred_on": "2026-06-10", "corrects_version": 2,
                       "changes": {"occurred_on": "2026-03-03"}, "reason": "erreur de saisie"}),
}


def _pathway(client, as_, steps=()) -> str:
    """A pathway identified on 1 March 2026, assigned to "referent", then `steps`."""
    created = client.post("/api/v1/pathways", json=IDENTIFICATION, headers=as_("referent"))
    assert created.status_code == 201, created.get_json()
    pid = created.get_json()["id"]
    for body in [{"step": "referent_assigned", "occurred_on": "2026-03-02",
                  "referent_id": "referent"}, *steps]:
        logged = client.post(f"/api/v1/pathways/{pid}/steps", json=body, headers=as_("referent"))
        assert logged.status_code == 201, logged.get_json()
    return pid


def _import(client, as_) -> str:
    """A spreadsheet uploaded into "jeunes", awaiting confirmation."""
    uploaded = client.post("/api/v1/imports", headers=as_("referent"),
                           content_type="multipart/form-data",
                           data={"group_id": "g-jeunes", "file": (io.BytesIO(csv_file()), "l.csv")})
    assert uploaded.status_code == 201, uploaded.get_json()
    return uploaded.get_json()["id"]


def _routes(client, as_, spec) -> list[hostile.Route]:
    """Every write route of the document with a valid base body (and what it needs first)."""
    # (the spreadsheet upload's multipart body is tried in tests/api/test_imports.py)
    body_of = {(method.upper(), url): operation["requestBody"]["content"]["application/json"]["schema"]
               for url, operations in spec["paths"].items()
               for method, operation in operations.items() if method != "parameters"
               and "application/json" in operation.get("requestBody", {}).get("content", {})}
    routes = []

    def route(method, template, url, base, who, accepted, schema=None):
        routes.append(hostile.Route(method, url, schema or body_of.pop((method, template)), base,
                                    as_(who), accepted))

    route("POST", "/api/v1/territories", "/api/v1/territories",
          {"name": "Cité de l'emploi de Dijon"}, "admin", 201)
    route("POST", "/api/v1/groups", "/api/v1/groups",
          {"territory_id": "t-belfort", "name": "Seniors", "target_per_year": 12,
           "stalled_after_days": 30}, "admin", 201)
    route("POST", "/api/v1/structures", "/api/v1/structures",
          {"territory_id": "t-belfort", "name": "PLIE du Territoire", "kind": "plie"}, "admin", 201)
    route("POST", "/api/v1/pathways", "/api/v1/pathways", IDENTIFICATION, "referent", 201)
    steps = body_of.pop(("POST", "/api/v1/pathways/{pathway_ref}/steps"))
    variants = hostile.resolve(spec, steps)["discriminator"]["mapping"]
    assert set(variants) == set(STEPS) | {"proposed_to_company"}
    for code, (before, base) in STEPS.items():
        pid = _pathway(client, as_, before)
        route("POST", None, f"/api/v1/pathways/{pid}/steps", {"step": code, **base}, "referent",
              201, schema={"$ref": variants[code]})
    company = _company(client, as_)
    route("POST", None, f"/api/v1/pathways/{_pathway(client, as_)}/steps",
          {"step": "proposed_to_company", "occurred_on": "2026-06-10", "company_id": company,
           "need_id": "premier"}, "referent", 201, schema={"$ref": variants["proposed_to_company"]})
    route("DELETE", "/api/v1/pathways/{pathway_ref}/personal-data",
          f"/api/v1/pathways/{_pathway(client, as_)}/personal-data",
          {"reason": "demande de la personne"}, "referent", 200)
    route("POST", "/api/v1/committees", "/api/v1/committees",
          {"group_id": "g-jeunes", "kind": "orientation", "held_on": "2026-07-15"}, "copilot", 201)
    session = client.post("/api/v1/committees", headers=as_("copilot"), json={
        "group_id": "g-jeunes", "kind": "orientation", "held_on": "2026-06-29"}).get_json()["id"]
    route("POST", "/api/v1/committees/{session_id}/decisions",
          f"/api/v1/committees/{session}/decisions",
          {"pathway_id": _pathway(client, as_), "decision": "orient",
           "note": "CEJ\nà la Mission locale",
           "orientation": {"scheme": "CEJ", "structure_id": "s-ml", "referent_id": "referent"}},
          "copilot", 201)
    route("POST", "/api/v1/committees/{session_id}/needs", f"/api/v1/committees/{session}/needs",
          {"company_id": company, "need_id": "premier"}, "copilot", 201)
    route("POST", "/api/v1/committees/{session_id}/close", f"/api/v1/committees/{session}/close",
          {"attendance": ["Mission locale", "Unis-Cité"]}, "copilot", 200)
    route("POST", "/api/v1/users", "/api/v1/users",
          {"name": "Camille Martin", "role": "referent", "group_ids": ["g-jeunes"],
           "structure_id": "s-ml"}, "admin", 201)
    route("PATCH", "/api/v1/users/{user_id}", "/api/v1/users/referent2",
          {"role": "copilot", "group_ids": ["g-jeunes", "g-familles"], "structure_id": "s-ml"},
          "admin", 200)
    import_id = _import(client, as_)
    route("PUT", "/api/v1/imports/{import_id}/mapping", f"/api/v1/imports/{import_id}/mapping",
          {"mapping": {"nom": "nom", "prenom": "prenom"}}, "referent", 200)
    route("POST", "/api/v1/imports/{import_id}/confirm", f"/api/v1/imports/{import_id}/confirm",
          {"decisions": {"2": "skip"}}, "referent", 202)
    route("POST", "/api/v1/companies", "/api/v1/companies",
          {"siret": "55210055400013", "name": "Garage du Mont", "size_band": "small",
           "qpv_location": "near_qpv", "registered_on": "2026-02-01"}, "cre", 201)
    events = {
        "needs": NEED,
        "need-outcomes": {"occurred_on": "2026-04-02", "need_id": "premier", "outcome": "filled",
                          "positions_filled": 1},
        "hosting-offers": {"occurred_on": "2026-02-10", "capacity": 2, "jobs": ["vendeur"]},
        "participations": {"occurred_on": "2026-03-12", "kind": "cafe_cv", "note": "café CV"},
        "sponsors": {"occurred_on": "2026-03-20", "pathway_id": _pathway(client, as_), "role": "tutor"},
        "commitments": {"occurred_on": "2026-04-01", "kind": "charter", "title": "Charte de la Cité"},
        "corrections": {"occurred_on": "2026-04-03", "corrects_version": 1,
                        "changes": {"size_band": "small"}, "reason": "12 salariés"},
        "contacts": {"occurred_on": "2026-02-06", "first_name": "Sophie", "last_name": "Marchal",
                     "job_title": "gérante", "email": "gerante@example.fr", "phone": "03 84 21 00 00"},
    }
    for path, base in events.items():
        route("POST", f"/api/v1/companies/{{company_ref}}/{path}",
              f"/api/v1/companies/{company}/{path}", base, "cre", 201)
    named = client.post(f"/api/v1/companies/{company}/contacts", headers=as_("cre"),
                        json=events["contacts"])
    assert named.status_code == 201, named.get_json()
    contact = client.get(f"/api/v1/companies/{company}/contacts",
                         headers=as_("cre")).get_json()["items"][0]["contact_id"]
    route("DELETE", "/api/v1/companies/{company_ref}/contacts/{contact_id}",
          f"/api/v1/companies/{company}/contacts/{contact}", {"reason": "demande de la personne"},
          "cre", 200)
    assert not body_of, f"write routes without a base body here: {sorted(body_of)}"
    return routes


def _company(client, as_) -> str:
    """The bakery, registered on 5 January 2026 with an open need "premier" (one position)."""
    created = client.post("/api/v1/companies", headers=as_("cre"), json={
        "siret": "73282932000074", "name": "Boulangerie des Résidences", "size_band": "micro",
        "qpv_location": "in_qpv", "registered_on": "2026-01-05"})
    assert created.status_code == 201, created.get_json()
    company = created.get_json()["id"]
    posted = client.post(f"/api/v1/companies/{company}/needs", headers=as_("cre"),
                         json={**NEED, "need_id": "premier", "positions": 1})
    assert posted.status_code == 201, posted.get_json()
    return company


def _reader(url: str) -> str:
    if url.startswith("/api/v1/users"):
        return "admin"
    if url.startswith("/api/v1/companies"):
        return "cre"
    if url.startswith("/api/v1/imports/{"):
        return "referent"  # an import is its uploader's (`_import`)
    return "auditor" if url.startswith("/api/v1/audit") else "copilot"


def test_hostile_requests_are_refused_field_by_field_and_write_nothing(client, as_, system):
    spec = client.get("/api/v1/openapi.json").get_json()
    tally = hostile.Tally()
    for route in _routes(client, as_, spec):
        hostile.attack_body(client, system, spec, route, tally)
    for url in hostile.read_routes(spec):
        if "{" not in url:
            hostile.attack_query(client, system, spec, url, as_(_reader(url)), tally)
    print("\n" + tally.summary())
    assert tally.tried > 1500
    assert not tally.problems(), "\n".join(tally.problems()[:40])


def _read_everything(client, as_, spec, pid: str, session: str, company: str, import_id: str) -> dict:
    """status of every GET route of the document (agenda and minutes in each format)."""
    answers = {}
    for url in hostile.read_routes(spec):
        who = _reader(url)
        concrete = (url.replace("{pathway_ref}", pid).replace("{session_id}", session)
                    .replace("{company_ref}", company).replace("{need_id}", "premier")
                    .replace("{import_id}", import_id))
        formats = (["application/json", "text/html", "text/csv"]
                   if url.endswith(("agenda", "minutes")) else ["application/json"])
        for accept in formats:
            answer = client.get(concrete, headers={**as_(who), "Accept": accept})
            answers[f"{url} {accept}"] = answer.status_code
    return answers


def test_every_read_still_answers_with_a_lone_surrogate_in_the_store(client, as_, system):
    spec = client.get("/api/v1/openapi.json").get_json()
    pid = _pathway(client, as_)
    # stored before the door was shut: the personal-data store still holds such a name
    system.personal_data.put(pid, {**PERSON, "first_name": "Ba\ud800se", "last_name": "\udfffX"})
    session = client.post("/api/v1/committees", headers=as_("copilot"), json={
        "group_id": "g-jeunes", "kind": "orientation", "held_on": "2026-06-29"}).get_json()["id"]
    decided = client.post(f"/api/v1/committees/{session}/decisions", headers=as_("copilot"),
                          json={"pathway_id": pid, "decision": "continue"})
    assert decided.status_code == 201, decided.get_json()
    agenda = client.get(f"/api/v1/committees/{session}/agenda", headers=as_("copilot"))
    assert agenda.status_code == 200
    assert any(item["label"] == "Ba\ufffdse \ufffd." for item in agenda.get_json()["items"])
    closed = client.post(f"/api/v1/committees/{session}/close", headers=as_("copilot"), json={})
    assert closed.status_code == 200, closed.get_json()

    company = _company(client, as_)
    client.post(f"/api/v1/companies/{company}/contacts", headers=as_("cre"), json={
        "occurred_on": "2026-02-06", "first_name": "Sophie", "last_name": "Marchal"})
    history = client.get(f"/api/v1/companies/{company}/history", headers=as_("cre")).get_json()
    contact_id = UUID(history["items"][-1]["data"]["contact_id"])
    system.personal_data.put(contact_id, {"first_name": "So\ud800phie", "last_name": "M"})

    answers = _read_everything(client, as_, spec, pid, session, company, _import(client, as_))

    assert {url: status for url, status in answers.items() if status != 200} == {}
    person = client.get(f"/api/v1/pathways/{pid}", headers=as_("referent")).get_json()["person"]
    assert person["first_name"] == "Ba\ufffdse"
    contacts = client.get(f"/api/v1/companies/{company}/contacts", headers=as_("cre")).get_json()
    assert contacts["items"][0]["first_name"] == "So\ufffdphie"
    exported = client.get(f"/api/v1/pathways/{pid}/personal-data", headers=as_("referent"))
    assert exported.get_json()["person"]["last_name"] == "\ufffdX"
    html = client.get(f"/api/v1/committees/{session}/minutes", headers={
        **as_("copilot"), "Accept": "text/html"}).get_data(as_text=True)
    assert "Ba\ufffdse" in html
