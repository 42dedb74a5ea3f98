"""The typed parts of the response documents: a pathway's current orientation, immersion, job,
referral, exit and consent, and the fields each kind of event carries in a history.

Response schemas only (they are dumped, never loaded): codes are documented as the domain's
closed lists, dates inside these objects as ISO strings (`format: date`). The free text written
about a person (a referral's or a rupture's reason, a contact's note, a correction's reason) is
shown opened with the person's key to whoever may read the person (their referent, a co-pilot
of their group), « texte effacé avec les données de la personne » once they are erased, and
`[masqué]` for the others who see the pathway (auditors, a colleague of the group).
"""

import typing
from datetime import date

from marshmallow import fields, validate

from ...domain import vocabulary as v
from ...domain.committee import COMMITTEE_KINDS, DECISIONS
from ...domain.pathway import STEP_EVENTS, field_types, may_be_none, own_fields
from ...domain.steps import Identifier, Label, Note
from .common import Document


def code(choices, **kwargs) -> fields.String:
    """A code of a closed list in a response (documented as its enum)."""
    return fields.String(validate=validate.OneOf(choices), **kwargs)


def day(**kwargs) -> fields.String:
    """A date already written as an ISO string (`2026-03-02`)."""
    return fields.String(metadata={"format": "date", **kwargs.pop("metadata", {})}, **kwargs)


class CompanyOut(Document):
    """A host or an employer."""

    name = fields.String(required=True)
    siret = fields.String(allow_none=True)


class Referral(Document):
    """A pending request to bring the pathway before the committee."""

    on = day(required=True)
    reason = fields.String(required=True, metadata={
        "description": "masked for auditors; « texte effacé avec les données de la personne » "
                       "once the person is erased"})
    by = fields.String(allow_none=True)


class Exit(Document):
    """How the pathway ended."""

    on = day(required=True)
    outcome = code(v.EXIT_OUTCOMES, required=True)


class Consent(Document):
    """Consent to committee sharing."""

    committee_sharing = fields.Boolean(required=True)
    given_on = day(allow_none=True)


class IdentifiedData(Document):
    """`identified`: the group, the channel, the profile and the consent."""

    group_id = fields.String(required=True)
    channel = code(v.CHANNELS, required=True)
    identified_by_structure_id = fields.String(allow_none=True)
    profile = fields.Dict(required=True, metadata={"description": "see Profile"})
    consent = fields.Nested(Consent, required=True)


class ReferentAssignedData(Document):
    """`referent_assigned`."""

    referent_id = fields.String(required=True)
    structure_id = fields.String(allow_none=True)


class CommitteeReferralData(Document):
    """`committee_referral` (the reason masked for auditors)."""

    reason = fields.String(required=True)


class OrientedData(Document):
    """`oriented`."""

    scheme = fields.String(required=True)
    structure_id = fields.String(allow_none=True)
    referent_id = fields.String(allow_none=True)
    committee_session_id = fields.String(allow_none=True)


class ImmersionStartedData(Document):
    """`immersion_started` (its start is the event's `occurred_on`)."""

    host = fields.Nested(CompanyOut, required=True)
    ends_on = day(required=True)
    hours_per_week = fields.Float(required=True)
    objective = code(v.IMMERSION_OBJECTIVES, required=True)
    renews = fields.Boolean()


class ImmersionEndedData(Document):
    """`immersion_ended`."""

    status = code(v.IMMERSION_STATUSES, required=True)
    led_to_hire = fields.Boolean(required=True)


class HiredData(Document):
    """`hired` (the first day of work is the event's `occurred_on`)."""

    employer = fields.Nested(CompanyOut, required=True)
    contract_type = code(v.CONTRACT_TYPES, required=True)
    contract_months = fields.Integer(allow_none=True)
    weekly_hours = fields.Float(required=True)


class FollowUpContactData(Document):
    """`follow_up_contact` (the note masked for auditors)."""

    contacted = code(v.FOLLOW_UP_CONTACTED, required=True)
    status = code(v.FOLLOW_UP_STATUSES, required=True)
    note = fields.String(allow_none=True)


class FollowUpCompletedData(Document):
    """`follow_up_completed`."""

    still_employed = fields.Boolean(required=True)


class RuptureData(Document):
    """`rupture` (the reason masked for auditors)."""

    scope = code(v.RUPTURE_SCOPES, required=True)
    kind = code(v.RUPTURE_KINDS, required=True)
    initiated_by = code(v.RUPTURE_INITIATORS, required=True)
    reason = fields.String(allow_none=True)


