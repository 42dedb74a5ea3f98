"""Audit: the pseudonymised event log, the replay check, the access log."""

import typing
from datetime import date

from marshmallow import fields, validate

from ...domain import vocabulary as v
from ...domain.company import COMPANY_EVENTS, COMPANY_FIELDS
from ...domain.pathway import STEPS
from .common import Document, PageQuerySchema, page_of
from .fields import identifier
from .pathways import HistoryItem
from .situation import COMMITTEE_DATA, STEP_DATA, code, data_field, day

#: The codes of a committee session's events in the audit log.
COMMITTEE_EVENTS = ("committee_scheduled", "committee_need_added", "committee_decision",
                    "committee_closed")

#: A company event's code in the audit log: `company_` and the code of its stream.
COMPANY_AUDIT_CODES = tuple(f"company_{code}" for code in COMPANY_EVENTS)
#: The response field of each kind of annotation a company event's field may have.
_COMPANY_FIELD_OF_TYPE = {date: day, str: fields.String, int: fields.Integer,
                          list: lambda: fields.List(fields.Raw()), dict: fields.Dict}


def company_data(code: str) -> type[Document]:
    """The `data` schema of a company event in the audit log, from its event class: its fields
    typed by their annotations, null where it allows it (pathways named by their pseudonym)."""
    annotations = typing.get_type_hints(COMPANY_EVENTS[code])
    declared = {}
    for name in COMPANY_FIELDS[code]:
        kinds = [a for a in typing.get_args(annotations[name]) if a is not type(None)]
        made = _COMPANY_FIELD_OF_TYPE[kinds[0] if kinds else annotations[name]]()
        made.allow_none = bool(kinds)
        made.required = not made.allow_none
        declared[name] = made
    name = "Company" + "".join(p.title() for p in code.split("_")) + "Data"
    schema = Document.from_dict(declared, name=name)
    schema.__doc__ = f"`company_{code}` (audit log)."
    return schema


#: The data of a company's events in the audit log.
COMPANY_DATA = tuple(company_data(code) for code in COMPANY_EVENTS)


class EventsQuery(PageQuerySchema):
    """Events after a position of the global log (`cursor`, the previous page's next_cursor,
    wins over `after`)."""

    after = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**62), metadata={
        "deprecated": True,
        "description": "kept for v1 clients: page with `cursor` (the previous page's next_cursor)"})


class AuditEvent(HistoryItem):
    """One event of the log: a pathway's step, a committee session's event (scheduled, a
    decision, closed) or a company's event (registered, a need, its outcome, a sponsor…);
    pathway pseudonym, both dates, actor, fields."""

    position = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["pathway", "committee", "company"]))
    pathway = fields.String(required=True, allow_none=True, metadata={
        "description": "stable pseudonym of the pathway (of the decided one for a committee "
                       "decision, of the sponsored one for a company's sponsor; null for the "
                       "other committee and company events)"})
    committee_session_id = fields.String(required=True, allow_none=True)
    company_id = fields.String(allow_none=True, metadata={
        "description": "the company of a company event (null for the others)"})
    step = code(STEPS + COMMITTEE_EVENTS + COMPANY_AUDIT_CODES, required=True, metadata={
        "description": "the step code, or committee_scheduled, committee_need_added, "
        "committee_decision, committee_closed, or `company_` and a company event's code "
        "(company_need_posted, company_need_closed, company_sponsor_named…)"})
    occurred_on = fields.Date(required=True, metadata={
        "description": "the business date (a committee's: the day it is held)"})
    data = data_field(STEP_DATA + COMMITTEE_DATA + COMPANY_DATA)


AuditEventPage = page_of(AuditEvent, "AuditEventPage")


class Difference(Document):
    """A row where the live read model and the replayed one differ."""

    table = fields.String(required=True)
    key = fields.List(fields.String(), required=True)
    problem = fields.String(required=True)
    columns = fields.List(fields.String(), required=True)


class ReplayCheck(Document):
    """The result of rebuilding every read model from the log, in the caller's scope: a
    caller with a territory reads their territory's rows and differences only, and of the
    others how many differences they have."""

    ok = fields.Boolean(required=True, metadata={
        "description": "no difference at all, in the caller's scope or elsewhere (the "
                       "rebuild is one, of every territory)"})
    position = fields.Integer(required=True)
    territory_id = fields.String(required=True, allow_none=True, metadata={
        "description": "the territory the report is restricted to (the caller's); null: all"})
    tables = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata={
        "description": "rows of each read model as replayed, in the caller's scope"})
    difference_count = fields.Integer(required=True, metadata={
        "description": "differences in the caller's scope (`differences` lists the first 50)"})
    differences = fields.List(fields.Nested(Difference), required=True)
    differences_elsewhere = fields.Integer(required=True, metadata={
        "description": "differences in other territories, or of rows of no territory: a count "
                       "only (0 for a caller without a territory)"})


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
