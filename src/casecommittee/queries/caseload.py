"""Caseload queries over `pathway_rows`: one pathway's row, and pages of the visible ones."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Engine

from ..projections.pathways import pathway_rows as r

#: The columns a list shows.
LIST_COLUMNS = (
    r.c.pathway_id, r.c.group_id, r.c.territory_id, r.c.stage, r.c.stage_since,
    r.c.identified_on, r.c.referent_id, r.c.version, r.c.last_event_on,
    r.c.follow_up_next_due_on, r.c.validation_due_on, r.c.consent_sharing,
)


@dataclass(frozen=True)
class CaseloadQuery:
    """Which pathways: a scope (groups or territory) and the list's filters."""

    group_ids: tuple[str, ...] | None = None
    territory_id: str | None = None
    group_id: str | None = None
    stage: str | None = None
    referent_id: str | None = None
    id_prefix: str | None = None
    pathway_id: str | None = None


def _where(query: CaseloadQuery):
    conditions = []
    if query.group_ids is not None:
        conditions.append(r.c.group_id.in_(query.group_ids))
    if query.territory_id is not None:
        conditions.append(r.c.territory_id == query.territory_id)
    for column, value in ((r.c.group_id, query.group_id), (r.c.stage, query.stage),
                          (r.c.referent_id, query.referent_id), (r.c.pathway_id, query.pathway_id)):
        if value is not None:
            conditions.append(column == value)
    if query.id_prefix is not None:
        escaped = query.id_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(r.c.pathway_id.like(escaped + "%", escape="\\"))
    return and_(*conditions) if conditions else None


def list_pathways(engine: Engine, query: CaseloadQuery, *, limit: int,
                  after: tuple[date, str] | None = None) -> list[dict]:
    """Up to `limit` rows, most recently identified first (keyset on identified_on, id)."""
    statement = select(*LIST_COLUMNS).order_by(r.c.identified_on.desc(), r.c.pathway_id).limit(limit)
    where = _where(query)
    if where is not None:
        statement = statement.where(where)
    if after is not None:
        on, pid = after
        statement = statement.where(or_(
            r.c.identified_on < on, and_(r.c.identified_on == on, r.c.pathway_id > pid),
        ))
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(statement)]


def get_row(engine: Engine, pathway_id: str) -> dict | None:
    """The full row of one pathway, or None."""
    with engine.connect() as conn:
        row = conn.execute(select(r).where(r.c.pathway_id == pathway_id)).first()
    return dict(row._mapping) if row else None


def rows_of(engine: Engine, pathway_ids, columns=tuple(r.c)) -> dict[str, dict]:
    """pathway id → its row (the given columns and its id), for the given pathways known to the
    read model: one query per 500 ids, not one per pathway."""
    found = {}
    ids = sorted(set(pathway_ids))
    with engine.connect() as conn:
        for start in range(0, len(ids), 500):
            for row in conn.execute(select(r.c.pathway_id, *columns)
                                    .where(r.c.pathway_id.in_(ids[start:start + 500]))):
                found[row.pathway_id] = dict(row._mapping)
    return found


def territories_of(engine: Engine, pathway_ids: list[str]) -> dict[str, str | None]:
    """pathway id → territory id, for the given pathways known to the read model."""
    return {pid: row["territory_id"]
            for pid, row in rows_of(engine, pathway_ids, (r.c.territory_id,)).items()}


def in_follow_up(engine: Engine) -> list:
    """The rows of the pathways in their 15-week follow-up (stage `employed`)."""
    with engine.connect() as conn:
        return conn.execute(select(r).where(r.c.stage == "employed")).all()


def still_open(engine: Engine) -> list:
    """The rows of the pathways neither exited nor completed."""
    with engine.connect() as conn:
        return conn.execute(select(r).where(r.c.stage.not_in(("exited", "follow_up_completed")))).all()
