"""Audit routes: the pseudonymised event log, the replay check, the access log."""

from flask_smorest import Blueprint

from ...domain.pathway import StepEvent
from ...projections.caseloads import territories_of
from ...projections.replay_check import replay_check
from ..context import web
from ..documents import step_document
from ..pagination import decode_cursor, encode_cursor
from ..schemas import audit as s
from ..security import current_principal, roles
from .common import document_errors

blp = Blueprint("audit", __name__, description="Audit : journal des événements, rejeu, accès")

AUDITORS = ("auditor", "admin")
#: Read models whose first key column is a pathway id.
PATHWAY_KEYED = ("pathway_rows", "pathway_versions")


def _in_territory(pathway_ids: list[str]) -> set[str]:
    """The pathways of the caller's territory among these (all of them without a territory)."""
    principal = current_principal()
    if principal.territory_id is None:
        return set(pathway_ids)
    found = territories_of(web().system.engine, pathway_ids)
    return {pid for pid, territory in found.items() if territory == principal.territory_id}


@blp.route("/audit/events")
@roles(*AUDITORS)
@document_errors(blp, 400, 401, 403)
@blp.arguments(s.EventsQuery, location="query")
@blp.response(200, s.AuditEventPage)
def events(query):
    """The global event log in order after a position, pathways named by their pseudonym."""
    app, pseudonyms = web().system.app, web().pseudonyms
    after = decode_cursor(query["cursor"], int) if query["cursor"] else query["after"]
    notifications = app.recorder.select_notifications(start=after + 1, limit=query["limit"])
    decoded = [(n.id, app.mapper.to_domain_event(n)) for n in notifications]
    decoded = [(position, e) for position, e in decoded if isinstance(e, StepEvent)]
    visible = _in_territory([str(e.originator_id) for _, e in decoded])
    items = [
        {"position": position, "pathway": pseudonyms.of(e.originator_id),
         **step_document(e.as_step(), pseudonymised=True)}
        for position, e in decoded if str(e.originator_id) in visible
    ]
    full = len(notifications) == query["limit"]
    return {"items": items, "next_cursor": encode_cursor(notifications[-1].id) if full else None}


@blp.route("/audit/replay-check")
@roles(*AUDITORS)
@document_errors(blp, 401, 403)
@blp.response(200, s.ReplayCheck)
def replay():
    """Rebuilds every read model from the log in a scratch store and lists the differences."""
    system = web().system
    report = replay_check(system.app, system.engine)
    pseudonyms = web().pseudonyms
    for difference in report["differences"] if current_principal().pseudonymised else []:
        if difference["table"] in PATHWAY_KEYED:  # committee tables are keyed by session id
            difference["key"] = [pseudonyms.of(difference["key"][0]), *difference["key"][1:]]
        elif difference["table"] == "committee_decisions":
            difference["key"] = [difference["key"][0], pseudonyms.of(difference["key"][1])]
    return report


@blp.route("/audit/access-log")
@roles(*AUDITORS)
@document_errors(blp, 400, 401, 403)
@blp.arguments(s.AccessLogQuery, location="query")
@blp.response(200, s.AccessPage)
def access_log(query):
    """Who read or changed which pathway, when (pathways named by their pseudonym for auditors)."""
    principal, pseudonyms = current_principal(), web().pseudonyms
    pathway_id = query["pathway_id"]
    if pathway_id is not None and principal.pseudonymised:
        found = pseudonyms.pathway_id(pathway_id)
        if found is None:
            return {"items": [], "next_cursor": None}
        pathway_id = str(found)
    rows = web().access_log.entries(
        pathway_id=pathway_id, user_id=query["user_id"],
        after_id=decode_cursor(query["cursor"], int), limit=query["limit"],
    )
    visible = _in_territory([r["pathway_id"] for r in rows])
    items = [
        {**r, "pathway_id": pseudonyms.of(r["pathway_id"]) if principal.pseudonymised else r["pathway_id"]}
        for r in rows if r["pathway_id"] in visible
    ]
    full = len(rows) == query["limit"]
    return {"items": items, "next_cursor": encode_cursor(rows[-1]["id"]) if full else None}
