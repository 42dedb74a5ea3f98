"""The rules that refuse a step: what every step must respect, and one small guard per step.

Each guard (`check_<code>`) raises a specific `DomainError` naming what is wrong and what is
allowed, and returns nothing when the step may be recorded; the step's event class names its
guard (`pathway.py`), and `pathway.check_step` runs `check_common` then that guard.
"""

from datetime import date

from . import vocabulary as v
from .errors import (
    DateInFuture,
    DateOutOfOrder,
    FollowUpRuleBroken,
    ImmersionRuleBroken,
    InvalidValue,
    PathwayClosed,
    StepNotAllowed,
)
from .rules import (
    FOLLOW_UP_VALIDATION_DAY,
    MAX_WEEKLY_HOURS,
    PMSMP_MAX_AGREEMENTS_PER_HOST,
    PMSMP_MAX_DAYS,
    PMSMP_MAX_HOURS_PER_WEEK,
    immersion_days,
    validation_due_on,
)
from .siret import same_company
from .state import PathwayState
from .steps import Step


def _fr(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _one_of(value, allowed, name: str) -> None:
    if value not in allowed:
        raise InvalidValue(
            f"{name} « {value} » n'est pas reconnu ; valeurs possibles : {', '.join(allowed)}",
            field=name,
        )


def _not_before(on: date, limit: date | None, what: str, name: str = "occurred_on") -> None:
    if limit is not None and on < limit:
        raise DateOutOfOrder(
            f"la date du {_fr(on)} est antérieure à {what} ({_fr(limit)})", field=name
        )


def check_common(state: PathwayState, step: Step, today: date) -> None:
    """Raises the DomainError that refuses any step on a pathway in `state` (a date in the
    future, a pathway not opened or closed, a date before the identification), or returns None.
    The step's own guard comes next (`pathway.check_step`)."""
    if step.occurred_on > today:
        raise DateInFuture(
            f"la date du {_fr(step.occurred_on)} est dans le futur (aujourd'hui : {_fr(today)}) : "
            "indiquez le jour où l'étape a eu lieu, au plus tard aujourd'hui",
            field="occurred_on",
        )
    if step.code == "identified":
        given_on = (step.data.get("consent") or {}).get("given_on")
        if given_on is not None and given_on > today:
            raise DateInFuture("le consentement ne peut être daté du futur", field="consent.given_on")
        if state.stage is not None:
            raise StepNotAllowed("ce parcours est déjà ouvert : le repérage ne se fait qu'une fois")
    else:
        if state.stage is None:
            raise StepNotAllowed("le parcours n'a pas de repérage : commencez par « identified »")
        if state.stage == "exited" and step.code != "corrected":
            raise PathwayClosed(
                "le parcours est clos (sortie enregistrée) : seule une correction est possible"
            )
        _not_before(step.occurred_on, state.identified_on, "la date de repérage")


def check_identified(state, step, on, data):
    _one_of(data.get("channel"), v.CHANNELS, "channel")
    profile = data.get("profile") or {}
    _one_of(profile.get("sex"), v.SEXES, "profile.sex")
    if profile.get("qualification_level") is not None:
        _one_of(profile["qualification_level"], v.QUALIFICATION_LEVELS, "profile.qualification_level")
    for flag in profile.get("flags", ()):
        _one_of(flag, v.FLAGS, "profile.flags")
    birth_year = profile.get("birth_year")
    if birth_year is not None and not (on.year - 100 <= birth_year <= on.year - 14):
        raise InvalidValue(
            f"année de naissance {birth_year} invraisemblable pour un repérage en {on.year}",
            field="profile.birth_year",
        )


def check_referent_assigned(state, step, on, data):
    if not data.get("referent_id"):
        raise InvalidValue("le référent désigné est obligatoire", field="referent_id")


def check_committee_referral(state, step, on, data):
    if not (data.get("reason") or "").strip():
        raise InvalidValue("le motif de la demande de passage en comité est obligatoire", field="reason")


def check_oriented(state, step, on, data):
    if not (data.get("scheme") or "").strip():
        raise InvalidValue("le dispositif d'orientation est obligatoire", field="scheme")
    if state.immersion is not None:  # in immersion, or interrupted with the agreement open
        raise StepNotAllowed(
            "une immersion est en cours : enregistrez sa fin (immersion_ended) avant de réorienter"
        )
    if state.stage == "employed":
        raise StepNotAllowed(
            "la personne est en emploi, en suivi 15 semaines : enregistrez d'abord la rupture "
            "du contrat (rupture, scope job) ou la validation du suivi"
        )


def check_immersion_started(state, step, on, data):
    _one_of(data.get("objective"), v.IMMERSION_OBJECTIVES, "objective")
    if state.immersion is not None:  # in immersion, or interrupted with the agreement open
        raise ImmersionRuleBroken(
            "une immersion est déjà en cours : une seule PMSMP à la fois ; enregistrez sa fin d'abord"
        )
    if state.stage == "employed":
        raise StepNotAllowed("la personne est en emploi, en suivi 15 semaines : pas de PMSMP pendant le suivi")
    ends_on = data.get("ends_on")
    if ends_on is None or ends_on < on:
        raise DateOutOfOrder("la fin prévue de l'immersion précède son début", field="ends_on")
    days = immersion_days(on, ends_on)
    if days > PMSMP_MAX_DAYS:
        raise ImmersionRuleBroken(
            f"une PMSMP dure au plus {PMSMP_MAX_DAYS} jours calendaires par convention "
            f"(ici {days} jours) ; au-delà, prévoyez un renouvellement",
            field="ends_on",
        )
    hours = data.get("hours_per_week")
    if not isinstance(hours, int | float) or not 0 < hours <= PMSMP_MAX_HOURS_PER_WEEK:
        raise ImmersionRuleBroken(
            f"une PMSMP compte au plus {PMSMP_MAX_HOURS_PER_WEEK} h par semaine (ici {hours})",
            field="hours_per_week",
        )
    host = data.get("host") or {}
    if not (host.get("name") or "").strip():
        raise InvalidValue("le nom de la structure d'accueil est obligatoire", field="host.name")
    same_host = [i for i in state.immersions if same_company(i["host"], host)]
    if state.immersions:
        _not_before(on, state.immersions[-1].get("ended_on"), "la fin de l'immersion précédente")
    if data.get("renews"):
        if not state.immersions or not same_company(state.immersions[-1]["host"], host):
            raise ImmersionRuleBroken(
                "un renouvellement se fait avec la même structure d'accueil que l'immersion précédente",
                field="renews",
            )
    if len(same_host) >= PMSMP_MAX_AGREEMENTS_PER_HOST or (same_host and not data.get("renews")):
        raise ImmersionRuleBroken(
            "une PMSMP n'est renouvelable qu'une fois avec la même structure d'accueil"
            + ("" if len(same_host) >= PMSMP_MAX_AGREEMENTS_PER_HOST
               else " : indiquez renews=true pour ce renouvellement"),
            field="host",
        )


def check_immersion_ended(state, step, on, data):
    _one_of(data.get("status"), v.IMMERSION_STATUSES, "status")
    if state.immersion is None:
        raise StepNotAllowed("aucune immersion en cours : rien à clore")
    _not_before(on, state.immersion["starts_on"], "le début de l'immersion")
    if on > state.immersion["ends_on"]:
        raise ImmersionRuleBroken(
            f"la convention de PMSMP se termine le {_fr(state.immersion['ends_on'])} : "
            "une immersion qui continue demande un renouvellement",
            field="occurred_on",
        )


def check_hired(state, step, on, data):
    _one_of(data.get("contract_type"), v.CONTRACT_TYPES, "contract_type")
    if state.immersion is not None:  # in immersion, or interrupted with the agreement open
        raise StepNotAllowed(
            "une immersion est en cours : enregistrez sa fin (immersion_ended, led_to_hire) avant l'embauche"
        )
    if state.stage == "employed":
        raise StepNotAllowed(
            "un emploi est déjà suivi : enregistrez sa rupture (rupture, scope job) avant une nouvelle embauche"
        )
    if data["contract_type"] in v.CONTRACTS_WITH_LENGTH and not data.get("contract_months"):
        raise InvalidValue(
            "la durée du contrat en mois est obligatoire pour un CDD, un intérim ou un CDDI",
            field="contract_months",
        )
    hours = data.get("weekly_hours")
    if not isinstance(hours, int | float) or not 0 < hours <= MAX_WEEKLY_HOURS:
        raise InvalidValue(f"durée hebdomadaire invraisemblable : {hours} h", field="weekly_hours")
    if not ((data.get("employer") or {}).get("name") or "").strip():
        raise InvalidValue("le nom de l'employeur est obligatoire", field="employer.name")
    if state.immersions:
        _not_before(on, state.immersions[-1].get("ended_on"), "la fin de l'immersion précédente")


def check_follow_up_contact(state, step, on, data):
    _one_of(data.get("contacted"), v.FOLLOW_UP_CONTACTED, "contacted")
    _one_of(data.get("status"), v.FOLLOW_UP_STATUSES, "status")
    if state.stage != "employed" or state.follow_up is None:
        raise FollowUpRuleBroken("aucun suivi 15 semaines en cours : un point de suivi suit une embauche")
    _not_before(on, state.follow_up["hired_on"], "l'embauche")


def check_follow_up_completed(state, step, on, data):
    if state.stage != "employed" or state.follow_up is None:
        raise FollowUpRuleBroken("aucun suivi 15 semaines en cours à valider")
    due = validation_due_on(state.follow_up["hired_on"])
    if on < due:
        raise FollowUpRuleBroken(
            f"le suivi 15 semaines se valide au plus tôt le {_fr(due)} ({FOLLOW_UP_VALIDATION_DAY} jours après l'embauche)",
            field="occurred_on",
        )


def check_rupture(state, step, on, data):
    _one_of(data.get("scope"), v.RUPTURE_SCOPES, "scope")
    _one_of(data.get("kind"), v.RUPTURE_KINDS, "kind")
    _one_of(data.get("initiated_by"), v.RUPTURE_INITIATORS, "initiated_by")
    if data["scope"] == "job":
        if state.job is None:
            raise StepNotAllowed("aucun emploi en cours : une rupture de contrat suit une embauche", field="scope")
        _not_before(on, state.job["starts_on"], "le début du contrat")
    if data["scope"] == "immersion":
        if state.immersion is None:
            raise StepNotAllowed("aucune immersion en cours", field="scope")
        _not_before(on, state.immersion["starts_on"], "le début de l'immersion")


def check_exited(state, step, on, data):
    _one_of(data.get("outcome"), v.EXIT_OUTCOMES, "outcome")
    _not_before(on, state.last_event_on, "la dernière étape du parcours")


def check_corrected(state, step, on, data):
    """Corrections are checked against the whole history by `pathway.check_correction`."""
