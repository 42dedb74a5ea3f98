"""The company pages (relation aux entreprises): the territory's directory and registering an
employer, a company's page (identity, timeline, needs, offers, actions, tutors, commitments,
placements, contact people) with one form per kind of event, and a need's shortlist, which a
co-pilot puts on one of her group's sessions.

Same scopes, schemas, commands, documents and access log as `/api/v1/companies` (the view
helpers of `web.views.companies` build what the pages show).
"""

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from marshmallow import ValidationError, fields

from ...application import CompanyAlreadyRegistered, VersionConflict
from ...domain import company as c
from ...domain.errors import DomainError
from ...queries.companies import DirectoryQuery, list_companies
from ...queries.sessions import sessions_page
from ...stores.reference import groups, users
from .. import commands
from ..context import web
from ..problems import Problem
from ..schemas import companies as s
from ..views import companies as views
from ..views.committees import session_in_scope
from . import role_required
from .filters import changes_in_words, fr_date, label
from .forms import GENERAL, correction_errors, field_errors, load, value_of
from .step_forms import Control

bp = Blueprint("companies", __name__, url_prefix="/entreprises")

READERS = views.READERS
WRITERS = views.WRITERS
SHORTLIST_READERS = views.SHORTLIST_READERS
#: Form errors that are the caller's, not a bug: shown next to the field.
REFUSALS = (ValidationError, DomainError, VersionConflict, Problem)
DIRECTORY_LIMIT = 200

#: Each form of the company page: its path, the event it records, its schema, its title.
EVENT_FORMS = {
    "besoin": ("need_posted", s.NeedIn, "Publier un besoin de recrutement"),
    "offre-immersion": ("hosting_offered", s.HostingOfferIn, "Offrir des places d'immersion (PMSMP)"),
    "participation": ("participated", s.ParticipationIn, "Enregistrer une participation à une action"),
    "parrain": ("sponsor_named", s.SponsorIn, "Désigner un tuteur ou un parrain"),
    "engagement": ("commitment_signed", s.CommitmentIn, "Enregistrer un engagement signé"),
    "contact": ("contact_named", s.ContactIn, "Ajouter une personne à contacter"),
}
#: French words of the company fields.
FIELD_LABELS = {
    "siret": "SIRET (14 chiffres)", "name": "Raison sociale ou enseigne", "naf_code": "Code NAF (APE)",
    "size_band": "Taille", "town": "Commune", "qpv_location": "Situation par rapport aux QPV",
    "registered_on": "Début de la relation", "occurred_on": "Date", "need_id": "Code du besoin",
    "job_title": "Intitulé du poste", "rome_code": "Code ROME", "contract_type": "Type de contrat",
    "contract_months": "Durée du contrat (mois)", "positions": "Nombre de postes",
    "starts_on": "Prise de poste prévue", "requirements": "Prérequis",
    "group_ids": "Groupes de travail à qui le besoin est proposé", "outcome": "Issue",
    "positions_filled": "Postes pourvus", "hired_pathway_ids": "Parcours embauchés",
    "capacity": "Nombre de places", "jobs": "Métiers à découvrir", "kind": "Nature",
    "note": "Note", "pathway_id": "Personne accompagnée", "role": "Rôle",
    "contact_id": "Personne à contacter", "title": "Intitulé", "first_name": "Prénom",
    "last_name": "Nom", "email": "Courriel", "phone": "Téléphone",
    "need": "Besoin", "corrects_version": "Événement à corriger", "changes": "Changements", "reason": "Motif",
}
#: Which list of labels (filters.LABELS) names a field's codes, by form when it differs.
CHOICE_LABELS = {"size_band": "size_band", "qpv_location": "qpv_location",
                 "contract_type": "contract_type", "outcome": "need_outcome", "role": "sponsor_role"}
KIND_LABELS = {"participated": "participation_kind", "commitment_signed": "commitment_kind"}
#: How many inputs a list of texts gets (`jobs`).
LIST_INPUTS = 3
#: Fields every page fills itself (a need's outcome has a page of its own per need, `outcome`,
#: where the pathways hired are ticked).
HIDDEN = ("hired_pathway_ids", "contact_id")
#: Fields a correction may change, from every kind of event (the domain says which fit).
CORRECTION_FIELDS = tuple(dict.fromkeys(
    ("occurred_on", *c.CORRECTABLE_REGISTRATION,
     *(f for code in c.RECORDABLE_EVENTS if code != "corrected" for f in c.COMPANY_FIELDS[code]
       if f not in ("need_id", "contact_id", "pathway_id", "hired_pathway_ids", "group_ids")))))


