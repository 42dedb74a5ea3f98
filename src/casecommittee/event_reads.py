"""Several aggregates' stored events read at once from an SQLite event store.

The library reads one aggregate at a time: two statements (its last snapshot, then its events),
each in a transaction of its own. A projection worker's batch meets hundreds of pathways it does
not hold in memory; read together, they cost one statement per few hundred pathways and table
(`CaseCommittee.prefetch_pathways`; bench/README.md, the scale-out configuration).
"""

from collections.abc import Sequence
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteAggregateRecorder

#: Aggregates a statement names (SQLite binds at most 32,766 values a statement).
PER_STATEMENT = 500


def reads_many(recorder) -> bool:
    """Whether `select_events_of` can read from `recorder` (an SQLite table of the library)."""
    return isinstance(recorder, SQLiteAggregateRecorder)


def select_events_of(recorder: SQLiteAggregateRecorder, originator_ids: Sequence,
                     lte: int) -> dict[object, list[StoredEvent]]:
    """The stored events of each of `originator_ids` up to version `lte`, in version order,
    by the id as given (what the library's `select_events(id, lte=lte)` returns for each)."""
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
