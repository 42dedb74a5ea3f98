"""Company schemas: registration, the events of a company's stream, the directory and the
company document (relation aux entreprises)."""

import copy

from marshmallow import Schema, ValidationError, fields, missing, validate, validates_schema

from ...domain import company as c
from ...domain.vocabulary import CONTRACT_TYPES, CONTRACTS_WITH_LENGTH, STAGES
from .common import Document, PageQuerySchema, page_of
from .fields import (
    Day,
    Integer,
    Phone,
    QueryFlag,
    Siret,
    Text,
    distinct,
    email_address,
    identifier,
    label,
    note_text,
    one_of,
    optional_label,
)
from .situation import code


def _pattern(regex, example: str) -> validate.Regexp:
    return validate.Regexp(regex, error=f"format attendu : {example}")


class CompanyIn(Schema):
    """An employer to register in the caller's territory (keyed by its SIRET)."""

    siret = Siret(required=True)
    name = label(required=True, metadata={"description": "raison sociale ou enseigne"})
    naf_code = Text(load_default=None, allow_none=True, validate=_pattern(c.NAF_CODE, "56.10A"),
                    metadata={"description": "code NAF (APE) de l'établissement"})
    size_band = one_of(c.SIZE_BANDS, required=True)
    town = optional_label()
    qpv_location = one_of(c.QPV_LOCATIONS, required=True)
    registered_on = Day(required=True, days_ahead=0, metadata={
        "description": "the day the Cité first worked with the company"})


class DirectoryQuery(PageQuerySchema):
    """Search the territory's companies by name (accents and case ignored) or SIRET."""

    q = Text(load_default=None, validate=validate.Length(max=100))
    size_band = one_of(c.SIZE_BANDS, load_default=None)
    qpv_location = one_of(c.QPV_LOCATIONS, load_default=None)
    with_open_needs = QueryFlag(load_default=False)


class EventIn(Schema):
    """What every event of a company carries: its business date."""

    occurred_on = Day(required=True, days_ahead=0)


class NeedIn(EventIn):
    """A recruitment need the company posts, offered to some groups."""

    need_id = identifier(required=True, metadata={"description": "the need's own code, unique in the company"})
    job_title = label(required=True)
    rome_code = Text(load_default=None, allow_none=True, validate=_pattern(c.ROME_CODE, "G1602"))
    contract_type = one_of(CONTRACT_TYPES, required=True)
    contract_months = Integer(load_default=None, allow_none=True,
                              validate=validate.Range(min=1, max=60, error="de 1 à 60 mois"))
    positions = Integer(required=True, validate=validate.Range(
        min=1, max=c.MAX_POSITIONS, error="de {min} à {max} postes"))
    starts_on = Day(required=True, days_ahead=2 * 366)
    requirements = optional_label()
    group_ids = fields.List(identifier(), required=True, validate=[
        distinct, validate.Length(min=1, max=20, error="de {min} à {max} groupes")])

    @validates_schema
    def _length_goes_with_the_contract(self, data, **kwargs):
        if data.get("contract_type") in CONTRACTS_WITH_LENGTH and not data.get("contract_months"):
            raise ValidationError("obligatoire pour ce type de contrat", "contract_months")


class NeedOutcomeIn(EventIn):
    """What came of a need: filled (every position), partly, or withdrawn."""

    need_id = identifier(required=True)
    outcome = one_of(c.NEED_OUTCOMES, required=True)
    positions_filled = Integer(required=True, validate=validate.Range(min=0, max=c.MAX_POSITIONS))
    hired_pathway_ids = fields.List(identifier(), load_default=list, validate=distinct)


class HostingOfferIn(EventIn):
    """PMSMP places the company offers, and the jobs they let people discover."""

    capacity = Integer(required=True, validate=validate.Range(
        min=1, max=c.MAX_HOSTING_CAPACITY, error="de {min} à {max} places"))
    jobs = fields.List(label(), required=True, validate=[
        distinct, validate.Length(min=1, max=20, error="de {min} à {max} métiers")])


class ParticipationIn(EventIn):
    """The company took part in one of the Cité's actions."""

    kind = one_of(c.PARTICIPATION_KINDS, required=True)
    note = note_text()


