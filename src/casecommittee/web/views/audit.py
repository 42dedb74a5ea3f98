"""Audit routes: the pseudonymised event log, the replay check, the access log."""


from ...domain.committee import CommitteeSession
from ...domain.company import Company, CompanyEvent
from ...domain.pathway import StepEvent
from ...projections.replay_check import key_columns, replay_check
from ...queries.audit import access_entries
from ...queries.caseload import territories_of
from ...queries.companies import company_territories
from ...queries.sessions import session_places
from ...queries.step_documents import MASK, step_document
from ..context import web
from ..pagination import decode_cursor, encode_cursor
from ..request_body import Blueprint
from ..schemas import audit as s
from ..security import current_principal, roles
from .common import document_errors
from .companies import with_pathways_as

blp = Blueprint("audit", __name__, description="Audit : journal des événements, rejeu, accès")

AUDITORS = ("auditor", "admin")


def _in_territory(pathway_ids: list[str]) -> set[str]:
    """The pathways of the caller's territory among these (all of them without a territory)."""
    principal = current_principal()
    if principal.territory_id is None:
        return set(pathway_ids)
    found = territories_of(web().system.engine, pathway_ids)
    return {pid for pid, territory in found.items() if territory == principal.territory_id}


@blp.route("/audit/events")
@blp.doc(operationId="list_audit_events")
@roles(*AUDITORS)
@document_errors(blp, 400, 401, 403)
@blp.arguments(s.EventsQuery, location="query")
@blp.response(200, s.AuditEventPage)
def events(query):
    """The global event log in order after a position: pathway steps, committee sessions
    scheduled, deciding and closed, and companies' events; pathways named by their pseudonym,
    free text masked."""
    after = decode_cursor(query["cursor"], int) if query["cursor"] else query["after"]
    return event_page(after, query["limit"])


def event_page(after: int, limit: int) -> dict:
    """The audit log's events after a position (pseudonymised), and the next page's cursor."""
    app, pseudonyms = web().system.app, web().pseudonyms
    notifications = app.recorder.select_notifications(start=after + 1, limit=limit)
    decoded = [(n.id, app.mapper.to_domain_event(n)) for n in notifications]
    steps = [(position, e) for position, e in decoded if isinstance(e, StepEvent)]
    committee = [(position, e) for position, e in decoded if isinstance(e, CommitteeSession.Event)]
    visible = _in_territory([str(e.originator_id) for _, e in steps])
    # every free text masked, a correction's own reason too: no key is read, nothing opened
    items = [
        {"position": position, "kind": "pathway", "pathway": pseudonyms.of(e.originator_id),
         "committee_session_id": None, **step_document(e.as_step(), pseudonymised=True)}
        for position, e in steps if str(e.originator_id) in visible
    ]
    sessions = _sessions(committee)
    items += [
        {"position": position, **_committee_document(e, sessions[str(e.originator_id)], pseudonyms)}
        for position, e in committee if _visible_session(sessions[str(e.originator_id)])
    ]
    companies = [(position, e) for position, e in decoded if isinstance(e, CompanyEvent)]
    shown = _companies_in_territory(companies)
    items += [{"position": position, **_company_document(e, pseudonyms)}
              for position, e in companies if str(e.originator_id) in shown]
    items.sort(key=lambda item: item["position"])
    full = len(notifications) == limit
    return {"items": items, "next_cursor": encode_cursor(notifications[-1].id) if full else None}


def _sessions(committee_events) -> dict[str, dict]:
    """Group, territory and date of the sessions of these events (a session's later events do
    not repeat them): from a Scheduled event of the page, else from the read model."""
    scheduled = {str(e.originator_id): {"group_id": e.group_id, "held_on": e.held_on}
                 for _, e in committee_events if isinstance(e, CommitteeSession.Scheduled)}
    return session_places(web().system.engine, scheduled, {str(e.originator_id) for _, e in committee_events})


def _visible_session(session: dict) -> bool:
    territory_id = current_principal().territory_id
    return territory_id is None or session["territory_id"] == territory_id