def controls(code: str, schema) -> list[Control]:
    """The controls of a company form, in the schema's order."""
    found = []
    for name, field in schema().fields.items():
        if name in HIDDEN:
            continue
        kind_labels = KIND_LABELS.get(code) if name == "kind" else CHOICE_LABELS.get(name)
        one_of = [v for v in field.validators if hasattr(v, "choices")]
        if name == "group_ids":
            kind, choices = "checks", "groups"
        elif name == "pathway_id":
            kind, choices = "select", "people"
        elif isinstance(field, fields.List):
            kind, choices = "texts", ()
        elif kind_labels and one_of:
            kind, choices = "select", (kind_labels, tuple(one_of[0].choices))
        elif isinstance(field, fields.Date):
            kind, choices = "date", ()
        elif isinstance(field, fields.Number):
            kind, choices = "number", ()
        else:
            kind, choices = "text", ()
        found.append(Control(name, FIELD_LABELS.get(name, name), kind, field.required, choices))
    return found


def _territory_groups() -> list[tuple[str, str]]:
    return [(gr["id"], gr["name"]) for gr in web().system.reference.rows(
        groups, territory_id=g.principal.territory_id)]


@bp.route("/", methods=["GET", "POST"])
@role_required(*READERS)
def index():
    """The territory's companies, searched by name or SIRET and filtered; a chargé·e registers
    one here."""
    errors, values = {}, request.form
    if request.method == "POST":
        if g.principal.role not in WRITERS:
            raise Problem(403, "réservé aux chargés de relation entreprises")
        try:
            data = load(s.CompanyIn(), request.form)
            occurred_on = data.pop("registered_on")
            company = web().system.app.register_company(
                actor=g.principal.actor, occurred_on=occurred_on, territory_id=views.caller_territory(),
                **data)
        except CompanyAlreadyRegistered as error:
            errors = {"siret": [str(error)]}
        except REFUSALS as error:
            errors = field_errors(error)
        else:
            flash(f"Entreprise enregistrée : {company.state.name}.")
            return redirect(url_for(".show", company_id=str(company.id)))
    try:
        query = s.DirectoryQuery().load({k: v for k, v in request.args.items() if v != ""})
    except ValidationError as error:
        query, search_errors = None, field_errors(error)
    else:
        search_errors = {}
    rows = []
    if query is not None:
        web().system.projections.catch_up()
        rows = list_companies(web().system.engine, DirectoryQuery(
            territory_id=views.caller_territory(), q=query["q"], size_band=query["size_band"],
            qpv_location=query["qpv_location"], with_open_needs=query["with_open_needs"]),
            limit=DIRECTORY_LIMIT + 1)
    return render_template(
        "pages/companies.html", rows=rows[:DIRECTORY_LIMIT], more=len(rows) > DIRECTORY_LIMIT,
        search=request.args, search_errors=search_errors, errors=errors,
        values=values or {"registered_on": web().system.clock.today().isoformat()},
        writable=g.principal.role in WRITERS, register=controls("registered", s.CompanyIn),
    ), (422 if errors or search_errors else 200)


def _actor_names() -> dict:
    return {u["id"]: u["name"] for u in web().system.reference.rows(users)}


def event_details(item: dict, needs: dict, names: dict) -> list[tuple[str, str]]:
    """A timeline item's fields in words: French names, labels for codes, names for groups,
    dates as dd/mm/yyyy (a need named by its title, a posted need by its code)."""
    found = []
    for key, value in item["data"].items():
        if value in (None, "", [], {}) or key in ("territory_id", "contact_id"):
            continue
        if key == "need_id" and item["event"] != "need_posted":
            key, value = "need", needs.get(value, {}).get("job_title", value)
        elif key == "group_ids":
            value = ", ".join(names.get(v, v) for v in value)
        elif key == "kind":
            value = label(value, KIND_LABELS.get(item["event"], ""))
        elif key in CHOICE_LABELS:
            value = label(value, CHOICE_LABELS[key])
        elif key == "changes" and isinstance(value, dict):
            value = changes_in_words(value, FIELD_LABELS)
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        elif key.endswith("_on"):
            value = fr_date(value)
        found.append((FIELD_LABELS.get(key, key.replace("_", " ")), str(value)))
    return found


