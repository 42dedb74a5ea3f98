"""The pathway page: the timeline, the 15-week follow-up calendar, one form per step, the
correction of a past event, and the person's record (each reading logged).

Steps go through what `POST /api/v1/pathways/{id}/steps` uses: the step's schema, `commands.step`,
`CaseCommittee.log_step` with the version read (as `If-Match`), and the access log.
"""

import uuid
from datetime import date

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from marshmallow import ValidationError

from ...application import VersionConflict
from ...domain.errors import DomainError
from ...domain.pathway import STEP_LABELS
from ...domain.rules import follow_up_calendar
from ...queries.step_documents import step_document
from ...stores.personal_data import PersonalDataErased, PersonalDataMissing
from ...stores.reference import groups, structures, users
from .. import commands
from ..context import web
from ..problems import Problem
from ..schemas.pathways import ErasureIn
from ..schemas.steps import CORRECTABLE, STEP_SCHEMAS
from ..texts import reader_opener
from ..views.common import shown_id, visible_pathway
from . import role_required
from .caseload import person_name
from .filters import changes_in_words, fr_date, label
from .forms import GENERAL, correction_errors, field_errors, load, value_of
from .step_forms import FIELD_LABELS, FORM_STEPS, controls

bp = Blueprint("pathway", __name__, url_prefix="/parcours")

#: Fields a correction form offers (plain values; nested objects are corrected through the API).
CORRECTION_FIELDS = tuple(name for name, f in CORRECTABLE.items()
                          if type(f).__name__ not in ("Nested",))
#: How the correction form names a field where the step forms' label is missing or shared.
CORRECTION_LABELS = {
    **FIELD_LABELS, "hours_per_week": "Heures par semaine (immersion)",
    "weekly_hours": "Heures par semaine (emploi)", "committee_session_id": "Séance du comité",
    "group_id": "Groupe de travail", "company_id": "Entreprise", "need_id": "Besoin de l'entreprise",
}
#: Form errors that are the caller's, not a bug: shown next to the field.
REFUSALS = (ValidationError, DomainError, VersionConflict, Problem)


def _log(pathway_id, action: str) -> None:
    web().access_log.record(g.principal, pathway_id, action, at=web().system.clock.now())


def follow_up(row: dict, today) -> list[dict]:
    """The 15-week follow-up calendar of a pathway in follow-up: each checkpoint and its state."""
    hired_on = row.get("follow_up_hired_on")
    if hired_on is None:
        return []
    contacts = [date.fromisoformat(c) if isinstance(c, str) else c
                for c in row.get("follow_up_contacts") or ()]
    completed = row["stage"] == "follow_up_completed"
    return [{"kind": c.kind, "week": c.week, "due_on": c.due_on, "done": c.done,
             "overdue": c.is_overdue(today), "due": not c.done and c.due_on <= today}
            for c in follow_up_calendar(hired_on, contacts, completed)]


def _choices(principal) -> dict:
    reference = web().system.reference
    people = [(u["id"], u["name"]) for u in reference.rows(users, territory_id=principal.territory_id)
              if u["role"] in ("referent", "copilot") and set(u["group_ids"] or ()) & set(principal.group_ids)]
    return {"referents": people,
            "structures": [(s["id"], s["name"]) for s in reference.rows(
                structures, territory_id=principal.territory_id)]}


#: Which list of labels names a history field's codes (the same words as the forms).
HISTORY_CODES = {"channel": "channel", "objective": "objective", "contract_type": "contract_type",
                 "contacted": "contacted", "scope": "rupture_scope", "kind": "rupture_kind",
                 "initiated_by": "initiated_by", "outcome": "outcome"}


def step_details(step: dict, names: dict) -> list[tuple[str, str]]:
    """A history item's fields in words: French field names, labels for codes, names for ids."""
    found = []
    for key, value in step["data"].items():
        if value in (None, "", [], {}) or key in ("profile", "group_id", "committee_session_id"):
            continue
        if key == "changes":
            value = changes_in_words(value, CORRECTION_LABELS)
        elif isinstance(value, dict):
            value = ", ".join(str(v) for v in value.values() if v not in (None, ""))
        elif isinstance(value, bool):
            value = "oui" if value else "non"
        elif key.endswith("_id"):
            value = names.get(value, value)
        elif key == "status":
            value = label(value, "immersion_status" if step["step"] == "immersion_ended" else "follow_up_status")
        elif key in HISTORY_CODES:
            value = label(value, HISTORY_CODES[key])
        elif key.endswith("_on"):
            value = fr_date(value)
        found.append((FIELD_LABELS.get(key, key.replace("_", " ")), str(value)))
    return found


def _actor_names() -> dict:
    reference = web().system.reference
    return {**{s["id"]: s["name"] for s in reference.rows(structures)},
            **{u["id"]: u["name"] for u in reference.rows(users)}}


