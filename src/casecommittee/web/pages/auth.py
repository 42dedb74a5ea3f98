"""Signing in (sign-in name and password, argon2) and out of the pages."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for

from ...stores.auth import Passwords, SignInRefused
from ..context import web

bp = Blueprint("auth", __name__)


def passwords() -> Passwords:
    """The password checker with the configured lock-out."""
    settings = web().system.settings
    return Passwords(web().system.engine, max_failures=settings.sign_in_max_failures,
                     lockout_minutes=settings.lockout_minutes)


def _safe_next(target: str | None) -> str:
    """Only a path of this site (never another host) to go back to after signing in."""
    if not target:
        return url_for("pages.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("pages.home")
    return target


@bp.route("/connexion", methods=["GET", "POST"])
def sign_in():
    """The sign-in form; a right password opens a new session (a fresh id)."""
    error = None
    expired = bool(request.args.get("expiree"))
    if request.method == "POST":
        login = request.form.get("login", "")
        try:
            user_id = passwords().check(login, request.form.get("password", ""),
                                        web().system.clock.now())
        except SignInRefused as refused:
            error = str(refused)
        else:
            session.clear()
            session.rotate = True
            session["user_id"] = user_id
            return redirect(_safe_next(request.form.get("next")))
    status = 401 if error else 200
    sso = current_app.extensions.get("casecommittee_sso")
    return render_template("pages/sign_in.html", error=error, expired=expired,
                           next=request.values.get("next", ""),
                           sso_label=sso["label"] if sso else None), status


@bp.route("/deconnexion", methods=["POST"])
def sign_out():
    """Ends the session."""
    session.clear()
    return redirect(url_for("pages.auth.sign_in"))
