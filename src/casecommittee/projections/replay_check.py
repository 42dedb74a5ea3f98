"""Replay check: rebuild every read model from the log in a scratch store and compare.

Auditors use it to show the figures are what the history says; the nightly job runs it too.

The replay goes into the same kind of store as the live read models: on PostgreSQL, a scratch
schema of the same database (`replay_check_<hex>`, reached through the scratch connections'
`search_path`), which the check holds an advisory lock on while it runs and drops when it ends;
on SQLite, a scratch file in a directory named after the checking process. Scratch left by a
check that crashed is recognised (a schema whose lock nobody holds, a directory whose process
no longer runs) and dropped by the next check.

Both sides are then read in the order of their keys, a batch at a time (a server-side cursor on
PostgreSQL), and compared row by row as in a merge: neither table is ever held in memory whole.
"""

import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import String, select, text
from sqlalchemy.engine import Connection, Engine

from ..db import make_engine, metadata
from .cells import CELL_KEY, statistics_cells
from .committees import committee_decisions, committee_sessions
from .companies import companies, company_needs
from .pathways import pathway_rows, pathway_versions
from .placements import company_placement_versions, company_placements
from .proposals import need_proposals
from .replay_scope import TerritoryScope
from .runner import VIEW_TABLES, ProjectionRunner, TerritoryOf, positions
from .staging import lock_key, process_runs

#: How each table's rows are keyed for the comparison.
_KEYS = {
    pathway_rows.name: ("pathway_id",),
    pathway_versions.name: ("pathway_id", "version"),
    statistics_cells.name: CELL_KEY,
    committee_sessions.name: ("session_id",),
    committee_decisions.name: ("session_id", "pathway_id"),
    companies.name: ("company_id",),
    company_needs.name: ("company_id", "need_id"),
    company_placements.name: ("pathway_id", "position"),
    company_placement_versions.name: ("pathway_id", "since_version", "position"),
    need_proposals.name: ("pathway_id", "position"),
}
_IGNORED = {"id"}


def key_columns(table_name: str) -> tuple[str, ...]:
    """The columns a difference's `key` lists, in order, for a table of the check."""
    return _KEYS[table_name]


#: The scratch schemas of checks on PostgreSQL.
SCRATCH_SCHEMA = re.compile(r"replay_check_[0-9a-f]{12}")
#: The scratch directories of checks on SQLite (the checking process's id, then a token).
SCRATCH_DIRECTORY = re.compile(r"casecommittee-replay-check-(\d+)-")

#: How many rows each side reads at a time.
BATCH = 1000


