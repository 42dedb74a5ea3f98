"""`Idempotency-Key`: a retried write returns the first response and writes nothing new.

The key is claimed (per user) before the write runs, so two concurrent retries never both
write; a failed write releases it, so the client may retry; a success stores the response.
The same key with another body is refused (422).
"""

import hashlib
import json
from datetime import UTC, datetime
from functools import wraps

from flask import current_app, g, request
from sqlalchemy import JSON, Column, DateTime, Integer, String, Table, delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..db import metadata
from .problems import Problem

idempotency_keys = Table(
    "idempotency_keys", metadata,
    Column("key", String(200), primary_key=True),
    Column("user_id", String(36), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status", Integer, nullable=True),
    Column("body", JSON, nullable=True),
    Column("headers", JSON, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

#: Response headers worth replaying.
_KEPT_HEADERS = ("Location", "ETag")


class IdempotencyStore:
    """Claims, completes and replays idempotency keys."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def claim(self, key: str, user_id: str, request_hash: str) -> dict | None:
        """Claims a key; returns None when claimed now, else the existing record."""
        try:
            with self.engine.begin() as conn:
                conn.execute(idempotency_keys.insert().values(
                    key=key, user_id=user_id, request_hash=request_hash,
                    created_at=datetime.now(UTC),
                ))
            return None
        except IntegrityError:
            with self.engine.connect() as conn:
                row = conn.execute(select(idempotency_keys).where(
                    idempotency_keys.c.key == key, idempotency_keys.c.user_id == user_id,
                )).first()
            return dict(row._mapping) if row else None

    def complete(self, key: str, user_id: str, status: int, body, headers: dict) -> None:
        """Stores the response given to the first request."""
        with self.engine.begin() as conn:
            conn.execute(update(idempotency_keys).where(
                idempotency_keys.c.key == key, idempotency_keys.c.user_id == user_id,
            ).values(status=status, body=body, headers=headers))

    def release(self, key: str, user_id: str) -> None:
        """Forgets a key whose request failed (nothing was written)."""
        with self.engine.begin() as conn:
            conn.execute(delete(idempotency_keys).where(
                idempotency_keys.c.key == key, idempotency_keys.c.user_id == user_id,
            ))


def _request_hash() -> str:
    raw = request.get_data(cache=True)
    try:
        canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = raw
    return hashlib.sha256(request.method.encode() + b" " + request.path.encode() + b"\n"
                          + canonical).hexdigest()


def idempotent(view):
    """Makes a write view honour `Idempotency-Key` (place it under the `arguments` decorators)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if not key:
            return view(*args, **kwargs)
        store: IdempotencyStore = current_app.extensions["casecommittee"].idempotency
        user_id = g.principal.user_id
        digest = _request_hash()
        existing = store.claim(key, user_id, digest)
        if existing is not None:
            if existing["request_hash"] != digest:
                raise Problem(422, "cette clé d'idempotence a déjà servi pour une autre requête",
                              type_="idempotency_key_reused",
                              errors={"Idempotency-Key": ["déjà utilisée avec un autre corps"]})
            if existing["status"] is None:
                raise Problem(409, "une requête avec cette clé d'idempotence est en cours",
                              type_="idempotency_in_progress")
            response = current_app.response_class(
                json.dumps(existing["body"], ensure_ascii=False), status=existing["status"],
                mimetype="application/json",
            )
            response.headers.update(existing["headers"] or {})
            response.headers["Idempotent-Replayed"] = "true"
            return response
        try:
            response = view(*args, **kwargs)
        except BaseException:
            store.release(key, user_id)
            raise
        if response.status_code >= 400:
            store.release(key, user_id)
        else:
            headers = {h: response.headers[h] for h in _KEPT_HEADERS if h in response.headers}
            store.complete(key, user_id, response.status_code, response.get_json(), headers)
        return response

    return wrapper
