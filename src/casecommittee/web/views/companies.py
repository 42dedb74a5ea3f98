"""Company routes (relation aux entreprises): the territory's directory, registering an employer,
its document and history, and the events the chargés de relation entreprises record — needs and
their outcome, PMSMP hosting offers, participations, tutors and sponsors, commitments,
corrections, contact people.

The chargés de relation entreprises (`business_relations`) write; referents and co-pilots read.
Everyone works within their territory. Contact people are personal data: kept in the encrypted
store, shown to the chargés only, each reading logged.
"""

from collections.abc import Callable
from datetime import date
from uuid import UUID, uuid4

from flask import url_for

from ...application import CompanyAlreadyRegistered, CompanyNotFound
from ...domain.company import COMPANY_EVENT_LABELS
from ...queries.caseload import rows_of
from ...queries.companies import DirectoryQuery, list_companies
from ...queries.placements import placements
from ...queries.proposals import proposed_to_company, proposed_to_need
from ...queries.shortlist import shortlist
from ...stores.personal_data import PersonalDataErased, PersonalDataMissing
from ..context import web
from ..idempotency import keyed
from ..openapi import links
from ..pagination import decode_keyset, page
from ..problems import Problem
from ..request_body import Blueprint
from ..schemas import companies as s
from ..schemas import examples
from ..schemas.headers import ETAG, LOCATION, REPLAYED, IfMatchHeaders
from ..schemas.pathways import ErasureIn
from ..security import current_principal, roles
from .common import document_errors, person_labels, short_names
from .pathways import expected_version

blp = Blueprint("companies", __name__, description="Entreprises : annuaire, besoins, immersions, actions")

WRITERS = ("business_relations",)
#: Who sees a need's shortlist: the chargés (names of consenting people only, no pathway id) and
#: the co-pilots of the groups it is offered to (their groups' pathways, to bring to committee).
SHORTLIST_READERS = ("business_relations", "copilot")
READERS = ("business_relations", "copilot", "referent")

_NOT_FOUND = "aucune entreprise de ce numéro sur votre territoire"


def caller_territory() -> str:
    """The caller's territory (403 for an account attached to none)."""
    territory_id = current_principal().territory_id
    if territory_id is None:
        raise Problem(403, "votre compte n'est rattaché à aucun territoire", type_="forbidden")
    return territory_id


def company_in_scope(company_ref: str, version: int | None = None):
    """The company, if it is registered in the caller's territory; 404 otherwise."""
    try:
        company = web().system.app.get_company(company_ref, version=version)
    except CompanyNotFound:
        raise Problem(404, _NOT_FOUND, type_="not_found") from None
    if company.state.territory_id != caller_territory():
        raise Problem(404, _NOT_FOUND, type_="not_found")
    return company


def _visible(pathway_ids) -> dict[str, dict]:
    """pathway id → its row, for those of `pathway_ids` the caller may see (the others are
    counted, not pointed at), read in one query."""
    principal = current_principal()
    return {pid: row for pid, row in rows_of(web().system.engine, pathway_ids).items()
            if principal.sees(row)}


def _placements(state) -> tuple[list[dict], list[str]]:
    """What the company hosted and hired, each pathway named (first name and initial) only for
    a reader who sees it and a person who consented to sharing, by pseudonym otherwise; and the
    pathways named (the view logs them)."""
    labels_of, named = person_labels()
    rows = placements(web().system.engine, state.territory_id, siret=state.siret)
    seen = _visible(r["pathway_id"] for r in rows)
    labels = iter(labels_of([(r["pathway_id"], bool(seen[r["pathway_id"]]["consent_sharing"]))
                             for r in rows if r["pathway_id"] in seen]))
    shown = []
    for row in rows:
        visible = row["pathway_id"] in seen
        shown.append({
            "kind": row["kind"], "started_on": row["started_on"], "ended_on": row["ended_on"],
            "status": row["status"], "completed_on": row["completed_on"],
            "still_employed": row["still_employed"],
            "pathway_id": row["pathway_id"] if visible else None,
            "label": next(labels) if visible else web().pseudonyms.of(row["pathway_id"]),
        })
    return shown, named


