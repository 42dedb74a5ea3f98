"""Several aggregates' stored events read at once from the library's SQLite or PostgreSQL
event store.

The library reads one aggregate at a time: two statements (its last snapshot, then its events),
each in a transaction of its own. A projection worker's batch meets hundreds of pathways it does
not hold in memory; read together, they cost one statement per few hundred pathways and table
(`CaseCommittee.prefetch_pathways`; bench/README.md, the scale-out configuration).
"""

from collections.abc import Sequence
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteAggregateRecorder

try:  # (the PostgreSQL driver is an optional dependency: `pip install -e '.[postgres]'`)
    from eventsourcing.postgres import PostgresAggregateRecorder
    from psycopg.sql import SQL, Identifier
except ImportError:  # pragma: no cover - an install without PostgreSQL reads SQLite only
    PostgresAggregateRecorder = None

#: Aggregates a statement names (SQLite binds at most 32,766 values a statement).
PER_STATEMENT = 500


def reads_many(recorder) -> bool:
    """Whether `select_events_of` can read from `recorder` (an SQLite or PostgreSQL table of
    the library)."""
    return isinstance(recorder, SQLiteAggregateRecorder) or (
        PostgresAggregateRecorder is not None and isinstance(recorder, PostgresAggregateRecorder))


def select_events_of(recorder, originator_ids: Sequence, lte: int) -> dict[object, list[StoredEvent]]:
    """The stored events of each of `originator_ids` up to version `lte`, in version order,
    by the id as given (what the library's `select_events(id, lte=lte)` returns for each)."""
    if isinstance(recorder, SQLiteAggregateRecorder):
        return _select_from_sqlite(recorder, originator_ids, lte)
    return _select_from_postgresql(recorder, originator_ids, lte)


def _select_from_sqlite(recorder, originator_ids: Sequence, lte: int) -> dict[object, list[StoredEvent]]:
    """`select_events_of` on the library's SQLite table: one statement per PER_STATEMENT
    aggregates, in one read transaction."""
    given = {(i.hex if isinstance(i, UUID) else i): i for i in originator_ids}
    keys = list(given)
    converted = {key: recorder.convert_originator_id(key) for key in keys}  # (once an aggregate)
    found: dict[object, list[StoredEvent]] = {}
    with recorder.datastore.transaction(commit=False) as c:
        for start in range(0, len(keys), PER_STATEMENT):
            chunk = keys[start:start + PER_STATEMENT]
            c.execute(f"SELECT originator_id, originator_version, topic, state "
                      f"FROM {recorder.events_table_name} "
                      f"WHERE originator_id IN ({','.join('?' * len(chunk))}) AND originator_version<=? "
                      f"ORDER BY originator_id, originator_version", [*chunk, lte])
            for row in c.fetchall():
                key = row["originator_id"]
                found.setdefault(given[key], []).append(StoredEvent(
                    originator_id=converted[key], originator_version=row["originator_version"],
                    topic=row["topic"], state=row["state"]))
    return found


def _select_from_postgresql(recorder, originator_ids: Sequence, lte: int) -> dict[object, list[StoredEvent]]:
    """`select_events_of` on the library's PostgreSQL table: one statement per PER_STATEMENT
    aggregates (`originator_id = ANY(…)`, an index look-up each), on a connection of its pool."""
    given = {str(i): i for i in originator_ids}
    keys = list(given)
    statement = SQL(
        "SELECT originator_id, originator_version, topic, state FROM {schema}.{table} "
        "WHERE originator_id = ANY(%s::{kind}[]) AND originator_version <= %s "
        "ORDER BY originator_id, originator_version"
    ).format(schema=Identifier(recorder.datastore.schema), table=Identifier(recorder.events_table_name),
             kind=Identifier(recorder.datastore.originator_id_type))
    found: dict[object, list[StoredEvent]] = {}
    with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
        for start in range(0, len(keys), PER_STATEMENT):
            curs.execute(statement, [keys[start:start + PER_STATEMENT], lte])
            for row in curs.fetchall():
                found.setdefault(given[str(row["originator_id"])], []).append(StoredEvent(
                    originator_id=row["originator_id"], originator_version=row["originator_version"],
                    topic=row["topic"], state=bytes(row["state"])))
    return found
