"""One schema per step code, and `StepIn`, which picks the right one from the `step` field.

`StepIn` works like marshmallow-oneofschema: it reads `step`, loads the body with that step's
schema, and the OpenAPI document shows it as a `oneOf` with a discriminator on `step`.
"""

from marshmallow import Schema, ValidationError, fields, validate

from ...domain import vocabulary as v
from ...domain.pathway import LOGGABLE_STEPS
from ...domain.rules import MAX_WEEKLY_HOURS, PMSMP_MAX_HOURS_PER_WEEK
from .fields import (
    LABEL,
    Boolean,
    Day,
    Integer,
    Number,
    Siret,
    Text,
    identifier,
    label,
    note_text,
    one_of,
    optional_label,
)
from .profile import ConsentChanges, ProfileChanges


class Company(Schema):
    """An employer: name and, when it has one, SIRET (a household employer has none)."""

    name = label(required=True)
    siret = Siret(load_default=None, allow_none=True,
                  metadata={"description": "14 digits with a valid checksum"})


class Host(Company):
    """The host of an immersion (PMSMP), identified by its SIRET."""

    siret = Siret(required=True, metadata={"description": "14 digits with a valid checksum"})


def _step_schema(code: str, doc: str, **declared) -> type[Schema]:
    declared = {
        "step": one_of([code], required=True),
        "occurred_on": Day(required=True, metadata={"description": "business date"}),
        **declared,
    }
    schema = Schema.from_dict(declared, name="".join(p.title() for p in code.split("_")) + "Step")
    schema.__doc__ = doc
    return schema


def _hours(maximum: float, required: bool = True) -> Number:
    return Number(required=required,
                        validate=validate.Range(min=0, max=maximum, min_inclusive=False))


#: Fields a correction may change, typed as in the step that carries them.
CORRECTABLE = {
    "occurred_on": Day(), "ends_on": Day(),
    "hours_per_week": _hours(PMSMP_MAX_HOURS_PER_WEEK, False),
    "weekly_hours": _hours(MAX_WEEKLY_HOURS, False),
    "contract_months": Integer(validate=validate.Range(min=1, max=120), allow_none=True),
    "renews": Boolean(), "led_to_hire": Boolean(), "still_employed": Boolean(),
    "host": fields.Nested(Host), "employer": fields.Nested(Company),
    "objective": one_of(v.IMMERSION_OBJECTIVES), "contract_type": one_of(v.CONTRACT_TYPES),
    "contacted": one_of(v.FOLLOW_UP_CONTACTED), "scope": one_of(v.RUPTURE_SCOPES),
    "kind": one_of(v.RUPTURE_KINDS), "initiated_by": one_of(v.RUPTURE_INITIATORS),
    "outcome": one_of(v.EXIT_OUTCOMES), "channel": one_of(v.CHANNELS),
    "status": one_of(v.IMMERSION_STATUSES + v.FOLLOW_UP_STATUSES),
    "scheme": label(), "reason": label(), "note": Text(multiline=True, validate=LABEL, allow_none=True),
    "referent_id": identifier(), "structure_id": identifier(allow_none=True),
    "identified_by_structure_id": identifier(allow_none=True),
    "committee_session_id": identifier(allow_none=True),
    "group_id": identifier(),
}


CORRECTABLE["profile"] = fields.Nested(ProfileChanges)
CORRECTABLE["consent"] = fields.Nested(ConsentChanges)

#: The corrected fields and their new values (any field of the corrected step, or its date).
CorrectionChanges = Schema.from_dict(CORRECTABLE, name="CorrectionChanges")


STEP_SCHEMAS: dict[str, type[Schema]] = {
    "referent_assigned": _step_schema(
        "referent_assigned", "Référent désigné.",
        referent_id=identifier(required=True),
        structure_id=identifier(load_default=None, allow_none=True),
    ),
    "committee_referral": _step_schema(
        "committee_referral", "Demande de passage en comité.", reason=label(required=True),
    ),
    "oriented": _step_schema(
        "oriented", "Orientation vers un dispositif.",
        scheme=label(required=True),
        structure_id=identifier(load_default=None, allow_none=True),
        referent_id=identifier(load_default=None, allow_none=True),
        committee_session_id=identifier(load_default=None, allow_none=True),
    ),
    "immersion_started": _step_schema(
        "immersion_started", "Début d'immersion (PMSMP) ; occurred_on est le premier jour.",
        host=fields.Nested(Host, required=True), ends_on=Day(required=True),
        hours_per_week=_hours(PMSMP_MAX_HOURS_PER_WEEK), objective=one_of(v.IMMERSION_OBJECTIVES, required=True),
        renews=Boolean(load_default=False),
    ),
    "immersion_ended": _step_schema(
        "immersion_ended", "Fin d'immersion.",
        status=one_of(v.IMMERSION_STATUSES, required=True), led_to_hire=Boolean(required=True),
    ),
    "hired": _step_schema(
        "hired", "Embauche ; occurred_on est le premier jour de travail.",
        employer=fields.Nested(Company, required=True),
        contract_type=one_of(v.CONTRACT_TYPES, required=True),
        contract_months=Integer(
            load_default=None, allow_none=True, validate=validate.Range(min=1, max=120),
            metadata={"description": "obligatoire pour cdd, interim, cddi"},
        ),
        weekly_hours=_hours(MAX_WEEKLY_HOURS),
    ),
    "follow_up_contact": _step_schema(
        "follow_up_contact", "Point de suivi pendant les 15 semaines.",
        contacted=one_of(v.FOLLOW_UP_CONTACTED, required=True),
        status=one_of(v.FOLLOW_UP_STATUSES, required=True), note=note_text(),
    ),
    "follow_up_completed": _step_schema(
        "follow_up_completed", "Validation du suivi 15 semaines.",
        still_employed=Boolean(required=True),
    ),
    "rupture": _step_schema(
        "rupture", "Rupture du parcours, du contrat ou de l'immersion.",
        scope=one_of(v.RUPTURE_SCOPES, required=True), kind=one_of(v.RUPTURE_KINDS, required=True),
        initiated_by=one_of(v.RUPTURE_INITIATORS, required=True), reason=optional_label(),
    ),
    "exited": _step_schema(
        "exited", "Sortie du parcours.", outcome=one_of(v.EXIT_OUTCOMES, required=True),
    ),
    "corrected": _step_schema(
        "corrected", "Correction d'une étape déjà enregistrée (jamais réécrite).",
        corrects_version=Integer(required=True, validate=validate.Range(min=1, max=1_000_000)),
        changes=fields.Nested(CorrectionChanges, required=True),
        reason=label(required=True),
    ),
}


class StepIn(Schema):
    """A step to log: `step` says which, the other fields are those of that step."""

    #: step code → schema (documented as a oneOf with a discriminator on `step`).
    variants = STEP_SCHEMAS
    discriminator = "step"

    step = one_of(LOGGABLE_STEPS, required=True)

    def load(self, data, *, many=None, partial=None, unknown=None):
        """Loads the body with the schema of its `step`."""
        if not isinstance(data, dict):
            raise ValidationError({"_schema": ["un objet JSON est attendu"]})
        code = data.get(self.discriminator)
        if not isinstance(code, str) or code not in self.variants:
            raise ValidationError({
                self.discriminator: [f"étape inconnue ; étapes possibles : {', '.join(self.variants)}"]
            })
        kwargs = {"unknown": unknown} if unknown else {}
        return self.variants[code]().load(data, partial=partial, **kwargs)
