"""Les corrections : an event is never edited; a `corrected` event names the version it corrects,
the derived state applies it, and the history keeps both."""

from datetime import date, timedelta

import pytest

from casecommittee.domain.errors import FollowUpRuleBroken, InvalidCorrection, PathwayClosed
from opened_texts import opened

REPERE_LE = date(2025, 11, 3)
EMBAUCHE_SAISIE = date(2026, 1, 12)  # the référente typed 12 January; the contract began on the 5th
EMBAUCHE_REELLE = date(2026, 1, 5)
HIRED_VERSION = 3


@pytest.fixture
def employed(identify, log, apprenticeship):
    """Identified, oriented to the CEJ, then hired in apprenticeship (with a mistyped start date)."""
    pathway = identify(REPERE_LE)
    log(pathway.id, "oriented", date(2025, 11, 20), scheme="Contrat d'engagement jeune (CEJ)")
    log(pathway.id, "hired", EMBAUCHE_SAISIE, **apprenticeship())
    log(pathway.id, "follow_up_contact", date(2026, 1, 19), contacted="beneficiary", status="fine")
    return pathway.id


def test_la_correction_de_la_date_d_embauche_s_applique_sans_effacer_l_original(
    system, employed, log, copilot, app_without_snapshots
):
    """The employer's contract shows 5 January: the co-pilote corrects the hire date."""
    pathway = log(employed, "corrected", date(2026, 2, 2), actor=copilot,
                  corrects_version=HIRED_VERSION, changes={"occurred_on": EMBAUCHE_REELLE},
                  reason="date de début du contrat d'apprentissage vérifiée sur le CERFA")
    state = pathway.state
    assert state.job["starts_on"] == EMBAUCHE_REELLE
    assert state.first_hired_on == EMBAUCHE_REELLE
    assert state.follow_up["hired_on"] == EMBAUCHE_REELLE
    assert state.hires[-1]["day_105_on"] == EMBAUCHE_REELLE + timedelta(days=105)
    assert state.stage_since == EMBAUCHE_REELLE
    assert state.version == 5

    # The original event is still there, untouched, followed by the correction.
    history = system.app.history(employed)
    assert [s.code for s in history] == [
        "identified", "oriented", "hired", "follow_up_contact", "corrected"]
    assert history[2].occurred_on == EMBAUCHE_SAISIE
    correction = history[4]
    assert correction.actor == copilot
    # (its reason is sealed with the person's key: as a reader allowed to read it sees it)
    assert opened(system.personal_data, employed, correction.data) == {
        "corrects_version": HIRED_VERSION, "changes": {"occurred_on": EMBAUCHE_REELLE},
        "reason": "date de début du contrat d'apprentissage vérifiée sur le CERFA",
    }

    # The pathway as it stood before the correction still shows the typed date.
    before = system.app.get_pathway(employed, version=4)
    assert before.version == 4
    assert before.state.job["starts_on"] == EMBAUCHE_SAISIE
    assert before.state.hires[-1]["day_105_on"] == EMBAUCHE_SAISIE + timedelta(days=105)

    # Every reader applies the correction the same way.
    assert system.app.get_pathway(employed).state == state
    assert app_without_snapshots.get_pathway(employed).state == state


def test_une_correction_avance_la_validation_du_suivi(system, employed, log, refused, clock):
    """With the corrected hire date, day 105 comes a week earlier: 20 April instead of the 27th."""
    clock.current = date(2026, 4, 21)
    refused(FollowUpRuleBroken, employed, "follow_up_completed", date(2026, 4, 20),
            still_employed=True)
    log(employed, "corrected", date(2026, 4, 21), corrects_version=HIRED_VERSION,
        changes={"occurred_on": EMBAUCHE_REELLE}, reason="date du contrat vérifiée")
    pathway = log(employed, "follow_up_completed", date(2026, 4, 20), still_employed=True)
    assert pathway.state.stage == "follow_up_completed"


