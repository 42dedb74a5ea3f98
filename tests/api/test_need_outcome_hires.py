"""The bakery of the Résidences needed two sales assistants. The referent of "jeunes" proposed
Lina, Yanis and Inès to it; the bakery hired Lina and Inès. The chargée de relation entreprises,
who never sees who they are, lists the people proposed by pseudonym and closes the need naming
the two hired; the co-pilot of the group sees their names. A pathway that does not exist is
refused field by field, and nothing is written."""

import pytest

from .conftest import IDENTIFY, personal_data_queries

BAKERY = {"siret": "73282932000074", "name": "Boulangerie des Résidences", "size_band": "micro",
          "qpv_location": "in_qpv", "registered_on": "2026-01-05"}
NEED = {"occurred_on": "2026-06-02", "need_id": "vendeurs", "job_title": "vendeur·se",
        "contract_type": "cdi", "positions": 2, "starts_on": "2026-07-01", "group_ids": ["g-jeunes"]}
EMPLOYER = {"name": "Boulangerie des Résidences", "siret": "73282932000074"}


def _proposed(client, as_, bakery, first_name, last_name, hired_on=None):
    body = {**IDENTIFY, "person": {**IDENTIFY["person"], "first_name": first_name,
                                   "last_name": last_name}}
    pid = client.post("/api/v1/pathways", json=body, headers=as_("referent")).get_json()["id"]
    steps = [{"step": "referent_assigned", "occurred_on": "2026-06-02", "referent_id": "referent"},
             {"step": "proposed_to_company", "occurred_on": "2026-06-10", "company_id": bakery,
              "need_id": "vendeurs"}]
    if hired_on:
        steps.append({"step": "hired", "occurred_on": hired_on, "contract_type": "cdi",
                      "weekly_hours": 35, "employer": EMPLOYER})
    for step in steps:
        logged = client.post(f"/api/v1/pathways/{pid}/steps", json=step, headers=as_("referent"))
        assert logged.status_code == 201, logged.get_json()
    return pid


@pytest.fixture
def bakery_hired(client, as_):
    """The bakery, its need, and the three people proposed to it (Lina and Inès hired)."""
    bakery = client.post("/api/v1/companies", json=BAKERY, headers=as_("cre")).get_json()["id"]
    assert client.post(f"/api/v1/companies/{bakery}/needs", json=NEED,
                       headers=as_("cre")).status_code == 201
    return {"bakery": bakery,
            "lina": _proposed(client, as_, bakery, "Lina", "Haddad", hired_on="2026-06-20"),
            "yanis": _proposed(client, as_, bakery, "Yanis", "Moreau"),
            "ines": _proposed(client, as_, bakery, "Inès", "Benali", hired_on="2026-06-22")}


def test_the_chargee_closes_the_need_naming_two_of_the_three_proposed(client, as_, bakery_hired, app):
    bakery, lina, ines = bakery_hired["bakery"], bakery_hired["lina"], bakery_hired["ines"]
    url = f"/api/v1/companies/{bakery}"
    answer = client.get(f"{url}/needs/vendeurs/proposals", headers=as_("cre"))
    assert answer.status_code == 200, answer.get_json()
    listed = answer.get_json()
    text = str(listed)
    assert "Lina" not in text and "Haddad" not in text and "2007-04-02" not in text
    assert all(item["pathway_id"] is None and item["label"] == item["pseudonym"]
               and item["pseudonym"].startswith("ps-") for item in listed["items"])
    pseudonyms = app.extensions["casecommittee"].pseudonyms
    by_pathway = {str(pseudonyms.pathway_id(i["pseudonym"])): i for i in listed["items"]}
    assert set(by_pathway) == {lina, bakery_hired["yanis"], ines}
    assert {pid: (i["group_id"], i["proposed_on"], i["hired"]) for pid, i in by_pathway.items()} == {
        lina: ("g-jeunes", "2026-06-10", True), bakery_hired["yanis"]: ("g-jeunes", "2026-06-10", False),
        ines: ("g-jeunes", "2026-06-10", True)}

    copilot_view = client.get(f"{url}/needs/vendeurs/proposals", headers=as_("copilot")).get_json()
    assert {i["label"] for i in copilot_view["items"]} == {"Lina H.", "Yanis M.", "Inès B."}
    assert {i["pathway_id"] for i in copilot_view["items"]} == set(by_pathway)

    hired = [by_pathway[lina]["pseudonym"], by_pathway[ines]["pseudonym"]]
    closed = client.post(f"{url}/need-outcomes", headers=as_("cre"), json={
        "occurred_on": "2026-06-25", "need_id": "vendeurs", "outcome": "filled",
        "positions_filled": 2, "hired_pathway_ids": hired})
    assert closed.status_code == 201, closed.get_json()
    need = app.extensions["casecommittee"].system.app.get_company(bakery).state.needs["vendeurs"]
    assert need["hired_pathway_ids"] == [lina, ines]  # the events hold the pathways' ids
    history = client.get(f"{url}/history", headers=as_("cre")).get_json()["items"]
    assert history[-1]["data"]["hired_pathway_ids"] == hired  # shown to her by pseudonym
    copilot_history = client.get(f"{url}/history", headers=as_("copilot")).get_json()["items"]
    assert copilot_history[-1]["data"]["hired_pathway_ids"] == [lina, ines]


