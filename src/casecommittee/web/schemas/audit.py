"""Audit: the pseudonymised event log, the replay check, the access log."""

from marshmallow import fields, validate

from ...domain import vocabulary as v
from ...domain.pathway import STEPS
from .common import Document, PageQuerySchema, page_of
from .fields import identifier
from .pathways import HistoryItem
from .situation import COMMITTEE_DATA, STEP_DATA, code, data_field

#: The codes of a committee session's events in the audit log.
COMMITTEE_EVENTS = ("committee_scheduled", "committee_need_added", "committee_decision",
                    "committee_closed")


class EventsQuery(PageQuerySchema):
    """Events after a position of the global log (`cursor`, the previous page's next_cursor,
    wins over `after`)."""

    after = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**62), metadata={
        "deprecated": True,
        "description": "kept for v1 clients: page with `cursor` (the previous page's next_cursor)"})


class AuditEvent(HistoryItem):
    """One event of the log: a pathway's step, or a committee session's event (scheduled, a
    decision, closed); pathway pseudonym, both dates, actor, fields."""

    position = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["pathway", "committee"]))
    pathway = fields.String(required=True, allow_none=True, metadata={
        "description": "stable pseudonym of the pathway (of the decided one for a committee "
                       "decision; null for a session's scheduling and closing)"})
    committee_session_id = fields.String(required=True, allow_none=True)
    step = code(STEPS + COMMITTEE_EVENTS, required=True, metadata={
        "description": "the step code, or committee_scheduled, committee_need_added, committee_decision, "
        "committee_closed"})
    occurred_on = fields.Date(required=True, metadata={
        "description": "the business date (a committee's: the day it is held)"})
    data = data_field(STEP_DATA + COMMITTEE_DATA)


AuditEventPage = page_of(AuditEvent, "AuditEventPage")


class Difference(Document):
    """A row where the live read model and the replayed one differ."""

    table = fields.String(required=True)
    key = fields.List(fields.String(), required=True)
    problem = fields.String(required=True)
    columns = fields.List(fields.String(), required=True)


class ReplayCheck(Document):
    """The result of rebuilding every read model from the log."""

    ok = fields.Boolean(required=True)
    position = fields.Integer(required=True)
    tables = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    difference_count = fields.Integer(required=True)
    differences = fields.List(fields.Nested(Difference), required=True)


class AccessLogQuery(PageQuerySchema):
    """Filters of the access log."""

    pathway_id = identifier(load_default=None)
    user_id = identifier(load_default=None)


class Access(Document):
    """Who read or changed which pathway, when."""

    id = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    user_id = fields.String(required=True)
    role = code(v.ROLES, required=True)
    pathway_id = fields.String(required=True)
    action = fields.String(required=True)


AccessPage = page_of(Access, "AccessPage")
