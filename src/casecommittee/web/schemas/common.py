"""Schemas shared by every resource: problems, pages, labels, ids."""

from marshmallow import Schema, fields, validate

#: Free-text labels (scheme, names, notes) are at most 200 characters (api.md).
LABEL = validate.Length(min=1, max=200)
ID = validate.Length(min=1, max=64)


def label(**kwargs) -> fields.String:
    """A required free-text label of 1 to 200 characters."""
    return fields.String(validate=LABEL, **kwargs)


def optional_label(**kwargs) -> fields.String:
    """An optional free-text label (null allowed)."""
    return fields.String(validate=LABEL, allow_none=True, load_default=None, **kwargs)


def one_of(choices, **kwargs) -> fields.String:
    """A code from one of the closed lists of `domain.vocabulary`."""
    return fields.String(validate=validate.OneOf(choices), **kwargs)


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
    cursor = fields.String(load_default=None, validate=validate.Length(max=500))


def page_of(item_schema, name: str) -> type[Schema]:
    """The `{"items": [...], "next_cursor": ...}` schema of a list of `item_schema`."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "next_cursor": fields.String(allow_none=True, required=True),
        },
        name=name,
    )
