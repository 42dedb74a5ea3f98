"""Retention: two years after the last step, the identity is erased; the referent is warned first."""

from datetime import date, timedelta

import pytest
from committee_people import identify, log

from casecommittee.jobs import run_once
from casecommittee.queries.notifications import for_user
from casecommittee.stores.personal_data import PersonalDataErased, PersonalDataMissing


def test_identities_are_erased_two_years_after_the_last_step(system, cite, clock):
    group, referent = cite["group"]["id"], cite["referent"]
    clock.current = date(2024, 3, 1)
    old = identify(system, referent, group, date(2024, 2, 1))
    log(system, referent, old, "referent_assigned", date(2024, 2, 2), referent_id=referent["id"])
    log(system, referent, old, "exited", date(2024, 3, 1), outcome="moved_away")
    clock.current = date(2026, 1, 10)
    recent = identify(system, referent, group, date(2026, 1, 5))

    clock.current = date(2026, 2, 10)  # 30 days or less before 1 March 2026: a warning
    assert run_once(system, "retention_deadlines", clock.today()) == "1 action(s)"
    [warning] = for_user(system.engine, referent["id"])
    assert warning["kind"] == "retention_deadline" and "01/03/2026" in warning["body"]
    assert system.personal_data.get(old)["last_name"] == "Haddad"

    clock.current = date(2026, 3, 1)
    assert run_once(system, "retention_deadlines", clock.today()) == "1 action(s)"
    with pytest.raises(PersonalDataErased):
        system.personal_data.get(old)
    assert system.personal_data.tombstone(old)["erased_by"] == "retention_deadlines"
    assert system.app.get_pathway(old).state.exit["outcome"] == "moved_away"  # history stays
    assert system.personal_data.get(recent)["first_name"] == "Yanis"
    assert run_once(system, "retention_deadlines", clock.today() + timedelta(days=1)) == "0 action(s)"


def test_an_identity_left_by_a_crash_during_identification_is_discarded(system, cite, clock):
    """The person was written to the personal-data store, the process died before the event."""
    import uuid

    clock.current = date(2026, 3, 1)
    orphan = uuid.uuid4()
    system.personal_data.put(orphan, {"first_name": "Léa", "last_name": "Petit"})
    assert run_once(system, "retention_deadlines", date(2026, 3, 1)) == "0 action(s)"  # too recent
    clock.current = date(2026, 3, 3)
    assert run_once(system, "retention_deadlines", date(2026, 3, 3)) == "1 action(s)"
    with pytest.raises(PersonalDataMissing):
        system.personal_data.get(orphan)