def company_document(company) -> tuple[dict, list[str]]:
    """The company document as the caller may see it, and the pathways it names (it writes
    nothing: `shown` logs them)."""
    state = company.state
    placed, named = _placements(state)
    needs = sorted(state.needs.values(), key=lambda n: (n["outcome"] is not None, n["posted_on"]))
    seen = _visible(x["pathway_id"] for x in state.sponsors)
    return {
        "id": str(company.id), "siret": state.siret, "name": state.name, "naf_code": state.naf_code,
        "size_band": state.size_band, "town": state.town, "qpv_location": state.qpv_location,
        "registered_on": state.registered_on, "last_activity_on": state.last_activity_on(),
        "open_needs": len(state.open_needs()), "hosting_capacity": state.hosting_capacity(),
        "version": company.version, "needs": needs, "hosting_offers": state.hosting_offers,
        "participations": state.participations,
        "sponsors": [{"named_on": x["named_on"], "role": x["role"],
                      "pathway_id": x["pathway_id"] if x["pathway_id"] in seen else None}
                     for x in state.sponsors],
        "commitments": state.commitments, "contact_count": len(state.contacts),
        "placements": placed,
    }, named


def shown(built: tuple[dict, list[str]]) -> dict:
    """The document, once the pathways it names are written to the access log."""
    document, named = built
    now = web().system.clock.now()
    for pathway_id in named:
        web().access_log.record(current_principal(), pathway_id, "read_person_company", at=now)
    return document


def _answer(company, status: int):
    headers = {"ETag": f'"{company.version}"',
               "Location": url_for("companies.get_company", company_ref=str(company.id))}
    return shown(company_document(company)), status, headers


def _replay(answer, *_args, **_kwargs):
    """A keyed write's answer again: the company as the write left it, if still in scope."""
    company_id, version = answer.saved[0]
    return _answer(company_in_scope(str(company_id), version=version), 201)


@blp.route("/companies", methods=["GET"])
@blp.doc(operationId="list_companies")
@roles(*READERS)
@document_errors(blp, 400, 401, 403)
@blp.arguments(s.DirectoryQuery, location="query")
@blp.response(200, s.CompanyPage)
def directory(query):
    """The territory's companies in name order; `q` searches the name (accents and case
    ignored) or the start of the SIRET."""
    scope = DirectoryQuery(territory_id=caller_territory(), q=query["q"], size_band=query["size_band"],
                           qpv_location=query["qpv_location"],
                           with_open_needs=query["with_open_needs"])
    after = decode_keyset(query["cursor"], str)
    rows = list_companies(web().system.engine, scope, limit=query["limit"] + 1, after=after)
    for row in rows:
        row["id"] = row["company_id"]
    return page(rows, query["limit"], lambda r: [r["name_key"], r["company_id"]])


@blp.route("/companies", methods=["POST"])
@blp.doc(operationId="register_company", **links(
    201, "company_ref", "id", "get_company", "get_company_history", "post_need"))
@roles(*WRITERS)
@document_errors(blp, 400, 401, 403, 409, 422)
@blp.arguments(s.CompanyIn, example=examples.COMPANY)
@blp.response(201, s.CompanyProfile, headers={**ETAG, **LOCATION, **REPLAYED})
@keyed(blp, _replay)
def register(data):
    """Registers an employer of the territory; a SIRET already registered there is 409."""
    principal = current_principal()
    fields = dict(data)
    occurred_on = fields.pop("registered_on")
    try:
        company = web().system.app.register_company(
            actor=principal.actor, occurred_on=occurred_on, territory_id=caller_territory(), **fields)
    except CompanyAlreadyRegistered as error:
        raise Problem(409, str(error), type_="duplicate") from None
    return _answer(company, 201)


@blp.route("/companies/<company_ref>", methods=["GET"])
@blp.doc(operationId="get_company")
@roles(*READERS)
@document_errors(blp, 401, 403, 404)
@blp.response(200, s.CompanyProfile, headers=ETAG)
def get_company(company_ref):
    """A company with its needs, hosting offers, participations, tutors and commitments."""
    company = company_in_scope(company_ref)
    return shown(company_document(company)), 200, {"ETag": f'"{company.version}"'}


