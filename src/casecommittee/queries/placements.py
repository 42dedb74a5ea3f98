"""Where pathways met companies: the immersions and hires of a territory's pathways by SIRET,
as they stand now or as known at a recorded time (`projections/placements.py`)."""

from datetime import datetime

from sqlalchemy import and_, select, union_all
from sqlalchemy.engine import Engine

from ..projections.placements import PLACEMENT_FIELDS
from ..projections.placements import company_placement_versions as v
from ..projections.placements import company_placements as p

_COLUMNS = ("pathway_id", "group_id", *PLACEMENT_FIELDS)


def placements(engine: Engine, territory_id: str, *, siret: str | None = None,
               known_at: datetime | None = None) -> list[dict]:
    """The territory's placements (of one company when `siret` is given), as they stand now or
    as known at `known_at`, in the order they started."""

    def where(table, *more):
        conditions = [table.c.territory_id == territory_id, *more]
        if siret is not None:
            conditions.append(table.c.siret == siret)
        return and_(*conditions)

    if known_at is None:
        statement = select(*(p.c[c] for c in _COLUMNS)).where(where(p))
    else:
        statement = union_all(
            select(*(p.c[c] for c in _COLUMNS)).where(where(p, p.c.recorded_from <= known_at)),
            select(*(v.c[c] for c in _COLUMNS)).where(where(
                v, v.c.recorded_from <= known_at, v.c.recorded_to > known_at)))
    with engine.connect() as conn:
        rows = [dict(row._mapping) for row in conn.execute(statement)]
    rows.sort(key=lambda r: (r["started_on"], r["pathway_id"], r["position"]))
    return rows
