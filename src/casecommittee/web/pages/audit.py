"""The auditor's pages: pseudonymised pathways, the audit events, the replay check.

Never an identity: pathways are named by their pseudonym (`ps-…`), free text is masked, and
each pathway's history is the pathway page as an auditor sees it.
"""

from flask import Blueprint, g, render_template, request

from ...queries.caseload import CaseloadQuery, list_pathways
from ..context import web
from ..views.audit import event_page, replay_report
from . import role_required

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.route("/")
@role_required("auditor")
def index():
    """The territory's pathways under their pseudonyms (`?q=ps-…` finds one)."""
    principal, pseudonyms = g.principal, web().pseudonyms
    web().system.projections.catch_up()
    q = request.args.get("q", "").strip()
    query = CaseloadQuery(territory_id=principal.territory_id)
    if q:
        found = pseudonyms.pathway_id(q)
        query = CaseloadQuery(territory_id=principal.territory_id,
                              pathway_id=str(found) if found else "-")
    rows = list_pathways(web().system.engine, query, limit=200)
    for row in rows:
        row["pseudonym"] = pseudonyms.of(row["pathway_id"])
    return render_template("pages/audit.html", rows=rows, q=q)


@bp.route("/evenements")
@role_required("auditor")
def events():
    """The event log in order from a position, pseudonymised (`?apres=` a position)."""
    after = request.args.get("apres", default=0, type=int)
    page = event_page(max(after, 0), 100)
    last = page["items"][-1]["position"] if page["items"] else None
    return render_template("pages/audit_events.html", page=page, after=after, last=last)


@bp.route("/rejeu", methods=["GET", "POST"])
@role_required("auditor")
def replay():
    """The replay check: every read model rebuilt from the log and compared (on request)."""
    report = replay_report() if request.method == "POST" else None
    return render_template("pages/audit_replay.html", report=report)
