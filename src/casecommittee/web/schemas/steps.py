"""One schema per step code, and `StepIn`, which picks the right one from the `step` field.

`StepIn` works like marshmallow-oneofschema: it reads `step`, loads the body with that step's
schema, and the OpenAPI document shows it as a `oneOf` with a discriminator on `step`.
"""

from marshmallow import Schema, ValidationError, fields, validate

from ...domain import vocabulary as v
from ...domain.pathway import LOGGABLE_STEPS
from ...domain.rules import MAX_WEEKLY_HOURS, PMSMP_MAX_HOURS_PER_WEEK
from .common import ID, label, one_of, optional_label
from .profile import ConsentChanges, ProfileChanges


class Company(Schema):
    """A host company or employer: name and, when known, SIRET (14 digits)."""

    name = label(required=True)
    siret = fields.String(
        load_default=None, allow_none=True, validate=validate.Regexp(r"^\d{14}$", error="14 chiffres"),
    )


def _step_schema(code: str, doc: str, **declared) -> type[Schema]:
    declared = {
        "step": fields.String(required=True, validate=validate.OneOf([code])),
        "occurred_on": fields.Date(required=True, metadata={"description": "business date"}),
        **declared,
    }
    schema = Schema.from_dict(declared, name="".join(p.title() for p in code.split("_")) + "Step")
    schema.__doc__ = doc
    return schema


def _hours(maximum: float, required: bool = True) -> fields.Float:
    return fields.Float(required=required,
                        validate=validate.Range(min=0, max=maximum, min_inclusive=False))


#: Fields a correction may change, typed as in the step that carries them.
CORRECTABLE = {
    "occurred_on": fields.Date(), "ends_on": fields.Date(),
    "hours_per_week": _hours(PMSMP_MAX_HOURS_PER_WEEK, False),
    "weekly_hours": _hours(MAX_WEEKLY_HOURS, False),
    "contract_months": fields.Integer(validate=validate.Range(min=1, max=120), allow_none=True),
    "renews": fields.Boolean(), "led_to_hire": fields.Boolean(), "still_employed": fields.Boolean(),
    "host": fields.Nested(Company), "employer": fields.Nested(Company),
    "objective": one_of(v.IMMERSION_OBJECTIVES), "contract_type": one_of(v.CONTRACT_TYPES),
    "contacted": one_of(v.FOLLOW_UP_CONTACTED), "scope": one_of(v.RUPTURE_SCOPES),
    "kind": one_of(v.RUPTURE_KINDS), "initiated_by": one_of(v.RUPTURE_INITIATORS),
    "outcome": one_of(v.EXIT_OUTCOMES), "channel": one_of(v.CHANNELS),
    "status": fields.String(validate=validate.OneOf(v.IMMERSION_STATUSES + v.FOLLOW_UP_STATUSES)),
    "scheme": label(), "reason": label(), "note": label(allow_none=True),
    "referent_id": fields.String(validate=ID), "structure_id": fields.String(validate=ID, allow_none=True),
    "identified_by_structure_id": fields.String(validate=ID, allow_none=True),
    "committee_session_id": fields.String(validate=ID, allow_none=True),
    "group_id": fields.String(validate=ID),
}


CORRECTABLE["profile"] = fields.Nested(ProfileChanges)
CORRECTABLE["consent"] = fields.Nested(ConsentChanges)

#: The corrected fields and their new values (any field of the corrected step, or its date).
CorrectionChanges = Schema.from_dict(CORRECTABLE, name="CorrectionChanges")


STEP_SCHEMAS: dict[str, type[Schema]] = {
    "referent_assigned": _step_schema(
        "referent_assigned", "Référent désigné.",
        referent_id=fields.String(required=True, validate=ID),
        structure_id=fields.String(load_default=None, allow_none=True, validate=ID),
    ),
    "committee_referral": _step_schema(
        "committee_referral", "Demande de passage en comité.", reason=label(required=True),
    ),
    "oriented": _step_schema(
        "oriented", "Orientation vers un dispositif.",
        scheme=label(required=True),
        structure_id=fields.String(load_default=None, allow_none=True, validate=ID),
        referent_id=fields.String(load_default=None, allow_none=True, validate=ID),
        committee_session_id=fields.String(load_default=None, allow_none=True, validate=ID),
    ),
    "immersion_started": _step_schema(
        "immersion_started", "Début d'immersion (PMSMP) ; occurred_on est le premier jour.",
        host=fields.Nested(Company, required=True), ends_on=fields.Date(required=True),
        hours_per_week=_hours(PMSMP_MAX_HOURS_PER_WEEK), objective=one_of(v.IMMERSION_OBJECTIVES, required=True),
        renews=fields.Boolean(load_default=False),
    ),
    "immersion_ended": _step_schema(
        "immersion_ended", "Fin d'immersion.",
        status=one_of(v.IMMERSION_STATUSES, required=True), led_to_hire=fields.Boolean(required=True),
    ),
    "hired": _step_schema(
        "hired", "Embauche ; occurred_on est le premier jour de travail.",
        employer=fields.Nested(Company, required=True),
        contract_type=one_of(v.CONTRACT_TYPES, required=True),
        contract_months=fields.Integer(
            load_default=None, allow_none=True, validate=validate.Range(min=1, max=120),
            metadata={"description": "obligatoire pour cdd, interim, cddi"},
        ),
        weekly_hours=_hours(MAX_WEEKLY_HOURS),
    ),
    "follow_up_contact": _step_schema(
        "follow_up_contact", "Point de suivi pendant les 15 semaines.",
        contacted=one_of(v.FOLLOW_UP_CONTACTED, required=True),
        status=one_of(v.FOLLOW_UP_STATUSES, required=True), note=optional_label(),
    ),
    "follow_up_completed": _step_schema(
        "follow_up_completed", "Validation du suivi 15 semaines.",
        still_employed=fields.Boolean(required=True),
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
        corrects_version=fields.Integer(required=True, validate=validate.Range(min=1)),
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