class SponsorIn(EventIn):
    """A tutor or sponsor (parrain, marraine) the company names for a pathway."""

    pathway_id = identifier(required=True)
    role = one_of(c.SPONSOR_ROLES, required=True)
    contact_id = identifier(load_default=None, allow_none=True)


class CommitmentIn(EventIn):
    """A commitment the company signed (charter, club)."""

    kind = one_of(c.COMMITMENT_KINDS, required=True)
    title = label(required=True)


def correction_changes(written: dict, *schemas: type[Schema]) -> type[Schema]:
    """The fields a correction may change, typed as in the input of the events that carry them
    (`written` first: the fields two events type differently), never required nor defaulted."""
    found = dict(written)
    for schema in schemas:
        for name, field in schema._declared_fields.items():
            if name not in found:
                found[name] = copy.deepcopy(field)
                found[name].required, found[name].load_default = False, missing
    return Schema.from_dict(found, name="CompanyCorrectionChanges")


#: The new values of a correction, each checked as the event it corrects would check it (the
#: domain then says which fields the corrected event has: `check_correction`).
CompanyCorrectionChanges = correction_changes(
    {"kind": one_of(c.PARTICIPATION_KINDS + c.COMMITMENT_KINDS)},
    CompanyIn, NeedIn, NeedOutcomeIn, HostingOfferIn, ParticipationIn, SponsorIn, CommitmentIn)


class CompanyCorrectionIn(EventIn):
    """A correction of an earlier event of the company (its version), with its reason."""

    corrects_version = Integer(required=True, validate=validate.Range(min=1))
    changes = fields.Nested(CompanyCorrectionChanges, required=True)
    reason = label(required=True)


class ContactIn(EventIn):
    """A contact person at the company: kept in the encrypted personal-data store only."""

    first_name = label(required=True)
    last_name = label(required=True)
    job_title = optional_label()
    email = email_address(load_default=None, allow_none=True)
    phone = Phone(load_default=None, allow_none=True)


class Need(Document):
    """A recruitment need and its outcome."""

    need_id = fields.String(required=True)
    job_title = fields.String(required=True)
    rome_code = fields.String(allow_none=True)
    contract_type = code(CONTRACT_TYPES, required=True)
    contract_months = fields.Integer(allow_none=True)
    positions = fields.Integer(required=True)
    starts_on = fields.Date(required=True)
    requirements = fields.String(allow_none=True)
    group_ids = fields.List(fields.String(), required=True)
    posted_on = fields.Date(required=True)
    outcome = code(c.NEED_OUTCOMES, allow_none=True)
    closed_on = fields.Date(allow_none=True)
    positions_filled = fields.Integer(required=True)


class HostingOffer(Document):
    """PMSMP places offered."""

    offered_on = fields.Date(required=True)
    capacity = fields.Integer(required=True)
    jobs = fields.List(fields.String(), required=True)


class Participation(Document):
    """A participation in an action of the Cité."""

    held_on = fields.Date(required=True)
    kind = code(c.PARTICIPATION_KINDS, required=True)
    note = fields.String(allow_none=True)


class Sponsor(Document):
    """A tutor or sponsor named for a pathway (the pathway only to whom may see it)."""

    named_on = fields.Date(required=True)
    role = code(c.SPONSOR_ROLES, required=True)
    pathway_id = fields.String(allow_none=True)


class Commitment(Document):
    """A commitment signed."""

    signed_on = fields.Date(required=True)
    kind = code(c.COMMITMENT_KINDS, required=True)
    title = fields.String(required=True)


class PlacementOut(Document):
    """An immersion the company hosted or a hire it made (the pathway only to whom may see it)."""

    kind = fields.String(required=True, validate=validate.OneOf(("immersion", "hire")))
    started_on = fields.Date(required=True)
    ended_on = fields.Date(allow_none=True)
    status = fields.String(allow_none=True)
    completed_on = fields.Date(allow_none=True)
    still_employed = fields.Boolean(allow_none=True)
    pathway_id = fields.String(allow_none=True)
    label = fields.String(required=True, metadata={
        "description": "first name and initial, or the pathway's pseudonym"})


