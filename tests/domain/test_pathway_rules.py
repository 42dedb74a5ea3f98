"""Les règles du parcours : each refused step raises its own error and writes nothing.

Every test plays a realistic situation up to the point where the référente makes the mistake,
then checks (through the `refused` fixture) the exact error class, and that the stored pathway
still has the same version, history and state.
"""

from datetime import date, timedelta

import pytest

from casecommittee.application import PathwayNotFound
from casecommittee.domain.errors import (
    DateInFuture,
    DateOutOfOrder,
    FollowUpRuleBroken,
    ImmersionRuleBroken,
    InvalidValue,
    PathwayClosed,
    StepNotAllowed,
)
from casecommittee.stores.personal_data import PersonalDataMissing

REPERE_LE = date(2026, 1, 5)
ORIENTE_LE = date(2026, 1, 20)


@pytest.fixture
def oriented(identify, log, clock):
    """A young person identified on 5 January 2026 and oriented by the committee on the 20th."""
    pathway = identify(REPERE_LE)
    log(pathway.id, "oriented", ORIENTE_LE, scheme="E2C",
        committee_session_id="comite-orientation-jeunes-2026-01")
    return pathway.id


@pytest.fixture
def in_immersion(oriented, log, pmsmp):
    """The same person in a PMSMP from 2 to 13 February 2026 at the Boulangerie du Lion."""
    log(oriented, "immersion_started", date(2026, 2, 2), **pmsmp(date(2026, 2, 13)))
    return oriented


@pytest.fixture
def employed(oriented, log, apprenticeship):
    """The same person hired in apprenticeship on 2 March 2026: the 15-week follow-up is open."""
    log(oriented, "hired", date(2026, 3, 2), **apprenticeship())
    return oriented


# ---- dates ---------------------------------------------------------------------------------


def test_une_date_metier_dans_le_futur_est_refusee(oriented, refused, log, clock):
    """Today is 30 June 2026: a referral dated tomorrow is refused, today is accepted."""
    error = refused(DateInFuture, oriented, "committee_referral",
                    clock.today() + timedelta(days=1), reason="à revoir en comité")
    assert error.field == "occurred_on"
    pathway = log(oriented, "committee_referral", clock.today(), reason="à revoir en comité")
    assert pathway.state.referral["on"] == clock.today()


def test_un_reperage_date_du_futur_n_ouvre_aucun_parcours(system, identify, clock):
    """An identification dated tomorrow opens nothing and stores no identity."""
    from uuid import uuid4

    pathway_id = uuid4()
    with pytest.raises(DateInFuture):
        identify(clock.today() + timedelta(days=1), pathway_id=pathway_id)
    with pytest.raises(PathwayNotFound):
        system.app.get_pathway(pathway_id)
    with pytest.raises(PersonalDataMissing):
        system.personal_data.get(pathway_id)


def test_une_etape_anterieure_au_reperage_est_refusee(oriented, refused):
    """Nothing can happen in a pathway before the person was identified."""
    refused(DateOutOfOrder, oriented, "referent_assigned", REPERE_LE - timedelta(days=1),
            referent_id="referente-ml-01")


def test_une_fin_d_immersion_avant_son_debut_est_refusee(in_immersion, refused):
    refused(DateOutOfOrder, in_immersion, "immersion_ended", date(2026, 2, 1),
            status="completed", led_to_hire=False)


def test_un_point_de_suivi_avant_l_embauche_est_refuse(employed, refused):
    refused(DateOutOfOrder, employed, "follow_up_contact", date(2026, 3, 1),
            contacted="beneficiary", status="fine")


def test_une_rupture_de_contrat_avant_l_embauche_est_refusee(employed, refused):
    refused(DateOutOfOrder, employed, "rupture", date(2026, 2, 27), scope="job",
            kind="trial_period", initiated_by="employer")


def test_une_convention_de_pmsmp_qui_finit_avant_de_commencer_est_refusee(oriented, refused, pmsmp):
    refused(DateOutOfOrder, oriented, "immersion_started", date(2026, 2, 2),
            **pmsmp(date(2026, 2, 1)))


# ---- PMSMP ---------------------------------------------------------------------------------


def test_une_pmsmp_de_plus_de_30_jours_calendaires_est_refusee(oriented, refused, log, pmsmp):
    """1 to 31 March is 31 calendar days: refused; 1 to 30 March (30 days) is accepted."""
    error = refused(ImmersionRuleBroken, oriented, "immersion_started", date(2026, 3, 1),
                    **pmsmp(date(2026, 3, 31)))
    assert error.field == "ends_on"
    pathway = log(oriented, "immersion_started", date(2026, 3, 1), **pmsmp(date(2026, 3, 30)))
    assert pathway.state.stage == "in_immersion"


