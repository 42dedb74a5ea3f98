"""Identities the retention period concerns: those near or past it, and those whose pathway
was never saved."""

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine

from ..projections.pathways import pathway_rows as r
from ..stores.personal_data import personal_data_table as p


def identities_idle_since(engine: Engine, before: date) -> list:
    """(pathway_id, referent_id, last_event_on) of the identities still held whose pathway's
    last step is older than `before`."""
    with engine.connect() as conn:
        return conn.execute(
            select(r.c.pathway_id, r.c.referent_id, r.c.last_event_on)
            .join(p, p.c.pathway_id == r.c.pathway_id)
            .where(p.c.erased_at.is_(None), r.c.last_event_on < before)
        ).all()


def identities_without_pathway(engine: Engine, recorded_before: datetime) -> list[str]:
    """The pathway ids of identities recorded before that time that no pathway row has."""
    with engine.connect() as conn:
        return conn.execute(
            select(p.c.pathway_id)
            .outerjoin(r, r.c.pathway_id == p.c.pathway_id)
            .where(r.c.pathway_id.is_(None), p.c.recorded_at < recorded_before)
        ).scalars().all()
