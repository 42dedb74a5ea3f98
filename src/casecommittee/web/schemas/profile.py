"""The pseudonymous profile and the consent recorded at identification."""

from marshmallow import Schema, fields, validate

from ...domain import vocabulary as v
from .common import one_of


class ProfileIn(Schema):
    """Statistical attributes only (the birth year is derived from person.birth_date)."""

    sex = one_of(v.SEXES, required=True)
    qpv_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 16),
                             metadata={"description": "code du quartier prioritaire (QPV)"})
    qualification_level = one_of(v.QUALIFICATION_LEVELS, load_default=None, allow_none=True)
    flags = fields.List(one_of(v.FLAGS), load_default=list, validate=validate.Length(max=len(v.FLAGS)))


class Profile(ProfileIn):
    """The profile as events carry it."""

    birth_year = fields.Integer(allow_none=True)
    age_bracket = fields.String(allow_none=True)


class ProfileChanges(Schema):
    """Corrected profile attributes (any subset)."""

    sex = one_of(v.SEXES)
    qpv_code = fields.String(allow_none=True, validate=validate.Length(1, 16))
    qualification_level = one_of(v.QUALIFICATION_LEVELS, allow_none=True)
    flags = fields.List(one_of(v.FLAGS), validate=validate.Length(max=len(v.FLAGS)))
    birth_year = fields.Integer(validate=validate.Range(min=1900, max=2100))


class ConsentIn(Schema):
    """Consent to committee sharing (secret professionnel partagé)."""

    committee_sharing = fields.Boolean(required=True)
    given_on = fields.Date(load_default=None, allow_none=True)


class ConsentChanges(Schema):
    """Corrected consent (any subset)."""

    committee_sharing = fields.Boolean()
    given_on = fields.Date(allow_none=True)
