"""Import routes: upload a partner's spreadsheet, read its preview, map its columns, confirm it
(the import job runs it), read its report, cancel it, download the template.

Referents and co-pilots import into their own groups, as they identify people through the API.
An import is its uploader's: for anyone else, a colleague of the group included, it does not
exist (404), whatever its status.
"""

from flask import request, url_for

from ...imports import service
from ...imports.template import guide, template_csv, template_xlsx
from ..context import web
from ..pages.exports import XLSX_TYPE, download
from ..problems import Problem
from ..request_body import Blueprint
from ..schemas import imports as s
from ..security import current_principal, roles
from .common import document_errors

blp = Blueprint("imports", __name__, description="Imports de tableurs des partenaires")

WRITERS = ("referent", "copilot")
#: What a request may carry besides the file (the form's other fields, multipart framing).
FORM_ALLOWANCE = 64 * 1024

MAPPING_EXAMPLE = {"mapping": {"Nom": "nom", "Prénom": "prenom", "Né(e) le": "date_naissance"}}
UPLOAD_EXAMPLE = {"group_id": "g-jeunes", "structure_id": "s-ml",
                  "file": "nom;prenom;date_naissance;date_reperage;canal;sexe;consentement\r\n"
                          "Benali;Inès;02/04/2007;02/03/2026;aller-vers;femme;oui\r\n"}
CONFIRM_EXAMPLE = {"decisions": {"3": "skip", "7": "merge"}}


@blp.before_request
def _room_for_a_file() -> None:
    """An upload is multipart (415 otherwise) and may be as long as the import limit, not the
    JSON bodies' 64 KiB."""
    if request.method == "POST" and request.path.rstrip("/").endswith("/imports"):
        if request.mimetype != "multipart/form-data":
            raise Problem(415, "le fichier s'envoie en multipart/form-data (champ `file`), "
                          f"pas en {request.mimetype or 'corps sans type'}",
                          type_="unsupported_media_type")
        request.max_content_length = web().system.settings.import_max_bytes + FORM_ALLOWANCE


def _refused(error: service.ImportRefused) -> Problem:
    return Problem(error.status, error.message, type_=error.type, errors=error.errors)


def _call(function, *args, **kwargs):
    try:
        return function(web().system, current_principal(), *args, **kwargs)
    except service.ImportRefused as error:
        raise _refused(error) from None


def _report(record: dict) -> dict:
    return {key: record[key] for key in (
        "id", "group_id", "structure_id", "status", "kind", "row_count", "progress", "created_at",
        "expires_at", "confirmed_at", "finished_at", "report")}


@blp.route("/imports", methods=["POST"])
@blp.doc(operationId="upload_import")
@roles(*WRITERS)
@document_errors(blp, 400, 401, 403, 413, 415, 422)
@blp.arguments(s.UploadIn, location="files", content_type="multipart/form-data",
               example=UPLOAD_EXAMPLE)
@blp.response(201, s.Preview, headers={"Location": {
    "description": "the import's preview", "schema": {"type": "string"}}})
def upload(form):
    """Uploads a spreadsheet into a group: nothing is identified yet; the answer is the preview
    (every row checked as `identify_person` checks it, duplicates found without reading any
    identity). The rows are kept encrypted until the import is confirmed, cancelled, or expires
    (24 h)."""
    data = form["file"].read()
    import_id = _call(service.upload, data, group_id=form["group_id"],
                      structure_id=form["structure_id"])
    document = _call(service.preview, import_id)
    return document, 201, {"Location": url_for("imports.get_preview", import_id=import_id)}


@blp.route("/imports/template", methods=["GET"])
@blp.doc(operationId="get_import_template", responses={200: {"content": {
    XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
    "text/csv": {"schema": {"type": "string"}}}}})
@roles(*WRITERS)
@document_errors(blp, 400, 401, 403)
@blp.arguments(s.TemplateQuery, location="query")
@blp.response(200, s.Template)
def template(query):
    """The template of the caller's territory: XLSX (drop-down lists, a sheet explaining each
    column), CSV (the header line), or JSON (the columns and their allowed values)."""
    territory_id = current_principal().territory_id
    reference = web().system.reference
    if query["format"] == "csv":
        return download(template_csv(), "modele-import.csv", "text/csv")
    if query["format"] == "xlsx":
        return download(template_xlsx(reference, territory_id), "modele-import.xlsx", XLSX_TYPE)
    return {"columns": guide(reference, territory_id)}


@blp.route("/imports/<import_id>", methods=["GET"])
@blp.doc(operationId="get_import_preview")
@roles(*WRITERS)
@document_errors(blp, 401, 403, 404)
@blp.response(200, s.Preview)
def get_preview(import_id):
    """The import's preview: its mapping, each row's errors (by line and column), duplicates
    and the decision confirming would take.

    Only the user who uploaded the import reads its preview, maps its columns, confirms or
    cancels it and reads its report: for anyone else, a writer of the same group included, it
    is 404, as an import that does not exist."""
    return _call(service.preview, import_id)


@blp.route("/imports/<import_id>/mapping", methods=["PUT"])
@blp.doc(operationId="set_import_mapping")
@roles(*WRITERS)
@document_errors(blp, 401, 403, 404, 409, 422)
@blp.arguments(s.MappingIn, example=MAPPING_EXAMPLE)
@blp.response(200, s.Preview)
def set_mapping(data, import_id):
    """Says which of our columns some of the file's columns fill (`null`: the column is left
    out; the file's columns not named keep their current column); the whole mapping is saved
    for the partner's (structure's, else group's) next uploads. Answers the new preview.

    The uploader's only: 404 for anyone else."""
    return _call(service.set_mapping, import_id, data["mapping"])


@blp.route("/imports/<import_id>/confirm", methods=["POST"])
@blp.doc(operationId="confirm_import")
@roles(*WRITERS)
@document_errors(blp, 401, 403, 404, 409, 422)
@blp.arguments(s.ConfirmIn, example=CONFIRM_EXAMPLE)
@blp.response(202, s.Report, headers={"Location": {
    "description": "the import's report", "schema": {"type": "string"}}})
def confirm(data, import_id):
    """Confirms the import: the import job (`casecommittee worker`) identifies each accepted
    row as `identify_person` does. Confirming again changes nothing.

    The uploader's only: 404 for anyone else."""
    record = _call(service.confirm, import_id, {int(k): v for k, v in data["decisions"].items()})
    return _report(record), 202, {"Location": url_for("imports.get_report", import_id=import_id)}


@blp.route("/imports/<import_id>/report", methods=["GET"])
@blp.doc(operationId="get_import_report")
@roles(*WRITERS)
@document_errors(blp, 401, 403, 404)
@blp.response(200, s.Report)
def get_report(import_id):
    """The import's progress and, once done, what became of each row (created, updated,
    skipped, refused, and why).

    The uploader's only: 404 for anyone else."""
    return _report(_call(service.visible_import, import_id))


@blp.route("/imports/<import_id>", methods=["DELETE"])
@blp.doc(operationId="cancel_import")
@roles(*WRITERS)
@document_errors(blp, 401, 403, 404, 409)
@blp.response(200, s.Report)
def cancel(import_id):
    """Cancels an import not confirmed yet: its rows and their key are destroyed.

    The uploader's only: 404 for anyone else."""
    return _report(_call(service.cancel, import_id))
