"""A user's notifications, newest first."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine

from ..db import as_utc
from ..stores.notifications import notifications


def for_user(engine: Engine, user_id: str, unread_only: bool = False, limit: int = 50,
             after: tuple[datetime, str] | None = None,
             notification_id: str | None = None) -> list[dict]:
    """A user's notifications, newest first (or the one with `notification_id`)."""
    query = select(notifications).where(notifications.c.user_id == user_id)
    if notification_id is not None:
        query = query.where(notifications.c.id == notification_id)
    if unread_only:
        query = query.where(notifications.c.read_at.is_(None))
    if after:  # keyset: strictly older than the last one shown (time, then id)
        created_at, last_id = after
        query = query.where(
            (notifications.c.created_at < created_at)
            | ((notifications.c.created_at == created_at) & (notifications.c.id < last_id))
        )
    query = query.order_by(notifications.c.created_at.desc(), notifications.c.id.desc()).limit(limit)
    with engine.connect() as conn:
        return [_utc(dict(r._mapping)) for r in conn.execute(query)]


def _utc(row: dict) -> dict:
    return {**row, "created_at": as_utc(row["created_at"]), "read_at": as_utc(row["read_at"])}
