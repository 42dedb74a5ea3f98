"""The HTTP API (v1): an app factory, one blueprint per resource, flask-smorest schemas.

`create_app(system)` serves an already built system (tests, gunicorn workers);
without one it bootstraps the store named by the environment.
"""

from importlib.metadata import PackageNotFoundError, version

from flask import Flask

from ..tables import create_all
from .api import Api
from .context import WebContext
from .idempotency import idempotency_keys
from .pages.sessions import web_sessions
from .problems import register_error_handlers
from .security import authenticate

try:
    VERSION = version("casecommittee")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    VERSION = "0.0.0"

#: The web's own tables (the system's are created by `bootstrap`).
WEB_TABLES = (idempotency_keys, web_sessions)

#: flask-smorest settings: the OpenAPI document at /api/v1/openapi.json.
API_CONFIG = {
    "API_TITLE": "casecommittee",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_SPEC_OPTIONS": {
        "info": {"description": "Parcours, étapes et statistiques d'une Cité de l'emploi. "
                                "Erreurs au format application/problem+json (RFC 9457)."},
        "security": [{"bearer": []}],
        "servers": [{"url": "/"}],
    },
    "JSON_SORT_KEYS": False,
}


def create_app(system=None, test_config: dict | None = None) -> Flask:
    """The Flask app serving `system` (bootstrapped from the environment when None)."""
    from ..bootstrap import bootstrap

    app = Flask(__name__)
    app.config.update(API_CONFIG)
    app.config.update(test_config or {})
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    if system is None:
        system = bootstrap()
    create_all(system.engine, WEB_TABLES)
    app.extensions["casecommittee"] = WebContext.of(system)

    api = Api(app)
    register_error_handlers(app)
    app.before_request(authenticate)
    register_blueprints(api)
    from .pages import register_pages

    register_pages(app)
    return app


def register_blueprints(api: Api) -> None:
    """One blueprint per resource."""
    from .views import (
        audit,
        committees,
        docs,
        notifications,
        pathways,
        reference,
        service,
        statistics,
    )

    for module in (reference, pathways, committees, statistics, audit, notifications, service):
        api.register_blueprint(module.blp, url_prefix="/api/v1")
    api._app.register_blueprint(docs.bp)
