"""Pathway routes: identify, list, read (now, at a version, as of a date), log steps, history,
personal data. Reads come from the read model, `?version=`/`?as_of=` from the event store."""

import uuid
from contextlib import contextmanager
from datetime import date

from flask import url_for

from ...application import PathwayNotFound
from ...queries.caseload import CaseloadQuery, list_pathways
from ...queries.personal_export import (
    NothingRecorded,
    PersonNotReadable,
    check_reads_person,
    check_recorded,
    export_document,
    export_for,
)
from ...queries.step_documents import step_document
from ...stores import access_log
from ...stores.personal_data import PersonalDataErased, PersonalDataMissing
from .. import commands
from ..context import web
from ..documents import (
    fields_of_row,
    fields_of_state,
    follow_up_of,
    follow_up_of_row,
    pathway_document,
)
from ..idempotency import keyed
from ..openapi import links
from ..pagination import decode_keyset, invalid_cursor, page
from ..problems import Problem
from ..request_body import Blueprint
from ..schemas import examples
from ..schemas import pathways as s
from ..schemas.headers import ETAG, LOCATION, REPLAYED, IfMatchHeaders
from ..schemas.steps import StepIn
from ..security import current_principal, roles
from ..texts import reader_opener, texts
from .common import document_errors, not_found, shown_id, visible_pathway

blp = Blueprint("pathways", __name__, description="Parcours : repérage, étapes, historique")

WRITERS = ("referent", "copilot")
READERS = ("referent", "copilot", "auditor")


def _etag(version: int) -> dict:
    return {"ETag": f'"{version}"'}


def expected_version(headers: dict) -> int | None:
    """The version an `If-Match` header names (None without one)."""
    value = headers.get("if_match")
    return int(value.removeprefix("W/").strip('"')) if value else None


def _log(pathway_id, *actions: str) -> None:
    """Records the accesses in the access log (at the system clock's time), in one transaction."""
    web().access_log.record(current_principal(), pathway_id, *actions, at=web().system.clock.now())


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


def _log_write(pathway_id, action: str, document: dict) -> None:
    """Records a write and, when its answer shows the identity, that read: one transaction."""
    _log(pathway_id, action, *(("read_person",) if document.get("person") is not None else ()))


def _document(pathway_id, fields: dict, follow_up: dict, row: dict, with_person: bool = True) -> dict:
    """The pathway document as the caller may see it (it writes nothing: the view logs the read).
    Without `with_person` (a write's answer not asked for the identity) it has no `person`,
    and the identity is not decrypted."""
    principal = current_principal()
    person = _person(pathway_id, row) if with_person else None
    document = pathway_document(
        fields, shown_id=shown_id(pathway_id), territory_id=row.get("territory_id"),
        follow_up=follow_up, reference=web().system.reference, person=person,
        pseudonymised=principal.pseudonymised, opened=reader_opener(pathway_id, row),
    )
    if not with_person:
        document.pop("person", None)
    return document


def _state_document(pathway_id, state, row: dict, with_person: bool = True) -> dict:
    """The document of a state from the event store."""
    today = web().system.clock.today()
    return _document(pathway_id, fields_of_state(state), follow_up_of(state, today), row,
                     with_person)


def _row_document(pathway_id, row: dict) -> dict:
    """The document of the current row (read model only, no replay)."""
    follow_up = follow_up_of_row(row, web().system.clock.today())
    return _document(pathway_id, fields_of_row(row), follow_up, row)


def _asks_person(query: dict) -> bool:
    """Whether a write asked for the identity on its answer (`?include=person`)."""
    return query.get("include") == "person"


def _answer(pathway_id, state, row: dict, status: int, with_person: bool):
    """The response to a write: the state it left, its ETag and Location."""
    document = _state_document(pathway_id, state, row, with_person)
    headers = {**_etag(state.version),
               "Location": url_for("pathways.get_pathway", pathway_ref=str(pathway_id))}
    return document, status, headers


