"""Committee schemas: sessions, agenda items, decisions, minutes; notifications."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ...domain.committee import COMMITTEE_KINDS, DECISIONS
from ...domain.vocabulary import STAGES
from .common import PageQuerySchema, page_of
from .fields import Day, QueryFlag, identifier, label, note_text, one_of


class CommitteeIn(Schema):
    """A session to schedule for a group."""

    group_id = identifier(required=True)
    kind = one_of(COMMITTEE_KINDS, required=True)
    held_on = Day(required=True, days_ahead=2 * 366, metadata={
        "description": "the day the session is held (from 2000 on, at most two years ahead)"})


class CommitteeQuery(PageQuerySchema):
    """Sessions of a group, between two dates."""

    group_id = identifier(load_default=None)
    from_ = Day(load_default=None, data_key="from", days_ahead=2 * 366)
    to = Day(load_default=None, days_ahead=2 * 366)


class Committee(Schema):
    """A committee session."""

    id = fields.String(required=True)
    group_id = fields.String(required=True)
    kind = fields.String(required=True)
    held_on = fields.Date(required=True)
    status = fields.String(required=True, metadata={"description": "scheduled or closed"})
    closed_at = fields.DateTime(allow_none=True)
    decision_count = fields.Integer(required=True)


CommitteePage = page_of(Committee, "CommitteePage")


class OrientationIn(Schema):
    """The fields of the `oriented` step a decision appends."""

    scheme = label(required=True)
    structure_id = identifier(load_default=None, allow_none=True)
    referent_id = identifier(load_default=None, allow_none=True)


class DecisionIn(Schema):
    """The committee's decision on one pathway."""

    pathway_id = identifier(required=True)
    decision = one_of(DECISIONS, required=True)
    note = note_text()
    orientation = fields.Nested(OrientationIn, load_default=None, allow_none=True)

    @validates_schema
    def _orientation_goes_with_orient(self, data, **kwargs):
        orient, orientation = data.get("decision") == "orient", data.get("orientation")
        if orient and not orientation:
            raise ValidationError("obligatoire pour une décision d'orientation (decision=orient)",
                                  "orientation")
        if orientation and not orient:
            raise ValidationError("seule une décision d'orientation (decision=orient) en porte une",
                                  "orientation")


class Decision(Schema):
    """A decision as recorded."""

    pathway_id = fields.String(required=True)
    decision = fields.String(required=True)
    note = fields.String(allow_none=True)
    orientation = fields.Dict(allow_none=True)
    decided_at = fields.DateTime(required=True)
    decided_by = fields.String(allow_none=True)


class DecisionOut(Schema):
    """The answer to a decision: the decision and the pathway's new version."""

    session_id = fields.String(required=True)
    decision = fields.Nested(Decision, required=True)
    pathway_version = fields.Integer(required=True)
    pathway_stage = one_of(STAGES, required=True)


class CloseIn(Schema):
    """Who attended (structures or people, as the minutes should show them)."""

    attendance = fields.List(label(), load_default=list, validate=validate.Length(max=100))


class Milestone(Schema):
    """A dated milestone of the pathway's synthesis."""

    label = fields.String(required=True)
    on = fields.Date(required=True)


class AgendaItem(Schema):
    """One pathway on the agenda with every reason it is there (most urgent first)."""

    pathway_id = fields.String(required=True, metadata={"description": "a pseudonym for auditors"})
    label = fields.String(required=True, metadata={"description": "name if consented, else pseudonym"})
    stage = fields.String(allow_none=True)
    stage_label = fields.String()
    reasons = fields.List(fields.String(), required=True)
    reason_labels = fields.List(fields.String())
    days_in_stage = fields.Integer(allow_none=True)
    last_event_on = fields.Date(allow_none=True)
    synthesis = fields.List(fields.Nested(Milestone))
    decision = fields.Nested(Decision, allow_none=True)


class Agenda(Schema):
    """The agenda of a session (frozen in the minutes once closed)."""

    session_id = fields.String(required=True)
    group_id = fields.String(required=True)
    group_name = fields.String(allow_none=True)
    kind = fields.String(required=True)
    held_on = fields.Date(required=True)
    status = fields.String(required=True)
    closed_at = fields.DateTime(allow_none=True)
    attendance = fields.List(fields.String())
    items = fields.List(fields.Nested(AgendaItem), required=True)


class NotificationQuery(PageQuerySchema):
    """The caller's notifications, newest first."""

    unread = QueryFlag(load_default=False)


class Notification(Schema):
    """A reminder or a notice for the caller."""

    id = fields.String(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    pathway_id = fields.String(allow_none=True)
    session_id = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    read_at = fields.DateTime(allow_none=True)


NotificationPage = page_of(Notification, "NotificationPage")
