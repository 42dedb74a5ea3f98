"""Notifications to users, and their delivery to partner tools by signed webhook.

A notification is written once (its `dedupe_key` is unique, so a job that runs twice never
notifies twice) and read at `GET /api/v1/notifications`. Where a webhook is configured, a
delivery row is written in the same transaction: it is retried with a growing delay until the
partner answers 2xx, and never deleted, so no reminder is lost.
"""

import hashlib
import hmac
import json
import urllib.request
import uuid
from datetime import datetime, timedelta

from sqlalchemy import JSON, Column, DateTime, Integer, Table, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..db import CleanText, metadata

notifications = Table(
    "notifications", metadata,
    Column("id", CleanText(36), primary_key=True),
    Column("user_id", CleanText(36), nullable=False, index=True),
    Column("kind", CleanText(32), nullable=False),
    Column("title", CleanText(200), nullable=False),
    Column("body", CleanText, nullable=False),
    Column("pathway_id", CleanText(36)),
    Column("session_id", CleanText(36)),
    Column("dedupe_key", CleanText(200), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("read_at", DateTime(timezone=True)),
)

webhook_deliveries = Table(
    "webhook_deliveries", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("notification_id", CleanText(36), nullable=False),
    Column("url", CleanText(500), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, index=True),
    Column("claimed_until", DateTime(timezone=True)),
    Column("delivered_at", DateTime(timezone=True)),
    Column("last_error", CleanText),
)

#: Delay before each retry of a failed delivery (the last one repeats).
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
                timedelta(hours=2), timedelta(hours=12))
SIGNATURE_HEADER = "X-Casecommittee-Signature"


def notify(engine: Engine, *, user_id: str, kind: str, dedupe_key: str, title: str, body: str,
           now: datetime, pathway_id: str | None = None, session_id: str | None = None,
           webhook_url: str | None = None) -> bool:
    """Writes a notification unless one with the same key exists; True if it was new."""
    notification_id = str(uuid.uuid4())
    row = dict(id=notification_id, user_id=user_id, kind=kind, title=title, body=body,
               pathway_id=pathway_id, session_id=session_id, dedupe_key=dedupe_key, created_at=now)
    try:
        with engine.begin() as conn:
            exists = conn.execute(
                select(notifications.c.id).where(notifications.c.dedupe_key == dedupe_key)
            ).first()
            if exists:
                return False
            conn.execute(notifications.insert().values(**row))
            if webhook_url:  # in the same transaction: a notification is never without its delivery
                payload = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}
                conn.execute(webhook_deliveries.insert().values(
                    notification_id=notification_id, url=webhook_url, payload=payload, attempts=0,
                    next_attempt_at=now,
                ))
    except IntegrityError:  # written meanwhile by another process
        return False
    return True


def signature(secret: str, body: bytes) -> str:
    """The HMAC-SHA256 signature header value of a webhook body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_json(url: str, body: bytes, headers: dict) -> int:
    """Posts a webhook body; returns the HTTP status (raises on network errors)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - configured URL
        return response.status


def deliver_pending(engine: Engine, secret: str, now: datetime, send=post_json, limit: int = 100) -> int:
    """Sends the deliveries that are due; returns how many succeeded. Safe in several processes."""
    with engine.begin() as conn:
        due = conn.execute(
            select(webhook_deliveries.c.id).where(
                webhook_deliveries.c.delivered_at.is_(None),
                webhook_deliveries.c.next_attempt_at <= now,
                (webhook_deliveries.c.claimed_until.is_(None)) | (webhook_deliveries.c.claimed_until < now),
            ).limit(limit)
        ).scalars().all()
    delivered = 0
    for delivery_id in due:
        with engine.begin() as conn:  # claim it: only one process sends a given delivery
            claimed = conn.execute(
                update(webhook_deliveries)
                .where(webhook_deliveries.c.id == delivery_id,
                       webhook_deliveries.c.delivered_at.is_(None),
                       (webhook_deliveries.c.claimed_until.is_(None))
                       | (webhook_deliveries.c.claimed_until < now))
                .values(claimed_until=now + timedelta(minutes=5))
            ).rowcount
            row = conn.execute(select(webhook_deliveries).where(webhook_deliveries.c.id == delivery_id)).one()
        if not claimed:
            continue
        body = json.dumps(row.payload, sort_keys=True).encode()
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signature(secret, body)}
        try:
            status = send(row.url, body, headers)
            error = None if 200 <= status < 300 else f"HTTP {status}"
        except Exception as exc:  # noqa: BLE001 - any failure is retried later
            error = f"{type(exc).__name__}: {exc}"
        values = {"attempts": row.attempts + 1, "claimed_until": None}
        if error is None:
            values["delivered_at"] = now
            delivered += 1
        else:
            values["last_error"] = error[:500]
            values["next_attempt_at"] = now + RETRY_DELAYS[min(row.attempts, len(RETRY_DELAYS) - 1)]
        with engine.begin() as conn:
            conn.execute(update(webhook_deliveries).where(webhook_deliveries.c.id == delivery_id).values(**values))
    return delivered


def mark_read(engine: Engine, notification_id: str, user_id: str, now: datetime) -> bool:
    """Marks one of the user's notifications as read; False if it is not theirs."""
    with engine.begin() as conn:
        found = conn.execute(select(notifications.c.read_at).where(
            notifications.c.id == notification_id, notifications.c.user_id == user_id)).first()
        if found is None:
            return False
        if found.read_at is None:
            conn.execute(update(notifications).where(notifications.c.id == notification_id).values(read_at=now))
        return True
