"""Committee routes: schedule a session, read its agenda, record decisions, close, read minutes.

Co-pilots of the group write; referents of the group read; auditors read pseudonymised. The
agenda and the minutes answer JSON, or printable French HTML / CSV by `Accept`.
"""

from datetime import date

from flask import request

from ...application import CommitteeNotFound
from ...projections.pathways import pathway_rows
from ...queries.caseload import rows_of
from ...queries.session_documents import agenda_document, close_session
from ...queries.sessions import sessions_page
from ...queries.step_documents import masked
from ...stores.reference import groups
from .. import commands
from ..context import web
from ..idempotency import keyed
from ..openapi import links
from ..pagination import decode_keyset, page
from ..printable import as_csv, as_html
from ..problems import Problem
from ..request_body import Blueprint
from ..responses import Response
from ..schemas import committees as s
from ..schemas import examples
from ..schemas.headers import ETAG, REPLAYED, IfMatchHeaders
from ..security import current_principal, roles
from ..texts import texts
from .common import document_errors, person_labels, shown_id, visible_pathway
from .pathways import expected_version

blp = Blueprint("committees", __name__, description="Comités : ordre du jour, décisions, compte rendu")

READERS = ("copilot", "referent", "auditor")
DOCUMENT_TYPES = ("application/json", "text/html", "text/csv")
#: The printable alternates of the JSON document (added beside it, not replacing it), and the
#: `Accept` header that chooses between them.
ALTERNATE_CONTENT = {
    "responses": {200: {"content": {
        "text/html": {"schema": {"type": "string"}}, "text/csv": {"schema": {"type": "string"}},
    }}},
    "parameters": [{
        "in": "header", "name": "Accept", "required": False,
        "description": "application/json (default), text/html (printable, in French) or "
                       "text/csv (spreadsheet, in French)",
        "schema": {"type": "string", "enum": list(DOCUMENT_TYPES)},
    }],
}


def _group_in_scope(group_id: str, writing: bool = False) -> dict:
    """The group, if the caller may read (or write) its committees; 404/403 otherwise."""
    principal = current_principal()
    group = web().system.reference.get(groups, group_id)
    visible = group is not None and (
        group_id in principal.group_ids
        or (principal.role == "auditor" and group["territory_id"] == principal.territory_id)
    )
    if not visible:
        raise Problem(404, "aucun groupe de ce numéro dans votre périmètre", type_="not_found")
    if writing and (principal.role != "copilot" or group_id not in principal.group_ids):
        raise Problem(403, "réservé aux co-pilotes du groupe", type_="forbidden")
    return group


def session_in_scope(session_id: str, writing: bool = False, version: int | None = None):
    try:
        session = web().system.app.get_committee(session_id, version=version)
    except CommitteeNotFound:
        raise Problem(404, "aucun comité de ce numéro dans votre périmètre", type_="not_found") from None
    _group_in_scope(session.group_id, writing)
    return session


def _summary(session) -> dict:
    return {"id": str(session.id), "group_id": session.group_id, "kind": session.kind,
            "held_on": session.held_on, "status": "closed" if session.is_closed else "scheduled",
            "closed_at": session.closed_at, "decision_count": len(session.decisions),
            "needs": list(session.needs)}


def _replay_session(status: int):
    """The replay of a keyed write to a session: the session at the version the write left it,
    if the caller may still read its group."""

    def replay(answer, *_args, **_kwargs):
        session_id, version = answer.saved[-1]
        return _summary(session_in_scope(str(session_id), version=version)), status, {}

    return replay


def _decision_document(session, pathway) -> dict:
    decision = dict(session.decisions[str(pathway.id)])
    decision["note"] = texts().open(pathway.id, decision.get("note"))
    return {"session_id": str(session.id), "decision": decision,
            "pathway_version": pathway.version, "pathway_stage": pathway.state.stage}


def _replay_decision(answer, *_args, **_kwargs):
    """The replay of a keyed decision: the session and the pathway as the decision left them,
    if the caller may still read both."""
    (pathway_id, pathway_version), (session_id, session_version) = answer.saved
    session = session_in_scope(str(session_id), version=session_version)
    visible_pathway(str(pathway_id))
    pathway = web().system.app.get_pathway(pathway_id, version=pathway_version)
    return _decision_document(session, pathway), 201, {"ETag": f'"{pathway_version}"'}