def _page(pathway_ref: str, errors: dict | None = None, open_form: str | None = None,
          values=None, status: int = 200):
    principal = g.principal
    pathway_id, row = visible_pathway(pathway_ref)
    today = web().system.clock.today()
    name = person_name(str(pathway_id), row)
    steps = web().system.app.history(pathway_id)
    _log(pathway_id, "read_history")
    opened = reader_opener(pathway_id, row)
    history = [step_document(st, pseudonymised=principal.pseudonymised, opened=opened)
               for st in steps]
    group = web().system.reference.get(groups, row["group_id"]) or {}
    return render_template(
        "pages/pathway.html", row=row, ref=shown_id(pathway_id), name=name, group=group,
        history=list(reversed(history)), calendar=follow_up(row, today), today=today,
        forms=[(code, controls(code)) for code in FORM_STEPS] if principal.writes_pathways else [],
        choices=_choices(principal), errors=errors or {}, open_form=open_form,
        values=values or {"occurred_on": today.isoformat()},
        correction_fields=[(f, CORRECTION_LABELS.get(f, f)) for f in CORRECTION_FIELDS],
        actors=_actor_names(),
        reads_person=principal.reads_person(row), step_details=step_details,
    ), status


@bp.route("/<pathway_id>")
@role_required("referent", "copilot", "auditor")
def show(pathway_id):
    """The pathway as it stands, its timeline and its forms."""
    return _page(pathway_id)


def _write(pathway_id: str, code: str, body_extra: dict | None = None, changes: dict | None = None):
    """Logs one step as the API does; re-renders the page with the errors next to the fields."""
    pid, row = visible_pathway(pathway_id)
    system = web().system
    try:
        data = load(STEP_SCHEMAS[code](), request.form, extra={"step": code, **(body_extra or {})})
        code, command = commands.step(system.reference, g.principal, data, row["group_id"])
        version = request.form.get("version", type=int)
        system.app.log_step(pid, code, expected_version=version, **command)
    except REFUSALS as error:
        if isinstance(error, Problem) and error.status not in (403, 422):
            raise
        errors = ({GENERAL: [str(error)]} if isinstance(error, VersionConflict)
                  else field_errors(error))
        if code == "corrected":
            errors = correction_errors(errors)
        return _page(pathway_id, errors, open_form=code, values=request.form, status=422)
    _log(pid, "log_step")
    flash(f"Étape enregistrée : {STEP_LABELS[code]}.")
    return redirect(url_for(".show", pathway_id=pathway_id) + "#historique")


@bp.route("/<pathway_id>/etapes/<code>", methods=["POST"])
@role_required("referent", "copilot")
def log_step(pathway_id, code):
    """Logs a step from its form."""
    if code not in FORM_STEPS:
        raise Problem(404, "étape inconnue")
    return _write(pathway_id, code)


@bp.route("/<pathway_id>/correction", methods=["POST"])
@role_required("referent", "copilot")
def correct(pathway_id):
    """Corrects one field of a past event, with its reason (a `corrected` event)."""
    name = request.form.get("change_field", "")
    if name not in CORRECTION_FIELDS:
        return _page(pathway_id, {"change_field": ["choisissez le champ à corriger"]},
                     open_form="corrected", values=request.form, status=422)
    value = value_of(CORRECTABLE[name], request.form, "change_value")
    return _write(pathway_id, "corrected", {"changes": {name: value}})


@bp.route("/<pathway_id>/fiche", methods=["GET", "POST"])
@role_required("referent", "copilot")
def record(pathway_id):
    """The person's record (identity and contacts); reading it is logged. POST erases it."""
    pid, row = visible_pathway(pathway_id)
    if not g.principal.reads_person(row):
        raise Problem(403, "seul le référent de la personne ou un co-pilote de son groupe "
                      "accède à sa fiche")
    store, errors = web().system.personal_data, {}
    if request.method == "POST":
        try:
            data = load(ErasureIn(), request.form)
        except ValidationError as error:
            errors = field_errors(error)
        else:
            try:
                store.erase(pid, data["reason"], erased_by=g.principal.user_id)
            except DomainError as refused:  # a reason naming the person
                errors = {refused.field: [refused.message]}
            else:
                _log(pid, "erase_personal_data")
                flash("Les données personnelles ont été effacées ; l'historique et les "
                      "statistiques restent.")
                return redirect(url_for(".record", pathway_id=pathway_id))
    person, tombstone = None, store.tombstone(pid)
    if tombstone is None:
        try:
            person = store.get(uuid.UUID(str(pid)))
        except (PersonalDataErased, PersonalDataMissing):
            person = None
        _log(pid, "read_person")
    return render_template("pages/record.html", row=row, person=person, tombstone=tombstone,
                           errors=errors, values=request.form), (422 if errors else 200)
