""""Ma file active" (my pathways, most urgent first, searchable by name) and the repérage form."""

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from flask import Blueprint, g, redirect, render_template, request, url_for
from marshmallow import ValidationError

from ...domain.errors import DomainError
from ...domain.rules import DEFAULT_STALLED_AFTER_DAYS, OVERDUE_AFTER_DAYS
from ...queries.caseload import CaseloadQuery, list_pathways
from ...stores.personal_data import PersonalDataErased, PersonalDataMissing
from ...stores.reference import groups, structures
from .. import commands
from ..context import web
from ..problems import Problem
from ..schemas.pathways import IdentifyIn
from ..schemas.steps import STEP_SCHEMAS
from . import role_required
from .forms import field_errors, load

bp = Blueprint("caseload", __name__)

#: How many pathways one file active shows at most.
LIMIT = 500


@dataclass(frozen=True)
class Urgency:
    """Why a pathway is at this place in the file active: rank (0 first), words, tone."""

    rank: int
    text: str
    tone: str


def urgency(row: dict, today: date, stalled_after_days: int = DEFAULT_STALLED_AFTER_DAYS) -> Urgency:
    """How urgent a pathway is for its referent: overdue contact, validation due, stalled…"""
    next_due = row.get("follow_up_next_due_on")
    if row["stage"] == "exited":
        return Urgency(9, "sorti", "")
    if next_due and today > next_due + timedelta(days=OVERDUE_AFTER_DAYS):
        return Urgency(0, f"point de suivi en retard (attendu le {next_due:%d/%m/%Y})", "danger")
    validation = row.get("validation_due_on")
    if row["stage"] == "employed" and validation and validation <= today:
        return Urgency(1, f"validation 15 semaines à faire (depuis le {validation:%d/%m/%Y})", "warn")
    if next_due and next_due <= today + timedelta(days=7):
        return Urgency(2, f"point de suivi attendu le {next_due:%d/%m/%Y}", "warn")
    idle = (today - row["last_event_on"]).days if row.get("last_event_on") else 0
    if idle >= stalled_after_days:
        return Urgency(3, f"aucune étape depuis {idle} jours", "warn")
    if row["stage"] == "identified":
        return Urgency(4, "repéré, pas encore orienté", "")
    return Urgency(5, "à jour", "ok")


def _folded(text: str) -> str:
    """Lower case without accents, to search names as people type them."""
    return "".join(c for c in unicodedata.normalize("NFD", text.casefold())
                   if unicodedata.category(c) != "Mn")


def person_name(pathway_id: str, row: dict) -> str | None:
    """The person's name when the signed-in user may read it (the read is logged), else None."""
    if not g.principal.reads_person(row):
        return None
    try:
        person = web().system.personal_data.get(uuid.UUID(pathway_id))
    except (PersonalDataErased, PersonalDataMissing):
        return None
    web().access_log.record(g.principal, pathway_id, "read_person_caseload",
                            at=web().system.clock.now())
    return f"{person.get('first_name', '')} {person.get('last_name', '')}".strip()


@bp.route("/file-active", methods=["GET", "POST"])
@role_required("referent", "copilot")
def index():
    """My open pathways (a co-pilot: the groups'), most urgent first; the form's `q` (POST)
    searches names. A name is never read from the address: the server's access log, proxies
    and the browser's history keep addresses (400 for `?q=`)."""
    principal = g.principal
    if "q" in request.args:
        raise Problem(400, "la recherche par nom passe par le formulaire de la page, "
                      "jamais par l'adresse (elle est conservée dans les journaux)")
    searched = request.form.get("q", "").strip() if request.method == "POST" else ""
    show_exited = bool(request.values.get("sorties"))
    today = web().system.clock.today()
    web().system.projections.catch_up()
    query = CaseloadQuery(group_ids=principal.group_ids,
                          referent_id=principal.user_id if principal.role == "referent" else None)
    rows = [r for r in list_pathways(web().system.engine, query, limit=LIMIT)
            if show_exited or r["stage"] != "exited"]
    stalled = {gr["id"]: gr["stalled_after_days"] for gr in web().system.reference.rows(groups)}
    wanted = _folded(searched)
    items = []
    for row in rows:
        name = person_name(row["pathway_id"], row)
        if wanted and (name is None or wanted not in _folded(name)):
            continue
        item = {**row, "name": name,
                "urgency": urgency(row, today, stalled.get(row["group_id"], DEFAULT_STALLED_AFTER_DAYS))}
        items.append(item)
    items.sort(key=lambda i: (i["urgency"].rank, i["last_event_on"] or date.min))
    return render_template("pages/caseload.html", items=items, q=searched,
                           today=today, show_exited=show_exited)


def _identify_choices(principal) -> dict:
    reference = web().system.reference
    return {
        "groups": [(gr["id"], gr["name"]) for gr in reference.rows(groups)
                   if gr["id"] in principal.group_ids],
        "structures": [(s["id"], s["name"]) for s in reference.rows(
            structures, territory_id=principal.territory_id)],
    }


def _assign_to_me(pathway, on: date) -> None:
    """The referent who identified someone becomes their referent (a `referent_assigned` step)."""
    principal, system = g.principal, web().system
    data = STEP_SCHEMAS["referent_assigned"]().load({
        "step": "referent_assigned", "occurred_on": on.isoformat(), "referent_id": principal.user_id,
        "structure_id": principal.structure_id})
    code, command = commands.step(system.reference, principal, data, pathway.state.group_id)
    system.app.log_step(pathway.id, code, expected_version=pathway.version, **command)
    web().access_log.record(principal, pathway.id, "log_step", at=system.clock.now())


@bp.route("/reperage", methods=["GET", "POST"])
@role_required("referent", "copilot")
def identify():
    """Repérage: identify someone with their consent; opens the pathway (as `POST /pathways`)."""
    principal = g.principal
    errors: dict = {}
    values = request.form if request.method == "POST" else {
        "identified_on": web().system.clock.today().isoformat(),
        "group_id": principal.group_ids[0] if principal.group_ids else "",
        "identified_by_structure_id": principal.structure_id or "", "assign_me": "1",
    }
    if request.method == "POST":
        system = web().system
        try:
            data = load(IdentifyIn(), request.form)
            if not data["consent"]["committee_sharing"]:
                data["consent"]["given_on"] = None
            command = commands.identification(system.reference, principal, data)
            with commands.request_fields(commands.IDENTIFICATION_FIELDS):
                pathway = system.app.identify(**command)
        except (ValidationError, DomainError, Problem) as error:
            if isinstance(error, Problem) and error.status not in (403, 422):
                raise
            errors = field_errors(error)
        else:
            web().access_log.record(principal, pathway.id, "identify", at=system.clock.now())
            if request.form.get("assign_me") and principal.role == "referent":
                _assign_to_me(pathway, data["identified_on"])
            return redirect(url_for("pages.pathway.show", pathway_id=str(pathway.id), created=1))
    return render_template("pages/identify.html", errors=errors, values=values,
                           **_identify_choices(principal)), (422 if errors else 200)