@blp.route("/companies/<company_ref>/history", methods=["GET"])
@blp.doc(operationId="get_company_history")
@roles(*READERS)
@document_errors(blp, 401, 403, 404)
@blp.response(200, s.CompanyHistory)
def history(company_ref):
    """Every event of the company in order: business date, recorded time, who, fields."""
    return history_document(company_in_scope(company_ref))


def pathways_in(data: dict) -> list[str]:
    """The pathways a company event's fields name: a sponsor's, the people a need hired, and
    those a correction of either names."""
    named = [data["pathway_id"]] if data.get("pathway_id") else []
    named += data.get("hired_pathway_ids") or []
    if isinstance(data.get("changes"), dict):
        named += pathways_in(data["changes"])
    return named


def with_pathways_as(data: dict, one: Callable[[str], str | None],
                     many: Callable[[list], list]) -> dict:
    """A company event's fields with the pathways they name (`pathways_in`) as the reader
    sees them: a sponsor's through `one`, the people hired through `many`."""
    data = dict(data)
    if data.get("pathway_id"):
        data["pathway_id"] = one(data["pathway_id"])
    if data.get("hired_pathway_ids"):
        data["hired_pathway_ids"] = many(data["hired_pathway_ids"])
    if isinstance(data.get("changes"), dict):
        data["changes"] = with_pathways_as(data["changes"], one, many)
    return data


def history_document(company) -> dict:
    """Every event of the company in order: business date, recorded time, who, fields (a
    sponsor's pathway only to whom may see it; the people hired by their pseudonym to the
    others)."""
    seen = _visible([pid for r in company.records for pid in pathways_in(r.data)])
    pseudonyms = web().pseudonyms

    def sponsored(pid: str) -> str | None:
        return pid if pid in seen else None

    def hired(ids: list) -> list[str]:
        return [pid if pid in seen else pseudonyms.of(pid) for pid in ids]

    items = []
    for record in company.records:
        data = with_pathways_as(record.data, sponsored, hired)
        items.append({"version": record.version, "event": record.code,
                      "label": COMPANY_EVENT_LABELS[record.code], "occurred_on": record.occurred_on,
                      "recorded_at": record.recorded_at,
                      "recorded_by": (record.actor or {}).get("user_id"),
                      "data": {k: (v.isoformat() if isinstance(v, date) else v)
                               for k, v in data.items()}})
    return {"id": str(company.id), "items": items}


def _record(company_ref: str, code: str, headers: dict, data: dict):
    """Records one event of the company's stream and answers the company as it left it."""
    return _answer(record_event(company_ref, code, data, expected_version(headers)), 201)


def record_event(company_ref: str, code: str, data: dict, version: int | None):
    """Records one event of the company's stream (as loaded by its schema); the company after."""
    company = company_in_scope(company_ref)
    fields = dict(data)
    occurred_on = fields.pop("occurred_on")
    territory_id = company.state.territory_id
    if code == "need_closed":
        fields["hired_pathway_ids"] = pathways_named(
            fields["hired_pathway_ids"], territory_id, "hired_pathway_ids")
    elif code == "sponsor_named":
        fields["pathway_id"] = pathways_named([fields["pathway_id"]], territory_id, "pathway_id")[0]
    elif code == "corrected" and "hired_pathway_ids" in fields["changes"]:
        fields["changes"] = {**fields["changes"], "hired_pathway_ids": pathways_named(
            fields["changes"]["hired_pathway_ids"], territory_id, "changes.hired_pathway_ids")}
    elif code == "corrected" and "pathway_id" in fields["changes"]:
        fields["changes"] = {**fields["changes"], "pathway_id": pathways_named(
            [fields["changes"]["pathway_id"]], territory_id, "changes.pathway_id")[0]}
    return web().system.app.record_company_event(
        company.id, code, actor=current_principal().actor, occurred_on=occurred_on,
        expected_version=version, **fields)


