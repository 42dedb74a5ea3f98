"""Pathways: identification, the pathway document, lists, history, personal data (the
right-of-access export)."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ...domain import vocabulary as v
from ...domain.committee import COMMITTEE_KINDS, DECISIONS
from ...domain.pathway import STEPS
from .common import Document, PageQuerySchema, page_of
from .fields import Day, Phone, Text, birth_day, email_address, identifier, label, one_of
from .profile import ConsentIn, Profile, ProfileIn
from .situation import (
    STEP_DATA,
    Consent,
    CurrentImmersion,
    CurrentJob,
    CurrentOrientation,
    Exit,
    Referral,
    code,
    data_field,
)


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


class PathwayQuery(Schema):
    """`?version=N` or `?as_of=YYYY-MM-DD`: the state at a version or a business date."""

    version = fields.Integer(load_default=None, validate=validate.Range(min=1, max=1_000_000))
    as_of = Day(load_default=None)

    @validates_schema
    def _one_of_them(self, data, **kwargs):
        if data.get("version") is not None and data.get("as_of") is not None:
            raise ValidationError("version ou as_of, pas les deux", "as_of")


#: What a write's answer may include on request.
WRITE_INCLUDES = ("person",)


class WriteQuery(Schema):
    """`?include=person`: a write's answer also shows the person's identity (when the caller
    may read it; the read is then in the access log). Without it the answer has no `person`:
    the identity is not decrypted for a write."""

    include = one_of(WRITE_INCLUDES, load_default=None,
                     metadata={"description": "`person`: also answer the person's identity"})


class PathwayListQuery(PageQuerySchema):
    """Filters of the caller's visible pathways."""

    group_id = identifier(load_default=None)
    stage = one_of(v.STAGES, load_default=None)
    referent_id = identifier(load_default=None)
    #: Never a name: the address is kept by the server's access log and the proxies.
    q = Text(load_default=None, validate=[
        validate.Length(1, 64),
        validate.Regexp(r"^(?:[0-9A-Fa-f-]+|ps-[a-z2-7]+)$",
                        error="le début d'un identifiant de parcours ou un pseudonyme (ps-…), "
                              "jamais un nom : l'adresse est conservée dans les journaux")],
             metadata={"description": "the beginning of a pathway id (or a pseudonym); never a "
                                      "name (the address is kept in the servers' logs)"})


class Checkpoint(Document):
    """An expected point of the 15-week follow-up."""

    kind = code(("contact", "validation"), required=True)
    week = fields.Integer(required=True)
    due_on = fields.String(required=True, metadata={"format": "date"})


class FollowUp(Document):
    """Contacts due and overdue (expected and not logged 7 days after their date)."""

    hired_on = fields.Date(allow_none=True)
    due = fields.List(fields.Nested(Checkpoint), required=True)
    overdue = fields.List(fields.Nested(Checkpoint), required=True)


class Referent(Document):
    """The référent de parcours."""

    user_id = fields.String(required=True)
    name = fields.String(allow_none=True)
    structure_id = fields.String(allow_none=True)


class PersonOut(Document):
    """The person's identity (only for the roles allowed to read it)."""

    first_name = fields.String()
    last_name = fields.String()
    birth_date = fields.String()
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    address = fields.String(allow_none=True)


class Pathway(Document):
    """A pathway as it stands (or stood at a version or business date)."""

    id = fields.String(required=True, metadata={"description": "uuid, or a pseudonym for auditors"})
    group_id = fields.String(required=True)
    territory_id = fields.String(allow_none=True)
    stage = code(v.STAGES, required=True)
    stage_since = fields.Date(allow_none=True)
    version = fields.Integer(required=True)
    identified_on = fields.Date(required=True)
    channel = code(v.CHANNELS, allow_none=True)
    profile = fields.Nested(Profile)
    consent = fields.Nested(Consent)
    referent = fields.Nested(Referent, allow_none=True)
    current_orientation = fields.Nested(CurrentOrientation, allow_none=True)
    current_immersion = fields.Nested(CurrentImmersion, allow_none=True)
    current_job = fields.Nested(CurrentJob, allow_none=True)
    referral = fields.Nested(Referral, allow_none=True)
    exit = fields.Nested(Exit, allow_none=True)
    follow_up = fields.Nested(FollowUp, required=True)
    last_event_on = fields.Date(allow_none=True)
    person = fields.Nested(PersonOut, allow_none=True)