class CompanySummary(Document):
    """A company as the directory lists it."""

    id = fields.String(required=True)
    siret = fields.String(required=True)
    name = fields.String(required=True)
    naf_code = fields.String(allow_none=True)
    size_band = code(c.SIZE_BANDS, required=True)
    town = fields.String(allow_none=True)
    qpv_location = code(c.QPV_LOCATIONS, required=True)
    registered_on = fields.Date(required=True)
    last_activity_on = fields.Date(required=True)
    open_needs = fields.Integer(required=True)
    hosting_capacity = fields.Integer(required=True)
    version = fields.Integer(required=True)


CompanyPage = page_of(CompanySummary, "CompanyPage")


class CompanyProfile(CompanySummary):
    """A company (its fiche) with what the Cité did with it."""

    needs = fields.List(fields.Nested(Need), required=True)
    hosting_offers = fields.List(fields.Nested(HostingOffer), required=True)
    participations = fields.List(fields.Nested(Participation), required=True)
    sponsors = fields.List(fields.Nested(Sponsor), required=True)
    commitments = fields.List(fields.Nested(Commitment), required=True)
    contact_count = fields.Integer(required=True)
    placements = fields.List(fields.Nested(PlacementOut), required=True)


class CompanyEvent(Document):
    """One event of a company's stream."""

    version = fields.Integer(required=True)
    event = code(tuple(c.COMPANY_EVENTS), required=True)
    label = fields.String(required=True)
    occurred_on = fields.Date(required=True)
    recorded_at = fields.DateTime(required=True)
    recorded_by = fields.String(allow_none=True)
    data = fields.Dict(required=True)


class CompanyHistory(Document):
    """Every event of a company, in the order it was recorded."""

    id = fields.String(required=True)
    items = fields.List(fields.Nested(CompanyEvent), required=True)


class Contact(Document):
    """A contact person (for the chargés de relation entreprises only; each reading is logged)."""

    contact_id = fields.String(required=True)
    named_on = fields.Date(required=True)
    first_name = fields.String(allow_none=True)
    last_name = fields.String(allow_none=True)
    job_title = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    erased_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "when the identity was erased (then no name)"})


class ContactList(Document):
    """A company's contact people."""

    items = fields.List(fields.Nested(Contact), required=True)


class ShortlistQuery(Schema):
    """How many candidates (default 20)."""

    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))


class Candidate(Document):
    """A pathway that fits the need: its label (first name and initial, or pseudonym), its rank
    and why."""

    label = fields.String(required=True)
    pathway_id = fields.String(allow_none=True, metadata={"description": "for co-pilots only"})
    group_id = fields.String(required=True)
    stage = code(STAGES, required=True)
    score = fields.Integer(required=True)
    reasons = fields.List(fields.String(), required=True)


class Shortlist(Document):
    """A need and the pathways that fit it, most suitable first."""

    company_id = fields.String(required=True)
    need = fields.Nested(Need, required=True)
    items = fields.List(fields.Nested(Candidate), required=True)


class PersonLinked(Document):
    """A pathway linked with a company (proposed to its need, or hired by it), without
    identity unless the reader's role reads the person."""

    pseudonym = fields.String(required=True, metadata={
        "description": "the pathway's pseudonym: what `hired_pathway_ids` or `pathway_id` may name"})
    label = fields.String(required=True, metadata={
        "description": "first name and initial for whom may read the person, else the pseudonym"})
    pathway_id = fields.String(allow_none=True, metadata={"description": "only for whom sees the pathway"})
    group_id = fields.String(required=True)
    proposed_on = fields.Date(allow_none=True, metadata={"description": "null: never proposed to it"})
    hired = fields.Boolean(required=True, metadata={"description": "hired by the company"})
    hired_on = fields.Date(allow_none=True)


class PeopleLinked(Document):
    """The people proposed to a company's need, then those it hired otherwise."""

    company_id = fields.String(required=True)
    need_id = fields.String(allow_none=True)
    items = fields.List(fields.Nested(PersonLinked), required=True)
