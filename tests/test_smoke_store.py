"""A referent identifies someone and the pathway reloads from the embedded store."""

from datetime import date


def test_identified_person_reloads_from_the_store(system):
    actor = {"user_id": "ref-1", "role": "referent", "structure_id": None}
    pathway = system.app.identify(
        actor=actor, occurred_on=date(2026, 6, 1),
        person={"first_name": "Inès", "last_name": "Benali", "birth_date": "2007-04-02"},
        group_id="g-jeunes", channel="aller_vers",
        profile={"sex": "F", "birth_year": 2007, "flags": []},
        consent={"committee_sharing": True, "given_on": date(2026, 6, 1)},
    )
    reloaded = system.app.get_pathway(pathway.id)
    assert reloaded.state.stage == "identified"
    assert system.personal_data.get(pathway.id)["first_name"] == "Inès"
