"""The statistics document."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ...queries.statistics import BREAKDOWNS
from .fields import Day, Text, identifier

_RATE = fields.Float(allow_none=True, required=True)


class StatisticsArgs(Schema):
    """Scope, period (identification dates), breakdown, business date and recorded time."""

    territory_id = identifier(load_default=None)
    group_id = identifier(load_default=None)
    period_from = Day(data_key="from", load_default=None)
    period_to = Day(data_key="to", load_default=None)
    by = Text(load_default=None, validate=validate.OneOf(tuple(BREAKDOWNS)))
    as_of = Day(load_default=None, metadata={"description": "a business date"})
    known_at = fields.AwareDateTime(
        load_default=None, default_timezone=None,
        metadata={"description": "a recorded time with its offset, e.g. 2026-03-02T18:00:00+00:00"},
    )

    @validates_schema
    def _period(self, data, **kwargs):
        if data.get("period_from") and data.get("period_to") and data["period_from"] > data["period_to"]:
            raise ValidationError("`from` doit précéder `to`", "from")


class Funnel(Schema):
    """Pathways that ever reached each step."""

    identified = fields.Integer(required=True)
    oriented = fields.Integer(required=True)
    immersion = fields.Integer(required=True)
    hired = fields.Integer(required=True)
    follow_up_completed = fields.Integer(required=True)


class Rates(Schema):
    """Fractions in [0, 1]; null where the denominator is 0."""

    orientation = _RATE
    immersion = _RATE
    hiring = _RATE
    retention_15_weeks = _RATE
    rupture = _RATE
    positive_exit = _RATE


class MedianDays(Schema):
    """Median delays from identification."""

    to_orientation = fields.Float(allow_none=True, required=True)
    to_first_hire = fields.Float(allow_none=True, required=True)


class BreakdownRow(Schema):
    """The figures of one value of the breakdown."""

    key = fields.String(allow_none=True, required=True)
    population = fields.Integer(required=True)
    funnel = fields.Nested(Funnel, required=True)
    rates = fields.Nested(Rates, required=True)


class Target(Schema):
    """Cohort progress against the groups' yearly targets."""

    per_year = fields.Integer(required=True)
    year = fields.Integer()
    identified_this_year = fields.Integer(required=True)


class Statistics(Schema):
    """Outcome statistics, as of a business date and as known at a recorded time."""

    as_of = fields.String(required=True, metadata={"format": "date"})
    known_at = fields.String(allow_none=True, required=True, metadata={"format": "date-time"})
    population = fields.Integer(required=True)
    stages = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    funnel = fields.Nested(Funnel, required=True)
    rates = fields.Nested(Rates, required=True)
    ruptures_by_stage = fields.Dict(keys=fields.String(), values=fields.Integer())
    median_days = fields.Nested(MedianDays, required=True)
    exits = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    breakdown = fields.List(fields.Nested(BreakdownRow), required=True)
    target = fields.Nested(Target, required=True)
