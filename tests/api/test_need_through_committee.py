"""A company's need, from posting to hire, through the comité d'orientation.

The bakery of the Résidences needs two sales assistants and offers them to the young people's
group. The co-pilot puts the need on June's committee: Lina (oriented) and Yanis (identified)
come first on its shortlist and join the agenda with the reason "a company's need fits". The
committee proposes Lina to the bakery (the proposal is appended to her pathway); the bakery hires
her, her referent logs the hire, and the chargée closes the need — the company's fiche and the
figures show it.
"""

import pytest

from .conftest import IDENTIFY

BAKERY = {"siret": "73282932000074", "name": "Boulangerie des Résidences", "size_band": "micro",
          "qpv_location": "in_qpv", "registered_on": "2026-01-05"}
NEED = {"occurred_on": "2026-06-02", "need_id": "vendeurs", "job_title": "vendeur·se",
        "contract_type": "cdi", "positions": 2, "starts_on": "2026-07-01", "group_ids": ["g-jeunes"]}


def _pathway(client, as_, first_name, *steps):
    body = {**IDENTIFY, "identified_on": "2026-05-04",
            "person": {**IDENTIFY["person"], "first_name": first_name}}
    pid = client.post("/api/v1/pathways", json=body, headers=as_("referent")).get_json()["id"]
    for step in ({"step": "referent_assigned", "occurred_on": "2026-05-04", "referent_id": "referent"},
                 *steps):
        logged = client.post(f"/api/v1/pathways/{pid}/steps", json=step, headers=as_("referent"))
        assert logged.status_code == 201, logged.get_json()
    return pid


@pytest.fixture
def june(client, as_):
    """The bakery and its need, Lina and Yanis, and June's scheduled committee."""
    bakery = client.post("/api/v1/companies", json=BAKERY, headers=as_("cre")).get_json()["id"]
    assert client.post(f"/api/v1/companies/{bakery}/needs", json=NEED,
                       headers=as_("cre")).status_code == 201
    lina = _pathway(client, as_, "Lina", {"step": "oriented", "occurred_on": "2026-06-10",
                                          "scheme": "CEJ"})
    yanis = _pathway(client, as_, "Yanis")
    session = client.post("/api/v1/committees", headers=as_("copilot"), json={
        "group_id": "g-jeunes", "kind": "orientation", "held_on": "2026-06-26"}).get_json()["id"]
    return {"bakery": bakery, "lina": lina, "yanis": yanis, "session": session}


def test_a_need_from_posting_to_hire_through_the_committee(client, as_, june, system):
    session, bakery, lina = june["session"], june["bakery"], june["lina"]
    added = client.post(f"/api/v1/committees/{session}/needs", headers=as_("copilot"),
                        json={"company_id": bakery, "need_id": "vendeurs"})
    assert added.status_code == 201, added.get_json()
    assert added.get_json()["needs"] == [{"company_id": bakery, "need_id": "vendeurs"}]

    agenda = client.get(f"/api/v1/committees/{session}/agenda", headers=as_("copilot")).get_json()
    fits = {i["pathway_id"]: i for i in agenda["items"] if "company_need_fits" in i["reasons"]}
    assert set(fits) == {lina, june["yanis"]}
    assert "besoin d'entreprise : vendeur·se (Boulangerie des Résidences)" in fits[lina]["reason_labels"]

    decided = client.post(f"/api/v1/committees/{session}/decisions", headers=as_("copilot"), json={
        "pathway_id": lina, "decision": "propose_to_company",
        "proposal": {"company_id": bakery, "need_id": "vendeurs"}})
    assert decided.status_code == 201, decided.get_json()
    assert decided.get_json()["decision"]["proposal"] == {"company_id": bakery, "need_id": "vendeurs"}
    history = client.get(f"/api/v1/pathways/{lina}/history", headers=as_("referent")).get_json()
    proposed = history["items"][-1]
    assert proposed["step"] == "proposed_to_company"
    assert proposed["data"] == {"company_id": bakery, "need_id": "vendeurs",
                                "committee_session_id": session}
    assert client.get(f"/api/v1/pathways/{lina}", headers=as_("referent")).get_json()["stage"] == "oriented"

    client.post(f"/api/v1/committees/{session}/close", headers=as_("copilot"), json={})
    minutes = client.get(f"/api/v1/committees/{session}/minutes", headers=as_("copilot")).get_json()
    item = next(i for i in minutes["items"] if i["pathway_id"] == lina)
    assert item["decision"]["decision"] == "propose_to_company"
    assert "company_need_fits" in item["reasons"]

    hired = client.post(f"/api/v1/pathways/{lina}/steps", headers=as_("referent"), json={
        "step": "hired", "occurred_on": "2026-06-29", "contract_type": "cdi", "weekly_hours": 35,
        "employer": {"name": "Boulangerie des Résidences", "siret": "73282932000074"}})
    assert hired.status_code == 201, hired.get_json()
    closed = client.post(f"/api/v1/companies/{bakery}/need-outcomes", headers=as_("cre"), json={
        "occurred_on": "2026-06-30", "need_id": "vendeurs", "outcome": "partly_filled",
        "positions_filled": 1, "hired_pathway_ids": [lina]})
    assert closed.status_code == 201, closed.get_json()
    fiche = client.get(f"/api/v1/companies/{bakery}", headers=as_("copilot")).get_json()
    assert [(p["kind"], p["label"]) for p in fiche["placements"]] == [("hire", "Lina B.")]
    figures = client.get("/api/v1/statistics/companies?from=2026-06-01", headers=as_("copilot")).get_json()
    assert figures["needs"]["closed"]["partly_filled"] == 1
    assert figures["needs"]["median_days_to_fill"] == 28
    assert [e["name"] for e in figures["employers"]] == ["Boulangerie des Résidences"]



