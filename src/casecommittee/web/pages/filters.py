"""What templates show: French dates (dd/mm/yyyy), labels of the domain's codes, percentages."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, g

from ...domain import company as c
from ...domain import vocabulary as v
from ...domain.committee import DECISION_LABELS, KIND_LABELS
from ...domain.pathway import STEP_LABELS
from ...queries.agenda import REASON_LABELS

PARIS = ZoneInfo("Europe/Paris")

ROLE_LABELS = {"referent": "référent", "copilot": "co-pilote", "auditor": "évaluateur",
               "admin": "coordination", "business_relations": "chargé·e de relation entreprises"}

#: French labels of every closed list, by the name of the list.
LABELS = {
    "stage": v.STAGE_LABELS, "step": STEP_LABELS, "role": ROLE_LABELS,
    "decision": DECISION_LABELS, "kind": KIND_LABELS, "reason": REASON_LABELS,
    "channel": {"aller_vers": "aller-vers", "permanence": "permanence",
                "partner_referral": "orientation par un partenaire", "event": "événement",
                "self": "démarche personnelle", "resident": "amené par un habitant"},
    "sex": {"F": "femme", "M": "homme", "X": "autre / non précisé"},
    "qualification_level": {"below_cap": "infra CAP", "cap_bep": "CAP / BEP", "bac": "bac",
                            "bac_plus_2": "bac +2", "bac_plus_3": "bac +3 et plus"},
    "flag": {"rqth": "RQTH", "single_parent": "parent isolé", "refugee": "réfugié / BPI",
             "rsa": "allocataire du RSA"},
    "objective": {"discover": "découvrir un métier", "confirm": "confirmer un projet",
                  "recruit": "initier un recrutement"},
    "immersion_status": {"completed": "menée à terme", "partial": "partielle",
                         "did_not_show": "ne s'est pas présenté"},
    "contract_type": {"cdi": "CDI", "cdd": "CDD", "interim": "intérim", "cddi": "CDDI (IAE)",
                      "apprenticeship": "apprentissage", "professionalisation": "professionnalisation",
                      "subsidised": "contrat aidé (PEC)", "other": "autre"},
    "contacted": {"beneficiary": "la personne", "employer": "l'employeur", "tutor": "le tuteur"},
    "follow_up_status": {"fine": "tout va bien", "difficulty": "difficulté",
                         "mediation_needed": "médiation nécessaire"},
    "rupture_scope": {"pathway": "le parcours", "job": "le contrat", "immersion": "l'immersion"},
    "rupture_kind": {"abandon": "abandon", "lost_contact": "perte de contact",
                     "trial_period": "fin de période d'essai", "resignation": "démission",
                     "dismissal": "licenciement", "mutual_agreement": "rupture conventionnelle",
                     "end_of_contract": "fin de contrat", "other": "autre"},
    "initiated_by": {"beneficiary": "la personne", "employer": "l'employeur",
                     "structure": "la structure"},
    "outcome": {"sustainable_employment": "emploi durable",
                "transitional_employment": "emploi de transition",
                "qualifying_training": "formation qualifiante",
                "business_creation": "création d'entreprise", "moved_away": "déménagement",
                "lost_contact": "perte de contact", "declined": "refus de l'accompagnement",
                "other": "autre"},
    "status": {"scheduled": "programmé", "closed": "clos"},
    "size_band": c.SIZE_LABELS, "qpv_location": c.QPV_LABELS, "need_outcome": c.NEED_OUTCOME_LABELS,
    "participation_kind": c.PARTICIPATION_LABELS, "sponsor_role": c.SPONSOR_LABELS,
    "commitment_kind": c.COMMITMENT_LABELS, "naf_section": c.SECTOR_LABELS,
    "company_event": c.COMPANY_EVENT_LABELS,
}
#: The events of the audit log: a pathway's steps, a committee session's, a company's.
LABELS["audit_step"] = {
    **STEP_LABELS, "committee_scheduled": "comité programmé",
    "committee_need_added": "besoin d'entreprise mis à l'ordre du jour",
    "committee_decision": "décision du comité", "committee_closed": "comité clos",
    **{f"company_{code}": f"entreprise : {text}" for code, text in c.COMPANY_EVENT_LABELS.items()},
}


def fr_date(value) -> str:
    """A date (or an ISO date string) as dd/mm/yyyy; a recorded time as dd/mm/yyyy hh:mm (Paris)."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        return value.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


def changes_in_words(changes: dict, labels: dict) -> str:
    """A correction's changes as a professional reads them: "Date de l'étape → 04/06/2026"."""
    def shown(name, value):
        if isinstance(value, dict):  # a host, an employer: its name and SIRET
            return " ".join(str(v) for v in value.values() if v not in (None, ""))
        return fr_date(value) if name.endswith("_on") else value

    return ", ".join(f"{labels.get(name, name.replace('_', ' '))} → {shown(name, value)}"
                     for name, value in changes.items())


def label(code, kind: str) -> str:
    """The French label of a code of a closed list (the code itself when unknown)."""
    if code is None:
        return ""
    return LABELS.get(kind, {}).get(code, str(code))


def percent(rate) -> str:
    """A rate in [0, 1] as a French percentage ("42,5 %"), or a dash when undefined."""
    if rate is None:
        return "—"
    return f"{rate * 100:.1f}".replace(".", ",") + " %"


def capfirst(text: str) -> str:
    """The text with its first letter in capitals (the rest untouched: "PMSMP" stays)."""
    return text[:1].upper() + text[1:] if text else ""


def register(app: Flask) -> None:
    """Installs the filters and globals the templates use."""
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters.update(fr_date=fr_date, label=label, percent=percent, capfirst=capfirst)
    app.jinja_env.globals.update(LABELS=LABELS, current_user=lambda: g.get("principal"))
