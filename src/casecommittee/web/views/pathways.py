"""Pathway routes: identify, list, read (now, at a version, as of a date), log steps, history,
personal data. Reads come from the read model, `?version=`/`?as_of=` from the event store."""

from datetime import date

from flask import url_for

from ...queries.caseload import CaseloadQuery, get_row, list_pathways
from ...stores.personal_data import PersonalDataErased, PersonalDataMissing
from .. import commands
from ..context import web
from ..documents import (
    fields_of_row,
    fields_of_state,
    follow_up_of,
    follow_up_of_row,
    pathway_document,
    step_document,
)
from ..idempotency import idempotent
from ..pagination import decode_keyset, page
from ..problems import Problem
from ..request_body import Blueprint
from ..schemas import pathways as s
from ..schemas.steps import StepIn
from ..security import current_principal, roles
from .common import document_errors, not_found, shown_id, visible_pathway

blp = Blueprint("pathways", __name__, description="Parcours : repérage, étapes, historique")

WRITERS = ("referent", "copilot")
READERS = ("referent", "copilot", "auditor")


def _etag(version: int) -> dict:
    return {"ETag": f'"{version}"'}


def _expected_version(headers: dict) -> int | None:
    value = headers.get("if_match")
    return int(value.removeprefix("W/").strip('"')) if value else None


def _log(pathway_id, action: str) -> None:
    """Records the access in the access log (at the system clock's time)."""
    web().access_log.record(current_principal(), pathway_id, action, at=web().system.clock.now())


def _person(pathway_id, row) -> dict | None:
    """The person's identity when the caller may read it (else None)."""
    if not current_principal().reads_person(row):
        return None
    try:
        return web().system.personal_data.get(pathway_id)
    except (PersonalDataErased, PersonalDataMissing):
        return None


def _log_read(pathway_id, document: dict, action: str | None = "read") -> None:
    """Records a read of the pathway's document: `read_person` when it shows the identity,
    else `action` (none when None)."""
    if document.get("person") is not None:
        _log(pathway_id, "read_person")
    elif action is not None:
        _log(pathway_id, action)


def _document(pathway_id, fields: dict, follow_up: dict, row: dict) -> dict:
    """The pathway document as the caller may see it (it writes nothing: the view logs the read)."""
    principal = current_principal()
    person = _person(pathway_id, row)
    return pathway_document(
        fields, shown_id=shown_id(pathway_id), territory_id=row.get("territory_id"),
        follow_up=follow_up, reference=web().system.reference, person=person,
        pseudonymised=principal.pseudonymised,
    )


def _state_document(pathway_id, state, row: dict) -> dict:
    """The document of a state from the event store."""
    today = web().system.clock.today()
    return _document(pathway_id, fields_of_state(state), follow_up_of(state, today), row)


def _row_document(pathway_id, row: dict) -> dict:
    """The document of the current row (read model only, no replay)."""
    follow_up = follow_up_of_row(row, web().system.clock.today())
    return _document(pathway_id, fields_of_row(row), follow_up, row)


def _answer(pathway_id, state, row: dict, status: int):
    """The response to a write: the state it left, its ETag and Location."""
    document = _state_document(pathway_id, state, row)
    headers = {**_etag(state.version),
               "Location": url_for("pathways.get_pathway", pathway_ref=str(pathway_id))}
    return document, status, headers


def _written(pathway, status: int):
    """The response to a write: the new state, its ETag and Location."""
    row = get_row(web().system.engine, str(pathway.id)) or {
        "group_id": pathway.state.group_id, "territory_id": None,
        "referent_id": pathway.state.referent_id,
    }
    return _answer(pathway.id, pathway.state, row, status)


def _replay_write(answer, *_args, **_kwargs):
    """A keyed write's answer again, read as now: the pathway at the version the write left it,
    shown within the caller's current scope (the identity only to whom may read it, not after
    an erasure), the read in the access log."""
    pathway_id = answer.saved[0][0]
    web().system.projections.catch_up()
    pathway_id, row = visible_pathway(str(pathway_id))
    state = web().system.app.get_pathway(pathway_id, version=answer.version_of(pathway_id)).state
    document, status, headers = _answer(pathway_id, state, row, 201)
    _log_read(pathway_id, document)
    return document, status, headers


@blp.route("/pathways", methods=["GET"])
@roles(*READERS)
@document_errors(blp, 400, 401, 403)
@blp.arguments(s.PathwayListQuery, location="query")
@blp.response(200, s.PathwayPage)
def list_visible(query):
    """The caller's visible pathways (groups for referents and co-pilots, territory for auditors)."""
    principal = current_principal()
    scope = CaseloadQuery(
        group_ids=None if principal.pseudonymised else principal.group_ids,
        territory_id=principal.territory_id if principal.pseudonymised else None,
        group_id=query["group_id"], stage=query["stage"], referent_id=query["referent_id"],
    )
    q = query["q"]
    if q and principal.pseudonymised:
        pathway_id = web().pseudonyms.pathway_id(q)
        if pathway_id is None:
            return {"items": [], "next_cursor": None}
        scope = CaseloadQuery(**{**scope.__dict__, "pathway_id": str(pathway_id)})
    elif q:
        scope = CaseloadQuery(**{**scope.__dict__, "id_prefix": q.lower()})
    after = decode_keyset(query["cursor"], date.fromisoformat)
    rows = list_pathways(web().system.engine, scope, limit=query["limit"] + 1, after=after)
    for row in rows:
        row["id"] = shown_id(row["pathway_id"])
    return page(rows, query["limit"], lambda r: [r["identified_on"].isoformat(), r["pathway_id"]])