class ExitedData(Document):
    """`exited`."""

    outcome = code(v.EXIT_OUTCOMES, required=True)


class CorrectedData(Document):
    """`corrected`: the version corrected and the new values of its fields."""

    corrects_version = fields.Integer(required=True)
    changes = fields.Dict(required=True, metadata={
        "description": "field → new value, typed as in the corrected step (see CorrectionChanges)"})
    reason = fields.String(required=True)


class CommitteeScheduledData(Document):
    """`committee_scheduled` (audit log)."""

    group_id = fields.String(required=True)
    kind = code(COMMITTEE_KINDS, required=True)


class CommitteeDecisionData(Document):
    """`committee_decision` (audit log): the decided pathway's pseudonym, the note masked."""

    pathway = fields.String(required=True)
    decision = code(DECISIONS, required=True)
    note = fields.String(allow_none=True)
    orientation = fields.Dict(allow_none=True)


class AgendaEntry(Document):
    """A pathway on a closed session's frozen agenda (audit log)."""

    pathway = fields.String(required=True)
    reasons = fields.List(fields.String(), required=True)


class CommitteeNeedAddedData(Document):
    """`committee_need_added` (audit log): a company's need put on the session's agenda."""

    company_id = fields.String(required=True)
    need_id = fields.String(required=True)


class CommitteeClosedData(Document):
    """`committee_closed` (audit log)."""

    attendance = fields.List(fields.String(), required=True)
    agenda = fields.List(fields.Nested(AgendaEntry), required=True)


class CurrentOrientation(OrientedData):
    """The orientation in force."""

    decided_by = code(("committee", "referent"))
    oriented_on = day(required=True)


class CurrentImmersion(ImmersionStartedData):
    """The immersion (PMSMP) under way."""

    starts_on = day(required=True)


class CurrentJob(HiredData):
    """The job held (its 15-week follow-up is `follow_up`)."""

    starts_on = day(required=True)


#: The response field of each kind of annotation a step's field may have (`X | None` reads as X).
_DATA_FIELD_OF_TYPE = {date: day, bool: fields.Boolean, int: fields.Integer, float: fields.Float,
                       Identifier: fields.String, Label: fields.String, Note: fields.String}


def step_data(event_class: type) -> type[Document]:
    """The `data` schema of a step's event in a history, from its event class (for the steps
    whose data needs no words of its own): its fields typed by their annotations, codes by its
    `choices`, null where the step allows it."""
    declared = {}
    for name, annotation in field_types(event_class).items():
        if name not in own_fields(event_class):
            continue
        nullable = may_be_none(annotation)
        kind = next(a for a in typing.get_args(annotation) if a is not type(None)) if nullable else annotation
        choices = event_class.choices.get(name)
        made = code(choices) if choices is not None else _DATA_FIELD_OF_TYPE[kind]()
        made.required, made.allow_none = not nullable, nullable
        declared[name] = made
    schema = Document.from_dict(declared, name="".join(p.title() for p in event_class.code.split("_")) + "Data")
    schema.__doc__ = f"`{event_class.code}`."
    return schema


_WRITTEN = (IdentifiedData, ImmersionStartedData, HiredData, RuptureData, CorrectedData,
            OrientedData, ImmersionEndedData, FollowUpContactData, ReferentAssignedData,
            CommitteeReferralData, FollowUpCompletedData, ExitedData)
#: The data of a pathway's events, the most demanding first (a client tries them in order):
#: those written above, then those read from their event class.
STEP_DATA = _WRITTEN + tuple(
    step_data(cls) for code, cls in STEP_EVENTS.items()
    if "".join(p.title() for p in code.split("_")) + "Data" not in {w.__name__ for w in _WRITTEN})
#: The data of a committee session's events in the audit log.
COMMITTEE_DATA = (CommitteeClosedData, CommitteeDecisionData, CommitteeNeedAddedData,
                  CommitteeScheduledData)


def data_field(schemas) -> fields.Dict:
    """The `data` of an event: passed through as recorded, documented as one of `schemas`
    (the event's `step` says which)."""
    return fields.Dict(required=True, metadata={
        "description": "the fields of the event, whose schema the `step` names "
                       "(e.g. step `hired` → HiredData)",
        "anyOf": [{"$ref": f"#/components/schemas/{schema.__name__}"} for schema in schemas]})
