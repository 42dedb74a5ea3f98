"""Reference data: territories, working groups, partner structures."""

from marshmallow import Schema, fields, validate

from ...domain.rules import DEFAULT_STALLED_AFTER_DAYS
from ...domain.vocabulary import STRUCTURE_KINDS
from .common import PageQuerySchema, page_of
from .fields import Integer, identifier, label, one_of


class TerritoryIn(Schema):
    """A new territory (one Cité de l'emploi)."""

    name = label(required=True)


class Territory(TerritoryIn):
    """A territory."""

    id = fields.String(required=True)


class GroupIn(Schema):
    """A new working group (groupe de travail par public prioritaire)."""

    territory_id = identifier(required=True)
    name = label(required=True)
    target_per_year = Integer(required=True, validate=validate.Range(min=0, max=100_000))
    stalled_after_days = Integer(
        load_default=DEFAULT_STALLED_AFTER_DAYS, validate=validate.Range(min=1, max=3650),
    )


class Group(GroupIn):
    """A working group."""

    id = fields.String(required=True)


class StructureIn(Schema):
    """A new partner structure (Mission locale, PLIE, association…)."""

    territory_id = identifier(required=True)
    name = label(required=True)
    kind = one_of(STRUCTURE_KINDS, required=True)


class Structure(StructureIn):
    """A partner structure."""

    id = fields.String(required=True)


class ReferenceQuery(PageQuerySchema):
    """Filters and page of a reference list."""

    territory_id = identifier(load_default=None)


TerritoryPage = page_of(Territory, "TerritoryPage")
GroupPage = page_of(Group, "GroupPage")
StructurePage = page_of(Structure, "StructurePage")
