"""The interactive API reference at `/api/v1/docs`: Swagger UI, served offline.

Swagger UI's files come from the `flask-swagger-ui` package (its `dist` folder, a copy of
Swagger UI's own distribution) and are served by this application under `/api/v1/docs/`:
nothing is loaded from another server, and the online validator is turned off. The page reads
`/api/v1/openapi.json`; "Authorize" takes a bearer token (kept in the browser's storage for
the tab), and "Try it out" offers the documented `If-Match` and `Idempotency-Key` headers
and the example bodies of each operation.
"""

from importlib.metadata import version
from importlib.resources import files

from flask import Blueprint, Response, abort, render_template_string

bp = Blueprint("docs", __name__)

#: Swagger UI's files served from the package, with their media types.
ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "favicon-32x32.png": "image/png",
    "favicon-16x16.png": "image/png",
    "LICENSE": "text/plain",
}
#: Our own start-up script (no inline script, so a strict Content-Security-Policy would hold).
OWN_ASSETS = {"docs.js": "text/javascript", "docs.css": "text/css"}

PAGE = """<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>casecommittee — API v1</title>
<link rel="icon" type="image/png" href="/api/v1/docs/favicon-32x32.png" sizes="32x32">
<link rel="stylesheet" href="/api/v1/docs/swagger-ui.css?v={{ version }}">
<link rel="stylesheet" href="/api/v1/docs/docs.css">
</head>
<body>
<header class="intro">
<h1>casecommittee — API v1</h1>
<p>Référence : <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3, généré des schémas
qui valident les requêtes). Cliquez sur <b>Authorize</b> et collez un jeton (<code>casecommittee users
add NOM --role referent --group ID</code>, ou ceux qu'affiche <code>make run</code>) ; « Try it out »
propose pour chaque écriture les en-têtes <code>If-Match</code> et <code>Idempotency-Key</code> et les
corps d'exemple.</p>
</header>
<main id="swagger-ui"></main>
<script src="/api/v1/docs/swagger-ui-bundle.js?v={{ version }}"></script>
<script src="/api/v1/docs/docs.js"></script>
</body>
</html>
"""


def _swagger_version() -> str:
    return version("flask-swagger-ui")


@bp.route("/api/v1/docs")
def docs_page():
    """The interactive reference (HTML; its scripts and styles come from this server)."""
    return Response(render_template_string(PAGE, version=_swagger_version()), mimetype="text/html")


@bp.route("/api/v1/docs/<name>")
def docs_asset(name: str):
    """A file of Swagger UI's distribution, or our start-up script; 404 for anything else."""
    if name in ASSETS:
        data, mimetype = files("flask_swagger_ui").joinpath("dist", name).read_bytes(), ASSETS[name]
    elif name in OWN_ASSETS:
        data = files("casecommittee.web").joinpath("static", name).read_bytes()
        mimetype = OWN_ASSETS[name]
    else:
        abort(404)
    answer = Response(data, mimetype=mimetype)
    answer.headers["Cache-Control"] = "public, max-age=3600"
    return answer
