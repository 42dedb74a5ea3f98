"""API users: who may call the API, in which role and groups, and their bearer tokens."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ...domain.vocabulary import ROLES
from .common import Document, PageQuerySchema, page_of
from .fields import distinct, identifier, label, one_of
from .situation import code

#: Roles that work within groups (and so need at least one).
GROUP_ROLES = ("referent", "copilot")


def _groups(**kwargs) -> fields.List:
    return fields.List(identifier(), validate=[distinct, validate.Length(max=50)],
                       metadata={"uniqueItems": True}, **kwargs)


class UserIn(Schema):
    """A new user; referents and co-pilots belong to at least one working group."""

    name = label(required=True)
    role = one_of(ROLES, required=True)
    territory_id = identifier(load_default=None, allow_none=True, metadata={
        "description": "defaults to the groups' territory, or to the admin's own"})
    group_ids = _groups(load_default=list)
    structure_id = identifier(load_default=None, allow_none=True)

    @validates_schema
    def _groups_for_group_roles(self, data, **kwargs):
        if data.get("role") in GROUP_ROLES and not data.get("group_ids"):
            raise ValidationError(f"un {data['role']} appartient à au moins un groupe", "group_ids")


class UserChanges(Schema):
    """A new role, groups or structure (any subset)."""

    role = one_of(ROLES)
    group_ids = _groups()
    structure_id = identifier(allow_none=True)

    @validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("rien à changer : role, group_ids ou structure_id", "body")


class UserQuery(PageQuerySchema):
    """Users of a territory."""

    territory_id = identifier(load_default=None)


class User(Document):
    """A user of the API."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    role = code(ROLES, required=True)
    territory_id = fields.String(allow_none=True, required=True)
    group_ids = fields.List(fields.String(), required=True)
    structure_id = fields.String(allow_none=True, required=True)


UserPage = page_of(User, "UserPage")


class IssuedToken(Document):
    """A new bearer token: shown once, stored only as its hash."""

    user_id = fields.String(required=True)
    token = fields.String(required=True)


class Revoked(Document):
    """What a revocation ended: live tokens, open page sessions, the page password."""

    user_id = fields.String(required=True)
    revoked = fields.Integer(required=True, metadata={"description": "live API tokens revoked"})
    sessions_ended = fields.Integer(required=True, metadata={"description": "open page sessions ended"})
    password_removed = fields.Boolean(required=True, metadata={
        "description": "whether a page password was removed (no sign-in until a new one is set)"})
