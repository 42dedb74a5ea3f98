"""Company directory queries over `companies` and `company_needs`: a page of the territory's
companies (search by name or SIRET), one company's row, the needs of a company."""

from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Engine

from ..projections.companies import companies as c
from ..projections.companies import company_needs as n
from ..projections.companies import name_key


@dataclass(frozen=True)
class DirectoryQuery:
    """Which companies: the territory, a search text (name or SIRET), filters."""

    territory_id: str
    q: str | None = None
    size_band: str | None = None
    qpv_location: str | None = None
    with_open_needs: bool = False


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _where(query: DirectoryQuery):
    conditions = [c.c.territory_id == query.territory_id]
    if query.q:
        digits = query.q.replace(" ", "")
        if digits.isdigit():
            conditions.append(c.c.siret.like(digits + "%"))
        else:
            conditions.append(c.c.name_key.like(_like(name_key(query.q)), escape="\\"))
    if query.size_band is not None:
        conditions.append(c.c.size_band == query.size_band)
    if query.qpv_location is not None:
        conditions.append(c.c.qpv_location == query.qpv_location)
    if query.with_open_needs:
        conditions.append(c.c.open_needs > 0)
    return and_(*conditions)


def list_companies(engine: Engine, query: DirectoryQuery, *, limit: int,
                   after: tuple[str, str] | None = None) -> list[dict]:
    """Up to `limit` rows in name order (keyset on the name key and the id)."""
    statement = (select(c).where(_where(query)).order_by(c.c.name_key, c.c.company_id)
                 .limit(limit))
    if after is not None:
        key, company_id = after
        statement = statement.where(or_(
            c.c.name_key > key, and_(c.c.name_key == key, c.c.company_id > company_id)))
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(statement)]


def company_row(engine: Engine, company_id: str) -> dict | None:
    """One company's directory row (None if it is not registered)."""
    with engine.connect() as conn:
        row = conn.execute(select(c).where(c.c.company_id == company_id)).first()
    return dict(row._mapping) if row is not None else None


def company_territories(engine: Engine, company_ids: set[str]) -> dict[str, str]:
    """The territory of each of these registered companies (company id → territory id)."""
    if not company_ids:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(select(c.c.company_id, c.c.territory_id)
                            .where(c.c.company_id.in_(company_ids)))
        return {row.company_id: row.territory_id for row in rows}


def company_row_by_siret(engine: Engine, territory_id: str, siret: str) -> dict | None:
    """The territory's company with this SIRET (None if it is not registered)."""
    with engine.connect() as conn:
        row = conn.execute(select(c).where(c.c.territory_id == territory_id,
                                           c.c.siret == siret)).first()
    return dict(row._mapping) if row is not None else None


def needs_of(engine: Engine, company_id: str) -> list[dict]:
    """A company's needs, open ones first, then by the day they were posted."""
    with engine.connect() as conn:
        rows = conn.execute(select(n).where(n.c.company_id == company_id)
                            .order_by(n.c.outcome.is_not(None), n.c.posted_on, n.c.need_id))
        return [dict(row._mapping) for row in rows]