def pathways_named(refs: list[str], territory_id: str, name: str) -> list[str]:
    """The pathway ids `refs` name, each given by its id or by its pseudonym (what a chargée
    de relation entreprises sees), once each names a pathway of the company's territory:
    otherwise a 422 whose errors say which (`name.<index>`, or `name` for a single one), and
    nothing is written."""
    pseudonyms = web().pseudonyms
    wanted = []
    for ref in refs:
        try:
            wanted.append(str(pseudonyms.pathway_id(ref) or UUID(ref)))
        except ValueError:
            wanted.append(None)
    rows = rows_of(web().system.engine, [pid for pid in wanted if pid])
    errors, found = {}, []
    for index, pid in enumerate(wanted):
        key = name if name.endswith("pathway_id") else f"{name}.{index}"
        row = rows.get(pid)
        if row is None or row["territory_id"] != territory_id:
            errors[key] = ["aucun parcours de ce numéro ou de ce pseudonyme sur le territoire"]
        elif pid in found:
            errors[key] = ["ce parcours est déjà nommé"]
        else:
            found.append(pid)
    if errors:
        raise Problem(422, "un parcours nommé n'existe pas sur le territoire",
                      type_="validation", errors=errors)
    return found


def _event_route(path: str, operation_id: str, code: str, schema, example: dict, summary: str):
    """A POST route that records one kind of company event (If-Match and Idempotency-Key honoured)."""

    def view(headers, data, company_ref):
        return _record(company_ref, code, headers, data)

    view.__name__ = operation_id
    view.__doc__ = summary
    view = keyed(blp, _replay)(view)
    view = blp.response(201, s.CompanyProfile, headers={**ETAG, **LOCATION, **REPLAYED})(view)
    view = blp.arguments(schema, example=example)(view)
    view = blp.arguments(IfMatchHeaders, location="headers")(view)
    view = document_errors(blp, 400, 401, 403, 404, 409, 422)(view)
    view = roles(*WRITERS)(view)
    view = blp.doc(operationId=operation_id)(view)
    return blp.route(f"/companies/<company_ref>/{path}", methods=["POST"])(view)


_event_route("needs", "post_need", "need_posted", s.NeedIn, examples.NEED,
             "Posts a recruitment need, offered to some groups of the territory.")
_event_route("need-outcomes", "close_need", "need_closed", s.NeedOutcomeIn, examples.NEED_OUTCOME,
             "Records what came of a need: filled (every position), partly filled, or withdrawn.")
_event_route("hosting-offers", "offer_hosting", "hosting_offered", s.HostingOfferIn,
             examples.HOSTING_OFFER, "Records PMSMP places the company offers.")
_event_route("participations", "record_participation", "participated", s.ParticipationIn,
             examples.PARTICIPATION, "Records the company's participation in an action "
             "(job dating, café CV, visit, forum, mock interview).")
_event_route("sponsors", "name_sponsor", "sponsor_named", s.SponsorIn, examples.SPONSOR,
             "Names a tutor or a sponsor (parrain, marraine) of the company for a pathway.")
_event_route("commitments", "sign_commitment", "commitment_signed", s.CommitmentIn,
             examples.COMMITMENT, "Records a commitment the company signed (charter, club).")
_event_route("corrections", "correct_company", "corrected", s.CompanyCorrectionIn,
             examples.COMPANY_CORRECTION,
             "Corrects an earlier event of the company (its version), with the reason; the "
             "event itself is never rewritten.")


@blp.route("/companies/<company_ref>/contacts", methods=["POST"])
@blp.doc(operationId="name_contact")
@roles(*WRITERS)
@document_errors(blp, 400, 401, 403, 404, 409, 422)
@blp.arguments(IfMatchHeaders, location="headers")
@blp.arguments(s.ContactIn, example=examples.CONTACT)
@blp.response(201, s.CompanyProfile, headers={**ETAG, **LOCATION, **REPLAYED})
@keyed(blp, _replay)
def name_contact(headers, data, company_ref):
    """Names a contact person: the identity goes to the encrypted personal-data store only."""
    return _answer(name_contact_person(company_ref, data, expected_version(headers)), 201)