@pytest.mark.parametrize("wrong", ["6b1f6c1e-0000-4000-8000-000000000000", "ps-aaaaaaaaaaaaaaaaaaaaaaaaaa",
                                   "not-a-pathway"])
def test_a_pathway_that_does_not_exist_is_refused_and_nothing_is_written(client, as_, bakery_hired,
                                                                         app, wrong):
    bakery = bakery_hired["bakery"]
    version = app.extensions["casecommittee"].system.app.get_company(bakery).version
    refused = client.post(f"/api/v1/companies/{bakery}/need-outcomes", headers=as_("cre"), json={
        "occurred_on": "2026-06-25", "need_id": "vendeurs", "outcome": "filled",
        "positions_filled": 2, "hired_pathway_ids": [bakery_hired["lina"], wrong]})
    assert refused.status_code == 422
    assert refused.content_type == "application/problem+json"
    assert list(refused.get_json()["errors"]) == ["hired_pathway_ids.1"]
    assert app.extensions["casecommittee"].system.app.get_company(bakery).version == version


def test_a_sponsor_is_named_for_a_pathway_by_its_pseudonym_or_refused(client, as_, bakery_hired, app):
    bakery, lina = bakery_hired["bakery"], bakery_hired["lina"]
    pseudonym = app.extensions["casecommittee"].pseudonyms.of(lina)
    named = client.post(f"/api/v1/companies/{bakery}/sponsors", headers=as_("cre"), json={
        "occurred_on": "2026-06-21", "pathway_id": pseudonym, "role": "tutor"})
    assert named.status_code == 201, named.get_json()
    state = app.extensions["casecommittee"].system.app.get_company(bakery).state
    assert state.sponsors[-1]["pathway_id"] == lina
    refused = client.post(f"/api/v1/companies/{bakery}/sponsors", headers=as_("cre"), json={
        "occurred_on": "2026-06-21", "pathway_id": "6b1f6c1e-0000-4000-8000-000000000000",
        "role": "tutor"})
    assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["pathway_id"]


def test_the_copilots_lists_of_the_bakerys_people_read_their_names_together(
        client, as_, bakery_hired, system):
    """The co-pilot lists the people proposed to the bakery, its page (whom it hired) and the
    need's shortlist (Yanis alone: the others were hired): each list reads the names of all
    its people in one query, not one each, and logs one reading per person named."""
    from sqlalchemy import func, select

    from casecommittee.stores.access_log import access_log

    def readings(action):
        with system.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(access_log)
                                .where(access_log.c.action == action)).scalar()

    url = f"/api/v1/companies/{bakery_hired['bakery']}"
    with personal_data_queries(system) as statements:
        proposed = client.get(f"{url}/needs/vendeurs/proposals", headers=as_("copilot"))
    assert proposed.status_code == 200 and len(statements) == 1, statements
    assert sorted(i["label"] for i in proposed.get_json()["items"]) == ["Inès B.", "Lina H.", "Yanis M."]
    assert readings("read_person_company") == 3
    with personal_data_queries(system) as statements:
        page = client.get(url, headers=as_("copilot"))
    assert page.status_code == 200 and len(statements) == 1, statements
    assert sorted(p["label"] for p in page.get_json()["placements"]) == ["Inès B.", "Lina H."]
    assert readings("read_person_company") == 3 + 2
    with personal_data_queries(system) as statements:
        shortlisted = client.get(f"{url}/needs/vendeurs/shortlist", headers=as_("copilot"))
    assert shortlisted.status_code == 200 and len(statements) == 1, statements
    assert [i["label"] for i in shortlisted.get_json()["items"]] == ["Yanis M."]  # not yet hired
    assert readings("read_person_shortlist") == 1


def test_who_lists_the_people_proposed(client, as_, bakery_hired):
    url = f"/api/v1/companies/{bakery_hired['bakery']}/needs"
    assert client.get(f"{url}/vendeurs/proposals", headers=as_("referent")).status_code == 403
    assert client.get(f"{url}/vendeurs/proposals", headers=as_("auditor")).status_code == 403
    assert client.get(f"{url}/boulangers/proposals", headers=as_("cre")).status_code == 404


def test_the_replay_rebuilds_the_proposals(client, as_, bakery_hired):
    check = client.get("/api/v1/audit/replay-check", headers=as_("auditor")).get_json()
    assert check["ok"] is True and check["tables"]["need_proposals"] == 3
