"""An example body for every request, as the OpenAPI document shows them (each one valid), and
of the right-of-access export."""

from ...domain.pathway import LOGGABLE_STEPS, STEP_EVENTS

TERRITORY = {"name": "Cité de l'emploi de Belfort"}
GROUP = {"territory_id": "t-belfort", "name": "Jeunes décrocheurs", "target_per_year": 25,
         "stalled_after_days": 45}
STRUCTURE = {"territory_id": "t-belfort", "name": "Mission locale du Territoire",
             "kind": "mission_locale"}
IDENTIFICATION = {
    "group_id": "g-jeunes", "identified_on": "2026-03-02", "channel": "aller_vers",
    "identified_by_structure_id": "s-ml",
    "person": {"first_name": "Inès", "last_name": "Benali", "birth_date": "2007-04-02",
               "phone": "06 12 34 56 78", "email": "ines.benali@exemple.fr"},
    "profile": {"sex": "F", "qpv_code": "QN09001M", "qualification_level": "below_cap",
                "flags": ["rsa"]},
    "consent": {"committee_sharing": True, "given_on": "2026-03-02"},
}
#: One body per loggable step: each is declared with its event class (`example`).
STEPS = {code: cls.example for code, cls in STEP_EVENTS.items() if code in LOGGABLE_STEPS}
STEP_EXAMPLES = {code: {"summary": code, "value": {"step": code, "occurred_on": "2026-03-09", **body}}
                 for code, body in STEPS.items()}
ERASURE = {"reason": "demande d'effacement de la personne (RGPD, article 17)"}
COMMITTEE = {"group_id": "g-jeunes", "kind": "orientation", "held_on": "2026-03-12"}
DECISION = {"pathway_id": "0b7c5a0e-3f6d-4a8e-9a51-2f1c0f6f8e21", "decision": "orient",
            "note": "accord de tous les partenaires",
            "orientation": {"scheme": "Parcours emploi compétences", "structure_id": "s-ml"}}
CLOSING = {"attendance": ["Mission locale", "France Travail", "PLIE"]}
USER = {"name": "Camille Martin", "role": "referent", "group_ids": ["g-jeunes"],
        "structure_id": "s-ml"}
USER_CHANGES = {"role": "copilot", "group_ids": ["g-jeunes", "g-familles"]}
COMPANY = {"siret": "73282932000074", "name": "Boulangerie des Résidences", "naf_code": "10.71C",
           "size_band": "micro", "town": "Belfort", "qpv_location": "in_qpv",
           "registered_on": "2026-01-05"}
NEED = {"occurred_on": "2026-02-02", "need_id": "vendeurs-2026", "job_title": "vendeur·se en boulangerie",
        "rome_code": "D1106", "contract_type": "cdd", "contract_months": 6, "positions": 2,
        "starts_on": "2026-03-02", "requirements": "débutant accepté, travail le samedi",
        "group_ids": ["g-jeunes"]}
NEED_OUTCOME = {"occurred_on": "2026-04-02", "need_id": "vendeurs-2026", "outcome": "partly_filled", "positions_filled": 1,
                "hired_pathway_ids": ["0b7c5a0e-3f6d-4a8e-9a51-2f1c0f6f8e21"]}
HOSTING_OFFER = {"occurred_on": "2026-01-10", "capacity": 2, "jobs": ["boulanger", "vendeur"]}
PARTICIPATION = {"occurred_on": "2026-03-12", "kind": "job_dating", "note": "job dating du quartier"}
SPONSOR = {"occurred_on": "2026-03-20", "pathway_id": "0b7c5a0e-3f6d-4a8e-9a51-2f1c0f6f8e21",
           "role": "tutor"}
COMMITMENT = {"occurred_on": "2026-04-01", "kind": "charter",
              "title": "Charte des entreprises de la Cité de l'emploi"}
COMPANY_CORRECTION = {"occurred_on": "2026-04-03", "corrects_version": 1,
                      "changes": {"size_band": "small"}, "reason": "12 salariés, pas 8"}
CONTACT = {"occurred_on": "2026-01-06", "first_name": "Sophie", "last_name": "Marchal",
           "job_title": "gérante", "email": "gerante@boulangerie-residences.fr",
           "phone": "03 84 21 00 00"}
COMMITTEE_NEED = {"company_id": "5f0c7c7e-3a53-5d9a-9b1f-7d0f1c2b3a4d", "need_id": "vendeurs-2026"}
#: A right-of-access export (`GET /pathways/{id}/personal-data`), shortened to a few steps.
PERSONAL_DATA = {
    "pathway_id": "0b7c5a0e-3f6d-4a8e-9a51-2f1c0f6f8e21",
    "person": {"first_name": "Inès", "last_name": "Benali", "birth_date": "2007-04-02",
               "phone": "06 12 34 56 78", "email": "ines.benali@exemple.fr", "address": None},
    "erased_at": None, "erasure_reason": None, "exported_at": "2026-03-20T09:30:00+00:00",
    "consent": {"committee_sharing": True, "given_on": "2026-03-02"},
    "kept_until": "2028-03-08",
    "steps": [
        {"version": 1, "step": "identified", "step_label": "repérage", "occurred_on": "2026-03-02",
         "recorded_at": "2026-03-02T10:12:00+00:00",
         "recorded_by": {"role": "referent", "structure_id": "s-ml",
                         "structure_name": "Mission locale du Territoire"},
         "data": {"group_id": "g-jeunes", "channel": "aller_vers",
                  "identified_by_structure_id": "s-ml",
                  "profile": {"sex": "F", "birth_year": 2007, "qpv_code": "QN09001M",
                              "qualification_level": "below_cap", "flags": ["rsa"]},
                  "consent": {"committee_sharing": True, "given_on": "2026-03-02"}}},
        {"version": 2, "step": "referent_assigned", "step_label": "désignation du référent",
         "occurred_on": "2026-03-03", "recorded_at": "2026-03-03T08:40:00+00:00",
         "recorded_by": {"role": "copilot", "structure_id": "s-ml",
                         "structure_name": "Mission locale du Territoire"},
         "data": {"referent_name": "Camille Martin", "structure_id": "s-ml"}},
        {"version": 3, "step": "committee_referral", "step_label": "demande de passage en comité",
         "occurred_on": "2026-03-09", "recorded_at": "2026-03-09T14:05:00+00:00",
         "recorded_by": {"role": "referent", "structure_id": "s-ml",
                         "structure_name": "Mission locale du Territoire"},
         "data": {"reason": "projet professionnel à construire avec les partenaires"}},
    ],
    "decisions": [
        {"session_id": "5b1e2f4a-8c3d-4e6f-9a0b-1c2d3e4f5a6b", "committee_kind": "orientation",
         "committee_kind_label": "comité d'orientation", "held_on": "2026-03-12",
         "decision": "orient", "decision_label": "orientation",
         "note": "accord de tous les partenaires",
         "orientation": {"scheme": "Parcours emploi compétences", "structure_id": "s-ml"},
         "decided_at": "2026-03-12T15:20:00+00:00"},
    ],
}
