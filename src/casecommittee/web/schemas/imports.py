"""Imports of partners' spreadsheets: the upload, the preview, the mapping, the confirmation,
the report."""

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from ...imports.vocabulary import COLUMN_KEYS, DECISIONS
from ...stores.imports import STATUSES
from .common import Document
from .fields import Text, identifier, one_of

_HEADER = validate.Length(1, 200)


class UploadIn(Schema):
    """The spreadsheet (CSV with `;` or `,`, UTF-8 or Windows-1252, or XLSX), the group the
    people join, and the partner who sent it (its column mapping is saved and reused)."""

    file = Upload(required=True, metadata={"description": "the spreadsheet (.csv or .xlsx)"})
    group_id = identifier(required=True)
    structure_id = identifier(load_default=None)


class MappingIn(Schema):
    """The partner's column header → our column (`null`: the column is left out)."""

    mapping = fields.Dict(
        keys=Text(validate=_HEADER), values=one_of(COLUMN_KEYS, allow_none=True), required=True,
        validate=validate.Length(min=1, max=60),
    )


class ConfirmIn(Schema):
    """Decisions on rows (by their line in the file): `keep` (import), `skip`, `merge` (update
    the person already known); rows left out get the preview's `decision`."""

    decisions = fields.Dict(
        keys=Text(validate=validate.Regexp(r"^[0-9]{1,6}$", error="numéro de ligne attendu")),
        values=one_of(DECISIONS), load_default=dict, validate=validate.Length(max=100_000),
    )


class TemplateQuery(Schema):
    """`?format=xlsx` (default), `csv`, or `json` (the columns and their allowed values)."""

    format = one_of(("xlsx", "csv", "json"), load_default="xlsx")


class CellError(Document):
    """An error named by the row's line in the file and the partner's column."""

    row = fields.Integer(required=True)
    column = fields.String(allow_none=True, required=True)
    message = fields.String(required=True)


class PreviewRow(Document):
    """A row as confirming would take it."""

    row = fields.Integer(required=True, metadata={"description": "line in the file (headers: 1)"})
    cells = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    status = one_of(("ok", "error", "duplicate"), required=True)
    errors = fields.List(fields.Nested(CellError), required=True)
    duplicate = fields.String(allow_none=True, required=True)
    duplicate_of_row = fields.Integer(allow_none=True, required=True)
    known_pathway_ids = fields.List(fields.String(), required=True)
    decision = one_of(DECISIONS, allow_none=True, required=True)
    choices = fields.List(one_of(DECISIONS), required=True)


class Counts(Document):
    """Rows by status."""

    ok = fields.Integer(required=True)
    error = fields.Integer(required=True)
    duplicate = fields.Integer(required=True)


class ImportState(Document):
    """An import: where it stands."""

    id = fields.String(required=True)
    group_id = fields.String(required=True)
    structure_id = fields.String(allow_none=True, required=True)
    status = one_of(STATUSES, required=True)
    kind = one_of(("csv", "xlsx"), required=True)
    row_count = fields.Integer(required=True)
    progress = fields.Integer(required=True, metadata={"description": "rows gone through"})
    created_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)


class Preview(ImportState):
    """What confirming would do: mapping, rows with their errors, duplicates and decisions."""

    mapping = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True), required=True)
    mapping_errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                                 required=True)
    columns = fields.List(fields.String(), required=True)
    already_imported_on = fields.DateTime(allow_none=True, required=True)
    counts = fields.Nested(Counts, required=True)
    rows = fields.List(fields.Nested(PreviewRow), required=True)


class ReportRow(Document):
    """What became of a row."""

    row = fields.Integer(required=True)
    outcome = one_of(("created", "updated", "skipped", "refused"), required=True)
    reason = fields.String(allow_none=True, required=True)
    pathway_id = fields.String(allow_none=True, required=True)


class ReportCounts(Document):
    """Rows by outcome."""

    total = fields.Integer(required=True)
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    skipped = fields.Integer(required=True)
    refused = fields.Integer(required=True)
    rows = fields.List(fields.Nested(ReportRow), required=True)


class Report(ImportState):
    """An import's progress and, once done, its report."""

    confirmed_at = fields.DateTime(allow_none=True, required=True)
    finished_at = fields.DateTime(allow_none=True, required=True)
    report = fields.Nested(ReportCounts, allow_none=True, required=True)


class TemplateColumn(Document):
    """A column of the template."""

    column = fields.String(required=True)
    required = fields.Boolean(required=True)
    description = fields.String(required=True)
    allowed = fields.String(required=True)
    values = fields.List(fields.String(), required=True)


class Template(Document):
    """The template's columns and what each allows."""

    columns = fields.List(fields.Nested(TemplateColumn), required=True)
