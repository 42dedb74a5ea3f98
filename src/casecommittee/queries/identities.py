"""Where the pathways a blind-index lookup found stand: their group, their referent."""

from sqlalchemy import select
from sqlalchemy.engine import Engine

from ..projections.pathways import pathway_rows as r


def rows_of(engine: Engine, pathway_ids) -> dict[str, dict]:
    """pathway id → {group_id, referent_id, territory_id} of the pathways given (by chunks)."""
    wanted = sorted(set(pathway_ids))
    found = {}
    with engine.connect() as conn:
        for start in range(0, len(wanted), 500):
            for row in conn.execute(
                select(r.c.pathway_id, r.c.group_id, r.c.referent_id, r.c.territory_id)
                .where(r.c.pathway_id.in_(wanted[start:start + 500]))
            ):
                found[row.pathway_id] = {"group_id": row.group_id, "referent_id": row.referent_id,
                                         "territory_id": row.territory_id}
    return found
