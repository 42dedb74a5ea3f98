"""What the audit reads beside the event log: the access log, page by page."""

from sqlalchemy import select
from sqlalchemy.engine import Engine

from ..db import as_utc
from ..stores.access_log import access_log


def access_entries(engine: Engine, *, pathway_id: str | None = None, user_id: str | None = None,
                   after_id: int | None = None, limit: int = 50) -> list[dict]:
    """Accesses in order, optionally for one pathway or one user, after a given entry."""
    query = select(access_log).order_by(access_log.c.id).limit(limit)
    if pathway_id is not None:
        query = query.where(access_log.c.pathway_id == pathway_id)
    if user_id is not None:
        query = query.where(access_log.c.user_id == user_id)
    if after_id is not None:
        query = query.where(access_log.c.id > after_id)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    for row in rows:
        row["at"] = as_utc(row["at"])
    return rows
