"""From an HTML form to the API's schemas, and from their errors back to the form's fields.

A form names its inputs by the schema's field paths (`host.siret`, `person.birth_date`), so
the page loads the very schema the API loads: the same rules, the same messages, shown next
to the field they concern.
"""

from datetime import datetime

from marshmallow import Schema, ValidationError, fields
from werkzeug.datastructures import MultiDict

from ...domain.errors import DomainError
from ..problems import Problem, flatten

#: Where an error that names no field is shown.
GENERAL = "_"


def value_of(field: fields.Field, form: MultiDict, name: str):
    """The value of one form field in the JSON type the schema field expects (None when empty)."""
    if isinstance(field, fields.List):
        return [v for v in form.getlist(name) if v != ""]
    raw = form.get(name)
    if raw is None or raw.strip() == "":
        return None
    raw = raw.strip()
    if isinstance(field, fields.Boolean):
        return {"true": True, "false": False}.get(raw, raw)
    if isinstance(field, fields.Date):
        return french_date(raw)
    if isinstance(field, fields.Integer | fields.Float):
        try:
            return int(raw) if isinstance(field, fields.Integer) else float(raw.replace(",", "."))
        except ValueError:
            return raw  # the schema says what is wrong with it
    return raw


def french_date(text: str) -> str:
    """A date typed as a French professional writes it (`15/03/2026`) in ISO form
    (`2026-03-15`); any other text as it is (the schema says what is wrong with it)."""
    try:
        return datetime.strptime(text, "%d/%m/%Y").date().isoformat()
    except ValueError:
        return text


def correction_errors(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """The errors of a correction form: those of the new value (`changes.<field>`) shown
    next to the input where it was typed (`change_value`)."""
    found: dict[str, list[str]] = {}
    for key, messages in errors.items():
        found.setdefault("change_value" if key.startswith("changes.") else key, []).extend(messages)
    return found


def body_of(schema: Schema, form: MultiDict, prefix: str = "", extra: dict | None = None) -> dict:
    """The JSON body the API would receive, read from the form fields named like the schema's."""
    body: dict = {}
    for name, field in schema.fields.items():
        key = field.data_key or name
        path = f"{prefix}{key}"
        if isinstance(field, fields.Nested) and not field.many:
            nested = body_of(field.schema, form, prefix=path + ".")
            if field.required or any(v not in (None, []) for v in nested.values()):
                body[key] = nested
            continue
        value = value_of(field, form, path)
        if value is not None:
            body[key] = value
    body.update(extra or {})
    return body


def field_errors(error: Exception) -> dict[str, list[str]]:
    """{field path: [messages]} of a validation error, a domain rule or a problem."""
    if isinstance(error, ValidationError):
        return flatten(error.messages)
    if isinstance(error, DomainError):
        return {error.field or GENERAL: [error.message]}
    if isinstance(error, Problem):
        return error.errors or {GENERAL: [error.detail]}
    raise TypeError(error)


def load(schema: Schema, form: MultiDict, extra: dict | None = None) -> dict:
    """The form loaded by the schema (ValidationError as the API would raise it)."""
    return schema.load(body_of(schema, form, extra=extra))
