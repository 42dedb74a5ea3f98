"""Who was proposed to which company need: one row per `proposed_to_company` step of a pathway,
as its state now holds them (corrections applied) — what the page recording a need's outcome
offers to tick as hired, by pseudonym.

A pathway's rows are replaced whenever a step changes its proposals (a proposal, or a
correction that changed them); they hold no identity, only ids, the group and the date.
"""

from collections.abc import Iterable

from sqlalchemy import Column, Date, Index, Integer, Table, bindparam, delete
from sqlalchemy.engine import Connection

from ..db import CleanText, metadata
from ..domain.state import PathwayState
from .bulk import execute_many

need_proposals = Table(
    "need_proposals", metadata,
    Column("pathway_id", CleanText(36), nullable=False),
    Column("position", Integer, nullable=False),
    Column("company_id", CleanText(36), nullable=False),
    Column("need_id", CleanText(64), nullable=False),
    Column("proposed_on", Date, nullable=False),
    Column("group_id", CleanText(36), nullable=False),
    Column("territory_id", CleanText(36)),
)
Index("ix_need_proposals_pathway", need_proposals.c.pathway_id, need_proposals.c.position, unique=True)
Index("ix_need_proposals_need", need_proposals.c.company_id, need_proposals.c.need_id)

PROPOSAL_TABLES = (need_proposals,)
#: What a row holds, in the order the projector writes it.
ROW_COLUMNS = ("pathway_id", "position", "company_id", "need_id", "proposed_on", "group_id",
               "territory_id")
ROW_INSERT = need_proposals.insert().values({c: bindparam(c) for c in ROW_COLUMNS})


def proposal_rows(pid: str, state: PathwayState, territory_id: str | None) -> list[tuple]:
    """A pathway's proposals as rows (ROW_COLUMNS order), in the order they were made."""
    return [(pid, i, str(p["company_id"]), p["need_id"], p["on"], state.group_id, territory_id)
            for i, p in enumerate(state.proposals)]


#: The delete of a pathway's proposals, built once (compiled once by `execute_many`).
_DELETE_OF = delete(need_proposals).where(need_proposals.c.pathway_id == bindparam("proposals_of"))


def replace_proposals(conn: Connection, rows: dict[str, list[tuple]], stored: Iterable[str]) -> None:
    """Writes the proposals of some pathways (pathway id → its rows), replacing those of the
    pathways among `stored` (whose rows may exist already); the others' are only inserted."""
    if not rows:
        return
    ids = [pid for pid in stored if pid in rows]
    execute_many(conn, _DELETE_OF, [(pid,) for pid in ids], ("proposals_of",))
    execute_many(conn, ROW_INSERT, [row for pathway_rows in rows.values() for row in pathway_rows],
                 ROW_COLUMNS)
