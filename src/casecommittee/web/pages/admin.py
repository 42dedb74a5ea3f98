"""The coordinator's pages: the territory's groups and targets, structures, users (invite
with a first password shown once, role and groups, revoke), and the erasures of identities
(done, and due under the retention rule) under pseudonyms; while the read models are stopped,
where and why (the public health check says only since when)."""

import secrets
from datetime import timedelta

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from marshmallow import Schema, ValidationError, fields, validate

from ...db import as_utc
from ...domain.vocabulary import ROLES, STRUCTURE_KINDS
from ...jobs import RETENTION_WARNING_DAYS
from ...queries.retention import erasures_of_territory, identities_due_in_territory
from ...stores.reference import groups, structures, territories, users
from ...stores.revocation import revoke_access
from ..context import web
from ..problems import Problem
from ..schemas.fields import identifier, label
from ..schemas.reference import GroupIn, StructureIn
from ..views.reference import insert_reference, known_territory
from . import role_required
from .auth import passwords
from .forms import field_errors, load

bp = Blueprint("admin", __name__, url_prefix="/administration")


class UserIn(Schema):
    """A user to invite: name, sign-in name, role, groups and structure."""

    name = label(required=True)
    login = fields.String(required=True, validate=validate.Regexp(
        r"^[a-z0-9._@-]{3,200}$", error="lettres minuscules, chiffres et . _ @ - (3 caractères au moins)"))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    group_ids = fields.List(identifier(), load_default=list)
    structure_id = identifier(load_default=None, allow_none=True)


class UserChange(Schema):
    """A user's new role and groups."""

    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    group_ids = fields.List(identifier(), load_default=list)


def _territory_id() -> str:
    territory_id = g.principal.territory_id
    if territory_id is None:
        raise Problem(403, "votre compte n'est rattaché à aucun territoire")
    return territory_id


def _page(errors: dict | None = None, form: str | None = None, status: int = 200):
    reference, territory_id = web().system.reference, _territory_id()
    people = reference.rows(users, territory_id=territory_id)
    logins = {u["id"]: passwords().login_of(u["id"]) for u in people}
    return render_template(
        "pages/admin.html", territory=reference.get(territories, territory_id),
        groups=reference.rows(groups, territory_id=territory_id),
        structures=reference.rows(structures, territory_id=territory_id), users=people,
        logins=logins, roles=ROLES, kinds=STRUCTURE_KINDS, errors=errors or {}, form=form,
        values=request.form, stall=web().system.projections.stall(),
    ), status


@bp.route("/")
@role_required("admin")
def index():
    """The territory at a glance."""
    return _page()


def _add(form_name: str, schema: Schema, add):
    territory_id = _territory_id()
    try:
        data = load(schema, request.form, extra={"territory_id": territory_id})
        known_territory(territory_id)
        insert_reference(add, **data)
    except (ValidationError, Problem) as error:
        return _page(field_errors(error), form_name, 422)
    flash("Enregistré.")
    return redirect(url_for(".index"))


@bp.route("/groupes", methods=["POST"])
@role_required("admin")
def add_group():
    """A new working group with its yearly target (as `POST /api/v1/groups`)."""
    return _add("group", GroupIn(), web().system.reference.add_group)


@bp.route("/structures", methods=["POST"])
@role_required("admin")
def add_structure():
    """A new partner structure (as `POST /api/v1/structures`)."""
    return _add("structure", StructureIn(), web().system.reference.add_structure)


def _own_groups(group_ids) -> None:
    mine = {gr["id"] for gr in web().system.reference.rows(groups, territory_id=_territory_id())}
    if set(group_ids) - mine:
        raise ValidationError({"group_ids": ["groupe inconnu sur votre territoire"]})


