"""The interactive documentation page, served from the package (works offline).

It reads `/api/v1/openapi.json` and lists every route with its parameters, body and responses,
and lets a developer send a request with their token. The JSON document is the reference.
"""

from importlib.resources import files

from flask import Blueprint, Response

bp = Blueprint("docs", __name__)


@bp.route("/api/v1/docs")
def docs_page():
    """The documentation page (HTML, no external resources)."""
    html = files("casecommittee.web").joinpath("templates/docs.html").read_text(encoding="utf-8")
    return Response(html, mimetype="text/html")
