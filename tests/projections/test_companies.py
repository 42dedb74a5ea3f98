"""The company directory and its needs, as the projections keep them.

A chargée de relation entreprises registers two employers, posts needs, closes one, corrects a
registration: the directory rows follow at once (inline projection), a rebuild in two processes
gives back the same rows, and the replay check finds nothing to say.
"""

from datetime import date

import pytest
from sqlalchemy import select

from casecommittee.application import CompanyAlreadyRegistered
from casecommittee.projections.companies import companies, company_needs
from casecommittee.projections.replay_check import replay_check

CHARGEE = {"user_id": "cre-01", "role": "business_relations"}
BOULANGERIE = {"territory_id": "belfort", "siret": "73282932000074", "name": "Boulangerie des Résidences", "naf_code": "10.71C",
               "size_band": "micro", "town": "Belfort", "qpv_location": "in_qpv"}
GARAGE = {"territory_id": "belfort", "siret": "55210055400013", "name": "Garage du Mont", "size_band": "small",
          "qpv_location": "near_qpv"}


def _rows(system, table) -> list[dict]:
    with system.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(table).order_by(*table.primary_key))]


def _a_year_with_two_employers(system):
    app = system.app
    bakery = app.register_company(actor=CHARGEE, occurred_on=date(2026, 1, 5), **BOULANGERIE)
    garage = app.register_company(actor=CHARGEE, occurred_on=date(2026, 2, 1), **GARAGE)
    app.record_company_event(bakery.id, "need_posted", actor=CHARGEE, occurred_on=date(2026, 2, 1),
                             need_id="vendeurs", job_title="vendeur·se", contract_type="cdi",
                             positions=2, starts_on=date(2026, 3, 1), group_ids=["g1"])
    app.record_company_event(garage.id, "need_posted", actor=CHARGEE, occurred_on=date(2026, 3, 1),
                             need_id="mecano", job_title="mécanicien·ne", contract_type="cdd",
                             contract_months=6, positions=1, starts_on=date(2026, 4, 1),
                             group_ids=["g1", "g2"])
    app.record_company_event(bakery.id, "need_closed", actor=CHARGEE,
                             occurred_on=date(2026, 5, 2), need_id="vendeurs", outcome="filled",
                             positions_filled=2)
    app.record_company_event(garage.id, "hosting_offered", actor=CHARGEE,
                             occurred_on=date(2026, 5, 10), capacity=3, jobs=["mécanique"])
    app.record_company_event(garage.id, "corrected", actor=CHARGEE, occurred_on=date(2026, 6, 1),
                             corrects_version=1, changes={"name": "Garage du Mont SAS"},
                             reason="raison sociale complète")
    return bakery, garage


def test_the_directory_follows_each_event(system):
    bakery, garage = _a_year_with_two_employers(system)
    rows = {r["siret"]: r for r in _rows(system, companies)}
    assert rows["73282932000074"]["open_needs"] == 0
    assert rows["73282932000074"]["last_activity_on"] == date(2026, 5, 2)
    assert rows["55210055400013"]["name"] == "Garage du Mont SAS"
    assert rows["55210055400013"]["name_key"] == "garage du mont sas"
    assert rows["55210055400013"]["hosting_capacity"] == 3
    assert rows["55210055400013"]["open_needs"] == 1
    needs = {r["need_id"]: r for r in _rows(system, company_needs)}
    assert (needs["vendeurs"]["outcome"], needs["vendeurs"]["positions_filled"]) == ("filled", 2)
    assert needs["mecano"]["outcome"] is None and needs["mecano"]["group_ids"] == ["g1", "g2"]


def test_a_siret_is_registered_once(system):
    system.app.register_company(actor=CHARGEE, occurred_on=date(2026, 1, 5), **BOULANGERIE)
    with pytest.raises(CompanyAlreadyRegistered):
        system.app.register_company(actor=CHARGEE, occurred_on=date(2026, 2, 5),
                                    **{**BOULANGERIE, "name": "Autre nom"})
    assert [r["name"] for r in _rows(system, companies)] == ["Boulangerie des Résidences"]


def test_a_rebuild_and_the_replay_check_give_the_same_directory(system):
    _a_year_with_two_employers(system)
    built = (_rows(system, companies), _rows(system, company_needs))

    system.projections.rebuild(partitions=2)

    assert (_rows(system, companies), _rows(system, company_needs)) == built
    assert replay_check(system.app, system.engine)["ok"]
