"""Retention of a company's contact people: their identity is personal data. The nightly job
keeps it while the Cité works with the company, warns the chargée 30 days before the retention
period ends, then erases it two years after the company's last activity; it is never mistaken
for the identity of a pathway lost in a crash."""

import uuid
from datetime import date, timedelta

import pytest

from casecommittee.jobs import run_once
from casecommittee.queries.notifications import for_user
from casecommittee.stores.personal_data import PersonalDataErased

BAKERY = "73282932000074"


@pytest.fixture
def chargee(system):
    system.reference.add_territory("Cité de l'emploi de Belfort", id="t-belfort")
    return system.reference.add_user("Nadia", "business_relations", "t-belfort", [], None, id="cre")


def _actor(user):
    return {"user_id": user["id"], "role": "business_relations", "structure_id": None}


def _bakery_and_its_manager(system, chargee, named_on: date):
    """The bakery, registered on 1 March 2024, and its manager named as contact on `named_on`."""
    bakery = system.app.register_company(
        actor=_actor(chargee), occurred_on=date(2024, 3, 1), territory_id="t-belfort", siret=BAKERY,
        name="Boulangerie des Résidences", size_band="micro", qpv_location="in_qpv")
    contact = uuid.uuid4()
    system.personal_data.put(contact, {"first_name": "Martine", "last_name": "Roux",
                                       "phone": "0384212223"})
    system.app.record_company_event(bakery.id, "contact_named", actor=_actor(chargee),
                                    occurred_on=named_on, contact_id=str(contact))
    return bakery, contact


def test_a_contact_is_erased_two_years_after_the_company_s_last_activity(system, chargee, clock):
    clock.current = date(2024, 3, 4)
    bakery, contact = _bakery_and_its_manager(system, chargee, date(2024, 3, 4))

    # days later, the contact is no pathway's identity, yet no orphan of a crash either
    clock.current = date(2024, 3, 10)
    assert run_once(system, "retention_deadlines", clock.today()) == "0 action(s)"
    assert system.personal_data.get(contact)["last_name"] == "Roux"

    # the company's last activity (the contact named, 4 March 2024) ends the period on 4 March 2026
    clock.current = date(2026, 2, 10)
    assert run_once(system, "retention_deadlines", clock.today()) == "1 action(s)"
    [warning] = for_user(system.engine, chargee["id"])
    assert "Boulangerie des Résidences" in warning["title"] + warning["body"]
    assert "04/03/2026" in warning["body"]
    assert system.personal_data.get(contact)["first_name"] == "Martine"

    clock.current = date(2026, 3, 4)
    assert run_once(system, "retention_deadlines", clock.today()) == "1 action(s)"
    with pytest.raises(PersonalDataErased):
        system.personal_data.get(contact)
    tombstone = system.personal_data.tombstone(contact)
    assert tombstone["erased_by"] == "retention_deadlines" and "04/03/2026" in tombstone["reason"]
    # the company's history stays: a contact was named on that day
    assert system.app.get_company(bakery.id).state.contacts[0]["named_on"] == date(2024, 3, 4)
    assert run_once(system, "retention_deadlines", clock.today() + timedelta(days=1)) == "0 action(s)"


def test_activity_with_the_company_keeps_its_contacts(system, chargee, clock):
    clock.current = date(2024, 3, 1)
    bakery, contact = _bakery_and_its_manager(system, chargee, date(2024, 3, 1))
    clock.current = date(2025, 9, 18)
    system.app.record_company_event(bakery.id, "participated", actor=_actor(chargee),
                                    occurred_on=date(2025, 9, 18), kind="job_dating")

    clock.current = date(2026, 3, 2)  # two years after the contact was named, not after the job dating
    assert run_once(system, "retention_deadlines", clock.today()) == "0 action(s)"
    assert system.personal_data.get(contact)["last_name"] == "Roux"
    assert for_user(system.engine, chargee["id"]) == []
