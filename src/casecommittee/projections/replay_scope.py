"""What of the replay check belongs to one territory.

The check is one global rebuild; an evaluator of a territory reads its result for their
territory only, as they read the audit log: its pathways, committee sessions and companies.
Each table of the check has an owner named in its key (a pathway, a session, a company, or a
territory itself); a row belongs to the territory of its owner, as the replay says it (the log
is the reference), else as the live read model says it (a row the replay does not have). A
row whose owner neither side knows belongs to no territory.
"""

from collections.abc import Iterable

from sqlalchemy import Table, func, select
from sqlalchemy.engine import Connection

from ..stores.reference import groups
from .cells import statistics_cells
from .committees import committee_decisions, committee_sessions
from .companies import companies, company_needs
from .pathways import pathway_rows, pathway_versions
from .placements import company_placement_versions, company_placements
from .proposals import need_proposals

#: Each table of the check → (what owns its rows, the key column naming the owner).
OWNERS = {
    pathway_rows.name: ("pathway", "pathway_id"),
    pathway_versions.name: ("pathway", "pathway_id"),
    statistics_cells.name: ("territory", "territory_id"),
    committee_sessions.name: ("session", "session_id"),
    committee_decisions.name: ("session", "session_id"),
    companies.name: ("company", "company_id"),
    company_needs.name: ("company", "company_id"),
    company_placements.name: ("pathway", "pathway_id"),
    company_placement_versions.name: ("pathway", "pathway_id"),
    need_proposals.name: ("pathway", "pathway_id"),
}

#: How many owners one look-up asks for.
LOOKUP = 500


class TerritoryScope:
    """The rows of the check that belong to one territory, for its evaluators.

    `replayed` and `live` are connections to the scratch store and to the live store (read
    models and reference data: the territory's groups)."""

    def __init__(self, territory_id: str, replayed: Connection, live: Connection):
        self.territory_id = territory_id
        self.replayed, self.live = replayed, live
        self.groups = list(live.execute(
            select(groups.c.id).where(groups.c.territory_id == territory_id)).scalars())

    def _owned(self, kind: str):
        """A select of the ids of the owners of `kind` in the territory (on either store)."""
        if kind == "pathway":
            return select(pathway_rows.c.pathway_id).where(
                pathway_rows.c.territory_id == self.territory_id)
        if kind == "session":
            return select(committee_sessions.c.session_id).where(
                committee_sessions.c.group_id.in_(self.groups))
        return select(companies.c.company_id).where(companies.c.territory_id == self.territory_id)

    def _condition(self, table: Table):
        kind, column = OWNERS[table.name]
        if kind == "territory":
            return table.c[column] == self.territory_id
        return table.c[column].in_(self._owned(kind).scalar_subquery())

    def replayed_rows(self, tables: Iterable[Table]) -> dict[str, int]:
        """How many rows of each table the replay has in the territory."""
        return {table.name: self.replayed.execute(
            select(func.count()).select_from(table).where(self._condition(table))).scalar()
            for table in tables}

    def within(self, differences: list[dict], key_columns) -> list[bool]:
        """For each difference (`table`, `key` as the check lists them), whether it belongs to
        the territory; `key_columns(table)` names the key's columns."""
        wanted: dict[str, set[str]] = {}
        owners = []
        for difference in differences:
            kind, column = OWNERS[difference["table"]]
            owner = difference["key"][key_columns(difference["table"]).index(column)]
            owners.append((kind, owner))
            if kind != "territory":
                wanted.setdefault(kind, set()).add(owner)
        mine = {kind: self._mine(kind, ids) for kind, ids in wanted.items()}
        return [owner == self.territory_id if kind == "territory" else owner in mine[kind]
                for kind, owner in owners]

    def _mine(self, kind: str, ids: set[str]) -> set[str]:
        """Those of these owners that belong to the territory: as the replay says, else (an
        owner the replay does not know) as the live read models say."""
        table, column, place = {
            "pathway": (pathway_rows, "pathway_id", pathway_rows.c.territory_id),
            "session": (committee_sessions, "session_id", committee_sessions.c.group_id),
            "company": (companies, "company_id", companies.c.territory_id),
        }[kind]
        ours = set(self.groups) if kind == "session" else {self.territory_id}
        found: dict[str, str] = {}
        for side in (self.replayed, self.live):
            asked = sorted(ids - set(found))
            for start in range(0, len(asked), LOOKUP):
                chunk = asked[start:start + LOOKUP]
                found.update(side.execute(select(table.c[column], place).where(
                    table.c[column].in_(chunk))).all())
        return {owner for owner, where in found.items() if where in ours}