def _page(company_id: str, errors: dict | None = None, open_form: str | None = None,
          values=None, status: int = 200):
    company = views.company_in_scope(company_id)
    document = views.shown(views.company_document(company))
    history = views.history_document(company)["items"]
    writable = g.principal.role in WRITERS
    contacts = views.contact_list(company) if writable else []
    today = web().system.clock.today()
    return render_template(
        "pages/company.html", company=document, history=list(reversed(history)),
        contacts=contacts, writable=writable,
        shortlist_reader=g.principal.role in SHORTLIST_READERS,
        forms=[(path, title, controls(code, schema)) for path, (code, schema, title)
               in EVENT_FORMS.items()] if writable else [],
        choices={"groups": _territory_groups(),
                 "people": _people_choices(company) if writable else []},
        correction_fields=[(f, FIELD_LABELS.get(f, f)) for f in CORRECTION_FIELDS],
        errors=errors or {}, open_form=open_form, today=today,
        values=values or {"occurred_on": today.isoformat()}, actors=_actor_names(),
        needs={n["need_id"]: n for n in document["needs"]}, event_details=event_details,
        group_names=dict(_territory_groups()),
        LIST_INPUTS=LIST_INPUTS,
    ), status


def person_words(item: dict, group_names: dict, to_what: str = "ce besoin") -> str:
    """A person linked with a company, in words that name no one unless the reader's role
    reads the person: the label (a pseudonym, or first name and initial), the group, the day
    proposed (to the need, or to one of the company's: `to_what`) and whether the company
    hired the person."""
    words = [item["label"], group_names.get(item["group_id"], item["group_id"])]
    words.append(f"proposé·e le {fr_date(item['proposed_on'])}" if item["proposed_on"]
                 else f"non proposé·e à {to_what}")
    words.append(f"embauche enregistrée le {fr_date(item['hired_on'])}" if item["hired_on"]
                 else "pas d'embauche enregistrée")
    return " — ".join(words)


def _people_choices(company) -> list[tuple[str, str]]:
    """The people linked with the company (proposed to one of its needs, or hired by it), as
    (pseudonym, words) for a select: the pseudonym is what the form sends."""
    document = views.shown(views.people_linked_document(company))
    names = dict(_territory_groups())
    return [(item["pseudonym"], person_words(item, names, "l'entreprise"))
            for item in document["items"]]


@bp.route("/<company_id>")
@role_required(*READERS)
def show(company_id):
    """The company's page: identity, timeline, what the Cité did with it, and its forms."""
    return _page(company_id)


def _refusal_errors(error: Exception) -> dict:
    """A refused write's errors, field by field (a version conflict above the form); a problem
    other than 403, 409 or 422 goes on up."""
    if isinstance(error, Problem) and error.status not in (403, 409, 422):
        raise error
    return {GENERAL: [str(error)]} if isinstance(error, VersionConflict) else field_errors(error)


def _refused(company_id: str, form: str, error: Exception):
    errors = _refusal_errors(error)
    if form == "correction":
        errors = correction_errors(errors)
    return _page(company_id, errors, open_form=form, values=request.form, status=422)


@bp.route("/<company_id>/<form>", methods=["POST"])
@role_required(*WRITERS)
def record(company_id, form):
    """Records one event from its form (a contact person goes to the encrypted store)."""
    if form not in EVENT_FORMS:
        raise Problem(404, "formulaire inconnu")
    code, schema, _title = EVENT_FORMS[form]
    version = request.form.get("version", type=int)
    try:
        data = load(schema(), request.form)
        if code == "contact_named":
            views.name_contact_person(company_id, data, version)
        else:
            views.record_event(company_id, code, data, version)
    except REFUSALS as error:
        return _refused(company_id, form, error)
    flash(f"Enregistré : {c.COMPANY_EVENT_LABELS[code]}.")
    return redirect(url_for(".show", company_id=company_id) + "#historique")


def _hired_errors(errors: dict) -> dict:
    """The errors of an outcome form: those of each pathway named (`hired_pathway_ids.1`)
    shown next to the group of checkboxes, those of the need (the page's own) above the form."""
    found: dict[str, list[str]] = {}
    for key, messages in errors.items():
        where = ("hired_pathway_ids" if key.startswith("hired_pathway_ids")
                 else GENERAL if key == "need_id" else key)
        found.setdefault(where, []).extend(messages)
    return found


