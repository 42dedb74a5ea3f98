"""Single sign-on through OpenID Connect (ProConnect, the agents' SSO, or any provider),
configured by environment (`CASECOMMITTEE_OIDC_*`), with Authlib.

The provider says who the person is (its ID token, signature, issuer, audience and nonce
checked by Authlib); this service says what she may do: the `email` claim must be the page
sign-in name (identifiant) of one of its users — the coordinator invites her first, and a
revocation, which removes the sign-in name, shuts this door as well as the password's.
"""

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import (
    Blueprint,
    Flask,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from joserfc.errors import JoseError
from requests import RequestException

from .auth import _safe_next, passwords

bp = Blueprint("sso", __name__, url_prefix="/connexion/sso")

#: The provider's name in `OAuth`'s registry.
PROVIDER = "oidc"


def configure(app: Flask, settings) -> None:
    """Registers the provider when one is configured (nothing otherwise)."""
    if not settings.oidc_issuer:
        return
    oauth = OAuth(app)
    oauth.register(
        PROVIDER, client_id=settings.oidc_client_id, client_secret=settings.oidc_client_secret,
        server_metadata_url=f"{settings.oidc_issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email", "timeout": 10},
    )
    app.extensions["casecommittee_sso"] = {"client": oauth.create_client(PROVIDER),
                                           "label": settings.oidc_label}


def provider() -> dict | None:
    """The configured provider (its client and label), or None."""
    return current_app.extensions.get("casecommittee_sso")


def _refused(message: str):
    found = provider()
    return render_template("pages/sign_in.html", error=message, expired=False, next="",
                           sso_label=found["label"] if found else None), 401


@bp.route("/")
def start():
    """Sends the browser to the provider (state and nonce kept in the server-side session)."""
    found = provider()
    if found is None:
        return _refused("la connexion unique n'est pas configurée sur ce service")
    session["sso_next"] = _safe_next(request.args.get("next"))
    try:
        return found["client"].authorize_redirect(url_for(".callback", _external=True))
    except RequestException:
        return _refused(f"{found['label']} ne répond pas : réessayez dans un moment")


@bp.route("/retour")
def callback():
    """The provider's answer: a verified e-mail that is a user's sign-in name opens a session."""
    found = provider()
    if found is None:
        return _refused("la connexion unique n'est pas configurée sur ce service")
    try:
        token = found["client"].authorize_access_token()
    except (OAuthError, JoseError) as error:
        return _refused(f"{found['label']} n'a pas confirmé votre identité ({error.error})")
    except RequestException:
        return _refused(f"{found['label']} ne répond pas : réessayez dans un moment")
    claims = token.get("userinfo") or {}
    email = (claims.get("email") or "").strip().lower()
    if not email or claims.get("email_verified") is False:
        return _refused(f"{found['label']} n'a pas transmis d'adresse électronique vérifiée")
    user_id = passwords().login_of_name(email)
    if user_id is None:
        return _refused(f"aucun compte de ce service n'a l'identifiant {email} : demandez à la "
                        "coordination de vous inviter avec cette adresse")
    target = session.get("sso_next") or url_for("pages.home")
    session.clear()
    session.rotate = True
    session["user_id"] = user_id
    return redirect(target)