def _committee_document(event, session: dict, pseudonyms) -> dict:
    """A committee event as the audit log shows it: the session's date as the business date,
    the decided pathways by their pseudonym, notes masked like the steps' free text."""
    if isinstance(event, CommitteeSession.Scheduled):
        step, data = "committee_scheduled", {"group_id": event.group_id, "kind": event.kind}
    elif isinstance(event, CommitteeSession.NeedAdded):
        step, data = "committee_need_added", {"company_id": event.company_id, "need_id": event.need_id}
    elif isinstance(event, CommitteeSession.DecisionRecorded):
        step = "committee_decision"
        data = {"pathway": pseudonyms.of(event.pathway_id), "decision": event.decision,
                "note": MASK if event.note else None, "orientation": event.orientation}
    else:
        step = "committee_closed"
        data = {"attendance": list(event.attendance),
                "agenda": [{"pathway": pseudonyms.of(item["pathway_id"]),
                            "reasons": item.get("reasons", [])} for item in event.agenda]}
    return {
        "kind": "committee",
        "pathway": data.get("pathway"),
        "committee_session_id": str(event.originator_id),
        "version": event.originator_version,
        "step": step,
        "occurred_on": session["held_on"],
        "recorded_at": event.timestamp,
        "actor": event.actor or {},
        "data": data,
    }


def _companies_in_territory(company_events) -> set[str]:
    """The companies of these events in the caller's territory (all of them without one): a
    registration on the page says its territory, the read model the others'."""
    territories = {str(e.originator_id): e.territory_id for _, e in company_events
                   if isinstance(e, Company.Registered)}
    territories |= company_territories(
        web().system.engine, {str(e.originator_id) for _, e in company_events} - set(territories))
    territory_id = current_principal().territory_id
    return {cid for cid, territory in territories.items()
            if territory_id is None or territory == territory_id}


def _company_document(event, pseudonyms) -> dict:
    """A company event as the audit log shows it: its code after `company_`, the pathways it
    names by their pseudonym, free text masked like the steps'."""
    document = step_document(event.as_step(), pseudonymised=True)
    document["data"] = with_pathways_as(document["data"], pseudonyms.of,
                                        lambda ids: [pseudonyms.of(pid) for pid in ids])
    return {**document, "kind": "company", "step": f"company_{event.code}",
            "pathway": document["data"].get("pathway_id"), "committee_session_id": None,
            "company_id": str(event.originator_id)}


@blp.route("/audit/replay-check")
@blp.doc(operationId="check_replay")
@roles(*AUDITORS)
@document_errors(blp, 401, 403)
@blp.response(200, s.ReplayCheck)
def replay():
    """Rebuilds every read model from the log in a scratch store and lists the differences.

    The rebuild is one, of every territory; what the caller reads of it is their scope, as in
    the audit log: a caller with a territory (an evaluator, a territory's coordinator) reads
    the rows and differences of its pathways, committee sessions and companies (pathways by
    pseudonym for evaluators), `difference_count` for those only, and of the other territories
    nothing but `differences_elsewhere`, how many differences they have (no table, no key);
    `ok` is the whole check's verdict. A caller without a territory reads everything
    (`territory_id` null)."""
    return replay_report()


def replay_report() -> dict:
    """The replay check's report in the caller's scope (their territory's, or everything
    without one), pathways named by pseudonym for auditors (in the key of every table that has
    a pathway in its key)."""
    system = web().system
    report = replay_check(system.app, system.engine,
                          territory_id=current_principal().territory_id)
    pseudonyms = web().pseudonyms
    for difference in report["differences"] if current_principal().pseudonymised else []:
        columns = key_columns(difference["table"])
        difference["key"] = [pseudonyms.of(value) if column == "pathway_id" else value
                             for column, value in zip(columns, difference["key"], strict=True)]
    return report


@blp.route("/audit/access-log")
@blp.doc(operationId="list_access_log")
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
    rows = access_entries(
        web().system.engine, pathway_id=pathway_id, user_id=query["user_id"],
        after_id=decode_cursor(query["cursor"], int), limit=query["limit"],
    )
    visible = _in_territory([r["pathway_id"] for r in rows])
    items = [
        {**r, "pathway_id": pseudonyms.of(r["pathway_id"]) if principal.pseudonymised else r["pathway_id"]}
        for r in rows if r["pathway_id"] in visible
    ]
    full = len(rows) == query["limit"]
    return {"items": items, "next_cursor": encode_cursor(rows[-1]["id"]) if full else None}
