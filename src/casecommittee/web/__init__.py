"""The HTTP API (v1): an app factory, one blueprint per resource, flask-smorest schemas.

`create_app(system)` serves an already built system (tests, gunicorn workers);
without one it bootstraps the store named by the environment.
"""

from importlib.metadata import PackageNotFoundError, version

from flask import Flask

from . import consistency
from .api import Api
from .context import WebContext
from .problems import problem_types, register_error_handlers
from .responses import Response
from .security import authenticate

try:
    VERSION = version("casecommittee")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    VERSION = "0.0.0"

def _api_description() -> str:
    types = "\n".join(f"- `/problems/{name}`: {meaning}" for name, meaning in problem_types().items())
    return (
        "Parcours, étapes et statistiques d'une Cité de l'emploi. Erreurs au format "
        "application/problem+json (RFC 9457). Limites : corps JSON de 64 Kio au plus (413, "
        "réglable par CASECOMMITTEE_MAX_BODY_BYTES), imbriqué sur 20 niveaux au plus (400), "
        "corps non JSON refusé (415). Seules exceptions au format problem+json : une ligne de "
        "requête de plus de 4094 octets (414) ou des en-têtes trop nombreux ou trop longs (431) "
        "sont refusés par le serveur HTTP (gunicorn) avant l'application, en text/html.\n\n"
        "Each operation says which roles may call it. Response documents may gain fields "
        "within v1: ignore the members you do not know.\n\n"
        f"Problem types (`type`; `about:blank` for plain HTTP errors such as 405 or 413):\n{types}"
    )


API_DESCRIPTION = _api_description()

#: flask-smorest settings: the OpenAPI document at /api/v1/openapi.json.
API_CONFIG = {
    "API_TITLE": "casecommittee",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_SPEC_OPTIONS": {
        "info": {"description": API_DESCRIPTION},
        "security": [{"bearer": []}],
        "servers": [{
            "url": "{scheme}://{host}",
            "description": "the service (`casecommittee serve`; `make run` listens on 127.0.0.1:8000)",
            "variables": {"scheme": {"enum": ["https", "http"], "default": "http"},
                          "host": {"default": "127.0.0.1:8000"}},
        }],
    },
    "JSON_SORT_KEYS": False,
}


def create_app(system=None, test_config: dict | None = None) -> Flask:
    """The Flask app serving `system` (bootstrapped from the environment when None)."""
    from ..bootstrap import bootstrap

    app = Flask(__name__)
    app.response_class = Response
    app.config.update(API_CONFIG)
    if system is None:
        system = bootstrap()
    app.config["MAX_CONTENT_LENGTH"] = system.settings.max_body_bytes
    app.config.update(test_config or {})
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["casecommittee"] = WebContext.of(system)

    api = Api(app)
    register_error_handlers(app)
    app.before_request(authenticate)
    consistency.register(app)
    register_blueprints(api)
    from .pages import register_pages

    register_pages(app)
    return app


def register_blueprints(api: Api) -> None:
    """One blueprint per resource."""
    from .views import (
        audit,
        committees,
        companies,
        docs,
        imports,
        notifications,
        pathways,
        reference,
        service,
        statistics,
        users,
    )

    for module in (reference, users, pathways, imports, committees, companies, statistics, audit,
                   notifications, service):
        api.register_blueprint(module.blp, url_prefix="/api/v1")
    api._app.register_blueprint(docs.bp)
