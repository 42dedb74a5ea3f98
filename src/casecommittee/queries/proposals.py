"""Who was proposed to a company's need (`projections/proposals.py`)."""

from sqlalchemy import select
from sqlalchemy.engine import Engine

from ..projections.proposals import need_proposals as p


def proposed_to_need(engine: Engine, company_id: str, need_id: str) -> list[dict]:
    """The pathways proposed to one need of a company (pathway id, group, the day of the
    first proposal), in the order they were proposed."""
    statement = (select(p.c.pathway_id, p.c.group_id, p.c.proposed_on)
                 .where(p.c.company_id == str(company_id), p.c.need_id == need_id)
                 .order_by(p.c.proposed_on, p.c.pathway_id))
    found: dict[str, dict] = {}
    with engine.connect() as conn:
        for row in conn.execute(statement):
            found.setdefault(row.pathway_id, dict(row._mapping))
    return list(found.values())


def proposed_to_company(engine: Engine, company_id: str) -> list[dict]:
    """The pathways proposed to any need of a company (pathway id, group, need, the day of
    the latest proposal), the latest first."""
    statement = (select(p.c.pathway_id, p.c.group_id, p.c.need_id, p.c.proposed_on)
                 .where(p.c.company_id == str(company_id))
                 .order_by(p.c.proposed_on.desc(), p.c.pathway_id))
    found: dict[str, dict] = {}
    with engine.connect() as conn:
        for row in conn.execute(statement):
            found.setdefault(row.pathway_id, dict(row._mapping))
    return list(found.values())
