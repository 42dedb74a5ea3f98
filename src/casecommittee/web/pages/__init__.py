"""The professionals' pages: another entry point to the same application as the API.

A page handler does what an API view does — validate with the API's schema, build the command
with `web.commands`, call the application, read the same queries, log the same accesses — and
renders Jinja instead of JSON. The caller is the same `Principal` as behind a token, loaded from
a server-side session (`sessions.py`); every form carries a CSRF token (Flask-WTF).
"""

import hashlib
import hmac
import logging
from datetime import timedelta
from functools import wraps

from flask import Blueprint, Flask, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from ...domain.errors import DomainError
from ...stores.auth import user_principal
from ..context import web
from ..problems import Problem
from . import filters
from .sessions import ServerSessionInterface

logger = logging.getLogger(__name__)

csrf = CSRFProtect()

#: Page endpoints open without signing in.
PUBLIC_ENDPOINTS = ("pages.static", "pages.auth.sign_in", "pages.sso.start", "pages.sso.callback")
#: Where each role lands after signing in.
HOME = {"referent": "pages.caseload.index", "copilot": "pages.committees.index",
        "auditor": "pages.audit.index", "admin": "pages.admin.index",
        "business_relations": "pages.companies.index"}


def role_required(*allowed: str):
    """Restricts a page to some roles (a 403 page for the others)."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if g.principal is None or g.principal.role not in allowed:
                raise Problem(403, "cette page est réservée aux rôles : "
                              + ", ".join(filters.ROLE_LABELS[r] for r in allowed))
            return view(*args, **kwargs)

        return wrapper

    return decorator


def _signed_in_user():
    """Sets `g.principal` from the page session; sends anyone else to the sign-in page."""
    if request.path.startswith("/api/"):
        return None
    g.principal = None
    user_id = session.get("user_id")
    if user_id:
        g.principal = user_principal(web().system.engine, user_id)
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    if g.principal is None and request.endpoint not in PUBLIC_ENDPOINTS and request.blueprint \
            and request.blueprint.startswith("pages"):
        expired = {"expiree": 1} if session.get("expired") else {}
        return redirect(url_for("pages.auth.sign_in", next=request.full_path.rstrip("?"), **expired))
    return None


def home():
    """Each role's first page."""
    return redirect(url_for(HOME[g.principal.role]))


def _error_page(status: int, detail: str):
    return render_template("pages/error.html", status=status, detail=detail), status


def _csrf_error(error: CSRFError):
    if request.path.startswith("/api/"):
        raise Problem(400, error.description)
    return _error_page(400, "le formulaire a expiré ou ne vient pas de cette application : "
                            "rechargez la page et recommencez")


def _page_errors(blueprint: Blueprint) -> None:
    @blueprint.errorhandler(Problem)
    def _problem(error: Problem):
        return _error_page(error.status, error.detail)

    @blueprint.errorhandler(DomainError)
    def _domain(error: DomainError):
        return _error_page(422, error.message)

    @blueprint.errorhandler(Exception)
    def _any(error: Exception):
        if isinstance(error, HTTPException):
            return _error_page(error.code or 500, error.description)
        logger.exception("unexpected error on a page")
        return _error_page(500, "erreur interne : elle est journalisée")


def register_pages(app: Flask) -> None:
    """Serves the pages under `/` beside the API: sessions, CSRF, filters and blueprints."""
    from . import (
        admin,
        audit,
        auth,
        caseload,
        committees,
        companies,
        imports,
        notifications,
        pathway,
        right_of_access,
        sso,
        statistics,
    )

    system = app.extensions["casecommittee"].system
    settings = system.settings
    master = settings.resolved_key("personal_data_key", "personal-data.key").encode()
    app.secret_key = app.secret_key or hmac.new(master, b"casecommittee/pages", hashlib.sha256).hexdigest()
    app.session_interface = ServerSessionInterface(
        system.engine, system.clock, timedelta(minutes=settings.session_idle_minutes))
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # checked for page requests only
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the session's idle timeout bounds it
    csrf.init_app(app)
    filters.register(app)
    app.before_request(_signed_in_user)
    app.register_error_handler(CSRFError, _csrf_error)
    bp = Blueprint("pages", __name__, template_folder="templates", static_folder="static",
                   static_url_path="/assets")
    bp.add_url_rule("/", "home", home)
    sso.configure(app, settings)
    for module in (auth, sso, caseload, pathway, right_of_access, imports, companies, committees, statistics, audit,
                   admin, notifications):
        bp.register_blueprint(module.bp)
    _page_errors(bp)
    app.register_blueprint(bp)
