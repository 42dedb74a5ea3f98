"""Service: who am I, is the service up."""

from marshmallow import fields

from ...domain.vocabulary import ROLES
from .common import Document
from .situation import code


class Me(Document):
    """The token's user."""

    user_id = fields.String(required=True)
    name = fields.String(required=True)
    role = code(ROLES, required=True)
    territory_id = fields.String(allow_none=True, required=True)
    group_ids = fields.List(fields.String(), required=True)
    structure_id = fields.String(allow_none=True, required=True)


class Health(Document):
    """Liveness and how far the read models lag behind the log."""

    status = fields.String(required=True)
    version = fields.String(required=True)
    store = fields.String(required=True)
    projections_behind = fields.Integer(required=True)
    stall = fields.Nested(lambda: Stall(), metadata={"description": "only while stopped"})


class Stall(Document):
    """That the read models stopped: which projection, since when (public: no position, no
    error text; the coordinators read where and why in their notification)."""

    projection = fields.String(required=True, metadata={"description": "the projection stopped"})
    since = fields.String(required=True, metadata={"description": "when it stopped (UTC)"})