def _normal(value):
    """Values as both SQLite and PostgreSQL give them back (aware datetimes in UTC)."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    return value


def _ordered_rows(conn: Connection, table, batch: int) -> Iterator[tuple[tuple, dict]]:
    """The rows of `table`, as (key, values), in the order of their keys, `batch` at a time.

    Text keys are ordered byte by byte (`COLLATE "C"` on PostgreSQL, SQLite's own order), the
    order in which Python compares them, so that the merge can tell which side is behind."""
    keys = _KEYS[table.name]
    postgres = conn.dialect.name == "postgresql"
    order = [table.c[k].collate("C") if postgres and isinstance(table.c[k].type, String)
             else table.c[k] for k in keys]
    result = conn.execution_options(yield_per=batch).execute(select(table).order_by(*order))
    for row in result:
        mapping = row._mapping
        yield (tuple(mapping[k] for k in keys),
               {c: _normal(v) for c, v in mapping.items() if c not in _IGNORED})


def compare_tables(expected: Connection, actual: Connection, table,
                   batch: int = BATCH) -> Iterator[dict]:
    """The differences between `table` as replayed (`expected`) and as live (`actual`), read
    side by side in key order; the last item is {"rows": n}, how many rows the replay has."""
    replayed, live = _ordered_rows(expected, table, batch), _ordered_rows(actual, table, batch)
    want, got = next(replayed, None), next(live, None)
    rows = 0
    while want is not None or got is not None:
        if got is None or (want is not None and want[0] < got[0]):
            yield _difference(table, want[0], "missing")
            rows, want = rows + 1, next(replayed, None)
        elif want is None or got[0] < want[0]:
            yield _difference(table, got[0], "unexpected")
            got = next(live, None)
        else:
            if want[1] != got[1]:
                columns = sorted(c for c in set(want[1]) | set(got[1])
                                 if want[1].get(c) != got[1].get(c))
                yield _difference(table, want[0], "differs", columns)
            rows, want, got = rows + 1, next(replayed, None), next(live, None)
    yield {"rows": rows}


def _difference(table, key: tuple, problem: str, columns: list[str] | None = None) -> dict:
    return {"table": table.name, "key": [str(k) for k in key], "problem": problem,
            "columns": columns or []}


def replay_check(app, engine: Engine, *, limit: int = 50, partitions: int | None = 1,
                 batch: int = BATCH, territory_id: str | None = None) -> dict:
    """Rebuilds the read models in a scratch store up to the live position and compares.

    Returns {"position", "tables": {name: rows}, "differences": [...]} (at most `limit`
    differences listed; `difference_count` has them all). The replay runs in this process
    unless `partitions` says otherwise (None: one per core): forking is for the command line,
    not for a web or scheduler process whose other threads may hold locks at the fork.

    With `territory_id`, the rebuild and the comparison are the same (global), but the report
    is the territory's (`replay_scope`): its rows, its differences (`difference_count`), and of
    the others only how many they are (`differences_elsewhere`). `ok` stays the whole check's:
    the rebuild is one, and a difference in a row of no territory concerns every figure.
    """
    live = ProjectionRunner(app, engine)
    live.catch_up()
    position = live.position()
    differences: list[dict] = []
    count = elsewhere = 0
    tables = {}
    with scratch_store(engine) as scratch:
        metadata.create_all(scratch, tables=[*VIEW_TABLES, positions])
        ProjectionRunner(app, scratch, territory_of=TerritoryOf(engine)).rebuild(
            stop=position, partitions=partitions)
        with scratch.connect() as expected, engine.connect() as actual, \
                _scope(territory_id, scratch, engine) as scope:
            pending: list[dict] = []

            def settle() -> None:
                nonlocal count, elsewhere
                within = scope.within(pending, key_columns) if scope else [True] * len(pending)
                for found, mine in zip(pending, within, strict=True):
                    if not mine:
                        elsewhere += 1
                        continue
                    count += 1
                    if len(differences) < limit:
                        differences.append(found)
                pending.clear()

            for table in VIEW_TABLES:
                for found in compare_tables(expected, actual, table, batch):
                    if "rows" in found:
                        tables[table.name] = found["rows"]
                        continue
                    pending.append(found)
                    if len(pending) >= batch:
                        settle()
            settle()
            if scope is not None:
                tables = scope.replayed_rows(VIEW_TABLES)
    return {
        "position": position, "territory_id": territory_id, "tables": tables,
        "difference_count": count, "differences": differences,
        "differences_elsewhere": elsewhere, "ok": not (count or elsewhere),
    }


@contextmanager
def _scope(territory_id: str | None, scratch: Engine, engine: Engine):
    """The territory's part of the check (connections of its own, apart from the comparison's
    cursors), or None for the whole check."""
    if territory_id is None:
        yield None
        return
    with scratch.connect() as replayed, engine.connect() as live:
        yield TerritoryScope(territory_id, replayed, live)


@contextmanager
def scratch_store(engine: Engine) -> Iterator[Engine]:
    """An empty scratch store of the same kind as `engine`'s, gone when the block ends."""
    if engine.dialect.name == "postgresql":
        with _scratch_schema(engine) as scratch:
            yield scratch
    else:
        with _scratch_file() as scratch:
            yield scratch


@contextmanager
def _scratch_schema(engine: Engine) -> Iterator[Engine]:
    """A scratch schema of `engine`'s PostgreSQL database, and an engine whose connections
    see only it. One connection holds the schema's advisory lock from its creation to its
    drop: a schema whose lock is free belongs to a check that no longer runs."""
    name = f"replay_check_{secrets.token_hex(6)}"
    with engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": lock_key(name)})
        holder.commit()
        try:
            drop_abandoned_scratch(holder)
            holder.exec_driver_sql(f'CREATE SCHEMA "{name}"')
            holder.commit()
            scratch = make_engine(engine.url, connect_args={"options": f"-c search_path={name}"})
            try:
                yield scratch
            finally:
                scratch.dispose()
                holder.rollback()
                holder.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
                holder.commit()
        finally:
            holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key(name)})
            holder.commit()


@contextmanager
def _scratch_file() -> Iterator[Engine]:
    """A scratch SQLite file in a directory named after this process, removed at the end."""
    drop_abandoned_scratch(None)
    directory = tempfile.mkdtemp(prefix=f"casecommittee-replay-check-{os.getpid()}-")
    scratch = make_engine(f"sqlite:///{Path(directory) / 'replay.sqlite'}")
    try:
        yield scratch
    finally:
        scratch.dispose()
        shutil.rmtree(directory, ignore_errors=True)


def drop_abandoned_scratch(conn: Connection | None) -> list[str]:
    """Drops the scratch of checks that no longer run: on PostgreSQL (`conn`), the scratch
    schemas whose advisory lock nobody holds; on SQLite (None), the scratch directories whose
    process no longer runs. Returns their names."""
    if conn is None:
        root = Path(tempfile.gettempdir())
        gone = [p for p in root.glob("casecommittee-replay-check-*")
                if (found := SCRATCH_DIRECTORY.match(p.name)) and not process_runs(int(found.group(1)))]
        for path in gone:
            shutil.rmtree(path, ignore_errors=True)
        return [p.name for p in gone]
    schemas = conn.execute(text(
        "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, 'replay_check_')")).scalars()
    gone = []
    for name in [s for s in schemas if SCRATCH_SCHEMA.fullmatch(s)]:
        key = lock_key(name)
        if conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar():
            try:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
                gone.append(name)
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
    conn.commit()
    return gone