class PathwaySummary(Document):
    """A pathway in a list (no identity: names are encrypted)."""

    id = fields.String(required=True)
    group_id = fields.String(required=True)
    stage = code(v.STAGES, required=True)
    stage_since = fields.Date(allow_none=True)
    identified_on = fields.Date(required=True)
    referent_id = fields.String(allow_none=True)
    version = fields.Integer(required=True)
    last_event_on = fields.Date(allow_none=True)
    follow_up_next_due_on = fields.Date(allow_none=True)
    validation_due_on = fields.Date(allow_none=True)
    consent_sharing = fields.Boolean(allow_none=True)


PathwayPage = page_of(PathwaySummary, "PathwayPage")


class Actor(Document):
    """Who logged a step."""

    user_id = fields.String(allow_none=True)
    role = code(v.ROLES, allow_none=True)
    structure_id = fields.String(allow_none=True)


class HistoryItem(Document):
    """One event of the pathway, with its business date and recorded time."""

    version = fields.Integer(required=True)
    step = code(STEPS, required=True)
    occurred_on = fields.Date(required=True)
    recorded_at = fields.DateTime(required=True)
    actor = fields.Nested(Actor, required=True)
    data = data_field(STEP_DATA)


class History(Document):
    """Every event of a pathway in order."""

    id = fields.String(required=True)
    items = fields.List(fields.Nested(HistoryItem), required=True)


class RecordedBy(Document):
    """Who recorded a step, as the person reads it: the role and the structure (never the
    professional's user id or name)."""

    role = code(v.ROLES, allow_none=True)
    structure_id = fields.String(allow_none=True)
    structure_name = fields.String(allow_none=True)


class ExportedStep(Document):
    """One recorded step of the person's pathway, in the right-of-access export."""

    version = fields.Integer(required=True)
    step = code(STEPS, required=True)
    step_label = fields.String(required=True, metadata={"description": "the step in French"})
    occurred_on = fields.Date(required=True, metadata={"description": "the business date"})
    recorded_at = fields.DateTime(required=True, metadata={"description": "when it was recorded"})
    recorded_by = fields.Nested(RecordedBy, required=True)
    data = fields.Dict(required=True, metadata={
        "description": "the step's facts as in the history (see the `…Data` schemas), the texts "
                       "written about the person opened; a staff member's user id "
                       "(`referent_id`) is replaced by their name (`referent_name`)"})


class ExportedDecision(Document):
    """A committee decision concerning the person, in the right-of-access export."""

    session_id = fields.String(required=True)
    committee_kind = code(COMMITTEE_KINDS, required=True)
    committee_kind_label = fields.String(required=True)
    held_on = fields.Date(required=True)
    decision = code(DECISIONS, required=True)
    decision_label = fields.String(required=True)
    note = fields.String(allow_none=True, metadata={"description": "opened with the person's key"})
    orientation = fields.Dict(allow_none=True, metadata={
        "description": "the orientation decided (scheme, structure_id, referent_name)"})
    decided_at = fields.DateTime(required=True)


class PersonalData(Document):
    """The export of a person's data (right of access, RGPD article 15): their identity, their
    consent, their pathway's recorded steps with the texts written about them, the committee
    decisions concerning them. Once erased: the tombstone (when, why), with no consent, no step
    and no decision (the key is gone: no text can be opened)."""

    pathway_id = fields.String(required=True)
    person = fields.Nested(PersonOut, allow_none=True)
    erased_at = fields.DateTime(allow_none=True)
    erasure_reason = fields.String(allow_none=True)
    exported_at = fields.DateTime(required=True, metadata={"description": "when this document was made"})
    consent = fields.Nested(Consent, allow_none=True, required=True)
    kept_until = fields.Date(allow_none=True, required=True, metadata={
        "description": "the day the identity and the texts are erased unless a step comes "
                       "first: the last step's day plus the retention period "
                       "(CASECOMMITTEE_RETENTION_DAYS, two years by default); null once erased"})
    steps = fields.List(fields.Nested(ExportedStep), required=True)
    decisions = fields.List(fields.Nested(ExportedDecision), required=True)


class ErasureIn(Schema):
    """Why the person's data are erased (right to erasure, retention limit…). The reason is
    kept in clear after the erasure: one naming the person or giving their phone or e-mail is
    refused (422 on `reason`)."""

    reason = label(required=True, metadata={
        "description": "kept after the erasure: never the person's name, phone or e-mail"})