@bp.route("/utilisateurs", methods=["POST"])
@role_required("admin")
def invite():
    """Invites a user: their account and a first password, shown once, to hand over."""
    reference = web().system.reference
    try:
        data = load(UserIn(), request.form)
        _own_groups(data["group_ids"])
        if data["role"] in ("referent", "copilot") and not data["group_ids"]:
            raise ValidationError({"group_ids": ["un référent ou un co-pilote appartient à un groupe"]})
        if passwords().login_of_name(data["login"]) is not None:
            raise ValidationError({"login": ["identifiant déjà utilisé"]})
    except ValidationError as error:
        return _page(field_errors(error), "user", 422)
    user = reference.add_user(data["name"], data["role"], _territory_id(), data["group_ids"],
                              data["structure_id"])
    first_password = secrets.token_urlsafe(12)
    passwords().set(user["id"], first_password, login=data["login"], now=web().system.clock.now())
    flash(f"Compte créé pour {data['name']} : identifiant « {data['login']} », mot de passe "
          f"provisoire « {first_password} » (affiché une seule fois, à transmettre en main propre).")
    return redirect(url_for(".index"))


def _user_of_territory(user_id: str) -> dict:
    user = web().system.reference.get(users, user_id)
    if user is None or user["territory_id"] != _territory_id():
        raise Problem(404, "aucun utilisateur de ce numéro sur votre territoire")
    return user


@bp.route("/utilisateurs/<user_id>", methods=["POST"])
@role_required("admin")
def change(user_id):
    """Changes a user's role and groups."""
    user = _user_of_territory(user_id)
    try:
        data = load(UserChange(), request.form)
        _own_groups(data["group_ids"])
    except ValidationError as error:
        return _page(field_errors(error), f"user-{user_id}", 422)
    web().system.reference.change_user(user["id"], role=data["role"], group_ids=data["group_ids"])
    flash(f"Rôle et groupes de {user['name']} mis à jour.")
    return redirect(url_for(".index"))


@bp.route("/utilisateurs/<user_id>/revocation", methods=["POST"])
@role_required("admin")
def revoke(user_id):
    """Revokes a user: their API tokens, their page sessions and their password."""
    user = _user_of_territory(user_id)
    system = web().system
    ended = revoke_access(system.engine, user["id"], system.clock.now())
    flash(f"Accès de {user['name']} révoqués ({ended.tokens} jeton(s), {ended.sessions} "
          "session(s) ouverte(s), mot de passe supprimé).")
    return redirect(url_for(".index"))


#: Who erased an identity when it was not a user: the nightly retention job.
ERASED_BY_JOB = {"retention_deadlines": "effacement automatique (durée de conservation)"}


@bp.route("/effacements")
@role_required("admin")
def erasures():
    """The erasures of identities in the territory: those done (when, why, by whom) and the
    pathways whose retention period ends within 30 days or has ended — pseudonyms only."""
    system, territory_id = web().system, _territory_id()
    reference, pseudonyms, today = system.reference, web().pseudonyms, system.clock.today()
    group_names = {gr["id"]: gr["name"] for gr in reference.rows(groups, territory_id=territory_id)}
    user_names = {u["id"]: u["name"] for u in reference.rows(users, territory_id=territory_id)}
    retention = timedelta(days=system.settings.retention_days)
    done = [{"pseudonym": pseudonyms.of(row.pathway_id), "group": group_names.get(row.group_id, ""),
             "erased_at": as_utc(row.erased_at), "reason": row.erasure_reason,
             "by": ERASED_BY_JOB.get(row.erased_by) or user_names.get(row.erased_by) or row.erased_by}
            for row in erasures_of_territory(system.engine, territory_id)]
    idle_before = today - retention + timedelta(days=RETENTION_WARNING_DAYS)
    due = [{"pseudonym": pseudonyms.of(row.pathway_id), "group": group_names.get(row.group_id, ""),
            "referent": user_names.get(row.referent_id, ""), "last_event_on": row.last_event_on,
            "deadline": row.last_event_on + retention,
            "days_left": (row.last_event_on + retention - today).days}
           for row in identities_due_in_territory(system.engine, territory_id, idle_before)]
    return render_template("pages/erasures.html", territory=reference.get(territories, territory_id),
                           done=done, due=due, retention_days=retention.days,
                           warning_days=RETENTION_WARNING_DAYS)
