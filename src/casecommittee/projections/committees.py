"""The committee read models: sessions of each group and the decisions taken in them."""

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    Table,
    select,
    update,
)
from sqlalchemy.engine import Connection

from ..db import CleanText, metadata
from ..domain.committee import CommitteeSession

committee_sessions = Table(
    "committee_sessions", metadata,
    Column("session_id", CleanText(36), primary_key=True),
    Column("group_id", CleanText(36), nullable=False, index=True),
    Column("kind", CleanText, nullable=False),
    Column("held_on", Date, nullable=False),
    Column("status", CleanText, nullable=False),  # scheduled | closed (codes are unbounded)
    Column("scheduled_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True)),
    Column("agenda", JSON),
    Column("attendance", JSON),
    Column("version", Integer, nullable=False),
)

committee_decisions = Table(
    "committee_decisions", metadata,
    Column("session_id", CleanText(36), primary_key=True),
    Column("pathway_id", CleanText(36), primary_key=True),
    Column("group_id", CleanText(36), nullable=False),
    Column("held_on", Date, nullable=False),
    Column("decision", CleanText, nullable=False),
    Column("note", CleanText),  # sealed with the decided person's key (stores/sealed_texts.py)
    Column("orientation", JSON),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("decided_by", CleanText),
)
Index("ix_committee_decisions_pathway", committee_decisions.c.pathway_id, committee_decisions.c.held_on)

COMMITTEE_TABLES = (committee_sessions, committee_decisions)


class CommitteeProjector:
    """Applies committee events one by one (a few per session: no batching needed)."""

    def apply(self, conn: Connection, event) -> bool:
        """Applies one event if it is a committee event; returns whether it was one."""
        session_id = str(event.originator_id)
        if isinstance(event, CommitteeSession.Scheduled):
            conn.execute(committee_sessions.insert().values(
                session_id=session_id, group_id=event.group_id, kind=event.kind,
                held_on=event.held_on, status="scheduled", scheduled_at=event.timestamp,
                version=event.originator_version,
            ))
        elif isinstance(event, CommitteeSession.DecisionRecorded):
            group_id, held_on = conn.execute(
                select(committee_sessions.c.group_id, committee_sessions.c.held_on)
                .where(committee_sessions.c.session_id == session_id)
            ).one()
            conn.execute(committee_decisions.insert().values(
                session_id=session_id, pathway_id=event.pathway_id, group_id=group_id,
                held_on=held_on, decision=event.decision, note=event.note,
                orientation=event.orientation, decided_at=event.timestamp,
                decided_by=event.actor.get("user_id"),
            ))
            self._version(conn, session_id, event)
        elif isinstance(event, CommitteeSession.Closed):
            conn.execute(update(committee_sessions)
                         .where(committee_sessions.c.session_id == session_id)
                         .values(status="closed", closed_at=event.timestamp,
                                 agenda=event.agenda, attendance=event.attendance))  # (orjson writes dates as ISO texts)
            self._version(conn, session_id, event)
        else:
            return False
        return True

    @staticmethod
    def _version(conn, session_id, event) -> None:
        conn.execute(update(committee_sessions)
                     .where(committee_sessions.c.session_id == session_id)
                     .values(version=event.originator_version))

