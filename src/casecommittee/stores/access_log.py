"""The access log: who read or changed which pathway, when (every read of a person's record
and every write)."""

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Integer, String, Table, bindparam
from sqlalchemy.engine import Engine

from ..db import metadata

access_log = Table(
    "access_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user_id", String(36), nullable=False, index=True),
    Column("role", String(32), nullable=False),
    Column("pathway_id", String(36), nullable=False, index=True),
    Column("action", String(32), nullable=False),
)

#: The insert of `entries`' rows (built once: a write's projection runs it with its rows).
INSERT = access_log.insert().values({name: bindparam(name) for name in
                                     ("at", "user_id", "role", "pathway_id", "action")})

#: What an access was.
ACTIONS = ("read", "read_person", "read_history", "identify", "log_step",
           "export_personal_data", "erase_personal_data", "update_person", "committee_decision",
           "read_person_agenda", "read_person_shortlist", "read_person_company", "name_contact",
           "read_contacts", "erase_contact")


class AccessLog:
    """Records accesses to pathways (`queries.audit.access_entries` lists them)."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def record(self, principal, pathway_id, *actions: str, at: datetime | None = None) -> None:
        """Accesses by a user to a pathway (at the given time, default now), in one transaction
        (a write and the read of the identity its answer shows: one commit)."""
        with self.engine.begin() as conn:
            conn.execute(access_log.insert(), entries(principal, pathway_id, *actions, at=at))


def entries(principal, pathway_id, *actions: str, at: datetime | None = None) -> list[dict]:
    """The access-log rows of accesses by a user to a pathway (at `at`, default now), for
    `AccessLog.record` or a transaction of the caller's."""
    at = at or datetime.now(UTC)
    return [{"at": at, "user_id": principal.user_id, "role": principal.role,
             "pathway_id": str(pathway_id), "action": action} for action in actions]