def name_contact_person(company_ref: str, data: dict, version: int | None):
    """Puts the contact's identity in the personal-data store, records `contact_named` (the
    store's entry discarded if that fails) and logs it; the company after."""
    company = company_in_scope(company_ref)
    person = {k: v for k, v in data.items() if k != "occurred_on" and v is not None}
    contact_id = uuid4()
    store = web().system.personal_data
    store.put(contact_id, person)
    try:
        company = web().system.app.record_company_event(
            company.id, "contact_named", actor=current_principal().actor,
            occurred_on=data["occurred_on"], expected_version=version,
            contact_id=str(contact_id))
    except Exception:
        store.discard(contact_id)
        raise
    web().access_log.record(current_principal(), contact_id, "name_contact",
                            at=web().system.clock.now())
    return company


@blp.route("/companies/<company_ref>/contacts", methods=["GET"])
@blp.doc(operationId="list_contacts")
@roles(*WRITERS)
@document_errors(blp, 401, 403, 404)
@blp.response(200, s.ContactList)
def contacts(company_ref):
    """The company's contact people (each reading is logged)."""
    return {"items": contact_list(company_in_scope(company_ref))}


def contact_list(company) -> list[dict]:
    """The company's contact people, or when each was erased (the reading logged once for the
    company)."""
    items = _contact_items(company)
    if items:
        web().access_log.record(current_principal(), company.id,
                                "read_contacts", at=web().system.clock.now())
    return items


def _contact_items(company) -> list[dict]:
    """Each contact of the company with their identity, or when it was erased."""
    store, items = web().system.personal_data, []
    for contact in company.state.contacts:
        try:
            person = store.get(UUID(contact["contact_id"]))
        except PersonalDataErased:
            person = {"erased_at": store.tombstone(UUID(contact["contact_id"]))["erased_at"]}
        except PersonalDataMissing:
            person = {}
        items.append({"contact_id": contact["contact_id"], "named_on": contact["named_on"], **person})
    return items


@blp.route("/companies/<company_ref>/contacts/<contact_id>", methods=["DELETE"])
@blp.doc(operationId="erase_contact")
@roles(*WRITERS)
@document_errors(blp, 400, 401, 403, 404, 422)
@blp.arguments(ErasureIn, example=examples.ERASURE)
@blp.response(200, s.ContactList)
def erase_contact(data, company_ref, contact_id):
    """Erases a contact person's identity (at the company's or the person's request): the data
    and their key are destroyed, the company's history keeps that a contact was named on that
    day; idempotent. The retention job does the same two years after the company's last
    activity."""
    company = company_in_scope(company_ref)
    if all(c["contact_id"] != contact_id for c in company.state.contacts):
        raise Problem(404, "aucun contact de ce numéro pour cette entreprise", type_="not_found")
    principal = current_principal()
    web().system.personal_data.erase(UUID(contact_id), data["reason"], erased_by=principal.user_id)
    web().access_log.record(principal, contact_id, "erase_contact", at=web().system.clock.now())
    return {"items": contact_list(company)}  # the others' identities: a reading, logged


@blp.route("/companies/<company_ref>/needs/<need_id>/shortlist", methods=["GET"])
@blp.doc(operationId="get_shortlist")
@roles(*SHORTLIST_READERS)
@document_errors(blp, 400, 401, 403, 404)
@blp.arguments(s.ShortlistQuery, location="query")
@blp.response(200, s.Shortlist)
def need_shortlist(query, company_ref, need_id):
    """The pathways of the need's groups available for a job, most suitable first, with why
    (a co-pilot sees those of her groups; names only of people who consented to sharing)."""
    return shortlist_document(company_in_scope(company_ref), need_id, query["limit"])


