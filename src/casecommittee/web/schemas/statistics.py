"""The statistics document."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ...domain import company as c
from ...queries.statistics import BREAKDOWNS
from .common import Document
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


class Funnel(Document):
    """Pathways that ever reached each step."""

    identified = fields.Integer(required=True)
    oriented = fields.Integer(required=True)
    immersion = fields.Integer(required=True)
    hired = fields.Integer(required=True)
    follow_up_completed = fields.Integer(required=True)


class Rates(Document):
    """Fractions in [0, 1]; null where the denominator is 0."""

    orientation = _RATE
    immersion = _RATE
    hiring = _RATE
    retention_15_weeks = _RATE
    rupture = _RATE
    positive_exit = _RATE


class MedianDays(Document):
    """Median delays from identification."""

    to_orientation = fields.Float(allow_none=True, required=True)
    to_first_hire = fields.Float(allow_none=True, required=True)


class BreakdownRow(Document):
    """The figures of one value of the breakdown."""

    key = fields.String(allow_none=True, required=True)
    population = fields.Integer(required=True)
    funnel = fields.Nested(Funnel, required=True)
    rates = fields.Nested(Rates, required=True)


class Target(Document):
    """Cohort progress against the groups' yearly targets."""

    per_year = fields.Integer(required=True)
    year = fields.Integer()
    identified_this_year = fields.Integer(required=True)


class Statistics(Document):
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


class CompanyStatisticsArgs(Schema):
    """Period (business dates), business date and recorded time of the companies' figures."""

    period_from = Day(data_key="from", load_default=None)
    period_to = Day(data_key="to", load_default=None)
    as_of = Day(load_default=None, metadata={"description": "a business date"})
    known_at = fields.AwareDateTime(
        load_default=None, default_timezone=None,
        metadata={"description": "a recorded time with its offset, e.g. 2026-03-02T18:00:00+00:00"},
    )

    @validates_schema
    def _period(self, data, **kwargs):
        if data.get("period_from") and data.get("period_to") and data["period_from"] > data["period_to"]:
            raise ValidationError("`from` doit précéder `to`", "from")


def _counts(names, description: str) -> fields.Nested:
    return fields.Nested(Document.from_dict(
        {name: fields.Integer(required=True) for name in names},
        name=description), required=True)


class CompaniesMobilised(Document):
    """Companies with an activity in the period; first-time ones had none before it."""

    mobilised = fields.Integer(required=True)
    first_time = fields.Integer(required=True)
    returning = fields.Integer(required=True)
    by_size = _counts(c.SIZE_BANDS, "CompaniesBySize")
    by_sector = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata={
        "description": "NAF section letter (or `unknown`) → companies mobilised"})
    by_place = _counts(c.QPV_LOCATIONS, "CompaniesByPlace")


class NeedFigures(Document):
    """Needs posted in the period, those closed in it by outcome, the delay to fill them."""

    posted = fields.Integer(required=True)
    positions_posted = fields.Integer(required=True)
    closed = _counts(c.NEED_OUTCOMES, "NeedsClosed")
    positions_filled = fields.Integer(required=True)
    open_at_end = fields.Integer(required=True)
    median_days_to_fill = fields.Float(allow_none=True, required=True)


class HostingFigures(Document):
    """PMSMP hosting offers made in the period."""

    offers = fields.Integer(required=True)
    places = fields.Integer(required=True)


class HostFigures(Document):
    """A registered company's PMSMP hosted in the period, and how many a hire with it followed."""

    siret = fields.String(required=True)
    name = fields.String(required=True)
    immersions = fields.Integer(required=True)
    followed_by_hire = fields.Integer(required=True)
    hire_rate = fields.Float(allow_none=True, required=True)


class EmployerFigures(Document):
    """A registered company's hires in the period and its 15-week retention."""

    siret = fields.String(required=True)
    name = fields.String(required=True)
    hires = fields.Integer(required=True)
    validation_due = fields.Integer(required=True)
    still_employed_at_15_weeks = fields.Integer(required=True)
    retention_rate = fields.Float(allow_none=True, required=True)


class CompanyStatistics(Document):
    """The figures of the relation with companies."""

    territory_id = fields.String(required=True)
    from_ = fields.Date(data_key="from", attribute="from", allow_none=True, required=True)
    to = fields.Date(required=True)
    as_of = fields.Date(allow_none=True, required=True)
    known_at = fields.DateTime(allow_none=True, required=True)
    companies = fields.Nested(CompaniesMobilised, required=True)
    needs = fields.Nested(NeedFigures, required=True)
    hosting = fields.Nested(HostingFigures, required=True)
    participations = _counts(c.PARTICIPATION_KINDS, "ParticipationsByKind")
    commitments = _counts(c.COMMITMENT_KINDS, "CommitmentsByKind")
    hosts = fields.List(fields.Nested(HostFigures), required=True)
    employers = fields.List(fields.Nested(EmployerFigures), required=True)