def test_une_pmsmp_de_plus_de_48_heures_par_semaine_est_refusee(oriented, refused, log, pmsmp):
    error = refused(ImmersionRuleBroken, oriented, "immersion_started", date(2026, 2, 2),
                    **pmsmp(date(2026, 2, 13), hours_per_week=49))
    assert error.field == "hours_per_week"
    pathway = log(oriented, "immersion_started", date(2026, 2, 2),
                  **pmsmp(date(2026, 2, 13), hours_per_week=48))
    assert pathway.state.immersion["hours_per_week"] == 48


def test_une_seconde_immersion_pendant_une_immersion_en_cours_est_refusee(in_immersion, refused, pmsmp):
    refused(ImmersionRuleBroken, in_immersion, "immersion_started", date(2026, 2, 9),
            **pmsmp(date(2026, 2, 20), host={"name": "EHPAD Les Eparses", "siret": "77556699800012"}))


def test_un_renouvellement_avec_une_autre_structure_d_accueil_est_refuse(in_immersion, log, refused, pmsmp):
    log(in_immersion, "immersion_ended", date(2026, 2, 13), status="completed", led_to_hire=False)
    error = refused(ImmersionRuleBroken, in_immersion, "immersion_started", date(2026, 2, 16),
                    **pmsmp(date(2026, 2, 27), renews=True,
                            host={"name": "EHPAD Les Eparses", "siret": "77556699800012"}))
    assert error.field == "renews"


def test_une_troisieme_convention_avec_la_meme_structure_est_refusee(in_immersion, log, refused, pmsmp):
    """The PMSMP is renewable once with the same host: a third agreement is refused."""
    log(in_immersion, "immersion_ended", date(2026, 2, 13), status="completed", led_to_hire=False)
    pathway = log(in_immersion, "immersion_started", date(2026, 2, 16),
                  **pmsmp(date(2026, 2, 27), renews=True))
    assert pathway.state.immersion["renews"] is True
    log(in_immersion, "immersion_ended", date(2026, 2, 27), status="completed", led_to_hire=False)
    for renews in (True, False):
        error = refused(ImmersionRuleBroken, in_immersion, "immersion_started", date(2026, 3, 2),
                        **pmsmp(date(2026, 3, 13), renews=renews))
        assert error.field == "host"


def test_une_seconde_convention_avec_la_meme_structure_doit_etre_un_renouvellement(
    in_immersion, log, refused, pmsmp
):
    log(in_immersion, "immersion_ended", date(2026, 2, 13), status="partial", led_to_hire=False)
    error = refused(ImmersionRuleBroken, in_immersion, "immersion_started", date(2026, 2, 16),
                    **pmsmp(date(2026, 2, 27)))
    assert "renews" in error.message


def test_une_fin_d_immersion_apres_la_fin_de_la_convention_est_refusee(in_immersion, refused, log):
    """The agreement ends on 13 February: an immersion that went on needs a renewal."""
    refused(ImmersionRuleBroken, in_immersion, "immersion_ended", date(2026, 2, 16),
            status="completed", led_to_hire=True)
    pathway = log(in_immersion, "immersion_ended", date(2026, 2, 13), status="completed",
                  led_to_hire=True)
    assert pathway.state.stage == "oriented"


# ---- 15-week follow-up ---------------------------------------------------------------------


def test_un_point_de_suivi_sans_embauche_est_refuse(oriented, refused):
    refused(FollowUpRuleBroken, oriented, "follow_up_contact", date(2026, 2, 2),
            contacted="beneficiary", status="fine")


def test_le_suivi_15_semaines_ne_se_valide_pas_avant_le_jour_105(employed, refused, log):
    """Hired on 2 March 2026: day 105 is 15 June; the 14th is too early."""
    refused(FollowUpRuleBroken, employed, "follow_up_completed", date(2026, 6, 14),
            still_employed=True)
    pathway = log(employed, "follow_up_completed", date(2026, 6, 15), still_employed=True)
    assert pathway.state.stage == "follow_up_completed"


