"""`Idempotency-Key`: a retried write gets the first write's answer and writes nothing new.

No response is stored. The application saves, with the write's own events and in the same
transaction, which aggregates the write left at which version (`keyed_requests`): after a crash
at any point, a retry finds either that answer or nothing written, and a concurrent retry
loses its save and answers like the first. A retry's document is rebuilt by the view's `replay`
from the aggregates at those versions, through the same scope check, access log and erasure
as a read: a referent moved off the caseload no longer gets the identity, nor anyone after an
erasure. The same key with another request (method, path or body) is refused (422).
"""

import json
from functools import wraps

from flask import request

from ..keyed_requests import AlreadyAnswered, KeyReused
from .context import current_principal, web
from .problems import Problem
from .schemas.headers import IdempotencyHeaders


def _canonical_request() -> bytes:
    raw = request.get_data(cache=True)
    try:
        canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = raw
    return request.method.encode() + b" " + request.path.encode() + b"\n" + canonical


def _replayed(result: tuple) -> tuple:
    document, status, headers = result
    return document, status, {**headers, "Idempotent-Replayed": "true"}


def keyed(blp, replay):
    """`idempotent(replay)`, with the `Idempotency-Key` header documented (and its format
    checked) on the route; place it under `response`."""

    def decorator(view):
        honoured = idempotent(replay)(view)

        @wraps(honoured)
        def without_header(*args, idempotency=None, **kwargs):
            return honoured(*args, **kwargs)

        return blp.arguments(IdempotencyHeaders, location="headers",
                             arg_name="idempotency")(without_header)

    return decorator


def idempotent(replay):
    """Makes a write view honour `Idempotency-Key` (place it under `response`, so that both
    answers are serialized alike). `replay(answer, *args, **kwargs)` rebuilds the view's
    (document, status, headers) from a `keyed_requests.Answer`."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            key = request.headers.get("Idempotency-Key")
            if not key:
                return view(*args, **kwargs)
            keyed = web().system.app.keyed_requests
            try:
                use, answer = keyed.begin(current_principal().user_id, key, _canonical_request())
                if answer is None:
                    with keyed.active(use):
                        return view(*args, **kwargs)
            except AlreadyAnswered as first:
                answer = first.answer
            except KeyReused:
                raise Problem(422, "cette clé d'idempotence a déjà servi pour une autre requête",
                              type_="idempotency_key_reused",
                              errors={"Idempotency-Key": ["déjà utilisée avec un autre corps : "
                                                          "choisissez une nouvelle clé"]}) from None
            return _replayed(replay(answer, *args, **kwargs))

        return wrapper

    return decorator
