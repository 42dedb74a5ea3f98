"""The form of each step, read from the API's step schema: one control per schema field.

A date field is a date input, a closed list a select with its French labels, a boolean a
yes/no choice, a number a number input, a company its name and SIRET; the French words of
each field are the only thing written here.
"""

from dataclasses import dataclass

from marshmallow import fields, validate

from ..schemas.steps import STEP_SCHEMAS

#: French words of the step fields.
FIELD_LABELS = {
    "occurred_on": "Date de l'étape", "referent_id": "Référent", "structure_id": "Structure",
    "reason": "Motif", "scheme": "Dispositif", "name": "Nom", "siret": "SIRET (14 chiffres)",
    "ends_on": "Dernier jour prévu", "hours_per_week": "Heures par semaine",
    "objective": "Objectif", "renews": "Renouvellement avec la même entreprise",
    "status": "Déroulement", "led_to_hire": "A débouché sur une embauche",
    "contract_type": "Type de contrat", "contract_months": "Durée du contrat (mois)",
    "weekly_hours": "Heures par semaine", "contacted": "Échange avec", "note": "Note",
    "still_employed": "Toujours en emploi", "scope": "Ce qui est rompu", "kind": "Nature",
    "initiated_by": "À l'initiative de", "outcome": "Situation de sortie",
    "host": "Entreprise d'accueil", "employer": "Employeur", "channel": "Canal",
    "identified_by_structure_id": "Repéré par", "consent": "Consentement",
    "corrects_version": "Version corrigée", "changes": "Changements",
    "referent_name": "Référent",  # (the right-of-access export names the referent)
}
#: The business date's words where "date of the step" would be vague.
DATE_LABELS = {"immersion_started": "Premier jour de l'immersion",
               "hired": "Premier jour de travail", "exited": "Date de sortie",
               "follow_up_contact": "Date de l'échange", "immersion_ended": "Date de fin"}
#: Which list of labels (filters.LABELS) names a field's codes, by step when it differs.
CHOICE_LABELS = {"objective": "objective", "contract_type": "contract_type",
                 "contacted": "contacted", "scope": "rupture_scope", "kind": "rupture_kind",
                 "initiated_by": "initiated_by", "outcome": "outcome"}
STATUS_LABELS = {"immersion_ended": "immersion_status", "follow_up_contact": "follow_up_status"}
#: Fields the pages fill themselves (a committee decision sets the session).
HIDDEN = ("step", "committee_session_id")
#: Fields whose choices are the territory's people or structures.
REFERENCE_CHOICES = {"referent_id": "referents", "structure_id": "structures"}


@dataclass(frozen=True)
class Control:
    """One form control: its field path, words, kind (date, select, yes_no, number, text)."""

    name: str
    label: str
    kind: str
    required: bool
    choices: str | tuple = ()


def _choices(code: str, name: str, field: fields.Field):
    if name in REFERENCE_CHOICES:
        return REFERENCE_CHOICES[name]
    one_of = [v for v in field.validators if isinstance(v, validate.OneOf)]
    if not one_of:
        return None
    kind = STATUS_LABELS.get(code) if name == "status" else CHOICE_LABELS.get(name)
    return (kind, tuple(one_of[0].choices))


def controls(code: str, schema_fields=None, prefix: str = "") -> list[Control]:
    """The controls of a step's form, in the schema's order."""
    found = []
    for name, field in (schema_fields or STEP_SCHEMAS[code]().fields).items():
        if name in HIDDEN:
            continue
        path, words = prefix + name, FIELD_LABELS.get(name, name)
        if name == "occurred_on" and not prefix:
            words = DATE_LABELS.get(code, words)
        if isinstance(field, fields.Nested):
            found += [Control(c.name, f"{words} : {c.label.lower()}", c.kind, c.required and field.required, c.choices)
                      for c in controls(code, field.schema.fields, prefix=path + ".")]
            continue
        choices = _choices(code, name, field)
        if choices:
            kind = "select"
        elif isinstance(field, fields.Date):
            kind = "date"
        elif isinstance(field, fields.Boolean):
            kind = "yes_no"
        elif isinstance(field, fields.Number):
            kind = "number"
        else:
            kind = "text"
        found.append(Control(path, words, kind, field.required, choices or ()))
    return found


#: Steps a form is offered for on a pathway page (a correction has its own form).
FORM_STEPS = tuple(code for code in STEP_SCHEMAS if code != "corrected")