def test_une_rupture_du_contrat_met_fin_au_suivi_et_le_parcours_en_rupture(employed, log, refused):
    """End of the trial period: the pathway is interrupted, contacts and validation refused,
    until the committee orients the person again."""
    log(employed, "follow_up_contact", date(2026, 3, 9), contacted="tutor", status="difficulty")
    pathway = log(employed, "rupture", date(2026, 3, 20), scope="job", kind="trial_period",
                  initiated_by="employer", reason="fin de période d'essai")
    state = pathway.state
    assert state.stage == "interrupted"
    assert state.stage_since == date(2026, 3, 20)
    assert state.job is None and state.follow_up is None
    assert state.ruptures == [{"on": date(2026, 3, 20), "scope": "job", "kind": "trial_period",
                               "stage": "employed", "initiated_by": "employer"}]
    refused(FollowUpRuleBroken, employed, "follow_up_contact", date(2026, 3, 23),
            contacted="beneficiary", status="mediation_needed")
    refused(FollowUpRuleBroken, employed, "follow_up_completed", date(2026, 6, 15),
            still_employed=False)
    pathway = log(employed, "oriented", date(2026, 4, 2), scheme="Formation qualifiante")
    assert pathway.state.stage == "oriented"


def test_une_embauche_pendant_un_emploi_suivi_est_refusee(employed, refused, apprenticeship):
    refused(StepNotAllowed, employed, "hired", date(2026, 4, 1),
            **apprenticeship(employer={"name": "Leclerc Belfort"}, contract_type="cdi"))


def test_une_embauche_pendant_une_immersion_est_refusee(in_immersion, refused, apprenticeship):
    refused(StepNotAllowed, in_immersion, "hired", date(2026, 2, 10), **apprenticeship())


# ---- stages --------------------------------------------------------------------------------


def test_une_reorientation_pendant_une_immersion_est_refusee(in_immersion, refused):
    refused(StepNotAllowed, in_immersion, "oriented", date(2026, 2, 5), scheme="Épide")


def test_une_reorientation_pendant_le_suivi_15_semaines_est_refusee(employed, refused):
    refused(StepNotAllowed, employed, "oriented", date(2026, 3, 10), scheme="Épide")


@pytest.mark.parametrize(
    ("code", "fields"),
    [
        ("referent_assigned", {"referent_id": "referent-plie-02"}),
        ("committee_referral", {"reason": "retour après sortie"}),
        ("oriented", {"scheme": "PLIE"}),
        ("rupture", {"scope": "pathway", "kind": "lost_contact", "initiated_by": "beneficiary"}),
        ("exited", {"outcome": "moved_away"}),
    ],
)
def test_apres_la_sortie_seule_une_correction_est_possible(oriented, log, refused, code, fields):
    pathway = log(oriented, "exited", date(2026, 4, 1), outcome="qualifying_training")
    assert pathway.state.stage == "exited"
    refused(PathwayClosed, oriented, code, date(2026, 4, 15), **fields)
    pathway = log(oriented, "corrected", date(2026, 4, 15), corrects_version=3,
                  changes={"outcome": "business_creation"}, reason="création d'entreprise, pas formation")
    assert pathway.state.exit == {"on": date(2026, 4, 1), "outcome": "business_creation"}
    assert pathway.state.stage == "exited"


# ---- values --------------------------------------------------------------------------------


def test_une_etape_inconnue_est_refusee(oriented, refused):
    error = refused(InvalidValue, oriented, "entretien_individuel", date(2026, 2, 2))
    assert error.field == "step"


def test_le_reperage_ne_se_logue_pas_comme_une_etape(oriented, refused):
    refused(InvalidValue, oriented, "identified", date(2026, 2, 2), group_id="g", channel="self")


def test_un_champ_inconnu_est_refuse(oriented, refused):
    refused(InvalidValue, oriented, "committee_referral", date(2026, 2, 2),
            reason="à revoir", nom_de_famille="Kerboucha")


def test_un_cdd_sans_duree_en_mois_est_refuse(oriented, refused, log):
    fields = {"employer": {"name": "Leclerc Belfort"}, "contract_type": "cdd", "weekly_hours": 30}
    error = refused(InvalidValue, oriented, "hired", date(2026, 3, 2), **fields)
    assert error.field == "contract_months"
    pathway = log(oriented, "hired", date(2026, 3, 2), contract_months=6, **fields)
    assert pathway.state.job["contract_months"] == 6


