"""Replay check: rebuild every read model from the log in a scratch store and compare.

Auditors use it to show the figures are what the history says; the nightly job runs it too.
"""

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from ..db import make_engine, metadata
from .committees import committee_decisions, committee_sessions
from .companies import companies, company_needs
from .pathways import pathway_rows, pathway_versions
from .placements import company_placement_versions, company_placements
from .runner import VIEW_TABLES, ProjectionRunner, TerritoryOf, positions

#: How each table's rows are keyed for the comparison.
_KEYS = {
    pathway_rows.name: ("pathway_id",),
    pathway_versions.name: ("pathway_id", "version"),
    committee_sessions.name: ("session_id",),
    committee_decisions.name: ("session_id", "pathway_id"),
    companies.name: ("company_id",),
    company_needs.name: ("company_id", "need_id"),
    company_placements.name: ("pathway_id", "position"),
    company_placement_versions.name: ("pathway_id", "since_version", "position"),
}
_IGNORED = {"id"}


def _normal(value):
    """Values as both SQLite and PostgreSQL give them back (aware datetimes in UTC)."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    return value


def _rows(engine, table) -> dict[tuple, dict]:
    keys = _KEYS[table.name]
    with engine.connect() as conn:
        return {
            tuple(r._mapping[k] for k in keys): {
                c: _normal(v) for c, v in r._mapping.items() if c not in _IGNORED
            }
            for r in conn.execute(select(table))
        }


def replay_check(app, engine, *, limit: int = 50, partitions: int | None = 1) -> dict:
    """Rebuilds the read models in a scratch SQLite store up to the live position and compares.

    Returns {"position", "tables": {name: rows}, "differences": [...]} (at most `limit`
    differences listed; `difference_count` has them all). The replay runs in this process
    unless `partitions` says otherwise (None: one per core): forking is for the command line,
    not for a web or scheduler process whose other threads may hold locks at the fork.
    """
    live = ProjectionRunner(app, engine)
    live.catch_up()
    position = live.position()
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = make_engine(f"sqlite:///{Path(scratch_dir) / 'replay.sqlite'}")
        metadata.create_all(scratch, tables=[*VIEW_TABLES, positions])
        ProjectionRunner(app, scratch, territory_of=TerritoryOf(engine)).rebuild(
            stop=position, partitions=partitions)
        differences = []
        tables = {}
        for table in VIEW_TABLES:
            expected, actual = _rows(scratch, table), _rows(engine, table)
            tables[table.name] = len(expected)
            for key in sorted(set(expected) | set(actual), key=str):
                want, got = expected.get(key), actual.get(key)
                if want == got:
                    continue
                columns = sorted(
                    c for c in set(want or {}) | set(got or {})
                    if (want or {}).get(c) != (got or {}).get(c)
                )
                differences.append({
                    "table": table.name, "key": [str(k) for k in key],
                    "problem": "missing" if got is None else "unexpected" if want is None else "differs",
                    "columns": columns if want and got else [],
                })
        scratch.dispose()
    return {
        "position": position, "tables": tables, "difference_count": len(differences),
        "differences": differences[:limit], "ok": not differences,
    }
