"""Importing a partner's spreadsheet: upload, map its columns, preview its rows (errors by line
and column, probable duplicates with a decision each), confirm, read the report.

The pages call the same service as the API (`imports.service`); the import job that confirming
queues runs in the worker (`casecommittee worker`, or the embedded service's scheduler).
"""

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from ...imports import service
from ...imports.columns import COLUMNS
from ...imports.template import template_csv, template_xlsx
from ...imports.vocabulary import DECISIONS
from ...stores.reference import groups, structures
from ..context import web
from ..problems import Problem
from ..views.imports import FORM_ALLOWANCE
from . import exports, role_required

bp = Blueprint("imports", __name__, url_prefix="/imports")

WRITERS = ("referent", "copilot")
COLUMN_CHOICES = [(c.key, f"{c.key} — {c.description}") for c in COLUMNS]
OUTCOME_LABELS = {"created": "créée", "updated": "mise à jour", "skipped": "ignorée",
                  "refused": "refusée"}
STATUS_LABELS = {"previewed": "à confirmer", "queued": "en attente de traitement",
                 "running": "en cours", "done": "terminé", "cancelled": "annulé",
                 "expired": "expiré"}


@bp.before_request
def _room_for_a_file() -> None:
    """An upload may be as long as the import limit, not the forms' 64 KiB."""
    if request.method == "POST" and request.endpoint == "pages.imports.index":
        request.max_content_length = web().system.settings.import_max_bytes + FORM_ALLOWANCE


def _call(function, *args, **kwargs):
    try:
        return function(web().system, g.principal, *args, **kwargs)
    except service.ImportRefused as refused:
        raise Problem(refused.status, refused.message) from None


def _choices():
    reference = web().system.reference
    mine = [(gr["id"], gr["name"]) for gr in reference.rows(groups)
            if gr["id"] in g.principal.group_ids]
    partners = [(s["id"], s["name"]) for s in reference.rows(structures)
                if s["territory_id"] == g.principal.territory_id]
    return mine, partners


@bp.route("/", methods=["GET", "POST"])
@role_required(*WRITERS)
def index():
    """The upload form (and the templates to download); POST reads the file and shows its
    preview. Nothing is identified before the confirmation."""
    mine, partners = _choices()
    errors, values = {}, dict(request.form)
    if request.method == "POST":
        upload = request.files.get("file")
        if not values.get("group_id"):
            errors["group_id"] = ["choisissez le groupe de travail"]
        if upload is None or not upload.filename:
            errors["file"] = ["choisissez un fichier .csv ou .xlsx"]
        if not errors:
            try:
                import_id = service.upload(
                    web().system, g.principal, upload.read(), group_id=values["group_id"],
                    structure_id=values.get("structure_id") or None)
            except service.ImportRefused as refused:
                errors = {k: v for k, v in (refused.errors or {}).items()} or {"_": [refused.message]}
                if refused.status in (403, 404):
                    raise Problem(refused.status, refused.message) from None
            else:
                return redirect(url_for(".preview", import_id=import_id))
    status = 422 if errors else 200
    return render_template("pages/import_upload.html", groups=mine, partners=partners,
                           errors=errors, values=values,
                           limit_kib=web().system.settings.import_max_bytes // 1024), status


@bp.route("/modele.<fmt>")
@role_required(*WRITERS)
def template(fmt):
    """The template of the caller's territory, XLSX or CSV."""
    if fmt == "csv":
        return exports.download(template_csv(), "modele-import.csv", "text/csv")
    if fmt == "xlsx":
        return exports.download(template_xlsx(web().system.reference, g.principal.territory_id),
                                "modele-import.xlsx", exports.XLSX_TYPE)
    raise Problem(404, "modèle disponible en .xlsx ou .csv")


@bp.route("/<import_id>")
@role_required(*WRITERS)
def preview(import_id):
    """The mapping of the file's columns, then every row: errors, duplicates, decisions."""
    document = _call(service.preview, import_id)
    if document["status"] != "previewed":
        return redirect(url_for(".report", import_id=import_id))
    return render_template("pages/import_preview.html", document=document,
                           column_choices=COLUMN_CHOICES, errors={},
                           decision_labels=service.DECISION_LABELS)


@bp.route("/<import_id>/correspondance", methods=["POST"])
@role_required(*WRITERS)
def mapping(import_id):
    """Saves which of our columns each of the file's columns fills."""
    record = _call(service.visible_import, import_id)
    chosen = {header: (request.form.get(f"column-{n}") or None)
              for n, header in enumerate(record["mapping"])}
    try:
        service.set_mapping(web().system, g.principal, import_id, chosen)
    except service.ImportRefused as refused:
        if refused.status != 422:
            raise Problem(refused.status, refused.message) from None
        document = _call(service.preview, import_id)
        document["mapping"] = chosen
        return render_template("pages/import_preview.html", document=document,
                               column_choices=COLUMN_CHOICES, errors=refused.errors or {},
                               decision_labels=service.DECISION_LABELS), 422
    flash("Correspondance des colonnes enregistrée : elle sera reprise pour ce partenaire.")
    return redirect(url_for(".preview", import_id=import_id))


@bp.route("/<import_id>/confirmer", methods=["POST"])
@role_required(*WRITERS)
def confirm(import_id):
    """Confirms the import with the decisions taken on each row; the import job runs it."""
    decisions = {int(key.removeprefix("decision-")): value for key, value in request.form.items()
                 if key.startswith("decision-") and key.removeprefix("decision-").isdigit()
                 and value in DECISIONS}
    _call(service.confirm, import_id, decisions)
    flash("Import confirmé : les personnes sont repérées en arrière-plan ; cette page montre "
          "l'avancement.")
    return redirect(url_for(".report", import_id=import_id))


@bp.route("/<import_id>/annuler", methods=["POST"])
@role_required(*WRITERS)
def cancel(import_id):
    """Cancels the import: the file's rows are destroyed."""
    _call(service.cancel, import_id)
    flash("Import annulé : le contenu du fichier est détruit.")
    return redirect(url_for(".index"))


@bp.route("/<import_id>/rapport")
@role_required(*WRITERS)
def report(import_id):
    """The import's progress, then what became of each row and why."""
    record = _call(service.visible_import, import_id)
    return render_template("pages/import_report.html", record=record,
                           status_label=STATUS_LABELS[record["status"]],
                           outcome_labels=OUTCOME_LABELS)