def _written(pathway, status: int, with_person: bool):
    """The response to a write: the new state, its ETag and Location, shown from what the
    command has at hand (the saved state and its group's territory; no read-model read)."""
    state = pathway.state
    row = {"group_id": state.group_id,
           "territory_id": web().system.projections.projector.territory_of(state.group_id),
           "referent_id": state.referent_id}
    return _answer(pathway.id, state, row, status, with_person)


def _replay_write(answer, *args, **_kwargs):
    """A keyed write's answer again, read as now: the pathway at the version the write left it,
    shown within the caller's current scope (with `?include=person`, the identity only to whom
    may read it, not after an erasure), the read in the access log. (The views' last
    positional argument is their query.)"""
    pathway_id = answer.saved[0][0]
    web().system.projections.catch_up()
    pathway_id, row = visible_pathway(str(pathway_id))
    state = web().system.app.get_pathway(pathway_id, version=answer.version_of(pathway_id)).state
    document, status, headers = _answer(pathway_id, state, row, 201, _asks_person(args[-1]))
    _log_read(pathway_id, document)
    return document, status, headers


@blp.route("/pathways", methods=["GET"])
@blp.doc(operationId="list_pathways")
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
    after = _after(query["cursor"])
    rows = list_pathways(web().system.engine, scope, limit=query["limit"] + 1, after=after)
    for row in rows:
        row["id"] = shown_id(row["pathway_id"])
    # the cursor names the last pathway as its items do (by pseudonym for auditors): a cursor
    # is base64 of JSON, opaque but readable
    return page(rows, query["limit"], lambda r: [r["identified_on"].isoformat(), r["id"]])


def _after(cursor: str | None) -> tuple[date, str] | None:
    """The keyset position a list's cursor stands for, its pathway named as the caller names
    them (400 for a cursor that does not)."""
    after = decode_keyset(cursor, date.fromisoformat)
    if after is None or not current_principal().pseudonymised:
        return after
    pathway_id = web().pseudonyms.pathway_id(after[1])
    if pathway_id is None:
        raise invalid_cursor()
    return after[0], str(pathway_id)


@blp.route("/pathways", methods=["POST"])
@blp.doc(operationId="identify_person", **links(
    201, "pathway_ref", "id", "get_pathway", "log_step", "get_history", "export_personal_data"))
@roles(*WRITERS)
@document_errors(blp, 400, 401, 403, 409, 422)
@blp.arguments(s.IdentifyIn, example=examples.IDENTIFICATION)
@blp.arguments(s.WriteQuery, location="query")
@blp.response(201, s.Pathway, headers={**ETAG, **LOCATION, **REPLAYED})
@keyed(blp, _replay_write)
def identify(data, query):
    """Identifies someone (repérage): `person` goes to the personal-data store only (the
    answer shows it again with `?include=person`)."""
    system = web().system
    command = commands.identification(system.reference, current_principal(), data)
    with commands.request_fields(commands.IDENTIFICATION_FIELDS):
        pathway = system.app.identify(**command)
    document, status, headers = _written(pathway, 201, _asks_person(query))
    _log_write(pathway.id, "identify", document)
    return document, status, headers


