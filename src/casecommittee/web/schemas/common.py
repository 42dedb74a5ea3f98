"""Schemas shared by every resource: problems, pages; the request fields are in `fields`."""

from marshmallow import Schema, fields, validate

from .fields import Text


class ProblemSchema(Schema):
    """An error (RFC 9457 problem details)."""

    type = fields.String(required=True, metadata={"description": "URI reference of the problem type"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(
        keys=fields.String(), values=fields.List(fields.String()),
        metadata={"description": "validation messages by field path, e.g. person.birth_date"},
    )


class PageQuerySchema(Schema):
    """`?limit=` (default 50, at most 500) and the opaque `?cursor=` of the previous page."""

    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    cursor = Text(load_default=None, validate=validate.Length(max=500))


def page_of(item_schema, name: str) -> type[Schema]:
    """The `{"items": [...], "next_cursor": ...}` schema of a list of `item_schema`."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "next_cursor": fields.String(allow_none=True, required=True),
        },
        name=name,
    )