def session_document(session) -> dict:
    """The agenda or minutes of a session as the caller may see it; the names it shows are
    written to the access log here, once the document is built."""
    label_of, named = person_labels()
    document = _shown(agenda_document(web().system, session, label_of))
    now = web().system.clock.now()
    for pathway_id in named:
        web().access_log.record(current_principal(), pathway_id, "read_person_agenda", at=now)
    return document


def _shown(document: dict) -> dict:
    """Pathway ids as the caller may see them (pseudonyms for auditors); a decision's note (free
    text that may name the person) opened with the person's key for the readers it is shared
    with (`_shares_notes`; the keys of the whole agenda read in one query), masked for the
    others. (A referral's reason, in `details`, is never shown: the documents name the reasons
    only.)"""
    decided = [item["pathway_id"] for item in document["items"]
               if (item.get("decision") or {}).get("note")]
    shared = _shares_notes(document["items"], decided)
    texts().prime(shared)
    for item in document["items"]:
        pathway_id = item["pathway_id"]
        item["pathway_id"] = shown_id(pathway_id)
        if item.get("decision"):
            item["decision"] = {**item["decision"], "pathway_id": item["pathway_id"]}
            if pathway_id in shared:
                item["decision"]["note"] = texts().open(pathway_id, item["decision"].get("note"))
            else:
                item["decision"] = masked(item["decision"])
    return document


def _shares_notes(items: list[dict], pathway_ids: list[str]) -> set[str]:
    """The pathways among these whose decision notes the caller reads: those whose person they
    may read (their referent, a co-pilot of the group), and, for the group's other readers,
    those who consented to committee sharing (at the session, and still: as their name is
    shown). Never an auditor's."""
    principal = current_principal()
    if principal.pseudonymised or not pathway_ids:
        return set()
    rows = rows_of(web().system.engine, pathway_ids,
                   (pathway_rows.c.group_id, pathway_rows.c.territory_id,
                    pathway_rows.c.referent_id, pathway_rows.c.consent_sharing))
    consented = {item["pathway_id"] for item in items if item.get("consent_sharing")}
    return {pid for pid, row in rows.items()
            if principal.reads_person(row)
            or (principal.sees(row) and pid in consented and row["consent_sharing"])}


def _negotiated(document: dict, title: str):
    """The document as JSON, or HTML/CSV when the `Accept` header asks for it."""
    wanted = request.accept_mimetypes.best_match(DOCUMENT_TYPES, default="application/json")
    if wanted == "text/html":
        return Response(as_html(document, title), mimetype="text/html")
    if wanted == "text/csv":
        filename = f"{title.lower().replace(' ', '-')}-{document['held_on'].isoformat()}.csv"
        return Response(as_csv(document), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})
    return document


@blp.route("/committees", methods=["POST"])
@blp.doc(operationId="schedule_committee", **links(
    201, "session_id", "id", "get_committee", "get_agenda", "record_decision", "close_committee",
    "get_minutes"))
@roles("copilot")
@document_errors(blp, 400, 401, 403, 404, 422)
@blp.arguments(s.CommitteeIn, example=examples.COMMITTEE)
@blp.response(201, s.Committee, headers=REPLAYED)
@keyed(blp, _replay_session(201))
def schedule(data):
    """Schedules a session of the group's committee (co-pilots of the group)."""
    _group_in_scope(data["group_id"], writing=True)
    session = web().system.app.schedule_committee(actor=current_principal().actor, **data)
    return _summary(session), 201, {}


@blp.route("/committees", methods=["GET"])
@blp.doc(operationId="list_committees")
@roles(*READERS)
@document_errors(blp, 400, 401, 403)
@blp.arguments(s.CommitteeQuery, location="query")
@blp.response(200, s.CommitteePage)
def list_sessions(query):
    """The sessions of the caller's groups (of their territory for auditors), by date."""
    principal = current_principal()
    if principal.role == "auditor":
        group_ids = [g["id"] for g in web().system.reference.rows(groups, territory_id=principal.territory_id)]
    else:
        group_ids = principal.group_ids
    after = decode_keyset(query["cursor"], date.fromisoformat)
    web().system.projections.catch_up()
    rows = sessions_page(web().system.engine, group_ids, group_id=query["group_id"],
                         from_=query["from_"], to=query["to"], after=after, limit=query["limit"] + 1)
    return page(rows, query["limit"], lambda r: [r["held_on"].isoformat(), r["id"]])