@blp.route("/pathways", methods=["POST"])
@roles(*WRITERS)
@document_errors(blp, 400, 401, 403, 409, 422)
@blp.arguments(s.IdempotencyHeaders, location="headers")
@blp.arguments(s.IdentifyIn)
@blp.response(201, s.Pathway, headers={"ETag": {"schema": {"type": "string"}},
                                      "Location": {"schema": {"type": "string"}}})
@idempotent(_replay_write)
def identify(headers, data):
    """Identifies someone (repérage): `person` goes to the personal-data store only."""
    system = web().system
    command = commands.identification(system.reference, current_principal(), data)
    with commands.request_fields(commands.IDENTIFICATION_FIELDS):
        pathway = system.app.identify(**command)
    _log(pathway.id, "identify")
    document, status, headers = _written(pathway, 201)
    _log_read(pathway.id, document, action=None)
    return document, status, headers


@blp.route("/pathways/<pathway_ref>", methods=["GET"])
@roles(*READERS)
@document_errors(blp, 401, 403, 404)
@blp.arguments(s.PathwayQuery, location="query")
@blp.response(200, s.Pathway, headers={"ETag": {"schema": {"type": "string"}}})
def get_pathway(query, pathway_ref):
    """A pathway as it stands, or at `?version=N`, or as of a business date `?as_of=`."""
    pathway_id, row = visible_pathway(pathway_ref)
    system = web().system
    if query["version"] is not None:
        if query["version"] > row["version"]:
            raise Problem(404, f"ce parcours n'a pas de version {query['version']} "
                          f"(version actuelle : {row['version']})", type_="not_found")
        state = system.app.get_pathway(pathway_id, version=query["version"]).state
    elif query["as_of"] is not None:
        state = system.app.state_as_of(pathway_id, query["as_of"])
        if state.stage is None:
            raise Problem(404, "ce parcours n'était pas encore ouvert à cette date", type_="not_found")
    else:
        document = _row_document(pathway_id, row)
    if query["version"] is not None or query["as_of"] is not None:
        document = _state_document(pathway_id, state, row)
    _log_read(pathway_id, document)
    return document, 200, _etag(row["version"] if query["version"] is None else query["version"])


@blp.route("/pathways/<pathway_ref>/steps", methods=["POST"])
@roles(*WRITERS)
@document_errors(blp, 400, 401, 403, 404, 409, 422)
@blp.arguments(s.WriteHeaders, location="headers")
@blp.arguments(StepIn)
@blp.response(201, s.Pathway, headers={"ETag": {"schema": {"type": "string"}},
                                      "Location": {"schema": {"type": "string"}}})
@idempotent(_replay_write)
def log_step(headers, data, pathway_ref):
    """Logs a step (any code of docs/domain.md, "The pathway", but `identified`); `If-Match`
    guards the version."""
    pathway_id, row = visible_pathway(pathway_ref)
    system = web().system
    code, command = commands.step(system.reference, current_principal(), data, row["group_id"])
    pathway = system.app.log_step(
        pathway_id, code, expected_version=_expected_version(headers), **command,
    )
    _log(pathway_id, "log_step")
    document, status, headers = _written(pathway, 201)
    _log_read(pathway_id, document, action=None)
    return document, status, headers


@blp.route("/pathways/<pathway_ref>/history", methods=["GET"])
@roles(*READERS)
@document_errors(blp, 401, 403, 404)
@blp.response(200, s.History)
def history(pathway_ref):
    """Every event of the pathway in order: business date, recorded time, actor, fields."""
    pathway_id, _row = visible_pathway(pathway_ref)
    principal = current_principal()
    steps = web().system.app.history(pathway_id)
    _log(pathway_id, "read_history")
    return {"id": shown_id(pathway_id),
            "items": [step_document(st, pseudonymised=principal.pseudonymised) for st in steps]}


def _personal_scope(pathway_ref: str):
    pathway_id, row = visible_pathway(pathway_ref)
    if not current_principal().reads_person(row):
        raise Problem(403, "seul le référent de la personne ou un co-pilote de son groupe "
                      "accède à ses données personnelles", type_="forbidden")
    return pathway_id


def _personal_document(pathway_id) -> dict:
    store = web().system.personal_data
    tombstone = store.tombstone(pathway_id)
    if tombstone is not None:
        return {"pathway_id": str(pathway_id), "person": None,
                "erased_at": tombstone["erased_at"], "erasure_reason": tombstone["reason"]}
    try:
        person = store.get(pathway_id)
    except PersonalDataMissing:
        raise not_found() from None
    return {"pathway_id": str(pathway_id), "person": person, "erased_at": None,
            "erasure_reason": None}


@blp.route("/pathways/<pathway_ref>/personal-data", methods=["GET"])
@roles(*WRITERS)
@document_errors(blp, 401, 403, 404)
@blp.response(200, s.PersonalData)
def export_personal_data(pathway_ref):
    """The person's data (right of access), or when and why they were erased."""
    pathway_id = _personal_scope(pathway_ref)
    document = _personal_document(pathway_id)
    _log(pathway_id, "export_personal_data")
    return document


@blp.route("/pathways/<pathway_ref>/personal-data", methods=["DELETE"])
@roles(*WRITERS)
@document_errors(blp, 400, 401, 403, 404, 422)
@blp.arguments(s.ErasureIn)
@blp.response(200, s.PersonalData)
def erase_personal_data(data, pathway_ref):
    """Erases the person's data and key (history and statistics remain); idempotent."""
    pathway_id = _personal_scope(pathway_ref)
    _personal_document(pathway_id)  # 404 when nothing was ever recorded
    web().system.personal_data.erase(pathway_id, data["reason"],
                                     erased_by=current_principal().user_id)
    _log(pathway_id, "erase_personal_data")
    return _personal_document(pathway_id)