@bp.route("/<company_id>/besoins/<need_id>/issue", methods=["GET", "POST"])
@role_required(*WRITERS)
def outcome(company_id, need_id):
    """A need's outcome: how many positions were filled, and who was hired, ticked among the
    people proposed to it (then those the company hired otherwise), each by pseudonym."""
    company = views.company_in_scope(company_id)
    if need_id not in company.state.needs:
        raise Problem(404, "aucun besoin de ce code pour cette entreprise")
    errors, values = {}, request.form
    if request.method == "POST":
        try:
            data = load(s.NeedOutcomeIn(), request.form, extra={"need_id": need_id})
            views.record_event(company_id, "need_closed", data, request.form.get("version", type=int))
        except REFUSALS as error:
            errors = _hired_errors(_refusal_errors(error))
        else:
            flash(f"Enregistré : {c.COMPANY_EVENT_LABELS['need_closed']}.")
            return redirect(url_for(".show", company_id=company_id) + "#historique")
        company = views.company_in_scope(company_id)
    document = views.shown(views.people_linked_document(company, need_id))
    need = company.state.needs[need_id]
    names = dict(_territory_groups())
    people = [(item["pseudonym"], person_words(item, names)) for item in document["items"]]
    hired = {web().pseudonyms.of(pid) for pid in need["hired_pathway_ids"]}
    return render_template(
        "pages/need_outcome.html", company=company.state, company_id=str(company.id),
        version=company.version, need=need, people=people, hired=hired,
        outcomes=[(code, label(code, "need_outcome")) for code in c.NEED_OUTCOMES],
        labels=FIELD_LABELS, errors=errors,
        values=values or {"occurred_on": web().system.clock.today().isoformat()},
    ), (422 if errors else 200)


@bp.route("/<company_id>/correction", methods=["POST"])
@role_required(*WRITERS)
def correct(company_id):
    """Corrects one field of an earlier event, with its reason (a `corrected` event)."""
    name = request.form.get("change_field", "")
    if name not in CORRECTION_FIELDS:
        return _page(company_id, {"change_field": ["choisissez le champ à corriger"]},
                     open_form="correction", values=request.form, status=422)
    value = value_of(s.CompanyCorrectionChanges().fields[name], request.form, "change_value")
    try:
        data = load(s.CompanyCorrectionIn(), request.form,
                    extra={"changes": {} if value in (None, []) else {name: value}})
        views.record_event(company_id, "corrected", data, request.form.get("version", type=int))
    except REFUSALS as error:
        return _refused(company_id, "correction", error)
    flash("Correction enregistrée.")
    return redirect(url_for(".show", company_id=company_id) + "#historique")


def _sessions_for(need: dict) -> list[tuple[str, str]]:
    """The sessions of the co-pilot's groups the need is offered to that are not closed yet."""
    mine = [gr for gr in need["group_ids"] if gr in g.principal.group_ids]
    if not mine:
        return []
    names = dict(_territory_groups())
    web().system.projections.catch_up()
    rows = sessions_page(web().system.engine, mine, limit=200)
    return [(str(r["id"]), f"{names.get(r['group_id'], r['group_id'])} — "
                           f"{label(r['kind'], 'kind')} du {fr_date(r['held_on'])}")
            for r in rows if r["status"] == "scheduled"]


@bp.route("/<company_id>/besoins/<need_id>", methods=["GET", "POST"])
@role_required(*SHORTLIST_READERS)
def shortlist(company_id, need_id):
    """A need's shortlist (why each person fits); a co-pilot puts the need on a session."""
    company = views.company_in_scope(company_id)
    errors = {}
    if request.method == "POST":
        if g.principal.role != "copilot":
            raise Problem(403, "réservé aux co-pilotes du groupe")
        session_id = request.form.get("session_id", "")
        try:
            if not session_id:
                raise Problem(422, "choisissez la séance",
                              errors={"session_id": ["choisissez la séance"]})
            session = session_in_scope(session_id, writing=True)
            with commands.request_fields({}):
                web().system.app.add_need_to_committee(
                    session.id, company_id=str(company.id), need_id=need_id,
                    actor=g.principal.actor)
        except REFUSALS as error:
            if isinstance(error, Problem) and error.status == 404:
                error = Problem(422, error.detail, errors={"session_id": [error.detail]})
            errors = field_errors(error)
            if GENERAL in errors and "session_id" not in errors:
                errors = {"session_id": errors.pop(GENERAL), **errors}
        else:
            flash("Besoin ajouté à l'ordre du jour de la séance.")
            return redirect(url_for("pages.committees.agenda", session_id=session_id))
    document = views.shortlist_document(company, need_id, 20)
    return render_template(
        "pages/shortlist.html", document=document, company=company.state,
        company_id=str(company.id),
        sessions=_sessions_for(document["need"]) if g.principal.role == "copilot" else [],
        errors=errors, values=request.form,
    ), (422 if errors else 200)
