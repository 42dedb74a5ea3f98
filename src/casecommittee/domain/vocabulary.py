"""The closed lists of the domain, as the API and the events spell them.

Each tuple is the set of allowed codes; marshmallow schemas validate against the same tuples,
so the HTTP contract and the domain never drift apart.
"""

CHANNELS = ("aller_vers", "permanence", "partner_referral", "event", "self", "resident")
SEXES = ("F", "M", "X")
QUALIFICATION_LEVELS = ("below_cap", "cap_bep", "bac", "bac_plus_2", "bac_plus_3")
FLAGS = ("rqth", "single_parent", "refugee", "rsa")
STRUCTURE_KINDS = (
    "mission_locale", "france_travail", "plie", "departement", "cidf",
    "association", "company_network", "other",
)

IMMERSION_OBJECTIVES = ("discover", "confirm", "recruit")
IMMERSION_STATUSES = ("completed", "partial", "did_not_show")
CONTRACT_TYPES = (
    "cdi", "cdd", "interim", "cddi", "apprenticeship", "professionalisation", "subsidised", "other",
)
CONTRACTS_WITH_LENGTH = ("cdd", "interim", "cddi")
FOLLOW_UP_CONTACTED = ("beneficiary", "employer", "tutor")
FOLLOW_UP_STATUSES = ("fine", "difficulty", "mediation_needed")
RUPTURE_SCOPES = ("pathway", "job", "immersion")
RUPTURE_KINDS = (
    "abandon", "lost_contact", "trial_period", "resignation", "dismissal",
    "mutual_agreement", "end_of_contract", "other",
)
RUPTURE_INITIATORS = ("beneficiary", "employer", "structure")
EXIT_OUTCOMES = (
    "sustainable_employment", "transitional_employment", "qualifying_training",
    "business_creation", "moved_away", "lost_contact", "declined", "other",
)
POSITIVE_OUTCOMES = EXIT_OUTCOMES[:4]

STAGES = (
    "identified", "oriented", "in_immersion", "employed", "follow_up_completed",
    "interrupted", "exited",
)
OPEN_STAGES = STAGES[:-1]
#: The stages from which a person may be proposed to a company for a job.
AVAILABLE_STAGES = ("oriented", "identified", "interrupted")

ROLES = ("admin", "copilot", "referent", "auditor", "business_relations")

#: French labels, for documents and messages meant for professionals (the steps' labels are
#: declared with their event classes, `pathway.STEP_LABELS`).
STAGE_LABELS = {
    "identified": "repéré", "oriented": "orienté", "in_immersion": "en immersion (PMSMP)",
    "employed": "en emploi (suivi 15 semaines)", "follow_up_completed": "suivi 15 semaines validé",
    "interrupted": "en rupture", "exited": "sorti",
}