def test_une_correction_d_un_champ_imbrique_fusionne_les_valeurs(employed, log):
    """Correcting the employer's SIRET keeps its name."""
    pathway = log(employed, "corrected", date(2026, 2, 2), corrects_version=HIRED_VERSION,
                  changes={"employer": {"siret": "44306184100054"}}, reason="SIRET de l'établissement")
    assert pathway.state.job["employer"] == {"name": "Boulangerie du Lion", "siret": "44306184100054"}


def test_une_correction_apres_la_sortie_est_acceptee(employed, log, refused):
    log(employed, "exited", date(2026, 2, 2), outcome="transitional_employment")
    refused(PathwayClosed, employed, "follow_up_contact", date(2026, 2, 9),
            contacted="employer", status="fine")
    pathway = log(employed, "corrected", date(2026, 2, 9), corrects_version=5,
                  changes={"outcome": "sustainable_employment"}, reason="apprentissage de 2 ans")
    assert pathway.state.exit["outcome"] == "sustainable_employment"


# ---- refused corrections -------------------------------------------------------------------


def test_la_correction_d_une_version_inconnue_est_refusee(employed, refused):
    error = refused(InvalidCorrection, employed, "corrected", date(2026, 2, 2), corrects_version=42,
                    changes={"occurred_on": EMBAUCHE_REELLE}, reason="erreur de saisie")
    assert error.field == "corrects_version"


def test_la_correction_d_un_champ_inconnu_est_refusee(employed, refused):
    error = refused(InvalidCorrection, employed, "corrected", date(2026, 2, 2),
                    corrects_version=HIRED_VERSION, changes={"salaire": 1400},
                    reason="erreur de saisie")
    assert error.field == "changes"
    assert "salaire" in error.message


def test_une_correction_ne_se_corrige_pas(employed, log, refused):
    log(employed, "corrected", date(2026, 2, 2), corrects_version=HIRED_VERSION,
        changes={"weekly_hours": 30}, reason="temps de travail de l'apprenti mineur")
    error = refused(InvalidCorrection, employed, "corrected", date(2026, 2, 3), corrects_version=5,
                    changes={"reason": "autre motif"}, reason="motif mal saisi")
    assert error.field == "corrects_version"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [({}, "rien"), ({"weekly_hours": 30}, " ")],
    ids=["sans_changement", "sans_motif"],
)
def test_une_correction_sans_changement_ou_sans_motif_est_refusee(employed, refused, changes, reason):
    refused(InvalidCorrection, employed, "corrected", date(2026, 2, 2),
            corrects_version=HIRED_VERSION, changes=changes, reason=reason)


def test_une_correction_qui_rendrait_la_validation_trop_precoce_est_refusee(
    employed, log, refused, clock
):
    """Validated on day 105 (27 April); moving the hire to 13 January would make it day 104."""
    clock.current = date(2026, 5, 4)
    log(employed, "follow_up_completed", date(2026, 4, 27), still_employed=True)
    error = refused(InvalidCorrection, employed, "corrected", date(2026, 5, 4),
                    corrects_version=HIRED_VERSION, changes={"occurred_on": date(2026, 1, 13)},
                    reason="date du contrat")
    assert "105" in error.message
    assert isinstance(error.__cause__, Exception)


@pytest.mark.parametrize(
    ("version", "changes"),
    [
        (1, {"occurred_on": date(2025, 12, 1)}),  # identification after the orientation
        (HIRED_VERSION, {"occurred_on": date(2026, 1, 20)}),  # contact before the hire
        (HIRED_VERSION, {"occurred_on": date(2026, 7, 1)}),  # hire in the future
        (HIRED_VERSION, {"contract_type": "cdd"}),  # a CDD needs its length in months
        (2, {"scheme": ""}),  # an orientation needs a scheme
    ],
    ids=["reperage_apres_orientation", "point_de_suivi_avant_embauche", "embauche_future",
         "cdd_sans_duree", "orientation_sans_dispositif"],
)
def test_une_correction_qui_casse_une_regle_une_fois_appliquee_est_refusee(
    employed, refused, version, changes
):
    refused(InvalidCorrection, employed, "corrected", date(2026, 2, 2), corrects_version=version,
            changes=changes, reason="correction de saisie")
