"""The blind index: a person already known is found whatever the accents, case and hyphens a
partner typed, without reading any identity; erasing the person removes their entry."""

from datetime import date, timedelta

from sqlalchemy import func, select

from casecommittee.jobs import retention_deadlines
from casecommittee.stores.identity_index import identity_index, normalised_name

ACTOR = {"user_id": "referent", "role": "referent", "structure_id": "s-ml"}
PROFILE = {"sex": "F", "birth_year": 2007}


def _identify(system, person: dict):
    return system.app.identify(
        actor=ACTOR, occurred_on=date(2026, 6, 1), person=person, group_id="g-jeunes",
        channel="aller_vers", profile=PROFILE, consent={"committee_sharing": True},
    )


def _entries(system) -> int:
    with system.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(identity_index)).scalar()


def test_names_are_compared_without_accents_case_or_hyphens():
    assert normalised_name("  Jean-Éric ") == "jean eric"
    assert normalised_name("N'DIAYE") == normalised_name("n diaye")
    assert normalised_name("Benali") != normalised_name("Benalli")


def test_a_person_typed_differently_by_two_partners_is_found(system):
    known = _identify(system, {"first_name": "Inès", "last_name": "Benali-Haddad",
                               "birth_date": "2007-04-02"})
    index = system.personal_data.index
    same = {"first_name": "INES", "last_name": "benali haddad", "birth_date": "2007-04-02"}
    assert index.find(system.engine, same) == [str(known.id)]
    other_day = {**same, "birth_date": "2007-04-03"}
    assert index.find(system.engine, other_day) == []


def test_the_index_holds_no_readable_name(system):
    _identify(system, {"first_name": "Inès", "last_name": "Benali", "birth_date": "2007-04-02"})
    with system.engine.connect() as conn:
        rows = conn.execute(select(identity_index)).all()
    assert len(rows) == 1
    assert "benali" not in rows[0].digest.lower() and len(rows[0].digest) == 64


def test_erasure_removes_the_entry(system):
    known = _identify(system, {"first_name": "Inès", "last_name": "Benali",
                               "birth_date": "2007-04-02"})
    person = {"first_name": "Ines", "last_name": "BENALI", "birth_date": "2007-04-02"}
    assert system.personal_data.index.find(system.engine, person) == [str(known.id)]
    system.personal_data.erase(known.id, "demande de la personne")
    assert system.personal_data.index.find(system.engine, person) == []
    assert _entries(system) == 0


def test_the_retention_job_removes_the_entries_of_what_it_erases(system):
    _identify(system, {"first_name": "Inès", "last_name": "Benali", "birth_date": "2007-04-02"})
    assert _entries(system) == 1
    later = date(2026, 6, 1) + timedelta(days=system.settings.retention_days + 1)
    retention_deadlines(system, later)
    assert _entries(system) == 0


def test_a_discarded_identity_leaves_no_entry(system):
    known = _identify(system, {"first_name": "Inès", "last_name": "Benali",
                               "birth_date": "2007-04-02"})
    system.personal_data.discard(known.id)
    assert _entries(system) == 0
