"""Errors as `application/problem+json` (RFC 9457): what went wrong, in words a referent reads.

Every handler answers 4xx for anything a client can send; a 500 means a bug of ours, is logged,
and still answers a problem document. Validation errors are flattened to
`{"field.path": ["message", ...]}`.
"""

import logging
from http import HTTPStatus

from flask import Flask, json
from werkzeug.exceptions import HTTPException

from ..application import CommitteeNotFound, PathwayNotFound, VersionConflict
from ..domain.errors import DomainError

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"

#: The problem types the HTTP layer answers (`/problems/<type>`), with their status.
HTTP_PROBLEMS = {
    "validation": "422 — the request does not pass validation: `errors`, field by field",
    "invalid_value": "422 — a value outside its list, or an unknown reference",
    "idempotency_key_reused": "422 — this Idempotency-Key was used for another request",
    "invalid_json": "400 — a JSON value that cannot be read (a number too long)",
    "json_too_deep": "400 — JSON nested too deep",
    "invalid_cursor": "400 — a cursor this server did not give",
    "unauthorized": "401 — no token, an unknown or a revoked one",
    "forbidden": "403 — a valid token outside its role or scope",
    "not_found": "404 — nothing of that id within the caller's scope",
    "duplicate": "409 — already recorded (a name in use)",
    "version_conflict": "409 — If-Match named an older version (ETag: the current one)",
    "not_closed": "409 — the session is not closed yet (no minutes)",
    "unsupported_media_type": "415 — the body is not JSON",
    "not_a_spreadsheet": "413 or 422 — an upload too big, too long, or not a spreadsheet",
    "import_closed": "409 — the import is already confirmed, cancelled or expired",
}


def problem_types() -> dict[str, str]:
    """Every problem type the API answers, with what it means (domain rules included: 422)."""
    rules, pending = {}, list(DomainError.__subclasses__())
    while pending:
        error = pending.pop(0)
        pending += error.__subclasses__()
        rules.setdefault(error.code, f"422 — {(error.__doc__ or '').strip().splitlines()[0]}")
    return {**HTTP_PROBLEMS, **rules}


class Problem(Exception):
    """An error a view raises to answer a given status with a clear detail."""

    def __init__(self, status: int, detail: str, *, type_: str | None = None,
                 errors: dict | None = None, headers: dict | None = None):
        super().__init__(detail)
        self.status, self.detail, self.type = status, detail, type_
        self.errors, self.headers = errors, headers or {}


def problem_response(status: int, detail: str | None = None, *, type_: str | None = None,
                     errors: dict | None = None, headers: dict | None = None):
    """A Flask response carrying a problem document."""
    phrase = HTTPStatus(status).phrase
    body = {
        "type": f"/problems/{type_}" if type_ else "about:blank",
        "title": phrase,
        "status": status,
        "detail": detail or phrase,
    }
    if errors:
        body["errors"] = errors
    from flask import current_app

    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_CONTENT_TYPE,
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    """webargs/marshmallow nested messages → {"person.birth_date": ["Not a valid date."]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = prefix if key == "_schema" else f"{prefix}.{key}" if prefix else str(key)
            for path, texts in flatten(value, name).items():
                flat.setdefault(path, []).extend(texts)
    elif isinstance(messages, list | tuple):
        texts = [m for m in messages if isinstance(m, str)]
        if texts:
            flat.setdefault(prefix or "body", []).extend(texts)
        for item in messages:
            if not isinstance(item, str):
                for path, more in flatten(item, prefix).items():
                    flat.setdefault(path, []).extend(more)
    else:
        flat.setdefault(prefix or "body", []).append(str(messages))
    return flat


def _validation_errors(data: dict) -> dict:
    messages = data.get("errors") or data.get("messages") or {}
    flat: dict[str, list[str]] = {}
    for inner in (messages.values() if isinstance(messages, dict) else [messages]):
        for path, texts in flatten(inner).items():  # the location (json, query…) is left out
            flat.setdefault(path, []).extend(texts)
    return flat


def handle_http_exception(error: HTTPException):
    """Werkzeug/webargs errors (400 malformed JSON, 404, 405, 422 validation…) as problems."""
    data = getattr(error, "data", None) or {}
    errors = _validation_errors(data) if data else None
    if error.code == 400 and errors and "body" in errors:
        detail = "le corps de la requête n'est pas du JSON valide"
    elif error.code == 422 and errors:
        detail = "la requête ne passe pas la validation : voir `errors`, champ par champ"
    else:
        detail = data.get("message") or error.description
    headers = {k: v for k, v in (data.get("headers") or {}).items()}
    if error.code == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    return problem_response(error.code or 500, detail, errors=errors, headers=headers,
                            type_="validation" if errors else None)


def register_error_handlers(app: Flask) -> None:
    """Installs the problem+json handlers for every error a request can raise."""

    @app.errorhandler(Problem)
    def _problem(error: Problem):
        return problem_response(error.status, error.detail, type_=error.type, errors=error.errors,
                                headers=error.headers)

    @app.errorhandler(DomainError)
    def _domain(error: DomainError):
        errors = {error.field: [error.message]} if error.field else None
        return problem_response(422, error.message, type_=error.code, errors=errors)

    @app.errorhandler(VersionConflict)
    def _conflict(error: VersionConflict):
        return problem_response(409, str(error), type_="version_conflict",
                                headers={"ETag": f'"{error.current}"'})

    @app.errorhandler(PathwayNotFound)
    def _not_found(error: PathwayNotFound):
        return problem_response(404, "aucun parcours de ce numéro dans votre périmètre",
                                type_="not_found")

    @app.errorhandler(CommitteeNotFound)
    def _committee_not_found(error: CommitteeNotFound):
        return problem_response(404, "aucun comité de ce numéro dans votre périmètre",
                                type_="not_found")

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return handle_http_exception(error)
        logger.exception("unexpected error")
        return problem_response(500, "erreur interne : elle est journalisée")
