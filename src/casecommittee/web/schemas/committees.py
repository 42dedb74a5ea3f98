"""Committee schemas: sessions, agenda items, decisions, minutes; notifications."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ...domain.committee import COMMITTEE_KINDS, DECISIONS
from ...domain.vocabulary import STAGES
from .common import Document, PageQuerySchema, page_of
from .fields import Day, QueryFlag, identifier, label, note_text, one_of
from .situation import code

#: A session is scheduled until it is closed.
SESSION_STATUSES = ("scheduled", "closed")


class CommitteeIn(Schema):
    """A session to schedule for a group."""

    group_id = identifier(required=True)
    kind = one_of(COMMITTEE_KINDS, required=True)
    held_on = Day(required=True, days_ahead=2 * 366, metadata={
        "description": "the day the session is held (from 2000 on, at most two years ahead)"})


class CommitteeNeedIn(Schema):
    """A company's need to put on the session's agenda (its shortlist joins the agenda)."""

    company_id = identifier(required=True)
    need_id = identifier(required=True)


class CommitteeQuery(PageQuerySchema):
    """Sessions of a group, between two dates."""

    group_id = identifier(load_default=None)
    from_ = Day(load_default=None, data_key="from", days_ahead=2 * 366)
    to = Day(load_default=None, days_ahead=2 * 366)


class ProposalOut(Document):
    """The company and need a decision proposed the person to."""

    company_id = fields.String(required=True)
    need_id = fields.String(required=True)


class Committee(Document):
    """A committee session."""

    id = fields.String(required=True)
    group_id = fields.String(required=True)
    kind = code(COMMITTEE_KINDS, required=True)
    held_on = fields.Date(required=True)
    status = code(SESSION_STATUSES, required=True)
    closed_at = fields.DateTime(allow_none=True)
    decision_count = fields.Integer(required=True)
    needs = fields.List(fields.Nested(ProposalOut), metadata={
        "description": "the companies' needs on the agenda (in a session's own document; "
                       "lists of sessions leave it out)"})


CommitteePage = page_of(Committee, "CommitteePage")


class OrientationIn(Schema):
    """The fields of the `oriented` step a decision appends."""

    scheme = label(required=True)
    structure_id = identifier(load_default=None, allow_none=True)
    referent_id = identifier(load_default=None, allow_none=True)


class ProposalIn(Schema):
    """The company and the need (on the session's agenda) a person is proposed to."""

    company_id = identifier(required=True)
    need_id = identifier(required=True)


class DecisionIn(Schema):
    """The committee's decision on one pathway."""

    pathway_id = identifier(required=True)
    decision = one_of(DECISIONS, required=True)
    note = note_text()
    orientation = fields.Nested(OrientationIn, load_default=None, allow_none=True)
    proposal = fields.Nested(ProposalIn, load_default=None, allow_none=True)

    @validates_schema
    def _proposal_goes_with_propose(self, data, **kwargs):
        propose, proposal = data.get("decision") == "propose_to_company", data.get("proposal")
        if propose and not proposal:
            raise ValidationError("obligatoire pour une proposition à une entreprise "
                                  "(decision=propose_to_company)", "proposal")
        if proposal and not propose:
            raise ValidationError("seule une proposition à une entreprise "
                                  "(decision=propose_to_company) en porte une", "proposal")

    @validates_schema
    def _orientation_goes_with_orient(self, data, **kwargs):
        orient, orientation = data.get("decision") == "orient", data.get("orientation")
        if orient and not orientation:
            raise ValidationError("obligatoire pour une décision d'orientation (decision=orient)",
                                  "orientation")
        if orientation and not orient:
            raise ValidationError("seule une décision d'orientation (decision=orient) en porte une",
                                  "orientation")


class OrientationOut(Document):
    """The orientation a decision appended."""

    scheme = fields.String(required=True)
    structure_id = fields.String(allow_none=True)
    referent_id = fields.String(allow_none=True)


class Decision(Document):
    """A decision as recorded."""

    pathway_id = fields.String(required=True)
    decision = code(DECISIONS, required=True)
    note = fields.String(allow_none=True)
    orientation = fields.Nested(OrientationOut, allow_none=True)
    proposal = fields.Nested(ProposalOut, allow_none=True)
    decided_at = fields.DateTime(required=True)
    decided_by = fields.String(allow_none=True)


class DecisionOut(Document):
    """The answer to a decision: the decision and the pathway's new version."""

    session_id = fields.String(required=True)
    decision = fields.Nested(Decision, required=True)
    pathway_version = fields.Integer(required=True)
    pathway_stage = one_of(STAGES, required=True)


class CloseIn(Schema):
    """Who attended (structures or people, as the minutes should show them)."""

    attendance = fields.List(label(), load_default=list, validate=validate.Length(max=100))


class Milestone(Document):
    """A dated milestone of the pathway's synthesis."""

    label = fields.String(required=True)
    on = fields.Date(required=True)


class AgendaItem(Document):
    """One pathway on the agenda with every reason it is there (most urgent first)."""

    pathway_id = fields.String(required=True, metadata={"description": "a pseudonym for auditors"})
    label = fields.String(required=True, metadata={"description": "name if consented, else pseudonym"})
    stage = code(STAGES, allow_none=True)
    stage_label = fields.String()
    reasons = fields.List(fields.String(), required=True)
    reason_labels = fields.List(fields.String())
    days_in_stage = fields.Integer(allow_none=True)
    last_event_on = fields.Date(allow_none=True)
    synthesis = fields.List(fields.Nested(Milestone))
    decision = fields.Nested(Decision, allow_none=True)


class Agenda(Document):
    """The agenda of a session (frozen in the minutes once closed)."""

    session_id = fields.String(required=True)
    group_id = fields.String(required=True)
    group_name = fields.String(allow_none=True)
    kind = code(COMMITTEE_KINDS, required=True)
    held_on = fields.Date(required=True)
    status = code(SESSION_STATUSES, required=True)
    closed_at = fields.DateTime(allow_none=True)
    attendance = fields.List(fields.String())
    items = fields.List(fields.Nested(AgendaItem), required=True)


class NotificationQuery(PageQuerySchema):
    """The caller's notifications, newest first."""

    unread = QueryFlag(load_default=False)


class Notification(Document):
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
