"""User routes (admin): create users, list them, change their role and groups, issue and revoke
their bearer tokens, so a partner tool can set up a territory without the command line.

An admin with a territory manages the users of that territory only; a national admin (no
territory) manages everyone.
"""

from ...stores.reference import groups, structures, territories, users
from ...stores.revocation import revoke_access
from ..context import web
from ..openapi import links
from ..problems import Problem
from ..request_body import Blueprint
from ..schemas import examples
from ..schemas import users as s
from ..security import current_principal, roles
from .common import document_errors
from .reference import territory_page

blp = Blueprint("users", __name__, description="Utilisateurs et jetons (coordination)")


def _invalid(field: str, message: str) -> Problem:
    return Problem(422, message, type_="invalid_value", errors={field: [message]})


def _user_in_scope(user_id: str) -> dict:
    """The user, if the admin manages their territory; 404 otherwise."""
    user = web().system.reference.get(users, user_id)
    scope = current_principal().territory_id
    if user is None or scope not in (None, user["territory_id"]):
        raise Problem(404, "aucun utilisateur de ce numéro dans votre périmètre", type_="not_found")
    return user


def _check_places(territory_id: str | None, group_ids: list, structure_id: str | None) -> None:
    """Groups and structure must exist in the user's territory (422 field by field)."""
    reference = web().system.reference
    for index, group_id in enumerate(group_ids):
        group = reference.get(groups, group_id)
        if group is None or group["territory_id"] != territory_id:
            raise _invalid(f"group_ids.{index}", f"groupe {group_id} inconnu dans ce territoire")
    if structure_id is not None:
        structure = reference.get(structures, structure_id)
        if structure is None or structure["territory_id"] != territory_id:
            raise _invalid("structure_id", f"structure {structure_id} inconnue dans ce territoire")


def _territory_of(data: dict) -> str | None:
    """The new user's territory: given, else their first group's, else the admin's own."""
    reference, scope = web().system.reference, current_principal().territory_id
    territory_id = data["territory_id"]
    if territory_id is None and data["group_ids"]:
        first = reference.get(groups, data["group_ids"][0])
        if first is None:
            raise _invalid("group_ids.0", f"groupe {data['group_ids'][0]} inconnu")
        territory_id = first["territory_id"]
    territory_id = territory_id or scope
    if scope not in (None, territory_id):
        raise Problem(403, "vous gérez les utilisateurs d'un autre territoire", type_="forbidden")
    if territory_id is not None and reference.get(territories, territory_id) is None:
        raise _invalid("territory_id", "territoire inconnu")
    if territory_id is None and data["role"] != "admin":
        raise _invalid("territory_id", "obligatoire hors administrateur national")
    return territory_id


@blp.route("/users", methods=["POST"])
@blp.doc(operationId="create_user", **links(
    201, "user_id", "id", "change_user", "issue_token", "revoke_tokens"))
@roles("admin")
@document_errors(blp, 401, 403, 422)
@blp.arguments(s.UserIn, example=examples.USER)
@blp.response(201, s.User)
def create_user(data):
    """Creates a user (then issue their token with `POST /users/{user_id}/tokens`)."""
    territory_id = _territory_of(data)
    _check_places(territory_id, data["group_ids"], data["structure_id"])
    return web().system.reference.add_user(data["name"], data["role"], territory_id,
                                           data["group_ids"], data["structure_id"]), 201


@blp.route("/users", methods=["GET"])
@blp.doc(operationId="list_users")
@roles("admin")
@document_errors(blp, 400, 401, 403)
@blp.arguments(s.UserQuery, location="query")
@blp.response(200, s.UserPage)
def list_users(query):
    """The users of the admin's territory (everyone's for a national admin)."""
    return territory_page(users, query)


@blp.route("/users/<user_id>", methods=["PATCH"])
@blp.doc(operationId="change_user")
@roles("admin")
@document_errors(blp, 401, 403, 404, 422)
@blp.arguments(s.UserChanges, example=examples.USER_CHANGES)
@blp.response(200, s.User)
def change_user(data, user_id):
    """Changes a user's role, groups or structure (their tokens keep working, with the new scope)."""
    user = _user_in_scope(user_id)
    merged = {**user, **data}
    if merged["role"] in s.GROUP_ROLES and not merged["group_ids"]:
        raise _invalid("group_ids", f"un {merged['role']} appartient à au moins un groupe")
    _check_places(user["territory_id"], data.get("group_ids", []), data.get("structure_id"))
    return web().system.reference.change_user(user_id, **data)


@blp.route("/users/<user_id>/tokens", methods=["POST"])
@blp.doc(operationId="issue_token")
@roles("admin")
@document_errors(blp, 401, 403, 404)
@blp.response(201, s.IssuedToken)
def issue_token(user_id):
    """Issues a new bearer token for the user: shown once in this answer, stored hashed."""
    _user_in_scope(user_id)
    return {"user_id": user_id, "token": web().tokens.issue(user_id)}, 201


@blp.route("/users/<user_id>/tokens", methods=["DELETE"])
@blp.doc(operationId="revoke_tokens")
@roles("admin")
@document_errors(blp, 401, 403, 404)
@blp.response(200, s.Revoked)
def revoke_tokens(user_id):
    """Revokes the user's access: every live token (at once: their next call is 401), every open
    page session (their next page asks them to sign in) and their page password."""
    _user_in_scope(user_id)
    system = web().system
    ended = revoke_access(system.engine, user_id, system.clock.now())
    return {"user_id": user_id, "revoked": ended.tokens, "sessions_ended": ended.sessions,
            "password_removed": ended.password_removed}
