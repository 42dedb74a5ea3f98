"""One schema per step code, and `StepIn`, which picks the right one from the `step` field.

A step's schema is built from its event class (`domain/pathway.py`): its fields in their order,
typed by their annotations (a date, a boolean, an id, a label, a note, codes from its
`choices`), required unless the class gives them a default, documented by its `description`.
Only the fields a declaration cannot say (a nested object, a number's range) are written here,
in `SPECIAL_INPUT`. `StepIn` works like marshmallow-oneofschema: it reads `step`, loads the body
with that step's schema, and the OpenAPI document shows it as a `oneOf` with a discriminator on
`step`.
"""

import functools
import typing
from datetime import date

from marshmallow import Schema, ValidationError, fields, validate

from ...domain import vocabulary as v
from ...domain.pathway import LOGGABLE_STEPS, STEP_EVENTS, field_types, may_be_none, own_fields
from ...domain.rules import MAX_WEEKLY_HOURS, PMSMP_MAX_HOURS_PER_WEEK
from ...domain.steps import Identifier, Label, Note
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
    one_of,
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


def _note(**kwargs) -> Text:
    return Text(multiline=True, validate=LABEL, **kwargs)


#: The input field of each kind of annotation a step's field may have (`X | None` reads as X).
FIELD_OF_TYPE = {
    date: Day, bool: Boolean, int: Integer, float: Number,
    Identifier: identifier, Label: label, Note: _note,
}


def input_field(event_class: type, name: str, *, correction: bool = False) -> fields.Field:
    """The input field of a step's field, from its event class: codes from its `choices`, or
    the kind its annotation says; required unless the class gives it a default (in a
    correction, never required, and null only where the step allows it)."""
    annotation = field_types(event_class)[name]
    nullable = may_be_none(annotation)
    choices = event_class.choices.get(name)
    if choices is not None:
        make = functools.partial(one_of, choices)
    else:
        kind = next(a for a in typing.get_args(annotation) if a is not type(None)) if nullable else annotation
        make = FIELD_OF_TYPE.get(kind)
        if make is None:
            raise TypeError(
                f"{event_class.__qualname__}.{name} ({annotation}) needs its input field written "
                f"in {'CORRECTABLE' if correction else 'SPECIAL_INPUT'} (web/schemas/steps.py): say "
                "it with Identifier, Label, Note, a date, a boolean, a number or choices, or write "
                "its field there")
    if correction:
        return make(allow_none=True) if nullable else make()
    if name not in event_class.defaults:
        return make(required=True)
    default = event_class.defaults[name]
    return make(load_default=None, allow_none=True) if default is None else make(load_default=default)


def step_schema(event_class: type, special: dict | None = None) -> type[Schema]:
    """The input schema of a step: `step`, `occurred_on`, then each of its fields (`special`
    gives the fields its declaration cannot say), documented by the class's `description`."""
    special = special or {}
    code = event_class.code
    declared = {
        "step": one_of([code], required=True),
        "occurred_on": Day(required=True, metadata={"description": "business date"}),
        **{name: special[name] if name in special else input_field(event_class, name)
           for name in own_fields(event_class)},
    }
    unknown = set(special) - set(declared)
    if unknown:
        raise TypeError(f"special input for no field of {code}: {sorted(unknown)}")
    schema = Schema.from_dict(declared, name="".join(p.title() for p in code.split("_")) + "Step")
    schema.__doc__ = event_class.description or f"{event_class.label[0].upper()}{event_class.label[1:]}."
    return schema


def _hours(maximum: float, required: bool = True) -> Number:
    return Number(required=required,
                        validate=validate.Range(min=0, max=maximum, min_inclusive=False))


def correctable(events: dict[str, type], written: dict) -> dict:
    """`written`, then each field of a step (but a correction's) it lacks, from its declaration."""
    found = dict(written)
    for code, event_class in events.items():
        if code != "corrected":
            for name in own_fields(event_class):
                if name not in found:
                    found[name] = input_field(event_class, name, correction=True)
    return found


#: Fields a correction may change, typed as in the step that carries them. The fields written
#: here are shared by steps that type them differently (`status`: an immersion's or a
#: contact's codes) or need more than their declaration (ranges, nested objects); a step's other
#: fields are added from its declaration (`correctable`).
CORRECTABLE = correctable(STEP_EVENTS, {
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
    "profile": fields.Nested(ProfileChanges), "consent": fields.Nested(ConsentChanges),
})

#: The corrected fields and their new values (any field of the corrected step, or its date).
CorrectionChanges = Schema.from_dict(CORRECTABLE, name="CorrectionChanges")

#: What a declaration cannot say of a step's input: its nested objects and its numbers' ranges
#: (step → field → input field); a step not named here has its schema from its event class alone.
SPECIAL_INPUT = {
    "immersion_started": {
        "host": fields.Nested(Host, required=True), "hours_per_week": _hours(PMSMP_MAX_HOURS_PER_WEEK),
    },
    "hired": {
        "employer": fields.Nested(Company, required=True),
        "contract_months": Integer(
            load_default=None, allow_none=True, validate=validate.Range(min=1, max=120),
            metadata={"description": "obligatoire pour cdd, interim, cddi"},
        ),
        "weekly_hours": _hours(MAX_WEEKLY_HOURS),
    },
    "corrected": {
        "corrects_version": Integer(required=True, validate=validate.Range(min=1, max=1_000_000)),
        "changes": fields.Nested(CorrectionChanges, required=True),
    },
}


def step_schemas(events: dict[str, type], loggable: tuple[str, ...], special: dict) -> dict[str, type[Schema]]:
    """code → input schema of each step a user logs (`special`: step → its special fields)."""
    unknown = set(special) - set(loggable)
    if unknown:
        raise TypeError(f"special input for no loggable step: {sorted(unknown)}")
    return {code: step_schema(events[code], special.get(code)) for code in loggable}


STEP_SCHEMAS: dict[str, type[Schema]] = step_schemas(STEP_EVENTS, LOGGABLE_STEPS, SPECIAL_INPUT)


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
        return _variant(self.variants[code]).load(data, partial=partial, **kwargs)


#: One instance per step's schema, made on first use: loading keeps no state in the schema,
#: and making one copies all its fields (a write would pay for it each time).
_VARIANTS: dict[type[Schema], Schema] = {}


def _variant(schema: type[Schema]) -> Schema:
    """The instance of a step's schema that loads every body of that step."""
    found = _VARIANTS.get(schema)
    if found is None:
        found = _VARIANTS[schema] = schema()
    return found
