"""Bearer authentication and role checks for the views."""

from functools import wraps

from flask import request

from .context import current_principal, set_principal, web
from .problems import Problem

__all__ = ("authenticate", "current_principal", "roles")

#: Paths served without a token (and the documentation's files, under `DOCS_PREFIX`).
PUBLIC_PATHS = ("/api/v1/health", "/api/v1/openapi.json", "/api/v1/docs")
DOCS_PREFIX = "/api/v1/docs/"


def authenticate() -> None:
    """Sets the request's principal from the bearer token; 401 for a missing, unknown or revoked one."""
    set_principal(None)
    if not request.path.startswith("/api/") or request.path in PUBLIC_PATHS \
            or request.path.startswith(DOCS_PREFIX):
        return
    if request.method == "OPTIONS":
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    principal = None
    if scheme.lower() == "bearer" and token.strip():
        principal = web().tokens.principal(token.strip())
    if principal is None:
        raise Problem(401, "jeton manquant, inconnu ou révoqué : `Authorization: Bearer <jeton>` "
                      "(jetons émis par `casecommittee users add`)", type_="unauthorized",
                      headers={"WWW-Authenticate": 'Bearer realm="casecommittee"'})
    set_principal(principal)


def roles(*allowed: str):
    """Restricts a view to some roles (403 for the others)."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            principal = current_principal()
            if principal is None or principal.role not in allowed:
                raise Problem(403, f"réservé aux rôles : {', '.join(allowed)}", type_="forbidden")
            return view(*args, **kwargs)

        wrapper.__doc__ = f"{(view.__doc__ or '').rstrip()}\n\nRoles: {', '.join(allowed)}."
        return wrapper

    return decorator
