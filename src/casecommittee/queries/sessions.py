"""Committee sessions as the read model holds them: pages of a group's sessions, the previous
session of a group, the sessions coming up, the group and territory behind a session, and the
decisions taken on one pathway."""

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from ..db import as_utc
from ..projections.committees import committee_decisions, committee_sessions
from ..stores.reference import groups

c = committee_sessions.c


def sessions_page(engine: Engine, group_ids, *, group_id: str | None = None,
                  from_: date | None = None, to: date | None = None,
                  after: tuple[date, str] | None = None, limit: int) -> list[dict]:
    """Up to `limit` sessions of these groups by date (keyset on held_on, id), each with its
    count of decisions; optionally one group's, between two dates."""
    decisions = (select(func.count()).where(committee_decisions.c.session_id == c.session_id)
                 .scalar_subquery().label("decision_count"))
    statement = select(c.session_id.label("id"), c.group_id, c.kind, c.held_on, c.status,
                       c.closed_at, decisions).where(c.group_id.in_(group_ids))
    if group_id:
        statement = statement.where(c.group_id == group_id)
    if from_:
        statement = statement.where(c.held_on >= from_)
    if to:
        statement = statement.where(c.held_on <= to)
    if after is not None:
        held_on, last_id = after
        statement = statement.where(
            (c.held_on > held_on) | ((c.held_on == held_on) & (c.session_id > last_id)))
    statement = statement.order_by(c.held_on, c.session_id).limit(limit)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(statement)]
    for row in rows:
        row["closed_at"] = as_utc(row["closed_at"])
    return rows


def previous_session_on(engine: Engine, group_id: str, before: date, kind: str = "orientation") -> date | None:
    """The date of the group's last session of that kind held before `before`."""
    with engine.connect() as conn:
        return conn.execute(
            select(c.held_on)
            .where(c.group_id == group_id, c.kind == kind, c.held_on < before)
            .order_by(c.held_on.desc()).limit(1)
        ).scalar()


def scheduled_between(engine: Engine, after: date, until: date) -> list:
    """The sessions still scheduled, held after `after` and on or before `until`."""
    with engine.connect() as conn:
        return conn.execute(select(committee_sessions).where(
            c.status == "scheduled", c.held_on > after, c.held_on <= until,
        )).all()


def session_places(engine: Engine, known: dict[str, dict], session_ids: set[str]) -> dict[str, dict]:
    """Group, date and territory of sessions: those of `known` (session id → group_id and
    held_on, e.g. from their Scheduled events) and, read from the read model, the others of
    `session_ids`."""
    found = dict(known)
    missing = set(session_ids) - set(found)
    with engine.connect() as conn:
        if missing:
            rows = conn.execute(select(c.session_id, c.group_id, c.held_on)
                                .where(c.session_id.in_(missing)))
            found.update({r.session_id: {"group_id": r.group_id, "held_on": r.held_on} for r in rows})
        territory = dict(conn.execute(select(groups.c.id, groups.c.territory_id)
                                      .where(groups.c.id.in_({f["group_id"] for f in found.values()}))).all())
    for session in found.values():
        session["territory_id"] = territory.get(session["group_id"])
    return found


def decisions_about(engine: Engine, pathway_id) -> list[dict]:
    """The committee decisions taken on one pathway, oldest session first, each with its
    session's kind (the note as stored: sealed with the person's key)."""
    d = committee_decisions.c
    statement = (select(d.session_id, c.kind, d.held_on, d.decision, d.note, d.orientation,
                        d.decided_at)
                 .join(committee_sessions, c.session_id == d.session_id)
                 .where(d.pathway_id == str(pathway_id))
                 .order_by(d.held_on, d.decided_at, d.session_id))
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(statement)]
    for row in rows:
        row["decided_at"] = as_utc(row["decided_at"])
    return rows
