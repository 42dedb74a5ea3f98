"""Les données personnelles : the identity lives encrypted in the personal-data store, never in
the events; erasing it (droit à l'effacement, durée de conservation) keeps the history replayable."""

from datetime import date

import pytest
from sqlalchemy import MetaData, select

from casecommittee.stores.personal_data import PersonalDataErased, PersonalDataMissing


def _decoded_event_states(app, pathway_id) -> list[dict]:
    states = []
    for stored in app.recorder.select_events(pathway_id):
        data = stored.state
        if app.mapper.cipher:
            data = app.mapper.cipher.decrypt(data)
        if app.mapper.compressor:
            data = app.mapper.compressor.decompress(data)
        states.append(app.mapper.transcoder.decode(data))
    return states


def _raw_store_bytes(system) -> bytes:
    """Everything the store holds: the SQLite files, or every value of every PostgreSQL table
    (byte strings as they are, the rest as text)."""
    if system.settings.store_kind == "sqlite":
        return b"".join(p.read_bytes() for p in sorted(system.settings.data_dir.glob("*.sqlite*")))
    every_table = MetaData()
    every_table.reflect(system.engine)
    with system.engine.connect() as conn:
        return b"".join(value if isinstance(value, bytes) else str(value).encode()
                        for table in every_table.sorted_tables
                        for row in conn.execute(select(table)) for value in row)


def test_l_identite_ne_va_jamais_dans_les_evenements(system, identify, log, person):
    pathway = identify(date(2026, 5, 4))
    log(pathway.id, "oriented", date(2026, 5, 20), scheme="E2C")
    system.app.close()  # flush the SQLite files to disk

    last_name = person["last_name"]
    raw = _raw_store_bytes(system)
    assert raw, "the store holds something"
    for needle in (last_name, person["phone"], person["birth_date"]):
        assert needle.encode() not in raw
        assert needle.encode("utf-16-le") not in raw

    from casecommittee.application import CaseCommittee

    app = CaseCommittee(env=system.settings.event_store_env(), clock=system.clock)
    try:
        states = _decoded_event_states(app, pathway.id)
        assert len(states) == 2
        text = repr(states)
        for needle in (last_name, person["first_name"], person["phone"], person["birth_date"]):
            assert needle not in text
        # What the events do carry: pseudonymous, statistical attributes only.
        assert states[0]["profile"]["birth_year"] == 2006
    finally:
        app.close()

    assert system.personal_data.get(pathway.id) == person


def test_l_effacement_detruit_l_identite_mais_pas_l_historique(system, identify, log):
    pathway = identify(date(2026, 5, 4))
    log(pathway.id, "oriented", date(2026, 5, 20), scheme="E2C")
    log(pathway.id, "rupture", date(2026, 6, 15), scope="pathway", kind="lost_contact",
        initiated_by="beneficiary", reason="ne répond plus")
    before = system.app.get_pathway(pathway.id)

    assert system.personal_data.erase(pathway.id, "demande d'effacement (RGPD art. 17)",
                                      erased_by="admin-belfort") is True
    with pytest.raises(PersonalDataErased):
        system.personal_data.get(pathway.id)
    tombstone = system.personal_data.tombstone(pathway.id)
    assert tombstone["reason"] == "demande d'effacement (RGPD art. 17)"
    assert tombstone["erased_by"] == "admin-belfort"
    assert system.personal_data.erase(pathway.id, "encore") is False

    # The ciphertext and the person's key are gone from the store.
    from sqlalchemy import select

    from casecommittee.stores.personal_data import personal_data_table

    with system.engine.connect() as conn:
        row = conn.execute(select(personal_data_table).where(
            personal_data_table.c.pathway_id == str(pathway.id))).one()
    assert row.ciphertext is None and row.wrapped_key is None

    # The history still replays, and the pathway goes on.
    after = system.app.get_pathway(pathway.id)
    assert after.state == before.state and after.steps == before.steps
    assert after.state.stage == "interrupted"
    assert log(pathway.id, "exited", date(2026, 6, 29), outcome="lost_contact").state.stage == "exited"


def test_un_parcours_sans_identite_n_a_pas_de_donnees_personnelles(system, identify):
    pathway = identify(date(2026, 5, 4), person={})
    assert system.personal_data.get(pathway.id) == {}
    other = system.app.identify(
        actor={"user_id": "habitant", "role": "referent", "structure_id": None},
        occurred_on=date(2026, 5, 4), group_id="groupe-diplomes", channel="resident",
        profile={"sex": "F", "birth_year": 1998}, consent={"committee_sharing": False},
    )
    with pytest.raises(PersonalDataMissing):
        system.personal_data.get(other.id)


def test_la_cle_de_la_personne_survit_a_la_modification_de_son_identite(system, identify, log):
    """A note sealed with Inès's key still opens after her phone number changes (the store
    re-encrypts her identity under the same key), and no longer after her erasure."""
    from casecommittee.stores.sealed_texts import ERASED_TEXT, TextReader

    pathway = identify(date(2026, 5, 4))
    log(pathway.id, "committee_referral", date(2026, 5, 6), reason="Inès : logement à revoir")
    sealed = system.app.history(pathway.id)[-1].data["reason"]
    assert "logement" not in sealed
    key = system.personal_data.text_key(pathway.id)

    person = system.personal_data.get(pathway.id)
    system.personal_data.put(pathway.id, {**person, "phone": "0699999999"})
    assert system.personal_data.text_key(pathway.id) == key
    assert TextReader(system.personal_data).open(pathway.id, sealed) == "Inès : logement à revoir"

    system.personal_data.erase(pathway.id, "demande de la personne")
    assert system.personal_data.text_key(pathway.id) is None
    assert TextReader(system.personal_data).open(pathway.id, sealed) == ERASED_TEXT


def test_un_parcours_sans_identite_recoit_une_cle_pour_ses_textes(system):
    """A pathway identified without a person (an import, the habitant's own step) still seals
    its texts: a key of its own is made, and the pathway still has no personal data."""
    from casecommittee.stores.sealed_texts import TextReader

    other = system.app.identify(
        actor={"user_id": "habitant", "role": "referent", "structure_id": None},
        occurred_on=date(2026, 5, 4), group_id="groupe-diplomes", channel="resident",
        profile={"sex": "F", "birth_year": 1998}, consent={"committee_sharing": False},
    )
    system.app.log_step(other.id, "committee_referral", actor={"user_id": "u", "role": "referent"},
                        occurred_on=date(2026, 5, 6), reason="à voir en comité")
    sealed = system.app.history(other.id)[-1].data["reason"]
    assert sealed.startswith("sealed:1:")
    assert TextReader(system.personal_data).open(other.id, sealed) == "à voir en comité"
    with pytest.raises(PersonalDataMissing):
        system.personal_data.get(other.id)
    assert str(other.id) not in system.personal_data.unindexed()
