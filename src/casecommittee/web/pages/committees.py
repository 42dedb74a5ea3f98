"""The co-pilot's committee pages: the group's sessions, scheduling one, the agenda with its
reasons, recording decisions (an htmx fragment per item; a proposal to a company names one of
the needs on the agenda), closing, and the minutes (printable
page, CSV, XLSX, PDF). Same scopes, commands and documents as `/api/v1/committees`.
"""


from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from ...application import CompanyNotFound
from ...domain.committee import KIND_LABELS
from ...domain.errors import DomainError
from ...queries.session_documents import close_session
from ...queries.sessions import sessions_page
from ...stores.reference import groups, structures
from .. import commands
from ..context import web
from ..printable import CSV_COLUMNS, as_csv, rows
from ..problems import Problem
from ..schemas.committees import CloseIn, CommitteeIn, DecisionIn
from ..views.committees import session_document
from ..views.committees import session_in_scope as session_of
from ..views.common import visible_pathway
from . import exports, role_required
from .forms import field_errors, load
from .statistics import quarter_reviewed

bp = Blueprint("committees", __name__, url_prefix="/comites")

REFUSALS = (ValidationError, DomainError, Problem)


def _groups_in_scope() -> list[dict]:
    principal = g.principal
    if principal.role == "auditor":
        return web().system.reference.rows(groups, territory_id=principal.territory_id)
    return [gr for gr in web().system.reference.rows(groups) if gr["id"] in principal.group_ids]


@bp.route("/", methods=["GET", "POST"])
@role_required("copilot", "referent", "auditor")
def index():
    """The sessions of my groups, latest first; a co-pilot schedules one here."""
    mine = _groups_in_scope()
    errors, values = {}, request.form
    if request.method == "POST":
        if g.principal.role != "copilot":
            raise Problem(403, "réservé aux co-pilotes du groupe")
        try:
            data = load(CommitteeIn(), request.form)
            if data["group_id"] not in g.principal.group_ids:
                raise Problem(422, "vous n'êtes pas co-pilote de ce groupe",
                              errors={"group_id": ["vous n'êtes pas co-pilote de ce groupe"]})
            session = web().system.app.schedule_committee(actor=g.principal.actor, **data)
        except REFUSALS as error:
            errors = field_errors(error)
        else:
            flash("Séance programmée : son ordre du jour est prêt.")
            return redirect(url_for(".agenda", session_id=str(session.id)))
    web().system.projections.catch_up()
    names = {gr["id"]: gr["name"] for gr in mine}
    sessions = sorted(sessions_page(web().system.engine, list(names), limit=1000),
                      key=lambda s: s["held_on"], reverse=True)
    return render_template("pages/committees.html", sessions=sessions, names=names,
                           groups=list(names.items()), kinds=list(KIND_LABELS.items()),
                           errors=errors, values=values or {"kind": "orientation"},
                           today=web().system.clock.today()), (422 if errors else 200)


def need_choices(session) -> list[tuple[str, str]]:
    """The needs on the session's agenda a person may be proposed to: ("company|need", words)."""
    found = []
    for need in session.needs:
        try:
            company = web().system.app.get_company(need["company_id"])
        except CompanyNotFound:
            continue
        job = company.state.needs.get(need["need_id"], {}).get("job_title", need["need_id"])
        found.append((f"{need['company_id']}|{need['need_id']}", f"{job} — {company.state.name}"))
    return found


def _decision_form(form) -> MultiDict:
    """The decision form with its proposal ("company|need" in one choice) as the schema's
    `proposal.company_id` and `proposal.need_id`."""
    fields = MultiDict(form)
    company_id, _, need_id = (fields.pop("proposal", "") or "").partition("|")
    if company_id:
        fields["proposal.company_id"], fields["proposal.need_id"] = company_id, need_id
    return fields


def _agenda_page(session, errors_for: str | None = None, errors: dict | None = None, status=200):
    document = session_document(session)
    reference = web().system.reference
    bilan = None
    if session.kind == "steering":  # the quarter's bilan as the committee saw it that morning
        quarter = quarter_reviewed(session.held_on)
        number = int(quarter[-1])
        bilan = {"quarter": quarter, "known_at": f"{session.held_on.isoformat()}T09:00",
                 "label": f"{'1er' if number == 1 else f'{number}e'} trimestre {quarter[:4]}"}
    return render_template(
        "pages/agenda.html", document=document, session=session, bilan=bilan,
        writable=g.principal.role == "copilot" and not session.is_closed,
        structures=[(s["id"], s["name"]) for s in reference.rows(
            structures, territory_id=g.principal.territory_id)],
        errors_for=errors_for, errors=errors or {}, values=request.form,
        needs=need_choices(session),
    ), status


