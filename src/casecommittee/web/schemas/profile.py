"""The pseudonymous profile and the consent recorded at identification."""

from marshmallow import Schema, fields, validate

from ...domain import vocabulary as v
from .fields import Boolean, Day, Integer, Text, codes, one_of

#: A QPV code: Q and 5 to 9 capital letters or digits (QP090001 in the 2015 list, QN09001M in 2024).
QPV_CODE = validate.Regexp(r"^Q[A-Z0-9]{5,9}$", error="code QPV invalide, ex. QN09001M")


class ProfileIn(Schema):
    """Statistical attributes only (the birth year is derived from person.birth_date)."""

    sex = one_of(v.SEXES, required=True)
    qpv_code = Text(load_default=None, allow_none=True, validate=QPV_CODE,
                    metadata={"description": "code du quartier prioritaire (QPV), ex. QN09001M"})
    qualification_level = one_of(v.QUALIFICATION_LEVELS, load_default=None, allow_none=True)
    flags = codes(v.FLAGS, load_default=list)


class Profile(ProfileIn):
    """The profile as events carry it."""

    birth_year = fields.Integer(allow_none=True)
    age_bracket = fields.String(allow_none=True)


class ProfileChanges(Schema):
    """Corrected profile attributes (any subset)."""

    sex = one_of(v.SEXES)
    qpv_code = Text(allow_none=True, validate=QPV_CODE)
    qualification_level = one_of(v.QUALIFICATION_LEVELS, allow_none=True)
    flags = codes(v.FLAGS)
    birth_year = Integer(validate=validate.Range(min=1900, max=2100))


class ConsentIn(Schema):
    """Consent to committee sharing (secret professionnel partagé)."""

    committee_sharing = Boolean(required=True)
    given_on = Day(load_default=None, allow_none=True)


class ConsentChanges(Schema):
    """Corrected consent (any subset)."""

    committee_sharing = Boolean()
    given_on = Day(allow_none=True)
