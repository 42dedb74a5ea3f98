"""Pathways: identification, the pathway document, lists, history, personal data."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ...domain import vocabulary as v
from .common import PageQuerySchema, page_of
from .fields import Day, Phone, Text, birth_day, email_address, identifier, label, one_of
from .profile import ConsentIn, Profile, ProfileIn


class PersonIn(Schema):
    """Identity and contacts: they go to the encrypted personal-data store, never into events."""

    first_name = label(required=True)
    last_name = label(required=True)
    birth_date = birth_day(required=True)
    phone = Phone(load_default=None, allow_none=True,
                  metadata={"description": "06 12 34 56 78 or +33 6 12 34 56 78"})
    email = email_address(load_default=None, allow_none=True)
    address = label(load_default=None, allow_none=True)


class IdentifyIn(Schema):
    """Identify someone (repérage): opens their pathway."""

    group_id = identifier(required=True)
    identified_on = Day(required=True)
    identified_by_structure_id = identifier(load_default=None, allow_none=True)
    channel = one_of(v.CHANNELS, required=True)
    person = fields.Nested(PersonIn, required=True)
    profile = fields.Nested(ProfileIn, required=True)
    consent = fields.Nested(ConsentIn, required=True)

    @validates_schema
    def _born_before_identified(self, data, **kwargs):
        person, on = data.get("person") or {}, data.get("identified_on")
        if person.get("birth_date") and on and person["birth_date"] >= on:
            raise ValidationError("la date de naissance doit précéder le repérage", "person.birth_date")


class WriteHeaders(Schema):
    """Optimistic concurrency and safe retries."""

    if_match = Text(
        data_key="If-Match", load_default=None,
        validate=validate.Regexp(r'^(W/)?"?\d{1,9}"?$', error='attendu : "<version>", ex. "3"'),
        metadata={"description": 'the version read (ETag), e.g. "3"; a stale one gives 409'},
    )
    idempotency_key = Text(
        data_key="Idempotency-Key", load_default=None, validate=validate.Length(1, 200),
        metadata={"description": "a retried request with the same key writes nothing new"},
    )


class IdempotencyHeaders(Schema):
    """Safe retries."""

    idempotency_key = WriteHeaders._declared_fields["idempotency_key"]


class PathwayQuery(Schema):
    """`?version=N` or `?as_of=YYYY-MM-DD`: the state at a version or a business date."""

    version = fields.Integer(load_default=None, validate=validate.Range(min=1, max=1_000_000))
    as_of = Day(load_default=None)

    @validates_schema
    def _one_of_them(self, data, **kwargs):
        if data.get("version") is not None and data.get("as_of") is not None:
            raise ValidationError("version ou as_of, pas les deux", "as_of")


class PathwayListQuery(PageQuerySchema):
    """Filters of the caller's visible pathways."""

    group_id = identifier(load_default=None)
    stage = one_of(v.STAGES, load_default=None)
    referent_id = identifier(load_default=None)
    q = Text(load_default=None, validate=validate.Length(1, 64),
                      metadata={"description": "the beginning of a pathway id (or a pseudonym)"})


class Checkpoint(Schema):
    """An expected point of the 15-week follow-up."""

    kind = fields.String(required=True)
    week = fields.Integer(required=True)
    due_on = fields.String(required=True, metadata={"format": "date"})


class FollowUp(Schema):
    """Contacts due and overdue (expected and not logged 7 days after their date)."""

    hired_on = fields.Date(allow_none=True)
    due = fields.List(fields.Nested(Checkpoint), required=True)
    overdue = fields.List(fields.Nested(Checkpoint), required=True)


class Referent(Schema):
    """The référent de parcours."""

    user_id = fields.String(required=True)
    name = fields.String(allow_none=True)
    structure_id = fields.String(allow_none=True)


class PersonOut(Schema):
    """The person's identity (only for the roles allowed to read it)."""

    first_name = fields.String()
    last_name = fields.String()
    birth_date = fields.String()
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    address = fields.String(allow_none=True)


class Pathway(Schema):
    """A pathway as it stands (or stood at a version or business date)."""

    id = fields.String(required=True, metadata={"description": "uuid, or a pseudonym for auditors"})
    group_id = fields.String(required=True)
    territory_id = fields.String(allow_none=True)
    stage = fields.String(required=True)
    stage_since = fields.Date(allow_none=True)
    version = fields.Integer(required=True)
    identified_on = fields.Date(required=True)
    channel = fields.String(allow_none=True)
    profile = fields.Nested(Profile)
    consent = fields.Dict()
    referent = fields.Nested(Referent, allow_none=True)
    current_orientation = fields.Dict(allow_none=True)
    current_immersion = fields.Dict(allow_none=True)
    current_job = fields.Dict(allow_none=True)
    referral = fields.Dict(allow_none=True)
    exit = fields.Dict(allow_none=True)
    follow_up = fields.Nested(FollowUp, required=True)
    last_event_on = fields.Date(allow_none=True)
    person = fields.Nested(PersonOut, allow_none=True)


class PathwaySummary(Schema):
    """A pathway in a list (no identity: names are encrypted)."""

    id = fields.String(required=True)
    group_id = fields.String(required=True)
    stage = fields.String(required=True)
    stage_since = fields.Date(allow_none=True)
    identified_on = fields.Date(required=True)
    referent_id = fields.String(allow_none=True)
    version = fields.Integer(required=True)
    last_event_on = fields.Date(allow_none=True)
    follow_up_next_due_on = fields.Date(allow_none=True)
    validation_due_on = fields.Date(allow_none=True)
    consent_sharing = fields.Boolean(allow_none=True)


PathwayPage = page_of(PathwaySummary, "PathwayPage")


class Actor(Schema):
    """Who logged a step."""

    user_id = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    structure_id = fields.String(allow_none=True)


class HistoryItem(Schema):
    """One event of the pathway, with its business date and recorded time."""

    version = fields.Integer(required=True)
    step = fields.String(required=True)
    occurred_on = fields.Date(required=True)
    recorded_at = fields.DateTime(required=True)
    actor = fields.Nested(Actor, required=True)
    data = fields.Dict(required=True)


class History(Schema):
    """Every event of a pathway in order."""

    id = fields.String(required=True)
    items = fields.List(fields.Nested(HistoryItem), required=True)


class PersonalData(Schema):
    """The export of a person's data (right of access), or the tombstone once erased."""

    pathway_id = fields.String(required=True)
    person = fields.Nested(PersonOut, allow_none=True)
    erased_at = fields.DateTime(allow_none=True)
    erasure_reason = fields.String(allow_none=True)


class ErasureIn(Schema):
    """Why the person's data are erased (right to erasure, retention limit…)."""

    reason = label(required=True)
