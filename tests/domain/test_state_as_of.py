"""L'état d'un parcours à une date : what a steering committee sees "as of" a past business date."""

from datetime import date

import pytest


@pytest.fixture
def parcours(identify, log, pmsmp, apprenticeship):
    """Identified 5 Jan, oriented 20 Jan, PMSMP 2–13 Feb, hired 2 Mar, trial period broken 20 Mar,
    oriented again 2 Apr (each logged a few days late, all before 30 June 2026)."""
    pathway = identify(date(2026, 1, 5))
    log(pathway.id, "oriented", date(2026, 1, 20), scheme="E2C")
    log(pathway.id, "immersion_started", date(2026, 2, 2), **pmsmp(date(2026, 2, 13)))
    log(pathway.id, "immersion_ended", date(2026, 2, 13), status="completed", led_to_hire=True)
    log(pathway.id, "hired", date(2026, 3, 2), **apprenticeship())
    log(pathway.id, "rupture", date(2026, 3, 20), scope="job", kind="trial_period",
        initiated_by="employer")
    log(pathway.id, "oriented", date(2026, 4, 2), scheme="Formation qualifiante")
    return pathway.id


@pytest.mark.parametrize(
    ("as_of", "stage"),
    [
        (date(2026, 1, 4), None),
        (date(2026, 1, 5), "identified"),
        (date(2026, 1, 31), "oriented"),
        (date(2026, 2, 10), "in_immersion"),
        (date(2026, 2, 20), "oriented"),
        (date(2026, 3, 2), "employed"),
        (date(2026, 3, 25), "interrupted"),
        (date(2026, 6, 30), "oriented"),
    ],
)
def test_l_etape_d_un_parcours_a_une_date_passee(system, parcours, as_of, stage):
    state = system.app.state_as_of(parcours, as_of)
    assert state.stage == stage
    known = [s.occurred_on for s in system.app.history(parcours) if s.occurred_on <= as_of]
    assert state.last_event_on == (max(known) if known else None)


def test_l_etat_a_une_date_garde_les_jalons_atteints_a_cette_date(system, parcours):
    pathway = system.app.get_pathway(parcours)
    in_march = pathway.state_as_of(date(2026, 3, 10))
    assert in_march.stage == "employed"
    assert in_march.follow_up["hired_on"] == date(2026, 3, 2)
    assert in_march.ruptures == []
    assert in_march.orientation["scheme"] == "E2C"
    assert in_march.version == 5
    assert pathway.state_as_of(date(2026, 6, 30)) == pathway.state


def test_l_etat_a_une_date_applique_les_corrections(system, parcours, log):
    """The hire was really on 16 March: as of 10 March the person was not yet employed."""
    log(parcours, "corrected", date(2026, 5, 4), corrects_version=5,
        changes={"occurred_on": date(2026, 3, 16)}, reason="date du contrat vérifiée")
    assert system.app.state_as_of(parcours, date(2026, 3, 10)).stage == "oriented"
    assert system.app.state_as_of(parcours, date(2026, 3, 16)).stage == "employed"
    assert system.app.get_pathway(parcours).state.first_hired_on == date(2026, 3, 16)
