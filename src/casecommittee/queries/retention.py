"""Identities the retention period concerns: those near or past it, and those whose pathway
was never saved; the contact people of the companies idle for that long."""

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine

from ..projections.companies import companies as c
from ..projections.pathways import pathway_rows as r
from ..stores.personal_data import personal_data_table as p


def erasure_day(last_step_on: date, retention_days: int) -> date:
    """The day the retention job erases the identity of a person whose last step was on
    `last_step_on` (unless a step comes first): the retention period after it."""
    return last_step_on + timedelta(days=retention_days)


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


def erasures_of_territory(engine: Engine, territory_id: str, limit: int = 500) -> list:
    """(pathway_id, group_id, erased_at, erasure_reason, erased_by) of the identities erased in
    a territory, the latest first (the tombstones: no identity is left to show)."""
    with engine.connect() as conn:
        return conn.execute(
            select(r.c.pathway_id, r.c.group_id, p.c.erased_at, p.c.erasure_reason, p.c.erased_by)
            .join(p, p.c.pathway_id == r.c.pathway_id)
            .where(p.c.erased_at.is_not(None), r.c.territory_id == territory_id)
            .order_by(p.c.erased_at.desc(), r.c.pathway_id).limit(limit)
        ).all()


def identities_due_in_territory(engine: Engine, territory_id: str, idle_before: date,
                                limit: int = 500) -> list:
    """(pathway_id, group_id, referent_id, last_event_on) of the identities still held in a
    territory whose pathway's last step is older than `idle_before`, the oldest first."""
    with engine.connect() as conn:
        return conn.execute(
            select(r.c.pathway_id, r.c.group_id, r.c.referent_id, r.c.last_event_on)
            .join(p, p.c.pathway_id == r.c.pathway_id)
            .where(p.c.erased_at.is_(None), r.c.territory_id == territory_id,
                   r.c.last_event_on < idle_before)
            .order_by(r.c.last_event_on, r.c.pathway_id).limit(limit)
        ).all()


def companies_idle_since(engine: Engine, before: date) -> list:
    """(company_id, territory_id, name, last_activity_on) of the companies whose last activity
    is older than `before`: their contact people's identities near or past the retention
    period."""
    with engine.connect() as conn:
        return conn.execute(
            select(c.c.company_id, c.c.territory_id, c.c.name, c.c.last_activity_on)
            .where(c.c.last_activity_on < before)
            .order_by(c.c.last_activity_on, c.c.company_id)
        ).all()


def identities_held(engine: Engine, ids: list[str]) -> set[str]:
    """Those of `ids` whose identity is still held (recorded, not erased)."""
    held: set[str] = set()
    with engine.connect() as conn:
        for start in range(0, len(ids), 500):
            held.update(conn.execute(
                select(p.c.pathway_id)
                .where(p.c.pathway_id.in_(ids[start:start + 500]), p.c.erased_at.is_(None))
            ).scalars())
    return held


def company_contact_ids(app, engine: Engine) -> set[str]:
    """The ids of every contact person named by a company (their identities are no pathway's,
    and never orphans)."""
    with engine.connect() as conn:
        ids = conn.execute(select(c.c.company_id)).scalars().all()
    return {contact["contact_id"] for company_id in ids
            for contact in app.get_company(company_id).state.contacts}