@blp.route("/committees/<session_id>", methods=["GET"])
@blp.doc(operationId="get_committee")
@roles(*READERS)
@document_errors(blp, 401, 403, 404)
@blp.response(200, s.Committee)
def get_session(session_id):
    """One session."""
    return _summary(session_in_scope(session_id))


@blp.route("/committees/<session_id>/agenda", methods=["GET"])
@blp.doc(operationId="get_agenda")
@roles(*READERS)
@document_errors(blp, 401, 403, 404)
@blp.response(200, s.Agenda)
@blp.doc(**ALTERNATE_CONTENT)
def agenda(session_id):
    """The agenda: every pathway of the group that needs the committee, most urgent first.

    `Accept: text/html` gives the printable agenda, `text/csv` the spreadsheet (in French).
    """
    session = session_in_scope(session_id)
    return _negotiated(session_document(session), "Ordre du jour")


@blp.route("/committees/<session_id>/decisions", methods=["POST"])
@blp.doc(operationId="record_decision")
@roles("copilot")
@document_errors(blp, 400, 401, 403, 404, 409, 422)
@blp.arguments(IfMatchHeaders, location="headers")
@blp.arguments(s.DecisionIn, example=examples.DECISION)
@blp.response(201, s.DecisionOut, headers={**ETAG, **REPLAYED})
@keyed(blp, _replay_decision)
def decide(headers, data, session_id):
    """Records the committee's decision on a pathway; `orient` appends `oriented`, and
    `propose_to_company` appends `proposed_to_company`, in the same save."""
    session = session_in_scope(session_id, writing=True)
    visible_pathway(data["pathway_id"])  # 404 outside the caller's groups: existence is not revealed
    orientation = commands.orientation(web().system.reference, current_principal(),
                                       data["orientation"], session.group_id)
    with commands.request_fields(commands.DECISION_FIELDS):
        session, pathway = web().system.app.record_decision(
            session.id, pathway_id=data["pathway_id"], decision=data["decision"],
            note=data["note"], orientation=orientation, proposal=data["proposal"],
            actor=current_principal().actor, expected_version=expected_version(headers),
        )
    web().access_log.record(current_principal(), pathway.id, "committee_decision",
                            at=web().system.clock.now())
    return _decision_document(session, pathway), 201, {"ETag": f'"{pathway.version}"'}


@blp.route("/committees/<session_id>/needs", methods=["POST"])
@blp.doc(operationId="add_committee_need")
@roles("copilot")
@document_errors(blp, 400, 401, 403, 404, 422)
@blp.arguments(s.CommitteeNeedIn, example=examples.COMMITTEE_NEED)
@blp.response(201, s.Committee, headers=REPLAYED)
@keyed(blp, _replay_session(201))
def add_need(data, session_id):
    """Puts a company's open need, offered to the group, on the session's agenda: the pathways
    its shortlist ranks first join the agenda with the reason `company_need_fits`."""
    session = session_in_scope(session_id, writing=True)
    with commands.request_fields({}):
        session = web().system.app.add_need_to_committee(
            session.id, company_id=data["company_id"], need_id=data["need_id"],
            actor=current_principal().actor)
    return _summary(session), 201, {}


@blp.route("/committees/<session_id>/close", methods=["POST"])
@blp.doc(operationId="close_committee")
@roles("copilot")
@document_errors(blp, 400, 401, 403, 404, 422)
@blp.arguments(s.CloseIn, example=examples.CLOSING)
@blp.response(200, s.Committee, headers=REPLAYED)
@keyed(blp, _replay_session(200))
def close(data, session_id):
    """Closes the session: its agenda and decisions are frozen as the minutes."""
    session = session_in_scope(session_id, writing=True)
    session = close_session(web().system, session, data["attendance"], current_principal().actor)
    return _summary(session), 200, {}


@blp.route("/committees/<session_id>/minutes", methods=["GET"])
@blp.doc(operationId="get_minutes")
@roles(*READERS)
@document_errors(blp, 401, 403, 404, 409)
@blp.response(200, s.Agenda)
@blp.doc(**ALTERNATE_CONTENT)
def minutes(session_id):
    """The minutes (compte rendu) of a closed session: attendance, decisions per person.

    `Accept: text/html` or `text/csv` for the printable French versions.
    """
    session = session_in_scope(session_id)
    if not session.is_closed:
        raise Problem(409, "le comité n'est pas encore clos : son compte rendu n'existe pas encore",
                      type_="not_closed")
    return _negotiated(session_document(session), "Compte rendu")