@blp.route("/pathways/<pathway_ref>", methods=["GET"])
@blp.doc(operationId="get_pathway")
@roles(*READERS)
@document_errors(blp, 401, 403, 404)
@blp.arguments(s.PathwayQuery, location="query")
@blp.response(200, s.Pathway, headers=ETAG)
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
@blp.doc(operationId="log_step")
@roles(*WRITERS)
@document_errors(blp, 400, 401, 403, 404, 409, 422)
@blp.arguments(IfMatchHeaders, location="headers")
@blp.arguments(StepIn, examples=examples.STEP_EXAMPLES)
@blp.arguments(s.WriteQuery, location="query")
@blp.response(201, s.Pathway, headers={**ETAG, **LOCATION, **REPLAYED})
@keyed(blp, _replay_write)
def log_step(headers, data, query, pathway_ref):
    """Logs a step (any code of docs/domain.md, "The pathway", but `identified`); `If-Match`
    guards the version. The answer shows the identity only with `?include=person`."""
    try:
        pathway_id = uuid.UUID(pathway_ref)  # (writers name pathways by id, never by pseudonym)
    except ValueError:
        raise not_found() from None
    system, principal = web().system, current_principal()
    code, command = commands.step_fields(data, principal)
    # the scope and the ids the step names, checked on the pathway the command loads: the read
    # models are not read (nor the pathway loaded twice)
    check = commands.step_checks(system.reference, principal, data, not_found)
    # the write's access-log row goes with its projection, in the same transaction (else below)
    logged = access_log.entries(principal, pathway_id, "log_step", at=system.clock.now())
    try:
        with system.projections.along(access_log.INSERT, logged) as along:
            pathway = system.app.log_step(pathway_id, code,
                                          expected_version=expected_version(headers),
                                          check=check, **command)
    except PathwayNotFound:
        raise not_found() from None
    document, status, headers = _written(pathway, 201, _asks_person(query))
    if not along.written:
        _log(pathway_id, "log_step")
    if document.get("person") is not None:
        _log(pathway_id, "read_person")
    return document, status, headers


@blp.route("/pathways/<pathway_ref>/history", methods=["GET"])
@blp.doc(operationId="get_history")
@roles(*READERS)
@document_errors(blp, 401, 403, 404)
@blp.response(200, s.History)
def history(pathway_ref):
    """Every event of the pathway in order: business date, recorded time, actor, fields (the
    texts about the person opened with their key; the placeholder once they are erased)."""
    pathway_id, row = visible_pathway(pathway_ref)
    principal = current_principal()
    steps = web().system.app.history(pathway_id)
    _log(pathway_id, "read_history")
    opened = reader_opener(pathway_id, row)
    return {"id": shown_id(pathway_id),
            "items": [step_document(st, pseudonymised=principal.pseudonymised, opened=opened)
                      for st in steps]}


@contextmanager
def _export_refusals():
    """The right of access's refusals (`queries.personal_export`) as the API answers them:
    403 to whoever may not read the person, 404 when nothing was ever recorded."""
    try:
        yield
    except PersonNotReadable as refused:
        raise Problem(403, str(refused), type_="forbidden") from None
    except NothingRecorded:
        raise not_found() from None


@blp.route("/pathways/<pathway_ref>/personal-data", methods=["GET"])
@blp.doc(operationId="export_personal_data")
@roles(*WRITERS)
@document_errors(blp, 401, 403, 404)
@blp.response(200, s.PersonalData, example=examples.PERSONAL_DATA)
def export_personal_data(pathway_ref):
    """The person's data (right of access, RGPD article 15): identity and contacts, consent,
    the pathway's recorded steps (business date, recorded time, role and structure that
    recorded it, facts, the texts written about the person opened), the committee decisions
    concerning them (note opened). Once erased: when and why, nothing else."""
    pathway_id, row = visible_pathway(pathway_ref)
    with _export_refusals():
        return export_for(web().system, current_principal(), pathway_id, row, texts(),
                          web().access_log)


@blp.route("/pathways/<pathway_ref>/personal-data", methods=["DELETE"])
@blp.doc(operationId="erase_personal_data")
@roles(*WRITERS)
@document_errors(blp, 400, 401, 403, 404, 422)
@blp.arguments(s.ErasureIn, example=examples.ERASURE)
@blp.response(200, s.PersonalData)
def erase_personal_data(data, pathway_ref):
    """Erases the person's data and key (history and statistics remain); idempotent. The
    answer is the export once erased: the tombstone."""
    pathway_id, row = visible_pathway(pathway_ref)
    with _export_refusals():
        check_reads_person(current_principal(), row)
        check_recorded(web().system.personal_data, pathway_id)
        web().system.personal_data.erase(pathway_id, data["reason"],
                                         erased_by=current_principal().user_id)
        _log(pathway_id, "erase_personal_data")
        return export_document(web().system, pathway_id, texts())