@bp.route("/<session_id>")
@role_required("copilot", "referent", "auditor")
def agenda(session_id):
    """The agenda (or, once closed, the minutes) with each person's reasons and decision."""
    return _agenda_page(session_of(session_id))


@bp.route("/<session_id>/decisions", methods=["POST"])
@role_required("copilot")
def decide(session_id):
    """Records a decision on one agenda item; htmx gets the item's fragment back."""
    session = session_of(session_id, writing=True)
    pathway_ref = request.form.get("pathway_id", "")
    system, principal = web().system, g.principal
    try:
        data = load(DecisionIn(), _decision_form(request.form))
        visible_pathway(data["pathway_id"])
        orientation = commands.orientation(system.reference, principal, data["orientation"],
                                           session.group_id)
        with commands.request_fields(commands.DECISION_FIELDS):
            session, pathway = system.app.record_decision(
                session.id, pathway_id=data["pathway_id"], decision=data["decision"],
                note=data["note"], orientation=orientation, proposal=data["proposal"],
                actor=principal.actor)
    except REFUSALS as error:
        if isinstance(error, Problem) and error.status == 404:
            raise
        if request.headers.get("HX-Request"):
            document = session_document(session)
            item = next(i for i in document["items"] if i["pathway_id"] == pathway_ref)
            return render_template("pages/agenda_item.html", item=item, session=session,
                                   writable=True, errors=field_errors(error),
                                   values=request.form, structures=[],
                                   needs=need_choices(session)), 422
        return _agenda_page(session, pathway_ref, field_errors(error), status=422)
    web().access_log.record(principal, pathway.id, "committee_decision", at=system.clock.now())
    if request.headers.get("HX-Request"):
        document = session_document(session)
        item = next(i for i in document["items"] if i["pathway_id"] == str(pathway.id))
        return render_template("pages/agenda_item.html", item=item, session=session,
                               writable=True, errors={}, values={}, structures=[],
                               needs=need_choices(session))
    return redirect(url_for(".agenda", session_id=session_id) + f"#item-{pathway.id}")


@bp.route("/<session_id>/cloture", methods=["POST"])
@role_required("copilot")
def close(session_id):
    """Closes the session: agenda and decisions frozen as the minutes."""
    session = session_of(session_id, writing=True)
    try:
        lines = [line.strip() for line in request.form.get("attendance", "").splitlines()]
        data = load(CloseIn(), request.form, extra={"attendance": [li for li in lines if li]})
        close_session(web().system, session, data["attendance"], g.principal.actor)
    except REFUSALS as error:
        return _agenda_page(session, "close", field_errors(error), status=422)
    flash("Séance close : le compte rendu est arrêté.")
    return redirect(url_for(".minutes", session_id=session_id))


@bp.route("/<session_id>/compte-rendu")
@bp.route("/<session_id>/compte-rendu.<fmt>")
@role_required("copilot", "referent", "auditor")
def minutes(session_id, fmt: str = "html"):
    """The minutes of a closed session: a printable page, or CSV, XLSX, PDF."""
    session = session_of(session_id)
    if not session.is_closed:
        raise Problem(409, "le comité n'est pas encore clos : son compte rendu n'existe pas encore")
    document = session_document(session)
    title = (f"Compte rendu — {KIND_LABELS[session.kind]} — {document['group_name']} — "
             f"séance du {session.held_on:%d/%m/%Y}")
    notes = [f"Arrêté le {document['closed_at']:%d/%m/%Y à %H:%M} (UTC)",
             f"Présents : {', '.join(document['attendance']) or 'non renseignés'}",
             f"{len(document['items'])} situation(s) étudiée(s)"]
    filename = f"compte-rendu-{session.held_on.isoformat()}"
    if fmt == "csv":
        return exports.download(as_csv(document), filename + ".csv", "text/csv")
    if fmt == "xlsx":
        return exports.download(exports.xlsx("Compte rendu", CSV_COLUMNS, rows(document), [title, *notes]),
                                filename + ".xlsx", exports.XLSX_TYPE)
    if fmt == "pdf":
        return exports.download(exports.pdf(title, CSV_COLUMNS, rows(document), notes,
                                            widths=(30, 28, 14, 18, 60, 30, 30, 40)),
                                filename + ".pdf", "application/pdf")
    if fmt != "html":
        raise Problem(404, "format inconnu : html, csv, xlsx ou pdf")
    return render_template("pages/minutes.html", document=document, session=session,
                           title=title, notes=notes)
