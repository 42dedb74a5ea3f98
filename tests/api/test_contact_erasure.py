"""The bakery's manager leaves and asks that her details be deleted: the chargée de relation
entreprises erases her identity. The company's history keeps that a contact was named; the
list shows when she was erased; nobody else may erase her, nor a contact of another company."""

from sqlalchemy import select

from casecommittee.stores.access_log import access_log

from .test_companies import BAKERY, GARAGE


def _named(client, as_, company: str, first_name: str):
    answer = client.post(f"/api/v1/companies/{company}/contacts", headers=as_("cre"), json={
        "occurred_on": "2026-02-06", "first_name": first_name, "last_name": "Marchal",
        "phone": "03 84 21 22 23"})
    assert answer.status_code == 201, answer.get_json()
    return answer


def test_a_contact_is_erased_at_her_request(client, as_, system):
    bakery = client.post("/api/v1/companies", json=BAKERY, headers=as_("cre")).get_json()["id"]
    garage = client.post("/api/v1/companies", json=GARAGE, headers=as_("cre")).get_json()["id"]
    _named(client, as_, bakery, "Sophie")
    _named(client, as_, bakery, "Lucie")
    _named(client, as_, garage, "Agnès")
    url = f"/api/v1/companies/{bakery}/contacts"
    sophie, lucie = client.get(url, headers=as_("cre")).get_json()["items"]
    garage_contact = client.get(f"/api/v1/companies/{garage}/contacts",
                                headers=as_("cre")).get_json()["items"][0]

    # nobody but a chargée of the territory, and only a contact of that company
    reason = {"reason": "la gérante a quitté l'entreprise et demande l'effacement"}
    assert client.delete(f"{url}/{sophie['contact_id']}", headers=as_("copilot"),
                         json=reason).status_code == 403
    assert client.delete(f"{url}/{sophie['contact_id']}", headers=as_("cre_brest"),
                         json=reason).status_code == 404
    assert client.delete(f"{url}/{garage_contact['contact_id']}", headers=as_("cre"),
                         json=reason).status_code == 404
    without_reason = client.delete(f"{url}/{sophie['contact_id']}", headers=as_("cre"), json={})
    assert without_reason.status_code == 422
    assert "reason" in without_reason.get_json()["errors"]
    assert system.personal_data.get(sophie["contact_id"])["first_name"] == "Sophie"

    erased = client.delete(f"{url}/{sophie['contact_id']}", headers=as_("cre"), json=reason)
    assert erased.status_code == 200, erased.get_json()
    first, second = erased.get_json()["items"]
    assert "first_name" not in first and first["erased_at"] is not None
    assert second["first_name"] == "Lucie" and second.get("erased_at") is None
    assert system.personal_data.tombstone(sophie["contact_id"])["reason"] == reason["reason"]
    again = client.delete(f"{url}/{sophie['contact_id']}", headers=as_("cre"), json=reason)
    assert again.status_code == 200  # idempotent
    assert client.get(f"/api/v1/companies/{garage}/contacts",
                      headers=as_("cre")).get_json()["items"][0]["first_name"] == "Agnès"

    history = client.get(f"/api/v1/companies/{bakery}/history", headers=as_("copilot")).get_json()
    assert [i["event"] for i in history["items"]].count("contact_named") == 2
    with system.engine.connect() as conn:
        actions = conn.execute(select(access_log.c.user_id, access_log.c.pathway_id,
                                      access_log.c.action)).all()
    assert ("cre", sophie["contact_id"], "erase_contact") in actions


def test_the_contacts_an_erasure_answers_are_a_logged_reading(client, as_, system):
    """The erasure's answer lists the company's other contacts with their identity: that
    reading is in the access log, as the list's is."""
    bakery = client.post("/api/v1/companies", json=BAKERY, headers=as_("cre")).get_json()["id"]
    _named(client, as_, bakery, "Sophie")
    _named(client, as_, bakery, "Lucie")
    url = f"/api/v1/companies/{bakery}/contacts"
    sophie_id = client.get(url, headers=as_("cre")).get_json()["items"][0]["contact_id"]

    def readings() -> int:
        with system.engine.connect() as conn:
            return len(conn.execute(select(access_log.c.id).where(
                access_log.c.user_id == "cre", access_log.c.pathway_id == bakery,
                access_log.c.action == "read_contacts")).all())

    assert readings() == 1  # the list read
    erased = client.delete(f"{url}/{sophie_id}", headers=as_("cre"),
                           json={"reason": "départ de l'entreprise"})
    assert erased.status_code == 200, erased.get_json()
    assert [item.get("first_name") for item in erased.get_json()["items"]] == [None, "Lucie"]
    assert readings() == 2
