"""The access log: who read or changed which pathway, when (every read of a person's record
and every write)."""

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Integer, String, Table, select
from sqlalchemy.engine import Engine

from ..db import as_utc, metadata

access_log = Table(
    "access_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user_id", String(36), nullable=False, index=True),
    Column("role", String(16), nullable=False),
    Column("pathway_id", String(36), nullable=False, index=True),
    Column("action", String(32), nullable=False),
)

#: What an access was.
ACTIONS = ("read", "read_person", "read_history", "identify", "log_step",
           "export_personal_data", "erase_personal_data")


class AccessLog:
    """Records and lists accesses to pathways."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def record(self, principal, pathway_id, action: str, at: datetime | None = None) -> None:
        """One access by a user to a pathway (at the given time, default now)."""
        with self.engine.begin() as conn:
            conn.execute(access_log.insert().values(
                at=at or datetime.now(UTC), user_id=principal.user_id, role=principal.role,
                pathway_id=str(pathway_id), action=action,
            ))

    def entries(self, *, pathway_id: str | None = None, user_id: str | None = None,
                after_id: int | None = None, limit: int = 50) -> list[dict]:
        """Accesses in order, optionally for one pathway or one user, after a given entry."""
        query = select(access_log).order_by(access_log.c.id).limit(limit)
        if pathway_id is not None:
            query = query.where(access_log.c.pathway_id == pathway_id)
        if user_id is not None:
            query = query.where(access_log.c.user_id == user_id)
        if after_id is not None:
            query = query.where(access_log.c.id > after_id)
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(query)]
        for row in rows:
            row["at"] = as_utc(row["at"])
        return rows