@pytest.mark.parametrize(("path", "body", "field"), [
    ("needs", {"company_id": "{bakery}", "need_id": "inconnu"}, "need_id"),
    ("needs", {"company_id": "6b1f6c1e-0000-4000-8000-000000000000", "need_id": "vendeurs"}, "company_id"),
    ("decisions", {"pathway_id": "{lina}", "decision": "propose_to_company"}, "proposal"),
    ("decisions", {"pathway_id": "{lina}", "decision": "continue",
                   "proposal": {"company_id": "{bakery}", "need_id": "vendeurs"}}, "proposal"),
    ("decisions", {"pathway_id": "{lina}", "decision": "propose_to_company",
                   "proposal": {"company_id": "{bakery}", "need_id": "vendeurs"}}, "proposal"),
])
def test_what_a_committee_cannot_do_with_a_need(client, as_, june, path, body, field, system):
    from .conftest import counts

    text = str(body).replace("{bakery}", june["bakery"]).replace("{lina}", june["lina"])
    before = counts(system)
    answer = client.post(f"/api/v1/committees/{june['session']}/{path}", headers=as_("copilot"),
                         json=eval(text))  # noqa: S307 - the test's own literal
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["errors"], answer.get_json()
    assert counts(system) == before


def test_a_need_offered_to_another_group_stays_off_the_agenda(client, as_, june):
    familles = {**NEED, "need_id": "accueil", "group_ids": ["g-familles"]}
    client.post(f"/api/v1/companies/{june['bakery']}/needs", json=familles, headers=as_("cre"))
    refused = client.post(f"/api/v1/committees/{june['session']}/needs", headers=as_("copilot"),
                          json={"company_id": june["bakery"], "need_id": "accueil"})
    assert refused.status_code == 422 and "need_id" in refused.get_json()["errors"]
    twice = [client.post(f"/api/v1/committees/{june['session']}/needs", headers=as_("copilot"),
                         json={"company_id": june["bakery"], "need_id": "vendeurs"}) for _ in range(2)]
    assert [t.status_code for t in twice] == [201, 422]


def test_a_refused_need_does_not_name_the_company(client, as_, june):
    """A company id may be another territory's: the refusal says the need is not open,
    without the company's name."""
    refused = client.post(f"/api/v1/committees/{june['session']}/needs", headers=as_("copilot"),
                          json={"company_id": june["bakery"], "need_id": "boulangers"})
    assert refused.status_code == 422 and "need_id" in refused.get_json()["errors"]
    assert "Boulangerie" not in refused.get_data(as_text=True)


def test_the_audit_log_shows_a_need_put_on_the_agenda(client, as_, june):
    added = client.post(f"/api/v1/committees/{june['session']}/needs", headers=as_("copilot"),
                        json={"company_id": june["bakery"], "need_id": "vendeurs"})
    assert added.status_code == 201
    log = client.get("/api/v1/audit/events?limit=500", headers=as_("auditor"))
    assert log.status_code == 200, log.get_json()
    needs = [e for e in log.get_json()["items"] if e["step"] == "committee_need_added"]
    assert [e["data"] for e in needs] == [{"company_id": june["bakery"], "need_id": "vendeurs"}]