@pytest.mark.parametrize(
    ("code", "fields", "field"),
    [
        ("oriented", {"scheme": " "}, "scheme"),
        ("committee_referral", {"reason": ""}, "reason"),
        ("immersion_started", {"host": {"name": "Boulangerie du Lion"}, "ends_on": date(2026, 2, 13),
                               "hours_per_week": 35, "objective": "visiter"}, "objective"),
        ("immersion_started", {"host": {"name": ""}, "ends_on": date(2026, 2, 13),
                               "hours_per_week": 35, "objective": "discover"}, "host.name"),
        ("hired", {"employer": {"name": "Leclerc"}, "contract_type": "cdi_interimaire",
                   "weekly_hours": 35}, "contract_type"),
        ("hired", {"employer": {"name": "Leclerc"}, "contract_type": "cdi",
                   "weekly_hours": 70}, "weekly_hours"),
        ("rupture", {"scope": "contrat", "kind": "dismissal", "initiated_by": "employer"}, "scope"),
        ("rupture", {"scope": "pathway", "kind": "demenagement", "initiated_by": "beneficiary"}, "kind"),
        ("rupture", {"scope": "pathway", "kind": "abandon", "initiated_by": "famille"}, "initiated_by"),
        ("exited", {"outcome": "emploi"}, "outcome"),
    ],
)
def test_une_valeur_hors_liste_est_refusee(oriented, refused, code, fields, field):
    error = refused(InvalidValue, oriented, code, date(2026, 2, 2), **fields)
    assert error.field == field


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"status": "bien", "contacted": "beneficiary"}, "status"),
     ({"status": "fine", "contacted": "voisin"}, "contacted")],
)
def test_un_point_de_suivi_avec_une_valeur_hors_liste_est_refuse(employed, refused, fields, field):
    error = refused(InvalidValue, employed, "follow_up_contact", date(2026, 3, 9), **fields)
    assert error.field == field


def test_une_fin_d_immersion_au_statut_inconnu_est_refusee(in_immersion, refused):
    error = refused(InvalidValue, in_immersion, "immersion_ended", date(2026, 2, 13),
                    status="termine", led_to_hire=False)
    assert error.field == "status"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"channel": "bouche_a_oreille"}, "channel"),
        ({"profile": {"sex": "H", "birth_year": 2006}}, "profile.sex"),
        ({"profile": {"sex": "F", "birth_year": 2006, "qualification_level": "brevet"}},
         "profile.qualification_level"),
        ({"profile": {"sex": "F", "birth_year": 2006, "flags": ["ase"]}}, "profile.flags"),
        ({"profile": {"sex": "F", "birth_year": 2020}}, "profile.birth_year"),
    ],
)
def test_un_reperage_avec_une_valeur_hors_liste_n_ouvre_aucun_parcours(
    system, identify, overrides, field
):
    from uuid import uuid4

    pathway_id = uuid4()
    with pytest.raises(InvalidValue) as caught:
        identify(REPERE_LE, pathway_id=pathway_id, **overrides)
    assert caught.value.field == field
    with pytest.raises(PathwayNotFound):
        system.app.get_pathway(pathway_id)
    with pytest.raises(PersonalDataMissing):
        system.personal_data.get(pathway_id)


def test_un_abandon_en_pleine_immersion_clot_la_pmsmp(in_immersion, log, pmsmp):
    """She stops coming during her PMSMP (rupture of the pathway): the agreement ends that day
    (status "interrupted"), so a later PMSMP, hire or re-orientation is possible."""
    pathway = log(in_immersion, "rupture", date(2026, 2, 6), scope="pathway", kind="abandon",
                  initiated_by="beneficiary")
    assert pathway.state.stage == "interrupted"
    assert pathway.state.immersion is None
    assert pathway.state.immersions[-1]["status"] == "interrupted"
    pathway = log(in_immersion, "immersion_started", date(2026, 3, 2),
                  **pmsmp(date(2026, 3, 13), host={"name": "EHPAD Les Eparses"}))
    assert pathway.state.stage == "in_immersion"
    assert [i.get("ended_on") for i in pathway.state.immersions] == [date(2026, 2, 6), None]


def test_une_perte_de_contact_en_emploi_met_fin_au_suivi(log, identify, apprenticeship, refused):
    """Lost contact while in a job under follow-up: the follow-up ends with the pathway's rupture."""
    pathway_id = identify(date(2026, 1, 5)).id
    log(pathway_id, "hired", date(2026, 2, 2), **apprenticeship())
    pathway = log(pathway_id, "rupture", date(2026, 3, 2), scope="pathway", kind="lost_contact",
                  initiated_by="beneficiary")
    assert pathway.state.stage == "interrupted"
    assert pathway.state.follow_up is None and pathway.state.job is None
    refused(FollowUpRuleBroken, pathway_id, "follow_up_contact", date(2026, 3, 9),
            contacted="beneficiary", status="fine")