def shortlist_document(company, need_id: str, limit: int) -> dict:
    """A need of the company and the pathways that fit it, as the caller may see them (the
    people named are written to the access log); 404 for an unknown need."""
    need = company.state.needs.get(need_id)
    if need is None:
        raise Problem(404, "aucun besoin de ce code pour cette entreprise", type_="not_found")
    principal = current_principal()
    groups = [g for g in need["group_ids"]
              if principal.role == "business_relations" or g in principal.group_ids]
    system = web().system
    labels_of, named = person_labels()
    candidates = shortlist(system.engine, groups, system.clock.today(), limit=limit)
    labels = labels_of([(c.pathway_id, c.consent_sharing) for c in candidates])
    items = [{"label": label,
              "pathway_id": c.pathway_id if principal.role == "copilot" else None,
              "group_id": c.group_id, "stage": c.stage, "score": c.score, "reasons": list(c.reasons)}
             for c, label in zip(candidates, labels, strict=True)]
    now = system.clock.now()
    for pathway_id in named:
        web().access_log.record(principal, pathway_id, "read_person_shortlist", at=now)
    return {"company_id": str(company.id), "need": need, "items": items}


def _people_linked(company, need_id: str | None) -> list[dict]:
    """The pathways a company is linked with, without identity: those proposed to one of its
    needs (to `need_id` only, when given), then those it hired otherwise, then those a need's
    outcome names; each with its group, the day proposed (None if never) and whether the
    company hired the person."""
    state, engine = company.state, web().system.engine
    proposed = (proposed_to_need(engine, str(company.id), need_id) if need_id is not None
                else proposed_to_company(engine, str(company.id)))
    hires = {r["pathway_id"]: r for r in placements(engine, state.territory_id, siret=state.siret)
             if r["kind"] == "hire"}
    recorded = [pid for n in state.needs.values() if need_id in (None, n["need_id"])
                for pid in n["hired_pathway_ids"]]
    found = {r["pathway_id"]: {"pathway_id": r["pathway_id"], "group_id": r["group_id"],
                               "proposed_on": r["proposed_on"], "hired_on": None} for r in proposed}
    for pid, hire in hires.items():
        found.setdefault(pid, {"pathway_id": pid, "group_id": hire["group_id"], "proposed_on": None,
                               "hired_on": None})["hired_on"] = hire["started_on"]
    rows = rows_of(engine, [*found, *recorded])
    for pid in recorded:
        if pid in rows:
            found.setdefault(pid, {"pathway_id": pid, "group_id": rows[pid]["group_id"],
                                   "proposed_on": None, "hired_on": None})
    return [dict(item, row=rows[pid]) for pid, item in found.items()
            if pid in rows and rows[pid]["territory_id"] == state.territory_id]


def people_linked_document(company, need_id: str | None = None) -> tuple[dict, list[str]]:
    """The pathways linked with the company (or one of its needs: 404 for an unknown one) as
    the caller may see them — a pseudonym always; the id of a pathway in her scope; a name
    (first name and initial) only where her role reads the person — and the pathways named."""
    if need_id is not None and need_id not in company.state.needs:
        raise Problem(404, "aucun besoin de ce code pour cette entreprise", type_="not_found")
    principal, named, items = current_principal(), [], []
    linked = _people_linked(company, need_id)
    names = short_names(item["pathway_id"] for item in linked if principal.reads_person(item["row"]))
    for item in linked:
        row = item.pop("row")
        pseudonym = web().pseudonyms.of(item["pathway_id"])
        name = names.get(item["pathway_id"])
        if name is not None:
            named.append(item["pathway_id"])
        items.append({**item, "pseudonym": pseudonym, "label": name or pseudonym,
                      "pathway_id": item["pathway_id"] if principal.sees(row) else None,
                      "hired": item["hired_on"] is not None})
    return {"company_id": str(company.id), "need_id": need_id, "items": items}, named


@blp.route("/companies/<company_ref>/needs/<need_id>/proposals", methods=["GET"])
@blp.doc(operationId="list_need_proposals")
@roles(*SHORTLIST_READERS)
@document_errors(blp, 401, 403, 404)
@blp.response(200, s.PeopleLinked)
def need_proposals(company_ref, need_id):
    """The people proposed to a need (then those the company hired otherwise), to name who was
    hired when recording its outcome: each by pseudonym with its group, the day proposed and
    whether the company hired them; a co-pilot also gets the id of her groups' pathways and the
    names of their people (each reading logged). Their pseudonyms or ids go in
    `hired_pathway_ids`."""
    document, named = people_linked_document(company_in_scope(company_ref), need_id)
    return shown((document, named))
