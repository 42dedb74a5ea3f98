"""The company's history points at a person's pathway only for whom may see it: when the
chargée de relation entreprises corrects which young person a sponsor (tutor) was named for,
the correction's changes name that pathway, and the chargée herself, or a referent of another
group, reads it as she reads the sponsor's own event: without the pathway's id."""

import pytest

from .conftest import IDENTIFY
from .test_companies import BAKERY


@pytest.fixture
def bakery(client, as_):
    answer = client.post("/api/v1/companies", json=BAKERY, headers=as_("cre"))
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["id"]


def test_a_corrected_sponsor_names_the_pathway_only_to_the_readers_who_see_it(
        client, as_, bakery, identified):
    other = client.post("/api/v1/pathways", headers=as_("referent"), json={
        **IDENTIFY, "person": {**IDENTIFY["person"], "first_name": "Lina"}}).get_json()["id"]
    url = f"/api/v1/companies/{bakery}"
    named = client.post(f"{url}/sponsors", headers=as_("cre"), json={
        "occurred_on": "2026-06-21", "pathway_id": identified, "role": "tutor"})
    assert named.status_code == 201, named.get_json()
    corrected = client.post(f"{url}/corrections", headers=as_("cre"), json={
        "occurred_on": "2026-06-22", "corrects_version": 2, "changes": {"pathway_id": other},
        "reason": "erreur de personne"})
    assert corrected.status_code == 201, corrected.get_json()

    for reader in ("cre", "referent_familles"):
        history = client.get(f"{url}/history", headers=as_(reader))
        assert history.status_code == 200
        assert identified not in history.get_data(as_text=True), reader
        assert other not in history.get_data(as_text=True), reader
        correction = history.get_json()["items"][-1]
        assert correction["event"] == "corrected"
        assert correction["data"]["changes"]["pathway_id"] is None
        assert correction["data"]["reason"] == "erreur de personne"

    # the group's referent and co-pilot follow the correction to the pathway
    for reader in ("referent", "copilot"):
        correction = client.get(f"{url}/history", headers=as_(reader)).get_json()["items"][-1]
        assert correction["data"]["changes"]["pathway_id"] == other
