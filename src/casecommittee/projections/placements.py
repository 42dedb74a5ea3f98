"""Where pathways meet companies: each immersion (PMSMP) a pathway had with a host and each hire
with an employer, by SIRET — what a company page shows it hosted and hired, and what the
figures per host (PMSMP → hire) and per employer (15-week retention) count.

`company_placements` holds each pathway's placements as they stand now, all recorded from the
time of the event that last changed them; `company_placement_versions` keeps each set they had
before, as known between two recorded times (as `pathway_versions` does for the summaries), so
the figures can be drawn "as known at" a past moment. Versions are only ever inserted.
"""

from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    Table,
    bindparam,
    delete,
    select,
)
from sqlalchemy.engine import Connection

from ..db import CleanText, metadata
from ..domain.siret import same_company
from ..domain.state import PathwayState
from .bulk import execute_many

#: The steps that may change a pathway's placements (a correction may change anything).
PLACEMENT_STEPS = frozenset({"immersion_started", "immersion_ended", "hired", "follow_up_completed",
                             "rupture", "exited", "corrected"})


class Placement(NamedTuple):
    """One immersion or hire of a pathway with a company."""

    position: int
    kind: str  # "immersion" or "hire"
    siret: str | None
    name: str | None
    started_on: object
    ended_on: object
    status: str | None  # an immersion's end status
    led_to_hire: bool | None  # an immersion followed by a hire with the same company
    day_105_on: object  # a hire's validation day
    completed_on: object  # a hire's 15-week follow-up validated on
    still_employed: bool | None


PLACEMENT_FIELDS = Placement._fields


def _columns() -> list[Column]:
    return [
        Column("pathway_id", CleanText(36), nullable=False),
        Column("group_id", CleanText(36), nullable=False),
        Column("territory_id", CleanText(36)),
        Column("position", Integer, nullable=False),
        Column("kind", CleanText, nullable=False),
        Column("siret", CleanText),
        Column("name", CleanText),
        Column("started_on", Date, nullable=False),
        Column("ended_on", Date),
        Column("status", CleanText),
        Column("led_to_hire", Boolean),
        Column("day_105_on", Date),
        Column("completed_on", Date),
        Column("still_employed", Boolean),
        # the pathway version whose event gave this set of placements, and when it was recorded
        Column("since_version", Integer, nullable=False),
        Column("recorded_from", DateTime(timezone=True), nullable=False),
    ]


company_placements = Table("company_placements", metadata, *_columns())
Index("ix_company_placements_pathway", company_placements.c.pathway_id, company_placements.c.position,
      unique=True)
Index("ix_company_placements_siret", company_placements.c.siret)

company_placement_versions = Table(
    "company_placement_versions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True), *_columns(),
    Column("recorded_to", DateTime(timezone=True), nullable=False),
)
# (no secondary index: only the figures "as known at" read the versions, through)

PLACEMENT_TABLES = (company_placements, company_placement_versions)
#: What a current row holds, in the order the projector writes it.
ROW_COLUMNS = ("pathway_id", "group_id", "territory_id", *PLACEMENT_FIELDS, "since_version",
               "recorded_from")
VERSION_COLUMNS = (*ROW_COLUMNS, "recorded_to")
ROW_INSERT = company_placements.insert().values({c: bindparam(c) for c in ROW_COLUMNS})
VERSION_INSERT = company_placement_versions.insert().values({c: bindparam(c) for c in VERSION_COLUMNS})


def placements_of(state: PathwayState) -> tuple[Placement, ...]:
    """A pathway's immersions and hires with their companies, in the order they started."""
    hires = state.hires
    found = []
    for immersion in state.immersions:
        host = immersion["host"]
        led = any(same_company(h.get("employer") or {}, host) and h["starts_on"] >= immersion["starts_on"]
                  for h in hires)
        found.append(("immersion", host.get("siret"), host.get("name"), immersion["starts_on"],
                      immersion.get("ended_on"), immersion.get("status"), led, None, None, None))
    for hire in hires:
        employer = hire.get("employer") or {}
        found.append(("hire", employer.get("siret"), employer.get("name"), hire["starts_on"],
                      hire.get("ended_on"), None, None, hire["day_105_on"], hire.get("completed_on"),
                      hire.get("still_employed")))
    found.sort(key=lambda p: (p[3], p[0]))
    return tuple(Placement(i, *p) for i, p in enumerate(found))


def stored_placements(conn: Connection, pathway_id: str) -> tuple[tuple[Placement, ...], tuple | None]:
    """A pathway's current placements as stored, and the (version, recorded time) they hold from."""
    rows = conn.execute(_STORED, {"placements_of": pathway_id}).all()
    placements = tuple(Placement(*(row._mapping[f] for f in PLACEMENT_FIELDS)) for row in rows)
    return placements, (rows[0].since_version, rows[0].recorded_from) if rows else None


def stored_placements_of(conn: Connection, pathway_ids: list[str]) -> dict[str, tuple]:
    """`stored_placements` of several pathways, read together (one statement per 500)."""
    found: dict[str, list] = {pid: [] for pid in pathway_ids}
    for start in range(0, len(pathway_ids), 500):
        for row in conn.execute(_STORED_OF, {"placements_of": pathway_ids[start:start + 500]}):
            found[row.pathway_id].append(row)
    return {pid: (tuple(Placement(*(row._mapping[f] for f in PLACEMENT_FIELDS)) for row in rows),
                  (rows[0].since_version, rows[0].recorded_from) if rows else None)
            for pid, rows in found.items()}


#: The delete of a pathway's placements, built once (compiled once by `execute_many`).
_DELETE_OF = delete(company_placements).where(company_placements.c.pathway_id == bindparam("placements_of"))

#: stored_placements's statement, built once (it runs with most writes' projection).
_STORED = (select(company_placements).where(company_placements.c.pathway_id == bindparam("placements_of"))
           .order_by(company_placements.c.position))
_STORED_OF = (select(company_placements)
              .where(company_placements.c.pathway_id.in_(bindparam("placements_of", expanding=True)))
              .order_by(company_placements.c.pathway_id, company_placements.c.position))


def replace_placements(conn: Connection, rows: dict[str, list[tuple]],
                       stored: Iterable[str] | None = None) -> None:
    """Writes the current placements of some pathways (pathway id → its rows, in ROW_COLUMNS
    order), replacing what they had. `stored`: those of them that may have placements stored
    already (whose rows were written before), if known; the others' are only inserted.

    (A rebuild writes each pathway once, into a scratch table that has no index on the
    pathway: deleting what new pathways never had scanned the table every time, ~4 % of a
    rebuild at 50,000 pathways.)"""
    if not rows:
        return
    ids = list(rows) if stored is None else [pid for pid in stored if pid in rows]
    execute_many(conn, _DELETE_OF, [(pid,) for pid in ids], ("placements_of",))
    execute_many(conn, ROW_INSERT, [row for pathway_rows in rows.values() for row in pathway_rows],
                 ROW_COLUMNS)
